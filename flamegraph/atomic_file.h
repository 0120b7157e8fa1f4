// SPDX-License-Identifier: GPL-2.0
/* Output files that are either complete or absent.
 *
 * Data goes to an exclusive temporary file next to the destination (created
 * with O_EXCL, so no symlink is followed), is flushed and fsync'ed, then
 * renamed over the destination. A crash, a full disk or an abort leaves the
 * previous destination untouched and no temporary behind.
 */
#ifndef TMPROF_FLAMEGRAPH_ATOMIC_FILE_H
#define TMPROF_FLAMEGRAPH_ATOMIC_FILE_H

#include <stdio.h>

struct atomic_file {
	FILE *fp;
	char *path;
	char *tmp_path;
};

/* Create the temporary file now, so an unwritable destination is reported
 * before any work is done. Returns 0 or -errno. */
int atomic_file_open(struct atomic_file *af, const char *path);
/* Flush, fsync and rename. On failure the temporary is removed. */
int atomic_file_commit(struct atomic_file *af);
/* Remove the temporary. Safe to call after commit or on a zeroed struct. */
void atomic_file_abort(struct atomic_file *af);

#endif
