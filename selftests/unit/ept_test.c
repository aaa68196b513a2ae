// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/core/ept.c, the EPT paging structures, built from the
 * module's own source file. Tables come from aligned_alloc(); a table's
 * "host physical address" is its pointer, which fits bits 51:12 of an
 * entry in a userspace address space. The allocator counts, can fail on
 * its Nth call, and the suite checks after every test that each table was
 * freed exactly once (ASan catches any use after free).
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../kmod/core/ept.h"
#include "unit.h"

#define K4	0x1000ULL
#define M2	0x200000ULL
#define G1	0x40000000ULL
#define TOP	(1ULL << 48)
#define RWX	ALTP2M_EPT_RWX
#define WB	ALTP2M_EPT_MT(ALTP2M_EPT_MT_WB)
#define FLUSH	ALTP2M_EPT_FLUSH
#define EMPTY	ALTP2M_EPT_EMPTY

struct pool {
	unsigned long calls;	/* alloc_table calls, failed ones included */
	unsigned long fail_at;	/* the call that fails, 0 for none */
	unsigned long allocs, frees, flushes;
	struct altp2m_ept *ept;	/* for the flush callback's check */
	u64 flush_gpa;
	int flush_lookup;	/* lookup of flush_gpa during the flush */
	u64 flush_entry;	/* and the raw entry where its walk ends */
};

static void *t_alloc(void *ctx, u64 *hpa)
{
	struct pool *p = ctx;
	void *t;

	if (++p->calls == p->fail_at)
		return NULL;
	t = aligned_alloc(4096, 4096);
	ck_assert_ptr_nonnull(t);
	memset(t, 0, 4096);
	*hpa = (u64)(uintptr_t)t;
	p->allocs++;
	return t;
}

static void t_free(void *ctx, void *table, u64 hpa)
{
	struct pool *p = ctx;

	ck_assert_uint_eq(hpa, (u64)(uintptr_t)table);
	p->frees++;
	free(table);
}

static void *t_va(void *ctx, u64 hpa)
{
	(void)ctx;
	return (void *)(uintptr_t)hpa;
}

static bool is_table(u64 e, unsigned int level)
{
	return level > 1 && (e & RWX) && !(e & ALTP2M_EPT_LARGE);
}

/* The raw entry where the walk to @gpa ends: a leaf or a not-present one. */
static u64 raw_entry(const struct altp2m_ept *h, u64 gpa)
{
	const u64 *t = h->root;
	unsigned int level;
	u64 e;

	for (level = 4;; level--) {
		e = t[(gpa >> altp2m_ept_level_shift(level)) & 511];
		if (!is_table(e, level))
			return e;
		t = (const u64 *)(uintptr_t)(e & ALTP2M_EPT_ADDR_MASK);
	}
}

static void t_flush(void *ctx)
{
	struct pool *p = ctx;
	unsigned int level;
	u64 e;

	p->flushes++;
	p->flush_lookup = altp2m_ept_lookup(p->ept, p->flush_gpa, &e, &level);
	p->flush_entry = raw_entry(p->ept, p->flush_gpa);
}

static const struct altp2m_ept_ops ops = {
	.alloc_table = t_alloc, .free_table = t_free, .table_va = t_va,
};

static const struct altp2m_ept_ops ops_flush = {
	.alloc_table = t_alloc, .free_table = t_free, .table_va = t_va,
	.flush = t_flush,
};

static struct pool pool;
static struct altp2m_ept ept;

static void setup(void)
{
	memset(&pool, 0, sizeof(pool));
	pool.ept = &ept;
	ck_assert_int_eq(altp2m_ept_init(&ept, &ops, &pool), 0);
}

/*
 * Every entry that is not present, in every table below @t (of @level), is
 * ALTP2M_EPT_EMPTY: never 0, which would let an access through it raise
 * #VE in the guest instead of exiting.
 */
static void check_empty_entries(const u64 *t, unsigned int level)
{
	unsigned int i;

	for (i = 0; i < 512; i++) {
		if (is_table(t[i], level))
			check_empty_entries((const u64 *)(uintptr_t)
					    (t[i] & ALTP2M_EPT_ADDR_MASK),
					    level - 1);
		else if (!(t[i] & RWX))
			ck_assert_msg(t[i] == EMPTY,
				      "level %u entry %u is %#llx", level, i,
				      (unsigned long long)t[i]);
	}
}

/* Every test ends here: all tables freed, each exactly once. */
static void teardown(void)
{
	if (ept.root)
		check_empty_entries(ept.root, 4);
	altp2m_ept_destroy(&ept);
	ck_assert_uint_eq(ept.nr_tables, 0);
	ck_assert_uint_eq(pool.allocs, pool.frees);
}

static void consistent(void)
{
	ck_assert_uint_eq(ept.nr_tables, pool.allocs - pool.frees);
}

/* Translation of @gpa, or ~0 when not mapped. */
static u64 xlate(u64 gpa)
{
	unsigned int level;
	u64 e;

	if (altp2m_ept_lookup(&ept, gpa, &e, &level))
		return ~0ULL;
	return altp2m_ept_leaf_hpa(e, level, gpa);
}

static u64 attrs_of(u64 gpa)
{
	unsigned int level;
	u64 e = 0;

	ck_assert_int_eq(altp2m_ept_lookup(&ept, gpa, &e, &level), 0);
	return e & ~(ALTP2M_EPT_ADDR_MASK | ALTP2M_EPT_LARGE);
}

static unsigned int level_of(u64 gpa)
{
	unsigned int level = 0;
	u64 e;

	ck_assert_int_eq(altp2m_ept_lookup(&ept, gpa, &e, &level), 0);
	return level;
}

/* What a walk saw: the leaves, and the same merged into contiguous runs. */
#define MAX_LEAVES 2048
struct seen {
	unsigned int n, nruns;
	int stop_after;
	struct { u64 gpa, entry; unsigned int level; } leaf[MAX_LEAVES];
	struct { u64 gpa, size, hpa, attrs; } run[MAX_LEAVES];
};

static int collect(void *arg, u64 gpa, unsigned int level, u64 entry)
{
	struct seen *s = arg;
	u64 size = altp2m_ept_level_size(level);
	u64 hpa = entry & ALTP2M_EPT_ADDR_MASK;
	u64 attrs = entry & ~(ALTP2M_EPT_ADDR_MASK | ALTP2M_EPT_LARGE);

	ck_assert_uint_lt(s->n, MAX_LEAVES);
	if (s->n)	/* ascending and disjoint */
		ck_assert_uint_ge(gpa, s->leaf[s->n - 1].gpa +
			altp2m_ept_level_size(s->leaf[s->n - 1].level));
	ck_assert_uint_eq(gpa & (size - 1), 0);
	s->leaf[s->n].gpa = gpa;
	s->leaf[s->n].entry = entry;
	s->leaf[s->n].level = level;
	s->n++;
	if (s->nruns) {
		typeof(s->run[0]) *r = &s->run[s->nruns - 1];

		if (r->gpa + r->size == gpa && r->hpa + r->size == hpa &&
		    r->attrs == attrs) {
			r->size += size;
			goto out;
		}
	}
	s->run[s->nruns].gpa = gpa;
	s->run[s->nruns].size = size;
	s->run[s->nruns].hpa = hpa;
	s->run[s->nruns].attrs = attrs;
	s->nruns++;
out:
	return s->stop_after && (int)s->n == s->stop_after ? 7 : 0;
}

static struct seen *walk_all(void)
{
	struct seen *s = calloc(1, sizeof(*s));

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(altp2m_ept_walk(&ept, 0, TOP, collect, s), 0);
	return s;
}

/* Same translation everywhere (leaf sizes may differ). */
static void same_translation(const struct seen *a, const struct seen *b)
{
	ck_assert_uint_eq(a->nruns, b->nruns);
	ck_assert_mem_eq(a->run, b->run, a->nruns * sizeof(a->run[0]));
}

START_TEST(eptp_encoding)
{
	ck_assert_uint_eq(ept.root_hpa & 0xfff, 0);
	ck_assert_uint_eq(altp2m_ept_eptp(&ept, false), ept.root_hpa | 0x1e);
	ck_assert_uint_eq(altp2m_ept_eptp(&ept, true), ept.root_hpa | 0x5e);
}
END_TEST

START_TEST(init_and_destroy)
{
	struct altp2m_ept_ops bad = ops;

	ck_assert_uint_eq(ept.nr_tables, 1);
	ck_assert_ptr_eq(ept.root, (void *)(uintptr_t)ept.root_hpa);
	altp2m_ept_destroy(&ept);
	ck_assert_ptr_null(ept.root);
	ck_assert_uint_eq(pool.frees, 1);
	altp2m_ept_destroy(&ept);	/* again: nothing */
	ck_assert_uint_eq(pool.frees, 1);

	bad.table_va = NULL;
	ck_assert_int_eq(altp2m_ept_init(&ept, &bad, &pool), -EINVAL);
	ck_assert_int_eq(altp2m_ept_init(&ept, NULL, &pool), -EINVAL);
	pool.fail_at = pool.calls + 1;
	ck_assert_int_eq(altp2m_ept_init(&ept, &ops, &pool), -ENOMEM);
	ck_assert_ptr_null(ept.root);
	ck_assert_uint_eq(ept.nr_tables, 0);
	altp2m_ept_destroy(&ept);
	/* teardown() checks allocs == frees */
}
END_TEST

/* One leaf of each size: lookup across it, neighbours, table count. */
START_TEST(map_lookup_each_level)
{
	unsigned int level = _i;
	u64 size = altp2m_ept_level_size(level);
	u64 gpa = 5 * G1 + 3 * size;	/* aligned for every level */
	u64 hpa = 0x7000000000ULL + 7 * size;
	u64 attrs = RWX | WB | ALTP2M_EPT_IPAT;
	u64 e = 0;
	unsigned int at = 0;

	if (level == 3)
		gpa = 7 * G1;
	ck_assert_int_eq(altp2m_ept_map(&ept, gpa, hpa, level, attrs), 0);
	ck_assert_uint_eq(ept.nr_tables, 1 + (4 - level));
	ck_assert_int_eq(altp2m_ept_lookup(&ept, gpa, &e, &at), 0);
	ck_assert_uint_eq(at, level);
	ck_assert_uint_eq(e, hpa | attrs | (level > 1 ? ALTP2M_EPT_LARGE : 0));
	ck_assert_uint_eq(xlate(gpa + size / 2 + 0x123), hpa + size / 2 + 0x123);
	ck_assert_uint_eq(xlate(gpa + size - 1), hpa + size - 1);
	ck_assert_uint_eq(xlate(gpa - 1), ~0ULL);
	ck_assert_uint_eq(xlate(gpa + size), ~0ULL);
	ck_assert_int_eq(altp2m_ept_lookup(&ept, 0, &e, &at), -ENOENT);
	ck_assert_int_eq(altp2m_ept_lookup(&ept, TOP, &e, &at), -EINVAL);
	consistent();
}
END_TEST

/* Tables are linked with RWX (and XU): leaves alone decide. */
START_TEST(nonleaf_entries)
{
	u64 gpa = 0x123456789000ULL, e, *t = ept.root;
	unsigned int level;

	ck_assert_int_eq(altp2m_ept_map(&ept, gpa, 0x1000, 1, ALTP2M_EPT_R), 0);
	for (level = 4; level > 1; level--) {
		e = t[(gpa >> (12 + 9 * (level - 1))) & 511];
		ck_assert_uint_eq(e & ~ALTP2M_EPT_ADDR_MASK,
				  RWX | ALTP2M_EPT_XU);
		t = (u64 *)(uintptr_t)(e & ALTP2M_EPT_ADDR_MASK);
	}
	ck_assert_uint_eq(t[(gpa >> 12) & 511], 0x1000 | ALTP2M_EPT_R);
}
END_TEST

/* What map reports: a flush only when a present mapping lost something. */
START_TEST(map_flush_reporting)
{
	u64 gpa = 2 * M2;

	ck_assert_int_eq(altp2m_ept_map(&ept, gpa, 0x10000, 1,
					ALTP2M_EPT_R | WB), 0);
	ck_assert_int_eq(altp2m_ept_map(&ept, gpa, 0x10000, 1,
					ALTP2M_EPT_R | WB), 0);
	ck_assert_int_eq(altp2m_ept_map(&ept, gpa, 0x10000, 1, RWX | WB), 0);
	ck_assert_int_eq(altp2m_ept_map(&ept, gpa, 0x10000, 1,
					ALTP2M_EPT_R | ALTP2M_EPT_X | WB), FLUSH);
	ck_assert_int_eq(altp2m_ept_map(&ept, gpa, 0x20000, 1,
					ALTP2M_EPT_R | ALTP2M_EPT_X | WB), FLUSH);
	ck_assert_int_eq(altp2m_ept_map(&ept, gpa, 0x20000, 1,
					ALTP2M_EPT_R | ALTP2M_EPT_X), FLUSH);
	ck_assert_uint_eq(xlate(gpa + 5), 0x20005);
	consistent();
}
END_TEST

/* Split a large leaf: every piece keeps its translation and attributes. */
static const struct split_case {
	unsigned int from, to, tables;
} split_cases[] = {
	{ 3, 2, 1 }, { 2, 1, 1 }, { 3, 1, 2 },
};

START_TEST(split_preserves)
{
	const struct split_case *c = &split_cases[_i];
	u64 size = altp2m_ept_level_size(c->from);
	u64 gpa = 3 * G1, hpa = 0x5540000000ULL;
	u64 attrs = RWX | WB | ALTP2M_EPT_IPAT | ALTP2M_EPT_A |
		    (0x15ULL << ALTP2M_EPT_SW_SHIFT) | ALTP2M_EPT_SVE;
	u64 at = gpa + size / 2 + 5 * K4;	/* the address split for */
	u64 piece = altp2m_ept_level_size(c->to);
	struct seen *s;
	unsigned int i;

	ck_assert_int_eq(altp2m_ept_map(&ept, gpa, hpa, c->from, attrs), 0);
	ck_assert_int_eq(altp2m_ept_split(&ept, at, c->to), 0);
	ck_assert_uint_eq(ept.nr_tables, 1 + (4 - c->from) + c->tables);
	ck_assert_uint_eq(level_of(at), c->to);
	for (i = 0; i < 512; i += 73) {	/* a spread of pieces, 511 too */
		u64 g = gpa + i * (size / 512);

		ck_assert_uint_eq(xlate(g), hpa + i * (size / 512));
		ck_assert_uint_eq(xlate(g + size / 512 - 1),
				  hpa + (i + 1) * (size / 512) - 1);
		ck_assert_uint_eq(attrs_of(g), attrs);
		ck_assert_uint_eq(level_of(g), c->from - 1);
	}
	ck_assert_uint_eq(xlate(gpa + size - 1), hpa + size - 1);
	ck_assert_uint_eq(attrs_of(at), attrs);
	ck_assert_uint_eq(xlate(at + piece - 1), hpa + (at - gpa) + piece - 1);

	s = walk_all();
	ck_assert_uint_eq(s->n, 511 * c->tables + 1);
	ck_assert_uint_eq(s->nruns, 1);
	ck_assert_uint_eq(s->run[0].size, size);
	for (i = 0; i < s->n; i++)	/* size bit only above level 1 */
		ck_assert_uint_eq(!!(s->leaf[i].entry & ALTP2M_EPT_LARGE),
				  s->leaf[i].level > 1);
	free(s);
	consistent();
}
END_TEST

START_TEST(split_edge_cases)
{
	ck_assert_int_eq(altp2m_ept_split(&ept, 0, 1), -ENOENT);
	ck_assert_int_eq(altp2m_ept_map(&ept, 0, 0, 2, RWX), 0);
	ck_assert_int_eq(altp2m_ept_split(&ept, 0, 2), 0);	/* already */
	ck_assert_int_eq(altp2m_ept_split(&ept, 0, 3), 0);
	ck_assert_uint_eq(ept.nr_tables, 3);
	ck_assert_int_eq(altp2m_ept_split(&ept, 0, 0), -EINVAL);
	ck_assert_int_eq(altp2m_ept_split(&ept, 0, 4), -EINVAL);
	ck_assert_int_eq(altp2m_ept_split(&ept, TOP, 1), -EINVAL);
	ck_assert_int_eq(altp2m_ept_split(&ept, M2 - 1, 1), 0);
	ck_assert_uint_eq(level_of(M2 - K4), 1);
	ck_assert_int_eq(altp2m_ept_split(&ept, M2 - 1, 1), 0);
	ck_assert_uint_eq(ept.nr_tables, 4);
}
END_TEST

/* A 4K leaf inside a 2M or 1G one: the rest of it stays as it was. */
START_TEST(map_small_inside_large)
{
	unsigned int from = _i + 2;
	u64 size = altp2m_ept_level_size(from);
	u64 gpa = 2 * G1, hpa = 0x3300000000ULL, page = gpa + size - 3 * K4;
	struct seen *s;

	ck_assert_int_eq(altp2m_ept_map(&ept, gpa, hpa, from, RWX | WB), 0);
	ck_assert_int_eq(altp2m_ept_map(&ept, page, 0x9000, 1,
					ALTP2M_EPT_R | WB), FLUSH);
	ck_assert_uint_eq(level_of(page), 1);
	ck_assert_uint_eq(xlate(page + 0x10), 0x9010);
	ck_assert_uint_eq(attrs_of(page), ALTP2M_EPT_R | WB);
	ck_assert_uint_eq(xlate(page - 1), hpa + (page - gpa) - 1);
	ck_assert_uint_eq(attrs_of(page - 1), RWX | WB);
	ck_assert_uint_eq(xlate(page + K4), hpa + (page - gpa) + K4);
	ck_assert_uint_eq(xlate(gpa), hpa);
	ck_assert_uint_eq(xlate(gpa + size - 1), hpa + size - 1);
	ck_assert_uint_eq(xlate(gpa + size), ~0ULL);
	s = walk_all();
	ck_assert_uint_eq(s->nruns, 3);
	ck_assert_uint_eq(s->n, from == 2 ? 512 : 1023);
	free(s);

	/* Mapping a piece to what it already was needs no flush. */
	ck_assert_int_eq(altp2m_ept_map(&ept, gpa + K4, hpa + K4, 1,
					RWX | WB), 0);
	consistent();
}
END_TEST

/* A 2M (1G) leaf over a subtree of smaller ones frees the subtree. */
START_TEST(map_large_over_subtree)
{
	bool with_flush = _i;
	u64 base = 4 * G1;
	unsigned long before;
	struct seen *s;

	if (with_flush) {
		altp2m_ept_destroy(&ept);
		ck_assert_int_eq(altp2m_ept_init(&ept, &ops_flush, &pool), 0);
	}
	ck_assert_int_eq(altp2m_ept_map(&ept, base + 5 * K4, 0x5000, 1, RWX), 0);
	ck_assert_int_eq(altp2m_ept_map(&ept, base + 9 * K4, 0x9000, 1, RWX), 0);
	ck_assert_uint_eq(ept.nr_tables, 4);
	before = pool.frees;
	pool.flush_gpa = base + 5 * K4;
	pool.flush_lookup = 1;
	ck_assert_int_eq(altp2m_ept_map(&ept, base, 0x80000000, 2, RWX | WB),
			 FLUSH);
	ck_assert_uint_eq(ept.nr_tables, 3);
	ck_assert_uint_eq(pool.frees, before + 1);
	ck_assert_uint_eq(level_of(base + 5 * K4), 2);
	ck_assert_uint_eq(xlate(base + 5 * K4), 0x80000000 + 5 * K4);
	/* Cleared, flushed, then installed: never old and new at once. */
	ck_assert_uint_eq(pool.flushes, with_flush);
	if (with_flush) {
		ck_assert_int_eq(pool.flush_lookup, -ENOENT);
		/* Cleared to the empty entry, not 0. */
		ck_assert_uint_eq(pool.flush_entry, EMPTY);
	}

	/* Now two 2M regions below one 1G slot, one of them split. */
	ck_assert_int_eq(altp2m_ept_map(&ept, base + 3 * M2, 0, 1, RWX), 0);
	ck_assert_uint_eq(ept.nr_tables, 4);
	ck_assert_int_eq(altp2m_ept_map(&ept, base, 0x40000000, 3, RWX | WB),
			 FLUSH);
	ck_assert_uint_eq(ept.nr_tables, 2);	/* PD and one PT freed */
	ck_assert_uint_eq(pool.frees, before + 3);
	s = walk_all();
	ck_assert_uint_eq(s->n, 1);
	ck_assert_uint_eq(s->leaf[0].level, 3);
	free(s);
	consistent();
}
END_TEST

/* Unmap within one 1G leaf across a 2M boundary, and across two 1G. */
START_TEST(unmap_partial_2m_boundary)
{
	u64 gpa = G1, hpa = 0x2000000000ULL;
	u64 start = gpa + M2 - 2 * K4, end = gpa + M2 + 3 * K4;
	struct seen *s;
	u64 a;

	ck_assert_int_eq(altp2m_ept_map(&ept, gpa, hpa, 3, RWX | WB), 0);
	ck_assert_int_eq(altp2m_ept_unmap(&ept, start, end - start), FLUSH);
	for (a = start; a < end; a += K4)
		ck_assert_uint_eq(xlate(a), ~0ULL);
	ck_assert_uint_eq(xlate(start - 1), hpa + (start - 1 - gpa));
	ck_assert_uint_eq(xlate(end), hpa + (end - gpa));
	ck_assert_uint_eq(xlate(gpa), hpa);
	ck_assert_uint_eq(xlate(gpa + G1 - 1), hpa + G1 - 1);
	ck_assert_uint_eq(attrs_of(end), RWX | WB);
	ck_assert_uint_eq(level_of(start - K4), 1);
	ck_assert_uint_eq(level_of(gpa + 5 * M2), 2);
	s = walk_all();
	ck_assert_uint_eq(s->nruns, 2);
	ck_assert_uint_eq(s->run[0].size + s->run[1].size, G1 - 5 * K4);
	free(s);
	/* Again: nothing left to clear. */
	ck_assert_int_eq(altp2m_ept_unmap(&ept, start, end - start), 0);
	consistent();
}
END_TEST

START_TEST(unmap_partial_1g_boundary)
{
	u64 hpa = 0x2000000000ULL;
	u64 start = 2 * G1 - K4, end = 2 * G1 + M2 + K4;
	struct seen *s;

	ck_assert_int_eq(altp2m_ept_map(&ept, G1, hpa, 3, RWX), 0);
	ck_assert_int_eq(altp2m_ept_map(&ept, 2 * G1, hpa + G1, 3, RWX), 0);
	ck_assert_int_eq(altp2m_ept_unmap(&ept, start, end - start), FLUSH);
	ck_assert_uint_eq(xlate(start - 1), hpa + G1 - K4 - 1);
	ck_assert_uint_eq(xlate(start), ~0ULL);
	ck_assert_uint_eq(xlate(2 * G1), ~0ULL);
	ck_assert_uint_eq(xlate(2 * G1 + M2), ~0ULL);
	ck_assert_uint_eq(xlate(end - 1), ~0ULL);
	ck_assert_uint_eq(xlate(end), hpa + G1 + M2 + K4);
	ck_assert_uint_eq(level_of(G1), 2);
	ck_assert_uint_eq(level_of(end + M2), 2);
	s = walk_all();
	ck_assert_uint_eq(s->nruns, 2);
	ck_assert_uint_eq(s->run[0].gpa, G1);
	ck_assert_uint_eq(s->run[0].size, G1 - K4);
	ck_assert_uint_eq(s->run[1].gpa, end);
	ck_assert_uint_eq(s->run[1].size, 3 * G1 - end);
	free(s);
	consistent();
}
END_TEST

/* Tables that lose their last entry go; whole subtrees go in one store. */
START_TEST(unmap_frees_empty_tables)
{
	unsigned long before;
	unsigned int i;

	for (i = 0; i < 8; i++)
		ck_assert_int_eq(altp2m_ept_map(&ept, 3 * G1 + i * M2 + K4,
						i * K4, 1, RWX), 0);
	ck_assert_int_eq(altp2m_ept_map(&ept, 600 * G1, 0, 3, RWX), 0);
	ck_assert_uint_eq(ept.nr_tables, 1 + 2 + 1 + 8);

	ck_assert_int_eq(altp2m_ept_unmap(&ept, 3 * G1 + K4, K4), FLUSH);
	ck_assert_uint_eq(ept.nr_tables, 11);	/* its PT went */
	ck_assert_int_eq(altp2m_ept_unmap(&ept, 3 * G1 + 2 * M2, 2 * M2),
			 FLUSH);		/* two PTs whole */
	ck_assert_uint_eq(ept.nr_tables, 9);
	before = pool.frees;
	/* The PD's whole 1G goes in one store (PD and its 5 PTs), then the
	 * first PDPT is empty; the 1G leaf at 600G is under another PML4
	 * entry and its PDPT stays.
	 */
	ck_assert_int_eq(altp2m_ept_unmap(&ept, 0, 4 * G1), FLUSH);
	ck_assert_uint_eq(pool.frees - before, 5 + 1 + 1);
	ck_assert_uint_eq(ept.nr_tables, 2);
	ck_assert_int_eq(altp2m_ept_unmap(&ept, 0, TOP), FLUSH);
	ck_assert_uint_eq(ept.nr_tables, 1);
	ck_assert_int_eq(altp2m_ept_unmap(&ept, 0, TOP), 0);
	consistent();
}
END_TEST

START_TEST(unmap_bad_ranges)
{
	ck_assert_int_eq(altp2m_ept_unmap(&ept, 0, 0), -EINVAL);
	ck_assert_int_eq(altp2m_ept_unmap(&ept, 1, K4), -EINVAL);
	ck_assert_int_eq(altp2m_ept_unmap(&ept, 0, K4 + 1), -EINVAL);
	ck_assert_int_eq(altp2m_ept_unmap(&ept, TOP, K4), -EINVAL);
	ck_assert_int_eq(altp2m_ept_unmap(&ept, TOP - K4, 2 * K4), -EINVAL);
	ck_assert_int_eq(altp2m_ept_unmap(&ept, K4, ~0xfffULL), -EINVAL);
	ck_assert_int_eq(altp2m_ept_unmap(&ept, TOP - K4, K4), 0);
}
END_TEST

/* The very top of the 48-bit space works; beyond it is refused. */
START_TEST(gpa_limit)
{
	u64 e;
	unsigned int level;

	ck_assert_int_eq(altp2m_ept_map(&ept, TOP - K4, 0xf000, 1, RWX), 0);
	ck_assert_int_eq(altp2m_ept_map(&ept, TOP - G1, 0, 3, RWX), FLUSH);
	ck_assert_int_eq(altp2m_ept_map(&ept, TOP, 0, 1, RWX), -EINVAL);
	ck_assert_int_eq(altp2m_ept_map(&ept, 1ULL << 63, 0, 1, RWX), -EINVAL);
	ck_assert_uint_eq(xlate(TOP - 1), G1 - 1);
	ck_assert_int_eq(altp2m_ept_lookup(&ept, TOP, &e, &level), -EINVAL);
	ck_assert_int_eq(altp2m_ept_unmap(&ept, TOP - K4, K4), FLUSH);
	ck_assert_uint_eq(xlate(TOP - K4 - 1), G1 - K4 - 1);
	consistent();
}
END_TEST

/* Arguments map must refuse, leaving the hierarchy untouched. */
static const struct bad_map {
	const char *name;
	u64 gpa, hpa;
	unsigned int level;
	u64 attrs;
} bad_maps[] = {
	{ "W only", 0, 0, 1, ALTP2M_EPT_W },
	{ "WX", 0, 0, 1, ALTP2M_EPT_W | ALTP2M_EPT_X },
	{ "not present", 0, 0, 1, WB },
	{ "XU only", 0, 0, 1, ALTP2M_EPT_XU },
	{ "memtype 2", 0, 0, 1, RWX | ALTP2M_EPT_MT(2) },
	{ "memtype 3", 0, 0, 1, RWX | ALTP2M_EPT_MT(3) },
	{ "memtype 7", 0, 0, 1, RWX | ALTP2M_EPT_MT(7) },
	{ "size bit", 0, 0, 2, RWX | ALTP2M_EPT_LARGE },
	{ "bit 11", 0, 0, 1, RWX | (1ULL << 11) },
	{ "address bits", 0, 0, 1, RWX | 0x1000 },
	{ "bit 57", 0, 0, 1, RWX | (1ULL << 57) },
	{ "bit 62", 0, 0, 1, RWX | (1ULL << 62) },
	{ "level 0", 0, 0, 0, RWX },
	{ "level 4", 0, 0, 4, RWX },
	{ "gpa 4K misaligned", 0x800, 0, 1, RWX },
	{ "gpa 2M misaligned", K4, 0, 2, RWX },
	{ "hpa 2M misaligned", 0, K4, 2, RWX },
	{ "gpa 1G misaligned", M2, 0, 3, RWX },
	{ "hpa 1G misaligned", 0, M2, 3, RWX },
	{ "gpa beyond 48 bits", TOP, 0, 1, RWX },
	{ "hpa beyond 52 bits", 0, 1ULL << 52, 1, RWX },
};

START_TEST(map_rejects)
{
	const struct bad_map *b = &bad_maps[_i];
	struct seen *s;

	ck_assert_int_eq(altp2m_ept_map(&ept, M2, 0, 2, RWX), 0);
	ck_assert_msg(altp2m_ept_map(&ept, b->gpa, b->hpa, b->level,
				     b->attrs) == -EINVAL, "%s", b->name);
	ck_assert_uint_eq(ept.nr_tables, 3);
	s = walk_all();
	ck_assert_uint_eq(s->n, 1);
	free(s);
}
END_TEST

/* ... and what it accepts: execute-only, each memory type, the extras. */
static const u64 good_attrs[] = {
	ALTP2M_EPT_R, ALTP2M_EPT_X, ALTP2M_EPT_R | ALTP2M_EPT_X,
	RWX | ALTP2M_EPT_MT(ALTP2M_EPT_MT_UC),
	RWX | ALTP2M_EPT_MT(ALTP2M_EPT_MT_WC),
	RWX | ALTP2M_EPT_MT(ALTP2M_EPT_MT_WT),
	RWX | ALTP2M_EPT_MT(ALTP2M_EPT_MT_WP),
	RWX | WB | ALTP2M_EPT_IPAT | ALTP2M_EPT_XU,
	RWX | ALTP2M_EPT_A | ALTP2M_EPT_D | ALTP2M_EPT_SVE,
	ALTP2M_EPT_R | ALTP2M_EPT_SW_MASK,
};

START_TEST(map_accepts)
{
	u64 e;
	unsigned int level;

	ck_assert_int_eq(altp2m_ept_map(&ept, M2, G1, 2, good_attrs[_i]), 0);
	ck_assert_int_eq(altp2m_ept_lookup(&ept, M2, &e, &level), 0);
	ck_assert_uint_eq(e, G1 | ALTP2M_EPT_LARGE | good_attrs[_i]);
}
END_TEST

START_TEST(set_attrs)
{
	u64 gpa = 6 * M2, hpa = 0x12345600000ULL, e;
	unsigned int level;

	ck_assert_int_eq(altp2m_ept_set_attrs(&ept, gpa, 0, ALTP2M_EPT_R),
			 -ENOENT);
	ck_assert_int_eq(altp2m_ept_map(&ept, gpa, hpa, 2, RWX | WB), 0);
	ck_assert_int_eq(altp2m_ept_set_attrs(&ept, gpa + K4, ALTP2M_EPT_W, 0),
			 FLUSH);
	ck_assert_uint_eq(attrs_of(gpa + M2 - 1),
			  ALTP2M_EPT_R | ALTP2M_EPT_X | WB);
	ck_assert_uint_eq(xlate(gpa + M2 - 1), hpa + M2 - 1);	/* whole leaf */
	ck_assert_int_eq(altp2m_ept_set_attrs(&ept, gpa, 0, ALTP2M_EPT_W), 0);
	ck_assert_int_eq(altp2m_ept_set_attrs(&ept, gpa, 0,
			 ALTP2M_EPT_SW_MASK | ALTP2M_EPT_A | ALTP2M_EPT_D), 0);
	ck_assert_int_eq(altp2m_ept_set_attrs(&ept, gpa, ALTP2M_EPT_D, 0),
			 FLUSH);
	ck_assert_int_eq(altp2m_ept_set_attrs(&ept, gpa, ALTP2M_EPT_MT_MASK,
			 ALTP2M_EPT_MT(ALTP2M_EPT_MT_UC)), FLUSH);
	ck_assert_int_eq(altp2m_ept_set_attrs(&ept, gpa, 0, ALTP2M_EPT_SVE),
			 FLUSH);
	ck_assert_int_eq(altp2m_ept_lookup(&ept, gpa, &e, &level), 0);
	ck_assert_uint_eq(e, hpa | ALTP2M_EPT_LARGE | RWX | ALTP2M_EPT_SW_MASK |
			     ALTP2M_EPT_A | ALTP2M_EPT_SVE);

	/* Refused, leaving the leaf as it was. */
	ck_assert_int_eq(altp2m_ept_set_attrs(&ept, gpa, ALTP2M_EPT_R, 0),
			 -EINVAL);
	ck_assert_int_eq(altp2m_ept_set_attrs(&ept, gpa, RWX, 0), -EINVAL);
	ck_assert_int_eq(altp2m_ept_set_attrs(&ept, gpa, 0,
					      ALTP2M_EPT_MT(7)), -EINVAL);
	ck_assert_int_eq(altp2m_ept_set_attrs(&ept, gpa, 0, ALTP2M_EPT_LARGE),
			 -EINVAL);
	ck_assert_int_eq(altp2m_ept_set_attrs(&ept, gpa,
					      ALTP2M_EPT_ADDR_MASK, 0), -EINVAL);
	ck_assert_int_eq(altp2m_ept_set_attrs(&ept, TOP, 0, 0), -EINVAL);
	ck_assert_int_eq(altp2m_ept_lookup(&ept, gpa, &e, &level), 0);
	ck_assert_uint_eq(e, hpa | ALTP2M_EPT_LARGE | RWX | ALTP2M_EPT_SW_MASK |
			     ALTP2M_EPT_A | ALTP2M_EPT_SVE);
}
END_TEST

/* Walk: ascending, complete, each leaf once with its own start. */
START_TEST(walk_order_and_completeness)
{
	static const struct { u64 gpa; unsigned int level; } maps[] = {
		{ 0, 1 }, { K4, 1 }, { 511 * K4, 1 }, { M2, 2 }, { 5 * M2, 2 },
		{ G1, 3 }, { 511 * G1, 3 }, { 512 * G1 + 3 * K4, 1 },
		{ 0x7fffc0000000ULL, 3 }, { TOP - 2 * M2, 2 }, { TOP - K4, 1 },
	};
	struct seen *s;
	unsigned int i;

	/* Map in an order unlike the address order. */
	for (i = ARRAY_LEN(maps); i-- > 0;)
		ck_assert_int_eq(altp2m_ept_map(&ept, maps[i].gpa, (u64)i << 30,
						maps[i].level, RWX), 0);
	s = walk_all();
	ck_assert_uint_eq(s->n, ARRAY_LEN(maps));
	for (i = 0; i < s->n; i++) {
		ck_assert_uint_eq(s->leaf[i].gpa, maps[i].gpa);
		ck_assert_uint_eq(s->leaf[i].level, maps[i].level);
	}
	free(s);

	/* A range starting inside a large leaf reports it, from its start. */
	s = calloc(1, sizeof(*s));
	ck_assert_int_eq(altp2m_ept_walk(&ept, G1 + M2, 511 * G1 - M2 + K4,
					 collect, s), 0);
	ck_assert_uint_eq(s->n, 2);
	ck_assert_uint_eq(s->leaf[0].gpa, G1);
	ck_assert_uint_eq(s->leaf[1].gpa, 511 * G1);
	free(s);

	/* Nothing in a hole. */
	s = calloc(1, sizeof(*s));
	ck_assert_int_eq(altp2m_ept_walk(&ept, 2 * G1, 100 * G1, collect, s),
			 0);
	ck_assert_uint_eq(s->n, 0);

	/* The callback stops it. */
	s->stop_after = 3;
	ck_assert_int_eq(altp2m_ept_walk(&ept, 0, TOP, collect, s), 7);
	ck_assert_uint_eq(s->n, 3);
	free(s);

	ck_assert_int_eq(altp2m_ept_walk(&ept, 0, 0, collect, NULL), -EINVAL);
	ck_assert_int_eq(altp2m_ept_walk(&ept, 0, TOP + K4, collect, NULL),
			 -EINVAL);
	ck_assert_int_eq(altp2m_ept_walk(&ept, 5, K4, collect, NULL), -EINVAL);
}
END_TEST

/*
 * Out of memory at each allocation an operation makes: the operation fails
 * with nothing changed that the guest could see, the accounting holds and
 * nothing leaks. The loop goes on until the operation succeeds, and the
 * number of failures must be the number of tables it needs.
 */
enum { OOM_MAP_EMPTY, OOM_MAP_IN_1G, OOM_SPLIT, OOM_UNMAP };

static int oom_op(int which)
{
	switch (which) {
	case OOM_MAP_EMPTY:
		return altp2m_ept_map(&ept, 600 * G1 + 7 * K4, 0x7000, 1, RWX);
	case OOM_MAP_IN_1G:
		return altp2m_ept_map(&ept, G1 + 7 * K4, 0x7000, 1, RWX);
	case OOM_SPLIT:
		return altp2m_ept_split(&ept, G1 + 7 * K4, 1);
	default:
		return altp2m_ept_unmap(&ept, G1 + M2 - K4, M2 + 2 * K4);
	}
}

static const unsigned int oom_tables[] = { 3, 2, 2, 3 };

START_TEST(enomem_at_each_step)
{
	struct seen *before, *after;
	unsigned int n;
	int ret;

	ck_assert_int_eq(altp2m_ept_map(&ept, G1, 0x8000000000ULL, 3, RWX), 0);
	before = walk_all();
	for (n = 1;; n++) {
		unsigned long tables = ept.nr_tables;

		pool.fail_at = pool.calls + n;
		ret = oom_op(_i);
		consistent();
		if (ret != -ENOMEM)
			break;
		after = walk_all();
		same_translation(before, after);
		free(after);
		if (_i != OOM_UNMAP)	/* all or nothing */
			ck_assert_uint_eq(ept.nr_tables, tables);
	}
	ck_assert_int_ge(ret, 0);
	ck_assert_uint_eq(n - 1, oom_tables[_i]);
	pool.fail_at = 0;
	free(before);
}
END_TEST

/*
 * Not-present entries are ALTP2M_EPT_EMPTY from the root's allocation on,
 * in new tables and where mappings and tables were removed; the allocator
 * hands out zeroed tables, so any entry left alone would show as 0.
 */
START_TEST(empty_entries_keep_sve)
{
	const u64 gpa = 5 * G1 + 7 * M2 + 9 * K4;
	const u64 *t = ept.root;
	unsigned int level, i, at;

	check_empty_entries(ept.root, 4);
	ck_assert_int_eq(altp2m_ept_map(&ept, gpa, 0x9000, 1, RWX), 0);
	ck_assert_uint_eq(ept.nr_tables, 4);
	for (level = 4; level >= 1; level--) {
		at = (gpa >> altp2m_ept_level_shift(level)) & 511;
		for (i = 0; i < 512; i++)
			if (i != at)
				ck_assert_uint_eq(t[i], EMPTY);
		if (level > 1)
			t = (const u64 *)(uintptr_t)(t[at] &
						     ALTP2M_EPT_ADDR_MASK);
	}
	/* Unmapped: the tables go, their links are empty again. */
	ck_assert_int_eq(altp2m_ept_unmap(&ept, gpa, K4), FLUSH);
	ck_assert_uint_eq(ept.nr_tables, 1);
	for (i = 0; i < 512; i++)
		ck_assert_uint_eq(ept.root[i], EMPTY);
	/* Part of a split 1G leaf: the hole is empty, the rest mapped. */
	ck_assert_int_eq(altp2m_ept_map(&ept, G1, 0, 3, RWX), 0);
	ck_assert_int_eq(altp2m_ept_unmap(&ept, G1 + M2, K4), FLUSH);
	ck_assert_uint_eq(raw_entry(&ept, G1 + M2), EMPTY);
	ck_assert_uint_eq(xlate(G1 + M2 + K4), M2 + K4);
	check_empty_entries(ept.root, 4);
}
END_TEST

/* A big hierarchy: destroy gives every table back. */
START_TEST(destroy_frees_everything)
{
	unsigned int i;

	for (i = 0; i < 300; i++)
		ck_assert_int_eq(altp2m_ept_map(&ept, i * 0x8040201000ULL, 0,
						1, RWX), 0);
	ck_assert_int_eq(altp2m_ept_map(&ept, 3 * G1, 0, 3, RWX), 0);
	ck_assert_int_eq(altp2m_ept_split(&ept, 3 * G1, 1), 0);
	ck_assert_uint_gt(ept.nr_tables, 300);
	consistent();
	altp2m_ept_destroy(&ept);
	ck_assert_uint_eq(ept.nr_tables, 0);
	ck_assert_uint_eq(pool.allocs, pool.frees);
}
END_TEST

static Suite *ept_suite(void)
{
	Suite *s = suite_create("ept");
	TCase *tc = tcase_create("tables");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, eptp_encoding);
	tcase_add_test(tc, init_and_destroy);
	tcase_add_loop_test(tc, map_lookup_each_level, 1, 4);
	tcase_add_test(tc, nonleaf_entries);
	tcase_add_test(tc, map_flush_reporting);
	tcase_add_loop_test(tc, split_preserves, 0, ARRAY_LEN(split_cases));
	tcase_add_test(tc, split_edge_cases);
	tcase_add_loop_test(tc, map_small_inside_large, 0, 2);
	tcase_add_loop_test(tc, map_large_over_subtree, 0, 2);
	tcase_add_test(tc, unmap_partial_2m_boundary);
	tcase_add_test(tc, unmap_partial_1g_boundary);
	tcase_add_test(tc, unmap_frees_empty_tables);
	tcase_add_test(tc, unmap_bad_ranges);
	tcase_add_test(tc, gpa_limit);
	tcase_add_loop_test(tc, map_rejects, 0, ARRAY_LEN(bad_maps));
	tcase_add_loop_test(tc, map_accepts, 0, ARRAY_LEN(good_attrs));
	tcase_add_test(tc, set_attrs);
	tcase_add_test(tc, walk_order_and_completeness);
	tcase_add_loop_test(tc, enomem_at_each_step, 0, ARRAY_LEN(oom_tables));
	tcase_add_test(tc, destroy_frees_everything);
	tcase_add_test(tc, empty_entries_keep_sve);
	suite_add_tcase(s, tc);
	return s;
}
UNIT_SUITE(ept_suite)
