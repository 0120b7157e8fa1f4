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
	struct cfi_key key;
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

static bool key_equal(const struct cfi_key *a, const struct cfi_key *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static struct cfi_file *file_find(const struct cfi_maps *c, const struct cfi_key *k)
{
	for (struct cfi_file *f = c->files; f; f = f->next)
		if (key_equal(k, &f->key))
			return f;
	return NULL;
}

/* Free what nobody needs: files with rows no target references (one
 * whose mapping offset no segment holds never got a reference), and
 * failed files past CFI_FAILED_MAX, the oldest (the list is newest first). */
static void files_trim(struct cfi_maps *c)
{
	struct cfi_file **p = &c->files;
	size_t failed = 0;

	while (*p) {
		struct cfi_file *f = *p;

		if (f->failed ? ++failed > CFI_FAILED_MAX : !f->refs) {
			*p = f->next;
			free(f);
		} else {
			p = &f->next;
		}
	}
}

/* Most referenced first: libc and ld-linux, which every target maps,
 * before the files of one target. */
static int file_cmp_refs(const void *a, const void *b)
{
	const struct cfi_file *x = *(const struct cfi_file *const *)a;
	const struct cfi_file *y = *(const struct cfi_file *const *)b;

	return (x->refs < y->refs) - (x->refs > y->refs);
}

int cfi_maps_snapshot(const struct cfi_maps *c, struct cfi_known **out)
{
	const struct cfi_file **all = NULL;
	struct cfi_known *k = NULL;
	size_t n = 0, i = 0;
	int err = -ENOMEM;

	for (const struct cfi_file *f = c->files; f; f = f->next)
		n++;
	all = malloc((n ? n : 1) * sizeof(*all));
	k = malloc(sizeof(*k) + (n < CFI_KNOWN_MAX ? n : CFI_KNOWN_MAX) * sizeof(k->keys[0]));
	if (!all || !k)
		goto cleanup;
	for (const struct cfi_file *f = c->files; f; f = f->next)
		all[i++] = f;
	if (n > CFI_KNOWN_MAX)
		qsort(all, n, sizeof(*all), file_cmp_refs);
	k->n = n < CFI_KNOWN_MAX ? n : CFI_KNOWN_MAX;
	for (i = 0; i < k->n; i++)
		k->keys[i] = all[i]->key;
	*out = k;
	k = NULL;
	err = 0;
cleanup:
	free(all);
	free(k);
	return err;
}

void cfi_known_free(struct cfi_known *k)
{
	free(k);
}

/* The one test of "the maps hold this file already" (in line, known is a
 * snapshot taken just before). */
static bool known_has(const struct cfi_known *known, const struct cfi_key *k)
{
	for (size_t i = 0; known && i < known->n; i++)
		if (key_equal(&known->keys[i], k))
			return true;
	return false;
}

/* A prepared file's rows into the array: cheap next to parsing them. */
static struct cfi_file *file_install(struct cfi_maps *c, pid_t pid, const struct cfi_prep_file *p)
{
	struct cfi_file *f = file_find(c, &p->key);
	int err = p->err;

	if (f)
		return f;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->key = p->key;
	/* Not parsed and not failed: known when prepared, which
	 * cfi_maps_install checked it still is. */
	if (!err)
		err = rows_alloc(c, (uint32_t)p->t.n, &f->first);
	if (!err)
		err = rows_write(c->rows_fd, f->first, p->t.rows, p->t.n);
	if (err) {
		log_debug("PID %d: no unwind rows for %s: %s", (int)pid, p->path, strerror(-err));
		f->failed = true;
	} else {
		f->n = (uint32_t)p->t.n;
		memcpy(f->segs, p->t.segs, sizeof(f->segs));
		f->nsegs = p->t.nsegs;
		log_debug("PID %d: %zu unwind rows for %s at %u", (int)pid, p->t.n, p->path, f->first);
	}
	/* Failed files stay (refs 0 forever, up to CFI_FAILED_MAX) so they
	 * are not read again. */
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

/* Parse (or skip, if known names it) the file behind m into
 * p->files[*nfiles] unless this pid's earlier mapping did; its index in
 * *idx. -errno: the mapping is left out. */
static int prep_file(const struct cfi_known *known, pid_t pid, const struct proc_map *m,
		     struct cfi_prep *p, size_t *idx)
{
	struct cfi_prep_file *pf;
	struct cfi_key k;
	struct stat sb;
	int fd = proc_map_open(pid, m);

	if (fd < 0)
		return fd;
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || (m->inode && sb.st_ino != (ino_t)m->inode)) {
		close(fd);
		return -ENOENT;
	}
	k = (struct cfi_key){ .dev = sb.st_dev, .ino = sb.st_ino, .size = sb.st_size, .mtime = sb.st_mtim };
	for (size_t i = 0; i < p->nfiles; i++) {
		if (key_equal(&p->files[i].key, &k)) {
			close(fd);
			*idx = i;
			return 0;
		}
	}
	pf = &p->files[p->nfiles];
	memset(pf, 0, sizeof(*pf));
	pf->key = k;
	snprintf(pf->path, sizeof(pf->path), "%s", m->path);
	if (!known_has(known, &k)) {
		pf->err = cfi_table_build(fd, &pf->t);
		pf->parsed = !pf->err;
	}
	close(fd);
	*idx = p->nfiles++;
	return 0;
}

int cfi_prep_build_maps(const struct cfi_known *known, pid_t pid, const struct proc_maps *pm,
			struct cfi_prep **out)
{
	struct cfi_prep *p = calloc(1, sizeof(*p));
	size_t usable = 0;

	if (p) {
		p->maps = calloc(pm->count ? pm->count : 1, sizeof(*p->maps));
		p->files = calloc(pm->count ? pm->count : 1, sizeof(*p->files));
	}
	if (!p || !p->maps || !p->files) {
		cfi_prep_free(p);
		return -ENOMEM;
	}
	/* libc and ld-linux first: they get the rows when the budget is short. */
	for (int pass = 0; pass < 2; pass++) {
		/* As many as can get rows: failed files do not count. */
		for (size_t i = 0; i < pm->count && usable < CFI_MAX_MAPPINGS; i++) {
			const struct proc_map *m = &pm->maps[i];
			const char *module;
			size_t idx;

			if (!proc_map_is_exec(m) || !proc_map_is_file(m))
				continue;
			module = proc_map_module(m);
			if (first_choice(module) != (pass == 0) || !strcmp(module, "libjvm.so"))
				continue;
			if (prep_file(known, pid, m, p, &idx))
				continue;
			p->maps[p->nmaps++] = (struct cfi_prep_map){ .start = m->start, .end = m->end,
								      .offset = m->offset, .file = idx };
			usable += !p->files[idx].err;
		}
	}
	*out = p;
	return 0;
}

int cfi_prep_build(const struct cfi_known *known, pid_t pid, struct cfi_prep **out)
{
	struct proc_maps *pm;
	int err = proc_maps_read(pid, &pm);

	if (err)
		return err;
	err = cfi_prep_build_maps(known, pid, pm, out);
	proc_maps_free(pm);
	return err;
}

void cfi_prep_free(struct cfi_prep *p)
{
	if (!p)
		return;
	for (size_t i = 0; p->files && i < p->nfiles; i++)
		cfi_table_free(&p->files[i].t);
	free(p->files);
	free(p->maps);
	free(p);
}

/* Room for one more pid, before its entry is set: nothing to undo after. */
static int pids_reserve(struct cfi_maps *c)
{
	size_t cap = c->cap ? c->cap * 2 : 8;
	struct cfi_pid *g;

	if (c->npids < c->cap)
		return 0;
	g = realloc(c->pids, cap * sizeof(*g));
	if (!g)
		return -ENOMEM;
	c->pids = g;
	c->cap = cap;
	return 0;
}

int cfi_maps_install(struct cfi_maps *c, pid_t pid, const struct cfi_prep *p)
{
	struct cfi_proc proc = { 0 };
	struct cfi_pid now = { .pid = pid }, *old;
	int err;

	/* Prepared on another thread from a snapshot: a file known then whose
	 * last target left since has no rows here and none in p. Installing
	 * the rest would leave the target without that library's rows for
	 * good; the caller prepares again instead (the file is parsed then). */
	for (size_t i = 0; i < p->nfiles; i++)
		if (!p->files[i].parsed && !p->files[i].err && !file_find(c, &p->files[i].key))
			return -EAGAIN;
	for (size_t i = 0; i < p->nmaps && proc.n < CFI_MAX_MAPPINGS; i++) {
		const struct cfi_prep_map *m = &p->maps[i];
		struct cfi_file *f = file_install(c, pid, &p->files[m->file]);
		uint64_t vaddr;

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
	old = pid_find(c, pid);
	err = old || !now.n ? 0 : pids_reserve(c);
	if (!err)
		err = proc_set(c->procs_fd, pid, proc.n ? &proc : NULL);
	if (err) {
		for (size_t i = 0; i < now.n; i++)
			file_put(c, now.files[i]);
		goto cleanup;
	}
	if (old) {
		for (size_t i = 0; i < old->n; i++)
			file_put(c, old->files[i]);
		*old = now;
	} else if (now.n) {
		c->pids[c->npids++] = now;
	}
	err = (int)proc.n;
cleanup:
	files_trim(c);
	return err;
}

int cfi_maps_add_maps(struct cfi_maps *c, pid_t pid, const struct proc_maps *pm)
{
	struct cfi_known *known = NULL;
	struct cfi_prep *p = NULL;
	/* In line, nothing leaves between the snapshot and the install. */
	int err = cfi_maps_snapshot(c, &known);

	if (!err)
		err = cfi_prep_build_maps(known, pid, pm, &p);
	if (!err)
		err = cfi_maps_install(c, pid, p);
	cfi_prep_free(p);
	cfi_known_free(known);
	return err;
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
