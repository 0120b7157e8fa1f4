// SPDX-License-Identifier: GPL-2.0
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "agent/core/capabilities.h"

/* The kernel's own account of the effective set, to check capget against. */
static uint64_t status_cap_eff(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long v = 0;
	bool found = false;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &v) == 1) {
			found = true;
			break;
		}
	fclose(f);
	assert_true(found);
	return v;
}

static void test_effective_matches_proc_status(void **state)
{
	uint64_t mask = 0;

	(void)state;
	assert_int_equal(capabilities_effective(&mask), 0);
	assert_true(mask == status_cap_eff());
}

static void test_has_bits_and_bounds(void **state)
{
	uint64_t mask = (1ull << CAP_SYS_ADMIN) | (1ull << CAP_BPF);

	(void)state;
	assert_true(capabilities_has(mask, CAP_SYS_ADMIN));
	assert_true(capabilities_has(mask, CAP_BPF));
	assert_false(capabilities_has(mask, CAP_PERFMON));
	assert_false(capabilities_has(mask, 0));
	/* Out of range never reads past the mask, whatever it holds. */
	assert_false(capabilities_has(UINT64_MAX, 64));
	assert_false(capabilities_has(UINT64_MAX, -1));
	assert_true(capabilities_has(UINT64_MAX, 63));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_effective_matches_proc_status),
		cmocka_unit_test(test_has_bits_and_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
