// SPDX-License-Identifier: GPL-2.0
#include "agent/collect/collector.h"

#include <errno.h>
#include <string.h>

extern const struct collector_ops cpu_collector_ops;
extern const struct collector_ops offcpu_collector_ops;
extern const struct collector_ops alloc_collector_ops;

/* The event kinds, one line each. The index is the kind's event bit
 * (1 << index): SESSION_CPU, SESSION_OFFCPU and SESSION_ALLOC in
 * core/session.h name the first three for the code that builds their
 * profiles. */
const struct collector_ops *const collector_kinds[] = {
	&cpu_collector_ops,
	&offcpu_collector_ops,
	&alloc_collector_ops,
};
const size_t collector_nkinds = sizeof(collector_kinds) / sizeof(collector_kinds[0]);

unsigned int collector_event_of(const char *name, size_t len)
{
	for (size_t i = 0; i < collector_nkinds; i++)
		if (strlen(collector_kinds[i]->name) == len &&
		    !strncmp(collector_kinds[i]->name, name, len))
			return 1u << i;
	return 0;
}

int collector_events_parse(const char *text, unsigned int *events)
{
	const char *p = text;

	*events = 0;
	while (*p) {
		size_t n = strcspn(p, ",");
		unsigned int kind = collector_event_of(p, n);

		/* "wall" is the two kinds that add up to wall-clock time. */
		if (n == 4 && !strncmp(p, "wall", 4))
			kind = collector_event_of("cpu", 3) | collector_event_of("offcpu", 6);
		if (!kind)
			return -EINVAL;
		*events |= kind;
		p += n;
		if (*p == ',' && !*++p)
			return -EINVAL;
	}
	return *events ? 0 : -EINVAL;
}

/* Stacks are fetched through the collector that stored them, only while it
 * is open (a kind -e did not ask for has none). */
static int fetch_user_stack(void *ctx, uint64_t id, uint64_t *ips, size_t max)
{
	struct collector *c = ctx;

	return c->impl ? c->ops->user_stack(c->impl, id, ips, max) : -ENOENT;
}

static int fetch_kern_stack(void *ctx, uint64_t id, uint64_t *ips, size_t max)
{
	struct collector *c = ctx;

	return c->impl && c->ops->kern_stack ? c->ops->kern_stack(c->impl, id, ips, max) : -ENOENT;
}

int collector_init(struct collector *c, const struct collector_ops *ops, unsigned int event)
{
	int err;

	memset(c, 0, sizeof(*c));
	c->ops = ops;
	c->event = event;
	if (ops->key_size > AGG_KEY_MAX)
		return -EINVAL;
	err = agg_table_init(&c->rows, ops->key_size);
	if (!err)
		err = stack_cache_init(&c->user_stacks, fetch_user_stack, c);
	if (!err)
		err = stack_cache_init(&c->kern_stacks, fetch_kern_stack, c);
	return err;
}

void collector_free(struct collector *c)
{
	if (c->impl)
		c->ops->close(c->impl);
	c->impl = NULL;
	agg_table_free(&c->rows);
	stack_cache_free(&c->user_stacks);
	stack_cache_free(&c->kern_stacks);
}
