// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's control registers where the module emulates them: MOV to
 * CR0 and CR4 (every bit of both is owned by the host, so each write
 * exits), MOV to CR3 while a monitor watches it or has a CR3 table
 * installed (CR3-load exiting; a completed write goes to the table,
 * cr3_views.c), and the PAE page-directory-pointer table entries those
 * writes and SET_SREGS load.
 *
 * PDPTEs. With EPT, PAE paging (CR0.PG = 1, CR4.PAE = 1, EFER.LMA = 0)
 * translates through four PDPTEs the CPU holds in registers, not through
 * the PDPT in memory: VM entry loads them from GUEST_PDPTR0-3 and VM exit
 * saves them there. The CPU itself reloads them on a guest MOV to CR3
 * (CR3 accesses do not exit under EPT, unless a monitor watches CR3
 * writes); for the writes to CR0, CR3 and CR4
 * the module emulates, and for a state userspace sets, the module does
 * what the instruction would have done: read the PDPT at CR3[31:5]
 * through the vCPU's view, #GP (EINVAL for SET_SREGS) when a present
 * entry has a reserved bit set, else load all four. Between those loads
 * the VMCS fields are the CPU's; nothing else writes them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/lockdep.h>
#include <asm/processor-flags.h>

#include "../altp2m.h"
#include "../hidden.h"
#include "internal.h"

/*
 * CR4 bits a guest may set: no VMX, no SMX; OSXSAVE where the module
 * switches XCR0 (altp2m_vmx_cfg.xcr0_mask, see CPUID).
 */
#define ALTP2M_CR4_GUEST_ALLOWED					\
	(X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE |	\
	 X86_CR4_PSE | X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE |	\
	 X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT |		\
	 X86_CR4_FSGSBASE | X86_CR4_SMEP | X86_CR4_SMAP | X86_CR4_UMIP)

/*
 * A write of CR0 or CR4 changing one of these reloads the PDPTEs when PAE
 * paging is in use after it (SDM Vol. 3A, 4.4.1).
 */
#define ALTP2M_CR0_PDPTE_BITS	(X86_CR0_PG | X86_CR0_CD | X86_CR0_NW)
#define ALTP2M_CR4_PDPTE_BITS	(X86_CR4_PAE | X86_CR4_PGE | X86_CR4_PSE | \
				 X86_CR4_SMEP)

#define ALTP2M_PDPTE_P		BIT_ULL(0)
/* The PDPT is 32-byte aligned at CR3[31:5]. */
#define ALTP2M_CR3_PAE_PDPT	GENMASK_ULL(31, 5)

static const u32 altp2m_pdptr_fields[ALTP2M_PAE_NR_PDPTES] = {
	GUEST_PDPTR0, GUEST_PDPTR1, GUEST_PDPTR2, GUEST_PDPTR3,
};

/**
 * altp2m_vmx_pae_paging - whether a state translates through PDPTEs
 * @s: the state
 *
 * Return: true for PAE paging: CR0.PG and CR4.PAE without IA-32e mode.
 */
bool altp2m_vmx_pae_paging(const struct altp2m_sregs *s)
{
	return (s->cr0 & X86_CR0_PG) && (s->cr4 & X86_CR4_PAE) &&
	       !(s->efer & EFER_LMA);
}

/**
 * altp2m_vmx_read_pdptes - the PDPTEs PAE paging with @cr3 would load
 * @vcpu: the vCPU, whose view maps the PDPT
 * @cr3: the guest's CR3
 * @pdpte: filled with the four entries
 *
 * Reads guest memory, so it may sleep: call with the VMCS put.
 *
 * Return: 0; -EFAULT when the PDPT is not guest RAM; -EINVAL when a
 * present entry has a reserved bit set (bits 2:1, 8:5 and from MAXPHYADDR
 * up, XD included: PDPTEs have no permissions).
 */
int altp2m_vmx_read_pdptes(struct altp2m_vcpu *vcpu, u64 cr3,
			   u64 pdpte[ALTP2M_PAE_NR_PDPTES])
{
	unsigned int m = altp2m_vmx_cfg.lim.maxphyaddr, i;
	u64 rsvd = GENMASK_ULL(63, m) | GENMASK_ULL(8, 5) | GENMASK_ULL(2, 1);
	int ret;

	ret = altp2m_p2m_copy(vcpu, cr3 & ALTP2M_CR3_PAE_PDPT, pdpte,
			      ALTP2M_PAE_NR_PDPTES * sizeof(*pdpte), false);
	if (ret)
		return ret;
	for (i = 0; i < ALTP2M_PAE_NR_PDPTES; i++)
		if ((pdpte[i] & ALTP2M_PDPTE_P) && (pdpte[i] & rsvd))
			return -EINVAL;
	return 0;
}

/**
 * altp2m_vmcs_write_pdptes - make the PDPTEs the guest runs with
 * @pdpte: from altp2m_vmx_read_pdptes()
 *
 * The vCPU's VMCS must be current (altp2m_vmx_vcpu_get()).
 */
void altp2m_vmcs_write_pdptes(const u64 pdpte[ALTP2M_PAE_NR_PDPTES])
{
	unsigned int i;

	for (i = 0; i < ALTP2M_PAE_NR_PDPTES; i++)
		altp2m_vmwrite(altp2m_pdptr_fields[i], pdpte[i]);
}

u64 altp2m_vmx_read_cr(struct altp2m_vcpu *vcpu, unsigned int cr)
{
	u64 val;

	altp2m_vmx_vcpu_get(vcpu);
	if (cr == 3)
		val = altp2m_vmread(GUEST_CR3);
	else
		val = altp2m_vmread(cr == 0 ? CR0_READ_SHADOW : CR4_READ_SHADOW);
	altp2m_vmx_vcpu_put();
	return val;
}

/*
 * The state after MOV @val to CR3, or -EINVAL for #GP. Outside 64-bit
 * code the register is 32 bits wide; in it, bits from MAXPHYADDR up are
 * reserved (bit 63 too: the guest has no PCIDs). Without VPID every VM
 * entry flushes the guest's linear translations, as the write would.
 */
static int altp2m_vmx_new_cr3(struct altp2m_sregs *s, u64 val)
{
	if (!((s->efer & EFER_LMA) && s->cs.l))
		val = (u32)val;
	else if (val >> altp2m_vmx_cfg.lim.maxphyaddr)
		return -EINVAL;
	s->cr3 = val;
	return 0;
}

/* The state after MOV @val to CR4, or -EINVAL for #GP. */
static int altp2m_vmx_new_cr4(struct altp2m_sregs *s, u64 val)
{
	if (val & ~(ALTP2M_CR4_GUEST_ALLOWED |
		    (altp2m_vmx_cfg.xcr0_mask ? X86_CR4_OSXSAVE : 0)))
		return -EINVAL;
	if ((s->efer & EFER_LMA) && !(val & X86_CR4_PAE))
		return -EINVAL;
	s->cr4 = val;
	return 0;
}

/*
 * The state after MOV @val to CR0, or -EINVAL for #GP. Paging turned on
 * with EFER.LME set enters IA-32e mode (EFER.LMA and the entry control
 * follow), and off leaves it, as the CPU does.
 */
static int altp2m_vmx_new_cr0(struct altp2m_sregs *s, u64 val)
{
	u64 old = s->cr0;

	if ((val & X86_CR0_PG) && !(val & X86_CR0_PE))
		return -EINVAL;
	if ((val & X86_CR0_NW) && !(val & X86_CR0_CD))
		return -EINVAL;
	if (!(old & X86_CR0_PG) && (val & X86_CR0_PG) &&
	    (s->efer & EFER_LME)) {
		if (!(s->cr4 & X86_CR4_PAE) || s->cs.l)
			return -EINVAL;
		s->efer |= EFER_LMA;
	}
	if ((old & X86_CR0_PG) && !(val & X86_CR0_PG)) {
		if (s->efer & EFER_LMA && s->cs.l)
			return -EINVAL;
		s->efer &= ~EFER_LMA;
	}
	s->cr0 = val | X86_CR0_ET;
	return 0;
}

/**
 * altp2m_vmx_write_cr - a guest MOV to CR0, CR3 or CR4
 * @vcpu: the vCPU, its lock held (preemptible: its run loop, or a
 *	monitor's response completing a parked write)
 * @cr: 0, 3 or 4
 * @val: the value the guest wrote
 *
 * Return: 0, or -EINVAL where the CPU would raise #GP (the state is then
 * unchanged).
 */
int altp2m_vmx_write_cr(struct altp2m_vcpu *vcpu, unsigned int cr, u64 val)
{
	u64 pdpte[ALTP2M_PAE_NR_PDPTES];
	struct altp2m_sregs old, s;
	bool load;
	int ret;

	lockdep_assert_held(&vcpu->lock);
	if ((cr != 3 && val >> 32) || (cr != 0 && cr != 3 && cr != 4))
		return -EINVAL;
	altp2m_vmx_vcpu_get(vcpu);
	altp2m_vmcs_read_sregs(vcpu, &old);
	altp2m_vmx_vcpu_put();
	s = old;
	if (cr == 3)
		ret = altp2m_vmx_new_cr3(&s, val);
	else if (cr == 4)
		ret = altp2m_vmx_new_cr4(&s, val);
	else
		ret = altp2m_vmx_new_cr0(&s, val);
	if (ret)
		return ret;

	/* MOV to CR3 always loads them under PAE paging. */
	load = altp2m_vmx_pae_paging(&s) &&
	       (cr == 3 ||
		(s.cr0 ^ old.cr0) & ALTP2M_CR0_PDPTE_BITS ||
		(s.cr4 ^ old.cr4) & ALTP2M_CR4_PDPTE_BITS);
	/*
	 * The PDPT is read with the VMCS put (reading guest memory may
	 * sleep); the vCPU's lock, held by its run loop, keeps every other
	 * thread off its VMCS meanwhile. A PDPT that is not RAM is a #GP too,
	 * as KVM makes it.
	 */
	if (load && altp2m_vmx_read_pdptes(vcpu, s.cr3, pdpte))
		return -EINVAL;

	altp2m_vmx_vcpu_get(vcpu);
	altp2m_vmcs_write_sregs(vcpu, &s);
	if (load)
		altp2m_vmcs_write_pdptes(pdpte);
	altp2m_vmx_vcpu_put();
	/* Done, as the guest sees it: a CR3 table moves the vCPU now. */
	if (cr == 3)
		altp2m_cr3_views_written(vcpu, s.cr3);
	return 0;
}
