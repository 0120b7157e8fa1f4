// SPDX-License-Identifier: GPL-2.0
#include "agent/collect/hotspot_unwind.h"

#include "symbolize/hotspot_nmethod.h"

#include <errno.h>
#include <stdio.h>
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

/* The width of a CodeBlob field: the gap to the next field exported (JDK
 * 23 made _frame_complete_offset an int16_t, followed by a u1 _kind; before,
 * an int followed by an int). vmStructs tables give no field widths. */
static __u32 field_bytes(const struct vmstructs *vs, const char *type, uint64_t off)
{
	uint64_t gap = 4;

	for (size_t i = 0; i < vs->nfields; i++) {
		const struct vmstructs_field *f = &vs->fields[i];

		if (!f->is_static && f->field && !strcmp(f->type, type) && f->offset > off &&
		    f->offset - off < gap)
			gap = f->offset - off;
	}
	return gap >= 4 ? 4 : gap >= 2 ? 2 : 0;
}

/* Variants shared with the namer (symbolize/hotspot_nmethod.c): code begin
 * as a pointer or an offset, the method in CompiledMethod or nmethod. */
static int blob_variants_read(const struct vmstructs *vs, struct hotspot_cfg *c)
{
	struct hotspot_blob_layout bl;
	int err = hotspot_blob_layout_init(&bl, vs);

	if (err)
		return err;
	if (bl.blob_code_begin > UINT32_MAX || bl.blob_code_end > UINT32_MAX ||
	    bl.nm_method > UINT32_MAX)
		return -ERANGE;
	c->blob_code_begin = (__u32)bl.blob_code_begin;
	c->blob_code_end = (__u32)bl.blob_code_end;
	c->nmethod_method = (__u32)bl.nm_method;
	c->blob_code_is_offset = bl.code_is_offset;
	c->blob_frame_complete_bytes = field_bytes(vs, "CodeBlob", c->blob_frame_complete);
	return c->blob_frame_complete_bytes ? 0 : -ERANGE;
}

static int blob_offsets_read(const struct vmstructs *vs, struct hotspot_cfg *c)
{
	const struct field_ref refs[] = {
		{ "CodeBlob", "_name", &c->blob_name },
		{ "CodeBlob", "_size", &c->blob_size },
		{ "CodeBlob", "_frame_size", &c->blob_frame_size },
		{ "CodeBlob", "_frame_complete_offset", &c->blob_frame_complete },
		{ "nmethod", "_compile_id", &c->nmethod_compile_id },
		{ "Method", "_constMethod", &c->method_const_method },
	};
	uint64_t size = 0;
	int err = offsets_read(vs, refs, sizeof(refs) / sizeof(refs[0]));

	if (!err)
		err = blob_variants_read(vs, c);
	if (err)
		return err;
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

int hotspot_cfg_read(const struct mem_reader *mem, const struct vmstructs *vs,
		     struct hotspot_cfg *out)
{
	struct hotspot_cfg c;
	int err;

	memset(&c, 0, sizeof(c));
	err = blob_offsets_read(vs, &c);
	if (!err)
		err = interp_offsets_read(vs, &c);
	/* The code cache's bounds, heaps and HeapBlock layout. */
	if (!err)
		err = hotspot_codecache_read(mem, vs, &c);
	if (err)
		return err;
	*out = c;
	return 0;
}

int hotspot_cfg_missing(const struct vmstructs *vs, char *buf, size_t len)
{
	static const char *const fields[][2] = {
		{ "CodeBlob", "_frame_size" }, { "CodeBlob", "_frame_complete_offset" },
		{ "Method", "_constMethod" },  { "CodeCache", "_heaps" },
		{ "CodeHeap", "_segmap" },     { "HeapBlock::Header", "_used" },
	};
	static const char *const ints[] = { "frame::interpreter_frame_sender_sp_offset",
					    "frame::interpreter_frame_last_sp_offset" };
	struct hotspot_blob_layout bl;
	int32_t v;

	if (hotspot_blob_layout_init(&bl, vs) == -ENOENT) {
		snprintf(buf, len, "%s", bl.missing);
		return 0;
	}
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (!vmstructs_field(vs, fields[i][0], fields[i][1])) {
			snprintf(buf, len, "%s::%s", fields[i][0], fields[i][1]);
			return 0;
		}
	}
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		if (vmstructs_int_constant(vs, ints[i], &v)) {
			snprintf(buf, len, "%s", ints[i]);
			return 0;
		}
	}
	return -ENOENT;
}
