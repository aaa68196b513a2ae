// SPDX-License-Identifier: GPL-2.0
/*
 * The view operations, door-neutral: the VM fd's and vCPU fd's ioctls
 * (view_ioctl.c), the generic netlink family (netlink_views.c) and the
 * guest's own view calls (hypercall.c) all come here. The altp2m_vm_*
 * functions take kernel values, lock, call the view engine, count the
 * change in the VM's generation and announce it. The semantics are the
 * engine's (core/view*.c); the uAPI header documents them.
 *
 * No user memory is touched with mmu_lock held: a fault on it could need
 * the guest's own memory, and bulk arrays can be large.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "altp2m.h"

/*
 * The VM's @lock, then its mmu_lock: for the calls that change vCPUs'
 * EPTP lists (they walk the vCPUs).
 */
void altp2m_vm_lock_all(struct altp2m_vm *vm)
{
	mutex_lock(&vm->lock);
	mutex_lock(&vm->mmu_lock);
}

void altp2m_vm_unlock_all(struct altp2m_vm *vm)
{
	mutex_unlock(&vm->mmu_lock);
	mutex_unlock(&vm->lock);
}

/*
 * The engine's ops->resched (p2m.c sets it): its long walks run under
 * mmu_lock, a mutex, or on a VM nothing can reach any more (its
 * teardown), so they may sleep; a CPU that has other work gets it.
 */
void altp2m_vm_resched(void *ctx)
{
	cond_resched();
}

/* Dumps in progress see that they raced with this change; mmu_lock held. */
void altp2m_vm_views_changed(struct altp2m_vm *vm)
{
	lockdep_assert_held(&vm->mmu_lock);
	vm->views_gen++;
}

int altp2m_vm_views_enable(struct altp2m_vm *vm, u32 max_views, u32 mode)
{
	int ret;

	if (max_views > ALTP2M_MAX_VIEWS || mode > ALTP2M_MODE_LIMITED)
		return -EINVAL;
	mutex_lock(&vm->mmu_lock);
	ret = altp2m_views_enable(&vm->views, max_views);
	if (!ret) {
		WRITE_ONCE(vm->views_mode, mode);
		altp2m_vm_views_changed(vm);
		max_views = vm->views.max_views;
	}
	mutex_unlock(&vm->mmu_lock);
	if (!ret)
		altp2m_nl_notify(vm, ALTP2M_CMD_VIEWS_ENABLED, max_views, mode);
	return ret;
}

int altp2m_vm_views_disable(struct altp2m_vm *vm)
{
	bool was;
	int ret;

	altp2m_vm_lock_all(vm);
	was = vm->views.max_views;
	ret = altp2m_switch_disable(vm);
	if (!ret) {
		WRITE_ONCE(vm->views_mode, ALTP2M_MODE_EXTERNAL);
		altp2m_vm_views_changed(vm);
	}
	altp2m_vm_unlock_all(vm);
	if (!ret && was)
		altp2m_nl_notify(vm, ALTP2M_CMD_VIEWS_DISABLED, 0, 0);
	return ret;
}

/*
 * @serial (NULL for none) is set to altp2m_views_serial() of the new
 * view, read under the same lock, so that a monitor can tell later that
 * the view at *@idx is still the one it created.
 */
int altp2m_vm_view_create_serial(struct altp2m_vm *vm, unsigned int access,
				 unsigned int *idx, u64 *serial)
{
	int ret;

	if (access > ALTP2M_ACCESS_DEFAULT)
		return -EINVAL;
	altp2m_vm_lock_all(vm);
	ret = altp2m_views_create(&vm->views, access, idx);
	if (!ret) {
		altp2m_switch_view_created(vm, *idx);
		altp2m_vm_views_changed(vm);
		if (serial)
			*serial = altp2m_views_serial(&vm->views, *idx);
	}
	altp2m_vm_unlock_all(vm);
	if (!ret)
		altp2m_nl_notify(vm, ALTP2M_CMD_VIEW_CREATED, *idx, 0);
	return ret;
}

int altp2m_vm_view_create(struct altp2m_vm *vm, unsigned int access,
			  unsigned int *idx)
{
	return altp2m_vm_view_create_serial(vm, access, idx, NULL);
}

int altp2m_vm_view_destroy(struct altp2m_vm *vm, u32 view)
{
	int ret;

	if (view >= ALTP2M_MAX_VIEWS)
		return -EINVAL;
	altp2m_vm_lock_all(vm);
	ret = altp2m_switch_destroy_view(vm, view);
	if (!ret)
		altp2m_vm_views_changed(vm);
	altp2m_vm_unlock_all(vm);
	if (!ret)
		altp2m_nl_notify(vm, ALTP2M_CMD_VIEW_DESTROYED, view, 0);
	return ret;
}

/*
 * Before an engine call (mmu_lock held): no cause noted yet. After it: a
 * failure's cause, for a caller that wants it (@why not NULL).
 */
void altp2m_vm_why_clear(struct altp2m_vm *vm)
{
	lockdep_assert_held(&vm->mmu_lock);
	memset(&vm->views.why, 0, sizeof(vm->views.why));
}

void altp2m_vm_why_take(struct altp2m_vm *vm, int ret,
			struct altp2m_views_why *why)
{
	lockdep_assert_held(&vm->mmu_lock);
	if (why && ret)
		*why = vm->views.why;
}

/*
 * Access (@sve false) or suppress-#VE of @npages gfns from @gfn. @why
 * (may be NULL): which argument a failure is about.
 */
int altp2m_vm_gfn_set_range(struct altp2m_vm *vm, u32 view, u64 gfn,
			    u64 npages, unsigned int value, bool sve,
			    struct altp2m_views_why *why)
{
	int ret;

	if (view >= ALTP2M_MAX_VIEWS || !npages)
		return -EINVAL;
	mutex_lock(&vm->mmu_lock);
	altp2m_vm_why_clear(vm);
	if (sve)
		ret = altp2m_views_set_sve_range(&vm->views, view, gfn, npages,
						 value);
	else
		ret = altp2m_views_set_access_range(&vm->views, view, gfn,
						    npages, value);
	altp2m_vm_why_take(vm, ret, why);
	if (!ret)
		altp2m_vm_views_changed(vm);
	mutex_unlock(&vm->mmu_lock);
	return ret;
}

/* The same for a list of (gfn, value) pairs, all-or-nothing. */
int altp2m_vm_gfn_set_list(struct altp2m_vm *vm, u32 view, const u64 *gfns,
			   const u8 *values, u64 n, bool sve,
			   struct altp2m_views_why *why)
{
	int ret;

	if (view >= ALTP2M_MAX_VIEWS || !n || n > ALTP2M_GFN_LIST_MAX)
		return -EINVAL;
	mutex_lock(&vm->mmu_lock);
	altp2m_vm_why_clear(vm);
	if (sve)
		ret = altp2m_views_set_sve_list(&vm->views, view, gfns, values,
						n);
	else
		ret = altp2m_views_set_access_list(&vm->views, view, gfns,
						   values, n);
	altp2m_vm_why_take(vm, ret, why);
	if (!ret)
		altp2m_vm_views_changed(vm);
	mutex_unlock(&vm->mmu_lock);
	return ret;
}

int altp2m_vm_gfn_get(struct altp2m_vm *vm, u32 view, u64 gfn,
		      unsigned int *access, unsigned int *sve)
{
	int ret;

	if (view >= ALTP2M_MAX_VIEWS)
		return -EINVAL;
	mutex_lock(&vm->mmu_lock);
	ret = altp2m_views_get_access(&vm->views, view, gfn, access);
	if (!ret)
		ret = altp2m_views_get_sve(&vm->views, view, gfn, sve);
	mutex_unlock(&vm->mmu_lock);
	return ret;
}

int altp2m_vm_gfn_remap(struct altp2m_vm *vm, u32 view, u64 gfn, u64 target,
			struct altp2m_views_why *why)
{
	int ret;

	if (view >= ALTP2M_MAX_VIEWS)
		return -EINVAL;
	mutex_lock(&vm->mmu_lock);
	altp2m_vm_why_clear(vm);
	ret = altp2m_views_remap(&vm->views, view, gfn, target);
	altp2m_vm_why_take(vm, ret, why);
	if (!ret)
		altp2m_vm_views_changed(vm);
	mutex_unlock(&vm->mmu_lock);
	return ret;
}

/*
 * Up to @nr views from *@cursor on, into @info; *@cursor moves past them.
 * Return: how many, or a negative errno. @gen: the VM's generation then.
 */
int altp2m_vm_views_list(struct altp2m_vm *vm, unsigned int *cursor,
			 struct altp2m_view_info *info, unsigned int nr,
			 u64 *gen)
{
	struct altp2m_view_summary *sum;
	int i, n;

	sum = kvmalloc_array(nr, sizeof(*sum), GFP_KERNEL_ACCOUNT);
	if (!sum)
		return -ENOMEM;
	*cursor = min_t(u32, *cursor, ALTP2M_MAX_VIEWS);
	mutex_lock(&vm->mmu_lock);
	n = altp2m_views_list(&vm->views, cursor, sum, nr);
	*gen = vm->views_gen;
	mutex_unlock(&vm->mmu_lock);
	for (i = 0; i < n; i++) {
		memset(&info[i], 0, sizeof(info[i]));
		info[i].view = sum[i].index;
		info[i].vcpus_on = sum[i].vcpus_on;
		info[i].default_access = sum[i].default_access;
		info[i].nr_leaves = sum[i].nr_leaves;
		info[i].nr_pages = sum[i].nr_pages;
		info[i].nr_tables = sum[i].nr_tables;
		info[i].nr_remaps = sum[i].nr_remaps;
	}
	kvfree(sum);
	return n;
}

/*
 * Up to @nr runs of @view from gfn *@cursor on, into @ent; *@cursor moves
 * past them (ALTP2M_GFN_INVALID at the end). @gen as above.
 */
int altp2m_vm_view_dump(struct altp2m_vm *vm, u32 view, u64 *cursor,
			struct altp2m_view_entry *ent, unsigned int nr,
			u64 *gen)
{
	struct altp2m_view_run *runs;
	int i, n;

	if (view >= ALTP2M_MAX_VIEWS)
		return -EINVAL;
	runs = kvmalloc_array(nr, sizeof(*runs), GFP_KERNEL_ACCOUNT);
	if (!runs)
		return -ENOMEM;
	mutex_lock(&vm->mmu_lock);
	n = altp2m_views_dump(&vm->views, view, cursor, runs, nr);
	*gen = vm->views_gen;
	mutex_unlock(&vm->mmu_lock);
	for (i = 0; i < n; i++) {
		memset(&ent[i], 0, sizeof(ent[i]));
		ent[i].gfn = runs[i].gfn;
		ent[i].npages = runs[i].npages;
		ent[i].target = runs[i].target;
		ent[i].access = runs[i].access;
		ent[i].suppress_ve = runs[i].sve;
	}
	kvfree(runs);
	return n;
}

/*
 * -ENOENT is also the switch calls' answer for a view that does not
 * exist, so the vCPU is checked here first, under the VM's @lock, which
 * vCPUs come and go under: the answer is the call's.
 */
static int altp2m_vm_no_vcpu(struct altp2m_vm *vm, bool one, u32 vcpu_id,
			     struct altp2m_views_why *why)
{
	lockdep_assert_held(&vm->lock);
	if (!one || vm->vcpus[vcpu_id])
		return 0;
	if (why) {
		memset(why, 0, sizeof(*why));
		why->arg = ALTP2M_WHY_VCPU;
	}
	return -ENOENT;
}

int altp2m_vm_set_visibility(struct altp2m_vm *vm,
			     const struct altp2m_view_visibility *a,
			     struct altp2m_views_why *why)
{
	int ret;

	altp2m_vm_lock_all(vm);
	ret = altp2m_vm_no_vcpu(vm, a->flags & ALTP2M_VISIBILITY_ONE_VCPU,
				a->vcpu_id, why);
	if (!ret) {
		altp2m_vm_why_clear(vm);
		ret = altp2m_switch_set_visibility(vm, a);
		altp2m_vm_why_take(vm, ret, why);
	}
	altp2m_vm_unlock_all(vm);
	return ret;
}

int altp2m_vm_switch(struct altp2m_vm *vm, const struct altp2m_switch_view *a,
		     struct altp2m_views_why *why)
{
	int ret;

	mutex_lock(&vm->lock);
	ret = altp2m_vm_no_vcpu(vm, a->flags & ALTP2M_SWITCH_ONE_VCPU,
				a->vcpu_id, why);
	if (!ret)
		ret = altp2m_switch_vcpus(vm, a);
	mutex_unlock(&vm->lock);
	return ret;
}

void altp2m_vm_vcpu_views(struct altp2m_vm *vm, struct altp2m_vcpu_views *a)
{
	memset(a, 0, sizeof(*a));
	mutex_lock(&vm->lock);
	altp2m_switch_get_vcpu_views(vm, a);
	mutex_unlock(&vm->lock);
}
