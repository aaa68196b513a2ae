// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory: the VM's memory regions, the pages behind them, and the
 * host p2m (view 0) built from them.
 *
 * A region's pages are pinned (FOLL_LONGTERM) for as long as the region
 * exists, and accounted to the creator's locked memory. So nothing the
 * owning process does, munmap, exit or fork included, can free a page the
 * guest still maps: the worst it can do is stop seeing the guest's memory.
 * EPT entries are created lazily, on the guest's first touch, with a
 * 2 MiB mapping where the region covers the whole aligned 2 MiB and the
 * pinned pages are physically contiguous there (THP or hugetlbfs backing).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "altp2m.h"

#define ALTP2M_PAGES_PER_2M	512
#define ALTP2M_RAM_ATTRS	(ALTP2M_EPT_RWX | \
				 ALTP2M_EPT_MT(ALTP2M_EPT_MT_WB) | \
				 ALTP2M_EPT_IPAT)

static void *altp2m_ept_alloc(void *ctx, u64 *hpa)
{
	struct page *page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);

	if (!page)
		return NULL;
	*hpa = page_to_phys(page);
	return page_address(page);
}

static void altp2m_ept_free(void *ctx, void *table, u64 hpa)
{
	free_page((unsigned long)table);
}

static void *altp2m_ept_va(void *ctx, u64 hpa)
{
	return __va(hpa);
}

static const struct altp2m_ept_ops altp2m_ept_kernel_ops = {
	.alloc_table = altp2m_ept_alloc,
	.free_table = altp2m_ept_free,
	.table_va = altp2m_ept_va,
};

int altp2m_memory_init(struct altp2m_vm *vm)
{
	return altp2m_ept_init(&vm->ept, &altp2m_ept_kernel_ops, vm);
}

/* The pages of a region, pinned from its owner's memory. */
struct altp2m_slot_pages {
	unsigned long npages;
	struct page *pages[];
};

static void altp2m_slot_unpin(struct altp2m_vm *vm, struct altp2m_memslot *s)
{
	struct altp2m_slot_pages *p = s->priv;

	/* The guest may have written any of them, through EPT or us. */
	unpin_user_pages_dirty_lock(p->pages, p->npages, true);
	account_locked_vm(vm->mm, p->npages, false);
	kvfree(p);
	kfree(s);
}

static int altp2m_slot_pin(struct altp2m_vm *vm, struct altp2m_memslot *s)
{
	struct altp2m_slot_pages *p;
	unsigned long done = 0;
	long n;
	int ret;

	p = kvzalloc(struct_size(p, pages, s->npages), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	ret = account_locked_vm(vm->mm, s->npages, true);
	if (ret)
		goto err_free;
	while (done < s->npages) {
		n = pin_user_pages_fast(s->userspace_addr + done * PAGE_SIZE,
					min(s->npages - done, 1UL << 16),
					FOLL_WRITE | FOLL_LONGTERM,
					p->pages + done);
		if (n <= 0) {
			ret = n ? n : -EFAULT;
			goto err_unpin;
		}
		done += n;
		cond_resched();
	}
	p->npages = done;
	s->priv = p;
	return 0;

err_unpin:
	unpin_user_pages(p->pages, done);
	account_locked_vm(vm->mm, s->npages, false);
err_free:
	kvfree(p);
	return ret;
}

/* Drop the EPT entries of a gfn range; the next entries flush. */
static void altp2m_zap(struct altp2m_vm *vm, u64 gfn, u64 npages)
{
	mutex_lock(&vm->mmu_lock);
	if (altp2m_ept_unmap(&vm->ept, gfn << PAGE_SHIFT,
			     npages << PAGE_SHIFT) > 0)
		atomic64_inc(&vm->ept_gen);
	mutex_unlock(&vm->mmu_lock);
}

/**
 * altp2m_memory_region_set - ALTP2M_SET_MEMORY_REGION
 * @vm: the VM, its lock held and no vCPU running
 * @r: the request, copied from userspace
 *
 * Return: 0, or -EINVAL/-EEXIST (see the uAPI), -EFAULT when the
 * userspace range cannot be pinned, -ENOMEM, or the locked-memory limit's
 * -ENOMEM from account_locked_vm().
 */
int altp2m_memory_region_set(struct altp2m_vm *vm,
			     const struct altp2m_memory_region *r)
{
	unsigned int gpa_bits = min_t(unsigned int, boot_cpu_data.x86_phys_bits,
				      ALTP2M_EPT_GPA_BITS);
	enum altp2m_memslot_change change;
	struct altp2m_memslot *s;
	int ret;

	ret = altp2m_memslot_check(&vm->slots, r, gpa_bits, &change);
	if (ret)
		return ret;

	switch (change) {
	case ALTP2M_MEMSLOT_CREATE:
		if (!access_ok((void __user *)(unsigned long)r->userspace_addr,
			       r->memory_size))
			return -EINVAL;
		s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
		if (!s)
			return -ENOMEM;
		s->id = r->slot;
		s->base_gfn = r->guest_phys_addr >> PAGE_SHIFT;
		s->npages = r->memory_size >> PAGE_SHIFT;
		s->userspace_addr = r->userspace_addr;
		s->flags = r->flags;
		ret = altp2m_slot_pin(vm, s);
		if (ret) {
			kfree(s);
			return ret;
		}
		vm->slots.slot[r->slot] = s;
		return 0;
	case ALTP2M_MEMSLOT_DELETE:
		s = vm->slots.slot[r->slot];
		vm->slots.slot[r->slot] = NULL;
		altp2m_zap(vm, s->base_gfn, s->npages);
		altp2m_slot_unpin(vm, s);
		return 0;
	case ALTP2M_MEMSLOT_MOVE:
		s = vm->slots.slot[r->slot];
		altp2m_zap(vm, s->base_gfn, s->npages);
		s->base_gfn = r->guest_phys_addr >> PAGE_SHIFT;
		return 0;
	default:
		return 0;
	}
}

/* Every region and the whole p2m, when the VM goes away. */
void altp2m_memory_destroy(struct altp2m_vm *vm)
{
	unsigned int i;

	altp2m_ept_destroy(&vm->ept);
	for (i = 0; i < ALTP2M_MAX_MEM_SLOTS; i++) {
		if (vm->slots.slot[i])
			altp2m_slot_unpin(vm, vm->slots.slot[i]);
		vm->slots.slot[i] = NULL;
	}
}

static bool altp2m_contiguous_2m(struct page **pages)
{
	unsigned long pfn = page_to_pfn(pages[0]);
	unsigned int i;

	if (pfn & (ALTP2M_PAGES_PER_2M - 1))
		return false;
	for (i = 1; i < ALTP2M_PAGES_PER_2M; i++)
		if (page_to_pfn(pages[i]) != pfn + i)
			return false;
	return true;
}

/**
 * altp2m_ept_fault - an EPT violation in view 0
 * @vm: the VM (its regions do not change while vCPUs run)
 * @gpa: the faulting guest-physical address
 * @mapped: set when @gpa is guest RAM and is mapped now; clear when it is
 *	not RAM, i.e. MMIO for the VMM
 *
 * Return: 0 or -ENOMEM.
 */
int altp2m_ept_fault(struct altp2m_vm *vm, u64 gpa, bool *mapped)
{
	u64 gfn = gpa >> PAGE_SHIFT, base, entry, idx;
	struct altp2m_slot_pages *p;
	struct altp2m_memslot *s;
	unsigned int level;
	int ret = 0;

	s = altp2m_memslot_find(&vm->slots, gfn);
	*mapped = s;
	if (!s)
		return 0;
	p = s->priv;

	mutex_lock(&vm->mmu_lock);
	/* Another vCPU may have mapped it since this one faulted. */
	if (!altp2m_ept_lookup(&vm->ept, gpa, &entry, &level))
		goto out;
	base = gfn & ~(u64)(ALTP2M_PAGES_PER_2M - 1);
	if (base >= s->base_gfn &&
	    base + ALTP2M_PAGES_PER_2M <= s->base_gfn + s->npages &&
	    altp2m_contiguous_2m(&p->pages[base - s->base_gfn])) {
		ret = altp2m_ept_map(&vm->ept, base << PAGE_SHIFT,
				     page_to_phys(p->pages[base - s->base_gfn]),
				     2, ALTP2M_RAM_ATTRS);
		if (ret >= 0)
			vm->ept_maps_2m++;
	} else {
		idx = gfn - s->base_gfn;
		ret = altp2m_ept_map(&vm->ept, gfn << PAGE_SHIFT,
				     page_to_phys(p->pages[idx]), 1,
				     ALTP2M_RAM_ATTRS);
		if (ret >= 0)
			vm->ept_maps_4k++;
	}
	if (ret > 0) {
		/* A smaller mapping was replaced: flush before next entry. */
		atomic64_inc(&vm->ept_gen);
		ret = 0;
	}
out:
	mutex_unlock(&vm->mmu_lock);
	return ret;
}

/* Copy between guest RAM and @buf, page by page, regions allowing. */
static int altp2m_copy_gpa(struct altp2m_vm *vm, u64 gpa, void *buf,
			   unsigned int len, bool write)
{
	struct altp2m_slot_pages *p;
	struct altp2m_memslot *s;
	unsigned int off, n;
	void *va;

	while (len) {
		s = altp2m_memslot_find(&vm->slots, gpa >> PAGE_SHIFT);
		if (!s)
			return -EFAULT;
		p = s->priv;
		off = offset_in_page(gpa);
		n = min_t(unsigned int, len, PAGE_SIZE - off);
		va = kmap_local_page(p->pages[(gpa >> PAGE_SHIFT) - s->base_gfn]);
		if (write)
			memcpy(va + off, buf, n);
		else
			memcpy(buf, va + off, n);
		kunmap_local(va);
		buf += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

/**
 * altp2m_read_gpa - copy guest RAM (for instruction fetch and page walks)
 * @opaque: the struct altp2m_vm
 * @gpa: where to start
 * @buf: destination
 * @len: bytes; may cross pages and regions
 *
 * Return: 0, or -EFAULT if any byte is not guest RAM.
 */
int altp2m_read_gpa(void *opaque, u64 gpa, void *buf, unsigned int len)
{
	return altp2m_copy_gpa(opaque, gpa, buf, len, false);
}

/**
 * altp2m_write_gpa - write guest RAM on the guest's behalf (string I/O)
 * @opaque: the struct altp2m_vm
 * @gpa: where to start
 * @buf: source
 * @len: bytes; may cross pages and regions
 *
 * Guest pages are written back dirty when unpinned, so no marking here.
 *
 * Return: 0, or -EFAULT if any byte is not guest RAM (the bytes before
 * it are written).
 */
int altp2m_write_gpa(void *opaque, u64 gpa, const void *buf,
		     unsigned int len)
{
	return altp2m_copy_gpa(opaque, gpa, (void *)buf, len, true);
}
