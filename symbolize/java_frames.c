// SPDX-License-Identifier: GPL-2.0
#include "symbolize/java_frames.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize/hotspot_method.h"
#include "symbolize/hotspot_version.h"
#include "symbolize/strpool.h"

/* Bounds: a TaskManager has tens of thousands of methods and nmethods at
 * most; these hold the working set of a profile and cap a daemon's memory
 * at a few tens of MiB whatever the target does. */
#define CHAINS_MAX (64u * 1024)
#define CHAINS_BYTES_MAX (16u * 1024 * 1024)
#define METHODS_MAX (32u * 1024)
/* Line tables come from the target: a budget, not only a count. */
#define METHODS_BYTES_MAX (16u * 1024 * 1024)
#define STRINGS_MAX (32u * 1024 * 1024)
/* Decoded nmethods are big (PcDescs, scopes) but reused for every pc of a
 * hot method: a few, direct-mapped by compile id. */
#define NMETHOD_SLOTS 32
#define NMETHOD_BYTES_MAX (1u * 1024 * 1024)
/* Deeper chains are cut (outermost kept): 64 levels is beyond any inlining
 * HotSpot does. */
#define CHAIN_MAX 64

/* u64 -> pointer, open addressing with linear probing; key 0 is empty.
 * Entries are replaced, never deleted: a map over its entry or byte limit
 * is emptied whole (entries are cheap to redo, memory must stay bounded). */
struct u64map {
	uint64_t *keys;
	void **vals;
	size_t *sizes;
	size_t mask, count, limit, bytes, max_bytes;
	void (*free_val)(void *);
};

/* Tables start small and double up to twice their entry limit: most JVMs
 * need a few thousand entries, a daemon holds one set per TaskManager, and
 * emptying a table walks all its slots. */
#define MAP_MIN_SLOTS 64u

static int map_init(struct u64map *m, size_t limit, size_t max_bytes, void (*free_val)(void *))
{
	size_t cap = MAP_MIN_SLOTS;

	m->keys = calloc(cap, sizeof(*m->keys));
	m->vals = calloc(cap, sizeof(*m->vals));
	m->sizes = calloc(cap, sizeof(*m->sizes));
	m->mask = cap - 1;
	m->count = 0;
	m->bytes = 0;
	m->limit = limit;
	m->max_bytes = max_bytes;
	m->free_val = free_val;
	return m->keys && m->vals && m->sizes ? 0 : -ENOMEM;
}

static void map_clear(struct u64map *m)
{
	for (size_t i = 0; m->keys && i <= m->mask; i++) {
		if (m->keys[i])
			m->free_val(m->vals[i]);
		m->keys[i] = 0;
		m->vals[i] = NULL;
		m->sizes[i] = 0;
	}
	m->count = 0;
	m->bytes = 0;
}

static void map_free(struct u64map *m)
{
	map_clear(m);
	free(m->keys);
	free(m->vals);
	free(m->sizes);
	memset(m, 0, sizeof(*m));
}

static size_t map_slot(const struct u64map *m, uint64_t key)
{
	size_t pos = (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 20) & m->mask;

	while (m->keys[pos] && m->keys[pos] != key)
		pos = (pos + 1) & m->mask;
	return pos;
}

static void *map_get(const struct u64map *m, uint64_t key)
{
	size_t pos = map_slot(m, key);

	return m->keys[pos] ? m->vals[pos] : NULL;
}

/* Twice the slots, same entries; on failure the map stays as it was. */
static void map_grow(struct u64map *m)
{
	struct u64map bigger = *m;
	size_t cap = 2 * (m->mask + 1);

	bigger.keys = calloc(cap, sizeof(*bigger.keys));
	bigger.vals = calloc(cap, sizeof(*bigger.vals));
	bigger.sizes = calloc(cap, sizeof(*bigger.sizes));
	if (!bigger.keys || !bigger.vals || !bigger.sizes) {
		free(bigger.keys);
		free(bigger.vals);
		free(bigger.sizes);
		return;
	}
	bigger.mask = cap - 1;
	for (size_t i = 0; i <= m->mask; i++) {
		size_t pos;

		if (!m->keys[i])
			continue;
		pos = map_slot(&bigger, m->keys[i]);
		bigger.keys[pos] = m->keys[i];
		bigger.vals[pos] = m->vals[i];
		bigger.sizes[pos] = m->sizes[i];
	}
	free(m->keys);
	free(m->vals);
	free(m->sizes);
	*m = bigger;
}

/* Insert or replace (freeing the old value); size: bytes val holds.
 * Returns true when the map had to be emptied first. */
static bool map_put(struct u64map *m, uint64_t key, void *val, size_t size)
{
	size_t pos;
	bool emptied = false;

	if ((m->count + 1) * 2 > m->mask + 1 && m->mask + 1 < 2 * m->limit)
		map_grow(m);
	pos = map_slot(m, key);

	if (m->keys[pos]) {
		m->free_val(m->vals[pos]);
		m->bytes -= m->sizes[pos];
		m->keys[pos] = 0;
		m->count--;
		/* Re-inserted below into this very slot (every slot before it
		 * on the key's probe path is taken), unless the map is emptied. */
	}
	if (m->count >= m->limit || m->bytes + size > m->max_bytes) {
		map_clear(m);
		emptied = true;
	}
	pos = map_slot(m, key);
	m->keys[pos] = key;
	m->vals[pos] = val;
	m->sizes[pos] = size;
	m->bytes += size;
	m->count++;
	return emptied;
}

struct method_entry {
	struct hotspot_method_info info; /* name, signature freed: see below */
	const char *name, *signature;    /* interned */
};

struct chain_entry {
	size_t n;
	struct java_frame frames[];
};

struct java_frames {
	struct mem_reader mem;
	struct hotspot_method_layout ml;
	struct hotspot_blob_layout bl;
	struct hotspot_cfg cfg;
	enum java_pc_rule rule;
	struct strpool *strings;
	struct u64map chains;  /* chain key -> struct chain_entry */
	struct u64map methods; /* Method* -> struct method_entry */
	struct hotspot_nmethod *nmethods[NMETHOD_SLOTS];
	struct java_frames_stats stats;
};

static void method_entry_free(void *p)
{
	struct method_entry *e = p;

	hotspot_method_info_free(&e->info);
	free(e);
}

int java_frames_new(const struct mem_reader *mem, const struct vmstructs *vs,
		    struct java_frames **out)
{
	struct java_frames *jf = calloc(1, sizeof(*jf));
	int err;

	*out = NULL;
	if (!jf)
		return -ENOMEM;
	jf->mem = *mem;
	jf->rule = JAVA_PC_FLOW;
	err = hotspot_method_layout_init(&jf->ml, vs);
	if (!err)
		err = hotspot_blob_layout_init(&jf->bl, vs);
	if (!err)
		jf->ml.u5_excluded = jf->bl.u5_excluded = hotspot_u5_excluded(mem, vs);
	if (!err)
		err = hotspot_codecache_read(mem, vs, &jf->cfg);
	if (err)
		goto cleanup;
	err = strpool_new(STRINGS_MAX, &jf->strings);
	if (!err)
		err = map_init(&jf->chains, CHAINS_MAX, CHAINS_BYTES_MAX, free);
	if (!err)
		err = map_init(&jf->methods, METHODS_MAX, METHODS_BYTES_MAX, method_entry_free);
cleanup:
	if (err) {
		java_frames_free(jf);
		return err;
	}
	*out = jf;
	return 0;
}

static void nmethods_clear(struct java_frames *jf)
{
	for (size_t i = 0; i < NMETHOD_SLOTS; i++) {
		if (jf->nmethods[i]) {
			hotspot_nmethod_free(jf->nmethods[i]);
			free(jf->nmethods[i]);
			jf->nmethods[i] = NULL;
		}
	}
}

void java_frames_free(struct java_frames *jf)
{
	if (!jf)
		return;
	map_free(&jf->chains);
	map_free(&jf->methods);
	nmethods_clear(jf);
	strpool_free(jf->strings);
	free(jf);
}

void java_frames_set_codecache(struct java_frames *jf, const struct hotspot_cfg *cfg)
{
	if (!memcmp(&jf->cfg, cfg, sizeof(*cfg)))
		return;
	jf->cfg = *cfg;
	/* Chains are keyed by offsets from the old low bound. */
	map_clear(&jf->chains);
	nmethods_clear(jf);
}

const struct hotspot_cfg *java_frames_codecache(const struct java_frames *jf)
{
	return &jf->cfg;
}

void java_frames_set_pc_rule(struct java_frames *jf, enum java_pc_rule rule)
{
	if (jf->rule == rule)
		return;
	jf->rule = rule;
	/* Leaf chains were resolved by the old rule. */
	map_clear(&jf->chains);
}

int java_frames_flush(struct java_frames *jf)
{
	struct strpool *fresh;
	int err = strpool_new(STRINGS_MAX, &fresh);

	if (err)
		return err;
	map_clear(&jf->chains);
	map_clear(&jf->methods);
	nmethods_clear(jf);
	strpool_free(jf->strings);
	jf->strings = fresh;
	return 0;
}

void java_frames_stats(const struct java_frames *jf, struct java_frames_stats *out)
{
	*out = jf->stats;
	out->chains = jf->chains.count;
	out->methods = jf->methods.count;
	out->nmethods = 0;
	for (size_t i = 0; i < NMETHOD_SLOTS; i++)
		out->nmethods += jf->nmethods[i] != NULL;
	out->string_bytes = strpool_bytes(jf->strings);
}

static const char *intern(struct java_frames *jf, const char *s)
{
	return strpool_intern(jf->strings, s);
}

/* The Method at method, validated against its memory now (see the header
 * comment); NULL when it cannot be read. */
static const struct method_entry *method_get(struct java_frames *jf, uint64_t method)
{
	struct method_entry *e = method ? map_get(&jf->methods, method) : NULL;
	struct hotspot_method_id id;

	if (!method)
		return NULL;
	if (e) {
		if (hotspot_method_read_id(&jf->mem, &jf->ml, method, &id)) {
			jf->stats.method_unreadable++;
			return NULL;
		}
		if (!hotspot_method_id_equal(&id, &e->info.id)) {
			jf->stats.method_reused++;
		} else {
			/* Same pointers, yet the Symbols they point at may be
			 * a later class's (header comment): names prove it. */
			int err = hotspot_method_names_match(&jf->mem, &jf->ml, &id, e->name,
							     e->signature);

			if (!err) {
				jf->stats.method_hits++;
				return e;
			}
			if (err != -ESTALE) {
				jf->stats.method_unreadable++;
				return NULL;
			}
			jf->stats.method_reused++;
			jf->stats.method_renamed++;
		}
	}
	jf->stats.method_misses++;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	if (hotspot_method_read(&jf->mem, &jf->ml, method, &e->info)) {
		jf->stats.method_unreadable++;
		free(e);
		return NULL;
	}
	e->name = intern(jf, e->info.name);
	e->signature = intern(jf, e->info.signature);
	free(e->info.name);
	free(e->info.signature);
	e->info.name = e->info.signature = NULL;
	if (!e->name || !e->signature) {
		/* Over the string budget: unnamed, not dangling. */
		method_entry_free(e);
		return NULL;
	}
	if (map_put(&jf->methods, method, e,
		    sizeof(*e) + e->info.nlines * sizeof(*e->info.lines)))
		jf->stats.evictions++;
	return e;
}

static void frame_unknown(struct java_frame *f, const char *name, int bci)
{
	*f = (struct java_frame){ name, "", -1, bci, FRAME_UNKNOWN };
}

/* A Java frame for method at bci; false when the method is unreadable. */
static bool frame_method(struct java_frames *jf, uint64_t method, int bci, enum frame_kind kind,
			 struct java_frame *f)
{
	const struct method_entry *e = method_get(jf, method);

	if (!e) {
		frame_unknown(f, JAVA_FRAME_UNKNOWN_METHOD, bci);
		return false;
	}
	*f = (struct java_frame){ e->name, e->signature, hotspot_method_line(&e->info, bci), bci,
				  kind };
	return true;
}

static int resolve_interpreted(struct java_frames *jf, uint64_t word, struct java_frame *out)
{
	uint32_t raw = hs_interpreted_bci(word);
	int bci = raw == HS_BCI_UNKNOWN ? -1 : (int)raw;

	jf->stats.interpreted++;
	if (!frame_method(jf, hs_interpreted_method(word), bci, FRAME_INTERPRETED, out))
		jf->stats.unreadable++;
	else if (bci < 0)
		out->line = -1; /* not "the first line": the bci is unknown */
	return 1;
}

/* The decoded nmethod for compile id id holding pc: from the slot cache
 * (decoded while verified at that address), else verified now and decoded.
 * *blob gets the header either way; returns the nmethod, or NULL with *err:
 * -ESTALE (another blob at pc now), -E2BIG/-EINVAL/-EFAULT (header usable
 * when blob->is_nmethod, debug info not). */
static const struct hotspot_nmethod *nmethod_get(struct java_frames *jf, uint32_t id, uint64_t pc,
						 struct hotspot_blob *blob, int *err)
{
	struct hotspot_nmethod **slot = &jf->nmethods[id % NMETHOD_SLOTS], *nm;
	uint64_t start;

	*err = 0;
	nm = *slot;
	if (nm && (nm->blob.compile_id & 0x3fffffff) == id) {
		*blob = nm->blob;
		if (pc < nm->blob.start || pc >= nm->blob.start + nm->blob.size) {
			*err = -ESTALE;
			return NULL;
		}
		return nm;
	}
	if (hotspot_blob_find(&jf->mem, &jf->cfg, pc, &start)) {
		/* A free block or none: whatever was sampled is gone. */
		*err = -ESTALE;
		return NULL;
	}
	*err = hotspot_blob_read(&jf->mem, &jf->bl, start, blob);
	if (*err) {
		/* A half-read header proves nothing, not even the method. */
		blob->is_nmethod = false;
		return NULL;
	}
	if (!blob->is_nmethod || (blob->compile_id & 0x3fffffff) != id) {
		*err = -ESTALE;
		return NULL;
	}
	nm = calloc(1, sizeof(*nm));
	if (!nm) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = hotspot_nmethod_read(&jf->mem, &jf->bl, blob, NMETHOD_BYTES_MAX, nm);
	if (*err) {
		free(nm);
		return NULL;
	}
	if (*slot) {
		hotspot_nmethod_free(*slot);
		free(*slot);
	}
	*slot = nm;
	return nm;
}

static int resolve_stub(struct java_frames *jf, uint64_t pc, struct java_frame *out)
{
	struct hotspot_blob blob;
	uint64_t start;
	const char *name;

	if (hotspot_blob_find(&jf->mem, &jf->cfg, pc, &start)) {
		jf->stats.stale++;
		frame_unknown(out, JAVA_FRAME_STALE, -1);
		return 1;
	}
	if (hotspot_blob_read(&jf->mem, &jf->bl, start, &blob)) {
		jf->stats.unreadable++;
		frame_unknown(out, JAVA_FRAME_UNREADABLE, -1);
		return 1;
	}
	/* The unwinder records id 0 only for blobs that are not nmethods: an
	 * nmethod here now replaced what was sampled. */
	if (blob.is_nmethod) {
		jf->stats.stale++;
		frame_unknown(out, JAVA_FRAME_STALE, -1);
		return 1;
	}
	jf->stats.stubs++;
	name = intern(jf, blob.name);
	*out = (struct java_frame){ name ? name : JAVA_FRAME_UNREADABLE, "", -1, -1,
				    name ? FRAME_NATIVE : FRAME_UNKNOWN };
	return 1;
}

static uint64_t chain_key(uint64_t word, bool leaf)
{
	/* Bit 63 is set in every Java word: it carries leaf instead. Bit 62
	 * (compiled) keeps the key non-zero. */
	return (word & ~HS_FRAME_JAVA) | (leaf ? HS_FRAME_JAVA : 0);
}

static size_t chain_copy(const struct chain_entry *c, struct java_frame *out, size_t max)
{
	size_t n = c->n < max ? c->n : max;

	memcpy(out, c->frames, n * sizeof(*out));
	return n;
}

static int resolve_compiled(struct java_frames *jf, uint64_t word, bool leaf,
			    struct java_frame *out, size_t max)
{
	uint64_t pc = hs_compiled_pc(word, jf->cfg.codecache_low), key = chain_key(word, leaf);
	uint32_t id = hs_compiled_id(word);
	struct hotspot_scope scopes[CHAIN_MAX];
	const struct hotspot_nmethod *nm;
	const struct chain_entry *hit;
	struct chain_entry *c;
	struct hotspot_blob blob;
	bool complete = true, fallback = false;
	int n, err;

	hit = map_get(&jf->chains, key);
	if (hit) {
		jf->stats.hits++;
		return (int)chain_copy(hit, out, max);
	}
	jf->stats.misses++;
	if (id == 0)
		return resolve_stub(jf, pc, out);
	nm = nmethod_get(jf, id, pc, &blob, &err);
	if (err == -ENOMEM)
		return err;
	if (err == -ESTALE) {
		jf->stats.stale++;
		frame_unknown(out, JAVA_FRAME_STALE, -1);
		return 1;
	}
	if (!nm && !blob.is_nmethod) {
		jf->stats.unreadable++;
		frame_unknown(out, JAVA_FRAME_UNREADABLE, -1);
		return 1;
	}
	/* The header matched the compile id: even without (usable) debug
	 * info the physical method is known. */
	n = nm ? hotspot_nmethod_scopes(nm, pc, leaf, jf->rule, scopes, CHAIN_MAX) : -EINVAL;
	/* Debug info too big stays too big; unreadable may be a race. */
	if (!nm && err != -E2BIG)
		complete = false;
	if (n < 0) {
		if (n == -ENOENT)
			jf->stats.no_pcdesc++;
		else
			jf->stats.bad_debug_info++;
		scopes[0] = (struct hotspot_scope){ blob.method, -1 };
		n = 1;
		fallback = true;
	}
	c = malloc(sizeof(*c) + (size_t)n * sizeof(c->frames[0]));
	if (!c)
		return -ENOMEM;
	c->n = (size_t)n;
	for (int i = 0; i < n; i++)
		complete &= frame_method(jf, scopes[i].method, scopes[i].bci,
					 i ? FRAME_INLINED : FRAME_JIT, &c->frames[i]);
	if (fallback)
		c->frames[0].line = -1; /* somewhere in the method, not its entry */
	n = (int)chain_copy(c, out, max);
	/* An unreadable method may read fine later: only whole chains are
	 * kept. */
	if (!complete) {
		jf->stats.unreadable++;
		free(c);
	} else if (map_put(&jf->chains, key, c, sizeof(*c) + c->n * sizeof(c->frames[0]))) {
		jf->stats.evictions++;
	}
	return n;
}

int java_frames_resolve(struct java_frames *jf, uint64_t word, bool leaf, struct java_frame *out,
			size_t max)
{
	if (!max || !hs_frame_is_java(word))
		return -EINVAL;
	if (hs_frame_is_compiled(word))
		return resolve_compiled(jf, word, leaf, out, max);
	return resolve_interpreted(jf, word, out);
}

int java_frames_blob_name(struct java_frames *jf, uint64_t pc, const char **name)
{
	struct hotspot_blob blob;
	uint64_t start;

	if (hotspot_blob_find(&jf->mem, &jf->cfg, pc, &start) ||
	    hotspot_blob_read(&jf->mem, &jf->bl, start, &blob))
		return -ENOENT;
	*name = intern(jf, blob.name);
	return *name ? 0 : -ENOMEM;
}

int java_frames_name_pc(struct java_frames *jf, uint64_t pc, struct java_frame *out)
{
	struct hotspot_blob blob;
	uint64_t start;
	const char *name;

	if (hotspot_blob_find(&jf->mem, &jf->cfg, pc, &start) ||
	    hotspot_blob_read(&jf->mem, &jf->bl, start, &blob))
		return -ENOENT;
	if (blob.is_nmethod) {
		if (!frame_method(jf, blob.method, -1, FRAME_JIT, out))
			return -ENOENT;
		out->line = -1; /* somewhere in the method, not its entry */
		return 0;
	}
	name = intern(jf, blob.name);
	if (!name)
		return -ENOENT;
	*out = (struct java_frame){ name, "", -1, -1, FRAME_NATIVE };
	return 0;
}
