// SPDX-License-Identifier: GPL-2.0
/* Java frame names for one JVM process, read from its memory.
 *
 * The BPF unwinder records Java frames as encoded words (bpf/hotspot.h):
 * compiled frames as (compile_id, pc offset in the code cache), interpreted
 * frames as (Method*, bci). This turns such a word into names: for a
 * compiled pc the physical method and the methods inlined into it at that
 * pc (from the nmethod's debug information), for an interpreted frame its
 * method, each with signature, bci and source line.
 *
 * Caches and why they stay correct:
 *  - Compiled words are cached by (compile id, pc offset, leaf). A compile
 *    id names one nmethod for the JVM's whole life, so an entry made while
 *    that nmethod was verifiably at the pc is right forever. A word whose
 *    compile id is not the nmethod now at its pc (freed, the space reused)
 *    and that is not in the cache gives one FRAME_UNKNOWN "[stale nmethod]":
 *    never the name of whatever lives there now.
 *  - Methods are cached by Method*. Metaspace is reused after class
 *    unloading, so a cached Method is re-validated on every use: its
 *    hotspot_method_id (ConstMethod, ConstantPool, holder and the three name
 *    Symbol pointers, six small reads) must read back unchanged, and the
 *    three Symbols must still read as the cached names, else it is read
 *    afresh. Pointers alone do not do: a class reloaded in a fresh loader
 *    (a restarted Flink job, ClassChurn's generations) gets the unloaded
 *    one's metaspace back block for block, and its Symbols the freed
 *    Symbols' memory, so all six can match while the names differ
 *    (method_renamed). Comparing fewer fields (say only _constMethod) would
 *    also miss a class reloaded at the same addresses from a changed jar.
 *  - Every cache is bounded (entries, bytes); a full cache is emptied.
 *    Names are interned in a pool with a byte budget and stay valid until
 *    java_frames_free or java_frames_flush; past the budget names degrade
 *    to "[unknown java method]". Worst case about 100 MiB, typically a
 *    few MiB.
 *
 * Not thread-safe: one caller at a time per object.
 */
#ifndef TMPROF_SYMBOLIZE_JAVA_FRAMES_H
#define TMPROF_SYMBOLIZE_JAVA_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/hotspot.h"
#include "symbolize/hotspot_nmethod.h"
#include "symbolize/symbolizer.h"
#include "symbolize/target_mem.h"
#include "symbolize/vmstructs.h"

struct java_frame {
	const char *name;      /* "org.apache.flink.Foo.bar", owned by the java_frames object */
	const char *signature; /* "(I)V" or "" */
	int line;              /* -1 unknown */
	int bci;               /* -1 unknown (or method entry) */
	enum frame_kind kind;  /* FRAME_JIT (physical compiled frame), FRAME_INLINED,
				* FRAME_INTERPRETED, FRAME_NATIVE (named stub: "Interpreter",
				* "StubRoutines (1)"...), FRAME_UNKNOWN */
};

/* Names of the frames that could not be named. */
#define JAVA_FRAME_STALE "[stale nmethod]"
#define JAVA_FRAME_UNREADABLE "[unknown nmethod]"
#define JAVA_FRAME_UNKNOWN_METHOD "[unknown java method]"

struct java_frames_stats {
	uint64_t hits;            /* compiled words answered from the cache */
	uint64_t misses;          /* compiled words decoded from target memory */
	uint64_t stale;           /* compiled words whose nmethod is gone or replaced */
	uint64_t unreadable;      /* target memory unreadable or nonsense */
	uint64_t no_pcdesc;       /* no PcDesc for the pc: physical method only */
	uint64_t bad_debug_info;  /* debug info undecodable: physical method only */
	uint64_t stubs;           /* non-nmethod code blobs named */
	uint64_t interpreted;     /* interpreted words */
	uint64_t method_hits;     /* Method* cache hits (validated) */
	uint64_t method_misses;   /* Methods read */
	uint64_t method_reused;   /* cached Method* that now holds another method */
	uint64_t method_renamed;  /* ... of which with the same pointers, other names */
	uint64_t method_unreadable;
	uint64_t evictions;       /* caches emptied because full */
	/* Gauges. */
	uint64_t chains, methods, nmethods, string_bytes;
};

struct java_frames;

/* mem reads the target; vs is its vmStructs (only used here, not kept).
 * The code cache layout is read from the CodeCache statics. -ENOENT: a
 * needed vmStructs entry is missing; -EFAULT/-EINVAL: the code cache could
 * not be read (JVM not initialised yet?). */
int java_frames_new(const struct mem_reader *mem, const struct vmstructs *vs,
		    struct java_frames **out);
void java_frames_free(struct java_frames *jf);

/* Use this code cache layout instead of the one read at creation (the
 * agent's copy, or a test's). */
void java_frames_set_codecache(struct java_frames *jf, const struct hotspot_cfg *cfg);
const struct hotspot_cfg *java_frames_codecache(const struct java_frames *jf);

/* word: an encoded Java frame (bpf/hotspot.h). leaf: the stack's leaf (a
 * sampled pc, not a return address). Writes up to max frames, outermost
 * first (the physical method, then inlined callees, innermost last; a
 * longer chain is cut at max). Returns how many (>= 1), or -EINVAL (not a
 * Java word, max 0), -ENOMEM. A frame that cannot be named is one
 * FRAME_UNKNOWN frame (JAVA_FRAME_*), not an error. */
int java_frames_resolve(struct java_frames *jf, uint64_t word, bool leaf, struct java_frame *out,
			size_t max);

/* PcDesc rule for leaf frames (default JAVA_PC_FOLLOWING, HotSpot's). */
void java_frames_set_pc_rule(struct java_frames *jf, enum java_pc_rule rule);

/* CodeBlob::_name of the blob holding pc ("Interpreter", "nmethod",
 * "StubRoutines (1)", ...): 0 and *name (owned by jf), or -ENOENT. */
int java_frames_blob_name(struct java_frames *jf, uint64_t pc, const char **name);

/* What holds pc now, named as a perf map would: an nmethod by its method
 * (FRAME_JIT, no inlining: a raw pc carries no compile id or scope), any
 * other blob by its name (FRAME_NATIVE). For frame-pointer stacks of a JDK
 * that writes no perf map (JDK 11). 0, or -ENOENT (no blob, unreadable). */
int java_frames_name_pc(struct java_frames *jf, uint64_t pc, struct java_frame *out);

/* Drop every cache and name: pointers handed out before become invalid.
 * For long-running callers between reporting periods. */
int java_frames_flush(struct java_frames *jf);

void java_frames_stats(const struct java_frames *jf, struct java_frames_stats *out);

#endif
