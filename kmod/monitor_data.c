// SPDX-License-Identifier: GPL-2.0
/*
 * The monitor fd's data ioctls (monitor.h): a stopped vCPU's registers,
 * guest memory through a view or by linear address, TRANSLATE, and the
 * VM fd's view ioctls, with the record of the views created through the
 * fd that ALTP2M_MONITOR_DROP_VIEWS destroys at close.
 *
 * The monitor is not the VMM: its calls find the vCPU by id and pin it
 * (altp2m_monitor_vcpu_pin()), then take its lock as a vCPU ioctl does,
 * on the monitor's thread. A stopped (paused or parked) vCPU sleeps
 * without that lock, so the wait for it is short; a running vCPU holds
 * it for as long as it runs, which is why the calls look first and say
 * EBUSY instead of waiting.
 *
 * Guest memory is copied through a kernel buffer: no user memory is
 * touched with a lock held, and the guest (which may write its memory
 * while the monitor reads it) is read once, by page, under the VM's
 * mmu_lock, which keeps the regions and the views still.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "altp2m.h"
#include "core/gva.h"

#define ALTP2M_MON_STATE_ALL	(ALTP2M_MON_STATE_REGS | \
				 ALTP2M_MON_STATE_SREGS | \
				 ALTP2M_MON_STATE_MSRS)
#define ALTP2M_MON_XLATE_ALL	(ALTP2M_MON_XLATE_WRITE | \
				 ALTP2M_MON_XLATE_USER | \
				 ALTP2M_MON_XLATE_FETCH)

/*
 * Vcpu @id of the monitor's VM, pinned and locked, once it is stopped:
 * ERR_PTR(-EBUSY) while it is not (it may then hold its lock for as long
 * as it runs), -ENOENT / -ENODEV as altp2m_monitor_vcpu_pin(), -EINTR on
 * a fatal signal. Undone by altp2m_mon_vcpu_put().
 */
static struct altp2m_vcpu *altp2m_mon_vcpu_get(struct altp2m_monitor *mon,
					       u32 id)
{
	struct altp2m_vcpu *vcpu;
	int ret = -EBUSY;

	vcpu = altp2m_monitor_vcpu_pin(mon, id);
	if (IS_ERR(vcpu))
		return vcpu;
	/*
	 * A stopped vCPU's thread holds the lock only for a moment when it
	 * wakes to look (altp2m_monitor_wait()): try until it is free or
	 * the vCPU is no longer stopped.
	 */
	while (altp2m_monitor_blocked(vcpu)) {
		if (mutex_trylock(&vcpu->lock)) {
			/* Under the lock the answer holds until the unlock. */
			if (altp2m_monitor_blocked(vcpu))
				return vcpu;
			mutex_unlock(&vcpu->lock);
			break;
		}
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		schedule_timeout_killable(1);
	}
	altp2m_monitor_vcpu_unpin(vcpu);
	return ERR_PTR(ret);
}

static void altp2m_mon_vcpu_put(struct altp2m_vcpu *vcpu)
{
	mutex_unlock(&vcpu->lock);
	altp2m_monitor_vcpu_unpin(vcpu);
}

/* The parts of a vCPU's state one GET or SET_VCPU_STATE moves. */
struct altp2m_mon_state {
	struct altp2m_regs regs;
	struct altp2m_sregs sregs;
	struct altp2m_msrs msrs;
	struct altp2m_msr_entry *ents;
	struct altp2m_vmx_sregs_set sregs_set;
};

/*
 * Every part's argument, copied in and checked by the rules of its own
 * ioctl (GET takes them too, as GET_REGS does), before the vCPU is
 * looked at.
 */
static int altp2m_mon_state_fetch(const struct altp2m_monitor_vcpu_state *a,
				  struct altp2m_mon_state *st)
{
	if ((a->flags & ALTP2M_MON_STATE_REGS) &&
	    (copy_from_user(&st->regs, u64_to_user_ptr(a->regs),
			    sizeof(st->regs))))
		return -EFAULT;
	if ((a->flags & ALTP2M_MON_STATE_REGS) &&
	    !altp2m_regs_padding_ok(&st->regs))
		return -EINVAL;
	if ((a->flags & ALTP2M_MON_STATE_SREGS) &&
	    (copy_from_user(&st->sregs, u64_to_user_ptr(a->sregs),
			    sizeof(st->sregs))))
		return -EFAULT;
	if ((a->flags & ALTP2M_MON_STATE_SREGS) &&
	    !altp2m_sregs_padding_ok(&st->sregs))
		return -EINVAL;
	if (a->flags & ALTP2M_MON_STATE_MSRS)
		return altp2m_vcpu_msrs_fetch(u64_to_user_ptr(a->msrs),
					      &st->msrs, &st->ents);
	return 0;
}

/* SET: every part is checked before any is written. */
static int altp2m_mon_state_set(struct altp2m_vcpu *vcpu, u32 flags,
				struct altp2m_mon_state *st)
{
	int ret;

	if (flags & ALTP2M_MON_STATE_MSRS) {
		ret = altp2m_vcpu_msrs_check(vcpu, st->ents, st->msrs.nmsrs,
					     true);
		if (ret)
			return ret;
	}
	if (flags & ALTP2M_MON_STATE_SREGS) {
		ret = altp2m_vmx_sregs_check(vcpu, &st->sregs, &st->sregs_set);
		if (ret)
			return ret;
	}
	/* The order a VMM restores in: MSRs (EFER among them) last. */
	if (flags & ALTP2M_MON_STATE_REGS) {
		ret = altp2m_vmx_set_regs(vcpu, &st->regs);
		if (ret)
			return ret;
	}
	if (flags & ALTP2M_MON_STATE_SREGS)
		altp2m_vmx_sregs_write(vcpu, &st->sregs, &st->sregs_set);
	if (flags & ALTP2M_MON_STATE_MSRS)
		return altp2m_vcpu_msrs_access(vcpu, st->ents, st->msrs.nmsrs,
					       true);
	return 0;
}

static int altp2m_mon_state_get(struct altp2m_vcpu *vcpu, u32 flags,
				struct altp2m_mon_state *st)
{
	int ret;

	if (flags & ALTP2M_MON_STATE_MSRS) {
		ret = altp2m_vcpu_msrs_check(vcpu, st->ents, st->msrs.nmsrs,
					     false);
		if (!ret)
			ret = altp2m_vcpu_msrs_access(vcpu, st->ents,
						      st->msrs.nmsrs, false);
		if (ret)
			return ret;
	}
	if (flags & ALTP2M_MON_STATE_REGS)
		altp2m_vmx_get_regs(vcpu, &st->regs);
	if (flags & ALTP2M_MON_STATE_SREGS)
		altp2m_vmx_get_sregs(vcpu, &st->sregs);
	return 0;
}

static int altp2m_mon_state_put(const struct altp2m_monitor_vcpu_state *a,
				const struct altp2m_mon_state *st)
{
	if ((a->flags & ALTP2M_MON_STATE_REGS) &&
	    copy_to_user(u64_to_user_ptr(a->regs), &st->regs,
			 sizeof(st->regs)))
		return -EFAULT;
	if ((a->flags & ALTP2M_MON_STATE_SREGS) &&
	    copy_to_user(u64_to_user_ptr(a->sregs), &st->sregs,
			 sizeof(st->sregs)))
		return -EFAULT;
	if ((a->flags & ALTP2M_MON_STATE_MSRS) && st->ents &&
	    copy_to_user(u64_to_user_ptr(st->msrs.entries), st->ents,
			 array_size(st->msrs.nmsrs, sizeof(*st->ents))))
		return -EFAULT;
	return 0;
}

/* ALTP2M_MONITOR_GET_VCPU_STATE and SET_VCPU_STATE. */
static long altp2m_mon_vcpu_state(struct altp2m_monitor *mon,
				  void __user *argp, bool set)
{
	struct altp2m_monitor_vcpu_state a;
	struct altp2m_vcpu *vcpu;
	struct altp2m_mon_state *st;
	long ret;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (!a.flags || (a.flags & ~ALTP2M_MON_STATE_ALL) ||
	    (!(a.flags & ALTP2M_MON_STATE_REGS) && a.regs) ||
	    (!(a.flags & ALTP2M_MON_STATE_SREGS) && a.sregs) ||
	    (!(a.flags & ALTP2M_MON_STATE_MSRS) && a.msrs) ||
	    !altp2m_is_zero(a.reserved, sizeof(a.reserved)))
		return -EINVAL;
	st = kzalloc(sizeof(*st), GFP_KERNEL_ACCOUNT);
	if (!st)
		return -ENOMEM;
	ret = altp2m_mon_state_fetch(&a, st);
	if (ret)
		goto out;
	vcpu = altp2m_mon_vcpu_get(mon, a.vcpu);
	if (IS_ERR(vcpu)) {
		ret = PTR_ERR(vcpu);
		goto out;
	}
	if (set)
		ret = altp2m_mon_state_set(vcpu, a.flags, st);
	else
		ret = altp2m_mon_state_get(vcpu, a.flags, st);
	altp2m_mon_vcpu_put(vcpu);
	if (!ret && !set)
		ret = altp2m_mon_state_put(&a, st);
out:
	kfree(st->ents);
	kfree(st);
	return ret;
}

/*
 * Copy @len bytes at @gpa, within one page, as view @view maps them
 * (its remap followed, its access rights ignored). A hidden frame is
 * reached at its own gfn as well as through a remap: the monitor is the
 * host's (that is how a shadow page gets filled).
 *
 * Return: 0, -EFAULT when the page is neither guest RAM nor hidden, or
 * the view's error (altp2m_views_backing_gfn()): it does not exist (any
 * more).
 */
static int altp2m_mon_copy_page(struct altp2m_vm *vm, u32 view, u64 gpa,
				void *buf, unsigned int len, bool write)
{
	u64 gfn;
	int ret;

	mutex_lock(&vm->mmu_lock);
	ret = altp2m_views_backing_gfn(&vm->views, view, gpa >> PAGE_SHIFT,
				       &gfn);
	if (!ret)
		ret = altp2m_p2m_copy_frame(vm, gfn << PAGE_SHIFT |
					    offset_in_page(gpa), buf, len,
					    write);
	mutex_unlock(&vm->mmu_lock);
	return ret;
}

/* A walk's paging-structure reads, through the view the monitor named. */
struct altp2m_mon_walk {
	struct altp2m_vm *vm;
	u32 view;
	int err;	/* the view's error, if a read met one */
};

static int altp2m_mon_walk_read(void *opaque, u64 gpa, void *buf,
				unsigned int len)
{
	struct altp2m_mon_walk *w = opaque;
	unsigned int n;
	int ret;

	/* Entries are aligned: a read never crosses a page, but be sure. */
	while (len) {
		n = min_t(unsigned int, len, PAGE_SIZE - offset_in_page(gpa));
		ret = altp2m_mon_copy_page(w->vm, w->view, gpa, buf, n, false);
		if (ret) {
			if (ret != -EFAULT)
				w->err = ret;
			return -EFAULT;
		}
		buf += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

/* A stopped vCPU's paging, to walk with through view @view. */
static void altp2m_mon_walk_init(struct altp2m_vcpu *vcpu, u32 view,
				 struct altp2m_mon_walk *w,
				 struct altp2m_paging *pg,
				 struct altp2m_gva_ctx *ctx)
{
	*w = (struct altp2m_mon_walk){ .vm = vcpu->vm, .view = view };
	*ctx = (struct altp2m_gva_ctx){
		.pg = pg,
		.read = altp2m_mon_walk_read,
		.opaque = w,
	};
	altp2m_vmx_walk_state(vcpu, pg, &ctx->maxphyaddr);
}

/* Where a copy of guest memory went: @done bytes, then @fault_addr. */
struct altp2m_mon_copy {
	u64 done;
	u64 fault_addr;
};

/*
 * By guest-physical address. Return: 0 with @c saying how far it got,
 * or the view's error.
 */
static int altp2m_mon_copy_gpa(struct altp2m_vm *vm, u32 view, u64 addr,
			       u8 *kbuf, u64 len, bool write,
			       struct altp2m_mon_copy *c)
{
	unsigned int n;
	int ret;

	while (c->done < len) {
		n = min_t(u64, len - c->done,
			  PAGE_SIZE - offset_in_page(addr + c->done));
		ret = altp2m_mon_copy_page(vm, view, addr + c->done,
					   kbuf + c->done, n, write);
		if (ret == -EFAULT)
			break;
		if (ret)
			return ret;
		c->done += n;
		cond_resched();
	}
	if (c->done < len)
		c->fault_addr = addr + c->done;
	return 0;
}

/*
 * By linear address with a stopped vCPU's paging, each page translated
 * once, as a supervisor read whatever the access (the uAPI ignores
 * rights): the walk reads every paging-structure entry once and decides
 * on that copy only.
 */
static int altp2m_mon_copy_gva(struct altp2m_vcpu *vcpu, u32 view, u64 addr,
			       u8 *kbuf, u64 len, bool write,
			       struct altp2m_mon_copy *c)
{
	struct altp2m_gva_fault fault;
	struct altp2m_gva_ctx ctx;
	struct altp2m_mon_walk w;
	struct altp2m_paging pg;
	unsigned int n;
	u64 la, gpa;
	int ret;

	lockdep_assert_held(&vcpu->lock);
	altp2m_mon_walk_init(vcpu, view, &w, &pg, &ctx);
	while (c->done < len) {
		la = addr + c->done;
		n = min_t(u64, len - c->done, PAGE_SIZE - offset_in_page(la));
		ret = altp2m_gva_to_gpa(&ctx, la, 0, &gpa, &fault);
		if (w.err)
			return w.err;
		if (ret)
			break;
		ret = altp2m_mon_copy_page(vcpu->vm, view, gpa,
					   kbuf + c->done, n, write);
		if (ret == -EFAULT)
			break;
		if (ret)
			return ret;
		c->done += n;
		cond_resched();
	}
	if (c->done < len)
		c->fault_addr = addr + c->done;
	return 0;
}

/* The view a copy goes through must exist when it starts. */
static int altp2m_mon_view_check(struct altp2m_vm *vm, u32 view)
{
	u64 gfn;
	int ret;

	mutex_lock(&vm->mmu_lock);
	ret = altp2m_views_backing_gfn(&vm->views, view, 0, &gfn);
	mutex_unlock(&vm->mmu_lock);
	return ret;
}

static int altp2m_mon_mem_copy(struct altp2m_monitor *mon,
			       const struct altp2m_monitor_mem *a, u8 *kbuf,
			       bool write, struct altp2m_mon_copy *c)
{
	struct altp2m_vm *vm = altp2m_monitor_vm(mon);
	struct altp2m_vcpu *vcpu;
	u32 view = a->view;
	int ret;

	if (!(a->flags & ALTP2M_MON_MEM_GVA)) {
		ret = altp2m_mon_view_check(vm, view);
		if (ret)
			return ret;
		return altp2m_mon_copy_gpa(vm, view, a->addr, kbuf, a->len,
					   write, c);
	}
	vcpu = altp2m_mon_vcpu_get(mon, a->vcpu);
	if (IS_ERR(vcpu))
		return PTR_ERR(vcpu);
	/* Stable: it changes under the vCPU's lock (and mmu_lock). */
	if (view == ALTP2M_MON_VIEW_CURRENT)
		view = vcpu->view;
	ret = altp2m_mon_view_check(vm, view);
	if (!ret)
		ret = altp2m_mon_copy_gva(vcpu, view, a->addr, kbuf, a->len,
					  write, c);
	altp2m_mon_vcpu_put(vcpu);
	return ret;
}

/* ALTP2M_MONITOR_READ_MEM and WRITE_MEM. */
static long altp2m_mon_mem(struct altp2m_monitor *mon, void __user *argp,
			   bool write)
{
	struct altp2m_monitor_mem a;
	struct altp2m_mon_copy c = {};
	void __user *ubuf;
	u8 *kbuf;
	long ret;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if ((a.flags & ~ALTP2M_MON_MEM_GVA) || a.pad ||
	    !altp2m_is_zero(a.reserved, sizeof(a.reserved)) ||
	    !a.len || a.len > ALTP2M_MONITOR_MAX_MEM ||
	    a.addr + a.len < a.addr ||
	    (!(a.flags & ALTP2M_MON_MEM_GVA) &&
	     (a.vcpu || a.view == ALTP2M_MON_VIEW_CURRENT)))
		return -EINVAL;
	ubuf = u64_to_user_ptr(a.buf);
	kbuf = kvmalloc(a.len, GFP_KERNEL_ACCOUNT);
	if (!kbuf)
		return -ENOMEM;
	ret = -EFAULT;
	/* Taken once, before anything is written: the source may change. */
	if (write && copy_from_user(kbuf, ubuf, a.len))
		goto out;
	ret = altp2m_mon_mem_copy(mon, &a, kbuf, write, &c);
	if (ret)
		goto out;
	ret = -EFAULT;
	if (!write && copy_to_user(ubuf, kbuf, c.done))
		goto out;
	a.done = c.done;
	a.fault_addr = c.fault_addr;
	ret = copy_to_user(argp, &a, sizeof(a)) ? -EFAULT : 0;
out:
	kvfree(kbuf);
	return ret;
}

/* The walk's access bits (the #PF error code's, as the uAPI's flags). */
static u32 altp2m_mon_xlate_access(u32 flags)
{
	return (flags & ALTP2M_MON_XLATE_WRITE ? ALTP2M_ACC_WRITE : 0) |
	       (flags & ALTP2M_MON_XLATE_USER ? ALTP2M_ACC_USER : 0) |
	       (flags & ALTP2M_MON_XLATE_FETCH ? ALTP2M_ACC_FETCH : 0);
}

/* ALTP2M_MONITOR_TRANSLATE, with the vCPU's current view's memory. */
static long altp2m_mon_translate(struct altp2m_monitor *mon,
				 void __user *argp)
{
	struct altp2m_monitor_translate a;
	struct altp2m_gva_fault fault;
	struct altp2m_vcpu *vcpu;
	struct altp2m_gva_ctx ctx;
	struct altp2m_mon_walk w;
	struct altp2m_paging pg;
	unsigned int levels;
	u64 gpa = 0;
	long ret;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if ((a.flags & ~ALTP2M_MON_XLATE_ALL) ||
	    ((a.flags & ALTP2M_MON_XLATE_WRITE) &&
	     (a.flags & ALTP2M_MON_XLATE_FETCH)) ||
	    !altp2m_is_zero(a.reserved, sizeof(a.reserved)))
		return -EINVAL;
	vcpu = altp2m_mon_vcpu_get(mon, a.vcpu);
	if (IS_ERR(vcpu))
		return PTR_ERR(vcpu);
	altp2m_mon_walk_init(vcpu, vcpu->view, &w, &pg, &ctx);
	ret = altp2m_gva_walk(&ctx, a.gva, altp2m_mon_xlate_access(a.flags),
			      &gpa, &fault, &levels);
	altp2m_mon_vcpu_put(vcpu);
	if (w.err)
		return w.err;
	a.gpa = ret ? 0 : gpa;
	a.levels = levels;
	a.error = 0;
	/*
	 * No translation: a #PF with its error code; a non-canonical
	 * address or a paging structure outside guest RAM has none (0).
	 */
	if (ret == -EFAULT && fault.vector == ALTP2M_VEC_PF)
		a.error = fault.error_code;
	if (ret == -EFAULT || ret == -EIO)
		ret = -ENXIO;
	if (ret && ret != -ENXIO)
		return ret;
	if (copy_to_user(argp, &a, sizeof(a)))
		return -EFAULT;
	return ret;
}

/* ALTP2M_CREATE_VIEW, recorded for ALTP2M_MONITOR_DROP_VIEWS. */
static long altp2m_mon_create_view(struct altp2m_monitor *mon,
				   void __user *argp)
{
	struct altp2m_monitor_views *mv = altp2m_monitor_views(mon);
	struct altp2m_vm *vm = altp2m_monitor_vm(mon);
	u64 serial;
	long ret;
	u32 view;

	ret = altp2m_views_ioctl_create(vm, argp, &view, &serial);
	if (ret)
		return ret;
	/*
	 * @serial was read when the view was made: if someone destroyed it
	 * and another took its index since, the record does not match that
	 * one, and the close leaves it alone.
	 */
	mutex_lock(&vm->mmu_lock);
	mv->serial[view] = serial;
	mutex_unlock(&vm->mmu_lock);
	return 0;
}

long altp2m_monitor_data_ioctl(struct altp2m_monitor *mon, unsigned int cmd,
			       void __user *argp)
{
	struct altp2m_vm *vm = altp2m_monitor_vm(mon);

	switch (cmd) {
	case ALTP2M_MONITOR_GET_VCPU_STATE:
		return altp2m_mon_vcpu_state(mon, argp, false);
	case ALTP2M_MONITOR_SET_VCPU_STATE:
		return altp2m_mon_vcpu_state(mon, argp, true);
	case ALTP2M_MONITOR_READ_MEM:
		return altp2m_mon_mem(mon, argp, false);
	case ALTP2M_MONITOR_WRITE_MEM:
		return altp2m_mon_mem(mon, argp, true);
	case ALTP2M_MONITOR_TRANSLATE:
		return altp2m_mon_translate(mon, argp);
	case ALTP2M_CREATE_VIEW:
		return altp2m_mon_create_view(mon, argp);
	case ALTP2M_GET_VM_STATUS:
		return altp2m_vm_get_status(vm, argp);
	case ALTP2M_ADD_HIDDEN_FRAMES:
	case ALTP2M_REMOVE_HIDDEN_FRAMES:
		return altp2m_hidden_ioctl(vm, cmd, argp);
	default:
		/* The rest of the VM fd's view ioctls, -ENOTTY for others. */
		return altp2m_views_ioctl(vm, cmd, argp);
	}
}

/*
 * Destroy view @view if it is still the creation @serial, moving the
 * vCPUs on it (or about to be) to view 0 first. Return: whether it went.
 */
static bool altp2m_mon_drop_view(struct altp2m_vm *vm, u32 view, u64 serial)
{
	struct altp2m_switch_view sw = {
		.flags = ALTP2M_SWITCH_ONE_VCPU,
		.view = 0,
	};
	DECLARE_BITMAP(on, ALTP2M_MAX_VCPUS);
	struct altp2m_vcpu *vcpu;
	bool gone = false;
	unsigned int i;

	bitmap_zero(on, ALTP2M_MAX_VCPUS);
	mutex_lock(&vm->lock);
	mutex_lock(&vm->mmu_lock);
	if (altp2m_views_serial(&vm->views, view) != serial)
		goto out;
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++) {
		vcpu = vm->vcpus[i];
		if (vcpu && (vcpu->view == view ||
			     READ_ONCE(vcpu->hw_view) == view ||
			     (altp2m_test_request(vcpu, ALTP2M_REQ_SWITCH_VIEW) &&
			      vcpu->switch_to == view)))
			__set_bit(i, on);
	}
	mutex_unlock(&vm->mmu_lock);
	/* The VM's @lock keeps the vCPUs (and the view: see below) there. */
	for_each_set_bit(i, on, ALTP2M_MAX_VCPUS) {
		sw.vcpu_id = i;
		altp2m_switch_vcpus(vm, &sw);
	}
	mutex_lock(&vm->mmu_lock);
	/* Every destroy takes the VM's @lock too: it is still ours. */
	if (altp2m_views_serial(&vm->views, view) == serial &&
	    !altp2m_switch_destroy_view(vm, view)) {
		altp2m_vm_views_changed(vm);
		gone = true;
	}
out:
	mutex_unlock(&vm->mmu_lock);
	mutex_unlock(&vm->lock);
	return gone;
}

void altp2m_monitor_views_release(struct altp2m_monitor *mon)
{
	struct altp2m_monitor_views *mv = altp2m_monitor_views(mon);
	struct altp2m_vm *vm = altp2m_monitor_vm(mon);
	unsigned int view;
	u64 serial;

	if (!(altp2m_monitor_flags(mon) & ALTP2M_MONITOR_DROP_VIEWS))
		return;
	for (view = 1; view < ALTP2M_MAX_VIEWS; view++) {
		/* No ioctl of the fd runs at its release: no lock needed. */
		serial = mv->serial[view];
		if (!serial)
			continue;
		if (altp2m_mon_drop_view(vm, view, serial))
			altp2m_nl_notify(vm, ALTP2M_CMD_VIEW_DESTROYED, view, 0);
		else
			pr_debug("VM %u: view %u of the monitor not destroyed\n",
				 vm->id, view);
		cond_resched();
	}
}
