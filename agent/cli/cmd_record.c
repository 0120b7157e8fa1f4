// SPDX-License-Identifier: GPL-2.0
/* `tmprof record`: gather CPU samples and/or scheduler spans of target
 * processes for a while, name every frame, and write folded stacks or the
 * per-thread time report. */
#include "agent/cli/cmd_record.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "agent/cli/cmd_explain.h"
#include "agent/core/session_setup.h"
#include "agent/core/exit_codes.h"
#include "agent/core/log.h"
#include "agent/core/operator_build.h"
#include "agent/core/profile_builder.h"
#include "agent/core/session_build.h"
#include "agent/cli/record_options.h"
#include "agent/core/profile_output.h"
#include "agent/collect/cpu_sampler.h"
#include "agent/collect/thread_events.h"
#include "agent/collect/unwind_maps.h"
#include "agent/core/session.h"
#include "symbolize/java_frames.h"
#include "agent/core/category_rules.h"
#include "agent/core/state_rules.h"
#include "flamegraph/atomic_file.h"
#include "flamegraph/folded.h"
#include "flamegraph/frame_text.h"
#include "flamegraph/profile.h"
#include "flamegraph/thread_report.h"

#define POLL_INTERVAL_MS 200
#define SUMMARY_ROWS 10

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void sleep_ms(uint64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL); /* EINTR on Ctrl-C: the caller re-checks */
}

static void record_loop(struct session *s, double duration_s)
{
	uint64_t duration_ms = (uint64_t)(duration_s * 1000);
	struct sigaction sa = { .sa_handler = on_stop_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (;;) {
		uint64_t elapsed = (uint64_t)(session_elapsed_s(s) * 1000);

		if (elapsed >= duration_ms || stop_requested)
			break;
		sleep_ms(duration_ms - elapsed < POLL_INTERVAL_MS ? duration_ms - elapsed :
								    POLL_INTERVAL_MS);
		if (!session_poll(s)) {
			log_warn("every target exited; stopping the recording");
			break;
		}
	}
}

static void print_summary(const struct profile *p, const struct build_result *b)
{
	double total = b->samples ? (double)b->samples : 1;

	if (!b->samples)
		return;
	printf("\nTop threads (CPU samples, share of all samples):\n");
	for (size_t i = 0; i < b->nthreads && i < SUMMARY_ROWS; i++)
		if (b->threads[i].samples)
			printf("  %8" PRIu64 "  %5.1f%%  [%s tid=%d]\n", b->threads[i].samples,
			       100.0 * (double)b->threads[i].samples / total, b->threads[i].name,
			       (int)b->threads[i].tid);
	printf("\nTop frames (self CPU samples, share of all samples):\n");
	for (size_t i = 0; i < b->nleaves && i < SUMMARY_ROWS; i++) {
		char text[1024];

		frame_text_of(p, b->leaves[i].name_id, text, sizeof(text));
		printf("  %8" PRIu64 "  %5.1f%%  %s\n", b->leaves[i].samples,
		       100.0 * (double)b->leaves[i].samples / total, text);
	}
}

static void report_losses(struct session *s, const struct record_options *o)
{
	uint64_t l[4];

	session_losses(s, l);
	log_info("%" PRIu64 " events from %zu process%s in %.1f s -> %s", l[0], s->ntargets,
		 s->ntargets == 1 ? "" : "es", session_elapsed_s(s), o->output);
	if (l[1] || l[2] || l[3])
		log_warn("lost: %" PRIu64 " user stacks, %" PRIu64 " kernel stacks (stack map "
			 "collisions or errors), %" PRIu64 " events dropped (maps full); record for "
			 "shorter or at a lower -F",
			 l[1], l[2], l[3]);
	else
		log_info("lost: 0");
}

static void print_stats(struct session *s)
{
	struct rusage ru;
	uint64_t l[4];

	session_losses(s, l);
	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr,
		"stats: samples=%" PRIu64 " lost=%" PRIu64 " duration_s=%.3f agent_cpu_ms=%ld max_rss_kb=%ld\n",
		l[0], l[1] + l[3], session_elapsed_s(s),
		ru.ru_utime.tv_sec * 1000 + ru.ru_utime.tv_usec / 1000 + ru.ru_stime.tv_sec * 1000 +
			ru.ru_stime.tv_usec / 1000,
		ru.ru_maxrss);
}

/* What placing samples on chain operators costs (operator_build.h). */
static void operator_stats_print(const struct profile *p)
{
	struct operator_replay r;

	if (!operator_build_replay(p, &r))
		fprintf(stderr,
			"stats-operators: samples=%" PRIu64 " placed=%" PRIu64 " unplaced=%" PRIu64
			" stacks=%" PRIu64 " cpu_us=%.1f\n",
			r.samples, r.placed, r.unplaced, r.stacks, (double)r.cpu_ns / 1e3);
}

/* The sampler's perf events: how many are open per target at the end, and
 * how many were opened and closed as threads came and went. */
static void print_event_stats(struct session *s)
{
	struct cpu_sampler *sampler = session_collector_impl(s, SESSION_CPU);
	struct thread_events_stats st;

	if (!sampler)
		return;
	cpu_sampler_event_stats(sampler, &st);
	fprintf(stderr,
		"stats-events: mode=%s open=%" PRIu64 " opened=%" PRIu64 " closed=%" PRIu64
		" adopted=%" PRIu64 " fd_failures=%" PRIu64 " open_failures=%" PRIu64
		" window_ns=%" PRIu64 "-%" PRIu64,
		cpu_sampler_mode_name(cpu_sampler_mode(sampler)), st.open,
		st.opened, st.closed, st.adopted, st.fd_failures, st.open_failures, s->start_ns, s->end_ns);
	for (size_t i = 0; i < s->ntargets; i++)
		fprintf(stderr, " pid%d=%zu", s->targets[i].pid,
			cpu_sampler_events_open(sampler, s->targets[i].pid));
	fputc('\n', stderr);
}

/* How Java stacks were unwound and named: for checking the HotSpot
 * unwinder against the workload and the perf map. */
static void print_java_stats(struct session *s)
{
	struct cpu_sampler *sampler = session_collector_impl(s, SESSION_CPU);
	uint64_t bpf[UNWIND_STAT__MAX] = { 0 }, agree = 0, differ = 0;
	struct java_frames_stats js, sum = { 0 };
	size_t on = 0;

	/* The CPU samples' stacks, as before the counters moved to the
	 * unwinder's shared map. */
	if (sampler && s->unwind)
		unwind_maps_stats(s->unwind, UNWIND_USER_CPU, bpf);
	for (size_t i = 0; i < s->ntargets; i++) {
		const struct target *t = &s->targets[i];

		on += t->hotspot;
		agree += t->java_perfmap_agree;
		differ += t->java_perfmap_differ;
		if (!t->java)
			continue;
		java_frames_stats(t->java, &js);
		sum.hits += js.hits;
		sum.misses += js.misses;
		sum.stale += js.stale;
		sum.unreadable += js.unreadable;
		sum.no_pcdesc += js.no_pcdesc;
		sum.interpreted += js.interpreted;
		sum.method_reused += js.method_reused;
		sum.method_renamed += js.method_renamed;
	}
	fprintf(stderr,
		"stats-java: unwind=%s hotspot_targets=%zu hs_stacks=%" PRIu64 " java_frames=%" PRIu64
		" blob_cache_hit=%" PRIu64 " blob_cache_miss=%" PRIu64 " names_hit=%" PRIu64
		" names_miss=%" PRIu64 " stale=%" PRIu64 " unreadable=%" PRIu64 " no_pcdesc=%" PRIu64
		" interpreted=%" PRIu64 " method_reused=%" PRIu64 " method_renamed=%" PRIu64
		" perfmap_agree=%" PRIu64
		" perfmap_differ=%" PRIu64 "\n",
		session_unwind_name(s->opts.unwind), on, bpf[UNWIND_STAT_HS_STACKS],
		bpf[UNWIND_STAT_HS_JAVA_FRAMES], bpf[UNWIND_STAT_HS_CACHE_HIT],
		bpf[UNWIND_STAT_HS_CACHE_MISS],
		sum.hits, sum.misses, sum.stale, sum.unreadable, sum.no_pcdesc, sum.interpreted,
		sum.method_reused, sum.method_renamed, agree, differ);
}

static int write_report(struct session *s, const struct build_result *b, const struct profile *p,
			FILE *out)
{
	struct thread_report r;
	int err = build_result_report(s, b, p, &r);

	if (!err)
		err = thread_report_write_json(&r, out);
	thread_report_free(&r);
	return err;
}

static void print_alloc_summary(const struct profile *p, bool counts)
{
	uint64_t total = profile_total(p);
	struct frame_total *leaves = NULL;
	size_t n = 0, cap = 0;

	/* The leaf of every allocation stack is the allocated class. */
	for (size_t i = 0; i < profile_stack_count(p); i++) {
		struct profile_stack st;
		size_t k;

		profile_stack_get(p, i, &st);
		if (!st.depth)
			continue;
		for (k = 0; k < n && leaves[k].name_id != st.frames[st.depth - 1]; k++)
			;
		if (k == n) {
			if (n == cap) {
				void *g = realloc(leaves, (cap = cap ? cap * 2 : 64) * sizeof(*leaves));

				if (!g)
					break;
				leaves = g;
			}
			leaves[n++] = (struct frame_total){ st.frames[st.depth - 1], 0 };
		}
		leaves[k].samples += st.count;
	}
	for (size_t i = 1; i < n; i++) /* a few dozen classes: insertion sort */
		for (size_t j = i; j > 0 && leaves[j].samples > leaves[j - 1].samples; j--) {
			struct frame_total tmp = leaves[j];

			leaves[j] = leaves[j - 1];
			leaves[j - 1] = tmp;
		}
	printf("\nTop allocated classes (%s, share):\n", counts ? "events" : "bytes");
	for (size_t i = 0; i < n && i < SUMMARY_ROWS; i++)
		printf("  %12" PRIu64 "  %5.1f%%  %s\n", leaves[i].samples,
		       total ? 100.0 * (double)leaves[i].samples / (double)total : 0,
		       profile_string(p, leaves[i].name_id));
	free(leaves);
}

static struct profile_meta meta_of(const struct session *s, enum pprof_kind kind)
{
	return (struct profile_meta){
		.kind = kind,
		.hz = s->opts.freq_hz,
		.time_ns = s->start_unix_ns,
		.duration_ns = (int64_t)(session_elapsed_s(s) * 1e9),
	};
}

/* For --push: the TaskManager's resource id, or its pid, when there is one. */
static const char *taskmanager_label(const struct session *s, char *buf, size_t len)
{
	const struct target *t = s->ntargets == 1 ? &s->targets[0] : NULL;

	if (!t)
		return NULL;
	if (t->is_jvm && t->jvm.resource_id[0])
		return t->jvm.resource_id;
	snprintf(buf, len, "%d", t->pid);
	return buf;
}

static void push_profile(struct session *s, const struct record_options *o, const struct profile *p,
			 const struct profile_meta *m)
{
	struct push_settings ps = { .url = o->push_url, .app_name = o->app_name };
	char tm[32], msg[512];

	if (!o->push_url)
		return;
	if (profile_output_push(&ps, taskmanager_label(s, tm, sizeof(tm)), p, m, msg, sizeof(msg)))
		log_warn("--push %s: %s; the recording itself is complete", o->push_url, msg);
	else
		log_info("pushed to %s as %s", o->push_url, o->app_name);
}

/* Bytes and events are two values of one profile: pprof carries both, the
 * other formats the unit asked for. */
static struct profile *build_alloc_profile(struct session *s, const struct record_options *o,
					   bool counts)
{
	struct build_options bo = {
		.thread_roots = o->threads,
		.process_roots = s->ntargets > 1,
		.alloc_stacks = true,
		.alloc_counts = counts,
	};
	struct build_result br;
	struct build_input in;
	struct resolver r;
	struct profile *p = profile_new();

	session_build_input(s, &in, &r);
	if (!p || profile_build(&in, p, &bo, &br)) {
		profile_free(p);
		return NULL;
	}
	build_result_free(&br);
	return p;
}

/* The allocation profile, to its own file. */
static int write_alloc_output(struct session *s, const struct record_options *o,
			      struct atomic_file *out)
{
	enum record_format fmt = record_format_of_path(out->path);
	struct profile_meta m = meta_of(s, PPROF_KIND_ALLOC);
	bool counts = o->alloc_counts && fmt != FORMAT_PPROF;
	struct profile *p = build_alloc_profile(s, o, counts);
	int err = p ? 0 : -ENOMEM;

	if (!err)
		err = profile_output_write(p, out->fp, fmt, &m);
	if (!err)
		err = atomic_file_commit(out);
	if (err) {
		log_error("%s: cannot write the allocation profile: %s; choose another -o path",
			  out->path ? out->path : o->output, strerror(-err));
		atomic_file_abort(out);
	} else {
		print_alloc_summary(p, counts);
		push_profile(s, o, p, &m);
	}
	profile_free(p);
	return err ? EXIT_OUTPUT : EXIT_OK;
}

static int write_output(struct session *s, const struct record_options *o,
			const struct state_rules *rules, const struct category_rules *cats,
			struct atomic_file *out)
{
	bool spans = s->opts.events & SESSION_OFFCPU;
	struct build_options bo = {
		.thread_roots = o->threads,
		.process_roots = s->ntargets > 1,
		.cpu_stacks = s->opts.events & SESSION_CPU,
		.span_stacks = spans,
		.sample_kinds = s->opts.events,
		.rules = rules,
		.categories = o->no_categories ? NULL : cats,
		.category_roots = o->category_frames,
	};
	struct build_result br;
	struct build_input in;
	struct resolver r;
	struct profile *p = profile_new();
	int err;

	if (!p)
		return EXIT_INTERNAL;
	session_build_input(s, &in, &r);
	err = profile_build(&in, p, &bo, &br);
	if (err) {
		log_error("building the profile failed: %s", strerror(-err));
		profile_free(p);
		return EXIT_INTERNAL;
	}
	enum pprof_kind kind = !spans ? PPROF_KIND_CPU :
				  (s->opts.events & SESSION_CPU) ? PPROF_KIND_WALL : PPROF_KIND_OFFCPU;
	struct profile_meta m = meta_of(s, kind);

	if (record_format_of(o) == FORMAT_JSON)
		err = write_report(s, &br, p, out->fp);
	else
		err = profile_output_write(p, out->fp, record_format_of(o), &m);
	if (!err)
		err = atomic_file_commit(out);
	if (err) {
		log_error("%s: cannot write the output: %s; choose another -o path", o->output,
			  strerror(-err));
		atomic_file_abort(out);
	} else {
		report_losses(s, o);
		if (o->stats) {
			print_stats(s);
			print_java_stats(s);
			print_event_stats(s);
			operator_stats_print(p);
		}
		print_summary(p, &br);
		if (spans && (s->opts.events & SESSION_CPU))
			explain_recording(s, &br, p);
		push_profile(s, o, p, &m);
	}
	build_result_free(&br);
	profile_free(p);
	return err ? EXIT_OUTPUT : EXIT_OK;
}

int cmd_record(int argc, char **argv)
{
	struct record_options o;
	struct session_options so;
	struct session s;
	struct state_rules rules = { 0 };
	struct category_rules cats = { 0 };
	struct atomic_file out = { 0 }, alloc_out = { 0 };
	char errbuf[512], alloc_path[4096];
	const char *alloc_file = NULL;
	int rc;

	if (record_options_parse(argc, argv, &o, errbuf, sizeof(errbuf))) {
		log_error("%s", errbuf);
		return EXIT_USAGE;
	}
	if (o.help) {
		record_options_usage(stdout);
		return EXIT_OK;
	}
	log_verbose = o.verbose;
	session_setup_quiet_libbpf();
	rc = session_setup_privileges();
	if (rc)
		return rc;
	rc = session_setup_rules(o.rules, &rules);
	if (!rc && !o.no_categories && (rc = session_setup_categories(o.categories, &cats)))
		state_rules_free(&rules);
	if (rc)
		return rc;
	so = (struct session_options){ .events = o.events, .freq_hz = o.freq_hz,
				       .no_culprits = o.no_culprits || session_setup_culprits_off(),
				       .unwind = (enum session_unwind)o.unwind, .sampler = (enum cpu_sampler_mode)o.sampler };
	if (session_init(&s, &so)) {
		state_rules_free(&rules);
		category_rules_free(&cats);
		return EXIT_INTERNAL;
	}
	rc = session_setup_targets(&s, o.pids, o.npids, o.all_taskmanagers);
	if (rc)
		goto cleanup;
	/* Before any waiting: an unwritable destination is an error now. */
	if (o.events & SESSION_ALLOC)
		alloc_file = record_alloc_output(&o, alloc_path, sizeof(alloc_path));
	if (record_main_output(o.events) && (rc = atomic_file_open(&out, o.output))) {
		log_error("%s: cannot create the output file: %s; choose a writable -o path", o.output,
			  strerror(-rc));
		rc = EXIT_OUTPUT;
		goto cleanup;
	}
	if (alloc_file && (rc = atomic_file_open(&alloc_out, alloc_file))) {
		log_error("%s: cannot create the output file: %s; choose a writable -o path",
			  alloc_file, strerror(-rc));
		rc = EXIT_OUTPUT;
		goto cleanup;
	}
	rc = session_setup_start(&s);
	if (rc)
		goto cleanup;
	log_info("recording %zu process%s for %.0f s (Ctrl-C stops early)", s.ntargets,
		 s.ntargets == 1 ? "" : "es", o.duration_s);
	record_loop(&s, o.duration_s);
	if (session_cut(&s, true))
		log_warn("closing the last scheduler spans failed; the last second may be short");
	rc = EXIT_OK;
	if (record_main_output(o.events))
		rc = write_output(&s, &o, &rules, &cats, &out);
	if (rc == EXIT_OK && alloc_file) {
		rc = write_alloc_output(&s, &o, &alloc_out);
		if (rc == EXIT_OK && !record_main_output(o.events))
			report_losses(&s, &o);
	}
	if (rc == EXIT_OK && session_setup_incomplete(&s))
		rc = EXIT_PARTIAL;
cleanup:
	atomic_file_abort(&out);
	atomic_file_abort(&alloc_out);
	session_free(&s);
	state_rules_free(&rules);
	category_rules_free(&cats);
	return rc;
}
