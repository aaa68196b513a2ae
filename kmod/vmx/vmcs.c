// SPDX-License-Identifier: GPL-2.0
/*
 * Building a vCPU's VMCS: the execution controls altp2m runs guests with,
 * the host state the CPU returns to on every exit, and a guest reset state.
 *
 * Policy in short: the guest runs under EPT with every I/O port, MSR,
 * control-register write, CR8 access, debug-register access, HLT, VMCALL,
 * CPUID and VMX instruction exiting; external interrupts and NMIs exit too and are
 * handled by the host as if the guest were not there. The guest's own
 * interrupts and NMIs are injected (inject.c), with virtual NMIs and the
 * window exits for those it cannot take yet.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <asm/cpu_entry_area.h>
#include <asm/desc.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/xstate.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/tlbflush.h>
#include <asm/trapnr.h>

#include "../altp2m.h"
#include "internal.h"

/*
 * Testing the emulation on a CPU that has the real thing: with 0, guest
 * VMFUNC is emulated (switch.c) as on a CPU without it.
 */
static bool hw_vmfunc = true;
module_param(hw_vmfunc, bool, 0444);
MODULE_PARM_DESC(hw_vmfunc, "use the CPU's VMFUNC EPTP switching if it has it (0: emulate VMFUNC, as without it)");

static bool hw_ve = true;
module_param(hw_ve, bool, 0444);
MODULE_PARM_DESC(hw_ve, "let the CPU deliver #VE if it can (0: the module delivers it, as without it)");

static bool hw_mtf = true;
module_param(hw_mtf, bool, 0444);
MODULE_PARM_DESC(hw_mtf, "single-step for monitors with the CPU's monitor trap flag if it has it (0: with RFLAGS.TF, as without it)");

/* The controls every VMCS gets, computed once from the capability MSRs. */
struct altp2m_vmx_config altp2m_vmx_cfg __ro_after_init;

static const u32 altp2m_auto_msrs[ALTP2M_VMX_NR_AUTO_MSRS] = {
	MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
	MSR_TSC_AUX,
};

/*
 * A control value with @want set where the CPU allows it: bits the CPU
 * requires (allowed-0, low half of the MSR) are forced on, bits it cannot
 * set (allowed-1, high half) are dropped. Fails if a bit of @need cannot
 * be set.
 */
static int altp2m_adjust(u32 msr, u32 want, u32 need, u32 *out)
{
	u64 v;
	u32 ctl;

	rdmsrq(msr, v);
	ctl = (want | (u32)v) & (u32)(v >> 32);
	if ((ctl & need) != need) {
		pr_err("VMX control MSR %#x lacks required bits %#x\n", msr,
		       need & ~ctl);
		return -EOPNOTSUPP;
	}
	*out = ctl;
	return 0;
}

/**
 * altp2m_vmx_setup_config - decide the VMCS controls for this host
 *
 * Return: 0, or -EOPNOTSUPP when a control altp2m cannot do without is
 * missing (the message names it).
 */
int altp2m_vmx_setup_config(void)
{
	struct altp2m_vmx_config *c = &altp2m_vmx_cfg;
	bool truectl = altp2m_host.msrs.basic & ALTP2M_BASIC_TRUE_CTLS;
	u32 pin, proc, proc2, exit, entry;
	u64 msr;
	int ret;

	/*
	 * Virtual NMIs: the CPU tracks the guest's NMI blocking (set by an
	 * injected NMI, cleared by the guest's IRET) and can exit when it
	 * ends (NMI-window exiting). Every CPU with EPT has them.
	 */
	pin = PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING |
	      PIN_BASED_VIRTUAL_NMIS;
	ret = altp2m_adjust(truectl ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
			    MSR_IA32_VMX_PINBASED_CTLS,
			    pin | PIN_BASED_VMX_PREEMPTION_TIMER, pin, &c->pin);
	if (ret)
		return ret;
	/*
	 * A backstop that gives the run loop the CPU back at least every
	 * few milliseconds (to see signals and reschedule) whatever the
	 * guest does. External-interrupt exits should be enough, but an
	 * emulator (Bochs 2.7) delivers them only while the guest has IF=1,
	 * and a guest spinning with interrupts off must not take a host CPU.
	 * The timer counts TSC >> IA32_VMX_MISC[4:0]; 2^22 TSC cycles is
	 * about 1-4 ms on real CPUs.
	 */
	if (c->pin & PIN_BASED_VMX_PREEMPTION_TIMER) {
		u64 misc;

		rdmsrq(MSR_IA32_VMX_MISC, misc);
		c->timer_value = (1U << 22) >> (misc & 0x1f) ?: 1;
	}

	/*
	 * Without an I/O or MSR bitmap, every port and MSR access exits.
	 * MOV to/from CR8 must exit too: without a TPR shadow it would
	 * otherwise read and write the host APIC's TPR, and a guest writing
	 * 15 would mask every interrupt of the host CPU it runs on. The
	 * exit handler keeps the guest's TPR in the vCPU instead.
	 */
	/*
	 * TSC offsetting without RDTSC exiting: the guest reads its TSC
	 * (the host's plus the VM's offset) at full speed.
	 */
	proc = CPU_BASED_HLT_EXITING | CPU_BASED_MWAIT_EXITING |
	       CPU_BASED_USE_TSC_OFFSETTING |
	       CPU_BASED_RDPMC_EXITING | CPU_BASED_MOV_DR_EXITING |
	       CPU_BASED_UNCOND_IO_EXITING | CPU_BASED_MONITOR_EXITING |
	       CPU_BASED_CR8_LOAD_EXITING | CPU_BASED_CR8_STORE_EXITING |
	       CPU_BASED_ACTIVATE_SECONDARY_CONTROLS;
	/*
	 * The window exits must exist (an interrupt or NMI the guest cannot
	 * take yet waits for one), but are on only for the entries that
	 * need them (inject.c).
	 */
	ret = altp2m_adjust(truectl ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
			    MSR_IA32_VMX_PROCBASED_CTLS,
			    proc | ALTP2M_PROC_WINDOWS,
			    proc | ALTP2M_PROC_WINDOWS, &c->proc);
	if (ret)
		return ret;
	c->proc &= ~ALTP2M_PROC_WINDOWS;
	/* Monitors' single steps: MTF where the CPU may set it. */
	rdmsrq(truectl ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
	       MSR_IA32_VMX_PROCBASED_CTLS, msr);
	c->mtf = hw_mtf && ((msr >> 32) & CPU_BASED_MONITOR_TRAP_FLAG) &&
		 !(c->proc & CPU_BASED_MONITOR_TRAP_FLAG);
	/* With EPT, CR3 accesses need not exit; drop them where allowed. */
	c->proc &= ~(CPU_BASED_CR3_LOAD_EXITING | CPU_BASED_CR3_STORE_EXITING |
		     CPU_BASED_USE_IO_BITMAPS | CPU_BASED_USE_MSR_BITMAPS) |
		   (truectl ? 0 : CPU_BASED_ALWAYSON_WITHOUT_TRUE_MSR);

	proc2 = SECONDARY_EXEC_ENABLE_EPT;
	ret = altp2m_adjust(MSR_IA32_VMX_PROCBASED_CTLS2,
			    proc2 | SECONDARY_EXEC_UNRESTRICTED_GUEST |
			    (boot_cpu_has(X86_FEATURE_RDTSCP) ?
			     SECONDARY_EXEC_ENABLE_RDTSCP : 0) |
			    (hw_vmfunc &&
			     altp2m_host.caps & ALTP2M_CAP_VMFUNC_EPTP ?
			     SECONDARY_EXEC_ENABLE_VMFUNC : 0),
			    proc2, &c->proc2);
	if (ret)
		return ret;
	c->vmfunc = c->proc2 & SECONDARY_EXEC_ENABLE_VMFUNC;
	/*
	 * Without the control RDTSCP is #UD in the guest, and CPUID says so;
	 * with it, IA32_TSC_AUX is the guest's while it runs.
	 */
	c->rdtscp = c->proc2 & SECONDARY_EXEC_ENABLE_RDTSCP;
	c->nr_auto = ALTP2M_VMX_NR_AUTO_MSRS - !c->rdtscp;
	/*
	 * XSAVE for guests: x87, SSE and AVX state where the host has them
	 * enabled (the guest's FPU buffer, sized for the host's features,
	 * holds them), nothing that needs more (AVX-512, MPX, PKRU, AMX,
	 * supervisor state: their CPUID bits are off).
	 */
	if (boot_cpu_has(X86_FEATURE_XSAVE) && boot_cpu_has(X86_FEATURE_OSXSAVE)) {
		c->host_xcr0 = xgetbv(XCR_XFEATURE_ENABLED_MASK);
		if ((c->host_xcr0 & XFEATURE_MASK_FPSSE) == XFEATURE_MASK_FPSSE)
			c->xcr0_mask = c->host_xcr0 & (XFEATURE_MASK_FPSSE |
						       XFEATURE_MASK_YMM);
	}
	/* The field exists where EPT violations can become #VE. */
	c->eptp_index = altp2m_host.caps & ALTP2M_CAP_VE;
	c->ve = hw_ve && (altp2m_host.caps & ALTP2M_CAP_VE);

	exit = VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_SAVE_IA32_PAT |
	       VM_EXIT_LOAD_IA32_PAT | VM_EXIT_SAVE_IA32_EFER |
	       VM_EXIT_LOAD_IA32_EFER | VM_EXIT_SAVE_DEBUG_CONTROLS;
	ret = altp2m_adjust(truectl ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
			    MSR_IA32_VMX_EXIT_CTLS, exit, exit, &c->exit);
	if (ret)
		return ret;
	c->exit &= ~VM_EXIT_ACK_INTR_ON_EXIT;

	entry = VM_ENTRY_LOAD_IA32_PAT | VM_ENTRY_LOAD_IA32_EFER |
		VM_ENTRY_LOAD_DEBUG_CONTROLS;
	ret = altp2m_adjust(truectl ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
			    MSR_IA32_VMX_ENTRY_CTLS, entry, entry, &c->entry);
	if (ret)
		return ret;
	c->entry &= ~VM_ENTRY_IA32E_MODE;	/* per guest, from EFER.LMA */

	rdmsrq(MSR_IA32_VMX_CR0_FIXED0, c->lim.cr0_fixed0);
	rdmsrq(MSR_IA32_VMX_CR0_FIXED1, c->lim.cr0_fixed1);
	rdmsrq(MSR_IA32_VMX_CR4_FIXED0, c->lim.cr4_fixed0);
	rdmsrq(MSR_IA32_VMX_CR4_FIXED1, c->lim.cr4_fixed1);
	c->lim.unrestricted = c->proc2 & SECONDARY_EXEC_UNRESTRICTED_GUEST;
	c->lim.maxphyaddr = boot_cpu_data.x86_phys_bits;
	if (c->lim.unrestricted)
		c->lim.cr0_fixed0 &= ~(X86_CR0_PE | X86_CR0_PG);
	/* What altp2m_vmcs_write_sregs() adds behind the read shadows. */
	c->lim.cr0_always_on = c->lim.cr0_fixed0;
	c->lim.cr4_always_on = c->lim.cr4_fixed0;
	altp2m_vmx_cpuid_init();
	return 0;
}

int altp2m_vmcs_alloc(struct altp2m_vmcs *vmcs)
{
	vmcs->region = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!vmcs->region)
		return -ENOMEM;
	*(u32 *)vmcs->region = altp2m_host.vmcs_revision;
	vmcs->pa = __pa(vmcs->region);
	vmcs->cpu = -1;
	vmcs->launched = false;
	INIT_LIST_HEAD(&vmcs->cpu_link);
	return 0;
}

/* Free a VMCS; it must not be loaded anywhere any more. */
void altp2m_vmcs_free(struct altp2m_vmcs *vmcs)
{
	altp2m_vmcs_clear(vmcs);
	free_page((unsigned long)vmcs->region);
	vmcs->region = NULL;
}

/* Host state that is the same on every CPU and for every process. */
static void altp2m_vmcs_host_constant(void)
{
	struct desc_ptr idt;
	u64 v;

	altp2m_vmwrite(HOST_CR0, read_cr0());
	altp2m_vmwrite(HOST_CS_SELECTOR, __KERNEL_CS);
	altp2m_vmwrite(HOST_SS_SELECTOR, __KERNEL_DS);
	altp2m_vmwrite(HOST_DS_SELECTOR, __KERNEL_DS);
	altp2m_vmwrite(HOST_ES_SELECTOR, __KERNEL_DS);
	altp2m_vmwrite(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	store_idt(&idt);
	altp2m_vmwrite(HOST_IDTR_BASE, idt.address);
	altp2m_vmwrite(HOST_RIP, (unsigned long)altp2m_vmx_vmexit);
	rdmsrq(MSR_IA32_SYSENTER_CS, v);
	altp2m_vmwrite(HOST_IA32_SYSENTER_CS, (u32)v);
	rdmsrq(MSR_IA32_SYSENTER_EIP, v);
	altp2m_vmwrite(HOST_IA32_SYSENTER_EIP, v);
	rdmsrq(MSR_IA32_CR_PAT, v);
	altp2m_vmwrite(HOST_IA32_PAT, v);
	rdmsrq(MSR_EFER, v);
	altp2m_vmwrite(HOST_IA32_EFER, v);
}

/**
 * altp2m_vmcs_host_percpu - host state that depends on the CPU
 * @cpu: the CPU the VMCS was just loaded on
 */
void altp2m_vmcs_host_percpu(int cpu)
{
	altp2m_vmwrite(HOST_TR_BASE,
		       (unsigned long)&get_cpu_entry_area(cpu)->tss.x86_tss);
	altp2m_vmwrite(HOST_GDTR_BASE, (unsigned long)get_current_gdt_ro());
	altp2m_vmwrite(HOST_IA32_SYSENTER_ESP,
		       (unsigned long)(cpu_entry_stack(cpu) + 1));
	altp2m_vmwrite(HOST_GS_BASE, cpu_kernelmode_gs_base(cpu));
}

/* The VMCS fields of each segment register, in struct altp2m_sregs order. */
static const struct {
	u32 selector, base, limit, ar;
} altp2m_seg_fields[] = {
	{ GUEST_CS_SELECTOR, GUEST_CS_BASE, GUEST_CS_LIMIT, GUEST_CS_AR_BYTES },
	{ GUEST_DS_SELECTOR, GUEST_DS_BASE, GUEST_DS_LIMIT, GUEST_DS_AR_BYTES },
	{ GUEST_ES_SELECTOR, GUEST_ES_BASE, GUEST_ES_LIMIT, GUEST_ES_AR_BYTES },
	{ GUEST_FS_SELECTOR, GUEST_FS_BASE, GUEST_FS_LIMIT, GUEST_FS_AR_BYTES },
	{ GUEST_GS_SELECTOR, GUEST_GS_BASE, GUEST_GS_LIMIT, GUEST_GS_AR_BYTES },
	{ GUEST_SS_SELECTOR, GUEST_SS_BASE, GUEST_SS_LIMIT, GUEST_SS_AR_BYTES },
	{ GUEST_TR_SELECTOR, GUEST_TR_BASE, GUEST_TR_LIMIT, GUEST_TR_AR_BYTES },
	{ GUEST_LDTR_SELECTOR, GUEST_LDTR_BASE, GUEST_LDTR_LIMIT,
	  GUEST_LDTR_AR_BYTES },
};

/* The segments of @s, in the order of altp2m_seg_fields. */
static struct altp2m_segment *altp2m_sregs_seg(struct altp2m_sregs *s,
					       unsigned int i)
{
	struct altp2m_segment *segs[] = {
		&s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldt,
	};

	return segs[i];
}

/* Write a complete guest register state to the current VMCS. */
void altp2m_vmcs_write_sregs(struct altp2m_vcpu *vcpu,
			     const struct altp2m_sregs *s)
{
	const struct altp2m_vmx_config *c = &altp2m_vmx_cfg;
	u32 entry = c->entry;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(altp2m_seg_fields); i++) {
		const struct altp2m_segment *seg =
			altp2m_sregs_seg((struct altp2m_sregs *)s, i);

		altp2m_vmwrite(altp2m_seg_fields[i].selector, seg->selector);
		altp2m_vmwrite(altp2m_seg_fields[i].base, seg->base);
		altp2m_vmwrite(altp2m_seg_fields[i].limit, seg->limit);
		altp2m_vmwrite(altp2m_seg_fields[i].ar, altp2m_seg_to_ar(seg));
	}
	altp2m_vmwrite(GUEST_GDTR_BASE, s->gdt.base);
	altp2m_vmwrite(GUEST_GDTR_LIMIT, s->gdt.limit);
	altp2m_vmwrite(GUEST_IDTR_BASE, s->idt.base);
	altp2m_vmwrite(GUEST_IDTR_LIMIT, s->idt.limit);

	/* The guest sees its own value; the CPU runs with VMX's fixed bits. */
	altp2m_vmwrite(CR0_READ_SHADOW, s->cr0);
	altp2m_vmwrite(GUEST_CR0, (s->cr0 | c->lim.cr0_fixed0) &
		       c->lim.cr0_fixed1);
	altp2m_vmwrite(CR4_READ_SHADOW, s->cr4);
	altp2m_vmwrite(GUEST_CR4, (s->cr4 | c->lim.cr4_fixed0) &
		       c->lim.cr4_fixed1);
	altp2m_vmwrite(GUEST_CR3, s->cr3);
	vcpu->vmx.cr2 = s->cr2;
	altp2m_vmwrite(GUEST_IA32_EFER, s->efer);
	if (s->efer & EFER_LMA)
		entry |= VM_ENTRY_IA32E_MODE;
	altp2m_vmwrite(VM_ENTRY_CONTROLS, entry);
}

void altp2m_vmcs_read_sregs(struct altp2m_vcpu *vcpu, struct altp2m_sregs *s)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < ARRAY_SIZE(altp2m_seg_fields); i++) {
		struct altp2m_segment *seg = altp2m_sregs_seg(s, i);

		seg->selector = altp2m_vmread(altp2m_seg_fields[i].selector);
		seg->base = altp2m_vmread(altp2m_seg_fields[i].base);
		seg->limit = altp2m_vmread(altp2m_seg_fields[i].limit);
		altp2m_ar_to_seg(altp2m_vmread(altp2m_seg_fields[i].ar), seg);
	}
	s->gdt.base = altp2m_vmread(GUEST_GDTR_BASE);
	s->gdt.limit = altp2m_vmread(GUEST_GDTR_LIMIT);
	s->idt.base = altp2m_vmread(GUEST_IDTR_BASE);
	s->idt.limit = altp2m_vmread(GUEST_IDTR_LIMIT);
	s->cr0 = altp2m_vmread(CR0_READ_SHADOW);
	s->cr4 = altp2m_vmread(CR4_READ_SHADOW);
	s->cr3 = altp2m_vmread(GUEST_CR3);
	s->cr2 = vcpu->vmx.cr2;
	s->efer = altp2m_vmread(GUEST_IA32_EFER);
}

/*
 * The architectural reset state (SDM "Processor state after reset"),
 * which needs unrestricted guest to be entered; without it userspace has
 * to set a protected-mode state before the first RUN.
 */
static void altp2m_reset_state(struct altp2m_sregs *s, struct altp2m_regs *r)
{
	struct altp2m_segment data = {
		.limit = 0xffff, .type = 3, .present = 1, .s = 1,
	};

	memset(s, 0, sizeof(*s));
	s->cs = data;
	s->cs.type = 11;
	s->cs.selector = 0xf000;
	s->cs.base = 0xffff0000;
	s->ds = data;
	s->es = data;
	s->fs = data;
	s->gs = data;
	s->ss = data;
	s->tr = (struct altp2m_segment){ .limit = 0xffff, .type = 11,
					  .present = 1 };
	s->ldt = (struct altp2m_segment){ .limit = 0xffff, .type = 2,
					   .present = 1 };
	s->gdt.limit = 0xffff;
	s->idt.limit = 0xffff;
	s->cr0 = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;

	memset(r, 0, sizeof(*r));
	r->rip = 0xfff0;
	r->rflags = X86_EFLAGS_FIXED;
	r->rdx = 0x600;		/* family 6, as the CPUID we report */
}

/**
 * altp2m_vmx_exception_bitmap - the exceptions that always exit
 *
 * #AC and #DB always exit, to be reflected by exits.c: an #AC or #DB
 * raised while delivering itself would otherwise loop in the CPU with no
 * way for the host to take an interrupt (CVE-2015-5307, CVE-2015-8104),
 * and a #DB in the guest would write the host's DR6. #MC always, so the
 * host's handler sees it (enter.c). Without VMFUNC in the CPU, a guest
 * VMFUNC is a #UD to emulate. A monitor adds more (vmx/monitor.c).
 *
 * Return: the exception bitmap without a monitor.
 */
u32 altp2m_vmx_exception_bitmap(void)
{
	return BIT(X86_TRAP_AC) | BIT(X86_TRAP_DB) | BIT(X86_TRAP_MC) |
	       (altp2m_vmx_cfg.vmfunc ? 0 : BIT(X86_TRAP_UD));
}

/**
 * altp2m_vmcs_setup - fill a new vCPU's VMCS (loaded, preemption off)
 * @vcpu: the vCPU
 */
void altp2m_vmcs_setup(struct altp2m_vcpu *vcpu)
{
	const struct altp2m_vmx_config *c = &altp2m_vmx_cfg;
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;

	altp2m_vmwrite(PIN_BASED_VM_EXEC_CONTROL, c->pin);
	altp2m_vmwrite(CPU_BASED_VM_EXEC_CONTROL, c->proc);
	v->proc = c->proc;
	altp2m_vmwrite(SECONDARY_VM_EXEC_CONTROL, c->proc2);
	altp2m_vmwrite(VM_EXIT_CONTROLS, c->exit);
	altp2m_vmwrite(VM_ENTRY_CONTROLS, c->entry);
	/*
	 * A monitor's intercepts come with ALTP2M_REQ_MONITOR, asked for
	 * here too: a monitor may have been attached before this vCPU was.
	 */
	altp2m_vmwrite(EXCEPTION_BITMAP, altp2m_vmx_exception_bitmap());
	altp2m_make_request(vcpu, ALTP2M_REQ_MONITOR);
	altp2m_vmwrite(PAGE_FAULT_ERROR_CODE_MASK, 0);
	altp2m_vmwrite(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	altp2m_vmwrite(CR3_TARGET_COUNT, 0);
	/* Every CR0/CR4 bit is owned by the host: writes exit, reads shadow. */
	altp2m_vmwrite(CR0_GUEST_HOST_MASK, ~0UL);
	altp2m_vmwrite(CR4_GUEST_HOST_MASK, ~0UL);
	altp2m_vmwrite(EPT_POINTER, v->eptp);
	v->eptp_loaded = v->eptp;
	if (c->eptp_index)
		altp2m_vmwrite(ALTP2M_VMCS_EPTP_INDEX, vcpu->view);
	if (c->vmfunc) {
		altp2m_vmwrite(VM_FUNCTION_CONTROL, VMX_VMFUNC_EPTP_SWITCHING);
		altp2m_vmwrite(EPTP_LIST_ADDRESS, __pa(vcpu->eptp_list));
	}
	altp2m_vmwrite(VMCS_LINK_POINTER, ~0ULL);

	altp2m_vmwrite(VM_ENTRY_MSR_LOAD_COUNT, c->nr_auto);
	altp2m_vmwrite(VM_ENTRY_MSR_LOAD_ADDR, __pa(v->auto_guest));
	altp2m_vmwrite(VM_EXIT_MSR_STORE_COUNT, c->nr_auto);
	altp2m_vmwrite(VM_EXIT_MSR_STORE_ADDR, __pa(v->auto_guest));
	altp2m_vmwrite(VM_EXIT_MSR_LOAD_COUNT, c->nr_auto);
	altp2m_vmwrite(VM_EXIT_MSR_LOAD_ADDR, __pa(v->auto_host));

	altp2m_vmcs_host_constant();

	/*
	 * The hardware DR7 the guest runs with never enables anything: the
	 * guest's debug registers live in struct altp2m_vmx_vcpu, and DR0-3
	 * in hardware still hold the host's breakpoints.
	 */
	altp2m_vmwrite(GUEST_DR7, ALTP2M_DR7_INIT);
	altp2m_vmcs_reset(vcpu, false);
	altp2m_vmwrite(GUEST_IA32_PAT, 0x0007040600070406ULL);
	/* Every vCPU's TSC starts where the VM's does (0 at CREATE_VM). */
	WRITE_ONCE(v->tsc_offset, vcpu->vm->tsc_offset);
	altp2m_vmwrite(TSC_OFFSET, v->tsc_offset);
	altp2m_vmwrite(GUEST_SYSENTER_CS, 0);
	altp2m_vmwrite(GUEST_SYSENTER_ESP, 0);
	altp2m_vmwrite(GUEST_SYSENTER_EIP, 0);
	altp2m_vmwrite(GUEST_ACTIVITY_STATE, 0);
	altp2m_vmwrite(VM_ENTRY_INTR_INFO_FIELD, 0);
}

/**
 * altp2m_vmcs_reset - the registers after power-on or INIT
 * @vcpu: the vCPU, its VMCS current
 * @init: INIT (SDM "Processor state after reset", INIT column): CR0's
 *	cache bits stay, and what this state does not name (MSRs, PAT,
 *	the FPU) is left as it is; otherwise power-on
 *
 * Segments, control and general-purpose registers, debug registers and
 * the interruptibility state; the events in flight are the caller's.
 */
void altp2m_vmcs_reset(struct altp2m_vcpu *vcpu, bool init)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;
	struct altp2m_sregs s;
	struct altp2m_regs r;
	u64 cache = 0;

	if (init)
		cache = altp2m_vmread(CR0_READ_SHADOW) &
			(X86_CR0_CD | X86_CR0_NW);
	altp2m_reset_state(&s, &r);
	if (init)
		s.cr0 = X86_CR0_ET | cache;
	altp2m_vmcs_write_sregs(vcpu, &s);
	altp2m_vmcs_write_regs(vcpu, &r);
	v->dr[0] = 0;
	v->dr[1] = 0;
	v->dr[2] = 0;
	v->dr[3] = 0;
	v->dr[ALTP2M_DR6_SLOT] = ALTP2M_DR6_INIT;
	v->dr[ALTP2M_DR7_SLOT] = ALTP2M_DR7_INIT;
	altp2m_vmwrite(GUEST_IA32_DEBUGCTL, 0);
	altp2m_vmwrite(GUEST_INTERRUPTIBILITY_INFO, 0);
	/* XCR0 is 1 after power-on and INIT alike. */
	v->xcr0 = XFEATURE_MASK_FP;
	altp2m_vmwrite(GUEST_PENDING_DBG_EXCEPTIONS, 0);
}

/*
 * Fill the autoload areas: guest values start at 0, host values now
 * (IA32_TSC_AUX's at the first entry, on the CPU it is made on).
 */
void altp2m_vmx_auto_msrs_init(struct altp2m_vmx_vcpu *v)
{
	unsigned int i;

	v->tsc_aux_cpu = -1;
	for (i = 0; i < altp2m_vmx_cfg.nr_auto; i++) {
		v->auto_guest[i].index = altp2m_auto_msrs[i];
		v->auto_guest[i].value = 0;
		v->auto_host[i].index = altp2m_auto_msrs[i];
		rdmsrq(altp2m_auto_msrs[i], v->auto_host[i].value);
	}
}

/* The autoload slot of @index, or -1. */
int altp2m_vmx_auto_msr_slot(u32 index)
{
	unsigned int i;

	for (i = 0; i < altp2m_vmx_cfg.nr_auto; i++)
		if (altp2m_auto_msrs[i] == index)
			return i;
	return -1;
}

/**
 * altp2m_vmx_tsc_aux_host - the host's IA32_TSC_AUX for the exit to load
 * @v: the vCPU, about to enter
 * @cpu: this CPU (interrupts off)
 *
 * Linux keeps the CPU (and node) number in IA32_TSC_AUX for RDTSCP and
 * RDPID, in user space (getcpu) and in the kernel's own entry code, so
 * the exit must restore this CPU's value: read again only when the vCPU
 * has moved.
 */
void altp2m_vmx_tsc_aux_host(struct altp2m_vmx_vcpu *v, int cpu)
{
	int slot = ALTP2M_VMX_NR_AUTO_MSRS - 1;

	if (!altp2m_vmx_cfg.rdtscp || likely(v->tsc_aux_cpu == cpu))
		return;
	rdmsrq(MSR_TSC_AUX, v->auto_host[slot].value);
	v->tsc_aux_cpu = cpu;
}
