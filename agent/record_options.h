/* Command line of `tmprof record`. */
#ifndef TMPROF_AGENT_RECORD_OPTIONS_H
#define TMPROF_AGENT_RECORD_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <sys/types.h>

#define RECORD_MAX_PIDS 256

struct record_options {
	pid_t pids[RECORD_MAX_PIDS];
	size_t npids;
	bool all_taskmanagers;
	double duration_s;
	unsigned int freq_hz;
	const char *output;
	bool threads;
	bool stats;
	bool verbose;
	bool help;
};

/* Parse argv (argv[0] is "record"). On error writes one line naming the
 * option and the fix into err and returns -EINVAL. */
int record_options_parse(int argc, char **argv, struct record_options *opts, char *err,
			 size_t errlen);
/* "123,456" → pids; rejects non-numbers, zero, duplicates are merged. */
int pid_list_parse(const char *text, pid_t *pids, size_t max, size_t *count);
void record_options_usage(FILE *out);

#endif
