// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of libaltp2m's CR3 views and monitor statistics
 * (altp2m_mon_set_cr3_views, _clear_cr3_views, _get_stats in
 * lib/introspect.c) over a fake monitor transport: what reaches the
 * module, and what the library refuses before it does.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/internal.h"
#include "unit.h"

#define RING_BYTES	8192

struct fake {
	unsigned char *rings;
	int calls;
	unsigned long cmd;
	struct altp2m_monitor_cr3_table t;
	struct altp2m_monitor_cr3_view e[8];
	int err;			/* what SET_CR3_VIEWS returns */
	struct altp2m_monitor_stats st;
};

static int f_ioctl(void *priv, unsigned long cmd, void *arg)
{
	struct fake *f = priv;

	switch (cmd) {
	case ALTP2M_GET_VCPU_VIEWS:
		((struct altp2m_vcpu_views *)arg)->present = 1;
		return 0;
	case ALTP2M_MONITOR_SET_CR3_VIEWS:
		f->calls++;
		f->cmd = cmd;
		f->t = *(struct altp2m_monitor_cr3_table *)arg;
		if (f->t.nr && f->t.nr <= 8)
			memcpy(f->e, (void *)(uintptr_t)f->t.entries,
			       f->t.nr * sizeof(f->e[0]));
		return f->err;
	case ALTP2M_MONITOR_GET_STATS: {
		struct altp2m_monitor_stats *st = arg;

		f->calls++;
		f->cmd = cmd;
		f->st = *st;
		if (st->vcpu != 0)
			return -ENOENT;
		st->cr3_exits = 7;
		st->cr3_switches = 3;
		st->events = 11;
		return 0;
	}
	default:
		return -ENOTTY;
	}
}

static void *f_map(void *priv, size_t len, int *err)
{
	struct fake *f = priv;

	(void)err;
	f->rings = calloc(1, len);
	((struct altp2m_monitor_ring *)f->rings)->entries = 4;
	return f->rings;
}

static void f_unmap(void *priv, void *addr, size_t len)
{
	(void)priv;
	(void)len;
	free(addr);
}

static int f_poll(void *priv, int timeout_ms)
{
	(void)priv;
	(void)timeout_ms;
	return 0;
}

static int f_fd(void *priv)
{
	(void)priv;
	return 5;
}

static void f_close(void *priv)
{
	(void)priv;
}

static const struct altp2m__mon_transport fake_tr = {
	.ioctl = f_ioctl, .map = f_map, .unmap = f_unmap, .poll = f_poll,
	.fd = f_fd, .close = f_close,
};

static struct altp2m_mon *open_fake(struct fake *f)
{
	struct altp2m_monitor_attach att = {
		.vm_id = 3, .ring_entries = 4, .ring_bytes = RING_BYTES,
	};
	struct altp2m_mon *m;
	char err[256] = "";

	memset(f, 0, sizeof(*f));
	ck_assert_int_eq(altp2m__mon_open_transport(&m, &fake_tr, f, &att, err,
						    sizeof(err)), 0);
	return m;
}

static struct altp2m_monitor_cr3_view ent(uint64_t cr3, uint32_t view)
{
	return (struct altp2m_monitor_cr3_view){ .cr3 = cr3, .view = view };
}

START_TEST(set_passes_the_table)
{
	struct altp2m_monitor_cr3_view e[] = { ent(0x3000, 1), ent(0x5000, 2) };
	struct fake f;
	struct altp2m_mon *m = open_fake(&f);

	ck_assert_int_eq(altp2m_mon_set_cr3_views(m, e, 2, 0,
						  ALTP2M_MON_VIEW_CURRENT), 0);
	ck_assert_int_eq(f.calls, 1);
	ck_assert_uint_eq(f.t.flags, ALTP2M_MON_CR3_ENABLE);
	ck_assert_uint_eq(f.t.nr, 2);
	ck_assert_uint_eq(f.t.cr3_mask, 0);
	ck_assert_uint_eq(f.t.default_view, ALTP2M_MON_VIEW_CURRENT);
	ck_assert_uint_eq(f.t.pad, 0);
	ck_assert_uint_eq(f.e[1].cr3, 0x5000);
	ck_assert_uint_eq(f.e[1].view, 2);
	/* An empty table is a table: every CR3 to the default view. */
	ck_assert_int_eq(altp2m_mon_set_cr3_views(m, NULL, 0, 0, 4), 0);
	ck_assert_uint_eq(f.t.flags, ALTP2M_MON_CR3_ENABLE);
	ck_assert_uint_eq(f.t.nr, 0);
	ck_assert_uint_eq(f.t.default_view, 4);
	/* Clearing sends ENABLE clear and nothing else. */
	ck_assert_int_eq(altp2m_mon_clear_cr3_views(m), 0);
	ck_assert_int_eq(f.calls, 3);
	ck_assert_uint_eq(f.t.flags, 0);
	ck_assert_uint_eq(f.t.nr, 0);
	ck_assert_uint_eq(f.t.entries, 0);
	altp2m_mon_close(m);
}
END_TEST

START_TEST(set_refuses_before_the_module)
{
	struct altp2m_monitor_cr3_view e[] = {
		ent(0x3000, 1), ent(0x8000, 2), ent(0x3000 | 0x18, 3),
	};
	struct altp2m_monitor_cr3_view pti[] = { ent(0x20000, 1),
						 ent(0x21000, 2) };
	struct fake f;
	struct altp2m_mon *m = open_fake(&f);

	/* Entries 0 and 2 are one CR3 under the default mask. */
	ck_assert_int_eq(altp2m_mon_set_cr3_views(m, e, 3, 0, 0), -EINVAL);
	ck_assert_ptr_nonnull(strstr(altp2m_mon_errmsg(m), "entries 0 and 2"));
	/* Not under a mask that keeps the low bits. */
	ck_assert_int_eq(altp2m_mon_set_cr3_views(m, e, 3, ~0ULL, 0), 0);
	ck_assert_int_eq(f.calls, 1);
	/* A PTI pair: two CR3s by default, one with bit 12 masked. */
	ck_assert_int_eq(altp2m_mon_set_cr3_views(m, pti, 2, 0, 0), 0);
	ck_assert_int_eq(altp2m_mon_set_cr3_views(m, pti, 2,
			 ALTP2M_MON_CR3_MASK_DEFAULT & ~(1ULL << 12), 0),
			 -EINVAL);
	ck_assert_int_eq(f.calls, 2);
	e[1].pad = 1;
	ck_assert_int_eq(altp2m_mon_set_cr3_views(m, e, 2, 0, 0), -EINVAL);
	ck_assert_ptr_nonnull(strstr(altp2m_mon_errmsg(m), "entry 1"));
	ck_assert_int_eq(altp2m_mon_set_cr3_views(m, NULL, 2, 0, 0), -EINVAL);
	ck_assert_int_eq(altp2m_mon_set_cr3_views(m, e,
			 ALTP2M_MONITOR_MAX_CR3_VIEWS + 1, 0, 0), -EINVAL);
	ck_assert_int_eq(f.calls, 2);
	altp2m_mon_close(m);
}
END_TEST

START_TEST(set_module_errors)
{
	struct altp2m_monitor_cr3_view e[] = { ent(0x3000, 9) };
	struct altp2m_error err;
	struct fake f;
	struct altp2m_mon *m = open_fake(&f);

	f.err = -ESRCH;
	ck_assert_int_eq(altp2m_mon_set_cr3_views(m, e, 1, 0, 0), -ESRCH);
	ck_assert_ptr_nonnull(strstr(altp2m_mon_errmsg(m), "set CR3 views"));
	ck_assert_ptr_nonnull(strstr(altp2m_mon_errmsg(m), "does not exist"));
	memset(&err, 0, sizeof(err));
	err.sz = sizeof(err);
	ck_assert_int_eq(altp2m_mon_last_error(m, &err), 0);
	ck_assert_int_eq(err.err, -ESRCH);
	f.err = -ENODEV;
	ck_assert_int_eq(altp2m_mon_clear_cr3_views(m), -ENODEV);
	f.err = 0;
	ck_assert_int_eq(altp2m_mon_clear_cr3_views(m), 0);
	ck_assert_str_eq(altp2m_mon_errmsg(m), "");
	altp2m_mon_close(m);
}
END_TEST

START_TEST(get_stats)
{
	struct altp2m_monitor_stats st;
	struct fake f;
	struct altp2m_mon *m = open_fake(&f);

	memset(&st, 0xff, sizeof(st));
	ck_assert_int_eq(altp2m_mon_get_stats(m, 0, &st), 0);
	ck_assert_uint_eq(f.cmd, ALTP2M_MONITOR_GET_STATS);
	/* What went in: the vCPU, everything else 0. */
	ck_assert_uint_eq(f.st.flags, 0);
	ck_assert_uint_eq(f.st.reserved[0], 0);
	ck_assert_uint_eq(st.cr3_exits, 7);
	ck_assert_uint_eq(st.cr3_switches, 3);
	ck_assert_uint_eq(st.events, 11);
	ck_assert_int_eq(altp2m_mon_get_stats(m, 1, &st), -ENOENT);
	ck_assert_ptr_nonnull(strstr(altp2m_mon_errmsg(m), "no vCPU 1"));
	ck_assert_int_eq(f.calls, 2);
	ck_assert_int_eq(altp2m_mon_get_stats(m, ALTP2M_MAX_VCPUS, &st),
			 -EINVAL);
	ck_assert_int_eq(altp2m_mon_get_stats(m, 0, NULL), -EINVAL);
	ck_assert_int_eq(f.calls, 2);
	altp2m_mon_close(m);
}
END_TEST

static Suite *lib_cr3_suite(void)
{
	Suite *s = suite_create("lib_cr3");
	TCase *tc = tcase_create("cr3");

	tcase_add_test(tc, set_passes_the_table);
	tcase_add_test(tc, set_refuses_before_the_module);
	tcase_add_test(tc, set_module_errors);
	tcase_add_test(tc, get_stats);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_SUITE(lib_cr3_suite)
