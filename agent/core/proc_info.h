// SPDX-License-Identifier: GPL-2.0
/* Facts about a process read from /proc: ids, namespaces, command line. */
#ifndef TMPROF_AGENT_PROC_INFO_H
#define TMPROF_AGENT_PROC_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_status {
	pid_t tgid;
	pid_t nspid;  /* innermost pid namespace id (last NSpid field); = tgid if none */
	uid_t euid;
	gid_t egid;
	char name[64];
};

/* Parse the text of /proc/PID/status. */
int proc_status_parse(const char *text, size_t len, struct proc_status *out);
/* Read /proc/PID/status. -ESRCH if the process does not exist. */
int proc_status_read(pid_t pid, struct proc_status *out);
/* Innermost-namespace id of thread tid of process pid (NSpid of
 * /proc/PID/task/TID/status), or -errno. */
int proc_thread_nstid(pid_t pid, pid_t tid, pid_t *nstid);

/* argv of the process: NUL-separated /proc/PID/cmdline split into a
 * malloc'd vector (argv[argc] == NULL). Free with proc_argv_free. */
int proc_argv_read(pid_t pid, char ***argv, int *argc);
int proc_argv_parse(const char *buf, size_t len, char ***argv, int *argc);
void proc_argv_free(char **argv);

/* True when the process lives in another pid namespace than tmprof. */
bool proc_in_other_pidns(pid_t pid);
bool proc_exists(pid_t pid);

/* Read /proc/PID/<name> (name e.g. "environ", "task/12/status") into a
 * malloc'd NUL-terminated buffer of at most max bytes (-EFBIG if larger).
 * -ESRCH if the process does not exist. */
int proc_file_read(pid_t pid, const char *name, size_t max, char **buf, size_t *len);
/* Read a small /proc/PID/<name> file (name e.g. "stat", "task/12/schedstat")
 * into buf (size bytes, NUL-terminated, truncated at size - 1): one read,
 * no allocation, for files read per thread every few seconds. Returns the
 * length; -ESRCH if the file is gone or empty (the task exited). */
ssize_t proc_text_read(pid_t pid, const char *name, char *buf, size_t size);
/* Parse the first field of /proc/.../schedstat (ns on CPU, the scheduler's
 * sum_exec_runtime). -EINVAL if not a number. */
int schedstat_parse(const char *text, uint64_t *cpu_ns);
/* The third field of /proc/.../schedstat: how many times the thread was
 * put on a CPU (its context switches in). -EINVAL if malformed. */
int schedstat_parse_runs(const char *text, uint64_t *runs);
/* The sum of that over the threads of pid alive now, at most max_threads of
 * them (a target's thread list is its own to grow). -ESRCH if pid is gone. */
int proc_switches(pid_t pid, unsigned int max_threads, uint64_t *count);
/* CPU time of thread tid of tgid from its schedstat, in ns. */
int proc_thread_cpu_ns(pid_t tgid, pid_t tid, uint64_t *cpu_ns);
/* 1 if process pid shares namespace ns ("mnt", "net", "pid", ...) with
 * tmprof, 0 if not, -errno if it cannot be told. */
int proc_ns_shared(pid_t pid, const char *ns);

#endif
