// SPDX-License-Identifier: GPL-2.0
#include "agent/jvm/jvm_runtime.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbolize/elf_lookup.h"
#include "symbolize/proc_maps.h"
#include "symbolize/safe_open.h"

/* Mangled names vary with the JDK (Thread* vs JavaThread*, HeapWord* vs
 * HeapWordImpl**): match the class and method, not the parameters. */
#define IN_NEW_TLAB "_ZN11AllocTracer27send_allocation_in_new_tlab"
#define OUTSIDE_TLAB "_ZN11AllocTracer28send_allocation_outside_tlab"

/* Symbol lookup slots: the vmStructs tables, the int constants, the hooks. */
#define Q_INTS 12
#define Q_IN_NEW_TLAB 16
#define Q_OUTSIDE_TLAB 17
#define Q_COUNT 18

/* Answers per libjvm file. Every TaskManager on a host maps the same
 * libjvm, and scanning its symbol tables holds ~4 MiB for a moment (with
 * heaptrack: the daemon's brief RSS peaks at each TaskManager start were
 * that scan, beside the symbolizer's own table of the same file). A file
 * replaced on disk is another (device, inode, size, mtime). Workers and
 * the loop both open runtimes: under a lock. */
#define LOOKUP_MEMO_FILES 4

struct lookup_memo {
	struct stat st;
	struct elf_lookup q[Q_COUNT];
	struct elf_lookup_info info;
	bool used;
};

static struct lookup_memo memos[LOOKUP_MEMO_FILES];
static size_t memo_next;
static uint64_t memo_hits;
static pthread_mutex_t memo_lock = PTHREAD_MUTEX_INITIALIZER;

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* elf_lookup_symbols, or the answers it gave for this file before. */
static int lookup_symbols(int fd, pid_t pid, const char *path, struct elf_lookup *q,
			  struct elf_lookup_info *info)
{
	struct stat st;
	int err;

	if (fstat(fd, &st))
		return elf_lookup_symbols(fd, pid, path, q, Q_COUNT, info);
	pthread_mutex_lock(&memo_lock);
	for (size_t i = 0; i < LOOKUP_MEMO_FILES; i++) {
		if (memos[i].used && same_file(&memos[i].st, &st)) {
			memcpy(q, memos[i].q, sizeof(memos[i].q));
			*info = memos[i].info;
			memo_hits++;
			pthread_mutex_unlock(&memo_lock);
			return 0;
		}
	}
	pthread_mutex_unlock(&memo_lock);
	err = elf_lookup_symbols(fd, pid, path, q, Q_COUNT, info);
	if (err < 0)
		return err;
	pthread_mutex_lock(&memo_lock);
	memos[memo_next] = (struct lookup_memo){ .st = st, .info = *info, .used = true };
	memcpy(memos[memo_next].q, q, sizeof(memos[memo_next].q));
	memo_next = (memo_next + 1) % LOOKUP_MEMO_FILES;
	pthread_mutex_unlock(&memo_lock);
	return err;
}

uint64_t jvm_runtime_lookups_reused(void)
{
	uint64_t n;

	pthread_mutex_lock(&memo_lock);
	n = memo_hits;
	pthread_mutex_unlock(&memo_lock);
	return n;
}

static bool is_libjvm(const struct proc_map *m)
{
	size_t n = strlen(m->path);

	return n >= 10 && !strcmp(m->path + n - 10, "/libjvm.so");
}

/* Run-time address of a libjvm symbol: the mapping of file offset 0 is
 * where load_vaddr landed (.bss has no file offset, so go by vaddr). */
static uint64_t runtime_addr(const struct proc_maps *pm, const char *path, uint64_t load_vaddr,
			     uint64_t vaddr)
{
	for (size_t i = 0; i < pm->count; i++) {
		const struct proc_map *m = &pm->maps[i];

		if (!strcmp(m->path, path) && m->offset == 0)
			return m->start - load_vaddr + vaddr;
	}
	return 0;
}

static void read_vmstructs(struct jvm_runtime *rt, const struct proc_maps *pm,
			   const struct elf_lookup *q, uint64_t load_vaddr)
{
	uint64_t a[12];

	for (size_t i = 0; i < 12; i++) {
		a[i] = q[i].found ? runtime_addr(pm, rt->libjvm, load_vaddr, q[i].vaddr) : 0;
		if (!a[i])
			return;
	}
	struct vmstructs_addrs va = {
		.structs = a[0], .s_type_name_off = a[1], .s_field_name_off = a[2],
		.s_type_string_off = a[3], .s_is_static_off = a[4], .s_offset_off = a[5],
		.s_address_off = a[6], .s_stride = a[7], .types = a[8], .t_type_name_off = a[9],
		.t_size_off = a[10], .t_stride = a[11],
	};
	rt->vmstructs_ok = vmstructs_read(&rt->mem, &va, &rt->vs) == 0;
	if (!rt->vmstructs_ok)
		return;
	/* The constants are optional: only the HotSpot unwinder needs them. */
	for (size_t i = 0; i < 4; i++) {
		a[i] = q[Q_INTS + i].found ?
			       runtime_addr(pm, rt->libjvm, load_vaddr, q[Q_INTS + i].vaddr) : 0;
		if (!a[i])
			return;
	}
	struct vmstructs_int_addrs ia = {
		.ints = a[0], .name_off = a[1], .value_off = a[2], .stride = a[3],
	};
	rt->vmstructs_ints_ok = vmstructs_read_ints(&rt->mem, &ia, &rt->vs) == 0;
}

int jvm_runtime_open(pid_t pid, struct jvm_runtime *rt)
{
	struct elf_lookup q[Q_COUNT] = { { 0 } };
	struct elf_lookup_info info = { 0 };
	struct proc_maps *pm = NULL;
	const struct proc_map *lib = NULL;
	int fd = -1, err;

	memset(rt, 0, sizeof(*rt));
	rt->pid = pid;
	rt->mem = mem_reader_for_pid(pid);
	err = proc_maps_read(pid, &pm);
	if (err)
		return err == -ENOENT ? -ESRCH : err;
	for (size_t i = 0; i < pm->count && !lib; i++)
		if (is_libjvm(&pm->maps[i]))
			lib = &pm->maps[i];
	if (!lib) {
		err = -ENOENT;
		goto cleanup;
	}
	snprintf(rt->libjvm, sizeof(rt->libjvm), "%s", lib->path);
	if (proc_map_host_path(pid, lib->path, rt->libjvm_host, sizeof(rt->libjvm_host)))
		snprintf(rt->libjvm_host, sizeof(rt->libjvm_host), "/proc/%d/root%s", pid, lib->path);
	fd = proc_map_open(pid, lib);
	if (fd < 0) {
		err = fd;
		goto cleanup;
	}
	for (size_t i = 0; i < 12; i++)
		q[i].name = vmstructs_symbol_names[i];
	for (size_t i = 0; i < 4; i++)
		q[Q_INTS + i].name = vmstructs_int_symbol_names[i];
	q[Q_IN_NEW_TLAB] = (struct elf_lookup){ .name = IN_NEW_TLAB, .prefix = true };
	q[Q_OUTSIDE_TLAB] = (struct elf_lookup){ .name = OUTSIDE_TLAB, .prefix = true };
	err = lookup_symbols(fd, pid, lib->path, q, &info);
	if (err < 0)
		goto cleanup;
	err = 0;
	rt->has_symtab = info.has_symtab;
	rt->alloc_in_new_tlab = q[Q_IN_NEW_TLAB].found ? q[Q_IN_NEW_TLAB].file_offset : 0;
	rt->alloc_outside_tlab = q[Q_OUTSIDE_TLAB].found ? q[Q_OUTSIDE_TLAB].file_offset : 0;
	read_vmstructs(rt, pm, q, info.load_vaddr);
cleanup:
	if (fd >= 0)
		close(fd);
	proc_maps_free(pm);
	return err;
}

void jvm_runtime_close(struct jvm_runtime *rt)
{
	vmstructs_free(&rt->vs);
}
