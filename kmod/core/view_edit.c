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
 * The loop a bulk access change spends its time in: the @n entries at
 * @pt, every one a leaf (a page table marked full), outside a
 * transaction. One load and at most one store per entry, nothing else:
 * an access edit gives every leaf the same rights, so the rights any leaf
 * lost are those the old leaves had together and the new ones lack, and
 * the OR of the old leaves, returned, is all the flush decision needs.
 */
static u64 view_edit_leaves(u64 *pt, u64 n, u64 clear, u64 set)
{
	u64 i, seen = 0;

	/* Four at a time: a quarter of the loop's own work. */
	for (i = 0; i + 4 <= n; i += 4) {
		u64 o0 = READ_ONCE(pt[i]), o1 = READ_ONCE(pt[i + 1]);
		u64 o2 = READ_ONCE(pt[i + 2]), o3 = READ_ONCE(pt[i + 3]);
		u64 n0 = (o0 & ~clear) | set, n1 = (o1 & ~clear) | set;
		u64 n2 = (o2 & ~clear) | set, n3 = (o3 & ~clear) | set;

		if (n0 != o0)
			WRITE_ONCE(pt[i], n0);
		if (n1 != o1)
			WRITE_ONCE(pt[i + 1], n1);
		if (n2 != o2)
			WRITE_ONCE(pt[i + 2], n2);
		if (n3 != o3)
			WRITE_ONCE(pt[i + 3], n3);
		seen |= o0 | o1 | o2 | o3;
	}
	for (; i < n; i++) {
		u64 o0 = READ_ONCE(pt[i]), n0 = (o0 & ~clear) | set;

		if (n0 != o0)
			WRITE_ONCE(pt[i], n0);
		seen |= o0;
	}
	return seen;
}

/*
 * Where a view's page table being filled takes its frames from: view 0's
 * page table of the same block (@pt) or its 2 MiB leaf there (@leaf, @pt
 * NULL). For view 0 itself, @pt is the table being filled.
 */
struct view_fill_src {
	u64 *pt;
	u64 leaf;
};

/*
 * The source of block @b for view @v, whose page table there is @pt.
 * Return: false when view 0 has neither a page table nor a leaf for the
 * block yet (its first fill decides which: altp2m_view_fill() does it).
 */
static bool view_fill_src_find(struct altp2m_views *vs, struct altp2m_view *v,
			       u64 b, u64 *pt, struct view_fill_src *src)
{
	unsigned int at;
	u64 e;

	src->pt = pt;
	src->leaf = 0;
	if (v == &vs->host)
		return true;
	e = READ_ONCE(*view_find(vs, &vs->host, b, 2, &at));
	if (at != 2)
		return false;
	if (view_is_table(e, 2)) {
		src->pt = view_table_va(vs, e);
		return true;
	}
	src->pt = NULL;
	src->leaf = e;
	return view_populated(e);
}

/*
 * What host_frame() says of @gfn, as altp2m_view_fill_host() checks it:
 * 0 and the 4 KiB leaf of view 0 in *@leaf, or its error.
 */
static int view_host_leaf(struct altp2m_views *vs, u64 gfn, u64 *leaf)
{
	unsigned int max_level = 1;
	u64 hpa;
	int ret;

	ret = vs->ops->host_frame(vs->ctx, gfn, &hpa, &max_level);
	if (ret)
		return ret == -ENOENT ? -ESRCH : ret;
	if (hpa & ~ALTP2M_EPT_ADDR_MASK)
		return -EIO;
	*leaf = hpa | VIEW_RAM_TYPE | view_access_bits(ALTP2M_ACCESS_RWX) |
		ALTP2M_EPT_SVE;
	return 0;
}

/*
 * view_edit_table() with @fill, outside a transaction: the entries that
 * have no leaf are filled a table at a time, from view 0's page table of
 * the block (filled first where it has no leaf either, from host_frame())
 * or its 2 MiB leaf, instead of walking both views from the root for each
 * gfn. The leaves are those altp2m_view_fill() makes, and each new one is
 * written once, already edited; the flush is decided as if it had been
 * filled first, as view_edit_table() does. While view 0 has neither a
 * page table nor a leaf for the block, altp2m_view_fill() fills a gfn.
 */
static bool view_fill_table(struct altp2m_views *vs, struct altp2m_view *v,
			    u64 *pt, u64 n, const struct view_edit *ed,
			    u64 gfn)
{
	const u64 clear = ed->clear, set = ed->set;
	const u64 sve = ed->clear & ALTP2M_EPT_SVE;
	const u64 bits = view_access_bits(v->default_access) | ALTP2M_EPT_SVE;
	struct altp2m_view *h = &vs->host;
	u64 i, lost = 0, empty = 0, fills = 0, hfills = 0, *slot;
	struct view_fill_src src;
	bool have_src = false;
	unsigned int l;

	for (i = 0; i < n; i++) {
		u64 g = gfn + i, old = READ_ONCE(pt[i]), e0, new;
		bool filled = false;

		if (view_populated(old))
			goto edit;
		if (!have_src)
			have_src = view_fill_src_find(vs, v, g & ~(VIEW_PT_GFNS - 1),
						      pt, &src);
		if (!have_src) {
			if (altp2m_view_fill(vs, v, g, false, true, &slot,
					     &l)) {
				empty = 1;
				continue;
			}
			old = READ_ONCE(pt[i]);
			goto edit;
		}
		if (v == h) {
			if (view_host_leaf(vs, g, &old)) {
				empty = 1;
				continue;
			}
			filled = true;
			fills++;
			goto edit;
		}
		if (src.pt) {
			u64 *s0 = &src.pt[g & (VIEW_PT_GFNS - 1)];

			e0 = READ_ONCE(*s0);
			if (!view_populated(e0)) {
				if (view_host_leaf(vs, g, &e0)) {
					empty = 1;
					continue;
				}
				/* Was not present: nothing to flush. */
				WRITE_ONCE(*s0, e0);
				hfills++;
			}
			old = e0 & ALTP2M_EPT_ADDR_MASK;
		} else {
			e0 = src.leaf;
			old = view_piece(e0, 2, g & ~(VIEW_PT_GFNS - 1), g);
		}
		old |= (e0 & VIEW_TYPE_MASK) | bits;
		filled = true;
		fills++;
edit:
		new = (old & ~clear) | set;
		if (new != old || filled)
			WRITE_ONCE(pt[i], new);
		lost |= old & ~new & ALTP2M_EPT_RWX;
		if (sve && (old & ALTP2M_EPT_RWX))
			lost |= (old ^ new) & sve;
	}
	v->nr_leaves += fills;
	v->nr_pages += fills;
	h->nr_leaves += hfills;
	h->nr_pages += hfills;
	vs->stats.fills += fills + hfills;
	if (lost)
		view_dirty(vs, v);
	return !empty;
}

/*
 * Edit the @n entries of a page table at @pt, the first for @gfn, filling
 * those without a leaf when @fill; @full when the table is marked full.
 * This is the loop bulk calls spend their time in: one load and at most
 * one store per entry, and the flush is decided once for the table, from
 * what the entries lost. Inside a transaction every write is logged, so
 * only the general loop below runs there (the unit tests compare it with
 * the two faster ones).
 *
 * Return: true when every entry holds a leaf afterwards.
 */
static bool view_edit_table(struct altp2m_views *vs, struct altp2m_view *v,
			    u64 *pt, u64 n, const struct view_edit *ed,
			    bool fill, bool full, u64 gfn)
{
	const u64 clear = ed->clear, set = ed->set;
	const u64 sve = ed->clear & ALTP2M_EPT_SVE;
	u64 i, lost = 0, empty = 0, *filled;
	unsigned int l;

	if (!vs->txn && full && !sve) {
		if (view_edit_leaves(pt, n, clear, set) & ~set &
		    ALTP2M_EPT_RWX)
			view_dirty(vs, v);
		return true;
	}
	if (!vs->txn && fill)
		return view_fill_table(vs, v, pt, n, ed, gfn);
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
 * The first phase for the gfns [@lo, @hi) of block @b, where view @v has
 * the page table @pt and view 0 has @src, outside a transaction: the
 * checks altp2m_view_fill() without @populate makes of each gfn neither
 * view holds, without its walks. Every table the second phase needs is
 * there, so that only host_frame() is asked.
 */
static int view_prep_table(struct altp2m_views *vs, const u64 *pt,
			   const struct view_fill_src *src, u64 b, u64 lo,
			   u64 hi)
{
	u64 g, leaf;
	int ret;

	/* A 2 MiB leaf of view 0 holds them all. */
	if (!src->pt)
		return 0;
	for (g = lo; g < hi; g++) {
		if (view_populated(READ_ONCE(pt[g - b])) ||
		    view_populated(READ_ONCE(src->pt[g - b])))
			continue;
		ret = view_host_leaf(vs, g, &leaf);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * First phase for the gfns [@lo, @hi) of the 2 MiB block at @b of view
 * @v, whose slot at level 2 (or above, where the walk stopped) is @slot
 * at @at: @whole when they are the whole block. Split a 2 MiB leaf that
 * only part of it changes; with @fill, also make sure every gfn that has
 * no leaf can be filled (guest RAM, tables linked).
 */
static int view_prep_at(struct altp2m_views *vs, struct altp2m_view *v,
			u64 *slot, unsigned int at, u64 b, u64 lo, u64 hi,
			bool whole, bool fill)
{
	struct view_fill_src src;
	u64 e = READ_ONCE(*slot), g, *pt;
	unsigned int l;
	int ret;

	if (at == 2 && view_populated(e))
		return whole ? 0 : altp2m_view_link(vs, v, slot, 2);
	if (!fill || (at == 2 && view_is_table(e, 2) &&
		      (e & ALTP2M_VIEW_SW_PT_FULL)))
		return 0;
	if (at != 2 || !view_is_table(e, 2)) {
		/* The first fill links the tables (the whole block: a 2 MiB
		 * leaf when view 0 has or may have one, and then it is all).
		 */
		ret = altp2m_view_fill(vs, v, lo, whole, false, &slot, &l);
		if (ret || l == 2)
			return ret;
		if (!whole)
			lo++;
		slot = view_find(vs, v, b, 2, &at);
		e = READ_ONCE(*slot);
	}
	if (at == 2 && view_is_table(e, 2)) {
		pt = view_table_va(vs, e);
		if (!vs->txn && view_fill_src_find(vs, v, b, pt, &src))
			return view_prep_table(vs, pt, &src, b, lo, hi);
	}
	for (g = lo; g < hi; g++) {
		ret = altp2m_view_fill(vs, v, g, false, false, &slot, &l);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Second phase for the same block, whose slot at level 2 (or above, where
 * the walk stopped) is @slot at @at: fill (with @fill) and edit. Cannot
 * fail: view_prep_at() made every table it needs.
 */
static void view_apply_at(struct altp2m_views *vs, struct altp2m_view *v,
			  u64 *slot, unsigned int at, u64 b, u64 lo, u64 hi,
			  bool whole, const struct view_edit *ed, bool fill)
{
	u64 e = READ_ONCE(*slot), *pt;
	unsigned int l;
	bool full;

	if (at == 2 && view_is_table(e, 2)) {
		pt = view_table_va(vs, e);
		full = e & ALTP2M_VIEW_SW_PT_FULL;
		if (view_edit_table(vs, v, pt + (lo - b), hi - lo, ed,
				    fill && !full, full, lo) && whole && !full)
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
		view_edit_table(vs, v, slot, stop - g, ed, false, false, g);
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

/* The first lines of a page table, enough for the CPU to stream the rest. */
static inline void view_prefetch_table(u64 *pt)
{
	prefetchw(pt);
	prefetchw(pt + 8);
	prefetchw(pt + 16);
	prefetchw(pt + 24);
}

/*
 * The page directories (level-2 tables) a walk over many blocks found, by
 * the 1 GiB span each covers, so that a range or a list of gfns all over
 * the guest's RAM does not walk from the root for each block: the last
 * VIEW_PD_CACHE of them, direct mapped. Only tables that exist are kept,
 * and no first or second phase unlinks one, so they stay valid for the
 * phase.
 */
#define VIEW_PD_CACHE		8
#define VIEW_PD_SHIFT		18	/* gfns one directory covers: 2^18 */

struct view_pd_cache {
	u8 valid;			/* bit i: entry i is set */
	u64 span[VIEW_PD_CACHE];
	u64 *pd[VIEW_PD_CACHE];
};

/* view_find_pd() when @c does not have the directory. */
static u64 *view_find_pd_walk(const struct altp2m_views *vs,
			      const struct altp2m_view *v,
			      struct view_pd_cache *c, u64 gfn,
			      unsigned int *at)
{
	unsigned int i = (gfn >> VIEW_PD_SHIFT) % VIEW_PD_CACHE;
	u64 *slot = view_find(vs, v, gfn, 2, at);

	if (*at == 2) {
		c->valid |= BIT(i);
		c->span[i] = gfn >> VIEW_PD_SHIFT;
		c->pd[i] = slot - view_index(gfn, 2);
	}
	return slot;
}

/* view_find() of @gfn's slot at level 2, through @c. */
static inline u64 *view_find_pd(const struct altp2m_views *vs,
				const struct altp2m_view *v,
				struct view_pd_cache *c, u64 gfn,
				unsigned int *at)
{
	unsigned int i = (gfn >> VIEW_PD_SHIFT) % VIEW_PD_CACHE;

	if (!(c->valid & BIT(i)) || c->span[i] != gfn >> VIEW_PD_SHIFT)
		return view_find_pd_walk(vs, v, c, gfn, at);
	*at = 2;
	return &c->pd[i][view_index(gfn, 2)];
}

static int view_prep_range(struct altp2m_views *vs, struct altp2m_view *v,
			   u64 start, u64 end, bool fill)
{
	struct view_pd_cache pds;
	unsigned int at;
	u64 b, *slot;
	int ret;

	pds.valid = 0;
	for (b = start & ~(VIEW_PT_GFNS - 1); b < end; b += VIEW_PT_GFNS) {
		u64 lo = b > start ? b : start;
		u64 hi = view_min(b + VIEW_PT_GFNS, end);
		bool whole = lo == b && hi == b + VIEW_PT_GFNS;

		/* Without filling, only a partly covered block needs work. */
		if (!fill && whole)
			continue;
		slot = view_find_pd(vs, v, &pds, b, &at);
		ret = view_prep_at(vs, v, slot, at, b, lo, hi, whole, fill);
		if (ret)
			return ret;
		view_tick(vs);
	}
	return 0;
}

/*
 * The second phase of a range, block by block. A page table is a page of
 * its own, where the CPU's prefetcher starts afresh, so the next block's
 * is prefetched while this one is edited.
 */
static void view_apply_range(struct altp2m_views *vs, struct altp2m_view *v,
			     u64 start, u64 end, const struct view_edit *ed)
{
	struct view_pd_cache pds;
	unsigned int at;
	u64 b, *slot, e;

	pds.valid = 0;
	for (b = start & ~(VIEW_PT_GFNS - 1); b < end; b += VIEW_PT_GFNS) {
		u64 lo = b > start ? b : start;
		u64 hi = view_min(b + VIEW_PT_GFNS, end);

		if (b + VIEW_PT_GFNS < end) {
			slot = view_find_pd(vs, v, &pds, b + VIEW_PT_GFNS,
					    &at);
			e = READ_ONCE(*slot);
			if (at == 2 && view_is_table(e, 2))
				view_prefetch_table(view_table_va(vs, e));
		}
		slot = view_find_pd(vs, v, &pds, b, &at);
		view_apply_at(vs, v, slot, at, b, lo, hi,
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
 * for a single gfn; @fill as for view_prep_at(). A page table with
 * nothing to fill, the usual case, needs nothing.
 */
static int view_prep_list(struct altp2m_views *vs, struct altp2m_view *v,
			  const u64 *gfns, u64 n, bool fill)
{
	struct view_pd_cache pds;
	unsigned int at;
	u64 k, g, *slot, e;
	int ret;

	pds.valid = 0;
	for (k = 0; k < n; k++) {
		g = gfns[k];
		slot = view_find_pd(vs, v, &pds, g, &at);
		e = READ_ONCE(*slot);
		if (at != 2 || !view_is_table(e, 2) ||
		    (fill && !(e & ALTP2M_VIEW_SW_PT_FULL))) {
			ret = view_prep_at(vs, v, slot, at,
					   g & ~(VIEW_PT_GFNS - 1), g, g + 1,
					   false, fill);
			if (ret == -ESRCH)
				return view_refuse_entry(vs, ret,
						ALTP2M_WHY_GFN_NOT_RAM, k);
			if (ret)
				return ret;
		}
		view_tick(vs);
	}
	return 0;
}

/*
 * Second phase of a list: each pair in list order. A random list misses
 * the cache on every entry, so the entry VIEW_PREFETCH_AHEAD pairs ahead
 * is prefetched; finding it only reads upper levels, which stay cached.
 * Outside a transaction, what that walk found is kept for the pair's turn
 * (the second phase links and unlinks no table), and a pair whose gfn
 * has a leaf is edited right there.
 */
static void view_apply_list(struct altp2m_views *vs, struct altp2m_view *v,
			    const u64 *gfns, const u8 *values, u64 n, bool sve,
			    bool fill)
{
	struct {
		u64 *slot, *pt;
		unsigned int at;
	} ahead[VIEW_PREFETCH_AHEAD], *a;
	struct view_pd_cache pds;
	const bool keep = !vs->txn;
	bool lost = false;
	struct view_edit ed;
	unsigned int at;
	u64 k, j, g, *slot, e, *pt;

	pds.valid = 0;
	for (k = 0; k < n + VIEW_PREFETCH_AHEAD; k++) {
		/* Pair j's turn, then the walk for pair k. */
		j = k - VIEW_PREFETCH_AHEAD;
		if (k >= VIEW_PREFETCH_AHEAD) {
			g = gfns[j];
			a = &ahead[j % VIEW_PREFETCH_AHEAD];
			if (sve)
				view_edit_sve(&ed, values[j]);
			else
				view_edit_access(&ed,
						 view_resolved(values[j]));
			if (keep && a->pt) {
				u64 *s = &a->pt[g & (VIEW_PT_GFNS - 1)];
				u64 old = READ_ONCE(*s);
				u64 new = (old & ~ed.clear) | ed.set;

				if (view_populated(old)) {
					if (new != old) {
						WRITE_ONCE(*s, new);
						lost |= view_needs_flush(old,
									 new);
					}
					view_tick(vs);
					goto walk;
				}
			}
			if (keep) {
				slot = a->slot;
				at = a->at;
			} else {
				slot = view_find(vs, v,
						 g & ~(VIEW_PT_GFNS - 1), 2,
						 &at);
			}
			view_apply_at(vs, v, slot, at, g & ~(VIEW_PT_GFNS - 1),
				      g, g + 1, false, &ed, fill);
			view_tick(vs);
		}
walk:
		if (k >= n)
			continue;
		g = gfns[k];
		slot = view_find_pd(vs, v, &pds, g, &at);
		e = READ_ONCE(*slot);
		pt = NULL;
		if (at == 2 && view_is_table(e, 2)) {
			pt = view_table_va(vs, e);
			prefetchw(pt + (g & (VIEW_PT_GFNS - 1)));
		}
		a = &ahead[k % VIEW_PREFETCH_AHEAD];
		a->slot = slot;
		a->pt = pt;
		a->at = at;
	}
	if (lost)
		view_dirty(vs, v);
}

/* The same for a list of (gfn, value) pairs, applied in list order. */
static int view_set_list(struct altp2m_views *vs, unsigned int idx,
			 const u64 *gfns, const u8 *values, u64 n, bool sve)
{
	struct altp2m_view *v, *w;
	unsigned int i, ok = 0;
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
	/* The values this call accepts, bit by bit, asked once. */
	for (i = 0; i <= (sve ? 1 : ALTP2M_ACCESS_DEFAULT); i++)
		if (sve || !altp2m_view_resolve(vs, i, &code))
			ok |= BIT(i);
	for (k = 0; k < n; k++) {
		if (gfns[k] >= ALTP2M_VIEW_GFN_LIMIT)
			return view_refuse_entry(vs, -EINVAL,
						 ALTP2M_WHY_GFN_WIDTH, k);
		if (values[k] > ALTP2M_ACCESS_DEFAULT ||
		    !(ok & BIT(values[k])))
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
