// SPDX-License-Identifier: GPL-2.0
#include "agent/daemon/daemon_metrics.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/core/target.h"

/* A slow or silent client is dropped after this. */
#define CONN_TIMEOUT_MS 5000

struct metric_desc {
	const char *name, *type, *help;
	size_t offset;
};

#define M(field, name, type, help) { name, type, help, offsetof(struct daemon_metrics, field) }

static const struct metric_desc metric_descs[] = {
	M(targets, "tmprof_targets", "gauge", "TaskManagers being profiled."),
	M(targets_added, "tmprof_targets_added_total", "counter", "TaskManagers picked up since start."),
	M(samples, "tmprof_samples_total", "counter", "Events gathered (CPU samples, scheduler switches, allocations)."),
	M(lost_samples, "tmprof_lost_samples_total", "counter", "Stacks lost and events dropped in the kernel."),
	M(sym_hits, "tmprof_symbolization_hits_total", "counter", "Addresses resolved to a name."),
	M(sym_misses, "tmprof_symbolization_misses_total", "counter", "Addresses left unnamed."),
	M(perf_map_refreshes, "tmprof_perf_map_refreshes_total", "counter", "JIT perf maps reloaded after unnamed JIT code."),
	M(pushes, "tmprof_pushes_total", "counter", "Profiles pushed to Pyroscope."),
	M(push_failures, "tmprof_push_failures_total", "counter", "Pushes to Pyroscope that failed or were skipped."),
	M(push_ms, "tmprof_push_milliseconds_total", "counter", "Time spent pushing to Pyroscope."),
	M(periods, "tmprof_periods_written_total", "counter", "Periods written."),
	M(files_written, "tmprof_files_written_total", "counter", "Profile files written."),
	M(write_errors, "tmprof_write_errors_total", "counter", "Profile files that could not be written."),
	M(retention_deleted, "tmprof_retention_deleted_files_total", "counter", "Files deleted by retention."),
	M(session_restarts, "tmprof_session_restarts_total", "counter", "Collector restarts (config reload, full stack maps)."),
	M(rss_bytes, "tmprof_resident_memory_bytes", "gauge", "Resident set size of the daemon."),
	M(open_fds, "tmprof_open_fds", "gauge", "Open file descriptors of the daemon."),
	M(perf_events, "tmprof_perf_events_open", "gauge", "Sampling perf events open (per thread of each TaskManager, or per CPU)."),
	M(memory_budget, "tmprof_memory_budget_bytes", "gauge", "The daemon's memory budget ([limits] memory): caches are evicted to keep RSS under it."),
	M(cache_bytes, "tmprof_cache_bytes_total", "gauge", "Bytes held by all caches (symbols, perf maps, ELF tables, Java, class and thread names)."),
	M(cache_evictions, "tmprof_cache_evictions_total", "counter", "Caches emptied to stay under the memory budget."),
	M(attach_pending, "tmprof_attach_requests_pending", "gauge", "Attach requests to JVMs queued or running (off the sampling loop)."),
	M(period_write_max_ms, "tmprof_period_write_max_milliseconds", "gauge", "Longest time writing one period (names, files, pushes) since start."),
	M(loop_turn_max_ms, "tmprof_loop_turn_max_milliseconds", "gauge", "Longest turn of the sampling loop other than a period's writing since start."),
	M(stacks_named_late, "tmprof_stacks_named_late_total", "counter", "New stacks named in a later loop turn than the one that drained them (the turn's time for naming was used up)."),
	M(stacks_left_to_build, "tmprof_stacks_left_to_build_total", "counter", "New stacks the loop had no time to name: the period's build named them, or wrote them unnamed if their process had exited."),
	M(stacks_named_cheaply, "tmprof_stacks_named_cheaply_total", "counter", "Stacks a period's build wrote with cheap names (cached names, else the module) because its naming time was used up."),
	M(setup_results_dropped, "tmprof_setup_results_dropped_total", "counter", "Unwind tables or HotSpot set-ups read off the loop but not installed: the process exec'd, its pid was reused, or it left meanwhile."),
};

int daemon_metrics_format(const struct daemon_metrics *m, char *buf, size_t len)
{
	size_t off = 0;

	for (size_t i = 0; i < sizeof(metric_descs) / sizeof(metric_descs[0]); i++) {
		const struct metric_desc *d = &metric_descs[i];
		uint64_t v;
		int n;

		memcpy(&v, (const char *)m + d->offset, sizeof(v));
		n = snprintf(buf + off, len - off, "# HELP %s %s\n# TYPE %s %s\n%s %" PRIu64 "\n",
			     d->name, d->help, d->name, d->type, d->name, v);
		if (n < 0 || (size_t)n >= len - off)
			return -ENOSPC;
		off += (size_t)n;
	}
	return (int)off;
}

int daemon_metrics_format_per_tm(char *buf, size_t len, size_t off, const char *name,
				 const char *help, const char *const *tms, const uint64_t *values,
				 size_t n)
{
	return daemon_metrics_format_labeled(buf, len, off, name, help, "taskmanager", tms, values, n);
}

int daemon_metrics_format_labeled(char *buf, size_t len, size_t off, const char *name,
				  const char *help, const char *label, const char *const *tms,
				  const uint64_t *values, size_t n)
{
	int w;

	if (off >= len)
		return -ENOSPC;
	w = snprintf(buf + off, len - off, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	if (w < 0 || (size_t)w >= len - off)
		return -ENOSPC;
	off += (size_t)w;
	for (size_t i = 0; i < n; i++) {
		char esc[256];
		size_t e = 0;

		/* Label values escape backslash, double quote and newline. */
		for (const char *c = tms[i]; *c && e + 3 < sizeof(esc); c++) {
			if (*c == '\\' || *c == '"' || *c == '\n') {
				esc[e++] = '\\';
				esc[e++] = *c == '\n' ? 'n' : *c;
			} else {
				esc[e++] = *c;
			}
		}
		esc[e] = '\0';
		w = snprintf(buf + off, len - off, "%s{%s=\"%s\"} %" PRIu64 "\n", name, label, esc,
			     values[i]);
		if (w < 0 || (size_t)w >= len - off)
			return -ENOSPC;
		off += (size_t)w;
	}
	return (int)off;
}

void daemon_self_usage(uint64_t *rss_bytes, uint64_t *open_fds)
{
	unsigned long long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "re");
	DIR *d;
	struct dirent *de;

	*rss_bytes = *open_fds = 0;
	if (f) {
		if (fscanf(f, "%llu %llu", &size, &resident) == 2)
			*rss_bytes = resident * (uint64_t)sysconf(_SC_PAGESIZE);
		fclose(f);
	}
	d = opendir("/proc/self/fd");
	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			(*open_fds)++;
	if (*open_fds)
		(*open_fds)--; /* the directory's own fd */
	closedir(d);
}

int daemon_http_status(const char *head, size_t len)
{
	const char *sp, *path, *end = head + len;
	size_t plen;

	sp = memchr(head, ' ', len);
	if (!sp || sp == head)
		return 400;
	path = sp + 1;
	sp = memchr(path, ' ', (size_t)(end - path));
	if (!sp || (size_t)(end - sp) < 9 || strncmp(sp + 1, "HTTP/1.", 7))
		return 400;
	if (!((path - head == 4 && !strncmp(head, "GET", 3)) ||
	      (path - head == 5 && !strncmp(head, "HEAD", 4))))
		return 405;
	plen = strcspn(path, "? ");
	if ((size_t)(sp - path) < plen)
		plen = (size_t)(sp - path);
	return plen == 8 && !strncmp(path, "/metrics", 8) ? 200 : 404;
}

static void conn_close(struct metrics_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

int metrics_server_open(struct metrics_server *m, const struct sockaddr *addr, socklen_t len)
{
	int one = 1, err;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	for (size_t i = 0; i < METRICS_MAX_CONNS; i++)
		m->conns[i].fd = -1;
	m->fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->fd < 0)
		return -errno;
	setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(m->fd, addr, len) < 0 || listen(m->fd, 16) < 0) {
		err = -errno;
		close(m->fd);
		m->fd = -1;
		return err;
	}
	return 0;
}

void metrics_server_close(struct metrics_server *m)
{
	if (m->fd < 0) /* never opened: the connection slots are not set up */
		return;
	for (size_t i = 0; i < METRICS_MAX_CONNS; i++)
		if (m->conns[i].fd >= 0 || m->conns[i].out)
			conn_close(&m->conns[i]);
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}

size_t metrics_server_pollfds(struct metrics_server *m, struct pollfd *fds, size_t max)
{
	size_t n = 0;

	if (m->fd < 0 || max < 1 + METRICS_MAX_CONNS)
		return 0;
	fds[n++] = (struct pollfd){ .fd = m->fd, .events = POLLIN };
	for (size_t i = 0; i < METRICS_MAX_CONNS; i++) {
		struct metrics_conn *c = &m->conns[i];

		fds[n++] = (struct pollfd){ .fd = c->fd, .events = c->out ? POLLOUT : POLLIN };
	}
	return n;
}

static void conn_accept(struct metrics_server *m)
{
	for (;;) {
		int fd = accept4(m->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		size_t i;

		if (fd < 0)
			return;
		for (i = 0; i < METRICS_MAX_CONNS && m->conns[i].fd >= 0; i++)
			;
		if (i == METRICS_MAX_CONNS) {
			/* All taken: a client that connected and sent nothing
			 * must not lock the scraper out, so the oldest such one
			 * goes. Answers being sent finish. */
			size_t old = METRICS_MAX_CONNS;

			for (size_t k = 0; k < METRICS_MAX_CONNS; k++)
				if (!m->conns[k].out && (old == METRICS_MAX_CONNS ||
							 m->conns[k].deadline_ms < m->conns[old].deadline_ms))
					old = k;
			if (old == METRICS_MAX_CONNS) { /* busy answering: the scraper retries */
				close(fd);
				continue;
			}
			conn_close(&m->conns[old]);
			i = old;
		}
		m->conns[i].fd = fd;
		m->conns[i].inlen = 0;
		m->conns[i].deadline_ms = monotonic_ms() + CONN_TIMEOUT_MS;
	}
}

static int conn_respond(struct metrics_conn *c, int status, metrics_render_fn render, void *ctx)
{
	static const char *const reason[] = { [0] = "OK", [1] = "Bad Request", [2] = "Not Found",
					      [3] = "Method Not Allowed" };
	int r = status == 200 ? 0 : status == 400 ? 1 : status == 404 ? 2 : 3;
	char *body = NULL, head[256];
	size_t blen = 0;
	int hlen;
	bool head_only = !strncmp(c->in, "HEAD ", 5);

	if (status == 200 && render(ctx, &body, &blen)) {
		status = 500;
		body = NULL;
		blen = 0;
	}
	hlen = snprintf(head, sizeof(head),
			"HTTP/1.0 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			"Connection: close\r\n\r\n",
			status, status == 500 ? "Internal Server Error" : reason[r],
			status == 200 ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain", blen);
	c->out = malloc((size_t)hlen + blen);
	if (!c->out) {
		free(body);
		return -ENOMEM;
	}
	memcpy(c->out, head, (size_t)hlen);
	if (blen && !head_only)
		memcpy(c->out + hlen, body, blen);
	c->outlen = (size_t)hlen + (head_only ? 0 : blen);
	c->outoff = 0;
	free(body);
	return 0;
}

static void conn_read(struct metrics_conn *c, metrics_render_fn render, void *ctx)
{
	ssize_t n = read(c->fd, c->in + c->inlen, sizeof(c->in) - 1 - c->inlen);
	char *end;

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			conn_close(c);
		return;
	}
	c->inlen += (size_t)n;
	c->in[c->inlen] = '\0';
	end = strstr(c->in, "\r\n\r\n");
	if (!end)
		end = strstr(c->in, "\n\n");
	if (!end && c->inlen < sizeof(c->in) - 1)
		return; /* more to come */
	/* Only the request line matters. */
	if (conn_respond(c, daemon_http_status(c->in, strcspn(c->in, "\r\n")), render, ctx))
		conn_close(c);
}

static void conn_write(struct metrics_conn *c)
{
	ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			conn_close(c);
		return;
	}
	c->outoff += (size_t)n;
	if (c->outoff == c->outlen)
		conn_close(c);
}

void metrics_server_handle(struct metrics_server *m, const struct pollfd *fds, size_t n,
			   metrics_render_fn render, void *ctx)
{
	uint64_t now = monotonic_ms();

	if (!n || m->fd < 0)
		return;
	for (size_t i = 1; i < n && i <= METRICS_MAX_CONNS; i++) {
		struct metrics_conn *c = &m->conns[i - 1];

		if (c->fd < 0 || fds[i].fd != c->fd)
			continue;
		if (fds[i].revents & (POLLERR | POLLNVAL))
			conn_close(c);
		else if (c->out && (fds[i].revents & (POLLOUT | POLLHUP)))
			conn_write(c);
		else if (!c->out && (fds[i].revents & (POLLIN | POLLHUP)))
			conn_read(c, render, ctx);
	}
	/* Expiry on every call, whatever poll() reported: a client that never
	 * sends produces no event. */
	for (size_t i = 0; i < METRICS_MAX_CONNS; i++)
		if (m->conns[i].fd >= 0 && now > m->conns[i].deadline_ms)
			conn_close(&m->conns[i]);
	if (fds[0].revents & POLLIN)
		conn_accept(m);
}
