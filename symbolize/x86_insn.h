// SPDX-License-Identifier: GPL-2.0
/* Length and control flow of one x86-64 instruction, enough to follow the
 * code HotSpot's compilers emit from a sampled pc to the next debug
 * information record (symbolize/hotspot_nmethod.c, JAVA_PC_FLOW). Not a
 * disassembler: it knows how long an instruction is and whether it jumps,
 * calls or returns, and says -EINVAL for what it does not know (the caller
 * then falls back to a rule that needs no decoding). */
#ifndef TMPROF_SYMBOLIZE_X86_INSN_H
#define TMPROF_SYMBOLIZE_X86_INSN_H

#include <stddef.h>
#include <stdint.h>

enum x86_flow {
	X86_NEXT,   /* falls through to the next instruction */
	X86_JMP,    /* unconditional direct jump to target */
	X86_JCC,    /* conditional direct jump to target, else next */
	X86_CALL,   /* direct or indirect call: returns to the next instruction */
	X86_STOP,   /* ret, indirect jump, hlt, int3, ud2: no known successor */
};

struct x86_insn {
	size_t len;
	enum x86_flow flow;
	int64_t target; /* X86_JMP, X86_JCC: offset in code of the destination */
};

/* The instruction at code[off] (code holds len bytes; an instruction that
 * runs past them is -EINVAL, as is an opcode not decoded here). */
int x86_insn_decode(const uint8_t *code, size_t len, size_t off, struct x86_insn *out);

#endif
