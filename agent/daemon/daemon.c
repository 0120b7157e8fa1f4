// SPDX-License-Identifier: GPL-2.0
#include "agent/daemon/daemon.h"

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "agent/core/session_setup.h"
#include "agent/jvm/attach_worker.h"
#include "agent/collect/cpu_sampler.h"
#include "agent/daemon/daemon_config.h"
#include "agent/daemon/daemon_metrics.h"
#include "agent/daemon/daemon_period.h"
#include "agent/daemon/daemon_push.h"
#include "agent/daemon/daemon_retention.h"
#include "agent/daemon/daemon_tm.h"
#include "agent/core/exit_codes.h"
#include "agent/core/log.h"
#include "agent/core/session.h"
#include "agent/core/session_caches.h"
#include "agent/core/category_rules.h"
#include "agent/core/state_rules.h"
#include "agent/core/target.h"
#include "agent/collect/thread_events.h"
#include "bpf/abi.h"
#include "symbolize/symbolizer.h"

#define POLL_MS 1000
/* BPF stack maps keep every stack for the collectors' life: when a period
 * loses more stacks than this share, they are full and the collectors are
 * reopened (empty maps) right after the period is written. */
#define RESTART_LOST_PER_MILLE 50
#define RESTART_LOST_MIN 100
/* A JVM answers attach requests only once it is up: TaskManagers younger
 * than this wait for the next scan, and failed attaches are retried. */
#define TM_MIN_AGE_S 3.0
#define ATTACH_RETRY_MS 10000
#define ATTACH_TRIES 6
#define TM_STARTS_PER_SCAN 4
/* ... and no more once this scan has spent this long on them (a target's
 * unwind tables and vmStructs are read in the loop, and a hostile one can
 * make that slow): the rest wait for the next scan. */
#define TM_STARTS_BUDGET_MS 500
/* A target's address answers, or its Java names, are emptied past this
 * share of the memory budget (1 MiB of the default 96M): a JVM that keeps
 * compiling new code would otherwise add to them all day. */
#define TARGET_CACHE_SHARE 96
/* One library's symbol tables: at most this share of [limits] memory. */
#define TABLE_SHARE 4
/* Time each drain (once a second) may spend naming new stacks: a target
 * churning through code, or a hundred starting at once, must not hold the
 * loop; the rest are named in the next turns or by the period's build. */
#define NOTE_BUDGET_MS 50
/* Time a period's writing may spend naming what the drains left (shared
 * out over its TaskManagers): past it frames get cheap names, so the
 * period is written on time whatever the targets do. A twentieth of the
 * period, from 250 ms to 1 s (pushes get a quarter of it), unless
 * [limits] naming_time says otherwise. */
#define BUILD_BUDGET_MIN_MS 250
#define BUILD_BUDGET_MAX_MS 1000

static unsigned int build_budget_ms(const struct daemon_config *c)
{
	unsigned int ms = c->period_s * 50;

	/* [limits] naming_time: a fixed time, or off (0: no budget). */
	if (c->naming_ms != DAEMON_NAMING_AUTO)
		return c->naming_ms;

	return ms < BUILD_BUDGET_MIN_MS ? BUILD_BUDGET_MIN_MS :
	       ms > BUILD_BUDGET_MAX_MS ? BUILD_BUDGET_MAX_MS : ms;
}

struct tm_slot {
	pid_t pid;
	uid_t uid;
	unsigned long long start_time;
	char claimed[DAEMON_TM_ID_MAX]; /* the id the process gives itself */
	char id[DAEMON_TM_ID_MAX];      /* its series: claimed, or suffixed on a collision */
	unsigned int attach_tries;
	uint64_t next_attach_ms;
};

struct daemon {
	const char *config_path;
	struct daemon_config cfg;
	struct state_rules rules;
	struct category_rules cats; /* the samples' category label */
	struct session s;
	bool session_on;
	struct daemon_discovery disc;
	struct tm_slot *tms; /* one per session target, by pid */
	size_t ntms, tms_cap;
	struct metrics_server ms;
	struct daemon_metrics k;        /* counters kept across sessions */
	uint64_t retired[5];            /* samples, lost, hits, misses, refreshes of closed targets/sessions */
	/* Of closed sessions: stacks named late, left to the build, named
	 * cheaply by it; set-up results dropped (session.results_stale). */
	uint64_t retired_notes[4];
	uint64_t period_start_ms, period_end_ms;
	uint64_t losses_at_start[4];
	struct daemon_push_state push; /* backoff across periods */
	struct attach_worker *worker;  /* attach requests, off the loop */
	struct daemon_pusher *pusher;  /* pushes to Pyroscope, off the loop */
	uint64_t cache_use[CACHE__COUNT]; /* as last measured, between periods */
	bool over_budget_warned;
	/* /metrics is served by its own thread from the text the loop last
	 * published: an attach, a push or a slow period never delays it. */
	pthread_t metrics_tid;
	bool metrics_running;
	volatile sig_atomic_t metrics_stop;
	pthread_mutex_t metrics_lock;
	char *metrics_body;
	size_t metrics_len;
};

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
}

static void signals_install(void)
{
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART: poll() wakes up */
	struct sigaction ign = { .sa_handler = SIG_IGN };

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &ign, NULL);
}

static struct tm_slot *tm_find(struct daemon *d, pid_t pid)
{
	for (size_t i = 0; i < d->ntms; i++)
		if (d->tms[i].pid == pid)
			return &d->tms[i];
	return NULL;
}

static bool tm_alive(struct daemon *d, pid_t pid)
{
	for (size_t i = 0; i < d->s.ntargets; i++)
		if (d->s.targets[i].pid == pid)
			return !d->s.targets[i].exited;
	return false;
}

/* The series f gets: its claimed id unless that is another target's now
 * (daemon_tm.h); a collision is one warning line. */
static void tm_series(struct daemon *d, const struct daemon_tm_found *f, char *out, size_t len)
{
	struct daemon_tm_claim *held = calloc(d->ntms ? d->ntms : 1, sizeof(*held));
	struct daemon_tm_claim mine = { .id = f->id, .uid = f->uid, .pid = f->pid,
					.start_time = f->start_time, .alive = true };
	size_t with = 0;

	if (!held) { /* no memory to compare: a series of its own, to be safe */
		snprintf(out, len, "%.40s-p%d", f->id, (int)f->pid);
		return;
	}
	for (size_t i = 0; i < d->ntms; i++)
		held[i] = (struct daemon_tm_claim){ .id = d->tms[i].claimed, .out = d->tms[i].id,
						    .uid = d->tms[i].uid, .pid = d->tms[i].pid,
						    .start_time = d->tms[i].start_time,
						    .alive = tm_alive(d, d->tms[i].pid) };
	if (daemon_tm_id_claim(held, d->ntms, &mine, out, len, &with))
		log_warn("TaskManager id %s is claimed by PID %d (uid %u) and PID %d (uid %u): "
			 "PID %d is profiled as %s; resource ids must be unique",
			 f->id, (int)held[with].pid, (unsigned)held[with].uid, (int)f->pid,
			 (unsigned)f->uid, (int)f->pid, out);
	free(held);
}

static int tm_add(struct daemon *d, const struct daemon_tm_found *f)
{
	char id[DAEMON_TM_ID_MAX];

	if (d->ntms == d->tms_cap) {
		size_t cap = d->tms_cap ? d->tms_cap * 2 : 8;
		struct tm_slot *g = realloc(d->tms, cap * sizeof(*g));

		if (!g)
			return -ENOMEM;
		d->tms = g;
		d->tms_cap = cap;
	}
	tm_series(d, f, id, sizeof(id));
	memset(&d->tms[d->ntms], 0, sizeof(d->tms[d->ntms]));
	d->tms[d->ntms].pid = f->pid;
	d->tms[d->ntms].uid = f->uid;
	d->tms[d->ntms].start_time = f->start_time;
	memcpy(d->tms[d->ntms].claimed, f->id, sizeof(f->id));
	memcpy(d->tms[d->ntms].id, id, sizeof(id));
	d->tms[d->ntms].next_attach_ms = monotonic_ms() + ATTACH_RETRY_MS;
	d->ntms++;
	return 0;
}

static void tm_remove(struct daemon *d, pid_t pid)
{
	struct tm_slot *t = tm_find(d, pid);

	if (t) {
		*t = d->tms[d->ntms - 1];
		d->ntms--;
	}
}

/* What a target's symbolizer did, into the totals before it is freed. */
static void daemon_target_usage(const struct target *t, uint64_t *hits, uint64_t *misses)
{
	struct symbolizer_stats st = { 0 };

	if (t->sym)
		process_symbolizer_stats(t->sym, &st);
	*hits = st.native_hits + st.jit_hits + st.kernel_hits;
	*misses = st.native_misses + st.jit_misses + st.kernel_misses;
}

static void daemon_target_retire(struct daemon *d, const struct target *t)
{
	uint64_t hits, misses;

	daemon_target_usage(t, &hits, &misses);
	d->retired[2] += hits;
	d->retired[3] += misses;
	d->retired[4] += t->perf_map_refreshes;
}

static void warn_about(const struct session *s, const struct target *t, const char *id);

/* A JVM's attach ended (the worker answered, or it failed): the warnings
 * that depend on it, or the news that a retry worked. */
static void on_attached(void *ctx, struct target *t)
{
	struct daemon *d = ctx;
	struct tm_slot *slot = tm_find(d, t->pid);

	if (!slot)
		return; /* tm_start reports it once the slot exists */
	if (!slot->attach_tries)
		warn_about(&d->s, t, slot->id);
	else if (!t->attach_err)
		log_info("TaskManager %s (PID %d): attached; Java frames and thread names available",
			 slot->id, t->pid);
}

/* One library's symbol tables are read whole before they are parsed: a
 * target could map one of 8 M symbols (900 MiB, seconds on the loop).
 * Over a quarter of the budget they are not read. */
static void table_cap_apply(const struct daemon *d)
{
	symbolizer_set_table_max(d->cfg.memory / TABLE_SHARE);
}

/* The libraries that cap refused, once each, with the fix. */
static void refused_tables_report(const struct daemon *d)
{
	char path[512];
	uint64_t bytes;
	bool partial;

	for (int i = 0; i < 8 && symbolizer_take_refused_table(path, sizeof(path), &bytes, &partial);
	     i++)
		log_warn("%s: its symbol tables (%" PRIu64 " MiB) are over a quarter of [limits] "
			 "memory (%" PRIu64 " MiB), so %s; set [limits] memory = %" PRIu64
			 "M or more to name its functions",
			 path, (bytes + (1u << 20) - 1) >> 20, d->cfg.memory >> 20,
			 partial ? "it is named from its exported symbols only" :
				   "its frames are named by library only",
			 ((bytes * TABLE_SHARE) >> 20) + 1);
}

static int daemon_session_open(struct daemon *d)
{
	struct session_options so = { .events = d->cfg.events, .freq_hz = d->cfg.freq_hz,
				      .unwind = d->cfg.unwind, .sampler = d->cfg.sampler,
				      .note_budget_ms = NOTE_BUDGET_MS,
				      .build_budget_ms = build_budget_ms(&d->cfg) };
	int rc;

	if (session_init(&d->s, &so))
		return EXIT_INTERNAL;
	table_cap_apply(d);
	d->s.worker = d->worker;
	d->s.on_attached = on_attached;
	d->s.on_attached_ctx = d;
	rc = session_setup_start(&d->s);
	if (rc) {
		session_free(&d->s);
		return rc;
	}
	d->session_on = true;
	d->ntms = 0;
	memset(d->losses_at_start, 0, sizeof(d->losses_at_start));
	return EXIT_OK;
}

static void daemon_session_close(struct daemon *d)
{
	uint64_t l[4];

	if (!d->session_on)
		return;
	session_losses(&d->s, l);
	d->retired[0] += l[0];
	d->retired[1] += l[1] + l[2] + l[3];
	for (size_t i = 0; i < d->s.ntargets; i++)
		daemon_target_retire(d, &d->s.targets[i]);
	d->retired_notes[0] += d->s.notes_deferred;
	d->retired_notes[1] += d->s.notes_skipped;
	d->retired_notes[2] += d->s.stacks_named_cheaply;
	d->retired_notes[3] += d->s.results_stale;
	session_free(&d->s);
	d->session_on = false;
	d->ntms = 0;
}

static void warn_about(const struct session *s, const struct target *t, const char *id)
{
	char buf[512];

	if (session_java_stacks_warning(s, t, buf, sizeof(buf)))
		log_warn("TaskManager %s (PID %d): %s%s", id, t->pid, buf,
			 target_java_frames_missing(t) ? JAVA_NO_PERF_MAP_TEXT : "");
	if (t->attach_err)
		log_warn("TaskManager %s (PID %d): %s; Java frames and full thread names will be "
			 "missing",
			 id, t->pid, attach_error_text(t->attach_err));
}

static void tm_start(struct daemon *d, const struct daemon_tm_found *f)
{
	struct target *t;
	int err;

	if (d->s.ntargets >= TMPROF_MAX_TARGETS)
		return;
	err = session_add_target(&d->s, f->pid);
	t = d->s.ntargets ? &d->s.targets[d->s.ntargets - 1] : NULL;
	if (err == -ESRCH)
		return; /* gone already */
	if (err || !t || t->pid != f->pid) {
		log_warn("TaskManager %s (PID %d): cannot profile it: %s", f->id, f->pid,
			 strerror(err ? -err : EINVAL));
		if (t && t->pid == f->pid)
			session_remove_target(&d->s, f->pid);
		return;
	}
	if (tm_add(d, f)) {
		session_remove_target(&d->s, f->pid);
		return;
	}
	d->k.targets_added++;
	log_info("TaskManager %s (PID %d) added", tm_find(d, f->pid)->id, f->pid);
	/* Else on_attached warns when the worker is done. */
	if (!t->attach_pending)
		warn_about(&d->s, t, tm_find(d, f->pid)->id);
}

/* A JVM that did not answer (busy starting, or paused) gets a few more
 * chances, further apart each time; one that disabled attach on its
 * command line does not. The worker asks; on_attached reports. */
static void retry_attach(struct daemon *d)
{
	uint64_t now = monotonic_ms();

	for (size_t i = 0; i < d->s.ntargets && !stop_requested; i++) {
		struct target *t = &d->s.targets[i];
		struct tm_slot *slot = tm_find(d, t->pid);

		if (!t->is_jvm || !t->attach_err || t->attach_pending || t->jvm.attach_disabled ||
		    t->exited || !slot || slot->attach_tries >= ATTACH_TRIES || now < slot->next_attach_ms)
			continue;
		slot->attach_tries++;
		slot->next_attach_ms = now + ((uint64_t)ATTACH_RETRY_MS << slot->attach_tries);
		session_attach(&d->s, t);
	}
}

static void daemon_discover(struct daemon *d)
{
	uint64_t scan_start = monotonic_ms();
	int err = daemon_discovery_scan(&d->disc);

	if (err) {
		log_warn("scanning /proc for TaskManagers failed: %s", strerror(-err));
		return;
	}
	size_t i, started = 0;

	for (i = 0; i < d->disc.ntms && !stop_requested; i++) {
		const struct daemon_tm_found *f = &d->disc.tms[i];

		/* A known pid: the same process, or a reused pid whose old
		 * process leaves at the end of this period (its samples are
		 * named by pid until then); the new one comes in after.
		 * Adding one reads its mappings and unwind tables in the
		 * loop: a few per scan, the rest at the next (2 s later), so
		 * that a hundred TaskManagers starting at once (or a process
		 * forking look-alikes) cannot hold up a period. */
		if (started >= TM_STARTS_PER_SCAN || monotonic_ms() - scan_start >= TM_STARTS_BUDGET_MS)
			break;
		if (!tm_find(d, f->pid) && daemon_process_age_s(f->start_time) >= TM_MIN_AGE_S) {
			tm_start(d, f);
			/* Only those added count: one that cannot be
			 * profiled must not keep the others out. */
			started += tm_find(d, f->pid) != NULL;
		}
	}
	/* A target's start reads its mappings, symbols and vmStructs into
	 * buffers freed right after: measured, the heap kept ~4 MiB of them
	 * until the period's end (memory_enforce), the soak's RSS peaks. */
	if (started)
		malloc_trim(0);
	retry_attach(d);
}

/* Targets that exited leave after their last period was written, with
 * their symbols, perf map and thread names. */
static void drop_exited(struct daemon *d)
{
	for (size_t i = 0; i < d->s.ntargets;) {
		struct target *t = &d->s.targets[i];
		struct tm_slot *slot;

		if (target_alive(t)) {
			i++;
			continue;
		}
		slot = tm_find(d, t->pid);
		log_info("TaskManager %s (PID %d) exited; dropped", slot ? slot->id : "?", t->pid);
		daemon_target_retire(d, t);
		tm_remove(d, t->pid);
		session_remove_target(&d->s, t->pid);
	}
}

static void run_retention(struct daemon *d)
{
	struct retention_policy p = { .max_age_s = d->cfg.max_age_s, .max_bytes = d->cfg.max_bytes };
	struct retention_result r;
	int err = daemon_retention_run(d->cfg.dir, &p, time(NULL), &r);

	if (err && err != -ENOENT)
		log_warn("retention in %s failed: %s", d->cfg.dir, strerror(-err));
	d->k.retention_deleted += r.deleted;
	if (r.deleted || r.temps || r.dirs)
		log_debug("retention: %" PRIu64 " files (%" PRIu64 " bytes) deleted, %" PRIu64
			  " stale temporaries and %" PRIu64 " empty directories removed",
			  r.deleted, r.deleted_bytes, r.temps, r.dirs);
}

/* Between periods (no name handed out is held): the caches under a
 * quarter of the memory budget, freed memory back to the kernel, and when
 * RSS still nears the budget, every cache emptied. */
static void memory_enforce(struct daemon *d)
{
	uint64_t rss = 0, fds = 0;
	unsigned int n;

	refused_tables_report(d);
	/* What the period did not use first: that keeps RSS flat while a
	 * target churns through code; the budget is for many targets. */
	n = session_cache_age(&d->s, d->cfg.memory / TARGET_CACHE_SHARE);
	n += session_cache_trim(&d->s, d->cfg.memory / 4);
	/* Caches refilled and emptied leave free holes in the heap that
	 * glibc keeps; without this RSS only ever grows to its high mark. */
	malloc_trim(0);
	daemon_self_usage(&rss, &fds);
	if (rss > d->cfg.memory - d->cfg.memory / 8) {
		n += session_cache_trim(&d->s, 0);
		malloc_trim(0);
		daemon_self_usage(&rss, &fds);
		if (rss > d->cfg.memory && !d->over_budget_warned) {
			d->over_budget_warned = true;
			log_warn("RSS %" PRIu64 " MiB is over [limits] memory (%" PRIu64 " MiB) with every "
				 "cache emptied: raise it for this many TaskManagers",
				 rss >> 20, d->cfg.memory >> 20);
		}
	}
	d->k.cache_evictions += n;
	session_cache_usage(&d->s, d->cache_use);
}

/* Too many stacks lost this period: the stack maps are full. */
static bool stack_maps_full(struct daemon *d)
{
	uint64_t l[4], events, lost;

	session_losses(&d->s, l);
	events = l[0] - d->losses_at_start[0];
	lost = (l[1] - d->losses_at_start[1]) + (l[2] - d->losses_at_start[2]);
	memcpy(d->losses_at_start, l, sizeof(l));
	return lost >= RESTART_LOST_MIN && lost * 1000 > events * RESTART_LOST_PER_MILLE;
}

static int daemon_session_restart(struct daemon *d, const char *why)
{
	int rc;

	log_info("reopening the collectors (%s)", why);
	daemon_session_close(d);
	rc = daemon_session_open(d);
	if (rc)
		return rc;
	d->k.session_restarts++;
	daemon_discover(d);
	return EXIT_OK;
}

static void end_period(struct daemon *d, bool final)
{
	struct daemon_period_result r = { 0 };
	struct daemon_tm_name *names = NULL;
	size_t n = d->s.ntargets;
	/* The next period starts at the cut, not once this one is written:
	 * writing (and pushing) takes time, which must not add to every
	 * period. */
	uint64_t cut_ms = monotonic_ms();

	if (session_cut(&d->s, final))
		log_warn("closing the period's scheduler spans failed; its last second may be short");
	names = calloc(n ? n : 1, sizeof(*names));
	for (size_t i = 0; names && i < n; i++) {
		const struct tm_slot *slot = tm_find(d, d->s.targets[i].pid);

		names[i].pid = d->s.targets[i].pid;
		snprintf(names[i].id, sizeof(names[i].id), "%s", slot ? slot->id : "unknown");
	}
	if (!names) {
		log_error("out of memory writing the period");
		d->k.write_errors++;
	} else if (n) {
		daemon_period_write(&d->s, &d->cfg, &d->rules, &d->cats, names, n, &d->push,
				    d->pusher, &r);
		d->k.periods++;
	}
	free(names);
	d->k.files_written += r.files_written;
	d->k.write_errors += r.write_errors;
	d->k.pushes += r.pushes;
	d->k.push_failures += r.push_failures;
	d->k.push_ms += r.push_ms;
	session_next_interval(&d->s);
	drop_exited(d);
	memory_enforce(d);
	run_retention(d);
	d->period_start_ms = cut_ms;
	if (!final && stack_maps_full(d) && daemon_session_restart(d, "stack maps full") != EXIT_OK)
		stop_requested = 1;
}

static int mkdir_p(const char *path)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		buf[i] = i < n ? '/' : '\0';
	}
	return 0;
}

/* Perf events open per TaskManager: per-thread sampling opens one per
 * thread, so this is the figure to watch on a TaskManager with many. */
static int render_events_per_tm(struct daemon *d, char *buf, size_t cap, size_t off)
{
	struct cpu_sampler *sampler = d->session_on ? session_collector_impl(&d->s, SESSION_CPU) : NULL;
	size_t n = sampler ? d->s.ntargets : 0;
	char (*ids)[DAEMON_TM_ID_MAX] = n ? calloc(n, sizeof(*ids)) : NULL;
	const char **names = n ? calloc(n, sizeof(*names)) : NULL;
	uint64_t *values = n ? calloc(n, sizeof(*values)) : NULL;
	int ret;

	if (n && (!ids || !names || !values)) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		const struct target *t = &d->s.targets[i];

		daemon_tm_id(&t->jvm, ids[i], sizeof(ids[i]));
		names[i] = ids[i];
		values[i] = cpu_sampler_events_open(sampler, t->pid);
	}
	ret = daemon_metrics_format_per_tm(buf, cap, off, "tmprof_taskmanager_perf_events_open",
					   "Sampling perf events open for the TaskManager's threads.",
					   names, values, n);
cleanup:
	free(ids);
	free(names);
	free(values);
	return ret;
}

static int render_metrics(void *ctx, char **body, size_t *len)
{
	struct daemon *d = ctx;
	struct daemon_metrics m = d->k;
	uint64_t l[4] = { 0 };
	size_t cap = 8192;
	int n;

	if (d->session_on)
		session_losses(&d->s, l);
	m.samples = d->retired[0] + l[0];
	m.lost_samples = d->retired[1] + l[1] + l[2] + l[3];
	m.sym_hits = d->retired[2];
	m.sym_misses = d->retired[3];
	m.perf_map_refreshes = d->retired[4];
	m.stacks_named_late = d->retired_notes[0] + (d->session_on ? d->s.notes_deferred : 0);
	m.stacks_left_to_build = d->retired_notes[1] + (d->session_on ? d->s.notes_skipped : 0);
	m.stacks_named_cheaply = d->retired_notes[2] + (d->session_on ? d->s.stacks_named_cheaply : 0);
	m.setup_results_dropped = d->retired_notes[3] + (d->session_on ? d->s.results_stale : 0);
	m.targets = 0;
	for (size_t i = 0; d->session_on && i < d->s.ntargets; i++) {
		const struct target *t = &d->s.targets[i];
		uint64_t hits, misses;

		daemon_target_usage(t, &hits, &misses);
		m.sym_hits += hits;
		m.sym_misses += misses;
		m.perf_map_refreshes += t->perf_map_refreshes;
		m.targets += !t->exited;
	}
	daemon_self_usage(&m.rss_bytes, &m.open_fds);
	m.memory_budget = d->cfg.memory;
	m.cache_bytes = 0;
	for (int c = 0; c < CACHE__COUNT; c++)
		m.cache_bytes += d->cache_use[c];
	m.attach_pending = attach_worker_pending(d->worker);
	if (d->session_on && session_collector_impl(&d->s, SESSION_CPU)) {
		struct thread_events_stats es;

		cpu_sampler_event_stats(session_collector_impl(&d->s, SESSION_CPU), &es);
		m.perf_events = es.open;
	}
	cap += d->session_on ? d->s.ntargets * (DAEMON_TM_ID_MAX * 2 + 64) : 0;
	cap += CACHE__COUNT * 64 + 256;
	*body = malloc(cap);
	if (!*body)
		return -ENOMEM;
	n = daemon_metrics_format(&m, *body, cap);
	if (n >= 0)
		n = render_events_per_tm(d, *body, cap, (size_t)n);
	if (n >= 0) {
		const char *names[CACHE__COUNT];

		for (int c = 0; c < CACHE__COUNT; c++)
			names[c] = session_cache_name((enum session_cache)c);
		n = daemon_metrics_format_labeled(*body, cap, (size_t)n, "tmprof_cache_bytes",
						  "Bytes held by each cache, as measured after the last period.",
						  "cache", names, d->cache_use, CACHE__COUNT);
	}
	if (n < 0) {
		free(*body);
		*body = NULL;
		return n;
	}
	*len = (size_t)n;
	return 0;
}

/* The loop's side: render the metrics now and publish them. */
static void metrics_publish(struct daemon *d)
{
	char *body = NULL, *old;
	size_t len = 0;

	if (!d->metrics_running || render_metrics(d, &body, &len))
		return;
	pthread_mutex_lock(&d->metrics_lock);
	old = d->metrics_body;
	d->metrics_body = body;
	d->metrics_len = len;
	pthread_mutex_unlock(&d->metrics_lock);
	free(old);
}

/* The server thread's side: a copy of what was published last. */
static int metrics_serve(void *ctx, char **body, size_t *len)
{
	struct daemon *d = ctx;
	int err = 0;

	pthread_mutex_lock(&d->metrics_lock);
	*body = d->metrics_body ? malloc(d->metrics_len ? d->metrics_len : 1) : NULL;
	if (!*body) {
		err = -ENOMEM;
	} else {
		memcpy(*body, d->metrics_body, d->metrics_len);
		*len = d->metrics_len;
	}
	pthread_mutex_unlock(&d->metrics_lock);
	return err;
}

static void *metrics_thread(void *arg)
{
	struct daemon *d = arg;

	while (!d->metrics_stop) {
		struct pollfd fds[1 + METRICS_MAX_CONNS];
		size_t n = metrics_server_pollfds(&d->ms, fds, sizeof(fds) / sizeof(fds[0]));

		/* Every turn, events or not: the server also expires clients
		 * that connect and never send (they report no event). */
		if (poll(fds, n, 200) <= 0)
			for (size_t i = 0; i < n; i++)
				fds[i].revents = 0;
		metrics_server_handle(&d->ms, fds, n, metrics_serve, d);
	}
	return NULL;
}

static void metrics_close(struct daemon *d)
{
	if (d->metrics_running) {
		d->metrics_stop = 1;
		pthread_join(d->metrics_tid, NULL);
		d->metrics_running = false;
	}
	metrics_server_close(&d->ms);
}

static int metrics_open(struct daemon *d)
{
	sigset_t all, old;
	int err;

	if (!d->cfg.metrics_on)
		return 0;
	err = metrics_server_open(&d->ms, (const struct sockaddr *)&d->cfg.metrics_addr,
				  d->cfg.metrics_addr_len);
	if (err) {
		log_error("[metrics] listen = %s: cannot listen: %s; pick a free address or 'off'",
			  d->cfg.metrics_listen, strerror(-err));
		return err;
	}
	if (!d->metrics_body) { /* something to serve before the loop's first turn */
		d->metrics_running = true;
		metrics_publish(d);
	}
	d->metrics_stop = 0;
	/* Signals stay with the loop: its poll() must wake up for them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = -pthread_create(&d->metrics_tid, NULL, metrics_thread, d);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	d->metrics_running = !err;
	if (err) {
		log_error("[metrics] cannot start its thread: %s", strerror(-err));
		metrics_server_close(&d->ms);
	}
	return err;
}

static bool same_listen(const struct daemon_config *a, const struct daemon_config *b)
{
	return a->metrics_on == b->metrics_on &&
	       (!a->metrics_on || (a->metrics_addr_len == b->metrics_addr_len &&
				   !memcmp(&a->metrics_addr, &b->metrics_addr, a->metrics_addr_len)));
}

static void daemon_reload(struct daemon *d)
{
	struct daemon_config nc, old;
	char err[768];
	bool collectors, listen;
	int rc;

	if (daemon_config_load(d->config_path, &nc, err, sizeof(err))) {
		log_error("reload: %s; keeping the running configuration", err);
		return;
	}
	if ((rc = mkdir_p(nc.dir))) {
		log_error("reload: %s: cannot create the output directory: %s; keeping the running "
			  "configuration",
			  nc.dir, strerror(-rc));
		daemon_config_free(&nc);
		return;
	}
	collectors = nc.events != d->cfg.events || nc.freq_hz != d->cfg.freq_hz ||
		     nc.unwind != d->cfg.unwind || nc.sampler != d->cfg.sampler;
	listen = same_listen(&nc, &d->cfg);
	/* What was gathered so far goes out under the settings it was
	 * gathered with. */
	if (collectors)
		end_period(d, true);
	old = d->cfg;
	d->cfg = nc;
	table_cap_apply(d); /* [limits] memory may have changed */
	if (collectors && daemon_session_restart(d, "new mode, frequency or sampler") != EXIT_OK)
		stop_requested = 1;
	/* A new period or naming time applies from the next period's writing. */
	d->s.opts.build_budget_ms = build_budget_ms(&d->cfg);
	if (!listen) {
		metrics_close(d);
		if (metrics_open(d))
			log_warn("reload: metrics are off until the address is fixed");
	}
	daemon_config_free(&old);
	/* A new period length applies to the period under way. */
	d->period_end_ms = d->period_start_ms + (uint64_t)d->cfg.period_s * 1000;
	log_info("configuration reloaded from %s: period %u s, %u Hz", d->config_path,
		 d->cfg.period_s, d->cfg.freq_hz);
}

static void main_loop(struct daemon *d)
{
	uint64_t now = monotonic_ms(), next_poll = now + POLL_MS, next_disc = now;
	uint64_t turn_start, turn_ms;

	d->period_start_ms = now;
	d->period_end_ms = now + (uint64_t)d->cfg.period_s * 1000;
	while (!stop_requested) {
		uint64_t due = next_poll < next_disc ? next_poll : next_disc;
		int timeout;

		if (d->period_end_ms < due)
			due = d->period_end_ms;
		now = monotonic_ms();
		timeout = due > now ? (int)(due - now < POLL_MS ? due - now : POLL_MS) : 0;
		metrics_publish(d);
		poll(NULL, 0, timeout); /* a signal ends the wait */
		if (reload_requested) {
			reload_requested = 0;
			daemon_reload(d);
		}
		now = monotonic_ms();
		turn_start = now;
		if (now >= next_poll) {
			session_poll(&d->s);
			next_poll = next_poll + POLL_MS > now ? next_poll + POLL_MS : now + POLL_MS;
		}
		if (now >= next_disc) {
			daemon_discover(d);
			next_disc = monotonic_ms() + DAEMON_DISCOVERY_MS;
		}
		turn_ms = monotonic_ms() - turn_start;
		if (turn_ms > d->k.loop_turn_max_ms)
			d->k.loop_turn_max_ms = turn_ms;
		if (monotonic_ms() >= d->period_end_ms && !stop_requested) {
			turn_start = monotonic_ms();
			end_period(d, false);
			d->period_end_ms = d->period_start_ms + (uint64_t)d->cfg.period_s * 1000;
			turn_ms = monotonic_ms() - turn_start;
			if (turn_ms > d->k.period_write_max_ms)
				d->k.period_write_max_ms = turn_ms;
		}
	}
}

int daemon_run(const char *config_path, const char *categories_path)
{
	struct daemon d = { .config_path = config_path, .ms = { .fd = -1 },
			    .metrics_lock = PTHREAD_MUTEX_INITIALIZER };
	char err[768];
	int rc;

	if (daemon_config_load(config_path, &d.cfg, err, sizeof(err))) {
		log_error("%s", err);
		daemon_config_free(&d.cfg);
		return EXIT_USAGE;
	}
	/* Two malloc arenas at most: each thread (metrics, attach workers)
	 * would otherwise get its own, whose free pages RSS keeps. */
	mallopt(M_ARENA_MAX, 2);
	/* Fixed thresholds: glibc's dynamic ones rise with every large block
	 * freed (up to 32 MiB mmap, 64 MiB trim), after which a period's or a
	 * target's large buffers stay in the heap and RSS keeps them. */
	mallopt(M_MMAP_THRESHOLD, 256 << 10);
	mallopt(M_TRIM_THRESHOLD, 1 << 20);
	session_setup_quiet_libbpf();
	rc = session_setup_privileges();
	if (rc)
		goto cleanup;
	if ((rc = mkdir_p(d.cfg.dir))) {
		log_error("%s: cannot create the output directory: %s; fix [output] directory",
			  d.cfg.dir, strerror(-rc));
		rc = EXIT_OUTPUT;
		goto cleanup;
	}
	rc = session_setup_rules(NULL, &d.rules);
	if (!rc)
		rc = session_setup_categories(categories_path, &d.cats);
	if (rc)
		goto cleanup;
	if (metrics_open(&d)) {
		rc = EXIT_USAGE;
		goto cleanup;
	}
	if ((rc = attach_worker_new(&d.worker))) {
		log_error("cannot start the attach threads: %s", strerror(-rc));
		rc = EXIT_INTERNAL;
		goto cleanup;
	}
	if ((rc = daemon_pusher_new(&d.pusher))) {
		log_error("cannot start the push thread: %s", strerror(-rc));
		rc = EXIT_INTERNAL;
		goto cleanup;
	}
	signals_install();
	rc = daemon_session_open(&d);
	if (rc)
		goto cleanup;
	run_retention(&d);
	log_info("daemon: %s at %u Hz (%s)%s, period %u s, writing to %s%s%s%s",
		 d.cfg.events & SESSION_OFFCPU ? "wall" : "cpu", d.cfg.freq_hz,
		 cpu_sampler_mode_name(d.cfg.sampler),
		 d.cfg.events & SESSION_ALLOC ? " + alloc" : "", d.cfg.period_s, d.cfg.dir,
		 d.cfg.metrics_on ? "; metrics on http://" : "",
		 d.cfg.metrics_on ? d.cfg.metrics_listen : "", d.cfg.metrics_on ? "/metrics" : "");
	main_loop(&d);
	if (d.session_on) {
		end_period(&d, true);
		/* The last period's pushes get their usual time. */
		daemon_pusher_free(d.pusher, daemon_push_budget_ms(d.cfg.period_s));
		d.pusher = NULL;
		log_info("daemon: stopped; the last period is written");
	}
	rc = EXIT_OK;
cleanup:
	daemon_session_close(&d);
	daemon_pusher_free(d.pusher, 0);
	attach_worker_free(d.worker);
	metrics_close(&d);
	free(d.metrics_body);
	pthread_mutex_destroy(&d.metrics_lock);
	daemon_discovery_free(&d.disc);
	free(d.tms);
	state_rules_free(&d.rules);
	category_rules_free(&d.cats);
	daemon_config_free(&d.cfg);
	return rc;
}
