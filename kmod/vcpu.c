// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU file descriptors: the run page, ALTP2M_RUN and the register
 * ioctls. The VMX work is in vmx/; this file checks what userspace passes
 * and keeps the vCPU's lifetime.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "altp2m.h"
#include "lapic.h"

static int altp2m_vcpu_release(struct inode *inode, struct file *file)
{
	struct altp2m_vcpu *vcpu = file->private_data;
	struct altp2m_vm *vm = vcpu->vm;

	mutex_lock(&vm->lock);
	vm->vcpus[vcpu->id] = NULL;
	mutex_unlock(&vm->lock);
	altp2m_monitor_vcpu_gone(vcpu);
	/*
	 * Another vCPU's IPI or an MSI may have found this one in vcpus[]
	 * under rcu_read_lock() and still be delivering to it (irq.h).
	 */
	if (vcpu->lapic)
		synchronize_rcu();
	altp2m_lapic_destroy(vcpu);
	altp2m_vmx_vcpu_destroy(vcpu);
	altp2m_vcpu_views_destroy(vcpu);
	vfree(vcpu->run);
	kfree(vcpu);
	altp2m_vm_put(vm);
	return 0;
}

static int altp2m_vcpu_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct altp2m_vcpu *vcpu = file->private_data;

	if (vma->vm_pgoff || vma->vm_end - vma->vm_start != PAGE_SIZE)
		return -EINVAL;
	return remap_vmalloc_range(vma, vcpu->run, 0);
}

/* The second half of the exit userspace has just answered. */
static void altp2m_vcpu_complete(struct altp2m_vcpu *vcpu)
{
	struct altp2m_run *run = vcpu->run;
	u64 *gpr = vcpu->vmx.gpr, data = 0;

	switch (vcpu->pending) {
	case ALTP2M_PENDING_IO_IN:
		altp2m_vmx_complete_in(vcpu);
		break;
	case ALTP2M_PENDING_IO_STRING_IN:
		altp2m_vmx_complete_string_in(vcpu);
		break;
	case ALTP2M_PENDING_MMIO_READ:
		memcpy(&data, run->mmio.data, sizeof(data));
		altp2m_mmio_complete_read(&vcpu->vmx.mmio, gpr, data);
		break;
	case ALTP2M_PENDING_HYPERCALL:
		gpr[ALTP2M_RAX] = READ_ONCE(run->hypercall.ret);
		break;
	case ALTP2M_PENDING_NONE:
		break;
	}
	vcpu->pending = ALTP2M_PENDING_NONE;
}

static long altp2m_vcpu_run(struct altp2m_vcpu *vcpu, unsigned long arg)
{
	struct altp2m_vm *vm = vcpu->vm;
	struct altp2m_run *run = vcpu->run;
	u32 reason;
	long ret;

	if (arg)
		return -EINVAL;
	/*
	 * A RUN parked or paused by the monitor sleeps without the vCPU's
	 * lock (monitor.h): a second RUN would find it free.
	 */
	if (vcpu->mon.in_run)
		return -EBUSY;
	altp2m_vcpu_complete(vcpu);
	if (READ_ONCE(run->immediate_exit)) {
		run->exit_reason = ALTP2M_EXIT_INTR;
		return -EINTR;
	}
	vcpu->mon.in_run = true;

	mutex_lock(&vm->lock);
	vm->nr_running++;
	mutex_unlock(&vm->lock);

	ret = altp2m_vmx_run(vcpu);
	vcpu->mon.in_run = false;

	mutex_lock(&vm->lock);
	vm->nr_running--;
	mutex_unlock(&vm->lock);

	/*
	 * The run page is mapped into userspace, where another thread can
	 * rewrite the reason at any time: one read, bounded, and clamped
	 * against speculation, before it indexes the counters.
	 */
	reason = READ_ONCE(run->exit_reason);
	if ((!ret || ret == -EINTR) && reason < ALTP2M_EXIT_NR)
		vcpu->stats.exits[array_index_nospec(reason, ALTP2M_EXIT_NR)]++;
	return ret;
}

/* The rules of GET/SET_REGS' argument beyond the registers. */
bool altp2m_regs_padding_ok(const struct altp2m_regs *r)
{
	return !r->flags && !r->pad &&
	       altp2m_is_zero(r->reserved, sizeof(r->reserved));
}

static long altp2m_vcpu_get_regs(struct altp2m_vcpu *vcpu, void __user *argp)
{
	struct altp2m_regs r;

	if (copy_from_user(&r, argp, sizeof(r)))
		return -EFAULT;
	if (!altp2m_regs_padding_ok(&r))
		return -EINVAL;
	altp2m_vmx_get_regs(vcpu, &r);
	return copy_to_user(argp, &r, sizeof(r)) ? -EFAULT : 0;
}

static long altp2m_vcpu_set_regs(struct altp2m_vcpu *vcpu, void __user *argp)
{
	struct altp2m_regs r;

	if (copy_from_user(&r, argp, sizeof(r)))
		return -EFAULT;
	if (!altp2m_regs_padding_ok(&r))
		return -EINVAL;
	return altp2m_vmx_set_regs(vcpu, &r);
}

bool altp2m_sregs_padding_ok(const struct altp2m_sregs *s)
{
	const struct altp2m_segment *seg[] = {
		&s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldt,
	};
	unsigned int i;

	if (s->flags || s->pad || !altp2m_is_zero(s->reserved, sizeof(s->reserved)))
		return false;
	for (i = 0; i < ARRAY_SIZE(seg); i++)
		if (seg[i]->pad)
			return false;
	return altp2m_is_zero(s->gdt.pad, sizeof(s->gdt.pad)) &&
	       altp2m_is_zero(s->idt.pad, sizeof(s->idt.pad));
}

static long altp2m_vcpu_get_sregs(struct altp2m_vcpu *vcpu, void __user *argp)
{
	struct altp2m_sregs s;

	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	if (!altp2m_sregs_padding_ok(&s))
		return -EINVAL;
	altp2m_vmx_get_sregs(vcpu, &s);
	return copy_to_user(argp, &s, sizeof(s)) ? -EFAULT : 0;
}

static long altp2m_vcpu_set_sregs(struct altp2m_vcpu *vcpu, void __user *argp)
{
	struct altp2m_sregs s;

	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	if (!altp2m_sregs_padding_ok(&s))
		return -EINVAL;
	return altp2m_vmx_set_sregs(vcpu, &s);
}

/**
 * altp2m_vcpu_msrs_fetch - GET_MSRS' and SET_MSRS' argument, checked
 * @argp: the user's struct altp2m_msrs
 * @m: filled with it
 * @ents: set to a copy of its entries (kfree() it), NULL when there are
 *	none
 *
 * Return: 0, -EFAULT or -EINVAL (flags, reserved, too many entries), or
 * -ENOMEM.
 */
int altp2m_vcpu_msrs_fetch(void __user *argp, struct altp2m_msrs *m,
			   struct altp2m_msr_entry **ents)
{
	struct altp2m_msr_entry *e;

	*ents = NULL;
	if (copy_from_user(m, argp, sizeof(*m)))
		return -EFAULT;
	if (m->flags || !altp2m_is_zero(m->reserved, sizeof(m->reserved)) ||
	    m->nmsrs > ALTP2M_MAX_MSR_ENTRIES)
		return -EINVAL;
	if (!m->nmsrs)
		return 0;
	e = memdup_user(u64_to_user_ptr(m->entries),
			array_size(m->nmsrs, sizeof(*e)));
	if (IS_ERR(e))
		return PTR_ERR(e);
	*ents = e;
	return 0;
}

/**
 * altp2m_vcpu_msrs_check - may these MSRs be read (or written)
 * @vcpu: the vCPU, its lock held
 * @e: the entries
 * @n: how many
 * @set: check the values for a write too
 *
 * Every index (and, for SET, every value) is checked before the first
 * one is read or written: GET_MSRS and SET_MSRS are all or nothing.
 *
 * Return: 0 or -EINVAL.
 */
int altp2m_vcpu_msrs_check(struct altp2m_vcpu *vcpu,
			   const struct altp2m_msr_entry *e, u32 n, bool set)
{
	unsigned int i;
	int ret;

	lockdep_assert_held(&vcpu->lock);
	for (i = 0; i < n; i++) {
		if (e[i].pad)
			return -EINVAL;
		/* The APIC's own (APIC base, TSC deadline) come first. */
		if (vcpu->lapic) {
			ret = altp2m_lapic_msr_check(vcpu, e[i].index,
						     e[i].value);
			if (ret != -ENOENT) {
				if (ret && set)
					return ret;
				continue;
			}
		}
		if (!altp2m_vmx_msr_allowed(e[i].index) ||
		    (set && altp2m_vmx_msr_check(e[i].index, e[i].value)))
			return -EINVAL;
	}
	return 0;
}

/**
 * altp2m_vcpu_msrs_access - read or write checked MSRs
 * @vcpu: the vCPU, its lock held
 * @e: the entries, passed by altp2m_vcpu_msrs_check(); GET fills the
 *	values
 * @n: how many
 * @set: the direction
 *
 * Return: 0, or an error only a racing guest could cause.
 */
int altp2m_vcpu_msrs_access(struct altp2m_vcpu *vcpu,
			    struct altp2m_msr_entry *e, u32 n, bool set)
{
	unsigned int i;
	int ret;

	lockdep_assert_held(&vcpu->lock);
	for (i = 0; i < n; i++) {
		ret = -ENOENT;
		if (vcpu->lapic && set)
			ret = altp2m_lapic_msr_set(vcpu, e[i].index,
						   e[i].value);
		else if (vcpu->lapic)
			ret = altp2m_lapic_msr_get(vcpu, e[i].index,
						   &e[i].value);
		if (ret == -ENOENT && set)
			ret = altp2m_vmx_set_msr(vcpu, e[i].index, e[i].value);
		else if (ret == -ENOENT)
			ret = altp2m_vmx_get_msr(vcpu, e[i].index, &e[i].value);
		if (ret)	/* checked above; only a racing guest could */
			return ret;
	}
	return 0;
}

/* GET_MSRS / SET_MSRS: all or nothing (see altp2m_vcpu_msrs_check()). */
static long altp2m_vcpu_msrs(struct altp2m_vcpu *vcpu, void __user *argp,
			     bool set)
{
	struct altp2m_msr_entry *e;
	struct altp2m_msrs m;
	long ret;

	ret = altp2m_vcpu_msrs_fetch(argp, &m, &e);
	if (ret || !e)
		return ret;
	ret = altp2m_vcpu_msrs_check(vcpu, e, m.nmsrs, set);
	if (!ret)
		ret = altp2m_vcpu_msrs_access(vcpu, e, m.nmsrs, set);
	if (!ret && !set &&
	    copy_to_user(u64_to_user_ptr(m.entries), e,
			 array_size(m.nmsrs, sizeof(*e))))
		ret = -EFAULT;
	kfree(e);
	return ret;
}

static long altp2m_vcpu_get_stats(struct altp2m_vcpu *vcpu, void __user *argp)
{
	struct altp2m_vcpu_stats st;

	if (copy_from_user(&st, argp, sizeof(st)))
		return -EFAULT;
	/* The counters that took reserved space must still come in as 0. */
	if (st.flags || st.pad ||
	    !altp2m_is_zero(&st.irqs_injected,
			    sizeof(st) - offsetof(typeof(st), irqs_injected)))
		return -EINVAL;
	st = vcpu->stats;
	return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
}

static long altp2m_vcpu_get_exit_counts(struct altp2m_vcpu *vcpu,
					void __user *argp)
{
	struct altp2m_vcpu_exit_counts *c;
	long ret = 0;

	c = memdup_user(argp, sizeof(*c));
	if (IS_ERR(c))
		return PTR_ERR(c);
	if (c->flags || c->nr ||
	    !altp2m_is_zero(c->reserved, sizeof(c->reserved))) {
		ret = -EINVAL;
		goto out;
	}
	c->nr = ALTP2M_VMX_EXIT_REASONS;
	memcpy(c->counts, vcpu->exit_counts, sizeof(c->counts));
	if (copy_to_user(argp, c, sizeof(*c)))
		ret = -EFAULT;
out:
	kfree(c);
	return ret;
}

static long altp2m_vcpu_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct altp2m_vcpu *vcpu = file->private_data;
	void __user *argp = (void __user *)arg;
	long ret;

	if (current->mm != vcpu->vm->mm)
		return -EIO;
	if (mutex_lock_killable(&vcpu->lock))
		return -EINTR;

	switch (cmd) {
	case ALTP2M_RUN:
		ret = altp2m_vcpu_run(vcpu, arg);
		break;
	case ALTP2M_GET_REGS:
		ret = altp2m_vcpu_get_regs(vcpu, argp);
		break;
	case ALTP2M_SET_REGS:
		ret = altp2m_vcpu_set_regs(vcpu, argp);
		break;
	case ALTP2M_GET_SREGS:
		ret = altp2m_vcpu_get_sregs(vcpu, argp);
		break;
	case ALTP2M_SET_SREGS:
		ret = altp2m_vcpu_set_sregs(vcpu, argp);
		break;
	case ALTP2M_GET_MSRS:
		ret = altp2m_vcpu_msrs(vcpu, argp, false);
		break;
	case ALTP2M_SET_MSRS:
		ret = altp2m_vcpu_msrs(vcpu, argp, true);
		break;
	case ALTP2M_GET_VCPU_STATS:
		ret = altp2m_vcpu_get_stats(vcpu, argp);
		break;
	case ALTP2M_GET_VCPU_EXIT_COUNTS:
		ret = altp2m_vcpu_get_exit_counts(vcpu, argp);
		break;
	case ALTP2M_SET_VE_PAGE:
		ret = altp2m_ve_page_ioctl(vcpu, argp);
		break;
	case ALTP2M_GET_VCPU_EVENTS:
		ret = altp2m_vcpu_get_events(vcpu, argp);
		break;
	case ALTP2M_SET_VCPU_EVENTS:
		ret = altp2m_vcpu_set_events(vcpu, argp);
		break;
	case ALTP2M_GET_MP_STATE:
		ret = altp2m_vcpu_get_mp_state(vcpu, argp);
		break;
	case ALTP2M_SET_MP_STATE:
		ret = altp2m_vcpu_set_mp_state(vcpu, argp);
		break;
	case ALTP2M_GET_LAPIC:
		ret = altp2m_lapic_get_state(vcpu, argp);
		break;
	case ALTP2M_SET_LAPIC:
		ret = altp2m_lapic_set_state(vcpu, argp);
		break;
	default:
		ret = altp2m_vcpu_view_ioctl(vcpu, cmd, argp);
	}
	mutex_unlock(&vcpu->lock);
	return ret;
}

static const struct file_operations altp2m_vcpu_fops = {
	.owner		= THIS_MODULE,
	.release	= altp2m_vcpu_release,
	.unlocked_ioctl	= altp2m_vcpu_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= altp2m_vcpu_mmap,
	.llseek		= noop_llseek,
};

/**
 * altp2m_vcpu_create - ALTP2M_CREATE_VCPU
 * @vm: the VM
 * @c: the checked request
 *
 * Return: the vCPU file descriptor, -EEXIST for an id in use, -ENOMEM...
 */
int altp2m_vcpu_create(struct altp2m_vm *vm, struct altp2m_create_vcpu *c)
{
	struct altp2m_vcpu *vcpu;
	int ret, fd;

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL_ACCOUNT);
	if (!vcpu)
		return -ENOMEM;
	vcpu->vm = vm;
	vcpu->id = c->vcpu_id;
	vcpu->ve_gfn = ALTP2M_GFN_INVALID;
	mutex_init(&vcpu->lock);
	rcuwait_init(&vcpu->irq.wait);
	altp2m_monitor_vcpu_init(vcpu);
	/* With a local APIC, only the bootstrap processor runs at first. */
	if ((vm->flags & ALTP2M_VM_LAPIC) && c->vcpu_id)
		vcpu->irq.mp_state = ALTP2M_MP_STATE_WAIT_SIPI;
	ret = -ENOMEM;
	vcpu->run = vmalloc_user(PAGE_SIZE);
	if (!vcpu->run)
		goto err_free;
	ret = altp2m_vcpu_views_init(vcpu);
	if (ret)
		goto err_run;
	ret = altp2m_vmx_vcpu_init(vcpu);
	if (ret)
		goto err_view;
	ret = altp2m_lapic_create(vcpu);
	if (ret)
		goto err_vmx;

	mutex_lock(&vm->lock);
	if (vm->vcpus[c->vcpu_id]) {
		mutex_unlock(&vm->lock);
		ret = -EEXIST;
		goto err_vmx;
	}
	ret = altp2m_monitor_vcpu_created(vcpu);
	if (ret) {
		mutex_unlock(&vm->lock);
		goto err_vmx;
	}
	altp2m_vcpu_views_attach(vcpu);
	/* Complete (its APIC too) before IPIs and MSIs can find it. */
	smp_store_release(&vm->vcpus[c->vcpu_id], vcpu);
	kref_get(&vm->refs);
	mutex_unlock(&vm->lock);

	fd = anon_inode_getfd("altp2m-vcpu", &altp2m_vcpu_fops, vcpu,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_slot;
	}
	return fd;

err_slot:
	mutex_lock(&vm->lock);
	vm->vcpus[c->vcpu_id] = NULL;
	mutex_unlock(&vm->lock);
	/* A monitor call may have pinned it meanwhile. */
	altp2m_monitor_vcpu_gone(vcpu);
	if (vcpu->lapic)	/* as at release: a sender may hold it */
		synchronize_rcu();
	altp2m_vm_put(vm);
err_vmx:
	altp2m_lapic_destroy(vcpu);
	altp2m_vmx_vcpu_destroy(vcpu);
err_view:
	altp2m_vcpu_views_destroy(vcpu);
err_run:
	vfree(vcpu->run);
err_free:
	kfree(vcpu);
	return ret;
}
