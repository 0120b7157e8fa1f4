// SPDX-License-Identifier: GPL-2.0
#include "agent/core/operator_place.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define TASKS_PKG "org.apache.flink.streaming.runtime.tasks."

enum frame_role {
	ROLE_OTHER,
	ROLE_LOOP,      /* the task's loop: where counting starts */
	ROLE_CHAIN,     /* (Copying)ChainingOutput: a hop when it leads to an operator */
	ROLE_BROADCAST, /* (Copying)BroadcastingOutputCollector: part of a run, no hop itself */
};

/* Flink's class names have been stable since 1.12 (package tasks); before,
 * the outputs were inner classes of OperatorChain. */
static enum frame_role role_of(const char *name)
{
	static const char *const chain[] = { "ChainingOutput.", "CopyingChainingOutput." };
	static const char *const bcast[] = { "BroadcastingOutputCollector.",
					     "CopyingBroadcastingOutputCollector." };
	const char *cls;

	if (!name)
		return ROLE_OTHER;
	if (!strcmp(name, TASKS_PKG "StreamTask.invoke") ||
	    !strcmp(name, TASKS_PKG "mailbox.MailboxProcessor.runMailboxLoop"))
		return ROLE_LOOP;
	if (strncmp(name, TASKS_PKG, sizeof(TASKS_PKG) - 1))
		return ROLE_OTHER;
	cls = name + sizeof(TASKS_PKG) - 1;
	if (!strncmp(cls, "OperatorChain$", 14))
		cls += 14;
	/* A method name follows the class: compare "Class." prefixes only. */
	for (size_t i = 0; i < 2; i++) {
		if (!strncmp(cls, chain[i], strlen(chain[i])))
			return ROLE_CHAIN;
		if (!strncmp(cls, bcast[i], strlen(bcast[i])))
			return ROLE_BROADCAST;
	}
	return ROLE_OTHER;
}

/* An operator's input method (processElement, processElement1/2,
 * processWatermark..., processLatencyMarker, setKeyContextElement...):
 * pushToOperator calls these on the next operator. */
static bool enters_operator(const char *name)
{
	const char *m = name ? strrchr(name, '.') : NULL;

	if (!m)
		return false;
	m++;
	return !strncmp(m, "process", 7) || !strncmp(m, "setKeyContextElement", 20);
}

int operator_hops(const struct operator_frame *frames, size_t nframes)
{
	size_t i = 0;
	int hops = 0;
	bool in_run = false, run_chains = false;

	/* The root-most loop: a mailbox loop nested inside an operator (a
	 * yield to the mailbox) does not restart the count. */
	while (i < nframes && !(frames[i].java && role_of(frames[i].name) == ROLE_LOOP))
		i++;
	if (i == nframes)
		return OPERATOR_UNPLACED;
	for (i++; i < nframes; i++) {
		enum frame_role r;

		/* Native, stub and kernel frames neither enter nor leave an
		 * operator: runtime code called from where the Java code is. */
		if (!frames[i].java)
			continue;
		r = role_of(frames[i].name);
		if (r == ROLE_CHAIN || r == ROLE_BROADCAST) {
			in_run = true;
			run_chains |= r == ROLE_CHAIN;
			continue;
		}
		/* Only the next operator's input methods end a hop: the
		 * serializer's copy in CopyingChainingOutput.pushToOperator
		 * is still the upstream's work. A frame that is neither
		 * (a metrics counter) leaves the run open. */
		if (in_run && run_chains && !enters_operator(frames[i].name))
			continue;
		if (in_run && run_chains)
			hops++;
		in_run = run_chains = false;
	}
	return hops;
}

int operator_index(int hops, int nops, const char *last)
{
	if (hops < 0 || nops <= 0)
		return OPERATOR_UNPLACED;
	if (hops < nops)
		return hops;
	/* "(B -> D, C)": deeper than the chain's elements, inside its branches. */
	if (last && last[0] == '(')
		return nops - 1;
	return OPERATOR_UNPLACED;
}

/* ------------------------------------------------------------------ cache */

struct op_slot {
	uint64_t key;
	int hops;
	bool used;
};

/* Open addressing in one allocation: the slots follow the header. */
struct operator_cache {
	size_t mask, count, max;
	struct operator_cache_stats stats;
	struct op_slot slots[];
};

int operator_cache_new(size_t max_entries, struct operator_cache **out)
{
	size_t cap = 16;

	*out = NULL;
	if (!max_entries || max_entries > ((size_t)1 << 26))
		return -EINVAL;
	/* Half full at most, so that probes stay short. */
	while (cap < 2 * max_entries)
		cap <<= 1;
	*out = calloc(1, sizeof(**out) + cap * sizeof((*out)->slots[0]));
	if (!*out)
		return -ENOMEM;
	(*out)->mask = cap - 1;
	(*out)->max = max_entries;
	return 0;
}

void operator_cache_free(struct operator_cache *c)
{
	free(c);
}

/* The slot of key: its own, or the empty one where it would go. */
static struct op_slot *slot_of(struct operator_cache *c, uint64_t key)
{
	/* The keys are stack hashes already; fold the high bits in anyway
	 * for callers that combine small numbers. */
	size_t i = (size_t)((key ^ (key >> 29) ^ (key >> 47)) * 0x9E3779B97F4A7C15ULL >> 32) & c->mask;

	while (c->slots[i].used && c->slots[i].key != key)
		i = (i + 1) & c->mask;
	return &c->slots[i];
}

bool operator_cache_find(struct operator_cache *c, uint64_t key, int *hops)
{
	struct op_slot *s = slot_of(c, key);

	if (!s->used)
		return false;
	c->stats.hits++;
	*hops = s->hops;
	return true;
}

int operator_cache_hops(struct operator_cache *c, uint64_t key, const struct operator_frame *frames,
			size_t nframes)
{
	struct op_slot *s;
	int hops;

	if (operator_cache_find(c, key, &hops))
		return hops;
	c->stats.misses++;
	hops = operator_hops(frames, nframes);
	if (c->count == c->max) {
		memset(c->slots, 0, (c->mask + 1) * sizeof(*c->slots));
		c->count = 0;
		c->stats.resets++;
	}
	s = slot_of(c, key);
	*s = (struct op_slot){ .key = key, .hops = hops, .used = true };
	c->count++;
	return hops;
}

void operator_cache_stats(const struct operator_cache *c, struct operator_cache_stats *out)
{
	*out = c->stats;
}
