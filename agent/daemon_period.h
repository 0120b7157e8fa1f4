/* The end of a daemon period: one profile per TaskManager out of the shared
 * session, written as DIR/<tm>/<UTC start>.pb.gz (and .folded, and
 * .alloc.pb.gz with allocations), each file complete or absent, and pushed
 * to Pyroscope when configured. */
#ifndef TMPROF_AGENT_DAEMON_PERIOD_H
#define TMPROF_AGENT_DAEMON_PERIOD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent/daemon_tm.h"

struct daemon_config;
struct profile;
struct session;
struct state_rules;

/* The TaskManager id of each session target; pids sharing an id (a
 * TaskManager restarted within the period) share one file. */
struct daemon_tm_name {
	pid_t pid;
	char id[DAEMON_TM_ID_MAX];
};

struct daemon_period_result {
	uint64_t files_written, write_errors;
	uint64_t pushes, push_failures;
};

/* "20240131T235959Z" for a Unix time in ns. Pure: for tests. */
void daemon_stamp_format(int64_t unix_ns, char *out, size_t len);

/* Stacks whose root frame is "[... pid=N]" go, without that frame, to
 * the profile of N's TaskManager (outs[i] for names[i].id; the same
 * profile for equal ids). Stacks of other pids are left out. */
int daemon_profile_split(const struct profile *all, const struct daemon_tm_name *names,
			 size_t nnames, struct profile **outs);

/* After session_cut: build, split, write and push. Errors are logged and
 * counted; the daemon carries on. */
void daemon_period_write(struct session *s, const struct daemon_config *c,
			 const struct state_rules *rules, const struct daemon_tm_name *names,
			 size_t nnames, struct daemon_period_result *r);

#endif
