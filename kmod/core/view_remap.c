// SPDX-License-Identifier: GPL-2.0
/*
 * Remaps (see view.c for the whole engine): a gfn of a view that maps
 * another gfn's frame, as Xen's change_gfn, and the reverse map that
 * finds them by that target gfn, so that when guest RAM or a hidden frame
 * goes away (altp2m_views_host_unmap()) exactly the remaps to it are
 * dropped, along with view 0's entries and every entry that mirrors them.
 */
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/hash.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/types.h>

#include "ept.h"
#include "view.h"
#include "view_internal.h"

/* ---- reverse map ------------------------------------------------------ */

/**
 * altp2m_view_rmap_tbucket - the reverse map's bucket of a target gfn
 * @vs: the engine
 * @target: the gfn
 *
 * Return: the bucket.
 */
struct hlist_head *altp2m_view_rmap_tbucket(const struct altp2m_views *vs,
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

/**
 * altp2m_view_rmap_find - the remap of a gfn in a view
 * @vs: the engine
 * @view: the view
 * @gfn: the gfn
 *
 * Return: the remap, or NULL.
 */
struct altp2m_remap *altp2m_view_rmap_find(const struct altp2m_views *vs,
					   unsigned int view, u64 gfn)
{
	struct altp2m_remap *r;

	hlist_for_each_entry(r, view_rmap_gbucket(vs, view, gfn), by_gfn)
		if (r->gfn == gfn && r->view == view)
			return r;
	return NULL;
}

/**
 * altp2m_view_rmap_alloc - new, empty hashes for the remaps
 * @vs: the engine; its old hashes, if any, are the caller's to free
 * @bits: log2 of the buckets of each
 *
 * Return: 0 or -ENOMEM (then @vs is unchanged).
 */
int altp2m_view_rmap_alloc(struct altp2m_views *vs, unsigned int bits)
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
	if (altp2m_view_rmap_alloc(vs, bits + 1))
		return;
	for (i = 0; i < (1U << bits); i++) {
		hlist_for_each_entry_safe(r, tmp, &old_g[i], by_gfn) {
			hlist_add_head(&r->by_gfn,
				       view_rmap_gbucket(vs, r->view, r->gfn));
			hlist_add_head(&r->by_target,
				       altp2m_view_rmap_tbucket(vs, r->target));
		}
	}
	kvfree(old_t);
	kvfree(old_g);
}

static void view_rmap_insert(struct altp2m_views *vs, struct altp2m_remap *r)
{
	hlist_add_head(&r->by_gfn, view_rmap_gbucket(vs, r->view, r->gfn));
	hlist_add_head(&r->by_target, altp2m_view_rmap_tbucket(vs, r->target));
	vs->nr_remaps++;
	vs->view[r->view]->nr_remaps++;
	if (vs->txn)
		altp2m_view_txn_note(vs, VIEW_UNDO_ADD, r, 0);
	view_rmap_grow(vs);
}

/*
 * Inside a transaction a dropped record is only unhashed: an abort hashes
 * it back, the commit frees it.
 */
static void view_rmap_remove(struct altp2m_views *vs, struct altp2m_remap *r)
{
	hlist_del(&r->by_gfn);
	hlist_del(&r->by_target);
	vs->nr_remaps--;
	if (vs->view[r->view])
		vs->view[r->view]->nr_remaps--;
	if (vs->txn)
		altp2m_view_txn_note(vs, VIEW_UNDO_DROP, r, 0);
	else
		kfree(r);
}

/* The same record, a new target: rehash it. */
static void view_rmap_retarget(struct altp2m_views *vs, struct altp2m_remap *r,
			       u64 target)
{
	if (vs->txn)
		altp2m_view_txn_note(vs, VIEW_UNDO_RETARGET, r, r->target);
	hlist_del(&r->by_target);
	r->target = target;
	hlist_add_head(&r->by_target, altp2m_view_rmap_tbucket(vs, target));
}

/**
 * altp2m_view_rmap_undo - undo one change of a remap record
 * @vs: the engine
 * @kind: VIEW_UNDO_ADD, VIEW_UNDO_DROP or VIEW_UNDO_RETARGET
 * @r: the record
 * @old: for VIEW_UNDO_RETARGET, the target it had
 *
 * For a transaction's undo (view_txn.c), newest change first. Only the
 * hashes change: the transaction restores the counters itself.
 */
void altp2m_view_rmap_undo(struct altp2m_views *vs, unsigned int kind,
			   struct altp2m_remap *r, u64 old)
{
	switch (kind) {
	case VIEW_UNDO_ADD:
		hlist_del(&r->by_gfn);
		hlist_del(&r->by_target);
		kfree(r);
		break;
	case VIEW_UNDO_DROP:
		hlist_add_head(&r->by_gfn,
			       view_rmap_gbucket(vs, r->view, r->gfn));
		hlist_add_head(&r->by_target,
			       altp2m_view_rmap_tbucket(vs, r->target));
		break;
	case VIEW_UNDO_RETARGET:
		hlist_del(&r->by_target);
		r->target = old;
		hlist_add_head(&r->by_target,
			       altp2m_view_rmap_tbucket(vs, old));
		break;
	}
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
	view_set(vs, v, slot, ALTP2M_EPT_EMPTY);
	v->nr_leaves--;
	v->nr_pages--;
	if (altp2m_ept_present(e))
		view_dirty(vs, v);
	view_prune(vs, v, r->gfn);
	view_rmap_remove(vs, r);
}

/**
 * altp2m_view_rmap_forget - free every remap of a view
 * @vs: the engine
 * @idx: the view, or ALTP2M_VIEWS_MAX for every view
 *
 * Only the records go: the caller destroys the leaves with the view.
 */
void altp2m_view_rmap_forget(struct altp2m_views *vs, unsigned int idx)
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
		ret = altp2m_view_link(vs, v, slot, at);
		if (ret)
			return ret;
		slot = view_find(vs, v, gfn, 1, &at);
		e = READ_ONCE(*slot);
	}
	if (e & ALTP2M_VIEW_SW_REMAPPED) {
		view_rmap_drop(vs, altp2m_view_rmap_find(vs, v->idx, gfn));
		return 0;
	}
	view_set(vs, v, slot, ALTP2M_EPT_EMPTY);
	v->nr_leaves--;
	v->nr_pages--;
	if (altp2m_ept_present(e))
		view_dirty(vs, v);
	view_prune(vs, v, gfn);
	return 0;
}

/*
 * Whether @gfn is a hidden frame (see view.h), and its frame in *@hpa.
 * Never guest RAM: the owner keeps the two apart.
 */
static bool view_hidden(struct altp2m_views *vs, u64 gfn, u64 *hpa)
{
	return vs->ops->hidden_frame &&
	       !vs->ops->hidden_frame(vs->ctx, gfn, hpa);
}

static int view_remap(struct altp2m_views *vs, unsigned int idx, u64 gfn,
		      u64 target, bool guest)
{
	struct altp2m_remap *old = NULL, *r = NULL;
	u64 *slot, *s0, e, e0, new, hpa = 0, real = target;
	unsigned int at, l0, code;
	struct altp2m_view *v;
	bool hidden;
	int ret;

	ret = altp2m_view_txn_call(vs);
	if (ret)
		return ret;
	if (!idx)
		return view_refuse(vs, -EINVAL, ALTP2M_WHY_VIEW_ZERO);
	ret = altp2m_view_lookup(vs, idx, &v);
	if (ret)
		return ret;
	if (gfn >= ALTP2M_VIEW_GFN_LIMIT)
		return view_refuse(vs, -EINVAL, ALTP2M_WHY_GFN_WIDTH);
	if (target != ALTP2M_GFN_INVALID && target >= ALTP2M_VIEW_GFN_LIMIT)
		return view_refuse(vs, -EINVAL, ALTP2M_WHY_TARGET_WIDTH);
	if (target == gfn || target == ALTP2M_GFN_INVALID) {
		ret = altp2m_view_txn_mark(vs, v, false);
		if (!ret)
			ret = view_revert(vs, v, gfn);
		return altp2m_view_end(vs, ret);
	}

	code = ALTP2M_ACCESS_DEFAULT;	/* the host's, read below */
	e = READ_ONCE(*view_find(vs, v, target, 1, &at));
	if (view_populated(e)) {
		code = view_code(e);
		if (e & ALTP2M_VIEW_SW_REMAPPED) {
			old = altp2m_view_rmap_find(vs, idx, target);
			if (old)
				real = old->target;
		}
	}
	/*
	 * A hidden target (B itself, or B's own remap target) is the host's
	 * to hand out: to the guest it is what it is to lazy fill, no RAM.
	 */
	hidden = view_hidden(vs, real, &hpa);
	if (hidden && guest)
		return view_refuse(vs, -ESRCH, ALTP2M_WHY_TARGET_NOT_RAM);
	if (hidden && (hpa & ~ALTP2M_EPT_ADDR_MASK))
		return -EIO;
	e = READ_ONCE(*view_find(vs, v, gfn, 1, &at));
	old = NULL;
	if (e & ALTP2M_VIEW_SW_REMAPPED)
		old = altp2m_view_rmap_find(vs, idx, gfn);

	ret = altp2m_view_txn_mark(vs, v, false);
	if (ret)
		return ret;
	view_journal_begin(vs);
	ret = view_populated(e) ? 0 : altp2m_view_host_ram(vs, gfn);
	if (ret == -ESRCH)
		view_refuse(vs, ret, ALTP2M_WHY_GFN_NOT_RAM);
	/* View 0 never holds a hidden frame: nothing to fill there. */
	if (!ret && !hidden) {
		ret = altp2m_view_fill_host(vs, real, true, false, &s0, &l0);
		if (ret == -ESRCH)
			view_refuse(vs, ret, ALTP2M_WHY_TARGET_NOT_RAM);
	}
	if (!ret)
		ret = altp2m_view_make_slot(vs, v, gfn, 1, &slot);
	if (!ret && !old) {
		r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
		if (!r)
			ret = -ENOMEM;
	}
	altp2m_view_journal_end(vs, ret);
	if (ret)
		goto out;

	vs->applying = 1;
	if (hidden) {
		/* The host's access of a frame no view holds: its default. */
		if (code == ALTP2M_ACCESS_DEFAULT)
			code = ALTP2M_ACCESS_RWX;
		new = hpa | VIEW_RAM_TYPE | view_access_bits(code) |
		      ALTP2M_VIEW_SW_REMAPPED | ALTP2M_EPT_SVE;
		goto write;
	}
	altp2m_view_fill_host(vs, real, true, true, &s0, &l0);
	e0 = READ_ONCE(*s0);
	if (!view_populated(e0)) {
		/*
		 * A transaction failed and skipped the fill: nothing to copy
		 * (view_code() would index past the table); undone anyway.
		 */
		kfree(r);
		goto out;
	}
	if (code == ALTP2M_ACCESS_DEFAULT)
		code = view_code(e0);
	new = view_piece(e0, l0, real & ~(view_span(l0) - 1), real) |
	      (e0 & VIEW_TYPE_MASK) | view_access_bits(code) |
	      ALTP2M_VIEW_SW_REMAPPED | ALTP2M_EPT_SVE;
write:
	e = READ_ONCE(*slot);
	view_set(vs, v, slot, new);
	if (view_needs_flush(e, new))
		view_dirty(vs, v);
	if (old) {
		view_rmap_retarget(vs, old, real);
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
	return altp2m_view_end(vs, ret);
}

/**
 * altp2m_views_remap - make a gfn of a view map another gfn's frame
 * @vs: the engine
 * @idx: the view, not 0
 * @gfn: the gfn that changes (A); guest RAM or held by the view
 * @target: the gfn whose frame it takes (B): guest RAM, a hidden frame,
 *	or a gfn the view remaps; @gfn itself or ALTP2M_GFN_INVALID to
 *	revert @gfn to lazy fill, dropping whatever the view had there (its
 *	access and SVE included)
 *
 * As Xen's change_gfn: A gets the frame and memory type B has in this view
 * (when B is itself remapped there, its target's: the remap is recorded
 * against that gfn) and B's access in this view, or the host's access of
 * B when the view does not hold it, as one 4 KiB leaf; SVE is set, as Xen
 * does for a remap asked by an external tool. A hidden frame H as the
 * target gives H's page, write-back, with rwx (the host's access of what
 * no view holds) unless B is a gfn the view remaps to H; view 0 is not
 * filled at H. The reverse map drops the remap when its target stops
 * being guest RAM or hidden (altp2m_views_host_unmap()). Later access
 * changes of A keep the remap; those of B do not reach A.
 *
 * Return: 0, -EINVAL for view 0 or a bad gfn, -ESRCH when A is not guest
 * RAM or B is neither guest RAM nor hidden, -ENOMEM, -EIO for a frame the
 * owner gave misaligned, the errors of altp2m_views_vcpu_enter(), or
 * inside a transaction -E2BIG or the error that failed it; on error
 * nothing changed.
 */
int altp2m_views_remap(struct altp2m_views *vs, unsigned int idx, u64 gfn,
		       u64 target)
{
	return view_remap(vs, idx, gfn, target, false);
}

/**
 * altp2m_views_remap_guest - altp2m_views_remap() asked by the guest
 * @vs: the engine
 * @idx: as altp2m_views_remap()
 * @gfn: as altp2m_views_remap()
 * @target: as altp2m_views_remap()
 *
 * The same, except that a hidden frame is no target for the guest: one
 * that is hidden, or that the view remaps to a hidden frame, is refused as
 * not guest RAM. So the guest cannot give itself a mapping of what only
 * the host may map (a shadow page with its breakpoints), not even by way
 * of a remap the host made.
 *
 * Return: as altp2m_views_remap().
 */
int altp2m_views_remap_guest(struct altp2m_views *vs, unsigned int idx,
			     u64 gfn, u64 target)
{
	return view_remap(vs, idx, gfn, target, true);
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
	r = altp2m_view_rmap_find(vs, idx, gfn);
	return r ? r->target : gfn;
}

/**
 * altp2m_views_remapped_at - whether a view remaps a gfn of a range
 * @vs: the engine
 * @gfn: the first gfn
 * @npages: how many
 *
 * A remap of a gfn survives its RAM going away (altp2m_views_host_unmap()),
 * so a gfn that is not guest RAM may still be held by a view, as a remap.
 * The owner asks before it makes such a gfn hidden, which no view may map
 * at its own gfn. By the records of (view, gfn), or all of them when
 * there are fewer.
 *
 * Return: true when some view holds a remap at a gfn of the range.
 */
bool altp2m_views_remapped_at(struct altp2m_views *vs, u64 gfn, u64 npages)
{
	struct altp2m_remap *r;
	unsigned int i, v;
	u64 g;

	if (!vs->nr_remaps || gfn >= ALTP2M_VIEW_GFN_LIMIT)
		return false;
	npages = view_min(npages, ALTP2M_VIEW_GFN_LIMIT - gfn);
	if (npages * vs->max_views > vs->nr_remaps) {
		for (i = 0; i < (1U << vs->rmap_bits); i++)
			hlist_for_each_entry(r, &vs->rmap_by_gfn[i], by_gfn)
				if (r->gfn >= gfn && r->gfn - gfn < npages)
					return true;
		return false;
	}
	for (v = 1; v < vs->max_views; v++)
		for (g = gfn; vs->view[v] && g < gfn + npages; g++)
			if (altp2m_view_rmap_find(vs, v, g))
				return true;
	return false;
}

/**
 * altp2m_views_backing_gfn - whose frame an existing view gives a gfn
 * @vs: the engine
 * @idx: the view; 0 is the host p2m, enabled or not
 * @gfn: the gfn
 * @backing: set to the target of @gfn's remap in view @idx, else @gfn
 *
 * For reads and writes by guest-physical address through a view chosen
 * by the caller (a monitor's): unlike altp2m_views_frame_gfn(), whose
 * callers name the view a vCPU is on, it says when the view does not
 * exist rather than falling back to the host's frame. Access rights play
 * no part; @gfn need not be guest RAM (the caller's copy finds out).
 *
 * Return: 0, -EOPNOTSUPP for a view >= 1 while altp2m is off, -EINVAL
 * beyond max_views, -ENOENT for a view that does not exist.
 */
int altp2m_views_backing_gfn(struct altp2m_views *vs, unsigned int idx,
			     u64 gfn, u64 *backing)
{
	struct altp2m_view *v;
	int ret;

	ret = altp2m_view_lookup(vs, idx, &v);
	if (ret)
		return ret;
	*backing = altp2m_views_frame_gfn(vs, idx, gfn);
	return 0;
}

/**
 * altp2m_views_serial - which creation a view is
 * @vs: the engine
 * @idx: the view
 *
 * Lets a caller that remembers views by index (a monitor that destroys
 * what it created when it goes) tell its view from a later one that took
 * the same index after someone else destroyed it.
 *
 * Return: a number unique to this creation of view @idx in @vs (never
 * 0), or 0 when @idx is 0 or no view.
 */
u64 altp2m_views_serial(struct altp2m_views *vs, unsigned int idx)
{
	if (!idx || idx >= vs->max_views || !vs->view[idx])
		return 0;
	return vs->view[idx]->serial;
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
		return altp2m_view_link(vs, v, slot, 2) != 0;
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
	while ((slot = altp2m_view_next_leaf(vs, v, &g, end, &level))) {
		u64 e, stop = g + view_span(level);

		if (level == 1)
			stop = view_min(end, (g | (VIEW_PT_GFNS - 1)) + 1);
		for (; g < stop; g += view_span(level), slot++) {
			e = READ_ONCE(*slot);
			if (!view_populated(e) || (e & ALTP2M_VIEW_SW_REMAPPED))
				continue;
			view_set(vs, v, slot, ALTP2M_EPT_EMPTY);
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
 * altp2m_views_host_unmap - guest RAM or hidden frames went away
 * @vs: the engine
 * @gfn: the first gfn that is no longer guest RAM at its old frame, or
 *	no longer hidden
 * @npages: how many
 *
 * Call it before host_frame() or hidden_frame() stops answering for the
 * range and before the frames are freed: it drops view 0's entries in the
 * range (for hidden frames there are none), the
 * entries of every view that mirror them, and exactly the remaps whose
 * target is in the range (their gfns go back to lazy fill). A remapped gfn
 * in the range whose target lies elsewhere keeps its remap. A 2 MiB leaf
 * crossing an end of the range is split first; if memory for that is
 * short, it is dropped whole (in view 0: with its mirrors and the remaps
 * to it) and refills lazily. Cannot fail.
 *
 * Must not be called while a transaction is open (the owner keeps guest
 * RAM as it is until the transaction ends): then nothing is done and the
 * transaction fails with -EBUSY, so that its end restores everything and
 * the caller can unmap afterwards.
 */
void altp2m_views_host_unmap(struct altp2m_views *vs, u64 gfn, u64 npages)
{
	struct hlist_node *tmp;
	struct altp2m_remap *r;
	u64 end, g;
	unsigned int i;

	if (vs->txn) {
		altp2m_view_txn_refuse(vs);
		return;
	}

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
						  altp2m_view_rmap_tbucket(vs, g),
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
	altp2m_view_finish(vs);
}
