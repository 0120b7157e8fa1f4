// SPDX-License-Identifier: GPL-2.0
/* Retention of the daemon's output: per TaskManager directory, files older
 * than max_age go, then the oldest until the directory holds at most
 * max_bytes. Only files named as the daemon names them are touched, and
 * no symlink is followed. */
#ifndef TMPROF_AGENT_DAEMON_RETENTION_H
#define TMPROF_AGENT_DAEMON_RETENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct retention_policy {
	uint64_t max_age_s; /* 0: no age limit */
	uint64_t max_bytes; /* per directory; 0: no size limit */
	/* Temporaries and empty directories younger than this are another
	 * writer's work in progress (a `tmprof record`, a second daemon) and
	 * stay; 0: RETENTION_STALE_S. */
	uint64_t stale_s;
};

/* Far longer than any write of one output file takes. */
#define RETENTION_STALE_S 3600

struct retention_result {
	uint64_t deleted;      /* files */
	uint64_t deleted_bytes;
	uint64_t temps;        /* stale temporaries (a killed writer's), removed */
	uint64_t dirs;         /* stale empty TaskManager directories, removed */
	uint64_t kept;
	uint64_t kept_bytes;
};

/* The daemon's output names: "<YYYYMMDD>T<HHMMSS>Z[-N][.alloc].pb.gz" or
 * ".folded". Pure: for tests. */
bool daemon_output_name_ok(const char *name);
/* atomic_file's temporary of such a file: ".<name>.tmprof-XXXXXX". */
bool daemon_temp_name_ok(const char *name);

/* Apply p to every directory under dir. Temporaries older than p->stale_s
 * are leftovers of a killed writer and are removed; so are directories
 * that are empty and unchanged for that long (a TaskManager long gone). */
int daemon_retention_run(const char *dir, const struct retention_policy *p, time_t now,
			 struct retention_result *r);

#endif
