#include "agent/hotspot_unwind.h"

#include <errno.h>
#include <string.h>

/* Only HS_INTERP_LOW is used here; the walk itself needs a reader. */
#define HS_READ(ctx, dst, len, addr)                                                     \
	(((const struct mem_reader *)(ctx))->read(((const struct mem_reader *)(ctx))->ctx, \
						  (addr), (dst), (len)))
#include "bpf/hotspot_unwind.h"

/* x86-64: HotSpot's wordSize, the unit of frame::*_offset constants. */
#define HS_WORD 8

struct field_ref {
	const char *type, *field;
	__u32 *dst;
};

static int offsets_read(const struct vmstructs *vs, const struct field_ref *refs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t off;
		int err = vmstructs_offset(vs, refs[i].type, refs[i].field, &off);

		if (err)
			return err;
		if (off > UINT32_MAX)
			return -ERANGE;
		*refs[i].dst = (__u32)off;
	}
	return 0;
}

static int static_address(const struct vmstructs *vs, const char *type, const char *field,
			  uint64_t *addr)
{
	const struct vmstructs_field *f = vmstructs_field(vs, type, field);

	if (!f || !f->is_static || !f->address)
		return -ENOENT;
	*addr = f->address;
	return 0;
}

static int read_static_u64(const struct mem_reader *mem, const struct vmstructs *vs,
			   const char *type, const char *field, uint64_t *value)
{
	uint64_t addr;
	int err = static_address(vs, type, field, &addr);

	return err ? err : mem_read_u64(mem, addr, value);
}

static int blob_offsets_read(const struct vmstructs *vs, struct hotspot_cfg *c)
{
	const struct field_ref refs[] = {
		{ "CodeBlob", "_name", &c->blob_name },
		{ "CodeBlob", "_size", &c->blob_size },
		{ "CodeBlob", "_frame_size", &c->blob_frame_size },
		{ "CodeBlob", "_frame_complete_offset", &c->blob_frame_complete },
		{ "CodeBlob", "_code_begin", &c->blob_code_begin },
		{ "CodeBlob", "_code_end", &c->blob_code_end },
		{ "nmethod", "_compile_id", &c->nmethod_compile_id },
		{ "CompiledMethod", "_method", &c->nmethod_method },
		{ "Method", "_constMethod", &c->method_const_method },
	};
	uint64_t header = 0, used = 0, size = 0;
	int err = offsets_read(vs, refs, sizeof(refs) / sizeof(refs[0]));

	if (!err)
		err = vmstructs_offset(vs, "HeapBlock", "_header", &header);
	if (!err)
		err = vmstructs_offset(vs, "HeapBlock::Header", "_used", &used);
	if (!err)
		err = vmstructs_type_size(vs, "HeapBlock", &size);
	if (err)
		return err;
	c->heap_block_used = (__u32)(header + used);
	c->heap_block_size = (__u32)size;
	err = vmstructs_type_size(vs, "ConstMethod", &size);
	if (err)
		return err;
	c->const_method_size = (__u32)size;
	return 0;
}

/* The interpreter frame slots, relative to rbp. JDK 17 exports only the
 * sender sp and last sp offsets; the slots below them are declared in that
 * order in frame_x86.hpp (last_sp, method, mirror, mdp, cache, locals,
 * bcp), one word each, so method is last_sp - 1 and bcp is method - 5. A
 * JDK that exports the method or bcp offsets directly is taken at its
 * word. (JDK 8 had no mirror slot; it exports no last_sp offset either, so
 * it fails here rather than guessing.) */
static int interp_offsets_read(const struct vmstructs *vs, struct hotspot_cfg *c)
{
	int32_t sender_sp, last_sp, method, bcp;
	int err;

	err = vmstructs_int_constant(vs, "frame::interpreter_frame_sender_sp_offset", &sender_sp);
	if (!err)
		err = vmstructs_int_constant(vs, "frame::interpreter_frame_last_sp_offset", &last_sp);
	if (err)
		return err;
	if (vmstructs_int_constant(vs, "frame::interpreter_frame_method_offset", &method))
		method = last_sp - 1;
	if (vmstructs_int_constant(vs, "frame::interpreter_frame_bcp_offset", &bcp))
		bcp = method - 5;
	c->interp_sender_sp = sender_sp * HS_WORD;
	c->interp_method = method * HS_WORD;
	c->interp_bcp = bcp * HS_WORD;
	/* The BPF side reads one window of words below the return address. */
	const int32_t slots[] = { c->interp_sender_sp, c->interp_method, c->interp_bcp };
	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (slots[i] < HS_INTERP_LOW || slots[i] > 8 || (slots[i] & 7))
			return -ERANGE;
	return 0;
}

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

/* CodeCache::_heaps: GrowableArray<CodeHeap*>*; the array layout is the same
 * for every element type, so GrowableArray<int>::_data gives _data. */
static int heaps_read(const struct mem_reader *mem, const struct vmstructs *vs,
		      struct hotspot_cfg *c)
{
	struct heap_offsets o;
	uint64_t array, len_off, data_off, data;
	int32_t len = 0;
	int err;

	err = vmstructs_offset(vs, "CodeHeap", "_memory", &o.memory);
	if (!err)
		err = vmstructs_offset(vs, "CodeHeap", "_segmap", &o.segmap);
	if (!err)
		err = vmstructs_offset(vs, "CodeHeap", "_log2_segment_size", &o.log2);
	if (!err)
		err = vmstructs_offset(vs, "VirtualSpace", "_low_boundary", &o.low_boundary);
	if (!err)
		err = vmstructs_offset(vs, "VirtualSpace", "_high_boundary", &o.high_boundary);
	if (!err)
		err = vmstructs_offset(vs, "VirtualSpace", "_low", &o.low);
	if (!err)
		err = vmstructs_offset(vs, "GrowableArrayBase", "_len", &len_off);
	if (!err)
		err = vmstructs_offset(vs, "GrowableArray<int>", "_data", &data_off);
	if (!err)
		err = read_static_u64(mem, vs, "CodeCache", "_heaps", &array);
	if (err)
		return err;
	if (!array)
		return -ENOENT; /* code cache not initialised yet */
	err = mem->read(mem->ctx, array + len_off, &len, sizeof(len));
	if (!err)
		err = mem_read_u64(mem, array + data_off, &data);
	if (err)
		return err;
	if (len <= 0 || !data)
		return -ENOENT;
	if (len > HS_MAX_HEAPS)
		return -ERANGE;
	for (int32_t i = 0; i < len; i++) {
		uint64_t heap;

		err = mem_read_u64(mem, data + (uint64_t)i * 8, &heap);
		if (!err)
			err = heap ? heap_read(mem, &o, heap, &c->heaps[i]) : -ENOENT;
		if (err)
			return err;
	}
	c->nheaps = (__u32)len;
	return 0;
}

int hotspot_cfg_read(const struct mem_reader *mem, const struct vmstructs *vs,
		     struct hotspot_cfg *out)
{
	struct hotspot_cfg c;
	uint64_t low = 0, high = 0;
	int err;

	memset(&c, 0, sizeof(c));
	err = blob_offsets_read(vs, &c);
	if (!err)
		err = interp_offsets_read(vs, &c);
	if (!err)
		err = read_static_u64(mem, vs, "CodeCache", "_low_bound", &low);
	if (!err)
		err = read_static_u64(mem, vs, "CodeCache", "_high_bound", &high);
	if (!err && (!low || high <= low))
		err = -ENOENT;
	c.codecache_low = low;
	c.codecache_high = high;
	/* The BPF encoding keeps 32 bits of pc - codecache_low. */
	if (!err && c.codecache_high - c.codecache_low > UINT32_MAX)
		err = -ERANGE;
	if (!err)
		err = heaps_read(mem, vs, &c);
	for (__u32 i = 0; !err && i < c.nheaps; i++)
		if (c.heaps[i].low < c.codecache_low || c.heaps[i].high > c.codecache_high)
			err = -ERANGE;
	if (err)
		goto cleanup;
	*out = c;
cleanup:
	return err;
}
