// SPDX-License-Identifier: GPL-2.0
/* text_escape: UTF-8 validation and the XML and JSON escapers, on the
 * bytes frame names really carry (symbols, user files, hostile perf maps). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flamegraph/text_escape.h"

/* Runs one escaper into memory and returns the text (caller frees). */
static char *xml_of(const char *s, size_t max_chars)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	xml_write_escaped(f, s, max_chars);
	fclose(f);
	return buf;
}

static char *json_of(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	json_write_string(f, s);
	fclose(f);
	return buf;
}

static void test_seq_len(void **state)
{
	(void)state;
	assert_int_equal(utf8_seq_len((const unsigned char *)"a", 1), 1);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xc3\xa9", 2), 2);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xe2\x82\xac", 3), 3);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xf0\x9f\x98\x80", 4), 4);
	/* Truncated, overlong, surrogate, past U+10FFFF, lone continuation. */
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xe2\x82", 2), 0);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xc0\xaf", 2), 0);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xe0\x80\xaf", 3), 0);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xed\xa0\x80", 3), 0);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\xf4\x90\x80\x80", 4), 0);
	assert_int_equal(utf8_seq_len((const unsigned char *)"\x80", 1), 0);
	assert_true(utf8_valid("plain ascii, longer than eight", 30));
	assert_false(utf8_valid("ascii then \xff", 12));
	assert_int_equal(utf8_strlen("a\xc3\xa9\xff"), 3);
}

static void test_xml(void **state)
{
	char *s;

	(void)state;
	s = xml_of("List<Map<K,V>> & \"q\" 'a'", SIZE_MAX);
	assert_string_equal(s, "List&lt;Map&lt;K,V&gt;&gt; &amp; &quot;q&quot; &apos;a&apos;");
	free(s);
	/* Control characters are not allowed in XML even escaped; a bad byte
	 * is replaced alone and the text after it survives. */
	s = xml_of("a\x01" "b\xff" "c\xc3\xa9", SIZE_MAX);
	assert_string_equal(s, "a?b?c\xc3\xa9");
	free(s);
	/* max_chars counts code points, never cutting a sequence. */
	s = xml_of("\xc3\xa9\xc3\xa9\xc3\xa9", 2);
	assert_string_equal(s, "\xc3\xa9\xc3\xa9");
	free(s);
}

static void test_json(void **state)
{
	char *s;

	(void)state;
	s = json_of("say \"hi\" \\ </script>&");
	assert_string_equal(s, "\"say \\\"hi\\\" \\\\ \\u003c/script\\u003e\\u0026\"");
	free(s);
	s = json_of("tab\there\xfe" "\xe2\x82\xac");
	assert_string_equal(s, "\"tab?here?\xe2\x82\xac\"");
	free(s);
	s = json_of("");
	assert_string_equal(s, "\"\"");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seq_len),
		cmocka_unit_test(test_xml),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
