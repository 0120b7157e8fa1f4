// SPDX-License-Identifier: GPL-2.0
#include "agent/core/explain.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/bottleneck.h"

/* At most this many more bottlenecks after the first are named. */
#define EXPLAIN_MORE 3

enum explain_status explain_check(const struct thread_report *r)
{
	bool tasks = false;

	/* Threads without off-CPU states first: an -e cpu report may have
	 * no task thread only because they were off CPU all along. */
	if (r->nthreads && !r->bottlenecks_measured)
		return EXPLAIN_NO_STATES;
	for (size_t i = 0; i < r->nthreads; i++)
		tasks |= r->threads[i].is_task;
	return tasks ? EXPLAIN_OK : EXPLAIN_NO_TASKS;
}

static const struct report_thread *thread_of(const struct thread_report *r,
					     const struct report_bottleneck *b)
{
	for (size_t i = 0; i < r->nthreads; i++)
		if (r->threads[i].pid == b->pid && r->threads[i].tid == b->tid)
			return &r->threads[i];
	return NULL;
}

static const char *why_phrase(const char *why)
{
	static const char *const phrases[][2] = {
		{ "cpu", "on CPU" },
		{ "runqueue", "runnable but waiting in the run queue for a CPU" },
		{ "io", "blocked on I/O" },
		{ "lock", "blocked on a lock" },
		{ "sleep", "sleeping" },
	};

	for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
		if (!strcmp(why, phrases[i][0]))
			return phrases[i][1];
	return NULL; /* a CPU category */
}

void explain_knob(const char *why, const char *target, const char *culprit, FILE *out)
{
	if (!strcmp(why, "io"))
		fprintf(out, "What usually helps: raise the parallelism of %s so that more requests "
			     "are in flight, or make its calls to the external system asynchronous "
			     "(Async I/O, AsyncDataStream.unorderedWait) or batched; if it is chained "
			     "to CPU-heavy operators, break the chain (disableChaining()) so they do "
			     "not wait with it.", target);
	else if (!strcmp(why, "lock"))
		fprintf(out, "What usually helps: find the lock in an off-CPU flame graph ('tmprof "
			     "record -e offcpu', the [lock] frames); state shared between subtasks "
			     "makes more parallelism useless, so remove the sharing, or break the "
			     "chain (disableChaining() / its own slot sharing group) when operators "
			     "of %s contend.", target);
	else if (!strcmp(why, "sleep"))
		fprintf(out, "What usually helps: it sleeps on purpose (a rate limiter, retry "
			     "back-off, Thread.sleep): check the throttling and retry settings of "
			     "%s; more parallelism helps only when the sleeps are per request.",
			target);
	else if (!strcmp(why, "runqueue"))
		fprintf(out, "What usually helps: it waits for a CPU, so fix the noisy neighbour "
			     "(%s) or give the TaskManager CPUs of its own (a CPU limit or cpuset "
			     "for the neighbours, fewer taskmanager.numberOfTaskSlots per host); "
			     "more parallelism on the same host makes it worse.",
			culprit ? culprit : "see noisy_neighbours");
	else if (!strcmp(why, "serialization"))
		fprintf(out, "What usually helps: a faster serializer: make the record types Flink "
			     "POJOs (public no-argument constructor, public fields or getters and "
			     "setters) or register them with Kryo (registerKryoType), so that "
			     "generic types stop falling back to Kryo; then raise the parallelism "
			     "of %s if it is still the bottleneck.", target);
	else if (!strcmp(why, "state"))
		fprintf(out, "What usually helps: state backend tuning: with RocksDB, more managed "
			     "memory for its block cache (taskmanager.memory.managed.fraction, "
			     "state.backend.rocksdb.memory.managed) and incremental checkpoints "
			     "(state.backend.incremental: true); smaller state with a TTL; or raise "
			     "the parallelism of %s to spread the keys.", target);
	else if (!strcmp(why, "gc"))
		fprintf(out, "What usually helps: less garbage or more heap: enableObjectReuse(), "
			     "fewer short-lived objects in %s, or a larger "
			     "taskmanager.memory.task.heap.size.", target);
	else if (!strcmp(why, "checkpoint"))
		fprintf(out, "What usually helps: cheaper checkpoints: incremental or unaligned "
			     "checkpoints and a longer execution.checkpointing.interval; then the "
			     "parallelism of %s.", target);
	else
		fprintf(out, "What usually helps: raise the parallelism of %s (setParallelism on "
			     "that operator), or break the chain before it (disableChaining() / a "
			     "slot sharing group of its own) so that it gets a thread of its own "
			     "instead of sharing one with the rest of its chain.", target);
}

/* The busiest process that is not a profiled TaskManager. */
static void culprit_text(const struct thread_report *r, char *buf, size_t n)
{
	buf[0] = 0;
	for (size_t i = 0; i < r->nneighbours; i++) {
		const struct report_culprit *c = &r->neighbours[i];

		if (c->target || !c->pid)
			continue;
		snprintf(buf, n, "'%s' pid %d took %.0f ms/s of the run queue", c->comm, c->pid,
			 c->ms_per_s);
		return;
	}
}

static void print_blocks(const struct report_bottleneck *b, FILE *out)
{
	for (int k = 0; k < b->nblocks; k++)
		fprintf(out, "%s%s", !k ? "" : k + 1 == b->nblocks ? " and " : ", ", b->blocks[k]);
}

static void write_bottleneck(const struct thread_report *r, FILE *out)
{
	const struct report_bottleneck *b = &r->bottlenecks[0];
	const struct report_thread *t = thread_of(r, b);
	const char *phrase = why_phrase(b->why);
	int op = t ? bottleneck_top_operator(t) : -1;
	const char *target = b->chain;
	char culprit[256];
	size_t more = r->nbottlenecks - 1;

	fprintf(out, "Bottleneck: %s (%d/%d, pid %d) holds the pipeline back: ", b->chain,
		b->subtask, b->parallelism, b->pid);
	print_blocks(b, out);
	fprintf(out, " %s backpressured while it is busy (%.0f ms/s) rather than idle, mostly ",
		b->nblocks > 1 ? "are" : "is", b->busy_ms_per_s);
	if (phrase)
		fputs(phrase, out);
	else
		fprintf(out, "on CPU in %s", b->why);
	/* The method it waits in is what to look at first. */
	if (b->blocked_in)
		fprintf(out, " in %s", bottleneck_frame_short(b->blocked_in));
	fprintf(out, ". Evidence: %s.", b->evidence);
	if (more)
		fputs(" Also holding it back:", out);
	for (size_t i = 1; i <= more && i <= EXPLAIN_MORE; i++)
		fprintf(out, "%s %s (%d/%d, %s)", i > 1 ? "," : "", r->bottlenecks[i].chain,
			r->bottlenecks[i].subtask, r->bottlenecks[i].parallelism,
			r->bottlenecks[i].why);
	if (more > EXPLAIN_MORE)
		fprintf(out, " and %zu more", more - EXPLAIN_MORE);
	fputs(more ? ". " : " ", out);
	culprit_text(r, culprit, sizeof(culprit));
	/* Which operator waits off CPU is not known: then the chain. */
	if (!phrase || !strcmp(b->why, "cpu"))
		target = op >= 0 ? t->task.chain[op] : b->chain;
	explain_knob(b->why, target, culprit[0] ? culprit : NULL, out);
}

static void print_task(const struct report_thread *t, FILE *out)
{
	for (int i = 0; i < t->task.nchain; i++)
		fprintf(out, "%s%s", i ? " -> " : "", t->task.chain[i]);
	fprintf(out, " (%d/%d)", t->task.subtask, t->task.parallelism);
}

/* No bottleneck: say whether anything is backpressured at all. */
static void write_none(const struct thread_report *r, FILE *out)
{
	const struct report_thread *bp = NULL, *busy = NULL;

	for (size_t i = 0; i < r->nthreads; i++) {
		const struct report_thread *t = &r->threads[i];

		if (!t->is_task)
			continue;
		if (!bp || t->ms_per_s[REPORT_BACKPRESSURED] > bp->ms_per_s[REPORT_BACKPRESSURED])
			bp = t;
		if (!busy || bottleneck_busy(t) > bottleneck_busy(busy))
			busy = t;
	}
	if (!bp)
		return;
	if (bp->ms_per_s[REPORT_BACKPRESSURED] < BOTTLENECK_BACKPRESSURED_MS) {
		fputs("No bottleneck: no subtask is backpressured (at most ", out);
		fprintf(out, "%.0f ms/s, ", bp->ms_per_s[REPORT_BACKPRESSURED]);
		print_task(bp, out);
		fputs("), so the job keeps up with its input. The busiest subtask is ", out);
		print_task(busy, out);
		fprintf(out, " at %.0f ms/s busy (%.0f ms/s on CPU); if the job must go faster, "
			     "that is where to look.", bottleneck_busy(busy), busy->ms_per_s[REPORT_CPU]);
		return;
	}
	fputs("No bottleneck found: ", out);
	print_task(bp, out);
	fprintf(out, " is backpressured (%.0f ms/s), but no subtask downstream of it in this "
		     "report is busy rather than idle. The subtask that holds it back runs in a "
		     "TaskManager that was not recorded (record them all with --all-taskmanagers) "
		     "or is itself backpressured by an external system.",
		bp->ms_per_s[REPORT_BACKPRESSURED]);
}

/* Greedy word wrap of text at width columns. */
static void print_wrapped(const char *text, FILE *out, int width)
{
	const char *p = text;
	int col = 0;

	while (*p) {
		size_t word = strcspn(p, " "), space = strspn(p + word, " ");

		if (col && col + 1 + (int)word > width) {
			fputc('\n', out);
			col = 0;
		} else if (col) {
			fputc(' ', out);
			col++;
		}
		fwrite(p, 1, word, out);
		col += (int)word;
		p += word + space;
	}
	if (col)
		fputc('\n', out);
}

void explain_print(const struct thread_report *r, FILE *out, int width)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	if (!mem)
		return;
	switch (explain_check(r)) {
	case EXPLAIN_NO_TASKS:
		fputs("No Flink task threads in this report: nothing to explain.", mem);
		break;
	case EXPLAIN_NO_STATES:
		fputs("No bottleneck analysis: the report has no off-CPU states (backpressured, "
		      "idle, blocked); record with 'tmprof record -e wall -o FILE.json'.", mem);
		break;
	case EXPLAIN_OK:
		if (r->nbottlenecks)
			write_bottleneck(r, mem);
		else
			write_none(r, mem);
		break;
	}
	if (fclose(mem) == 0 && text)
		print_wrapped(text, out, width > 20 ? width : 78);
	free(text);
}

void explain_print_line(const struct thread_report *r, FILE *out)
{
	const struct report_bottleneck *b = r->nbottlenecks ? &r->bottlenecks[0] : NULL;

	if (explain_check(r) != EXPLAIN_OK)
		return;
	if (!b) {
		fputs("bottleneck: none found ('tmprof explain' on a JSON report says why)\n", out);
		return;
	}
	fprintf(out, "bottleneck: %s (%d/%d) %s%s%s, backpressures ", b->chain, b->subtask,
		b->parallelism, b->why, b->blocked_in ? " in " : "",
		b->blocked_in ? bottleneck_frame_short(b->blocked_in) : "");
	print_blocks(b, out);
	if (r->nbottlenecks > 1)
		fprintf(out, "; %zu more", r->nbottlenecks - 1);
	fputc('\n', out);
}
