// SPDX-License-Identifier: GPL-2.0
/* symbolizer: resolving addresses of this very process: its own functions,
 * dlopen'ed libraries (also deleted ones), JIT-like anonymous code named by
 * a perf map, kernel addresses, and everything that cannot be named. */
#include "symbolize/ksyms.h"
#include "symbolize/symbolizer.h"
#include "symbolize/symbolizer_hooks.h"

#include "elf_fixture.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

static char dir[128];
static volatile int file_data = 1;

static int setup(void **state)
{
	(void)state;
	if (elf_fixture_tmpdir(dir, sizeof(dir)) < 0)
		return -1;
	if (elf_fixture_build(dir, "libfix.so", "-g", 0) < 0 ||
	    elf_fixture_build(dir, "libcxx.so", "-g", 1) < 0 ||
	    elf_fixture_build(dir, "liblate.so", "", 0) < 0 ||
	    elf_fixture_build(dir, "libdel.so", "", 0) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	elf_fixture_rmdir(dir);
	return 0;
}

static __attribute__((noinline)) int self_target_function(int x)
{
	volatile int y = x * 2;

	return y + 1;
}

static struct process_symbolizer *new_self(struct ksyms *ks)
{
	struct process_symbolizer *ps = NULL;

	assert_int_equal(process_symbolizer_new(getpid(), ks, &ps), 0);
	return ps;
}

static void *open_lib(const char *name)
{
	char path[PATH_MAX];
	void *h;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	assert_non_null(h);
	return h;
}

/* Runtime address of a symbol nm knows but dlsym may not (static ones),
 * from the address of an exported anchor. */
static uint64_t runtime_addr(const char *lib, void *anchor, const char *anchor_name, const char *symbol)
{
	char path[PATH_MAX];
	uint64_t a = 0, s = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, lib);
	assert_int_equal(elf_fixture_symbol(path, anchor_name, &a), 0);
	assert_int_equal(elf_fixture_symbol(path, symbol, &s), 0);
	return (uint64_t)(uintptr_t)anchor - a + s;
}

static void test_self_function(void **state)
{
	struct process_symbolizer *ps = new_self(NULL);
	struct frame_sym a, b;
	struct symbolizer_stats st;

	(void)state;
	assert_int_equal(self_target_function(1), 3);
	process_symbolizer_resolve_user(ps, (uint64_t)(uintptr_t)&self_target_function + 1, &a);
	assert_string_equal(a.name, "self_target_function");
	assert_string_equal(a.module, "test_symbolizer");
	assert_int_equal(a.kind, FRAME_NATIVE);
	/* Cached: the very same pointers. */
	process_symbolizer_resolve_user(ps, (uint64_t)(uintptr_t)&self_target_function + 1, &b);
	assert_ptr_equal(a.name, b.name);
	process_symbolizer_stats(ps, &st);
	assert_int_equal(st.native_hits, 2);
	assert_int_equal(st.native_misses, 0);
	process_symbolizer_free(ps);
}

/* Only what is at hand: a library whose table is not loaded is named by
 * its module and not cached; once loaded, any of its addresses is named. */
static void test_cached_only(void **state)
{
	struct process_symbolizer *ps = new_self(NULL);
	uint64_t f = (uint64_t)(uintptr_t)&self_target_function + 1;
	struct frame_sym a;

	(void)state;
	assert_false(process_symbolizer_resolve_user_cached(ps, f, &a));
	assert_string_equal(a.name, "[unknown]");
	assert_string_equal(a.module, "test_symbolizer");
	assert_int_equal(a.kind, FRAME_UNKNOWN);
	/* Still not loaded: asking again costs nothing more. */
	assert_false(process_symbolizer_resolve_user_cached(ps, f, &a));
	/* Another address of the same file, named in full: the table is
	 * loaded, so f is at hand now. */
	process_symbolizer_resolve_user(ps, (uint64_t)(uintptr_t)&new_self + 1, &a);
	assert_true(process_symbolizer_resolve_user_cached(ps, f, &a));
	assert_string_equal(a.name, "self_target_function");
	assert_int_equal(a.kind, FRAME_NATIVE);
	/* Unmapped: nothing to look at. */
	assert_false(process_symbolizer_resolve_user_cached(ps, 16, &a));
	assert_string_equal(a.module, "[unmapped]");
	process_symbolizer_free(ps);
}

static void test_dlopen_library(void **state)
{
	void *h = open_lib("libfix.so");
	void *alpha = dlsym(h, "fixture_alpha");
	struct process_symbolizer *ps = new_self(NULL);
	struct frame_sym f;

	(void)state;
	assert_non_null(alpha);
	process_symbolizer_resolve_user(ps, (uint64_t)(uintptr_t)alpha + 2, &f);
	assert_string_equal(f.name, "fixture_alpha");
	assert_string_equal(f.module, "libfix.so");
	assert_int_equal(f.kind, FRAME_NATIVE);
	process_symbolizer_resolve_user(
		ps, runtime_addr("libfix.so", alpha, "fixture_alpha", "fixture_hidden") + 1, &f);
	assert_string_equal(f.name, "fixture_hidden");
	process_symbolizer_free(ps);
	dlclose(h);
}

/* The daemon's bound on one library's tables: over it the library is
 * named by module only, and reported once, by the path the target maps. */
static void test_table_max(void **state)
{
	void *h = open_lib("libfix.so");
	void *alpha = dlsym(h, "fixture_alpha");
	struct process_symbolizer *ps;
	struct frame_sym f;
	char path[PATH_MAX];
	uint64_t bytes = 0;
	bool partial = true;

	(void)state;
	assert_non_null(alpha);
	symbolizer_set_table_max(1);
	ps = new_self(NULL);
	process_symbolizer_resolve_user(ps, (uint64_t)(uintptr_t)alpha + 2, &f);
	assert_string_equal(f.module, "libfix.so");
	assert_int_equal(f.kind, FRAME_UNKNOWN);
	assert_true(symbolizer_take_refused_table(path, sizeof(path), &bytes, &partial));
	assert_non_null(strstr(path, "/libfix.so"));
	assert_true(bytes > 1);
	assert_false(partial);
	assert_false(symbolizer_take_refused_table(path, sizeof(path), &bytes, &partial));
	/* Lifted: a new symbolizer names it. */
	symbolizer_set_table_max(0);
	process_symbolizer_free(ps);
	ps = new_self(NULL);
	process_symbolizer_resolve_user(ps, (uint64_t)(uintptr_t)alpha + 2, &f);
	assert_string_equal(f.name, "fixture_alpha");
	process_symbolizer_free(ps);
	dlclose(h);
}

static void test_cxx_demangled(void **state)
{
	void *h = open_lib("libcxx.so");
	void *alpha = dlsym(h, "fixture_alpha");
	struct process_symbolizer *ps = new_self(NULL);
	struct frame_sym f;

	(void)state;
	assert_non_null(alpha);
	process_symbolizer_resolve_user(
		ps, runtime_addr("libcxx.so", alpha, "fixture_alpha", "_ZNK2ns6Widget3runEi") + 1, &f);
	assert_string_equal(f.name, "ns::Widget::run");
	assert_int_equal(f.kind, FRAME_NATIVE);
	process_symbolizer_free(ps);
	dlclose(h);
}

static void test_maps_reload(void **state)
{
	struct process_symbolizer *ps = new_self(NULL);
	struct symbolizer_stats st;
	struct frame_sym f;
	void *h, *alpha;

	(void)state;
	/* The library appears after the maps snapshot. */
	h = open_lib("liblate.so");
	alpha = dlsym(h, "fixture_alpha");
	process_symbolizer_set_maps_interval(ps, UINT_MAX);
	process_symbolizer_resolve_user(ps, (uint64_t)(uintptr_t)alpha, &f);
	assert_string_equal(f.name, "[unknown]");
	assert_string_equal(f.module, "[unmapped]");
	assert_int_equal(f.kind, FRAME_UNKNOWN);
	process_symbolizer_stats(ps, &st);
	assert_int_equal(st.maps_reloads, 0);
	/* Once the rate limit allows, the maps are re-read. */
	process_symbolizer_set_maps_interval(ps, 0);
	process_symbolizer_resolve_user(ps, (uint64_t)(uintptr_t)alpha, &f);
	assert_string_equal(f.name, "fixture_alpha");
	assert_string_equal(f.module, "liblate.so");
	process_symbolizer_stats(ps, &st);
	assert_int_equal(st.maps_reloads, 1);
	process_symbolizer_free(ps);
	dlclose(h);
}

static void test_deleted_library(void **state)
{
	char path[PATH_MAX];
	struct process_symbolizer *ps;
	struct frame_sym f;
	void *h, *alpha;

	(void)state;
	h = open_lib("libdel.so");
	alpha = dlsym(h, "fixture_alpha");
	snprintf(path, sizeof(path), "%s/libdel.so", dir);
	assert_int_equal(unlink(path), 0);
	/* Only /proc/PID/map_files still reaches the file (needs root). */
	ps = new_self(NULL);
	process_symbolizer_resolve_user(ps, (uint64_t)(uintptr_t)alpha, &f);
	assert_string_equal(f.module, "libdel.so");
	if (geteuid() == 0) {
		assert_string_equal(f.name, "fixture_alpha");
		assert_int_equal(f.kind, FRAME_NATIVE);
	} else {
		assert_string_equal(f.name, "[unknown]");
	}
	process_symbolizer_free(ps);
	dlclose(h);
}

/* The memory budget's trim: caches and names go, answers stay the same
 * (read again), and with perf_map the JIT map goes until loaded again. */
static void test_trim(void **state)
{
	char map[PATH_MAX], text[256];
	void *code = mmap(NULL, 0x1000, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t base = (uint64_t)(uintptr_t)code;
	struct process_symbolizer *ps = new_self(NULL);
	size_t sym0, pm0, sym1, pm1;
	struct frame_sym f;
	int n;

	(void)state;
	assert_true(code != MAP_FAILED);
	snprintf(map, sizeof(map), "%s/perf-trim.map", dir);
	n = snprintf(text, sizeof(text), "0x%llx 0x100 int Trim.me()\n", (unsigned long long)base);
	assert_int_equal(elf_fixture_write(map, text, (size_t)n), 0);
	assert_int_equal(process_symbolizer_load_perf_map_file(ps, map), 0);
	process_symbolizer_resolve_user(ps, (uint64_t)(uintptr_t)&self_target_function + 1, &f);
	assert_string_equal(f.name, "self_target_function");
	process_symbolizer_resolve_user(ps, base + 0x10, &f);
	assert_string_equal(f.name, "Trim.me");
	process_symbolizer_memory(ps, &sym0, &pm0);
	assert_true(sym0 > 0 && pm0 > 0);

	assert_int_equal(process_symbolizer_trim(ps, false), 0);
	process_symbolizer_memory(ps, &sym1, &pm1);
	assert_int_equal(pm1, pm0);
	process_symbolizer_resolve_user(ps, (uint64_t)(uintptr_t)&self_target_function + 1, &f);
	assert_string_equal(f.name, "self_target_function");
	process_symbolizer_resolve_user(ps, base + 0x10, &f);
	assert_string_equal(f.name, "Trim.me");

	assert_int_equal(process_symbolizer_trim(ps, true), 0);
	process_symbolizer_memory(ps, &sym1, &pm1);
	assert_int_equal(pm1, 0);
	process_symbolizer_resolve_user(ps, base + 0x10, &f);
	assert_int_equal(f.kind, FRAME_UNKNOWN);
	assert_true(symbolizer_shared_memory() > 0);
	process_symbolizer_free(ps);
	munmap(code, 0x1000);
}

static void test_jit_perf_map(void **state)
{
	char map[PATH_MAX];
	void *code = mmap(NULL, 0x10000, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t base = (uint64_t)(uintptr_t)code;
	struct process_symbolizer *ps;
	struct symbolizer_stats st;
	struct frame_sym f;

	(void)state;
	assert_true(code != MAP_FAILED);
	ps = new_self(NULL);
	process_symbolizer_resolve_user(ps, base + 0x110, &f);
	assert_string_equal(f.name, "[unknown]");
	assert_string_equal(f.module, "[anon]");
	assert_int_equal(f.kind, FRAME_UNKNOWN);
	assert_true(process_symbolizer_jit_unresolved(ps, base + 0x110));
	/* Native code is never "JIT unresolved". */
	assert_false(process_symbolizer_jit_unresolved(ps, (uint64_t)(uintptr_t)&self_target_function));

	snprintf(map, sizeof(map), "%s/perf-test.map", dir);
	{
		char text[1024];
		int n = snprintf(text, sizeof(text),
				 "0x%016llx 0x100 int java.lang.Object.hashCode()\n"
				 "%llx 800 Interpreter\n"
				 "0x%llx 0x100 I2C/C2I adapters\n"
				 "not a line\n",
				 (unsigned long long)base + 0x100, (unsigned long long)base + 0x1000,
				 (unsigned long long)base + 0x2000);

		assert_int_equal(elf_fixture_write(map, text, (size_t)n), 0);
	}
	assert_int_equal(process_symbolizer_load_perf_map_file(ps, map), 0);
	process_symbolizer_resolve_user(ps, base + 0x110, &f);
	assert_string_equal(f.name, "java.lang.Object.hashCode");
	assert_int_equal(f.kind, FRAME_JIT);
	assert_false(process_symbolizer_jit_unresolved(ps, base + 0x110));
	process_symbolizer_resolve_user(ps, base + 0x1400, &f);
	assert_string_equal(f.name, "Interpreter");
	assert_int_equal(f.kind, FRAME_INTERPRETED);
	process_symbolizer_resolve_user(ps, base + 0x2010, &f);
	assert_string_equal(f.name, "I2C/C2I adapters");
	assert_int_equal(f.kind, FRAME_NATIVE);
	process_symbolizer_resolve_user(ps, base + 0x3000, &f);
	assert_int_equal(f.kind, FRAME_UNKNOWN);

	/* A newer map: its entries win, old ones it does not cover survive. */
	{
		char text[1024];
		int n = snprintf(text, sizeof(text),
				 "%llx 100 void com.example.Job.run()\n"
				 "%llx 100 long com.example.Job.count(java.lang.String)\n",
				 (unsigned long long)base + 0x100, (unsigned long long)base + 0x3000);

		assert_int_equal(elf_fixture_write(map, text, (size_t)n), 0);
	}
	assert_int_equal(process_symbolizer_load_perf_map_file(ps, map), 0);
	process_symbolizer_resolve_user(ps, base + 0x110, &f);
	assert_string_equal(f.name, "com.example.Job.run");
	process_symbolizer_resolve_user(ps, base + 0x3010, &f);
	assert_string_equal(f.name, "com.example.Job.count");
	assert_int_equal(f.kind, FRAME_JIT);
	process_symbolizer_resolve_user(ps, base + 0x1400, &f);
	assert_string_equal(f.name, "Interpreter");

	process_symbolizer_stats(ps, &st);
	assert_int_equal(st.perf_map_loads, 2);
	assert_int_equal(st.jit_misses, 2);
	assert_int_equal(st.jit_hits, 6);
	assert_int_equal(process_symbolizer_load_perf_map_file(ps, "/nonexistent.map"), -ENOENT);
	process_symbolizer_free(ps);
	munmap(code, 0x10000);
}

/* The JIT namer (JDK 11: names from the JVM's memory): asked only for
 * what the perf map misses; re-setting it forgets its earlier answers. */
static uint64_t namer_base;
static unsigned namer_calls;
static const char *namer_answer = "com.example.Job.fromMemory";

static bool fake_namer(void *ctx, uint64_t addr, const char **name, enum frame_kind *kind)
{
	(void)ctx;
	namer_calls++;
	if (addr < namer_base + 0x800)
		return false;
	*name = namer_answer;
	*kind = FRAME_JIT;
	return true;
}

static void test_jit_namer(void **state)
{
	char map[PATH_MAX], text[256];
	void *code = mmap(NULL, 0x10000, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct process_symbolizer *ps;
	struct frame_sym f;
	int n;

	(void)state;
	assert_true(code != MAP_FAILED);
	namer_base = (uint64_t)(uintptr_t)code;
	namer_calls = 0;
	ps = new_self(NULL);
	process_symbolizer_set_jit_namer(ps, fake_namer, NULL);
	process_symbolizer_resolve_user(ps, namer_base + 0x900, &f);
	assert_string_equal(f.name, "com.example.Job.fromMemory");
	assert_string_equal(f.module, "[jit]");
	assert_int_equal(f.kind, FRAME_JIT);
	/* The namer has no answer: [anon] as before. */
	process_symbolizer_resolve_user(ps, namer_base + 0x10, &f);
	assert_string_equal(f.module, "[anon]");
	assert_int_equal(f.kind, FRAME_UNKNOWN);
	/* A perf map entry wins: the namer is not asked. */
	snprintf(map, sizeof(map), "%s/perf-namer.map", dir);
	n = snprintf(text, sizeof(text), "%llx 100 void com.example.Job.fromMap()\n",
		     (unsigned long long)namer_base + 0xa00);
	assert_int_equal(elf_fixture_write(map, text, (size_t)n), 0);
	assert_int_equal(process_symbolizer_load_perf_map_file(ps, map), 0);
	namer_calls = 0;
	process_symbolizer_resolve_user(ps, namer_base + 0xa10, &f);
	assert_string_equal(f.name, "com.example.Job.fromMap");
	assert_int_equal(namer_calls, 0);
	/* Cached until the namer is set again (code moved). */
	process_symbolizer_resolve_user(ps, namer_base + 0x900, &f);
	namer_calls = 0;
	namer_answer = "com.example.Job.movedHere";
	process_symbolizer_resolve_user(ps, namer_base + 0x900, &f);
	assert_string_equal(f.name, "com.example.Job.fromMemory");
	assert_int_equal(namer_calls, 0);
	process_symbolizer_set_jit_namer(ps, fake_namer, NULL);
	process_symbolizer_resolve_user(ps, namer_base + 0x900, &f);
	assert_string_equal(f.name, "com.example.Job.movedHere");
	process_symbolizer_free(ps);
	munmap(code, 0x10000);
}

static void test_perf_map_of_process(void **state)
{
	char path[64], text[128];
	void *code = mmap(NULL, 0x1000, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct process_symbolizer *ps;
	struct frame_sym f;
	int n;

	(void)state;
	assert_true(code != MAP_FAILED);
	ps = new_self(NULL);
	/* The real location: /proc/PID/root/tmp/perf-NSPID.map. */
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
	unlink(path);
	assert_int_equal(process_symbolizer_load_perf_map(ps), -ENOENT);
	n = snprintf(text, sizeof(text), "%llx 40 int a.B.c()\n",
		     (unsigned long long)(uintptr_t)code);
	assert_int_equal(elf_fixture_write(path, text, (size_t)n), 0);
	assert_int_equal(process_symbolizer_load_perf_map(ps), 0);
	process_symbolizer_resolve_user(ps, (uint64_t)(uintptr_t)code + 4, &f);
	assert_string_equal(f.name, "a.B.c");
	/* Read apart (the daemon's worker thread), installed later. */
	n = snprintf(text, sizeof(text), "%llx 40 int a.B.later()\n",
		     (unsigned long long)(uintptr_t)code + 0x100);
	assert_int_equal(elf_fixture_write(path, text, (size_t)n), 0);
	{
		struct perf_map *pm = NULL;

		assert_int_equal(process_symbolizer_read_perf_map(getpid(), &pm), 0);
		assert_non_null(pm);
		process_symbolizer_resolve_user(ps, (uint64_t)(uintptr_t)code + 0x104, &f);
		assert_int_not_equal(f.kind, FRAME_JIT); /* not installed yet */
		assert_int_equal(process_symbolizer_install_perf_map(ps, pm), 0);
	}
	process_symbolizer_resolve_user(ps, (uint64_t)(uintptr_t)code + 0x104, &f);
	assert_string_equal(f.name, "a.B.later");
	process_symbolizer_resolve_user(ps, (uint64_t)(uintptr_t)code + 4, &f);
	assert_string_equal(f.name, "a.B.c"); /* merged with the older map */
	/* A symlink planted there is refused. */
	unlink(path);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(process_symbolizer_load_perf_map(ps), -ELOOP);
	{
		struct perf_map *pm = NULL;

		assert_int_equal(process_symbolizer_read_perf_map(getpid(), &pm), -ELOOP);
		assert_null(pm);
	}
	unlink(path);
	process_symbolizer_free(ps);
	munmap(code, 0x1000);
}

static void test_kernel(void **state)
{
	static const char kallsyms[] = "ffffffff81000000 T _stext\n"
				       "ffffffff81000100 T do_syscall_64\n"
				       "ffffffff81000400 D data\n";
	struct ksyms *ks = NULL;
	struct process_symbolizer *ps;
	struct symbolizer_stats st;
	struct frame_sym f;

	(void)state;
	assert_int_equal(ksyms_parse(kallsyms, strlen(kallsyms), &ks), 0);
	ps = new_self(ks);
	process_symbolizer_resolve_kernel(ps, 0xffffffff81000123ull, &f);
	assert_string_equal(f.name, "do_syscall_64");
	assert_string_equal(f.module, "[kernel]");
	assert_int_equal(f.kind, FRAME_KERNEL);
	process_symbolizer_resolve_kernel(ps, 0xffffffff81000500ull, &f);
	assert_string_equal(f.name, "[unknown]");
	assert_int_equal(f.kind, FRAME_UNKNOWN);
	process_symbolizer_stats(ps, &st);
	assert_int_equal(st.kernel_hits, 1);
	assert_int_equal(st.kernel_misses, 1);
	process_symbolizer_free(ps);
	/* The names outlive the ksyms they came from. */
	ps = new_self(ks);
	process_symbolizer_resolve_kernel(ps, 0xffffffff81000123ull, &f);
	ksyms_free(ks);
	assert_string_equal(f.name, "do_syscall_64");
	process_symbolizer_free(ps);

	ps = new_self(NULL);
	process_symbolizer_resolve_kernel(ps, 0xffffffff81000123ull, &f);
	assert_string_equal(f.name, "[unknown]");
	assert_string_equal(f.module, "[kernel]");
	process_symbolizer_free(ps);
}

static void test_unknown(void **state)
{
	struct process_symbolizer *ps = new_self(NULL);
	int on_stack = 0;
	struct frame_sym f;

	(void)state;
	process_symbolizer_set_maps_interval(ps, UINT_MAX);
	process_symbolizer_resolve_user(ps, 0x1000, &f);
	assert_string_equal(f.name, "[unknown]");
	assert_string_equal(f.module, "[unmapped]");
	assert_int_equal(f.kind, FRAME_UNKNOWN);
	process_symbolizer_resolve_user(ps, (uint64_t)(uintptr_t)&on_stack, &f);
	assert_string_equal(f.name, "[unknown]");
	/* valgrind runs the program on a stack of its own, an anonymous
	 * mapping. */
	assert_true(strcmp(f.module, "[stack]") == 0 || strcmp(f.module, "[anon]") == 0);
	assert_int_equal(f.kind, FRAME_UNKNOWN);
	/* A data mapping of a file: the module is named, the symbol is not
	 * a function. Initialised data, which is read from the file: .bss
	 * (dir) may lie past its last page, in an anonymous mapping, as it
	 * did under ASan once the binary grew. */
	process_symbolizer_resolve_user(ps, (uint64_t)(uintptr_t)&file_data, &f);
	assert_string_equal(f.name, "[unknown]");
	assert_string_equal(f.module, "test_symbolizer");
	process_symbolizer_free(ps);
}

static void test_no_process(void **state)
{
	struct process_symbolizer *ps = (void *)1;

	(void)state;
	assert_int_equal(process_symbolizer_new(0x7ffffff0, NULL, &ps), -ESRCH);
	assert_null(ps);
	process_symbolizer_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_function),
		cmocka_unit_test(test_cached_only),
		cmocka_unit_test(test_dlopen_library),
		cmocka_unit_test(test_table_max),
		cmocka_unit_test(test_cxx_demangled),
		cmocka_unit_test(test_maps_reload),
		cmocka_unit_test(test_deleted_library),
		cmocka_unit_test(test_jit_perf_map),
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_jit_namer),
		cmocka_unit_test(test_perf_map_of_process),
		cmocka_unit_test(test_kernel),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_no_process),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
