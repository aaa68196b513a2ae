// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory regions: validating ALTP2M_SET_MEMORY_REGION and finding
 * the region of a guest frame. See memslot.h.
 *
 * The rules are KVM's (virt/kvm/kvm_main.c, __kvm_set_memory_region), so
 * that a VMM written for KVM behaves the same here: everything is checked
 * before anything is classified, an existing slot can only be deleted,
 * moved or set again unchanged, and only a range that appears (create or
 * move) is checked for overlap.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/altp2m.h>

#include "memslot.h"

#define MEMSLOT_PAGE_MASK	(BIT_ULL(ALTP2M_MEMSLOT_PAGE_SHIFT) - 1)

/* Whether another slot than @except holds any frame of the range. */
static bool memslot_overlaps(const struct altp2m_memslots *s, u32 except,
			     u64 base_gfn, u64 npages)
{
	unsigned int i;

	for (i = 0; i < ALTP2M_MAX_MEM_SLOTS; i++) {
		const struct altp2m_memslot *m = s->slot[i];

		if (!m || i == except)
			continue;
		if (base_gfn < m->base_gfn + m->npages &&
		    m->base_gfn < base_gfn + npages)
			return true;
	}
	return false;
}

/* The checks that do not depend on the existing slots. */
static int memslot_check_region(const struct altp2m_memory_region *r,
				unsigned int gpa_bits)
{
	u64 gpa = r->guest_phys_addr, size = r->memory_size;
	unsigned int i;

	if (r->flags)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(r->reserved); i++)
		if (r->reserved[i])
			return -EINVAL;
	if (r->slot >= ALTP2M_MAX_MEM_SLOTS)
		return -EINVAL;
	if ((gpa | size | r->userspace_addr) & MEMSLOT_PAGE_MASK)
		return -EINVAL;
	if (gpa + size < gpa || r->userspace_addr + size < r->userspace_addr)
		return -EINVAL;
	/*
	 * Before the width: whatever the CPU, a region this large is refused
	 * for what it would cost (its page array) before anything else.
	 */
	if (size > ALTP2M_MAX_MEMORY_SIZE)
		return -E2BIG;
	if (gpa_bits < 64 && gpa + size > BIT_ULL(gpa_bits))
		return -EINVAL;
	return 0;
}

/**
 * altp2m_memslot_check - validate and classify a memory-region request
 * @s: the VM's current slots
 * @r: the request, as copied from userspace
 * @gpa_bits: width of the guest physical address space; the region must
 *	end at or below 2^@gpa_bits (64 or more: no limit beyond overflow)
 * @change: set to what the request does, on success only
 *
 * Nothing is changed: the caller carries the request out, typically with
 * altp2m_memslot_set() on a new or the existing slot.
 *
 * Return: 0; -EINVAL for flags or reserved fields that are not 0, a slot
 * number out of range, a misaligned or overflowing range, one beyond
 * @gpa_bits, deleting a slot that does not exist, or changing an existing
 * slot other than by moving it; -E2BIG for a size beyond
 * ALTP2M_MAX_MEMORY_SIZE; -EEXIST when a new or moved range overlaps
 * another slot.
 */
int altp2m_memslot_check(const struct altp2m_memslots *s,
			 const struct altp2m_memory_region *r,
			 unsigned int gpa_bits,
			 enum altp2m_memslot_change *change)
{
	u64 base_gfn = r->guest_phys_addr >> ALTP2M_MEMSLOT_PAGE_SHIFT;
	u64 npages = r->memory_size >> ALTP2M_MEMSLOT_PAGE_SHIFT;
	const struct altp2m_memslot *old;
	enum altp2m_memslot_change what;
	int ret;

	ret = memslot_check_region(r, gpa_bits);
	if (ret)
		return ret;

	old = s->slot[r->slot];
	if (!npages) {
		if (!old)
			return -EINVAL;
		*change = ALTP2M_MEMSLOT_DELETE;
		return 0;
	}
	if (old) {
		/* A slot's backing is fixed for its lifetime; only its place
		 * in guest physical memory may change.
		 */
		if (npages != old->npages ||
		    r->userspace_addr != old->userspace_addr ||
		    r->flags != old->flags)
			return -EINVAL;
		if (base_gfn == old->base_gfn) {
			*change = ALTP2M_MEMSLOT_NONE;
			return 0;
		}
		what = ALTP2M_MEMSLOT_MOVE;
	} else {
		what = ALTP2M_MEMSLOT_CREATE;
	}
	if (memslot_overlaps(s, r->slot, base_gfn, npages))
		return -EEXIST;
	*change = what;
	return 0;
}

/**
 * altp2m_memslot_set - fill a slot from a request
 * @m: the slot; @priv is left alone
 * @r: a request altp2m_memslot_check() classified as CREATE or MOVE
 */
void altp2m_memslot_set(struct altp2m_memslot *m,
			const struct altp2m_memory_region *r)
{
	m->id = r->slot;
	m->base_gfn = r->guest_phys_addr >> ALTP2M_MEMSLOT_PAGE_SHIFT;
	m->npages = r->memory_size >> ALTP2M_MEMSLOT_PAGE_SHIFT;
	m->userspace_addr = r->userspace_addr;
	m->flags = r->flags;
}

/**
 * altp2m_memslot_find - the slot that holds a guest frame
 * @s: the VM's slots
 * @gfn: guest frame number
 *
 * A plain scan of ALTP2M_MAX_MEM_SLOTS (32) pointers with one compare
 * each, no allocation and no lock of its own: a few dozen nanoseconds,
 * nothing beside the VM exit of the EPT violation that asks. Sorting or a
 * cache would only pay off with many more slots.
 *
 * Return: the slot, or NULL when no slot holds @gfn.
 */
struct altp2m_memslot *altp2m_memslot_find(const struct altp2m_memslots *s,
					   u64 gfn)
{
	unsigned int i;

	for (i = 0; i < ALTP2M_MAX_MEM_SLOTS; i++) {
		struct altp2m_memslot *m = s->slot[i];

		/* Unsigned: a gfn below base_gfn wraps to a huge offset. */
		if (m && gfn - m->base_gfn < m->npages)
			return m;
	}
	return NULL;
}

/**
 * altp2m_memslot_gfn_to_hva - userspace address backing a guest frame
 * @s: the VM's slots
 * @gfn: guest frame number
 * @hva: set to the address of the frame's first byte, on success only
 *
 * Return: 0, or -ENOENT when no slot holds @gfn (MMIO, for the caller).
 */
int altp2m_memslot_gfn_to_hva(const struct altp2m_memslots *s, u64 gfn,
			      u64 *hva)
{
	const struct altp2m_memslot *m = altp2m_memslot_find(s, gfn);

	if (!m)
		return -ENOENT;
	*hva = altp2m_memslot_hva(m, gfn);
	return 0;
}
