// SPDX-License-Identifier: GPL-2.0
/* The daemon's /metrics text and the HTTP request routing of its server,
 * plus one round trip through the server on a loopback socket. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/daemon/daemon_metrics.h"
#include "support.h"

static void test_format(void **state)
{
	struct daemon_metrics m = { .targets = 3, .samples = 12345, .lost_samples = 7,
				    .sym_hits = 100, .sym_misses = 5, .perf_map_refreshes = 2,
				    .push_failures = 1, .rss_bytes = 1 << 20, .open_fds = 17,
				    .periods = 4, .perf_events = 301 };
	char buf[8192];
	int n;

	(void)state;
	n = daemon_metrics_format(&m, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	assert_non_null(strstr(buf, "# TYPE tmprof_targets gauge\ntmprof_targets 3\n"));
	assert_non_null(strstr(buf, "\ntmprof_samples_total 12345\n"));
	assert_non_null(strstr(buf, "\ntmprof_lost_samples_total 7\n"));
	assert_non_null(strstr(buf, "\ntmprof_symbolization_hits_total 100\n"));
	assert_non_null(strstr(buf, "\ntmprof_symbolization_misses_total 5\n"));
	assert_non_null(strstr(buf, "\ntmprof_perf_map_refreshes_total 2\n"));
	assert_non_null(strstr(buf, "\ntmprof_push_failures_total 1\n"));
	assert_non_null(strstr(buf, "\ntmprof_resident_memory_bytes 1048576\n"));
	assert_non_null(strstr(buf, "\ntmprof_open_fds 17\n"));
	assert_non_null(strstr(buf, "# TYPE tmprof_perf_events_open gauge\ntmprof_perf_events_open 301\n"));
	assert_non_null(strstr(buf, "# TYPE tmprof_periods_written_total counter\ntmprof_periods_written_total 4\n"));
	assert_int_equal(buf[n - 1], '\n');
	/* Every line is a comment or "name value". */
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		assert_true(line[0] == '#' || strchr(line, ' ') == strrchr(line, ' '));
	assert_int_equal(daemon_metrics_format(&m, buf, 100), -ENOSPC);
}

static void test_format_per_tm(void **state)
{
	const char *tms[] = { "tm-1", "we\"ird\\id\n" };
	uint64_t v[] = { 250, 51 };
	char buf[512] = "x\n";
	int n;

	(void)state;
	n = daemon_metrics_format_per_tm(buf, sizeof(buf), 2, "tmprof_taskmanager_perf_events_open",
					 "Events.", tms, v, 2);
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	assert_string_equal(buf, "x\n# HELP tmprof_taskmanager_perf_events_open Events.\n"
				 "# TYPE tmprof_taskmanager_perf_events_open gauge\n"
				 "tmprof_taskmanager_perf_events_open{taskmanager=\"tm-1\"} 250\n"
				 "tmprof_taskmanager_perf_events_open{taskmanager=\"we\\\"ird\\\\id\\n\"} 51\n");
	/* No TaskManager: just the header. */
	n = daemon_metrics_format_per_tm(buf, sizeof(buf), 0, "m", "h", NULL, NULL, 0);
	assert_string_equal(buf, "# HELP m h\n# TYPE m gauge\n");
	assert_int_equal(daemon_metrics_format_per_tm(buf, 40, 0, "tmprof_taskmanager_perf_events_open",
						      "Events.", tms, v, 2), -ENOSPC);
	assert_int_equal(daemon_metrics_format_per_tm(buf, 10, 10, "m", "h", NULL, NULL, 0), -ENOSPC);
}

static void test_http_status(void **state)
{
	static const struct {
		const char *req;
		int status;
	} cases[] = {
		{ "GET /metrics HTTP/1.1", 200 },
		{ "GET /metrics?x=1 HTTP/1.0", 200 },
		{ "HEAD /metrics HTTP/1.1", 200 },
		{ "GET / HTTP/1.1", 404 },
		{ "GET /metricsx HTTP/1.1", 404 },
		{ "POST /metrics HTTP/1.1", 405 },
		{ "GET /metrics", 400 },
		{ "garbage", 400 },
		{ "", 400 },
		{ " /metrics HTTP/1.1", 400 },
		{ "GET /metrics FTP/1.0", 400 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (daemon_http_status(cases[i].req, strlen(cases[i].req)) != cases[i].status)
			fail_msg("'%s': %d", cases[i].req,
				 daemon_http_status(cases[i].req, strlen(cases[i].req)));
}

static int render(void *ctx, char **body, size_t *len)
{
	(void)ctx;
	*body = strdup("tmprof_targets 1\n");
	*len = strlen(*body);
	return 0;
}

/* Drive the server until the client has its whole answer. */
static void round_trip(struct metrics_server *m, const char *req, char *answer, size_t len)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	size_t got = 0;

	assert_int_equal(getsockname(m->fd, (struct sockaddr *)&a, &alen), 0);
	assert_true(c >= 0);
	connect(c, (struct sockaddr *)&a, alen);
	for (int i = 0; i < 200; i++) {
		struct pollfd fds[1 + METRICS_MAX_CONNS];
		size_t n = metrics_server_pollfds(m, fds, 1 + METRICS_MAX_CONNS);
		ssize_t r;

		if (i == 2)
			assert_int_equal(send(c, req, strlen(req), 0), (ssize_t)strlen(req));
		if (poll(fds, n, 10) > 0)
			metrics_server_handle(m, fds, n, render, NULL);
		r = read(c, answer + got, len - 1 - got);
		if (r == 0)
			break;
		if (r > 0)
			got += (size_t)r;
	}
	answer[got] = '\0';
	close(c);
}

static void test_server(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0 };
	struct metrics_server m;
	char answer[4096];

	(void)state;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(metrics_server_open(&m, (struct sockaddr *)&a, sizeof(a)), 0);
	round_trip(&m, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", answer, sizeof(answer));
	assert_non_null(strstr(answer, "HTTP/1.0 200 OK\r\n"));
	assert_non_null(strstr(answer, "Content-Length: 17\r\n"));
	assert_non_null(strstr(answer, "\r\n\r\ntmprof_targets 1\n"));
	round_trip(&m, "GET /nope HTTP/1.1\r\n\r\n", answer, sizeof(answer));
	assert_non_null(strstr(answer, "HTTP/1.0 404"));
	metrics_server_close(&m);
	metrics_server_close(&m); /* twice: harmless */
}

static int silent_client(struct metrics_server *m)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int c = socket(AF_INET, SOCK_STREAM, 0);

	assert_int_equal(getsockname(m->fd, (struct sockaddr *)&a, &alen), 0);
	assert_true(c >= 0);
	assert_int_equal(connect(c, (struct sockaddr *)&a, alen), 0);
	return c;
}

/* One turn of the loop: poll, then handle whatever it says (nothing too). */
static void turn(struct metrics_server *m)
{
	struct pollfd fds[1 + METRICS_MAX_CONNS];
	size_t n = metrics_server_pollfds(m, fds, 1 + METRICS_MAX_CONNS);

	if (poll(fds, n, 10) <= 0)
		for (size_t i = 0; i < n; i++)
			fds[i].revents = 0;
	metrics_server_handle(m, fds, n, render, NULL);
}

/* Clients that connect and never send: more of them than slots, and
 * /metrics still answers; past their deadline they are closed on a turn
 * in which poll() reports nothing. */
static void test_silent_clients(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0 };
	struct metrics_server m;
	int silent[METRICS_MAX_CONNS + 2];
	char answer[4096], byte;
	size_t open = 0;

	(void)state;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(metrics_server_open(&m, (struct sockaddr *)&a, sizeof(a)), 0);
	for (size_t i = 0; i < sizeof(silent) / sizeof(silent[0]); i++) {
		silent[i] = silent_client(&m);
		turn(&m);
	}
	round_trip(&m, "GET /metrics HTTP/1.1\r\n\r\n", answer, sizeof(answer));
	assert_non_null(strstr(answer, "HTTP/1.0 200 OK\r\n"));

	for (size_t i = 0; i < METRICS_MAX_CONNS; i++)
		if (m.conns[i].fd >= 0) {
			m.conns[i].deadline_ms = 0; /* expired */
			open++;
		}
	assert_true(open > 0);
	for (int i = 0; i < 3; i++)
		turn(&m);
	for (size_t i = 0; i < METRICS_MAX_CONNS; i++)
		assert_int_equal(m.conns[i].fd, -1);
	/* Every silent client was closed by the server: it reads EOF. */
	for (size_t i = 0; i < sizeof(silent) / sizeof(silent[0]); i++) {
		assert_true(read(silent[i], &byte, 1) <= 0);
		close(silent[i]);
	}
	metrics_server_close(&m);
}

static void test_self_usage(void **state)
{
	uint64_t rss, fds;

	(void)state;
	daemon_self_usage(&rss, &fds);
	assert_true(rss > 0);
	assert_true(fds >= 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_per_tm),
		cmocka_unit_test(test_http_status),
		cmocka_unit_test(test_server),
		cmocka_unit_test(test_silent_clients),
		cmocka_unit_test(test_self_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
