// SPDX-License-Identifier: GPL-2.0
/* Who starves whom: a target thread's run-queue time summed per task that
 * ran on its CPU meanwhile (the SPAN_CULPRIT rows of bpf/offcpu.bpf.c),
 * by process, and where that process lives (cgroup, container). */
#ifndef TMPROF_AGENT_CULPRITS_H
#define TMPROF_AGENT_CULPRITS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bpf/abi.h"

struct culprit_total {
	uint32_t tgid; /* 0: the idle task, or no task known (ring overrun) */
	char comm[TMPROF_COMM_LEN + 1];
	uint64_t ns;
	uint64_t comm_ns; /* ns of the comm kept: a process's busiest thread names it */
};

struct culprit_list {
	struct culprit_total *v;
	size_t n, cap;
};

/* Adds ns charged to (tgid, comm): one entry per process. */
int culprit_list_add(struct culprit_list *l, uint32_t tgid, const char *comm, uint64_t ns);
/* Most run-queue time first (ties: lower pid). */
void culprit_list_sort(struct culprit_list *l);
void culprit_list_free(struct culprit_list *l);

/* The cgroup v2 path of a /proc/PID/cgroup text ("0::/path"; a v1-only
 * host: the first hierarchy's path). "" when none. */
void culprit_cgroup_parse(const char *text, char *out, size_t len);
/* The container id a cgroup path names (docker-<id>.scope,
 * cri-containerd-<id>.scope, crio-<id>.scope, .../docker/<id>,
 * kubepods .../<id>: a 64-hex-digit component), its first 12 digits as
 * docker shows them; "" when none. */
void culprit_container_of(const char *cgroup, char *out, size_t len);
/* A process's name: its thread group leader's comm (/proc/PID/comm, one
 * bounded read), as ps shows it -- the comm of the thread that ran names
 * only that thread. fallback when the process is gone. */
void culprit_process_name(pid_t pid, const char *fallback, char *out, size_t len);
/* Both, for a live process ("" for either when it is gone). */
void culprit_where(pid_t pid, char *cgroup, size_t cglen, char *container, size_t ctlen);

#endif
