// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/core/view*.c, the views engine, built from the
 * module's own source files.
 *
 * The fake host: regions of guest RAM with made-up frames, some 2 MiB
 * capable (contiguous, aligned), some scattered (4 KiB only); anything
 * else is MMIO. The fake table allocator keeps a header page in front of
 * each table: which view it belongs to, whether it is live or queued for
 * release, the view's flush count and a checksum when it was queued. At
 * release it checks that the view was flushed since and that nobody wrote
 * to the table after unlinking it, then poisons and frees it. Every test
 * ends with the engine's invariant checker and a full accounting: each
 * table freed exactly once, none released early, no allocation after an
 * all-or-nothing call validated. The randomised test prints its seed
 * (ALTP2M_VIEW_SEED=n reruns one).
 *
 * Transactions: the tests open and close them through txn_begin() and
 * txn_end(), which keep F.txn_gen odd while one is open. A table both
 * allocated and given back inside one transaction was never reachable by
 * a CPU (the owner holds the vCPUs out of the guest), so it alone may be
 * released without a flush of its view.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/slab.h>

#include "../../kmod/core/view.h"
#include "unit.h"

#define K4		0x1000ULL
#define B2M		512ULL		/* gfns in 2 MiB */
#define LIMIT		ALTP2M_VIEW_GFN_LIMIT
#define INVALID		ALTP2M_GFN_INVALID
#define RWX		ALTP2M_EPT_RWX
#define R_		ALTP2M_EPT_R
#define W_		ALTP2M_EPT_W
#define X_		ALTP2M_EPT_X
#define RAM_TYPE	(ALTP2M_EPT_MT(ALTP2M_EPT_MT_WB) | ALTP2M_EPT_IPAT)
#define SVE		ALTP2M_EPT_SVE
#define LARGE		ALTP2M_EPT_LARGE
#define ADDR		ALTP2M_EPT_ADDR_MASK
#define SW_ACC(c)	((u64)((c) + 1) << ALTP2M_VIEW_SW_ACCESS_SHIFT)
#define REMAPPED	ALTP2M_VIEW_SW_REMAPPED
#define EMPTY		ALTP2M_EPT_EMPTY	/* no leaf, no table: SVE */

enum {
	A_N = ALTP2M_ACCESS_N, A_R = ALTP2M_ACCESS_R, A_W = ALTP2M_ACCESS_W,
	A_RW = ALTP2M_ACCESS_RW, A_X = ALTP2M_ACCESS_X,
	A_RX = ALTP2M_ACCESS_RX, A_WX = ALTP2M_ACCESS_WX,
	A_RWX = ALTP2M_ACCESS_RWX, A_RX2RW = ALTP2M_ACCESS_RX2RW,
	A_N2RWX = ALTP2M_ACCESS_N2RWX, A_DEF = ALTP2M_ACCESS_DEFAULT,
};

/* ---- fake host and allocator -------------------------------------------- */

struct region {
	u64 base, npages, hpa;
	int big;		/* 2 MiB capable */
};

#define MAX_REGIONS	8
#define MAGIC		0x7ab1e5ULL
enum { T_LIVE = 1, T_QUEUED };

struct thdr {
	u64 magic;
	unsigned int state, view;
	u64 flushes_at_free, sum;
	unsigned long born_txn;	/* F.txn_gen at allocation, if open */
	int unseen;		/* allocated and freed in one transaction */
	struct thdr *next;
};

struct fake {
	struct region r[MAX_REGIONS];
	unsigned int nr;
	u64 next_hpa;
	unsigned long frame_calls;
	int frame_err;		/* host_frame fails with this when set */
	/* tables */
	unsigned long calls, fail_at, allocs, released, queued;
	int fail_all;
	long live[ALTP2M_VIEWS_MAX];
	struct thdr *queue;
	/* flushes */
	unsigned long flushes, flushes_of[ALTP2M_VIEWS_MAX];
	/* ops->resched() calls */
	unsigned long rescheds;
	/* transactions: odd while one is open */
	unsigned long txn_gen;
	/* hidden frames: gfn -> frame, no region's */
	u64 hidden_gfn[8], hidden_hpa[8];
	unsigned int nr_hidden;
	unsigned long hidden_calls;
};

static struct fake F;
static struct altp2m_views VS;

static void host_add(u64 base, u64 npages, int big)
{
	struct region *r = &F.r[F.nr++];

	ck_assert_uint_le(F.nr, MAX_REGIONS);
	if (!F.next_hpa)
		F.next_hpa = 0x100000000ULL;
	r->base = base;
	r->npages = npages;
	r->big = big;
	/* 2 MiB capable: aligned 2 MiB of gfns land on aligned frames. */
	r->hpa = F.next_hpa + ((base & (B2M - 1)) << 12);
	F.next_hpa += 0x40000000ULL + ((npages << 12) & ~0x3fffffffULL);
}

static struct region *host_region(u64 gfn)
{
	unsigned int i;

	for (i = 0; i < F.nr; i++)
		if (gfn >= F.r[i].base && gfn < F.r[i].base + F.r[i].npages)
			return &F.r[i];
	return NULL;
}

static void host_del(struct region *r)
{
	*r = F.r[--F.nr];
}

/* The frame the host gives @gfn, or 0 for MMIO. */
static u64 host_hpa(u64 gfn)
{
	struct region *r = host_region(gfn);
	u64 off;

	if (!r)
		return 0;
	off = gfn - r->base;
	if (!r->big)
		off ^= 1;	/* neighbours swapped: never contiguous */
	return r->hpa + (off << 12);
}

static int f_host_frame(void *ctx, u64 gfn, u64 *hpa, unsigned int *max_level)
{
	struct fake *f = ctx;
	struct region *r = host_region(gfn);
	u64 b = gfn & ~(B2M - 1);

	f->frame_calls++;
	if (f->frame_err)
		return f->frame_err;
	if (!r)
		return -ENOENT;
	*hpa = host_hpa(gfn);
	if (r->big && b >= r->base && b + B2M <= r->base + r->npages)
		*max_level = 2;
	return 0;
}

/* A hidden frame at @gfn (not guest RAM), with a frame of its own. */
static u64 hidden_add(u64 gfn)
{
	unsigned int i = F.nr_hidden++;

	ck_assert_uint_lt(i, 8);
	ck_assert_ptr_null(host_region(gfn));
	F.hidden_gfn[i] = gfn;
	F.hidden_hpa[i] = 0x800000000ULL + ((u64)i << 12);
	return F.hidden_hpa[i];
}

static void hidden_del(u64 gfn)
{
	unsigned int i;

	for (i = 0; i < F.nr_hidden; i++)
		if (F.hidden_gfn[i] == gfn) {
			F.hidden_gfn[i] = F.hidden_gfn[--F.nr_hidden];
			F.hidden_hpa[i] = F.hidden_hpa[F.nr_hidden];
			return;
		}
	ck_abort_msg("no hidden frame at %#llx", (unsigned long long)gfn);
}

static int f_hidden_frame(void *ctx, u64 gfn, u64 *hpa)
{
	struct fake *f = ctx;
	unsigned int i;

	f->hidden_calls++;
	for (i = 0; i < f->nr_hidden; i++)
		if (f->hidden_gfn[i] == gfn) {
			*hpa = f->hidden_hpa[i];
			return 0;
		}
	return -ENOENT;
}

static struct thdr *hdr(void *table)
{
	return (struct thdr *)((char *)table - 4096);
}

static u64 sum(const void *table)
{
	const u64 *t = table;
	u64 s = 0;
	int i;

	for (i = 0; i < 512; i++)
		s = s * 1000003 + t[i];
	return s;
}

static void *f_alloc(void *ctx, unsigned int view, u64 *hpa)
{
	struct fake *f = ctx;
	char *mem;
	struct thdr *h;

	ck_assert_uint_lt(view, ALTP2M_VIEWS_MAX);
	if (++f->calls == f->fail_at || f->fail_all)
		return NULL;
	mem = aligned_alloc(4096, 8192);
	ck_assert_ptr_nonnull(mem);
	memset(mem, 0, 8192);
	h = (struct thdr *)mem;
	h->magic = MAGIC;
	h->state = T_LIVE;
	h->view = view;
	h->born_txn = f->txn_gen & 1 ? f->txn_gen : 0;
	f->live[view]++;
	f->allocs++;
	*hpa = (u64)(uintptr_t)(mem + 4096);
	return mem + 4096;
}

static void f_free(void *ctx, unsigned int view, void *table, u64 hpa)
{
	struct fake *f = ctx;
	struct thdr *h = hdr(table);

	ck_assert_uint_eq(h->magic, MAGIC);
	ck_assert_uint_eq(h->state, T_LIVE);
	ck_assert_uint_eq(h->view, view);
	ck_assert_uint_eq(hpa, (u64)(uintptr_t)table);
	h->state = T_QUEUED;
	h->unseen = h->born_txn && h->born_txn == f->txn_gen;
	h->flushes_at_free = f->flushes_of[view];
	h->sum = sum(table);
	h->next = f->queue;
	f->queue = h;
	f->live[view]--;
	f->queued++;
}

static void f_release(void *ctx)
{
	struct fake *f = ctx;
	struct thdr *h, *next;

	for (h = f->queue; h; h = next) {
		void *table = (char *)h + 4096;

		next = h->next;
		ck_assert_uint_eq(h->state, T_QUEUED);
		ck_assert_msg(f->flushes_of[h->view] > h->flushes_at_free ||
			      h->unseen,
			      "table of view %u released before its flush",
			      h->view);
		ck_assert_msg(sum(table) == h->sum,
			      "table of view %u written after unlinking",
			      h->view);
		memset(table, 0x5a, 4096);	/* poison, then free */
		h->magic = 0;
		free(h);
		f->released++;
	}
	f->queue = NULL;
}

static void *f_va(void *ctx, u64 hpa)
{
	(void)ctx;
	return (void *)(uintptr_t)hpa;
}

static void f_flush(void *ctx, unsigned int view)
{
	struct fake *f = ctx;

	ck_assert_uint_lt(view, ALTP2M_VIEWS_MAX);
	f->flushes++;
	f->flushes_of[view]++;
}

static void f_resched(void *ctx)
{
	((struct fake *)ctx)->rescheds++;
}

static const struct altp2m_views_ops OPS = {
	.alloc_table = f_alloc,
	.free_table = f_free,
	.release_tables = f_release,
	.table_va = f_va,
	.host_frame = f_host_frame,
	.hidden_frame = f_hidden_frame,
	.flush_view = f_flush,
	.resched = f_resched,
};

/* ---- inspection --------------------------------------------------------- */

static struct altp2m_view *view_of(unsigned int idx)
{
	if (!idx)
		return &VS.host;
	ck_assert_uint_lt(idx, VS.max_views);
	return VS.view[idx];
}

/*
 * The raw leaf covering @gfn (parked ones included), EMPTY when none: any
 * other entry without a leaf (0, say) fails the test.
 */
static u64 leaf(unsigned int idx, u64 gfn, unsigned int *level)
{
	struct altp2m_view *v = view_of(idx);
	u64 *t = v->ept.root, e = 0;
	unsigned int l;

	ck_assert_ptr_nonnull(v);
	for (l = 4; l >= 1; l--) {
		e = t[(gfn >> (9 * (l - 1))) & 511];
		if (l > 1 && (e & RWX) && !(e & LARGE)) {
			t = (u64 *)(uintptr_t)(e & ADDR);
			continue;
		}
		break;
	}
	if (!(e & ALTP2M_VIEW_SW_ACCESS_MASK))
		ck_assert_uint_eq(e, EMPTY);
	if (level)
		*level = l;
	return e;
}

static u64 frame_of(unsigned int idx, u64 gfn)
{
	unsigned int level;
	u64 e = leaf(idx, gfn, &level);

	if (e == EMPTY)
		return 0;
	return (e & ADDR) + ((gfn & ((1ULL << (9 * (level - 1))) - 1)) << 12);
}

static unsigned int level_of(unsigned int idx, u64 gfn)
{
	unsigned int level;

	ck_assert_uint_ne(leaf(idx, gfn, &level), EMPTY);
	return level;
}

static unsigned int access_of(unsigned int idx, u64 gfn)
{
	unsigned int a = 99;

	ck_assert_int_eq(altp2m_views_get_access(&VS, idx, gfn, &a), 0);
	return a;
}

/* Every table of every view, in tree order: bit-identical comparisons. */
struct snap {
	size_t n, cap;
	struct stab { unsigned int view, level; u64 hpa, e[512]; } *t;
	u64 counters[ALTP2M_VIEWS_MAX][4];
	u64 nr_remaps;
};

static void snap_tree(struct snap *s, unsigned int view, u64 *t,
		      unsigned int level)
{
	unsigned int i;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->t = realloc(s->t, s->cap * sizeof(*s->t));
		ck_assert_ptr_nonnull(s->t);
	}
	s->t[s->n].view = view;
	s->t[s->n].level = level;
	s->t[s->n].hpa = (u64)(uintptr_t)t;
	memcpy(s->t[s->n].e, t, 4096);
	s->n++;
	for (i = 0; level > 1 && i < 512; i++)
		if ((t[i] & RWX) && !(t[i] & LARGE))
			snap_tree(s, view, (u64 *)(uintptr_t)(t[i] & ADDR),
				  level - 1);
}

static struct snap *snapshot(void)
{
	struct snap *s = calloc(1, sizeof(*s));
	unsigned int i, limit = VS.max_views ? VS.max_views : 1;

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < limit; i++) {
		struct altp2m_view *v = i ? VS.view[i] : &VS.host;

		if (!v)
			continue;
		snap_tree(s, i, v->ept.root, 4);
		s->counters[i][0] = v->nr_leaves + 1;
		s->counters[i][1] = v->nr_pages;
		s->counters[i][2] = v->nr_remaps;
		s->counters[i][3] = v->ept.nr_tables;
	}
	s->nr_remaps = VS.nr_remaps;
	return s;
}

static void snap_free(struct snap *s)
{
	free(s->t);
	free(s);
}

static int snap_same(const struct snap *a, const struct snap *b)
{
	return a->n == b->n && !memcmp(a->t, b->t, a->n * sizeof(*a->t)) &&
	       !memcmp(a->counters, b->counters, sizeof(a->counters)) &&
	       a->nr_remaps == b->nr_remaps;
}

/* The whole dump of a view, chunk size @chunk; returns the run count. */
static int dump_all(unsigned int idx, struct altp2m_view_run *out, int cap,
		    unsigned int chunk)
{
	u64 cursor = 0;
	int n = 0, got;

	do {
		ck_assert_int_le(n + (int)chunk, cap);
		got = altp2m_views_dump(&VS, idx, &cursor, out + n, chunk);
		ck_assert_int_ge(got, 0);
		n += got;
	} while (cursor != INVALID);
	return n;
}

static size_t count_tables(const u64 *t, unsigned int level)
{
	size_t n = 1;
	unsigned int i;

	for (i = 0; level > 1 && i < 512; i++)
		if ((t[i] & RWX) && !(t[i] & LARGE))
			n += count_tables((u64 *)(uintptr_t)(t[i] & ADDR),
					  level - 1);
	return n;
}

/* Invariant, accounting, no table left queued, no late allocation. */
static void check_all(void)
{
	struct altp2m_views_bad bad = { 0 };
	unsigned int i, limit = VS.max_views ? VS.max_views : 1;
	int ret;

	ret = altp2m_views_check(&VS, &bad);
	ck_assert_msg(!ret, "invariant: view %u gfn %#llx: %s", bad.view,
		      (unsigned long long)bad.gfn, bad.what);
	for (i = 0; i < limit; i++) {
		struct altp2m_view *v = i ? VS.view[i] : &VS.host;

		if (!v) {
			ck_assert_int_eq(F.live[i], 0);
			continue;
		}
		ck_assert_int_eq(F.live[i], (long)v->ept.nr_tables);
		ck_assert_uint_eq(count_tables(v->ept.root, 4),
				  v->ept.nr_tables);
	}
	ck_assert_ptr_null(F.queue);
	ck_assert_uint_eq(VS.stats.late_allocs, 0);
}

/*
 * The default VM: 16 MiB of 2 MiB capable RAM at gfn 0, 1000 scattered
 * pages at an unaligned gfn 8199; altp2m enabled with 10 views.
 */
#define SMALL_BASE	8199ULL
#define SMALL_PAGES	1000ULL

static void setup_flags(unsigned int flags)
{
	memset(&F, 0, sizeof(F));
	altp2m_shim_fail_at = 0;
	host_add(0, 4096, 1);
	host_add(SMALL_BASE, SMALL_PAGES, 0);
	ck_assert_int_eq(altp2m_views_init(&VS, &OPS, &F, flags), 0);
	ck_assert_int_eq(altp2m_views_enable(&VS, 0), 0);
}

static void setup(void)
{
	setup_flags(0);
}

static void teardown(void)
{
	unsigned int i;

	altp2m_shim_fail_at = 0;
	F.fail_at = 0;
	F.frame_err = 0;
	check_all();
	altp2m_views_destroy(&VS);
	for (i = 0; i < ALTP2M_VIEWS_MAX; i++)
		ck_assert_int_eq(F.live[i], 0);
	ck_assert_ptr_null(F.queue);
	ck_assert_uint_eq(F.allocs, F.released);
	altp2m_views_destroy(&VS);	/* again: nothing */
}

static unsigned int create(unsigned int access)
{
	unsigned int idx = 0;

	ck_assert_int_eq(altp2m_views_create(&VS, access, &idx), 0);
	return idx;
}

static int fault(unsigned int idx, u64 gfn, unsigned int access,
		 struct altp2m_view_fault *out)
{
	struct altp2m_view_fault dummy;

	return altp2m_views_fault(&VS, idx, gfn << 12 | 0x123, access,
				  out ? out : &dummy);
}

/* ---- lifecycle ---------------------------------------------------------- */

START_TEST(init_rejects)
{
	struct altp2m_views vs;
	struct altp2m_views_ops bad = OPS;

	bad.host_frame = NULL;
	ck_assert_int_eq(altp2m_views_init(&vs, &bad, &F, 0), -EINVAL);
	bad = OPS;
	bad.flush_view = NULL;
	ck_assert_int_eq(altp2m_views_init(&vs, &bad, &F, 0), -EINVAL);
	ck_assert_int_eq(altp2m_views_init(&vs, NULL, &F, 0), -EINVAL);
	ck_assert_int_eq(altp2m_views_init(&vs, &OPS, &F, 2), -EINVAL);
	altp2m_views_destroy(&vs);	/* harmless after a failed init */
	F.fail_at = F.calls + 1;
	ck_assert_int_eq(altp2m_views_init(&vs, &OPS, &F, 0), -ENOMEM);
	altp2m_views_destroy(&vs);
	/* release_tables is optional */
	bad = OPS;
	bad.release_tables = NULL;
	ck_assert_int_eq(altp2m_views_init(&vs, &bad, &F, 0), 0);
	ck_assert_int_eq(vs.host.ept.nr_tables, 1);
	altp2m_views_destroy(&vs);
	ck_assert_int_eq(F.live[0], 1);	/* VS's root */
	f_release(&F);			/* what release_tables would do */
}
END_TEST

START_TEST(enable_disable)
{
	struct altp2m_views_stats st;
	unsigned int idx;

	ck_assert_uint_eq(VS.max_views, ALTP2M_VIEWS_DEFAULT);
	ck_assert_int_eq(altp2m_views_enable(&VS, 5), -EEXIST);
	create(A_RWX);
	ck_assert_int_eq(altp2m_views_vcpu_enter(&VS, 1), 0);
	ck_assert_int_eq(altp2m_views_disable(&VS), -EBUSY);
	ck_assert_ptr_nonnull(VS.view[1]);
	altp2m_views_vcpu_leave(&VS, 1);
	ck_assert_int_eq(altp2m_views_disable(&VS), 0);
	ck_assert_uint_eq(VS.max_views, 0);
	ck_assert_int_eq(altp2m_views_disable(&VS), 0);

	/* Off: view 0 works, nothing else does. */
	ck_assert_int_eq(fault(0, 5, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_int_eq(altp2m_views_create(&VS, A_RWX, &idx), -EOPNOTSUPP);
	ck_assert_int_eq(altp2m_views_set_access(&VS, 1, 5, A_R),
			 -EOPNOTSUPP);
	ck_assert_int_eq(fault(1, 5, R_, NULL), -EOPNOTSUPP);
	ck_assert_int_eq(altp2m_views_destroy_view(&VS, 1), -EOPNOTSUPP);
	ck_assert_int_eq(altp2m_views_set_access(&VS, 0, 5, A_R), 0);

	ck_assert_int_eq(altp2m_views_enable(&VS, ALTP2M_VIEWS_MAX + 1),
			 -EINVAL);
	st = VS.stats;
	altp2m_shim_fail_at = altp2m_shim_allocs + 1;
	ck_assert_int_eq(altp2m_views_enable(&VS, 4), -ENOMEM);
	altp2m_shim_fail_at = altp2m_shim_allocs + 2;
	ck_assert_int_eq(altp2m_views_enable(&VS, 4), -ENOMEM);
	ck_assert_uint_eq(VS.max_views, 0);
	ck_assert_mem_eq(&st, &VS.stats, sizeof(st));
	ck_assert_int_eq(altp2m_views_enable(&VS, 4), 0);
	ck_assert_uint_eq(create(A_RWX), 1);
}
END_TEST

START_TEST(create_lowest_free)
{
	unsigned int i, idx;

	for (i = 1; i < ALTP2M_VIEWS_DEFAULT; i++)
		ck_assert_uint_eq(create(A_RWX), i);
	ck_assert_int_eq(altp2m_views_create(&VS, A_RWX, &idx), -ENOSPC);
	ck_assert_int_eq(altp2m_views_destroy_view(&VS, 4), 0);
	ck_assert_int_eq(altp2m_views_destroy_view(&VS, 2), 0);
	ck_assert_uint_eq(create(A_R), 2);
	ck_assert_uint_eq(create(A_RX2RW), 4);
	ck_assert_uint_eq(VS.view[2]->default_access, A_R);
	ck_assert_uint_eq(VS.view[4]->default_access, A_RX2RW);

	ck_assert_int_eq(altp2m_views_destroy_view(&VS, 9), 0);
	ck_assert_int_eq(altp2m_views_create(&VS, A_W, &idx), -EINVAL);
	ck_assert_int_eq(altp2m_views_create(&VS, A_WX, &idx), -EINVAL);
	ck_assert_int_eq(altp2m_views_create(&VS, A_X, &idx), -EINVAL);
	ck_assert_int_eq(altp2m_views_create(&VS, 11, &idx), -EINVAL);
	ck_assert_int_eq(altp2m_views_create(&VS, ~0U, &idx), -EINVAL);
	/* Out of memory: for the view, then for its root. */
	altp2m_shim_fail_at = altp2m_shim_allocs + 1;
	ck_assert_int_eq(altp2m_views_create(&VS, A_RWX, &idx), -ENOMEM);
	F.fail_at = F.calls + 1;
	ck_assert_int_eq(altp2m_views_create(&VS, A_RWX, &idx), -ENOMEM);
	ck_assert_ptr_null(VS.view[9]);
	ck_assert_uint_eq(create(A_DEF), 9);
	ck_assert_uint_eq(VS.view[9]->default_access, A_RWX);
}
END_TEST

START_TEST(destroy_view_rules)
{
	unsigned int v = create(A_R);
	unsigned long frees;

	ck_assert_int_eq(altp2m_views_destroy_view(&VS, 0), -EBUSY);
	ck_assert_int_eq(altp2m_views_destroy_view(&VS, 10), -EINVAL);
	ck_assert_int_eq(altp2m_views_destroy_view(&VS, 600), -EINVAL);
	ck_assert_int_eq(altp2m_views_destroy_view(&VS, 2), -ENOENT);
	ck_assert_int_eq(altp2m_views_vcpu_enter(&VS, 2), -ENOENT);
	ck_assert_int_eq(altp2m_views_vcpu_enter(&VS, 10), -EINVAL);
	ck_assert_int_eq(altp2m_views_vcpu_enter(&VS, v), 0);
	ck_assert_int_eq(altp2m_views_vcpu_enter(&VS, v), 0);
	ck_assert_int_eq(altp2m_views_destroy_view(&VS, v), -EBUSY);
	altp2m_views_vcpu_leave(&VS, v);
	ck_assert_int_eq(altp2m_views_destroy_view(&VS, v), -EBUSY);
	altp2m_views_vcpu_leave(&VS, v);
	altp2m_views_vcpu_leave(&VS, v);	/* not below zero */
	altp2m_views_vcpu_leave(&VS, 7);	/* ignored */
	ck_assert_uint_eq(VS.view[v]->vcpus_on, 0);

	/* Its tables go after one flush of it. */
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, 0, 600, A_RW),
			 0);
	ck_assert_int_gt(F.live[v], 3);
	frees = F.released;
	F.flushes_of[v] = 0;
	ck_assert_int_eq(altp2m_views_destroy_view(&VS, v), 0);
	ck_assert_uint_eq(F.flushes_of[v], 1);
	ck_assert_int_eq(F.live[v], 0);
	ck_assert_uint_gt(F.released, frees);
	ck_assert_ptr_null(VS.view[v]);
}
END_TEST

START_TEST(eptp_values)
{
	unsigned int v = create(A_RWX);
	u64 eptp = 0;

	ck_assert_int_eq(altp2m_views_eptp(&VS, 0, false, &eptp), 0);
	ck_assert_uint_eq(eptp, VS.host.ept.root_hpa | 0x1e);
	ck_assert_int_eq(altp2m_views_eptp(&VS, v, true, &eptp), 0);
	ck_assert_uint_eq(eptp, VS.view[v]->ept.root_hpa | 0x5e);
	ck_assert_int_eq(altp2m_views_eptp(&VS, 3, true, &eptp), -ENOENT);
}
END_TEST

/* ---- lazy fill ---------------------------------------------------------- */

START_TEST(host_fill)
{
	unsigned long flushes = F.flushes;
	unsigned int level;
	u64 e;

	/* 2 MiB capable: one 2 MiB leaf, memory.c's bits plus ours. */
	ck_assert_int_eq(fault(0, 700, W_, NULL), ALTP2M_VIEW_RETRY);
	e = leaf(0, 700, &level);
	ck_assert_uint_eq(level, 2);
	ck_assert_uint_eq(e, host_hpa(512) | RWX | RAM_TYPE | LARGE | SVE |
			  SW_ACC(A_RWX));
	ck_assert_uint_eq(frame_of(0, 700), host_hpa(700));
	/* Scattered: 4 KiB leaves. */
	ck_assert_int_eq(fault(0, SMALL_BASE + 3, X_, NULL),
			 ALTP2M_VIEW_RETRY);
	e = leaf(0, SMALL_BASE + 3, &level);
	ck_assert_uint_eq(level, 1);
	ck_assert_uint_eq(e, host_hpa(SMALL_BASE + 3) | RWX | RAM_TYPE | SVE |
			  SW_ACC(A_RWX));
	/* The edge of the big region is 2 MiB (4096 is a multiple). */
	ck_assert_int_eq(fault(0, 4095, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_uint_eq(level_of(0, 4095), 2);
	/* MMIO, and again the same gfn: retry, nothing added. */
	ck_assert_int_eq(fault(0, 4096, R_, NULL), ALTP2M_VIEW_MMIO);
	ck_assert_int_eq(fault(0, LIMIT - 1, R_, NULL), ALTP2M_VIEW_MMIO);
	ck_assert_uint_eq(leaf(0, 4096, NULL), EMPTY);
	ck_assert_int_eq(fault(0, 700, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_uint_eq(VS.host.nr_leaves, 3);
	ck_assert_uint_eq(VS.host.nr_pages, 1025);
	ck_assert_uint_eq(VS.stats.fills, 3);
	ck_assert_uint_eq(VS.stats.fills_2m, 2);
	/* Filling never flushes. */
	ck_assert_uint_eq(F.flushes, flushes);
	/* Bad arguments. */
	ck_assert_int_eq(altp2m_views_fault(&VS, 0, LIMIT << 12, R_, NULL),
			 -EINVAL);
	ck_assert_int_eq(fault(0, 1, 0, NULL), -EINVAL);
	ck_assert_int_eq(fault(0, 1, 8, NULL), -EINVAL);
	/* host_frame's own errors come back. */
	F.frame_err = -EIO;
	ck_assert_int_eq(fault(0, 3000, R_, NULL), -EIO);
}
END_TEST

START_TEST(view_fill)
{
	unsigned int v = create(A_R), level;
	struct altp2m_view_fault out;
	unsigned long flushes = F.flushes;
	u64 e;

	ck_assert_int_eq(fault(v, 1000, R_, NULL), ALTP2M_VIEW_RETRY);
	/* View 0 first, then a copy: frame, type, size, the view's access. */
	ck_assert_uint_eq(level_of(0, 1000), 2);
	e = leaf(v, 1000, &level);
	ck_assert_uint_eq(level, 2);
	ck_assert_uint_eq(e, host_hpa(512) | R_ | RAM_TYPE | LARGE | SVE |
			  SW_ACC(A_R));
	/* A write is a violation, reported, nothing promoted. */
	memset(&out, 0xff, sizeof(out));
	ck_assert_int_eq(fault(v, 1001, W_, &out), ALTP2M_VIEW_EVENT);
	ck_assert_uint_eq(out.view, v);
	ck_assert_uint_eq(out.gpa, 1001 << 12 | 0x123);
	ck_assert_uint_eq(out.access, W_);
	ck_assert_uint_eq(out.entry_access, A_R);
	ck_assert_uint_eq(out.promoted, 0);
	/* A fresh gfn whose default forbids the access: filled and reported
	 * at once, no second exit needed.
	 */
	ck_assert_int_eq(fault(v, SMALL_BASE + 10, X_, &out),
			 ALTP2M_VIEW_EVENT);
	ck_assert_uint_eq(level_of(v, SMALL_BASE + 10), 1);
	ck_assert_uint_eq(frame_of(v, SMALL_BASE + 10),
			  host_hpa(SMALL_BASE + 10));
	/* MMIO is never pulled into a view. */
	ck_assert_int_eq(fault(v, 5000, R_, NULL), ALTP2M_VIEW_MMIO);
	ck_assert_uint_eq(leaf(v, 5000, NULL), EMPTY);
	ck_assert_uint_eq(leaf(0, 5000, NULL), EMPTY);
	ck_assert_uint_eq(F.flushes, flushes);
	ck_assert_uint_eq(VS.stats.events, 2);

	/* Out of memory at each table a fault needs: -ENOMEM, nothing
	 * reported, no empty table left behind; then it works.
	 */
	{
		unsigned int w = create(A_RWX), n;
		u64 g = SMALL_BASE + 700;

		for (n = 1;; n++) {
			F.fail_at = F.calls + n;
			if (fault(w, g, R_, NULL) != -ENOMEM)
				break;
			check_all();
			ck_assert_int_eq(F.live[w], 1);
			ck_assert_int_eq(F.live[0] ==
					 (long)VS.host.ept.nr_tables, 1);
		}
		F.fail_at = 0;
		/* view 0 PT, then the view PDPT, PD, PT; view 0 keeps its
		 * leaf from the second try on, so three failures.
		 */
		ck_assert_uint_eq(n, 4);
		ck_assert_uint_eq(frame_of(w, g), host_hpa(g));
	}

	/* View 0 holds 4 KiB: the view copies 4 KiB too. */
	ck_assert_int_eq(altp2m_views_set_access(&VS, 0, 1600, A_RWX), 0);
	ck_assert_uint_eq(level_of(0, 1600), 1);
	ck_assert_int_eq(fault(v, 1601, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_uint_eq(level_of(0, 1601), 1);
	ck_assert_uint_eq(level_of(v, 1601), 1);
	ck_assert_uint_eq(frame_of(v, 1601), host_hpa(1601));
}
END_TEST

/* ---- access types ------------------------------------------------------- */

static const struct acc_case {
	unsigned int access;
	int ret;		/* without execute-only */
	u64 perms;
} acc_cases[] = {
	{ A_N, 0, 0 },
	{ A_R, 0, R_ },
	{ A_W, -EINVAL, 0 },
	{ A_RW, 0, R_ | W_ },
	{ A_X, -EINVAL, X_ },
	{ A_RX, 0, R_ | X_ },
	{ A_WX, -EINVAL, 0 },
	{ A_RWX, 0, RWX },
	{ A_RX2RW, 0, R_ | X_ },
	{ A_N2RWX, 0, 0 },
	{ 11, -EINVAL, 0 },
	{ 255, -EINVAL, 0 },
};

static void access_case(const struct acc_case *c, u64 g0)
{
	unsigned int v = create(A_RWX), x;
	u64 e;

	ck_assert_int_eq(fault(v, 70, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_uint_eq(level_of(v, 77), 2);
	ck_assert_msg(altp2m_views_set_access(&VS, v, 77, c->access) ==
		      c->ret, "access %u", c->access);
	if (c->ret) {
		ck_assert_uint_eq(level_of(v, 77), 2);
		ck_assert_int_eq(altp2m_views_get_access(&VS, v, 4000, &x),
				 -ESRCH);
		ck_assert_int_eq(altp2m_views_set_access(&VS, v, 4000,
							 c->access), c->ret);
		ck_assert_uint_eq(leaf(v, 4000, NULL), EMPTY);
		ck_assert_int_eq(altp2m_views_destroy_view(&VS, v), 0);
		return;
	}
	e = leaf(v, 77, NULL);
	ck_assert_uint_eq(e & RWX, c->perms);
	ck_assert_uint_eq(e & ALTP2M_VIEW_SW_ACCESS_MASK, SW_ACC(c->access));
	ck_assert_uint_eq(e & ADDR, host_hpa(77));
	ck_assert_uint_eq(access_of(v, 77), c->access);
	/* Only the gfn changed: its 2 MiB was split, neighbours keep rwx. */
	ck_assert_uint_eq(level_of(v, 77), 1);
	ck_assert_uint_eq(access_of(v, 76), A_RWX);
	/* Same in view 0. */
	ck_assert_int_eq(altp2m_views_set_access(&VS, 0, g0, c->access), 0);
	ck_assert_uint_eq(leaf(0, g0, NULL) & RWX, c->perms);
	ck_assert_uint_eq(access_of(0, g0), c->access);
	ck_assert_int_eq(altp2m_views_destroy_view(&VS, v), 0);
}

START_TEST(access_codes)
{
	int i;

	for (i = 0; i < ARRAY_LEN(acc_cases); i++)
		access_case(&acc_cases[i], SMALL_BASE + i);
}
END_TEST

START_TEST(exec_only)
{
	unsigned int v, x;

	altp2m_views_destroy(&VS);
	setup_flags(ALTP2M_VIEWS_EXEC_ONLY);
	v = create(A_X);
	ck_assert_int_eq(fault(v, 9, X_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_int_eq(fault(v, 9, R_, NULL), ALTP2M_VIEW_EVENT);
	ck_assert_uint_eq(leaf(v, 9, NULL) & RWX, X_);
	ck_assert_int_eq(altp2m_views_set_access(&VS, v, 9, A_X), 0);
	ck_assert_int_eq(altp2m_views_set_access(&VS, v, 9, A_WX), -EINVAL);
	ck_assert_int_eq(altp2m_views_get_access(&VS, v, 9, &x), 0);
	ck_assert_uint_eq(x, A_X);
}
END_TEST

START_TEST(default_access)
{
	unsigned int v = create(A_RX);

	ck_assert_int_eq(altp2m_views_set_access(&VS, v, 5, A_RW), 0);
	/* "default" is the host's default, rwx, not the view's (Xen). */
	ck_assert_int_eq(altp2m_views_set_access(&VS, v, 5, A_DEF), 0);
	ck_assert_uint_eq(access_of(v, 5), A_RWX);
	ck_assert_int_eq(fault(v, 6, R_, NULL), ALTP2M_VIEW_RETRY);
	/* Lazy fill gives the view's default. */
	ck_assert_uint_eq(access_of(v, 6), A_RX);
	ck_assert_int_eq(altp2m_views_set_access(&VS, 0, 5, A_R), 0);
	ck_assert_int_eq(altp2m_views_set_access(&VS, 0, 5, A_DEF), 0);
	ck_assert_uint_eq(access_of(0, 5), A_RWX);
}
END_TEST

/* What a fault under each access does: 0 retry, 1 event, 2 promoted. */
static const struct fault_case {
	unsigned int access;
	int r, w, x;
	unsigned int after_w, after_x;	/* access after a write / exec */
} fault_cases[] = {
	{ A_N, 1, 1, 1, A_N, A_N },
	{ A_R, 0, 1, 1, A_R, A_R },
	{ A_RW, 0, 0, 1, A_RW, A_RW },
	{ A_RX, 0, 1, 0, A_RX, A_RX },
	{ A_RWX, 0, 0, 0, A_RWX, A_RWX },
	{ A_RX2RW, 0, 2, 0, A_RW, A_RX2RW },
	{ A_N2RWX, 2, 2, 2, A_RWX, A_RWX },
};

static void fault_case(const struct fault_case *c)
{
	const int expect[3] = { c->r, c->w, c->x };
	const unsigned int bits[3] = { R_, W_, X_ };
	unsigned int v = create(A_RWX), k;
	struct altp2m_view_fault out;
	u64 gfn;

	for (k = 0; k < 3; k++) {
		gfn = 100 + k;
		ck_assert_int_eq(altp2m_views_set_access(&VS, v, gfn,
							 c->access), 0);
		memset(&out, 0, sizeof(out));
		ck_assert_int_eq(fault(v, gfn, bits[k], &out),
				 expect[k] ? ALTP2M_VIEW_EVENT :
				 ALTP2M_VIEW_RETRY);
		if (!expect[k])
			continue;
		ck_assert_uint_eq(out.entry_access, c->access);
		ck_assert_uint_eq(out.promoted, expect[k] == 2);
		if (k == 1)
			ck_assert_uint_eq(access_of(v, gfn), c->after_w);
		if (k == 2)
			ck_assert_uint_eq(access_of(v, gfn), c->after_x);
		/* Promoted: the same access now passes. */
		if (expect[k] == 2)
			ck_assert_int_eq(fault(v, gfn, bits[k], NULL),
					 ALTP2M_VIEW_RETRY);
	}
	ck_assert_int_eq(altp2m_views_destroy_view(&VS, v), 0);
}

START_TEST(fault_each_access)
{
	int i;

	for (i = 0; i < ARRAY_LEN(fault_cases); i++)
		fault_case(&fault_cases[i]);
}
END_TEST

/* Promotion of a gfn inside a 2 MiB leaf changes that gfn only. */
START_TEST(promote_in_2m)
{
	unsigned int v = create(A_RWX);
	struct altp2m_view_fault out;
	unsigned long flushes;

	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, 1024, 512,
						       A_RX2RW), 0);
	ck_assert_uint_eq(level_of(v, 1030), 2);
	flushes = F.flushes_of[v];
	ck_assert_int_eq(fault(v, 1030, R_ | W_, &out), ALTP2M_VIEW_EVENT);
	ck_assert_uint_eq(out.promoted, 1);
	ck_assert_uint_eq(out.entry_access, A_RX2RW);
	ck_assert_uint_eq(level_of(v, 1030), 1);
	ck_assert_uint_eq(access_of(v, 1030), A_RW);
	ck_assert_uint_eq(access_of(v, 1031), A_RX2RW);
	ck_assert_uint_eq(access_of(v, 1029), A_RX2RW);
	/* rx -> rw took execute away: one flush. */
	ck_assert_uint_eq(F.flushes_of[v], flushes + 1);
	ck_assert_uint_eq(VS.stats.promotions, 1);

	/* n2rwx only adds rights: no flush. */
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, 1536, 512,
						       A_N2RWX), 0);
	flushes = F.flushes_of[v];
	ck_assert_int_eq(fault(v, 1600, X_, &out), ALTP2M_VIEW_EVENT);
	ck_assert_uint_eq(out.promoted, 1);
	ck_assert_uint_eq(access_of(v, 1600), A_RWX);
	ck_assert_uint_eq(access_of(v, 1601), A_N2RWX);
	ck_assert_uint_eq(F.flushes_of[v], flushes);

	/* Out of memory for the split: nothing reported or changed. */
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, 2048, 512,
						       A_N2RWX), 0);
	F.fail_at = F.calls + 1;
	ck_assert_int_eq(fault(v, 2050, R_, &out), -ENOMEM);
	ck_assert_uint_eq(level_of(v, 2050), 2);
	ck_assert_uint_eq(access_of(v, 2050), A_N2RWX);
}
END_TEST

/* ---- set access: ranges and lists --------------------------------------- */

START_TEST(range_2m_kept_or_split)
{
	unsigned int v = create(A_RWX);

	/* Whole aligned 2 MiB blocks stay 2 MiB, partial ones split. */
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, 500, 1100,
						       A_R), 0);
	ck_assert_uint_eq(level_of(v, 500), 1);
	ck_assert_uint_eq(level_of(v, 512), 2);
	ck_assert_uint_eq(level_of(v, 1100), 2);
	ck_assert_uint_eq(level_of(v, 1599), 1);
	ck_assert_uint_eq(access_of(v, 500), A_R);
	ck_assert_uint_eq(access_of(v, 1599), A_R);
	/* Only what the range covers was filled. */
	ck_assert_uint_eq(leaf(v, 499, NULL), EMPTY);
	ck_assert_uint_eq(leaf(v, 1600, NULL), EMPTY);
	/* View 0 holds the same blocks, 2 MiB (it is only the source). */
	ck_assert_uint_eq(level_of(0, 500), 2);
	ck_assert_uint_eq(VS.view[v]->nr_pages, 1100);

	/* A range over a 2 MiB leaf of view 0 splits view 0 only there. */
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, 0, 520, 8, A_RX),
			 0);
	ck_assert_uint_eq(level_of(0, 520), 1);
	ck_assert_uint_eq(access_of(0, 519), A_RWX);
	ck_assert_uint_eq(access_of(0, 527), A_RX);
	ck_assert_uint_eq(access_of(0, 528), A_RWX);
	/* ... and is propagated into the view (split there too). */
	ck_assert_uint_eq(access_of(v, 520), A_RX);
	ck_assert_uint_eq(access_of(v, 519), A_R);
	ck_assert_uint_eq(access_of(v, 528), A_R);
	ck_assert_uint_eq(level_of(v, 520), 1);
	ck_assert_uint_eq(level_of(v, 1100), 2);

	/* The scattered region is 4 KiB everywhere. */
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, SMALL_BASE,
						       SMALL_PAGES, A_RW), 0);
	ck_assert_uint_eq(level_of(v, SMALL_BASE + 600), 1);
	ck_assert_uint_eq(frame_of(v, SMALL_BASE + 600),
			  host_hpa(SMALL_BASE + 600));
	ck_assert_uint_eq(access_of(v, SMALL_BASE + SMALL_PAGES - 1), A_RW);
}
END_TEST

START_TEST(range_errors_change_nothing)
{
	unsigned int v = create(A_RWX), x;
	struct snap *a, *b;

	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, 0, 100, A_R),
			 0);
	a = snapshot();
	/* Runs into MMIO at 4096. */
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, 3000, 2000,
						       A_RX), -ESRCH);
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, 0, 3000, 2000,
						       A_RX), -ESRCH);
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, LIMIT - 1, 2,
						       A_RX), -EINVAL);
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, LIMIT, 1,
						       A_RX), -EINVAL);
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, 0, 10, A_W),
			 -EINVAL);
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, 0, 0, A_RX),
			 0);
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, 3, 0, 10, A_RX),
			 -ENOENT);
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, 10, 0, 10, A_RX),
			 -EINVAL);
	F.frame_err = -EFAULT;
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, 3000, 10,
						       A_RX), -EFAULT);
	F.frame_err = 0;
	b = snapshot();
	ck_assert(snap_same(a, b));
	snap_free(a);
	snap_free(b);
	ck_assert_int_eq(altp2m_views_get_access(&VS, v, 3000, &x), -ESRCH);
	ck_assert_int_eq(altp2m_views_get_access(&VS, v, LIMIT, &x), -EINVAL);
	ck_assert_int_eq(altp2m_views_get_access(&VS, 0, 4096, &x), -ESRCH);
	/* View 0 reads a RAM gfn it did not fill yet as rwx. */
	ck_assert_int_eq(altp2m_views_get_access(&VS, 0, 3000, &x), 0);
	ck_assert_uint_eq(x, A_RWX);
	ck_assert_uint_eq(leaf(0, 3000, NULL), EMPTY);
}
END_TEST

START_TEST(list_ops)
{
	unsigned int v = create(A_RWX);
	u64 gfns[] = { 5, 6, 1000, SMALL_BASE + 4, 5, 3000 };
	u8 acc[] = { A_R, A_N, A_RX2RW, A_RW, A_RX, A_N2RWX };

	ck_assert_int_eq(altp2m_views_set_access_list(&VS, v, gfns, acc, 6),
			 0);
	ck_assert_uint_eq(access_of(v, 5), A_RX);	/* last one wins */
	ck_assert_uint_eq(access_of(v, 6), A_N);
	ck_assert_uint_eq(access_of(v, 1000), A_RX2RW);
	ck_assert_uint_eq(access_of(v, SMALL_BASE + 4), A_RW);
	ck_assert_uint_eq(access_of(v, 3000), A_N2RWX);
	ck_assert_uint_eq(level_of(v, 1000), 1);
	ck_assert_uint_eq(leaf(v, 1001, NULL), EMPTY);	/* only what is set */
	/* Parked entries keep their frame. */
	ck_assert_uint_eq(leaf(v, 6, NULL) & RWX, 0);
	ck_assert_uint_eq(frame_of(v, 6), host_hpa(6));
	ck_assert_int_eq(altp2m_views_set_access_list(&VS, v, gfns, acc, 0),
			 0);
}
END_TEST

/* One bad pair anywhere: nothing changes, bit for bit. */
static const struct bad_list {
	u64 gfn;
	u8 acc;
	int ret;
} bad_lists[] = {
	{ 4096, A_R, -ESRCH },		/* MMIO */
	{ 7, A_W, -EINVAL },
	{ 7, A_WX, -EINVAL },
	{ 7, A_X, -EINVAL },
	{ 7, 12, -EINVAL },
	{ LIMIT, A_R, -EINVAL },
};

START_TEST(list_one_bad_entry)
{
	const struct bad_list *c = &bad_lists[_i];
	unsigned int v = create(A_RX), i, idx;
	struct altp2m_view_run d1[64], d2[64];
	u64 gfns[40];
	u8 acc[40];
	struct snap *a, *b;
	int n1, n2;

	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, 510, 4, A_R),
			 0);
	for (i = 0; i < 40; i++) {
		gfns[i] = (i * 977) % 4096;
		acc[i] = i % 2 ? A_N : A_RW;
	}
	gfns[39] = SMALL_BASE + 1;
	for (idx = 0; idx < 2; idx++) {
		unsigned int view = idx ? v : 0;

		a = snapshot();
		n1 = dump_all(view, d1, 64, 8);
		gfns[20] = c->gfn;
		acc[20] = c->acc;
		ck_assert_int_eq(altp2m_views_set_access_list(&VS, view, gfns,
							      acc, 40),
				 c->ret);
		b = snapshot();
		ck_assert_msg(snap_same(a, b), "view %u changed", view);
		n2 = dump_all(view, d2, 64, 8);
		ck_assert_int_eq(n1, n2);
		ck_assert_mem_eq(d1, d2, n1 * sizeof(d1[0]));
		snap_free(a);
		snap_free(b);
	}
	/* And the same for SVE lists. */
	a = snapshot();
	acc[20] = 2;
	gfns[20] = 3;
	ck_assert_int_eq(altp2m_views_set_sve_list(&VS, v, gfns, acc, 40),
			 -EINVAL);
	b = snapshot();
	ck_assert(snap_same(a, b));
	snap_free(a);
	snap_free(b);
}
END_TEST

/*
 * Out of memory at each allocation an operation makes: each failure
 * leaves every hierarchy bit-identical; the loop ends when the operation
 * succeeds.
 */
enum {
	OOM_RANGE_FRESH, OOM_LIST_MANY, OOM_VIEW0_PROPAGATE, OOM_REMAP,
	OOM_SVE_RANGE, OOM_NR,
};

static int oom_op(int which, unsigned int v)
{
	u64 gfns[80];
	u8 acc[80];
	unsigned int i;

	switch (which) {
	case OOM_RANGE_FRESH:
		return altp2m_views_set_access_range(&VS, v, 300, 3000, A_RX);
	case OOM_LIST_MANY:
		/* More links than one journal chunk holds. */
		for (i = 0; i < 80; i++) {
			gfns[i] = i < 40 ? i * 101 : SMALL_BASE + i * 11;
			acc[i] = A_R;
		}
		return altp2m_views_set_access_list(&VS, v, gfns, acc, 80);
	case OOM_VIEW0_PROPAGATE:
		return altp2m_views_set_access_range(&VS, 0, 7, 1500, A_R);
	case OOM_REMAP:
		return altp2m_views_remap(&VS, v, 3333, SMALL_BASE + 9);
	default:
		return altp2m_views_set_sve_range(&VS, v, 100, 900, 0);
	}
}

START_TEST(enomem_all_or_nothing)
{
	unsigned int v = create(A_RWX), w = create(A_R), n, kind;
	struct snap *before, *after;
	int ret;

	/* Views that hold 2 MiB leaves the operations must split. */
	ck_assert_int_eq(fault(v, 5, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_int_eq(fault(w, 1200, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_int_eq(fault(w, 3333, R_, NULL), ALTP2M_VIEW_RETRY);
	/* Tables (kind 0), then the engine's own memory (kind 1). */
	for (kind = 0; kind < 2; kind++) {
		for (n = 1;; n++) {
			before = snapshot();
			if (kind)
				altp2m_shim_fail_at = altp2m_shim_allocs + n;
			else
				F.fail_at = F.calls + n;
			ret = oom_op(_i, _i == OOM_VIEW0_PROPAGATE ? 0 :
				     kind ? w : v);
			F.fail_at = 0;
			altp2m_shim_fail_at = 0;
			check_all();
			after = snapshot();
			if (ret != -ENOMEM) {
				snap_free(before);
				snap_free(after);
				break;
			}
			ck_assert_msg(snap_same(before, after),
				      "op %d changed at failure %u of kind %u",
				      _i, n, kind);
			snap_free(before);
			snap_free(after);
		}
		ck_assert_int_eq(ret, 0);
		if (!kind && _i != OOM_SVE_RANGE)
			ck_assert_uint_gt(n, 1);
	}
}
END_TEST

/* ---- propagation and flushes -------------------------------------------- */

START_TEST(view0_propagates)
{
	unsigned int v1 = create(A_RWX), v2 = create(A_R), v3 = create(A_RW);
	unsigned int x;

	ck_assert_int_eq(fault(v1, 40, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_int_eq(altp2m_views_set_access(&VS, v2, 40, A_RX), 0);
	ck_assert_int_eq(altp2m_views_set_access(&VS, v2, 41, A_RX), 0);
	/* v3 does not hold 40; it holds something else. */
	ck_assert_int_eq(fault(v3, 2000, R_, NULL), ALTP2M_VIEW_RETRY);
	memset(F.flushes_of, 0, sizeof(F.flushes_of));
	ck_assert_int_eq(altp2m_views_set_access(&VS, 0, 40, A_R), 0);
	ck_assert_uint_eq(access_of(0, 40), A_R);
	ck_assert_uint_eq(access_of(v1, 40), A_R);
	ck_assert_uint_eq(access_of(v2, 40), A_R);
	ck_assert_uint_eq(access_of(v2, 41), A_RX);
	ck_assert_uint_eq(access_of(v1, 41), A_RWX);
	ck_assert_uint_eq(level_of(v1, 41), 1);	/* split for 40 */
	ck_assert_int_eq(altp2m_views_get_access(&VS, v3, 40, &x), -ESRCH);
	/* v3 still fills with its own default. */
	ck_assert_int_eq(fault(v3, 40, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_uint_eq(access_of(v3, 40), A_RW);
	/* One flush for each view whose present entry lost rights. */
	ck_assert_uint_eq(F.flushes_of[0], 1);
	ck_assert_uint_eq(F.flushes_of[v1], 1);
	ck_assert_uint_eq(F.flushes_of[v2], 1);
	ck_assert_uint_eq(F.flushes_of[v3], 0);
	/* Adding rights in view 0 and the views: no flush at all. */
	memset(F.flushes_of, 0, sizeof(F.flushes_of));
	ck_assert_int_eq(altp2m_views_set_access(&VS, 0, 40, A_RWX), 0);
	ck_assert_uint_eq(F.flushes_of[0] + F.flushes_of[v1] +
			  F.flushes_of[v2], 0);
	/* SVE in view 0 is not propagated. */
	ck_assert_int_eq(altp2m_views_set_sve(&VS, 0, 40, 0), 0);
	ck_assert_uint_eq(leaf(v1, 40, NULL) & SVE, SVE);
}
END_TEST

START_TEST(bulk_flushes_once)
{
	unsigned int v = create(A_RWX), w = create(A_RWX);
	unsigned long total;

	/* Populating is no flush. */
	total = F.flushes;
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, 0, 4096,
						       A_RWX), 0);
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, SMALL_BASE,
						       SMALL_PAGES, A_RWX), 0);
	ck_assert_uint_eq(F.flushes, total);
	/* 4096 + 1000 gfns restricted in one call: one flush of v. */
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, 0, 1,
						       A_RWX), 0);
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, SMALL_BASE,
						       SMALL_PAGES, A_R), 0);
	ck_assert_uint_eq(F.flushes, total + 1);
	ck_assert_uint_eq(F.flushes_of[v], 1);
	ck_assert_uint_eq(VS.stats.flushes, F.flushes);
	/* A list over both regions, with 4 KiB splits: one flush. */
	{
		u64 gfns[600];
		u8 acc[600];
		unsigned int i;

		for (i = 0; i < 600; i++) {
			gfns[i] = i % 2 ? i * 6 : SMALL_BASE + i;
			acc[i] = A_RX;
		}
		ck_assert_int_eq(altp2m_views_set_access_list(&VS, v, gfns,
							      acc, 600), 0);
	}
	ck_assert_uint_eq(F.flushes_of[v], 2);
	ck_assert_uint_eq(F.flushes_of[w], 0);
	ck_assert_uint_eq(F.flushes, total + 2);
	/* SVE range on present entries: one flush. */
	ck_assert_int_eq(altp2m_views_set_sve_range(&VS, v, 0, 4096, 0), 0);
	ck_assert_uint_eq(F.flushes_of[v], 3);
	/* Nothing changes: no flush. */
	ck_assert_int_eq(altp2m_views_set_sve_range(&VS, v, 0, 4096, 0), 0);
	ck_assert_uint_eq(F.flushes_of[v], 3);
}
END_TEST

/*
 * Long walks give the owner a chance to reschedule (ops->resched) every
 * ALTP2M_VIEW_RESCHED_EVERY steps: a range edit with its propagation, a
 * list, a region going away, and the teardown of many views.
 */
#define BIG_BASE	(1ULL << 20)
#define BIG_BLOCKS	256ULL		/* 512 MiB of 4 KiB leaves */

START_TEST(long_walks_resched)
{
	const unsigned long every = ALTP2M_VIEW_RESCHED_EVERY;
	unsigned long before;
	unsigned int v, i;
	u64 *gfns;
	u8 *acc;

	host_add(BIG_BASE, BIG_BLOCKS * B2M, 0);
	ck_assert_int_eq(altp2m_views_disable(&VS), 0);
	ck_assert_int_eq(altp2m_views_enable(&VS, 2 * every), 0);
	v = create(A_RWX);

	/* Fill view v (prep + apply: two steps per block). */
	before = F.rescheds;
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, BIG_BASE,
						       BIG_BLOCKS * B2M,
						       A_RX), 0);
	ck_assert_uint_ge(F.rescheds - before, 2 * BIG_BLOCKS / every - 1);

	/* View 0, propagated into v (its leaf tables walked as well). */
	before = F.rescheds;
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, 0, BIG_BASE,
						       BIG_BLOCKS * B2M,
						       A_R), 0);
	ck_assert_uint_ge(F.rescheds - before, 3 * BIG_BLOCKS / every - 1);
	ck_assert_uint_eq(access_of(v, BIG_BASE + 7), A_R);

	/* A list of one gfn per block. */
	gfns = calloc(BIG_BLOCKS, sizeof(*gfns));
	acc = calloc(BIG_BLOCKS, 1);
	for (i = 0; i < BIG_BLOCKS; i++) {
		gfns[i] = BIG_BASE + i * B2M + 3;
		acc[i] = A_RWX;
	}
	before = F.rescheds;
	ck_assert_int_eq(altp2m_views_set_access_list(&VS, v, gfns, acc,
						      BIG_BLOCKS), 0);
	ck_assert_uint_ge(F.rescheds - before, 2 * BIG_BLOCKS / every - 1);
	free(gfns);
	free(acc);

	/* The region goes: every view lets go of it, table by table. */
	before = F.rescheds;
	altp2m_views_host_unmap(&VS, BIG_BASE, BIG_BLOCKS * B2M);
	host_del(host_region(BIG_BASE));
	ck_assert_uint_ge(F.rescheds - before, 2 * BIG_BLOCKS / every - 1);

	/* Tearing down many views. */
	for (i = 0; i < every; i++)
		create(A_RWX);
	before = F.rescheds;
	ck_assert_int_eq(altp2m_views_disable(&VS), 0);
	ck_assert_uint_ge(F.rescheds - before, 1);
	ck_assert_int_eq(altp2m_views_enable(&VS, 0), 0);
}
END_TEST

/* ---- SVE ---------------------------------------------------------------- */

START_TEST(sve_ops)
{
	unsigned int v = create(A_RWX), s = 9;
	u64 gfns[] = { 30, 31, SMALL_BASE };
	u8 vals[] = { 0, 1, 0 };

	/* Not held by the view: -ESRCH, as Xen; view 0 reads its fill. */
	ck_assert_int_eq(altp2m_views_get_sve(&VS, v, 30, &s), -ESRCH);
	ck_assert_int_eq(altp2m_views_get_sve(&VS, 0, 30, &s), 0);
	ck_assert_uint_eq(s, 1);
	ck_assert_uint_eq(leaf(0, 30, NULL), EMPTY);
	ck_assert_int_eq(altp2m_views_get_sve(&VS, v, 4096, &s), -ESRCH);
	ck_assert_int_eq(altp2m_views_get_sve(&VS, v, LIMIT, &s), -EINVAL);
	ck_assert_int_eq(altp2m_views_get_sve(&VS, 0, 4096, &s), -ESRCH);
	ck_assert_int_eq(altp2m_views_set_sve(&VS, v, 30, 2), -EINVAL);
	ck_assert_int_eq(altp2m_views_set_sve(&VS, v, 4096, 0), -ESRCH);

	ck_assert_int_eq(altp2m_views_set_sve(&VS, v, 30, 0), 0);
	ck_assert_int_eq(altp2m_views_get_sve(&VS, v, 30, &s), 0);
	ck_assert_uint_eq(s, 0);
	ck_assert_uint_eq(level_of(v, 30), 1);
	ck_assert_int_eq(altp2m_views_get_sve(&VS, v, 29, &s), -ESRCH);
	ck_assert_uint_eq(access_of(v, 30), A_RWX);	/* untouched */

	ck_assert_int_eq(altp2m_views_set_sve_list(&VS, v, gfns, vals, 3), 0);
	ck_assert_uint_eq(leaf(v, 31, NULL) & SVE, SVE);
	ck_assert_uint_eq(leaf(v, SMALL_BASE, NULL) & SVE, 0);

	ck_assert_int_eq(altp2m_views_set_sve_range(&VS, v, 1024, 1024, 0),
			 0);
	ck_assert_uint_eq(level_of(v, 1024), 2);
	ck_assert_uint_eq(leaf(v, 2047, NULL) & SVE, 0);
	ck_assert_int_eq(altp2m_views_set_sve_range(&VS, 0, 1024, 2, 0), 0);
	ck_assert_int_eq(altp2m_views_get_sve(&VS, 0, 1025, &s), 0);
	ck_assert_uint_eq(s, 0);
	ck_assert_int_eq(altp2m_views_set_sve_range(&VS, v, 4000, 100, 0),
			 -ESRCH);
}
END_TEST

/* ---- remaps ------------------------------------------------------------- */

START_TEST(remap_and_revert)
{
	unsigned int v = create(A_RX), level;
	struct altp2m_view_run d[8];
	u64 a = 100, b = 3000, e;

	ck_assert_int_eq(altp2m_views_remap(&VS, v, a, b), 0);
	e = leaf(v, a, &level);
	ck_assert_uint_eq(level, 1);
	/* B's frame and type, B's access (the host's, as the view does not
	 * hold B), SVE set.
	 */
	ck_assert_uint_eq(e, host_hpa(b) | RAM_TYPE | RWX | SVE |
			  SW_ACC(A_RWX) | REMAPPED);
	ck_assert_uint_eq(frame_of(0, a), 0);	/* view 0 holds B, not A */
	ck_assert_uint_eq(frame_of(0, b), host_hpa(b));
	ck_assert_uint_eq(VS.nr_remaps, 1);
	ck_assert_uint_eq(VS.view[v]->nr_remaps, 1);
	/* Emulation on a vCPU of view v reads B's frame at A; others A's. */
	ck_assert_uint_eq(altp2m_views_frame_gfn(&VS, v, a), b);
	ck_assert_uint_eq(altp2m_views_frame_gfn(&VS, 0, a), a);
	ck_assert_uint_eq(altp2m_views_frame_gfn(&VS, v, b), b);
	ck_assert_uint_eq(altp2m_views_frame_gfn(&VS, ALTP2M_VIEWS_MAX, a), a);
	ck_assert_int_eq(fault(0, a, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_uint_eq(frame_of(0, a), host_hpa(a));
	ck_assert_uint_eq(frame_of(v, a), host_hpa(b));
	ck_assert_int_eq(dump_all(v, d, 8, 4), 1);
	ck_assert_uint_eq(d[0].gfn, a);
	ck_assert_uint_eq(d[0].npages, 1);
	ck_assert_uint_eq(d[0].target, b);
	ck_assert_uint_eq(d[0].access, A_RWX);
	ck_assert_uint_eq(d[0].sve, 1);

	/* Access changes keep the remap. */
	ck_assert_int_eq(altp2m_views_set_access(&VS, v, a, A_R), 0);
	ck_assert_uint_eq(frame_of(v, a), host_hpa(b));
	ck_assert_uint_eq(leaf(v, a, NULL) & REMAPPED, REMAPPED);

	/* Revert to itself: lazy fill again, with the host's frame. */
	ck_assert_int_eq(altp2m_views_remap(&VS, v, a, a), 0);
	ck_assert_uint_eq(leaf(v, a, NULL), EMPTY);
	ck_assert_uint_eq(VS.nr_remaps, 0);
	ck_assert_uint_eq(altp2m_views_frame_gfn(&VS, v, a), a);
	ck_assert_int_eq(fault(v, a, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_uint_eq(frame_of(v, a), host_hpa(a));
	/* ... and with the invalid marker. */
	ck_assert_int_eq(altp2m_views_remap(&VS, v, a, SMALL_BASE + 1), 0);
	ck_assert_uint_eq(frame_of(v, a), host_hpa(SMALL_BASE + 1));
	ck_assert_int_eq(altp2m_views_remap(&VS, v, a, INVALID), 0);
	ck_assert_uint_eq(leaf(v, a, NULL), EMPTY);
	ck_assert_uint_eq(VS.view[v]->nr_remaps, 0);
	/* Reverting what the view does not hold does nothing. */
	ck_assert_int_eq(altp2m_views_remap(&VS, v, a, INVALID), 0);
	/* Reverting a gfn of a 2 MiB leaf: split, that gfn goes. */
	ck_assert_int_eq(fault(v, 1500, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 1500, INVALID), 0);
	ck_assert_uint_eq(leaf(v, 1500, NULL), EMPTY);
	ck_assert_uint_eq(access_of(v, 1501), A_RX);
	ck_assert_uint_eq(VS.view[v]->nr_pages, 511 + 511);
}
END_TEST

START_TEST(remap_takes_b_access_here)
{
	unsigned int v = create(A_RWX);

	/* B held with access r (and B is a 2 MiB leaf in view 0). */
	ck_assert_int_eq(altp2m_views_set_access(&VS, v, 2222, A_R), 0);
	ck_assert_int_eq(altp2m_views_set_sve(&VS, v, 2222, 0), 0);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 10, 2222), 0);
	ck_assert_uint_eq(access_of(v, 10), A_R);
	ck_assert_uint_eq(leaf(v, 10, NULL) & SVE, SVE);
	ck_assert_uint_eq(frame_of(v, 10), host_hpa(2222));
	/* Only A changes; its neighbours keep their own frames. */
	ck_assert_int_eq(fault(v, 11, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 12, 2223), 0);
	ck_assert_uint_eq(frame_of(v, 11), host_hpa(11));
	ck_assert_uint_eq(frame_of(v, 12), host_hpa(2223));
	ck_assert_uint_eq(access_of(v, 12), A_RWX);
	/* B not held by the view: the host's access, not the view's default
	 * (Xen's change_gfn).
	 */
	v = create(A_R);
	ck_assert_int_eq(altp2m_views_set_access(&VS, 0, 3000, A_RX), 0);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 13, 3000), 0);
	ck_assert_uint_eq(access_of(v, 13), A_RX);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 14, 3001), 0);
	ck_assert_uint_eq(access_of(v, 14), A_RWX);
	ck_assert_uint_eq(leaf(v, 3000, NULL), EMPTY);	/* B not pulled in */
}
END_TEST

START_TEST(remap_chain_and_overwrite)
{
	unsigned int v = create(A_RWX);
	struct altp2m_view_run d[8];
	int n;

	/* B itself remapped to C: A gets C's frame, recorded against C. */
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 200, 300), 0);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 100, 200), 0);
	ck_assert_uint_eq(frame_of(v, 100), host_hpa(300));
	n = dump_all(v, d, 8, 8);
	ck_assert_int_eq(n, 2);
	ck_assert_uint_eq(d[0].gfn, 100);
	ck_assert_uint_eq(d[0].target, 300);
	/* Overwrite: one record, the new target. */
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 100, SMALL_BASE + 2), 0);
	ck_assert_uint_eq(VS.nr_remaps, 2);
	ck_assert_uint_eq(frame_of(v, 100), host_hpa(SMALL_BASE + 2));
	/* Host change of 300 kills 200's remap, not 100's. */
	altp2m_views_host_unmap(&VS, 300, 1);
	ck_assert_uint_eq(leaf(v, 200, NULL), EMPTY);
	ck_assert_uint_eq(frame_of(v, 100), host_hpa(SMALL_BASE + 2));
	ck_assert_uint_eq(VS.stats.remaps_invalidated, 1);
}
END_TEST

START_TEST(remap_errors)
{
	unsigned int v = create(A_RWX);
	struct snap *a, *b;

	ck_assert_int_eq(altp2m_views_remap(&VS, v, 50, 60), 0);
	a = snapshot();
	ck_assert_int_eq(altp2m_views_remap(&VS, 0, 1, 2), -EINVAL);
	ck_assert_int_eq(altp2m_views_remap(&VS, 2, 1, 2), -ENOENT);
	ck_assert_int_eq(altp2m_views_remap(&VS, 10, 1, 2), -EINVAL);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, LIMIT, 2), -EINVAL);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 1, LIMIT), -EINVAL);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 4096, 2), -ESRCH);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 1, 4096), -ESRCH);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 50, 5000), -ESRCH);
	/* The record cannot be allocated (a new remap). */
	altp2m_shim_fail_at = altp2m_shim_allocs + 1;
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 70, 80), -ENOMEM);
	altp2m_shim_fail_at = 0;
	b = snapshot();
	ck_assert(snap_same(a, b));
	snap_free(a);
	snap_free(b);
	/* A remapped gfn whose RAM went stays remappable. */
	altp2m_views_host_unmap(&VS, 50, 1);
	ck_assert_uint_eq(frame_of(v, 50), host_hpa(60));
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 50, 61), 0);
	ck_assert_uint_eq(frame_of(v, 50), host_hpa(61));
}
END_TEST

/* The reverse map's precision, across views. */
START_TEST(rmap_precision)
{
	unsigned int v1 = create(A_RWX), v2 = create(A_R), r;
	u64 b = SMALL_BASE + 500;

	ck_assert_int_eq(altp2m_views_remap(&VS, v1, 10, b), 0);
	ck_assert_int_eq(altp2m_views_remap(&VS, v2, 11, b), 0);
	/* A in the small region, target in the big one. */
	ck_assert_int_eq(altp2m_views_remap(&VS, v1, SMALL_BASE + 7, 20), 0);
	/* An unrelated host change: every remap survives. */
	host_add(6000, 100, 0);
	ck_assert_int_eq(fault(v1, 6050, R_, NULL), ALTP2M_VIEW_RETRY);
	altp2m_views_host_unmap(&VS, 6000, 100);
	host_del(host_region(6000));
	ck_assert_uint_eq(VS.nr_remaps, 3);
	check_all();
	/* The small region goes: remaps to it die (A back to lazy fill),
	 * the remap *in* it with its target elsewhere survives.
	 */
	altp2m_views_host_unmap(&VS, SMALL_BASE, SMALL_PAGES);
	host_del(host_region(SMALL_BASE));
	check_all();
	ck_assert_uint_eq(VS.nr_remaps, 1);
	ck_assert_uint_eq(leaf(v1, 10, NULL), EMPTY);
	ck_assert_uint_eq(leaf(v2, 11, NULL), EMPTY);
	ck_assert_uint_eq(frame_of(v1, SMALL_BASE + 7), host_hpa(20));
	ck_assert_int_eq(fault(v1, 10, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_uint_eq(frame_of(v1, 10), host_hpa(10));
	ck_assert_int_eq(fault(v2, 11, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_uint_eq(access_of(v2, 11), A_R);
	/* Destroying a view drops its remaps. */
	ck_assert_int_eq(altp2m_views_destroy_view(&VS, v1), 0);
	ck_assert_uint_eq(VS.nr_remaps, 0);
	/* A view's remaps of one target, many of them. */
	r = create(A_RWX);
	for (b = 0; b < 200; b++)
		ck_assert_int_eq(altp2m_views_remap(&VS, r, 1000 + b, 3000),
				 0);
	for (b = 0; b < 200; b++)
		ck_assert_int_eq(altp2m_views_remap(&VS, v2, 2000 + b,
						    3001 + b), 0);
	ck_assert_uint_eq(VS.nr_remaps, 400);
	check_all();
	altp2m_views_host_unmap(&VS, 3000, 1);
	ck_assert_uint_eq(VS.nr_remaps, 200);
	/* More gfns than remaps: walks the records, not the gfns. */
	altp2m_views_host_unmap(&VS, 3100, 4000);
	ck_assert_uint_eq(VS.nr_remaps, 99);	/* 3001 .. 3099 are left */
}
END_TEST

/* ---- host changes ------------------------------------------------------- */

START_TEST(host_unmap_mirrors)
{
	unsigned int v = create(A_R), w = create(A_RWX);
	unsigned long tables;

	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, 0, 4096, A_RX),
			 0);
	ck_assert_int_eq(altp2m_views_set_access(&VS, w, 700, A_RW), 0);
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, SMALL_BASE,
						       SMALL_PAGES, A_RX), 0);
	memset(F.flushes_of, 0, sizeof(F.flushes_of));
	/* Inside one 2 MiB leaf: split, only the range goes. */
	altp2m_views_host_unmap(&VS, 600, 10);
	ck_assert_uint_eq(leaf(0, 605, NULL), EMPTY);
	ck_assert_uint_eq(leaf(v, 605, NULL), EMPTY);
	ck_assert_uint_eq(leaf(w, 605, NULL), EMPTY);
	ck_assert_uint_eq(access_of(v, 599), A_RX);
	ck_assert_uint_eq(access_of(v, 610), A_RX);
	ck_assert_uint_eq(access_of(w, 700), A_RW);
	ck_assert_uint_eq(F.flushes_of[0], 1);
	ck_assert_uint_eq(F.flushes_of[v], 1);
	ck_assert_uint_eq(F.flushes_of[w], 0);	/* holds only 700 there */
	check_all();
	/* The host still has it: it refills lazily. */
	ck_assert_int_eq(fault(v, 605, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_uint_eq(access_of(v, 605), A_R);
	/* A whole region: tables freed after one flush per view. */
	tables = VS.view[v]->ept.nr_tables;
	memset(F.flushes_of, 0, sizeof(F.flushes_of));
	altp2m_views_host_unmap(&VS, SMALL_BASE, SMALL_PAGES);
	host_del(host_region(SMALL_BASE));
	ck_assert_uint_lt(VS.view[v]->ept.nr_tables, tables);
	ck_assert_uint_eq(F.flushes_of[v], 1);
	ck_assert_uint_eq(F.flushes_of[w], 0);	/* held nothing there */
	check_all();
	/* Moved: same frames at another gfn. */
	F.r[0].base = 1ULL << 20;
	altp2m_views_host_unmap(&VS, 0, 4096);
	ck_assert_uint_eq(VS.host.nr_leaves, 0);
	ck_assert_uint_eq(VS.view[v]->nr_leaves, 0);
	ck_assert_uint_eq(VS.view[v]->ept.nr_tables, 1);
	ck_assert_int_eq(fault(v, (1ULL << 20) + 5, R_, NULL),
			 ALTP2M_VIEW_RETRY);
	ck_assert_int_eq(fault(v, 5, R_, NULL), ALTP2M_VIEW_MMIO);
	/* Nothing to do: nothing flushed. */
	memset(F.flushes_of, 0, sizeof(F.flushes_of));
	altp2m_views_host_unmap(&VS, 50000, 10);
	altp2m_views_host_unmap(&VS, LIMIT, 10);
	altp2m_views_host_unmap(&VS, 5, 0);
	ck_assert_uint_eq(F.flushes_of[0] + F.flushes_of[v], 0);
}
END_TEST

/* A straddling 2 MiB leaf whose split fails goes whole, then refills. */
START_TEST(host_unmap_split_fails)
{
	unsigned int v = create(A_RWX);

	ck_assert_int_eq(fault(v, 1030, R_, NULL), ALTP2M_VIEW_RETRY);
	F.fail_all = 1;
	altp2m_views_host_unmap(&VS, 1030, 1);
	F.fail_all = 0;
	check_all();
	ck_assert_uint_eq(leaf(v, 1031, NULL), EMPTY);
	ck_assert_uint_eq(leaf(0, 1031, NULL), EMPTY);
	ck_assert_int_eq(fault(v, 1031, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_uint_eq(frame_of(v, 1031), host_hpa(1031));

	/*
	 * Only view 0's split fails: the views that could split must still
	 * drop the whole block (view 0 no longer holds it), and a remap to
	 * a gfn of that block dies with it.
	 */
	ck_assert_int_eq(fault(v, 2100, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 5, 2500), 0);
	ck_assert_uint_eq(level_of(v, 2100), 2);
	F.fail_at = F.calls + 1;
	altp2m_views_host_unmap(&VS, 2060, 2560 - 2060);
	F.fail_at = 0;
	check_all();
	ck_assert_uint_eq(leaf(0, 2050, NULL), EMPTY);
	ck_assert_uint_eq(leaf(0, 2100, NULL), EMPTY);
	ck_assert_uint_eq(leaf(v, 2100, NULL), EMPTY);
	ck_assert_uint_eq(leaf(v, 5, NULL), EMPTY);
	ck_assert_uint_eq(VS.nr_remaps, 0);
}
END_TEST

/* ---- introspection ------------------------------------------------------ */

START_TEST(list_views)
{
	unsigned int v1 = create(A_R), v2 = create(A_N2RWX), cursor = 0, i;
	struct altp2m_view_summary info[4];
	int n;

	ck_assert_int_eq(altp2m_views_destroy_view(&VS, v1), 0);
	v1 = create(A_RX);
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v2, 0, 1024, A_R),
			 0);
	ck_assert_int_eq(altp2m_views_remap(&VS, v2, 5000 - 4000, 3), 0);
	ck_assert_int_eq(altp2m_views_vcpu_enter(&VS, v2), 0);
	n = altp2m_views_list(&VS, &cursor, info, 4);
	ck_assert_int_eq(n, 3);
	ck_assert_uint_eq(cursor, ALTP2M_VIEWS_MAX);
	ck_assert_uint_eq(info[0].index, 0);
	ck_assert_uint_eq(info[0].default_access, A_RWX);
	ck_assert_uint_eq(info[0].nr_leaves, 2);
	ck_assert_uint_eq(info[1].index, v1);
	ck_assert_uint_eq(info[1].default_access, A_RX);
	ck_assert_uint_eq(info[1].nr_tables, 1);
	ck_assert_uint_eq(info[2].index, v2);
	ck_assert_uint_eq(info[2].vcpus_on, 1);
	ck_assert_uint_eq(info[2].nr_remaps, 1);
	ck_assert_uint_eq(info[2].nr_pages, 1024);
	ck_assert_uint_eq(info[2].nr_leaves, 511 + 1 + 1);
	ck_assert_uint_eq(info[2].nr_tables, VS.view[v2]->ept.nr_tables);
	/* One at a time. */
	cursor = 0;
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(altp2m_views_list(&VS, &cursor, info, 1), 1);
		ck_assert_uint_lt(cursor, ALTP2M_VIEWS_MAX);
	}
	ck_assert_int_eq(altp2m_views_list(&VS, &cursor, info, 1), 0);
	ck_assert_uint_eq(cursor, ALTP2M_VIEWS_MAX);
	ck_assert_int_eq(altp2m_views_list(&VS, &cursor, info, 0), -EINVAL);
	altp2m_views_vcpu_leave(&VS, v2);
}
END_TEST

START_TEST(dump_chunks)
{
	unsigned int v = create(A_RWX), chunk, i;
	struct altp2m_view_run full[64], part[64];
	u64 cursor;
	int n, m;

	/* Runs: 10..19 r, 20 remapped, 21..29 r, 30 r with SVE clear, a
	 * 2 MiB leaf n, the same access as the host elsewhere (not listed).
	 */
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, 0, 100,
						       A_RWX), 0);
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, 10, 21, A_R),
			 0);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 20, 1000), 0);
	ck_assert_int_eq(altp2m_views_set_sve(&VS, v, 30, 0), 0);
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, 1536, 512,
						       A_N), 0);
	/* View 0 restricts 40: the view's rwx differs from it now. */
	ck_assert_int_eq(altp2m_views_set_access(&VS, 0, 40, A_R), 0);
	ck_assert_int_eq(altp2m_views_set_access(&VS, v, 40, A_RWX), 0);
	n = dump_all(v, full, 64, 64);
	ck_assert_int_eq(n, 6);
	ck_assert_uint_eq(full[0].gfn, 10);
	ck_assert_uint_eq(full[0].npages, 10);
	ck_assert_uint_eq(full[0].access, A_R);
	ck_assert_uint_eq(full[0].target, INVALID);
	ck_assert_uint_eq(full[1].gfn, 20);
	ck_assert_uint_eq(full[1].target, 1000);
	ck_assert_uint_eq(full[1].access, A_RWX);	/* 1000's, here */
	ck_assert_uint_eq(full[2].gfn, 21);
	ck_assert_uint_eq(full[2].npages, 9);
	ck_assert_uint_eq(full[3].gfn, 30);
	ck_assert_uint_eq(full[3].sve, 0);
	ck_assert_uint_eq(full[4].gfn, 40);
	ck_assert_uint_eq(full[4].access, A_RWX);
	ck_assert_uint_eq(full[5].gfn, 1536);
	ck_assert_uint_eq(full[5].npages, 512);
	ck_assert_uint_eq(full[5].access, A_N);
	/* Any chunk size gives the same gfns, runs possibly cut. */
	for (chunk = 1; chunk < 8; chunk++) {
		u64 seen = 0;

		m = dump_all(v, part, 64, chunk);
		for (i = 0; i < (unsigned int)m; i++)
			seen += part[i].npages;
		ck_assert_uint_eq(seen, 10 + 1 + 9 + 1 + 1 + 512);
	}
	/* View 0's own differences: 40 (r). */
	n = dump_all(0, full, 64, 4);
	ck_assert_int_eq(n, 1);
	ck_assert_uint_eq(full[0].gfn, 40);
	ck_assert_uint_eq(full[0].access, A_R);
	/* Resume inside the 2 MiB leaf. */
	cursor = 1600;
	ck_assert_int_eq(altp2m_views_dump(&VS, v, &cursor, part, 4), 1);
	ck_assert_uint_eq(part[0].gfn, 1600);
	ck_assert_uint_eq(part[0].npages, 2048 - 1600);
	ck_assert_uint_eq(cursor, INVALID);
	cursor = INVALID;
	ck_assert_int_eq(altp2m_views_dump(&VS, v, &cursor, part, 4), 0);
	cursor = LIMIT;
	ck_assert_int_eq(altp2m_views_dump(&VS, v, &cursor, part, 4),
			 -EINVAL);
	cursor = 0;
	ck_assert_int_eq(altp2m_views_dump(&VS, v, &cursor, part, 0),
			 -EINVAL);
	ck_assert_int_eq(altp2m_views_dump(&VS, 7, &cursor, part, 4),
			 -ENOENT);
}
END_TEST

/* ---- scale -------------------------------------------------------------- */

START_TEST(views_512)
{
	unsigned int i, idx;

	ck_assert_int_eq(altp2m_views_disable(&VS), 0);
	ck_assert_int_eq(altp2m_views_enable(&VS, ALTP2M_VIEWS_MAX), 0);
	for (i = 1; i < ALTP2M_VIEWS_MAX; i++) {
		ck_assert_uint_eq(create(A_RWX), i);
		ck_assert_int_eq(fault(i, 77, R_, NULL), ALTP2M_VIEW_RETRY);
	}
	ck_assert_int_eq(altp2m_views_create(&VS, A_RWX, &idx), -ENOSPC);
	/* One view-0 change reaches all 511 with one flush each. */
	memset(F.flushes_of, 0, sizeof(F.flushes_of));
	ck_assert_int_eq(altp2m_views_set_access(&VS, 0, 77, A_R), 0);
	for (i = 0; i < ALTP2M_VIEWS_MAX; i++) {
		ck_assert_uint_eq(F.flushes_of[i], 1);
		ck_assert_uint_eq(access_of(i, 77), A_R);
	}
	ck_assert_int_eq(altp2m_views_remap(&VS, 511, 5, 6), 0);
	check_all();
	for (i = ALTP2M_VIEWS_MAX - 1; i >= 1; i--)
		ck_assert_int_eq(altp2m_views_destroy_view(&VS, i), 0);
	ck_assert_uint_eq(VS.nr_remaps, 0);
	for (i = 1; i < ALTP2M_VIEWS_MAX; i++)
		ck_assert_uint_eq(create(A_R), i);
	/* Teardown destroys them all. */
}
END_TEST

/* The PDE linking a page table whose entries are all leaves. */
static u64 pde_of(unsigned int idx, u64 gfn)
{
	u64 *t = view_of(idx)->ept.root, e = 0;
	unsigned int l;

	for (l = 4; l >= 2; l--) {
		e = t[(gfn >> (9 * (l - 1))) & 511];
		if (l > 2)
			t = (u64 *)(uintptr_t)(e & ADDR);
	}
	return e;
}

START_TEST(full_table_mark)
{
	unsigned int v = create(A_RWX);
	u64 gfns[1] = { 600 };
	u8 acc[1] = { A_R };

	/* View 0 holds block 512 as 4 KiB leaves (split: marked full). */
	ck_assert_int_eq(fault(0, 600, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_int_eq(altp2m_views_set_access_list(&VS, 0, gfns, acc, 1),
			 0);
	ck_assert_uint_eq(pde_of(0, 512) & ALTP2M_VIEW_SW_PT_FULL,
			  ALTP2M_VIEW_SW_PT_FULL);
	/* A view fills the whole block as 4 KiB: marked when complete. */
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, 512, 100,
						       A_R), 0);
	ck_assert_uint_eq(pde_of(v, 512) & ALTP2M_VIEW_SW_PT_FULL, 0);
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, 512, 512,
						       A_R), 0);
	ck_assert_uint_eq(pde_of(v, 512) & ALTP2M_VIEW_SW_PT_FULL,
			  ALTP2M_VIEW_SW_PT_FULL);
	/* A leaf goes: the mark goes, and the next bulk call fills it. */
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 700, INVALID), 0);
	ck_assert_uint_eq(pde_of(v, 512) & ALTP2M_VIEW_SW_PT_FULL, 0);
	check_all();
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, 512, 512,
						       A_RX), 0);
	ck_assert_uint_eq(access_of(v, 700), A_RX);
	ck_assert_uint_eq(pde_of(v, 512) & ALTP2M_VIEW_SW_PT_FULL,
			  ALTP2M_VIEW_SW_PT_FULL);
	/* Same through a host unmap of part of the table. */
	altp2m_views_host_unmap(&VS, 520, 3);
	ck_assert_uint_eq(pde_of(v, 512) & ALTP2M_VIEW_SW_PT_FULL, 0);
	ck_assert_uint_eq(pde_of(0, 512) & ALTP2M_VIEW_SW_PT_FULL, 0);
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, 512, 512,
						       A_R), 0);
	ck_assert_uint_eq(access_of(v, 521), A_R);
	ck_assert_uint_eq(access_of(0, 521), A_RWX);
	/* ... and through a remap dropped with its target. */
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 530, 3000), 0);
	altp2m_views_host_unmap(&VS, 3000, 1);
	ck_assert_uint_eq(pde_of(v, 512) & ALTP2M_VIEW_SW_PT_FULL, 0);
}
END_TEST

/*
 * The bulk paths a page table at a time (view_edit.c), case by case: a
 * gfn that is not RAM in a page table the view has, ranges that start and
 * end inside tables and cross their boundaries, a fill to the view's own
 * default (written although the edit changes nothing), full tables with a
 * remapped and a parked leaf, suppress-#VE, view 0's change propagated,
 * and lists with repeats, a fill next to view 0's 2 MiB leaf and a split.
 */
#define BT_BASE		16384ULL	/* two scattered page tables */

static void assert_range(unsigned int idx, u64 gfn, u64 n, unsigned int acc)
{
	u64 g;

	for (g = gfn; g < gfn + n; g++) {
		ck_assert_uint_eq(access_of(idx, g), acc);
		ck_assert_uint_eq(level_of(idx, g), 1);
		ck_assert_uint_eq(frame_of(idx, g), host_hpa(g));
	}
}

START_TEST(bulk_paths_by_table)
{
	unsigned int v = create(A_RX), level;
	unsigned long fv, f0;
	struct snap *before, *after;
	u64 g, gfns[8];
	u8 acc[8];

	host_add(BT_BASE, 2 * B2M, 0);
	/* One gfn faulted in: v and view 0 have non-full page tables. */
	ck_assert_int_eq(fault(v, SMALL_BASE + 10, R_, NULL),
			 ALTP2M_VIEW_RETRY);
	/* The block starts with MMIO: refused, nothing changed. */
	before = snapshot();
	memset(&VS.why, 0, sizeof(VS.why));
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, 8192, B2M,
						       A_R), -ESRCH);
	ck_assert_uint_eq(VS.why.arg, ALTP2M_WHY_GFN_NOT_RAM);
	after = snapshot();
	ck_assert(snap_same(before, after));
	snap_free(before);
	snap_free(after);

	/* Across a table boundary, both ends inside tables, to the view's
	 * default: every gfn filled in both views, nothing flushed.
	 */
	fv = F.flushes_of[v];
	f0 = F.flushes_of[0];
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, SMALL_BASE,
						       700, A_RX), 0);
	assert_range(v, SMALL_BASE, 700, A_RX);
	assert_range(0, SMALL_BASE, 700, A_RWX);
	ck_assert_uint_eq(leaf(v, SMALL_BASE + 700, NULL), EMPTY);
	ck_assert_uint_eq(VS.view[v]->nr_leaves, 700);
	ck_assert_uint_eq(VS.host.nr_leaves, 700);
	ck_assert_uint_eq(F.flushes_of[v], fv);
	ck_assert_uint_eq(F.flushes_of[0], f0);

	/* Two whole tables in pieces: marked full once complete. */
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, BT_BASE + 100,
						       2 * B2M - 200, A_R), 0);
	ck_assert_uint_eq(pde_of(v, BT_BASE) & ALTP2M_VIEW_SW_PT_FULL, 0);
	ck_assert_uint_eq(leaf(v, BT_BASE + 99, NULL), EMPTY);
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, BT_BASE,
						       2 * B2M, A_RW), 0);
	assert_range(v, BT_BASE, 2 * B2M, A_RW);
	for (g = BT_BASE; g < BT_BASE + 2 * B2M; g += B2M)
		ck_assert_uint_ne(pde_of(v, g) & ALTP2M_VIEW_SW_PT_FULL, 0);
	/* A fill gives the default first (rx), which r and rw narrow: one
	 * flush per call, as the general path counts.
	 */
	ck_assert_uint_eq(F.flushes_of[v], fv + 2);

	/* Full tables with a remapped and a parked leaf: one flush for the
	 * rights taken, none when nothing changes (no entry written).
	 */
	ck_assert_int_eq(altp2m_views_remap(&VS, v, BT_BASE + 116,
					    BT_BASE + 600), 0);
	ck_assert_int_eq(altp2m_views_set_access(&VS, v, BT_BASE + 7, A_N),
			 0);
	fv = F.flushes_of[v];
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, BT_BASE,
						       2 * B2M, A_R), 0);
	ck_assert_uint_eq(F.flushes_of[v], fv + 1);
	ck_assert_uint_eq(access_of(v, BT_BASE + 7), A_R);
	ck_assert_uint_eq(access_of(v, BT_BASE + 116), A_R);
	ck_assert_uint_ne(leaf(v, BT_BASE + 116, NULL) & REMAPPED, 0);
	ck_assert_uint_eq(frame_of(v, BT_BASE + 116),
			  host_hpa(BT_BASE + 600));
	before = snapshot();
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, BT_BASE,
						       2 * B2M, A_R), 0);
	after = snapshot();
	ck_assert(snap_same(before, after));
	snap_free(before);
	snap_free(after);
	ck_assert_uint_eq(F.flushes_of[v], fv + 1);

	/* One leaf losing a right is enough for a flush, wherever it is in
	 * the edit loop's groups of four or in its tail.
	 */
	for (g = BT_BASE + 4; g < BT_BASE + 8; g++) {
		ck_assert_int_eq(altp2m_views_set_access(&VS, v, g, A_RW), 0);
		fv = F.flushes_of[v];
		ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, BT_BASE,
							       2 * B2M, A_R),
				 0);
		ck_assert_uint_eq(F.flushes_of[v], fv + 1);
		ck_assert_int_eq(altp2m_views_set_access(&VS, v, g + 5, A_RW),
				 0);
		ck_assert_int_eq(altp2m_views_set_access_range(&VS, v,
							       BT_BASE + 1,
							       g - BT_BASE + 5,
							       A_R), 0);
		ck_assert_uint_eq(F.flushes_of[v], fv + 2);
		ck_assert_uint_eq(access_of(v, g + 5), A_R);
	}

	/* Suppress-#VE: present leaves flush, parked ones do not. */
	fv = F.flushes_of[v];
	ck_assert_int_eq(altp2m_views_set_sve_range(&VS, v, BT_BASE,
						    2 * B2M, 0), 0);
	ck_assert_uint_eq(F.flushes_of[v], fv + 1);
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, BT_BASE + 600,
						       10, A_N), 0);
	fv = F.flushes_of[v];
	ck_assert_int_eq(altp2m_views_set_sve_range(&VS, v, BT_BASE + 600,
						    10, 1), 0);
	ck_assert_uint_eq(F.flushes_of[v], fv);
	ck_assert_uint_eq(leaf(v, BT_BASE + 605, NULL) & (SVE | RWX), SVE);
	ck_assert_uint_eq(leaf(v, BT_BASE + 611, NULL) & SVE, 0);

	/* View 0's change reaches v's leaves, remapped and parked too. */
	fv = F.flushes_of[v];
	f0 = F.flushes_of[0];
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, 0, BT_BASE,
						       2 * B2M, A_RX), 0);
	assert_range(0, BT_BASE, 2 * B2M, A_RX);
	ck_assert_uint_eq(access_of(v, BT_BASE + 116), A_RX);
	ck_assert_uint_eq(access_of(v, BT_BASE + 605), A_RX);
	ck_assert_uint_eq(access_of(v, BT_BASE + 1000), A_RX);
	ck_assert_uint_eq(F.flushes_of[0], f0 + 1);
	ck_assert_uint_eq(F.flushes_of[v], fv);

	/* A list: repeats (the last wins), a 4 KiB fill next to view 0's
	 * 2 MiB leaf (made by the first one), a split of v's 2 MiB leaf.
	 */
	ck_assert_int_eq(fault(v, 1100, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_uint_eq(level_of(v, 1100), 2);
	gfns[0] = BT_BASE + 400;	acc[0] = A_RW;
	gfns[1] = BT_BASE + 401;	acc[1] = A_N;
	gfns[2] = BT_BASE + 400;	acc[2] = A_R;
	gfns[3] = 600;			acc[3] = A_R;
	gfns[4] = 601;			acc[4] = A_RWX;
	gfns[5] = 1100;			acc[5] = A_N2RWX;
	fv = F.flushes_of[v];
	ck_assert_int_eq(altp2m_views_set_access_list(&VS, v, gfns, acc, 6),
			 0);
	ck_assert_uint_eq(F.flushes_of[v], fv + 1);
	ck_assert_uint_eq(access_of(v, BT_BASE + 400), A_R);
	ck_assert_uint_eq(access_of(v, BT_BASE + 401), A_N);
	ck_assert_uint_eq(level_of(0, 600), 2);
	ck_assert_uint_eq(leaf(v, 600, &level) & (RWX | ADDR), host_hpa(600) |
			  R_);
	ck_assert_uint_eq(level, 1);
	ck_assert_uint_eq(frame_of(v, 601), host_hpa(601));
	ck_assert_uint_eq(access_of(v, 601), A_RWX);
	ck_assert_uint_eq(leaf(v, 602, NULL), EMPTY);
	ck_assert_uint_eq(level_of(v, 1100), 1);
	ck_assert_uint_eq(access_of(v, 1100), A_N2RWX);
	ck_assert_uint_eq(access_of(v, 1101), A_RX);
	ck_assert_uint_eq(frame_of(v, 1101), host_hpa(1101));
}
END_TEST

/* Tables freed by a failed call are released after the flush, too. */
START_TEST(free_after_flush_on_rollback)
{
	unsigned int v = create(A_RWX);
	unsigned long released = F.released;

	/* Links tables in v (fresh PTs) before hitting MMIO at 4096. */
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, 100, 5000,
						       A_R), -ESRCH);
	ck_assert_uint_gt(F.released, released);
	ck_assert_int_eq(F.live[v], 1);
	check_all();
}
END_TEST

/* ---- empty entries ------------------------------------------------------ */

static unsigned int idx_of(u64 gfn, unsigned int level)
{
	return (gfn >> (9 * (level - 1))) & 511;
}

/* The table of @level on @gfn's path in view @idx (level 4: the root). */
static u64 *table_on_path(unsigned int idx, u64 gfn, unsigned int level)
{
	u64 *t = view_of(idx)->ept.root, e;
	unsigned int l;

	for (l = 4; l > level; l--) {
		e = t[idx_of(gfn, l)];
		ck_assert_msg((e & RWX) && !(e & LARGE),
			      "view %u: no level-%u table on the path of %#llx",
			      idx, level, (unsigned long long)gfn);
		t = (u64 *)(uintptr_t)(e & ADDR);
	}
	return t;
}

/* Every entry of @t is EMPTY, but @skip (512: none). */
static void assert_empty_but(const u64 *t, unsigned int skip)
{
	unsigned int i;

	for (i = 0; i < 512; i++)
		if (i != skip)
			ck_assert_msg(t[i] == EMPTY, "entry %u is %#llx", i,
				      (unsigned long long)t[i]);
}

/*
 * Filling one gfn in fresh views: every other entry of every table on its
 * path, at every level and in view 0 too, is the empty entry (SVE set),
 * so that with #VE on, a neighbour's first access still exits for lazy
 * fill.
 */
START_TEST(fill_path_empty)
{
	unsigned int v, w, l, idx, i;
	u64 g = SMALL_BASE + 3, e;

	/* Roots as init and create left them. */
	assert_empty_but(VS.host.ept.root, 512);
	v = create(A_RX);
	assert_empty_but(VS.view[v]->ept.root, 512);
	ck_assert_uint_eq(VS.view[v]->ept.nr_tables, 1);

	/* 4 KiB: four tables on the path, in the view and in view 0. */
	ck_assert_int_eq(fault(v, g, R_, NULL), ALTP2M_VIEW_RETRY);
	for (i = 0; i < 2; i++) {
		idx = i ? v : 0;
		ck_assert_uint_eq(view_of(idx)->ept.nr_tables, 4);
		for (l = 4; l >= 1; l--)
			assert_empty_but(table_on_path(idx, g, l),
					 idx_of(g, l));
		e = table_on_path(idx, g, 1)[idx_of(g, 1)];
		ck_assert_uint_eq(e & SVE, SVE);
		ck_assert_uint_ne(e & RWX, 0);
	}

	/* 2 MiB: three tables, the leaf in the PD. */
	w = create(A_N);
	ck_assert_int_eq(fault(w, 700, R_, NULL), ALTP2M_VIEW_EVENT);
	ck_assert_uint_eq(VS.view[w]->ept.nr_tables, 3);
	for (l = 4; l >= 2; l--)
		assert_empty_but(table_on_path(w, 700, l), idx_of(700, l));
	/* Parked, with the SVE a fill gives. */
	e = leaf(w, 700, &l);
	ck_assert_uint_eq(l, 2);
	ck_assert_uint_eq(e & (RWX | SVE), SVE);

	/* A fresh 4 KiB fill next to existing leaves: one store, the rest
	 * of the page table stays as it was.
	 */
	ck_assert_int_eq(altp2m_views_set_access(&VS, v, g + 2, A_R), 0);
	for (i = 0; i < 512; i++) {
		e = table_on_path(v, g, 1)[i];
		if (i == idx_of(g, 1) || i == idx_of(g + 2, 1))
			ck_assert_uint_ne(e & ALTP2M_VIEW_SW_ACCESS_MASK, 0);
		else
			ck_assert_uint_eq(e, EMPTY);
	}
}
END_TEST

/*
 * Every way an entry is cleared leaves the empty entry: a reverted leaf,
 * a reverted remap, a host unmap (a split 2 MiB leaf's piece, and whole
 * leaves), and the links of pruned tables.
 */
START_TEST(cleared_entries_empty)
{
	unsigned int v = create(A_RWX), l;
	u64 g = SMALL_BASE + 3, *pt, *pd;

	ck_assert_int_eq(fault(v, g, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_int_eq(altp2m_views_set_access(&VS, v, g + 1, A_N), 0);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, g + 2, 100), 0);
	pt = table_on_path(v, g, 1);

	/* Revert of a plain leaf, of a remap, of a parked leaf. */
	ck_assert_int_eq(altp2m_views_remap(&VS, v, g, INVALID), 0);
	ck_assert_uint_eq(pt[idx_of(g, 1)], EMPTY);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, g + 2, g + 2), 0);
	ck_assert_uint_eq(pt[idx_of(g + 2, 1)], EMPTY);
	ck_assert_uint_eq(VS.view[v]->nr_remaps, 0);
	check_all();
	/* The last leaf goes: PT, PD and PDPT are pruned, root empty. */
	ck_assert_int_eq(altp2m_views_remap(&VS, v, g + 1, INVALID), 0);
	ck_assert_uint_eq(VS.view[v]->ept.nr_tables, 1);
	assert_empty_but(VS.view[v]->ept.root, 512);
	check_all();

	/* Host unmap inside a 2 MiB leaf: split, the range's entries empty
	 * in view 0 and in the view.
	 */
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, 0, 1024, A_R),
			 0);
	ck_assert_uint_eq(level_of(v, 600), 2);
	altp2m_views_host_unmap(&VS, 600, 10);
	for (l = 0; l < 2; l++) {
		unsigned int idx = l ? v : 0;
		u64 k;

		pt = table_on_path(idx, 600, 1);
		for (k = 512; k < 1024; k++)
			if (k >= 600 && k < 610)
				ck_assert_uint_eq(pt[k - 512], EMPTY);
			else
				ck_assert_uint_ne(pt[k - 512] &
						  ALTP2M_VIEW_SW_ACCESS_MASK,
						  0);
	}
	check_all();
	/* Whole 2 MiB leaf and a page table, gone: PD entries empty. */
	altp2m_views_host_unmap(&VS, 0, 1024);
	pd = table_on_path(0, 0, 2);
	ck_assert_uint_eq(pd[0], EMPTY);
	ck_assert_uint_eq(pd[1], EMPTY);
	/* The view held nothing else: back to its bare root. */
	ck_assert_uint_eq(VS.view[v]->ept.nr_tables, 1);
	assert_empty_but(VS.view[v]->ept.root, 512);
}
END_TEST

/*
 * The invariant checker sees a not-present entry that is neither empty
 * nor a leaf, at any level and in any view; a parked leaf with SVE clear
 * is the user's choice and passes.
 */
START_TEST(check_finds_bad_empty)
{
	struct altp2m_views_bad bad;
	unsigned int v = create(A_RWX);
	u64 *root = VS.view[v]->ept.root, *pt, e;

	ck_assert_int_eq(altp2m_views_set_access(&VS, v, 40, A_N), 0);
	ck_assert_int_eq(altp2m_views_set_sve(&VS, v, 40, 0), 0);
	e = leaf(v, 40, NULL);
	ck_assert_uint_eq(e & (RWX | SVE), 0);
	ck_assert_uint_ne(e, 0);
	ck_assert_int_eq(altp2m_views_check(&VS, &bad), 0);

	/* 0 in a root entry: a #VE instead of an exit. */
	root[300] = 0;
	ck_assert_int_eq(altp2m_views_check(&VS, &bad), -EUCLEAN);
	ck_assert_uint_eq(bad.view, v);
	ck_assert_uint_eq(bad.gfn, 300ULL << 27);
	ck_assert_ptr_nonnull(strstr(bad.what, "without SVE"));
	root[300] = EMPTY;

	/* In a page table: 0, then SVE with stray bits. */
	pt = table_on_path(v, 40, 1);
	pt[41] = 0;
	ck_assert_int_eq(altp2m_views_check(&VS, &bad), -EUCLEAN);
	ck_assert_uint_eq(bad.gfn, 41);
	ck_assert_ptr_nonnull(strstr(bad.what, "without SVE"));
	pt[41] = EMPTY | 0x5000;
	ck_assert_int_eq(altp2m_views_check(&VS, &bad), -EUCLEAN);
	ck_assert_uint_eq(bad.gfn, 41);
	ck_assert_ptr_nonnull(strstr(bad.what, "neither empty"));
	pt[41] = EMPTY;

	/* View 0, a PD entry. */
	pt = table_on_path(0, 40, 2);
	ck_assert_uint_eq(pt[3], EMPTY);
	pt[3] = 0;
	ck_assert_int_eq(altp2m_views_check(&VS, &bad), -EUCLEAN);
	ck_assert_uint_eq(bad.view, 0);
	ck_assert_uint_eq(bad.gfn, 3 * B2M);
	pt[3] = EMPTY;
	ck_assert_int_eq(altp2m_views_check(&VS, &bad), 0);
}
END_TEST

/* ---- randomised invariant test ------------------------------------------ */

static u64 rng_state;

static u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static u64 rnd_below(u64 n)
{
	return n ? rnd() % n : 0;
}

#define RAND_SPACE	8192ULL		/* gfns the fake host uses */

/* A free gfn range of @n pages for a new region, 0 on failure. */
static int rand_free_range(u64 n, u64 *base)
{
	int tries;

	for (tries = 0; tries < 20; tries++) {
		u64 b = rnd_below(RAND_SPACE - n);
		unsigned int i;
		int ok = 1;

		if (rnd() % 2)
			b &= ~(B2M - 1);
		for (i = 0; i < F.nr; i++)
			if (b < F.r[i].base + F.r[i].npages &&
			    F.r[i].base < b + n)
				ok = 0;
		if (ok) {
			*base = b;
			return 1;
		}
	}
	return 0;
}

/* Gfns recently given an access or remapped: faults aim at them. */
static struct { unsigned int view; u64 gfn; } recent[16];

static void remember(unsigned int view, u64 gfn)
{
	unsigned int i = rnd_below(ARRAY_LEN(recent));

	recent[i].view = view;
	recent[i].gfn = gfn;
}

static u64 rand_gfn(void)
{
	struct region *r;

	/* Mostly guest RAM, else near it, sometimes anywhere. */
	if (F.nr && rnd() % 4) {
		r = &F.r[rnd_below(F.nr)];
		return r->base + rnd_below(r->npages);
	}
	return rnd() % 64 ? rnd_below(RAND_SPACE + 16) : rnd_below(LIMIT);
}

static unsigned int rand_view(void)
{
	unsigned int i, n = 0, pick[ALTP2M_VIEWS_DEFAULT];

	for (i = 0; i < VS.max_views; i++)
		if (!i || VS.view[i])
			pick[n++] = i;
	return pick[rnd_below(n)];
}

static const u8 rand_access[] = {
	A_N, A_R, A_RW, A_RX, A_RWX, A_RX2RW, A_N2RWX, A_DEF, A_W, A_X,
};

static u8 rand_acc(void)
{
	return rand_access[rnd_below(ARRAY_LEN(rand_access))];
}

/* Inside a transaction only the steps that edit leaves are drawn. */
static int rand_in_txn;

/*
 * One random step; *@ret is the result of an all-or-nothing call (1 when
 * the step made none).
 */
static const char *rand_step(int *ret)
{
	unsigned int v = rand_view(), idx, acc, i;
	u64 g = rand_gfn(), n, base, gfns[64];
	struct altp2m_view_fault out;
	struct region *r;
	u8 vals[64];

	*ret = 1;
	switch (rand_in_txn ? 6 + rnd_below(7) : rnd_below(17)) {
	case 0:		/* add a region */
		n = 1 + rnd_below(rnd() % 2 ? 2048 : 64);
		if (F.nr < MAX_REGIONS && rand_free_range(n, &base))
			host_add(base, n, rnd() % 2);
		return "add region";
	case 1:		/* remove one */
		if (!F.nr)
			return "remove none";
		r = &F.r[rnd_below(F.nr)];
		altp2m_views_host_unmap(&VS, r->base, r->npages);
		host_del(r);
		return "remove region";
	case 2:		/* move one */
		if (!F.nr)
			return "move none";
		r = &F.r[rnd_below(F.nr)];
		altp2m_views_host_unmap(&VS, r->base, r->npages);
		base = r->base;
		r->base = LIMIT;	/* out of the way of the search */
		rand_free_range(r->npages, &base);
		r->base = base;
		/* Keep the frames' 2 MiB alignment consistent. */
		r->hpa = (r->hpa & ~0x1fffffULL) + ((base & (B2M - 1)) << 12);
		return "move region";
	case 3:		/* host-side zap of part of a region */
		n = 1 + rnd_below(1024);
		altp2m_views_host_unmap(&VS, g, n);
		return "zap";
	case 4:
		if (altp2m_views_create(&VS, rand_acc(), &idx) == 0 &&
		    rnd() % 3 == 0)
			altp2m_views_vcpu_enter(&VS, idx);
		return "create";
	case 5:
		if (v && VS.view[v]->vcpus_on && rnd() % 2)
			altp2m_views_vcpu_leave(&VS, v);
		*ret = altp2m_views_destroy_view(&VS, v);
		ck_assert(*ret == 0 || *ret == -EBUSY ||
			  (!v && *ret == -EBUSY));
		*ret = 1;
		return "destroy";
	case 6:
	case 7:
		acc = rand_acc();
		*ret = altp2m_views_set_access(&VS, v, g, acc);
		remember(v, g);
		return "set access";
	case 8:
		n = 1 + rnd_below(rnd() % 2 ? 1200 : 8);
		*ret = altp2m_views_set_access_range(&VS, v, g, n, rand_acc());
		remember(v, g + rnd_below(n));
		return "set access range";
	case 9:
		n = 1 + rnd_below(64);
		for (i = 0; i < n; i++) {
			gfns[i] = i && rnd() % 2 ? gfns[i - 1] + 1 :
				  rand_gfn();
			/* Usually a list that can succeed. */
			if (rnd() % 8 && !host_region(gfns[i]))
				gfns[i] = i ? gfns[0] : 0;
			vals[i] = rnd() % 16 ? rand_access[rnd_below(8)] :
				  rand_acc();
		}
		*ret = altp2m_views_set_access_list(&VS, v, gfns, vals, n);
		remember(v, gfns[rnd_below(n)]);
		return "set access list";
	case 10:
		n = 1 + rnd_below(700);
		if (rnd() % 2) {
			*ret = altp2m_views_set_sve_range(&VS, v, g, n,
							  rnd() % 2);
		} else {
			for (i = 0; i < 16; i++) {
				gfns[i] = rand_gfn();
				vals[i] = rnd() % 2;
			}
			*ret = altp2m_views_set_sve_list(&VS, v, gfns, vals,
							 16);
		}
		return "set sve";
	case 11:
	case 12:
		*ret = altp2m_views_remap(&VS, v, g, rnd() % 8 ? rand_gfn() :
					  rnd() % 2 ? g : INVALID);
		remember(v, g);
		return "remap";
	default:
		acc = 1U << rnd_below(3);
		if (rnd() % 2) {
			i = rnd_below(ARRAY_LEN(recent));
			g = recent[i].gfn;
			if (recent[i].view < VS.max_views &&
			    VS.view[recent[i].view])
				v = recent[i].view;
		}
		*ret = altp2m_views_fault(&VS, v, g << 12, acc, &out);
		ck_assert(*ret >= 0 || *ret == -ENOMEM || *ret == -EINVAL);
		if (*ret == ALTP2M_VIEW_MMIO)
			ck_assert_ptr_null(host_region(g));
		if (*ret >= 0 && *ret != ALTP2M_VIEW_MMIO && !host_region(g))
			ck_assert_uint_ne(leaf(v, g, NULL) & REMAPPED, 0);
		*ret = 1;
		return "fault";
	}
}

START_TEST(randomised_invariant)
{
	const char *env = getenv("ALTP2M_VIEW_SEED");
	u64 seed = env ? strtoull(env, NULL, 0) : 0x5eedf00dULL;
	const char *nsteps = getenv("ALTP2M_VIEW_STEPS");
	unsigned int step, steps = nsteps ? atoi(nsteps) : 3000, rollbacks = 0;
	struct altp2m_views_bad bad;
	const char *op;
	int ret;

	fprintf(stderr, "view randomised test: seed %#llx (ALTP2M_VIEW_SEED)\n",
		(unsigned long long)seed);
	rng_state = seed | 1;
	memset(recent, 0, sizeof(recent));
	altp2m_views_destroy(&VS);
	memset(&F, 0, sizeof(F));
	host_add(0, 2048, 1);
	host_add(3000, 500, 0);
	ck_assert_int_eq(altp2m_views_init(&VS, &OPS, &F, 0), 0);
	ck_assert_int_eq(altp2m_views_enable(&VS, 0), 0);
	for (step = 0; step < steps; step++) {
		struct snap *before = NULL, *after;
		u64 r = rnd();

		/* Now and then one allocation of the step fails. */
		if (r % 4 == 0) {
			before = snapshot();
			if (r & 0x100)
				F.fail_at = F.calls + 1 + (r >> 9) % 3;
			else
				altp2m_shim_fail_at = altp2m_shim_allocs + 1 +
						      (r >> 9) % 3;
		}
		op = rand_step(&ret);
		F.fail_at = 0;
		altp2m_shim_fail_at = 0;
		ck_assert_msg(!altp2m_views_check(&VS, &bad),
			      "seed %#llx step %u (%s): view %u gfn %#llx: %s",
			      (unsigned long long)seed, step, op, bad.view,
			      (unsigned long long)bad.gfn, bad.what);
		if (before && ret == -ENOMEM) {
			after = snapshot();
			ck_assert_msg(snap_same(before, after),
				      "seed %#llx step %u (%s): -ENOMEM changed"
				      " things",
				      (unsigned long long)seed, step, op);
			snap_free(after);
			rollbacks++;
		}
		if (before)
			snap_free(before);
		check_all();
	}
	fprintf(stderr, "view randomised test: %u steps, %u all-or-nothing "
		"rollbacks, %llu fills, %llu events, %llu splits, %llu remaps "
		"invalidated, %llu flushes\n", steps, rollbacks,
		(unsigned long long)VS.stats.fills,
		(unsigned long long)VS.stats.events,
		(unsigned long long)VS.stats.splits,
		(unsigned long long)VS.stats.remaps_invalidated,
		(unsigned long long)VS.stats.flushes);
	if (steps >= 3000)
		ck_assert_uint_gt(rollbacks, 5);
	ck_assert_uint_gt(VS.stats.fills, 100);
	ck_assert_uint_gt(VS.stats.events, 50);
	ck_assert_uint_gt(VS.stats.promotions, 5);
	ck_assert_uint_gt(VS.stats.remaps_invalidated, 0);
}
END_TEST

/* ---- transactions ------------------------------------------------------- */

static int txn_begin(void)
{
	int ret = altp2m_views_txn_begin(&VS);

	if (!ret)
		F.txn_gen++;
	return ret;
}

static int txn_end(bool commit)
{
	int had = VS.txn != NULL;
	int ret = altp2m_views_txn_end(&VS, commit);

	if (had)
		F.txn_gen++;
	ck_assert_ptr_null(VS.txn);
	return ret;
}

/* Views of the transaction tests: three used, one left alone. */
struct txn_views {
	unsigned int v1, v2, v3, v4;
};

/*
 * The state the operations start from: 2 MiB leaves in v1 and v3, a
 * remap in v2 (reverted by the operations) and one in v3 (retargeted).
 */
static void txn_prestate(struct txn_views *t)
{
	t->v1 = create(A_RWX);
	t->v2 = create(A_R);
	t->v3 = create(A_RX);
	t->v4 = create(A_RWX);
	ck_assert_int_eq(fault(t->v1, 5, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_uint_eq(level_of(t->v1, 5), 2);
	ck_assert_int_eq(altp2m_views_remap(&VS, t->v2, 2000,
					    SMALL_BASE + 1), 0);
	ck_assert_int_eq(altp2m_views_remap(&VS, t->v3, 3000, 700), 0);
	ck_assert_int_eq(altp2m_views_set_access(&VS, t->v2, 1500, A_RW), 0);
	ck_assert_int_eq(fault(t->v3, 1027, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_int_eq(fault(t->v4, 3500, R_, NULL), ALTP2M_VIEW_RETRY);
	/* A page table of v2 marked full (a split 2 MiB leaf). */
	ck_assert_int_eq(fault(t->v2, 2600, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_int_eq(altp2m_views_remap(&VS, t->v2, 2600, 2601), 0);
	ck_assert_uint_ne(pde_of(t->v2, 2600) & ALTP2M_VIEW_SW_PT_FULL, 0);
}

#define TXN_OPS		14

/*
 * Operation @k of the mixed sequence. Asserted on the way: op 0 fills
 * 1024..1535 of v1 as one 2 MiB leaf that op 4 splits, op 10 splits
 * v1's 2 MiB leaf at 0 that op 12 then fills back to a full page table;
 * op 13 takes a leaf from a page table of v2 marked full before.
 */
static int txn_op(const struct txn_views *t, int k)
{
	static const u64 l2[] = { 10, 11, 4000, SMALL_BASE + 3, 1500, 10 };
	static const u8 a2[] = { A_R, A_RX, A_N, A_N2RWX, A_RWX, A_RW };
	static const u64 l1[] = { 601, SMALL_BASE + 9, 1030 };
	static const u8 s1[] = { 0, 0, 0 };
	int ret;

	switch (k) {
	case 0:
		ret = altp2m_views_set_access_range(&VS, t->v1, 600, 1100,
						    A_RX);
		if (!ret)
			ck_assert_uint_eq(level_of(t->v1, 1100), 2);
		return ret;
	case 1:
		return altp2m_views_set_access_list(&VS, t->v2, l2, a2, 6);
	case 2:
		return altp2m_views_set_sve_range(&VS, t->v3, 1024, 600, 0);
	case 3:
		return altp2m_views_set_sve_list(&VS, t->v1, l1, s1, 2);
	case 4:
		ret = altp2m_views_remap(&VS, t->v1, 1100, SMALL_BASE + 7);
		if (!ret)
			ck_assert_uint_eq(level_of(t->v1, 1101), 1);
		return ret;
	case 5:
		return altp2m_views_set_access(&VS, t->v1, 1100, A_R);
	case 6:
		return altp2m_views_remap(&VS, t->v3, 3000, 800);
	case 7:
		return altp2m_views_remap(&VS, t->v2, 2000, INVALID);
	case 8:
		/* View 0: propagated into v1 and v3 (split at 1100 there). */
		return altp2m_views_set_access_range(&VS, 0, 1000, 100, A_R);
	case 9:
		return altp2m_views_set_access_range(&VS, t->v3, SMALL_BASE,
						     300, A_RW);
	case 10:
		ret = altp2m_views_remap(&VS, t->v1, 50, 51);
		if (!ret)
			ck_assert_uint_eq(level_of(t->v1, 5), 1);
		return ret;
	case 11:
		return altp2m_views_remap(&VS, t->v1, 50, 50);
	case 12:
		ret = altp2m_views_set_access_range(&VS, t->v1, 0, 512, A_RW);
		if (!ret)
			ck_assert_uint_ne(pde_of(t->v1, 0) &
					  ALTP2M_VIEW_SW_PT_FULL, 0);
		return ret;
	default:
		ret = altp2m_views_remap(&VS, t->v2, 2600, INVALID);
		if (!ret)
			ck_assert_uint_eq(pde_of(t->v2, 2600) &
					  ALTP2M_VIEW_SW_PT_FULL, 0);
		return ret;
	}
}

static const u64 txn_gfns[] = {
	0, 5, 10, 11, 50, 51, 511, 600, 601, 1000, 1023, 1024, 1027, 1030,
	1099, 1100, 1101, 1500, 1535, 1536, 1623, 1699, 1700, 2000, 3000,
	3500, 4000, SMALL_BASE, SMALL_BASE + 1, SMALL_BASE + 3, SMALL_BASE + 7,
	SMALL_BASE + 9, SMALL_BASE + 299, SMALL_BASE + 300,
};

/*
 * What the calls that read say about views 0 .. 4 (each view's dump and,
 * for each gfn above, get_access, get_sve and frame_gfn with their
 * returns), as text, so that a difference shows.
 */
static char *txn_state(void)
{
	struct altp2m_view_run d[256];
	unsigned int v, a, s;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int i, n, ra, rs;

	ck_assert_ptr_nonnull(f);
	for (v = 0; v < 5; v++) {
		n = dump_all(v, d, 256, 7);
		for (i = 0; i < n; i++)
			fprintf(f, "v%u run %llx+%llu t%llx a%u s%u\n", v,
				(unsigned long long)d[i].gfn,
				(unsigned long long)d[i].npages,
				(unsigned long long)d[i].target, d[i].access,
				d[i].sve);
		for (i = 0; i < ARRAY_LEN(txn_gfns); i++) {
			a = s = 99;
			ra = altp2m_views_get_access(&VS, v, txn_gfns[i], &a);
			rs = altp2m_views_get_sve(&VS, v, txn_gfns[i], &s);
			fprintf(f, "v%u %llx: %d a%u %d s%u f%llx\n", v,
				(unsigned long long)txn_gfns[i], ra, a, rs, s,
				(unsigned long long)
				altp2m_views_frame_gfn(&VS, v, txn_gfns[i]));
		}
	}
	fclose(f);
	return buf;
}

static void assert_check(const char *when)
{
	struct altp2m_views_bad bad = { 0 };

	ck_assert_msg(!altp2m_views_check(&VS, &bad),
		      "%s: view %u gfn %#llx: %s", when, bad.view,
		      (unsigned long long)bad.gfn, bad.what);
}

/* Back to a fresh default VM (the fixture's teardown checks the old). */
static void txn_reset(void)
{
	teardown();
	setup();
}

/*
 * Abort after the mixed sequence: every table of every view bit-identical,
 * the same counters and remaps, no flush, no table leaked.
 */
START_TEST(txn_abort_restores)
{
	struct txn_views t;
	struct snap *before, *after;
	unsigned long flushes, allocs;
	char *s0, *s1;
	int k;

	txn_prestate(&t);
	before = snapshot();
	s0 = txn_state();
	flushes = F.flushes;
	allocs = F.allocs;
	ck_assert_int_eq(txn_begin(), 0);
	for (k = 0; k < TXN_OPS; k++) {
		ck_assert_msg(txn_op(&t, k) == 0, "op %d", k);
		assert_check("inside the transaction");
	}
	/* The operations did change things, and flushed nothing yet. */
	s1 = txn_state();
	ck_assert_str_ne(s0, s1);
	free(s1);
	ck_assert_uint_eq(access_of(t.v1, 50), A_RW);
	ck_assert_uint_eq(altp2m_views_frame_gfn(&VS, t.v1, 1100),
			  SMALL_BASE + 7);
	ck_assert_uint_gt(F.allocs, allocs);
	ck_assert_uint_eq(F.flushes, flushes);
	ck_assert_ptr_null(F.queue);

	ck_assert_int_eq(txn_end(false), 0);
	ck_assert_uint_eq(F.flushes, flushes);
	after = snapshot();
	ck_assert_msg(snap_same(before, after), "abort left a difference");
	s1 = txn_state();
	ck_assert_str_eq(s0, s1);
	check_all();
	/* Every table the transaction linked went back (no flush needed). */
	ck_assert_uint_eq(F.allocs - F.released,
			  (unsigned long)(VS.host.ept.nr_tables +
					  VS.view[t.v1]->ept.nr_tables +
					  VS.view[t.v2]->ept.nr_tables +
					  VS.view[t.v3]->ept.nr_tables +
					  VS.view[t.v4]->ept.nr_tables));
	free(s0);
	free(s1);
	snap_free(before);
	snap_free(after);
	/* And the engine goes on as before. */
	for (k = 0; k < TXN_OPS; k++)
		ck_assert_int_eq(txn_op(&t, k), 0);
}
END_TEST

/*
 * Commit: what the readers see is what the same operations give one by
 * one; each view that needed a flush in the sequence is flushed exactly
 * once at the commit, the others (v4, untouched) not at all.
 */
START_TEST(txn_commit_matches_calls)
{
	unsigned long seq_flushes[5], base[5];
	struct txn_views t;
	char *want, *got;
	unsigned int v;
	int k;

	txn_prestate(&t);
	for (v = 0; v < 5; v++)
		base[v] = F.flushes_of[v];
	for (k = 0; k < TXN_OPS; k++)
		ck_assert_int_eq(txn_op(&t, k), 0);
	for (v = 0; v < 5; v++)
		seq_flushes[v] = F.flushes_of[v] - base[v];
	want = txn_state();
	check_all();

	txn_reset();
	txn_prestate(&t);
	for (v = 0; v < 5; v++)
		base[v] = F.flushes_of[v];
	ck_assert_int_eq(txn_begin(), 0);
	for (k = 0; k < TXN_OPS; k++)
		ck_assert_int_eq(txn_op(&t, k), 0);
	for (v = 0; v < 5; v++)
		ck_assert_uint_eq(F.flushes_of[v], base[v]);
	ck_assert_int_eq(txn_end(true), 0);
	for (v = 0; v < 5; v++)
		ck_assert_msg(F.flushes_of[v] - base[v] ==
			      (seq_flushes[v] ? 1 : 0),
			      "view %u: %lu flushes at commit, %lu one by one",
			      v, F.flushes_of[v] - base[v], seq_flushes[v]);
	ck_assert_uint_gt(seq_flushes[t.v1], 1);
	ck_assert_uint_eq(seq_flushes[t.v4], 0);
	got = txn_state();
	ck_assert_str_eq(want, got);
	check_all();
	free(want);
	free(got);
}
END_TEST

/*
 * Tables a call empties stay linked until the commit, which prunes them
 * (after the flush, as the fake allocator checks); an abort finds them
 * where they were.
 */
START_TEST(txn_prune_at_commit)
{
	unsigned int v = create(A_RWX), commit;

	for (commit = 0; commit < 2; commit++) {
		/* A lone 4 KiB leaf: three tables under v's root. */
		ck_assert_int_eq(altp2m_views_remap(&VS, v, 3000,
						    SMALL_BASE + 2), 0);
		ck_assert_uint_eq(VS.view[v]->ept.nr_tables, 4);
		ck_assert_int_eq(txn_begin(), 0);
		ck_assert_int_eq(altp2m_views_remap(&VS, v, 3000, INVALID), 0);
		ck_assert_uint_eq(VS.view[v]->nr_remaps, 0);
		ck_assert_uint_eq(VS.view[v]->ept.nr_tables, 4);
		ck_assert_uint_eq(count_tables(VS.view[v]->ept.root, 4), 4);
		assert_check("after the revert");
		ck_assert_ptr_null(F.queue);
		ck_assert_int_eq(txn_end(commit), 0);
		check_all();
		if (commit) {
			ck_assert_uint_eq(VS.view[v]->ept.nr_tables, 1);
			ck_assert_uint_eq(F.flushes_of[v], 1);
			ck_assert_uint_eq(VS.nr_remaps, 0);
		} else {
			ck_assert_uint_eq(VS.view[v]->ept.nr_tables, 4);
			ck_assert_uint_eq(VS.nr_remaps, 1);
			ck_assert_uint_eq(altp2m_views_frame_gfn(&VS, v, 3000),
					  SMALL_BASE + 2);
			ck_assert_uint_eq(F.flushes_of[v], 0);
		}
	}
}
END_TEST

/*
 * A call that fails after successful ones: the same error and vs->why as
 * alone, its own changes undone at once (tables it linked included), the
 * transaction still open; the abort then restores everything.
 */
static int txn_bad_op(const struct txn_views *t, int k)
{
	static const u64 gl[] = { 20, 21, LIMIT, 22 };
	static const u64 ml[] = { 30, SMALL_BASE + 30, 5000, 31 };
	static const u8 al[] = { A_R, A_R, A_R, A_R };
	static const u8 wl[] = { A_R, A_W, A_R, A_R };

	switch (k) {
	case 0:		/* gfn beyond the width */
		return altp2m_views_set_access(&VS, t->v1, LIMIT, A_R);
	case 1:		/* MMIO, after linking and splitting on the way */
		return altp2m_views_set_access_range(&VS, t->v1, 1000, 4000,
						     A_R);
	case 2:		/* an access the CPU cannot express */
		return altp2m_views_set_access_range(&VS, t->v2, 0, 10, A_W);
	case 3:
		return altp2m_views_set_access_list(&VS, t->v2, gl, al, 4);
	case 4:		/* not RAM, third in the list */
		return altp2m_views_set_access_list(&VS, t->v3, ml, al, 4);
	case 5:
		return altp2m_views_set_access_list(&VS, t->v3, ml, wl, 4);
	case 6:		/* target not RAM */
		return altp2m_views_remap(&VS, t->v1, 1200, 5000);
	case 7:		/* gfn not RAM */
		return altp2m_views_remap(&VS, t->v1, 6000, 1200);
	case 8:
		return altp2m_views_remap(&VS, 0, 10, 11);
	case 9:		/* view 0 over MMIO: propagation prepared, undone */
		return altp2m_views_set_access_range(&VS, 0, 300, 4000, A_R);
	case 10:
		return altp2m_views_set_sve_range(&VS, t->v3, 4090, 10, 0);
	default:
		return altp2m_views_set_sve(&VS, 7, 10, 0);
	}
}

#define TXN_BAD_OPS	12

START_TEST(txn_failed_call_undone)
{
	struct altp2m_views_why why_alone;
	struct snap *before, *mid, *after;
	struct txn_views t;
	int k, want;

	txn_prestate(&t);
	/* Alone it fails, and changes nothing. */
	before = snapshot();
	memset(&VS.why, 0, sizeof(VS.why));
	want = txn_bad_op(&t, _i);
	ck_assert_int_lt(want, 0);
	why_alone = VS.why;
	after = snapshot();
	ck_assert(snap_same(before, after));
	snap_free(after);

	ck_assert_int_eq(txn_begin(), 0);
	for (k = 0; k < TXN_OPS; k++)
		ck_assert_int_eq(txn_op(&t, k), 0);
	mid = snapshot();
	memset(&VS.why, 0, sizeof(VS.why));
	ck_assert_int_eq(txn_bad_op(&t, _i), want);
	ck_assert_mem_eq(&VS.why, &why_alone, sizeof(why_alone));
	after = snapshot();
	ck_assert_msg(snap_same(mid, after), "bad op %d left changes", _i);
	snap_free(after);
	assert_check("after the failed call");
	/* Still open and working. */
	ck_assert_int_eq(altp2m_views_set_access(&VS, t.v2, 12, A_RX), 0);
	ck_assert_int_eq(txn_end(false), 0);
	after = snapshot();
	ck_assert_msg(snap_same(before, after), "abort after bad op %d", _i);
	check_all();
	snap_free(before);
	snap_free(mid);
	snap_free(after);
}
END_TEST

/*
 * Out of memory at every allocation of a small transaction, tables (kind
 * 0) and the engine's own memory, the log included (kind 1): a call that
 * fails is undone and the abort restores; when the log could not grow
 * where the call could no longer fail, every later call fails and so
 * does the commit, which restores.
 */
static int txn_small_op(const struct txn_views *t, int k)
{
	static const u64 l[] = { 10, 700, SMALL_BASE + 40, 1500 };
	static const u8 a[] = { A_R, A_N, A_RX, A_RW };

	switch (k) {
	case 0:		/* 600 entry writes: the log grows while applying */
		return altp2m_views_set_access_range(&VS, t->v1, SMALL_BASE,
						     300, A_R);
	case 1:
		return altp2m_views_set_access_list(&VS, t->v2, l, a, 4);
	case 2:
		return altp2m_views_remap(&VS, t->v1, 1100, SMALL_BASE + 7);
	case 3:
		return altp2m_views_remap(&VS, t->v2, 2000, INVALID);
	case 4:
		return altp2m_views_set_access_range(&VS, 0, 1000, 100, A_R);
	default:
		return altp2m_views_remap(&VS, t->v3, 3000, 800);
	}
}

#define TXN_SMALL_OPS	6

START_TEST(txn_enomem_everywhere)
{
	unsigned int kind, n, failed_commits = 0, failed_calls = 0;
	struct snap *before, *after;
	unsigned long flushes;
	struct txn_views t;
	int k, ret, probe;

	for (kind = 0; kind < 2; kind++) {
		if (kind)
			txn_reset();
		txn_prestate(&t);
		for (n = 1;; n++) {
			before = snapshot();
			flushes = F.flushes;
			if (kind)
				altp2m_shim_fail_at = altp2m_shim_allocs + n;
			else
				F.fail_at = F.calls + n;
			ret = txn_begin();
			if (ret) {
				ck_assert_int_eq(ret, -ENOMEM);
				ck_assert_uint_eq(kind, 1);
				altp2m_shim_fail_at = 0;
				snap_free(before);
				continue;
			}
			for (k = 0; k < TXN_SMALL_OPS && !ret; k++)
				ret = txn_small_op(&t, k);
			F.fail_at = 0;
			altp2m_shim_fail_at = 0;
			if (!ret) {
				ck_assert_int_eq(txn_end(true), 0);
				snap_free(before);
				break;
			}
			ck_assert_int_eq(ret, -ENOMEM);
			assert_check("after the failed call");
			/* Did the transaction fail, or only the call? */
			probe = altp2m_views_set_access(&VS, t.v3, 12, A_R);
			if (probe) {
				ck_assert_int_eq(probe, -ENOMEM);
				ck_assert_int_eq(txn_end(true), -ENOMEM);
				failed_commits++;
			} else {
				ck_assert_int_eq(txn_end(false), 0);
				failed_calls++;
			}
			ck_assert_uint_eq(F.flushes, flushes);
			after = snapshot();
			ck_assert_msg(snap_same(before, after),
				      "failure %u of kind %u left changes", n,
				      kind);
			snap_free(after);
			snap_free(before);
			check_all();
		}
		ck_assert_uint_gt(n, 3);
	}
	/* Both ways out were taken. */
	ck_assert_uint_gt(failed_commits, 0);
	ck_assert_uint_gt(failed_calls, 0);
	ck_assert_uint_eq(access_of(t.v1, SMALL_BASE + 299), A_R);
}
END_TEST

/*
 * The log's limit, lowered: the write beyond it fails its call with
 * -E2BIG (vs->why: the transaction's size), whether the call was still
 * linking tables or already writing leaves; every later call fails the
 * same way at once, and the commit undoes everything.
 */
START_TEST(txn_limit_e2big)
{
	static const u64 limits[] = { 0, 1, 2, 3, 5, 7, 40, 300, 700, 5000 };
	struct snap *before, *after;
	unsigned int i, fails = 0;
	struct txn_views t;
	int k, ret;

	txn_prestate(&t);
	for (i = 0; i < ARRAY_LEN(limits); i++) {
		before = snapshot();
		VS.txn_limit = limits[i];
		ck_assert_int_eq(txn_begin(), 0);
		for (ret = 0, k = 0; k < TXN_SMALL_OPS && !ret; k++) {
			memset(&VS.why, 0, sizeof(VS.why));
			ret = txn_small_op(&t, k);
		}
		if (!ret) {
			ck_assert_int_eq(txn_end(false), 0);
		} else {
			fails++;
			ck_assert_int_eq(ret, -E2BIG);
			ck_assert_uint_eq(VS.why.arg, ALTP2M_WHY_TXN_SIZE);
			assert_check("after -E2BIG");
			memset(&VS.why, 0, sizeof(VS.why));
			ck_assert_int_eq(altp2m_views_set_access(&VS, t.v3, 12,
								 A_R), -E2BIG);
			ck_assert_uint_eq(VS.why.arg, ALTP2M_WHY_TXN_SIZE);
			ck_assert_int_eq(txn_end(true), -E2BIG);
		}
		after = snapshot();
		ck_assert_msg(snap_same(before, after), "limit %llu",
			      (unsigned long long)limits[i]);
		snap_free(before);
		snap_free(after);
		check_all();
	}
	ck_assert_uint_eq(fails, ARRAY_LEN(limits) - 1);
	/*
	 * Every limit a remap and a revert can meet: while linking, at the
	 * fill of the target in view 0, at the remapped leaf, at a prune.
	 */
	for (i = 0; i < 16; i++) {
		before = snapshot();
		VS.txn_limit = i;
		ck_assert_int_eq(txn_begin(), 0);
		ret = altp2m_views_remap(&VS, t.v1, 1100, SMALL_BASE + 7);
		if (!ret)
			ret = altp2m_views_remap(&VS, t.v2, 2000, INVALID);
		if (!ret)
			ret = altp2m_views_remap(&VS, t.v1, 1100, SMALL_BASE + 8);
		ck_assert(ret == 0 || ret == -E2BIG);
		assert_check("remaps at the limit");
		ck_assert_int_eq(txn_end(true), ret);
		after = snapshot();
		ck_assert(ret == 0 || snap_same(before, after));
		snap_free(before);
		snap_free(after);
		if (!ret)
			break;
	}
	ck_assert_uint_gt(i, 5);
	ck_assert_uint_lt(i, 16);
	check_all();
	/* The default is the uAPI's, and the same operations fit. */
	VS.txn_limit = 0;
	txn_reset();
	ck_assert_uint_eq(VS.txn_limit, ALTP2M_BATCH_MAX_CHANGES);
	txn_prestate(&t);
	ck_assert_int_eq(txn_begin(), 0);
	for (k = 0; k < TXN_SMALL_OPS; k++)
		ck_assert_int_eq(txn_small_op(&t, k), 0);
	ck_assert_int_eq(txn_end(true), 0);
}
END_TEST

/*
 * Inside a transaction the calls that change the structure fail with
 * -EBUSY and change nothing; those that cannot fail do nothing and fail
 * the transaction. Begin twice, end without a transaction.
 */
START_TEST(txn_structure_refused)
{
	struct altp2m_view_fault out;
	struct snap *before, *after;
	unsigned int v = create(A_RWX), idx, which;
	u64 eptp;

	ck_assert_int_eq(altp2m_views_txn_end(&VS, true), -EINVAL);
	ck_assert_int_eq(altp2m_views_txn_end(&VS, false), -EINVAL);
	ck_assert_int_eq(altp2m_views_set_access(&VS, v, 10, A_R), 0);
	ck_assert_int_eq(altp2m_views_vcpu_enter(&VS, v), 0);
	before = snapshot();
	ck_assert_int_eq(txn_begin(), 0);
	ck_assert_int_eq(altp2m_views_txn_begin(&VS), -EBUSY);
	ck_assert_int_eq(altp2m_views_set_access(&VS, v, 11, A_R), 0);
	ck_assert_int_eq(altp2m_views_create(&VS, A_RWX, &idx), -EBUSY);
	ck_assert_int_eq(altp2m_views_destroy_view(&VS, v), -EBUSY);
	ck_assert_int_eq(altp2m_views_enable(&VS, 5), -EBUSY);
	ck_assert_int_eq(altp2m_views_disable(&VS), -EBUSY);
	ck_assert_int_eq(altp2m_views_vcpu_enter(&VS, v), -EBUSY);
	ck_assert_int_eq(fault(v, 20, R_, &out), -EBUSY);
	ck_assert_int_eq(fault(0, 20, R_, &out), -EBUSY);
	/* Readers work. */
	ck_assert_int_eq(altp2m_views_eptp(&VS, v, false, &eptp), 0);
	ck_assert_uint_eq(access_of(v, 11), A_R);
	ck_assert_uint_eq(VS.view[v]->vcpus_on, 1);
	ck_assert_uint_eq(VS.max_views, ALTP2M_VIEWS_DEFAULT);
	/* Refused calls did not fail the transaction. */
	ck_assert_int_eq(txn_end(true), 0);
	ck_assert_uint_eq(access_of(v, 11), A_R);
	snap_free(before);

	/* host_unmap and vcpu_leave: nothing done, the transaction fails. */
	for (which = 0; which < 2; which++) {
		before = snapshot();
		ck_assert_int_eq(txn_begin(), 0);
		ck_assert_int_eq(altp2m_views_set_access(&VS, v, 12, A_R), 0);
		if (which)
			altp2m_views_vcpu_leave(&VS, v);
		else
			altp2m_views_host_unmap(&VS, 0, 4096);
		ck_assert_uint_eq(VS.view[v]->vcpus_on, 1);
		ck_assert_uint_eq(access_of(v, 10), A_R);
		ck_assert_int_eq(altp2m_views_set_access(&VS, v, 13, A_R),
				 -EBUSY);
		ck_assert_int_eq(txn_end(true), -EBUSY);
		after = snapshot();
		ck_assert(snap_same(before, after));
		snap_free(before);
		snap_free(after);
	}
	altp2m_views_vcpu_leave(&VS, v);

	/* With altp2m off: view 0 alone. */
	ck_assert_int_eq(altp2m_views_disable(&VS), 0);
	before = snapshot();
	ck_assert_int_eq(txn_begin(), 0);
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, 0, 100, 600, A_R),
			 0);
	ck_assert_int_eq(altp2m_views_set_access(&VS, 1, 10, A_R),
			 -EOPNOTSUPP);
	ck_assert_int_eq(txn_end(false), 0);
	after = snapshot();
	ck_assert(snap_same(before, after));
	snap_free(before);
	snap_free(after);
	ck_assert_int_eq(txn_begin(), 0);
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, 0, 100, 600, A_R),
			 0);
	ck_assert_int_eq(txn_end(true), 0);
	ck_assert_uint_eq(access_of(0, 699), A_R);
	ck_assert_uint_eq(F.flushes_of[0], 1);

	/* Destroying the engine aborts an open transaction. */
	ck_assert_int_eq(altp2m_views_enable(&VS, 0), 0);
	v = create(A_RWX);
	ck_assert_int_eq(txn_begin(), 0);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 30, 31), 0);
	ck_assert_int_eq(altp2m_views_set_access_range(&VS, v, 0, 2000, A_R),
			 0);
}
END_TEST


/*
 * Random transactions between random steps: random edits inside, now and
 * then an allocation that fails, a lowered log limit or a host_unmap the
 * owner should not have made; then an abort, or a commit. Abort, and any
 * commit that fails, must give back the exact tables of before with no
 * flush; the invariant holds after every call and every end.
 */
START_TEST(randomised_txn)
{
	const char *env = getenv("ALTP2M_VIEW_SEED");
	u64 seed = env ? strtoull(env, NULL, 0) : 0x7a11f00dULL;
	unsigned int round, step, nsteps, commits = 0, aborts = 0;
	unsigned int failed_ends = 0;
	struct snap *before, *after;
	struct altp2m_views_bad bad;
	unsigned long flushes;
	const char *op;
	int ret, commit, end;

	fprintf(stderr, "view randomised txn test: seed %#llx\n",
		(unsigned long long)seed);
	rng_state = seed | 1;
	memset(recent, 0, sizeof(recent));
	altp2m_views_destroy(&VS);
	memset(&F, 0, sizeof(F));
	host_add(0, 2048, 1);
	host_add(3000, 500, 0);
	ck_assert_int_eq(altp2m_views_init(&VS, &OPS, &F, 0), 0);
	ck_assert_int_eq(altp2m_views_enable(&VS, 0), 0);
	for (round = 0; round < 400; round++) {
		for (step = rnd_below(4); step; step--) {
			rand_in_txn = 0;
			rand_step(&ret);
		}
		check_all();
		before = snapshot();
		flushes = F.flushes;
		if (rnd() % 8 == 0)
			VS.txn_limit = 1 + rnd_below(200);
		ck_assert_int_eq(txn_begin(), 0);
		nsteps = 1 + rnd_below(12);
		for (step = 0; step < nsteps; step++) {
			u64 r = rnd();

			if (r % 16 == 0)
				F.fail_at = F.calls + 1 + (r >> 9) % 3;
			else if (r % 16 == 1)
				altp2m_shim_fail_at = altp2m_shim_allocs + 1 +
						      (r >> 9) % 3;
			if (r % 64 == 2) {
				op = "host_unmap";
				altp2m_views_host_unmap(&VS, rand_gfn(), 10);
			} else {
				rand_in_txn = 1;
				op = rand_step(&ret);
			}
			F.fail_at = 0;
			altp2m_shim_fail_at = 0;
			ck_assert_msg(!altp2m_views_check(&VS, &bad),
				      "seed %#llx round %u step %u (%s): "
				      "view %u gfn %#llx: %s",
				      (unsigned long long)seed, round, step,
				      op, bad.view,
				      (unsigned long long)bad.gfn, bad.what);
			ck_assert_uint_eq(F.flushes, flushes);
		}
		rand_in_txn = 0;
		commit = rnd() % 3 != 0;
		end = txn_end(commit);
		VS.txn_limit = ALTP2M_BATCH_MAX_CHANGES;
		after = snapshot();
		if (!commit || end) {
			ck_assert_msg(snap_same(before, after),
				      "seed %#llx round %u: %s left changes",
				      (unsigned long long)seed, round,
				      commit ? "failed commit" : "abort");
			ck_assert_uint_eq(F.flushes, flushes);
			failed_ends += !!end;
			aborts += !commit;
		} else {
			commits++;
		}
		snap_free(before);
		snap_free(after);
		check_all();
	}
	fprintf(stderr, "view randomised txn test: %u commits, %u aborts, "
		"%u failed commits\n", commits, aborts, failed_ends);
	ck_assert_uint_gt(commits, 100);
	ck_assert_uint_gt(aborts, 50);
	ck_assert_uint_gt(failed_ends, 10);
}
END_TEST

/* ---- bulk paths against the general one -------------------------------- */

/*
 * Outside a transaction, the bulk calls edit and fill a page table at a
 * time (view_edit.c: view_edit_leaves(), view_fill_table(),
 * view_prep_table(), the list walk that keeps its slots); inside one,
 * every gfn takes the general path, which logs each write. The tests
 * below make the same call both ways from the same state, first inside a
 * transaction that is then aborted (which restores every table bit for
 * bit: txn_abort_restores), then outside, and want the same outcome.
 */

/* Two snapshots equal but for the addresses of tables (in their links). */
static int snap_same_shape(const struct snap *a, const struct snap *b)
{
	size_t t;
	unsigned int i;

	if (a->n != b->n || a->nr_remaps != b->nr_remaps ||
	    memcmp(a->counters, b->counters, sizeof(a->counters)))
		return 0;
	for (t = 0; t < a->n; t++) {
		const struct stab *x = &a->t[t], *y = &b->t[t];

		if (x->view != y->view || x->level != y->level)
			return 0;
		for (i = 0; i < 512; i++) {
			u64 mask = x->level > 1 && (x->e[i] & RWX) &&
				   !(x->e[i] & LARGE) ? ~ADDR : ~0ULL;

			if ((x->e[i] ^ y->e[i]) & mask)
				return 0;
		}
	}
	return 1;
}

/* One bulk call of the comparison, drawn at random. */
struct bulk_call {
	unsigned int kind, view, value;
	u64 gfn, n, gfns[96];
	u8 vals[96];
};

enum { BC_RANGE, BC_SVE_RANGE, BC_LIST, BC_SVE_LIST, BC_KINDS };

static int bulk_do(const struct bulk_call *c)
{
	switch (c->kind) {
	case BC_RANGE:
		return altp2m_views_set_access_range(&VS, c->view, c->gfn,
						     c->n, c->value);
	case BC_SVE_RANGE:
		return altp2m_views_set_sve_range(&VS, c->view, c->gfn, c->n,
						  c->value);
	case BC_LIST:
		return altp2m_views_set_access_list(&VS, c->view, c->gfns,
						    c->vals, c->n);
	default:
		return altp2m_views_set_sve_list(&VS, c->view, c->gfns,
						 c->vals, c->n);
	}
}

/*
 * Ranges start on a block or anywhere and end on one or anywhere, within
 * one page table or across many; lists are runs and scattered gfns, with
 * repeats, mostly guest RAM.
 */
static void bulk_draw(struct bulk_call *c)
{
	struct region *r;
	unsigned int i;

	c->kind = rnd_below(BC_KINDS);
	c->view = rnd() % 4 ? rand_view() : 0;
	c->gfn = rand_gfn();
	if (c->gfn < RAND_SPACE && rnd() % 3 == 0)
		c->gfn &= ~(B2M - 1);
	switch (rnd_below(4)) {
	case 0:
		c->n = 1 + rnd_below(8);
		break;
	case 1:
		c->n = B2M * (1 + rnd_below(4));
		break;
	default:
		c->n = 1 + rnd_below(3 * B2M);
	}
	/* Mostly within the gfn's region, so that most calls succeed. */
	r = host_region(c->gfn);
	if (r && rnd() % 4 && c->n > r->base + r->npages - c->gfn)
		c->n = r->base + r->npages - c->gfn;
	if (c->kind == BC_SVE_RANGE || c->kind == BC_SVE_LIST)
		c->value = rnd() % 2;
	else
		c->value = rnd() % 16 ? rand_access[rnd_below(5)] : rand_acc();
	if (c->kind < BC_LIST)
		return;
	c->n = 1 + rnd_below(ARRAY_LEN(c->gfns));
	for (i = 0; i < c->n; i++) {
		if (i && rnd() % 3)
			c->gfns[i] = c->gfns[i - 1] + 1;
		else if (i && rnd() % 8 == 0)
			c->gfns[i] = c->gfns[rnd_below(i)];
		else
			c->gfns[i] = rand_gfn();
		if (rnd() % 16 && !host_region(c->gfns[i]))
			c->gfns[i] = i ? c->gfns[0] : 0;
		c->vals[i] = c->kind == BC_SVE_LIST ? rnd() % 2 :
			     rnd() % 32 ? rand_access[rnd_below(7)] :
			     rand_acc();
	}
}

/*
 * @c made inside a transaction, aborted, then outside: the same return,
 * the same refused argument, the same tables, leaves and counters, the
 * same fills and splits, and a flush for exactly the views the
 * transaction would have flushed at commit. Returns the call's result.
 */
static int bulk_compare(const struct bulk_call *c, const char *what)
{
	unsigned long flushes_of[ALTP2M_VIEWS_DEFAULT];
	DECLARE_BITMAP(dirty, ALTP2M_VIEWS_MAX);
	struct altp2m_views_stats s0, s1, s2, s3;
	struct altp2m_views_why why1;
	struct snap *general, *fast;
	unsigned int v;
	int ret1, ret2;

	s0 = VS.stats;
	ck_assert_int_eq(txn_begin(), 0);
	memset(&VS.why, 0, sizeof(VS.why));
	ret1 = bulk_do(c);
	why1 = VS.why;
	memcpy(dirty, VS.dirty, sizeof(dirty));
	general = snapshot();
	s1 = VS.stats;
	ck_assert_int_eq(txn_end(false), 0);

	for (v = 0; v < ALTP2M_VIEWS_DEFAULT; v++)
		flushes_of[v] = F.flushes_of[v];
	s2 = VS.stats;
	memset(&VS.why, 0, sizeof(VS.why));
	ret2 = bulk_do(c);
	s3 = VS.stats;
	fast = snapshot();
	ck_assert_msg(ret1 == ret2, "%s: %d in a transaction, %d outside",
		      what, ret1, ret2);
	ck_assert_msg(!memcmp(&why1, &VS.why, sizeof(why1)),
		      "%s: refused another argument", what);
	ck_assert_msg(snap_same_shape(general, fast),
		      "%s: the tables differ", what);
	if (!ret2) {
		for (v = 0; v < ALTP2M_VIEWS_DEFAULT; v++)
			ck_assert_msg(F.flushes_of[v] - flushes_of[v] ==
				      (test_bit(v, dirty) ? 1 : 0),
				      "%s: view %u flushed %lu times, the "
				      "transaction would %d", what, v,
				      F.flushes_of[v] - flushes_of[v],
				      test_bit(v, dirty));
		ck_assert_uint_eq(s3.fills - s2.fills, s1.fills - s0.fills);
		ck_assert_uint_eq(s3.fills_2m - s2.fills_2m,
				  s1.fills_2m - s0.fills_2m);
		ck_assert_uint_eq(s3.splits - s2.splits, s1.splits - s0.splits);
	}
	snap_free(general);
	snap_free(fast);
	check_all();
	return ret2;
}

START_TEST(bulk_fast_matches_general)
{
	const char *env = getenv("ALTP2M_VIEW_SEED");
	u64 seed = env ? strtoull(env, NULL, 0) : 0xb0c5f00dULL;
	unsigned int round, step, done = 0, failed = 0;
	struct bulk_call c;
	char what[96];
	int ret;

	fprintf(stderr, "view bulk comparison: seed %#llx\n",
		(unsigned long long)seed);
	rng_state = seed | 1;
	memset(recent, 0, sizeof(recent));
	altp2m_views_destroy(&VS);
	memset(&F, 0, sizeof(F));
	host_add(0, 2048, 1);
	host_add(3000, 1500, 0);
	host_add(5120, 1024, 1);
	ck_assert_int_eq(altp2m_views_init(&VS, &OPS, &F, 0), 0);
	ck_assert_int_eq(altp2m_views_enable(&VS, 0), 0);
	for (round = 0; round < 1500; round++) {
		/* Some history first: views, fills, remaps, splits, sve. */
		for (step = rnd_below(3); step; step--) {
			rand_in_txn = 0;
			rand_step(&ret);
		}
		bulk_draw(&c);
		snprintf(what, sizeof(what), "seed %#llx round %u kind %u "
			 "view %u gfn %#llx n %llu",
			 (unsigned long long)seed, round, c.kind, c.view,
			 (unsigned long long)(c.kind < BC_LIST ? c.gfn :
					      c.gfns[0]),
			 (unsigned long long)c.n);
		if (c.view && (c.view >= VS.max_views || !VS.view[c.view]))
			c.view = 0;
		if (bulk_compare(&c, what))
			failed++;
		else
			done++;
	}
	fprintf(stderr, "view bulk comparison: %u calls done, %u refused\n",
		done, failed);
	ck_assert_uint_gt(done, 700);
	ck_assert_uint_gt(failed, 50);
}
END_TEST

/* ---- lookups for monitors ---------------------------------------------- */

/* A monitor reads through the view it names: remaps followed, or an error. */
START_TEST(backing_gfn_through_a_view)
{
	unsigned int v = create(A_N);
	u64 a = 100, b = 3000, got;

	ck_assert_int_eq(altp2m_views_remap(&VS, v, a, b), 0);
	got = 0;
	ck_assert_int_eq(altp2m_views_backing_gfn(&VS, v, a, &got), 0);
	ck_assert_uint_eq(got, b);
	/* rights play no part: the view's default is n */
	ck_assert_int_eq(altp2m_views_backing_gfn(&VS, v, a + 1, &got), 0);
	ck_assert_uint_eq(got, a + 1);
	ck_assert_int_eq(altp2m_views_backing_gfn(&VS, 0, a, &got), 0);
	ck_assert_uint_eq(got, a);
	/* not guest RAM: the copy finds out, not the lookup */
	ck_assert_int_eq(altp2m_views_backing_gfn(&VS, v, LIMIT + 5, &got), 0);
	ck_assert_uint_eq(got, LIMIT + 5);
	got = 77;
	ck_assert_int_eq(altp2m_views_backing_gfn(&VS, v + 1, a, &got),
			 -ENOENT);
	ck_assert_int_eq(altp2m_views_backing_gfn(&VS, 10, a, &got), -EINVAL);
	ck_assert_int_eq(altp2m_views_backing_gfn(&VS, ALTP2M_VIEWS_MAX, a,
						  &got), -EINVAL);
	ck_assert_uint_eq(got, 77);	/* untouched on failure */
	/* the remap goes with its view */
	ck_assert_int_eq(altp2m_views_destroy_view(&VS, v), 0);
	ck_assert_int_eq(altp2m_views_backing_gfn(&VS, v, a, &got), -ENOENT);
	ck_assert_int_eq(altp2m_views_disable(&VS), 0);
	ck_assert_int_eq(altp2m_views_backing_gfn(&VS, 1, a, &got),
			 -EOPNOTSUPP);
	ck_assert_int_eq(altp2m_views_backing_gfn(&VS, 0, a, &got), 0);
	ck_assert_uint_eq(got, a);
}
END_TEST

/* A view destroyed and created again at its index is another creation. */
START_TEST(serial_tells_creations_apart)
{
	unsigned int v = create(A_RX), w = create(A_RX), again;
	u64 sv = altp2m_views_serial(&VS, v), sw = altp2m_views_serial(&VS, w);

	ck_assert_uint_ne(sv, 0);
	ck_assert_uint_ne(sw, 0);
	ck_assert_uint_ne(sv, sw);
	ck_assert_uint_eq(altp2m_views_serial(&VS, 0), 0);
	ck_assert_uint_eq(altp2m_views_serial(&VS, w + 1), 0);
	ck_assert_uint_eq(altp2m_views_serial(&VS, ALTP2M_VIEWS_MAX), 0);
	ck_assert_int_eq(altp2m_views_destroy_view(&VS, v), 0);
	ck_assert_uint_eq(altp2m_views_serial(&VS, v), 0);
	again = create(A_RX);
	ck_assert_uint_eq(again, v);	/* the lowest free index */
	ck_assert_uint_ne(altp2m_views_serial(&VS, v), 0);
	ck_assert_uint_ne(altp2m_views_serial(&VS, v), sv);
	ck_assert_uint_ne(altp2m_views_serial(&VS, v), sw);
	ck_assert_uint_eq(altp2m_views_serial(&VS, w), sw);
}
END_TEST

/* ---- hidden frames ------------------------------------------------------ */

/* Hidden gfns of the tests: between the big region's end and the small. */
#define H1	5000ULL
#define H2	5001ULL
#define H3	6000ULL

/*
 * A hidden gfn is no RAM to lazy fill: MMIO in every view, view 0
 * included, and nothing is filled there, even after a remap to it.
 */
START_TEST(hidden_fill_is_mmio)
{
	unsigned int v = create(A_RWX), w = create(A_R);
	unsigned long calls;

	hidden_add(H1);
	ck_assert_int_eq(fault(0, H1, R_, NULL), ALTP2M_VIEW_MMIO);
	ck_assert_int_eq(fault(v, H1, X_, NULL), ALTP2M_VIEW_MMIO);
	ck_assert_int_eq(fault(w, H1, W_, NULL), ALTP2M_VIEW_MMIO);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 100, H1), 0);
	ck_assert_int_eq(fault(0, H1, R_, NULL), ALTP2M_VIEW_MMIO);
	ck_assert_int_eq(fault(v, H1, R_, NULL), ALTP2M_VIEW_MMIO);
	ck_assert_int_eq(fault(w, H1, R_, NULL), ALTP2M_VIEW_MMIO);
	ck_assert_uint_eq(leaf(0, H1, NULL), EMPTY);
	ck_assert_uint_eq(leaf(v, H1, NULL), EMPTY);
	ck_assert_uint_eq(leaf(w, H1, NULL), EMPTY);
	/* Nor is it a gfn the calls that edit RAM take. */
	ck_assert_int_eq(altp2m_views_set_access(&VS, v, H1, A_R), -ESRCH);
	ck_assert_int_eq(altp2m_views_set_access(&VS, 0, H1, A_R), -ESRCH);
	ck_assert_int_eq(altp2m_views_set_sve(&VS, v, H1, 0), -ESRCH);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, H1, 100), -ESRCH);
	ck_assert_uint_eq(VS.why.arg, ALTP2M_WHY_GFN_NOT_RAM);
	/* The engine asked: the op is what made the remap work. */
	calls = F.hidden_calls;
	ck_assert_int_eq(altp2m_views_remap(&VS, w, 101, H1), 0);
	ck_assert_uint_gt(F.hidden_calls, calls);
}
END_TEST

/* A remap to a hidden frame maps its page and counts as any remap. */
START_TEST(hidden_remap_target)
{
	unsigned int v = create(A_RX), level;
	struct altp2m_view_run d[4];
	u64 h = hidden_add(H1), tables = VS.host.ept.nr_tables;

	ck_assert_int_eq(altp2m_views_remap(&VS, v, 100, H1), 0);
	/* The hidden page, write-back, rwx (no view holds H1), SVE. */
	ck_assert_uint_eq(leaf(v, 100, &level), h | RAM_TYPE | RWX | SVE |
			  SW_ACC(A_RWX) | REMAPPED);
	ck_assert_uint_eq(level, 1);
	ck_assert_uint_eq(VS.nr_remaps, 1);
	ck_assert_uint_eq(VS.view[v]->nr_remaps, 1);
	ck_assert_uint_eq(VS.view[v]->nr_leaves, 1);
	ck_assert_uint_eq(VS.view[v]->nr_pages, 1);
	/* View 0 neither holds H1 nor got a table for it. */
	ck_assert_uint_eq(VS.host.nr_leaves, 0);
	ck_assert_uint_eq(VS.host.ept.nr_tables, tables);
	ck_assert_uint_eq(altp2m_views_frame_gfn(&VS, v, 100), H1);
	ck_assert_uint_eq(altp2m_views_frame_gfn(&VS, v, H1), H1);
	ck_assert_int_eq(dump_all(v, d, 4, 4), 1);
	ck_assert_uint_eq(d[0].gfn, 100);
	ck_assert_uint_eq(d[0].target, H1);
	ck_assert_uint_eq(d[0].access, A_RWX);
	/* Its access is the view's to change, as for any remap. */
	ck_assert_int_eq(altp2m_views_set_access(&VS, v, 100, A_R), 0);
	ck_assert_uint_eq(frame_of(v, 100), h);
	ck_assert_uint_eq(leaf(v, 100, NULL) & REMAPPED, REMAPPED);
	ck_assert_int_eq(fault(v, 100, W_, NULL), ALTP2M_VIEW_EVENT);
	ck_assert_int_eq(altp2m_views_set_access(&VS, v, 100, A_N), 0);
	ck_assert_uint_eq(frame_of(v, 100), h);
	check_all();
	/* Overwrite with RAM: one record, the new target; and back. */
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 100, 3000), 0);
	ck_assert_uint_eq(frame_of(v, 100), host_hpa(3000));
	ck_assert_uint_eq(VS.nr_remaps, 1);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 100, H1), 0);
	ck_assert_uint_eq(frame_of(v, 100), h);
	ck_assert_uint_eq(access_of(v, 100), A_RWX);
	ck_assert_uint_eq(VS.nr_remaps, 1);
	/* Revert: lazy fill, the gfn's own frame. */
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 100, INVALID), 0);
	ck_assert_uint_eq(VS.nr_remaps, 0);
	ck_assert_int_eq(fault(v, 100, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_uint_eq(frame_of(v, 100), host_hpa(100));
	/* A gfn no longer hidden is no target. */
	hidden_del(H1);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 101, H1), -ESRCH);
	ck_assert_uint_eq(VS.why.arg, ALTP2M_WHY_TARGET_NOT_RAM);
}
END_TEST

/* The guest's own remap never reaches a hidden frame, not even by a chain. */
START_TEST(hidden_not_for_the_guest)
{
	unsigned int v = create(A_RWX);
	struct snap *a, *b;

	hidden_add(H1);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 100, H1), 0);
	a = snapshot();
	memset(&VS.why, 0, sizeof(VS.why));
	ck_assert_int_eq(altp2m_views_remap_guest(&VS, v, 200, H1), -ESRCH);
	ck_assert_uint_eq(VS.why.arg, ALTP2M_WHY_TARGET_NOT_RAM);
	/* 100 maps H1 in v: a remap to 100 would be one to H1. */
	ck_assert_int_eq(altp2m_views_remap_guest(&VS, v, 200, 100), -ESRCH);
	b = snapshot();
	ck_assert(snap_same(a, b));
	snap_free(a);
	snap_free(b);
	/* What is RAM stays the guest's to remap, 100 itself included. */
	ck_assert_int_eq(altp2m_views_remap_guest(&VS, v, 200, 300), 0);
	ck_assert_uint_eq(frame_of(v, 200), host_hpa(300));
	ck_assert_int_eq(altp2m_views_remap_guest(&VS, v, 100, 301), 0);
	ck_assert_uint_eq(frame_of(v, 100), host_hpa(301));
	ck_assert_int_eq(altp2m_views_remap_guest(&VS, v, 200, INVALID), 0);
}
END_TEST

/*
 * Removal: exactly the remaps to the removed frames go, in every view,
 * counted, each view that mapped one flushed before the call returns.
 */
START_TEST(hidden_remove_reverts_exactly)
{
	unsigned int v = create(A_RWX), w = create(A_R), x = create(A_RWX);
	u64 h2 = hidden_add(H2);
	unsigned long fv, fw, fx;

	hidden_add(H1);
	hidden_add(H3);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 100, H1), 0);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 101, H2), 0);
	ck_assert_int_eq(altp2m_views_remap(&VS, w, 100, H1), 0);
	ck_assert_int_eq(altp2m_views_remap(&VS, w, 102, 3000), 0);
	ck_assert_int_eq(altp2m_views_remap(&VS, x, 103, H3), 0);
	ck_assert_int_eq(fault(v, 50, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_uint_eq(VS.nr_remaps, 5);
	fv = F.flushes_of[v];
	fw = F.flushes_of[w];
	fx = F.flushes_of[x];
	/* H1 goes (with H3's neighbour range left alone). */
	altp2m_views_host_unmap(&VS, H1, 1);
	hidden_del(H1);
	check_all();
	ck_assert_uint_eq(VS.stats.remaps_invalidated, 2);
	ck_assert_uint_eq(VS.nr_remaps, 3);
	ck_assert_uint_eq(leaf(v, 100, NULL), EMPTY);
	ck_assert_uint_eq(leaf(w, 100, NULL), EMPTY);
	ck_assert_uint_eq(frame_of(v, 101), h2);
	ck_assert_uint_eq(frame_of(w, 102), host_hpa(3000));
	ck_assert_uint_eq(frame_of(x, 103), F.hidden_hpa[1]);
	ck_assert_uint_eq(frame_of(v, 50), host_hpa(50));
	ck_assert_uint_eq(F.flushes_of[v], fv + 1);
	ck_assert_uint_eq(F.flushes_of[w], fw + 1);
	ck_assert_uint_eq(F.flushes_of[x], fx);
	/* The reverted gfns fill again with their own frames. */
	ck_assert_int_eq(fault(v, 100, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_uint_eq(frame_of(v, 100), host_hpa(100));
	ck_assert_int_eq(fault(w, 100, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_uint_eq(access_of(w, 100), A_R);
	/*
	 * A parked remap (access n): dropped too, and with a neighbour
	 * keeping its table linked, nothing to flush.
	 */
	ck_assert_int_eq(fault(x, 104, R_, NULL), ALTP2M_VIEW_RETRY);
	ck_assert_int_eq(altp2m_views_set_access(&VS, x, 103, A_N), 0);
	fx = F.flushes_of[x];
	altp2m_views_host_unmap(&VS, H3, 1);
	hidden_del(H3);
	ck_assert_uint_eq(leaf(x, 103, NULL), EMPTY);
	ck_assert_uint_eq(F.flushes_of[x], fx);
	ck_assert_uint_eq(VS.stats.remaps_invalidated, 3);
	/* A range wider than the remaps left: walks the records. */
	altp2m_views_host_unmap(&VS, 4096, 4000);
	hidden_del(H2);
	ck_assert_uint_eq(leaf(v, 101, NULL), EMPTY);
	ck_assert_uint_eq(VS.nr_remaps, 1);
	ck_assert_uint_eq(VS.stats.remaps_invalidated, 4);
}
END_TEST

/*
 * Chains: a remap to a gfn that the view remaps to a hidden frame is
 * recorded against the hidden frame, so that its removal reverts both,
 * and takes the middle gfn's access.
 */
START_TEST(hidden_remap_chain)
{
	unsigned int v = create(A_RWX), w = create(A_RWX);
	u64 h = hidden_add(H1);
	struct altp2m_view_run d[4];

	ck_assert_int_eq(altp2m_views_remap(&VS, v, 200, H1), 0);
	ck_assert_int_eq(altp2m_views_set_access(&VS, v, 200, A_R), 0);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 100, 200), 0);
	ck_assert_uint_eq(frame_of(v, 100), h);
	ck_assert_uint_eq(access_of(v, 100), A_R);
	ck_assert_int_eq(dump_all(v, d, 4, 4), 2);
	ck_assert_uint_eq(d[0].gfn, 100);
	ck_assert_uint_eq(d[0].target, H1);
	/* In another view 200 is plain RAM: its own frame. */
	ck_assert_int_eq(altp2m_views_remap(&VS, w, 100, 200), 0);
	ck_assert_uint_eq(frame_of(w, 100), host_hpa(200));
	/* The middle link goes elsewhere: 100 keeps H1. */
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 200, 300), 0);
	ck_assert_uint_eq(frame_of(v, 100), h);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 200, H1), 0);
	check_all();
	altp2m_views_host_unmap(&VS, H1, 1);
	hidden_del(H1);
	ck_assert_uint_eq(leaf(v, 100, NULL), EMPTY);
	ck_assert_uint_eq(leaf(v, 200, NULL), EMPTY);
	ck_assert_uint_eq(frame_of(w, 100), host_hpa(200));
	ck_assert_uint_eq(VS.stats.remaps_invalidated, 2);
	ck_assert_uint_eq(VS.nr_remaps, 1);
	/* And a hidden frame's RAM neighbour going takes nothing of it. */
	h = hidden_add(H1);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 100, H1), 0);
	altp2m_views_host_unmap(&VS, 0, 4096);
	host_del(host_region(0));
	ck_assert_uint_eq(frame_of(v, 100), h);
}
END_TEST

/* Transactions and batches: a remap to a hidden frame rolls back whole. */
START_TEST(hidden_txn_rollback)
{
	unsigned int v = create(A_RWX), w = create(A_R);
	struct snap *a, *b;
	u64 h = hidden_add(H1);
	unsigned long flushes;

	ck_assert_int_eq(altp2m_views_remap(&VS, v, 300, 301), 0);
	ck_assert_int_eq(altp2m_views_remap(&VS, w, 102, H1), 0);
	a = snapshot();
	flushes = F.flushes;
	ck_assert_int_eq(txn_begin(), 0);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 100, H1), 0);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 300, H1), 0);
	ck_assert_int_eq(altp2m_views_remap(&VS, w, 102, INVALID), 0);
	ck_assert_int_eq(altp2m_views_remap(&VS, w, 101, 100), 0);
	ck_assert_uint_eq(frame_of(v, 100), h);
	ck_assert_uint_eq(frame_of(v, 300), h);
	assert_check("inside the transaction");
	/* A failed call inside leaves the others. */
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 103, H2), -ESRCH);
	ck_assert_uint_eq(frame_of(v, 100), h);
	ck_assert_int_eq(txn_end(false), 0);
	b = snapshot();
	ck_assert_msg(snap_same(a, b), "abort left a difference");
	snap_free(b);
	ck_assert_uint_eq(F.flushes, flushes);
	ck_assert_uint_eq(VS.host.nr_leaves, a->counters[0][0] - 1);
	check_all();
	/* Commit: the same as the calls alone. */
	ck_assert_int_eq(txn_begin(), 0);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 100, H1), 0);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 300, H1), 0);
	ck_assert_int_eq(txn_end(true), 0);
	ck_assert_uint_eq(frame_of(v, 100), h);
	ck_assert_uint_eq(frame_of(v, 300), h);
	ck_assert_uint_eq(VS.nr_remaps, 3);
	check_all();
	/* A transaction whose log is full fails the remap; the abort
	 * restores everything.
	 */
	snap_free(a);
	a = snapshot();
	VS.txn_limit = 1;
	ck_assert_int_eq(txn_begin(), 0);
	ck_assert_int_eq(altp2m_views_remap(&VS, w, 104, H1), 0);
	ck_assert_int_eq(altp2m_views_remap(&VS, w, 105, H1), -E2BIG);
	ck_assert_int_eq(txn_end(true), -E2BIG);
	VS.txn_limit = ALTP2M_BATCH_MAX_CHANGES;
	b = snapshot();
	ck_assert_msg(snap_same(a, b), "failed commit left a difference");
	snap_free(a);
	snap_free(b);
	/* The removal is refused inside one, and fails it. */
	ck_assert_int_eq(txn_begin(), 0);
	ck_assert_int_eq(altp2m_views_remap(&VS, w, 104, H1), 0);
	altp2m_views_host_unmap(&VS, H1, 1);
	ck_assert_int_eq(txn_end(true), -EBUSY);
	ck_assert_uint_eq(frame_of(v, 100), h);
	ck_assert_uint_eq(leaf(w, 104, NULL), EMPTY);
}
END_TEST

/*
 * Which gfns a view still remaps: the owner's test before it hides a gfn
 * (a remap of a gfn survives its RAM), by (view, gfn) or by every record.
 */
START_TEST(hidden_remapped_at)
{
	unsigned int v = create(A_RWX), w = create(A_RWX);
	u64 g;

	ck_assert(!altp2m_views_remapped_at(&VS, 0, LIMIT));
	ck_assert_int_eq(altp2m_views_remap(&VS, w, 100, 200), 0);
	ck_assert(altp2m_views_remapped_at(&VS, 100, 1));
	ck_assert(altp2m_views_remapped_at(&VS, 90, 11));
	ck_assert(altp2m_views_remapped_at(&VS, 0, LIMIT));
	ck_assert(!altp2m_views_remapped_at(&VS, 101, 1));
	ck_assert(!altp2m_views_remapped_at(&VS, 90, 10));
	ck_assert(!altp2m_views_remapped_at(&VS, 200, 1));	/* a target */
	ck_assert(!altp2m_views_remapped_at(&VS, LIMIT, 1));
	/* Many records: the per-(view, gfn) lookups. */
	for (g = 0; g < 64; g++)
		ck_assert_int_eq(altp2m_views_remap(&VS, v, 1000 + g, 2000),
				 0);
	ck_assert(altp2m_views_remapped_at(&VS, 1063, 1));
	ck_assert(altp2m_views_remapped_at(&VS, 100, 1));
	ck_assert(!altp2m_views_remapped_at(&VS, 1064, 1));
	ck_assert(!altp2m_views_remapped_at(&VS, 101, 2));
	/* The region of 100 goes; its remap stays, and still counts. */
	ck_assert_int_eq(altp2m_views_remap(&VS, w, 100, INVALID), 0);
	ck_assert(!altp2m_views_remapped_at(&VS, 100, 1));
	ck_assert_int_eq(altp2m_views_remap(&VS, w, SMALL_BASE, 300), 0);
	altp2m_views_host_unmap(&VS, SMALL_BASE, SMALL_PAGES);
	host_del(host_region(SMALL_BASE));
	ck_assert(altp2m_views_remapped_at(&VS, SMALL_BASE, 1));
	ck_assert_int_eq(altp2m_views_destroy_view(&VS, w), 0);
	ck_assert(!altp2m_views_remapped_at(&VS, SMALL_BASE, 1));
}
END_TEST

/* The checker knows hidden frames: a wrong frame or view 0's leaf. */
START_TEST(hidden_check_finds_bad)
{
	unsigned int v = create(A_RWX);
	struct altp2m_views_bad bad = { 0 };

	hidden_add(H1);
	ck_assert_int_eq(altp2m_views_remap(&VS, v, 100, H1), 0);
	check_all();
	F.hidden_hpa[0] += 0x1000;
	ck_assert_int_eq(altp2m_views_check(&VS, &bad), -EUCLEAN);
	ck_assert_str_eq(bad.what, "remap does not map its hidden target's frame");
	F.hidden_hpa[0] -= 0x1000;
	check_all();
	/* The frame stops being hidden but the remap stayed: not RAM. */
	F.hidden_gfn[0] = H2;
	ck_assert_int_eq(altp2m_views_check(&VS, &bad), -EUCLEAN);
	ck_assert_str_eq(bad.what, "remap target is not guest RAM");
	F.hidden_gfn[0] = H1;
}
END_TEST

static Suite *view_suite(void)
{
	Suite *s = suite_create("view");
	TCase *tc = tcase_create("engine");
	TCase *rnd_tc = tcase_create("random");
	TCase *txn_tc = tcase_create("txn");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, init_rejects);
	tcase_add_test(tc, enable_disable);
	tcase_add_test(tc, create_lowest_free);
	tcase_add_test(tc, destroy_view_rules);
	tcase_add_test(tc, eptp_values);
	tcase_add_test(tc, host_fill);
	tcase_add_test(tc, view_fill);
	tcase_add_test(tc, access_codes);
	tcase_add_test(tc, exec_only);
	tcase_add_test(tc, default_access);
	tcase_add_test(tc, fault_each_access);
	tcase_add_test(tc, promote_in_2m);
	tcase_add_test(tc, range_2m_kept_or_split);
	tcase_add_test(tc, range_errors_change_nothing);
	tcase_add_test(tc, list_ops);
	tcase_add_loop_test(tc, list_one_bad_entry, 0, ARRAY_LEN(bad_lists));
	tcase_add_loop_test(tc, enomem_all_or_nothing, 0, OOM_NR);
	tcase_add_test(tc, view0_propagates);
	tcase_add_test(tc, bulk_flushes_once);
	tcase_add_test(tc, long_walks_resched);
	tcase_add_test(tc, sve_ops);
	tcase_add_test(tc, remap_and_revert);
	tcase_add_test(tc, remap_takes_b_access_here);
	tcase_add_test(tc, remap_chain_and_overwrite);
	tcase_add_test(tc, remap_errors);
	tcase_add_test(tc, backing_gfn_through_a_view);
	tcase_add_test(tc, serial_tells_creations_apart);
	tcase_add_test(tc, rmap_precision);
	tcase_add_test(tc, host_unmap_mirrors);
	tcase_add_test(tc, host_unmap_split_fails);
	tcase_add_test(tc, list_views);
	tcase_add_test(tc, dump_chunks);
	tcase_add_test(tc, views_512);
	tcase_add_test(tc, free_after_flush_on_rollback);
	tcase_add_test(tc, full_table_mark);
	tcase_add_test(tc, bulk_paths_by_table);
	tcase_add_test(tc, fill_path_empty);
	tcase_add_test(tc, cleared_entries_empty);
	tcase_add_test(tc, check_finds_bad_empty);
	tcase_add_test(tc, hidden_fill_is_mmio);
	tcase_add_test(tc, hidden_remap_target);
	tcase_add_test(tc, hidden_not_for_the_guest);
	tcase_add_test(tc, hidden_remove_reverts_exactly);
	tcase_add_test(tc, hidden_remap_chain);
	tcase_add_test(tc, hidden_txn_rollback);
	tcase_add_test(tc, hidden_check_finds_bad);
	tcase_add_test(tc, hidden_remapped_at);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(txn_tc, setup, teardown);
	tcase_add_test(txn_tc, txn_abort_restores);
	tcase_add_test(txn_tc, txn_commit_matches_calls);
	tcase_add_test(txn_tc, txn_prune_at_commit);
	tcase_add_loop_test(txn_tc, txn_failed_call_undone, 0, TXN_BAD_OPS);
	tcase_add_test(txn_tc, txn_enomem_everywhere);
	tcase_add_test(txn_tc, txn_limit_e2big);
	tcase_add_test(txn_tc, txn_structure_refused);
	suite_add_tcase(s, txn_tc);

	tcase_add_checked_fixture(rnd_tc, setup, teardown);
	tcase_set_timeout(rnd_tc, 60);
	tcase_add_test(rnd_tc, randomised_invariant);
	tcase_add_test(rnd_tc, randomised_txn);
	tcase_add_test(rnd_tc, bulk_fast_matches_general);
	suite_add_tcase(s, rnd_tc);
	return s;
}
UNIT_SUITE(view_suite)
