// SPDX-License-Identifier: GPL-2.0
/* The PerfData reader against a region laid out in this process's memory
 * the way HotSpot lays it out, with the offsets given by a fake vmStructs
 * (a prologue, then variable-length entries). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "symbolize/hotspot_perfdata.h"

/* Field offsets of the fake prologue and entry headers (HotSpot's own). */
enum { P_MAGIC = 0, P_ENTRY_OFFSET = 24, P_NUM_ENTRIES = 28, PROLOGUE_SIZE = 32 };
enum { E_LENGTH = 0, E_NAME_OFFSET = 4, E_VECTOR_LENGTH = 8, E_DATA_TYPE = 12, E_DATA_OFFSET = 16,
       ENTRY_HEADER = 20 };

static uint8_t region[4096] __attribute__((aligned(8)));
static uint64_t v_start, v_capacity;

static struct vmstructs_field fields[] = {
	{ "PerfMemory", "_start", 0, 0, true },
	{ "PerfMemory", "_capacity", 0, 0, true },
	{ "PerfDataPrologue", "magic", P_MAGIC, 0, false },
	{ "PerfDataPrologue", "entry_offset", P_ENTRY_OFFSET, 0, false },
	{ "PerfDataPrologue", "num_entries", P_NUM_ENTRIES, 0, false },
	{ "PerfDataEntry", "entry_length", E_LENGTH, 0, false },
	{ "PerfDataEntry", "name_offset", E_NAME_OFFSET, 0, false },
	{ "PerfDataEntry", "vector_length", E_VECTOR_LENGTH, 0, false },
	{ "PerfDataEntry", "data_type", E_DATA_TYPE, 0, false },
	{ "PerfDataEntry", "data_offset", E_DATA_OFFSET, 0, false },
};

static struct vmstructs fake_vs(size_t nfields)
{
	fields[0].address = (uint64_t)(uintptr_t)&v_start;
	fields[1].address = (uint64_t)(uintptr_t)&v_capacity;
	return (struct vmstructs){ .fields = fields, .nfields = nfields };
}

static void put32(size_t off, uint32_t v)
{
	memcpy(&region[off], &v, sizeof(v));
}

/* An entry at off: header, name, 8-aligned data. Returns its length. */
static uint32_t put_entry(size_t off, const char *name, char type, uint32_t vlen, uint64_t value)
{
	uint32_t name_off = ENTRY_HEADER, data_off = (uint32_t)((ENTRY_HEADER + strlen(name) + 1 + 7) & ~7u);
	uint32_t len = data_off + (vlen ? vlen : 8);

	put32(off + E_LENGTH, len);
	put32(off + E_NAME_OFFSET, name_off);
	put32(off + E_VECTOR_LENGTH, vlen);
	region[off + E_DATA_TYPE] = (uint8_t)type;
	put32(off + E_DATA_OFFSET, data_off);
	memcpy(&region[off + name_off], name, strlen(name) + 1);
	memcpy(&region[off + data_off], &value, sizeof(value));
	return len;
}

static void build_region(void)
{
	size_t off = PROLOGUE_SIZE;

	memset(region, 0, sizeof(region));
	put32(P_MAGIC, 0xc0c0fecaU);
	put32(P_ENTRY_OFFSET, PROLOGUE_SIZE);
	put32(P_NUM_ENTRIES, 3);
	off += put_entry(off, "sun.rt.javaCommand", 'B', 64, 0);
	off += put_entry(off, "java.cls.loadedClasses", 'J', 0, 159);
	put_entry(off, "java.cls.unloadedClasses", 'J', 0, 42);
	v_start = (uint64_t)(uintptr_t)region;
	v_capacity = sizeof(region);
}

static void test_finds_counters(void **state)
{
	struct mem_reader mem = mem_reader_self();
	struct vmstructs vs = fake_vs(sizeof(fields) / sizeof(fields[0]));
	uint64_t addr, v;

	(void)state;
	build_region();
	assert_int_equal(hotspot_perfdata_find(&mem, &vs, "java.cls.unloadedClasses", &addr), 0);
	assert_int_equal(mem_read_u64(&mem, addr, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(hotspot_perfdata_find(&mem, &vs, "java.cls.loadedClasses", &addr), 0);
	assert_int_equal(mem_read_u64(&mem, addr, &v), 0);
	assert_int_equal(v, 159);
	/* A byte array of that name is not a counter. */
	assert_int_equal(hotspot_perfdata_find(&mem, &vs, "sun.rt.javaCommand", &addr), -ENOENT);
	assert_int_equal(hotspot_perfdata_find(&mem, &vs, "no.such.counter", &addr), -ENOENT);
}

static void test_rejects_bad_regions(void **state)
{
	struct mem_reader mem = mem_reader_self();
	struct vmstructs vs = fake_vs(sizeof(fields) / sizeof(fields[0]));
	struct vmstructs partial = fake_vs(4);
	uint64_t addr;

	(void)state;
	assert_int_equal(hotspot_perfdata_find(&mem, &partial, "java.cls.loadedClasses", &addr), -ENOENT);

	build_region();
	put32(P_MAGIC, 0xdeadbeef);
	assert_int_equal(hotspot_perfdata_find(&mem, &vs, "java.cls.loadedClasses", &addr), -EINVAL);

	build_region();
	put32(P_NUM_ENTRIES, 1000000);
	assert_int_equal(hotspot_perfdata_find(&mem, &vs, "java.cls.loadedClasses", &addr), -EINVAL);

	/* An entry claiming to run past the region. */
	build_region();
	put32(PROLOGUE_SIZE + E_LENGTH, 1u << 30);
	assert_int_equal(hotspot_perfdata_find(&mem, &vs, "java.cls.loadedClasses", &addr), -EINVAL);

	/* A zero-length entry would loop forever. */
	build_region();
	put32(PROLOGUE_SIZE + E_LENGTH, 0);
	assert_int_equal(hotspot_perfdata_find(&mem, &vs, "java.cls.loadedClasses", &addr), -EINVAL);

	/* A counter whose data lies outside its entry. */
	build_region();
	{
		uint32_t first;

		memcpy(&first, &region[PROLOGUE_SIZE + E_LENGTH], sizeof(first));
		put32(PROLOGUE_SIZE + first + E_DATA_OFFSET, 4000);
	}
	assert_int_equal(hotspot_perfdata_find(&mem, &vs, "java.cls.loadedClasses", &addr), -EINVAL);

	/* No region at all (a JVM still starting). */
	build_region();
	v_start = 0;
	assert_int_equal(hotspot_perfdata_find(&mem, &vs, "java.cls.loadedClasses", &addr), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_counters),
		cmocka_unit_test(test_rejects_bad_regions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
