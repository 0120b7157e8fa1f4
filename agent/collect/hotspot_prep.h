// SPDX-License-Identifier: GPL-2.0
/* A JVM's HotSpot unwinding set-up read from its memory, apart from
 * installing it: libjvm's symbols, its vmStructs, the code cache layout
 * (hotspot_cfg_read), the Java frame namer (java_frames_new) and the
 * address of its unloaded-classes counter.
 *
 * Reading takes a libjvm symbol table and walks tables the target itself
 * fills (vmStructs), through /proc/PID/mem: a hostile or slow JVM can make
 * that long. The daemon does it on a worker thread (agent/jvm/attach_worker.h)
 * and its loop only installs the result; `record` reads in line. Nothing
 * here touches a session or a target. */
#ifndef TMPROF_AGENT_HOTSPOT_PREP_H
#define TMPROF_AGENT_HOTSPOT_PREP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "bpf/hotspot.h"

struct java_frames;
struct jvm_runtime;
struct target;

/* A JVM that just started has no code cache yet: tries per target, about
 * one a second. */
#define HOTSPOT_TRIES 30

struct hotspot_prep {
	/* Opened by hotspot_prep_build (NULL when the caller's runtime was
	 * read): kept even when err says unwinding is off, for the reason. */
	struct jvm_runtime *rt;
	struct hotspot_cfg cfg;   /* with err 0 */
	struct java_frames *java; /* with err 0 */
	uint64_t unloaded_addr;   /* java.cls.unloadedClasses; 0: not found */
	/* 0, or why HotSpot unwinding is off: -ENOENT is "not set up yet"
	 * (no libjvm mapped, vmStructs or code cache not ready), worth
	 * another try; anything else is final. */
	int err;
};

/* Read from rt (an open runtime of the JVM) into p, which is zeroed
 * first; the outcome is p->err, also returned. */
int hotspot_prep_fill(const struct jvm_runtime *rt, struct hotspot_prep *p);

/* Open pid's runtime and, with unwind, read the set-up from it: *out
 * (hotspot_prep_free) with its err, or -ENOMEM and no *out. Without
 * unwind only rt is kept (err: the runtime's). Safe on any thread. */
int hotspot_prep_build(pid_t pid, bool unwind, struct hotspot_prep **out);

/* Is another try worth it after one that ended with err, tries made so
 * far? Only "not set up yet" (-ENOENT), HOTSPOT_TRIES in all. */
bool hotspot_prep_retry(int err, unsigned int tries);

/* Move what p read into t (cheap: nothing of the target is read): the
 * runtime when t has none, and with p->err 0 the configuration and, when
 * t has none, the namer. Returns p->err. */
int hotspot_prep_install(struct hotspot_prep *p, struct target *t);

/* What p holds and p itself; NULL is fine. */
void hotspot_prep_free(struct hotspot_prep *p);

#endif
