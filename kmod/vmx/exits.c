// SPDX-License-Identifier: GPL-2.0
/*
 * VM exit handlers. Each returns 1 to enter the guest again, 0 to return
 * to userspace with the run page describing the exit, or a negative errno.
 *
 * What the guest can cause here is bounded: an instruction the module
 * does not emulate ends in an ALTP2M_EXIT_INTERNAL_ERROR for the VMM or in
 * an exception injected into the guest, never in a host warning.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/debugreg.h>
#include <asm/trapnr.h>

#include "../altp2m.h"
#include "../core/gva.h"
#include "../lapic.h"
#include "enter.h"
#include "internal.h"

/* GETSEC exits unconditionally; <asm/vmx.h> has no name for it. */
#define ALTP2M_EXIT_REASON_GETSEC	11

/* The instruction that exited is done (see altp2m_vmx_skip_insn()). */
static void altp2m_skip_insn(struct altp2m_vcpu *vcpu,
			     const struct altp2m_vmx_exit *e)
{
	altp2m_vmx_skip_insn(vcpu, e->insn_len);
}

int altp2m_vmx_internal_error(struct altp2m_vcpu *vcpu, u32 suberror,
			      const struct altp2m_vmx_exit *e)
{
	struct altp2m_run *run = vcpu->run;

	run->exit_reason = ALTP2M_EXIT_INTERNAL_ERROR;
	run->internal.suberror = suberror;
	run->internal.ndata = 4;
	run->internal.data[0] = e->reason;
	run->internal.data[1] = e->qualification;
	run->internal.data[2] = vcpu->vmx.rip;
	run->internal.data[3] = e->gpa;
	return 0;
}

static int altp2m_handle_vmcall(struct altp2m_vcpu *vcpu,
				const struct altp2m_vmx_exit *e)
{
	struct altp2m_run *run = vcpu->run;
	u64 *gpr = vcpu->vmx.gpr;
	struct altp2m_gva_ctx ctx;
	struct altp2m_paging pg;
	u64 args[3], cs_base, nr = gpr[ALTP2M_RAX] - ALTP2M_HC_BASE;

	/* The guest's view calls stay in the module (hypercall.c). */
	if (nr <= 0xffff) {
		/*
		 * View operations allocate, free and map host memory, so
		 * the next entry flushes L1D (refused calls too: simpler
		 * than proving each refusal touches nothing). GET_MODE
		 * reads the mode; a request to the monitor touches only
		 * this VM's event and response, as a view violation's
		 * event does, and a vCPU that sleeps for the answer is
		 * flushed for the context switch.
		 */
		if (nr != ALTP2M_HC_MONITOR_REQUEST && nr != ALTP2M_HC_GET_MODE)
			altp2m_vmx_l1d_dirty(vcpu);
		altp2m_vmx_guest_mem(vcpu, &pg, &ctx, &cs_base);
		args[0] = gpr[ALTP2M_RBX];
		args[1] = gpr[ALTP2M_RCX];
		args[2] = gpr[ALTP2M_RDX];
		gpr[ALTP2M_RAX] = altp2m_guest_hypercall(vcpu, nr, args,
							 pg.cpl == 0);
		altp2m_skip_insn(vcpu, e);
		return 1;
	}

	run->exit_reason = ALTP2M_EXIT_HYPERCALL;
	run->hypercall.nr = gpr[ALTP2M_RAX];
	run->hypercall.args[0] = gpr[ALTP2M_RBX];
	run->hypercall.args[1] = gpr[ALTP2M_RCX];
	run->hypercall.args[2] = gpr[ALTP2M_RDX];
	run->hypercall.args[3] = gpr[ALTP2M_RSI];
	run->hypercall.args[4] = gpr[ALTP2M_RDI];
	run->hypercall.ret = 0;
	vcpu->pending = ALTP2M_PENDING_HYPERCALL;
	altp2m_skip_insn(vcpu, e);
	return 0;
}

/**
 * altp2m_vmx_wrmsr - a guest WRMSR, as the guest's instruction does it
 * @vcpu: the vCPU, its lock held (its exit handler, or a monitor's
 *	response completing a parked write)
 * @index: the MSR
 * @val: the value
 *
 * The local APIC's MSRs first: APIC base, TSC deadline, x2APIC.
 *
 * Return: 0; ALTP2M_LAPIC_EXIT when the VMM must see the write (the run
 * page filled); -EINVAL for #GP.
 */
int altp2m_vmx_wrmsr(struct altp2m_vcpu *vcpu, u32 index, u64 val)
{
	int ret;

	if (vcpu->lapic) {
		ret = altp2m_lapic_msr_set(vcpu, index, val);
		if (ret != -ENOENT) {
			vcpu->stats.apic_exits++;
			return ret < 0 ? -EINVAL : ret;
		}
	}
	return altp2m_vmx_guest_wrmsr(vcpu, index, val) ? -EINVAL : 0;
}

static int altp2m_handle_msr(struct altp2m_vcpu *vcpu,
			     const struct altp2m_vmx_exit *e, bool write)
{
	u64 *gpr = vcpu->vmx.gpr;
	u32 index = gpr[ALTP2M_RCX];
	u64 val = (gpr[ALTP2M_RDX] << 32) | (u32)gpr[ALTP2M_RAX];
	int ret;

	if (write) {
		/* A watched write may park, or be reported once done. */
		ret = altp2m_vmx_monitor_write(vcpu, ALTP2M_MON_EV_MSR, index,
					       val, e->insn_len);
		if (ret == ALTP2M_MON_WRITE_PARKED)
			return 1;
		if (ret < 0)
			goto gp;
		altp2m_skip_insn(vcpu, e);
		return ret == ALTP2M_LAPIC_EXIT ? 0 : 1;
	}
	/* The local APIC's MSRs first: APIC base, TSC deadline, x2APIC. */
	if (vcpu->lapic) {
		ret = altp2m_lapic_msr_get(vcpu, index, &val);
		if (ret != -ENOENT) {
			vcpu->stats.apic_exits++;
			if (ret < 0)
				goto gp;
			gpr[ALTP2M_RAX] = (u32)val;
			gpr[ALTP2M_RDX] = val >> 32;
			altp2m_skip_insn(vcpu, e);
			return ret == ALTP2M_LAPIC_EXIT ? 0 : 1;
		}
	}
	if (altp2m_vmx_get_msr(vcpu, index, &val))
		goto gp;
	gpr[ALTP2M_RAX] = (u32)val;
	gpr[ALTP2M_RDX] = val >> 32;
	altp2m_skip_insn(vcpu, e);
	return 1;
gp:
	altp2m_vmx_inject(vcpu, X86_TRAP_GP, true, 0);
	return 1;
}

/*
 * MOV to/from CR0, CR4, CR8, CLTS and LMSW, and MOV to CR3 while a monitor
 * watches it; everything else owns #GP. The monitor sees MOV to CR0, CR3
 * and CR4, CLTS and LMSW as CR0 writes (a sync event parks the vCPU with
 * the write not done).
 */
static int altp2m_handle_cr(struct altp2m_vcpu *vcpu,
			    const struct altp2m_vmx_exit *e)
{
	u64 q = e->qualification, *gpr = vcpu->vmx.gpr, val;
	unsigned int cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;
	int ret;

	switch (type) {
	case 0:		/* MOV to CR */
		if (cr == 8 && vcpu->lapic) {
			ret = altp2m_lapic_set_cr8(vcpu, gpr[reg]);
		} else if (cr == 8) {
			/* Bits 63:4 are reserved: #GP, the TPR unchanged. */
			ret = gpr[reg] & ~0xfULL ? -EINVAL : 0;
			if (!ret)
				vcpu->vmx.cr8 = gpr[reg];
		} else {
			ret = altp2m_vmx_monitor_write(vcpu, ALTP2M_MON_EV_CR,
						       cr, gpr[reg],
						       e->insn_len);
			if (ret == ALTP2M_MON_WRITE_PARKED)
				return 1;
		}
		break;
	case 1:		/* MOV from CR: CR8, and CR3 where the CPU insists */
		ret = cr == 8 || cr == 3 ? 0 : -EINVAL;
		if (!ret && cr == 3)
			gpr[reg] = altp2m_vmx_read_cr(vcpu, 3);
		else if (!ret)
			gpr[reg] = vcpu->lapic ? altp2m_lapic_get_cr8(vcpu) :
						 vcpu->vmx.cr8;
		break;
	case 2:		/* CLTS */
	default:	/* LMSW: the low four bits, and PE cannot be cleared */
		val = altp2m_vmx_read_cr(vcpu, 0);
		if (type == 2)
			val &= ~X86_CR0_TS;
		else
			val = (val & ~0xeULL) | ((q >> 16) & 0xf);
		/* A CR0 write to the monitor, as Xen reports them. */
		ret = altp2m_vmx_monitor_write(vcpu, ALTP2M_MON_EV_CR, 0, val,
					       e->insn_len);
		if (ret == ALTP2M_MON_WRITE_PARKED)
			return 1;
		break;
	}
	if (ret) {
		altp2m_vmx_inject(vcpu, X86_TRAP_GP, true, 0);
		return 1;
	}
	altp2m_skip_insn(vcpu, e);
	return 1;
}

/* Debug registers live in the vCPU only: the host's are never touched. */
static int altp2m_handle_dr(struct altp2m_vcpu *vcpu,
			    const struct altp2m_vmx_exit *e)
{
	u64 q = e->qualification, *gpr = vcpu->vmx.gpr;
	unsigned int dr = q & 7, reg = (q >> 8) & 15;
	bool from = q & BIT(4);
	u64 *slot;

	/* DR4 and DR5 alias DR6 and DR7 (CR4.DE is refused). */
	if (dr == 4 || dr == 5)
		dr += 2;
	if (dr == 6)
		slot = &vcpu->vmx.dr[ALTP2M_DR6_SLOT];
	else if (dr == 7)
		slot = &vcpu->vmx.dr[ALTP2M_DR7_SLOT];
	else
		slot = &vcpu->vmx.dr[dr];
	if (vcpu->vmx.dr[ALTP2M_DR7_SLOT] & ALTP2M_DR7_GD) {
		/* A fault: DR6.BD says why, and GD clears for the handler. */
		vcpu->vmx.dr[ALTP2M_DR7_SLOT] &= ~ALTP2M_DR7_GD;
		altp2m_vmx_raise_db(vcpu, ALTP2M_DR6_BD);
		return 1;
	}
	if (from) {
		gpr[reg] = *slot;
	} else if (dr >= 6 && (gpr[reg] >> 32)) {
		/* Bits 63:32 of DR6 and DR7 must be written as 0. */
		altp2m_vmx_inject(vcpu, X86_TRAP_GP, true, 0);
		return 1;
	} else if (dr == 6) {
		*slot = (gpr[reg] & ALTP2M_DR6_WRITABLE) | ALTP2M_DR6_INIT;
	} else if (dr == 7) {
		*slot = (gpr[reg] & ~ALTP2M_DR7_RESERVED) | ALTP2M_DR7_INIT;
	} else {
		*slot = gpr[reg];
	}
	altp2m_skip_insn(vcpu, e);
	return 1;
}

/* An access to guest-physical memory that is not RAM: decode, report. */
static int altp2m_handle_mmio(struct altp2m_vcpu *vcpu,
			      const struct altp2m_vmx_exit *e)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;
	struct altp2m_run *run = vcpu->run;
	struct altp2m_gva_ctx ctx;
	struct altp2m_paging pg;
	u8 insn[ALTP2M_INSN_MAX_LEN];
	unsigned int avail;
	u64 val, cs_base;
	int ret;

	if (e->idt_vectoring & INTR_INFO_VALID_MASK)
		return altp2m_vmx_internal_error(vcpu,
						 ALTP2M_INTERNAL_DELIVERY_EV, e);
	altp2m_vmx_guest_mem(vcpu, &pg, &ctx, &cs_base);
	avail = altp2m_vmx_fetch_insn(vcpu, &ctx, cs_base, insn);
	ret = avail ? altp2m_mmio_decode(insn, avail, &pg, &v->mmio) : -EINVAL;
	if (ret) {
		altp2m_vmx_internal_error(vcpu, ALTP2M_INTERNAL_EMULATION, e);
		memcpy(&run->internal.data[4], insn, min(avail, 15u));
		run->internal.ndata = 6;
		return 0;
	}

	/* The xAPIC page is the in-kernel APIC's, done here. */
	if (vcpu->lapic && altp2m_lapic_in_mmio(vcpu, e->gpa)) {
		vcpu->stats.apic_exits++;
		val = v->mmio.write ? altp2m_mmio_write_value(&v->mmio, v->gpr) :
				      0;
		ret = altp2m_lapic_mmio(vcpu, e->gpa, v->mmio.size,
					v->mmio.write, &val);
		if (!v->mmio.write)
			altp2m_mmio_complete_read(&v->mmio, v->gpr, val);
		altp2m_vmx_skip_insn(vcpu, v->mmio.len);
		return ret == ALTP2M_LAPIC_EXIT ? 0 : 1;
	}

	run->exit_reason = ALTP2M_EXIT_MMIO;
	run->mmio.gpa = e->gpa;
	run->mmio.len = v->mmio.size;
	run->mmio.is_write = v->mmio.write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	if (v->mmio.write) {
		val = altp2m_mmio_write_value(&v->mmio, v->gpr);
		memcpy(run->mmio.data, &val, v->mmio.size);
	} else {
		vcpu->pending = ALTP2M_PENDING_MMIO_READ;
	}
	altp2m_vmx_skip_insn(vcpu, v->mmio.len);
	return 0;
}

/*
 * A violation the VMM (or the monitor) must see: the access of the gfn in
 * the view. @e
 * gives the addresses and the qualification: an EPT violation's, or one
 * the emulation built for an access it checked.
 */
int altp2m_vmx_report_violation(struct altp2m_vcpu *vcpu,
				const struct altp2m_vmx_exit *e,
				const struct altp2m_view_fault *f)
{
	struct altp2m_run *run = vcpu->run;
	u8 flags = 0;

	/* A read or write of a page a hidden breakpoint shadows: stepped. */
	if (altp2m_vmx_monitor_shadow_access(vcpu, f))
		return 1;
	if (e->qualification & ALTP2M_EPT_QUAL_GLA_VALID) {
		flags |= ALTP2M_VIOLATION_GLA_VALID;
		if (e->qualification & ALTP2M_EPT_QUAL_GLA_FINAL)
			flags |= ALTP2M_VIOLATION_GLA_FINAL;
	}
	if (f->promoted)
		flags |= ALTP2M_VIOLATION_PROMOTED;
	/* A monitor that wants violations gets them instead of the VMM. */
	if (altp2m_vmx_monitor_violation(vcpu, e, f, flags))
		return 1;
	run->exit_reason = ALTP2M_EXIT_VIEW_VIOLATION;
	memset(&run->violation, 0, sizeof(run->violation));
	run->violation.gpa = e->gpa;
	run->violation.gla = (flags & ALTP2M_VIOLATION_GLA_VALID) ? e->gla : 0;
	run->violation.qualification = e->qualification;
	run->violation.view = f->view;
	run->violation.access = f->access;
	run->violation.entry_access = f->entry_access;
	run->violation.flags = flags;
	return 0;
}

static int altp2m_handle_ept_violation(struct altp2m_vcpu *vcpu,
				       const struct altp2m_vmx_exit *e)
{
	unsigned int access = e->qualification & ALTP2M_EPT_QUAL_ACCESS;
	struct altp2m_view_fault f;
	int ret;

	/* Where the CPU does not deliver #VE itself, the module does. */
	if (!altp2m_vmx_cfg.ve && vcpu->vmx.ve_hpa &&
	    !(e->idt_vectoring & INTR_INFO_VALID_MASK) &&
	    (altp2m_vmx_read_cr(vcpu, 0) & X86_CR0_PE) &&
	    altp2m_ve_deliver(vcpu, e->gpa, e->gla, e->qualification)) {
		altp2m_vmx_inject(vcpu, X86_TRAP_VE, false, 0);
		return 1;
	}

	/* Every violation names its access; be safe if one does not. */
	ret = altp2m_p2m_fault(vcpu, e->gpa, access ?: ALTP2M_VIEW_FAULT_R,
			       &f);
	if (ret == -ENOMEM)
		return ret;
	if (ret < 0)
		return altp2m_vmx_internal_error(vcpu,
					     ALTP2M_INTERNAL_UNEXPECTED_EXIT, e);
	if (ret == ALTP2M_VIEW_MMIO)
		return altp2m_handle_mmio(vcpu, e);
	/*
	 * The instruction runs again; an event it interrupted is pending
	 * again already (altp2m_vmx_complete_event()).
	 */
	if (ret == ALTP2M_VIEW_EVENT)
		return altp2m_vmx_report_violation(vcpu, e, &f);
	return 1;
}

/*
 * #UD, intercepted only where the CPU cannot do VMFUNC (or must not, for
 * tests): VMFUNC leaf 0 to a view in the vCPU's EPTP list is carried out
 * here as the CPU would, without the guest seeing a difference; anything
 * else gets its #UD back.
 */
static int altp2m_handle_ud(struct altp2m_vcpu *vcpu,
			    const struct altp2m_vmx_exit *e)
{
	static const u8 vmfunc[] = { 0x0f, 0x01, 0xd4 };
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;
	u8 insn[ALTP2M_INSN_MAX_LEN];
	struct altp2m_gva_ctx ctx;
	struct altp2m_paging pg;
	u64 cs_base;

	if (!(e->idt_vectoring & INTR_INFO_VALID_MASK)) {
		altp2m_vmx_guest_mem(vcpu, &pg, &ctx, &cs_base);
		if (altp2m_vmx_fetch_insn(vcpu, &ctx, cs_base, insn) >=
		    sizeof(vmfunc) && !memcmp(insn, vmfunc, sizeof(vmfunc))) {
			vcpu->stats.vmfunc_exits++;
			if (!altp2m_vcpu_view_vmfunc(vcpu, v->gpr[ALTP2M_RAX],
						     v->gpr[ALTP2M_RCX])) {
				altp2m_vmx_skip_insn(vcpu, sizeof(vmfunc));
				return 1;
			}
		}
	}
	altp2m_vmx_inject(vcpu, X86_TRAP_UD, false, 0);
	return 1;
}

/*
 * An exception the exception bitmap made exit (#UD, #AC, #DB; #BP and the
 * others for a monitor): back to the
 * guest as the CPU would have delivered it, combined with an event it
 * interrupted by the rules of altp2m_vmx_inject(). The CPU changed no
 * guest state for it, not even DR6 for a #DB, and no host state either.
 */
static int altp2m_handle_exception(struct altp2m_vcpu *vcpu,
				   const struct altp2m_vmx_exit *e)
{
	u32 type = e->intr_info & INTR_INFO_INTR_TYPE_MASK;

	switch (e->intr_info & INTR_INFO_VECTOR_MASK) {
	case X86_TRAP_MC:
		return 1;	/* the host's handler ran at the exit (enter.c) */
	case X86_TRAP_BP:
		/* Intercepted for a monitor only (vmx/monitor.c). */
		altp2m_vmx_monitor_breakpoint(vcpu, e);
		return 1;
	case X86_TRAP_UD:
		return altp2m_handle_ud(vcpu, e);
	case X86_TRAP_AC:
		/*
		 * An #AC raised by the delivery of an #AC exits here again:
		 * the guest loops as on bare metal, but one exit per round,
		 * so the host takes its interrupts and signals in between.
		 */
		altp2m_vmx_inject(vcpu, X86_TRAP_AC, true, 0);
		return 1;
	case X86_TRAP_DB:
		/* INT1 (ICEBP) exits before it executes: a software event. */
		if (type == INTR_TYPE_PRIV_SW_EXCEPTION) {
			altp2m_vmx_inject_soft(vcpu, X86_TRAP_DB, type,
					       e->insn_len);
			return 1;
		}
		/* The end of a monitor's single step (vmx/monitor.c)? */
		if ((e->qualification & DR_STEP) &&
		    altp2m_vmx_monitor_stepped(vcpu, e->qualification))
			return 1;
		altp2m_vmx_raise_db(vcpu, e->qualification);
		return 1;
	default:
		/* Every exception exits while a monitor steps the vCPU. */
		if (altp2m_vmx_monitor_step_exception(vcpu, e))
			return 1;
		return altp2m_vmx_internal_error(vcpu,
					ALTP2M_INTERNAL_UNEXPECTED_EXIT, e);
	}
}

static int altp2m_dispatch_exit(struct altp2m_vcpu *vcpu,
				const struct altp2m_vmx_exit *e)
{
	struct altp2m_run *run = vcpu->run;

	switch (e->reason) {
	case EXIT_REASON_EXCEPTION_NMI:
		if ((e->intr_info & INTR_INFO_INTR_TYPE_MASK) ==
		    INTR_TYPE_NMI_INTR)
			return 1;	/* the host handled it already */
		return altp2m_handle_exception(vcpu, e);
	case EXIT_REASON_EXTERNAL_INTERRUPT:
		return 1;		/* taken by the host once IRQs were on */
	case EXIT_REASON_MONITOR_TRAP_FLAG:
		/* Only a monitor's single step sets the control. */
		altp2m_vmx_monitor_mtf(vcpu);
		return 1;
	case EXIT_REASON_PREEMPTION_TIMER:
		/* The backstop (see the run loop's checks), or a step's end. */
		altp2m_vmx_monitor_timer(vcpu);
		return 1;
	case EXIT_REASON_INIT_SIGNAL:
		/*
		 * An INIT sent to this physical CPU, not to the guest: in VMX
		 * root operation it is blocked, and so it is here.
		 */
		return 1;
	case EXIT_REASON_TRIPLE_FAULT:
		/* Shut down: nothing is delivered any more. */
		vcpu->vmx.inject.info = 0;
		run->exit_reason = ALTP2M_EXIT_SHUTDOWN;
		return 0;
	case EXIT_REASON_INVD:
		/*
		 * Only CPL 0 gets here (the CPL check comes before the exit).
		 * Running INVD would throw away dirty lines of host memory;
		 * the guest gets what WBINVD would give it instead, which on
		 * coherent write-back memory is nothing it can observe. KVM
		 * treats INVD the same way.
		 */
		altp2m_skip_insn(vcpu, e);
		return 1;
	case EXIT_REASON_INVLPG:
		/*
		 * Not requested, but a CPU may insist on it. Without VPID
		 * every VM entry and exit flushes the guest's linear
		 * translations anyway.
		 */
		altp2m_skip_insn(vcpu, e);
		return 1;
	case EXIT_REASON_CPUID:
		if (altp2m_vmx_monitor_cpuid(vcpu, e))
			return 1;
		altp2m_vmx_cpuid(vcpu);
		altp2m_skip_insn(vcpu, e);
		return 1;
	case EXIT_REASON_HLT:
		altp2m_skip_insn(vcpu, e);
		if (vcpu->lapic) {
			/* The run loop sleeps until an event can wake it. */
			WRITE_ONCE(vcpu->irq.mp_state, ALTP2M_MP_STATE_HALTED);
			vcpu->vmx.halt_counted = false;
			return 1;
		}
		run->exit_reason = ALTP2M_EXIT_HLT;
		return 0;
	case EXIT_REASON_INTERRUPT_WINDOW:
	case EXIT_REASON_NMI_WINDOW:
		/* What waited can be taken now: the next entry injects it. */
		vcpu->stats.irq_window_exits++;
		return 1;
	case EXIT_REASON_VMCALL:
		return altp2m_handle_vmcall(vcpu, e);
	case EXIT_REASON_CR_ACCESS:
		return altp2m_handle_cr(vcpu, e);
	case EXIT_REASON_DR_ACCESS:
		return altp2m_handle_dr(vcpu, e);
	case EXIT_REASON_IO_INSTRUCTION:
		return altp2m_vmx_handle_io(vcpu, e);
	case EXIT_REASON_MSR_READ:
		return altp2m_handle_msr(vcpu, e, false);
	case EXIT_REASON_MSR_WRITE:
		return altp2m_handle_msr(vcpu, e, true);
	case EXIT_REASON_EPT_VIOLATION:
		vcpu->stats.ept_violation_exits++;
		return altp2m_handle_ept_violation(vcpu, e);
	case EXIT_REASON_EPT_MISCONFIG:
		run->exit_reason = ALTP2M_EXIT_EPT_MISCONFIG;
		run->ept_misconfig.gpa = e->gpa;
		return 0;
	case EXIT_REASON_VMFUNC:
		/* A VMFUNC the CPU refused: no such leaf or no such view. */
		vcpu->stats.vmfunc_exits++;
		altp2m_vmx_inject(vcpu, X86_TRAP_UD, false, 0);
		return 1;
	case EXIT_REASON_VMCLEAR: case EXIT_REASON_VMLAUNCH:
	case EXIT_REASON_VMPTRLD: case EXIT_REASON_VMPTRST:
	case EXIT_REASON_VMREAD: case EXIT_REASON_VMRESUME:
	case EXIT_REASON_VMWRITE: case EXIT_REASON_VMOFF:
	case EXIT_REASON_VMON: case EXIT_REASON_INVEPT:
	case EXIT_REASON_INVVPID:
	case EXIT_REASON_MWAIT_INSTRUCTION: case EXIT_REASON_MONITOR_INSTRUCTION:
	case ALTP2M_EXIT_REASON_GETSEC:
		/* Not offered to the guest: as on a CPU without them. */
		altp2m_vmx_inject(vcpu, X86_TRAP_UD, false, 0);
		return 1;
	case EXIT_REASON_XSETBV:
		if (altp2m_vmx_xsetbv(vcpu))
			altp2m_vmx_inject(vcpu, X86_TRAP_GP, true, 0);
		else
			altp2m_skip_insn(vcpu, e);
		return 1;
	case EXIT_REASON_RDPMC:
		/* No counter exists. */
		altp2m_vmx_inject(vcpu, X86_TRAP_GP, true, 0);
		return 1;
	case EXIT_REASON_TASK_SWITCH:
		/*
		 * A hardware task switch (far JMP/CALL/IRET to a TSS, or a
		 * task gate in the IDT) is not emulated: the VMM gets it, with
		 * the qualification (selector, source) and an event it
		 * interrupted still pending.
		 */
		return altp2m_vmx_internal_error(vcpu,
						 ALTP2M_INTERNAL_EMULATION, e);
	default:
		/*
		 * Exits the controls in vmcs.c do not ask for (SMIs, SIPI,
		 * APIC, descriptor-table, RDTSC, PAUSE, ...): a report
		 * to the VMM should a CPU produce one anyway.
		 */
		return altp2m_vmx_internal_error(vcpu,
					     ALTP2M_INTERNAL_UNEXPECTED_EXIT, e);
	}
}

/**
 * altp2m_vmx_handle_exit - act on a VM exit
 * @vcpu: the vCPU
 * @e: what the exit left
 *
 * Return: 1 to enter the guest again, 0 to return to userspace with the
 * run page describing the exit, or a negative errno.
 */
int altp2m_vmx_handle_exit(struct altp2m_vcpu *vcpu,
			   const struct altp2m_vmx_exit *e)
{
	struct altp2m_run *run = vcpu->run;
	int ret;

	if (e->reason < ALTP2M_VMX_EXIT_REASONS)
		vcpu->exit_counts[e->reason]++;
	/* First of all, for every exit: what became of the injected event. */
	altp2m_vmx_complete_event(vcpu, e);
	if (e->failed_entry) {
		run->exit_reason = ALTP2M_EXIT_FAIL_ENTRY;
		run->fail_entry.hardware_reason = e->reason;
		run->fail_entry.qualification = e->qualification;
		return 0;
	}
	altp2m_vmx_monitor_exit_begin(vcpu, e);
	ret = altp2m_dispatch_exit(vcpu, e);
	altp2m_vmx_monitor_after_exit(vcpu);
	if (vcpu->vmx.triple_fault) {
		vcpu->vmx.triple_fault = false;
		run->exit_reason = ALTP2M_EXIT_SHUTDOWN;
		return 0;
	}
	return ret;
}
