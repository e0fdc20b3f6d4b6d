/* gate_lab: the lab-mode admission: every client goes to the configured fixed target
 * (cfg->target) with the configuration's default channel policy and its own credentials;
 * refused with a reason when no target is configured. No account or permit is checked, so
 * rmgate-proxy serves lab mode on loopback only; the monitor still records and ledgers every
 * session (gate_permits, lab). ctx is the gate_config (borrowed, read-only). */
#ifndef RMGATE_GATE_LAB_H
#define RMGATE_GATE_LAB_H

#include "gate_config.h"
#include "gate_observer.h"

gate_admission gate_admission_fixed(const gate_config *cfg);

#endif
