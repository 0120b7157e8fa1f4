// SPDX-License-Identifier: GPL-2.0
/* The attach protocol against fake targets (no JVM needed) and real JVMs
 * (root and a JDK: skipped if missing, failing under CI=true). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/jvm/hotspot_attach.h"
#include "agent/core/proc_info.h"
#include "jvm_fixture.h"
#include "support.h"

#define TEXT(s) (s), sizeof(s) - 1
#define FAKE_TIMEOUT_MS 1000

/* ---------------------------------------------------------------- parsing */

static void test_reply_parse_ok(void **state)
{
	struct attach_reply r;

	(void)state;
	assert_int_equal(attach_reply_parse(TEXT("0\nhello\nworld\n"), &r), 0);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.output, "hello\nworld\n");
	assert_int_equal(r.len, 12);
	attach_reply_free(&r);

	assert_int_equal(attach_reply_parse(TEXT("-1\njava.lang.IllegalArgumentException"), &r), 0);
	assert_int_equal(r.status, -1);
	assert_string_equal(r.output, "java.lang.IllegalArgumentException");
	attach_reply_free(&r);

	/* A bare status without newline or output. */
	assert_int_equal(attach_reply_parse(TEXT("101"), &r), 0);
	assert_int_equal(r.status, 101);
	assert_int_equal(r.len, 0);
	assert_string_equal(r.output, "");
	attach_reply_free(&r);
	attach_reply_free(&r);
}

static void test_reply_parse_nul_bytes(void **state)
{
	static const char raw[] = "0\nab\0cd";
	struct attach_reply r;

	(void)state;
	assert_int_equal(attach_reply_parse(raw, sizeof(raw) - 1, &r), 0);
	assert_int_equal(r.len, 5);
	assert_memory_equal(r.output, "ab\0cd", 5);
	assert_int_equal(r.output[5], '\0');
	attach_reply_free(&r);
}

static void test_reply_parse_garbage(void **state)
{
	struct attach_reply r;

	(void)state;
	assert_int_equal(attach_reply_parse("", 0, &r), -EPROTO);
	assert_null(r.output);
	assert_int_equal(attach_reply_parse(TEXT("garbage\n"), &r), -EPROTO);
	assert_int_equal(attach_reply_parse(TEXT("\n0\n"), &r), -EPROTO);
	assert_int_equal(attach_reply_parse(TEXT("0 \n"), &r), -EPROTO);
	assert_int_equal(attach_reply_parse(TEXT("-\n"), &r), -EPROTO);
	assert_int_equal(attach_reply_parse(TEXT("99999999999999999999999\n"), &r), -EPROTO);
	assert_int_equal(attach_reply_parse(TEXT("2147483648\n"), &r), -EPROTO);
	assert_int_equal(attach_reply_parse(TEXT("0\0\n"), &r), -EPROTO);
	assert_int_equal(attach_reply_parse(TEXT("2147483647\n"), &r), 0);
	assert_int_equal(r.status, 2147483647);
	attach_reply_free(&r);
}

static void test_bad_arguments(void **state)
{
	struct attach_reply r;
	char big[1100];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(hotspot_attach_command(getpid(), NULL, NULL, 100, &r), -EINVAL);
	assert_int_equal(hotspot_attach_command(getpid(), "", NULL, 100, &r), -EINVAL);
	assert_int_equal(hotspot_attach_command(getpid(), "a-command-name-too-long", NULL, 100, &r), -EINVAL);
	assert_int_equal(hotspot_attach_command(getpid(), "jcmd", big, 100, &r), -EINVAL);
}

static void test_target_gone(void **state)
{
	struct attach_reply r;

	(void)state;
	assert_int_equal(hotspot_attach_command(jvm_fixture_dead_pid(), "threaddump", NULL, 500, &r), -ESRCH);
	assert_int_equal(hotspot_write_perf_map(jvm_fixture_dead_pid(), 500), -ESRCH);
}

/* ---------------------------------------------------------- fake targets */

enum fake_mode {
	FAKE_SILENT,            /* accepts, reads, never answers */
	FAKE_GARBAGE,           /* answers with something that is no status */
	FAKE_ECHO,              /* answers "0\n" + the request it got */
	FAKE_UNLISTENED,        /* a socket file nobody listens on */
	FAKE_NO_SOCKET,         /* no socket, handles SIGQUIT (reports it) */
	FAKE_NO_HANDLER,        /* no socket, SIGQUIT not handled */
	FAKE_STALE,             /* a dead socket file; SIGQUIT replaces it by an echoing one */
};

struct fake {
	pid_t pid;
	int report_fd;          /* the fake writes 'q' here on SIGQUIT */
	char *dir;              /* its cwd */
};

static struct fake fake;
static int fake_report_w = -1;

static volatile sig_atomic_t fake_quit;

static void fake_on_sigquit(int sig)
{
	(void)sig;
	fake_quit = 1;
	if (write(fake_report_w, "q", 1) < 0)
		_exit(3);
}

/* Read a request up to its fifth NUL: "1", cmd, three arguments. */
static ssize_t fake_read_request(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	int nuls = 0;

	while (nuls < 5 && len < cap) {
		ssize_t n = read(fd, buf + len, 1);

		if (n <= 0)
			return -1;
		nuls += buf[len] == '\0';
		len++;
	}
	return (ssize_t)len;
}

static void fake_serve(int lsock, enum fake_mode mode)
{
	char req[4096];
	ssize_t n;
	int c = accept(lsock, NULL, NULL);

	if (c < 0)
		_exit(4);
	n = fake_read_request(c, req, sizeof(req));
	if (mode == FAKE_GARBAGE && write(c, "garbage\n", 8) < 0)
		_exit(5);
	if (mode == FAKE_ECHO && n > 0 && (write(c, "0\n", 2) < 0 || write(c, req, (size_t)n) < 0))
		_exit(5);
	if (mode != FAKE_SILENT)
		close(c);
	for (;;)
		pause();
}

/* What HotSpot does when triggered: bind elsewhere, rename over the old path. */
static int fake_replace_socket(const struct sockaddr_un *final)
{
	struct sockaddr_un tmp = { .sun_family = AF_UNIX };
	int s;

	while (!fake_quit)
		pause();
	snprintf(tmp.sun_path, sizeof(tmp.sun_path), "/tmp/.java_pid%d.tmp", (int)getpid());
	unlink(tmp.sun_path);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&tmp, sizeof(tmp)) < 0 || listen(s, 4) < 0 ||
	    rename(tmp.sun_path, final->sun_path) < 0)
		_exit(2);
	return s;
}

static void fake_main(enum fake_mode mode, int ready_w)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int s;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGQUIT, mode == FAKE_NO_SOCKET || mode == FAKE_STALE ? fake_on_sigquit : SIG_DFL);
	if (mode == FAKE_NO_HANDLER) {
		/* A plain program: under valgrind our own image catches every
		 * signal, which would hide that SIGQUIT is not handled. */
		execlp("sleep", "sleep", "600", (char *)NULL);
		_exit(127);
	}
	if (mode == FAKE_NO_SOCKET) {
		if (write(ready_w, "r", 1) < 0)
			_exit(2);
		for (;;)
			pause();
	}
	jvm_fixture_socket_path(getpid(), addr.sun_path, sizeof(addr.sun_path));
	unlink(addr.sun_path);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		_exit(2);
	if (mode != FAKE_UNLISTENED && mode != FAKE_STALE && listen(s, 4) < 0)
		_exit(2);
	if (write(ready_w, "r", 1) < 0)
		_exit(2);
	if (mode == FAKE_UNLISTENED)
		for (;;)
			pause();
	if (mode == FAKE_STALE)
		s = fake_replace_socket(&addr);
	fake_serve(s, mode == FAKE_STALE ? FAKE_ECHO : mode);
}

static void fake_wait_exec(pid_t pid)
{
	char path[64], comm[32] = "";

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	for (int i = 0; i < 200 && strcmp(comm, "sleep\n") != 0; i++) {
		FILE *f = fopen(path, "r");

		if (f) {
			if (!fgets(comm, sizeof(comm), f))
				comm[0] = '\0';
			fclose(f);
		}
		usleep(10 * 1000);
	}
	assert_string_equal(comm, "sleep\n");
}

static void fake_start(enum fake_mode mode)
{
	int ready[2], report[2];
	char c;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(report), 0);
	fake.dir = test_mkdtemp();
	fake.pid = fork();
	assert_true(fake.pid >= 0);
	if (fake.pid == 0) {
		close(ready[0]);
		close(report[0]);
		fake_report_w = report[1];
		if (chdir(fake.dir) < 0)
			_exit(2);
		fake_main(mode, ready[1]);
		_exit(0);
	}
	close(ready[1]);
	close(report[1]);
	fake.report_fd = report[0];
	if (mode == FAKE_NO_HANDLER)
		fake_wait_exec(fake.pid);
	else
		assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
}

static int fake_teardown(void **state)
{
	char path[108];

	(void)state;
	if (fake.pid > 0) {
		kill(fake.pid, SIGKILL);
		waitpid(fake.pid, NULL, 0);
		jvm_fixture_socket_path(fake.pid, path, sizeof(path));
		unlink(path);
		snprintf(path, sizeof(path), "/tmp/.attach_pid%d", (int)fake.pid);
		unlink(path);
		snprintf(path, sizeof(path), "/tmp/.java_pid%d.tmp", (int)fake.pid);
		unlink(path);
	}
	if (fake.report_fd > 0)
		close(fake.report_fd);
	test_rm_rf(fake.dir);
	free(fake.dir);
	memset(&fake, 0, sizeof(fake));
	return 0;
}

static void test_fake_silent_times_out(void **state)
{
	struct attach_reply r;

	(void)state;
	fake_start(FAKE_SILENT);
	assert_int_equal(hotspot_attach_command(fake.pid, "threaddump", NULL, FAKE_TIMEOUT_MS, &r), -ETIMEDOUT);
	assert_null(r.output);
	/* The fake is still there: only our helper child was killed. */
	assert_int_equal(kill(fake.pid, 0), 0);
}

static void test_fake_garbage(void **state)
{
	struct attach_reply r;

	(void)state;
	fake_start(FAKE_GARBAGE);
	assert_int_equal(hotspot_attach_command(fake.pid, "threaddump", NULL, FAKE_TIMEOUT_MS, &r), -EPROTO);
}

static void test_fake_request_format(void **state)
{
	static const char want[] = "1\0jcmd\0Thread.print\0\0";
	struct attach_reply r;

	(void)state;
	fake_start(FAKE_ECHO);
	assert_int_equal(hotspot_attach_command(fake.pid, "jcmd", "Thread.print", FAKE_TIMEOUT_MS, &r), 0);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.len, sizeof(want));
	assert_memory_equal(r.output, want, sizeof(want));
	attach_reply_free(&r);
}

static void test_fake_request_empty_arg(void **state)
{
	static const char want[] = "1\0threaddump\0\0\0";
	struct attach_reply r;

	(void)state;
	fake_start(FAKE_ECHO);
	assert_int_equal(hotspot_attach_command(fake.pid, "threaddump", NULL, FAKE_TIMEOUT_MS, &r), 0);
	assert_int_equal(r.len, sizeof(want));
	assert_memory_equal(r.output, want, sizeof(want));
	attach_reply_free(&r);
}

static void test_fake_refused(void **state)
{
	struct attach_reply r;

	(void)state;
	fake_start(FAKE_UNLISTENED);
	assert_int_equal(hotspot_attach_command(fake.pid, "threaddump", NULL, FAKE_TIMEOUT_MS, &r),
			 -ECONNREFUSED);
}

static void test_fake_stale_socket_replaced(void **state)
{
	static const char want[] = "1\0threaddump\0\0\0";
	struct attach_reply r;
	char c = 0;

	(void)state;
	fake_start(FAKE_STALE);
	assert_int_equal(hotspot_attach_command(fake.pid, "threaddump", NULL, FAKE_TIMEOUT_MS, &r), 0);
	assert_int_equal(read(fake.report_fd, &c, 1), 1);
	assert_int_equal(c, 'q');
	assert_int_equal(r.len, sizeof(want));
	assert_memory_equal(r.output, want, sizeof(want));
	attach_reply_free(&r);
}

static void test_fake_foreign_socket_owner(void **state)
{
	struct attach_reply r;
	char path[108];

	(void)state;
	if (!test_require_root())
		return;
	fake_start(FAKE_ECHO);
	jvm_fixture_socket_path(fake.pid, path, sizeof(path));
	assert_int_equal(lchown(path, 4242, 4242), 0);
	assert_int_equal(hotspot_attach_command(fake.pid, "threaddump", NULL, FAKE_TIMEOUT_MS, &r), -ENOTSOCK);
}

static bool path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void test_fake_no_socket_signals_and_cleans_up(void **state)
{
	struct attach_reply r;
	char path[4200], c = 0;

	(void)state;
	fake_start(FAKE_NO_SOCKET);
	assert_int_equal(hotspot_attach_command(fake.pid, "threaddump", NULL, FAKE_TIMEOUT_MS, &r), -ETIMEDOUT);
	assert_int_equal(read(fake.report_fd, &c, 1), 1);
	assert_int_equal(c, 'q');
	/* The trigger file went into the target's cwd, and is gone again. */
	snprintf(path, sizeof(path), "%s/.attach_pid%d", fake.dir, (int)fake.pid);
	assert_false(path_exists(path));
	snprintf(path, sizeof(path), "/tmp/.attach_pid%d", (int)fake.pid);
	assert_false(path_exists(path));
	assert_int_equal(kill(fake.pid, 0), 0);
}

static void test_fake_without_sigquit_handler_is_spared(void **state)
{
	struct attach_reply r;

	(void)state;
	fake_start(FAKE_NO_HANDLER);
	assert_int_equal(hotspot_attach_command(fake.pid, "threaddump", NULL, FAKE_TIMEOUT_MS, &r), -ETIMEDOUT);
	/* SIGQUIT would have killed it. */
	assert_int_equal(waitpid(fake.pid, NULL, WNOHANG), 0);
}

/* ------------------------------------------------------------ real JVMs */

static void test_jvm_thread_dump(void **state)
{
	struct attach_reply r;
	struct jvm_fixture *j;

	(void)state;
	if (!jvm_fixture_require())
		return;
	j = jvm_fixture_start(0, NULL);
	assert_int_equal(hotspot_attach_command(j->pid, "threaddump", NULL, 0, &r), 0);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.output, "\"" JVM_FIXTURE_LONG_NAME "\""));
	attach_reply_free(&r);
	/* Once the listener runs, jcmd commands go through the same socket. */
	assert_int_equal(hotspot_attach_command(j->pid, "jcmd", "Thread.print", 0, &r), 0);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.output, "Full thread dump"));
	assert_non_null(strstr(r.output, JVM_FIXTURE_LONG_NAME));
	assert_non_null(strstr(r.output, "java.lang.Thread.State"));
	attach_reply_free(&r);
	/* The header lines only: every line a thread's, no stack lines. */
	assert_int_equal(hotspot_thread_headers(j->pid, 0, &r), 0);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.output, "\"" JVM_FIXTURE_LONG_NAME "\""));
	assert_null(strstr(r.output, "java.lang.Thread.State"));
	for (const char *l = r.output; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l))
		assert_int_equal(*l, '"');
	attach_reply_free(&r);
	/* An unknown command is the JVM's error, not ours. */
	assert_int_equal(hotspot_attach_command(j->pid, "jcmd", "No.such.command", 0, &r), 0);
	assert_int_not_equal(r.status, 0);
	attach_reply_free(&r);
}

/* A socket file of an earlier JVM with the same pid (a restarted container
 * that kept /tmp) must not block attaching to the new one. */
/* The socket a killed JVM with the same pid left behind: bound, closed. */
static void stale_socket_plant(pid_t pid)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int s;

	jvm_fixture_socket_path(pid, addr.sun_path, sizeof(addr.sun_path));
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&addr, sizeof(addr)), 0);
	close(s);
}

static void test_jvm_stale_socket(void **state)
{
	struct attach_reply r;
	struct jvm_fixture *j;

	(void)state;
	if (!jvm_fixture_require())
		return;
	j = jvm_fixture_start(0, NULL);
	stale_socket_plant(j->pid);
	assert_int_equal(hotspot_attach_command(j->pid, "threaddump", NULL, 0, &r), 0);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.output, JVM_FIXTURE_LONG_NAME));
	attach_reply_free(&r);
}

static void test_jvm_perf_map(void **state)
{
	char path[64];
	struct jvm_fixture *j;

	(void)state;
	if (!jvm_fixture_require())
		return;
	j = jvm_fixture_start(0, NULL);
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)j->pid);
	unlink(path);
	assert_int_equal(hotspot_write_perf_map(j->pid, 0), 0);
	assert_true(path_exists(path));
	unlink(path);
}

static void test_jvm_container(void **state)
{
	struct proc_status st;
	struct attach_reply r;
	char path[128];
	struct jvm_fixture *j;

	(void)state;
	if (!jvm_fixture_require())
		return;
	j = jvm_fixture_start(0, &(struct jvm_fixture_opts){ .container = true });
	assert_int_equal(hotspot_attach_command(j->pid, "jcmd", "Thread.print", 0, &r), 0);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.output, JVM_FIXTURE_LONG_NAME));
	attach_reply_free(&r);
	/* The map lands in the container's own /tmp, named by its pid there. */
	assert_int_equal(proc_status_read(j->pid, &st), 0);
	assert_int_not_equal(st.nspid, j->pid);
	assert_int_equal(hotspot_write_perf_map(j->pid, 0), 0);
	snprintf(path, sizeof(path), "/proc/%d/root/tmp/perf-%d.map", (int)j->pid, (int)st.nspid);
	assert_true(path_exists(path));
}

static void test_jvm_attach_disabled(void **state)
{
	static const char *const opts[] = { "-XX:+DisableAttachMechanism", NULL };
	struct attach_reply r;
	struct jvm_fixture *j;

	(void)state;
	if (!jvm_fixture_require())
		return;
	j = jvm_fixture_start(0, &(struct jvm_fixture_opts){ .java_opts = opts });
	assert_int_equal(hotspot_attach_command(j->pid, "threaddump", NULL, 0, &r), -ETIMEDOUT);
	assert_int_equal(hotspot_write_perf_map(j->pid, 0), -ETIMEDOUT);
}

/* Disabled where tmprof cannot see it (a flags file): the full trigger,
 * SIGQUIT and wait, which must still end in time and clean up. */
static void test_jvm_attach_disabled_hidden(void **state)
{
	char opt[4400], flags[4300], trigger[4300];
	const char *opts[] = { opt, NULL };
	struct attach_reply r;
	struct jvm_fixture *j;
	FILE *f;

	(void)state;
	if (!jvm_fixture_require())
		return;
	snprintf(flags, sizeof(flags), "%s/flags", jvm_fixture_dir());
	f = fopen(flags, "w");
	assert_non_null(f);
	fputs("+DisableAttachMechanism\n", f);
	fclose(f);
	snprintf(opt, sizeof(opt), "-XX:Flags=%s", flags);
	j = jvm_fixture_start(1, &(struct jvm_fixture_opts){ .java_opts = opts });
	assert_int_equal(hotspot_attach_command(j->pid, "threaddump", NULL, 0, &r), -ETIMEDOUT);
	snprintf(trigger, sizeof(trigger), "%s/.attach_pid%d", j->work, (int)j->pid);
	assert_false(path_exists(trigger));
	/* A dead JVM's socket under its pid (pids wrap) changes nothing: the
	 * refusal is the dead JVM's, the reason is still that this one never
	 * answers. Seen in CI after 32768 pids. */
	stale_socket_plant(j->pid);
	assert_int_equal(hotspot_attach_command(j->pid, "threaddump", NULL, 0, &r), -ETIMEDOUT);
	assert_false(path_exists(trigger));
	/* SIGQUIT made it print a thread dump, and it lives on. */
	assert_int_equal(waitpid(j->launcher, NULL, WNOHANG), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_parse_ok),
		cmocka_unit_test(test_reply_parse_nul_bytes),
		cmocka_unit_test(test_reply_parse_garbage),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_target_gone),
		cmocka_unit_test_teardown(test_fake_silent_times_out, fake_teardown),
		cmocka_unit_test_teardown(test_fake_garbage, fake_teardown),
		cmocka_unit_test_teardown(test_fake_request_format, fake_teardown),
		cmocka_unit_test_teardown(test_fake_request_empty_arg, fake_teardown),
		cmocka_unit_test_teardown(test_fake_refused, fake_teardown),
		cmocka_unit_test_teardown(test_fake_stale_socket_replaced, fake_teardown),
		cmocka_unit_test_teardown(test_fake_foreign_socket_owner, fake_teardown),
		cmocka_unit_test_teardown(test_fake_no_socket_signals_and_cleans_up, fake_teardown),
		cmocka_unit_test_teardown(test_fake_without_sigquit_handler_is_spared, fake_teardown),
		cmocka_unit_test_teardown(test_jvm_thread_dump, jvm_fixture_teardown),
		cmocka_unit_test_teardown(test_jvm_stale_socket, jvm_fixture_teardown),
		cmocka_unit_test_teardown(test_jvm_perf_map, jvm_fixture_teardown),
		cmocka_unit_test_teardown(test_jvm_container, jvm_fixture_teardown),
		cmocka_unit_test_teardown(test_jvm_attach_disabled, jvm_fixture_teardown),
		cmocka_unit_test_teardown(test_jvm_attach_disabled_hidden, jvm_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, jvm_fixture_group_setup, jvm_fixture_group_teardown);
}
