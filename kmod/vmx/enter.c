// SPDX-License-Identifier: GPL-2.0
/*
 * The guest/host boundary: one VM entry and exit, with everything that
 * must happen around it with interrupts off, in the order it must happen
 * (KVM's vmx_vcpu_enter_exit() is the model; vmenter.S holds the parts
 * that must touch the entry and exit instructions).
 *
 * Before the entry: the host-state fields the kernel may change behind
 * our back (CR3, CR4, FS/GS), read and written with interrupts off so no
 * IPI can change them in between (a perf rdpmc IPI flips CR4.PCE); the
 * perf MSRs the kernel wants switched (so host PEBS cannot write while
 * the guest runs); the host TPR noted; the L1D flush where L1TF needs it.
 * After the exit, before anything else: a machine check or NMI that hit
 * the guest goes to the host's handler; then the host's TPR, segments,
 * descriptor-table limits, DEBUGCTL and breakpoints are put back.
 *
 * Host state the VMCS does not restore is saved and put back around each
 * entry: DS/ES and FS/GS selectors (the VMCS host fields may only hold
 * ring-0 GDT selectors), the user's FS base and inactive GS base, the GDT
 * limit (an exit sets it to 0xffff), the TSS limit used by I/O bitmaps,
 * DEBUGCTL (an exit clears it), CR2 and the TPR.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/jump_label.h>
#include <linux/cache.h>
#include <linux/gfp.h>
#include <linux/percpu.h>
#include <linux/perf_event.h>
#include <linux/sched/smt.h>
#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/mce.h>
#include <asm/msr.h>
#include <asm/nospec-branch.h>
#include <asm/perf_event.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/sync_core.h>
#include <asm/tlbflush.h>

#include "../altp2m.h"
#include "../core/boundary.h"
#include "enter.h"
#include "internal.h"

/* How L1D is flushed before an entry: see altp2m_vmx_mitigations_init(). */
static DEFINE_STATIC_KEY_FALSE(altp2m_l1d_flush);
static DEFINE_STATIC_KEY_FALSE(altp2m_l1d_flush_msr);
static DEFINE_STATIC_KEY_FALSE(altp2m_l1d_flush_cond);

/* Whether the kernel's interrupt entry notes that L1D needs a flush. */
#define ALTP2M_L1D_IRQ_HINT	IS_ENABLED(CONFIG_KVM_INTEL)

static char *l1d_flush = "auto";
module_param(l1d_flush, charp, 0444);
MODULE_PARM_DESC(l1d_flush,
		 "L1TF: flush L1D before VM entries: auto (as the kernel's l1tf=), cond, always");

/* Twice the size of any L1D: reading it evicts everything else. */
#define ALTP2M_L1D_BUF_ORDER	4
static void *altp2m_l1d_buf;

/* The VM whose guest last ran on each CPU, for the IBPB between VMs. */
static DEFINE_PER_CPU(u64, altp2m_last_vm);
static atomic64_t altp2m_vm_branch_ids;

/**
 * altp2m_vmx_mitigations_init - decide the entry mitigations, at load time
 *
 * Most mitigations follow the kernel's own choices at run time (its
 * X86_FEATURE_* flags are patched into vmenter.S like into KVM, and
 * indirect_branch_prediction_barrier() is the kernel's). The L1D flush at
 * entry is the module's to decide, from the kernel's L1TF state.
 *
 * Return: 0 or -ENOMEM.
 */
int altp2m_vmx_mitigations_init(void)
{
	static const char * const when[] = {
		[ALTP2M_L1D_WHEN_AUTO] = "auto",
		[ALTP2M_L1D_WHEN_COND] = "cond",
		[ALTP2M_L1D_WHEN_ALWAYS] = "always",
	};
	struct altp2m_entry_policy p;
	struct altp2m_cpu_risks r = {
		.l1tf = boot_cpu_has_bug(X86_BUG_L1TF),
		.l1tf_off = l1tf_mitigation == L1TF_MITIGATION_OFF,
		.flush_l1d = boot_cpu_has(X86_FEATURE_FLUSH_L1D),
		.smt_active = sched_smt_active(),
		.l1tf_full = l1tf_mitigation == L1TF_MITIGATION_FULL ||
			     l1tf_mitigation == L1TF_MITIGATION_FULL_FORCE,
		.irq_hint = ALTP2M_L1D_IRQ_HINT,
	};
	u64 cap = 0;
	int i;

	i = match_string(when, ARRAY_SIZE(when), l1d_flush);
	if (i < 0) {
		pr_err("l1d_flush=%s: not auto, cond or always\n", l1d_flush);
		return -EINVAL;
	}
	r.when = i;

	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES) &&
	    !rdmsrq_safe(MSR_IA32_ARCH_CAPABILITIES, &cap))
		r.l1tf_skip_entry_flush = cap & ARCH_CAP_SKIP_VMENTRY_L1DFLUSH;
	altp2m_entry_policy_decide(&r, &p);
	if (p.warning)
		pr_warn("%s\n", p.warning);
	if (p.l1d_flush == ALTP2M_L1D_FLUSH_SOFTWARE) {
		altp2m_l1d_buf = (void *)__get_free_pages(GFP_KERNEL | __GFP_ZERO,
							  ALTP2M_L1D_BUF_ORDER);
		if (!altp2m_l1d_buf)
			return -ENOMEM;
	}
	if (p.l1d_flush == ALTP2M_L1D_FLUSH_MSR)
		static_branch_enable(&altp2m_l1d_flush_msr);
	if (p.l1d_cond)
		static_branch_enable(&altp2m_l1d_flush_cond);
	if (p.l1d_flush != ALTP2M_L1D_FLUSH_NONE) {
		static_branch_enable(&altp2m_l1d_flush);
		pr_info("L1TF: L1D flushed before %s VM entry (%s)\n",
			p.l1d_cond ? "a" : "each",
			p.l1d_flush == ALTP2M_L1D_FLUSH_MSR ? "IA32_FLUSH_CMD" :
			"software");
	}
	return 0;
}

/* Module exit (or a failed load), once no vCPU can enter. */
void altp2m_vmx_mitigations_exit(void)
{
	free_pages((unsigned long)altp2m_l1d_buf, ALTP2M_L1D_BUF_ORDER);
	altp2m_l1d_buf = NULL;
}

/*
 * Host data out of L1D, where the guest could read it (L1TF). Without the
 * MSR: one load per page first, so the page walks for the buffer come
 * before (serialised) and not amid the loads that fill L1D, then one
 * load per cache line.
 */
static void altp2m_l1d_flush_now(void)
{
	const u8 *buf = altp2m_l1d_buf;
	unsigned int i, size = PAGE_SIZE << ALTP2M_L1D_BUF_ORDER;

	if (static_branch_likely(&altp2m_l1d_flush_msr)) {
		native_wrmsrq(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
		return;
	}
	for (i = 0; i < size; i += PAGE_SIZE)
		READ_ONCE(buf[i]);
	sync_core();
	for (i = 0; i < size; i += L1_CACHE_BYTES)
		READ_ONCE(buf[i]);
}

/*
 * "cond": whether this entry flushes (core/boundary.c says when). The
 * kernel's flag is per CPU and KVM's too: the two never hold VMX at once.
 */
static bool altp2m_l1d_flush_cond_due(struct altp2m_vcpu *vcpu)
{
	bool irq = false;

#if ALTP2M_L1D_IRQ_HINT
	irq = kvm_get_cpu_l1tf_flush_l1d();
	kvm_clear_cpu_l1tf_flush_l1d();
#endif
	return altp2m_l1d_flush_due(&vcpu->vmx.l1d,
				    current->nvcsw + current->nivcsw, irq);
}

static void altp2m_l1d_flush_entry(struct altp2m_vcpu *vcpu)
{
	if (static_branch_likely(&altp2m_l1d_flush_cond) &&
	    !altp2m_l1d_flush_cond_due(vcpu))
		return;
	altp2m_l1d_flush_now();
	altp2m_mon_stat_inc(vcpu, l1d_flushes);
}

/**
 * altp2m_vmx_l1d_dirty - the next entry of @vcpu flushes L1D ("cond")
 * @vcpu: the vCPU
 *
 * For host work that may have read data that is neither this VM's nor
 * the module's about it: the VMM's, when ALTP2M_RUN starts, and what the
 * guest asks the host to do beyond an exit's usual bounds.
 */
void altp2m_vmx_l1d_dirty(struct altp2m_vcpu *vcpu)
{
	vcpu->vmx.l1d.dirty = true;
}

/* A number no other VM of this boot has, given at the VM's first entry. */
static u64 altp2m_vm_branch_id(struct altp2m_vm *vm)
{
	u64 id = READ_ONCE(vm->branch_id), new;

	if (likely(id))
		return id;
	new = atomic64_inc_return(&altp2m_vm_branch_ids);
	id = cmpxchg64(&vm->branch_id, 0, new);
	return id ?: new;
}

/**
 * altp2m_vmx_vm_switch - a vCPU of @vm is about to run on this CPU
 * @vm: its VM
 *
 * Call with preemption disabled. When this CPU last ran another VM's
 * guest, an indirect branch prediction barrier keeps that guest's
 * training from steering this one (where the kernel uses IBPB at all:
 * indirect_branch_prediction_barrier() is patched out otherwise). A
 * number rather than the pointer: a freed VM's memory may be the next.
 */
void altp2m_vmx_vm_switch(struct altp2m_vm *vm)
{
	u64 id = altp2m_vm_branch_id(vm);

	if (this_cpu_read(altp2m_last_vm) == id)
		return;
	indirect_branch_prediction_barrier();
	this_cpu_write(altp2m_last_vm, id);
}

/*
 * Host state read before each entry and restored after the exit, beside
 * the VMM's user segment state (struct altp2m_vmx_host_user): DEBUGCTL
 * may change under the thread (perf, from an interrupt).
 */
struct altp2m_host_save {
	const struct altp2m_vmx_host_user *user;
	u64 debugctl;
	unsigned long cr8;
};

static __always_inline unsigned long altp2m_read_cr8(void)
{
	unsigned long val;

	asm volatile("mov %%cr8, %0" : "=r" (val));
	return val;
}

static __always_inline void altp2m_write_cr8(unsigned long val)
{
	asm volatile("mov %0, %%cr8" : : "r" (val) : "memory");
}

/*
 * The host-state fields that can change while the vCPU stays on this CPU,
 * written only when they did: most entries write none. Only this
 * function writes them, so the cache matches the VMCS (whose contents
 * move with it from CPU to CPU).
 */
static void altp2m_host_fields(struct altp2m_vmx_vcpu *v,
			       const struct altp2m_vmx_host_user *u)
{
	struct altp2m_vmx_host_cache *c = &v->host;
	u64 cr3 = __read_cr3(), cr4 = cr4_read_shadow();
	/* A selector with RPL or TI set cannot go in a host field. */
	u16 fs = (u->fs & 7) ? 0 : u->fs, gs = (u->gs & 7) ? 0 : u->gs;

	if (unlikely(!c->valid || c->cr3 != cr3)) {
		altp2m_vmwrite(HOST_CR3, cr3);
		c->cr3 = cr3;
	}
	if (unlikely(!c->valid || c->cr4 != cr4)) {
		altp2m_vmwrite(HOST_CR4, cr4);
		c->cr4 = cr4;
	}
	if (unlikely(!c->valid || c->fs_sel != fs)) {
		altp2m_vmwrite(HOST_FS_SELECTOR, fs);
		c->fs_sel = fs;
	}
	if (unlikely(!c->valid || c->gs_sel != gs)) {
		altp2m_vmwrite(HOST_GS_SELECTOR, gs);
		c->gs_sel = gs;
	}
	if (unlikely(!c->valid || c->fs_base != u->fs_base)) {
		altp2m_vmwrite(HOST_FS_BASE, u->fs_base);
		c->fs_base = u->fs_base;
	}
	c->valid = true;
}

/* The VMM's user segment state, read when it may have changed. */
static void altp2m_host_user_save(struct altp2m_vmx_vcpu *v, int cpu)
{
	struct altp2m_vmx_host_user *u = &v->host_user;
	unsigned long switches = current->nvcsw + current->nivcsw;

	if (likely(u->valid && u->switches == switches && u->cpu == cpu))
		return;
	savesegment(ds, u->ds);
	savesegment(es, u->es);
	savesegment(fs, u->fs);
	savesegment(gs, u->gs);
	rdmsrq(MSR_FS_BASE, u->fs_base);
	rdmsrq(MSR_KERNEL_GS_BASE, u->kernel_gs_base);
	u->switches = switches;
	u->cpu = cpu;
	u->valid = true;
	/* The user's GS base comes back through the exit MSR-load area. */
	v->auto_host[altp2m_vmx_auto_msr_slot(MSR_KERNEL_GS_BASE)].value =
		u->kernel_gs_base;
}

/**
 * altp2m_vmx_host_user_stale - read the VMM's user segment state again
 * @vcpu: the vCPU, at the start of ALTP2M_RUN
 */
void altp2m_vmx_host_user_stale(struct altp2m_vcpu *vcpu)
{
	vcpu->vmx.host_user.valid = false;
}

static void altp2m_host_save(struct altp2m_vmx_vcpu *v,
			     struct altp2m_host_save *h)
{
	int cpu = raw_smp_processor_id();

	altp2m_host_user_save(v, cpu);
	h->user = &v->host_user;
	h->debugctl = get_debugctlmsr();
	h->cr8 = altp2m_read_cr8();
	altp2m_host_fields(v, h->user);
	altp2m_vmx_tsc_aux_host(v, cpu);
}

static void altp2m_host_restore(const struct altp2m_host_save *h)
{
	const struct altp2m_vmx_host_user *u = h->user;

	/*
	 * The guest cannot reach the TPR (CR8 accesses exit); should that
	 * ever fail, a raised TPR would block the host's interrupts on this
	 * CPU for good, so put it back whatever happened.
	 */
	if (unlikely(altp2m_read_cr8() != h->cr8))
		altp2m_write_cr8(h->cr8);
	if (u->ds | u->es) {
		loadsegment(ds, u->ds);
		loadsegment(es, u->es);
	}
	if (u->fs & 7) {
		loadsegment(fs, u->fs);
		wrmsrq(MSR_FS_BASE, u->fs_base);
	}
	if (u->gs & 7) {
		load_gs_index(u->gs);
		wrmsrq(MSR_KERNEL_GS_BASE, u->kernel_gs_base);
	}
	if (h->debugctl)
		update_debugctlmsr(h->debugctl);
	invalidate_tss_limit();
	load_fixmap_gdt(raw_smp_processor_id());
	/* A VM exit leaves DR7 = 0x400: put the host's breakpoints back. */
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
}

/*
 * The perf MSRs the kernel wants to differ while the guest runs (global
 * enable without host-only counters, PEBS off where PEBS could write
 * into the guest), through the autoload areas after the fixed entries:
 * the CPU switches them atomically with the entry and the exit. Asked
 * each entry with interrupts off, as perf changes them at any time.
 */
static void altp2m_perf_switch(struct altp2m_vmx_vcpu *v)
{
	struct perf_guest_switch_msr *msrs;
	unsigned int n = 0, slot;
	int nr = 0, i;

	msrs = perf_guest_get_msrs(&nr, NULL);
	for (i = 0; msrs && i < nr; i++) {
		if (msrs[i].host == msrs[i].guest)
			continue;
		if (n == ALTP2M_VMX_NR_PERF_MSRS) {
			pr_warn_once("more perf MSRs to switch than %u; host counters may run in guests\n",
				     ALTP2M_VMX_NR_PERF_MSRS);
			break;
		}
		slot = altp2m_vmx_cfg.nr_auto + n++;
		v->auto_guest[slot].index = msrs[i].msr;
		v->auto_guest[slot].value = msrs[i].guest;
		v->auto_host[slot].index = msrs[i].msr;
		v->auto_host[slot].value = msrs[i].host;
	}
	if (n == v->perf_nr)
		return;
	/* The exit-store count stays: these are not guest state. */
	altp2m_vmwrite(VM_ENTRY_MSR_LOAD_COUNT, altp2m_vmx_cfg.nr_auto + n);
	altp2m_vmwrite(VM_EXIT_MSR_LOAD_COUNT, altp2m_vmx_cfg.nr_auto + n);
	v->perf_nr = n;
}

/*
 * A machine check the CPU took while the guest ran (or during the entry)
 * has not been handled: the exit consumed it. Give it to the kernel's
 * handler as if it had come from user mode (CS RPL 3, interrupts on):
 * the only mode in which the handler may recover by killing the task
 * that consumed poison (here the VMM) instead of panicking, which is
 * what a guest's consumption deserves.
 */
static void altp2m_vmx_machine_check(void)
{
#ifdef CONFIG_X86_MCE
	struct pt_regs regs = {
		.cs = 3,
		.flags = X86_EFLAGS_IF,
	};

	do_machine_check(&regs);
#endif
}

static void altp2m_read_exit(struct altp2m_vmx_exit *e, u32 reason,
			     u32 intr_info)
{
	e->reason = reason & 0xffff;
	e->failed_entry = reason & VMX_EXIT_REASONS_FAILED_VMENTRY;
	e->intr_info = intr_info;
	e->qualification = altp2m_vmread(EXIT_QUALIFICATION);
	e->idt_vectoring = altp2m_vmread(IDT_VECTORING_INFO_FIELD);
	e->idt_error = altp2m_vmread(IDT_VECTORING_ERROR_CODE);
	e->insn_len = altp2m_vmread(VM_EXIT_INSTRUCTION_LEN);
	e->gpa = altp2m_vmread(GUEST_PHYSICAL_ADDRESS);
	e->gla = altp2m_vmread(GUEST_LINEAR_ADDRESS);
}

/**
 * altp2m_vmx_enter_exit - one VM entry and exit, the host put back around it
 * @vcpu: the vCPU; its VMCS current here, every guest field written
 * @e: filled after an exit
 *
 * Call with interrupts off (and so preemption); they stay off.
 *
 * Return: 0 after an exit (@e says which, @e->reason 41 included: the
 * host's machine-check handler has run for it), or ALTP2M_VMENTER_VMFAIL
 * / ALTP2M_VMENTER_FAULT when the entry instruction failed.
 */
int altp2m_vmx_enter_exit(struct altp2m_vcpu *vcpu, struct altp2m_vmx_exit *e)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;
	enum altp2m_exit_irqoff kind = ALTP2M_EXIT_IRQOFF_NONE;
	struct altp2m_host_save h;
	u32 reason = 0, intr_info = 0;
	bool xcr0;
	int fail;

	lockdep_assert_irqs_disabled();
	altp2m_host_save(v, &h);
	altp2m_perf_switch(v);
	if (native_read_cr2() != v->cr2)
		native_write_cr2(v->cr2);
	if (static_branch_unlikely(&altp2m_l1d_flush))
		altp2m_l1d_flush_entry(vcpu);

	xcr0 = altp2m_vmx_xcr0_enter(v);
	fail = altp2m_vmx_vmenter(v->gpr, v->vmcs.launched);
	if (xcr0)
		altp2m_vmx_xcr0_exit();

	v->cr2 = native_read_cr2();
	if (!fail) {
		reason = altp2m_vmread(VM_EXIT_REASON);
		intr_info = altp2m_vmread(VM_EXIT_INTR_INFO);
		kind = altp2m_exit_irqoff_kind(reason, intr_info);
		if (kind == ALTP2M_EXIT_IRQOFF_MCE ||
		    kind == ALTP2M_EXIT_IRQOFF_MCE_ENTRY)
			altp2m_vmx_machine_check();
	}
	altp2m_host_restore(&h);
	/* The guest ran: flush predictions before the VMM runs (VMSCAPE). */
	if (cpu_feature_enabled(X86_FEATURE_IBPB_EXIT_TO_USER))
		this_cpu_write(x86_ibpb_exit_to_user, true);
	if (fail)
		return fail;

	v->rip = altp2m_vmread(GUEST_RIP);
	v->gpr[ALTP2M_RSP] = altp2m_vmread(GUEST_RSP);
	v->rflags = altp2m_vmread(GUEST_RFLAGS);
	altp2m_read_exit(e, reason, intr_info);
	if (!e->failed_entry)
		v->vmcs.launched = true;
	if (kind == ALTP2M_EXIT_IRQOFF_NMI) {
		altp2m_vmx_do_nmi();
		/* The kernel's NMI entry does not set its interrupt flag. */
		altp2m_vmx_l1d_dirty(vcpu);
	}
	return 0;
}
