/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VMX instructions, wrapped.
 *
 * Every wrapper has an exception-table entry: a VMX instruction faults
 * (#UD) if VMX operation was turned off underneath us, which the kernel's
 * emergency reboot and crash paths do on every CPU without asking. Outside
 * such a shutdown a fault or a VMfail is a bug in this module; it is
 * reported once and turned into an error for the caller, never an oops.
 */
#ifndef ALTP2M_VMX_OPS_H
#define ALTP2M_VMX_OPS_H

#include <linux/bug.h>
#include <linux/types.h>
#include <asm/asm.h>
#include <asm/vmx.h>

void altp2m_vmx_insn_failed(const char *insn, u64 arg, bool fault);

static __always_inline int altp2m_vmxon(u64 pa)
{
	asm goto("1: vmxon %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [pa] "m" (pa) : "cc", "memory" : fail, fault);
	return 0;
fail:
	return -EIO;
fault:
	return -EFAULT;
}

static __always_inline int altp2m_vmclear(u64 pa)
{
	asm goto("1: vmclear %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [pa] "m" (pa) : "cc", "memory" : fail, fault);
	return 0;
fail:
	altp2m_vmx_insn_failed("vmclear", pa, false);
	return -EIO;
fault:
	altp2m_vmx_insn_failed("vmclear", pa, true);
	return -EIO;
}

static __always_inline int altp2m_vmptrld(u64 pa)
{
	asm goto("1: vmptrld %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [pa] "m" (pa) : "cc", "memory" : fail, fault);
	return 0;
fail:
	altp2m_vmx_insn_failed("vmptrld", pa, false);
	return -EIO;
fault:
	altp2m_vmx_insn_failed("vmptrld", pa, true);
	return -EIO;
}

static __always_inline u64 altp2m_vmread(unsigned long field)
{
	u64 val;

	asm goto("1: vmread %[field], %[val]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : [val] "=rm" (val)
		 : [field] "r" (field)
		 : "cc" : fail, fault);
	return val;
fail:
	altp2m_vmx_insn_failed("vmread", field, false);
	return 0;
fault:
	altp2m_vmx_insn_failed("vmread", field, true);
	return 0;
}

static __always_inline void altp2m_vmwrite(unsigned long field, u64 val)
{
	asm goto("1: vmwrite %[val], %[field]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [field] "r" (field), [val] "rm" (val)
		 : "cc" : fail, fault);
	return;
fail:
	altp2m_vmx_insn_failed("vmwrite", field, false);
	return;
fault:
	altp2m_vmx_insn_failed("vmwrite", field, true);
}

struct altp2m_invept_desc {
	u64 eptp;
	u64 reserved;
};

static __always_inline void altp2m_invept(unsigned long type, u64 eptp)
{
	struct altp2m_invept_desc desc = { .eptp = eptp };

	asm goto("1: invept %[desc], %[type]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fault])
		 : : [desc] "m" (desc), [type] "r" (type)
		 : "cc", "memory" : fail, fault);
	return;
fail:
	altp2m_vmx_insn_failed("invept", eptp, false);
	return;
fault:
	altp2m_vmx_insn_failed("invept", eptp, true);
}

#endif /* ALTP2M_VMX_OPS_H */
