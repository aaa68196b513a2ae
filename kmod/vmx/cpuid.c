// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID in the guest: the host's CPUID is read once when the module loads
 * and filtered (core/cpuid.c says what is kept and why) into the two
 * supported tables, for VMs without and with the in-kernel local APIC. A
 * VM answers from its own table (cpuid_ioctl.c), which is the supported
 * one until the VMM sets another, with the asking vCPU's id as APIC ID.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cache.h>
#include <asm/cpufeature.h>
#include <asm/processor.h>
#include <asm/tsc.h>

#include "../altp2m.h"
#include "../core/cpuid.h"
#include "../lapic.h"
#include "internal.h"

/* [0]: VMs without ALTP2M_VM_LAPIC, [1]: with it. Read-only after init. */
static struct altp2m_cpuid_entry altp2m_cpuid_sup[2][ALTP2M_MAX_CPUID_ENTRIES]
	__ro_after_init;
static unsigned int altp2m_cpuid_nsup[2] __ro_after_init;

static void altp2m_cpuid_native(void *opaque, u32 leaf, u32 subleaf,
				u32 out[ALTP2M_CPUID_NR_REGS])
{
	cpuid_count(leaf, subleaf, &out[ALTP2M_CPUID_EAX],
		    &out[ALTP2M_CPUID_EBX], &out[ALTP2M_CPUID_ECX],
		    &out[ALTP2M_CPUID_EDX]);
}

/*
 * Called once, from module init, after the VMCS controls are decided
 * (RDTSCP depends on them). The guest's TSC runs at the host's rate
 * (TSC offsetting, no scaling), so leaf 0x15 reports tsc_khz.
 */
void altp2m_vmx_cpuid_init(void)
{
	struct altp2m_cpuid_opts opts = {
		.tsc_khz = tsc_khz,
		.crystal_hz = ALTP2M_APIC_TIMER_HZ,
		.rdtscp = altp2m_vmx_cfg.rdtscp,
		.xcr0_mask = altp2m_vmx_cfg.xcr0_mask,
	};
	/* Only needed here, but too big for the stack. */
	static struct altp2m_cpuid_table t;

	altp2m_cpuid_build(&t, altp2m_cpuid_native, NULL, &opts);
	altp2m_cpuid_nsup[0] = altp2m_cpuid_supported(&t, false,
						      altp2m_cpuid_sup[0]);
	altp2m_cpuid_nsup[1] = altp2m_cpuid_supported(&t, true,
						      altp2m_cpuid_sup[1]);
}

/**
 * altp2m_vmx_cpuid_supported - the supported table
 * @lapic: for a VM with the in-kernel local APIC
 * @ent: set to its entries (module lifetime, read-only)
 *
 * Return: the number of entries.
 */
unsigned int altp2m_vmx_cpuid_supported(bool lapic,
					const struct altp2m_cpuid_entry **ent)
{
	*ent = altp2m_cpuid_sup[lapic];
	return altp2m_cpuid_nsup[lapic];
}

/**
 * altp2m_vmx_cpuid - a guest CPUID: EAX, EBX, ECX, EDX from EAX and ECX
 * @vcpu: the vCPU, in ALTP2M_RUN; the caller moves RIP past the instruction
 */
void altp2m_vmx_cpuid(struct altp2m_vcpu *vcpu)
{
	struct altp2m_cpuid_vcpu who = {
		.apic_id = vcpu->id, .xcr0 = vcpu->vmx.xcr0,
	};
	const struct altp2m_cpuid_entry *ent;
	u64 *gpr = vcpu->vmx.gpr;
	u32 out[ALTP2M_CPUID_NR_REGS];
	unsigned int n;

	who.osxsave = altp2m_vmx_read_cr(vcpu, 4) & X86_CR4_OSXSAVE;
	n = altp2m_vm_cpuid_table(vcpu->vm, &ent);
	altp2m_cpuid_answer_vcpu(ent, n, &who, gpr[ALTP2M_RAX],
				 gpr[ALTP2M_RCX], out);
	/* CPUID writes the 32-bit registers: bits 63:32 become 0. */
	gpr[ALTP2M_RAX] = out[ALTP2M_CPUID_EAX];
	gpr[ALTP2M_RBX] = out[ALTP2M_CPUID_EBX];
	gpr[ALTP2M_RCX] = out[ALTP2M_CPUID_ECX];
	gpr[ALTP2M_RDX] = out[ALTP2M_CPUID_EDX];
}
