// SPDX-License-Identifier: GPL-2.0
#include "flamegraph/report_blocked_in.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

const char *report_wait_name(enum report_wait w)
{
	static const char *const names[REPORT_WAIT__MAX] = {
		[REPORT_WAIT_LOCK] = "lock",
		[REPORT_WAIT_IO] = "io",
		[REPORT_WAIT_SLEEP] = "sleep",
		[REPORT_WAIT_BACKPRESSURED] = "backpressured",
		[REPORT_WAIT_IDLE] = "idle",
	};

	return w < REPORT_WAIT__MAX ? names[w] : "?";
}

static void wait_frame_free(struct report_wait_frame *f)
{
	free(f->frame);
	free(f->kind);
	free(f->module);
	memset(f, 0, sizeof(*f));
}

int report_blocked_in_set(struct report_thread *t, enum report_wait w, const char *frame,
			  const char *kind, const char *module, double ms_per_s)
{
	struct report_wait_frame *f = &t->blocked_in[w];

	wait_frame_free(f);
	f->frame = strdup(frame);
	f->kind = strdup(kind ? kind : "unknown");
	f->module = strdup(module ? module : "");
	f->ms_per_s = ms_per_s;
	if (f->frame && f->kind && f->module)
		return 0;
	wait_frame_free(f);
	return -ENOMEM;
}

void report_blocked_in_free(struct report_thread *t)
{
	for (int w = 0; w < REPORT_WAIT__MAX; w++)
		wait_frame_free(&t->blocked_in[w]);
}

void report_blocked_in_write_json(const struct report_thread *t, FILE *out)
{
	fputs(",\"blocked_in\":", out);
	if (!t->measured[REPORT_BLOCKED]) {
		fputs("null", out);
		return;
	}
	for (int w = 0; w < REPORT_WAIT__MAX; w++) {
		const struct report_wait_frame *f = &t->blocked_in[w];

		fprintf(out, "%s\"%s\":", w ? "," : "{", report_wait_name(w));
		if (!f->frame) {
			fputs("null", out);
			continue;
		}
		fputs("{\"frame\":", out);
		thread_report_write_string(out, f->frame);
		fputs(",\"kind\":", out);
		thread_report_write_string(out, f->kind);
		fputs(",\"module\":", out);
		thread_report_write_string(out, f->module);
		fprintf(out, ",\"ms_per_s\":%.3f}", isfinite(f->ms_per_s) ? f->ms_per_s : 0.0);
	}
	fputc('}', out);
}

int report_blocked_in_read_json(struct report_thread *t, json_t *jt)
{
	json_t *in = json_object_get(jt, "blocked_in");

	if (!json_is_object(in))
		return 0;
	for (int w = 0; w < REPORT_WAIT__MAX; w++) {
		json_t *f = json_object_get(in, report_wait_name(w));
		json_t *frame = json_object_get(f, "frame");
		int err;

		/* A frame without a name says nothing: as if none. */
		if (!json_is_string(frame) || !json_string_length(frame))
			continue;
		err = report_blocked_in_set(t, w, json_string_value(frame),
					    json_string_value(json_object_get(f, "kind")),
					    json_string_value(json_object_get(f, "module")),
					    json_number_value(json_object_get(f, "ms_per_s")));
		if (err)
			return err;
	}
	return 0;
}
