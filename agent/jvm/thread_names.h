/* Full Java thread names (Linux truncates comm to 15 characters).
 *
 * Names come from a thread dump taken over the attach protocol; its nid= is
 * the thread id in the JVM's pid namespace, mapped back to host tids through
 * /proc/PID/task/TID/status NSpid.
 */
#ifndef TMPROF_AGENT_THREAD_NAMES_H
#define TMPROF_AGENT_THREAD_NAMES_H

#include <stddef.h>
#include <sys/types.h>

struct thread_dump_entry {
	pid_t nid;        /* native thread id as printed by the JVM (its namespace) */
	char *name;       /* full thread name, unescaped, malloc'd */
};

/* Parse Thread.print / threaddump output: every line that starts with a
 * quoted thread name and carries nid=0x.. (JDK <19) or nid=N (JDK 19+). */
int thread_dump_parse(const char *text, size_t len, struct thread_dump_entry **out, size_t *count);
void thread_dump_free(struct thread_dump_entry *entries, size_t count);

struct thread_names;

int thread_names_new(pid_t pid, struct thread_names **out);
void thread_names_free(struct thread_names *tn);
/* Take a thread dump and remap names to host tids. Rate-limited: returns 0
 * without work if the last refresh was less than min_interval_ms ago. */
int thread_names_refresh(struct thread_names *tn, int min_interval_ms);
/* Full name for host tid, or NULL if unknown. */
const char *thread_names_get(const struct thread_names *tn, pid_t tid);
/* Record a tid seen in samples; returns 1 if it is new (not named yet and
 * not seen before), so the caller knows a refresh may be worthwhile. */
int thread_names_note_tid(struct thread_names *tn, pid_t tid);

#endif
