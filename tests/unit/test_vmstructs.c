// SPDX-License-Identifier: GPL-2.0
/* The vmStructs reader against fake tables laid out in this process's
 * memory the way libjvm lays them out, read through the self reader. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent/jvm/klass_names.h"
#include "symbolize/target_mem.h"
#include "symbolize/vmstructs.h"

/* A VMStructEntry / VMTypeEntry shaped like HotSpot's, with a deliberately
 * different field order so that the reader must use the published offsets. */
struct fake_struct_entry {
	uint64_t offset;
	const char *field_name;
	int32_t is_static;
	const char *type_name;
	const char *type_string;
	void *address;
};

struct fake_type_entry {
	const char *superclass;
	uint64_t size;
	const char *type_name;
	int32_t is_oop;
};

static struct fake_struct_entry fake_structs[] = {
	{ 24, "_name", 0, "Klass", "Symbol*", NULL },
	{ 4, "_length", 0, "Symbol", "u2", NULL },
	{ 6, "_body[0]", 0, "Symbol", "u1", NULL },
	{ 0, "_heap", 1, "Universe", "CollectedHeap*", (void *)0x1234 },
	{ 0, NULL, 0, NULL, NULL, NULL },
};

static struct fake_type_entry fake_types[] = {
	{ NULL, 8, "Symbol", 0 },
	{ "Metadata", 208, "Klass", 0 },
	{ NULL, 0, NULL, 0 },
};

/* The exported variables: values, as libjvm holds them. */
static uint64_t v_structs, v_s_type, v_s_field, v_s_string, v_s_static, v_s_offset, v_s_address,
	v_s_stride, v_types, v_t_type, v_t_size, v_t_stride;

static struct vmstructs_addrs fake_addrs(void)
{
	v_structs = (uint64_t)(uintptr_t)fake_structs;
	v_s_type = offsetof(struct fake_struct_entry, type_name);
	v_s_field = offsetof(struct fake_struct_entry, field_name);
	v_s_string = offsetof(struct fake_struct_entry, type_string);
	v_s_static = offsetof(struct fake_struct_entry, is_static);
	v_s_offset = offsetof(struct fake_struct_entry, offset);
	v_s_address = offsetof(struct fake_struct_entry, address);
	v_s_stride = sizeof(struct fake_struct_entry);
	v_types = (uint64_t)(uintptr_t)fake_types;
	v_t_type = offsetof(struct fake_type_entry, type_name);
	v_t_size = offsetof(struct fake_type_entry, size);
	v_t_stride = sizeof(struct fake_type_entry);
#define A(v) ((uint64_t)(uintptr_t)&(v))
	return (struct vmstructs_addrs){ A(v_structs), A(v_s_type), A(v_s_field), A(v_s_string),
					 A(v_s_static), A(v_s_offset), A(v_s_address), A(v_s_stride),
					 A(v_types), A(v_t_type), A(v_t_size), A(v_t_stride) };
#undef A
}

static void test_reads_fields_and_types(void **state)
{
	struct mem_reader m = mem_reader_self();
	struct vmstructs_addrs a = fake_addrs();
	struct vmstructs vs;
	const struct vmstructs_field *f;
	uint64_t v;

	(void)state;
	assert_int_equal(vmstructs_read(&m, &a, &vs), 0);
	assert_int_equal(vs.nfields, 4);
	assert_int_equal(vs.ntypes, 2);
	assert_int_equal(vmstructs_offset(&vs, "Klass", "_name", &v), 0);
	assert_int_equal(v, 24);
	assert_int_equal(vmstructs_offset(&vs, "Symbol", "_body[0]", &v), 0);
	assert_int_equal(v, 6);
	assert_int_equal(vmstructs_offset(&vs, "Symbol", "_nope", &v), -ENOENT);
	/* Static fields have an address, not an offset. */
	assert_int_equal(vmstructs_offset(&vs, "Universe", "_heap", &v), -ENOENT);
	f = vmstructs_field(&vs, "Universe", "_heap");
	assert_non_null(f);
	assert_true(f->is_static);
	assert_int_equal(f->address, 0x1234);
	assert_int_equal(vmstructs_type_size(&vs, "Klass", &v), 0);
	assert_int_equal(v, 208);
	assert_int_equal(vmstructs_type_size(&vs, "Method", &v), -ENOENT);
	vmstructs_free(&vs);
}

static void test_rejects_nonsense_layouts(void **state)
{
	struct mem_reader m = mem_reader_self();
	struct vmstructs_addrs a = fake_addrs();
	struct vmstructs vs;

	(void)state;
	/* A stride smaller than the offsets it must contain. */
	v_s_stride = 8;
	assert_int_equal(vmstructs_read(&m, &a, &vs), -EINVAL);
	a = fake_addrs();
	v_structs = 0;
	assert_int_equal(vmstructs_read(&m, &a, &vs), -EINVAL);
	/* An unreadable variable. */
	a = fake_addrs();
	a.t_stride = 0;
	assert_int_equal(vmstructs_read(&m, &a, &vs), -EFAULT);
	assert_int_equal(vs.nfields, 0);
}

/* VMIntConstantEntry, value first so that the reader must use the offsets. */
struct fake_int_entry {
	int32_t value;
	int32_t pad;
	const char *name;
};

static struct fake_int_entry fake_ints[] = {
	{ -1, 0, "frame::interpreter_frame_sender_sp_offset" },
	{ -2, 0, "frame::interpreter_frame_last_sp_offset" },
	{ 42, 0, "Foo::bar" },
	{ 0, 0, NULL },
};

static uint64_t v_ints, v_i_name, v_i_value, v_i_stride;

static struct vmstructs_int_addrs fake_int_addrs(void)
{
	v_ints = (uint64_t)(uintptr_t)fake_ints;
	v_i_name = offsetof(struct fake_int_entry, name);
	v_i_value = offsetof(struct fake_int_entry, value);
	v_i_stride = sizeof(struct fake_int_entry);
	return (struct vmstructs_int_addrs){ (uint64_t)(uintptr_t)&v_ints,
					     (uint64_t)(uintptr_t)&v_i_name,
					     (uint64_t)(uintptr_t)&v_i_value,
					     (uint64_t)(uintptr_t)&v_i_stride };
}

static void test_reads_int_constants(void **state)
{
	struct mem_reader m = mem_reader_self();
	struct vmstructs_addrs a = fake_addrs();
	struct vmstructs_int_addrs ia = fake_int_addrs();
	struct vmstructs vs;
	int32_t v = 0;

	(void)state;
	assert_int_equal(vmstructs_read(&m, &a, &vs), 0);
	/* Before reading them: no constants, fields still there. */
	assert_int_equal(vmstructs_int_constant(&vs, "Foo::bar", &v), -ENOENT);
	assert_int_equal(vmstructs_read_ints(&m, &ia, &vs), 0);
	assert_int_equal(vs.nints, 3);
	assert_int_equal(vmstructs_int_constant(&vs, "frame::interpreter_frame_sender_sp_offset", &v),
			 0);
	assert_int_equal(v, -1);
	assert_int_equal(vmstructs_int_constant(&vs, "frame::interpreter_frame_last_sp_offset", &v),
			 0);
	assert_int_equal(v, -2);
	assert_int_equal(vmstructs_int_constant(&vs, "Foo::bar", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(vmstructs_int_constant(&vs, "Foo::baz", &v), -ENOENT);
	/* Reading again replaces, does not append. */
	assert_int_equal(vmstructs_read_ints(&m, &ia, &vs), 0);
	assert_int_equal(vs.nints, 3);
	/* A bad layout leaves the fields alone and no constants. */
	v_i_stride = 4;
	assert_int_equal(vmstructs_read_ints(&m, &ia, &vs), -EINVAL);
	assert_int_equal(vs.nints, 0);
	assert_int_equal(vmstructs_offset(&vs, "Klass", "_name", &(uint64_t){ 0 }), 0);
	ia = fake_int_addrs();
	ia.ints = 0;
	assert_int_equal(vmstructs_read_ints(&m, &ia, &vs), -EFAULT);
	vmstructs_free(&vs);
	assert_int_equal(vs.nints, 0);
}

/* A fake Klass and Symbol, at the offsets of the fake table. */
struct fake_symbol {
	uint32_t hash;
	uint16_t length;
	char body[64];
} __attribute__((packed));

struct fake_klass {
	char pad[24];
	struct fake_symbol *name;
};

static void test_klass_names_from_fake_memory(void **state)
{
	struct mem_reader m = mem_reader_self();
	struct vmstructs_addrs a = fake_addrs();
	static struct fake_symbol s_arr = { 0, 2, "[B" }, s_str = { 0, 16, "java/lang/String" },
				  s_bad = { 0, 2, "[Q" };
	static struct fake_klass k_arr = { .name = &s_arr }, k_str = { .name = &s_str },
				 k_bad = { .name = &s_bad }, k_null = { .name = NULL };
	struct klass_names kn;
	struct vmstructs vs;

	(void)state;
	assert_int_equal(vmstructs_read(&m, &a, &vs), 0);
	assert_int_equal(klass_names_init(&kn, &m, &vs), 0);
	assert_string_equal(klass_names_get(&kn, (uint64_t)(uintptr_t)&k_arr), "byte[]");
	assert_string_equal(klass_names_get(&kn, (uint64_t)(uintptr_t)&k_str), "java.lang.String");
	/* Cached: the second answer does not read memory again. */
	s_str.length = 0;
	assert_string_equal(klass_names_get(&kn, (uint64_t)(uintptr_t)&k_str), "java.lang.String");
	assert_null(klass_names_get(&kn, (uint64_t)(uintptr_t)&k_bad));
	assert_null(klass_names_get(&kn, (uint64_t)(uintptr_t)&k_null));
	assert_null(klass_names_get(&kn, 0));
	klass_names_free(&kn);
	vmstructs_free(&vs);
}

static void test_java_class_names(void **state)
{
	static const struct {
		const char *in, *out;
	} ok[] = {
		{ "[B", "byte[]" }, { "[[I", "int[][]" }, { "[Z", "boolean[]" },
		{ "[Ljava/lang/String;", "java.lang.String[]" },
		{ "[[Lorg/apache/flink/types/Row;", "org.apache.flink.types.Row[][]" },
		{ "java/util/HashMap$Node", "java.util.HashMap$Node" }, { "Foo", "Foo" },
	};
	static const char *const bad[] = { "[", "[Q", "[L;", "[Ljava/lang/String", "", "a\x01" };
	char out[128];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(java_class_name(ok[i].in, strlen(ok[i].in), out, sizeof(out)), 0);
		assert_string_equal(out, ok[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(java_class_name(bad[i], strlen(bad[i]), out, sizeof(out)), -EINVAL);
	/* Truncation stays inside the buffer. */
	assert_int_equal(java_class_name("[[Ljava/lang/String;", 20, out, 8), 0);
	assert_true(strlen(out) < 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_fields_and_types),
		cmocka_unit_test(test_rejects_nonsense_layouts),
		cmocka_unit_test(test_reads_int_constants),
		cmocka_unit_test(test_klass_names_from_fake_memory),
		cmocka_unit_test(test_java_class_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
