/* `tmprof record`: sample target processes' CPU stacks with BPF for a while,
 * name every frame, and write folded stacks. */
#include "agent/cmd_record.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "agent/cpu_sampler.h"
#include "agent/exit_codes.h"
#include "agent/jvm_info.h"
#include "agent/log.h"
#include "agent/profile_builder.h"
#include "agent/record_options.h"
#include "agent/sample_table.h"
#include "agent/target.h"
#include "agent/thread_names.h"
#include "flamegraph/atomic_file.h"
#include "flamegraph/folded.h"
#include "flamegraph/profile.h"
#include "symbolize/ksyms.h"
#include "symbolize/symbolizer.h"

#define DRAIN_INTERVAL_MS 1000
/* A thread dump stops the JVM at a safepoint: not more often than this. */
#define THREAD_NAMES_MIN_INTERVAL_MS 5000
#define PERF_MAP_MIN_INTERVAL_MS 5000
#define SUMMARY_ROWS 10

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct recording {
	struct record_options opts;
	struct target *targets;
	size_t ntargets;
	struct ksyms *ksyms;
	struct cpu_sampler *sampler;
	struct sample_table samples;
	struct stack_cache *stacks;
	bool *names_stale; /* per target: a tid without a name was seen */
	struct atomic_file out;
	double elapsed_s;
};

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!log_verbose || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int fetch_stack(void *ctx, int32_t id, uint64_t *ips, size_t max)
{
	return cpu_sampler_stack(ctx, id, ips, max);
}

static struct target *recording_target(struct recording *r, pid_t pid)
{
	for (size_t i = 0; i < r->ntargets; i++)
		if (r->targets[i].pid == pid)
			return &r->targets[i];
	return NULL;
}

/* Called for every drained (key, count): merge it, and look at stacks and
 * threads we have not seen before while the process can still be read. */
static int on_sample(void *ctx, const struct cpu_sample_key *key, uint64_t count)
{
	struct recording *r = ctx;
	struct target *t = recording_target(r, (pid_t)key->tgid);
	const struct stack_copy *user;
	bool fresh;
	int err;

	err = sample_table_add(&r->samples, key, count);
	if (err || !t)
		return err;
	user = stack_cache_get(r->stacks, key->user_stack_id, fetch_stack, r->sampler, &fresh);
	if (user && fresh && !t->exited)
		target_note_stack(t, user->ips, user->depth);
	if (t->names && thread_names_note_tid(t->names, (pid_t)key->tid) == 1)
		r->names_stale[t - r->targets] = true;
	return 0;
}

static int resolve_targets(struct recording *r)
{
	const struct record_options *o = &r->opts;
	struct jvm_info *jvms = NULL;
	size_t njvms = 0, n = 0;
	pid_t pids[RECORD_MAX_PIDS];
	int err;

	if (o->all_taskmanagers) {
		err = jvm_list(&jvms, &njvms);
		if (err) {
			log_error("cannot scan /proc for JVMs: %s", strerror(-err));
			return EXIT_NO_TARGET;
		}
		for (size_t i = 0; i < njvms && n < RECORD_MAX_PIDS; i++)
			if (jvm_kind_is_taskmanager(jvms[i].kind))
				pids[n++] = jvms[i].pid;
		free(jvms);
		if (!n) {
			log_error("no TaskManager found on this host; 'tmprof list' shows the JVMs, "
				  "profile one with -p PID");
			return EXIT_NO_TARGET;
		}
	} else {
		memcpy(pids, o->pids, o->npids * sizeof(pid_t));
		n = o->npids;
	}
	r->targets = calloc(n, sizeof(*r->targets));
	r->names_stale = calloc(n, sizeof(*r->names_stale));
	if (!r->targets || !r->names_stale)
		return EXIT_INTERNAL;
	for (size_t i = 0; i < n; i++) {
		err = target_open(pids[i], r->ksyms, &r->targets[r->ntargets]);
		if (err) {
			target_close(&r->targets[r->ntargets]);
			if (err == -ESRCH)
				log_error("PID %d: no such process; 'tmprof list' shows the JVMs on this host",
					  pids[i]);
			else
				log_error("PID %d: cannot read the process: %s", pids[i], strerror(-err));
			return err == -ESRCH || err == -ENOENT ? EXIT_NO_TARGET : EXIT_NO_BPF;
		}
		r->ntargets++;
	}
	return EXIT_OK;
}

static void warn_about_target(const struct target *t)
{
	if (!t->is_jvm)
		return;
	if (t->jvm.pfp != PFP_ON)
		log_warn("PID %d: -XX:+PreserveFramePointer is off, so Java stacks stop at the leaf "
			 "frame; add 'env.java.opts.taskmanager: -XX:+PreserveFramePointer' to the Flink "
			 "configuration and restart the TaskManager",
			 t->pid);
	if (t->attach_err)
		log_warn("PID %d: %s; Java frames and full thread names will be missing%s", t->pid,
			 attach_error_text(t->attach_err),
			 t->jvm.attach_disabled ? " (remove -XX:+DisableAttachMechanism)" : "");
}

static int start_sampling(struct recording *r)
{
	int err;

	libbpf_set_print(libbpf_quiet);
	err = cpu_sampler_open(r->opts.freq_hz, &r->sampler);
	if (err) {
		if (err == -EPERM || err == -EACCES)
			log_error("cannot load BPF programs: permission denied; run as root "
				  "(or with CAP_BPF, CAP_PERFMON and CAP_SYS_PTRACE)");
		else
			log_error("cannot start CPU sampling: %s; is BPF enabled in this kernel?",
				  strerror(-err));
		return EXIT_NO_BPF;
	}
	for (size_t i = 0; i < r->ntargets; i++) {
		err = cpu_sampler_add_target(r->sampler, r->targets[i].pid);
		if (err) {
			log_error("PID %d: cannot add the target to the BPF filter: %s", r->targets[i].pid,
				  strerror(-err));
			return EXIT_NO_BPF;
		}
	}
	return EXIT_OK;
}

static void refresh_names(struct recording *r, int min_interval_ms)
{
	for (size_t i = 0; i < r->ntargets; i++) {
		struct target *t = &r->targets[i];

		if (!r->names_stale[i] || !t->names || t->exited)
			continue;
		if (thread_names_refresh(t->names, min_interval_ms) == 0)
			r->names_stale[i] = false;
	}
}

/* Returns the number of targets still alive. */
static size_t check_targets(struct recording *r)
{
	size_t alive = 0;

	for (size_t i = 0; i < r->ntargets; i++) {
		struct target *t = &r->targets[i];
		bool was = !t->exited;

		if (target_alive(t)) {
			alive++;
		} else if (was) {
			log_warn("PID %d exited during the recording; keeping what was gathered", t->pid);
			cpu_sampler_remove_target(r->sampler, t->pid);
		}
	}
	return alive;
}

static int drain(struct recording *r)
{
	int err = cpu_sampler_drain(r->sampler, on_sample, r);

	if (err)
		log_error("reading samples from BPF failed: %s", strerror(-err));
	return err;
}

static int sample_loop(struct recording *r)
{
	struct timespec t0, now;
	uint64_t duration_ms = (uint64_t)(r->opts.duration_s * 1000);
	struct sigaction sa = { .sa_handler = on_stop_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		uint64_t elapsed, slice;
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed = (uint64_t)(now.tv_sec - t0.tv_sec) * 1000 +
			  (uint64_t)((now.tv_nsec - t0.tv_nsec) / 1000000);
		if (elapsed >= duration_ms || stop_requested)
			break;
		slice = duration_ms - elapsed < DRAIN_INTERVAL_MS ? duration_ms - elapsed :
								    DRAIN_INTERVAL_MS;
		ts.tv_sec = (time_t)(slice / 1000);
		ts.tv_nsec = (long)(slice % 1000) * 1000000;
		nanosleep(&ts, NULL); /* EINTR on Ctrl-C: the loop re-checks */
		if (drain(r))
			return -EIO;
		refresh_names(r, THREAD_NAMES_MIN_INTERVAL_MS);
		for (size_t i = 0; i < r->ntargets; i++)
			target_maybe_refresh_perf_map(&r->targets[i], monotonic_ms(),
						      PERF_MAP_MIN_INTERVAL_MS);
		if (!check_targets(r)) {
			log_warn("every target exited; stopping the recording");
			break;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	r->elapsed_s = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
	/* Last drain, then one more chance for names of code and threads that
	 * appeared late (cheap when nothing is missing). */
	if (drain(r))
		return -EIO;
	check_targets(r);
	refresh_names(r, 1000);
	for (size_t i = 0; i < r->ntargets; i++)
		target_maybe_refresh_perf_map(&r->targets[i], monotonic_ms(), 1000);
	return 0;
}

static void print_summary(const struct recording *r, const struct profile *p,
			  const struct build_result *b)
{
	double total = b->samples ? (double)b->samples : 1;

	printf("\nTop threads (samples, share of all samples):\n");
	for (size_t i = 0; i < b->nthreads && i < SUMMARY_ROWS; i++)
		printf("  %8" PRIu64 "  %5.1f%%  %s\n", b->threads[i].samples,
		       100.0 * (double)b->threads[i].samples / total,
		       profile_string(p, b->threads[i].name_id));
	printf("\nTop frames (self samples, share of all samples):\n");
	for (size_t i = 0; i < b->nleaves && i < SUMMARY_ROWS; i++)
		printf("  %8" PRIu64 "  %5.1f%%  %s\n", b->leaves[i].samples,
		       100.0 * (double)b->leaves[i].samples / total,
		       profile_string(p, b->leaves[i].name_id));
	(void)r;
}

static void report_losses(const struct recording *r, uint64_t stats[CPU_STAT__MAX],
			  uint64_t samples)
{
	uint64_t user_lost = stats[CPU_STAT_USER_COLLISION] + stats[CPU_STAT_USER_ERROR];
	uint64_t kern_lost = stats[CPU_STAT_KERN_COLLISION] + stats[CPU_STAT_KERN_ERROR];
	uint64_t dropped = stats[CPU_STAT_COUNTS_FULL];

	log_info("%" PRIu64 " samples from %zu process%s in %.1f s at %u Hz -> %s", samples,
		 r->ntargets, r->ntargets == 1 ? "" : "es", r->elapsed_s, r->opts.freq_hz,
		 r->opts.output);
	if (user_lost || kern_lost || dropped)
		log_warn("lost: %" PRIu64 " samples dropped (counts map full), %" PRIu64
			 " user stacks (%" PRIu64 " stack map collisions), %" PRIu64
			 " kernel stacks (%" PRIu64 " collisions); record for shorter or at a lower -F",
			 dropped, user_lost, stats[CPU_STAT_USER_COLLISION], kern_lost,
			 stats[CPU_STAT_KERN_COLLISION]);
	else
		log_info("lost samples: 0");
}

static void print_stats(const struct recording *r, uint64_t samples, uint64_t lost)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr,
		"stats: samples=%" PRIu64 " lost=%" PRIu64 " duration_s=%.3f agent_cpu_ms=%ld max_rss_kb=%ld\n",
		samples, lost, r->elapsed_s,
		ru.ru_utime.tv_sec * 1000 + ru.ru_utime.tv_usec / 1000 + ru.ru_stime.tv_sec * 1000 +
			ru.ru_stime.tv_usec / 1000,
		ru.ru_maxrss);
}

static int write_output(struct recording *r, bool *partial)
{
	struct build_options bo = {
		.thread_roots = r->opts.threads,
		.process_roots = r->ntargets > 1,
	};
	struct build_result br;
	uint64_t stats[CPU_STAT__MAX] = { 0 };
	struct profile *p = profile_new();
	int err, rc = EXIT_OK;

	if (!p)
		return EXIT_INTERNAL;
	err = profile_build(p, &r->samples, r->stacks, fetch_stack, r->sampler, r->targets,
			    r->ntargets, &bo, &br);
	if (err) {
		log_error("building the profile failed: %s", strerror(-err));
		rc = EXIT_INTERNAL;
		goto cleanup;
	}
	err = folded_write(p, r->out.fp);
	if (!err)
		err = atomic_file_commit(&r->out);
	if (err) {
		log_error("%s: cannot write the profile: %s; choose another -o path", r->opts.output,
			  strerror(-err));
		atomic_file_abort(&r->out);
		rc = EXIT_OUTPUT;
		build_result_free(&br);
		goto cleanup;
	}
	cpu_sampler_stats(r->sampler, stats);
	report_losses(r, stats, br.samples);
	if (r->opts.stats)
		print_stats(r, br.samples,
			    stats[CPU_STAT_USER_COLLISION] + stats[CPU_STAT_USER_ERROR] +
				    stats[CPU_STAT_COUNTS_FULL]);
	print_summary(r, p, &br);
	build_result_free(&br);
	for (size_t i = 0; i < r->ntargets; i++)
		*partial |= r->targets[i].exited || r->targets[i].attach_err;
cleanup:
	profile_free(p);
	return rc;
}

static void recording_free(struct recording *r)
{
	atomic_file_abort(&r->out);
	cpu_sampler_close(r->sampler);
	for (size_t i = 0; i < r->ntargets; i++)
		target_close(&r->targets[i]);
	free(r->targets);
	free(r->names_stale);
	if (r->stacks)
		stack_cache_free(r->stacks);
	free(r->stacks);
	sample_table_free(&r->samples);
	ksyms_free(r->ksyms);
}

int cmd_record(int argc, char **argv)
{
	struct recording r = { 0 };
	char errbuf[512];
	bool partial = false;
	int rc, err;

	if (record_options_parse(argc, argv, &r.opts, errbuf, sizeof(errbuf))) {
		log_error("%s", errbuf);
		return EXIT_USAGE;
	}
	if (r.opts.help) {
		record_options_usage(stdout);
		return EXIT_OK;
	}
	log_verbose = r.opts.verbose;
	if (sample_table_init(&r.samples) || !(r.stacks = calloc(1, sizeof(*r.stacks)))) {
		rc = EXIT_INTERNAL;
		goto cleanup;
	}
	err = ksyms_load(&r.ksyms);
	if (err)
		log_warn("cannot read kernel symbols (%s); kernel frames stay unnamed", strerror(-err));
	rc = resolve_targets(&r);
	if (rc)
		goto cleanup;
	/* Before any waiting: an unwritable destination is an error now. */
	err = atomic_file_open(&r.out, r.opts.output);
	if (err) {
		log_error("%s: cannot create the output file: %s; choose a writable -o path",
			  r.opts.output, strerror(-err));
		rc = EXIT_OUTPUT;
		goto cleanup;
	}
	rc = start_sampling(&r);
	if (rc)
		goto cleanup;
	for (size_t i = 0; i < r.ntargets; i++) {
		target_attach(&r.targets[i]);
		warn_about_target(&r.targets[i]);
	}
	log_info("recording %zu process%s for %.0f s at %u Hz (Ctrl-C stops early)", r.ntargets,
		 r.ntargets == 1 ? "" : "es", r.opts.duration_s, r.opts.freq_hz);
	if (sample_loop(&r)) {
		rc = EXIT_INTERNAL;
		goto cleanup;
	}
	rc = write_output(&r, &partial);
	if (rc == EXIT_OK && partial)
		rc = EXIT_PARTIAL;
cleanup:
	recording_free(&r);
	return rc;
}
