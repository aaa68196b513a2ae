// SPDX-License-Identifier: GPL-2.0
/*
 * The view ioctls of the VM fd (altp2m_views_ioctl(), from vm.c) and of
 * the vCPU fd (altp2m_vcpu_view_ioctl(), from vcpu.c): each checks what
 * userspace passed (flags, padding, sizes), copies it in, calls the
 * door-neutral operation of view_ops.c and copies the answer out. No user
 * memory is touched with the VM's @lock or mmu_lock held (see
 * view_ops.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "altp2m.h"

static long altp2m_ioc_views_enable(struct altp2m_vm *vm, void __user *argp)
{
	struct altp2m_views_enable a;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.pad || !altp2m_is_zero(a.reserved, sizeof(a.reserved)))
		return -EINVAL;
	return altp2m_vm_views_enable(vm, a.max_views, a.mode);
}

/**
 * altp2m_views_ioctl_create - ALTP2M_CREATE_VIEW
 * @vm: the VM
 * @argp: the argument
 * @view: set to the new view on success
 * @serial: NULL, or set to its altp2m_views_serial() on success (for the
 *	monitor fd, which records the views it creates)
 *
 * Return: as documented in the uAPI.
 */
long altp2m_views_ioctl_create(struct altp2m_vm *vm, void __user *argp,
			       u32 *view, u64 *serial)
{
	struct altp2m_view_create a;
	unsigned int idx;
	long ret;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.view || !altp2m_is_zero(a.reserved, sizeof(a.reserved)))
		return -EINVAL;
	ret = altp2m_vm_view_create_serial(vm, a.default_access, &idx, serial);
	if (ret)
		return ret;
	a.view = idx;
	*view = idx;
	if (!copy_to_user(argp, &a, sizeof(a)))
		return 0;
	/* A view the caller cannot name would only take a slot. */
	altp2m_vm_view_destroy(vm, idx);
	return -EFAULT;
}

static long altp2m_ioc_view_create(struct altp2m_vm *vm, void __user *argp)
{
	u32 view;

	return altp2m_views_ioctl_create(vm, argp, &view, NULL);
}

static long altp2m_ioc_view_destroy(struct altp2m_vm *vm, void __user *argp)
{
	struct altp2m_view_destroy a;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags || !altp2m_is_zero(a.reserved, sizeof(a.reserved)))
		return -EINVAL;
	return altp2m_vm_view_destroy(vm, a.view);
}

/* A list of (gfn, value) pairs, copied in before the engine sees it. */
static long altp2m_ioc_gfn_set_list(struct altp2m_vm *vm,
				    const struct altp2m_gfn_set *a, bool sve)
{
	u64 *gfns;
	u8 *values;
	long ret;

	if (a->gfn || a->value || a->npages > ALTP2M_GFN_LIST_MAX)
		return -EINVAL;
	gfns = kvmalloc_array(a->npages, sizeof(*gfns), GFP_KERNEL_ACCOUNT);
	values = kvmalloc(a->npages, GFP_KERNEL_ACCOUNT);
	ret = -ENOMEM;
	if (!gfns || !values)
		goto out;
	ret = -EFAULT;
	if (copy_from_user(gfns, u64_to_user_ptr(a->gfns),
			   a->npages * sizeof(*gfns)) ||
	    copy_from_user(values, u64_to_user_ptr(a->values), a->npages))
		goto out;
	ret = altp2m_vm_gfn_set_list(vm, a->view, gfns, values, a->npages, sve,
				     NULL);
out:
	kvfree(values);
	kvfree(gfns);
	return ret;
}

/* ALTP2M_SET_MEM_ACCESS and ALTP2M_SET_SUPPRESS_VE. */
static long altp2m_ioc_gfn_set(struct altp2m_vm *vm, void __user *argp,
			       bool sve)
{
	struct altp2m_gfn_set a;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if ((a.flags & ~ALTP2M_GFN_SET_LIST) || !a.npages ||
	    a.view >= ALTP2M_MAX_VIEWS ||
	    !altp2m_is_zero(a.pad, sizeof(a.pad)) ||
	    !altp2m_is_zero(a.reserved, sizeof(a.reserved)))
		return -EINVAL;
	if (a.flags & ALTP2M_GFN_SET_LIST)
		return altp2m_ioc_gfn_set_list(vm, &a, sve);
	if (a.gfns || a.values)
		return -EINVAL;
	return altp2m_vm_gfn_set_range(vm, a.view, a.gfn, a.npages, a.value,
				       sve, NULL);
}

/*
 * ALTP2M_BATCH. The struct goes back out on failure too: error_index is
 * how the caller learns which operation failed.
 */
static long altp2m_ioc_batch(struct altp2m_vm *vm, void __user *argp)
{
	struct altp2m_batch_op *ops;
	struct altp2m_batch b;
	u64 gen;
	u32 idx;
	long ret;

	if (copy_from_user(&b, argp, sizeof(b)))
		return -EFAULT;
	if ((b.flags & ~ALTP2M_BATCH_IF_GENERATION) || b.pad ||
	    !altp2m_is_zero(b.reserved, sizeof(b.reserved)) ||
	    (!(b.flags & ALTP2M_BATCH_IF_GENERATION) && b.generation) ||
	    !b.nr_ops)
		return -EINVAL;
	if (b.nr_ops > ALTP2M_BATCH_MAX_OPS)
		return -E2BIG;
	ops = kvmalloc_array(b.nr_ops, sizeof(*ops), GFP_KERNEL_ACCOUNT);
	if (!ops)
		return -ENOMEM;
	ret = -EFAULT;
	if (copy_from_user(ops, u64_to_user_ptr(b.ops),
			   (size_t)b.nr_ops * sizeof(*ops)))
		goto out;
	gen = b.generation;
	ret = altp2m_vm_batch(vm, ops, b.nr_ops, b.flags, &gen, &idx, NULL);
	if (ret)
		b.error_index = idx;
	else
		b.generation = gen;
	if (copy_to_user(argp, &b, sizeof(b)) && !ret)
		ret = -EFAULT;
out:
	kvfree(ops);
	return ret;
}

static long altp2m_ioc_gfn_get(struct altp2m_vm *vm, void __user *argp)
{
	unsigned int access, sve;
	struct altp2m_gfn_get a;
	long ret;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags || !altp2m_is_zero(a.pad, sizeof(a.pad)) ||
	    !altp2m_is_zero(a.reserved, sizeof(a.reserved)))
		return -EINVAL;
	ret = altp2m_vm_gfn_get(vm, a.view, a.gfn, &access, &sve);
	if (ret)
		return ret;
	a.access = access;
	a.suppress_ve = sve;
	return copy_to_user(argp, &a, sizeof(a)) ? -EFAULT : 0;
}

static long altp2m_ioc_gfn_remap(struct altp2m_vm *vm, void __user *argp)
{
	struct altp2m_gfn_remap a;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags || !altp2m_is_zero(a.reserved, sizeof(a.reserved)))
		return -EINVAL;
	return altp2m_vm_gfn_remap(vm, a.view, a.gfn, a.target, NULL);
}

static long altp2m_ioc_views_list(struct altp2m_vm *vm, void __user *argp)
{
	struct altp2m_view_info *info;
	struct altp2m_view_list a;
	unsigned int cursor;
	long ret;
	u64 gen;
	int n;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.pad || !altp2m_is_zero(a.reserved, sizeof(a.reserved)) ||
	    !a.nr || a.nr > ALTP2M_MAX_VIEWS)
		return -EINVAL;
	info = kvcalloc(a.nr, sizeof(*info), GFP_KERNEL_ACCOUNT);
	if (!info)
		return -ENOMEM;
	cursor = a.cursor;
	n = altp2m_vm_views_list(vm, &cursor, info, a.nr, &gen);
	ret = n;
	if (n < 0)
		goto out;
	a.nr = n;
	a.cursor = cursor;
	ret = -EFAULT;
	if (copy_to_user(u64_to_user_ptr(a.entries), info,
			 array_size(n, sizeof(*info))) ||
	    copy_to_user(argp, &a, sizeof(a)))
		goto out;
	ret = 0;
out:
	kvfree(info);
	return ret;
}

static long altp2m_ioc_view_dump(struct altp2m_vm *vm, void __user *argp)
{
	struct altp2m_view_entry *ent;
	struct altp2m_view_dump a;
	long ret;
	u64 gen;
	int n;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.pad || !altp2m_is_zero(a.reserved, sizeof(a.reserved)) ||
	    a.view >= ALTP2M_MAX_VIEWS || !a.nr || a.nr > ALTP2M_DUMP_MAX)
		return -EINVAL;
	ent = kvcalloc(a.nr, sizeof(*ent), GFP_KERNEL_ACCOUNT);
	if (!ent)
		return -ENOMEM;
	n = altp2m_vm_view_dump(vm, a.view, &a.cursor, ent, a.nr, &gen);
	ret = n;
	if (n < 0)
		goto out;
	a.nr = n;
	ret = -EFAULT;
	if (copy_to_user(u64_to_user_ptr(a.entries), ent,
			 array_size(n, sizeof(*ent))) ||
	    copy_to_user(argp, &a, sizeof(a)))
		goto out;
	ret = 0;
out:
	kvfree(ent);
	return ret;
}

static long altp2m_ioc_view_visibility(struct altp2m_vm *vm, void __user *argp)
{
	struct altp2m_view_visibility a;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if ((a.flags & ~ALTP2M_VISIBILITY_ONE_VCPU) || a.visible > 1 ||
	    a.view >= ALTP2M_MAX_VIEWS || a.vcpu_id >= ALTP2M_MAX_VCPUS ||
	    (!(a.flags & ALTP2M_VISIBILITY_ONE_VCPU) && a.vcpu_id) ||
	    !altp2m_is_zero(a.pad, sizeof(a.pad)) ||
	    !altp2m_is_zero(a.reserved, sizeof(a.reserved)))
		return -EINVAL;
	return altp2m_vm_set_visibility(vm, &a, NULL);
}

static long altp2m_ioc_switch_view(struct altp2m_vm *vm, void __user *argp)
{
	struct altp2m_switch_view a;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if ((a.flags & ~ALTP2M_SWITCH_ONE_VCPU) || a.pad ||
	    a.view >= ALTP2M_MAX_VIEWS || a.vcpu_id >= ALTP2M_MAX_VCPUS ||
	    (!(a.flags & ALTP2M_SWITCH_ONE_VCPU) && a.vcpu_id) ||
	    !altp2m_is_zero(a.reserved, sizeof(a.reserved)))
		return -EINVAL;
	return altp2m_vm_switch(vm, &a, NULL);
}

static long altp2m_ioc_vcpu_views(struct altp2m_vm *vm, void __user *argp)
{
	struct altp2m_vcpu_views a;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.pad || !altp2m_is_zero(a.reserved, sizeof(a.reserved)))
		return -EINVAL;
	altp2m_vm_vcpu_views(vm, &a);
	return copy_to_user(argp, &a, sizeof(a)) ? -EFAULT : 0;
}

/**
 * altp2m_views_ioctl - the view ioctls of a VM file
 * @vm: the VM (the caller checked the process)
 * @cmd: the ioctl
 * @argp: its argument
 *
 * Return: as documented in the uAPI, or -ENOTTY for another ioctl.
 */
long altp2m_views_ioctl(struct altp2m_vm *vm, unsigned int cmd,
			void __user *argp)
{
	switch (cmd) {
	case ALTP2M_VIEWS_ENABLE:
		return altp2m_ioc_views_enable(vm, argp);
	case ALTP2M_VIEWS_DISABLE:
		return argp ? -EINVAL : altp2m_vm_views_disable(vm);
	case ALTP2M_CREATE_VIEW:
		return altp2m_ioc_view_create(vm, argp);
	case ALTP2M_DESTROY_VIEW:
		return altp2m_ioc_view_destroy(vm, argp);
	case ALTP2M_SET_MEM_ACCESS:
		return altp2m_ioc_gfn_set(vm, argp, false);
	case ALTP2M_SET_SUPPRESS_VE:
		return altp2m_ioc_gfn_set(vm, argp, true);
	case ALTP2M_GET_MEM_ACCESS:
		return altp2m_ioc_gfn_get(vm, argp);
	case ALTP2M_REMAP_GFN:
		return altp2m_ioc_gfn_remap(vm, argp);
	case ALTP2M_LIST_VIEWS:
		return altp2m_ioc_views_list(vm, argp);
	case ALTP2M_DUMP_VIEW:
		return altp2m_ioc_view_dump(vm, argp);
	case ALTP2M_SET_VIEW_VISIBILITY:
		return altp2m_ioc_view_visibility(vm, argp);
	case ALTP2M_SWITCH_VIEW:
		return altp2m_ioc_switch_view(vm, argp);
	case ALTP2M_GET_VCPU_VIEWS:
		return altp2m_ioc_vcpu_views(vm, argp);
	case ALTP2M_BATCH:
		return altp2m_ioc_batch(vm, argp);
	default:
		return -ENOTTY;
	}
}

/**
 * altp2m_vcpu_view_ioctl - the view ioctls of a vCPU file
 * @vcpu: the vCPU, its lock held
 * @cmd: the ioctl
 * @argp: its argument
 *
 * Return: as documented in the uAPI, or -ENOTTY for another ioctl.
 */
long altp2m_vcpu_view_ioctl(struct altp2m_vcpu *vcpu, unsigned int cmd,
			    void __user *argp)
{
	struct altp2m_vcpu_view a;
	long ret;

	lockdep_assert_held(&vcpu->lock);
	if (cmd != ALTP2M_SET_VCPU_VIEW && cmd != ALTP2M_GET_VCPU_VIEW)
		return -ENOTTY;
	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags || !altp2m_is_zero(a.reserved, sizeof(a.reserved)))
		return -EINVAL;
	if (cmd == ALTP2M_SET_VCPU_VIEW)
		return altp2m_vcpu_switch_view(vcpu, a.view);
	a.view = vcpu->view;
	ret = copy_to_user(argp, &a, sizeof(a)) ? -EFAULT : 0;
	return ret;
}
