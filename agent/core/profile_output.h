// SPDX-License-Identifier: GPL-2.0
/* Writing a recorded profile in the format the user asked for (folded, SVG,
 * HTML, pprof) and pushing it to Pyroscope: what record (and later the
 * daemon) do with a finished profile. */
#ifndef TMPROF_AGENT_PROFILE_OUTPUT_H
#define TMPROF_AGENT_PROFILE_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "flamegraph/pprof.h"

struct profile;

/* The formats a profile is written in; FORMAT_JSON is the thread report,
 * not a profile format. */
enum record_format { FORMAT_AUTO, FORMAT_FOLDED, FORMAT_JSON, FORMAT_SVG, FORMAT_HTML, FORMAT_PPROF };

/* What the counts of a profile mean, for formats that say so. */
struct profile_meta {
	enum pprof_kind kind;
	unsigned int hz;
	int64_t time_ns;     /* Unix time of the start */
	int64_t duration_ns;
};

/* FORMAT_JSON is not a profile format: -EINVAL. */
int profile_output_write(const struct profile *p, FILE *out, enum record_format format,
			const struct profile_meta *m);

/* Where and how profiles are pushed (record --push, the daemon's [push]). */
struct push_settings {
	const char *url;          /* Pyroscope base URL */
	const char *app_name;
	const char *service_name; /* NULL: no service_name tag */
	const char *bearer_token, *basic_user, *basic_password, *tenant_id; /* may be NULL */
	unsigned int tries, timeout_ms; /* 0: pyroscope.h's defaults */
};

/* POST the profile to url/ingest as pprof with host, TaskManager (and
 * service) tags; thread ids are left out of the labels (every TaskManager
 * restart would make new series). Returns 0 or -errno with the reason in
 * msg; never fatal for the caller. */
int profile_output_push(const struct push_settings *ps, const char *taskmanager,
		       const struct profile *p, const struct profile_meta *m, char *msg,
		       size_t msglen);
/* The same push made ready, to be sent elsewhere (pyroscope_request_send;
 * the daemon's push thread): p is not needed once it returns. */
struct pyroscope_request;
int profile_output_push_request(const struct push_settings *ps, const char *taskmanager,
				const struct profile *p, const struct profile_meta *m,
				struct pyroscope_request **out, char *msg, size_t msglen);

#endif
