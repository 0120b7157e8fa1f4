// SPDX-License-Identifier: GPL-2.0
/* Fuzz the Java frame namer (symbolize/java_frames.c, and through it
 * hotspot_nmethod.c and hotspot_method.c) on a fake memory image of the
 * target: the input is the target's memory at FUZZ_BASE, every read outside
 * it fails with -EFAULT. The vmStructs table is fixed (JDK 17 x86-64).
 *
 * Image layout (what the seeds in corpus/java_frames/ follow):
 *   0x00  8 encoded frame words (bpf/hotspot.h; bit 63 forced), resolved
 *         as leaf and as return address, twice (decoded, then cached), and
 *         a few variants of each (neighbouring pcs, compile id 0, bci
 *         unknown)
 *   0x40  CodeCache::_low_bound, 0x48 _high_bound, 0x50 _heaps (statics)
 *   0x58  the pc rule for leaf frames (java_frames_set_pc_rule), modulo 3:
 *         following, preceding, nearest
 *   0x60  the rest: code heap, segment map, nmethods, Methods, Symbols
 *
 * Invariants: java_frames_resolve returns 1..max (or -ENOMEM), every frame
 * has a name and a signature and a valid kind, and names handed out stay
 * valid until java_frames_flush / java_frames_free. */
#include <errno.h>
#include <stdbool.h>

#include "bpf/hotspot.h"
#include "symbolize/java_frames.h"
#include "tests/fuzz/fuzz_image.h"
#include "tests/fuzz/fuzz_util.h"

#define NWORDS 8
/* Image byte choosing the pc rule for leaf frames (modulo 3). */
#define RULE_AT 0x58
#define OUT_MAX 64
/* Names kept to check they are still valid at the end. */
#define KEEP_MAX 4096


#define F(t, f, o) { (char *)(t), (char *)(f), (o), 0, false }
#define S(t, f, a) { (char *)(t), (char *)(f), 0, FUZZ_BASE + (a), true }
static struct vmstructs_field fields[] = {
	F("CodeBlob", "_name", 0x60),
	F("CodeBlob", "_size", 0xc),
	F("CodeBlob", "_frame_complete_offset", 0x14),
	F("CodeBlob", "_frame_size", 0x1c),
	F("CodeBlob", "_code_begin", 0x20),
	F("CodeBlob", "_code_end", 0x28),
	F("nmethod", "_compile_id", 0x130),
	F("CompiledMethod", "_method", 0x70),
	F("CompiledMethod", "_scopes_data_begin", 0x78),
	F("nmethod", "_metadata_offset", 0x104),
	F("nmethod", "_scopes_pcs_offset", 0x10c),
	F("nmethod", "_dependencies_offset", 0x110),
	F("PcDesc", "_pc_offset", 0x0),
	F("PcDesc", "_scope_decode_offset", 0x4),
	S("CodeCache", "_low_bound", 0x40),
	S("CodeCache", "_high_bound", 0x48),
	S("CodeCache", "_heaps", 0x50),
	F("GrowableArrayBase", "_len", 0x0),
	F("GrowableArray<int>", "_data", 0x8),
	F("CodeHeap", "_memory", 0x8),
	F("CodeHeap", "_segmap", 0x78),
	F("CodeHeap", "_log2_segment_size", 0x100),
	F("VirtualSpace", "_low_boundary", 0x0),
	F("VirtualSpace", "_high_boundary", 0x8),
	F("VirtualSpace", "_low", 0x10),
	F("HeapBlock", "_header", 0x0),
	F("HeapBlock::Header", "_used", 0x8),
	F("Method", "_constMethod", 0x8),
	F("ConstMethod", "_constants", 0x8),
	F("ConstMethod", "_constMethod_size", 0x18),
	F("ConstMethod", "_flags", 0x1c),
	F("ConstMethod", "_code_size", 0x20),
	F("ConstMethod", "_name_index", 0x22),
	F("ConstMethod", "_signature_index", 0x24),
	F("ConstMethod", "_method_idnum", 0x26),
	F("ConstantPool", "_pool_holder", 0x18),
	F("ConstantPool", "_length", 0x3c),
	F("Klass", "_name", 0x18),
	F("Symbol", "_length", 0x4),
	F("Symbol", "_body", 0x6),
};
#undef F
#undef S
static struct vmstructs_type types[] = {
	{ (char *)"CodeBlob", 104 },     { (char *)"nmethod", 352 },
	{ (char *)"PcDesc", 16 },        { (char *)"HeapBlock", 16 },
	{ (char *)"ConstMethod", 48 },   { (char *)"ConstantPool", 72 },
};
static const struct vmstructs vs = {
	fields, sizeof(fields) / sizeof(fields[0]), types, sizeof(types) / sizeof(types[0]), NULL, 0
};

static const char *kept[KEEP_MAX];
static size_t nkept;

static void check_frames(const struct java_frame *f, int n, size_t max)
{
	if (n == -ENOMEM)
		return;
	if (n < 1 || (size_t)n > max)
		abort();
	for (int i = 0; i < n; i++) {
		if (!f[i].name || !f[i].signature || f[i].line < -1 || f[i].bci < -1)
			abort();
		switch (f[i].kind) {
		case FRAME_JIT:
		case FRAME_INLINED:
		case FRAME_INTERPRETED:
		case FRAME_NATIVE:
		case FRAME_UNKNOWN:
			break;
		default:
			abort();
		}
		/* Inlined frames only below a compiled one. */
		if (f[i].kind == FRAME_INLINED && i == 0)
			abort();
		(void)strlen(f[i].name);
		(void)strlen(f[i].signature);
		if (nkept + 2 <= KEEP_MAX) {
			kept[nkept++] = f[i].name;
			kept[nkept++] = f[i].signature;
		}
	}
}

/* Every name handed out since the last flush must still be readable. */
static void check_kept(void)
{
	size_t sum = 0;

	for (size_t i = 0; i < nkept; i++)
		sum += strlen(kept[i]);
	(void)sum;
	nkept = 0;
}

static void resolve(struct java_frames *jf, uint64_t word, bool leaf)
{
	struct java_frame out[OUT_MAX];
	int n;

	n = java_frames_resolve(jf, word, leaf, out, OUT_MAX);
	check_frames(out, n, OUT_MAX);
	/* A short buffer gets the outermost frames. */
	n = java_frames_resolve(jf, word, leaf, out, 1);
	check_frames(out, n, 1);
}

/* The words of one control slot: as given, and variants. */
static void resolve_word(struct java_frames *jf, uint64_t w)
{
	uint64_t variants[4];
	size_t nv = 0;

	w |= HS_FRAME_JAVA;
	variants[nv++] = w;
	if (hs_frame_is_compiled(w)) {
		uint32_t off = (uint32_t)w, id = hs_compiled_id(w);

		variants[nv++] = hs_frame_compiled(off + 1, id);
		variants[nv++] = hs_frame_compiled(off - 1, id);
		variants[nv++] = hs_frame_compiled(off, 0); /* a stub */
	} else {
		variants[nv++] = hs_frame_interpreted(hs_interpreted_method(w), HS_BCI_UNKNOWN);
		variants[nv++] = hs_frame_interpreted(hs_interpreted_method(w), 0);
	}
	for (size_t i = 0; i < nv; i++) {
		resolve(jf, variants[i], true);
		resolve(jf, variants[i], false);
	}
}

/* The input, read by every mem_reader handed out (also the one the
 * long-lived java_frames object keeps). */
static struct image im = { NULL, FUZZ_BASE, 0 };
static const struct mem_reader mem = { image_read, &im };

/* One java_frames object for the whole run, made by java_frames_new on the
 * first image it accepts: making one allocates ~5 MiB of hash tables, and
 * emptying them walks every slot (java_frames_free, _flush, _set_pc_rule,
 * _set_codecache): with a fresh object per input, or all three rules per
 * input, that walk was 90 % of the time (49 executions/s). Each input
 * starts the object from the state java_frames_new leaves (its code cache
 * read from this image as java_frames_new reads it, the input's pc rule,
 * caches and names dropped by java_frames_flush last), so an input behaves
 * the same whatever ran before it. */
static struct java_frames *jf_shared;

static struct java_frames *frames_for_image(enum java_pc_rule rule)
{
	struct hotspot_cfg cfg;
	int err;

	if (!jf_shared) {
		err = java_frames_new(&mem, &vs, &jf_shared);
		if (err && (err > 0 || jf_shared))
			abort();
		if (jf_shared)
			java_frames_set_pc_rule(jf_shared, rule);
		return jf_shared;
	}
	memset(&cfg, 0, sizeof(cfg));
	err = hotspot_codecache_read(&mem, &vs, &cfg);
	if (err > 0)
		abort();
	if (err)
		return NULL;
	java_frames_set_codecache(jf_shared, &cfg);
	java_frames_set_pc_rule(jf_shared, rule);
	if (java_frames_flush(jf_shared))
		return NULL;
	return jf_shared;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum java_pc_rule rules[] = { JAVA_PC_FOLLOWING, JAVA_PC_PRECEDING,
						   JAVA_PC_NEAREST };
	uint8_t rule = size > RULE_AT ? data[RULE_AT] % 3 : 0;
	struct java_frames_stats st;
	struct java_frames *jf;
	struct java_frame out[1];
	uint64_t words[NWORDS] = { 0 };
	const char *name;

	im.buf = data;
	im.size = size;
	memcpy(words, data, size < sizeof(words) ? size : sizeof(words));
	jf = frames_for_image(rules[rule]);
	if (!jf)
		return 0;
	nkept = 0;
	/* Not Java words, no room: -EINVAL. */
	if (java_frames_resolve(jf, words[0] & ~HS_FRAME_JAVA, true, out, 1) != -EINVAL ||
	    java_frames_resolve(jf, words[0] | HS_FRAME_JAVA, true, out, 0) != -EINVAL)
		abort();
	for (size_t i = 0; i < NWORDS; i++)
		resolve_word(jf, words[i]);
	/* Again: now from the caches. */
	for (size_t i = 0; i < NWORDS; i++)
		resolve_word(jf, words[i]);
	for (size_t i = 0; i < NWORDS; i++) {
		if (hs_frame_is_compiled(words[i] | HS_FRAME_JAVA) &&
		    !java_frames_blob_name(jf, hs_compiled_pc(words[i], java_frames_codecache(jf)->codecache_low),
					   &name))
			(void)strlen(name);
	}
	check_kept();
	java_frames_stats(jf, &st);
	if (st.chains > 4 * NWORDS * 2)
		abort();
	im.buf = NULL;
	im.size = 0;
	return 0;
}
