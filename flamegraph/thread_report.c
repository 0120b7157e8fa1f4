// SPDX-License-Identifier: GPL-2.0
#include "flamegraph/thread_report.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "flamegraph/atomic_file.h"
#include "flamegraph/report_blocked_in.h"
#include "flamegraph/report_bottlenecks.h"
#include "flamegraph/report_categories.h"

const char *report_state_name(enum report_state s)
{
	static const char *const names[REPORT_STATE__MAX] = {
		[REPORT_CPU] = "cpu",
		[REPORT_RUNQUEUE] = "runqueue",
		[REPORT_BACKPRESSURED] = "backpressured",
		[REPORT_IDLE] = "idle",
		[REPORT_BLOCKED] = "blocked",
	};

	return s < REPORT_STATE__MAX ? names[s] : "?";
}

const char *report_blocked_name(enum report_blocked b)
{
	static const char *const names[REPORT_BLOCKED__MAX] = {
		[REPORT_LOCK] = "lock",
		[REPORT_IO] = "io",
		[REPORT_SLEEP] = "sleep",
	};

	return b < REPORT_BLOCKED__MAX ? names[b] : "?";
}

struct report_thread *thread_report_add(struct thread_report *r)
{
	struct report_thread *grown = realloc(r->threads, (r->nthreads + 1) * sizeof(*r->threads));

	if (!grown)
		return NULL;
	r->threads = grown;
	memset(&r->threads[r->nthreads], 0, sizeof(*r->threads));
	return &r->threads[r->nthreads++];
}

static void culprits_free(struct report_culprit *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].comm);
		free(c[i].cgroup);
		free(c[i].container);
	}
	free(c);
}

void thread_report_free(struct thread_report *r)
{
	culprits_free(r->neighbours, r->nneighbours);
	report_bottlenecks_free(r);
	for (size_t i = 0; i < r->nthreads; i++) {
		struct report_thread *t = &r->threads[i];

		culprits_free(t->culprits, t->nculprits);
		free(t->name);
		free(t->kind);
		for (int c = 0; c < t->task.nchain; c++)
			free(t->task.chain[c]);
		for (int f = 0; f < t->ntop; f++) {
			free(t->top[f].frame);
			free(t->top[f].kind);
			free(t->top[f].module);
		}
		report_blocked_in_free(t);
	}
	free(r->threads);
	report_categories_free(r);
	memset(r, 0, sizeof(*r));
}

static int thread_cpu_cmp(const void *a, const void *b)
{
	const struct report_thread *x = a, *y = b;

	if (x->ms_per_s[REPORT_CPU] != y->ms_per_s[REPORT_CPU])
		return x->ms_per_s[REPORT_CPU] < y->ms_per_s[REPORT_CPU] ? 1 : -1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

void thread_report_sort(struct thread_report *r)
{
	if (r->nthreads)
		qsort(r->threads, r->nthreads, sizeof(*r->threads), thread_cpu_cmp);
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and out-of-range code points. */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Thread names come from other processes: any bytes. Invalid UTF-8 becomes
 * U+FFFD so the file stays valid JSON. */
void thread_report_write_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);

	fputc('"', out);
	while (n) {
		size_t len;

		if (*p == '"' || *p == '\\') {
			fputc('\\', out);
			fputc(*p, out);
			len = 1;
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(out, "\\u%04x", *p);
			len = 1;
		} else if ((len = utf8_sequence(p, n)) != 0) {
			fwrite(p, 1, len, out);
		} else {
			fputs("\\ufffd", out);
			len = 1;
		}
		p += len;
		n -= len;
	}
	fputc('"', out);
}

static void write_json_number(FILE *out, double v)
{
	if (isfinite(v))
		fprintf(out, "%.3f", v);
	else
		fputs("null", out);
}

static void write_culprits(const struct report_culprit *c, size_t n, bool where, FILE *out)
{
	fputc('[', out);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%s{\"pid\":%d,\"comm\":", i ? "," : "", c[i].pid);
		thread_report_write_string(out, c[i].comm);
		if (where) {
			fputs(",\"cgroup\":", out);
			thread_report_write_string(out, c[i].cgroup);
			fputs(",\"container\":", out);
			thread_report_write_string(out, c[i].container);
		}
		fputs(",\"ms_per_s\":", out);
		write_json_number(out, c[i].ms_per_s);
		fprintf(out, ",\"target\":%s}", c[i].target ? "true" : "false");
	}
	fputc(']', out);
}

/* CPU per operator of the chain, in chain order, then what no operator
 * could be named for. */
static void write_operators(const struct report_thread *t, FILE *out)
{
	if (!t->has_operators)
		return;
	fputs(",\"operators\":[", out);
	for (int i = 0; i < t->task.nchain; i++) {
		fputs(i ? ",{\"name\":" : "{\"name\":", out);
		thread_report_write_string(out, t->task.chain[i]);
		fprintf(out, ",\"index\":%d,\"cpu_ms_per_s\":", i);
		write_json_number(out, t->operator_ms_per_s[i]);
		fprintf(out, ",\"samples\":%llu}", (unsigned long long)t->operator_samples[i]);
	}
	fputs("],\"operators_unplaced\":{\"cpu_ms_per_s\":", out);
	write_json_number(out, t->unplaced_ms_per_s);
	fprintf(out, ",\"samples\":%llu}", (unsigned long long)t->unplaced_samples);
}

static void write_thread(const struct thread_report *r, const struct report_thread *t, FILE *out)
{
	fprintf(out, "{\"pid\":%d,\"tid\":%d,\"name\":", t->pid, t->tid);
	thread_report_write_string(out, t->name);
	fputs(",\"kind\":", out);
	thread_report_write_string(out, t->kind ? t->kind : "other");
	fputs(",\"task\":", out);
	if (t->is_task) {
		fputs("{\"chain\":[", out);
		for (int i = 0; i < t->task.nchain; i++) {
			if (i)
				fputc(',', out);
			thread_report_write_string(out, t->task.chain[i]);
		}
		fprintf(out, "],\"subtask\":%d,\"parallelism\":%d,\"attempt\":%d}", t->task.subtask,
			t->task.parallelism, t->task.attempt);
	} else {
		fputs("null", out);
	}
	fputs(",\"ms_per_s\":{", out);
	for (int s = 0; s < REPORT_STATE__MAX; s++) {
		fprintf(out, "%s\"%s\":", s ? "," : "", report_state_name(s));
		if (t->measured[s])
			write_json_number(out, t->ms_per_s[s]);
		else
			fputs("null", out);
	}
	fputs("},\"blocked_by\":{", out);
	for (int b = 0; b < REPORT_BLOCKED__MAX; b++) {
		fprintf(out, "%s\"%s\":", b ? "," : "", report_blocked_name(b));
		if (t->measured[REPORT_BLOCKED])
			write_json_number(out, t->blocked_ms_per_s[b]);
		else
			fputs("null", out);
	}
	fputs("},\"runqueue_by_culprit\":", out);
	if (t->measured[REPORT_RUNQUEUE] && r->culprits_measured)
		write_culprits(t->culprits, t->nculprits, false, out);
	else
		fputs("null", out);
	fputs(",\"top_frames\":[", out);
	for (int i = 0; i < t->ntop; i++) {
		fputs(i ? ",{\"frame\":" : "{\"frame\":", out);
		thread_report_write_string(out, t->top[i].frame);
		fputs(",\"kind\":", out);
		thread_report_write_string(out, t->top[i].kind ? t->top[i].kind : "unknown");
		fputs(",\"module\":", out);
		thread_report_write_string(out, t->top[i].module ? t->top[i].module : "");
		fputs(",\"share\":", out);
		write_json_number(out, t->top[i].share);
		fputc('}', out);
	}
	fputc(']', out);
	write_operators(t, out);
	report_categories_write_json(r, t, out);
	report_blocked_in_write_json(t, out);
	fputc('}', out);
}

int thread_report_write_json(const struct thread_report *r, FILE *out)
{
	fputs("{\"duration_s\":", out);
	write_json_number(out, r->duration_s);
	fputs(",\"threads\":[", out);
	for (size_t i = 0; i < r->nthreads; i++) {
		fputs(i ? ",\n" : "\n", out);
		write_thread(r, &r->threads[i], out);
	}
	fputs("\n],\"noisy_neighbours\":", out);
	if (r->culprits_measured)
		write_culprits(r->neighbours, r->nneighbours, true, out);
	else
		fputs("null", out);
	report_bottlenecks_write_json(r, out);
	report_categories_write_chains_json(r, out);
	fputs("}\n", out);
	return ferror(out) ? -EIO : 0;
}

int thread_report_write_json_file(const struct thread_report *r, const char *path)
{
	struct atomic_file af;
	int err = atomic_file_open(&af, path);

	if (err)
		return err;
	err = thread_report_write_json(r, af.fp);
	if (err) {
		atomic_file_abort(&af);
		return err;
	}
	return atomic_file_commit(&af);
}

/* ---- reading ---- */

static char *json_strdup(json_t *v)
{
	return strdup(json_is_string(v) ? json_string_value(v) : "");
}

static int read_task(json_t *task, struct report_thread *t)
{
	json_t *chain = json_object_get(task, "chain"), *op;
	size_t i;

	if (!json_is_object(task))
		return 0;
	t->is_task = true;
	json_array_foreach(chain, i, op) {
		if (t->task.nchain == REPORT_MAX_CHAIN)
			break;
		t->task.chain[t->task.nchain] = json_strdup(op);
		if (!t->task.chain[t->task.nchain++])
			return -ENOMEM;
	}
	t->task.subtask = (int)json_integer_value(json_object_get(task, "subtask"));
	t->task.parallelism = (int)json_integer_value(json_object_get(task, "parallelism"));
	t->task.attempt = (int)json_integer_value(json_object_get(task, "attempt"));
	return 0;
}

static int read_culprits(json_t *arr, size_t max, struct report_culprit **out, size_t *n)
{
	json_t *c;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!json_is_array(arr) || !json_array_size(arr))
		return 0;
	*out = calloc(json_array_size(arr) < max ? json_array_size(arr) : max, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	json_array_foreach(arr, i, c) {
		struct report_culprit *rc = &(*out)[*n];

		if (*n == max)
			break;
		rc->pid = (pid_t)json_integer_value(json_object_get(c, "pid"));
		rc->ms_per_s = json_number_value(json_object_get(c, "ms_per_s"));
		rc->target = json_is_true(json_object_get(c, "target"));
		rc->comm = json_strdup(json_object_get(c, "comm"));
		rc->cgroup = json_strdup(json_object_get(c, "cgroup"));
		rc->container = json_strdup(json_object_get(c, "container"));
		(*n)++;
		if (!rc->comm || !rc->cgroup || !rc->container)
			return -ENOMEM;
	}
	return 0;
}

static void read_operators(json_t *jt, struct report_thread *t)
{
	json_t *ops = json_object_get(jt, "operators"), *op;
	json_t *un = json_object_get(jt, "operators_unplaced");
	size_t i;

	if (!json_is_array(ops) || !t->is_task)
		return;
	t->has_operators = true;
	/* By "index", so that the rows stay the chain's names. */
	json_array_foreach(ops, i, op) {
		json_int_t idx = json_integer_value(json_object_get(op, "index"));

		if (idx < 0 || idx >= t->task.nchain)
			continue;
		t->operator_ms_per_s[idx] = json_number_value(json_object_get(op, "cpu_ms_per_s"));
		t->operator_samples[idx] = (uint64_t)json_integer_value(json_object_get(op, "samples"));
	}
	t->unplaced_ms_per_s = json_number_value(json_object_get(un, "cpu_ms_per_s"));
	t->unplaced_samples = (uint64_t)json_integer_value(json_object_get(un, "samples"));
}

static int read_thread(struct thread_report *r, json_t *jt, struct report_thread *t)
{
	json_t *ms = json_object_get(jt, "ms_per_s"), *top = json_object_get(jt, "top_frames"), *f;
	json_t *by = json_object_get(jt, "blocked_by");
	size_t i;
	int err;

	if (!json_is_object(jt) || !json_is_object(ms))
		return -EINVAL;
	t->pid = (pid_t)json_integer_value(json_object_get(jt, "pid"));
	t->tid = (pid_t)json_integer_value(json_object_get(jt, "tid"));
	t->name = json_strdup(json_object_get(jt, "name"));
	t->kind = json_strdup(json_object_get(jt, "kind"));
	if (!t->name || !t->kind)
		return -ENOMEM;
	err = read_task(json_object_get(jt, "task"), t);
	if (err)
		return err;
	for (int s = 0; s < REPORT_STATE__MAX; s++) {
		json_t *v = json_object_get(ms, report_state_name(s));

		t->measured[s] = json_is_number(v);
		t->ms_per_s[s] = t->measured[s] ? json_number_value(v) : 0;
	}
	err = read_culprits(json_object_get(jt, "runqueue_by_culprit"), REPORT_MAX_CULPRITS,
			    &t->culprits, &t->nculprits);
	if (err)
		return err;
	/* Reports from before the split have no blocked_by: all zero. */
	for (int b = 0; b < REPORT_BLOCKED__MAX; b++)
		t->blocked_ms_per_s[b] = json_number_value(json_object_get(by, report_blocked_name(b)));
	json_array_foreach(top, i, f) {
		if (t->ntop == REPORT_TOP_FRAMES)
			break;
		struct report_frame *fr = &t->top[t->ntop++];

		fr->frame = json_strdup(json_object_get(f, "frame"));
		/* Reports written before frames had a kind have neither. */
		fr->kind = json_strdup(json_object_get(f, "kind"));
		fr->module = json_strdup(json_object_get(f, "module"));
		if (!fr->frame || !fr->kind || !fr->module)
			return -ENOMEM;
		fr->share = json_number_value(json_object_get(f, "share"));
	}
	read_operators(jt, t);
	err = report_blocked_in_read_json(t, jt);
	return err ? err : report_categories_read_json(r, t, jt);
}

int thread_report_read_json(const char *path, struct thread_report *r, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root, *threads, *jt;
	size_t i;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	/* JSON_REJECT_DUPLICATES: a doctored file is an error, not a guess. */
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err, errlen, "%s: line %d column %d: %s", path, jerr.line, jerr.column,
			 jerr.text);
		return -EINVAL;
	}
	threads = json_object_get(root, "threads");
	if (!json_is_object(root) || !json_is_number(json_object_get(root, "duration_s")) ||
	    !json_is_array(threads)) {
		snprintf(err, errlen, "%s: not a tmprof report (needs duration_s and threads)", path);
		rc = -EINVAL;
		goto cleanup;
	}
	r->duration_s = json_number_value(json_object_get(root, "duration_s"));
	r->culprits_measured = json_is_array(json_object_get(root, "noisy_neighbours"));
	rc = read_culprits(json_object_get(root, "noisy_neighbours"), REPORT_MAX_NEIGHBOURS,
			   &r->neighbours, &r->nneighbours);
	if (rc) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto cleanup;
	}
	json_array_foreach(threads, i, jt) {
		struct report_thread *t = thread_report_add(r);

		rc = t ? read_thread(r, jt, t) : -ENOMEM;
		if (rc) {
			snprintf(err, errlen, "%s: thread %zu: %s", path, i,
				 rc == -ENOMEM ? "out of memory" : "malformed entry");
			goto cleanup;
		}
	}
cleanup:
	json_decref(root);
	if (rc)
		thread_report_free(r);
	return rc;
}

/* ---- the operator table ---- */

struct chain_group {
	const struct report_thread **rows;
	size_t n;
	double max_cpu;
};

bool thread_report_same_chain(const struct report_thread *a, const struct report_thread *b)
{
	if (a->pid != b->pid || a->task.nchain != b->task.nchain)
		return false;
	for (int i = 0; i < a->task.nchain; i++)
		if (strcmp(a->task.chain[i], b->task.chain[i]))
			return false;
	return true;
}

static void print_chain_name(const struct report_thread *t, FILE *out)
{
	for (int i = 0; i < t->task.nchain; i++)
		fprintf(out, "%s%s", i ? " -> " : "", t->task.chain[i]);
}

static void print_cell(FILE *out, const struct report_thread *t, int s)
{
	if (t->measured[s])
		fprintf(out, " %7.0f", t->ms_per_s[s]);
	else
		fprintf(out, " %7s", "-");
}

/* Blocked time as its reasons: which of lock, I/O or sleep held the
 * thread is what says what to fix. */
static void print_blocked_cells(FILE *out, const struct report_thread *t)
{
	for (int b = 0; b < REPORT_BLOCKED__MAX; b++) {
		if (t->measured[REPORT_BLOCKED])
			fprintf(out, " %5.0f", t->blocked_ms_per_s[b]);
		else
			fprintf(out, " %5s", "-");
	}
}

static int double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median_cpu(const struct chain_group *g)
{
	double *v = malloc(g->n * sizeof(*v)), m;

	if (!v)
		return 0;
	for (size_t i = 0; i < g->n; i++)
		v[i] = g->rows[i]->ms_per_s[REPORT_CPU];
	qsort(v, g->n, sizeof(*v), double_cmp);
	m = g->n % 2 ? v[g->n / 2] : (v[g->n / 2 - 1] + v[g->n / 2]) / 2;
	free(v);
	return m;
}

static int group_cmp(const void *a, const void *b)
{
	const struct chain_group *x = a, *y = b;

	return (x->max_cpu < y->max_cpu) - (x->max_cpu > y->max_cpu);
}

/* One row per operator under its subtask: its CPU, and its share of the
 * subtask's; then what could not be placed, when there is any. */
static void print_operator_rows(FILE *out, const struct report_thread *t)
{
	double cpu = t->ms_per_s[REPORT_CPU];

	if (!t->has_operators)
		return;
	for (int i = 0; i < t->task.nchain; i++)
		fprintf(out, "    %-18.18s %7.0f  %3.0f %%\n", t->task.chain[i], t->operator_ms_per_s[i],
			cpu > 0 ? 100.0 * t->operator_ms_per_s[i] / cpu : 0.0);
	if (t->unplaced_samples)
		fprintf(out, "    %-18s %7.0f  %3.0f %%\n", "(unplaced)", t->unplaced_ms_per_s,
			cpu > 0 ? 100.0 * t->unplaced_ms_per_s / cpu : 0.0);
}

static void print_row(FILE *out, const struct report_thread *t, int width)
{
	char label[32];
	int used;

	snprintf(label, sizeof(label), "  %d/%d #%d", t->task.subtask, t->task.parallelism,
		 t->task.attempt);
	fprintf(out, "%-14s %7d", label, t->tid);
	for (int s = 0; s < REPORT_BLOCKED; s++)
		print_cell(out, t, s);
	print_blocked_cells(out, t);
	used = 14 + 8 + 8 * REPORT_BLOCKED + 6 * REPORT_BLOCKED__MAX + 2;
	if (t->ntop && width - used > 10)
		fprintf(out, "  %.*s", width - used, t->top[0].frame);
	fputc('\n', out);
	print_operator_rows(out, t);
}

/* Non-task threads, summed by kind: GC or JIT compiler time competing with
 * the tasks shows here. */
static void print_other_kinds(const struct thread_report *r, FILE *out)
{
	const char *kinds[32];
	double cpu[32] = { 0 }, rq[32] = { 0 };
	size_t n = 0;

	for (size_t i = 0; i < r->nthreads; i++) {
		const struct report_thread *t = &r->threads[i];
		const char *k = t->kind ? t->kind : "other";
		size_t j;

		if (t->is_task)
			continue;
		for (j = 0; j < n && strcmp(kinds[j], k); j++)
			;
		if (j == n) {
			if (n == 32)
				continue;
			kinds[n++] = k;
		}
		cpu[j] += t->ms_per_s[REPORT_CPU];
		rq[j] += t->ms_per_s[REPORT_RUNQUEUE];
	}
	if (!n)
		return;
	fprintf(out, "other threads (cpu / runqueue ms/s):");
	for (size_t j = 0; j < n; j++)
		fprintf(out, "%s %s %.0f/%.0f", j ? "," : "", kinds[j], cpu[j], rq[j]);
	fputc('\n', out);
}

/* Who took the CPUs the task threads waited for: the top culprits of the
 * run-queue time, the TaskManager's own threads as one entry. */
static void print_neighbours(const struct thread_report *r, FILE *out)
{
	size_t shown = r->nneighbours < 5 ? r->nneighbours : 5;

	if (!r->culprits_measured || !shown)
		return;
	fprintf(out, "run queue by culprit (ms/s):");
	for (size_t i = 0; i < shown; i++) {
		const struct report_culprit *c = &r->neighbours[i];

		fprintf(out, "%s %s%s %d%s%s %.0f", i ? "," : "", c->comm,
			c->target ? " (own threads)" : "", c->pid,
			c->container && c->container[0] ? " container " : "",
			c->container ? c->container : "", c->ms_per_s);
	}
	fputc('\n', out);
}

void thread_report_print_table(const struct thread_report *r, FILE *out, int width)
{
	struct chain_group *groups = calloc(r->nthreads + 1, sizeof(*groups));
	const struct report_thread **rows = calloc(r->nthreads + 1, sizeof(*rows));
	size_t ngroups = 0, nrows = 0;

	if (!groups || !rows)
		goto cleanup;
	/* Threads arrive sorted by CPU; group task threads by chain keeping
	 * that order inside each group. */
	for (size_t i = 0; i < r->nthreads; i++) {
		const struct report_thread *t = &r->threads[i];
		size_t g;

		if (!t->is_task)
			continue;
		for (g = 0; g < ngroups; g++)
			if (thread_report_same_chain(groups[g].rows[0], t))
				break;
		if (g == ngroups) {
			groups[ngroups].rows = rows + nrows;
			ngroups++;
		} else {
			/* Make room right after the group's last row. */
			size_t end = (size_t)(groups[g].rows - rows) + groups[g].n;

			memmove(rows + end + 1, rows + end, (nrows - end) * sizeof(*rows));
			for (size_t h = g + 1; h < ngroups; h++)
				groups[h].rows++;
		}
		groups[g].rows[groups[g].n++] = t;
		nrows++;
		if (t->ms_per_s[REPORT_CPU] > groups[g].max_cpu)
			groups[g].max_cpu = t->ms_per_s[REPORT_CPU];
	}
	qsort(groups, ngroups, sizeof(*groups), group_cmp);
	fprintf(out, "%-14s %7s %7s %7s %7s %7s %5s %5s %5s  %s\n", "SUBTASK", "TID", "CPU", "RUNQ",
		"BACKPR", "IDLE", "LOCK", "IO", "SLEEP", "HOTTEST FRAME   (ms/s)");
	for (size_t g = 0; g < ngroups; g++) {
		const struct chain_group *cg = &groups[g];

		print_chain_name(cg->rows[0], out);
		fprintf(out, "  [pid %d]\n", cg->rows[0]->pid);
		for (size_t i = 0; i < cg->n; i++) {
			print_row(out, cg->rows[i], width);
			report_categories_print_row(r, cg->rows[i], out);
		}
		if (cg->n > 1)
			fprintf(out, "  skew: max %.0f ms/s (subtask %d/%d), median %.0f ms/s\n",
				cg->max_cpu, cg->rows[0]->task.subtask, cg->rows[0]->task.parallelism,
				median_cpu(cg));
		report_categories_print_chain(r, cg->rows, cg->n, out);
	}
	if (!ngroups)
		fprintf(out, "(no task threads)\n");
	print_other_kinds(r, out);
	print_neighbours(r, out);
cleanup:
	free(groups);
	free(rows);
}
