// SPDX-License-Identifier: GPL-2.0
/* The kernel feature table: what tmprof's BPF objects need (read from the
 * objects), probing against a faked kernel, the one-line message and the
 * minimum version; and the real probe of this kernel for every kind. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <linux/bpf.h>

#include "agent/core/exit_codes.h"
#include "agent/collect/kernel_features.h"
#include "support.h"

/* A faked kernel: which features it lacks. */
struct fake_kernel {
	bool no_btf;
	int missing_helpers[8];
	size_t nmissing_helpers;
	int missing_prog;   /* -1: none */
	int helper_error;   /* non-zero: every helper probe fails with it */
	unsigned int helper_probes;
};

static int fake_btf(void *ctx)
{
	return ((struct fake_kernel *)ctx)->no_btf ? 0 : 1;
}

static int fake_prog_type(void *ctx, int type)
{
	return ((struct fake_kernel *)ctx)->missing_prog == type ? 0 : 1;
}

static int fake_map_type(void *ctx, int type)
{
	(void)ctx;
	(void)type;
	return 1;
}

static int fake_helper(void *ctx, int prog_type, int helper)
{
	struct fake_kernel *k = ctx;

	(void)prog_type;
	k->helper_probes++;
	if (k->helper_error)
		return k->helper_error;
	for (size_t i = 0; i < k->nmissing_helpers; i++)
		if (k->missing_helpers[i] == helper)
			return 0;
	return 1;
}

static struct kf_probes fake_probes(struct fake_kernel *k)
{
	return (struct kf_probes){ fake_btf, fake_prog_type, fake_map_type, fake_helper, k };
}

/* What offcpu.bpf.c needed when this was written, in the order an object
 * lists them. */
static void wall_like(struct kf_needs *n)
{
	static const struct kf_need v[] = {
		{ KF_BTF, 0, 0 },
		{ KF_PROG_TYPE, BPF_PROG_TYPE_RAW_TRACEPOINT, 0 },
		{ KF_MAP_TYPE, BPF_MAP_TYPE_LRU_HASH, 0 },
		{ KF_HELPER, BPF_FUNC_map_lookup_elem, BPF_PROG_TYPE_RAW_TRACEPOINT },
		{ KF_HELPER, BPF_FUNC_task_pt_regs, BPF_PROG_TYPE_RAW_TRACEPOINT },
		{ KF_HELPER, BPF_FUNC_get_current_task_btf, BPF_PROG_TYPE_RAW_TRACEPOINT },
		{ KF_HELPER, BPF_FUNC_find_vma, BPF_PROG_TYPE_RAW_TRACEPOINT },
		{ KF_HELPER, BPF_FUNC_loop, BPF_PROG_TYPE_RAW_TRACEPOINT },
		{ KF_HELPER, BPF_FUNC_loop, BPF_PROG_TYPE_PERF_EVENT },
	};

	memset(n, 0, sizeof(*n));
	memcpy(n->v, v, sizeof(v));
	n->n = sizeof(v) / sizeof(v[0]);
}

static void test_names_and_versions(void **state)
{
	struct kf_need loop = { KF_HELPER, BPF_FUNC_loop, BPF_PROG_TYPE_RAW_TRACEPOINT };
	struct kf_need unknown = { KF_HELPER, 100000, BPF_PROG_TYPE_KPROBE };
	struct kf_need rb = { KF_MAP_TYPE, BPF_MAP_TYPE_RINGBUF, 0 };
	struct kf_need btf = { KF_BTF, 0, 0 };
	struct kf_needs n;
	char buf[128];

	(void)state;
	assert_string_equal(kernel_features_name(&loop, buf, sizeof(buf)), "bpf_loop");
	assert_int_equal(kernel_features_since(&loop), KF_VERSION(5, 17));
	assert_string_equal(kernel_features_name(&unknown, buf, sizeof(buf)), "BPF helper #100000");
	assert_int_equal(kernel_features_since(&unknown), 0);
	assert_int_equal(kernel_features_since(&rb), KF_VERSION(5, 8));
	assert_non_null(strstr(kernel_features_name(&btf, buf, sizeof(buf)), "/sys/kernel/btf/vmlinux"));
	wall_like(&n);
	assert_int_equal(kernel_features_minimum(&n), KF_VERSION(5, 17));
}

static void test_probe_all_present(void **state)
{
	struct fake_kernel k = { .missing_prog = -1 };
	struct kf_probes p = fake_probes(&k);
	struct kf_needs n;
	struct kf_need missing[KF_MAX_NEEDS];

	(void)state;
	wall_like(&n);
	assert_int_equal(kernel_features_probe(&n, &p, missing, KF_MAX_NEEDS), 0);
	assert_int_equal(k.helper_probes, 6);
}

static void test_probe_debian_bullseye(void **state)
{
	/* 5.10: no bpf_task_pt_regs, bpf_find_vma, bpf_loop. */
	struct fake_kernel k = { .missing_helpers = { BPF_FUNC_task_pt_regs, BPF_FUNC_find_vma,
						      BPF_FUNC_loop },
				 .nmissing_helpers = 3, .missing_prog = -1 };
	struct kf_probes p = fake_probes(&k);
	struct kf_needs n;
	struct kf_need missing[KF_MAX_NEEDS];
	char line[512];
	size_t m;

	(void)state;
	wall_like(&n);
	m = kernel_features_probe(&n, &p, missing, KF_MAX_NEEDS);
	/* bpf_loop lacking for two program types is one missing feature. */
	assert_int_equal(m, 3);
	assert_int_equal(missing[0].id, BPF_FUNC_find_vma);
	assert_int_equal(missing[1].id, BPF_FUNC_loop);
	assert_int_equal(missing[2].id, BPF_FUNC_task_pt_regs);
	kernel_features_format("5.10.0-32-cloud-amd64", missing, m, 3, kernel_features_minimum(&n),
			       "-e wall", line, sizeof(line));
	assert_string_equal(line, "kernel 5.10.0-32-cloud-amd64 lacks bpf_find_vma (5.17+), "
				  "bpf_loop (5.17+) and bpf_task_pt_regs (5.15+): -e wall needs "
				  "Linux 5.17 or newer");
	kernel_features_format("5.10.0-32-cloud-amd64", missing, m, 1, kernel_features_minimum(&n),
			       "-e wall", line, sizeof(line));
	assert_string_equal(line, "kernel 5.10.0-32-cloud-amd64 lacks bpf_find_vma (5.17+) and 2 "
				  "more: -e wall needs Linux 5.17 or newer");
	/* Room for one: the newest is kept. */
	assert_int_equal(kernel_features_probe(&n, &p, missing, 1), 1);
	assert_int_equal(kernel_features_since(&missing[0]), KF_VERSION(5, 17));
}

static void test_probe_no_btf_and_prog_type(void **state)
{
	struct fake_kernel k = { .no_btf = true, .missing_prog = BPF_PROG_TYPE_RAW_TRACEPOINT };
	struct kf_probes p = fake_probes(&k);
	struct kf_needs n;
	struct kf_need missing[KF_MAX_NEEDS];
	char line[512];
	size_t m;

	(void)state;
	wall_like(&n);
	m = kernel_features_probe(&n, &p, missing, KF_MAX_NEEDS);
	assert_int_equal(m, 2);
	kernel_features_format("6.1.0-custom", missing, m, 3, kernel_features_minimum(&n), "-e offcpu",
			       line, sizeof(line));
	assert_string_equal(line, "kernel 6.1.0-custom lacks kernel BTF (/sys/kernel/btf/vmlinux) "
				  "(5.4+) and raw tracepoint programs (4.17+): -e offcpu needs Linux "
				  "5.17 or newer, built with CONFIG_DEBUG_INFO_BTF=y");
}

static void test_probe_error_is_not_missing(void **state)
{
	/* Without privileges every probe fails: the load will say why. */
	struct fake_kernel k = { .missing_prog = -1, .helper_error = -EPERM };
	struct kf_probes p = fake_probes(&k);
	struct kf_needs n;
	struct kf_need missing[KF_MAX_NEEDS];

	(void)state;
	wall_like(&n);
	assert_int_equal(kernel_features_probe(&n, &p, missing, KF_MAX_NEEDS), 0);
}

static void test_kinds_name(void **state)
{
	char buf[64];

	(void)state;
	kernel_features_kinds_name(1u << KF_CPU | 1u << KF_OFFCPU, buf, sizeof(buf));
	assert_string_equal(buf, "-e wall");
	kernel_features_kinds_name(1u << KF_CPU, buf, sizeof(buf));
	assert_string_equal(buf, "-e cpu");
	kernel_features_kinds_name(1u << KF_OFFCPU | 1u << KF_ALLOC, buf, sizeof(buf));
	assert_string_equal(buf, "-e offcpu,alloc");
	kernel_features_kinds_name(1u << KF_ALLOC, buf, sizeof(buf));
	assert_string_equal(buf, "-e alloc");
	kernel_features_kinds_name(1u << KF_LEAK, buf, sizeof(buf));
	assert_string_equal(buf, "tmprof leak");
}

static bool has_need(const struct kf_needs *n, enum kf_type type, int id, int prog_type)
{
	for (size_t i = 0; i < n->n; i++)
		if (n->v[i].type == type && n->v[i].id == id && n->v[i].prog_type == prog_type)
			return true;
	return false;
}

/* The fixture object (tests/unit/bpf/verifier_reject.bpf.c): one
 * perf_event program, one hash map, one helper. */
static void test_needs_of_fixture_object(void **state)
{
	char self[PATH_MAX], path[PATH_MAX + 32];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	struct kf_needs n = { 0 };
	char *buf;
	long size;
	FILE *f;

	(void)state;
	assert_true(len > 0);
	self[len] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(path, sizeof(path), "%s/verifier_reject.bpf.o", self);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	buf = malloc((size_t)size);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	assert_int_equal(kernel_features_of_object(buf, (size_t)size, &n), 0);
	assert_true(has_need(&n, KF_BTF, 0, 0));
	assert_true(has_need(&n, KF_PROG_TYPE, BPF_PROG_TYPE_PERF_EVENT, 0));
	assert_true(has_need(&n, KF_MAP_TYPE, BPF_MAP_TYPE_HASH, 0));
	assert_true(has_need(&n, KF_HELPER, BPF_FUNC_map_lookup_elem, BPF_PROG_TYPE_PERF_EVENT));
	/* Nothing else: the license is not a map, no other call. */
	assert_int_equal(n.n, 4);
	/* Not an ELF object. */
	assert_int_equal(kernel_features_of_object("not elf at all", 14, &n), -EINVAL);
	free(buf);
}

/* tmprof's own objects: each kind's program type, and every helper tied to
 * a program type the object has. */
static void test_needs_of_tmprof_kinds(void **state)
{
	static const struct {
		enum kf_kind kind;
		int prog_type;
	} kinds[] = {
		{ KF_CPU, BPF_PROG_TYPE_PERF_EVENT },
		{ KF_OFFCPU, BPF_PROG_TYPE_RAW_TRACEPOINT },
		{ KF_ALLOC, BPF_PROG_TYPE_KPROBE },
		{ KF_LEAK, BPF_PROG_TYPE_KPROBE },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct kf_needs n = { 0 };
		size_t helpers = 0;

		assert_int_equal(kernel_features_of_kinds(1u << kinds[i].kind, &n), 0);
		assert_true(has_need(&n, KF_BTF, 0, 0));
		assert_true(has_need(&n, KF_PROG_TYPE, kinds[i].prog_type, 0));
		for (size_t j = 0; j < n.n; j++) {
			if (n.v[j].type != KF_HELPER)
				continue;
			helpers++;
			/* cpu_sample.bpf.o also holds --sampler=weighted's
			 * sched_switch program: any type the object has. */
			assert_true(has_need(&n, KF_PROG_TYPE, n.v[j].prog_type, 0));
			/* Every helper tmprof calls is in the version table. */
			assert_true(kernel_features_since(&n.v[j]) > 0);
		}
		assert_true(helpers > 0);
		assert_true(kernel_features_minimum(&n) >= KF_VERSION(4, 9));
	}
}

/* This kernel (6.x with BTF) has everything every kind needs. */
static void test_this_kernel_has_everything(void **state)
{
	(void)state;
	if (!test_require_root())
		return;
	for (int k = 0; k < KF_NKINDS; k++) {
		char what[64];

		kernel_features_kinds_name(1u << k, what, sizeof(what));
		assert_int_equal(kernel_features_check(1u << k, what), EXIT_OK);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_versions),
		cmocka_unit_test(test_probe_all_present),
		cmocka_unit_test(test_probe_debian_bullseye),
		cmocka_unit_test(test_probe_no_btf_and_prog_type),
		cmocka_unit_test(test_probe_error_is_not_missing),
		cmocka_unit_test(test_kinds_name),
		cmocka_unit_test(test_needs_of_fixture_object),
		cmocka_unit_test(test_needs_of_tmprof_kinds),
		cmocka_unit_test(test_this_kernel_has_everything),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
