// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/core/boundary.c: which exits run a host handler with
 * interrupts off (machine checks and NMIs, which Bochs cannot raise in a
 * guest), and the entry mitigations a CPU gets for each combination of
 * the kernel's findings (Bochs is one of them).
 */
#include <check.h>

#include "../../kmod/core/boundary.h"
#include "unit.h"

#define VALID		ALTP2M_INTR_INFO_VALID
#define HW_EXC		ALTP2M_INTR_TYPE_HW_EXC
#define NMI		ALTP2M_INTR_TYPE_NMI
#define SW_EXC		(6U << 8)
#define EXT_INTR	(0U << 8)
#define FAILED		ALTP2M_EXIT_FAILED_ENTRY

static const struct irqoff_case {
	const char *name;
	u32 reason, intr_info;
	enum altp2m_exit_irqoff want;
} irqoff_cases[] = {
	{ "#MC exception exit", 0, VALID | HW_EXC | 18, ALTP2M_EXIT_IRQOFF_MCE },
	{ "#MC, error-code bit set", 0, VALID | HW_EXC | BIT(11) | 18,
	  ALTP2M_EXIT_IRQOFF_MCE },
	{ "reason 41 with the failed-entry bit", FAILED | 41, 0,
	  ALTP2M_EXIT_IRQOFF_MCE_ENTRY },
	{ "reason 41, stale interruption info", FAILED | 41,
	  VALID | HW_EXC | 14, ALTP2M_EXIT_IRQOFF_MCE_ENTRY },
	{ "NMI exit", 0, VALID | NMI | 2, ALTP2M_EXIT_IRQOFF_NMI },
	{ "#PF exit", 0, VALID | HW_EXC | 14, ALTP2M_EXIT_IRQOFF_NONE },
	{ "#UD exit", 0, VALID | HW_EXC | 6, ALTP2M_EXIT_IRQOFF_NONE },
	/* Vector 18 only means #MC as a hardware exception. */
	{ "INT 18 (software)", 0, VALID | SW_EXC | 18, ALTP2M_EXIT_IRQOFF_NONE },
	{ "external interrupt 18", 0, VALID | EXT_INTR | 18,
	  ALTP2M_EXIT_IRQOFF_NONE },
	{ "info not valid", 0, HW_EXC | 18, ALTP2M_EXIT_IRQOFF_NONE },
	/* A failed entry's interruption info is not an exception exit's. */
	{ "failed entry, reason 0", FAILED | 0, VALID | HW_EXC | 18,
	  ALTP2M_EXIT_IRQOFF_NONE },
	{ "invalid guest state", FAILED | 33, VALID | NMI | 2,
	  ALTP2M_EXIT_IRQOFF_NONE },
	{ "external-interrupt exit", 1, VALID | EXT_INTR | 0x20,
	  ALTP2M_EXIT_IRQOFF_NONE },
	{ "HLT", 12, 0, ALTP2M_EXIT_IRQOFF_NONE },
	/* Bits 16-30 of the reason are not the basic reason. */
	{ "reason 41 + bit 27 (enclave)", BIT(27) | 41, 0,
	  ALTP2M_EXIT_IRQOFF_MCE_ENTRY },
	{ "#MC exit + bit 27", BIT(27), VALID | HW_EXC | 18,
	  ALTP2M_EXIT_IRQOFF_MCE },
};

START_TEST(irqoff_kind)
{
	const struct irqoff_case *c = &irqoff_cases[_i];

	ck_assert_msg(altp2m_exit_irqoff_kind(c->reason, c->intr_info) ==
		      c->want, "%s", c->name);
}
END_TEST

static void decide(bool l1tf, bool off, bool skip, bool flush, bool smt,
		   struct altp2m_entry_policy *p)
{
	const struct altp2m_cpu_risks r = {
		.l1tf = l1tf, .l1tf_off = off, .l1tf_skip_entry_flush = skip,
		.flush_l1d = flush, .smt_active = smt,
	};

	altp2m_entry_policy_decide(&r, p);
}

START_TEST(policy_not_affected)
{
	struct altp2m_entry_policy p;

	decide(false, false, false, true, true, &p);
	ck_assert_int_eq(p.l1d_flush, ALTP2M_L1D_FLUSH_NONE);
	ck_assert_ptr_null(p.warning);
}
END_TEST

START_TEST(policy_l1tf_flushes)
{
	struct altp2m_entry_policy p;

	decide(true, false, false, true, false, &p);
	ck_assert_int_eq(p.l1d_flush, ALTP2M_L1D_FLUSH_MSR);
	ck_assert_ptr_null(p.warning);
	/* No microcode for the MSR: the buffer read (Bochs' case). */
	decide(true, false, false, false, false, &p);
	ck_assert_int_eq(p.l1d_flush, ALTP2M_L1D_FLUSH_SOFTWARE);
	/* SMT: still flushes, and says what is left open. */
	decide(true, false, false, true, true, &p);
	ck_assert_int_eq(p.l1d_flush, ALTP2M_L1D_FLUSH_MSR);
	ck_assert_ptr_nonnull(p.warning);
}
END_TEST

START_TEST(policy_honours_kernel_knobs)
{
	struct altp2m_entry_policy p;

	/* l1tf=off / mitigations=off: the kernel's choice, as for KVM. */
	decide(true, true, false, true, true, &p);
	ck_assert_int_eq(p.l1d_flush, ALTP2M_L1D_FLUSH_NONE);
	ck_assert_ptr_null(p.warning);
	/* A CPU that needs no flush at VM entry. */
	decide(true, false, true, false, true, &p);
	ck_assert_int_eq(p.l1d_flush, ALTP2M_L1D_FLUSH_NONE);
	ck_assert_ptr_null(p.warning);
}
END_TEST

static void decide_when(enum altp2m_l1d_when when, bool full, bool hint,
			struct altp2m_entry_policy *p)
{
	const struct altp2m_cpu_risks r = {
		.l1tf = true, .l1tf_full = full, .irq_hint = hint, .when = when,
	};

	altp2m_entry_policy_decide(&r, p);
}

START_TEST(policy_cond_as_kvm)
{
	struct altp2m_entry_policy p;

	/* The kernel's default l1tf=flush: KVM's "cond". */
	decide_when(ALTP2M_L1D_WHEN_AUTO, false, true, &p);
	ck_assert_int_eq(p.l1d_flush, ALTP2M_L1D_FLUSH_SOFTWARE);
	ck_assert(p.l1d_cond);
	/* l1tf=full: every entry. */
	decide_when(ALTP2M_L1D_WHEN_AUTO, true, true, &p);
	ck_assert(!p.l1d_cond);
	/* Asked for. */
	decide_when(ALTP2M_L1D_WHEN_ALWAYS, false, true, &p);
	ck_assert(!p.l1d_cond);
	decide_when(ALTP2M_L1D_WHEN_COND, true, true, &p);
	ck_assert(p.l1d_cond);
	/* No interrupt hook in the kernel: "cond" cannot know, so always. */
	decide_when(ALTP2M_L1D_WHEN_AUTO, false, false, &p);
	ck_assert(!p.l1d_cond);
	decide_when(ALTP2M_L1D_WHEN_COND, false, false, &p);
	ck_assert(!p.l1d_cond);
	ck_assert_int_eq(p.l1d_flush, ALTP2M_L1D_FLUSH_SOFTWARE);
}
END_TEST

START_TEST(l1d_flush_due_when_others_ran)
{
	struct altp2m_l1d_track t = { .dirty = true };

	/* The first entry of a RUN. */
	ck_assert(altp2m_l1d_flush_due(&t, 5, false));
	/* An exit handled in the module, nothing else ran: no flush. */
	ck_assert(!altp2m_l1d_flush_due(&t, 5, false));
	ck_assert(!altp2m_l1d_flush_due(&t, 5, false));
	/* The thread was switched out meanwhile. */
	ck_assert(altp2m_l1d_flush_due(&t, 6, false));
	ck_assert(!altp2m_l1d_flush_due(&t, 6, false));
	/* An interrupt handler ran on the CPU. */
	ck_assert(altp2m_l1d_flush_due(&t, 6, true));
	ck_assert(!altp2m_l1d_flush_due(&t, 6, false));
	/* Marked: a new RUN, an NMI, a hypercall. Once. */
	t.dirty = true;
	ck_assert(altp2m_l1d_flush_due(&t, 6, false));
	ck_assert(!t.dirty);
	ck_assert(!altp2m_l1d_flush_due(&t, 6, false));
}
END_TEST

static Suite *boundary_suite(void)
{
	Suite *s = suite_create("boundary");
	TCase *tc = tcase_create("boundary");

	tcase_add_loop_test(tc, irqoff_kind, 0, ARRAY_LEN(irqoff_cases));
	tcase_add_test(tc, policy_not_affected);
	tcase_add_test(tc, policy_l1tf_flushes);
	tcase_add_test(tc, policy_honours_kernel_knobs);
	tcase_add_test(tc, policy_cond_as_kvm);
	tcase_add_test(tc, l1d_flush_due_when_others_ran);
	suite_add_tcase(s, tc);
	return s;
}
UNIT_SUITE(boundary_suite)
