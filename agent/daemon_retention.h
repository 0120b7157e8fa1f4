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
};

struct retention_result {
	uint64_t deleted;      /* files */
	uint64_t deleted_bytes;
	uint64_t temps;        /* temporaries left by a killed daemon, removed */
	uint64_t kept;
	uint64_t kept_bytes;
};

/* The daemon's output names: "<YYYYMMDD>T<HHMMSS>Z[-N][.alloc].pb.gz" or
 * ".folded". Pure: for tests. */
bool daemon_output_name_ok(const char *name);
/* atomic_file's temporary of such a file: ".<name>.tmprof-XXXXXX". */
bool daemon_temp_name_ok(const char *name);

/* Apply p to every directory under dir. The daemon writes from the thread
 * that calls this, so any temporary found is a leftover and is removed. */
int daemon_retention_run(const char *dir, const struct retention_policy *p, time_t now,
			 struct retention_result *r);

#endif
