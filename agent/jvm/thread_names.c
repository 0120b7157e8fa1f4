// SPDX-License-Identifier: GPL-2.0
#include "agent/jvm/thread_names.h"

#include "agent/jvm/hotspot_attach.h"
#include "agent/core/log.h"
#include "agent/core/proc_info.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TABLE_MIN 64

/* ---- thread dump parsing ---- */

/* Start of the last occurrence of needle in [p, p+len), or NULL. */
static const char *mem_last(const char *p, size_t len, const char *needle, size_t nlen)
{
	if (len < nlen)
		return NULL;
	for (size_t i = len - nlen + 1; i-- > 0;)
		if (memcmp(p + i, needle, nlen) == 0)
			return p + i;
	return NULL;
}

static int digit_value(char c, int base)
{
	int d = -1;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	return d < base ? d : -1;
}

/* nid=0x9b0 (JDK < 19) or nid=2468 (JDK 19+), ended by a blank or the line. */
static pid_t nid_parse(const char *p, const char *end)
{
	int base = 10;
	int64_t v = 0;
	int digits = 0;

	if (end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	for (; p < end; p++, digits++) {
		int d = digit_value(*p, base);

		if (d < 0)
			break;
		v = v * base + d;
		if (v > INT_MAX)
			return -1;
	}
	if (digits == 0 || v == 0 || (p < end && *p != ' ' && *p != '\r'))
		return -1;
	return (pid_t)v;
}

/* One header line: "NAME" ... nid=N ... where NAME may hold anything,
 * quotes and " nid=" included. What follows the name is fixed format, so the
 * real nid is the last one and the name ends at the last quote before it. */
static int line_parse(const char *line, size_t len, pid_t *nid, const char **name, size_t *name_len)
{
	const char *nidp, *q;

	if (len < 2 || line[0] != '"')
		return -EINVAL;
	nidp = mem_last(line, len, " nid=", 5);
	if (!nidp)
		return -EINVAL;
	q = mem_last(line + 1, (size_t)(nidp - line - 1), "\"", 1);
	if (!q)
		return -EINVAL;
	*nid = nid_parse(nidp + 5, line + len);
	if (*nid <= 0)
		return -EINVAL;
	*name = line + 1;
	*name_len = (size_t)(q - line - 1);
	return 0;
}

/* name_len cut to at most max bytes without splitting a UTF-8 sequence. */
static size_t utf8_cut(const char *name, size_t name_len, size_t max)
{
	if (name_len <= max)
		return name_len;
	while (max > 0 && ((unsigned char)name[max] & 0xc0) == 0x80)
		max--;
	return max;
}

static int entries_push(struct thread_dump_entry **list, size_t *n, size_t *cap, pid_t nid,
			const char *name, size_t name_len)
{
	char *copy;

	name_len = utf8_cut(name, name_len, THREAD_NAME_MAX_BYTES - 1);
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct thread_dump_entry *nl = realloc(*list, ncap * sizeof(**list));

		if (!nl)
			return -ENOMEM;
		*list = nl;
		*cap = ncap;
	}
	copy = malloc(name_len + 1);
	if (!copy)
		return -ENOMEM;
	/* A NUL inside the name just shortens it. */
	memcpy(copy, name, name_len);
	copy[name_len] = '\0';
	(*list)[*n].nid = nid;
	(*list)[*n].name = copy;
	(*n)++;
	return 0;
}

int thread_dump_parse(const char *text, size_t len, struct thread_dump_entry **out, size_t *count)
{
	struct thread_dump_entry *list = NULL;
	const char *p = text, *end = text + len;
	size_t n = 0, cap = 0;
	int err = 0;

	/* More headers than a table can hold are not worth parsing. */
	while (p < end && n < THREAD_NAMES_MAX_ENTRIES) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *name;
		size_t name_len;
		pid_t nid;

		if (!eol)
			eol = end;
		if (line_parse(p, (size_t)(eol - p), &nid, &name, &name_len) == 0) {
			err = entries_push(&list, &n, &cap, nid, name, name_len);
			if (err)
				goto cleanup;
		}
		p = eol + 1;
	}
	*out = list;
	*count = n;
	list = NULL;
	n = 0;
cleanup:
	thread_dump_free(list, n);
	return err;
}

void thread_dump_free(struct thread_dump_entry *entries, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(entries[i].name);
	free(entries);
}

/* ---- tid -> name table (open addressing, rebuilt to drop tids) ---- */

struct tn_slot {
	pid_t tid;      /* 0: free */
	char *name;     /* NULL: seen in samples, no name yet */
};

struct thread_names {
	pid_t pid;
	struct tn_slot *slots;
	size_t cap;     /* power of two */
	size_t used;
	size_t name_bytes; /* sum of the names' lengths + 1 */
	bool refreshed;
	int64_t last_refresh_ms;
};

static size_t tid_hash(pid_t tid, size_t cap)
{
	return ((uint32_t)tid * 2654435761u) & (cap - 1);
}

static struct tn_slot *table_find(const struct thread_names *tn, pid_t tid)
{
	for (size_t i = tid_hash(tid, tn->cap);; i = (i + 1) & (tn->cap - 1)) {
		if (tn->slots[i].tid == tid)
			return &tn->slots[i];
		if (tn->slots[i].tid == 0)
			return NULL;
	}
}

static struct tn_slot *table_place(struct tn_slot *slots, size_t cap, pid_t tid)
{
	size_t i = tid_hash(tid, cap);

	while (slots[i].tid != 0 && slots[i].tid != tid)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

/* Move every slot that keep() accepts into a table of ncap slots; the
 * others' names are freed. */
static int table_rebuild(struct thread_names *tn, size_t ncap, bool (*keep)(pid_t, void *), void *ctx)
{
	struct tn_slot *ns = calloc(ncap, sizeof(*ns));

	if (!ns)
		return -ENOMEM;
	tn->used = 0;
	tn->name_bytes = 0;
	for (size_t i = 0; i < tn->cap; i++) {
		struct tn_slot *o = &tn->slots[i];

		if (!o->tid)
			continue;
		if (keep && !keep(o->tid, ctx)) {
			free(o->name);
			continue;
		}
		*table_place(ns, ncap, o->tid) = *o;
		tn->used++;
		tn->name_bytes += o->name ? strlen(o->name) + 1 : 0;
	}
	free(tn->slots);
	tn->slots = ns;
	tn->cap = ncap;
	return 0;
}

/* Slot for tid, created (name NULL) if absent; NULL when the table is full
 * (THREAD_NAMES_MAX_ENTRIES) or out of memory. */
static struct tn_slot *table_insert(struct thread_names *tn, pid_t tid)
{
	struct tn_slot *s = table_find(tn, tid);

	if (s)
		return s;
	if (tn->used >= THREAD_NAMES_MAX_ENTRIES)
		return NULL;
	/* Keep the load under one half so that probes stay short. */
	if ((tn->used + 1) * 2 > tn->cap && table_rebuild(tn, tn->cap * 2, NULL, NULL) < 0)
		return NULL;
	s = table_place(tn->slots, tn->cap, tid);
	s->tid = tid;
	tn->used++;
	return s;
}

/* Give s the name (owned from here), within the table's byte budget: past
 * it the thread keeps no name (its comm is shown). */
static void slot_name_set(struct thread_names *tn, struct tn_slot *s, char *name)
{
	size_t old = s->name ? strlen(s->name) + 1 : 0, len = strlen(name) + 1;

	if (tn->name_bytes - old + len > THREAD_NAMES_MAX_BYTES) {
		free(name);
		return;
	}
	free(s->name);
	s->name = name;
	tn->name_bytes = tn->name_bytes - old + len;
}

int thread_names_new(pid_t pid, struct thread_names **out)
{
	struct thread_names *tn = calloc(1, sizeof(*tn));

	if (!tn)
		return -ENOMEM;
	tn->slots = calloc(TABLE_MIN, sizeof(*tn->slots));
	if (!tn->slots) {
		free(tn);
		return -ENOMEM;
	}
	tn->pid = pid;
	tn->cap = TABLE_MIN;
	*out = tn;
	return 0;
}

void thread_names_free(struct thread_names *tn)
{
	if (!tn)
		return;
	for (size_t i = 0; i < tn->cap; i++)
		free(tn->slots[i].name);
	free(tn->slots);
	free(tn);
}

const char *thread_names_get(const struct thread_names *tn, pid_t tid)
{
	const struct tn_slot *s;

	if (!tn || tid <= 0)
		return NULL;
	s = table_find(tn, tid);
	return s ? s->name : NULL;
}

int thread_names_note_tid(struct thread_names *tn, pid_t tid)
{
	if (tid <= 0)
		return 0;
	if (table_find(tn, tid))
		return 0;
	/* A full table: the thread goes unnamed, which is no reason to
	 * ask the JVM for a dump. */
	return table_insert(tn, tid) ? 1 : 0;
}

size_t thread_names_bytes(const struct thread_names *tn)
{
	return tn ? sizeof(*tn) + tn->cap * sizeof(*tn->slots) + tn->name_bytes : 0;
}

size_t thread_names_count(const struct thread_names *tn)
{
	return tn ? tn->used : 0;
}

/* ---- refresh ---- */

struct tid_pair {
	pid_t nstid;
	pid_t tid;
};

static int pair_cmp(const void *a, const void *b)
{
	const struct tid_pair *x = a, *y = b;

	return (x->nstid > y->nstid) - (x->nstid < y->nstid);
}

/* nstid -> host tid for every thread of pid, sorted by nstid; with
 * other_ns false, nstid is the host tid (no status file read per thread). */
static int task_map_read(pid_t pid, bool other_ns, struct tid_pair **out, size_t *count)
{
	struct tid_pair *pairs = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	char path[64];
	DIR *d;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((de = readdir(d))) {
		pid_t tid = (pid_t)atoi(de->d_name), nstid;

		/* Threads exit while we look: skip them. */
		nstid = tid;
		if (tid <= 0 || (other_ns && proc_thread_nstid(pid, tid, &nstid) < 0))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct tid_pair *np = realloc(pairs, ncap * sizeof(*np));

			if (!np) {
				err = -ENOMEM;
				goto cleanup;
			}
			pairs = np;
			cap = ncap;
		}
		pairs[n].nstid = nstid;
		pairs[n].tid = tid;
		n++;
	}
	/* Every thread may have exited meanwhile: pairs is NULL then, which
	 * qsort must not get even for 0 elements. */
	if (n)
		qsort(pairs, n, sizeof(*pairs), pair_cmp);
	*out = pairs;
	*count = n;
	pairs = NULL;
cleanup:
	free(pairs);
	closedir(d);
	return err;
}

static pid_t task_map_find(const struct tid_pair *pairs, size_t n, pid_t nstid)
{
	struct tid_pair key = { .nstid = nstid };
	const struct tid_pair *hit = pairs && n ? bsearch(&key, pairs, n, sizeof(*pairs), pair_cmp) : NULL;

	return hit ? hit->tid : 0;
}

/* Move the dump's names into the table under host tids. Only nids that
 * are threads of the process now count: the dump comes from the target,
 * which may claim any number of made-up ones. Names of threads that are
 * gone stay until thread_names_prune: samples taken earlier may still
 * refer to them. */
static int names_apply(struct thread_names *tn, struct thread_dump_entry *e, size_t n, bool other_ns)
{
	struct tid_pair *pairs = NULL;
	size_t npairs = 0;
	int err;

	err = task_map_read(tn->pid, other_ns, &pairs, &npairs);
	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		pid_t tid = task_map_find(pairs, npairs, e[i].nid);
		struct tn_slot *s;

		if (tid <= 0)
			continue;
		s = table_insert(tn, tid);
		if (!s)
			continue; /* full: that thread stays unnamed */
		slot_name_set(tn, s, e[i].name);
		e[i].name = NULL;
	}
	free(pairs);
	return 0;
}

static bool tid_listed(pid_t tid, void *ctx)
{
	const struct tid_pair *pairs = ((const struct tid_pair **)ctx)[0];
	size_t n = (size_t)((const struct tid_pair **)ctx)[1];

	for (size_t lo = 0, hi = n; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;

		if (pairs[mid].tid == tid)
			return true;
		if (pairs[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static int pair_tid_cmp(const void *a, const void *b)
{
	const struct tid_pair *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

int thread_names_prune(struct thread_names *tn)
{
	struct tid_pair *pairs = NULL;
	size_t npairs = 0, cap = TABLE_MIN;
	const void *ctx[2];
	int err;

	if (!tn || !tn->used)
		return 0;
	err = task_map_read(tn->pid, false, &pairs, &npairs);
	if (err == -ESRCH)
		npairs = 0; /* every thread is gone */
	else if (err)
		return err;
	if (npairs)
		qsort(pairs, npairs, sizeof(*pairs), pair_tid_cmp);
	ctx[0] = pairs;
	ctx[1] = (const void *)npairs;
	/* Shrink too: a storm of threads leaves no big empty table. */
	while (cap < 2 * (npairs < tn->used ? npairs : tn->used) + 2)
		cap *= 2;
	err = table_rebuild(tn, cap, tid_listed, ctx);
	free(pairs);
	return err;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool thread_names_due(struct thread_names *tn, int min_interval_ms)
{
	int64_t now = now_ms();

	if (tn->refreshed && now - tn->last_refresh_ms < min_interval_ms)
		return false;
	/* Failures count too: a JVM that does not answer is not asked again
	 * at every sample. */
	tn->refreshed = true;
	tn->last_refresh_ms = now;
	return true;
}

int thread_names_apply(struct thread_names *tn, const struct attach_reply *reply)
{
	struct thread_dump_entry *entries = NULL;
	size_t n = 0;
	int err;

	if (reply->status != 0) {
		log_debug("pid %d: Thread.print failed (status %d)", (int)tn->pid, reply->status);
		return -EPROTO;
	}
	err = thread_dump_parse(reply->output, reply->len, &entries, &n);
	if (!err)
		err = names_apply(tn, entries, n, proc_in_other_pidns(tn->pid));
	thread_dump_free(entries, n);
	return err;
}

int thread_names_refresh(struct thread_names *tn, int min_interval_ms)
{
	struct attach_reply reply = { 0 };
	int err;

	if (!thread_names_due(tn, min_interval_ms))
		return 0;
	err = hotspot_thread_headers(tn->pid, HOTSPOT_ATTACH_TIMEOUT_MS, &reply);
	if (!err)
		err = thread_names_apply(tn, &reply);
	attach_reply_free(&reply);
	return err;
}
