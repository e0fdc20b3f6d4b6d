/* gate_policy: the channel policy of one session (view only by default).
 *
 * A gate_channel_policy is a plain value (copied into each session; no pointers, no lock).
 * Default: deny everything except what display and input need:
 *   static channels: drdynvc (carrier of the dynamic channels below);
 *   dynamic channels: Microsoft::Windows::RDS::Graphics (rdpgfx),
 *                     Microsoft::Windows::RDS::DisplayControl (disp);
 *   reserved (not bridged yet, so denied whatever they say): rdpsnd (audio output), rail.
 * Every other static or dynamic channel is denied, known or unknown.
 */
#ifndef RMGATE_GATE_POLICY_H
#define RMGATE_GATE_POLICY_H

#include <stddef.h>
#include <winpr/wtypes.h>

typedef struct {
	BOOL gfx;           /* graphics pipeline DVC */
	BOOL display_control; /* disp DVC (resize) */
	BOOL audio_output;  /* reserved: rdpsnd is not bridged yet and stays denied */
	BOOL remote_app;    /* reserved: rail is not bridged yet and stays denied */
	BOOL observe_only;  /* drop every keyboard and mouse event of the vendor */
} gate_channel_policy;

/* The view-only default: gfx and display control on, the rest off. */
gate_channel_policy gate_policy_default(void);

/* Static channel names the back side may list for this policy (NULL-terminated, static). */
BOOL gate_policy_static_allowed(const gate_channel_policy *p, const char *name);
/* Dynamic channel names the back side may accept. */
BOOL gate_policy_dvc_allowed(const gate_channel_policy *p, const char *name);

/* Human-readable class of a denied channel for the receipt ("clipboard", "device redirection",
 * ...; "unknown" otherwise). */
const char *gate_policy_channel_class(const char *name);

/* The policy as bits (what crosses from the monitor to a session worker, gate_ipc) and back;
 * unknown bits are ignored. */
UINT32 gate_policy_to_bits(const gate_channel_policy *p);
gate_channel_policy gate_policy_from_bits(UINT32 bits);

/* Writes a short text form ("gfx,disp" / "none" + ",observe-only") into buf. */
void gate_policy_describe(const gate_channel_policy *p, char *buf, size_t len);

#endif
