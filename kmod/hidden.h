/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hidden frames, hidden breakpoints and CR3 views: the contract between
 * the pieces of the module that carry them. The uAPI's "Hidden frames",
 * "Hidden breakpoints" and "CR3 views" sections are the spec.
 *
 *  - hidden.c: the hidden frames of a VM (ALTP2M_ADD/REMOVE_HIDDEN_FRAMES
 *    on the VM and monitor fds, netlink's ADD/REMOVE_HIDDEN through
 *    netlink_views.c), the frame lookup the views' host_frame op and the
 *    monitor's memory calls use, and their removal: the engine drops the
 *    remaps to them, flushes, then the pages are freed.
 *  - breakpoint.c: the table of hidden breakpoints of a VM (the monitor
 *    fd's ADD/REMOVE/GET_BREAKPOINT), planting and unplanting the INT3 in
 *    the shadow frame, copying a shadow again after a guest write, and
 *    removing them all when the monitor closes.
 *  - vmx/monitor.c (with vmx/exits.c): the hardware side of a hit (#BP
 *    exit -> lookup -> action -> step over on the clean view and back) and
 *    of a read or write of a shadowed page (EPT violation -> step on the
 *    clean view, then altp2m_bp_resync() after a write); the #BP
 *    intercept is on while the VM has a breakpoint or a monitor wants
 *    BREAKPOINT events.
 *  - cr3_views.c (table form in core/cr3_table.c): ALTP2M_MONITOR_SET_CR3_
 *    VIEWS, the lookup a vCPU makes when its guest's CR3 write completes
 *    (vmx/cr.c), and CR3-load exiting while a table is installed.
 *
 * Locking and lifetime:
 *  - A VM's hidden frames (struct altp2m_hidden in struct altp2m_vm) are
 *    added and removed under the VM's mmu_lock, which the view engine
 *    holds for every call, so the host_frame op sees a stable set. A
 *    removed frame's page is freed only after the views that mapped it
 *    were flushed on every CPU, still under mmu_lock.
 *  - Breakpoints are added and removed under the VM's mmu_lock too (a
 *    frame with a breakpoint cannot be removed: EBUSY), and looked up
 *    on a vCPU's thread under RCU (xarray); a breakpoint is freed after an
 *    RCU grace period. Its hit counter is atomic.
 *  - The CR3 table is published with rcu_assign_pointer() under the VM's
 *    @lock and read by vCPUs under RCU; it belongs to the monitor (freed
 *    at its close, after the vCPUs were stopped as monitor.h describes).
 */
#ifndef ALTP2M_HIDDEN_H
#define ALTP2M_HIDDEN_H

#include <linux/types.h>
#include <linux/xarray.h>
#include <linux/altp2m.h>

struct altp2m_monitor;
struct altp2m_vcpu;
struct altp2m_vm;
struct page;

/**
 * struct altp2m_hidden - a VM's hidden frames (vm->hidden)
 * @frames: gfn -> struct page *, under the VM's mmu_lock
 * @nr: how many (ALTP2M_GET_VM_STATS' nr_hidden)
 */
struct altp2m_hidden {
	struct xarray frames;
	u64 nr;
};

/*
 * hidden.c
 *
 * altp2m_hidden_init / _destroy: with the VM (destroy frees every frame;
 *	no vCPU and no view is left then).
 * altp2m_hidden_ioctl: ALTP2M_ADD/REMOVE_HIDDEN_FRAMES from the VM fd and
 *	the monitor fd (same semantics), @argp the user's struct.
 * altp2m_hidden_add / _remove: the work, for the ioctl and netlink doors
 *	(the caller checked flags and padding). -errno as the uAPI says.
 * altp2m_hidden_page: the page of hidden gfn @gfn or NULL; the VM's
 *	mmu_lock held (the page stays while it is).
 * altp2m_hidden_overlaps: whether any gfn of [@gfn, @gfn + @nr) is hidden,
 *	for ALTP2M_SET_MEMORY_REGION (EEXIST); the VM's mmu_lock held.
 * altp2m_bp_frame_busy: whether a breakpoint lives in [@gfn, @gfn + @nr)
 *	(REMOVE's EBUSY): a range look at vm->bps.by_key; the VM's mmu_lock
 *	held. In hidden.c, which also inits vm->hidden and vm->bps.
 */
void altp2m_hidden_init(struct altp2m_vm *vm);
void altp2m_hidden_destroy(struct altp2m_vm *vm);
long altp2m_hidden_ioctl(struct altp2m_vm *vm, unsigned int cmd,
			 void __user *argp);
int altp2m_hidden_add(struct altp2m_vm *vm, u64 gfn, u64 nr);
int altp2m_hidden_remove(struct altp2m_vm *vm, u64 gfn, u64 nr);
struct page *altp2m_hidden_page(struct altp2m_vm *vm, u64 gfn);
bool altp2m_hidden_overlaps(struct altp2m_vm *vm, u64 gfn, u64 nr);
bool altp2m_bp_frame_busy(struct altp2m_vm *vm, u64 gfn, u64 nr);

/*
 * breakpoint.c
 *
 * struct altp2m_bp: one hidden breakpoint (the uAPI's fields, @hits
 *	atomic); looked up by its shadow byte: key = @shadow_gfn << 12 |
 *	(@gpa & 0xfff). @nop_len: the length of the original instruction
 *	when it is a no-op a hit completes in place (altp2m_bp_nop_len(), as
 *	the clean view maps the page, whole in it), else 0; @step_plain:
 *	its step needs no look at it first (altp2m_step_plain()); both read
 *	at ADD and again at every resync, under the VM's mmu_lock like the
 *	tables.
 * altp2m_bp_ioctl: ADD/REMOVE/GET_BREAKPOINT on the monitor fd.
 * altp2m_bp_lookup: under rcu_read_lock(): the breakpoint planted at byte
 *	@offset of hidden frame @shadow_gfn, or NULL.
 * altp2m_bp_frame_clean_view: the clean view of a breakpoint in hidden
 *	frame @shadow_gfn (the first by key), for a read or write of the
 *	shadowed page; false when the frame has none. Under RCU.
 * altp2m_bp_resync: after a guest write stepped on @clean_view to the
 *	page @gfn that @shadow_gfn shadows: copy the page as @clean_view maps
 *	it into the shadow, plant the frame's breakpoints again (their @orig
 *	from the new bytes) and kick the VM's vCPUs. Takes the VM's mmu_lock:
 *	on a vCPU thread, with vcpu->lock held (that order is the rule).
 * altp2m_bp_release_all: the monitor's close: every breakpoint removed
 *	(unplanted, vCPUs kicked); the VM's @lock held.
 */
struct altp2m_bp {
	u32 id;
	u32 flags;		/* ALTP2M_MON_BP_* */
	u64 gpa;
	u64 shadow_gfn;
	u32 exec_view;
	u32 clean_view;
	u8 orig;
	u8 nop_len;
	bool step_plain;
	atomic64_t hits;
	struct rcu_head rcu;
};

/**
 * struct altp2m_bps - a VM's hidden breakpoints (vm->bps)
 * @by_key: shadow byte key -> struct altp2m_bp * (lookups under RCU)
 * @by_id: @id -> the same breakpoint
 * @next_id: the next id to try (cyclic, 1 .. 2^31 - 1)
 * @nr: how many (ALTP2M_MONITOR_MAX_BREAKPOINTS)
 *
 * Changed under the VM's mmu_lock.
 */
struct altp2m_bps {
	struct xarray by_key;
	struct xarray by_id;
	u32 next_id;
	unsigned int nr;
};

long altp2m_bp_ioctl(struct altp2m_monitor *mon, unsigned int cmd,
		     void __user *argp);
struct altp2m_bp *altp2m_bp_lookup(struct altp2m_vm *vm, u64 shadow_gfn,
				   unsigned int offset);
bool altp2m_bp_frame_clean_view(struct altp2m_vm *vm, u64 shadow_gfn,
				u32 *clean_view);
void altp2m_bp_resync(struct altp2m_vcpu *vcpu, u64 gfn, u64 shadow_gfn,
		      u32 clean_view);
void altp2m_bp_release_all(struct altp2m_vm *vm);

/*
 * cr3_views.c
 *
 * altp2m_cr3_views_ioctl: ALTP2M_MONITOR_SET_CR3_VIEWS.
 * altp2m_cr3_views_active: whether CR3 writes must exit for the table
 *	(altp2m_vmx_monitor_update()).
 * altp2m_cr3_views_written: the guest's CR3 write of @cr3 completed on
 *	the vCPU's thread (vcpu->lock held): switch by the table, count.
 * altp2m_cr3_views_release: the monitor's close.
 */
long altp2m_cr3_views_ioctl(struct altp2m_monitor *mon, void __user *argp);
bool altp2m_cr3_views_active(struct altp2m_vcpu *vcpu);
void altp2m_cr3_views_written(struct altp2m_vcpu *vcpu, u64 cr3);
void altp2m_cr3_views_release(struct altp2m_monitor *mon);

/*
 * monitor.c, for cr3_views.c: where the monitor keeps its table; the
 * table of the VM's monitor (NULL for none, or a monitor closing), inside
 * rcu_read_lock(); a switch made as the monitor's (step 5 of "Closing"),
 * vcpu->lock held, the errors of altp2m_vcpu_switch_view().
 */
struct altp2m_cr3_views;
struct altp2m_cr3_views __rcu **altp2m_monitor_cr3_slot(struct altp2m_monitor *mon);
struct altp2m_cr3_views *altp2m_monitor_cr3_get(struct altp2m_vm *vm);
int altp2m_monitor_switch(struct altp2m_vcpu *vcpu, u32 view);

#endif /* ALTP2M_HIDDEN_H */
