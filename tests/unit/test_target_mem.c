// SPDX-License-Identifier: GPL-2.0
/* target_mem: reads through process_vm_readv of this very process, so the
 * kernel's answers for unmapped and partly mapped ranges are the real ones. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "symbolize/target_mem.h"

static void test_u64_and_null(void **state)
{
	static const uint64_t word = 0x1122334455667788ULL;
	struct mem_reader m = mem_reader_self();
	uint64_t v = 0;

	(void)state;
	assert_int_equal(mem_read_u64(&m, (uint64_t)(uintptr_t)&word, &v), 0);
	assert_true(v == word);
	assert_int_equal(mem_read_u64(&m, 0, &v), -EFAULT);
}

/* A string that ends right before an unmapped page is read whole; one that
 * runs into the page fails with EFAULT and never faults tmprof. */
static void test_string_at_page_end(void **state)
{
	long page = sysconf(_SC_PAGESIZE);
	char *two = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct mem_reader m = mem_reader_self();
	char buf[64];
	char *s;

	(void)state;
	assert_true(two != MAP_FAILED);
	assert_int_equal(munmap(two + page, (size_t)page), 0);
	s = two + page - 6;
	memcpy(s, "hello", 6);
	assert_int_equal(mem_read_string(&m, (uint64_t)(uintptr_t)s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "hello");
	memset(two + page - 20, 'x', 20);
	assert_int_equal(mem_read_string(&m, (uint64_t)(uintptr_t)(two + page - 20), buf, sizeof(buf)),
			 -EFAULT);
	munmap(two, (size_t)page);
}

static void test_string_too_long(void **state)
{
	static const char text[] = "org.apache.flink.streaming.runtime.tasks.StreamTask";
	struct mem_reader m = mem_reader_self();
	char buf[8];

	(void)state;
	assert_int_equal(mem_read_string(&m, (uint64_t)(uintptr_t)text, buf, sizeof(buf)), -ENAMETOOLONG);
	/* Cut and terminated even so. */
	assert_string_equal(buf, "org.apa");
}

static void test_other_pid_reader(void **state)
{
	static const uint64_t word = 42;
	struct mem_reader m = mem_reader_for_pid(getpid());
	uint64_t v = 0;

	(void)state;
	assert_int_equal(mem_read_u64(&m, (uint64_t)(uintptr_t)&word, &v), 0);
	assert_true(v == 42);
	/* No such process. */
	m = mem_reader_for_pid(0x3fffffff);
	assert_int_equal(mem_read_u64(&m, (uint64_t)(uintptr_t)&word, &v), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64_and_null),
		cmocka_unit_test(test_string_at_page_end),
		cmocka_unit_test(test_string_too_long),
		cmocka_unit_test(test_other_pid_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
