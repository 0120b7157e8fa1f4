// SPDX-License-Identifier: GPL-2.0
/* Flame graph rendering: options shared by the SVG and HTML writers, and
 * one entry point that picks the format from the output file's name.
 *
 * The options are those flamegraph.pl users know (--title, --subtitle,
 * --countname, --reverse, --inverted, --minwidth, --width, --colors,
 * --hash). tmprof records Java, so the default palette is "java".
 */
#ifndef TMPROF_FLAMEGRAPH_FLAMEGRAPH_H
#define TMPROF_FLAMEGRAPH_FLAMEGRAPH_H

#include <stdbool.h>

struct profile;

enum flamegraph_palette {
	PALETTE_JAVA,
	PALETTE_HOT,
	PALETTE_MEM,
	PALETTE_IO,
};

enum flamegraph_format {
	FLAMEGRAPH_NONE, /* not a flame graph file name */
	FLAMEGRAPH_SVG,
	FLAMEGRAPH_HTML,
};

struct flamegraph_options {
	const char *title;     /* NULL: "Flame Graph", or "Icicle Graph" when inverted */
	const char *subtitle;  /* NULL: none */
	const char *countname; /* NULL: "samples" */
	bool reverse;          /* reverse each stack: leaf frames become roots */
	bool inverted;         /* icicle: root at the top */
	bool hash;             /* colour by name hash (SVG; HTML always does) */
	double minwidth;       /* SVG: omit frames narrower than this */
	bool minwidth_percent; /* minwidth is a percentage of the total, not pixels */
	unsigned width;        /* SVG image width in pixels */
	enum flamegraph_palette palette;
};

/* Defaults: java palette, width 1200, minwidth 0.1 px (as flamegraph.pl). */
void flamegraph_options_init(struct flamegraph_options *o);
/* "java", "hot", "mem", "io". Returns 0 or -EINVAL. */
int flamegraph_palette_parse(const char *s, enum flamegraph_palette *out);
/* "0.1" (pixels) or "0.5%" (of the total). Returns 0 or -EINVAL. */
int flamegraph_minwidth_parse(const char *s, struct flamegraph_options *o);
/* From the extension: .svg, .html or .htm (case-insensitive). */
enum flamegraph_format flamegraph_format_of(const char *path);

/* Render p to path (SVG or HTML by extension), atomically: on failure no
 * file is left. Returns 0, -EINVAL for an unknown extension or an empty
 * profile, or -errno. o may be NULL for defaults. */
int flamegraph_write_file(const struct profile *p, const char *path,
			  const struct flamegraph_options *o);

#endif
