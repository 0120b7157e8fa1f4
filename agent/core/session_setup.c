// SPDX-License-Identifier: GPL-2.0
#include "agent/core/session_setup.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent/collect/bpf_load.h"
#include "agent/core/exit_codes.h"
#include "agent/jvm/jvm_info.h"
#include "agent/collect/kernel_features.h"
#include "agent/core/log.h"
#include "agent/core/session.h"
#include "agent/core/category_rules.h"
#include "agent/core/state_rules.h"

void session_setup_quiet_libbpf(void)
{
	bpf_load_capture();
}

int session_setup_privileges(void)
{
	if (bpf_load_privileged())
		return EXIT_OK;
	log_error("BPF needs privileges: run as root (or with CAP_BPF, CAP_PERFMON and "
		  "CAP_SYS_PTRACE), e.g. sudo tmprof ...");
	return EXIT_NO_BPF;
}

static int add_all_taskmanagers(struct session *s)
{
	struct jvm_info *jvms = NULL;
	size_t njvms = 0, added = 0;
	int err;

	err = jvm_list(&jvms, &njvms);
	if (err) {
		log_error("cannot scan /proc for JVMs: %s", strerror(-err));
		return EXIT_NO_TARGET;
	}
	for (size_t i = 0; i < njvms && added < SESSION_SETUP_MAX_TARGETS; i++) {
		if (!jvm_kind_is_taskmanager(jvms[i].kind))
			continue;
		/* A TaskManager that exits between listing and opening is skipped. */
		err = session_add_target(s, jvms[i].pid);
		if (err == 0)
			added++;
		else if (err != -ESRCH)
			log_warn("PID %d: cannot read the process: %s", jvms[i].pid, strerror(-err));
	}
	free(jvms);
	if (!added) {
		log_error("no TaskManager found on this host; 'tmprof list' shows the JVMs, "
			  "profile one with -p PID");
		return EXIT_NO_TARGET;
	}
	return EXIT_OK;
}

int session_setup_targets(struct session *s, const pid_t *pids, size_t npids, bool all_taskmanagers)
{
	int err;

	if (all_taskmanagers)
		return add_all_taskmanagers(s);
	for (size_t i = 0; i < npids; i++) {
		err = session_add_target(s, pids[i]);
		if (err == -ESRCH || err == -ENOENT) {
			log_error("PID %d: no such process; 'tmprof list' shows the JVMs on this host",
				  pids[i]);
			return EXIT_NO_TARGET;
		}
		if (err) {
			log_error("PID %d: cannot read the process: %s; run as root", pids[i],
				  strerror(-err));
			return err == -EACCES || err == -EPERM ? EXIT_NO_BPF : EXIT_NO_TARGET;
		}
	}
	return EXIT_OK;
}

static void warn_about_target(const struct session *s, const struct target *t)
{
	char buf[512];

	if (!t->is_jvm)
		return;
	if (session_java_stacks_warning(s, t, buf, sizeof(buf)))
		log_warn("PID %d: %s%s", t->pid, buf,
			 target_java_frames_missing(t) ? JAVA_NO_PERF_MAP_TEXT : "");
	else if (target_java_frames_missing(t))
		log_warn("PID %d: --unwind fp on a JVM without Compiler.perfmap (JDK 17+): its "
			 "compiled Java frames stay unnamed; use --unwind auto", t->pid);
	if (t->attach_err)
		log_warn("PID %d: %s; Java frames and full thread names will be missing%s", t->pid,
			 attach_error_text(t->attach_err),
			 t->jvm.attach_disabled ? " (remove -XX:+DisableAttachMechanism)" : "");
}

/* The event kinds a session's -e asks for, and how the user spelled them. */
static unsigned int cli_session_kinds(unsigned int events, char *name, size_t len)
{
	unsigned int kinds = 0;

	/* Event bit i is collector_kinds[i], which says what it needs. */
	for (size_t i = 0; i < collector_nkinds; i++)
		if (events & (1u << i))
			kinds |= collector_kinds[i]->kernel_needs;
	kernel_features_kinds_name(kinds, name, len);
	return kinds;
}

int session_setup_start(struct session *s)
{
	char what[64];
	unsigned int kinds = cli_session_kinds(s->opts.events, what, sizeof(what));
	int err;

	/* Before any skeleton: a kernel that lacks a helper gets its name and
	 * the minimum, not the verifier's "unknown func". */
	if (kernel_features_check(kinds, what) != EXIT_OK)
		return EXIT_NO_BPF;
	bpf_load_reset();
	err = session_start(s);
	if (err == -ENOEXEC) /* reported by the session, with the fix */
		return EXIT_NO_TARGET;
	if (err)
		return bpf_load_report(what, err);
	for (size_t i = 0; i < s->ntargets; i++)
		warn_about_target(s, &s->targets[i]);
	return EXIT_OK;
}

bool session_setup_incomplete(const struct session *s)
{
	for (size_t i = 0; i < s->ntargets; i++)
		if (s->targets[i].exited || s->targets[i].attach_err ||
		    target_java_frames_missing(&s->targets[i]))
			return true;
	return false;
}

int session_setup_rules(const char *path, struct state_rules *rules)
{
	char err[512];

	if (!path)
		return state_rules_default(rules) ? EXIT_INTERNAL : EXIT_OK;
	if (state_rules_load(path, rules, err, sizeof(err))) {
		log_error("--rules %s; fix the file or leave --rules out for Flink's defaults", err);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int session_setup_categories(const char *path, struct category_rules *rules)
{
	char err[512];

	if (!path)
		return category_rules_default(rules) ? EXIT_INTERNAL : EXIT_OK;
	if (category_rules_load(path, rules, err, sizeof(err))) {
		log_error("--categories %s; fix the file or leave --categories out for the defaults",
			  err);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

bool session_setup_culprits_off(void)
{
	const char *v = getenv("TMPROF_CULPRITS");

	return v && !strcmp(v, "off");
}
