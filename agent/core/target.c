// SPDX-License-Identifier: GPL-2.0
#include "agent/core/target.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "agent/jvm/hotspot_attach.h"
#include "agent/jvm/jvm_runtime.h"
#include "agent/jvm/klass_names.h"
#include "agent/core/log.h"
#include "agent/core/proc_info.h"
#include "agent/jvm/thread_names.h"
#include "symbolize/java_frames.h"
#include "symbolize/resolver.h"
#include "symbolize/word_resolve.h"
#include "symbolize/perf_map.h"
#include "symbolize/target_ids.h"
#include "symbolize/symbolizer.h"

/* Refresh when more than 1 % of new JIT addresses are unnamed, but not for
 * a handful: a few unnamed addresses are stubs the perf map never names. */
#define JIT_UNRESOLVED_MIN 16
#define JIT_UNRESOLVED_PER_MILLE 10

uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int target_start_time_read(pid_t pid, unsigned long long *out)
{
	char path[64], buf[1024], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* comm may contain spaces and parentheses: fields start after the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return -EPROTO;
	/* After ") " come fields 3..; starttime is field 22, i.e. the 20th here. */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		   out) != 1)
		return -EPROTO;
	return 0;
}

/* stat() follows the magic link to the program file itself. */
static int proc_exe_id(pid_t pid, unsigned long long *dev, unsigned long long *ino)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	if (stat(path, &st))
		return -errno;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

int target_identity_read(pid_t pid, struct target_identity *out)
{
	int err = target_start_time_read(pid, &out->start_time);

	if (!err)
		err = proc_exe_id(pid, &out->exe_dev, &out->exe_ino);
	return err;
}

int target_check_exec(struct target *t)
{
	unsigned long long dev = 0, ino = 0;

	if (t->exited || proc_exe_id(t->pid, &dev, &ino))
		return 0;
	if (!t->exe_ino) {
		t->exe_dev = dev;
		t->exe_ino = ino;
		return 0;
	}
	if (dev == t->exe_dev && ino == t->exe_ino)
		return 0;
	t->exe_dev = dev;
	t->exe_ino = ino;
	return 1;
}

int target_open(pid_t pid, struct ksyms *ksyms, struct target *t)
{
	int err;

	memset(t, 0, sizeof(*t));
	t->pid = pid;
	err = target_start_time_read(pid, &t->start_time);
	if (err)
		return err == -ENOENT ? -ESRCH : err;
	/* Unknown (kernel threads, a race with exit) is fine: 0 never matches. */
	(void)target_check_exec(t);
	err = jvm_info_read(pid, &t->jvm);
	if (err == 0)
		t->is_jvm = true;
	else if (err == -ESRCH)
		return err;
	return process_symbolizer_new(pid, ksyms, &t->sym);
}

void target_forget_jvm(struct target *t)
{
	/* The memo holds names owned by t->java. */
	frame_memo_free(&t->memo);
	java_frames_free(t->java);
	t->java = NULL;
	t->hotspot = false;
	if (t->klasses)
		klass_names_free(t->klasses);
	free(t->klasses);
	if (t->runtime)
		jvm_runtime_close(t->runtime);
	free(t->runtime);
	thread_names_free(t->names);
	t->klasses = NULL;
	t->runtime = NULL;
	t->names = NULL;
	t->is_jvm = false;
	t->follow_waiting = 0; /* nothing to wait for any more */
}

void target_perf_map_hand(struct target *t, struct perf_map *map, int read_err)
{
	perf_map_free(t->perf_map_read);
	t->perf_map_read = map;
	t->perf_map_read_err = map ? 0 : (read_err ? read_err : -ENOENT);
	t->perf_map_handed = true;
}

void target_close(struct target *t)
{
	perf_map_free(t->perf_map_read);
	t->perf_map_read = NULL;
	t->perf_map_handed = false;
	target_forget_jvm(t);
	process_symbolizer_free(t->sym);
	t->sym = NULL;
}

const char *attach_error_text(int err)
{
	switch (err) {
	case -ETIMEDOUT:
		return "the JVM did not answer the attach request within 5 s "
		       "(-XX:+DisableAttachMechanism, or the JVM is hung)";
	case -ECONNREFUSED:
		return "the JVM refused the attach connection";
	case -ESRCH:
		return "the process exited";
	case -EPROTO:
		return "the JVM's attach reply was malformed";
	case -EFBIG:
		return "the JVM's attach reply was over tmprof's cap (4 MiB of thread names, 1 MiB "
		       "otherwise): not a JVM tmprof trusts";
	case -ENOTSOCK:
		return "the attach socket is not a socket owned by the JVM's user or root "
		       "(refused: it may have been planted by another user)";
	case -EACCES:
	case -EPERM:
		return "permission denied while attaching (run as root)";
	default:
		return strerror(-err);
	}
}

/* The perf map is not the JVM's user's (nor root's): tmprof does not read
 * it, since another user could have planted it. Said once per target in
 * the normal output, since the usual cause is harmless and easy to fix: a
 * dead process of another user left a perf-PID.map in /tmp, and this JVM,
 * which got the same pid, writes into that file without owning it. */
static void perf_map_owner_warn(struct target *t)
{
	struct target_ids ids = { .nspid = t->pid };
	char path[96];
	struct stat st;

	if (t->perf_map_owner_warned)
		return;
	t->perf_map_owner_warned = true;
	target_ids_read(t->pid, &ids);
	snprintf(path, sizeof(path), "/proc/%d/root/tmp/perf-%d.map", (int)t->pid, (int)ids.nspid);
	if (lstat(path, &st) < 0)
		st.st_uid = (uid_t)-1;
	log_warn("PID %d: %s belongs to uid %d, not to the JVM's user (uid %u): tmprof does not read "
		 "it and Java frames stay unnamed; remove the file (likely left by a dead process of "
		 "that user) and the JVM writes its own",
		 (int)t->pid, path, (int)st.st_uid, (unsigned)ids.euid);
}

/* Load the JVM's perf map; one warning line the first time it is over
 * the caps (perf_map.h), naming the file, since frames past the cap stay
 * unnamed. */
static int target_perf_map_load(struct target *t)
{
	struct symbolizer_stats before, after;
	int err;

	process_symbolizer_stats(t->sym, &before);
	if (t->perf_map_handed) {
		t->perf_map_handed = false;
		err = t->perf_map_read ? process_symbolizer_install_perf_map(t->sym, t->perf_map_read)
				       : t->perf_map_read_err;
		t->perf_map_read = NULL;
	} else {
		err = process_symbolizer_load_perf_map(t->sym);
	}
	process_symbolizer_stats(t->sym, &after);
	if (err == -EPERM)
		perf_map_owner_warn(t);
	if (!err && after.perf_map_capped > before.perf_map_capped && !t->perf_map_cap_warned) {
		struct target_ids ids = { .nspid = t->pid };

		target_ids_read(t->pid, &ids);
		t->perf_map_cap_warned = true;
		log_warn("PID %d: /proc/%d/root/tmp/perf-%d.map is over tmprof's cap (%u MiB, %u entries, "
			 "%u MiB of names): read up to the cap, later JIT frames may stay unnamed",
			 t->pid, t->pid, (int)ids.nspid, PERF_MAP_MAX_BYTES >> 20, PERF_MAP_MAX_ENTRIES,
			 PERF_MAP_MAX_NAMES >> 20);
	}
	return err;
}

bool target_attach_begin(struct target *t)
{
	if (!t->is_jvm)
		return false;
	if (t->jvm.attach_disabled) {
		/* Known from the command line: don't make the user wait 5 s. */
		t->attach_err = -ETIMEDOUT;
		return false;
	}
	if (!t->names && thread_names_new(t->pid, &t->names)) {
		t->attach_err = -ENOMEM;
		return false;
	}
	/* The dump asked for now counts as this interval's refresh. */
	thread_names_due(t->names, 0);
	return true;
}

void target_attach_finish(struct target *t, int names_err, int perf_map_err)
{
	int err = names_err ? names_err : perf_map_err;

	/* A JVM without Compiler.perfmap (JDK 11) answered: attach works,
	 * thread names stay; Java frames must come from HotSpot unwinding. */
	t->perf_map_err = !names_err && perf_map_err == -ENOTSUP ? perf_map_err : 0;
	if (!names_err && perf_map_err == -ENOTSUP) {
		err = 0;
	} else if (!err) {
		err = target_perf_map_load(t);
		if (err)
			log_warn("PID %d: the JVM wrote no readable perf map (%s); Java frames stay unnamed",
				 t->pid, strerror(-err));
		err = 0;
	}
	t->last_perf_map_ms = monotonic_ms();
	if (err) {
		t->attach_err = err;
		thread_names_free(t->names);
		t->names = NULL;
	}
}

void target_attach(struct target *t)
{
	struct attach_reply reply = { 0 };
	int err, pm = 0;

	if (!target_attach_begin(t))
		return;
	err = hotspot_thread_headers(t->pid, HOTSPOT_ATTACH_TIMEOUT_MS, &reply);
	if (!err)
		err = thread_names_apply(t->names, &reply);
	attach_reply_free(&reply);
	if (!err)
		pm = hotspot_write_perf_map(t->pid, HOTSPOT_ATTACH_TIMEOUT_MS);
	target_attach_finish(t, err, pm);
}

void target_attach_backoff(struct target *t, int err, uint64_t now_ms)
{
	uint64_t delay = TARGET_ATTACH_BACKOFF_MIN_MS;

	if (!err) {
		t->attach_fails = 0;
		t->attach_next_ms = 0;
		return;
	}
	if (t->attach_fails < 16)
		t->attach_fails++;
	for (unsigned int i = 1; i < t->attach_fails && delay < TARGET_ATTACH_BACKOFF_MAX_MS; i++)
		delay *= 2;
	if (delay > TARGET_ATTACH_BACKOFF_MAX_MS)
		delay = TARGET_ATTACH_BACKOFF_MAX_MS;
	t->attach_next_ms = now_ms + delay;
}

int target_runtime_open(struct target *t)
{
	int err;

	if (t->runtime)
		return 0;
	t->runtime = calloc(1, sizeof(*t->runtime));
	if (!t->runtime)
		return -ENOMEM;
	err = jvm_runtime_open(t->pid, t->runtime);
	if (err) {
		free(t->runtime);
		t->runtime = NULL;
	}
	return err;
}

static bool jit_from_memory(void *ctx, uint64_t addr, const char **name, enum frame_kind *kind)
{
	struct target *t = ctx;
	struct java_frame f;

	if (!t->java || t->exited || java_frames_name_pc(t->java, addr, &f))
		return false;
	*name = f.name;
	*kind = f.kind;
	return true;
}

int target_name_jit_from_memory(struct target *t)
{
	int err;

	if (!t->is_jvm || t->exited)
		return -ENOENT;
	err = target_runtime_open(t);
	if (!err && !t->runtime->vmstructs_ok)
		err = -ENOENT;
	if (!err && !t->java)
		err = java_frames_new(&t->runtime->mem, &t->runtime->vs, &t->java);
	if (err)
		return err;
	process_symbolizer_set_jit_namer(t->sym, jit_from_memory, t);
	return 0;
}

bool target_java_frames_missing(const struct target *t)
{
	return t->is_jvm && !t->hotspot && !t->attach_err && t->perf_map_err;
}

bool target_alive(struct target *t)
{
	unsigned long long start = 0; /* proc_start_time() sets it when it returns 0 */

	if (t->exited)
		return false;
	if (target_start_time_read(t->pid, &start) || start != t->start_time)
		t->exited = true;
	return !t->exited;
}

uint32_t target_stack_epoch(const uint64_t *ips, uint32_t depth)
{
	return resolver_stack_epoch(ips, depth);
}

/* Is the JVM still in the epoch t->epoch_now was taken in (no class
 * unloaded since)? Without the JVM's counter only the namer's own reuse
 * check (session) guards. */
static bool epoch_unchanged(void *ctx)
{
	struct target *t = ctx;
	uint64_t unloaded = 0;

	if (!t->runtime || !t->hs_cfg.unloaded_addr)
		return true;
	if (mem_read_u64(&t->runtime->mem, t->hs_cfg.unloaded_addr, &unloaded))
		return false;
	return hs_epoch_of(hs_frame_epoch(t->hs_cfg.epoch + (uint32_t)unloaded)) == t->epoch_now;
}

static size_t resolve_word(struct target *t, uint64_t word, bool leaf, uint32_t epoch,
			   struct frame_sym *out, size_t max, uint64_t *cheap)
{
	const struct word_resolver w = {
		.sym = t->sym,
		.java = t->java,
		.memo = &t->memo,
		.epoch_now = t->epoch_now,
		.epoch_unchanged = epoch_unchanged,
		.epoch_ctx = t,
		.perfmap_agree = &t->java_perfmap_agree,
		.perfmap_differ = &t->java_perfmap_differ,
		.cached_only = cheap != NULL,
		.cheap = cheap,
	};

	return word_resolve(&w, word, leaf, epoch, out, max);
}

size_t target_resolve_word(struct target *t, uint64_t word, bool leaf, uint32_t epoch,
			   struct frame_sym *out, size_t max)
{
	return resolve_word(t, word, leaf, epoch, out, max, NULL);
}

size_t target_resolve_word_cached(struct target *t, uint64_t word, bool leaf, uint32_t epoch,
				  struct frame_sym *out, size_t max, uint64_t *cheap)
{
	return resolve_word(t, word, leaf, epoch, out, max, cheap);
}

bool target_note_stack(struct target *t, const uint64_t *ips, uint32_t depth,
		       bool (*spent)(const void *ctx), const void *ctx)
{
	struct frame_sym fs, java[TARGET_MAX_INLINED];
	uint32_t epoch = target_stack_epoch(ips, depth);

	for (uint32_t i = 0; i < depth; i++) {
		/* Return addresses point after the call; look up the call itself. */
		uint64_t addr = i ? ips[i] - 1 : ips[i];

		if (i && spent && spent(ctx))
			return false;
		if (hs_frame_is_java(ips[i])) {
			/* Named now, while the nmethod lives; cached from then on. */
			target_resolve_word(t, ips[i], i == 0, epoch, java, TARGET_MAX_INLINED);
			continue;
		}
		process_symbolizer_resolve_user(t->sym, addr, &fs);
		if (fs.kind == FRAME_JIT || fs.kind == FRAME_INTERPRETED || fs.kind == FRAME_INLINED) {
			t->jit_seen++;
		} else if (process_symbolizer_jit_unresolved(t->sym, addr)) {
			t->jit_seen++;
			t->jit_unresolved++;
		}
	}
	return true;
}

bool target_perf_map_due(struct target *t, uint64_t now_ms, uint64_t min_interval_ms)
{
	if (!t->is_jvm || t->attach_err || t->perf_map_err || t->exited)
		return false;
	if (t->jit_unresolved < JIT_UNRESOLVED_MIN ||
	    t->jit_unresolved * 1000 < t->jit_seen * JIT_UNRESOLVED_PER_MILLE)
		return false;
	if (now_ms - t->last_perf_map_ms < min_interval_ms || now_ms < t->attach_next_ms)
		return false;
	t->last_perf_map_ms = now_ms;
	t->jit_seen = t->jit_unresolved = 0;
	return true;
}

int target_perf_map_written(struct target *t, int err)
{
	if (!err)
		err = target_perf_map_load(t);
	if (err) {
		log_debug("PID %d: perf map refresh failed: %s", t->pid, strerror(-err));
		return 0;
	}
	t->perf_map_refreshes++;
	log_debug("PID %d: perf map refreshed", t->pid);
	return 1;
}

int target_maybe_refresh_perf_map(struct target *t, uint64_t now_ms, uint64_t min_interval_ms)
{
	if (!target_perf_map_due(t, now_ms, min_interval_ms))
		return 0;
	return target_perf_map_written(t, hotspot_write_perf_map(t->pid, HOTSPOT_ATTACH_TIMEOUT_MS));
}
