// SPDX-License-Identifier: GPL-2.0
#include "symbolize/hotspot_nmethod.h"

#include "symbolize/hotspot_method.h"
#include "symbolize/x86_insn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The segment map walk of bpf/hotspot_codecache.h over a mem_reader. */
#define HS_READ(ctx, dst, len, addr)                                                         \
	(((struct mem_reader *)(ctx))->read(((struct mem_reader *)(ctx))->ctx, (addr), (dst), \
					    (len)))
#include "bpf/hotspot_codecache.h"

/* No code blob is this large (the whole code cache is at most 2 GiB, and
 * the pc offset of a compiled frame word is 32 bits); larger is garbage. */
#define BLOB_SIZE_MAX (1u << 30)
#define HEADER_MAX 4096
/* Inlining is at most MaxInlineLevel (15) deep plus recursive inlining;
 * a longer chain is a loop in corrupt data. */
#define SCOPE_DEPTH_MAX 64
/* ScopeDesc: sender offset, method index, bci; then locals, expressions and
 * monitors offsets we do not need. */
#define INVOCATION_ENTRY_BCI (-1)

const char *java_pc_rule_name(enum java_pc_rule rule)
{
	switch (rule) {
	case JAVA_PC_PRECEDING: return "preceding";
	case JAVA_PC_FOLLOWING: return "following";
	case JAVA_PC_NEAREST: return "nearest";
	case JAVA_PC_FLOW: return "flow";
	}
	return "?";
}

/* One entry the layout needs: its offset, or the name of the first missing
 * one in *missing (and -ENOENT). */
static int need(const struct vmstructs *vs, const char *type, const char *field, uint64_t *dst,
		char *missing)
{
	if (missing[0])
		return -ENOENT;
	if (!vmstructs_offset(vs, type, field, dst))
		return 0;
	snprintf(missing, HOTSPOT_MISSING_MAX, "%s::%s", type, field);
	return -ENOENT;
}

/* The nmethod's own entries: the physical method (CompiledMethod until
 * JDK 22, nmethod since), and where the debug information is - offsets
 * from the header (JDK <= 22) or from _immutable_data (JDK 25). */
static void nmethod_layout_init(struct hotspot_blob_layout *l, const struct vmstructs *vs,
				char *m)
{
	if (vmstructs_offset(vs, "nmethod", "_method", &l->nm_method))
		need(vs, "CompiledMethod", "_method", &l->nm_method, m);
	need(vs, "nmethod", "_compile_id", &l->nm_compile_id, m);
	need(vs, "nmethod", "_scopes_pcs_offset", &l->nm_scopes_pcs_offset, m);
	if (!vmstructs_offset(vs, "nmethod", "_immutable_data", &l->nm_immutable_data)) {
		l->immutable_data = true;
		need(vs, "nmethod", "_immutable_data_size", &l->nm_immutable_data_size, m);
		need(vs, "nmethod", "_scopes_data_offset", &l->nm_scopes_data_offset, m);
		need(vs, "CodeBlob", "_mutable_data", &l->blob_mutable_data, m);
		need(vs, "CodeBlob", "_relocation_size", &l->blob_relocation_size, m);
		need(vs, "CodeBlob", "_mutable_data_size", &l->blob_mutable_data_size, m);
		return;
	}
	need(vs, "CompiledMethod", "_scopes_data_begin", &l->nm_scopes_data_begin, m);
	need(vs, "nmethod", "_metadata_offset", &l->nm_metadata_offset, m);
	need(vs, "nmethod", "_dependencies_offset", &l->nm_dependencies_offset, m);
}

int hotspot_blob_layout_init(struct hotspot_blob_layout *l, const struct vmstructs *vs)
{
	char *m = l->missing;

	memset(l, 0, sizeof(*l));
	need(vs, "CodeBlob", "_name", &l->blob_name, m);
	need(vs, "CodeBlob", "_size", &l->blob_size, m);
	/* JDK 23 replaced the pointers by offsets from the blob's start. */
	if (!vmstructs_offset(vs, "CodeBlob", "_code_offset", &l->blob_code_begin)) {
		l->code_is_offset = true;
		need(vs, "CodeBlob", "_data_offset", &l->blob_code_end, m);
	} else {
		need(vs, "CodeBlob", "_code_begin", &l->blob_code_begin, m);
		need(vs, "CodeBlob", "_code_end", &l->blob_code_end, m);
	}
	nmethod_layout_init(l, vs, m);
	need(vs, "PcDesc", "_pc_offset", &l->pc_pc_offset, m);
	need(vs, "PcDesc", "_scope_decode_offset", &l->pc_scope_decode_offset, m);
	if (!m[0] && vmstructs_type_size(vs, "CodeBlob", &l->codeblob_size))
		snprintf(m, HOTSPOT_MISSING_MAX, "sizeof(CodeBlob)");
	if (!m[0] && vmstructs_type_size(vs, "nmethod", &l->nmethod_size))
		snprintf(m, HOTSPOT_MISSING_MAX, "sizeof(nmethod)");
	if (!m[0] && vmstructs_type_size(vs, "PcDesc", &l->pcdesc_size))
		snprintf(m, HOTSPOT_MISSING_MAX, "sizeof(PcDesc)");
	if (m[0])
		return -ENOENT;
	if (!l->codeblob_size || l->codeblob_size > HEADER_MAX || l->nmethod_size < l->codeblob_size ||
	    l->nmethod_size > HEADER_MAX || l->pcdesc_size < 8 || l->pcdesc_size > 64 ||
	    l->pc_pc_offset + 4 > l->pcdesc_size || l->pc_scope_decode_offset + 4 > l->pcdesc_size)
		return -EINVAL;
	return 0;
}

static int static_addr(const struct vmstructs *vs, const char *type, const char *field,
		       uint64_t *addr)
{
	const struct vmstructs_field *f = vmstructs_field(vs, type, field);

	if (!f || !f->is_static || !f->address)
		return -ENOENT;
	*addr = f->address;
	return 0;
}

/* Where a CodeHeap keeps what the segment map walk needs. */
struct heap_offsets {
	uint64_t memory, segmap, log2, low_boundary, high_boundary, low;
};

static int heap_read(const struct mem_reader *mem, const struct heap_offsets *o, uint64_t heap,
		     struct hotspot_heap *h)
{
	uint64_t low, high, segmap;
	uint32_t log2 = 0;
	int err;

	err = mem_read_u64(mem, heap + o->memory + o->low_boundary, &low);
	if (!err)
		err = mem_read_u64(mem, heap + o->memory + o->high_boundary, &high);
	if (!err)
		err = mem_read_u64(mem, heap + o->segmap + o->low, &segmap);
	if (!err)
		err = mem->read(mem->ctx, heap + o->log2, &log2, sizeof(log2));
	if (err)
		return err;
	if (!low || high <= low || !segmap || log2 < 4 || log2 > 20)
		return -ENOENT; /* not reserved yet, or nonsense */
	h->low = low;
	h->high = high;
	h->segmap = segmap;
	h->log2_segment = log2;
	return 0;
}

/* GrowableArray's length: GrowableArrayBase::_len on JDK 17 and later,
 * GenericGrowableArray::_len on JDK 11 (the base class was renamed in
 * between). Same field, same meaning: whichever the JVM exports. */
static int growable_len_offset(const struct vmstructs *vs, uint64_t *off)
{
	if (!vmstructs_offset(vs, "GrowableArrayBase", "_len", off))
		return 0;
	return vmstructs_offset(vs, "GenericGrowableArray", "_len", off);
}

/* CodeCache::_heaps is a GrowableArray<CodeHeap*>*; the array layout is the
 * same for every element type, so GrowableArray<int>::_data gives _data. */
int hotspot_codecache_read(const struct mem_reader *mem, const struct vmstructs *vs,
			   struct hotspot_cfg *cfg)
{
	struct hotspot_heap heaps[HS_MAX_HEAPS];
	struct heap_offsets o;
	uint64_t a_low, a_high, a_heaps, len_off, data_off, hb_header, hdr_used, hb_size;
	uint64_t low, high, array, data;
	int32_t len = 0;
	int err;

	memset(heaps, 0, sizeof(heaps));
	if (static_addr(vs, "CodeCache", "_low_bound", &a_low) ||
	    static_addr(vs, "CodeCache", "_high_bound", &a_high) ||
	    static_addr(vs, "CodeCache", "_heaps", &a_heaps) ||
	    growable_len_offset(vs, &len_off) ||
	    vmstructs_offset(vs, "GrowableArray<int>", "_data", &data_off) ||
	    vmstructs_offset(vs, "CodeHeap", "_memory", &o.memory) ||
	    vmstructs_offset(vs, "CodeHeap", "_segmap", &o.segmap) ||
	    vmstructs_offset(vs, "CodeHeap", "_log2_segment_size", &o.log2) ||
	    vmstructs_offset(vs, "VirtualSpace", "_low_boundary", &o.low_boundary) ||
	    vmstructs_offset(vs, "VirtualSpace", "_high_boundary", &o.high_boundary) ||
	    vmstructs_offset(vs, "VirtualSpace", "_low", &o.low) ||
	    vmstructs_offset(vs, "HeapBlock", "_header", &hb_header) ||
	    vmstructs_offset(vs, "HeapBlock::Header", "_used", &hdr_used) ||
	    vmstructs_type_size(vs, "HeapBlock", &hb_size))
		return -ENOENT;
	if ((err = mem_read_u64(mem, a_low, &low)) || (err = mem_read_u64(mem, a_high, &high)))
		return err;
	if (!low || high <= low)
		return -ENOENT; /* code cache not initialised yet */
	/* The BPF encoding keeps 32 bits of pc - codecache_low. */
	if (high - low > UINT32_MAX)
		return -ERANGE;
	if ((err = mem_read_u64(mem, a_heaps, &array)))
		return err;
	if (!array)
		return -ENOENT;
	if ((err = mem->read(mem->ctx, array + len_off, &len, sizeof(len))) ||
	    (err = mem_read_u64(mem, array + data_off, &data)))
		return err;
	if (len <= 0 || !data)
		return -ENOENT;
	if (len > HS_MAX_HEAPS)
		return -ERANGE;
	for (int32_t i = 0; i < len; i++) {
		uint64_t heap;

		err = mem_read_u64(mem, data + (uint64_t)i * 8, &heap);
		if (!err)
			err = heap ? heap_read(mem, &o, heap, &heaps[i]) : -ENOENT;
		if (err)
			return err;
		if (heaps[i].low < low || heaps[i].high > high)
			return -ERANGE;
	}
	cfg->codecache_low = low;
	cfg->codecache_high = high;
	memcpy(cfg->heaps, heaps, sizeof(heaps));
	cfg->nheaps = (__u32)len;
	cfg->heap_block_size = (__u32)hb_size;
	cfg->heap_block_used = (__u32)(hb_header + hdr_used);
	return 0;
}

int hotspot_blob_find(const struct mem_reader *mem, const struct hotspot_cfg *cfg, uint64_t pc,
		      uint64_t *blob)
{
	struct mem_reader m = *mem;
	__u64 b;

	if (hs_find_blob(&m, cfg, pc, &b))
		return -ENOENT;
	*blob = b;
	return 0;
}

/* code_begin and code_end: pointers, or (JDK 23+) int offsets from the
 * blob's start (code ends where the data begins). */
static int code_range_get(const struct hotspot_blob_layout *l, const uint8_t *hdr, uint64_t start,
			  struct hotspot_blob *out)
{
	int32_t begin, end;

	if (!l->code_is_offset)
		return hotspot_hdr_get(hdr, l->codeblob_size, l->blob_code_begin, &out->code_begin,
				       8) ||
		       hotspot_hdr_get(hdr, l->codeblob_size, l->blob_code_end, &out->code_end, 8);
	if (hotspot_hdr_get(hdr, l->codeblob_size, l->blob_code_begin, &begin, 4) ||
	    hotspot_hdr_get(hdr, l->codeblob_size, l->blob_code_end, &end, 4) || begin < 0 ||
	    end < 0)
		return -EINVAL;
	out->code_begin = start + (uint32_t)begin;
	out->code_end = start + (uint32_t)end;
	return 0;
}

/* Where an nmethod's metadata, scopes and PcDescs are, JDK <= 22: all in
 * the blob, at offsets from its start (scopes data by pointer). */
static int inline_ranges(const struct hotspot_blob_layout *l, struct hotspot_blob *out);

static int debug_ranges_inline(const struct hotspot_blob_layout *l, const uint8_t *hdr,
			       struct hotspot_blob *out)
{

	if (hotspot_hdr_get(hdr, l->nmethod_size, l->nm_scopes_data_begin,
			    &out->scopes_data_begin, 8) ||
	    hotspot_hdr_get(hdr, l->nmethod_size, l->nm_metadata_offset, &out->metadata_offset,
			    4) ||
	    hotspot_hdr_get(hdr, l->nmethod_size, l->nm_scopes_pcs_offset,
			    &out->scopes_pcs_offset, 4) ||
	    hotspot_hdr_get(hdr, l->nmethod_size, l->nm_dependencies_offset,
			    &out->dependencies_offset, 4))
		return -EINVAL;
	return inline_ranges(l, out);
}

/* The ranges of debug_ranges_inline from the offsets in out. */
static int inline_ranges(const struct hotspot_blob_layout *l, struct hotspot_blob *out)
{
	uint64_t start = out->start, end = out->start + out->size;

	if (out->metadata_offset < 0 || out->scopes_pcs_offset < 0 || out->dependencies_offset < 0)
		return -EINVAL;
	out->md_begin = start + (uint32_t)out->metadata_offset;
	out->md_end = out->sd_begin = out->scopes_data_begin;
	out->sd_end = out->pcs_begin = start + (uint32_t)out->scopes_pcs_offset;
	out->pcs_end = start + (uint32_t)out->dependencies_offset;
	/* header <= metadata <= scopes data <= PcDescs <= dependencies <= end */
	out->md_area_begin = out->debug_area_begin = start + l->nmethod_size;
	out->md_area_end = out->debug_area_end = end;
	return 0;
}

/* JDK 25: metadata after the relocations in the CodeBlob's mutable data
 * (with JVMCI data after it: the reader takes whole words only and the
 * debug info never indexes past the real metadata); PcDescs then scopes in
 * the immutable data, at offsets from its start. */
static int debug_ranges_immutable(const struct hotspot_blob_layout *l, const uint8_t *hdr,
				  struct hotspot_blob *out)
{
	uint64_t mutable_data, immutable;
	int32_t reloc, mutable_size, imm_size, pcs_off, sd_off;

	if (hotspot_hdr_get(hdr, l->nmethod_size, l->blob_mutable_data, &mutable_data, 8) ||
	    hotspot_hdr_get(hdr, l->nmethod_size, l->blob_relocation_size, &reloc, 4) ||
	    hotspot_hdr_get(hdr, l->nmethod_size, l->blob_mutable_data_size, &mutable_size, 4) ||
	    hotspot_hdr_get(hdr, l->nmethod_size, l->nm_immutable_data, &immutable, 8) ||
	    hotspot_hdr_get(hdr, l->nmethod_size, l->nm_immutable_data_size, &imm_size, 4) ||
	    hotspot_hdr_get(hdr, l->nmethod_size, l->nm_scopes_pcs_offset, &pcs_off, 4) ||
	    hotspot_hdr_get(hdr, l->nmethod_size, l->nm_scopes_data_offset, &sd_off, 4))
		return -EINVAL;
	if (reloc < 0 || mutable_size < reloc || imm_size < 0 || pcs_off < 0 || sd_off < pcs_off ||
	    sd_off > imm_size || (imm_size && !immutable) || (mutable_size && !mutable_data))
		return -EINVAL;
	out->md_area_begin = mutable_data;
	out->md_area_end = mutable_data + (uint32_t)mutable_size;
	out->md_begin = mutable_data + (uint32_t)reloc;
	out->md_end = out->md_begin + ((uint32_t)(mutable_size - reloc) & ~7u);
	out->debug_area_begin = immutable;
	out->debug_area_end = immutable + (uint32_t)imm_size;
	out->pcs_begin = immutable + (uint32_t)pcs_off;
	out->pcs_end = out->sd_begin = immutable + (uint32_t)sd_off;
	/* The scopes run to the speculations or the reference counter, which
	 * vmStructs does not give: take the rest of the immutable data. */
	out->sd_end = out->debug_area_end;
	out->scopes_data_begin = out->sd_begin;
	return 0;
}

int hotspot_blob_read(const struct mem_reader *mem, const struct hotspot_blob_layout *l,
		      uint64_t start, struct hotspot_blob *out)
{
	uint8_t hdr[HEADER_MAX];
	int32_t size, compile_id;
	int err;

	memset(out, 0, sizeof(*out));
	out->start = start;
	if (!start)
		return -EINVAL;
	err = mem->read(mem->ctx, start, hdr, l->codeblob_size);
	if (err)
		return err;
	if (hotspot_hdr_get(hdr, l->codeblob_size, l->blob_name, &out->name_ptr, 8) ||
	    hotspot_hdr_get(hdr, l->codeblob_size, l->blob_size, &size, 4) ||
	    code_range_get(l, hdr, start, out))
		return -EINVAL;
	if (size <= 0 || (uint32_t)size > BLOB_SIZE_MAX || out->code_begin < start ||
	    out->code_begin > out->code_end || out->code_end > start + (uint32_t)size)
		return -EINVAL;
	out->size = (uint32_t)size;
	if (!out->name_ptr)
		return -EINVAL;
	/* A name longer than the buffer is kept truncated. */
	err = mem_read_string(mem, out->name_ptr, out->name, sizeof(out->name));
	if (err && err != -ENAMETOOLONG)
		return err;
	/* nmethod's constructors name every nmethod "nmethod", or "native
	 * nmethod" for native method wrappers (CodeBlob has a type, but
	 * vmStructs does not publish it). */
	out->is_nmethod = !strcmp(out->name, "nmethod") || !strcmp(out->name, "native nmethod");
	if (!out->is_nmethod)
		return 0;
	if (out->size < l->nmethod_size)
		return -EINVAL;
	err = mem->read(mem->ctx, start, hdr, l->nmethod_size);
	if (err)
		return err;
	if (hotspot_hdr_get(hdr, l->nmethod_size, l->nm_compile_id, &compile_id, 4) ||
	    hotspot_hdr_get(hdr, l->nmethod_size, l->nm_method, &out->method, 8) ||
	    (l->immutable_data ? debug_ranges_immutable(l, hdr, out) :
				 debug_ranges_inline(l, hdr, out)))
		return -EINVAL;
	if (compile_id < 0)
		return -EINVAL;
	out->compile_id = (uint32_t)compile_id;
	return 0;
}

void hotspot_nmethod_free(struct hotspot_nmethod *nm)
{
	free(nm->pcs);
	free(nm->scopes);
	free(nm->metadata);
	free(nm->code);
	memset(nm, 0, sizeof(*nm));
}

size_t hotspot_nmethod_bytes(const struct hotspot_nmethod *nm)
{
	return sizeof(*nm) + nm->npcs * sizeof(*nm->pcs) + nm->scopes_len +
	       nm->nmetadata * sizeof(*nm->metadata) + nm->code_len;
}

/* Raw PcDescs to the sorted list without sentinels, or -EINVAL. */
static int pcs_parse(const struct hotspot_blob_layout *l, const uint8_t *raw, size_t nraw,
		     size_t scopes_len, struct hotspot_nmethod *nm)
{
	struct hotspot_pcdesc *pcs;
	int32_t first, last, v;
	size_t end = nraw, n = 0;

	memcpy(&first, raw + l->pc_pc_offset, 4);
	memcpy(&last, raw + (nraw - 1) * l->pcdesc_size + l->pc_pc_offset, 4);
	if (first != -1)
		return -EINVAL;
	/* The final sentinel and its copies filling the alignment gap. */
	while (end > 1) {
		memcpy(&v, raw + (end - 1) * l->pcdesc_size + l->pc_pc_offset, 4);
		if (v != last)
			break;
		end--;
	}
	pcs = calloc(end > 1 ? end - 1 : 1, sizeof(*pcs));
	if (!pcs)
		return -ENOMEM;
	for (size_t i = 1; i < end; i++) {
		const uint8_t *p = raw + i * l->pcdesc_size;
		struct hotspot_pcdesc *d = &pcs[n];

		memcpy(&d->pc_offset, p + l->pc_pc_offset, 4);
		memcpy(&d->scope_decode_offset, p + l->pc_scope_decode_offset, 4);
		/* Sorted and unique (nmethod::copy_scopes_pcs); offsets into
		 * the scopes data. */
		if (d->pc_offset < 0 || (n && d->pc_offset <= pcs[n - 1].pc_offset) ||
		    d->scope_decode_offset < 0 || (size_t)d->scope_decode_offset >= scopes_len) {
			free(pcs);
			return -EINVAL;
		}
		n++;
	}
	nm->pcs = pcs;
	nm->npcs = n;
	return 0;
}

/* The instructions, for JAVA_PC_FLOW. Optional: without them (too big,
 * unreadable) the leaf pc is named by JAVA_PC_FOLLOWING. */
static void code_read(const struct mem_reader *mem, const struct hotspot_blob *blob,
		      size_t budget, struct hotspot_nmethod *out)
{
	size_t len = blob->code_end - blob->code_begin;

	if (!len || len > budget)
		return;
	out->code = malloc(len);
	if (!out->code)
		return;
	if (mem->read(mem->ctx, blob->code_begin, out->code, len)) {
		free(out->code);
		out->code = NULL;
		return;
	}
	out->code_len = len;
}

int hotspot_nmethod_read(const struct mem_reader *mem, const struct hotspot_blob_layout *l,
			 const struct hotspot_blob *blob, size_t max_bytes, struct hotspot_nmethod *out)
{
	struct hotspot_blob r = *blob;
	uint64_t md_begin, pcs_begin, pcs_end, sd_begin;
	size_t md_len, sd_len, pcs_len;
	uint8_t *raw = NULL;
	int err = 0;

	memset(out, 0, sizeof(*out));
	/* The offsets of the JDK <= 22 layout are taken as they are in blob. */
	if (!blob->is_nmethod || (!l->immutable_data && inline_ranges(l, &r)))
		return -EINVAL;
	blob = &r;
	md_begin = blob->md_begin;
	pcs_begin = blob->pcs_begin;
	pcs_end = blob->pcs_end;
	sd_begin = blob->sd_begin;
	out->blob = *blob;
	out->u5_excluded = l->u5_excluded;
	/* Each range lies in its region (hotspot_blob_read). */
	if (md_begin < blob->md_area_begin || blob->md_end < md_begin ||
	    blob->md_end > blob->md_area_end || sd_begin < blob->debug_area_begin ||
	    blob->sd_end < sd_begin || blob->sd_end > blob->debug_area_end ||
	    pcs_begin < blob->debug_area_begin || pcs_end < pcs_begin ||
	    pcs_end > blob->debug_area_end)
		return -EINVAL;
	md_len = blob->md_end - md_begin;
	sd_len = blob->sd_end - sd_begin;
	pcs_len = pcs_end - pcs_begin;
	/* Native method wrappers have no PcDescs at all; anything else has
	 * at least the two sentinels. */
	if (md_len % 8 || pcs_len % l->pcdesc_size || pcs_len == l->pcdesc_size)
		return -EINVAL;
	if (md_len + sd_len + pcs_len > max_bytes)
		return -E2BIG;
	out->metadata = malloc(md_len ? md_len : 1);
	out->scopes = malloc(sd_len ? sd_len : 1);
	raw = malloc(pcs_len ? pcs_len : 1);
	if (!out->metadata || !out->scopes || !raw) {
		err = -ENOMEM;
		goto cleanup;
	}
	if ((md_len && (err = mem->read(mem->ctx, md_begin, out->metadata, md_len))) ||
	    (sd_len && (err = mem->read(mem->ctx, sd_begin, out->scopes, sd_len))) ||
	    (pcs_len && (err = mem->read(mem->ctx, pcs_begin, raw, pcs_len))))
		goto cleanup;
	out->nmetadata = md_len / 8;
	out->scopes_len = sd_len;
	err = pcs_len ? pcs_parse(l, raw, pcs_len / l->pcdesc_size, sd_len, out) : 0;
	if (!err)
		code_read(mem, blob, max_bytes - (md_len + sd_len + pcs_len), out);
cleanup:
	free(raw);
	if (err)
		hotspot_nmethod_free(out);
	return err;
}

/* The PcDesc at exactly off, or -1. */
static ssize_t pcdesc_at(const struct hotspot_pcdesc *pcs, size_t n, int64_t off)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pcs[mid].pc_offset < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && pcs[lo].pc_offset == off ? (ssize_t)lo : -1;
}

/* Bounds of the walk: C2 emits a PcDesc at least at every loop's
 * safepoint poll and every call, so a real path reaches one well within
 * this; a longer one is a decoding gone astray. */
#define FLOW_INSNS_MAX 512
#define FLOW_JUMPS_MAX 8

/* Conditional branches on the way whose other side is walked as well (the
 * ambiguity check of hotspot_nmethod_scopes). */
#define FLOW_FORKS_MAX 4

/* Why follow the code rather than take the next PcDesc by address: C2
 * lays out blocks out of source order. JDK 11's C2 puts the peeled first
 * iteration of an inlined loop after the loop's exit, where the next
 * PcDesc by address is the next function's loop poll (or none at all after
 * the last one): measured on InlineHot, 5-10 pp of a function's share went
 * to its neighbour or its caller. The peeled copy ends in a jump back into
 * its own loop, whose poll names the right scope.
 * forks: where not NULL, the other sides of the conditional branches on
 * the way (the target of one fallen through, the next instruction after
 * one taken; at most FLOW_FORKS_MAX, *nforks of them). */
static ssize_t flow_walk(const struct hotspot_nmethod *nm, int64_t off, int64_t *forks,
			 size_t *nforks)
{
	/* Back edges taken once: a loop without a record of its own (a
	 * counted inner loop, its poll in the strip-mined outer loop) is left
	 * by its exit the second time round. */
	int64_t taken[FLOW_JUMPS_MAX];
	struct x86_insn in;
	int jumps = 0;
	ssize_t idx;
	bool again;

	if (!nm->code || off < 0 || (uint64_t)off >= nm->code_len)
		return -1;
	for (int i = 0; i < FLOW_INSNS_MAX; i++) {
		idx = pcdesc_at(nm->pcs, nm->npcs, off);
		if (idx >= 0)
			return idx;
		if (x86_insn_decode(nm->code, nm->code_len, (size_t)off, &in))
			return -1;
		switch (in.flow) {
		case X86_NEXT:
		case X86_CALL: /* its PcDesc is at the return address, next */
			off += (int64_t)in.len;
			break;
		case X86_JCC:
			/* Forward: a rare path (uncommon trap, slow path) or the
			 * loop's exit; backward: the loop goes on, once. */
			again = false;
			for (int k = 0; k < jumps; k++)
				again |= taken[k] == off;
			if (in.target > off || again) {
				if (forks && in.target > off && *nforks < FLOW_FORKS_MAX)
					forks[(*nforks)++] = in.target;
				off += (int64_t)in.len;
				break;
			}
			/* Taken backward: its fall-through is the other side
			 * (JDK 21's C2 ends a bimorphic type check in two
			 * backward jumps, one into each receiver's loop). */
			if (forks && *nforks < FLOW_FORKS_MAX)
				forks[(*nforks)++] = off + (int64_t)in.len;
			/* fall through */
		case X86_JMP:
			if (jumps == FLOW_JUMPS_MAX)
				return -1;
			taken[jumps++] = off;
			off = in.target;
			break;
		case X86_STOP:
			return -1;
		}
		if (off < 0 || (uint64_t)off >= nm->code_len)
			return -1;
	}
	return -1;
}

ssize_t hotspot_pcdesc_flow(const struct hotspot_nmethod *nm, int64_t off)
{
	return flow_walk(nm, off, NULL, NULL);
}

/* The record reached from pc offset off (as hotspot_pcdesc_flow), and in
 * alts the other records the other sides of the conditional branches on
 * the way reach, by the same rule. Seen on JDK 21 (ClassChurn's invoke):
 * C2 puts each receiver's inlined loop before the type check, which ends
 * in "je <loop of B>; je <loop of C>" -- backward branches, so the other
 * side of a taken backward branch counts as much as that of a forward one. */
static ssize_t flow_alternatives(const struct hotspot_nmethod *nm, int64_t off, ssize_t *alts,
				 size_t *nalts)
{
	int64_t forks[FLOW_FORKS_MAX];
	size_t nforks = 0;
	ssize_t idx = flow_walk(nm, off, forks, &nforks);

	*nalts = 0;
	for (size_t i = 0; idx >= 0 && i < nforks; i++) {
		ssize_t alt = flow_walk(nm, forks[i], NULL, NULL);

		if (alt >= 0 && alt != idx)
			alts[(*nalts)++] = alt;
	}
	return idx;
}

ssize_t hotspot_pcdesc_select(const struct hotspot_pcdesc *pcs, size_t n, int64_t off, bool leaf,
			      enum java_pc_rule rule)
{
	size_t lo = 0, hi = n;
	ssize_t following, preceding;

	/* following: the first PcDesc with pc_offset > off. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pcs[mid].pc_offset > off)
			hi = mid;
		else
			lo = mid + 1;
	}
	following = lo < n ? (ssize_t)lo : -1;
	preceding = (ssize_t)lo - 1;
	if (!leaf)
		return preceding >= 0 && pcs[preceding].pc_offset == off ? preceding : -1;
	switch (rule) {
	case JAVA_PC_PRECEDING:
		return preceding;
	case JAVA_PC_FOLLOWING:
	case JAVA_PC_FLOW:
		return following;
	case JAVA_PC_NEAREST:
		if (preceding < 0)
			return following;
		if (following < 0)
			return preceding;
		return pcs[following].pc_offset - off <= off - pcs[preceding].pc_offset ? following
											  : preceding;
	}
	return -1;
}

/* The chain of PcDesc idx into out, outermost first: the count or -errno
 * (as hotspot_nmethod_scopes). */
static int scopes_decode(const struct hotspot_nmethod *nm, ssize_t idx, struct hotspot_scope *out,
			 size_t max)
{
	const struct hotspot_blob *b = &nm->blob;
	int32_t decode = nm->pcs[idx].scope_decode_offset;
	size_t n = 0;

	if (decode == 0) {
		/* DebugInformationRecorder::serialized_null: no scope recorded,
		 * HotSpot decodes the nmethod's method at method entry. */
		out[0] = (struct hotspot_scope){ b->method, INVOCATION_ENTRY_BCI };
		return 1;
	}
	/* Innermost first, as the senders chain them; reversed below. */
	for (;;) {
		size_t pos = (size_t)decode;
		uint32_t sender, midx, bci;

		if (n == max)
			return -E2BIG;
		if (n == SCOPE_DEPTH_MAX)
			return -EINVAL;
		if (hotspot_unsigned5_read_x(nm->scopes, nm->scopes_len, &pos, nm->u5_excluded,
					     &sender) ||
		    hotspot_unsigned5_read_x(nm->scopes, nm->scopes_len, &pos, nm->u5_excluded,
					     &midx) ||
		    hotspot_unsigned5_read_x(nm->scopes, nm->scopes_len, &pos, nm->u5_excluded, &bci))
			return -EINVAL;
		/* metadata_at(i) = metadata[i - 1]; 0 is NULL. */
		if (midx == 0 || midx > nm->nmetadata || !nm->metadata[midx - 1] ||
		    bci > INT32_MAX || sender >= nm->scopes_len)
			return -EINVAL;
		out[n].method = nm->metadata[midx - 1];
		out[n].bci = (int32_t)bci + INVOCATION_ENTRY_BCI;
		n++;
		if (sender == 0)
			break;
		decode = (int32_t)sender;
	}
	for (size_t i = 0; i < n / 2; i++) {
		struct hotspot_scope t = out[i];

		out[i] = out[n - 1 - i];
		out[n - 1 - i] = t;
	}
	/* The outermost scope is the compiled method itself; anything else is
	 * not this nmethod's debug information. */
	if (out[0].method != b->method)
		return -EINVAL;
	return (int)n;
}

/* How many of the n scopes in chain to keep given another record's chain
 * alt (na scopes) the pc may equally belong to: when the two agree on
 * every level up to a call site and then name two different methods at it
 * (the type check before two inlined receivers: C2's bimorphic inlining),
 * only the levels up to the call site. So too when alt ends at the call
 * site: the other side of a type check is a call not inlined, or a trap,
 * and the two look alike (a call with its record at the call site). It is
 * a hot path when the receiver is of another class than the inlined one:
 * on JDK 21 and 25, ClassChurn's invoke, compiled while one generation
 * ran with its applyAsLong inlined, calls the next generation's through
 * that path, and the check's pcs took the inlined side's record, the
 * previous generation's frames. Different bcis at the first difference
 * are two places in one method (a loop exit, a slow path): nothing is
 * dropped. */
static int scopes_shared(const struct hotspot_scope *chain, int n, const struct hotspot_scope *alt,
			 int na)
{
	for (int i = 0; i < n && i < na; i++) {
		if (chain[i].method != alt[i].method)
			return i;
		if (chain[i].bci != alt[i].bci)
			return n;
	}
	return na < n ? na : n;
}

int hotspot_nmethod_scopes(const struct hotspot_nmethod *nm, uint64_t pc, bool leaf,
			   enum java_pc_rule rule, struct hotspot_scope *out, size_t max)
{
	const struct hotspot_blob *b = &nm->blob;
	struct hotspot_scope alt[SCOPE_DEPTH_MAX];
	ssize_t alts[FLOW_FORKS_MAX];
	size_t nalts = 0;
	ssize_t idx = -1;
	int n;

	if (!max)
		return -E2BIG;
	if (pc < b->start || pc >= b->start + b->size)
		return -EINVAL;
	if (leaf && rule == JAVA_PC_FLOW)
		idx = flow_alternatives(nm, (int64_t)pc - (int64_t)b->code_begin, alts, &nalts);
	if (idx < 0)
		idx = hotspot_pcdesc_select(nm->pcs, nm->npcs,
					    (int64_t)pc - (int64_t)b->code_begin, leaf, rule);
	if (idx < 0)
		return -ENOENT;
	n = scopes_decode(nm, idx, out, max);
	/* A pc in code that leads to either of two inlined receivers (the
	 * type check, the dispatch) belongs to neither: named by the frames
	 * both records share, so that it never carries the wrong receiver's
	 * method (on JDK 21 and 25, ClassChurn's invoke inlines the current
	 * and the previous generation's applyAsLong side by side). */
	for (size_t i = 0; n > 1 && i < nalts; i++) {
		int na = scopes_decode(nm, alts[i], alt, SCOPE_DEPTH_MAX);

		if (na > 0)
			n = scopes_shared(out, n, alt, na);
	}
	return n;
}
