// SPDX-License-Identifier: GPL-2.0
#include "flamegraph/report_categories.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* Shown at most, and from which share on, in a table line. */
#define PRINT_MAX 4
#define PRINT_MIN_SHARE 0.01

int report_categories_set_names(struct thread_report *r, const char *const *names, size_t n)
{
	report_categories_free(r);
	if (n > REPORT_CATEGORIES_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		r->categories[i] = strdup(names[i]);
		if (!r->categories[i]) {
			report_categories_free(r);
			return -ENOMEM;
		}
		r->ncategories++;
	}
	return 0;
}

void report_categories_free(struct thread_report *r)
{
	for (size_t i = 0; i < r->ncategories; i++)
		free(r->categories[i]);
	memset(r->categories, 0, sizeof(r->categories));
	r->ncategories = 0;
}

/* Names are written as they are, so only plain ones are accepted. */
static bool name_plain(const char *s)
{
	if (!*s || strlen(s) > 32)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

void report_categories_write_json(const struct thread_report *r, const struct report_thread *t,
				  FILE *out)
{
	if (!r->ncategories || !t->measured[REPORT_CPU])
		return;
	fputs(",\"cpu_by_category\":{", out);
	for (size_t i = 0; i < r->ncategories; i++)
		fprintf(out, "%s\"%s\":%.3f", i ? "," : "", r->categories[i],
			isfinite(t->cpu_by_category[i]) ? t->cpu_by_category[i] : 0.0);
	fputc('}', out);
}

static bool chain_cpu(const struct report_thread *t)
{
	return t->is_task && t->measured[REPORT_CPU];
}

/* "A -> B" as one JSON string. */
static void write_chain_name(const struct report_thread *t, FILE *out)
{
	char *joined = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&joined, &len);

	if (!m) {
		fputs("\"\"", out);
		return;
	}
	for (int i = 0; i < t->task.nchain; i++)
		fprintf(m, "%s%s", i ? " -> " : "", t->task.chain[i]);
	fclose(m);
	thread_report_write_string(out, joined ? joined : "");
	free(joined);
}

/* One chain: the sums over t and the subtasks after it in the report. */
static void write_chain(const struct thread_report *r, size_t first, FILE *out)
{
	const struct report_thread *t = &r->threads[first];
	double sum[REPORT_CATEGORIES_MAX] = { 0 }, cpu = 0;
	int n = 0;

	for (size_t k = first; k < r->nthreads; k++) {
		const struct report_thread *u = &r->threads[k];

		if (!chain_cpu(u) || !thread_report_same_chain(t, u))
			continue;
		n++;
		cpu += isfinite(u->ms_per_s[REPORT_CPU]) ? u->ms_per_s[REPORT_CPU] : 0;
		for (size_t i = 0; i < r->ncategories; i++)
			sum[i] += isfinite(u->cpu_by_category[i]) ? u->cpu_by_category[i] : 0;
	}
	fputs("{\"chain\":", out);
	write_chain_name(t, out);
	fprintf(out, ",\"pid\":%d,\"subtasks\":%d,\"cpu_ms_per_s\":%.3f,\"cpu_by_category\":{",
		t->pid, n, cpu);
	for (size_t i = 0; i < r->ncategories; i++)
		fprintf(out, "%s\"%s\":%.3f", i ? "," : "", r->categories[i], sum[i]);
	fputs("}}", out);
}

void report_categories_write_chains_json(const struct thread_report *r, FILE *out)
{
	bool any = false;

	if (!r->ncategories)
		return;
	fputs(",\"chains\":[", out);
	for (size_t i = 0; i < r->nthreads; i++) {
		size_t k;

		if (!chain_cpu(&r->threads[i]))
			continue;
		for (k = 0; k < i; k++)
			if (chain_cpu(&r->threads[k]) &&
			    thread_report_same_chain(&r->threads[k], &r->threads[i]))
				break;
		if (k < i)
			continue;
		fputs(any ? ",\n" : "\n", out);
		write_chain(r, i, out);
		any = true;
	}
	fputc(']', out);
}

static int name_index(struct thread_report *r, const char *name)
{
	for (size_t i = 0; i < r->ncategories; i++)
		if (!strcmp(r->categories[i], name))
			return (int)i;
	if (r->ncategories == REPORT_CATEGORIES_MAX || !name_plain(name))
		return -1;
	r->categories[r->ncategories] = strdup(name);
	if (!r->categories[r->ncategories])
		return -ENOMEM;
	return (int)r->ncategories++;
}

int report_categories_read_json(struct thread_report *r, struct report_thread *t, json_t *jt)
{
	json_t *cats = json_object_get(jt, "cpu_by_category"), *v;
	const char *key;

	if (!json_is_object(cats))
		return 0;
	json_object_foreach(cats, key, v) {
		int i = name_index(r, key);

		if (i == -ENOMEM)
			return i;
		if (i >= 0 && json_is_number(v))
			t->cpu_by_category[i] = json_number_value(v);
	}
	return 0;
}

static const char *short_name(const char *name)
{
	static const char *const abbrev[][2] = {
		{ "serialization", "ser" },
		{ "network", "net" },
		{ "checkpoint", "ckpt" },
		{ "framework", "fw" },
	};

	for (size_t i = 0; i < sizeof(abbrev) / sizeof(abbrev[0]); i++)
		if (!strcmp(name, abbrev[i][0]))
			return abbrev[i][1];
	return name;
}

/* The largest categories of ms (ncategories values), descending. */
static void print_shares(const struct thread_report *r, const double *ms, FILE *out)
{
	bool shown[REPORT_CATEGORIES_MAX] = { false };
	double total = 0;

	for (size_t i = 0; i < r->ncategories; i++)
		total += ms[i] > 0 ? ms[i] : 0;
	if (total <= 0) {
		fputs(" -", out);
		return;
	}
	for (int k = 0; k < PRINT_MAX; k++) {
		size_t best = r->ncategories;

		for (size_t i = 0; i < r->ncategories; i++)
			if (!shown[i] && (best == r->ncategories || ms[i] > ms[best]))
				best = i;
		if (best == r->ncategories || ms[best] / total < PRINT_MIN_SHARE)
			break;
		shown[best] = true;
		fprintf(out, " %s %.0f%%", short_name(r->categories[best]), 100 * ms[best] / total);
	}
}

void report_categories_print_row(const struct thread_report *r, const struct report_thread *t,
				 FILE *out)
{
	if (!r->ncategories || !t->measured[REPORT_CPU])
		return;
	fputs("                 cpu:", out);
	print_shares(r, t->cpu_by_category, out);
	fputc('\n', out);
}

void report_categories_print_chain(const struct thread_report *r,
				   const struct report_thread *const *rows, size_t n, FILE *out)
{
	double sum[REPORT_CATEGORIES_MAX] = { 0 };

	if (!r->ncategories || !n)
		return;
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < r->ncategories; i++)
			sum[i] += rows[k]->cpu_by_category[i];
	fprintf(out, "  chain cpu (%zu subtask%s):", n, n == 1 ? "" : "s");
	print_shares(r, sum, out);
	fputc('\n', out);
}
