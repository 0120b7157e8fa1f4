// SPDX-License-Identifier: GPL-2.0
#include "agent/core/profile_output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flamegraph/flamegraph.h"
#include "flamegraph/folded.h"
#include "flamegraph/html.h"
#include "flamegraph/profile.h"
#include "flamegraph/pyroscope.h"
#include "flamegraph/svg.h"

static void pprof_options_from(const struct profile_meta *m, struct pprof_options *po,
			       bool omit_tid)
{
	memset(po, 0, sizeof(*po));
	po->kind = m->kind;
	po->hz = m->hz;
	po->time_nanos = m->time_ns;
	po->duration_nanos = m->duration_ns;
	po->omit_tid = omit_tid;
}

static const char *countname_of(enum pprof_kind kind)
{
	switch (kind) {
	case PPROF_KIND_WALL:
	case PPROF_KIND_OFFCPU:
		return "microseconds";
	case PPROF_KIND_ALLOC:
		return "bytes";
	default:
		return "samples";
	}
}

static int write_pprof(const struct profile *p, FILE *out, const struct profile_meta *m)
{
	struct pprof_options po;
	unsigned char *buf = NULL;
	size_t len = 0;
	int err;

	pprof_options_from(m, &po, false);
	err = pprof_encode(p, &po, &buf, &len);
	if (!err && fwrite(buf, 1, len, out) != len)
		err = -EIO;
	free(buf);
	return err;
}

int profile_output_write(const struct profile *p, FILE *out, enum record_format format,
			const struct profile_meta *m)
{
	struct flamegraph_options fo;

	flamegraph_options_init(&fo);
	fo.countname = countname_of(m->kind);
	switch (format) {
	case FORMAT_SVG:
		return svg_write(p, out, &fo);
	case FORMAT_HTML:
		return html_write(p, out, &fo);
	case FORMAT_PPROF:
		return write_pprof(p, out, m);
	case FORMAT_FOLDED:
	case FORMAT_AUTO:
		return folded_write(p, out);
	default:
		return -EINVAL;
	}
}

int profile_output_push_request(const struct push_settings *ps, const char *taskmanager,
				const struct profile *p, const struct profile_meta *m,
				struct pyroscope_request **out, char *msg, size_t msglen)
{
	struct pprof_options po;
	char host[256] = "";
	struct pyroscope_tag tags[3];
	struct pyroscope_target t = {
		.url = ps->url,
		.app_name = ps->app_name,
		.tags = tags,
		.bearer_token = ps->bearer_token,
		.basic_user = ps->basic_user,
		.basic_password = ps->basic_password,
		.tenant_id = ps->tenant_id,
		.tries = ps->tries,
		.timeout_ms = ps->timeout_ms,
	};

	gethostname(host, sizeof(host) - 1);
	if (ps->service_name && *ps->service_name)
		tags[t.ntags++] = (struct pyroscope_tag){ "service_name", ps->service_name };
	tags[t.ntags++] = (struct pyroscope_tag){ "host", host };
	if (taskmanager && *taskmanager)
		tags[t.ntags++] = (struct pyroscope_tag){ "taskmanager", taskmanager };
	pprof_options_from(m, &po, true);
	return pyroscope_request_new(&t, p, &po, out, msg, msglen);
}

int profile_output_push(const struct push_settings *ps, const char *taskmanager,
		       const struct profile *p, const struct profile_meta *m, char *msg,
		       size_t msglen)
{
	struct pyroscope_request *r;
	int err = profile_output_push_request(ps, taskmanager, p, m, &r, msg, msglen);

	if (err)
		return err;
	err = pyroscope_request_send(r, 0, msg, msglen);
	pyroscope_request_free(r);
	return err;
}
