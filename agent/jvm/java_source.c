// SPDX-License-Identifier: GPL-2.0
#include "agent/jvm/java_source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/collect/hotspot_unwind.h"
#include "agent/jvm/jvm_runtime.h"
#include "agent/core/session.h"
#include "symbolize/java_frames.h"
#include "symbolize/proc_maps.h"

/* The jcmd command name as libjvm's DCmd table spells it. */
#define PERFMAP_DCMD "Compiler.perfmap"

const char *java_source_name(enum java_source source)
{
	switch (source) {
	case JAVA_SOURCE_HOTSPOT:
		return "hotspot";
	case JAVA_SOURCE_PERFMAP:
		return "perfmap";
	case JAVA_SOURCE_NONE:
		return "none";
	default:
		return "?";
	}
}

void java_source_decide(int hotspot_err, bool has_perfmap, bool attach_disabled,
			struct java_source_info *out)
{
	const char *hs = session_hotspot_error(hotspot_err);

	memset(out, 0, sizeof(*out));
	if (!hotspot_err) {
		out->source = JAVA_SOURCE_HOTSPOT;
		return;
	}
	if (has_perfmap && !attach_disabled) {
		out->source = JAVA_SOURCE_PERFMAP;
		snprintf(out->why, sizeof(out->why), "HotSpot unwinding off: %s", hs);
		return;
	}
	out->source = JAVA_SOURCE_NONE;
	snprintf(out->why, sizeof(out->why), "HotSpot unwinding off: %s; %s", hs,
		 !has_perfmap ? "no Compiler.perfmap in this JDK (JDK 17+)"
			      : "attach disabled (-XX:+DisableAttachMechanism), so no perf map");
}

int java_source_fd_has(int fd, const char *needle)
{
	struct stat st;
	void *map;
	int found;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size <= 0)
		return -EINVAL;
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	found = memmem(map, (size_t)st.st_size, needle, strlen(needle)) != NULL;
	munmap(map, (size_t)st.st_size);
	return found;
}

/* Does the libjvm.so pid maps know the Compiler.perfmap command? Opened
 * through the mapping, so a JVM in another root or mount namespace works. */
static int libjvm_has_perfmap(pid_t pid)
{
	struct proc_maps *pm = NULL;
	int fd = -1, has = -ENOENT;

	if (proc_maps_read(pid, &pm))
		return -ESRCH;
	for (size_t i = 0; i < pm->count; i++) {
		const char *path = pm->maps[i].path;
		size_t n = strlen(path);

		if (n < 10 || strcmp(path + n - 10, "/libjvm.so"))
			continue;
		fd = proc_map_open(pid, &pm->maps[i]);
		has = fd < 0 ? fd : java_source_fd_has(fd, PERFMAP_DCMD);
		break;
	}
	if (fd >= 0)
		close(fd);
	proc_maps_free(pm);
	return has;
}

/* What hotspot_attach (agent/core/session.c) would find: the unwinder's
 * configuration and the namer's layouts, from the JVM's vmStructs. */
static int java_source_probe_hotspot(const struct jvm_runtime *rt)
{
	struct hotspot_cfg cfg;
	struct java_frames *jf = NULL;
	int err;

	if (!rt->vmstructs_ok || !rt->vmstructs_ints_ok)
		return -ENOENT;
	err = hotspot_cfg_read(&rt->mem, &rt->vs, &cfg);
	if (!err)
		err = java_frames_new(&rt->mem, &rt->vs, &jf);
	java_frames_free(jf);
	return err;
}

void java_source_probe(const struct jvm_info *j, struct java_source_info *out)
{
	struct jvm_runtime rt;
	int err, has;

	memset(out, 0, sizeof(*out));
	err = jvm_runtime_open(j->pid, &rt);
	if (err) {
		snprintf(out->why, sizeof(out->why), "cannot read the process: %s", strerror(-err));
		jvm_runtime_close(&rt);
		return;
	}
	has = libjvm_has_perfmap(j->pid);
	java_source_decide(java_source_probe_hotspot(&rt), has > 0, j->attach_disabled, out);
	jvm_runtime_close(&rt);
}
