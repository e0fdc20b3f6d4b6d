/* web_ledger_check: background checks of the ledger's chain (web_ledger_check.h). */
#include "web_ledger_check.h"

#include "hex.h"
#include "policy.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SINCE_EVERY_S 60
#define FULL_EVERY_S 3600

struct web_ledger_check {
	policy_db *db; /* the thread's own handle */
	pthread_t thread;
	pthread_mutex_t lock; /* guards status and stopping */
	pthread_cond_t wake;  /* signalled on stop */
	bool stopping;
	web_ledger_status status;
};

static double monotonic_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One check, full or since the last good head; the result published under the lock. The
 * check itself runs on c->db, which only this function uses (the thread, or a test while the
 * thread sleeps: policy_db serialises its callers). */
static void check_once(web_ledger_check *c, bool full)
{
	pthread_mutex_lock(&c->lock);
	web_ledger_status before = c->status;
	pthread_mutex_unlock(&c->lock);
	policy_verify_result v;
	policy_ledger_anchor from = { .seq = before.last.head_seq };
	int status;
	if (full || before.broken) {
		full = true;
		status = policy_ledger_verify(c->db, &v);
	} else {
		status = hex_decode(before.last.head_hex, 64, from.hash, sizeof from.hash)
				 ? policy_ledger_verify_since(c->db, &from, &v)
				 : policy_ledger_verify(c->db, &v);
	}
	int64_t now = policy_now_us();
	pthread_mutex_lock(&c->lock);
	if (status != POLICY_OK) {
		snprintf(c->status.unreadable, sizeof c->status.unreadable, "%s", policy_last_error());
	} else {
		c->status.unreadable[0] = 0;
		c->status.last = v;
		c->status.broken = !v.ok;
		c->status.checked_us = now;
		if (full)
			c->status.full_us = now;
	}
	pthread_mutex_unlock(&c->lock);
}

static void *checker(void *arg)
{
	web_ledger_check *c = arg;
	double last_full = monotonic_s();
	pthread_mutex_lock(&c->lock);
	while (!c->stopping) {
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += SINCE_EVERY_S;
		while (!c->stopping && pthread_cond_timedwait(&c->wake, &c->lock, &until) == 0)
			;
		if (c->stopping)
			break;
		pthread_mutex_unlock(&c->lock);
		bool full = monotonic_s() - last_full >= FULL_EVERY_S;
		check_once(c, full);
		if (full)
			last_full = monotonic_s();
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

web_ledger_check *web_ledger_check_start(const char *database_path, char *err, size_t errlen)
{
	web_ledger_check *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->db = policy_open_readonly(database_path);
	if (!c->db) {
		snprintf(err, errlen, "%s", policy_last_error());
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&c->wake, &attr);
	pthread_condattr_destroy(&attr);
	double t0 = monotonic_s();
	check_once(c, true);
	if (c->status.unreadable[0]) {
		snprintf(err, errlen, "cannot check the ledger: %s", c->status.unreadable);
		web_ledger_check_stop(c);
		return NULL;
	}
	printf("rmgate-web: ledger checked: %lld rows, %s, in %.1f s\n", (long long)c->status.last.head_seq,
	       c->status.broken ? "BROKEN" : "intact", monotonic_s() - t0);
	if (pthread_create(&c->thread, NULL, checker, c) != 0) {
		snprintf(err, errlen, "cannot start the ledger checker thread");
		web_ledger_check_stop(c);
		return NULL;
	}
	return c;
}

void web_ledger_check_run(web_ledger_check *c, bool full)
{
	check_once(c, full);
}

void web_ledger_check_result(web_ledger_check *c, web_ledger_status *out)
{
	pthread_mutex_lock(&c->lock);
	*out = c->status;
	pthread_mutex_unlock(&c->lock);
}

void web_ledger_check_stop(web_ledger_check *c)
{
	if (!c)
		return;
	if (c->thread) {
		pthread_mutex_lock(&c->lock);
		c->stopping = true;
		pthread_cond_signal(&c->wake);
		pthread_mutex_unlock(&c->lock);
		pthread_join(c->thread, NULL);
	}
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	policy_close(c->db);
	free(c);
}
