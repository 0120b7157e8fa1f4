// SPDX-License-Identifier: GPL-2.0
/* Classifying JVMs: argv shapes, option precedence, versions, and real JVMs
 * (root and a JDK: skipped if missing, failing under CI=true). */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/jvm/jvm_info.h"
#include "jvm_fixture.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static enum jvm_kind kind_of(char *const *argv, int argc, char *main_class)
{
	return jvm_kind_from_argv(argv, argc, main_class, 256);
}

static void test_kind_taskmanagers(void **state)
{
	char *standalone[] = { "java", "-Xmx1g", "-XX:+UseG1GC", "-Dlog.file=/var/log/a b.log", "-classpath",
			       "/opt/flink/lib/*:x.jar", "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
			       "--configDir", "/opt/flink/conf", "-D", "taskmanager.resource-id=tm-1", NULL };
	char *yarn[] = { "/usr/bin/java", "-cp", "a.jar", "-Dx=y", "org.apache.flink.yarn.YarnTaskExecutorRunner",
			 NULL };
	char *k8s[] = { "java", "--class-path", "a:b", "-XX:MaxDirectMemorySize=1g",
			"org.apache.flink.kubernetes.taskmanager.KubernetesTaskExecutorRunner", NULL };
	char main_class[256];

	(void)state;
	assert_int_equal(kind_of(standalone, ARGC(standalone), main_class), JVM_TM_STANDALONE);
	assert_string_equal(main_class, "org.apache.flink.runtime.taskexecutor.TaskManagerRunner");
	assert_int_equal(kind_of(yarn, ARGC(yarn), main_class), JVM_TM_YARN);
	assert_string_equal(main_class, "org.apache.flink.yarn.YarnTaskExecutorRunner");
	assert_int_equal(kind_of(k8s, ARGC(k8s), main_class), JVM_TM_KUBERNETES);
	assert_true(jvm_kind_is_taskmanager(JVM_TM_KUBERNETES));
	assert_false(jvm_kind_is_taskmanager(JVM_OTHER));
	assert_false(jvm_kind_is_taskmanager(JVM_NOT_JAVA));
}

static void test_kind_options_with_values(void **state)
{
	/* Each of these would be taken for the main class if its value were not skipped. */
	char *a[] = { "java", "-p", "mods", "--module-path", "mods2", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
		      "--add-exports", "java.base/x=ALL", "--add-modules", "ALL-SYSTEM", "--add-reads", "a=b",
		      "--patch-module", "m=p", "--limit-modules", "m", "--upgrade-module-path", "u",
		      "--enable-native-access", "ALL-UNNAMED", "-cp", "c",
		      "org.apache.flink.runtime.taskexecutor.TaskManagerRunner", NULL };
	/* "--opt=value" is one argument. */
	char *b[] = { "java", "--add-opens=java.base/java.util=ALL-UNNAMED", "--class-path=x", "Main", "arg", NULL };
	char main_class[256];

	(void)state;
	assert_int_equal(kind_of(a, ARGC(a), main_class), JVM_TM_STANDALONE);
	assert_int_equal(kind_of(b, ARGC(b), main_class), JVM_OTHER);
	assert_string_equal(main_class, "Main");
}

static void test_kind_jar_and_modules(void **state)
{
	char *jar[] = { "java", "-Xss1m", "-jar", "/opt/app/app.jar", "--port", "80", NULL };
	char *mod[] = { "java", "-m", "flink.tm/org.apache.flink.yarn.YarnTaskExecutorRunner", NULL };
	char *mod_eq[] = { "java", "--module=m/org.apache.flink.runtime.taskexecutor.TaskManagerRunner", NULL };
	char *mod_long[] = { "java", "--module", "m/a.B", NULL };
	char *mod_only[] = { "java", "-m", "just.a.module", NULL };
	char *mod_missing[] = { "java", "-m", NULL };
	char *jar_missing[] = { "java", "-jar", NULL };
	char main_class[256];

	(void)state;
	assert_int_equal(kind_of(jar, ARGC(jar), main_class), JVM_OTHER);
	assert_string_equal(main_class, "-jar /opt/app/app.jar");
	assert_int_equal(kind_of(mod, ARGC(mod), main_class), JVM_TM_YARN);
	assert_string_equal(main_class, "org.apache.flink.yarn.YarnTaskExecutorRunner");
	assert_int_equal(kind_of(mod_eq, ARGC(mod_eq), main_class), JVM_TM_STANDALONE);
	assert_int_equal(kind_of(mod_long, ARGC(mod_long), main_class), JVM_OTHER);
	assert_string_equal(main_class, "a.B");
	assert_int_equal(kind_of(mod_only, ARGC(mod_only), main_class), JVM_OTHER);
	assert_string_equal(main_class, "just.a.module");
	assert_int_equal(kind_of(mod_missing, ARGC(mod_missing), main_class), JVM_OTHER);
	assert_string_equal(main_class, "");
	assert_int_equal(kind_of(jar_missing, ARGC(jar_missing), main_class), JVM_OTHER);
	assert_string_equal(main_class, "");
}

static void test_kind_odd_shapes(void **state)
{
	char *none[] = { "java", "-version", NULL };
	char *dangling[] = { "java", "-cp", NULL };
	char *near[] = { "java", "org.apache.flink.runtime.taskexecutor.TaskManagerRunnerX", NULL };
	char *later[] = { "java", "Foo", "org.apache.flink.runtime.taskexecutor.TaskManagerRunner", NULL };
	char *argfile[] = { "java", "@/tmp/args", "Main", NULL };
	char *empty[] = { NULL };
	char main_class[256], tiny[5];

	(void)state;
	assert_int_equal(kind_of(none, ARGC(none), main_class), JVM_OTHER);
	assert_string_equal(main_class, "");
	assert_int_equal(kind_of(dangling, ARGC(dangling), main_class), JVM_OTHER);
	assert_string_equal(main_class, "");
	assert_int_equal(kind_of(near, ARGC(near), main_class), JVM_OTHER);
	/* Application arguments after the main class are not the main class. */
	assert_int_equal(kind_of(later, ARGC(later), main_class), JVM_OTHER);
	assert_string_equal(main_class, "Foo");
	assert_int_equal(kind_of(argfile, ARGC(argfile), main_class), JVM_OTHER);
	assert_string_equal(main_class, "Main");
	assert_int_equal(kind_of(empty, 0, main_class), JVM_OTHER);
	assert_int_equal(jvm_kind_from_argv(NULL, 0, main_class, sizeof(main_class)), JVM_OTHER);
	/* Truncated but still classified on the full name. */
	assert_int_equal(jvm_kind_from_argv(later + 1, 2, tiny, sizeof(tiny)), JVM_TM_STANDALONE);
	assert_string_equal(tiny, "org.");
	assert_int_equal(jvm_kind_from_argv(later + 1, 2, NULL, 0), JVM_TM_STANDALONE);
}

static void test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(jvm_kind_name(JVM_TM_STANDALONE), "TaskManager (standalone)");
	assert_string_equal(jvm_kind_name(JVM_TM_YARN), "TaskManager (YARN)");
	assert_string_equal(jvm_kind_name(JVM_TM_KUBERNETES), "TaskManager (Kubernetes)");
	assert_string_equal(jvm_kind_name(JVM_OTHER), "other JVM");
	assert_string_equal(jvm_kind_name((enum jvm_kind)99), "?");
}

#define PFP_ON_OPT "-XX:+PreserveFramePointer"
#define PFP_OFF_OPT "-XX:-PreserveFramePointer"

static void test_pfp_command_line(void **state)
{
	char *none[] = { "java", "-Xmx1g", "Main", NULL };
	char *on[] = { "java", PFP_ON_OPT, "Main", NULL };
	char *on_off[] = { "java", PFP_ON_OPT, "-Xmx1g", PFP_OFF_OPT, "Main", NULL };
	char *off_on[] = { "java", PFP_OFF_OPT, PFP_ON_OPT, "-jar", "x.jar", NULL };
	char *after_main[] = { "java", "Main", PFP_ON_OPT, NULL };
	char *lookalike[] = { "java", "-XX:+PreserveFramePointerX", "-XX:+PreserveFrame", "-XX:PreserveFramePointer",
			      "Main", NULL };
	/* An options file could say anything. */
	char *optfile[] = { "java", PFP_ON_OPT, "-XX:VMOptionsFile=/x", "Main", NULL };
	char *optfile_then[] = { "java", "-XX:Flags=/x", PFP_ON_OPT, "Main", NULL };
	char *argfile[] = { "java", "@args", "Main", NULL };

	(void)state;
	assert_int_equal(jvm_pfp_from_options(none, ARGC(none), NULL, NULL), PFP_OFF);
	assert_int_equal(jvm_pfp_from_options(on, ARGC(on), NULL, NULL), PFP_ON);
	assert_int_equal(jvm_pfp_from_options(on_off, ARGC(on_off), NULL, NULL), PFP_OFF);
	assert_int_equal(jvm_pfp_from_options(off_on, ARGC(off_on), NULL, NULL), PFP_ON);
	assert_int_equal(jvm_pfp_from_options(after_main, ARGC(after_main), NULL, NULL), PFP_OFF);
	assert_int_equal(jvm_pfp_from_options(lookalike, ARGC(lookalike), NULL, NULL), PFP_OFF);
	assert_int_equal(jvm_pfp_from_options(optfile, ARGC(optfile), NULL, NULL), PFP_UNKNOWN);
	assert_int_equal(jvm_pfp_from_options(optfile_then, ARGC(optfile_then), NULL, NULL), PFP_ON);
	assert_int_equal(jvm_pfp_from_options(argfile, ARGC(argfile), NULL, NULL), PFP_UNKNOWN);
	assert_int_equal(jvm_pfp_from_options(NULL, 0, NULL, NULL), PFP_OFF);
}

static void test_pfp_environment(void **state)
{
	char *plain[] = { "java", "Main", NULL };
	char *on[] = { "java", PFP_ON_OPT, "Main", NULL };
	char *off[] = { "java", PFP_OFF_OPT, "Main", NULL };

	(void)state;
	assert_int_equal(jvm_pfp_from_options(plain, ARGC(plain), PFP_ON_OPT, NULL), PFP_ON);
	assert_int_equal(jvm_pfp_from_options(plain, ARGC(plain), NULL, PFP_ON_OPT), PFP_ON);
	/* The command line comes after both variables. */
	assert_int_equal(jvm_pfp_from_options(off, ARGC(off), PFP_ON_OPT, PFP_ON_OPT), PFP_OFF);
	assert_int_equal(jvm_pfp_from_options(on, ARGC(on), PFP_OFF_OPT, PFP_OFF_OPT), PFP_ON);
	/* JDK_JAVA_OPTIONS comes after JAVA_TOOL_OPTIONS. */
	assert_int_equal(jvm_pfp_from_options(plain, ARGC(plain), PFP_OFF_OPT, PFP_ON_OPT), PFP_ON);
	assert_int_equal(jvm_pfp_from_options(plain, ARGC(plain), PFP_ON_OPT, PFP_OFF_OPT), PFP_OFF);
	/* Several options, blanks of all kinds, the last one wins. */
	assert_int_equal(jvm_pfp_from_options(plain, ARGC(plain), "  -Xmx1g\t" PFP_ON_OPT "\n -Dx=y " PFP_OFF_OPT " ",
					      NULL),
			 PFP_OFF);
	/* Quotes group and vanish. */
	assert_int_equal(jvm_pfp_from_options(plain, ARGC(plain), "\"-Dname=a b\" '" PFP_ON_OPT "'", NULL), PFP_ON);
	assert_int_equal(jvm_pfp_from_options(plain, ARGC(plain), "\"-Dx=" PFP_ON_OPT "\"", NULL), PFP_OFF);
	assert_int_equal(jvm_pfp_from_options(plain, ARGC(plain), "-XX:+Preserve\"FramePointer\"", NULL), PFP_ON);
	/* Unterminated quote, empty strings. */
	assert_int_equal(jvm_pfp_from_options(plain, ARGC(plain), "'" PFP_ON_OPT, NULL), PFP_ON);
	assert_int_equal(jvm_pfp_from_options(plain, ARGC(plain), "", ""), PFP_OFF);
}

static void test_pfp_long_tokens(void **state)
{
	char *plain[] = { "java", "Main", NULL };
	char opts[1200];

	(void)state;
	/* A very long option, then the flag. */
	memset(opts, 'x', 1000);
	snprintf(opts + 1000, sizeof(opts) - 1000, " %s", PFP_ON_OPT);
	assert_int_equal(jvm_pfp_from_options(plain, ARGC(plain), opts, NULL), PFP_ON);
	/* A very long option that starts like the flag is not the flag. */
	snprintf(opts, sizeof(opts), "%s", PFP_ON_OPT);
	memset(opts + strlen(PFP_ON_OPT), 'x', 500);
	opts[strlen(PFP_ON_OPT) + 500] = '\0';
	assert_int_equal(jvm_pfp_from_options(plain, ARGC(plain), opts, NULL), PFP_OFF);
}

static void test_version_from_release(void **state)
{
	static const char release[] = "IMPLEMENTOR=\"Debian\"\n"
				      "JAVA_RUNTIME_VERSION=\"17.0.21.1+2-1-deb12u1-Debian\"\n"
				      "JAVA_VERSION_DATE=\"2026-11-17\"\n"
				      "JAVA_VERSION=\"17.0.21.1\"\n"
				      "LIBC=\"gnu\"\n";
	char v[64], tiny[4];

	(void)state;
	assert_true(jvm_version_from_release(release, sizeof(release) - 1, v, sizeof(v)));
	assert_string_equal(v, "17.0.21.1");
	assert_true(jvm_version_from_release("JAVA_VERSION=\"1.8.0_392\"", 24, v, sizeof(v)));
	assert_string_equal(v, "1.8.0_392");
	assert_true(jvm_version_from_release("JAVA_VERSION=21\r\n", 17, v, sizeof(v)));
	assert_string_equal(v, "21");
	assert_false(jvm_version_from_release("JAVA_VERSION=\"\"\n", 16, v, sizeof(v)));
	assert_false(jvm_version_from_release("JAVA_VERSION_DATE=\"2026\"\n", 25, v, sizeof(v)));
	assert_false(jvm_version_from_release("", 0, v, sizeof(v)));
	assert_false(jvm_version_from_release("JAVA_VERSION=\"17.0.1\"", 21, tiny, sizeof(tiny)));
	assert_false(jvm_version_from_release("JAVA_VERSION=\"1\0\"", 17, v, sizeof(v)));
}

static void test_version_from_path(void **state)
{
	char v[64];

	(void)state;
	assert_true(jvm_version_from_path("/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so", v, sizeof(v)));
	assert_string_equal(v, "17");
	assert_true(jvm_version_from_path("/opt/jdk-17.0.2+8/lib/server/libjvm.so", v, sizeof(v)));
	assert_string_equal(v, "17.0.2+8");
	assert_true(jvm_version_from_path("/usr/lib/jvm/jdk1.8.0_292/jre/lib/amd64/server/libjvm.so", v, sizeof(v)));
	assert_string_equal(v, "1.8.0_292");
	assert_true(jvm_version_from_path("/usr/lib/jvm/temurin-21-jdk-amd64/lib/server/libjvm.so", v, sizeof(v)));
	assert_string_equal(v, "21");
	assert_true(jvm_version_from_path("/nix/store/abc123-openjdk-11.0.19/lib/server/libjvm.so", v, sizeof(v)));
	assert_string_equal(v, "11.0.19");
	assert_false(jvm_version_from_path("/opt/vm/lib/server/libjvm.so", v, sizeof(v)));
	assert_false(jvm_version_from_path("", v, sizeof(v)));
}

static void test_info_not_a_jvm(void **state)
{
	struct jvm_info info;

	(void)state;
	assert_int_equal(jvm_info_read(getpid(), &info), -ENOENT);
	assert_int_equal(jvm_info_read(jvm_fixture_dead_pid(), &info), -ESRCH);
}

/* ------------------------------------------------------------ real JVMs */

/* What `java` says its version is, for comparison with the release file. */
static void java_version(char *out, size_t len)
{
	FILE *p = popen("java -XshowSettings:properties -version 2>&1", "r");
	char line[512];

	assert_non_null(p);
	assert_true(len >= 64);
	out[0] = '\0';
	while (fgets(line, sizeof(line), p))
		if (sscanf(line, " java.version = %63s", out) == 1)
			break;
	pclose(p);
	assert_true(out[0] != '\0');
}

/* The release file is read with openat2, which valgrind 3.19 does not know:
 * there only the guess from the path is possible. */
static void assert_jdk_version(const char *got, const char *want)
{
	struct open_how how = { .flags = O_RDONLY | O_DIRECTORY };
	long fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));

	if (fd >= 0) {
		close((int)fd);
		assert_string_equal(got, want);
		return;
	}
	assert_int_equal(errno, ENOSYS);
	assert_true(got[0] && strncmp(want, got, strlen(got)) == 0);
}

static void test_info_real_jvm(void **state)
{
	static const char *const opts[] = { PFP_ON_OPT, "-Dtaskmanager.resource-id=tm-42", NULL };
	struct jvm_info info, *list = NULL;
	char version[64];
	size_t n = 0;
	bool listed = false;
	struct jvm_fixture *j;

	(void)state;
	if (!jvm_fixture_require())
		return;
	java_version(version, sizeof(version));
	/* Both lose to the command line, except the attach switch it does not repeat. */
	j = jvm_fixture_start(0, &(struct jvm_fixture_opts){
		.java_opts = opts,
		.tool_options = PFP_OFF_OPT " -XX:+DisableAttachMechanism",
	});
	assert_int_equal(jvm_info_read(j->pid, &info), 0);
	assert_int_equal(info.pid, j->pid);
	assert_int_equal(info.nspid, j->pid);
	assert_int_equal(info.uid, geteuid());
	assert_int_equal(info.kind, JVM_TM_STANDALONE);
	assert_string_equal(info.main_class, JVM_FIXTURE_MAIN_CLASS);
	assert_string_equal(info.resource_id, "tm-42");
	assert_jdk_version(info.jdk_version, version);
	assert_int_equal(info.pfp, PFP_ON);
	assert_true(info.attach_disabled);
	assert_false(info.in_container);

	assert_int_equal(jvm_list(&list, &n), 0);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			assert_true(list[i - 1].pid < list[i].pid);
		if (list[i].pid == j->pid) {
			listed = true;
			assert_int_equal(list[i].kind, JVM_TM_STANDALONE);
		}
		assert_int_not_equal(list[i].pid, getpid());
	}
	assert_true(listed);
	free(list);
}

static void test_info_container_jvm(void **state)
{
	struct jvm_info info;
	char version[64];
	struct jvm_fixture *j;

	(void)state;
	if (!jvm_fixture_require())
		return;
	java_version(version, sizeof(version));
	j = jvm_fixture_start(0, &(struct jvm_fixture_opts){ .container = true });
	assert_int_equal(jvm_info_read(j->pid, &info), 0);
	assert_true(info.in_container);
	assert_int_not_equal(info.nspid, j->pid);
	assert_int_equal(info.kind, JVM_TM_STANDALONE);
	assert_jdk_version(info.jdk_version, version);
	assert_int_equal(info.pfp, PFP_OFF);
	assert_false(info.attach_disabled);
	assert_string_equal(info.resource_id, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_taskmanagers),
		cmocka_unit_test(test_kind_options_with_values),
		cmocka_unit_test(test_kind_jar_and_modules),
		cmocka_unit_test(test_kind_odd_shapes),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_pfp_command_line),
		cmocka_unit_test(test_pfp_environment),
		cmocka_unit_test(test_pfp_long_tokens),
		cmocka_unit_test(test_version_from_release),
		cmocka_unit_test(test_version_from_path),
		cmocka_unit_test(test_info_not_a_jvm),
		cmocka_unit_test_teardown(test_info_real_jvm, jvm_fixture_teardown),
		cmocka_unit_test_teardown(test_info_container_jvm, jvm_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, jvm_fixture_group_setup, jvm_fixture_group_teardown);
}
