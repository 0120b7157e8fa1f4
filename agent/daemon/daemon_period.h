// SPDX-License-Identifier: GPL-2.0
/* The end of a daemon period: one profile per TaskManager out of the shared
 * session, written as DIR/<tm>/<UTC start>.pb.gz (and .folded, and
 * .alloc.pb.gz with allocations), each file complete or absent, and pushed
 * to Pyroscope when configured. */
#ifndef TMPROF_AGENT_DAEMON_PERIOD_H
#define TMPROF_AGENT_DAEMON_PERIOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/daemon/daemon_tm.h"

struct build_input;
struct build_options;
struct daemon_config;
struct daemon_push_state;
struct daemon_pusher;
struct profile;
struct session;
struct state_rules;
struct category_rules;

/* The TaskManager id of each session target; pids sharing an id (a
 * TaskManager restarted within the period) share one file. */
struct daemon_tm_name {
	pid_t pid;
	char id[DAEMON_TM_ID_MAX];
};

struct daemon_period_result {
	uint64_t files_written, write_errors;
	uint64_t pushes, push_failures;
	/* What the push thread did since the last period (daemon_push.h). */
	uint64_t push_ms; /* time spent pushing, off the loop */
};

/* "20240131T235959Z" for a Unix time in ns. Pure: for tests. */
void daemon_stamp_format(int64_t unix_ns, char *out, size_t len);

/* The profile of names[group]'s TaskManager (every pid sharing its id),
 * built alone from in into the empty out: in's other targets are left out,
 * and so are the process label and frame (a file holds one TaskManager).
 * One group at a time, the period never holds every TaskManager's profile
 * at once. */
int daemon_profile_build_group(const struct build_input *in, const struct build_options *o,
			       const struct daemon_tm_name *names, size_t nnames, size_t group,
			       struct profile *out);

/* After session_cut: build and write one TaskManager at a time, and hand
 * its push to pusher (NULL: none) unless ps says to back off. Errors are
 * logged and counted; the daemon carries on. */
void daemon_period_write(struct session *s, const struct daemon_config *c,
			 const struct state_rules *rules, const struct category_rules *cats,
			 const struct daemon_tm_name *names, size_t nnames, struct daemon_push_state *ps,
			 struct daemon_pusher *pusher, struct daemon_period_result *r);

#endif
