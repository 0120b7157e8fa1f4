// SPDX-License-Identifier: GPL-2.0
/* Each collector's drain on fake maps: the BPF objects load for real (root,
 * as the other collector tests), but every map read goes to the fake
 * contents below through maps_backend_set, so the rows a drain hands on
 * are checked against known keys and values. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/collect/alloc_collector.h"
#include "agent/collect/collector.h"
#include "agent/collect/cpu_collector.h"
#include "agent/collect/leak_collector.h"
#include "agent/collect/maps.h"
#include "agent/collect/offcpu_collector.h"
#include "agent/core/session.h"
#include "bpf/abi.h"

/* ------------------------------------------------------------- fake maps */

#define FAKE_MAX 8

/* One fake map for every fd: a drain reads one map. */
static struct fake_entry {
	unsigned char key[64], value[64];
	size_t klen, vlen;
} fake[FAKE_MAX];
static size_t nfake;
static unsigned int fake_deletes;

static void fake_put(const void *key, size_t klen, const void *value, size_t vlen)
{
	assert_true(nfake < FAKE_MAX && klen <= 64 && vlen <= 64);
	memcpy(fake[nfake].key, key, klen);
	memcpy(fake[nfake].value, value, vlen);
	fake[nfake].klen = klen;
	fake[nfake++].vlen = vlen;
}

static int fake_find(const void *key)
{
	for (size_t i = 0; i < nfake; i++)
		if (!memcmp(fake[i].key, key, fake[i].klen))
			return (int)i;
	return -1;
}

static int fake_next_key(int fd, const void *key, void *next)
{
	int i = key ? fake_find(key) : -1;
	size_t at = key ? (size_t)(i + 1) : 0;

	(void)fd;
	if (key && i < 0)
		at = 0; /* a key deleted meanwhile: the walk restarts, as the kernel's does */
	if (at >= nfake)
		return -ENOENT;
	memcpy(next, fake[at].key, fake[at].klen);
	return 0;
}

static int fake_lookup(int fd, const void *key, void *value)
{
	int i = fake_find(key);

	(void)fd;
	if (i < 0)
		return -ENOENT;
	memcpy(value, fake[i].value, fake[i].vlen);
	return 0;
}

static int fake_lookup_and_delete(int fd, const void *key, void *value)
{
	int i = fake_find(key);

	(void)fd;
	if (i < 0)
		return -ENOENT;
	memcpy(value, fake[i].value, fake[i].vlen);
	fake[i] = fake[--nfake];
	fake_deletes++;
	return 0;
}

static int fake_lookup_batch(int fd, void *in_batch, void *out_batch, void *keys, void *values,
			     uint32_t *count)
{
	uint32_t n = 0;

	(void)fd, (void)in_batch, (void)out_batch;
	for (; n < nfake && n < *count; n++) {
		memcpy((char *)keys + n * fake[n].klen, fake[n].key, fake[n].klen);
		memcpy((char *)values + n * fake[n].vlen, fake[n].value, fake[n].vlen);
	}
	*count = n;
	return -ENOENT; /* all in one batch */
}

static const struct maps_backend fake_backend = {
	fake_next_key, fake_lookup, fake_lookup_and_delete, fake_lookup_batch,
};

static int setup(void **state)
{
	(void)state;
	nfake = 0;
	fake_deletes = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	maps_backend_set(NULL);
	return 0;
}

/* ---------------------------------------------------------- drained rows */

struct got {
	struct collector_row rows[FAKE_MAX];
	unsigned char keys[FAKE_MAX][64];
	size_t key_size;
	size_t n;
};

static int collect(void *ctx, const struct collector_row *row)
{
	struct got *g = ctx;

	assert_true(g->n < FAKE_MAX);
	g->rows[g->n] = *row;
	/* The row's key lives in the drain's buffer, which close frees. */
	assert_true(g->key_size <= sizeof(g->keys[0]));
	memcpy(g->keys[g->n], row->key, g->key_size);
	g->rows[g->n].key = g->keys[g->n];
	g->n++;
	return 0;
}

static const struct collector_row *row_of_tid(const struct got *g, uint32_t tid)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->rows[i].tid == tid)
			return &g->rows[i];
	fail_msg("no row for tid %u", tid);
	return NULL;
}

/* Open the kind for real, then drain it from the fake map. */
static void drain_kind(const struct collector_ops *ops, struct got *g)
{
	struct session_options o = { .freq_hz = 99, .sampler = CPU_SAMPLER_PER_CPU };
	void *impl = NULL;

	assert_int_equal(ops->open(&o, NULL, &impl), 0);
	maps_backend_set(&fake_backend);
	memset(g, 0, sizeof(*g));
	g->key_size = ops->key_size;
	assert_int_equal(ops->drain(impl, collect, g), 0);
	maps_backend_set(NULL);
	ops->close(impl);
}

static void test_cpu_drain(void **state)
{
	struct cpu_sample_key a = { .tgid = 10, .tid = 11, .user_stack = 0xabc, .kern_stack_id = 4 };
	struct cpu_sample_key b = { .tgid = 10, .tid = 12, .kern_stack_id = -1 };
	uint64_t na = 7, nb = 1;
	const struct collector_row *r;
	struct got g;

	(void)state;
	fake_put(&a, sizeof(a), &na, sizeof(na));
	fake_put(&b, sizeof(b), &nb, sizeof(nb));
	drain_kind(&cpu_collector_ops, &g);
	assert_int_equal(g.n, 2);
	r = row_of_tid(&g, 11);
	assert_int_equal(r->tgid, 10);
	assert_int_equal(r->a, 7);
	assert_int_equal(r->user_stack, 0xabc);
	assert_int_equal(row_of_tid(&g, 12)->a, 1);
	/* Drained means moved out: nothing is seen twice. */
	assert_int_equal(fake_deletes, 2);
	assert_int_equal(nfake, 0);
}

static void test_offcpu_drain(void **state)
{
	struct sched_span_key k = { .tgid = 20, .tid = 21, .user_stack = 5, .kern_stack_id = -1,
				    .span = SPAN_BLOCKED };
	struct sched_span_value v = { .ns = 3000000, .count = 3 };
	const struct collector_row *r;
	struct got g;

	(void)state;
	fake_put(&k, sizeof(k), &v, sizeof(v));
	drain_kind(&offcpu_collector_ops, &g);
	assert_int_equal(g.n, 1);
	r = row_of_tid(&g, 21);
	assert_int_equal(r->a, 3000000); /* ns */
	assert_int_equal(r->b, 3);       /* spans */
	assert_int_equal(r->user_stack, 5);
	assert_int_equal(((const struct sched_span_key *)r->key)->span, SPAN_BLOCKED);
	assert_int_equal(nfake, 0);
}

static void test_alloc_drain(void **state)
{
	struct alloc_key k = { .tgid = 30, .tid = 31, .user_stack = 9, .klass = 0x42 };
	struct alloc_value v = { .bytes = 4096, .count = 2 };
	const struct collector_row *r;
	struct got g;

	(void)state;
	fake_put(&k, sizeof(k), &v, sizeof(v));
	drain_kind(&alloc_collector_ops, &g);
	assert_int_equal(g.n, 1);
	r = row_of_tid(&g, 31);
	assert_int_equal(r->a, 4096); /* bytes */
	assert_int_equal(r->b, 2);    /* events */
	assert_int_equal(((const struct alloc_key *)r->key)->klass, 0x42);
	assert_int_equal(nfake, 0);
}

/* Leak reads the live table without taking anything out of it: a row per
 * live allocation, bytes and birth time. */
static void test_leak_drain(void **state)
{
	struct session_options o = { .leak = { .period = 0, .max_tracked = 64 } };
	struct leak_key k1 = { .tgid = 40, .addr = 0x1000 }, k2 = { .tgid = 40, .addr = 0x2000 };
	struct leak_alloc a1 = { .size = 100, .user_stack = 7, .ts_ns = 5000, .tid = 41 };
	struct leak_alloc a2 = { .size = 200, .tid = 42 };
	const struct collector_row *r;
	void *impl = NULL;
	struct got g = { 0 };

	(void)state;
	fake_put(&k1, sizeof(k1), &a1, sizeof(a1));
	fake_put(&k2, sizeof(k2), &a2, sizeof(a2));
	assert_int_equal(leak_collector_ops.open(&o, NULL, &impl), 0);
	maps_backend_set(&fake_backend);
	assert_int_equal(leak_collector_ops.drain(impl, collect, &g), 0);
	maps_backend_set(NULL);
	leak_collector_ops.close(impl);
	assert_int_equal(g.n, 2);
	r = row_of_tid(&g, 41);
	assert_int_equal(r->tgid, 40);
	assert_int_equal(r->a, 100);  /* bytes */
	assert_int_equal(r->b, 5000); /* allocated at */
	assert_int_equal(r->user_stack, 7);
	assert_int_equal(row_of_tid(&g, 42)->a, 200);
	assert_int_equal(nfake, 2);
	assert_int_equal(fake_deletes, 0);
}

/* The stack readers stop at the first empty slot, and a missing stack is
 * -ENOENT, not an empty one. */
static void test_stack_reads(void **state)
{
	struct user_stack st = { .ips = { 0x10, 0x20, 0x30 } };
	uint64_t hash = 77, ips[8];

	(void)state;
	fake_put(&hash, sizeof(hash), &st, sizeof(st.ips[0]) * 4);
	maps_backend_set(&fake_backend);
	assert_int_equal(maps_ustack_read(-1, hash, ips, 8), 3);
	assert_int_equal(ips[2], 0x30);
	assert_int_equal(maps_ustack_read(-1, 78, ips, 8), -ENOENT);
	assert_int_equal(maps_ustack_read(-1, 0, ips, 8), -ENOENT);
	assert_int_equal(maps_ustack_read(-1, hash, ips, 2), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cpu_drain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offcpu_drain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_drain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leak_drain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stack_reads, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
