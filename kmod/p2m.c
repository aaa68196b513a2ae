// SPDX-License-Identifier: GPL-2.0
/*
 * The VM's p2m hierarchies in the kernel: the view engine (core/view.c)
 * given page-table pages, the host's frames, and TLB flushes, plus the
 * vCPU's place on a view and its EPT violations.
 *
 * Flushing. A CPU may cache translations of a view (tagged with the
 * view's EPTP) from any guest entry it made, and keeps them after it
 * leaves the guest. So a change to a view is flushed with a
 * single-context INVEPT on every CPU that ever entered one of the VM's
 * guests (@ran_cpus), by IPI, waiting for all of them: a CPU running the
 * guest exits to take the interrupt, flushes, and enters again. When the
 * call returns, no CPU can use the old entries, and its unlinked tables
 * can be freed. A CPU that is not in @ran_cpus holds nothing of this VM:
 * every CPU flushes everything when it enters VMX operation, and a view's
 * root is freed only after its last flush, so a reused root page cannot
 * inherit another view's translations. That is also why moving a vCPU to
 * another CPU needs no flush.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

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

	list_add(&virt_to_page(table)->lru, &vm->free_tables);
}

static void altp2m_p2m_release_tables(void *ctx)
{
	struct altp2m_vm *vm = ctx;
	struct page *page, *tmp;

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

	altp2m_vmx_flush_ept(&vm->ran_cpus, vm->view_eptp[view]);
	if (!view)
		vm->view0_flushes++;
}

static const struct altp2m_views_ops altp2m_p2m_ops = {
	.alloc_table = altp2m_p2m_alloc_table,
	.free_table = altp2m_p2m_free_table,
	.release_tables = altp2m_p2m_release_tables,
	.table_va = altp2m_p2m_table_va,
	.host_frame = altp2m_host_frame,
	.flush_view = altp2m_p2m_flush_view,
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
	mutex_unlock(&vm->mmu_lock);
	return ret;
}

/**
 * altp2m_p2m_vcpu_init - a new vCPU starts on view 0
 * @vcpu: the vCPU, before its VMCS is set up
 *
 * Return: 0 or -ENOMEM.
 */
int altp2m_p2m_vcpu_init(struct altp2m_vcpu *vcpu)
{
	struct altp2m_vm *vm = vcpu->vm;
	int ret;

	vcpu->eptp_list = (u64 *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vcpu->eptp_list)
		return -ENOMEM;
	mutex_lock(&vm->mmu_lock);
	ret = altp2m_views_vcpu_enter(&vm->views, 0);
	if (!ret) {
		vcpu->view = 0;
		vcpu->hw_view = 0;
		vcpu->vmx.eptp = vm->view_eptp[0];
	}
	mutex_unlock(&vm->mmu_lock);
	if (ret) {
		free_page((unsigned long)vcpu->eptp_list);
		vcpu->eptp_list = NULL;
	}
	return ret;
}

/* Whether @view exists; the caller holds mmu_lock. */
static bool altp2m_p2m_view_exists(struct altp2m_vm *vm, u32 view)
{
	u64 eptp;

	return !altp2m_views_eptp(&vm->views, view, false, &eptp);
}

/* Entry @view of @vcpu's EPTP list, from the view and its visibility. */
static void altp2m_p2m_list_entry(struct altp2m_vcpu *vcpu, u32 view)
{
	struct altp2m_vm *vm = vcpu->vm;
	u64 e = 0;

	if (!test_bit(view, vcpu->view_hidden) &&
	    altp2m_p2m_view_exists(vm, view))
		e = vm->view_eptp[view];
	WRITE_ONCE(vcpu->eptp_list[view], e);
}

/* Entry @view of every vCPU's list; @lock and mmu_lock held. */
static void altp2m_p2m_list_sync(struct altp2m_vm *vm, u32 view)
{
	unsigned int i;

	for (i = 0; i < ALTP2M_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			altp2m_p2m_list_entry(vm->vcpus[i], view);
}

/**
 * altp2m_p2m_vcpu_attach - give a new vCPU the VM's views
 * @vcpu: the vCPU, about to enter the VM's vcpus (its @lock held)
 *
 * Its visibility starts as the VM-wide one, and its EPTP list holds every
 * view visible to it; later changes reach it through the vcpus array.
 */
void altp2m_p2m_vcpu_attach(struct altp2m_vcpu *vcpu)
{
	struct altp2m_vm *vm = vcpu->vm;
	unsigned int i;

	mutex_lock(&vm->mmu_lock);
	bitmap_copy(vcpu->view_hidden, vm->view_hidden, ALTP2M_MAX_VIEWS);
	for (i = 0; i < ALTP2M_MAX_VIEWS; i++)
		altp2m_p2m_list_entry(vcpu, i);
	mutex_unlock(&vm->mmu_lock);
}

void altp2m_p2m_vcpu_destroy(struct altp2m_vcpu *vcpu)
{
	struct altp2m_vm *vm = vcpu->vm;

	mutex_lock(&vm->mmu_lock);
	if (vcpu->switch_pending)
		altp2m_views_vcpu_leave(&vm->views, vcpu->switch_to);
	altp2m_views_vcpu_leave(&vm->views, vcpu->view);
	mutex_unlock(&vm->mmu_lock);
	free_page((unsigned long)vcpu->eptp_list);
}

/* Put @vcpu on @view, counted there already; mmu_lock held. */
static void altp2m_p2m_vcpu_move(struct altp2m_vcpu *vcpu, u32 view)
{
	struct altp2m_vm *vm = vcpu->vm;

	altp2m_views_vcpu_leave(&vm->views, vcpu->view);
	vcpu->view = view;
	WRITE_ONCE(vcpu->hw_view, view);
	vcpu->vmx.eptp = vm->view_eptp[view];
}

/* Drop a pending ALTP2M_SWITCH_VIEW; mmu_lock held. */
static void altp2m_p2m_cancel_switch(struct altp2m_vcpu *vcpu)
{
	if (!vcpu->switch_pending)
		return;
	altp2m_views_vcpu_leave(&vcpu->vm->views, vcpu->switch_to);
	vcpu->switch_pending = false;
}

/**
 * altp2m_p2m_vcpu_switch - move a vCPU to another view
 * @vcpu: the vCPU, its lock held (so it is not running)
 * @view: the view
 *
 * The view's EPTP goes into the VMCS at the next entry. Its translations
 * need no flush: every change to the view has flushed every CPU already.
 *
 * Return: 0, or the errors of altp2m_views_vcpu_enter(); the vCPU stays
 * where it was then.
 */
int altp2m_p2m_vcpu_switch(struct altp2m_vcpu *vcpu, u32 view)
{
	struct altp2m_vm *vm = vcpu->vm;
	int ret;

	if (view >= ALTP2M_MAX_VIEWS)
		return -EINVAL;
	mutex_lock(&vm->mmu_lock);
	ret = altp2m_views_vcpu_enter(&vm->views, view);
	if (!ret) {
		altp2m_p2m_cancel_switch(vcpu);
		altp2m_p2m_vcpu_move(vcpu, view);
	}
	mutex_unlock(&vm->mmu_lock);
	return ret;
}

/**
 * altp2m_p2m_vcpu_before_entry - apply a pending ALTP2M_SWITCH_VIEW
 * @vcpu: the vCPU, in its run loop
 */
void altp2m_p2m_vcpu_before_entry(struct altp2m_vcpu *vcpu)
{
	struct altp2m_vm *vm = vcpu->vm;

	if (!READ_ONCE(vcpu->switch_pending))
		return;
	mutex_lock(&vm->mmu_lock);
	if (vcpu->switch_pending) {
		vcpu->switch_pending = false;
		altp2m_p2m_vcpu_move(vcpu, vcpu->switch_to);
	}
	mutex_unlock(&vm->mmu_lock);
}

/**
 * altp2m_p2m_vcpu_after_exit - follow a switch the guest made by VMFUNC
 * @vcpu: the vCPU, in its run loop, right after an exit
 *
 * Counts the vCPU on the view the exit found it on, before anything
 * handles the exit in that view's terms.
 */
void altp2m_p2m_vcpu_after_exit(struct altp2m_vcpu *vcpu)
{
	struct altp2m_vm *vm = vcpu->vm;
	u32 view = READ_ONCE(vcpu->hw_view);

	if (view == vcpu->view)
		return;
	mutex_lock(&vm->mmu_lock);
	/*
	 * The view was in the vCPU's EPTP list, so it existed at the
	 * VMFUNC, and destroying it waits for this vCPU's exit: it exists.
	 */
	if (!altp2m_views_vcpu_enter(&vm->views, view)) {
		altp2m_views_vcpu_leave(&vm->views, vcpu->view);
		vcpu->view = view;
		vcpu->stats.guest_view_switches++;
	}
	mutex_unlock(&vm->mmu_lock);
}

/*
 * Whether a vCPU is on @view or about to be: the kick before this made
 * every vCPU in the guest exit, so @hw_view is current for all.
 */
static bool altp2m_p2m_view_in_use(struct altp2m_vm *vm, u32 view)
{
	struct altp2m_vcpu *vcpu;
	unsigned int i;

	for (i = 0; i < ALTP2M_MAX_VCPUS; i++) {
		vcpu = vm->vcpus[i];
		if (!vcpu)
			continue;
		if (READ_ONCE(vcpu->hw_view) == view || vcpu->view == view ||
		    (vcpu->switch_pending && vcpu->switch_to == view))
			return true;
	}
	return false;
}

/**
 * altp2m_p2m_view_created - a new view is visible to every vCPU
 * @vm: the VM, its @lock and mmu_lock held
 * @view: the view, just created
 *
 * Return: 0.
 */
int altp2m_p2m_view_created(struct altp2m_vm *vm, u32 view)
{
	unsigned int i;

	altp2m_views_eptp(&vm->views, view, false, &vm->view_eptp[view]);
	__clear_bit(view, vm->view_hidden);
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			__clear_bit(view, vm->vcpus[i]->view_hidden);
	altp2m_p2m_list_sync(vm, view);
	return 0;
}

/*
 * Take @first .. @last - 1 out of every EPTP list and make every vCPU in
 * the guest exit, so that no VMFUNC can reach them and every vCPU's
 * @hw_view is current. Return: whether a vCPU is on one of them (then
 * the lists are as before).
 */
static bool altp2m_p2m_withdraw(struct altp2m_vm *vm, u32 first, u32 last)
{
	unsigned int i, v;
	bool busy = false;

	for (i = 0; i < ALTP2M_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			for (v = first; v < last; v++)
				WRITE_ONCE(vm->vcpus[i]->eptp_list[v], 0);
	altp2m_vmx_kick(&vm->ran_cpus);
	for (v = first; v < last && !busy; v++)
		busy = altp2m_p2m_view_in_use(vm, v);
	if (busy)
		for (v = first; v < last; v++)
			altp2m_p2m_list_sync(vm, v);
	return busy;
}

/**
 * altp2m_p2m_destroy_view - ALTP2M_DESTROY_VIEW
 * @vm: the VM, its @lock and mmu_lock held
 * @view: the view
 *
 * Return: as altp2m_views_destroy_view(); -EBUSY also for a view a guest
 * switched to with VMFUNC.
 */
int altp2m_p2m_destroy_view(struct altp2m_vm *vm, u32 view)
{
	int ret;

	if (!view || !altp2m_p2m_view_exists(vm, view))
		return altp2m_views_destroy_view(&vm->views, view);
	if (altp2m_p2m_withdraw(vm, view, view + 1))
		return -EBUSY;
	ret = altp2m_views_destroy_view(&vm->views, view);
	altp2m_p2m_list_sync(vm, view);
	return ret;
}

/**
 * altp2m_p2m_disable - ALTP2M_VIEWS_DISABLE
 * @vm: the VM, its @lock and mmu_lock held
 *
 * Return: 0, or -EBUSY with nothing changed while a vCPU is on a view
 * other than 0.
 */
int altp2m_p2m_disable(struct altp2m_vm *vm)
{
	unsigned int v, max = vm->views.max_views;
	int ret;

	if (max > 1 && altp2m_p2m_withdraw(vm, 1, max))
		return -EBUSY;
	ret = altp2m_views_disable(&vm->views);
	for (v = 1; v < max; v++)
		altp2m_p2m_list_sync(vm, v);
	return ret;
}

/**
 * altp2m_p2m_set_visibility - ALTP2M_SET_VIEW_VISIBILITY
 * @vm: the VM, its @lock and mmu_lock held
 * @a: the checked request
 *
 * Return: 0, -ENOENT for a vCPU that does not exist, or the errors of
 * altp2m_views_vcpu_enter() for the view.
 */
int altp2m_p2m_set_visibility(struct altp2m_vm *vm,
			      const struct altp2m_view_visibility *a)
{
	struct altp2m_vcpu *one = NULL;
	unsigned int i;
	u64 eptp;
	int ret;

	ret = altp2m_views_eptp(&vm->views, a->view, false, &eptp);
	if (ret)
		return ret;
	if (a->flags & ALTP2M_VISIBILITY_ONE_VCPU) {
		one = vm->vcpus[a->vcpu_id];
		if (!one)
			return -ENOENT;
	} else {
		__assign_bit(a->view, vm->view_hidden, !a->visible);
	}
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++) {
		if (!vm->vcpus[i] || (one && vm->vcpus[i] != one))
			continue;
		__assign_bit(a->view, vm->vcpus[i]->view_hidden, !a->visible);
		altp2m_p2m_list_entry(vm->vcpus[i], a->view);
	}
	return 0;
}

/**
 * altp2m_p2m_switch - ALTP2M_SWITCH_VIEW
 * @vm: the VM, its @lock held (not mmu_lock)
 * @a: the checked request
 *
 * Each vCPU is counted on the view at once (so it cannot go away) and
 * moves there before its next entry; those in the guest are made to exit.
 *
 * Return: 0, -ENOENT for a vCPU that does not exist, or the errors of
 * altp2m_views_vcpu_enter(); nothing changed then.
 */
int altp2m_p2m_switch(struct altp2m_vm *vm, const struct altp2m_switch_view *a)
{
	struct altp2m_vcpu *vcpu;
	unsigned int i;
	int ret = 0;

	if (a->flags & ALTP2M_SWITCH_ONE_VCPU && !vm->vcpus[a->vcpu_id])
		return -ENOENT;
	mutex_lock(&vm->mmu_lock);
	if (!altp2m_p2m_view_exists(vm, a->view))
		ret = altp2m_views_vcpu_enter(&vm->views, a->view);
	for (i = 0; i < ALTP2M_MAX_VCPUS && !ret; i++) {
		vcpu = vm->vcpus[i];
		if (!vcpu || (a->flags & ALTP2M_SWITCH_ONE_VCPU &&
			      i != a->vcpu_id))
			continue;
		ret = altp2m_views_vcpu_enter(&vm->views, a->view);
		if (ret)
			break;
		altp2m_p2m_cancel_switch(vcpu);
		vcpu->switch_to = a->view;
		WRITE_ONCE(vcpu->switch_pending, true);
	}
	mutex_unlock(&vm->mmu_lock);
	/* Only a view that does not exist fails, before any vCPU moved. */
	if (ret)
		return ret;
	altp2m_vmx_kick(&vm->ran_cpus);
	return 0;
}

/**
 * altp2m_p2m_vcpu_views - ALTP2M_GET_VCPU_VIEWS
 * @vm: the VM, its @lock held
 * @a: filled
 */
void altp2m_p2m_vcpu_views(struct altp2m_vm *vm, struct altp2m_vcpu_views *a)
{
	struct altp2m_vcpu *vcpu;
	unsigned int i;

	mutex_lock(&vm->mmu_lock);
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++) {
		vcpu = vm->vcpus[i];
		if (!vcpu)
			continue;
		a->present |= BIT_ULL(i);
		a->view[i] = vcpu->switch_pending ? vcpu->switch_to :
			     READ_ONCE(vcpu->hw_view);
	}
	mutex_unlock(&vm->mmu_lock);
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
 * its target's frame, as the guest's own accesses do. Access rights are
 * the caller's to check (altp2m_p2m_fault()), where the guest would have
 * been stopped.
 *
 * Return: 0, or -EFAULT if a byte is not guest RAM (those before it are
 * copied).
 */
int altp2m_p2m_copy(struct altp2m_vcpu *vcpu, u64 gpa, void *buf,
		    unsigned int len, bool write)
{
	struct altp2m_vm *vm = vcpu->vm;
	unsigned int n;
	u64 frame_gpa;
	int ret = 0;

	while (len && !ret) {
		n = min_t(unsigned int, len, PAGE_SIZE - offset_in_page(gpa));
		mutex_lock(&vm->mmu_lock);
		frame_gpa = (altp2m_views_frame_gfn(&vm->views, vcpu->view,
						    gpa >> PAGE_SHIFT)
			     << PAGE_SHIFT) | offset_in_page(gpa);
		if (write)
			ret = altp2m_write_gpa(vm, frame_gpa, buf, n);
		else
			ret = altp2m_read_gpa(vm, frame_gpa, buf, n);
		mutex_unlock(&vm->mmu_lock);
		buf += n;
		gpa += n;
		len -= n;
	}
	return ret;
}
