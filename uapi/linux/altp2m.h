/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * altp2m: a small VMX + EPT hypervisor with Xen-style alternate p2m views.
 *
 * This is the one header userspace builds against. It describes the
 * character device /dev/altp2m and, as later parts of the interface land,
 * the VM and vCPU file descriptors it hands out and the generic netlink
 * family "altp2m".
 *
 * Conventions (they hold for every ioctl here, now and later):
 *
 *  - Every structure has fixed-width fields, natural alignment and explicit
 *    padding, so 32-bit and 64-bit userspace see the same layout. A shipped
 *    layout never changes; new fields go in new structures or take the
 *    place of reserved space that was required to be zero.
 *  - Every input structure starts with a __u32 flags field. Bits that are
 *    not defined for that call are rejected with EINVAL, as is any non-zero
 *    padding or reserved field. This keeps every unused bit available for
 *    future meaning.
 *  - Bad user pointers fail with EFAULT; an ioctl number the file does not
 *    know fails with ENOTTY.
 *
 * Discovery. ALTP2M_GET_API_VERSION returns ALTP2M_API_VERSION; a program
 * built against a different version must not proceed. ALTP2M_GET_CAPS
 * fills struct altp2m_caps with what the module found on this host: the
 * ALTP2M_CAP_* bits below, the VMCS revision, the number of views a VM may
 * have, and the raw VMX capability MSRs the module decoded, so a tool can
 * make its own finer decisions or report them in a bug.
 *
 * The module refuses to load on a CPU that cannot run it (no VMX, VMX
 * disabled by firmware, no EPT with a 4-level walk and write-back paging
 * structures, or no INVEPT), so an open /dev/altp2m always stands for a
 * usable host: ALTP2M_CAP_EPT is always set. The other bits are optional
 * hardware features; where the product emulates one that is missing (for
 * example VMFUNC EPTP switching), its bit still reports the hardware.
 */
#ifndef _UAPI_LINUX_ALTP2M_H
#define _UAPI_LINUX_ALTP2M_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

#define ALTP2M_API_VERSION	1

/* Free in the kernel's ioctl-number table (0xB8-0xBF unassigned in 6.x). */
#define ALTP2MIO		0xBA

/* Maximum number of views per VM, view 0 (the host p2m) included. */
#define ALTP2M_MAX_VIEWS	512

/*
 * Capability bits (struct altp2m_caps.caps). Bit numbers are ABI.
 *
 * EPT             extended page tables (always set: required to load)
 * EPT_EXEC_ONLY   EPT entries may be execute-only (x without r)
 * EPT_2M, EPT_1G  EPT leaf entries may map 2 MiB / 1 GiB
 * EPT_AD          EPT accessed and dirty flags
 * VPID            virtual-processor identifiers (tagged TLB)
 * VMFUNC_EPTP     VM function 0: a guest switches EPTP with VMFUNC,
 *                 without a VM exit
 * VE              EPT violations can be delivered to the guest as #VE
 * INVEPT_SINGLE   single-context INVEPT
 * INVEPT_ALL      all-context INVEPT
 * INVVPID         INVVPID (any type)
 * UNRESTRICTED    unrestricted guest (real mode and unpaged protected mode
 *                 guests run without emulation)
 */
#define ALTP2M_CAP_EPT			_BITULL(0)
#define ALTP2M_CAP_EPT_EXEC_ONLY	_BITULL(1)
#define ALTP2M_CAP_EPT_2M		_BITULL(2)
#define ALTP2M_CAP_EPT_1G		_BITULL(3)
#define ALTP2M_CAP_EPT_AD		_BITULL(4)
#define ALTP2M_CAP_VPID			_BITULL(5)
#define ALTP2M_CAP_VMFUNC_EPTP		_BITULL(6)
#define ALTP2M_CAP_VE			_BITULL(7)
#define ALTP2M_CAP_INVEPT_SINGLE	_BITULL(8)
#define ALTP2M_CAP_INVEPT_ALL		_BITULL(9)
#define ALTP2M_CAP_INVVPID		_BITULL(10)
#define ALTP2M_CAP_UNRESTRICTED		_BITULL(11)
#define ALTP2M_CAP_ALL			(_BITULL(12) - 1)

/*
 * struct altp2m_caps - what this host offers (ALTP2M_GET_CAPS)
 * @flags:         in: must be 0
 * @api_version:   out: ALTP2M_API_VERSION of the running module
 * @caps:          out: ALTP2M_CAP_* bits
 * @vmcs_revision: out: VMCS revision identifier (IA32_VMX_BASIC[30:0])
 * @max_views:     out: views a VM may have, view 0 included
 * @msr_vmx_basic: out: raw IA32_VMX_BASIC (0x480)
 * @msr_procbased_ctls:  out: raw IA32_VMX_(TRUE_)PROCBASED_CTLS
 * @msr_procbased_ctls2: out: raw IA32_VMX_PROCBASED_CTLS2 (0x48b), 0 if
 *                 secondary controls cannot be enabled
 * @msr_ept_vpid_cap: out: raw IA32_VMX_EPT_VPID_CAP (0x48c)
 * @msr_vmfunc:    out: raw IA32_VMX_VMFUNC (0x491), 0 if VMFUNC is absent
 * @reserved:      must be 0 on input; 0 on output until given a meaning
 */
struct altp2m_caps {
	__u32 flags;
	__u32 api_version;
	__u64 caps;
	__u32 vmcs_revision;
	__u32 max_views;
	__u64 msr_vmx_basic;
	__u64 msr_procbased_ctls;
	__u64 msr_procbased_ctls2;
	__u64 msr_ept_vpid_cap;
	__u64 msr_vmfunc;
	__u64 reserved[8];
};

/* ioctls on /dev/altp2m */
#define ALTP2M_GET_API_VERSION	_IO(ALTP2MIO, 0x00)
#define ALTP2M_GET_CAPS		_IOWR(ALTP2MIO, 0x01, struct altp2m_caps)

#endif /* _UAPI_LINUX_ALTP2M_H */
