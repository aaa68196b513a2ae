// SPDX-License-Identifier: GPL-2.0
/*
 * The run loop: enter the guest, come back, put the host together again,
 * and let exits.c decide whether to go round again or return to
 * userspace.
 *
 * Host state the VMCS does not restore is saved and put back around each
 * entry: DS/ES and FS/GS selectors (the VMCS host fields may only hold
 * ring-0 GDT selectors), the user's FS base and inactive GS base, the GDT
 * limit (an exit sets it to 0xffff), the TSS limit used by I/O bitmaps,
 * DEBUGCTL (an exit clears it) and CR2. The FPU/XSAVE state is swapped for
 * the whole of ALTP2M_RUN, as KVM does, and re-established before each
 * entry if the kernel used the FPU meanwhile.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched/signal.h>
#include <linux/preempt.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/msr.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "../altp2m.h"
#include "internal.h"

/* Host state saved before an entry and restored after the exit. */
struct altp2m_host_save {
	u16 ds, es, fs, gs;
	u64 fs_base;
	u64 kernel_gs_base;
	u64 debugctl;
};

static void altp2m_host_prepare(struct altp2m_vcpu *vcpu,
				struct altp2m_host_save *h)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;

	savesegment(ds, h->ds);
	savesegment(es, h->es);
	savesegment(fs, h->fs);
	savesegment(gs, h->gs);
	rdmsrl(MSR_FS_BASE, h->fs_base);
	rdmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	h->debugctl = get_debugctlmsr();

	/* A selector with RPL or TI set cannot go in a host field. */
	altp2m_vmwrite(HOST_FS_SELECTOR, (h->fs & 7) ? 0 : h->fs);
	altp2m_vmwrite(HOST_GS_SELECTOR, (h->gs & 7) ? 0 : h->gs);
	altp2m_vmwrite(HOST_FS_BASE, h->fs_base);
	/* The user's GS base comes back through the exit MSR-load area. */
	v->auto_host[altp2m_vmx_auto_msr_slot(MSR_KERNEL_GS_BASE)].value =
		h->kernel_gs_base;
	altp2m_vmwrite(HOST_CR3, __read_cr3());
	altp2m_vmwrite(HOST_CR4, cr4_read_shadow());
}

static void altp2m_host_restore(struct altp2m_host_save *h)
{
	if (h->ds | h->es) {
		loadsegment(ds, h->ds);
		loadsegment(es, h->es);
	}
	if (h->fs & 7) {
		loadsegment(fs, h->fs);
		wrmsrl(MSR_FS_BASE, h->fs_base);
	}
	if (h->gs & 7) {
		load_gs_index(h->gs);
		wrmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	}
	if (h->debugctl)
		update_debugctlmsr(h->debugctl);
	invalidate_tss_limit();
	load_fixmap_gdt(raw_smp_processor_id());
}

static void altp2m_read_exit(struct altp2m_vmx_exit *e)
{
	u32 reason = altp2m_vmread(VM_EXIT_REASON);

	e->reason = reason & 0xffff;
	e->failed_entry = reason & VMX_EXIT_REASONS_FAILED_VMENTRY;
	e->qualification = altp2m_vmread(EXIT_QUALIFICATION);
	e->intr_info = altp2m_vmread(VM_EXIT_INTR_INFO);
	e->idt_vectoring = altp2m_vmread(IDT_VECTORING_INFO_FIELD);
	e->idt_error = altp2m_vmread(IDT_VECTORING_ERROR_CODE);
	e->insn_len = altp2m_vmread(VM_EXIT_INSTRUCTION_LEN);
	e->gpa = altp2m_vmread(GUEST_PHYSICAL_ADDRESS);
	e->gla = altp2m_vmread(GUEST_LINEAR_ADDRESS);
}

static bool altp2m_exit_is_nmi(const struct altp2m_vmx_exit *e)
{
	return !e->failed_entry && e->reason == EXIT_REASON_EXCEPTION_NMI &&
	       (e->intr_info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR;
}

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
 * One entry and exit. Returns 0 with @e filled, or -EIO when the entry
 * instruction itself failed (VMfail: a bug in the controls or host state
 * this module wrote, never something the guest or userspace can cause).
 */
static int altp2m_enter_once(struct altp2m_vcpu *vcpu,
			     struct altp2m_vmx_exit *e)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;
	struct altp2m_vm *vm = vcpu->vm;
	struct altp2m_host_save h;
	int cpu, fail;

	preempt_disable();
	cpu = smp_processor_id();
	if (altp2m_vmcs_load(&v->vmcs))
		altp2m_vmcs_host_percpu(cpu);
	if (!cpumask_test_cpu(cpu, &vm->ran_cpus)) {
		/* From now on every flush of the VM's views reaches this CPU. */
		cpumask_set_cpu(cpu, &vm->ran_cpus);
		/* Pairs with altp2m_vmx_flush_ept(): bit set, then walks. */
		smp_mb__after_atomic();
	}
	if (unlikely(v->ve_dirty) && altp2m_vmx_cfg.ve) {
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
		v->ve_dirty = false;
	}
	if (v->eptp != v->eptp_loaded) {
		altp2m_vmwrite(EPT_POINTER, v->eptp);
		if (altp2m_vmx_cfg.eptp_index)
			altp2m_vmwrite(ALTP2M_VMCS_EPTP_INDEX, vcpu->view);
		v->eptp_loaded = v->eptp;
	}
	if (test_thread_flag(TIF_NEED_FPU_LOAD))
		switch_fpu_return();
	altp2m_host_prepare(vcpu, &h);

	local_irq_disable();
	/*
	 * A switch asked for after the run loop looked, whose kick this CPU
	 * has not taken yet: go round and move first, so that no guest
	 * instruction runs on the old view once ALTP2M_SWITCH_VIEW returned.
	 */
	if (READ_ONCE(vcpu->switch_pending)) {
		altp2m_host_restore(&h);
		local_irq_enable();
		preempt_enable();
		return -EAGAIN;
	}
	altp2m_vmx_inject_event(vcpu);
	if (native_read_cr2() != v->cr2)
		native_write_cr2(v->cr2);
	if (altp2m_vmx_cfg.timer_value)
		altp2m_vmwrite(VMX_PREEMPTION_TIMER_VALUE,
			       altp2m_vmx_cfg.timer_value);
	altp2m_vmwrite(GUEST_RIP, v->rip);
	altp2m_vmwrite(GUEST_RSP, v->gpr[ALTP2M_RSP]);
	altp2m_vmwrite(GUEST_RFLAGS, v->rflags);

	fail = altp2m_vmx_vmenter(v->gpr, v->vmcs.launched);

	v->cr2 = native_read_cr2();
	altp2m_host_restore(&h);
	/* A VM exit leaves DR7 = 0x400: put the host's breakpoints back. */
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
	if (!fail) {
		v->rip = altp2m_vmread(GUEST_RIP);
		v->gpr[ALTP2M_RSP] = altp2m_vmread(GUEST_RSP);
		v->rflags = altp2m_vmread(GUEST_RFLAGS);
		altp2m_read_exit(e);
		if (!e->failed_entry)
			v->vmcs.launched = true;
		if (altp2m_vmx_cfg.vmfunc)
			altp2m_note_guest_view(vcpu);
		if (altp2m_exit_is_nmi(e))
			altp2m_vmx_do_nmi();
	}
	local_irq_enable();
	if (fail == ALTP2M_VMENTER_VMFAIL)
		fail = altp2m_vmread(VM_INSTRUCTION_ERROR) ?: -1;
	preempt_enable();

	if (fail == ALTP2M_VMENTER_FAULT) {
		/* The reboot notifier took VMX away: say nothing, go out. */
		if (!READ_ONCE(altp2m_vmx_rebooting))
			pr_err_ratelimited("vCPU %u of VM %u: VMX instruction faulted at VM entry\n",
					   vcpu->id, vm->id);
		return -EIO;
	}
	if (fail) {
		pr_err_ratelimited("vCPU %u of VM %u: VM entry failed, VM-instruction error %d\n",
				   vcpu->id, vm->id, fail);
		return -EIO;
	}
	vcpu->stats.hw_exits++;
	return 0;
}

/**
 * altp2m_vmx_run - ALTP2M_RUN: run the guest until an exit for userspace
 * @vcpu: the vCPU, its lock held
 *
 * Return: 0 with the run page describing the exit; -EINTR when a signal
 * is pending (the run page says ALTP2M_EXIT_INTR; calling again goes on);
 * -EIO if the module could not enter the guest at all.
 */
int altp2m_vmx_run(struct altp2m_vcpu *vcpu)
{
	struct altp2m_vmx_exit e;
	u32 field;
	int ret;

	/*
	 * Check what userspace set before the hardware sees it, so bad state
	 * is a clean fail-entry exit naming the field. Only after a SET: the
	 * check reads the whole state back and RUN is a hot path.
	 */
	if (vcpu->vmx.state_dirty && altp2m_vmx_check_state(vcpu, &field)) {
		vcpu->run->exit_reason = ALTP2M_EXIT_FAIL_ENTRY;
		vcpu->run->fail_entry.hardware_reason =
			EXIT_REASON_INVALID_STATE;
		vcpu->run->fail_entry.qualification = field;
		return 0;
	}
	vcpu->vmx.state_dirty = false;
	if (READ_ONCE(altp2m_vmx_rebooting))
		return -EIO;
	fpu_swap_kvm_fpstate(&vcpu->vmx.fpu, true);
	for (;;) {
		if (signal_pending(current)) {
			vcpu->run->exit_reason = ALTP2M_EXIT_INTR;
			ret = -EINTR;
			break;
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
