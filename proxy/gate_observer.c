/* gate_observer: the small functions of the hook contracts (gate_observer.h). */
#include "gate_observer.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

void gate_admission_decision_clear(gate_admission_decision *d)
{
	if (!d)
		return;
	free(d->target_host);
	free(d->user);
	free(d->domain);
	if (d->password) {
		OPENSSL_cleanse(d->password, strlen(d->password));
		free(d->password);
	}
	memset(d, 0, sizeof(*d));
}

const char *gate_event_name(gate_event_type type)
{
	switch (type) {
	case GATE_EV_SESSION_START: return "session-start";
	case GATE_EV_CHANNEL_OFFERED: return "channel-offered";
	case GATE_EV_CHANNEL_DENIED: return "channel-denied";
	case GATE_EV_CHANNEL_ALLOWED: return "channel-allowed";
	case GATE_EV_CLIENT_INFO_FLAG: return "client-info-flag";
	case GATE_EV_DEVICE_ANNOUNCED: return "device-announced";
	case GATE_EV_DVC_DENIED: return "dvc-denied";
	case GATE_EV_CHANNEL_DATA_DROPPED: return "channel-data-dropped";
	case GATE_EV_INPUT_DROPPED: return "input-dropped";
	case GATE_EV_DECODE_ERROR: return "decode-error";
	case GATE_EV_TARGET_CONNECTED: return "target-connected";
	case GATE_EV_SESSION_REFUSED: return "session-refused";
	case GATE_EV_CODEC: return "codec";
	}
	return "unknown";
}
