// SPDX-License-Identifier: GPL-2.0
/* vdso: tmprof's copy of the vDSO is the image the kernel maps, an ELF file
 * whose symbols name a target's vDSO frames. */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "symbolize/vdso.h"

static void test_image_is_the_mapped_vdso(void **state)
{
	const unsigned char *mapped = (const unsigned char *)(uintptr_t)getauxval(AT_SYSINFO_EHDR);
	unsigned char head[64];
	struct stat st;
	int fd;

	(void)state;
	assert_non_null(mapped);
	fd = vdso_image_fd();
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	/* At least one page, and the file starts where the mapping does. */
	assert_true(st.st_size >= 4096);
	assert_int_equal(pread(fd, head, sizeof(head), 0), (ssize_t)sizeof(head));
	assert_memory_equal(head, ELFMAG, SELFMAG);
	assert_memory_equal(head, mapped, sizeof(head));
	/* The fd is positioned at 0 for readers that read sequentially. */
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_is_the_mapped_vdso),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
