// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID in the guest: answered from the table core/cpuid.c builds from
 * the host's CPUID when the module loads, so a guest sees the same values
 * on every host CPU, its vCPU id as APIC ID and a topology of its own
 * (see core/cpuid.c for what is kept and why).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cache.h>
#include <asm/processor.h>

#include "../altp2m.h"
#include "../core/cpuid.h"
#include "internal.h"

static struct altp2m_cpuid_table altp2m_cpuid_table __ro_after_init;

static void altp2m_cpuid_native(void *opaque, u32 leaf, u32 subleaf,
				u32 out[ALTP2M_CPUID_NR_REGS])
{
	cpuid_count(leaf, subleaf, &out[ALTP2M_CPUID_EAX],
		    &out[ALTP2M_CPUID_EBX], &out[ALTP2M_CPUID_ECX],
		    &out[ALTP2M_CPUID_EDX]);
}

/* Called once, from module init (the table is read-only after it). */
void altp2m_vmx_cpuid_init(void)
{
	altp2m_cpuid_build(&altp2m_cpuid_table, altp2m_cpuid_native, NULL);
}

/**
 * altp2m_vmx_cpuid - a guest CPUID: EAX, EBX, ECX, EDX from EAX and ECX
 * @vcpu: the vCPU; the caller moves RIP past the instruction
 */
void altp2m_vmx_cpuid(struct altp2m_vcpu *vcpu)
{
	u64 *gpr = vcpu->vmx.gpr;
	u32 out[ALTP2M_CPUID_NR_REGS];

	altp2m_cpuid_guest(&altp2m_cpuid_table, vcpu->id, gpr[ALTP2M_RAX],
			   gpr[ALTP2M_RCX], out);
	/* CPUID writes the 32-bit registers: bits 63:32 become 0. */
	gpr[ALTP2M_RAX] = out[ALTP2M_CPUID_EAX];
	gpr[ALTP2M_RBX] = out[ALTP2M_CPUID_EBX];
	gpr[ALTP2M_RCX] = out[ALTP2M_CPUID_ECX];
	gpr[ALTP2M_RDX] = out[ALTP2M_CPUID_EDX];
}
