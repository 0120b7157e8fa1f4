// SPDX-License-Identifier: GPL-2.0
#include "agent/core/culprits.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core/proc_info.h"

int culprit_list_add(struct culprit_list *l, uint32_t tgid, const char *comm, uint64_t ns)
{
	struct culprit_total *c = NULL;

	for (size_t i = 0; i < l->n && !c; i++)
		if (l->v[i].tgid == tgid)
			c = &l->v[i];
	if (!c) {
		if (l->n == l->cap) {
			size_t ncap = l->cap ? 2 * l->cap : 8;
			struct culprit_total *g = realloc(l->v, ncap * sizeof(*g));

			if (!g)
				return -ENOMEM;
			l->v = g;
			l->cap = ncap;
		}
		c = &l->v[l->n++];
		memset(c, 0, sizeof(*c));
		c->tgid = tgid;
	}
	c->ns += ns;
	/* Threads of one process carry their own comms; the one charged the
	 * most names the process. */
	if (ns > c->comm_ns || !c->comm[0]) {
		snprintf(c->comm, sizeof(c->comm), "%.*s", TMPROF_COMM_LEN, comm ? comm : "");
		c->comm_ns = ns;
	}
	return 0;
}

static int culprit_cmp(const void *a, const void *b)
{
	const struct culprit_total *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns < y->ns ? 1 : -1;
	return (x->tgid > y->tgid) - (x->tgid < y->tgid);
}

void culprit_list_sort(struct culprit_list *l)
{
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), culprit_cmp);
}

void culprit_list_free(struct culprit_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void culprit_cgroup_parse(const char *text, char *out, size_t len)
{
	const char *line = text, *first = NULL;
	size_t first_len = 0;

	out[0] = '\0';
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		const char *c1 = memchr(line, ':', n), *c2 = c1 ? memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - line)) : NULL;

		if (c2) {
			const char *path = c2 + 1;
			size_t plen = n - (size_t)(path - line);

			if (!strncmp(line, "0::", 3)) {
				snprintf(out, len, "%.*s", (int)plen, path);
				return;
			}
			if (!first) {
				first = path;
				first_len = plen;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	if (first)
		snprintf(out, len, "%.*s", (int)first_len, first);
}

static size_t hex_run(const char *s)
{
	size_t n = 0;

	while (isxdigit((unsigned char)s[n]) && !isupper((unsigned char)s[n]))
		n++;
	return n;
}

void culprit_container_of(const char *cgroup, char *out, size_t len)
{
	out[0] = '\0';
	/* The last 64-hex-digit run that starts a component or follows a
	 * runtime's '-' prefix: the innermost container. */
	for (const char *p = cgroup; *p; p++) {
		if ((p == cgroup || p[-1] == '/' || p[-1] == '-') && hex_run(p) == 64 &&
		    (p[64] == '\0' || p[64] == '/' || p[64] == '.'))
			snprintf(out, len, "%.12s", p);
	}
}

void culprit_process_name(pid_t pid, const char *fallback, char *out, size_t len)
{
	char buf[TMPROF_COMM_LEN + 2];

	if (pid <= 0 || proc_text_read(pid, "comm", buf, sizeof(buf)) <= 0) {
		snprintf(out, len, "%s", fallback);
		return;
	}
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(out, len, "%s", buf[0] ? buf : fallback);
}

void culprit_where(pid_t pid, char *cgroup, size_t cglen, char *container, size_t ctlen)
{
	char *buf = NULL;
	size_t n;

	cgroup[0] = '\0';
	container[0] = '\0';
	if (pid <= 0 || proc_file_read(pid, "cgroup", 1 << 16, &buf, &n))
		return;
	culprit_cgroup_parse(buf, cgroup, cglen);
	culprit_container_of(cgroup, container, ctlen);
	free(buf);
}
