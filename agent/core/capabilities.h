/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TMPROF_CAPABILITIES_H
#define TMPROF_CAPABILITIES_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/capability.h>

/* Older uapi headers (before 5.8) lack the split of CAP_SYS_ADMIN's BPF and
 * perf rights; the numbers are fixed by the kernel ABI. */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

/* This process's effective capability set as a bit mask (bit N = cap N).
 * Returns 0 or -errno from capget. */
int capabilities_effective(uint64_t *mask);

/* Whether `mask` holds capability `cap` (0..63). */
bool capabilities_has(uint64_t mask, int cap);

#endif
