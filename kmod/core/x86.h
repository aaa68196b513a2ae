/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Architectural x86 definitions shared by the hardware-independent code:
 * general-purpose register numbering, and the guest state the instruction
 * decoder, the guest page walker and the VM-entry checks work on.
 */
#ifndef ALTP2M_CORE_X86_H
#define ALTP2M_CORE_X86_H

#include <linux/types.h>

/*
 * General-purpose registers in the x86 encoding order (ModRM.reg, REX.B,
 * ...), so a decoded register number indexes the array directly.
 */
enum altp2m_gpr {
	ALTP2M_RAX, ALTP2M_RCX, ALTP2M_RDX, ALTP2M_RBX,
	ALTP2M_RSP, ALTP2M_RBP, ALTP2M_RSI, ALTP2M_RDI,
	ALTP2M_R8, ALTP2M_R9, ALTP2M_R10, ALTP2M_R11,
	ALTP2M_R12, ALTP2M_R13, ALTP2M_R14, ALTP2M_R15,
	ALTP2M_NR_GPRS
};

/* Segment registers in the x86 encoding order (MOV Sreg, prefixes). */
enum altp2m_sreg {
	ALTP2M_SREG_ES, ALTP2M_SREG_CS, ALTP2M_SREG_SS, ALTP2M_SREG_DS,
	ALTP2M_SREG_FS, ALTP2M_SREG_GS,
};

/*
 * The control state that decides how a guest linear address is translated
 * and how an instruction is decoded.
 */
struct altp2m_paging {
	u64 cr0;
	u64 cr3;
	u64 cr4;
	u64 efer;
	bool cs_l;	/* CS.L: 64-bit code */
	bool cs_db;	/* CS.D/B: 32-bit default operand size */
	u8 cpl;
};

/*
 * Reads guest physical memory for the hardware-independent code. Returns
 * 0, or -EFAULT when @gpa..@gpa+@len is not guest RAM.
 */
typedef int (*altp2m_read_gpa_t)(void *opaque, u64 gpa, void *buf,
				 unsigned int len);
typedef int (*altp2m_write_gpa_t)(void *opaque, u64 gpa, const void *buf,
				  unsigned int len);

#endif /* ALTP2M_CORE_X86_H */
