/* gate_admit: the admission decision of one session, between the front's handshake and the
 * connection to the target.
 *
 * The request is built from what the front learnt (identity and credentials from NLA or the
 * Client Info PDU, client name and build, desktop size, keyboard, the static channels offered)
 * and given to the admission hook (gate_observer.h: the permit database, or lab mode). An
 * allow fills the session's channel policy, observer and target (host, port, pin, and the
 * credentials for the target: the vendor's own, or injected ones that replace them). A deny,
 * a hook failure or an NLA identity that was not verified refuses the client
 * (gate_front_refuse: receipt event, error info, close).
 *
 * Contract: peer thread only, once per session, in the licensing step (the session's
 * ADMISSION state). The out structures are the session's; on FALSE they hold nothing new
 * except, possibly, the vendor's credentials in target (freed with the session).
 */
#ifndef RMGATE_GATE_ADMIT_H
#define RMGATE_GATE_ADMIT_H

#include "gate_back.h"
#include "gate_front.h"
#include "gate_observer.h"
#include "gate_policy.h"

/* names: the static channels the client offered (n of them). */
BOOL gate_admit(gate_front *f, const gate_admission *a, char **names, size_t n,
                gate_channel_policy *policy, gate_observer *obs, gate_back_target *target);
/* The receipt of what the client asked for: each static channel offered, allowed or denied by
 * the policy, and the Client Info flags asking for a denied feature. */
void gate_admit_report_offer(gate_front *f, const gate_channel_policy *policy, char **names,
                             size_t n);

#endif
