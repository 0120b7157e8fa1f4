// SPDX-License-Identifier: GPL-2.0
/* `tmprof daemon`: the command line; the work is in daemon.c. */
#include "agent/cli/cmd_daemon.h"

#include <getopt.h>
#include <stdio.h>

#include "agent/core/session_setup.h"
#include "agent/core/category_rules.h"
#include "agent/daemon/daemon.h"
#include "agent/daemon/daemon_config.h"
#include "agent/core/exit_codes.h"
#include "agent/core/log.h"

static void cmd_daemon_usage(FILE *out)
{
	fprintf(out,
		"usage: tmprof daemon --config FILE [--categories FILE] [--check] [-v]\n"
		"\n"
		"Profile every Flink TaskManager on this host continuously: one pprof file per\n"
		"TaskManager per period under the configured directory, optional push to\n"
		"Pyroscope, Prometheus metrics on /metrics.\n"
		"\n"
		"  -c, --config FILE  the INI configuration (see agent/daemon/deploy/tmprof.ini)\n"
		"      --categories FILE  CPU category rules for the samples' category label,\n"
		"                     replacing the defaults (agent/rules/categories.rules)\n"
		"      --check        validate the configuration and exit\n"
		"  -v                 debug messages\n"
		"\n"
		"SIGTERM writes the current period and exits 0; SIGHUP reloads the configuration\n"
		"(an invalid file is reported and the running configuration kept).\n");
}

int cmd_daemon(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'C' },
		{ "categories", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *categories = NULL;
	bool check = false;
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "c:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'C':
			check = true;
			break;
		case 'K':
			categories = optarg;
			break;
		case 'v':
			log_verbose = true;
			break;
		case 'h':
			cmd_daemon_usage(stdout);
			return EXIT_OK;
		default:
			log_error("daemon: unknown or incomplete option '%s'; 'tmprof daemon --help' "
				  "lists the options",
				  argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		log_error("daemon: unexpected argument '%s'; 'tmprof daemon --help' lists the options",
			  argv[optind]);
		return EXIT_USAGE;
	}
	if (!config) {
		log_error("daemon: no configuration; use --config FILE (e.g. agent/daemon/deploy/tmprof.ini)");
		return EXIT_USAGE;
	}
	if (check) {
		struct daemon_config c;
		struct category_rules cats;
		char err[768];
		int rc;

		if (daemon_config_load(config, &c, err, sizeof(err))) {
			log_error("%s", err);
			return EXIT_USAGE;
		}
		daemon_config_free(&c);
		rc = session_setup_categories(categories, &cats);
		if (rc)
			return rc;
		category_rules_free(&cats);
		printf("%s: ok\n", config);
		return EXIT_OK;
	}
	return daemon_run(config, categories);
}
