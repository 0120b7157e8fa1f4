// SPDX-License-Identifier: GPL-2.0
#include "agent/collect/bpf_load.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "agent/core/capabilities.h"
#include "agent/core/exit_codes.h"
#include "agent/core/log.h"


#define LOG_BEGIN "-- BEGIN PROG LOAD LOG --"
#define LOG_END "-- END PROG LOAD LOG --"
#define LOAD_FAILED "BPF program load failed"

static struct bpf_load_failure last_failure;
static char first_warning[BPF_LOAD_LINE_LEN];

/* Copy [s, s + n) into dst as one line: no newline, bounded. */
static void copy_line(char *dst, size_t len, const char *s, size_t n)
{
	if (n >= len)
		n = len - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	while (n && (dst[n - 1] == '\n' || dst[n - 1] == ' ' || dst[n - 1] == '\r'))
		dst[--n] = '\0';
}

/* "prog 'NAME': ..." at the start of msg (after an optional "libbpf: "). */
static bool prog_name_of(const char *msg, char *out, size_t len)
{
	const char *p = strstr(msg, "prog '"), *end;

	if (!p)
		return false;
	p += strlen("prog '");
	end = strchr(p, '\'');
	if (!end)
		return false;
	copy_line(out, len, p, (size_t)(end - p));
	return true;
}

/* Lines the verifier prints after its verdict: statistics, not the reason. */
static bool is_stats_line(const char *s, size_t n)
{
	static const char *const stats[] = {
		"processed ", "verification time", "stack depth", "max_states_per_insn",
		"mark_read", "peak_states",
	};

	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	if (!n)
		return true;
	for (size_t i = 0; i < sizeof(stats) / sizeof(stats[0]); i++)
		if (n >= strlen(stats[i]) && !strncmp(s, stats[i], strlen(stats[i])))
			return true;
	return false;
}

bool bpf_load_parse_message(const char *msg, struct bpf_load_failure *f)
{
	const char *log, *end, *line, *best = NULL;
	size_t best_len = 0;

	if (strstr(msg, LOAD_FAILED)) {
		prog_name_of(msg, f->prog, sizeof(f->prog));
		return true;
	}
	log = strstr(msg, LOG_BEGIN);
	if (!log)
		return false;
	prog_name_of(msg, f->prog, sizeof(f->prog));
	log = strchr(log, '\n');
	log = log ? log + 1 : msg + strlen(msg);
	end = strstr(log, LOG_END);
	if (!end)
		end = log + strlen(log);
	f->has_log = true;
	/* Walk every line; the last one that is not a statistic is the reason. */
	for (line = log; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);

		if (!is_stats_line(line, n)) {
			best = line;
			best_len = n;
		}
		line += n + (nl ? 1 : 0);
	}
	if (best)
		copy_line(f->verifier, sizeof(f->verifier), best, best_len);
	return true;
}

static int capture_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	va_list copy;
	char small[512], *msg = small;
	int n;

	if (level == LIBBPF_DEBUG)
		return 0;
	/* The verifier log arrives as one message that can be megabytes long. */
	va_copy(copy, ap);
	n = vsnprintf(small, sizeof(small), fmt, copy);
	va_end(copy);
	if (n < 0)
		return n;
	if ((size_t)n >= sizeof(small)) {
		msg = malloc((size_t)n + 1);
		if (!msg)
			return -ENOMEM;
		va_copy(copy, ap);
		vsnprintf(msg, (size_t)n + 1, fmt, copy);
		va_end(copy);
	}
	/* The first warning is the cause; later ones are its consequences
	 * ("failed to load object", "failed to load BPF skeleton"). */
	if (!bpf_load_parse_message(msg, &last_failure) && level == LIBBPF_WARN &&
	    !first_warning[0]) {
		const char *w = strncmp(msg, "libbpf: ", 8) ? msg : msg + 8;

		copy_line(first_warning, sizeof(first_warning), w, strcspn(w, "\n"));
	}
	if (log_verbose)
		fputs(msg, stderr);
	if (msg != small)
		free(msg);
	return n;
}

void bpf_load_capture(void)
{
	libbpf_set_print(capture_print);
}

void bpf_load_reset(void)
{
	memset(&last_failure, 0, sizeof(last_failure));
	first_warning[0] = '\0';
}

const struct bpf_load_failure *bpf_load_last(void)
{
	return &last_failure;
}

const char *bpf_load_first_warning(void)
{
	return first_warning;
}

bool bpf_load_privileged(void)
{
	uint64_t caps;

	if (geteuid() == 0)
		return true;
	return capabilities_effective(&caps) == 0 &&
	       (capabilities_has(caps, CAP_SYS_ADMIN) ||
		(capabilities_has(caps, CAP_BPF) && capabilities_has(caps, CAP_PERFMON)));
}

void bpf_load_explain(const struct bpf_load_failure *f, const char *warning, const char *what,
		      int err, const char *release, bool privileged, char *buf, size_t len)
{
	bool perm = err == -EPERM || err == -EACCES;

	if (f->has_log) {
		snprintf(buf, len,
			 "%s: the kernel's BPF verifier rejected program %s on Linux %s: \"%s\"; "
			 "this is a tmprof bug, please report it at %s with the output of the "
			 "same command with -v", what, f->prog[0] ? f->prog : "(unnamed)", release,
			 f->verifier[0] ? f->verifier : "(empty verifier log)", TMPROF_REPORT_URL);
	} else if (perm && !privileged) {
		snprintf(buf, len, "%s: cannot load BPF programs: permission denied; run as root "
			 "(or with CAP_BPF, CAP_PERFMON and CAP_SYS_PTRACE)", what);
	} else if (perm) {
		/* Privileged and still refused: not ours to fix by sudo. Lockdown,
		 * an LSM or seccomp policy, or unprivileged_bpf_disabled in a
		 * user namespace say no before the verifier runs. */
		snprintf(buf, len, "%s: cannot load BPF programs on Linux %s although privileged: "
			 "%s%s%s; check kernel lockdown (/sys/kernel/security/lockdown), LSM or "
			 "seccomp policies, and that this is not an unprivileged container", what,
			 release, strerror(-err), warning && warning[0] ? ": " : "",
			 warning ? warning : "");
	} else {
		snprintf(buf, len, "%s: cannot load BPF programs on Linux %s: %s%s%s; 'tmprof "
			 "doctor' shows what this host supports", what, release, strerror(-err),
			 warning && warning[0] ? ": " : "", warning ? warning : "");
	}
}

int bpf_load_report(const char *what, int err)
{
	struct utsname u;
	char line[1024];

	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "(unknown)");
	bpf_load_explain(&last_failure, first_warning, what, err, u.release, bpf_load_privileged(),
			 line, sizeof(line));
	log_error("%s", line);
	return EXIT_NO_BPF;
}
