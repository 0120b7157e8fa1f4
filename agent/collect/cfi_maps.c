// SPDX-License-Identifier: GPL-2.0
#include "agent/collect/cfi_maps.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "agent/core/log.h"
#include "bpf/abi.h"
#include "symbolize/cfi_table.h"
#include "symbolize/proc_maps.h"
#include "symbolize/safe_open.h"

/* A file whose rows are in the array (or, failed, that has none). */
struct cfi_file {
	struct cfi_file *next;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct cfi_seg segs[CFI_TABLE_MAX_SEGS];
	size_t nsegs;
	uint32_t first, n;
	unsigned int refs; /* mapping entries of targets */
	bool failed;
};

struct cfi_pid {
	pid_t pid;
	size_t n;
	struct cfi_file *files[CFI_MAX_MAPPINGS];
};

struct cfi_maps {
	int rows_fd, procs_fd; /* owned by the caller (agent/collect/unwind_maps.c) */
	struct cfi_file *files;
	struct cfi_pid *pids;
	size_t npids, cap;
};

int cfi_maps_new(int rows_fd, int procs_fd, struct cfi_maps **out)
{
	struct cfi_maps *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->rows_fd = rows_fd;
	c->procs_fd = procs_fd;
	*out = c;
	return 0;
}

void cfi_maps_free(struct cfi_maps *c)
{
	if (!c)
		return;
	while (c->files) {
		struct cfi_file *f = c->files;

		c->files = f->next;
		free(f);
	}
	free(c->pids);
	free(c);
}

size_t cfi_maps_rows_used(const struct cfi_maps *c)
{
	size_t n = 0;

	for (const struct cfi_file *f = c->files; f; f = f->next)
		n += f->n;
	return n;
}

/* Write n rows at index first of the cfi_rows array. */
static int rows_write(int fd, uint32_t first, const struct cfi_row *rows, size_t n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 *keys;
	__u32 count = (__u32)n;
	int err = 0;

	if (n > CFI_MAX_ROWS || first > CFI_MAX_ROWS - n)
		return -E2BIG;
	if (!n)
		return 0;
	keys = malloc(n * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		keys[i] = first + (__u32)i;
	if (bpf_map_update_batch(fd, keys, rows, &count, &opts)) {
		/* Kernels without batch operations on arrays: one by one. */
		err = 0;
		for (size_t i = 0; i < n && !err; i++)
			if (bpf_map_update_elem(fd, &keys[i], &rows[i], BPF_ANY))
				err = -errno;
	}
	free(keys);
	return err;
}

/* Set (or with p NULL, remove) tgid's entry in the cfi_procs map; removing
 * what is not there is not an error. */
static int proc_set(int fd, pid_t tgid, const struct cfi_proc *p)
{
	__u32 key = (__u32)tgid;

	if (!p)
		return bpf_map_delete_elem(fd, &key) && errno != ENOENT ? -errno : 0;
	return bpf_map_update_elem(fd, &key, p, BPF_ANY) ? -errno : 0;
}

/* Lowest gap of n rows in the array (files hold disjoint ranges). */
static int rows_alloc(const struct cfi_maps *c, uint32_t n, uint32_t *first)
{
	uint32_t at = 0;
	bool moved = true;

	/* Few files: restart the scan whenever a range overlaps the candidate. */
	while (moved) {
		moved = false;
		for (const struct cfi_file *f = c->files; f; f = f->next) {
			if (f->failed || !f->n)
				continue;
			if (at < f->first + f->n && f->first < at + n) {
				at = f->first + f->n;
				moved = true;
			}
		}
		if (at > CFI_MAX_ROWS || CFI_MAX_ROWS - at < n)
			return -ENOSPC;
	}
	*first = at;
	return 0;
}

static void file_put(struct cfi_maps *c, struct cfi_file *f)
{
	if (!f || --f->refs)
		return;
	for (struct cfi_file **p = &c->files; *p; p = &(*p)->next) {
		if (*p == f) {
			*p = f->next;
			free(f);
			return;
		}
	}
}

/* The loaded (or failed) file behind m, loading it if new; NULL on error. */
static struct cfi_file *file_get(struct cfi_maps *c, pid_t pid, const struct proc_map *m)
{
	struct cfi_table t;
	struct cfi_file *f;
	struct stat sb;
	int fd = proc_map_open(pid, m), err;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || (m->inode && sb.st_ino != (ino_t)m->inode)) {
		close(fd);
		return NULL;
	}
	for (f = c->files; f; f = f->next) {
		if (f->dev == sb.st_dev && f->ino == sb.st_ino && f->size == sb.st_size &&
		    f->mtime.tv_sec == sb.st_mtim.tv_sec && f->mtime.tv_nsec == sb.st_mtim.tv_nsec) {
			close(fd);
			return f;
		}
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		close(fd);
		return NULL;
	}
	f->dev = sb.st_dev;
	f->ino = sb.st_ino;
	f->size = sb.st_size;
	f->mtime = sb.st_mtim;
	err = cfi_table_build(fd, &t);
	close(fd);
	if (!err)
		err = rows_alloc(c, (uint32_t)t.n, &f->first);
	if (!err)
		err = rows_write(c->rows_fd, f->first, t.rows, t.n);
	if (err) {
		log_debug("PID %d: no unwind rows for %s: %s", (int)pid, m->path, strerror(-err));
		f->failed = true;
	} else {
		f->n = (uint32_t)t.n;
		memcpy(f->segs, t.segs, sizeof(f->segs));
		f->nsegs = t.nsegs;
		log_debug("PID %d: %zu unwind rows for %s at %u", (int)pid, t.n, m->path, f->first);
	}
	cfi_table_free(&t);
	/* Failed files stay (refs 0 forever) so they are not read again. */
	f->next = c->files;
	c->files = f;
	return f;
}

static int vaddr_of(const struct cfi_file *f, uint64_t off, uint64_t *vaddr)
{
	for (size_t i = 0; i < f->nsegs; i++) {
		if (off >= f->segs[i].offset && off - f->segs[i].offset < f->segs[i].filesz) {
			*vaddr = f->segs[i].vaddr + (off - f->segs[i].offset);
			return 0;
		}
	}
	return -ENOENT;
}

/* Libraries built without frame pointers that threads block in. */
static bool first_choice(const char *module)
{
	return !strncmp(module, "libc.so", 7) || !strncmp(module, "ld-linux", 8) ||
	       !strncmp(module, "libpthread.so", 13);
}

static struct cfi_pid *pid_find(struct cfi_maps *c, pid_t pid)
{
	for (size_t i = 0; i < c->npids; i++)
		if (c->pids[i].pid == pid)
			return &c->pids[i];
	return NULL;
}

int cfi_maps_add_maps(struct cfi_maps *c, pid_t pid, const struct proc_maps *pm)
{
	struct cfi_proc proc = { 0 };
	struct cfi_pid now = { .pid = pid }, *old;
	int err;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < pm->count && proc.n < CFI_MAX_MAPPINGS; i++) {
			const struct proc_map *m = &pm->maps[i];
			const char *module;
			struct cfi_file *f;
			uint64_t vaddr;

			if (!proc_map_is_exec(m) || !proc_map_is_file(m))
				continue;
			module = proc_map_module(m);
			if (first_choice(module) != (pass == 0) || !strcmp(module, "libjvm.so"))
				continue;
			f = file_get(c, pid, m);
			if (!f || f->failed || vaddr_of(f, m->offset, &vaddr))
				continue;
			proc.m[proc.n].start = m->start;
			proc.m[proc.n].end = m->end;
			proc.m[proc.n].bias = m->start - vaddr;
			proc.m[proc.n].first_row = f->first;
			proc.m[proc.n].nrows = f->n;
			proc.n++;
			f->refs++;
			now.files[now.n++] = f;
		}
	}
	old = pid_find(c, pid);
	err = proc.n ? proc_set(c->procs_fd, pid, &proc) : proc_set(c->procs_fd, pid, NULL);
	if (err) {
		for (size_t i = 0; i < now.n; i++)
			file_put(c, now.files[i]);
		return err;
	}
	if (old) {
		for (size_t i = 0; i < old->n; i++)
			file_put(c, old->files[i]);
		*old = now;
	} else if (now.n) {
		if (c->npids == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 8;
			struct cfi_pid *g = realloc(c->pids, cap * sizeof(*g));

			if (!g) {
				proc_set(c->procs_fd, pid, NULL);
				for (size_t i = 0; i < now.n; i++)
					file_put(c, now.files[i]);
				return -ENOMEM;
			}
			c->pids = g;
			c->cap = cap;
		}
		c->pids[c->npids++] = now;
	}
	return (int)proc.n;
}

int cfi_maps_add(struct cfi_maps *c, pid_t pid)
{
	struct proc_maps *pm;
	int err = proc_maps_read(pid, &pm);

	if (err)
		return err;
	err = cfi_maps_add_maps(c, pid, pm);
	proc_maps_free(pm);
	return err;
}

void cfi_maps_remove(struct cfi_maps *c, pid_t pid)
{
	struct cfi_pid *p = pid_find(c, pid);

	proc_set(c->procs_fd, pid, NULL);
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		file_put(c, p->files[i]);
	*p = c->pids[--c->npids];
}
