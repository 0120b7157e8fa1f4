// SPDX-License-Identifier: GPL-2.0
/* The CPU categories of the thread report: per thread, where its CPU went
 * (serialization, state, network, user, ...) in ms per second.
 *
 * JSON: each thread gets "cpu_by_category":{"<category>":ms_per_s, ...},
 * every category of the report present (0 when none), the values summing to
 * the thread's "cpu" (within the 3-decimal rounding). The table (tmprof
 * top) gets a line of each subtask's largest categories ("user 52% ser 31%
 * state 12%") and one per operator chain. A report without categories
 * (ncategories 0) writes and prints none of it. */
#ifndef TMPROF_FLAMEGRAPH_REPORT_CATEGORIES_H
#define TMPROF_FLAMEGRAPH_REPORT_CATEGORIES_H

#include <stddef.h>
#include <stdio.h>

#include "flamegraph/thread_report.h"

struct json_t;

/* Name the report's categories (copied), in the order JSON lists them. */
int report_categories_set_names(struct thread_report *r, const char *const *names, size_t n);
void report_categories_free(struct thread_report *r);

/* ",\"cpu_by_category\":{...}" for thread t, or nothing. */
void report_categories_write_json(const struct thread_report *r, const struct report_thread *t,
				  FILE *out);
/* ",\"chains\":[...]": per chain and process, its subtasks' CPU and
 * categories summed, chains in the order their first subtask comes;
 * nothing without categories (as cpu_by_category). Derived from the
 * threads, so not read back. */
void report_categories_write_chains_json(const struct thread_report *r, FILE *out);
/* Read thread jt's cpu_by_category, naming the report's categories from
 * the first thread that has them. Names that are not [a-z0-9_-] are
 * skipped. */
int report_categories_read_json(struct thread_report *r, struct report_thread *t,
				struct json_t *jt);

/* "    user 52% ser 31% state 12%": the thread's largest categories. */
void report_categories_print_row(const struct thread_report *r, const struct report_thread *t,
				 FILE *out);
/* "  chain: user 48% ser 30% ...": the CPU of n threads summed. */
void report_categories_print_chain(const struct thread_report *r,
				   const struct report_thread *const *rows, size_t n, FILE *out);

#endif
