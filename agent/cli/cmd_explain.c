// SPDX-License-Identifier: GPL-2.0
#include "agent/cli/cmd_explain.h"

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "agent/core/bottleneck.h"
#include "agent/core/exit_codes.h"
#include "agent/core/explain.h"
#include "agent/core/log.h"
#include "agent/core/profile_builder.h"
#include "flamegraph/thread_report.h"

static void explain_usage(FILE *out)
{
	fputs("usage: tmprof explain REPORT.json\n"
	      "Names the subtask that holds the job back (the bottleneck behind backpressure),\n"
	      "why (cpu, runqueue, io, lock, sleep or a CPU category) and the Flink knob that\n"
	      "usually helps, from a report written by 'tmprof record -e wall -o REPORT.json'.\n"
	      "exit codes: 0 explained (also when there is no bottleneck), 1 not a readable\n"
	      "report or one without off-CPU states (recorded without -e wall), 2 no Flink\n"
	      "task threads in the report.\n",
	      out);
}

static int explain_width(void)
{
	struct winsize ws;

	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 40)
		return ws.ws_col < 100 ? ws.ws_col : 100;
	return 78;
}

int cmd_explain(int argc, char **argv)
{
	struct thread_report r;
	char err[1024];
	int rc = EXIT_OK;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		explain_usage(stdout);
		return EXIT_OK;
	}
	if (argc != 2) {
		log_error("explain takes one file: tmprof explain REPORT.json");
		return EXIT_USAGE;
	}
	if (thread_report_read_json(argv[1], &r, err, sizeof(err))) {
		log_error("%s; give a report written by 'tmprof record -e wall -o REPORT.json'", err);
		return EXIT_USAGE;
	}
	/* Found again from the threads: the same answer as the file's
	 * "bottlenecks", and reports from before them get one too. */
	if (bottleneck_find(&r)) {
		log_error("%s: out of memory", argv[1]);
		thread_report_free(&r);
		return EXIT_INTERNAL;
	}
	switch (explain_check(&r)) {
	case EXPLAIN_NO_TASKS:
		log_error("%s: no Flink task threads in this report; record a TaskManager with "
			  "'tmprof record -p PID -e wall -o REPORT.json'", argv[1]);
		rc = EXIT_NO_TARGET;
		break;
	case EXPLAIN_NO_STATES:
		log_error("%s: no off-CPU states (backpressured, idle, blocked) in this report; "
			  "record with -e wall", argv[1]);
		rc = EXIT_USAGE;
		break;
	case EXPLAIN_OK:
		explain_print(&r, stdout, explain_width());
		break;
	}
	thread_report_free(&r);
	return rc;
}

void explain_recording(const struct session *s, const struct build_result *b,
		       const struct profile *p)
{
	struct thread_report r;

	if (build_result_report(s, b, p, &r) == 0 && explain_check(&r) == EXPLAIN_OK) {
		fputs("\nBottleneck (tmprof explain):\n", stdout);
		explain_print(&r, stdout, explain_width());
	}
	thread_report_free(&r);
}
