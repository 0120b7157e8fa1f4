// SPDX-License-Identifier: GPL-2.0
#include "symbolize/word_resolve.h"

#include <errno.h>
#include <string.h>

#include "bpf/hotspot.h"
#include "symbolize/java_frames.h"
#include "symbolize/resolver.h"

/* The perf map's name for a compiled pc against the one read from the
 * JVM's memory: a running cross-check of both paths. */
static void perf_map_cross_check(const struct word_resolver *w, uint64_t pc, const char *name)
{
	struct frame_sym fs;

	process_symbolizer_resolve_user(w->sym, pc, &fs);
	if (fs.kind != FRAME_JIT)
		return; /* no perf map, or it does not cover pc */
	if (!strcmp(fs.name, name)) {
		if (w->perfmap_agree)
			(*w->perfmap_agree)++;
	} else if (w->perfmap_differ) {
		(*w->perfmap_differ)++;
	}
}

/* A compiled frame the JVM's memory could not name (nmethod header
 * unreadable): the perf map's name for its pc, if it has one. Not for
 * stale frames: the perf map may name what lives at the address now. */
static bool perf_map_fallback(const struct word_resolver *w, uint64_t word, struct frame_sym *out)
{
	if (!hs_frame_is_compiled(word) || !w->java)
		return false;
	process_symbolizer_resolve_user(
		w->sym, hs_compiled_pc(word, java_frames_codecache(w->java)->codecache_low), out);
	return out->kind == FRAME_JIT;
}

/* Shown as "[unknown] (why)". */
static const char *java_unnamed_why(const char *name)
{
	if (name && !strcmp(name, JAVA_FRAME_STALE))
		return "stale nmethod";
	if (name && !strcmp(name, JAVA_FRAME_UNREADABLE))
		return "unreadable nmethod";
	if (name && !strcmp(name, JAVA_FRAME_UNKNOWN_METHOD))
		return "unreadable Java method";
	return "java";
}

size_t word_resolve(const struct word_resolver *w, uint64_t word, bool leaf, uint32_t epoch,
		    struct frame_sym *out, size_t max)
{
	struct java_frame jf[RESOLVER_MAX_INLINED];
	/* A compiled word names other frames as a leaf (nearest debug info)
	 * than as a return address (exact): both go in the memo. */
	uint32_t memo_key = epoch | (leaf ? 1u << 31 : 0);
	size_t n;
	int r;

	if (!max || hs_frame_is_epoch(word))
		return 0;
	if (!hs_frame_is_java(word)) {
		/* Return addresses point after the call; look up the call itself. */
		if (!w->cached_only)
			process_symbolizer_resolve_user(w->sym, leaf ? word : word - 1, &out[0]);
		else if (!process_symbolizer_resolve_user_cached(w->sym, leaf ? word : word - 1, &out[0]) &&
			 w->cheap)
			(*w->cheap)++;
		return 1;
	}
	n = w->memo ? frame_memo_get(w->memo, word, memo_key, out, max) : 0;
	if (n)
		return n;
	if (w->cached_only) {
		out[0] = (struct frame_sym){ .module = "not named in time", .kind = FRAME_UNKNOWN };
		if (w->cheap)
			(*w->cheap)++;
		return 1;
	}
	/* Reading the JVM's memory now names what lives there now: only the
	 * same thing as at the sample while no class was unloaded since. */
	if (epoch != w->epoch_now) {
		out[0] = (struct frame_sym){ .module = "class unloaded before naming",
					     .kind = FRAME_UNKNOWN };
		return 1;
	}
	r = w->java ? java_frames_resolve(w->java, word, leaf, jf,
					  max < RESOLVER_MAX_INLINED ? max : RESOLVER_MAX_INLINED)
		    : -ENOENT;
	if (r <= 0 || (r == 1 && jf[0].kind == FRAME_UNKNOWN)) {
		if ((r <= 0 || strcmp(jf[0].name, JAVA_FRAME_STALE)) && perf_map_fallback(w, word, &out[0]))
			return 1;
		out[0] = (struct frame_sym){ .module = java_unnamed_why(r > 0 ? jf[0].name : NULL),
					     .kind = FRAME_UNKNOWN };
		return 1;
	}
	/* Classes unloaded while we read: what we read may be a newcomer's. */
	if (w->epoch_unchanged && !w->epoch_unchanged(w->epoch_ctx)) {
		out[0] = (struct frame_sym){ .module = "class unloaded before naming",
					     .kind = FRAME_UNKNOWN };
		return 1;
	}
	for (int i = 0; i < r; i++)
		out[i] = (struct frame_sym){ .name = jf[i].name, .module = "[java]", .kind = jf[i].kind };
	if (w->memo)
		frame_memo_put(w->memo, word, memo_key, out, (size_t)r);
	if (hs_frame_is_compiled(word) && jf[0].kind == FRAME_JIT)
		perf_map_cross_check(w, hs_compiled_pc(word, java_frames_codecache(w->java)->codecache_low) -
						(leaf ? 0 : 1), jf[0].name);
	return (size_t)r;
}
