// SPDX-License-Identifier: GPL-2.0
/*
 * VM file descriptors: creation, ids, memory regions, vCPU creation, and
 * the VM's lifetime.
 *
 * A VM lives as long as its file or any of its vCPU files is open (each
 * holds a reference), so the files can be closed in any order. The first
 * VM puts every CPU into VMX operation and the last one takes them out.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "altp2m.h"

/* VM ids: small integers, unique among live VMs. */
static DEFINE_IDA(altp2m_vm_ids);
#define ALTP2M_VM_ID_MAX	65535

static void altp2m_vm_free(struct kref *kref)
{
	struct altp2m_vm *vm = container_of(kref, struct altp2m_vm, refs);

	altp2m_p2m_destroy(vm);
	altp2m_memory_destroy(vm);
	ida_free(&altp2m_vm_ids, vm->id);
	mmdrop(vm->mm);
	kfree(vm);
	altp2m_vmx_put();
}

void altp2m_vm_put(struct altp2m_vm *vm)
{
	kref_put(&vm->refs, altp2m_vm_free);
}

static int altp2m_vm_release(struct inode *inode, struct file *file)
{
	altp2m_vm_put(file->private_data);
	return 0;
}

static void altp2m_vm_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct altp2m_vm *vm = file->private_data;

	seq_printf(m, "altp2m-vm-id:\t%u\n", vm->id);
}

static long altp2m_vm_set_memory_region(struct altp2m_vm *vm,
					void __user *argp)
{
	struct altp2m_memory_region r;
	long ret;

	if (copy_from_user(&r, argp, sizeof(r)))
		return -EFAULT;
	mutex_lock(&vm->lock);
	if (vm->nr_running)
		ret = -EBUSY;
	else
		ret = altp2m_memory_region_set(vm, &r);
	mutex_unlock(&vm->lock);
	return ret;
}

static long altp2m_vm_get_stats(struct altp2m_vm *vm, void __user *argp)
{
	const struct altp2m_views_stats *vst;
	struct altp2m_vm_stats st;
	unsigned int i;

	if (copy_from_user(&st, argp, sizeof(st)))
		return -EFAULT;
	if (st.flags || !altp2m_is_zero(st.reserved, sizeof(st.reserved)))
		return -EINVAL;
	memset(&st, 0, sizeof(st));
	mutex_lock(&vm->lock);
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++)
		st.nr_vcpus += !!vm->vcpus[i];
	for (i = 0; i < ALTP2M_MAX_MEM_SLOTS; i++)
		if (vm->slots.slot[i])
			st.mem_pages += vm->slots.slot[i]->npages;
	mutex_unlock(&vm->lock);
	mutex_lock(&vm->mmu_lock);
	vst = &vm->views.stats;
	st.ept_tables = vm->views.host.ept.nr_tables;
	st.ept_maps_4k = vst->fills - vst->fills_2m;
	st.ept_maps_2m = vst->fills_2m;
	st.ept_flushes = vm->view0_flushes;
	st.invept = vst->flushes;
	st.view_events = vst->events;
	st.view_promotions = vst->promotions;
	st.remaps_invalidated = vst->remaps_invalidated;
	st.view_splits = vst->splits;
	st.nr_views = 1;
	for (i = 1; i < vm->views.max_views; i++)
		st.nr_views += !!vm->views.view[i];
	mutex_unlock(&vm->mmu_lock);
	return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
}

static long altp2m_vm_create_vcpu(struct altp2m_vm *vm, void __user *argp)
{
	struct altp2m_create_vcpu c;
	unsigned int i;

	if (copy_from_user(&c, argp, sizeof(c)))
		return -EFAULT;
	if (c.flags)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(c.reserved); i++)
		if (c.reserved[i])
			return -EINVAL;
	if (c.vcpu_id >= ALTP2M_MAX_VCPUS)
		return -EINVAL;
	return altp2m_vcpu_create(vm, &c);
}

static long altp2m_vm_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct altp2m_vm *vm = file->private_data;
	void __user *argp = (void __user *)arg;

	/* As KVM: a VM is driven by the process that created it. */
	if (current->mm != vm->mm)
		return -EIO;

	switch (cmd) {
	case ALTP2M_SET_MEMORY_REGION:
		return altp2m_vm_set_memory_region(vm, argp);
	case ALTP2M_CREATE_VCPU:
		return altp2m_vm_create_vcpu(vm, argp);
	case ALTP2M_GET_VM_STATS:
		return altp2m_vm_get_stats(vm, argp);
	default:
		return altp2m_views_ioctl(vm, cmd, argp);
	}
}

static const struct file_operations altp2m_vm_fops = {
	.owner		= THIS_MODULE,
	.release	= altp2m_vm_release,
	.unlocked_ioctl	= altp2m_vm_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.show_fdinfo	= altp2m_vm_show_fdinfo,
	.llseek		= noop_llseek,
};

/**
 * altp2m_vm_create - ALTP2M_CREATE_VM
 * @arg: the request (flags checked by the caller); vm_id is filled
 *
 * Return: the new VM file descriptor, or -EBUSY when another hypervisor
 * holds VMX, -ENOSPC when all VM ids are taken, -ENOMEM, -EMFILE...
 */
int altp2m_vm_create(struct altp2m_create_vm *arg)
{
	struct altp2m_vm *vm;
	int ret, fd;

	ret = altp2m_vmx_get();
	if (ret)
		return ret;

	ret = -ENOMEM;
	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		goto err_vmx;
	kref_init(&vm->refs);
	mutex_init(&vm->lock);
	mutex_init(&vm->mmu_lock);

	ret = ida_alloc_range(&altp2m_vm_ids, 1, ALTP2M_VM_ID_MAX, GFP_KERNEL);
	if (ret < 0)
		goto err_free;
	vm->id = ret;

	ret = altp2m_p2m_init(vm);
	if (ret)
		goto err_id;

	vm->mm = current->mm;
	mmgrab(vm->mm);
	arg->vm_id = vm->id;
	fd = anon_inode_getfd("altp2m-vm", &altp2m_vm_fops, vm,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_mm;
	}
	return fd;

err_mm:
	mmdrop(vm->mm);
	altp2m_p2m_destroy(vm);
err_id:
	ida_free(&altp2m_vm_ids, vm->id);
err_free:
	kfree(vm);
err_vmx:
	altp2m_vmx_put();
	return ret;
}
