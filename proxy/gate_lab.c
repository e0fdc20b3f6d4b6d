/* gate_lab: the lab-mode admission (gate_lab.h). */
#include "gate_lab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <freerdp/error.h>

static BOOL fixed_admit(void *ctx, const gate_admission_request *req, gate_admission_decision *out)
{
	const gate_config *cfg = ctx;
	(void)req;
	if (!cfg->target.host) {
		out->allow = FALSE;
		snprintf(out->reason, sizeof(out->reason),
		         "no target is configured (set 'target' in [gate] or use --target)");
		out->error_info = ERRINFO_SERVER_DENIED_CONNECTION;
		return TRUE;
	}
	out->target_host = strdup(cfg->target.host);
	if (!out->target_host)
		return FALSE;
	out->target_port = cfg->target.port;
	out->policy = gate_policy_default();
	out->policy.gfx = cfg->gfx;
	out->policy.observe_only = cfg->observe_only;
	out->allow = TRUE;
	return TRUE;
}

gate_admission gate_admission_fixed(const gate_config *cfg)
{
	gate_admission a = { .ctx = (void *)cfg, .admit = fixed_admit };
	return a;
}
