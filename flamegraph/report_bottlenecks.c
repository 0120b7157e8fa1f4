// SPDX-License-Identifier: GPL-2.0
#include "flamegraph/report_bottlenecks.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct report_bottleneck *report_bottleneck_add(struct thread_report *r)
{
	size_t n = r->nbottlenecks + 1;
	struct report_bottleneck *grown = realloc(r->bottlenecks, n * sizeof(*grown));

	if (!grown)
		return NULL;
	r->bottlenecks = grown;
	memset(&grown[r->nbottlenecks], 0, sizeof(*grown));
	return &grown[r->nbottlenecks++];
}

void report_bottlenecks_free(struct thread_report *r)
{
	for (size_t i = 0; i < r->nbottlenecks; i++) {
		struct report_bottleneck *b = &r->bottlenecks[i];

		free(b->chain);
		free(b->why);
		free(b->blocked_in);
		free(b->evidence);
		for (int k = 0; k < b->nblocks; k++)
			free(b->blocks[k]);
	}
	free(r->bottlenecks);
	r->bottlenecks = NULL;
	r->nbottlenecks = 0;
}

void report_bottlenecks_write_json(const struct thread_report *r, FILE *out)
{
	fputs(",\"bottlenecks\":", out);
	if (!r->bottlenecks_measured) {
		fputs("null", out);
		return;
	}
	fputc('[', out);
	for (size_t i = 0; i < r->nbottlenecks; i++) {
		const struct report_bottleneck *b = &r->bottlenecks[i];

		fputs(i ? ",\n{\"chain\":" : "\n{\"chain\":", out);
		thread_report_write_string(out, b->chain);
		fprintf(out, ",\"subtask\":%d,\"parallelism\":%d,\"pid\":%d,\"tid\":%d,\"why\":",
			b->subtask, b->parallelism, b->pid, b->tid);
		thread_report_write_string(out, b->why);
		fputs(",\"blocked_in\":", out);
		if (b->blocked_in)
			thread_report_write_string(out, b->blocked_in);
		else
			fputs("null", out);
		fputs(",\"blocks\":[", out);
		for (int k = 0; k < b->nblocks; k++) {
			if (k)
				fputc(',', out);
			thread_report_write_string(out, b->blocks[k]);
		}
		fprintf(out, "],\"busy_ms_per_s\":%.3f,\"evidence\":",
			isfinite(b->busy_ms_per_s) ? b->busy_ms_per_s : 0.0);
		thread_report_write_string(out, b->evidence);
		fputc('}', out);
	}
	fputc(']', out);
}
