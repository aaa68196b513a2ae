// SPDX-License-Identifier: GPL-2.0
/*
 * Read the VMX capability MSRs on every online CPU and decide, through the
 * hardware-independent decoder in caps.c, whether altp2m can run here.
 *
 * /proc/cpuinfo is not enough: it does not list EPTP switching even where
 * IA32_VMX_VMFUNC has it, and the kernel's feature flags are about what the
 * kernel uses, not about what this module may. So the MSRs are read here,
 * with the _safe accessors: a hypervisor below us may fault on an MSR it
 * does not emulate, and that must end in a clean refusal, not an oops.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <asm/processor.h>
#include <asm/msr.h>

#include "../compat/compat.h"
#include "../core/caps.h"
#include "vmx.h"

#define ALTP2M_CPUID1_ECX_VMX	BIT(5)

static u64 altp2m_rdmsr_or_zero(u32 msr)
{
	u64 val;

	return rdmsrq_safe(msr, &val) ? 0 : val;
}

/* Runs on the CPU being probed, with interrupts off. */
static void altp2m_read_msrs_local(void *data)
{
	struct altp2m_vmx_msrs *m = data;
	u32 eax = 1, ebx, ecx = 0, edx;

	memset(m, 0, sizeof(*m));
	native_cpuid(&eax, &ebx, &ecx, &edx);
	m->has_vmx = ecx & ALTP2M_CPUID1_ECX_VMX;
	if (!m->has_vmx)
		return;

	m->feature_control = altp2m_rdmsr_or_zero(ALTP2M_MSR_FEATURE_CONTROL);
	m->basic = altp2m_rdmsr_or_zero(ALTP2M_MSR_VMX_BASIC);
	m->procbased = altp2m_rdmsr_or_zero(m->basic & ALTP2M_BASIC_TRUE_CTLS ?
					    ALTP2M_MSR_VMX_TRUE_PROCBASED_CTLS :
					    ALTP2M_MSR_VMX_PROCBASED_CTLS);
	if (!(m->procbased & ALTP2M_PROC_SECONDARY))
		return;
	m->procbased2 = altp2m_rdmsr_or_zero(ALTP2M_MSR_VMX_PROCBASED_CTLS2);
	if (m->procbased2 & (ALTP2M_PROC2_EPT | ALTP2M_PROC2_VPID))
		m->ept_vpid_cap =
			altp2m_rdmsr_or_zero(ALTP2M_MSR_VMX_EPT_VPID_CAP);
	if (m->procbased2 & ALTP2M_PROC2_VMFUNC)
		m->vmfunc = altp2m_rdmsr_or_zero(ALTP2M_MSR_VMX_VMFUNC);
}

/**
 * altp2m_vmx_probe - find out whether every online CPU can run altp2m
 * @hw: filled with the host's capabilities
 *
 * All CPUs must report the same capability MSRs: a VMCS built from one
 * CPU's view of them has to be valid on every CPU a vCPU may migrate to.
 *
 * Return: 0, or the decoder's error (-ENODEV, -EOPNOTSUPP), or -EIO when
 * CPUs disagree. The reason has been logged in one line.
 */
int altp2m_vmx_probe(struct altp2m_hw *hw)
{
	struct altp2m_vmx_msrs first, other;
	const char *why;
	int first_cpu, cpu, ret = 0;

	cpus_read_lock();
	first_cpu = cpumask_first(cpu_online_mask);
	smp_call_function_single(first_cpu, altp2m_read_msrs_local, &first, 1);
	for_each_online_cpu(cpu) {
		if (cpu == first_cpu)
			continue;
		smp_call_function_single(cpu, altp2m_read_msrs_local,
					 &other, 1);
		if (memcmp(&first, &other, sizeof(first))) {
			pr_err("cannot load: CPU %d and CPU %d report different VMX capabilities\n",
			       first_cpu, cpu);
			ret = -EIO;
			break;
		}
	}
	cpus_read_unlock();
	if (ret)
		return ret;

	ret = altp2m_caps_decode(&first, hw, &why);
	if (ret)
		pr_err("cannot load: %s\n", why);
	return ret;
}
