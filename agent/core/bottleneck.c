// SPDX-License-Identifier: GPL-2.0
#include "agent/core/bottleneck.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph/report_bottlenecks.h"

#define EVIDENCE_MAX 1024

/* What a busy subtask does, in the order "why" names it on a tie. */
enum busy_part { BUSY_CPU, BUSY_RUNQUEUE, BUSY_IO, BUSY_LOCK, BUSY_SLEEP, BUSY__MAX };

static const char *const busy_names[BUSY__MAX] = { "cpu", "runqueue", "io", "lock", "sleep" };

/* One chain of the report, by name, over all its subtasks. */
struct chain_stat {
	const struct report_thread *first;
	double backpressured; /* mean over its subtasks, ms/s */
	int n;
};

int bottleneck_stage(const struct report_task *t)
{
	if (t->nchain && !strncmp(t->chain[0], "Source:", 7))
		return 0;
	if (t->nchain && !strncmp(t->chain[t->nchain - 1], "Sink:", 5))
		return 2;
	return 1;
}

static bool same_names(const struct report_task *a, const struct report_task *b)
{
	if (a->nchain != b->nchain)
		return false;
	for (int i = 0; i < a->nchain; i++)
		if (strcmp(a->chain[i], b->chain[i]))
			return false;
	return true;
}

/* Sources hold nothing back; between two in-between chains the names do
 * not say which comes first, so either may. */
static bool upstream_of(const struct report_task *up, const struct report_task *down)
{
	int su = bottleneck_stage(up), sd = bottleneck_stage(down);

	return su < sd || (su == 1 && sd == 1);
}

static bool states_measured(const struct report_thread *t)
{
	return t->is_task && t->measured[REPORT_CPU] && t->measured[REPORT_RUNQUEUE] &&
	       t->measured[REPORT_BACKPRESSURED] && t->measured[REPORT_IDLE] &&
	       t->measured[REPORT_BLOCKED];
}

static size_t chains_collect(const struct thread_report *r, struct chain_stat *c)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nthreads; i++) {
		const struct report_thread *t = &r->threads[i];
		size_t k;

		if (!states_measured(t))
			continue;
		for (k = 0; k < n && !same_names(&c[k].first->task, &t->task); k++)
			;
		if (k == n)
			c[n++] = (struct chain_stat){ .first = t };
		c[k].backpressured += t->ms_per_s[REPORT_BACKPRESSURED];
		c[k].n++;
	}
	for (size_t k = 0; k < n; k++)
		c[k].backpressured /= c[k].n;
	return n;
}

/* The wait of a busy part that is one (io, lock, sleep), or -1. */
static int busy_wait(int part)
{
	switch (part) {
	case BUSY_IO:
		return REPORT_WAIT_IO;
	case BUSY_LOCK:
		return REPORT_WAIT_LOCK;
	case BUSY_SLEEP:
		return REPORT_WAIT_SLEEP;
	default:
		return -1;
	}
}

const char *bottleneck_blocked_in(const struct report_thread *t, const char *why)
{
	for (int i = 0; i < BUSY__MAX; i++)
		if (busy_wait(i) >= 0 && !strcmp(why, busy_names[i]))
			return t->blocked_in[busy_wait(i)].frame;
	return NULL;
}

static void busy_parts(const struct report_thread *t, double v[BUSY__MAX])
{
	v[BUSY_CPU] = t->ms_per_s[REPORT_CPU];
	v[BUSY_RUNQUEUE] = t->ms_per_s[REPORT_RUNQUEUE];
	v[BUSY_IO] = t->blocked_ms_per_s[REPORT_IO];
	v[BUSY_LOCK] = t->blocked_ms_per_s[REPORT_LOCK];
	v[BUSY_SLEEP] = t->blocked_ms_per_s[REPORT_SLEEP];
}

double bottleneck_busy(const struct report_thread *t)
{
	return t->ms_per_s[REPORT_CPU] + t->ms_per_s[REPORT_RUNQUEUE] +
	       t->ms_per_s[REPORT_BLOCKED];
}

/* The largest category of t's CPU, or -1 without categories. */
static int top_category(const struct thread_report *r, const struct report_thread *t)
{
	int best = -1;

	for (size_t i = 0; i < r->ncategories; i++)
		if (best < 0 || t->cpu_by_category[i] > t->cpu_by_category[best])
			best = (int)i;
	return best;
}

/* The operator of the chain with the most CPU, or -1. */
int bottleneck_top_operator(const struct report_thread *t)
{
	int best = -1;

	if (!t->has_operators || t->task.nchain < 2)
		return -1;
	for (int i = 0; i < t->task.nchain; i++)
		if (best < 0 || t->operator_ms_per_s[i] > t->operator_ms_per_s[best])
			best = i;
	return best;
}

static const char *why_of(const struct thread_report *r, const struct report_thread *t)
{
	double v[BUSY__MAX];
	int best = 0, cat;

	busy_parts(t, v);
	for (int i = 1; i < BUSY__MAX; i++)
		if (v[i] > v[best])
			best = i;
	if (best != BUSY_CPU)
		return busy_names[best];
	/* Time in user code says nothing more than "cpu". */
	cat = top_category(r, t);
	if (cat >= 0 && v[BUSY_CPU] > 0 && strcmp(r->categories[cat], "user") &&
	    t->cpu_by_category[cat] >= BOTTLENECK_CATEGORY_SHARE * v[BUSY_CPU])
		return r->categories[cat];
	return busy_names[BUSY_CPU];
}

static void append(char *buf, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= EVIDENCE_MAX - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, EVIDENCE_MAX - *len, fmt, ap);
	va_end(ap);
	if (n > 0)
		*len += (size_t)n < EVIDENCE_MAX - *len ? (size_t)n : EVIDENCE_MAX - 1 - *len;
}

static void append_chain(char *buf, size_t *len, const struct report_task *t)
{
	for (int i = 0; i < t->nchain; i++)
		append(buf, len, "%s%s", i ? " -> " : "", t->chain[i]);
}

const char *bottleneck_frame_short(const char *frame)
{
	const char *last = strrchr(frame, '.'), *p;

	if (!last || strpbrk(frame, " (:/"))
		return frame;
	for (p = last; p > frame && p[-1] != '.'; p--)
		;
	return p;
}

/* What its CPU went to: the largest category, operator and frame. */
static void append_cpu_detail(const struct thread_report *r, const struct report_thread *t,
			      char *buf, size_t *len)
{
	double cpu = t->ms_per_s[REPORT_CPU];
	int cat = top_category(r, t), op = bottleneck_top_operator(t);
	const char *sep = " (";

	if (cpu <= 0)
		return;
	if (cat >= 0) {
		append(buf, len, "%s%.0f %% %s", sep, 100.0 * t->cpu_by_category[cat] / cpu,
		       r->categories[cat]);
		sep = ", ";
	}
	if (op >= 0) {
		append(buf, len, "%s%.0f %% in %s", sep, 100.0 * t->operator_ms_per_s[op] / cpu,
		       t->task.chain[op]);
		sep = ", ";
	}
	if (t->ntop) {
		append(buf, len, "%shottest %s", sep, bottleneck_frame_short(t->top[0].frame));
		sep = ", ";
	}
	if (strcmp(sep, " ("))
		append(buf, len, ")");
}

/* "Chain (2/2): 610 ms/s io, 320 ms/s cpu (…), 12 ms/s idle; upstream
 * Source: A backpressured 540 ms/s": the states largest first. */
static char *evidence_of(const struct thread_report *r, const struct report_thread *t,
			 const struct chain_stat *c, size_t nc)
{
	char buf[EVIDENCE_MAX] = "";
	size_t len = 0;
	double v[BUSY__MAX];
	bool done[BUSY__MAX] = { false };
	const char *sep = ": ";

	append_chain(buf, &len, &t->task);
	append(buf, &len, " (%d/%d)", t->task.subtask, t->task.parallelism);
	busy_parts(t, v);
	for (int shown = 0; shown < BUSY__MAX; shown++) {
		int best = -1;

		for (int i = 0; i < BUSY__MAX; i++)
			if (!done[i] && (best < 0 || v[i] > v[best]))
				best = i;
		done[best] = true;
		/* The first always; the others when they are more than noise. */
		if (shown && v[best] < 10)
			continue;
		append(buf, &len, "%s%.0f ms/s %s", sep, v[best], busy_names[best]);
		/* Where it waits names what to fix: "io in PaymentClient.awaitAck". */
		if (busy_wait(best) >= 0 && t->blocked_in[busy_wait(best)].frame)
			append(buf, &len, " in %s",
			       bottleneck_frame_short(t->blocked_in[busy_wait(best)].frame));
		if (best == BUSY_CPU)
			append_cpu_detail(r, t, buf, &len);
		sep = ", ";
	}
	append(buf, &len, ", %.0f ms/s idle", t->ms_per_s[REPORT_IDLE]);
	sep = "; upstream ";
	for (size_t k = 0; k < nc; k++) {
		if (c[k].backpressured < BOTTLENECK_BACKPRESSURED_MS ||
		    same_names(&c[k].first->task, &t->task) || !upstream_of(&c[k].first->task, &t->task))
			continue;
		append(buf, &len, "%s", sep);
		append_chain(buf, &len, &c[k].first->task);
		append(buf, &len, " backpressured %.0f ms/s", c[k].backpressured);
		sep = ", ";
	}
	return strdup(buf);
}

static char *chain_join(const struct report_task *t)
{
	char buf[EVIDENCE_MAX] = "";
	size_t len = 0;

	append_chain(buf, &len, t);
	return strdup(buf);
}

/* Adds t as a bottleneck if a chain upstream of it is backpressured. */
static int bottleneck_add(struct thread_report *r, const struct report_thread *t,
			  const struct chain_stat *c, size_t nc)
{
	struct report_bottleneck *b = NULL;

	for (size_t k = 0; k < nc; k++) {
		const struct report_task *up = &c[k].first->task;

		if (c[k].backpressured < BOTTLENECK_BACKPRESSURED_MS || same_names(up, &t->task) ||
		    !upstream_of(up, &t->task))
			continue;
		if (!b) {
			/* r->threads does not move while bottlenecks grow. */
			b = report_bottleneck_add(r);
			if (!b)
				return -ENOMEM;
			b->pid = t->pid;
			b->tid = t->tid;
			b->subtask = t->task.subtask;
			b->parallelism = t->task.parallelism;
			b->busy_ms_per_s = bottleneck_busy(t);
			b->chain = chain_join(&t->task);
			b->why = strdup(why_of(r, t));
			b->evidence = evidence_of(r, t, c, nc);
			if (!b->chain || !b->why || !b->evidence)
				return -ENOMEM;
			if (bottleneck_blocked_in(t, b->why)) {
				b->blocked_in = strdup(bottleneck_blocked_in(t, b->why));
				if (!b->blocked_in)
					return -ENOMEM;
			}
		}
		if (b->nblocks == REPORT_MAX_CHAIN)
			break;
		b->blocks[b->nblocks] = chain_join(up);
		if (!b->blocks[b->nblocks++])
			return -ENOMEM;
	}
	return 0;
}

static int severity_cmp(const void *a, const void *b)
{
	const struct report_bottleneck *x = a, *y = b;

	if (x->busy_ms_per_s != y->busy_ms_per_s)
		return x->busy_ms_per_s < y->busy_ms_per_s ? 1 : -1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

int bottleneck_find(struct thread_report *r)
{
	struct chain_stat *c = calloc(r->nthreads + 1, sizeof(*c));
	size_t nc;
	int err = 0;

	report_bottlenecks_free(r);
	r->bottlenecks_measured = false;
	if (!c)
		return -ENOMEM;
	nc = chains_collect(r, c);
	for (size_t i = 0; i < r->nthreads; i++)
		r->bottlenecks_measured |= r->threads[i].measured[REPORT_BACKPRESSURED];
	for (size_t i = 0; i < r->nthreads && !err; i++) {
		const struct report_thread *t = &r->threads[i];
		double busy = bottleneck_busy(t);

		/* Backpressured itself: what holds it back is further down. */
		if (!states_measured(t) ||
		    t->ms_per_s[REPORT_BACKPRESSURED] >= BOTTLENECK_BACKPRESSURED_MS ||
		    busy < BOTTLENECK_BUSY_MS || busy <= t->ms_per_s[REPORT_IDLE])
			continue;
		err = bottleneck_add(r, t, c, nc);
	}
	free(c);
	if (err) {
		report_bottlenecks_free(r);
		return err;
	}
	if (r->nbottlenecks > 1)
		qsort(r->bottlenecks, r->nbottlenecks, sizeof(*r->bottlenecks), severity_cmp);
	return 0;
}
