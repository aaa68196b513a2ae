// SPDX-License-Identifier: GPL-2.0
/*
 * The view engine; see view.h for the interface, the leaf format and the
 * invariant it keeps.
 *
 * Leaves are written here rather than through altp2m_ept_map() and its
 * siblings, for three reasons: a leaf with access n is not present to the
 * CPU yet keeps its frame and access (ept.c would treat it as empty and
 * free its table); bulk changes edit a table in place, one store per
 * entry, instead of walking from the root for each gfn; and all-or-nothing
 * needs every table link journaled so that a failure can be undone
 * exactly. ept.c still creates, destroys and points at each hierarchy.
 *
 * Every call that can fail runs in two phases. The first checks and
 * builds: it validates the arguments, asks host_frame() about every gfn
 * it will fill, and links every table the second phase will write into,
 * splitting 2 MiB leaves where a 4 KiB change needs it. None of that
 * changes a translation, and each link is journaled; on failure the
 * journal is replayed backwards and every hierarchy is bit-identical to
 * what it was. The second phase fills and edits leaves and cannot fail.
 *
 * Only leaves of 4 KiB and 2 MiB exist: the engine never makes 1 GiB ones.
 * No recursion: walks are loops over levels.
 *
 * An entry that holds nothing is ALTP2M_EPT_EMPTY (SVE set), never 0, at
 * every level and in every view: a new table is filled with it before it
 * is linked, and every entry the engine clears gets it back. So with
 * "EPT-violation #VE" on, a gfn a view has not filled yet still exits for
 * lazy fill rather than raising #VE in the guest; only a leaf's own SVE,
 * parked leaves included, is the user's choice.
 */
#include <linux/bitmap.h>
#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/hash.h>
#include <linux/list.h>
#include <linux/prefetch.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/types.h>

#include "ept.h"
#include "view.h"

#define VIEW_PT_GFNS		512ULL	/* gfns one 2 MiB leaf maps */
#define VIEW_PAGE_SHIFT		ALTP2M_EPT_PAGE_SHIFT
/* Tables are linked with every right, as ept.c does: leaves decide. */
#define VIEW_NONLEAF		(ALTP2M_EPT_RWX | ALTP2M_EPT_XU)
/* Guest RAM: write-back, ignoring the guest's PAT, as memory.c does. */
#define VIEW_RAM_TYPE		(ALTP2M_EPT_MT(ALTP2M_EPT_MT_WB) | \
				 ALTP2M_EPT_IPAT)
#define VIEW_TYPE_MASK		(ALTP2M_EPT_MT_MASK | ALTP2M_EPT_IPAT)
#define VIEW_ACCESS_BITS	(ALTP2M_EPT_RWX | ALTP2M_VIEW_SW_ACCESS_MASK)
#define VIEW_RMAP_MIN_BITS	6
#define VIEW_RMAP_MAX_BITS	24

/**
 * struct altp2m_remap - one remap: gfn @gfn of view @view maps @target's
 * frame
 * @by_target: in the bucket of @target (the reverse map)
 * @by_gfn: in the bucket of (@view, @gfn)
 * @gfn: the remapped gfn
 * @target: the gfn whose host frame it maps
 * @view: the view
 */
struct altp2m_remap {
	struct hlist_node by_target;
	struct hlist_node by_gfn;
	u64 gfn;
	u64 target;
	unsigned int view;
};

/* What an edit does to a leaf: new = (old & ~clear) | set. */
struct view_edit {
	u64 clear;
	u64 set;
};

/* Hardware rights of each access code; w and wx are never stored. */
static const u8 view_perms[ALTP2M_ACCESS_DEFAULT] = {
	[ALTP2M_ACCESS_N] = 0,
	[ALTP2M_ACCESS_R] = ALTP2M_EPT_R,
	[ALTP2M_ACCESS_W] = ALTP2M_EPT_W,
	[ALTP2M_ACCESS_RW] = ALTP2M_EPT_R | ALTP2M_EPT_W,
	[ALTP2M_ACCESS_X] = ALTP2M_EPT_X,
	[ALTP2M_ACCESS_RX] = ALTP2M_EPT_R | ALTP2M_EPT_X,
	[ALTP2M_ACCESS_WX] = ALTP2M_EPT_W | ALTP2M_EPT_X,
	[ALTP2M_ACCESS_RWX] = ALTP2M_EPT_RWX,
	[ALTP2M_ACCESS_RX2RW] = ALTP2M_EPT_R | ALTP2M_EPT_X,
	[ALTP2M_ACCESS_N2RWX] = 0,
};

static u64 view_min(u64 a, u64 b)
{
	return a < b ? a : b;
}

/* Gfns one entry of @level maps. */
static u64 view_span(unsigned int level)
{
	return 1ULL << (9 * (level - 1));
}

static unsigned int view_index(u64 gfn, unsigned int level)
{
	return (gfn >> (9 * (level - 1))) & (ALTP2M_EPT_ENTRIES - 1);
}

/* A leaf of the engine, present to the CPU or parked. */
static bool view_populated(u64 e)
{
	return e & ALTP2M_VIEW_SW_ACCESS_MASK;
}

/* An entry that holds nothing: neither a table link nor a leaf. */
static bool view_empty(u64 e)
{
	return e == ALTP2M_EPT_EMPTY;
}

static bool view_is_table(u64 e, unsigned int level)
{
	return level > 1 && altp2m_ept_present(e) && !(e & ALTP2M_EPT_LARGE);
}

static u64 view_access_bits(unsigned int code)
{
	return view_perms[code] |
	       ((u64)(code + 1) << ALTP2M_VIEW_SW_ACCESS_SHIFT);
}

static unsigned int view_code(u64 e)
{
	return ((e & ALTP2M_VIEW_SW_ACCESS_MASK) >>
		ALTP2M_VIEW_SW_ACCESS_SHIFT) - 1;
}

/* The host frame @gfn has inside the leaf @e of @level at @base. */
static u64 view_piece(u64 e, unsigned int level, u64 base, u64 gfn)
{
	return (e & ALTP2M_EPT_ADDR_MASK) +
	       ((gfn - base) & (view_span(level) - 1)) * (1ULL << 12);
}

/*
 * Whether a CPU may hold something about @old that @new makes wrong: not
 * for an entry that was not present (never cached) nor for rights only
 * added (the stale, narrower translation faults and the fault drops it).
 * The software bits are the CPU's concern in no way.
 */
static bool view_needs_flush(u64 old, u64 new)
{
	const u64 same = ALTP2M_EPT_ADDR_MASK | VIEW_TYPE_MASK |
			 ALTP2M_EPT_LARGE | ALTP2M_EPT_SVE;

	if (!altp2m_ept_present(old))
		return false;
	return ((old ^ new) & same) || (old & ~new & ALTP2M_EPT_RWX);
}

/*
 * @access as a code to store: "default" is the host's default access,
 * rwx, in every view (as Xen resolves it against the host p2m), and what
 * the CPU cannot do is refused.
 */
static int view_resolve(const struct altp2m_views *vs, unsigned int access,
			u8 *code)
{
	switch (access) {
	case ALTP2M_ACCESS_DEFAULT:
		*code = ALTP2M_ACCESS_RWX;
		return 0;
	case ALTP2M_ACCESS_W:
	case ALTP2M_ACCESS_WX:
		return -EINVAL;
	case ALTP2M_ACCESS_X:
		if (!(vs->flags & ALTP2M_VIEWS_EXEC_ONLY))
			return -EINVAL;
		break;
	default:
		if (access > ALTP2M_ACCESS_DEFAULT)
			return -EINVAL;
	}
	*code = access;
	return 0;
}

/* The code of an access view_resolve() accepted. */
static u8 view_resolved(unsigned int access)
{
	return access == ALTP2M_ACCESS_DEFAULT ? ALTP2M_ACCESS_RWX : access;
}

/*
 * One step of a long walk (a 2 MiB block, a leaf table, a list pair, a
 * view): every ALTP2M_VIEW_RESCHED_EVERY of them the owner may reschedule.
 */
static void view_tick(struct altp2m_views *vs)
{
	if (++vs->ticks < ALTP2M_VIEW_RESCHED_EVERY)
		return;
	vs->ticks = 0;
	if (vs->ops->resched)
		vs->ops->resched(vs->ctx);
}

/* Fail with @err, noting that @arg was at fault (see vs->why). */
static int view_refuse(struct altp2m_views *vs, int err, u8 arg)
{
	vs->why.arg = arg;
	vs->why.in_list = 0;
	return err;
}

/* The same for pair @k of a list. */
static int view_refuse_entry(struct altp2m_views *vs, int err, u8 arg,
			     u64 k)
{
	vs->why.arg = arg;
	vs->why.in_list = 1;
	vs->why.entry = k;
	return err;
}

/* View @idx: -EOPNOTSUPP while altp2m is off, -EINVAL, -ENOENT. */
static int view_lookup(struct altp2m_views *vs, unsigned int idx,
		       struct altp2m_view **vp)
{
	if (!idx) {
		*vp = &vs->host;
		return 0;
	}
	if (!vs->max_views)
		return -EOPNOTSUPP;
	if (idx >= vs->max_views)
		return view_refuse(vs, -EINVAL, ALTP2M_WHY_VIEW_MAX);
	if (!vs->view[idx])
		return -ENOENT;
	*vp = vs->view[idx];
	return 0;
}

static void view_dirty(struct altp2m_views *vs, struct altp2m_view *v)
{
	__set_bit(v->idx, vs->dirty);
}

/* ---- tables ---------------------------------------------------------- */

static u64 *view_table_va(const struct altp2m_views *vs, u64 e)
{
	return vs->ops->table_va(vs->ctx, e & ALTP2M_EPT_ADDR_MASK);
}

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

/* ept.c's callbacks (root allocation and teardown) for view @ctx. */
static void *view_ept_alloc(void *ctx, u64 *hpa)
{
	struct altp2m_view *v = ctx;

	return v->views->ops->alloc_table(v->views->ctx, v->idx, hpa);
}

static void view_ept_free(void *ctx, void *table, u64 hpa)
{
	struct altp2m_view *v = ctx;
	struct altp2m_views *vs = v->views;

	view_dirty(vs, v);
	vs->tables_queued = 1;
	vs->ops->free_table(vs->ctx, v->idx, table, hpa);
}

static void *view_ept_va(void *ctx, u64 hpa)
{
	struct altp2m_view *v = ctx;

	return v->views->ops->table_va(v->views->ctx, hpa);
}

static const struct altp2m_ept_ops view_ept_ops = {
	.alloc_table = view_ept_alloc,
	.free_table = view_ept_free,
	.table_va = view_ept_va,
};

/*
 * Descend towards @gfn; return the slot where the walk ends: at level
 * @stop, or higher at an entry that is empty or a leaf.
 */
static u64 *view_find(const struct altp2m_views *vs,
		      const struct altp2m_view *v, u64 gfn, unsigned int stop,
		      unsigned int *level)
{
	unsigned int l = ALTP2M_EPT_LEVELS;
	u64 *table = v->ept.root;

	for (;;) {
		u64 *slot = &table[view_index(gfn, l)];
		u64 e;

		/* Not reading the last slot lets callers prefetch it. */
		if (l == stop) {
			*level = l;
			return slot;
		}
		e = READ_ONCE(*slot);
		if (!view_is_table(e, l)) {
			*level = l;
			return slot;
		}
		table = view_table_va(vs, e);
		l--;
	}
}

/*
 * The first leaf at or after *@gfn and below @end: its slot, its level
 * and, in *@gfn, its first gfn (below the given one for a 2 MiB leaf that
 * covers it). NULL when there is none. Empty entries are skipped a whole
 * table's span at a time.
 */
static u64 *view_next_leaf(const struct altp2m_views *vs,
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

static void view_journal_begin(struct altp2m_views *vs)
{
	vs->journaling = 1;
}

/*
 * Close the journal; with @undo, first unlink every table it recorded,
 * newest first, putting back what each slot held (a 2 MiB leaf for a
 * split). Newer links are deeper or later, so a table is always empty of
 * new links when it is unlinked itself.
 */
static void view_journal_end(struct altp2m_views *vs, bool undo)
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

/*
 * Link a new table at @slot (level @level > 1) in place of what is there:
 * nothing, and the table starts empty, or a leaf, which is split into
 * pieces with the very same translation and bits, so no CPU can tell.
 * Either way every entry is written before the link. Journaled when
 * journaling; the record keeps the exact old value for the undo.
 */
static int view_link(struct altp2m_views *vs, struct altp2m_view *v,
		     u64 *slot, unsigned int level)
{
	u64 old = READ_ONCE(*slot), hpa, *table;
	unsigned int i;
	int ret;

	if (vs->journaling) {
		ret = view_journal_reserve(vs);
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
	WRITE_ONCE(*slot, hpa | VIEW_NONLEAF |
		   (view_populated(old) && level == 2 ?
		    ALTP2M_VIEW_SW_PT_FULL : 0));
	if (vs->journaling)
		view_journal_add(vs, slot, old, v);
	return 0;
}

/*
 * The slot at @level for @gfn, linking tables (and splitting a larger
 * leaf) on the way as needed.
 */
static int view_make_slot(struct altp2m_views *vs, struct altp2m_view *v,
			  u64 gfn, unsigned int level, u64 **slotp)
{
	unsigned int at;
	u64 *slot;
	int ret;

	for (;;) {
		slot = view_find(vs, v, gfn, level, &at);
		if (at == level)
			break;
		ret = view_link(vs, v, slot, at);
		if (ret)
			return ret;
	}
	*slotp = slot;
	return 0;
}

/*
 * Unlink and free the tables on @gfn's path that hold nothing, lowest
 * first; the root stays. When a leaf @went, clear the full mark of its
 * page table if that stays: every path that removes a leaf from a page
 * table ends here (through view_prune()).
 */
static void view_prune_tables(struct altp2m_views *vs,
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
				WRITE_ONCE(*parent[k],
					   e & ~ALTP2M_VIEW_SW_PT_FULL);
			break;
		}
		WRITE_ONCE(*parent[k], ALTP2M_EPT_EMPTY);
		view_table_free(v, table[k], e & ALTP2M_EPT_ADDR_MASK);
	}
}

static void view_prune(struct altp2m_views *vs, struct altp2m_view *v,
		       u64 gfn)
{
	view_prune_tables(vs, v, gfn, true);
}

/* ---- filling --------------------------------------------------------- */

/*
 * The view-0 leaf covering @gfn, filled from host_frame() when missing:
 * 2 MiB when @want2m, the host allows it and no table is in the way.
 * With @populate false (first phase) nothing is filled: the gfn is only
 * checked to be guest RAM and the tables the fill will need are linked;
 * *@levelp is then the level the fill will have.
 *
 * Return: 0, -ESRCH when @gfn is not guest RAM, -ENOMEM, or an error of
 * host_frame().
 */
static int view_fill_host(struct altp2m_views *vs, u64 gfn, bool want2m,
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
		ret = view_make_slot(vs, h, gfn, lvl, &slot);
		if (ret)
			return ret;
	}
	at = lvl;
	if (!populate)
		goto out;
	e = hpa | VIEW_RAM_TYPE | view_access_bits(ALTP2M_ACCESS_RWX) |
	    ALTP2M_EPT_SVE | (lvl == 2 ? ALTP2M_EPT_LARGE : 0);
	/* Was not present: nothing to flush. */
	WRITE_ONCE(*slot, e);
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

/*
 * The leaf of view @v covering @gfn, filled when missing: from the host
 * for view 0; for another view from view 0 (filled first), copying frame,
 * memory type and size (2 MiB only when @want2m and no table is in the
 * way), with @v's default access and SVE set. @populate as for
 * view_fill_host().
 */
static int view_fill(struct altp2m_views *vs, struct altp2m_view *v,
		     u64 gfn, bool want2m, bool populate, u64 **slotp,
		     unsigned int *levelp)
{
	unsigned int at, lvl, l0;
	u64 *slot, *s0, e0, e;
	int ret;

	if (!v->idx)
		return view_fill_host(vs, gfn, want2m, populate, slotp,
				      levelp);
	slot = view_find(vs, v, gfn, 1, &at);
	if (view_populated(READ_ONCE(*slot)))
		goto out;
	ret = view_fill_host(vs, gfn, true, populate, &s0, &l0);
	if (ret)
		return ret;
	lvl = want2m && l0 == 2 && at >= 2 ? 2 : 1;
	if (at != lvl) {
		ret = view_make_slot(vs, v, gfn, lvl, &slot);
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
	WRITE_ONCE(*slot, e);
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

/* 0 when @gfn is guest RAM (view 0 holds it or the host knows it). */
static int view_host_ram(struct altp2m_views *vs, u64 gfn)
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

/*
 * One flush per view the call changed, then the tables it unlinked may
 * go: no CPU can reach them any more.
 */
static void view_finish(struct altp2m_views *vs)
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

/* ---- reverse map ------------------------------------------------------ */

static struct hlist_head *view_rmap_tbucket(const struct altp2m_views *vs,
					    u64 target)
{
	return &vs->rmap_by_target[hash_64(target, vs->rmap_bits)];
}

static struct hlist_head *view_rmap_gbucket(const struct altp2m_views *vs,
					    unsigned int view, u64 gfn)
{
	/* gfn < 2^36 and view < 2^9: the pair fits one key. */
	return &vs->rmap_by_gfn[hash_64(gfn | (u64)view << 36,
					vs->rmap_bits)];
}

static struct altp2m_remap *view_rmap_find(const struct altp2m_views *vs,
					   unsigned int view, u64 gfn)
{
	struct altp2m_remap *r;

	hlist_for_each_entry(r, view_rmap_gbucket(vs, view, gfn), by_gfn)
		if (r->gfn == gfn && r->view == view)
			return r;
	return NULL;
}

static int view_rmap_alloc(struct altp2m_views *vs, unsigned int bits)
{
	struct hlist_head *t, *g;

	t = kvcalloc(1UL << bits, sizeof(*t), GFP_KERNEL_ACCOUNT);
	g = kvcalloc(1UL << bits, sizeof(*g), GFP_KERNEL_ACCOUNT);
	if (!t || !g) {
		kvfree(t);
		kvfree(g);
		return -ENOMEM;
	}
	vs->rmap_by_target = t;
	vs->rmap_by_gfn = g;
	vs->rmap_bits = bits;
	return 0;
}

/*
 * Double both hashes once they hold a remap per bucket. Best effort: if
 * memory is short the chains just get longer.
 */
static void view_rmap_grow(struct altp2m_views *vs)
{
	struct hlist_head *old_t = vs->rmap_by_target;
	struct hlist_head *old_g = vs->rmap_by_gfn;
	unsigned int bits = vs->rmap_bits, i;
	struct hlist_node *tmp;
	struct altp2m_remap *r;

	if (vs->nr_remaps < (1ULL << bits) || bits >= VIEW_RMAP_MAX_BITS)
		return;
	if (view_rmap_alloc(vs, bits + 1))
		return;
	for (i = 0; i < (1U << bits); i++) {
		hlist_for_each_entry_safe(r, tmp, &old_g[i], by_gfn) {
			hlist_add_head(&r->by_gfn,
				       view_rmap_gbucket(vs, r->view, r->gfn));
			hlist_add_head(&r->by_target,
				       view_rmap_tbucket(vs, r->target));
		}
	}
	kvfree(old_t);
	kvfree(old_g);
}

static void view_rmap_insert(struct altp2m_views *vs, struct altp2m_remap *r)
{
	hlist_add_head(&r->by_gfn, view_rmap_gbucket(vs, r->view, r->gfn));
	hlist_add_head(&r->by_target, view_rmap_tbucket(vs, r->target));
	vs->nr_remaps++;
	vs->view[r->view]->nr_remaps++;
	view_rmap_grow(vs);
}

static void view_rmap_remove(struct altp2m_views *vs, struct altp2m_remap *r)
{
	hlist_del(&r->by_gfn);
	hlist_del(&r->by_target);
	vs->nr_remaps--;
	if (vs->view[r->view])
		vs->view[r->view]->nr_remaps--;
	kfree(r);
}

/*
 * Remove a remap and its leaf: the gfn goes back to lazy fill, with the
 * host's frame.
 */
static void view_rmap_drop(struct altp2m_views *vs, struct altp2m_remap *r)
{
	struct altp2m_view *v = vs->view[r->view];
	unsigned int at;
	u64 *slot, e;

	slot = view_find(vs, v, r->gfn, 1, &at);
	e = READ_ONCE(*slot);
	WRITE_ONCE(*slot, ALTP2M_EPT_EMPTY);
	v->nr_leaves--;
	v->nr_pages--;
	if (altp2m_ept_present(e))
		view_dirty(vs, v);
	view_prune(vs, v, r->gfn);
	view_rmap_remove(vs, r);
}

/* Every remap of view @idx (or of every view, for ALTP2M_VIEWS_MAX). */
static void view_rmap_forget(struct altp2m_views *vs, unsigned int idx)
{
	struct hlist_node *tmp;
	struct altp2m_remap *r;
	unsigned int i;

	if (!vs->rmap_by_gfn)
		return;
	for (i = 0; i < (1U << vs->rmap_bits); i++)
		hlist_for_each_entry_safe(r, tmp, &vs->rmap_by_gfn[i], by_gfn)
			if (idx == ALTP2M_VIEWS_MAX || r->view == idx)
				view_rmap_remove(vs, r);
}

/* ---- editing ---------------------------------------------------------- */

static void view_edit_slot(struct altp2m_views *vs, struct altp2m_view *v,
			   u64 *slot, const struct view_edit *ed)
{
	u64 old = READ_ONCE(*slot), new = (old & ~ed->clear) | ed->set;

	if (new == old)
		return;
	WRITE_ONCE(*slot, new);
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
			if (!fill || view_fill(vs, v, gfn + i, false, true,
					       &filled, &l)) {
				empty = 1;
				continue;
			}
			old = READ_ONCE(pt[i]);
		}
		new = (old & ~clear) | set;
		if (new == old)
			continue;
		WRITE_ONCE(pt[i], new);
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
			ret = view_fill(vs, v, g, false, false, &slot, &l);
			if (ret)
				return ret;
		}
		return 0;
	}
	if (at == 2 && view_populated(e))
		return whole ? 0 : view_link(vs, v, slot, 2);
	if (!fill)
		return 0;
	if (whole) {
		ret = view_fill(vs, v, b, true, false, &slot, &l);
		if (ret || l == 2)
			return ret;
	}
	for (g = lo; g < hi; g++) {
		ret = view_fill(vs, v, g, false, false, &slot, &l);
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
			WRITE_ONCE(*slot, e | ALTP2M_VIEW_SW_PT_FULL);
		return;
	}
	/* One 2 MiB leaf, or none yet: prep made sure the edit is whole. */
	if (!whole)
		return;
	if (at != 2 || !view_populated(e)) {
		if (!fill || view_fill(vs, v, b, true, true, &slot, &l) ||
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

	while ((slot = view_next_leaf(vs, v, &g, end, &level))) {
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

	ret = view_lookup(vs, idx, &v);
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
		ret = view_resolve(vs, value, &code);
		if (ret)
			return view_refuse(vs, ret, ALTP2M_WHY_VALUE);
		view_edit_access(&ed, code);
	}
	if (!npages)
		return 0;
	propagate = !idx && !sve && vs->max_views;

	view_journal_begin(vs);
	ret = view_prep_range(vs, v, gfn, gfn + npages, true);
	if (ret == -ESRCH)
		view_refuse(vs, ret, ALTP2M_WHY_GFN_NOT_RAM);
	for (i = 1; !ret && propagate && (w = view_next_populated(vs, &i));)
		ret = view_prep_range(vs, w, gfn, gfn + npages, false);
	view_journal_end(vs, ret);
	if (!ret) {
		vs->applying = 1;
		view_apply_range(vs, v, gfn, gfn + npages, &ed);
		for (i = 1; propagate && (w = view_next_populated(vs, &i));)
			view_edit_existing(vs, w, gfn, gfn + npages, &ed);
	}
	view_finish(vs);
	return ret;
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

	ret = view_lookup(vs, idx, &v);
	if (ret)
		return ret;
	for (k = 0; k < n; k++) {
		if (gfns[k] >= ALTP2M_VIEW_GFN_LIMIT)
			return view_refuse_entry(vs, -EINVAL,
						 ALTP2M_WHY_GFN_WIDTH, k);
		if (sve ? values[k] > 1 : view_resolve(vs, values[k], &code))
			return view_refuse_entry(vs, -EINVAL, ALTP2M_WHY_VALUE,
						 k);
	}
	propagate = !idx && !sve && vs->max_views;

	view_journal_begin(vs);
	ret = view_prep_list(vs, v, gfns, n, true);
	for (i = 1; !ret && propagate && (w = view_next_populated(vs, &i));)
		ret = view_prep_list(vs, w, gfns, n, false);
	view_journal_end(vs, ret);
	if (ret)
		goto out;

	vs->applying = 1;
	view_apply_list(vs, v, gfns, values, n, sve, true);
	for (i = 1; propagate && (w = view_next_populated(vs, &i));)
		view_apply_list(vs, w, gfns, values, n, false, false);
out:
	view_finish(vs);
	return ret;
}

/*
 * The leaf of @gfn in view @idx, for the get calls. A RAM gfn view 0 did
 * not fill yet reads as the leaf view_fill_host() would write (rwx, SVE
 * set), so that every get answers what a fill would give.
 */
static int view_get_leaf(struct altp2m_views *vs, unsigned int idx, u64 gfn,
			 u64 *e)
{
	struct altp2m_view *v;
	unsigned int at;
	int ret;

	ret = view_lookup(vs, idx, &v);
	if (ret)
		return ret;
	if (gfn >= ALTP2M_VIEW_GFN_LIMIT)
		return view_refuse(vs, -EINVAL, ALTP2M_WHY_GFN_WIDTH);
	*e = READ_ONCE(*view_find(vs, v, gfn, 1, &at));
	if (view_populated(*e))
		return 0;
	if (idx)
		return -ESRCH;
	ret = view_host_ram(vs, gfn);
	if (!ret)
		*e = view_access_bits(ALTP2M_ACCESS_RWX) | ALTP2M_EPT_SVE;
	return ret;
}

/* ---- public interface ------------------------------------------------- */

/**
 * altp2m_views_init - start the engine of a VM with an empty view 0
 * @vs: the engine
 * @ops: the owner's callbacks; all but release_tables are required
 * @ctx: their first argument
 * @flags: ALTP2M_VIEWS_EXEC_ONLY when the CPU supports execute-only
 *
 * Return: 0, -EINVAL for incomplete @ops or unknown @flags, or -ENOMEM
 * (then @vs needs no altp2m_views_destroy()).
 */
int altp2m_views_init(struct altp2m_views *vs,
		      const struct altp2m_views_ops *ops, void *ctx,
		      unsigned int flags)
{
	int ret;

	memset(vs, 0, sizeof(*vs));
	if (!ops || !ops->alloc_table || !ops->free_table || !ops->table_va ||
	    !ops->host_frame || !ops->flush_view ||
	    (flags & ~ALTP2M_VIEWS_EXEC_ONLY))
		return -EINVAL;
	vs->ops = ops;
	vs->ctx = ctx;
	vs->flags = flags;
	vs->jtop = &vs->journal;
	vs->host.views = vs;
	vs->host.default_access = ALTP2M_ACCESS_RWX;
	ret = altp2m_ept_init(&vs->host.ept, &view_ept_ops, &vs->host);
	if (ret)
		vs->ops = NULL;
	return ret;
}

/* Every view >= 1 and every remap, whatever vCPUs are on them. */
static void view_teardown(struct altp2m_views *vs)
{
	unsigned int i;

	if (!vs->max_views)
		return;
	view_rmap_forget(vs, ALTP2M_VIEWS_MAX);
	for (i = 1; i < vs->max_views; i++) {
		if (!vs->view[i])
			continue;
		altp2m_ept_destroy(&vs->view[i]->ept);
		kfree(vs->view[i]);
		vs->view[i] = NULL;
		view_tick(vs);
	}
	kvfree(vs->rmap_by_target);
	kvfree(vs->rmap_by_gfn);
	vs->rmap_by_target = NULL;
	vs->rmap_by_gfn = NULL;
	kfree(vs->view);
	vs->view = NULL;
	vs->max_views = 0;
}

/**
 * altp2m_views_destroy - free every view and table of a VM
 * @vs: the engine; no vCPU may run the VM any more
 *
 * Every view is flushed once more before its tables are released.
 * Destroying again does nothing.
 */
void altp2m_views_destroy(struct altp2m_views *vs)
{
	if (!vs->ops)
		return;
	view_teardown(vs);
	altp2m_ept_destroy(&vs->host.ept);
	view_finish(vs);
	vs->ops = NULL;
}

/**
 * altp2m_views_enable - allow views >= 1
 * @vs: the engine
 * @max_views: view indices will be below this: 1 .. ALTP2M_VIEWS_MAX, or 0
 *	for ALTP2M_VIEWS_DEFAULT (Xen's 10)
 *
 * Return: 0, -EINVAL for a bad @max_views, -EEXIST when already enabled,
 * or -ENOMEM.
 */
int altp2m_views_enable(struct altp2m_views *vs, unsigned int max_views)
{
	if (!max_views)
		max_views = ALTP2M_VIEWS_DEFAULT;
	if (max_views > ALTP2M_VIEWS_MAX)
		return -EINVAL;
	if (vs->max_views)
		return -EEXIST;
	vs->view = kcalloc(max_views, sizeof(*vs->view), GFP_KERNEL_ACCOUNT);
	if (!vs->view)
		return -ENOMEM;
	if (view_rmap_alloc(vs, VIEW_RMAP_MIN_BITS)) {
		kfree(vs->view);
		vs->view = NULL;
		return -ENOMEM;
	}
	vs->view[0] = &vs->host;
	vs->max_views = max_views;
	return 0;
}

/**
 * altp2m_views_disable - destroy every view >= 1 and every remap
 * @vs: the engine
 *
 * View 0 stays as it is. The caller moves every vCPU to view 0 first.
 *
 * Return: 0 (also when not enabled), or -EBUSY with nothing changed when
 * a vCPU is on a view >= 1.
 */
int altp2m_views_disable(struct altp2m_views *vs)
{
	unsigned int i;

	for (i = 1; i < vs->max_views; i++)
		if (vs->view[i] && vs->view[i]->vcpus_on)
			return -EBUSY;
	view_teardown(vs);
	view_finish(vs);
	return 0;
}

/**
 * altp2m_views_create - a new, empty view
 * @vs: the engine
 * @default_access: what lazy fill gives its gfns; ALTP2M_ACCESS_DEFAULT
 *	means rwx (view 0's)
 * @idx: set to its index, the lowest free one (never 0)
 *
 * Return: 0, -EOPNOTSUPP when altp2m is not enabled, -EINVAL for a bad
 * access, -ENOSPC when every index is taken, or -ENOMEM.
 */
int altp2m_views_create(struct altp2m_views *vs, unsigned int default_access,
			unsigned int *idx)
{
	struct altp2m_view *v;
	unsigned int i;
	u8 code;
	int ret;

	if (!vs->max_views)
		return -EOPNOTSUPP;
	ret = view_resolve(vs, default_access, &code);
	if (ret)
		return ret;
	i = 1;
	while (i < vs->max_views && vs->view[i])
		i++;
	if (i == vs->max_views)
		return -ENOSPC;
	v = kzalloc(sizeof(*v), GFP_KERNEL_ACCOUNT);
	if (!v)
		return -ENOMEM;
	v->views = vs;
	v->idx = i;
	v->default_access = code;
	ret = altp2m_ept_init(&v->ept, &view_ept_ops, v);
	if (ret) {
		kfree(v);
		return ret;
	}
	vs->view[i] = v;
	*idx = i;
	return 0;
}

/**
 * altp2m_views_destroy_view - destroy one view and its remaps
 * @vs: the engine
 * @idx: the view; the caller has removed it from every EPTP list
 *
 * Return: 0, -EBUSY for view 0 or a view a vCPU is on, -EOPNOTSUPP when
 * altp2m is not enabled, -EINVAL for an index beyond the maximum, or
 * -ENOENT for a view that does not exist.
 */
int altp2m_views_destroy_view(struct altp2m_views *vs, unsigned int idx)
{
	struct altp2m_view *v;
	int ret;

	if (!idx)
		return -EBUSY;
	ret = view_lookup(vs, idx, &v);
	if (ret)
		return ret;
	if (v->vcpus_on)
		return -EBUSY;
	if (v->nr_remaps)
		view_rmap_forget(vs, idx);
	altp2m_ept_destroy(&v->ept);
	vs->view[idx] = NULL;
	kfree(v);
	view_finish(vs);
	return 0;
}

/**
 * altp2m_views_vcpu_enter - count a vCPU onto a view
 * @vs: the engine
 * @idx: the view
 *
 * While any vCPU is counted on it, a view cannot be destroyed.
 *
 * Return: 0 or the errors of altp2m_views_destroy_view() but -EBUSY.
 */
int altp2m_views_vcpu_enter(struct altp2m_views *vs, unsigned int idx)
{
	struct altp2m_view *v;
	int ret;

	ret = view_lookup(vs, idx, &v);
	if (!ret)
		v->vcpus_on++;
	return ret;
}

/**
 * altp2m_views_vcpu_leave - count a vCPU off a view
 * @vs: the engine
 * @idx: a view altp2m_views_vcpu_enter() counted it onto
 */
void altp2m_views_vcpu_leave(struct altp2m_views *vs, unsigned int idx)
{
	struct altp2m_view *v;

	if (!view_lookup(vs, idx, &v) && v->vcpus_on)
		v->vcpus_on--;
}

/**
 * altp2m_views_eptp - the EPT pointer of a view
 * @vs: the engine
 * @idx: the view
 * @ad: enable accessed and dirty flags
 * @eptp: set to the value for the VMCS or an EPTP-list entry
 *
 * Return: 0 or the errors of altp2m_views_vcpu_enter().
 */
int altp2m_views_eptp(struct altp2m_views *vs, unsigned int idx, bool ad,
		      u64 *eptp)
{
	struct altp2m_view *v;
	int ret;

	ret = view_lookup(vs, idx, &v);
	if (!ret)
		*eptp = altp2m_ept_eptp(&v->ept, ad);
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
 * access, the errors of altp2m_views_vcpu_enter(), or -ENOMEM (nothing is
 * reported; retrying is safe).
 */
int altp2m_views_fault(struct altp2m_views *vs, unsigned int idx, u64 gpa,
		       unsigned int access, struct altp2m_view_fault *out)
{
	u64 gfn = gpa >> VIEW_PAGE_SHIFT, *slot, e;
	struct altp2m_view *v;
	unsigned int level, code;
	struct view_edit ed;
	int ret;

	ret = view_lookup(vs, idx, &v);
	if (ret)
		return ret;
	if (gfn >= ALTP2M_VIEW_GFN_LIMIT || !access ||
	    (access & ~ALTP2M_EPT_RWX))
		return -EINVAL;
	ret = view_fill(vs, v, gfn, true, true, &slot, &level);
	if (ret) {
		/* Out of memory half way: drop tables left empty. */
		if (ret == -ENOMEM) {
			view_prune_tables(vs, v, gfn, false);
			view_prune_tables(vs, &vs->host, gfn, false);
		}
		view_finish(vs);
		return ret == -ESRCH ? ALTP2M_VIEW_MMIO : ret;
	}
	e = READ_ONCE(*slot);
	if (!(access & ~e & ALTP2M_EPT_RWX)) {
		view_finish(vs);
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
			ret = view_link(vs, v, slot, 2);
			if (ret) {
				view_finish(vs);
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
	view_finish(vs);
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
 * of altp2m_views_vcpu_enter(), or an error of host_frame().
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

/* Drop view @v's entry for @gfn (splitting a 2 MiB leaf): lazy fill. */
static int view_revert(struct altp2m_views *vs, struct altp2m_view *v,
		       u64 gfn)
{
	unsigned int at;
	u64 *slot, e;
	int ret;

	slot = view_find(vs, v, gfn, 1, &at);
	e = READ_ONCE(*slot);
	if (!view_populated(e))
		return 0;
	if (at != 1) {
		ret = view_link(vs, v, slot, at);
		if (ret)
			return ret;
		slot = view_find(vs, v, gfn, 1, &at);
		e = READ_ONCE(*slot);
	}
	if (e & ALTP2M_VIEW_SW_REMAPPED) {
		view_rmap_drop(vs, view_rmap_find(vs, v->idx, gfn));
		return 0;
	}
	WRITE_ONCE(*slot, ALTP2M_EPT_EMPTY);
	v->nr_leaves--;
	v->nr_pages--;
	if (altp2m_ept_present(e))
		view_dirty(vs, v);
	view_prune(vs, v, gfn);
	return 0;
}

/**
 * altp2m_views_remap - make a gfn of a view map another gfn's frame
 * @vs: the engine
 * @idx: the view, not 0
 * @gfn: the gfn that changes (A); guest RAM or held by the view
 * @target: the gfn whose frame it takes (B), guest RAM; @gfn itself or
 *	ALTP2M_GFN_INVALID to revert @gfn to lazy fill, dropping whatever
 *	the view had there (its access and SVE included)
 *
 * As Xen's change_gfn: A gets the frame and memory type B has in this view
 * (when B is itself remapped there, its target's: the remap is recorded
 * against that gfn) and B's access in this view, or the host's access of
 * B when the view does not hold it, as one 4 KiB leaf; SVE is set, as Xen
 * does for a remap asked by an external tool. The reverse map drops the
 * remap when its target stops being guest RAM (altp2m_views_host_unmap()).
 * Later access changes of A keep the remap; those of B do not reach A.
 *
 * Return: 0, -EINVAL for view 0 or a bad gfn, -ESRCH when A or B is not
 * guest RAM, -ENOMEM, or the errors of altp2m_views_vcpu_enter(); on error
 * nothing changed.
 */
int altp2m_views_remap(struct altp2m_views *vs, unsigned int idx, u64 gfn,
		       u64 target)
{
	struct altp2m_remap *old = NULL, *r = NULL;
	u64 *slot, *s0, e, e0, new, real = target;
	unsigned int at, l0, code;
	struct altp2m_view *v;
	int ret;

	if (!idx)
		return view_refuse(vs, -EINVAL, ALTP2M_WHY_VIEW_ZERO);
	ret = view_lookup(vs, idx, &v);
	if (ret)
		return ret;
	if (gfn >= ALTP2M_VIEW_GFN_LIMIT)
		return view_refuse(vs, -EINVAL, ALTP2M_WHY_GFN_WIDTH);
	if (target != ALTP2M_GFN_INVALID && target >= ALTP2M_VIEW_GFN_LIMIT)
		return view_refuse(vs, -EINVAL, ALTP2M_WHY_TARGET_WIDTH);
	if (target == gfn || target == ALTP2M_GFN_INVALID) {
		ret = view_revert(vs, v, gfn);
		view_finish(vs);
		return ret;
	}

	code = ALTP2M_ACCESS_DEFAULT;	/* the host's, read below */
	e = READ_ONCE(*view_find(vs, v, target, 1, &at));
	if (view_populated(e)) {
		code = view_code(e);
		if (e & ALTP2M_VIEW_SW_REMAPPED) {
			old = view_rmap_find(vs, idx, target);
			if (old)
				real = old->target;
		}
	}
	e = READ_ONCE(*view_find(vs, v, gfn, 1, &at));
	old = NULL;
	if (e & ALTP2M_VIEW_SW_REMAPPED)
		old = view_rmap_find(vs, idx, gfn);

	view_journal_begin(vs);
	ret = view_populated(e) ? 0 : view_host_ram(vs, gfn);
	if (ret == -ESRCH)
		view_refuse(vs, ret, ALTP2M_WHY_GFN_NOT_RAM);
	if (!ret) {
		ret = view_fill_host(vs, real, true, false, &s0, &l0);
		if (ret == -ESRCH)
			view_refuse(vs, ret, ALTP2M_WHY_TARGET_NOT_RAM);
	}
	if (!ret)
		ret = view_make_slot(vs, v, gfn, 1, &slot);
	if (!ret && !old) {
		r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
		if (!r)
			ret = -ENOMEM;
	}
	view_journal_end(vs, ret);
	if (ret)
		goto out;

	vs->applying = 1;
	view_fill_host(vs, real, true, true, &s0, &l0);
	e0 = READ_ONCE(*s0);
	if (code == ALTP2M_ACCESS_DEFAULT)
		code = view_code(e0);
	new = view_piece(e0, l0, real & ~(view_span(l0) - 1), real) |
	      (e0 & VIEW_TYPE_MASK) | view_access_bits(code) |
	      ALTP2M_VIEW_SW_REMAPPED | ALTP2M_EPT_SVE;
	e = READ_ONCE(*slot);
	WRITE_ONCE(*slot, new);
	if (view_needs_flush(e, new))
		view_dirty(vs, v);
	if (old) {
		/* Same record, new target: rehash it. */
		hlist_del(&old->by_target);
		old->target = real;
		hlist_add_head(&old->by_target, view_rmap_tbucket(vs, real));
	} else {
		if (!view_populated(e)) {
			v->nr_leaves++;
			v->nr_pages++;
		}
		r->gfn = gfn;
		r->target = real;
		r->view = idx;
		view_rmap_insert(vs, r);
	}
out:
	view_finish(vs);
	return ret;
}

/**
 * altp2m_views_frame_gfn - whose frame a view gives a gfn
 * @vs: the engine
 * @idx: the view
 * @gfn: the gfn
 *
 * For code that reads or writes guest memory on a vCPU's behalf, so that
 * it sees what the vCPU's view maps at @gfn.
 *
 * Return: the target of @gfn's remap in view @idx, else @gfn.
 */
u64 altp2m_views_frame_gfn(struct altp2m_views *vs, unsigned int idx,
			   u64 gfn)
{
	struct altp2m_remap *r;

	if (!idx || idx >= vs->max_views || !vs->nr_remaps)
		return gfn;
	r = view_rmap_find(vs, idx, gfn);
	return r ? r->target : gfn;
}

/*
 * Split a 2 MiB leaf of @v that @g cuts. Return: true when that failed
 * and the leaf still crosses @g (it will then go whole).
 */
static bool view_split_edge(struct altp2m_views *vs, struct altp2m_view *v,
			    u64 g)
{
	unsigned int at;
	u64 *slot;

	if (g >= ALTP2M_VIEW_GFN_LIMIT || !(g & (VIEW_PT_GFNS - 1)))
		return false;
	slot = view_find(vs, v, g, 1, &at);
	if (at == 2 && view_populated(READ_ONCE(*slot)))
		return view_link(vs, v, slot, 2) != 0;
	return false;
}

/* Drop @v's leaves in [@start, @end) but the remaps. */
static void view_unmap_range(struct altp2m_views *vs, struct altp2m_view *v,
			     u64 start, u64 end)
{
	unsigned int level;
	u64 g = start, *slot;
	bool flush = false;

	if (!v->nr_leaves)
		return;
	/* If a split fails, the walk below drops that leaf whole. */
	view_split_edge(vs, v, start);
	view_split_edge(vs, v, end);
	while ((slot = view_next_leaf(vs, v, &g, end, &level))) {
		u64 e, stop = g + view_span(level);

		if (level == 1)
			stop = view_min(end, (g | (VIEW_PT_GFNS - 1)) + 1);
		for (; g < stop; g += view_span(level), slot++) {
			e = READ_ONCE(*slot);
			if (!view_populated(e) || (e & ALTP2M_VIEW_SW_REMAPPED))
				continue;
			WRITE_ONCE(*slot, ALTP2M_EPT_EMPTY);
			v->nr_leaves--;
			v->nr_pages -= view_span(level);
			flush |= altp2m_ept_present(e);
		}
		view_prune(vs, v, g - 1);
		view_tick(vs);
	}
	if (flush)
		view_dirty(vs, v);
}

/**
 * altp2m_views_host_unmap - guest RAM went away (a region deleted or moved)
 * @vs: the engine
 * @gfn: the first gfn that is no longer guest RAM at its old frame
 * @npages: how many
 *
 * Call it before host_frame() stops answering for the range and before
 * the frames are freed: it drops view 0's entries in the range, the
 * entries of every view that mirror them, and exactly the remaps whose
 * target is in the range (their gfns go back to lazy fill). A remapped gfn
 * in the range whose target lies elsewhere keeps its remap. A 2 MiB leaf
 * crossing an end of the range is split first; if memory for that is
 * short, it is dropped whole (in view 0: with its mirrors and the remaps
 * to it) and refills lazily. Cannot fail.
 */
void altp2m_views_host_unmap(struct altp2m_views *vs, u64 gfn, u64 npages)
{
	struct hlist_node *tmp;
	struct altp2m_remap *r;
	u64 end, g;
	unsigned int i;

	if (gfn >= ALTP2M_VIEW_GFN_LIMIT || !npages)
		return;
	end = gfn + view_min(npages, ALTP2M_VIEW_GFN_LIMIT - gfn);
	/*
	 * A view-0 leaf crossing an end that cannot be split goes whole:
	 * then so must everything that mirrors or remaps to it, or a view
	 * would hold a gfn view 0 does not.
	 */
	if (view_split_edge(vs, &vs->host, gfn))
		gfn &= ~(VIEW_PT_GFNS - 1);
	if (view_split_edge(vs, &vs->host, end))
		end = (end | (VIEW_PT_GFNS - 1)) + 1;

	/* The reverse map: by target when that is cheaper than all of it. */
	if (vs->nr_remaps && end - gfn <= vs->nr_remaps) {
		for (g = gfn; g < end; g++) {
			hlist_for_each_entry_safe(r, tmp,
						  view_rmap_tbucket(vs, g),
						  by_target)
				if (r->target == g) {
					view_rmap_drop(vs, r);
					vs->stats.remaps_invalidated++;
				}
			view_tick(vs);
		}
	} else if (vs->nr_remaps) {
		for (i = 0; i < (1U << vs->rmap_bits); i++) {
			hlist_for_each_entry_safe(r, tmp,
						  &vs->rmap_by_target[i],
						  by_target)
				if (r->target >= gfn && r->target < end) {
					view_rmap_drop(vs, r);
					vs->stats.remaps_invalidated++;
				}
			view_tick(vs);
		}
	}
	view_unmap_range(vs, &vs->host, gfn, end);
	for (i = 1; i < vs->max_views; i++)
		if (vs->view[i])
			view_unmap_range(vs, vs->view[i], gfn, end);
	view_finish(vs);
}

/**
 * altp2m_views_list - describe the views
 * @vs: the engine
 * @cursor: the first index to describe (0 to start); on return, where to
 *	resume, or ALTP2M_VIEWS_MAX when every view was described
 * @out: filled with up to @max views, in index order
 * @max: its size, not 0
 *
 * Return: the number of views written, or -EINVAL when @max is 0.
 */
int altp2m_views_list(struct altp2m_views *vs, unsigned int *cursor,
		      struct altp2m_view_summary *out, unsigned int max)
{
	unsigned int i, n = 0, limit = vs->max_views ? vs->max_views : 1;
	struct altp2m_view *v;

	if (!max)
		return -EINVAL;
	for (i = *cursor; i < limit && n < max; i++) {
		if (view_lookup(vs, i, &v))
			continue;
		out[n].index = i;
		out[n].default_access = v->default_access;
		out[n].vcpus_on = v->vcpus_on;
		out[n].nr_leaves = v->nr_leaves;
		out[n].nr_pages = v->nr_pages;
		out[n].nr_tables = v->ept.nr_tables;
		out[n].nr_remaps = v->nr_remaps;
		n++;
	}
	*cursor = i < limit ? i : ALTP2M_VIEWS_MAX;
	return n;
}

/*
 * The access and SVE the host gives @gfn: view 0's leaf, or what the fill
 * would give it.
 */
static void view_host_bits(struct altp2m_views *vs, u64 gfn,
			   unsigned int *code, unsigned int *sve)
{
	unsigned int at;
	u64 e = READ_ONCE(*view_find(vs, &vs->host, gfn, 1, &at));

	*code = ALTP2M_ACCESS_RWX;
	*sve = 1;
	if (view_populated(e)) {
		*code = view_code(e);
		*sve = !!(e & ALTP2M_EPT_SVE);
	}
}

/**
 * altp2m_views_dump - the gfns of a view that differ from the host
 * @vs: the engine
 * @idx: the view
 * @cursor: the gfn to start at (0 to start); on return, where to resume,
 *	or ALTP2M_GFN_INVALID when the view was dumped to its end
 * @out: filled with up to @max runs, in gfn order
 * @max: its size, not 0
 *
 * A gfn differs when it is remapped, or its access or SVE differ from view
 * 0's (for view 0 itself: from rwx and SVE set, what a fill gives). Equal
 * neighbours are merged into runs; a run may be cut where a chunk ends.
 *
 * Return: the number of runs written, -EINVAL for a bad @max or @cursor,
 * or the errors of altp2m_views_vcpu_enter().
 */
int altp2m_views_dump(struct altp2m_views *vs, unsigned int idx, u64 *cursor,
		      struct altp2m_view_run *out, unsigned int max)
{
	struct altp2m_view_run *run = NULL;
	unsigned int level, n = 0, code, sve, hcode, hsve;
	struct altp2m_remap *r;
	u64 g = *cursor, lg, *slot, e, target;
	struct altp2m_view *v;
	int ret;

	ret = view_lookup(vs, idx, &v);
	if (ret)
		return ret;
	if (!max || (g >= ALTP2M_VIEW_GFN_LIMIT && g != ALTP2M_GFN_INVALID))
		return -EINVAL;
	lg = g;
	while (g < ALTP2M_VIEW_GFN_LIMIT &&
	       (slot = view_next_leaf(vs, v, &lg, ALTP2M_VIEW_GFN_LIMIT,
				      &level))) {
		u64 last = lg + view_span(level);

		if (lg > g)
			g = lg;
		e = READ_ONCE(*slot);
		code = view_code(e);
		sve = !!(e & ALTP2M_EPT_SVE);
		for (; g < last; g++) {
			target = ALTP2M_GFN_INVALID;
			if (e & ALTP2M_VIEW_SW_REMAPPED) {
				r = view_rmap_find(vs, idx, g);
				target = r ? r->target : g;
			}
			hcode = ALTP2M_ACCESS_RWX;
			hsve = 1;
			if (idx)
				view_host_bits(vs, g, &hcode, &hsve);
			if (target == ALTP2M_GFN_INVALID && code == hcode &&
			    sve == hsve) {
				run = NULL;
				continue;
			}
			if (run && target == ALTP2M_GFN_INVALID &&
			    run->target == ALTP2M_GFN_INVALID &&
			    run->gfn + run->npages == g &&
			    run->access == code && run->sve == sve) {
				run->npages++;
				continue;
			}
			if (n == max) {
				*cursor = g;
				return n;
			}
			run = &out[n++];
			/* All of it: the caller may copy it out whole. */
			memset(run, 0, sizeof(*run));
			run->gfn = g;
			run->npages = 1;
			run->target = target;
			run->access = code;
			run->sve = sve;
		}
		lg = g;
	}
	*cursor = ALTP2M_GFN_INVALID;
	return n;
}

/* Check one leaf of view @v at @g (level @level); NULL when it is right. */
static const char *view_check_leaf(struct altp2m_views *vs,
				   struct altp2m_view *v, u64 g,
				   unsigned int level, u64 e, u64 *bad_gfn)
{
	unsigned int code = view_code(e), at, max_level;
	u64 span = view_span(level), k, hpa, want;
	struct altp2m_remap *r;
	u64 *s0;

	*bad_gfn = g;
	if (code >= ALTP2M_ACCESS_DEFAULT || code == ALTP2M_ACCESS_W ||
	    code == ALTP2M_ACCESS_WX)
		return "bad access code";
	if ((e & ALTP2M_EPT_RWX) != view_perms[code])
		return "rights do not match the access code";
	if (level > 2 || (level == 2 && !(e & ALTP2M_EPT_LARGE)) ||
	    (level == 1 && (e & ALTP2M_EPT_LARGE)))
		return "bad leaf size";
	if ((e & VIEW_TYPE_MASK) != VIEW_RAM_TYPE)
		return "memory type is not the host's";
	if ((e & ALTP2M_EPT_ADDR_MASK) & ((span << VIEW_PAGE_SHIFT) - 1))
		return "misaligned frame";
	if (e & ALTP2M_VIEW_SW_REMAPPED) {
		if (!v->idx || level != 1)
			return "remap in view 0 or not 4 KiB";
		r = view_rmap_find(vs, v->idx, g);
		if (!r)
			return "remap missing from the reverse map";
		*bad_gfn = r->target;
		if (vs->ops->host_frame(vs->ctx, r->target, &hpa, &max_level))
			return "remap target is not guest RAM";
		if (hpa != (e & ALTP2M_EPT_ADDR_MASK))
			return "remap does not map its target's host frame";
		s0 = view_find(vs, &vs->host, r->target, 1, &at);
		if (!view_populated(READ_ONCE(*s0)))
			return "remap target not held by view 0";
		return NULL;
	}
	for (k = 0; k < span; k++) {
		*bad_gfn = g + k;
		max_level = 1;
		if (vs->ops->host_frame(vs->ctx, g + k, &hpa, &max_level))
			return "maps a gfn that is not guest RAM";
		want = (e & ALTP2M_EPT_ADDR_MASK) + (k << VIEW_PAGE_SHIFT);
		if (hpa != want)
			return "frame is not the host's";
		if (level == 2 && max_level < 2)
			return "2 MiB leaf the host does not allow";
		if (v->idx) {
			s0 = view_find(vs, &vs->host, g + k, 1, &at);
			if (!view_populated(READ_ONCE(*s0)))
				return "gfn not held by view 0";
		}
	}
	return NULL;
}

/* Every page table marked full holds only leaves. */
static const char *view_check_full(struct altp2m_views *vs,
				   struct altp2m_view *v, u64 *bad_gfn)
{
	unsigned int level, at, i;
	u64 g = 0, *slot, e, *pt;

	while ((slot = view_next_leaf(vs, v, &g, ALTP2M_VIEW_GFN_LIMIT,
				      &level))) {
		if (level == 1) {
			g &= ~(VIEW_PT_GFNS - 1);
			e = READ_ONCE(*view_find(vs, v, g, 2, &at));
			pt = view_table_va(vs, e);
			for (i = 0; i < ALTP2M_EPT_ENTRIES &&
			     (e & ALTP2M_VIEW_SW_PT_FULL); i++) {
				*bad_gfn = g + i;
				if (!view_populated(READ_ONCE(pt[i])))
					return "page table marked full is not";
			}
		}
		g += VIEW_PT_GFNS;
	}
	return NULL;
}

/*
 * Every entry of @v the CPU sees as not present, at every level, is the
 * empty entry or a parked leaf. With SVE clear (0, say) an access through
 * it would raise #VE in the guest instead of the exit that fills the gfn;
 * with SVE set but other bits, the engine lost track of something. A
 * parked leaf's SVE is the user's and is not checked.
 */
static const char *view_check_empty(struct altp2m_views *vs,
				    struct altp2m_view *v, u64 *bad_gfn)
{
	u64 *table[ALTP2M_EPT_LEVELS + 1], base[ALTP2M_EPT_LEVELS + 1];
	unsigned int idx[ALTP2M_EPT_LEVELS + 1], l = ALTP2M_EPT_LEVELS;

	table[l] = v->ept.root;
	base[l] = 0;
	idx[l] = 0;
	for (;;) {
		u64 e, g;

		if (idx[l] == ALTP2M_EPT_ENTRIES) {
			if (l == ALTP2M_EPT_LEVELS)
				return NULL;
			l++;
			idx[l]++;
			continue;
		}
		e = READ_ONCE(table[l][idx[l]]);
		g = base[l] + idx[l] * view_span(l);
		if (view_is_table(e, l)) {
			l--;
			table[l] = view_table_va(vs, e);
			base[l] = g;
			idx[l] = 0;
			continue;
		}
		idx[l]++;
		if (altp2m_ept_present(e) || view_empty(e) ||
		    view_populated(e))
			continue;
		*bad_gfn = g;
		return e & ALTP2M_EPT_SVE ?
		       "not-present entry is neither empty nor a leaf" :
		       "not-present entry without SVE: #VE instead of a fill";
	}
}

/**
 * altp2m_views_check - verify the engine's invariant (for tests and debug)
 * @vs: the engine
 * @bad: where the first fault is, on failure
 *
 * Every leaf of every view maps the host frame of its gfn, or of its
 * remap target, which view 0 holds too; its rights match its access code;
 * the counters and the reverse map agree with the leaves. Every entry, at
 * every level, that is not present to the CPU is either ALTP2M_EPT_EMPTY
 * or a parked leaf (access n or n2rwx, whose SVE is the user's), so that
 * no gfn a view has not filled can raise #VE. Slow: it reads every entry
 * of every table and asks host_frame() about every gfn held.
 *
 * Return: 0, or -EUCLEAN with @bad filled.
 */
int altp2m_views_check(struct altp2m_views *vs, struct altp2m_views_bad *bad)
{
	unsigned int i, level, limit = vs->max_views ? vs->max_views : 1;
	u64 remaps = 0, leaves, pages, nr, g, *slot, bg;
	struct altp2m_remap *r;
	struct altp2m_view *v;
	const char *what;

	for (i = 0; i < limit; i++) {
		if (view_lookup(vs, i, &v))
			continue;
		bad->view = i;
		leaves = 0;
		pages = 0;
		nr = 0;
		g = 0;
		while ((slot = view_next_leaf(vs, v, &g, ALTP2M_VIEW_GFN_LIMIT,
					      &level))) {
			u64 e = READ_ONCE(*slot);

			what = view_check_leaf(vs, v, g, level, e, &bg);
			if (what) {
				bad->gfn = bg;
				bad->what = what;
				return -EUCLEAN;
			}
			leaves++;
			pages += view_span(level);
			nr += !!(e & ALTP2M_VIEW_SW_REMAPPED);
			g += view_span(level);
		}
		what = view_check_full(vs, v, &bg);
		if (!what)
			what = view_check_empty(vs, v, &bg);
		if (what) {
			bad->gfn = bg;
			bad->what = what;
			return -EUCLEAN;
		}
		bad->gfn = ALTP2M_GFN_INVALID;
		bad->what = "counters do not match the leaves";
		if (leaves != v->nr_leaves || pages != v->nr_pages ||
		    nr != v->nr_remaps)
			return -EUCLEAN;
		remaps += nr;
	}
	bad->view = 0;
	bad->what = "reverse map does not match the remaps";
	if (remaps != vs->nr_remaps)
		return -EUCLEAN;
	for (i = 0; vs->max_views && i < (1U << vs->rmap_bits); i++) {
		hlist_for_each_entry(r, &vs->rmap_by_target[i], by_target) {
			bad->view = r->view;
			bad->gfn = r->gfn;
			if (view_rmap_tbucket(vs, r->target) !=
			    &vs->rmap_by_target[i] ||
			    view_rmap_find(vs, r->view, r->gfn) != r)
				return -EUCLEAN;
		}
	}
	return 0;
}
