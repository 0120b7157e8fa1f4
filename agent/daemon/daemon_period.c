// SPDX-License-Identifier: GPL-2.0
#include "agent/daemon/daemon_period.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/daemon/daemon_config.h"
#include "agent/daemon/daemon_push.h"
#include "agent/core/log.h"
#include "agent/core/profile_builder.h"
#include "agent/core/session_build.h"
#include "agent/core/profile_output.h"
#include "agent/core/session.h"
#include "flamegraph/atomic_file.h"
#include "flamegraph/profile.h"
#include "flamegraph/pyroscope.h"

/* Tries per push; the push thread bounds each request's time. */
#define PUSH_TRIES 2

void daemon_stamp_format(int64_t unix_ns, char *out, size_t len)
{
	time_t t = (time_t)(unix_ns / 1000000000LL);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(out, len, "%Y%m%dT%H%M%SZ", &tm))
		snprintf(out, len, "19700101T000000Z");
}

/* The first name index with the same id: the group a pid's stacks go to. */
static size_t group_of(const struct daemon_tm_name *names, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (!strcmp(names[k].id, names[i].id))
			return k;
	return i;
}

/* The session's targets as one group's build sees them: only the pids of
 * names[group]'s TaskManager are targets, named as the session names them. */
struct group_targets {
	const struct build_targets_ops *ops;
	void *ctx;
	const struct daemon_tm_name *names;
	size_t n, group;
};

static bool group_target(void *ctx, pid_t pid, const char **label)
{
	const struct group_targets *g = ctx;

	for (size_t k = 0; k < g->n; k++)
		if (g->names[k].pid == pid)
			return group_of(g->names, k) == g->group && g->ops->target(g->ctx, pid, label);
	return false;
}

static const char *group_thread_name(void *ctx, pid_t pid, pid_t tid)
{
	const struct group_targets *g = ctx;

	return g->ops->thread_name ? g->ops->thread_name(g->ctx, pid, tid) : NULL;
}

static const char *group_class_name(void *ctx, pid_t pid, uint64_t klass)
{
	const struct group_targets *g = ctx;

	return g->ops->class_name ? g->ops->class_name(g->ctx, pid, klass) : NULL;
}

static const struct build_targets_ops group_targets_ops = {
	.target = group_target,
	.thread_name = group_thread_name,
	.class_name = group_class_name,
};

int daemon_profile_build_group(const struct build_input *in, const struct build_options *o,
			       const struct daemon_tm_name *names, size_t nnames, size_t group,
			       struct profile *out)
{
	struct group_targets g = { .ops = in->targets, .ctx = in->targets_ctx, .names = names,
				   .n = nnames, .group = group };
	struct build_input gin = *in;
	/* Without the process label (and frame): a file holds one TaskManager. */
	struct build_options go = *o;
	struct build_result br;
	int err;

	if (!in->targets || !in->targets->target || group >= nnames)
		return -EINVAL;
	gin.targets = &group_targets_ops;
	gin.targets_ctx = &g;
	go.process_roots = false;
	err = profile_build(&gin, out, &go, &br);
	if (!err)
		build_result_free(&br);
	return err;
}

/* DIR/<tm>, created if needed; never through a symlink. */
static int tm_dir_ready(const char *dir, const char *id)
{
	int top = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd, err = 0;

	if (top < 0)
		return -errno;
	if (mkdirat(top, id, 0755) < 0 && errno != EEXIST)
		err = -errno;
	if (!err) {
		fd = openat(top, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			err = errno == ELOOP || errno == ENOTDIR ? -ENOTDIR : -errno;
		else
			close(fd);
	}
	close(top);
	return err;
}

static int write_file(const char *path, const struct profile *p, enum record_format fmt,
		      const struct profile_meta *m)
{
	struct atomic_file af;
	int err = atomic_file_open(&af, path);

	if (err)
		return err;
	err = profile_output_write(p, af.fp, fmt, m);
	if (!err)
		err = atomic_file_commit(&af);
	atomic_file_abort(&af);
	return err;
}

static bool path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* "DIR/tm/STAMP" with "-N" when an earlier period of the same second
 * (a restart, a reload) already wrote there. */
static int base_path(const char *dir, const char *id, const char *stamp, char *out, size_t len)
{
	char probe[4096 + 16];
	int n;

	for (int k = 0; k < 1000; k++) {
		n = k ? snprintf(out, len, "%s/%s/%s-%d", dir, id, stamp, k) :
			snprintf(out, len, "%s/%s/%s", dir, id, stamp);
		if (n < 0 || (size_t)n >= len || (size_t)n + 16 > sizeof(probe))
			return -ENAMETOOLONG;
		memcpy(probe, out, (size_t)n);
		memcpy(probe + n, ".pb.gz", sizeof(".pb.gz"));
		if (path_exists(probe))
			continue;
		memcpy(probe + n, ".alloc.pb.gz", sizeof(".alloc.pb.gz"));
		if (!path_exists(probe))
			return 0;
	}
	return -EEXIST;
}

static void write_one(const char *base, const char *ext, const struct profile *p,
		      enum record_format fmt, const struct profile_meta *m,
		      struct daemon_period_result *r)
{
	char path[4096 + 16];
	int err = -ENAMETOOLONG;

	if (strlen(base) + strlen(ext) < sizeof(path)) {
		memcpy(path, base, strlen(base));
		memcpy(path + strlen(base), ext, strlen(ext) + 1);
		err = write_file(path, p, fmt, m);
	} else {
		path[0] = '\0';
	}
	if (err) {
		r->write_errors++;
		log_error("%s: cannot write: %s; check the [output] directory and free space", path,
			  strerror(-err));
	} else {
		r->files_written++;
	}
}

struct period_ctx {
	struct session *s;
	const struct daemon_config *c;
	const struct daemon_tm_name *names;
	size_t n;
	struct daemon_period_result *r;
	struct daemon_pusher *pusher;
	uint64_t period;  /* this period's id for the push thread: its start */
	bool push_gate;   /* daemon_push_period_start() allowed pushes */
	uint64_t push_skipped; /* not handed over: backing off, or not encoded */
	size_t builds_left; /* for the naming budget's shares */
};

/* The push of tm's profile p, encoded here and sent by the push thread:
 * the loop never waits for the server. */
static void push_maybe(struct period_ctx *x, const char *tm, const struct profile *p,
		       const struct profile_meta *m)
{
	const struct daemon_config *c = x->c;
	struct push_settings ps = {
		.url = c->push_url,
		.app_name = c->app_name,
		.service_name = c->service_name,
		.bearer_token = c->bearer_token,
		.basic_user = c->basic_user,
		.basic_password = c->basic_password,
		.tenant_id = c->tenant_id,
		.tries = PUSH_TRIES,
	};
	struct pyroscope_request *req;
	char msg[512];
	int err;

	if (!c->push_url || !x->pusher || !profile_total(p))
		return;
	if (!x->push_gate) {
		x->r->push_failures++;
		x->push_skipped++;
		return;
	}
	err = profile_output_push_request(&ps, tm, p, m, &req, msg, sizeof(msg));
	if (err) {
		log_warn("push for %s: %s; the files on disk are complete", tm, msg);
		x->r->push_failures++;
		return;
	}
	daemon_pusher_submit(x->pusher, x->period, daemon_push_budget_ms(c->period_s), tm, req);
}

/* What the push thread did since the last period (the pushes of the one
 * before, mostly: they go out while this one is written), into the
 * counters and the backoff; one line for the pushes not made. */
static void push_finish(struct period_ctx *x, struct daemon_push_state *ps)
{
	struct daemon_push_outcome o = { 0 };
	char where[512];
	uint64_t skipped;

	if (!x->c->push_url || !x->pusher)
		return;
	daemon_pusher_take(x->pusher, &o);
	x->r->pushes += o.pushes;
	x->r->push_failures += o.failures;
	x->r->push_ms += o.ms;
	daemon_push_period_end(ps, o.tried, o.down);
	skipped = x->push_skipped + o.skipped;
	if (!skipped)
		return;
	pyroscope_url_redact(x->c->push_url, where, sizeof(where));
	log_warn("push to %s: %" PRIu64 " profiles not pushed (%s); next try in %u "
		 "periods; the files on disk are complete",
		 where, skipped,
		 !x->push_gate ? "backing off, the server was down" :
		 o.down ? "the server is down or too slow" :
			  "the period's push time was used up, or too many waited",
		 ps->skip_periods + 1);
}

/* names[group]'s profile of one kind, built alone: the period's peak
 * memory is one TaskManager's profile, not every TaskManager's twice. */
static struct profile *build_group(struct period_ctx *x, const struct build_options *bo,
				   size_t group)
{
	struct build_input in;
	struct resolver r;
	struct profile *p = profile_new();
	int err = p ? 0 : -ENOMEM;

	session_build_input(x->s, &in, &r);
	session_build_budget_share(x->s, x->builds_left ? x->builds_left-- : 1);
	if (!err)
		err = daemon_profile_build_group(&in, bo, x->names, x->n, group, p);
	if (err) {
		log_error("%s: building the period's profile failed: %s", x->names[group].id,
			  strerror(-err));
		x->r->write_errors++;
		profile_free(p);
		return NULL;
	}
	return p;
}

void daemon_period_write(struct session *s, const struct daemon_config *c,
			 const struct state_rules *rules, const struct category_rules *cats,
			 const struct daemon_tm_name *names, size_t nnames, struct daemon_push_state *ps,
			 struct daemon_pusher *pusher, struct daemon_period_result *r)
{
	struct period_ctx x = { .s = s, .c = c, .names = names, .n = nnames, .r = r,
				.pusher = pusher };
	struct daemon_push_state no_state = { 0 };
	bool spans = s->opts.events & SESSION_OFFCPU, stacks = s->opts.events & (SESSION_CPU | SESSION_OFFCPU);
	struct build_options bo = {
		.thread_roots = true,
		.cpu_stacks = s->opts.events & SESSION_CPU,
		.span_stacks = spans,
		.rules = rules,
		.categories = cats, /* a label: pprof and Pyroscope can group by it */
	};
	struct build_options ao = { .thread_roots = true, .alloc_stacks = true };
	struct profile_meta m = {
		.kind = spans ? PPROF_KIND_WALL : PPROF_KIND_CPU,
		.hz = s->opts.freq_hz,
		.time_ns = s->start_unix_ns,
		.duration_ns = (int64_t)(session_elapsed_s(s) * 1e9),
	};
	char stamp[32], base[4096];

	memset(r, 0, sizeof(*r));
	if (!ps)
		ps = &no_state;
	if (!nnames)
		return;
	x.push_gate = daemon_push_period_start(ps);
	x.period = (uint64_t)m.time_ns;
	for (size_t i = 0; i < nnames; i++)
		if (group_of(names, i) == i)
			x.builds_left += (size_t)(stacks != 0) + (size_t)((s->opts.events & SESSION_ALLOC) != 0);
	session_build_budget_start(s);
	daemon_stamp_format(m.time_ns, stamp, sizeof(stamp));
	for (size_t i = 0; i < nnames; i++) {
		const char *id = names[i].id;
		struct profile *p;
		int err;

		if (group_of(names, i) != i)
			continue;
		err = tm_dir_ready(c->dir, id);
		if (!err)
			err = base_path(c->dir, id, stamp, base, sizeof(base));
		if (err) {
			r->write_errors++;
			log_error("%s/%s: cannot use the directory: %s", c->dir, id, strerror(-err));
			continue;
		}
		/* Each profile is written and pushed before the next is
		 * built: only one is ever held. */
		if (stacks && (p = build_group(&x, &bo, i))) {
			write_one(base, ".pb.gz", p, FORMAT_PPROF, &m, r);
			if (c->folded)
				write_one(base, ".folded", p, FORMAT_FOLDED, &m, r);
			push_maybe(&x, id, p, &m);
			profile_free(p);
		}
		/* Bytes and objects: two values of one profile. */
		if ((s->opts.events & SESSION_ALLOC) && (p = build_group(&x, &ao, i))) {
			struct profile_meta am = m;

			am.kind = PPROF_KIND_ALLOC;
			write_one(base, ".alloc.pb.gz", p, FORMAT_PPROF, &am, r);
			if (c->folded)
				write_one(base, ".alloc.folded", p, FORMAT_FOLDED, &am, r);
			push_maybe(&x, id, p, &am);
			profile_free(p);
		}
	}
	push_finish(&x, ps);
}
