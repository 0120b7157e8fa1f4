// SPDX-License-Identifier: GPL-2.0
/* safe_open: symlink refusal, owner and file type checks, read_fd_all. */
#include "symbolize/safe_open.h"

#include "elf_fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static char dir[128];

static int setup(void **state)
{
	(void)state;
	return elf_fixture_tmpdir(dir, sizeof(dir));
}

static int teardown(void **state)
{
	(void)state;
	elf_fixture_rmdir(dir);
	return 0;
}

/* dir/name as a path relative to / (for safe_open_in_root). */
static void rel(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir + 1, name);
}

static void abs_path(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static void test_regular_file(void **state)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0;
	int fd;

	(void)state;
	abs_path(path, sizeof(path), "plain");
	assert_int_equal(elf_fixture_write(path, "hello\n", 6), 0);
	fd = safe_open_path(path, geteuid());
	assert_true(fd >= 0);
	assert_int_equal(read_fd_all(fd, 100, &buf, &len), 0);
	assert_int_equal(len, 6);
	assert_string_equal(buf, "hello\n");
	free(buf);
	/* The fd is read-only. */
	assert_true(write(fd, "x", 1) < 0);
	close(fd);

	rel(path, sizeof(path), "plain");
	fd = safe_open_in_root(getpid(), path, geteuid());
	assert_true(fd >= 0);
	close(fd);
	fd = safe_open_in_root(getpid(), path, SAFE_OPEN_ANY_OWNER);
	assert_true(fd >= 0);
	close(fd);
}

static void test_symlinks_refused(void **state)
{
	char target[PATH_MAX], link[PATH_MAX], sub[PATH_MAX], through[PATH_MAX], comp[256];
	int fd;

	(void)state;
	abs_path(target, sizeof(target), "target");
	abs_path(link, sizeof(link), "link");
	assert_int_equal(elf_fixture_write(target, "secret", 6), 0);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(safe_open_path(link, geteuid()), -ELOOP);
	rel(link, sizeof(link), "link");
	assert_int_equal(safe_open_in_root(getpid(), link, geteuid()), -ELOOP);

	/* A symlinked directory in the middle of the path is refused too. */
	abs_path(sub, sizeof(sub), "linkdir");
	assert_int_equal(symlink(dir, sub), 0);
	abs_path(through, sizeof(through), "linkdir/target");
	assert_int_equal(safe_open_path(through, geteuid()), -ELOOP);

	/* ...but safe_open_follow accepts them, confined to the root: an
	 * absolute link target and ".." resolve inside it. */
	fd = safe_open_follow(getpid(), through, SAFE_OPEN_ANY_OWNER);
	assert_true(fd >= 0);
	close(fd);
	fd = safe_open_follow(0, through, SAFE_OPEN_ANY_OWNER);
	assert_true(fd >= 0);
	close(fd);
	/* ".." after a followed link is the link target's parent. */
	snprintf(comp, sizeof(comp), "linkdir/../%s/./target", strrchr(dir, '/') + 1);
	abs_path(through, sizeof(through), comp);
	fd = safe_open_follow(getpid(), through, SAFE_OPEN_ANY_OWNER);
	assert_true(fd >= 0);
	close(fd);
	/* A symlink loop ends. */
	abs_path(sub, sizeof(sub), "loop");
	assert_int_equal(symlink("loop", sub), 0);
	assert_int_equal(safe_open_follow(getpid(), sub, SAFE_OPEN_ANY_OWNER), -ELOOP);
	unlink(sub);
	abs_path(sub, sizeof(sub), "linkdir");
	unlink(sub);
	abs_path(link, sizeof(link), "link");
	unlink(link);
}

static void test_not_regular(void **state)
{
	char fifo[PATH_MAX];

	(void)state;
	/* A FIFO must be refused without blocking on open. */
	abs_path(fifo, sizeof(fifo), "fifo");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(safe_open_path(fifo, geteuid()), -EINVAL);
	assert_int_equal(safe_open_path(dir, geteuid()), -EINVAL);
	assert_int_equal(safe_open_follow(0, "/dev/null", SAFE_OPEN_ANY_OWNER), -EINVAL);
}

static void test_magic_links(void **state)
{
	char path[64];
	int dfd, fd;

	(void)state;
	/* Magic links are followed (that is their point) when they lead to a
	 * regular file... */
	fd = safe_open_magic("/proc/self/exe");
	assert_true(fd >= 0);
	close(fd);
	/* ...and refused otherwise. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", dfd);
	assert_int_equal(safe_open_magic(path), -EINVAL);
	close(dfd);
	/* Plain safe_open_path refuses magic links. */
	assert_true(safe_open_path("/proc/self/exe", SAFE_OPEN_ANY_OWNER) < 0);
}

static void test_owner(void **state)
{
	char path[PATH_MAX];
	int fd;

	(void)state;
	if (geteuid() != 0)
		skip();
	abs_path(path, sizeof(path), "owned");
	assert_int_equal(elf_fixture_write(path, "x", 1), 0);
	assert_int_equal(chown(path, 4242, 4242), 0);
	fd = safe_open_path(path, 4242);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(safe_open_path(path, 1000), -EPERM);
	/* Root-owned files are always acceptable. */
	assert_int_equal(chown(path, 0, 0), 0);
	fd = safe_open_path(path, 1000);
	assert_true(fd >= 0);
	close(fd);
}

static void test_errors(void **state)
{
	(void)state;
	assert_int_equal(safe_open_path("/nonexistent/file", 0), -ENOENT);
	assert_int_equal(safe_open_in_root(getpid(), "", 0), -EINVAL);
	assert_int_equal(safe_open_in_root(getpid(), "/", 0), -EINVAL);
	assert_int_equal(safe_open_in_root(0x7ffffff0, "tmp/x", 0), -ENOENT);
}

static void test_read_limits(void **state)
{
	char path[PATH_MAX], *buf = (void *)1, *big;
	size_t len = 99, n = 100000;
	int fd;

	(void)state;
	abs_path(path, sizeof(path), "big");
	big = malloc(n);
	memset(big, 'a', n);
	assert_int_equal(elf_fixture_write(path, big, n), 0);
	free(big);
	fd = open(path, O_RDONLY);
	assert_int_equal(read_fd_all(fd, n - 1, &buf, &len), -EFBIG);
	assert_null(buf);
	assert_int_equal(len, 0);
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(read_fd_all(fd, n, &buf, &len), 0);
	assert_int_equal(len, n);
	assert_int_equal(buf[n], '\0');
	free(buf);
	close(fd);

	abs_path(path, sizeof(path), "empty");
	assert_int_equal(elf_fixture_write(path, "", 0), 0);
	fd = open(path, O_RDONLY);
	assert_int_equal(read_fd_all(fd, 0, &buf, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
	close(fd);
	/* /proc files report size 0 but have content. */
	fd = open("/proc/self/status", O_RDONLY);
	assert_int_equal(read_fd_all(fd, 1 << 20, &buf, &len), 0);
	assert_true(len > 0 && strstr(buf, "Pid:") != NULL);
	free(buf);
	close(fd);
	assert_int_equal(read_fd_all(-1, 10, &buf, &len), -EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regular_file),
		cmocka_unit_test(test_symlinks_refused),
		cmocka_unit_test(test_not_regular),
		cmocka_unit_test(test_magic_links),
		cmocka_unit_test(test_owner),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_read_limits),
	};

	int failed = cmocka_run_group_tests_name("openat2", tests, setup, teardown);

	/* The same behaviour is required from the fallback path walk. */
	safe_open_force_fallback(true);
	failed += cmocka_run_group_tests_name("fallback walk", tests, setup, teardown);
	safe_open_force_fallback(false);
	return failed;
}
