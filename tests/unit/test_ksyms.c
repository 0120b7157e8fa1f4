// SPDX-License-Identifier: GPL-2.0
/* ksyms: parsing /proc/kallsyms text and looking addresses up. */
#include "symbolize/ksyms.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const char sample[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81000000 T startup_64\n"
	"ffffffff81000100 t secondary_startup\n"
	"ffffffff81000200 W weak_func\n"
	"ffffffff81000300 D some_data\n"
	"ffffffff81000400 T do_syscall_64\n"
	"ffffffff81000500 w weak_lower\n"
	"0000000000000000 A fixed_percpu_data\n"
	"garbage line\n"
	"ffffffff8100zz00 T bad_hex\n"
	"ffffffffc0a01000 t ext4_fill_super\t[ext4]\n"
	"ffffffffc0a00000 T ext4_mount\t[ext4]\n"
	"ffffffff81000600 T\n";

static void test_lookup(void **state)
{
	struct ksyms *ks = NULL;
	uint64_t off = 0;

	(void)state;
	assert_int_equal(ksyms_parse(sample, strlen(sample), &ks), 0);
	/* Aliases at one address: the first text symbol wins. */
	assert_string_equal(ksyms_lookup(ks, 0xffffffff81000000ull, &off), "_stext");
	assert_int_equal(off, 0);
	assert_string_equal(ksyms_lookup(ks, 0xffffffff81000150ull, &off), "secondary_startup");
	assert_int_equal(off, 0x50);
	assert_string_equal(ksyms_lookup(ks, 0xffffffff81000201ull, NULL), "weak_func");
	assert_string_equal(ksyms_lookup(ks, 0xffffffff81000400ull, NULL), "do_syscall_64");
	assert_string_equal(ksyms_lookup(ks, 0xffffffff81000510ull, NULL), "weak_lower");
	/* Module symbols, sorted even though the input is not. */
	assert_string_equal(ksyms_lookup(ks, 0xffffffffc0a00010ull, NULL), "ext4_mount");
	assert_string_equal(ksyms_lookup(ks, 0xffffffffc0a01010ull, NULL), "ext4_fill_super");
	ksyms_free(ks);
}

static void test_bounds(void **state)
{
	struct ksyms *ks = NULL;

	(void)state;
	assert_int_equal(ksyms_parse(sample, strlen(sample), &ks), 0);
	/* Data symbols end the preceding function. */
	assert_null(ksyms_lookup(ks, 0xffffffff81000310ull, NULL));
	/* Below the first text symbol (only the absolute percpu symbol). */
	assert_null(ksyms_lookup(ks, 0x1000, NULL));
	assert_null(ksyms_lookup(ks, 0, NULL));
	/* Far past the last function. */
	assert_null(ksyms_lookup(ks, 0xffffffffc0a01000ull + (4u << 20), NULL));
	assert_null(ksyms_lookup(ks, UINT64_MAX, NULL));
	assert_null(ksyms_lookup(NULL, 0xffffffff81000000ull, NULL));
	ksyms_free(ks);
}

static void test_hidden_addresses(void **state)
{
	static const char hidden[] = "0000000000000000 T _stext\n"
				     "0000000000000000 t foo\n"
				     "0000000000000000 T bar [mod]\n";
	struct ksyms *ks = (void *)1;

	(void)state;
	assert_int_equal(ksyms_parse(hidden, strlen(hidden), &ks), -EPERM);
	assert_null(ks);
	assert_int_equal(ksyms_parse("", 0, &ks), -ENOENT);
	assert_int_equal(ksyms_parse("junk\n\n\x01", 7, &ks), -ENOENT);
}

static void test_unterminated_and_nul(void **state)
{
	static const char text[] = "ffffffff81000000 T a\0b\nffffffff81000100 T last";
	struct ksyms *ks = NULL;

	(void)state;
	/* The line with a NUL is skipped; the last line has no newline. */
	assert_int_equal(ksyms_parse(text, sizeof(text) - 1, &ks), 0);
	assert_string_equal(ksyms_lookup(ks, 0xffffffff81000104ull, NULL), "last");
	assert_null(ksyms_lookup(ks, 0xffffffff81000004ull, NULL));
	ksyms_free(ks);
}

static void test_load_real(void **state)
{
	struct ksyms *ks = NULL;
	int ret = ksyms_load(&ks);

	(void)state;
	if (ret == -EPERM || ret == -ENOENT || ret == -EACCES)
		skip();
	assert_int_equal(ret, 0);
	/* The address of schedule(), found independently, names a function
	 * (schedule or an alias of it) at offset 1. */
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512], name[256], type;
	unsigned long long addr = 0, found = 0;
	uint64_t off = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) == 3 &&
		    strcmp(name, "schedule") == 0)
			found = addr;
	fclose(f);
	assert_true(found != 0);
	assert_non_null(ksyms_lookup(ks, found + 1, &off));
	assert_int_equal(off, 1);
	ksyms_free(ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_hidden_addresses),
		cmocka_unit_test(test_unterminated_and_nul),
		cmocka_unit_test(test_load_real),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
