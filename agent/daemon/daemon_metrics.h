// SPDX-License-Identifier: GPL-2.0
/* The daemon's Prometheus endpoint: the metrics text, and a tiny HTTP/1.0
 * server that the main loop polls (non-blocking sockets, no threads, a
 * handful of connections, each closed after one answer). */
#ifndef TMPROF_AGENT_DAEMON_METRICS_H
#define TMPROF_AGENT_DAEMON_METRICS_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct daemon_metrics {
	uint64_t targets;            /* TaskManagers profiled now */
	uint64_t targets_added;      /* since the daemon started */
	uint64_t samples;            /* events gathered by the collectors */
	uint64_t lost_samples;       /* user/kernel stacks lost, events dropped */
	uint64_t sym_hits, sym_misses; /* frames named / unnamed (native, JIT, kernel) */
	uint64_t perf_map_refreshes;
	uint64_t pushes, push_failures;
	uint64_t push_ms;            /* time spent pushing */
	uint64_t periods;            /* periods written */
	uint64_t files_written, write_errors;
	uint64_t retention_deleted;
	uint64_t session_restarts;   /* collectors reopened (reload, stack maps full) */
	uint64_t rss_bytes, open_fds;
	uint64_t perf_events;        /* sampling perf events open (one fd each) */
	uint64_t memory_budget;      /* [limits] memory */
	uint64_t cache_bytes;        /* all caches (per cache: daemon_metrics_format_labeled) */
	uint64_t cache_evictions;    /* caches emptied to stay under the budget */
	uint64_t attach_pending;     /* attach requests queued or running */
	/* The longest the loop was busy in one turn since start: writing a
	 * period (names, files, pushes), and any other turn (draining,
	 * starting targets, applying the worker's results). */
	uint64_t period_write_max_ms, loop_turn_max_ms;
	/* New stacks past a loop turn's time for naming them: named in a
	 * later turn, or left to the period's build. */
	uint64_t stacks_named_late, stacks_left_to_build;
	/* Stacks a period's build wrote with cheap names past its naming
	 * budget; unwind/HotSpot set-ups read for a program the process no
	 * longer ran (or a target gone), not installed. */
	uint64_t stacks_named_cheaply, setup_results_dropped;
};

/* Prometheus text exposition format 0.0.4. Returns the length, or -ENOSPC
 * if buf is too small. Pure: for tests. */
int daemon_metrics_format(const struct daemon_metrics *m, char *buf, size_t len);

/* One gauge with a taskmanager label per TaskManager (label values escaped
 * as the text format wants). Appends at buf + off; returns the new length,
 * or -ENOSPC. Pure: for tests. */
int daemon_metrics_format_per_tm(char *buf, size_t len, size_t off, const char *name,
				 const char *help, const char *const *tms, const uint64_t *values,
				 size_t n);

/* The same with any label name (label values escaped alike). */
int daemon_metrics_format_labeled(char *buf, size_t len, size_t off, const char *name,
				  const char *help, const char *label, const char *const *values_of,
				  const uint64_t *values, size_t n);

/* RSS (from /proc/self/statm) and open file descriptors (/proc/self/fd). */
void daemon_self_usage(uint64_t *rss_bytes, uint64_t *open_fds);

/* How the server answers a request head: 200 for GET or HEAD /metrics, 404
 * other paths, 405 other methods, 400 garbage. Pure: for tests. */
int daemon_http_status(const char *head, size_t len);

#define METRICS_MAX_CONNS 8
#define METRICS_REQUEST_MAX 2048

struct metrics_conn {
	int fd;                        /* -1: free */
	char in[METRICS_REQUEST_MAX];
	size_t inlen;
	char *out;
	size_t outlen, outoff;
	uint64_t deadline_ms;
};

struct metrics_server {
	int fd; /* -1: off */
	struct metrics_conn conns[METRICS_MAX_CONNS];
};

/* Bind and listen (-errno: the address is busy or not ours). */
int metrics_server_open(struct metrics_server *m, const struct sockaddr *addr, socklen_t len);
void metrics_server_close(struct metrics_server *m);

/* Fill fds with what to poll for; returns how many (at most 1 + conns). */
size_t metrics_server_pollfds(struct metrics_server *m, struct pollfd *fds, size_t max);

/* The body of a /metrics answer, rendered on demand into a malloc'd buffer. */
typedef int (*metrics_render_fn)(void *ctx, char **body, size_t *len);

/* Act on what poll() returned for the fds of metrics_server_pollfds. */
void metrics_server_handle(struct metrics_server *m, const struct pollfd *fds, size_t n,
			   metrics_render_fn render, void *ctx);

#endif
