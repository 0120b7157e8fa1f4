// SPDX-License-Identifier: GPL-2.0
#include "agent/cli/cmd_leak.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/session_setup.h"
#include "agent/core/exit_codes.h"
#include "agent/leak/leak_report.h"
#include "agent/leak/leak_run.h"
#include "agent/collect/leak_sampling.h"
#include "agent/leak/leak_store.h"
#include "agent/core/log.h"
#include "bpf/abi.h"
#include "flamegraph/flamegraph.h"

#define DEFAULT_INTERVAL_MS (10u * 60u * 1000u)
#define DEFAULT_KEEP 1008 /* a week of 10-minute snapshots */
#define DEFAULT_TOP 20
#define DEFAULT_DEPTH 12
#define MAX_TRACKED_LIMIT (16u << 20)

enum {
	OPT_INTERVAL = 256,
	OPT_DIR,
	OPT_PERIOD,
	OPT_KEEP,
	OPT_MAX_BYTES,
	OPT_MAX_TRACKED,
	OPT_DURATION,
	OPT_FROM,
	OPT_TO,
	OPT_TOP,
	OPT_DEPTH,
	OPT_PID,
	OPT_STATS,
};

static void cmd_leak_usage(FILE *out)
{
	fputs("usage: tmprof leak -p PID --dir DIR [--interval 10m] [options]\n"
	      "       tmprof leak report DIR [--from T1] [--to T2] [-o growth.html|svg|folded]\n"
	      "  Traces the allocator PID really uses (glibc malloc, or jemalloc when loaded) and\n"
	      "  mmap/munmap, keeps a sample of live allocations with their stacks and writes a\n"
	      "  snapshot of live bytes by stack every interval, until SIGINT/SIGTERM (then one last).\n"
	      "  -p PID               the process\n"
	      "  --dir DIR            where snapshots go (created if missing)\n"
	      "  --interval D         between snapshots: 30s, 10m, 1h (default 10m)\n"
	      "  --period SIZE        mean bytes between samples (default 512k, as jemalloc)\n"
	      "  --keep N             snapshots kept, oldest deleted first (default 1008; 0: all)\n"
	      "  --max-bytes SIZE     total size of kept snapshots (default: no limit)\n"
	      "  --max-tracked N      sampled live allocations tracked (default 65536)\n"
	      "  -d, --duration D     stop after D (default: run until stopped)\n"
	      "  --stats              agent CPU time and peak RSS at the end\n"
	      "  -v                   debug messages\n"
	      "report: growth by stack from the first snapshot at or after T1 to the last at or\n"
	      "  before T2 (default: the oldest and the newest); T: Unix seconds, UTC\n"
	      "  2024-11-24T04:30[:00][Z], or a snapshot file name.\n"
	      "  -o FILE              .folded: stacks weighted by growth; .svg/.html: differential\n"
	      "                       flame graph (live bytes at T2, red where they grew)\n"
	      "  --top N              table rows (default 20); --depth N: frames per row (default 12)\n",
	      out);
}

static void jeprof_usage(FILE *out)
{
	fputs("usage: tmprof jeprof HEAP [HEAP2] --pid PID [-o OUT.folded|svg|html] [--top N]\n"
	      "  Reads jemalloc heap profiles (heap_v2; MALLOC_CONF=prof:true) of the running\n"
	      "  process PID and names their frames, Java frames from the JVM's perf map.\n"
	      "  One dump: live bytes by stack; two: the growth from the first to the second.\n",
	      out);
}

static int parse_count(const char *opt, const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v > max) {
		log_error("%s '%s': not a number from 0 to %llu", opt, s, (unsigned long long)max);
		return EXIT_USAGE;
	}
	*out = v;
	return EXIT_OK;
}

static int bad_value(const char *opt, const char *val, const char *fix)
{
	log_error("%s '%s': %s", opt, val, fix);
	return EXIT_USAGE;
}

static int apply_run_option(struct leak_run_options *o, int opt, const char *arg)
{
	uint64_t v;
	int rc = EXIT_OK;

	switch (opt) {
	case 'p':
		rc = parse_count("-p", arg, INT_MAX, &v);
		if (rc)
			return rc;
		if (!v)
			return bad_value("-p", arg, "not a process id");
		o->pid = (pid_t)v;
		return EXIT_OK;
	case OPT_DIR: o->dir = arg; return EXIT_OK;
	case OPT_INTERVAL:
		if (leak_parse_duration_ms(arg, &o->interval_ms) || o->interval_ms < 1000)
			return bad_value("--interval", arg, "give a duration of 1s or more (30s, 10m, 1h)");
		return EXIT_OK;
	case 'd':
	case OPT_DURATION:
		if (leak_parse_duration_ms(arg, &o->duration_ms) || !o->duration_ms)
			return bad_value("--duration", arg, "give a duration (30s, 10m, 1h)");
		return EXIT_OK;
	case OPT_PERIOD:
		if (leak_parse_size(arg, &o->period) || o->period > (1ull << 40))
			return bad_value("--period", arg, "give bytes (4096, 512k, 1m; 0: every allocation)");
		return EXIT_OK;
	case OPT_KEEP:
		rc = parse_count("--keep", arg, SIZE_MAX, &v);
		if (rc)
			return rc;
		o->keep = (size_t)v;
		return EXIT_OK;
	case OPT_MAX_BYTES:
		if (leak_parse_size(arg, &o->max_bytes))
			return bad_value("--max-bytes", arg, "give bytes (100m, 1g)");
		return EXIT_OK;
	case OPT_MAX_TRACKED:
		rc = parse_count("--max-tracked", arg, MAX_TRACKED_LIMIT, &v);
		if (rc)
			return rc;
		if (v < 64)
			return bad_value("--max-tracked", arg, "give at least 64");
		o->max_tracked = (uint32_t)v;
		return EXIT_OK;
	case OPT_STATS: o->stats = 1; return EXIT_OK;
	case 'v': log_verbose = true; return EXIT_OK;
	default: return EXIT_USAGE;
	}
}

/* getopt_long for leak, leak report and jeprof, with their --help and
 * their one-line errors: the next option, or -1 at the end of the options
 * (*stop stays -1) or when the command must stop (*stop: EXIT_OK after
 * --help, EXIT_USAGE after a bad option). */
static int next_option(int argc, char **argv, const char *shortopts, const struct option *longopts,
		       const char *command, void (*usage)(FILE *), int *stop)
{
	int opt = getopt_long(argc, argv, shortopts, longopts, NULL);

	if (opt == 'h') {
		usage(stdout);
		*stop = EXIT_OK;
		return -1;
	}
	if (opt == ':' || opt == '?') {
		log_error("%s '%s'; see 'tmprof %s --help'",
			  opt == ':' ? "missing value for" : "unknown option", argv[optind - 1], command);
		*stop = EXIT_USAGE;
		return -1;
	}
	return opt;
}

static int cmd_leak_record(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "period", required_argument, NULL, OPT_PERIOD },
		{ "keep", required_argument, NULL, OPT_KEEP },
		{ "max-bytes", required_argument, NULL, OPT_MAX_BYTES },
		{ "max-tracked", required_argument, NULL, OPT_MAX_TRACKED },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct leak_run_options o = {
		.interval_ms = DEFAULT_INTERVAL_MS,
		.period = LEAK_DEFAULT_PERIOD,
		.max_tracked = LEAK_LIVE_ENTRIES,
		.keep = DEFAULT_KEEP,
	};
	int opt, rc, stop = -1;

	optind = 0;
	while ((opt = next_option(argc, argv, ":p:d:vh", longopts, "leak", cmd_leak_usage, &stop)) != -1) {
		rc = apply_run_option(&o, opt, optarg);
		if (rc)
			return rc;
	}
	if (stop >= 0)
		return stop;
	if (optind < argc) {
		log_error("unexpected argument '%s'; see 'tmprof leak --help'", argv[optind]);
		return EXIT_USAGE;
	}
	if (!o.pid || !o.dir) {
		log_error("leak: %s; usage: tmprof leak -p PID --dir DIR [--interval 10m]",
			  !o.pid ? "no process (-p PID)" : "no snapshot directory (--dir DIR)");
		return EXIT_USAGE;
	}
	rc = session_setup_privileges();
	if (rc)
		return rc;
	session_setup_quiet_libbpf();
	return leak_run(&o);
}

/* Options shared by report and jeprof. */
static int apply_report_option(struct leak_report_options *o, int opt, const char *arg)
{
	uint64_t v;
	int rc;

	switch (opt) {
	case 'o': o->output = arg; return EXIT_OK;
	case OPT_TOP:
		rc = parse_count("--top", arg, 1000000, &v);
		if (rc)
			return rc;
		o->top = (size_t)v;
		return EXIT_OK;
	case OPT_DEPTH:
		rc = parse_count("--depth", arg, 100000, &v);
		if (rc)
			return rc;
		o->depth = (size_t)v;
		return EXIT_OK;
	case 'v': log_verbose = true; return EXIT_OK;
	default: return EXIT_USAGE;
	}
}

static int check_output(const char *path)
{
	size_t n;

	if (!path)
		return EXIT_OK;
	n = strlen(path);
	if ((n >= 7 && !strcmp(path + n - 7, ".folded")) || flamegraph_format_of(path) != FLAMEGRAPH_NONE)
		return EXIT_OK;
	log_error("%s: unknown output format; use a name ending in .folded, .svg or .html", path);
	return EXIT_USAGE;
}

static int cmd_leak_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "depth", required_argument, NULL, OPT_DEPTH },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct leak_report_options o = { .top = DEFAULT_TOP, .depth = DEFAULT_DEPTH };
	int64_t from = INT64_MIN, to = INT64_MAX;
	const char *dir = NULL;
	int opt, rc, stop = -1;

	optind = 0;
	while ((opt = next_option(argc, argv, ":o:vh", longopts, "leak", cmd_leak_usage, &stop)) != -1) {
		if (opt == OPT_FROM || opt == OPT_TO) {
			if (leak_time_parse(optarg, opt == OPT_FROM ? &from : &to))
				return bad_value(opt == OPT_FROM ? "--from" : "--to", optarg,
						 "give Unix seconds, 2024-11-24T04:30:00Z or a snapshot name");
			continue;
		}
		rc = apply_report_option(&o, opt, optarg);
		if (rc)
			return rc;
	}
	if (stop >= 0)
		return stop;
	for (; optind < argc; optind++) {
		if (dir) {
			log_error("unexpected argument '%s'; see 'tmprof leak --help'", argv[optind]);
			return EXIT_USAGE;
		}
		dir = argv[optind];
	}
	if (!dir) {
		log_error("leak report: no directory; usage: tmprof leak report DIR [-o growth.html]");
		return EXIT_USAGE;
	}
	rc = check_output(o.output);
	return rc ? rc : leak_report_dir(dir, from, to, &o);
}

int cmd_leak(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "report"))
		return cmd_leak_report(argc - 1, argv + 1);
	return cmd_leak_record(argc, argv);
}

int cmd_jeprof(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, OPT_PID },
		{ "output", required_argument, NULL, 'o' },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "depth", required_argument, NULL, OPT_DEPTH },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct leak_report_options o = { .top = DEFAULT_TOP, .depth = DEFAULT_DEPTH };
	const char *files[2];
	size_t nfiles = 0;
	uint64_t pid = 0;
	int opt, rc, stop = -1;

	optind = 0;
	while ((opt = next_option(argc, argv, ":o:p:vh", longopts, "jeprof", jeprof_usage, &stop)) != -1) {
		if (opt == OPT_PID || opt == 'p') {
			rc = parse_count("--pid", optarg, INT_MAX, &pid);
			if (rc)
				return rc;
			continue;
		}
		rc = apply_report_option(&o, opt, optarg);
		if (rc)
			return rc;
	}
	if (stop >= 0)
		return stop;
	for (; optind < argc; optind++) {
		if (nfiles == 2) {
			log_error("jeprof: at most two heap profiles (before, after); got '%s' too",
				  argv[optind]);
			return EXIT_USAGE;
		}
		files[nfiles++] = argv[optind];
	}
	if (!nfiles || !pid) {
		log_error("jeprof: %s; usage: tmprof jeprof HEAP [HEAP2] --pid PID [-o OUT.html]",
			  !nfiles ? "no heap profile" : "no --pid (the process that wrote the dumps)");
		return EXIT_USAGE;
	}
	rc = check_output(o.output);
	return rc ? rc : leak_report_jeprof(files, nfiles, (pid_t)pid, &o);
}
