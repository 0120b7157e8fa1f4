// SPDX-License-Identifier: GPL-2.0
#include "agent/collect/leak_allocator.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "symbolize/proc_maps.h"

static bool base_starts(const char *path, const char *prefix)
{
	const char *base = strrchr(path, '/');

	return base && !strncmp(base + 1, prefix, strlen(prefix));
}

/* libc.so.6, or libc-2.31.so on older systems; not libcrypto or libcap. */
static bool is_libc(const char *path)
{
	return base_starts(path, "libc.so") || base_starts(path, "libc-");
}

static void add_range(struct leak_allocator *a, const struct proc_map *m)
{
	if (a->nranges < LEAK_MAX_RANGES)
		a->ranges[a->nranges++] = (struct leak_range){ m->start, m->end };
}

int leak_allocator_detect(const struct proc_maps *pm, struct leak_allocator *out)
{
	const char *je = NULL, *libc = NULL;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < pm->count; i++) {
		const struct proc_map *m = &pm->maps[i];

		if (!proc_map_is_file(m))
			continue;
		if (!je && base_starts(m->path, "libjemalloc.so"))
			je = m->path;
		if (!libc && is_libc(m->path))
			libc = m->path;
	}
	if (!libc)
		return -ENOENT;
	out->kind = je ? LEAK_ALLOCATOR_JEMALLOC : LEAK_ALLOCATOR_GLIBC;
	snprintf(out->lib, sizeof(out->lib), "%s", je ? je : libc);
	snprintf(out->libc, sizeof(out->libc), "%s", libc);
	for (size_t i = 0; i < pm->count; i++) {
		const struct proc_map *m = &pm->maps[i];

		if (proc_map_is_exec(m) && (!strcmp(m->path, libc) || (je && !strcmp(m->path, je))))
			add_range(out, m);
	}
	return 0;
}

const char *leak_allocator_name(enum leak_allocator_kind kind)
{
	return kind == LEAK_ALLOCATOR_JEMALLOC ? "jemalloc" : "glibc";
}
