// SPDX-License-Identifier: GPL-2.0
/* Per-process symbolization: mappings, ELF symbols, JIT perf map, kernel.
 *
 * Every answer is cached per address, and every name handed out is interned
 * in the symbolizer's string pool, so callers may keep the pointers for the
 * symbolizer's lifetime. ELF symbol tables are shared between all
 * symbolizers of the program through one elf_cache, because every JVM on a
 * host maps the same libjvm.so.
 */
#include "symbolize/symbolizer.h"

#include "symbolize/addr_cache.h"
#include "symbolize/demangle.h"
#include "symbolize/elf_cache.h"
#include "symbolize/elf_symtab.h"
#include "symbolize/ksyms.h"
#include "symbolize/perf_map.h"
#include "symbolize/proc_maps.h"
#include "symbolize/safe_open.h"
#include "symbolize/strpool.h"
#include "symbolize/symbolizer_hooks.h"
#include "symbolize/target_ids.h"
#include "symbolize/vdso.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ADDR_CACHE_MAX (256u * 1024)
#define STRINGS_MAX (64u << 20)
#define MAPS_INTERVAL_MS 1000

static const char unknown_name[] = "[unknown]";
static const char vdso_name[] = "[vdso]";

/* What a cached address counts as in the statistics; JIT ones are dropped
 * when a new perf map arrives. */
enum addr_tag {
	TAG_NATIVE_HIT,
	TAG_NATIVE_MISS,
	TAG_JIT_HIT,
	TAG_JIT_MISS,
	TAG_KERNEL_HIT,
	TAG_KERNEL_MISS,
};

/* ELF state of one mapping, filled on first use. */
struct map_elf {
	struct elf_symtab *st;
	int err;
	bool tried;
};

struct process_symbolizer {
	pid_t pid;
	struct ksyms *ksyms;
	struct proc_maps *maps;
	struct map_elf *elfs; /* one per maps->maps[i] */
	uint64_t maps_read_ms;
	unsigned int maps_interval_ms;
	struct perf_map *perf_map;
	struct addr_cache *cache;
	struct strpool *strings;
	struct elf_cache *elf_cache;
	struct symbolizer_stats stats;
	jit_namer_fn jit_namer;
	void *jit_namer_ctx;
};

/* The process-wide ELF cache, created with the first symbolizer. */
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static struct elf_cache *shared_cache;
static unsigned int shared_users;
static uint64_t shared_table_max;

static int shared_cache_get(struct elf_cache **out)
{
	int ret = 0;

	pthread_mutex_lock(&shared_lock);
	if (!shared_cache) {
		ret = elf_cache_new(&shared_cache);
		if (ret == 0)
			elf_cache_set_max_load(shared_cache, shared_table_max);
	}
	if (ret == 0) {
		shared_users++;
		*out = shared_cache;
	}
	pthread_mutex_unlock(&shared_lock);
	return ret;
}

static void shared_cache_put(void)
{
	pthread_mutex_lock(&shared_lock);
	if (shared_users && --shared_users == 0) {
		elf_cache_free(shared_cache);
		shared_cache = NULL;
	}
	pthread_mutex_unlock(&shared_lock);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void maps_release(struct process_symbolizer *ps)
{
	if (ps->maps && ps->elfs)
		for (size_t i = 0; i < ps->maps->count; i++)
			elf_cache_put(ps->elf_cache, ps->elfs[i].st);
	free(ps->elfs);
	ps->elfs = NULL;
	proc_maps_free(ps->maps);
	ps->maps = NULL;
}

/* Replace the mapping snapshot. On failure the old one is kept: a process
 * that exited still has its samples to resolve. */
static int maps_reload(struct process_symbolizer *ps)
{
	struct proc_maps *maps = NULL;
	struct map_elf *elfs;
	int ret;

	ps->maps_read_ms = now_ms();
	ret = proc_maps_read(ps->pid, &maps);
	if (ret < 0)
		return ret;
	elfs = calloc(maps->count ? maps->count : 1, sizeof(*elfs));
	if (!elfs) {
		proc_maps_free(maps);
		return -ENOMEM;
	}
	maps_release(ps);
	ps->maps = maps;
	ps->elfs = elfs;
	return 0;
}

static bool process_alive(pid_t pid)
{
	return kill(pid, 0) == 0 || errno == EPERM;
}

int process_symbolizer_new(pid_t pid, struct ksyms *ksyms, struct process_symbolizer **out)
{
	struct process_symbolizer *ps;
	int ret;

	*out = NULL;
	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	ps->pid = pid;
	ps->ksyms = ksyms;
	ps->maps_interval_ms = MAPS_INTERVAL_MS;
	ret = shared_cache_get(&ps->elf_cache);
	if (ret < 0) {
		free(ps);
		return ret;
	}
	ret = addr_cache_new(ADDR_CACHE_MAX, &ps->cache);
	if (ret < 0)
		goto cleanup;
	ret = strpool_new(STRINGS_MAX, &ps->strings);
	if (ret < 0)
		goto cleanup;
	ret = maps_reload(ps);
	if (ret < 0)
		goto cleanup;
	*out = ps;
	ps = NULL;
cleanup:
	process_symbolizer_free(ps);
	return ret;
}

void process_symbolizer_free(struct process_symbolizer *ps)
{
	if (!ps)
		return;
	maps_release(ps);
	perf_map_free(ps->perf_map);
	addr_cache_free(ps->cache);
	strpool_free(ps->strings);
	shared_cache_put();
	free(ps);
}

static const char *intern(struct process_symbolizer *ps, const char *s)
{
	const char *copy = strpool_intern(ps->strings, s);

	/* Over the string budget: degrade to unknown, never to a dangling
	 * pointer. */
	return copy ? copy : unknown_name;
}

/* The mapping holding addr; re-reads the maps (rate-limited) on a miss. */
static const struct proc_map *mapping_find(struct process_symbolizer *ps, uint64_t addr,
					   size_t *index)
{
	const struct proc_map *m = proc_maps_find(ps->maps, addr);

	if (!m && now_ms() - ps->maps_read_ms >= ps->maps_interval_ms && process_alive(ps->pid) &&
	    maps_reload(ps) == 0) {
		ps->stats.maps_reloads++;
		m = proc_maps_find(ps->maps, addr);
	}
	if (m)
		*index = (size_t)(m - ps->maps->maps);
	return m;
}

static struct elf_symtab *mapping_symtab(struct process_symbolizer *ps, size_t index)
{
	struct map_elf *me = &ps->elfs[index];
	const struct proc_map *m = &ps->maps->maps[index];
	int fd;

	if (me->tried)
		return me->st;
	me->tried = true;
	if (!strcmp(m->path, "[vdso]")) {
		fd = vdso_image_fd();
	} else if (!proc_map_is_file(m)) {
		me->err = -ENOENT;
		return NULL;
	} else {
		fd = proc_map_open(ps->pid, m);
	}
	if (fd < 0) {
		me->err = fd;
		return NULL;
	}
	me->err = elf_cache_get(ps->elf_cache, fd, ps->pid, m->path, &me->st);
	close(fd);
	return me->st;
}

static void native_resolve(struct process_symbolizer *ps, const struct proc_map *m, size_t index,
			   uint64_t addr, struct addr_entry *e)
{
	struct elf_symtab *st = mapping_symtab(ps, index);
	const char *raw;
	uint64_t vaddr;
	char *name;

	e->module = intern(ps, proc_map_module(m));
	e->name = unknown_name;
	e->kind = FRAME_UNKNOWN;
	e->tag = TAG_NATIVE_MISS;
	if (!st || elf_symtab_file_to_vaddr(st, addr - m->start + m->offset, &vaddr) < 0)
		return;
	raw = elf_symtab_lookup(st, vaddr, NULL);
	if (!raw && !strcmp(m->path, "[vdso]")) {
		/* The vDSO exports only its entry points; the helpers they
		 * call (the clock readers behind clock_gettime) have no symbol
		 * anywhere on the host. "[vdso]" says all there is to know:
		 * the kernel's user-mode code, usually reading a clock. */
		e->name = vdso_name;
		e->kind = FRAME_NATIVE;
		e->tag = TAG_NATIVE_HIT;
		return;
	}
	if (!raw)
		return;
	name = demangle_symbol(raw);
	if (!name)
		return;
	e->name = intern(ps, name);
	free(name);
	if (e->name != unknown_name) {
		e->kind = FRAME_NATIVE;
		e->tag = TAG_NATIVE_HIT;
	}
}

/* JIT code: named by the perf map, if any. */
/* The JIT namer's answer for addr, if any. */
static bool jit_namer_resolve(struct process_symbolizer *ps, uint64_t addr, struct addr_entry *e)
{
	enum frame_kind kind = FRAME_UNKNOWN;
	const char *name = NULL;

	if (!ps->jit_namer || !ps->jit_namer(ps->jit_namer_ctx, addr, &name, &kind) || !name)
		return false;
	e->name = intern(ps, name);
	if (!e->name)
		return false;
	e->module = "[jit]";
	e->kind = kind;
	e->tag = TAG_JIT_HIT;
	return true;
}

void process_symbolizer_set_jit_namer(struct process_symbolizer *ps, jit_namer_fn fn, void *ctx)
{
	ps->jit_namer = fn;
	ps->jit_namer_ctx = ctx;
	addr_cache_drop_tag(ps->cache, TAG_JIT_HIT);
	addr_cache_drop_tag(ps->cache, TAG_JIT_MISS);
}

static bool jit_resolve(struct process_symbolizer *ps, uint64_t addr, struct addr_entry *e)
{
	const struct perf_map_entry *pe = perf_map_lookup(ps->perf_map, addr);

	if (!pe)
		return jit_namer_resolve(ps, addr, e);
	e->name = intern(ps, pe->name);
	e->module = "[jit]";
	switch (pe->kind) {
	case PERF_MAP_JAVA:
		e->kind = FRAME_JIT;
		break;
	case PERF_MAP_INTERPRETER:
		e->kind = FRAME_INTERPRETED;
		break;
	default:
		/* Adapters and stubs are JVM-generated machine code, not Java. */
		e->kind = FRAME_NATIVE;
		break;
	}
	e->tag = TAG_JIT_HIT;
	return true;
}

static void stats_count(struct symbolizer_stats *s, uint8_t tag)
{
	switch (tag) {
	case TAG_NATIVE_HIT:
		s->native_hits++;
		break;
	case TAG_NATIVE_MISS:
		s->native_misses++;
		break;
	case TAG_JIT_HIT:
		s->jit_hits++;
		break;
	case TAG_JIT_MISS:
		s->jit_misses++;
		break;
	case TAG_KERNEL_HIT:
		s->kernel_hits++;
		break;
	default:
		s->kernel_misses++;
		break;
	}
}

static void entry_output(struct process_symbolizer *ps, const struct addr_entry *e,
			 struct frame_sym *out)
{
	stats_count(&ps->stats, e->tag);
	out->name = e->name;
	out->module = e->module;
	out->kind = (enum frame_kind)e->kind;
}

void process_symbolizer_resolve_user(struct process_symbolizer *ps, uint64_t addr,
				     struct frame_sym *out)
{
	const struct addr_entry *cached = addr_cache_find(ps->cache, addr);
	const struct proc_map *m;
	struct addr_entry e = { .addr = addr };
	size_t index = 0;

	if (cached) {
		entry_output(ps, cached, out);
		return;
	}
	m = mapping_find(ps, addr, &index);
	if (!m) {
		/* Not cached: the address may become mapped, and a maps
		 * re-read or perf map load should then be able to name it. */
		if (!jit_resolve(ps, addr, &e)) {
			e.name = unknown_name;
			e.module = "[unmapped]";
			e.kind = FRAME_UNKNOWN;
			e.tag = TAG_NATIVE_MISS;
		}
		entry_output(ps, &e, out);
		return;
	}
	if (proc_map_is_anon(m) && proc_map_is_exec(m)) {
		if (!jit_resolve(ps, addr, &e)) {
			e.name = unknown_name;
			e.module = "[anon]";
			e.kind = FRAME_UNKNOWN;
			e.tag = TAG_JIT_MISS;
		}
	} else {
		native_resolve(ps, m, index, addr, &e);
	}
	addr_cache_insert(ps->cache, &e);
	entry_output(ps, &e, out);
}

bool process_symbolizer_resolve_user_cached(struct process_symbolizer *ps, uint64_t addr,
					    struct frame_sym *out)
{
	const struct proc_map *m;
	size_t index = 0;
	bool jit;

	if (addr_cache_find(ps->cache, addr)) {
		process_symbolizer_resolve_user(ps, addr, out);
		return true;
	}
	m = mapping_find(ps, addr, &index);
	jit = m && proc_map_is_anon(m) && proc_map_is_exec(m);
	/* A table already loaded (or known missing) costs a lookup, the perf
	 * map is in memory; a JIT namer reads the target, a table to load
	 * reads a file. */
	if (m && (jit ? perf_map_lookup(ps->perf_map, addr) != NULL : ps->elfs[index].tried)) {
		process_symbolizer_resolve_user(ps, addr, out);
		return true;
	}
	out->name = unknown_name;
	out->module = !m ? "[unmapped]" : jit ? "[anon]" : intern(ps, proc_map_module(m));
	out->kind = FRAME_UNKNOWN;
	return false;
}

void process_symbolizer_resolve_kernel(struct process_symbolizer *ps, uint64_t addr,
				       struct frame_sym *out)
{
	const struct addr_entry *cached = addr_cache_find(ps->cache, addr);
	struct addr_entry e = { .addr = addr, .module = "[kernel]" };
	const char *name;

	/* User and kernel addresses never coincide (the kernel owns the top
	 * half of the address space), so they share the cache. */
	if (cached) {
		entry_output(ps, cached, out);
		return;
	}
	name = ksyms_lookup(ps->ksyms, addr, NULL);
	e.name = name ? intern(ps, name) : unknown_name;
	if (e.name != unknown_name) {
		e.kind = FRAME_KERNEL;
		e.tag = TAG_KERNEL_HIT;
	} else {
		e.kind = FRAME_UNKNOWN;
		e.tag = TAG_KERNEL_MISS;
	}
	addr_cache_insert(ps->cache, &e);
	entry_output(ps, &e, out);
}

bool process_symbolizer_jit_unresolved(struct process_symbolizer *ps, uint64_t addr)
{
	const struct proc_map *m = proc_maps_find(ps->maps, addr);

	return m && proc_map_is_anon(m) && proc_map_is_exec(m) &&
	       !perf_map_lookup(ps->perf_map, addr);
}

/* Parse the perf map on fd and merge it over the current one. */
static int perf_map_install(struct process_symbolizer *ps, int fd)
{
	struct perf_map *fresh = NULL;
	int ret;

	/* Streamed and capped: the file is the target's to fill (perf_map.h). */
	ret = perf_map_read(fd, &fresh);
	if (ret < 0)
		return ret;
	return process_symbolizer_install_perf_map(ps, fresh);
}

int process_symbolizer_install_perf_map(struct process_symbolizer *ps, struct perf_map *fresh)
{
	struct perf_map *merged = NULL;
	struct perf_map_stats st;
	int ret = 0;

	perf_map_stats(fresh, &st);
	if (st.capped)
		ps->stats.perf_map_capped++;
	if (ps->perf_map) {
		ret = perf_map_merge(ps->perf_map, fresh, &merged);
		if (ret < 0)
			goto cleanup;
	} else {
		merged = fresh;
		fresh = NULL;
	}
	perf_map_free(ps->perf_map);
	ps->perf_map = merged;
	ps->stats.perf_map_loads++;
	/* JIT answers (hits and misses) may differ under the new map. */
	addr_cache_drop_tag(ps->cache, TAG_JIT_HIT);
	addr_cache_drop_tag(ps->cache, TAG_JIT_MISS);
cleanup:
	perf_map_free(fresh);
	return ret;
}

/* The JVM names the file after its pid in its own namespace, in its own
 * /tmp; only its user's (or root's) is opened. */
static int perf_map_open(pid_t pid)
{
	struct target_ids ids;
	char path[64];
	int ret;

	ret = target_ids_read(pid, &ids);
	if (ret < 0)
		return ret;
	snprintf(path, sizeof(path), "tmp/perf-%d.map", (int)ids.nspid);
	return safe_open_in_root(pid, path, ids.euid);
}

int process_symbolizer_load_perf_map(struct process_symbolizer *ps)
{
	int fd, ret;

	fd = perf_map_open(ps->pid);
	if (fd < 0)
		return fd;
	ret = perf_map_install(ps, fd);
	close(fd);
	return ret;
}

int process_symbolizer_read_perf_map(pid_t pid, struct perf_map **out)
{
	int fd, ret;

	*out = NULL;
	fd = perf_map_open(pid);
	if (fd < 0)
		return fd;
	ret = perf_map_read(fd, out);
	close(fd);
	return ret < 0 ? ret : 0;
}

int process_symbolizer_load_perf_map_file(struct process_symbolizer *ps, const char *path)
{
	int fd, ret;

	fd = safe_open_path(path, geteuid());
	if (fd < 0)
		return fd;
	ret = perf_map_install(ps, fd);
	close(fd);
	return ret;
}

void process_symbolizer_set_maps_interval(struct process_symbolizer *ps, unsigned int ms)
{
	ps->maps_interval_ms = ms;
}

int process_symbolizer_reload_maps(struct process_symbolizer *ps)
{
	int ret = maps_reload(ps);

	if (ret == 0)
		ps->stats.maps_reloads++;
	return ret;
}

void process_symbolizer_memory(const struct process_symbolizer *ps, size_t *symbols, size_t *perf_map)
{
	*symbols = ps ? sizeof(*ps) + addr_cache_memory(ps->cache) + strpool_memory(ps->strings) : 0;
	*perf_map = ps ? perf_map_memory(ps->perf_map) : 0;
}

int process_symbolizer_trim(struct process_symbolizer *ps, bool perf_map)
{
	struct addr_cache *cache = NULL;
	struct strpool *strings = NULL;
	int ret;

	ret = addr_cache_new(ADDR_CACHE_MAX, &cache);
	if (ret == 0)
		ret = strpool_new(STRINGS_MAX, &strings);
	if (ret < 0) {
		addr_cache_free(cache);
		return ret;
	}
	addr_cache_free(ps->cache);
	strpool_free(ps->strings);
	ps->cache = cache;
	ps->strings = strings;
	if (perf_map) {
		perf_map_free(ps->perf_map);
		ps->perf_map = NULL;
	}
	return 0;
}

size_t symbolizer_shared_memory(void)
{
	size_t n;

	pthread_mutex_lock(&shared_lock);
	n = elf_cache_memory(shared_cache);
	pthread_mutex_unlock(&shared_lock);
	return n;
}

void symbolizer_set_table_max(uint64_t bytes)
{
	pthread_mutex_lock(&shared_lock);
	shared_table_max = bytes;
	if (shared_cache)
		elf_cache_set_max_load(shared_cache, bytes);
	pthread_mutex_unlock(&shared_lock);
}

bool symbolizer_take_refused_table(char *path, size_t len, uint64_t *bytes, bool *partial)
{
	bool found;

	pthread_mutex_lock(&shared_lock);
	found = shared_cache && elf_cache_take_refused(shared_cache, path, len, bytes, partial);
	pthread_mutex_unlock(&shared_lock);
	return found;
}

size_t symbolizer_shared_trim(void)
{
	size_t n;

	pthread_mutex_lock(&shared_lock);
	n = elf_cache_trim(shared_cache);
	pthread_mutex_unlock(&shared_lock);
	return n;
}

void process_symbolizer_stats(const struct process_symbolizer *ps, struct symbolizer_stats *out)
{
	*out = ps->stats;
}
