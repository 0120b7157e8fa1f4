// SPDX-License-Identifier: GPL-2.0
/* Reference-counted ELF symbol tables, keyed by file identity and build-id.
 * Entries nobody references stay around (a process may restart, or map the
 * library again) but only ELF_CACHE_IDLE_MAX of them, oldest dropped first.
 */
#include "symbolize/elf_cache.h"

#include "symbolize/elf_symtab.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ELF_CACHE_IDLE_MAX 64
#define ELF_CACHE_KEYS_MAX 64

struct file_key {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

struct cache_obj {
	struct cache_obj *next;
	struct elf_symtab *st; /* NULL: the load failed with err */
	int err;
	uint8_t build_id[ELF_BUILD_ID_MAX];
	size_t build_id_len;
	struct file_key keys[ELF_CACHE_KEYS_MAX];
	size_t nkeys;
	unsigned int refs;
	uint64_t idle_since; /* tick of the last put, for eviction */
	/* Tables the load cap refused (bytes), where, and whether someone
	 * was told (elf_cache_take_refused). */
	uint64_t refused;
	char *refused_path;
	bool reported;
};

struct elf_cache {
	pthread_mutex_t lock;
	struct cache_obj *objs;
	uint64_t tick;
	uint64_t max_load; /* elf_symtab_load's max_bytes */
	struct elf_cache_stats stats;
};

static bool key_equal(const struct file_key *a, const struct file_key *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static void obj_free(struct cache_obj *o)
{
	elf_symtab_free(o->st);
	free(o->refused_path);
	free(o);
}

int elf_cache_new(struct elf_cache **out)
{
	struct elf_cache *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return -ENOMEM;
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

void elf_cache_free(struct elf_cache *c)
{
	struct cache_obj *o, *next;

	if (!c)
		return;
	for (o = c->objs; o; o = next) {
		next = o->next;
		obj_free(o);
	}
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static struct cache_obj *find_by_key(struct elf_cache *c, const struct file_key *key)
{
	for (struct cache_obj *o = c->objs; o; o = o->next)
		for (size_t i = 0; i < o->nkeys; i++)
			if (key_equal(&o->keys[i], key))
				return o;
	return NULL;
}

static struct cache_obj *find_by_build_id(struct elf_cache *c, const uint8_t *id, size_t len)
{
	for (struct cache_obj *o = c->objs; o; o = o->next)
		if (o->st && o->build_id_len == len && memcmp(o->build_id, id, len) == 0)
			return o;
	return NULL;
}

/* Drop the oldest unreferenced entries beyond the idle limit. */
static void evict_idle(struct elf_cache *c)
{
	for (;;) {
		struct cache_obj **victim = NULL;
		size_t idle = 0;

		for (struct cache_obj **pp = &c->objs; *pp; pp = &(*pp)->next) {
			if ((*pp)->refs)
				continue;
			idle++;
			if (!victim || (*pp)->idle_since < (*victim)->idle_since)
				victim = pp;
		}
		if (idle <= ELF_CACHE_IDLE_MAX)
			return;
		struct cache_obj *o = *victim;

		*victim = o->next;
		obj_free(o);
		c->stats.objects--;
	}
}

size_t elf_cache_memory(struct elf_cache *c)
{
	size_t n = 0;

	if (!c)
		return 0;
	pthread_mutex_lock(&c->lock);
	for (struct cache_obj *o = c->objs; o; o = o->next)
		n += sizeof(*o) + elf_symtab_memory(o->st);
	pthread_mutex_unlock(&c->lock);
	return n;
}

size_t elf_cache_trim(struct elf_cache *c)
{
	size_t dropped = 0;

	if (!c)
		return 0;
	pthread_mutex_lock(&c->lock);
	for (struct cache_obj **pp = &c->objs; *pp;) {
		struct cache_obj *o = *pp;

		if (o->refs) {
			pp = &o->next;
			continue;
		}
		*pp = o->next;
		obj_free(o);
		c->stats.objects--;
		dropped++;
	}
	pthread_mutex_unlock(&c->lock);
	return dropped;
}

/* Hand out a reference (or the cached error). */
static int obj_take(struct elf_cache *c, struct cache_obj *o, struct elf_symtab **out)
{
	if (!o->st)
		return o->err;
	o->refs++;
	c->stats.hits++;
	*out = o->st;
	return 0;
}

int elf_cache_get(struct elf_cache *c, int fd, pid_t pid, const char *path,
		  struct elf_symtab **out)
{
	struct cache_obj *o = NULL;
	struct file_key key;
	struct stat sb;
	uint8_t id[ELF_BUILD_ID_MAX];
	int id_len, ret;

	*out = NULL;
	if (fstat(fd, &sb) < 0)
		return -errno;
	memset(&key, 0, sizeof(key));
	key.dev = sb.st_dev;
	key.ino = sb.st_ino;
	key.size = sb.st_size;
	key.mtime = sb.st_mtim;

	pthread_mutex_lock(&c->lock);
	o = find_by_key(c, &key);
	if (o) {
		ret = obj_take(c, o, out);
		goto cleanup;
	}
	/* Reading the build-id is cheap next to parsing the symbols. */
	id_len = elf_symtab_read_build_id(fd, id, sizeof(id));
	if (id_len > 0) {
		o = find_by_build_id(c, id, (size_t)id_len);
		if (o) {
			if (o->nkeys < ELF_CACHE_KEYS_MAX)
				o->keys[o->nkeys++] = key;
			ret = obj_take(c, o, out);
			goto cleanup;
		}
	}
	o = calloc(1, sizeof(*o));
	if (!o) {
		ret = -ENOMEM;
		goto cleanup;
	}
	o->keys[0] = key;
	o->nkeys = 1;
	c->stats.loads++;
	ret = id_len < 0 ? id_len : elf_symtab_load(fd, pid, path, c->max_load, &o->refused, &o->st);
	if (ret == -ENOMEM) {
		/* Not a property of the file: do not remember it. */
		obj_free(o);
		goto cleanup;
	}
	if (o->refused) {
		c->stats.refused++;
		/* Without the path (no memory) it is counted, not reported. */
		o->refused_path = strdup(path ? path : "?");
		o->reported = !o->refused_path;
	}
	if (ret < 0) {
		o->err = ret;
	} else {
		struct elf_symtab_info info;

		elf_symtab_info(o->st, &info);
		memcpy(o->build_id, info.build_id, info.build_id_len);
		o->build_id_len = info.build_id_len;
		o->refs = 1;
		*out = o->st;
	}
	o->idle_since = ++c->tick;
	o->next = c->objs;
	c->objs = o;
	c->stats.objects++;
	evict_idle(c);
cleanup:
	pthread_mutex_unlock(&c->lock);
	return ret;
}

void elf_cache_set_max_load(struct elf_cache *c, uint64_t bytes)
{
	pthread_mutex_lock(&c->lock);
	if (c->max_load != bytes) {
		/* What the old cap refused may fit now: forget it, unless in use. */
		for (struct cache_obj **pp = &c->objs; *pp;) {
			struct cache_obj *o = *pp;

			if (!o->refused || o->refs) {
				pp = &o->next;
				continue;
			}
			*pp = o->next;
			obj_free(o);
			c->stats.objects--;
		}
	}
	c->max_load = bytes;
	pthread_mutex_unlock(&c->lock);
}

bool elf_cache_take_refused(struct elf_cache *c, char *path, size_t len, uint64_t *bytes,
			    bool *partial)
{
	bool found = false;

	pthread_mutex_lock(&c->lock);
	for (struct cache_obj *o = c->objs; o; o = o->next) {
		if (!o->refused || o->reported)
			continue;
		o->reported = true;
		snprintf(path, len, "%s", o->refused_path);
		*bytes = o->refused;
		*partial = o->st != NULL;
		found = true;
		break;
	}
	pthread_mutex_unlock(&c->lock);
	return found;
}

void elf_cache_put(struct elf_cache *c, struct elf_symtab *st)
{
	if (!st)
		return;
	pthread_mutex_lock(&c->lock);
	for (struct cache_obj *o = c->objs; o; o = o->next) {
		if (o->st != st || o->refs == 0)
			continue;
		if (--o->refs == 0) {
			o->idle_since = ++c->tick;
			evict_idle(c);
		}
		break;
	}
	pthread_mutex_unlock(&c->lock);
}

void elf_cache_stats(struct elf_cache *c, struct elf_cache_stats *out)
{
	pthread_mutex_lock(&c->lock);
	*out = c->stats;
	pthread_mutex_unlock(&c->lock);
}
