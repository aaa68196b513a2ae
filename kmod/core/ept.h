/* SPDX-License-Identifier: GPL-2.0 */
/*
 * EPT paging structures in the hardware's format (Intel SDM volume 3C,
 * "The EPT Translation Mechanism"): one 4-level hierarchy mapping guest
 * physical to host physical addresses. A VM has one for the host p2m and
 * one per alternate view.
 *
 * Hardware-independent: tables come from the owner's callbacks (pages in
 * the kernel, aligned_alloc() in the unit tests), and the code never
 * flushes anything itself; it tells the caller when an INVEPT is needed.
 *
 * Locking: every call on one hierarchy, readers (lookup, walk) included,
 * is serialised by the caller (the VM's mmu_lock), because writers free
 * tables. The only concurrent reader is the CPU's page walker: every entry
 * it can reach is written with one WRITE_ONCE, and a new subtree is filled
 * in completely before the single store that links it in, so the walker
 * sees either the old or the new translation, never a table in the making.
 *
 * An entry that maps nothing is never 0 but ALTP2M_EPT_EMPTY, at every
 * level, so that the hierarchy can be used with "EPT-violation #VE"
 * enabled: see its definition below.
 */
#ifndef ALTP2M_CORE_EPT_H
#define ALTP2M_CORE_EPT_H

#include <linux/bits.h>
#include <linux/types.h>

/* Levels: 1 maps 4 KiB (PT), 2 maps 2 MiB (PD), 3 maps 1 GiB (PDPT). */
#define ALTP2M_EPT_LEVELS		4
#define ALTP2M_EPT_ENTRIES		512
#define ALTP2M_EPT_PAGE_SHIFT		12
#define ALTP2M_EPT_GPA_BITS		48

/* Entry bits (SDM tables "Format of an EPT ... Entry"). */
#define ALTP2M_EPT_R			BIT_ULL(0)
#define ALTP2M_EPT_W			BIT_ULL(1)
#define ALTP2M_EPT_X			BIT_ULL(2)
#define ALTP2M_EPT_RWX			(ALTP2M_EPT_R | ALTP2M_EPT_W | \
					 ALTP2M_EPT_X)
#define ALTP2M_EPT_MT_SHIFT		3
#define ALTP2M_EPT_MT_MASK		(7ULL << ALTP2M_EPT_MT_SHIFT)
#define ALTP2M_EPT_MT(type)		((u64)(type) << ALTP2M_EPT_MT_SHIFT)
#define ALTP2M_EPT_IPAT			BIT_ULL(6)
#define ALTP2M_EPT_LARGE		BIT_ULL(7)
#define ALTP2M_EPT_A			BIT_ULL(8)
#define ALTP2M_EPT_D			BIT_ULL(9)
#define ALTP2M_EPT_XU			BIT_ULL(10)
#define ALTP2M_EPT_ADDR_MASK		0x000ffffffffff000ULL
/* Ignored by the CPU in every leaf format: free for the owner's use. */
#define ALTP2M_EPT_SW_SHIFT		52
#define ALTP2M_EPT_SW_MASK		(0x1fULL << ALTP2M_EPT_SW_SHIFT)
#define ALTP2M_EPT_SVE			BIT_ULL(63)

/*
 * The value of every entry that maps nothing, at every level: not present
 * (R = W = X = 0) with suppress-#VE set. With "EPT-violation #VE" on, the
 * CPU turns a violation caused by a not-present entry, at whatever level,
 * into a #VE in the guest when that entry's bit 63 is clear (SDM volume
 * 3C, "Virtualization Exceptions", "Convertible EPT Violations"). With SVE
 * set the access exits instead, and the owner fills the gfn or emulates
 * MMIO; only the owner of a leaf may choose a #VE, on that leaf. Xen
 * (p2m-ept.c: suppress_ve in every new and cleared entry) and KVM (the
 * TDX shadow init value) do the same.
 */
#define ALTP2M_EPT_EMPTY		ALTP2M_EPT_SVE

/* Memory types (the same encoding in EPT leaves and in the EPTP). */
#define ALTP2M_EPT_MT_UC		0
#define ALTP2M_EPT_MT_WC		1
#define ALTP2M_EPT_MT_WT		4
#define ALTP2M_EPT_MT_WP		5
#define ALTP2M_EPT_MT_WB		6

/* The leaf bits altp2m_ept_map() and altp2m_ept_set_attrs() accept. */
#define ALTP2M_EPT_ATTR_MASK		(ALTP2M_EPT_RWX | ALTP2M_EPT_MT_MASK | \
					 ALTP2M_EPT_IPAT | ALTP2M_EPT_A | \
					 ALTP2M_EPT_D | ALTP2M_EPT_XU | \
					 ALTP2M_EPT_SW_MASK | ALTP2M_EPT_SVE)

/* EPTP fields (SDM "Extended-Page-Table Pointer"). */
#define ALTP2M_EPTP_WALK_4		(3ULL << 3)
#define ALTP2M_EPTP_AD			BIT_ULL(6)

/* Positive return of the calls that change a hierarchy: see each one. */
#define ALTP2M_EPT_FLUSH		1

/**
 * struct altp2m_ept_ops - where the tables of a hierarchy come from
 * @alloc_table: return a 4 KiB aligned 4 KiB table and its host physical
 *	address in *@hpa, or NULL when out of memory. Its contents do not
 *	matter: every entry is written (ALTP2M_EPT_EMPTY if nothing else)
 *	before the table is linked
 * @free_table: give back a table that is no longer linked into the
 *	hierarchy. Unless the hierarchy is being destroyed, a CPU may still
 *	hold a cached reference to it until the INVEPT its caller was told
 *	to do (ALTP2M_EPT_FLUSH), and may even read it meanwhile: the
 *	kernel's implementation must not let the page be reused before that
 *	flush (queue it, for example on page->lru, and free after INVEPT),
 *	and must not write to it either.
 * @table_va: the address at which the code can access table @hpa
 * @flush: optional; INVEPT now, on every CPU that may be using the
 *	hierarchy. When set, it is called where the SDM asks for an
 *	invalidation between two writes: replacing a subtree by a large
 *	leaf (the page size and the translation change together) first
 *	clears the entry, then flushes, then installs the leaf. Without it,
 *	the CPU may use either translation until the caller's own INVEPT.
 */
struct altp2m_ept_ops {
	void *(*alloc_table)(void *ctx, u64 *hpa);
	void (*free_table)(void *ctx, void *table, u64 hpa);
	void *(*table_va)(void *ctx, u64 hpa);
	void (*flush)(void *ctx);
};

/**
 * struct altp2m_ept - one EPT hierarchy
 * @ops: table allocation, see struct altp2m_ept_ops
 * @ctx: the owner's argument to @ops
 * @root: the PML4 table; NULL before init and after destroy
 * @root_hpa: its host physical address
 * @nr_tables: tables currently linked in, the root included
 */
struct altp2m_ept {
	const struct altp2m_ept_ops *ops;
	void *ctx;
	u64 *root;
	u64 root_hpa;
	unsigned long nr_tables;
};

/**
 * typedef altp2m_ept_leaf_fn - called by altp2m_ept_walk() for each leaf
 * @arg: the walk's @arg
 * @gpa: first guest physical address the leaf maps (aligned to its size)
 * @level: 1 (4 KiB), 2 (2 MiB) or 3 (1 GiB)
 * @entry: the entry as the hardware sees it
 *
 * Return: 0 to go on, anything else to stop the walk and return it.
 */
typedef int (*altp2m_ept_leaf_fn)(void *arg, u64 gpa, unsigned int level,
				  u64 entry);

/**
 * altp2m_ept_level_shift - log2 of the bytes one entry of a level maps
 * @level: 1 .. ALTP2M_EPT_LEVELS
 *
 * Return: 12, 21, 30 or 39.
 */
static inline unsigned int altp2m_ept_level_shift(unsigned int level)
{
	return ALTP2M_EPT_PAGE_SHIFT + 9 * (level - 1);
}

/**
 * altp2m_ept_level_size - bytes one entry of a level maps
 * @level: 1 .. ALTP2M_EPT_LEVELS
 *
 * Return: 4 KiB, 2 MiB, 1 GiB or 512 GiB.
 */
static inline u64 altp2m_ept_level_size(unsigned int level)
{
	return 1ULL << altp2m_ept_level_shift(level);
}

/**
 * altp2m_ept_present - whether the CPU treats an entry as present
 * @entry: any EPT entry
 *
 * Return: true if any of R, W, X is set; false for ALTP2M_EPT_EMPTY.
 */
static inline bool altp2m_ept_present(u64 entry)
{
	return entry & ALTP2M_EPT_RWX;
}

/**
 * altp2m_ept_clear_table - make every entry of a table empty
 * @table: a table no CPU can reach yet (not linked)
 *
 * Writes ALTP2M_EPT_EMPTY in all ALTP2M_EPT_ENTRIES entries. Plain stores
 * in a simple loop the compiler can vectorise: the table is published
 * later by a single WRITE_ONCE of the entry that links it.
 */
static inline void altp2m_ept_clear_table(u64 *table)
{
	unsigned int i;

	for (i = 0; i < ALTP2M_EPT_ENTRIES; i++)
		table[i] = ALTP2M_EPT_EMPTY;
}

/**
 * altp2m_ept_leaf_hpa - host physical address a leaf gives one address
 * @entry: a present leaf, as from altp2m_ept_lookup()
 * @level: its level
 * @gpa: any guest physical address inside it
 *
 * Return: the translation of @gpa.
 */
static inline u64 altp2m_ept_leaf_hpa(u64 entry, unsigned int level, u64 gpa)
{
	return (entry & ALTP2M_EPT_ADDR_MASK) +
	       (gpa & (altp2m_ept_level_size(level) - 1));
}

int altp2m_ept_init(struct altp2m_ept *ept, const struct altp2m_ept_ops *ops,
		    void *ctx);
void altp2m_ept_destroy(struct altp2m_ept *ept);
u64 altp2m_ept_eptp(const struct altp2m_ept *ept, bool ad);
int altp2m_ept_map(struct altp2m_ept *ept, u64 gpa, u64 hpa,
		   unsigned int level, u64 attrs);
int altp2m_ept_unmap(struct altp2m_ept *ept, u64 gpa, u64 size);
int altp2m_ept_lookup(const struct altp2m_ept *ept, u64 gpa, u64 *entry,
		      unsigned int *level);
int altp2m_ept_split(struct altp2m_ept *ept, u64 gpa, unsigned int level);
int altp2m_ept_set_attrs(struct altp2m_ept *ept, u64 gpa, u64 clear,
			 u64 set);
int altp2m_ept_walk(const struct altp2m_ept *ept, u64 gpa, u64 size,
		    altp2m_ept_leaf_fn fn, void *arg);

#endif /* ALTP2M_CORE_EPT_H */
