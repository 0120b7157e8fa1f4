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
#include <jansson.h>

#include "flamegraph/diff.h"
#include "flamegraph/flame_tree.h"
#include "flamegraph/profile.h"
#include "support.h"

struct pair {
	struct profile *before, *after;
};

/* BEFORE: a;b 10, a;c 10, a;d 5 (25). AFTER: a;b 30, a;c 5 (35). */
static int pair_setup(void **state)
{
	struct pair *pp = calloc(1, sizeof(*pp));

	pp->before = profile_new();
	pp->after = profile_new();
	test_profile_add_folded(pp->before, "a;b", 10);
	test_profile_add_folded(pp->before, "a;c", 10);
	test_profile_add_folded(pp->before, "a;d", 5);
	test_profile_add_folded(pp->after, "a;c", 5);
	test_profile_add_folded(pp->after, "a;b", 30);
	*state = pp;
	return 0;
}

static int pair_teardown(void **state)
{
	struct pair *pp = *state;

	profile_free(pp->before);
	profile_free(pp->after);
	free(pp);
	return 0;
}

static char *render(struct pair *pp, bool normalize, enum flamegraph_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(diff_write(pp->before, pp->after, normalize, fmt, f, NULL), 0);
	fclose(f);
	return buf;
}

static void frame_rgb(const char *svg, const char *name, int c[3])
{
	char key[64];
	const char *t, *r;

	snprintf(key, sizeof(key), "<title>%s (", name);
	t = strstr(svg, key);
	assert_non_null(t);
	r = strstr(t, "fill=\"rgb(");
	assert_non_null(r);
	assert_int_equal(sscanf(r, "fill=\"rgb(%d,%d,%d)", &c[0], &c[1], &c[2]), 3);
}

static bool is_red(const int c[3])
{
	return c[0] == 255 && c[1] < 255 && c[1] == c[2];
}

static bool is_blue(const int c[3])
{
	return c[2] == 255 && c[0] < 255 && c[0] == c[1];
}

static void test_diff_red_grew_blue_shrank(void **state)
{
	char *svg = render(*state, false, FLAMEGRAPH_SVG);
	int b[3], c[3], a[3];

	frame_rgb(svg, "b", b);
	frame_rgb(svg, "c", c);
	frame_rgb(svg, "a", a);
	assert_true(is_red(b)); /* 10 -> 30 */
	assert_true(is_blue(c)); /* 10 -> 5 */
	assert_true(is_red(a)); /* 25 -> 35 */
	/* The largest change is the deepest colour. */
	assert_int_equal(b[1], 0);
	assert_true(a[1] > b[1] && c[0] > 0);
	/* AFTER's shape: d only existed before. */
	assert_null(strstr(svg, "<title>d ("));
	assert_non_null(strstr(svg, "<title>b (30 samples, 85.71%; +20, +57.14%)</title>"));
	assert_non_null(strstr(svg, ">Differential Flame Graph</text>"));
	free(svg);
}

static void test_diff_normalize(void **state)
{
	char *svg = render(*state, true, FLAMEGRAPH_SVG);
	int a[3], b[3], c[3];

	/* BEFORE scaled by 35/25: a 35 -> 35 (no change), b 14 -> 30, c 14 -> 5. */
	frame_rgb(svg, "a", a);
	frame_rgb(svg, "b", b);
	frame_rgb(svg, "c", c);
	assert_int_equal(a[0], 235);
	assert_int_equal(a[1], 235);
	assert_int_equal(a[2], 235);
	assert_true(is_red(b));
	assert_true(is_blue(c));
	assert_non_null(strstr(svg, "<title>b (30 samples, 85.71%; +16, +45.71%)</title>"));
	free(svg);
}

static void test_diff_tree_values(void **state)
{
	struct pair *pp = *state;
	struct flame_tree t;

	assert_int_equal(flame_tree_build(&t, pp->after, pp->before, false, true), 0);
	/* all, a, b, c: d was dropped. */
	assert_int_equal(t.nnodes, 4);
	assert_true(t.has_before);
	assert_int_equal(t.nodes[0].value, 35);
	assert_float_equal(t.nodes[0].before, 35.0, 1e-9);
	assert_float_equal(t.before_total, 35.0, 1e-9);
	assert_float_equal(t.nodes[2].before, 14.0, 1e-9); /* b */
	assert_float_equal(t.nodes[3].before, 14.0, 1e-9); /* c */
	assert_int_equal(t.nodes[1].size, 3);
	flame_tree_free(&t);
}

static void test_diff_html_has_before(void **state)
{
	char *html = render(*state, true, FLAMEGRAPH_HTML);
	const char *open = "<script type=\"application/json\" id=\"fg-data\">";
	const char *s = strstr(html, open), *e;
	json_t *d, *before, *nodes;

	assert_non_null(s);
	s += strlen(open);
	e = strstr(s, "</script>");
	d = json_loadb(s, (size_t)(e - s), 0, NULL);
	assert_non_null(d);
	before = json_object_get(d, "before");
	nodes = json_object_get(d, "nodes");
	assert_int_equal(json_array_size(before) * 3, json_array_size(nodes));
	assert_float_equal(json_number_value(json_array_get(before, 0)), 35.0, 1e-6);
	assert_string_equal(json_string_value(json_object_get(d, "title")), "Differential Flame Graph");
	json_decref(d);
	free(html);
}

static void test_diff_write_file(void **state)
{
	struct pair *pp = *state;
	char dir[] = "/tmp/tmprof-diff-XXXXXX", path[128];

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/d.svg", dir);
	assert_int_equal(diff_write_file(pp->before, pp->after, false, path, NULL), 0);
	assert_int_equal(access(path, R_OK), 0);
	remove(path);
	snprintf(path, sizeof(path), "%s/d.png", dir);
	assert_int_equal(diff_write_file(pp->before, pp->after, false, path, NULL), -EINVAL);
	assert_int_equal(rmdir(dir), 0);
}

static void test_diff_empty_after(void **state)
{
	struct pair *pp = *state;
	struct profile *empty = profile_new();
	FILE *f = fopen("/dev/null", "w");

	assert_int_equal(diff_write(pp->before, empty, false, FLAMEGRAPH_SVG, f, NULL), -ENODATA);
	/* An empty BEFORE is fine: everything grew. */
	assert_int_equal(diff_write(empty, pp->after, true, FLAMEGRAPH_SVG, f, NULL), 0);
	fclose(f);
	profile_free(empty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_diff_red_grew_blue_shrank, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_diff_normalize, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_diff_tree_values, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_diff_html_has_before, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_diff_write_file, pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_diff_empty_after, pair_setup, pair_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
