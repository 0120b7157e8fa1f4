// SPDX-License-Identifier: GPL-2.0
/* Command line of `tmprof record`. */
#ifndef TMPROF_AGENT_RECORD_OPTIONS_H
#define TMPROF_AGENT_RECORD_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <sys/types.h>

#include "agent/core/profile_output.h"
#include "agent/core/session_setup.h"

#define RECORD_MAX_PIDS SESSION_SETUP_MAX_TARGETS

struct record_options {
	unsigned int events;        /* enum session_event bits */
	enum record_format format;
	const char *rules;          /* --rules FILE, NULL: the Flink defaults */
	const char *categories;     /* --categories FILE, NULL: the defaults */
	bool no_categories;         /* --no-categories */
	bool no_culprits;           /* --no-culprits, or TMPROF_CULPRITS=off */
	bool category_frames;       /* --category-frames */
	bool alloc_counts;          /* --alloc-units count */
	int unwind;                 /* --unwind: enum session_unwind */
	const char *push_url;       /* --push URL: Pyroscope server */
	const char *app_name;       /* --app NAME for --push */
	pid_t pids[RECORD_MAX_PIDS];
	size_t npids;
	bool all_taskmanagers;
	double duration_s;
	unsigned int freq_hz;
	const char *output;
	bool threads;
	bool stats;
	int sampler;                /* enum cpu_sampler_mode: --per-cpu, --sampler */
	bool verbose;
	bool help;
};

/* Parse argv (argv[0] is "record"). On error writes one line naming the
 * option and the fix into err and returns -EINVAL. */
int record_options_parse(int argc, char **argv, struct record_options *opts, char *err,
			 size_t errlen);
/* Do the events write the main profile to -o? Every kind but alloc does
 * (alloc has its own file, record_alloc_output). */
bool record_main_output(unsigned int events);
/* Where the allocation profile goes: -o itself when alloc is the only
 * event, else -o with ".alloc" before its extension (cpu.folded →
 * cpu.alloc.folded). Writes into buf. */
const char *record_alloc_output(const struct record_options *o, char *buf, size_t len);

/* Output format from --format or from the file name's extension (.folded
 * or anything else: folded; .json, .svg, .html, .pb.gz). */
enum record_format record_format_of(const struct record_options *o);
enum record_format record_format_of_path(const char *path);

/* "123,456" → pids; rejects non-numbers, zero, duplicates are merged. */
int pid_list_parse(const char *text, pid_t *pids, size_t max, size_t *count);
void record_options_usage(FILE *out);

#endif
