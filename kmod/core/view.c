// SPDX-License-Identifier: GPL-2.0
/*
 * The view engine; see view.h for the interface, the leaf format and the
 * invariant it keeps.
 *
 * The engine writes leaves itself rather than through altp2m_ept_map()
 * and its siblings, for three reasons: a leaf with access n is not
 * present to the CPU yet keeps its frame and access (ept.c would treat it
 * as empty and free its table); bulk changes edit a table in place, one
 * store per entry, instead of walking from the root for each gfn; and
 * all-or-nothing needs every table link journaled so that a failure can
 * be undone exactly. ept.c still creates, destroys and points at each
 * hierarchy.
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
 *
 * The engine is six files, one job each:
 *
 *   view.c        the engine and its views: init and destroy, enable and
 *                 disable, create and destroy one view, the vCPUs on a
 *                 view and its EPT pointer
 *   view_walk.c   the tables: find, link and split, the undo journal,
 *                 prune, lazy fill, and the end of every call (the
 *                 two-phase machinery)
 *   view_edit.c   access and suppress-#VE of a range or a list, the
 *                 propagation of view 0's changes, and EPT violations
 *   view_remap.c  remaps, their reverse map, and what happens when guest
 *                 RAM goes away
 *   view_query.c  list, dump and the invariant check
 *   view_txn.c    transactions: the undo log of every change many calls
 *                 make, undone on abort, pruned and flushed on commit
 *
 * view_internal.h holds what they share.
 */
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/types.h>

#include "ept.h"
#include "view.h"
#include "view_internal.h"

/* Hardware rights of each access code; w and wx are never stored. */
const u8 altp2m_view_perms[ALTP2M_ACCESS_DEFAULT] = {
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

/**
 * altp2m_view_resolve - an access as a code to store
 * @vs: the engine
 * @access: ALTP2M_ACCESS_*
 * @code: set to the code
 *
 * "default" is the host's default access, rwx, in every view (as Xen
 * resolves it against the host p2m), and what the CPU cannot do is
 * refused.
 *
 * Return: 0 or -EINVAL.
 */
int altp2m_view_resolve(const struct altp2m_views *vs, unsigned int access,
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

/**
 * altp2m_view_lookup - the view of an index
 * @vs: the engine
 * @idx: the index; 0 is view 0, enabled or not
 * @vp: set to the view
 *
 * Return: 0, -EOPNOTSUPP while altp2m is off, -EINVAL (noted in vs->why)
 * beyond max_views, or -ENOENT.
 */
int altp2m_view_lookup(struct altp2m_views *vs, unsigned int idx,
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
	vs->txn_limit = ALTP2M_BATCH_MAX_CHANGES;
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
	altp2m_view_rmap_forget(vs, ALTP2M_VIEWS_MAX);
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
 * A transaction still open is aborted first. Every view is flushed once
 * more before its tables are released. Destroying again does nothing.
 */
void altp2m_views_destroy(struct altp2m_views *vs)
{
	if (!vs->ops)
		return;
	if (vs->txn)
		altp2m_views_txn_end(vs, false);
	view_teardown(vs);
	altp2m_ept_destroy(&vs->host.ept);
	altp2m_view_finish(vs);
	vs->ops = NULL;
}

/**
 * altp2m_views_enable - allow views >= 1
 * @vs: the engine
 * @max_views: view indices will be below this: 1 .. ALTP2M_VIEWS_MAX, or 0
 *	for ALTP2M_VIEWS_DEFAULT (Xen's 10)
 *
 * Return: 0, -EINVAL for a bad @max_views, -EEXIST when already enabled,
 * -EBUSY inside a transaction, or -ENOMEM.
 */
int altp2m_views_enable(struct altp2m_views *vs, unsigned int max_views)
{
	if (vs->txn)
		return -EBUSY;
	if (!max_views)
		max_views = ALTP2M_VIEWS_DEFAULT;
	if (max_views > ALTP2M_VIEWS_MAX)
		return -EINVAL;
	if (vs->max_views)
		return -EEXIST;
	vs->view = kcalloc(max_views, sizeof(*vs->view), GFP_KERNEL_ACCOUNT);
	if (!vs->view)
		return -ENOMEM;
	if (altp2m_view_rmap_alloc(vs, VIEW_RMAP_MIN_BITS)) {
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
 * a vCPU is on a view >= 1 or a transaction is open.
 */
int altp2m_views_disable(struct altp2m_views *vs)
{
	unsigned int i;

	if (vs->txn)
		return -EBUSY;
	for (i = 1; i < vs->max_views; i++)
		if (vs->view[i] && vs->view[i]->vcpus_on)
			return -EBUSY;
	view_teardown(vs);
	altp2m_view_finish(vs);
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
 * access, -ENOSPC when every index is taken, -EBUSY inside a transaction,
 * or -ENOMEM.
 */
int altp2m_views_create(struct altp2m_views *vs, unsigned int default_access,
			unsigned int *idx)
{
	struct altp2m_view *v;
	unsigned int i;
	u8 code;
	int ret;

	if (vs->txn)
		return -EBUSY;
	if (!vs->max_views)
		return -EOPNOTSUPP;
	ret = altp2m_view_resolve(vs, default_access, &code);
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
	v->serial = ++vs->serials;
	vs->view[i] = v;
	*idx = i;
	return 0;
}

/**
 * altp2m_views_destroy_view - destroy one view and its remaps
 * @vs: the engine
 * @idx: the view; the caller has removed it from every EPTP list
 *
 * Return: 0, -EBUSY for view 0, a view a vCPU is on or inside a
 * transaction, -EOPNOTSUPP when altp2m is not enabled, -EINVAL for an
 * index beyond the maximum, or -ENOENT for a view that does not exist.
 */
int altp2m_views_destroy_view(struct altp2m_views *vs, unsigned int idx)
{
	struct altp2m_view *v;
	int ret;

	if (!idx || vs->txn)
		return -EBUSY;
	ret = altp2m_view_lookup(vs, idx, &v);
	if (ret)
		return ret;
	if (v->vcpus_on)
		return -EBUSY;
	if (v->nr_remaps)
		altp2m_view_rmap_forget(vs, idx);
	altp2m_ept_destroy(&v->ept);
	vs->view[idx] = NULL;
	kfree(v);
	altp2m_view_finish(vs);
	return 0;
}

/**
 * altp2m_views_vcpu_enter - count a vCPU onto a view
 * @vs: the engine
 * @idx: the view
 *
 * While any vCPU is counted on it, a view cannot be destroyed.
 *
 * Return: 0, -EBUSY inside a transaction (the owner holds every vCPU out
 * of the guest then), or the other errors of altp2m_views_destroy_view().
 */
int altp2m_views_vcpu_enter(struct altp2m_views *vs, unsigned int idx)
{
	struct altp2m_view *v;
	int ret;

	if (vs->txn)
		return -EBUSY;
	ret = altp2m_view_lookup(vs, idx, &v);
	if (!ret)
		v->vcpus_on++;
	return ret;
}

/**
 * altp2m_views_vcpu_leave - count a vCPU off a view
 * @vs: the engine
 * @idx: a view altp2m_views_vcpu_enter() counted it onto
 *
 * Must not be called while a transaction is open: then the count stays
 * and the transaction fails with -EBUSY, as for altp2m_views_host_unmap().
 */
void altp2m_views_vcpu_leave(struct altp2m_views *vs, unsigned int idx)
{
	struct altp2m_view *v;

	if (vs->txn) {
		altp2m_view_txn_refuse(vs);
		return;
	}
	if (!altp2m_view_lookup(vs, idx, &v) && v->vcpus_on)
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

	ret = altp2m_view_lookup(vs, idx, &v);
	if (!ret)
		*eptp = altp2m_ept_eptp(&v->ept, ad);
	return ret;
}
