// SPDX-License-Identifier: GPL-2.0
/*
 * The SDM's checks on the guest-state area (Vol. 3C, 27.3.1) for the state
 * userspace sets through struct altp2m_regs and struct altp2m_sregs. See
 * entry_checks.h.
 *
 * The checks look at the state as the VMCS will hold it: CR0 and CR4 with
 * the VMX layer's always-on bits, "IA-32e mode guest" equal to EFER.LMA,
 * virtual-8086 mode when RFLAGS.VM is set. The first failing check is
 * reported. The order is not the SDM's (the CPU names no field, so there
 * is no order to match): the fields that decide the mode (CR0, CR4, CR3,
 * EFER, RFLAGS) come first, so a wrong mode is reported as itself rather
 * than as the segment or RIP rule it then breaks.
 *
 * Left to others: checks on state that is not in these structures (DR7,
 * IA32_DEBUGCTL, the SYSENTER, PAT, PERF_GLOBAL_CTRL, BNDCFGS and CET
 * MSRs, activity and interruptibility state, pending debug exceptions,
 * the VMCS link pointer, event injection and RFLAGS.IF), and the PAE
 * PDPTEs, which live in guest memory.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/altp2m.h>

#include "entry_checks.h"

#define ALTP2M_CR0_PE		BIT_ULL(0)
#define ALTP2M_CR0_WP		BIT_ULL(16)
#define ALTP2M_CR0_PG		BIT_ULL(31)

#define ALTP2M_CR4_PAE		BIT_ULL(5)
#define ALTP2M_CR4_LA57		BIT_ULL(12)
#define ALTP2M_CR4_PCIDE	BIT_ULL(17)
#define ALTP2M_CR4_CET		BIT_ULL(23)

#define ALTP2M_EFER_SCE		BIT_ULL(0)
#define ALTP2M_EFER_LME		BIT_ULL(8)
#define ALTP2M_EFER_LMA		BIT_ULL(10)
#define ALTP2M_EFER_NXE		BIT_ULL(11)
/*
 * What Intel CPUs define. NXE is reserved only without XD, and every CPU
 * with EPT has XD.
 */
#define ALTP2M_EFER_VALID	(ALTP2M_EFER_SCE | ALTP2M_EFER_LME | \
				 ALTP2M_EFER_LMA | ALTP2M_EFER_NXE)

#define ALTP2M_RFLAGS_FIXED1	BIT_ULL(1)
#define ALTP2M_RFLAGS_VM	BIT_ULL(17)
#define ALTP2M_RFLAGS_RESERVED	(~0ULL << 22 | BIT_ULL(15) | BIT_ULL(5) | \
				 BIT_ULL(3))

#define ALTP2M_SEL_RPL		0x3
#define ALTP2M_SEL_TI		BIT(2)

/* Descriptor types (SDM Vol. 3A, tables 3-1 and 3-2). */
#define ALTP2M_TYPE_ACCESSED	BIT(0)
#define ALTP2M_TYPE_READABLE	BIT(1)	/* code segments */
#define ALTP2M_TYPE_CONFORMING	BIT(2)	/* code segments */
#define ALTP2M_TYPE_CODE	BIT(3)
#define ALTP2M_TYPE_DATA_RW_A	3	/* read/write, accessed */
#define ALTP2M_TYPE_DATA_RWD_A	7	/* read/write, expand-down, accessed */
#define ALTP2M_TYPE_LDT		2
#define ALTP2M_TYPE_TSS16_BUSY	3
#define ALTP2M_TYPE_TSS_BUSY	11	/* 32-bit, or 64-bit in IA-32e mode */

/* The only access rights a virtual-8086 mode segment may have. */
#define ALTP2M_AR_V86		0xf3

/* Why the GDTR and IDTR limits need no check; see altp2m_check_dtables(). */
static_assert(sizeof(((struct altp2m_dtable *)NULL)->limit) == 2);

/* VMCS order: each field group lists the segments in this order. */
enum altp2m_seg {
	ALTP2M_SEG_ES, ALTP2M_SEG_CS, ALTP2M_SEG_SS, ALTP2M_SEG_DS,
	ALTP2M_SEG_FS, ALTP2M_SEG_GS, ALTP2M_SEG_LDTR, ALTP2M_SEG_TR,
	ALTP2M_NR_SEGS
};

static const struct altp2m_seg_fields {
	u32 selector;
	u32 base;
	u32 limit;
	u32 ar;
} altp2m_seg_fields[ALTP2M_NR_SEGS] = {
	[ALTP2M_SEG_ES] = { ALTP2M_VMCS_GUEST_ES_SELECTOR,
			    ALTP2M_VMCS_GUEST_ES_BASE,
			    ALTP2M_VMCS_GUEST_ES_LIMIT,
			    ALTP2M_VMCS_GUEST_ES_AR_BYTES },
	[ALTP2M_SEG_CS] = { ALTP2M_VMCS_GUEST_CS_SELECTOR,
			    ALTP2M_VMCS_GUEST_CS_BASE,
			    ALTP2M_VMCS_GUEST_CS_LIMIT,
			    ALTP2M_VMCS_GUEST_CS_AR_BYTES },
	[ALTP2M_SEG_SS] = { ALTP2M_VMCS_GUEST_SS_SELECTOR,
			    ALTP2M_VMCS_GUEST_SS_BASE,
			    ALTP2M_VMCS_GUEST_SS_LIMIT,
			    ALTP2M_VMCS_GUEST_SS_AR_BYTES },
	[ALTP2M_SEG_DS] = { ALTP2M_VMCS_GUEST_DS_SELECTOR,
			    ALTP2M_VMCS_GUEST_DS_BASE,
			    ALTP2M_VMCS_GUEST_DS_LIMIT,
			    ALTP2M_VMCS_GUEST_DS_AR_BYTES },
	[ALTP2M_SEG_FS] = { ALTP2M_VMCS_GUEST_FS_SELECTOR,
			    ALTP2M_VMCS_GUEST_FS_BASE,
			    ALTP2M_VMCS_GUEST_FS_LIMIT,
			    ALTP2M_VMCS_GUEST_FS_AR_BYTES },
	[ALTP2M_SEG_GS] = { ALTP2M_VMCS_GUEST_GS_SELECTOR,
			    ALTP2M_VMCS_GUEST_GS_BASE,
			    ALTP2M_VMCS_GUEST_GS_LIMIT,
			    ALTP2M_VMCS_GUEST_GS_AR_BYTES },
	[ALTP2M_SEG_LDTR] = { ALTP2M_VMCS_GUEST_LDTR_SELECTOR,
			      ALTP2M_VMCS_GUEST_LDTR_BASE,
			      ALTP2M_VMCS_GUEST_LDTR_LIMIT,
			      ALTP2M_VMCS_GUEST_LDTR_AR_BYTES },
	[ALTP2M_SEG_TR] = { ALTP2M_VMCS_GUEST_TR_SELECTOR,
			    ALTP2M_VMCS_GUEST_TR_BASE,
			    ALTP2M_VMCS_GUEST_TR_LIMIT,
			    ALTP2M_VMCS_GUEST_TR_AR_BYTES },
};

/* The state under check, with the facts derived from it once. */
struct altp2m_entry_ctx {
	const struct altp2m_regs *regs;
	const struct altp2m_sregs *sregs;
	const struct altp2m_entry_limits *lim;
	const struct altp2m_segment *seg[ALTP2M_NR_SEGS];
	u64 cr0;		/* as the VMCS will hold it */
	u64 cr4;		/* likewise */
	bool ia32e;		/* "IA-32e mode guest", i.e. EFER.LMA */
	bool v86;		/* RFLAGS.VM */
	unsigned int va_bits;	/* the CPU's linear-address width */
	u32 field;
	const char *why;
};

static int altp2m_fail(struct altp2m_entry_ctx *c, u32 field,
		       const char *why)
{
	c->field = field;
	c->why = why;
	return -EINVAL;
}

/* Bits 63:bits-1 all equal. */
static bool altp2m_canonical(u64 va, unsigned int bits)
{
	u64 upper = va >> (bits - 1);

	return !upper || upper == ~0ULL >> (bits - 1);
}

/*
 * The VMCS holds a segment limit in bytes; G says the descriptor counted
 * 4 KiB units, so the low 12 bits must be all ones with G and the high 12
 * bits all zero without it.
 */
static bool altp2m_limit_matches_g(u32 limit, bool g)
{
	if (g)
		return (limit & 0xfff) == 0xfff;
	return !(limit & 0xfff00000);
}

static int altp2m_check_cr(struct altp2m_entry_ctx *c)
{
	const struct altp2m_entry_limits *lim = c->lim;
	u64 efer = c->sregs->efer;
	u64 cr0_fixed0 = lim->cr0_fixed0;
	unsigned int pa_bits = lim->maxphyaddr;

	/* The SDM's CR3 check covers bits 63:32; no CPU has more than 52. */
	if (pa_bits < 32)
		pa_bits = 32;
	if (pa_bits > 52)
		pa_bits = 52;
	/* Unrestricted guest is what lets a guest run unpaged or in real mode. */
	if (lim->unrestricted)
		cr0_fixed0 &= ~(ALTP2M_CR0_PE | ALTP2M_CR0_PG);
	if (~c->cr0 & cr0_fixed0)
		return altp2m_fail(c, ALTP2M_VMCS_GUEST_CR0,
				   "CR0 lacks a bit VMX requires (CR0_FIXED0)");
	if (c->cr0 & ~lim->cr0_fixed1)
		return altp2m_fail(c, ALTP2M_VMCS_GUEST_CR0,
				   "CR0 has a bit VMX forbids (CR0_FIXED1)");
	if ((c->cr0 & ALTP2M_CR0_PG) && !(c->cr0 & ALTP2M_CR0_PE))
		return altp2m_fail(c, ALTP2M_VMCS_GUEST_CR0,
				   "CR0.PG is set without CR0.PE");
	if (~c->cr4 & lim->cr4_fixed0)
		return altp2m_fail(c, ALTP2M_VMCS_GUEST_CR4,
				   "CR4 lacks a bit VMX requires (CR4_FIXED0)");
	if (c->cr4 & ~lim->cr4_fixed1)
		return altp2m_fail(c, ALTP2M_VMCS_GUEST_CR4,
				   "CR4 has a bit VMX forbids (CR4_FIXED1)");
	if ((c->cr4 & ALTP2M_CR4_CET) && !(c->cr0 & ALTP2M_CR0_WP))
		return altp2m_fail(c, ALTP2M_VMCS_GUEST_CR0,
				   "CR4.CET is set without CR0.WP");
	if (c->sregs->cr3 >> pa_bits)
		return altp2m_fail(c, ALTP2M_VMCS_GUEST_CR3,
				   "CR3 has bits beyond MAXPHYADDR");

	if (efer & ~ALTP2M_EFER_VALID)
		return altp2m_fail(c, ALTP2M_VMCS_GUEST_IA32_EFER,
				   "EFER has reserved bits set");
	/*
	 * EFER.LMA must equal "IA-32e mode guest"; that holds by
	 * construction, the control being set from LMA. Once paging is on,
	 * LMA is LME's consequence, so they must agree.
	 */
	if ((c->cr0 & ALTP2M_CR0_PG) &&
	    !(efer & ALTP2M_EFER_LME) != !(efer & ALTP2M_EFER_LMA))
		return altp2m_fail(c, ALTP2M_VMCS_GUEST_IA32_EFER,
				   "EFER.LME and EFER.LMA differ with CR0.PG set");
	if (c->ia32e) {
		if (!(c->cr0 & ALTP2M_CR0_PG))
			return altp2m_fail(c, ALTP2M_VMCS_GUEST_CR0,
					   "EFER.LMA (IA-32e mode) without CR0.PG");
		if (!(c->cr4 & ALTP2M_CR4_PAE))
			return altp2m_fail(c, ALTP2M_VMCS_GUEST_CR4,
					   "EFER.LMA (IA-32e mode) without CR4.PAE");
	} else if (c->cr4 & ALTP2M_CR4_PCIDE) {
		return altp2m_fail(c, ALTP2M_VMCS_GUEST_CR4,
				   "CR4.PCIDE is set outside IA-32e mode");
	}
	return 0;
}

static int altp2m_check_rflags(struct altp2m_entry_ctx *c)
{
	u64 rflags = c->regs->rflags;

	if (rflags & ALTP2M_RFLAGS_RESERVED)
		return altp2m_fail(c, ALTP2M_VMCS_GUEST_RFLAGS,
				   "RFLAGS has reserved bits set");
	if (!(rflags & ALTP2M_RFLAGS_FIXED1))
		return altp2m_fail(c, ALTP2M_VMCS_GUEST_RFLAGS,
				   "RFLAGS bit 1 is clear");
	if (c->v86 && (c->ia32e || !(c->cr0 & ALTP2M_CR0_PE)))
		return altp2m_fail(c, ALTP2M_VMCS_GUEST_RFLAGS,
				   "RFLAGS.VM is set in IA-32e mode or real mode");
	return 0;
}

/*
 * struct altp2m_segment has a byte for each attribute; the access-rights
 * field has a bit or two. A value that does not fit would be silently
 * cut by altp2m_seg_to_ar(), so it is refused like a reserved bit.
 */
static bool altp2m_seg_attrs_fit(const struct altp2m_segment *s)
{
	return s->type <= ALTP2M_AR_TYPE_MASK && s->dpl <= 3 &&
	       s->s <= 1 && s->present <= 1 && s->db <= 1 && s->l <= 1 &&
	       s->g <= 1 && s->avl <= 1 && s->unusable <= 1;
}

/* Virtual-8086 mode: the segment is what a real-mode load makes it. */
static int altp2m_check_v86_seg(struct altp2m_entry_ctx *c,
				enum altp2m_seg i)
{
	const struct altp2m_seg_fields *f = &altp2m_seg_fields[i];
	const struct altp2m_segment *s = c->seg[i];

	if (s->base != (u64)s->selector << 4)
		return altp2m_fail(c, f->base,
				   "virtual-8086 segment base is not selector * 16");
	if (s->limit != 0xffff)
		return altp2m_fail(c, f->limit,
				   "virtual-8086 segment limit is not 0xffff");
	if (altp2m_seg_to_ar(s) != ALTP2M_AR_V86)
		return altp2m_fail(c, f->ar,
				   "virtual-8086 segment access rights are not 0xf3");
	return 0;
}

static int altp2m_check_cs(struct altp2m_entry_ctx *c)
{
	const struct altp2m_segment *cs = c->seg[ALTP2M_SEG_CS];
	const struct altp2m_segment *ss = c->seg[ALTP2M_SEG_SS];
	u32 ar = ALTP2M_VMCS_GUEST_CS_AR_BYTES;

	/* CS is checked whether or not it is marked unusable. */
	if (cs->base >> 32)
		return altp2m_fail(c, ALTP2M_VMCS_GUEST_CS_BASE,
				   "CS base has bits 63:32 set");
	switch (cs->type) {
	case 9:
	case 11:
		if (cs->dpl != ss->dpl)
			return altp2m_fail(c, ar,
					   "non-conforming CS.DPL differs from SS.DPL");
		break;
	case 13:
	case 15:
		if (cs->dpl > ss->dpl)
			return altp2m_fail(c, ar,
					   "conforming CS.DPL is above SS.DPL");
		break;
	case ALTP2M_TYPE_DATA_RW_A:
		/* Real mode under unrestricted guest runs from a data segment. */
		if (!c->lim->unrestricted)
			return altp2m_fail(c, ar,
					   "CS type 3 needs unrestricted guest");
		if (cs->dpl)
			return altp2m_fail(c, ar, "CS type 3 with DPL other than 0");
		break;
	default:
		return altp2m_fail(c, ar, "CS type is not an accessed code segment");
	}
	if (!cs->s)
		return altp2m_fail(c, ar, "CS is a system segment (S=0)");
	if (!cs->present)
		return altp2m_fail(c, ar, "CS is not present");
	if (c->ia32e && cs->l && cs->db)
		return altp2m_fail(c, ar, "CS has both L and D/B set");
	if (!altp2m_limit_matches_g(cs->limit, cs->g))
		return altp2m_fail(c, ar, "CS limit does not match CS.G");
	return 0;
}

static int altp2m_check_ss(struct altp2m_entry_ctx *c)
{
	const struct altp2m_segment *cs = c->seg[ALTP2M_SEG_CS];
	const struct altp2m_segment *ss = c->seg[ALTP2M_SEG_SS];
	bool restricted = !c->lim->unrestricted;
	u32 ar = ALTP2M_VMCS_GUEST_SS_AR_BYTES;

	if (restricted && (ss->selector & ALTP2M_SEL_RPL) !=
			  (cs->selector & ALTP2M_SEL_RPL))
		return altp2m_fail(c, ALTP2M_VMCS_GUEST_SS_SELECTOR,
				   "SS.RPL differs from CS.RPL");
	if (!ss->unusable && ss->base >> 32)
		return altp2m_fail(c, ALTP2M_VMCS_GUEST_SS_BASE,
				   "SS base has bits 63:32 set");
	/* SS.DPL is the CPL, so it matters even for an unusable SS. */
	if (restricted && ss->dpl != (ss->selector & ALTP2M_SEL_RPL))
		return altp2m_fail(c, ar, "SS.DPL differs from SS.RPL");
	if (ss->dpl && (cs->type == ALTP2M_TYPE_DATA_RW_A ||
			!(c->cr0 & ALTP2M_CR0_PE)))
		return altp2m_fail(c, ar,
				   "SS.DPL must be 0 in real mode or with CS type 3");
	if (ss->unusable)
		return 0;
	if (ss->type != ALTP2M_TYPE_DATA_RW_A &&
	    ss->type != ALTP2M_TYPE_DATA_RWD_A)
		return altp2m_fail(c, ar,
				   "SS type is not an accessed read/write data segment");
	if (!ss->s)
		return altp2m_fail(c, ar, "SS is a system segment (S=0)");
	if (!ss->present)
		return altp2m_fail(c, ar, "SS is not present");
	if (!altp2m_limit_matches_g(ss->limit, ss->g))
		return altp2m_fail(c, ar, "SS limit does not match SS.G");
	return 0;
}

/* DS, ES, FS and GS. */
static int altp2m_check_data_seg(struct altp2m_entry_ctx *c,
				 enum altp2m_seg i)
{
	const struct altp2m_seg_fields *f = &altp2m_seg_fields[i];
	const struct altp2m_segment *s = c->seg[i];
	bool fs_gs = i == ALTP2M_SEG_FS || i == ALTP2M_SEG_GS;

	/* FS and GS bases are 64-bit even when unusable (the MSRs). */
	if (fs_gs && !altp2m_canonical(s->base, c->va_bits))
		return altp2m_fail(c, f->base, "segment base is not canonical");
	if (s->unusable)
		return 0;
	if (!fs_gs && s->base >> 32)
		return altp2m_fail(c, f->base,
				   "segment base has bits 63:32 set");
	if (!(s->type & ALTP2M_TYPE_ACCESSED))
		return altp2m_fail(c, f->ar, "segment type is not accessed");
	if ((s->type & ALTP2M_TYPE_CODE) && !(s->type & ALTP2M_TYPE_READABLE))
		return altp2m_fail(c, f->ar,
				   "segment type is execute-only code");
	if (!s->s)
		return altp2m_fail(c, f->ar, "segment is a system segment (S=0)");
	/* Types 0-11: data and non-conforming code. */
	if (!c->lim->unrestricted &&
	    !((s->type & ALTP2M_TYPE_CODE) &&
	      (s->type & ALTP2M_TYPE_CONFORMING)) &&
	    s->dpl < (s->selector & ALTP2M_SEL_RPL))
		return altp2m_fail(c, f->ar, "segment DPL is below its RPL");
	if (!s->present)
		return altp2m_fail(c, f->ar, "segment is not present");
	if (!altp2m_limit_matches_g(s->limit, s->g))
		return altp2m_fail(c, f->ar, "segment limit does not match G");
	return 0;
}

static int altp2m_check_tr(struct altp2m_entry_ctx *c)
{
	const struct altp2m_segment *tr = c->seg[ALTP2M_SEG_TR];
	u32 ar = ALTP2M_VMCS_GUEST_TR_AR_BYTES;

	if (tr->selector & ALTP2M_SEL_TI)
		return altp2m_fail(c, ALTP2M_VMCS_GUEST_TR_SELECTOR,
				   "TR selector points into the LDT (TI=1)");
	if (!altp2m_canonical(tr->base, c->va_bits))
		return altp2m_fail(c, ALTP2M_VMCS_GUEST_TR_BASE,
				   "TR base is not canonical");
	if (c->ia32e && tr->type != ALTP2M_TYPE_TSS_BUSY)
		return altp2m_fail(c, ar,
				   "TR is not a busy 64-bit TSS in IA-32e mode");
	if (!c->ia32e && tr->type != ALTP2M_TYPE_TSS_BUSY &&
	    tr->type != ALTP2M_TYPE_TSS16_BUSY)
		return altp2m_fail(c, ar, "TR is not a busy TSS");
	if (tr->s)
		return altp2m_fail(c, ar, "TR is not a system segment (S=1)");
	if (!tr->present)
		return altp2m_fail(c, ar, "TR is not present");
	if (!altp2m_limit_matches_g(tr->limit, tr->g))
		return altp2m_fail(c, ar, "TR limit does not match TR.G");
	if (tr->unusable)
		return altp2m_fail(c, ar, "TR is marked unusable");
	return 0;
}

static int altp2m_check_ldtr(struct altp2m_entry_ctx *c)
{
	const struct altp2m_segment *ldt = c->seg[ALTP2M_SEG_LDTR];
	u32 ar = ALTP2M_VMCS_GUEST_LDTR_AR_BYTES;

	if (ldt->unusable)
		return 0;
	if (ldt->selector & ALTP2M_SEL_TI)
		return altp2m_fail(c, ALTP2M_VMCS_GUEST_LDTR_SELECTOR,
				   "LDTR selector points into the LDT (TI=1)");
	if (!altp2m_canonical(ldt->base, c->va_bits))
		return altp2m_fail(c, ALTP2M_VMCS_GUEST_LDTR_BASE,
				   "LDTR base is not canonical");
	if (ldt->type != ALTP2M_TYPE_LDT)
		return altp2m_fail(c, ar, "LDTR type is not LDT (2)");
	if (ldt->s)
		return altp2m_fail(c, ar, "LDTR is not a system segment (S=1)");
	if (!ldt->present)
		return altp2m_fail(c, ar, "LDTR is not present");
	if (!altp2m_limit_matches_g(ldt->limit, ldt->g))
		return altp2m_fail(c, ar, "LDTR limit does not match LDTR.G");
	return 0;
}

static int altp2m_check_segments(struct altp2m_entry_ctx *c)
{
	static const enum altp2m_seg v86_segs[] = {
		ALTP2M_SEG_CS, ALTP2M_SEG_SS, ALTP2M_SEG_DS,
		ALTP2M_SEG_ES, ALTP2M_SEG_FS, ALTP2M_SEG_GS,
	};
	static const enum altp2m_seg data_segs[] = {
		ALTP2M_SEG_DS, ALTP2M_SEG_ES, ALTP2M_SEG_FS, ALTP2M_SEG_GS,
	};
	unsigned int i;
	int ret;

	for (i = 0; i < ALTP2M_NR_SEGS; i++)
		if (!altp2m_seg_attrs_fit(c->seg[i]))
			return altp2m_fail(c, altp2m_seg_fields[i].ar,
					   "segment attribute out of range");

	if (c->v86) {
		for (i = 0; i < ARRAY_SIZE(v86_segs); i++) {
			ret = altp2m_check_v86_seg(c, v86_segs[i]);
			if (ret)
				return ret;
		}
	} else {
		/* SS first: CS.DPL is judged against SS.DPL. */
		ret = altp2m_check_ss(c);
		if (!ret)
			ret = altp2m_check_cs(c);
		for (i = 0; !ret && i < ARRAY_SIZE(data_segs); i++)
			ret = altp2m_check_data_seg(c, data_segs[i]);
		if (ret)
			return ret;
	}
	ret = altp2m_check_tr(c);
	if (!ret)
		ret = altp2m_check_ldtr(c);
	return ret;
}

/*
 * Bits 31:16 of the GDTR and IDTR limit fields must be 0; the uAPI limit
 * is 16 bits wide (asserted above), so only the bases are left to check.
 */
static int altp2m_check_dtables(struct altp2m_entry_ctx *c)
{
	if (!altp2m_canonical(c->sregs->gdt.base, c->va_bits))
		return altp2m_fail(c, ALTP2M_VMCS_GUEST_GDTR_BASE,
				   "GDTR base is not canonical");
	if (!altp2m_canonical(c->sregs->idt.base, c->va_bits))
		return altp2m_fail(c, ALTP2M_VMCS_GUEST_IDTR_BASE,
				   "IDTR base is not canonical");
	return 0;
}

static int altp2m_check_rip(struct altp2m_entry_ctx *c)
{
	u64 rip = c->regs->rip;
	unsigned int bits;

	if (!c->ia32e || !c->seg[ALTP2M_SEG_CS]->l) {
		if (rip >> 32)
			return altp2m_fail(c, ALTP2M_VMCS_GUEST_RIP,
					   "RIP has bits 63:32 set outside 64-bit mode");
		return 0;
	}
	/*
	 * Stricter than the CPU, which takes its own width (57 bits with
	 * LA57 support): a RIP outside the guest's current width could not
	 * be fetched, so it can only be a userspace mistake.
	 */
	bits = c->cr4 & ALTP2M_CR4_LA57 ? 57 : 48;
	if (!altp2m_canonical(rip, bits))
		return altp2m_fail(c, ALTP2M_VMCS_GUEST_RIP,
				   "RIP is not canonical");
	return 0;
}

/**
 * altp2m_check_guest_state - run the SDM's guest-state checks in software
 * @regs: the vCPU's general-purpose registers, RIP and RFLAGS
 * @sregs: the vCPU's segment, descriptor-table and control registers
 * @lim: the host's VMX fixed bits and the VMX layer's choices
 * @field: on failure, the VMCS encoding (ALTP2M_VMCS_GUEST_*) of the
 *	field at fault; 0 on success
 * @why: on failure, a short static description for a log line; NULL on
 *	success
 *
 * Covers 27.3.1.1 for CR0, CR3, CR4 and EFER (taking "IA-32e mode guest"
 * to be EFER.LMA), 27.3.1.2 for all eight segment registers, 27.3.1.3 and
 * the RIP and RFLAGS parts of 27.3.1.4. Only @regs->rip and @regs->rflags
 * are read from @regs, and @sregs->cr2, flags and padding are ignored:
 * the ioctl validates flags and padding.
 *
 * Return: 0 when the state passes, -EINVAL at the first check it fails.
 */
int altp2m_check_guest_state(const struct altp2m_regs *regs,
			     const struct altp2m_sregs *sregs,
			     const struct altp2m_entry_limits *lim,
			     u32 *field, const char **why)
{
	struct altp2m_entry_ctx c = {
		.regs = regs,
		.sregs = sregs,
		.lim = lim,
		.seg = {
			[ALTP2M_SEG_ES] = &sregs->es,
			[ALTP2M_SEG_CS] = &sregs->cs,
			[ALTP2M_SEG_SS] = &sregs->ss,
			[ALTP2M_SEG_DS] = &sregs->ds,
			[ALTP2M_SEG_FS] = &sregs->fs,
			[ALTP2M_SEG_GS] = &sregs->gs,
			[ALTP2M_SEG_LDTR] = &sregs->ldt,
			[ALTP2M_SEG_TR] = &sregs->tr,
		},
		.cr0 = sregs->cr0 | lim->cr0_always_on,
		.cr4 = sregs->cr4 | lim->cr4_always_on,
		.ia32e = sregs->efer & ALTP2M_EFER_LMA,
		.v86 = regs->rflags & ALTP2M_RFLAGS_VM,
		.va_bits = lim->cr4_fixed1 & ALTP2M_CR4_LA57 ? 57 : 48,
	};
	int ret;

	ret = altp2m_check_cr(&c);
	if (!ret)
		ret = altp2m_check_rflags(&c);
	if (!ret)
		ret = altp2m_check_segments(&c);
	if (!ret)
		ret = altp2m_check_dtables(&c);
	if (!ret)
		ret = altp2m_check_rip(&c);

	*field = ret ? c.field : 0;
	*why = ret ? c.why : NULL;
	return ret;
}

/**
 * altp2m_seg_to_ar - a segment's attributes in the VMCS access-rights format
 * @s: the segment; each attribute is assumed to fit its bits, which
 *	altp2m_check_guest_state() ensures (larger values are cut)
 *
 * Return: type[3:0], S[4], DPL[6:5], P[7], AVL[12], L[13], D/B[14], G[15]
 * and unusable[16]; the reserved bits 11:8 and 31:17 are 0.
 */
u32 altp2m_seg_to_ar(const struct altp2m_segment *s)
{
	u32 ar = s->type & ALTP2M_AR_TYPE_MASK;

	ar |= ((u32)s->dpl << ALTP2M_AR_DPL_SHIFT) & ALTP2M_AR_DPL_MASK;
	if (s->s)
		ar |= ALTP2M_AR_S;
	if (s->present)
		ar |= ALTP2M_AR_P;
	if (s->avl)
		ar |= ALTP2M_AR_AVL;
	if (s->l)
		ar |= ALTP2M_AR_L;
	if (s->db)
		ar |= ALTP2M_AR_DB;
	if (s->g)
		ar |= ALTP2M_AR_G;
	if (s->unusable)
		ar |= ALTP2M_AR_UNUSABLE;
	return ar;
}

/**
 * altp2m_ar_to_seg - fill a segment's attributes from VMCS access rights
 * @ar: the access-rights field
 * @s: the segment; its base, limit, selector and padding are left alone
 *
 * The reserved bits of @ar are dropped. For a segment in range,
 * altp2m_ar_to_seg(altp2m_seg_to_ar(s), s) leaves @s unchanged.
 */
void altp2m_ar_to_seg(u32 ar, struct altp2m_segment *s)
{
	s->type = ar & ALTP2M_AR_TYPE_MASK;
	s->s = !!(ar & ALTP2M_AR_S);
	s->dpl = (ar & ALTP2M_AR_DPL_MASK) >> ALTP2M_AR_DPL_SHIFT;
	s->present = !!(ar & ALTP2M_AR_P);
	s->avl = !!(ar & ALTP2M_AR_AVL);
	s->l = !!(ar & ALTP2M_AR_L);
	s->db = !!(ar & ALTP2M_AR_DB);
	s->g = !!(ar & ALTP2M_AR_G);
	s->unusable = !!(ar & ALTP2M_AR_UNUSABLE);
}
