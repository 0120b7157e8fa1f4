// SPDX-License-Identifier: GPL-2.0
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

#include "flamegraph/folded_parse.h"
#include "flamegraph/pprof.h"
#include "flamegraph/profile.h"

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
	/* The folded parser makes the model: kinds from the suffixes, labels
	 * from the root pseudo-frames. */
	{
		struct folded_parse_result r;

		err = folded_parse_file(argv[i], p, NULL, &r);
	}
	if (!err)
		err = pprof_write_file(p, argv[i + 1], &o);
	profile_free(p);
	if (err) {
		fprintf(stderr, "folded2pprof: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
