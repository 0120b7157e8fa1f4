// SPDX-License-Identifier: GPL-2.0
/* Where a JVM's Java frames can come from, found without attaching to it
 * (tmprof list): HotSpot unwinding when its vmStructs describe a layout
 * tmprof's unwinder and namer know; else the perf map, when its libjvm has
 * the Compiler.perfmap command (JDK 17+) and attach is not disabled; else
 * none. Each answer other than hotspot says why. */
#ifndef TMPROF_AGENT_JAVA_SOURCE_H
#define TMPROF_AGENT_JAVA_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/jvm/jvm_info.h"

enum java_source {
	JAVA_SOURCE_UNKNOWN = 0, /* not probed (not root, process gone) */
	JAVA_SOURCE_HOTSPOT,
	JAVA_SOURCE_PERFMAP,
	JAVA_SOURCE_NONE,
};

struct java_source_info {
	enum java_source source;
	char why[256]; /* "" for hotspot */
};

/* "hotspot", "perfmap", "none" or "?". */
const char *java_source_name(enum java_source source);

/* The answer from what was found: hotspot_err is 0 or why HotSpot
 * unwinding would be off (hotspot_cfg_read / java_frames_new errors),
 * has_perfmap whether libjvm knows Compiler.perfmap. Pure: for tests. */
void java_source_decide(int hotspot_err, bool has_perfmap, bool attach_disabled,
			struct java_source_info *out);

/* Probe the running JVM j (reads its memory and its libjvm.so). */
void java_source_probe(const struct jvm_info *j, struct java_source_info *out);

/* Does the file open on fd contain the bytes needle? 1 yes, 0 no, -errno. */
int java_source_fd_has(int fd, const char *needle);

#endif
