/* Per-source limits of the handshake pool: one address cannot hold more
 * than max_handshakes concurrent handshakes nor open more than per_minute connections a
 * minute; other addresses are not affected; an IPv6 host is limited by its /64; a source with
 * a handshake in progress is never forgotten when the table is full. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "gate_sources.h"

static gate_source_key v4(const char *a)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	assert_int_equal(inet_pton(AF_INET, a, &in.sin_addr), 1);
	return gate_source_key_from_sockaddr((struct sockaddr *)&in, sizeof(in));
}

static gate_source_key v6(const char *a)
{
	struct sockaddr_in6 in = { .sin6_family = AF_INET6 };
	assert_int_equal(inet_pton(AF_INET6, a, &in.sin6_addr), 1);
	return gate_source_key_from_sockaddr((struct sockaddr *)&in, sizeof(in));
}

static void concurrent_handshakes_are_limited_per_source(void **state)
{
	(void)state;
	gate_sources *t = gate_sources_new(16, 8, 1000);
	gate_source_key a = v4("127.0.0.3"), b = v4("127.0.0.1");
	for (int i = 0; i < 8; i++)
		assert_true(gate_sources_open(t, &a, 1000));
	for (int i = 8; i < 50; i++) {
		assert_int_equal(gate_sources_check(t, &a, 1000), GATE_SOURCE_TOO_MANY_HANDSHAKES);
		assert_false(gate_sources_open(t, &a, 1000));
	}
	assert_int_equal(gate_sources_handshakes(t, &a), 8);
	/* Another address is not affected. */
	assert_int_equal(gate_sources_check(t, &b, 1000), GATE_SOURCE_OK);
	assert_true(gate_sources_open(t, &b, 1000));
	/* A handshake that ends gives its place back. */
	gate_sources_close(t, &a);
	assert_true(gate_sources_open(t, &a, 1000));
	gate_sources_free(t);
}

static void new_connections_are_limited_per_minute(void **state)
{
	(void)state;
	gate_sources *t = gate_sources_new(16, 1000, 60);
	gate_source_key a = v4("192.0.2.7");
	UINT64 now = 5000000;
	for (int i = 0; i < 60; i++) {
		assert_true(gate_sources_open(t, &a, now));
		gate_sources_close(t, &a);
	}
	assert_int_equal(gate_sources_check(t, &a, now), GATE_SOURCE_TOO_FAST);
	assert_false(gate_sources_open(t, &a, now + 999));
	assert_true(gate_sources_open(t, &a, now + 1000)); /* one more each second */
	assert_false(gate_sources_open(t, &a, now + 1500));
	/* Over a day at full speed: 60 a minute, never more. */
	int opened = 0;
	for (UINT64 ms = 0; ms < 10u * 60u * 1000u; ms += 100)
		opened += gate_sources_open(t, &a, now + 2000 + ms) ? 1 : 0;
	assert_in_range(opened, 590, 601);
	gate_sources_free(t);
}

static void ipv6_hosts_are_grouped_by_their_64(void **state)
{
	(void)state;
	gate_sources *t = gate_sources_new(16, 2, 1000);
	gate_source_key a = v6("2001:db8:1:2::1"), b = v6("2001:db8:1:2:ffff::9"),
	                c = v6("2001:db8:1:3::1");
	assert_true(gate_sources_open(t, &a, 1));
	assert_true(gate_sources_open(t, &b, 1));
	assert_false(gate_sources_open(t, &a, 1));
	assert_true(gate_sources_open(t, &c, 1));
	/* An IPv4-mapped address is its IPv4 address. */
	gate_source_key m = v6("::ffff:127.0.0.3"), p = v4("127.0.0.3");
	assert_memory_equal(&m, &p, sizeof(m));
	char s[64];
	assert_string_equal(gate_source_key_str(&a, s, sizeof(s)), "2001:db8:1:2::/64");
	assert_string_equal(gate_source_key_str(&p, s, sizeof(s)), "127.0.0.3");
	gate_sources_free(t);
}

static void a_full_table_forgets_only_idle_sources(void **state)
{
	(void)state;
	gate_sources *t = gate_sources_new(4, 1, 2);
	gate_source_key busy = v4("10.0.0.1");
	assert_true(gate_sources_open(t, &busy, 0)); /* handshaking, one token left */
	char a[32];
	for (int i = 2; i < 40; i++) {
		snprintf(a, sizeof(a), "10.0.0.%d", i);
		gate_source_key k = v4(a);
		assert_true(gate_sources_open(t, &k, (UINT64)i));
		gate_sources_close(t, &k);
	}
	assert_int_equal(gate_sources_handshakes(t, &busy), 1);
	assert_int_equal(gate_sources_check(t, &busy, 40), GATE_SOURCE_TOO_MANY_HANDSHAKES);
	/* With every entry handshaking, a new source cannot be recorded: refused, not lost. */
	gate_sources *u = gate_sources_new(2, 1, 100);
	gate_source_key x = v4("10.1.0.1"), y = v4("10.1.0.2"), z = v4("10.1.0.3");
	assert_true(gate_sources_open(u, &x, 0));
	assert_true(gate_sources_open(u, &y, 0));
	assert_false(gate_sources_open(u, &z, 0));
	gate_sources_free(u);
	gate_sources_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(concurrent_handshakes_are_limited_per_source),
		cmocka_unit_test(new_connections_are_limited_per_minute),
		cmocka_unit_test(ipv6_hosts_are_grouped_by_their_64),
		cmocka_unit_test(a_full_table_forgets_only_idle_sources),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
