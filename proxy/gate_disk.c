/* gate_disk: free-space guard of the recordings directory (gate_disk.h). */
#include "gate_disk.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <winpr/wlog.h>

#define TAG "rmgate.proxy.disk"

gate_disk_state gate_disk_check(const char *dir, const gate_disk_limits *limits, uint64_t *free_mb, char *err,
				size_t errlen)
{
	struct statvfs st;
	*free_mb = 0;
	if (statvfs(dir, &st) != 0) {
		snprintf(err, errlen, "the free space of the recordings directory %s cannot be read (%s): new sessions are refused",
			 dir, strerror(errno));
		return GATE_DISK_FULL;
	}
	*free_mb = (uint64_t)st.f_bavail * (uint64_t)st.f_frsize / (1024u * 1024u);
	if (limits->min_free_mb && *free_mb < limits->min_free_mb) {
		snprintf(err, errlen,
			 "the recordings directory has %llu MB free, less than recordings_min_free_mb (%llu MB): new sessions are refused",
			 (unsigned long long)*free_mb, (unsigned long long)limits->min_free_mb);
		return GATE_DISK_FULL;
	}
	if (limits->warn_free_mb && *free_mb < limits->warn_free_mb) {
		snprintf(err, errlen,
			 "the recordings directory has %llu MB free, less than recordings_warn_free_mb (%llu MB); sessions are refused below %llu MB",
			 (unsigned long long)*free_mb, (unsigned long long)limits->warn_free_mb,
			 (unsigned long long)limits->min_free_mb);
		return GATE_DISK_LOW;
	}
	return GATE_DISK_OK;
}

void gate_disk_watch_tick(gate_disk_watch *w, const char *dir, const gate_disk_limits *limits, int64_t now_us)
{
	if (now_us < w->next_check_us)
		return;
	w->next_check_us = now_us + 60 * 1000000LL;
	char err[512];
	uint64_t free_mb;
	gate_disk_state st = gate_disk_check(dir, limits, &free_mb, err, sizeof err);
	if (st == GATE_DISK_FULL)
		WLog_Print(WLog_Get(TAG), WLOG_ERROR, "%s", err);
	else if (st == GATE_DISK_LOW)
		WLog_Print(WLog_Get(TAG), WLOG_WARN, "%s", err);
	else if (w->last != GATE_DISK_OK)
		WLog_Print(WLog_Get(TAG), WLOG_INFO, "the recordings directory has %llu MB free again",
			   (unsigned long long)free_mb);
	w->last = st;
}
