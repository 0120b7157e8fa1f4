// SPDX-License-Identifier: GPL-2.0
/* Kernel symbols from /proc/kallsyms.
 *
 * All symbols are kept as boundaries, but only text symbols (t, T, w, W)
 * can be returned: an address just past the last function of a region lands
 * on the following data symbol instead of being blamed on that function.
 */
#include "symbolize/ksyms.h"

#include "symbolize/safe_open.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* No kernel function is anywhere near this large; beyond it an address is in
 * a gap (module area, unknown code) rather than in the preceding function. */
#define KSYMS_MAX_FUNC_SIZE (1u << 20)
#define KSYMS_MAX_FILE (256u << 20)

struct ksym {
	uint64_t addr;
	uint32_t name;  /* offset into names */
	uint32_t order; /* line number, for a stable sort */
	bool text;
};

struct ksyms {
	struct ksym *syms;
	size_t count;
	char *names;
};

static bool type_is_text(char type)
{
	return type == 't' || type == 'T' || type == 'w' || type == 'W';
}

static int ksym_compare(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* At one address a function beats a data alias. */
	if (x->text != y->text)
		return x->text ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Parse one line "ADDR TYPE NAME [module]" into its fields. */
static bool line_split(const char *line, size_t len, uint64_t *addr, char *type,
		       const char **name, size_t *name_len)
{
	size_t i = 0, digits = 0;
	uint64_t value = 0;

	for (; i < len && line[i] != ' '; i++, digits++) {
		char c = line[i];
		int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return false;
		if (digits >= 16)
			return false;
		value = value << 4 | (uint64_t)d;
	}
	if (digits == 0 || i + 3 > len || line[i] != ' ' || line[i + 2] != ' ')
		return false;
	*type = line[i + 1];
	i += 3;
	*name = line + i;
	while (i < len && line[i] != ' ' && line[i] != '\t')
		i++;
	*name_len = (size_t)(line + i - *name);
	*addr = value;
	return *name_len > 0;
}

int ksyms_parse(const char *text, size_t len, struct ksyms **out)
{
	struct ksyms *ks = NULL;
	size_t cap = 0, names_len = 0, pos = 0, kept;
	bool any_nonzero = false;
	uint32_t order = 0;
	int ret = 0;

	*out = NULL;
	if (len > UINT32_MAX)
		return -EFBIG;
	ks = calloc(1, sizeof(*ks));
	if (!ks)
		return -ENOMEM;
	/* Names are never longer than the text they come from. */
	ks->names = malloc(len + 1);
	if (!ks->names) {
		ret = -ENOMEM;
		goto cleanup;
	}
	while (pos < len) {
		const char *line = text + pos, *nl, *name;
		size_t line_len, name_len;
		uint64_t addr;
		char type;

		nl = memchr(line, '\n', len - pos);
		line_len = nl ? (size_t)(nl - line) : len - pos;
		pos += line_len + 1;
		if (!line_split(line, line_len, &addr, &type, &name, &name_len))
			continue;
		if (memchr(name, '\0', name_len))
			continue;
		if (ks->count == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			struct ksym *n = realloc(ks->syms, ncap * sizeof(*n));

			if (!n) {
				ret = -ENOMEM;
				goto cleanup;
			}
			ks->syms = n;
			cap = ncap;
		}
		ks->syms[ks->count].addr = addr;
		ks->syms[ks->count].name = (uint32_t)names_len;
		ks->syms[ks->count].order = order++;
		ks->syms[ks->count].text = type_is_text(type);
		ks->count++;
		memcpy(ks->names + names_len, name, name_len);
		names_len += name_len;
		ks->names[names_len++] = '\0';
		if (type_is_text(type) && addr != 0)
			any_nonzero = true;
	}
	if (!any_nonzero) {
		/* kptr_restrict shows every address as 0 to unprivileged readers;
		 * an empty table would make every kernel frame unknown. */
		ret = ks->count ? -EPERM : -ENOENT;
		goto cleanup;
	}
	qsort(ks->syms, ks->count, sizeof(*ks->syms), ksym_compare);
	/* Keep one symbol per address (the sort put the preferred one first). */
	kept = 0;
	for (size_t i = 0; i < ks->count; i++) {
		if (kept && ks->syms[kept - 1].addr == ks->syms[i].addr)
			continue;
		ks->syms[kept++] = ks->syms[i];
	}
	ks->count = kept;
	*out = ks;
	ks = NULL;
cleanup:
	ksyms_free(ks);
	return ret;
}

int ksyms_load(struct ksyms **out)
{
	char *text = NULL;
	size_t len = 0;
	int fd, ret;

	*out = NULL;
	fd = open("/proc/kallsyms", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = read_fd_all(fd, KSYMS_MAX_FILE, &text, &len);
	close(fd);
	if (ret < 0)
		goto cleanup;
	ret = ksyms_parse(text, len, out);
cleanup:
	free(text);
	return ret;
}

const char *ksyms_lookup(const struct ksyms *ks, uint64_t addr, uint64_t *offset)
{
	size_t lo = 0, hi;
	const struct ksym *sym;

	if (!ks || ks->count == 0)
		return NULL;
	/* Find the last symbol whose address is <= addr. */
	hi = ks->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	sym = &ks->syms[lo - 1];
	if (!sym->text || addr - sym->addr >= KSYMS_MAX_FUNC_SIZE)
		return NULL;
	if (offset)
		*offset = addr - sym->addr;
	return ks->names + sym->name;
}

void ksyms_free(struct ksyms *ks)
{
	if (!ks)
		return;
	free(ks->syms);
	free(ks->names);
	free(ks);
}
