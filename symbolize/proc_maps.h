// SPDX-License-Identifier: GPL-2.0
/* Memory mappings of a process, from /proc/PID/maps. */
#ifndef TMPROF_SYMBOLIZE_PROC_MAPS_H
#define TMPROF_SYMBOLIZE_PROC_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_map {
	uint64_t start, end; /* [start, end) */
	uint64_t offset;     /* file offset of start */
	uint64_t inode;
	unsigned int dev_major, dev_minor;
	char perms[5];       /* "r-xp" */
	bool deleted;        /* the path had a " (deleted)" suffix (stripped) */
	char *path;          /* "" for anonymous memory, "[heap]", "/usr/lib/x.so" */
};

struct proc_maps {
	struct proc_map *maps; /* sorted by start, non-overlapping */
	size_t count;
	size_t malformed;      /* lines that could not be parsed */
};

/* Parse the text of /proc/PID/maps (len bytes, NUL not required). */
int proc_maps_parse(const char *text, size_t len, struct proc_maps **out);
/* Read and parse /proc/PID/maps. -ESRCH if the process is gone. */
int proc_maps_read(pid_t pid, struct proc_maps **out);
/* The mapping containing addr, or NULL. */
const struct proc_map *proc_maps_find(const struct proc_maps *pm, uint64_t addr);
void proc_maps_free(struct proc_maps *pm);

/* Open the file behind a mapping of process pid, read-only: through
 * /proc/PID/map_files (works for deleted files and other mount namespaces),
 * else by its path inside the target's root without leaving it. A fd, or
 * -errno. */
int proc_map_open(pid_t pid, const struct proc_map *m);

/* The path, from tmprof's root, of a file process pid maps at path (as its
 * maps show it). Normally /proc/PID/root + path: a container's paths are
 * its own. But the kernel prints a mapped file's path from tmprof's root
 * when it can, so a target chrooted below a copy of tmprof's mount tree
 * shows the whole path: then path itself. -ENOENT if neither exists. */
int proc_map_host_path(pid_t pid, const char *path, char *out, size_t len);

/* Anonymous memory: no file behind it ("" or a "[anon:name]" label). */
bool proc_map_is_anon(const struct proc_map *m);
bool proc_map_is_exec(const struct proc_map *m);
/* A real file (absolute path), as opposed to anonymous or [vdso]-style. */
bool proc_map_is_file(const struct proc_map *m);
/* Last path component, or "[anon]" for anonymous memory. */
const char *proc_map_module(const struct proc_map *m);

#endif
