// SPDX-License-Identifier: GPL-2.0
/* How a failed BPF load is explained: the verifier's last line out of
 * libbpf's messages, the one-line report for each cause, and a real
 * rejection (tests/unit/bpf/verifier_reject.bpf.c loaded into this kernel
 * as root) reported as a verifier rejection, not as a permission problem. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/libbpf.h>

#include "agent/collect/bpf_load.h"
#include "agent/core/exit_codes.h"
#include "support.h"

/* libbpf 1.x on a 6.x kernel: the log holds the verdict and statistics. */
static const char log_stack[] =
	"libbpf: prog 'on_sched_switch': -- BEGIN PROG LOAD LOG --\n"
	"combined stack size of 2 calls is 608. Too large\n"
	"processed 254678 insns (limit 1000000) max_states_per_insn 72 total_states 11215 "
	"peak_states 16288 mark_read 0\n"
	"-- END PROG LOAD LOG --\n";

/* An older kernel's level-1 log: the instruction trace, the reason, then
 * statistics and a blank line. */
static const char log_trace[] =
	"libbpf: prog 'deref_unchecked': -- BEGIN PROG LOAD LOG --\n"
	"0: R1=ctx(off=0,imm=0) R10=fp0\n"
	"; __u64 *v = bpf_map_lookup_elem(&counts, &zero);\n"
	"4: (85) call bpf_map_lookup_elem#1\n"
	"5: R0_w=map_value_or_null(id=1,off=0,ks=4,vs=8,imm=0)\n"
	"; return (int)*v;\n"
	"5: (79) r0 = *(u64 *)(r0 +0)\n"
	"R0 invalid mem access 'map_value_or_null'\n"
	"processed 6 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 "
	"mark_read 0\n"
	"verification time 23 usec\n"
	"stack depth 4\n"
	"\n"
	"-- END PROG LOAD LOG --\n";

static void test_parse_load_failed_names_program(void **state)
{
	struct bpf_load_failure f = { 0 };

	(void)state;
	assert_true(bpf_load_parse_message(
		"libbpf: prog 'on_sched_switch': BPF program load failed: Permission denied\n", &f));
	assert_string_equal(f.prog, "on_sched_switch");
	assert_false(f.has_log);
}

static void test_parse_log_skips_statistics(void **state)
{
	struct bpf_load_failure f = { 0 };

	(void)state;
	assert_true(bpf_load_parse_message(log_stack, &f));
	assert_true(f.has_log);
	assert_string_equal(f.prog, "on_sched_switch");
	assert_string_equal(f.verifier, "combined stack size of 2 calls is 608. Too large");

	memset(&f, 0, sizeof(f));
	assert_true(bpf_load_parse_message(log_trace, &f));
	assert_string_equal(f.prog, "deref_unchecked");
	assert_string_equal(f.verifier, "R0 invalid mem access 'map_value_or_null'");
}

static void test_parse_other_messages(void **state)
{
	struct bpf_load_failure f = { 0 };

	(void)state;
	assert_false(bpf_load_parse_message("libbpf: failed to load object 'offcpu_bpf'\n", &f));
	assert_false(f.has_log);
	assert_string_equal(f.prog, "");
	/* A log cut short (no END marker) still gives its last line. */
	assert_true(bpf_load_parse_message("prog 'p': -- BEGIN PROG LOAD LOG --\nR1 !read_ok\n", &f));
	assert_string_equal(f.verifier, "R1 !read_ok");
	/* A very long verifier line is cut, not overflowed. */
	{
		char msg[2 * BPF_LOAD_LINE_LEN + 128];
		int n = snprintf(msg, sizeof(msg), "prog 'p': -- BEGIN PROG LOAD LOG --\n");

		memset(msg + n, 'x', 2 * BPF_LOAD_LINE_LEN);
		strcpy(msg + n + 2 * BPF_LOAD_LINE_LEN, "\n-- END PROG LOAD LOG --\n");
		assert_true(bpf_load_parse_message(msg, &f));
		assert_int_equal(strlen(f.verifier), BPF_LOAD_LINE_LEN - 1);
	}
}

static void test_explain_rejection_is_not_permission(void **state)
{
	struct bpf_load_failure f = { 0 };
	char buf[1024];

	(void)state;
	bpf_load_parse_message(log_stack, &f);
	/* Even unprivileged: a verifier log means the verifier ran and said no. */
	for (int privileged = 0; privileged < 2; privileged++) {
		bpf_load_explain(&f, "", "-e wall", -EACCES, "6.1.0-28-cloud-amd64", privileged, buf,
				 sizeof(buf));
		assert_non_null(strstr(buf, "-e wall: the kernel's BPF verifier rejected program "
					    "on_sched_switch on Linux 6.1.0-28-cloud-amd64"));
		assert_non_null(strstr(buf, "\"combined stack size of 2 calls is 608. Too large\""));
		assert_non_null(strstr(buf, "please report it"));
		assert_non_null(strstr(buf, "-v"));
		assert_null(strstr(buf, "root"));
		assert_null(strstr(buf, "permission"));
	}
}

static void test_explain_permission(void **state)
{
	struct bpf_load_failure none = { 0 };
	char buf[1024];

	(void)state;
	bpf_load_explain(&none, "", "-e cpu", -EPERM, "6.1.0", false, buf, sizeof(buf));
	assert_non_null(strstr(buf, "permission denied; run as root"));
	/* Root and refused before the verifier: sudo is not the fix. */
	bpf_load_explain(&none, "Error in bpf_object__probe_loading()", "-e cpu", -EPERM, "6.1.0",
			 true, buf, sizeof(buf));
	assert_null(strstr(buf, "run as root"));
	assert_non_null(strstr(buf, "although privileged"));
	assert_non_null(strstr(buf, "Error in bpf_object__probe_loading()"));
	/* Anything else: the errno, libbpf's first warning, and doctor. */
	bpf_load_explain(&none, "failed to find valid kernel BTF", "tmprof leak", -ESRCH, "5.3.0",
			 true, buf, sizeof(buf));
	assert_non_null(strstr(buf, "tmprof leak: cannot load BPF programs on Linux 5.3.0: "));
	assert_non_null(strstr(buf, "failed to find valid kernel BTF"));
	assert_non_null(strstr(buf, "tmprof doctor"));
}

/* The fixture object sits next to this binary (tests/mk/bpf_fixtures.mk). */
static void fixture_path(char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	assert_true(n > 0);
	self[n] = '\0';
	slash = strrchr(self, '/');
	assert_non_null(slash);
	*slash = '\0';
	snprintf(out, len, "%s/verifier_reject.bpf.o", self);
}

static void test_real_rejection_as_root(void **state)
{
	char path[PATH_MAX + 32], buf[1024];
	struct bpf_object *obj;
	const struct bpf_load_failure *f;
	int err;

	(void)state;
	if (!test_require_root())
		return;
	fixture_path(path, sizeof(path));
	bpf_load_capture();
	bpf_load_reset();
	obj = bpf_object__open_file(path, NULL);
	assert_non_null(obj);
	err = bpf_object__load(obj);
	bpf_object__close(obj);
	/* libbpf returns -EACCES here: the very errno that read as "run as root". */
	assert_true(err < 0);
	f = bpf_load_last();
	assert_true(f->has_log);
	assert_string_equal(f->prog, "deref_unchecked");
	assert_non_null(strstr(f->verifier, "invalid mem access"));
	bpf_load_explain(f, bpf_load_first_warning(), "-e cpu", err, "test", bpf_load_privileged(),
			 buf, sizeof(buf));
	assert_non_null(strstr(buf, "verifier rejected program deref_unchecked"));
	assert_null(strstr(buf, "run as root"));
	assert_int_equal(bpf_load_report("-e cpu", err), EXIT_NO_BPF);
	/* A later clean load starts from nothing. */
	bpf_load_reset();
	assert_false(bpf_load_last()->has_log);
	assert_string_equal(bpf_load_first_warning(), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_load_failed_names_program),
		cmocka_unit_test(test_parse_log_skips_statistics),
		cmocka_unit_test(test_parse_other_messages),
		cmocka_unit_test(test_explain_rejection_is_not_permission),
		cmocka_unit_test(test_explain_permission),
		cmocka_unit_test(test_real_rejection_as_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
