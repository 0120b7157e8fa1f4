// SPDX-License-Identifier: GPL-2.0
#include "agent/core/session.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/collect/hotspot_prep.h"
#include "agent/collect/hotspot_unwind.h"
#include "agent/core/log.h"
#include "agent/jvm/attach_worker.h"
#include "agent/jvm/hotspot_attach.h"
#include "agent/jvm/jvm_runtime.h"
#include "agent/collect/unwind_maps.h"
#include "agent/jvm/thread_names.h"
#include "agent/core/sample_weights.h"
#include "symbolize/ksyms.h"
#include "symbolize/hotspot_nmethod.h"
#include "symbolize/hotspot_perfdata.h"
#include "symbolize/hotspot_version.h"
#include "symbolize/java_frames.h"
#include "symbolize/symbolizer.h"

/* A thread dump stops the JVM at a safepoint: not more often than this. */
#define THREAD_NAMES_MIN_INTERVAL_MS 5000
#define PERF_MAP_MIN_INTERVAL_MS 5000
/* At the end, one more chance for code and threads that appeared late. */
#define FINAL_REFRESH_MIN_INTERVAL_MS 1000
/* New stacks waiting past a drain's note budget: 4096 x 24 bytes; a period
 * with more new stacks than that leaves the rest to its build. */
#define NOTE_BACKLOG_MAX 4096

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static const char *const unwind_names[] = {
	[UNWIND_AUTO] = "auto",
	[UNWIND_FP] = "fp",
	[UNWIND_HOTSPOT] = "hotspot",
};

int session_unwind_parse(const char *text, enum session_unwind *out)
{
	for (size_t i = 0; i < sizeof(unwind_names) / sizeof(unwind_names[0]); i++) {
		if (!strcmp(text, unwind_names[i])) {
			*out = (enum session_unwind)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *session_unwind_name(enum session_unwind u)
{
	return (unsigned int)u < sizeof(unwind_names) / sizeof(unwind_names[0]) ? unwind_names[u] : "?";
}

int session_init(struct session *s, const struct session_options *o)
{
	const struct collector_ops *const *kinds = o->kinds ? o->kinds : collector_kinds;
	size_t nkinds = o->kinds ? o->nkinds : collector_nkinds;
	int err = 0;

	memset(s, 0, sizeof(*s));
	s->opts = *o;
	if (nkinds > sizeof(s->opts.events) * CHAR_BIT)
		return -E2BIG;
	/* Every kind gets its (empty) rows, so that readers need not ask
	 * which are on; the array never moves: stack caches point into it. */
	s->collectors = calloc(nkinds, sizeof(*s->collectors));
	if (!s->collectors)
		return -ENOMEM;
	for (; s->ncollectors < nkinds && !err; s->ncollectors++)
		err = collector_init(&s->collectors[s->ncollectors], kinds[s->ncollectors],
				     1u << s->ncollectors);
	if (err)
		return err;
	/* Only with a budget: without one every new stack is named at once. */
	if (o->note_budget_ms && note_backlog_init(&s->backlog, NOTE_BACKLOG_MAX))
		return -ENOMEM;
	err = ksyms_load(&s->ksyms);
	if (err)
		log_warn("cannot read /proc/kallsyms (%s); kernel frames stay unnamed", strerror(-err));
	return 0;
}

void session_free(struct session *s)
{
	for (size_t i = 0; i < s->ncollectors; i++)
		collector_free(&s->collectors[i]);
	free(s->collectors);
	unwind_maps_free(s->unwind);
	for (size_t i = 0; i < s->ntargets; i++)
		target_close(&s->targets[i]);
	free(s->targets);
	free(s->names_stale);
	ksyms_free(s->ksyms);
	note_backlog_free(&s->backlog);
	memset(s, 0, sizeof(*s));
}

struct collector *session_collector(const struct session *s, unsigned int event)
{
	for (size_t i = 0; i < s->ncollectors; i++)
		if (s->collectors[i].event == event)
			return &s->collectors[i];
	return NULL;
}

void *session_collector_impl(const struct session *s, unsigned int event)
{
	struct collector *c = session_collector(s, event);

	return c ? c->impl : NULL;
}

static int session_start_target(struct session *s, struct target *t);

int session_add_target(struct session *s, pid_t pid)
{
	int err;

	for (size_t i = 0; i < s->ntargets; i++)
		if (s->targets[i].pid == pid)
			return 0;
	if (s->ntargets == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct target *t = realloc(s->targets, cap * sizeof(*t));
		bool *stale;

		if (!t)
			return -ENOMEM;
		s->targets = t;
		stale = realloc(s->names_stale, cap * sizeof(*stale));
		if (!stale)
			return -ENOMEM;
		s->names_stale = stale;
		s->cap = cap;
	}
	err = target_open(pid, s->ksyms, &s->targets[s->ntargets]);
	if (err) {
		target_close(&s->targets[s->ntargets]);
		return err;
	}
	s->names_stale[s->ntargets++] = false;
	if (s->started)
		return session_start_target(s, &s->targets[s->ntargets - 1]);
	return 0;
}

/* The unwinder's maps first: created once, every collector's BPF object
 * uses them instead of its own (agent/collect/unwind_maps.h). With
 * --unwind fp no HotSpot configuration is ever set: no room for any. */
static int session_open_collectors(struct session *s)
{
	unsigned int features = UNWIND_MAPS_CFI;
	bool unwinder = false;
	int err;

	for (size_t i = 0; i < s->ncollectors; i++)
		if (s->opts.events & s->collectors[i].event)
			unwinder |= s->collectors[i].ops->uses_unwinder;
	if (s->opts.unwind != UNWIND_FP)
		features |= UNWIND_MAPS_HOTSPOT;
	err = unwinder ? unwind_maps_new(features, &s->unwind) : 0;
	if (err)
		return err;
	for (size_t i = 0; i < s->ncollectors; i++) {
		struct collector *c = &s->collectors[i];

		if (!(s->opts.events & c->event))
			continue;
		err = c->ops->open(&s->opts, s->unwind, &c->impl);
		if (err) {
			c->impl = NULL;
			return err;
		}
	}
	return 0;
}

/* Give every collector the target's HotSpot config (NULL: frame pointers):
 * once, in the unwinder's maps they share. */
static int session_set_hotspot(struct session *s, pid_t pid, const struct hotspot_cfg *cfg)
{
	return s->unwind ? unwind_maps_set_hotspot(s->unwind, pid, cfg) : 0;
}

static void cfi_rows_set(pid_t pid, int n)
{
	if (n < 0)
		log_debug("PID %d: no unwind rows (%s); native frames are found by stack scan", pid,
			  strerror(-n));
}

/* Unwind rows (.eh_frame) for the target's libraries without frame
 * pointers, for every collector: built and loaded once, in the unwinder's
 * maps they share. Without them the BPF walker scans. With a worker (the
 * daemon) the parsing runs there and worker_results installs the rows: a
 * large library would otherwise hold the loop for hundreds of ms. A job
 * under way (an exec seen meanwhile) is checked against the program the
 * process runs when it ends, and asked again if that changed. */
static void session_set_cfi(struct session *s, struct target *t)
{
	if (!s->unwind)
		return;
	if (s->worker && unwind_maps_has_cfi(s->unwind)) {
		struct cfi_known *known = NULL;

		if (t->cfi_pending)
			return;
		/* Libraries another target loaded (libc, the JDK's): not parsed
		 * again. Without the snapshot (no memory) all are. */
		unwind_maps_snapshot_cfi(s->unwind, &known);
		if (!attach_worker_submit_cfi(s->worker, t->pid, t->start_time, known)) {
			t->cfi_pending = true;
			return;
		}
	}
	cfi_rows_set(t->pid, unwind_maps_set_cfi(s->unwind, t->pid));
}

/* Removing a pid a collector no longer follows is harmless. */
static void session_unfollow_target(struct session *s, pid_t pid)
{
	for (size_t i = 0; i < s->ncollectors; i++)
		if (s->collectors[i].impl)
			s->collectors[i].ops->remove_target(s->collectors[i].impl, pid);
	if (s->unwind)
		unwind_maps_remove(s->unwind, pid);
}

static void session_start_interval(struct session *s, uint64_t ns)
{
	for (size_t i = 0; i < s->ncollectors; i++)
		if (s->collectors[i].impl && s->collectors[i].ops->interval_start)
			s->collectors[i].ops->interval_start(s->collectors[i].impl, ns);
}

static void session_stop_interval(struct session *s, uint64_t ns)
{
	for (size_t i = 0; i < s->ncollectors; i++)
		if (s->collectors[i].impl && s->collectors[i].ops->interval_stop)
			s->collectors[i].ops->interval_stop(s->collectors[i].impl, ns);
}

/* Which debug-info record names a sampled pc inside compiled code
 * (README: "Inlined frames and the sampled pc"). TMPROF_JAVA_PC_RULE
 * exists to measure the alternatives; the default is the measured best. */
static enum java_pc_rule pc_rule_from_env(void)
{
	const char *v = getenv("TMPROF_JAVA_PC_RULE");

	if (v && !strcmp(v, "preceding"))
		return JAVA_PC_PRECEDING;
	if (v && !strcmp(v, "nearest"))
		return JAVA_PC_NEAREST;
	if (v && !strcmp(v, "following"))
		return JAVA_PC_FOLLOWING;
	return JAVA_PC_FLOW;
}

/* The BPF side follows the JVM's unloaded-classes counter at every sample.
 * Without it (or should metadata be reused anyway), a Method* the namer
 * finds holding another method starts a new epoch from here on. */
static void session_check_hotspot_epoch(struct session *s, struct target *t)
{
	struct java_frames_stats js;
	uint64_t unloaded = 0;

	if (!t->hotspot || t->exited)
		return;
	java_frames_stats(t->java, &js);
	if (js.method_reused != t->methods_reused) {
		t->methods_reused = js.method_reused;
		t->hs_cfg.epoch++;
		session_set_hotspot(s, t->pid, &t->hs_cfg);
	}
	if (t->hs_cfg.unloaded_addr)
		mem_read_u64(&t->runtime->mem, t->hs_cfg.unloaded_addr, &unloaded);
	t->epoch_now = hs_epoch_of(hs_frame_epoch(t->hs_cfg.epoch + (uint32_t)unloaded));
}

/* What was read for t's HotSpot unwinding (hotspot_prep.h), installed:
 * cheap, nothing of the target is read but the epoch counter. */
static void session_hotspot_install(struct session *s, struct target *t, struct hotspot_prep *p)
{
	int err = hotspot_prep_install(p, t);

	if (!err) {
		java_frames_set_pc_rule(t->java, pc_rule_from_env());
		err = session_set_hotspot(s, t->pid, &t->hs_cfg);
	}
	t->hotspot_err = err;
	if (err) {
		if (!hotspot_prep_retry(err, t->hotspot_tries))
			t->hotspot_tries = HOTSPOT_TRIES;
		return;
	}
	t->hotspot = true;
	/* Class unloading is what lets another method reuse a Method*'s
	 * address; without the counter, reuse seen by the namer still bumps
	 * the epoch (session_check_hotspot_epoch). */
	session_check_hotspot_epoch(s, t);
}

/* HotSpot unwinding for a JVM target (--unwind auto or hotspot): the BPF
 * walk learns the JVM's code cache and frame layout from its vmStructs,
 * and its Java frames are named from its memory. Failing that, the
 * frame-pointer walk stays; why is kept in hotspot_err for the warning.
 * With a worker (the daemon) the reading runs there (a JVM can make its
 * vmStructs long to walk) and worker_results installs it. */
static void session_unwind_hotspot(struct session *s, struct target *t)
{
	struct hotspot_prep p;
	int err;

	if (s->opts.unwind == UNWIND_FP || !t->is_jvm || t->hotspot || t->exited ||
	    t->hotspot_pending || t->hotspot_tries >= HOTSPOT_TRIES)
		return;
	if (s->worker) {
		/* A full queue: tried again at the next poll. */
		if (!attach_worker_submit(s->worker, t->pid, t->start_time, ATTACH_JOB_HOTSPOT, 0)) {
			t->hotspot_tries++;
			t->hotspot_pending = true;
		}
		return;
	}
	t->hotspot_tries++;
	err = target_runtime_open(t);
	if (err)
		p = (struct hotspot_prep){ .err = err };
	else
		hotspot_prep_fill(t->runtime, &p);
	session_hotspot_install(s, t, &p);
	java_frames_free(p.java);
}

/* A collector waits for t's runtime (follow_waits) and no HotSpot set-up
 * will bring it (--unwind fp): the worker reads the runtime alone, with
 * the HotSpot set-up's tries and pending flag (never both in a session). */
static void session_read_runtime(struct session *s, struct target *t)
{
	if (s->opts.unwind != UNWIND_FP || !s->worker || !t->follow_waiting || t->runtime ||
	    t->exited || t->hotspot_pending || t->hotspot_tries >= HOTSPOT_TRIES)
		return;
	/* A full queue: tried again at the next poll. */
	if (!attach_worker_submit(s->worker, t->pid, t->start_time, ATTACH_JOB_RUNTIME, 0)) {
		t->hotspot_tries++;
		t->hotspot_pending = true;
	}
}

/* The runtime the worker read (ATTACH_JOB_RUNTIME) into t; not found yet
 * (a JVM still starting: -ENOENT) is tried again, anything else is final. */
static void session_runtime_install(struct target *t, struct hotspot_prep *p)
{
	if (!p) {
		t->hotspot_tries = HOTSPOT_TRIES;
		return;
	}
	if (p->rt && !t->runtime) {
		t->runtime = p->rt;
		p->rt = NULL;
	}
	t->hotspot_err = p->err;
	if (p->err && !hotspot_prep_retry(p->err, t->hotspot_tries))
		t->hotspot_tries = HOTSPOT_TRIES;
}

const char *session_hotspot_error(int err)
{
	switch (err) {
	case 0:
		return "on";
	case -ENOENT:
		return "the JVM's vmStructs lack what the unwinder needs, or its code cache is not set up";
	case -ERANGE:
		return "the JVM's code cache layout is one tmprof's BPF unwinder cannot handle";
	case -EFAULT:
	case -EPERM:
	case -EACCES:
		return "the JVM's memory cannot be read";
	default:
		return strerror(-err);
	}
}

/* Why HotSpot unwinding is off, naming the JDK and the vmStructs entry it
 * lacks when that is the cause, so that a JDK tmprof does not know yet is
 * reported as such rather than as a fault of the JVM. */
static const char *session_hotspot_why(const struct target *t, char *buf, size_t len)
{
	char release[64], missing[HOTSPOT_MISSING_MAX];

	if (t->hotspot_err != -ENOENT || !t->runtime || !t->runtime->vmstructs_ok ||
	    hotspot_cfg_missing(&t->runtime->vs, missing, sizeof(missing)))
		return session_hotspot_error(t->hotspot_err);
	hotspot_vm_release(&t->runtime->mem, &t->runtime->vs, release, sizeof(release));
	snprintf(buf, len, "JDK %s: its vmStructs have no %s, a layout tmprof does not know",
		 release, missing);
	return buf;
}

const char *session_java_stacks_warning(const struct session *s, const struct target *t,
				       char *buf, size_t len)
{
	char why[256];

	if (!t->is_jvm || t->hotspot)
		return NULL;
	if (s->opts.unwind == UNWIND_FP) {
		if (t->jvm.pfp == PFP_ON)
			return NULL;
		snprintf(buf, len, "-XX:+PreserveFramePointer is off, so with --unwind fp Java stacks "
			 "stop at the leaf frame; use --unwind auto, or add -XX:+PreserveFramePointer to "
			 "env.java.opts.taskmanager");
	} else if (t->jvm.pfp == PFP_ON) {
		snprintf(buf, len, "HotSpot unwinding is off (%s); Java stacks use frame pointers, "
			 "interpreted and inlined frames stay unnamed", session_hotspot_why(t, why, sizeof(why)));
	} else {
		snprintf(buf, len, "HotSpot unwinding is off (%s) and -XX:+PreserveFramePointer is off, "
			 "so Java stacks stop at the leaf frame; add -XX:+PreserveFramePointer to "
			 "env.java.opts.taskmanager", session_hotspot_why(t, why, sizeof(why)));
	}
	return buf;
}

/* Does collector c wait for the worker to read t's runtime before it
 * follows t? Only in a session with a worker (the daemon): `record` and
 * `top` read it in line, before the first sample. */
static bool follow_waits(const struct session *s, const struct target *t,
			 const struct collector *c)
{
	return s->worker && c->ops->needs_runtime && t->is_jvm && !t->runtime;
}

static const char *runtime_error(int err)
{
	if (err == -ENOENT)
		return "no libjvm.so mapped";
	/* Every request met a full worker queue. */
	return err ? strerror(-err) : "the attach worker had no room for the request";
}

/* The collectors waiting for t's runtime follow t once the worker has
 * read it (add_target then finds it open: what is left is cheap, uprobes
 * and offsets); with no runtime and no try left, they never will. */
static void session_follow_waiting(struct session *s, struct target *t)
{
	bool give_up = !t->runtime && !t->hotspot_pending && t->hotspot_tries >= HOTSPOT_TRIES;

	if (!t->follow_waiting || (!t->runtime && !give_up))
		return;
	for (size_t i = 0; i < s->ncollectors; i++) {
		struct collector *c = &s->collectors[i];
		int err = give_up ? -ENOEXEC : 0;

		if (!c->impl || !(t->follow_waiting & c->event))
			continue;
		if (give_up)
			log_warn("PID %d: cannot read its JVM's runtime (libjvm's symbols, vmStructs): %s",
				 t->pid, runtime_error(t->hotspot_err));
		else
			err = c->ops->add_target(c->impl, t);
		if (err)
			log_warn("PID %d: no %s profile for this process", t->pid, c->ops->name);
	}
	t->follow_waiting = 0;
}

/* Every open collector whose start phase is `phase` follows target t.
 * -ENOEXEC from a collector: this target cannot have that kind (already
 * reported); a running session (the daemon) goes on with the other kinds. */
static int session_follow_phase(struct session *s, struct target *t, enum collector_start phase,
				bool running)
{
	for (size_t i = 0; i < s->ncollectors; i++) {
		struct collector *c = &s->collectors[i];
		int err;

		if (!c->impl || c->ops->start != phase)
			continue;
		if (follow_waits(s, t, c)) {
			t->follow_waiting |= c->event;
			continue;
		}
		err = c->ops->add_target(c->impl, t);
		if (err == -ENOEXEC && running) {
			log_warn("PID %d: no %s profile for this process", t->pid, c->ops->name);
			continue;
		}
		if (err)
			return err;
	}
	return 0;
}

/* Unwind tables and the HotSpot configuration before the first sample:
 * reading them takes a few hundred ms, and stacks taken before would stop
 * at the leaf with raw JIT pcs, which only a perf map could name (none on
 * JDK 11). */
static void session_prepare_target(struct session *s, struct target *t)
{
	session_set_cfi(s, t);
	session_unwind_hotspot(s, t);
	session_read_runtime(s, t);
}

int session_start(struct session *s)
{
	static const enum collector_start after_window[] = { COLLECTOR_START_AT_WINDOW,
							     COLLECTOR_START_LATE };
	struct timespec ts;
	int err;

	/* BPF first: without it nothing else is worth the JVMs' time. */
	err = session_open_collectors(s);
	if (err)
		return err;
	for (size_t i = 0; i < s->ntargets; i++)
		target_attach(&s->targets[i]);
	/* Collectors whose failures should stop us before the slow setup
	 * (alloc: a libjvm without its hooks). */
	for (size_t i = 0; i < s->ntargets; i++) {
		err = session_follow_phase(s, &s->targets[i], COLLECTOR_START_EARLY, false);
		if (err)
			return err;
	}
	for (size_t i = 0; i < s->ntargets; i++)
		session_prepare_target(s, &s->targets[i]);
	/* The window opens only now, and every target goes into the BPF
	 * filters right after: a thread's first scheduler event then says
	 * what it did since the start. Opened before that slow setup, a
	 * thread first seen leaving the CPU lost the time between the start
	 * and its last switch-in (135 ms/s of one task thread on 6.1 under
	 * emulation, where the setup takes longest). */
	s->start_ns = monotonic_ns();
	clock_gettime(CLOCK_REALTIME, &ts);
	s->start_unix_ns = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
	session_start_interval(s, s->start_ns);
	/* Fast filters first (the scheduler's), then what is slow to set up
	 * (per-thread perf events on a JVM with hundreds of threads). */
	for (size_t p = 0; p < sizeof(after_window) / sizeof(after_window[0]); p++)
		for (size_t i = 0; i < s->ntargets; i++) {
			err = session_follow_phase(s, &s->targets[i], after_window[p], false);
			if (err)
				return err;
		}
	s->started = true;
	return 0;
}

/* A request to the worker; a full queue counts as a failed request (the
 * target is asked again after the backoff). */
static bool worker_submit(struct session *s, struct target *t, enum attach_job job)
{
	if (attach_worker_submit(s->worker, t->pid, t->start_time, job, HOTSPOT_ATTACH_TIMEOUT_MS)) {
		target_attach_backoff(t, -EAGAIN, monotonic_ms());
		return false;
	}
	if (job == ATTACH_JOB_NAMES)
		t->names_pending = true;
	else
		t->perf_map_pending = true;
	return true;
}

static void attach_ended(struct session *s, struct target *t, int names_err, int perf_map_err)
{
	t->attach_pending = false;
	target_attach_finish(t, names_err, perf_map_err);
	target_attach_backoff(t, t->attach_err, monotonic_ms());
	if (s->on_attached)
		s->on_attached(s->on_attached_ctx, t);
}

void session_attach(struct session *s, struct target *t)
{
	if (!s->worker) {
		target_attach(t);
		return;
	}
	if (t->attach_pending || t->names_pending || t->perf_map_pending)
		return;
	t->attach_err = 0;
	if (!target_attach_begin(t)) {
		if (s->on_attached && t->attach_err)
			s->on_attached(s->on_attached_ctx, t);
		return;
	}
	t->attach_pending = true;
	if (!worker_submit(s, t, ATTACH_JOB_NAMES))
		attach_ended(s, t, -EAGAIN, 0);
}

/* A CFI or HotSpot result describes the program the worker found under
 * the pid: installed only if the process still runs it. One for a process
 * that exec'd since is dropped and the tables asked again (the HotSpot
 * set-up is not: the target is no JVM any more, target_forget_jvm); one
 * for a pid that is another process's now, or for a target no longer
 * waiting, is dropped. Both are counted. */
static void program_result(struct session *s, struct target *t, struct attach_result *r)
{
	bool cfi = r->job == ATTACH_JOB_CFI;
	int current;

	if (!t || !(cfi ? t->cfi_pending : t->hotspot_pending)) {
		s->results_stale++;
		return;
	}
	if (cfi)
		t->cfi_pending = false;
	else
		t->hotspot_pending = false;
	current = attach_result_current(r);
	if (current != 1 || (!cfi && !t->is_jvm)) {
		s->results_stale++;
		if (cfi && current == 0)
			session_set_cfi(s, t);
		return;
	}
	if (cfi) {
		int n = !r->err && s->unwind ? unwind_maps_install_cfi(s->unwind, t->pid, r->cfi) :
					       r->err;

		/* A library the snapshot named lost its last target since: asked
		 * again, this time parsing all (no snapshot, so this cannot repeat). */
		if (!r->err && n == -EAGAIN) {
			if (!attach_worker_submit(s->worker, t->pid, t->start_time, ATTACH_JOB_CFI, 0))
				t->cfi_pending = true;
			else
				session_set_cfi(s, t);
		} else {
			cfi_rows_set(t->pid, n);
		}
	} else if (r->job == ATTACH_JOB_RUNTIME) {
		session_runtime_install(t, r->hotspot);
	} else if (r->hotspot) {
		session_hotspot_install(s, t, r->hotspot);
	} else {
		t->hotspot_err = r->err;
		t->hotspot_tries = HOTSPOT_TRIES;
	}
}

/* What the worker finished, into the targets it was for. A result for a
 * target that left, or that is not waiting for it (a session reopened
 * since), is dropped. */
static void worker_results(struct session *s)
{
	struct attach_result r[16];
	size_t n;

	if (!s->worker)
		return;
	while ((n = attach_worker_take(s->worker, r, sizeof(r) / sizeof(r[0]))) > 0) {
		for (size_t k = 0; k < n; k++) {
			struct target *t = NULL;
			size_t i;
			int err = r[k].err;

			for (i = 0; i < s->ntargets; i++)
				if (s->targets[i].pid == r[k].pid && s->targets[i].start_time == r[k].start_time) {
					t = &s->targets[i];
					break;
				}
			if (r[k].job == ATTACH_JOB_CFI || r[k].job == ATTACH_JOB_HOTSPOT ||
			    r[k].job == ATTACH_JOB_RUNTIME) {
				program_result(s, t, &r[k]);
				err = 0; /* not an attach failure */
			} else if (t && r[k].job == ATTACH_JOB_NAMES && t->names_pending) {
				t->names_pending = false;
				if (!err && t->names)
					err = thread_names_apply(t->names, &r[k].reply);
				if (t->attach_pending) {
					if (err || !worker_submit(s, t, ATTACH_JOB_PERF_MAP))
						attach_ended(s, t, err ? err : -EAGAIN, 0);
				} else {
					target_attach_backoff(t, err, monotonic_ms());
					if (!err)
						s->names_stale[i] = false;
				}
			} else if (t && r[k].job == ATTACH_JOB_PERF_MAP && t->perf_map_pending) {
				t->perf_map_pending = false;
				/* Read by the worker: the loop only merges it in. */
				if (!err) {
					target_perf_map_hand(t, r[k].perf_map, r[k].read_err);
					r[k].perf_map = NULL;
				}
				if (t->attach_pending) {
					attach_ended(s, t, 0, err);
				} else {
					target_attach_backoff(t, err, monotonic_ms());
					target_perf_map_written(t, err);
				}
			}
			if (r[k].ms >= HOTSPOT_ATTACH_TIMEOUT_MS / 2)
				log_debug("PID %d: an attach request took %llu ms (%s)", (int)r[k].pid,
					  (unsigned long long)r[k].ms, strerror(err < 0 ? -err : 0));
			attach_result_free(&r[k]);
		}
		if (n < sizeof(r) / sizeof(r[0]))
			break;
	}
}

/* A target added to a running session (the daemon): what session_start
 * does for each target, for this one. */
static int session_start_target(struct session *s, struct target *t)
{
	int err;

	session_attach(s, t);
	err = session_follow_phase(s, t, COLLECTOR_START_EARLY, true);
	if (err)
		return err;
	session_prepare_target(s, t);
	err = session_follow_phase(s, t, COLLECTOR_START_AT_WINDOW, true);
	if (!err)
		err = session_follow_phase(s, t, COLLECTOR_START_LATE, true);
	return err;
}

int session_remove_target(struct session *s, pid_t pid)
{
	size_t i;

	for (i = 0; i < s->ntargets && s->targets[i].pid != pid; i++)
		;
	if (i == s->ntargets)
		return -ESRCH;
	session_unfollow_target(s, pid);
	target_close(&s->targets[i]);
	memmove(&s->targets[i], &s->targets[i + 1], (s->ntargets - i - 1) * sizeof(*s->targets));
	memmove(&s->names_stale[i], &s->names_stale[i + 1],
		(s->ntargets - i - 1) * sizeof(*s->names_stale));
	s->ntargets--;
	return 0;
}

static struct target *session_target(struct session *s, pid_t pid)
{
	for (size_t i = 0; i < s->ntargets; i++)
		if (s->targets[i].pid == pid)
			return &s->targets[i];
	return NULL;
}

/* Has this drain used up its time for naming new stacks? */
static bool note_budget_spent(const struct session *s)
{
	return s->note_deadline_ns && monotonic_ns() >= s->note_deadline_ns;
}

static bool note_spent(const void *ctx)
{
	return note_budget_spent(ctx);
}

/* A new stack of collector c: named now, or, past the drain's budget
 * (looked at between frames: one may cost a whole symbol table), queued
 * for the next drains (or, with the queue full, left to the period's
 * build). */
static void note_stack(struct session *s, struct target *t, size_t c, uint64_t stack,
		       const struct stack_copy *user)
{
	struct note_ref r = { .stack = stack, .pid = t->pid, .collector = (uint32_t)c };

	if (!note_budget_spent(s) && target_note_stack(t, user->ips, user->depth, note_spent, s))
		return;
	if (note_backlog_push(&s->backlog, &r))
		s->notes_skipped++;
}

/* New stacks and threads are looked at while the process can still be
 * read: ELF files and thread dumps are gone once it exits. */
static void note_sample(struct session *s, struct target *t, size_t c, bool has_user_stack,
			uint64_t user_stack, pid_t tid)
{
	const struct stack_copy *user = NULL;
	bool fresh = false;

	if (has_user_stack)
		user = stack_cache_get(&s->collectors[c].user_stacks, user_stack, &fresh);
	if (user && fresh && !t->exited)
		note_stack(s, t, c, user_stack, user);
	if (t->names && thread_names_note_tid(t->names, tid) == 1)
		s->names_stale[t - s->targets] = true;
}

/* The stacks earlier drains had no time for, oldest first, while this
 * drain's budget lasts. */
static void note_backlog_work(struct session *s)
{
	struct note_ref r;

	while (!note_budget_spent(s) && note_backlog_pop(&s->backlog, &r)) {
		struct target *t = session_target(s, r.pid);
		const struct stack_copy *user;
		bool fresh;

		if (!t || t->exited || r.collector >= s->ncollectors)
			continue;
		user = stack_cache_get(&s->collectors[r.collector].user_stacks, r.stack, &fresh);
		if (!user)
			continue;
		if (target_note_stack(t, user->ips, user->depth, note_spent, s)) {
			s->notes_deferred++;
		} else {
			/* Stopped within the stack: the rest at the next drain. */
			if (note_backlog_push(&s->backlog, &r))
				s->notes_skipped++;
			break;
		}
	}
}

struct row_sink {
	struct session *s;
	struct collector *c;
};

/* Every drained row: added to its kind's rows, its stacks and thread
 * looked at while the target lives. */
static int on_row(void *ctx, const struct collector_row *row)
{
	struct row_sink *k = ctx;
	struct target *t = session_target(k->s, (pid_t)row->tgid);
	int err = agg_table_add(&k->c->rows, row->key, row->a, row->b);

	if (!err && t) {
		note_sample(k->s, t, (size_t)(k->c - k->s->collectors), row->user_stack != 0,
			    row->user_stack, (pid_t)row->tid);
		if (k->c->ops->note_row)
			k->c->ops->note_row(k->c->impl, t, row);
	}
	return err;
}

static int drain(struct session *s)
{
	int err = 0;

	/* The epoch first: the stacks drained now are named against it. */
	for (size_t i = 0; i < s->ntargets; i++)
		session_check_hotspot_epoch(s, &s->targets[i]);
	s->note_deadline_ns = s->opts.note_budget_ms ?
				      monotonic_ns() + (uint64_t)s->opts.note_budget_ms * 1000000 : 0;
	note_backlog_work(s);

	for (size_t i = 0; i < s->ncollectors && !err; i++) {
		struct row_sink k = { s, &s->collectors[i] };

		if (k.c->impl)
			err = k.c->ops->drain(k.c->impl, on_row, &k);
	}
	if (err)
		log_error("reading aggregates from BPF failed: %s", strerror(-err));
	return err;
}

static void refresh_names(struct session *s, int min_interval_ms)
{
	uint64_t now = monotonic_ms();

	for (size_t i = 0; i < s->ntargets; i++) {
		struct target *t = &s->targets[i];

		if (!s->names_stale[i] || !t->names || t->exited)
			continue;
		if (s->worker) {
			if (!t->attach_pending && !t->names_pending && now >= t->attach_next_ms &&
			    thread_names_due(t->names, min_interval_ms))
				worker_submit(s, t, ATTACH_JOB_NAMES);
			continue;
		}
		if (thread_names_refresh(t->names, min_interval_ms) == 0)
			s->names_stale[i] = false;
	}
}

static void refresh_perf_map(struct session *s, struct target *t, int min_interval_ms)
{
	if (!s->worker) {
		target_maybe_refresh_perf_map(t, monotonic_ms(), (uint64_t)min_interval_ms);
		return;
	}
	if (!t->attach_pending && !t->perf_map_pending &&
	    target_perf_map_due(t, monotonic_ms(), (uint64_t)min_interval_ms))
		worker_submit(s, t, ATTACH_JOB_PERF_MAP);
}

/* Same pid, new program: keep profiling it with its own mappings. What
 * was gathered before keeps the old program's names. */
static void session_exec_seen(struct session *s, struct target *t)
{
	char path[64], exe[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", t->pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	log_warn("PID %d exec'd into %s during the recording: profiling the new program from here "
		 "(earlier stacks keep the old program's names)", t->pid, n > 0 ? exe : "another program");
	for (size_t i = 0; i < s->ncollectors; i++)
		if (s->collectors[i].impl && s->collectors[i].ops->target_exec)
			s->collectors[i].ops->target_exec(s->collectors[i].impl, t->pid);
	if (t->hotspot)
		session_set_hotspot(s, t->pid, NULL);
	target_forget_jvm(t);
	session_set_cfi(s, t);
	if (process_symbolizer_reload_maps(t->sym))
		log_warn("PID %d: cannot read its mappings after the exec", t->pid);
}

static size_t check_targets(struct session *s)
{
	size_t alive = 0;

	for (size_t i = 0; i < s->ntargets; i++) {
		struct target *t = &s->targets[i];
		bool was_alive = !t->exited;

		if (target_alive(t)) {
			alive++;
			if (target_check_exec(t) == 1)
				session_exec_seen(s, t);
			continue;
		}
		if (!was_alive)
			continue;
		log_warn("PID %d exited during the recording; keeping what was gathered", t->pid);
		session_unfollow_target(s, t->pid);
	}
	return alive;
}

static size_t poll_with(struct session *s, int names_interval_ms, int perf_map_interval_ms)
{
	worker_results(s);
	drain(s);
	refresh_names(s, names_interval_ms);
	for (size_t i = 0; i < s->ntargets; i++) {
		refresh_perf_map(s, &s->targets[i], perf_map_interval_ms);
		if (!s->started)
			continue;
		session_unwind_hotspot(s, &s->targets[i]);
		session_read_runtime(s, &s->targets[i]);
		session_follow_waiting(s, &s->targets[i]);
	}
	return check_targets(s);
}

size_t session_poll(struct session *s)
{
	return poll_with(s, THREAD_NAMES_MIN_INTERVAL_MS, PERF_MAP_MIN_INTERVAL_MS);
}

static int thread_cpu(void *ctx, pid_t tgid, pid_t tid, uint64_t *ns)
{
	return cpu_sampler_thread_cpu(ctx, tgid, tid, ns);
}

/* --sampler=weighted: samples scaled to each thread's CPU time, which is
 * counted since the start, so only for the whole recording. */
static void session_weigh_samples(struct session *s)
{
	struct collector *c = session_collector(s, SESSION_CPU);
	struct cpu_sampler *sampler = session_collector_impl(s, SESSION_CPU);
	int err;

	if (!c || !sampler || cpu_sampler_mode(sampler) != CPU_SAMPLER_WEIGHTED)
		return;
	err = sample_weights_apply(&c->rows, cpu_sampler_period_ns(sampler), thread_cpu, sampler);
	if (err)
		log_warn("--sampler=weighted: samples left unweighted: %s", strerror(-err));
}

int session_cut(struct session *s, bool final)
{
	int err = 0;

	s->end_ns = monotonic_ns();
	/* From here the kernel clips spans at end_ns; what it closed before
	 * belongs to this interval and is drained now. Between periods the
	 * spans it closes before the drain land in this interval too (and are
	 * missing from the next: a shift by the drain's delay). At the end no
	 * interval follows, so nothing past end_ns may count: the final drain
	 * comes up to half a second later under load, and wall states summed
	 * to 1100-1130 ms/s on an emulated 6.12 with the start moved instead. */
	if (final)
		session_stop_interval(s, s->end_ns);
	else
		session_start_interval(s, s->end_ns);
	if (final)
		poll_with(s, FINAL_REFRESH_MIN_INTERVAL_MS, FINAL_REFRESH_MIN_INTERVAL_MS);
	else
		drain(s);
	if (final)
		session_weigh_samples(s);
	for (size_t i = 0; i < s->ncollectors && !err; i++) {
		struct row_sink k = { s, &s->collectors[i] };

		if (k.c->impl && k.c->ops->cut)
			err = k.c->ops->cut(k.c->impl, s->start_ns, s->end_ns, on_row, &k);
	}
	return err;
}

/* Java names are needed until an interval's profile is built (the profile
 * copies them). A JVM that keeps generating classes would fill the namer's
 * string budget in a daemon that runs for weeks, and later names would be
 * lost: past this size, start afresh. Safe: a stack seen again carries its
 * epoch, and names are read from the JVM only while it is in that epoch. */
#ifndef JAVA_NAMES_FLUSH_BYTES
#define JAVA_NAMES_FLUSH_BYTES (8u << 20)
#endif

static void java_names_trim(struct target *t)
{
	struct java_frames_stats js;

	if (!t->java)
		return;
	java_frames_stats(t->java, &js);
	if (js.string_bytes < JAVA_NAMES_FLUSH_BYTES)
		return;
	frame_memo_free(&t->memo); /* it points into the namer's strings */
	java_frames_flush(t->java);
}

void session_next_interval(struct session *s)
{
	for (size_t i = 0; i < s->ntargets; i++) {
		java_names_trim(&s->targets[i]);
		/* The interval that could name exited threads is written. */
		if (s->targets[i].names && !s->targets[i].exited)
			thread_names_prune(s->targets[i].names);
	}
	for (size_t i = 0; i < s->ncollectors; i++)
		agg_table_clear(&s->collectors[i].rows);
	/* The period's build named what the drains had no time for. */
	s->notes_skipped += note_backlog_clear(&s->backlog);
	/* Output formats stamp each interval with its own start. */
	if (s->end_ns > s->start_ns)
		s->start_unix_ns += (int64_t)(s->end_ns - s->start_ns);
	s->start_ns = s->end_ns;
	s->end_ns = 0;
}

double session_elapsed_s(const struct session *s)
{
	uint64_t end = s->end_ns ? s->end_ns : monotonic_ns();

	return s->start_ns && end > s->start_ns ? (double)(end - s->start_ns) / 1e9 : 0;
}

void session_losses(struct session *s, uint64_t out[4])
{
	memset(out, 0, 4 * sizeof(*out));
	for (size_t i = 0; i < s->ncollectors; i++) {
		struct collector_stats st = { 0 };

		if (!s->collectors[i].impl)
			continue;
		s->collectors[i].ops->stats(s->collectors[i].impl, &st);
		out[0] += st.events;
		out[1] += st.user_lost;
		out[2] += st.kern_lost;
		out[3] += st.dropped;
	}
}
