// SPDX-License-Identifier: GPL-2.0
/* The arithmetic of sampled allocation tracking (bpf/leak.bpf.c): the
 * exponential countdown the kernel draws from, and what one sampled
 * allocation stands for. Pure: for tests. */
#ifndef TMPROF_AGENT_LEAK_SAMPLING_H
#define TMPROF_AGENT_LEAK_SAMPLING_H

#include <stddef.h>
#include <stdint.h>

/* jemalloc's default lg_prof_sample = 19. */
#define LEAK_DEFAULT_PERIOD (512u * 1024u)

/* Fill table[0..n) with the n quantiles (i + 0.5) / n of an exponential
 * distribution of mean period (each at least 1), so that a uniformly random
 * slot is a draw from it to within 1/n. */
void leak_exp_table_fill(uint64_t *table, size_t n, uint64_t period);

/* Probability that a request of size bytes is sampled: 1 - exp(-size/period). */
double leak_sample_probability(uint64_t size, uint64_t period);

/* Estimated bytes one sampled allocation of size bytes stands for: size
 * divided by its sampling probability, the unbiased estimate (what
 * jemalloc's prof_unbias computes). It is about max(size, period): period
 * for small requests, size for large ones, 1.58 * period at size = period.
 * period 0 (every request tracked): size. */
uint64_t leak_sample_weight(uint64_t size, uint64_t period);

/* "512k", "1m", "4096", "1g": bytes. 0 or -EINVAL. */
int leak_parse_size(const char *s, uint64_t *out);
/* "10m", "30s", "2h", "1d", "500ms": milliseconds (bare numbers are seconds).
 * 0 or -EINVAL. */
int leak_parse_duration_ms(const char *s, uint64_t *out);

#endif
