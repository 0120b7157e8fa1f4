// SPDX-License-Identifier: GPL-2.0
#include "flamegraph/pyroscope.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flamegraph/curl_api.h"
#include "flamegraph/folded.h"

#define DEFAULT_TRIES 3
#define DEFAULT_BACKOFF_MS 500
#define DEFAULT_TIMEOUT_MS 30000
#define CONNECT_TIMEOUT_MS 10000
/* Enough of an error response to say what the server disliked. */
#define RESPONSE_KEEP 200

static void err_set(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------- validation */

static bool tag_key_valid(const char *k)
{
	if (!k || !((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || *k == '_'))
		return false;
	for (k++; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
		      (*k >= '0' && *k <= '9') || *k == '_'))
			return false;
	return true;
}

/* Characters that would change the meaning of "app{k=v,...}". */
static bool name_char_reserved(unsigned char c)
{
	return c < 0x20 || c == 0x7f || c == '{' || c == '}' || c == ',' || c == '=' || c == '"';
}

static bool app_name_valid(const char *n)
{
	if (!n || !*n)
		return false;
	for (; *n; n++)
		if (name_char_reserved((unsigned char)*n) || *n == ' ')
			return false;
	return true;
}

static bool url_valid(const char *u)
{
	return u && (!strncmp(u, "http://", 7) || !strncmp(u, "https://", 8)) &&
	       strlen(u) > (u[4] == 's' ? 8u : 7u) && !strpbrk(u, " \t\r\n?#");
}

static int pyroscope_target_check(const struct pyroscope_target *t, char *err, size_t errlen)
{
	if (!t || !url_valid(t->url)) {
		err_set(err, errlen, "pyroscope: server URL must start with http:// or https://");
		return -EINVAL;
	}
	if (!app_name_valid(t->app_name)) {
		err_set(err, errlen, "pyroscope: application name must be non-empty, without "
				     "spaces or any of {},=\"");
		return -EINVAL;
	}
	if (t->ntags && !t->tags) {
		err_set(err, errlen, "pyroscope: tags missing");
		return -EINVAL;
	}
	for (size_t i = 0; i < t->ntags; i++) {
		if (!tag_key_valid(t->tags[i].key)) {
			err_set(err, errlen, "pyroscope: tag name \"%.64s\" is not [A-Za-z_][A-Za-z0-9_]*",
				t->tags[i].key ? t->tags[i].key : "");
			return -EINVAL;
		}
	}
	if (t->format != PYROSCOPE_FORMAT_PPROF && t->format != PYROSCOPE_FORMAT_FOLDED) {
		err_set(err, errlen, "pyroscope: unknown format");
		return -EINVAL;
	}
	/* Header lines are built in a fixed buffer: a longer value would be
	 * cut and the server would refuse a token that looks right. */
	if (t->bearer_token && strlen(t->bearer_token) > PYROSCOPE_MAX_HEADER_VALUE) {
		err_set(err, errlen, "pyroscope: the bearer token is %zu bytes, over %u; check the "
			"token file holds one token", strlen(t->bearer_token), PYROSCOPE_MAX_HEADER_VALUE);
		return -EINVAL;
	}
	if (t->tenant_id && strlen(t->tenant_id) > PYROSCOPE_MAX_HEADER_VALUE) {
		err_set(err, errlen, "pyroscope: the tenant id is %zu bytes, over %u",
			strlen(t->tenant_id), PYROSCOPE_MAX_HEADER_VALUE);
		return -EINVAL;
	}
	return 0;
}

void pyroscope_url_redact(const char *url, char *out, size_t outlen)
{
	const char *auth = strstr(url, "://"), *at, *slash;

	if (!auth) {
		snprintf(out, outlen, "%s", url);
		return;
	}
	auth += 3;
	slash = strchr(auth, '/');
	at = memchr(auth, '@', slash ? (size_t)(slash - auth) : strlen(auth));
	if (at)
		snprintf(out, outlen, "%.*s%s", (int)(auth - url), url, at + 1);
	else
		snprintf(out, outlen, "%s", url);
}

/* ------------------------------------------------------------- the request */

/* The loaded library: pyroscope_push loads it (or fails) before any
 * other function here runs. */
static const struct curl_api *api(void)
{
	return curl_api_get(NULL, 0);
}

/* "app{k=v,...}" with the reserved characters of values replaced. */
static char *series_name(const struct pyroscope_target *t)
{
	size_t len = strlen(t->app_name) + 3;
	char *s, *w;

	for (size_t i = 0; i < t->ntags; i++)
		len += strlen(t->tags[i].key) + (t->tags[i].value ? strlen(t->tags[i].value) : 0) + 2;
	s = malloc(len);
	if (!s)
		return NULL;
	/* Without tags, the plain name: "app{}" means nothing more. */
	if (!t->ntags) {
		strcpy(s, t->app_name);
		return s;
	}
	w = s + sprintf(s, "%s{", t->app_name);
	for (size_t i = 0; i < t->ntags; i++) {
		const char *v = t->tags[i].value ? t->tags[i].value : "";

		w += sprintf(w, "%s%s=", i ? "," : "", t->tags[i].key);
		for (; *v; v++)
			*w++ = name_char_reserved((unsigned char)*v) ? '_' : *v;
	}
	strcpy(w, "}");
	return s;
}

struct push_params {
	const char *format, *units, *content_type;
	unsigned long sample_rate;
	int64_t from, until;
};

static void params_init(struct push_params *pp, const struct pyroscope_target *t,
			const struct pprof_options *o)
{
	bool pprof = t->format == PYROSCOPE_FORMAT_PPROF;
	struct timespec now;
	int64_t dur_s;

	pp->format = pprof ? "pprof" : "folded";
	pp->content_type = pprof ? "application/octet-stream" : "text/plain";
	switch (o->kind) {
	case PPROF_KIND_CPU:
		pp->units = "samples";
		pp->sample_rate = o->hz ? o->hz : 99;
		break;
	case PPROF_KIND_ALLOC:
		pp->units = "bytes";
		pp->sample_rate = 100;
		break;
	default:
		/* Counts are microseconds: a million per second. */
		pp->units = pprof ? "nanoseconds" : "samples";
		pp->sample_rate = 1000000;
		break;
	}
	dur_s = o->duration_nanos > 0 ? (o->duration_nanos + 999999999) / 1000000000 : 0;
	if (o->time_nanos) {
		pp->from = o->time_nanos / 1000000000;
	} else {
		clock_gettime(CLOCK_REALTIME, &now);
		pp->from = (int64_t)now.tv_sec - dur_s;
	}
	/* Pyroscope wants a non-empty interval. */
	pp->until = pp->from + (dur_s ? dur_s : 1);
}

static char *ingest_url(CURL *c, const struct pyroscope_target *t, const struct push_params *pp)
{
	char *name = series_name(t), *esc = NULL, *url = NULL;
	size_t base = strlen(t->url), len;

	while (base > 0 && t->url[base - 1] == '/')
		base--;
	if (name)
		esc = api()->easy_escape(c, name, 0);
	if (!esc)
		goto cleanup;
	len = base + strlen(esc) + 256;
	url = malloc(len);
	if (url)
		snprintf(url, len,
			 "%.*s/ingest?name=%s&from=%" PRId64 "&until=%" PRId64
			 "&format=%s&sampleRate=%lu&spyName=tmprof&units=%s&aggregationType=sum",
			 (int)base, t->url, esc, pp->from, pp->until, pp->format, pp->sample_rate,
			 pp->units);
cleanup:
	api()->free(esc);
	free(name);
	return url;
}

static int body_build(const struct pyroscope_target *t, const struct profile *p,
		      const struct pprof_options *o, unsigned char **buf, size_t *len)
{
	FILE *f;
	char *text = NULL;
	size_t n = 0;
	int err;

	if (t->format == PYROSCOPE_FORMAT_PPROF)
		return pprof_encode(p, o, buf, len);
	f = open_memstream(&text, &n);
	if (!f)
		return -ENOMEM;
	err = folded_write(p, f);
	if (fclose(f) && !err)
		err = -ENOMEM;
	if (err) {
		free(text);
		return err;
	}
	*buf = (unsigned char *)text;
	*len = n;
	return 0;
}

struct response {
	char text[RESPONSE_KEEP + 1];
	size_t len;
};

static size_t response_write(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct response *r = ctx;
	size_t n = size * nmemb, keep = RESPONSE_KEEP - r->len;

	if (keep > n)
		keep = n;
	for (size_t i = 0; i < keep; i++) {
		unsigned char c = (unsigned char)data[i];

		/* One line of printable text in the message. */
		r->text[r->len++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	r->text[r->len] = '\0';
	return n;
}

static struct curl_slist *headers_build(const struct pyroscope_target *t,
					const struct push_params *pp)
{
	struct curl_slist *h = NULL, *n;
	char line[PYROSCOPE_MAX_HEADER_VALUE + 64]; /* pyroscope_target_check() bounds the values */

	snprintf(line, sizeof(line), "Content-Type: %s", pp->content_type);
	h = api()->slist_append(h, line);
	/* No "Expect: 100-continue" round trip for large bodies. */
	if (h && (n = api()->slist_append(h, "Expect:")))
		h = n;
	else
		goto fail;
	if (t->tenant_id && *t->tenant_id) {
		snprintf(line, sizeof(line), "X-Scope-OrgID: %s", t->tenant_id);
		if (!(n = api()->slist_append(h, line)))
			goto fail;
	}
	if (t->bearer_token && *t->bearer_token) {
		snprintf(line, sizeof(line), "Authorization: Bearer %s", t->bearer_token);
		if (!(n = api()->slist_append(h, line)))
			goto fail;
	}
	return h;
fail:
	api()->slist_free_all(h);
	return NULL;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int curl_errno(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return -EHOSTUNREACH;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

/* Transfer errors worth another try: the server may be restarting or the
 * network flapping. TLS and URL errors will not go away. */
static bool curl_retryable(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return true;
	default:
		return false;
	}
}

static bool http_retryable(long status)
{
	return status == 408 || status == 429 || status >= 500;
}

struct attempt {
	CURLcode rc;
	long status;
	struct response resp;
	char curl_err[CURL_ERROR_SIZE];
};

static void attempt_run(CURL *c, struct attempt *a, int64_t remaining_ms)
{
	memset(a, 0, sizeof(*a));
	api()->easy_setopt(c, CURLOPT_WRITEDATA, &a->resp);
	api()->easy_setopt(c, CURLOPT_ERRORBUFFER, a->curl_err);
	api()->easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)remaining_ms);
	api()->easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(remaining_ms < CONNECT_TIMEOUT_MS ? remaining_ms : CONNECT_TIMEOUT_MS));
	a->rc = api()->easy_perform(c);
	if (a->rc == CURLE_OK)
		api()->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
}

static void curl_setup(CURL *c, const struct pyroscope_target *t, const char *url,
		       struct curl_slist *headers, const unsigned char *body, size_t len)
{
	api()->easy_setopt(c, CURLOPT_URL, url);
	/* No signals: safe in a multi-threaded agent. */
	api()->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	api()->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	api()->easy_setopt(c, CURLOPT_USERAGENT, "tmprof");
	api()->easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	api()->easy_setopt(c, CURLOPT_POST, 1L);
	api()->easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)body);
	api()->easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	api()->easy_setopt(c, CURLOPT_WRITEFUNCTION, response_write);
	if (t->basic_user && *t->basic_user) {
		api()->easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		api()->easy_setopt(c, CURLOPT_USERNAME, t->basic_user);
		api()->easy_setopt(c, CURLOPT_PASSWORD, t->basic_password ? t->basic_password : "");
	}
}

/* A push made ready to send: a libcurl handle with its URL, headers and
 * body set, and the target's retry settings; nothing of the caller's is
 * kept (libcurl copies string options; the body and headers are ours). */
struct pyroscope_request {
	CURL *c;
	struct curl_slist *headers;
	char *url;
	unsigned char *body;
	size_t len;
	unsigned int tries, backoff_ms, timeout_ms;
	char where[512]; /* the redacted ingest URL, for messages */
};

/* Attempts until success, a final error, the try limit or the deadline. */
static int attempts_run(const struct pyroscope_request *r, unsigned int timeout_ms, char *err,
			size_t errlen)
{
	CURL *c = r->c;
	const char *where = r->where;
	unsigned int tries = r->tries ? r->tries : DEFAULT_TRIES;
	int64_t backoff = r->backoff_ms ? r->backoff_ms : DEFAULT_BACKOFF_MS;
	int64_t deadline = mono_ms() + (timeout_ms ? timeout_ms :
					r->timeout_ms ? r->timeout_ms : DEFAULT_TIMEOUT_MS);
	struct attempt a;
	unsigned int n;
	bool retry;

	for (n = 1;; n++) {
		int64_t left = deadline - mono_ms();

		attempt_run(c, &a, left > 1 ? left : 1);
		if (a.rc == CURLE_OK && a.status >= 200 && a.status < 300)
			return 0;
		retry = a.rc == CURLE_OK ? http_retryable(a.status) : curl_retryable(a.rc);
		left = deadline - mono_ms();
		if (!retry || n >= tries || left <= backoff)
			break;
		sleep_ms(backoff);
		backoff *= 2;
	}
	if (a.rc != CURLE_OK) {
		err_set(err, errlen, "pyroscope: POST %s: %s (%u %s)", where,
			a.curl_err[0] ? a.curl_err : api()->easy_strerror(a.rc), n,
			n == 1 ? "try" : "tries");
		return curl_errno(a.rc);
	}
	err_set(err, errlen, "pyroscope: POST %s: HTTP %ld%s%s (%u %s)", where, a.status,
		a.resp.len ? ": " : "", a.resp.text, n, n == 1 ? "try" : "tries");
	/* 5xx, 408, 429: the server is there but not taking profiles now. */
	return http_retryable(a.status) ? -EAGAIN : -EPROTO;
}

void pyroscope_request_free(struct pyroscope_request *r)
{
	if (!r)
		return;
	if (r->headers)
		api()->slist_free_all(r->headers);
	if (r->c)
		api()->easy_cleanup(r->c);
	free(r->url);
	free(r->body);
	free(r);
}

int pyroscope_request_new(const struct pyroscope_target *t, const struct profile *p,
			  const struct pprof_options *o, struct pyroscope_request **out, char *err,
			  size_t errlen)
{
	const struct pprof_options defaults = { .kind = PPROF_KIND_CPU };
	struct pyroscope_request *r = NULL;
	struct push_params pp;
	size_t len;
	int rc;

	*out = NULL;
	err_set(err, errlen, "%s", "");
	rc = pyroscope_target_check(t, err, errlen);
	if (rc)
		return rc;
	if (!p) {
		err_set(err, errlen, "pyroscope: no profile");
		return -EINVAL;
	}
	if (!o)
		o = &defaults;
	r = calloc(1, sizeof(*r));
	if (!r) {
		err_set(err, errlen, "pyroscope: out of memory");
		return -ENOMEM;
	}
	r->tries = t->tries;
	r->backoff_ms = t->backoff_ms;
	r->timeout_ms = t->timeout_ms;
	pyroscope_url_redact(t->url, r->where, sizeof(r->where));
	/* Named as requested: base URL without trailing '/', then /ingest. */
	for (len = strlen(r->where); len > 0 && r->where[len - 1] == '/'; len--)
		r->where[len - 1] = '\0';
	snprintf(r->where + len, sizeof(r->where) - len, "/ingest");
	params_init(&pp, t, o);
	rc = body_build(t, p, o, &r->body, &r->len);
	if (rc) {
		err_set(err, errlen, "pyroscope: encoding the profile: %s", strerror(-rc));
		goto fail;
	}
	if (!curl_api_get(err, errlen)) {
		rc = -ENOPKG;
		goto fail;
	}
	rc = -ENOMEM;
	r->c = api()->easy_init();
	if (!r->c || !(r->url = ingest_url(r->c, t, &pp)) || !(r->headers = headers_build(t, &pp))) {
		err_set(err, errlen, "pyroscope: out of memory");
		goto fail;
	}
	curl_setup(r->c, t, r->url, r->headers, r->body, r->len);
	*out = r;
	return 0;
fail:
	pyroscope_request_free(r); /* calls libcurl only for what it made */
	return rc;
}

int pyroscope_request_send(struct pyroscope_request *r, unsigned int timeout_ms, char *err,
			   size_t errlen)
{
	err_set(err, errlen, "%s", "");
	return attempts_run(r, timeout_ms, err, errlen);
}

size_t pyroscope_request_size(const struct pyroscope_request *r)
{
	return r ? sizeof(*r) + r->len : 0;
}

int pyroscope_push(const struct pyroscope_target *t, const struct profile *p,
		   const struct pprof_options *o, char *err, size_t errlen)
{
	struct pyroscope_request *r;
	int rc = pyroscope_request_new(t, p, o, &r, err, errlen);

	if (rc)
		return rc;
	rc = pyroscope_request_send(r, 0, err, errlen);
	pyroscope_request_free(r);
	return rc;
}
