// SPDX-License-Identifier: GPL-2.0
/* One-line diagnostics on stderr: "tmprof: <subject>: <problem>; <fix>". */
#ifndef TMPROF_AGENT_LOG_H
#define TMPROF_AGENT_LOG_H

#include <stdbool.h>

extern bool log_verbose;

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
