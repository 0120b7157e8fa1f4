// SPDX-License-Identifier: GPL-2.0
#include "agent/daemon/daemon_config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "agent/core/session.h"
#include "flamegraph/pyroscope.h"

#define CONFIG_MAX_BYTES (1 << 20)

/* Parsing state: the reader counts physical lines so that a handler error
 * carries the line it came from (Debian's libinih is built without
 * INI_HANDLER_LINENO). */
struct parse {
	const char *text, *pos;
	const char *name;
	int line;
	int long_line;      /* first line longer than the parser's buffer */
	int fail_line;      /* line of the first error */
	struct daemon_config *c;
	char *err;
	size_t errlen;
	bool failed;
};

static void parse_fail(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void parse_fail(struct parse *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->failed) /* the first error is the one worth fixing first */
		return;
	p->failed = true;
	p->fail_line = p->line;
	n = snprintf(p->err, p->errlen, "%s:%d: ", p->name, p->line);
	if (n < 0 || (size_t)n >= p->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static char *string_reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	size_t n = 0;

	if (!*p->pos || num < 2)
		return NULL;
	p->line++;
	while (p->pos[n] && p->pos[n] != '\n')
		n++;
	if (n + 1 > (size_t)num - 1) {
		/* Too long for the parser: report it rather than parse half. */
		if (!p->long_line)
			p->long_line = p->line;
		memcpy(str, p->pos, (size_t)num - 2);
		str[num - 2] = '\n';
		str[num - 1] = '\0';
	} else {
		memcpy(str, p->pos, n);
		str[n] = '\n';
		str[n + 1] = '\0';
	}
	p->pos += n + (p->pos[n] == '\n');
	return str;
}

struct unit {
	const char *suffix;
	uint64_t mul;
};

/* Digits, then one of units' suffixes (the first may be ""). */
static int parse_with_units(const char *text, const struct unit *units, size_t n, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!text || !isdigit((unsigned char)*text))
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(end, units[i].suffix))
			continue;
		if (v > UINT64_MAX / units[i].mul)
			return -ERANGE;
		*out = v * units[i].mul;
		return 0;
	}
	return -EINVAL;
}

int daemon_parse_duration(const char *text, uint64_t *out)
{
	static const struct unit units[] = {
		{ "", 1 }, { "s", 1 }, { "m", 60 }, { "h", 3600 }, { "d", 86400 },
	};

	return parse_with_units(text, units, sizeof(units) / sizeof(units[0]), out);
}

int daemon_parse_millis(const char *text, uint64_t *out)
{
	static const struct unit units[] = {
		{ "ms", 1 }, { "", 1000 }, { "s", 1000 }, { "m", 60000 },
	};

	return parse_with_units(text, units, sizeof(units) / sizeof(units[0]), out);
}

int daemon_parse_size(const char *text, uint64_t *out)
{
	static const char units[] = "KMGT";
	char *end;
	unsigned long long v;
	uint64_t mul = 1;
	const char *u;

	if (!text || !isdigit((unsigned char)*text))
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end && (u = strchr(units, toupper((unsigned char)*end)))) {
		for (const char *k = units; k <= u; k++)
			mul *= 1024;
		end++;
		if (*end == 'i') /* "MiB" */
			end++;
	}
	if (*end == 'B' || (*end == 'b' && mul > 1))
		end++;
	if (*end)
		return -EINVAL;
	if (v > UINT64_MAX / mul)
		return -ERANGE;
	*out = v * mul;
	return 0;
}

static int parse_port(const char *text, uint16_t *port)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*text))
		return -EINVAL;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || *end || v == 0 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int daemon_parse_listen(const char *text, struct sockaddr_storage *out, socklen_t *len)
{
	char host[64];
	const char *colon, *h = text;
	size_t hlen;
	uint16_t port;

	memset(out, 0, sizeof(*out));
	if (*text == '[') {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		h = text + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(text, ':');
		if (!colon)
			return -EINVAL;
		hlen = (size_t)(colon - text);
	}
	if (hlen == 0 || hlen >= sizeof(host) || parse_port(colon + 1, &port))
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (!strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	if (*text != '[') {
		struct sockaddr_in *a = (struct sockaddr_in *)out;

		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return -EINVAL;
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		*len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)out;

		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return -EINVAL;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		*len = sizeof(*a);
	}
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "on", "true", "yes", "1" };
	static const char *const no[] = { "off", "false", "no", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* A secret from a file: the first line, without trailing white space. The
 * file must be a regular file (not a FIFO that would block the daemon). */
/* Secret files: a regular file (not a FIFO another user feeds, not a
 * device), owned by us or root, that nobody else may read or change. */
#define SECRET_NOT_REGULAR 1001
#define SECRET_OPEN_MODE 1002
#define SECRET_OWNER 1003

static int read_secret(const char *path, char **out)
{
	char buf[DAEMON_SECRET_MAX + 1];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY), err = 0;
	char *nl;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = -SECRET_NOT_REGULAR;
	else if (st.st_mode & (S_IROTH | S_IWOTH | S_IWGRP))
		err = -SECRET_OPEN_MODE;
	else if (st.st_uid != 0 && st.st_uid != geteuid())
		err = -SECRET_OWNER;
	if (err) {
		close(fd);
		return err;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		err = -errno;
	close(fd);
	if (err)
		return err;
	if (n > DAEMON_SECRET_MAX - 1)
		return -EFBIG;
	buf[n] = '\0';
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	for (n = (ssize_t)strlen(buf); n > 0 && isspace((unsigned char)buf[n - 1]); n--)
		buf[n - 1] = '\0';
	if (!*buf)
		return -ENODATA;
	*out = strdup(buf);
	return *out ? 0 : -ENOMEM;
}

static int set_string(char **dst, const char *v)
{
	char *d = strdup(v);

	if (!d)
		return -ENOMEM;
	free(*dst);
	*dst = d;
	return 0;
}

/* Pyroscope's name syntax reserves these in app names. */
static bool app_name_ok(const char *v)
{
	if (!*v)
		return false;
	for (; *v; v++)
		if (strchr("{},=\" ", *v) || iscntrl((unsigned char)*v))
			return false;
	return true;
}

static bool duration_ok(const char *v, uint64_t *out, uint64_t min, uint64_t max)
{
	return !daemon_parse_duration(v, out) && *out >= min && *out <= max;
}

static void set_profile(struct parse *p, const char *key, const char *v)
{
	struct daemon_config *c = p->c;
	uint64_t n;
	bool b;

	if (!strcmp(key, "mode")) {
		unsigned int alloc = c->events & SESSION_ALLOC;

		if (!strcmp(v, "cpu"))
			c->events = SESSION_CPU | alloc;
		else if (!strcmp(v, "wall"))
			c->events = SESSION_CPU | SESSION_OFFCPU | alloc;
		else
			parse_fail(p, "[profile] mode: '%s' is not cpu or wall", v);
	} else if (!strcmp(key, "alloc")) {
		if (parse_bool(v, &b))
			parse_fail(p, "[profile] alloc: '%s' is not on or off", v);
		else
			c->events = b ? c->events | SESSION_ALLOC : c->events & ~(unsigned int)SESSION_ALLOC;
	} else if (!strcmp(key, "events")) {
		/* Any kind by its -e word, from the collector list; mode and
		 * alloc are shorthands for the common sets. */
		if (collector_events_parse(v, &c->events))
			parse_fail(p, "[profile] events: '%s' is not a list of event kinds (e.g. "
				   "cpu,offcpu,alloc)", v);
	} else if (!strcmp(key, "frequency")) {
		char *end;
		unsigned long hz;

		errno = 0;
		hz = strtoul(v, &end, 10);
		if (!isdigit((unsigned char)*v) || *end || errno || hz < 1 || hz > 1000)
			parse_fail(p, "[profile] frequency: '%s' is not a number of Hz from 1 to 1000",
				   v);
		else
			c->freq_hz = (unsigned int)hz;
	} else if (!strcmp(key, "period")) {
		if (!duration_ok(v, &n, 1, 86400))
			parse_fail(p, "[profile] period: '%s' is not a duration from 1s to 1d (e.g. 60s, 5m)",
				   v);
		else
			c->period_s = (unsigned int)n;
	} else if (!strcmp(key, "unwind")) {
		if (session_unwind_parse(v, &c->unwind))
			parse_fail(p, "[profile] unwind: '%s' is not auto, hotspot or fp", v);
	} else if (!strcmp(key, "sampler")) {
		/* The experiments (jitter, weighted) are for `record` only. */
		if (!strcmp(v, "per-thread"))
			c->sampler = CPU_SAMPLER_PER_THREAD;
		else if (!strcmp(v, "per-cpu"))
			c->sampler = CPU_SAMPLER_PER_CPU;
		else
			parse_fail(p, "[profile] sampler: '%s' is not per-thread or per-cpu", v);
	} else {
		parse_fail(p, "[profile] %s: unknown key; known: mode, alloc, events, frequency, period, unwind, sampler",
			   key);
	}
}

static void set_output(struct parse *p, const char *key, const char *v)
{
	struct daemon_config *c = p->c;

	if (!strcmp(key, "directory")) {
		if (v[0] != '/' || strlen(v) > PATH_MAX - 256)
			parse_fail(p, "[output] directory: '%s' is not an absolute path", v);
		else if (set_string(&c->dir, v))
			parse_fail(p, "out of memory");
	} else if (!strcmp(key, "folded")) {
		if (parse_bool(v, &c->folded))
			parse_fail(p, "[output] folded: '%s' is not on or off", v);
	} else if (!strcmp(key, "max_age")) {
		if (daemon_parse_duration(v, &c->max_age_s))
			parse_fail(p, "[output] max_age: '%s' is not a duration (e.g. 7d, 12h; 0 keeps all)",
				   v);
	} else if (!strcmp(key, "max_bytes")) {
		if (daemon_parse_size(v, &c->max_bytes))
			parse_fail(p, "[output] max_bytes: '%s' is not a size (e.g. 500M, 2G; 0: no limit)",
				   v);
	} else {
		parse_fail(p, "[output] %s: unknown key; known: directory, folded, max_age, max_bytes",
			   key);
	}
}

/* auto, off, or a duration in range. */
static void set_naming_time(struct parse *p, const char *v)
{
	uint64_t ms;

	if (!strcmp(v, "auto"))
		p->c->naming_ms = DAEMON_NAMING_AUTO;
	else if (!strcmp(v, "off"))
		p->c->naming_ms = 0;
	else if (daemon_parse_millis(v, &ms) || ms < DAEMON_NAMING_MIN_MS || ms > DAEMON_NAMING_MAX_MS)
		parse_fail(p, "[limits] naming_time: '%s' is not auto, off or a duration from %ums to "
			      "%us (e.g. 250ms, 1s)",
			   v, DAEMON_NAMING_MIN_MS, DAEMON_NAMING_MAX_MS / 1000);
	else
		p->c->naming_ms = (unsigned int)ms;
}

static void set_limits(struct parse *p, const char *key, const char *v)
{
	if (!strcmp(key, "memory")) {
		if (daemon_parse_size(v, &p->c->memory) || p->c->memory < DAEMON_MIN_MEMORY)
			parse_fail(p, "[limits] memory: '%s' is not a size of at least %llu M (e.g. 96M, 1G)",
				   v, DAEMON_MIN_MEMORY >> 20);
	} else if (!strcmp(key, "naming_time")) {
		set_naming_time(p, v);
	} else {
		parse_fail(p, "[limits] %s: unknown key; known: memory, naming_time", key);
	}
}

static void set_secret(struct parse *p, const char *key, const char *v, char **dst)
{
	int err = read_secret(v, dst);

	if (err == -SECRET_NOT_REGULAR)
		parse_fail(p, "[push] %s: '%s' is not a regular file; point it at a file", key, v);
	else if (err == -SECRET_OPEN_MODE)
		parse_fail(p, "[push] %s: '%s' is readable or writable by others (or writable by its "
			      "group); fix: chmod 600 '%s'", key, v, v);
	else if (err == -SECRET_OWNER)
		parse_fail(p, "[push] %s: '%s' belongs to another user, who could change it; fix: "
			      "chown root '%s'", key, v, v);
	else if (err)
		parse_fail(p, "[push] %s: cannot read '%s': %s", key, v,
			   err == -ENODATA ? "empty file" :
			   err == -EFBIG   ? "longer than 4 KiB" :
					     strerror(-err));
	/* Sent as one header line: longer would be cut (pyroscope.h). */
	else if (dst == &p->c->bearer_token && strlen(*dst) > PYROSCOPE_MAX_HEADER_VALUE)
		parse_fail(p, "[push] %s: the token in '%s' is %zu bytes, over %u; check the file "
			      "holds just the token", key, v, strlen(*dst), PYROSCOPE_MAX_HEADER_VALUE);
}

static void set_push(struct parse *p, const char *key, const char *v)
{
	struct daemon_config *c = p->c;

	if (!strcmp(key, "url")) {
		if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
			parse_fail(p, "[push] url: '%s' is not an http:// or https:// URL", v);
		else if (set_string(&c->push_url, v))
			parse_fail(p, "out of memory");
	} else if (!strcmp(key, "app_name") || !strcmp(key, "service_name")) {
		if (!app_name_ok(v))
			parse_fail(p, "[push] %s: '%s' is empty or has one of { } , = \" or a space", key,
				   v);
		else if (set_string(key[0] == 'a' ? &c->app_name : &c->service_name, v))
			parse_fail(p, "out of memory");
	} else if (!strcmp(key, "bearer_token_file")) {
		set_secret(p, key, v, &c->bearer_token);
	} else if (!strcmp(key, "basic_password_file")) {
		set_secret(p, key, v, &c->basic_password);
	} else if (!strcmp(key, "tenant_id") && strlen(v) > PYROSCOPE_MAX_HEADER_VALUE) {
		parse_fail(p, "[push] tenant_id: %zu bytes, over %u", strlen(v),
			   PYROSCOPE_MAX_HEADER_VALUE);
	} else if (!strcmp(key, "basic_user") || !strcmp(key, "tenant_id")) {
		if (set_string(key[0] == 'b' ? &c->basic_user : &c->tenant_id, v))
			parse_fail(p, "out of memory");
	} else {
		parse_fail(p, "[push] %s: unknown key; known: url, app_name, service_name, "
			      "bearer_token_file, basic_user, basic_password_file, tenant_id",
			   key);
	}
}

static void set_metrics(struct parse *p, const char *key, const char *v)
{
	struct daemon_config *c = p->c;

	if (strcmp(key, "listen")) {
		parse_fail(p, "[metrics] %s: unknown key; known: listen", key);
		return;
	}
	if (!strcmp(v, "off")) {
		c->metrics_on = false;
		return;
	}
	if (daemon_parse_listen(v, &c->metrics_addr, &c->metrics_addr_len)) {
		parse_fail(p, "[metrics] listen: '%s' is not ADDRESS:PORT (e.g. 127.0.0.1:9464) or off",
			   v);
		return;
	}
	c->metrics_on = true;
	if (set_string(&c->metrics_listen, v))
		parse_fail(p, "out of memory");
}

static int on_key(void *user, const char *section, const char *key, const char *value)
{
	struct parse *p = user;

	if (p->failed)
		return 1;
	if (!strcmp(section, "profile"))
		set_profile(p, key, value);
	else if (!strcmp(section, "output"))
		set_output(p, key, value);
	else if (!strcmp(section, "push"))
		set_push(p, key, value);
	else if (!strcmp(section, "metrics"))
		set_metrics(p, key, value);
	else if (!strcmp(section, "limits"))
		set_limits(p, key, value);
	else if (!*section)
		parse_fail(p, "%s: key outside a section; put it under [profile], [output], [push], "
			      "[metrics] or [limits]",
			   key);
	else
		parse_fail(p, "[%s]: unknown section; known: profile, output, push, metrics, limits",
			   section);
	return !p->failed;
}

void daemon_config_defaults(struct daemon_config *c)
{
	memset(c, 0, sizeof(*c));
	c->events = SESSION_CPU;
	c->freq_hz = 19;
	c->period_s = 60;
	c->metrics_on = true;
	c->memory = DAEMON_DEFAULT_MEMORY;
	c->naming_ms = DAEMON_NAMING_AUTO;
	daemon_parse_listen(DAEMON_DEFAULT_LISTEN, &c->metrics_addr, &c->metrics_addr_len);
}

void daemon_config_free(struct daemon_config *c)
{
	free(c->dir);
	free(c->push_url);
	free(c->app_name);
	free(c->service_name);
	free(c->bearer_token);
	free(c->basic_user);
	free(c->basic_password);
	free(c->tenant_id);
	free(c->metrics_listen);
	memset(c, 0, sizeof(*c));
}

/* What needs the whole file: defaults that depend on other keys. */
static int config_complete(struct parse *p)
{
	struct daemon_config *c = p->c;

	if ((!c->dir && set_string(&c->dir, DAEMON_DEFAULT_DIR)) ||
	    (!c->metrics_listen && set_string(&c->metrics_listen, DAEMON_DEFAULT_LISTEN)) ||
	    (!c->app_name && set_string(&c->app_name, "flink.taskmanager")) ||
	    (!c->service_name && set_string(&c->service_name, c->app_name)))
		return -ENOMEM;
	p->line = 0;
	if (!c->basic_user != !c->basic_password) {
		snprintf(p->err, p->errlen, "%s: [push] basic_user and basic_password_file go together",
			 p->name);
		return -EINVAL;
	}
	/* The naming time is spent while the period is written: as long as
	 * the period, the next one would start late. */
	if (c->naming_ms != DAEMON_NAMING_AUTO && c->naming_ms >= c->period_s * 1000ull) {
		snprintf(p->err, p->errlen,
			 "%s: [limits] naming_time (%u ms) must be shorter than [profile] period (%u s)",
			 p->name, c->naming_ms, c->period_s);
		return -EINVAL;
	}
	return 0;
}

int daemon_config_parse(const char *text, const char *name, struct daemon_config *c, char *err,
			size_t errlen)
{
	struct parse p = { .text = text, .pos = text, .name = name, .err = err, .errlen = errlen };
	int rc, ret = 0;

	daemon_config_defaults(c);
	p.c = c;
	rc = ini_parse_stream(string_reader, &p, on_key, &p);
	/* libinih returns the first line it could not parse (no '=' or ']'),
	 * which may come before the first bad key. */
	if (rc > 0 && (!p.failed || rc < p.fail_line)) {
		p.failed = false;
		p.line = rc;
		parse_fail(&p, "expected 'key = value' or '[section]'");
	}
	if (p.long_line && (!p.failed || p.long_line <= p.fail_line)) {
		p.failed = false;
		p.line = p.long_line;
		parse_fail(&p, "line too long (keep lines under 200 characters; secrets go in files)");
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot parse: out of memory", name);
		ret = -ENOMEM;
	} else if (p.failed) {
		ret = -EINVAL;
	} else {
		ret = config_complete(&p);
	}
	if (ret) {
		daemon_config_free(c);
		daemon_config_defaults(c);
	}
	return ret;
}

int daemon_config_load(const char *path, struct daemon_config *c, char *err, size_t errlen)
{
	FILE *f;
	char *text = NULL;
	size_t n = 0;
	int ret;

	daemon_config_defaults(c);
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-ret));
		return ret;
	}
	text = malloc(CONFIG_MAX_BYTES + 1);
	if (!text) {
		ret = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto cleanup;
	}
	n = fread(text, 1, CONFIG_MAX_BYTES + 1, f);
	if (ferror(f)) {
		ret = -EIO;
		snprintf(err, errlen, "%s: cannot read", path);
		goto cleanup;
	}
	if (n > CONFIG_MAX_BYTES) {
		ret = -EFBIG;
		snprintf(err, errlen, "%s: larger than 1 MiB; is this the configuration file?", path);
		goto cleanup;
	}
	text[n] = '\0';
	if (strlen(text) != n) {
		ret = -EINVAL;
		snprintf(err, errlen, "%s: contains NUL bytes; is this a text file?", path);
		goto cleanup;
	}
	ret = daemon_config_parse(text, path, c, err, errlen);
cleanup:
	free(text);
	fclose(f);
	return ret;
}
