// SPDX-License-Identifier: GPL-2.0
#include "agent/core/thread_kind.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Reads a decimal number in [s, end); -1 if there is none or it overflows. */
static long parse_number(const char *s, const char *end)
{
	long v = 0;

	if (s >= end)
		return -1;
	for (; s < end; s++) {
		if (!isdigit((unsigned char)*s) || v > (INT_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* Splits the chain at " -> " that are not inside parentheses: operator
 * names such as "Window(TumblingEventTimeWindows(5000), ...)" nest. */
static int split_chain(struct task_name *out, size_t chain_len)
{
	char *s = out->buf, *start = s;
	int depth = 0;

	out->noperators = 0;
	for (size_t i = 0; i < chain_len; i++) {
		if (s[i] == '(' || s[i] == '[')
			depth++;
		else if ((s[i] == ')' || s[i] == ']') && depth > 0)
			depth--;
		else if (depth == 0 && !strncmp(s + i, " -> ", 4)) {
			if (out->noperators == TASK_MAX_OPERATORS - 1)
				break; /* the rest stays in the last operator */
			s[i] = '\0';
			out->operators[out->noperators++] = start;
			start = s + i + 4;
			i += 3;
		}
	}
	s[chain_len] = '\0';
	out->operators[out->noperators++] = start;
	return 0;
}

int thread_kind_task_parse(const char *name, struct task_name *out)
{
	const char *open, *slash, *close, *end;
	long subtask, parallelism, attempt;
	size_t len, chain_len;

	memset(out, 0, sizeof(*out));
	if (!name)
		return -EINVAL;
	len = strlen(name);
	if (len >= sizeof(out->buf))
		return -EINVAL;
	end = name + len;
	/* The suffix " (i/n)#a" is parsed from the right: the chain itself may
	 * contain parentheses. */
	close = NULL;
	for (const char *p = end; p > name; p--) {
		if (p[-1] == '#') {
			close = p - 1;
			break;
		}
	}
	if (!close || close == name || close[-1] != ')')
		return -EINVAL;
	attempt = parse_number(close + 1, end);
	close--; /* at ')' */
	open = close;
	while (open > name && *open != '(')
		open--;
	if (*open != '(' || open < name + 2 || open[-1] != ' ')
		return -EINVAL;
	slash = memchr(open, '/', (size_t)(close - open));
	if (!slash)
		return -EINVAL;
	subtask = parse_number(open + 1, slash);
	parallelism = parse_number(slash + 1, close);
	if (attempt < 0 || subtask < 1 || parallelism < 1 || subtask > parallelism)
		return -EINVAL;
	chain_len = (size_t)(open - 1 - name);
	if (!chain_len)
		return -EINVAL;
	memcpy(out->buf, name, chain_len);
	out->subtask = (int)subtask;
	out->parallelism = (int)parallelism;
	out->attempt = (int)attempt;
	return split_chain(out, chain_len);
}

struct kind_prefix {
	const char *prefix;
	enum thread_kind kind;
};

/* Names as Flink, Netty, RocksDB and HotSpot give them (JDK 11-21). */
static const struct kind_prefix kind_prefixes[] = {
	{ "Legacy Source Thread - ", THREAD_LEGACY_SOURCE },
	{ "OutputFlusher for ", THREAD_OUTPUT_FLUSHER },
	{ "Time Trigger for ", THREAD_TIME_TRIGGER },
	{ "Flink Netty ", THREAD_NETTY },
	{ "flink-netty", THREAD_NETTY },
	{ "netty-", THREAD_NETTY },
	{ "rocksdb:", THREAD_ROCKSDB },
	{ "GC Thread#", THREAD_GC },
	{ "G1 ", THREAD_GC },
	{ "ZWorker", THREAD_GC },
	{ "ZDirector", THREAD_GC },
	{ "ZDriver", THREAD_GC },
	{ "ZStat", THREAD_GC },
	{ "Shenandoah", THREAD_GC },
	{ "ParGC", THREAD_GC },
	{ "Parallel GC", THREAD_GC },
	{ "C1 CompilerThread", THREAD_JIT },
	{ "C2 CompilerThread", THREAD_JIT },
	{ "Sweeper thread", THREAD_JIT },
	{ "JVMCI", THREAD_JIT },
	{ "VM Thread", THREAD_VM },
	{ "VM Periodic Task Thread", THREAD_VM },
	{ "Signal Dispatcher", THREAD_VM },
	{ "Service Thread", THREAD_VM },
	{ "Monitor Deflation Thread", THREAD_VM },
	{ "Reference Handler", THREAD_VM },
	{ "Finalizer", THREAD_VM },
	{ "Common-Cleaner", THREAD_VM },
	{ "Attach Listener", THREAD_VM },
	{ "Notification Thread", THREAD_VM },
};

enum thread_kind thread_kind_of(const char *name)
{
	struct task_name tn;

	if (!name)
		return THREAD_OTHER;
	for (size_t i = 0; i < sizeof(kind_prefixes) / sizeof(kind_prefixes[0]); i++)
		if (starts_with(name, kind_prefixes[i].prefix))
			return kind_prefixes[i].kind;
	if (strstr(name, "Netty"))
		return THREAD_NETTY;
	return thread_kind_task_parse(name, &tn) == 0 ? THREAD_TASK : THREAD_OTHER;
}

const char *thread_kind_name(enum thread_kind kind)
{
	static const char *const names[THREAD_KIND__MAX] = {
		[THREAD_TASK] = "task",
		[THREAD_LEGACY_SOURCE] = "legacy_source",
		[THREAD_OUTPUT_FLUSHER] = "output_flusher",
		[THREAD_TIME_TRIGGER] = "time_trigger",
		[THREAD_NETTY] = "netty",
		[THREAD_ROCKSDB] = "rocksdb",
		[THREAD_GC] = "gc",
		[THREAD_JIT] = "jit_compiler",
		[THREAD_VM] = "vm",
		[THREAD_OTHER] = "other",
	};

	return kind < THREAD_KIND__MAX ? names[kind] : "other";
}
