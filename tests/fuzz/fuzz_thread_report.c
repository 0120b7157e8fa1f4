// SPDX-License-Identifier: GPL-2.0
/* Fuzz the JSON report reader (`tmprof report FILE` reads files from
 * anywhere), and what runs on a report that was accepted: sort, table,
 * writing it back. The reader takes a path, so the input goes to a memfd
 * that is read through /proc/self/fd. */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "flamegraph/thread_report.h"
#include "tests/fuzz/fuzz_util.h"

static int memfd = -1;
static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct thread_report r;
	char path[64], err[512];

	if (memfd < 0) {
		memfd = memfd_create("fuzz_thread_report", MFD_CLOEXEC);
		devnull = fopen("/dev/null", "w");
		if (memfd < 0 || !devnull)
			abort();
	}
	if (ftruncate(memfd, 0) < 0 || pwrite(memfd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	if (thread_report_read_json(path, &r, err, sizeof(err)) == 0) {
		thread_report_sort(&r);
		thread_report_print_table(&r, devnull, 80);
		thread_report_print_table(&r, devnull, 0);
		thread_report_write_json(&r, devnull);
	}
	thread_report_free(&r);
	return 0;
}
