/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interrupts for a vCPU: the contract between the local APIC (lapic.c),
 * which decides what is pending, and the vCPU side (irq.c, vmx/inject.c,
 * vmx/run.c), which delivers it, sleeps in HLT and carries out INIT and
 * SIPI. The uAPI's "Interrupts, the local APIC" section is the spec.
 *
 * Who may call what:
 *  - Any thread (another vCPU sending an IPI, the VMM's SIGNAL_MSI, an
 *    irqfd, the APIC timer's hrtimer in hard-irq context) raises an event
 *    for a vCPU: the local APIC records a fixed interrupt in its IRR under
 *    its own lock and then calls altp2m_vcpu_kick(); NMI, INIT and SIPI go
 *    through altp2m_vcpu_raise_nmi/init/sipi(), which kick themselves.
 *    None of these sleeps, so all work with interrupts off.
 *  - Only the vCPU's own thread, inside ALTP2M_RUN or a vCPU ioctl (its
 *    vcpu->lock held), consumes events: altp2m_lapic_pending(),
 *    altp2m_lapic_accept(), the mp_state changes and the register reset.
 *
 * A vCPU another thread finds in its VM's vcpus[] under rcu_read_lock()
 * stays allocated until rcu_read_unlock(): a vCPU's release clears its
 * slot, then waits for a grace period before freeing it (vcpu.c).
 */
#ifndef ALTP2M_IRQ_H
#define ALTP2M_IRQ_H

#include <linux/bitops.h>
#include <linux/rcuwait.h>
#include <linux/types.h>

struct altp2m_vcpu;
struct altp2m_vm;
struct altp2m_vcpu_events;
struct altp2m_mp_state;

/* Bits of struct altp2m_vcpu_irq.events, set by any thread. */
enum altp2m_irq_event {
	ALTP2M_IRQ_NMI,		/* an NMI waits (at most one is latched) */
	ALTP2M_IRQ_INIT,	/* INIT: reset to wait-for-SIPI */
	ALTP2M_IRQ_SIPI,	/* start-up IPI with @sipi_vector */
};

/**
 * struct altp2m_vcpu_irq - the vCPU side of interrupt delivery
 * @mp_state: ALTP2M_MP_STATE_*; written only by the vCPU's thread (vcpu
 *	lock held), read by others with READ_ONCE() for reports only
 * @events: enum altp2m_irq_event bits, set by any thread with set_bit()
 *	and then a kick, taken by the vCPU with test_and_clear_bit()
 * @sipi_vector: the vector of the last SIPI; written before
 *	ALTP2M_IRQ_SIPI is set (set_bit() after smp_wmb()), read after the
 *	bit is taken
 * @wait: where the vCPU's thread sleeps while halted or waiting for a
 *	SIPI; altp2m_vcpu_kick() wakes it
 */
struct altp2m_vcpu_irq {
	u32 mp_state;
	unsigned long events;
	u8 sipi_vector;
	struct rcuwait wait;
};

/*
 * Make @vcpu look at its interrupt state again before its next entry:
 * request ALTP2M_REQ_EVENT, wake it if it sleeps (HLT, wait-for-SIPI),
 * and send its CPU an IPI if it is in the guest, so the guest exits and
 * the event can be injected. From any context, interrupts off included
 * (request.c).
 */
void altp2m_vcpu_kick(struct altp2m_vcpu *vcpu);

/* Raise an NMI, INIT or SIPI for @vcpu, from any context (irq.c). */
void altp2m_vcpu_raise_nmi(struct altp2m_vcpu *vcpu);
void altp2m_vcpu_raise_init(struct altp2m_vcpu *vcpu);
void altp2m_vcpu_raise_sipi(struct altp2m_vcpu *vcpu, u8 vector);

/* The vCPU's ioctls for its interrupt state (irq.c). */
long altp2m_vcpu_get_events(struct altp2m_vcpu *vcpu, void __user *argp);
long altp2m_vcpu_set_events(struct altp2m_vcpu *vcpu, void __user *argp);
long altp2m_vcpu_get_mp_state(struct altp2m_vcpu *vcpu, void __user *argp);
long altp2m_vcpu_set_mp_state(struct altp2m_vcpu *vcpu, void __user *argp);

#endif /* ALTP2M_IRQ_H */
