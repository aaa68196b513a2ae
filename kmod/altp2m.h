/* SPDX-License-Identifier: GPL-2.0 */
/*
 * State shared by the files of the altp2m module: the host, VMs and vCPUs.
 */
#ifndef ALTP2M_H
#define ALTP2M_H

#include <linux/cpumask.h>
#include <linux/minmax.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/string.h>
#include <linux/uidgid.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <linux/altp2m.h>

#include "compat/compat.h"

#include "core/caps.h"
#include "core/ept.h"
#include "core/memslot.h"
#include "core/view.h"
#include "core/x86.h"
#include "hidden.h"
#include "irq.h"
#include "monitor.h"
#include "request.h"
#include "vmx/vmx.h"

/* Where port I/O data sits in the run page (see struct altp2m_run). */
#define ALTP2M_IO_DATA_OFFSET	1024

/*
 * What this host offers, decided once at load time and read-only after
 * that, so it needs no lock.
 */
extern struct altp2m_hw altp2m_host;

/*
 * The guest-physical address width the module takes (memory regions,
 * hidden frames, breakpoints, ALTP2M_GET_CAPS' @gpa_bits): the host's
 * MAXPHYADDR, within what a 4-level EPT maps.
 */
static inline unsigned int altp2m_gpa_bits(void)
{
	return min_t(unsigned int, boot_cpu_data.x86_phys_bits,
		     ALTP2M_EPT_GPA_BITS);
}

/**
 * struct altp2m_vm - one virtual machine (one VM file)
 * @id: system-wide id, see altp2m_vm_ids in vm.c
 * @refs: the VM file and each vCPU file hold one; the last put frees it
 * @mm: the creator's address space; ioctls from any other fail with EIO
 *	and guest memory is pinned from it
 * @lock: protects @vcpus, @nr_running and every change to @slots
 * @slots: memory regions; changed under @lock and @mmu_lock both, so
 *	either is enough to read them. They do not change while any vCPU
 *	runs (changes are refused with EBUSY), so the run loop reads them
 *	without a lock. Every change also takes @map_lock for writing
 * @map_lock: the monitor's guest-RAM mapping reads @slots under it (for
 *	reading) while it maps a page, so a page is mapped only while its
 *	region holds it (monitor_map.c); inside @mmu_lock, and nothing that
 *	takes another lock runs under it
 * @vcpus: by vCPU id; an entry is cleared when its file is released
 * @nr_running: vCPUs inside ALTP2M_RUN
 * @mmu_lock: serialises every call into @views (the CPU's page walker
 *	reads the tables concurrently), and protects @view_eptp,
 *	@free_tables and @view0_flushes
 * @views: every p2m of the VM, view 0 (the host p2m) included
 * @view_eptp: the EPTP of each view that exists, 0 for the others; a
 *	destroyed view's stays until the call that destroyed it has flushed
 *	it. Also read without a lock by a vCPU looking up where VMFUNC took
 *	it (written with WRITE_ONCE)
 * @free_tables: page-table pages unlinked by the current call into
 *	@views, freed once it has flushed (linked through page->lru)
 * @view0_flushes: flushes of view 0
 * @view_hidden: views hidden from the guest's VMFUNC for every vCPU, and
 *	for vCPUs created later (under @lock and @mmu_lock)
 * @views_mode: ALTP2M_MODE_*, what the guest may do with views itself
 *	(set under @mmu_lock, read by guest hypercalls without it)
 * @views_gen: counts changes to the views made by any door, the guest's
 *	calls, region changes, promotions and switches (not lazy fills);
 *	netlink dumps compare it (under @mmu_lock)
 * @net: the creator's network namespace: the only one that sees the VM
 *	over netlink (a reference, immutable)
 * @user_ns: the creator's user namespace, where netlink callers need
 *	their capability (a reference, immutable)
 * @owner: the creator's thread-group pid (a reference, immutable)
 * @uid: the creator's real uid, charged one VM of max_vms_per_user
 *	(immutable)
 * @branch_id: unique among the VMs of this boot, set at the first entry
 *	(cmpxchg); tells the entry path when a CPU changes VM (vmx/enter.c)
 * @flags: ALTP2M_VM_* from ALTP2M_CREATE_VM (immutable)
 * @apic: what the local APICs of the VM share, irqfds included (lapic.c;
 *	NULL without ALTP2M_VM_LAPIC; immutable pointer)
 * @cpuid: the VMM's CPUID table, @cpuid_nent entries; NULL for the
 *	supported table of @flags. Replaced under @lock while @nr_running
 *	is 0, so a vCPU in ALTP2M_RUN reads it without a lock; freed with
 *	the VM (cpuid_ioctl.c)
 * @tsc_offset: guest TSC minus host TSC at ALTP2M_CREATE_VM, where every
 *	vCPU's TSC starts (immutable)
 * @monitor: the attached monitor, NULL for none; set and cleared under
 *	@lock (monitor.h says how vCPUs read it)
 * @file_closed: the VM's own file is closed (set under @lock; a monitor's
 *	poll() says EPOLLHUP once it is and no vCPU is left)
 * @hidden: its hidden frames (hidden.c; under @mmu_lock)
 * @bps: its hidden breakpoints (breakpoint.c; changed under @mmu_lock,
 *	looked up under RCU)
 */
struct altp2m_vm {
	u32 id;
	struct kref refs;
	struct mm_struct *mm;
	struct mutex lock;		/* see above */
	struct altp2m_memslots slots;
	struct rw_semaphore map_lock;	/* see above */
	struct altp2m_vcpu *vcpus[ALTP2M_MAX_VCPUS];
	unsigned int nr_running;
	struct mutex mmu_lock;		/* see above */
	struct altp2m_views views;
	u64 view_eptp[ALTP2M_MAX_VIEWS];
	struct list_head free_tables;
	u64 view0_flushes;
	DECLARE_BITMAP(view_hidden, ALTP2M_MAX_VIEWS);
	u32 views_mode;
	u64 views_gen;
	struct net *net;
	struct user_namespace *user_ns;
	struct pid *owner;
	kuid_t uid;
	u64 branch_id;
	u32 flags;
	struct altp2m_vm_apic *apic;
	struct altp2m_cpuid_entry *cpuid;
	unsigned int cpuid_nent;
	u64 tsc_offset;
	struct altp2m_monitor *monitor;
	bool file_closed;
	struct altp2m_hidden hidden;
	struct altp2m_bps bps;
};

/*
 * What the next ALTP2M_RUN must finish before entering the guest: the
 * second half of an exit that userspace answered.
 */
enum altp2m_pending {
	ALTP2M_PENDING_NONE,
	ALTP2M_PENDING_IO_IN,
	ALTP2M_PENDING_IO_STRING_IN,
	ALTP2M_PENDING_MMIO_READ,
	ALTP2M_PENDING_HYPERCALL,
};

/**
 * struct altp2m_vcpu - one virtual CPU (one vCPU file)
 * @vm: its VM (holds a reference)
 * @id: index in @vm's vcpus
 * @lock: one ioctl at a time per vCPU (KVM's rule too)
 * @run: the page shared with userspace through mmap
 * @pending: see enum altp2m_pending; with @pending_io / @mmio
 * @view: the view it runs on; changed under @lock and the VM's mmu_lock,
 *	and counted on that view in the engine (so it cannot be destroyed)
 * @hw_view: the view the CPU was on at the vCPU's last exit (a guest
 *	VMFUNC changes it without an exit); written by the vCPU with
 *	interrupts off right after each exit, so that once a kick IPI has
 *	been taken it is current for a vCPU that was in the guest
 * @switch_to: the view ALTP2M_SWITCH_VIEW asked for while
 *	ALTP2M_REQ_SWITCH_VIEW is pending, already counted on it in the
 *	engine; the request is made, taken and cancelled under the VM's
 *	mmu_lock
 * @requests: ALTP2M_REQ_* bits, what the vCPU must do before its next
 *	entry (request.h)
 * @mode: enum altp2m_vcpu_mode: whether it may be in the guest now
 *	(request.h)
 * @cpu: the CPU it last entered on (or is entering on), -1 before the
 *	first entry; stable while @mode is IN_GUEST_MODE
 * @eptp_list: the EPTP list VMFUNC switches through: entry i is view i's
 *	EPTP when it exists and is visible to this vCPU, else 0 (invalid:
 *	VMFUNC exits and the guest gets #UD). Written under the VM's @lock
 *	and mmu_lock; the CPU reads it at each VMFUNC
 * @view_hidden: views hidden from this vCPU (same locks)
 * @ve_gfn: its #VE information page, ALTP2M_GFN_INVALID for none (under
 *	the VM's @lock; see ve.c)
 * @stats: exit counts (ALTP2M_GET_VCPU_STATS)
 * @exit_counts: VM exits by basic reason (ALTP2M_GET_VCPU_EXIT_COUNTS);
 *	written by the vCPU's thread, read under its lock
 * @lapic: its local APIC (lapic.h), NULL in a VM without ALTP2M_VM_LAPIC
 *	(immutable pointer)
 * @irq: interrupt delivery, halt and INIT/SIPI state (irq.h)
 * @mon: its monitor state (monitor.h)
 * @vmx: the hardware side
 */
struct altp2m_vcpu {
	struct altp2m_vm *vm;
	u32 id;
	struct mutex lock;		/* see above */
	struct altp2m_run *run;
	enum altp2m_pending pending;
	u32 view;
	u32 hw_view;
	u32 switch_to;
	unsigned long requests;
	int mode;
	int cpu;
	u64 *eptp_list;
	DECLARE_BITMAP(view_hidden, ALTP2M_MAX_VIEWS);
	u64 ve_gfn;
	struct altp2m_vcpu_stats stats;
	u64 exit_counts[ALTP2M_VMX_EXIT_REASONS];
	struct altp2m_lapic *lapic;
	struct altp2m_vcpu_irq irq;
	struct altp2m_vcpu_monitor mon;
	struct altp2m_vmx_vcpu vmx;
};

/* The guest's TSC now, as RDTSC in @vcpu would read it. */
static inline u64 altp2m_vcpu_guest_tsc(const struct altp2m_vcpu *vcpu)
{
	return rdtsc() + READ_ONCE(vcpu->vmx.tsc_offset);
}

/* Reserved fields and padding of uAPI structures must be 0. */
static inline bool altp2m_is_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

int altp2m_dev_init(void);
void altp2m_dev_exit(void);

int altp2m_vm_create(struct altp2m_create_vm *arg,
		     struct altp2m_create_vm __user *argp);
void altp2m_vm_put(struct altp2m_vm *vm);
int altp2m_vcpu_create(struct altp2m_vm *vm, struct altp2m_create_vcpu *arg);

/*
 * The vCPU fd's register ioctls in pieces, for the monitor fd's
 * GET/SET_VCPU_STATE, which checks every part before it writes any
 * (vcpu.c).
 */
bool altp2m_regs_padding_ok(const struct altp2m_regs *r);
bool altp2m_sregs_padding_ok(const struct altp2m_sregs *s);
int altp2m_vcpu_msrs_fetch(void __user *argp, struct altp2m_msrs *m,
			   struct altp2m_msr_entry **ents);
int altp2m_vcpu_msrs_check(struct altp2m_vcpu *vcpu,
			   const struct altp2m_msr_entry *e, u32 n, bool set);
int altp2m_vcpu_msrs_access(struct altp2m_vcpu *vcpu,
			    struct altp2m_msr_entry *e, u32 n, bool set);
/* ALTP2M_GET_VM_STATUS (vm.c), also on the monitor fd. */
long altp2m_vm_get_status(struct altp2m_vm *vm, void __user *argp);

/* Guest RAM: regions and the frames behind them (memory.c). */
void altp2m_memory_setup(void);
int altp2m_copy_gpa(struct altp2m_vm *vm, u64 gpa, void *buf,
		    unsigned int len, bool write);
int altp2m_host_frame(void *vm, u64 gfn, u64 *hpa, unsigned int *max_level);
int altp2m_memory_pfn(struct altp2m_vm *vm, u64 gfn, unsigned long *pfn);
int altp2m_memory_region_set(struct altp2m_vm *vm,
			     const struct altp2m_memory_region *r);
void altp2m_memory_destroy(struct altp2m_vm *vm);

/* The VM's p2m views in the kernel (p2m.c). */
int altp2m_p2m_init(struct altp2m_vm *vm);
void altp2m_p2m_destroy(struct altp2m_vm *vm);
int altp2m_p2m_fault(struct altp2m_vcpu *vcpu, u64 gpa, unsigned int access,
		     struct altp2m_view_fault *out);
int altp2m_p2m_copy(struct altp2m_vcpu *vcpu, u64 gpa, void *buf,
		    unsigned int len, bool write);
int altp2m_p2m_copy_frame(struct altp2m_vm *vm, u64 gpa, void *buf,
			  unsigned int len, bool write);

/* Which view each vCPU is on, and switching (switch.c). */
int altp2m_vcpu_views_init(struct altp2m_vcpu *vcpu);
void altp2m_vcpu_views_attach(struct altp2m_vcpu *vcpu);
void altp2m_vcpu_views_destroy(struct altp2m_vcpu *vcpu);
int altp2m_vcpu_switch_view(struct altp2m_vcpu *vcpu, u32 view);
void altp2m_vcpu_view_before_entry(struct altp2m_vcpu *vcpu);
void altp2m_vcpu_view_after_exit(struct altp2m_vcpu *vcpu);
int altp2m_vcpu_view_vmfunc(struct altp2m_vcpu *vcpu, u64 eax, u64 ecx);
int altp2m_switch_view_created(struct altp2m_vm *vm, u32 view);
int altp2m_switch_destroy_view(struct altp2m_vm *vm, u32 view);
int altp2m_switch_disable(struct altp2m_vm *vm);
int altp2m_switch_set_visibility(struct altp2m_vm *vm,
				 const struct altp2m_view_visibility *a);
int altp2m_switch_vcpus(struct altp2m_vm *vm,
			const struct altp2m_switch_view *a);
void altp2m_switch_get_vcpu_views(struct altp2m_vm *vm,
				  struct altp2m_vcpu_views *a);

/* #VE information pages (ve.c). */
int altp2m_ve_set(struct altp2m_vcpu *vcpu, u64 gfn, bool disable);
long altp2m_ve_page_ioctl(struct altp2m_vcpu *vcpu, void __user *argp);
void altp2m_ve_region_gone(struct altp2m_vm *vm, u64 gfn, u64 npages);
bool altp2m_ve_deliver(struct altp2m_vcpu *vcpu, u64 gpa, u64 gla, u64 qual);

/* The guest's own view calls (hypercall.c). */
s64 altp2m_guest_hypercall(struct altp2m_vcpu *vcpu, u64 nr, const u64 *args,
			   bool cpl0);

/* VMs by id, for netlink (vm.c). */
struct altp2m_vm *altp2m_vm_get(const struct net *net, u32 id);
struct altp2m_vm *altp2m_vm_get_next(const struct net *net, u32 *id);
u64 altp2m_vms_generation(void);
void altp2m_vm_stats_get(struct altp2m_vm *vm, struct altp2m_vm_stats *st);

/* View operations from every door (view_ops.c). */
void altp2m_vm_lock_all(struct altp2m_vm *vm);
void altp2m_vm_unlock_all(struct altp2m_vm *vm);
void altp2m_vm_views_changed(struct altp2m_vm *vm);
/* An engine call's cause of failure, for a door that names it (view_ops.c). */
void altp2m_vm_why_clear(struct altp2m_vm *vm);
void altp2m_vm_why_take(struct altp2m_vm *vm, int ret,
			struct altp2m_views_why *why);
void altp2m_vm_resched(void *ctx);
int altp2m_vm_views_enable(struct altp2m_vm *vm, u32 max_views, u32 mode);
int altp2m_vm_views_disable(struct altp2m_vm *vm);
int altp2m_vm_view_create(struct altp2m_vm *vm, unsigned int access,
			  unsigned int *idx);
int altp2m_vm_view_create_serial(struct altp2m_vm *vm, unsigned int access,
				 unsigned int *idx, u64 *serial);
int altp2m_vm_view_destroy(struct altp2m_vm *vm, u32 view);
int altp2m_vm_gfn_set_range(struct altp2m_vm *vm, u32 view, u64 gfn,
			    u64 npages, unsigned int value, bool sve,
			    struct altp2m_views_why *why);
int altp2m_vm_gfn_set_list(struct altp2m_vm *vm, u32 view, const u64 *gfns,
			   const u8 *values, u64 n, bool sve,
			   struct altp2m_views_why *why);
int altp2m_vm_gfn_get(struct altp2m_vm *vm, u32 view, u64 gfn,
		      unsigned int *access, unsigned int *sve);
int altp2m_vm_gfn_remap(struct altp2m_vm *vm, u32 view, u64 gfn, u64 target,
			struct altp2m_views_why *why);
int altp2m_vm_gfn_remap_guest(struct altp2m_vm *vm, u32 view, u64 gfn,
			      u64 target);
int altp2m_vm_views_list(struct altp2m_vm *vm, unsigned int *cursor,
			 struct altp2m_view_info *info, unsigned int nr,
			 u64 *gen);
int altp2m_vm_view_dump(struct altp2m_vm *vm, u32 view, u64 *cursor,
			struct altp2m_view_entry *ent, unsigned int nr,
			u64 *gen);
int altp2m_vm_set_visibility(struct altp2m_vm *vm,
			     const struct altp2m_view_visibility *a,
			     struct altp2m_views_why *why);
int altp2m_vm_switch(struct altp2m_vm *vm, const struct altp2m_switch_view *a,
		     struct altp2m_views_why *why);
void altp2m_vm_vcpu_views(struct altp2m_vm *vm, struct altp2m_vcpu_views *a);

/*
 * Batches (batch.c): several view operations as one all-or-nothing change
 * that no guest instruction sees half of (the uAPI's struct altp2m_batch).
 * altp2m_batch_op_invalid() checks what can be checked without the VM and
 * names the problem (NULL: fine); altp2m_vm_batch() takes an array of
 * such checked operations in kernel memory. @flags: ALTP2M_BATCH_*;
 * @generation: in, the expected views generation with
 * ALTP2M_BATCH_IF_GENERATION; out, on success, the new one. On failure
 * *@index is the operation at fault (@nr for the batch as a whole) and
 * @why (may be NULL) the engine's cause for it.
 */
const char *altp2m_batch_op_invalid(const struct altp2m_batch_op *op);
int altp2m_vm_batch(struct altp2m_vm *vm, const struct altp2m_batch_op *ops,
		    u32 nr, u32 flags, u64 *generation, u32 *index,
		    struct altp2m_views_why *why);

/* The view ioctls of the VM and vCPU fds (view_ioctl.c). */
long altp2m_views_ioctl(struct altp2m_vm *vm, unsigned int cmd,
			void __user *argp);
long altp2m_vcpu_view_ioctl(struct altp2m_vcpu *vcpu, unsigned int cmd,
			    void __user *argp);
long altp2m_views_ioctl_create(struct altp2m_vm *vm, void __user *argp,
			       u32 *view, u64 *serial);

/* CPUID tables (cpuid_ioctl.c; the supported ones: vmx/cpuid.c). */
long altp2m_dev_get_supported_cpuid(void __user *argp);
long altp2m_vm_cpuid_ioctl(struct altp2m_vm *vm, unsigned int cmd,
			   void __user *argp);
unsigned int altp2m_vm_cpuid_table(struct altp2m_vm *vm,
				   const struct altp2m_cpuid_entry **ent);
void altp2m_vm_cpuid_destroy(struct altp2m_vm *vm);
unsigned int altp2m_vmx_cpuid_supported(bool lapic,
					const struct altp2m_cpuid_entry **ent);

/* The generic netlink family (netlink.c). */
int altp2m_nl_init(void);
void altp2m_nl_exit(void);
void altp2m_nl_notify(struct altp2m_vm *vm, u8 cmd, u32 arg0, u32 arg1);
/* Netlink transactions of a VM that goes end with it (netlink_txn.c). */
void altp2m_nl_txn_vm_gone(struct altp2m_vm *vm);

#endif /* ALTP2M_H */
