/* Test helper for tests/e2e/pprof_readers.sh: folded stacks in, pprof out,
 * through flamegraph/pprof.h only (the same API the agent uses).
 *
 *   folded2pprof [--keep] [--wall] [--hz N] IN.folded OUT.pb.gz
 *
 * --keep keeps the [... tid=N] / [... pid=N] root frames in the stacks;
 * --wall writes a wall-clock profile (counts are microseconds).
 * Exit 0, or 1 with a message for bad input or a failed write.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph/pprof.h"
#include "flamegraph/profile.h"

#define MAX_DEPTH 4096

/* "a;b;c 12" -> frames a, b, c with count 12. */
static int line_add(struct profile *p, char *line)
{
	static uint32_t frames[MAX_DEPTH];
	char *sp = strrchr(line, ' '), *end, *f, *save = NULL;
	unsigned long long count;
	uint32_t depth = 0;

	if (!sp)
		return -EINVAL;
	*sp = '\0';
	errno = 0;
	count = strtoull(sp + 1, &end, 10);
	if (errno || end == sp + 1 || *end)
		return -EINVAL;
	for (f = strtok_r(line, ";", &save); f; f = strtok_r(NULL, ";", &save)) {
		int err;

		if (depth == MAX_DEPTH)
			return -E2BIG;
		err = profile_intern(p, f, &frames[depth++]);
		if (err)
			return err;
	}
	return profile_add(p, frames, depth, count);
}

static int folded_read(struct profile *p, const char *path)
{
	FILE *in = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int err = 0;

	if (!in)
		return -errno;
	while (!err && (n = getline(&line, &cap, in)) > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n)
			err = line_add(p, line);
	}
	free(line);
	fclose(in);
	return err;
}

int main(int argc, char **argv)
{
	struct pprof_options o = { .kind = PPROF_KIND_CPU, .hz = 99,
				   .time_nanos = 1700000000000000000LL,
				   .duration_nanos = 10000000000LL };
	struct profile *p;
	int i, err;

	for (i = 1; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--keep"))
			o.keep_pseudo_frames = true;
		else if (!strcmp(argv[i], "--wall"))
			o.kind = PPROF_KIND_WALL;
		else if (!strcmp(argv[i], "--hz") && i + 1 < argc)
			o.hz = (unsigned int)strtoul(argv[++i], NULL, 10);
		else
			break;
	}
	if (argc - i != 2) {
		fprintf(stderr, "usage: folded2pprof [--keep] [--wall] [--hz N] IN OUT\n");
		return 1;
	}
	p = profile_new();
	if (!p)
		return 1;
	err = folded_read(p, argv[i]);
	if (!err)
		err = pprof_write_file(p, argv[i + 1], &o);
	profile_free(p);
	if (err) {
		fprintf(stderr, "folded2pprof: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
