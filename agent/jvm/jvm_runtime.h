// SPDX-License-Identifier: GPL-2.0
/* What tmprof needs from a running JVM's libjvm.so: where it is, where the
 * allocation hooks are (for uprobes), and its vmStructs (for reading its
 * objects). Found from outside, without attaching. */
#ifndef TMPROF_AGENT_JVM_RUNTIME_H
#define TMPROF_AGENT_JVM_RUNTIME_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "symbolize/target_mem.h"
#include "symbolize/vmstructs.h"

struct jvm_runtime {
	pid_t pid;
	char libjvm[PATH_MAX];       /* as the target maps it */
	char libjvm_host[PATH_MAX];  /* the same file from tmprof's namespace */
	bool has_symtab;
	/* File offsets of AllocTracer::send_allocation_in_new_tlab and
	 * ::send_allocation_outside_tlab (the hooks JFR uses); 0: not found. */
	uint64_t alloc_in_new_tlab, alloc_outside_tlab;
	struct mem_reader mem;
	struct vmstructs vs;
	bool vmstructs_ok;
	bool vmstructs_ints_ok; /* vs also has the int constants (gHotSpotVMIntConstants) */
};

/* -ENOENT: no libjvm.so mapped; -ESRCH: gone. vmStructs failures are kept
 * in vmstructs_ok, not fatal. */
int jvm_runtime_open(pid_t pid, struct jvm_runtime *out);
void jvm_runtime_close(struct jvm_runtime *rt);

/* Opens that reused the symbol answers of a libjvm file seen before
 * instead of scanning its tables again (tests). */
uint64_t jvm_runtime_lookups_reused(void);

#endif
