// SPDX-License-Identifier: GPL-2.0
/*
 * Hidden frames (the uAPI's "Hidden frames", hidden.h): pages the module
 * allocates for a VM at gfns that are not guest RAM. The view engine
 * learns them through the hidden_frame op (p2m.c): host_frame() does not
 * know them, so lazy fill treats them as MMIO in every view, and only a
 * host's remap maps one. Their removal goes through the engine's
 * altp2m_views_host_unmap(), which drops exactly the remaps to them and
 * flushes the views that held one; only then are the pages freed.
 *
 * The set is an xarray gfn -> struct page *, changed and read under the
 * VM's mmu_lock, which every call into the engine holds: the engine sees
 * one set for the whole of a call. The xarray's own lock is only taken
 * inside xa_*() and never nests anything.
 *
 * This file also owns the setup of vm->bps (hidden.h) and the range test
 * REMOVE needs, altp2m_bp_frame_busy(): breakpoint.c fills the table.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "altp2m.h"
#include "hidden.h"

/*
 * 4096 frames (16 MiB) per VM: a shadow page for each code page that
 * carries hidden breakpoints, and a few sink pages. Tracing every system
 * call and a few thousand kernel functions, as DRAKVUF does, touches
 * fewer pages than that. The pages are charged to the caller's memory
 * cgroup already; the limit is for hosts without cgroup limits, where a
 * VMM could otherwise take kernel memory without bound.
 */
static unsigned int max_hidden_frames = 4096;
module_param(max_hidden_frames, uint, 0644);
MODULE_PARM_DESC(max_hidden_frames,
		 "hidden frames one VM may have (ALTP2M_ADD_HIDDEN_FRAMES; default 4096, 16 MiB)");

/**
 * altp2m_hidden_init - a new VM's empty hidden frames and breakpoints
 * @vm: the VM
 */
void altp2m_hidden_init(struct altp2m_vm *vm)
{
	xa_init(&vm->hidden.frames);
	vm->hidden.nr = 0;
	/* Looked up under RCU by vCPUs; changed under mmu_lock. */
	xa_init(&vm->bps.by_key);
	/* Ids from 1: 0 is "none" in the uAPI. */
	xa_init_flags(&vm->bps.by_id, XA_FLAGS_ALLOC1);
	vm->bps.next_id = 1;
	vm->bps.nr = 0;
}

/**
 * altp2m_hidden_destroy - free every hidden frame of a VM
 * @vm: the VM, after its views (no vCPU and no view maps a frame now)
 *
 * The breakpoints went with the monitor that made them; any left behind
 * are freed here, as no vCPU can look them up any more.
 */
void altp2m_hidden_destroy(struct altp2m_vm *vm)
{
	struct altp2m_bp *bp;
	struct page *page;
	unsigned long i;

	xa_for_each(&vm->hidden.frames, i, page)
		__free_page(page);
	xa_destroy(&vm->hidden.frames);
	vm->hidden.nr = 0;
	xa_for_each(&vm->bps.by_id, i, bp)
		kfree(bp);
	xa_destroy(&vm->bps.by_id);
	xa_destroy(&vm->bps.by_key);
}

/* Whether [@gfn, @gfn + @nr) is a range ADD and REMOVE take. */
static bool altp2m_hidden_range_ok(u64 gfn, u64 nr)
{
	u64 limit = 1ULL << (altp2m_gpa_bits() - PAGE_SHIFT);

	return nr && nr <= ALTP2M_MAX_HIDDEN_ADD && gfn < limit &&
	       nr <= limit - gfn;
}

/**
 * altp2m_hidden_add - ALTP2M_ADD_HIDDEN_FRAMES
 * @vm: the VM; vCPUs may run
 * @gfn: the first gfn
 * @nr: how many
 *
 * The pages are allocated zeroed before mmu_lock is taken; under it the
 * range is checked and inserted whole or not at all.
 *
 * Return: 0, -EINVAL for a bad range, -EEXIST when a gfn is guest RAM or
 * hidden, or a view still remaps it (a remap of a gfn whose RAM went
 * survives that), -ENOSPC beyond max_hidden_frames, or -ENOMEM.
 */
int altp2m_hidden_add(struct altp2m_vm *vm, u64 gfn, u64 nr)
{
	struct page **pages;
	unsigned int i, done = 0;
	int ret = 0;

	if (!altp2m_hidden_range_ok(gfn, nr))
		return -EINVAL;
	pages = kcalloc(nr, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		pages[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!pages[i]) {
			ret = -ENOMEM;
			goto out_free;
		}
	}

	mutex_lock(&vm->mmu_lock);
	if (vm->hidden.nr + nr > READ_ONCE(max_hidden_frames)) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	for (i = 0; i < nr; i++) {
		if (altp2m_memslot_find(&vm->slots, gfn + i) ||
		    xa_load(&vm->hidden.frames, gfn + i)) {
			ret = -EEXIST;
			goto out_unlock;
		}
	}
	/* A remap at a gfn whose RAM went: no view may map a hidden gfn. */
	if (altp2m_views_remapped_at(&vm->views, gfn, nr)) {
		ret = -EEXIST;
		goto out_unlock;
	}
	for (done = 0; done < nr; done++) {
		ret = xa_insert(&vm->hidden.frames, gfn + done, pages[done],
				GFP_KERNEL_ACCOUNT);
		if (ret)
			goto out_erase;
	}
	vm->hidden.nr += nr;
	mutex_unlock(&vm->mmu_lock);
	kfree(pages);
	return 0;

out_erase:
	/* No engine call saw them: mmu_lock was held throughout. */
	while (done--)
		xa_erase(&vm->hidden.frames, gfn + done);
out_unlock:
	mutex_unlock(&vm->mmu_lock);
	i = nr;
out_free:
	while (i--)
		if (pages[i])
			__free_page(pages[i]);
	kfree(pages);
	return ret;
}

/**
 * altp2m_hidden_remove - ALTP2M_REMOVE_HIDDEN_FRAMES
 * @vm: the VM; vCPUs may run
 * @gfn: the first gfn
 * @nr: how many
 *
 * Every remap to the frames reverts in every view and each view that
 * mapped one is flushed on every CPU (altp2m_views_host_unmap(), whose
 * flushes wait for the vCPUs); only then are the pages freed, still under
 * mmu_lock, which the module's own copies to them hold too.
 *
 * Return: 0, -EINVAL for a bad range, -ENOENT unless every gfn is
 * hidden, or -EBUSY when a hidden breakpoint lives in one.
 */
int altp2m_hidden_remove(struct altp2m_vm *vm, u64 gfn, u64 nr)
{
	u64 invalidated;
	unsigned int i;
	int ret = 0;

	if (!altp2m_hidden_range_ok(gfn, nr))
		return -EINVAL;
	mutex_lock(&vm->mmu_lock);
	for (i = 0; i < nr; i++) {
		if (!xa_load(&vm->hidden.frames, gfn + i)) {
			ret = -ENOENT;
			goto out;
		}
	}
	if (altp2m_bp_frame_busy(vm, gfn, nr)) {
		ret = -EBUSY;
		goto out;
	}
	invalidated = vm->views.stats.remaps_invalidated;
	altp2m_views_host_unmap(&vm->views, gfn, nr);
	if (vm->views.stats.remaps_invalidated != invalidated)
		altp2m_vm_views_changed(vm);
	for (i = 0; i < nr; i++)
		__free_page(xa_erase(&vm->hidden.frames, gfn + i));
	vm->hidden.nr -= nr;
out:
	mutex_unlock(&vm->mmu_lock);
	return ret;
}

/**
 * altp2m_hidden_ioctl - ALTP2M_ADD/REMOVE_HIDDEN_FRAMES
 * @vm: the VM
 * @cmd: which
 * @argp: the caller's struct altp2m_hidden_frames
 *
 * The VM fd's and the monitor fd's door, with the same semantics.
 *
 * Return: 0 or -errno (the uAPI's).
 */
long altp2m_hidden_ioctl(struct altp2m_vm *vm, unsigned int cmd,
			 void __user *argp)
{
	struct altp2m_hidden_frames a;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.pad || !altp2m_is_zero(a.reserved, sizeof(a.reserved)))
		return -EINVAL;
	if (cmd == ALTP2M_ADD_HIDDEN_FRAMES)
		return altp2m_hidden_add(vm, a.gfn, a.nr);
	return altp2m_hidden_remove(vm, a.gfn, a.nr);
}

/**
 * altp2m_hidden_page - the page of a hidden gfn
 * @vm: the VM, its mmu_lock held (the page stays while it is)
 * @gfn: the gfn
 *
 * Return: the page, or NULL when @gfn is not hidden.
 */
struct page *altp2m_hidden_page(struct altp2m_vm *vm, u64 gfn)
{
	lockdep_assert_held(&vm->mmu_lock);
	if (!vm->hidden.nr)
		return NULL;
	return xa_load(&vm->hidden.frames, gfn);
}

/**
 * altp2m_hidden_overlaps - whether a range holds a hidden gfn
 * @vm: the VM, its mmu_lock held
 * @gfn: the first gfn
 * @nr: how many; 0 holds none
 *
 * For ALTP2M_SET_MEMORY_REGION, whose regions must not cover one.
 *
 * Return: true when one of [@gfn, @gfn + @nr) is hidden.
 */
bool altp2m_hidden_overlaps(struct altp2m_vm *vm, u64 gfn, u64 nr)
{
	unsigned long idx = gfn;

	lockdep_assert_held(&vm->mmu_lock);
	if (!nr || !vm->hidden.nr)
		return false;
	return xa_find(&vm->hidden.frames, &idx, gfn + nr - 1, XA_PRESENT);
}

/**
 * altp2m_bp_frame_busy - whether a hidden breakpoint lives in a range
 * @vm: the VM, its mmu_lock held (breakpoints change under it)
 * @gfn: the first hidden gfn
 * @nr: how many
 *
 * Breakpoints are keyed by their shadow byte, @shadow_gfn << 12 | offset,
 * so the range's keys are one interval.
 *
 * Return: true when one is registered in [@gfn, @gfn + @nr).
 */
bool altp2m_bp_frame_busy(struct altp2m_vm *vm, u64 gfn, u64 nr)
{
	unsigned long idx = gfn << PAGE_SHIFT;

	lockdep_assert_held(&vm->mmu_lock);
	if (!nr)
		return false;
	return xa_find(&vm->bps.by_key, &idx,
		       ((gfn + nr) << PAGE_SHIFT) - 1, XA_PRESENT);
}

/**
 * altp2m_vm_gfn_remap_guest - the guest's ALTP2M_HC_REMAP
 * @vm: the VM
 * @view: as altp2m_vm_gfn_remap()
 * @gfn: as altp2m_vm_gfn_remap()
 * @target: as altp2m_vm_gfn_remap()
 *
 * altp2m_vm_gfn_remap() for the guest: a hidden frame is no target
 * (-ESRCH, as what is not guest RAM), directly or through the view's
 * remap to one, so the guest cannot map what only its host may.
 *
 * Return: as altp2m_vm_gfn_remap().
 */
int altp2m_vm_gfn_remap_guest(struct altp2m_vm *vm, u32 view, u64 gfn,
			      u64 target)
{
	int ret;

	if (view >= ALTP2M_MAX_VIEWS)
		return -EINVAL;
	mutex_lock(&vm->mmu_lock);
	altp2m_vm_why_clear(vm);
	ret = altp2m_views_remap_guest(&vm->views, view, gfn, target);
	if (!ret)
		altp2m_vm_views_changed(vm);
	mutex_unlock(&vm->mmu_lock);
	return ret;
}
