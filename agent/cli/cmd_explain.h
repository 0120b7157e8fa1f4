// SPDX-License-Identifier: GPL-2.0
#ifndef TMPROF_AGENT_CMD_EXPLAIN_H
#define TMPROF_AGENT_CMD_EXPLAIN_H

/* `tmprof explain REPORT.json`: the bottleneck in one paragraph.
 * argv[0] is "explain". */
int cmd_explain(int argc, char **argv);

struct session;
struct build_result;
struct profile;

/* The end of `tmprof record -e wall`: the paragraph on stdout, when the
 * recording has task threads. */
void explain_recording(const struct session *s, const struct build_result *b,
		       const struct profile *p);

#endif
