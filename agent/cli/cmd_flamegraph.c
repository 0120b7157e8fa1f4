// SPDX-License-Identifier: GPL-2.0
#include "agent/cli/cmd_flamegraph.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/exit_codes.h"
#include "agent/core/log.h"
#include "flamegraph/atomic_file.h"
#include "flamegraph/diff.h"
#include "flamegraph/flamegraph.h"
#include "flamegraph/folded_parse.h"
#include "flamegraph/html.h"
#include "flamegraph/profile.h"
#include "flamegraph/svg.h"

#define FOLDED_SHAPE "expected 'frame;frame;... COUNT' per line"

struct fg_cli {
	const char *cmd;
	const char *inputs[2];
	int ninputs;
	const char *output;
	bool normalize;
	bool help;
	struct flamegraph_options o;
};

enum {
	OPT_TITLE = 256,
	OPT_SUBTITLE,
	OPT_COUNTNAME,
	OPT_REVERSE,
	OPT_INVERTED,
	OPT_MINWIDTH,
	OPT_WIDTH,
	OPT_COLORS,
	OPT_HASH,
	OPT_NORMALIZE,
};

static void fg_usage(FILE *out, bool diff)
{
	if (diff)
		fputs("usage: tmprof diff BEFORE.folded AFTER.folded -o OUT.svg|OUT.html [--normalize] [options]\n"
		      "  AFTER's flame graph, red where a frame grew since BEFORE, blue where it shrank.\n"
		      "  -n, --normalize      scale BEFORE to AFTER's total samples first\n",
		      out);
	else
		fputs("usage: tmprof flamegraph IN.folded -o OUT.svg|OUT.html [options]\n"
		      "  IN.folded: 'frame;frame;... COUNT' lines ('-' reads stdin).\n"
		      "  .svg: flamegraph.pl-style SVG; .html: interactive page (zoom, search, thread filter).\n",
		      out);
	fputs("  -o, --output FILE    the flame graph (.svg, .html)\n"
	      "  --title TEXT         title (default \"Flame Graph\")\n"
	      "  --subtitle TEXT      second title line\n"
	      "  --countname NAME     what the counts are (default samples)\n"
	      "  --reverse            reverse the stacks: leaf functions at the root\n"
	      "  --inverted           icicle graph: root at the top\n"
	      "  --minwidth N|N%      SVG: omit frames narrower than N pixels or N% (default 0.1)\n"
	      "  --width PX           SVG width (default 1200)\n"
	      "  --colors PALETTE     java (default), hot, mem, io\n"
	      "  --hash               SVG: colours by function name, the same in every graph\n",
	      out);
}

static int fg_parse_width(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < 100 || v > 100000)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

/* One option's value; EXIT_USAGE with one line on a bad value. */
static int fg_apply_option(struct fg_cli *c, int opt, const char *arg)
{
	switch (opt) {
	case 'o': c->output = arg; break;
	case OPT_TITLE: c->o.title = arg; break;
	case OPT_SUBTITLE: c->o.subtitle = arg; break;
	case OPT_COUNTNAME: c->o.countname = arg; break;
	case OPT_REVERSE: c->o.reverse = true; break;
	case OPT_INVERTED: c->o.inverted = true; break;
	case OPT_HASH: c->o.hash = true; break;
	case 'n':
	case OPT_NORMALIZE: c->normalize = true; break;
	case 'h': c->help = true; break;
	case OPT_MINWIDTH:
		if (flamegraph_minwidth_parse(arg, &c->o)) {
			log_error("--minwidth '%s': not a width; give pixels (0.1) or a percentage (0.5%%)", arg);
			return EXIT_USAGE;
		}
		break;
	case OPT_WIDTH:
		if (fg_parse_width(arg, &c->o.width)) {
			log_error("--width '%s': not a width; give pixels between 100 and 100000", arg);
			return EXIT_USAGE;
		}
		break;
	case OPT_COLORS:
		if (flamegraph_palette_parse(arg, &c->o.palette)) {
			log_error("--colors '%s': unknown palette; use java, hot, mem or io", arg);
			return EXIT_USAGE;
		}
		break;
	default:
		return EXIT_INTERNAL;
	}
	return EXIT_OK;
}

static int fg_cli_parse(int argc, char **argv, struct fg_cli *c, bool diff)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "title", required_argument, NULL, OPT_TITLE },
		{ "subtitle", required_argument, NULL, OPT_SUBTITLE },
		{ "countname", required_argument, NULL, OPT_COUNTNAME },
		{ "reverse", no_argument, NULL, OPT_REVERSE },
		{ "inverted", no_argument, NULL, OPT_INVERTED },
		{ "minwidth", required_argument, NULL, OPT_MINWIDTH },
		{ "width", required_argument, NULL, OPT_WIDTH },
		{ "colors", required_argument, NULL, OPT_COLORS },
		{ "hash", no_argument, NULL, OPT_HASH },
		{ "normalize", no_argument, NULL, OPT_NORMALIZE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int want = diff ? 2 : 1, opt, rc;

	optind = 0; /* reset getopt: tests parse several command lines */
	while ((opt = getopt_long(argc, argv, diff ? ":o:nh" : ":o:h", longopts, NULL)) != -1) {
		if (opt == ':' || opt == '?' || (opt == OPT_NORMALIZE && !diff)) {
			log_error("%s '%s'; see 'tmprof %s --help'",
				  opt == ':' ? "missing value for" : "unknown option", argv[optind - 1], c->cmd);
			return EXIT_USAGE;
		}
		rc = fg_apply_option(c, opt, optarg);
		if (rc)
			return rc;
	}
	if (c->help)
		return EXIT_OK;
	for (; optind < argc; optind++) {
		if (c->ninputs == want) {
			log_error("unexpected argument '%s'; see 'tmprof %s --help'", argv[optind], c->cmd);
			return EXIT_USAGE;
		}
		c->inputs[c->ninputs++] = argv[optind];
	}
	if (c->ninputs < want) {
		log_error("%s: %s; usage: tmprof %s", c->cmd,
			  diff ? "needs two folded files" : "no input file",
			  diff ? "diff BEFORE.folded AFTER.folded -o OUT.html" : "flamegraph IN.folded -o OUT.html");
		return EXIT_USAGE;
	}
	if (!c->output) {
		log_error("%s: no output file; add -o OUT.svg or -o OUT.html", c->cmd);
		return EXIT_USAGE;
	}
	if (flamegraph_format_of(c->output) == FLAMEGRAPH_NONE) {
		log_error("%s: unknown output format; use a file name ending in .svg or .html", c->output);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* Parse one folded file; one error line, or one warning line for skipped
 * malformed lines. */
static int fg_load(const char *path, struct profile **out)
{
	struct folded_parse_result r;
	struct profile *p = profile_new();
	int err;

	*out = NULL;
	if (!p)
		return EXIT_INTERNAL;
	err = folded_parse_file(path, p, NULL, &r);
	if (err == -ENODATA && r.bad_lines)
		log_error("%s: no valid stack (%zu malformed line%s, first: line %zu: %s); " FOLDED_SHAPE,
			  path, r.bad_lines, r.bad_lines == 1 ? "" : "s", r.first_bad_line,
			  r.first_bad_reason);
	else if (err == -ENODATA)
		log_error("%s: no samples in the file; " FOLDED_SHAPE, path);
	else if (err == -EFBIG)
		log_error("%s: larger than %llu GiB; split or filter the stacks first", path,
			  (unsigned long long)(FOLDED_MAX_BYTES >> 30));
	else if (err == -ENOMEM)
		log_error("%s: out of memory while reading; filter the stacks first", path);
	else if (err)
		log_error("%s: cannot read: %s; check the path", path, strerror(-err));
	if (err) {
		profile_free(p);
		return err == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
	}
	if (r.bad_lines)
		log_warn("%s: skipped %zu malformed line%s (first: line %zu: %s); " FOLDED_SHAPE, path,
			 r.bad_lines, r.bad_lines == 1 ? "" : "s", r.first_bad_line, r.first_bad_reason);
	*out = p;
	return EXIT_OK;
}

/* Write through a temporary file, so a failure leaves nothing behind. */
static int fg_write(const struct fg_cli *c, const struct profile *before, const struct profile *after)
{
	enum flamegraph_format fmt = flamegraph_format_of(c->output);
	struct atomic_file af;
	int err;

	err = atomic_file_open(&af, c->output);
	if (!err) {
		if (before)
			err = diff_write(before, after, c->normalize, fmt, af.fp, &c->o);
		else if (fmt == FLAMEGRAPH_SVG)
			err = svg_write(after, af.fp, &c->o);
		else
			err = html_write(after, af.fp, &c->o);
		if (!err)
			err = atomic_file_commit(&af);
		else
			atomic_file_abort(&af);
	}
	if (err) {
		log_error("%s: cannot write the flame graph: %s; choose a writable -o path", c->output,
			  strerror(-err));
		return EXIT_OUTPUT;
	}
	return EXIT_OK;
}

static int fg_run(int argc, char **argv, bool diff)
{
	struct fg_cli c = { .cmd = diff ? "diff" : "flamegraph" };
	struct profile *before = NULL, *after = NULL;
	int rc;

	flamegraph_options_init(&c.o);
	rc = fg_cli_parse(argc, argv, &c, diff);
	if (rc || c.help) {
		if (c.help)
			fg_usage(stdout, diff);
		return rc;
	}
	if (diff)
		rc = fg_load(c.inputs[0], &before);
	if (!rc)
		rc = fg_load(c.inputs[diff ? 1 : 0], &after);
	if (!rc)
		rc = fg_write(&c, before, after);
	profile_free(before);
	profile_free(after);
	return rc;
}

int cmd_flamegraph(int argc, char **argv)
{
	return fg_run(argc, argv, false);
}

int cmd_diff(int argc, char **argv)
{
	return fg_run(argc, argv, true);
}
