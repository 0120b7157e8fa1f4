// SPDX-License-Identifier: GPL-2.0
#include "flamegraph/diff.h"

#include <errno.h>

#include "flamegraph/atomic_file.h"
#include "flamegraph/flame_tree.h"
#include "flamegraph/html.h"
#include "flamegraph/svg.h"

int diff_write(const struct profile *before, const struct profile *after, bool normalize,
	       enum flamegraph_format fmt, FILE *out, const struct flamegraph_options *o)
{
	struct flamegraph_options defaults;
	struct flame_tree t;
	int err;

	if (fmt != FLAMEGRAPH_SVG && fmt != FLAMEGRAPH_HTML)
		return -EINVAL;
	if (!o) {
		flamegraph_options_init(&defaults);
		o = &defaults;
	}
	err = flame_tree_build(&t, after, before, o->reverse, normalize);
	if (err)
		return err;
	err = fmt == FLAMEGRAPH_SVG ? svg_write_tree(&t, out, o) : html_write_tree(&t, out, o);
	flame_tree_free(&t);
	return err;
}

int diff_write_file(const struct profile *before, const struct profile *after, bool normalize,
		    const char *path, const struct flamegraph_options *o)
{
	enum flamegraph_format fmt = flamegraph_format_of(path);
	struct atomic_file af;
	int err;

	if (fmt == FLAMEGRAPH_NONE)
		return -EINVAL;
	err = atomic_file_open(&af, path);
	if (err)
		return err;
	err = diff_write(before, after, normalize, fmt, af.fp, o);
	if (err) {
		atomic_file_abort(&af);
		return err;
	}
	return atomic_file_commit(&af);
}
