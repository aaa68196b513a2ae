/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The view engine: every p2m hierarchy of one VM, view 0 (the host p2m)
 * and the alternate views 1 .. max_views - 1, with the semantics of Xen's
 * altp2m (xen/arch/x86/mm/altp2m.c, p2m-ept.c, mem_access.c).
 *
 * Each view is a struct altp2m_ept in the hardware's format. View 0 is
 * filled lazily from the owner's host_frame() callback, the source of
 * truth for what is guest RAM; a view >= 1 is filled lazily from view 0
 * (frame, memory type and size) with the view's default access. Anything
 * host_frame() does not know is MMIO and is never pulled into a view.
 *
 * Per-leaf state lives in the leaf itself, in the bits the CPU ignores,
 * so no side table is needed to answer get_access or to promote:
 *
 *   bits 52-55  access code + 1 (ALTP2M_ACCESS_*, n .. n2rwx); 0 means
 *               "no leaf" (see the empty entry below). A leaf with
 *               access n or n2rwx has R = W = X = 0, so the CPU sees it
 *               as not present, yet it keeps its frame and access: it is
 *               "parked", not empty.
 *   bit  56     remapped: the frame is another gfn's (see the reverse
 *               map, keyed by that target gfn)
 *   bit  63     suppress #VE (SVE), 1 in every new leaf
 *
 * In a PDE that links a page table, bit 56 (ignored there too) says that
 * every entry of that table is a leaf, so that bulk calls need not check
 * it for gfns to fill.
 *
 * An entry that is neither a leaf nor a table link, at any level of any
 * view, view 0 included, is exactly ALTP2M_EPT_EMPTY, the empty entry: SVE
 * alone, never 0. With "EPT-violation #VE" enabled, the CPU decides by a
 * not-present entry's bit 63 whether an access through it is a #VE in the
 * guest (0) or an EPT-violation exit (1); a gfn a view has not filled yet
 * must exit, so that the engine fills it. The only other not-present
 * entries are parked leaves, whose SVE is the one the user set
 * (altp2m_views_set_sve()) and may well be 0.
 *
 * Invariant (altp2m_views_check()): every leaf of view 0 at gfn G maps
 * host_frame(G); every leaf of a view >= 1 at G maps host_frame(G), or
 * host_frame(B) when it is a remap to B, and view 0 holds G (or B) too. So
 * no view maps a frame the host p2m does not own. The one exception is a
 * remap to a hidden frame H (hidden_frame(), below): it maps
 * hidden_frame(H), which view 0 never holds. And every not-present entry
 * is ALTP2M_EPT_EMPTY or a parked leaf.
 *
 * Hidden frames are frames of the owner's that are not guest RAM:
 * host_frame() does not know them, so lazy fill treats them as MMIO in
 * every view, view 0 included, and no view maps one at its own gfn. Only
 * the host's remaps (altp2m_views_remap(), not the guest's
 * altp2m_views_remap_guest()) may target one; their removal is
 * altp2m_views_host_unmap() over their gfns, as for guest RAM.
 *
 * TLB invalidation is batched: no operation flushes per gfn. Each public
 * call notes which views it changed in a way the CPU may have cached (a
 * present entry changed or removed, or a table unlinked) and, at its end,
 * calls flush_view() once for each of them, then release_tables() so
 * that tables unlinked by the call are freed only after those flushes.
 *
 * Transactions (altp2m_views_txn_begin(), altp2m_views_txn_end()) make
 * many calls, over several views, one all-or-nothing change. While one is
 * open, the calls that edit leaves behave as they do alone, but every
 * entry they write is logged with its old value, and so is every change
 * of a remap record; no view is flushed, no table pruned and none given
 * back until the end. A commit then prunes, flushes each view any of the
 * calls changed once, and releases; an abort replays the log backwards
 * and restores the counters, which leaves every hierarchy bit-identical to
 * what it was at the start, with nothing to flush because the owner kept
 * every vCPU out of the guest throughout. Calls that change the engine's
 * structure (views, vCPUs, guest RAM, faults) are refused meanwhile.
 *
 * Hardware-independent: tables come from the owner's callbacks, and the
 * code executes no VMX instruction.
 */
#ifndef ALTP2M_CORE_VIEW_H
#define ALTP2M_CORE_VIEW_H

#include <linux/bitmap.h>
#include <linux/bits.h>
#include <linux/types.h>
#include <linux/altp2m.h>

#include "ept.h"

/* View count: Xen's MAX_ALTP2M is 10; 512 is the EPTP-list size. */
#define ALTP2M_VIEWS_MAX		512
#define ALTP2M_VIEWS_DEFAULT		10

/* Frames the 48-bit guest-physical space holds. */
#define ALTP2M_VIEW_GFN_LIMIT		(1ULL << (ALTP2M_EPT_GPA_BITS - \
						  ALTP2M_EPT_PAGE_SHIFT))

/* The software-available bits of a leaf, see above. */
#define ALTP2M_VIEW_SW_ACCESS_SHIFT	ALTP2M_EPT_SW_SHIFT
#define ALTP2M_VIEW_SW_ACCESS_MASK	(0xfULL << ALTP2M_EPT_SW_SHIFT)
#define ALTP2M_VIEW_SW_REMAPPED		BIT_ULL(ALTP2M_EPT_SW_SHIFT + 4)
#define ALTP2M_VIEW_SW_PT_FULL		BIT_ULL(ALTP2M_EPT_SW_SHIFT + 4)

/* altp2m_views_init() flags: the CPU has execute-only EPT entries. */
#define ALTP2M_VIEWS_EXEC_ONLY		BIT(0)

/*
 * Access codes are the uAPI's ALTP2M_ACCESS_* (Xen's xenmem_access_t
 * numbering), so that calls pass them through unchanged. Here, W and WX
 * are refused (a misconfiguration), X unless ALTP2M_VIEWS_EXEC_ONLY, and
 * DEFAULT is rwx, the host's, in every view (as Xen resolves it).
 */

/*
 * Access bits of a fault (the low bits of the EPT-violation exit
 * qualification use the same positions).
 */
#define ALTP2M_VIEW_FAULT_R		ALTP2M_EPT_R
#define ALTP2M_VIEW_FAULT_W		ALTP2M_EPT_W
#define ALTP2M_VIEW_FAULT_X		ALTP2M_EPT_X

/* Positive returns of altp2m_views_fault(). */
#define ALTP2M_VIEW_RETRY		0	/* filled or already fine */
#define ALTP2M_VIEW_EVENT		1	/* a violation: see the out */
#define ALTP2M_VIEW_MMIO		2	/* not guest RAM */

/**
 * struct altp2m_view_fault - a violation altp2m_views_fault() reports
 * @view: the view the vCPU was on
 * @gpa: the faulting guest-physical address
 * @access: what the guest attempted (ALTP2M_VIEW_FAULT_* bits)
 * @entry_access: the gfn's access in @view before any promotion
 * @promoted: 1 when rx2rw or n2rwx was promoted (to rw or rwx)
 */
struct altp2m_view_fault {
	u32 view;
	u64 gpa;
	u8 access;
	u8 entry_access;
	u8 promoted;
};

/**
 * struct altp2m_views_ops - what the owner provides
 * @alloc_table: a 4 KiB aligned 4 KiB table for @view and its host
 *	physical address in *@hpa, or NULL when out of memory. It need not
 *	be zeroed: the engine writes every entry before linking it
 * @free_table: take back a table of @view that is no longer linked. A CPU
 *	may still walk it until the flushes at the end of the current call:
 *	queue it (the kernel: on page->lru), neither write nor reuse it, and
 *	free it in @release_tables
 * @release_tables: optional; called at the end of each call that gave
 *	back tables, after all its @flush_view calls: free the queue. Without
 *	it @free_table must free at once (only right where no CPU walks the
 *	tables, e.g. userspace tests)
 * @table_va: the address at which the code can access table @hpa
 * @host_frame: the host frame of guest RAM @gfn in *@hpa; set *@max_level
 *	to 2 when a 2 MiB leaf may map @gfn's aligned 2 MiB (the region
 *	covers all of it and its frames are contiguous and 2 MiB aligned),
 *	else leave it at 1. Return 0, -ENOENT when @gfn is not guest RAM
 *	(MMIO), or another negative errno. Must not change its answers
 *	within one call of the engine
 * @hidden_frame: optional; the frame of hidden gfn @gfn in *@hpa: a gfn
 *	host_frame() does not know, which a view maps only as the target of
 *	a host's remap (write-back, as guest RAM). Return 0 or -ENOENT. Must
 *	not change its answers within one call, and must keep the frame
 *	until altp2m_views_host_unmap() over @gfn has returned
 * @flush_view: invalidate what CPUs may cache of view @view (INVEPT
 *	single-context with its EPTP on every CPU that may hold it). Also
 *	called for a view that the current call destroyed: the owner still
 *	knows its EPTP until the call returns
 * @resched: optional; called every ALTP2M_VIEW_RESCHED_EVERY steps (2 MiB
 *	blocks, leaf tables, list pairs, views) of a long walk, so that the
 *	owner can give the CPU away: a walk over all of a large VM's RAM in
 *	every view takes long, and the owner's lock (a mutex in the module)
 *	is held throughout. The engine's state is consistent for the CPU's
 *	page walker at every such point, not for other engine calls: the
 *	owner must keep serialising them while it sleeps
 */
struct altp2m_views_ops {
	void *(*alloc_table)(void *ctx, unsigned int view, u64 *hpa);
	void (*free_table)(void *ctx, unsigned int view, void *table, u64 hpa);
	void (*release_tables)(void *ctx);
	void *(*table_va)(void *ctx, u64 hpa);
	int (*host_frame)(void *ctx, u64 gfn, u64 *hpa,
			  unsigned int *max_level);
	int (*hidden_frame)(void *ctx, u64 gfn, u64 *hpa);
	void (*flush_view)(void *ctx, unsigned int view);
	void (*resched)(void *ctx);
};

/* Steps of a long walk between two calls of ops->resched(). */
#define ALTP2M_VIEW_RESCHED_EVERY	64

struct altp2m_views;

/**
 * struct altp2m_view - one p2m hierarchy
 * @ept: its tables; @ept.nr_tables counts them (the root included)
 * @views: the engine it belongs to
 * @idx: its index, 0 for the host p2m
 * @default_access: what lazy fill gives (ALTP2M_ACCESS_*, resolved)
 * @vcpus_on: vCPUs using the view, kept by the caller through
 *	altp2m_views_vcpu_enter() and altp2m_views_vcpu_leave()
 * @nr_leaves: leaves it holds (a 2 MiB leaf counts one)
 * @nr_pages: 4 KiB frames those leaves map
 * @nr_remaps: leaves that are remaps
 * @serial: which creation of a view this is (altp2m_views_serial())
 */
struct altp2m_view {
	struct altp2m_ept ept;
	struct altp2m_views *views;
	unsigned int idx;
	u8 default_access;
	unsigned int vcpus_on;
	u64 nr_leaves;
	u64 nr_pages;
	u64 nr_remaps;
	u64 serial;
};

/**
 * struct altp2m_views_stats - counters, for the VM's stats
 * @flushes: flush_view() calls
 * @fills: leaves filled lazily (faults and operations)
 * @fills_2m: of which 2 MiB
 * @splits: 2 MiB leaves split into 4 KiB ones
 * @events: violations reported by altp2m_views_fault()
 * @promotions: rx2rw and n2rwx promotions
 * @remaps_invalidated: remaps dropped because their target left guest RAM
 *	or stopped being hidden
 * @late_allocs: tables allocated after an all-or-nothing call had
 *	validated; always 0 unless the engine has a bug
 */
struct altp2m_views_stats {
	u64 flushes;
	u64 fills;
	u64 fills_2m;
	u64 splits;
	u64 events;
	u64 promotions;
	u64 remaps_invalidated;
	u64 late_allocs;
};

#define ALTP2M_VIEW_JOURNAL_RECS	32

/*
 * Undo log of the tables a call links before it may still fail, so that
 * a failure leaves every hierarchy bit-identical. One chunk lives in
 * struct altp2m_views; bigger calls chain more.
 */
struct altp2m_view_journal {
	struct altp2m_view_journal *prev;
	unsigned int n;
	struct {
		u64 *slot;
		u64 old;
		struct altp2m_view *view;
	} rec[ALTP2M_VIEW_JOURNAL_RECS];
};

struct hlist_head;
struct altp2m_view_txn;

/*
 * Which argument a failed call refused (struct altp2m_views_why.arg), so
 * that a door can name it: netlink points its extended ack there.
 */
enum altp2m_views_why_arg {
	ALTP2M_WHY_NONE,
	ALTP2M_WHY_VIEW_MAX,		/* view at or beyond max_views */
	ALTP2M_WHY_VIEW_ZERO,		/* view 0 where only >= 1 will do */
	ALTP2M_WHY_GFN_WIDTH,		/* gfn beyond the gpa width */
	ALTP2M_WHY_NPAGES_WIDTH,	/* the range ends beyond it */
	ALTP2M_WHY_VALUE,		/* an access the CPU cannot express */
	ALTP2M_WHY_GFN_NOT_RAM,		/* a gfn is not guest RAM */
	ALTP2M_WHY_TARGET_WIDTH,	/* remap target beyond the width */
	ALTP2M_WHY_TARGET_NOT_RAM,	/* remap target not guest RAM */
	ALTP2M_WHY_VCPU,		/* no such vCPU: the module's calls */
	ALTP2M_WHY_TXN_SIZE,		/* the transaction's undo log is full */
};

/**
 * struct altp2m_views_why - why the last failed call failed
 * @arg: ALTP2M_WHY_*
 * @in_list: @arg is about pair @entry of a list call's list
 * @entry: that pair's index
 *
 * Written by a call that fails with -EINVAL or -ESRCH, for the cause it
 * knows; a call leaves it alone otherwise, so the caller clears it first.
 */
struct altp2m_views_why {
	u8 arg;
	u8 in_list;
	u64 entry;
};

/**
 * struct altp2m_views - the views engine of one VM
 * @ops: the owner's callbacks
 * @ctx: their first argument
 * @flags: ALTP2M_VIEWS_* from init
 * @max_views: the view-index limit while altp2m is enabled, else 0
 * @host: view 0, which always exists
 * @view: while enabled, @max_views pointers; [0] is @host, NULL is free
 * @rmap_by_target: remaps hashed by target gfn (the reverse map)
 * @rmap_by_gfn: the same remaps hashed by (view, gfn)
 * @rmap_bits: log2 of the buckets of each hash
 * @nr_remaps: remaps in all views
 * @dirty: views the current call must flush
 * @tables_queued: the current call gave back tables
 * @journaling: table links are being journaled
 * @applying: the current call is past its last possible failure
 * @journal: the first journal chunk
 * @jtop: the chunk being filled
 * @stats: counters
 * @why: what the last failed call refused (see struct altp2m_views_why)
 * @ticks: steps of long walks since the last ops->resched()
 * @txn: the open transaction (view_txn.c), or NULL
 * @txn_limit: entry writes one transaction may log, from
 *	ALTP2M_BATCH_MAX_CHANGES (a test may lower it)
 * @serials: views created so far (the last one's @serial)
 *
 * Locking: the caller serialises every call on one engine, readers
 * included (the module holds the VM's mmu mutex), because calls free
 * tables. The only concurrent reader is the CPU's page walker: each entry
 * it can reach is written with one WRITE_ONCE, and a table is filled
 * before the single store that links it.
 */
struct altp2m_views {
	const struct altp2m_views_ops *ops;
	void *ctx;
	unsigned int flags;
	unsigned int max_views;
	struct altp2m_view host;
	struct altp2m_view **view;
	struct hlist_head *rmap_by_target;
	struct hlist_head *rmap_by_gfn;
	unsigned int rmap_bits;
	u64 nr_remaps;
	DECLARE_BITMAP(dirty, ALTP2M_VIEWS_MAX);
	u8 tables_queued;
	u8 journaling;
	u8 applying;
	struct altp2m_view_journal journal;
	struct altp2m_view_journal *jtop;
	struct altp2m_views_stats stats;
	struct altp2m_views_why why;
	unsigned int ticks;
	struct altp2m_view_txn *txn;
	u64 txn_limit;
	u64 serials;
};

/**
 * struct altp2m_view_summary - one view, as altp2m_views_list() reports it
 * @index: its index
 * @default_access: its default access
 * @vcpus_on: vCPUs on it
 * @nr_leaves: leaves populated
 * @nr_pages: 4 KiB frames they map
 * @nr_tables: page-table pages it uses, the root included
 * @nr_remaps: remapped gfns
 */
struct altp2m_view_summary {
	u32 index;
	u8 default_access;
	u32 vcpus_on;
	u64 nr_leaves;
	u64 nr_pages;
	u64 nr_tables;
	u64 nr_remaps;
};

/**
 * struct altp2m_view_run - a run of gfns that differ from the host, as
 * altp2m_views_dump() reports it
 * @gfn: the first gfn
 * @npages: gfns in the run (always 1 for a remap)
 * @target: the gfn whose frame @gfn maps, or ALTP2M_GFN_INVALID
 * @access: their access (ALTP2M_ACCESS_*)
 * @sve: their suppress-#VE bit
 */
struct altp2m_view_run {
	u64 gfn;
	u64 npages;
	u64 target;
	u8 access;
	u8 sve;
};

/**
 * struct altp2m_views_bad - where altp2m_views_check() found a fault
 * @view: the view
 * @gfn: the gfn
 * @what: what is wrong
 */
struct altp2m_views_bad {
	unsigned int view;
	u64 gfn;
	const char *what;
};

int altp2m_views_init(struct altp2m_views *vs,
		      const struct altp2m_views_ops *ops, void *ctx,
		      unsigned int flags);
void altp2m_views_destroy(struct altp2m_views *vs);
int altp2m_views_enable(struct altp2m_views *vs, unsigned int max_views);
int altp2m_views_disable(struct altp2m_views *vs);
int altp2m_views_create(struct altp2m_views *vs, unsigned int default_access,
			unsigned int *idx);
int altp2m_views_destroy_view(struct altp2m_views *vs, unsigned int idx);
int altp2m_views_vcpu_enter(struct altp2m_views *vs, unsigned int idx);
void altp2m_views_vcpu_leave(struct altp2m_views *vs, unsigned int idx);
int altp2m_views_eptp(struct altp2m_views *vs, unsigned int idx, bool ad,
		      u64 *eptp);
int altp2m_views_fault(struct altp2m_views *vs, unsigned int idx, u64 gpa,
		       unsigned int access, struct altp2m_view_fault *out);
int altp2m_views_set_access(struct altp2m_views *vs, unsigned int idx,
			    u64 gfn, unsigned int access);
int altp2m_views_set_access_range(struct altp2m_views *vs, unsigned int idx,
				  u64 gfn, u64 npages, unsigned int access);
int altp2m_views_set_access_list(struct altp2m_views *vs, unsigned int idx,
				 const u64 *gfns, const u8 *access, u64 n);
int altp2m_views_get_access(struct altp2m_views *vs, unsigned int idx,
			    u64 gfn, unsigned int *access);
int altp2m_views_set_sve(struct altp2m_views *vs, unsigned int idx, u64 gfn,
			 unsigned int sve);
int altp2m_views_set_sve_range(struct altp2m_views *vs, unsigned int idx,
			       u64 gfn, u64 npages, unsigned int sve);
int altp2m_views_set_sve_list(struct altp2m_views *vs, unsigned int idx,
			      const u64 *gfns, const u8 *sve, u64 n);
int altp2m_views_get_sve(struct altp2m_views *vs, unsigned int idx, u64 gfn,
			 unsigned int *sve);
int altp2m_views_remap(struct altp2m_views *vs, unsigned int idx, u64 gfn,
		       u64 target);
int altp2m_views_remap_guest(struct altp2m_views *vs, unsigned int idx,
			     u64 gfn, u64 target);
u64 altp2m_views_frame_gfn(struct altp2m_views *vs, unsigned int idx,
			   u64 gfn);
bool altp2m_views_remapped_at(struct altp2m_views *vs, u64 gfn, u64 npages);
int altp2m_views_backing_gfn(struct altp2m_views *vs, unsigned int idx,
			     u64 gfn, u64 *backing);
u64 altp2m_views_serial(struct altp2m_views *vs, unsigned int idx);
void altp2m_views_host_unmap(struct altp2m_views *vs, u64 gfn, u64 npages);
int altp2m_views_list(struct altp2m_views *vs, unsigned int *cursor,
		      struct altp2m_view_summary *out, unsigned int max);
int altp2m_views_dump(struct altp2m_views *vs, unsigned int idx, u64 *cursor,
		      struct altp2m_view_run *out, unsigned int max);
int altp2m_views_check(struct altp2m_views *vs, struct altp2m_views_bad *bad);
int altp2m_views_txn_begin(struct altp2m_views *vs);
int altp2m_views_txn_end(struct altp2m_views *vs, bool commit);

#endif /* ALTP2M_CORE_VIEW_H */
