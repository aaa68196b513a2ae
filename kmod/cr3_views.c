// SPDX-License-Identifier: GPL-2.0
/*
 * CR3 views (hidden.h; the uAPI's "CR3 views" is the spec): a table the
 * monitor installs that moves a vCPU to a view when its guest writes CR3,
 * without an event. core/cr3_table.c builds and searches the table; this
 * file installs it, applies it to the vCPUs' current CR3 at installation,
 * and makes the switch when a guest's MOV to CR3 completes (vmx/cr.c).
 *
 * The table belongs to the monitor (altp2m_monitor_cr3_slot()): replaced
 * whole under the VM's @lock with rcu_replace_pointer(), read by vCPUs
 * under RCU, freed after a grace period. While one is installed every
 * MOV to CR3 exits (altp2m_vmx_monitor_update() asks
 * altp2m_cr3_views_active()). A switch the table makes is the monitor's
 * (altp2m_monitor_switch()), so the monitor's close puts the vCPU back
 * (step 5 of the uAPI's "Closing"), and the close removes the table
 * before anything else.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "altp2m.h"
#include "hidden.h"
#include "core/cr3_table.h"

/**
 * struct altp2m_cr3_views - an installed table
 * @t: the table, whose entries are @e
 * @rcu: freed once no vCPU can be reading it
 * @e: @t.nr entries
 */
struct altp2m_cr3_views {
	struct altp2m_cr3_table t;
	struct rcu_head rcu;
	struct altp2m_monitor_cr3_view e[];
};

/* -ESRCH unless @view exists (or is ALTP2M_MON_VIEW_CURRENT, @current_ok). */
static int altp2m_cr3_view_exists(struct altp2m_vm *vm, u32 view,
				  bool current_ok)
{
	u64 eptp;

	lockdep_assert_held(&vm->mmu_lock);
	if (current_ok && view == ALTP2M_MON_VIEW_CURRENT)
		return 0;
	if (view >= ALTP2M_MAX_VIEWS ||
	    altp2m_views_eptp(&vm->views, view, false, &eptp))
		return -ESRCH;
	return 0;
}

/* Every view the table names exists now (a later destroy is skipped). */
static int altp2m_cr3_views_check(struct altp2m_vm *vm,
				  const struct altp2m_cr3_table *t)
{
	int ret;
	u32 i;

	mutex_lock(&vm->mmu_lock);
	ret = altp2m_cr3_view_exists(vm, t->default_view, true);
	for (i = 0; !ret && i < t->nr; i++)
		ret = altp2m_cr3_view_exists(vm, t->e[i].view, false);
	mutex_unlock(&vm->mmu_lock);
	return ret;
}

/*
 * The table's view for @cr3 (ALTP2M_MON_VIEW_CURRENT: stay); false when
 * no table is installed.
 */
static bool altp2m_cr3_views_find(struct altp2m_vcpu *vcpu, u64 cr3,
				  u32 *view)
{
	struct altp2m_cr3_views *v;

	rcu_read_lock();
	v = altp2m_monitor_cr3_get(vcpu->vm);
	if (v)
		*view = altp2m_cr3_table_lookup(&v->t, cr3);
	rcu_read_unlock();
	return v;
}

/*
 * Move @vcpu as the table says, as the monitor. Its lock held, and it is
 * either on its own thread or stopped (the counters have one writer at a
 * time). A view destroyed since the table was installed, or a batch
 * holding every vCPU, makes the switch fail: the vCPU stays.
 */
static void altp2m_cr3_views_switch(struct altp2m_vcpu *vcpu, u32 view)
{
	lockdep_assert_held(&vcpu->lock);
	if (view == ALTP2M_MON_VIEW_CURRENT || view == vcpu->view)
		return;
	if (!altp2m_monitor_switch(vcpu, view))
		altp2m_mon_stat_inc(vcpu, cr3_switches);
}

/**
 * altp2m_cr3_views_written - a guest's MOV to CR3 completed
 * @vcpu: the vCPU, its lock held: on its own thread in an exit handler,
 *	or on the monitor's completing a parked write (the vCPU stopped)
 * @cr3: the new CR3
 */
void altp2m_cr3_views_written(struct altp2m_vcpu *vcpu, u64 cr3)
{
	u32 view;

	lockdep_assert_held(&vcpu->lock);
	if (!altp2m_cr3_views_find(vcpu, cr3, &view))
		return;
	altp2m_mon_stat_inc(vcpu, cr3_exits);
	altp2m_cr3_views_switch(vcpu, view);
}

/**
 * altp2m_cr3_views_active - whether MOV to CR3 must exit for a table
 * @vcpu: the vCPU (any context: RCU only)
 */
bool altp2m_cr3_views_active(struct altp2m_vcpu *vcpu)
{
	bool on;

	rcu_read_lock();
	on = altp2m_monitor_cr3_get(vcpu->vm);
	rcu_read_unlock();
	return on;
}

/* A stopped vCPU, its lock held, moved by its current CR3. */
static void altp2m_cr3_views_apply_vcpu(struct altp2m_vcpu *vcpu)
{
	struct altp2m_sregs s;
	u32 view;

	lockdep_assert_held(&vcpu->lock);
	altp2m_vmx_get_sregs(vcpu, &s);
	if (altp2m_cr3_views_find(vcpu, s.cr3, &view))
		altp2m_cr3_views_switch(vcpu, view);
}

/*
 * A new table, applied to every vCPU's current CR3 before the vCPU enters
 * again: each is paused (the per-vCPU pause of ALTP2M_MONITOR_PAUSE, and
 * kicked, so that one in the guest or in HLT goes to
 * altp2m_monitor_wait(), which drops its lock), all of them before any
 * resumes; then each is moved under its lock on this thread, and all
 * resume. The vCPUs are pinned meanwhile (monitor.h), in @vcpus (room
 * for ALTP2M_MAX_VCPUS, zeroed; the caller's).
 */
static void altp2m_cr3_views_apply(struct altp2m_vm *vm,
				   struct altp2m_vcpu **vcpus)
{
	struct altp2m_vcpu *vcpu;
	unsigned int i;

	mutex_lock(&vm->lock);
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++) {
		vcpu = vm->vcpus[i];
		if (!vcpu)
			continue;
		atomic_inc(&vcpu->mon.users);
		WRITE_ONCE(vcpu->mon.pause_count, vcpu->mon.pause_count + 1);
		altp2m_vcpu_kick(vcpu);
		vcpus[i] = vcpu;
	}
	mutex_unlock(&vm->lock);

	for (i = 0; i < ALTP2M_MAX_VCPUS; i++) {
		vcpu = vcpus[i];
		if (!vcpu)
			continue;
		mutex_lock(&vcpu->lock);
		altp2m_cr3_views_apply_vcpu(vcpu);
		mutex_unlock(&vcpu->lock);
	}

	mutex_lock(&vm->lock);
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++) {
		vcpu = vcpus[i];
		if (!vcpu)
			continue;
		/* A RESUME from another thread may have taken this pause. */
		if (vcpu->mon.pause_count)
			WRITE_ONCE(vcpu->mon.pause_count,
				   vcpu->mon.pause_count - 1);
		wake_up(&vcpu->mon.wait);
	}
	mutex_unlock(&vm->lock);
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++)
		if (vcpus[i])
			altp2m_monitor_vcpu_unpin(vcpus[i]);
}

/* Install @v (NULL: remove the table); the old one is freed after RCU. */
static void altp2m_cr3_views_publish(struct altp2m_monitor *mon,
				     struct altp2m_cr3_views *v)
{
	struct altp2m_vm *vm = altp2m_monitor_vm(mon);
	struct altp2m_cr3_views *old;

	mutex_lock(&vm->lock);
	old = rcu_replace_pointer(*altp2m_monitor_cr3_slot(mon), v,
				  lockdep_is_held(&vm->lock));
	/* CR3-load exiting follows before each vCPU's next entry. */
	altp2m_make_all_vcpus_request(vm, ALTP2M_REQ_MONITOR, true);
	mutex_unlock(&vm->lock);
	if (old)
		kvfree_rcu(old, rcu);
}

/**
 * altp2m_cr3_views_ioctl - ALTP2M_MONITOR_SET_CR3_VIEWS
 * @mon: the monitor
 * @argp: the user's struct altp2m_monitor_cr3_table
 *
 * Return: 0, or -EINVAL, -ESRCH, -EFAULT as the uAPI says, -ENOMEM.
 */
long altp2m_cr3_views_ioctl(struct altp2m_monitor *mon, void __user *argp)
{
	struct altp2m_vm *vm = altp2m_monitor_vm(mon);
	struct altp2m_monitor_cr3_table a;
	struct altp2m_vcpu **vcpus;
	struct altp2m_cr3_views *v;
	long ret;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if ((a.flags & ~ALTP2M_MON_CR3_ENABLE) || a.pad ||
	    !altp2m_is_zero(a.reserved, sizeof(a.reserved)) ||
	    a.nr > ALTP2M_MONITOR_MAX_CR3_VIEWS ||
	    (!(a.flags & ALTP2M_MON_CR3_ENABLE) && a.nr))
		return -EINVAL;
	if (!(a.flags & ALTP2M_MON_CR3_ENABLE)) {
		altp2m_cr3_views_publish(mon, NULL);
		return 0;
	}

	vcpus = kcalloc(ALTP2M_MAX_VCPUS, sizeof(*vcpus), GFP_KERNEL);
	if (!vcpus)
		return -ENOMEM;
	v = kvmalloc(struct_size(v, e, a.nr), GFP_KERNEL_ACCOUNT);
	if (!v) {
		ret = -ENOMEM;
		goto err_vcpus;
	}
	if (copy_from_user(v->e, u64_to_user_ptr(a.entries),
			   array_size(a.nr, sizeof(v->e[0])))) {
		ret = -EFAULT;
		goto err_free;
	}
	ret = altp2m_cr3_table_build(&v->t, v->e, a.nr, a.cr3_mask,
				     a.default_view);
	if (ret)
		goto err_free;
	ret = altp2m_cr3_views_check(vm, &v->t);
	if (ret)
		goto err_free;
	altp2m_cr3_views_publish(mon, v);
	altp2m_cr3_views_apply(vm, vcpus);
	kfree(vcpus);
	return 0;

err_free:
	kvfree(v);
err_vcpus:
	kfree(vcpus);
	return ret;
}

/**
 * altp2m_cr3_views_release - the monitor's close removes its table
 * @mon: the monitor, at the start of its close
 *
 * Before the close's first step: no vCPU moves by the table while the
 * close puts the vCPUs back.
 */
void altp2m_cr3_views_release(struct altp2m_monitor *mon)
{
	altp2m_cr3_views_publish(mon, NULL);
}
