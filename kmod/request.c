// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU requests and guest mode; the rules are in request.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/lockdep.h>
#include <linux/percpu.h>
#include <linux/smp.h>

#include "altp2m.h"
#include "request.h"

/* The CPUs one altp2m_make_all_vcpus_request() sends to (preemption off). */
static DEFINE_PER_CPU(struct cpumask, altp2m_kick_mask);

/**
 * altp2m_make_request - ask @vcpu to do @req before its next entry
 * @vcpu: the vCPU
 * @req: the request
 *
 * Stores made before this (the request's data) are visible to the vCPU
 * once it takes the request. Does not make a running guest exit.
 */
void altp2m_make_request(struct altp2m_vcpu *vcpu, enum altp2m_request req)
{
	/* Pairs with the barrier in altp2m_check_request(). */
	smp_mb__before_atomic();
	set_bit(req, &vcpu->requests);
}

/* Whether @req is pending, without taking it. */
bool altp2m_test_request(struct altp2m_vcpu *vcpu, enum altp2m_request req)
{
	return test_bit(req, &vcpu->requests);
}

/**
 * altp2m_check_request - take @req if it is pending
 * @vcpu: the vCPU
 * @req: the request
 *
 * Return: whether it was; the request's data may be read then.
 */
bool altp2m_check_request(struct altp2m_vcpu *vcpu, enum altp2m_request req)
{
	if (!test_bit(req, &vcpu->requests))
		return false;
	clear_bit(req, &vcpu->requests);
	/* The bit before the data it announces. */
	smp_mb__after_atomic();
	return true;
}

static void altp2m_kick_ack(void *info)
{
}

/**
 * altp2m_make_all_vcpus_request - @req for every vCPU; guests leave
 * @vm: the VM, its @lock or mmu_lock held (either keeps its vCPUs alive:
 *	a vCPU's release clears its slot under @lock, and frees it only
 *	after taking mmu_lock)
 * @req: the request, or ALTP2M_REQ_NONE to make guests exit only
 * @wait: return only once each vCPU that was in the guest has left it
 *
 * Only vCPUs in guest mode get an IPI (see request.h for why the others
 * need none). Sleeps when @wait is set: not under a spinlock.
 */
void altp2m_make_all_vcpus_request(struct altp2m_vm *vm,
				   enum altp2m_request req, bool wait)
{
	struct altp2m_vcpu *vcpu;
	struct cpumask *mask;
	unsigned int i;
	int me, cpu;

	lockdep_assert(lockdep_is_held(&vm->lock) ||
		       lockdep_is_held(&vm->mmu_lock));
	if (req != ALTP2M_REQ_NONE)
		for (i = 0; i < ALTP2M_MAX_VCPUS; i++) {
			vcpu = READ_ONCE(vm->vcpus[i]);
			if (vcpu)
				altp2m_make_request(vcpu, req);
		}
	/* Requests (and the caller's stores) before reading modes. */
	smp_mb();
	me = get_cpu();
	mask = this_cpu_ptr(&altp2m_kick_mask);
	cpumask_clear(mask);
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++) {
		vcpu = READ_ONCE(vm->vcpus[i]);
		if (!vcpu)
			continue;
		/* Pairs with the release in altp2m_vcpu_exit_guest_mode(). */
		if (smp_load_acquire(&vcpu->mode) != ALTP2M_IN_GUEST_MODE)
			continue;
		/* Not this CPU: it runs us, not a guest. */
		cpu = READ_ONCE(vcpu->cpu);
		if (cpu != me && cpu >= 0)
			__cpumask_set_cpu(cpu, mask);
	}
	if (!cpumask_empty(mask))
		smp_call_function_many(mask, altp2m_kick_ack, NULL, wait);
	put_cpu();
}

/**
 * altp2m_vcpu_enter_guest_mode - the last step before a VM entry
 * @vcpu: the vCPU, interrupts off, on the CPU it enters on
 *
 * Return: true when the vCPU may enter (it is IN_GUEST_MODE now); false
 * when a request came in, which the run loop must take first.
 */
bool altp2m_vcpu_enter_guest_mode(struct altp2m_vcpu *vcpu)
{
	lockdep_assert_irqs_disabled();
	/* vcpu->cpu before the mode, for a requester that sees the mode. */
	smp_wmb();
	/* The mode before the requests: see request.h. */
	smp_store_mb(vcpu->mode, ALTP2M_IN_GUEST_MODE);
	if (likely(!(READ_ONCE(vcpu->requests) & ALTP2M_REQS_ENTRY)))
		return true;
	WRITE_ONCE(vcpu->mode, ALTP2M_OUTSIDE_GUEST_MODE);
	return false;
}

/**
 * altp2m_vcpu_exit_guest_mode - right after the VM exit
 * @vcpu: the vCPU, interrupts still off
 *
 * What the vCPU noted at the exit (its view) is written before this, so
 * a requester that sees OUTSIDE_GUEST_MODE also sees the notes.
 */
void altp2m_vcpu_exit_guest_mode(struct altp2m_vcpu *vcpu)
{
	/* The exit's notes before the mode; pairs with the acquire above. */
	smp_store_release(&vcpu->mode, ALTP2M_OUTSIDE_GUEST_MODE);
}

/**
 * altp2m_vcpu_kick - an event came for @vcpu: make it look before entering
 * @vcpu: the vCPU; the caller keeps it alive (irq.h)
 *
 * Requests ALTP2M_REQ_EVENT (the event's data is stored before this), so
 * a vCPU about to enter goes round its run loop first; wakes the vCPU if
 * it sleeps in HLT or waiting for a SIPI; and, if it is in the guest on
 * another CPU, sends that CPU a reschedule IPI, whose only effect here is
 * the VM exit it causes (external-interrupt exiting). No wait for the
 * exit: the requester has nothing to do after it, unlike
 * altp2m_make_all_vcpus_request(..., true). Safe with interrupts off and
 * from hard-irq context (the APIC timer).
 */
void altp2m_vcpu_kick(struct altp2m_vcpu *vcpu)
{
	int cpu, me;

	altp2m_make_request(vcpu, ALTP2M_REQ_EVENT);
	/* The request before the sleeper's and the mode's checks. */
	smp_mb();
	rcuwait_wake_up(&vcpu->irq.wait);
	/* Pairs with the release in altp2m_vcpu_exit_guest_mode(). */
	if (smp_load_acquire(&vcpu->mode) != ALTP2M_IN_GUEST_MODE)
		return;
	cpu = READ_ONCE(vcpu->cpu);
	me = get_cpu();
	if (cpu != me && cpu >= 0 && cpu_online(cpu))
		smp_send_reschedule(cpu);
	put_cpu();
}
