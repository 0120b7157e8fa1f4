// SPDX-License-Identifier: GPL-2.0
#include "agent/leak/leak_run.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "agent/collect/bpf_load.h"
#include "agent/core/exit_codes.h"
#include "agent/jvm/hotspot_attach.h"
#include "agent/collect/kernel_features.h"
#include "agent/leak/leak_collect.h"
#include "agent/leak/leak_growth.h"
#include "agent/leak/leak_snapshot.h"
#include "agent/leak/leak_store.h"
#include "agent/collect/collector.h"
#include "agent/collect/leak_collector.h"
#include "agent/core/session.h"
#include "agent/core/log.h"
#include "agent/core/target.h"
#include "symbolize/symbolizer.h"

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

struct leak_state {
	const struct leak_run_options *o;
	struct collector leak; /* collect/leak_collector.c: one kind, one target */
	struct target target;
	uint64_t overflow_reported;
	size_t written;
};

/* JIT code moves and grows: a fresh perf map for every snapshot, so the
 * stacks of allocations made since the last one are named. */
static void refresh_perf_map(struct leak_state *st)
{
	int err;

	if (!st->target.is_jvm || st->target.attach_err || st->target.exited)
		return;
	if (st->target.perf_map_err) {
		/* No Compiler.perfmap (JDK 11): the JVM's memory names its
		 * code as it is now, as a fresh perf map would. */
		err = target_name_jit_from_memory(&st->target);
		if (err)
			log_debug("PID %d: JIT names from the JVM's memory: %s", st->target.pid,
				  strerror(-err));
		return;
	}
	/* Through the target: a map it may not read is said once. */
	target_perf_map_written(&st->target,
				hotspot_write_perf_map(st->target.pid, HOTSPOT_ATTACH_TIMEOUT_MS));
}

static const struct leak_allocator *alloc_of(const struct leak_state *st)
{
	unsigned int nprobes;

	return leak_collector_allocator(st->leak.impl, &nprobes);
}

static int take_snapshot(struct leak_state *st)
{
	struct leak_snapshot s;
	struct collector_stats stats;
	char name[64], path[PATH_MAX], live[32];
	int err, pruned;

	leak_snapshot_init(&s);
	s.time_ms = (int64_t)(clock_ns(CLOCK_REALTIME) / 1000000ULL);
	s.pid = st->target.pid;
	s.period = st->o->period;
	snprintf(s.allocator, sizeof(s.allocator), "%s", leak_allocator_name(alloc_of(st)->kind));
	refresh_perf_map(st);
	st->leak.ops->stats(st->leak.impl, &stats);
	s.overflow = stats.dropped;
	s.sampled = stats.events;
	err = leak_collect(&st->leak, st->target.sym, (uint32_t)st->target.pid,
			   clock_ns(CLOCK_BOOTTIME), &s);
	if (!err)
		err = leak_store_name(name, sizeof(name), s.time_ms);
	if (!err) {
		snprintf(path, sizeof(path), "%s/%s", st->o->dir, name);
		err = leak_snapshot_write_file(&s, path);
		if (err)
			log_error("%s: cannot write the snapshot: %s; check the --dir file system",
				  path, strerror(-err));
	} else {
		log_error("snapshot failed: %s", strerror(-err));
	}
	if (!err) {
		st->written++;
		leak_format_bytes(live, sizeof(live), (double)leak_snapshot_total(&s));
		log_info("%s: %zu stacks, %s live (estimated), %" PRIu64 " tracked, %" PRIu64
			 " not tracked (table full)", name, s.n, live, s.tracked, s.overflow);
		pruned = leak_store_prune(st->o->dir, st->o->keep, st->o->max_bytes);
		if (pruned < 0)
			log_warn("%s: cannot apply retention: %s", st->o->dir, strerror(-pruned));
		else if (pruned > 0)
			log_debug("retention: deleted %d old snapshot%s", pruned, pruned == 1 ? "" : "s");
	}
	if (s.overflow > st->overflow_reported) {
		log_warn("live table full: %" PRIu64 " sampled allocations were not tracked; raise "
			 "--max-tracked (now %" PRIu32 ") or --period", s.overflow - st->overflow_reported,
			 st->o->max_tracked);
		st->overflow_reported = s.overflow;
	}
	leak_snapshot_free(&s);
	return err;
}

static int start(struct leak_state *st)
{
	struct session_options so = { .leak = { st->o->period, st->o->max_tracked } };
	const struct leak_allocator *alloc;
	unsigned int nprobes = 0;
	int err;

	err = target_open(st->o->pid, NULL, &st->target);
	if (err) {
		log_error("PID %d: %s; check the PID with 'tmprof list' or ps", st->o->pid,
			  err == -ESRCH ? "no such process" : strerror(-err));
		return EXIT_NO_TARGET;
	}
	if (mkdir(st->o->dir, 0755) && errno != EEXIST) {
		log_error("%s: cannot create the snapshot directory: %s; choose a writable --dir",
			  st->o->dir, strerror(errno));
		return EXIT_OUTPUT;
	}
	/* Probed before the skeleton: a missing helper is named, with the
	 * minimum kernel, instead of surfacing as a verifier error. */
	if (kernel_features_check(1u << KF_LEAK, "tmprof leak") != EXIT_OK)
		return EXIT_NO_BPF;
	bpf_load_reset();
	err = st->leak.ops->open(&so, NULL, &st->leak.impl);
	if (err)
		return bpf_load_report("tmprof leak", err);
	err = st->leak.ops->add_target(st->leak.impl, &st->target);
	alloc = leak_collector_allocator(st->leak.impl, &nprobes);
	if (err == -ESRCH) {
		log_error("PID %d: the process exited", st->o->pid);
		return EXIT_NO_TARGET;
	}
	if (err) {
		log_error("PID %d: cannot probe its allocator (%s): %s; a statically linked "
			  "allocator cannot be traced", st->o->pid,
			  alloc->lib[0] ? alloc->lib : "no libc mapped", strerror(-err));
		return err == -EPERM || err == -EACCES ? EXIT_NO_BPF : EXIT_NO_TARGET;
	}
	target_attach(&st->target);
	if (st->target.is_jvm && st->target.attach_err)
		log_warn("PID %d: %s; Java frames stay unnamed", st->o->pid,
			 attach_error_text(st->target.attach_err));
	log_info("PID %d allocates with %s (%s): %u functions probed, one sample per ~%" PRIu64
		 " bytes; a snapshot every %.0f s in %s", st->o->pid,
		 leak_allocator_name(alloc->kind), alloc->lib, nprobes, st->o->period,
		 (double)st->o->interval_ms / 1000.0, st->o->dir);
	return EXIT_OK;
}

static void print_stats(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return;
	fprintf(stderr, "stats: cpu_user_s=%.3f cpu_sys_s=%.3f max_rss_kib=%ld\n",
		(double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
		(double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss);
}

int leak_run(const struct leak_run_options *o)
{
	struct sigaction sa = { .sa_handler = on_stop };
	struct leak_state st = { .o = o };
	uint64_t start_ms, next_ms;
	int rc;

	stop_requested = 0;
	rc = collector_init(&st.leak, &leak_collector_ops, 0);
	if (rc)
		return EXIT_INTERNAL;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	rc = start(&st);
	if (rc)
		goto cleanup;
	start_ms = clock_ns(CLOCK_MONOTONIC) / 1000000ULL;
	next_ms = start_ms + o->interval_ms;
	while (!stop_requested) {
		struct timespec nap = { 0, 200 * 1000000L };
		uint64_t now = clock_ns(CLOCK_MONOTONIC) / 1000000ULL;

		if (o->duration_ms && now - start_ms >= o->duration_ms)
			break;
		if (!target_alive(&st.target))
			break;
		if (now >= next_ms) {
			if (take_snapshot(&st) && !st.written) {
				rc = EXIT_OUTPUT;
				goto cleanup;
			}
			next_ms += o->interval_ms;
			if (next_ms <= now) /* a slow snapshot: don't catch up in a burst */
				next_ms = now + o->interval_ms;
		}
		nanosleep(&nap, NULL);
	}
	if (st.target.exited) {
		log_warn("PID %d exited; writing a last snapshot with what is known", o->pid);
		rc = EXIT_PARTIAL;
	}
	if (take_snapshot(&st) && !rc)
		rc = EXIT_OUTPUT;
cleanup:
	if (o->stats)
		print_stats();
	collector_free(&st.leak);
	target_close(&st.target);
	return rc;
}
