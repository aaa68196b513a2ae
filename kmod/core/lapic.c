// SPDX-License-Identifier: GPL-2.0
/*
 * The local APIC's register model (see lapic.h). Facts from the Intel SDM
 * vol. 3, chapter "Advanced Programmable Interrupt Controller (APIC)".
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>

#include "lapic.h"

#define REG(a, off)	((a)->regs[(off) / 4])

/* Bits of each register a write can change (the others are reserved). */
#define LVTT_MASK	0x000700ffU	/* vector, mask, timer mode */
#define LVT_DM_MASK	0x000107ffU	/* vector, delivery mode, mask */
#define LVT_LINT_MASK	0x0001a7ffU	/* ... polarity, trigger mode */
#define LVTERR_MASK	0x000100ffU	/* vector, mask */
/* ICR: vector, mode, destination mode, level, trigger, shorthand */
#define ICR_MASK	0x000ccfffU
#define SVR_MASK	0x000001ffU	/* vector, APIC enable */
#define TDCR_MASK	0x0000000bU

static bool altp2m_apic_is_lvt(u32 off)
{
	return off >= ALTP2M_APIC_LVTT && off <= ALTP2M_APIC_LVTERR;
}

static bool altp2m_apic_is_vecreg(u32 off)
{
	return off >= ALTP2M_APIC_ISR && off < ALTP2M_APIC_ESR;
}

static u32 altp2m_apic_x2_ldr(u32 id)
{
	return ((id >> 4) << 16) | BIT(id & 0xf);
}

u32 altp2m_apic_id(const struct altp2m_apic *a)
{
	return altp2m_apic_x2(a) ? REG(a, ALTP2M_APIC_ID) :
				   REG(a, ALTP2M_APIC_ID) >> 24;
}

/* The writable bits of a register, 0 for one that takes no plain write. */
static u32 altp2m_apic_wmask(u32 off)
{
	switch (off) {
	case ALTP2M_APIC_ID:
	case ALTP2M_APIC_LDR:
	case ALTP2M_APIC_ICR2:
		return 0xff000000U;
	case ALTP2M_APIC_DFR:
		return 0xf0000000U;
	case ALTP2M_APIC_TPR:
		return 0xff;
	case ALTP2M_APIC_SVR:
		return SVR_MASK;
	case ALTP2M_APIC_ICR:
		return ICR_MASK;
	case ALTP2M_APIC_LVTT:
		return LVTT_MASK;
	case ALTP2M_APIC_LVTTHMR:
	case ALTP2M_APIC_LVTPC:
		return LVT_DM_MASK;
	case ALTP2M_APIC_LVT0:
	case ALTP2M_APIC_LVT1:
		return LVT_LINT_MASK;
	case ALTP2M_APIC_LVTERR:
		return LVTERR_MASK;
	case ALTP2M_APIC_TMICT:
		return 0xffffffffU;
	case ALTP2M_APIC_TDCR:
		return TDCR_MASK;
	default:
		return 0;
	}
}

void altp2m_apic_reset(struct altp2m_apic *a, u32 vcpu_id, bool init)
{
	u64 base = a->base;
	u32 id = REG(a, ALTP2M_APIC_ID);
	u32 off;

	if (!init) {
		base = 0xfee00000ULL | ALTP2M_APIC_BASE_EN |
		       (vcpu_id ? 0 : ALTP2M_APIC_BASE_BSP);
		id = vcpu_id << 24;
	}
	memset(a, 0, sizeof(*a));
	a->base = base;
	a->vcpu_id = vcpu_id;
	REG(a, ALTP2M_APIC_ID) = id;
	REG(a, ALTP2M_APIC_VER) = ALTP2M_APIC_VERSION;
	REG(a, ALTP2M_APIC_DFR) = 0xffffffffU;
	REG(a, ALTP2M_APIC_SVR) = 0xff;
	for (off = ALTP2M_APIC_LVTT; off <= ALTP2M_APIC_LVTERR; off += 16)
		REG(a, off) = ALTP2M_APIC_LVT_MASKED;
	if (altp2m_apic_x2(a))
		REG(a, ALTP2M_APIC_LDR) = altp2m_apic_x2_ldr(id);
}

int altp2m_apic_base_check(const struct altp2m_apic *a, u64 val,
			   unsigned int phys_bits, bool transition)
{
	u64 reserved = 0xffULL | BIT_ULL(9);
	bool en = val & ALTP2M_APIC_BASE_EN, x2 = val & ALTP2M_APIC_BASE_EXTD;

	if (phys_bits < 64)
		reserved |= ~0ULL << phys_bits;
	if ((val & reserved) || (x2 && !en))
		return -EINVAL;
	if (!transition)
		return 0;
	/* x2APIC is left only through disabled, and entered from xAPIC. */
	if (altp2m_apic_x2(a) && en && !x2)
		return -EINVAL;
	if (!altp2m_apic_hw_enabled(a) && x2)
		return -EINVAL;
	return 0;
}

u32 altp2m_apic_base_set(struct altp2m_apic *a, u64 val)
{
	bool was_en = altp2m_apic_hw_enabled(a), was_x2 = altp2m_apic_x2(a);

	if (!(val & ALTP2M_APIC_BASE_EN)) {
		/*
		 * A hardware-disabled APIC loses its state and comes back
		 * in its reset state, with its ID in xAPIC form.
		 */
		a->base = val;
		REG(a, ALTP2M_APIC_ID) = a->vcpu_id << 24;
		altp2m_apic_reset(a, a->vcpu_id, true);
		return ALTP2M_APIC_FX_TIMER;
	}
	a->base = val;
	if (!was_x2 && altp2m_apic_x2(a)) {
		/* The x2APIC ID is the initial APIC ID, not a written one. */
		REG(a, ALTP2M_APIC_ID) = a->vcpu_id;
		REG(a, ALTP2M_APIC_LDR) = altp2m_apic_x2_ldr(a->vcpu_id);
		REG(a, ALTP2M_APIC_ICR2) = 0;
	}
	return was_en ? 0 : ALTP2M_APIC_FX_EVENT;
}

int altp2m_apic_highest(const struct altp2m_apic *a, u32 off)
{
	int i;

	for (i = 7; i >= 0; i--) {
		u32 w = REG(a, off + i * 16);

		if (w)
			return i * 32 + ilog2(w);
	}
	return -1;
}

bool altp2m_apic_test(const struct altp2m_apic *a, u32 off, u8 vector)
{
	return REG(a, off + (vector / 32) * 16) & BIT(vector % 32);
}

static void altp2m_apic_bit(struct altp2m_apic *a, u32 off, u8 vector,
			    bool set)
{
	u32 *w = &REG(a, off + (vector / 32) * 16);

	if (set)
		*w |= BIT(vector % 32);
	else
		*w &= ~(u32)BIT(vector % 32);
}

u32 altp2m_apic_ppr(const struct altp2m_apic *a)
{
	u32 tpr = REG(a, ALTP2M_APIC_TPR) & 0xff;
	int isrv = altp2m_apic_highest(a, ALTP2M_APIC_ISR);
	u32 isr_class = isrv < 0 ? 0 : (u32)isrv & 0xf0;

	return (tpr & 0xf0) >= isr_class ? tpr : isr_class;
}

u32 altp2m_apic_apr(const struct altp2m_apic *a)
{
	u32 tpr = REG(a, ALTP2M_APIC_TPR) & 0xff;
	int isrv = altp2m_apic_highest(a, ALTP2M_APIC_ISR);
	int irrv = altp2m_apic_highest(a, ALTP2M_APIC_IRR);
	u32 isr_class = isrv < 0 ? 0 : (u32)isrv & 0xf0;
	u32 irr_class = irrv < 0 ? 0 : (u32)irrv & 0xf0;
	u32 apr = tpr & 0xf0;

	if ((tpr & 0xf0) >= irr_class && (tpr & 0xf0) > isr_class)
		return tpr;
	if (isr_class > apr)
		apr = isr_class;
	if (irr_class > apr)
		apr = irr_class;
	return apr;
}

int altp2m_apic_pending(const struct altp2m_apic *a)
{
	int v;

	if (!altp2m_apic_enabled(a))
		return -1;
	v = altp2m_apic_highest(a, ALTP2M_APIC_IRR);
	if (v < 0 || ((u32)v & 0xf0) <= (altp2m_apic_ppr(a) & 0xf0))
		return -1;
	return v;
}

void altp2m_apic_accept(struct altp2m_apic *a, u8 vector)
{
	altp2m_apic_bit(a, ALTP2M_APIC_IRR, vector, false);
	altp2m_apic_bit(a, ALTP2M_APIC_ISR, vector, true);
}

int altp2m_apic_eoi(struct altp2m_apic *a)
{
	int v = altp2m_apic_highest(a, ALTP2M_APIC_ISR);

	if (v < 0)
		return -1;
	altp2m_apic_bit(a, ALTP2M_APIC_ISR, v, false);
	if (altp2m_apic_test(a, ALTP2M_APIC_TMR, v))
		v |= ALTP2M_APIC_EOI_LEVEL;
	return v;
}

/*
 * An error the APIC detected: recorded for the next ESR write, and the
 * error interrupt raised when its LVT entry allows (an illegal vector
 * there is not raised, or it would error again).
 */
static bool altp2m_apic_error(struct altp2m_apic *a, u32 bit)
{
	u32 lvt = REG(a, ALTP2M_APIC_LVTERR);
	u8 vector = lvt & ALTP2M_APIC_VECTOR;

	a->esr_pending |= bit;
	if ((lvt & ALTP2M_APIC_LVT_MASKED) || vector < 16 ||
	    !altp2m_apic_enabled(a))
		return false;
	altp2m_apic_bit(a, ALTP2M_APIC_IRR, vector, true);
	altp2m_apic_bit(a, ALTP2M_APIC_TMR, vector, false);
	return true;
}

bool altp2m_apic_set_irr(struct altp2m_apic *a, u8 vector, bool level)
{
	if (vector < 16)
		return altp2m_apic_error(a, ALTP2M_APIC_ESR_RECV_ILLEGAL);
	altp2m_apic_bit(a, ALTP2M_APIC_IRR, vector, true);
	altp2m_apic_bit(a, ALTP2M_APIC_TMR, vector, level);
	return true;
}

unsigned int altp2m_apic_timer_divide(const struct altp2m_apic *a)
{
	u32 tdcr = REG(a, ALTP2M_APIC_TDCR);
	u32 x = (tdcr & 3) | ((tdcr & 8) >> 1);

	/* 000: 2, 001: 4, ... 110: 128, 111: 1 */
	return 1U << ((x + 1) & 7);
}

static u32 altp2m_apic_timer_mode(const struct altp2m_apic *a)
{
	return ALTP2M_APIC_TIMER_MODE(REG(a, ALTP2M_APIC_LVTT));
}

u32 altp2m_apic_timer_current(const struct altp2m_apic *a, u64 now)
{
	u32 tmict = REG(a, ALTP2M_APIC_TMICT);
	u64 ticks;

	if (!tmict || altp2m_apic_timer_mode(a) == ALTP2M_APIC_TIMER_DEADLINE)
		return 0;
	ticks = now > a->timer_start ? now - a->timer_start : 0;
	ticks /= altp2m_apic_timer_divide(a);
	if (altp2m_apic_timer_mode(a) == ALTP2M_APIC_TIMER_PERIODIC)
		return tmict - ticks % tmict;
	return ticks >= tmict ? 0 : tmict - ticks;
}

u64 altp2m_apic_timer_next(const struct altp2m_apic *a, u64 now, u64 *period)
{
	u64 len = (u64)REG(a, ALTP2M_APIC_TMICT) * altp2m_apic_timer_divide(a);
	u64 start = a->timer_start;

	*period = 0;
	if (!len || altp2m_apic_timer_mode(a) == ALTP2M_APIC_TIMER_DEADLINE)
		return 0;
	if (altp2m_apic_timer_mode(a) == ALTP2M_APIC_TIMER_ONESHOT)
		return start + len > now ? start + len : 0;
	*period = len < ALTP2M_APIC_MIN_PERIOD_NS ? ALTP2M_APIC_MIN_PERIOD_NS :
						    len;
	if (now < start)
		return start + *period;
	return start + ((now - start) / *period + 1) * *period;
}

bool altp2m_apic_timer_fire(struct altp2m_apic *a)
{
	u32 lvt = REG(a, ALTP2M_APIC_LVTT);

	if (altp2m_apic_timer_mode(a) == ALTP2M_APIC_TIMER_DEADLINE)
		a->tsc_deadline = 0;
	if (lvt & ALTP2M_APIC_LVT_MASKED)
		return false;
	return altp2m_apic_set_irr(a, lvt & ALTP2M_APIC_VECTOR, false);
}

void altp2m_apic_icr_msg(const struct altp2m_apic *a, u64 icr,
			 struct altp2m_apic_msg *m)
{
	u32 lo = (u32)icr, hi = icr >> 32;

	memset(m, 0, sizeof(*m));
	m->vector = lo & ALTP2M_APIC_VECTOR;
	m->delivery = (lo >> 8) & 7;
	m->logical = lo & BIT(11);
	m->assert = lo & BIT(14);
	m->level = lo & BIT(15);
	m->shorthand = (lo >> 18) & 3;
	if (altp2m_apic_x2(a)) {
		m->dest = hi;
		m->broadcast = hi == 0xffffffffU;
	} else {
		m->dest = hi >> 24;
		m->broadcast = m->dest == 0xff;
	}
}

/* The ICR was written: what, if anything, goes out. */
static void altp2m_apic_send(struct altp2m_apic *a, struct altp2m_apic_fx *fx)
{
	struct altp2m_apic_msg *m = &fx->msg;
	u64 icr = REG(a, ALTP2M_APIC_ICR) |
		  (u64)REG(a, ALTP2M_APIC_ICR2) << 32;

	altp2m_apic_icr_msg(a, icr, m);
	switch (m->delivery) {
	case ALTP2M_APIC_DM_FIXED:
	case ALTP2M_APIC_DM_LOWEST:
		if (m->vector < 16) {
			if (altp2m_apic_error(a, ALTP2M_APIC_ESR_SEND_ILLEGAL))
				fx->flags |= ALTP2M_APIC_FX_EVENT;
			return;
		}
		break;
	case ALTP2M_APIC_DM_NMI:
	case ALTP2M_APIC_DM_SIPI:
		break;
	case ALTP2M_APIC_DM_INIT:
		/* Level de-assert: nothing on processors since the P4. */
		if (m->level && !m->assert)
			return;
		break;
	default:	/* SMI: no SMM here; 011 and 111: reserved */
		return;
	}
	/* The self shorthand is for fixed interrupts only. */
	if (m->shorthand == ALTP2M_APIC_DEST_SELF &&
	    m->delivery != ALTP2M_APIC_DM_FIXED)
		return;
	fx->flags |= ALTP2M_APIC_FX_SEND;
}

/* The timer's count keeps its value when the divider changes. */
static void altp2m_apic_set_tdcr(struct altp2m_apic *a, u32 val, u64 now)
{
	u32 tmict = REG(a, ALTP2M_APIC_TMICT);
	u32 cur = altp2m_apic_timer_current(a, now);

	REG(a, ALTP2M_APIC_TDCR) = val;
	if (tmict && cur)
		a->timer_start = now - (u64)(tmict - cur) *
				       altp2m_apic_timer_divide(a);
}

/* A write of @val, reserved bits already dropped or refused. */
static void altp2m_apic_write_reg(struct altp2m_apic *a, u32 off, u32 val,
				  u64 now, struct altp2m_apic_fx *fx)
{
	int v;

	if (altp2m_apic_is_lvt(off) && !altp2m_apic_enabled(a))
		val |= ALTP2M_APIC_LVT_MASKED;
	switch (off) {
	case ALTP2M_APIC_TPR:
		REG(a, off) = val;
		fx->flags |= ALTP2M_APIC_FX_EVENT;
		break;
	case ALTP2M_APIC_EOI:
		v = altp2m_apic_eoi(a);
		if (v >= 0 && (v & ALTP2M_APIC_EOI_LEVEL)) {
			fx->flags |= ALTP2M_APIC_FX_EOI;
			fx->eoi_vector = v & ALTP2M_APIC_VECTOR;
		}
		fx->flags |= ALTP2M_APIC_FX_EVENT;
		break;
	case ALTP2M_APIC_DFR:
		REG(a, off) = val | 0x0fffffffU;
		break;
	case ALTP2M_APIC_SVR:
		REG(a, off) = val;
		if (!(val & ALTP2M_APIC_SVR_ENABLE))
			for (off = ALTP2M_APIC_LVTT; off <= ALTP2M_APIC_LVTERR;
			     off += 16)
				REG(a, off) |= ALTP2M_APIC_LVT_MASKED;
		fx->flags |= ALTP2M_APIC_FX_EVENT;
		break;
	case ALTP2M_APIC_ESR:
		REG(a, off) = a->esr_pending;
		a->esr_pending = 0;
		break;
	case ALTP2M_APIC_ICR:
		REG(a, off) = val;
		altp2m_apic_send(a, fx);
		break;
	case ALTP2M_APIC_LVTT:
		/* Mode 11b is reserved: such a write keeps the mode. */
		if (ALTP2M_APIC_TIMER_MODE(val) == 3)
			val = (val & ~(3U << 17)) |
			      (REG(a, off) & (3U << 17));
		if (ALTP2M_APIC_TIMER_MODE(val) != altp2m_apic_timer_mode(a)) {
			/* A mode change stops the timer in either mode. */
			REG(a, ALTP2M_APIC_TMICT) = 0;
			a->tsc_deadline = 0;
		}
		REG(a, off) = val;
		fx->flags |= ALTP2M_APIC_FX_TIMER;
		break;
	case ALTP2M_APIC_TMICT:
		if (altp2m_apic_timer_mode(a) == ALTP2M_APIC_TIMER_DEADLINE)
			break;
		REG(a, off) = val;
		a->timer_start = now;
		fx->flags |= ALTP2M_APIC_FX_TIMER;
		break;
	case ALTP2M_APIC_TDCR:
		altp2m_apic_set_tdcr(a, val, now);
		fx->flags |= ALTP2M_APIC_FX_TIMER;
		break;
	default:	/* ID, LDR, ICR2, LVTs other than the timer */
		REG(a, off) = val;
		break;
	}
}

u32 altp2m_apic_mmio_read(struct altp2m_apic *a, u32 off, u64 now)
{
	switch (off) {
	case ALTP2M_APIC_ID: case ALTP2M_APIC_VER: case ALTP2M_APIC_TPR:
	case ALTP2M_APIC_LDR: case ALTP2M_APIC_DFR: case ALTP2M_APIC_SVR:
	case ALTP2M_APIC_ESR: case ALTP2M_APIC_ICR: case ALTP2M_APIC_ICR2:
	case ALTP2M_APIC_LVTT: case ALTP2M_APIC_LVTTHMR:
	case ALTP2M_APIC_LVTPC: case ALTP2M_APIC_LVT0: case ALTP2M_APIC_LVT1:
	case ALTP2M_APIC_LVTERR: case ALTP2M_APIC_TMICT:
	case ALTP2M_APIC_TDCR:
		return REG(a, off);
	case ALTP2M_APIC_APR:
		return altp2m_apic_apr(a);
	case ALTP2M_APIC_PPR:
		return altp2m_apic_ppr(a);
	case ALTP2M_APIC_TMCCT:
		return altp2m_apic_timer_current(a, now);
	case ALTP2M_APIC_EOI:	/* write-only */
	case ALTP2M_APIC_RRD:	/* remote read is not supported */
		return 0;
	default:
		if (altp2m_apic_is_vecreg(off) && !(off & 0xf))
			return REG(a, off);
		altp2m_apic_error(a, ALTP2M_APIC_ESR_ILLEGAL_REG);
		return 0;
	}
}

void altp2m_apic_mmio_write(struct altp2m_apic *a, u32 off, u32 val,
			    u64 now, struct altp2m_apic_fx *fx)
{
	u32 mask = altp2m_apic_wmask(off);

	switch (off) {
	case ALTP2M_APIC_EOI:
	case ALTP2M_APIC_ESR:
		break;
	case ALTP2M_APIC_VER: case ALTP2M_APIC_APR: case ALTP2M_APIC_PPR:
	case ALTP2M_APIC_RRD: case ALTP2M_APIC_TMCCT:
		return;		/* read-only: the write is dropped */
	default:
		if (altp2m_apic_is_vecreg(off) && !(off & 0xf))
			return;
		if (!mask) {
			if (altp2m_apic_error(a, ALTP2M_APIC_ESR_ILLEGAL_REG))
				fx->flags |= ALTP2M_APIC_FX_EVENT;
			return;
		}
	}
	altp2m_apic_write_reg(a, off, val & mask, now, fx);
}

int altp2m_apic_x2_read(struct altp2m_apic *a, u32 msr, u64 now, u64 *val)
{
	u32 off = (msr - ALTP2M_APIC_MSR_X2APIC) << 4;

	if (msr < ALTP2M_APIC_MSR_X2APIC || msr > ALTP2M_APIC_MSR_X2APIC_LAST)
		return -EINVAL;
	switch (off) {
	case ALTP2M_APIC_ICR:
		*val = REG(a, off) | (u64)REG(a, ALTP2M_APIC_ICR2) << 32;
		return 0;
	case ALTP2M_APIC_ID: case ALTP2M_APIC_VER: case ALTP2M_APIC_TPR:
	case ALTP2M_APIC_PPR: case ALTP2M_APIC_LDR: case ALTP2M_APIC_SVR:
	case ALTP2M_APIC_ESR: case ALTP2M_APIC_LVTT: case ALTP2M_APIC_LVTTHMR:
	case ALTP2M_APIC_LVTPC: case ALTP2M_APIC_LVT0: case ALTP2M_APIC_LVT1:
	case ALTP2M_APIC_LVTERR: case ALTP2M_APIC_TMICT:
	case ALTP2M_APIC_TMCCT: case ALTP2M_APIC_TDCR:
		*val = altp2m_apic_mmio_read(a, off, now);
		return 0;
	default:
		/* EOI and SELF IPI are write-only; APR, RRD, DFR absent. */
		if (!altp2m_apic_is_vecreg(off))
			return -EINVAL;
		*val = REG(a, off);
		return 0;
	}
}

int altp2m_apic_x2_write(struct altp2m_apic *a, u32 msr, u64 val, u64 now,
			 struct altp2m_apic_fx *fx)
{
	u32 off = (msr - ALTP2M_APIC_MSR_X2APIC) << 4;
	u32 mask = altp2m_apic_wmask(off);

	if (msr < ALTP2M_APIC_MSR_X2APIC || msr > ALTP2M_APIC_MSR_X2APIC_LAST)
		return -EINVAL;
	if (off == ALTP2M_APIC_ICR) {
		/* One write, 32-bit destination; bits 31:20 etc. reserved. */
		if ((u32)val & ~ICR_MASK)
			return -EINVAL;
		REG(a, ALTP2M_APIC_ICR2) = val >> 32;
		altp2m_apic_write_reg(a, off, (u32)val, now, fx);
		return 0;
	}
	if (val >> 32)
		return -EINVAL;
	switch (off) {
	case ALTP2M_APIC_EOI:
	case ALTP2M_APIC_ESR:
		if (val)
			return -EINVAL;
		break;
	case ALTP2M_APIC_SELF_IPI:
		if (val & ~0xffULL)
			return -EINVAL;
		if (altp2m_apic_enabled(a) && altp2m_apic_set_irr(a, val, false))
			fx->flags |= ALTP2M_APIC_FX_EVENT;
		return 0;
	case ALTP2M_APIC_TPR: case ALTP2M_APIC_SVR: case ALTP2M_APIC_LVTT:
	case ALTP2M_APIC_LVTTHMR: case ALTP2M_APIC_LVTPC:
	case ALTP2M_APIC_LVT0: case ALTP2M_APIC_LVT1: case ALTP2M_APIC_LVTERR:
	case ALTP2M_APIC_TMICT: case ALTP2M_APIC_TDCR:
		if (val & ~(u64)mask)
			return -EINVAL;
		if (off == ALTP2M_APIC_LVTT &&
		    ALTP2M_APIC_TIMER_MODE(val) == 3)
			return -EINVAL;
		break;
	default:	/* read-only (ID, LDR, ...) or absent */
		return -EINVAL;
	}
	altp2m_apic_write_reg(a, off, val, now, fx);
	return 0;
}

void altp2m_apic_get_page(struct altp2m_apic *a, u64 now, u32 *page)
{
	memcpy(page, a->regs, sizeof(a->regs));
	page[ALTP2M_APIC_APR / 4] = altp2m_apic_x2(a) ? 0 : altp2m_apic_apr(a);
	page[ALTP2M_APIC_PPR / 4] = altp2m_apic_ppr(a);
	page[ALTP2M_APIC_TMCCT / 4] = altp2m_apic_timer_current(a, now);
}

void altp2m_apic_set_page(struct altp2m_apic *a, const u32 *page, u64 now)
{
	static const u32 plain[] = {
		ALTP2M_APIC_TPR, ALTP2M_APIC_LDR, ALTP2M_APIC_DFR,
		ALTP2M_APIC_SVR, ALTP2M_APIC_ICR, ALTP2M_APIC_LVTT,
		ALTP2M_APIC_LVTTHMR, ALTP2M_APIC_LVTPC, ALTP2M_APIC_LVT0,
		ALTP2M_APIC_LVT1, ALTP2M_APIC_LVTERR, ALTP2M_APIC_TMICT,
		ALTP2M_APIC_TDCR,
	};
	bool x2 = altp2m_apic_x2(a);
	unsigned int i;
	u32 off, val;

	for (i = 0; i < ARRAY_SIZE(plain); i++) {
		off = plain[i];
		val = page[off / 4] & altp2m_apic_wmask(off);
		if (off == ALTP2M_APIC_DFR)
			val |= 0x0fffffffU;
		if (off == ALTP2M_APIC_LVTT && ALTP2M_APIC_TIMER_MODE(val) == 3)
			val &= ~(1U << 18);
		REG(a, off) = val;
	}
	for (off = ALTP2M_APIC_ISR; off < ALTP2M_APIC_ESR; off += 16)
		REG(a, off) = page[off / 4];
	/* The errors as latched; the model raises only these three. */
	REG(a, ALTP2M_APIC_ESR) = page[ALTP2M_APIC_ESR / 4] & 0xe0;
	a->esr_pending = 0;
	if (!(REG(a, ALTP2M_APIC_SVR) & ALTP2M_APIC_SVR_ENABLE))
		for (off = ALTP2M_APIC_LVTT; off <= ALTP2M_APIC_LVTERR; off += 16)
			REG(a, off) |= ALTP2M_APIC_LVT_MASKED;
	if (x2) {
		REG(a, ALTP2M_APIC_ID) = page[ALTP2M_APIC_ID / 4];
		REG(a, ALTP2M_APIC_ICR2) = page[ALTP2M_APIC_ICR2 / 4];
		REG(a, ALTP2M_APIC_LDR) =
			altp2m_apic_x2_ldr(REG(a, ALTP2M_APIC_ID));
	} else {
		REG(a, ALTP2M_APIC_ID) = page[ALTP2M_APIC_ID / 4] & 0xff000000U;
		REG(a, ALTP2M_APIC_ICR2) = page[ALTP2M_APIC_ICR2 / 4] &
					   0xff000000U;
	}
	if (altp2m_apic_timer_mode(a) == ALTP2M_APIC_TIMER_DEADLINE)
		REG(a, ALTP2M_APIC_TMICT) = 0;
	a->timer_start = now;
}

bool altp2m_apic_match(const struct altp2m_apic *a,
		       const struct altp2m_apic_msg *m)
{
	u32 ldr = REG(a, ALTP2M_APIC_LDR);

	if (!altp2m_apic_hw_enabled(a))
		return false;
	if (m->broadcast)
		return true;
	if (altp2m_apic_x2(a)) {
		if (!m->logical)
			return m->dest == REG(a, ALTP2M_APIC_ID);
		return (m->dest >> 16) == (ldr >> 16) &&
		       (m->dest & ldr & 0xffff);
	}
	/* An x2APIC-format destination reaches no xAPIC. */
	if (m->dest > 0xff)
		return false;
	if (!m->logical)
		return m->dest == REG(a, ALTP2M_APIC_ID) >> 24;
	ldr >>= 24;
	if ((REG(a, ALTP2M_APIC_DFR) >> 28) == 0xf)	/* flat */
		return m->dest & ldr;
	return (m->dest >> 4) == (ldr >> 4) && (m->dest & ldr & 0xf);
}

int altp2m_apic_msi_decode(u64 address, u32 data, struct altp2m_apic_msg *m)
{
	u32 lo = (u32)address, hi = address >> 32;
	u8 dm = (data >> 8) & 7;

	memset(m, 0, sizeof(*m));
	/* 0xfee in 31:20; 11:4, 1:0 and the high byte below 8 reserved. */
	if ((lo & 0xfff00000U) != 0xfee00000U || (lo & 0xff3) || (hi & 0xff))
		return -EINVAL;
	if (data & ~0xc7ffU)
		return -EINVAL;
	if (dm != ALTP2M_APIC_DM_FIXED && dm != ALTP2M_APIC_DM_LOWEST &&
	    dm != ALTP2M_APIC_DM_NMI && dm != ALTP2M_APIC_DM_INIT)
		return -EINVAL;
	m->dest = ((lo >> 12) & 0xff) | (hi & 0xffffff00U);
	m->broadcast = m->dest == 0xff || m->dest == 0xffffffffU;
	m->logical = lo & BIT(2);
	m->vector = data & ALTP2M_APIC_VECTOR;
	m->delivery = dm;
	m->assert = data & BIT(14);
	m->level = data & BIT(15);
	return 0;
}
