// SPDX-License-Identifier: GPL-2.0
/* Full Java thread names (Linux truncates comm to 15 characters).
 *
 * Names come from a thread dump taken over the attach protocol; its nid= is
 * the thread id in the JVM's pid namespace, mapped back to host tids through
 * /proc/PID/task/TID/status NSpid.
 */
#ifndef TMPROF_AGENT_THREAD_NAMES_H
#define TMPROF_AGENT_THREAD_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct attach_reply;

/* Bounds on what a target's thread dump can make the daemon keep: the
 * dump comes from the target, which may be hostile. A name is cut at
 * THREAD_NAME_MAX_BYTES (on a UTF-8 boundary); a table holds at most
 * THREAD_NAMES_MAX_ENTRIES threads and THREAD_NAMES_MAX_BYTES of names
 * (threads past either stay unnamed: their comm is shown). */
#define THREAD_NAME_MAX_BYTES 1024
#define THREAD_NAMES_MAX_ENTRIES 16384
#define THREAD_NAMES_MAX_BYTES (1u << 20)

struct thread_dump_entry {
	pid_t nid;        /* native thread id as printed by the JVM (its namespace) */
	char *name;       /* full thread name, unescaped, malloc'd */
};

/* Parse Thread.print / threaddump output: every line that starts with a
 * quoted thread name and carries nid=0x.. (JDK <19) or nid=N (JDK 19+);
 * at most THREAD_NAMES_MAX_ENTRIES, names cut at THREAD_NAME_MAX_BYTES. */
int thread_dump_parse(const char *text, size_t len, struct thread_dump_entry **out, size_t *count);
void thread_dump_free(struct thread_dump_entry *entries, size_t count);

struct thread_names;

int thread_names_new(pid_t pid, struct thread_names **out);
void thread_names_free(struct thread_names *tn);
/* Take a thread dump and remap names to host tids. Rate-limited: returns 0
 * without work if the last refresh was less than min_interval_ms ago.
 * Blocks up to HOTSPOT_ATTACH_TIMEOUT_MS. */
int thread_names_refresh(struct thread_names *tn, int min_interval_ms);
/* The same in two steps, for a caller that takes the dump elsewhere (the
 * daemon's attach worker): is a refresh due (and counted as done now)? */
bool thread_names_due(struct thread_names *tn, int min_interval_ms);
/* Apply a Thread.print reply (hotspot_thread_headers): names of nids that
 * are threads of the process now, mapped to host tids. */
int thread_names_apply(struct thread_names *tn, const struct attach_reply *reply);
/* Drop threads that exited (no longer in /proc/PID/task) and shrink the
 * table: call when samples that may name them are written. */
int thread_names_prune(struct thread_names *tn);
/* Memory held (table and names), and threads known. */
size_t thread_names_bytes(const struct thread_names *tn);
size_t thread_names_count(const struct thread_names *tn);
/* Full name for host tid, or NULL if unknown. */
const char *thread_names_get(const struct thread_names *tn, pid_t tid);
/* Record a tid seen in samples; returns 1 if it is new (not named yet and
 * not seen before), so the caller knows a refresh may be worthwhile. */
int thread_names_note_tid(struct thread_names *tn, pid_t tid);

#endif
