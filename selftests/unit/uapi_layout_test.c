// SPDX-License-Identifier: GPL-2.0
/*
 * The layouts and ioctl numbers of the views, switching and #VE parts of
 * the uAPI. They are ABI: a failure here means a shipped structure
 * changed, which is a bug, not something to update the numbers for. New
 * fields go in reserved space (its offset and size stay) or new
 * structures.
 */
#include <stddef.h>
#include <linux/altp2m.h>

#include "unit.h"

#define LAYOUT(t, size)	ck_assert_uint_eq(sizeof(struct t), size)
#define AT(t, f, off)	ck_assert_uint_eq(offsetof(struct t, f), off)

START_TEST(view_structs)
{
	LAYOUT(altp2m_views_enable, 32);
	AT(altp2m_views_enable, mode, 8);
	AT(altp2m_views_enable, reserved, 16);
	LAYOUT(altp2m_view_create, 32);
	AT(altp2m_view_create, view, 6);
	LAYOUT(altp2m_view_destroy, 32);
	LAYOUT(altp2m_gfn_set, 64);
	AT(altp2m_gfn_set, gfns, 24);
	AT(altp2m_gfn_set, values, 32);
	AT(altp2m_gfn_set, value, 40);
	AT(altp2m_gfn_set, reserved, 48);
	LAYOUT(altp2m_gfn_get, 40);
	AT(altp2m_gfn_get, access, 16);
	LAYOUT(altp2m_gfn_remap, 40);
	AT(altp2m_gfn_remap, target, 16);
	LAYOUT(altp2m_view_info, 64);
	AT(altp2m_view_info, nr_leaves, 16);
	LAYOUT(altp2m_view_list, 40);
	AT(altp2m_view_list, entries, 16);
	LAYOUT(altp2m_view_entry, 32);
	AT(altp2m_view_entry, access, 24);
	LAYOUT(altp2m_view_dump, 48);
	AT(altp2m_view_dump, nr, 16);
	AT(altp2m_view_dump, entries, 24);
}
END_TEST

START_TEST(switch_and_ve_structs)
{
	LAYOUT(altp2m_vcpu_view, 32);
	LAYOUT(altp2m_view_visibility, 32);
	AT(altp2m_view_visibility, visible, 12);
	LAYOUT(altp2m_switch_view, 32);
	LAYOUT(altp2m_vcpu_views, 160);
	AT(altp2m_vcpu_views, view, 16);
	LAYOUT(altp2m_ve_page, 32);
	/* The SDM's #VE information area. */
	LAYOUT(altp2m_ve_info, 40);
	AT(altp2m_ve_info, semaphore, 4);
	AT(altp2m_ve_info, qualification, 8);
	AT(altp2m_ve_info, gla, 16);
	AT(altp2m_ve_info, gpa, 24);
	AT(altp2m_ve_info, eptp_index, 32);
}
END_TEST

/* Fields that took the place of reserved space keep the sizes. */
START_TEST(grown_structs)
{
	LAYOUT(altp2m_vm_stats, 112);
	AT(altp2m_vm_stats, invept, 48);
	AT(altp2m_vm_stats, nr_views, 88);
	AT(altp2m_vm_stats, nr_hidden, 96);
	AT(altp2m_vm_stats, reserved, 104);
	LAYOUT(altp2m_vcpu_stats, 208);
	AT(altp2m_vcpu_stats, ept_violation_exits, 144);
	AT(altp2m_vcpu_stats, irqs_injected, 168);
	AT(altp2m_vcpu_stats, apic_exits, 200);
	LAYOUT(altp2m_caps, 128);
	AT(altp2m_caps, features, 64);
	LAYOUT(altp2m_run, 288);
	AT(altp2m_run, violation.gpa, 32);
	AT(altp2m_run, violation.qualification, 48);
	AT(altp2m_run, violation.view, 56);
	AT(altp2m_run, violation.flags, 62);
	AT(altp2m_run, eoi.vector, 32);
}
END_TEST

START_TEST(irq_structs)
{
	LAYOUT(altp2m_vcpu_events, 64);
	AT(altp2m_vcpu_events, event_valid, 8);
	AT(altp2m_vcpu_events, event_error, 12);
	AT(altp2m_vcpu_events, event_insn_len, 16);
	AT(altp2m_vcpu_events, shadow, 19);
	AT(altp2m_vcpu_events, sipi_vector, 20);
	AT(altp2m_vcpu_events, reserved, 24);
	LAYOUT(altp2m_mp_state, 24);
	LAYOUT(altp2m_lapic_state, 1088);
	AT(altp2m_lapic_state, apic_base, 8);
	AT(altp2m_lapic_state, tsc_deadline, 16);
	AT(altp2m_lapic_state, regs, 64);
	LAYOUT(altp2m_msi, 32);
	AT(altp2m_msi, address, 8);
	LAYOUT(altp2m_irqfd, 40);
	AT(altp2m_irqfd, msi_address, 8);
	AT(altp2m_irqfd, msi_data, 16);
	LAYOUT(altp2m_cpuid_entry, 32);
	AT(altp2m_cpuid_entry, eax, 12);
	LAYOUT(altp2m_cpuid, 32);
	AT(altp2m_cpuid, entries, 8);
	ck_assert_uint_eq(ALTP2M_VM_LAPIC, 1);
	ck_assert_uint_eq(ALTP2M_EXIT_EOI, 11);
	ck_assert_uint_eq(ALTP2M_GET_SUPPORTED_CPUID, 0xc020ba04);
	ck_assert_uint_eq(ALTP2M_SIGNAL_MSI, 0x4020ba32);
	ck_assert_uint_eq(ALTP2M_IRQFD, 0x4028ba33);
	ck_assert_uint_eq(ALTP2M_GET_CPUID, 0xc020ba34);
	ck_assert_uint_eq(ALTP2M_SET_CPUID, 0x4020ba35);
	ck_assert_uint_eq(ALTP2M_GET_VCPU_EVENTS, 0xc040ba2b);
	ck_assert_uint_eq(ALTP2M_SET_VCPU_EVENTS, 0x4040ba2c);
	ck_assert_uint_eq(ALTP2M_GET_MP_STATE, 0xc018ba2d);
	ck_assert_uint_eq(ALTP2M_SET_MP_STATE, 0x4018ba2e);
	ck_assert_uint_eq(ALTP2M_GET_LAPIC, 0xc440ba2f);
	ck_assert_uint_eq(ALTP2M_SET_LAPIC, 0x4440ba38);
	LAYOUT(altp2m_vcpu_exit_counts, 680);
	AT(altp2m_vcpu_exit_counts, counts, 8);
	AT(altp2m_vcpu_exit_counts, reserved, 648);
	ck_assert_uint_eq(ALTP2M_GET_VCPU_EXIT_COUNTS, 0xc2a8ba39);
}
END_TEST

START_TEST(ioctl_numbers)
{
	ck_assert_uint_eq(ALTP2M_VIEWS_ENABLE, 0x4020ba13);
	ck_assert_uint_eq(ALTP2M_VIEWS_DISABLE, 0xba14);
	ck_assert_uint_eq(ALTP2M_CREATE_VIEW, 0xc020ba15);
	ck_assert_uint_eq(ALTP2M_DESTROY_VIEW, 0x4020ba16);
	ck_assert_uint_eq(ALTP2M_SET_MEM_ACCESS, 0x4040ba17);
	ck_assert_uint_eq(ALTP2M_SET_SUPPRESS_VE, 0x4040ba18);
	ck_assert_uint_eq(ALTP2M_GET_MEM_ACCESS, 0xc028ba19);
	ck_assert_uint_eq(ALTP2M_REMAP_GFN, 0x4028ba1a);
	ck_assert_uint_eq(ALTP2M_LIST_VIEWS, 0xc028ba1b);
	ck_assert_uint_eq(ALTP2M_DUMP_VIEW, 0xc030ba1c);
	ck_assert_uint_eq(ALTP2M_SET_VIEW_VISIBILITY, 0x4020ba1d);
	ck_assert_uint_eq(ALTP2M_SWITCH_VIEW, 0x4020ba1e);
	ck_assert_uint_eq(ALTP2M_GET_VCPU_VIEWS, 0xc0a0ba1f);
	ck_assert_uint_eq(ALTP2M_SET_VCPU_VIEW, 0x4020ba28);
	ck_assert_uint_eq(ALTP2M_GET_VCPU_VIEW, 0xc020ba29);
	ck_assert_uint_eq(ALTP2M_SET_VE_PAGE, 0x4020ba2a);
	ck_assert_uint_eq(ALTP2M_HC_BASE, 0x61700000);
	ck_assert_uint_eq(ALTP2M_EXIT_VIEW_VIOLATION, 10);
}
END_TEST

START_TEST(hidden_structs)
{
	LAYOUT(altp2m_hidden_frames, 40);
	LAYOUT(altp2m_monitor_breakpoint, 80);
	AT(altp2m_monitor_breakpoint, orig, 32);
	AT(altp2m_monitor_breakpoint, hits, 40);
	LAYOUT(altp2m_monitor_cr3_view, 16);
	LAYOUT(altp2m_monitor_cr3_table, 64);
	AT(altp2m_monitor_cr3_table, entries, 24);
	LAYOUT(altp2m_monitor_stats, 160);
	AT(altp2m_monitor_stats, cr3_switches, 88);
	/* The breakpoint event's fields grew into the union's room. */
	AT(altp2m_monitor_event, u.breakpoint.flags, 52);
	AT(altp2m_monitor_event, u.breakpoint.hits, 64);
	LAYOUT(altp2m_monitor_event, ALTP2M_MONITOR_EVENT_SIZE);
	ck_assert_uint_eq(ALTP2M_ADD_HIDDEN_FRAMES, 0x4028ba36);
	ck_assert_uint_eq(ALTP2M_REMOVE_HIDDEN_FRAMES, 0x4028ba37);
	ck_assert_uint_eq(ALTP2M_MONITOR_ADD_BREAKPOINT, 0xc050ba4a);
	ck_assert_uint_eq(ALTP2M_MONITOR_SET_CR3_VIEWS, 0x4040ba4d);
	ck_assert_uint_eq(ALTP2M_MONITOR_GET_STATS, 0xc0a0ba4e);
}
END_TEST

static Suite *uapi_layout_suite(void)
{
	Suite *s = suite_create("uapi_layout");
	TCase *tc = tcase_create("views");

	tcase_add_test(tc, view_structs);
	tcase_add_test(tc, switch_and_ve_structs);
	tcase_add_test(tc, grown_structs);
	tcase_add_test(tc, irq_structs);
	tcase_add_test(tc, ioctl_numbers);
	tcase_add_test(tc, hidden_structs);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_SUITE(uapi_layout_suite)
