// SPDX-License-Identifier: GPL-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include <cmocka.h>

#include "flamegraph/folded_parse.h"
#include "flamegraph/frame_text.h"
#include "flamegraph/profile.h"
#include "support.h"

/* Parse text (with its exact length, so NUL bytes can be embedded). */
static int parse(const char *text, size_t len, const struct folded_parse_limits *lim,
		 struct profile **out, struct folded_parse_result *r)
{
	*out = profile_new();
	assert_non_null(*out);
	return folded_parse_buffer(text, len, *out, lim, r);
}

#define PARSE(lit, p, r) parse(lit, sizeof(lit) - 1, NULL, p, r)

/* Count of the stack given as "a;b;c", or 0 if absent. */
static uint64_t stack_count(const struct profile *p, const char *folded)
{
	for (size_t i = 0; i < profile_stack_count(p); i++) {
		struct profile_stack s;
		char buf[4096] = "";

		const char *roots[FRAME_TEXT_ROOTS_MAX];
		struct frame_texts *ft = frame_texts_new(p);
		int nroots;

		assert_non_null(ft);
		profile_stack_get(p, i, &s);
		/* The text the folded writer makes of the sample. */
		nroots = frame_texts_roots(ft, s.labels, roots);
		for (int k = 0; k < nroots; k++) {
			if (k)
				strcat(buf, ";");
			strcat(buf, roots[k]);
		}
		for (uint32_t k = 0; k < s.depth; k++) {
			if (k || nroots)
				strcat(buf, ";");
			strcat(buf, frame_texts_frame(ft, s.frames[k]));
		}
		frame_texts_free(ft);
		if (!strcmp(buf, folded))
			return s.count;
	}
	return 0;
}

static void test_valid_lines_merge(void **state)
{
	struct folded_parse_result r;
	struct profile *p;

	(void)state;
	assert_int_equal(PARSE("a;b;c 5\na;b 2\n\na;b;c 3\n   \nx 1", &p, &r), 0);
	assert_int_equal(r.lines, 6);
	assert_int_equal(r.stacks, 4);
	assert_int_equal(r.bad_lines, 0);
	assert_int_equal(r.first_bad_line, 0);
	assert_null(r.first_bad_reason);
	assert_int_equal(stack_count(p, "a;b;c"), 8);
	assert_int_equal(stack_count(p, "a;b"), 2);
	assert_int_equal(stack_count(p, "x"), 1);
	assert_int_equal(profile_total(p), 11);
	profile_free(p);
}

static void test_crlf_tabs_and_spaces_in_frames(void **state)
{
	struct folded_parse_result r;
	struct profile *p;

	(void)state;
	assert_int_equal(PARSE("[Map (1/2)#0 tid=7];java.lang.Thread.run_[j] 4\r\nb;c\t2\r\n", &p, &r), 0);
	assert_int_equal(r.bad_lines, 0);
	assert_int_equal(stack_count(p, "[Map (1/2)#0 tid=7];java.lang.Thread.run_[j]"), 4);
	assert_int_equal(stack_count(p, "b;c"), 2);
	profile_free(p);
}

/* One malformed line among valid ones: skipped, counted, its line number
 * reported. */
static void expect_bad(const char *text, size_t len, size_t line, const char *reason)
{
	struct folded_parse_result r;
	struct profile *p;

	assert_int_equal(parse(text, len, NULL, &p, &r), 0);
	assert_int_equal(r.bad_lines, 1);
	assert_int_equal(r.first_bad_line, line);
	assert_string_equal(r.first_bad_reason, reason);
	assert_int_equal(stack_count(p, "ok;frame"), 1);
	assert_int_equal(profile_total(p), 1);
	profile_free(p);
}

#define EXPECT_BAD(lit, line, reason) expect_bad(lit, sizeof(lit) - 1, line, reason)

static void test_no_count(void **state)
{
	(void)state;
	EXPECT_BAD("ok;frame 1\na;b\n", 2, "no count");
	EXPECT_BAD("ok;frame 1\n\na;b words\n", 3, "no count");
}

static void test_negative_and_non_numeric_counts(void **state)
{
	(void)state;
	EXPECT_BAD("a;b -3\nok;frame 1\n", 1, "negative count");
	EXPECT_BAD("ok;frame 1\na;b 12x\n", 2, "no count");
	EXPECT_BAD("ok;frame 1\na;b 0x10\n", 2, "no count");
	EXPECT_BAD("ok;frame 1\na;b +5\n", 2, "count is not an integer");
}

static void test_float_counts_rejected(void **state)
{
	(void)state;
	EXPECT_BAD("ok;frame 1\na;b 12.5\n", 2, "count is not an integer");
	EXPECT_BAD("ok;frame 1\na;b 1e3\n", 2, "count is not an integer");
}

static void test_count_overflow(void **state)
{
	struct folded_parse_result r;
	struct profile *p;

	(void)state;
	EXPECT_BAD("ok;frame 1\na;b 18446744073709551616\n", 2, "count too large");
	EXPECT_BAD("ok;frame 1\na;b 99999999999999999999999999\n", 2, "count too large");
	/* The largest count is fine; a total past 2^64-1 is not. */
	assert_int_equal(PARSE("a 18446744073709551614\nb 1\nc 1\n", &p, &r), 0);
	assert_int_equal(r.bad_lines, 1);
	assert_int_equal(r.first_bad_line, 3);
	assert_string_equal(r.first_bad_reason, "total count too large");
	assert_int_equal(profile_total(p), UINT64_MAX);
	profile_free(p);
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	EXPECT_BAD("ok;frame 1\na;\xff\xfe 3\n", 2, "invalid UTF-8");
	EXPECT_BAD("ok;frame 1\na;\xc0\xaf 3\n", 2, "invalid UTF-8"); /* overlong '/' */
	EXPECT_BAD("ok;frame 1\na;\xed\xa0\x80 3\n", 2, "invalid UTF-8"); /* surrogate */
	EXPECT_BAD("\xe2\x82 1\nok;frame 1\n", 1, "invalid UTF-8"); /* truncated */
}

static void test_valid_utf8_kept(void **state)
{
	struct folded_parse_result r;
	struct profile *p;

	(void)state;
	assert_int_equal(PARSE("Stra\xc3\x9f" "e;\xe6\x97\xa5\xe6\x9c\xac 2\n", &p, &r), 0);
	assert_int_equal(r.bad_lines, 0);
	assert_int_equal(stack_count(p, "Stra\xc3\x9f" "e;\xe6\x97\xa5\xe6\x9c\xac"), 2);
	profile_free(p);
}

static void test_nul_byte(void **state)
{
	(void)state;
	EXPECT_BAD("ok;frame 1\na\0b;c 3\n", 2, "NUL byte");
}

static void test_empty_frames(void **state)
{
	(void)state;
	EXPECT_BAD("ok;frame 1\na;;b 3\n", 2, "empty frame");
	EXPECT_BAD("ok;frame 1\n;a 3\n", 2, "empty frame");
	EXPECT_BAD("ok;frame 1\na; 3\n", 2, "empty frame");
	EXPECT_BAD("ok;frame 1\n 3\n", 2, "no frames");
}

static void test_too_many_frames(void **state)
{
	struct folded_parse_limits lim = { FOLDED_MAX_LINE, FOLDED_MAX_BYTES, 3 };
	struct folded_parse_result r;
	struct profile *p;
	const char text[] = "a;b;c 1\na;b;c;d 2\n";

	(void)state;
	assert_int_equal(parse(text, sizeof(text) - 1, &lim, &p, &r), 0);
	assert_int_equal(r.bad_lines, 1);
	assert_int_equal(r.first_bad_line, 2);
	assert_string_equal(r.first_bad_reason, "too many frames");
	profile_free(p);
}

/* A 1 MB line is fine under the default limit. */
static void test_megabyte_line(void **state)
{
	size_t n = 1 << 20;
	char *text = malloc(n + 16);
	struct folded_parse_result r;
	struct profile *p;

	(void)state;
	assert_non_null(text);
	/* 200-byte frames: about 5000 of them, under the depth limit. */
	memset(text, 'f', n);
	for (size_t i = 199; i < n; i += 200)
		text[i] = ';';
	memcpy(text + n, " 7\nb 1\n", 8);
	assert_int_equal(parse(text, strlen(text), NULL, &p, &r), 0);
	assert_int_equal(r.bad_lines, 0);
	assert_int_equal(r.stacks, 2);
	assert_int_equal(profile_total(p), 8);
	free(text);
	profile_free(p);
}

static void test_line_too_long(void **state)
{
	struct folded_parse_limits lim = { 64, FOLDED_MAX_BYTES, FOLDED_MAX_DEPTH };
	struct folded_parse_result r;
	struct profile *p;
	char text[512];

	(void)state;
	snprintf(text, sizeof(text), "a 1\n%0200d 5\nb 2\n", 0);
	memset(text + 4, 'x', 200);
	assert_int_equal(parse(text, strlen(text), &lim, &p, &r), 0);
	assert_int_equal(r.bad_lines, 1);
	assert_int_equal(r.first_bad_line, 2);
	assert_string_equal(r.first_bad_reason, "line too long");
	assert_int_equal(profile_total(p), 3);
	profile_free(p);
}

/* Through a FILE, lines cross the 64 KiB read chunks. */
static void test_stream_lines_across_chunks(void **state)
{
	struct folded_parse_limits lim = { 100000, FOLDED_MAX_BYTES, 1000000 };
	struct folded_parse_result r;
	struct profile *p = profile_new();
	FILE *f = tmpfile();
	size_t lines = 0;

	(void)state;
	assert_non_null(f);
	/* 70 KB of short lines, one 90 KB line, one 200 KB line (too long). */
	for (; lines < 7000; lines++)
		fprintf(f, "root;frame%zu 1\n", lines % 10);
	for (int i = 0; i < 45000; i++)
		fputs("g;", f);
	fputs("leaf 5\n", f);
	for (int i = 0; i < 100000; i++)
		fputs("h;", f);
	fputs("leaf 5\nlast 1", f);
	rewind(f);
	assert_int_equal(folded_parse_stream(f, p, &lim, &r), 0);
	assert_int_equal(r.lines, 7003);
	assert_int_equal(r.bad_lines, 1);
	assert_int_equal(r.first_bad_line, 7002);
	assert_string_equal(r.first_bad_reason, "line too long");
	assert_int_equal(profile_total(p), 7000 + 5 + 1);
	fclose(f);
	profile_free(p);
}

static void test_no_valid_line_is_an_error(void **state)
{
	struct folded_parse_result r;
	struct profile *p;

	(void)state;
	assert_int_equal(PARSE("\nnot a profile\nmore;;words 3\n", &p, &r), -ENODATA);
	assert_int_equal(r.bad_lines, 2);
	assert_int_equal(r.first_bad_line, 2);
	profile_free(p);
	assert_int_equal(PARSE("", &p, &r), -ENODATA);
	assert_int_equal(r.bad_lines, 0);
	profile_free(p);
	assert_int_equal(PARSE("a 0\n", &p, &r), -ENODATA);
	profile_free(p);
}

static void test_total_size_limit(void **state)
{
	struct folded_parse_limits lim = { FOLDED_MAX_LINE, 16, FOLDED_MAX_DEPTH };
	struct folded_parse_result r;
	struct profile *p;
	const char text[] = "a;b 1\na;b 1\na;b 1\na;b 1\n";

	(void)state;
	assert_int_equal(parse(text, sizeof(text) - 1, &lim, &p, &r), -EFBIG);
	profile_free(p);
}

static void test_missing_file(void **state)
{
	struct folded_parse_result r;
	struct profile *p = profile_new();

	(void)state;
	assert_int_equal(folded_parse_file("/nonexistent/x.folded", p, NULL, &r), -ENOENT);
	profile_free(p);
}

/* The one reader of the text conventions: kinds from suffixes, unnamed
 * frames' modules, and labels from the root pseudo-frames. */
static void test_kinds_and_labels_from_text(void **state)
{
	struct folded_parse_result r;
	struct profile_stack st;
	struct profile *p;
	const char *name, *num;
	size_t nl, ml;

	(void)state;
	assert_int_equal(PARSE("[tm pid=9];[Keyed Reduce (12/128)#3 tid=5];[idle];start_thread;"
			       "a.B.run_[j];a.B.hot_[i];c.D.slow_[0];do_syscall_64_[k];"
			       "[unknown] (libfoo.so);x_[q] 4\n",
			       &p, &r), 0);
	profile_stack_get(p, 0, &st);
	assert_int_equal(st.depth, 7);
	assert_int_equal(profile_frame_kind(p, st.frames[0]), PROFILE_FRAME_NATIVE);
	assert_int_equal(profile_frame_kind(p, st.frames[1]), PROFILE_FRAME_JIT);
	assert_string_equal(profile_frame_name(p, st.frames[1]), "a.B.run");
	assert_int_equal(profile_frame_kind(p, st.frames[2]), PROFILE_FRAME_INLINED);
	assert_int_equal(profile_frame_kind(p, st.frames[3]), PROFILE_FRAME_INTERPRETED);
	assert_int_equal(profile_frame_kind(p, st.frames[4]), PROFILE_FRAME_KERNEL);
	assert_string_equal(profile_frame_name(p, st.frames[4]), "do_syscall_64");
	assert_int_equal(profile_frame_kind(p, st.frames[5]), PROFILE_FRAME_UNKNOWN);
	assert_string_equal(profile_frame_module(p, st.frames[5]), "libfoo.so");
	/* Not a suffix tmprof writes: part of the name. */
	assert_string_equal(profile_frame_name(p, st.frames[6]), "x_[q]");
	assert_string_equal(profile_label_value(p, st.labels, "process"), "tm");
	assert_string_equal(profile_label_value(p, st.labels, "pid"), "9");
	assert_string_equal(profile_label_value(p, st.labels, "thread"), "Keyed Reduce (12/128)#3");
	assert_string_equal(profile_label_value(p, st.labels, "tid"), "5");
	assert_string_equal(profile_label_value(p, st.labels, "operator_chain"), "Keyed Reduce");
	assert_string_equal(profile_label_value(p, st.labels, "subtask"), "12");
	assert_string_equal(profile_label_value(p, st.labels, "state"), "idle");
	/* Written back, the same text. */
	assert_int_equal(stack_count(p, "[tm pid=9];[Keyed Reduce (12/128)#3 tid=5];[idle];start_thread;"
					"a.B.run_[j];a.B.hot_[i];c.D.slow_[0];do_syscall_64_[k];"
					"[unknown] (libfoo.so);x_[q]"), 4);
	profile_free(p);

	/* A state frame at the root, or a bracketed frame further down, is a
	 * frame; so is a thread frame that is not first. */
	assert_int_equal(PARSE("[idle];a 1\nmain;[t tid=1] 2\n", &p, &r), 0);
	profile_stack_get(p, 0, &st);
	assert_int_equal(st.labels, 0);
	assert_int_equal(st.depth, 2);
	profile_stack_get(p, 1, &st);
	assert_int_equal(st.labels, 0);
	profile_free(p);

	assert_true(folded_pseudo_frame_parse("[a b tid=12]", "tid", &name, &nl, &num, &ml));
	assert_int_equal(nl, 3);
	assert_memory_equal(name, "a b", 3);
	assert_int_equal(ml, 2);
	assert_false(folded_pseudo_frame_parse("[x pid=1]", "tid", &name, &nl, &num, &ml));
	assert_false(folded_pseudo_frame_parse("[x tid=1x]", "tid", &name, &nl, &num, &ml));
	assert_false(folded_pseudo_frame_parse("[ tid=1]", "tid", &name, &nl, &num, &ml));
	assert_false(folded_pseudo_frame_parse("[unknown] (libc.so.6)", "tid", &name, &nl, &num, &ml));
	assert_false(folded_pseudo_frame_parse(NULL, "tid", &name, &nl, &num, &ml));
}

/* The "[category]" frame the builder writes (under the thread and state
 * frames) reads back as the category label, so a folded file round-trips:
 * written again, the same text. */
static void test_category_frames_round_trip(void **state)
{
	static const char text[] =
		"[tm pid=9];[Map (1/2)#0 tid=5];[cpu];[serialization];main;a.B.write_[j] 3\n"
		"[Map (1/2)#0 tid=5];[state];main;rocksdb::Get 2\n"
		"[Map (1/2)#0 tid=5];[idle];main 4\n"
		"[gc];main 1\n";
	struct folded_parse_result r;
	struct profile_stack st;
	struct profile *p, *again;
	char *out;

	(void)state;
	assert_int_equal(PARSE(text, &p, &r), 0);
	assert_int_equal(r.bad_lines, 0);
	profile_stack_get(p, 0, &st);
	assert_int_equal(st.depth, 2);
	assert_string_equal(profile_label_value(p, st.labels, "state"), "cpu");
	assert_string_equal(profile_label_value(p, st.labels, "category"), "serialization");
	assert_string_equal(profile_label_value(p, st.labels, "pid"), "9");
	/* "[state]" right under the thread frame is the state category (no
	 * thread state is called that). */
	profile_stack_get(p, 1, &st);
	assert_null(profile_label_value(p, st.labels, "state"));
	assert_string_equal(profile_label_value(p, st.labels, "category"), "state");
	profile_stack_get(p, 2, &st);
	assert_null(profile_label_value(p, st.labels, "category"));
	/* At the very root, not under a thread or process: a frame. */
	profile_stack_get(p, 3, &st);
	assert_int_equal(st.labels, 0);
	assert_int_equal(st.depth, 2);
	assert_true(profile_roots(p) & PROFILE_ROOT_CATEGORY);

	out = test_folded_text(p);
	again = profile_new();
	assert_non_null(again);
	assert_int_equal(folded_parse_buffer(out, strlen(out), again, NULL, &r), 0);
	assert_int_equal(stack_count(again, "[tm pid=9];[Map (1/2)#0 tid=5];[cpu];[serialization];"
					    "main;a.B.write_[j]"), 3);
	assert_int_equal(stack_count(again, "[Map (1/2)#0 tid=5];[state];main;rocksdb::Get"), 2);
	assert_int_equal(stack_count(again, "[gc];main"), 1);
	free(out);
	profile_free(again);
	profile_free(p);
}

static void test_task_names(void **state)
{
	static const char *const bad[] = { "Foo (a/b)#0", "(1/2)", "Foo (1/2)#x", "Foo (1/2) x",
					   "Foo (12)" };
	const char *sub;
	size_t chain, sl;

	(void)state;
	assert_true(folded_task_name_parse("Map (1/2)", 9, &chain, &sub, &sl));
	assert_int_equal(chain, 3);
	assert_memory_equal(sub, "1", 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(folded_task_name_parse(bad[i], strlen(bad[i]), &chain, &sub, &sl));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_lines_merge),
		cmocka_unit_test(test_crlf_tabs_and_spaces_in_frames),
		cmocka_unit_test(test_no_count),
		cmocka_unit_test(test_negative_and_non_numeric_counts),
		cmocka_unit_test(test_float_counts_rejected),
		cmocka_unit_test(test_count_overflow),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_valid_utf8_kept),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_empty_frames),
		cmocka_unit_test(test_too_many_frames),
		cmocka_unit_test(test_megabyte_line),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_stream_lines_across_chunks),
		cmocka_unit_test(test_no_valid_line_is_an_error),
		cmocka_unit_test(test_total_size_limit),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_kinds_and_labels_from_text),
		cmocka_unit_test(test_category_frames_round_trip),
		cmocka_unit_test(test_task_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
