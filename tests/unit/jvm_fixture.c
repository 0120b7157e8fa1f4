// SPDX-License-Identifier: GPL-2.0
#include "jvm_fixture.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "support.h"

/* The long-named thread reports its own idea of its tid (its namespace's)
 * through a file, renamed into place so that it is never read half written;
 * that file is also the sign that the JVM is up. */
static const char java_src[] =
	"package org.apache.flink.runtime.taskexecutor;\n"
	"import java.nio.file.*;\n"
	"public class TaskManagerRunner {\n"
	"  public static void main(String[] a) throws Exception {\n"
	"    Path dir = Paths.get(a[0]);\n"
	"    Thread t = new Thread(() -> {\n"
	"      try {\n"
	"        String self = Files.readSymbolicLink(Paths.get(\"/proc/thread-self\")).toString();\n"
	"        Files.write(dir.resolve(\"tid.tmp\"), self.substring(self.lastIndexOf('/') + 1).getBytes());\n"
	"        Files.move(dir.resolve(\"tid.tmp\"), dir.resolve(\"tid\"));\n"
	"        Thread.sleep(Long.MAX_VALUE);\n"
	"      } catch (Exception e) { }\n"
	"    }, \"tmprof \\\"long\\\" thread nid=0x1 -> Map (1/4)#0 far beyond fifteen chars\");\n"
	"    t.setDaemon(true);\n"
	"    t.start();\n"
	"    Thread.sleep(Long.MAX_VALUE);\n"
	"  }\n"
	"}\n";

static char *java_base;         /* holds classes/ and one work dir per JVM */
static bool java_ok;
static struct jvm_fixture jvms[JVM_FIXTURE_SLOTS];

int jvm_fixture_group_setup(void **state)
{
	char cmd[4300], path[4200];
	FILE *f;

	(void)state;
	/* No JDK is no setup failure: jvm_fixture_require() decides per test. */
	if (system("command -v java >/dev/null 2>&1 && command -v javac >/dev/null 2>&1") != 0)
		return 0;
	java_base = test_mkdtemp();
	snprintf(path, sizeof(path), "%s/TaskManagerRunner.java", java_base);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(java_src, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "javac -d %s/classes %s", java_base, path);
	java_ok = system(cmd) == 0;
	return 0;
}

int jvm_fixture_group_teardown(void **state)
{
	(void)state;
	test_rm_rf(java_base);
	free(java_base);
	java_base = NULL;
	java_ok = false;
	return 0;
}

const char *jvm_fixture_dir(void)
{
	return java_base;
}

bool jvm_fixture_require(void)
{
	if (!test_require_root())
		return false;
	if (java_ok)
		return true;
	if (test_in_ci())
		fail_msg("java/javac missing or failing, and CI=true: failing instead of skipping");
	skip();
	return false;
}

void jvm_fixture_socket_path(pid_t pid, char *buf, size_t len)
{
	snprintf(buf, len, "/tmp/.java_pid%d", (int)pid);
}

pid_t jvm_fixture_dead_pid(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return pid;
}

/* In the child: never returns. Output goes to out.log in the work dir, so
 * that thread dumps the tests provoke do not mix into cmocka's. */
static void jvm_exec(const struct jvm_fixture *j, const struct jvm_fixture_opts *o)
{
	const char *const *opts = o ? o->java_opts : NULL;
	const char *argv[32];
	char script[13000];
	int n = 0;

	/* Dies with the test even when it crashes before its teardown. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (chdir(j->work) < 0)
		_exit(126);
	if (!freopen("out.log", "w", stdout) || dup2(1, 2) < 0)
		_exit(126);
	if (o && o->tool_options)
		setenv("JAVA_TOOL_OPTIONS", o->tool_options, 1);
	if (o && o->container) {
		/* Own pid and mount namespaces, a private /tmp: a container. */
		snprintf(script, sizeof(script),
			 "mount --bind %s /mnt && mount -t tmpfs tmpfs /tmp && cd /mnt/%s && "
			 "exec java -cp /mnt/classes " JVM_FIXTURE_MAIN_CLASS " /mnt/%s",
			 java_base, strrchr(j->work, '/') + 1, strrchr(j->work, '/') + 1);
		execlp("unshare", "unshare", "--mount", "--pid", "--fork", "--mount-proc", "--kill-child",
		       "--propagation", "private", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	argv[n++] = "java";
	for (; opts && *opts && n < 25; opts++)
		argv[n++] = *opts;
	argv[n++] = "-cp";
	snprintf(script, sizeof(script), "%s/classes", java_base);
	argv[n++] = script;
	argv[n++] = JVM_FIXTURE_MAIN_CLASS;
	argv[n++] = j->work;
	argv[n] = NULL;
	execvp("java", (char *const *)argv);
	_exit(127);
}

/* The JVM's host pid when it runs under unshare --fork. */
static pid_t child_of(pid_t parent)
{
	char path[64];
	int pid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)parent, (int)parent);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid;
}

/* Up to 20 s for the tid file; a launcher that exits means the JVM failed. */
static bool jvm_wait_ready(struct jvm_fixture *j)
{
	char path[4300];

	snprintf(path, sizeof(path), "%s/tid", j->work);
	for (int i = 0; i < 400; i++) {
		FILE *f = fopen(path, "r");

		if (f) {
			int tid = 0;
			bool ok = fscanf(f, "%d", &tid) == 1;

			fclose(f);
			j->nstid = tid;
			return ok;
		}
		if (waitpid(j->launcher, NULL, WNOHANG) != 0)
			return false;
		usleep(50 * 1000);
	}
	return false;
}

struct jvm_fixture *jvm_fixture_start(int slot, const struct jvm_fixture_opts *opts)
{
	bool container = opts && opts->container;
	struct jvm_fixture *j;

	assert_true(slot >= 0 && slot < JVM_FIXTURE_SLOTS);
	/* The container's command line is fixed: options would be dropped. */
	assert_true(!container || !opts->java_opts);
	j = &jvms[slot];
	snprintf(j->work, sizeof(j->work), "%s/w%d", java_base, slot);
	assert_int_equal(mkdir(j->work, 0755), 0);
	j->launcher = fork();
	assert_true(j->launcher >= 0);
	if (j->launcher == 0)
		jvm_exec(j, opts);
	assert_true(jvm_wait_ready(j));
	j->pid = container ? child_of(j->launcher) : j->launcher;
	assert_true(j->pid > 0);
	return j;
}

int jvm_fixture_teardown(void **state)
{
	char path[4300];

	(void)state;
	for (int i = 0; i < JVM_FIXTURE_SLOTS; i++) {
		struct jvm_fixture *j = &jvms[i];

		/* Killed directly too: under unshare it is no child of ours,
		 * and --kill-child only signals it once unshare is gone. */
		if (j->pid > 0 && j->pid != j->launcher)
			kill(j->pid, SIGKILL);
		if (j->launcher > 0) {
			kill(j->launcher, SIGKILL);
			waitpid(j->launcher, NULL, 0);
		}
		/* A killed JVM leaves its socket and perf map behind; in a
		 * container they went to its tmpfs, which is gone with it. */
		if (j->pid > 0 && j->pid == j->launcher) {
			jvm_fixture_socket_path(j->pid, path, sizeof(path));
			unlink(path);
			snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)j->pid);
			unlink(path);
		}
		if (j->work[0])
			test_rm_rf(j->work);
		memset(j, 0, sizeof(*j));
	}
	return 0;
}
