// SPDX-License-Identifier: GPL-2.0
/* curl_api: libcurl loaded at the first push, not linked at start. */
#include <errno.h>
#include <link.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "flamegraph/curl_api.h"

/* dl_iterate_phdr callback: is libcurl among the loaded objects? */
static int find_curl(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	if (strstr(info->dlpi_name, "libcurl"))
		*(int *)data = 1;
	return 0;
}

static int curl_loaded(void)
{
	int found = 0;

	dl_iterate_phdr(find_curl, &found);
	return found;
}

/* Runs first: nothing in tmprof's link pulls libcurl in. */
static void test_not_loaded_at_start(void **state)
{
	(void)state;
	assert_false(curl_loaded());
}

static void test_open_finds_every_call(void **state)
{
	struct curl_api a;
	char err[256] = "";
	char *esc;
	CURL *c;

	(void)state;
	assert_int_equal(curl_api_open(CURL_API_SONAME, &a, err, sizeof(err)), 0);
	assert_non_null(a.handle);
	assert_true(curl_loaded());
	/* The pointers are libcurl's own: a call through them works. */
	assert_int_equal(a.global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
	c = a.easy_init();
	assert_non_null(c);
	esc = a.easy_escape(c, "app{k=v w}", 0);
	assert_non_null(esc);
	assert_string_equal(esc, "app%7Bk%3Dv%20w%7D");
	a.free(esc);
	assert_int_equal(a.easy_setopt(c, CURLOPT_USERAGENT, "tmprof"), CURLE_OK);
	assert_string_equal(a.easy_strerror(CURLE_OK), "No error");
	a.easy_cleanup(c);
	curl_api_close(&a);
	assert_null(a.handle);
}

/* A missing library (-ENOENT) and one without the calls (libc: -ENOSYS
 * naming the first missing): one line naming the library, nothing open. */
static void test_bad_library_is_one_line(void **state)
{
	static const struct {
		const char *soname;
		int err;
		const char *says;
	} cases[] = {
		{ "libcurl-tmprof-none.so.9", -ENOENT, "cannot load libcurl-tmprof-none.so.9" },
		{ "libc.so.6", -ENOSYS, "libc.so.6 has no curl_global_init" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct curl_api a;
		char err[256] = "";

		assert_int_equal(curl_api_open(cases[i].soname, &a, err, sizeof(err)), cases[i].err);
		assert_null(a.handle);
		assert_non_null(strstr(err, cases[i].says));
		assert_non_null(strstr(err, "install libcurl"));
		assert_null(strchr(err, '\n'));
		curl_api_close(&a); /* a zeroed api is fine */
	}
}

static void test_process_api_once(void **state)
{
	const struct curl_api *a, *b;
	struct curl_slist *l;
	char err[256] = "";

	(void)state;
	a = curl_api_get(err, sizeof(err));
	assert_non_null(a);
	assert_string_equal(err, "");
	b = curl_api_get(NULL, 0);
	assert_ptr_equal(a, b);
	l = a->slist_append(NULL, "Expect:");
	assert_non_null(l);
	assert_string_equal(l->data, "Expect:");
	a->slist_free_all(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_loaded_at_start),
		cmocka_unit_test(test_open_finds_every_call),
		cmocka_unit_test(test_bad_library_is_one_line),
		cmocka_unit_test(test_process_api_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
