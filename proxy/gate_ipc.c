/* gate_ipc: monitor <-> worker messages: framing, schemas, validation (gate_ipc.h). */
#include "gate_ipc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "gate_err.h"
#include "text_escape.h"

typedef enum { KIND_U32, KIND_U64, KIND_STR, KIND_BYTES } field_kind;

typedef struct {
	uint16_t tag;
	field_kind kind;
	bool required;
	uint16_t min_len, max_len; /* bytes; strings and bytes */
	uint32_t max_value;        /* u32: largest allowed value (0: any) */
} field_rule;

typedef struct {
	uint8_t type;
	gate_ipc_side from;
	bool carries_fd;
	const field_rule *rules;
	size_t nrules;
} message_schema;

#define RULES(name, ...) static const field_rule name[] = { __VA_ARGS__ }
#define U32(tag, req, max) { tag, KIND_U32, req, 4, 4, max }
#define U64(tag, req) { tag, KIND_U64, req, 8, 8, 0 }
#define STR(tag, req, max) { tag, KIND_STR, req, 0, max, 0 }
#define BYTES(tag, req, min, max) { tag, KIND_BYTES, req, min, max, 0 }

RULES(w_admit, STR(GATE_IPC_F_USER, true, 256), STR(GATE_IPC_F_DOMAIN, false, 256),
      BYTES(GATE_IPC_F_PASSWORD, false, 0, 512), STR(GATE_IPC_F_CLIENT_NAME, false, 64),
      U32(GATE_IPC_F_CLIENT_BUILD, false, 0), STR(GATE_IPC_F_CHANNEL, false, GATE_IPC_MAX_STRING),
      U32(GATE_IPC_F_NLA, true, 1), U32(GATE_IPC_F_WIDTH, true, 8192), U32(GATE_IPC_F_HEIGHT, true, 8192),
      U32(GATE_IPC_F_KEYBOARD, false, 0));
RULES(w_ntlm_hash, BYTES(GATE_IPC_F_USER_UTF16, true, 2, 512), BYTES(GATE_IPC_F_DOMAIN_UTF16, false, 0, 512));
RULES(w_event, U32(GATE_IPC_F_EVENT, true, 255), STR(GATE_IPC_F_DETAIL, false, GATE_IPC_MAX_STRING));
RULES(w_end, STR(GATE_IPC_F_REASON, true, 256), U32(GATE_IPC_F_FRAMES, false, 0));
RULES(w_refused, STR(GATE_IPC_F_REASON, true, 64), STR(GATE_IPC_F_LOGIN, false, 256),
      STR(GATE_IPC_F_DETAIL, false, GATE_IPC_MAX_STRING));
RULES(m_decision, U32(GATE_IPC_F_ALLOW, true, 1), STR(GATE_IPC_F_REASON, false, 256),
      U32(GATE_IPC_F_ERROR_INFO, false, 0), STR(GATE_IPC_F_TARGET_HOST, false, 253),
      U32(GATE_IPC_F_TARGET_PORT, false, 65535), BYTES(GATE_IPC_F_TARGET_PIN, false, 32, 32),
      U32(GATE_IPC_F_POLICY, false, 0), STR(GATE_IPC_F_USER, false, 256), STR(GATE_IPC_F_DOMAIN, false, 256),
      BYTES(GATE_IPC_F_PASSWORD, false, 0, 512), STR(GATE_IPC_F_RECORDING_ID, false, 64),
      U64(GATE_IPC_F_SESSION_ID, false), U64(GATE_IPC_F_PERMIT_ID, false), U64(GATE_IPC_F_VENDOR_ID, false),
      U64(GATE_IPC_F_SYSTEM_ID, false), U64(GATE_IPC_F_ACCOUNT_ID, false), U64(GATE_IPC_F_START_NS, false));
RULES(m_ntlm_hash, U32(GATE_IPC_F_FOUND, true, 1), BYTES(GATE_IPC_F_HASH, false, 16, 16));
RULES(m_end_now, STR(GATE_IPC_F_REASON, true, 256), U32(GATE_IPC_F_ERROR_INFO, false, 0));
RULES(m_note, STR(GATE_IPC_F_NAME, true, 64), STR(GATE_IPC_F_DETAIL, false, GATE_IPC_MAX_STRING));

#define SCHEMA(type, from, fd, rules) { type, from, fd, rules, sizeof rules / sizeof *rules }
static const message_schema schemas[] = {
	SCHEMA(GATE_IPC_W_ADMIT, GATE_IPC_FROM_WORKER, false, w_admit),
	SCHEMA(GATE_IPC_W_NTLM_HASH, GATE_IPC_FROM_WORKER, false, w_ntlm_hash),
	SCHEMA(GATE_IPC_W_EVENT, GATE_IPC_FROM_WORKER, false, w_event),
	{ GATE_IPC_W_INPUT, GATE_IPC_FROM_WORKER, false, NULL, 0 },
	SCHEMA(GATE_IPC_W_END, GATE_IPC_FROM_WORKER, false, w_end),
	SCHEMA(GATE_IPC_W_REFUSED, GATE_IPC_FROM_WORKER, false, w_refused),
	SCHEMA(GATE_IPC_M_DECISION, GATE_IPC_FROM_MONITOR, true, m_decision),
	SCHEMA(GATE_IPC_M_NTLM_HASH, GATE_IPC_FROM_MONITOR, false, m_ntlm_hash),
	SCHEMA(GATE_IPC_M_END_NOW, GATE_IPC_FROM_MONITOR, false, m_end_now),
	SCHEMA(GATE_IPC_M_NOTE, GATE_IPC_FROM_MONITOR, false, m_note),
};

static const message_schema *schema_of(uint8_t type)
{
	for (size_t i = 0; i < sizeof schemas / sizeof *schemas; i++)
		if (schemas[i].type == type)
			return &schemas[i];
	return NULL;
}

const char *gate_ipc_type_name(uint8_t type)
{
	switch (type) {
	case GATE_IPC_W_ADMIT: return "admit";
	case GATE_IPC_W_NTLM_HASH: return "ntlm-hash-request";
	case GATE_IPC_W_EVENT: return "event";
	case GATE_IPC_W_INPUT: return "input";
	case GATE_IPC_W_END: return "end";
	case GATE_IPC_W_REFUSED: return "refused";
	case GATE_IPC_M_DECISION: return "decision";
	case GATE_IPC_M_NTLM_HASH: return "ntlm-hash";
	case GATE_IPC_M_END_NOW: return "end-now";
	case GATE_IPC_M_NOTE: return "note";
	default: return "unknown";
	}
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* ---- building ------------------------------------------------------------------------------ */

void gate_ipc_begin(gate_ipc_out *out, gate_ipc_type type)
{
	memset(out->bytes, 0, GATE_IPC_HEADER);
	out->bytes[0] = GATE_IPC_VERSION;
	out->bytes[1] = (uint8_t)type;
	out->len = GATE_IPC_HEADER;
	out->overflow = false;
}

void gate_ipc_put_bytes(gate_ipc_out *out, gate_ipc_tag tag, const void *value, size_t len)
{
	if (out->overflow || len > UINT16_MAX || out->len + 4 + len > GATE_IPC_MAX_MESSAGE) {
		out->overflow = true;
		return;
	}
	put_le16(out->bytes + out->len, (uint16_t)tag);
	put_le16(out->bytes + out->len + 2, (uint16_t)len);
	if (len)
		memcpy(out->bytes + out->len + 4, value, len);
	out->len += 4 + len;
}

void gate_ipc_put_u32(gate_ipc_out *out, gate_ipc_tag tag, uint32_t value)
{
	uint8_t v[4];
	put_le32(v, value);
	gate_ipc_put_bytes(out, tag, v, sizeof v);
}

void gate_ipc_put_u64(gate_ipc_out *out, gate_ipc_tag tag, uint64_t value)
{
	uint8_t v[8];
	put_le32(v, (uint32_t)value);
	put_le32(v + 4, (uint32_t)(value >> 32));
	gate_ipc_put_bytes(out, tag, v, sizeof v);
}

void gate_ipc_put_str(gate_ipc_out *out, gate_ipc_tag tag, const char *value)
{
	gate_ipc_put_bytes(out, tag, value ? value : "", value ? strlen(value) : 0);
}

void gate_ipc_out_clear(gate_ipc_out *out)
{
	OPENSSL_cleanse(out->bytes, sizeof out->bytes);
	out->len = 0;
}

int gate_ipc_send(int sock, gate_ipc_out *out, int fd, char *err, size_t errlen)
{
	if (out->overflow || out->len < GATE_IPC_HEADER)
		return gate_err_fail(err, errlen, "the %s message does not fit in %d bytes", gate_ipc_type_name(out->bytes[1]),
			    GATE_IPC_MAX_MESSAGE);
	put_le32(out->bytes + 4, (uint32_t)(out->len - GATE_IPC_HEADER));
	struct iovec iov = { .iov_base = out->bytes, .iov_len = out->len };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		memset(&control, 0, sizeof control);
		mh.msg_control = control.buf;
		mh.msg_controllen = sizeof control.buf;
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
	}
	ssize_t n;
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return gate_err_fail(err, errlen, "cannot send the %s message: %s", gate_ipc_type_name(out->bytes[1]),
			    strerror(errno));
	return 0;
}

/* ---- receiving ------------------------------------------------------------------------------ */

/* A string value: UTF-8 that text_escape leaves as it is (no control, no invalid byte, no
 * bidi override) and no NUL. */
static bool clean_text(const uint8_t *value, size_t len)
{
	char text[GATE_IPC_MAX_STRING + 1];
	if (len > GATE_IPC_MAX_STRING || memchr(value, 0, len))
		return false;
	memcpy(text, value, len);
	text[len] = 0;
	return text_escape(NULL, 0, text) == len;
}

static const field_rule *rule_of(const message_schema *s, uint16_t tag)
{
	for (size_t i = 0; i < s->nrules; i++)
		if (s->rules[i].tag == tag)
			return &s->rules[i];
	return NULL;
}

int gate_ipc_parse(const uint8_t *bytes, size_t len, int fd, gate_ipc_side from, gate_ipc_msg *msg,
		   char *err, size_t errlen)
{
	msg->fd = -1;
	msg->nfields = 0;
	msg->type = 0;
	int status = -1;
	if (len < GATE_IPC_HEADER) {
		gate_err_set(err, errlen, "a message of %zu bytes is shorter than its header", len);
		goto out;
	}
	if (len > GATE_IPC_MAX_MESSAGE) {
		gate_err_set(err, errlen, "a message of %zu bytes is larger than %d", len, GATE_IPC_MAX_MESSAGE);
		goto out;
	}
	if (bytes[0] != GATE_IPC_VERSION || le16(bytes + 2) != 0) {
		gate_err_set(err, errlen, "a message of protocol version %u (this side speaks %d)", bytes[0], GATE_IPC_VERSION);
		goto out;
	}
	if (le32(bytes + 4) != len - GATE_IPC_HEADER) {
		gate_err_set(err, errlen, "a message says %u payload bytes but carries %zu", le32(bytes + 4), len - GATE_IPC_HEADER);
		goto out;
	}
	const message_schema *s = schema_of(bytes[1]);
	if (!s || s->from != from) {
		gate_err_set(err, errlen, "a message of type %u (%s), which the %s does not send", bytes[1],
		     gate_ipc_type_name(bytes[1]), from == GATE_IPC_FROM_WORKER ? "worker" : "monitor");
		goto out;
	}
	if (fd >= 0 && !s->carries_fd) {
		gate_err_set(err, errlen, "a %s message came with a descriptor", gate_ipc_type_name(s->type));
		goto out;
	}
	memcpy(msg->bytes, bytes, len);
	msg->type = s->type;
	uint32_t seen = 0; /* bit i: rule i seen */
	size_t off = GATE_IPC_HEADER;
	while (off < len) {
		if (len - off < 4) {
			gate_err_set(err, errlen, "a %s message ends inside a field header", gate_ipc_type_name(s->type));
			goto out;
		}
		uint16_t tag = le16(msg->bytes + off), flen = le16(msg->bytes + off + 2);
		if (flen > len - off - 4) {
			gate_err_set(err, errlen, "field %u of a %s message runs past its end", tag, gate_ipc_type_name(s->type));
			goto out;
		}
		const field_rule *r = rule_of(s, tag);
		if (!r) {
			gate_err_set(err, errlen, "a %s message has field %u, which it does not take", gate_ipc_type_name(s->type), tag);
			goto out;
		}
		size_t ri = (size_t)(r - s->rules);
		if (seen & (1u << ri)) {
			gate_err_set(err, errlen, "a %s message has field %u twice", gate_ipc_type_name(s->type), tag);
			goto out;
		}
		seen |= 1u << ri;
		const uint8_t *value = msg->bytes + off + 4;
		if (flen < r->min_len || flen > r->max_len) {
			gate_err_set(err, errlen, "field %u of a %s message has %u bytes (allowed %u to %u)", tag,
			     gate_ipc_type_name(s->type), flen, r->min_len, r->max_len);
			goto out;
		}
		if (r->kind == KIND_U32 && r->max_value && le32(value) > r->max_value) {
			gate_err_set(err, errlen, "field %u of a %s message is %u (at most %u)", tag, gate_ipc_type_name(s->type),
			     le32(value), r->max_value);
			goto out;
		}
		if (r->kind == KIND_STR && !clean_text(value, flen)) {
			gate_err_set(err, errlen, "field %u of a %s message is not clean UTF-8 text", tag, gate_ipc_type_name(s->type));
			goto out;
		}
		msg->fields[msg->nfields++] = (gate_ipc_field){ tag, flen, value };
		off += 4 + (size_t)flen;
	}
	for (size_t i = 0; i < s->nrules; i++)
		if (s->rules[i].required && !(seen & (1u << i))) {
			gate_err_set(err, errlen, "a %s message lacks field %u", gate_ipc_type_name(s->type), s->rules[i].tag);
			goto out;
		}
	msg->fd = fd;
	fd = -1;
	status = 1;
out:
	if (fd >= 0)
		close(fd);
	if (status != 1)
		gate_ipc_msg_clear(msg);
	return status;
}

int gate_ipc_recv(int sock, gate_ipc_side from, gate_ipc_msg *msg, char *err, size_t errlen)
{
	/* One byte more than the largest message: a larger record shows as MSG_TRUNC. Room for
	 * a few descriptors, so that extra ones are seen (and closed), not left to MSG_CTRUNC. */
	static _Thread_local uint8_t buf[GATE_IPC_MAX_MESSAGE + 1];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			     .msg_controllen = sizeof control.buf };
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return gate_err_fail(err, errlen, "cannot receive a message: %s", strerror(errno));
	int fd = -1;
	size_t nfds = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++, nfds++) {
			int got;
			memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
			if (fd < 0)
				fd = got;
			else
				close(got);
		}
	}
	int status;
	if (nfds > 1 || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		status = gate_err_fail(err, errlen, "a message larger than %d bytes or with more than one descriptor",
			      GATE_IPC_MAX_MESSAGE);
		if (fd >= 0)
			close(fd);
	} else if (n == 0 && fd < 0)
		status = 0; /* the peer closed the socket */
	else
		status = gate_ipc_parse(buf, (size_t)n, fd, from, msg, err, errlen);
	OPENSSL_cleanse(buf, (size_t)(n > 0 ? n : 0));
	return status;
}

/* ---- access --------------------------------------------------------------------------------- */

const gate_ipc_field *gate_ipc_field_of(const gate_ipc_msg *msg, gate_ipc_tag tag)
{
	for (size_t i = 0; i < msg->nfields; i++)
		if (msg->fields[i].tag == tag)
			return &msg->fields[i];
	return NULL;
}

bool gate_ipc_u32(const gate_ipc_msg *msg, gate_ipc_tag tag, uint32_t *value)
{
	const gate_ipc_field *f = gate_ipc_field_of(msg, tag);
	if (!f || f->len != 4)
		return false;
	*value = le32(f->value);
	return true;
}

bool gate_ipc_u64(const gate_ipc_msg *msg, gate_ipc_tag tag, uint64_t *value)
{
	const gate_ipc_field *f = gate_ipc_field_of(msg, tag);
	if (!f || f->len != 8)
		return false;
	*value = (uint64_t)le32(f->value) | ((uint64_t)le32(f->value + 4) << 32);
	return true;
}

const char *gate_ipc_str(const gate_ipc_msg *msg, gate_ipc_tag tag, char *buf, size_t buflen)
{
	const gate_ipc_field *f = gate_ipc_field_of(msg, tag);
	if (!f || buflen == 0 || f->len >= buflen)
		return NULL;
	memcpy(buf, f->value, f->len);
	buf[f->len] = 0;
	return buf;
}

void gate_ipc_msg_clear(gate_ipc_msg *msg)
{
	if (msg->fd >= 0)
		close(msg->fd);
	msg->fd = -1;
	msg->nfields = 0;
	OPENSSL_cleanse(msg->bytes, sizeof msg->bytes);
}
