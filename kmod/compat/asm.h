/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel compatibility for the assembly files (see compat.h for the
 * rules). Include after asm/nospec-branch.h.
 */
#ifndef ALTP2M_COMPAT_ASM_H
#define ALTP2M_COMPAT_ASM_H

/*
 * 7.0 dropped VM_CLEAR_CPU_BUFFERS when KVM moved the MMIO Stale Data
 * decision into its own VM-entry code. The unconditional half is what
 * the macro did: VERW before entry when the kernel asks for it for VMs.
 * The MMIO-only half (X86_FEATURE_CLEAR_CPU_BUF_VM_MMIO) is for guests
 * with host MMIO mapped, which altp2m guests never have.
 */
#ifndef VM_CLEAR_CPU_BUFFERS
#define VM_CLEAR_CPU_BUFFERS \
	ALTERNATIVE "", __CLEAR_CPU_BUFFERS, X86_FEATURE_CLEAR_CPU_BUF_VM
#endif

/*
 * The NMI entry that runs on the current stack (no IST), for an NMI that
 * caused a VM exit: 6.9 renamed it for KVM's use (and FRED).
 */
#ifdef ALTP2M_HAVE_EXC_NMI_KVM_VMX
#define ALTP2M_ASM_EXC_NMI_NOIST asm_exc_nmi_kvm_vmx
#else
#define ALTP2M_ASM_EXC_NMI_NOIST asm_exc_nmi_noist
#endif

#endif /* ALTP2M_COMPAT_ASM_H */
