// SPDX-License-Identifier: GPL-2.0
/* Push a profile to Grafana Pyroscope's HTTP ingest API.
 *
 * One request per push, made with libcurl (http:// and https://):
 *
 *   POST {url}/ingest?name=<app>{k=v,...}&from=<unix s>&until=<unix s>
 *        &format=pprof|folded&sampleRate=<n>&spyName=tmprof
 *        &units=<units>&aggregationType=sum
 *   Content-Type: application/octet-stream (pprof) | text/plain (folded)
 *   body: the gzip'd profile.proto of pprof_encode, or folded stacks
 *
 * The name parameter (app name and tags) is URL-escaped as a whole; tags
 * become Pyroscope series labels. For pprof the server takes the sample
 * types, values and per-sample labels from the profile itself; sampleRate
 * and units describe the counts for the folded format and are sent for
 * both: sampleRate is counts per second (the CPU sampling frequency, or
 * 1000000 for the microsecond counts of wall / off-CPU profiles) and units
 * is "samples" (cpu, and wall / off-CPU as folded), "nanoseconds" (wall /
 * off-CPU as pprof) or "bytes" (alloc). A folded alloc profile carries the
 * bytes only.
 *
 * Failures never abort the caller: connection errors, timeouts, HTTP 408,
 * 429 and 5xx are retried with exponential backoff (tries, backoff_ms,
 * doubled each time) within one time bound for the whole push; other HTTP
 * errors are final. The result is a negative errno and one line of text.
 */
#ifndef TMPROF_FLAMEGRAPH_PYROSCOPE_H
#define TMPROF_FLAMEGRAPH_PYROSCOPE_H

#include <stddef.h>

#include "flamegraph/pprof.h"
#include "flamegraph/profile.h"

enum pyroscope_format {
	PYROSCOPE_FORMAT_PPROF = 0,
	PYROSCOPE_FORMAT_FOLDED,
};

/* A series label. Keys: [A-Za-z_][A-Za-z0-9_]*; in values, characters that
 * Pyroscope's name syntax reserves ('{', '}', ',', '=', '"') and control
 * characters are replaced by '_'. */
struct pyroscope_tag {
	const char *key;
	const char *value;
};

struct pyroscope_target {
	/* Server base URL, e.g. "http://pyroscope:4040"; "/ingest" is
	 * appended. Only http:// and https:// are accepted. */
	const char *url;
	/* Application name, e.g. "flink.taskmanager"; no '{', '}', ',', '=',
	 * '"', spaces or control characters. */
	const char *app_name;
	const struct pyroscope_tag *tags;
	size_t ntags;
	enum pyroscope_format format;
	/* Optional credentials: "Authorization: Bearer <token>", HTTP basic
	 * auth (Grafana Cloud: user id and API token), and the tenant header
	 * X-Scope-OrgID of a multi-tenant Pyroscope. */
	const char *bearer_token;
	const char *basic_user;
	const char *basic_password;
	const char *tenant_id;
	/* Attempts in all (0: 3), first pause between attempts (0: 500 ms,
	 * then doubled), bound on the whole push including pauses (0: 30 s). */
	unsigned int tries;
	unsigned int backoff_ms;
	unsigned int timeout_ms;
};

/* Push p, encoded with o (NULL: CPU at 99 Hz; o's time_nanos and
 * duration_nanos give from and until, time 0 meaning "ending now"; o's
 * labeler labels pprof samples). Returns 0, or a negative errno with a
 * message in err (no credentials in it): -EINVAL bad target (also a bearer
 * token or tenant id over PYROSCOPE_MAX_HEADER_VALUE bytes), -ECONNREFUSED,
 * -ETIMEDOUT, -EHOSTUNREACH (name resolution), -EAGAIN (HTTP 5xx, 408 or
 * 429 on the last try: the server is unavailable), -EPROTO (another HTTP
 * error status), -EIO (other transfer errors), -ENOMEM. err may be NULL. */
int pyroscope_push(const struct pyroscope_target *t, const struct profile *p,
		   const struct pprof_options *o, char *err, size_t errlen);

/* The same in two steps, for a caller that sends elsewhere (the daemon's
 * push thread): new encodes p and sets up the request (loads libcurl at
 * the first call); send makes the attempts, within timeout_ms (0: t's),
 * and may run on another thread; free releases it (NULL is fine). The
 * results are pyroscope_push's. */
struct pyroscope_request;
int pyroscope_request_new(const struct pyroscope_target *t, const struct profile *p,
			  const struct pprof_options *o, struct pyroscope_request **out, char *err,
			  size_t errlen);
int pyroscope_request_send(struct pyroscope_request *r, unsigned int timeout_ms, char *err,
			   size_t errlen);
/* Bytes it holds (the encoded body and itself). */
size_t pyroscope_request_size(const struct pyroscope_request *r);
void pyroscope_request_free(struct pyroscope_request *r);

/* Longest bearer token or tenant id sent (a header line). */
#define PYROSCOPE_MAX_HEADER_VALUE 1000u

/* url without any "user:password@", for messages. */
void pyroscope_url_redact(const char *url, char *out, size_t outlen);

#endif
