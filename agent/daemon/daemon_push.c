// SPDX-License-Identifier: GPL-2.0
#include "agent/daemon/daemon_push.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/core/log.h"
#include "flamegraph/pyroscope.h"

#define PUSH_BUDGET_MIN_MS 1000
#define PUSH_BUDGET_MAX_MS 15000
/* One request's bound (its tries included): the next period retries. */
#define PUSH_TIMEOUT_MS 10000
/* A failed push that took this long is as good as no answer. */
#define PUSH_SLOW_MS 3000
/* Periods skipped after a down server: 0, 1, 3, 7, 15, 15, ... */
#define PUSH_MAX_SKIP 15
/* Time left under which a request is not started. */
#define PUSH_MIN_LEFT_MS 100

bool daemon_push_is_down(int err, uint64_t elapsed_ms)
{
	if (!err)
		return false;
	return err == -ECONNREFUSED || err == -ETIMEDOUT || err == -EHOSTUNREACH ||
	       err == -EAGAIN || elapsed_ms >= PUSH_SLOW_MS;
}

bool daemon_push_period_start(struct daemon_push_state *ps)
{
	if (ps->skip_periods) {
		ps->skip_periods--;
		return false;
	}
	return true;
}

void daemon_push_period_end(struct daemon_push_state *ps, bool tried, bool down)
{
	unsigned int skip;

	if (!tried)
		return;
	if (!down) {
		ps->down_streak = 0;
		return;
	}
	if (ps->down_streak < 16)
		ps->down_streak++;
	skip = (1u << (ps->down_streak - 1)) - 1;
	ps->skip_periods = skip > PUSH_MAX_SKIP ? PUSH_MAX_SKIP : skip;
}

unsigned int daemon_push_budget_ms(unsigned int period_s)
{
	uint64_t b = (uint64_t)period_s * 1000 / 4;

	return b < PUSH_BUDGET_MIN_MS ? PUSH_BUDGET_MIN_MS :
	       b > PUSH_BUDGET_MAX_MS ? PUSH_BUDGET_MAX_MS : (unsigned int)b;
}

struct push_item {
	struct pyroscope_request *r;
	uint64_t period;
	unsigned int budget_ms;
	char tm[128];
};

/* A ring of requests under one lock; the thread sends from its head. */
struct daemon_pusher {
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t wake, idle;
	struct push_item items[DAEMON_PUSH_QUEUE];
	size_t head, n;
	size_t bytes;   /* held by the waiting requests */
	bool sending;   /* the thread holds one outside the ring */
	bool stop;
	struct daemon_push_outcome done; /* since the last take */
	/* The period being sent: its budget's end, and whether the server
	 * was found down in it (the thread's own). */
	uint64_t period;
	bool have_period, period_down;
	uint64_t period_end_ms;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Under the lock: the head request out of the ring. */
static struct push_item ring_pop(struct daemon_pusher *p)
{
	struct push_item it = p->items[p->head];

	p->items[p->head].r = NULL;
	p->head = (p->head + 1) % DAEMON_PUSH_QUEUE;
	p->n--;
	p->bytes -= pyroscope_request_size(it.r);
	return it;
}

/* Under the lock: a request not sent. */
static void item_skip(struct daemon_pusher *p, struct push_item *it)
{
	pyroscope_request_free(it->r);
	it->r = NULL;
	p->done.skipped++;
	p->done.failures++;
}

/* Send one request outside the lock, within its period's budget; the
 * outcome under the lock. */
static void item_send(struct daemon_pusher *p, struct push_item *it)
{
	uint64_t start = mono_ms(), elapsed;
	unsigned int timeout;
	char msg[512];
	int err;

	if (!p->have_period || it->period != p->period) {
		p->have_period = true;
		p->period = it->period;
		p->period_down = false;
		p->period_end_ms = start + it->budget_ms;
	}
	if (p->period_down || start + PUSH_MIN_LEFT_MS >= p->period_end_ms) {
		item_skip(p, it);
		return;
	}
	timeout = p->period_end_ms - start < PUSH_TIMEOUT_MS ?
			  (unsigned int)(p->period_end_ms - start) : PUSH_TIMEOUT_MS;
	p->sending = true;
	pthread_mutex_unlock(&p->lock);
	err = pyroscope_request_send(it->r, timeout, msg, sizeof(msg));
	elapsed = mono_ms() - start;
	if (err)
		log_warn("push for %s: %s; the files on disk are complete", it->tm, msg);
	pyroscope_request_free(it->r);
	it->r = NULL;
	pthread_mutex_lock(&p->lock);
	p->sending = false;
	p->done.tried = true;
	p->done.ms += elapsed;
	if (err)
		p->done.failures++;
	else
		p->done.pushes++;
	if (daemon_push_is_down(err, elapsed)) {
		p->period_down = true;
		p->done.down = true;
	}
}

static void *pusher_main(void *arg)
{
	struct daemon_pusher *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct push_item it;

		while (!p->stop && !p->n) {
			pthread_cond_broadcast(&p->idle);
			pthread_cond_wait(&p->wake, &p->lock);
		}
		if (!p->n)
			break; /* stop, nothing left */
		it = ring_pop(p);
		item_send(p, &it);
	}
	pthread_cond_broadcast(&p->idle);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int daemon_pusher_new(struct daemon_pusher **out)
{
	struct daemon_pusher *p = calloc(1, sizeof(*p));
	sigset_t all, old;
	int err;

	if (!p)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	pthread_cond_init(&p->idle, NULL);
	/* Signals stay with the loop, whose poll() must wake up for them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = -pthread_create(&p->thread, NULL, pusher_main, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		pthread_cond_destroy(&p->idle);
		pthread_cond_destroy(&p->wake);
		pthread_mutex_destroy(&p->lock);
		free(p);
		return err;
	}
	p->started = true;
	*out = p;
	return 0;
}

void daemon_pusher_submit(struct daemon_pusher *p, uint64_t period, unsigned int budget_ms,
			  const char *tm, struct pyroscope_request *r)
{
	struct push_item it = { .r = r, .period = period, .budget_ms = budget_ms };
	size_t size = pyroscope_request_size(r);

	if (!r)
		return;
	snprintf(it.tm, sizeof(it.tm), "%s", tm ? tm : "");
	pthread_mutex_lock(&p->lock);
	/* The oldest gives way: its period's budget is the likeliest spent. */
	while (p->n && (p->n == DAEMON_PUSH_QUEUE || p->bytes + size > DAEMON_PUSH_QUEUE_BYTES)) {
		struct push_item old = ring_pop(p);

		item_skip(p, &old);
	}
	p->items[(p->head + p->n) % DAEMON_PUSH_QUEUE] = it;
	p->n++;
	p->bytes += size;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
}

void daemon_pusher_take(struct daemon_pusher *p, struct daemon_push_outcome *out)
{
	pthread_mutex_lock(&p->lock);
	*out = p->done;
	memset(&p->done, 0, sizeof(p->done));
	pthread_mutex_unlock(&p->lock);
}

size_t daemon_pusher_pending(struct daemon_pusher *p)
{
	size_t n;

	pthread_mutex_lock(&p->lock);
	n = p->n + (p->sending ? 1 : 0);
	pthread_mutex_unlock(&p->lock);
	return n;
}

void daemon_pusher_free(struct daemon_pusher *p, unsigned int wait_ms)
{
	struct timespec until;

	if (!p)
		return;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&p->lock);
	while ((p->n || p->sending) &&
	       pthread_cond_timedwait(&p->idle, &p->lock, &until) != ETIMEDOUT)
		;
	/* What still waits is dropped; a request being sent ends within its
	 * own timeout. */
	while (p->n) {
		struct push_item old = ring_pop(p);

		item_skip(p, &old);
	}
	p->stop = true;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	if (p->started)
		pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->idle);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
