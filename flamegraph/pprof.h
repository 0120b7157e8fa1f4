/* pprof export: a profile as gzip-compressed profile.proto
 * (github.com/google/pprof/proto/profile.proto), what `go tool pprof`,
 * Pyroscope, Grafana, Datadog and speedscope read.
 *
 * The protobuf is encoded by hand (varints and length-delimited fields), so
 * only zlib is needed. Each distinct frame name becomes one Function and one
 * Location (address 0, one Line) of a single Mapping marked as symbolized,
 * so readers do not try to symbolize it. Functions have a name and no
 * system_name: pprof takes name == system_name for a name still to
 * demangle and "simplifies" it, cutting "(1/2)" from task names and
 * "(libfoo.so)" from unknown frames. Samples list their locations leaf
 * first, as profile.proto requires (the profile stores root first).
 *
 * tmprof's pseudo-frames at the root of a stack, "[<thread name> tid=N]" and
 * "[<TaskManager> pid=N]", are dropped from pprof stacks by default: in pprof
 * a thread or process is a label, not a function. The labeler turns them
 * into labels (see pprof_labels_default).
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
	/* counts are allocated bytes; the object count of each stack comes
	 * from pprof_options.value2: alloc_space/bytes and alloc_objects/count */
	PPROF_KIND_ALLOC,
};

#define PPROF_LABEL_KEY_MAX 64
#define PPROF_LABEL_VALUE_MAX 512
/* At most this many labels per sample are asked from the labeler. */
#define PPROF_LABELS_MAX 16

/* A string label of one sample. Fixed buffers, so a labeler needs no
 * memory management; longer text is cut by the labeler. An empty key means
 * "no label" and is skipped. */
struct pprof_label {
	char key[PPROF_LABEL_KEY_MAX];
	char value[PPROF_LABEL_VALUE_MAX];
};

/* Fill out[0..max) with the labels of stack s (frames root first, as in the
 * profile, before any pseudo-frame is dropped). Returns the number written
 * (values above max are clamped) or a negative errno, which aborts the
 * encoding with that error. */
typedef int (*pprof_labels_fn)(void *ctx, const struct profile_stack *s, const struct profile *p,
			       struct pprof_label *out, size_t max);

/* Second value of stack number index (profile_stack_get order) for
 * PPROF_KIND_ALLOC: the number of objects. A parallel array indexed by
 * stack number works: return ((uint64_t *)ctx)[index]. */
typedef uint64_t (*pprof_value2_fn)(void *ctx, size_t index, const struct profile_stack *s);

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
	pprof_value2_fn value2;
	void *value2_ctx;
	/* NULL: pprof_labels_default with labels_ctx. */
	pprof_labels_fn labels;
	void *labels_ctx;
	/* Keep the [... tid=N] / [... pid=N] root frames in pprof stacks
	 * (they are labels either way). */
	bool keep_pseudo_frames;
	/* Optional free text stored as the profile's comment. */
	const char *comment;
};

/* Settings for pprof_labels_default (its ctx; NULL means all false). */
struct pprof_default_labels {
	/* No "tid" label. Pyroscope turns every distinct label set into a
	 * series; thread ids change on every TaskManager restart. */
	bool omit_tid;
};

/* The default labeler. From the root frames:
 *   "[<name> pid=N]"  -> process=<name>, pid=N
 *   "[<name> tid=N]"  -> thread=<name>, tid=N, and when <name> is a Flink
 *                        task name "<chain> (<i>/<n>)#<attempt>":
 *                        operator_chain=<chain>, subtask=<i>
 *   "[cpu]", "[runqueue]", "[backpressured]", "[idle]", "[blocked]" right
 *                        under the thread frame -> state=<state>
 * Label keys are valid Pyroscope / Prometheus label names. */
int pprof_labels_default(void *ctx, const struct profile_stack *s, const struct profile *p,
			 struct pprof_label *out, size_t max);

/* Parse a pseudo-frame "[<name> <key>=<digits>]" (key "tid" or "pid").
 * Returns true and the name's span and the number's span within frame. */
bool pprof_pseudo_frame_parse(const char *frame, const char *key, const char **name,
			      size_t *name_len, const char **num, size_t *num_len);

/* Encode p as gzip-compressed profile.proto into a malloc'd buffer (the
 * caller frees *buf). o may be NULL (CPU at 99 Hz). Stacks with a zero count
 * or without frames are left out, as in the folded output. Returns 0 or a
 * negative errno (-EINVAL for bad options, -ENOMEM, or the labeler's). */
int pprof_encode(const struct profile *p, const struct pprof_options *o, unsigned char **buf,
		 size_t *len);

/* Encode and write to path atomically (see atomic_file.h). */
int pprof_write_file(const struct profile *p, const char *path, const struct pprof_options *o);

#endif
