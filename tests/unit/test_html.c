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

#include <cmocka.h>
#include <jansson.h>

#include "flamegraph/flame_tree.h"
#include "flamegraph/flamegraph.h"
#include "flamegraph/html.h"
#include "flamegraph/profile.h"
#include "support.h"
#include "flamegraph/text_escape.h"

static char *render(const struct profile *p, const struct flamegraph_options *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(html_write(p, f, o), 0);
	fclose(f);
	return buf;
}

/* The embedded JSON data block, parsed. */
static json_t *page_data(const char *html)
{
	const char *open = "<script type=\"application/json\" id=\"fg-data\">";
	const char *start = strstr(html, open), *end;
	json_error_t err;
	json_t *j;

	assert_non_null(start);
	start += strlen(open);
	end = strstr(start, "</script>");
	assert_non_null(end);
	j = json_loadb(start, (size_t)(end - start), 0, &err);
	if (!j)
		fail_msg("data is not JSON: %s at %d", err.text, err.position);
	return j;
}

static struct profile *thread_profile(void)
{
	struct profile *p = profile_new();

	assert_non_null(p);
	test_profile_add_folded(p, "[TaskManager pid=10];[Source: A -> Map (1/2)#0 tid=11];[cpu];Task.run_[j];Map.map_[j]", 60);
	test_profile_add_folded(p, "[TaskManager pid=10];[Source: A -> Map (2/2)#0 tid=12];[idle];Task.run_[j];Mailbox.take_[j]", 30);
	test_profile_add_folded(p, "[TaskManager pid=10];[Sink: Out (1/1)#0 tid=13];[cpu];Task.run_[j]", 10);
	return p;
}

static void test_html_self_contained(void **state)
{
	struct profile *p = thread_profile();
	char *html = render(p, NULL);

	(void)state;
	assert_true(utf8_valid(html, strlen(html)));
	assert_non_null(strstr(html, "<!DOCTYPE html>"));
	assert_non_null(strstr(html, "<canvas id=\"fg-canvas\">"));
	/* No network: nothing refers to another resource. */
	assert_null(strstr(html, "http:"));
	assert_null(strstr(html, "https:"));
	assert_null(strstr(html, "src="));
	assert_null(strstr(html, "<link"));
	assert_null(strstr(html, "@import"));
	/* Interactive pieces. */
	assert_non_null(strstr(html, "id=\"fg-search\""));
	assert_non_null(strstr(html, "id=\"fg-reset\""));
	assert_non_null(strstr(html, "id=\"fg-icicle\""));
	assert_non_null(strstr(html, "id=\"fg-thread\""));
	assert_non_null(strstr(html, "window.tmprofFlame"));
	free(html);
	profile_free(p);
}

/* Nodes are preorder triples whose values add up. */
static void test_html_data_is_the_tree(void **state)
{
	struct profile *p = thread_profile();
	char *html = render(p, NULL);
	json_t *d = page_data(html), *names = json_object_get(d, "names"), *nodes = json_object_get(d, "nodes");
	size_t n = json_array_size(nodes) / 3;

	(void)state;
	assert_int_equal(json_array_size(nodes) % 3, 0);
	assert_int_equal(n, 13); /* all, TM, then 5 + 4 + 3 frames under the threads */
	assert_string_equal(json_string_value(json_array_get(names, json_integer_value(json_array_get(nodes, 0)))), "all");
	assert_int_equal(json_integer_value(json_array_get(nodes, 1)), 100);
	assert_int_equal(json_integer_value(json_array_get(nodes, 2)), 0);
	for (size_t i = 1; i < n; i++) {
		json_int_t d0 = json_integer_value(json_array_get(nodes, 3 * (i - 1) + 2));
		json_int_t d1 = json_integer_value(json_array_get(nodes, 3 * i + 2));

		assert_true(d1 >= 1 && d1 <= d0 + 1); /* preorder: one level deeper at most */
	}
	assert_string_equal(json_string_value(json_object_get(d, "palette")), "java");
	assert_string_equal(json_string_value(json_object_get(d, "countname")), "samples");
	assert_null(json_object_get(d, "before"));
	json_decref(d);
	free(html);
	profile_free(p);
}

/* A frame name cannot close the data's <script> element. */
static void test_html_escapes_script_breakout(void **state)
{
	struct profile *p = profile_new();
	struct flamegraph_options o;
	char *html;
	json_t *d, *names;
	bool found = false;

	(void)state;
	flamegraph_options_init(&o);
	o.title = "<b>T</b> & \"x\"";
	test_profile_add_folded(p, "root;</script><script>alert(1)</script>;\"q\\\"", 5);
	test_profile_add_folded(p, "root;bad\xff", 1);
	html = render(p, &o);
	assert_null(strstr(html, "<script>alert(1)"));
	assert_non_null(strstr(html, "<title>&lt;b&gt;T&lt;/b&gt; &amp; &quot;x&quot;</title>"));
	assert_true(utf8_valid(html, strlen(html)));
	d = page_data(html);
	names = json_object_get(d, "names");
	for (size_t i = 0; i < json_array_size(names); i++)
		found |= !strcmp(json_string_value(json_array_get(names, i)), "</script><script>alert(1)</script>");
	assert_true(found);
	assert_string_equal(json_string_value(json_object_get(d, "title")), "<b>T</b> & \"x\"");
	json_decref(d);
	free(html);
	profile_free(p);
}

static void test_html_options(void **state)
{
	struct profile *p = profile_new();
	struct flamegraph_options o;
	char *html;
	json_t *d, *nodes, *names;

	(void)state;
	test_profile_add_folded(p, "a;b;c", 3);
	flamegraph_options_init(&o);
	o.inverted = true;
	o.reverse = true;
	o.countname = "microseconds";
	o.subtitle = "sub";
	o.palette = PALETTE_IO;
	html = render(p, &o);
	assert_non_null(strstr(html, "<h1>Icicle Graph</h1>"));
	assert_non_null(strstr(html, "<div class=\"sub\">sub</div>"));
	d = page_data(html);
	assert_true(json_is_true(json_object_get(d, "inverted")));
	assert_string_equal(json_string_value(json_object_get(d, "palette")), "io");
	assert_string_equal(json_string_value(json_object_get(d, "countname")), "microseconds");
	/* Reversed: c is the first frame above all. */
	nodes = json_object_get(d, "nodes");
	names = json_object_get(d, "names");
	assert_string_equal(json_string_value(json_array_get(names, json_integer_value(json_array_get(nodes, 3)))), "c");
	json_decref(d);
	free(html);
	profile_free(p);
}

static void test_html_write_file(void **state)
{
	struct profile *p = thread_profile();
	char dir[] = "/tmp/tmprof-html-XXXXXX", path[128];
	FILE *f;
	char head[32] = "";

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/x.html", dir);
	assert_int_equal(flamegraph_write_file(p, path, NULL), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(head, sizeof(head), f));
	assert_string_equal(head, "<!DOCTYPE html>\n");
	fclose(f);
	remove(path);
	remove(dir);
	profile_free(p);
}

/* A sample a;...;leaf with thread, tid, state and category labels. */
static void add_labelled(struct profile *p, const char *const *frames, uint32_t depth,
			 const char *thread, const char *tid, const char *category, uint64_t n)
{
	struct profile_label l[4];
	uint32_t ids[8], set;
	const char *kv[4][2] = { { PROFILE_LABEL_THREAD, thread }, { PROFILE_LABEL_TID, tid },
				 { PROFILE_LABEL_STATE, "cpu" }, { PROFILE_LABEL_CATEGORY, category } };

	for (uint32_t i = 0; i < depth; i++)
		assert_int_equal(profile_intern(p, frames[i], &ids[i]), 0);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(profile_str_intern(p, kv[i][0], &l[i].key), 0);
		assert_int_equal(profile_str_intern(p, kv[i][1], &l[i].value), 0);
	}
	assert_int_equal(profile_labels_intern(p, l, 4, &set), 0);
	assert_int_equal(profile_add_sample(p, ids, depth, set, &n), 0);
}

static struct profile *category_profile(void)
{
	static const char *const ser[] = { "Task.run", "Map.map", "KryoSerializer.serialize" };
	static const char *const user[] = { "Task.run", "Map.map", "MyFn.apply" };
	static const char *const state[] = { "Task.run", "RocksDB.get" };
	struct profile *p = profile_new();

	assert_non_null(p);
	profile_set_roots(p, PROFILE_ROOT_THREAD | PROFILE_ROOT_STATE);
	add_labelled(p, ser, 3, "Map (1/2)#0", "11", "serialization", 40);
	add_labelled(p, user, 3, "Map (1/2)#0", "11", "user", 25);
	add_labelled(p, state, 2, "Map (1/2)#0", "11", "state", 20);
	add_labelled(p, ser, 3, "Map (2/2)#0", "12", "serialization", 15);
	return p;
}

/* Index of key in labelKeys. */
static size_t label_key(json_t *d, const char *key)
{
	json_t *keys = json_object_get(d, "labelKeys");

	for (size_t i = 0; i < json_array_size(keys); i++)
		if (!strcmp(json_string_value(json_array_get(keys, i)), key))
			return i;
	fail_msg("no label key %s", key);
	return 0;
}

/* The page carries each sample's end node and labels: per category and
 * per thread the values add up to what was recorded, and each sample ends
 * at its stack's leaf. */
static void test_html_sample_labels(void **state)
{
	struct profile *p = category_profile();
	char *html = render(p, NULL);
	json_t *d = page_data(html), *names = json_object_get(d, "names"), *nodes = json_object_get(d, "nodes");
	json_t *sets = json_object_get(d, "labelSets"), *samples = json_object_get(d, "samples");
	size_t kc = label_key(d, PROFILE_LABEL_CATEGORY), kt = label_key(d, PROFILE_LABEL_TID);
	json_int_t ser = 0, user = 0, st = 0, t12 = 0, all = 0;

	(void)state;
	assert_int_equal(json_array_size(samples) % 3, 0);
	assert_int_equal(json_array_size(samples) / 3, 4);
	assert_int_equal(json_array_size(sets), 4);
	for (size_t i = 0; i < json_array_size(samples); i += 3) {
		json_int_t node = json_integer_value(json_array_get(samples, i));
		json_t *set = json_array_get(sets, (size_t)json_integer_value(json_array_get(samples, i + 1)));
		json_int_t v = json_integer_value(json_array_get(samples, i + 2));
		const char *cat = json_string_value(json_array_get(set, kc));
		const char *leaf = json_string_value(json_array_get(
			names, (size_t)json_integer_value(json_array_get(nodes, 3 * (size_t)node))));

		assert_non_null(cat);
		if (!strcmp(cat, "serialization")) {
			ser += v;
			assert_string_equal(leaf, "KryoSerializer.serialize");
		} else if (!strcmp(cat, "user")) {
			user += v;
			assert_string_equal(leaf, "MyFn.apply");
		} else {
			assert_string_equal(cat, "state");
			st += v;
			assert_string_equal(leaf, "RocksDB.get");
		}
		if (!strcmp(json_string_value(json_array_get(set, kt)), "12"))
			t12 += v;
		all += v;
		/* A label the profile does not have is null. */
		assert_true(json_is_null(json_array_get(set, label_key(d, PROFILE_LABEL_PID))));
	}
	assert_int_equal(ser, 55);
	assert_int_equal(user, 25);
	assert_int_equal(st, 20);
	assert_int_equal(t12, 15);
	assert_int_equal(all, json_integer_value(json_array_get(nodes, 1)));
	assert_non_null(strstr(html, "id=\"fg-category\""));
	assert_non_null(strstr(html, "id=\"fg-legend\""));
	json_decref(d);
	free(html);
	profile_free(p);
}

/* A CPU sample of operator op in chain. */
static void add_operator_sample(struct profile *p, const char *leaf, const char *chain,
				const char *op, uint64_t n)
{
	struct profile_label l[2];
	uint32_t id, set;

	assert_int_equal(profile_intern(p, leaf, &id), 0);
	assert_int_equal(profile_str_intern(p, PROFILE_LABEL_OPERATOR_CHAIN, &l[0].key), 0);
	assert_int_equal(profile_str_intern(p, chain, &l[0].value), 0);
	assert_int_equal(profile_str_intern(p, "operator", &l[1].key), 0);
	assert_int_equal(profile_str_intern(p, op, &l[1].value), 0);
	assert_int_equal(profile_labels_intern(p, l, 2, &set), 0);
	assert_int_equal(profile_add_sample(p, &id, 1, set, &n), 0);
}

/* The operator filter reads the samples' "operator" label beside their
 * chain: a Map in two chains stays two operators. */
static void test_html_operator_labels(void **state)
{
	struct profile *p = profile_new();
	char *html;
	json_t *d, *sets, *samples;
	size_t ko, kc;
	json_int_t map_a = 0, map_b = 0, src = 0;

	(void)state;
	assert_non_null(p);
	add_operator_sample(p, "MyMap.map", "Source: A -> Map", "Map", 30);
	add_operator_sample(p, "Gen.run", "Source: A -> Map", "Source: A", 10);
	add_operator_sample(p, "Other.map", "Window -> Map", "Map", 5);
	html = render(p, NULL);
	d = page_data(html);
	sets = json_object_get(d, "labelSets");
	samples = json_object_get(d, "samples");
	ko = label_key(d, "operator");
	kc = label_key(d, PROFILE_LABEL_OPERATOR_CHAIN);
	for (size_t i = 0; i < json_array_size(samples); i += 3) {
		json_t *set = json_array_get(sets, (size_t)json_integer_value(json_array_get(samples, i + 1)));
		const char *op = json_string_value(json_array_get(set, ko));
		const char *chain = json_string_value(json_array_get(set, kc));
		json_int_t v = json_integer_value(json_array_get(samples, i + 2));

		assert_non_null(op);
		assert_non_null(chain);
		if (!strcmp(op, "Map") && !strcmp(chain, "Source: A -> Map"))
			map_a += v;
		else if (!strcmp(op, "Map"))
			map_b += v;
		else
			src += v;
	}
	assert_int_equal(map_a, 30);
	assert_int_equal(map_b, 5);
	assert_int_equal(src, 10);
	assert_non_null(strstr(html, "id=\"fg-operator\""));
	json_decref(d);
	free(html);
	profile_free(p);
}

/* Without labels (plain folded stacks) there is no sample list. */
static void test_html_no_labels(void **state)
{
	struct profile *p = profile_new();
	char *html;
	json_t *d;

	(void)state;
	test_profile_add_folded(p, "a;b;c", 3);
	html = render(p, NULL);
	d = page_data(html);
	assert_null(json_object_get(d, "samples"));
	assert_null(json_object_get(d, "labelSets"));
	json_decref(d);
	free(html);
	profile_free(p);
}

/* A differential tree drops BEFORE-only frames; the samples still name
 * their own end nodes afterwards. */
static void test_html_diff_samples_follow_nodes(void **state)
{
	static const char *const gone[] = { "Task.run", "Aaa.old", "Aaa.deeper" };
	struct profile *after = category_profile(), *before = category_profile();
	struct flame_tree t;

	(void)state;
	add_labelled(before, gone, 3, "Map (1/2)#0", "11", "user", 50);
	assert_int_equal(flame_tree_build(&t, after, before, false, false), 0);
	assert_int_equal(t.nsamples, 4);
	for (size_t i = 0; i < t.nsamples; i++) {
		const char *leaf = t.names[t.nodes[t.samples[i].node].name];
		const char *cat = profile_label_value(after, t.samples[i].labels, PROFILE_LABEL_CATEGORY);

		assert_true(strstr(leaf, "Serializer") || strstr(leaf, "MyFn") || strstr(leaf, "RocksDB"));
		assert_int_equal(!strcmp(cat, "serialization"), strstr(leaf, "Serializer") != NULL);
	}
	flame_tree_free(&t);
	profile_free(after);
	profile_free(before);
}

static void test_html_empty_profile(void **state)
{
	struct profile *p = profile_new();
	FILE *f = fopen("/dev/null", "w");

	(void)state;
	assert_int_equal(html_write(p, f, NULL), -ENODATA);
	fclose(f);
	profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_self_contained),
		cmocka_unit_test(test_html_data_is_the_tree),
		cmocka_unit_test(test_html_escapes_script_breakout),
		cmocka_unit_test(test_html_options),
		cmocka_unit_test(test_html_write_file),
		cmocka_unit_test(test_html_empty_profile),
		cmocka_unit_test(test_html_sample_labels),
		cmocka_unit_test(test_html_operator_labels),
		cmocka_unit_test(test_html_no_labels),
		cmocka_unit_test(test_html_diff_samples_follow_nodes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
