// SPDX-License-Identifier: GPL-2.0
/* name_budget: a period's naming time shared out over its builds, on a
 * clock the test moves (no timing). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent/core/name_budget.h"

static uint64_t fake_ns;

static uint64_t fake_now(void)
{
	return fake_ns;
}

#define MS 1000000ULL

/* No budget: never spent, whatever the clock says. */
static void test_no_budget(void **state)
{
	struct name_budget b = { .now_ns = fake_now };

	(void)state;
	fake_ns = 5 * MS;
	name_budget_start(&b, 0);
	name_budget_share(&b, 3);
	fake_ns = 1000000 * MS;
	assert_false(name_budget_spent(&b));
}

/* Each build gets what is left over the builds left; time one did not
 * use goes to the next; past the end every share is spent at once. */
static void test_shares(void **state)
{
	struct name_budget b = { .now_ns = fake_now };

	(void)state;
	fake_ns = 1000 * MS;
	name_budget_start(&b, 1000);
	name_budget_share(&b, 4); /* 250 ms */
	fake_ns += 249 * MS;
	assert_false(name_budget_spent(&b));
	fake_ns += 1 * MS;
	assert_true(name_budget_spent(&b));
	/* Spent stays spent within the share, even if the clock were to
	 * go back. */
	fake_ns -= 100 * MS;
	assert_true(name_budget_spent(&b));
	fake_ns += 100 * MS;
	/* 750 ms left over 3 builds. */
	name_budget_share(&b, 3); /* 250 ms from 1250 */
	fake_ns += 10 * MS;       /* this one takes 10 ms */
	assert_false(name_budget_spent(&b));
	name_budget_share(&b, 2); /* (2000 - 1260) / 2 = 370 ms */
	fake_ns += 369 * MS;
	assert_false(name_budget_spent(&b));
	fake_ns += 1 * MS;
	assert_true(name_budget_spent(&b));
	/* Past the whole budget (a build overran its share): the last
	 * build still gets the even share, 1000 / 4 ms. */
	fake_ns = 2500 * MS;
	name_budget_share(&b, 1);
	fake_ns += 249 * MS;
	assert_false(name_budget_spent(&b));
	fake_ns += 1 * MS;
	assert_true(name_budget_spent(&b));
	/* The next period starts afresh; stop means no budget at all. */
	name_budget_start(&b, 100);
	name_budget_share(&b, 1);
	assert_false(name_budget_spent(&b));
	name_budget_stop(&b);
	fake_ns += 1000 * MS;
	assert_false(name_budget_spent(&b));
}

/* One build's overrun (a word that cost a whole symbol table) leaves the
 * next builds their even share, not the little that is left. */
static void test_overrun_keeps_next_shares(void **state)
{
	struct name_budget b = { .now_ns = fake_now };

	(void)state;
	fake_ns = 0;
	name_budget_start(&b, 250);
	name_budget_share(&b, 2); /* 125 ms */
	fake_ns = 1100 * MS;      /* one word took a second */
	assert_true(name_budget_spent(&b));
	name_budget_share(&b, 1); /* the budget is over: 125 ms still */
	assert_false(name_budget_spent(&b));
	fake_ns += 124 * MS;
	assert_false(name_budget_spent(&b));
	fake_ns += 1 * MS;
	assert_true(name_budget_spent(&b));
	/* Within the budget the share is what is left, when more. */
	name_budget_start(&b, 250);
	name_budget_share(&b, 2);
	fake_ns += 10 * MS;
	name_budget_share(&b, 1); /* 240 ms left */
	fake_ns += 239 * MS;
	assert_false(name_budget_spent(&b));
	fake_ns += 1 * MS;
	assert_true(name_budget_spent(&b));
}

/* A share asked with no build left counted takes the whole rest. */
static void test_zero_builds_left(void **state)
{
	struct name_budget b = { .now_ns = fake_now };

	(void)state;
	fake_ns = 0;
	name_budget_start(&b, 100);
	name_budget_share(&b, 0);
	fake_ns = 99 * MS;
	assert_false(name_budget_spent(&b));
	fake_ns = 100 * MS;
	assert_true(name_budget_spent(&b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_budget),
		cmocka_unit_test(test_shares),
		cmocka_unit_test(test_overrun_keeps_next_shares), cmocka_unit_test(test_zero_builds_left),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
