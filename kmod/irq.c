// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU side of interrupts (irq.h): raising NMI, INIT and SIPI for a
 * vCPU from any thread, and the vCPU ioctls for its events and mp_state.
 * Delivery itself is in vmx/inject.c, halting and INIT/SIPI in vmx/run.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/lockdep.h>
#include <linux/uaccess.h>

#include "altp2m.h"
#include "irq.h"

/**
 * altp2m_vcpu_raise_nmi - an NMI for @vcpu
 * @vcpu: the vCPU, kept alive by the caller (irq.h)
 *
 * At most one is latched: a second one before the first was taken is
 * the same NMI, as on the CPU.
 */
void altp2m_vcpu_raise_nmi(struct altp2m_vcpu *vcpu)
{
	set_bit(ALTP2M_IRQ_NMI, &vcpu->irq.events);
	altp2m_vcpu_kick(vcpu);
}

/**
 * altp2m_vcpu_raise_init - an INIT for @vcpu: it resets and waits for a
 *	SIPI (the bootstrap processor restarts at the reset vector)
 * @vcpu: the vCPU, kept alive by the caller
 */
void altp2m_vcpu_raise_init(struct altp2m_vcpu *vcpu)
{
	set_bit(ALTP2M_IRQ_INIT, &vcpu->irq.events);
	altp2m_vcpu_kick(vcpu);
}

/**
 * altp2m_vcpu_raise_sipi - a start-up IPI for @vcpu
 * @vcpu: the vCPU, kept alive by the caller
 * @vector: where it starts: real mode at @vector << 12
 *
 * Ignored, as on the CPU, unless the vCPU waits for one when it takes it.
 */
void altp2m_vcpu_raise_sipi(struct altp2m_vcpu *vcpu, u8 vector)
{
	WRITE_ONCE(vcpu->irq.sipi_vector, vector);
	/* The vector before the bit; the vCPU takes the bit first. */
	smp_wmb();
	set_bit(ALTP2M_IRQ_SIPI, &vcpu->irq.events);
	altp2m_vcpu_kick(vcpu);
}

/**
 * altp2m_vcpu_get_events - ALTP2M_GET_VCPU_EVENTS
 * @vcpu: the vCPU, its lock held
 * @argp: struct altp2m_vcpu_events; flags, pad and reserved must be 0
 *
 * Return: 0, -EFAULT or -EINVAL.
 */
long altp2m_vcpu_get_events(struct altp2m_vcpu *vcpu, void __user *argp)
{
	struct altp2m_vcpu_events ev;

	lockdep_assert_held(&vcpu->lock);
	if (copy_from_user(&ev, argp, sizeof(ev)))
		return -EFAULT;
	if (ev.flags || ev.pad ||
	    !altp2m_is_zero(ev.reserved, sizeof(ev.reserved)))
		return -EINVAL;
	memset(&ev, 0, sizeof(ev));
	altp2m_vmx_get_events(vcpu, &ev);
	return copy_to_user(argp, &ev, sizeof(ev)) ? -EFAULT : 0;
}

#define ALTP2M_EVENTS_SET_ALL	(ALTP2M_EVENTS_SET_EVENT |		\
				 ALTP2M_EVENTS_SET_NMI |		\
				 ALTP2M_EVENTS_SET_SHADOW |		\
				 ALTP2M_EVENTS_SET_SIPI)

/* The checks of the parts @ev names; NULL when all pass. */
static const char *altp2m_events_invalid(const struct altp2m_vcpu *vcpu,
					 const struct altp2m_vcpu_events *ev)
{
	if (ev->flags & ~ALTP2M_EVENTS_SET_ALL || ev->pad ||
	    !altp2m_is_zero(ev->reserved, sizeof(ev->reserved)))
		return "unknown flags or non-zero padding";
	if ((ev->flags & ALTP2M_EVENTS_SET_EVENT) && ev->event_valid) {
		if (ev->event_valid != 1 || ev->event_has_error > 1)
			return "event_valid and event_has_error are 0 or 1";
		if (altp2m_event_invalid((u32)ev->event_type << 8,
					 ev->event_vector, ev->event_has_error,
					 ev->event_error, ev->event_insn_len))
			return "an event VM entry cannot inject";
	}
	if ((ev->flags & ALTP2M_EVENTS_SET_NMI) &&
	    (ev->nmi_pending > 1 || ev->nmi_masked > 1))
		return "nmi_pending and nmi_masked are 0 or 1";
	if (ev->flags & ALTP2M_EVENTS_SET_SHADOW) {
		if (ev->shadow & ~(ALTP2M_SHADOW_STI | ALTP2M_SHADOW_MOV_SS) ||
		    ev->shadow == (ALTP2M_SHADOW_STI | ALTP2M_SHADOW_MOV_SS))
			return "one shadow at most";
		/* As VM entry checks it: STI blocks only with IF set. */
		if ((ev->shadow & ALTP2M_SHADOW_STI) &&
		    !(vcpu->vmx.rflags & X86_EFLAGS_IF))
			return "an STI shadow needs RFLAGS.IF";
	}
	if ((ev->flags & ALTP2M_EVENTS_SET_SIPI) && ev->sipi_vector > 0xff)
		return "sipi_vector is 0-255";
	return NULL;
}

/**
 * altp2m_vcpu_set_events - ALTP2M_SET_VCPU_EVENTS
 * @vcpu: the vCPU, its lock held
 * @argp: struct altp2m_vcpu_events; the parts @flags names are written
 *
 * Every part is checked before any is written. What is set stays within
 * what VM entry accepts: an exception, NMI or software event is injected
 * at the next entry; an external interrupt waits for the guest's
 * interrupt window; an NMI set pending waits until NMIs are unblocked.
 *
 * Return: 0, -EFAULT or -EINVAL.
 */
long altp2m_vcpu_set_events(struct altp2m_vcpu *vcpu, void __user *argp)
{
	struct altp2m_vcpu_events ev;
	const char *why;

	lockdep_assert_held(&vcpu->lock);
	if (copy_from_user(&ev, argp, sizeof(ev)))
		return -EFAULT;
	why = altp2m_events_invalid(vcpu, &ev);
	if (why) {
		pr_debug("vCPU %u: SET_VCPU_EVENTS: %s\n", vcpu->id, why);
		return -EINVAL;
	}
	altp2m_vmx_set_events(vcpu, &ev);
	return 0;
}

/**
 * altp2m_vcpu_get_mp_state - ALTP2M_GET_MP_STATE
 * @vcpu: the vCPU, its lock held
 * @argp: struct altp2m_mp_state; flags and reserved must be 0 (state is
 *	only written)
 *
 * Return: 0, -EFAULT or -EINVAL.
 */
long altp2m_vcpu_get_mp_state(struct altp2m_vcpu *vcpu, void __user *argp)
{
	struct altp2m_mp_state mp;

	lockdep_assert_held(&vcpu->lock);
	if (copy_from_user(&mp, argp, sizeof(mp)))
		return -EFAULT;
	if (mp.flags || !altp2m_is_zero(mp.reserved, sizeof(mp.reserved)))
		return -EINVAL;
	mp.state = vcpu->irq.mp_state;
	return copy_to_user(argp, &mp, sizeof(mp)) ? -EFAULT : 0;
}

/**
 * altp2m_vcpu_set_mp_state - ALTP2M_SET_MP_STATE
 * @vcpu: the vCPU, its lock held
 * @argp: struct altp2m_mp_state
 *
 * RUNNABLE wakes a halted vCPU or starts a waiting one with the registers
 * it has; HALTED halts it as HLT would; WAIT_SIPI makes it wait for a
 * start-up IPI without touching its registers. The last two exist only
 * with a local APIC, which is what ends them.
 *
 * Return: 0, -EFAULT or -EINVAL.
 */
long altp2m_vcpu_set_mp_state(struct altp2m_vcpu *vcpu, void __user *argp)
{
	struct altp2m_mp_state mp;

	lockdep_assert_held(&vcpu->lock);
	if (copy_from_user(&mp, argp, sizeof(mp)))
		return -EFAULT;
	if (mp.flags || !altp2m_is_zero(mp.reserved, sizeof(mp.reserved)))
		return -EINVAL;
	switch (mp.state) {
	case ALTP2M_MP_STATE_RUNNABLE:
		break;
	case ALTP2M_MP_STATE_HALTED:
	case ALTP2M_MP_STATE_WAIT_SIPI:
		if (!vcpu->lapic)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (mp.state == ALTP2M_MP_STATE_HALTED &&
	    vcpu->irq.mp_state != ALTP2M_MP_STATE_HALTED)
		vcpu->vmx.halt_counted = false;
	WRITE_ONCE(vcpu->irq.mp_state, mp.state);
	return 0;
}
