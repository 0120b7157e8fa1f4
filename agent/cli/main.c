// SPDX-License-Identifier: GPL-2.0
/* tmprof: sampling profiler for Apache Flink TaskManagers. Dispatches the
 * first argument to a command. */
#include <stdio.h>
#include <string.h>

#include "agent/cli/cmd_daemon.h"
#include "agent/cli/cmd_doctor.h"
#include "agent/cli/cmd_explain.h"
#include "agent/cli/cmd_flamegraph.h"
#include "agent/cli/cmd_leak.h"
#include "agent/cli/cmd_list.h"
#include "agent/cli/cmd_record.h"
#include "agent/cli/cmd_top.h"
#include "agent/core/exit_codes.h"
#include "agent/core/log.h"

#ifndef TMPROF_VERSION
#define TMPROF_VERSION "0.1.0"
#endif

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct command commands[] = {
	{ "doctor", cmd_doctor, "what works on this host: kernel, BPF, each event kind, each JVM" },
	{ "list", cmd_list, "show every JVM on this host and which are TaskManagers" },
	{ "record", cmd_record, "record CPU and off-CPU stacks into a profile or a report" },
	{ "top", cmd_top, "live per-subtask table: cpu, run queue, backpressure, idle, blocked" },
	{ "report", cmd_report, "the per-subtask table of a recorded JSON report" },
	{ "explain", cmd_explain, "the bottleneck of a recorded -e wall JSON report, and what helps" },
	{ "flamegraph", cmd_flamegraph, "folded stacks to an SVG or interactive HTML flame graph" },
	{ "diff", cmd_diff, "differential flame graph of two folded files (red grew, blue shrank)" },
	{ "leak", cmd_leak, "native memory leaks: live allocations by stack, snapshot every interval" },
	{ "jeprof", cmd_jeprof, "jemalloc heap profiles (prof:true) as folded stacks or flame graphs" },
	{ "daemon", cmd_daemon, "profile every TaskManager on this host continuously (--config FILE)" },
	{ "version", cmd_version, "print the version" },
	{ "help", cmd_help, "this help" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: tmprof COMMAND [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'tmprof COMMAND --help' describes a command's options.\n"
		     "exit codes: 0 ok, 1 usage, 2 no target, 3 no BPF (privileges, kernel, verifier),\n"
		     "            4 output, 5 output written but incomplete, 70 internal error\n"
		     "\nOn a new host, run 'tmprof doctor' first.\n");
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return EXIT_OK;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("tmprof %s\n", TMPROF_VERSION);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--version"))
		return cmd_version(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	log_error("unknown command '%s'; 'tmprof help' lists the commands", argv[1]);
	return EXIT_USAGE;
}
