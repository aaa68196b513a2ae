// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/core/lapic.c: the local APIC's registers, priorities,
 * timer arithmetic, destinations and MSI decoding, against the values
 * the Intel SDM gives.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "../../kmod/core/lapic.h"
#include "unit.h"

#define X2(off)	(ALTP2M_APIC_MSR_X2APIC + (off) / 16)

static struct altp2m_apic a;
static struct altp2m_apic_fx fx;

static void setup(unsigned int id)
{
	memset(&a, 0xa5, sizeof(a));
	altp2m_apic_reset(&a, id, false);
	memset(&fx, 0, sizeof(fx));
}

static void wr(u32 off, u32 val)
{
	memset(&fx, 0, sizeof(fx));
	altp2m_apic_mmio_write(&a, off, val, 0, &fx);
}

static u32 rd(u32 off)
{
	return altp2m_apic_mmio_read(&a, off, 0);
}

static void to_x2(void)
{
	ck_assert_int_eq(altp2m_apic_base_check(&a, a.base |
			 ALTP2M_APIC_BASE_EXTD, 46, true), 0);
	altp2m_apic_base_set(&a, a.base | ALTP2M_APIC_BASE_EXTD);
}

static int x2w(u32 off, u64 val)
{
	memset(&fx, 0, sizeof(fx));
	return altp2m_apic_x2_write(&a, X2(off), val, 0, &fx);
}

START_TEST(test_reset)
{
	u32 off;

	setup(0);
	ck_assert_uint_eq(a.base, 0xfee00000ULL | ALTP2M_APIC_BASE_EN |
			  ALTP2M_APIC_BASE_BSP);
	ck_assert_uint_eq(rd(ALTP2M_APIC_ID), 0);
	ck_assert_uint_eq(rd(ALTP2M_APIC_VER), 0x00050014);
	ck_assert_uint_eq(rd(ALTP2M_APIC_DFR), 0xffffffff);
	ck_assert_uint_eq(rd(ALTP2M_APIC_SVR), 0xff);
	for (off = ALTP2M_APIC_LVTT; off <= ALTP2M_APIC_LVTERR; off += 16)
		ck_assert_uint_eq(rd(off), 0x10000);
	ck_assert_uint_eq(rd(ALTP2M_APIC_TPR), 0);
	ck_assert_uint_eq(rd(ALTP2M_APIC_IRR), 0);
	setup(3);
	ck_assert_uint_eq(a.base, 0xfee00000ULL | ALTP2M_APIC_BASE_EN);
	ck_assert_uint_eq(rd(ALTP2M_APIC_ID), 3U << 24);
	/* INIT keeps base and a written ID, resets the rest. */
	a.base = 0xfed00000ULL | ALTP2M_APIC_BASE_EN;
	wr(ALTP2M_APIC_ID, 7U << 24);
	wr(ALTP2M_APIC_TPR, 0x20);
	altp2m_apic_set_irr(&a, 0x40, false);
	altp2m_apic_reset(&a, 3, true);
	ck_assert_uint_eq(a.base, 0xfed00000ULL | ALTP2M_APIC_BASE_EN);
	ck_assert_uint_eq(rd(ALTP2M_APIC_ID), 7U << 24);
	ck_assert_uint_eq(rd(ALTP2M_APIC_TPR), 0);
	ck_assert_int_eq(altp2m_apic_highest(&a, ALTP2M_APIC_IRR), -1);
}
END_TEST

START_TEST(test_xapic_registers)
{
	setup(1);
	wr(ALTP2M_APIC_TPR, 0xffffffff);
	ck_assert_uint_eq(rd(ALTP2M_APIC_TPR), 0xff);
	wr(ALTP2M_APIC_LDR, 0xffffffff);
	ck_assert_uint_eq(rd(ALTP2M_APIC_LDR), 0xff000000);
	wr(ALTP2M_APIC_DFR, 0);
	ck_assert_uint_eq(rd(ALTP2M_APIC_DFR), 0x0fffffff);
	wr(ALTP2M_APIC_SVR, 0xffffffff);
	ck_assert_uint_eq(rd(ALTP2M_APIC_SVR), 0x1ff);
	wr(ALTP2M_APIC_LVTT, 0xffffffff);	/* mode 11b: kept one-shot */
	ck_assert_uint_eq(rd(ALTP2M_APIC_LVTT), 0x100ff);
	wr(ALTP2M_APIC_LVT0, 0xffffffff);
	ck_assert_uint_eq(rd(ALTP2M_APIC_LVT0), 0x1a7ff);
	wr(ALTP2M_APIC_LVTPC, 0xffffffff);
	ck_assert_uint_eq(rd(ALTP2M_APIC_LVTPC), 0x107ff);
	wr(ALTP2M_APIC_LVTERR, 0xffffffff);
	ck_assert_uint_eq(rd(ALTP2M_APIC_LVTERR), 0x100ff);
	wr(ALTP2M_APIC_TDCR, 0xffffffff);
	ck_assert_uint_eq(rd(ALTP2M_APIC_TDCR), 0xb);
	wr(ALTP2M_APIC_ICR2, 0xffffffff);
	ck_assert_uint_eq(rd(ALTP2M_APIC_ICR2), 0xff000000);
	/* Read-only registers ignore writes. */
	wr(ALTP2M_APIC_VER, 0);
	ck_assert_uint_eq(rd(ALTP2M_APIC_VER), ALTP2M_APIC_VERSION);
	wr(ALTP2M_APIC_PPR, 0xff);
	ck_assert_uint_eq(rd(ALTP2M_APIC_PPR), 0xff);	/* = TPR */
	wr(ALTP2M_APIC_IRR + 0x10, 0xffffffff);
	ck_assert_uint_eq(rd(ALTP2M_APIC_IRR + 0x10), 0);
	ck_assert_uint_eq(rd(ALTP2M_APIC_EOI), 0);
	ck_assert_uint_eq(rd(ALTP2M_APIC_RRD), 0);
	/* Clearing the enable bit masks every LVT, and keeps them masked. */
	wr(ALTP2M_APIC_SVR, 0xff);
	ck_assert_uint_eq(rd(ALTP2M_APIC_LVT0), 0x1a7ff);
	wr(ALTP2M_APIC_LVT1, 0x20);
	ck_assert_uint_eq(rd(ALTP2M_APIC_LVT1), 0x10020);
}
END_TEST

START_TEST(test_esr)
{
	setup(0);
	wr(ALTP2M_APIC_SVR, 0x1ff);
	/* No register at 0x2f0 (no CMCI) or 0x3f0 (x2APIC only). */
	rd(0x2f0);
	ck_assert_uint_eq(rd(ALTP2M_APIC_ESR), 0);	/* not yet latched */
	wr(ALTP2M_APIC_ESR, 0);
	ck_assert_uint_eq(rd(ALTP2M_APIC_ESR), ALTP2M_APIC_ESR_ILLEGAL_REG);
	wr(ALTP2M_APIC_ESR, 0);
	ck_assert_uint_eq(rd(ALTP2M_APIC_ESR), 0);
	/* Sending a fixed IPI with vector 5: send illegal vector, no send. */
	wr(ALTP2M_APIC_LVTERR, 0xfe);
	wr(ALTP2M_APIC_ICR, 0x05);
	ck_assert(!(fx.flags & ALTP2M_APIC_FX_SEND));
	ck_assert(fx.flags & ALTP2M_APIC_FX_EVENT);	/* error interrupt */
	ck_assert(altp2m_apic_test(&a, ALTP2M_APIC_IRR, 0xfe));
	wr(ALTP2M_APIC_ESR, 0);
	ck_assert_uint_eq(rd(ALTP2M_APIC_ESR), ALTP2M_APIC_ESR_SEND_ILLEGAL);
	/* Receiving one: receive illegal vector, IRR untouched below 16. */
	ck_assert(altp2m_apic_set_irr(&a, 3, false));	/* error vector */
	ck_assert(!altp2m_apic_test(&a, ALTP2M_APIC_IRR, 3));
	wr(ALTP2M_APIC_ESR, 0);
	ck_assert_uint_eq(rd(ALTP2M_APIC_ESR), ALTP2M_APIC_ESR_RECV_ILLEGAL);
	/* A masked error LVT records the error without an interrupt. */
	wr(ALTP2M_APIC_LVTERR, 0x100fd);
	ck_assert(!altp2m_apic_set_irr(&a, 3, false));
	ck_assert(!altp2m_apic_test(&a, ALTP2M_APIC_IRR, 0xfd));
}
END_TEST

START_TEST(test_priorities)
{
	setup(0);
	wr(ALTP2M_APIC_SVR, 0x1ff);
	ck_assert_int_eq(altp2m_apic_pending(&a), -1);
	altp2m_apic_set_irr(&a, 0x41, false);
	altp2m_apic_set_irr(&a, 0x35, true);
	ck_assert_int_eq(altp2m_apic_pending(&a), 0x41);
	ck_assert_uint_eq(altp2m_apic_apr(&a), 0x40);
	wr(ALTP2M_APIC_TPR, 0x45);	/* same class: blocked */
	ck_assert_int_eq(altp2m_apic_pending(&a), -1);
	ck_assert_uint_eq(altp2m_apic_ppr(&a), 0x45);
	ck_assert_uint_eq(altp2m_apic_apr(&a), 0x45);
	wr(ALTP2M_APIC_TPR, 0x30);
	altp2m_apic_accept(&a, 0x41);
	ck_assert_uint_eq(rd(ALTP2M_APIC_PPR), 0x40);
	ck_assert(altp2m_apic_test(&a, ALTP2M_APIC_ISR, 0x41));
	ck_assert(!altp2m_apic_test(&a, ALTP2M_APIC_IRR, 0x41));
	ck_assert_int_eq(altp2m_apic_pending(&a), -1);	/* 0x35 below */
	altp2m_apic_set_irr(&a, 0x90, false);
	ck_assert_int_eq(altp2m_apic_pending(&a), 0x90);
	altp2m_apic_accept(&a, 0x90);
	/* EOI ends the highest in service; edge: no level report. */
	wr(ALTP2M_APIC_EOI, 0);
	ck_assert(!(fx.flags & ALTP2M_APIC_FX_EOI));
	ck_assert(!altp2m_apic_test(&a, ALTP2M_APIC_ISR, 0x90));
	wr(ALTP2M_APIC_EOI, 0);
	wr(ALTP2M_APIC_TPR, 0);
	ck_assert_int_eq(altp2m_apic_pending(&a), 0x35);
	altp2m_apic_accept(&a, 0x35);
	wr(ALTP2M_APIC_EOI, 0);
	ck_assert(fx.flags & ALTP2M_APIC_FX_EOI);
	ck_assert_uint_eq(fx.eoi_vector, 0x35);
	ck_assert_int_eq(altp2m_apic_eoi(&a), -1);
	/* A software-disabled APIC presents nothing. */
	altp2m_apic_set_irr(&a, 0x80, false);
	wr(ALTP2M_APIC_SVR, 0xff);
	ck_assert_int_eq(altp2m_apic_pending(&a), -1);
}
END_TEST

START_TEST(test_x2apic)
{
	u64 v;

	setup(0x25);
	to_x2();
	ck_assert_int_eq(altp2m_apic_x2_read(&a, X2(ALTP2M_APIC_ID), 0, &v), 0);
	ck_assert_uint_eq(v, 0x25);
	ck_assert_int_eq(altp2m_apic_x2_read(&a, X2(ALTP2M_APIC_LDR), 0, &v),
			 0);
	ck_assert_uint_eq(v, (2U << 16) | (1U << 5));
	/* Read-only, write-only and absent registers: #GP. */
	ck_assert_int_eq(x2w(ALTP2M_APIC_ID, 1), -EINVAL);
	ck_assert_int_eq(x2w(ALTP2M_APIC_LDR, 1), -EINVAL);
	ck_assert_int_eq(x2w(ALTP2M_APIC_VER, 0), -EINVAL);
	ck_assert_int_eq(x2w(ALTP2M_APIC_PPR, 0), -EINVAL);
	ck_assert_int_eq(x2w(ALTP2M_APIC_IRR, 0), -EINVAL);
	ck_assert_int_eq(x2w(ALTP2M_APIC_TMCCT, 0), -EINVAL);
	ck_assert_int_eq(x2w(ALTP2M_APIC_DFR, 0), -EINVAL);
	ck_assert_int_eq(x2w(ALTP2M_APIC_ICR2, 0), -EINVAL);
	ck_assert_int_eq(altp2m_apic_x2_read(&a, X2(ALTP2M_APIC_EOI), 0, &v),
			 -EINVAL);
	ck_assert_int_eq(altp2m_apic_x2_read(&a, X2(ALTP2M_APIC_SELF_IPI), 0,
					     &v), -EINVAL);
	ck_assert_int_eq(altp2m_apic_x2_read(&a, X2(ALTP2M_APIC_APR), 0, &v),
			 -EINVAL);
	ck_assert_int_eq(altp2m_apic_x2_read(&a, X2(ALTP2M_APIC_DFR), 0, &v),
			 -EINVAL);
	ck_assert_int_eq(altp2m_apic_x2_read(&a, 0x82f, 0, &v), -EINVAL);
	ck_assert_int_eq(altp2m_apic_x2_read(&a, 0x8ff, 0, &v), -EINVAL);
	/* Reserved bits: #GP, the register unchanged. */
	ck_assert_int_eq(x2w(ALTP2M_APIC_TPR, 0x100), -EINVAL);
	ck_assert_int_eq(x2w(ALTP2M_APIC_TPR, 1ULL << 32), -EINVAL);
	ck_assert_int_eq(x2w(ALTP2M_APIC_SVR, 0x1000), -EINVAL);
	ck_assert_int_eq(x2w(ALTP2M_APIC_EOI, 1), -EINVAL);
	ck_assert_int_eq(x2w(ALTP2M_APIC_ESR, 1), -EINVAL);
	ck_assert_int_eq(x2w(ALTP2M_APIC_LVTT, 3U << 17), -EINVAL);
	ck_assert_int_eq(x2w(ALTP2M_APIC_TDCR, 4), -EINVAL);
	ck_assert_int_eq(x2w(ALTP2M_APIC_SELF_IPI, 0x100), -EINVAL);
	ck_assert_int_eq(x2w(ALTP2M_APIC_ICR, 1U << 12), -EINVAL);
	ck_assert_int_eq(x2w(ALTP2M_APIC_TPR, 0x20), 0);
	ck_assert_int_eq(altp2m_apic_x2_read(&a, X2(ALTP2M_APIC_TPR), 0, &v),
			 0);
	ck_assert_uint_eq(v, 0x20);
	/* ICR: one 64-bit write with a 32-bit destination, and it sends. */
	ck_assert_int_eq(x2w(ALTP2M_APIC_SVR, 0x1ff), 0);
	ck_assert_int_eq(x2w(ALTP2M_APIC_ICR, (0x12345ULL << 32) | 0x4830),
			 0);
	ck_assert(fx.flags & ALTP2M_APIC_FX_SEND);
	ck_assert_uint_eq(fx.msg.dest, 0x12345);
	ck_assert(fx.msg.logical);
	ck_assert_uint_eq(fx.msg.vector, 0x30);
	ck_assert_int_eq(altp2m_apic_x2_read(&a, X2(ALTP2M_APIC_ICR), 0, &v),
			 0);
	ck_assert_uint_eq(v, (0x12345ULL << 32) | 0x4830);
	/* SELF IPI: IRR; an illegal vector is a receive error. */
	ck_assert_int_eq(x2w(ALTP2M_APIC_SELF_IPI, 0x77), 0);
	ck_assert(altp2m_apic_test(&a, ALTP2M_APIC_IRR, 0x77));
	ck_assert_int_eq(x2w(ALTP2M_APIC_SELF_IPI, 0x7), 0);
	ck_assert_int_eq(x2w(ALTP2M_APIC_ESR, 0), 0);
	ck_assert_int_eq(altp2m_apic_x2_read(&a, X2(ALTP2M_APIC_ESR), 0, &v),
			 0);
	ck_assert_uint_eq(v, ALTP2M_APIC_ESR_RECV_ILLEGAL);
}
END_TEST

START_TEST(test_base)
{
	u64 en = 0xfee00000ULL | ALTP2M_APIC_BASE_EN;
	u64 x2 = en | ALTP2M_APIC_BASE_EXTD;

	setup(2);
	ck_assert_int_eq(altp2m_apic_base_check(&a, en | 1, 46, true), -EINVAL);
	ck_assert_int_eq(altp2m_apic_base_check(&a, en | (1ULL << 9), 46, true),
			 -EINVAL);
	ck_assert_int_eq(altp2m_apic_base_check(&a, en | (1ULL << 46), 46,
						true), -EINVAL);
	ck_assert_int_eq(altp2m_apic_base_check(&a, 0xfee00000ULL |
			 ALTP2M_APIC_BASE_EXTD, 46, true), -EINVAL);
	ck_assert_int_eq(altp2m_apic_base_check(&a, x2, 46, true), 0);
	wr(ALTP2M_APIC_ID, 9U << 24);
	altp2m_apic_base_set(&a, x2);
	ck_assert_uint_eq(altp2m_apic_id(&a), 2);	/* the initial ID */
	/* x2APIC -> xAPIC: #GP; x2APIC -> disabled -> xAPIC: fine. */
	ck_assert_int_eq(altp2m_apic_base_check(&a, en, 46, true), -EINVAL);
	ck_assert_int_eq(altp2m_apic_base_check(&a, en, 46, false), 0);
	ck_assert_int_eq(altp2m_apic_base_check(&a, 0xfee00000ULL, 46, true),
			 0);
	altp2m_apic_base_set(&a, 0xfee00000ULL);
	ck_assert_int_eq(altp2m_apic_base_check(&a, x2, 46, true), -EINVAL);
	ck_assert_uint_eq(altp2m_apic_base_set(&a, en), ALTP2M_APIC_FX_EVENT);
	ck_assert_uint_eq(rd(ALTP2M_APIC_ID), 2U << 24);
	ck_assert_uint_eq(rd(ALTP2M_APIC_SVR), 0xff);
	/* A disabled APIC matches no message. */
	altp2m_apic_base_set(&a, 0xfee00000ULL);
	{
		struct altp2m_apic_msg m = { .broadcast = true };

		ck_assert(!altp2m_apic_match(&a, &m));
	}
}
END_TEST

START_TEST(test_timer)
{
	u64 period;

	setup(0);
	ck_assert_uint_eq(altp2m_apic_timer_divide(&a), 2);
	a.regs[ALTP2M_APIC_TDCR / 4] = 0xb;
	ck_assert_uint_eq(altp2m_apic_timer_divide(&a), 1);
	a.regs[ALTP2M_APIC_TDCR / 4] = 0xa;
	ck_assert_uint_eq(altp2m_apic_timer_divide(&a), 128);
	a.regs[ALTP2M_APIC_TDCR / 4] = 0x3;
	ck_assert_uint_eq(altp2m_apic_timer_divide(&a), 16);

	/* One-shot, divide by 16, count 1000 from t=5000. */
	wr(ALTP2M_APIC_SVR, 0x1ff);
	altp2m_apic_mmio_write(&a, ALTP2M_APIC_LVTT, 0x31, 0, &fx);
	altp2m_apic_mmio_write(&a, ALTP2M_APIC_TMICT, 1000, 5000, &fx);
	ck_assert(fx.flags & ALTP2M_APIC_FX_TIMER);
	ck_assert_uint_eq(altp2m_apic_mmio_read(&a, ALTP2M_APIC_TMCCT, 5000),
			  1000);
	ck_assert_uint_eq(altp2m_apic_timer_current(&a, 5000 + 16 * 10), 990);
	ck_assert_uint_eq(altp2m_apic_timer_current(&a, 5000 + 16 * 1000), 0);
	ck_assert_uint_eq(altp2m_apic_timer_next(&a, 5000, &period),
			  5000 + 16000);
	ck_assert_uint_eq(period, 0);
	ck_assert_uint_eq(altp2m_apic_timer_next(&a, 5000 + 16000, &period), 0);
	/* The divider changes, the count does not jump. */
	altp2m_apic_mmio_write(&a, ALTP2M_APIC_TDCR, 0xb, 5000 + 16 * 100,
			       &fx);
	ck_assert_uint_eq(altp2m_apic_timer_current(&a, 5000 + 16 * 100), 900);
	ck_assert_uint_eq(altp2m_apic_timer_current(&a, 5000 + 16 * 100 + 50),
			  850);
	ck_assert(altp2m_apic_timer_fire(&a));
	ck_assert(altp2m_apic_test(&a, ALTP2M_APIC_IRR, 0x31));

	/* Periodic: the count reloads; short periods are stretched. */
	setup(0);
	wr(ALTP2M_APIC_SVR, 0x1ff);
	altp2m_apic_mmio_write(&a, ALTP2M_APIC_TDCR, 0xb, 0, &fx);
	altp2m_apic_mmio_write(&a, ALTP2M_APIC_LVTT, (1U << 17) | 0x32, 0,
			       &fx);
	altp2m_apic_mmio_write(&a, ALTP2M_APIC_TMICT, 1000000, 0, &fx);
	ck_assert_uint_eq(altp2m_apic_timer_current(&a, 2500000), 500000);
	ck_assert_uint_eq(altp2m_apic_timer_next(&a, 2500000, &period),
			  3000000);
	ck_assert_uint_eq(period, 1000000);
	altp2m_apic_mmio_write(&a, ALTP2M_APIC_TMICT, 10, 0, &fx);
	ck_assert_uint_eq(altp2m_apic_timer_next(&a, 0, &period),
			  ALTP2M_APIC_MIN_PERIOD_NS);
	/* Masked: the timer runs, no interrupt. */
	altp2m_apic_mmio_write(&a, ALTP2M_APIC_LVTT, 0x30032, 0, &fx);
	ck_assert(!altp2m_apic_timer_fire(&a));

	/* TSC-deadline: TMICT is ignored; firing disarms the MSR. */
	setup(0);
	wr(ALTP2M_APIC_SVR, 0x1ff);
	altp2m_apic_mmio_write(&a, ALTP2M_APIC_TMICT, 100, 0, &fx);
	altp2m_apic_mmio_write(&a, ALTP2M_APIC_LVTT, (2U << 17) | 0x33, 0,
			       &fx);
	ck_assert_uint_eq(altp2m_apic_mmio_read(&a, ALTP2M_APIC_TMICT, 0), 0);
	altp2m_apic_mmio_write(&a, ALTP2M_APIC_TMICT, 100, 0, &fx);
	ck_assert_uint_eq(altp2m_apic_mmio_read(&a, ALTP2M_APIC_TMICT, 0), 0);
	ck_assert_uint_eq(altp2m_apic_timer_next(&a, 0, &period), 0);
	a.tsc_deadline = 12345;
	ck_assert(altp2m_apic_timer_fire(&a));
	ck_assert_uint_eq(a.tsc_deadline, 0);
	ck_assert(altp2m_apic_test(&a, ALTP2M_APIC_IRR, 0x33));
}
END_TEST

START_TEST(test_match)
{
	struct altp2m_apic_msg m = { 0 };

	setup(5);
	m.dest = 5;
	ck_assert(altp2m_apic_match(&a, &m));
	m.dest = 6;
	ck_assert(!altp2m_apic_match(&a, &m));
	m.dest = 0x105;		/* x2APIC-format: no xAPIC has it */
	ck_assert(!altp2m_apic_match(&a, &m));
	m.dest = 0xff;
	m.broadcast = true;
	ck_assert(altp2m_apic_match(&a, &m));
	m.broadcast = false;
	/* Logical flat: any common bit of the LDR. */
	m.logical = true;
	wr(ALTP2M_APIC_LDR, 0x24U << 24);
	m.dest = 0x04;
	ck_assert(altp2m_apic_match(&a, &m));
	m.dest = 0x81;
	ck_assert(!altp2m_apic_match(&a, &m));
	/* Logical cluster: cluster 2, member bit 2. */
	wr(ALTP2M_APIC_DFR, 0x0fffffff);
	m.dest = 0x24;
	ck_assert(altp2m_apic_match(&a, &m));
	m.dest = 0x14;
	ck_assert(!altp2m_apic_match(&a, &m));
	m.dest = 0x2b;
	ck_assert(!altp2m_apic_match(&a, &m));
	/* x2APIC: physical by the 32-bit ID, logical by cluster. */
	setup(0x13);
	to_x2();
	m.logical = false;
	m.dest = 0x13;
	ck_assert(altp2m_apic_match(&a, &m));
	m.logical = true;
	m.dest = (1U << 16) | (1U << 3);
	ck_assert(altp2m_apic_match(&a, &m));
	m.dest = (1U << 16) | (1U << 2);
	ck_assert(!altp2m_apic_match(&a, &m));
	m.dest = (0U << 16) | (1U << 3);
	ck_assert(!altp2m_apic_match(&a, &m));
}
END_TEST

START_TEST(test_icr)
{
	setup(0);
	wr(ALTP2M_APIC_SVR, 0x1ff);
	wr(ALTP2M_APIC_ICR2, 0x03000000);
	wr(ALTP2M_APIC_ICR, 0xffffffff);	/* reserved bits dropped */
	ck_assert_uint_eq(rd(ALTP2M_APIC_ICR), 0xccfff);
	/* mode 111 is reserved: nothing goes out */
	ck_assert(!(fx.flags & ALTP2M_APIC_FX_SEND));
	wr(ALTP2M_APIC_ICR, 0x000c4645);	/* SIPI to all but self */
	ck_assert(fx.flags & ALTP2M_APIC_FX_SEND);
	ck_assert_uint_eq(fx.msg.delivery, ALTP2M_APIC_DM_SIPI);
	ck_assert_uint_eq(fx.msg.shorthand, ALTP2M_APIC_DEST_OTHERS);
	ck_assert_uint_eq(fx.msg.vector, 0x45);
	wr(ALTP2M_APIC_ICR, 0x00008500);	/* INIT level de-assert */
	ck_assert(!(fx.flags & ALTP2M_APIC_FX_SEND));
	wr(ALTP2M_APIC_ICR, 0x00044400);	/* NMI to self: invalid */
	ck_assert(!(fx.flags & ALTP2M_APIC_FX_SEND));
	wr(ALTP2M_APIC_ICR, 0x00000240);	/* SMI: none here */
	ck_assert(!(fx.flags & ALTP2M_APIC_FX_SEND));
	wr(ALTP2M_APIC_ICR, 0x00000840);	/* fixed, logical, to 3 */
	ck_assert(fx.flags & ALTP2M_APIC_FX_SEND);
	ck_assert_uint_eq(fx.msg.dest, 3);
	ck_assert(fx.msg.logical);
	ck_assert(!fx.msg.broadcast);
	ck_assert_uint_eq(rd(ALTP2M_APIC_ICR) & (1U << 12), 0);	/* idle */
}
END_TEST

START_TEST(test_msi)
{
	struct altp2m_apic_msg m;

	ck_assert_int_eq(altp2m_apic_msi_decode(0xfee03000, 0x4041, &m), 0);
	ck_assert_uint_eq(m.dest, 3);
	ck_assert_uint_eq(m.vector, 0x41);
	ck_assert_uint_eq(m.delivery, ALTP2M_APIC_DM_FIXED);
	ck_assert(!m.logical && !m.level && !m.broadcast);
	ck_assert_int_eq(altp2m_apic_msi_decode(0xfeeff004, 0xc142, &m), 0);
	ck_assert(m.logical && m.level && m.broadcast);
	ck_assert_uint_eq(m.delivery, ALTP2M_APIC_DM_LOWEST);
	ck_assert_int_eq(altp2m_apic_msi_decode(0x00001200fee01000ULL, 0x30,
						&m), 0);
	ck_assert_uint_eq(m.dest, 0x1201);
	ck_assert_int_eq(altp2m_apic_msi_decode(0xfec00000, 0x30, &m), -EINVAL);
	ck_assert_int_eq(altp2m_apic_msi_decode(0xfee00010, 0x30, &m), -EINVAL);
	ck_assert_int_eq(altp2m_apic_msi_decode(0x1fee00000ULL, 0x30, &m),
			 -EINVAL);
	ck_assert_int_eq(altp2m_apic_msi_decode(0xfee00000, 0x10030, &m),
			 -EINVAL);
	ck_assert_int_eq(altp2m_apic_msi_decode(0xfee00000, 0x230, &m),
			 -EINVAL);	/* SMI */
	ck_assert_int_eq(altp2m_apic_msi_decode(0xfee00000, 0x730, &m),
			 -EINVAL);	/* ExtINT */
	ck_assert_int_eq(altp2m_apic_msi_decode(0xfee00000, 0x630, &m),
			 -EINVAL);	/* SIPI is not a message mode */
	ck_assert_int_eq(altp2m_apic_msi_decode(0xfee00000, 0x400, &m), 0);
	ck_assert_uint_eq(m.delivery, ALTP2M_APIC_DM_NMI);
}
END_TEST

START_TEST(test_page)
{
	u32 page[ALTP2M_APIC_PAGE_REGS / 4], page2[ALTP2M_APIC_PAGE_REGS / 4];

	setup(1);
	wr(ALTP2M_APIC_SVR, 0x1ff);
	wr(ALTP2M_APIC_TPR, 0x20);
	altp2m_apic_set_irr(&a, 0x50, true);
	altp2m_apic_mmio_write(&a, ALTP2M_APIC_TDCR, 0xb, 0, &fx);
	altp2m_apic_mmio_write(&a, ALTP2M_APIC_TMICT, 500, 0, &fx);
	altp2m_apic_get_page(&a, 100, page);
	ck_assert_uint_eq(page[ALTP2M_APIC_TMCCT / 4], 400);
	ck_assert_uint_eq(page[ALTP2M_APIC_PPR / 4], 0x20);
	ck_assert_uint_eq(page[ALTP2M_APIC_APR / 4], 0x50);
	memcpy(page2, page, sizeof(page));
	page2[ALTP2M_APIC_ID / 4] = 0x07123456;	/* low bits reserved */
	page2[ALTP2M_APIC_VER / 4] = 0;			/* read-only */
	page2[ALTP2M_APIC_LVT0 / 4] = 0xffffffff;
	setup(1);
	altp2m_apic_set_page(&a, page2, 1000);
	ck_assert_uint_eq(rd(ALTP2M_APIC_ID), 0x07000000);
	ck_assert_uint_eq(rd(ALTP2M_APIC_VER), ALTP2M_APIC_VERSION);
	ck_assert_uint_eq(rd(ALTP2M_APIC_LVT0), 0x1a7ff);
	ck_assert(altp2m_apic_test(&a, ALTP2M_APIC_TMR, 0x50));
	ck_assert_int_eq(altp2m_apic_pending(&a), 0x50);
	ck_assert_uint_eq(altp2m_apic_timer_current(&a, 1000), 500);
}
END_TEST

static Suite *lapic_suite(void)
{
	Suite *s = suite_create("lapic");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_xapic_registers);
	tcase_add_test(tc, test_esr);
	tcase_add_test(tc, test_priorities);
	tcase_add_test(tc, test_x2apic);
	tcase_add_test(tc, test_base);
	tcase_add_test(tc, test_timer);
	tcase_add_test(tc, test_match);
	tcase_add_test(tc, test_icr);
	tcase_add_test(tc, test_msi);
	tcase_add_test(tc, test_page);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_SUITE(lapic_suite)
