// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/core/emulate.c, the MMIO instruction decoder.
 *
 * The byte sequences in the tables were checked against GNU as and
 * objdump (x86-64, i386 and i8086 modes) when they were written.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../kmod/core/emulate.h"
#include "../../kmod/core/gva.h"
#include "unit.h"

enum mode { M64, M32, M16, M32_CSL };	/* CS.L without EFER.LMA: 32-bit */

static struct altp2m_paging paging(enum mode m)
{
	struct altp2m_paging pg = { .cr0 = ALTP2M_CR0_PE };

	switch (m) {
	case M64:
		pg.cr0 |= ALTP2M_CR0_PG;
		pg.cr4 = ALTP2M_CR4_PAE;
		pg.efer = ALTP2M_EFER_LME | ALTP2M_EFER_LMA;
		pg.cs_l = true;
		break;
	case M32:
		pg.cs_db = true;
		break;
	case M16:
		break;
	case M32_CSL:
		pg.cs_l = true;
		pg.cs_db = true;
		break;
	}
	return pg;
}

#define B(s)	.b = (const u8 *)(s), .n = sizeof(s) - 1
#define RAX	ALTP2M_RAX
#define RCX	ALTP2M_RCX
#define RDX	ALTP2M_RDX
#define RBX	ALTP2M_RBX
#define RSP	ALTP2M_RSP
#define RBP	ALTP2M_RBP
#define RSI	ALTP2M_RSI
#define RDI	ALTP2M_RDI

/* Store of a register: len, size, reg, high8. */
#define ST(l, sz, r, h)	.len = l, .size = sz, .write = true, .reg = r, \
			.reg_size = sz, .high8 = h
/* Load into a register: len, size, reg, reg_size, high8, sign-extend. */
#define LD(l, sz, r, rs, h, sx) .len = l, .size = sz, .reg = r, \
			.reg_size = rs, .high8 = h, .sign_extend = sx
/* Store of an immediate. */
#define IMM(l, sz, v)	.len = l, .size = sz, .write = true, .reg_size = sz, \
			.has_imm = true, .imm = v

static const struct good {
	const char *asm_text;
	enum mode mode;
	const u8 *b;
	unsigned int n;
	u8 len, size, reg, reg_size;
	bool write, high8, sign_extend, has_imm;
	u64 imm;
} goods[] = {
	/* 64-bit: register stores, every byte-register rule */
	{ "mov %eax,(%rdi)", M64, B("\x89\x07"), ST(2, 4, RAX, false) },
	{ "mov %al,(%rdi)", M64, B("\x88\x07"), ST(2, 1, RAX, false) },
	{ "mov %ah,(%rdi)", M64, B("\x88\x27"), ST(2, 1, RAX, true) },
	{ "mov %bh,0x10(%rcx)", M64, B("\x88\x79\x10"), ST(3, 1, RBX, true) },
	{ "mov %sil,(%rdi)", M64, B("\x40\x88\x37"), ST(3, 1, RSI, false) },
	{ "mov %dil,(%rax)", M64, B("\x40\x88\x38"), ST(3, 1, RDI, false) },
	{ "mov %spl,(%rax)", M64, B("\x40\x88\x20"), ST(3, 1, RSP, false) },
	{ "mov %bpl,(%rax)", M64, B("\x40\x88\x28"), ST(3, 1, RBP, false) },
	{ "mov %r8b,(%rax)", M64, B("\x44\x88\x00"), ST(3, 1, ALTP2M_R8,
							false) },
	{ "mov %r15b,(%rax)", M64, B("\x44\x88\x38"), ST(3, 1, ALTP2M_R15,
							 false) },
	{ "mov %ax,(%rdi)", M64, B("\x66\x89\x07"), ST(3, 2, RAX, false) },
	{ "mov %rax,(%rdi)", M64, B("\x48\x89\x07"), ST(3, 8, RAX, false) },
	{ "mov %r9,(%rdi)", M64, B("\x4c\x89\x0f"), ST(3, 8, ALTP2M_R9,
						      false) },
	{ "mov %r9d,(%rdi)", M64, B("\x44\x89\x0f"), ST(3, 4, ALTP2M_R9,
						       false) },
	{ "mov %r12w,(%r12)", M64, B("\x66\x45\x89\x24\x24"),
	  ST(5, 2, ALTP2M_R12, false) },
	/* 64-bit: every ModRM/SIB/displacement shape */
	{ "mov %ecx,0x0(%r13)", M64, B("\x41\x89\x4d\x00"),
	  ST(4, 4, RCX, false) },
	{ "mov %edx,0x12345678(%rip)", M64, B("\x89\x15\x78\x56\x34\x12"),
	  ST(6, 4, RDX, false) },
	{ "mov %edx,0x12(%rsp)", M64, B("\x89\x54\x24\x12"),
	  ST(4, 4, RDX, false) },
	{ "mov %edx,(%rsp)", M64, B("\x89\x14\x24"), ST(3, 4, RDX, false) },
	{ "mov %edx,0x12345678(%rsp)", M64,
	  B("\x89\x94\x24\x78\x56\x34\x12"), ST(7, 4, RDX, false) },
	{ "mov %edx,0x12345678(,%rbx,4)", M64,
	  B("\x89\x14\x9d\x78\x56\x34\x12"), ST(7, 4, RDX, false) },
	{ "mov %edx,(%rax,%r11,8)", M64, B("\x42\x89\x14\xd8"),
	  ST(4, 4, RDX, false) },
	{ "mov %edx,0x1234(%rbp)", M64, B("\x89\x95\x34\x12\x00\x00"),
	  ST(6, 4, RDX, false) },
	{ "mov %edx,0x0(%r13,%r14,2)", M64, B("\x43\x89\x54\x75\x00"),
	  ST(5, 4, RDX, false) },
	/* REX.B does not turn rm = 101 / SIB base = 101 into R13 */
	{ "mov %eax,0x10(%rip) with REX.B", M64,
	  B("\x41\x89\x05\x10\x00\x00\x00"), ST(7, 4, RAX, false) },
	{ "mov %eax,0x10 (SIB, no base) with REX.B", M64,
	  B("\x41\x89\x04\x25\x10\x00\x00\x00"), ST(8, 4, RAX, false) },
	{ "mov %r13,0x0(%r13)", M64, B("\x4d\x89\x6d\x00"),
	  ST(4, 8, ALTP2M_R13, false) },
	/* 64-bit: loads */
	{ "mov (%rdi),%eax", M64, B("\x8b\x07"), LD(2, 4, RAX, 4, 0, 0) },
	{ "mov (%rdi),%al", M64, B("\x8a\x07"), LD(2, 1, RAX, 1, 0, 0) },
	{ "mov (%rdi),%ah", M64, B("\x8a\x27"), LD(2, 1, RAX, 1, 1, 0) },
	{ "mov (%rdi),%ch", M64, B("\x8a\x2f"), LD(2, 1, RCX, 1, 1, 0) },
	{ "mov (%rdi),%dh", M64, B("\x8a\x37"), LD(2, 1, RDX, 1, 1, 0) },
	{ "mov (%rdi),%sil", M64, B("\x40\x8a\x37"), LD(3, 1, RSI, 1, 0, 0) },
	{ "mov (%rdi),%r11b", M64, B("\x44\x8a\x1f"),
	  LD(3, 1, ALTP2M_R11, 1, 0, 0) },
	{ "mov (%rdi),%ax", M64, B("\x66\x8b\x07"), LD(3, 2, RAX, 2, 0, 0) },
	{ "mov (%rdi),%rax", M64, B("\x48\x8b\x07"), LD(3, 8, RAX, 8, 0, 0) },
	{ "mov (%rdi),%r10", M64, B("\x4c\x8b\x17"),
	  LD(3, 8, ALTP2M_R10, 8, 0, 0) },
	{ "mov 0x40(%rdi),%r10d", M64, B("\x44\x8b\x57\x40"),
	  LD(4, 4, ALTP2M_R10, 4, 0, 0) },
	{ "mov (%rdi),%r14w", M64, B("\x66\x44\x8b\x37"),
	  LD(4, 2, ALTP2M_R14, 2, 0, 0) },
	/* 64-bit: immediates */
	{ "movb $0x5a,(%rdi)", M64, B("\xc6\x07\x5a"), IMM(3, 1, 0x5a) },
	{ "movb $0xff,0x10(%rax,%rbx,2)", M64, B("\xc6\x44\x58\x10\xff"),
	  IMM(5, 1, 0xff) },
	{ "movw $0x1234,(%rdi)", M64, B("\x66\xc7\x07\x34\x12"),
	  IMM(5, 2, 0x1234) },
	{ "movl $0x12345678,(%rdi)", M64, B("\xc7\x07\x78\x56\x34\x12"),
	  IMM(6, 4, 0x12345678) },
	{ "movq $-2,(%rdi)", M64, B("\x48\xc7\x07\xfe\xff\xff\xff"),
	  IMM(7, 8, 0xfffffffffffffffeULL) },
	{ "movq $0x7fffffff,(%rdi)", M64, B("\x48\xc7\x07\xff\xff\xff\x7f"),
	  IMM(7, 8, 0x7fffffff) },
	{ "movl $0xdeadbeef,0x12345678(%rip)", M64,
	  B("\xc7\x05\x78\x56\x34\x12\xef\xbe\xad\xde"),
	  IMM(10, 4, 0xdeadbeef) },
	/* 64-bit: MOVZX/MOVSX */
	{ "movzbl (%rdi),%eax", M64, B("\x0f\xb6\x07"),
	  LD(3, 1, RAX, 4, 0, 0) },
	{ "movzbw (%rdi),%ax", M64, B("\x66\x0f\xb6\x07"),
	  LD(4, 1, RAX, 2, 0, 0) },
	{ "movzbq (%rdi),%rax", M64, B("\x48\x0f\xb6\x07"),
	  LD(4, 1, RAX, 8, 0, 0) },
	{ "movzbl (%rdi),%r9d", M64, B("\x44\x0f\xb6\x0f"),
	  LD(4, 1, ALTP2M_R9, 4, 0, 0) },
	{ "movzbl (%rdi),%esp (no AH: not a byte register)", M64,
	  B("\x0f\xb6\x27"), LD(3, 1, RSP, 4, 0, 0) },
	{ "movzwl (%rdi),%eax", M64, B("\x0f\xb7\x07"),
	  LD(3, 2, RAX, 4, 0, 0) },
	{ "movzwq (%rdi),%r15", M64, B("\x4c\x0f\xb7\x3f"),
	  LD(4, 2, ALTP2M_R15, 8, 0, 0) },
	{ "movsbl (%rdi),%eax", M64, B("\x0f\xbe\x07"),
	  LD(3, 1, RAX, 4, 0, 1) },
	{ "movsbw (%rdi),%ax", M64, B("\x66\x0f\xbe\x07"),
	  LD(4, 1, RAX, 2, 0, 1) },
	{ "movsbq (%rdi),%rdx", M64, B("\x48\x0f\xbe\x17"),
	  LD(4, 1, RDX, 8, 0, 1) },
	{ "movswl (%rdi),%esi", M64, B("\x0f\xbf\x37"),
	  LD(3, 2, RSI, 4, 0, 1) },
	{ "movswq (%rdi),%r8", M64, B("\x4c\x0f\xbf\x07"),
	  LD(4, 2, ALTP2M_R8, 8, 0, 1) },
	/* 64-bit: moffs, 8 bytes unless 67 */
	{ "movabs 0x1122334455667788,%al", M64,
	  B("\xa0\x88\x77\x66\x55\x44\x33\x22\x11"), LD(9, 1, RAX, 1, 0, 0) },
	{ "movabs 0x1122334455667788,%eax", M64,
	  B("\xa1\x88\x77\x66\x55\x44\x33\x22\x11"), LD(9, 4, RAX, 4, 0, 0) },
	{ "movabs 0x1122334455667788,%rax", M64,
	  B("\x48\xa1\x88\x77\x66\x55\x44\x33\x22\x11"),
	  LD(10, 8, RAX, 8, 0, 0) },
	{ "movabs %al,0x1122334455667788", M64,
	  B("\xa2\x88\x77\x66\x55\x44\x33\x22\x11"), ST(9, 1, RAX, false) },
	{ "movabs %al,0x1122334455667788 with REX", M64,
	  B("\x41\xa2\x88\x77\x66\x55\x44\x33\x22\x11"),
	  ST(10, 1, RAX, false) },
	{ "movabs %ax,0x1122334455667788", M64,
	  B("\x66\xa3\x88\x77\x66\x55\x44\x33\x22\x11"),
	  ST(10, 2, RAX, false) },
	{ "movabs %rax,0x1122334455667788", M64,
	  B("\x48\xa3\x88\x77\x66\x55\x44\x33\x22\x11"),
	  ST(10, 8, RAX, false) },
	{ "addr32 mov 0x11223344,%eax", M64, B("\x67\xa1\x44\x33\x22\x11"),
	  LD(6, 4, RAX, 4, 0, 0) },
	/* 64-bit: segment and address-size prefixes */
	{ "mov %fs:(%rdi),%eax", M64, B("\x64\x8b\x07"),
	  LD(3, 4, RAX, 4, 0, 0) },
	{ "mov %eax,%gs:0x10(%rbx)", M64, B("\x65\x89\x43\x10"),
	  ST(4, 4, RAX, false) },
	{ "mov (%edi),%eax", M64, B("\x67\x8b\x07"), LD(3, 4, RAX, 4, 0, 0) },
	{ "mov %eax,0x10(%eip)", M64, B("\x67\x89\x05\x10\x00\x00\x00"),
	  ST(7, 4, RAX, false) },
	/* REX counts only right before the opcode; the last one wins */
	{ "rex.W 66: REX ignored, 16-bit", M64, B("\x48\x66\x89\x07"),
	  ST(4, 2, RAX, false) },
	{ "rex cs mov %ah: REX ignored, AH", M64, B("\x40\x2e\x88\x27"),
	  ST(4, 1, RAX, true) },
	{ "cs rex mov %spl", M64, B("\x2e\x40\x88\x27"),
	  ST(4, 1, RSP, false) },
	{ "rex.W rex: 32-bit", M64, B("\x48\x40\x89\x07"),
	  ST(4, 4, RAX, false) },
	{ "rex rex.W: 64-bit", M64, B("\x40\x48\x89\x07"),
	  ST(4, 8, RAX, false) },
	{ "66 rex.W: REX.W wins", M64, B("\x66\x48\x89\x07"),
	  ST(4, 8, RAX, false) },
	{ "66 66 ds es ss: prefixes repeat", M64,
	  B("\x66\x66\x3e\x26\x36\x8b\x07"), LD(7, 2, RAX, 2, 0, 0) },
	{ "13 prefixes: 15 bytes", M64,
	  B("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x89\x07"),
	  ST(15, 2, RAX, false) },

	/* 32-bit protected mode */
	{ "mov %eax,(%edi)", M32, B("\x89\x07"), ST(2, 4, RAX, false) },
	{ "mov %ah,(%edi)", M32, B("\x88\x27"), ST(2, 1, RAX, true) },
	{ "mov %bl,0x10(%ebx)", M32, B("\x88\x5b\x10"), ST(3, 1, RBX, false) },
	{ "mov %dh,(%eax,%ecx,4)", M32, B("\x88\x34\x88"),
	  ST(3, 1, RDX, true) },
	{ "mov %cx,(%edi)", M32, B("\x66\x89\x0f"), ST(3, 2, RCX, false) },
	{ "mov %edx,0x12345678", M32, B("\x89\x15\x78\x56\x34\x12"),
	  ST(6, 4, RDX, false) },
	{ "mov %edx,(%esp)", M32, B("\x89\x14\x24"), ST(3, 4, RDX, false) },
	{ "mov %edx,0x12345678(,%ebx,4)", M32,
	  B("\x89\x14\x9d\x78\x56\x34\x12"), ST(7, 4, RDX, false) },
	{ "mov %edx,0x12(%ebp)", M32, B("\x89\x55\x12"), ST(3, 4, RDX, false) },
	{ "mov (%esi),%ebx", M32, B("\x8b\x1e"), LD(2, 4, RBX, 4, 0, 0) },
	{ "mov (%esi),%bh", M32, B("\x8a\x3e"), LD(2, 1, RBX, 1, 1, 0) },
	{ "mov (%esi),%bl", M32, B("\x8a\x1e"), LD(2, 1, RBX, 1, 0, 0) },
	{ "mov (%esi),%si", M32, B("\x66\x8b\x36"), LD(3, 2, RSI, 2, 0, 0) },
	{ "movb $0x80,(%edi)", M32, B("\xc6\x07\x80"), IMM(3, 1, 0x80) },
	{ "movw $0xbeef,(%edi)", M32, B("\x66\xc7\x07\xef\xbe"),
	  IMM(5, 2, 0xbeef) },
	{ "movl $0x80000000,0x1000(%edi)", M32,
	  B("\xc7\x87\x00\x10\x00\x00\x00\x00\x00\x80"),
	  IMM(10, 4, 0x80000000) },
	{ "movzbl (%esi),%eax", M32, B("\x0f\xb6\x06"),
	  LD(3, 1, RAX, 4, 0, 0) },
	{ "movzwl (%esi),%edi", M32, B("\x0f\xb7\x3e"),
	  LD(3, 2, RDI, 4, 0, 0) },
	{ "movsbl (%esi),%eax", M32, B("\x0f\xbe\x06"),
	  LD(3, 1, RAX, 4, 0, 1) },
	{ "movswl (%esi),%ecx", M32, B("\x0f\xbf\x0e"),
	  LD(3, 2, RCX, 4, 0, 1) },
	{ "movsbw (%esi),%dx", M32, B("\x66\x0f\xbe\x16"),
	  LD(4, 1, RDX, 2, 0, 1) },
	{ "mov 0x11223344,%al", M32, B("\xa0\x44\x33\x22\x11"),
	  LD(5, 1, RAX, 1, 0, 0) },
	{ "mov 0x11223344,%eax", M32, B("\xa1\x44\x33\x22\x11"),
	  LD(5, 4, RAX, 4, 0, 0) },
	{ "mov %ax,0x11223344", M32, B("\x66\xa3\x44\x33\x22\x11"),
	  ST(6, 2, RAX, false) },
	{ "mov %eax,0x11223344", M32, B("\xa3\x44\x33\x22\x11"),
	  ST(5, 4, RAX, false) },
	{ "addr16 mov 0x1234,%eax", M32, B("\x67\xa1\x34\x12"),
	  LD(4, 4, RAX, 4, 0, 0) },
	{ "mov %eax,(%bx,%si)", M32, B("\x67\x89\x00"), ST(3, 4, RAX, false) },
	{ "addr16 mov %eax,0x1234 (ModRM)", M32, B("\x67\x89\x06\x34\x12"),
	  ST(5, 4, RAX, false) },
	{ "mov %eax,0x12(%bp)", M32, B("\x67\x89\x46\x12"),
	  ST(4, 4, RAX, false) },
	{ "mov %eax,0x1234(%bp,%di)", M32, B("\x67\x89\x83\x34\x12"),
	  ST(5, 4, RAX, false) },
	{ "mov %es:(%edi),%eax", M32, B("\x26\x8b\x07"),
	  LD(3, 4, RAX, 4, 0, 0) },
	{ "CS.L without EFER.LMA is not 64-bit", M32_CSL,
	  B("\xa1\x44\x33\x22\x11"), LD(5, 4, RAX, 4, 0, 0) },

	/* 16-bit code */
	{ "mov %ax,(%di)", M16, B("\x89\x05"), ST(2, 2, RAX, false) },
	{ "mov %eax,(%di)", M16, B("\x66\x89\x05"), ST(3, 4, RAX, false) },
	{ "mov %al,(%bx,%si)", M16, B("\x88\x00"), ST(2, 1, RAX, false) },
	{ "mov 0x0(%bp),%dx", M16, B("\x8b\x56\x00"), LD(3, 2, RDX, 2, 0, 0) },
	{ "mov 0x1234,%ax", M16, B("\xa1\x34\x12"), LD(3, 2, RAX, 2, 0, 0) },
	{ "mov 0x1234,%al", M16, B("\xa0\x34\x12"), LD(3, 1, RAX, 1, 0, 0) },
	{ "mov %ax,0x1234", M16, B("\xa3\x34\x12"), ST(3, 2, RAX, false) },
	{ "movw $0x55aa,(%di)", M16, B("\xc7\x05\xaa\x55"),
	  IMM(4, 2, 0x55aa) },
	{ "movl $0x11223344,(%di)", M16,
	  B("\x66\xc7\x05\x44\x33\x22\x11"), IMM(7, 4, 0x11223344) },
	{ "mov (%edi),%ax", M16, B("\x67\x8b\x07"), LD(3, 2, RAX, 2, 0, 0) },
	{ "movzbw (%si),%ax", M16, B("\x0f\xb6\x04"), LD(3, 1, RAX, 2, 0, 0) },
	{ "movzbl (%si),%eax", M16, B("\x66\x0f\xb6\x04"),
	  LD(4, 1, RAX, 4, 0, 0) },
};

static void expect_insn(const struct good *g, const struct altp2m_mmio_insn *in)
{
	ck_assert_msg(in->len == g->len, "%s: len %u, want %u", g->asm_text,
		      in->len, g->len);
	ck_assert_msg(in->size == g->size, "%s: size %u, want %u", g->asm_text,
		      in->size, g->size);
	ck_assert_msg(in->write == g->write, "%s: write", g->asm_text);
	ck_assert_msg(in->has_imm == g->has_imm, "%s: has_imm", g->asm_text);
	ck_assert_msg(in->imm == g->imm, "%s: imm %#llx, want %#llx",
		      g->asm_text, (unsigned long long)in->imm,
		      (unsigned long long)g->imm);
	if (!g->has_imm) {
		ck_assert_msg(in->reg == g->reg, "%s: reg %u, want %u",
			      g->asm_text, in->reg, g->reg);
		ck_assert_msg(in->high8 == g->high8, "%s: high8 %d, want %d",
			      g->asm_text, in->high8, g->high8);
	}
	ck_assert_msg(in->reg_size == g->reg_size, "%s: reg_size %u, want %u",
		      g->asm_text, in->reg_size, g->reg_size);
	ck_assert_msg(in->sign_extend == g->sign_extend, "%s: sign_extend",
		      g->asm_text);
}

START_TEST(decodes_vector)
{
	const struct good *g = &goods[_i];
	struct altp2m_paging pg = paging(g->mode);
	struct altp2m_mmio_insn in;
	u8 buf[32];
	unsigned int k;

	ck_assert_msg(g->n == g->len, "%s: table length", g->asm_text);
	ck_assert_msg(altp2m_mmio_decode(g->b, g->n, &pg, &in) == 0, "%s",
		      g->asm_text);
	expect_insn(g, &in);

	/* Trailing bytes are the next instruction: they change nothing. */
	memset(buf, 0x89, sizeof(buf));
	memcpy(buf, g->b, g->n);
	ck_assert_int_eq(altp2m_mmio_decode(buf, sizeof(buf), &pg, &in), 0);
	expect_insn(g, &in);

	/* Any proper prefix of the bytes asks for more. */
	for (k = 0; k < g->n; k++)
		ck_assert_msg(altp2m_mmio_decode(g->b, k, &pg, &in) == -ENODATA,
			      "%s: %u of %u bytes", g->asm_text, k, g->n);
}
END_TEST

static const struct bad {
	const char *what;
	enum mode mode;
	const u8 *b;
	unsigned int n;
	int err;
} bads[] = {
	{ "mov %eax,%eax (mod 3)", M64, B("\x89\xc0"), -EINVAL },
	{ "mov %eax,%eax (8b, mod 3)", M64, B("\x8b\xc0"), -EINVAL },
	{ "mov $0x12,%al (mod 3)", M64, B("\xc6\xc0\x12"), -EINVAL },
	{ "movzbl %al,%eax (mod 3)", M64, B("\x0f\xb6\xc0"), -EINVAL },
	{ "xabort", M64, B("\xc6\xf8\x00"), -EINVAL },
	{ "c7 /1", M64, B("\xc7\x4f\x10\x00\x00\x00\x00"), -EINVAL },
	{ "c6 /7 memory", M64, B("\xc6\x38\x00"), -EINVAL },
	{ "lock mov", M64, B("\xf0\x89\x07"), -EINVAL },
	{ "rep mov", M64, B("\xf3\x89\x07"), -EINVAL },
	{ "repne mov", M64, B("\xf2\x89\x07"), -EINVAL },
	{ "lock after other prefixes", M64, B("\x66\x2e\xf0\x89\x07"),
	  -EINVAL },
	{ "syscall", M64, B("\x0f\x05"), -EINVAL },
	{ "nop", M64, B("\x90"), -EINVAL },
	{ "incl (%rdi)", M64, B("\xff\x07"), -EINVAL },
	{ "add %eax,(%rdi)", M64, B("\x01\x07"), -EINVAL },
	{ "movsxd", M64, B("\x48\x63\x07"), -EINVAL },
	{ "movs (string)", M64, B("\xa5"), -EINVAL },
	{ "REX is inc in 32-bit mode", M32, B("\x40\x88\x27"), -EINVAL },
	{ "REX.W is dec in 32-bit mode", M32, B("\x48\x89\x07"), -EINVAL },
	{ "REX without EFER.LMA", M32_CSL, B("\x48\x89\x07"), -EINVAL },
	{ "16 bytes", M64,
	  B("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66"
	    "\x89\x07"), -EINVAL },
	{ "imm32 past 15 bytes", M64,
	  B("\x2e\x2e\x2e\x2e\x2e\x2e\x2e\x2e\x2e\x2e\xc7\x07\x01\x02\x03"
	    "\x04"), -EINVAL },
	{ "15 prefixes", M64,
	  B("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66"),
	  -EINVAL },
	{ "14 prefixes, then nothing", M64,
	  B("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66"),
	  -ENODATA },
	{ "nothing", M64, B(""), -ENODATA },
	{ "0f alone", M64, B("\x0f"), -ENODATA },
	{ "rip-relative cut short", M64, B("\x89\x15\x78\x56"), -ENODATA },
	{ "moffs64 cut short", M64, B("\xa1\x88\x77\x66\x55\x44\x33\x22"),
	  -ENODATA },
	{ "rex then nothing", M64, B("\x48"), -ENODATA },
};

START_TEST(refuses_vector)
{
	const struct bad *b = &bads[_i];
	struct altp2m_paging pg = paging(b->mode);
	struct altp2m_mmio_insn in, zero;

	memset(&in, 0xa5, sizeof(in));
	memset(&zero, 0, sizeof(zero));
	ck_assert_msg(altp2m_mmio_decode(b->b, b->n, &pg, &in) == b->err,
		      "%s", b->what);
	ck_assert_msg(!memcmp(&in, &zero, sizeof(in)), "%s: out not zeroed",
		      b->what);
}
END_TEST

/* The guest register file before each completion test. */
static void fill_gprs(u64 *gpr)
{
	unsigned int i;

	for (i = 0; i < ALTP2M_NR_GPRS; i++)
		gpr[i] = 0x1111111111111111ULL * (i % 15 + 1);
}

static const struct load {
	const char *what;
	enum mode mode;
	const u8 *b;
	unsigned int n;
	u64 data;
	unsigned int reg;
	u64 before, after;
} loads[] = {
	{ "mov (%rdi),%ah", M64, B("\x8a\x27"), 0xab,
	  RAX, 0x1111111111111111ULL, 0x111111111111ab11ULL },
	{ "mov (%rdi),%dh", M64, B("\x8a\x37"), 0xab,
	  RDX, 0x3333333333333333ULL, 0x333333333333ab33ULL },
	{ "mov (%rdi),%sil", M64, B("\x40\x8a\x37"), 0xab,
	  RSI, 0x7777777777777777ULL, 0x77777777777777abULL },
	{ "mov (%rdi),%spl", M64, B("\x40\x8a\x27"), 0xcd,
	  RSP, 0x5555555555555555ULL, 0x55555555555555cdULL },
	{ "mov (%rdi),%bh (32-bit)", M32, B("\x8a\x3e"), 0x01,
	  RBX, 0x4444444444444444ULL, 0x4444444444440144ULL },
	{ "mov (%rdi),%r11b", M64, B("\x44\x8a\x1f"), 0x12345678,
	  ALTP2M_R11, 0xccccccccccccccccULL, 0xcccccccccccccc78ULL },
	{ "mov (%rdi),%ax", M64, B("\x66\x8b\x07"), 0xbeef,
	  RAX, 0x1111111111111111ULL, 0x111111111111beefULL },
	{ "mov (%rdi),%eax zero-extends", M64, B("\x8b\x07"), 0xdeadbeef,
	  RAX, 0x1111111111111111ULL, 0xdeadbeefULL },
	{ "mov (%rdi),%eax ignores data above 32 bits", M64, B("\x8b\x07"),
	  0xffffffff12345678ULL, RAX, 0x1111111111111111ULL, 0x12345678ULL },
	{ "mov (%rdi),%rax", M64, B("\x48\x8b\x07"), 0x8877665544332211ULL,
	  RAX, 0x1111111111111111ULL, 0x8877665544332211ULL },
	{ "mov (%rdi),%r10d", M64, B("\x44\x8b\x57\x40"), 0x80000000,
	  ALTP2M_R10, 0xbbbbbbbbbbbbbbbbULL, 0x80000000ULL },
	{ "movzbl (%rdi),%eax", M64, B("\x0f\xb6\x07"), 0x1ff,
	  RAX, 0x1111111111111111ULL, 0xffULL },
	{ "movzbw (%rdi),%ax", M64, B("\x66\x0f\xb6\x07"), 0xff,
	  RAX, 0x1111111111111111ULL, 0x11111111111100ffULL },
	{ "movzwq (%rdi),%r15", M64, B("\x4c\x0f\xb7\x3f"), 0x18000,
	  ALTP2M_R15, 0x1111111111111111ULL, 0x8000ULL },
	{ "movsbl (%rdi),%eax", M64, B("\x0f\xbe\x07"), 0x80,
	  RAX, 0x1111111111111111ULL, 0xffffff80ULL },
	{ "movsbl (%rdi),%eax, positive", M64, B("\x0f\xbe\x07"), 0x17f,
	  RAX, 0x1111111111111111ULL, 0x7fULL },
	{ "movsbq (%rdi),%rdx", M64, B("\x48\x0f\xbe\x17"), 0x80,
	  RDX, 0x3333333333333333ULL, 0xffffffffffffff80ULL },
	{ "movsbw (%esi),%dx", M32, B("\x66\x0f\xbe\x16"), 0x80,
	  RDX, 0x3333333333333333ULL, 0x333333333333ff80ULL },
	{ "movswl (%rdi),%esi", M64, B("\x0f\xbf\x37"), 0x8001,
	  RSI, 0x7777777777777777ULL, 0xffff8001ULL },
	{ "movswq (%rdi),%r8", M64, B("\x4c\x0f\xbf\x07"), 0x8000,
	  ALTP2M_R8, 0x9999999999999999ULL, 0xffffffffffff8000ULL },
	{ "movabs 0x..,%al", M64, B("\xa0\x88\x77\x66\x55\x44\x33\x22\x11"),
	  0x42, RAX, 0x1111111111111111ULL, 0x1111111111111142ULL },
	{ "mov 0x1234,%ax (16-bit)", M16, B("\xa1\x34\x12"), 0x4321,
	  RAX, 0x1111111111111111ULL, 0x1111111111114321ULL },
};

START_TEST(completes_load)
{
	const struct load *l = &loads[_i];
	struct altp2m_paging pg = paging(l->mode);
	struct altp2m_mmio_insn in;
	u64 gpr[ALTP2M_NR_GPRS], want[ALTP2M_NR_GPRS];

	ck_assert_msg(altp2m_mmio_decode(l->b, l->n, &pg, &in) == 0, "%s",
		      l->what);
	ck_assert(!in.write);
	fill_gprs(gpr);
	ck_assert_msg(gpr[l->reg] == l->before, "%s: table", l->what);
	memcpy(want, gpr, sizeof(want));
	want[l->reg] = l->after;
	altp2m_mmio_complete_read(&in, gpr, l->data);
	ck_assert_msg(gpr[l->reg] == l->after, "%s: got %#llx, want %#llx",
		      l->what, (unsigned long long)gpr[l->reg],
		      (unsigned long long)l->after);
	/* and nothing else moved */
	ck_assert_msg(!memcmp(gpr, want, sizeof(gpr)), "%s: other registers",
		      l->what);
}
END_TEST

static const struct store {
	const char *what;
	enum mode mode;
	const u8 *b;
	unsigned int n;
	u64 value;
} stores[] = {
	{ "mov %ah,(%rdi)", M64, B("\x88\x27"), 0x11 },
	{ "mov %bh,0x10(%rcx)", M64, B("\x88\x79\x10"), 0x44 },
	{ "mov %spl,(%rax)", M64, B("\x40\x88\x20"), 0x55 },
	{ "mov %r15b,(%rax)", M64, B("\x44\x88\x38"), 0x11 },
	{ "mov %ax,(%rdi)", M64, B("\x66\x89\x07"), 0x1111 },
	{ "mov %ecx,0x0(%r13)", M64, B("\x41\x89\x4d\x00"), 0x22222222 },
	{ "mov %r9,(%rdi)", M64, B("\x4c\x89\x0f"), 0xaaaaaaaaaaaaaaaaULL },
	{ "movb $0x5a,(%rdi)", M64, B("\xc6\x07\x5a"), 0x5a },
	{ "movw $0x1234,(%rdi)", M64, B("\x66\xc7\x07\x34\x12"), 0x1234 },
	{ "movq $-2,(%rdi)", M64, B("\x48\xc7\x07\xfe\xff\xff\xff"),
	  0xfffffffffffffffeULL },
	{ "movl $0x80000000,0x1000(%edi)", M32,
	  B("\xc7\x87\x00\x10\x00\x00\x00\x00\x00\x80"), 0x80000000 },
	{ "movabs %al,0x..", M64, B("\xa2\x88\x77\x66\x55\x44\x33\x22\x11"),
	  0x11 },
	{ "mov %dh,(%eax,%ecx,4)", M32, B("\x88\x34\x88"), 0x33 },
};

START_TEST(store_value)
{
	const struct store *s = &stores[_i];
	struct altp2m_paging pg = paging(s->mode);
	struct altp2m_mmio_insn in;
	u64 gpr[ALTP2M_NR_GPRS], before[ALTP2M_NR_GPRS];

	ck_assert_msg(altp2m_mmio_decode(s->b, s->n, &pg, &in) == 0, "%s",
		      s->what);
	ck_assert(in.write);
	fill_gprs(gpr);
	gpr[RSP] = 0x1234567890abcd55ULL;
	ck_assert_msg(altp2m_mmio_write_value(&in, gpr) == s->value,
		      "%s: %#llx, want %#llx", s->what,
		      (unsigned long long)altp2m_mmio_write_value(&in, gpr),
		      (unsigned long long)s->value);
	/* Completing a store is a no-op. */
	memcpy(before, gpr, sizeof(gpr));
	altp2m_mmio_complete_read(&in, gpr, ~0ULL);
	ck_assert(!memcmp(before, gpr, sizeof(gpr)));
}
END_TEST

/*
 * Random bytes, as a hostile guest could put at RIP. The bytes end
 * exactly where a PROT_NONE page starts, so reading past @avail kills the
 * test. Half the bytes come from the ones the decoder cares about, so
 * that many strings decode and the interesting paths are all taken.
 */
static const u8 fuzz_pool[] = {
	0x66, 0x67, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0xf0, 0xf2, 0xf3,
	0x40, 0x41, 0x44, 0x48, 0x4c, 0x4f, 0x88, 0x89, 0x8a, 0x8b, 0xc6,
	0xc7, 0x0f, 0xb6, 0xb7, 0xbe, 0xbf, 0xa0, 0xa1, 0xa2, 0xa3, 0x04,
	0x05, 0x06, 0x24, 0x25, 0x44, 0x45, 0x84, 0x85, 0x00, 0xff,
};

static u64 fuzz_state = 0x9e3779b97f4a7c15ULL;

static u32 fuzz_rand(void)
{
	/* xorshift64*: deterministic, so a failure reproduces. */
	fuzz_state ^= fuzz_state >> 12;
	fuzz_state ^= fuzz_state << 25;
	fuzz_state ^= fuzz_state >> 27;
	return (fuzz_state * 0x2545f4914f6cdd1dULL) >> 32;
}

static bool one_of(unsigned int v, unsigned int a, unsigned int b,
		   unsigned int c, unsigned int d)
{
	return v == a || v == b || v == c || v == d;
}

static void check_sane(const struct altp2m_mmio_insn *in, unsigned int avail)
{
	ck_assert_uint_ge(in->len, 1);
	ck_assert_uint_le(in->len, ALTP2M_INSN_MAX_LEN);
	ck_assert_uint_le(in->len, avail);
	ck_assert(one_of(in->size, 1, 2, 4, 8));
	ck_assert(one_of(in->reg_size, 1, 2, 4, 8));
	ck_assert_uint_ge(in->reg_size, in->size);
	ck_assert_uint_lt(in->reg, ALTP2M_NR_GPRS);
	if (in->high8)
		ck_assert(in->reg < 4 && in->reg_size == 1);
	if (in->write)
		ck_assert(in->reg_size == in->size && !in->sign_extend);
	else
		ck_assert(!in->has_imm);
	if (in->has_imm)
		ck_assert_uint_eq(in->imm & ~(~0ULL >> (64 - 8 * in->size)),
				  0);
}

START_TEST(fuzz_never_overreads)
{
	long pagesz = sysconf(_SC_PAGESIZE);
	u8 *map, *end, bytes[ALTP2M_INSN_MAX_LEN + 1];
	unsigned int ok = 0, more = 0, iter, i;

	map = mmap(NULL, 2 * pagesz, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(map, MAP_FAILED);
	ck_assert_int_eq(mprotect(map + pagesz, pagesz, PROT_NONE), 0);
	end = map + pagesz;

	for (iter = 0; iter < 200000; iter++) {
		unsigned int avail = fuzz_rand() % (sizeof(bytes) + 1);
		struct altp2m_paging pg = paging(fuzz_rand() % 4);
		struct altp2m_mmio_insn in, again;
		int ret;

		for (i = 0; i < avail; i++) {
			u32 r = fuzz_rand();

			bytes[i] = r & 1 ? fuzz_pool[(r >> 1) %
						     sizeof(fuzz_pool)] :
					   r >> 8;
		}
		memcpy(end - avail, bytes, avail);
		ret = altp2m_mmio_decode(end - avail, avail, &pg, &in);
		if (ret == -ENODATA) {
			ck_assert_uint_lt(avail, ALTP2M_INSN_MAX_LEN);
			more++;
			continue;
		}
		if (ret) {
			ck_assert_int_eq(ret, -EINVAL);
			continue;
		}
		ok++;
		check_sane(&in, avail);
		/* Exactly len bytes decode the same; one fewer is short. */
		memcpy(end - in.len, bytes, in.len);
		ck_assert_int_eq(altp2m_mmio_decode(end - in.len, in.len, &pg,
						    &again), 0);
		ck_assert(!memcmp(&in, &again, sizeof(in)));
		memcpy(end - (in.len - 1), bytes, in.len - 1);
		ck_assert_int_eq(altp2m_mmio_decode(end - (in.len - 1),
						    in.len - 1, &pg, &again),
				 -ENODATA);
	}
	/* Not vacuous: plenty of strings decoded, plenty were short. */
	ck_assert_uint_gt(ok, 5000);
	ck_assert_uint_gt(more, 5000);
	munmap(map, 2 * pagesz);
}
END_TEST

static Suite *emulate_suite(void)
{
	Suite *s = suite_create("emulate");
	TCase *tc = tcase_create("decode");
	TCase *fuzz = tcase_create("fuzz");

	tcase_add_loop_test(tc, decodes_vector, 0, ARRAY_LEN(goods));
	tcase_add_loop_test(tc, refuses_vector, 0, ARRAY_LEN(bads));
	tcase_add_loop_test(tc, completes_load, 0, ARRAY_LEN(loads));
	tcase_add_loop_test(tc, store_value, 0, ARRAY_LEN(stores));
	suite_add_tcase(s, tc);
	tcase_set_timeout(fuzz, 60);
	tcase_add_test(fuzz, fuzz_never_overreads);
	suite_add_tcase(s, fuzz);
	return s;
}
UNIT_SUITE(emulate_suite)
