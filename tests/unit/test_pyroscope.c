// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "flamegraph/folded_parse.h"
#include "flamegraph/pprof.h"
#include "flamegraph/profile.h"
#include "flamegraph/pyroscope.h"
#include "http_receiver.h"
#include "pprof_reader.h"

/* Value of query parameter key in the request line, URL-decoded. */
static char *query_param(const char *head, const char *key)
{
	const char *q = strchr(head, '?'), *end = strchr(head, ' ');
	size_t klen = strlen(key);

	end = end ? strchr(end + 1, ' ') : NULL;
	for (const char *p = q; p && p < end; p = strchr(p + 1, '&')) {
		if (strncmp(p + 1, key, klen) || p[1 + klen] != '=')
			continue;
		const char *v = p + 2 + klen;
		char *out = malloc(strlen(v) + 1), *w = out;

		for (; v < end && *v != '&'; v++) {
			unsigned int c;

			if (*v == '%' && sscanf(v + 1, "%2x", &c) == 1) {
				*w++ = (char)c;
				v += 2;
			} else {
				*w++ = *v == '+' ? ' ' : *v;
			}
		}
		*w = '\0';
		return out;
	}
	return NULL;
}

static void assert_param(const char *head, const char *key, const char *want)
{
	char *v = query_param(head, key);

	if (!v)
		fail_msg("no query parameter %s in %s", key, head);
	assert_string_equal(v, want);
	free(v);
}

static struct profile *sample_profile(void)
{
	/* From folded text: the thread frame becomes labels. */
	static const char text[] =
		"[Source: Kafka -> Map (2/4)#0 tid=77];StreamTask.invoke_[j];MyMapper.map_[j] 30\n"
		"[Source: Kafka -> Map (2/4)#0 tid=77];StreamTask.invoke_[j] 12\n";
	struct profile *p = profile_new();
	struct folded_parse_result r;

	assert_non_null(p);
	assert_int_equal(folded_parse_buffer(text, strlen(text), p, NULL, &r), 0);
	return p;
}

#define T0 1700000000000000000LL

static void url_of(char *buf, size_t len, int port)
{
	snprintf(buf, len, "http://127.0.0.1:%d/", port);
}

static void test_pyroscope_push_pprof(void **state)
{
	struct receiver r;
	struct profile *p = sample_profile();
	struct pyroscope_tag tags[] = { { "env", "prod" }, { "job", "word count {x}, a=b" } };
	struct pyroscope_target t = { .app_name = "flink.taskmanager", .tags = tags, .ntags = 2,
				      .tenant_id = "team-a", .bearer_token = "tok123" };
	struct pprof_options o = { .kind = PPROF_KIND_CPU, .hz = 100, .time_nanos = T0,
				   .duration_nanos = 10000000000LL };
	struct pp_profile pp;
	char url[64], err[256];
	const struct pp_sample *s = NULL;

	(void)state;
	receiver_start(&r, (int[]){ 200 }, 1);
	url_of(url, sizeof(url), r.port);
	t.url = url;
	assert_int_equal(pyroscope_push(&t, p, &o, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	receiver_stop(&r);
	assert_int_equal(r.nreqs, 1);
	assert_true(!strncmp(r.head[0], "POST /ingest?", 13));
	assert_param(r.head[0], "name", "flink.taskmanager{env=prod,job=word count _x__ a_b}");
	assert_param(r.head[0], "from", "1700000000");
	assert_param(r.head[0], "until", "1700000010");
	assert_param(r.head[0], "format", "pprof");
	assert_param(r.head[0], "sampleRate", "100");
	assert_param(r.head[0], "spyName", "tmprof");
	assert_param(r.head[0], "units", "samples");
	assert_param(r.head[0], "aggregationType", "sum");
	/* Escaped: no raw space or brace in the request line. */
	assert_null(strchr(strchr(r.head[0], '?'), '{'));
	assert_non_null(strcasestr(r.head[0], "\r\nContent-Type: application/octet-stream\r\n"));
	assert_non_null(strcasestr(r.head[0], "\r\nX-Scope-OrgID: team-a\r\n"));
	assert_non_null(strcasestr(r.head[0], "\r\nAuthorization: Bearer tok123\r\n"));
	assert_null(strcasestr(r.head[0], "Expect:"));

	assert_int_equal(pp_decode(r.body[0], r.body_len[0], &pp), 0);
	assert_int_equal(pp.nsamples, 2);
	for (size_t i = 0; i < pp.nsamples; i++)
		if (pp.samples[i].nloc == 2)
			s = &pp.samples[i];
	assert_non_null(s);
	assert_int_equal(s->val[0], 30);
	assert_string_equal(pp_label(&pp, s, "thread"), "Source: Kafka -> Map (2/4)#0");
	assert_string_equal(pp_label(&pp, s, "operator_chain"), "Source: Kafka -> Map");
	assert_string_equal(pp_label(&pp, s, "subtask"), "2");
	pp_free(&pp);
	receiver_free(&r);
	profile_free(p);
}

static void test_pyroscope_push_folded_wall(void **state)
{
	struct receiver r;
	struct profile *p = sample_profile();
	struct pyroscope_target t = { .app_name = "tm", .format = PYROSCOPE_FORMAT_FOLDED,
				      .basic_user = "123", .basic_password = "secret" };
	struct pprof_options o = { .kind = PPROF_KIND_WALL, .time_nanos = T0,
				   .duration_nanos = 1500000000LL };
	char url[64], err[256];

	(void)state;
	receiver_start(&r, (int[]){ 200 }, 1);
	url_of(url, sizeof(url), r.port);
	t.url = url;
	assert_int_equal(pyroscope_push(&t, p, &o, err, sizeof(err)), 0);
	receiver_stop(&r);
	assert_int_equal(r.nreqs, 1);
	assert_param(r.head[0], "name", "tm");
	assert_param(r.head[0], "format", "folded");
	assert_param(r.head[0], "units", "samples");
	assert_param(r.head[0], "sampleRate", "1000000");
	assert_param(r.head[0], "until", "1700000002");
	assert_non_null(strcasestr(r.head[0], "\r\nContent-Type: text/plain\r\n"));
	/* base64("123:secret") */
	assert_non_null(strcasestr(r.head[0], "\r\nAuthorization: Basic MTIzOnNlY3JldA==\r\n"));
	assert_int_equal(r.body_len[0], strlen("[Source: Kafka -> Map (2/4)#0 tid=77];StreamTask.invoke_[j] 12\n"
					       "[Source: Kafka -> Map (2/4)#0 tid=77];StreamTask.invoke_[j];MyMapper.map_[j] 30\n"));
	assert_memory_equal(r.body[0],
			    "[Source: Kafka -> Map (2/4)#0 tid=77];StreamTask.invoke_[j] 12\n"
			    "[Source: Kafka -> Map (2/4)#0 tid=77];StreamTask.invoke_[j];MyMapper.map_[j] 30\n",
			    r.body_len[0]);
	receiver_free(&r);
	profile_free(p);
}

static void test_pyroscope_retries_then_succeeds(void **state)
{
	struct receiver r;
	struct profile *p = sample_profile();
	struct pyroscope_target t = { .app_name = "tm", .backoff_ms = 50 };
	char url[64], err[256];

	(void)state;
	receiver_start(&r, (int[]){ 500, 503, 200 }, 3);
	url_of(url, sizeof(url), r.port);
	t.url = url;
	assert_int_equal(pyroscope_push(&t, p, NULL, err, sizeof(err)), 0);
	receiver_stop(&r);
	assert_int_equal(r.nreqs, 3);
	/* Every try sends the whole profile. */
	assert_int_equal(r.body_len[0], r.body_len[2]);
	assert_memory_equal(r.body[0], r.body[2], r.body_len[0]);
	receiver_free(&r);
	profile_free(p);
}

static void test_pyroscope_gives_up(void **state)
{
	struct receiver r;
	struct profile *p = sample_profile();
	struct pyroscope_target t = { .app_name = "tm", .tries = 2, .backoff_ms = 20 };
	char url[64], err[256];

	(void)state;
	receiver_start(&r, (int[]){ 500, 500 }, 2);
	url_of(url, sizeof(url), r.port);
	t.url = url;
	/* Unavailable (5xx): -EAGAIN, which the daemon takes as "down". */
	assert_int_equal(pyroscope_push(&t, p, NULL, err, sizeof(err)), -EAGAIN);
	receiver_stop(&r);
	assert_int_equal(r.nreqs, 2);
	assert_non_null(strstr(err, "HTTP 500"));
	assert_non_null(strstr(err, "ingest failed: disk full"));
	assert_non_null(strstr(err, "2 tries"));
	assert_null(strchr(err, '\n'));
	receiver_free(&r);

	/* A client error is final: one request only. */
	receiver_start(&r, (int[]){ 400, 200 }, 2);
	url_of(url, sizeof(url), r.port);
	assert_int_equal(pyroscope_push(&t, p, NULL, err, sizeof(err)), -EPROTO);
	receiver_stop(&r);
	assert_int_equal(r.nreqs, 1);
	assert_non_null(strstr(err, "HTTP 400"));
	assert_non_null(strstr(err, "(1 try)"));
	receiver_free(&r);
	profile_free(p);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_pyroscope_closed_port(void **state)
{
	struct profile *p = sample_profile();
	struct pyroscope_target t = { .app_name = "tm", .backoff_ms = 100, .timeout_ms = 3000 };
	char url[96], err[256];
	int port, fd = listen_any(&port);
	int64_t start;
	int rc;

	(void)state;
	close(fd); /* nothing listens there now */
	snprintf(url, sizeof(url), "http://user:secret@127.0.0.1:%d", port);
	t.url = url;
	start = now_ms();
	rc = pyroscope_push(&t, p, NULL, err, sizeof(err));
	/* Within the bound (plus slack for a loaded machine), not exact. */
	assert_true(now_ms() - start < 3000 + 5000);
	assert_int_equal(rc, -ECONNREFUSED);
	assert_non_null(strstr(err, "pyroscope: POST http://127.0.0.1:"));
	assert_non_null(strstr(err, "/ingest"));
	assert_non_null(strstr(err, "3 tries"));
	assert_null(strstr(err, "secret"));
	profile_free(p);
}

static void test_pyroscope_time_bound(void **state)
{
	struct receiver r;
	struct profile *p = sample_profile();
	struct pyroscope_target t = { .app_name = "tm", .timeout_ms = 1000, .backoff_ms = 400 };
	char url[64], err[256];
	int64_t start;
	int rc;

	(void)state;
	/* A server that never answers: the bound ends the push. */
	receiver_start(&r, (int[]){ 0, 0, 0 }, 3);
	url_of(url, sizeof(url), r.port);
	t.url = url;
	start = now_ms();
	rc = pyroscope_push(&t, p, NULL, err, sizeof(err));
	assert_true(now_ms() - start < 1000 + 5000);
	receiver_stop(&r);
	assert_int_equal(rc, -ETIMEDOUT);
	assert_true(r.nreqs >= 1);
	assert_non_null(strstr(err, "pyroscope: POST"));
	receiver_free(&r);
	profile_free(p);
}

static void test_pyroscope_bad_target(void **state)
{
	struct profile *p = sample_profile();
	struct pyroscope_tag bad_key[] = { { "1x", "v" } };
	struct pyroscope_target t = { .url = "http://127.0.0.1:1", .app_name = "tm" };
	char err[256];

	(void)state;
	assert_int_equal(pyroscope_push(NULL, p, NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "URL"));
	t.url = "ftp://x";
	assert_int_equal(pyroscope_push(&t, p, NULL, err, sizeof(err)), -EINVAL);
	t.url = "http://";
	assert_int_equal(pyroscope_push(&t, p, NULL, err, sizeof(err)), -EINVAL);
	t.url = "http://h:1/?a=b";
	assert_int_equal(pyroscope_push(&t, p, NULL, err, sizeof(err)), -EINVAL);
	t.url = "http://127.0.0.1:1";
	t.app_name = "tm{a=b}";
	assert_int_equal(pyroscope_push(&t, p, NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "application name"));
	t.app_name = NULL;
	assert_int_equal(pyroscope_push(&t, p, NULL, NULL, 0), -EINVAL);
	t.app_name = "tm";
	t.tags = bad_key;
	t.ntags = 1;
	assert_int_equal(pyroscope_push(&t, p, NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "\"1x\""));
	t.ntags = 0;
	t.format = (enum pyroscope_format)9;
	assert_int_equal(pyroscope_push(&t, p, NULL, err, sizeof(err)), -EINVAL);
	t.format = PYROSCOPE_FORMAT_PPROF;
	assert_int_equal(pyroscope_push(&t, NULL, NULL, err, sizeof(err)), -EINVAL);
	/* An encoding error is reported, not sent. */
	{
		struct pprof_options o = { .kind = PPROF_KIND_ALLOC };

		assert_int_equal(pyroscope_push(&t, p, &o, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "encoding"));
	}
	profile_free(p);
}

/* A token that would not fit a header line is refused with a clear
 * message, not cut; URLs in messages lose their credentials. */
static void test_long_token_and_redact(void **state)
{
	struct profile *p = sample_profile();
	char token[PYROSCOPE_MAX_HEADER_VALUE + 2], err[256], where[128];
	struct pyroscope_target t = { .url = "http://127.0.0.1:1", .app_name = "tm",
				      .bearer_token = token };

	(void)state;
	memset(token, 'a', sizeof(token) - 1);
	token[sizeof(token) - 1] = '\0';
	assert_int_equal(pyroscope_push(&t, p, NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bearer token is 1001 bytes"));
	pyroscope_url_redact("https://user:secret@host:4040/x", where, sizeof(where));
	assert_string_equal(where, "https://host:4040/x");
	pyroscope_url_redact("http://host/a@b", where, sizeof(where));
	assert_string_equal(where, "http://host/a@b");
	profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_token_and_redact),
		cmocka_unit_test(test_pyroscope_push_pprof),
		cmocka_unit_test(test_pyroscope_push_folded_wall),
		cmocka_unit_test(test_pyroscope_retries_then_succeeds),
		cmocka_unit_test(test_pyroscope_gives_up),
		cmocka_unit_test(test_pyroscope_closed_port),
		cmocka_unit_test(test_pyroscope_time_bound),
		cmocka_unit_test(test_pyroscope_bad_target),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
