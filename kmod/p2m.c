// SPDX-License-Identifier: GPL-2.0
/*
 * The VM's p2m hierarchies in the kernel: the view engine (core/view*.c)
 * given page-table pages, the host's frames, and TLB flushes; a vCPU's
 * EPT violations and the module's own accesses to guest memory, both in
 * the terms of the vCPU's view (which view that is: switch.c).
 *
 * Flushing. A CPU may cache translations of a view (tagged with the
 * view's EPTP) from any guest entry it made, and keeps them after it
 * leaves the guest; but it uses them only while a guest runs there with
 * that EPTP. So stale translations are harmless until a vCPU enters with
 * the view on that CPU, and the invariant is:
 *
 *   Before a vCPU enters on a CPU, that CPU holds no translation of any
 *   of the vCPU's views older than the last change to it.
 *
 * A change to a view (flush_view) gives every vCPU of the VM an
 * ALTP2M_REQ_TLB_FLUSH and waits until each one in the guest has left it
 * (request.h); each then INVEPTs all contexts on its CPU before its next
 * entry. A vCPU that enters on another CPU than last time INVEPTs there
 * too (vmx/run.c): that CPU may hold translations some vCPU of the VM left
 * before a change whose request this vCPU took elsewhere. And a CPU where
 * the VM never ran may hold translations of a root page that belonged to
 * another VM's destroyed view: a new view's root is made reachable only
 * after the same request for every vCPU (altp2m_switch_view_created()),
 * and view 0's root is there before any vCPU's first entry, which is an
 * arrival. When flush_view returns, no guest uses the old entries any
 * more, so the unlinked tables can be freed; no CPU is interrupted that
 * does not run one of the VM's vCPUs in the guest.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "altp2m.h"

static void *altp2m_p2m_alloc_table(void *ctx, unsigned int view, u64 *hpa)
{
	struct page *page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);

	if (!page)
		return NULL;
	*hpa = page_to_phys(page);
	return page_address(page);
}

/* A CPU may still walk it until the call's flushes: queue it. */
static void altp2m_p2m_free_table(void *ctx, unsigned int view, void *table,
				  u64 hpa)
{
	struct altp2m_vm *vm = ctx;

	lockdep_assert_held(&vm->mmu_lock);
	list_add(&virt_to_page(table)->lru, &vm->free_tables);
}

static void altp2m_p2m_release_tables(void *ctx)
{
	struct altp2m_vm *vm = ctx;
	struct page *page, *tmp;

	lockdep_assert_held(&vm->mmu_lock);
	list_for_each_entry_safe(page, tmp, &vm->free_tables, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
}

static void *altp2m_p2m_table_va(void *ctx, u64 hpa)
{
	return __va(hpa);
}

static void altp2m_p2m_flush_view(void *ctx, unsigned int view)
{
	struct altp2m_vm *vm = ctx;

	lockdep_assert_held(&vm->mmu_lock);
	altp2m_make_all_vcpus_request(vm, ALTP2M_REQ_TLB_FLUSH, true);
	if (!view)
		vm->view0_flushes++;
}

/*
 * A hidden frame, which the engine maps only as a host remap's target
 * (hidden.c). The VM's mmu_lock is held, as for every engine call.
 */
static int altp2m_p2m_hidden_frame(void *ctx, u64 gfn, u64 *hpa)
{
	struct page *page = altp2m_hidden_page(ctx, gfn);

	if (!page)
		return -ENOENT;
	*hpa = page_to_phys(page);
	return 0;
}

static const struct altp2m_views_ops altp2m_p2m_ops = {
	.alloc_table = altp2m_p2m_alloc_table,
	.free_table = altp2m_p2m_free_table,
	.release_tables = altp2m_p2m_release_tables,
	.table_va = altp2m_p2m_table_va,
	.host_frame = altp2m_host_frame,
	.hidden_frame = altp2m_p2m_hidden_frame,
	.flush_view = altp2m_p2m_flush_view,
	.resched = altp2m_vm_resched,
};

/**
 * altp2m_p2m_init - the views engine of a new VM, with view 0 empty
 * @vm: the VM
 *
 * Return: 0 or -ENOMEM.
 */
int altp2m_p2m_init(struct altp2m_vm *vm)
{
	unsigned int flags = 0;
	int ret;

	INIT_LIST_HEAD(&vm->free_tables);
	if (altp2m_host.caps & ALTP2M_CAP_EPT_EXEC_ONLY)
		flags |= ALTP2M_VIEWS_EXEC_ONLY;
	ret = altp2m_views_init(&vm->views, &altp2m_p2m_ops, vm, flags);
	if (ret)
		return ret;
	return altp2m_views_eptp(&vm->views, 0, false, &vm->view_eptp[0]);
}

/**
 * altp2m_p2m_destroy - free every view, once no vCPU is left
 * @vm: the VM
 *
 * Each view is flushed on every CPU before its tables are freed.
 */
void altp2m_p2m_destroy(struct altp2m_vm *vm)
{
	mutex_lock(&vm->mmu_lock);
	altp2m_views_destroy(&vm->views);
	mutex_unlock(&vm->mmu_lock);
}

/**
 * altp2m_p2m_fault - an EPT violation of a vCPU
 * @vcpu: the vCPU, in its run loop
 * @gpa: the guest-physical address
 * @access: what the guest attempted, ALTP2M_VIEW_FAULT_* bits
 * @out: filled for ALTP2M_VIEW_EVENT
 *
 * Return: as altp2m_views_fault(), for the vCPU's view.
 */
int altp2m_p2m_fault(struct altp2m_vcpu *vcpu, u64 gpa, unsigned int access,
		     struct altp2m_view_fault *out)
{
	struct altp2m_vm *vm = vcpu->vm;
	int ret;

	mutex_lock(&vm->mmu_lock);
	ret = altp2m_views_fault(&vm->views, vcpu->view, gpa, access, out);
	if (ret == ALTP2M_VIEW_EVENT && out->promoted)
		altp2m_vm_views_changed(vm);
	mutex_unlock(&vm->mmu_lock);
	return ret;
}

/**
 * altp2m_p2m_copy_frame - read or write a frame the views may map
 * @vm: the VM, its mmu_lock held (a hidden frame stays while it is)
 * @gpa: where to start: in guest RAM or in a hidden frame
 * @buf: source or destination
 * @len: bytes, within @gpa's page
 * @write: the direction
 *
 * The frame a view maps at some gfn (altp2m_views_frame_gfn()): guest
 * RAM, or a hidden frame that a view remaps a gfn to. The caller decides
 * whether a hidden frame may be reached at @gpa: the guest reaches one
 * only through a remap.
 *
 * Return: 0, or -EFAULT when @gpa is neither.
 */
int altp2m_p2m_copy_frame(struct altp2m_vm *vm, u64 gpa, void *buf,
			  unsigned int len, bool write)
{
	struct page *page;
	void *va;

	lockdep_assert_held(&vm->mmu_lock);
	page = altp2m_hidden_page(vm, gpa >> PAGE_SHIFT);
	if (!page)
		return altp2m_copy_gpa(vm, gpa, buf, len, write);
	va = kmap_local_page(page);
	if (write)
		memcpy(va + offset_in_page(gpa), buf, len);
	else
		memcpy(buf, va + offset_in_page(gpa), len);
	kunmap_local(va);
	return 0;
}

/**
 * altp2m_p2m_copy - read or write guest RAM as a vCPU's view maps it
 * @vcpu: the vCPU
 * @gpa: where to start
 * @buf: source or destination
 * @len: bytes; may cross pages
 * @write: the direction
 *
 * For the module's own accesses on the vCPU's behalf (instruction fetch,
 * page walks, string I/O): a gfn remapped in the view reads and writes
 * its target's frame, as the guest's own accesses do, a hidden frame
 * included; a hidden gfn itself is no RAM to the guest, nor here. Access
 * rights are the caller's to check (altp2m_p2m_fault()), where the guest
 * would have been stopped.
 *
 * Return: 0, or -EFAULT if a byte is not guest RAM (those before it are
 * copied).
 */
int altp2m_p2m_copy(struct altp2m_vcpu *vcpu, u64 gpa, void *buf,
		    unsigned int len, bool write)
{
	struct altp2m_vm *vm = vcpu->vm;
	u64 frame_gfn, frame_gpa;
	unsigned int n;
	int ret = 0;

	while (len && !ret) {
		n = min_t(unsigned int, len, PAGE_SIZE - offset_in_page(gpa));
		mutex_lock(&vm->mmu_lock);
		frame_gfn = altp2m_views_frame_gfn(&vm->views, vcpu->view,
						   gpa >> PAGE_SHIFT);
		frame_gpa = frame_gfn << PAGE_SHIFT | offset_in_page(gpa);
		if (frame_gfn == gpa >> PAGE_SHIFT)
			ret = altp2m_copy_gpa(vm, frame_gpa, buf, n, write);
		else
			ret = altp2m_p2m_copy_frame(vm, frame_gpa, buf, n,
						    write);
		mutex_unlock(&vm->mmu_lock);
		buf += n;
		gpa += n;
		len -= n;
	}
	return ret;
}
