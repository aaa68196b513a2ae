// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark of the views engine (kmod/core/view*.c), built in userspace
 * from the module's own sources with the unit tests' kernel shims. It
 * prints figures only; nothing here is a pass/fail test.
 *
 * The fake host is 4 GiB of guest RAM at gfn 0. Its frames are scattered
 * (neighbours swapped), so every mapping is 4 KiB and a set-access over
 * 1M gfns really edits 1M entries; the memset baseline writes the same
 * number of 8-byte entries. A second, 2 MiB-capable host is used for the
 * page-table memory of a view mapped with 2 MiB leaves.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../kmod/core/view.h"

#define NGFNS		(1ULL << 20)	/* 4 GiB of 4 KiB frames */
#define REPEAT		5

static int big_frames;			/* 2 MiB-capable host */
static unsigned long tables_live, tables_peak, flushes;

/*
 * Tables come from 2 MiB chunks with a free list, as pages come from the
 * kernel's page allocator; glibc's aligned_alloc() would dominate the
 * figures otherwise.
 */
#define CHUNK		(2UL << 20)

static void *free_list;

static void *b_alloc(void *ctx, unsigned int view, u64 *hpa)
{
	static char *chunk;
	static size_t used = CHUNK;
	void *t;

	(void)ctx;
	(void)view;
	if (free_list) {
		t = free_list;
		free_list = *(void **)t;
	} else {
		if (used == CHUNK) {
			chunk = aligned_alloc(CHUNK, CHUNK);
			if (!chunk)
				return NULL;
			used = 0;
		}
		t = chunk + used;
		used += 4096;
	}
	memset(t, 0, 4096);
	*hpa = (u64)(uintptr_t)t;
	if (++tables_live > tables_peak)
		tables_peak = tables_live;
	return t;
}

/* Freed at once: no CPU walks these tables. */
static void b_free(void *ctx, unsigned int view, void *table, u64 hpa)
{
	(void)ctx;
	(void)view;
	(void)hpa;
	tables_live--;
	*(void **)table = free_list;
	free_list = table;
}

static void *b_va(void *ctx, u64 hpa)
{
	(void)ctx;
	return (void *)(uintptr_t)hpa;
}

static int b_host_frame(void *ctx, u64 gfn, u64 *hpa, unsigned int *max_level)
{
	(void)ctx;
	if (gfn >= NGFNS)
		return -ENOENT;
	if (big_frames) {
		*hpa = 0x100000000ULL + (gfn << 12);
		*max_level = 2;
	} else {
		*hpa = 0x100000000ULL + ((gfn ^ 1) << 12);
	}
	return 0;
}

static void b_flush(void *ctx, unsigned int view)
{
	(void)ctx;
	(void)view;
	flushes++;
}

static const struct altp2m_views_ops ops = {
	.alloc_table = b_alloc,
	.free_table = b_free,
	.table_va = b_va,
	.host_frame = b_host_frame,
	.flush_view = b_flush,
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void must(int ret, const char *what)
{
	if (ret < 0) {
		fprintf(stderr, "view_bench: %s failed: %d\n", what, ret);
		exit(1);
	}
}

static u64 rng = 0x9e3779b97f4a7c15ULL;

static u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Best and median of REPEAT timings, in ns. */
struct fig {
	double best, median;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static struct fig fig_of(double *t)
{
	struct fig f;

	qsort(t, REPEAT, sizeof(*t), cmp_double);
	f.best = t[0];
	f.median = t[REPEAT / 2];
	return f;
}

/* The same entry as every loop below prints it. */
static void print_fig(const char *what, struct fig f, u64 n)
{
	printf("%-58s %7.2f ns/gfn  (median %.2f; %.2f ms)\n", what,
	       f.best / n, f.median / n, f.best / 1e6);
}

/*
 * Baselines over @n 8-byte entries in one buffer, in ns: a plain memset,
 * and the loop an edit needs at least (load each entry, change bits, store
 * it back) without anything the engine does besides. Warmed (faulted in
 * and written once), then REPEAT runs of each.
 */
static struct fig memset_ns(u64 n, struct fig *rmw)
{
	u64 *buf = aligned_alloc(4096, n * 8), i;
	double tm[REPEAT], tr[REPEAT], t;
	int k;

	if (!buf)
		exit(1);
	memset(buf, 1, n * 8);	/* fault it in first */
	for (k = 0; k < REPEAT; k++) {
		t = now();
		memset(buf, k & 1 ? 0x11 : 0x22, n * 8);
		__asm__ __volatile__("" : : "r"(buf) : "memory");
		tm[k] = now() - t;
		t = now();
		for (i = 0; i < n; i++) {
			volatile u64 *e = &buf[i];

			*e = (*e & ~6ULL) | (k & 1 ? 2 : 4);
		}
		tr[k] = now() - t;
	}
	free(buf);
	*rmw = fig_of(tr);
	return fig_of(tm);
}

/*
 * The same load-modify-store over view @v's own leaves, its page tables:
 * in gfn order (*@seq), and in the order of the list @gfns with the
 * engine's prefetch distance (returned). What the scattered table pages
 * and the random order cost any loop over them, the engine's work aside.
 * For information; the ratio the issue names is against the buffer above.
 */
static struct fig rmw_view_ns(struct altp2m_views *vs, unsigned int v,
			      const u64 *gfns, struct fig *seq)
{
	u64 **pt = malloc(NGFNS / 512 * sizeof(*pt)), b, i;
	double tr[REPEAT], tl[REPEAT], t;
	unsigned int l;
	int k;

	if (!pt)
		exit(1);
	for (b = 0; b < NGFNS / 512; b++) {
		u64 *table = vs->view[v]->ept.root;

		for (l = 4; l > 1; l--) {
			u64 e = table[(b << 9 >> (9 * (l - 1))) & 511];

			table = (u64 *)(uintptr_t)(e & ALTP2M_EPT_ADDR_MASK);
		}
		pt[b] = table;
	}
	/* Bits 59-61, which no leaf uses, are flipped: no harm. */
	for (k = 0; k < REPEAT; k++) {
		t = now();
		for (b = 0; b < NGFNS / 512; b++)
			for (i = 0; i < 512; i++) {
				volatile u64 *e = &pt[b][i];

				*e ^= 1ULL << 59 << (k % 3);
			}
		tr[k] = now() - t;
		t = now();
		for (i = 0; i < NGFNS; i++) {
			volatile u64 *e = &pt[gfns[i] >> 9][gfns[i] & 511];

			if (i + 16 < NGFNS)
				__builtin_prefetch(&pt[gfns[i + 16] >> 9]
						      [gfns[i + 16] & 511], 1);
			*e ^= 1ULL << 59 << (k % 3);
		}
		tl[k] = now() - t;
	}
	for (b = 0; b < NGFNS / 512; b++)
		for (i = 0; i < 512; i++)
			pt[b][i] &= ~(7ULL << 59);
	free(pt);
	*seq = fig_of(tr);
	return fig_of(tl);
}

static void init(struct altp2m_views *vs, unsigned int max)
{
	must(altp2m_views_init(vs, &ops, NULL, 0), "init");
	must(altp2m_views_enable(vs, max), "enable");
}

/* Alternated so that every call really changes every gfn. */
static const u8 acc[2] = { ALTP2M_ACCESS_R, ALTP2M_ACCESS_RW };

/* Set-access over all NGFNS gfns of view @v, REPEAT calls, in ns. */
static struct fig range_ns(struct altp2m_views *vs, unsigned int v)
{
	double t[REPEAT];
	int k;

	for (k = 0; k < REPEAT; k++) {
		t[k] = now();
		must(altp2m_views_set_access_range(vs, v, 0, NGFNS,
						   acc[k & 1]), "range");
		t[k] = now() - t[k];
	}
	return fig_of(t);
}

/* Which figures to measure: "all" (the default), "first", "contig", ... */
static const char *only = "all";

static int want(const char *what)
{
	return !strcmp(only, "all") || !strcmp(only, what);
}

static void set_access_figures(struct fig ms, struct fig rmw)
{
	struct fig first = { 0 }, contig = { 0 }, list = { 0 }, own, own_list;
	struct altp2m_views vs;
	double t[REPEAT];
	unsigned int v;
	u64 *gfns, i, f0;
	u8 *access;
	int k;

	/*
	 * First call on fresh engines: fills view 0 and the view too. Tables
	 * come back from the previous round's free list, so all but the
	 * first round are warm, as a kernel's page allocator would be.
	 */
	for (k = 0; k < (want("first") ? REPEAT : 1); k++) {
		if (k)
			altp2m_views_destroy(&vs);
		init(&vs, 0);
		must(altp2m_views_create(&vs, ALTP2M_ACCESS_RWX, &v),
		     "create");
		t[k] = now();
		must(altp2m_views_set_access_range(&vs, v, 0, NGFNS,
						   ALTP2M_ACCESS_RX), "range");
		t[k] = now() - t[k];
	}
	if (want("first")) {
		first = fig_of(t);
		print_fig("set-access, 1M contiguous gfns, one call, first "
			  "touch", first, NGFNS);
		printf("    (fills view 0 and the view: %lu tables each)\n",
		       vs.view[v]->ept.nr_tables);
	}
	f0 = vs.stats.flushes;

	if (want("contig")) {
		contig = range_ns(&vs, v);
		print_fig("set-access, 1M contiguous gfns, one call:", contig,
			  NGFNS);
	}

	gfns = malloc(NGFNS * sizeof(*gfns));
	access = malloc(NGFNS);
	if (!gfns || !access)
		exit(1);
	for (i = 0; i < NGFNS; i++)
		gfns[i] = i;
	for (i = NGFNS - 1; i > 0; i--) {
		u64 j = rnd() % (i + 1), tmp = gfns[i];

		gfns[i] = gfns[j];
		gfns[j] = tmp;
	}
	for (k = 0; want("random") && k < REPEAT; k++) {
		memset(access, acc[k & 1], NGFNS);
		t[k] = now();
		must(altp2m_views_set_access_list(&vs, v, gfns, access, NGFNS),
		     "list");
		t[k] = now() - t[k];
	}
	if (want("random")) {
		list = fig_of(t);
		print_fig("set-access, 1M random gfns (a permutation), one "
			  "list:", list, NGFNS);
	}
	if (strcmp(only, "all"))
		goto out;
	own_list = rmw_view_ns(&vs, v, gfns, &own);
	printf("%-58s %7.2f ns/entry (median %.2f)\n",
	       "memset of 1M 8-byte entries (8 MiB):", ms.best / NGFNS,
	       ms.median / NGFNS);
	printf("%-58s %7.2f ns/entry (median %.2f)\n",
	       "plain load-modify-store of 1M 8-byte entries:",
	       rmw.best / NGFNS, rmw.median / NGFNS);
	printf("%-58s %7.2f ns/entry (median %.2f)\n",
	       "the same over the view's own 1M leaves (its page tables):",
	       own.best / NGFNS, own.median / NGFNS);
	printf("%-58s %7.2f ns/entry (median %.2f)\n",
	       "the same in the random list's order, prefetching:",
	       own_list.best / NGFNS, own_list.median / NGFNS);
	printf("ratio set-access / memset: contiguous %.1fx, random %.1fx\n",
	       contig.best / ms.best, list.best / ms.best);
	printf("flushes for those %d calls: %llu (one per call that took a "
	       "right away from present entries, none for the others)\n",
	       2 * REPEAT, (unsigned long long)(vs.stats.flushes - f0));

	/* Page-table memory of a view that maps 4 GiB in 4 KiB leaves. */
	printf("page tables, view mapping 4 GiB with 4 KiB leaves: %llu "
	       "tables, %.1f MiB (%.2f%% of the RAM mapped)\n",
	       (unsigned long long)vs.view[v]->ept.nr_tables,
	       vs.view[v]->ept.nr_tables * 4096.0 / (1 << 20),
	       vs.view[v]->ept.nr_tables * 4096.0 * 100 / (NGFNS * 4096.0));
	printf("\nthe bulk path's figures of issue 18 (best of %d runs, the "
	       "median in brackets):\n", REPEAT);
	printf("  contiguous set-access / plain load-modify-store: %5.2fx "
	       "(%.2fx)   goal: within 2x\n", contig.best / rmw.best,
	       contig.median / rmw.median);
	printf("  random list set-access:                          %5.2f "
	       "ns/gfn (%.2f)   goal: within 25\n", list.best / NGFNS,
	       list.median / NGFNS);
	printf("  first touch (fills view 0 and the view):         %5.2f "
	       "ns/gfn (%.2f)   goal: under 20\n\n", first.best / NGFNS,
	       first.median / NGFNS);
out:
	free(gfns);
	free(access);
	altp2m_views_destroy(&vs);
	if (strcmp(only, "all"))
		return;

	/* The same with 2 MiB leaves. */
	big_frames = 1;
	init(&vs, 0);
	must(altp2m_views_create(&vs, ALTP2M_ACCESS_RWX, &v), "create");
	contig = range_ns(&vs, v);
	printf("page tables, view mapping 4 GiB with 2 MiB leaves: %llu "
	       "tables, %.1f KiB; set-access over it: %.3f ns/gfn\n",
	       (unsigned long long)vs.view[v]->ept.nr_tables,
	       vs.view[v]->ept.nr_tables * 4.0, contig.best / NGFNS);
	altp2m_views_destroy(&vs);
	big_frames = 0;
}

static void creation_figures(void)
{
	struct altp2m_views vs;
	unsigned int i, v;
	double t, d;

	init(&vs, ALTP2M_VIEWS_MAX);
	t = now();
	for (i = 1; i < ALTP2M_VIEWS_MAX; i++)
		must(altp2m_views_create(&vs, ALTP2M_ACCESS_RWX, &v),
		     "create");
	t = now() - t;
	d = now();
	for (i = 1; i < ALTP2M_VIEWS_MAX; i++)
		must(altp2m_views_destroy_view(&vs, i), "destroy");
	d = now() - d;
	printf("view creation: %.0f ns per view (511 views), destruction of "
	       "an empty view: %.0f ns\n", t / (ALTP2M_VIEWS_MAX - 1),
	       d / (ALTP2M_VIEWS_MAX - 1));
	altp2m_views_destroy(&vs);
}

/*
 * Propagation: @nviews - 1 views, each holding 16K gfns of its own window
 * and gfn 0. Then: view-0 set-access on gfn 0 (reaches every view),
 * view-0 set-access over all 1M gfns, and a host unmap of 64K gfns.
 */
#define WINDOW		(16ULL << 10)

static void propagation_figures(unsigned int nviews)
{
	struct altp2m_views vs;
	unsigned long f0;
	unsigned int i, v;
	double t;
	u64 base, held = 0;
	int k;

	init(&vs, nviews);
	for (i = 1; i < nviews; i++) {
		must(altp2m_views_create(&vs, ALTP2M_ACCESS_RWX, &v), "create");
		base = ((u64)i * 2048) % (NGFNS - WINDOW);
		must(altp2m_views_set_access_range(&vs, v, base, WINDOW,
						   ALTP2M_ACCESS_RWX), "fill");
		must(altp2m_views_set_access(&vs, v, 0, ALTP2M_ACCESS_RWX),
		     "fill 0");
		held += vs.view[v]->nr_pages;
	}
	/* View 0 holds everything. */
	must(altp2m_views_set_access_range(&vs, 0, 0, NGFNS,
					   ALTP2M_ACCESS_RWX), "fill host");

	f0 = flushes;
	t = now();
	for (k = 0; k < 1000; k++)
		must(altp2m_views_set_access(&vs, 0, 0, k & 1 ?
					     ALTP2M_ACCESS_RWX :
					     ALTP2M_ACCESS_R), "one");
	t = now() - t;
	printf("%3u views: view-0 set-access of one gfn all views hold: "
	       "%.2f us per call (%.1f ns per view), %lu flushes per "
	       "restricting call\n", nviews, t / 1000 / 1e3, t / 1000 / nviews,
	       (flushes - f0) / 500);

	f0 = flushes;
	t = now();
	must(altp2m_views_set_access_range(&vs, 0, 0, NGFNS, ALTP2M_ACCESS_R),
	     "range");
	t = now() - t;
	printf("%3u views: view-0 set-access over 1M gfns (views hold %llu "
	       "of them): %.2f ms, %.2f ns per gfn, %lu flushes\n", nviews,
	       (unsigned long long)held, t / 1e6, t / NGFNS, flushes - f0);

	f0 = flushes;
	t = now();
	altp2m_views_host_unmap(&vs, 0, 64 << 10);
	t = now() - t;
	printf("%3u views: host unmap of 64K gfns: %.2f ms, %.1f ns per gfn, "
	       "%lu flushes\n", nviews, t / 1e6, t / (64 << 10), flushes - f0);
	altp2m_views_destroy(&vs);
}

/*
 * view_bench [all | first | contig | random | views]: every figure (the
 * default), or only one of the bulk path's or those of many views, for a
 * profiler.
 */
int main(int argc, char **argv)
{
	struct fig rmw, ms;

	if (argc > 1)
		only = argv[1];
	if (argc > 2 || (!want("first") && !want("contig") &&
			 !want("random") && !want("views"))) {
		fprintf(stderr, "usage: view_bench [all|first|contig|random|"
			"views]\n");
		return 2;
	}
	ms = memset_ns(NGFNS, &rmw);
	printf("altp2m view engine benchmark (userspace, -O2; figures only)\n");
	if (strcmp(only, "views"))
		set_access_figures(ms, rmw);
	if (want("views")) {
		creation_figures();
		propagation_figures(10);
		propagation_figures(ALTP2M_VIEWS_MAX);
	}
	printf("tables allocated at peak: %lu (%.1f MiB)\n", tables_peak,
	       tables_peak * 4096.0 / (1 << 20));
	return tables_live ? 1 : 0;
}
