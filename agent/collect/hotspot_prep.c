// SPDX-License-Identifier: GPL-2.0
#include "agent/collect/hotspot_prep.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/collect/hotspot_unwind.h"
#include "agent/core/target.h"
#include "agent/jvm/jvm_runtime.h"
#include "symbolize/hotspot_perfdata.h"
#include "symbolize/java_frames.h"

int hotspot_prep_fill(const struct jvm_runtime *rt, struct hotspot_prep *p)
{
	uint64_t unloaded = 0;
	int err = 0;

	memset(p, 0, sizeof(*p));
	if (!(rt->vmstructs_ok && rt->vmstructs_ints_ok))
		err = -ENOENT;
	if (!err)
		err = hotspot_cfg_read(&rt->mem, &rt->vs, &p->cfg);
	if (!err)
		err = java_frames_new(&rt->mem, &rt->vs, &p->java);
	/* Class unloading is what lets another method reuse a Method*'s
	 * address: the BPF side follows this counter (optional). */
	if (!err && !hotspot_perfdata_find(&rt->mem, &rt->vs, "java.cls.unloadedClasses", &unloaded))
		p->unloaded_addr = unloaded;
	p->err = err;
	return err;
}

int hotspot_prep_build(pid_t pid, bool unwind, struct hotspot_prep **out)
{
	struct hotspot_prep *p = calloc(1, sizeof(*p));
	struct jvm_runtime *rt = calloc(1, sizeof(*rt));
	int err;

	if (!p || !rt) {
		free(p);
		free(rt);
		return -ENOMEM;
	}
	err = jvm_runtime_open(pid, rt);
	if (err) {
		free(rt);
		p->err = err;
	} else {
		if (unwind)
			hotspot_prep_fill(rt, p);
		p->rt = rt;
	}
	*out = p;
	return 0;
}

bool hotspot_prep_retry(int err, unsigned int tries)
{
	return err == -ENOENT && tries < HOTSPOT_TRIES;
}

int hotspot_prep_install(struct hotspot_prep *p, struct target *t)
{
	/* Kept even when unwinding stays off: the warning names what its
	 * vmStructs lack. */
	if (p->rt && !t->runtime) {
		t->runtime = p->rt;
		p->rt = NULL;
	}
	if (p->err)
		return p->err;
	t->hs_cfg = p->cfg;
	t->hs_cfg.unloaded_addr = p->unloaded_addr;
	if (!t->java) {
		t->java = p->java;
		p->java = NULL;
	}
	java_frames_set_codecache(t->java, &t->hs_cfg);
	return 0;
}

void hotspot_prep_free(struct hotspot_prep *p)
{
	if (!p)
		return;
	java_frames_free(p->java);
	if (p->rt)
		jvm_runtime_close(p->rt);
	free(p->rt);
	free(p);
}
