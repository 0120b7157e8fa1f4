// SPDX-License-Identifier: GPL-2.0
/* The unwinder's state in BPF maps, one set per session, shared by every
 * BPF object that walks user stacks (bpf/ustack.bpf.h): the .eh_frame rows
 * and each target's mappings (cfi_rows, cfi_procs), each JVM's HotSpot
 * configuration (hotspot_cfgs), the code-blob cache (hs_blobs) and the
 * unwinder's counters (unwind_stats).
 *
 * Created here, once; each collector hands them to its BPF object before
 * loading it (unwind_maps_reuse), so the 2 MiB of rows exist once, a
 * library's rows are built once, and a code blob one program looked up
 * is a cache hit for the others. Filled here, once per target, whatever the
 * number of collectors. */
#ifndef TMPROF_AGENT_UNWIND_MAPS_H
#define TMPROF_AGENT_UNWIND_MAPS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "bpf/abi.h"

struct bpf_object;
struct cfi_known;
struct cfi_prep;
struct hotspot_cfg;
struct unwind_maps;

/* What the maps are sized for. Without UNWIND_MAPS_CFI, the rows and
 * per-target mappings get one entry each (tmprof leak: its uprobes stop
 * at a function's entry, where the walk never uses rows); without
 * UNWIND_MAPS_HOTSPOT, neither the configurations nor the cache. */
enum unwind_maps_feature {
	UNWIND_MAPS_CFI = 1 << 0,
	UNWIND_MAPS_HOTSPOT = 1 << 1,
	UNWIND_MAPS_ALL = UNWIND_MAPS_CFI | UNWIND_MAPS_HOTSPOT,
};

/* -EPERM/-EACCES: not privileged enough to create BPF maps. */
int unwind_maps_new(unsigned int features, struct unwind_maps **out);
void unwind_maps_free(struct unwind_maps *u);

/* Between the object's open and its load: its unwinder maps become u's
 * (bpf_map__reuse_fd). u NULL: the object keeps its own (tests, doctor). */
int unwind_maps_reuse(const struct unwind_maps *u, struct bpf_object *obj);

/* Walk tgid's user stacks with the HotSpot unwinder (cfg from
 * hotspot_cfg_read), or with frame pointers again when cfg is NULL. */
int unwind_maps_set_hotspot(struct unwind_maps *u, pid_t tgid, const struct hotspot_cfg *cfg);

/* Unwind tgid's libraries without frame pointers (libc, ld-linux) by their
 * .eh_frame rows; call again after the target exec'd. Returns how many
 * mappings got rows, or -errno. */
int unwind_maps_set_cfi(struct unwind_maps *u, pid_t tgid);
/* The keys of the files whose rows the maps hold (cfi_maps_snapshot), for
 * cfi_prep_build on a worker: a new target's libraries that another
 * target loaded already are not parsed again. */
int unwind_maps_snapshot_cfi(const struct unwind_maps *u, struct cfi_known **out);
/* The same from tables parsed elsewhere (cfi_prep_build, on a worker);
 * -EAGAIN: prepare again (cfi_maps_install). */
int unwind_maps_install_cfi(struct unwind_maps *u, pid_t tgid, const struct cfi_prep *p);
/* Are unwind rows loaded at all (--unwind with CFI)? */
bool unwind_maps_has_cfi(const struct unwind_maps *u);

/* Forget tgid: its rows' references and its HotSpot configuration. */
void unwind_maps_remove(struct unwind_maps *u, pid_t tgid);

/* The counters of one user (enum unwind_user), summed over CPUs. */
int unwind_maps_stats(const struct unwind_maps *u, enum unwind_user user,
		      uint64_t out[UNWIND_STAT__MAX]);

#endif
