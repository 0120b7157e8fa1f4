#include "symbolize/hotspot_nmethod.h"

#include "symbolize/hotspot_method.h"

#include <errno.h>
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
	}
	return "?";
}

int hotspot_blob_layout_init(struct hotspot_blob_layout *l, const struct vmstructs *vs)
{
	memset(l, 0, sizeof(*l));
	if (vmstructs_offset(vs, "CodeBlob", "_name", &l->blob_name) ||
	    vmstructs_offset(vs, "CodeBlob", "_size", &l->blob_size) ||
	    vmstructs_offset(vs, "CodeBlob", "_code_begin", &l->blob_code_begin) ||
	    vmstructs_offset(vs, "CodeBlob", "_code_end", &l->blob_code_end) ||
	    vmstructs_type_size(vs, "CodeBlob", &l->codeblob_size) ||
	    vmstructs_offset(vs, "nmethod", "_compile_id", &l->nm_compile_id) ||
	    vmstructs_offset(vs, "CompiledMethod", "_method", &l->nm_method) ||
	    vmstructs_offset(vs, "CompiledMethod", "_scopes_data_begin",
			     &l->nm_scopes_data_begin) ||
	    vmstructs_offset(vs, "nmethod", "_metadata_offset", &l->nm_metadata_offset) ||
	    vmstructs_offset(vs, "nmethod", "_scopes_pcs_offset", &l->nm_scopes_pcs_offset) ||
	    vmstructs_offset(vs, "nmethod", "_dependencies_offset", &l->nm_dependencies_offset) ||
	    vmstructs_type_size(vs, "nmethod", &l->nmethod_size) ||
	    vmstructs_offset(vs, "PcDesc", "_pc_offset", &l->pc_pc_offset) ||
	    vmstructs_offset(vs, "PcDesc", "_scope_decode_offset", &l->pc_scope_decode_offset) ||
	    vmstructs_type_size(vs, "PcDesc", &l->pcdesc_size))
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
	    hotspot_hdr_get(hdr, l->codeblob_size, l->blob_code_begin, &out->code_begin, 8) ||
	    hotspot_hdr_get(hdr, l->codeblob_size, l->blob_code_end, &out->code_end, 8))
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
	    hotspot_hdr_get(hdr, l->nmethod_size, l->nm_scopes_data_begin,
			    &out->scopes_data_begin, 8) ||
	    hotspot_hdr_get(hdr, l->nmethod_size, l->nm_metadata_offset, &out->metadata_offset,
			    4) ||
	    hotspot_hdr_get(hdr, l->nmethod_size, l->nm_scopes_pcs_offset,
			    &out->scopes_pcs_offset, 4) ||
	    hotspot_hdr_get(hdr, l->nmethod_size, l->nm_dependencies_offset,
			    &out->dependencies_offset, 4))
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
	memset(nm, 0, sizeof(*nm));
}

size_t hotspot_nmethod_bytes(const struct hotspot_nmethod *nm)
{
	return sizeof(*nm) + nm->npcs * sizeof(*nm->pcs) + nm->scopes_len +
	       nm->nmetadata * sizeof(*nm->metadata);
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

int hotspot_nmethod_read(const struct mem_reader *mem, const struct hotspot_blob_layout *l,
			 const struct hotspot_blob *blob, size_t max_bytes, struct hotspot_nmethod *out)
{
	uint64_t start = blob->start, end = blob->start + blob->size;
	uint64_t md_begin, pcs_begin, pcs_end, sd_begin = blob->scopes_data_begin;
	size_t md_len, sd_len, pcs_len;
	uint8_t *raw = NULL;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!blob->is_nmethod)
		return -EINVAL;
	out->blob = *blob;
	if (blob->metadata_offset < 0 || blob->scopes_pcs_offset < 0 || blob->dependencies_offset < 0)
		return -EINVAL;
	md_begin = start + (uint32_t)blob->metadata_offset;
	pcs_begin = start + (uint32_t)blob->scopes_pcs_offset;
	pcs_end = start + (uint32_t)blob->dependencies_offset;
	/* header <= metadata <= scopes data <= PcDescs <= dependencies <= end */
	if (md_begin < start + l->nmethod_size || sd_begin < md_begin || pcs_begin < sd_begin ||
	    pcs_end < pcs_begin || pcs_end > end)
		return -EINVAL;
	md_len = sd_begin - md_begin;
	sd_len = pcs_begin - sd_begin;
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
cleanup:
	free(raw);
	if (err)
		hotspot_nmethod_free(out);
	return err;
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

int hotspot_nmethod_scopes(const struct hotspot_nmethod *nm, uint64_t pc, bool leaf,
			   enum java_pc_rule rule, struct hotspot_scope *out, size_t max)
{
	const struct hotspot_blob *b = &nm->blob;
	ssize_t idx;
	size_t n = 0;
	int32_t decode;

	if (!max)
		return -E2BIG;
	if (pc < b->start || pc >= b->start + b->size)
		return -EINVAL;
	idx = hotspot_pcdesc_select(nm->pcs, nm->npcs, (int64_t)pc - (int64_t)b->code_begin, leaf,
				    rule);
	if (idx < 0)
		return -ENOENT;
	decode = nm->pcs[idx].scope_decode_offset;
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
		if (hotspot_unsigned5_read(nm->scopes, nm->scopes_len, &pos, &sender) ||
		    hotspot_unsigned5_read(nm->scopes, nm->scopes_len, &pos, &midx) ||
		    hotspot_unsigned5_read(nm->scopes, nm->scopes_len, &pos, &bci))
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
