// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory: the VM's memory regions and the pages behind them, which
 * the host p2m (view 0, see p2m.c) maps.
 *
 * A region's pages are pinned (FOLL_LONGTERM) for as long as the region
 * exists, and accounted to the creator's locked memory. So nothing the
 * owning process does, munmap, exit or fork included, can free a page the
 * guest still maps: the worst it can do is stop seeing the guest's memory.
 * EPT entries are created lazily, on the guest's first touch, with a
 * 2 MiB mapping where the region covers the whole aligned 2 MiB and the
 * pinned pages are physically contiguous there (THP or hugetlbfs backing):
 * altp2m_host_frame() answers the view engine from what is pinned here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "altp2m.h"

#define ALTP2M_PAGES_PER_2M	512

/*
 * The pages of a region, pinned from its owner's memory, and which of its
 * aligned 2 MiB chunks a 2 MiB leaf may map: bit i for the chunk at gfn
 * ALIGN(base_gfn, 512) + 512 * i, set when the region covers all of it
 * and its frames are contiguous and 2 MiB aligned.
 */
struct altp2m_slot_pages {
	unsigned long npages;
	unsigned long *huge;
	struct page *pages[];
};

static void altp2m_slot_unpin(struct altp2m_vm *vm, struct altp2m_memslot *s)
{
	struct altp2m_slot_pages *p = s->priv;

	/* The guest may have written any of them, through EPT or us. */
	unpin_user_pages_dirty_lock(p->pages, p->npages, true);
	account_locked_vm(vm->mm, p->npages, false);
	bitmap_free(p->huge);
	kvfree(p);
	kfree(s);
}

/* The pinned page of @gfn, which @s holds. */
static struct page *altp2m_slot_page(const struct altp2m_memslot *s, u64 gfn)
{
	const struct altp2m_slot_pages *p = s->priv;

	return p->pages[gfn - s->base_gfn];
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

/* Which chunks of @s may be 2 MiB leaves, at its current gfn. */
static void altp2m_slot_scan_huge(struct altp2m_memslot *s)
{
	struct altp2m_slot_pages *p = s->priv;
	u64 first = ALIGN(s->base_gfn, ALTP2M_PAGES_PER_2M);
	u64 end = s->base_gfn + s->npages, g;

	bitmap_zero(p->huge, s->npages / ALTP2M_PAGES_PER_2M + 1);
	for (g = first; g + ALTP2M_PAGES_PER_2M <= end;
	     g += ALTP2M_PAGES_PER_2M)
		if (altp2m_contiguous_2m(&p->pages[g - s->base_gfn]))
			__set_bit((g - first) / ALTP2M_PAGES_PER_2M, p->huge);
}

/*
 * Pin the region's pages. The size is checked against what could ever be
 * pinned, and charged to RLIMIT_MEMLOCK, before anything is allocated for
 * it: the page array alone is 1/512 of the region (memslot.c caps the
 * region at ALTP2M_MAX_MEMORY_SIZE, so it stays below kvmalloc()'s
 * INT_MAX). Large arrays may fail quietly (ENOMEM), never with a warning.
 */
static int altp2m_slot_pin(struct altp2m_vm *vm, struct altp2m_memslot *s)
{
	struct altp2m_slot_pages *p;
	unsigned long done = 0;
	long n;
	int ret;

	if (s->npages > totalram_pages())
		return -ENOMEM;
	ret = account_locked_vm(vm->mm, s->npages, true);
	if (ret)
		return ret;
	ret = -ENOMEM;
	p = kvzalloc(struct_size(p, pages, s->npages),
		     GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!p)
		goto err_account;
	p->huge = bitmap_zalloc(s->npages / ALTP2M_PAGES_PER_2M + 1,
				GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!p->huge)
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
	altp2m_slot_scan_huge(s);
	return 0;

err_unpin:
	unpin_user_pages(p->pages, done);
err_free:
	bitmap_free(p->huge);
	kvfree(p);
err_account:
	account_locked_vm(vm->mm, s->npages, false);
	return ret;
}

/*
 * Guest RAM at the slot's gfns goes away: #VE pages in it are given up,
 * and every view lets go of it (and is flushed) while host_frame() still
 * answers for it, so that the pages can be unpinned right after.
 */
static void altp2m_slot_unmap(struct altp2m_vm *vm, struct altp2m_memslot *s)
{
	altp2m_ve_region_gone(vm, s->base_gfn, s->npages);
	altp2m_views_host_unmap(&vm->views, s->base_gfn, s->npages);
	altp2m_vm_views_changed(vm);
}

/**
 * altp2m_memory_region_set - ALTP2M_SET_MEMORY_REGION
 * @vm: the VM, its lock held and no vCPU running; regions change under
 *	its mmu_lock too, for the view calls that read them
 * @r: the request, copied from userspace
 *
 * Return: 0, or -EINVAL/-EEXIST (see the uAPI; a region over a hidden
 * frame is EEXIST too), -EFAULT when the
 * userspace range cannot be pinned, -ENOMEM, or the locked-memory limit's
 * -ENOMEM from account_locked_vm().
 */
int altp2m_memory_region_set(struct altp2m_vm *vm,
			     const struct altp2m_memory_region *r)
{
	unsigned int gpa_bits = altp2m_gpa_bits();
	enum altp2m_memslot_change change;
	struct altp2m_memslot *s;
	u64 old_gfn;
	int ret;

	lockdep_assert_held(&vm->lock);
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
		mutex_lock(&vm->mmu_lock);
		/* Hidden frames come and go under mmu_lock alone. */
		if (altp2m_hidden_overlaps(vm, s->base_gfn, s->npages)) {
			mutex_unlock(&vm->mmu_lock);
			altp2m_slot_unpin(vm, s);
			return -EEXIST;
		}
		down_write(&vm->map_lock);
		vm->slots.slot[r->slot] = s;
		up_write(&vm->map_lock);
		mutex_unlock(&vm->mmu_lock);
		return 0;
	case ALTP2M_MEMSLOT_DELETE:
		s = vm->slots.slot[r->slot];
		mutex_lock(&vm->mmu_lock);
		altp2m_slot_unmap(vm, s);
		down_write(&vm->map_lock);
		vm->slots.slot[r->slot] = NULL;
		up_write(&vm->map_lock);
		mutex_unlock(&vm->mmu_lock);
		/* No monitor maps a page of it from here on: unpin. */
		altp2m_monitor_map_gone(vm, s->base_gfn, s->npages);
		altp2m_slot_unpin(vm, s);
		return 0;
	case ALTP2M_MEMSLOT_MOVE:
		s = vm->slots.slot[r->slot];
		mutex_lock(&vm->mmu_lock);
		if (altp2m_hidden_overlaps(vm, r->guest_phys_addr >> PAGE_SHIFT,
					   s->npages)) {
			mutex_unlock(&vm->mmu_lock);
			return -EEXIST;
		}
		altp2m_slot_unmap(vm, s);
		old_gfn = s->base_gfn;
		down_write(&vm->map_lock);
		s->base_gfn = r->guest_phys_addr >> PAGE_SHIFT;
		up_write(&vm->map_lock);
		altp2m_slot_scan_huge(s);
		mutex_unlock(&vm->mmu_lock);
		altp2m_monitor_map_gone(vm, old_gfn, s->npages);
		return 0;
	default:
		return 0;
	}
}

/* Every region, when the VM goes away (after its views). */
void altp2m_memory_destroy(struct altp2m_vm *vm)
{
	unsigned int i;

	for (i = 0; i < ALTP2M_MAX_MEM_SLOTS; i++) {
		if (vm->slots.slot[i])
			altp2m_slot_unpin(vm, vm->slots.slot[i]);
		vm->slots.slot[i] = NULL;
	}
}

/*
 * 2 MiB EPT leaves are executable, and on a CPU with the iTLB multihit
 * erratum a guest that executes from a page while its size changes under
 * it can make the CPU raise a machine check (CVE-2018-12207). KVM maps
 * huge pages non-executable there; altp2m maps guest RAM with 4 KiB
 * leaves only. -1 (auto) resolves at load to "no huge pages" where the
 * kernel reports the erratum; 0 and 1 force either.
 */
static int altp2m_huge_pages = -1;
module_param_named(huge_pages, altp2m_huge_pages, int, 0444);
MODULE_PARM_DESC(huge_pages, "map guest RAM with 2 MiB EPT leaves where possible (-1: auto, off on CPUs with the iTLB multihit erratum; 0: never; 1: always)");

/* Resolve altp2m_huge_pages once, at load; it is read-only from then on. */
void altp2m_memory_setup(void)
{
	if (altp2m_huge_pages < 0)
		altp2m_huge_pages = !boot_cpu_has_bug(X86_BUG_ITLB_MULTIHIT);
	else
		altp2m_huge_pages = !!altp2m_huge_pages;
	if (!altp2m_huge_pages && boot_cpu_has_bug(X86_BUG_ITLB_MULTIHIT))
		pr_info("iTLB multihit: guest RAM is mapped with 4 KiB EPT leaves only\n");
}

/**
 * altp2m_host_frame - the view engine's host_frame(): guest RAM's frames
 * @opaque: the struct altp2m_vm; the caller holds its lock or mmu_lock
 * @gfn: the gfn
 * @hpa: set to the host-physical address of its page
 * @max_level: set to 2 when a 2 MiB leaf may map its aligned 2 MiB (and
 *	huge_pages allows it)
 *
 * Return: 0, or -ENOENT when @gfn is not guest RAM.
 */
int altp2m_host_frame(void *opaque, u64 gfn, u64 *hpa,
		      unsigned int *max_level)
{
	struct altp2m_vm *vm = opaque;
	struct altp2m_slot_pages *p;
	struct altp2m_memslot *s;
	u64 first;

	lockdep_assert(lockdep_is_held(&vm->lock) ||
		       lockdep_is_held(&vm->mmu_lock));
	s = altp2m_memslot_find(&vm->slots, gfn);
	if (!s)
		return -ENOENT;
	p = s->priv;
	*hpa = page_to_phys(altp2m_slot_page(s, gfn));
	first = ALIGN(s->base_gfn, ALTP2M_PAGES_PER_2M);
	if (altp2m_huge_pages && gfn >= first &&
	    test_bit((gfn - first) / ALTP2M_PAGES_PER_2M, p->huge))
		*max_level = 2;
	return 0;
}

/**
 * altp2m_memory_pfn - the host frame of a guest RAM page, for a mapping
 * @vm: the VM, its @map_lock held (a region change waits for it)
 * @gfn: the gfn
 * @pfn: set to the frame
 *
 * Return: 0, or -ENOENT when @gfn is not guest RAM.
 */
int altp2m_memory_pfn(struct altp2m_vm *vm, u64 gfn, unsigned long *pfn)
{
	struct altp2m_memslot *s;

	lockdep_assert_held(&vm->map_lock);
	s = altp2m_memslot_find(&vm->slots, gfn);
	if (!s)
		return -ENOENT;
	*pfn = page_to_pfn(altp2m_slot_page(s, gfn));
	return 0;
}

/**
 * altp2m_copy_gpa - read or write guest RAM by guest-physical address
 * @vm: the VM
 * @gpa: where to start
 * @buf: destination or source
 * @len: bytes; may cross pages and regions
 * @write: the direction
 *
 * Through the regions, that is the host p2m; altp2m_p2m_copy() is the
 * view-aware caller. Written pages need no marking: they are unpinned
 * dirty.
 *
 * Return: 0, or -EFAULT if a byte is not guest RAM (those before it are
 * copied).
 */
int altp2m_copy_gpa(struct altp2m_vm *vm, u64 gpa, void *buf,
		    unsigned int len, bool write)
{
	struct altp2m_memslot *s;
	unsigned int off, n;
	void *va;

	while (len) {
		s = altp2m_memslot_find(&vm->slots, gpa >> PAGE_SHIFT);
		if (!s)
			return -EFAULT;
		off = offset_in_page(gpa);
		n = min_t(unsigned int, len, PAGE_SIZE - off);
		va = kmap_local_page(altp2m_slot_page(s, gpa >> PAGE_SHIFT));
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
