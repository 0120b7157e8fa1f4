// SPDX-License-Identifier: GPL-2.0
/* Code blobs of a HotSpot code cache, read from outside the JVM: which blob
 * holds a pc, its name, and for an nmethod the debug information that says
 * which (inlined) Java methods a pc belongs to.
 *
 *   nmethod (blob start = header_begin)
 *     CodeBlob: _name, _size, _code_begin, _code_end
 *     nmethod: _compile_id, CompiledMethod::_method
 *     metadata:    header + _metadata_offset .. _scopes_data_begin
 *                  (Metadata*; index i of the debug info is entry i - 1)
 *     scopes data: _scopes_data_begin .. header + _scopes_pcs_offset
 *     PcDescs:     header + _scopes_pcs_offset .. header + _dependencies_offset
 *                  sorted by pc_offset (from code_begin); the first is a
 *                  sentinel at -1, the last one (and copies of it filling
 *                  alignment) a sentinel past the code.
 *   ScopeDesc at a decode offset: UNSIGNED5 sender decode offset (0: none),
 *   metadata index of the Method, bci - InvocationEntryBci (-1).
 *
 * Everything read is checked against the blob's bounds: the memory belongs
 * to another process that frees and reuses it while we read. */
#ifndef TMPROF_SYMBOLIZE_HOTSPOT_NMETHOD_H
#define TMPROF_SYMBOLIZE_HOTSPOT_NMETHOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bpf/hotspot.h"
#include "symbolize/target_mem.h"
#include "symbolize/vmstructs.h"

/* Which PcDesc describes a sampled pc (the leaf frame). A return address
 * (every other frame) always needs the PcDesc at exactly its offset. */
enum java_pc_rule {
	/* The last PcDesc at or before the pc: the call or safepoint the
	 * code is coming from. */
	JAVA_PC_PRECEDING,
	/* The first PcDesc strictly after the pc: HotSpot's own choice for
	 * AsyncGetCallTrace (pc_desc_near(pc + 1), forte.cpp), the call or
	 * safepoint the code is heading to. */
	JAVA_PC_FOLLOWING,
	/* Whichever of the two is fewer bytes away (ties: following). */
	JAVA_PC_NEAREST,
	/* The first PcDesc the code reaches from the pc: instructions are
	 * decoded forward (symbolize/x86_insn.h), unconditional jumps and
	 * backward conditional jumps (loop back edges) followed. Where the
	 * code cannot be decoded, JAVA_PC_FOLLOWING. */
	JAVA_PC_FLOW,
};

const char *java_pc_rule_name(enum java_pc_rule rule);

#define HOTSPOT_MISSING_MAX 96

/* Offsets of one JVM build, from its vmStructs. */
struct hotspot_blob_layout {
	uint64_t blob_name, blob_size, blob_code_begin, blob_code_end;
	uint64_t codeblob_size;            /* sizeof(CodeBlob) */
	uint64_t nm_compile_id, nm_method, nm_scopes_data_begin;
	uint64_t nm_metadata_offset, nm_scopes_pcs_offset, nm_dependencies_offset;
	uint64_t nmethod_size;             /* sizeof(nmethod) */
	uint64_t pc_pc_offset, pc_scope_decode_offset;
	uint64_t pcdesc_size;              /* sizeof(PcDesc) */
	/* Variants, by which entries exist. JDK 23+: CodeBlob keeps int
	 * offsets (blob_code_begin/_end are then _code_offset/_data_offset). */
	bool code_is_offset;
	/* JDK 25: PcDescs and scopes in nmethod::_immutable_data (nm_*_offset
	 * relative to it), metadata in CodeBlob::_mutable_data after the
	 * relocations. */
	bool immutable_data;
	uint64_t blob_mutable_data, blob_relocation_size, blob_mutable_data_size;
	uint64_t nm_immutable_data, nm_immutable_data_size, nm_scopes_data_offset;
	unsigned u5_excluded;              /* JDK 20+ UNSIGNED5 (hotspot_u5_excluded) */
	/* After -ENOENT: "Type::_field" of the first entry missing. */
	char missing[HOTSPOT_MISSING_MAX];
};

int hotspot_blob_layout_init(struct hotspot_blob_layout *l, const struct vmstructs *vs);

/* The code cache's heaps and segment maps (CodeCache::_heaps, _low_bound,
 * _high_bound statics, HeapBlock's size and used flag) in the form the BPF
 * unwinder uses: fills codecache_low/high, heaps, nheaps, heap_block_size
 * and heap_block_used of *cfg, leaves its other fields alone, and writes
 * nothing on error. The one reader of the code cache layout, for naming
 * here and for the BPF unwinder's configuration (agent/collect/hotspot_unwind.c).
 * -ENOENT: entries missing, or the code cache not set up (yet); -ERANGE: a
 * layout the BPF side cannot handle (more than HS_MAX_HEAPS heaps, over
 * 4 GiB, heaps outside the bounds); -EFAULT: unreadable. */
int hotspot_codecache_read(const struct mem_reader *mem, const struct vmstructs *vs,
			   struct hotspot_cfg *cfg);

/* Start of the blob holding pc (bpf/hotspot_codecache.h's segment map walk
 * on mem): 0, or -ENOENT (free or outside the code cache). */
int hotspot_blob_find(const struct mem_reader *mem, const struct hotspot_cfg *cfg, uint64_t pc,
		      uint64_t *blob);

struct hotspot_blob {
	uint64_t start;
	uint64_t name_ptr;      /* CodeBlob::_name: a string in libjvm */
	char name[64];          /* "nmethod", "Interpreter", "StubRoutines (1)" ... */
	uint32_t size;
	uint64_t code_begin, code_end;
	bool is_nmethod;
	uint32_t compile_id;    /* nmethods only */
	uint64_t method;        /* nmethods only: the physical (outermost) Method* */
	/* nmethods only, as read: where the debug information lies. */
	int32_t metadata_offset, scopes_pcs_offset, dependencies_offset;
	uint64_t scopes_data_begin;
	/* nmethods only: where the debug information lies, absolute, for
	 * either layout: [begin, end) of metadata, scopes data and PcDescs,
	 * and the region each must stay in. */
	uint64_t md_begin, md_end, sd_begin, sd_end, pcs_begin, pcs_end;
	uint64_t md_area_begin, md_area_end, debug_area_begin, debug_area_end;
};

/* Read the CodeBlob (and nmethod) header at start. */
int hotspot_blob_read(const struct mem_reader *mem, const struct hotspot_blob_layout *l,
		      uint64_t start, struct hotspot_blob *out);

struct hotspot_pcdesc {
	int32_t pc_offset;            /* from code_begin */
	int32_t scope_decode_offset;  /* into scopes data; 0: no scope */
};

/* The debug information of one nmethod, copied out of the target. */
struct hotspot_nmethod {
	struct hotspot_blob blob;
	struct hotspot_pcdesc *pcs;   /* sentinels removed, strictly increasing */
	size_t npcs;
	uint8_t *scopes;
	size_t scopes_len;
	uint64_t *metadata;           /* metadata[i - 1] is metadata_at(i) */
	size_t nmetadata;
	uint8_t *code;                /* code_begin .. code_end, NULL if not read */
	size_t code_len;
	unsigned u5_excluded;         /* the layout's UNSIGNED5 coding */
};

/* Copy the PcDescs, scopes data and metadata of the nmethod described by
 * blob (hotspot_blob_read, is_nmethod). -EINVAL when the offsets do not fit
 * the blob, -EFAULT when unreadable, -E2BIG beyond max_bytes in total. */
int hotspot_nmethod_read(const struct mem_reader *mem, const struct hotspot_blob_layout *l,
			 const struct hotspot_blob *blob, size_t max_bytes, struct hotspot_nmethod *out);
void hotspot_nmethod_free(struct hotspot_nmethod *nm);
/* Bytes held by nm (for cache budgets). */
size_t hotspot_nmethod_bytes(const struct hotspot_nmethod *nm);

/* Index into nm->pcs of the first PcDesc the code reaches from pc offset
 * off (JAVA_PC_FLOW), or -1 when nm->code is missing, an instruction on
 * the way is not decoded, or no PcDesc is reached within a bounded walk. */
ssize_t hotspot_pcdesc_flow(const struct hotspot_nmethod *nm, int64_t off);

/* Index into pcs of the PcDesc for pc offset off: exact for a return
 * address (leaf false), by rule for a sampled pc (JAVA_PC_FLOW, which
 * needs the code, as JAVA_PC_FOLLOWING). -1 if none. */
ssize_t hotspot_pcdesc_select(const struct hotspot_pcdesc *pcs, size_t n, int64_t off, bool leaf,
			      enum java_pc_rule rule);

struct hotspot_scope {
	uint64_t method; /* Method* */
	int32_t bci;     /* -1: method entry (InvocationEntryBci) */
};

/* The inlining chain at pc: out[0] the physical method, then inlined
 * callees, the innermost last. A sampled pc under JAVA_PC_FLOW from which
 * the code leads to two records that name different methods at one call
 * site (the type check before two inlined receivers) gets only the frames
 * both records share, down to that call site. Returns the count (>= 1) or
 * -errno:
 * -ENOENT no PcDesc for pc (the caller may name nm->blob.method alone),
 * -EINVAL corrupt debug info, -E2BIG more than max levels. */
int hotspot_nmethod_scopes(const struct hotspot_nmethod *nm, uint64_t pc, bool leaf,
			   enum java_pc_rule rule, struct hotspot_scope *out, size_t max);

#endif
