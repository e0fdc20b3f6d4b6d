/* rmgate-web's configuration (web_config.h): the [web] section of rmgate.conf, the two keys of
 * [gate] it shares, the command line on top, and the gate reading the same file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gate_config.h"
#include "web_config.h"

static char conf_path[64];

static void write_conf(const char *text)
{
	snprintf(conf_path, sizeof conf_path, "/tmp/test_web_config.%d.conf", (int)getpid());
	FILE *f = fopen(conf_path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Loads text as FILE with the defaults first; err filled on failure. */
static bool load(web_config *cfg, const char *text, char *err, size_t n)
{
	write_conf(text);
	assert_true(web_config_defaults(cfg));
	bool ok = web_config_load(cfg, conf_path, err, n) && web_config_finish(cfg, err, n);
	unlink(conf_path);
	return ok;
}

static void expect_error(const char *text, const char *want)
{
	web_config cfg;
	char err[600] = "";
	assert_false(load(&cfg, text, err, sizeof err));
	if (!strstr(err, want))
		fail_msg("error '%s' does not contain '%s'", err, want);
	web_config_free(&cfg);
}

static void defaults_follow_var_dir(void **state)
{
	(void)state;
	web_config cfg;
	char err[300];
	assert_true(web_config_defaults(&cfg));
	assert_true(web_config_finish(&cfg, err, sizeof err));
	assert_string_equal(cfg.listen_host, "127.0.0.1");
	assert_int_equal(cfg.port, 8443);
	assert_string_equal(cfg.database, "./var/rmgate.db");
	assert_string_equal(cfg.certificate, "./var/web.crt");
	assert_string_equal(cfg.private_key, "./var/web.key");
	assert_true(cfg.generate_certificate);
	assert_int_equal(cfg.idle_timeout_s, 900);
	web_config_free(&cfg);
}

static void the_file_gives_web_keys_and_the_shared_gate_keys(void **state)
{
	(void)state;
	web_config cfg;
	char err[600];
	assert_true(load(&cfg,
			 "[gate]\nlisten = 0.0.0.0:3389\nvar_dir = /srv/rmgate\nmax_sessions = 3\n"
			 "[web]\nlisten = [::1]:9443\nidle_timeout = 600\ncertificate_names = gate.city.example\n",
			 err, sizeof err));
	assert_string_equal(cfg.listen_host, "::1"); /* the gate's listen is not the console's */
	assert_int_equal(cfg.port, 9443);
	assert_int_equal(cfg.idle_timeout_s, 600);
	assert_string_equal(cfg.database, "/srv/rmgate/rmgate.db");
	assert_string_equal(cfg.certificate, "/srv/rmgate/web.crt");
	assert_string_equal(cfg.certificate_names, "gate.city.example");
	web_config_free(&cfg);

	assert_true(load(&cfg, "[gate]\nvar_dir = /srv/rmgate\ndatabase = /data/ledger.db\n[web]\n"
			       "certificate = /etc/rmgate/web.crt\nprivate_key = /etc/rmgate/web.key\n",
			 err, sizeof err));
	assert_string_equal(cfg.database, "/data/ledger.db");
	assert_string_equal(cfg.certificate, "/etc/rmgate/web.crt");
	assert_false(cfg.generate_certificate);
	web_config_free(&cfg);
}

static void the_command_line_overrides_the_file(void **state)
{
	(void)state;
	web_config cfg;
	char err[600];
	write_conf("[gate]\nvar_dir = /srv/rmgate\n[web]\nlisten = 127.0.0.1:9443\n");
	assert_true(web_config_defaults(&cfg));
	assert_true(web_config_load(&cfg, conf_path, err, sizeof err));
	unlink(conf_path);
	assert_true(web_config_set(&cfg, "listen", "127.0.0.1:8000", err, sizeof err));
	assert_true(web_config_set(&cfg, "var_dir", "/tmp/other", err, sizeof err));
	assert_true(web_config_finish(&cfg, err, sizeof err));
	assert_int_equal(cfg.port, 8000);
	assert_string_equal(cfg.database, "/tmp/other/rmgate.db"); /* follows the final var_dir */
	web_config_free(&cfg);
}

static void bad_files_name_the_line(void **state)
{
	(void)state;
	expect_error("[web]\nlisten = 127.0.0.1\n", "line 2: listen:");
	expect_error("[web]\nlisten = 127.0.0.1:70000\n", "port must be 1..65535");
	expect_error("[web]\n\nidle_timeout = 30\n", "line 3: idle_timeout: give seconds in 60..86400");
	expect_error("[web]\nsession = 5\n", "line 2: unknown key 'session' in [web]");
	expect_error("[web]\nvar_dir = /x\n", "line 2: var_dir belongs in [gate]");
	expect_error("[web]\ncertificate = /x.crt\n", "give certificate and private_key together");
	expect_error("[webx]\nlisten = 127.0.0.1:1\n", "unknown section [webx]");
	expect_error("listen = 127.0.0.1:1\n", "outside of the [gate] section");
	expect_error("[web]\ncertificate_names = bad_name!\n", "certificate_names:");
	web_config cfg;
	char err[300];
	assert_true(web_config_defaults(&cfg));
	assert_false(web_config_load(&cfg, "/nonexistent/rmgate.conf", err, sizeof err));
	assert_non_null(strstr(err, "cannot open configuration '/nonexistent/rmgate.conf'"));
	web_config_free(&cfg);
}

/* The gate reads the same file: [web] is skipped, never mistaken for the gate's. */
static void the_gate_skips_the_web_section(void **state)
{
	(void)state;
	gate_config g;
	char err[400];
	gate_config_defaults(&g);
	assert_true(gate_config_load_buffer(&g, "[web]\nlisten = 0.0.0.0:8443\nwhatever = 1\n[gate]\nmax_sessions = 4\n",
					    err, sizeof err));
	assert_int_equal(g.n_listen, 1);
	assert_string_equal(g.listen[0].host, "127.0.0.1");
	assert_int_equal(g.listen[0].port, 3389);
	assert_int_equal(g.max_sessions, 4);
	gate_config_free(&g);
	gate_config_defaults(&g);
	assert_false(gate_config_load_buffer(&g, "[gate]\n[console]\nx = 1\n", err, sizeof err));
	assert_non_null(strstr(err, "unknown section [console]"));
	gate_config_free(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_follow_var_dir),
		cmocka_unit_test(the_file_gives_web_keys_and_the_shared_gate_keys),
		cmocka_unit_test(the_command_line_overrides_the_file),
		cmocka_unit_test(bad_files_name_the_line),
		cmocka_unit_test(the_gate_skips_the_web_section),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
