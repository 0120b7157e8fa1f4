// SPDX-License-Identifier: GPL-2.0
/* Why a BPF object failed to load, in one line a user can act on.
 *
 * libbpf returns -EACCES both when the caller lacks privileges and when the
 * verifier rejects a program, so the errno alone cannot tell "run as root"
 * from "tmprof has a bug on this kernel". libbpf prints the verifier's log
 * (it retries a failed load with logging on) through its print callback:
 * this module keeps what it needs of those messages and explains the
 * failure from them.
 */
#ifndef TMPROF_AGENT_BPF_LOAD_H
#define TMPROF_AGENT_BPF_LOAD_H

#include <stdbool.h>
#include <stddef.h>

/* Where users report a verifier rejection; a packager may point it at
 * their own tracker (make CFLAGS+=-DTMPROF_REPORT_URL=...). */
#ifndef TMPROF_REPORT_URL
#define TMPROF_REPORT_URL "tmprof's issue tracker"
#endif

#define BPF_LOAD_PROG_LEN 64
#define BPF_LOAD_LINE_LEN 256

/* What one libbpf message says about a failed program load. */
struct bpf_load_failure {
	char prog[BPF_LOAD_PROG_LEN];     /* program name, "" if none was named */
	char verifier[BPF_LOAD_LINE_LEN]; /* the verifier's last meaningful line */
	bool has_log;                     /* a verifier log was seen */
};

/* Install the capturing libbpf print callback. Messages are still printed
 * with -v (log_verbose): the whole verifier log included. Idempotent. */
void bpf_load_capture(void);
/* Forget what earlier loads left (doctor loads several objects in turn). */
void bpf_load_reset(void);
/* What the capture saw since the last reset. */
const struct bpf_load_failure *bpf_load_last(void);
/* The first libbpf warning line since the last reset, without "libbpf: " ("" if none). */
const char *bpf_load_first_warning(void);

/* Pure, for tests: take one libbpf message into *f. A program load failure
 * ("prog 'X': BPF program load failed: ...") names the program; a verifier
 * log ("prog 'X': -- BEGIN PROG LOAD LOG --" ... "-- END PROG LOAD LOG --")
 * gives its last meaningful line: the verifier's statistics ("processed N
 * insns", "verification time", "stack depth") are skipped. Returns true if
 * the message was one of those. */
bool bpf_load_parse_message(const char *msg, struct bpf_load_failure *f);

/* Pure, for tests: the one-line explanation of a failed load of `what`
 * (e.g. "-e wall", "tmprof leak") with errno err (negative), on kernel
 * `release`. `privileged` is root / CAP_BPF+CAP_PERFMON / CAP_SYS_ADMIN.
 * A verifier log means a rejection, reported as such with a request to
 * report it, never as a permission problem; only EPERM/EACCES without
 * privileges says to run as root. */
void bpf_load_explain(const struct bpf_load_failure *f, const char *first_warning, const char *what,
		      int err, const char *release, bool privileged, char *buf, size_t len);

/* Root, or CAP_BPF + CAP_PERFMON, or CAP_SYS_ADMIN in the effective set. */
bool bpf_load_privileged(void);

/* Print the explanation for the captured failure (log_error); returns the
 * exit code, EXIT_NO_BPF. */
int bpf_load_report(const char *what, int err);

#endif
