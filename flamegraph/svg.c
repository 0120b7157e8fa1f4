// SPDX-License-Identifier: GPL-2.0
#include "flamegraph/svg.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph/flame_tree.h"
#include "flamegraph/palette.h"
#include "flamegraph/text_escape.h"

/* flamegraph.pl's geometry, so the output looks familiar. */
#define FONT_SIZE 12.0
#define FONT_WIDTH 0.59
#define FRAME_HEIGHT 16.0
#define X_PAD 10.0
#define Y_PAD_TOP (FONT_SIZE * 3)
#define Y_PAD_BOTTOM (FONT_SIZE * 2 + 10)
#define SUBTITLE_PAD (FONT_SIZE * 2)

/* Zoom and search; the FG_* constants are written before it. */
static const char svg_script[] =
	"'use strict';\n"
	"var fg = { frames: [], zoomed: null, search: null };\n"
	"function fg_name(g) { var t = g.firstChild.textContent; var i = t.lastIndexOf(' ('); return i < 0 ? t : t.substring(0, i); }\n"
	"function init(evt) {\n"
	"	var nodes = document.getElementById('frames').children;\n"
	"	for (var i = 0; i < nodes.length; i++) {\n"
	"		var g = nodes[i], r = g.getElementsByTagName('rect')[0];\n"
	"		g._r = r; g._t = g.getElementsByTagName('text')[0];\n"
	"		g._x = +r.getAttribute('x'); g._w = +r.getAttribute('width'); g._y = +r.getAttribute('y');\n"
	"		g._fill = r.getAttribute('fill'); g._name = fg_name(g);\n"
	"		fg.frames.push(g);\n"
	"	}\n"
	"	var frames = document.getElementById('frames');\n"
	"	frames.addEventListener('click', function (e) { var g = fg_group(e.target); if (g) fg_zoom(g); });\n"
	"	frames.addEventListener('mouseover', function (e) { var g = fg_group(e.target); if (g) fg_details(g.firstChild.textContent); });\n"
	"	frames.addEventListener('mouseout', function () { fg_details(' '); });\n"
	"	document.getElementById('unzoom').addEventListener('click', fg_unzoom);\n"
	"	document.getElementById('search').addEventListener('click', fg_search_prompt);\n"
	"	window.addEventListener('keydown', function (e) {\n"
	"		if (e.keyCode === 114 || ((e.ctrlKey || e.metaKey) && e.keyCode === 70)) { e.preventDefault(); fg_search_prompt(); }\n"
	"		else if (e.keyCode === 27) { fg_reset_search(); fg_unzoom(); }\n"
	"	});\n"
	"}\n"
	"function fg_group(el) { while (el && el.parentNode && el.parentNode.id !== 'frames') el = el.parentNode; return el && el.parentNode ? el : null; }\n"
	"function fg_details(s) { document.getElementById('details').textContent = s ? 'Function: ' + s : ' '; }\n"
	"function fg_fit(g, x, w) {\n"
	"	g._r.setAttribute('x', x.toFixed(1)); g._r.setAttribute('width', w.toFixed(1));\n"
	"	if (!g._t) return;\n"
	"	g._t.setAttribute('x', (x + 3).toFixed(2));\n"
	"	var n = Math.floor((w - 3) / (FG_FONTSIZE * FG_FONTWIDTH)), s = g._name;\n"
	"	g._t.textContent = n < 3 ? '' : (s.length <= n ? s : s.substring(0, n - 2) + '..');\n"
	"}\n"
	"function fg_zoom(z) {\n"
	"	if (z._w >= FG_WIDTH - 2 * FG_XPAD - 0.05) { fg_unzoom(); return; }\n"
	"	var scale = (FG_WIDTH - 2 * FG_XPAD) / z._w, eps = 0.0001;\n"
	"	fg.zoomed = z;\n"
	"	document.getElementById('unzoom').classList.remove('hide');\n"
	"	for (var i = 0; i < fg.frames.length; i++) {\n"
	"		var g = fg.frames[i], desc = FG_INVERTED ? g._y >= z._y : g._y <= z._y;\n"
	"		g.classList.remove('parent');\n"
	"		if (desc && g._x >= z._x - eps && g._x + g._w <= z._x + z._w + eps) {\n"
	"			g.classList.remove('hide'); fg_fit(g, (g._x - z._x) * scale + FG_XPAD, g._w * scale);\n"
	"		} else if (!desc && g._x <= z._x + eps && g._x + g._w >= z._x + z._w - eps) {\n"
	"			g.classList.remove('hide'); g.classList.add('parent'); fg_fit(g, FG_XPAD, FG_WIDTH - 2 * FG_XPAD);\n"
	"		} else {\n"
	"			g.classList.add('hide');\n"
	"		}\n"
	"	}\n"
	"}\n"
	"function fg_unzoom() {\n"
	"	fg.zoomed = null;\n"
	"	document.getElementById('unzoom').classList.add('hide');\n"
	"	for (var i = 0; i < fg.frames.length; i++) {\n"
	"		var g = fg.frames[i];\n"
	"		g.classList.remove('hide'); g.classList.remove('parent'); fg_fit(g, g._x, g._w);\n"
	"	}\n"
	"}\n"
	"function fg_search_prompt() {\n"
	"	if (fg.search) { fg_reset_search(); return; }\n"
	"	var term = prompt('Search for (regular expression):', '');\n"
	"	if (term) fg_search(term);\n"
	"}\n"
	"function fg_reset_search() {\n"
	"	fg.search = null;\n"
	"	for (var i = 0; i < fg.frames.length; i++) fg.frames[i]._r.setAttribute('fill', fg.frames[i]._fill);\n"
	"	document.getElementById('matched').textContent = ' ';\n"
	"	document.getElementById('search').textContent = 'Search';\n"
	"}\n"
	"function fg_search(term) {\n"
	"	var re;\n"
	"	try { re = new RegExp(term); } catch (e) { alert('Invalid regular expression: ' + e.message); return; }\n"
	"	fg_reset_search();\n"
	"	var hits = [];\n"
	"	for (var i = 0; i < fg.frames.length; i++) {\n"
	"		var g = fg.frames[i];\n"
	"		if (re.test(g._name)) { g._r.setAttribute('fill', 'rgb(230,0,230)'); hits.push([g._x, g._w]); }\n"
	"	}\n"
	"	/* Nested matches overlap their parents: count each x range once. */\n"
	"	hits.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });\n"
	"	var sum = 0, end = -1;\n"
	"	for (var j = 0; j < hits.length; j++) if (hits[j][0] >= end - 0.0001) { sum += hits[j][1]; end = hits[j][0] + hits[j][1]; }\n"
	"	fg.search = term;\n"
	"	document.getElementById('search').textContent = 'Reset Search';\n"
	"	document.getElementById('matched').textContent = 'Matched: ' + (100 * sum / (FG_WIDTH - 2 * FG_XPAD)).toFixed(1) + '%';\n"
	"}\n"
	;

struct svg_layout {
	const struct flame_tree *t;
	const struct flamegraph_options *o;
	double width, height, per_sample, min_samples, top;
	double max_abs_delta;
	uint32_t max_depth; /* deepest drawn frame */
	uint64_t *next;     /* per depth: x of the next child, in samples */
	uint64_t rng;
};

static const char *svg_title(const struct flamegraph_options *o, bool diff)
{
	if (o->title)
		return o->title;
	if (diff)
		return o->inverted ? "Differential Icicle Graph" : "Differential Flame Graph";
	return o->inverted ? "Icicle Graph" : "Flame Graph";
}

/* Visits the drawn nodes in preorder; x in samples. Returns the visitor's
 * first error. */
typedef int (*node_visit_fn)(struct svg_layout *l, size_t i, uint64_t x, FILE *out);

static int layout_walk(struct svg_layout *l, node_visit_fn fn, FILE *out)
{
	const struct flame_tree *t = l->t;
	int err;

	l->next[0] = 0;
	for (size_t i = 0; i < t->nnodes;) {
		const struct flame_node *n = &t->nodes[i];
		uint64_t x = l->next[n->depth];

		l->next[n->depth] += n->value;
		if ((double)n->value < l->min_samples && i) {
			i += n->size; /* descendants are narrower still */
			continue;
		}
		l->next[n->depth + 1] = x;
		err = fn(l, i, x, out);
		if (err)
			return err;
		i++;
	}
	return 0;
}

static int visit_measure(struct svg_layout *l, size_t i, uint64_t x, FILE *out)
{
	const struct flame_node *n = &l->t->nodes[i];

	(void)x;
	(void)out;
	if (n->depth > l->max_depth)
		l->max_depth = n->depth;
	if (l->t->has_before && i) {
		double d = fabs((double)n->value - n->before);

		if (d > l->max_abs_delta)
			l->max_abs_delta = d;
	}
	return 0;
}

static double rng_next(uint64_t *s)
{
	/* xorshift64: deterministic output for equal inputs. */
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (double)(*s % 1000) / 1000.0;
}

static struct rgb node_color(struct svg_layout *l, size_t i, const char *name)
{
	const struct flame_node *n = &l->t->nodes[i];

	if (l->t->has_before)
		return palette_diff((double)n->value - n->before, l->max_abs_delta);
	return palette_color(l->o->palette, (enum profile_frame_kind)l->t->kinds[n->name], name,
			     l->o->hash ? palette_name_hash(name) : rng_next(&l->rng));
}

static void write_title(struct svg_layout *l, size_t i, const char *name, FILE *out)
{
	const struct flame_node *n = &l->t->nodes[i];
	double total = (double)l->t->nodes[0].value;

	xml_write_escaped(out, name, SIZE_MAX);
	fprintf(out, " (%" PRIu64 " ", n->value);
	xml_write_escaped(out, l->o->countname ? l->o->countname : "samples", SIZE_MAX);
	fprintf(out, ", %.2f%%", 100.0 * (double)n->value / total);
	if (l->t->has_before) {
		double d = (double)n->value - n->before;

		fprintf(out, "; %+.0f, %+.2f%%", d, 100.0 * d / total);
	}
	fputc(')', out);
}

static int visit_write(struct svg_layout *l, size_t i, uint64_t x, FILE *out)
{
	const struct flame_node *n = &l->t->nodes[i];
	const char *name = l->t->names[n->name];
	double x1 = X_PAD + (double)x * l->per_sample;
	double w = (double)n->value * l->per_sample;
	double y = l->o->inverted ? l->top + n->depth * FRAME_HEIGHT
				  : l->height - Y_PAD_BOTTOM - (n->depth + 1) * FRAME_HEIGHT;
	size_t fit = (size_t)fmax(0, (w - 3) / (FONT_SIZE * FONT_WIDTH));
	struct rgb c = node_color(l, i, name);

	fputs("<g><title>", out);
	write_title(l, i, name, out);
	fprintf(out, "</title><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"rgb(%u,%u,%u)\" rx=\"2\" ry=\"2\"/><text x=\"%.2f\" y=\"%.2f\">",
		x1, y, w, FRAME_HEIGHT - 1, c.r, c.g, c.b, x1 + 3, y + 10.5);
	if (fit >= 3) {
		if (utf8_strlen(name) <= fit) {
			xml_write_escaped(out, name, SIZE_MAX);
		} else {
			xml_write_escaped(out, name, fit - 2);
			fputs("..", out);
		}
	}
	fputs("</text></g>\n", out);
	return ferror(out) ? -EIO : 0;
}

static void write_header(struct svg_layout *l, FILE *out)
{
	const struct flamegraph_options *o = l->o;

	fprintf(out, "<?xml version=\"1.0\" standalone=\"no\"?>\n"
		     "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n"
		     "<svg version=\"1.1\" width=\"%.0f\" height=\"%.0f\" onload=\"init(evt)\" viewBox=\"0 0 %.0f %.0f\" xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n",
		l->width, l->height, l->width, l->height);
	fputs("<!-- Flame graph written by tmprof. Click a frame to zoom, Ctrl-F to search. -->\n"
	      "<defs><linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\">"
	      "<stop stop-color=\"#eeeeee\" offset=\"5%\"/><stop stop-color=\"#eeeeb0\" offset=\"95%\"/>"
	      "</linearGradient></defs>\n"
	      "<style type=\"text/css\">\n"
	      "text { font-family: Verdana, sans-serif; font-size: 12px; fill: rgb(0,0,0); }\n"
	      "#title { text-anchor: middle; font-size: 17px; }\n"
	      "#subtitle { text-anchor: middle; fill: rgb(160,160,160); }\n"
	      "#search, #unzoom { cursor: pointer; opacity: 0.6; }\n"
	      "#search:hover, #unzoom:hover { opacity: 1; }\n"
	      "#frames > g { cursor: pointer; }\n"
	      "#frames > g:hover > rect { stroke: black; stroke-width: 0.5; }\n"
	      ".hide { display: none; }\n"
	      ".parent { opacity: 0.5; }\n"
	      "</style>\n", out);
	fprintf(out, "<script type=\"text/ecmascript\"><![CDATA[\n"
		     "var FG_WIDTH = %.0f, FG_XPAD = %.0f, FG_FONTSIZE = %.0f, FG_FONTWIDTH = %.2f, FG_INVERTED = %s;\n",
		l->width, X_PAD, FONT_SIZE, FONT_WIDTH, o->inverted ? "true" : "false");
	fputs(svg_script, out);
	fputs("]]></script>\n", out);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"url(#background)\"/>\n",
		l->width, l->height);
	fprintf(out, "<text id=\"title\" x=\"%.1f\" y=\"24\">", l->width / 2);
	xml_write_escaped(out, svg_title(o, l->t->has_before), SIZE_MAX);
	fputs("</text>\n", out);
	if (o->subtitle) {
		fprintf(out, "<text id=\"subtitle\" x=\"%.1f\" y=\"48\">", l->width / 2);
		xml_write_escaped(out, o->subtitle, SIZE_MAX);
		fputs("</text>\n", out);
	}
	fprintf(out, "<text id=\"details\" x=\"%.0f\" y=\"%.0f\"> </text>\n", X_PAD, l->height - 17);
	fprintf(out, "<text id=\"unzoom\" class=\"hide\" x=\"%.0f\" y=\"24\">Reset Zoom</text>\n", X_PAD);
	fprintf(out, "<text id=\"search\" x=\"%.0f\" y=\"24\">Search</text>\n", l->width - X_PAD - 100);
	fprintf(out, "<text id=\"matched\" x=\"%.0f\" y=\"%.0f\"> </text>\n", l->width - X_PAD - 100,
		l->height - 17);
}

int svg_write_tree(const struct flame_tree *t, FILE *out, const struct flamegraph_options *opts)
{
	struct flamegraph_options defaults;
	struct svg_layout l = { .t = t, .rng = 0x9e3779b97f4a7c15ULL };
	double total;
	int err;

	if (!opts) {
		flamegraph_options_init(&defaults);
		opts = &defaults;
	}
	if (!t->nnodes || !t->nodes[0].value)
		return -ENODATA;
	l.o = opts;
	l.width = opts->width ? opts->width : 1200;
	if (l.width < 3 * X_PAD)
		l.width = 3 * X_PAD;
	total = (double)t->nodes[0].value;
	l.per_sample = (l.width - 2 * X_PAD) / total;
	l.min_samples = opts->minwidth_percent ? total * opts->minwidth / 100 : opts->minwidth / l.per_sample;
	l.next = calloc((size_t)t->max_depth + 2, sizeof(*l.next));
	if (!l.next)
		return -ENOMEM;
	err = layout_walk(&l, visit_measure, out);
	l.top = Y_PAD_TOP + (opts->subtitle ? SUBTITLE_PAD : 0);
	l.height = l.top + (l.max_depth + 1) * FRAME_HEIGHT + Y_PAD_BOTTOM;
	if (!err) {
		write_header(&l, out);
		fputs("<g id=\"frames\">\n", out);
		err = layout_walk(&l, visit_write, out);
	}
	if (!err) {
		fputs("</g>\n</svg>\n", out);
		if (fflush(out) || ferror(out))
			err = -(errno ? errno : EIO);
	}
	free(l.next);
	return err;
}

int svg_write(const struct profile *p, FILE *out, const struct flamegraph_options *o)
{
	struct flamegraph_options defaults;
	struct flame_tree t;
	int err;

	if (!o) {
		flamegraph_options_init(&defaults);
		o = &defaults;
	}
	err = flame_tree_build(&t, p, NULL, o->reverse, false);
	if (err)
		return err;
	err = svg_write_tree(&t, out, o);
	flame_tree_free(&t);
	return err;
}
