// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/altp2m: the system-wide door. It answers discovery ioctls; later it
 * hands out VM file descriptors, which carry everything per-VM.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/uaccess.h>
#include <linux/altp2m.h>

#include "altp2m.h"

static long altp2m_dev_get_caps(void __user *argp)
{
	struct altp2m_caps caps;
	int ret;

	if (copy_from_user(&caps, argp, sizeof(caps)))
		return -EFAULT;
	ret = altp2m_caps_fill(&altp2m_host, &caps);
	if (ret)
		return ret;
	caps.gpa_bits = altp2m_gpa_bits();
	if (copy_to_user(argp, &caps, sizeof(caps)))
		return -EFAULT;
	return 0;
}

static long altp2m_dev_create_vm(void __user *argp)
{
	struct altp2m_create_vm c;
	unsigned int i;

	if (copy_from_user(&c, argp, sizeof(c)))
		return -EFAULT;
	if ((c.flags & ~ALTP2M_VM_LAPIC) || c.vm_id)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(c.reserved); i++)
		if (c.reserved[i])
			return -EINVAL;
	/* Copies the id out itself, before the fd exists. */
	return altp2m_vm_create(&c, argp);
}

/*
 * ALTP2M_MONITOR_ATTACH on /dev/altp2m: the VM by id, seen only from its
 * creator's network namespace, for a caller with the netlink family's
 * right over it (altp2m_nl_capable(), asked of the caller itself).
 */
static long altp2m_dev_monitor_attach(void __user *argp)
{
	struct altp2m_monitor_attach a;
	struct altp2m_vm *vm;
	long ret;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	ret = altp2m_monitor_attach_check(&a);
	if (ret)
		return ret;
	vm = altp2m_vm_get(current->nsproxy->net_ns, a.vm_id);
	if (!vm)
		return -ENOENT;
	ret = -EPERM;
	if (!ns_capable(vm->user_ns, CAP_NET_ADMIN) &&
	    !ns_capable(vm->user_ns, CAP_SYS_ADMIN))
		goto out;
	ret = -EFAULT;
	if (copy_to_user(argp, &a, sizeof(a)))
		goto out;
	ret = altp2m_monitor_attach(vm, &a, false);
out:
	altp2m_vm_put(vm);
	return ret;
}

static long altp2m_dev_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case ALTP2M_GET_API_VERSION:
		if (arg)
			return -EINVAL;
		return ALTP2M_API_VERSION;
	case ALTP2M_GET_CAPS:
		return altp2m_dev_get_caps(argp);
	case ALTP2M_CREATE_VM:
		return altp2m_dev_create_vm(argp);
	case ALTP2M_GET_RUN_SIZE:
		if (arg)
			return -EINVAL;
		return PAGE_SIZE;
	case ALTP2M_GET_SUPPORTED_CPUID:
		return altp2m_dev_get_supported_cpuid(argp);
	case ALTP2M_MONITOR_ATTACH:
		return altp2m_dev_monitor_attach(argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations altp2m_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= altp2m_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice altp2m_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "altp2m",
	.fops	= &altp2m_dev_fops,
	.mode	= 0660,
};

int altp2m_dev_init(void)
{
	int ret = misc_register(&altp2m_dev);

	if (ret)
		pr_err("cannot register /dev/altp2m: %d\n", ret);
	return ret;
}

void altp2m_dev_exit(void)
{
	misc_deregister(&altp2m_dev);
}
