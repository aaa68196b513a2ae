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
 * @features:      out: ALTP2M_FEATURE_* bits, what this module implements
 *                 (it took the place of reserved space in API version 1:
 *                 0 from modules that predate it)
 * @gpa_bits:      out: the guest-physical address width the module takes
 *                 (memory regions, hidden frames, breakpoints): the host's
 *                 MAXPHYADDR, at most 48 (reserved space before: 0 from
 *                 modules that predate it)
 * @pad:           must be 0 on input
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
	__u64 features;
	__u32 gpa_bits;
	__u32 pad;
	__u64 reserved[6];
};

/*
 * struct altp2m_create_vm - ALTP2M_CREATE_VM
 * @flags: in: ALTP2M_VM_LAPIC for an in-kernel local APIC per vCPU (see
 *         "Interrupts, the local APIC" below); other bits EINVAL
 * @vm_id: in: must be 0; out: the VM's system-wide id (also in the VM
 *         fd's fdinfo), 1 .. 2^31 - 1, handed out cyclically: reused only
 *         after the VM is gone and the counter went round
 * @reserved: must be 0
 *
 * The ioctl's return value is the new VM file descriptor (O_CLOEXEC).
 * vm_id is written before the fd exists: EFAULT leaves no fd and no VM.
 * EDQUOT: the caller's real uid has max_vms_per_user VMs (a module
 * parameter; CAP_SYS_RESOURCE is exempt).
 */
#define ALTP2M_VM_LAPIC		_BITUL(0)

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
 * A region larger than ALTP2M_MAX_MEMORY_SIZE is E2BIG; one the host could
 * never pin (larger than its RAM, or beyond RLIMIT_MEMLOCK without
 * CAP_IPC_LOCK) is ENOMEM, refused before anything is allocated for it.
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
/* The largest memory_size of one region (512 GiB); use more slots. */
#define ALTP2M_MAX_MEMORY_SIZE	0x8000000000ULL
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
#define ALTP2M_EXIT_VIEW_VIOLATION	10
#define ALTP2M_EXIT_EOI			11
#define ALTP2M_EXIT_NR			12

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
 * @eoi:         ALTP2M_EXIT_EOI: the guest's local APIC ended the
 *               level-triggered interrupt @vector (ALTP2M_VM_LAPIC VMs;
 *               see "Interrupts, the local APIC"). Nothing to complete.
 * @violation:   ALTP2M_EXIT_VIEW_VIOLATION: the guest accessed guest RAM
 *               in a way the access of its gfn in the vCPU's view does not
 *               allow. @view: that view; @gpa: the address; @gla: the
 *               linear address, when @flags has ALTP2M_VIOLATION_GLA_VALID;
 *               @access: what was attempted (ALTP2M_VIOLATION_R/W/X, more
 *               than one for a read-modify-write); @entry_access: the gfn's
 *               ALTP2M_ACCESS_* at the time (rx2rw or n2rwx has then been
 *               promoted, flagged ALTP2M_VIOLATION_PROMOTED);
 *               @qualification: the raw exit qualification (Intel SDM,
 *               "Exit Qualification for EPT Violations"). The instruction
 *               did not complete: the next ALTP2M_RUN executes it again,
 *               so it succeeds if the access has been relaxed meanwhile and
 *               exits again if not. An event whose delivery caused the
 *               violation is delivered again. INS and OUTS, which the
 *               module carries out, are checked against the view the
 *               same way before any port access; their @qualification
 *               is built by the module (access bits, linear address
 *               valid, final translation).
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
		struct {
			__u8 vector;
			__u8 pad[7];
		} eoi;
		struct {
			__u64 gpa;
			__u64 gla;
			__u64 qualification;
			__u32 view;
			__u8 access;
			__u8 entry_access;
			__u8 flags;
			__u8 pad;
		} violation;
		__u8 padding[256];
	};
};

/* struct altp2m_run.violation.access: what the guest attempted */
#define ALTP2M_VIOLATION_R		_BITUL(0)
#define ALTP2M_VIOLATION_W		_BITUL(1)
#define ALTP2M_VIOLATION_X		_BITUL(2)
/*
 * struct altp2m_run.violation.flags. GLA_FINAL: with GLA_VALID, the access
 * was to the final translation of @gla; without it, to a guest
 * paging-structure entry while translating @gla.
 */
#define ALTP2M_VIOLATION_GLA_VALID	_BITUL(0)
#define ALTP2M_VIOLATION_GLA_FINAL	_BITUL(1)
#define ALTP2M_VIOLATION_PROMOTED	_BITUL(2)

/*
 * Exit counts: struct altp2m_vcpu_stats (ALTP2M_GET_VCPU_STATS).
 * @exits[r] counts ALTP2M_RUN returns with exit_reason r; @hw_exits counts
 * every VM exit, including those handled in the module without returning;
 * @ept_violation_exits the EPT-violation exits among them (lazy fills,
 * violations, MMIO), @vmfunc_exits the VMFUNC exits (a VMFUNC the CPU
 * refused: #UD for the guest), and @guest_view_switches the times an exit
 * found the vCPU on another view than it entered on (the guest switched
 * with VMFUNC, without an exit). These three took the place of reserved
 * space in API version 1, as did the next five: @irqs_injected external
 * interrupts and @nmis_injected NMIs delivered to the guest (counted at
 * the exit that shows them delivered), @irq_window_exits the exits that
 * only opened a window for one, @halts_blocked the HLTs the vCPU slept in
 * the kernel for (ALTP2M_VM_LAPIC), @apic_exits the exits for the local
 * APIC (xAPIC page accesses and x2APIC MSRs).
 */
struct altp2m_vcpu_stats {
	__u32 flags;
	__u32 pad;
	__u64 hw_exits;
	__u64 exits[16];
	__u64 ept_violation_exits;
	__u64 vmfunc_exits;
	__u64 guest_view_switches;
	__u64 irqs_injected;
	__u64 nmis_injected;
	__u64 irq_window_exits;
	__u64 halts_blocked;
	__u64 apic_exits;
};

/*
 * VM-wide counters: struct altp2m_vm_stats (ALTP2M_GET_VM_STATS, VM fd).
 * @flags:       in: must be 0
 * @nr_vcpus:    vCPUs that exist
 * @mem_pages:   4 KiB pages in memory regions (all pinned)
 * @ept_tables:  paging-structure pages of the host p2m (view 0)
 * @ept_maps_4k: 4 KiB leaves filled lazily, in every view (on a guest
 *               access or for a view operation)
 * @ept_maps_2m: 2 MiB leaves filled lazily, in every view
 * @ept_flushes: flushes of the host p2m (view 0) alone
 * @invept:      flushes of any view, view 0 included: each is one
 *               single-context INVEPT of that view's EPTP on every CPU
 *               that may hold its translations. Every operation flushes
 *               each view it changed at most once, after all its writes
 * @view_events: violations reported (ALTP2M_EXIT_VIEW_VIOLATION)
 * @view_promotions: rx2rw and n2rwx entries promoted by a violation
 * @remaps_invalidated: remaps dropped because their target stopped being
 *               guest RAM
 * @view_splits: 2 MiB leaves split to change part of them
 * @nr_views:    views that exist, view 0 included
 * @nr_hidden:   hidden frames ("Hidden frames"; took the place of
 *               reserved space)
 * @reserved:    must be 0
 *
 * The fields from @invept on took the place of reserved space in API
 * version 1, which is why they read 0 from modules that predate them.
 */
struct altp2m_vm_stats {
	__u32 flags;
	__u32 nr_vcpus;
	__u64 mem_pages;
	__u64 ept_tables;
	__u64 ept_maps_4k;
	__u64 ept_maps_2m;
	__u64 ept_flushes;
	__u64 invept;
	__u64 view_events;
	__u64 view_promotions;
	__u64 remaps_invalidated;
	__u64 view_splits;
	__u64 nr_views;
	__u64 nr_hidden;
	__u64 reserved[1];
};

/*
 * Views (alternate p2m), on a VM fd. The model is Xen's altp2m; see
 * Documentation/views.rst for the full semantics and the places where
 * this interface differs from Xen's.
 *
 * View 0 is the host p2m: it always exists and every vCPU starts on it.
 * ALTP2M_VIEWS_ENABLE allows views 1 .. max_views - 1; ALTP2M_CREATE_VIEW
 * makes one, empty, with a default access, at the lowest free index. A
 * view fills lazily: the first guest access to a gfn it does not hold
 * copies the host's entry (frame, memory type, size) with the view's
 * default access and suppress-#VE set. Only guest RAM enters a view; an
 * access to anything else is MMIO for the VMM, in every view.
 *
 * Gfns are guest-physical frame numbers (address >> 12), below 2^36.
 * Changing an entry the CPU may have cached flushes that view once per
 * call, on every CPU, before the call returns: when it returns, no vCPU
 * can still use the old entry.
 *
 * Errors common to the view ioctls: EOPNOTSUPP when views are not enabled
 * and the call names a view other than 0; EINVAL for unknown flags,
 * non-zero padding or reserved fields, a view index at or beyond
 * max_views, a gfn beyond the limit or an access code the CPU cannot
 * express; ENOENT for a view that does not exist; ESRCH for a gfn that is
 * not guest RAM; ENOMEM.
 */

/*
 * Access of a gfn in a view (Xen's xenmem_access_t numbering). W and WX
 * are write-without-read, which EPT calls a misconfiguration: refused. X
 * (execute-only) needs ALTP2M_CAP_EPT_EXEC_ONLY. RX2RW and N2RWX promote
 * themselves to RW and RWX on the first violation, which is still
 * reported. DEFAULT is the host's access (RWX).
 */
#define ALTP2M_ACCESS_N		0
#define ALTP2M_ACCESS_R		1
#define ALTP2M_ACCESS_W		2
#define ALTP2M_ACCESS_RW	3
#define ALTP2M_ACCESS_X		4
#define ALTP2M_ACCESS_RX	5
#define ALTP2M_ACCESS_WX	6
#define ALTP2M_ACCESS_RWX	7
#define ALTP2M_ACCESS_RX2RW	8
#define ALTP2M_ACCESS_N2RWX	9
#define ALTP2M_ACCESS_DEFAULT	10

/* "No gfn": a remap target that reverts; a finished dump's cursor. */
#define ALTP2M_GFN_INVALID	(~(__u64)0)

/*
 * struct altp2m_views_enable - ALTP2M_VIEWS_ENABLE
 * @flags:     must be 0
 * @max_views: view indices will be below it: 1 .. ALTP2M_MAX_VIEWS, or 0
 *             for 10 (Xen's MAX_ALTP2M)
 * @mode:      ALTP2M_MODE_*, what the guest may do itself (see below)
 * @pad:       must be 0
 * @reserved:  must be 0
 *
 * EEXIST when already enabled. ALTP2M_VIEWS_DISABLE (argument 0) destroys
 * every view but 0 and every remap; EBUSY while a vCPU is on a view other
 * than 0 (Xen moves them to view 0 instead). Disabling when not enabled
 * succeeds.
 */
struct altp2m_views_enable {
	__u32 flags;
	__u32 max_views;
	__u32 mode;
	__u32 pad;
	__u64 reserved[2];
};

/*
 * struct altp2m_views_enable.mode: what the guest itself may do with
 * views (Xen's altp2m modes). EXTERNAL (0, the default): nothing, only
 * the host operates on views. MIXED: the guest may also create, destroy
 * and switch views and set access, suppress-#VE and remaps in them, as
 * the host can. LIMITED: the guest may only register and drop its own
 * #VE information page.
 *
 * The guest calls with VMCALL at CPL 0: RAX = ALTP2M_HC_BASE + one of
 * ALTP2M_HC_*, arguments in RBX, RCX, RDX; the result comes back in RAX,
 * 0 (or a view index) or a negative errno: EPERM for a call the mode
 * (or a CPL other than 0) does not allow, EOPNOTSUPP when views are not
 * enabled (for the view calls), EINVAL for an unknown call, and the
 * errors of the matching ioctl. These VMCALLs never exit to userspace;
 * every other VMCALL is ALTP2M_EXIT_HYPERCALL as before.
 *
 *   ALTP2M_HC_GET_MODE       -> the mode (any mode)
 *   ALTP2M_HC_VE_ENABLE      RBX = gfn of this vCPU's #VE page
 *   ALTP2M_HC_VE_DISABLE     (this vCPU)
 *   ALTP2M_HC_CREATE_VIEW    RBX = default access -> the view index
 *   ALTP2M_HC_DESTROY_VIEW   RBX = view
 *   ALTP2M_HC_SWITCH_VIEW    RBX = view (this vCPU, from its next entry)
 *   ALTP2M_HC_SET_ACCESS     RBX = view, RCX = gfn, RDX = access
 *   ALTP2M_HC_SET_SVE        RBX = view, RCX = gfn, RDX = 0 or 1
 *   ALTP2M_HC_REMAP          RBX = view, RCX = gfn, RDX = target gfn
 */
#define ALTP2M_MODE_EXTERNAL		0
#define ALTP2M_MODE_MIXED		1
#define ALTP2M_MODE_LIMITED		2

#define ALTP2M_HC_BASE			0x61700000ULL	/* "ap" */
#define ALTP2M_HC_GET_MODE		0
#define ALTP2M_HC_VE_ENABLE		1
#define ALTP2M_HC_VE_DISABLE		2
#define ALTP2M_HC_CREATE_VIEW		3
#define ALTP2M_HC_DESTROY_VIEW		4
#define ALTP2M_HC_SWITCH_VIEW		5
#define ALTP2M_HC_SET_ACCESS		6
#define ALTP2M_HC_SET_SVE		7
#define ALTP2M_HC_REMAP			8
#define ALTP2M_HC_NR			9

/*
 * struct altp2m_view_create - ALTP2M_CREATE_VIEW
 * @flags:          must be 0
 * @default_access: ALTP2M_ACCESS_*, what lazy fill gives (DEFAULT: rwx)
 * @view:           in: 0; out: the new view's index, the lowest free one
 * @reserved:       must be 0
 *
 * ENOSPC when every index below max_views is taken.
 */
struct altp2m_view_create {
	__u32 flags;
	__u16 default_access;
	__u16 view;
	__u64 reserved[3];
};

/*
 * struct altp2m_view_destroy - ALTP2M_DESTROY_VIEW
 * @flags:    must be 0
 * @view:     the view; its remaps go with it
 * @reserved: must be 0
 *
 * EBUSY for view 0 and for a view any vCPU is on.
 */
struct altp2m_view_destroy {
	__u32 flags;
	__u32 view;
	__u64 reserved[3];
};

/*
 * struct altp2m_gfn_set - ALTP2M_SET_MEM_ACCESS, ALTP2M_SET_SUPPRESS_VE
 * @flags:  0: a range, @npages gfns from @gfn all get @value;
 *          ALTP2M_GFN_SET_LIST: a list, @npages gfns read from the __u64
 *          array at @gfns, each with its own value from the __u8 array at
 *          @values (@gfn and @value must then be 0)
 * @view:   the view
 * @gfn:    the first gfn of a range
 * @npages: gfns in the range, >= 1; for a list, 1 .. ALTP2M_GFN_LIST_MAX
 * @gfns:   list only (else 0): user address of the gfns
 * @values: list only (else 0): user address of the values
 * @value:  range only: the value
 * @pad:    must be 0
 * @reserved: must be 0
 *
 * Values: ALTP2M_ACCESS_* for SET_MEM_ACCESS, 0 or 1 for SET_SUPPRESS_VE.
 * Gfns the view does not hold yet are filled first. Every gfn must be
 * guest RAM or held by the view (a remap whose own gfn left guest RAM
 * stays held); ESRCH otherwise. A call is all or nothing: it validates
 * every gfn and value and allocates every page table it needs before it
 * changes any entry, so a failure leaves every view as it was.
 *
 * Setting access in view 0 changes the host p2m: every view that holds
 * the gfn mirroring view 0 takes the new access too (Xen's rule), and
 * views filled later start from their own default access. The
 * suppress-#VE bit is per view and never propagates.
 */
struct altp2m_gfn_set {
	__u32 flags;
	__u32 view;
	__u64 gfn;
	__u64 npages;
	__u64 gfns;
	__u64 values;
	__u8 value;
	__u8 pad[7];
	__u64 reserved[2];
};

#define ALTP2M_GFN_SET_LIST	_BITUL(0)
#define ALTP2M_GFN_LIST_MAX	(1024 * 1024)

/*
 * struct altp2m_gfn_get - ALTP2M_GET_MEM_ACCESS
 * @flags:       must be 0
 * @view:        the view
 * @gfn:         the gfn
 * @access:      out: its ALTP2M_ACCESS_* in the view
 * @suppress_ve: out: its suppress-#VE bit in the view
 * @pad:         must be 0
 * @reserved:    must be 0
 *
 * ESRCH for a gfn the view does not hold (a view other than 0 that never
 * filled it, as Xen) or, in view 0, a gfn that is not guest RAM; view 0
 * reports a guest RAM gfn it has not filled yet as rwx with suppress-#VE
 * set, what filling gives.
 */
struct altp2m_gfn_get {
	__u32 flags;
	__u32 view;
	__u64 gfn;
	__u8 access;
	__u8 suppress_ve;
	__u8 pad[6];
	__u64 reserved[2];
};

/*
 * struct altp2m_gfn_remap - ALTP2M_REMAP_GFN (Xen's change_gfn)
 * @flags:    must be 0
 * @view:     the view, not 0 (EINVAL)
 * @gfn:      the gfn whose entry changes
 * @target:   the gfn whose frame @gfn maps from now on in @view; @gfn
 *            itself or ALTP2M_GFN_INVALID reverts @gfn to lazy fill
 * @reserved: must be 0
 *
 * @gfn and @target must each be guest RAM or held by the view (ESRCH).
 * The new entry copies the frame, memory type and access @target has in
 * the view, with suppress-#VE set; when @target is itself remapped there,
 * that is its own target's frame, and the remap is recorded against that
 * gfn (so remaps never chain). When
 * the target stops being guest RAM (its region deleted or moved), exactly
 * the remaps to it revert; remaps to other gfns survive.
 */
struct altp2m_gfn_remap {
	__u32 flags;
	__u32 view;
	__u64 gfn;
	__u64 target;
	__u64 reserved[2];
};

/*
 * struct altp2m_view_info - one view, as ALTP2M_LIST_VIEWS reports it
 * @view:           its index
 * @vcpus_on:       vCPUs on it
 * @default_access: its default access
 * @nr_leaves:      EPT leaves it holds (a 2 MiB leaf counts one)
 * @nr_pages:       4 KiB frames those leaves map
 * @nr_tables:      page-table pages it uses, its root included
 * @nr_remaps:      remapped gfns
 */
struct altp2m_view_info {
	__u32 view;
	__u32 vcpus_on;
	__u8 default_access;
	__u8 pad[7];
	__u64 nr_leaves;
	__u64 nr_pages;
	__u64 nr_tables;
	__u64 nr_remaps;
	__u64 reserved[2];
};

/*
 * struct altp2m_view_list - ALTP2M_LIST_VIEWS
 * @flags:    must be 0
 * @cursor:   in: the first index to report (0 to start); out: where to go
 *            on, ALTP2M_MAX_VIEWS when every view has been reported
 * @nr:       in: room at @entries, 1 .. ALTP2M_MAX_VIEWS; out: entries
 *            written
 * @pad:      must be 0
 * @entries:  user address of @nr struct altp2m_view_info
 * @reserved: must be 0
 *
 * Views in index order. Without views enabled, view 0 alone.
 */
struct altp2m_view_list {
	__u32 flags;
	__u32 cursor;
	__u32 nr;
	__u32 pad;
	__u64 entries;
	__u64 reserved[2];
};

/*
 * struct altp2m_view_entry - a run of gfns whose entries in a view differ
 * from the host's, as ALTP2M_DUMP_VIEW reports it
 * @gfn:         the first gfn
 * @npages:      gfns in the run (1 for a remap)
 * @target:      the gfn whose frame @gfn maps, ALTP2M_GFN_INVALID if none
 * @access:      their ALTP2M_ACCESS_*
 * @suppress_ve: their suppress-#VE bit
 */
struct altp2m_view_entry {
	__u64 gfn;
	__u64 npages;
	__u64 target;
	__u8 access;
	__u8 suppress_ve;
	__u8 pad[6];
};

/*
 * struct altp2m_view_dump - ALTP2M_DUMP_VIEW
 * @flags:    must be 0
 * @view:     the view
 * @cursor:   in: the gfn to start at (0 to start); out: where to go on,
 *            ALTP2M_GFN_INVALID when the view has been reported to its end
 * @nr:       in: room at @entries, 1 .. ALTP2M_DUMP_MAX; out: written
 * @pad:      must be 0
 * @entries:  user address of @nr struct altp2m_view_entry
 * @reserved: must be 0
 *
 * Lists, in gfn order, the entries of the view that differ from what the
 * host p2m gives there (access, remap or suppress-#VE), in runs; for view
 * 0, the entries that differ from rwx with suppress-#VE set. Calls that
 * change the view between two chunks are not seen consistently.
 */
struct altp2m_view_dump {
	__u32 flags;
	__u32 view;
	__u64 cursor;
	__u32 nr;
	__u32 pad;
	__u64 entries;
	__u64 reserved[2];
};

#define ALTP2M_DUMP_MAX		4096

/*
 * struct altp2m_vcpu_view - ALTP2M_SET_VCPU_VIEW, ALTP2M_GET_VCPU_VIEW
 * (vCPU fd)
 * @flags:    must be 0
 * @view:     the view the vCPU runs on from its next entry (SET), or is
 *            on (GET)
 * @reserved: must be 0
 *
 * SET fails with the common view errors; a vCPU keeps the view it was on.
 */
struct altp2m_vcpu_view {
	__u32 flags;
	__u32 view;
	__u64 reserved[3];
};

/*
 * #VE, the virtualization exception. A vCPU with a #VE information page
 * gets an EPT violation as vector 20 (where the CPU has #VE,
 * ALTP2M_CAP_VE, without a VM exit) when the entry of the faulting gfn in its view has
 * suppress-#VE clear (ALTP2M_SET_SUPPRESS_VE; it is set in every new
 * entry) and the page's semaphore is 0. The CPU then fills the page
 * (struct altp2m_ve_info) and sets the semaphore to 0xffffffff; the
 * guest's handler clears it to take the next one. Any other violation is
 * an ALTP2M_EXIT_VIEW_VIOLATION as before, and a gfn a view has not
 * filled yet is filled by the module, never a #VE. rx2rw and n2rwx are
 * not promoted by a #VE (the module does not see it).
 */

/*
 * struct altp2m_ve_info - the #VE information page as the CPU writes it
 * (Intel SDM, "Virtualization-Exception Information"; Xen's ve_info has
 * the same layout). Guest memory, not an ioctl argument.
 * @exit_reason:   48 (EPT violation)
 * @semaphore:     0: the next #VE may be delivered; the CPU sets it
 * @qualification: as the exit qualification of an EPT violation
 * @gla:           the guest-linear address, when valid (qualification
 *                 bit 7)
 * @gpa:           the guest-physical address
 * @eptp_index:    the view
 */
struct altp2m_ve_info {
	__u32 exit_reason;
	__u32 semaphore;
	__u64 qualification;
	__u64 gla;
	__u64 gpa;
	__u16 eptp_index;
	__u16 pad[3];
};

/*
 * struct altp2m_ve_page - ALTP2M_SET_VE_PAGE (vCPU fd)
 * @flags:    0 registers @gfn as the vCPU's #VE information page;
 *            ALTP2M_VE_PAGE_DISABLE unregisters it (@gfn must be 0)
 * @pad:      must be 0
 * @gfn:      a gfn of guest RAM (ESRCH otherwise), the host's frame
 *            whatever the views remap
 * @reserved: must be 0
 *
 * EEXIST when the vCPU has a page already, ENOENT when disabling without
 * one. Without ALTP2M_CAP_VE the module delivers #VE itself, under the
 * CPU's conditions (at the cost of an exit). While registered the page must
 * stay guest RAM: deleting or moving its region unregisters it, as
 * ALTP2M_VE_PAGE_DISABLE does.
 */
struct altp2m_ve_page {
	__u32 flags;
	__u32 pad;
	__u64 gfn;
	__u64 reserved[2];
};

#define ALTP2M_VE_PAGE_DISABLE	_BITUL(0)

/*
 * Switching views: the host moves vCPUs with ALTP2M_SET_VCPU_VIEW (vCPU
 * fd, the vCPU not running) or ALTP2M_SWITCH_VIEW (VM fd, any time); the
 * guest moves itself with VMFUNC leaf 0 (EAX = 0, ECX = view index) to a
 * view that is visible to it, without a VM exit where the CPU has VMFUNC
 * EPTP switching (ALTP2M_CAP_VMFUNC_EPTP). A VMFUNC to a view that does
 * not exist or is hidden from the vCPU, or any other VMFUNC, gives the
 * guest #UD and leaves its view as it was. Every view is visible to every
 * vCPU when created (as Xen); ALTP2M_SET_VIEW_VISIBILITY hides or shows a
 * view for all vCPUs (and those created later) or, beyond Xen, for one.
 * A view a vCPU is on, whoever switched it there, cannot be destroyed
 * (EBUSY): the module makes running vCPUs exit to learn their view.
 */

/*
 * struct altp2m_view_visibility - ALTP2M_SET_VIEW_VISIBILITY (VM fd)
 * @flags:   ALTP2M_VISIBILITY_ONE_VCPU: for vCPU @vcpu_id only (ENOENT if
 *           it does not exist); without it, for every vCPU, present and
 *           future
 * @view:    the view; it must exist (view 0 included)
 * @vcpu_id: with ALTP2M_VISIBILITY_ONE_VCPU, else 0
 * @visible: 1: VMFUNC may switch to @view; 0: it may not
 * @pad:     must be 0
 * @reserved: must be 0
 *
 * Hiding a view does not move a vCPU that is on it.
 */
struct altp2m_view_visibility {
	__u32 flags;
	__u32 view;
	__u32 vcpu_id;
	__u8 visible;
	__u8 pad[3];
	__u64 reserved[2];
};

#define ALTP2M_VISIBILITY_ONE_VCPU	_BITUL(0)

/*
 * struct altp2m_switch_view - ALTP2M_SWITCH_VIEW (VM fd)
 * @flags:    ALTP2M_SWITCH_ONE_VCPU: vCPU @vcpu_id only (ENOENT if it
 *            does not exist); without it, every vCPU of the VM
 * @view:     the view; it must exist (it need not be visible)
 * @vcpu_id:  with ALTP2M_SWITCH_ONE_VCPU, else 0
 * @pad:      must be 0
 * @reserved: must be 0
 *
 * Each vCPU enters the guest on @view from its next entry, with no stale
 * translations; a vCPU in the guest is made to exit (and go on) before the
 * call returns, so the switch has happened for it then too. A vCPU that is
 * not inside an ioctl of its own moves at once, so the view it left can be
 * destroyed right after the call.
 */
struct altp2m_switch_view {
	__u32 flags;
	__u32 view;
	__u32 vcpu_id;
	__u32 pad;
	__u64 reserved[2];
};

#define ALTP2M_SWITCH_ONE_VCPU		_BITUL(0)

/*
 * struct altp2m_vcpu_views - ALTP2M_GET_VCPU_VIEWS (VM fd)
 * @flags:    must be 0
 * @pad:      must be 0
 * @present:  out: bit i set when vCPU i exists
 * @view:     out: for each vCPU that exists, the view it was on at its
 *            last exit or, when an ALTP2M_SWITCH_VIEW is pending for it,
 *            the view it enters next; 0 for the others. A guest that
 *            switches with VMFUNC may have moved since its last exit
 * @reserved: must be 0
 */
struct altp2m_vcpu_views {
	__u32 flags;
	__u32 pad;
	__u64 present;
	__u16 view[ALTP2M_MAX_VCPUS];
	__u64 reserved[2];
};

/*
 * struct altp2m_batch_op - one operation of a batch (ALTP2M_BATCH, and the
 * netlink family's ALTP2M_A_OP nests)
 * @flags:    must be 0
 * @op:       ALTP2M_BATCH_SET_ACCESS, ALTP2M_BATCH_SET_SVE or
 *            ALTP2M_BATCH_REMAP
 * @value:    SET_ACCESS: an ALTP2M_ACCESS_*; SET_SVE: 0 or 1; REMAP: 0
 * @pad:      must be 0
 * @view:     the view (REMAP: not 0)
 * @reserved: must be 0
 * @gfn:      the first gfn (REMAP: the gfn whose entry changes)
 * @npages:   SET_*: gfns from @gfn, >= 1; REMAP: 1
 * @target:   REMAP: as struct altp2m_gfn_remap's (@gfn itself or
 *            ALTP2M_GFN_INVALID reverts); SET_*: 0
 *
 * Each operation means exactly what the single call means
 * (ALTP2M_SET_MEM_ACCESS, ALTP2M_SET_SUPPRESS_VE on a range,
 * ALTP2M_REMAP_GFN), against the state the operations before it in the
 * batch left.
 */
struct altp2m_batch_op {
	__u32 flags;
	__u16 op;
	__u8 value;
	__u8 pad;
	__u32 view;
	__u32 reserved;
	__u64 gfn;
	__u64 npages;
	__u64 target;
};

#define ALTP2M_BATCH_SET_ACCESS		1
#define ALTP2M_BATCH_SET_SVE		2
#define ALTP2M_BATCH_REMAP		3

/*
 * struct altp2m_batch - ALTP2M_BATCH (VM fd): several view operations,
 * over several views of the VM, as one all-or-nothing change
 * @flags:       ALTP2M_BATCH_IF_GENERATION: fail with ESTALE, applying
 *               nothing, unless the VM's views generation is still
 *               @generation (optimistic concurrency: build the batch from
 *               a dump or ALTP2M_GET_VM_STATUS, then commit only if nobody
 *               changed the views in between)
 * @nr_ops:      operations, 1 .. ALTP2M_BATCH_MAX_OPS
 * @ops:         user address of @nr_ops struct altp2m_batch_op
 * @error_index: out, on failure: the operation at fault, or @nr_ops when
 *               the failure belongs to the batch as a whole (memory, the
 *               generation, the size of the undo log)
 * @pad:         must be 0
 * @generation:  in: with ALTP2M_BATCH_IF_GENERATION, the generation the
 *               batch was built against, else 0; out, on success: the
 *               generation the batch produced
 * @reserved:    must be 0
 *
 * The whole batch is checked (flags, op codes, values, padding) before
 * anything is touched; then the operations run in order while every vCPU
 * of the VM is held outside the guest, each view the batch changed is
 * flushed once after the last write, and the vCPUs go on. So no guest
 * instruction ever runs against part of a batch. When an operation fails,
 * every change the earlier ones made is undone (the tables, entries and
 * remaps come back exactly), nothing is flushed, and errno is the one
 * the single call would have given. E2BIG when the undo log of the batch
 * would exceed ALTP2M_BATCH_MAX_CHANGES changed page-table entries (a
 * range over 2 MiB leaves changes one entry per 2 MiB; split it into
 * several batches). The VM's generation moves once per successful batch.
 */
struct altp2m_batch {
	__u32 flags;
	__u32 nr_ops;
	__u64 ops;
	__u32 error_index;
	__u32 pad;
	__u64 generation;
	__u64 reserved[2];
};

#define ALTP2M_BATCH_IF_GENERATION	_BITUL(0)
#define ALTP2M_BATCH_MAX_OPS		(1024 * 1024)
#define ALTP2M_BATCH_MAX_CHANGES	(4 * 1024 * 1024)

/*
 * struct altp2m_vm_status - ALTP2M_GET_VM_STATUS (VM fd): what netlink's
 * ALTP2M_CMD_GET_VM reports, for the VM's owner
 * @flags:         must be 0
 * @vm_id:         out: the VM's id (ALTP2M_A_VM_ID)
 * @nr_vcpus:      out: vCPUs created
 * @max_views:     out: the view limit while views are enabled, else 0
 * @mode:          out: ALTP2M_MODE_* (ALTP2M_MODE_EXTERNAL when disabled)
 * @nr_views:      out: views that exist, view 0 included
 * @views_enabled: out: 1 while views are enabled
 * @pad:           must be 0
 * @mem_pages:     out: 4 KiB pages of guest RAM in the memory regions
 * @generation:    out: the views generation (ALTP2M_A_GENERATION)
 * @reserved:      must be 0
 */
struct altp2m_vm_status {
	__u32 flags;
	__u32 vm_id;
	__u32 nr_vcpus;
	__u32 max_views;
	__u32 mode;
	__u32 nr_views;
	__u8 views_enabled;
	__u8 pad[7];
	__u64 mem_pages;
	__u64 generation;
	__u64 reserved[4];
};

/*
 * Interrupts, the local APIC, CPUID and the TSC: what an operating system
 * needs from its platform (Documentation/guests.rst).
 *
 * A VM created with ALTP2M_VM_LAPIC has an in-kernel local APIC per vCPU,
 * at the architectural base 0xfee00000, in xAPIC mode (the MMIO page) or
 * x2APIC mode (MSRs 0x800-0x8ff), with its timer (one-shot, periodic,
 * TSC-deadline), IPIs between the VM's vCPUs and INIT/SIPI. In such a VM:
 *
 *  - HLT does not exit to userspace: the vCPU sleeps in ALTP2M_RUN until an
 *    interrupt can be delivered (or a signal comes: ALTP2M_EXIT_INTR, and
 *    the next ALTP2M_RUN sleeps again). Its mp_state is
 *    ALTP2M_MP_STATE_HALTED meanwhile.
 *  - vCPU 0 is the bootstrap processor. Every other vCPU starts in
 *    ALTP2M_MP_STATE_WAIT_SIPI: ALTP2M_RUN sleeps until another vCPU sends
 *    it INIT and a start-up IPI, and the vCPU then starts in real mode at
 *    vector << 12 (or the VMM sets it RUNNABLE with its own registers).
 *  - Devices of the VMM raise interrupts as MSI messages: ALTP2M_SIGNAL_MSI
 *    on the VM fd, or an eventfd bound to a message with ALTP2M_IRQFD for a
 *    device thread. An I/O APIC is the VMM's to model: it turns a pin into
 *    the message its redirection entry describes. When the guest ends a
 *    level-triggered interrupt (EOI of a vector the local APIC accepted
 *    with the trigger-mode bit of the message set), ALTP2M_RUN returns
 *    ALTP2M_EXIT_EOI with the vector, so the VMM can send the message
 *    again while the line is still asserted. Edge-triggered interrupts
 *    never exit.
 *
 * A VM without ALTP2M_VM_LAPIC behaves as in earlier versions: HLT exits
 * with ALTP2M_EXIT_HLT, the APIC page is MMIO for the VMM, and only the
 * events the module raises itself (exceptions) or the VMM sets with
 * ALTP2M_SET_VCPU_EVENTS reach the guest.
 *
 * struct altp2m_caps.features says which of these the module has
 * (ALTP2M_FEATURE_*).
 */
/* ALTP2M_VM_LAPIC, GET/SET_LAPIC, SIGNAL_MSI, ALTP2M_EXIT_EOI */
#define ALTP2M_FEATURE_LAPIC		_BITULL(0)
/* GET/SET_VCPU_EVENTS, GET/SET_MP_STATE */
#define ALTP2M_FEATURE_VCPU_EVENTS	_BITULL(1)
/* GET_SUPPORTED_CPUID, GET/SET_CPUID */
#define ALTP2M_FEATURE_CPUID		_BITULL(2)
/* ALTP2M_IRQFD */
#define ALTP2M_FEATURE_IRQFD		_BITULL(3)
/* per-VM TSC offset, TSC_ADJUST, CPUID leaf 0x15 */
#define ALTP2M_FEATURE_TSC		_BITULL(4)
/* ALTP2M_GET_VCPU_EXIT_COUNTS */
#define ALTP2M_FEATURE_EXIT_COUNTS	_BITULL(5)
/* monitors: ALTP2M_MONITOR_ATTACH and the monitor fd ("Monitors") */
#define ALTP2M_FEATURE_MONITOR		_BITULL(6)
/* guest RAM mapped through the monitor fd ("Guest RAM mapped") */
#define ALTP2M_FEATURE_MONITOR_MAP	_BITULL(7)

/*
 * Types of the event in flight (struct altp2m_vcpu_events.event_type):
 * the VMX interruption types, whose numbers they keep.
 */
#define ALTP2M_EVENT_TYPE_EXTINT	0	/* external interrupt */
#define ALTP2M_EVENT_TYPE_NMI		2
#define ALTP2M_EVENT_TYPE_EXCEPTION	3	/* hardware exception */
#define ALTP2M_EVENT_TYPE_SOFT_INT	4	/* INT n */
#define ALTP2M_EVENT_TYPE_PRIV_SOFT_EXC 5	/* INT1 (ICEBP) */
#define ALTP2M_EVENT_TYPE_SOFT_EXC	6	/* INT3, INTO */

/* struct altp2m_vcpu_events.shadow: interrupts blocked for one instruction */
#define ALTP2M_SHADOW_STI		_BITUL(0)
#define ALTP2M_SHADOW_MOV_SS		_BITUL(1)

/* struct altp2m_vcpu_events.flags for SET: the parts to write */
#define ALTP2M_EVENTS_SET_EVENT		_BITUL(0)	/* event_* */
#define ALTP2M_EVENTS_SET_NMI		_BITUL(1)	/* nmi_pending, nmi_masked */
#define ALTP2M_EVENTS_SET_SHADOW	_BITUL(2)	/* shadow */
#define ALTP2M_EVENTS_SET_SIPI		_BITUL(3)	/* sipi_vector */

/*
 * struct altp2m_vcpu_events - ALTP2M_GET/SET_VCPU_EVENTS (vCPU fd): events
 * not yet delivered to the guest, for a VMM that saves, restores or
 * injects them
 * @flags:        GET: must be 0. SET: ALTP2M_EVENTS_SET_* (parts not named
 *                are left as they are)
 * @pad:          must be 0
 * @event_valid:  1: an event is in flight: the CPU was delivering it when
 *                the vCPU last exited, or the module or the VMM raised it;
 *                it is delivered at the next entry. At most one exists, as
 *                in the VMCS's VM-entry interruption field
 * @event_type:   ALTP2M_EVENT_TYPE_*
 * @event_vector: its vector (2 for an NMI)
 * @event_has_error: the exception pushes @event_error (only vectors that
 *                push one: 8, 10-14, 17, 21; EINVAL otherwise)
 * @event_error:  the error code
 * @event_insn_len: for the software types: the length of the instruction,
 *                whose next address is pushed (1-15)
 * @nmi_pending:  an NMI waits for NMIs to be unblocked (in-kernel APIC or
 *                a SET; at most one is remembered, as on the CPU)
 * @nmi_masked:   NMIs are blocked (an NMI handler runs, until IRET)
 * @shadow:       ALTP2M_SHADOW_*: the STI / MOV SS interrupt shadow of the
 *                instruction the vCPU stopped after
 * @sipi_vector:  the vector of the last start-up IPI, for a vCPU in
 *                ALTP2M_MP_STATE_WAIT_SIPI (0-255)
 * @reserved:     must be 0
 *
 * An external interrupt set here is delivered when the guest can take it
 * (RFLAGS.IF and no shadow): the module waits for the interrupt window.
 * SET checks every part before writing any (EINVAL).
 */
struct altp2m_vcpu_events {
	__u32 flags;
	__u32 pad;
	__u8 event_valid;
	__u8 event_type;
	__u8 event_vector;
	__u8 event_has_error;
	__u32 event_error;
	__u8 event_insn_len;
	__u8 nmi_pending;
	__u8 nmi_masked;
	__u8 shadow;
	__u32 sipi_vector;
	__u64 reserved[5];
};

/* struct altp2m_mp_state.state (KVM's names for the same states) */
#define ALTP2M_MP_STATE_RUNNABLE	0
#define ALTP2M_MP_STATE_HALTED		1	/* after HLT, until an interrupt */
#define ALTP2M_MP_STATE_WAIT_SIPI	2	/* after INIT, until a SIPI */

/*
 * struct altp2m_mp_state - ALTP2M_GET/SET_MP_STATE (vCPU fd)
 * @flags:    must be 0
 * @state:    ALTP2M_MP_STATE_*; in a VM without ALTP2M_VM_LAPIC only
 *            RUNNABLE exists (EINVAL for the others)
 * @reserved: must be 0
 *
 * Setting WAIT_SIPI is an INIT without the register reset; setting
 * RUNNABLE wakes a halted vCPU or starts a waiting one with the registers
 * it has.
 */
struct altp2m_mp_state {
	__u32 flags;
	__u32 state;
	__u64 reserved[2];
};

/* Size of the register page in struct altp2m_lapic_state */
#define ALTP2M_LAPIC_REGS_SIZE		1024

/*
 * struct altp2m_lapic_state - ALTP2M_GET/SET_LAPIC (vCPU fd, ALTP2M_VM_LAPIC)
 * @flags:        must be 0
 * @pad:          must be 0
 * @apic_base:    IA32_APIC_BASE (enable, x2APIC, BSP bits and the base)
 * @tsc_deadline: IA32_TSC_DEADLINE, in guest TSC ticks (0: disarmed)
 * @reserved:     must be 0
 * @regs:         the registers as the xAPIC MMIO page lays them out: the
 *                32-bit register at offset N (a multiple of 16) in bytes
 *                N..N+3, little-endian. In x2APIC mode the ICR's upper
 *                half (offset 0x310) is the whole 32-bit destination and
 *                the LDR is the one the ID implies. GET reports the
 *                timer's current count (0x390) as of the call; SET starts
 *                the timer from its initial count (0x380) when that is
 *                non-zero
 *
 * SET checks @apic_base as WRMSR does (EINVAL for what would #GP), then
 * writes the registers as the guest would (reserved bits dropped,
 * read-only registers except ID, ISR, TMR and IRR taken as given).
 */
struct altp2m_lapic_state {
	__u32 flags;
	__u32 pad;
	__u64 apic_base;
	__u64 tsc_deadline;
	__u64 reserved[5];
	__u8 regs[ALTP2M_LAPIC_REGS_SIZE];
};

/*
 * struct altp2m_msi - ALTP2M_SIGNAL_MSI (VM fd, ALTP2M_VM_LAPIC)
 * @flags:    must be 0
 * @data:     the message data: vector (7:0), delivery mode (10:8: fixed,
 *            lowest priority, NMI, INIT; SMI and ExtINT are EINVAL),
 *            level (14), trigger mode (15: 1 level); other bits 0
 * @address:  the message address: 0xfee00000 | destination ID (19:12) |
 *            redirection hint (3) | destination mode (2: 1 logical);
 *            bits 63:32 hold bits 31:8 of an x2APIC destination (shifted
 *            by 8, as KVM's extended destination ID)
 * @reserved: must be 0
 *
 * Return: the number of vCPUs the message went to (0: no APIC accepted
 * it, e.g. none is enabled yet), or EINVAL for a malformed message.
 * Lowest priority goes to one vCPU among the destinations (the first in
 * the round from the last chosen: Documentation/guests.rst).
 */
struct altp2m_msi {
	__u32 flags;
	__u32 data;
	__u64 address;
	__u64 reserved[2];
};

#define ALTP2M_IRQFD_DEASSIGN		_BITUL(0)
/* eventfds bound at once per VM */
#define ALTP2M_MAX_IRQFDS		64

/*
 * struct altp2m_irqfd - ALTP2M_IRQFD (VM fd, ALTP2M_VM_LAPIC): each signal
 * of eventfd @fd sends one MSI message, as ALTP2M_SIGNAL_MSI would
 * @flags:       0 to bind, ALTP2M_IRQFD_DEASSIGN to unbind @fd (ENOENT if
 *               it is not bound)
 * @fd:          an eventfd (EBADF, EINVAL for another kind of file); one
 *               binding per eventfd (EEXIST)
 * @msi_address: the message address (as struct altp2m_msi.address)
 * @msi_data:    the message data (as struct altp2m_msi.data)
 * @pad:         must be 0
 * @reserved:    must be 0
 *
 * At most ALTP2M_MAX_IRQFDS bindings per VM (ENOSPC). Bindings end with
 * DEASSIGN, or when the VM is destroyed; closing the eventfd ends its
 * binding too.
 */
struct altp2m_irqfd {
	__u32 flags;
	__s32 fd;
	__u64 msi_address;
	__u32 msi_data;
	__u32 pad;
	__u64 reserved[2];
};

/*
 * CPUID. struct altp2m_cpuid_entry: the values of one leaf (@function)
 * and, with ALTP2M_CPUID_INDEXED in @flags, one subleaf (@index; without
 * it @index must be 0 and the entry answers every subleaf).
 */
#define ALTP2M_CPUID_INDEXED		_BITUL(0)
#define ALTP2M_MAX_CPUID_ENTRIES	256

struct altp2m_cpuid_entry {
	__u32 function;
	__u32 index;
	__u32 flags;
	__u32 eax;
	__u32 ebx;
	__u32 ecx;
	__u32 edx;
	__u32 pad;
};

/*
 * struct altp2m_cpuid - a CPUID table
 * @flags:    ALTP2M_GET_SUPPORTED_CPUID (/dev/altp2m): 0 for a VM without
 *            ALTP2M_VM_LAPIC, ALTP2M_VM_LAPIC for one with it. GET_CPUID
 *            and SET_CPUID (VM fd): 0
 * @nent:     GET: in, the room at @entries; out, the entries written (on
 *            E2BIG: the room needed). SET: the entries at @entries
 *            (1..ALTP2M_MAX_CPUID_ENTRIES)
 * @entries:  user pointer to struct altp2m_cpuid_entry[@nent]
 * @reserved: must be 0
 *
 * GET_SUPPORTED_CPUID lists every leaf the module can answer and, in the
 * feature registers (leaf 1 ECX/EDX, 7.0 EBX/ECX/EDX, 0xd, 0x80000001
 * ECX/EDX), exactly the features it virtualises on this host; a VM
 * answers with that table until SET_CPUID replaces it. SET_CPUID takes a
 * table the VMM built from it (EINVAL for a feature bit the supported
 * table lacks, a duplicate or unsorted entry is fine), VM-wide, while no
 * vCPU of the VM is in ALTP2M_RUN (EBUSY). Whatever the table says, each
 * vCPU's APIC ID (leaf 1 EBX 31:24, leaves 0xb and 0x1f EDX) is its vCPU
 * id, and leaf 1 ECX.OSXSAVE follows the guest's CR4. The hypervisor leaf
 * 0x40000000 reads "altp2maltp2m" (EBX, ECX, EDX) with the highest
 * hypervisor leaf in EAX; leaf 0x15 reports the TSC frequency (EBX/EAX
 * times ECX Hz) and the local APIC timer counts at ECX Hz.
 */
struct altp2m_cpuid {
	__u32 flags;
	__u32 nent;
	__u64 entries;
	__u64 reserved[2];
};

/* Basic exit reasons counted by struct altp2m_vcpu_exit_counts */
#define ALTP2M_VMX_EXIT_REASONS		80

/*
 * struct altp2m_vcpu_exit_counts - ALTP2M_GET_VCPU_EXIT_COUNTS (vCPU fd):
 * every VM exit of the vCPU by its basic exit reason (Intel SDM vol. 3,
 * appendix C), whether the module handled it or ALTP2M_RUN returned: what
 * a guest costs and where (Documentation/guests.rst has a Linux boot's)
 * @flags:    must be 0
 * @nr:       in: must be 0; out: ALTP2M_VMX_EXIT_REASONS
 * @counts:   out: @counts[r], the exits with basic reason r since the vCPU
 *            was created (a failed VM entry counts under its reason too)
 * @reserved: must be 0
 */
struct altp2m_vcpu_exit_counts {
	__u32 flags;
	__u32 nr;
	__u64 counts[ALTP2M_VMX_EXIT_REASONS];
	__u64 reserved[4];
};

/*
 * The TSC. A VM's guest TSC counts at the host's rate from 0 at
 * ALTP2M_CREATE_VM: one offset for the VM, the same on every host CPU, so
 * a vCPU that moves between host CPUs sees no jump. RDTSC and RDTSCP do
 * not exit. A guest write to IA32_TSC or IA32_TSC_ADJUST moves that vCPU's
 * TSC as on hardware (IA32_TSC_ADJUST says by how much). GET/SET_MSRS
 * reach both, and the other MSRs Documentation/uapi.rst lists (APIC base,
 * TSC deadline, PAT, MTRRs, MISC_ENABLE, TSC_AUX, ...).
 */

/*
 * Monitors: introspection daemons
 * ===============================
 *
 * A monitor is the one process that watches a VM from outside: usually an
 * introspection daemon, not the VMM that runs the vCPUs. It holds a
 * monitor fd, an anonymous file bound to one VM, through which it
 *
 *  - receives events (a view violation, a breakpoint, a finished single
 *    step, a CR or MSR write, a guest's request, CPUID) on per-vCPU rings
 *    in memory it maps from the fd;
 *  - answers a synchronous event with one response that the module
 *    applies, all of it, before the vCPU runs again;
 *  - pauses vCPUs, reads and writes their registers, reads and writes
 *    guest memory through a view or by linear address;
 *  - edits views with the VM fd's view ioctls, which the monitor fd takes
 *    too.
 *
 * Attaching. ALTP2M_MONITOR_ATTACH on /dev/altp2m names the VM by id; it
 * needs what the netlink family needs (CAP_NET_ADMIN or CAP_SYS_ADMIN in
 * the user namespace of the VM's creator, EPERM; the VM is seen only from
 * its creator's network namespace, ENOENT). ALTP2M_MONITOR_ATTACH on a VM
 * fd (@vm_id 0 or the VM's own) gives the VM's owner one without either
 * rule. A VM has at most one monitor at a time: EBUSY while the monitor
 * fd of another attach is open. The fd is O_CLOEXEC and holds a
 * reference on the VM: the VM's memory stays until it is closed. Once
 * the VM's own fd and every vCPU fd are closed, poll() reports EPOLLHUP
 * and the calls that need a vCPU fail with ENODEV.
 *
 * Rings. Each vCPU has a ring of @ring_entries events of
 * ALTP2M_MONITOR_EVENT_SIZE bytes, in the monitor fd's mapping at offset
 * vcpu_id * @ring_bytes (struct altp2m_monitor_attach, out): first a page
 * holding struct altp2m_monitor_ring, then the entries, entry i of the
 * ring at ALTP2M_MONITOR_RING_HDR + (i % entries) * EVENT_SIZE. Map it
 * with mmap(MAP_SHARED, PROT_READ | PROT_WRITE) at offset 0, up to
 * ALTP2M_MAX_VCPUS * @ring_bytes; a vCPU that does not exist yet has no
 * pages there (SIGBUS), and gets its ring when it is created. The module
 * writes an event, then @prod (release); the monitor reads events while
 * its @cons differs from @prod (acquire) and then stores @cons. The
 * module only reads @cons, never trusts it: a @cons that makes no sense
 * (more consumed than produced) counts as a full ring. poll() on the
 * monitor fd reports EPOLLIN while any ring has unconsumed events.
 *
 * Events are enabled one type at a time with ALTP2M_MONITOR_SET_EVENT,
 * synchronous or asynchronous where both make sense:
 *
 *   VIOLATION     sync only. An access the vCPU's view does not allow
 *                 (what ALTP2M_EXIT_VIEW_VIOLATION would tell the VMM,
 *                 which no longer sees it while this is enabled). The
 *                 instruction has not run: with a "continue" response it
 *                 runs again, so the monitor relaxes the access, switches
 *                 the view or steps it on another view first.
 *   BREAKPOINT    sync only. The guest executed INT3 (the #BP is not
 *                 delivered; RIP is at the INT3). The response either
 *                 reinjects the #BP (ALTP2M_MON_RSP_REINJECT) or moves on
 *                 (new RIP, another view, a step on a clean view).
 *   SINGLESTEP    sync only. The instruction a response stepped
 *                 (ALTP2M_MON_RSP_SINGLESTEP) has retired (or delivered an
 *                 exception or interrupt: the vCPU is then at its
 *                 handler's first instruction).
 *   CR            sync or async, per register (0, 3, 4): a write of the
 *                 register by MOV to CR, with ALTP2M_MON_CTL_ONCHANGE only
 *                 if the value changes, and with @mask non-zero only if a
 *                 bit of @mask changes. A sync write has not happened yet;
 *                 ALTP2M_MON_RSP_DENY drops it (the instruction retires,
 *                 the register keeps its value).
 *   MSR           sync or async, per MSR (at most ALTP2M_MONITOR_MAX_MSRS
 *                 at a time, ENOSPC): a WRMSR of it, as for CR. Only MSRs
 *                 the guest may write (Documentation/uapi.rst), EINVAL
 *                 for others.
 *   GUEST_REQUEST sync or async. The guest's VMCALL with RAX =
 *                 ALTP2M_HC_BASE + ALTP2M_HC_MONITOR_REQUEST at CPL 0,
 *                 its arguments in RBX, RCX, RDX, RSI (all in the event's
 *                 registers). RAX becomes 0 once delivered (sync: before
 *                 the response's registers apply, which may change it);
 *                 -ENOSYS (as for every hypercall) when no monitor has it
 *                 enabled; -EAGAIN when an async event found the ring
 *                 full.
 *   CPUID         sync or async: the guest executed CPUID (the event
 *                 carries leaf and subleaf; the response's registers may
 *                 set what the guest reads: with ALTP2M_MON_RSP_SET_REGS,
 *                 the instruction counts as done and RIP must be moved by
 *                 the monitor, else the module answers as usual).
 *
 * Synchronous events park the vCPU in the module (ALTP2M_RUN does not
 * return to the VMM for them) until the monitor answers with
 * ALTP2M_MONITOR_RESPOND or closes the fd. A signal to the VMM's thread
 * still ends ALTP2M_RUN with EINTR, and the next ALTP2M_RUN parks again:
 * the event stays answered only by its response. A sync event waits for
 * room in a full ring; it is never dropped. An async event finding the
 * ring full is dropped and counted in the ring's @dropped. A parked vCPU
 * (not a paused one) first polls for its response for a while before it
 * sleeps, as long as its CPU has nothing else to run: up to the module
 * parameter mon_poll_ns (nanoseconds, changeable at run time, 0: never),
 * within a window per vCPU that follows how fast the monitor answered
 * before; struct altp2m_monitor_stats' @poll_hits and @poll_misses count
 * how that went.
 *
 * Every event carries the vCPU, its view when the event happened, the
 * vCPU's registers at that point (struct altp2m_monitor_regs) and a
 * sequence number, unique within the VM and increasing.
 *
 * Responses. ALTP2M_MONITOR_RESPOND answers the sync event @seq parked on
 * @vcpu. It is checked whole before anything of it applies: unknown
 * flags, non-zero padding, a flag the event's type does not take, a view
 * that does not exist or is hidden from the vCPU, a bad batch operation
 * fail with an error and change nothing, and the vCPU stays parked. With
 * every check passed the module applies, in this order: the batch of
 * view operations (as ALTP2M_BATCH, all or nothing), the registers, the
 * breakpoint's reinjection or the write's denial, the view switch, the
 * single step; then the vCPU resumes. Errors: ENOENT no such vCPU; ESRCH
 * no sync event @seq parked on it (answered already, never sent, or a
 * response for a vCPU that is not waiting); EINVAL malformed; the view
 * and batch errors of ALTP2M_SWITCH_VIEW and ALTP2M_BATCH.
 *
 * Single-stepping executes one instruction and stops, invisibly to the
 * guest: with the monitor trap flag where the CPU has it, else (Bochs)
 * with RFLAGS.TF and an intercepted #DB, after which TF, DR6 and the
 * pending debug exceptions are what the guest had; while a step is in
 * flight no interrupt or NMI is injected (they wait). A FAST single step
 * runs the instruction on @step_view and then switches to @view without
 * an event (Xen's fast single-step); a plain one reports a SINGLESTEP
 * event. altp2m_monitor_info.singlestep says which mechanism is in use.
 *
 * Pausing. ALTP2M_MONITOR_PAUSE returns once every vCPU named is out of
 * guest mode and will not enter until resumed (a barrier; a vCPU thread
 * outside ALTP2M_RUN counts as out). Pauses are counted: each PAUSE
 * needs its RESUME (EINVAL for a RESUME with no PAUSE to undo). Pausing
 * all vCPUs also pauses vCPUs created later. A paused vCPU's
 * ALTP2M_RUN sleeps in the module, like a parked one (EINTR on a
 * signal).
 *
 * Guest state. ALTP2M_MONITOR_GET_VCPU_STATE and SET_VCPU_STATE read and
 * write a vCPU's registers, special registers and MSRs (the structs and
 * rules of ALTP2M_GET_REGS/SREGS/MSRS) while it is paused or parked on a
 * sync event: EBUSY otherwise. ALTP2M_MONITOR_READ_MEM and WRITE_MEM copy
 * guest memory by guest-physical address through a view (remaps followed:
 * what the guest reads through that view, whatever its access rights) or
 * by linear address with a paused or parked vCPU's paging (each page
 * translated once, on the vCPU's current CR3; no accessed or dirty bits
 * set). They stop at the first byte that has no memory or no
 * translation and say how far they got (@done), never fault; at most
 * ALTP2M_MONITOR_MAX_MEM bytes per call (EINVAL). ALTP2M_MONITOR_TRANSLATE
 * walks one linear address.
 *
 * Guest RAM mapped. mmap() of the monitor fd at ALTP2M_MONITOR_MEM_OFFSET
 * + gpa (page aligned, MAP_SHARED, any protection; EINVAL for MAP_PRIVATE
 * or beyond ALTP2M_GET_CAPS' @gpa_bits) maps guest RAM from gpa on
 * without a copy: the VMM's memory regions, as the host p2m (view 0)
 * has them, whatever any view's access rights or remaps say; writes go
 * straight to guest memory. A page that is not guest RAM (a hole, MMIO,
 * a hidden frame) gives SIGBUS when touched. The mapping follows the
 * regions: when a region is deleted or moved, its pages leave every
 * mapping before the module lets go of them, and touching them then
 * gives SIGBUS (a moved region is found at its new gpa); a region added
 * later appears where it is mapped. So a daemon never reaches memory that
 * is no longer the guest's. Not inherited across fork(). With
 * ALTP2M_FEATURE_MONITOR_MAP.
 *
 * Closing. When the monitor fd is closed (or its process dies), the
 * module undoes what the monitor did, in this order:
 *  1. every event type is disabled (the VMM sees view violations again);
 *  2. each vCPU parked on a sync event resumes as if answered "continue",
 *     except that a parked breakpoint is reinjected (the guest sees its
 *     own #BP, as without a monitor) and a parked CR or MSR write happens;
 *  3. the monitor's pauses are dropped;
 *  4. single steps in flight are cancelled: TF is what the guest had;
 *  5. each vCPU the monitor switched to another view (by a response) and
 *     that nobody else (VMM, netlink, the guest) switched since goes back
 *     to the view it was on before the monitor's first switch of it;
 *  6. with ALTP2M_MONITOR_DROP_VIEWS given at attach, the views created
 *     through the monitor fd are destroyed (vCPUs still on one go to view
 *     0 first). Views created through netlink or the VM fd, and access
 *     changes made to views the monitor did not create, stay.
 *
 * struct altp2m_caps.features has ALTP2M_FEATURE_MONITOR;
 * ALTP2M_MONITOR_GET_INFO says which events and responses this module
 * has.
 */

/*
 * struct altp2m_monitor_attach - ALTP2M_MONITOR_ATTACH (/dev/altp2m or a
 * VM fd); the return value is the monitor fd
 * @flags:        ALTP2M_MONITOR_DROP_VIEWS (see "Closing"); others EINVAL
 * @vm_id:        the VM (on a VM fd: 0 or its own id)
 * @ring_entries: in: events per vCPU ring, a power of two from 2 to
 *                ALTP2M_MONITOR_MAX_RING, or 0 for
 *                ALTP2M_MONITOR_DEFAULT_RING; out: the number used
 * @pad:          must be 0
 * @ring_bytes:   out: bytes per vCPU in the mapping (a multiple of the
 *                page size)
 * @reserved:     must be 0
 */
#define ALTP2M_MONITOR_DROP_VIEWS	_BITUL(0)

#define ALTP2M_MONITOR_DEFAULT_RING	64
#define ALTP2M_MONITOR_MAX_RING		4096
#define ALTP2M_MONITOR_EVENT_SIZE	512
#define ALTP2M_MONITOR_RING_HDR		4096
/* mmap() offset of guest-physical address 0 ("Guest RAM mapped") */
#define ALTP2M_MONITOR_MEM_OFFSET	_BITULL(52)

struct altp2m_monitor_attach {
	__u32 flags;
	__u32 vm_id;
	__u32 ring_entries;
	__u32 pad;
	__u64 ring_bytes;
	__u64 reserved[4];
};

/*
 * struct altp2m_monitor_ring - the head of a vCPU's ring (first page)
 * @prod:    events the module has written (free running; written by it)
 * @cons:    events the monitor has consumed (free running; written by it)
 * @entries: the ring's size (read only)
 * @vcpu:    the vCPU (read only)
 * @dropped: async events lost to a full ring (written by the module)
 * @parked:  sequence number of the sync event the vCPU is parked on, 0
 *           for none (written by the module; informative)
 */
struct altp2m_monitor_ring {
	__u32 prod;
	__u32 pad0[15];
	__u32 cons;
	__u32 pad1[15];
	__u32 entries;
	__u32 vcpu;
	__u64 dropped;
	__u64 parked;
	__u64 reserved[5];
};

/* Event types (struct altp2m_monitor_event.type; bit n of info.events) */
#define ALTP2M_MON_EV_VIOLATION		0
#define ALTP2M_MON_EV_BREAKPOINT	1
#define ALTP2M_MON_EV_SINGLESTEP	2
#define ALTP2M_MON_EV_CR		3
#define ALTP2M_MON_EV_MSR		4
#define ALTP2M_MON_EV_GUEST_REQUEST	5
#define ALTP2M_MON_EV_CPUID		6
#define ALTP2M_MON_EV_NR		7

/* The guest's call to its monitor (see GUEST_REQUEST above). */
#define ALTP2M_HC_MONITOR_REQUEST	16

/*
 * struct altp2m_monitor_regs - a vCPU's registers as an event saw them
 * (segment selectors and bases, the CPL from SS's DPL)
 */
struct altp2m_monitor_regs {
	__u64 rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
	__u64 r8, r9, r10, r11, r12, r13, r14, r15;
	__u64 rip, rflags;
	__u64 cr0, cr2, cr3, cr4, efer;
	__u64 dr6, dr7;
	__u64 cs_base, ss_base, ds_base, es_base, fs_base, gs_base;
	__u64 kernel_gs_base;
	__u16 cs, ss, ds, es, fs, gs;
	__u8 cpl;
	__u8 pad[3];
	__u64 reserved[4];
};

/* struct altp2m_monitor_event.flags */
#define ALTP2M_MON_EVF_SYNC		_BITUL(0)	/* the vCPU is parked */

/* struct altp2m_monitor_event.u.breakpoint.flags */
#define ALTP2M_MON_BPF_HIDDEN		_BITUL(0)

/*
 * struct altp2m_monitor_event - one entry of a ring
 * @type:  ALTP2M_MON_EV_*
 * @flags: ALTP2M_MON_EVF_*
 * @seq:   sequence number (VM-wide, from 1, increasing)
 * @vcpu:  the vCPU
 * @view:  the view it was on
 * @u:     by type:
 *   violation:  as struct altp2m_run.violation (@view there is @view here)
 *   breakpoint: @gpa and @gla of the INT3, @insn_len (1 for INT3, 2 for
 *               INT 3's CD 03)
 *               @flags ALTP2M_MON_BPF_HIDDEN for a hidden breakpoint
 *               (see "Hidden breakpoints"), with its @id and @hits
 *   singlestep: @gpa and @gla of the instruction the vCPU is now at
 *   cr:         @index (0, 3, 4), @old_value, @new_value (CLTS and LMSW
 *               are CR0 writes too)
 *   msr:        @index, @old_value, @new_value
 *   guest_request: the call's arguments (RBX, RCX, RDX, RSI)
 *   cpuid:      @leaf (EAX), @subleaf (ECX), @insn_len
 * @regs:  the vCPU's registers (for a violation, breakpoint, CR, MSR, CPUID
 *         and guest request: at the instruction, RIP pointing to it)
 */
struct altp2m_monitor_event {
	__u32 type;
	__u32 flags;
	__u64 seq;
	__u32 vcpu;
	__u32 view;
	__u64 reserved0;
	union {
		struct {
			__u64 gpa;
			__u64 gla;
			__u64 qualification;
			__u8 access;
			__u8 entry_access;
			__u8 flags;
			__u8 pad[5];
		} violation;
		struct {
			__u64 gpa;
			__u64 gla;
			__u32 insn_len;
			__u32 flags;	/* ALTP2M_MON_BPF_* */
			__u32 id;	/* hidden: the breakpoint */
			__u32 pad;
			__u64 hits;	/* hidden: its hits, this one included */
		} breakpoint;
		struct {
			__u64 gpa;
			__u64 gla;
		} singlestep;
		struct {
			__u32 index;
			__u32 pad;
			__u64 old_value;
			__u64 new_value;
		} cr, msr;
		struct {
			__u64 args[4];
		} guest_request;
		struct {
			__u32 leaf;
			__u32 subleaf;
			__u32 insn_len;
			__u32 pad;
		} cpuid;
		__u8 raw[64];
	} u;
	struct altp2m_monitor_regs regs;
	__u8 reserved[112];
};

/*
 * struct altp2m_monitor_event_ctl - ALTP2M_MONITOR_SET_EVENT
 * @flags: ALTP2M_MON_CTL_ENABLE (without it: disable), ALTP2M_MON_CTL_SYNC,
 *         ALTP2M_MON_CTL_ONCHANGE (CR and MSR)
 * @type:  ALTP2M_MON_EV_*
 * @index: CR: 0, 3 or 4; MSR: the MSR; others: 0
 * @pad:   must be 0
 * @mask:  CR and MSR: only writes that change a bit of @mask (0: any
 *         write, or any change with ONCHANGE); others: 0
 * @reserved: must be 0
 *
 * Enabling what is enabled replaces its settings. Disabling takes effect
 * for events not yet sent; parked vCPUs still wait for their response.
 * EOPNOTSUPP for a type this host cannot deliver.
 */
#define ALTP2M_MON_CTL_ENABLE		_BITUL(0)
#define ALTP2M_MON_CTL_SYNC		_BITUL(1)
#define ALTP2M_MON_CTL_ONCHANGE		_BITUL(2)

#define ALTP2M_MONITOR_MAX_MSRS		16

struct altp2m_monitor_event_ctl {
	__u32 flags;
	__u32 type;
	__u32 index;
	__u32 pad;
	__u64 mask;
	__u64 reserved[3];
};

/*
 * struct altp2m_monitor_response - ALTP2M_MONITOR_RESPOND
 * @flags:     ALTP2M_MON_RSP_* (none: continue)
 * @vcpu:      the parked vCPU
 * @seq:       the event's @seq
 * @view:      SWITCH_VIEW and FAST_SINGLESTEP: the view to go on (after
 *             the step, for FAST_SINGLESTEP)
 * @step_view: SINGLESTEP and FAST_SINGLESTEP: the view to step on
 *             (ALTP2M_MON_VIEW_CURRENT: the one it is on)
 * @nr_ops:    ACCESS: operations, 1 .. ALTP2M_MONITOR_MAX_OPS
 * @pad:       must be 0
 * @ops:       ACCESS: user address of @nr_ops struct altp2m_batch_op,
 *             applied first as one ALTP2M_BATCH
 * @regs:      SET_REGS: the general registers, RIP and RFLAGS to load
 *             (as ALTP2M_SET_REGS)
 * @reserved:  must be 0
 *
 * Flags and the events that take them:
 *   SWITCH_VIEW      any
 *   SINGLESTEP       any (SINGLESTEP events enabled, else EINVAL); not
 *                    with FAST_SINGLESTEP
 *   FAST_SINGLESTEP  any; with it SWITCH_VIEW is implied (@view)
 *   SET_REGS         any
 *   REINJECT         BREAKPOINT
 *   DENY             CR, MSR
 *   ACCESS           any
 */
#define ALTP2M_MON_RSP_SWITCH_VIEW	_BITUL(0)
#define ALTP2M_MON_RSP_SINGLESTEP	_BITUL(1)
#define ALTP2M_MON_RSP_FAST_SINGLESTEP	_BITUL(2)
#define ALTP2M_MON_RSP_SET_REGS		_BITUL(3)
#define ALTP2M_MON_RSP_REINJECT		_BITUL(4)
#define ALTP2M_MON_RSP_DENY		_BITUL(5)
#define ALTP2M_MON_RSP_ACCESS		_BITUL(6)

#define ALTP2M_MON_VIEW_CURRENT		0xffffffffU
#define ALTP2M_MONITOR_MAX_OPS		64

struct altp2m_monitor_response {
	__u32 flags;
	__u32 vcpu;
	__u64 seq;
	__u32 view;
	__u32 step_view;
	__u32 nr_ops;
	__u32 pad;
	__u64 ops;
	struct altp2m_regs regs;
	__u64 reserved[4];
};

/*
 * struct altp2m_monitor_pause - ALTP2M_MONITOR_PAUSE and _RESUME
 * @flags: ALTP2M_MON_PAUSE_VCPU: only @vcpu; without it every vCPU
 * @vcpu:  with ALTP2M_MON_PAUSE_VCPU, the vCPU (ENOENT if absent); else 0
 * @reserved: must be 0
 *
 * PAUSE returns 0 once the vCPUs are out of guest mode; the wait is not
 * interruptible, and short: a vCPU leaves guest mode at its next
 * instruction boundary, and one outside ALTP2M_RUN is out already.
 */
#define ALTP2M_MON_PAUSE_VCPU		_BITUL(0)

struct altp2m_monitor_pause {
	__u32 flags;
	__u32 vcpu;
	__u64 reserved[2];
};

/*
 * struct altp2m_monitor_vcpu_state - ALTP2M_MONITOR_GET/SET_VCPU_STATE
 * @flags: which parts: ALTP2M_MON_STATE_REGS, _SREGS, _MSRS (at least one)
 * @vcpu:  the vCPU, paused or parked (EBUSY otherwise)
 * @regs:  REGS: user address of a struct altp2m_regs
 * @sregs: SREGS: user address of a struct altp2m_sregs
 * @msrs:  MSRS: user address of a struct altp2m_msrs, as ALTP2M_GET_MSRS
 * @reserved: must be 0
 *
 * SET checks every part before it writes any.
 */
#define ALTP2M_MON_STATE_REGS		_BITUL(0)
#define ALTP2M_MON_STATE_SREGS		_BITUL(1)
#define ALTP2M_MON_STATE_MSRS		_BITUL(2)

struct altp2m_monitor_vcpu_state {
	__u32 flags;
	__u32 vcpu;
	__u64 regs;
	__u64 sregs;
	__u64 msrs;
	__u64 reserved[4];
};

/*
 * struct altp2m_monitor_mem - ALTP2M_MONITOR_READ_MEM and _WRITE_MEM
 * @flags: ALTP2M_MON_MEM_GVA: @addr is a linear address, translated with
 *         @vcpu's paging (paused or parked, EBUSY otherwise), as a
 *         supervisor read (or write) would be but ignoring access rights;
 *         without it, @addr is guest-physical
 * @vcpu:  GVA: the vCPU; else 0
 * @view:  the view to read through (ALTP2M_MON_VIEW_CURRENT: @vcpu's
 *         current view, GVA only); remaps of that view are followed
 * @pad:   must be 0
 * @addr:  where
 * @len:   bytes, 1 .. ALTP2M_MONITOR_MAX_MEM
 * @buf:   user address of the buffer
 * @done:  out: bytes copied, from @addr on; less than @len when the copy
 *         reached a byte with no memory or no translation (then
 *         @fault_addr says which)
 * @fault_addr: out: the first address not copied, when @done < @len
 * @reserved: must be 0
 *
 * Returns 0 whenever the arguments were good, @done telling how far the
 * copy went; EFAULT only for @buf.
 */
#define ALTP2M_MON_MEM_GVA		_BITUL(0)

#define ALTP2M_MONITOR_MAX_MEM		0x100000	/* 1 MiB */

struct altp2m_monitor_mem {
	__u32 flags;
	__u32 vcpu;
	__u32 view;
	__u32 pad;
	__u64 addr;
	__u64 len;
	__u64 buf;
	__u64 done;
	__u64 fault_addr;
	__u64 reserved[2];
};

/*
 * struct altp2m_monitor_translate - ALTP2M_MONITOR_TRANSLATE
 * @flags: the access to check: ALTP2M_MON_XLATE_WRITE, _USER, _FETCH (none:
 *         a supervisor read)
 * @vcpu:  the vCPU whose paging translates (paused or parked, EBUSY)
 * @gva:   the linear address
 * @gpa:   out: its guest-physical address
 * @error: out: when the address does not translate (the call then fails
 *         with ENXIO), the page-fault error code the access would get
 * @levels: out: the paging levels walked (0 with paging off)
 * @reserved: must be 0
 *
 * The walk reads each paging-structure entry once and stops after the
 * architectural number of levels, whatever the tables point to.
 */
#define ALTP2M_MON_XLATE_WRITE		_BITUL(1)
#define ALTP2M_MON_XLATE_USER		_BITUL(2)
#define ALTP2M_MON_XLATE_FETCH		_BITUL(4)

struct altp2m_monitor_translate {
	__u32 flags;
	__u32 vcpu;
	__u64 gva;
	__u64 gpa;
	__u32 error;
	__u32 levels;
	__u64 reserved[2];
};

/*
 * struct altp2m_monitor_info - ALTP2M_MONITOR_GET_INFO
 * @flags:        must be 0
 * @vm_id:        out: the VM
 * @events:       out: bit n set when event type n is supported
 * @sync_events:  out: bit n set when event type n can be sync
 * @async_events: out: bit n set when event type n can be async
 * @responses:    out: the ALTP2M_MON_RSP_* flags supported
 * @ring_entries: out: as attached
 * @event_size:   out: ALTP2M_MONITOR_EVENT_SIZE
 * @ring_bytes:   out: as attached
 * @max_msrs:     out: ALTP2M_MONITOR_MAX_MSRS
 * @max_ops:      out: ALTP2M_MONITOR_MAX_OPS
 * @max_mem:      out: ALTP2M_MONITOR_MAX_MEM
 * @singlestep:   out: ALTP2M_MON_STEP_MTF or ALTP2M_MON_STEP_TF
 * @pad:          must be 0
 * @reserved:     must be 0
 */
#define ALTP2M_MON_STEP_MTF		1
#define ALTP2M_MON_STEP_TF		2

struct altp2m_monitor_info {
	__u32 flags;
	__u32 vm_id;
	__u64 events;
	__u64 sync_events;
	__u64 async_events;
	__u64 responses;
	__u32 ring_entries;
	__u32 event_size;
	__u64 ring_bytes;
	__u32 max_msrs;
	__u32 max_ops;
	__u64 max_mem;
	__u32 singlestep;
	__u32 pad;
	__u64 reserved[6];
};

/*
 * Hidden frames
 * =============
 *
 * Guest-physical frames that the guest's memory map does not have: the
 * module allocates them (zeroed, charged to the caller's memory cgroup),
 * view 0 never maps them, and no view maps them at their own gfn: a guest
 * access to a hidden gfn, from any view, is what an access to a gfn with
 * no memory is (an MMIO exit to the VMM). A view reaches one only through
 * a remap (ALTP2M_REMAP_GFN, the batch's REMAP, netlink's REMAP) whose
 * target it is; that is what they are for: the shadow copies of code pages
 * that hidden breakpoints live in, and "sink" pages, with no frame of the
 * guest's own given up for them (Xen's tools populate extra gfns above
 * the guest's memory for the same purpose, which the guest can map).
 *
 * ALTP2M_ADD_HIDDEN_FRAMES takes on a VM fd, on a monitor fd, and as
 * netlink's ALTP2M_CMD_ADD_HIDDEN (ALTP2M_A_GFN, ALTP2M_A_NPAGES):
 * @nr frames from @gfn. Errors: EINVAL for flags, padding, @nr 0 or over
 * ALTP2M_MAX_HIDDEN_ADD, or a range beyond the guest-physical width;
 * EEXIST when any gfn of the range is guest RAM (a memory region),
 * hidden already, or still remapped by a view (a remap outlives its
 * gfn's region); ENOSPC beyond the module parameter max_hidden_frames
 * per VM; ENOMEM. A memory region created over a hidden gfn later is
 * EEXIST too. ALTP2M_REMOVE_HIDDEN_FRAMES (netlink ALTP2M_CMD_REMOVE_
 * HIDDEN) removes @nr frames from @gfn: ENOENT unless all of them are
 * hidden, EBUSY while a hidden breakpoint is registered in one of them;
 * else every remap to them in every view reverts to lazy fill (exactly
 * those remaps, as when a memory region goes away; counted in
 * remaps_invalidated), the views are flushed, and only then are the
 * frames freed. Both work while vCPUs run.
 *
 * The monitor's READ_MEM and WRITE_MEM by guest-physical address reach a
 * hidden frame at its own gfn through any view (that is how a daemon
 * fills a shadow page), and through a view that remaps a gfn to it, as
 * the guest would. ALTP2M_GET_VM_STATS' @nr_hidden counts them.
 */
struct altp2m_hidden_frames {
	__u32 flags;
	__u32 pad;
	__u64 gfn;
	__u64 nr;
	__u64 reserved[2];
};

#define ALTP2M_MAX_HIDDEN_ADD		512

/*
 * Hidden breakpoints (monitor fd)
 * ===============================
 *
 * A hidden breakpoint is an INT3 the module plants in a shadow copy of a
 * guest code page: a hidden frame that a view (the "execute view")
 * remaps the original gfn to, usually with execute-only access
 * (ALTP2M_ACCESS_X, which needs ALTP2M_CAP_EPT_EXEC_ONLY). vCPUs on the
 * execute view run the shadow and hit the breakpoint; their reads and
 * writes of the page go to the original, so the guest never sees the
 * INT3. libaltp2m's altp2m_mon_hide_breakpoint() builds all of it in one
 * call.
 *
 * ALTP2M_MONITOR_ADD_BREAKPOINT registers one: @gpa is where the guest
 * executes it (the original gfn and the offset in it), @shadow_gfn the
 * hidden frame, which @exec_view must remap @gpa's gfn to (EINVAL
 * otherwise: "not a shadow frame"), @clean_view the view the instruction
 * under the breakpoint is stepped on (it must map the original: usually
 * view 0; not @exec_view). The module saves the byte at @gpa's offset in
 * the shadow frame (@orig, out) and writes 0xCC there. @flags chooses
 * what a hit does:
 *
 *   none          count only: the module steps over the breakpoint by
 *                 itself and nobody is told (see @hits);
 *   ASYNC         also an async BREAKPOINT event (registers and all),
 *                 dropped and counted when the ring is full;
 *   SYNC          a sync BREAKPOINT event; the vCPU parks until the
 *                 response.
 *
 * A hit is an INT3 fetched from a planted byte of a shadow frame, found
 * by the frame the vCPU's current view maps at the INT3's address, not
 * by the view's number: a view other than @exec_view that remaps to the
 * same shadow hits it too. Stepping over: the vCPU moves to @clean_view,
 * executes the original instruction there as a monitor's single step does
 * (MTF, or TF with #DB intercepted, invisible to the guest; an exception
 * or interrupt the instruction raises is delivered and the step ends at
 * its handler), and goes back to the view it hit the breakpoint on,
 * without leaving the module. An original instruction that is a no-op
 * (NOP 90, the multi-byte NOP 0f 1f /0 after 66 or segment prefixes,
 * PAUSE, ENDBR64, ENDBR32, read from @clean_view's page at ADD and at each
 * resync, whole within the page) is instead completed in place, in
 * 32- and 64-bit code: RIP moves past it, with no view switch and no
 * step, as if it had retired (an STI or MOV-SS shadow ends; the guest's
 * own TF gets its single-step #DB after it): one VM exit per hit instead
 * of two. It counts in @bp_hits, not @bp_steps. BREAKPOINT events of hidden breakpoints
 * carry ALTP2M_MON_BPF_HIDDEN, the breakpoint's @id and @hits; they come
 * whether or not BREAKPOINT events are enabled with SET_EVENT (those are
 * for the guest's own INT3s, which still reach the guest or the monitor
 * as before). The response to a SYNC hit: "continue" steps over as
 * above; SET_REGS that moves RIP, SWITCH_VIEW, SINGLESTEP or
 * FAST_SINGLESTEP do what they say instead of the step-over (or the
 * no-op's completion, which "continue" gives as well); ACCESS and
 * SET_REGS otherwise apply before it; REINJECT is EINVAL (the guest did
 * not plant it).
 *
 * The guest's reads and writes of a gfn whose current view remaps it to a
 * shadow frame with breakpoints, when the view's access refuses them (as
 * execute-only does), never reach the VMM or the monitor: the module
 * steps the instruction on the clean view of one of the frame's
 * breakpoints, where it reads or writes the original frame. After such a
 * write the module copies the original page into the shadow again and
 * plants the frame's breakpoints anew (their @orig become the new bytes),
 * so code the guest patches (Linux's static keys, alternatives) runs as
 * patched in the shadow too. A write by any other route (the VMM's
 * mapping, the monitor's WRITE_MEM through a view that does not remap the
 * page, a DMA) does not update the shadow: write through the execute
 * view, or remove and add the breakpoints again.
 *
 * ALTP2M_MONITOR_REMOVE_BREAKPOINT (@id in, nothing else) puts @orig back
 * into the shadow frame, kicks every vCPU out of guest mode (so none runs
 * on a stale instruction fetch) and forgets the breakpoint; a vCPU that
 * hit it before and is stepping or parked finishes normally, and an INT3
 * exit that finds no breakpoint where a planted byte was retries the
 * instruction instead of giving the guest a #BP. ALTP2M_MONITOR_GET_
 * BREAKPOINT fills the struct for @id. Closing the monitor fd removes
 * every breakpoint of it first (before step 1 of "Closing").
 *
 * Errors of ADD: EINVAL (flags, padding, both SYNC and ASYNC, @gpa beyond
 * the guest-physical width, @shadow_gfn not hidden, the remap missing,
 * @clean_view == @exec_view), ESRCH for a view that does not exist,
 * EEXIST when a breakpoint of any monitor sits at that byte of that frame
 * already, ENOSPC beyond ALTP2M_MONITOR_MAX_BREAKPOINTS per VM. REMOVE
 * and GET: ENOENT for an unknown @id.
 */
#define ALTP2M_MON_BP_ASYNC		_BITUL(0)
#define ALTP2M_MON_BP_SYNC		_BITUL(1)

#define ALTP2M_MONITOR_MAX_BREAKPOINTS	4096

/*
 * struct altp2m_monitor_breakpoint - ADD/REMOVE/GET_BREAKPOINT
 * @flags:      ADD: ALTP2M_MON_BP_*; REMOVE and GET: must be 0
 * @id:         out (ADD), in (REMOVE, GET): 1 .. 2^31 - 1, unique in the VM
 * @gpa:        where the guest executes the breakpoint
 * @shadow_gfn: the hidden frame that holds the INT3
 * @exec_view:  a view remapping @gpa's gfn to @shadow_gfn (checked at ADD)
 * @clean_view: the view to step on
 * @orig:       out: the byte under the INT3
 * @pad:        must be 0
 * @hits:       out (GET): hits so far, every action
 * @reserved:   must be 0
 */
struct altp2m_monitor_breakpoint {
	__u32 flags;
	__u32 id;
	__u64 gpa;
	__u64 shadow_gfn;
	__u32 exec_view;
	__u32 clean_view;
	__u8 orig;
	__u8 pad[7];
	__u64 hits;
	__u64 reserved[4];
};

/*
 * CR3 views (monitor fd)
 * ======================
 *
 * ALTP2M_MONITOR_SET_CR3_VIEWS installs a table that moves a vCPU to a
 * view when its guest writes CR3, by the new value: per-process views
 * with no event per context switch. An entry matches when
 * (new CR3 & @cr3_mask) == (@cr3 & @cr3_mask); @cr3_mask 0 means
 * ALTP2M_MON_CR3_MASK_DEFAULT (the page-table base: bits 51:12, so the
 * PCID and bit 63 do not count); clear bit 12 as well for a Linux guest
 * with page-table isolation, whose user and kernel CR3 differ there. A
 * CR3 no entry matches moves the vCPU to @default_view, or leaves it
 * where it is with ALTP2M_MON_VIEW_CURRENT. The switch happens when the
 * write does (after a sync CR3 event's response, unless that response
 * switched the view itself, or denied the write). Installing replaces the
 * whole table at once and applies it to every vCPU's current CR3 before
 * its next entry; ALTP2M_MON_CR3_ENABLE clear (with @nr 0) removes it.
 * An entry whose view is destroyed later is skipped (the vCPU stays).
 * Switches it makes count as the monitor's (step 5 of "Closing"); closing
 * the monitor fd removes the table.
 *
 * Cost: while a table is installed every CR3 write exits (a Linux guest
 * with page-table isolation writes CR3 twice per system call); the exits
 * are handled in the module and counted (struct altp2m_monitor_stats).
 *
 * Errors: EINVAL (flags, padding, @nr over ALTP2M_MONITOR_MAX_CR3_VIEWS or
 * non-zero without ENABLE, two entries that match the same CR3), ESRCH
 * for a view that does not exist, EFAULT.
 */
#define ALTP2M_MON_CR3_ENABLE		_BITUL(0)
#define ALTP2M_MON_CR3_MASK_DEFAULT	0x000ffffffffff000ULL
#define ALTP2M_MONITOR_MAX_CR3_VIEWS	4096

struct altp2m_monitor_cr3_view {
	__u64 cr3;
	__u32 view;
	__u32 pad;
};

struct altp2m_monitor_cr3_table {
	__u32 flags;
	__u32 default_view;
	__u64 cr3_mask;
	__u32 nr;
	__u32 pad;
	__u64 entries;
	__u64 reserved[4];
};

/*
 * struct altp2m_monitor_stats - ALTP2M_MONITOR_GET_STATS: one vCPU's
 * counters of the monitor's work, since the vCPU was created
 * @flags:          must be 0
 * @vcpu:           the vCPU (ENOENT)
 * @events:         events written to its ring (sync and async)
 * @sync_waits:     sync events it parked on
 * @poll_hits:      parked vCPUs that found their response while polling
 *                  before sleeping
 * @poll_misses:    ... that polled and slept anyway
 * @bp_hits:        hidden breakpoint hits (every action)
 * @bp_steps:       step-overs the module did by itself (a no-op it
 *                  completed in place is a hit, not a step)
 * @bp_retries:     INT3 exits at a byte no longer planted (retried)
 * @shadow_steps:   reads and writes of shadowed pages stepped on the
 *                  clean view
 * @shadow_resyncs: shadow frames copied again after a guest write
 * @cr3_exits:      CR3 writes seen while a CR3 table was installed
 * @cr3_switches:   view switches the CR3 table made
 * @exits:          VM exits of the vCPU, every reason (as
 *                  altp2m_vcpu_stats.hw_exits), for what the above cost
 * @l1d_flushes:    L1D flushes before its VM entries (the L1TF
 *                  mitigation; module parameter l1d_flush), for the same
 *                  reason; took the place of reserved space, so a module
 *                  that predates it reads 0
 * @reserved:       must be 0
 */
struct altp2m_monitor_stats {
	__u32 flags;
	__u32 vcpu;
	__u64 events;
	__u64 sync_waits;
	__u64 poll_hits;
	__u64 poll_misses;
	__u64 bp_hits;
	__u64 bp_steps;
	__u64 bp_retries;
	__u64 shadow_steps;
	__u64 shadow_resyncs;
	__u64 cr3_exits;
	__u64 cr3_switches;
	__u64 exits;
	__u64 l1d_flushes;
	__u64 reserved[6];
};

/*
 * ioctls on /dev/altp2m. ALTP2M_GET_API_VERSION and ALTP2M_GET_RUN_SIZE
 * (the bytes to mmap on a vCPU fd) take no argument: it must be 0.
 */
#define ALTP2M_GET_API_VERSION	_IO(ALTP2MIO, 0x00)
#define ALTP2M_GET_CAPS		_IOWR(ALTP2MIO, 0x01, struct altp2m_caps)
#define ALTP2M_CREATE_VM	_IOWR(ALTP2MIO, 0x02, struct altp2m_create_vm)
#define ALTP2M_GET_RUN_SIZE	_IO(ALTP2MIO, 0x03)
#define ALTP2M_GET_SUPPORTED_CPUID _IOWR(ALTP2MIO, 0x04, struct altp2m_cpuid)
/* Also on a VM fd (see "Monitors"). */
#define ALTP2M_MONITOR_ATTACH	_IOWR(ALTP2MIO, 0x05, struct altp2m_monitor_attach)

/* ioctls on a VM fd */
#define ALTP2M_SET_MEMORY_REGION _IOW(ALTP2MIO, 0x10, struct altp2m_memory_region)
#define ALTP2M_CREATE_VCPU	_IOW(ALTP2MIO, 0x11, struct altp2m_create_vcpu)
#define ALTP2M_GET_VM_STATS	_IOWR(ALTP2MIO, 0x12, struct altp2m_vm_stats)
#define ALTP2M_VIEWS_ENABLE	_IOW(ALTP2MIO, 0x13, struct altp2m_views_enable)
#define ALTP2M_VIEWS_DISABLE	_IO(ALTP2MIO, 0x14)
#define ALTP2M_CREATE_VIEW	_IOWR(ALTP2MIO, 0x15, struct altp2m_view_create)
#define ALTP2M_DESTROY_VIEW	_IOW(ALTP2MIO, 0x16, struct altp2m_view_destroy)
#define ALTP2M_SET_MEM_ACCESS	_IOW(ALTP2MIO, 0x17, struct altp2m_gfn_set)
#define ALTP2M_SET_SUPPRESS_VE	_IOW(ALTP2MIO, 0x18, struct altp2m_gfn_set)
#define ALTP2M_GET_MEM_ACCESS	_IOWR(ALTP2MIO, 0x19, struct altp2m_gfn_get)
#define ALTP2M_REMAP_GFN	_IOW(ALTP2MIO, 0x1a, struct altp2m_gfn_remap)
#define ALTP2M_LIST_VIEWS	_IOWR(ALTP2MIO, 0x1b, struct altp2m_view_list)
#define ALTP2M_DUMP_VIEW	_IOWR(ALTP2MIO, 0x1c, struct altp2m_view_dump)
#define ALTP2M_SET_VIEW_VISIBILITY _IOW(ALTP2MIO, 0x1d, struct altp2m_view_visibility)
#define ALTP2M_SWITCH_VIEW	_IOW(ALTP2MIO, 0x1e, struct altp2m_switch_view)
#define ALTP2M_GET_VCPU_VIEWS	_IOWR(ALTP2MIO, 0x1f, struct altp2m_vcpu_views)
#define ALTP2M_BATCH		_IOWR(ALTP2MIO, 0x30, struct altp2m_batch)
#define ALTP2M_GET_VM_STATUS	_IOWR(ALTP2MIO, 0x31, struct altp2m_vm_status)
#define ALTP2M_SIGNAL_MSI	_IOW(ALTP2MIO, 0x32, struct altp2m_msi)
#define ALTP2M_IRQFD		_IOW(ALTP2MIO, 0x33, struct altp2m_irqfd)
#define ALTP2M_GET_CPUID	_IOWR(ALTP2MIO, 0x34, struct altp2m_cpuid)
#define ALTP2M_SET_CPUID	_IOW(ALTP2MIO, 0x35, struct altp2m_cpuid)
/* Also on a monitor fd. */
#define ALTP2M_ADD_HIDDEN_FRAMES _IOW(ALTP2MIO, 0x36, struct altp2m_hidden_frames)
#define ALTP2M_REMOVE_HIDDEN_FRAMES _IOW(ALTP2MIO, 0x37, struct altp2m_hidden_frames)

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
#define ALTP2M_SET_VCPU_VIEW	_IOW(ALTP2MIO, 0x28, struct altp2m_vcpu_view)
#define ALTP2M_GET_VCPU_VIEW	_IOWR(ALTP2MIO, 0x29, struct altp2m_vcpu_view)
#define ALTP2M_SET_VE_PAGE	_IOW(ALTP2MIO, 0x2a, struct altp2m_ve_page)
#define ALTP2M_GET_VCPU_EVENTS	_IOWR(ALTP2MIO, 0x2b, struct altp2m_vcpu_events)
#define ALTP2M_SET_VCPU_EVENTS	_IOW(ALTP2MIO, 0x2c, struct altp2m_vcpu_events)
#define ALTP2M_GET_MP_STATE	_IOWR(ALTP2MIO, 0x2d, struct altp2m_mp_state)
#define ALTP2M_SET_MP_STATE	_IOW(ALTP2MIO, 0x2e, struct altp2m_mp_state)
#define ALTP2M_GET_LAPIC	_IOWR(ALTP2MIO, 0x2f, struct altp2m_lapic_state)
#define ALTP2M_SET_LAPIC	_IOW(ALTP2MIO, 0x38, struct altp2m_lapic_state)
#define ALTP2M_GET_VCPU_EXIT_COUNTS _IOWR(ALTP2MIO, 0x39, struct altp2m_vcpu_exit_counts)

/*
 * ioctls on a monitor fd; it also takes the VM fd's view ioctls
 * (ALTP2M_VIEWS_ENABLE to ALTP2M_GET_VCPU_VIEWS, ALTP2M_BATCH,
 * ALTP2M_GET_VM_STATUS) and ALTP2M_ADD/REMOVE_HIDDEN_FRAMES with their
 * semantics.
 */
#define ALTP2M_MONITOR_GET_INFO	_IOWR(ALTP2MIO, 0x40, struct altp2m_monitor_info)
#define ALTP2M_MONITOR_SET_EVENT _IOW(ALTP2MIO, 0x41, struct altp2m_monitor_event_ctl)
#define ALTP2M_MONITOR_RESPOND	_IOW(ALTP2MIO, 0x42, struct altp2m_monitor_response)
#define ALTP2M_MONITOR_PAUSE	_IOW(ALTP2MIO, 0x43, struct altp2m_monitor_pause)
#define ALTP2M_MONITOR_RESUME	_IOW(ALTP2MIO, 0x44, struct altp2m_monitor_pause)
#define ALTP2M_MONITOR_GET_VCPU_STATE _IOW(ALTP2MIO, 0x45, struct altp2m_monitor_vcpu_state)
#define ALTP2M_MONITOR_SET_VCPU_STATE _IOW(ALTP2MIO, 0x46, struct altp2m_monitor_vcpu_state)
#define ALTP2M_MONITOR_READ_MEM	_IOWR(ALTP2MIO, 0x47, struct altp2m_monitor_mem)
#define ALTP2M_MONITOR_WRITE_MEM _IOWR(ALTP2MIO, 0x48, struct altp2m_monitor_mem)
#define ALTP2M_MONITOR_TRANSLATE _IOWR(ALTP2MIO, 0x49, struct altp2m_monitor_translate)
#define ALTP2M_MONITOR_ADD_BREAKPOINT _IOWR(ALTP2MIO, 0x4a, struct altp2m_monitor_breakpoint)
#define ALTP2M_MONITOR_REMOVE_BREAKPOINT _IOW(ALTP2MIO, 0x4b, struct altp2m_monitor_breakpoint)
#define ALTP2M_MONITOR_GET_BREAKPOINT _IOWR(ALTP2MIO, 0x4c, struct altp2m_monitor_breakpoint)
#define ALTP2M_MONITOR_SET_CR3_VIEWS _IOW(ALTP2MIO, 0x4d, struct altp2m_monitor_cr3_table)
#define ALTP2M_MONITOR_GET_STATS _IOWR(ALTP2MIO, 0x4e, struct altp2m_monitor_stats)

/*
 * Generic netlink family ALTP2M_GENL_NAME ("altp2m"), version
 * ALTP2M_GENL_VERSION: the view operations for processes that do not own
 * the VM (introspection daemons, altp2mctl). It reaches the same code as
 * the VM fd's view ioctls, with the same semantics and errors. Its YNL
 * spec is Documentation/netlink/specs/altp2m.yaml.
 *
 * Addressing. Every command except the dump of ALTP2M_CMD_GET_VM names
 * its VM with ALTP2M_A_VM_ID, the id ALTP2M_CREATE_VM returned. A VM is
 * visible only in the network namespace of the process that created it;
 * from another namespace it does not exist (ENOENT).
 *
 * Permission. Every command, reading or writing, needs CAP_NET_ADMIN or
 * CAP_SYS_ADMIN in the user namespace of the VM's creator, held by both
 * the process that opened the socket and the one sending (EPERM). The
 * dump of ALTP2M_CMD_GET_VM lists only VMs the caller has that right
 * over. Reads are not opened wider because a view's restrictions say
 * exactly what an introspection tool watches, which is what the guest's
 * malware would like to learn.
 *
 * Validation is strict: an attribute the command does not take, an
 * unknown attribute, a wrong length or an out-of-range value fails with
 * EINVAL (ERANGE for ranges), and a missing one with EINVAL; the extended
 * ack carries a message and the offset of the attribute at fault (or the
 * type of the missing one), which libaltp2m turns into its name.
 *
 * Dumps. ALTP2M_CMD_GET_VM (all VMs), ALTP2M_CMD_GET_VIEW (the views of a
 * VM) and ALTP2M_CMD_DUMP_VIEW (a view's entries that differ from lazy
 * fill, as runs) send one message per object. A dump may span several
 * reads; when the VMs or the VM changed in between, a message carries
 * NLM_F_DUMP_INTR and the caller should start over. Every message of a
 * VM dump carries ALTP2M_A_GENERATION, which changes with every change to
 * the VM's views.
 *
 * Notifications go to the multicast group ALTP2M_GENL_MCGRP_EVENTS
 * ("events"), to listeners in the VM's network namespace: ALTP2M_CMD_
 * VM_CREATED and VM_DESTROYED (ALTP2M_A_VM_ID), VIEWS_ENABLED (with
 * ALTP2M_A_MAX_VIEWS, ALTP2M_A_MODE) and VIEWS_DISABLED, VIEW_CREATED and
 * VIEW_DESTROYED (ALTP2M_A_VIEW). They come from whichever door made the
 * change: a VM fd ioctl, netlink, or the guest's own call.
 *
 * Commands and their attributes ([] optional):
 *
 * GET_VM          do: VM_ID; dump: nothing. Reply per VM: VM_ID,
 *                 OWNER_PID (in the caller's pid namespace, 0 if not
 *                 visible there), NR_VCPUS, MEM_PAGES, VIEWS_ENABLED,
 *                 MAX_VIEWS, MODE, NR_VIEWS, GENERATION
 * VIEWS_ENABLE    VM_ID, [MAX_VIEWS] (0 or absent: 10, as the ioctl),
 *                 [MODE] (absent: external)
 * VIEWS_DISABLE   VM_ID
 * CREATE_VIEW     VM_ID, [DEFAULT_ACCESS]. Reply: VM_ID, VIEW
 * DESTROY_VIEW    VM_ID, VIEW
 * GET_VIEW        do: VM_ID, VIEW; dump: VM_ID. Reply per view: VM_ID,
 *                 VIEW, VCPUS_ON, DEFAULT_ACCESS, NR_LEAVES, NR_PAGES,
 *                 NR_TABLES, NR_REMAPS, GENERATION (as struct
 *                 altp2m_view_info)
 * SWITCH_VIEW     VM_ID, VIEW, [VCPU] (absent: every vCPU)
 * SET_ACCESS      VM_ID, VIEW, and either GFN, [NPAGES] (absent: 1),
 *                 ACCESS, or one or more ENTRY nests (GFN, ACCESS): a
 *                 list, applied all-or-nothing as ALTP2M_GFN_SET_LIST
 * SET_SVE         as SET_ACCESS with SVE (0 or 1) in place of ACCESS
 * GET_ACCESS      VM_ID, VIEW, GFN. Reply: VM_ID, VIEW, GFN, ACCESS, SVE
 * REMAP           VM_ID, VIEW, GFN, TARGET (GFN itself or
 *                 ALTP2M_GFN_INVALID reverts)
 * SET_VISIBILITY  VM_ID, VIEW, VISIBLE, [VCPU] (absent: every vCPU)
 * DUMP_VIEW       dump: VM_ID, VIEW. Reply per run: VM_ID, VIEW,
 *                 GENERATION, ENTRY (GFN, NPAGES, TARGET, ACCESS, SVE)
 * GET_STATS       VM_ID. Reply: VM_ID, STATS (struct altp2m_vm_stats,
 *                 one u64 per field)
 * GET_VCPU_VIEWS  VM_ID. Reply: VM_ID, one VCPU_VIEW nest per vCPU
 *                 (VCPU, VIEW), as ALTP2M_GET_VCPU_VIEWS
 * BATCH           VM_ID, one or more OP nests (TYPE, VIEW, GFN, [NPAGES]
 *                 (absent: 1), VALUE for the SET_* types, TARGET for
 *                 REMAP and only there; as struct altp2m_batch_op; a TYPE
 *                 out of range is ERANGE), [GENERATION] (present: commit only if
 *                 the views generation is still that, else ESTALE).
 *                 Applied as ALTP2M_BATCH. Reply: VM_ID, GENERATION
 * TXN_BEGIN       VM_ID. Reply: VM_ID, TXN_ID, GENERATION (the views
 *                 generation now)
 * TXN_STAGE       VM_ID, TXN_ID, one or more OP nests: appended to the
 *                 transaction, checked as BATCH checks them, not applied
 * TXN_COMMIT      VM_ID, TXN_ID, [GENERATION]: the staged operations, in
 *                 staging order, applied as one BATCH; the transaction
 *                 ends whether the commit succeeds or not. Reply: VM_ID,
 *                 GENERATION
 * TXN_ABORT       VM_ID, TXN_ID: the transaction ends, nothing applied
 * ADD_HIDDEN      VM_ID, GFN, [NPAGES] (absent: 1): as
 *                 ALTP2M_ADD_HIDDEN_FRAMES ("Hidden frames")
 * REMOVE_HIDDEN   VM_ID, GFN, [NPAGES] (absent: 1): as
 *                 ALTP2M_REMOVE_HIDDEN_FRAMES
 *
 * Transactions make a change too large for one message exactly as atomic
 * as one ALTP2M_BATCH ioctl. A transaction belongs to the socket that
 * began it (another socket's TXN_* on it: ENOENT) and to one VM (EINVAL
 * for another VM_ID); it ends at commit or abort, when that socket is
 * closed, or when the VM is destroyed, and its staged operations are
 * freed then. Limits: ALTP2M_TXN_MAX_PER_SOCKET open transactions per
 * socket (EBUSY), ALTP2M_BATCH_MAX_OPS operations per transaction
 * (E2BIG); the staged operations are charged to the sender's memory
 * cgroup. Changes by others between TXN_BEGIN and TXN_COMMIT are applied
 * before the commit, which runs against the VM as it is then; a caller
 * that must not build on a changed VM passes TXN_BEGIN's GENERATION to
 * TXN_COMMIT (ESTALE then, nothing applied, the transaction ended).
 *
 * When one operation of BATCH or TXN_COMMIT fails, the extended ack's
 * message names it ("operation N: ...") and its cookie
 * (NLMSGERR_ATTR_COOKIE) holds N, a u32 in host byte order: the index of
 * the operation in the batch or transaction, counting from 0 across all
 * TXN_STAGE messages. Errors of a TXN_STAGE or BATCH message's own
 * attributes point at the attribute (offset) as for other commands.
 *
 * Numbers of commands and attributes are ABI: new ones are added at the
 * end of their enum.
 */
#define ALTP2M_GENL_NAME		"altp2m"
#define ALTP2M_GENL_VERSION		1
#define ALTP2M_GENL_MCGRP_EVENTS	"events"

enum altp2m_cmd {
	ALTP2M_CMD_UNSPEC,
	ALTP2M_CMD_GET_VM,
	ALTP2M_CMD_VIEWS_ENABLE,
	ALTP2M_CMD_VIEWS_DISABLE,
	ALTP2M_CMD_CREATE_VIEW,
	ALTP2M_CMD_DESTROY_VIEW,
	ALTP2M_CMD_GET_VIEW,
	ALTP2M_CMD_SWITCH_VIEW,
	ALTP2M_CMD_SET_ACCESS,
	ALTP2M_CMD_SET_SVE,
	ALTP2M_CMD_GET_ACCESS,
	ALTP2M_CMD_REMAP,
	ALTP2M_CMD_SET_VISIBILITY,
	ALTP2M_CMD_DUMP_VIEW,
	ALTP2M_CMD_GET_STATS,
	ALTP2M_CMD_GET_VCPU_VIEWS,
	ALTP2M_CMD_VM_CREATED,
	ALTP2M_CMD_VM_DESTROYED,
	ALTP2M_CMD_VIEWS_ENABLED,
	ALTP2M_CMD_VIEWS_DISABLED,
	ALTP2M_CMD_VIEW_CREATED,
	ALTP2M_CMD_VIEW_DESTROYED,
	ALTP2M_CMD_BATCH,
	ALTP2M_CMD_TXN_BEGIN,
	ALTP2M_CMD_TXN_STAGE,
	ALTP2M_CMD_TXN_COMMIT,
	ALTP2M_CMD_TXN_ABORT,
	ALTP2M_CMD_ADD_HIDDEN,
	ALTP2M_CMD_REMOVE_HIDDEN,

	__ALTP2M_CMD_MAX,
	ALTP2M_CMD_MAX = __ALTP2M_CMD_MAX - 1
};

/* Top-level attributes. */
enum altp2m_attr {
	ALTP2M_A_UNSPEC,
	ALTP2M_A_PAD,
	ALTP2M_A_VM_ID,			/* u32 */
	ALTP2M_A_OWNER_PID,		/* u32 */
	ALTP2M_A_NR_VCPUS,		/* u32 */
	ALTP2M_A_MEM_PAGES,		/* u64 */
	ALTP2M_A_VIEWS_ENABLED,		/* u8: 0 or 1 */
	ALTP2M_A_MAX_VIEWS,		/* u32: 0 .. ALTP2M_MAX_VIEWS */
	ALTP2M_A_MODE,			/* u32: ALTP2M_MODE_* */
	ALTP2M_A_NR_VIEWS,		/* u32 */
	ALTP2M_A_GENERATION,		/* u64 */
	ALTP2M_A_VIEW,			/* u32: 0 .. ALTP2M_MAX_VIEWS - 1 */
	ALTP2M_A_VCPU,			/* u32: 0 .. ALTP2M_MAX_VCPUS - 1 */
	ALTP2M_A_GFN,			/* u64 */
	ALTP2M_A_NPAGES,		/* u64: >= 1 */
	ALTP2M_A_ACCESS,		/* u8: ALTP2M_ACCESS_* */
	ALTP2M_A_SVE,			/* u8: 0 or 1 */
	ALTP2M_A_TARGET,		/* u64 */
	ALTP2M_A_VISIBLE,		/* u8: 0 or 1 */
	ALTP2M_A_DEFAULT_ACCESS,	/* u8: ALTP2M_ACCESS_* */
	ALTP2M_A_VCPUS_ON,		/* u32 */
	ALTP2M_A_NR_LEAVES,		/* u64 */
	ALTP2M_A_NR_PAGES,		/* u64 */
	ALTP2M_A_NR_TABLES,		/* u64 */
	ALTP2M_A_NR_REMAPS,		/* u64 */
	ALTP2M_A_ENTRY,			/* nest: enum altp2m_entry_attr */
	ALTP2M_A_STATS,			/* nest: enum altp2m_stats_attr */
	ALTP2M_A_VCPU_VIEW,		/* nest: enum altp2m_vcpu_view_attr */
	ALTP2M_A_OP,			/* nest: enum altp2m_op_attr */
	ALTP2M_A_TXN_ID,		/* u32, not 0 */

	__ALTP2M_A_MAX,
	ALTP2M_A_MAX = __ALTP2M_A_MAX - 1
};

/* In ALTP2M_A_ENTRY: a list item (SET_*) or a dumped run (DUMP_VIEW). */
enum altp2m_entry_attr {
	ALTP2M_ENTRY_A_UNSPEC,
	ALTP2M_ENTRY_A_PAD,
	ALTP2M_ENTRY_A_GFN,		/* u64 */
	ALTP2M_ENTRY_A_NPAGES,		/* u64 */
	ALTP2M_ENTRY_A_TARGET,		/* u64 */
	ALTP2M_ENTRY_A_ACCESS,		/* u8 */
	ALTP2M_ENTRY_A_SVE,		/* u8 */

	__ALTP2M_ENTRY_A_MAX,
	ALTP2M_ENTRY_A_MAX = __ALTP2M_ENTRY_A_MAX - 1
};

/* In ALTP2M_A_OP: one operation, as struct altp2m_batch_op. */
enum altp2m_op_attr {
	ALTP2M_OP_A_UNSPEC,
	ALTP2M_OP_A_PAD,
	ALTP2M_OP_A_TYPE,		/* u16: ALTP2M_BATCH_SET_ACCESS .. */
	ALTP2M_OP_A_VIEW,		/* u32 */
	ALTP2M_OP_A_GFN,		/* u64 */
	ALTP2M_OP_A_NPAGES,		/* u64: >= 1; absent: 1 */
	ALTP2M_OP_A_TARGET,		/* u64: REMAP only */
	ALTP2M_OP_A_VALUE,		/* u8: SET_ACCESS, SET_SVE only */

	__ALTP2M_OP_A_MAX,
	ALTP2M_OP_A_MAX = __ALTP2M_OP_A_MAX - 1
};

/* Open transactions one netlink socket may hold. */
#define ALTP2M_TXN_MAX_PER_SOCKET	16

/* In ALTP2M_A_STATS: the fields of struct altp2m_vm_stats, u64 each. */
enum altp2m_stats_attr {
	ALTP2M_STATS_A_UNSPEC,
	ALTP2M_STATS_A_PAD,
	ALTP2M_STATS_A_NR_VCPUS,
	ALTP2M_STATS_A_MEM_PAGES,
	ALTP2M_STATS_A_EPT_TABLES,
	ALTP2M_STATS_A_EPT_MAPS_4K,
	ALTP2M_STATS_A_EPT_MAPS_2M,
	ALTP2M_STATS_A_EPT_FLUSHES,
	ALTP2M_STATS_A_INVEPT,
	ALTP2M_STATS_A_VIEW_EVENTS,
	ALTP2M_STATS_A_VIEW_PROMOTIONS,
	ALTP2M_STATS_A_REMAPS_INVALIDATED,
	ALTP2M_STATS_A_VIEW_SPLITS,
	ALTP2M_STATS_A_NR_VIEWS,
	ALTP2M_STATS_A_NR_HIDDEN,

	__ALTP2M_STATS_A_MAX,
	ALTP2M_STATS_A_MAX = __ALTP2M_STATS_A_MAX - 1
};

/* In ALTP2M_A_VCPU_VIEW: one vCPU and the view it is on. */
enum altp2m_vcpu_view_attr {
	ALTP2M_VCPU_VIEW_A_UNSPEC,
	ALTP2M_VCPU_VIEW_A_VCPU,	/* u32 */
	ALTP2M_VCPU_VIEW_A_VIEW,	/* u32 */

	__ALTP2M_VCPU_VIEW_A_MAX,
	ALTP2M_VCPU_VIEW_A_MAX = __ALTP2M_VCPU_VIEW_A_MAX - 1
};

#endif /* _UAPI_LINUX_ALTP2M_H */
