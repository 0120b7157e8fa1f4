// SPDX-License-Identifier: GPL-2.0
#include "symbolize/hotspot_version.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>

/* JDK 20 rewrote CompressedStream over utilities/unsigned5.hpp. */
#define U5_EXCLUDED_SINCE 20

static int static_field(const struct vmstructs *vs, const char *field, uint64_t *addr)
{
	const struct vmstructs_field *f = vmstructs_field(vs, "Abstract_VM_Version", field);

	if (!f || !f->is_static || !f->address)
		return -ENOENT;
	*addr = f->address;
	return 0;
}

int hotspot_vm_major(const struct mem_reader *mem, const struct vmstructs *vs, int *major)
{
	uint64_t addr;
	int32_t v = 0;
	int err = static_field(vs, "_vm_major_version", &addr);

	if (!err)
		err = mem->read(mem->ctx, addr, &v, sizeof(v));
	if (err)
		return err;
	if (v < 6 || v > 1000)
		return -EINVAL;
	*major = v;
	return 0;
}

void hotspot_vm_release(const struct mem_reader *mem, const struct vmstructs *vs, char *buf,
			size_t len)
{
	uint64_t addr, str;
	int major;

	if (!len)
		return;
	if (!static_field(vs, "_s_vm_release", &addr) && !mem_read_u64(mem, addr, &str) && str) {
		int err = mem_read_string(mem, str, buf, len);

		if (err == -ENAMETOOLONG)
			buf[len - 1] = '\0';
		if ((!err || err == -ENAMETOOLONG) && buf[0])
			return;
	}
	if (!hotspot_vm_major(mem, vs, &major))
		snprintf(buf, len, "JDK %d", major);
	else
		snprintf(buf, len, "unknown JDK");
}

unsigned hotspot_u5_excluded(const struct mem_reader *mem, const struct vmstructs *vs)
{
	int major;

	return !hotspot_vm_major(mem, vs, &major) && major >= U5_EXCLUDED_SINCE;
}
