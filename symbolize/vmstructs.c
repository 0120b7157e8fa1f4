// SPDX-License-Identifier: GPL-2.0
#include "symbolize/vmstructs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Far more than any JDK has (JDK 17: ~2000 fields, ~700 types). */
#define VMSTRUCTS_MAX_ENTRIES 100000
#define VMSTRUCTS_NAME_MAX 256

const char *const vmstructs_symbol_names[12] = {
	"gHotSpotVMStructs",
	"gHotSpotVMStructEntryTypeNameOffset",
	"gHotSpotVMStructEntryFieldNameOffset",
	"gHotSpotVMStructEntryTypeStringOffset",
	"gHotSpotVMStructEntryIsStaticOffset",
	"gHotSpotVMStructEntryOffsetOffset",
	"gHotSpotVMStructEntryAddressOffset",
	"gHotSpotVMStructEntryArrayStride",
	"gHotSpotVMTypes",
	"gHotSpotVMTypeEntryTypeNameOffset",
	"gHotSpotVMTypeEntrySizeOffset",
	"gHotSpotVMTypeEntryArrayStride",
};

const char *const vmstructs_int_symbol_names[4] = {
	"gHotSpotVMIntConstants",
	"gHotSpotVMIntConstantEntryNameOffset",
	"gHotSpotVMIntConstantEntryValueOffset",
	"gHotSpotVMIntConstantEntryArrayStride",
};

static void ints_free(struct vmstructs *vs)
{
	for (size_t i = 0; i < vs->nints; i++)
		free(vs->ints[i].name);
	free(vs->ints);
	vs->ints = NULL;
	vs->nints = 0;
}

void vmstructs_free(struct vmstructs *vs)
{
	ints_free(vs);
	for (size_t i = 0; i < vs->nfields; i++) {
		free(vs->fields[i].type);
		free(vs->fields[i].field);
	}
	for (size_t i = 0; i < vs->ntypes; i++)
		free(vs->types[i].name);
	free(vs->fields);
	free(vs->types);
	memset(vs, 0, sizeof(*vs));
}

/* The variables hold values (offsets, strides, table pointers): read them. */
struct layout {
	uint64_t structs, s_type, s_field, s_static, s_offset, s_address, s_stride;
	uint64_t types, t_type, t_size, t_stride;
};

static int read_layout(const struct mem_reader *m, const struct vmstructs_addrs *a,
		       struct layout *l)
{
	const uint64_t src[] = { a->structs, a->s_type_name_off, a->s_field_name_off,
				 a->s_is_static_off, a->s_offset_off, a->s_address_off,
				 a->s_stride, a->types, a->t_type_name_off, a->t_size_off,
				 a->t_stride };
	uint64_t *dst[] = { &l->structs, &l->s_type, &l->s_field, &l->s_static, &l->s_offset,
			    &l->s_address, &l->s_stride, &l->types, &l->t_type, &l->t_size,
			    &l->t_stride };

	for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
		int err = mem_read_u64(m, src[i], dst[i]);

		if (err)
			return err;
	}
	/* Offsets must fall inside an entry of the stated size. */
	/* cppcheck-suppress uninitvar ; the loop above set every field through dst[] */
	if (!l->structs || !l->types || l->s_stride < 8 || l->s_stride > 1024 || l->t_stride < 8 ||
	    l->t_stride > 1024 || l->s_type + 8 > l->s_stride || l->s_field + 8 > l->s_stride ||
	    l->s_static + 4 > l->s_stride || l->s_offset + 8 > l->s_stride ||
	    l->s_address + 8 > l->s_stride || l->t_type + 8 > l->t_stride ||
	    l->t_size + 8 > l->t_stride)
		return -EINVAL;
	return 0;
}

static int read_name(const struct mem_reader *m, uint64_t ptr, char **out)
{
	char buf[VMSTRUCTS_NAME_MAX];
	int err = mem_read_string(m, ptr, buf, sizeof(buf));

	if (err)
		return err;
	*out = strdup(buf);
	return *out ? 0 : -ENOMEM;
}

static int read_fields(const struct mem_reader *m, const struct layout *l, struct vmstructs *vs)
{
	size_t cap = 0;

	for (size_t i = 0; i < VMSTRUCTS_MAX_ENTRIES; i++) {
		uint64_t entry = l->structs + i * l->s_stride, type_ptr, field_ptr;
		struct vmstructs_field *f;
		int32_t is_static;
		int err;

		err = mem_read_u64(m, entry + l->s_type, &type_ptr);
		if (err)
			return err;
		if (!type_ptr)
			return 0; /* the table ends with an all-NULL entry */
		if (vs->nfields == cap) {
			size_t ncap = cap ? cap * 2 : 512;
			void *g = realloc(vs->fields, ncap * sizeof(*vs->fields));

			if (!g)
				return -ENOMEM;
			vs->fields = g;
			cap = ncap;
		}
		f = &vs->fields[vs->nfields];
		memset(f, 0, sizeof(*f));
		err = mem_read_u64(m, entry + l->s_field, &field_ptr);
		if (!err)
			err = m->read(m->ctx, entry + l->s_static, &is_static, sizeof(is_static));
		if (!err)
			err = mem_read_u64(m, entry + l->s_offset, &f->offset);
		if (!err)
			err = mem_read_u64(m, entry + l->s_address, &f->address);
		if (!err)
			err = read_name(m, type_ptr, &f->type);
		if (!err && field_ptr)
			err = read_name(m, field_ptr, &f->field);
		vs->nfields++; /* counted even when half-filled: freed the same way */
		if (err)
			return err;
		f->is_static = is_static != 0;
	}
	return -EINVAL;
}

static int read_types(const struct mem_reader *m, const struct layout *l, struct vmstructs *vs)
{
	size_t cap = 0;

	for (size_t i = 0; i < VMSTRUCTS_MAX_ENTRIES; i++) {
		uint64_t entry = l->types + i * l->t_stride, name_ptr;
		struct vmstructs_type *t;
		int err;

		err = mem_read_u64(m, entry + l->t_type, &name_ptr);
		if (err)
			return err;
		if (!name_ptr)
			return 0;
		if (vs->ntypes == cap) {
			size_t ncap = cap ? cap * 2 : 512;
			void *g = realloc(vs->types, ncap * sizeof(*vs->types));

			if (!g)
				return -ENOMEM;
			vs->types = g;
			cap = ncap;
		}
		t = &vs->types[vs->ntypes];
		memset(t, 0, sizeof(*t));
		vs->ntypes++;
		err = mem_read_u64(m, entry + l->t_size, &t->size);
		if (!err)
			err = read_name(m, name_ptr, &t->name);
		if (err)
			return err;
	}
	return -EINVAL;
}

int vmstructs_read(const struct mem_reader *mem, const struct vmstructs_addrs *a,
		   struct vmstructs *out)
{
	struct layout l;
	int err;

	memset(out, 0, sizeof(*out));
	err = read_layout(mem, a, &l);
	if (!err)
		err = read_fields(mem, &l, out);
	if (!err)
		err = read_types(mem, &l, out);
	if (err)
		vmstructs_free(out);
	return err;
}

const struct vmstructs_field *vmstructs_field(const struct vmstructs *vs, const char *type,
					      const char *field)
{
	for (size_t i = 0; i < vs->nfields; i++) {
		const struct vmstructs_field *f = &vs->fields[i];

		if (f->field && !strcmp(f->type, type) && !strcmp(f->field, field))
			return f;
	}
	return NULL;
}

int vmstructs_offset(const struct vmstructs *vs, const char *type, const char *field,
		     uint64_t *offset)
{
	const struct vmstructs_field *f = vmstructs_field(vs, type, field);

	if (!f || f->is_static)
		return -ENOENT;
	*offset = f->offset;
	return 0;
}

int vmstructs_type_size(const struct vmstructs *vs, const char *type, uint64_t *size)
{
	for (size_t i = 0; i < vs->ntypes; i++) {
		if (!strcmp(vs->types[i].name, type)) {
			*size = vs->types[i].size;
			return 0;
		}
	}
	return -ENOENT;
}

/* VMIntConstantEntry { const char *name; int32_t value; }, ended by a NULL
 * name; the variables hold the table pointer and the layout. */
static int read_ints(const struct mem_reader *m, const struct vmstructs_int_addrs *a,
		     struct vmstructs *vs)
{
	uint64_t table, name_off, value_off, stride;
	size_t cap = 0;
	int err;

	err = mem_read_u64(m, a->ints, &table);
	if (!err)
		err = mem_read_u64(m, a->name_off, &name_off);
	if (!err)
		err = mem_read_u64(m, a->value_off, &value_off);
	if (!err)
		err = mem_read_u64(m, a->stride, &stride);
	if (err)
		return err;
	if (!table || stride < 8 || stride > 1024 || name_off + 8 > stride || value_off + 4 > stride)
		return -EINVAL;
	for (size_t i = 0; i < VMSTRUCTS_MAX_ENTRIES; i++) {
		uint64_t entry = table + i * stride, name_ptr;
		struct vmstructs_int *c;

		err = mem_read_u64(m, entry + name_off, &name_ptr);
		if (err)
			return err;
		if (!name_ptr)
			return 0;
		if (vs->nints == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			void *g = realloc(vs->ints, ncap * sizeof(*vs->ints));

			if (!g)
				return -ENOMEM;
			vs->ints = g;
			cap = ncap;
		}
		c = &vs->ints[vs->nints];
		memset(c, 0, sizeof(*c));
		vs->nints++;
		err = m->read(m->ctx, entry + value_off, &c->value, sizeof(c->value));
		if (!err)
			err = read_name(m, name_ptr, &c->name);
		if (err)
			return err;
	}
	return -EINVAL;
}

int vmstructs_read_ints(const struct mem_reader *mem, const struct vmstructs_int_addrs *a,
			struct vmstructs *vs)
{
	int err;

	ints_free(vs);
	err = read_ints(mem, a, vs);
	if (err)
		ints_free(vs);
	return err;
}

int vmstructs_int_constant(const struct vmstructs *vs, const char *name, int32_t *value)
{
	for (size_t i = 0; i < vs->nints; i++) {
		if (vs->ints[i].name && !strcmp(vs->ints[i].name, name)) {
			*value = vs->ints[i].value;
			return 0;
		}
	}
	return -ENOENT;
}
