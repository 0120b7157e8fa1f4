// SPDX-License-Identifier: GPL-2.0
#include "agent/core/profile_builder.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/collect/collector.h"
#include "agent/core/agg_table.h"
#include "agent/core/blocked_in.h"
#include "agent/core/bottleneck.h"
#include "agent/core/sample_category.h"
#include "agent/core/operator_build.h"
#include "agent/core/session.h"
#include "agent/core/stack_cache.h"
#include "agent/core/thread_kind.h"
#include "flamegraph/folded_parse.h"
#include "flamegraph/profile.h"
#include "flamegraph/thread_report.h"
#include "symbolize/resolver.h"
#include "symbolize/symbolizer.h"

/* The report's state columns are the scheduler/rules states, in order. */
_Static_assert((int)REPORT_CPU == (int)STATE_CPU && (int)REPORT_RUNQUEUE == (int)STATE_RUNQUEUE &&
		       (int)REPORT_BACKPRESSURED == (int)STATE_BACKPRESSURED &&
		       (int)REPORT_IDLE == (int)STATE_IDLE && (int)REPORT_BLOCKED == (int)STATE_BLOCKED &&
		       (int)REPORT_STATE__MAX == (int)STATE__MAX,
	       "report and state enums must line up");
_Static_assert(CATEGORY_IO - CATEGORY_LOCK == REPORT_IO && CATEGORY_SLEEP - CATEGORY_LOCK == REPORT_SLEEP &&
		       BLOCKED_REASONS == REPORT_BLOCKED__MAX,
	       "report and blocked reason enums must line up");

/* User and kernel stacks, and room for inlined Java frames (a compiled
 * frame expands to its inlining chain). */
#define MAX_FRAMES (4 * TMPROF_MAX_STACK_DEPTH + 3)

enum profile_frame_kind profile_kind_of_sym(enum frame_kind kind)
{
	static const enum profile_frame_kind kinds[] = {
		[FRAME_KERNEL] = PROFILE_FRAME_KERNEL,
		[FRAME_NATIVE] = PROFILE_FRAME_NATIVE,
		[FRAME_JIT] = PROFILE_FRAME_JIT,
		[FRAME_INLINED] = PROFILE_FRAME_INLINED,
		[FRAME_INTERPRETED] = PROFILE_FRAME_INTERPRETED,
		[FRAME_UNKNOWN] = PROFILE_FRAME_UNKNOWN,
	};

	return (unsigned int)kind < sizeof(kinds) / sizeof(kinds[0]) ? kinds[kind] :
								       PROFILE_FRAME_NATIVE;
}

int frame_intern_sym(struct profile *p, const struct frame_sym *fs, uint32_t *id)
{
	enum profile_frame_kind kind = profile_kind_of_sym(fs->kind);

	/* An empty name is as unnamed as an unknown frame. */
	if (kind == PROFILE_FRAME_UNKNOWN || !fs->name || !*fs->name)
		return profile_frame_intern(p, "[unknown]", fs->module, PROFILE_FRAME_UNKNOWN, id);
	return profile_frame_intern(p, fs->name, fs->module, kind, id);
}

/* A thread's comm, per (tgid, tid), with its CPU samples. A new thread
 * starts with its creator's comm and gets its own name a moment later;
 * sampled from its first instruction, it shows both. Without a name from the
 * JVM (it exited before the next thread dump), the comm it carried in most
 * samples names it, so its few early samples do not count for its creator. */
struct tid_comm {
	uint32_t tgid, tid;
	char comm[TMPROF_COMM_LEN];
	uint64_t samples;
};

static int tid_comm_cmp(const void *a, const void *b)
{
	const struct tid_comm *x = a, *y = b;

	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return 0;
}

/* A row of a kind as a sample (the collector knows its key). */
static void row_sample(const struct build_kind *k, size_t i, struct collector_sample *out)
{
	const struct agg_entry *e = &k->rows->entries[i];

	k->ops->sample_of(e->key, e->a, e->b, out);
}

/* One entry per (tgid, tid): its most sampled comm. */
static int tid_comms_build(const struct build_kind *kind, struct tid_comm **out, size_t *n)
{
	const struct agg_table *tab = kind->rows;
	struct tid_comm *all;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!tab || !tab->count)
		return 0;
	all = calloc(tab->count, sizeof(*all));
	if (!all)
		return -ENOMEM;
	for (size_t i = 0; i < tab->count; i++) {
		struct collector_sample cs;

		row_sample(kind, i, &cs);
		all[i].tgid = cs.tgid;
		all[i].tid = cs.tid;
		snprintf(all[i].comm, sizeof(all[i].comm), "%.*s", TMPROF_COMM_LEN - 1, cs.comm);
		all[i].samples = cs.values[0];
	}
	qsort(all, tab->count, sizeof(*all), tid_comm_cmp);
	/* Within one tid, sum per comm (few comms per tid: compare back). */
	for (size_t i = 0; i < tab->count;) {
		size_t j = i, best = i;
		uint64_t best_n = 0;

		while (j < tab->count && !tid_comm_cmp(&all[i], &all[j]))
			j++;
		for (size_t a = i; a < j; a++) {
			uint64_t sum = 0;

			for (size_t c = i; c < j; c++)
				if (!strncmp(all[a].comm, all[c].comm, TMPROF_COMM_LEN))
					sum += all[c].samples;
			if (sum > best_n) {
				best_n = sum;
				best = a;
			}
		}
		all[k] = all[best];
		all[k++].samples = best_n;
		i = j;
	}
	*out = all;
	*n = k;
	return 0;
}

struct builder {
	const struct build_input *in;
	struct profile *p;
	const struct build_options *o;
	struct build_result *r;
	size_t leaves_cap;
	struct tid_comm *comms; /* from the CPU samples, by (tgid, tid) */
	size_t ncomms;
	struct sample_categorizer cats; /* with o->categories */
	const struct category_rules *reasons; /* the options', or the defaults */
	struct operator_cache *ops; /* NULL: no operator placement */
};

static const char *builder_thread_name(struct builder *b, pid_t pid, pid_t tid, const char *comm,
			       char *buf, size_t len)
{
	const char *name = b->in->targets->thread_name ?
				   b->in->targets->thread_name(b->in->targets_ctx, pid, tid) : NULL;
	struct tid_comm want = { .tgid = (uint32_t)pid, .tid = (uint32_t)tid };
	const struct tid_comm *c;

	if (name)
		return name;
	c = b->ncomms ? bsearch(&want, b->comms, b->ncomms, sizeof(*b->comms), tid_comm_cmp) : NULL;
	snprintf(buf, len, "%.*s", TMPROF_COMM_LEN, c ? c->comm : comm);
	return buf;
}

/* Frames root first: the kernel stores stacks leaf first, and the kernel
 * part of a stack sits leafward of the user part. Room is kept for the
 * kernel stack below the user part. */
static int append_stack(struct builder *b, pid_t pid, const struct stack_copy *user,
			const struct stack_copy *kern, uint32_t *frames, uint32_t *depth)
{
	struct frame_sym fs[MAX_FRAMES];
	size_t n = resolver_stack(b->in->resolver, pid, user ? user->ips : NULL,
				  user ? user->depth : 0, kern ? kern->ips : NULL,
				  kern ? kern->depth : 0, fs, MAX_FRAMES - *depth,
				  TMPROF_MAX_STACK_DEPTH + 1);

	for (size_t k = 0; k < n; k++) {
		int err = frame_intern_sym(b->p, &fs[k], &frames[(*depth)++]);

		if (err)
			return err;
	}
	return 0;
}

static struct thread_total *builder_thread_total(struct build_result *r, pid_t pid, pid_t tid,
					     const char *name)
{
	struct thread_total *grown;

	for (size_t i = 0; i < r->nthreads; i++)
		if (r->threads[i].tid == tid && r->threads[i].pid == pid)
			return &r->threads[i];
	grown = realloc(r->threads, (r->nthreads + 1) * sizeof(*r->threads));
	if (!grown)
		return NULL;
	r->threads = grown;
	memset(&r->threads[r->nthreads], 0, sizeof(*r->threads));
	r->threads[r->nthreads].pid = pid;
	r->threads[r->nthreads].tid = tid;
	r->threads[r->nthreads].name = strdup(name);
	if (!r->threads[r->nthreads].name)
		return NULL;
	r->threads[r->nthreads].kind = thread_kind_of(name);
	return &r->threads[r->nthreads++];
}

int frame_total_add(struct frame_total **arr, size_t *n, size_t *cap, uint32_t id,
		    uint64_t samples)
{
	for (size_t i = 0; i < *n; i++) {
		if ((*arr)[i].name_id == id) {
			(*arr)[i].samples += samples;
			return 0;
		}
	}
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct frame_total *g = realloc(*arr, ncap * sizeof(**arr));

		if (!g)
			return -ENOMEM;
		*arr = g;
		*cap = ncap;
	}
	(*arr)[(*n)++] = (struct frame_total){ id, samples };
	return 0;
}

static int label_str(struct profile *p, struct profile_label *l, size_t *n, const char *key,
		     const char *value)
{
	int err = profile_str_intern(p, key, &l[*n].key);

	if (!err)
		err = profile_str_intern(p, value, &l[*n].value);
	if (!err)
		(*n)++;
	return err;
}

static int label_int(struct profile *p, struct profile_label *l, size_t *n, const char *key,
		     long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%ld", v);
	return label_str(p, l, n, key, buf);
}

/* The labels of a thread's samples, in one order so that equal sets merge:
 * process and pid, thread and tid, the task's operator chain and subtask,
 * the operator inside the chain (CPU samples), the state (NULL: none),
 * the CPU category (category < 0: none). */
static int sample_labels(struct builder *b, const char *process, const struct thread_total *tt,
			 const char *op, const char *state, int category, uint32_t *id)
{
	struct profile_label l[PROFILE_LABELS_MAX];
	const struct build_options *o = b->o;
	size_t n = 0, chain_len, sub_len;
	const char *sub;
	int err = 0;

	if (o->process_roots) {
		err = label_str(b->p, l, &n, PROFILE_LABEL_PROCESS, process);
		if (!err)
			err = label_int(b->p, l, &n, PROFILE_LABEL_PID, tt->pid);
	}
	if (!err && o->thread_roots) {
		err = label_str(b->p, l, &n, PROFILE_LABEL_THREAD, tt->name);
		if (!err)
			err = label_int(b->p, l, &n, PROFILE_LABEL_TID, tt->tid);
		if (!err && folded_task_name_parse(tt->name, strlen(tt->name), &chain_len, &sub,
						   &sub_len)) {
			char chain[1024], subtask[24];

			snprintf(chain, sizeof(chain), "%.*s", (int)chain_len, tt->name);
			snprintf(subtask, sizeof(subtask), "%.*s", (int)sub_len, sub);
			err = label_str(b->p, l, &n, PROFILE_LABEL_OPERATOR_CHAIN, chain);
			if (!err)
				err = label_str(b->p, l, &n, PROFILE_LABEL_SUBTASK, subtask);
		}
	}
	if (!err && op && o->thread_roots)
		err = label_str(b->p, l, &n, PROFILE_LABEL_OPERATOR, op);
	if (!err && state && o->span_stacks)
		err = label_str(b->p, l, &n, PROFILE_LABEL_STATE, state);
	if (!err && category >= 0)
		err = label_str(b->p, l, &n, PROFILE_LABEL_CATEGORY,
				category_name((enum category)category));
	return err ? err : profile_labels_intern(b->p, l, n, id);
}

static int builder_thread_of(struct builder *b, pid_t pid, pid_t tid, const char *comm,
		     struct thread_total **tt)
{
	char buf[TMPROF_COMM_LEN + 1];
	const char *name = builder_thread_name(b, pid, tid, comm, buf, sizeof(buf));

	*tt = builder_thread_total(b->r, pid, tid, name);
	return *tt ? 0 : -ENOMEM;
}

static const struct stack_copy *stack_of(struct stack_cache *c, bool present, uint64_t id)
{
	bool fresh;

	return c && present ? stack_cache_get(c, id, &fresh) : NULL;
}

static bool builder_target_of(struct builder *b, uint32_t tgid, const char **label)
{
	*label = "process";
	return b->in->targets->target(b->in->targets_ctx, (pid_t)tgid, label);
}

static int add_values(struct builder *b, const uint32_t *frames, uint32_t depth, uint32_t labels,
		      uint64_t v0, uint64_t v1)
{
	uint64_t values[PROFILE_VALUES_MAX] = { v0, v1 };

	return profile_add_sample(b->p, frames, depth, labels, values);
}

/* A row's thread, labels and stack, root first. */
static int row_stack(struct builder *b, const struct build_kind *kind,
		     const struct collector_sample *cs, struct thread_total **tt, uint32_t *frames,
		     uint32_t *depth, uint64_t *user_id)
{
	const struct stack_copy *user, *kern;
	int err = builder_thread_of(b, (pid_t)cs->tgid, (pid_t)cs->tid, cs->comm, tt);

	user = stack_of(kind->user, cs->user_stack, cs->user_stack);
	kern = stack_of(kind->kern, cs->kern_stack >= 0, (uint64_t)cs->kern_stack);
	if (user_id)
		*user_id = user ? cs->user_stack : 0;
	if (!err)
		err = append_stack(b, (pid_t)cs->tgid, user, kern, frames, depth);
	return err;
}

static int add_cpu_samples(struct builder *b, const struct build_kind *kind)
{
	const struct agg_table *tab = kind->rows;
	/* In wall mode a sample stands for 1/HZ s of CPU, in microseconds. */
	uint64_t weight = b->o->span_stacks ? 1000000ULL / (b->in->freq_hz ? b->in->freq_hz : 1) : 1;

	for (size_t i = 0; tab && i < tab->count; i++) {
		uint32_t frames[MAX_FRAMES], depth = 0, labels = 0;
		struct collector_sample cs;
		struct thread_total *tt;
		const char *process, *op = NULL;
		enum category cat = CATEGORY_FRAMEWORK;
		uint64_t n, user_id;
		int err;

		row_sample(kind, i, &cs);
		n = cs.values[0];
		if (!builder_target_of(b, cs.tgid, &process))
			continue;
		err = row_stack(b, kind, &cs, &tt, frames, &depth, &user_id);
		/* The operator from the stack as resolved, before a lost
		 * stack gets its leaf. */
		if (!err)
			op = operator_sample(b->ops, b->p, tt, cs.tgid, user_id, frames, depth, n);
		/* Both stacks lost (or empty): keep the sample visible rather
		 * than gone, and give it a leaf. */
		if (!err && depth == 0)
			err = profile_intern(b->p, "[lost stack]", &frames[depth++]);
		if (!err && b->o->categories)
			err = sample_category_cpu(&b->cats, b->p, frames, depth, tt->kind, &cat);
		if (!err)
			err = sample_labels(b, process, tt, op, thread_state_name(STATE_CPU),
					    b->o->categories ? (int)cat : -1, &labels);
		if (!err && b->o->cpu_stacks)
			err = add_values(b, frames, depth, labels, n * weight, 0);
		if (!err)
			err = frame_total_add(&tt->leaves, &tt->nleaves, &tt->leaves_cap,
					      frames[depth - 1], n);
		if (!err)
			err = frame_total_add(&b->r->leaves, &b->r->nleaves, &b->leaves_cap,
					      frames[depth - 1], n);
		if (err)
			return err;
		tt->samples += n;
		tt->category_samples[cat] += n;
		b->r->samples += n;
	}
	return 0;
}

/* The state of a blocked span is decided by the rules on its stack's frame
 * names (suffix-free: the rules name methods and functions). */
static int span_state(struct builder *b, int span, const uint32_t *frames, uint32_t depth)
{
	const char *names[MAX_FRAMES];

	if (span == SPAN_ONCPU)
		return STATE_CPU;
	if (span == SPAN_RUNQUEUE)
		return STATE_RUNQUEUE;
	if (!b->o->rules)
		return STATE_BLOCKED;
	for (uint32_t i = 0; i < depth; i++)
		names[i] = profile_frame_name(b->p, frames[i]);
	return state_rules_classify(b->o->rules, names, depth);
}

/* A run-queue span charged to the task that ran meanwhile: the row's comm
 * is the culprit's, so the thread is named by the JVM or by its CPU
 * samples' comm, never by this one. */
static int add_culprit(struct builder *b, const struct collector_sample *cs, uint64_t ns)
{
	struct thread_total *tt;
	int err = builder_thread_of(b, (pid_t)cs->tgid, (pid_t)cs->tid, "", &tt);

	if (!err)
		err = culprit_list_add(&tt->culprits, cs->culprit_tgid, cs->comm, ns);
	if (!err)
		err = culprit_list_add(&b->r->culprits, cs->culprit_tgid, cs->comm, ns);
	return err;
}

static int add_spans(struct builder *b, const struct build_kind *kind)
{
	const struct agg_table *tab = kind->rows;

	for (size_t i = 0; tab && i < tab->count; i++) {
		uint32_t stack[MAX_FRAMES], nstack = 0, labels = 0;
		struct collector_sample cs;
		struct thread_total *tt;
		const char *process, *label;
		enum category why = CATEGORY_SLEEP;
		int state, wait, err;
		uint64_t ns;

		row_sample(kind, i, &cs);
		ns = cs.values[0];
		if (!builder_target_of(b, cs.tgid, &process) || cs.span < 0 || cs.span >= SPAN__MAX)
			continue;
		if (cs.span == SPAN_CULPRIT) {
			err = add_culprit(b, &cs, ns);
			if (err)
				return err;
			continue;
		}
		err = row_stack(b, kind, &cs, &tt, stack, &nstack, NULL);
		if (err)
			return err;
		state = span_state(b, cs.span, stack, nstack);
		tt->ns[state] += ns;
		b->r->span_ns += ns;
		label = thread_state_name((enum thread_state)state);
		/* Blocked time splits by its reason; the label says which. */
		if (state == STATE_BLOCKED) {
			why = blocked_reason_of(b->reasons, b->p, thread_kind_of(tt->name), stack,
						nstack);
			tt->blocked_ns[why - CATEGORY_LOCK] += ns;
			label = category_name(why);
		}
		wait = blocked_in_wait_of((enum thread_state)state, why);
		if (wait >= 0 && nstack)
			err = blocked_in_add(tt, b->reasons, b->p, (enum report_wait)wait, stack,
					     nstack, ns);
		if (err)
			return err;
		/* On-CPU spans carry no stack: the CPU samples show where. */
		if (!b->o->span_stacks || state == STATE_CPU || ns < 1000)
			continue;
		err = sample_labels(b, process, tt, NULL, label, -1, &labels);
		if (!err && !nstack)
			err = profile_intern(b->p, "[unknown stack]", &stack[nstack++]);
		if (!err)
			err = add_values(b, stack, nstack, labels, ns / 1000, 0);
		if (err)
			return err;
	}
	return 0;
}

/* The JVM's allocation path below the allocating Java frame (runtime stub,
 * OptoRuntime::new_instance_C, MemAllocator, AllocTracer) is the same for
 * every site: drop it so that the class sits right under the Java code. */
static uint32_t trim_allocator_frames(const struct profile *p, const uint32_t *frames,
				      uint32_t depth)
{
	for (uint32_t i = depth; i-- > 0;)
		if (profile_frame_kind_is_java(profile_frame_kind(p, frames[i])))
			return i + 1;
	return depth;
}

/* Row i of a plain or allocation kind: its sample, stack and labels.
 * 1: the row is no target's (skipped). */
static int row_begin(struct builder *b, const struct build_kind *kind, size_t i,
		     struct collector_sample *cs, uint32_t *frames, uint32_t *depth,
		     uint32_t *labels)
{
	struct thread_total *tt;
	const char *process;
	int err;

	row_sample(kind, i, cs);
	if (!builder_target_of(b, cs->tgid, &process))
		return 1;
	err = row_stack(b, kind, cs, &tt, frames, depth, NULL);
	if (!err)
		err = sample_labels(b, process, tt, NULL, NULL, -1, labels);
	return err;
}

/* Allocations: the allocating stack, then the allocated class as the leaf
 * ("byte[]", "java.lang.String"), with bytes and events as two values. */
static int add_allocs(struct builder *b, const struct build_kind *kind)
{
	const struct agg_table *tab = kind->rows;

	for (size_t i = 0; tab && i < tab->count; i++) {
		uint32_t frames[MAX_FRAMES], depth = 0, labels = 0;
		struct collector_sample cs;
		const char *cls = NULL;
		int err;

		err = row_begin(b, kind, i, &cs, frames, &depth, &labels);
		if (err > 0)
			continue;
		if (!err)
			depth = trim_allocator_frames(b->p, frames, depth);
		if (b->in->targets->class_name)
			cls = b->in->targets->class_name(b->in->targets_ctx, (pid_t)cs.tgid, cs.klass);
		if (!err)
			err = profile_intern(b->p, cls ? cls : "[unknown class]", &frames[depth++]);
		if (!err && b->o->alloc_stacks)
			err = add_values(b, frames, depth, labels, cs.values[0], cs.values[1]);
		if (err)
			return err;
	}
	return 0;
}

/* A plain kind's rows: its stack and values, labelled like the others. */
static int add_samples(struct builder *b, const struct build_kind *kind)
{
	const struct agg_table *tab = kind->rows;

	/* One profile has one set of value types: the CPU, wall or
	 * allocation profile takes no plain kind's rows. */
	if (!(b->o->sample_kinds & kind->event) || b->o->cpu_stacks || b->o->span_stacks ||
	    b->o->alloc_stacks)
		return 0;
	for (size_t i = 0; tab && i < tab->count; i++) {
		uint32_t frames[MAX_FRAMES], depth = 0, labels = 0;
		struct collector_sample cs;
		int err;

		err = row_begin(b, kind, i, &cs, frames, &depth, &labels);
		if (err > 0)
			continue;
		if (!err && !depth)
			err = profile_intern(b->p, "[unknown stack]", &frames[depth++]);
		if (!err)
			err = add_values(b, frames, depth, labels, cs.values[0], cs.values[1]);
		if (err)
			return err;
	}
	return 0;
}

static int add_kind(struct builder *b, const struct build_kind *kind)
{
	/* A kind whose rows are no samples (a test's fake) adds nothing. */
	if (!kind->ops || !kind->ops->sample_of)
		return 0;
	switch (kind->ops->role) {
	case COLLECTOR_ROLE_CPU:
		return add_cpu_samples(b, kind);
	case COLLECTOR_ROLE_SPANS:
		return add_spans(b, kind);
	case COLLECTOR_ROLE_ALLOCS:
		return add_allocs(b, kind);
	case COLLECTOR_ROLE_SAMPLES:
	default:
		return add_samples(b, kind);
	}
}

/* The first plain kind the profile takes samples of; NULL: none. */
static const struct collector_ops *sample_kind_of(const struct build_input *in,
						  const struct build_options *o)
{
	for (size_t i = 0; i < in->nkinds; i++)
		if (in->kinds[i].ops && in->kinds[i].ops->role == COLLECTOR_ROLE_SAMPLES &&
		    (o->sample_kinds & in->kinds[i].event))
			return in->kinds[i].ops;
	return NULL;
}

/* What the values mean, and which pseudo-frames the text writers draw. */
static int builder_profile_setup(struct profile *p, const struct build_input *in,
				 const struct build_options *o)
{
	const struct collector_ops *plain = sample_kind_of(in, o);
	static const struct profile_value_type alloc[] = {
		{ "alloc_space", "bytes" },
		{ "alloc_objects", "count" },
	};
	static const struct profile_value_type wall = { "wall", "microseconds" };
	static const struct profile_value_type samples = { "samples", "count" };
	int err;

	profile_set_roots(p, (o->process_roots ? PROFILE_ROOT_PROCESS : 0) |
				     (o->thread_roots ? PROFILE_ROOT_THREAD : 0) |
				     (o->span_stacks ? PROFILE_ROOT_STATE : 0) |
				     (o->categories && o->category_roots ? PROFILE_ROOT_CATEGORY : 0));
	if (o->alloc_stacks) {
		err = profile_set_value_types(p, alloc, 2);
		return err ? err : profile_set_display_value(p, o->alloc_counts ? 1 : 0);
	}
	if (plain && !o->cpu_stacks && !o->span_stacks && plain->nvalues)
		return profile_set_value_types(p, plain->value_types, plain->nvalues);
	return profile_set_value_types(p, o->span_stacks ? &wall : &samples, 1);
}

static int frame_total_cmp(const void *a, const void *b)
{
	const struct frame_total *x = a, *y = b;

	if (x->samples != y->samples)
		return x->samples < y->samples ? 1 : -1;
	return (x->name_id > y->name_id) - (x->name_id < y->name_id);
}

static int thread_total_cmp(const void *a, const void *b)
{
	const struct thread_total *x = a, *y = b;

	if (x->samples != y->samples)
		return x->samples < y->samples ? 1 : -1;
	if (x->ns[STATE_CPU] != y->ns[STATE_CPU])
		return x->ns[STATE_CPU] < y->ns[STATE_CPU] ? 1 : -1;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

int profile_build(const struct build_input *in, struct profile *p, const struct build_options *opts,
		  struct build_result *out)
{
	struct builder b = { .in = in, .p = p, .o = opts, .r = out };
	struct category_rules defaults = { 0 };
	int err;

	memset(out, 0, sizeof(*out));
	if (!in || !p || !opts || !in->resolver || !in->targets || !in->targets->target)
		return -EINVAL;
	b.reasons = opts->categories;
	/* The built-in rules parse in well under a millisecond: cheaper than
	 * making every caller keep a copy. */
	err = !b.reasons ? category_rules_default(&defaults) : 0;
	if (!b.reasons)
		b.reasons = &defaults;
	if (!err)
		err = builder_profile_setup(p, in, opts);
	if (!err)
		err = operator_build_new(&b.ops);
	if (!err && opts->categories)
		err = sample_categorizer_init(&b.cats, opts->categories);
	out->categories = opts->categories != NULL;
	/* The CPU samples' comms name threads of every kind. */
	for (size_t i = 0; !err && i < in->nkinds; i++)
		if (in->kinds[i].ops && in->kinds[i].ops->sample_of &&
		    in->kinds[i].ops->role == COLLECTOR_ROLE_CPU && !b.comms)
			err = tid_comms_build(&in->kinds[i], &b.comms, &b.ncomms);
	for (size_t i = 0; !err && i < in->nkinds; i++)
		err = add_kind(&b, &in->kinds[i]);
	free(b.comms);
	sample_categorizer_free(&b.cats);
	category_rules_free(&defaults);
	operator_cache_free(b.ops);
	if (err) {
		build_result_free(out);
		return err;
	}
	/* qsort's base must not be NULL even for 0 elements (UBSan): no samples
	 * leaves both arrays unallocated. */
	if (out->nthreads)
		qsort(out->threads, out->nthreads, sizeof(*out->threads), thread_total_cmp);
	for (size_t i = 0; i < out->nthreads; i++)
		if (out->threads[i].nleaves)
			qsort(out->threads[i].leaves, out->threads[i].nleaves,
			      sizeof(struct frame_total), frame_total_cmp);
	if (out->nleaves)
		qsort(out->leaves, out->nleaves, sizeof(*out->leaves), frame_total_cmp);
	for (size_t i = 0; i < out->nthreads; i++)
		culprit_list_sort(&out->threads[i].culprits);
	culprit_list_sort(&out->culprits);
	return 0;
}

void build_result_free(struct build_result *r)
{
	for (size_t i = 0; i < r->nthreads; i++) {
		free(r->threads[i].leaves);
		free(r->threads[i].name);
		culprit_list_free(&r->threads[i].culprits);
		free(r->threads[i].ops);
		blocked_in_free(r->threads[i].blocked_in);
	}
	free(r->threads);
	free(r->leaves);
	culprit_list_free(&r->culprits);
	memset(r, 0, sizeof(*r));
}

static int report_task(struct report_thread *rt, const char *name)
{
	struct task_name tn;

	if (thread_kind_task_parse(name, &tn))
		return 0;
	rt->is_task = true;
	rt->task.subtask = tn.subtask;
	rt->task.parallelism = tn.parallelism;
	rt->task.attempt = tn.attempt;
	for (int i = 0; i < tn.noperators && i < REPORT_MAX_CHAIN; i++) {
		rt->task.chain[i] = strdup(tn.operators[i]);
		if (!rt->task.chain[i])
			return -ENOMEM;
		rt->task.nchain++;
	}
	return 0;
}

static bool is_session_target(const struct session *s, uint32_t pid)
{
	for (size_t i = 0; i < s->ntargets; i++)
		if ((uint32_t)s->targets[i].pid == pid)
			return true;
	return false;
}

/* A culprit list as the report shows it, most run-queue time first, in
 * ms/s. Neighbours (the sum over targets) leave out pid 0 -- an idle CPU,
 * or time the ring did not cover, is nobody's fault -- and say where each
 * process lives; a thread's own list keeps it, so its rows sum to the
 * run-queue time charged. */
static int report_culprits(const struct session *s, const struct culprit_list *l, double secs,
			   bool neighbours, struct report_culprit **out, size_t *nout)
{
	size_t n = 0, max = neighbours ? REPORT_MAX_NEIGHBOURS : REPORT_MAX_CULPRITS;

	*out = NULL;
	*nout = 0;
	if (!l->n)
		return 0;
	*out = calloc(l->n < max ? l->n : max, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < l->n && n < max; i++) {
		const struct culprit_total *c = &l->v[i];
		struct report_culprit *rc = &(*out)[n];
		char cg[512] = "", ct[16] = "", name[32];

		if (neighbours && !c->tgid)
			continue;
		if (neighbours)
			culprit_where((pid_t)c->tgid, cg, sizeof(cg), ct, sizeof(ct));
		/* Neighbours are processes: named as ps names them. */
		snprintf(name, sizeof(name), "%s", c->tgid ? c->comm : "[idle or unknown]");
		if (neighbours)
			culprit_process_name((pid_t)c->tgid, c->comm, name, sizeof(name));
		rc->pid = (pid_t)c->tgid;
		rc->target = is_session_target(s, c->tgid);
		rc->ms_per_s = (double)c->ns / 1e6 / secs;
		rc->comm = strdup(name);
		rc->cgroup = strdup(cg);
		rc->container = strdup(ct);
		n++;
		*nout = n;
		if (!rc->comm || !rc->cgroup || !rc->container)
			return -ENOMEM;
	}
	return 0;
}

int build_result_report(const struct session *s, const struct build_result *b,
			const struct profile *names, struct thread_report *out)
{
	double secs = session_elapsed_s(s);
	bool spans = s->opts.events & SESSION_OFFCPU, cpu = s->opts.events & SESSION_CPU;
	int err;

	memset(out, 0, sizeof(*out));
	out->duration_s = secs;
	if (secs <= 0)
		secs = 1e-9;
	for (size_t i = 0; i < b->nthreads; i++) {
		const struct thread_total *tt = &b->threads[i];
		struct report_thread *rt = thread_report_add(out);

		if (!rt)
			return -ENOMEM;
		rt->pid = tt->pid;
		rt->tid = tt->tid;
		rt->name = strdup(tt->name);
		rt->kind = strdup(thread_kind_name(thread_kind_of(tt->name)));
		if (!rt->name || !rt->kind)
			return -ENOMEM;
		err = report_task(rt, tt->name);
		if (err)
			return err;
		/* The scheduler's on-CPU time is exact; samples estimate it. */
		for (int st = 0; st < STATE__MAX; st++) {
			rt->measured[st] = spans || (st == STATE_CPU && cpu);
			rt->ms_per_s[st] = (double)tt->ns[st] / 1e6 / secs;
		}
		for (int why = 0; why < BLOCKED_REASONS; why++)
			rt->blocked_ms_per_s[why] = (double)tt->blocked_ns[why] / 1e6 / secs;
		err = report_culprits(s, &tt->culprits, secs, false, &rt->culprits,
				      &rt->nculprits);
		if (err)
			return err;
		if (!spans && cpu)
			rt->ms_per_s[STATE_CPU] =
				(double)tt->samples * 1000.0 / s->opts.freq_hz / secs;
		if (b->categories && rt->measured[STATE_CPU]) {
			err = sample_category_report(out, rt, tt->category_samples, tt->samples);
			if (err)
				return err;
		}
		operator_report_fill(tt, rt);
		err = spans ? blocked_in_report_fill(tt, names, secs, rt) : 0;
		if (err)
			return err;
		for (size_t f = 0; f < tt->nleaves && rt->ntop < REPORT_TOP_FRAMES; f++) {
			struct report_frame *fr = &rt->top[rt->ntop++];
			struct profile_frame pf;

			/* The structure, not the folded text: name, kind, module. */
			profile_frame_get(names, tt->leaves[f].name_id, &pf);
			fr->frame = strdup(profile_str(names, pf.name));
			fr->kind = strdup(profile_frame_kind_name(pf.kind));
			fr->module = strdup(profile_str(names, pf.module));
			if (!fr->frame || !fr->kind || !fr->module)
				return -ENOMEM;
			fr->share = (double)tt->leaves[f].samples / (double)tt->samples;
		}
	}
	thread_report_sort(out);
	out->culprits_measured = spans && !s->opts.no_culprits;
	err = report_culprits(s, &b->culprits, secs, true, &out->neighbours, &out->nneighbours);
	return err ? err : bottleneck_find(out);
}
