// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the view engine without changing it (see view.c for the whole):
 * the summary of each view (list), the gfns of a view that differ from
 * the host (dump), and the invariant check the tests run after every
 * call.
 */
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/list.h>
#include <linux/string.h>
#include <linux/types.h>

#include "ept.h"
#include "view.h"
#include "view_internal.h"

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
		if (altp2m_view_lookup(vs, i, &v))
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

	ret = altp2m_view_lookup(vs, idx, &v);
	if (ret)
		return ret;
	if (!max || (g >= ALTP2M_VIEW_GFN_LIMIT && g != ALTP2M_GFN_INVALID))
		return -EINVAL;
	lg = g;
	while (g < ALTP2M_VIEW_GFN_LIMIT &&
	       (slot = altp2m_view_next_leaf(vs, v, &lg, ALTP2M_VIEW_GFN_LIMIT,
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
				r = altp2m_view_rmap_find(vs, idx, g);
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
	if ((e & ALTP2M_EPT_RWX) != altp2m_view_perms[code])
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
		r = altp2m_view_rmap_find(vs, v->idx, g);
		if (!r)
			return "remap missing from the reverse map";
		*bad_gfn = r->target;
		if (vs->ops->hidden_frame &&
		    !vs->ops->hidden_frame(vs->ctx, r->target, &hpa)) {
			if (hpa != (e & ALTP2M_EPT_ADDR_MASK))
				return "remap does not map its hidden target's frame";
			s0 = view_find(vs, &vs->host, r->target, 1, &at);
			if (view_populated(READ_ONCE(*s0)))
				return "view 0 holds a hidden frame";
			return NULL;
		}
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

	while ((slot = altp2m_view_next_leaf(vs, v, &g, ALTP2M_VIEW_GFN_LIMIT,
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
 * remap target, which view 0 holds too (unless the target is a hidden
 * frame: then its frame, which view 0 must not hold); its rights match its access code;
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
		if (altp2m_view_lookup(vs, i, &v))
			continue;
		bad->view = i;
		leaves = 0;
		pages = 0;
		nr = 0;
		g = 0;
		while ((slot = altp2m_view_next_leaf(vs, v, &g,
						     ALTP2M_VIEW_GFN_LIMIT,
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
			if (altp2m_view_rmap_tbucket(vs, r->target) !=
			    &vs->rmap_by_target[i] ||
			    altp2m_view_rmap_find(vs, r->view, r->gfn) != r)
				return -EUCLEAN;
		}
	}
	return 0;
}
