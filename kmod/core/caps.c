// SPDX-License-Identifier: GPL-2.0
/*
 * Decide from the VMX capability MSRs whether altp2m can run on a CPU and
 * which optional features it has. See caps.h.
 *
 * The rules follow the Intel SDM, volume 3, appendix A: a control is usable
 * only when its allowed-1 bit is set, and a capability MSR is meaningful
 * only when the control that introduces it is usable. altp2m needs EPT with
 * a 4-level walk, write-back paging structures and some form of INVEPT; all
 * the rest (VMFUNC, #VE, large pages, A/D bits, VPID) is optional and only
 * reported.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/altp2m.h>

#include "caps.h"

#define ALTP2M_PAGE_BYTES	4096

static const char *const altp2m_cap_names[] = {
	"EPT", "exec-only", "2M", "1G", "A/D", "VPID", "VMFUNC-EPTP", "#VE",
	"INVEPT-single", "INVEPT-all", "INVVPID", "unrestricted",
};

static_assert(ARRAY_SIZE(altp2m_cap_names) == ilog2(ALTP2M_CAP_ALL + 1));

static int altp2m_check_vmx_usable(const struct altp2m_vmx_msrs *m,
				   const char **why)
{
	u64 fc = m->feature_control;
	u64 memtype, size;

	if (!m->has_vmx) {
		*why = "CPU has no VMX (CPUID.1:ECX.VMX is clear)";
		return -ENODEV;
	}
	/* VMXON faults unless firmware locked VMX on outside SMX. */
	if (!(fc & ALTP2M_FC_LOCKED)) {
		*why = "IA32_FEATURE_CONTROL is not locked by firmware";
		return -EOPNOTSUPP;
	}
	if (!(fc & ALTP2M_FC_VMX_OUTSIDE_SMX)) {
		*why = "VMX is disabled by firmware (IA32_FEATURE_CONTROL)";
		return -EOPNOTSUPP;
	}
	if (m->basic & ALTP2M_BASIC_32BIT_ADDR) {
		*why = "VMX structures are limited to 32-bit addresses";
		return -EOPNOTSUPP;
	}
	memtype = (m->basic >> ALTP2M_BASIC_MEMTYPE_SHIFT) &
		  ALTP2M_BASIC_MEMTYPE_MASK;
	if (memtype != ALTP2M_MEMTYPE_WB) {
		*why = "VMCS memory type is not write-back";
		return -EOPNOTSUPP;
	}
	size = (m->basic >> ALTP2M_BASIC_SIZE_SHIFT) & ALTP2M_BASIC_SIZE_MASK;
	if (!size || size > ALTP2M_PAGE_BYTES) {
		*why = "VMCS region size is not within one page";
		return -EOPNOTSUPP;
	}
	if (!(m->procbased & ALTP2M_PROC_SECONDARY)) {
		*why = "no secondary processor-based VM-execution controls";
		return -EOPNOTSUPP;
	}
	return 0;
}

static int altp2m_check_ept_usable(const struct altp2m_vmx_msrs *m,
				   const char **why)
{
	u64 ept = m->ept_vpid_cap;

	if (!(m->procbased2 & ALTP2M_PROC2_EPT)) {
		*why = "no EPT (extended page tables)";
		return -EOPNOTSUPP;
	}
	if (!(ept & ALTP2M_EPTCAP_WALK_4)) {
		*why = "EPT does not support a 4-level page walk";
		return -EOPNOTSUPP;
	}
	if (!(ept & ALTP2M_EPTCAP_WB)) {
		*why = "EPT paging structures cannot be write-back";
		return -EOPNOTSUPP;
	}
	if (!(ept & ALTP2M_EPTCAP_INVEPT) ||
	    !(ept & (ALTP2M_EPTCAP_INVEPT_SINGLE | ALTP2M_EPTCAP_INVEPT_ALL))) {
		*why = "no usable INVEPT";
		return -EOPNOTSUPP;
	}
	return 0;
}

static u64 altp2m_optional_caps(const struct altp2m_vmx_msrs *m)
{
	u64 ept = m->ept_vpid_cap;
	u64 caps = ALTP2M_CAP_EPT;

	if (ept & ALTP2M_EPTCAP_EXEC_ONLY)
		caps |= ALTP2M_CAP_EPT_EXEC_ONLY;
	if (ept & ALTP2M_EPTCAP_2M)
		caps |= ALTP2M_CAP_EPT_2M;
	if (ept & ALTP2M_EPTCAP_1G)
		caps |= ALTP2M_CAP_EPT_1G;
	if (ept & ALTP2M_EPTCAP_AD)
		caps |= ALTP2M_CAP_EPT_AD;
	if (ept & ALTP2M_EPTCAP_INVEPT_SINGLE)
		caps |= ALTP2M_CAP_INVEPT_SINGLE;
	if (ept & ALTP2M_EPTCAP_INVEPT_ALL)
		caps |= ALTP2M_CAP_INVEPT_ALL;
	/* VPID is only worth having with INVVPID to flush what it tags. */
	if (m->procbased2 & ALTP2M_PROC2_VPID) {
		caps |= ALTP2M_CAP_VPID;
		if (ept & ALTP2M_EPTCAP_INVVPID)
			caps |= ALTP2M_CAP_INVVPID;
	}
	if ((m->procbased2 & ALTP2M_PROC2_VMFUNC) &&
	    (m->vmfunc & ALTP2M_VMFUNC_EPTP_SWITCHING))
		caps |= ALTP2M_CAP_VMFUNC_EPTP;
	if (m->procbased2 & ALTP2M_PROC2_EPT_VE)
		caps |= ALTP2M_CAP_VE;
	if (m->procbased2 & ALTP2M_PROC2_UNRESTRICTED)
		caps |= ALTP2M_CAP_UNRESTRICTED;
	return caps;
}

/**
 * altp2m_caps_decode - decide whether a CPU can run altp2m
 * @msrs: the CPU's raw capability state
 * @hw: filled with the usable capabilities on success, zeroed on failure
 * @why: on failure, a one-line reason meant for the kernel log
 *
 * Return: 0, -ENODEV when the CPU has no VMX at all, or -EOPNOTSUPP when
 * VMX is there but unusable or lacks something altp2m requires.
 */
int altp2m_caps_decode(const struct altp2m_vmx_msrs *msrs,
		       struct altp2m_hw *hw, const char **why)
{
	int ret;

	memset(hw, 0, sizeof(*hw));
	ret = altp2m_check_vmx_usable(msrs, why);
	if (!ret)
		ret = altp2m_check_ept_usable(msrs, why);
	if (ret)
		return ret;

	hw->caps = altp2m_optional_caps(msrs);
	hw->vmcs_revision = msrs->basic & ALTP2M_BASIC_REVISION_MASK;
	hw->vmcs_size = (msrs->basic >> ALTP2M_BASIC_SIZE_SHIFT) &
			ALTP2M_BASIC_SIZE_MASK;
	hw->msrs = *msrs;
	*why = NULL;
	return 0;
}

/**
 * altp2m_caps_describe - name the set capability bits, space separated
 * @caps: ALTP2M_CAP_* bits
 * @buf: output, always NUL-terminated when @len > 0
 * @len: size of @buf
 *
 * Return: the length of the string written, or -ENOSPC if it did not fit
 * (@buf then holds as many whole names as fitted).
 */
int altp2m_caps_describe(u64 caps, char *buf, size_t len)
{
	size_t used = 0;
	unsigned int i;

	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(altp2m_cap_names); i++) {
		const char *name = altp2m_cap_names[i];
		size_t need = strlen(name) + (used ? 1 : 0);

		if (!(caps & BIT_ULL(i)))
			continue;
		if (used + need >= len)
			return -ENOSPC;
		if (used)
			buf[used++] = ' ';
		memcpy(buf + used, name, strlen(name) + 1);
		used += strlen(name);
	}
	return used;
}

/**
 * altp2m_caps_fill - answer ALTP2M_GET_CAPS
 * @hw: the host's decoded capabilities
 * @out: the caller's structure, as copied in from userspace
 *
 * @gpa_bits is the caller's to fill (it needs the host's CPU data).
 *
 * Return: 0, or -EINVAL if @out carries flags or reserved bits the caller
 * must leave zero; @out is then left untouched.
 */
int altp2m_caps_fill(const struct altp2m_hw *hw, struct altp2m_caps *out)
{
	unsigned int i;

	if (out->flags || out->features || out->gpa_bits || out->pad)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(out->reserved); i++)
		if (out->reserved[i])
			return -EINVAL;

	memset(out, 0, sizeof(*out));
	out->api_version = ALTP2M_API_VERSION;
	out->caps = hw->caps;
	out->vmcs_revision = hw->vmcs_revision;
	out->max_views = ALTP2M_MAX_VIEWS;
	out->msr_vmx_basic = hw->msrs.basic;
	out->msr_procbased_ctls = hw->msrs.procbased;
	out->msr_procbased_ctls2 = hw->msrs.procbased2;
	out->msr_ept_vpid_cap = hw->msrs.ept_vpid_cap;
	out->msr_vmfunc = hw->msrs.vmfunc;
	out->features = ALTP2M_MODULE_FEATURES;
	return 0;
}
