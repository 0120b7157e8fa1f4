// SPDX-License-Identifier: GPL-2.0
#include "flamegraph/palette.h"

#include <math.h>
#include <string.h>

static struct rgb rgb_of(double r, double g, double b)
{
	return (struct rgb){ (uint8_t)r, (uint8_t)g, (uint8_t)b };
}

static struct rgb java_color(enum profile_frame_kind kind, const char *name, double v)
{
	size_t len = strlen(name);

	switch (kind) {
	case PROFILE_FRAME_JIT: return rgb_of(50 + 60 * v, 200 + 55 * v, 50 + 60 * v);
	case PROFILE_FRAME_INLINED: return rgb_of(80 + 60 * v, 200 + 55 * v, 200 + 55 * v);
	case PROFILE_FRAME_KERNEL: return rgb_of(230 + 25 * v, 140 + 40 * v, 30 + 30 * v);
	case PROFILE_FRAME_INTERPRETED: return rgb_of(150 + 40 * v, 120 + 40 * v, 220 + 35 * v);
	default: break;
	}
	/* "[unknown] (libfoo.so)" is native code, not a root frame. */
	if (kind == PROFILE_FRAME_NATIVE && len >= 2 && name[0] == '[' && name[len - 1] == ']')
		return rgb_of(170 + 30 * v, 170 + 30 * v, 180 + 30 * v);
	if (strstr(name, "::"))
		return rgb_of(200 + 55 * v, 200 + 55 * v, 50 + 30 * v);
	return rgb_of(200 + 55 * v, 50 + 60 * v, 50 + 60 * v);
}

struct rgb palette_color(enum flamegraph_palette pal, enum profile_frame_kind kind,
			 const char *name, double v)
{
	switch (pal) {
	case PALETTE_JAVA: return java_color(kind, name, v);
	case PALETTE_MEM: return rgb_of(0, 190 + 50 * v, 210 * v);
	case PALETTE_IO: return rgb_of(80 + 60 * v, 80 + 60 * v, 190 + 55 * v);
	case PALETTE_HOT: break;
	}
	return rgb_of(205 + 50 * v, 230 * v, 55 * v);
}

double palette_name_hash(const char *name)
{
	uint32_t h = 2166136261u;

	/* The Java suffix and the module would otherwise weigh in; the
	 * function name decides the shade. */
	for (const char *s = name; *s && *s != '('; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return (double)(h % 1000) / 1000.0;
}

struct rgb palette_diff(double delta, double max_abs_delta)
{
	double t = max_abs_delta > 0 ? fabs(delta) / max_abs_delta : 0;
	double fade;

	if (t > 1)
		t = 1;
	fade = 220 * (1 - t);
	if (delta > 0)
		return rgb_of(255, fade, fade);
	if (delta < 0)
		return rgb_of(fade, fade, 255);
	return rgb_of(235, 235, 235);
}
