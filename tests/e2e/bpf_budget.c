// SPDX-License-Identifier: GPL-2.0
/* Loads every program of the BPF objects named on the command line into the
 * running kernel, with the verifier's statistics on, and prints per program
 * its stack and the instructions the verifier processed, against budgets
 * well inside the kernel's limits:
 *
 *   stack: the combined stack of the deepest call chain, as the verifier
 *          counts it against its 512-byte limit: each subprogram's depth
 *          ("stack depth A+B+..." in the log, in the order of their first
 *          instruction) rounded up to 32 bytes, summed along calls and
 *          callback references (bpf_loop, bpf_find_vma) found in the
 *          program's final instructions; budget 384 bytes.
 *   insns: "processed N insns (limit L)"; budget L / 2.
 *
 * A program over either budget, or rejected, fails the check: the next
 * change that creeps toward a limit is caught by the tests, not by a user
 * on another kernel. Output, one line per program:
 *   budget OBJ PROG stack=S/384 insns=N/L2 ok|OVER|REJECTED
 * Exit 0 when every program is within budget, 1 otherwise, 2 on usage. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/libbpf.h>

#define STACK_BUDGET 384
#define LOG_SIZE (64u << 10) /* statistics only */
#define MAX_PROGS 32

struct prog_budget {
	long stack; /* combined, deepest chain */
	long insns;
	long limit;
	char depths[128]; /* the log's own "A+B+..." */
};

#define MAX_SUBPROGS 64

/* Subprogram starts and the edges between them, from the instructions
 * libbpf loaded: a BPF_CALL with src_reg BPF_PSEUDO_CALL, or a ld_imm64 of
 * a BPF_PSEUDO_FUNC (a callback handed to a helper), both pc-relative. */
struct call_graph {
	int n;
	long start[MAX_SUBPROGS];
	unsigned long long edges[MAX_SUBPROGS]; /* bit j: i calls j */
	long depth[MAX_SUBPROGS];
};

static int graph_index(const struct call_graph *g, long insn)
{
	int i = g->n - 1;

	while (i > 0 && g->start[i] > insn)
		i--;
	return i;
}

static void graph_add_start(struct call_graph *g, long insn)
{
	int i;

	for (i = 0; i < g->n; i++)
		if (g->start[i] == insn)
			return;
	if (g->n == MAX_SUBPROGS)
		return;
	for (i = g->n; i > 0 && g->start[i - 1] > insn; i--)
		g->start[i] = g->start[i - 1];
	g->start[i] = insn;
	g->n++;
}

static bool is_subprog_ref(const struct bpf_insn *in)
{
	return (in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL) ||
	       (in->code == (BPF_LD | BPF_IMM | BPF_DW) && in->src_reg == BPF_PSEUDO_FUNC);
}

static void graph_build(struct call_graph *g, const struct bpf_insn *insns, size_t cnt)
{
	g->n = 0;
	graph_add_start(g, 0);
	for (size_t k = 0; k < cnt; k++)
		if (is_subprog_ref(&insns[k]))
			graph_add_start(g, (long)k + insns[k].imm + 1);
	memset(g->edges, 0, sizeof(g->edges));
	for (size_t k = 0; k < cnt; k++)
		if (is_subprog_ref(&insns[k]))
			g->edges[graph_index(g, (long)k)] |=
				1ULL << graph_index(g, (long)k + insns[k].imm + 1);
}

static long round32(long v)
{
	return ((v > 0 ? v : 1) + 31) / 32 * 32;
}

/* Deepest chain from subprogram i; seen guards against recursion, which
 * the verifier rejects anyway. */
static long graph_deepest(const struct call_graph *g, int i, unsigned long long seen)
{
	long best = 0;

	for (int j = 0; j < g->n; j++) {
		if ((g->edges[i] & (1ULL << j)) && !(seen & (1ULL << j))) {
			long d = graph_deepest(g, j, seen | (1ULL << j));

			if (d > best)
				best = d;
		}
	}
	return round32(g->depth[i]) + best;
}

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	(void)fmt;
	(void)args;
	return 0;
}

/* The figures from a log of level BPF_LOG_STATS and the program's final
 * instructions. Lines of interest:
 *   "processed 1234 insns (limit 1000000) max_states_per_insn ..."
 *   "stack depth 64+144+0"                                         */
static int budget_parse(const char *log, const struct bpf_insn *insns, size_t cnt,
			struct prog_budget *b)
{
	const char *p = strstr(log, "processed ");
	const char *s = strstr(log, "stack depth ");
	struct call_graph g;
	int n = 0;

	b->stack = b->insns = b->limit = -1;
	b->depths[0] = '\0';
	if (!p || sscanf(p, "processed %ld insns (limit %ld)", &b->insns, &b->limit) != 2 ||
	    !s || !insns)
		return -EINVAL;
	graph_build(&g, insns, cnt);
	s += strlen("stack depth ");
	snprintf(b->depths, sizeof(b->depths), "%.*s", (int)strcspn(s, "\n"), s);
	for (;;) {
		char *end;
		long v = strtol(s, &end, 10);

		if (end == s || n == g.n)
			break;
		g.depth[n++] = v;
		if (*end != '+')
			break;
		s = end + 1;
	}
	if (n != g.n)
		return -EINVAL; /* the log and the instructions disagree */
	b->stack = graph_deepest(&g, 0, 1);
	return 0;
}

static bool is_stats_line(const char *line)
{
	return !strncmp(line, "processed ", 10) || !strncmp(line, "verification time", 17) ||
	       !strncmp(line, "stack depth", 11);
}

/* The last line of a verifier log that is not a statistic: the reason of a
 * rejection. */
static void log_last_line(const char *log, char *out, size_t len)
{
	size_t n = strlen(log);

	out[0] = '\0';
	while (n) {
		size_t end, start;

		while (n && (log[n - 1] == '\n' || log[n - 1] == ' '))
			n--;
		end = n;
		while (n && log[n - 1] != '\n')
			n--;
		start = n;
		if (end > start && !is_stats_line(log + start)) {
			snprintf(out, len, "%.*s", (int)(end - start), log + start);
			return;
		}
	}
}

/* On a rejection, load again with libbpf's own logging: it retries with a
 * verbose verifier log and prints it, so the failing check shows why. */
static int libbpf_stderr(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return level == LIBBPF_DEBUG ? 0 : vfprintf(stderr, fmt, args);
}

static void object_explain(const char *path)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);

	if (!obj)
		return;
	libbpf_set_print(libbpf_stderr);
	bpf_object__load(obj);
	libbpf_set_print(quiet_print);
	bpf_object__close(obj);
}

static int object_check(const char *path, int *over)
{
	struct bpf_object *obj = NULL;
	struct bpf_program *prog;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char *logs[MAX_PROGS] = {};
	int err, n = 0, i;

	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		err = -errno;
		fprintf(stderr, "bpf_budget: %s: cannot open: %s\n", path, strerror(-err));
		goto cleanup;
	}
	bpf_object__for_each_program(prog, obj) {
		if (n == MAX_PROGS || !(logs[n] = calloc(1, LOG_SIZE))) {
			err = -ENOMEM;
			goto cleanup;
		}
		bpf_program__set_log_buf(prog, logs[n++], LOG_SIZE);
		bpf_program__set_log_level(prog, 4); /* BPF_LOG_STATS */
	}
	err = bpf_object__load(obj);
	i = 0;
	bpf_object__for_each_program(prog, obj) {
		struct prog_budget b;
		char last[256];
		const char *log = logs[i++];

		if (err || budget_parse(log, bpf_program__insns(prog), bpf_program__insn_cnt(prog), &b)) {
			log_last_line(log, last, sizeof(last));
			printf("budget %s %s REJECTED: %s\n", base, bpf_program__name(prog),
			       last[0] ? last : strerror(-err));
			(*over)++;
			continue;
		}
		printf("budget %s %s stack=%ld/%d (depths %s) insns=%ld/%ld %s\n", base,
		       bpf_program__name(prog), b.stack, STACK_BUDGET, b.depths, b.insns, b.limit / 2,
		       b.stack > STACK_BUDGET || b.insns > b.limit / 2 ? "OVER" : "ok");
		if (b.stack > STACK_BUDGET || b.insns > b.limit / 2)
			(*over)++;
	}
	if (err)
		object_explain(path);
	err = 0;
cleanup:
	bpf_object__close(obj);
	for (i = 0; i < n; i++)
		free(logs[i]);
	return err;
}

int main(int argc, char **argv)
{
	int over = 0, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: bpf_budget OBJ.bpf.o...\n");
		return 2;
	}
	libbpf_set_print(quiet_print);
	for (int i = 1; i < argc; i++)
		if (object_check(argv[i], &over))
			rc = 1;
	return rc || over ? 1 : 0;
}
