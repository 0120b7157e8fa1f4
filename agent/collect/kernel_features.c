// SPDX-License-Identifier: GPL-2.0
#include "agent/collect/kernel_features.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <linux/bpf.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "agent/collect/alloc_tracer.h"
#include "agent/collect/bpf_load.h"
#include "agent/collect/cpu_sampler.h"
#include "agent/collect/leak_tracer.h"
#include "agent/collect/offcpu_tracer.h"
#include "agent/core/exit_codes.h"
#include "agent/core/log.h"

/* The kernel release that introduced each feature: for the message only,
 * the decision is the probe's. Sources: the kernel's git history of
 * include/uapi/linux/bpf.h (helpers, program and map types). */
struct since {
	const char *name;
	int id;
	unsigned int version;
};

static const struct since helpers[] = {
	{ "bpf_map_lookup_elem", BPF_FUNC_map_lookup_elem, KF_VERSION(3, 19) },
	{ "bpf_map_update_elem", BPF_FUNC_map_update_elem, KF_VERSION(3, 19) },
	{ "bpf_map_delete_elem", BPF_FUNC_map_delete_elem, KF_VERSION(3, 19) },
	{ "bpf_probe_read", BPF_FUNC_probe_read, KF_VERSION(4, 1) },
	{ "bpf_ktime_get_ns", BPF_FUNC_ktime_get_ns, KF_VERSION(4, 1) },
	{ "bpf_trace_printk", BPF_FUNC_trace_printk, KF_VERSION(4, 1) },
	{ "bpf_get_prandom_u32", BPF_FUNC_get_prandom_u32, KF_VERSION(4, 1) },
	{ "bpf_get_smp_processor_id", BPF_FUNC_get_smp_processor_id, KF_VERSION(4, 1) },
	{ "bpf_tail_call", BPF_FUNC_tail_call, KF_VERSION(4, 2) },
	{ "bpf_get_current_pid_tgid", BPF_FUNC_get_current_pid_tgid, KF_VERSION(4, 2) },
	{ "bpf_get_current_uid_gid", BPF_FUNC_get_current_uid_gid, KF_VERSION(4, 2) },
	{ "bpf_get_current_comm", BPF_FUNC_get_current_comm, KF_VERSION(4, 2) },
	{ "bpf_perf_event_output", BPF_FUNC_perf_event_output, KF_VERSION(4, 4) },
	{ "bpf_get_stackid", BPF_FUNC_get_stackid, KF_VERSION(4, 6) },
	{ "bpf_get_current_task", BPF_FUNC_get_current_task, KF_VERSION(4, 8) },
	{ "bpf_probe_read_str", BPF_FUNC_probe_read_str, KF_VERSION(4, 11) },
	{ "bpf_get_stack", BPF_FUNC_get_stack, KF_VERSION(4, 18) },
	{ "bpf_probe_read_user", BPF_FUNC_probe_read_user, KF_VERSION(5, 5) },
	{ "bpf_probe_read_kernel", BPF_FUNC_probe_read_kernel, KF_VERSION(5, 5) },
	{ "bpf_probe_read_user_str", BPF_FUNC_probe_read_user_str, KF_VERSION(5, 5) },
	{ "bpf_probe_read_kernel_str", BPF_FUNC_probe_read_kernel_str, KF_VERSION(5, 5) },
	{ "bpf_get_ns_current_pid_tgid", BPF_FUNC_get_ns_current_pid_tgid, KF_VERSION(5, 7) },
	{ "bpf_ktime_get_boot_ns", BPF_FUNC_ktime_get_boot_ns, KF_VERSION(5, 8) },
	{ "bpf_ringbuf_output", BPF_FUNC_ringbuf_output, KF_VERSION(5, 8) },
	{ "bpf_ringbuf_reserve", BPF_FUNC_ringbuf_reserve, KF_VERSION(5, 8) },
	{ "bpf_ringbuf_submit", BPF_FUNC_ringbuf_submit, KF_VERSION(5, 8) },
	{ "bpf_ringbuf_discard", BPF_FUNC_ringbuf_discard, KF_VERSION(5, 8) },
	{ "bpf_get_task_stack", BPF_FUNC_get_task_stack, KF_VERSION(5, 9) },
	{ "bpf_per_cpu_ptr", BPF_FUNC_per_cpu_ptr, KF_VERSION(5, 10) },
	{ "bpf_this_cpu_ptr", BPF_FUNC_this_cpu_ptr, KF_VERSION(5, 10) },
	{ "bpf_copy_from_user", BPF_FUNC_copy_from_user, KF_VERSION(5, 10) },
	{ "bpf_get_current_task_btf", BPF_FUNC_get_current_task_btf, KF_VERSION(5, 11) },
	{ "bpf_task_storage_get", BPF_FUNC_task_storage_get, KF_VERSION(5, 11) },
	{ "bpf_ktime_get_coarse_ns", BPF_FUNC_ktime_get_coarse_ns, KF_VERSION(5, 11) },
	{ "bpf_snprintf", BPF_FUNC_snprintf, KF_VERSION(5, 13) },
	{ "bpf_get_func_ip", BPF_FUNC_get_func_ip, KF_VERSION(5, 15) },
	{ "bpf_get_attach_cookie", BPF_FUNC_get_attach_cookie, KF_VERSION(5, 15) },
	{ "bpf_task_pt_regs", BPF_FUNC_task_pt_regs, KF_VERSION(5, 15) },
	{ "bpf_find_vma", BPF_FUNC_find_vma, KF_VERSION(5, 17) },
	{ "bpf_loop", BPF_FUNC_loop, KF_VERSION(5, 17) },
	{ "bpf_copy_from_user_task", BPF_FUNC_copy_from_user_task, KF_VERSION(5, 18) },
	{ "bpf_ktime_get_tai_ns", BPF_FUNC_ktime_get_tai_ns, KF_VERSION(6, 1) },
};

static const struct since prog_types[] = {
	{ "kprobe/uprobe programs", BPF_PROG_TYPE_KPROBE, KF_VERSION(4, 1) },
	{ "tracepoint programs", BPF_PROG_TYPE_TRACEPOINT, KF_VERSION(4, 7) },
	{ "perf_event programs", BPF_PROG_TYPE_PERF_EVENT, KF_VERSION(4, 9) },
	{ "raw tracepoint programs", BPF_PROG_TYPE_RAW_TRACEPOINT, KF_VERSION(4, 17) },
	{ "BTF tracing programs (fentry, tp_btf)", BPF_PROG_TYPE_TRACING, KF_VERSION(5, 5) },
};

static const struct since map_types[] = {
	{ "hash maps", BPF_MAP_TYPE_HASH, KF_VERSION(3, 19) },
	{ "array maps", BPF_MAP_TYPE_ARRAY, KF_VERSION(3, 19) },
	{ "perf event array maps", BPF_MAP_TYPE_PERF_EVENT_ARRAY, KF_VERSION(4, 3) },
	{ "per-CPU hash maps", BPF_MAP_TYPE_PERCPU_HASH, KF_VERSION(4, 6) },
	{ "per-CPU array maps", BPF_MAP_TYPE_PERCPU_ARRAY, KF_VERSION(4, 6) },
	{ "stack trace maps", BPF_MAP_TYPE_STACK_TRACE, KF_VERSION(4, 6) },
	{ "LRU hash maps", BPF_MAP_TYPE_LRU_HASH, KF_VERSION(4, 10) },
	{ "per-CPU LRU hash maps", BPF_MAP_TYPE_LRU_PERCPU_HASH, KF_VERSION(4, 10) },
	{ "BPF ring buffers", BPF_MAP_TYPE_RINGBUF, KF_VERSION(5, 8) },
	{ "task storage maps", BPF_MAP_TYPE_TASK_STORAGE, KF_VERSION(5, 11) },
};

/* /sys/kernel/btf/vmlinux appeared in 5.4 (CONFIG_DEBUG_INFO_BTF). */
#define BTF_SINCE KF_VERSION(5, 4)

static const struct since *since_find(const struct since *t, size_t n, int id)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].id == id)
			return &t[i];
	return NULL;
}

#define FIND(table, id) since_find((table), sizeof(table) / sizeof((table)[0]), (id))

static const struct since *since_of(const struct kf_need *need)
{
	switch (need->type) {
	case KF_PROG_TYPE:
		return FIND(prog_types, need->id);
	case KF_MAP_TYPE:
		return FIND(map_types, need->id);
	case KF_HELPER:
		return FIND(helpers, need->id);
	default:
		return NULL;
	}
}

unsigned int kernel_features_since(const struct kf_need *need)
{
	const struct since *s;

	if (need->type == KF_BTF)
		return BTF_SINCE;
	s = since_of(need);
	return s ? s->version : 0;
}

const char *kernel_features_name(const struct kf_need *need, char *buf, size_t len)
{
	const struct since *s = since_of(need);
	static const char *const kinds[] = {
		[KF_PROG_TYPE] = "BPF program type", [KF_MAP_TYPE] = "BPF map type",
		[KF_HELPER] = "BPF helper",
	};

	if (need->type == KF_BTF)
		snprintf(buf, len, "kernel BTF (/sys/kernel/btf/vmlinux)");
	else if (s)
		snprintf(buf, len, "%s", s->name);
	else
		snprintf(buf, len, "%s #%d", kinds[need->type], need->id);
	return buf;
}

unsigned int kernel_features_minimum(const struct kf_needs *needs)
{
	unsigned int min = 0;

	for (size_t i = 0; i < needs->n; i++) {
		unsigned int v = kernel_features_since(&needs->v[i]);

		if (v > min)
			min = v;
	}
	return min;
}

static int needs_add(struct kf_needs *out, enum kf_type type, int id, int prog_type)
{
	for (size_t i = 0; i < out->n; i++)
		if (out->v[i].type == type && out->v[i].id == id && out->v[i].prog_type == prog_type)
			return 0;
	if (out->n == KF_MAX_NEEDS)
		return -E2BIG;
	out->v[out->n++] = (struct kf_need){ type, id, prog_type };
	return 0;
}

/* Helper ids called anywhere in the object's code: every executable
 * section, subprograms (.text, bpf_loop callbacks) included, which
 * libbpf's program list leaves out before load. */
static int helpers_of_elf(const void *bytes, size_t len, int *ids, size_t max, size_t *n)
{
	char *copy = malloc(len);
	Elf *e = NULL;
	Elf_Scn *scn = NULL;
	int err = 0;

	*n = 0;
	if (!copy)
		return -ENOMEM;
	/* elf_memory wants a writable image; the skeleton's is const. */
	memcpy(copy, bytes, len);
	elf_version(EV_CURRENT);
	e = elf_memory(copy, len);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		err = -EINVAL;
		goto cleanup;
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		const struct bpf_insn *insn;
		size_t count;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sh.sh_flags & SHF_EXECINSTR))
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf)
			continue;
		insn = d->d_buf;
		count = d->d_size / sizeof(*insn);
		for (size_t i = 0; i < count; i++) {
			bool seen = false;

			/* src_reg 0: a helper; 1 is a BPF-to-BPF call, 2 a kfunc. */
			if (insn[i].code != (BPF_JMP | BPF_CALL) || insn[i].src_reg != 0)
				continue;
			for (size_t j = 0; j < *n; j++)
				seen = seen || ids[j] == insn[i].imm;
			if (seen)
				continue;
			if (*n == max) {
				err = -E2BIG;
				goto cleanup;
			}
			ids[(*n)++] = insn[i].imm;
		}
	}
cleanup:
	if (e)
		elf_end(e);
	free(copy);
	return err;
}

int kernel_features_of_object(const void *elf, size_t len, struct kf_needs *out)
{
	struct bpf_object *obj = NULL;
	struct bpf_program *prog;
	struct bpf_map *map;
	int ids[KF_MAX_NEEDS], types[8];
	size_t nids = 0, ntypes = 0;
	int err;

	err = helpers_of_elf(elf, len, ids, KF_MAX_NEEDS, &nids);
	if (err)
		return err;
	obj = bpf_object__open_mem(elf, len, NULL);
	if (!obj)
		return errno ? -errno : -EINVAL;
	/* Every object is CO-RE (vmlinux.h): it needs the kernel's BTF. */
	err = needs_add(out, KF_BTF, 0, 0);
	bpf_object__for_each_program(prog, obj) {
		int t = (int)bpf_program__type(prog);
		bool seen = false;

		for (size_t i = 0; i < ntypes; i++)
			seen = seen || types[i] == t;
		if (!seen && ntypes < sizeof(types) / sizeof(types[0]))
			types[ntypes++] = t;
		if (!err)
			err = needs_add(out, KF_PROG_TYPE, t, 0);
	}
	bpf_object__for_each_map(map, obj)
		if (!err)
			err = needs_add(out, KF_MAP_TYPE, (int)bpf_map__type(map), 0);
	/* A helper counts for each program type of the object: the kernel
	 * offers helpers per program type, and code in .text may be called
	 * from any of the object's programs. */
	for (size_t i = 0; i < nids && !err; i++)
		for (size_t t = 0; t < ntypes && !err; t++)
			err = needs_add(out, KF_HELPER, ids[i], types[t]);
	bpf_object__close(obj);
	return err;
}

static const void *kind_elf(enum kf_kind kind, size_t *len)
{
	switch (kind) {
	case KF_CPU:
		return cpu_sampler_bpf_object(len);
	case KF_OFFCPU:
		return offcpu_tracer_bpf_object(len);
	case KF_ALLOC:
		return alloc_tracer_bpf_object(len);
	case KF_LEAK:
		return leak_tracer_bpf_object(len);
	default:
		*len = 0;
		return NULL;
	}
}

int kernel_features_of_kinds(unsigned int kinds, struct kf_needs *out)
{
	for (int k = 0; k < KF_NKINDS; k++) {
		size_t len;
		const void *elf;
		int err;

		if (!(kinds & (1u << k)))
			continue;
		elf = kind_elf((enum kf_kind)k, &len);
		err = elf ? kernel_features_of_object(elf, len, out) : -EINVAL;
		if (err)
			return err;
	}
	return 0;
}

static int probe_one(const struct kf_need *n, const struct kf_probes *p)
{
	switch (n->type) {
	case KF_BTF:
		return p->btf(p->ctx);
	case KF_PROG_TYPE:
		return p->prog_type(p->ctx, n->id);
	case KF_MAP_TYPE:
		return p->map_type(p->ctx, n->id);
	case KF_HELPER:
		return p->helper(p->ctx, n->prog_type, n->id);
	}
	return -EINVAL;
}

size_t kernel_features_probe(const struct kf_needs *needs, const struct kf_probes *p,
			     struct kf_need *missing, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < needs->n; i++) {
		const struct kf_need *need = &needs->v[i];
		bool dup = false;
		size_t at;

		/* A helper missing for one program type reads as missing once. */
		for (size_t j = 0; j < n; j++)
			dup = dup || (missing[j].type == need->type && missing[j].id == need->id);
		if (dup || probe_one(need, p) != 0)
			continue;
		/* Insert by version, newest first: the newest sets the minimum. */
		for (at = 0; at < n; at++)
			if (kernel_features_since(need) > kernel_features_since(&missing[at]))
				break;
		if (at >= max)
			continue;
		if (n == max)
			n--;
		memmove(&missing[at + 1], &missing[at], (n - at) * sizeof(*missing));
		missing[at] = *need;
		n++;
	}
	return n;
}

void kernel_features_kinds_name(unsigned int kinds, char *buf, size_t len)
{
	bool cpu = kinds & (1u << KF_CPU), off = kinds & (1u << KF_OFFCPU);

	if (kinds == 1u << KF_LEAK) {
		snprintf(buf, len, "tmprof leak");
		return;
	}
	snprintf(buf, len, "-e %s%s%s", cpu && off ? "wall" : cpu ? "cpu" : off ? "offcpu" : "",
		 (kinds & (1u << KF_ALLOC)) && (cpu || off) ? "," : "",
		 kinds & (1u << KF_ALLOC) ? "alloc" : "");
}

void kernel_features_format(const char *release, const struct kf_need *missing, size_t nmissing,
			    size_t shown_max, unsigned int minimum, const char *what, char *buf,
			    size_t len)
{
	size_t used, shown = nmissing < shown_max ? nmissing : shown_max;
	bool btf = false;

	used = (size_t)snprintf(buf, len, "kernel %s lacks ", release);
	for (size_t i = 0; i < shown && used < len; i++) {
		char name[96];
		unsigned int v = kernel_features_since(&missing[i]);

		btf = btf || missing[i].type == KF_BTF;
		kernel_features_name(&missing[i], name, sizeof(name));
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i == 0 ? "" :
					 i + 1 == shown && shown == nmissing ? " and " : ", ", name);
		if (v && used < len)
			used += (size_t)snprintf(buf + used, len - used, " (%u.%u+)", v >> 8, v & 0xff);
	}
	if (shown < nmissing && used < len)
		used += (size_t)snprintf(buf + used, len - used, " and %zu more", nmissing - shown);
	if (used >= len)
		return;
	for (size_t i = shown; i < nmissing; i++)
		btf = btf || missing[i].type == KF_BTF;
	if (minimum)
		snprintf(buf + used, len - used, ": %s needs Linux %u.%u or newer%s", what,
			 minimum >> 8, minimum & 0xff,
			 btf ? ", built with CONFIG_DEBUG_INFO_BTF=y" : "");
	else
		snprintf(buf + used, len - used, ": %s needs a newer Linux", what);
}

/* Without privileges libbpf's probes cannot load anything and report
 * features as missing: they say nothing then, and the load reports the
 * permission problem. */
static int probe_allowed(void)
{
	return bpf_load_privileged() ? 1 : -EPERM;
}

static int probe_btf(void *ctx)
{
	/* Where libbpf itself looks: /sys/kernel/btf/vmlinux, then /boot. */
	struct btf *btf = btf__load_vmlinux_btf();

	(void)ctx;
	if (!btf)
		return 0;
	btf__free(btf);
	return 1;
}

static int probe_prog_type(void *ctx, int type)
{
	(void)ctx;
	if (probe_allowed() < 0)
		return -EPERM;
	return libbpf_probe_bpf_prog_type((enum bpf_prog_type)type, NULL);
}

static int probe_map_type(void *ctx, int type)
{
	(void)ctx;
	if (probe_allowed() < 0)
		return -EPERM;
	return libbpf_probe_bpf_map_type((enum bpf_map_type)type, NULL);
}

static int probe_helper(void *ctx, int prog_type, int helper)
{
	(void)ctx;
	if (probe_allowed() < 0)
		return -EPERM;
	return libbpf_probe_bpf_helper((enum bpf_prog_type)prog_type, (enum bpf_func_id)helper,
				       NULL);
}

const struct kf_probes kf_kernel_probes = {
	probe_btf, probe_prog_type, probe_map_type, probe_helper, NULL,
};

#define SHOWN_MAX 3

int kernel_features_check(unsigned int kinds, const char *what)
{
	struct kf_needs *needs = calloc(1, sizeof(*needs));
	struct kf_need missing[KF_MAX_NEEDS];
	struct utsname u;
	char line[512];
	size_t n;
	int err, rc = EXIT_OK;

	if (!needs)
		return EXIT_INTERNAL;
	err = kernel_features_of_kinds(kinds, needs);
	if (err) {
		/* Our own objects: cannot happen short of a broken build. */
		log_error("cannot read tmprof's BPF objects: %s", strerror(-err));
		rc = EXIT_INTERNAL;
		goto cleanup;
	}
	n = kernel_features_probe(needs, &kf_kernel_probes, missing, KF_MAX_NEEDS);
	if (n) {
		if (uname(&u))
			snprintf(u.release, sizeof(u.release), "(unknown)");
		kernel_features_format(u.release, missing, n, SHOWN_MAX,
				       kernel_features_minimum(needs), what, line, sizeof(line));
		log_error("%s", line);
		rc = EXIT_NO_BPF;
	}
cleanup:
	free(needs);
	return rc;
}
