// SPDX-License-Identifier: GPL-2.0
#include "agent/leak/leak_report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/core/exit_codes.h"
#include "agent/leak/leak_growth.h"
#include "agent/leak/leak_snapshot.h"
#include "agent/leak/leak_store.h"
#include "agent/leak/leak_symbols.h"
#include "agent/core/log.h"
#include "agent/core/target.h"
#include "flamegraph/diff.h"
#include "flamegraph/flamegraph.h"
#include "flamegraph/folded.h"
#include "flamegraph/heap_v2.h"
#include "flamegraph/profile.h"
#include "symbolize/symbolizer.h"

static bool is_folded(const char *path)
{
	size_t n = strlen(path);

	return n >= 7 && !strcmp(path + n - 7, ".folded");
}

static int write_outputs(const struct leak_snapshot *from, const struct leak_snapshot *to,
			 const struct leak_growth *g, const struct leak_report_options *o)
{
	struct profile *before = profile_new(), *after = profile_new();
	struct flamegraph_options fo;
	int err;

	if (!before || !after) {
		err = -ENOMEM;
		goto cleanup;
	}
	if (is_folded(o->output)) {
		err = g ? leak_growth_to_profile(g, after) : leak_snapshot_to_profile(to, after);
		if (!err)
			err = folded_write_file(after, o->output);
		goto cleanup;
	}
	flamegraph_options_init(&fo);
	fo.countname = "bytes";
	fo.palette = PALETTE_MEM;
	fo.title = g ? "Native memory growth (red: grew)" : "Live native memory";
	err = leak_snapshot_to_profile(to, after);
	if (!err && from)
		err = leak_snapshot_to_profile(from, before);
	if (!err && from)
		err = diff_write_file(before, after, false, o->output, &fo);
	else if (!err)
		err = flamegraph_write_file(after, o->output, &fo);
cleanup:
	profile_free(before);
	profile_free(after);
	if (err)
		log_error("%s: cannot write: %s; choose a writable -o path ending in .folded, .svg "
			  "or .html", o->output, err == -ENODATA || err == -EINVAL ?
			  "nothing live to draw" : strerror(-err));
	return err ? EXIT_OUTPUT : EXIT_OK;
}

static void print_header(const struct leak_snapshot *from, const struct leak_snapshot *to,
			 const struct leak_growth *g, const char *from_name, const char *to_name)
{
	char total[32];

	leak_format_bytes(total, sizeof(total), (double)g->total_delta);
	printf("native memory growth of pid %" PRId64 " (%s, one sample per %" PRIu64
	       " bytes): %s in %.2f h\n  from %s\n  to   %s (%" PRIu64 " tracked, %" PRIu64
	       " not tracked: table full)\n",
	       to->pid, to->allocator, to->period, total, g->hours, from_name, to_name, to->tracked,
	       to->overflow);
	(void)from;
}

static int report_pair(const struct leak_snapshot *from, const struct leak_snapshot *to,
		       const char *from_name, const char *to_name,
		       const struct leak_report_options *o)
{
	struct leak_growth g;
	int err = leak_growth_compute(from, to, &g), rc;

	if (err) {
		log_error("cannot compare %s and %s: %s", from_name, to_name,
			  err == -EINVAL ? "the second is not later than the first" : strerror(-err));
		return err == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
	}
	print_header(from, to, &g, from_name, to_name);
	leak_growth_print(&g, stdout, o->top, o->depth);
	fflush(stdout);
	rc = o->output ? write_outputs(from, to, &g, o) : EXIT_OK;
	leak_growth_free(&g);
	return rc;
}

static int load_snapshot(const char *path, struct leak_snapshot *s)
{
	size_t line = 0;
	int err = leak_snapshot_read_file(path, s, &line);

	if (err == -EINVAL)
		log_error("%s:%zu: not a valid tmprof leak snapshot; remove the file or pick "
			  "others with --from/--to", path, line);
	else if (err)
		log_error("%s: cannot read: %s", path, strerror(-err));
	return err ? (err == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE) : EXIT_OK;
}

int leak_report_dir(const char *dir, int64_t from_ms, int64_t to_ms,
		    const struct leak_report_options *o)
{
	struct leak_snapshot from, to;
	struct leak_store_entry *e = NULL;
	size_t n = 0, a, b;
	int err = leak_store_list(dir, &e, &n), rc;

	leak_snapshot_init(&from);
	leak_snapshot_init(&to);
	if (err) {
		log_error("%s: cannot list snapshots: %s; give the --dir of 'tmprof leak'", dir,
			  strerror(-err));
		return EXIT_USAGE;
	}
	if (leak_store_pick(e, n, from_ms, to_ms, &a, &b)) {
		log_error("%s: %zu snapshot%s%s; a report needs two (wait one more --interval, or "
			  "widen --from/--to)", dir, n, n == 1 ? "" : "s",
			  n ? " in total, fewer than two in the range" : "");
		leak_store_list_free(e, n);
		return EXIT_USAGE;
	}
	rc = load_snapshot(e[a].path, &from);
	if (!rc)
		rc = load_snapshot(e[b].path, &to);
	if (!rc)
		rc = report_pair(&from, &to, e[a].path, e[b].path, o);
	leak_snapshot_free(&from);
	leak_snapshot_free(&to);
	leak_store_list_free(e, n);
	return rc;
}

/* A heap profile as a snapshot: stacks named, estimated bytes. */
static int heap_to_snapshot(const struct heap_v2 *h, struct process_symbolizer *ps,
			    struct leak_snapshot *s)
{
	for (size_t i = 0; i < h->n; i++) {
		const struct heap_v2_stack *st = &h->stacks[i];
		char *text = NULL;
		int err;

		if (!st->objs)
			continue;
		err = leak_stack_text(ps, st->addrs, st->depth, 0, "libjemalloc", &text);
		if (err == -ENODATA)
			err = leak_snapshot_add(s, "[jemalloc internal]", (uint64_t)st->est_bytes,
						st->objs, 0);
		else if (!err)
			err = leak_snapshot_add(s, text, (uint64_t)(st->est_bytes + 0.5), st->objs, 0);
		free(text);
		if (err)
			return err;
		s->tracked += st->objs;
	}
	s->period = h->period;
	leak_snapshot_finish(s);
	return 0;
}

static int load_heap(const char *path, pid_t pid, struct process_symbolizer *ps,
		     struct leak_snapshot *s)
{
	struct heap_v2 h;
	struct heap_v2_error e;
	struct stat sb;
	int err = heap_v2_parse_file(path, &h, &e);

	if (err == -EINVAL) {
		if (e.line)
			log_error("%s:%zu: %s", path, e.line, e.reason);
		else
			log_error("%s: %s", path, e.reason);
		return EXIT_USAGE;
	}
	if (err) {
		log_error("%s: cannot read: %s", path, err == -EFBIG ? "larger than 1 GiB" :
			  strerror(-err));
		return err == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
	}
	s->pid = pid;
	snprintf(s->allocator, sizeof(s->allocator), "jemalloc");
	s->time_ms = stat(path, &sb) ? 0 :
		(int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;
	err = heap_to_snapshot(&h, ps, s);
	heap_v2_free(&h);
	return err ? EXIT_INTERNAL : EXIT_OK;
}

int leak_report_jeprof(const char *const *files, size_t nfiles, pid_t pid,
		       const struct leak_report_options *o)
{
	struct leak_snapshot snaps[2];
	struct target t;
	int rc = EXIT_OK;

	leak_snapshot_init(&snaps[0]);
	leak_snapshot_init(&snaps[1]);
	if (target_open(pid, NULL, &t)) {
		log_error("PID %d: no such process; jeprof names frames from the live process that "
			  "wrote the dumps", pid);
		return EXIT_NO_TARGET;
	}
	target_attach(&t);
	if (t.is_jvm && t.attach_err)
		log_warn("PID %d: %s; Java frames stay unnamed", pid, attach_error_text(t.attach_err));
	/* No Compiler.perfmap (JDK 11): JIT code named from the JVM's memory. */
	if (t.is_jvm && !t.attach_err && t.perf_map_err && target_name_jit_from_memory(&t))
		log_warn("PID %d: the JVM writes no perf map and its memory cannot be read; Java "
			 "frames stay unnamed", pid);
	for (size_t i = 0; i < nfiles && !rc; i++)
		rc = load_heap(files[i], pid, t.sym, &snaps[i]);
	if (!rc && nfiles == 2) {
		if (snaps[1].time_ms <= snaps[0].time_ms) {
			log_warn("%s is not newer than %s; per-hour rates are meaningless", files[1],
				 files[0]);
			snaps[1].time_ms = snaps[0].time_ms + 1000;
		}
		rc = report_pair(&snaps[0], &snaps[1], files[0], files[1], o);
	} else if (!rc) {
		struct leak_growth g = { 0 };
		struct leak_snapshot empty;

		/* One dump: its live bytes, as growth from nothing. */
		leak_snapshot_init(&empty);
		empty.time_ms = snaps[0].time_ms - 1000;
		rc = leak_growth_compute(&empty, &snaps[0], &g) ? EXIT_INTERNAL : EXIT_OK;
		if (!rc) {
			printf("live native memory of pid %d in %s (one sample per %" PRIu64
			       " bytes)\n", pid, files[0], snaps[0].period);
			leak_growth_print(&g, stdout, o->top, o->depth);
			fflush(stdout);
			if (o->output)
				rc = write_outputs(NULL, &snaps[0], NULL, o);
		}
		leak_growth_free(&g);
	}
	leak_snapshot_free(&snaps[0]);
	leak_snapshot_free(&snaps[1]);
	target_close(&t);
	return rc;
}
