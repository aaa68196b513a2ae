/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoding of the one instruction that touched an MMIO address.
 *
 * An EPT violation on guest-physical memory that no region backs gives the
 * address and the direction, but neither the access size nor the register.
 * The exit handler fetches the bytes at the guest RIP and decodes them here,
 * reports the access to userspace and, once userspace has answered a read,
 * completes it into the guest's registers and advances RIP by the length.
 *
 * Only the plain moves compilers emit for volatile loads and stores are
 * understood (see emulate.c for the list); anything else is refused, and
 * the caller then reports an emulation failure instead of guessing.
 */
#ifndef ALTP2M_CORE_EMULATE_H
#define ALTP2M_CORE_EMULATE_H

#include <linux/types.h>

#include "x86.h"

/* No x86 instruction is longer; a longer one raises #GP. */
#define ALTP2M_INSN_MAX_LEN	15

/**
 * struct altp2m_mmio_insn - a decoded MMIO load or store
 * @len: instruction length in bytes (1..15), what RIP advances by
 * @size: bytes accessed at the MMIO address: 1, 2, 4 or 8
 * @write: the instruction stores to the MMIO address
 * @reg: the register operand, an &enum altp2m_gpr: the source of a
 *	register store, the destination of a load; unused when @has_imm
 * @reg_size: bytes of @reg a load writes (1, 2, 4 or 8). Larger than
 *	@size only for MOVZX/MOVSX.
 * @high8: @reg is AH, CH, DH or BH, bits 15:8 of RAX..RBX
 * @sign_extend: a load sign-extends from @size to @reg_size (MOVSX);
 *	otherwise it zero-extends
 * @has_imm: a store of @imm rather than of a register
 * @imm: the immediate a store writes, already extended to @size bytes
 */
struct altp2m_mmio_insn {
	u8 len;
	u8 size;
	bool write;
	u8 reg;
	u8 reg_size;
	bool high8;
	bool sign_extend;
	bool has_imm;
	u64 imm;
};

/**
 * altp2m_mmio_decode - decode an instruction that accessed MMIO
 * @insn: the instruction bytes fetched at the guest's RIP
 * @avail: how many bytes @insn holds; never read past, and at most
 *	ALTP2M_INSN_MAX_LEN are ever looked at
 * @pg: the guest state that sets the mode: 64-bit code when CS.L and
 *	EFER.LMA are both set, else 32-bit when CS.D is set, else 16-bit
 * @out: the decoded access on success, zeroed otherwise
 *
 * Understands the MOV forms to and from memory (88, 89, 8A, 8B, C6 /0,
 * C7 /0, A0-A3), MOVZX and MOVSX loads (0F B6, B7, BE, BF), with operand-
 * and address-size, segment-override and REX prefixes. A register-only
 * form (ModRM.mod = 3) is refused: it cannot have touched memory.
 *
 * Return: 0; -ENODATA when the bytes are a valid start of a supported
 * instruction that goes on past @avail (fetch more and retry); -EINVAL
 * for anything unsupported or invalid, including LOCK/REP prefixes and
 * an instruction that would exceed 15 bytes.
 */
int altp2m_mmio_decode(const u8 *insn, unsigned int avail,
		       const struct altp2m_paging *pg,
		       struct altp2m_mmio_insn *out);

/**
 * altp2m_mmio_write_value - the data a decoded store writes
 * @in: a store decoded by altp2m_mmio_decode()
 * @gpr: the guest's registers, indexed by &enum altp2m_gpr
 *
 * Return: the value of the store's source (register or immediate),
 * truncated to @in->size bytes.
 */
u64 altp2m_mmio_write_value(const struct altp2m_mmio_insn *in,
			    const u64 *gpr);

/**
 * altp2m_mmio_complete_read - put the data an MMIO load returned into place
 * @in: a load decoded by altp2m_mmio_decode(); a store is left alone
 * @gpr: the guest's registers, indexed by &enum altp2m_gpr
 * @data: what the device returned; bits above @in->size bytes are ignored
 *
 * Extends @data as the instruction does and writes it with the register
 * semantics of x86: a 32-bit write zero-extends to 64 bits, an 8- or
 * 16-bit write keeps the other bits, and AH..BH land in bits 15:8. The
 * caller still has to advance RIP by @in->len.
 */
void altp2m_mmio_complete_read(const struct altp2m_mmio_insn *in, u64 *gpr,
			       u64 data);

#endif /* ALTP2M_CORE_EMULATE_H */
