// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/core/monitor_ring.c, the arithmetic of the monitor's
 * event rings, which must trust nothing the monitor writes; and the
 * layouts of the uAPI's monitor structures (ABI: a failure here means a
 * shipped structure changed).
 */
#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/altp2m.h>

#include "../../kmod/core/monitor_ring.h"
#include "unit.h"

#define LAYOUT(t, size)	ck_assert_uint_eq(sizeof(struct t), size)
#define AT(t, f, off)	ck_assert_uint_eq(offsetof(struct t, f), off)

static struct altp2m_mon_ring_ctl ring(uint32_t entries, uint32_t prod)
{
	return (struct altp2m_mon_ring_ctl){ .prod = prod, .entries = entries };
}

START_TEST(geometry)
{
	uint32_t e = 0;
	uint64_t b = 0;

	ck_assert_int_eq(altp2m_mon_ring_geometry(0, &e, &b), 0);
	ck_assert_uint_eq(e, ALTP2M_MONITOR_DEFAULT_RING);
	ck_assert_uint_eq(b, 4096 + 64 * 512);
	/* Two entries still take a whole page after the header. */
	ck_assert_int_eq(altp2m_mon_ring_geometry(2, &e, &b), 0);
	ck_assert_uint_eq(e, 2);
	ck_assert_uint_eq(b, 8192);
	ck_assert_int_eq(altp2m_mon_ring_geometry(ALTP2M_MONITOR_MAX_RING,
						  &e, &b), 0);
	ck_assert_uint_eq(b, 4096 + 4096ULL * 512);
	ck_assert_int_eq(altp2m_mon_ring_geometry(1, &e, &b), -EINVAL);
	ck_assert_int_eq(altp2m_mon_ring_geometry(3, &e, &b), -EINVAL);
	ck_assert_int_eq(altp2m_mon_ring_geometry(96, &e, &b), -EINVAL);
	ck_assert_int_eq(altp2m_mon_ring_geometry(ALTP2M_MONITOR_MAX_RING * 2,
						  &e, &b), -EINVAL);
	ck_assert_int_eq(altp2m_mon_ring_geometry(0x80000000u, &e, &b),
			 -EINVAL);
}
END_TEST

START_TEST(space_and_hostile_cons)
{
	struct altp2m_mon_ring_ctl c = ring(4, 10);

	ck_assert_uint_eq(altp2m_mon_ring_space(&c, 10), 4);
	ck_assert_uint_eq(altp2m_mon_ring_space(&c, 8), 2);
	ck_assert_uint_eq(altp2m_mon_ring_space(&c, 6), 0);
	/* Further behind than the ring holds, or ahead of prod: full. */
	ck_assert_uint_eq(altp2m_mon_ring_space(&c, 5), 0);
	ck_assert_uint_eq(altp2m_mon_ring_space(&c, 11), 0);
	ck_assert_uint_eq(altp2m_mon_ring_space(&c, 0x80000000u), 0);
	ck_assert_uint_eq(altp2m_mon_ring_space(&c, 0xffffffffu), 0);
}
END_TEST

START_TEST(wrap_of_the_counters)
{
	struct altp2m_mon_ring_ctl c = ring(8, 0xfffffffeu);
	uint64_t off = 0;
	int i;

	/* prod passes 2^32 while cons is still below it. */
	ck_assert_uint_eq(altp2m_mon_ring_space(&c, 0xfffffffcu), 6);
	for (i = 0; i < 6; i++)
		ck_assert_int_eq(altp2m_mon_ring_reserve(&c, 0xfffffffcu,
							 false, &off), 0);
	ck_assert_uint_eq(c.prod, 4);
	/* The last one went to entry 3 (prod 3 modulo 8). */
	ck_assert_uint_eq(off, ALTP2M_MONITOR_RING_HDR + 3 * 512);
	ck_assert_uint_eq(altp2m_mon_ring_space(&c, 0xfffffffcu), 0);
	ck_assert_uint_eq(altp2m_mon_ring_space(&c, 4), 8);
}
END_TEST

START_TEST(full_sync_and_dropped)
{
	struct altp2m_mon_ring_ctl c = ring(2, 0);
	uint64_t off = 0;

	ck_assert_int_eq(altp2m_mon_ring_reserve(&c, 0, false, &off), 0);
	ck_assert_uint_eq(off, ALTP2M_MONITOR_RING_HDR);
	ck_assert_int_eq(altp2m_mon_ring_reserve(&c, 0, false, &off), 0);
	ck_assert_uint_eq(off, ALTP2M_MONITOR_RING_HDR + 512);
	/* Full: async counted, sync not (it waits), prod stays. */
	ck_assert_int_eq(altp2m_mon_ring_reserve(&c, 0, false, &off), -ENOSPC);
	ck_assert_int_eq(altp2m_mon_ring_reserve(&c, 0, false, &off), -ENOSPC);
	ck_assert_int_eq(altp2m_mon_ring_reserve(&c, 0, true, &off), -ENOSPC);
	ck_assert_uint_eq(c.dropped, 2);
	ck_assert_uint_eq(c.prod, 2);
	/* A hostile cons is a full ring, counted as such. */
	ck_assert_int_eq(altp2m_mon_ring_reserve(&c, 3, false, &off), -ENOSPC);
	ck_assert_uint_eq(c.dropped, 3);
	/* One consumed: room for one, at entry 0 again. */
	ck_assert_int_eq(altp2m_mon_ring_reserve(&c, 1, true, &off), 0);
	ck_assert_uint_eq(off, ALTP2M_MONITOR_RING_HDR);
}
END_TEST

/* The entry comes from prod alone, whatever cons claims. */
START_TEST(entry_never_from_cons)
{
	uint32_t cons[] = { 96, 97, 98, 99, 100 };
	unsigned int i;

	for (i = 0; i < sizeof(cons) / sizeof(cons[0]); i++) {
		struct altp2m_mon_ring_ctl c = ring(4, 100);
		uint64_t off = 0;

		if (altp2m_mon_ring_reserve(&c, cons[i], true, &off))
			continue;
		ck_assert_uint_eq(off, ALTP2M_MONITOR_RING_HDR + 0 * 512);
		ck_assert_uint_eq(c.prod, 101);
	}
}
END_TEST

START_TEST(pending)
{
	struct altp2m_mon_ring_ctl c = ring(4, 5);

	ck_assert(altp2m_mon_ring_pending(&c, 4));
	ck_assert(!altp2m_mon_ring_pending(&c, 5));
	ck_assert(altp2m_mon_ring_pending(&c, 9));
}
END_TEST

START_TEST(monitor_structs)
{
	LAYOUT(altp2m_monitor_attach, 56);
	AT(altp2m_monitor_attach, ring_entries, 8);
	AT(altp2m_monitor_attach, ring_bytes, 16);
	AT(altp2m_monitor_attach, reserved, 24);
	LAYOUT(altp2m_monitor_ring, 192);
	AT(altp2m_monitor_ring, prod, 0);
	AT(altp2m_monitor_ring, cons, 64);
	AT(altp2m_monitor_ring, entries, 128);
	AT(altp2m_monitor_ring, vcpu, 132);
	AT(altp2m_monitor_ring, dropped, 136);
	AT(altp2m_monitor_ring, parked, 144);
	AT(altp2m_monitor_ring, reserved, 152);
	LAYOUT(altp2m_monitor_regs, 304);
	AT(altp2m_monitor_regs, rip, 128);
	AT(altp2m_monitor_regs, cr0, 144);
	AT(altp2m_monitor_regs, kernel_gs_base, 248);
	AT(altp2m_monitor_regs, cs, 256);
	AT(altp2m_monitor_regs, cpl, 268);
	AT(altp2m_monitor_regs, reserved, 272);
	LAYOUT(altp2m_monitor_event, ALTP2M_MONITOR_EVENT_SIZE);
	LAYOUT(altp2m_monitor_event, 512);
	AT(altp2m_monitor_event, seq, 8);
	AT(altp2m_monitor_event, vcpu, 16);
	AT(altp2m_monitor_event, view, 20);
	AT(altp2m_monitor_event, u, 32);
	AT(altp2m_monitor_event, regs, 96);
	AT(altp2m_monitor_event, reserved, 400);
	LAYOUT(altp2m_monitor_event_ctl, 48);
	AT(altp2m_monitor_event_ctl, mask, 16);
	LAYOUT(altp2m_monitor_response, 256);
	AT(altp2m_monitor_response, seq, 8);
	AT(altp2m_monitor_response, view, 16);
	AT(altp2m_monitor_response, step_view, 20);
	AT(altp2m_monitor_response, nr_ops, 24);
	AT(altp2m_monitor_response, ops, 32);
	AT(altp2m_monitor_response, regs, 40);
	AT(altp2m_monitor_response, reserved, 224);
	LAYOUT(altp2m_monitor_pause, 24);
	LAYOUT(altp2m_monitor_vcpu_state, 64);
	AT(altp2m_monitor_vcpu_state, regs, 8);
	AT(altp2m_monitor_vcpu_state, msrs, 24);
	LAYOUT(altp2m_monitor_mem, 72);
	AT(altp2m_monitor_mem, addr, 16);
	AT(altp2m_monitor_mem, done, 40);
	AT(altp2m_monitor_mem, fault_addr, 48);
	LAYOUT(altp2m_monitor_translate, 48);
	AT(altp2m_monitor_translate, gpa, 16);
	AT(altp2m_monitor_translate, error, 24);
	AT(altp2m_monitor_translate, levels, 28);
	LAYOUT(altp2m_monitor_info, 128);
	AT(altp2m_monitor_info, events, 8);
	AT(altp2m_monitor_info, responses, 32);
	AT(altp2m_monitor_info, ring_entries, 40);
	AT(altp2m_monitor_info, ring_bytes, 48);
	AT(altp2m_monitor_info, max_msrs, 56);
	AT(altp2m_monitor_info, max_mem, 64);
	AT(altp2m_monitor_info, singlestep, 72);
	AT(altp2m_monitor_info, reserved, 80);
}
END_TEST

START_TEST(monitor_ioctl_numbers)
{
	ck_assert_uint_eq(ALTP2M_MONITOR_ATTACH, 0xc038ba05);
	ck_assert_uint_eq(ALTP2M_MONITOR_GET_INFO, 0xc080ba40);
	ck_assert_uint_eq(ALTP2M_MONITOR_SET_EVENT, 0x4030ba41);
	ck_assert_uint_eq(ALTP2M_MONITOR_RESPOND, 0x4100ba42);
	ck_assert_uint_eq(ALTP2M_MONITOR_PAUSE, 0x4018ba43);
	ck_assert_uint_eq(ALTP2M_MONITOR_RESUME, 0x4018ba44);
	ck_assert_uint_eq(ALTP2M_MONITOR_TRANSLATE, 0xc030ba49);
}
END_TEST

static Suite *monitor_ring_suite(void)
{
	Suite *s = suite_create("monitor_ring");
	TCase *tc = tcase_create("ring");
	TCase *lay = tcase_create("layout");

	tcase_add_test(tc, geometry);
	tcase_add_test(tc, space_and_hostile_cons);
	tcase_add_test(tc, wrap_of_the_counters);
	tcase_add_test(tc, full_sync_and_dropped);
	tcase_add_test(tc, entry_never_from_cons);
	tcase_add_test(tc, pending);
	suite_add_tcase(s, tc);
	tcase_add_test(lay, monitor_structs);
	tcase_add_test(lay, monitor_ioctl_numbers);
	suite_add_tcase(s, lay);
	return s;
}

UNIT_SUITE(monitor_ring_suite)
