// SPDX-License-Identifier: GPL-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include <cmocka.h>

#include "flamegraph/flame_tree.h"
#include "flamegraph/flamegraph.h"
#include "flamegraph/profile.h"
#include "support.h"
#include "flamegraph/svg.h"
#include "flamegraph/text_escape.h"

static char *render(const struct profile *p, const struct flamegraph_options *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(svg_write(p, f, o), 0);
	fclose(f);
	return buf;
}

/* A small well-formedness check: tags nest and close, attributes are
 * quoted, '&' starts a known entity, '<' only starts markup. Enough to
 * catch broken escaping without an XML library. */
static bool xml_well_formed(const char *s)
{
	char stack[64][32];
	int depth = 0;

	while (*s) {
		if (*s == '&') {
			static const char *ents[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };
			bool ok = false;

			for (size_t i = 0; i < 5; i++)
				ok |= !strncmp(s, ents[i], strlen(ents[i]));
			if (!ok)
				return false;
			s++;
			continue;
		}
		if (*s != '<') {
			s++;
			continue;
		}
		if (!strncmp(s, "<![CDATA[", 9)) {
			s = strstr(s, "]]>");
			if (!s)
				return false;
			s += 3;
		} else if (!strncmp(s, "<!--", 4)) {
			s = strstr(s, "-->");
			if (!s)
				return false;
			s += 3;
		} else if (s[1] == '?' || s[1] == '!') {
			s = strchr(s, '>');
			if (!s)
				return false;
			s++;
		} else if (s[1] == '/') {
			size_t n = strcspn(s + 2, ">");

			if (!depth || n != strlen(stack[depth - 1]) || strncmp(s + 2, stack[depth - 1], n))
				return false;
			depth--;
			s += 2 + n + 1;
		} else {
			size_t n = strcspn(s + 1, " />");
			const char *end;
			bool self_closing;

			if (!n || n >= sizeof(stack[0]) || depth == 64)
				return false;
			/* Attribute values: no raw '<', quotes balanced. */
			for (end = s + 1 + n; *end && *end != '>'; end++) {
				if (*end == '<')
					return false;
				if (*end == '"') {
					const char *q = strchr(end + 1, '"');

					if (!q || memchr(end, '<', (size_t)(q - end)))
						return false;
					end = q;
				}
			}
			if (!*end)
				return false;
			self_closing = end[-1] == '/';
			if (!self_closing) {
				memcpy(stack[depth], s + 1, n);
				stack[depth++][n] = '\0';
			}
			s = end + 1;
		}
	}
	return depth == 0;
}

/* The "rgb(r,g,b)" fill and the y of the frame whose title starts with name. */
static bool frame_find(const char *svg, const char *name, int rgb[3], double *y)
{
	char key[256];
	const char *t, *r;

	snprintf(key, sizeof(key), "<title>%s (", name);
	t = strstr(svg, key);
	if (!t)
		return false;
	r = strstr(t, "<rect");
	assert_non_null(r);
	if (y)
		assert_int_equal(sscanf(strstr(r, " y=\""), " y=\"%lf\"", y), 1);
	if (rgb)
		assert_int_equal(sscanf(strstr(r, "fill=\"rgb("), "fill=\"rgb(%d,%d,%d)", &rgb[0], &rgb[1], &rgb[2]), 3);
	return true;
}

static struct profile *java_profile(void)
{
	struct profile *p = profile_new();

	assert_non_null(p);
	test_profile_add_folded(p, "[Map (1/2)#0 tid=7];start_thread;Task.run_[j];Mapper.map_[j];String.hashCode_[i]", 50);
	test_profile_add_folded(p, "[Map (1/2)#0 tid=7];start_thread;Task.run_[j];Mapper.map_[j];Interp.loop_[0]", 20);
	test_profile_add_folded(p, "[Map (1/2)#0 tid=7];start_thread;Task.run_[j];do_syscall_64_[k]", 20);
	test_profile_add_folded(p, "[Map (1/2)#0 tid=7];start_thread;std::vector<int>::push_back", 10);
	return p;
}

static void test_svg_well_formed(void **state)
{
	struct profile *p = java_profile();
	char *svg = render(p, NULL);

	(void)state;
	assert_true(xml_well_formed(svg));
	assert_true(utf8_valid(svg, strlen(svg)));
	assert_non_null(strstr(svg, "<svg version=\"1.1\" width=\"1200\""));
	assert_non_null(strstr(svg, ">Flame Graph</text>"));
	assert_non_null(strstr(svg, "<title>all (100 samples, 100.00%)</title>"));
	assert_non_null(strstr(svg, "<title>Mapper.map_[j] (70 samples, 70.00%)</title>"));
	/* Zoom and search are built in. */
	assert_non_null(strstr(svg, "function fg_zoom("));
	assert_non_null(strstr(svg, "function fg_search("));
	assert_non_null(strstr(svg, "onload=\"init(evt)\""));
	free(svg);
	profile_free(p);
}

static void test_svg_escapes_names_and_titles(void **state)
{
	struct profile *p = profile_new();
	struct flamegraph_options o;
	char *svg;

	(void)state;
	flamegraph_options_init(&o);
	o.title = "T <&> \"q\"";
	o.subtitle = "sub's";
	o.countname = "us<";
	test_profile_add_folded(p, "root;a<b>&\"c'", 3);
	test_profile_add_folded(p, "root;bad\xff\xfeutf8", 1);
	svg = render(p, &o);
	assert_true(xml_well_formed(svg));
	assert_true(utf8_valid(svg, strlen(svg)));
	assert_non_null(strstr(svg, "<title>a&lt;b&gt;&amp;&quot;c&apos; (3 us&lt;, 75.00%)</title>"));
	assert_non_null(strstr(svg, ">T &lt;&amp;&gt; &quot;q&quot;</text>"));
	assert_non_null(strstr(svg, ">sub&apos;s</text>"));
	assert_non_null(strstr(svg, "bad??utf8"));
	assert_null(strstr(svg, "a<b>"));
	free(svg);
	profile_free(p);
}

static void test_svg_java_colours_by_suffix(void **state)
{
	struct profile *p = java_profile();
	struct flamegraph_options o;
	char *svg;
	int c[3];

	(void)state;
	flamegraph_options_init(&o);
	o.hash = true;
	svg = render(p, &o);
	assert_true(frame_find(svg, "Mapper.map_[j]", c, NULL)); /* green */
	assert_true(c[1] > c[0] && c[1] > c[2]);
	assert_true(frame_find(svg, "String.hashCode_[i]", c, NULL)); /* aqua */
	assert_true(c[1] > c[0] + 50 && c[2] > c[0] + 50);
	assert_true(frame_find(svg, "do_syscall_64_[k]", c, NULL)); /* orange */
	assert_true(c[0] > c[1] && c[1] > c[2]);
	assert_true(frame_find(svg, "Interp.loop_[0]", c, NULL)); /* violet */
	assert_true(c[2] > c[0] && c[2] > c[1]);
	assert_true(frame_find(svg, "start_thread", c, NULL)); /* red */
	assert_true(c[0] >= 200 && c[1] < 120 && c[2] < 120);
	assert_true(frame_find(svg, "std::vector&lt;int&gt;::push_back", c, NULL)); /* yellow */
	assert_true(c[0] >= 200 && c[1] >= 200 && c[2] < 100);
	free(svg);
	profile_free(p);
}

static void test_svg_hash_colours_are_stable(void **state)
{
	struct profile *p1 = java_profile(), *p2 = profile_new();
	struct flamegraph_options o;
	char *a, *b;
	int c1[3], c2[3];

	(void)state;
	flamegraph_options_init(&o);
	o.hash = true;
	o.palette = PALETTE_HOT;
	test_profile_add_folded(p2, "other;Mapper.map_[j]", 5);
	a = render(p1, &o);
	b = render(p2, &o);
	assert_true(frame_find(a, "Mapper.map_[j]", c1, NULL));
	assert_true(frame_find(b, "Mapper.map_[j]", c2, NULL));
	assert_memory_equal(c1, c2, sizeof(c1));
	assert_true(c1[0] >= 205); /* hot: red-yellow */
	free(a);
	free(b);
	profile_free(p1);
	profile_free(p2);
}

static void test_svg_reverse_and_inverted(void **state)
{
	struct profile *p = profile_new();
	struct flamegraph_options o;
	double ya, yc, yall;
	char *svg;

	(void)state;
	test_profile_add_folded(p, "a;b;c", 4);
	flamegraph_options_init(&o);
	svg = render(p, &o);
	/* Flame: root at the bottom. */
	assert_true(frame_find(svg, "all", NULL, &yall) && frame_find(svg, "a", NULL, &ya) &&
		    frame_find(svg, "c", NULL, &yc));
	assert_true(yall > ya && ya > yc);
	free(svg);

	o.reverse = true;
	svg = render(p, &o);
	assert_true(frame_find(svg, "a", NULL, &ya) && frame_find(svg, "c", NULL, &yc));
	assert_true(yc > ya); /* the leaf now sits on the root */
	free(svg);

	o.reverse = false;
	o.inverted = true;
	svg = render(p, &o);
	assert_true(frame_find(svg, "all", NULL, &yall) && frame_find(svg, "a", NULL, &ya) &&
		    frame_find(svg, "c", NULL, &yc));
	assert_true(yall < ya && ya < yc);
	assert_non_null(strstr(svg, ">Icicle Graph</text>"));
	assert_non_null(strstr(svg, "FG_INVERTED = true"));
	free(svg);
	profile_free(p);
}

static void test_svg_minwidth_omits_narrow_frames(void **state)
{
	struct profile *p = profile_new();
	struct flamegraph_options o;
	char *svg;

	(void)state;
	test_profile_add_folded(p, "main;big", 1000000);
	test_profile_add_folded(p, "main;tiny;tinier", 1);
	test_profile_add_folded(p, "main;five", 55000);
	flamegraph_options_init(&o);
	svg = render(p, &o);
	assert_null(strstr(svg, "<title>tiny ("));
	assert_null(strstr(svg, "<title>tinier ("));
	assert_non_null(strstr(svg, "<title>five ("));
	free(svg);

	assert_int_equal(flamegraph_minwidth_parse("0", &o), 0);
	svg = render(p, &o);
	assert_non_null(strstr(svg, "<title>tinier ("));
	free(svg);

	assert_int_equal(flamegraph_minwidth_parse("6%", &o), 0);
	assert_true(o.minwidth_percent);
	svg = render(p, &o);
	assert_null(strstr(svg, "<title>five ("));
	assert_non_null(strstr(svg, "<title>big ("));
	free(svg);
	assert_int_equal(flamegraph_minwidth_parse("x", &o), -EINVAL);
	assert_int_equal(flamegraph_minwidth_parse("-1", &o), -EINVAL);
	assert_int_equal(flamegraph_minwidth_parse("5%%", &o), -EINVAL);
	profile_free(p);
}

static void test_svg_width_and_text_fit(void **state)
{
	struct profile *p = profile_new();
	struct flamegraph_options o;
	char *svg;

	(void)state;
	test_profile_add_folded(p, "a_rather_long_function_name_that_will_not_fit;x", 1);
	test_profile_add_folded(p, "y", 99);
	flamegraph_options_init(&o);
	o.width = 400;
	o.minwidth = 0;
	svg = render(p, &o);
	assert_non_null(strstr(svg, "width=\"400\""));
	assert_non_null(strstr(svg, "<rect x=\"10.0\" y=\"")); /* all starts at the pad */
	assert_non_null(strstr(svg, "width=\"380.0\" height=\"15.0\""));
	/* 3.8 px: no room for a label. */
	assert_non_null(strstr(svg, "<title>a_rather_long_function_name_that_will_not_fit (1 samples"));
	assert_null(strstr(svg, ">a_rather_long_function_name_that_will_not_fit</text>"));
	free(svg);
	profile_free(p);
}

static void test_svg_empty_profile(void **state)
{
	struct profile *p = profile_new();
	FILE *f = fopen("/dev/null", "w");

	(void)state;
	assert_int_equal(svg_write(p, f, NULL), -ENODATA);
	fclose(f);
	profile_free(p);
}

static void test_flame_tree_preorder_sorted(void **state)
{
	struct profile *p = profile_new();
	struct flame_tree t;

	(void)state;
	test_profile_add_folded(p, "b;y", 2);
	test_profile_add_folded(p, "a;z", 3);
	test_profile_add_folded(p, "a", 1);
	test_profile_add_folded(p, "b;x", 4);
	assert_int_equal(flame_tree_build(&t, p, NULL, false, false), 0);
	/* all, a, z, b, x, y */
	assert_int_equal(t.nnodes, 6);
	assert_string_equal(t.names[t.nodes[1].name], "a");
	assert_string_equal(t.names[t.nodes[2].name], "z");
	assert_string_equal(t.names[t.nodes[3].name], "b");
	assert_string_equal(t.names[t.nodes[4].name], "x");
	assert_string_equal(t.names[t.nodes[5].name], "y");
	assert_int_equal(t.nodes[0].value, 10);
	assert_int_equal(t.nodes[0].size, 6);
	assert_int_equal(t.nodes[1].value, 4);
	assert_int_equal(t.nodes[1].size, 2);
	assert_int_equal(flame_tree_self(&t, 1), 1);
	assert_int_equal(t.nodes[3].value, 6);
	assert_int_equal(t.nodes[3].size, 3);
	assert_int_equal(t.max_depth, 2);
	flame_tree_free(&t);
	profile_free(p);
}

static void test_flamegraph_write_file_by_extension(void **state)
{
	struct profile *p = java_profile();
	char dir[] = "/tmp/tmprof-svg-XXXXXX", path[128];
	FILE *f;
	char head[64] = "";

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(flamegraph_format_of("x.SVG"), FLAMEGRAPH_SVG);
	assert_int_equal(flamegraph_format_of("x.htm"), FLAMEGRAPH_HTML);
	assert_int_equal(flamegraph_format_of("x.folded"), FLAMEGRAPH_NONE);
	assert_int_equal(flamegraph_format_of("dir.svg/x"), FLAMEGRAPH_NONE);
	snprintf(path, sizeof(path), "%s/out.svg", dir);
	assert_int_equal(flamegraph_write_file(p, path, NULL), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(head, sizeof(head), f));
	assert_non_null(strstr(head, "<?xml"));
	fclose(f);
	remove(path);
	snprintf(path, sizeof(path), "%s/out.txt", dir);
	assert_int_equal(flamegraph_write_file(p, path, NULL), -EINVAL);
	snprintf(path, sizeof(path), "%s/missing/out.svg", dir);
	assert_true(flamegraph_write_file(p, path, NULL) < 0);
	assert_int_equal(rmdir(dir), 0); /* nothing left behind */
	profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_svg_well_formed),
		cmocka_unit_test(test_svg_escapes_names_and_titles),
		cmocka_unit_test(test_svg_java_colours_by_suffix),
		cmocka_unit_test(test_svg_hash_colours_are_stable),
		cmocka_unit_test(test_svg_reverse_and_inverted),
		cmocka_unit_test(test_svg_minwidth_omits_narrow_frames),
		cmocka_unit_test(test_svg_width_and_text_fit),
		cmocka_unit_test(test_svg_empty_profile),
		cmocka_unit_test(test_flame_tree_preorder_sorted),
		cmocka_unit_test(test_flamegraph_write_file_by_extension),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
