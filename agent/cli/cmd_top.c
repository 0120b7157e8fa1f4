// SPDX-License-Identifier: GPL-2.0
/* `tmprof top` and `tmprof report`: where each task thread's time goes
 * (cpu, run queue, backpressured, idle, blocked), live or from a report. */
#include "agent/cli/cmd_top.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "agent/core/bottleneck.h"
#include "agent/core/session_setup.h"
#include "agent/core/exit_codes.h"
#include "agent/core/explain.h"
#include "agent/core/log.h"
#include "agent/core/profile_builder.h"
#include "agent/core/session_build.h"
#include "agent/cli/record_options.h"
#include "agent/core/session.h"
#include "agent/core/category_rules.h"
#include "agent/core/state_rules.h"
#include "flamegraph/profile.h"
#include "flamegraph/thread_report.h"

#define TOP_DEFAULT_HZ 49
#define PIPE_WIDTH 160

struct top_options {
	pid_t pids[RECORD_MAX_PIDS];
	size_t npids;
	bool all_taskmanagers;
	unsigned int freq_hz;
	double interval_s;
	long iterations; /* 0: until stopped */
	const char *rules;
	const char *categories; /* --categories FILE */
	bool no_categories;
	bool no_culprits;
	enum session_unwind unwind;
	enum cpu_sampler_mode sampler;
	bool help;
};

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void top_usage(FILE *out)
{
	fputs("usage: tmprof top (-p PID[,PID...] | --all-taskmanagers) [options]\n"
	      "  -F, --frequency HZ    CPU samples per second of each thread's CPU time\n"
	      "                        (default 49; with --per-cpu: per second per CPU)\n"
	      "      --per-cpu         one sampling clock per CPU instead of per thread\n"
	      "  -i, --interval SEC    refresh interval (default 1)\n"
	      "  -n, --iterations N    stop after N intervals (default: until Ctrl-C)\n"
	      "      --rules FILE      off-CPU state rules (default: Flink's)\n"
	      "      --categories FILE CPU category rules, replacing the defaults\n"
	      "      --no-categories   no category line under each subtask\n"
	      "      --no-culprits     no run-queue culprits (also TMPROF_CULPRITS=off)\n"
	      "      --unwind MODE     Java stacks: auto (default), hotspot or fp\n"
	      "On a terminal the table redraws in place; into a pipe, one timestamped block\n"
	      "per interval. Columns are ms per second of each task thread's time.\n",
	      out);
}

static int top_options_parse(int argc, char **argv, struct top_options *o)
{
	enum { OPT_ALL_TM = 256, OPT_RULES, OPT_UNWIND, OPT_PER_CPU, OPT_CATEGORIES, OPT_NO_CATEGORIES,
	       OPT_NO_CULPRITS };
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "all-taskmanagers", no_argument, NULL, OPT_ALL_TM },
		{ "frequency", required_argument, NULL, 'F' },
		{ "interval", required_argument, NULL, 'i' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "rules", required_argument, NULL, OPT_RULES },
		{ "categories", required_argument, NULL, OPT_CATEGORIES },
		{ "no-categories", no_argument, NULL, OPT_NO_CATEGORIES },
		{ "no-culprits", no_argument, NULL, OPT_NO_CULPRITS },
		{ "unwind", required_argument, NULL, OPT_UNWIND },
		{ "per-cpu", no_argument, NULL, OPT_PER_CPU },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->freq_hz = TOP_DEFAULT_HZ;
	o->interval_s = 1;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:F:i:n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (pid_list_parse(optarg, o->pids, RECORD_MAX_PIDS, &o->npids)) {
				log_error("-p %s: expected process ids separated by commas", optarg);
				return -EINVAL;
			}
			break;
		case OPT_ALL_TM:
			o->all_taskmanagers = true;
			break;
		case OPT_PER_CPU:
			o->sampler = CPU_SAMPLER_PER_CPU;
			break;
		case 'F':
			o->freq_hz = (unsigned int)strtoul(optarg, &end, 10);
			if (*end || o->freq_hz < 1 || o->freq_hz > 10000) {
				log_error("-F %s: expected a whole number of Hz from 1 to 10000", optarg);
				return -EINVAL;
			}
			break;
		case 'i':
			o->interval_s = strtod(optarg, &end);
			if (*end || !isfinite(o->interval_s) || o->interval_s < 0.1 || o->interval_s > 3600) {
				log_error("-i %s: expected seconds from 0.1 to 3600", optarg);
				return -EINVAL;
			}
			break;
		case 'n':
			o->iterations = strtol(optarg, &end, 10);
			if (*end || o->iterations < 1) {
				log_error("-n %s: expected a positive count", optarg);
				return -EINVAL;
			}
			break;
		case OPT_RULES:
			o->rules = optarg;
			break;
		case OPT_CATEGORIES:
			o->categories = optarg;
			break;
		case OPT_NO_CATEGORIES:
			o->no_categories = true;
			break;
		case OPT_NO_CULPRITS:
			o->no_culprits = true;
			break;
		case OPT_UNWIND:
			if (session_unwind_parse(optarg, &o->unwind)) {
				log_error("--unwind %s: expected auto, fp or hotspot", optarg);
				return -EINVAL;
			}
			break;
		case 'h':
			o->help = true;
			return 0;
		case ':':
			log_error("%s needs a value; see 'tmprof top --help'", argv[optind - 1]);
			return -EINVAL;
		default:
			log_error("unknown option '%s'; see 'tmprof top --help'", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		log_error("unexpected argument '%s'; see 'tmprof top --help'", argv[optind]);
		return -EINVAL;
	}
	if (!o->npids == !o->all_taskmanagers) {
		log_error("give either -p PID[,PID...] or --all-taskmanagers (see 'tmprof list')");
		return -EINVAL;
	}
	return 0;
}

static int terminal_width(bool tty)
{
	struct winsize ws;

	if (tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 40)
		return ws.ws_col;
	return PIPE_WIDTH;
}

static void print_header(bool tty, double secs, size_t ntargets)
{
	char stamp[64];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (tty)
		fputs("\033[H\033[2J", stdout); /* home and clear: redraw in place */
	printf("tmprof top  %s  interval %.1f s  %zu process%s  (ms/s per task thread)\n", stamp, secs,
	       ntargets, ntargets == 1 ? "" : "es");
}

/* One interval: what the session gathered, as a table. */
static int show_interval(struct session *s, const struct state_rules *rules,
			 const struct category_rules *cats, bool tty)
{
	struct build_options bo = { .thread_roots = true, .rules = rules, .categories = cats };
	struct profile *p = profile_new();
	struct build_result br;
	struct thread_report r;
	struct build_input in;
	struct resolver res;
	int err;

	if (!p)
		return -ENOMEM;
	session_build_input(s, &in, &res);
	err = profile_build(&in, p, &bo, &br);
	if (!err) {
		err = build_result_report(s, &br, p, &r);
		if (!err) {
			print_header(tty, r.duration_s, s->ntargets);
			thread_report_print_table(&r, stdout, terminal_width(tty));
			explain_print_line(&r, stdout);
			if (!tty)
				putchar('\n');
			fflush(stdout);
		}
		thread_report_free(&r);
		build_result_free(&br);
	}
	profile_free(p);
	return err;
}

static int top_loop(struct session *s, const struct top_options *o, const struct state_rules *rules,
		    const struct category_rules *cats)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };
	bool tty = isatty(STDOUT_FILENO);
	uint64_t interval_ms = (uint64_t)(o->interval_s * 1000);

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (long n = 0; !stop_requested && (!o->iterations || n < o->iterations); n++) {
		struct timespec ts = { (time_t)(interval_ms / 1000), (long)(interval_ms % 1000) * 1000000 };
		size_t alive;

		nanosleep(&ts, NULL);
		alive = session_poll(s);
		if (session_cut(s, false) || show_interval(s, rules, cats, tty)) {
			log_error("reading this interval failed; stopping");
			return EXIT_INTERNAL;
		}
		session_next_interval(s);
		if (!alive) {
			log_warn("every target exited; stopping");
			return EXIT_PARTIAL;
		}
	}
	return EXIT_OK;
}

int cmd_top(int argc, char **argv)
{
	struct top_options o;
	struct session_options so;
	struct session s;
	struct state_rules rules = { 0 };
	struct category_rules cats = { 0 };
	int rc;

	if (top_options_parse(argc, argv, &o))
		return EXIT_USAGE;
	if (o.help) {
		top_usage(stdout);
		return EXIT_OK;
	}
	session_setup_quiet_libbpf();
	rc = session_setup_privileges();
	if (rc)
		return rc;
	rc = session_setup_rules(o.rules, &rules);
	if (!rc && !o.no_categories && (rc = session_setup_categories(o.categories, &cats)))
		state_rules_free(&rules);
	if (rc)
		return rc;
	so = (struct session_options){ .events = SESSION_CPU | SESSION_OFFCPU, .freq_hz = o.freq_hz,
				       .unwind = o.unwind, .sampler = o.sampler,
				       .no_culprits = o.no_culprits || session_setup_culprits_off() };
	if (session_init(&s, &so)) {
		state_rules_free(&rules);
		category_rules_free(&cats);
		return EXIT_INTERNAL;
	}
	rc = session_setup_targets(&s, o.pids, o.npids, o.all_taskmanagers);
	if (!rc)
		rc = session_setup_start(&s);
	if (!rc)
		rc = top_loop(&s, &o, &rules, o.no_categories ? NULL : &cats);
	session_free(&s);
	state_rules_free(&rules);
	category_rules_free(&cats);
	return rc;
}

int cmd_report(int argc, char **argv)
{
	struct thread_report r;
	char err[1024];

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		puts("usage: tmprof report PROFILE.json\n"
		     "Prints the per-subtask table (cpu, runqueue, backpressured, idle, blocked in\n"
		     "ms/s) of a recording made with 'tmprof record -e wall -o PROFILE.json'.");
		return EXIT_OK;
	}
	if (argc != 2) {
		log_error("report takes one file: tmprof report PROFILE.json");
		return EXIT_USAGE;
	}
	if (thread_report_read_json(argv[1], &r, err, sizeof(err))) {
		log_error("%s; give a report written by 'tmprof record --format json'", err);
		return EXIT_USAGE;
	}
	printf("tmprof report  %s  %.1f s  (ms/s per task thread)\n", argv[1], r.duration_s);
	thread_report_sort(&r);
	thread_report_print_table(&r, stdout, terminal_width(isatty(STDOUT_FILENO)));
	if (bottleneck_find(&r) == 0)
		explain_print_line(&r, stdout);
	thread_report_free(&r);
	return EXIT_OK;
}
