// SPDX-License-Identifier: GPL-2.0
/* Which operator of a Flink chain a CPU sample belongs to, from its stack.
 *
 * Flink runs a chain "Source: A -> Filter -> Map" on one thread: the task's
 * loop (StreamTask.invoke -> MailboxProcessor.runMailboxLoop) feeds the
 * head operator, and each operator hands a record to the next through
 * ChainingOutput.collect -> pushToOperator -> next.processElement
 * (CopyingChainingOutput copies the record first; BroadcastingOutputCollector
 * calls several outputs in turn). So the number of times a stack enters a
 * next operator through a chaining output, counted from the task loop to the
 * leaf, is the index of the sample's operator in the chain. Inlined Java
 * frames are expanded by the resolver, so this holds with C2 inlining too.
 *
 * A "hop" is a run of chaining frames (ChainingOutput, CopyingChainingOutput,
 * Broadcasting/CopyingBroadcastingOutputCollector, also as the pre-1.12
 * OperatorChain$ inner classes) with at least one (Copying)ChainingOutput
 * frame, followed leafward by the next operator's input method
 * (processElement, processWatermark..., setKeyContextElement...). A leaf inside the run (the copy of CopyingChainingOutput,
 * the broadcasting loop) or a run that leads to a network output
 * (RecordWriterOutput) stays with the upstream operator: the operator is the
 * one whose processElement is deepest. Samples with no hop belong to the
 * head operator, including the task loop's own input handling (the head's
 * input is read on its behalf). A stack without the task loop (cut short,
 * lost, or a thread that is no task) cannot be placed: OPERATOR_UNPLACED.
 *
 * Branching chains ("A -> (B, C)": one operator with several chained
 * outputs) keep the branches as one name when the task name is split on
 * " -> " (thread_kind.c splits outside parentheses); a sample deeper than
 * the chain's last element goes to that group when it is one ("(B, C)"),
 * else it is unplaced. */
#ifndef TMPROF_AGENT_OPERATOR_PLACE_H
#define TMPROF_AGENT_OPERATOR_PLACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OPERATOR_UNPLACED (-1)

/* A frame as placement needs it (root first in a stack). */
struct operator_frame {
	const char *name; /* "pkg.Class.method"; NULL is treated as "" */
	bool java;        /* JIT, inlined or interpreted Java */
};

/* Hops from the task loop to the leaf (>= 0), or OPERATOR_UNPLACED when
 * the stack has no task loop. frames are root first. */
int operator_hops(const struct operator_frame *frames, size_t nframes);

/* The index of the operator in a chain of nops operators (last: the last
 * element's name, for branch groups), or OPERATOR_UNPLACED. */
int operator_index(int hops, int nops, const char *last);

/* Hops per distinct stack: the caller gives a 64-bit key of the stack
 * (e.g. its process and user stack id); a collision is the caller's to
 * avoid. Bounded: when full it starts over empty. */
struct operator_cache;

struct operator_cache_stats {
	uint64_t hits, misses, resets;
};

int operator_cache_new(size_t max_entries, struct operator_cache **out);
void operator_cache_free(struct operator_cache *c);
/* Hops of the stack keyed key, computed from frames on a miss. */
int operator_cache_hops(struct operator_cache *c, uint64_t key, const struct operator_frame *frames,
			size_t nframes);
/* True and *hops when key is cached (frames need not be built then). */
bool operator_cache_find(struct operator_cache *c, uint64_t key, int *hops);
void operator_cache_stats(const struct operator_cache *c, struct operator_cache_stats *out);

#endif
