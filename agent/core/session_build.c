// SPDX-License-Identifier: GPL-2.0
#include "agent/core/session_build.h"

#include <stddef.h>

#include "agent/jvm/klass_names.h"
#include "agent/core/session.h"
#include "agent/core/target.h"
#include "agent/jvm/thread_names.h"

static struct target *build_target_find(struct session *s, pid_t pid)
{
	for (size_t i = 0; i < s->ntargets; i++)
		if (s->targets[i].pid == pid)
			return &s->targets[i];
	return NULL;
}

/* Past the build's naming share, only what is at hand: a slow or hostile
 * target cannot hold the period's writing. The words of a stack come root
 * first, the leaf last (resolver_stack): a stack is counted once. */
static size_t user_word(void *ctx, pid_t pid, uint64_t word, bool leaf, uint32_t epoch,
			struct frame_sym *out, size_t max)
{
	struct session *s = ctx;
	struct target *t = build_target_find(s, pid);
	uint64_t cheap = 0;
	size_t n = 0;

	if (t && max)
		n = name_budget_spent(&s->build_budget) ?
			    target_resolve_word_cached(t, word, leaf, epoch, out, max, &cheap) :
			    target_resolve_word(t, word, leaf, epoch, out, max);
	s->build_stack_cheap |= cheap != 0;
	if (leaf && s->build_stack_cheap) {
		s->stacks_named_cheaply++;
		s->build_stack_cheap = false;
	}
	return n;
}

static void kernel(void *ctx, pid_t pid, uint64_t addr, struct frame_sym *out)
{
	struct target *t = build_target_find(ctx, pid);

	if (!t) {
		*out = (struct frame_sym){ .module = "[kernel]", .kind = FRAME_UNKNOWN };
		return;
	}
	process_symbolizer_resolve_kernel(t->sym, addr, out);
}

static const struct resolver_ops session_resolver_ops = {
	.user_word = user_word,
	.kernel = kernel,
};

static const char *process_label(const struct target *t)
{
	if (!t->is_jvm)
		return "process";
	if (jvm_kind_is_taskmanager(t->jvm.kind))
		return t->jvm.resource_id[0] ? t->jvm.resource_id : "TaskManager";
	return t->jvm.main_class[0] ? t->jvm.main_class : "JVM";
}

static bool build_target_info(void *ctx, pid_t pid, const char **label)
{
	struct target *t = build_target_find(ctx, pid);

	if (!t)
		return false;
	*label = process_label(t);
	return true;
}

static const char *build_thread_name(void *ctx, pid_t pid, pid_t tid)
{
	struct target *t = build_target_find(ctx, pid);

	return t && t->names ? thread_names_get(t->names, tid) : NULL;
}

static const char *class_name(void *ctx, pid_t pid, uint64_t klass)
{
	struct session *s = ctx;
	struct target *t = build_target_find(s, pid);

	if (!t || !t->klasses)
		return NULL;
	return name_budget_spent(&s->build_budget) ? klass_names_cached(t->klasses, klass) :
						     klass_names_get(t->klasses, klass);
}

static const struct build_targets_ops session_targets_ops = {
	.target = build_target_info,
	.thread_name = build_thread_name,
	.class_name = class_name,
};

void session_build_input(struct session *s, struct build_input *in, struct resolver *r)
{
	*r = (struct resolver){ .ops = &session_resolver_ops, .ctx = s };
	*in = (struct build_input){
		.freq_hz = s->opts.freq_hz,
		.resolver = r,
		.targets = &session_targets_ops,
		.targets_ctx = s,
	};
	/* Every kind, open or not: one that is off has no rows. */
	for (size_t i = 0; i < s->ncollectors && in->nkinds < BUILD_KINDS_MAX; i++) {
		struct collector *c = &s->collectors[i];

		in->kinds[in->nkinds++] = (struct build_kind){
			.ops = c->ops, .event = c->event, .rows = &c->rows,
			.user = &c->user_stacks, .kern = &c->kern_stacks,
		};
	}
}

void session_build_budget_start(struct session *s)
{
	name_budget_start(&s->build_budget, s->opts.build_budget_ms);
	s->build_stack_cheap = false;
}

void session_build_budget_share(struct session *s, size_t builds_left)
{
	name_budget_share(&s->build_budget, builds_left);
}
