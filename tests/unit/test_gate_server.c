/* The gate's server loop in-process: a client sending garbage and a client that never speaks
 * each end only their own connection (the second one at the handshake deadline), the session
 * table empties, and the server stops cleanly on request. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gate_config.h"
#include "gate_config_files.h"
#include "gate_server.h"

static UINT16 free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t n = sizeof(a);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &n), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static int connect_to(UINT16 port)
{
	for (int i = 0; i < 100; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
			                     .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			return fd;
		close(fd);
		usleep(50000);
	}
	return -1;
}

/* TRUE when the peer closes the connection within ms (reads and discards what comes). */
static BOOL closed_within(int fd, int ms)
{
	char buf[512];
	for (int waited = 0; waited < ms; waited += 100) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 100) > 0) {
			ssize_t n = recv(fd, buf, sizeof(buf), 0);
			if (n <= 0)
				return TRUE;
		}
	}
	return FALSE;
}

static void *run_server(void *arg)
{
	static int rc;
	rc = gate_server_run(arg, FALSE);
	return &rc;
}

static size_t sessions(gate_server *srv)
{
	EnterCriticalSection(&srv->lock);
	size_t n = srv->nsessions;
	LeaveCriticalSection(&srv->lock);
	return n;
}

static void bad_clients_end_only_their_connection(void **state)
{
	(void)state;
	char dir[] = "/tmp/rmgate-unit-XXXXXX", text[512], err[256] = "";
	assert_non_null(mkdtemp(dir));
	UINT16 port = free_port();
	snprintf(text, sizeof(text),
	         "[gate]\nvar_dir = %s/var\nlisten = 127.0.0.1:%u\nhandshake_timeout = 1\n"
	         "connect_timeout = 1\nclose_timeout = 1\nmax_sessions = 4\n",
	         dir, port);
	gate_config cfg;
	gate_config_defaults(&cfg);
	assert_true(gate_config_load_buffer(&cfg, text, err, sizeof(err)));
	assert_true(gate_config_validate(&cfg, err, sizeof(err)));
	assert_true(gate_config_prepare_files(&cfg, err, sizeof(err)));
	assert_true(gate_global_init());
	gate_server *srv = gate_server_new(&cfg, NULL);
	assert_non_null(srv);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, run_server, srv), 0);

	int garbage = connect_to(port);
	assert_true(garbage >= 0);
	char junk[2048];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7 + 3);
	assert_int_equal(send(garbage, junk, sizeof(junk), MSG_NOSIGNAL), (ssize_t)sizeof(junk));
	assert_true(closed_within(garbage, 5000));
	close(garbage);

	int silent = connect_to(port);
	assert_true(silent >= 0);
	assert_true(closed_within(silent, 8000)); /* deadline 1 s + 1 s, watchdog every 0.5 s */
	close(silent);

	for (int i = 0; i < 50 && sessions(srv) > 0; i++)
		usleep(100000);
	assert_int_equal(sessions(srv), 0);
	assert_int_equal(srv->total_sessions, 2);

	gate_server_stop(srv);
	int *rc = NULL;
	assert_int_equal(pthread_join(t, (void **)&rc), 0);
	assert_int_equal(*rc, 0);
	gate_server_free(srv);
	unlink(cfg.certificate);
	unlink(cfg.private_key);
	rmdir(cfg.recordings);
	rmdir(cfg.var_dir);
	rmdir(dir);
	gate_config_free(&cfg);
}

static void unusable_listen_address_is_an_error(void **state)
{
	(void)state;
	char err[256] = "";
	gate_config cfg;
	gate_config_defaults(&cfg);
	assert_true(gate_config_set_listen(&cfg, "192.0.2.254:1", err, sizeof(err))); /* not ours */
	assert_true(gate_global_init());
	gate_server *srv = gate_server_new(&cfg, NULL);
	assert_non_null(srv);
	assert_int_equal(gate_server_run(srv, FALSE), 1);
	gate_server_free(srv);
	gate_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bad_clients_end_only_their_connection),
		cmocka_unit_test(unusable_listen_address_is_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
