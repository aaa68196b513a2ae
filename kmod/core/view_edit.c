// SPDX-License-Identifier: GPL-2.0
/*
 * Changing leaves (see view.c for the whole engine): the access or the
 * suppress-#VE bit of a range or a list of gfns in one view, all or
 * nothing, with a view-0 access change propagated into every view that
 * holds the gfns (Xen's rule); reading them back; and the EPT violation,
 * which fills lazily and promotes rx2rw and n2rwx.
 */
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/prefetch.h>
#include <linux/types.h>

#include "ept.h"
#include "view.h"
#include "view_internal.h"

/* What an edit does to a leaf: new = (old & ~clear) | set. */
struct view_edit {
	u64 clear;
	u64 set;
};

/* ---- editing ---------------------------------------------------------- */

static void view_edit_slot(struct altp2m_views *vs, struct altp2m_view *v,
			   u64 *slot, const struct view_edit *ed)
{
	u64 old = READ_ONCE(*slot), new = (old & ~ed->clear) | ed->set;

	if (new == old)
		return;
	view_set(vs, v, slot, new);
	if (view_needs_flush(old, new))
		view_dirty(vs, v);
}

/*
 * Edit the @n entries of a page table at @pt, the first for @gfn, filling
 * those without a leaf when @fill. This is the loop bulk calls spend their
 * time in: one load and at most one store per entry, and the flush is
 * decided once for the table, from what the entries lost.
 *
 * Return: true when every entry holds a leaf afterwards.
 */
static bool view_edit_table(struct altp2m_views *vs, struct altp2m_view *v,
			    u64 *pt, u64 n, const struct view_edit *ed,
			    bool fill, u64 gfn)
{
	const u64 clear = ed->clear, set = ed->set;
	const u64 sve = ed->clear & ALTP2M_EPT_SVE;
	u64 i, lost = 0, empty = 0, *filled;
	unsigned int l;

	for (i = 0; i < n; i++) {
		u64 old = READ_ONCE(pt[i]), new;

		if (!view_populated(old)) {
			if (!fill || altp2m_view_fill(vs, v, gfn + i, false,
						      true, &filled, &l)) {
				empty = 1;
				continue;
			}
			old = READ_ONCE(pt[i]);
		}
		new = (old & ~clear) | set;
		if (new == old)
			continue;
		view_set(vs, v, &pt[i], new);
		/* Rights lost (only a present entry has any), or SVE changed
		 * in a present entry.
		 */
		lost |= old & ~new & ALTP2M_EPT_RWX;
		if (sve && (old & ALTP2M_EPT_RWX))
			lost |= (old ^ new) & sve;
	}
	if (lost)
		view_dirty(vs, v);
	return !empty;
}

/*
 * First phase for the gfns [@lo, @hi) of the 2 MiB block at @b of view
 * @v: @whole when they are the whole block. Split a 2 MiB leaf that only
 * part of it changes; with @fill, also make sure every gfn that has no
 * leaf can be filled (guest RAM, tables linked).
 */
static int view_prep_block(struct altp2m_views *vs, struct altp2m_view *v,
			   u64 b, u64 lo, u64 hi, bool whole, bool fill)
{
	unsigned int at, l;
	u64 *slot, e, g, *pt;
	int ret;

	slot = view_find(vs, v, b, 2, &at);
	e = READ_ONCE(*slot);
	if (at == 2 && view_is_table(e, 2)) {
		if (!fill || (e & ALTP2M_VIEW_SW_PT_FULL))
			return 0;
		pt = view_table_va(vs, e);
		for (g = lo; g < hi; g++) {
			if (view_populated(READ_ONCE(pt[g - b])))
				continue;
			ret = altp2m_view_fill(vs, v, g, false, false, &slot,
					       &l);
			if (ret)
				return ret;
		}
		return 0;
	}
	if (at == 2 && view_populated(e))
		return whole ? 0 : altp2m_view_link(vs, v, slot, 2);
	if (!fill)
		return 0;
	if (whole) {
		ret = altp2m_view_fill(vs, v, b, true, false, &slot, &l);
		if (ret || l == 2)
			return ret;
	}
	for (g = lo; g < hi; g++) {
		ret = altp2m_view_fill(vs, v, g, false, false, &slot, &l);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Second phase for the same block: fill (with @fill) and edit. Cannot
 * fail: view_prep_block() made every table it needs.
 */
static void view_apply_block(struct altp2m_views *vs, struct altp2m_view *v,
			     u64 b, u64 lo, u64 hi, bool whole,
			     const struct view_edit *ed, bool fill)
{
	unsigned int at, l;
	u64 *slot, e, *pt;

	slot = view_find(vs, v, b, 2, &at);
	e = READ_ONCE(*slot);
	if (at == 2 && view_is_table(e, 2)) {
		pt = view_table_va(vs, e);
		if (e & ALTP2M_VIEW_SW_PT_FULL)
			fill = false;
		if (view_edit_table(vs, v, pt + (lo - b), hi - lo, ed, fill,
				    lo) && lo == b && hi == b + VIEW_PT_GFNS &&
		    !(e & ALTP2M_VIEW_SW_PT_FULL))
			view_set(vs, v, slot, e | ALTP2M_VIEW_SW_PT_FULL);
		return;
	}
	/* One 2 MiB leaf, or none yet: prep made sure the edit is whole. */
	if (!whole)
		return;
	if (at != 2 || !view_populated(e)) {
		if (!fill ||
		    altp2m_view_fill(vs, v, b, true, true, &slot, &l) ||
		    l != 2)
			return;
	}
	view_edit_slot(vs, v, slot, ed);
}

/*
 * Edit the leaves view @v already has in [@start, @end) (propagation of a
 * view-0 change): table by table, so a dense range costs one store per
 * entry and an empty one almost nothing.
 */
static void view_edit_existing(struct altp2m_views *vs, struct altp2m_view *v,
			       u64 start, u64 end, const struct view_edit *ed)
{
	unsigned int level;
	u64 g = start, *slot;

	while ((slot = altp2m_view_next_leaf(vs, v, &g, end, &level))) {
		u64 stop;

		view_tick(vs);
		if (level != 1) {
			/* Split by the first phase unless wholly inside. */
			if (g >= start && g + VIEW_PT_GFNS <= end)
				view_edit_slot(vs, v, slot, ed);
			g += view_span(level);
			continue;
		}
		stop = view_min(end, (g | (VIEW_PT_GFNS - 1)) + 1);
		view_edit_table(vs, v, slot, stop - g, ed, false, g);
		g = stop;
	}
}

/* Views other than 0 that hold anything: the targets of propagation. */
static struct altp2m_view *view_next_populated(struct altp2m_views *vs,
					       unsigned int *i)
{
	for (; *i < vs->max_views; (*i)++)
		if (vs->view[*i] && vs->view[*i]->nr_leaves)
			return vs->view[(*i)++];
	return NULL;
}

static int view_prep_range(struct altp2m_views *vs, struct altp2m_view *v,
			   u64 start, u64 end, bool fill)
{
	u64 b;
	int ret;

	for (b = start & ~(VIEW_PT_GFNS - 1); b < end; b += VIEW_PT_GFNS) {
		u64 lo = b > start ? b : start;
		u64 hi = view_min(b + VIEW_PT_GFNS, end);
		bool whole = lo == b && hi == b + VIEW_PT_GFNS;

		/* Without filling, only a partly covered block needs work. */
		if (!fill && whole)
			continue;
		ret = view_prep_block(vs, v, b, lo, hi, whole, fill);
		if (ret)
			return ret;
		view_tick(vs);
	}
	return 0;
}

static void view_apply_range(struct altp2m_views *vs, struct altp2m_view *v,
			     u64 start, u64 end, const struct view_edit *ed)
{
	u64 b;

	for (b = start & ~(VIEW_PT_GFNS - 1); b < end; b += VIEW_PT_GFNS) {
		u64 lo = b > start ? b : start;
		u64 hi = view_min(b + VIEW_PT_GFNS, end);

		view_apply_block(vs, v, b, lo, hi,
				 lo == b && hi == b + VIEW_PT_GFNS, ed, true);
		view_tick(vs);
	}
}

static void view_edit_access(struct view_edit *ed, unsigned int code)
{
	ed->clear = VIEW_ACCESS_BITS;
	ed->set = view_access_bits(code);
}

static void view_edit_sve(struct view_edit *ed, unsigned int sve)
{
	ed->clear = ALTP2M_EPT_SVE;
	ed->set = sve ? ALTP2M_EPT_SVE : 0;
}

/*
 * Set access (@sve false) or SVE (@sve true) to @value on [@gfn, @gfn +
 * @npages) of view @idx, all or nothing. An access change on view 0 is
 * propagated into every view that holds those gfns (Xen's rule).
 */
static int view_set_range(struct altp2m_views *vs, unsigned int idx, u64 gfn,
			  u64 npages, unsigned int value, bool sve)
{
	struct altp2m_view *v, *w;
	struct view_edit ed;
	unsigned int i;
	bool propagate;
	u8 code;
	int ret;

	ret = altp2m_view_txn_call(vs);
	if (ret)
		return ret;
	ret = altp2m_view_lookup(vs, idx, &v);
	if (ret)
		return ret;
	if (gfn >= ALTP2M_VIEW_GFN_LIMIT)
		return view_refuse(vs, -EINVAL, ALTP2M_WHY_GFN_WIDTH);
	if (npages > ALTP2M_VIEW_GFN_LIMIT - gfn)
		return view_refuse(vs, -EINVAL, ALTP2M_WHY_NPAGES_WIDTH);
	if (sve) {
		if (value > 1)
			return view_refuse(vs, -EINVAL, ALTP2M_WHY_VALUE);
		view_edit_sve(&ed, value);
	} else {
		ret = altp2m_view_resolve(vs, value, &code);
		if (ret)
			return view_refuse(vs, ret, ALTP2M_WHY_VALUE);
		view_edit_access(&ed, code);
	}
	if (!npages)
		return 0;
	propagate = !idx && !sve && vs->max_views;

	ret = altp2m_view_txn_mark(vs, v, propagate);
	if (ret)
		return ret;
	view_journal_begin(vs);
	ret = view_prep_range(vs, v, gfn, gfn + npages, true);
	if (ret == -ESRCH)
		view_refuse(vs, ret, ALTP2M_WHY_GFN_NOT_RAM);
	for (i = 1; !ret && propagate && (w = view_next_populated(vs, &i));)
		ret = view_prep_range(vs, w, gfn, gfn + npages, false);
	altp2m_view_journal_end(vs, ret);
	if (!ret) {
		vs->applying = 1;
		view_apply_range(vs, v, gfn, gfn + npages, &ed);
		for (i = 1; propagate && (w = view_next_populated(vs, &i));)
			view_edit_existing(vs, w, gfn, gfn + npages, &ed);
	}
	return altp2m_view_end(vs, ret);
}

/* How far ahead a list walk prefetches: about one memory latency. */
#define VIEW_PREFETCH_AHEAD	16

/*
 * First phase of a list: the block of each gfn, as view_prep_range() does
 * for a single gfn; @fill as for view_prep_block().
 */
static int view_prep_list(struct altp2m_views *vs, struct altp2m_view *v,
			  const u64 *gfns, u64 n, bool fill)
{
	u64 k, g;
	int ret;

	for (k = 0; k < n; k++) {
		g = gfns[k];
		ret = view_prep_block(vs, v, g & ~(VIEW_PT_GFNS - 1), g, g + 1,
				      false, fill);
		if (ret == -ESRCH)
			return view_refuse_entry(vs, ret,
						 ALTP2M_WHY_GFN_NOT_RAM, k);
		if (ret)
			return ret;
		view_tick(vs);
	}
	return 0;
}

/*
 * Second phase of a list: each pair in list order. A random list misses
 * the cache on every entry, so the entry VIEW_PREFETCH_AHEAD pairs ahead
 * is prefetched; finding it only reads upper levels, which stay cached.
 */
static void view_apply_list(struct altp2m_views *vs, struct altp2m_view *v,
			    const u64 *gfns, const u8 *values, u64 n, bool sve,
			    bool fill)
{
	struct view_edit ed;
	unsigned int at;
	u64 k, g;

	for (k = 0; k < n; k++) {
		if (k + VIEW_PREFETCH_AHEAD < n)
			prefetchw(view_find(vs, v,
					    gfns[k + VIEW_PREFETCH_AHEAD], 1,
					    &at));
		g = gfns[k];
		if (sve)
			view_edit_sve(&ed, values[k]);
		else
			view_edit_access(&ed, view_resolved(values[k]));
		view_apply_block(vs, v, g & ~(VIEW_PT_GFNS - 1), g, g + 1,
				 false, &ed, fill);
		view_tick(vs);
	}
}

/* The same for a list of (gfn, value) pairs, applied in list order. */
static int view_set_list(struct altp2m_views *vs, unsigned int idx,
			 const u64 *gfns, const u8 *values, u64 n, bool sve)
{
	struct altp2m_view *v, *w;
	unsigned int i;
	bool propagate;
	u64 k;
	u8 code;
	int ret;

	ret = altp2m_view_txn_call(vs);
	if (ret)
		return ret;
	ret = altp2m_view_lookup(vs, idx, &v);
	if (ret)
		return ret;
	for (k = 0; k < n; k++) {
		if (gfns[k] >= ALTP2M_VIEW_GFN_LIMIT)
			return view_refuse_entry(vs, -EINVAL,
						 ALTP2M_WHY_GFN_WIDTH, k);
		if (sve ? values[k] > 1 :
		    altp2m_view_resolve(vs, values[k], &code))
			return view_refuse_entry(vs, -EINVAL, ALTP2M_WHY_VALUE,
						 k);
	}
	propagate = !idx && !sve && vs->max_views;

	ret = altp2m_view_txn_mark(vs, v, propagate);
	if (ret)
		return ret;
	view_journal_begin(vs);
	ret = view_prep_list(vs, v, gfns, n, true);
	for (i = 1; !ret && propagate && (w = view_next_populated(vs, &i));)
		ret = view_prep_list(vs, w, gfns, n, false);
	altp2m_view_journal_end(vs, ret);
	if (ret)
		goto out;

	vs->applying = 1;
	view_apply_list(vs, v, gfns, values, n, sve, true);
	for (i = 1; propagate && (w = view_next_populated(vs, &i));)
		view_apply_list(vs, w, gfns, values, n, false, false);
out:
	return altp2m_view_end(vs, ret);
}

/*
 * The leaf of @gfn in view @idx, for the get calls. A RAM gfn view 0 did
 * not fill yet reads as the leaf altp2m_view_fill_host() would write (rwx, SVE
 * set), so that every get answers what a fill would give.
 */
static int view_get_leaf(struct altp2m_views *vs, unsigned int idx, u64 gfn,
			 u64 *e)
{
	struct altp2m_view *v;
	unsigned int at;
	int ret;

	ret = altp2m_view_lookup(vs, idx, &v);
	if (ret)
		return ret;
	if (gfn >= ALTP2M_VIEW_GFN_LIMIT)
		return view_refuse(vs, -EINVAL, ALTP2M_WHY_GFN_WIDTH);
	*e = READ_ONCE(*view_find(vs, v, gfn, 1, &at));
	if (view_populated(*e))
		return 0;
	if (idx)
		return -ESRCH;
	ret = altp2m_view_host_ram(vs, gfn);
	if (!ret)
		*e = view_access_bits(ALTP2M_ACCESS_RWX) | ALTP2M_EPT_SVE;
	return ret;
}

/**
 * altp2m_views_fault - an EPT violation in a view
 * @vs: the engine
 * @idx: the view the vCPU is on
 * @gpa: the faulting guest-physical address
 * @access: what the guest attempted, ALTP2M_VIEW_FAULT_* bits
 * @out: filled for ALTP2M_VIEW_EVENT
 *
 * A gfn the view does not hold is filled lazily (view 0 from the host,
 * another view from view 0, filling view 0 first). If the access is then
 * allowed, the guest just retries. Otherwise it is a violation: rx2rw is
 * promoted to rw on a write, n2rwx to rwx on any access (splitting a 2 MiB
 * leaf, so that only this gfn changes), and the event is reported either
 * way.
 *
 * Return: ALTP2M_VIEW_RETRY, ALTP2M_VIEW_EVENT, ALTP2M_VIEW_MMIO when the
 * gfn is not guest RAM (the caller emulates), -EINVAL for a bad address or
 * access, the errors of altp2m_views_vcpu_enter(), -ENOMEM (nothing is
 * reported; retrying is safe), or -EBUSY inside a transaction.
 */
int altp2m_views_fault(struct altp2m_views *vs, unsigned int idx, u64 gpa,
		       unsigned int access, struct altp2m_view_fault *out)
{
	u64 gfn = gpa >> VIEW_PAGE_SHIFT, *slot, e;
	struct altp2m_view *v;
	unsigned int level, code;
	struct view_edit ed;
	int ret;

	/* The owner runs no vCPU during a transaction: a bug, refused. */
	if (vs->txn)
		return -EBUSY;
	ret = altp2m_view_lookup(vs, idx, &v);
	if (ret)
		return ret;
	if (gfn >= ALTP2M_VIEW_GFN_LIMIT || !access ||
	    (access & ~ALTP2M_EPT_RWX))
		return -EINVAL;
	ret = altp2m_view_fill(vs, v, gfn, true, true, &slot, &level);
	if (ret) {
		/* Out of memory half way: drop tables left empty. */
		if (ret == -ENOMEM) {
			altp2m_view_prune_tables(vs, v, gfn, false);
			altp2m_view_prune_tables(vs, &vs->host, gfn, false);
		}
		altp2m_view_finish(vs);
		return ret == -ESRCH ? ALTP2M_VIEW_MMIO : ret;
	}
	e = READ_ONCE(*slot);
	if (!(access & ~e & ALTP2M_EPT_RWX)) {
		altp2m_view_finish(vs);
		return ALTP2M_VIEW_RETRY;
	}
	code = view_code(e);
	out->view = idx;
	out->gpa = gpa;
	out->access = access;
	out->entry_access = code;
	out->promoted = 0;
	if ((code == ALTP2M_ACCESS_RX2RW && (access & ALTP2M_EPT_W)) ||
	    code == ALTP2M_ACCESS_N2RWX) {
		if (level == 2) {
			ret = altp2m_view_link(vs, v, slot, 2);
			if (ret) {
				altp2m_view_finish(vs);
				return ret;
			}
			slot = view_find(vs, v, gfn, 1, &level);
		}
		view_edit_access(&ed, code == ALTP2M_ACCESS_N2RWX ?
				 ALTP2M_ACCESS_RWX : ALTP2M_ACCESS_RW);
		view_edit_slot(vs, v, slot, &ed);
		out->promoted = 1;
		vs->stats.promotions++;
	}
	vs->stats.events++;
	altp2m_view_finish(vs);
	return ALTP2M_VIEW_EVENT;
}

/**
 * altp2m_views_set_access - set the access of one gfn in one view
 * @vs: the engine
 * @idx: the view
 * @gfn: the gfn; filled first if the view does not hold it
 * @access: ALTP2M_ACCESS_*
 *
 * See altp2m_views_set_access_range().
 *
 * Return: as altp2m_views_set_access_range().
 */
int altp2m_views_set_access(struct altp2m_views *vs, unsigned int idx,
			    u64 gfn, unsigned int access)
{
	return view_set_range(vs, idx, gfn, 1, access, false);
}

/**
 * altp2m_views_set_access_range - set the access of contiguous gfns
 * @vs: the engine
 * @idx: the view
 * @gfn: the first gfn
 * @npages: how many (0 does nothing)
 * @access: ALTP2M_ACCESS_*; ALTP2M_ACCESS_DEFAULT is rwx (the host's
 *	default access, as in Xen; not the view's)
 *
 * All or nothing: every gfn must be guest RAM (or held by the view, e.g.
 * remapped), and a failure leaves every view bit-identical. A gfn the view
 * does not hold is filled first. A 2 MiB leaf stays one when the range
 * covers it, else it is split. In view 0 the change is propagated into
 * every view that holds the gfn, remapped or not (Xen's rule); gfns such a
 * view does not hold keep filling with its default access.
 *
 * Return: 0, -EINVAL for a bad range or access (w, wx, and x without
 * execute-only), -ESRCH when a gfn is not guest RAM, -ENOMEM, the errors
 * of altp2m_views_vcpu_enter(), an error of host_frame(), or inside a
 * transaction -E2BIG (see altp2m_views_txn_begin()) or the error that
 * failed it.
 */
int altp2m_views_set_access_range(struct altp2m_views *vs, unsigned int idx,
				  u64 gfn, u64 npages, unsigned int access)
{
	return view_set_range(vs, idx, gfn, npages, access, false);
}

/**
 * altp2m_views_set_access_list - set the access of a list of gfns
 * @vs: the engine
 * @idx: the view
 * @gfns: the gfns; one may appear several times, the last one wins
 * @access: for each, its ALTP2M_ACCESS_*
 * @n: list length
 *
 * As altp2m_views_set_access_range(), all or nothing for the whole list;
 * every leaf changed is 4 KiB.
 *
 * Return: as altp2m_views_set_access_range().
 */
int altp2m_views_set_access_list(struct altp2m_views *vs, unsigned int idx,
				 const u64 *gfns, const u8 *access, u64 n)
{
	return view_set_list(vs, idx, gfns, access, n, false);
}

/**
 * altp2m_views_get_access - the access of one gfn in one view
 * @vs: the engine
 * @idx: the view
 * @gfn: the gfn
 * @access: set to its ALTP2M_ACCESS_*
 *
 * Return: 0, -ESRCH when the view holds no entry for @gfn (for view 0:
 * when @gfn is not guest RAM; a gfn view 0 did not fill yet reads as rwx,
 * what the fill gives), -EINVAL for a bad gfn, or the errors of
 * altp2m_views_vcpu_enter().
 */
int altp2m_views_get_access(struct altp2m_views *vs, unsigned int idx,
			    u64 gfn, unsigned int *access)
{
	u64 e;
	int ret = view_get_leaf(vs, idx, gfn, &e);

	if (!ret)
		*access = view_code(e);
	return ret;
}

/**
 * altp2m_views_set_sve - set the suppress-#VE bit of one gfn in one view
 * @vs: the engine
 * @idx: the view
 * @gfn: the gfn; filled first if the view does not hold it
 * @sve: 0 or 1
 *
 * Never propagated, view 0 included.
 *
 * Return: as altp2m_views_set_access_range().
 */
int altp2m_views_set_sve(struct altp2m_views *vs, unsigned int idx, u64 gfn,
			 unsigned int sve)
{
	return view_set_range(vs, idx, gfn, 1, sve, true);
}

/**
 * altp2m_views_set_sve_range - set the suppress-#VE bit of contiguous gfns
 * @vs: the engine
 * @idx: the view
 * @gfn: the first gfn
 * @npages: how many
 * @sve: 0 or 1
 *
 * All or nothing, as altp2m_views_set_access_range().
 *
 * Return: as altp2m_views_set_access_range().
 */
int altp2m_views_set_sve_range(struct altp2m_views *vs, unsigned int idx,
			       u64 gfn, u64 npages, unsigned int sve)
{
	return view_set_range(vs, idx, gfn, npages, sve, true);
}

/**
 * altp2m_views_set_sve_list - set the suppress-#VE bit of a list of gfns
 * @vs: the engine
 * @idx: the view
 * @gfns: the gfns
 * @sve: for each, 0 or 1
 * @n: list length
 *
 * All or nothing, as altp2m_views_set_access_list().
 *
 * Return: as altp2m_views_set_access_range().
 */
int altp2m_views_set_sve_list(struct altp2m_views *vs, unsigned int idx,
			      const u64 *gfns, const u8 *sve, u64 n)
{
	return view_set_list(vs, idx, gfns, sve, n, true);
}

/**
 * altp2m_views_get_sve - the suppress-#VE bit of one gfn in one view
 * @vs: the engine
 * @idx: the view
 * @gfn: the gfn
 * @sve: set to 0 or 1
 *
 * Return: 0, -ESRCH as altp2m_views_get_access() (a RAM gfn view 0 did
 * not fill yet reads 1, what the fill gives), -EINVAL for a bad gfn, or
 * the errors of altp2m_views_vcpu_enter().
 */
int altp2m_views_get_sve(struct altp2m_views *vs, unsigned int idx, u64 gfn,
			 unsigned int *sve)
{
	u64 e;
	int ret = view_get_leaf(vs, idx, gfn, &e);

	if (!ret)
		*sve = !!(e & ALTP2M_EPT_SVE);
	return ret;
}
