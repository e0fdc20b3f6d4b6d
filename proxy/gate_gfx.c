/* gate_gfx: graphics pipeline bridge (front rdpgfx server <-> back rdpgfx client) with the
 * decoder tee. Until the bridge is complete the front does not offer the pipeline, so these
 * entry points only keep the back's channel pointer consistent. */
#include "gate_session.h"

#include <winpr/wlog.h>

#define TAG "rmgate.proxy.gfx"

void gate_gfx_back_connected(gate_session *s, RdpgfxClientContext *gfx)
{
	EnterCriticalSection(&s->lock);
	s->back_gfx = gfx;
	LeaveCriticalSection(&s->lock);
}

void gate_gfx_back_disconnected(gate_session *s, RdpgfxClientContext *gfx)
{
	EnterCriticalSection(&s->lock);
	if (s->back_gfx == gfx)
		s->back_gfx = NULL;
	LeaveCriticalSection(&s->lock);
}

BOOL gate_gfx_front_poll(gate_session *s)
{
	(void)s;
	return TRUE;
}

void gate_gfx_front_free(gate_session *s)
{
	(void)s;
}

BOOL gate_gfx_decoder_new(gate_session *s)
{
	(void)s;
	return TRUE;
}

void gate_gfx_decoder_free(gate_session *s)
{
	(void)s;
}
