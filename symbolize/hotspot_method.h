// SPDX-License-Identifier: GPL-2.0
/* A HotSpot Method* named from outside the JVM: holder class, method name,
 * signature and the line number table, read from the target's memory with
 * the offsets its own vmStructs publish.
 *
 *   Method -> _constMethod -> ConstMethod
 *     ConstMethod: _constants, _name_index, _signature_index, _code_size,
 *                  bytecodes right after the ConstMethod header, then the
 *                  compressed line number table (if _flags says so)
 *     ConstantPool: _pool_holder (Klass*), slots right after the header
 *                   (slot i of a Utf8 entry holds its Symbol*)
 *     Klass::_name, Symbol: _length (u2), _body
 *
 * Also the UNSIGNED5 reader HotSpot's compressed streams use (line number
 * tables here, debug info in hotspot_nmethod.c) and the bounds-checked
 * header field copy both files read JVM structures with. */
#ifndef TMPROF_SYMBOLIZE_HOTSPOT_METHOD_H
#define TMPROF_SYMBOLIZE_HOTSPOT_METHOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "symbolize/target_mem.h"
#include "symbolize/vmstructs.h"

/* Offsets and sizes of one JVM build, from its vmStructs. */
struct hotspot_method_layout {
	uint64_t method_const_method;    /* Method::_constMethod */
	uint64_t cm_constants;           /* ConstMethod::_constants */
	uint64_t cm_size;                /* ConstMethod::_constMethod_size (int, words) */
	uint64_t cm_flags;               /* ConstMethod::_flags */
	uint64_t cm_code_size;           /* ConstMethod::_code_size (u2) */
	uint64_t cm_name_index;          /* ConstMethod::_name_index (u2) */
	uint64_t cm_signature_index;     /* ConstMethod::_signature_index (u2) */
	uint64_t cm_method_idnum;        /* ConstMethod::_method_idnum (u2) */
	uint64_t const_method_size;      /* sizeof(ConstMethod): bytecodes follow */
	uint64_t cp_pool_holder;         /* ConstantPool::_pool_holder */
	uint64_t cp_length;              /* ConstantPool::_length (int) */
	uint64_t cp_size;                /* sizeof(ConstantPool): slots follow */
	uint64_t klass_name;             /* Klass::_name */
	uint64_t symbol_length;          /* Symbol::_length (u2) */
	uint64_t symbol_body;            /* Symbol::_body */
	uint32_t has_linenumber_table;   /* ConstMethod flag bit */
	uint32_t u5_excluded;            /* 1: JDK 20+ UNSIGNED5 (hotspot_unsigned5_read_x) */
};

/* -ENOENT if vmStructs lacks an entry this needs. */
int hotspot_method_layout_init(struct hotspot_method_layout *l, const struct vmstructs *vs);

/* What makes a Method* name what it names: the pointers to the three
 * Symbols (immutable while referenced) and the path to them. Equal ids read
 * at two times mean the memory still describes the same method, even if the
 * class was unloaded and its metadata reused in between. */
struct hotspot_method_id {
	uint64_t const_method, constants, holder;
	uint64_t holder_name, name, signature; /* Symbol* */
	uint16_t name_index, signature_index, code_size, idnum;
	uint32_t flags;
	uint32_t cm_words;                     /* ConstMethod::_constMethod_size */
};

/* Read the id of the Method at method (6 small reads). -EFAULT unreadable,
 * -EINVAL nonsense (index out of the pool, NULL pointers). */
int hotspot_method_read_id(const struct mem_reader *mem, const struct hotspot_method_layout *l,
			   uint64_t method, struct hotspot_method_id *out);
bool hotspot_method_id_equal(const struct hotspot_method_id *a, const struct hotspot_method_id *b);

struct hotspot_line {
	uint16_t bci;
	uint16_t line;
};

struct hotspot_method_info {
	struct hotspot_method_id id;
	char *name;                   /* "pkg.Outer$Inner.method", malloc'd */
	char *signature;              /* "(I)V", malloc'd */
	struct hotspot_line *lines;   /* table order (not sorted), malloc'd */
	size_t nlines;
	bool has_lines;               /* the class file had a LineNumberTable */
};

/* Read names and line numbers of the Method at method. The id is read first
 * and the Symbols through it, so out->id names exactly what was read. */
int hotspot_method_read(const struct mem_reader *mem, const struct hotspot_method_layout *l,
			uint64_t method, struct hotspot_method_info *out);
void hotspot_method_info_free(struct hotspot_method_info *m);

/* Do the Symbols of id still read as name and signature (as
 * hotspot_method_read made them)? Equal Symbol pointers do not prove equal
 * names: once a class is unloaded its Symbols may be freed and their
 * memory hold a later class's Symbols (a reloaded generation's
 * "Gen000005" where "Gen000004" was). 0 the same, -ESTALE other names,
 * -EFAULT/-EINVAL unreadable, -ENOMEM. */
int hotspot_method_names_match(const struct mem_reader *mem, const struct hotspot_method_layout *l,
			       const struct hotspot_method_id *id, const char *name,
			       const char *signature);

/* Source line of bci as HotSpot computes it (Method::line_number_from_bci):
 * an exact entry, else the closest entry below bci; -1 when unknown. bci -1
 * (method entry, synchronization) counts as 0. */
int hotspot_method_line(const struct hotspot_method_info *m, int bci);

/* A field out of a header read in one go (ConstMethod, ConstantPool here;
 * CodeBlob and nmethod in hotspot_nmethod.c): len bytes at off into out, or
 * -EINVAL when the published offset does not fit in the hdr_len bytes. */
int hotspot_hdr_get(const uint8_t *hdr, size_t hdr_len, uint64_t off, void *out, size_t len);

/* One UNSIGNED5 value (CompressedReadStream::read_int, JDK 17: bytes below
 * 192 end a value, each further byte weighs 64 times more, at most 5 bytes).
 * 0 and *pos advanced, or -EINVAL when the buffer ends first. */
int hotspot_unsigned5_read(const uint8_t *buf, size_t len, size_t *pos, uint32_t *out);
/* The same with the JDK 20+ coding when excluded is 1: the zero byte is
 * never used, every byte holds its digit + 1 (L = 191); -EINVAL on a zero
 * byte. excluded 0 is the JDK <= 19 coding above. */
int hotspot_unsigned5_read_x(const uint8_t *buf, size_t len, size_t *pos, unsigned excluded,
			     uint32_t *out);

/* Decode a compressed line number table (CompressedLineNumberReadStream) of
 * at most len bytes, up to its 0 terminator. A table that runs off the end
 * keeps the pairs decoded so far. At most max pairs. */
int hotspot_line_table_decode(const uint8_t *buf, size_t len, size_t max,
			      struct hotspot_line **out, size_t *n);
/* The same over either UNSIGNED5 coding (hotspot_unsigned5_read_x). */
int hotspot_line_table_decode_x(const uint8_t *buf, size_t len, size_t max, unsigned excluded,
				struct hotspot_line **out, size_t *n);

/* Internal class name ("java/util/HashMap$Node") to the Java form
 * ("java.util.HashMap$Node"); a hidden class ("Foo$$Lambda$1+0x0800") gets
 * the "/0x..." suffix Class.getName() shows. out gets at most len - 1
 * bytes. */
void hotspot_java_class_name(const char *internal, size_t n, char *out, size_t len);

#endif
