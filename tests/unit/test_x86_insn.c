// SPDX-License-Identifier: GPL-2.0
/* Instruction lengths and control flow of x86-64 encodings HotSpot's C2
 * emits (taken from a JDK 11 nmethod dumped with objdump), and the cases
 * the decoder must refuse rather than guess. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "symbolize/x86_insn.h"

static void expect(const uint8_t *code, size_t len, size_t ilen, enum x86_flow flow,
		   int64_t target)
{
	struct x86_insn in;

	assert_int_equal(x86_insn_decode(code, len, 0, &in), 0);
	assert_int_equal(in.len, ilen);
	assert_int_equal(in.flow, flow);
	if (flow == X86_JMP || flow == X86_JCC)
		assert_int_equal(in.target, target);
}

#define EXPECT(flow, target, ...)                                                    \
	do {                                                                         \
		static const uint8_t c_[] = { __VA_ARGS__ };                         \
		expect(c_, sizeof(c_), sizeof(c_), flow, target);                    \
	} while (0)

static void test_plain_instructions(void **state)
{
	(void)state;
	EXPECT(X86_NEXT, 0, 0x4c, 0x8b, 0xd1);                            /* mov %rcx,%r10 */
	EXPECT(X86_NEXT, 0, 0x49, 0xbd, 0xb9, 0xe5, 0xe4, 0x1c, 0x6d, 0x47, 0x58, 0xbf); /* movabs */
	EXPECT(X86_NEXT, 0, 0xb8, 0xc3, 0xc3, 0xe9, 0xe9);                /* mov $imm32,%eax */
	EXPECT(X86_NEXT, 0, 0x66, 0xb8, 0xc3, 0xe9);                      /* mov $imm16,%ax */
	EXPECT(X86_NEXT, 0, 0x41, 0x85, 0x02);                            /* test %eax,(%r10) */
	EXPECT(X86_NEXT, 0, 0x4d, 0x0f, 0xaf, 0xca);                      /* imul %r10,%r9 */
	EXPECT(X86_NEXT, 0, 0x48, 0x8d, 0x64, 0x24, 0xf8);                /* lea -8(%rsp),%rsp */
	EXPECT(X86_NEXT, 0, 0x48, 0x8b, 0x05, 1, 2, 3, 4);                /* mov x(%rip),%rax */
	EXPECT(X86_NEXT, 0, 0x8b, 0x04, 0x25, 1, 2, 3, 4);                /* mov abs32 (SIB) */
	EXPECT(X86_NEXT, 0, 0x48, 0x81, 0xec, 0x10, 0, 0, 0);             /* sub $16,%rsp */
	EXPECT(X86_NEXT, 0, 0xf7, 0xc0, 1, 2, 3, 4);                      /* test $imm32,%eax */
	EXPECT(X86_NEXT, 0, 0xf6, 0xc0, 1);                               /* test $imm8,%al */
	EXPECT(X86_NEXT, 0, 0xf7, 0xd8);                                  /* neg %eax */
	EXPECT(X86_NEXT, 0, 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00);          /* nopw */
	EXPECT(X86_NEXT, 0, 0xc4, 0xe3, 0xfb, 0xf0, 0xf6, 0x34);          /* rorx $52,%rsi,%rsi */
	EXPECT(X86_NEXT, 0, 0xc5, 0xf8, 0x77);                            /* vzeroupper */
	EXPECT(X86_NEXT, 0, 0xc5, 0xf9, 0x70, 0xc1, 0x1b);                /* vpshufd $27 */
	EXPECT(X86_NEXT, 0, 0x62, 0xf1, 0xfd, 0x48, 0x6f, 0x05, 1, 2, 3, 4); /* vmovdqa64 (EVEX) */
	EXPECT(X86_NEXT, 0, 0x66, 0x0f, 0x3a, 0x0f, 0xc1, 0x08);          /* palignr $8 */
	EXPECT(X86_NEXT, 0, 0x66, 0x0f, 0x38, 0x00, 0xc1);                /* pshufb */
	EXPECT(X86_NEXT, 0, 0xf0, 0x48, 0x0f, 0xb1, 0x0a);                /* lock cmpxchg */
}

static void test_control_flow(void **state)
{
	(void)state;
	EXPECT(X86_JCC, 2 + 0x12, 0x75, 0x12);                            /* jne */
	EXPECT(X86_JCC, 2 - 9, 0x7c, 0xf7);                               /* jl, backward */
	EXPECT(X86_JCC, 6 + 0x95b, 0x0f, 0x8e, 0x5b, 0x09, 0x00, 0x00);   /* jle rel32 */
	EXPECT(X86_JMP, 5 + 0x18e, 0xe9, 0x8e, 0x01, 0x00, 0x00);         /* jmp rel32 */
	EXPECT(X86_JMP, 2 - 2, 0xeb, 0xfe);                               /* jmp to itself */
	EXPECT(X86_CALL, 0, 0xe8, 0x40, 0x09, 0x00, 0x00);                /* call rel32 */
	EXPECT(X86_CALL, 0, 0xff, 0xd0);                                  /* call *%rax */
	EXPECT(X86_CALL, 0, 0x41, 0xff, 0x53, 0x08);                      /* call *8(%r11) */
	EXPECT(X86_STOP, 0, 0xff, 0xe0);                                  /* jmp *%rax */
	EXPECT(X86_STOP, 0, 0xc3);                                        /* ret */
	EXPECT(X86_STOP, 0, 0x0f, 0x0b);                                  /* ud2 */
	EXPECT(X86_STOP, 0, 0xf4);                                        /* hlt */
}

static void test_sequence_and_offsets(void **state)
{
	/* Decoding at an offset: targets are offsets in code. */
	static const uint8_t code[] = { 0x90, 0x90, 0x0f, 0x8c, 0xfa, 0xff, 0xff, 0xff };
	struct x86_insn in;

	(void)state;
	assert_int_equal(x86_insn_decode(code, sizeof(code), 2, &in), 0);
	assert_int_equal(in.len, 6);
	assert_int_equal(in.flow, X86_JCC);
	assert_int_equal(in.target, 2); /* 8 - 6 */
	assert_int_equal(x86_insn_decode(code, sizeof(code), 1, &in), 0);
	assert_int_equal(in.len, 1);
}

static void test_refused(void **state)
{
	static const uint8_t invalid[] = { 0x06 }, truncated[] = { 0xe9, 0x00 },
			     modrm_cut[] = { 0x48, 0x8b, 0x05, 1 }, prefixes[16] = {
				     0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
				     0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90 },
			     threednow[] = { 0x0f, 0x0f, 0xc0, 0x00 }, vex_map[] = { 0xc4, 0xe0, 0x00, 0x00, 0xc0 };
	struct x86_insn in;

	(void)state;
	assert_int_equal(x86_insn_decode(invalid, sizeof(invalid), 0, &in), -EINVAL);
	assert_int_equal(x86_insn_decode(truncated, sizeof(truncated), 0, &in), -EINVAL);
	assert_int_equal(x86_insn_decode(modrm_cut, sizeof(modrm_cut), 0, &in), -EINVAL);
	assert_int_equal(x86_insn_decode(prefixes, sizeof(prefixes), 0, &in), -EINVAL); /* > 15 */
	assert_int_equal(x86_insn_decode(threednow, sizeof(threednow), 0, &in), -EINVAL);
	assert_int_equal(x86_insn_decode(vex_map, sizeof(vex_map), 0, &in), -EINVAL);
	assert_int_equal(x86_insn_decode(invalid, sizeof(invalid), 1, &in), -EINVAL); /* past end */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_instructions),
		cmocka_unit_test(test_control_flow),
		cmocka_unit_test(test_sequence_and_offsets),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
