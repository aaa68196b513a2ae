// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU's register state as userspace and the exit handlers see it:
 * creation and teardown of the VMX side, GET/SET of registers, special
 * registers and MSRs, and emulated writes to EFER (CR0 and CR4: cr.c).
 *
 * Outside the run loop the VMCS may be loaded on another CPU or none;
 * altp2m_vmx_vcpu_get()/put() make it current here for the few accesses
 * that need it, with preemption off in between.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/preempt.h>
#include <asm/fpu/xcr.h>
#include <asm/fpu/xstate.h>
#include <asm/msr.h>
#include <asm/processor-flags.h>

#include "../altp2m.h"
#include "../core/cpuid.h"
#include "../core/gva.h"
#include "internal.h"

void altp2m_vmx_vcpu_get(struct altp2m_vcpu *vcpu)
{
	preempt_disable();
	if (altp2m_vmcs_load(&vcpu->vmx.vmcs))
		altp2m_vmcs_host_percpu(smp_processor_id());
}

void altp2m_vmx_vcpu_put(void)
{
	preempt_enable();
}

int altp2m_vmx_vcpu_init(struct altp2m_vcpu *vcpu)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;
	int ret;

	ret = altp2m_vmcs_alloc(&v->vmcs);
	if (ret)
		return ret;
	ret = -ENOMEM;
	v->auto_guest = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!v->auto_guest)
		goto err_vmcs;
	v->auto_host = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!v->auto_host)
		goto err_guest;
	if (!fpu_alloc_guest_fpstate(&v->fpu))
		goto err_host;

	altp2m_vmx_auto_msrs_init(v);
	altp2m_msr_reset(&v->msr);
	preempt_disable();
	/* VMCLEAR puts a fresh VMCS in the "clear" launch state. */
	altp2m_vmclear(v->vmcs.pa);
	altp2m_vmx_vcpu_get(vcpu);
	altp2m_vmcs_setup(vcpu);
	altp2m_vmx_vcpu_put();
	preempt_enable();
	altp2m_make_request(vcpu, ALTP2M_REQ_STATE_CHECK);
	return 0;

err_host:
	free_page((unsigned long)v->auto_host);
err_guest:
	free_page((unsigned long)v->auto_guest);
err_vmcs:
	altp2m_vmcs_free(&v->vmcs);
	return ret;
}

void altp2m_vmx_vcpu_destroy(struct altp2m_vcpu *vcpu)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;

	altp2m_vmcs_free(&v->vmcs);
	fpu_free_guest_fpstate(&v->fpu);
	free_page((unsigned long)v->auto_host);
	free_page((unsigned long)v->auto_guest);
}

void altp2m_vmx_get_regs(struct altp2m_vcpu *vcpu, struct altp2m_regs *r)
{
	const u64 *g = vcpu->vmx.gpr;

	memset(r, 0, sizeof(*r));
	r->rax = g[ALTP2M_RAX];
	r->rbx = g[ALTP2M_RBX];
	r->rcx = g[ALTP2M_RCX];
	r->rdx = g[ALTP2M_RDX];
	r->rsi = g[ALTP2M_RSI];
	r->rdi = g[ALTP2M_RDI];
	r->rsp = g[ALTP2M_RSP];
	r->rbp = g[ALTP2M_RBP];
	r->r8 = g[ALTP2M_R8];
	r->r9 = g[ALTP2M_R9];
	r->r10 = g[ALTP2M_R10];
	r->r11 = g[ALTP2M_R11];
	r->r12 = g[ALTP2M_R12];
	r->r13 = g[ALTP2M_R13];
	r->r14 = g[ALTP2M_R14];
	r->r15 = g[ALTP2M_R15];
	r->rip = vcpu->vmx.rip;
	r->rflags = vcpu->vmx.rflags;
	/* A monitor's TF single step is not the guest's. */
	altp2m_vmx_monitor_rflags_get(vcpu, &r->rflags);
}

void altp2m_vmcs_write_regs(struct altp2m_vcpu *vcpu,
			    const struct altp2m_regs *r)
{
	u64 *g = vcpu->vmx.gpr;

	g[ALTP2M_RAX] = r->rax;
	g[ALTP2M_RBX] = r->rbx;
	g[ALTP2M_RCX] = r->rcx;
	g[ALTP2M_RDX] = r->rdx;
	g[ALTP2M_RSI] = r->rsi;
	g[ALTP2M_RDI] = r->rdi;
	g[ALTP2M_RSP] = r->rsp;
	g[ALTP2M_RBP] = r->rbp;
	g[ALTP2M_R8] = r->r8;
	g[ALTP2M_R9] = r->r9;
	g[ALTP2M_R10] = r->r10;
	g[ALTP2M_R11] = r->r11;
	g[ALTP2M_R12] = r->r12;
	g[ALTP2M_R13] = r->r13;
	g[ALTP2M_R14] = r->r14;
	g[ALTP2M_R15] = r->r15;
	vcpu->vmx.rip = r->rip;
	vcpu->vmx.rflags = r->rflags;
}

/*
 * Register values are checked at the next entry, with the rest of the
 * guest state (a bad RFLAGS is a fail-entry exit, as on hardware); here
 * only the structure's own rules apply. The event state (an STI or
 * MOV-SS shadow, a pending single step) is made to agree with the new
 * RFLAGS right before that entry (altp2m_vmx_inject_event()).
 */
int altp2m_vmx_set_regs(struct altp2m_vcpu *vcpu, const struct altp2m_regs *r)
{
	altp2m_vmcs_write_regs(vcpu, r);
	altp2m_vmx_monitor_rflags_set(vcpu);
	altp2m_make_request(vcpu, ALTP2M_REQ_STATE_CHECK);
	return 0;
}

void altp2m_vmx_get_sregs(struct altp2m_vcpu *vcpu, struct altp2m_sregs *s)
{
	altp2m_vmx_vcpu_get(vcpu);
	altp2m_vmcs_read_sregs(vcpu, s);
	altp2m_vmx_vcpu_put();
}

/*
 * A state with PAE paging gets the PDPTEs its CR3 points at, as if it had
 * just been entered by MOV to CR3; PDPTEs the CPU would refuse (reserved
 * bits) or a PDPT that is not guest RAM make the call fail with EINVAL
 * before anything is written.
 */
int altp2m_vmx_set_sregs(struct altp2m_vcpu *vcpu,
			 const struct altp2m_sregs *s)
{
	struct altp2m_vmx_sregs_set set;
	int ret;

	ret = altp2m_vmx_sregs_check(vcpu, s, &set);
	if (!ret)
		altp2m_vmx_sregs_write(vcpu, s, &set);
	return ret;
}

/*
 * altp2m_vmx_set_sregs() in halves, for a caller that checks several
 * parts of a state before it writes any (the monitor's SET_VCPU_STATE):
 * the check reads what the write needs into @set.
 */
int altp2m_vmx_sregs_check(struct altp2m_vcpu *vcpu,
			   const struct altp2m_sregs *s,
			   struct altp2m_vmx_sregs_set *set)
{
	BUILD_BUG_ON(ARRAY_SIZE(set->pdpte) != ALTP2M_PAE_NR_PDPTES);
	set->pae = altp2m_vmx_pae_paging(s);
	/* As in altp2m_vmx_write_cr(): the PDPT is read with the VMCS put. */
	lockdep_assert_held(&vcpu->lock);
	if (set->pae && altp2m_vmx_read_pdptes(vcpu, s->cr3, set->pdpte))
		return -EINVAL;
	return 0;
}

void altp2m_vmx_sregs_write(struct altp2m_vcpu *vcpu,
			    const struct altp2m_sregs *s,
			    const struct altp2m_vmx_sregs_set *set)
{
	lockdep_assert_held(&vcpu->lock);
	altp2m_vmx_vcpu_get(vcpu);
	altp2m_vmcs_write_sregs(vcpu, s);
	if (set->pae)
		altp2m_vmcs_write_pdptes(set->pdpte);
	altp2m_vmx_vcpu_put();
	altp2m_make_request(vcpu, ALTP2M_REQ_STATE_CHECK);
}

/**
 * altp2m_vmx_check_state - the guest state checks before an entry
 * @vcpu: the vCPU
 * @field: the VMCS field at fault, on failure
 *
 * Return: 0, or -EINVAL when the state would be refused by VM entry.
 */
int altp2m_vmx_check_state(struct altp2m_vcpu *vcpu, u32 *field)
{
	struct altp2m_sregs s;
	struct altp2m_regs r;
	const char *why;
	int ret;

	altp2m_vmx_get_regs(vcpu, &r);
	altp2m_vmx_get_sregs(vcpu, &s);
	ret = altp2m_check_guest_state(&r, &s, &altp2m_vmx_cfg.lim, field,
				       &why);
	if (ret)
		pr_debug("vCPU %u: invalid guest state: %s\n", vcpu->id, why);
	return ret;
}

/* The state a guest page walk and the instruction decoder need. */
void altp2m_vmx_paging(struct altp2m_vcpu *vcpu, struct altp2m_paging *pg,
		       u64 *cs_base)
{
	u32 ar;

	altp2m_vmx_vcpu_get(vcpu);
	*cs_base = altp2m_vmread(GUEST_CS_BASE);
	pg->cr0 = altp2m_vmread(GUEST_CR0);
	pg->cr3 = altp2m_vmread(GUEST_CR3);
	pg->cr4 = altp2m_vmread(GUEST_CR4);
	pg->efer = altp2m_vmread(GUEST_IA32_EFER);
	ar = altp2m_vmread(GUEST_CS_AR_BYTES);
	altp2m_vmx_vcpu_put();
	pg->cs_l = ar & BIT(13);
	pg->cs_db = ar & BIT(14);
	pg->cpl = (ar >> 5) & 3;
}

/**
 * altp2m_vmx_walk_state - what a walk of the vCPU's page tables needs
 * @vcpu: the vCPU, its lock held
 * @pg: filled with its paging state
 * @maxphyaddr: set to the guest's MAXPHYADDR
 *
 * For code outside vmx/ that walks with its own memory callbacks (the
 * monitor's accesses by linear address, through a view it names).
 */
void altp2m_vmx_walk_state(struct altp2m_vcpu *vcpu, struct altp2m_paging *pg,
			   u8 *maxphyaddr)
{
	u64 cs_base;

	lockdep_assert_held(&vcpu->lock);
	altp2m_vmx_paging(vcpu, pg, &cs_base);
	*maxphyaddr = altp2m_vmx_cfg.lim.maxphyaddr;
}

/* The base of a data segment (for string I/O operands). */
u64 altp2m_vmx_seg_base(struct altp2m_vcpu *vcpu, enum altp2m_sreg seg)
{
	static const unsigned long fields[] = {
		[ALTP2M_SREG_ES] = GUEST_ES_BASE, [ALTP2M_SREG_CS] = GUEST_CS_BASE,
		[ALTP2M_SREG_SS] = GUEST_SS_BASE, [ALTP2M_SREG_DS] = GUEST_DS_BASE,
		[ALTP2M_SREG_FS] = GUEST_FS_BASE, [ALTP2M_SREG_GS] = GUEST_GS_BASE,
	};
	u64 base;

	altp2m_vmx_vcpu_get(vcpu);
	base = altp2m_vmread(fields[seg]);
	altp2m_vmx_vcpu_put();
	return base;
}

/* Guest memory as the vCPU's view maps it. */
static int altp2m_vmx_read_guest(void *opaque, u64 gpa, void *buf,
				 unsigned int len)
{
	return altp2m_p2m_copy(opaque, gpa, buf, len, false);
}

static int altp2m_vmx_write_guest(void *opaque, u64 gpa, const void *buf,
				  unsigned int len)
{
	return altp2m_p2m_copy(opaque, gpa, (void *)buf, len, true);
}

/**
 * altp2m_vmx_guest_mem - what a page walk on the guest's behalf needs
 * @vcpu: the vCPU
 * @pg: filled with its paging state
 * @ctx: filled to walk with @pg over the VM's memory, as the vCPU's view
 *	maps it
 * @cs_base: CS.base, for the linear address of RIP
 */
void altp2m_vmx_guest_mem(struct altp2m_vcpu *vcpu, struct altp2m_paging *pg,
			  struct altp2m_gva_ctx *ctx, u64 *cs_base)
{
	altp2m_vmx_paging(vcpu, pg, cs_base);
	*ctx = (struct altp2m_gva_ctx){
		.pg = pg,
		.read = altp2m_vmx_read_guest,
		.write = altp2m_vmx_write_guest,
		.opaque = vcpu,
		.maxphyaddr = altp2m_vmx_cfg.lim.maxphyaddr,
	};
}

/**
 * altp2m_vmx_fetch_insn - read the instruction at the guest's RIP
 * @vcpu: the vCPU
 * @ctx: from altp2m_vmx_guest_mem()
 * @cs_base: likewise
 * @insn: ALTP2M_INSN_MAX_LEN bytes
 *
 * Fetches 15 bytes; if a later page faults, what lies before it is all
 * the instruction can be (the decoders say if they need more).
 *
 * Return: the bytes fetched, 0 if not even the first one could be.
 */
unsigned int altp2m_vmx_fetch_insn(struct altp2m_vcpu *vcpu,
				   const struct altp2m_gva_ctx *ctx,
				   u64 cs_base, u8 *insn)
{
	const struct altp2m_paging *pg = ctx->pg;
	unsigned int avail = ALTP2M_INSN_MAX_LEN;
	struct altp2m_gva_fault fault;
	u32 access;
	u64 rip;
	int ret;

	/* The fetch is at CS.base + RIP, except in 64-bit code. */
	if (pg->cs_l && (pg->efer & EFER_LMA))
		rip = vcpu->vmx.rip;
	else
		rip = (cs_base + vcpu->vmx.rip) & 0xffffffff;
	access = ALTP2M_ACC_FETCH | (pg->cpl == 3 ? ALTP2M_ACC_USER : 0);
	ret = altp2m_read_gva(ctx, rip, insn, avail, access, &fault);
	if (ret == -EFAULT && fault.addr > rip && fault.addr - rip < avail) {
		avail = fault.addr - rip;
		ret = altp2m_read_gva(ctx, rip, insn, avail, access, &fault);
	}
	return ret ? 0 : avail;
}

/* Raise in the guest the exception its own access would have raised. */
void altp2m_vmx_inject_fault(struct altp2m_vcpu *vcpu,
			     const struct altp2m_gva_fault *f)
{
	if (f->vector == ALTP2M_VEC_PF)
		vcpu->vmx.cr2 = f->addr;
	altp2m_vmx_inject(vcpu, f->vector, true, f->error_code);
}

/* MSRs a guest (and userspace, for it) may read and write. */
static const u32 altp2m_vmcs_msrs[] = {
	MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_FS_BASE, MSR_GS_BASE, MSR_IA32_CR_PAT, MSR_EFER,
};

static const unsigned long altp2m_vmcs_msr_fields[] = {
	GUEST_SYSENTER_CS, GUEST_SYSENTER_ESP, GUEST_SYSENTER_EIP,
	GUEST_FS_BASE, GUEST_GS_BASE, GUEST_IA32_PAT, GUEST_IA32_EFER,
};

static int altp2m_vmcs_msr_slot(u32 index)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(altp2m_vmcs_msrs); i++)
		if (altp2m_vmcs_msrs[i] == index)
			return i;
	return -1;
}

/* For GET/SET_MSRS; EFER goes through struct altp2m_sregs instead. */
int altp2m_vmx_msr_allowed(u32 index)
{
	if (index == MSR_EFER)
		return false;
	return altp2m_vmcs_msr_slot(index) >= 0 ||
	       altp2m_vmx_auto_msr_slot(index) >= 0 ||
	       index == MSR_IA32_TSC || altp2m_msr_soft(index);
}

/*
 * The TSC: the VMCS adds the vCPU's offset to the host's TSC at every
 * RDTSC and RDTSCP, which do not exit; IA32_TSC reads and writes do, and
 * compute the same. The APIC timer reads the offset from other threads.
 */
static void altp2m_vmx_set_tsc_offset(struct altp2m_vcpu *vcpu, u64 offset)
{
	WRITE_ONCE(vcpu->vmx.tsc_offset, offset);
	altp2m_vmx_vcpu_get(vcpu);
	altp2m_vmwrite(TSC_OFFSET, offset);
	altp2m_vmx_vcpu_put();
}

int altp2m_vmx_get_msr(struct altp2m_vcpu *vcpu, u32 index, u64 *value)
{
	int slot = altp2m_vmx_auto_msr_slot(index);

	if (slot >= 0) {
		*value = vcpu->vmx.auto_guest[slot].value;
		return 0;
	}
	if (index == MSR_IA32_TSC) {
		*value = altp2m_vcpu_guest_tsc(vcpu);
		return 0;
	}
	if (altp2m_msr_soft(index))
		return altp2m_msr_soft_get(&vcpu->vmx.msr, index, value);
	slot = altp2m_vmcs_msr_slot(index);
	if (slot < 0)
		return -EINVAL;
	altp2m_vmx_vcpu_get(vcpu);
	*value = altp2m_vmread(altp2m_vmcs_msr_fields[slot]);
	altp2m_vmx_vcpu_put();
	return 0;
}

static bool altp2m_canonical(u64 v)
{
	return (u64)((s64)(v << 16) >> 16) == v;
}

/*
 * The value checks are those under which WRMSR itself raises #GP, so a
 * guest gets the CPU's behaviour and userspace cannot plant a value that
 * would make the next VM entry or exit fail.
 */
int altp2m_vmx_msr_check(u32 index, u64 value)
{
	u64 pat;

	switch (index) {
	case MSR_STAR:
	case MSR_SYSCALL_MASK:
	case MSR_IA32_SYSENTER_CS:
	case MSR_IA32_TSC:
		return 0;
	case MSR_KERNEL_GS_BASE:
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		return altp2m_canonical(value) ? 0 : -EINVAL;
	case MSR_IA32_CR_PAT:
		/* Each byte a valid memory type: 0, 1, 4, 5, 6 or 7. */
		for (pat = value; pat; pat >>= 8)
			if ((pat & 0xf8) || (pat & 7) == 2 || (pat & 7) == 3)
				return -EINVAL;
		return 0;
	case MSR_EFER:
		return value & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX) ?
		       -EINVAL : 0;
	case MSR_TSC_AUX:
		return altp2m_vmx_cfg.rdtscp && !(value & ~ALTP2M_TSC_AUX_VALID) ?
		       0 : -EINVAL;
	default:
		return altp2m_msr_soft(index) ?
		       altp2m_msr_soft_check(index, value,
					     altp2m_vmx_cfg.lim.maxphyaddr) :
		       -EINVAL;
	}
}

/*
 * For userspace (SET_MSRS), IA32_TSC and IA32_TSC_ADJUST are set each on
 * its own, whatever the order, so a VMM restores both as it saved them;
 * the guest's writes move one with the other (altp2m_vmx_guest_wrmsr()).
 */
int altp2m_vmx_set_msr(struct altp2m_vcpu *vcpu, u32 index, u64 value)
{
	int slot = altp2m_vmx_auto_msr_slot(index);
	u64 efer;

	if (altp2m_vmx_msr_check(index, value))
		return -EINVAL;
	if (slot >= 0) {
		vcpu->vmx.auto_guest[slot].value = value;
		return 0;
	}
	if (index == MSR_IA32_TSC) {
		altp2m_vmx_set_tsc_offset(vcpu, value - rdtsc());
		return 0;
	}
	if (altp2m_msr_soft(index))
		return altp2m_msr_soft_set(&vcpu->vmx.msr, index, value,
					   altp2m_vmx_cfg.lim.maxphyaddr);
	slot = altp2m_vmcs_msr_slot(index);
	if (slot < 0)
		return -EINVAL;
	altp2m_vmx_vcpu_get(vcpu);
	if (index == MSR_EFER) {
		efer = altp2m_vmread(GUEST_IA32_EFER);
		/* LMA is the CPU's to set; LME may not change under paging. */
		value = (value & ~EFER_LMA) | (efer & EFER_LMA);
		if (((value ^ efer) & EFER_LME) &&
		    (altp2m_vmread(GUEST_CR0) & X86_CR0_PG)) {
			altp2m_vmx_vcpu_put();
			return -EINVAL;
		}
	}
	altp2m_vmwrite(altp2m_vmcs_msr_fields[slot], value);
	altp2m_vmx_vcpu_put();
	return 0;
}

/**
 * altp2m_vmx_guest_wrmsr - WRMSR by the guest
 * @vcpu: the vCPU, in ALTP2M_RUN
 * @index: ECX
 * @value: EDX:EAX
 *
 * As altp2m_vmx_set_msr(), except that IA32_TSC and IA32_TSC_ADJUST are
 * tied as on hardware: writing the TSC adds the distance it moved to
 * IA32_TSC_ADJUST, and writing IA32_TSC_ADJUST moves the TSC by the
 * difference between its new and old values.
 *
 * Return: 0, or -EINVAL for #GP.
 */
int altp2m_vmx_guest_wrmsr(struct altp2m_vcpu *vcpu, u32 index, u64 value)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;
	u64 delta;

	switch (index) {
	case MSR_IA32_TSC:
		delta = value - altp2m_vcpu_guest_tsc(vcpu);
		v->msr.tsc_adjust += delta;
		altp2m_vmx_set_tsc_offset(vcpu, v->tsc_offset + delta);
		return 0;
	case MSR_IA32_TSC_ADJUST:
		delta = value - v->msr.tsc_adjust;
		v->msr.tsc_adjust = value;
		altp2m_vmx_set_tsc_offset(vcpu, v->tsc_offset + delta);
		return 0;
	default:
		return altp2m_vmx_set_msr(vcpu, index, value);
	}
}

/*
 * XCR0: the guest's goes into hardware right before an entry with
 * CR4.OSXSAVE set (only then can the guest's XSAVE, XRSTOR and XGETBV see
 * it) and the host's comes back right after the exit, interrupts off
 * throughout, so no host code runs with the guest's. The guest's FPU
 * state is saved and restored by the kernel under the host's XCR0, a
 * superset, so every component the guest may use is kept.
 */
bool altp2m_vmx_xcr0_enter(struct altp2m_vmx_vcpu *v)
{
	const struct altp2m_vmx_config *c = &altp2m_vmx_cfg;

	lockdep_assert_irqs_disabled();
	if (!c->xcr0_mask || v->xcr0 == c->host_xcr0 ||
	    !(altp2m_vmread(GUEST_CR4) & X86_CR4_OSXSAVE))
		return false;
	xsetbv(XCR_XFEATURE_ENABLED_MASK, v->xcr0);
	return true;
}

void altp2m_vmx_xcr0_exit(void)
{
	xsetbv(XCR_XFEATURE_ENABLED_MASK, altp2m_vmx_cfg.host_xcr0);
}

/**
 * altp2m_vmx_xsetbv - XSETBV by the guest (CR4.OSXSAVE is set: without
 *	it the CPU raises #UD before any exit)
 * @vcpu: the vCPU, in ALTP2M_RUN
 *
 * XCR0 only, from CPL 0, with x87 state, AVX only with SSE, and only
 * components both the module and the VM's CPUID (leaf 0xD) offer: what
 * the CPU's own checks are, on the features this guest has.
 *
 * Return: 0 with the guest's XCR0 updated, or -EINVAL for #GP.
 */
int altp2m_vmx_xsetbv(struct altp2m_vcpu *vcpu)
{
	const struct altp2m_cpuid_entry *ent;
	u64 *gpr = vcpu->vmx.gpr, value, allowed;
	u32 leaf_d[ALTP2M_CPUID_NR_REGS];
	struct altp2m_paging pg;
	u64 cs_base;
	unsigned int n;

	value = (gpr[ALTP2M_RDX] << 32) | (u32)gpr[ALTP2M_RAX];
	altp2m_vmx_paging(vcpu, &pg, &cs_base);
	n = altp2m_vm_cpuid_table(vcpu->vm, &ent);
	altp2m_cpuid_answer(ent, n, vcpu->id, 0xd, 0, leaf_d);
	allowed = altp2m_vmx_cfg.xcr0_mask &
		  ((u64)leaf_d[ALTP2M_CPUID_EDX] << 32 | leaf_d[ALTP2M_CPUID_EAX]);
	if (pg.cpl || (u32)gpr[ALTP2M_RCX] || (value & ~allowed) ||
	    !(value & XFEATURE_MASK_FP) ||
	    ((value & XFEATURE_MASK_YMM) && !(value & XFEATURE_MASK_SSE)))
		return -EINVAL;
	vcpu->vmx.xcr0 = value;
	return 0;
}
