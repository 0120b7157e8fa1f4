// SPDX-License-Identifier: GPL-2.0
/* The session over fake collectors (no BPF): which collectors it opens,
 * how targets reach them as they are added and removed, and how drained
 * and cut rows and loss counters come back. The targets are real
 * processes (this test and children that sleep, and a JVM for a
 * collector that needs its runtime), opened from /proc. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/collect/collector.h"
#include "agent/collect/hotspot_prep.h"
#include "agent/core/session.h"
#include "agent/core/target.h"
#include "agent/jvm/attach_worker.h"
#include "jvm_fixture.h"

struct fake_key {
	uint32_t tgid, tid;
	uint64_t user_stack;
	uint64_t tag;
};

#define MAX_CALLS 16

/* What one fake kind was asked to do. */
struct fake {
	int opened, closed, cut_calls, drains;
	pid_t added[MAX_CALLS], removed[MAX_CALLS];
	int nadded, nremoved;
	uint64_t interval_ns, stop_ns;
	uint64_t cut_from, cut_end;
	int add_err;                     /* what add_target returns */
	struct fake_key rows[MAX_CALLS]; /* what the next drain hands over */
	uint64_t row_a[MAX_CALLS];
	int nrows;
	int stack_fetches;
	struct collector_stats stats;
	int added_with_runtime; /* targets whose runtime was open when added */
};

static struct fake fakes[2];

static int fake_open(struct fake *f, void **out)
{
	f->opened++;
	*out = f;
	return 0;
}

static int fake_open_a(const struct session_options *o, const struct unwind_maps *u, void **out)
{
	(void)o;
	(void)u;
	return fake_open(&fakes[0], out);
}

static int fake_open_b(const struct session_options *o, const struct unwind_maps *u, void **out)
{
	(void)o;
	(void)u;
	return fake_open(&fakes[1], out);
}

static void fake_close(void *c)
{
	((struct fake *)c)->closed++;
}

static int fake_add_target(void *c, struct target *t)
{
	struct fake *f = c;

	if (f->add_err)
		return f->add_err;
	assert_true(f->nadded < MAX_CALLS);
	f->added[f->nadded++] = t->pid;
	f->added_with_runtime += t->runtime != NULL;
	return 0;
}

static int fake_remove_target(void *c, pid_t pid)
{
	struct fake *f = c;

	assert_true(f->nremoved < MAX_CALLS);
	f->removed[f->nremoved++] = pid;
	return 0;
}

static void fake_interval_start(void *c, uint64_t ns)
{
	((struct fake *)c)->interval_ns = ns;
}

static void fake_interval_stop(void *c, uint64_t ns)
{
	((struct fake *)c)->stop_ns = ns;
}

static int hand_over(struct fake *f, collector_row_fn fn, void *ctx)
{
	for (int i = 0; i < f->nrows; i++) {
		struct collector_row row = {
			.key = &f->rows[i], .a = f->row_a[i], .b = 1,
			.tgid = f->rows[i].tgid, .tid = f->rows[i].tid,
			.user_stack = f->rows[i].user_stack,
		};
		int err = fn(ctx, &row);

		if (err)
			return err;
	}
	f->nrows = 0;
	return 0;
}

static int fake_drain(void *c, collector_row_fn fn, void *ctx)
{
	struct fake *f = c;

	f->drains++;
	return hand_over(f, fn, ctx);
}

static int fake_cut(void *c, uint64_t from_ns, uint64_t end_ns, collector_row_fn fn, void *ctx)
{
	struct fake *f = c;

	f->cut_calls++;
	f->cut_from = from_ns;
	f->cut_end = end_ns;
	return hand_over(f, fn, ctx);
}

/* A stack of three made-up pcs per id. */
static int fake_user_stack(void *c, uint64_t id, uint64_t *ips, size_t max)
{
	((struct fake *)c)->stack_fetches++;
	for (size_t i = 0; i < 3 && i < max; i++)
		ips[i] = 0x1000 * id + i;
	return 3;
}

static void fake_stats(void *c, struct collector_stats *out)
{
	*out = ((struct fake *)c)->stats;
}

static const struct collector_ops fake_a = {
	.name = "fake-a", .key_size = sizeof(struct fake_key),
	.open = fake_open_a, .close = fake_close, .add_target = fake_add_target,
	.remove_target = fake_remove_target,
	.interval_start = fake_interval_start, .interval_stop = fake_interval_stop, .drain = fake_drain,
	.cut = fake_cut, .user_stack = fake_user_stack, .stats = fake_stats,
};

/* fake-b needs a JVM's runtime, as the alloc collector does. */
static const struct collector_ops fake_b = {
	.name = "fake-b", .key_size = sizeof(struct fake_key), .needs_runtime = true,
	.open = fake_open_b, .close = fake_close, .add_target = fake_add_target,
	.remove_target = fake_remove_target,
	.drain = fake_drain, .user_stack = fake_user_stack,
	.stats = fake_stats,
};

static const struct collector_ops *const fake_kinds[] = { &fake_a, &fake_b };

static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void session_fake_init(struct session *s, unsigned int events)
{
	struct session_options o = {
		.events = events, .freq_hz = 99, .unwind = UNWIND_FP,
		.kinds = fake_kinds, .nkinds = 2,
	};

	memset(fakes, 0, sizeof(fakes));
	assert_int_equal(session_init(s, &o), 0);
	assert_int_equal(s->ncollectors, 2);
}

static int count_pid(const pid_t *pids, int n, pid_t pid)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		k += pids[i] == pid;
	return k;
}

/* Only the kinds -e asked for are opened; each gets every target once, and
 * a target added to a running session at once. */
static void test_start_and_add_reach_open_collectors(void **state)
{
	pid_t child = spawn_sleeper(), late = spawn_sleeper();
	struct session s;

	(void)state;
	session_fake_init(&s, 1u << 0);
	assert_int_equal(session_add_target(&s, getpid()), 0);
	assert_int_equal(session_add_target(&s, child), 0);
	assert_int_equal(session_add_target(&s, child), 0); /* already a target */
	assert_int_equal(fakes[0].nadded, 0);               /* not before start */
	assert_int_equal(session_start(&s), 0);
	assert_int_equal(fakes[0].opened, 1);
	assert_int_equal(fakes[1].opened, 0);
	assert_int_equal(fakes[0].nadded, 2);
	assert_int_equal(count_pid(fakes[0].added, fakes[0].nadded, getpid()), 1);
	assert_int_equal(count_pid(fakes[0].added, fakes[0].nadded, child), 1);
	assert_null(s.unwind); /* no kind that walks stacks: no unwinder maps */
	assert_int_equal(fakes[0].interval_ns, s.start_ns);
	assert_non_null(session_collector_impl(&s, 1u << 0));
	assert_null(session_collector_impl(&s, 1u << 1));
	assert_null(session_collector(&s, 1u << 2));

	assert_int_equal(session_add_target(&s, late), 0);
	assert_int_equal(fakes[0].nadded, 3);
	assert_int_equal(fakes[0].added[2], late);
	assert_int_equal(s.ntargets, 3);

	session_free(&s);
	assert_int_equal(fakes[0].closed, 1);
	assert_int_equal(fakes[1].closed, 0);
	reap(child);
	reap(late);
}

/* Removing a target tells every open collector and keeps the others. */
static void test_remove_target(void **state)
{
	pid_t a = spawn_sleeper(), b = spawn_sleeper();
	struct session s;

	(void)state;
	session_fake_init(&s, (1u << 0) | (1u << 1));
	assert_int_equal(session_add_target(&s, a), 0);
	assert_int_equal(session_add_target(&s, b), 0);
	assert_int_equal(session_start(&s), 0);
	assert_int_equal(session_remove_target(&s, a), 0);
	assert_int_equal(s.ntargets, 1);
	assert_int_equal(s.targets[0].pid, b);
	for (int k = 0; k < 2; k++) {
		assert_int_equal(fakes[k].nremoved, 1);
		assert_int_equal(fakes[k].removed[0], a);
	}
	assert_int_equal(session_remove_target(&s, a), -ESRCH);
	session_free(&s);
	assert_int_equal(fakes[0].closed + fakes[1].closed, 2);
	reap(a);
	reap(b);
}

/* A collector that cannot follow one target (-ENOEXEC, reported by it):
 * fatal at start, a warning for a target added later. */
static void test_add_target_enoexec(void **state)
{
	pid_t child = spawn_sleeper();
	struct session s;

	(void)state;
	session_fake_init(&s, 1u << 1);
	assert_int_equal(session_add_target(&s, child), 0);
	fakes[1].add_err = -ENOEXEC;
	assert_int_equal(session_start(&s), -ENOEXEC);
	session_free(&s);

	session_fake_init(&s, 1u << 1);
	assert_int_equal(session_start(&s), 0);
	fakes[1].add_err = -ENOEXEC;
	assert_int_equal(session_add_target(&s, child), 0);
	assert_int_equal(s.ntargets, 1);
	fakes[1].add_err = -EINVAL;
	assert_int_equal(session_add_target(&s, getpid()), -EINVAL);
	session_free(&s);
	reap(child);
}

/* Drained rows land in their kind's rows, equal keys merged; stacks are
 * fetched once per id; cut rows are the interval's too; losses add up. */
static void test_drain_cut_and_losses(void **state)
{
	pid_t self = getpid();
	struct fake_key k1 = { (uint32_t)self, (uint32_t)self, 5, 1 };
	struct fake_key k2 = { (uint32_t)self, (uint32_t)self, 6, 2 };
	struct collector *a, *b;
	uint64_t l[4];
	struct session s;

	(void)state;
	session_fake_init(&s, (1u << 0) | (1u << 1));
	assert_int_equal(session_add_target(&s, self), 0);
	assert_int_equal(session_start(&s), 0);
	fakes[0].rows[0] = k1, fakes[0].row_a[0] = 10;
	fakes[0].rows[1] = k2, fakes[0].row_a[1] = 20;
	fakes[0].rows[2] = k1, fakes[0].row_a[2] = 5;
	fakes[0].nrows = 3;
	fakes[1].rows[0] = k2, fakes[1].row_a[0] = 7;
	fakes[1].nrows = 1;
	assert_int_equal(session_poll(&s), 1);
	a = session_collector(&s, 1u << 0);
	b = session_collector(&s, 1u << 1);
	assert_int_equal(a->rows.count, 2);
	for (size_t i = 0; i < a->rows.count; i++) {
		const struct fake_key *k = (const void *)a->rows.entries[i].key;

		assert_int_equal(a->rows.entries[i].a, k->tag == 1 ? 15 : 20);
	}
	assert_int_equal(b->rows.count, 1);
	assert_int_equal(b->rows.entries[0].a, 7);
	assert_int_equal(fakes[0].stack_fetches, 2); /* ids 5 and 6, once each */
	assert_int_equal(fakes[1].stack_fetches, 1);

	/* Only fake-a has a cut. */
	fakes[0].rows[0] = k1, fakes[0].row_a[0] = 1;
	fakes[0].nrows = 1;
	assert_int_equal(session_cut(&s, false), 0);
	assert_int_equal(fakes[0].cut_calls, 1);
	assert_int_equal(fakes[0].cut_from, s.start_ns);
	assert_int_equal(fakes[0].cut_end, s.end_ns);
	assert_int_equal(fakes[0].interval_ns, s.end_ns);
	assert_int_equal(a->rows.count, 2);

	fakes[0].stats = (struct collector_stats){ 100, 1, 2, 3 };
	fakes[1].stats = (struct collector_stats){ 50, 10, 20, 30 };
	session_losses(&s, l);
	assert_int_equal(l[0], 150);
	assert_int_equal(l[1], 11);
	assert_int_equal(l[2], 22);
	assert_int_equal(l[3], 33);

	session_next_interval(&s);
	assert_int_equal(a->rows.count, 0);
	assert_int_equal(b->rows.count, 0);
	assert_int_equal(fakes[0].stop_ns, 0);

	/* The final cut opens no interval: it stops counting at its end. */
	assert_int_equal(session_cut(&s, true), 0);
	assert_int_equal(fakes[0].stop_ns, s.end_ns);
	assert_int_equal(fakes[0].interval_ns, s.start_ns);
	assert_int_equal(fakes[0].cut_end, s.end_ns);
	session_free(&s);
}

/* Poll until t waits for no runtime any more (bounded: the worker's
 * jobs end, and a runtime that cannot be read has HOTSPOT_TRIES tries). */
static void poll_until_followed(struct session *s, pid_t pid)
{
	for (int i = 0; i < 6000; i++) {
		struct target *t = NULL;

		session_poll(s);
		for (size_t k = 0; k < s->ntargets; k++)
			if (s->targets[k].pid == pid)
				t = &s->targets[k];
		assert_non_null(t);
		if (!t->follow_waiting)
			return;
		usleep(5000);
	}
	fail_msg("PID %d still waits for its runtime", (int)pid);
}

/* With a worker (the daemon), a collector that needs a JVM's runtime
 * follows the JVM only once the worker has read it (none of it on the
 * loop), with --unwind fp too (a runtime-only job); the others follow at
 * once. A non-JVM target is followed at once by both. */
static void test_runtime_read_by_worker(void **state)
{
	struct attach_worker *w = NULL;
	struct jvm_fixture *j;
	pid_t child;
	struct session s;

	(void)state;
	if (!jvm_fixture_require())
		return;
	j = jvm_fixture_start(0, NULL);
	child = spawn_sleeper();
	assert_int_equal(attach_worker_new(&w), 0);
	session_fake_init(&s, (1u << 0) | (1u << 1));
	s.worker = w;
	assert_int_equal(session_start(&s), 0);
	assert_int_equal(session_add_target(&s, j->pid), 0);
	assert_true(s.targets[0].is_jvm);
	assert_int_equal(fakes[0].nadded, 1);
	assert_int_equal(fakes[1].nadded, 0);
	assert_int_equal(s.targets[0].follow_waiting, 1u << 1);
	assert_null(s.targets[0].runtime);
	assert_int_equal(session_add_target(&s, child), 0);
	assert_int_equal(fakes[1].nadded, 1); /* no JVM: at once */
	assert_int_equal(fakes[1].added[0], child);

	poll_until_followed(&s, j->pid);
	assert_int_equal(fakes[1].nadded, 2);
	assert_int_equal(fakes[1].added[1], j->pid);
	assert_int_equal(fakes[1].added_with_runtime, 1);
	assert_non_null(s.targets[0].runtime);
	assert_false(s.targets[0].hotspot); /* --unwind fp: the runtime alone */
	session_free(&s);
	attach_worker_free(w);
	reap(child);
}

/* A target taken for a JVM whose runtime the worker cannot read (no
 * libjvm: a process that only looks like one) is given up after
 * HOTSPOT_TRIES tries: the collector that needs it never follows it, the
 * others do. */
static void test_runtime_unreadable(void **state)
{
	struct attach_worker *w = NULL;
	pid_t child = spawn_sleeper();
	struct session s;

	(void)state;
	assert_int_equal(attach_worker_new(&w), 0);
	session_fake_init(&s, (1u << 0) | (1u << 1));
	s.worker = w;
	assert_int_equal(session_add_target(&s, child), 0);
	s.targets[0].is_jvm = true;
	s.targets[0].jvm.attach_disabled = true; /* no attach request to a sleeper */
	assert_int_equal(session_start(&s), 0);
	assert_int_equal(fakes[0].nadded, 1);
	assert_int_equal(fakes[1].nadded, 0);
	assert_int_equal(s.targets[0].follow_waiting, 1u << 1);
	poll_until_followed(&s, child);
	assert_int_equal(fakes[1].nadded, 0);
	assert_int_equal(s.targets[0].hotspot_tries, HOTSPOT_TRIES);
	assert_int_equal(s.targets[0].hotspot_err, -ENOENT);
	assert_null(s.targets[0].runtime);
	session_free(&s);
	attach_worker_free(w);
	reap(child);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_and_add_reach_open_collectors),
		cmocka_unit_test(test_remove_target),
		cmocka_unit_test(test_add_target_enoexec),
		cmocka_unit_test(test_drain_cut_and_losses),
		cmocka_unit_test_teardown(test_runtime_read_by_worker, jvm_fixture_teardown),
		cmocka_unit_test(test_runtime_unreadable),
	};

	return cmocka_run_group_tests(tests, jvm_fixture_group_setup, jvm_fixture_group_teardown);
}
