// SPDX-License-Identifier: GPL-2.0
/*
 * Decode the instruction behind an MMIO exit. See emulate.h.
 *
 * Supported, following the Intel SDM volume 2 encodings:
 *
 *   88 /r      MOV r/m8, r8        8A /r      MOV r8, r/m8
 *   89 /r      MOV r/m, r          8B /r      MOV r, r/m
 *   C6 /0 ib   MOV r/m8, imm8      C7 /0 iw/id MOV r/m, imm
 *   0F B6 /r   MOVZX r, r/m8       0F B7 /r   MOVZX r, r/m16
 *   0F BE /r   MOVSX r, r/m8       0F BF /r   MOVSX r, r/m16
 *   A0, A1     MOV AL/rAX, moffs   A2, A3     MOV moffs, AL/rAX
 *
 * with the prefixes 66 (operand size), 67 (address size), the segment
 * overrides (the hardware already applied them: the exit tells the
 * guest-physical address) and, in 64-bit mode, REX. LOCK and REP are
 * refused: they are invalid on MOV, and anything else is not ours to
 * guess at.
 *
 * The effective address is not computed, so ModRM, SIB and displacement
 * are parsed only for their length. The bytes come from the guest, which
 * may rewrite them between the exit and our fetch, so every read is
 * checked against both the fetched length and the 15-byte limit.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>

#include "emulate.h"
#include "gva.h"
#include "string_io.h"

#define ALTP2M_REX_W	BIT(3)
#define ALTP2M_REX_R	BIT(2)

struct altp2m_decoder {
	const u8 *insn;
	unsigned int avail;
	unsigned int pos;
	u8 rex;		/* the REX prefix in effect, 0 if none */
	u8 opsize;	/* operand size in bytes: 2, 4 or 8 */
	u8 adsize;	/* address size in bytes: 2, 4 or 8 */
	u8 seg;		/* segment override, &enum altp2m_sreg; 0xff: none */
	bool rep;	/* F2 or F3 */
	bool lock;	/* F0 */
};

#define ALTP2M_NO_SEG	0xff

/* Are @n more bytes there, and would the instruction stay legal? */
static int altp2m_insn_need(const struct altp2m_decoder *d, unsigned int n)
{
	if (d->pos + n > ALTP2M_INSN_MAX_LEN)
		return -EINVAL;
	if (d->pos + n > d->avail)
		return -ENODATA;
	return 0;
}

static int altp2m_insn_byte(struct altp2m_decoder *d, u8 *b)
{
	int ret = altp2m_insn_need(d, 1);

	if (ret)
		return ret;
	*b = d->insn[d->pos++];
	return 0;
}

/* Consume a little-endian field of @n bytes (0..8). */
static int altp2m_insn_field(struct altp2m_decoder *d, unsigned int n,
			     u64 *val)
{
	int ret = altp2m_insn_need(d, n);
	unsigned int i;
	u64 v = 0;

	if (ret)
		return ret;
	for (i = 0; i < n; i++)
		v |= (u64)d->insn[d->pos++] << (8 * i);
	*val = v;
	return 0;
}

static int altp2m_insn_skip(struct altp2m_decoder *d, unsigned int n)
{
	int ret = altp2m_insn_need(d, n);

	if (!ret)
		d->pos += n;
	return ret;
}

/*
 * Consume ModRM and whatever addressing bytes it implies, and give back
 * its reg field. Only memory operands are accepted: mod = 3 names a
 * register, and such an instruction cannot have caused an MMIO exit.
 */
static int altp2m_decode_modrm(struct altp2m_decoder *d, u8 *reg)
{
	unsigned int disp = 0;
	u8 modrm, mod, rm, sib;
	int ret;

	ret = altp2m_insn_byte(d, &modrm);
	if (ret)
		return ret;
	mod = modrm >> 6;
	rm = modrm & 7;
	*reg = (modrm >> 3) & 7;
	if (mod == 3)
		return -EINVAL;

	if (d->adsize == 2) {
		/* 16-bit addressing: no SIB; rm = 110 with mod = 0 is disp16 */
		if (mod == 1)
			disp = 1;
		else if (mod == 2 || rm == 6)
			disp = 2;
		return altp2m_insn_skip(d, disp);
	}

	/*
	 * 32/64-bit addressing. The special cases are decided on the 3-bit
	 * fields alone: REX.B does not change them, so R13 as a base still
	 * needs mod = 1 and rm = 101 with mod = 0 stays RIP-relative.
	 */
	if (rm == 4) {
		ret = altp2m_insn_byte(d, &sib);
		if (ret)
			return ret;
		if (mod == 0 && (sib & 7) == 5)
			disp = 4;
	} else if (mod == 0 && rm == 5) {
		disp = 4;
	}
	if (mod == 1)
		disp = 1;
	else if (mod == 2)
		disp = 4;
	return altp2m_insn_skip(d, disp);
}

/* The register named by a ModRM reg field, for an operand of @size. */
static void altp2m_decode_reg(const struct altp2m_decoder *d, u8 field,
			      unsigned int size, struct altp2m_mmio_insn *out)
{
	u8 reg = field | (d->rex & ALTP2M_REX_R ? 8 : 0);

	/*
	 * Byte registers 4-7 are AH, CH, DH, BH unless there is a REX
	 * prefix, even one with no bits set: then they are SPL, BPL, SIL,
	 * DIL (and REX.R reaches R8B-R15B).
	 */
	if (size == 1 && !d->rex && reg >= 4) {
		out->high8 = true;
		reg -= 4;
	}
	out->reg = reg;
}

/* MOV between a register and memory, and MOVZX/MOVSX loads. */
static int altp2m_decode_mov_reg(struct altp2m_decoder *d, unsigned int size,
				 unsigned int reg_size, bool write,
				 struct altp2m_mmio_insn *out)
{
	u8 field;
	int ret;

	ret = altp2m_decode_modrm(d, &field);
	if (ret)
		return ret;
	out->size = size;
	out->reg_size = reg_size;
	out->write = write;
	altp2m_decode_reg(d, field, reg_size, out);
	return 0;
}

/* C6 /0 ib and C7 /0 iw/id: store an immediate. */
static int altp2m_decode_mov_imm(struct altp2m_decoder *d, unsigned int size,
				 struct altp2m_mmio_insn *out)
{
	unsigned int imm_size = size > 4 ? 4 : size;
	u8 field;
	u64 imm;
	int ret;

	ret = altp2m_decode_modrm(d, &field);
	if (ret)
		return ret;
	/* Other reg values are XABORT/XBEGIN (mod = 3) or undefined. */
	if (field != 0)
		return -EINVAL;
	ret = altp2m_insn_field(d, imm_size, &imm);
	if (ret)
		return ret;
	/* With REX.W the imm32 is sign-extended to 64 bits. */
	if (size == 8 && (imm & BIT_ULL(31)))
		imm |= 0xffffffff00000000ULL;
	out->size = size;
	out->reg_size = size;
	out->write = true;
	out->has_imm = true;
	out->imm = imm;
	return 0;
}

/* A0-A3: AL or rAX and a memory offset as wide as the address size. */
static int altp2m_decode_moffs(struct altp2m_decoder *d, unsigned int size,
			       bool write, struct altp2m_mmio_insn *out)
{
	int ret = altp2m_insn_skip(d, d->adsize);

	if (ret)
		return ret;
	out->size = size;
	out->reg_size = size;
	out->write = write;
	out->reg = ALTP2M_RAX;	/* never AH, and REX.B does not apply */
	return 0;
}

static int altp2m_decode_0f(struct altp2m_decoder *d,
			    struct altp2m_mmio_insn *out)
{
	u8 op;
	int ret;

	ret = altp2m_insn_byte(d, &op);
	if (ret)
		return ret;
	switch (op) {
	case 0xb6:	/* MOVZX r, r/m8 */
	case 0xb7:	/* MOVZX r, r/m16 */
	case 0xbe:	/* MOVSX r, r/m8 */
	case 0xbf:	/* MOVSX r, r/m16 */
		/* The register is never a byte one, so AH..BH cannot occur. */
		out->sign_extend = op >= 0xbe;
		return altp2m_decode_mov_reg(d, op & 1 ? 2 : 1, d->opsize,
					     false, out);
	default:
		return -EINVAL;
	}
}

/*
 * Consume the prefixes and return the opcode byte. A REX prefix counts
 * only right before the opcode: one followed by a legacy prefix is
 * ignored by the CPU, and so it is here. Of several segment overrides the
 * last one counts.
 */
static int altp2m_decode_prefixes(struct altp2m_decoder *d, bool mode64,
				  bool *opsize_pfx, bool *adsize_pfx, u8 *op)
{
	int ret;
	u8 b;

	d->seg = ALTP2M_NO_SEG;
	for (;;) {
		ret = altp2m_insn_byte(d, &b);
		if (ret)
			return ret;
		switch (b) {
		case 0x66:
			*opsize_pfx = true;
			break;
		case 0x67:
			*adsize_pfx = true;
			break;
		case 0x26: case 0x2e: case 0x36: case 0x3e:
			/* ES, CS, SS, DS: bits 4:3 are the segment number. */
			d->seg = (b >> 3) & 3;
			break;
		case 0x64: case 0x65:
			d->seg = ALTP2M_SREG_FS + (b & 1);
			break;
		case 0xf0:
			d->lock = true;
			break;
		case 0xf2: case 0xf3:
			d->rep = true;
			break;
		default:
			if (mode64 && (b & 0xf0) == 0x40) {
				d->rex = b;
				continue;
			}
			*op = b;
			return 0;
		}
		d->rex = 0;
	}
}

/*
 * What both decoders start with: set up @d on the @avail bytes at @insn,
 * clear their result @out (@size bytes), which must read zero after any
 * failure, and parse the prefixes up to the opcode, *@op, with the
 * operand and address sizes they imply.
 */
static int altp2m_decode_start(struct altp2m_decoder *d, const u8 *insn,
			       unsigned int avail,
			       const struct altp2m_paging *pg, void *out,
			       size_t size, u8 *op)
{
	bool opsize_pfx = false, adsize_pfx = false;
	unsigned int def;
	bool mode64;
	int ret;

	*d = (struct altp2m_decoder){ .insn = insn, .avail = avail };
	memset(out, 0, size);
	mode64 = pg->cs_l && (pg->efer & ALTP2M_EFER_LMA);
	ret = altp2m_decode_prefixes(d, mode64, &opsize_pfx, &adsize_pfx, op);
	if (ret)
		return ret;

	/* 66 and 67 toggle between the mode's default and the other size. */
	def = mode64 || pg->cs_db ? 4 : 2;
	if (d->rex & ALTP2M_REX_W)
		d->opsize = 8;
	else
		d->opsize = opsize_pfx ? 6 - def : def;
	if (mode64)
		d->adsize = adsize_pfx ? 4 : 8;
	else
		d->adsize = adsize_pfx ? 6 - def : def;
	return 0;
}

int altp2m_mmio_decode(const u8 *insn, unsigned int avail,
		       const struct altp2m_paging *pg,
		       struct altp2m_mmio_insn *out)
{
	struct altp2m_decoder d;
	int ret;
	u8 op;

	ret = altp2m_decode_start(&d, insn, avail, pg, out, sizeof(*out), &op);
	if (ret)
		return ret;
	/* LOCK and REP are invalid on MOV: not ours to guess at. */
	if (d.lock || d.rep)
		return -EINVAL;

	switch (op) {
	case 0x88:
		ret = altp2m_decode_mov_reg(&d, 1, 1, true, out);
		break;
	case 0x89:
		ret = altp2m_decode_mov_reg(&d, d.opsize, d.opsize, true, out);
		break;
	case 0x8a:
		ret = altp2m_decode_mov_reg(&d, 1, 1, false, out);
		break;
	case 0x8b:
		ret = altp2m_decode_mov_reg(&d, d.opsize, d.opsize, false, out);
		break;
	case 0xc6:
		ret = altp2m_decode_mov_imm(&d, 1, out);
		break;
	case 0xc7:
		ret = altp2m_decode_mov_imm(&d, d.opsize, out);
		break;
	case 0x0f:
		ret = altp2m_decode_0f(&d, out);
		break;
	case 0xa0:
	case 0xa1:
	case 0xa2:
	case 0xa3:
		ret = altp2m_decode_moffs(&d, op & 1 ? d.opsize : 1, op >= 0xa2,
					  out);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	if (ret) {
		memset(out, 0, sizeof(*out));
		return ret;
	}
	out->len = d.pos;
	return 0;
}

int altp2m_strio_decode(const u8 *insn, unsigned int avail,
			const struct altp2m_paging *pg,
			struct altp2m_strio *out)
{
	struct altp2m_decoder d;
	int ret;
	u8 op;

	ret = altp2m_decode_start(&d, insn, avail, pg, out, sizeof(*out), &op);
	if (ret)
		return ret;
	/* LOCK makes both #UD, which the CPU raises before any exit. */
	if (d.lock || op < 0x6c || op > 0x6f)
		return -EINVAL;
	out->len = d.pos;
	out->addr_size = d.adsize;
	out->rep = d.rep;
	out->in = op <= 0x6d;
	/* INS always writes ES:rDI; OUTS reads DS:rSI unless overridden. */
	if (out->in)
		out->seg = ALTP2M_SREG_ES;
	else
		out->seg = d.seg == ALTP2M_NO_SEG ? ALTP2M_SREG_DS : d.seg;
	return 0;
}

static u64 altp2m_size_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : BIT_ULL(8 * size) - 1;
}

u64 altp2m_mmio_write_value(const struct altp2m_mmio_insn *in,
			    const u64 *gpr)
{
	u64 val;

	if (in->has_imm)
		val = in->imm;
	else if (in->high8)
		val = gpr[in->reg] >> 8;
	else
		val = gpr[in->reg];
	return val & altp2m_size_mask(in->size);
}

void altp2m_mmio_complete_read(const struct altp2m_mmio_insn *in, u64 *gpr,
			       u64 data)
{
	u64 mask = altp2m_size_mask(in->size);
	u64 *reg = &gpr[in->reg];
	u64 val = data & mask;

	if (in->write)
		return;
	if (in->sign_extend && (val & BIT_ULL(8 * in->size - 1)))
		val |= ~mask;

	switch (in->reg_size) {
	case 1:
		if (in->high8)
			*reg = (*reg & ~0xff00ULL) | (val & 0xff) << 8;
		else
			*reg = (*reg & ~0xffULL) | (val & 0xff);
		break;
	case 2:
		*reg = (*reg & ~0xffffULL) | (val & 0xffff);
		break;
	case 4:
		/* Writing a 32-bit register clears bits 63:32. */
		*reg = val & 0xffffffffULL;
		break;
	default:
		*reg = val;
		break;
	}
}
