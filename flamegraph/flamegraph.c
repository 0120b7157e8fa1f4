// SPDX-License-Identifier: GPL-2.0
#include "flamegraph/flamegraph.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "flamegraph/atomic_file.h"
#include "flamegraph/html.h"
#include "flamegraph/svg.h"

void flamegraph_options_init(struct flamegraph_options *o)
{
	memset(o, 0, sizeof(*o));
	o->minwidth = 0.1;
	o->width = 1200;
	o->palette = PALETTE_JAVA;
}

int flamegraph_palette_parse(const char *s, enum flamegraph_palette *out)
{
	static const struct {
		const char *name;
		enum flamegraph_palette pal;
	} names[] = {
		{ "java", PALETTE_JAVA }, { "hot", PALETTE_HOT }, { "mem", PALETTE_MEM }, { "io", PALETTE_IO },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i].name)) {
			*out = names[i].pal;
			return 0;
		}
	}
	return -EINVAL;
}

int flamegraph_minwidth_parse(const char *s, struct flamegraph_options *o)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || !isfinite(v) || v < 0)
		return -EINVAL;
	if (*end == '%' && end[1] == '\0') {
		if (v > 100)
			return -EINVAL;
		o->minwidth_percent = true;
	} else if (*end == '\0') {
		o->minwidth_percent = false;
	} else {
		return -EINVAL;
	}
	o->minwidth = v;
	return 0;
}

enum flamegraph_format flamegraph_format_of(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (!dot || strchr(dot, '/'))
		return FLAMEGRAPH_NONE;
	if (!strcasecmp(dot, ".svg"))
		return FLAMEGRAPH_SVG;
	if (!strcasecmp(dot, ".html") || !strcasecmp(dot, ".htm"))
		return FLAMEGRAPH_HTML;
	return FLAMEGRAPH_NONE;
}

int flamegraph_write_file(const struct profile *p, const char *path,
			  const struct flamegraph_options *o)
{
	enum flamegraph_format fmt = flamegraph_format_of(path);
	struct atomic_file af;
	int err;

	if (fmt == FLAMEGRAPH_NONE)
		return -EINVAL;
	err = atomic_file_open(&af, path);
	if (err)
		return err;
	err = fmt == FLAMEGRAPH_SVG ? svg_write(p, af.fp, o) : html_write(p, af.fp, o);
	if (err) {
		atomic_file_abort(&af);
		return err;
	}
	return atomic_file_commit(&af);
}
