#include "agent/profile_builder.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/target.h"
#include "agent/thread_names.h"
#include "flamegraph/profile.h"
#include "symbolize/symbolizer.h"

#define MAX_FRAMES (2 * TMPROF_MAX_STACK_DEPTH + 2)
#define FRAME_TEXT_MAX 1024

int frame_format(char *buf, size_t len, const char *name, const char *module, int kind)
{
	static const char *const suffix[] = {
		[FRAME_KERNEL] = "_[k]",
		[FRAME_NATIVE] = "",
		[FRAME_JIT] = "_[j]",
		[FRAME_INLINED] = "_[i]",
		[FRAME_INTERPRETED] = "_[0]",
	};
	int n;

	if (kind == FRAME_UNKNOWN || !name || !*name)
		n = snprintf(buf, len, "[unknown] (%s)", module && *module ? module : "?");
	else if (kind >= FRAME_KERNEL && kind <= FRAME_INTERPRETED)
		n = snprintf(buf, len, "%s%s", name, suffix[kind]);
	else
		n = snprintf(buf, len, "%s", name);
	return n < 0 ? -EINVAL : 0;
}

static struct target *target_find(struct target *targets, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (targets[i].pid == pid)
			return &targets[i];
	return NULL;
}

static const char *thread_name(const struct target *t, const struct cpu_sample_key *key,
			       char *comm, size_t len)
{
	const char *name = t->names ? thread_names_get(t->names, (pid_t)key->tid) : NULL;

	if (name)
		return name;
	snprintf(comm, len, "%.*s", TMPROF_COMM_LEN, key->comm);
	return comm;
}

static const char *process_label(const struct target *t)
{
	if (!t->is_jvm)
		return "process";
	if (jvm_kind_is_taskmanager(t->jvm.kind))
		return t->jvm.resource_id[0] ? t->jvm.resource_id : "TaskManager";
	return t->jvm.main_class[0] ? t->jvm.main_class : "JVM";
}

static int intern_fmt(struct profile *p, uint32_t *id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int intern_fmt(struct profile *p, uint32_t *id, const char *fmt, ...)
{
	char buf[FRAME_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return profile_intern(p, buf, id);
}

static int intern_frame(struct profile *p, const struct frame_sym *fs, uint32_t *id)
{
	char buf[FRAME_TEXT_MAX];
	int err = frame_format(buf, sizeof(buf), fs->name, fs->module, fs->kind);

	return err ? err : profile_intern(p, buf, id);
}

/* Frames root first: user frames are stored leaf first by the kernel, and
 * the kernel part of a stack sits below (leafward of) the user part. */
static int stack_frames(struct profile *p, struct target *t, const struct stack_copy *user,
			const struct stack_copy *kern, uint32_t *frames, uint32_t *depth)
{
	struct frame_sym fs;
	int err;

	for (uint32_t i = user ? user->depth : 0; i-- > 0;) {
		uint64_t addr = i ? user->ips[i] - 1 : user->ips[i];

		process_symbolizer_resolve_user(t->sym, addr, &fs);
		err = intern_frame(p, &fs, &frames[(*depth)++]);
		if (err)
			return err;
	}
	for (uint32_t i = kern ? kern->depth : 0; i-- > 0;) {
		uint64_t addr = i ? kern->ips[i] - 1 : kern->ips[i];

		process_symbolizer_resolve_kernel(t->sym, addr, &fs);
		err = intern_frame(p, &fs, &frames[(*depth)++]);
		if (err)
			return err;
	}
	return 0;
}

static int thread_total_cmp(const void *a, const void *b)
{
	const struct thread_total *x = a, *y = b;

	if (x->samples != y->samples)
		return x->samples < y->samples ? 1 : -1;
	return x->tid - y->tid;
}

static int frame_total_cmp(const void *a, const void *b)
{
	const struct frame_total *x = a, *y = b;

	if (x->samples != y->samples)
		return x->samples < y->samples ? 1 : -1;
	return (x->name_id > y->name_id) - (x->name_id < y->name_id);
}

static int totals_add_thread(struct build_result *r, pid_t pid, pid_t tid, uint32_t name_id,
			     uint64_t n)
{
	for (size_t i = 0; i < r->nthreads; i++) {
		if (r->threads[i].tid == tid && r->threads[i].pid == pid) {
			r->threads[i].samples += n;
			return 0;
		}
	}
	void *grown = realloc(r->threads, (r->nthreads + 1) * sizeof(*r->threads));

	if (!grown)
		return -ENOMEM;
	r->threads = grown;
	r->threads[r->nthreads++] = (struct thread_total){ pid, tid, name_id, n };
	return 0;
}

/* Leaf totals indexed by string id while building, compacted at the end. */
static int leaf_add(uint64_t **by_id, size_t *cap, uint32_t id, uint64_t n)
{
	if (id >= *cap) {
		size_t ncap = *cap ? *cap : 1024;
		uint64_t *g;

		while (ncap <= id)
			ncap *= 2;
		g = realloc(*by_id, ncap * sizeof(**by_id));
		if (!g)
			return -ENOMEM;
		memset(g + *cap, 0, (ncap - *cap) * sizeof(*g));
		*by_id = g;
		*cap = ncap;
	}
	(*by_id)[id] += n;
	return 0;
}

int profile_build(struct profile *p, const struct sample_table *samples, struct stack_cache *stacks,
		  stack_fetch_fn fetch, void *fetch_ctx, struct target *targets, size_t ntargets,
		  const struct build_options *opts, struct build_result *out)
{
	uint32_t frames[MAX_FRAMES];
	uint64_t *leaf_by_id = NULL;
	size_t leaf_cap = 0;
	char comm[TMPROF_COMM_LEN + 1];
	int err = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < samples->count; i++) {
		const struct sample_entry *e = &samples->entries[i];
		struct target *t = target_find(targets, ntargets, (pid_t)e->key.tgid);
		const struct stack_copy *user, *kern;
		uint32_t depth = 0, thread_id;
		bool fresh;

		if (!t)
			continue;
		user = stack_cache_get(stacks, e->key.user_stack_id, fetch, fetch_ctx, &fresh);
		kern = stack_cache_get(stacks, e->key.kern_stack_id, fetch, fetch_ctx, &fresh);
		err = intern_fmt(p, &thread_id, "[%s tid=%u]", thread_name(t, &e->key, comm, sizeof(comm)),
				 e->key.tid);
		if (err)
			goto cleanup;
		if (opts->process_roots) {
			err = intern_fmt(p, &frames[depth++], "[%s pid=%d]", process_label(t), t->pid);
			if (err)
				goto cleanup;
		}
		if (opts->thread_roots)
			frames[depth++] = thread_id;
		err = stack_frames(p, t, user, kern, frames, &depth);
		if (!err && depth == 0) {
			/* Both stacks lost: keep the sample visible, not silently gone. */
			err = profile_intern(p, "[lost stack]", &frames[depth++]);
		}
		if (!err)
			err = profile_add(p, frames, depth, e->count);
		if (!err)
			err = totals_add_thread(out, t->pid, (pid_t)e->key.tid, thread_id, e->count);
		if (!err)
			err = leaf_add(&leaf_by_id, &leaf_cap, frames[depth - 1], e->count);
		if (err)
			goto cleanup;
		out->samples += e->count;
	}
	for (size_t id = 0; id < leaf_cap; id++) {
		if (!leaf_by_id[id])
			continue;
		void *g = realloc(out->leaves, (out->nleaves + 1) * sizeof(*out->leaves));

		if (!g) {
			err = -ENOMEM;
			goto cleanup;
		}
		out->leaves = g;
		out->leaves[out->nleaves++] = (struct frame_total){ (uint32_t)id, leaf_by_id[id] };
	}
	qsort(out->threads, out->nthreads, sizeof(*out->threads), thread_total_cmp);
	qsort(out->leaves, out->nleaves, sizeof(*out->leaves), frame_total_cmp);
cleanup:
	free(leaf_by_id);
	if (err)
		build_result_free(out);
	return err;
}

void build_result_free(struct build_result *r)
{
	free(r->threads);
	free(r->leaves);
	memset(r, 0, sizeof(*r));
}
