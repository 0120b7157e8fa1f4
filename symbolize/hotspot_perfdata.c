// SPDX-License-Identifier: GPL-2.0
#include "symbolize/hotspot_perfdata.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* PerfDataPrologue::magic as the JVM writes it (0xcafec0c0, big-endian in
 * memory), and a bound on what a sane region holds. */
#define PERFDATA_MAGIC_BE 0xc0c0fecaU
#define PERFDATA_MAX_ENTRIES 100000u
#define PERFDATA_NAME_MAX 256

struct perfdata_layout {
	uint64_t p_magic, p_entry_offset, p_num_entries;
	uint64_t e_length, e_name_offset, e_vector_length, e_data_type, e_data_offset;
	uint64_t start_static, capacity_static;
};

static int layout_read(const struct vmstructs *vs, struct perfdata_layout *l)
{
	const struct vmstructs_field *start = vmstructs_field(vs, "PerfMemory", "_start");
	const struct vmstructs_field *cap = vmstructs_field(vs, "PerfMemory", "_capacity");

	if (!start || !start->is_static || !cap || !cap->is_static)
		return -ENOENT;
	l->start_static = start->address;
	l->capacity_static = cap->address;
	if (vmstructs_offset(vs, "PerfDataPrologue", "magic", &l->p_magic) ||
	    vmstructs_offset(vs, "PerfDataPrologue", "entry_offset", &l->p_entry_offset) ||
	    vmstructs_offset(vs, "PerfDataPrologue", "num_entries", &l->p_num_entries) ||
	    vmstructs_offset(vs, "PerfDataEntry", "entry_length", &l->e_length) ||
	    vmstructs_offset(vs, "PerfDataEntry", "name_offset", &l->e_name_offset) ||
	    vmstructs_offset(vs, "PerfDataEntry", "vector_length", &l->e_vector_length) ||
	    vmstructs_offset(vs, "PerfDataEntry", "data_type", &l->e_data_type) ||
	    vmstructs_offset(vs, "PerfDataEntry", "data_offset", &l->e_data_offset))
		return -ENOENT;
	return 0;
}

static int read_u32(const struct mem_reader *mem, uint64_t addr, uint32_t *v)
{
	return mem->read(mem->ctx, addr, v, sizeof(*v));
}

/* Entry at off (inside [0, capacity)): is it a scalar long called name? */
static int entry_match(const struct mem_reader *mem, const struct perfdata_layout *l, uint64_t base,
		       uint64_t capacity, uint64_t off, const char *name, uint32_t *length,
		       uint64_t *value_addr)
{
	uint32_t name_off, vlen, data_off;
	uint8_t type;
	char buf[PERFDATA_NAME_MAX];
	int err;

	err = read_u32(mem, base + off + l->e_length, length);
	if (!err)
		err = read_u32(mem, base + off + l->e_name_offset, &name_off);
	if (!err)
		err = read_u32(mem, base + off + l->e_vector_length, &vlen);
	if (!err)
		err = read_u32(mem, base + off + l->e_data_offset, &data_off);
	if (!err)
		err = mem->read(mem->ctx, base + off + l->e_data_type, &type, 1);
	if (err)
		return err;
	if (*length == 0 || *length > capacity - off || name_off >= *length)
		return -EINVAL;
	if (vlen != 0 || type != 'J')
		return 0; /* arrays, strings: not a counter */
	if (*length < sizeof(uint64_t) || data_off > *length - sizeof(uint64_t))
		return -EINVAL;
	err = mem_read_string(mem, base + off + name_off, buf, sizeof(buf));
	if (err == -ENAMETOOLONG)
		return 0;
	if (err)
		return err;
	if (strcmp(buf, name))
		return 0;
	*value_addr = base + off + data_off;
	return 1;
}

int hotspot_perfdata_find(const struct mem_reader *mem, const struct vmstructs *vs,
			  const char *name, uint64_t *value_addr)
{
	struct perfdata_layout l;
	uint64_t base = 0, capacity = 0, off;
	uint32_t magic = 0, entry_off = 0, n = 0, length = 0;
	int err = layout_read(vs, &l);

	if (!err)
		err = mem_read_u64(mem, l.start_static, &base);
	if (!err)
		err = mem_read_u64(mem, l.capacity_static, &capacity);
	if (!err && (!base || capacity < l.p_num_entries + 4))
		err = -EINVAL;
	if (!err)
		err = read_u32(mem, base + l.p_magic, &magic);
	if (!err)
		err = read_u32(mem, base + l.p_entry_offset, &entry_off);
	if (!err)
		err = read_u32(mem, base + l.p_num_entries, &n);
	if (err)
		return err;
	if (magic != PERFDATA_MAGIC_BE || entry_off >= capacity || n > PERFDATA_MAX_ENTRIES)
		return -EINVAL;
	off = entry_off;
	for (uint32_t i = 0; i < n && off < capacity; i++, off += length) {
		err = entry_match(mem, &l, base, capacity, off, name, &length, value_addr);
		if (err)
			return err < 0 ? err : 0;
	}
	return -ENOENT;
}
