/* The monitor <-> worker messages (gate_ipc.h), attacked from the worker's side:
 * - a well-formed admission request and a decision with the recording's descriptor arrive
 *   whole, field for field, and the descriptor works;
 * - every malformed message is refused with a sentence: version, reserved bits, length
 *   mismatch, a type the sender may not send (a worker posing as the monitor), unknown,
 *   duplicate or missing fields, wrong sizes, values out of range, strings with control
 *   characters or invalid UTF-8, a field running past the end, a descriptor on a type that
 *   takes none (closed, not leaked), two descriptors, a record larger than the limit;
 * - 20,000 random mutations of valid messages never crash the parser, and whatever it
 *   accepts obeys the schema;
 * - a message that does not fit is never sent. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gate_ipc.h"

static int sv[2];

static int setup_pair(void **state)
{
	(void)state;
	return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
}

static int close_pair(void **state)
{
	(void)state;
	close(sv[0]);
	close(sv[1]);
	return 0;
}

static void build_admit(gate_ipc_out *o)
{
	gate_ipc_begin(o, GATE_IPC_W_ADMIT);
	gate_ipc_put_str(o, GATE_IPC_F_USER, "保守業者A");
	gate_ipc_put_str(o, GATE_IPC_F_DOMAIN, "jukisys");
	gate_ipc_put_bytes(o, GATE_IPC_F_PASSWORD, "pa55word", 8);
	gate_ipc_put_str(o, GATE_IPC_F_CLIENT_NAME, "VENDOR-PC");
	gate_ipc_put_u32(o, GATE_IPC_F_CLIENT_BUILD, 19045);
	gate_ipc_put_str(o, GATE_IPC_F_CHANNEL, "rdpdr,cliprdr,drdynvc");
	gate_ipc_put_u32(o, GATE_IPC_F_NLA, 1);
	gate_ipc_put_u32(o, GATE_IPC_F_WIDTH, 1920);
	gate_ipc_put_u32(o, GATE_IPC_F_HEIGHT, 1080);
	gate_ipc_put_u32(o, GATE_IPC_F_KEYBOARD, 0xE0010411);
}

static void admission_request_arrives_whole(void **state)
{
	(void)state;
	gate_ipc_out o;
	gate_ipc_msg m;
	char err[256] = "", s[GATE_IPC_MAX_STRING + 1];
	uint32_t v;
	build_admit(&o);
	assert_int_equal(gate_ipc_send(sv[0], &o, -1, err, sizeof err), 0);
	gate_ipc_out_clear(&o);
	assert_int_equal(gate_ipc_recv(sv[1], GATE_IPC_FROM_WORKER, &m, err, sizeof err), 1);
	assert_int_equal(m.type, GATE_IPC_W_ADMIT);
	assert_int_equal(m.fd, -1);
	assert_string_equal(gate_ipc_str(&m, GATE_IPC_F_USER, s, sizeof s), "保守業者A");
	assert_string_equal(gate_ipc_str(&m, GATE_IPC_F_CHANNEL, s, sizeof s), "rdpdr,cliprdr,drdynvc");
	const gate_ipc_field *pw = gate_ipc_field_of(&m, GATE_IPC_F_PASSWORD);
	assert_non_null(pw);
	assert_int_equal(pw->len, 8);
	assert_memory_equal(pw->value, "pa55word", 8);
	assert_true(gate_ipc_u32(&m, GATE_IPC_F_KEYBOARD, &v));
	assert_int_equal(v, 0xE0010411);
	assert_true(gate_ipc_u32(&m, GATE_IPC_F_NLA, &v));
	assert_int_equal(v, 1);
	assert_false(gate_ipc_u32(&m, GATE_IPC_F_FRAMES, &v));
	gate_ipc_msg_clear(&m);
	/* the peer closes: 0 */
	close(sv[0]);
	assert_int_equal(gate_ipc_recv(sv[1], GATE_IPC_FROM_WORKER, &m, err, sizeof err), 0);
	sv[0] = socket(AF_UNIX, SOCK_SEQPACKET, 0); /* for close_pair */
}

static void decision_carries_the_recording_descriptor(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	gate_ipc_out o;
	gate_ipc_msg m;
	char err[256] = "", s[300];
	uint8_t pin[32];
	memset(pin, 0xAB, sizeof pin);
	gate_ipc_begin(&o, GATE_IPC_M_DECISION);
	gate_ipc_put_u32(&o, GATE_IPC_F_ALLOW, 1);
	gate_ipc_put_str(&o, GATE_IPC_F_TARGET_HOST, "jukisys.city.local");
	gate_ipc_put_u32(&o, GATE_IPC_F_TARGET_PORT, 3389);
	gate_ipc_put_bytes(&o, GATE_IPC_F_TARGET_PIN, pin, sizeof pin);
	assert_int_equal(gate_ipc_send(sv[0], &o, p[1], err, sizeof err), 0);
	close(p[1]);
	assert_int_equal(gate_ipc_recv(sv[1], GATE_IPC_FROM_MONITOR, &m, err, sizeof err), 1);
	assert_true(m.fd >= 0);
	assert_int_equal(write(m.fd, "rec", 3), 3);
	char got[4] = "";
	assert_int_equal(read(p[0], got, 3), 3);
	assert_memory_equal(got, "rec", 3);
	assert_string_equal(gate_ipc_str(&m, GATE_IPC_F_TARGET_HOST, s, sizeof s), "jukisys.city.local");
	gate_ipc_msg_clear(&m); /* closes the descriptor: the pipe reaches EOF */
	assert_int_equal(read(p[0], got, 1), 0);
	close(p[0]);
}

/* A raw message: header + payload as given. */
static size_t raw(uint8_t *buf, uint8_t version, uint8_t type, uint16_t reserved, const void *payload, size_t plen,
		  long declared)
{
	buf[0] = version;
	buf[1] = type;
	buf[2] = (uint8_t)reserved;
	buf[3] = (uint8_t)(reserved >> 8);
	uint32_t d = declared < 0 ? (uint32_t)plen : (uint32_t)declared;
	for (int i = 0; i < 4; i++)
		buf[4 + i] = (uint8_t)(d >> (8 * i));
	memcpy(buf + 8, payload, plen);
	return 8 + plen;
}

#define F(tag, len) (uint8_t)(tag), 0, (uint8_t)(len), (uint8_t)((len) >> 8)
#define U(v) (uint8_t)(v), (uint8_t)((v) >> 8), (uint8_t)((v) >> 16), (uint8_t)((v) >> 24)

static void expect_refused(const uint8_t *bytes, size_t len, gate_ipc_side from, const char *why_part)
{
	gate_ipc_msg m;
	char err[256] = "";
	assert_int_equal(gate_ipc_parse(bytes, len, -1, from, &m, err, sizeof err), -1);
	if (!strstr(err, why_part))
		fail_msg("refused as \"%s\", expected a sentence with \"%s\"", err, why_part);
}

static void malformed_messages_are_refused_with_a_sentence(void **state)
{
	(void)state;
	uint8_t b[GATE_IPC_MAX_MESSAGE + 64];
	const uint8_t ok_event[] = { F(GATE_IPC_F_EVENT, 4), U(3) };
	const uint8_t no_required[] = { F(GATE_IPC_F_DETAIL, 2), 'h', 'i' };
	const uint8_t dup[] = { F(GATE_IPC_F_EVENT, 4), U(3), F(GATE_IPC_F_EVENT, 4), U(4) };
	const uint8_t unknown[] = { F(GATE_IPC_F_EVENT, 4), U(3), F(GATE_IPC_F_HASH, 0) };
	const uint8_t short_u32[] = { F(GATE_IPC_F_EVENT, 2), 3, 0 };
	const uint8_t past_end[] = { F(GATE_IPC_F_EVENT, 4), U(3), F(GATE_IPC_F_DETAIL, 9), 'x' };
	const uint8_t cut_header[] = { F(GATE_IPC_F_EVENT, 4), U(3), 14 };
	const uint8_t esc[] = { F(GATE_IPC_F_EVENT, 4), U(3), F(GATE_IPC_F_DETAIL, 4), 0x1b, '[', '2', 'J' };
	const uint8_t bad_utf8[] = { F(GATE_IPC_F_EVENT, 4), U(3), F(GATE_IPC_F_DETAIL, 2), 0xC3, 0x28 };
	const uint8_t nul[] = { F(GATE_IPC_F_EVENT, 4), U(3), F(GATE_IPC_F_DETAIL, 3), 'a', 0, 'b' };
	const uint8_t bidi[] = { F(GATE_IPC_F_EVENT, 4), U(3), F(GATE_IPC_F_DETAIL, 3), 0xE2, 0x80, 0xAE };
	const uint8_t nla2[] = { F(GATE_IPC_F_USER, 1), 'a', F(GATE_IPC_F_NLA, 4), U(2), F(GATE_IPC_F_WIDTH, 4), U(800),
				 F(GATE_IPC_F_HEIGHT, 4), U(600) };
	const uint8_t port[] = { F(GATE_IPC_F_ALLOW, 4), U(1), F(GATE_IPC_F_TARGET_PORT, 4), U(70000) };
	const uint8_t pin31[] = { F(GATE_IPC_F_ALLOW, 4), U(1), F(GATE_IPC_F_TARGET_PIN, 31) };

	size_t n = raw(b, GATE_IPC_VERSION, GATE_IPC_W_EVENT, 0, ok_event, sizeof ok_event, -1);
	gate_ipc_msg m;
	char err[256];
	assert_int_equal(gate_ipc_parse(b, n, -1, GATE_IPC_FROM_WORKER, &m, err, sizeof err), 1);
	gate_ipc_msg_clear(&m);

	expect_refused(b, 5, GATE_IPC_FROM_WORKER, "shorter than its header");
	n = raw(b, 2, GATE_IPC_W_EVENT, 0, ok_event, sizeof ok_event, -1);
	expect_refused(b, n, GATE_IPC_FROM_WORKER, "protocol version 2");
	n = raw(b, GATE_IPC_VERSION, GATE_IPC_W_EVENT, 1, ok_event, sizeof ok_event, -1);
	expect_refused(b, n, GATE_IPC_FROM_WORKER, "protocol version");
	n = raw(b, GATE_IPC_VERSION, GATE_IPC_W_EVENT, 0, ok_event, sizeof ok_event, 4);
	expect_refused(b, n, GATE_IPC_FROM_WORKER, "says 4 payload bytes but carries 8");
	n = raw(b, GATE_IPC_VERSION, 99, 0, ok_event, sizeof ok_event, -1);
	expect_refused(b, n, GATE_IPC_FROM_WORKER, "type 99");
	/* a worker posing as the monitor, and the monitor's side receiving its own kind */
	n = raw(b, GATE_IPC_VERSION, GATE_IPC_M_END_NOW, 0, ok_event, sizeof ok_event, -1);
	expect_refused(b, n, GATE_IPC_FROM_WORKER, "which the worker does not send");
	n = raw(b, GATE_IPC_VERSION, GATE_IPC_W_EVENT, 0, ok_event, sizeof ok_event, -1);
	expect_refused(b, n, GATE_IPC_FROM_MONITOR, "which the monitor does not send");
	n = raw(b, GATE_IPC_VERSION, GATE_IPC_W_EVENT, 0, no_required, sizeof no_required, -1);
	expect_refused(b, n, GATE_IPC_FROM_WORKER, "lacks field 13");
	n = raw(b, GATE_IPC_VERSION, GATE_IPC_W_EVENT, 0, dup, sizeof dup, -1);
	expect_refused(b, n, GATE_IPC_FROM_WORKER, "field 13 twice");
	n = raw(b, GATE_IPC_VERSION, GATE_IPC_W_EVENT, 0, unknown, sizeof unknown, -1);
	expect_refused(b, n, GATE_IPC_FROM_WORKER, "field 24, which it does not take");
	n = raw(b, GATE_IPC_VERSION, GATE_IPC_W_EVENT, 0, short_u32, sizeof short_u32, -1);
	expect_refused(b, n, GATE_IPC_FROM_WORKER, "has 2 bytes (allowed 4 to 4)");
	n = raw(b, GATE_IPC_VERSION, GATE_IPC_W_EVENT, 0, past_end, sizeof past_end, -1);
	expect_refused(b, n, GATE_IPC_FROM_WORKER, "runs past its end");
	n = raw(b, GATE_IPC_VERSION, GATE_IPC_W_EVENT, 0, cut_header, sizeof cut_header, -1);
	expect_refused(b, n, GATE_IPC_FROM_WORKER, "ends inside a field header");
	n = raw(b, GATE_IPC_VERSION, GATE_IPC_W_EVENT, 0, esc, sizeof esc, -1);
	expect_refused(b, n, GATE_IPC_FROM_WORKER, "not clean UTF-8");
	n = raw(b, GATE_IPC_VERSION, GATE_IPC_W_EVENT, 0, bad_utf8, sizeof bad_utf8, -1);
	expect_refused(b, n, GATE_IPC_FROM_WORKER, "not clean UTF-8");
	n = raw(b, GATE_IPC_VERSION, GATE_IPC_W_EVENT, 0, nul, sizeof nul, -1);
	expect_refused(b, n, GATE_IPC_FROM_WORKER, "not clean UTF-8");
	n = raw(b, GATE_IPC_VERSION, GATE_IPC_W_EVENT, 0, bidi, sizeof bidi, -1);
	expect_refused(b, n, GATE_IPC_FROM_WORKER, "not clean UTF-8");
	n = raw(b, GATE_IPC_VERSION, GATE_IPC_W_ADMIT, 0, nla2, sizeof nla2, -1);
	expect_refused(b, n, GATE_IPC_FROM_WORKER, "is 2 (at most 1)");
	n = raw(b, GATE_IPC_VERSION, GATE_IPC_M_DECISION, 0, port, sizeof port, -1);
	expect_refused(b, n, GATE_IPC_FROM_MONITOR, "is 70000 (at most 65535)");
	n = raw(b, GATE_IPC_VERSION, GATE_IPC_M_DECISION, 0, pin31, sizeof pin31, -1);
	expect_refused(b, n, GATE_IPC_FROM_MONITOR, "field 21");
	/* a string longer than its rule allows (a login of 257 bytes) */
	uint8_t longuser[4 + 257 + 24];
	memcpy(longuser, (uint8_t[]){ F(GATE_IPC_F_USER, 257) }, 4);
	memset(longuser + 4, 'a', 257);
	memcpy(longuser + 4 + 257, (uint8_t[]){ F(GATE_IPC_F_NLA, 4), U(0), F(GATE_IPC_F_WIDTH, 4), U(800),
						  F(GATE_IPC_F_HEIGHT, 4), U(600) }, 24);
	n = raw(b, GATE_IPC_VERSION, GATE_IPC_W_ADMIT, 0, longuser, sizeof longuser, -1);
	expect_refused(b, n, GATE_IPC_FROM_WORKER, "has 257 bytes (allowed 0 to 256)");
}

static void stray_descriptors_are_closed_and_refused(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	gate_ipc_out o;
	gate_ipc_msg m;
	char err[256] = "", got;
	/* an event (takes no descriptor) with one */
	gate_ipc_begin(&o, GATE_IPC_W_EVENT);
	gate_ipc_put_u32(&o, GATE_IPC_F_EVENT, 3);
	assert_int_equal(gate_ipc_send(sv[0], &o, p[1], err, sizeof err), 0);
	close(p[1]);
	assert_int_equal(gate_ipc_recv(sv[1], GATE_IPC_FROM_WORKER, &m, err, sizeof err), -1);
	assert_non_null(strstr(err, "came with a descriptor"));
	assert_int_equal(read(p[0], &got, 1), 0); /* the receiver closed it: EOF */
	close(p[0]);

	/* two descriptors in one message */
	int a[2], c[2];
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(c), 0);
	uint8_t payload[] = { F(GATE_IPC_F_ALLOW, 4), U(0) };
	uint8_t b[64];
	size_t n = raw(b, GATE_IPC_VERSION, GATE_IPC_M_DECISION, 0, payload, sizeof payload, -1);
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} control;
	memset(&control, 0, sizeof control);
	struct iovec iov = { b, n };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			     .msg_controllen = sizeof control.buf };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(2 * sizeof(int));
	int fds[2] = { a[1], c[1] };
	memcpy(CMSG_DATA(cm), fds, sizeof fds);
	assert_int_equal(sendmsg(sv[0], &mh, 0), (ssize_t)n);
	close(a[1]);
	close(c[1]);
	assert_int_equal(gate_ipc_recv(sv[1], GATE_IPC_FROM_MONITOR, &m, err, sizeof err), -1);
	assert_non_null(strstr(err, "more than one descriptor"));
	assert_int_equal(read(a[0], &got, 1), 0);
	assert_int_equal(read(c[0], &got, 1), 0);
	close(a[0]);
	close(c[0]);
}

static void oversized_records_are_refused(void **state)
{
	(void)state;
	static uint8_t big[GATE_IPC_MAX_MESSAGE + 100];
	memset(big, 'a', sizeof big);
	assert_int_equal(send(sv[0], big, sizeof big, 0), (ssize_t)sizeof big);
	gate_ipc_msg m;
	char err[256] = "";
	assert_int_equal(gate_ipc_recv(sv[1], GATE_IPC_FROM_WORKER, &m, err, sizeof err), -1);
	assert_non_null(strstr(err, "larger than"));
	/* and the builder never sends one */
	gate_ipc_out o;
	gate_ipc_begin(&o, GATE_IPC_W_EVENT);
	gate_ipc_put_u32(&o, GATE_IPC_F_EVENT, 3);
	for (int i = 0; i < 20; i++)
		gate_ipc_put_bytes(&o, GATE_IPC_F_DETAIL, big, 1000);
	assert_true(o.overflow);
	assert_int_equal(gate_ipc_send(sv[0], &o, -1, err, sizeof err), -1);
	assert_non_null(strstr(err, "does not fit"));
}

static void accepted_obeys_schema(const gate_ipc_msg *m)
{
	char s[GATE_IPC_MAX_STRING + 1];
	uint32_t v;
	assert_true(m->nfields <= GATE_IPC_MAX_FIELDS);
	if (m->type == GATE_IPC_W_ADMIT) {
		assert_non_null(gate_ipc_str(m, GATE_IPC_F_USER, s, sizeof s));
		assert_true(strlen(s) <= 256);
		assert_true(gate_ipc_u32(m, GATE_IPC_F_NLA, &v) && v <= 1);
		assert_true(gate_ipc_u32(m, GATE_IPC_F_WIDTH, &v) && v <= 8192);
	}
	for (size_t i = 0; i < m->nfields; i++)
		for (size_t j = i + 1; j < m->nfields; j++)
			assert_int_not_equal(m->fields[i].tag, m->fields[j].tag);
}

static void random_mutations_never_crash(void **state)
{
	(void)state;
	gate_ipc_out o;
	build_admit(&o);
	/* the header's length as gate_ipc_send would set it */
	uint32_t plen = (uint32_t)(o.len - GATE_IPC_HEADER);
	for (int i = 0; i < 4; i++)
		o.bytes[4 + i] = (uint8_t)(plen >> (8 * i));
	srand(12345);
	static uint8_t b[GATE_IPC_MAX_MESSAGE];
	static gate_ipc_msg m;
	int accepted = 0, refused = 0;
	for (int round = 0; round < 20000; round++) {
		size_t n = o.len;
		memcpy(b, o.bytes, n);
		int edits = 1 + rand() % 4;
		for (int e = 0; e < edits; e++) {
			switch (rand() % 3) {
			case 0: b[rand() % n] = (uint8_t)rand(); break;
			case 1: if (n > 1) n -= 1 + (size_t)rand() % (n < 16 ? n - 1 : 16); break;
			default: b[rand() % n] ^= (uint8_t)(1u << (rand() % 8)); break;
			}
		}
		char err[256] = "";
		int rc = gate_ipc_parse(b, n, -1, GATE_IPC_FROM_WORKER, &m, err, sizeof err);
		if (rc == 1) {
			accepted++;
			accepted_obeys_schema(&m);
			gate_ipc_msg_clear(&m);
		} else {
			assert_int_equal(rc, -1);
			assert_true(err[0] != 0);
			refused++;
		}
	}
	assert_true(refused > 10000);
	print_message("mutations: %d refused, %d accepted (within the schema)\n", refused, accepted);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(admission_request_arrives_whole, setup_pair, close_pair),
		cmocka_unit_test_setup_teardown(decision_carries_the_recording_descriptor, setup_pair, close_pair),
		cmocka_unit_test(malformed_messages_are_refused_with_a_sentence),
		cmocka_unit_test_setup_teardown(stray_descriptors_are_closed_and_refused, setup_pair, close_pair),
		cmocka_unit_test_setup_teardown(oversized_records_are_refused, setup_pair, close_pair),
		cmocka_unit_test(random_mutations_never_crash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
