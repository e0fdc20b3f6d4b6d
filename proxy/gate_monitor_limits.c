/* gate_monitor_limits: a worker's resident memory and CPU, read from /proc, against
 * worker_max_rss_mb and worker_cpu_per_minute (gate_monitor.h). */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <winpr/wlog.h>

#include "gate_monitor_int.h"

#define TAG "rmgate.proxy.monitor"

/* Resident memory (MiB) and CPU ticks of a worker; FALSE when /proc has no answer. */
static BOOL worker_usage(const monitor *m, pid_t pid, unsigned long long *rss_mb, unsigned long long *ticks)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
	FILE *f = fopen(path, "re");
	unsigned long long size = 0, resident = 0;
	BOOL ok = f && fscanf(f, "%llu %llu", &size, &resident) == 2;
	if (f)
		fclose(f);
	if (!ok)
		return FALSE;
	*rss_mb = resident * (unsigned long long)m->page_kb / 1024u;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = 0;
	/* Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15. */
	const char *p = strrchr(buf, ')');
	unsigned long long ut = 0, st = 0;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return FALSE;
	*ticks = ut + st;
	return TRUE;
}

static void over_limit(monitor *m, worker_slot *w, const char *sentence)
{
	if (w->end_sent)
		return;
	WLog_WARN(TAG, "s%llu: %s", (unsigned long long)w->id, sentence);
	if (!w->audit) {
		monitor_kill_worker(w, sentence);
		return;
	}
	gate_audit_end_now(w->audit, POLICY_END_RESOURCE_LIMIT, sentence);
	gate_audit_event(w->audit, GATE_EV_SESSION_REFUSED, sentence);
	monitor_end_now(m, w, sentence);
	/* Memory and CPU keep growing while it winds down: a short grace only. */
	w->kill_at_ms = monitor_now_ms() + 2000u;
	snprintf(w->kill_why, sizeof w->kill_why, "over its resource limit");
}

void monitor_check_limits(monitor *m, worker_slot *w, UINT64 now)
{
	unsigned long long rss_mb = 0, ticks = 0;
	if (!worker_usage(m, w->pid, &rss_mb, &ticks))
		return;
	char sentence[160];
	if (rss_mb > m->cfg->worker_max_rss_mb) {
		snprintf(sentence, sizeof sentence,
		         "Session ended: its worker used %llu MiB of memory (worker_max_rss_mb = %u).", rss_mb,
		         m->cfg->worker_max_rss_mb);
		over_limit(m, w, sentence);
		return;
	}
	if (now >= w->cpu_window_ms + 60000 || w->cpu_ticks_base == 0) {
		w->cpu_window_ms = now;
		w->cpu_ticks_base = ticks ? ticks : 1;
		return;
	}
	unsigned long long used_s = (ticks - w->cpu_ticks_base) / (unsigned long long)m->clock_ticks;
	if (used_s > m->cfg->worker_cpu_per_minute) {
		snprintf(sentence, sizeof sentence,
		         "Session ended: its worker used %llu CPU seconds within a minute (worker_cpu_per_minute = %u).",
		         used_s, m->cfg->worker_cpu_per_minute);
		over_limit(m, w, sentence);
	}
}
