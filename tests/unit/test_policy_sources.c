/* Sources enforced, not just declared (issue 14; Art. 3, Table 1 row 1, Table 2 row 1(2)):
 * the classification of address blocks at every edge (cidr.h), the Table 2 rule
 * table2-source-global with the city's minimum prefixes (sources.h) and the lab exception,
 * the Table 1 rule table1-networks, the gate admitting a Table 1 permit only from inside its
 * system's networks (authz.h), and the commands (sources show/set, system set). */
#include "test_policy_common.h"
#include "cidr.h"
#include "sources.h"

static int setup(void **state)
{
	tdb *t = tdb_new();
	tdb_seed(t);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	tdb_free(*state);
	return 0;
}

static policy_cidr_kind kind_of(const char *text, int min4, int min6)
{
	policy_cidr c;
	if (!policy_cidr_parse(text, &c))
		fail_msg("'%s' does not parse", text);
	return policy_cidr_classify(&c, min4, min6, NULL);
}

#define KIND(text, kind) assert_int_equal(kind_of(text, 24, 48), kind)

static void any_address_and_minimum_prefixes(void **state)
{
	(void)state;
	KIND("0.0.0.0/0", POLICY_CIDR_ANY);
	KIND("::/0", POLICY_CIDR_ANY);
	KIND("::ffff:0.0.0.0/96", POLICY_CIDR_ANY);
	KIND("8.8.8.0/24", POLICY_CIDR_GLOBAL);
	KIND("8.8.8.8", POLICY_CIDR_GLOBAL);
	assert_int_equal(kind_of("8.8.6.0/23", 24, 48), POLICY_CIDR_TOO_WIDE);
	assert_int_equal(kind_of("8.8.6.0/23", 23, 48), POLICY_CIDR_GLOBAL);
	KIND("8.8.0.0/16", POLICY_CIDR_TOO_WIDE);
	KIND("2400:cb00::/48", POLICY_CIDR_GLOBAL);
	KIND("2400:cb00::/47", POLICY_CIDR_TOO_WIDE);
	assert_int_equal(kind_of("2400:cb00::/47", 24, 47), POLICY_CIDR_GLOBAL);
	/* an IPv4-mapped block is judged by the IPv4 minimum */
	KIND("::ffff:8.8.8.0/120", POLICY_CIDR_GLOBAL);
	KIND("::ffff:8.8.6.0/119", POLICY_CIDR_TOO_WIDE);
	assert_int_equal(kind_of("::ffff:8.8.6.0/119", 23, 128), POLICY_CIDR_GLOBAL);
}

static void ipv4_special_ranges_at_their_edges(void **state)
{
	(void)state;
	KIND("10.0.0.0/8", POLICY_CIDR_PRIVATE);
	KIND("10.1.2.0/24", POLICY_CIDR_PRIVATE);
	KIND("9.255.255.0/24", POLICY_CIDR_GLOBAL);
	KIND("11.0.0.0/24", POLICY_CIDR_GLOBAL);
	KIND("172.15.255.0/24", POLICY_CIDR_GLOBAL);
	KIND("172.16.0.0/24", POLICY_CIDR_PRIVATE);
	KIND("172.31.255.0/24", POLICY_CIDR_PRIVATE);
	KIND("172.32.0.0/24", POLICY_CIDR_GLOBAL);
	KIND("192.167.255.0/24", POLICY_CIDR_GLOBAL);
	KIND("192.168.0.0/24", POLICY_CIDR_PRIVATE);
	KIND("192.168.255.255", POLICY_CIDR_PRIVATE);
	KIND("192.169.0.0/24", POLICY_CIDR_GLOBAL);
	KIND("100.63.255.255", POLICY_CIDR_GLOBAL);
	KIND("100.64.0.0", POLICY_CIDR_CGNAT);
	KIND("100.127.255.255", POLICY_CIDR_CGNAT);
	KIND("100.128.0.0", POLICY_CIDR_GLOBAL);
	KIND("126.255.255.0/24", POLICY_CIDR_GLOBAL);
	KIND("127.0.0.1", POLICY_CIDR_LOOPBACK);
	KIND("127.255.255.0/24", POLICY_CIDR_LOOPBACK);
	KIND("128.0.0.0/24", POLICY_CIDR_GLOBAL);
	KIND("169.253.255.0/24", POLICY_CIDR_GLOBAL);
	KIND("169.254.1.0/24", POLICY_CIDR_LINK_LOCAL);
	KIND("169.255.0.0/24", POLICY_CIDR_GLOBAL);
	KIND("192.0.1.0/24", POLICY_CIDR_GLOBAL);
	KIND("192.0.2.0/24", POLICY_CIDR_DOCUMENTATION);
	KIND("192.0.3.0/24", POLICY_CIDR_GLOBAL);
	KIND("198.51.99.0/24", POLICY_CIDR_GLOBAL);
	KIND("198.51.100.7", POLICY_CIDR_DOCUMENTATION);
	KIND("198.51.101.0/24", POLICY_CIDR_GLOBAL);
	KIND("203.0.112.0/24", POLICY_CIDR_GLOBAL);
	KIND("203.0.113.0/24", POLICY_CIDR_DOCUMENTATION);
	KIND("203.0.114.0/24", POLICY_CIDR_GLOBAL);
	KIND("0.1.2.3", POLICY_CIDR_UNSPECIFIED);
	KIND("1.0.0.0/24", POLICY_CIDR_GLOBAL);
	KIND("223.255.255.0/24", POLICY_CIDR_GLOBAL);
	KIND("224.0.0.1", POLICY_CIDR_MULTICAST);
	KIND("239.255.255.255", POLICY_CIDR_MULTICAST);
	KIND("240.0.0.1", POLICY_CIDR_RESERVED);
	KIND("255.255.255.255", POLICY_CIDR_RESERVED);
	/* a block that includes a special range, once it is long enough to pass the minimum */
	assert_int_equal(kind_of("100.0.0.0/8", 8, 48), POLICY_CIDR_CGNAT);
	assert_int_equal(kind_of("100.0.0.0/8", 24, 48), POLICY_CIDR_TOO_WIDE);
	assert_int_equal(kind_of("172.0.0.0/8", 8, 48), POLICY_CIDR_PRIVATE);
	/* the range met is given */
	policy_cidr c, r;
	char text[64];
	assert_true(policy_cidr_parse("172.31.255.0/24", &c));
	assert_int_equal(policy_cidr_classify(&c, 24, 48, &r), POLICY_CIDR_PRIVATE);
	policy_cidr_format(&r, text, sizeof text);
	assert_string_equal(text, "172.16.0.0/12");
}

static void ipv6_and_mapped_special_ranges(void **state)
{
	(void)state;
	KIND("::1", POLICY_CIDR_LOOPBACK);
	KIND("::", POLICY_CIDR_UNSPECIFIED);
	KIND("fc00::/7", POLICY_CIDR_PRIVATE);
	KIND("fd12:3456:789a::/48", POLICY_CIDR_PRIVATE);
	KIND("fbff:ffff::/48", POLICY_CIDR_RESERVED); /* just below fc00::/7: not global unicast */
	KIND("fe80::/64", POLICY_CIDR_LINK_LOCAL);
	KIND("febf:ffff::/48", POLICY_CIDR_LINK_LOCAL);
	KIND("fec0::/48", POLICY_CIDR_RESERVED);
	KIND("ff02::1", POLICY_CIDR_MULTICAST);
	KIND("2001:db7:ffff::/48", POLICY_CIDR_GLOBAL);
	KIND("2001:db8::/32", POLICY_CIDR_DOCUMENTATION);
	KIND("2001:db8:10::/48", POLICY_CIDR_DOCUMENTATION);
	KIND("2001:db9::/48", POLICY_CIDR_GLOBAL);
	KIND("3fff::/48", POLICY_CIDR_DOCUMENTATION);
	KIND("1fff:ffff::/48", POLICY_CIDR_RESERVED);
	KIND("4000::/48", POLICY_CIDR_RESERVED);
	assert_int_equal(kind_of("2001::/16", 24, 16), POLICY_CIDR_DOCUMENTATION); /* includes 2001:db8::/32 */
	/* IPv4-mapped forms are the IPv4 blocks they are */
	KIND("::ffff:10.0.0.0/104", POLICY_CIDR_PRIVATE);
	KIND("::ffff:127.0.0.1", POLICY_CIDR_LOOPBACK);
	KIND("::ffff:169.254.0.0/112", POLICY_CIDR_LINK_LOCAL);
	KIND("::ffff:100.64.0.0/106", POLICY_CIDR_CGNAT);
	KIND("::ffff:192.0.2.0/120", POLICY_CIDR_DOCUMENTATION);
	KIND("::ffff:224.0.0.0/100", POLICY_CIDR_MULTICAST);
	KIND("::ffff:0.0.0.0/104", POLICY_CIDR_UNSPECIFIED);
	assert_string_equal(policy_cidr_kind_name(POLICY_CIDR_CGNAT), "CGNAT (shared address space)");
}

static policy_permit_application t2(const char *system, const char *const *sources, size_t n)
{
	policy_permit_application a = tapp("Acme", system, 2);
	a.sources = sources;
	a.n_sources = n;
	return a;
}

static int apply(tdb *t, policy_permit_application a, int64_t *id)
{
	return policy_permit_apply(t->db, &a, jst_us(2025, 3, 20, 9, 0), id);
}

/* A Table 2 source that is no global-address restriction is refused with its rule. */
static void table2_refuses_what_is_not_a_global_restriction(void **state)
{
	tdb *t = *state;
	static const struct {
		const char *source, *says;
	} refused[] = {
		{ "0.0.0.0/0", "every address" },      { "::/0", "every address" },
		{ "10.0.0.0/8", "private 10.0.0.0/8" }, { "8.8.0.0/16", "wider than the city's minimum /24 for IPv4" },
		{ "192.0.2.0/24", "documentation" },    { "100.64.0.0/24", "CGNAT" },
		{ "::ffff:10.0.0.0/104", "private" },   { "2400:cb00::/47", "minimum /48 for IPv6" },
		{ "fe80::/64", "link-local" },          { "127.0.0.0/8", "loopback" },
		{ "224.0.0.0/24", "multicast" },        { "172.16.0.0/12", "private 172.16.0.0/12" },
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		const char *one[] = { refused[i].source };
		assert_int_equal(apply(t, t2("web", one, 1), NULL), POLICY_ERR_INVALID);
		const char *e = policy_last_error();
		if (strncmp(e, "rule table2-source-global: ", 27) || !strstr(e, refused[i].says))
			fail_msg("%s: %s", refused[i].source, e);
	}
	assert_int_equal(tdb_raw_count(t->path, "SELECT COUNT(*) FROM permits"), 0);
	/* one bad source among good ones refuses the whole application */
	const char *mixed[] = { "8.8.8.0/24", "10.0.0.0/24" };
	assert_int_equal(apply(t, t2("web", mixed, 2), NULL), POLICY_ERR_INVALID);
	const char *good[] = { "8.8.8.0/24", "2400:cb00:1::/48", "1.1.1.1" };
	int64_t id = 0;
	assert_int_equal(apply(t, t2("web", good, 3), &id), POLICY_OK);
	assert_int_equal(tdb_raw_count(t->path, "SELECT COUNT(*) FROM permits WHERE lab_sources = ''"), 1);
}

/* The city's minimum prefixes: defaults, changes with their ledger row, limits. */
static void the_minimum_prefixes_are_the_citys_setting(void **state)
{
	tdb *t = *state;
	int m4 = 0, m6 = 0;
	assert_int_equal(policy_sources_get(t->db, &m4, &m6), POLICY_OK);
	assert_int_equal(m4, 24);
	assert_int_equal(m6, 48);
	const char *wide[] = { "8.8.0.0/20" };
	assert_int_equal(apply(t, t2("web", wide, 1), NULL), POLICY_ERR_INVALID);
	assert_int_equal(policy_sources_set(t->db, 20, 0, "CISO 鈴木", jst_us(2025, 3, 1, 9, 0)), POLICY_OK);
	assert_int_equal(policy_sources_get(t->db, &m4, &m6), POLICY_OK);
	assert_int_equal(m4, 20);
	assert_int_equal(m6, 48);
	assert_int_equal(apply(t, t2("web", wide, 1), NULL), POLICY_OK);
	const char *wider[] = { "8.8.0.0/19" };
	assert_int_equal(apply(t, t2("web", wider, 1), NULL), POLICY_ERR_INVALID);
	assert_non_null(strstr(policy_last_error(), "minimum /20"));
	assert_int_equal(tdb_raw_count(t->path, "SELECT COUNT(*) FROM events WHERE type = 'sources_set' AND actor ="
						" 'CISO 鈴木' AND detail LIKE '%IPv4 /20 IPv6 /48 (was /24 /48)%'"),
			 1);
	/* limits: nothing changes, no row */
	assert_int_equal(policy_sources_set(t->db, 7, 0, "x", 1), POLICY_ERR_INVALID);
	assert_int_equal(policy_sources_set(t->db, 33, 0, "x", 1), POLICY_ERR_INVALID);
	assert_int_equal(policy_sources_set(t->db, 0, 15, "x", 1), POLICY_ERR_INVALID);
	assert_int_equal(policy_sources_set(t->db, 0, 129, "x", 1), POLICY_ERR_INVALID);
	assert_int_equal(policy_sources_set(t->db, 0, 0, "x", 1), POLICY_ERR_INVALID);
	assert_int_equal(policy_sources_set(t->db, 24, 48, "", 1), POLICY_ERR_INVALID);
	assert_int_equal(policy_sources_set(t->db, 8, 16, "x", 2), POLICY_OK);
	assert_int_equal(policy_sources_set(t->db, 32, 128, "x", 3), POLICY_OK);
	assert_int_equal(policy_sources_get(t->db, &m4, &m6), POLICY_OK);
	assert_int_equal(m4, 32);
	assert_int_equal(m6, 128);
	assert_int_equal(tdb_raw_count(t->path, "SELECT COUNT(*) FROM events WHERE type = 'sources_set'"), 3);
}

/* Lab ranges: accepted only inside a range the system allows, and recorded on the permit. */
static void a_lab_source_needs_the_systems_lab_range_and_is_recorded(void **state)
{
	tdb *t = *state;
	policy_system_spec s = { .name = "web2", .cls = POLICY_CLASS_INTERNET, .host = "10.3.0.6", .port = 3389,
				 .section = "情報政策課" };
	assert_int_equal(policy_system_add(t->db, &s, NULL), POLICY_OK);
	const char *lab_src[] = { "8.8.8.0/24", "10.9.1.0/24" };
	assert_int_equal(apply(t, t2("web2", lab_src, 2), NULL), POLICY_ERR_INVALID);
	assert_non_null(strstr(policy_last_error(), "rule table2-source-global: 10.9.1.0/24"));
	assert_non_null(strstr(policy_last_error(), "--lab-sources"));
	/* a lab range lies inside a non-global range */
	const char *global[] = { "8.8.8.0/24" }, *any[] = { "0.0.0.0/0" }, *bad[] = { "10.9.0.1/16" };
	assert_int_equal(policy_system_set_lab_sources(t->db, "web2", global, 1, "山田", 1), POLICY_ERR_INVALID);
	assert_non_null(strstr(policy_last_error(), "rule lab-sources: 8.8.8.0/24"));
	assert_int_equal(policy_system_set_lab_sources(t->db, "web2", any, 1, "山田", 1), POLICY_ERR_INVALID);
	assert_int_equal(policy_system_set_lab_sources(t->db, "web2", bad, 1, "山田", 1), POLICY_ERR_INVALID);
	assert_non_null(strstr(policy_last_error(), "rule source-cidr"));
	const char *labs[] = { "10.9.0.0/16" };
	assert_int_equal(policy_system_set_lab_sources(t->db, "web2", labs, 1, "", 1), POLICY_ERR_INVALID);
	assert_int_equal(policy_system_set_lab_sources(t->db, "nosuch", labs, 1, "山田", 1), POLICY_ERR_NOT_FOUND);
	assert_int_equal(tdb_raw_count(t->path, "SELECT COUNT(*) FROM events WHERE type = 'lab_sources_set'"), 0);
	assert_int_equal(policy_system_set_lab_sources(t->db, "web2", labs, 1, "山田", 1), POLICY_OK);
	assert_int_equal(tdb_raw_count(t->path, "SELECT COUNT(*) FROM events WHERE type = 'lab_sources_set' AND actor ="
						" '山田' AND detail = 'system web2: 10.9.0.0/16 (was none)'"),
			 1);
	int64_t id = 0;
	assert_int_equal(apply(t, t2("web2", lab_src, 2), &id), POLICY_OK);
	assert_int_equal(tdb_raw_count(t->path, "SELECT COUNT(*) FROM permits WHERE lab_sources = '10.9.1.0/24'"
						" AND sources = '8.8.8.0/24 10.9.1.0/24'"),
			 1);
	/* outside the lab range: still refused; a range wider than the lab too */
	const char *outside[] = { "10.10.0.0/24" }, *wider[] = { "10.8.0.0/15" };
	assert_int_equal(apply(t, t2("web2", outside, 1), NULL), POLICY_ERR_INVALID);
	assert_int_equal(apply(t, t2("web2", wider, 1), NULL), POLICY_ERR_INVALID);
	/* cleared: refused again */
	assert_int_equal(policy_system_set_lab_sources(t->db, "web2", NULL, 0, "山田", 2), POLICY_OK);
	assert_int_equal(apply(t, t2("web2", lab_src, 2), NULL), POLICY_ERR_INVALID);
}

/* Table 1: the system must carry its networks, and the sources lie inside them. */
static void table1_needs_the_systems_networks(void **state)
{
	tdb *t = *state;
	policy_system_spec s = { .name = "zeimu", .cls = POLICY_CLASS_LGWAN, .host = "10.5.0.5", .port = 3389,
				 .section = "情報政策課" };
	assert_int_equal(policy_system_add(t->db, &s, NULL), POLICY_OK);
	policy_permit_application a = tapp("Acme", "zeimu", 1);
	assert_int_equal(apply(t, a, NULL), POLICY_ERR_INVALID);
	assert_non_null(strstr(policy_last_error(), "rule table1-networks: system 'zeimu' has no networks"));
	const char *any[] = { "10.20.0.0/16", "::/0" }, *net[] = { "10.20.0.0/16", "fd00:20::/48" };
	assert_int_equal(policy_system_set_networks(t->db, "zeimu", any, 2, "山田", 1), POLICY_ERR_INVALID);
	assert_non_null(strstr(policy_last_error(), "rule table1-networks: ::/0 is every address"));
	assert_int_equal(policy_system_set_networks(t->db, "zeimu", net, 2, "山田", 1), POLICY_OK);
	assert_int_equal(tdb_raw_count(t->path, "SELECT COUNT(*) FROM events WHERE type = 'system_networks_set' AND"
						" detail = 'system zeimu: 10.20.0.0/16 fd00:20::/48 (was none)'"),
			 1);
	assert_int_equal(apply(t, a, NULL), POLICY_OK); /* no sources: the networks alone */
	const char *inside[] = { "10.20.1.0/24", "fd00:20:0:1::/64" }, *outside[] = { "10.21.0.0/24" },
		   *wider[] = { "10.20.0.0/15" };
	a.sources = inside;
	a.n_sources = 2;
	assert_int_equal(apply(t, a, NULL), POLICY_OK);
	a.sources = outside;
	a.n_sources = 1;
	assert_int_equal(apply(t, a, NULL), POLICY_ERR_INVALID);
	assert_non_null(strstr(policy_last_error(), "rule table1-networks: source 10.21.0.0/24 is outside the networks"));
	a.sources = wider;
	assert_int_equal(apply(t, a, NULL), POLICY_ERR_INVALID);
	/* a system added with its networks */
	const char *lo[] = { "127.0.0.0/8" };
	s = (policy_system_spec){ .name = "kokuho", .cls = POLICY_CLASS_MYNUMBER, .host = "10.5.0.6", .port = 3389,
				  .section = "情報政策課", .networks = lo, .n_networks = 1 };
	assert_int_equal(policy_system_add(t->db, &s, NULL), POLICY_OK);
	assert_int_equal(apply(t, tapp("Acme", "kokuho", 1), NULL), POLICY_OK);
	s.name = "bad";
	s.networks = any + 1;
	assert_int_equal(policy_system_add(t->db, &s, NULL), POLICY_ERR_INVALID);
}

static policy_decision authorize(tdb *t, const char *src)
{
	policy_decision d;
	assert_int_equal(policy_authorize(t->db, "acme1", NULL, src, jst_us(2025, 9, 10, 12, 0), &d), POLICY_OK);
	return d;
}

/* The gate: a Table 1 permit admits only sources inside its system's networks. */
static void the_gate_admits_table1_only_from_the_systems_networks(void **state)
{
	tdb *t = *state;
	tpermit(t, tapp("Acme", "juki", 1));
	assert_true(authorize(t, "192.0.2.5").allowed);
	assert_true(authorize(t, "::ffff:192.0.2.5").allowed);
	assert_true(authorize(t, "::1").allowed);
	policy_decision d = authorize(t, "8.8.8.8");
	assert_false(d.allowed);
	assert_int_equal(d.deny, POLICY_DENY_SOURCE_NOT_ALLOWED);
	assert_non_null(strstr(d.message, "8.8.8.8 is outside the networks"));
	const char *narrow[] = { "192.0.2.0/25" };
	assert_int_equal(policy_system_set_networks(t->db, "juki", narrow, 1, "山田", 1), POLICY_OK);
	assert_true(authorize(t, "192.0.2.127").allowed);
	d = authorize(t, "192.0.2.128");
	assert_false(d.allowed);
	assert_non_null(strstr(d.message, "outside the networks"));
	/* networks cleared: nothing is admitted (fail closed) */
	assert_int_equal(policy_system_set_networks(t->db, "juki", NULL, 0, "山田", 2), POLICY_OK);
	d = authorize(t, "192.0.2.5");
	assert_false(d.allowed);
	assert_int_equal(d.deny, POLICY_DENY_SOURCE_NOT_ALLOWED);
}

/* A Table 1 permit with its own sources: both the networks and the sources must admit. */
static void a_table1_permit_source_narrows_the_networks(void **state)
{
	tdb *t = *state;
	const char *src[] = { "192.0.2.0/26" };
	policy_permit_application a = tapp("Acme", "juki", 1);
	a.sources = src;
	a.n_sources = 1;
	tpermit(t, a);
	assert_true(authorize(t, "192.0.2.63").allowed);
	policy_decision d = authorize(t, "192.0.2.64");
	assert_false(d.allowed);
	assert_non_null(strstr(d.message, "not among the permit's allowed addresses"));
	const char *other[] = { "198.51.100.0/24" };
	assert_int_equal(policy_system_set_networks(t->db, "juki", other, 1, "山田", 1), POLICY_OK);
	d = authorize(t, "192.0.2.5");
	assert_false(d.allowed);
	assert_non_null(strstr(d.message, "outside the networks"));
}

static char out[8192], err[2048];

static int cli(tdb *t, ...)
{
	char *argv[32] = { "rmgate-policy", "-d", t->path };
	int argc = 3;
	va_list ap;
	va_start(ap, t);
	for (const char *a; (a = va_arg(ap, const char *)) && argc < 31;)
		argv[argc++] = (char *)a;
	va_end(ap);
	return run_policy_cli(t->dir, argc, argv, NULL, out, sizeof out, err, sizeof err);
}

static void the_commands(void **state)
{
	tdb *t = *state;
	policy_close(t->db);
	t->db = NULL;
	assert_int_equal(cli(t, "sources", "show", NULL), 0);
	assert_non_null(strstr(out, "at least /24 (IPv4) and /48 (IPv6)"));
	assert_int_equal(cli(t, "sources", "set", "--min-prefix4", "22", "--by", "CISO", NULL), 0);
	assert_non_null(strstr(out, "at least /22 (IPv4) and /48 (IPv6)"));
	assert_int_equal(cli(t, "sources", "set", "--min-prefix6", "200", NULL), 2);
	assert_int_equal(cli(t, "sources", "set", "--min-prefix4", "7", NULL), 2);
	assert_int_equal(cli(t, "sources", "set", "--by", "x", NULL), 2);
	assert_int_equal(cli(t, "sources", "show", "--by", "x", NULL), 2);
	assert_int_equal(cli(t, "system", "set", "juki", "--networks", "10.30.0.0/16", "fd00::/48", "--by", "山田", NULL), 0);
	assert_int_equal(cli(t, "system", "set", "juki", "--networks", "0.0.0.0/0", NULL), 1);
	assert_non_null(strstr(err, "rule table1-networks"));
	assert_int_equal(cli(t, "system", "set", "web", "--lab-sources", "8.8.8.0/24", NULL), 1);
	assert_non_null(strstr(err, "rule lab-sources"));
	assert_int_equal(cli(t, "system", "set", "web", "--lab-sources", "none", "--by", "山田", NULL), 0);
	assert_int_equal(cli(t, "system", "set", "web", NULL), 2);
	assert_int_equal(cli(t, "system", "list", "--json", NULL), 0);
	assert_non_null(strstr(out, "\"networks\": \"10.30.0.0/16 fd00::/48\""));
	assert_int_equal(cli(t, "system", "add", "lab", "--class", "internet", "--host", "10.3.0.9", "--port", "3389",
			     "--section", "情報政策課", "--lab-sources", "192.168.50.0/24", NULL), 0);
	/* permit apply refusals and the lab exception, as the officer sees them */
#define APPLY(sys, src) \
	cli(t, "permit", "apply", "--vendor", "Acme", "--section", "情報政策課", "--purpose", "保守", "--from", "2025-04-01", \
	    "--to", "2026-03-31", "--contract-from", "2025-04-01", "--contract-to", "2026-03-31", "--table", "2",           \
	    "--confirm-all", "--system", sys, "--source", src, NULL)
	assert_int_equal(APPLY("web", "0.0.0.0/0"), 1);
	assert_non_null(strstr(err, "rule table2-source-global: 0.0.0.0/0"));
	assert_int_equal(APPLY("web", "10.0.0.0/8"), 1);
	assert_non_null(strstr(err, "private"));
	assert_int_equal(APPLY("web", "8.8.0.0/16"), 1);
	assert_non_null(strstr(err, "wider than the city's minimum /22"));
	assert_int_equal(APPLY("web", "198.51.100.0/24"), 1);
	assert_non_null(strstr(err, "documentation"));
	assert_int_equal(APPLY("web", "192.168.50.0/24"), 1);
	assert_int_equal(APPLY("lab", "192.168.50.0/24"), 0);
	char id[32];
	snprintf(id, sizeof id, "%d", atoi(out));
	assert_int_equal(cli(t, "permit", "show", id, NULL), 0);
	char *line = strstr(out, "\nlab_exception ");
	assert_non_null(line);
	*strchr(line + 1, '\n') = '\0';
	assert_non_null(strstr(line, " 192.168.50.0/24"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(any_address_and_minimum_prefixes),
		cmocka_unit_test(ipv4_special_ranges_at_their_edges),
		cmocka_unit_test(ipv6_and_mapped_special_ranges),
		cmocka_unit_test_setup_teardown(table2_refuses_what_is_not_a_global_restriction, setup, teardown),
		cmocka_unit_test_setup_teardown(the_minimum_prefixes_are_the_citys_setting, setup, teardown),
		cmocka_unit_test_setup_teardown(a_lab_source_needs_the_systems_lab_range_and_is_recorded, setup, teardown),
		cmocka_unit_test_setup_teardown(table1_needs_the_systems_networks, setup, teardown),
		cmocka_unit_test_setup_teardown(the_gate_admits_table1_only_from_the_systems_networks, setup, teardown),
		cmocka_unit_test_setup_teardown(a_table1_permit_source_narrows_the_networks, setup, teardown),
		cmocka_unit_test_setup_teardown(the_commands, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
