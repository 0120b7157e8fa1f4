// SPDX-License-Identifier: GPL-2.0
/* tmprof list: formatting (table, JSON), arguments, exit codes. jvm_list is
 * wrapped so that the host's real JVMs do not matter. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/cli/cmd_list.h"
#include "agent/core/exit_codes.h"

/* ------------------------------------------------------------ jvm_list mock */

int __real_jvm_list(struct jvm_info **out, size_t *count);
int __wrap_jvm_list(struct jvm_info **out, size_t *count);

static const struct jvm_info *mock_jvms;
static size_t mock_count;
static int mock_err;
static bool mock_real;

int __wrap_jvm_list(struct jvm_info **out, size_t *count)
{
	if (mock_real)
		return __real_jvm_list(out, count);
	if (mock_err)
		return mock_err;
	*out = calloc(mock_count + 1, sizeof(**out));
	assert_non_null(*out);
	if (mock_count)
		memcpy(*out, mock_jvms, mock_count * sizeof(**out));
	*count = mock_count;
	return 0;
}

/* The mocked JVMs' pids may be real processes here: their sources are
 * made up from the pid (4082: hotspot, 5000: none, others: perfmap). */
void __real_java_source_probe(const struct jvm_info *j, struct java_source_info *out);
void __wrap_java_source_probe(const struct jvm_info *j, struct java_source_info *out);

void __wrap_java_source_probe(const struct jvm_info *j, struct java_source_info *out)
{
	if (mock_real) {
		__real_java_source_probe(j, out);
		return;
	}
	java_source_decide(j->pid == 4082 ? 0 : -ENOENT, j->pid != 5000, j->attach_disabled, out);
}

static int mock_reset(void **state)
{
	(void)state;
	mock_jvms = NULL;
	mock_count = 0;
	mock_err = 0;
	mock_real = false;
	return 0;
}

static struct jvm_info sample[3];

static void sample_init(void)
{
	memset(sample, 0, sizeof(sample));
	sample[0] = (struct jvm_info){ .pid = 4082, .nspid = 4082, .uid = 1000, .gid = 1000, .kind = JVM_TM_STANDALONE,
				       .pfp = PFP_ON };
	strcpy(sample[0].main_class, "org.apache.flink.runtime.taskexecutor.TaskManagerRunner");
	strcpy(sample[0].jdk_version, "17.0.21.1");
	strcpy(sample[0].resource_id, "tm-1");
	sample[1] = (struct jvm_info){ .pid = 5000, .nspid = 7, .uid = 0, .kind = JVM_TM_KUBERNETES,
				       .in_container = true, .pfp = PFP_OFF, .attach_disabled = true };
	strcpy(sample[1].main_class, "org.apache.flink.kubernetes.taskmanager.KubernetesTaskExecutorRunner");
	sample[2] = (struct jvm_info){ .pid = 6000, .nspid = 6000, .uid = 1, .kind = JVM_OTHER, .pfp = PFP_UNKNOWN };
	strcpy(sample[2].main_class, "-jar /opt/app \"x\"\\y.jar");
	strcpy(sample[2].jdk_version, "21");
}

/* ------------------------------------------------------------ output capture */

static char *print_to_string(const struct jvm_info *jvms, size_t n, bool json, bool all)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(cmd_list_print(f, jvms, NULL, n, json, all), 0);
	fclose(f);
	return buf;
}

static char *read_fd(int fd)
{
	char *buf = calloc(1, 65536);
	ssize_t n;

	assert_non_null(buf);
	assert_true(lseek(fd, 0, SEEK_SET) == 0);
	n = read(fd, buf, 65535);
	assert_true(n >= 0);
	return buf;
}

/* Run cmd_list with stdout going to a temporary file; returns its output. */
static char *run_list(int argc, char **argv, int *rc)
{
	char path[] = "/tmp/tmprof-test-listout-XXXXXX";
	int fd = mkstemp(path), saved;
	char *out;

	assert_true(fd >= 0);
	unlink(path);
	fflush(stdout);
	saved = dup(1);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, 1), 1);
	*rc = cmd_list(argc, argv);
	fflush(stdout);
	assert_int_equal(dup2(saved, 1), 1);
	close(saved);
	out = read_fd(fd);
	close(fd);
	return out;
}

/* ------------------------------------------------------------------ tests */

static void test_table(void **state)
{
	char *out;

	(void)state;
	sample_init();
	out = print_to_string(sample, 3, false, false);
	assert_true(strncmp(out, "PID", 3) == 0);
	assert_non_null(strstr(out, "KIND"));
	assert_non_null(strstr(out, "CONTAINER"));
	assert_non_null(strstr(out, "PFP"));
	assert_non_null(strstr(out, "MAIN\n"));
	/* Four lines: the header and one per JVM, in the order given. */
	assert_non_null(strstr(out, "\n4082 "));
	assert_true(strstr(out, "\n4082 ") < strstr(out, "\n5000 "));
	assert_true(strstr(out, "\n5000 ") < strstr(out, "\n6000 "));
	assert_non_null(strstr(out, "JAVA    MAIN\n"));
	assert_non_null(strstr(out, "TaskManager (standalone) 17.0.21.1    no        on  ?       tm-1\n"));
	assert_non_null(strstr(out, "TaskManager (Kubernetes) ?            yes       off ?       "
				    "org.apache.flink.kubernetes.taskmanager.KubernetesTaskExecutorRunner\n"));
	assert_non_null(strstr(out, "other JVM                21           no        ?   ?       -jar /opt/app \"x\"\\y.jar\n"));
	free(out);
}

static void test_table_all_columns(void **state)
{
	char *out;

	(void)state;
	sample_init();
	out = print_to_string(sample, 3, false, true);
	assert_non_null(strstr(out, "NSPID"));
	assert_non_null(strstr(out, "UID"));
	assert_non_null(strstr(out, "ATTACH"));
	assert_non_null(strstr(out, "RESOURCE-ID"));
	/* Both the resource id and the main class of the TaskManager. */
	assert_non_null(strstr(out, "4082     1000   enabled  tm-1                 "
				    "org.apache.flink.runtime.taskexecutor.TaskManagerRunner\n"));
	assert_non_null(strstr(out, "7        0      disabled -"));
	free(out);
}

static void test_empty(void **state)
{
	char *out;

	(void)state;
	out = print_to_string(NULL, 0, false, false);
	assert_string_equal(out, "no JVMs found\n");
	free(out);
	out = print_to_string(NULL, 0, true, false);
	assert_string_equal(out, "[]\n");
	free(out);
}

static void test_json(void **state)
{
	char *out;

	(void)state;
	sample_init();
	out = print_to_string(sample, 2, true, false);
	assert_string_equal(out,
			    "[\n"
			    "  {\"pid\": 4082, \"nspid\": 4082, \"uid\": 1000, \"gid\": 1000, "
			    "\"kind\": \"taskmanager-standalone\", \"taskmanager\": true, \"jdk\": \"17.0.21.1\", "
			    "\"container\": false, \"pfp\": \"on\", \"attach_disabled\": false, "
			    "\"main_class\": \"org.apache.flink.runtime.taskexecutor.TaskManagerRunner\", "
			    "\"resource_id\": \"tm-1\", \"java_frames\": \"?\", \"java_frames_why\": null},\n"
			    "  {\"pid\": 5000, \"nspid\": 7, \"uid\": 0, \"gid\": 0, "
			    "\"kind\": \"taskmanager-kubernetes\", \"taskmanager\": true, \"jdk\": null, "
			    "\"container\": true, \"pfp\": \"off\", \"attach_disabled\": true, "
			    "\"main_class\": \"org.apache.flink.kubernetes.taskmanager.KubernetesTaskExecutorRunner\", "
			    "\"resource_id\": null, \"java_frames\": \"?\", \"java_frames_why\": null}\n"
			    "]\n");
	free(out);
}

static void test_json_escaping(void **state)
{
	struct jvm_info j;
	char *out;

	(void)state;
	sample_init();
	j = sample[2];
	/* Quote, backslash, control characters, valid UTF-8, then a lone
	 * continuation byte and a truncated sequence. */
	strcpy(j.main_class, "a\"b\\c\td\x01" "e\x7f" "\xc3\xa9" "\x80" "\xe2\x82");
	out = print_to_string(&j, 1, true, false);
	assert_non_null(strstr(out, "\"main_class\": \"a\\\"b\\\\c\\u0009d\\u0001e\\u007f\xc3\xa9\\ufffd\\ufffd\\ufffd\""));
	assert_non_null(strstr(out, "\"kind\": \"other\", \"taskmanager\": false"));
	assert_non_null(strstr(out, "\"pfp\": \"unknown\""));
	free(out);
}

/* The JAVA column and, below the table, why for every JVM not on hotspot. */
static void test_java_sources(void **state)
{
	struct java_source_info src[3];
	char *buf = NULL, *line;
	size_t len = 0;
	FILE *f;

	(void)state;
	sample_init();
	java_source_decide(0, true, false, &src[0]);
	java_source_decide(-ENOENT, false, true, &src[1]);
	java_source_decide(-ERANGE, true, false, &src[2]);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(cmd_list_print(f, sample, src, 3, false, false), 0);
	fclose(f);
	assert_non_null(strstr(buf, "17.0.21.1    no        on  hotspot tm-1\n"));
	assert_non_null(strstr(buf, "?            yes       off none    org.apache"));
	assert_non_null(strstr(buf, "21           no        ?   perfmap -jar"));
	assert_null(strstr(buf, "PID 4082: Java frames"));
	line = strstr(buf, "PID 5000: Java frames: none: HotSpot unwinding off: ");
	assert_non_null(line);
	assert_non_null(strstr(line, "no Compiler.perfmap in this JDK (JDK 17+)\n"));
	assert_non_null(strstr(buf, "PID 6000: Java frames: perfmap: HotSpot unwinding off: the JVM's "
				    "code cache layout"));
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(cmd_list_print(f, sample, src, 2, true, false), 0);
	fclose(f);
	assert_non_null(strstr(buf, "\"java_frames\": \"hotspot\", \"java_frames_why\": null}"));
	assert_non_null(strstr(buf, "\"java_frames\": \"none\", \"java_frames_why\": \"HotSpot"));
	free(buf);
}

/* hotspot whenever the unwinder can; the perf map only with attach. */
static void test_java_source_decide(void **state)
{
	struct java_source_info js;

	(void)state;
	java_source_decide(0, false, true, &js);
	assert_int_equal(js.source, JAVA_SOURCE_HOTSPOT);
	assert_string_equal(js.why, "");
	java_source_decide(-ENOENT, true, false, &js);
	assert_int_equal(js.source, JAVA_SOURCE_PERFMAP);
	assert_non_null(strstr(js.why, "vmStructs"));
	java_source_decide(-ENOENT, true, true, &js);
	assert_int_equal(js.source, JAVA_SOURCE_NONE);
	assert_non_null(strstr(js.why, "DisableAttachMechanism"));
	java_source_decide(-EFAULT, false, false, &js);
	assert_int_equal(js.source, JAVA_SOURCE_NONE);
	assert_non_null(strstr(js.why, "cannot be read"));
	assert_string_equal(java_source_name(JAVA_SOURCE_UNKNOWN), "?");
}

/* The probe's file test on real files. */
static void test_java_source_fd_has(void **state)
{
	char path[] = "/tmp/tmprof-test-libjvm-XXXXXX";
	int fd = mkstemp(path);
	static const char text[] = "\x7f" "ELF...Compiler.perfmap\0...";

	(void)state;
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(java_source_fd_has(fd, "Compiler.perfmap"), -EINVAL); /* empty */
	assert_int_equal(write(fd, text, sizeof(text)), (ssize_t)sizeof(text));
	assert_int_equal(java_source_fd_has(fd, "Compiler.perfmap"), 1);
	assert_int_equal(java_source_fd_has(fd, "Compiler.codelist"), 0);
	close(fd);
}

static void test_print_write_error(void **state)
{
	FILE *f = fopen("/dev/full", "w");

	(void)state;
	if (!f)
		skip();
	sample_init();
	assert_int_equal(cmd_list_print(f, sample, NULL, 3, false, false), -EIO);
	fclose(f);
}

static void test_args(void **state)
{
	char *bad[] = { "list", "--bogus", NULL };
	char *help[] = { "list", "--help", NULL };
	char *out;
	int rc;

	(void)state;
	out = run_list(2, bad, &rc);
	assert_int_equal(rc, EXIT_USAGE);
	assert_string_equal(out, "");
	free(out);
	out = run_list(2, help, &rc);
	assert_int_equal(rc, EXIT_OK);
	assert_non_null(strstr(out, "usage: tmprof list"));
	free(out);
}

static void test_run_mocked(void **state)
{
	char *argv[] = { "list", NULL };
	char *json[] = { "list", "--json", "--all", NULL };
	char *out;
	int rc;

	(void)state;
	sample_init();
	mock_jvms = sample;
	mock_count = 3;
	out = run_list(1, argv, &rc);
	assert_int_equal(rc, EXIT_OK);
	assert_true(strncmp(out, "PID ", 4) == 0);
	assert_non_null(strstr(out, "\n6000 "));
	/* Every JVM probed: the mock's answers are in the table. */
	assert_non_null(strstr(out, " on  hotspot tm-1\n"));
	assert_non_null(strstr(out, "\nPID 6000: Java frames: perfmap: "));
	free(out);
	out = run_list(3, json, &rc);
	assert_int_equal(rc, EXIT_OK);
	assert_true(out[0] == '[');
	assert_non_null(strstr(out, "\"pid\": 6000"));
	free(out);

	mock_count = 0;
	out = run_list(1, argv, &rc);
	assert_int_equal(rc, EXIT_OK);
	assert_string_equal(out, "no JVMs found\n");
	free(out);

	mock_err = -EACCES;
	out = run_list(1, argv, &rc);
	assert_int_equal(rc, EXIT_NO_TARGET);
	free(out);
}

static void test_run_output_error(void **state)
{
	char *argv[] = { "list", NULL };
	int fd = open("/dev/full", O_WRONLY), saved, rc;

	(void)state;
	if (fd < 0)
		skip();
	sample_init();
	mock_jvms = sample;
	mock_count = 3;
	fflush(stdout);
	saved = dup(1);
	assert_int_equal(dup2(fd, 1), 1);
	rc = cmd_list(1, argv);
	/* Drop what stdio still holds for /dev/full before switching back. */
	clearerr(stdout);
	assert_int_equal(dup2(saved, 1), 1);
	close(saved);
	close(fd);
	assert_int_equal(rc, EXIT_OUTPUT);
}

static void test_run_real_host(void **state)
{
	char *argv[] = { "list", NULL };
	char *out;
	int rc;

	(void)state;
	mock_real = true;
	out = run_list(1, argv, &rc);
	assert_int_equal(rc, EXIT_OK);
	assert_true(strncmp(out, "PID ", 4) == 0 || strcmp(out, "no JVMs found\n") == 0);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_java_sources),
		cmocka_unit_test(test_java_source_decide),
		cmocka_unit_test(test_java_source_fd_has),
		cmocka_unit_test(test_table_all_columns),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_escaping),
		cmocka_unit_test(test_print_write_error),
		cmocka_unit_test_setup(test_args, mock_reset),
		cmocka_unit_test_setup(test_run_mocked, mock_reset),
		cmocka_unit_test_setup(test_run_output_error, mock_reset),
		cmocka_unit_test_setup(test_run_real_host, mock_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
