/* gate_worker: one vendor connection in its own process (docs/process-model.md).
 *
 * The monitor (gate_monitor) accepts a connection and starts `rmgate-proxy --session-worker
 * ID` (fork + exec of its own binary) with the client's socket on descriptor
 * GATE_WORKER_CLIENT_FD and its end of a SOCK_SEQPACKET socket pair on GATE_WORKER_IPC_FD.
 * The worker reads the same configuration as the monitor, then, before it reads a byte of the
 * client:
 *   1. loads the gate's TLS certificate and key into memory (the files are root's);
 *   2. sets its resource limits (open files; no core files: they would hold screens);
 *   3. drops to cfg->worker_user with no supplementary groups (gate_sandbox_drop_user),
 *      when started as root;
 *   4. loads the system-call filter (gate_sandbox_restrict_syscalls);
 * and then runs one gate_session on the client socket. Its admission, NLA hash, refusal
 * reports, receipt events, input notices and end go to the monitor as gate_ipc messages; the
 * monitor's decision brings the target, the channel policy, injected credentials (only after
 * admission, only for this system) and the recording's descriptor. The worker never opens
 * the database, a key file or a path under the recordings directory.
 *
 * Threads: the session's peer thread is the only reader of the socket pair (admission, NLA
 * hash, and the tick, which polls for "end now" and notes); any session thread may send
 * (one SEQPACKET record per message, so sends do not interleave). The main thread runs the
 * handshake watchdog until the session has ended, then the process exits.
 */
#ifndef RMGATE_GATE_WORKER_H
#define RMGATE_GATE_WORKER_H

#include <winpr/wtypes.h>

#include "gate_config.h"
#include "gate_sam.h"

#define GATE_WORKER_CLIENT_FD 3
#define GATE_WORKER_IPC_FD 4

/* Runs the worker of connection `id` (the monitor's number, "s<id>" in the log) and returns
 * the process exit status: 0 when the session ran its course (whatever its end), 1 when the
 * worker could not start (then nothing of the client was read). sam: lab mode's NLA accounts
 * (taken; may be NULL). */
int gate_worker_main(gate_config *cfg, gate_sam *sam, UINT64 id);

#endif
