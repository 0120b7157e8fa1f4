// SPDX-License-Identifier: GPL-2.0
#include "symbolize/x86_insn.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* The architectural limit: a longer instruction is not one. */
#define INSN_MAX 15

/* What follows the opcode byte(s). */
enum operand {
	OP_NONE,
	OP_MODRM,
	OP_MODRM_IMM8,
	OP_MODRM_IMMZ, /* imm16 with 0x66, else imm32 */
	OP_IMM8,
	OP_IMMZ,
	OP_IMM16,
	OP_IMM16_IMM8, /* enter */
	OP_MOFFS,      /* 8 bytes, 4 with 0x67 */
	OP_MOV_IMM,    /* B8+r: imm64 with REX.W, else immz */
	OP_REL8,
	OP_REL32,
	OP_GROUP3,     /* F6/F7: an immediate only for /0 and /1 (test) */
	OP_INVALID,
};

struct cursor {
	const uint8_t *code;
	size_t len, start, pos;
};

static int byte_next(struct cursor *c, uint8_t *b)
{
	if (c->pos >= c->len || c->pos - c->start >= INSN_MAX)
		return -EINVAL;
	*b = c->code[c->pos++];
	return 0;
}

static int skip(struct cursor *c, size_t n)
{
	if (c->pos + n > c->len || c->pos + n - c->start > INSN_MAX)
		return -EINVAL;
	c->pos += n;
	return 0;
}

/* ModRM, SIB and displacement; *reg gets the ModRM reg field (the opcode
 * extension of group opcodes). */
static int modrm_skip(struct cursor *c, unsigned *reg)
{
	uint8_t m, sib;
	unsigned mod, rm;

	if (byte_next(c, &m))
		return -EINVAL;
	mod = m >> 6;
	rm = m & 7;
	*reg = (m >> 3) & 7;
	if (mod == 3)
		return 0;
	if (rm == 4) {
		if (byte_next(c, &sib))
			return -EINVAL;
		if (mod == 0 && (sib & 7) == 5)
			return skip(c, 4);
	}
	if (mod == 0 && rm == 5)
		return skip(c, 4); /* RIP-relative */
	return skip(c, mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

static enum operand one_byte_operand(uint8_t op)
{
	if (op < 0x40) {
		switch (op & 7) {
		case 0: case 1: case 2: case 3: return OP_MODRM;
		case 4: return OP_IMM8;
		case 5: return OP_IMMZ;
		default: return OP_INVALID; /* push/pop seg, daa...: not in 64-bit mode */
		}
	}
	if (op >= 0x50 && op <= 0x5f)
		return OP_NONE;
	if (op >= 0x70 && op <= 0x7f)
		return OP_REL8;
	if (op >= 0x84 && op <= 0x8f)
		return OP_MODRM;
	if (op >= 0x90 && op <= 0x9f)
		return op == 0x9a ? OP_INVALID : OP_NONE;
	if (op >= 0xa0 && op <= 0xa3)
		return OP_MOFFS;
	if ((op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf))
		return OP_NONE;
	if (op >= 0xb0 && op <= 0xb7)
		return OP_IMM8;
	if (op >= 0xb8 && op <= 0xbf)
		return OP_MOV_IMM;
	if (op >= 0xd8 && op <= 0xdf)
		return OP_MODRM; /* x87 */
	switch (op) {
	case 0x63: return OP_MODRM;
	case 0x68: return OP_IMMZ;
	case 0x69: return OP_MODRM_IMMZ;
	case 0x6a: return OP_IMM8;
	case 0x6b: return OP_MODRM_IMM8;
	case 0x6c: case 0x6d: case 0x6e: case 0x6f: return OP_NONE;
	case 0x80: case 0x83: return OP_MODRM_IMM8;
	case 0x81: return OP_MODRM_IMMZ;
	case 0xa8: return OP_IMM8;
	case 0xa9: return OP_IMMZ;
	case 0xc0: case 0xc1: case 0xc6: return OP_MODRM_IMM8;
	case 0xc7: return OP_MODRM_IMMZ;
	case 0xc2: case 0xca: return OP_IMM16;
	case 0xc3: case 0xc9: case 0xcb: case 0xcc: case 0xcf: return OP_NONE;
	case 0xc8: return OP_IMM16_IMM8;
	case 0xcd: return OP_IMM8;
	case 0xd0: case 0xd1: case 0xd2: case 0xd3: return OP_MODRM;
	case 0xd7: return OP_NONE;
	case 0xe0: case 0xe1: case 0xe2: case 0xe3: return OP_REL8;
	case 0xe4: case 0xe5: case 0xe6: case 0xe7: return OP_IMM8;
	case 0xe8: case 0xe9: return OP_REL32;
	case 0xeb: return OP_REL8;
	case 0xec: case 0xed: case 0xee: case 0xef:
	case 0xf1: case 0xf4: case 0xf5: return OP_NONE;
	case 0xf6: case 0xf7: return OP_GROUP3;
	case 0xf8: case 0xf9: case 0xfa: case 0xfb: case 0xfc: case 0xfd: return OP_NONE;
	case 0xfe: case 0xff: return OP_MODRM;
	}
	return OP_INVALID;
}

/* Opcodes of map 0F (legacy or VEX/EVEX) with an imm8 after the ModRM. */
static bool map0f_has_imm8(uint8_t op)
{
	return (op >= 0x70 && op <= 0x73) || op == 0xa4 || op == 0xac || op == 0xba ||
	       op == 0xc2 || op == 0xc4 || op == 0xc5 || op == 0xc6;
}

static enum operand map0f_operand(uint8_t op)
{
	if (op >= 0x80 && op <= 0x8f)
		return OP_REL32;
	if ((op >= 0x30 && op <= 0x37) || (op >= 0xc8 && op <= 0xcf))
		return OP_NONE;
	switch (op) {
	case 0x05: case 0x06: case 0x07: case 0x08: case 0x09: case 0x0b: case 0x0e:
	case 0x77: case 0xa0: case 0xa1: case 0xa2: case 0xa8: case 0xa9: case 0xaa:
		return OP_NONE;
	case 0x0f: case 0x04: case 0x0a: case 0x0c: case 0x24: case 0x25: case 0x26:
	case 0x27: case 0x36: case 0x39: case 0x3b: case 0x3c: case 0x3d: case 0x3e:
	case 0x3f: case 0xff:
		return OP_INVALID;
	}
	return map0f_has_imm8(op) ? OP_MODRM_IMM8 : OP_MODRM;
}

/* VEX (C4, C5) and EVEX (62) instructions: prefix bytes, opcode, ModRM
 * (all but vzeroupper/vzeroall), an imm8 in map 0F3A and for some map 0F
 * opcodes. */
static int vex_decode(struct cursor *c, uint8_t first, struct x86_insn *out)
{
	uint8_t p0 = 0, op;
	unsigned map = 1, reg;

	if (byte_next(c, &p0))
		return -EINVAL;
	if (first == 0xc4) {
		map = p0 & 0x1f;
		if (skip(c, 1))
			return -EINVAL;
	} else if (first == 0x62) {
		map = p0 & 0x7;
		if (skip(c, 2))
			return -EINVAL;
	}
	if (map < 1 || map > 6 || map == 4)
		return -EINVAL;
	if (byte_next(c, &op))
		return -EINVAL;
	out->flow = X86_NEXT;
	if (map == 1 && op == 0x77 && first != 0x62)
		return 0;
	if (modrm_skip(c, &reg))
		return -EINVAL;
	if (map == 3 || (map == 1 && map0f_has_imm8(op)))
		return skip(c, 1);
	return 0;
}

static int operand_skip(struct cursor *c, uint8_t op, enum operand kind, bool opsize16, bool addr32,
			bool rex_w, unsigned *reg)
{
	size_t immz = opsize16 ? 2 : 4;

	switch (kind) {
	case OP_NONE: return 0;
	case OP_MODRM: return modrm_skip(c, reg);
	case OP_MODRM_IMM8: return modrm_skip(c, reg) || skip(c, 1) ? -EINVAL : 0;
	case OP_MODRM_IMMZ: return modrm_skip(c, reg) || skip(c, immz) ? -EINVAL : 0;
	case OP_IMM8: return skip(c, 1);
	case OP_IMMZ: return skip(c, immz);
	case OP_IMM16: return skip(c, 2);
	case OP_IMM16_IMM8: return skip(c, 3);
	case OP_MOFFS: return skip(c, addr32 ? 4 : 8);
	case OP_MOV_IMM: return skip(c, rex_w ? 8 : immz);
	case OP_REL8: return skip(c, 1);
	case OP_REL32: return skip(c, 4);
	case OP_GROUP3:
		if (modrm_skip(c, reg))
			return -EINVAL;
		return *reg > 1 ? 0 : skip(c, op == 0xf6 ? 1 : immz);
	case OP_INVALID: break;
	}
	return -EINVAL;
}

int x86_insn_decode(const uint8_t *code, size_t len, size_t off, struct x86_insn *out)
{
	struct cursor c = { code, len, off, off };
	bool opsize16 = false, addr32 = false, rex_w = false;
	enum operand kind;
	unsigned reg = 0;
	uint8_t op;

	*out = (struct x86_insn){ 0, X86_NEXT, 0 };
	for (;;) {
		if (byte_next(&c, &op))
			return -EINVAL;
		if (op == 0x66)
			opsize16 = true;
		else if (op == 0x67)
			addr32 = true;
		else if (op != 0xf0 && op != 0xf2 && op != 0xf3 && op != 0x2e && op != 0x3e &&
			 op != 0x26 && op != 0x36 && op != 0x64 && op != 0x65)
			break;
	}
	if (op >= 0x40 && op <= 0x4f) { /* REX: the last prefix */
		rex_w = op & 8;
		if (byte_next(&c, &op))
			return -EINVAL;
	}
	if (op == 0xc4 || op == 0xc5 || op == 0x62) {
		if (vex_decode(&c, op, out))
			return -EINVAL;
		out->len = c.pos - off;
		return 0;
	}
	if (op == 0x0f) {
		if (byte_next(&c, &op))
			return -EINVAL;
		if (op == 0x38 || op == 0x3a) {
			bool imm = op == 0x3a;

			if (byte_next(&c, &op) || modrm_skip(&c, &reg) || (imm && skip(&c, 1)))
				return -EINVAL;
			out->len = c.pos - off;
			return 0;
		}
		kind = map0f_operand(op);
		if (operand_skip(&c, op, kind, opsize16, addr32, rex_w, &reg))
			return -EINVAL;
		out->len = c.pos - off;
		if (kind == OP_REL32) {
			int32_t rel;

			memcpy(&rel, code + c.pos - 4, 4);
			out->flow = X86_JCC;
			out->target = (int64_t)c.pos + rel;
		} else if (op == 0x0b) {
			out->flow = X86_STOP; /* ud2 */
		}
		return 0;
	}
	kind = one_byte_operand(op);
	if (operand_skip(&c, op, kind, opsize16, addr32, rex_w, &reg))
		return -EINVAL;
	out->len = c.pos - off;
	if (kind == OP_REL8 || kind == OP_REL32) {
		int32_t rel;

		if (kind == OP_REL8)
			rel = (int32_t)(uint8_t)code[c.pos - 1] - ((code[c.pos - 1] & 0x80) ? 256 : 0);
		else
			memcpy(&rel, code + c.pos - 4, 4);
		out->target = (int64_t)c.pos + rel;
		out->flow = op == 0xe8 ? X86_CALL : (op == 0xe9 || op == 0xeb) ? X86_JMP : X86_JCC;
		return 0;
	}
	if (op == 0xff && (reg == 2 || reg == 3))
		out->flow = X86_CALL;
	else if ((op == 0xff && (reg == 4 || reg == 5)) || op == 0xc2 || op == 0xc3 ||
		 op == 0xca || op == 0xcb || op == 0xcc || op == 0xcf || op == 0xf1 || op == 0xf4)
		out->flow = X86_STOP;
	return 0;
}
