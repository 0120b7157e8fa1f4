// SPDX-License-Identifier: GPL-2.0
/* tmprof's documented exit codes (README "Exit codes"). */
#ifndef TMPROF_AGENT_EXIT_CODES_H
#define TMPROF_AGENT_EXIT_CODES_H

enum tmprof_exit {
	EXIT_OK = 0,
	EXIT_USAGE = 1,      /* bad command line or bad input file (explain: not a report,
			      * or one without off-CPU states) */
	EXIT_NO_TARGET = 2,  /* PID does not exist, is not accessible, or no TaskManager found
			      * (explain: no Flink task threads in the report) */
	EXIT_NO_BPF = 3,     /* not root / no CAP_BPF+CAP_PERFMON, or BPF programs fail to load */
	EXIT_OUTPUT = 4,     /* output cannot be written (path, permissions, disk full) */
	EXIT_PARTIAL = 5,    /* output written, but incomplete: a target exited during the
			      * recording, or its JVM refused attach / did not answer, so
			      * Java frames or thread names are missing */
	EXIT_INTERNAL = 70,  /* a bug in tmprof */
};

#endif
