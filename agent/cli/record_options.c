// SPDX-License-Identifier: GPL-2.0
#include "agent/cli/record_options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/session.h"

#define MAX_FREQ_HZ 10000
#define MAX_DURATION_S (7.0 * 24 * 3600)

void record_options_usage(FILE *out)
{
	fputs("usage: tmprof record (-p PID[,PID...] | --all-taskmanagers) [options]\n"
	      "  -p, --pid PID[,PID...]   processes to profile (JVMs or any process)\n"
	      "      --all-taskmanagers   every Flink TaskManager on this host\n"
	      "  -e, --events LIST        cpu (default), offcpu, wall (cpu + offcpu on one\n"
	      "                           timeline, in microseconds), alloc (Java heap\n"
	      "                           allocations); comma-separated. With alloc and\n"
	      "                           another event, allocations go to FILE.alloc.EXT\n"
	      "      --alloc-units U      bytes (default) or count, for -e alloc\n"
	      "      --unwind MODE        Java stacks: auto (default: HotSpot's frame layout when\n"
	      "                           readable, else frame pointers), hotspot, or fp (needs\n"
	      "                           -XX:+PreserveFramePointer)\n"
	      "  -d, --duration SECONDS   how long to record (default 30; Ctrl-C stops early)\n"
	      "  -F, --frequency HZ       samples per second of each thread's CPU time\n"
	      "                           (default 99; with --per-cpu: per second per CPU)\n"
	      "      --per-cpu            sample with one clock per CPU instead of one per\n"
	      "                           thread (fewer perf events; biased against threads\n"
	      "                           woken by timers)\n"
	      "      --sampler MODE       per-thread (default) or per-cpu; experimental:\n"
	      "                           jitter, weighted (README \"Sampling\")\n"
	      "  -o, --output FILE        output file (default tmprof.folded)\n"
	      "      --format FMT         folded, svg, html (interactive), pprof (gzipped\n"
	      "                           profile.proto), or json (per-thread time report);\n"
	      "                           default from the extension (.svg .html .pb.gz .json)\n"
	      "      --push URL           also send the profile to a Pyroscope server\n"
	      "      --app NAME           application name for --push (default flink.taskmanager)\n"
	      "      --rules FILE         off-CPU state rules (default: Flink's, see\n"
	      "                           agent/rules/flink.rules)\n"
	      "      --categories FILE    CPU category rules, replacing the defaults (see\n"
	      "                           agent/rules/categories.rules)\n"
	      "      --no-categories      no category label on the samples\n"
	      "      --no-culprits        -e wall/offcpu: do not track who ran while a thread\n"
	      "                           waited for a CPU (no runqueue_by_culprit,\n"
	      "                           noisy_neighbours; also TMPROF_CULPRITS=off)\n"
	      "      --category-frames    a [category] frame under the thread frame\n"
	      "      --threads            thread frame at the root (default)\n"
	      "      --no-threads         no thread frame\n"
	      "      --stats              print agent cost figures on stderr\n"
	      "  -v, --verbose            debug messages\n",
	      out);
}

int pid_list_parse(const char *text, pid_t *pids, size_t max, size_t *count)
{
	const char *p = text;

	if (!*p)
		return -EINVAL;
	while (*p) {
		char *end;
		long v;
		bool dup = false;

		errno = 0;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = strtol(p, &end, 10);
		if (errno || v <= 0 || v > INT_MAX || (*end && *end != ','))
			return -EINVAL;
		for (size_t i = 0; i < *count; i++)
			dup |= pids[i] == (pid_t)v;
		if (!dup) {
			if (*count >= max)
				return -E2BIG;
			pids[(*count)++] = (pid_t)v;
		}
		p = *end ? end + 1 : end;
		if (*end == ',' && !*p)
			return -EINVAL;
	}
	return 0;
}

bool record_main_output(unsigned int events)
{
	return events & ~(unsigned int)SESSION_ALLOC;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

const char *record_alloc_output(const struct record_options *o, char *buf, size_t len)
{
	const char *slash = strrchr(o->output, '/'), *dot = strrchr(o->output, '.');

	if (!record_main_output(o->events))
		return o->output;
	/* "x.pb.gz": the extension is both parts. */
	if (ends_with(o->output, ".pb.gz"))
		dot = o->output + strlen(o->output) - 6;
	if (!dot || (slash && dot < slash) || dot == (slash ? slash + 1 : o->output))
		snprintf(buf, len, "%s.alloc", o->output);
	else
		snprintf(buf, len, "%.*s.alloc%s", (int)(dot - o->output), o->output, dot);
	return buf;
}

enum record_format record_format_of_path(const char *path)
{
	if (ends_with(path, ".json"))
		return FORMAT_JSON;
	if (ends_with(path, ".svg"))
		return FORMAT_SVG;
	if (ends_with(path, ".html") || ends_with(path, ".htm"))
		return FORMAT_HTML;
	if (ends_with(path, ".pb.gz") || ends_with(path, ".pprof"))
		return FORMAT_PPROF;
	return FORMAT_FOLDED;
}

enum record_format record_format_of(const struct record_options *o)
{
	return o->format != FORMAT_AUTO ? o->format : record_format_of_path(o->output);
}

static int parse_positive(const char *text, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text || *end || !isfinite(v) || v <= 0 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int record_options_parse(int argc, char **argv, struct record_options *opts, char *err,
			 size_t errlen)
{
	enum { OPT_ALL_TM = 256, OPT_THREADS, OPT_NO_THREADS, OPT_STATS, OPT_PER_CPU, OPT_SAMPLER, OPT_FORMAT, OPT_RULES,
	       OPT_ALLOC_UNITS, OPT_PUSH, OPT_APP, OPT_UNWIND, OPT_CATEGORIES, OPT_NO_CATEGORIES,
	       OPT_CATEGORY_FRAMES, OPT_NO_CULPRITS };
	static const struct {
		const char *name;
		enum record_format format;
	} formats[] = {
		{ "folded", FORMAT_FOLDED }, { "json", FORMAT_JSON }, { "svg", FORMAT_SVG },
		{ "html", FORMAT_HTML },     { "pprof", FORMAT_PPROF },
	};
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "all-taskmanagers", no_argument, NULL, OPT_ALL_TM },
		{ "events", required_argument, NULL, 'e' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "rules", required_argument, NULL, OPT_RULES },
		{ "categories", required_argument, NULL, OPT_CATEGORIES },
		{ "no-categories", no_argument, NULL, OPT_NO_CATEGORIES },
		{ "no-culprits", no_argument, NULL, OPT_NO_CULPRITS },
		{ "category-frames", no_argument, NULL, OPT_CATEGORY_FRAMES },
		{ "alloc-units", required_argument, NULL, OPT_ALLOC_UNITS },
		{ "unwind", required_argument, NULL, OPT_UNWIND },
		{ "push", required_argument, NULL, OPT_PUSH },
		{ "app", required_argument, NULL, OPT_APP },
		{ "duration", required_argument, NULL, 'd' },
		{ "frequency", required_argument, NULL, 'F' },
		{ "output", required_argument, NULL, 'o' },
		{ "threads", no_argument, NULL, OPT_THREADS },
		{ "no-threads", no_argument, NULL, OPT_NO_THREADS },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "per-cpu", no_argument, NULL, OPT_PER_CPU },
		{ "sampler", required_argument, NULL, OPT_SAMPLER },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	double v;
	int c, r;

	memset(opts, 0, sizeof(*opts));
	opts->duration_s = 30;
	opts->freq_hz = 99;
	opts->output = "tmprof.folded";
	opts->threads = true;
	opts->events = SESSION_CPU;
	opts->app_name = "flink.taskmanager";
	optind = 0; /* reset getopt: tests parse several command lines */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:e:d:F:o:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			r = pid_list_parse(optarg, opts->pids, RECORD_MAX_PIDS, &opts->npids);
			if (r) {
				snprintf(err, errlen,
					 "-p %s: expected process ids separated by commas (at most %d), e.g. -p 1234,5678",
					 optarg, RECORD_MAX_PIDS);
				return -EINVAL;
			}
			break;
		case 'e':
			if (collector_events_parse(optarg, &opts->events)) {
				snprintf(err, errlen, "-e %s: expected cpu, offcpu or wall (comma-separated), e.g. -e wall",
					 optarg);
				return -EINVAL;
			}
			break;
		case OPT_FORMAT:
			opts->format = FORMAT_AUTO;
			for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
				if (!strcmp(optarg, formats[i].name))
					opts->format = formats[i].format;
			if (opts->format == FORMAT_AUTO) {
				snprintf(err, errlen,
					 "--format %s: expected folded, svg, html, pprof or json", optarg);
				return -EINVAL;
			}
			break;
		case OPT_PUSH:
			if (strncmp(optarg, "http://", 7) && strncmp(optarg, "https://", 8)) {
				snprintf(err, errlen, "--push %s: expected an http:// or https:// URL of a "
						      "Pyroscope server", optarg);
				return -EINVAL;
			}
			opts->push_url = optarg;
			break;
		case OPT_APP:
			opts->app_name = optarg;
			break;
		case OPT_RULES:
			opts->rules = optarg;
			break;
		case OPT_CATEGORIES:
			opts->categories = optarg;
			break;
		case OPT_NO_CATEGORIES:
			opts->no_categories = true;
			break;
		case OPT_NO_CULPRITS:
			opts->no_culprits = true;
			break;
		case OPT_CATEGORY_FRAMES:
			opts->category_frames = true;
			break;
		case OPT_ALLOC_UNITS:
			if (!strcmp(optarg, "bytes") || !strcmp(optarg, "count")) {
				opts->alloc_counts = optarg[0] == 'c';
			} else {
				snprintf(err, errlen, "--alloc-units %s: expected bytes or count", optarg);
				return -EINVAL;
			}
			break;
		case OPT_UNWIND: {
			enum session_unwind u;

			if (session_unwind_parse(optarg, &u)) {
				snprintf(err, errlen, "--unwind %s: expected auto, fp or hotspot", optarg);
				return -EINVAL;
			}
			opts->unwind = (int)u;
			break;
		}
		case OPT_ALL_TM:
			opts->all_taskmanagers = true;
			break;
		case 'd':
			if (parse_positive(optarg, MAX_DURATION_S, &opts->duration_s)) {
				snprintf(err, errlen, "-d %s: expected seconds > 0 (at most one week), e.g. -d 30",
					 optarg);
				return -EINVAL;
			}
			break;
		case 'F':
			if (parse_positive(optarg, MAX_FREQ_HZ, &v) || v != floor(v)) {
				snprintf(err, errlen, "-F %s: expected a whole number of Hz from 1 to %d, e.g. -F 99",
					 optarg, MAX_FREQ_HZ);
				return -EINVAL;
			}
			opts->freq_hz = (unsigned int)v;
			break;
		case 'o':
			if (!*optarg) {
				snprintf(err, errlen, "-o: empty file name; name the output file, e.g. -o cpu.folded");
				return -EINVAL;
			}
			opts->output = optarg;
			break;
		case OPT_THREADS:
			opts->threads = true;
			break;
		case OPT_NO_THREADS:
			opts->threads = false;
			break;
		case OPT_STATS:
			opts->stats = true;
			break;
		case OPT_PER_CPU:
			opts->sampler = CPU_SAMPLER_PER_CPU;
			break;
		case OPT_SAMPLER: {
			enum cpu_sampler_mode m;

			if (cpu_sampler_mode_parse(optarg, &m)) {
				snprintf(err, errlen, "--sampler: '%s' is not a sampler; use per-thread or per-cpu",
					 optarg);
				return -EINVAL;
			}
			opts->sampler = (int)m;
			break;
		}
		case 'v':
			opts->verbose = true;
			break;
		case 'h':
			opts->help = true;
			return 0;
		case ':':
			snprintf(err, errlen, "%s needs a value; see 'tmprof record --help'", argv[optind - 1]);
			return -EINVAL;
		default:
			snprintf(err, errlen, "unknown option '%s'; see 'tmprof record --help'",
				 argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'; see 'tmprof record --help'", argv[optind]);
		return -EINVAL;
	}
	if (!opts->npids && !opts->all_taskmanagers) {
		snprintf(err, errlen, "no target: give -p PID[,PID...] or --all-taskmanagers (see 'tmprof list')");
		return -EINVAL;
	}
	if (opts->events == SESSION_ALLOC && record_format_of(opts) == FORMAT_JSON) {
		snprintf(err, errlen, "--format json is the per-thread time report; -e alloc writes "
				      "folded stacks (add -e cpu or -e wall for a report)");
		return -EINVAL;
	}
	if (opts->npids && opts->all_taskmanagers) {
		snprintf(err, errlen, "-p and --all-taskmanagers exclude each other; pick one");
		return -EINVAL;
	}
	return 0;
}
