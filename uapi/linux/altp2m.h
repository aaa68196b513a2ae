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

/*
 * struct altp2m_create_vm - ALTP2M_CREATE_VM
 * @flags: in: must be 0
 * @vm_id: in: must be 0; out: the VM's system-wide id (also in the VM
 *         fd's fdinfo); ids are small integers, reused only after the VM
 *         is gone
 * @reserved: must be 0
 *
 * The ioctl's return value is the new VM file descriptor (O_CLOEXEC).
 */
struct altp2m_create_vm {
	__u32 flags;
	__u32 vm_id;
	__u64 reserved[3];
};

/*
 * struct altp2m_memory_region - ALTP2M_SET_MEMORY_REGION on a VM fd
 * @slot:            0 .. ALTP2M_MAX_MEM_SLOTS - 1
 * @flags:           must be 0 (no flags are defined yet)
 * @guest_phys_addr: page aligned
 * @memory_size:     page aligned; 0 deletes the slot
 * @userspace_addr:  page aligned address in the caller's memory
 * @reserved:        must be 0
 *
 * Semantics are those of KVM_SET_USER_MEMORY_REGION: a new slot number
 * creates a region; the same slot with size 0 deletes it; the same slot
 * with the same size and userspace address but another guest_phys_addr
 * moves it; any other change to an existing slot is EINVAL, as is a range
 * that does not fit the guest physical address width or deleting a slot
 * that does not exist; a range that overlaps another slot is EEXIST; a
 * userspace range that cannot be pinned (not mapped, not writable) is
 * EFAULT. Changes are refused with EBUSY while a vCPU of the VM is running.
 */
struct altp2m_memory_region {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
	__u64 reserved[2];
};

#define ALTP2M_MAX_MEM_SLOTS	32
#define ALTP2M_MAX_VCPUS	64

/*
 * struct altp2m_create_vcpu - ALTP2M_CREATE_VCPU on a VM fd
 * @flags:   must be 0
 * @vcpu_id: 0 .. ALTP2M_MAX_VCPUS - 1, unique within the VM (EEXIST);
 *           the id is free again once the vCPU fd is closed
 * @reserved: must be 0
 *
 * Returns the vCPU file descriptor. mmap() of exactly ALTP2M_GET_RUN_SIZE
 * bytes at offset 0 of it gives the shared struct altp2m_run.
 */
struct altp2m_create_vcpu {
	__u32 flags;
	__u32 vcpu_id;
	__u64 reserved[3];
};

/* General-purpose registers (ALTP2M_GET_REGS / ALTP2M_SET_REGS). */
struct altp2m_regs {
	__u32 flags;
	__u32 pad;
	__u64 rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
	__u64 r8, r9, r10, r11, r12, r13, r14, r15;
	__u64 rip, rflags;
	__u64 reserved[4];
};

/*
 * A segment register in the descriptor's terms. @unusable marks a null or
 * unloaded segment (VMX's "unusable" bit); the other attributes are the
 * descriptor fields of the same names.
 */
struct altp2m_segment {
	__u64 base;
	__u32 limit;
	__u16 selector;
	__u8 type;
	__u8 present;
	__u8 dpl;
	__u8 db;
	__u8 s;
	__u8 l;
	__u8 g;
	__u8 avl;
	__u8 unusable;
	__u8 pad;
};

struct altp2m_dtable {
	__u64 base;
	__u16 limit;
	__u16 pad[3];
};

/* Special registers (ALTP2M_GET_SREGS / ALTP2M_SET_SREGS). */
struct altp2m_sregs {
	__u32 flags;
	__u32 pad;
	struct altp2m_segment cs, ds, es, fs, gs, ss, tr, ldt;
	struct altp2m_dtable gdt, idt;
	__u64 cr0, cr2, cr3, cr4, efer;
	__u64 reserved[8];
};

/*
 * MSRs (ALTP2M_GET_MSRS / ALTP2M_SET_MSRS). @entries points to @nmsrs
 * struct altp2m_msr_entry (at most ALTP2M_MAX_MSR_ENTRIES). A call is all
 * or nothing: an index the guest may not use (see Documentation/) makes it
 * fail with EINVAL before anything is read or written. The MSRs are
 * those listed in Documentation/uapi.rst (SYSENTER, SYSCALL, FS/GS and
 * KERNEL_GS base, PAT); EFER is part of struct altp2m_sregs. Returns 0.
 */
struct altp2m_msr_entry {
	__u32 index;
	__u32 pad;
	__u64 value;
};

#define ALTP2M_MAX_MSR_ENTRIES	64

struct altp2m_msrs {
	__u32 flags;
	__u32 nmsrs;
	__u64 entries;
	__u64 reserved[2];
};

/* Why ALTP2M_RUN returned (struct altp2m_run.exit_reason). */
#define ALTP2M_EXIT_UNKNOWN		0
#define ALTP2M_EXIT_IO			1
#define ALTP2M_EXIT_MMIO		2
#define ALTP2M_EXIT_HLT			3
#define ALTP2M_EXIT_HYPERCALL		4
#define ALTP2M_EXIT_SHUTDOWN		5
#define ALTP2M_EXIT_EPT_MISCONFIG	6
#define ALTP2M_EXIT_INTERNAL_ERROR	7
#define ALTP2M_EXIT_FAIL_ENTRY		8
#define ALTP2M_EXIT_INTR		9
#define ALTP2M_EXIT_NR			10

#define ALTP2M_IO_IN			0
#define ALTP2M_IO_OUT			1

/* struct altp2m_run.internal.suberror */
#define ALTP2M_INTERNAL_EMULATION	1
#define ALTP2M_INTERNAL_UNEXPECTED_EXIT	2
#define ALTP2M_INTERNAL_DELIVERY_EV	3

/*
 * struct altp2m_run - the page shared by a vCPU fd (mmap, offset 0)
 * @exit_reason: ALTP2M_EXIT_*, written by ALTP2M_RUN
 * @flags:       reserved, 0
 * @immediate_exit: if non-zero when ALTP2M_RUN is called, return EINTR
 *               without entering the guest (as KVM's field of that name)
 * @io:          ALTP2M_EXIT_IO: @count items of @size bytes (1, 2, 4) at
 *               @port; the data is at byte @data_offset of this page. For
 *               IN, userspace fills it in before the next ALTP2M_RUN.
 *               @count is 1 for IN/OUT; INS/OUTS (REP or not) come as
 *               one or more exits of @count items each, in the order the
 *               guest executes them, at most 3072 bytes and one guest
 *               page per exit. RIP moves past the instruction with its
 *               last exit, as for HLT and VMCALL.
 * @mmio:        ALTP2M_EXIT_MMIO: a @len byte access at @gpa, which no
 *               memory region backs; for a read, userspace fills @data
 *               before the next ALTP2M_RUN, which completes the access.
 * @hypercall:   ALTP2M_EXIT_HYPERCALL: VMCALL with rax = @nr and rbx, rcx,
 *               rdx, rsi, rdi in @args; @ret goes to rax on the next RUN.
 * @fail_entry:  ALTP2M_EXIT_FAIL_ENTRY: VM entry failed; the basic exit
 *               reason (33 invalid guest state, 34 MSR loading, 41 machine
 *               check) or, for checks the module runs itself before entry,
 *               the same numbers with @qualification naming the field.
 * @internal:    ALTP2M_EXIT_INTERNAL_ERROR: @suberror is one of
 *               ALTP2M_INTERNAL_*; @data holds @ndata values for a report.
 * @ept_misconfig: ALTP2M_EXIT_EPT_MISCONFIG: the faulting @gpa.
 */
struct altp2m_run {
	__u32 exit_reason;
	__u32 flags;
	__u8 immediate_exit;
	__u8 pad0[7];
	__u64 reserved0[2];
	union {
		struct {
			__u8 direction;
			__u8 size;
			__u16 port;
			__u32 count;
			__u64 data_offset;
		} io;
		struct {
			__u64 gpa;
			__u8 data[8];
			__u32 len;
			__u8 is_write;
			__u8 pad[3];
		} mmio;
		struct {
			__u64 nr;
			__u64 args[5];
			__u64 ret;
		} hypercall;
		struct {
			__u64 hardware_reason;
			__u64 qualification;
		} fail_entry;
		struct {
			__u32 suberror;
			__u32 ndata;
			__u64 data[8];
		} internal;
		struct {
			__u64 gpa;
		} ept_misconfig;
		__u8 padding[256];
	};
};

/*
 * Exit counts: struct altp2m_vcpu_stats (ALTP2M_GET_VCPU_STATS).
 * @exits[r] counts ALTP2M_RUN returns with exit_reason r; @hw_exits counts
 * every VM exit, including those handled in the module without returning.
 */
struct altp2m_vcpu_stats {
	__u32 flags;
	__u32 pad;
	__u64 hw_exits;
	__u64 exits[16];
	__u64 reserved[8];
};

/*
 * VM-wide counters: struct altp2m_vm_stats (ALTP2M_GET_VM_STATS, VM fd).
 * @flags:       in: must be 0
 * @nr_vcpus:    vCPUs that exist
 * @mem_pages:   4 KiB pages in memory regions (all pinned)
 * @ept_tables:  paging-structure pages of the host p2m (view 0)
 * @ept_maps_4k: guest RAM faults resolved with a 4 KiB mapping
 * @ept_maps_2m: guest RAM faults resolved with a 2 MiB mapping
 * @ept_flushes: times entries were removed from the host p2m (each makes
 *               the vCPUs flush cached translations before their next
 *               entry)
 * @reserved:    must be 0
 */
struct altp2m_vm_stats {
	__u32 flags;
	__u32 nr_vcpus;
	__u64 mem_pages;
	__u64 ept_tables;
	__u64 ept_maps_4k;
	__u64 ept_maps_2m;
	__u64 ept_flushes;
	__u64 reserved[8];
};

/*
 * ioctls on /dev/altp2m. ALTP2M_GET_API_VERSION and ALTP2M_GET_RUN_SIZE
 * (the bytes to mmap on a vCPU fd) take no argument: it must be 0.
 */
#define ALTP2M_GET_API_VERSION	_IO(ALTP2MIO, 0x00)
#define ALTP2M_GET_CAPS		_IOWR(ALTP2MIO, 0x01, struct altp2m_caps)
#define ALTP2M_CREATE_VM	_IOWR(ALTP2MIO, 0x02, struct altp2m_create_vm)
#define ALTP2M_GET_RUN_SIZE	_IO(ALTP2MIO, 0x03)

/* ioctls on a VM fd */
#define ALTP2M_SET_MEMORY_REGION _IOW(ALTP2MIO, 0x10, struct altp2m_memory_region)
#define ALTP2M_CREATE_VCPU	_IOW(ALTP2MIO, 0x11, struct altp2m_create_vcpu)
#define ALTP2M_GET_VM_STATS	_IOWR(ALTP2MIO, 0x12, struct altp2m_vm_stats)

/*
 * ioctls on a vCPU fd. ALTP2M_RUN's argument must be 0. Every VM and vCPU
 * ioctl from a process other than the VM's creator fails with EIO.
 */
#define ALTP2M_RUN		_IO(ALTP2MIO, 0x20)
#define ALTP2M_GET_REGS		_IOWR(ALTP2MIO, 0x21, struct altp2m_regs)
#define ALTP2M_SET_REGS		_IOW(ALTP2MIO, 0x22, struct altp2m_regs)
#define ALTP2M_GET_SREGS	_IOWR(ALTP2MIO, 0x23, struct altp2m_sregs)
#define ALTP2M_SET_SREGS	_IOW(ALTP2MIO, 0x24, struct altp2m_sregs)
#define ALTP2M_GET_MSRS		_IOWR(ALTP2MIO, 0x25, struct altp2m_msrs)
#define ALTP2M_SET_MSRS		_IOW(ALTP2MIO, 0x26, struct altp2m_msrs)
#define ALTP2M_GET_VCPU_STATS	_IOWR(ALTP2MIO, 0x27, struct altp2m_vcpu_stats)

#endif /* _UAPI_LINUX_ALTP2M_H */
