/* gate_channels: the channel-data guard and the drdynvc output count (contract in the header). */
#include "gate_channels.h"

#include <winpr/stream.h>
#include <winpr/wlog.h>
#include <winpr/wtsapi.h>
#include <freerdp/channels/wtsvc.h>
#include <freerdp/svc.h>

#define TAG "rmgate.proxy.channels"

void gate_channels_init(gate_channels *c, freerdp_peer *peer, const gate_link *link,
                        size_t max_message, const gate_channels_hooks *hooks)
{
	*c = (gate_channels){ .peer = peer, .link = link, .max_message = max_message, .hooks = *hooks };
}

void gate_channels_attach(gate_channels *c)
{
	c->wts_receive = c->peer->ReceiveChannelData;
	c->wts_send = c->peer->SendChannelData;
}

static BOOL channel_is_open(gate_channels *c, UINT16 id)
{
	if (id == WTSChannelGetId(c->peer, "drdynvc"))
		return TRUE;
	if (c->hooks.rdpdr_open(c->hooks.ctx) && id == WTSChannelGetId(c->peer, "rdpdr"))
		return TRUE;
	return FALSE;
}

/* Bytes accepted so far for the message being reassembled on an open channel: a client that
 * never sends CHANNEL_FLAG_LAST, sends more than the declared total, or sends fragments without
 * a FIRST must not make the library's buffer grow without bound. */
static BOOL within_message_cap(gate_channels *c, UINT16 id, const BYTE *data, size_t size,
                               UINT32 flags, size_t total)
{
	size_t slot = (id == WTSChannelGetId(c->peer, "drdynvc")) ? 0 : 1;
	size_t cap = c->max_message;
	if (flags & CHANNEL_FLAG_FIRST) {
		c->rx_message_bytes[slot] = 0;
		c->rx_in_message[slot] = slot != 0 || gate_channels_dvc_first_ok(data, size, cap);
	}
	if (!c->rx_in_message[slot])
		return FALSE; /* the rest of a dropped message, or data without a FIRST */
	c->rx_message_bytes[slot] += size;
	BOOL ok = c->rx_message_bytes[slot] <= total && c->rx_message_bytes[slot] <= cap;
	if (!ok || (flags & CHANNEL_FLAG_LAST))
		c->rx_in_message[slot] = FALSE;
	return ok;
}

/* A drdynvc field of 1, 2 or 4 bytes (MS-RDPEDYC 2.2: the size code 0, 1, 2; 3 is read as 4). */
static BOOL dvc_read_var(wStream *st, unsigned code, UINT32 *out)
{
	static const size_t len[4] = { 1, 2, 4, 4 };
	/* Debug level: a client may send short headers at will; the library refuses them. */
	if (!Stream_CheckAndLogRequiredLengthEx(TAG, WLOG_DEBUG, st, len[code & 3], "drdynvc header"))
		return FALSE;
	switch (len[code & 3]) {
	case 1: {
		UINT8 v;
		Stream_Read_UINT8(st, v);
		*out = v;
		break;
	}
	case 2: {
		UINT16 v;
		Stream_Read_UINT16(st, v);
		*out = v;
		break;
	}
	default:
		Stream_Read_UINT32(st, *out);
		break;
	}
	return TRUE;
}

BOOL gate_channels_dvc_first_ok(const BYTE *data, size_t size, size_t cap)
{
	wStream sbuf;
	wStream *st = &sbuf;
	UINT8 header = 0;
	UINT32 channel = 0, length = 0;
	if (!data || size < 1)
		return TRUE;
	Stream_StaticInit(st, (BYTE *)data, size); /* read only */
	Stream_Read_UINT8(st, header);
	/* MS-RDPEDYC 2.2: cmd in the high nibble, Sp (bits 2-3) and cbChId (bits 0-1) below. */
	if ((header >> 4) != 0x02 /* DATA_FIRST_PDU */)
		return TRUE;
	if (!dvc_read_var(st, header, &channel) || !dvc_read_var(st, header >> 2, &length))
		return TRUE; /* too short: the library refuses it without allocating */
	return length <= cap;
}

BOOL gate_channels_receive(gate_channels *c, UINT16 id, const BYTE *data, size_t size,
                           UINT32 flags, size_t total)
{
	BOOL drop = !channel_is_open(c, id) || total > c->max_message ||
	            !within_message_cap(c, id, data, size, flags, total);
	if (!drop && c->wts_receive && c->wts_receive(c->peer, id, data, size, flags, total))
		return TRUE;
	/* Never disconnect for this: drop, count, and report (rate-limited). */
	c->dropped_pdus++;
	c->dropped_bytes += size;
	UINT64 n = c->dropped_pdus;
	if (n <= 16 || (n & (n - 1)) == 0)
		gate_link_event(c->link, GATE_EV_CHANNEL_DATA_DROPPED, "id=%u bytes=%zu total=%zu count=%llu",
		                id, size, total, (unsigned long long)n);
	return TRUE;
}

BOOL gate_channels_send(gate_channels *c, UINT16 id, const BYTE *data, size_t size)
{
	BOOL ok = c->wts_send(c->peer, id, data, size);
	if (ok && id == WTSChannelGetId(c->peer, "drdynvc"))
		c->hooks.drdynvc_sent(c->hooks.ctx, size);
	return ok;
}
