// SPDX-License-Identifier: GPL-2.0
#include "agent/jvm/klass_names.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize/vmstructs.h"

#define CLASS_NAME_MAX 1024

struct klass_entry {
	uint64_t klass;
	char *name;
};

static const char *primitive_name(char c)
{
	switch (c) {
	case 'B': return "byte";
	case 'C': return "char";
	case 'D': return "double";
	case 'F': return "float";
	case 'I': return "int";
	case 'J': return "long";
	case 'S': return "short";
	case 'Z': return "boolean";
	default: return NULL;
	}
}

int java_class_name(const char *internal, size_t n, char *out, size_t len)
{
	size_t dims = 0, w = 0;
	const char *base = internal, *prim = NULL;
	size_t base_len;

	while (dims < n && internal[dims] == '[')
		dims++;
	base = internal + dims;
	base_len = n - dims;
	if (dims) {
		if (base_len == 1 && (prim = primitive_name(base[0])) != NULL) {
			base = prim;
			base_len = strlen(prim);
		} else if (base_len >= 3 && base[0] == 'L' && base[base_len - 1] == ';') {
			base++;
			base_len -= 2;
		} else {
			return -EINVAL;
		}
	}
	if (!base_len || len < 2)
		return -EINVAL;
	for (size_t i = 0; i < base_len && w + 1 < len; i++) {
		char c = base[i];

		if ((unsigned char)c < 0x20)
			return -EINVAL;
		out[w++] = c == '/' ? '.' : c;
	}
	for (size_t d = 0; d < dims && w + 2 < len; d++) {
		out[w++] = '[';
		out[w++] = ']';
	}
	out[w] = '\0';
	return 0;
}

int klass_names_init(struct klass_names *kn, const struct mem_reader *mem,
		     const struct vmstructs *vs)
{
	memset(kn, 0, sizeof(*kn));
	kn->mem = *mem;
	if (vmstructs_offset(vs, "Klass", "_name", &kn->name_off) ||
	    vmstructs_offset(vs, "Symbol", "_length", &kn->length_off) ||
	    (vmstructs_offset(vs, "Symbol", "_body", &kn->body_off) &&
	     vmstructs_offset(vs, "Symbol", "_body[0]", &kn->body_off)))
		return -ENOENT;
	kn->slots = calloc(256, sizeof(*kn->slots));
	if (!kn->slots)
		return -ENOMEM;
	kn->mask = 255;
	return 0;
}

void klass_names_free(struct klass_names *kn)
{
	for (size_t i = 0; kn->slots && i <= kn->mask; i++)
		free(kn->slots[i].name);
	free(kn->slots);
	memset(kn, 0, sizeof(*kn));
}

size_t klass_names_memory(const struct klass_names *kn)
{
	return kn && kn->slots ? (kn->mask + 1) * sizeof(*kn->slots) + kn->name_bytes : 0;
}

void klass_names_clear(struct klass_names *kn)
{
	struct klass_entry *fresh;

	if (!kn->slots)
		return;
	fresh = calloc(256, sizeof(*fresh));
	if (!fresh)
		return; /* keep the old table: no worse than before */
	for (size_t i = 0; i <= kn->mask; i++)
		free(kn->slots[i].name);
	free(kn->slots);
	kn->slots = fresh;
	kn->mask = 255;
	kn->used = 0;
	kn->name_bytes = 0;
}

static char *read_name(struct klass_names *kn, uint64_t klass)
{
	char raw[CLASS_NAME_MAX], java[CLASS_NAME_MAX + 64];
	uint64_t sym;
	uint16_t length;

	if (mem_read_u64(&kn->mem, klass + kn->name_off, &sym) || !sym ||
	    kn->mem.read(kn->mem.ctx, sym + kn->length_off, &length, sizeof(length)) ||
	    length == 0 || length >= sizeof(raw) ||
	    kn->mem.read(kn->mem.ctx, sym + kn->body_off, raw, length))
		return NULL;
	if (java_class_name(raw, length, java, sizeof(java)))
		return NULL;
	return strdup(java);
}

static size_t slot_of(uint64_t klass, size_t mask)
{
	return (size_t)((klass >> 3) * 0x9e3779b97f4a7c15ULL >> 17) & mask;
}

static int grow(struct klass_names *kn)
{
	size_t cap = (kn->mask + 1) * 2;
	struct klass_entry *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i <= kn->mask; i++) {
		size_t pos;

		if (!kn->slots[i].klass)
			continue;
		for (pos = slot_of(kn->slots[i].klass, cap - 1); slots[pos].klass;
		     pos = (pos + 1) & (cap - 1))
			;
		slots[pos] = kn->slots[i];
	}
	free(kn->slots);
	kn->slots = slots;
	kn->mask = cap - 1;
	return 0;
}

const char *klass_names_cached(const struct klass_names *kn, uint64_t klass)
{
	if (!klass || !kn->slots)
		return NULL;
	for (size_t pos = slot_of(klass, kn->mask); kn->slots[pos].klass; pos = (pos + 1) & kn->mask)
		if (kn->slots[pos].klass == klass)
			return kn->slots[pos].name;
	return NULL;
}

const char *klass_names_get(struct klass_names *kn, uint64_t klass)
{
	size_t pos;
	char *name;

	if (!klass || !kn->slots)
		return NULL;
	for (pos = slot_of(klass, kn->mask); kn->slots[pos].klass; pos = (pos + 1) & kn->mask)
		if (kn->slots[pos].klass == klass)
			return kn->slots[pos].name;
	if (kn->used >= KLASS_NAMES_MAX)
		return NULL;
	name = read_name(kn, klass);
	if (!name)
		return NULL; /* not cached: a later read may succeed */
	kn->slots[pos].klass = klass;
	kn->slots[pos].name = name;
	kn->name_bytes += strlen(name) + 1;
	if (++kn->used * 2 > kn->mask + 1 && grow(kn))
		return NULL;
	return name;
}
