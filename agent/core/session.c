#include "agent/core/session.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/collect/alloc_tracer.h"
#include "agent/collect/hotspot_unwind.h"
#include "agent/collect/cpu_sampler.h"
#include "agent/jvm/jvm_runtime.h"
#include "agent/jvm/klass_names.h"
#include "agent/core/log.h"
#include "agent/collect/offcpu_tracer.h"
#include "agent/jvm/thread_names.h"
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

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The caches are created before the collectors: fetches find them via the
 * session. */
static int fetch_cpu_user_stack(void *ctx, uint64_t id, uint64_t *ips, size_t max)
{
	struct session *s = ctx;

	return s->sampler ? cpu_sampler_user_stack(s->sampler, id, ips, max) : -ENOENT;
}

static int fetch_cpu_kern_stack(void *ctx, uint64_t id, uint64_t *ips, size_t max)
{
	struct session *s = ctx;

	return s->sampler ? cpu_sampler_kernel_stack(s->sampler, id, ips, max) : -ENOENT;
}

static int fetch_off_user_stack(void *ctx, uint64_t id, uint64_t *ips, size_t max)
{
	struct session *s = ctx;

	return s->tracer ? offcpu_tracer_user_stack(s->tracer, id, ips, max) : -ENOENT;
}

static int fetch_alloc_user_stack(void *ctx, uint64_t id, uint64_t *ips, size_t max)
{
	struct session *s = ctx;

	return s->alloc ? alloc_tracer_user_stack(s->alloc, id, ips, max) : -ENOENT;
}

static int fetch_off_kern_stack(void *ctx, uint64_t id, uint64_t *ips, size_t max)
{
	struct session *s = ctx;

	return s->tracer ? offcpu_tracer_kernel_stack(s->tracer, id, ips, max) : -ENOENT;
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
	int err;

	memset(s, 0, sizeof(*s));
	s->opts = *o;
	err = agg_table_init(&s->cpu, sizeof(struct cpu_sample_key));
	if (!err)
		err = agg_table_init(&s->spans, sizeof(struct sched_span_key));
	if (!err)
		err = agg_table_init(&s->allocs, sizeof(struct alloc_key));
	if (!err)
		err = stack_cache_init(&s->alloc_user_stacks, fetch_alloc_user_stack, s);
	if (!err)
		err = stack_cache_init(&s->cpu_user_stacks, fetch_cpu_user_stack, s);
	if (!err)
		err = stack_cache_init(&s->cpu_kern_stacks, fetch_cpu_kern_stack, s);
	if (!err)
		err = stack_cache_init(&s->off_user_stacks, fetch_off_user_stack, s);
	if (!err)
		err = stack_cache_init(&s->off_kern_stacks, fetch_off_kern_stack, s);
	if (err)
		return err;
	err = ksyms_load(&s->ksyms);
	if (err)
		log_warn("cannot read /proc/kallsyms (%s); kernel frames stay unnamed", strerror(-err));
	return 0;
}

void session_free(struct session *s)
{
	cpu_sampler_close(s->sampler);
	offcpu_tracer_close(s->tracer);
	alloc_tracer_close(s->alloc);
	for (size_t i = 0; i < s->ntargets; i++)
		target_close(&s->targets[i]);
	free(s->targets);
	free(s->names_stale);
	stack_cache_free(&s->cpu_user_stacks);
	stack_cache_free(&s->cpu_kern_stacks);
	stack_cache_free(&s->off_user_stacks);
	stack_cache_free(&s->off_kern_stacks);
	agg_table_free(&s->cpu);
	agg_table_free(&s->spans);
	agg_table_free(&s->allocs);
	stack_cache_free(&s->alloc_user_stacks);
	ksyms_free(s->ksyms);
	memset(s, 0, sizeof(*s));
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

static int open_collectors(struct session *s)
{
	int err;

	if (s->opts.events & SESSION_CPU) {
		err = cpu_sampler_open(s->opts.freq_hz,
				       s->opts.per_cpu ? CPU_SAMPLER_PER_CPU : CPU_SAMPLER_PER_THREAD,
				       &s->sampler);
		if (err)
			return err;
	}
	if (s->opts.events & SESSION_OFFCPU) {
		err = offcpu_tracer_open(&s->tracer);
		if (err)
			return err;
	}
	if (s->opts.events & SESSION_ALLOC) {
		err = alloc_tracer_open(&s->alloc);
		if (err)
			return err;
	}
	return 0;
}

/* libjvm and vmStructs of a JVM target, opened once for whoever needs
 * them first (allocation hooks, HotSpot unwinding). */
static int runtime_open(struct target *t)
{
	return target_runtime_open(t);
}

/* A target that exited meanwhile is noticed by the next poll; one whose
 * threads got no event (out of fds) was reported: neither stops the others. */
static int sampler_add_target(struct session *s, pid_t pid)
{
	int err = s->sampler ? cpu_sampler_add_target(s->sampler, pid) : 0;

	if (err == -ESRCH || err == -EMFILE || err == -ENFILE) {
		log_warn("PID %d: no CPU samples (%s)", pid, strerror(-err));
		return 0;
	}
	return err;
}

/* Give every collector the target's HotSpot config (NULL: frame pointers). */
static int collectors_set_hotspot(struct session *s, pid_t pid, const struct hotspot_cfg *cfg)
{
	int err = s->sampler ? cpu_sampler_set_hotspot(s->sampler, pid, cfg) : 0;

	if (!err && s->tracer)
		err = offcpu_tracer_set_hotspot(s->tracer, pid, cfg);
	if (!err && s->alloc)
		err = alloc_tracer_set_hotspot(s->alloc, pid, cfg);
	return err;
}

/* Unwind rows (.eh_frame) for the target's libraries without frame
 * pointers, in every collector; without them the BPF walker scans. */
static void collectors_set_cfi(struct session *s, pid_t pid)
{
	int n = s->sampler ? cpu_sampler_set_cfi(s->sampler, pid, true) : 0;

	if (n >= 0 && s->tracer)
		n = offcpu_tracer_set_cfi(s->tracer, pid, true);
	if (n >= 0 && s->alloc)
		n = alloc_tracer_set_cfi(s->alloc, pid, true);
	if (n < 0)
		log_debug("PID %d: no unwind rows (%s); native frames are found by stack scan", pid,
			  strerror(-n));
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
	return JAVA_PC_FOLLOWING;
}

/* A JVM that just started has no code cache yet: try again at the next
 * polls, for about this many seconds. */
#define HOTSPOT_TRIES 30

/* The BPF side follows the JVM's unloaded-classes counter at every sample.
 * Without it (or should metadata be reused anyway), a Method* the namer
 * finds holding another method starts a new epoch from here on. */
static void hotspot_check_epoch(struct session *s, struct target *t)
{
	struct java_frames_stats js;
	uint64_t unloaded = 0;

	if (!t->hotspot || t->exited)
		return;
	java_frames_stats(t->java, &js);
	if (js.method_reused != t->methods_reused) {
		t->methods_reused = js.method_reused;
		t->hs_cfg.epoch++;
		collectors_set_hotspot(s, t->pid, &t->hs_cfg);
	}
	if (t->hs_cfg.unloaded_addr)
		mem_read_u64(&t->runtime->mem, t->hs_cfg.unloaded_addr, &unloaded);
	t->epoch_now = hs_epoch_of(hs_frame_epoch(t->hs_cfg.epoch + (uint32_t)unloaded));
}

/* HotSpot unwinding for a JVM target (--unwind auto or hotspot): the BPF
 * walk learns the JVM's code cache and frame layout from its vmStructs,
 * and its Java frames are named from its memory. Failing that, the
 * frame-pointer walk stays; why is kept in hotspot_err for the warning. */
static void hotspot_attach(struct session *s, struct target *t)
{
	uint64_t unloaded;
	int err;

	if (s->opts.unwind == UNWIND_FP || !t->is_jvm || t->hotspot || t->exited ||
	    t->hotspot_tries >= HOTSPOT_TRIES)
		return;
	t->hotspot_tries++;
	err = runtime_open(t);
	if (!err && !(t->runtime->vmstructs_ok && t->runtime->vmstructs_ints_ok))
		err = -ENOENT;
	if (!err)
		err = hotspot_cfg_read(&t->runtime->mem, &t->runtime->vs, &t->hs_cfg);
	if (!err && !t->java)
		err = java_frames_new(&t->runtime->mem, &t->runtime->vs, &t->java);
	if (!err) {
		java_frames_set_codecache(t->java, &t->hs_cfg);
		java_frames_set_pc_rule(t->java, pc_rule_from_env());
		err = collectors_set_hotspot(s, t->pid, &t->hs_cfg);
	}
	t->hotspot_err = err;
	if (err) {
		/* Only "not set up yet" is worth another try. */
		if (err != -ENOENT)
			t->hotspot_tries = HOTSPOT_TRIES;
		return;
	}
	t->hotspot = true;
	/* Class unloading is what lets another method reuse a Method*'s
	 * address; without the counter, reuse seen by the namer still bumps
	 * the epoch (hotspot_check_epoch). */
	if (!hotspot_perfdata_find(&t->runtime->mem, &t->runtime->vs, "java.cls.unloadedClasses",
				   &unloaded)) {
		t->hs_cfg.unloaded_addr = unloaded;
		collectors_set_hotspot(s, t->pid, &t->hs_cfg);
	}
	hotspot_check_epoch(s, t);
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
static const char *hotspot_why(const struct target *t, char *buf, size_t len)
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
			 "interpreted and inlined frames stay unnamed", hotspot_why(t, why, sizeof(why)));
	} else {
		snprintf(buf, len, "HotSpot unwinding is off (%s) and -XX:+PreserveFramePointer is off, "
			 "so Java stacks stop at the leaf frame; add -XX:+PreserveFramePointer to "
			 "env.java.opts.taskmanager", hotspot_why(t, why, sizeof(why)));
	}
	return buf;
}

/* A JVM's allocation hooks and class-name reader. Errors are reported
 * here, with the fix. */
static int alloc_attach(struct session *s, struct target *t)
{
	int err;

	if (!t->is_jvm) {
		log_warn("PID %d is not a JVM: no Java allocations to record", t->pid);
		return 0;
	}
	t->klasses = calloc(1, sizeof(*t->klasses));
	if (!t->klasses)
		return -ENOMEM;
	err = runtime_open(t);
	if (err) {
		log_error("PID %d: cannot find libjvm.so in the process (%s)", t->pid, strerror(-err));
		return -ENOEXEC;
	}
	if (!t->runtime->alloc_in_new_tlab || !t->runtime->alloc_outside_tlab) {
		log_error("PID %d: %s has no symbol table, so its allocation hooks "
			  "(AllocTracer::send_allocation_*) cannot be found; install the JDK's debug "
			  "symbols (e.g. openjdk-17-dbg) or use a JDK build that keeps .symtab",
			  t->pid, t->runtime->libjvm);
		return -ENOEXEC;
	}
	if (!t->runtime->vmstructs_ok ||
	    klass_names_init(t->klasses, &t->runtime->mem, &t->runtime->vs)) {
		log_warn("PID %d: cannot read the JVM's vmStructs; allocated classes stay unnamed",
			 t->pid);
		free(t->klasses);
		t->klasses = NULL;
	}
	err = alloc_tracer_add_target(s->alloc, t->runtime);
	if (err)
		log_error("PID %d: cannot attach uprobes to %s: %s", t->pid, t->runtime->libjvm_host,
			  strerror(-err));
	return err ? -ENOEXEC : 0;
}

int session_start(struct session *s)
{
	int err;

	/* BPF first: without it nothing else is worth the JVMs' time. */
	err = open_collectors(s);
	if (err)
		return err;
	for (size_t i = 0; i < s->ntargets; i++)
		target_attach(&s->targets[i]);
	for (size_t i = 0; s->alloc && i < s->ntargets; i++) {
		err = alloc_attach(s, &s->targets[i]);
		if (err)
			return err;
	}
	/* Unwind tables and the HotSpot configuration before the first
	 * sample: reading them takes a few hundred ms, and stacks taken
	 * before would stop at the leaf with raw JIT pcs, which only a perf
	 * map could name (none on JDK 11). */
	for (size_t i = 0; i < s->ntargets; i++) {
		collectors_set_cfi(s, s->targets[i].pid);
		hotspot_attach(s, &s->targets[i]);
	}
	/* The window opens only now, and every target goes into the BPF
	 * filters right after: a thread's first scheduler event then says
	 * what it did since the start. Opened before that slow setup, a
	 * thread first seen leaving the CPU lost the time between the start
	 * and its last switch-in (135 ms/s of one task thread on 6.1 under
	 * emulation, where the setup takes longest). */
	s->start_ns = monotonic_ns();
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		s->start_unix_ns = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
	}
	if (s->tracer)
		offcpu_tracer_set_start(s->tracer, s->start_ns);
	/* The scheduler filter first: opening per-thread perf events takes a
	 * while on a JVM with hundreds of threads. */
	for (size_t i = 0; s->tracer && i < s->ntargets; i++) {
		err = offcpu_tracer_add_target(s->tracer, s->targets[i].pid);
		if (err)
			return err;
	}
	for (size_t i = 0; i < s->ntargets; i++) {
		err = sampler_add_target(s, s->targets[i].pid);
		if (err)
			return err;
	}
	s->started = true;
	return 0;
}

/* A target added to a running session (the daemon): what session_start
 * does for each target, for this one. An allocation hook that cannot be set
 * is reported and leaves the target with CPU and scheduler data only. */
static int session_start_target(struct session *s, struct target *t)
{
	int err;

	target_attach(t);
	if (s->alloc && alloc_attach(s, t))
		log_warn("PID %d: no allocation profile for this process", t->pid);
	collectors_set_cfi(s, t->pid);
	hotspot_attach(s, t);
	err = sampler_add_target(s, t->pid);
	if (!err && s->tracer)
		err = offcpu_tracer_add_target(s->tracer, t->pid);
	return err;
}

int session_remove_target(struct session *s, pid_t pid)
{
	size_t i;

	for (i = 0; i < s->ntargets && s->targets[i].pid != pid; i++)
		;
	if (i == s->ntargets)
		return -ESRCH;
	/* Removing a pid the collectors no longer filter for is harmless. */
	if (s->sampler)
		cpu_sampler_remove_target(s->sampler, pid);
	if (s->tracer)
		offcpu_tracer_remove_target(s->tracer, pid);
	if (s->alloc)
		alloc_tracer_remove_target(s->alloc, pid);
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

/* New stacks and threads are looked at while the process can still be
 * read: ELF files and thread dumps are gone once it exits. */
static void note_sample(struct session *s, struct target *t, struct stack_cache *stacks,
			bool has_user_stack, uint64_t user_stack, pid_t tid)
{
	const struct stack_copy *user = NULL;
	bool fresh = false;

	if (has_user_stack)
		user = stack_cache_get(stacks, user_stack, &fresh);
	if (user && fresh && !t->exited)
		target_note_stack(t, user->ips, user->depth);
	if (t->names && thread_names_note_tid(t->names, tid) == 1)
		s->names_stale[t - s->targets] = true;
}

static int on_cpu_sample(void *ctx, const struct cpu_sample_key *key, uint64_t count)
{
	struct session *s = ctx;
	struct target *t = session_target(s, (pid_t)key->tgid);
	int err = agg_table_add(&s->cpu, key, count, 0);

	if (!err && t)
		note_sample(s, t, &s->cpu_user_stacks, key->user_stack != 0, key->user_stack,
			    (pid_t)key->tid);
	return err;
}

static int on_span(void *ctx, const struct sched_span_key *key, const struct sched_span_value *v)
{
	struct session *s = ctx;
	struct target *t = session_target(s, (pid_t)key->tgid);
	int err = agg_table_add(&s->spans, key, v->ns, v->count);

	if (!err && t)
		note_sample(s, t, &s->off_user_stacks, key->user_stack != 0, key->user_stack,
			    (pid_t)key->tid);
	return err;
}

static int on_alloc(void *ctx, const struct alloc_key *key, const struct alloc_value *v)
{
	struct session *s = ctx;
	struct target *t = session_target(s, (pid_t)key->tgid);
	int err = agg_table_add(&s->allocs, key, v->bytes, v->count);

	if (!err && t) {
		note_sample(s, t, &s->alloc_user_stacks, key->user_stack != 0, key->user_stack,
			    (pid_t)key->tid);
		/* Read the class name while the class (and process) lives. */
		if (t->klasses && !t->exited)
			klass_names_get(t->klasses, key->klass);
	}
	return err;
}

static int drain(struct session *s)
{
	int err = 0;

	/* The epoch first: the stacks drained now are named against it. */
	for (size_t i = 0; i < s->ntargets; i++)
		hotspot_check_epoch(s, &s->targets[i]);

	if (s->alloc)
		err = alloc_tracer_drain(s->alloc, on_alloc, s);
	if (!err && s->sampler)
		err = cpu_sampler_drain(s->sampler, on_cpu_sample, s);
	if (!err && s->tracer)
		err = offcpu_tracer_drain(s->tracer, on_span, s);
	if (err)
		log_error("reading aggregates from BPF failed: %s", strerror(-err));
	return err;
}

static void refresh_names(struct session *s, int min_interval_ms)
{
	for (size_t i = 0; i < s->ntargets; i++) {
		struct target *t = &s->targets[i];

		if (!s->names_stale[i] || !t->names || t->exited)
			continue;
		if (thread_names_refresh(t->names, min_interval_ms) == 0)
			s->names_stale[i] = false;
	}
}

/* Same pid, new program: keep profiling it with its own mappings. What
 * was gathered before keeps the old program's names. */
static void target_exec_seen(struct session *s, struct target *t)
{
	char path[64], exe[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", t->pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	log_warn("PID %d exec'd into %s during the recording: profiling the new program from here "
		 "(earlier stacks keep the old program's names)", t->pid, n > 0 ? exe : "another program");
	if (s->alloc)
		alloc_tracer_remove_target(s->alloc, t->pid);
	if (t->hotspot)
		collectors_set_hotspot(s, t->pid, NULL);
	target_forget_jvm(t);
	collectors_set_cfi(s, t->pid);
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
				target_exec_seen(s, t);
			continue;
		}
		if (!was_alive)
			continue;
		log_warn("PID %d exited during the recording; keeping what was gathered", t->pid);
		if (s->sampler)
			cpu_sampler_remove_target(s->sampler, t->pid);
		if (s->tracer)
			offcpu_tracer_remove_target(s->tracer, t->pid);
		if (s->alloc)
			alloc_tracer_remove_target(s->alloc, t->pid);
	}
	return alive;
}

static size_t poll_with(struct session *s, int names_interval_ms, int perf_map_interval_ms)
{
	drain(s);
	refresh_names(s, names_interval_ms);
	for (size_t i = 0; i < s->ntargets; i++) {
		target_maybe_refresh_perf_map(&s->targets[i], monotonic_ms(),
					      (uint64_t)perf_map_interval_ms);
		if (s->started)
			hotspot_attach(s, &s->targets[i]);
	}
	return check_targets(s);
}

size_t session_poll(struct session *s)
{
	return poll_with(s, THREAD_NAMES_MIN_INTERVAL_MS, PERF_MAP_MIN_INTERVAL_MS);
}

int session_cut(struct session *s, bool final)
{
	s->end_ns = monotonic_ns();
	/* From here the kernel clips spans at end_ns; what it closed before
	 * belongs to this interval and is drained now. */
	if (s->tracer)
		offcpu_tracer_set_start(s->tracer, s->end_ns);
	if (final)
		poll_with(s, FINAL_REFRESH_MIN_INTERVAL_MS, FINAL_REFRESH_MIN_INTERVAL_MS);
	else
		drain(s);
	if (!s->tracer)
		return 0;
	return offcpu_tracer_close_spans(s->tracer, s->start_ns, s->end_ns, on_span, s);
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
	for (size_t i = 0; i < s->ntargets; i++)
		java_names_trim(&s->targets[i]);
	agg_table_clear(&s->cpu);
	agg_table_clear(&s->spans);
	agg_table_clear(&s->allocs);
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
	uint64_t cpu[CPU_STAT__MAX] = { 0 }, off[OFFCPU_STAT__MAX] = { 0 };
	uint64_t al[ALLOC_STAT__MAX] = { 0 };

	if (s->sampler)
		cpu_sampler_stats(s->sampler, cpu);
	if (s->tracer)
		offcpu_tracer_stats(s->tracer, off);
	if (s->alloc)
		alloc_tracer_stats(s->alloc, al);
	out[0] = cpu[CPU_STAT_SAMPLES] + off[OFFCPU_STAT_SWITCHES] + al[ALLOC_STAT_EVENTS];
	out[1] = cpu[CPU_STAT_USER_COLLISION] + cpu[CPU_STAT_USER_ERROR] +
		 off[OFFCPU_STAT_USER_COLLISION] + off[OFFCPU_STAT_USER_ERROR] +
		 al[ALLOC_STAT_USER_COLLISION] + al[ALLOC_STAT_USER_ERROR];
	out[2] = cpu[CPU_STAT_KERN_COLLISION] + cpu[CPU_STAT_KERN_ERROR] +
		 off[OFFCPU_STAT_KERN_COLLISION] + off[OFFCPU_STAT_KERN_ERROR];
	out[3] = cpu[CPU_STAT_COUNTS_FULL] + off[OFFCPU_STAT_TOTALS_FULL] +
		 off[OFFCPU_STAT_THREADS_FULL] + al[ALLOC_STAT_TOTALS_FULL];
}
