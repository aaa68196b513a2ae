// SPDX-License-Identifier: GPL-2.0
/*
 * CR3-to-view tables (see cr3_table.h). A guest writes CR3 at every
 * context switch, twice per system call with page-table isolation, so the
 * lookup is a binary search over entries sorted once when the table is
 * installed; building refuses what would make a lookup ambiguous.
 */
#include <linux/errno.h>
#include <linux/sort.h>
#include <linux/types.h>
#include <linux/altp2m.h>

#include "cr3_table.h"

static int altp2m_cr3_cmp(const void *a, const void *b)
{
	const struct altp2m_monitor_cr3_view *x = a, *y = b;

	if (x->cr3 != y->cr3)
		return x->cr3 < y->cr3 ? -1 : 1;
	return 0;
}

/**
 * altp2m_cr3_table_build - make a table of the user's entries
 * @t: filled in; points at @e afterwards
 * @e: @nr entries as the user gave them; masked and sorted in place
 * @nr: up to ALTP2M_MONITOR_MAX_CR3_VIEWS (the caller checked)
 * @mask: the user's @cr3_mask, 0 for ALTP2M_MON_CR3_MASK_DEFAULT
 * @default_view: the user's; its existence, and the entries' views', are
 *	the caller's to check
 *
 * Return: 0, or -EINVAL for an entry with non-zero padding or two entries
 * that match the same CR3 (equal once masked). @e is scrambled then.
 */
int altp2m_cr3_table_build(struct altp2m_cr3_table *t,
			   struct altp2m_monitor_cr3_view *e, u32 nr,
			   u64 mask, u32 default_view)
{
	u32 i;

	if (!mask)
		mask = ALTP2M_MON_CR3_MASK_DEFAULT;
	for (i = 0; i < nr; i++) {
		if (e[i].pad)
			return -EINVAL;
		e[i].cr3 &= mask;
	}
	sort(e, nr, sizeof(*e), altp2m_cr3_cmp, NULL);
	for (i = 1; i < nr; i++)
		if (e[i].cr3 == e[i - 1].cr3)
			return -EINVAL;
	t->mask = mask;
	t->default_view = default_view;
	t->nr = nr;
	t->e = e;
	return 0;
}

/**
 * altp2m_cr3_table_lookup - the view a write of @cr3 goes to
 * @t: a built table
 * @cr3: the value the guest wrote
 *
 * Return: the view of the entry that matches, else @t's default view
 * (ALTP2M_MON_VIEW_CURRENT: stay).
 */
u32 altp2m_cr3_table_lookup(const struct altp2m_cr3_table *t, u64 cr3)
{
	u32 lo = 0, hi = t->nr, mid;

	cr3 &= t->mask;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (t->e[mid].cr3 == cr3)
			return t->e[mid].view;
		if (t->e[mid].cr3 < cr3)
			lo = mid + 1;
		else
			hi = mid;
	}
	return t->default_view;
}
