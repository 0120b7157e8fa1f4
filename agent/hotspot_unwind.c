#include "agent/hotspot_unwind.h"

#include "symbolize/hotspot_nmethod.h"

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
	uint64_t size = 0;
	int err = offsets_read(vs, refs, sizeof(refs) / sizeof(refs[0]));

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
