// SPDX-License-Identifier: GPL-2.0
/*
 * The view engine's tables (see view.c for the whole): finding a gfn's
 * slot and the next leaf, linking new tables and splitting 2 MiB leaves,
 * the journal that undoes those links when a call fails, pruning tables
 * left empty, lazy fill (view 0 from host_frame(), another view from view
 * 0), and the end of every call: one flush per changed view, then the
 * unlinked tables go. The first phase of every call that can fail is made
 * of these; only a fill with @populate writes a leaf, and it only adds a
 * translation that was not there.
 */
#include <linux/bitmap.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/types.h>

#include "ept.h"
#include "view.h"
#include "view_internal.h"

/* ---- tables ---------------------------------------------------------- */

static u64 *view_table_alloc(struct altp2m_view *v, u64 *hpa)
{
	struct altp2m_views *vs = v->views;
	u64 *table;

	if (vs->applying)
		vs->stats.late_allocs++;
	table = vs->ops->alloc_table(vs->ctx, v->idx, hpa);
	if (table)
		v->ept.nr_tables++;
	return table;
}

/*
 * An unlinked table goes to the owner's queue; the CPU may have cached the
 * link to it, so its view is flushed before release_tables() frees it.
 */
static void view_table_free(struct altp2m_view *v, u64 *table, u64 hpa)
{
	struct altp2m_views *vs = v->views;

	v->ept.nr_tables--;
	view_dirty(vs, v);
	vs->tables_queued = 1;
	vs->ops->free_table(vs->ctx, v->idx, table, hpa);
}

/**
 * altp2m_view_next_leaf - the first leaf at or after a gfn
 * @vs: the engine
 * @v: the view
 * @gfn: where to start; set to the leaf's first gfn (below the given one
 *	for a 2 MiB leaf that covers it)
 * @end: the gfn to stop before
 * @level: set to the leaf's level
 *
 * Empty entries are skipped a whole table's span at a time.
 *
 * Return: the leaf's slot, or NULL when there is none.
 */
u64 *altp2m_view_next_leaf(const struct altp2m_views *vs,
			   const struct altp2m_view *v, u64 *gfn, u64 end,
			   unsigned int *level)
{
	u64 g = *gfn;

	while (g < end) {
		unsigned int l = ALTP2M_EPT_LEVELS;
		u64 *table = v->ept.root;

		for (;;) {
			u64 *slot = &table[view_index(g, l)];
			u64 e = READ_ONCE(*slot);
			u64 span = view_span(l);

			if (view_is_table(e, l)) {
				table = view_table_va(vs, e);
				l--;
				continue;
			}
			if (view_populated(e)) {
				*gfn = g & ~(span - 1);
				*level = l;
				return slot;
			}
			g = (g & ~(span - 1)) + span;
			/* Past this table: start again from the root. */
			if (g >= end || !view_index(g, l))
				break;
		}
	}
	return NULL;
}

static bool view_table_empty(const u64 *table)
{
	unsigned int i;

	for (i = 0; i < ALTP2M_EPT_ENTRIES; i++)
		if (!view_empty(READ_ONCE(table[i])))
			return false;
	return true;
}

/* ---- journal --------------------------------------------------------- */

/* Room for one more record, so that a link cannot fail after the fact. */
static int view_journal_reserve(struct altp2m_views *vs)
{
	struct altp2m_view_journal *j = vs->jtop, *more;

	if (j->n < ALTP2M_VIEW_JOURNAL_RECS)
		return 0;
	more = kmalloc(sizeof(*more), GFP_KERNEL_ACCOUNT);
	if (!more)
		return -ENOMEM;
	more->prev = j;
	more->n = 0;
	vs->jtop = more;
	return 0;
}

static void view_journal_add(struct altp2m_views *vs, u64 *slot, u64 old,
			     struct altp2m_view *v)
{
	struct altp2m_view_journal *j = vs->jtop;

	j->rec[j->n].slot = slot;
	j->rec[j->n].old = old;
	j->rec[j->n].view = v;
	j->n++;
}

/**
 * altp2m_view_journal_end - close the journal view_journal_begin() opened
 * @vs: the engine
 * @undo: first unlink every table it recorded, newest first, putting back
 *	what each slot held (a 2 MiB leaf for a split)
 *
 * Newer links are deeper or later, so a table is always empty of new
 * links when it is unlinked itself.
 */
void altp2m_view_journal_end(struct altp2m_views *vs, bool undo)
{
	struct altp2m_view_journal *j = vs->jtop;

	for (;;) {
		while (undo && j->n) {
			u64 *slot = j->rec[--j->n].slot;
			u64 old = j->rec[j->n].old;
			struct altp2m_view *v = j->rec[j->n].view;
			u64 cur = READ_ONCE(*slot);

			WRITE_ONCE(*slot, old);
			if (view_populated(old))
				v->nr_leaves -= VIEW_PT_GFNS - 1;
			view_table_free(v, view_table_va(vs, cur),
					cur & ALTP2M_EPT_ADDR_MASK);
		}
		j->n = 0;
		if (j == &vs->journal)
			break;
		vs->jtop = j->prev;
		kfree(j);
		j = vs->jtop;
	}
	vs->journaling = 0;
}

/**
 * altp2m_view_link - link a new table in place of an entry
 * @vs: the engine
 * @v: the view
 * @slot: the entry
 * @level: its level, > 1
 *
 * The entry holds nothing, and the table starts empty, or a leaf, which
 * is split into pieces with the very same translation and bits, so no
 * CPU can tell. Either way every entry is written before the link.
 * Journaled when journaling, logged inside a transaction; the record
 * keeps the exact old value for the undo.
 *
 * Return: 0, -ENOMEM, or inside a transaction -E2BIG or the error that
 * failed it.
 */
int altp2m_view_link(struct altp2m_views *vs, struct altp2m_view *v,
		     u64 *slot, unsigned int level)
{
	u64 old = READ_ONCE(*slot), hpa, *table;
	unsigned int i;
	int ret;

	if (vs->journaling) {
		ret = view_journal_reserve(vs);
		if (ret)
			return ret;
	} else if (vs->txn) {
		/* Make sure the link can be logged before it is made. */
		ret = altp2m_view_txn_may_write(vs);
		if (ret)
			return ret;
	}
	table = view_table_alloc(v, &hpa);
	if (!table)
		return -ENOMEM;
	if (view_populated(old)) {
		u64 step = view_span(level - 1) << VIEW_PAGE_SHIFT;
		u64 bits = old & ~(ALTP2M_EPT_ADDR_MASK | ALTP2M_EPT_LARGE);
		u64 frame = old & ALTP2M_EPT_ADDR_MASK;

		if (level - 1 > 1)
			bits |= ALTP2M_EPT_LARGE;
		for (i = 0; i < ALTP2M_EPT_ENTRIES; i++)
			table[i] = (frame + i * step) | bits;
		v->nr_leaves += VIEW_PT_GFNS - 1;
		vs->stats.splits++;
	} else {
		altp2m_ept_clear_table(table);
	}
	/* The table's contents must be in memory before the link. */
	barrier();
	view_set(vs, v, slot, hpa | VIEW_NONLEAF |
		 (view_populated(old) && level == 2 ?
		  ALTP2M_VIEW_SW_PT_FULL : 0));
	if (vs->journaling)
		view_journal_add(vs, slot, old, v);
	return 0;
}

/**
 * altp2m_view_make_slot - the slot of a gfn at a level, made if needed
 * @vs: the engine
 * @v: the view
 * @gfn: the gfn
 * @level: the level
 * @slotp: set to the slot
 *
 * Tables are linked (and a larger leaf split) on the way as needed.
 *
 * Return: 0 or -ENOMEM.
 */
int altp2m_view_make_slot(struct altp2m_views *vs, struct altp2m_view *v,
			  u64 gfn, unsigned int level, u64 **slotp)
{
	unsigned int at;
	u64 *slot;
	int ret;

	for (;;) {
		slot = view_find(vs, v, gfn, level, &at);
		if (at == level)
			break;
		ret = altp2m_view_link(vs, v, slot, at);
		if (ret)
			return ret;
	}
	*slotp = slot;
	return 0;
}

/**
 * altp2m_view_prune_tables - free the empty tables on a gfn's path
 * @vs: the engine
 * @v: the view
 * @gfn: the gfn
 * @went: a leaf of @gfn went
 *
 * Unlink and free the tables on @gfn's path that hold nothing, lowest
 * first; the root stays. When a leaf @went, clear the full mark of its
 * page table if that stays: every path that removes a leaf from a page
 * table ends here (through view_prune()).
 *
 * Inside a transaction no table is unlinked: the mark is kept exact, and
 * the gfn is noted so that the commit prunes (an abort must find every
 * table where the log left it).
 */
void altp2m_view_prune_tables(struct altp2m_views *vs,
			      struct altp2m_view *v, u64 gfn, bool went)
{
	u64 *table[ALTP2M_EPT_LEVELS], *parent[ALTP2M_EPT_LEVELS];
	unsigned int l = ALTP2M_EPT_LEVELS, k;
	u64 *t = v->ept.root;

	while (l > 1) {
		u64 *slot = &t[view_index(gfn, l)];
		u64 e = READ_ONCE(*slot);

		if (!view_is_table(e, l))
			break;
		t = view_table_va(vs, e);
		l--;
		table[l] = t;
		parent[l] = slot;
	}
	for (k = l; k < ALTP2M_EPT_LEVELS; k++) {
		u64 e = READ_ONCE(*parent[k]);

		if (!view_table_empty(table[k])) {
			/* A leaf went: the table is not full any more. */
			if (went && k == 1 && (e & ALTP2M_VIEW_SW_PT_FULL))
				view_set(vs, v, parent[k],
					 e & ~ALTP2M_VIEW_SW_PT_FULL);
			break;
		}
		if (vs->txn) {
			altp2m_view_txn_note(vs, VIEW_UNDO_PRUNE, v, gfn);
			break;
		}
		WRITE_ONCE(*parent[k], ALTP2M_EPT_EMPTY);
		view_table_free(v, table[k], e & ALTP2M_EPT_ADDR_MASK);
	}
}

/* ---- filling --------------------------------------------------------- */

/**
 * altp2m_view_fill_host - view 0's leaf of a gfn, filled when missing
 * @vs: the engine
 * @gfn: the gfn
 * @want2m: a 2 MiB leaf when the host allows it and no table is in the way
 * @populate: fill; when false (first phase) the gfn is only checked to be
 *	guest RAM and the tables the fill will need are linked
 * @slotp: set to the leaf's slot
 * @levelp: set to its level (without @populate: the level the fill will
 *	have)
 *
 * The leaf is filled from host_frame().
 *
 * Return: 0, -ESRCH when @gfn is not guest RAM, -ENOMEM, or an error of
 * host_frame().
 */
int altp2m_view_fill_host(struct altp2m_views *vs, u64 gfn, bool want2m,
			  bool populate, u64 **slotp, unsigned int *levelp)
{
	struct altp2m_view *h = &vs->host;
	unsigned int at, lvl, max_level = 1;
	u64 *slot, hpa, e;
	int ret;

	slot = view_find(vs, h, gfn, 1, &at);
	if (view_populated(READ_ONCE(*slot)))
		goto out;
	ret = vs->ops->host_frame(vs->ctx, gfn, &hpa, &max_level);
	if (ret)
		return ret == -ENOENT ? -ESRCH : ret;
	if (hpa & ~ALTP2M_EPT_ADDR_MASK)
		return -EIO;
	lvl = 1;
	if (want2m && max_level >= 2 && at >= 2) {
		hpa -= (gfn & (VIEW_PT_GFNS - 1)) << VIEW_PAGE_SHIFT;
		if (!(hpa & (altp2m_ept_level_size(2) - 1)))
			lvl = 2;
		else
			hpa += (gfn & (VIEW_PT_GFNS - 1)) << VIEW_PAGE_SHIFT;
	}
	if (at != lvl) {
		ret = altp2m_view_make_slot(vs, h, gfn, lvl, &slot);
		if (ret)
			return ret;
	}
	at = lvl;
	if (!populate)
		goto out;
	e = hpa | VIEW_RAM_TYPE | view_access_bits(ALTP2M_ACCESS_RWX) |
	    ALTP2M_EPT_SVE | (lvl == 2 ? ALTP2M_EPT_LARGE : 0);
	/* Was not present: nothing to flush. */
	view_set(vs, h, slot, e);
	h->nr_leaves++;
	h->nr_pages += view_span(lvl);
	vs->stats.fills++;
	if (lvl == 2)
		vs->stats.fills_2m++;
out:
	*slotp = slot;
	*levelp = at;
	return 0;
}

/**
 * altp2m_view_fill - a view's leaf of a gfn, filled when missing
 * @vs: the engine
 * @v: the view
 * @gfn: the gfn
 * @want2m: as for altp2m_view_fill_host()
 * @populate: as for altp2m_view_fill_host()
 * @slotp: as for altp2m_view_fill_host()
 * @levelp: as for altp2m_view_fill_host()
 *
 * From the host for view 0; for another view from view 0 (filled first),
 * copying frame, memory type and size (2 MiB only when @want2m and no
 * table is in the way), with @v's default access and SVE set.
 *
 * Return: as altp2m_view_fill_host().
 */
int altp2m_view_fill(struct altp2m_views *vs, struct altp2m_view *v,
		     u64 gfn, bool want2m, bool populate, u64 **slotp,
		     unsigned int *levelp)
{
	unsigned int at, lvl, l0;
	u64 *slot, *s0, e0, e;
	int ret;

	if (!v->idx)
		return altp2m_view_fill_host(vs, gfn, want2m, populate, slotp,
					     levelp);
	slot = view_find(vs, v, gfn, 1, &at);
	if (view_populated(READ_ONCE(*slot)))
		goto out;
	ret = altp2m_view_fill_host(vs, gfn, true, populate, &s0, &l0);
	if (ret)
		return ret;
	lvl = want2m && l0 == 2 && at >= 2 ? 2 : 1;
	if (at != lvl) {
		ret = altp2m_view_make_slot(vs, v, gfn, lvl, &slot);
		if (ret)
			return ret;
	}
	at = lvl;
	if (!populate)
		goto out;
	e0 = READ_ONCE(*s0);
	if (lvl == 2)
		e = e0 & ALTP2M_EPT_ADDR_MASK;
	else
		e = view_piece(e0, l0, gfn & ~(view_span(l0) - 1), gfn);
	e |= (e0 & VIEW_TYPE_MASK) | view_access_bits(v->default_access) |
	     ALTP2M_EPT_SVE | (lvl == 2 ? ALTP2M_EPT_LARGE : 0);
	view_set(vs, v, slot, e);
	v->nr_leaves++;
	v->nr_pages += view_span(lvl);
	vs->stats.fills++;
	if (lvl == 2)
		vs->stats.fills_2m++;
out:
	*slotp = slot;
	*levelp = at;
	return 0;
}

/**
 * altp2m_view_host_ram - whether a gfn is guest RAM
 * @vs: the engine
 * @gfn: the gfn
 *
 * Return: 0 when view 0 holds @gfn or the host knows it, -ESRCH when it
 * is not guest RAM, or an error of host_frame().
 */
int altp2m_view_host_ram(struct altp2m_views *vs, u64 gfn)
{
	unsigned int at, max_level = 1;
	u64 hpa;
	int ret;

	if (view_populated(READ_ONCE(*view_find(vs, &vs->host, gfn, 1, &at))))
		return 0;
	ret = vs->ops->host_frame(vs->ctx, gfn, &hpa, &max_level);
	return ret == -ENOENT ? -ESRCH : ret;
}

/* ---- the end of every call ------------------------------------------- */

/**
 * altp2m_view_finish - the end of every public call
 * @vs: the engine
 *
 * One flush per view the call changed, then the tables it unlinked may
 * go: no CPU can reach them any more.
 */
void altp2m_view_finish(struct altp2m_views *vs)
{
	unsigned int i;

	for_each_set_bit(i, vs->dirty, ALTP2M_VIEWS_MAX) {
		vs->ops->flush_view(vs->ctx, i);
		vs->stats.flushes++;
	}
	bitmap_zero(vs->dirty, ALTP2M_VIEWS_MAX);
	if (vs->tables_queued && vs->ops->release_tables)
		vs->ops->release_tables(vs->ctx);
	vs->tables_queued = 0;
	vs->applying = 0;
}
