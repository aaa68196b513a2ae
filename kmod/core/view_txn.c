// SPDX-License-Identifier: GPL-2.0
/*
 * Transactions of the view engine (see view.c for the whole): many calls
 * that edit leaves, over several views, made one all-or-nothing change.
 *
 * While a transaction is open every entry write the engine makes to a
 * table a CPU could reach goes through view_set(), which first appends
 * the slot and its old value to an undo log; remap records changed,
 * added or dropped are logged too, and a dropped one is only unhashed,
 * not freed. The counters of every view are saved at the start. Undoing
 * is then replaying the log newest first: each slot gets back its old
 * value, and a slot that held a link to a table the transaction linked
 * (a link is the only write that can put a new table's address there)
 * gives that table back. Newer writes are deeper or later, so a table is
 * restored entry by entry before the write that linked it is undone and
 * it is freed. The counters are then copied back.
 *
 * Each call inside a transaction sets a mark in the log and saves the
 * counters of the views it can touch; when it fails, the log is undone
 * down to its mark, which does what the journal does outside
 * transactions (the journal stays off meanwhile: two logs of one link
 * would free its table twice).
 *
 * Tables are not pruned while a transaction is open: an emptied table
 * stays linked and the gfn is noted, and the commit prunes. So no table
 * is unlinked but by the undo, which only unlinks tables the transaction
 * linked, and no CPU can have cached those: the owner keeps every vCPU
 * out of the guest from the beginning to the end of a transaction. That
 * is also why an abort needs no flush (every entry is back to what the
 * CPUs may have cached before), and why the commit flushes once per view
 * that any call changed in a way that needs it.
 *
 * The log grows by chunks of a page. Passing vs->txn_limit entry writes
 * fails the call with -E2BIG, and the transaction with it. Running out of
 * memory for the log while a call still links tables only fails that
 * call, as running out of tables does; in its second phase, which cannot
 * fail, it fails the transaction. Either way a write that cannot be
 * logged is skipped rather than made without a record, and so is every
 * later one; the call is undone down to its mark and fails, every later
 * call fails at once, and the commit undoes everything.
 */
#include <linux/bitmap.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/types.h>

#include "ept.h"
#include "view.h"
#include "view_internal.h"

/* One change the undo puts back (enum view_undo_kind). */
struct view_undo {
	u64 *slot;	/* ENTRY: the entry */
	u64 old;	/* ENTRY: its value; RETARGET: target; PRUNE: gfn */
	void *obj;	/* ENTRY, PRUNE: the view; else the remap record */
	unsigned int kind;
};

#define VIEW_TXN_CHUNK_BYTES	4096

struct view_undo_chunk {
	struct view_undo_chunk *prev;
	unsigned int n;
	struct view_undo rec[];
};

#define VIEW_TXN_RECS	((VIEW_TXN_CHUNK_BYTES - \
			  sizeof(struct view_undo_chunk)) / \
			 sizeof(struct view_undo))

/*
 * Records other than entry writes one call may make at most: a dropped
 * remap and the prune its leaf leaves (a revert), or one added or
 * retargeted remap. Room for them is kept free from the call's mark on,
 * so that they never need memory when the change is already made.
 */
#define VIEW_TXN_NOTES		2

/* What the undo puts back in the counters of one view. */
struct view_counts {
	u64 nr_leaves;
	u64 nr_pages;
	u64 nr_remaps;
	u64 nr_tables;
};

/**
 * struct altp2m_view_txn - an open transaction
 * @first: the oldest chunk of the log
 * @top: the chunk being filled
 * @writes: entry writes logged
 * @err: the error that failed the transaction, or 0
 * @notes: records other than entry writes made since the current mark
 * @in_call: a call is between its mark and its end
 * @mark_top: the mark: @top then
 * @mark_n: the mark: @top->n then
 * @mark_writes: the mark: @writes then
 * @mark_all: the call may touch every view, not just view 0 and @mark_view
 * @mark_view: the view it was made for
 * @mark_nr_remaps: vs->nr_remaps at the mark
 * @mark_dirty: vs->dirty at the mark
 * @nr_remaps: vs->nr_remaps at the beginning
 * @nr_views: entries of @at_begin and @at_mark, one per view index
 * @at_begin: the counters at the beginning
 * @at_mark: the counters at the mark (view 0's and @mark_view's only
 *	unless @mark_all)
 *
 * Lives from altp2m_views_txn_begin() to altp2m_views_txn_end(), under
 * the serialisation of every engine call (see struct altp2m_views).
 */
struct altp2m_view_txn {
	struct view_undo_chunk *first;
	struct view_undo_chunk *top;
	u64 writes;
	int err;
	unsigned int notes;
	bool in_call;
	struct view_undo_chunk *mark_top;
	unsigned int mark_n;
	u64 mark_writes;
	bool mark_all;
	struct altp2m_view *mark_view;
	u64 mark_nr_remaps;
	DECLARE_BITMAP(mark_dirty, ALTP2M_VIEWS_MAX);
	u64 nr_remaps;
	unsigned int nr_views;
	struct view_counts *at_begin;
	struct view_counts *at_mark;
};

/* ---- the log ----------------------------------------------------------- */

/* @n free records in the top chunk, adding one if needed. */
static int view_txn_room(struct altp2m_view_txn *txn, unsigned int n)
{
	struct view_undo_chunk *c;

	if (txn->top->n + n <= VIEW_TXN_RECS)
		return 0;
	c = kmalloc(VIEW_TXN_CHUNK_BYTES, GFP_KERNEL_ACCOUNT);
	if (!c)
		return -ENOMEM;
	c->prev = txn->top;
	c->n = 0;
	txn->top = c;
	return 0;
}

static void view_txn_add(struct altp2m_view_txn *txn, unsigned int kind,
			 u64 *slot, u64 old, void *obj)
{
	struct view_undo *u = &txn->top->rec[txn->top->n++];

	u->slot = slot;
	u->old = old;
	u->obj = obj;
	u->kind = kind;
}

/**
 * altp2m_view_txn_may_write - whether one more entry write can be logged
 * @vs: the engine, inside a transaction
 *
 * Beyond vs->txn_limit writes the transaction fails with -E2BIG. Running
 * out of memory for the log only fails the call (the first phase can
 * still fail cleanly; altp2m_view_txn_log() fails the transaction).
 *
 * Return: 0, the error that failed the transaction, -E2BIG or -ENOMEM.
 */
int altp2m_view_txn_may_write(struct altp2m_views *vs)
{
	struct altp2m_view_txn *txn = vs->txn;

	if (txn->err)
		return txn->err;
	if (txn->writes >= vs->txn_limit) {
		txn->err = -E2BIG;
		return txn->err;
	}
	return view_txn_room(txn, 1 + VIEW_TXN_NOTES);
}

/**
 * altp2m_view_txn_log - log an entry before view_set() writes it
 * @vs: the engine, inside a transaction
 * @v: the view the entry belongs to
 * @slot: the entry
 *
 * Return: true when logged; false when the transaction has failed (now
 * or before), and the write must be skipped.
 */
bool altp2m_view_txn_log(struct altp2m_views *vs, struct altp2m_view *v,
			 u64 *slot)
{
	struct altp2m_view_txn *txn = vs->txn;
	int ret = altp2m_view_txn_may_write(vs);

	if (ret) {
		txn->err = ret;
		return false;
	}
	view_txn_add(txn, VIEW_UNDO_ENTRY, slot, READ_ONCE(*slot), v);
	txn->writes++;
	return true;
}

/**
 * altp2m_view_txn_note - log a change other than an entry write
 * @vs: the engine, inside a transaction
 * @kind: VIEW_UNDO_ADD, _DROP, _RETARGET or _PRUNE
 * @obj: the remap record, or for VIEW_UNDO_PRUNE the view
 * @old: the old target for VIEW_UNDO_RETARGET, the gfn for VIEW_UNDO_PRUNE
 *
 * The change is made already, so this cannot fail: the call's mark and
 * every entry write since kept room for VIEW_TXN_NOTES records.
 */
void altp2m_view_txn_note(struct altp2m_views *vs, unsigned int kind,
			  void *obj, u64 old)
{
	struct altp2m_view_txn *txn = vs->txn;

	/* More than the room kept: a bug of the engine, caught by tests. */
	if (txn->notes++ >= VIEW_TXN_NOTES && view_txn_room(txn, 1)) {
		txn->err = -ENOMEM;
		return;
	}
	view_txn_add(txn, kind, NULL, old, obj);
}

/* ---- undo --------------------------------------------------------------- */

/* A link to a table: present, and no leaf of the engine. */
static bool view_links_table(u64 e)
{
	return altp2m_ept_present(e) && !view_populated(e);
}

static void view_undo_one(struct altp2m_views *vs, struct view_undo *u)
{
	struct altp2m_view *v = u->obj;
	u64 cur;

	switch (u->kind) {
	case VIEW_UNDO_ENTRY:
		cur = READ_ONCE(*u->slot);
		WRITE_ONCE(*u->slot, u->old);
		if (!view_links_table(cur) ||
		    (view_links_table(u->old) &&
		     !((cur ^ u->old) & ALTP2M_EPT_ADDR_MASK)))
			break;
		/*
		 * The transaction linked it, so no CPU walked it: it goes
		 * with no flush (release_tables() at the end frees it).
		 */
		vs->tables_queued = 1;
		vs->ops->free_table(vs->ctx, v->idx, view_table_va(vs, cur),
				    cur & ALTP2M_EPT_ADDR_MASK);
		break;
	case VIEW_UNDO_PRUNE:
		break;
	default:
		altp2m_view_rmap_undo(vs, u->kind, u->obj, u->old);
	}
}

/* Undo the log, newest first, down to record @n of chunk @stop. */
static void view_txn_undo(struct altp2m_views *vs,
			  struct view_undo_chunk *stop, unsigned int n)
{
	struct altp2m_view_txn *txn = vs->txn;
	struct view_undo_chunk *c = txn->top;

	for (;;) {
		while (c->n > (c == stop ? n : 0)) {
			view_undo_one(vs, &c->rec[--c->n]);
			view_tick(vs);
		}
		if (c == stop)
			break;
		txn->top = c->prev;
		kfree(c);
		c = txn->top;
	}
}

static struct altp2m_view *view_txn_view(struct altp2m_views *vs,
					 unsigned int i)
{
	return i ? vs->view[i] : &vs->host;
}

static void view_counts_save(struct view_counts *c, struct altp2m_view *v)
{
	c->nr_leaves = v->nr_leaves;
	c->nr_pages = v->nr_pages;
	c->nr_remaps = v->nr_remaps;
	c->nr_tables = v->ept.nr_tables;
}

static void view_counts_load(struct altp2m_view *v, const struct view_counts *c)
{
	v->nr_leaves = c->nr_leaves;
	v->nr_pages = c->nr_pages;
	v->nr_remaps = c->nr_remaps;
	v->ept.nr_tables = c->nr_tables;
}

/* ---- calls inside a transaction ---------------------------------------- */

/* Fail with the transaction's error, naming the log when it was full. */
static int view_txn_failed(struct altp2m_views *vs)
{
	int err = vs->txn->err;

	return err == -E2BIG ? view_refuse(vs, err, ALTP2M_WHY_TXN_SIZE) : err;
}

/**
 * altp2m_view_txn_call - the start of a call that may edit leaves
 * @vs: the engine
 *
 * Return: 0, or the error that failed the open transaction: then every
 * later call fails at once with it.
 */
int altp2m_view_txn_call(struct altp2m_views *vs)
{
	if (!vs->txn || !vs->txn->err)
		return 0;
	return view_txn_failed(vs);
}

/**
 * altp2m_view_txn_mark - a call is about to change something
 * @vs: the engine
 * @v: the view it edits
 * @all: it may change every view (view 0's access, propagated); else
 *	only @v and view 0 (filled for @v)
 *
 * Inside a transaction, mark the log and save what
 * altp2m_view_end() restores if the call fails.
 *
 * Return: 0, or -ENOMEM with nothing changed.
 */
int altp2m_view_txn_mark(struct altp2m_views *vs, struct altp2m_view *v,
			 bool all)
{
	struct altp2m_view_txn *txn = vs->txn;
	unsigned int i;
	int ret;

	if (!txn)
		return 0;
	ret = view_txn_room(txn, VIEW_TXN_NOTES);
	if (ret)
		return ret;
	txn->mark_top = txn->top;
	txn->mark_n = txn->top->n;
	txn->mark_writes = txn->writes;
	txn->mark_all = all;
	txn->mark_view = v;
	txn->mark_nr_remaps = vs->nr_remaps;
	memcpy(txn->mark_dirty, vs->dirty, sizeof(vs->dirty));
	if (all) {
		for (i = 0; i < txn->nr_views; i++)
			if (view_txn_view(vs, i))
				view_counts_save(&txn->at_mark[i],
						 view_txn_view(vs, i));
	} else {
		view_counts_save(&txn->at_mark[0], &vs->host);
		view_counts_save(&txn->at_mark[v->idx], v);
	}
	txn->notes = 0;
	txn->in_call = true;
	return 0;
}

/**
 * altp2m_view_end - the end of a call that may edit leaves
 * @vs: the engine
 * @ret: the call's result so far
 *
 * Outside a transaction altp2m_view_finish(). Inside, nothing is flushed
 * or released: vs->dirty and the queue of tables add up until
 * altp2m_views_txn_end(). A call that failed, or during which the
 * transaction failed, is undone down to its mark.
 *
 * Return: @ret, or the transaction's error.
 */
int altp2m_view_end(struct altp2m_views *vs, int ret)
{
	struct altp2m_view_txn *txn = vs->txn;
	unsigned int i;

	if (!txn) {
		altp2m_view_finish(vs);
		return ret;
	}
	vs->applying = 0;
	if (!ret && txn->err)
		ret = view_txn_failed(vs);
	else if (ret == -E2BIG && txn->err == -E2BIG)
		view_refuse(vs, ret, ALTP2M_WHY_TXN_SIZE);
	if (!ret || !txn->in_call) {
		txn->in_call = false;
		return ret;
	}
	view_txn_undo(vs, txn->mark_top, txn->mark_n);
	txn->writes = txn->mark_writes;
	vs->nr_remaps = txn->mark_nr_remaps;
	memcpy(vs->dirty, txn->mark_dirty, sizeof(vs->dirty));
	if (txn->mark_all) {
		for (i = 0; i < txn->nr_views; i++)
			if (view_txn_view(vs, i))
				view_counts_load(view_txn_view(vs, i),
						 &txn->at_mark[i]);
	} else {
		view_counts_load(&vs->host, &txn->at_mark[0]);
		view_counts_load(txn->mark_view,
				 &txn->at_mark[txn->mark_view->idx]);
	}
	txn->in_call = false;
	return ret;
}

/**
 * altp2m_view_txn_refuse - a call the open transaction does not allow,
 * and that cannot return an error, came
 * @vs: the engine, inside a transaction
 *
 * The call does nothing; the transaction fails with -EBUSY (unless it
 * failed already), so that its end undoes it.
 */
void altp2m_view_txn_refuse(struct altp2m_views *vs)
{
	if (!vs->txn->err)
		vs->txn->err = -EBUSY;
}

/* ---- begin and end ------------------------------------------------------ */

/**
 * altp2m_views_txn_begin - open a transaction
 * @vs: the engine, altp2m enabled or not
 *
 * Until altp2m_views_txn_end(), the calls that edit leaves,
 * altp2m_views_set_access(), _set_access_range(), _set_access_list(),
 * altp2m_views_set_sve(), _set_sve_range(), _set_sve_list() and
 * altp2m_views_remap() (reverts included), and the calls that only read
 * (get_access, get_sve, frame_gfn, eptp, list, dump, check) behave as
 * they do alone: same results, same vs->why, a failed call undone. But
 * nothing is flushed, no table is pruned and none is released before
 * the end, and every change is logged so that the end can undo them all.
 * A call that fails leaves the transaction open: the caller decides, and
 * normally aborts.
 *
 * The calls that change the engine's structure, altp2m_views_enable(),
 * _disable(), _create(), _destroy_view(), _vcpu_enter() and
 * altp2m_views_fault(), fail with -EBUSY meanwhile. The owner must not
 * call altp2m_views_host_unmap() or altp2m_views_vcpu_leave(), which
 * cannot fail: they then do nothing and the transaction fails with
 * -EBUSY. altp2m_views_destroy() aborts the transaction first.
 *
 * The owner must keep every vCPU of the VM out of the guest from here to
 * the end of altp2m_views_txn_end(): an abort flushes nothing, and
 * tables the transaction linked are freed without a flush.
 *
 * At most vs->txn_limit (ALTP2M_BATCH_MAX_CHANGES) entry writes may be
 * logged: the write beyond fails its call with -E2BIG (vs->why says
 * ALTP2M_WHY_TXN_SIZE) and the transaction. When the log cannot grow
 * where a call can no longer fail, the transaction fails with -ENOMEM.
 * Once failed, every later call fails at once with that error, and a
 * commit undoes everything and returns it. The log takes about 32 bytes
 * per entry written, in page-size chunks charged to the caller's memory
 * cgroup, and is freed at the end.
 *
 * Return: 0, -EBUSY when a transaction is open already, or -ENOMEM.
 */
int altp2m_views_txn_begin(struct altp2m_views *vs)
{
	unsigned int i, nr = vs->max_views ? vs->max_views : 1;
	struct altp2m_view_txn *txn;

	if (vs->txn)
		return -EBUSY;
	txn = kzalloc(sizeof(*txn), GFP_KERNEL_ACCOUNT);
	if (!txn)
		return -ENOMEM;
	txn->at_begin = kvmalloc_array(2 * nr, sizeof(*txn->at_begin),
				       GFP_KERNEL_ACCOUNT);
	if (!txn->at_begin)
		goto err_txn;
	txn->at_mark = txn->at_begin + nr;
	txn->first = kmalloc(VIEW_TXN_CHUNK_BYTES, GFP_KERNEL_ACCOUNT);
	if (!txn->first)
		goto err_counts;
	txn->first->prev = NULL;
	txn->first->n = 0;
	txn->top = txn->first;
	txn->nr_views = nr;
	for (i = 0; i < nr; i++)
		if (view_txn_view(vs, i))
			view_counts_save(&txn->at_begin[i],
					 view_txn_view(vs, i));
	txn->nr_remaps = vs->nr_remaps;
	vs->txn = txn;
	return 0;

err_counts:
	kvfree(txn->at_begin);
err_txn:
	kfree(txn);
	return -ENOMEM;
}

/*
 * The commit: records dropped are freed now, and the tables left empty
 * are pruned, with vs->txn already NULL so that they really go.
 */
static void view_txn_commit(struct altp2m_views *vs,
			    struct altp2m_view_txn *txn)
{
	struct view_undo_chunk *c;
	struct view_undo *u;
	unsigned int i;

	for (c = txn->top; c; c = c->prev) {
		for (i = c->n; i--;) {
			u = &c->rec[i];
			if (u->kind == VIEW_UNDO_DROP)
				kfree(u->obj);
			else if (u->kind == VIEW_UNDO_PRUNE)
				altp2m_view_prune_tables(vs, u->obj, u->old,
							 false);
		}
		view_tick(vs);
	}
}

/* The abort: every change undone, every counter as it was. */
static void view_txn_abort(struct altp2m_views *vs,
			   struct altp2m_view_txn *txn)
{
	unsigned int i;

	view_txn_undo(vs, txn->first, 0);
	for (i = 0; i < txn->nr_views; i++)
		if (view_txn_view(vs, i))
			view_counts_load(view_txn_view(vs, i),
					 &txn->at_begin[i]);
	vs->nr_remaps = txn->nr_remaps;
	/* Every entry is what CPUs may have cached before: no flush. */
	bitmap_zero(vs->dirty, ALTP2M_VIEWS_MAX);
}

/**
 * altp2m_views_txn_end - close the transaction altp2m_views_txn_begin()
 * opened
 * @vs: the engine
 * @commit: keep the changes; else undo them
 *
 * A commit of a transaction that has not failed prunes the tables its
 * calls left empty, frees the remap records they dropped, flushes once
 * each view any of them changed in a way a CPU may have cached (the
 * union over all calls), and then releases the tables given back. A
 * commit of a failed transaction is an abort that returns the error.
 *
 * An abort undoes every change since the beginning, newest first: every
 * view's tables are bit-identical to what they were (the tables the
 * transaction linked are unlinked and given back, unflushed: no CPU ever
 * walked them), the remap records and the counters are back, and nothing
 * is flushed, since every entry is again what a CPU may have cached.
 * vs->stats is not undone: it counts work done, undone or not.
 * altp2m_views_check() holds after either end.
 *
 * Return: 0; the transaction's error for a commit of a failed one; or
 * -EINVAL, doing nothing, when no transaction is open.
 */
int altp2m_views_txn_end(struct altp2m_views *vs, bool commit)
{
	struct altp2m_view_txn *txn = vs->txn;
	struct view_undo_chunk *c;
	int ret = 0;

	if (!txn)
		return -EINVAL;
	if (commit && !txn->err) {
		vs->txn = NULL;
		view_txn_commit(vs, txn);
	} else {
		if (commit)
			ret = txn->err;
		view_txn_abort(vs, txn);
		vs->txn = NULL;
	}
	altp2m_view_finish(vs);
	while ((c = txn->top)) {
		txn->top = c->prev;
		kfree(c);
	}
	kvfree(txn->at_begin);
	kfree(txn);
	return ret;
}
