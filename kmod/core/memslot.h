/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest memory regions (ALTP2M_SET_MEMORY_REGION, with the semantics of
 * KVM_SET_USER_MEMORY_REGION): which guest frames are backed by which
 * range of the VM owner's address space.
 *
 * Hardware-independent: validation and lookup only. The kernel glue checks
 * the userspace range itself (access_ok), owns the slot structures, pins
 * pages and keeps what it needs in @priv, and serialises changes against
 * lookups (see struct altp2m_vm.slots).
 */
#ifndef ALTP2M_CORE_MEMSLOT_H
#define ALTP2M_CORE_MEMSLOT_H

#include <linux/types.h>
#include <linux/altp2m.h>

#define ALTP2M_MEMSLOT_PAGE_SHIFT	12

/**
 * enum altp2m_memslot_change - what a valid memory-region request does
 * @ALTP2M_MEMSLOT_NONE: the slot exists exactly as asked; nothing to do
 * @ALTP2M_MEMSLOT_CREATE: a new slot
 * @ALTP2M_MEMSLOT_DELETE: size 0 on an existing slot
 * @ALTP2M_MEMSLOT_MOVE: an existing slot gets another guest address, the
 *	same size and userspace address
 */
enum altp2m_memslot_change {
	ALTP2M_MEMSLOT_NONE,
	ALTP2M_MEMSLOT_CREATE,
	ALTP2M_MEMSLOT_DELETE,
	ALTP2M_MEMSLOT_MOVE,
};

/**
 * struct altp2m_memslot - one guest memory region
 * @id: its slot number, its index in struct altp2m_memslots
 * @base_gfn: first guest frame
 * @npages: number of 4 KiB frames, never 0
 * @userspace_addr: where @base_gfn is in the owner's address space
 * @flags: the region's flags (none are defined yet)
 * @priv: the owner's data, e.g. the pinned pages
 */
struct altp2m_memslot {
	u32 id;
	u64 base_gfn;
	u64 npages;
	u64 userspace_addr;
	u32 flags;
	void *priv;
};

/**
 * struct altp2m_memslots - the memory regions of a VM
 * @slot: indexed by slot number; NULL means unused
 */
struct altp2m_memslots {
	struct altp2m_memslot *slot[ALTP2M_MAX_MEM_SLOTS];
};

/**
 * altp2m_memslot_hva - userspace address of a frame inside a slot
 * @m: the slot
 * @gfn: a frame it holds (base_gfn <= @gfn < base_gfn + npages)
 *
 * Return: the address of the frame's first byte.
 */
static inline u64 altp2m_memslot_hva(const struct altp2m_memslot *m, u64 gfn)
{
	return m->userspace_addr +
	       ((gfn - m->base_gfn) << ALTP2M_MEMSLOT_PAGE_SHIFT);
}

int altp2m_memslot_check(const struct altp2m_memslots *s,
			 const struct altp2m_memory_region *r,
			 unsigned int gpa_bits,
			 enum altp2m_memslot_change *change);
void altp2m_memslot_set(struct altp2m_memslot *m,
			const struct altp2m_memory_region *r);
struct altp2m_memslot *altp2m_memslot_find(const struct altp2m_memslots *s,
					   u64 gfn);
int altp2m_memslot_gfn_to_hva(const struct altp2m_memslots *s, u64 gfn,
			      u64 *hva);

#endif /* ALTP2M_CORE_MEMSLOT_H */
