// SPDX-License-Identifier: GPL-2.0
/*
 * The run loop: bring the VMCS up to date with the vCPU, enter the guest
 * (enter.c does the entry and exit and everything that guards the host
 * around them), and let exits.c decide whether to go round again or
 * return to userspace.
 *
 * Each entry has three steps, as in KVM: prepare (preemptible work: the
 * VMCS made current, fields that follow vCPU state, the FPU), then with
 * interrupts off the last checks and the entry and exit themselves, then
 * complete (errors and counts). The FPU/XSAVE state is swapped for the
 * whole of ALTP2M_RUN, as KVM does, and re-established before each entry
 * if the kernel used the FPU meanwhile.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/rcuwait.h>
#include <linux/sched/signal.h>
#include <linux/preempt.h>
#include <asm/fpu/api.h>
#include <asm/msr-index.h>

#include "../altp2m.h"
#include "../lapic.h"
#include "enter.h"
#include "internal.h"

/*
 * The view a guest VMFUNC may have moved the vCPU to, noted before
 * interrupts are on again: a kick IPI, taken after this, then finds it
 * current (see altp2m_switch_withdraw()).
 */
static void altp2m_note_guest_view(struct altp2m_vcpu *vcpu)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;
	u64 eptp = altp2m_vmread(EPT_POINTER);
	unsigned int i;

	if (eptp == v->eptp_loaded)
		return;
	v->eptp = eptp;
	v->eptp_loaded = eptp;
	if (altp2m_vmx_cfg.eptp_index) {
		WRITE_ONCE(vcpu->hw_view,
			   altp2m_vmread(ALTP2M_VMCS_EPTP_INDEX));
		return;
	}
	/*
	 * Not the vCPU's list: a destroy may have withdrawn the entry the
	 * guest used. A view that does not exist has EPTP 0 here.
	 */
	for (i = 0; i < ALTP2M_MAX_VIEWS; i++)
		if (READ_ONCE(vcpu->vm->view_eptp[i]) == eptp)
			break;
	if (i < ALTP2M_MAX_VIEWS)
		WRITE_ONCE(vcpu->hw_view, i);
}

/*
 * Take @req if @reqs, one look at the vCPU's requests, has it: a look
 * saves the run loop a call per request at every entry, and a request
 * made after it makes the entry go round again (every one taken here is
 * in ALTP2M_REQS_ENTRY, request.h).
 */
static __always_inline bool
altp2m_take_request(struct altp2m_vcpu *vcpu, unsigned long reqs,
		    enum altp2m_request req)
{
	return (reqs & BIT(req)) && altp2m_check_request(vcpu, req);
}

/*
 * Before interrupts go off: this CPU's VMCS is the vCPU's, and the fields
 * that follow the vCPU's state (#VE, the view) are current. Preemption
 * is off from here to the end of the entry.
 */
static void altp2m_enter_prepare(struct altp2m_vcpu *vcpu)
{
	unsigned long reqs = READ_ONCE(vcpu->requests);
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;
	bool arrived = false;
	int cpu;

	preempt_disable();
	cpu = smp_processor_id();
	if (altp2m_vmcs_load(&v->vmcs))
		altp2m_vmcs_host_percpu(cpu);
	altp2m_vmx_vm_switch(vcpu->vm);
	/*
	 * Arrived from another CPU (or none yet): this one may hold stale
	 * translations of the VM's views, left by any vCPU of the VM before
	 * a change whose flush request this vCPU took elsewhere (p2m.c).
	 */
	if (vcpu->cpu != cpu) {
		WRITE_ONCE(vcpu->cpu, cpu);
		arrived = true;
	}
	if (altp2m_take_request(vcpu, reqs, ALTP2M_REQ_TLB_FLUSH) || arrived)
		altp2m_vmx_flush_local();
	/* Taken even where the CPU has no #VE: nothing else would. */
	if (altp2m_take_request(vcpu, reqs, ALTP2M_REQ_VE) &&
	    altp2m_vmx_cfg.ve) {
		/* #VE on with an information page, off without. */
		if (v->ve_hpa)
			altp2m_vmwrite(ALTP2M_VMCS_VE_INFO_ADDRESS, v->ve_hpa);
		altp2m_vmwrite(SECONDARY_VM_EXEC_CONTROL,
			       altp2m_vmx_cfg.proc2 |
			       (v->ve_hpa ? ALTP2M_PROC2_EPT_VIOLATION_VE : 0));
		/*
		 * The view again: an emulator (Bochs) may keep the index
		 * only while #VE is on, and write back a stale one at exits.
		 */
		if (altp2m_vmx_cfg.eptp_index)
			altp2m_vmwrite(ALTP2M_VMCS_EPTP_INDEX, vcpu->view);
	}
	if (altp2m_take_request(vcpu, reqs, ALTP2M_REQ_EPTP) &&
	    v->eptp != v->eptp_loaded) {
		altp2m_vmwrite(EPT_POINTER, v->eptp);
		if (altp2m_vmx_cfg.eptp_index)
			altp2m_vmwrite(ALTP2M_VMCS_EPTP_INDEX, vcpu->view);
		v->eptp_loaded = v->eptp;
	}
	/* The intercepts follow the monitor's settings (vmx/monitor.c). */
	if (altp2m_take_request(vcpu, reqs, ALTP2M_REQ_MONITOR))
		altp2m_vmx_monitor_update(vcpu);
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
}

/* After the exit, interrupts and preemption on again: errors and counts. */
static int altp2m_enter_complete(struct altp2m_vcpu *vcpu, int fail)
{
	if (fail == ALTP2M_VMENTER_FAULT) {
		/* The reboot notifier took VMX away: say nothing, go out. */
		if (!READ_ONCE(altp2m_vmx_rebooting))
			pr_err_ratelimited("vCPU %u of VM %u: VMX instruction faulted at VM entry\n",
					   vcpu->id, vcpu->vm->id);
		return -EIO;
	}
	if (fail) {
		pr_err_ratelimited("vCPU %u of VM %u: VM entry failed, VM-instruction error %d\n",
				   vcpu->id, vcpu->vm->id, fail);
		return -EIO;
	}
	WRITE_ONCE(vcpu->stats.hw_exits, vcpu->stats.hw_exits + 1);
	return 0;
}

/* VM-instruction error 7: VM entry with invalid control fields. */
#define ALTP2M_VMX_ERR_ENTRY_CONTROLS	7

/*
 * The controls an entry refused, for the log: the per-entry ones this
 * module writes (a bug of the module, never the guest's or the VMM's to
 * cause: what they hand in is checked before it gets here).
 */
static void altp2m_vmx_dump_entry_controls(struct altp2m_vcpu *vcpu)
{
	pr_err_ratelimited("vCPU %u of VM %u: entry controls: pin %#llx proc %#llx proc2 %#llx entry %#llx intr %#llx err %#llx len %llu eptp %#llx ve %#llx msr-load %llu/%llu\n",
			   vcpu->id, vcpu->vm->id,
			   altp2m_vmread(PIN_BASED_VM_EXEC_CONTROL),
			   altp2m_vmread(CPU_BASED_VM_EXEC_CONTROL),
			   altp2m_vmread(SECONDARY_VM_EXEC_CONTROL),
			   altp2m_vmread(VM_ENTRY_CONTROLS),
			   altp2m_vmread(VM_ENTRY_INTR_INFO_FIELD),
			   altp2m_vmread(VM_ENTRY_EXCEPTION_ERROR_CODE),
			   altp2m_vmread(VM_ENTRY_INSTRUCTION_LEN),
			   altp2m_vmread(EPT_POINTER),
			   altp2m_vmread(ALTP2M_VMCS_VE_INFO_ADDRESS),
			   altp2m_vmread(VM_ENTRY_MSR_LOAD_COUNT),
			   altp2m_vmread(VM_EXIT_MSR_LOAD_COUNT));
}

/*
 * One entry and exit. Returns 0 with @e filled, -EAGAIN when the vCPU
 * must go round the run loop first, or -EIO when the entry instruction
 * itself failed (VMfail: a bug in the controls or host state this module
 * wrote, never something the guest or userspace can cause).
 */
static int altp2m_enter_once(struct altp2m_vcpu *vcpu,
			     struct altp2m_vmx_exit *e)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;
	int fail;

	altp2m_enter_prepare(vcpu);

	local_irq_disable();
	/*
	 * A request made after the run loop looked (a switch, a flush),
	 * whose kick this CPU has not taken yet: go round and take it first,
	 * so that no guest instruction runs on the old view or translations
	 * once the call that asked returned (request.h).
	 */
	if (!altp2m_vcpu_enter_guest_mode(vcpu)) {
		local_irq_enable();
		preempt_enable();
		return -EAGAIN;
	}
	altp2m_vmx_inject_event(vcpu);
	if (altp2m_vmx_cfg.timer_value)
		altp2m_vmwrite(VMX_PREEMPTION_TIMER_VALUE,
			       altp2m_vmx_monitor_timer_value(vcpu));
	altp2m_vmwrite(GUEST_RIP, v->rip);
	altp2m_vmwrite(GUEST_RSP, v->gpr[ALTP2M_RSP]);
	altp2m_vmwrite(GUEST_RFLAGS, v->rflags);

	fail = altp2m_vmx_enter_exit(vcpu, e);

	if (!fail && altp2m_vmx_cfg.vmfunc)
		altp2m_note_guest_view(vcpu);
	altp2m_vcpu_exit_guest_mode(vcpu);
	local_irq_enable();
	if (fail == ALTP2M_VMENTER_VMFAIL) {
		fail = altp2m_vmread(VM_INSTRUCTION_ERROR) ?: -1;
		if (fail == ALTP2M_VMX_ERR_ENTRY_CONTROLS)
			altp2m_vmx_dump_entry_controls(vcpu);
	}
	preempt_enable();
	return altp2m_enter_complete(vcpu, fail);
}

/*
 * INIT (SDM "Processor state after reset", INIT column): the registers as
 * INIT leaves them, nothing in flight, the local APIC reset with its base
 * and ID kept. The bootstrap processor starts again at the reset vector;
 * any other waits for a start-up IPI.
 */
static void altp2m_vcpu_init_signal(struct altp2m_vcpu *vcpu)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;
	u64 base = 0;

	altp2m_vmx_vcpu_get(vcpu);
	altp2m_vmcs_reset(vcpu, true);
	altp2m_vmx_vcpu_put();
	v->inject = (struct altp2m_event){ 0 };
	v->extint = 0;
	v->nmi_pending = false;
	v->shadow_clear = false;
	v->cr8 = 0;
	altp2m_vmx_monitor_init_signal(vcpu);
	altp2m_lapic_reset(vcpu, true);
	altp2m_lapic_msr_get(vcpu, MSR_IA32_APICBASE, &base);
	WRITE_ONCE(vcpu->irq.mp_state, base & MSR_IA32_APICBASE_BSP ?
		   ALTP2M_MP_STATE_RUNNABLE : ALTP2M_MP_STATE_WAIT_SIPI);
}

/*
 * A start-up IPI starts a vCPU that waits for one in real mode at
 * @vector << 12 (CS = @vector << 8, IP = 0) on the state INIT left; it
 * is ignored in any other state, as on the CPU.
 */
static void altp2m_vcpu_sipi(struct altp2m_vcpu *vcpu, u8 vector)
{
	if (vcpu->irq.mp_state != ALTP2M_MP_STATE_WAIT_SIPI)
		return;
	altp2m_vmx_vcpu_get(vcpu);
	altp2m_vmwrite(GUEST_CS_SELECTOR, (u16)vector << 8);
	altp2m_vmwrite(GUEST_CS_BASE, (u64)vector << 12);
	altp2m_vmx_vcpu_put();
	vcpu->vmx.rip = 0;
	WRITE_ONCE(vcpu->irq.mp_state, ALTP2M_MP_STATE_RUNNABLE);
}

/*
 * ALTP2M_REQ_EVENT: the events raised with altp2m_vcpu_raise_*(), in the
 * order the CPU would take them when they came together (an INIT, then
 * the SIPI that follows it). Only VMs with a local APIC raise any.
 */
static void altp2m_vcpu_take_events(struct altp2m_vcpu *vcpu)
{
	unsigned long *ev = &vcpu->irq.events;

	if (!vcpu->lapic)
		return;
	if (test_and_clear_bit(ALTP2M_IRQ_INIT, ev))
		altp2m_vcpu_init_signal(vcpu);
	/* The bit, then the vector written before it (irq.h). */
	if (test_and_clear_bit(ALTP2M_IRQ_SIPI, ev))
		altp2m_vcpu_sipi(vcpu, READ_ONCE(vcpu->irq.sipi_vector));
	if (test_and_clear_bit(ALTP2M_IRQ_NMI, ev))
		vcpu->vmx.nmi_pending = true;
}

/*
 * Whether a halted vCPU has something that ends HLT (SDM, HLT): an event
 * in flight (an external interrupt only with RFLAGS.IF), an NMI while
 * NMIs are not blocked, or an interrupt it can take: RFLAGS.IF and one
 * above the APIC's PPR. With IF clear, maskable interrupts leave it
 * halted. No shadow is left after HLT.
 */
static bool altp2m_vcpu_halt_ends(struct altp2m_vcpu *vcpu)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;
	bool irq_ok = v->rflags & X86_EFLAGS_IF;

	if (v->inject.info & INTR_INFO_VALID_MASK)
		return irq_ok || (v->inject.info & INTR_INFO_INTR_TYPE_MASK) !=
				 INTR_TYPE_EXT_INTR;
	if (v->nmi_pending && !altp2m_vmx_nmi_blocked(vcpu))
		return true;
	if (!irq_ok)
		return false;
	return v->extint || (vcpu->lapic && altp2m_lapic_pending(vcpu) >= 0);
}

/* Whether the vCPU may enter now; a HLT that ends makes it runnable. */
static bool altp2m_vcpu_runnable(struct altp2m_vcpu *vcpu)
{
	switch (vcpu->irq.mp_state) {
	case ALTP2M_MP_STATE_RUNNABLE:
		return true;
	case ALTP2M_MP_STATE_HALTED:
		if (altp2m_vcpu_halt_ends(vcpu)) {
			WRITE_ONCE(vcpu->irq.mp_state,
				   ALTP2M_MP_STATE_RUNNABLE);
			return true;
		}
		if (!vcpu->vmx.halt_counted) {
			vcpu->stats.halts_blocked++;
			vcpu->vmx.halt_counted = true;
		}
		return false;
	default:
		return false;
	}
}

/**
 * altp2m_vmx_run - ALTP2M_RUN: run the guest until an exit for userspace
 * @vcpu: the vCPU, its lock held
 *
 * Return: 0 with the run page describing the exit; -EINTR when a signal
 * is pending (the run page says ALTP2M_EXIT_INTR; calling again goes on,
 * and a vCPU halted or waiting for a SIPI sleeps again);
 * -EIO if the module could not enter the guest at all.
 */
int altp2m_vmx_run(struct altp2m_vcpu *vcpu)
{
	struct altp2m_vmx_exit e;
	u32 field;
	int ret;

	lockdep_assert_held(&vcpu->lock);
	/*
	 * Check what userspace set before the hardware sees it, so bad state
	 * is a clean fail-entry exit naming the field. Only after a SET: the
	 * check reads the whole state back and RUN is a hot path.
	 */
	if (altp2m_test_request(vcpu, ALTP2M_REQ_STATE_CHECK) &&
	    altp2m_vmx_check_state(vcpu, &field)) {
		vcpu->run->exit_reason = ALTP2M_EXIT_FAIL_ENTRY;
		vcpu->run->fail_entry.hardware_reason =
			EXIT_REASON_INVALID_STATE;
		vcpu->run->fail_entry.qualification = field;
		return 0;
	}
	altp2m_check_request(vcpu, ALTP2M_REQ_STATE_CHECK);
	if (READ_ONCE(altp2m_vmx_rebooting))
		return -EIO;
	/* The VMM ran since the last entry: its data may be in L1D. */
	altp2m_vmx_l1d_dirty(vcpu);
	altp2m_vmx_host_user_stale(vcpu);
	fpu_swap_kvm_fpstate(&vcpu->vmx.fpu, true);
	for (;;) {
		if (signal_pending(current)) {
			vcpu->run->exit_reason = ALTP2M_EXIT_INTR;
			ret = -EINTR;
			break;
		}
		if (altp2m_take_request(vcpu, READ_ONCE(vcpu->requests),
					ALTP2M_REQ_EVENT))
			altp2m_vcpu_take_events(vcpu);
		/*
		 * Parked on a sync event or paused by the monitor: before the
		 * HLT sleep, so a paused halted vCPU stays paused. A pause
		 * comes with ALTP2M_REQ_EVENT, taken above after the count is
		 * seen, or seen by the entry itself (monitor.c). The wait
		 * drops vcpu->lock: what a SET changed meanwhile is checked
		 * as at RUN's start.
		 */
		if (altp2m_monitor_blocked(vcpu)) {
			if (altp2m_monitor_wait(vcpu)) {
				vcpu->run->exit_reason = ALTP2M_EXIT_INTR;
				ret = -EINTR;
				break;
			}
			if (altp2m_test_request(vcpu, ALTP2M_REQ_STATE_CHECK) &&
			    altp2m_vmx_check_state(vcpu, &field)) {
				vcpu->run->exit_reason = ALTP2M_EXIT_FAIL_ENTRY;
				vcpu->run->fail_entry.hardware_reason =
					EXIT_REASON_INVALID_STATE;
				vcpu->run->fail_entry.qualification = field;
				ret = 0;
				break;
			}
			altp2m_check_request(vcpu, ALTP2M_REQ_STATE_CHECK);
			continue;
		}
		if (!altp2m_vcpu_runnable(vcpu)) {
			/*
			 * Until a kick: it requests ALTP2M_REQ_EVENT before
			 * it wakes the sleeper, so none is missed. A signal
			 * ends the sleep too, and the check above returns.
			 */
			rcuwait_wait_event(&vcpu->irq.wait,
					   altp2m_test_request(vcpu,
							       ALTP2M_REQ_EVENT),
					   TASK_INTERRUPTIBLE);
			continue;
		}
		cond_resched();
		altp2m_vcpu_view_before_entry(vcpu);
		ret = altp2m_enter_once(vcpu, &e);
		if (ret == -EAGAIN)
			continue;
		if (ret)
			break;
		altp2m_vcpu_view_after_exit(vcpu);
		ret = altp2m_vmx_handle_exit(vcpu, &e);
		if (ret <= 0)
			break;
	}
	fpu_swap_kvm_fpstate(&vcpu->vmx.fpu, false);
	return ret;
}
