// SPDX-License-Identifier: GPL-2.0
/* Test helper for tests/e2e/categories.sh: CPU categories over folded
 * stacks, through agent/core/category_rules.h only (the rules and the
 * cache the agent will use), before the profile writers carry them.
 *
 *   categorize_folded [--categories FILE] IN.folded
 *
 * Prints one line per thread and CPU category, every category of a thread
 * present (0 when none):
 *     <thread name> TAB <category> TAB <samples>
 * and on stderr "stacks N, classified M" (M < N: the cache worked).
 * Frames are read from the folded suffixes: _[k] kernel, _[j] JIT, _[i]
 * inlined, _[0] interpreted, "[unknown] (module)" unknown, the rest native
 * (folded text has no module, so module rules cannot match here).
 * Exit 0, or 1 with a message for bad input.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/category_rules.h"

#define MAX_DEPTH 4096
#define MAX_THREADS 4096

struct thread_counts {
	char *name;
	uint64_t n[CATEGORY_CPU__MAX];
};

static struct thread_counts threads[MAX_THREADS];
static size_t nthreads;

static struct thread_counts *thread_get(const char *name)
{
	for (size_t i = 0; i < nthreads; i++)
		if (!strcmp(threads[i].name, name))
			return &threads[i];
	if (nthreads == MAX_THREADS)
		return NULL;
	threads[nthreads].name = strdup(name);
	return threads[nthreads].name ? &threads[nthreads++] : NULL;
}

/* Cuts a folded suffix off f and returns the frame's kind. */
static enum category_frame_kind frame_kind_cut(char *f, const char **module)
{
	size_t n = strlen(f);
	char *paren;

	*module = NULL;
	if (!strncmp(f, "[unknown]", 9)) {
		paren = strchr(f, '(');
		if (paren && f[n - 1] == ')') {
			f[n - 1] = '\0';
			*module = paren + 1;
		}
		return CFRAME_UNKNOWN;
	}
	if (n >= 4 && f[n - 4] == '_' && f[n - 3] == '[' && f[n - 1] == ']') {
		char k = f[n - 2];

		f[n - 4] = '\0';
		switch (k) {
		case 'k': return CFRAME_KERNEL;
		case 'j': return CFRAME_JIT;
		case 'i': return CFRAME_INLINED;
		case '0': return CFRAME_INTERPRETED;
		default: f[n - 4] = '_'; break;
		}
	}
	return CFRAME_NATIVE;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

int main(int argc, char **argv)
{
	static struct category_frame frames[MAX_DEPTH];
	static char *parts[MAX_DEPTH];
	struct category_rules rules;
	struct category_cache *cache = NULL;
	struct category_cache_stats st;
	const char *rules_path = NULL, *in_path;
	char *line = NULL, err[512];
	size_t cap = 0, lineno = 0;
	FILE *in;
	int rc = 1;

	if (argc == 4 && !strcmp(argv[1], "--categories"))
		rules_path = argv[2];
	else if (argc != 2) {
		fprintf(stderr, "usage: categorize_folded [--categories FILE] IN.folded\n");
		return 1;
	}
	in_path = argv[argc - 1];
	if (rules_path ? category_rules_load(rules_path, &rules, err, sizeof(err))
		       : category_rules_default(&rules)) {
		fprintf(stderr, "categorize_folded: %s\n", rules_path ? err : "default rules");
		return 1;
	}
	in = fopen(in_path, "re");
	if (!in) {
		fprintf(stderr, "categorize_folded: %s: %s\n", in_path, strerror(errno));
		goto cleanup;
	}
	if (category_cache_new(1 << 16, &cache))
		goto cleanup;
	while (getline(&line, &cap, in) > 0) {
		char *sp, *end, *tok, *save = NULL, *s, *thread;
		unsigned long long count;
		struct thread_counts *tc;
		size_t depth = 0;
		uint64_t hash;
		enum category c;

		lineno++;
		line[strcspn(line, "\n")] = '\0';
		sp = strrchr(line, ' ');
		if (!sp)
			continue;
		*sp = '\0';
		count = strtoull(sp + 1, &end, 10);
		if (*end) {
			fprintf(stderr, "categorize_folded: %s: line %zu: no count\n", in_path, lineno);
			goto cleanup;
		}
		s = line;
		/* A process frame "[... pid=N]" first when there were several targets. */
		if (s[0] == '[' && (end = strchr(s, ';')) && end > s && end[-1] == ']' &&
		    strstr(s, " pid=") && strstr(s, " pid=") < end)
			s = end + 1;
		if (s[0] != '[' || !(end = strstr(s, " tid=")))
			continue; /* no thread frame: not a thread's sample */
		*end = '\0';
		thread = s + 1;
		s = strchr(end + 1, ';');
		hash = fnv1a(s ? s : "") ^ fnv1a(thread) * 31;
		for (tok = s ? strtok_r(s + 1, ";", &save) : NULL; tok && depth < MAX_DEPTH;
		     tok = strtok_r(NULL, ";", &save))
			parts[depth++] = tok;
		/* Leaf first. */
		for (size_t i = 0; i < depth; i++) {
			char *f = parts[depth - 1 - i];

			frames[i].kind = frame_kind_cut(f, &frames[i].module);
			frames[i].name = f;
		}
		c = category_cache_cpu(cache, &rules, hash, thread_kind_of(thread), frames, depth);
		tc = thread_get(thread);
		if (!tc)
			goto cleanup;
		tc->n[c] += count;
	}
	for (size_t i = 0; i < nthreads; i++)
		for (int c = 0; c < CATEGORY_CPU__MAX; c++)
			printf("%s\t%s\t%llu\n", threads[i].name, category_name((enum category)c),
			       (unsigned long long)threads[i].n[c]);
	category_cache_stats(cache, &st);
	fprintf(stderr, "stacks %zu, classified %llu\n", lineno, (unsigned long long)st.misses);
	rc = 0;
cleanup:
	if (in)
		fclose(in);
	free(line);
	category_cache_free(cache);
	category_rules_free(&rules);
	for (size_t i = 0; i < nthreads; i++)
		free(threads[i].name);
	return rc;
}
