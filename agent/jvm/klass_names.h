// SPDX-License-Identifier: GPL-2.0
/* Names of Java classes from HotSpot Klass pointers: Klass::_name is a
 * Symbol (length + bytes) in the internal form ("java/lang/String", "[B"),
 * read from the target with the offsets its vmStructs give. */
#ifndef TMPROF_AGENT_KLASS_NAMES_H
#define TMPROF_AGENT_KLASS_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "symbolize/target_mem.h"

struct vmstructs;

struct klass_names {
	struct mem_reader mem;
	uint64_t name_off, length_off, body_off;
	struct klass_entry *slots; /* open addressing by Klass address */
	size_t mask, used;
	size_t name_bytes;         /* held by the names */
};

/* Classes named per target at most: a process can load classes without
 * end (or make up Klass pointers); past this, new ones stay unnamed until
 * the daemon clears the table (klass_names_clear, after a period). */
#define KLASS_NAMES_MAX 65536

/* -ENOENT if the vmStructs lack Klass::_name, Symbol::_length or _body. */
int klass_names_init(struct klass_names *kn, const struct mem_reader *mem,
		     const struct vmstructs *vs);
void klass_names_free(struct klass_names *kn);

/* Java name of the class at klass ("byte[]", "java.lang.String"), cached
 * per Klass (a Klass does not change its name while it lives); NULL if it
 * cannot be read. */
const char *klass_names_get(struct klass_names *kn, uint64_t klass);
/* The cached name only (NULL: not read yet); never reads the target. */
const char *klass_names_cached(const struct klass_names *kn, uint64_t klass);

/* Memory held (table and names). */
size_t klass_names_memory(const struct klass_names *kn);
/* Forget every name (they are freed: none may be held). */
void klass_names_clear(struct klass_names *kn);

/* Internal form to Java form: "[[I" → "int[][]", "[Ljava/lang/String;" →
 * "java.lang.String[]", "a/b/C$D" → "a.b.C$D". Writes at most len bytes
 * (NUL included); -EINVAL for a malformed descriptor. */
int java_class_name(const char *internal, size_t n, char *out, size_t len);

#endif
