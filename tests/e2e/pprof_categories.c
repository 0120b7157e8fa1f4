// SPDX-License-Identifier: GPL-2.0
/* Test helper for tests/e2e/categories.sh: the CPU of a tmprof pprof
 * profile per thread and "category" label, read with the tests' own
 * profile.proto decoder (tests/unit/pprof_reader.c), not flamegraph/pprof.c.
 *
 *   pprof_categories FILE.pb.gz
 *
 * Prints "<thread> TAB <category> TAB <first value>" per thread and category
 * seen, and "unlabelled TAB <n>" on stderr: samples with a thread label but
 * no category label (0 expected). Exit 0, or 1 when the file does not
 * decode. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/pprof_reader.h"

#define MAX_ROWS 4096

struct row {
	const char *thread, *category;
	int64_t n;
};

static struct row rows[MAX_ROWS];
static size_t nrows;

static void row_add(const char *thread, const char *category, int64_t n)
{
	for (size_t i = 0; i < nrows; i++) {
		if (!strcmp(rows[i].thread, thread) && !strcmp(rows[i].category, category)) {
			rows[i].n += n;
			return;
		}
	}
	if (nrows < MAX_ROWS)
		rows[nrows++] = (struct row){ thread, category, n };
}

int main(int argc, char **argv)
{
	struct pp_profile pp;
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, got;
	int64_t unlabelled = 0;
	FILE *f;

	if (argc != 2 || !(f = fopen(argv[1], "rb"))) {
		fprintf(stderr, "usage: pprof_categories FILE.pb.gz (a readable file)\n");
		return 1;
	}
	do {
		if (len == cap) {
			unsigned char *g = realloc(buf, cap = cap ? 2 * cap : 1 << 16);

			if (!g) {
				fclose(f);
				free(buf);
				return 1;
			}
			buf = g;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got);
	fclose(f);
	if (pp_decode(buf, len, &pp)) {
		fprintf(stderr, "%s: does not decode as a gzipped profile.proto\n", argv[1]);
		free(buf);
		return 1;
	}
	free(buf);
	for (size_t i = 0; i < pp.nsamples; i++) {
		const struct pp_sample *s = &pp.samples[i];
		const char *thread = pp_label(&pp, s, "thread");
		const char *category = pp_label(&pp, s, "category");

		if (!thread || !s->nval)
			continue;
		if (!category)
			unlabelled += s->val[0];
		else
			row_add(thread, category, s->val[0]);
	}
	for (size_t i = 0; i < nrows; i++)
		printf("%s\t%s\t%lld\n", rows[i].thread, rows[i].category, (long long)rows[i].n);
	fprintf(stderr, "unlabelled\t%lld\n", (long long)unlabelled);
	pp_free(&pp);
	return 0;
}
