// SPDX-License-Identifier: GPL-2.0
/* pprof export: a profile as gzip-compressed profile.proto
 * (github.com/google/pprof/proto/profile.proto), what `go tool pprof`,
 * Pyroscope, Grafana, Datadog and speedscope read.
 *
 * The protobuf is encoded by hand (varints and length-delimited fields), so
 * only zlib is needed. The profile's structure maps onto pprof's: each
 * frame is one Location (address 0, one Line) of its module's Mapping
 * (marked as symbolized, so readers do not try to symbolize), and its
 * Function is the frame's name without any folded suffix (a method compiled
 * and inlined is one function). A frame nothing named is the function
 * "[unknown] (module)", as viewers show function names only. Functions have
 * no system_name: pprof takes name == system_name for a name still to
 * demangle and "simplifies" it, cutting "(1/2)" from task names. Samples list
 * their locations leaf first, as profile.proto requires, and carry the
 * profile's labels (thread, tid, pid, process, operator_chain, subtask,
 * state) as string labels.
 *
 * Of the pseudo-frames the text writers draw (flamegraph/frame_text.h),
 * only the wall-clock state frame stays at the root of pprof stacks by
 * default: it splits a flame graph by state, which a label cannot.
 */
#ifndef TMPROF_FLAMEGRAPH_PPROF_H
#define TMPROF_FLAMEGRAPH_PPROF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flamegraph/profile.h"

/* What the profile's counts mean; selects the pprof sample types. */
enum pprof_kind {
	/* counts are CPU samples at hz:
	 * samples/count and cpu/nanoseconds (count * 1e9 / hz) */
	PPROF_KIND_CPU = 0,
	/* counts are microseconds of wall-clock time (tmprof -e wall):
	 * wall/nanoseconds (count * 1000) */
	PPROF_KIND_WALL,
	/* counts are microseconds off CPU (tmprof -e offcpu):
	 * off_cpu/nanoseconds (count * 1000) */
	PPROF_KIND_OFFCPU,
	/* value 0 is allocated bytes, value 1 allocated objects (the profile
	 * must have two values): alloc_space/bytes and alloc_objects/count */
	PPROF_KIND_ALLOC,
};

struct pprof_options {
	enum pprof_kind kind;
	/* PPROF_KIND_CPU: sampling frequency in Hz; 0 means 99. */
	unsigned int hz;
	/* Start of the recording (Unix time in ns) and its length; time 0
	 * means "now - duration". */
	int64_t time_nanos;
	int64_t duration_nanos;
	/* PPROF_KIND_ALLOC: the sampling interval in bytes (pprof's period;
	 * informational). Ignored otherwise: the period follows from the kind. */
	int64_t alloc_period;
	/* No "tid" label. Pyroscope turns every distinct label set into a
	 * series; thread ids change on every TaskManager restart. */
	bool omit_tid;
	/* Keep the [... tid=N] / [... pid=N] root frames in pprof stacks
	 * (they are labels either way). */
	bool keep_pseudo_frames;
	/* Optional free text stored as the profile's comment. */
	const char *comment;
};

/* Encode p as gzip-compressed profile.proto into a malloc'd buffer (the
 * caller frees *buf). o may be NULL (CPU at 99 Hz). Other kinds than alloc
 * read the first value of each sample. Samples with a zero value or without
 * frames and pseudo-frames are left out, as in the folded output. Returns 0
 * or a negative errno (-EINVAL for bad options or an alloc profile with one
 * value, -ENOMEM). */
int pprof_encode(const struct profile *p, const struct pprof_options *o, unsigned char **buf,
		 size_t *len);

/* Encode and write to path atomically (see atomic_file.h). */
int pprof_write_file(const struct profile *p, const char *path, const struct pprof_options *o);

#endif
