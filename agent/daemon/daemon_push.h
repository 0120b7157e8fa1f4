// SPDX-License-Identifier: GPL-2.0
/* The daemon's pushes to Pyroscope, off its loop.
 *
 * A push made in the loop held sampling drains, period cuts and new
 * TaskManagers for as long as the server took to answer (a quarter of
 * the period at most, up to 15 s). The loop now only encodes each
 * TaskManager's profile into a request ready to send (pyroscope.h) and
 * hands it to a thread of its own, which sends them in order and keeps
 * the rules below; the loop takes what it did at each period's end.
 *
 * The rules: after a period in which the server was down (refused, timed
 * out, answered 5xx/408/429, or failed slowly), the next 0, 1, 3, 7, then
 * 15 periods push nothing; a push that works resets it. Within a period,
 * the first "down" push drops the period's others, and all of a period's
 * pushes get its budget (a quarter of the period, 1 s to 15 s) from the
 * first one's start. What waits is bounded in requests and bytes: past
 * either, the oldest request is dropped. */
#ifndef TMPROF_AGENT_DAEMON_PUSH_H
#define TMPROF_AGENT_DAEMON_PUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pyroscope_request;

/* Requests and bytes waiting at most. */
#define DAEMON_PUSH_QUEUE 256
#define DAEMON_PUSH_QUEUE_BYTES (16u << 20)

/* Pure, for tests: is this push's outcome "the server is down"? */
bool daemon_push_is_down(int err, uint64_t elapsed_ms);

/* The backoff across periods (the loop's). */
struct daemon_push_state {
	unsigned int down_streak;  /* periods in a row with the server down */
	unsigned int skip_periods; /* periods still to skip */
};
/* May this period push? (Counts a skipped period down.) */
bool daemon_push_period_start(struct daemon_push_state *ps);
/* After the period's pushes: tried = any push made, down = the server was
 * found down. */
void daemon_push_period_end(struct daemon_push_state *ps, bool tried, bool down);
/* A period's push budget (ms) for a period of period_s seconds. */
unsigned int daemon_push_budget_ms(unsigned int period_s);

/* What the push thread did since the last take. */
struct daemon_push_outcome {
	uint64_t pushes, failures; /* requests sent: worked, failed (skips count too) */
	uint64_t skipped;          /* not sent: server down, budget used up, queue full */
	uint64_t ms;               /* time spent sending */
	bool tried, down;          /* a request was sent; the server was found down */
};

struct daemon_pusher;

int daemon_pusher_new(struct daemon_pusher **out);
/* Queue r, the push of TaskManager tm's profile of period `period` (any
 * number that changes with the period), whose pushes share budget_ms.
 * Takes r whatever happens; never blocks on the server. */
void daemon_pusher_submit(struct daemon_pusher *p, uint64_t period, unsigned int budget_ms,
			  const char *tm, struct pyroscope_request *r);
/* What was done since the last take, into out (zeroed first). */
void daemon_pusher_take(struct daemon_pusher *p, struct daemon_push_outcome *out);
/* Requests waiting or being sent. */
size_t daemon_pusher_pending(struct daemon_pusher *p);
/* Let the requests waiting go out for up to wait_ms (SIGTERM: the last
 * period's pushes), then stop the thread and drop the rest. NULL is fine. */
void daemon_pusher_free(struct daemon_pusher *p, unsigned int wait_ms);

#endif
