// SPDX-License-Identifier: GPL-2.0
/*
 * VM file descriptors: creation, ids, memory regions, vCPU creation, and
 * the VM's lifetime.
 *
 * A VM lives as long as its file or any of its vCPU files is open (each
 * holds a reference), so the files can be closed in any order. The first
 * VM puts every CPU into VMX operation and the last one takes them out.
 *
 * Every live VM is also in altp2m_vms by id, for netlink, which finds it
 * there and takes a reference of its own while it works on it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/user_namespace.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "altp2m.h"
#include "lapic.h"

/*
 * VM ids: unique among live VMs, handed out cyclically from 1 to
 * ALTP2M_VM_ID_MAX, so that an id is not reused until the counter has
 * gone round the whole space (2^31 - 1 creations); after the wrap the
 * lowest free id above the last one is taken. A tool that holds an id
 * across calls therefore does not reach a new VM under an old id in
 * practice. An entry holds no reference: lookups take one with
 * kref_get_unless_zero() under the xarray's lock, and a VM leaves the
 * array (under that lock) before it is freed. altp2m_vms_gen counts VMs
 * coming and going, for dumps; altp2m_vms_next is the cyclic cursor
 * (under the xarray's lock, as xa_alloc_cyclic() takes it).
 */
static DEFINE_XARRAY_ALLOC1(altp2m_vms);
static atomic64_t altp2m_vms_gen;
static u32 altp2m_vms_next;
#define ALTP2M_VM_ID_MAX	INT_MAX

/*
 * Live VMs per real uid, so that one user cannot take every VM (or the
 * memory their bookkeeping needs) from the others: the count is an
 * xa_mk_value() keyed by the uid as seen from the initial namespace,
 * removed at 0. CAP_SYS_RESOURCE goes past the limit (as past an rlimit)
 * but is still counted. The lock orders read-modify-write of a count.
 */
static unsigned int max_vms_per_user = 1024;
module_param(max_vms_per_user, uint, 0644);
MODULE_PARM_DESC(max_vms_per_user,
		 "live VMs one real uid may own (0: no limit; CAP_SYS_RESOURCE is exempt)");

static DEFINE_XARRAY(altp2m_vm_users);
static DEFINE_MUTEX(altp2m_vm_users_lock);	/* see above */

static int altp2m_vm_user_charge(kuid_t uid)
{
	unsigned long key = __kuid_val(uid);
	unsigned int max = READ_ONCE(max_vms_per_user);
	unsigned long n;
	int ret = 0;

	mutex_lock(&altp2m_vm_users_lock);
	n = xa_to_value(xa_load(&altp2m_vm_users, key) ?: xa_mk_value(0));
	if (max && n >= max && !capable(CAP_SYS_RESOURCE)) {
		pr_notice_ratelimited("uid %u: max_vms_per_user (%u) reached\n",
				      from_kuid(&init_user_ns, uid), max);
		ret = -EDQUOT;
	} else {
		ret = xa_err(xa_store(&altp2m_vm_users, key,
				      xa_mk_value(n + 1), GFP_KERNEL_ACCOUNT));
	}
	mutex_unlock(&altp2m_vm_users_lock);
	return ret;
}

static void altp2m_vm_user_uncharge(kuid_t uid)
{
	unsigned long key = __kuid_val(uid);
	unsigned long n;

	mutex_lock(&altp2m_vm_users_lock);
	n = xa_to_value(xa_load(&altp2m_vm_users, key) ?: xa_mk_value(1));
	if (n > 1)
		xa_store(&altp2m_vm_users, key, xa_mk_value(n - 1), GFP_KERNEL);
	else
		xa_erase(&altp2m_vm_users, key);
	mutex_unlock(&altp2m_vm_users_lock);
}

static void altp2m_vm_free(struct kref *kref)
{
	struct altp2m_vm *vm = container_of(kref, struct altp2m_vm, refs);

	xa_erase(&altp2m_vms, vm->id);
	atomic64_inc(&altp2m_vms_gen);
	altp2m_vm_apic_destroy(vm);
	altp2m_nl_txn_vm_gone(vm);
	altp2m_nl_notify(vm, ALTP2M_CMD_VM_DESTROYED, 0, 0);
	altp2m_p2m_destroy(vm);
	altp2m_hidden_destroy(vm);
	altp2m_memory_destroy(vm);
	altp2m_vm_cpuid_destroy(vm);
	put_pid(vm->owner);
	put_user_ns(vm->user_ns);
	put_net(vm->net);
	mmdrop(vm->mm);
	altp2m_vm_user_uncharge(vm->uid);
	kfree(vm);
	altp2m_vmx_put();
}

/**
 * altp2m_vm_get - a live VM by id, as seen from a network namespace
 * @net: the caller's namespace; VMs created in another do not exist here
 * @id: the VM id
 *
 * Return: the VM with a reference the caller puts, or NULL.
 */
struct altp2m_vm *altp2m_vm_get(const struct net *net, u32 id)
{
	struct altp2m_vm *vm;

	xa_lock(&altp2m_vms);
	vm = xa_load(&altp2m_vms, id);
	if (vm && (!net_eq(vm->net, net) || !kref_get_unless_zero(&vm->refs)))
		vm = NULL;
	xa_unlock(&altp2m_vms);
	return vm;
}

/**
 * altp2m_vm_get_next - the live VM with the lowest id >= *@id in @net
 * @net: the caller's namespace
 * @id: where to start; set to the id found
 *
 * Return: the VM with a reference the caller puts, or NULL when none is
 * left.
 */
struct altp2m_vm *altp2m_vm_get_next(const struct net *net, u32 *id)
{
	unsigned long idx = *id;
	struct altp2m_vm *vm;

	xa_lock(&altp2m_vms);
	xa_for_each_start(&altp2m_vms, idx, vm, *id) {
		if (net_eq(vm->net, net) && kref_get_unless_zero(&vm->refs))
			break;
	}
	xa_unlock(&altp2m_vms);
	if (vm)
		*id = idx;
	return vm;
}

u64 altp2m_vms_generation(void)
{
	return atomic64_read(&altp2m_vms_gen);
}

void altp2m_vm_put(struct altp2m_vm *vm)
{
	kref_put(&vm->refs, altp2m_vm_free);
}

static int altp2m_vm_release(struct inode *inode, struct file *file)
{
	altp2m_monitor_vm_closed(file->private_data);
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

/* The VM's counters (ALTP2M_GET_VM_STATS, ALTP2M_CMD_GET_STATS). */
void altp2m_vm_stats_get(struct altp2m_vm *vm, struct altp2m_vm_stats *st)
{
	const struct altp2m_views_stats *vst;
	unsigned int i;

	memset(st, 0, sizeof(*st));
	mutex_lock(&vm->lock);
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++)
		st->nr_vcpus += !!vm->vcpus[i];
	for (i = 0; i < ALTP2M_MAX_MEM_SLOTS; i++)
		if (vm->slots.slot[i])
			st->mem_pages += vm->slots.slot[i]->npages;
	mutex_unlock(&vm->lock);
	mutex_lock(&vm->mmu_lock);
	vst = &vm->views.stats;
	st->ept_tables = vm->views.host.ept.nr_tables;
	st->ept_maps_4k = vst->fills - vst->fills_2m;
	st->ept_maps_2m = vst->fills_2m;
	st->ept_flushes = vm->view0_flushes;
	st->invept = vst->flushes;
	st->view_events = vst->events;
	st->view_promotions = vst->promotions;
	st->remaps_invalidated = vst->remaps_invalidated;
	st->view_splits = vst->splits;
	st->nr_views = 1;
	for (i = 1; i < vm->views.max_views; i++)
		st->nr_views += !!vm->views.view[i];
	st->nr_hidden = vm->hidden.nr;
	mutex_unlock(&vm->mmu_lock);
}

static long altp2m_vm_get_stats(struct altp2m_vm *vm, void __user *argp)
{
	struct altp2m_vm_stats st;

	if (copy_from_user(&st, argp, sizeof(st)))
		return -EFAULT;
	if (st.flags || !altp2m_is_zero(st.reserved, sizeof(st.reserved)))
		return -EINVAL;
	altp2m_vm_stats_get(vm, &st);
	return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
}

/* ALTP2M_GET_VM_STATUS: what netlink's GET_VM says, for the owner. */
long altp2m_vm_get_status(struct altp2m_vm *vm, void __user *argp)
{
	struct altp2m_vm_status a;
	struct altp2m_vm_stats st;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.vm_id || a.nr_vcpus || a.max_views || a.mode ||
	    a.nr_views || a.views_enabled || a.mem_pages || a.generation ||
	    !altp2m_is_zero(a.pad, sizeof(a.pad)) ||
	    !altp2m_is_zero(a.reserved, sizeof(a.reserved)))
		return -EINVAL;
	altp2m_vm_stats_get(vm, &st);
	a.vm_id = vm->id;
	a.nr_vcpus = st.nr_vcpus;
	a.mem_pages = st.mem_pages;
	mutex_lock(&vm->mmu_lock);
	a.max_views = vm->views.max_views;
	a.views_enabled = !!a.max_views;
	a.mode = vm->views_mode;
	a.generation = vm->views_gen;
	mutex_unlock(&vm->mmu_lock);
	a.nr_views = st.nr_views;
	return copy_to_user(argp, &a, sizeof(a)) ? -EFAULT : 0;
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

/* ALTP2M_MONITOR_ATTACH on the VM fd: its owner needs no other right. */
static long altp2m_vm_monitor_attach(struct altp2m_vm *vm, void __user *argp)
{
	struct altp2m_monitor_attach a;
	int ret;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	ret = altp2m_monitor_attach_check(&a);
	if (ret)
		return ret;
	if (a.vm_id && a.vm_id != vm->id)
		return -EINVAL;
	/* Told before the fd exists, as ALTP2M_CREATE_VM's id. */
	if (copy_to_user(argp, &a, sizeof(a)))
		return -EFAULT;
	return altp2m_monitor_attach(vm, &a, true);
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
	case ALTP2M_GET_VM_STATUS:
		return altp2m_vm_get_status(vm, argp);
	case ALTP2M_SIGNAL_MSI:
		return altp2m_vm_signal_msi(vm, argp);
	case ALTP2M_IRQFD:
		return altp2m_vm_irqfd(vm, argp);
	case ALTP2M_GET_CPUID:
	case ALTP2M_SET_CPUID:
		return altp2m_vm_cpuid_ioctl(vm, cmd, argp);
	case ALTP2M_MONITOR_ATTACH:
		return altp2m_vm_monitor_attach(vm, argp);
	case ALTP2M_ADD_HIDDEN_FRAMES:
	case ALTP2M_REMOVE_HIDDEN_FRAMES:
		return altp2m_hidden_ioctl(vm, cmd, argp);
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
 * @argp: where @arg came from, for the copy-out
 *
 * The id is copied out before the file is installed, so a caller that
 * gets an error has no new fd and no VM: nothing is left that it was not
 * told about. The VM is published by id (for netlink) only once it is
 * complete, so no other door sees a VM that could still fail to be
 * created.
 *
 * Return: the new VM file descriptor, or -EBUSY when another hypervisor
 * holds VMX, -EDQUOT when the caller's uid has max_vms_per_user VMs,
 * -ENOSPC when all VM ids are taken, -EFAULT when @argp cannot be
 * written, -ENOMEM, -EMFILE...
 */
int altp2m_vm_create(struct altp2m_create_vm *arg,
		     struct altp2m_create_vm __user *argp)
{
	struct altp2m_vm *vm;
	struct file *file;
	int ret, fd;
	u32 id;

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
	init_rwsem(&vm->map_lock);
	altp2m_hidden_init(vm);
	/* The guest's TSC reads 0 now, on every vCPU (see uapi TSC). */
	vm->tsc_offset = -rdtsc();
	vm->uid = current_uid();
	vm->flags = arg->flags;
	ret = altp2m_vm_user_charge(vm->uid);
	if (ret)
		goto err_free;

	/* Reserved (NULL) until the VM is complete: lookups skip it. */
	ret = xa_alloc_cyclic(&altp2m_vms, &id, NULL,
			      XA_LIMIT(1, ALTP2M_VM_ID_MAX), &altp2m_vms_next,
			      GFP_KERNEL);
	if (ret < 0)
		goto err_user;
	vm->id = id;

	ret = altp2m_p2m_init(vm);
	if (ret)
		goto err_id;
	ret = altp2m_vm_apic_init(vm);
	if (ret)
		goto err_p2m;

	vm->mm = current->mm;
	mmgrab(vm->mm);
	vm->net = get_net(current->nsproxy->net_ns);
	vm->user_ns = get_user_ns(current_user_ns());
	vm->owner = get_task_pid(current, PIDTYPE_TGID);

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_refs;
	}
	arg->vm_id = vm->id;
	ret = -EFAULT;
	if (copy_to_user(argp, arg, sizeof(*arg)))
		goto err_fd;
	file = anon_inode_getfile("altp2m-vm", &altp2m_vm_fops, vm, O_RDWR);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto err_fd;
	}
	xa_store(&altp2m_vms, vm->id, vm, GFP_KERNEL);
	atomic64_inc(&altp2m_vms_gen);
	fd_install(fd, file);
	altp2m_nl_notify(vm, ALTP2M_CMD_VM_CREATED, 0, 0);
	return fd;

err_fd:
	put_unused_fd(fd);
err_refs:
	put_pid(vm->owner);
	put_user_ns(vm->user_ns);
	put_net(vm->net);
	mmdrop(vm->mm);
	altp2m_vm_apic_destroy(vm);
err_p2m:
	altp2m_p2m_destroy(vm);
	altp2m_hidden_destroy(vm);
err_id:
	xa_erase(&altp2m_vms, vm->id);
err_user:
	altp2m_vm_user_uncharge(vm->uid);
err_free:
	kfree(vm);
err_vmx:
	altp2m_vmx_put();
	return ret;
}
