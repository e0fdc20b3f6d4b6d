/* Configuration parsing of the gate: defaults, every key, overrides, and bad input. */
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gate_config.h"
#include "gate_config_files.h"
#include "gate_policy.h"

static BOOL load(gate_config *cfg, const char *text, char *err, size_t n)
{
	gate_config_defaults(cfg);
	return gate_config_load_buffer(cfg, text, err, n);
}

static void defaults_are_safe(void **state)
{
	(void)state;
	gate_config cfg;
	char err[256];
	gate_config_defaults(&cfg);
	assert_int_equal(cfg.n_listen, 1);
	assert_string_equal(cfg.listen[0].host, "127.0.0.1");
	assert_int_equal(cfg.listen[0].port, 3389);
	assert_string_equal(cfg.certificate, "./var/gate.crt");
	assert_string_equal(cfg.private_key, "./var/gate.key");
	assert_string_equal(cfg.database, "./var/rmgate.db");
	assert_int_equal(cfg.security, GATE_SEC_TLS);
	assert_null(cfg.target.host);
	assert_false(cfg.target_cert_ignore);
	assert_int_equal(cfg.n_target_pins, 0);
	assert_false(cfg.observe_only);
	assert_int_equal(cfg.refused_rows_per_minute, 10);
	assert_true(gate_config_validate(&cfg, err, sizeof(err)));
	gate_config_free(&cfg);
}

static void every_key_is_read(void **state)
{
	(void)state;
	gate_config cfg;
	char err[256] = "";
	const char *text =
	    "# comment\n"
	    "; other comment\n"
	    "\n"
	    "[gate]\n"
	    "listen = 127.0.0.1:4000, [::1]:4001\n"
	    "var_dir = /tmp/rmg\n"
	    "database = /srv/db.sqlite\n"
	    "max_sessions = 7\n"
	    "refused_rows_per_minute = 3\n"
	    "security = tls\n"
	    "target = 10.0.0.5:3390\n"
	    "target_cert = sha256:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\n"
	    "connect_timeout = 3\n"
	    "handshake_timeout = 4\n"
	    "close_timeout = 2\n"
	    "gfx = false\n"
	    "observe_only = yes\n"
	    "max_channel_message = 65536\n";
	assert_true(load(&cfg, text, err, sizeof(err)));
	assert_int_equal(cfg.n_listen, 2);
	assert_string_equal(cfg.listen[0].host, "127.0.0.1");
	assert_int_equal(cfg.listen[0].port, 4000);
	assert_string_equal(cfg.listen[1].host, "::1");
	assert_int_equal(cfg.listen[1].port, 4001);
	assert_string_equal(cfg.certificate, "/tmp/rmg/gate.crt"); /* follows var_dir */
	assert_string_equal(cfg.recordings, "/tmp/rmg/recordings");
	assert_string_equal(cfg.database, "/srv/db.sqlite");      /* explicit wins */
	assert_int_equal(cfg.max_sessions, 7);
	assert_int_equal(cfg.refused_rows_per_minute, 3);
	assert_string_equal(cfg.target.host, "10.0.0.5");
	assert_int_equal(cfg.target.port, 3390);
	assert_int_equal(cfg.n_target_pins, 1);
	assert_int_equal(cfg.target_pins[0][0], 0x00);
	assert_int_equal(cfg.target_pins[0][10], 0xaa);
	assert_int_equal(cfg.target_pins[0][31], 0xff);
	assert_int_equal(cfg.connect_timeout_ms, 3000);
	assert_int_equal(cfg.handshake_timeout_ms, 4000);
	assert_int_equal(cfg.close_timeout_ms, 2000);
	assert_false(cfg.gfx);
	assert_true(cfg.observe_only);
	assert_int_equal(cfg.max_channel_message, 65536);
	gate_config_free(&cfg);
}

static void expect_error(const char *text, const char *needle)
{
	gate_config cfg;
	char err[256] = "";
	assert_false(load(&cfg, text, err, sizeof(err)));
	if (!strstr(err, needle))
		fail_msg("error '%s' does not mention '%s'", err, needle);
	gate_config_free(&cfg);
}

/* Recording completeness: a session ends after this many decoder failures;
 * the check cannot be switched off. */
static void gfx_decode_failures_max_is_read(void **state)
{
	(void)state;
	gate_config cfg;
	char err[256] = "";
	gate_config_defaults(&cfg);
	assert_int_equal(cfg.gfx_decode_failures_max, 3);
	gate_config_free(&cfg);
	assert_true(load(&cfg, "[gate]\ngfx_decode_failures_max = 10\n", err, sizeof(err)));
	assert_int_equal(cfg.gfx_decode_failures_max, 10);
	gate_config_free(&cfg);
	expect_error("[gate]\ngfx_decode_failures_max = 0\n", "gfx_decode_failures_max");
	expect_error("[gate]\ngfx_decode_failures_max = 1001\n", "1..1000");
	expect_error("[gate]\ngfx_decode_failures_max = off\n", "gfx_decode_failures_max");
}

static void bad_input_is_refused_with_a_clear_error(void **state)
{
	(void)state;
	expect_error("[gate]\nlisten = 127.0.0.1\n", "ADDR:PORT");
	expect_error("[gate]\nlisten = 127.0.0.1:70000\n", "1..65535");
	expect_error("[gate]\nlisten = ::1:3389\n", "[ADDR]:PORT");
	expect_error("[gate]\nmax_sessions = 0\n", "max_sessions");
	expect_error("[gate]\nrefused_rows_per_minute = 0\n", "refused_rows_per_minute");
	expect_error("[gate]\nmax_sessions = many\n", "max_sessions");
	expect_error("[gate]\nsecurity = rdp\n", "nla or tls");
	expect_error("[gate]\ntarget_cert = sha256:1234\n", "target_cert");
	expect_error("[gate]\ntarget_cert = trust-me\n", "target_cert");
	expect_error("[gate]\nobserve_only = perhaps\n", "true or false");
	expect_error("[gate]\nconnect_timeout = -1\n", "connect_timeout");
	expect_error("[gate]\nlisen = 127.0.0.1:1\n", "unknown key 'lisen'");
	expect_error("[Target]\nhost = x\n", "unknown section");
	expect_error("listen = 127.0.0.1:1\n", "outside of the [gate] section");
	expect_error("[gate]\njust words\n", "line 2");
	expect_error("[gate\n", "malformed section");
	expect_error("[gate]\ntarget = host-without-port\n", "key 'target'");
}

/* The file is read once (gate_ini): a bad value names its line as well as its key. */
static void a_bad_value_names_its_line(void **state)
{
	(void)state;
	expect_error("# comment\n[gate]\n\nmax_sessions = 0\n", "line 4: key 'max_sessions'");
	expect_error("[gate]\ngfx = true\nlisen = 127.0.0.1:1\n", "line 3: unknown key 'lisen'");
}

/* What WinPR's IniFile accepted stays accepted: surrounding blanks and quotes are dropped, a
 * CRLF file with blank lines is read to its end, keys and the section name in any case. */
static void quotes_blanks_and_crlf_lines_are_read(void **state)
{
	(void)state;
	gate_config cfg;
	char err[256] = "";
	assert_true(load(&cfg,
	                 "[GATE]\r\n\r\n\tvar_dir =  \" /srv/rmg \"  \r\n\r\n"
	                 "Max_Sessions = 4\r\n\r\nobserve_only = \"yes\"\r\n",
	                 err, sizeof(err)));
	assert_string_equal(cfg.var_dir, "/srv/rmg");
	assert_string_equal(cfg.database, "/srv/rmg/rmgate.db");
	assert_int_equal(cfg.max_sessions, 4);
	assert_true(cfg.observe_only);
	gate_config_free(&cfg);
}

/* A key given twice takes its last value (as with WinPR's IniFile); a path given in any case
 * still counts as given, so it does not follow var_dir. */
static void a_repeated_key_takes_its_last_value(void **state)
{
	(void)state;
	gate_config cfg;
	char err[256] = "";
	assert_true(load(&cfg,
	                 "[gate]\nmax_sessions = 9\nvar_dir = /v\nDATABASE = /d.db\n[gate]\n"
	                 "max_sessions = 3\n",
	                 err, sizeof(err)));
	assert_int_equal(cfg.max_sessions, 3);
	assert_string_equal(cfg.database, "/d.db");
	assert_string_equal(cfg.certificate, "/v/gate.crt");
	gate_config_free(&cfg);
}

/* Values are no longer cut at 1023 characters (the old copy into a fixed buffer did so
 * silently). */
static void a_long_value_is_kept_whole(void **state)
{
	(void)state;
	gate_config cfg;
	char err[256] = "", text[2100], dir[1501];
	memset(dir, 'd', sizeof(dir) - 1);
	dir[0] = '/';
	dir[sizeof(dir) - 1] = '\0';
	snprintf(text, sizeof(text), "[gate]\nrecordings = %s\n", dir);
	assert_true(load(&cfg, text, err, sizeof(err)));
	assert_string_equal(cfg.recordings, dir);
	gate_config_free(&cfg);
}

/* With permits, NLA checks the database's accounts; only lab mode (a fixed target, no
 * accounts) needs a SAM file. */
static void nla_in_lab_mode_needs_a_sam_file(void **state)
{
	(void)state;
	gate_config cfg;
	char err[256] = "";
	assert_true(load(&cfg, "[gate]\nsecurity = nla\n", err, sizeof(err)));
	assert_true(gate_config_validate(&cfg, err, sizeof(err)));
	gate_config_free(&cfg);
	assert_true(load(&cfg, "[gate]\nsecurity = nla\ntarget = 127.0.0.1:3389\n", err, sizeof(err)));
	assert_false(gate_config_validate(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "sam_file"));
	gate_config_free(&cfg);
}

static void command_line_overrides(void **state)
{
	(void)state;
	gate_config cfg;
	char err[256] = "";
	assert_true(load(&cfg, "[gate]\nlisten = 127.0.0.1:1, 127.0.0.1:2\n", err, sizeof(err)));
	assert_true(gate_config_set_listen(&cfg, "[::]:3390", err, sizeof(err)));
	assert_int_equal(cfg.n_listen, 1);
	assert_string_equal(cfg.listen[0].host, "::");
	assert_true(gate_config_set_target(&cfg, "target.example:3389", err, sizeof(err)));
	assert_string_equal(cfg.target.host, "target.example");
	assert_false(gate_config_set_target(&cfg, "nohost", err, sizeof(err)));
	gate_config_free(&cfg);
}

static void missing_file_is_an_error(void **state)
{
	(void)state;
	gate_config cfg;
	char err[256] = "";
	gate_config_defaults(&cfg);
	assert_false(gate_config_load(&cfg, "/nonexistent/rmgate.conf", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/rmgate.conf"));
	gate_config_free(&cfg);
}

static void first_start_generates_a_private_key_0600(void **state)
{
	(void)state;
	char dir[] = "/tmp/rmgate-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char text[512], err[256] = "";
	snprintf(text, sizeof(text), "[gate]\nvar_dir = %s/var\n", dir);
	gate_config cfg;
	assert_true(load(&cfg, text, err, sizeof(err)));
	assert_true(gate_config_prepare_files(&cfg, err, sizeof(err)));
	struct stat st;
	assert_int_equal(stat(cfg.private_key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(cfg.var_dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* Second start reuses the pair. */
	assert_true(gate_config_prepare_files(&cfg, err, sizeof(err)));
	/* A lone certificate without its key is refused. */
	unlink(cfg.private_key);
	assert_false(gate_config_prepare_files(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "provide both or neither"));
	unlink(cfg.certificate);
	rmdir(cfg.recordings);
	rmdir(cfg.var_dir);
	rmdir(dir);
	gate_config_free(&cfg);
}

/* Reads the generated certificate and checks what Microsoft clients look at beside trust. */
static X509 *read_cert(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(x);
	return x;
}

static void generated_certificate_names_the_configured_hosts_for_server_auth(void **state)
{
	(void)state;
	char dir[] = "/tmp/rmgate-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char text[512], err[256] = "", missing[256] = "";
	snprintf(text, sizeof(text), "[gate]\nvar_dir = %s/var\ncertificate_names = gate.city.example, 192.0.2.10 gate\n",
	         dir);
	gate_config cfg;
	assert_true(load(&cfg, text, err, sizeof(err)));
	assert_true(gate_config_prepare_files(&cfg, err, sizeof(err)));
	X509 *x = read_cert(cfg.certificate);
	char cn[256] = "";
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof cn);
	assert_string_equal(cn, "gate.city.example");
	assert_int_equal(X509_check_host(x, "gate.city.example", 0, 0, NULL), 1);
	assert_int_equal(X509_check_host(x, "gate", 0, 0, NULL), 1);
	assert_int_equal(X509_check_ip_asc(x, "192.0.2.10", 0), 1);
	assert_int_equal(X509_check_host(x, "other.city.example", 0, 0, NULL), 0);
	assert_true(X509_get_extension_flags(x) & EXFLAG_XKUSAGE);
	assert_true(X509_get_extended_key_usage(x) & XKU_SSL_SERVER);
	assert_true(X509_get_key_usage(x) & KU_KEY_ENCIPHERMENT);
	X509_free(x);
	assert_false(gate_config_cert_names_missing(&cfg, missing, sizeof missing));
	gate_config_free(&cfg);

	/* A later name the kept certificate lacks is reported, not silently regenerated. */
	snprintf(text, sizeof(text), "[gate]\nvar_dir = %s/var\ncertificate_names = gate.city.example rdp.city.example\n",
	         dir);
	assert_true(load(&cfg, text, err, sizeof(err)));
	assert_true(gate_config_prepare_files(&cfg, err, sizeof(err)));
	assert_true(gate_config_cert_names_missing(&cfg, missing, sizeof missing));
	assert_string_equal(missing, "rdp.city.example");
	unlink(cfg.certificate);
	unlink(cfg.private_key);
	rmdir(cfg.recordings);
	rmdir(cfg.var_dir);
	rmdir(dir);
	gate_config_free(&cfg);
}

static void certificate_names_must_be_dns_names_or_addresses(void **state)
{
	(void)state;
	char why[300];
	assert_true(gate_config_cert_names_valid("gate", why, sizeof why));
	assert_true(gate_config_cert_names_valid("a-b.example,2001:db8::1", why, sizeof why));
	const char *bad[] = { "", " , ", "-gate", "gate-", "gate..example", ".gate", "gate.", "ga_te", "ゲート",
		              "a b c d e f g h i", "gate/1" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_false(gate_config_cert_names_valid(bad[i], why, sizeof why));
		assert_true(why[0] != 0);
	}
	char label64[80];
	memset(label64, 'a', 64);
	label64[64] = 0;
	assert_false(gate_config_cert_names_valid(label64, why, sizeof why));
	label64[63] = 0;
	assert_true(gate_config_cert_names_valid(label64, why, sizeof why));
	gate_config cfg;
	char err[256] = "";
	assert_false(load(&cfg, "[gate]\ncertificate_names = bad_name\n", err, sizeof(err)));
	assert_non_null(strstr(err, "certificate_names"));
	assert_non_null(strstr(err, "bad_name"));
	gate_config_free(&cfg);
}

static void fingerprint_parsing(void **state)
{
	(void)state;
	BYTE fp[GATE_SHA256_LEN];
	assert_true(gate_parse_fingerprint(
	    "sha256:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", fp));
	assert_int_equal(fp[31], 0x1f);
	assert_false(gate_parse_fingerprint("sha1:0001", fp));
	assert_false(gate_parse_fingerprint(
	    "sha256:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", fp));
	assert_false(gate_parse_fingerprint(
	    "sha256:0g0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", fp));
	/* The same parser as rmgate-policy (common/pin.h): colons between every pair or none. */
	assert_true(gate_parse_fingerprint("SHA256:00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:"
	                                   "10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F", fp));
	assert_int_equal(fp[31], 0x1f);
	assert_false(gate_parse_fingerprint(
	    "sha256:0001:02030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", fp));
}

static void policy_denies_by_default(void **state)
{
	(void)state;
	gate_channel_policy p = gate_policy_default();
	assert_true(gate_policy_static_allowed(&p, "drdynvc"));
	const char *denied[] = { "cliprdr", "rdpdr", "rdpsnd", "audin", "rail", "encomsp", "remdesk",
		                     "rdp2tcp", "snddbg", "URBDRC", "whatever", "" };
	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++)
		assert_false(gate_policy_static_allowed(&p, denied[i]));
	assert_true(gate_policy_dvc_allowed(&p, "Microsoft::Windows::RDS::Graphics"));
	assert_true(gate_policy_dvc_allowed(&p, "Microsoft::Windows::RDS::DisplayControl"));
	assert_false(gate_policy_dvc_allowed(&p, "AUDIO_INPUT"));
	assert_false(gate_policy_dvc_allowed(&p, "URBDRC"));
	assert_false(gate_policy_dvc_allowed(&p, "RDCamera_Device_Enumerator"));
	assert_false(gate_policy_dvc_allowed(&p, NULL));
	p.audio_output = TRUE; /* reserved: not bridged, so still denied */
	assert_false(gate_policy_static_allowed(&p, "rdpsnd"));
	p.gfx = p.display_control = FALSE;
	assert_false(gate_policy_static_allowed(&p, "drdynvc"));
	assert_string_equal(gate_policy_channel_class("cliprdr"), "clipboard");
	assert_string_equal(gate_policy_channel_class("xyz"), "unknown");
}

/* Connection admission and TLS profile keys: documented defaults, every key read,
 * and a cipher list with a suite that is not forward-secret refused with the key and suite. */
static void admission_and_tls_keys(void **state)
{
	(void)state;
	gate_config cfg;
	char err[400] = "";
	gate_config_defaults(&cfg);
	assert_int_equal(cfg.max_handshakes, 0);
	assert_int_equal(gate_config_handshake_pool(&cfg), 2 * cfg.max_sessions); /* 40 > 4 x 8 */
	assert_int_equal(cfg.max_source_handshakes, 8);
	assert_int_equal(cfg.source_connects_per_minute, 60);
	assert_non_null(strstr(cfg.tls_ciphers, "ECDHE-RSA-AES128-GCM-SHA256"));
	assert_null(strstr(cfg.tls_ciphers, "CBC"));
	assert_null(cfg.target_tls_ciphers);
	gate_config_free(&cfg);

	assert_true(load(&cfg,
	                 "[gate]\nmax_sessions = 3\nmax_source_handshakes = 2\n"
	                 "source_connects_per_minute = 500\ntls_ciphers = ECDHE-RSA-AES256-GCM-SHA384\n"
	                 "target_tls_ciphers = ECDHE-RSA-AES128-SHA:DHE-RSA-AES128-GCM-SHA256\n",
	                 err, sizeof(err)));
	assert_int_equal(gate_config_handshake_pool(&cfg), 8); /* 4 sources x 2 > 2 x 3 */
	assert_int_equal(cfg.max_source_handshakes, 2);
	assert_int_equal(cfg.source_connects_per_minute, 500);
	assert_string_equal(cfg.tls_ciphers, "ECDHE-RSA-AES256-GCM-SHA384");
	assert_string_equal(cfg.target_tls_ciphers, "ECDHE-RSA-AES128-SHA:DHE-RSA-AES128-GCM-SHA256");
	gate_config_free(&cfg);
	assert_true(load(&cfg, "[gate]\nmax_handshakes = 9\n", err, sizeof(err)));
	assert_int_equal(gate_config_handshake_pool(&cfg), 9);
	assert_true(gate_config_validate(&cfg, err, sizeof(err)));
	gate_config_free(&cfg);
	/* One address must not be able to fill the handshake pool. */
	assert_true(load(&cfg, "[gate]\nmax_handshakes = 8\n", err, sizeof(err)));
	assert_false(gate_config_validate(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "max_source_handshakes (8) must be smaller than max_handshakes (8)"));
	gate_config_free(&cfg);

	expect_error("[gate]\nmax_handshakes = 0\n",
	             "key 'max_handshakes': '0' is not a number of connections in 1..2000");
	expect_error("[gate]\nmax_source_handshakes = x\n", "key 'max_source_handshakes'");
	expect_error("[gate]\nsource_connects_per_minute = 0\n", "key 'source_connects_per_minute'");
	expect_error("[gate]\ntls_ciphers = AES256-GCM-SHA384\n",
	             "selects AES256-GCM-SHA384 without forward secrecy");
	expect_error("[gate]\ntls_ciphers = ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA\n",
	             "key 'tls_ciphers'");
	expect_error("[gate]\ntarget_tls_ciphers = DEFAULT\n", "key 'target_tls_ciphers'");
	expect_error("[gate]\ntls_ciphers = ECDHE-RSA-NULL-SHA\n", "key 'tls_ciphers'");
	expect_error("[gate]\ntls_ciphers = aNULL\n", "key 'tls_ciphers'");
	expect_error("[gate]\ntls_ciphers = no-such-suite\n", "not an OpenSSL cipher list");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_are_safe),
		cmocka_unit_test(every_key_is_read),
		cmocka_unit_test(bad_input_is_refused_with_a_clear_error),
		cmocka_unit_test(gfx_decode_failures_max_is_read),
		cmocka_unit_test(a_bad_value_names_its_line),
		cmocka_unit_test(quotes_blanks_and_crlf_lines_are_read),
		cmocka_unit_test(a_repeated_key_takes_its_last_value),
		cmocka_unit_test(a_long_value_is_kept_whole),
		cmocka_unit_test(nla_in_lab_mode_needs_a_sam_file),
		cmocka_unit_test(command_line_overrides),
		cmocka_unit_test(missing_file_is_an_error),
		cmocka_unit_test(first_start_generates_a_private_key_0600),
		cmocka_unit_test(generated_certificate_names_the_configured_hosts_for_server_auth),
		cmocka_unit_test(certificate_names_must_be_dns_names_or_addresses),
		cmocka_unit_test(fingerprint_parsing),
		cmocka_unit_test(policy_denies_by_default),
		cmocka_unit_test(admission_and_tls_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
