// SPDX-License-Identifier: GPL-2.0
#include "symbolize/hotspot_method.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* UNSIGNED5 (JDK 17 compressedStream.hpp): lg_H = 6, H = 64, L = 256 - H. */
#define U5_LG_H 6
#define U5_L 192
#define U5_MAX_BYTES 5

/* Bounds for what hostile memory may claim. Class and method names longer
 * than this are not worth a frame name; signatures of generated code can be
 * long. */
#define SYMBOL_MAX 8192
/* A line number table is a few bytes per source line; a ConstMethod that
 * claims more than this is not believed. */
#define LINE_TABLE_MAX_BYTES (64u * 1024)
#define LINE_PAIRS_MAX 16384

/* JDK 17 constMethod.hpp: _has_linenumber_table = 0x0001 (also bit 0 of
 * ConstMethodFlags since JDK 21). Used only when the target does not export
 * ConstMethod::_has_linenumber_table in gHotSpotVMIntConstants. */
#define HAS_LINENUMBER_TABLE_FALLBACK 0x0001

static int mem_rd(const struct mem_reader *m, uint64_t addr, void *buf, size_t len)
{
	if (!addr)
		return -EFAULT;
	return m->read(m->ctx, addr, buf, len);
}

int hotspot_method_layout_init(struct hotspot_method_layout *l, const struct vmstructs *vs)
{
	int32_t flag;

	memset(l, 0, sizeof(*l));
	if (vmstructs_offset(vs, "Method", "_constMethod", &l->method_const_method) ||
	    vmstructs_offset(vs, "ConstMethod", "_constants", &l->cm_constants) ||
	    vmstructs_offset(vs, "ConstMethod", "_constMethod_size", &l->cm_size) ||
	    /* JDK 21 made the flags a ConstMethodFlags (its u4 _flags). */
	    (vmstructs_offset(vs, "ConstMethod", "_flags", &l->cm_flags) &&
	     vmstructs_offset(vs, "ConstMethod", "_flags._flags", &l->cm_flags)) ||
	    vmstructs_offset(vs, "ConstMethod", "_code_size", &l->cm_code_size) ||
	    vmstructs_offset(vs, "ConstMethod", "_name_index", &l->cm_name_index) ||
	    vmstructs_offset(vs, "ConstMethod", "_signature_index", &l->cm_signature_index) ||
	    vmstructs_offset(vs, "ConstMethod", "_method_idnum", &l->cm_method_idnum) ||
	    vmstructs_type_size(vs, "ConstMethod", &l->const_method_size) ||
	    vmstructs_offset(vs, "ConstantPool", "_pool_holder", &l->cp_pool_holder) ||
	    vmstructs_offset(vs, "ConstantPool", "_length", &l->cp_length) ||
	    vmstructs_type_size(vs, "ConstantPool", &l->cp_size) ||
	    vmstructs_offset(vs, "Klass", "_name", &l->klass_name) ||
	    vmstructs_offset(vs, "Symbol", "_length", &l->symbol_length) ||
	    (vmstructs_offset(vs, "Symbol", "_body", &l->symbol_body) &&
	     vmstructs_offset(vs, "Symbol", "_body[0]", &l->symbol_body)))
		return -ENOENT;
	/* The headers are read whole, then picked apart: fields must lie in
	 * them. */
	if (!l->const_method_size || l->const_method_size > 4096 || !l->cp_size ||
	    l->cp_size > 4096)
		return -EINVAL;
	l->has_linenumber_table = HAS_LINENUMBER_TABLE_FALLBACK;
	if ((!vmstructs_int_constant(vs, "ConstMethod::_has_linenumber_table", &flag) ||
	     !vmstructs_int_constant(vs, "ConstMethodFlags::_misc_has_linenumber_table", &flag)) &&
	    flag > 0 && flag <= 0xffff)
		l->has_linenumber_table = (uint32_t)flag;
	return 0;
}

int hotspot_hdr_get(const uint8_t *hdr, size_t hdr_len, uint64_t off, void *out, size_t len)
{
	if (off > hdr_len || len > hdr_len - off)
		return -EINVAL;
	memcpy(out, hdr + off, len);
	return 0;
}

static int read_symbol_ptr_at(const struct mem_reader *mem, uint64_t addr, uint64_t *sym)
{
	int err = mem_read_u64(mem, addr, sym);

	if (err)
		return err;
	return *sym ? 0 : -EINVAL;
}

int hotspot_method_read_id(const struct mem_reader *mem, const struct hotspot_method_layout *l,
			   uint64_t method, struct hotspot_method_id *out)
{
	uint8_t cm[4096], cp[4096];
	uint16_t flags16;
	int32_t cp_len, cm_words;
	int err;

	memset(out, 0, sizeof(*out));
	if (!method)
		return -EINVAL;
	err = mem_rd(mem, method + l->method_const_method, &out->const_method, 8);
	if (err)
		return err;
	err = mem_rd(mem, out->const_method, cm, l->const_method_size);
	if (err)
		return err;
	/* _flags is u2 in JDK 17 (u4 later); the low half holds the bit on
	 * little-endian targets either way. */
	if (hotspot_hdr_get(cm, l->const_method_size, l->cm_constants, &out->constants, 8) ||
	    hotspot_hdr_get(cm, l->const_method_size, l->cm_size, &cm_words, 4) ||
	    hotspot_hdr_get(cm, l->const_method_size, l->cm_flags, &flags16, 2) ||
	    hotspot_hdr_get(cm, l->const_method_size, l->cm_code_size, &out->code_size, 2) ||
	    hotspot_hdr_get(cm, l->const_method_size, l->cm_name_index, &out->name_index, 2) ||
	    hotspot_hdr_get(cm, l->const_method_size, l->cm_signature_index,
			    &out->signature_index, 2) ||
	    hotspot_hdr_get(cm, l->const_method_size, l->cm_method_idnum, &out->idnum, 2))
		return -EINVAL;
	out->flags = flags16;
	if (cm_words <= 0 || !out->constants)
		return -EINVAL;
	out->cm_words = (uint32_t)cm_words;
	err = mem_rd(mem, out->constants, cp, l->cp_size);
	if (err)
		return err;
	if (hotspot_hdr_get(cp, l->cp_size, l->cp_pool_holder, &out->holder, 8) ||
	    hotspot_hdr_get(cp, l->cp_size, l->cp_length, &cp_len, 4))
		return -EINVAL;
	if (!out->holder || cp_len <= 0 || out->name_index == 0 || out->name_index >= cp_len ||
	    out->signature_index == 0 || out->signature_index >= cp_len)
		return -EINVAL;
	err = read_symbol_ptr_at(mem, out->constants + l->cp_size + 8ULL * out->name_index,
				 &out->name);
	if (!err)
		err = read_symbol_ptr_at(mem,
					 out->constants + l->cp_size + 8ULL * out->signature_index,
					 &out->signature);
	if (!err)
		err = read_symbol_ptr_at(mem, out->holder + l->klass_name, &out->holder_name);
	return err;
}

bool hotspot_method_id_equal(const struct hotspot_method_id *a, const struct hotspot_method_id *b)
{
	return a->const_method == b->const_method && a->constants == b->constants &&
	       a->holder == b->holder && a->holder_name == b->holder_name && a->name == b->name &&
	       a->signature == b->signature && a->name_index == b->name_index &&
	       a->signature_index == b->signature_index && a->code_size == b->code_size &&
	       a->idnum == b->idnum && a->flags == b->flags && a->cm_words == b->cm_words;
}

/* A Symbol's bytes (not NUL-terminated in the JVM) into buf as a string. */
static int read_symbol(const struct mem_reader *mem, const struct hotspot_method_layout *l,
		       uint64_t sym, char *buf, size_t max, size_t *n)
{
	uint16_t len;
	int err = mem_rd(mem, sym + l->symbol_length, &len, sizeof(len));

	if (err)
		return err;
	if (len == 0 || len >= max)
		return -EINVAL;
	err = mem_rd(mem, sym + l->symbol_body, buf, len);
	if (err)
		return err;
	buf[len] = '\0';
	/* Symbols are modified UTF-8 without NULs; control bytes mean we are
	 * not looking at a Symbol. */
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)buf[i] < 0x20)
			return -EINVAL;
	*n = len;
	return 0;
}

void hotspot_java_class_name(const char *internal, size_t n, char *out, size_t len)
{
	const char *hidden = NULL;
	size_t w = 0;

	if (!len)
		return;
	/* Hidden classes: JDK 17 names them "pkg/Foo$$Lambda$14+0x0000000800c01234"
	 * inside the VM and "pkg.Foo$$Lambda$14/0x0000000800c01234" outside
	 * (Class.getName, perf maps); '+' is no Java identifier character. */
	for (size_t i = n; i-- > 0;) {
		if (internal[i] == '/')
			break;
		if (internal[i] == '+' && i + 2 < n && internal[i + 1] == '0' && internal[i + 2] == 'x') {
			hidden = internal + i;
			break;
		}
	}
	for (size_t i = 0; i < n && w + 1 < len; i++) {
		char c = internal[i];

		out[w++] = internal + i == hidden ? '/' : c == '/' ? '.' : c;
	}
	out[w] = '\0';
}

int hotspot_unsigned5_read(const uint8_t *buf, size_t len, size_t *pos, uint32_t *out)
{
	return hotspot_unsigned5_read_x(buf, len, pos, 0, out);
}

/* JDK 20 (utilities/unsigned5.hpp) excluded the zero byte: every byte
 * carries its digit plus X = 1, so L = 256 - 64 - X low bytes. */
int hotspot_unsigned5_read_x(const uint8_t *buf, size_t len, size_t *pos, unsigned excluded,
			     uint32_t *out)
{
	const uint32_t x = excluded ? 1 : 0, low = U5_L - x;
	uint32_t sum = 0;
	unsigned shift = 0;

	for (int i = 0; i < U5_MAX_BYTES; i++) {
		uint32_t b;

		if (*pos + i >= len)
			return -EINVAL;
		b = buf[*pos + i];
		if (b < x)
			return -EINVAL; /* an excluded byte is never written */
		sum += (b - x) << shift;
		/* A low byte ends the value; the fifth byte always does. */
		if (b - x < low || i == U5_MAX_BYTES - 1) {
			*pos += i + 1;
			*out = sum;
			return 0;
		}
		shift += U5_LG_H;
	}
	return -EINVAL; /* not reached */
}

/* CompressedReadStream::read_signed_int: zig-zag over UNSIGNED5. */
static int read_signed(const uint8_t *buf, size_t len, size_t *pos, unsigned excluded,
		       int32_t *out)
{
	uint32_t v;
	int err = hotspot_unsigned5_read_x(buf, len, pos, excluded, &v);

	if (err)
		return err;
	*out = (int32_t)(v >> 1) ^ -(int32_t)(v & 1);
	return 0;
}

int hotspot_line_table_decode(const uint8_t *buf, size_t len, size_t max,
			      struct hotspot_line **out, size_t *n)
{
	return hotspot_line_table_decode_x(buf, len, max, 0, out, n);
}

int hotspot_line_table_decode_x(const uint8_t *buf, size_t len, size_t max, unsigned excluded,
				struct hotspot_line **out, size_t *n)
{
	struct hotspot_line *lines = NULL;
	size_t count = 0, cap = 0, pos = 0;
	int64_t bci = 0, line = 0;

	*out = NULL;
	*n = 0;
	while (pos < len && count < max) {
		uint8_t next = buf[pos++];
		int32_t dbci, dline;

		if (next == 0)
			break;
		if (next == 0xff) {
			/* Escape: both deltas as signed UNSIGNED5. */
			if (read_signed(buf, len, &pos, excluded, &dbci) ||
			    read_signed(buf, len, &pos, excluded, &dline))
				break;
		} else {
			dbci = next >> 3;
			dline = next & 7;
		}
		bci += dbci;
		line += dline;
		/* Both are u2 in a class file: anything else is not a table. */
		if (bci < 0 || bci > 0xffff || line < 0 || line > 0xffff)
			break;
		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct hotspot_line *grown = realloc(lines, ncap * sizeof(*lines));

			if (!grown) {
				free(lines);
				return -ENOMEM;
			}
			lines = grown;
			cap = ncap;
		}
		lines[count].bci = (uint16_t)bci;
		lines[count].line = (uint16_t)line;
		count++;
	}
	*out = lines;
	*n = count;
	return 0;
}

static int read_lines(const struct mem_reader *mem, const struct hotspot_method_layout *l,
		      struct hotspot_method_info *m)
{
	uint64_t start = l->const_method_size + m->id.code_size;
	uint64_t end = (uint64_t)m->id.cm_words * 8;
	uint8_t *buf;
	size_t len;
	int err;

	if (!(m->id.flags & l->has_linenumber_table))
		return 0;
	if (end <= start)
		return -EINVAL;
	len = end - start > LINE_TABLE_MAX_BYTES ? LINE_TABLE_MAX_BYTES : (size_t)(end - start);
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	err = mem_rd(mem, m->id.const_method + start, buf, len);
	if (!err)
		err = hotspot_line_table_decode_x(buf, len, LINE_PAIRS_MAX, l->u5_excluded, &m->lines,
						  &m->nlines);
	free(buf);
	if (!err)
		m->has_lines = true;
	return err;
}

/* The "pkg.Outer$Inner.method" name and the signature the Symbols of id
 * read as now, malloc'd into *name_out and *sig_out. */
static int read_names(const struct mem_reader *mem, const struct hotspot_method_layout *l,
		      const struct hotspot_method_id *id, char **name_out, char **sig_out)
{
	char *klass = malloc(SYMBOL_MAX), *name = malloc(SYMBOL_MAX), *java = malloc(SYMBOL_MAX);
	char *sig = malloc(SYMBOL_MAX), *full = NULL;
	size_t klass_len, name_len, sig_len;
	int err = -ENOMEM;

	*name_out = *sig_out = NULL;
	if (!klass || !name || !java || !sig)
		goto cleanup;
	err = read_symbol(mem, l, id->holder_name, klass, SYMBOL_MAX, &klass_len);
	if (!err)
		err = read_symbol(mem, l, id->name, name, SYMBOL_MAX, &name_len);
	if (!err)
		err = read_symbol(mem, l, id->signature, sig, SYMBOL_MAX, &sig_len);
	if (err)
		goto cleanup;
	hotspot_java_class_name(klass, klass_len, java, SYMBOL_MAX);
	full = malloc(strlen(java) + 1 + name_len + 1);
	if (!full) {
		err = -ENOMEM;
		goto cleanup;
	}
	sprintf(full, "%s.%s", java, name);
	*name_out = full;
	*sig_out = sig;
	sig = NULL;
cleanup:
	free(klass);
	free(name);
	free(java);
	free(sig);
	return err;
}

int hotspot_method_read(const struct mem_reader *mem, const struct hotspot_method_layout *l,
			uint64_t method, struct hotspot_method_info *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	err = hotspot_method_read_id(mem, l, method, &out->id);
	if (!err)
		err = read_names(mem, l, &out->id, &out->name, &out->signature);
	if (err)
		goto cleanup;
	/* The line table is a nicety: a method without one is still named. */
	if (read_lines(mem, l, out) == -ENOMEM)
		err = -ENOMEM;
cleanup:
	if (err)
		hotspot_method_info_free(out);
	return err;
}

int hotspot_method_names_match(const struct mem_reader *mem, const struct hotspot_method_layout *l,
			       const struct hotspot_method_id *id, const char *name,
			       const char *signature)
{
	char *now_name, *now_sig;
	int err = read_names(mem, l, id, &now_name, &now_sig);

	if (err)
		return err;
	err = strcmp(now_name, name) || strcmp(now_sig, signature) ? -ESTALE : 0;
	free(now_name);
	free(now_sig);
	return err;
}

void hotspot_method_info_free(struct hotspot_method_info *m)
{
	free(m->name);
	free(m->signature);
	free(m->lines);
	memset(m, 0, sizeof(*m));
}

int hotspot_method_line(const struct hotspot_method_info *m, int bci)
{
	int best_bci = 0, best_line = -1;

	if (bci == -1)
		bci = 0;
	if (bci < 0 || !m->has_lines || bci >= m->id.code_size)
		return -1;
	/* Not necessarily sorted nor one-to-one: exact match wins, else the
	 * last entry at the greatest bci below. */
	for (size_t i = 0; i < m->nlines; i++) {
		if (m->lines[i].bci == bci)
			return m->lines[i].line;
		if (m->lines[i].bci < bci && m->lines[i].bci >= best_bci) {
			best_bci = m->lines[i].bci;
			best_line = m->lines[i].line;
		}
	}
	return best_line;
}
