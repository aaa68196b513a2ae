// SPDX-License-Identifier: GPL-2.0
/*
 * The CPUID tables of the uAPI: ALTP2M_GET_SUPPORTED_CPUID on /dev/altp2m,
 * ALTP2M_GET_CPUID and ALTP2M_SET_CPUID on a VM fd (core/cpuid.c checks
 * and answers, vmx/cpuid.c holds the supported tables).
 *
 * A VM's table: NULL until the first SET_CPUID, which means the supported
 * table for the VM's flags; then a copy of the VMM's entries owned by the
 * VM, replaced by each SET_CPUID and freed with the VM. It changes only
 * under the VM's lock while no vCPU is in ALTP2M_RUN (SET_CPUID is EBUSY
 * otherwise), and ALTP2M_RUN counts itself in under the same lock, so a
 * running vCPU reads it without a lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/uaccess.h>

#include "altp2m.h"
#include "core/cpuid.h"

static bool altp2m_vm_lapic(const struct altp2m_vm *vm)
{
	return vm->flags & ALTP2M_VM_LAPIC;
}

/**
 * altp2m_vm_cpuid_table - the table a VM answers CPUID with
 * @vm: the VM; the caller holds its lock or is a vCPU in ALTP2M_RUN
 * @ent: set to the entries
 *
 * Return: the number of entries.
 */
unsigned int altp2m_vm_cpuid_table(struct altp2m_vm *vm,
				   const struct altp2m_cpuid_entry **ent)
{
	if (vm->cpuid) {
		*ent = vm->cpuid;
		return vm->cpuid_nent;
	}
	return altp2m_vmx_cpuid_supported(altp2m_vm_lapic(vm), ent);
}

/* Free the VM's table (the VM is going: nobody else can reach it). */
void altp2m_vm_cpuid_destroy(struct altp2m_vm *vm)
{
	kfree(vm->cpuid);
	vm->cpuid = NULL;
}

/*
 * Copy @n entries out to a GET's caller: E2BIG with the room needed when
 * @c->nent is less.
 */
static long altp2m_cpuid_copy_out(struct altp2m_cpuid *c,
				  struct altp2m_cpuid __user *argp,
				  const struct altp2m_cpuid_entry *ent,
				  unsigned int n)
{
	unsigned int room = c->nent;

	c->nent = n;
	if (put_user(n, &argp->nent))
		return -EFAULT;
	if (room < n)
		return -E2BIG;
	if (copy_to_user(u64_to_user_ptr(c->entries), ent,
			 array_size(n, sizeof(*ent))))
		return -EFAULT;
	return 0;
}

static int altp2m_cpuid_arg(struct altp2m_cpuid *c, void __user *argp)
{
	if (copy_from_user(c, argp, sizeof(*c)))
		return -EFAULT;
	if (!altp2m_is_zero(c->reserved, sizeof(c->reserved)))
		return -EINVAL;
	return 0;
}

/* ALTP2M_GET_SUPPORTED_CPUID (/dev/altp2m). */
long altp2m_dev_get_supported_cpuid(void __user *argp)
{
	const struct altp2m_cpuid_entry *ent;
	struct altp2m_cpuid c;
	unsigned int n;
	int ret;

	ret = altp2m_cpuid_arg(&c, argp);
	if (ret)
		return ret;
	if (c.flags & ~ALTP2M_VM_LAPIC)
		return -EINVAL;
	n = altp2m_vmx_cpuid_supported(c.flags & ALTP2M_VM_LAPIC, &ent);
	return altp2m_cpuid_copy_out(&c, argp, ent, n);
}

/* ALTP2M_GET_CPUID (VM fd). */
static long altp2m_vm_get_cpuid(struct altp2m_vm *vm, void __user *argp)
{
	const struct altp2m_cpuid_entry *ent;
	struct altp2m_cpuid_entry *copy;
	struct altp2m_cpuid c;
	unsigned int n;
	long ret;

	ret = altp2m_cpuid_arg(&c, argp);
	if (ret)
		return ret;
	if (c.flags)
		return -EINVAL;
	/* A snapshot under the lock; user memory is written without it. */
	copy = kmalloc_array(ALTP2M_MAX_CPUID_ENTRIES, sizeof(*copy),
			     GFP_KERNEL_ACCOUNT);
	if (!copy)
		return -ENOMEM;
	mutex_lock(&vm->lock);
	n = altp2m_vm_cpuid_table(vm, &ent);
	memcpy(copy, ent, array_size(n, sizeof(*ent)));
	mutex_unlock(&vm->lock);
	ret = altp2m_cpuid_copy_out(&c, argp, copy, n);
	kfree(copy);
	return ret;
}

/* ALTP2M_SET_CPUID (VM fd). */
static long altp2m_vm_set_cpuid(struct altp2m_vm *vm, void __user *argp)
{
	const struct altp2m_cpuid_entry *sup;
	struct altp2m_cpuid_entry *ent;
	struct altp2m_cpuid c;
	unsigned int nsup;
	const char *why;
	long ret;

	ret = altp2m_cpuid_arg(&c, argp);
	if (ret)
		return ret;
	if (c.flags || !c.nent || c.nent > ALTP2M_MAX_CPUID_ENTRIES)
		return -EINVAL;
	ent = memdup_user(u64_to_user_ptr(c.entries),
			  array_size(c.nent, sizeof(*ent)));
	if (IS_ERR(ent))
		return PTR_ERR(ent);
	nsup = altp2m_vmx_cpuid_supported(altp2m_vm_lapic(vm), &sup);
	ret = altp2m_cpuid_check(sup, nsup, ent, c.nent, &why);
	if (ret) {
		pr_debug("VM %u: SET_CPUID refused: %s\n", vm->id, why);
		goto out;
	}
	mutex_lock(&vm->lock);
	if (vm->nr_running) {
		ret = -EBUSY;
	} else {
		swap(vm->cpuid, ent);
		vm->cpuid_nent = c.nent;
	}
	mutex_unlock(&vm->lock);
out:
	kfree(ent);	/* the old table, the refused one, or NULL */
	return ret;
}

/* The VM fd's CPUID ioctls; -ENOTTY for any other. */
long altp2m_vm_cpuid_ioctl(struct altp2m_vm *vm, unsigned int cmd,
			   void __user *argp)
{
	switch (cmd) {
	case ALTP2M_GET_CPUID:
		return altp2m_vm_get_cpuid(vm, argp);
	case ALTP2M_SET_CPUID:
		return altp2m_vm_set_cpuid(vm, argp);
	default:
		return -ENOTTY;
	}
}
