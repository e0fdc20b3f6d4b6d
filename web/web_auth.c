/* web_auth.c: login sessions and the per-address limit on failed logons (see web_auth.h). */
#include "web_auth.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	bool used;
	char token[WEB_TOKEN_LEN + 1];
	char csrf[WEB_TOKEN_LEN + 1];
	int64_t staff_id;
	int64_t opened_s, seen_s;
} login_session;

typedef struct {
	char source[64];
	int failures;
	int64_t window_start_s;
} source_entry;

struct web_auth {
	pthread_mutex_t lock;
	int idle_s, max_s;
	login_session sessions[WEB_AUTH_SESSIONS];
	source_entry sources[WEB_AUTH_SOURCES];
};

web_auth *web_auth_new(int idle_s, int max_s)
{
	web_auth *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	pthread_mutex_init(&a->lock, NULL);
	a->idle_s = idle_s;
	a->max_s = max_s;
	return a;
}

void web_auth_free(web_auth *a)
{
	if (!a)
		return;
	pthread_mutex_destroy(&a->lock);
	OPENSSL_cleanse(a, sizeof *a);
	free(a);
}

bool web_auth_random_token(char out[WEB_TOKEN_LEN + 1])
{
	unsigned char raw[WEB_TOKEN_LEN / 2];
	if (RAND_bytes(raw, sizeof raw) != 1)
		return false;
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	OPENSSL_cleanse(raw, sizeof raw);
	return true;
}

bool web_auth_token_equal(const char *a, const char *b)
{
	return a && b && strlen(a) == WEB_TOKEN_LEN && strlen(b) == WEB_TOKEN_LEN &&
	       CRYPTO_memcmp(a, b, WEB_TOKEN_LEN) == 0;
}

static bool expired(const web_auth *a, const login_session *s, int64_t now_s)
{
	return now_s - s->seen_s >= a->idle_s || now_s - s->opened_s >= a->max_s;
}

bool web_auth_open(web_auth *a, int64_t staff_id, int64_t now_s, char token[WEB_TOKEN_LEN + 1],
                   char csrf[WEB_TOKEN_LEN + 1])
{
	if (!web_auth_random_token(token) || !web_auth_random_token(csrf))
		return false;
	pthread_mutex_lock(&a->lock);
	login_session *slot = NULL;
	for (int i = 0; i < WEB_AUTH_SESSIONS; i++) {
		login_session *s = &a->sessions[i];
		if (s->used && expired(a, s, now_s))
			memset(s, 0, sizeof *s);
		if (!s->used) {
			if (!slot || slot->used)
				slot = s;
		} else if (!slot || (slot->used && s->seen_s < slot->seen_s)) {
			slot = s; /* the one idle longest, replaced if nothing is free */
		}
	}
	memset(slot, 0, sizeof *slot);
	slot->used = true;
	memcpy(slot->token, token, WEB_TOKEN_LEN + 1);
	memcpy(slot->csrf, csrf, WEB_TOKEN_LEN + 1);
	slot->staff_id = staff_id;
	slot->opened_s = slot->seen_s = now_s;
	pthread_mutex_unlock(&a->lock);
	return true;
}

bool web_auth_lookup(web_auth *a, const char *token, int64_t now_s, int64_t *staff_id, char csrf[WEB_TOKEN_LEN + 1])
{
	if (!token || strlen(token) != WEB_TOKEN_LEN)
		return false;
	bool found = false;
	pthread_mutex_lock(&a->lock);
	for (int i = 0; i < WEB_AUTH_SESSIONS && !found; i++) {
		login_session *s = &a->sessions[i];
		if (!s->used || !web_auth_token_equal(s->token, token))
			continue;
		if (expired(a, s, now_s)) {
			memset(s, 0, sizeof *s);
			break;
		}
		s->seen_s = now_s;
		*staff_id = s->staff_id;
		memcpy(csrf, s->csrf, WEB_TOKEN_LEN + 1);
		found = true;
	}
	pthread_mutex_unlock(&a->lock);
	return found;
}

void web_auth_close(web_auth *a, const char *token)
{
	pthread_mutex_lock(&a->lock);
	for (int i = 0; i < WEB_AUTH_SESSIONS; i++)
		if (a->sessions[i].used && web_auth_token_equal(a->sessions[i].token, token))
			memset(&a->sessions[i], 0, sizeof a->sessions[i]);
	pthread_mutex_unlock(&a->lock);
}

/* The entry of `source`, or the one to reuse (free or oldest). Lock held. */
static source_entry *source_slot(web_auth *a, const char *source, bool *found)
{
	source_entry *reuse = &a->sources[0];
	*found = false;
	for (int i = 0; i < WEB_AUTH_SOURCES; i++) {
		source_entry *e = &a->sources[i];
		if (e->source[0] && !strcmp(e->source, source)) {
			*found = true;
			return e;
		}
		if (!e->source[0] ? reuse->source[0] != 0 : (reuse->source[0] && e->window_start_s < reuse->window_start_s))
			reuse = e;
	}
	return reuse;
}

bool web_auth_source_may_try(web_auth *a, const char *source, int64_t now_s)
{
	bool found, may = true;
	pthread_mutex_lock(&a->lock);
	source_entry *e = source_slot(a, source, &found);
	if (found && now_s - e->window_start_s < WEB_AUTH_SOURCE_WINDOW_S)
		may = e->failures < WEB_AUTH_SOURCE_FAILURES;
	pthread_mutex_unlock(&a->lock);
	return may;
}

void web_auth_source_failed(web_auth *a, const char *source, int64_t now_s)
{
	bool found;
	pthread_mutex_lock(&a->lock);
	source_entry *e = source_slot(a, source, &found);
	if (!found || now_s - e->window_start_s >= WEB_AUTH_SOURCE_WINDOW_S) {
		memset(e, 0, sizeof *e);
		snprintf(e->source, sizeof e->source, "%s", source);
		e->window_start_s = now_s;
	}
	e->failures++;
	pthread_mutex_unlock(&a->lock);
}
