// SPDX-License-Identifier: GPL-2.0
#include "agent/core/session_caches.h"

#include <stdlib.h>

#include "agent/collect/collector.h"
#include "agent/jvm/klass_names.h"
#include "agent/jvm/thread_names.h"
#include "symbolize/java_frames.h"
#include "symbolize/symbolizer.h"

static const char *const cache_names[CACHE__COUNT] = {
	[CACHE_SYMBOLS] = "symbols",         [CACHE_PERF_MAPS] = "perf_maps",
	[CACHE_ELF] = "elf",                 [CACHE_JAVA_NAMES] = "java_names",
	[CACHE_KLASS_NAMES] = "klass_names", [CACHE_THREAD_NAMES] = "thread_names",
	[CACHE_STACKS] = "stacks",
};

const char *session_cache_name(enum session_cache c)
{
	return c < CACHE__COUNT ? cache_names[c] : "?";
}

/* One target's share of each per-target cache. */
static void caches_target_usage(const struct target *t, uint64_t out[CACHE__COUNT])
{
	size_t symbols = 0, perf_map = 0;

	process_symbolizer_memory(t->sym, &symbols, &perf_map);
	out[CACHE_SYMBOLS] = symbols;
	out[CACHE_PERF_MAPS] = perf_map;
	out[CACHE_JAVA_NAMES] = frame_memo_memory(&t->memo);
	if (t->java) {
		struct java_frames_stats js;

		java_frames_stats(t->java, &js);
		out[CACHE_JAVA_NAMES] += js.string_bytes;
	}
	out[CACHE_KLASS_NAMES] = klass_names_memory(t->klasses);
	out[CACHE_THREAD_NAMES] = thread_names_bytes(t->names);
}

void session_cache_usage(const struct session *s, uint64_t out[CACHE__COUNT])
{
	for (int c = 0; c < CACHE__COUNT; c++)
		out[c] = 0;
	for (size_t i = 0; i < s->ntargets; i++) {
		uint64_t u[CACHE__COUNT] = { 0 };

		caches_target_usage(&s->targets[i], u);
		for (int c = 0; c < CACHE__COUNT; c++)
			out[c] += u[c];
	}
	out[CACHE_ELF] = symbolizer_shared_memory();
	for (size_t i = 0; i < s->ncollectors; i++)
		out[CACHE_STACKS] += stack_cache_memory(&s->collectors[i].user_stacks) +
				     stack_cache_memory(&s->collectors[i].kern_stacks);
}

static uint64_t total_of(const uint64_t u[CACHE__COUNT])
{
	uint64_t n = 0;

	for (int c = 0; c < CACHE__COUNT; c++)
		n += u[c];
	return n;
}

/* Empty cache c of t; false when there is nothing to evict there. */
static bool caches_target_evict(struct target *t, enum session_cache c)
{
	if (!t->sym && (c == CACHE_SYMBOLS || c == CACHE_PERF_MAPS))
		return false;
	switch (c) {
	case CACHE_SYMBOLS:
		return process_symbolizer_trim(t->sym, false) == 0;
	case CACHE_PERF_MAPS:
		return process_symbolizer_trim(t->sym, true) == 0;
	case CACHE_JAVA_NAMES:
		/* The memo points into the namer's strings. */
		frame_memo_free(&t->memo);
		if (t->java)
			java_frames_flush(t->java);
		return true;
	case CACHE_KLASS_NAMES:
		if (!t->klasses)
			return false;
		klass_names_clear(t->klasses);
		return true;
	case CACHE_THREAD_NAMES:
		/* Exited threads only: live ones are named by nothing else. */
		return t->names && !t->exited && thread_names_prune(t->names) == 0;
	default:
		return false;
	}
}

unsigned int session_cache_trim(struct session *s, uint64_t budget)
{
	uint64_t use[CACHE__COUNT];
	unsigned int evictions = 0;
	bool elf_done = false;
	bool *done;

	session_cache_usage(s, use);
	if (total_of(use) <= budget)
		return 0;
	done = calloc(s->ntargets * CACHE__COUNT + 1, sizeof(*done));
	if (!done)
		return 0;
	/* Each round empties the largest cache of one target (or the shared
	 * ELF tables nobody uses); a cache emptied is not picked again. */
	for (size_t round = 0; total_of(use) > budget && round <= s->ntargets * CACHE__COUNT; round++) {
		struct target *victim = NULL;
		enum session_cache vc = CACHE__COUNT;
		size_t vi = 0;
		uint64_t most = 0;

		for (size_t i = 0; i < s->ntargets; i++) {
			uint64_t u[CACHE__COUNT] = { 0 };

			caches_target_usage(&s->targets[i], u);
			for (int c = 0; c < CACHE__COUNT; c++)
				/* A cache of a few KiB is not worth a refill. */
				if (c != CACHE_ELF && c != CACHE_STACKS && !done[i * CACHE__COUNT + c] && u[c] > most && u[c] > 4096) {
					most = u[c];
					victim = &s->targets[i];
					vi = i;
					vc = (enum session_cache)c;
				}
		}
		if (!elf_done && use[CACHE_ELF] > most) {
			elf_done = true;
			evictions += symbolizer_shared_trim() ? 1 : 0;
		} else if (victim) {
			done[vi * CACHE__COUNT + vc] = true;
			evictions += caches_target_evict(victim, vc) ? 1 : 0;
		} else {
			break;
		}
		session_cache_usage(s, use);
	}
	free(done);
	return evictions;
}

unsigned int session_cache_age(struct session *s, uint64_t per_target)
{
	unsigned int evictions = 0;

	for (size_t i = 0; i < s->ncollectors; i++) {
		struct collector *c = &s->collectors[i];

		evictions += stack_cache_prune(&c->user_stacks) > 0;
		evictions += stack_cache_prune(&c->kern_stacks) > 0;
	}
	for (size_t i = 0; i < s->ntargets; i++) {
		struct target *t = &s->targets[i];
		uint64_t u[CACHE__COUNT] = { 0 };

		caches_target_usage(t, u);
		if (u[CACHE_SYMBOLS] > per_target)
			evictions += caches_target_evict(t, CACHE_SYMBOLS);
		if (u[CACHE_JAVA_NAMES] > per_target)
			evictions += caches_target_evict(t, CACHE_JAVA_NAMES);
	}
	/* ELF tables no target holds any more (the processes that mapped
	 * them exited): a host running TaskManagers of several JDKs would
	 * otherwise keep each one's libjvm tables (several MiB) until the
	 * budget is reached. A library still mapped is held, and stays. */
	evictions += symbolizer_shared_trim() > 0;
	return evictions;
}
