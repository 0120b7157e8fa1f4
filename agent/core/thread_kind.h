// SPDX-License-Identifier: GPL-2.0
/* What a JVM thread is, from its full name: Flink task threads and their
 * operator chain / subtask, Flink's helper threads, and the JVM's own. */
#ifndef TMPROF_AGENT_THREAD_KIND_H
#define TMPROF_AGENT_THREAD_KIND_H

#include <stddef.h>

enum thread_kind {
	THREAD_TASK,           /* "<chain> (<i>/<n>)#<attempt>" */
	THREAD_LEGACY_SOURCE,  /* "Legacy Source Thread - <task>" */
	THREAD_OUTPUT_FLUSHER, /* "OutputFlusher for <task>" */
	THREAD_TIME_TRIGGER,   /* "Time Trigger for <task>" */
	THREAD_NETTY,
	THREAD_ROCKSDB,
	THREAD_GC,
	THREAD_JIT,
	THREAD_VM,             /* other JVM-internal threads */
	THREAD_OTHER,
	THREAD_KIND__MAX,
};

#define TASK_MAX_OPERATORS 32

/* A parsed task name. Operator names point into `buf`. */
struct task_name {
	char buf[1024];
	const char *operators[TASK_MAX_OPERATORS];
	int noperators;
	int subtask;     /* 1-based, as in the name */
	int parallelism;
	int attempt;
};

/* Parse "<chain> (<subtask>/<parallelism>)#<attempt>"; the chain is split on
 * " -> " outside parentheses. Returns 0, or -EINVAL if name is not a task
 * name (also when subtask is 0 or above parallelism). */
int thread_kind_task_parse(const char *name, struct task_name *out);

enum thread_kind thread_kind_of(const char *name);
const char *thread_kind_name(enum thread_kind kind);

#endif
