/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The table of ALTP2M_MONITOR_SET_CR3_VIEWS (the uAPI's "CR3 views"): CR3
 * values, masked, to views. Hardware-independent and unit-tested; the
 * kernel glue (publication, the vCPU side) is cr3_views.c.
 */
#ifndef ALTP2M_CR3_TABLE_H
#define ALTP2M_CR3_TABLE_H

#include <linux/types.h>
#include <linux/altp2m.h>

/**
 * struct altp2m_cr3_table - a built table, immutable once built
 * @mask: what of a CR3 counts (never 0: 0 from userspace is the default)
 * @default_view: for a CR3 no entry matches; ALTP2M_MON_VIEW_CURRENT to
 *	stay
 * @nr: entries in @e
 * @e: the entries, their @cr3 masked, sorted by it, no two equal; the
 *	uAPI's struct, so that the user's array is copied in place
 */
struct altp2m_cr3_table {
	u64 mask;
	u32 default_view;
	u32 nr;
	struct altp2m_monitor_cr3_view *e;
};

int altp2m_cr3_table_build(struct altp2m_cr3_table *t,
			   struct altp2m_monitor_cr3_view *e, u32 nr,
			   u64 mask, u32 default_view);
u32 altp2m_cr3_table_lookup(const struct altp2m_cr3_table *t, u64 cr3);

#endif /* ALTP2M_CR3_TABLE_H */
