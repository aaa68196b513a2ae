// SPDX-License-Identifier: GPL-2.0
/*
 * Which view each vCPU is on, and how it moves: the host's switches (one
 * vCPU from its own file, or any vCPUs from the VM file while they run),
 * the guest's VMFUNC EPTP switching through each vCPU's EPTP list, and
 * view visibility, which decides what that list holds.
 *
 * The module must know each vCPU's view for its exits and for refusing to
 * destroy a view in use, yet a guest VMFUNC moves without an exit. So the
 * vCPU notes where it is right after every exit, with interrupts still
 * off (vmx/run.c), and whoever needs the truth makes every vCPU in the
 * guest exit once (a kick IPI, waited for) and then reads those notes.
 *
 * Locking: the VM's @lock (the vcpus array) before its mmu_lock (the
 * engine and the lists); the run loop takes only mmu_lock. Pending host
 * switches are ALTP2M_REQ_SWITCH_VIEW requests (request.h), made, taken
 * and cancelled under mmu_lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/mm.h>

#include "altp2m.h"

/**
 * altp2m_vcpu_views_init - a new vCPU starts on view 0
 * @vcpu: the vCPU, before its VMCS is set up
 *
 * Return: 0 or -ENOMEM.
 */
int altp2m_vcpu_views_init(struct altp2m_vcpu *vcpu)
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
		/* No CPU yet: the first entry is an arrival (flushes). */
		vcpu->cpu = -1;
	}
	mutex_unlock(&vm->mmu_lock);
	if (ret) {
		free_page((unsigned long)vcpu->eptp_list);
		vcpu->eptp_list = NULL;
	}
	return ret;
}

/* Whether @view exists; the caller holds mmu_lock. */
static bool altp2m_switch_view_exists(struct altp2m_vm *vm, u32 view)
{
	u64 eptp;

	lockdep_assert_held(&vm->mmu_lock);
	return !altp2m_views_eptp(&vm->views, view, false, &eptp);
}

/*
 * Entry @view of @vcpu's EPTP list, from the view (a view that does not
 * exist has EPTP 0, invalid) and its visibility.
 */
static void altp2m_switch_list_entry(struct altp2m_vcpu *vcpu, u32 view)
{
	WRITE_ONCE(vcpu->eptp_list[view],
		   test_bit(view, vcpu->view_hidden) ? 0 :
		   vcpu->vm->view_eptp[view]);
}

/* Entry @view of every vCPU's list; @lock and mmu_lock held. */
static void altp2m_switch_list_sync(struct altp2m_vm *vm, u32 view)
{
	unsigned int i;

	lockdep_assert_held(&vm->lock);
	lockdep_assert_held(&vm->mmu_lock);
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			altp2m_switch_list_entry(vm->vcpus[i], view);
}

/**
 * altp2m_vcpu_views_attach - give a new vCPU the VM's views
 * @vcpu: the vCPU, about to enter the VM's vcpus (its @lock held)
 *
 * Its visibility starts as the VM-wide one, and its EPTP list holds every
 * view visible to it; later changes reach it through the vcpus array.
 */
void altp2m_vcpu_views_attach(struct altp2m_vcpu *vcpu)
{
	struct altp2m_vm *vm = vcpu->vm;
	unsigned int i;

	lockdep_assert_held(&vm->lock);
	mutex_lock(&vm->mmu_lock);
	bitmap_copy(vcpu->view_hidden, vm->view_hidden, ALTP2M_MAX_VIEWS);
	for (i = 0; i < ALTP2M_MAX_VIEWS; i++)
		altp2m_switch_list_entry(vcpu, i);
	mutex_unlock(&vm->mmu_lock);
}

/* Drop a pending ALTP2M_SWITCH_VIEW; mmu_lock held. */
static void altp2m_switch_cancel(struct altp2m_vcpu *vcpu)
{
	lockdep_assert_held(&vcpu->vm->mmu_lock);
	if (altp2m_check_request(vcpu, ALTP2M_REQ_SWITCH_VIEW))
		altp2m_views_vcpu_leave(&vcpu->vm->views, vcpu->switch_to);
}

void altp2m_vcpu_views_destroy(struct altp2m_vcpu *vcpu)
{
	struct altp2m_vm *vm = vcpu->vm;

	mutex_lock(&vm->mmu_lock);
	altp2m_switch_cancel(vcpu);
	altp2m_views_vcpu_leave(&vm->views, vcpu->view);
	mutex_unlock(&vm->mmu_lock);
	free_page((unsigned long)vcpu->eptp_list);
}

/* Put @vcpu on @view, counted there already; mmu_lock held. */
static void altp2m_switch_move(struct altp2m_vcpu *vcpu, u32 view)
{
	struct altp2m_vm *vm = vcpu->vm;

	lockdep_assert_held(&vm->mmu_lock);
	altp2m_views_vcpu_leave(&vm->views, vcpu->view);
	/* Anybody's switch ends the monitor's claim to put it back. */
	vcpu->mon.view_saved = false;
	vcpu->view = view;
	WRITE_ONCE(vcpu->hw_view, view);
	vcpu->vmx.eptp = vm->view_eptp[view];
	altp2m_make_request(vcpu, ALTP2M_REQ_EPTP);
	altp2m_vm_views_changed(vm);
}

/**
 * altp2m_vcpu_switch_view - move a vCPU to another view
 * @vcpu: the vCPU, its lock held (so it is not running)
 * @view: the view
 *
 * The view's EPTP goes into the VMCS at the next entry. Its translations
 * need no flush: every change to the view has flushed every CPU already.
 *
 * Return: 0, or the errors of altp2m_views_vcpu_enter(); the vCPU stays
 * where it was then.
 */
int altp2m_vcpu_switch_view(struct altp2m_vcpu *vcpu, u32 view)
{
	struct altp2m_vm *vm = vcpu->vm;
	int ret;

	lockdep_assert_held(&vcpu->lock);
	if (view >= ALTP2M_MAX_VIEWS)
		return -EINVAL;
	mutex_lock(&vm->mmu_lock);
	ret = altp2m_views_vcpu_enter(&vm->views, view);
	if (!ret) {
		altp2m_switch_cancel(vcpu);
		altp2m_switch_move(vcpu, view);
	}
	mutex_unlock(&vm->mmu_lock);
	return ret;
}

/**
 * altp2m_vcpu_view_before_entry - apply a pending ALTP2M_SWITCH_VIEW, and
 *	wait for a batch that holds the vCPUs (ALTP2M_REQ_HOLD)
 * @vcpu: the vCPU, in its run loop
 */
void altp2m_vcpu_view_before_entry(struct altp2m_vcpu *vcpu)
{
	struct altp2m_vm *vm = vcpu->vm;

	if (!(READ_ONCE(vcpu->requests) & (BIT(ALTP2M_REQ_SWITCH_VIEW) |
					   BIT(ALTP2M_REQ_HOLD))))
		return;
	/* A batch keeps mmu_lock until it is applied and flushed. */
	mutex_lock(&vm->mmu_lock);
	altp2m_check_request(vcpu, ALTP2M_REQ_HOLD);
	/* Cancelled meanwhile, or still there: decided under the lock. */
	if (altp2m_check_request(vcpu, ALTP2M_REQ_SWITCH_VIEW))
		altp2m_switch_move(vcpu, vcpu->switch_to);
	mutex_unlock(&vm->mmu_lock);
}

/**
 * altp2m_vcpu_view_after_exit - follow a switch the guest made by VMFUNC
 * @vcpu: the vCPU, in its run loop, right after an exit
 *
 * Counts the vCPU on the view the exit found it on, before anything
 * handles the exit in that view's terms.
 */
void altp2m_vcpu_view_after_exit(struct altp2m_vcpu *vcpu)
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
static bool altp2m_switch_view_in_use(struct altp2m_vm *vm, u32 view)
{
	struct altp2m_vcpu *vcpu;
	unsigned int i;

	lockdep_assert_held(&vm->mmu_lock);
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++) {
		vcpu = vm->vcpus[i];
		if (!vcpu)
			continue;
		if (READ_ONCE(vcpu->hw_view) == view || vcpu->view == view ||
		    (altp2m_test_request(vcpu, ALTP2M_REQ_SWITCH_VIEW) &&
		     vcpu->switch_to == view))
			return true;
	}
	return false;
}

/**
 * altp2m_switch_view_created - a new view is visible to every vCPU
 * @vm: the VM, its @lock and mmu_lock held
 * @view: the view, just created
 *
 * Return: 0.
 */
int altp2m_switch_view_created(struct altp2m_vm *vm, u32 view)
{
	unsigned int i;
	u64 eptp = 0;

	lockdep_assert_held(&vm->lock);
	lockdep_assert_held(&vm->mmu_lock);
	altp2m_views_eptp(&vm->views, view, false, &eptp);
	/*
	 * The root page may have been another view's (of any VM), whose
	 * translations some CPU still holds: every vCPU flushes before a
	 * guest can reach the view, by VMFUNC or a switch (see p2m.c).
	 */
	altp2m_make_all_vcpus_request(vm, ALTP2M_REQ_TLB_FLUSH, true);
	WRITE_ONCE(vm->view_eptp[view], eptp);
	__clear_bit(view, vm->view_hidden);
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			__clear_bit(view, vm->vcpus[i]->view_hidden);
	altp2m_switch_list_sync(vm, view);
	return 0;
}

/*
 * Take @first .. @last - 1 out of every EPTP list and make every vCPU in
 * the guest exit, so that no VMFUNC can reach them and every vCPU's
 * @hw_view is current. Return: whether a vCPU is on one of them (then
 * the lists are as before).
 */
static bool altp2m_switch_withdraw(struct altp2m_vm *vm, u32 first, u32 last)
{
	unsigned int i, v;
	bool busy = false;

	lockdep_assert_held(&vm->lock);
	lockdep_assert_held(&vm->mmu_lock);
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			for (v = first; v < last; v++)
				WRITE_ONCE(vm->vcpus[i]->eptp_list[v], 0);
	altp2m_make_all_vcpus_request(vm, ALTP2M_REQ_NONE, true);
	for (v = first; v < last && !busy; v++)
		busy = altp2m_switch_view_in_use(vm, v);
	if (busy)
		for (v = first; v < last; v++)
			altp2m_switch_list_sync(vm, v);
	return busy;
}

/**
 * altp2m_switch_destroy_view - ALTP2M_DESTROY_VIEW
 * @vm: the VM, its @lock and mmu_lock held
 * @view: the view
 *
 * Return: as altp2m_views_destroy_view(); -EBUSY also for a view a guest
 * switched to with VMFUNC.
 */
int altp2m_switch_destroy_view(struct altp2m_vm *vm, u32 view)
{
	int ret;

	lockdep_assert_held(&vm->lock);
	lockdep_assert_held(&vm->mmu_lock);
	if (!view || !altp2m_switch_view_exists(vm, view))
		return altp2m_views_destroy_view(&vm->views, view);
	if (altp2m_switch_withdraw(vm, view, view + 1))
		return -EBUSY;
	ret = altp2m_views_destroy_view(&vm->views, view);
	if (!ret)
		WRITE_ONCE(vm->view_eptp[view], 0);
	altp2m_switch_list_sync(vm, view);
	return ret;
}

/**
 * altp2m_switch_disable - ALTP2M_VIEWS_DISABLE
 * @vm: the VM, its @lock and mmu_lock held
 *
 * Return: 0, or -EBUSY with nothing changed while a vCPU is on a view
 * other than 0.
 */
int altp2m_switch_disable(struct altp2m_vm *vm)
{
	unsigned int v, max = vm->views.max_views;
	int ret;

	lockdep_assert_held(&vm->lock);
	lockdep_assert_held(&vm->mmu_lock);
	if (max > 1 && altp2m_switch_withdraw(vm, 1, max))
		return -EBUSY;
	ret = altp2m_views_disable(&vm->views);
	for (v = 1; v < max; v++) {
		if (!ret)
			WRITE_ONCE(vm->view_eptp[v], 0);
		altp2m_switch_list_sync(vm, v);
	}
	return ret;
}

/**
 * altp2m_switch_set_visibility - ALTP2M_SET_VIEW_VISIBILITY
 * @vm: the VM, its @lock and mmu_lock held
 * @a: the checked request
 *
 * Return: 0, -ENOENT for a vCPU that does not exist, or the errors of
 * altp2m_views_vcpu_enter() for the view.
 */
int altp2m_switch_set_visibility(struct altp2m_vm *vm,
				 const struct altp2m_view_visibility *a)
{
	struct altp2m_vcpu *one = NULL;
	unsigned int i;
	u64 eptp;
	int ret;

	lockdep_assert_held(&vm->lock);
	lockdep_assert_held(&vm->mmu_lock);
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
		altp2m_switch_list_entry(vm->vcpus[i], a->view);
	}
	return 0;
}

/**
 * altp2m_switch_vcpus - ALTP2M_SWITCH_VIEW
 * @vm: the VM, its @lock held (not mmu_lock)
 * @a: the checked request
 *
 * Each vCPU is counted on the view at once (so it cannot go away). One
 * that is not inside an ioctl moves there at once; one that is (running)
 * moves before its next entry, and is made to exit if in the guest.
 *
 * Return: 0, -ENOENT for a vCPU that does not exist, or the errors of
 * altp2m_views_vcpu_enter(); nothing changed then.
 */
int altp2m_switch_vcpus(struct altp2m_vm *vm, const struct altp2m_switch_view *a)
{
	struct altp2m_vcpu *vcpu;
	unsigned int i;
	int ret = 0;

	lockdep_assert_held(&vm->lock);
	if (a->flags & ALTP2M_SWITCH_ONE_VCPU && !vm->vcpus[a->vcpu_id])
		return -ENOENT;
	mutex_lock(&vm->mmu_lock);
	if (!altp2m_switch_view_exists(vm, a->view))
		ret = altp2m_views_vcpu_enter(&vm->views, a->view);
	for (i = 0; i < ALTP2M_MAX_VCPUS && !ret; i++) {
		vcpu = vm->vcpus[i];
		if (!vcpu || (a->flags & ALTP2M_SWITCH_ONE_VCPU &&
			      i != a->vcpu_id))
			continue;
		ret = altp2m_views_vcpu_enter(&vm->views, a->view);
		if (ret)
			break;
		altp2m_switch_cancel(vcpu);
		/*
		 * A vCPU outside its ioctls moves now, so that the view it
		 * leaves is free at once (destroyable); any other gets a
		 * request and moves before its next entry.
		 *
		 * Why the trylock cannot miss a running vCPU: ALTP2M_RUN
		 * holds vcpu->lock from before its first entry until after
		 * its last exit, so while the vCPU can be in the guest the
		 * trylock fails and the request path is taken. If it
		 * succeeds, no ioctl of the vCPU runs and none can start
		 * until the unlock; the next RUN takes the lock after it,
		 * and the mutex orders our move before everything that RUN
		 * does. The lock is only ever tried here, because the usual
		 * order is vcpu->lock then mmu_lock (the run loop) and we
		 * hold mmu_lock: waiting could deadlock. A trylock that fails
		 * because another ioctl (not RUN) holds the lock is harmless:
		 * the request is taken at the next entry, whenever that is.
		 */
		if (mutex_trylock(&vcpu->lock)) {
			altp2m_switch_move(vcpu, a->view);
			mutex_unlock(&vcpu->lock);
			continue;
		}
		vcpu->switch_to = a->view;
		altp2m_make_request(vcpu, ALTP2M_REQ_SWITCH_VIEW);
	}
	mutex_unlock(&vm->mmu_lock);
	/* Only a view that does not exist fails, before any vCPU moved. */
	if (ret)
		return ret;
	altp2m_make_all_vcpus_request(vm, ALTP2M_REQ_NONE, true);
	return 0;
}

/**
 * altp2m_switch_get_vcpu_views - ALTP2M_GET_VCPU_VIEWS
 * @vm: the VM, its @lock held
 * @a: filled
 */
void altp2m_switch_get_vcpu_views(struct altp2m_vm *vm, struct altp2m_vcpu_views *a)
{
	struct altp2m_vcpu *vcpu;
	unsigned int i;

	lockdep_assert_held(&vm->lock);
	mutex_lock(&vm->mmu_lock);
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++) {
		vcpu = vm->vcpus[i];
		if (!vcpu)
			continue;
		a->present |= BIT_ULL(i);
		a->view[i] = altp2m_test_request(vcpu, ALTP2M_REQ_SWITCH_VIEW) ?
			     vcpu->switch_to : READ_ONCE(vcpu->hw_view);
	}
	mutex_unlock(&vm->mmu_lock);
}

/**
 * altp2m_vcpu_view_vmfunc - a guest VMFUNC the module carries out
 * @vcpu: the vCPU, in its run loop
 * @eax: the guest's EAX (the VM function)
 * @ecx: the guest's ECX (the view)
 *
 * As the CPU's EPTP switching: leaf 0 to a view in the vCPU's EPTP list.
 *
 * Return: 0 when the vCPU is on view @ecx now, -EINVAL when the CPU would
 * have refused (the guest gets #UD, its view unchanged).
 */
int altp2m_vcpu_view_vmfunc(struct altp2m_vcpu *vcpu, u64 eax, u64 ecx)
{
	struct altp2m_vm *vm = vcpu->vm;
	int ret = -EINVAL;

	if ((u32)eax || (u32)ecx >= ALTP2M_MAX_VIEWS)
		return ret;
	ecx = (u32)ecx;
	mutex_lock(&vm->mmu_lock);
	if (READ_ONCE(vcpu->eptp_list[ecx]) &&
	    !altp2m_views_vcpu_enter(&vm->views, ecx)) {
		altp2m_switch_move(vcpu, ecx);
		vcpu->stats.guest_view_switches++;
		ret = 0;
	}
	mutex_unlock(&vm->mmu_lock);
	return ret;
}
