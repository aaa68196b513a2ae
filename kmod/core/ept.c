// SPDX-License-Identifier: GPL-2.0
/*
 * EPT paging structures: building, changing and tearing down one 4-level
 * hierarchy in the format the CPU walks. See ept.h for the interface and
 * the locking rules.
 *
 * Three rules shape the code:
 *
 *  - The CPU reads the tables while we change them. Each store the walker
 *    can see is a single WRITE_ONCE of a whole entry, and new tables are
 *    filled in before the one store that links them, so a walk finds the
 *    old translation or the new one, never a half-built subtree.
 *  - The SDM (volume 3A, "Recommended Invalidation"; EPT caches in the same
 *    way) warns against one write that changes both the page size and the
 *    translation of an address. Splitting a large leaf therefore first
 *    publishes smaller leaves with the very same translation; only then is
 *    one of them changed. The opposite direction, a large leaf replacing a
 *    subtree, is done with the owner's flush callback when there is one.
 *  - Every operation that can fail allocates everything it needs before
 *    its first store, so -ENOMEM never leaves a translation changed or a
 *    table behind.
 *  - Nothing is ever cleared to 0: a new table starts with every entry
 *    ALTP2M_EPT_EMPTY and a removed mapping or unlinked table leaves that
 *    value behind, so no not-present entry can turn an access into a #VE.
 *
 * No recursion: walks keep their position in small arrays indexed by
 * level, so the depth is ALTP2M_EPT_LEVELS by construction.
 */
#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>

#include "ept.h"

#define EPT_GPA_LIMIT		BIT_ULL(ALTP2M_EPT_GPA_BITS)
/* A non-leaf entry grants everything so that leaves alone decide access;
 * XU only matters with mode-based execute control and is ignored without.
 */
#define EPT_NONLEAF_BITS	(ALTP2M_EPT_RWX | ALTP2M_EPT_XU)

/* Tables a single operation may have to add: one per level below the root. */
struct ept_new_tables {
	u64 *va[ALTP2M_EPT_LEVELS];
	u64 hpa[ALTP2M_EPT_LEVELS];
};

static unsigned int ept_index(u64 gpa, unsigned int level)
{
	return (gpa >> altp2m_ept_level_shift(level)) & (ALTP2M_EPT_ENTRIES - 1);
}

static u64 ept_align_down(u64 gpa, unsigned int level)
{
	return gpa & ~(altp2m_ept_level_size(level) - 1);
}

/* Only meaningful for a present entry; bit 7 is ignored in a PTE. */
static bool ept_is_leaf(u64 entry, unsigned int level)
{
	return level == 1 || (entry & ALTP2M_EPT_LARGE);
}

static u64 *ept_table(const struct altp2m_ept *ept, u64 entry)
{
	return ept->ops->table_va(ept->ctx, entry & ALTP2M_EPT_ADDR_MASK);
}

/* A new table, every entry empty: the allocator's contents do not count. */
static u64 *ept_alloc(struct altp2m_ept *ept, u64 *hpa)
{
	u64 *table = ept->ops->alloc_table(ept->ctx, hpa);

	if (table) {
		altp2m_ept_clear_table(table);
		ept->nr_tables++;
	}
	return table;
}

static void ept_free(struct altp2m_ept *ept, u64 *table, u64 hpa)
{
	ept->nr_tables--;
	ept->ops->free_table(ept->ctx, table, hpa);
}

/*
 * Whether a leaf's attribute bits are something the CPU accepts: W without
 * R and the reserved memory types 2, 3 and 7 are EPT misconfigurations. An
 * entry without R, W and X is not present, which is what unmap is for.
 * Execute-only depends on the CPU (ALTP2M_CAP_EPT_EXEC_ONLY); the owner
 * checks that.
 */
static bool ept_attrs_ok(u64 attrs)
{
	u64 mt = (attrs & ALTP2M_EPT_MT_MASK) >> ALTP2M_EPT_MT_SHIFT;

	if (attrs & ~ALTP2M_EPT_ATTR_MASK)
		return false;
	if (!(attrs & ALTP2M_EPT_RWX))
		return false;
	if ((attrs & ALTP2M_EPT_W) && !(attrs & ALTP2M_EPT_R))
		return false;
	return mt != 2 && mt != 3 && mt != 7;
}

/*
 * Whether the CPU may hold something about @old that @new makes wrong. It
 * need not be told about a mapping that was not present (not-present
 * entries are never cached) nor about rights only added (a stale, narrower
 * translation faults and the fault drops it). Anything else, clearing A or
 * D included (the CPU would not set them again), wants an INVEPT.
 */
static int ept_needs_flush(u64 old, u64 new)
{
	const u64 same = ALTP2M_EPT_ADDR_MASK | ALTP2M_EPT_MT_MASK |
			 ALTP2M_EPT_IPAT | ALTP2M_EPT_LARGE | ALTP2M_EPT_SVE;
	const u64 kept = ALTP2M_EPT_RWX | ALTP2M_EPT_XU | ALTP2M_EPT_A |
			 ALTP2M_EPT_D;

	if (!altp2m_ept_present(old))
		return 0;
	if (((old ^ new) & same) || (old & ~new & kept))
		return ALTP2M_EPT_FLUSH;
	return 0;
}

/*
 * Descend towards @gpa and return the slot where the walk ends: at level
 * @stop, or higher at an entry that is not present or is a leaf.
 */
static u64 *ept_find(const struct altp2m_ept *ept, u64 gpa, unsigned int stop,
		     unsigned int *level)
{
	unsigned int l = ALTP2M_EPT_LEVELS;
	u64 *table = ept->root;

	for (;;) {
		u64 *slot = &table[ept_index(gpa, l)];
		u64 entry = READ_ONCE(*slot);

		if (l == stop || !altp2m_ept_present(entry) ||
		    ept_is_leaf(entry, l)) {
			*level = l;
			return slot;
		}
		table = ept_table(ept, entry);
		l--;
	}
}

/* Allocate the tables of levels @lo .. @hi - 1, all or none. */
static int ept_alloc_tables(struct altp2m_ept *ept, struct ept_new_tables *t,
			    unsigned int lo, unsigned int hi)
{
	unsigned int k;

	for (k = lo; k < hi; k++) {
		t->va[k] = ept_alloc(ept, &t->hpa[k]);
		if (!t->va[k])
			goto fail;
	}
	return 0;
fail:
	/* Never linked in: the CPU cannot have seen them. */
	while (k-- > lo)
		ept_free(ept, t->va[k], t->hpa[k]);
	return -ENOMEM;
}

/*
 * Fill the unlinked tables of levels @lo .. @hi - 1 as the chain that
 * replaces the entry @old at level @hi on the path to @gpa: each table
 * links the next one at @gpa's index, and when @old is a large leaf every
 * other entry is the piece of @old it covers, same frame, same attributes,
 * so that linking the chain changes no translation. When @old is not
 * present the tables stay empty but for the links.
 */
static void ept_build_chain(struct ept_new_tables *t, u64 old, u64 gpa,
			    unsigned int lo, unsigned int hi)
{
	u64 old_base = ept_align_down(gpa, hi);
	u64 attrs = old & ~(ALTP2M_EPT_ADDR_MASK | ALTP2M_EPT_LARGE);
	u64 frame = old & ALTP2M_EPT_ADDR_MASK;
	unsigned int k, i;

	for (k = lo; k < hi; k++) {
		u64 base = ept_align_down(gpa, k + 1);
		u64 size = altp2m_ept_level_size(k);
		u64 *table = t->va[k];

		if (altp2m_ept_present(old)) {
			u64 piece = frame + (base - old_base);
			u64 bits = attrs | (k > 1 ? ALTP2M_EPT_LARGE : 0);

			for (i = 0; i < ALTP2M_EPT_ENTRIES; i++)
				table[i] = (piece + i * size) | bits;
		}
		if (k > lo)
			table[ept_index(gpa, k)] = t->hpa[k - 1] |
						   EPT_NONLEAF_BITS;
	}
}

/* Link a filled table: its contents must be in memory before the link. */
static void ept_publish(u64 *slot, u64 table_hpa)
{
	barrier();
	WRITE_ONCE(*slot, table_hpa | EPT_NONLEAF_BITS);
}

/*
 * Split the leaf @old in @slot (level @level) into a chain down to level
 * @to with the same translation.
 */
static int ept_expand(struct altp2m_ept *ept, u64 *slot, u64 old,
		      unsigned int level, u64 gpa, unsigned int to)
{
	struct ept_new_tables t;
	int ret;

	ret = ept_alloc_tables(ept, &t, to, level);
	if (ret)
		return ret;
	ept_build_chain(&t, old, gpa, to, level);
	ept_publish(slot, t.hpa[level - 1]);
	return 0;
}

/*
 * Free the table at @hpa (holding entries of @level) and every table below
 * it, children before parents. The subtree must already be unlinked; it is
 * only read, as the CPU may still be walking it until the next INVEPT.
 */
static void ept_free_subtree(struct altp2m_ept *ept, u64 hpa,
			     unsigned int level)
{
	u64 *table[ALTP2M_EPT_LEVELS + 1];
	u64 table_hpa[ALTP2M_EPT_LEVELS + 1];
	unsigned int idx[ALTP2M_EPT_LEVELS + 1];
	unsigned int top = level;

	table[level] = ept->ops->table_va(ept->ctx, hpa);
	table_hpa[level] = hpa;
	idx[level] = 0;
	for (;;) {
		u64 entry;

		if (idx[level] == ALTP2M_EPT_ENTRIES) {
			ept_free(ept, table[level], table_hpa[level]);
			if (level == top)
				return;
			level++;
			idx[level]++;
			continue;
		}
		entry = READ_ONCE(table[level][idx[level]]);
		if (altp2m_ept_present(entry) && !ept_is_leaf(entry, level)) {
			level--;
			table[level] = ept_table(ept, entry);
			table_hpa[level] = entry & ALTP2M_EPT_ADDR_MASK;
			idx[level] = 0;
			continue;
		}
		idx[level]++;
	}
}

static bool ept_table_empty(const u64 *table)
{
	unsigned int i;

	for (i = 0; i < ALTP2M_EPT_ENTRIES; i++)
		if (altp2m_ept_present(READ_ONCE(table[i])))
			return false;
	return true;
}

/**
 * altp2m_ept_init - start an empty hierarchy
 * @ept: the hierarchy
 * @ops: table allocation; alloc_table, free_table and table_va are required
 * @ctx: passed to each of @ops
 *
 * Return: 0, -EINVAL for incomplete @ops or -ENOMEM when the root table
 * cannot be allocated (@ept then needs no destroy, though it may have one).
 */
int altp2m_ept_init(struct altp2m_ept *ept, const struct altp2m_ept_ops *ops,
		    void *ctx)
{
	memset(ept, 0, sizeof(*ept));
	if (!ops || !ops->alloc_table || !ops->free_table || !ops->table_va)
		return -EINVAL;
	ept->ops = ops;
	ept->ctx = ctx;
	ept->root = ept_alloc(ept, &ept->root_hpa);
	return ept->root ? 0 : -ENOMEM;
}

/**
 * altp2m_ept_destroy - free every table of a hierarchy
 * @ept: the hierarchy; no CPU may use it any more (no vCPU has its EPTP
 *	loaded and it was invalidated with INVEPT since it last had)
 *
 * Afterwards @ept holds no table and nr_tables is 0; destroying it again
 * does nothing.
 */
void altp2m_ept_destroy(struct altp2m_ept *ept)
{
	if (!ept->root)
		return;
	ept_free_subtree(ept, ept->root_hpa, ALTP2M_EPT_LEVELS);
	ept->root = NULL;
	ept->root_hpa = 0;
}

/**
 * altp2m_ept_eptp - the EPT pointer that loads a hierarchy
 * @ept: the hierarchy
 * @ad: enable the accessed and dirty flags (only if the CPU has them,
 *	ALTP2M_CAP_EPT_AD)
 *
 * Return: the value for the VMCS EPTP field or an EPTP-list entry:
 * write-back paging structures, a 4-level walk and the root's address.
 */
u64 altp2m_ept_eptp(const struct altp2m_ept *ept, bool ad)
{
	return ept->root_hpa | ALTP2M_EPT_MT_WB | ALTP2M_EPTP_WALK_4 |
	       (ad ? ALTP2M_EPTP_AD : 0);
}

/**
 * altp2m_ept_map - install one leaf
 * @ept: the hierarchy
 * @gpa: first guest physical address, aligned to the leaf's size
 * @hpa: host physical address it maps to, aligned likewise
 * @level: 1 (4 KiB), 2 (2 MiB) or 3 (1 GiB)
 * @attrs: the leaf's other bits, within ALTP2M_EPT_ATTR_MASK: at least
 *	one of R, W, X, never W without R, and a defined memory type
 *
 * Whatever mapped the range before is replaced. A larger leaf around it
 * is split first, keeping the translation of the rest of it; a subtree of
 * smaller mappings where the leaf goes is unlinked and its tables freed.
 *
 * Return: 0 when no CPU can hold a translation the change made wrong,
 * ALTP2M_EPT_FLUSH when the caller must INVEPT before relying on the
 * change (an old mapping was changed or narrowed, or tables were freed),
 * -EINVAL for a bad argument or -ENOMEM, in which case nothing changed.
 */
int altp2m_ept_map(struct altp2m_ept *ept, u64 gpa, u64 hpa,
		   unsigned int level, u64 attrs)
{
	struct ept_new_tables t;
	unsigned int at;
	u64 *slot, *target, old, new, piece;
	int ret;

	if (level < 1 || level > 3 || gpa >= EPT_GPA_LIMIT)
		return -EINVAL;
	if ((gpa | hpa) & (altp2m_ept_level_size(level) - 1) ||
	    hpa & ~ALTP2M_EPT_ADDR_MASK || !ept_attrs_ok(attrs))
		return -EINVAL;
	new = hpa | attrs | (level > 1 ? ALTP2M_EPT_LARGE : 0);

	slot = ept_find(ept, gpa, level, &at);
	old = READ_ONCE(*slot);
	if (at == level) {
		if (!altp2m_ept_present(old) || ept_is_leaf(old, at)) {
			WRITE_ONCE(*slot, new);
			return ept_needs_flush(old, new);
		}
		/* A subtree: see struct altp2m_ept_ops.flush. */
		if (ept->ops->flush) {
			WRITE_ONCE(*slot, ALTP2M_EPT_EMPTY);
			ept->ops->flush(ept->ctx);
		}
		WRITE_ONCE(*slot, new);
		ept_free_subtree(ept, old & ALTP2M_EPT_ADDR_MASK, at - 1);
		return ALTP2M_EPT_FLUSH;
	}

	/* Nothing or a larger leaf at @at: a chain of tables goes there. */
	ret = ept_alloc_tables(ept, &t, level, at);
	if (ret)
		return ret;
	ept_build_chain(&t, old, gpa, level, at);
	target = &t.va[level][ept_index(gpa, level)];
	if (!altp2m_ept_present(old)) {
		*target = new;
		ept_publish(slot, t.hpa[at - 1]);
		return 0;
	}
	/* Same translation at a smaller size first, then the new leaf. */
	ept_publish(slot, t.hpa[at - 1]);
	piece = READ_ONCE(*target);
	WRITE_ONCE(*target, new);
	return ept_needs_flush(piece, new);
}

/* Whether [@gpa, @gpa + @size) is a non-empty page-aligned range in reach. */
static bool ept_range_ok(u64 gpa, u64 size)
{
	u64 mask = altp2m_ept_level_size(1) - 1;

	return size && !((gpa | size) & mask) && gpa < EPT_GPA_LIMIT &&
	       size <= EPT_GPA_LIMIT - gpa;
}

/* Make sure no leaf spans @gpa: split the one around it just enough. */
static int ept_split_at(struct altp2m_ept *ept, u64 gpa)
{
	unsigned int level, to;
	u64 *slot, entry;

	if (gpa == EPT_GPA_LIMIT)
		return 0;
	slot = ept_find(ept, gpa, 1, &level);
	entry = READ_ONCE(*slot);
	if (!altp2m_ept_present(entry) || gpa == ept_align_down(gpa, level))
		return 0;
	for (to = level - 1; gpa != ept_align_down(gpa, to); to--)
		;
	return ept_expand(ept, slot, entry, level, gpa, to);
}

/**
 * altp2m_ept_unmap - remove every mapping of a range
 * @ept: the hierarchy
 * @gpa: start, page aligned
 * @size: bytes, page aligned, not 0; @gpa + @size at most 2^48
 *
 * Large leaves that straddle an end of the range are split first so that
 * the part outside stays mapped. Tables left without a present entry are
 * unlinked and freed (the root excepted), so a hierarchy never holds empty
 * tables for long.
 *
 * Return: ALTP2M_EPT_FLUSH if anything was removed or freed (the caller
 * must INVEPT before relying on it, or before freeing what was mapped), 0
 * if the range held nothing, -EINVAL for a bad range, or -ENOMEM when a
 * split failed: then nothing was removed, though a large leaf at one end
 * may have become a table of smaller leaves with the same translation.
 */
int altp2m_ept_unmap(struct altp2m_ept *ept, u64 gpa, u64 size)
{
	u64 *table[ALTP2M_EPT_LEVELS + 1], table_hpa[ALTP2M_EPT_LEVELS + 1];
	u64 *parent[ALTP2M_EPT_LEVELS + 1], table_end[ALTP2M_EPT_LEVELS + 1];
	unsigned int level = ALTP2M_EPT_LEVELS;
	u64 end = gpa + size, addr = gpa;
	int ret = 0;

	if (!ept_range_ok(gpa, size))
		return -EINVAL;
	ret = ept_split_at(ept, gpa);
	if (!ret)
		ret = ept_split_at(ept, end);
	if (ret)
		return ret;

	/* From here on no leaf crosses either end of the range. */
	table[level] = ept->root;
	for (;;) {
		u64 base, next, entry, *slot;

		if (level < ALTP2M_EPT_LEVELS &&
		    (addr >= end || addr >= table_end[level])) {
			if (ept_table_empty(table[level])) {
				WRITE_ONCE(*parent[level], ALTP2M_EPT_EMPTY);
				ept_free(ept, table[level], table_hpa[level]);
				ret = ALTP2M_EPT_FLUSH;
			}
			level++;
			continue;
		}
		if (addr >= end)
			break;
		base = ept_align_down(addr, level);
		next = base + altp2m_ept_level_size(level);
		slot = &table[level][ept_index(addr, level)];
		entry = READ_ONCE(*slot);
		if (!altp2m_ept_present(entry)) {
			addr = next;
		} else if (ept_is_leaf(entry, level)) {
			WRITE_ONCE(*slot, ALTP2M_EPT_EMPTY);
			ret = ALTP2M_EPT_FLUSH;
			addr = next;
		} else if (base >= gpa && next <= end) {
			/* All of it goes: unlink it with one store. */
			WRITE_ONCE(*slot, ALTP2M_EPT_EMPTY);
			ept_free_subtree(ept, entry & ALTP2M_EPT_ADDR_MASK,
					 level - 1);
			ret = ALTP2M_EPT_FLUSH;
			addr = next;
		} else {
			level--;
			table[level] = ept_table(ept, entry);
			table_hpa[level] = entry & ALTP2M_EPT_ADDR_MASK;
			parent[level] = slot;
			table_end[level] = next;
		}
	}
	return ret;
}

/**
 * altp2m_ept_lookup - the leaf that maps an address
 * @ept: the hierarchy
 * @gpa: any guest physical address below 2^48
 * @entry: set to the leaf, as the hardware sees it
 * @level: set to its level (1, 2 or 3)
 *
 * Return: 0, -ENOENT if nothing maps @gpa or -EINVAL if it is out of reach;
 * @entry and @level are only written on success.
 */
int altp2m_ept_lookup(const struct altp2m_ept *ept, u64 gpa, u64 *entry,
		      unsigned int *level)
{
	unsigned int at;
	u64 *slot, e;

	if (gpa >= EPT_GPA_LIMIT)
		return -EINVAL;
	slot = ept_find(ept, gpa, 1, &at);
	e = READ_ONCE(*slot);
	if (!altp2m_ept_present(e))
		return -ENOENT;
	*entry = e;
	*level = at;
	return 0;
}

/**
 * altp2m_ept_split - make the leaf mapping an address small enough
 * @ept: the hierarchy
 * @gpa: any guest physical address the leaf maps
 * @level: the largest level the leaf may have afterwards (1 .. 3)
 *
 * The leaf holding @gpa is replaced by a table of leaves one level down,
 * repeatedly until the one holding @gpa is at @level or below; so passing
 * its current level minus one splits it once. Every address keeps its
 * translation and attributes, which is why no INVEPT is needed.
 *
 * Return: 0 (also when the leaf is already small enough), -ENOENT if
 * nothing maps @gpa, -EINVAL for a bad argument, or -ENOMEM with nothing
 * changed.
 */
int altp2m_ept_split(struct altp2m_ept *ept, u64 gpa, unsigned int level)
{
	unsigned int at;
	u64 *slot, entry;

	if (level < 1 || level > 3 || gpa >= EPT_GPA_LIMIT)
		return -EINVAL;
	slot = ept_find(ept, gpa, 1, &at);
	entry = READ_ONCE(*slot);
	if (!altp2m_ept_present(entry))
		return -ENOENT;
	if (at <= level)
		return 0;
	return ept_expand(ept, slot, entry, at, gpa, level);
}

/**
 * altp2m_ept_set_attrs - change the attribute bits of one leaf
 * @ept: the hierarchy
 * @gpa: any guest physical address the leaf maps; the whole leaf changes,
 *	so split it first to change one page of a large one
 * @clear: bits to clear, within ALTP2M_EPT_ATTR_MASK
 * @set: bits to set then, within ALTP2M_EPT_ATTR_MASK
 *
 * The result must be valid as for altp2m_ept_map(); in particular it
 * cannot take R, W and X all away (that is altp2m_ept_unmap()).
 *
 * Hardware A/D updates that race with the change may be lost, as with any
 * replacement of an entry by a plain store.
 *
 * Return: 0, ALTP2M_EPT_FLUSH when rights, A/D, the memory type, IPAT or
 * SVE were taken away or changed (INVEPT before relying on it), -ENOENT if
 * nothing maps @gpa, or -EINVAL with nothing changed.
 */
int altp2m_ept_set_attrs(struct altp2m_ept *ept, u64 gpa, u64 clear, u64 set)
{
	unsigned int at;
	u64 *slot, old, new;

	if (gpa >= EPT_GPA_LIMIT || (clear | set) & ~ALTP2M_EPT_ATTR_MASK)
		return -EINVAL;
	slot = ept_find(ept, gpa, 1, &at);
	old = READ_ONCE(*slot);
	if (!altp2m_ept_present(old))
		return -ENOENT;
	new = (old & ~clear) | set;
	if (!ept_attrs_ok(new & ALTP2M_EPT_ATTR_MASK))
		return -EINVAL;
	WRITE_ONCE(*slot, new);
	return ept_needs_flush(old, new);
}

/**
 * altp2m_ept_walk - call a function for each present leaf in a range
 * @ept: the hierarchy; @fn must not change it
 * @gpa: start, page aligned
 * @size: bytes, page aligned, not 0; @gpa + @size at most 2^48
 * @fn: called once per present leaf that overlaps the range, in ascending
 *	address order, with the leaf's own start and level (a large leaf
 *	may begin before @gpa or end after the range)
 * @arg: passed to @fn
 *
 * Return: 0 after the whole range, the first non-zero value @fn returned,
 * or -EINVAL for a bad range.
 */
int altp2m_ept_walk(const struct altp2m_ept *ept, u64 gpa, u64 size,
		    altp2m_ept_leaf_fn fn, void *arg)
{
	const u64 *table[ALTP2M_EPT_LEVELS + 1];
	u64 table_end[ALTP2M_EPT_LEVELS + 1];
	unsigned int level = ALTP2M_EPT_LEVELS;
	u64 end = gpa + size, addr = gpa;
	int ret;

	if (!ept_range_ok(gpa, size))
		return -EINVAL;
	table[level] = ept->root;
	for (;;) {
		u64 base, next, entry;

		if (level < ALTP2M_EPT_LEVELS &&
		    (addr >= end || addr >= table_end[level])) {
			level++;
			continue;
		}
		if (addr >= end)
			return 0;
		base = ept_align_down(addr, level);
		next = base + altp2m_ept_level_size(level);
		entry = READ_ONCE(table[level][ept_index(addr, level)]);
		if (!altp2m_ept_present(entry)) {
			addr = next;
		} else if (ept_is_leaf(entry, level)) {
			ret = fn(arg, base, level, entry);
			if (ret)
				return ret;
			addr = next;
		} else {
			level--;
			table[level] = ept_table(ept, entry);
			table_end[level] = next;
		}
	}
}
