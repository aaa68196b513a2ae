/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the view engine share and nothing else sees: the leaf
 * format's helpers, the reverse map's record, and the functions one part
 * of the engine calls in another. The interface is view.h; view.c says
 * which file does what.
 *
 * Small helpers are static inline and keep the engine's view_ prefix;
 * functions with external linkage are altp2m_view_*, documented where
 * they are defined.
 */
#ifndef ALTP2M_CORE_VIEW_INTERNAL_H
#define ALTP2M_CORE_VIEW_INTERNAL_H

#include <linux/bitmap.h>
#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/list.h>
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

/* Hardware rights of each access code (view.c). */
extern const u8 altp2m_view_perms[ALTP2M_ACCESS_DEFAULT];

static inline u64 view_min(u64 a, u64 b)
{
	return a < b ? a : b;
}

/* Gfns one entry of @level maps. */
static inline u64 view_span(unsigned int level)
{
	return 1ULL << (9 * (level - 1));
}

static inline unsigned int view_index(u64 gfn, unsigned int level)
{
	return (gfn >> (9 * (level - 1))) & (ALTP2M_EPT_ENTRIES - 1);
}

/* A leaf of the engine, present to the CPU or parked. */
static inline bool view_populated(u64 e)
{
	return e & ALTP2M_VIEW_SW_ACCESS_MASK;
}

/* An entry that holds nothing: neither a table link nor a leaf. */
static inline bool view_empty(u64 e)
{
	return e == ALTP2M_EPT_EMPTY;
}

static inline bool view_is_table(u64 e, unsigned int level)
{
	return level > 1 && altp2m_ept_present(e) && !(e & ALTP2M_EPT_LARGE);
}

static inline u64 view_access_bits(unsigned int code)
{
	return altp2m_view_perms[code] |
	       ((u64)(code + 1) << ALTP2M_VIEW_SW_ACCESS_SHIFT);
}

static inline unsigned int view_code(u64 e)
{
	return ((e & ALTP2M_VIEW_SW_ACCESS_MASK) >>
		ALTP2M_VIEW_SW_ACCESS_SHIFT) - 1;
}

/* The host frame @gfn has inside the leaf @e of @level at @base. */
static inline u64 view_piece(u64 e, unsigned int level, u64 base, u64 gfn)
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
static inline bool view_needs_flush(u64 old, u64 new)
{
	const u64 same = ALTP2M_EPT_ADDR_MASK | VIEW_TYPE_MASK |
			 ALTP2M_EPT_LARGE | ALTP2M_EPT_SVE;

	if (!altp2m_ept_present(old))
		return false;
	return ((old ^ new) & same) || (old & ~new & ALTP2M_EPT_RWX);
}

/* The code of an access altp2m_view_resolve() accepted. */
static inline u8 view_resolved(unsigned int access)
{
	return access == ALTP2M_ACCESS_DEFAULT ? ALTP2M_ACCESS_RWX : access;
}

/*
 * One step of a long walk (a 2 MiB block, a leaf table, a list pair, a
 * view): every ALTP2M_VIEW_RESCHED_EVERY of them the owner may reschedule.
 */
static inline void view_tick(struct altp2m_views *vs)
{
	if (++vs->ticks < ALTP2M_VIEW_RESCHED_EVERY)
		return;
	vs->ticks = 0;
	if (vs->ops->resched)
		vs->ops->resched(vs->ctx);
}

/* Fail with @err, noting that @arg was at fault (see vs->why). */
static inline int view_refuse(struct altp2m_views *vs, int err, u8 arg)
{
	vs->why.arg = arg;
	vs->why.in_list = 0;
	return err;
}

/* The same for pair @k of a list. */
static inline int view_refuse_entry(struct altp2m_views *vs, int err, u8 arg,
				    u64 k)
{
	vs->why.arg = arg;
	vs->why.in_list = 1;
	vs->why.entry = k;
	return err;
}

static inline void view_dirty(struct altp2m_views *vs, struct altp2m_view *v)
{
	__set_bit(v->idx, vs->dirty);
}

static inline u64 *view_table_va(const struct altp2m_views *vs, u64 e)
{
	return vs->ops->table_va(vs->ctx, e & ALTP2M_EPT_ADDR_MASK);
}

/*
 * Descend towards @gfn; return the slot where the walk ends: at level
 * @stop, or higher at an entry that is empty or a leaf.
 */
static inline u64 *view_find(const struct altp2m_views *vs,
			     const struct altp2m_view *v, u64 gfn,
			     unsigned int stop, unsigned int *level)
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
 * Inside a transaction its own log undoes a failed call (see view_txn.c),
 * so the journal stays off: two logs of one link would free its table
 * twice.
 */
static inline void view_journal_begin(struct altp2m_views *vs)
{
	if (!vs->txn)
		vs->journaling = 1;
}

/* What a transaction's log records besides entry writes (view_txn.c). */
enum view_undo_kind {
	VIEW_UNDO_ENTRY,	/* an entry held @old */
	VIEW_UNDO_ADD,		/* a remap record was added */
	VIEW_UNDO_DROP,		/* one was dropped: freed only at commit */
	VIEW_UNDO_RETARGET,	/* one's target was @old */
	VIEW_UNDO_PRUNE,	/* gfn @old's tables may be empty: at commit */
};

/* view_txn.c */
bool altp2m_view_txn_log(struct altp2m_views *vs, struct altp2m_view *v,
			 u64 *slot);
int altp2m_view_txn_may_write(struct altp2m_views *vs);
void altp2m_view_txn_note(struct altp2m_views *vs, unsigned int kind,
			  void *obj, u64 old);
int altp2m_view_txn_call(struct altp2m_views *vs);
int altp2m_view_txn_mark(struct altp2m_views *vs, struct altp2m_view *v,
			 bool all);
void altp2m_view_txn_refuse(struct altp2m_views *vs);
int altp2m_view_end(struct altp2m_views *vs, int ret);

/*
 * Write an entry a CPU may reach. Inside a transaction its old value is
 * logged first; when that is impossible the transaction has failed and
 * the write is skipped, so that nothing unlogged can outlive the abort.
 */
static inline void view_set(struct altp2m_views *vs, struct altp2m_view *v,
			    u64 *slot, u64 new)
{
	if (vs->txn && !altp2m_view_txn_log(vs, v, slot))
		return;
	WRITE_ONCE(*slot, new);
}

/* view.c */
int altp2m_view_resolve(const struct altp2m_views *vs, unsigned int access,
			u8 *code);
int altp2m_view_lookup(struct altp2m_views *vs, unsigned int idx,
		       struct altp2m_view **vp);

/* view_walk.c */
u64 *altp2m_view_next_leaf(const struct altp2m_views *vs,
			   const struct altp2m_view *v, u64 *gfn, u64 end,
			   unsigned int *level);
void altp2m_view_journal_end(struct altp2m_views *vs, bool undo);
int altp2m_view_link(struct altp2m_views *vs, struct altp2m_view *v,
		     u64 *slot, unsigned int level);
int altp2m_view_make_slot(struct altp2m_views *vs, struct altp2m_view *v,
			  u64 gfn, unsigned int level, u64 **slotp);
void altp2m_view_prune_tables(struct altp2m_views *vs,
			      struct altp2m_view *v, u64 gfn, bool went);
int altp2m_view_fill_host(struct altp2m_views *vs, u64 gfn, bool want2m,
			  bool populate, u64 **slotp, unsigned int *levelp);
int altp2m_view_fill(struct altp2m_views *vs, struct altp2m_view *v,
		     u64 gfn, bool want2m, bool populate, u64 **slotp,
		     unsigned int *levelp);
int altp2m_view_host_ram(struct altp2m_views *vs, u64 gfn);
void altp2m_view_finish(struct altp2m_views *vs);

/* view_remap.c */
struct hlist_head *altp2m_view_rmap_tbucket(const struct altp2m_views *vs,
					    u64 target);
struct altp2m_remap *altp2m_view_rmap_find(const struct altp2m_views *vs,
					   unsigned int view, u64 gfn);
int altp2m_view_rmap_alloc(struct altp2m_views *vs, unsigned int bits);
void altp2m_view_rmap_forget(struct altp2m_views *vs, unsigned int idx);
void altp2m_view_rmap_undo(struct altp2m_views *vs, unsigned int kind,
			   struct altp2m_remap *r, u64 old);

/* A leaf of @gfn went: altp2m_view_prune_tables(). */
static inline void view_prune(struct altp2m_views *vs, struct altp2m_view *v,
			      u64 gfn)
{
	altp2m_view_prune_tables(vs, v, gfn, true);
}

#endif /* ALTP2M_CORE_VIEW_INTERNAL_H */
