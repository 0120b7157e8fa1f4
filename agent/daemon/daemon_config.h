// SPDX-License-Identifier: GPL-2.0
/* The daemon's configuration file: INI (Debian's libinih), e.g.
 *
 *   [profile]
 *   mode = cpu              ; cpu | wall (on- and off-CPU, one timeline)
 *   alloc = off             ; on: Java allocations too (needs libjvm symbols)
 *   frequency = 19          ; Hz, 1..1000
 *   period = 60s            ; one file per TaskManager per period (s, m, h)
 *   sampler = per-thread    ; per-thread (one task-clock event per thread) |
 *                           ; per-cpu (one cpu-clock per CPU: fewer events,
 *                           ; biased against timer-woken threads)
 *
 *   [output]
 *   directory = /var/lib/tmprof
 *   folded = off            ; also write .folded next to the .pb.gz
 *   max_age = 7d            ; delete older files (0: keep)
 *   max_bytes = 1G          ; per TaskManager directory (0: no limit)
 *
 *   [push]                  ; optional: Grafana Pyroscope
 *   url = http://pyroscope:4040
 *   app_name = flink.taskmanager
 *   service_name = flink    ; the service_name tag (default: app_name)
 *   bearer_token_file = /etc/tmprof/token  ; regular, chmod 600, root's
 *   basic_user = 1234       ; with basic_password_file
 *   basic_password_file = /etc/tmprof/password
 *   tenant_id = team-a
 *
 *   [metrics]
 *   listen = 127.0.0.1:9464 ; off: no endpoint
 *
 *   [limits]
 *   memory = 96M            ; RSS budget: caches are evicted to stay under it
 *
 * Secrets come from files so that the configuration itself can stay
 * world-readable. Unknown sections or keys and bad values are errors that
 * name the file and line.
 */
#ifndef TMPROF_AGENT_DAEMON_CONFIG_H
#define TMPROF_AGENT_DAEMON_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "agent/core/session.h"

#define DAEMON_DEFAULT_DIR "/var/lib/tmprof"
#define DAEMON_DEFAULT_LISTEN "127.0.0.1:9464"
#define DAEMON_SECRET_MAX 4096

struct daemon_config {
	unsigned int events;  /* enum session_event bits */
	unsigned int freq_hz;
	enum session_unwind unwind;
	enum cpu_sampler_mode sampler; /* per thread (default) or per CPU */
	unsigned int period_s;
	char *dir;
	uint64_t max_age_s;   /* 0: keep */
	uint64_t max_bytes;   /* per TaskManager directory; 0: no limit */
	bool folded;
	char *push_url;       /* NULL: no push */
	char *app_name;
	char *service_name;
	char *bearer_token, *basic_user, *basic_password, *tenant_id;
	bool metrics_on;
	char *metrics_listen; /* as written, for messages */
	struct sockaddr_storage metrics_addr;
	socklen_t metrics_addr_len;
	uint64_t memory;      /* [limits] memory: the daemon's RSS budget */
	/* [limits] naming_time: the time a period's writing may spend naming
	 * the stacks the drains left, in ms; 0: no limit (off);
	 * DAEMON_NAMING_AUTO: a twentieth of the period, 250 ms to 1 s. */
	unsigned int naming_ms;
};

#define DAEMON_NAMING_AUTO UINT_MAX
/* naming_time's range when given: below 10 ms nothing the drains left gets
 * named; a minute is longer than any sensible period's writing. */
#define DAEMON_NAMING_MIN_MS 10u
#define DAEMON_NAMING_MAX_MS 60000u

/* Default and least [limits] memory: the daemon's own RSS with a few
 * TaskManagers is ~30 MiB (libraries, BPF, buffers), caches come on top. */
#define DAEMON_DEFAULT_MEMORY (96ull << 20)
#define DAEMON_MIN_MEMORY (32ull << 20)

void daemon_config_defaults(struct daemon_config *c);
void daemon_config_free(struct daemon_config *c);

/* Parse text (name: the file name for messages). On error returns -EINVAL
 * with "NAME:LINE: problem; fix" in err and c left with the defaults. */
int daemon_config_parse(const char *text, const char *name, struct daemon_config *c, char *err,
			size_t errlen);
/* Read and parse a file (-errno with the reason in err if unreadable). */
int daemon_config_load(const char *path, struct daemon_config *c, char *err, size_t errlen);

/* "90", "90s", "5m", "2h", "7d" -> seconds. Pure: for tests. */
int daemon_parse_duration(const char *text, uint64_t *out);
/* "250ms", "2s", "1m" -> milliseconds ("90": seconds). Pure: for tests. */
int daemon_parse_millis(const char *text, uint64_t *out);
/* "1048576", "512K", "100M", "1G", "1T" (binary units, optional B) -> bytes. */
int daemon_parse_size(const char *text, uint64_t *out);
/* "IPv4:port", "[IPv6]:port", "localhost:port". */
int daemon_parse_listen(const char *text, struct sockaddr_storage *out, socklen_t *len);

#endif
