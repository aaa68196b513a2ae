/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vCPU requests and guest mode: how other threads make a vCPU do
 * something before its next VM entry, and make it leave the guest now.
 *
 * A request is a bit in vcpu->requests. Whoever asks writes the data the
 * request refers to, then sets the bit (altp2m_make_request()); the vCPU
 * takes the bit, then reads the data (altp2m_check_request()). The run
 * loop takes every ALTP2M_REQS_ENTRY request before entering.
 *
 * vcpu->mode says whether the vCPU may be in the guest: IN_GUEST_MODE
 * from just before its last check of the requests (interrupts off) until
 * just after the exit, OUTSIDE_GUEST_MODE otherwise. vcpu->cpu is where
 * it is, written before the mode and stable while IN_GUEST_MODE.
 *
 * Memory ordering, the one rule everything here relies on. It is the
 * store-buffering pattern, with a full barrier on each side:
 *
 *   requester                        vCPU (interrupts off)
 *   set request bit(s)               mode = IN_GUEST_MODE
 *   smp_mb()                         smp_mb()
 *   read mode (and cpu)              read requests
 *
 * At least one side sees the other's store. Either the vCPU sees the
 * request and goes round the run loop to take it before entering, or the
 * requester sees IN_GUEST_MODE and sends an IPI to vcpu->cpu. The IPI
 * cannot be taken before the vCPU is back outside the guest with
 * interrupts on (an interrupt that arrives with interrupts off makes the
 * next entry exit at once: external-interrupt exiting), so waiting for it
 * (@wait) means: no vCPU of the VM runs guest code that has not seen the
 * requests. A vCPU OUTSIDE_GUEST_MODE needs no IPI: it takes the request
 * before it enters again.
 *
 * So a caller that changed something a running guest may use (EPT
 * entries, EPTP lists) and then calls altp2m_make_all_vcpus_request(vm,
 * req, true) knows, when it returns, that no guest instruction runs
 * against the old state any more.
 */
#ifndef ALTP2M_REQUEST_H
#define ALTP2M_REQUEST_H

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/compiler.h>

struct altp2m_vcpu;
struct altp2m_vm;

/* What a vCPU must do before its next entry. */
enum altp2m_request {
	ALTP2M_REQ_SWITCH_VIEW,	/* move to @switch_to (switch.c) */
	ALTP2M_REQ_EPTP,	/* the VMCS's EPTP follows vmx.eptp */
	ALTP2M_REQ_VE,		/* the VMCS's #VE setup follows vmx.ve_hpa */
	ALTP2M_REQ_TLB_FLUSH,	/* drop this CPU's cached EPT translations */
	ALTP2M_REQ_STATE_CHECK,	/* userspace set registers: check at RUN */
	ALTP2M_REQ_HOLD,	/* wait for mmu_lock: a batch is applying */
	ALTP2M_REQ_EVENT,	/* an interrupt, NMI, INIT or SIPI came (irq.h) */
	ALTP2M_REQ_MONITOR,	/* monitor intercepts changed (monitor.h) */
	ALTP2M_NR_REQUESTS,
	ALTP2M_REQ_NONE = -1,	/* no request: only make guests exit */
};

/* The requests the run loop takes before each entry. */
#define ALTP2M_REQS_ENTRY	(BIT(ALTP2M_REQ_SWITCH_VIEW) |		\
				 BIT(ALTP2M_REQ_EPTP) |			\
				 BIT(ALTP2M_REQ_VE) |			\
				 BIT(ALTP2M_REQ_TLB_FLUSH) |		\
				 BIT(ALTP2M_REQ_HOLD) |			\
				 BIT(ALTP2M_REQ_EVENT) |		\
				 BIT(ALTP2M_REQ_MONITOR))

enum altp2m_vcpu_mode {
	ALTP2M_OUTSIDE_GUEST_MODE,
	ALTP2M_IN_GUEST_MODE,
};

void altp2m_make_request(struct altp2m_vcpu *vcpu, enum altp2m_request req);
bool altp2m_test_request(struct altp2m_vcpu *vcpu, enum altp2m_request req);
bool altp2m_check_request(struct altp2m_vcpu *vcpu, enum altp2m_request req);
void altp2m_make_all_vcpus_request(struct altp2m_vm *vm,
				   enum altp2m_request req, bool wait);
bool altp2m_vcpu_enter_guest_mode(struct altp2m_vcpu *vcpu);
void altp2m_vcpu_exit_guest_mode(struct altp2m_vcpu *vcpu);

#endif /* ALTP2M_REQUEST_H */
