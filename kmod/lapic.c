// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel local APIC of a vCPU (lapic.h): the register model of
 * core/lapic.c under a lock, its timer on an hrtimer, delivery of IPIs
 * and MSIs to the VM's vCPUs, the VMM's ioctls and irqfds.
 *
 * Delivery. A message goes to every vCPU whose APIC matches it (or its
 * shorthand), found in vm->vcpus[] under rcu_read_lock() (irq.h). Lowest
 * priority is not arbitrated by priority: it goes to the first matching
 * APIC that accepts it, starting after the vCPU chosen last (a round
 * robin), which spreads device interrupts as a guest asking for lowest
 * priority expects. Fixed and lowest-priority interrupts need the APIC
 * software-enabled; NMI, INIT and start-up only hardware-enabled. A
 * destination no vCPU has drops the message (modern processors report
 * no error for it).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/hrtimer.h>
#include <linux/math64.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <asm/processor.h>
#include <asm/tsc.h>

#include "altp2m.h"
#include "core/lapic.h"
#include "lapic.h"

/* The model counts one timer tick per nanosecond of its clock. */
static_assert(ALTP2M_APIC_TIMER_HZ == NSEC_PER_SEC);

/**
 * struct altp2m_lapic - a vCPU's local APIC
 * @lock: protects @apic, @period, @timer_gen and @armed_gen. A raw
 *	spinlock taken with interrupts off: the timer's hrtimer runs in
 *	hard-irq context, and other vCPUs and irqfd wake-ups (under the
 *	eventfd's own lock) deliver into @apic. Never held across a call
 *	out of this file, nor together with another vCPU's
 * @apic: the registers
 * @timer: the APIC timer (one-shot, periodic, TSC-deadline); armed and
 *	cancelled only by the vCPU's thread, so never with @lock held (the
 *	callback takes it)
 * @period: the periodic timer's period in ns, 0 for the other modes
 * @timer_gen: counts changes to the timer's settings
 * @armed_gen: @timer_gen when @timer was armed: a callback that finds
 *	them different belongs to old settings and does nothing
 * @vcpu: the vCPU (which owns this)
 */
struct altp2m_lapic {
	raw_spinlock_t lock;		/* see above */
	struct altp2m_apic apic;
	struct hrtimer timer;
	u64 period;
	u64 timer_gen;
	u64 armed_gen;
	struct altp2m_vcpu *vcpu;
};

/**
 * struct altp2m_vm_apic - what the local APICs of a VM share
 * @irqfd_mutex: serialises binding, unbinding and teardown of irqfds
 * @irqfd_lock: protects @irqfds and @nr_irqfds, also against the
 *	eventfd's wake-up on close (EPOLLHUP), which runs under the
 *	eventfd's wait-queue lock and takes this one inside it
 * @irqfds: the bindings (struct altp2m_irqfd_bind.link)
 * @nr_irqfds: their number, at most ALTP2M_MAX_IRQFDS
 * @lowest_next: where the next lowest-priority round starts (a vCPU id)
 */
struct altp2m_vm_apic {
	struct mutex irqfd_mutex;	/* see above */
	spinlock_t irqfd_lock;		/* see above */
	struct list_head irqfds;
	unsigned int nr_irqfds;
	atomic_t lowest_next;
};

/**
 * struct altp2m_irqfd_bind - an eventfd bound to an MSI message
 * @vm: the VM (the binding goes before the VM does)
 * @eventfd: the eventfd (a reference)
 * @msg: the decoded message
 * @wait: our entry in the eventfd's wait queue
 * @pt: to hook @wait in through vfs_poll()
 * @link: in the VM's list, empty once the binding is being taken down
 *	(under the VM's irqfd_lock)
 */
struct altp2m_irqfd_bind {
	struct altp2m_vm *vm;
	struct eventfd_ctx *eventfd;
	struct altp2m_apic_msg msg;
	wait_queue_entry_t wait;
	poll_table pt;
	struct list_head link;
};

static u64 altp2m_lapic_now(void)
{
	return ktime_get_ns();
}

/* (Re)arm the timer from the current settings; vCPU thread only. */
static void altp2m_lapic_timer_update(struct altp2m_lapic *l)
{
	struct altp2m_apic *a = &l->apic;
	u64 now, exp, period = 0, tsc, delta, ns;
	unsigned long flags;

	hrtimer_cancel(&l->timer);
	raw_spin_lock_irqsave(&l->lock, flags);
	now = altp2m_lapic_now();
	if (ALTP2M_APIC_TIMER_MODE(altp2m_apic_reg(a, ALTP2M_APIC_LVTT)) ==
	    ALTP2M_APIC_TIMER_DEADLINE) {
		exp = 0;
		if (a->tsc_deadline) {
			tsc = altp2m_vcpu_guest_tsc(l->vcpu);
			delta = a->tsc_deadline > tsc ? a->tsc_deadline - tsc : 0;
			/* No rate to convert with: early rather than never. */
			if (!tsc_khz)
				ns = 0;
			else if (delta / tsc_khz >= KTIME_MAX / NSEC_PER_MSEC)
				ns = KTIME_MAX / 2;
			else
				ns = mul_u64_u32_div(delta, NSEC_PER_MSEC, tsc_khz);
			exp = now + ns;
		}
	} else {
		exp = altp2m_apic_timer_next(a, now, &period);
	}
	l->period = period;
	l->armed_gen = l->timer_gen;
	raw_spin_unlock_irqrestore(&l->lock, flags);
	if (exp)
		hrtimer_start(&l->timer, ns_to_ktime(min_t(u64, exp, KTIME_MAX)),
			      HRTIMER_MODE_ABS_HARD);
}

static enum hrtimer_restart altp2m_lapic_timer_fn(struct hrtimer *t)
{
	struct altp2m_lapic *l = container_of(t, struct altp2m_lapic, timer);
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	bool kick = false;

	raw_spin_lock(&l->lock);
	if (l->armed_gen == l->timer_gen) {
		kick = altp2m_apic_timer_fire(&l->apic);
		if (l->period) {
			hrtimer_forward_now(t, ns_to_ktime(l->period));
			ret = HRTIMER_RESTART;
		}
	}
	raw_spin_unlock(&l->lock);
	if (kick)
		altp2m_vcpu_kick(l->vcpu);
	return ret;
}

/*
 * Hand @m to @vcpu's APIC (@match: when it matches the destination).
 * Return: whether it accepted it. Any context.
 */
static bool altp2m_lapic_deliver_one(struct altp2m_vcpu *vcpu,
				     const struct altp2m_apic_msg *m,
				     bool match)
{
	struct altp2m_lapic *l = vcpu->lapic;
	unsigned long flags;
	bool ok, kick = false;

	if (!l)
		return false;
	raw_spin_lock_irqsave(&l->lock, flags);
	ok = altp2m_apic_hw_enabled(&l->apic) &&
	     (!match || altp2m_apic_match(&l->apic, m));
	if (ok && (m->delivery == ALTP2M_APIC_DM_FIXED ||
		   m->delivery == ALTP2M_APIC_DM_LOWEST)) {
		ok = altp2m_apic_enabled(&l->apic);
		if (ok)
			kick = altp2m_apic_set_irr(&l->apic, m->vector,
						   m->level);
	}
	raw_spin_unlock_irqrestore(&l->lock, flags);
	if (!ok)
		return false;
	switch (m->delivery) {
	case ALTP2M_APIC_DM_NMI:
		altp2m_vcpu_raise_nmi(vcpu);
		break;
	case ALTP2M_APIC_DM_INIT:
		altp2m_vcpu_raise_init(vcpu);
		break;
	case ALTP2M_APIC_DM_SIPI:
		altp2m_vcpu_raise_sipi(vcpu, m->vector);
		break;
	default:
		if (kick)
			altp2m_vcpu_kick(vcpu);
		break;
	}
	return true;
}

/*
 * Deliver @m, sent by @src (NULL for a device's MSI), to the VM's vCPUs.
 * Return: how many accepted it. Any context.
 */
static int altp2m_lapic_deliver(struct altp2m_vm *vm, struct altp2m_vcpu *src,
				const struct altp2m_apic_msg *m)
{
	struct altp2m_vcpu *vcpu;
	unsigned int i, id, start;
	int n = 0;

	/* An INIT level de-assert does nothing (since the Pentium 4). */
	if (m->delivery == ALTP2M_APIC_DM_INIT && m->level && !m->assert)
		return 0;
	rcu_read_lock();
	if (m->shorthand == ALTP2M_APIC_DEST_SELF) {
		n = src && altp2m_lapic_deliver_one(src, m, false);
	} else if (m->shorthand != ALTP2M_APIC_DEST_NONE) {
		for (i = 0; i < ALTP2M_MAX_VCPUS; i++) {
			vcpu = READ_ONCE(vm->vcpus[i]);
			if (!vcpu || (vcpu == src &&
				      m->shorthand == ALTP2M_APIC_DEST_OTHERS))
				continue;
			n += altp2m_lapic_deliver_one(vcpu, m, false);
		}
	} else if (m->delivery == ALTP2M_APIC_DM_LOWEST) {
		start = (unsigned int)atomic_read(&vm->apic->lowest_next);
		for (i = 0; i < ALTP2M_MAX_VCPUS; i++) {
			id = (start + i) % ALTP2M_MAX_VCPUS;
			vcpu = READ_ONCE(vm->vcpus[id]);
			if (vcpu && altp2m_lapic_deliver_one(vcpu, m, true)) {
				atomic_set(&vm->apic->lowest_next, id + 1);
				n = 1;
				break;
			}
		}
	} else {
		for (i = 0; i < ALTP2M_MAX_VCPUS; i++) {
			vcpu = READ_ONCE(vm->vcpus[i]);
			if (vcpu)
				n += altp2m_lapic_deliver_one(vcpu, m, true);
		}
	}
	rcu_read_unlock();
	return n;
}

/*
 * What a register write left to do, once the lock is dropped (vCPU
 * thread). Return: 0, or ALTP2M_LAPIC_EXIT with the run page filled.
 */
static int altp2m_lapic_after(struct altp2m_vcpu *vcpu,
			      const struct altp2m_apic_fx *fx)
{
	struct altp2m_run *run = vcpu->run;

	if (fx->flags & ALTP2M_APIC_FX_TIMER)
		altp2m_lapic_timer_update(vcpu->lapic);
	if (fx->flags & ALTP2M_APIC_FX_SEND)
		altp2m_lapic_deliver(vcpu->vm, vcpu, &fx->msg);
	if (fx->flags & ALTP2M_APIC_FX_EVENT)
		altp2m_make_request(vcpu, ALTP2M_REQ_EVENT);
	if (fx->flags & ALTP2M_APIC_FX_EOI) {
		run->exit_reason = ALTP2M_EXIT_EOI;
		memset(&run->eoi, 0, sizeof(run->eoi));
		run->eoi.vector = fx->eoi_vector;
		return ALTP2M_LAPIC_EXIT;
	}
	return 0;
}

/* Bump the timer's generation when a write changed its settings. */
static void altp2m_lapic_note_fx(struct altp2m_lapic *l,
				 const struct altp2m_apic_fx *fx)
{
	lockdep_assert_held(&l->lock);
	if (fx->flags & ALTP2M_APIC_FX_TIMER)
		l->timer_gen++;
}

int altp2m_vm_apic_init(struct altp2m_vm *vm)
{
	struct altp2m_vm_apic *va;

	if (!(vm->flags & ALTP2M_VM_LAPIC))
		return 0;
	va = kzalloc(sizeof(*va), GFP_KERNEL_ACCOUNT);
	if (!va)
		return -ENOMEM;
	mutex_init(&va->irqfd_mutex);
	spin_lock_init(&va->irqfd_lock);
	INIT_LIST_HEAD(&va->irqfds);
	vm->apic = va;
	return 0;
}

/*
 * Unhook a binding already taken off the list: once the eventfd's wait
 * queue no longer has it, no wake-up can be running in it any more.
 */
static void altp2m_irqfd_free(struct altp2m_irqfd_bind *b)
{
	u64 cnt;

	eventfd_ctx_remove_wait_queue(b->eventfd, &b->wait, &cnt);
	eventfd_ctx_put(b->eventfd);
	kfree(b);
}

void altp2m_vm_apic_destroy(struct altp2m_vm *vm)
{
	struct altp2m_vm_apic *va = vm->apic;
	struct altp2m_irqfd_bind *b;

	if (!va)
		return;
	mutex_lock(&va->irqfd_mutex);
	for (;;) {
		spin_lock_irq(&va->irqfd_lock);
		b = list_first_entry_or_null(&va->irqfds,
					     struct altp2m_irqfd_bind, link);
		if (b) {
			list_del_init(&b->link);
			va->nr_irqfds--;
		}
		spin_unlock_irq(&va->irqfd_lock);
		if (!b)
			break;
		altp2m_irqfd_free(b);
	}
	mutex_unlock(&va->irqfd_mutex);
	kfree(va);
	vm->apic = NULL;
}

int altp2m_lapic_create(struct altp2m_vcpu *vcpu)
{
	struct altp2m_lapic *l;

	if (!(vcpu->vm->flags & ALTP2M_VM_LAPIC))
		return 0;
	l = kzalloc(sizeof(*l), GFP_KERNEL_ACCOUNT);
	if (!l)
		return -ENOMEM;
	raw_spin_lock_init(&l->lock);
	hrtimer_setup(&l->timer, altp2m_lapic_timer_fn, CLOCK_MONOTONIC,
		      HRTIMER_MODE_ABS_HARD);
	l->vcpu = vcpu;
	altp2m_apic_reset(&l->apic, vcpu->id, false);
	vcpu->lapic = l;
	return 0;
}

void altp2m_lapic_destroy(struct altp2m_vcpu *vcpu)
{
	struct altp2m_lapic *l = vcpu->lapic;

	if (!l)
		return;
	hrtimer_cancel(&l->timer);
	vcpu->lapic = NULL;
	kfree(l);
}

void altp2m_lapic_reset(struct altp2m_vcpu *vcpu, bool init)
{
	struct altp2m_lapic *l = vcpu->lapic;
	unsigned long flags;

	lockdep_assert_held(&vcpu->lock);
	hrtimer_cancel(&l->timer);
	raw_spin_lock_irqsave(&l->lock, flags);
	altp2m_apic_reset(&l->apic, vcpu->id, init);
	l->timer_gen++;
	raw_spin_unlock_irqrestore(&l->lock, flags);
}

int altp2m_lapic_pending(struct altp2m_vcpu *vcpu)
{
	struct altp2m_lapic *l = vcpu->lapic;
	unsigned long flags;
	int v;

	lockdep_assert_held(&vcpu->lock);
	raw_spin_lock_irqsave(&l->lock, flags);
	v = altp2m_apic_pending(&l->apic);
	raw_spin_unlock_irqrestore(&l->lock, flags);
	return v;
}

void altp2m_lapic_accept(struct altp2m_vcpu *vcpu, u8 vector)
{
	struct altp2m_lapic *l = vcpu->lapic;
	unsigned long flags;

	lockdep_assert_held(&vcpu->lock);
	raw_spin_lock_irqsave(&l->lock, flags);
	altp2m_apic_accept(&l->apic, vector);
	raw_spin_unlock_irqrestore(&l->lock, flags);
}

u64 altp2m_lapic_get_cr8(struct altp2m_vcpu *vcpu)
{
	/* Only the vCPU's own thread writes the TPR. */
	return (altp2m_apic_reg(&vcpu->lapic->apic, ALTP2M_APIC_TPR) >> 4) &
	       0xf;
}

int altp2m_lapic_set_cr8(struct altp2m_vcpu *vcpu, u64 val)
{
	struct altp2m_lapic *l = vcpu->lapic;
	unsigned long flags;

	if (val & ~0xfULL)
		return -EINVAL;
	raw_spin_lock_irqsave(&l->lock, flags);
	/* CR8 writes TPR[7:4] and clears TPR[3:0]. */
	l->apic.regs[ALTP2M_APIC_TPR / 4] = val << 4;
	raw_spin_unlock_irqrestore(&l->lock, flags);
	altp2m_make_request(vcpu, ALTP2M_REQ_EVENT);
	return 0;
}

static int altp2m_lapic_set_base(struct altp2m_vcpu *vcpu, u64 val)
{
	struct altp2m_lapic *l = vcpu->lapic;
	struct altp2m_apic_fx fx = {};
	unsigned long flags;
	int ret;

	raw_spin_lock_irqsave(&l->lock, flags);
	ret = altp2m_apic_base_check(&l->apic, val, boot_cpu_data.x86_phys_bits,
				     true);
	if (!ret) {
		fx.flags = altp2m_apic_base_set(&l->apic, val);
		altp2m_lapic_note_fx(l, &fx);
	}
	raw_spin_unlock_irqrestore(&l->lock, flags);
	return ret ?: altp2m_lapic_after(vcpu, &fx);
}

static bool altp2m_lapic_deadline_mode(const struct altp2m_apic *a)
{
	return ALTP2M_APIC_TIMER_MODE(altp2m_apic_reg(a, ALTP2M_APIC_LVTT)) ==
	       ALTP2M_APIC_TIMER_DEADLINE;
}

int altp2m_lapic_msr_get(struct altp2m_vcpu *vcpu, u32 index, u64 *val)
{
	struct altp2m_lapic *l = vcpu->lapic;
	unsigned long flags;
	int ret = 0;

	if (index != ALTP2M_APIC_MSR_BASE &&
	    index != ALTP2M_APIC_MSR_TSC_DEADLINE &&
	    (index < ALTP2M_APIC_MSR_X2APIC ||
	     index > ALTP2M_APIC_MSR_X2APIC_LAST))
		return -ENOENT;
	raw_spin_lock_irqsave(&l->lock, flags);
	if (index == ALTP2M_APIC_MSR_BASE)
		*val = l->apic.base;
	else if (index == ALTP2M_APIC_MSR_TSC_DEADLINE)
		/* Reads 0 outside the TSC-deadline mode. */
		*val = altp2m_lapic_deadline_mode(&l->apic) ?
		       l->apic.tsc_deadline : 0;
	else if (!altp2m_apic_x2(&l->apic))
		ret = -EINVAL;
	else
		ret = altp2m_apic_x2_read(&l->apic, index, altp2m_lapic_now(),
					  val);
	raw_spin_unlock_irqrestore(&l->lock, flags);
	return ret;
}

int altp2m_lapic_msr_set(struct altp2m_vcpu *vcpu, u32 index, u64 val)
{
	struct altp2m_lapic *l = vcpu->lapic;
	struct altp2m_apic_fx fx = {};
	unsigned long flags;
	int ret = 0;

	if (index == ALTP2M_APIC_MSR_BASE)
		return altp2m_lapic_set_base(vcpu, val);
	if (index != ALTP2M_APIC_MSR_TSC_DEADLINE &&
	    (index < ALTP2M_APIC_MSR_X2APIC ||
	     index > ALTP2M_APIC_MSR_X2APIC_LAST))
		return -ENOENT;
	raw_spin_lock_irqsave(&l->lock, flags);
	if (index == ALTP2M_APIC_MSR_TSC_DEADLINE) {
		/* Ignored outside the TSC-deadline mode. */
		if (altp2m_lapic_deadline_mode(&l->apic)) {
			l->apic.tsc_deadline = val;
			fx.flags |= ALTP2M_APIC_FX_TIMER;
		}
	} else if (!altp2m_apic_x2(&l->apic)) {
		ret = -EINVAL;
	} else {
		ret = altp2m_apic_x2_write(&l->apic, index, val,
					   altp2m_lapic_now(), &fx);
	}
	altp2m_lapic_note_fx(l, &fx);
	raw_spin_unlock_irqrestore(&l->lock, flags);
	return ret ?: altp2m_lapic_after(vcpu, &fx);
}

int altp2m_lapic_msr_check(struct altp2m_vcpu *vcpu, u32 index, u64 val)
{
	struct altp2m_lapic *l = vcpu->lapic;
	unsigned long flags;
	int ret;

	if (index == ALTP2M_APIC_MSR_TSC_DEADLINE)
		return 0;
	if (index != ALTP2M_APIC_MSR_BASE)
		return -ENOENT;
	raw_spin_lock_irqsave(&l->lock, flags);
	ret = altp2m_apic_base_check(&l->apic, val, boot_cpu_data.x86_phys_bits,
				     true);
	raw_spin_unlock_irqrestore(&l->lock, flags);
	return ret;
}

bool altp2m_lapic_in_mmio(struct altp2m_vcpu *vcpu, u64 gpa)
{
	/* Only the vCPU's own thread changes the base. */
	u64 base = vcpu->lapic->apic.base;

	return (base & ALTP2M_APIC_BASE_EN) && !(base & ALTP2M_APIC_BASE_EXTD) &&
	       (gpa & ALTP2M_APIC_BASE_ADDR) == (base & ALTP2M_APIC_BASE_ADDR);
}

/*
 * The xAPIC page. Registers are 32 bits wide at 16-byte strides and only
 * aligned 32-bit accesses are defined: a read elsewhere returns the
 * register's bytes from that offset on (0 past them), a write other than
 * an aligned 32-bit one is dropped.
 */
int altp2m_lapic_mmio(struct altp2m_vcpu *vcpu, u64 gpa, unsigned int len,
		      bool write, u64 *val)
{
	struct altp2m_lapic *l = vcpu->lapic;
	u32 off = gpa & 0xfff, reg = off & ~0xfU, sub = off & 0xf;
	struct altp2m_apic_fx fx = {};
	unsigned long flags;
	u32 data;

	raw_spin_lock_irqsave(&l->lock, flags);
	if (!write) {
		data = altp2m_apic_mmio_read(&l->apic, reg, altp2m_lapic_now());
		*val = sub < 4 ? data >> (8 * sub) : 0;
	} else if (!sub && len == 4) {
		altp2m_apic_mmio_write(&l->apic, reg, *val, altp2m_lapic_now(),
				       &fx);
		altp2m_lapic_note_fx(l, &fx);
	}
	raw_spin_unlock_irqrestore(&l->lock, flags);
	return altp2m_lapic_after(vcpu, &fx);
}

/*
 * GET/SET_LAPIC's argument, copied in and its flags, padding and reserved
 * fields checked; the caller frees it.
 */
static struct altp2m_lapic_state *altp2m_lapic_state_in(void __user *argp)
{
	struct altp2m_lapic_state *s = memdup_user(argp, sizeof(*s));

	if (IS_ERR(s))
		return s;
	if (s->flags || s->pad ||
	    !altp2m_is_zero(s->reserved, sizeof(s->reserved))) {
		kfree(s);
		return ERR_PTR(-EINVAL);
	}
	return s;
}

long altp2m_lapic_get_state(struct altp2m_vcpu *vcpu, void __user *argp)
{
	struct altp2m_lapic *l = vcpu->lapic;
	struct altp2m_lapic_state *s;
	unsigned long flags;
	long ret = 0;

	if (!l)
		return -EINVAL;
	s = altp2m_lapic_state_in(argp);
	if (IS_ERR(s))
		return PTR_ERR(s);
	raw_spin_lock_irqsave(&l->lock, flags);
	s->apic_base = l->apic.base;
	s->tsc_deadline = altp2m_lapic_deadline_mode(&l->apic) ?
			  l->apic.tsc_deadline : 0;
	altp2m_apic_get_page(&l->apic, altp2m_lapic_now(), (u32 *)s->regs);
	raw_spin_unlock_irqrestore(&l->lock, flags);
	if (copy_to_user(argp, s, sizeof(*s)))
		ret = -EFAULT;
	kfree(s);
	return ret;
}

long altp2m_lapic_set_state(struct altp2m_vcpu *vcpu, void __user *argp)
{
	struct altp2m_lapic *l = vcpu->lapic;
	struct altp2m_lapic_state *s;
	unsigned long flags;
	long ret = 0;

	if (!l)
		return -EINVAL;
	s = altp2m_lapic_state_in(argp);
	if (IS_ERR(s))
		return PTR_ERR(s);
	if (altp2m_apic_base_check(&l->apic, s->apic_base,
				   boot_cpu_data.x86_phys_bits, false)) {
		ret = -EINVAL;
		goto out;
	}
	hrtimer_cancel(&l->timer);
	raw_spin_lock_irqsave(&l->lock, flags);
	l->apic.base = s->apic_base;
	altp2m_apic_set_page(&l->apic, (const u32 *)s->regs,
			     altp2m_lapic_now());
	l->apic.tsc_deadline = altp2m_lapic_deadline_mode(&l->apic) ?
			       s->tsc_deadline : 0;
	l->timer_gen++;
	raw_spin_unlock_irqrestore(&l->lock, flags);
	altp2m_lapic_timer_update(l);
	altp2m_make_request(vcpu, ALTP2M_REQ_EVENT);
out:
	kfree(s);
	return ret;
}

long altp2m_vm_signal_msi(struct altp2m_vm *vm, void __user *argp)
{
	struct altp2m_apic_msg m;
	struct altp2m_msi msi;

	if (!vm->apic)
		return -EINVAL;
	if (copy_from_user(&msi, argp, sizeof(msi)))
		return -EFAULT;
	if (msi.flags || !altp2m_is_zero(msi.reserved, sizeof(msi.reserved)) ||
	    altp2m_apic_msi_decode(msi.address, msi.data, &m))
		return -EINVAL;
	return altp2m_lapic_deliver(vm, NULL, &m);
}

/*
 * The eventfd's wake-up, under its wait-queue lock with interrupts off:
 * a signal sends the message; a close (EPOLLHUP) ends the binding.
 */
static int altp2m_irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			       int sync, void *key)
{
	struct altp2m_irqfd_bind *b = container_of(wait,
						   struct altp2m_irqfd_bind,
						   wait);
	__poll_t events = key_to_poll(key);
	struct altp2m_vm_apic *va = b->vm->apic;
	unsigned long flags;
	bool mine = false;
	u64 cnt;

	if (events & EPOLLIN) {
		eventfd_ctx_do_read(b->eventfd, &cnt);
		altp2m_lapic_deliver(b->vm, NULL, &b->msg);
	}
	if (events & EPOLLHUP) {
		spin_lock_irqsave(&va->irqfd_lock, flags);
		if (!list_empty(&b->link)) {
			list_del_init(&b->link);
			va->nr_irqfds--;
			mine = true;
		}
		spin_unlock_irqrestore(&va->irqfd_lock, flags);
		/*
		 * Unbind and DEASSIGN free it only after taking it off
		 * the list; here we took it. The wake-up walk allows the
		 * current entry to go, and the eventfd's release holds
		 * its own reference until after this call.
		 */
		if (mine) {
			list_del_init(&b->wait.entry);
			eventfd_ctx_put(b->eventfd);
			kfree(b);
		}
	}
	return 0;
}

static void altp2m_irqfd_ptable(struct file *file, wait_queue_head_t *wqh,
				poll_table *pt)
{
	struct altp2m_irqfd_bind *b = container_of(pt,
						   struct altp2m_irqfd_bind,
						   pt);

	add_wait_queue(wqh, &b->wait);
}

static int altp2m_irqfd_assign(struct altp2m_vm *vm,
			       const struct altp2m_irqfd *args)
{
	struct altp2m_vm_apic *va = vm->apic;
	struct altp2m_irqfd_bind *b, *o;
	struct eventfd_ctx *ctx;
	__poll_t events;
	struct fd f;
	int ret;

	b = kzalloc(sizeof(*b), GFP_KERNEL_ACCOUNT);
	if (!b)
		return -ENOMEM;
	ret = -EINVAL;
	if (altp2m_apic_msi_decode(args->msi_address, args->msi_data, &b->msg))
		goto err_free;
	f = fdget(args->fd);
	ret = -EBADF;
	if (!fd_file(f))
		goto err_free;
	ctx = eventfd_ctx_fileget(fd_file(f));
	if (IS_ERR(ctx)) {
		ret = PTR_ERR(ctx);
		goto err_fd;
	}
	b->vm = vm;
	b->eventfd = ctx;
	INIT_LIST_HEAD(&b->link);
	init_waitqueue_func_entry(&b->wait, altp2m_irqfd_wakeup);
	init_poll_funcptr(&b->pt, altp2m_irqfd_ptable);

	/* Under the mutex: no DEASSIGN or teardown while it is hooked in. */
	spin_lock_irq(&va->irqfd_lock);
	ret = va->nr_irqfds >= ALTP2M_MAX_IRQFDS ? -ENOSPC : 0;
	list_for_each_entry(o, &va->irqfds, link)
		if (o->eventfd == ctx)
			ret = -EEXIST;
	spin_unlock_irq(&va->irqfd_lock);
	if (ret)
		goto err_ctx;

	/*
	 * On the list before the wait queue: a close can only come after
	 * fdput(), and then it finds the binding. A signal already pending
	 * is sent now.
	 */
	spin_lock_irq(&va->irqfd_lock);
	list_add_tail(&b->link, &va->irqfds);
	va->nr_irqfds++;
	spin_unlock_irq(&va->irqfd_lock);
	events = vfs_poll(fd_file(f), &b->pt);
	if (events & EPOLLIN)
		altp2m_lapic_deliver(vm, NULL, &b->msg);
	fdput(f);
	return 0;

err_ctx:
	eventfd_ctx_put(ctx);
err_fd:
	fdput(f);
err_free:
	kfree(b);
	return ret;
}

static int altp2m_irqfd_deassign(struct altp2m_vm *vm,
				 const struct altp2m_irqfd *args)
{
	struct altp2m_vm_apic *va = vm->apic;
	struct altp2m_irqfd_bind *b, *found = NULL;
	struct eventfd_ctx *ctx;

	ctx = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	spin_lock_irq(&va->irqfd_lock);
	list_for_each_entry(b, &va->irqfds, link) {
		if (b->eventfd == ctx) {
			list_del_init(&b->link);
			va->nr_irqfds--;
			found = b;
			break;
		}
	}
	spin_unlock_irq(&va->irqfd_lock);
	eventfd_ctx_put(ctx);
	if (!found)
		return -ENOENT;
	altp2m_irqfd_free(found);
	return 0;
}

long altp2m_vm_irqfd(struct altp2m_vm *vm, void __user *argp)
{
	struct altp2m_irqfd args;
	long ret;

	if (!vm->apic)
		return -EINVAL;
	if (copy_from_user(&args, argp, sizeof(args)))
		return -EFAULT;
	if ((args.flags & ~ALTP2M_IRQFD_DEASSIGN) || args.pad ||
	    !altp2m_is_zero(args.reserved, sizeof(args.reserved)))
		return -EINVAL;
	mutex_lock(&vm->apic->irqfd_mutex);
	if (args.flags & ALTP2M_IRQFD_DEASSIGN)
		ret = altp2m_irqfd_deassign(vm, &args);
	else
		ret = altp2m_irqfd_assign(vm, &args);
	mutex_unlock(&vm->apic->irqfd_mutex);
	return ret;
}
