// SPDX-License-Identifier: GPL-2.0
/* Fuzz the Method / ConstMethod / ConstantPool / Symbol readers and the
 * line number table and UNSIGNED5 decoders (symbolize/hotspot_method.c) on a
 * fake memory image of the target: the input is the target's memory at
 * FUZZ_BASE, every read outside it fails with -EFAULT. The vmStructs table
 * is fixed (JDK 17 x86-64).
 *
 * Image layout (what the seeds in corpus/hotspot_method/ follow):
 *   0x00  4 Method* to read (hotspot_method_read, _read_id)
 *   0x20  4 bcis (u16) to look up in each method's line table
 *   0x28  the rest: Methods, ConstMethods, ConstantPools, Klasses, Symbols
 * The whole input is also decoded directly as a line number table, as an
 * UNSIGNED5 stream and as an internal class name. */
#include <errno.h>
#include <stdbool.h>

#include "symbolize/hotspot_method.h"
#include "tests/fuzz/fuzz_image.h"
#include "tests/fuzz/fuzz_util.h"

#define NMETHODS 4
#define NBCIS 4


#define F(t, f, o) { (char *)(t), (char *)(f), (o), 0, false }
static struct vmstructs_field fields[] = {
	F("Method", "_constMethod", 0x8),
	F("ConstMethod", "_constants", 0x8),
	F("ConstMethod", "_constMethod_size", 0x18),
	F("ConstMethod", "_flags", 0x1c),
	F("ConstMethod", "_code_size", 0x20),
	F("ConstMethod", "_name_index", 0x22),
	F("ConstMethod", "_signature_index", 0x24),
	F("ConstMethod", "_method_idnum", 0x26),
	F("ConstantPool", "_pool_holder", 0x18),
	F("ConstantPool", "_length", 0x3c),
	F("Klass", "_name", 0x18),
	F("Symbol", "_length", 0x4),
	F("Symbol", "_body", 0x6),
};
#undef F
static struct vmstructs_type types[] = {
	{ (char *)"ConstMethod", 48 },
	{ (char *)"ConstantPool", 72 },
};
static const struct vmstructs vs = {
	fields, sizeof(fields) / sizeof(fields[0]), types, sizeof(types) / sizeof(types[0]), NULL, 0
};

static void check_line(int line)
{
	if (line < -1 || line > 0xffff)
		abort();
}

static void check_lines(const struct hotspot_method_info *m, const uint16_t *bcis)
{
	check_line(hotspot_method_line(m, -1));
	check_line(hotspot_method_line(m, -2));
	check_line(hotspot_method_line(m, 0));
	check_line(hotspot_method_line(m, m->id.code_size));
	check_line(hotspot_method_line(m, (int)m->id.code_size - 1));
	for (size_t i = 0; i < NBCIS; i++)
		check_line(hotspot_method_line(m, bcis[i]));
	/* Without a table no bci has a line. */
	if (!m->has_lines && hotspot_method_line(m, 0) != -1)
		abort();
}

static void read_method(const struct mem_reader *mem, const struct hotspot_method_layout *l,
			uint64_t method, const uint16_t *bcis)
{
	struct hotspot_method_info info;
	struct hotspot_method_id id;
	int err, id_err;

	id_err = hotspot_method_read_id(mem, l, method, &id);
	if (id_err > 0)
		abort();
	err = hotspot_method_read(mem, l, method, &info);
	if (err > 0)
		abort();
	if (err) {
		/* Freed and zeroed on error. */
		if (info.name || info.signature || info.lines || info.nlines)
			abort();
		return;
	}
	/* Same memory, same id: the cache's validation must hold. */
	if (id_err || !hotspot_method_id_equal(&id, &info.id))
		abort();
	if (!info.name || !info.signature || !strchr(info.name, '.') || !info.signature[0])
		abort();
	if (info.nlines && (!info.lines || !info.has_lines))
		abort();
	for (size_t i = 0; i < info.nlines; i++)
		(void)info.lines[i];
	check_lines(&info, bcis);
	hotspot_method_info_free(&info);
}

static void decode_direct(const uint8_t *data, size_t size)
{
	struct hotspot_method_info m;
	size_t pos = 0, max = size ? data[0] : 0;
	uint32_t v;
	char out[64];

	/* UNSIGNED5 stream: each value takes 1..5 bytes. */
	while (pos < size) {
		size_t before = pos;

		if (hotspot_unsigned5_read(data, size, &pos, &v)) {
			if (pos != before)
				abort();
			break;
		}
		if (pos <= before || pos - before > 5 || pos > size)
			abort();
	}
	/* A line number table, whole and with a pair limit. */
	memset(&m, 0, sizeof(m));
	if (hotspot_line_table_decode(data, size, 1u << 20, &m.lines, &m.nlines) == 0) {
		m.has_lines = true;
		m.id.code_size = 0xffff;
		for (size_t i = 0; i < m.nlines; i++)
			check_line(hotspot_method_line(&m, m.lines[i].bci));
		check_line(hotspot_method_line(&m, -1));
		check_line(hotspot_method_line(&m, size < 0xffff ? (int)size : 0xfffe));
		free(m.lines);
	}
	if (hotspot_line_table_decode(data, size, max, &m.lines, &m.nlines) == 0) {
		if (m.nlines > max)
			abort();
		free(m.lines);
	}
	/* Class names: into short and long buffers. */
	for (size_t len = 0; len <= sizeof(out); len += 21) {
		memset(out, 'x', sizeof(out));
		hotspot_java_class_name((const char *)data, size, out, len);
		if (len && strnlen(out, len) >= len)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hotspot_method_layout layout;
	static bool ready;
	struct image im = { data, FUZZ_BASE, size };
	struct mem_reader mem = { image_read, &im };
	uint64_t methods[NMETHODS] = { 0 };
	uint16_t bcis[NBCIS] = { 0 };
	uint8_t hdr[64];

	if (!ready) {
		if (hotspot_method_layout_init(&layout, &vs))
			abort();
		ready = true;
	}
	if (size >= sizeof(methods))
		memcpy(methods, data, sizeof(methods));
	if (size >= sizeof(methods) + sizeof(bcis))
		memcpy(bcis, data + sizeof(methods), sizeof(bcis));
	for (size_t i = 0; i < NMETHODS; i++)
		read_method(&mem, &layout, methods[i], bcis);
	/* The header field copy: offsets from the input. */
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, data, size < sizeof(hdr) ? size : sizeof(hdr));
	for (size_t i = 0; i < NMETHODS; i++) {
		uint64_t v;

		if (hotspot_hdr_get(hdr, sizeof(hdr), methods[i], &v, sizeof(v)) == 0 &&
		    methods[i] + sizeof(v) > sizeof(hdr))
			abort();
		if (hotspot_hdr_get(hdr, sizeof(hdr), methods[i] & 0x7f, &v, 1 + (bcis[i] & 7)) == 0 &&
		    (methods[i] & 0x7f) + 1 + (bcis[i] & 7) > sizeof(hdr))
			abort();
	}
	decode_direct(data, size);
	return 0;
}
