// SPDX-License-Identifier: GPL-2.0
/* Which kernel features each event kind needs, and whether this kernel has
 * them: probed (libbpf's probe API, /sys/kernel/btf/vmlinux), never guessed
 * from the version string, since distributions backport BPF features and
 * vendors build kernels without them.
 *
 * What a kind needs is read from its BPF object itself (the skeleton's
 * embedded ELF): the program types of its programs, the map types of its
 * maps and the helpers its code calls. So the list follows the BPF sources
 * as they change; only the kernel version that introduced each feature (for
 * the message) is a table here.
 */
#ifndef TMPROF_AGENT_KERNEL_FEATURES_H
#define TMPROF_AGENT_KERNEL_FEATURES_H

#include <stdbool.h>
#include <stddef.h>

/* The event kinds, one BPF object each (wall = cpu + offcpu). */
enum kf_kind { KF_CPU, KF_OFFCPU, KF_ALLOC, KF_LEAK, KF_NKINDS };

enum kf_type {
	KF_BTF,       /* kernel BTF at /sys/kernel/btf/vmlinux (CO-RE) */
	KF_PROG_TYPE, /* id: enum bpf_prog_type */
	KF_MAP_TYPE,  /* id: enum bpf_map_type */
	KF_HELPER,    /* id: enum bpf_func_id, called from prog_type */
};

struct kf_need {
	enum kf_type type;
	int id;
	int prog_type; /* KF_HELPER: the program type that calls it */
};

#define KF_MAX_NEEDS 96

struct kf_needs {
	struct kf_need v[KF_MAX_NEEDS];
	size_t n;
};

/* Probes of one feature: 1 present, 0 missing, negative errno when the
 * probe itself failed (then the feature counts as present: the load will
 * say what is wrong). ctx is passed through; tests fake a kernel here. */
struct kf_probes {
	int (*btf)(void *ctx);
	int (*prog_type)(void *ctx, int prog_type);
	int (*map_type)(void *ctx, int map_type);
	int (*helper)(void *ctx, int prog_type, int helper);
	void *ctx;
};

/* This kernel, through libbpf_probe_bpf_* and /sys/kernel/btf/vmlinux. */
extern const struct kf_probes kf_kernel_probes;

/* KERNEL_VERSION-style encoding of "major.minor". */
#define KF_VERSION(maj, min) (((maj) << 8) | (min))

/* What the BPF object of ELF bytes [elf, elf + len) needs; appended to
 * *out without duplicates. -EINVAL: not a BPF object; -E2BIG: too many. */
int kernel_features_of_object(const void *elf, size_t len, struct kf_needs *out);
/* What the given kinds (bit 1 << kf_kind) need, from tmprof's own objects. */
int kernel_features_of_kinds(unsigned int kinds, struct kf_needs *out);

/* "bpf_loop", "BPF map type lru_hash", "kernel BTF", ... */
const char *kernel_features_name(const struct kf_need *need, char *buf, size_t len);
/* The version that introduced it, KF_VERSION(5, 17); 0 if not in the table. */
unsigned int kernel_features_since(const struct kf_need *need);
/* The newest of what needs asks for: the minimum kernel for it. */
unsigned int kernel_features_minimum(const struct kf_needs *needs);

/* Probe every need; the missing ones go to missing[] (at most max, the
 * newest first). Returns how many are missing. */
size_t kernel_features_probe(const struct kf_needs *needs, const struct kf_probes *p,
			     struct kf_need *missing, size_t max);

/* "-e wall", "-e cpu,alloc", "tmprof leak": how the user asked for kinds. */
void kernel_features_kinds_name(unsigned int kinds, char *buf, size_t len);

/* The one line for a kernel that lacks features, e.g. "kernel 5.10.0-32-
 * cloud-amd64 lacks bpf_loop (5.17+): -e wall needs Linux 5.17 or newer". */
void kernel_features_format(const char *release, const struct kf_need *missing, size_t nmissing,
			    size_t shown_max, unsigned int minimum, const char *what, char *buf,
			    size_t len);

/* Probe this kernel for the kinds; on a lack print the line (log_error) and
 * return EXIT_NO_BPF, else EXIT_OK. what: kernel_features_kinds_name. */
int kernel_features_check(unsigned int kinds, const char *what);

#endif
