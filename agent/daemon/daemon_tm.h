// SPDX-License-Identifier: GPL-2.0
/* Finding TaskManagers on the host, and naming them for file names and
 * Pyroscope tags. */
#ifndef TMPROF_AGENT_DAEMON_TM_H
#define TMPROF_AGENT_DAEMON_TM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "agent/jvm/jvm_info.h"

/* Longest TaskManager id kept (a file name component). */
#define DAEMON_TM_ID_MAX 96

/* Make text a safe file name component: [A-Za-z0-9._-] kept, anything else
 * '_', no leading '.', at most DAEMON_TM_ID_MAX - 1 bytes. -EINVAL (and
 * out empty) when nothing is left. Pure: for tests. */
int daemon_tm_id_sanitize(const char *text, char *out, size_t len);

/* The TaskManager's name: -Dtaskmanager.resource-id, else (in a container)
 * the container's /etc/hostname, read inside its root without leaving it,
 * else the PID. Always file-name safe. */
void daemon_tm_id(const struct jvm_info *j, char *out, size_t len);

/* comm (field 2) and starttime (field 22) of a /proc/PID/stat text. Pure. */
int daemon_proc_stat_parse(const char *text, char *comm, size_t comm_len,
			   unsigned long long *start_time);

/* Seconds since a process started (starttime in clock ticks since boot). */
double daemon_process_age_s(unsigned long long start_ticks);

struct daemon_tm_found {
	pid_t pid;
	uid_t uid; /* owner of /proc/PID when it was classified */
	unsigned long long start_time;
	char id[DAEMON_TM_ID_MAX];
};

/* A target is (uid, resource id, start time), not the id it claims alone:
 * any local user can start a process claiming a real TaskManager's id.
 * A process with the same id as one profiled now and another uid, or the
 * same uid but both alive, gets its own series: "<id>-u<uid>" (stable
 * across restarts), or "<id>-u<uid>-p<pid>" when the same uid already
 * holds that. A TaskManager restarted by the same user (its old process
 * gone) shares the id. */
struct daemon_tm_claim {
	const char *id;  /* the id claimed (before any suffix) */
	const char *out; /* the id given (NULL: same as id) */
	uid_t uid;
	pid_t pid;
	unsigned long long start_time;
	bool alive;
};
/* The id mine gets against the claims held now: 0 (out = mine->id) or 1
 * (a collision: out suffixed; *with the colliding claim's index). Pure. */
int daemon_tm_id_claim(const struct daemon_tm_claim *held, size_t n,
		       const struct daemon_tm_claim *mine, char *out, size_t len, size_t *with);

struct daemon_proc_seen;

/* What earlier scans learnt, so that a scan reads /proc/PID/stat of each
 * process and looks closer only at processes it has not classified yet. */
struct daemon_discovery {
	struct daemon_proc_seen *seen;
	size_t nseen;
	struct daemon_tm_found *tms; /* result of the last scan, by pid */
	size_t ntms, tms_cap;
};

/* Scan /proc: d->tms lists every TaskManager alive now. */
int daemon_discovery_scan(struct daemon_discovery *d);
void daemon_discovery_free(struct daemon_discovery *d);

#endif
