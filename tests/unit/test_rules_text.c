// SPDX-License-Identifier: GPL-2.0
/* The shared rules-line reader: which lines reach the parser, how they are
 * trimmed, and how errors name the line and the file. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/core/rules_text.h"
#include "support.h"

struct seen {
	char lines[8][64];
	size_t n;
};

/* Takes every line but one saying "bad". */
static int take_line(void *ctx, const char *line, size_t len, char *err, size_t errlen)
{
	struct seen *s = ctx;

	if (len == 3 && !memcmp(line, "bad", 3)) {
		snprintf(err, errlen, "'bad' is bad; write good");
		return -EINVAL;
	}
	if (s->n < 8)
		snprintf(s->lines[s->n++], 64, "%.*s", (int)len, line);
	return 0;
}

static void test_lines_trimmed_comments_skipped(void **state)
{
	static const char text[] = "# header\n\n  a b  \r\n\t# indented comment\nlast";
	struct seen s = { 0 };
	char err[128];
	size_t n;

	(void)state;
	assert_int_equal(rules_text_parse(text, strlen(text), take_line, &s, &n, err, sizeof(err)),
			 0);
	assert_int_equal(n, 2);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.lines[0], "a b");
	assert_string_equal(s.lines[1], "last"); /* no newline at the end */
}

static void test_errors_name_the_line(void **state)
{
	struct seen s = { 0 };
	char err[128];
	size_t n;

	(void)state;
	assert_int_equal(rules_text_parse("ok\n# c\nbad\nnever\n", 18, take_line, &s, &n, err,
					  sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "line 3: 'bad' is bad; write good");
	assert_int_equal(s.n, 1); /* stops at the first error */
	assert_int_equal(rules_text_parse("ok\nx\x1b[2Jy\n", 10, take_line, &s, &n, err,
					  sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "line 2: control character"));
	assert_int_equal(rules_text_parse("a\0b\n", 4, take_line, &s, &n, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "line 1: control character"));
}

static void test_read_file(void **state)
{
	char *dir = test_mkdtemp(), path[512], err[512], *text;
	size_t len;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/none.rules", dir);
	assert_int_equal(rules_text_read(path, &text, &len, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, path));
	assert_null(text);
	snprintf(path, sizeof(path), "%s/big.rules", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i <= RULES_TEXT_MAX_BYTES / 64; i++)
		fprintf(f, "%63s\n", "# padding");
	fclose(f);
	assert_int_equal(rules_text_read(path, &text, &len, err, sizeof(err)), -EFBIG);
	assert_non_null(strstr(err, "larger than"));
	snprintf(path, sizeof(path), "%s/ok.rules", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("a b\n", f);
	fclose(f);
	assert_int_equal(rules_text_read(path, &text, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(text, "a b\n", 4);
	free(text);
	test_rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_trimmed_comments_skipped),
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test(test_read_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
