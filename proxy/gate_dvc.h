/* gate_dvc: the back side's dynamic-channel receipt. A small DVC plugin, loaded by the back's
 * drdynvc, listens on the names of the dynamic channels the policy denies (audio input, USB,
 * camera, video, geometry, multitouch, ...) and refuses each one the target tries to open,
 * reporting it as a receipt event. Channels nobody listens on are refused by drdynvc itself
 * (no listener), without a name we could report; the allowed ones (graphics, display control)
 * are served by FreeRDP's own plugins.
 *
 * FreeRDP 2.11 finds plugins through one process-wide addin provider, which
 * freerdp_client_context_new() resets to the stock one: gate_dvc_client_context_new() creates
 * the context and puts the gate's provider back under one lock.
 *
 * Contract:
 * - A back context created by gate_dvc_client_context_new() must begin with gate_dvc_context
 *   (ep->ContextSize covers the caller's larger struct), and `receipt` must be set before
 *   freerdp_connect: the plugin reads it when drdynvc loads it (client thread).
 * - The plugin reports each refused channel through receipt->link (back drdynvc thread).
 */
#ifndef RMGATE_GATE_DVC_H
#define RMGATE_GATE_DVC_H

#include <freerdp/client.h>
#include <freerdp/client/disp.h>
#include <freerdp/client/rdpgfx.h>

#include "gate_link.h"
#include "gate_policy.h"

#define GATE_DVC_RECEIPT_NAME "rmgate-dvc-receipt"

typedef struct {
	const gate_channel_policy *policy; /* the session's; read-only after admission */
	const gate_link *link;
} gate_dvc_receipt;

typedef struct {
	rdpClientContext base;
	const gate_dvc_receipt *receipt;
} gate_dvc_context;

/* freerdp_client_context_new() plus re-registering the gate's addin provider (global). */
rdpContext *gate_dvc_client_context_new(RDP_CLIENT_ENTRY_POINTS *ep);

#endif
