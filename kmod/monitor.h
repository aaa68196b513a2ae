/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Monitors (introspection daemons): the contract between the pieces of the
 * module that carry them. The uAPI's "Monitors" section is the spec.
 *
 *  - monitor.c: the monitor fd (attach, mmap of the rings, poll, GET_INFO,
 *    SET_EVENT, RESPOND, PAUSE/RESUME, close), the event transport
 *    (altp2m_monitor_send()), the run loop's parking and pausing
 *    (altp2m_monitor_blocked(), altp2m_monitor_wait()), the guest's
 *    request call. core/monitor_ring.c: the ring arithmetic, which trusts
 *    nothing the monitor writes (hardware-independent, unit-tested).
 *  - monitor_data.c: the monitor fd's data ioctls: vCPU state, guest
 *    memory through a view or by linear address, TRANSLATE, and the view
 *    ioctls the monitor fd takes (with the bookkeeping for
 *    ALTP2M_MONITOR_DROP_VIEWS).
 *  - monitor_map.c: guest RAM mapped through the monitor fd (mmap at
 *    ALTP2M_MONITOR_MEM_OFFSET), and how it lets go of a region's pages
 *    before memory.c unpins them.
 *  - vmx/monitor.c: the hardware side: the intercepts each event needs
 *    (#BP, #DB and TF or MTF, CR and MSR writes, CPUID), the events'
 *    producers in the exit handlers, the registers snapshot, and carrying
 *    out the vCPU part of a response (registers, reinjection, denial,
 *    single step) and of a close.
 *
 * Locking and lifetime:
 *  - vm->monitor (struct altp2m_monitor *) is set and cleared under the
 *    VM's @lock; a vCPU reads it in its run loop with READ_ONCE() and may
 *    use it until its next exit from altp2m_vmx_run() or wait: the close
 *    path (altp2m_monitor_release()) clears the pointer, then waits for
 *    every vCPU thread to be outside monitor code (it pauses them all with
 *    the same barrier as ALTP2M_MONITOR_PAUSE) before it tears down.
 *  - The rings belong to the monitor, one per vCPU id, allocated when the
 *    monitor attaches (for the vCPUs that exist) or when a vCPU is created
 *    later (altp2m_monitor_vcpu_created()); they outlive the vCPU.
 *  - A vCPU parked on a sync event or paused sleeps WITHOUT its vcpu->lock
 *    (altp2m_monitor_wait() drops and retakes it), so the monitor's
 *    RESPOND, vCPU-state and memory calls take vcpu->lock like any vCPU
 *    ioctl and run on the monitor's thread, loading the VMCS there
 *    (altp2m_vmx_vcpu_get/put). Because the lock is dropped inside
 *    ALTP2M_RUN, a second ALTP2M_RUN on the same vCPU from another thread
 *    fails with EBUSY (@in_run) instead of waiting for the lock. After the
 *    wait the run loop checks the state again if a SET requested
 *    ALTP2M_REQ_STATE_CHECK.
 *  - struct altp2m_vcpu_monitor below is written under vcpu->lock, except
 *    @parked_seq and @pause_count that other threads read with READ_ONCE()
 *    to decide whether to wait.
 */
#ifndef ALTP2M_MONITOR_H
#define ALTP2M_MONITOR_H

#include <linux/atomic.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/altp2m.h>

struct address_space;
struct altp2m_monitor;
struct altp2m_vcpu;
struct altp2m_vm;
struct file;
struct vm_area_struct;

/* What altp2m_monitor_send() did with an event. */
enum altp2m_mon_verdict {
	ALTP2M_MON_NONE,	/* no monitor wants it: carry on as without */
	ALTP2M_MON_SENT,	/* async, in the ring: carry on */
	ALTP2M_MON_DROPPED,	/* async, ring full: counted; carry on */
	ALTP2M_MON_PARKED,	/* sync: the vCPU may not enter until answered */
};

/*
 * A checked response as the vCPU side carries it out (vmx/monitor.c);
 * monitor.c builds it from struct altp2m_monitor_response, or for a
 * close with @closing set (continue, reinject a parked breakpoint, let a
 * parked CR/MSR write happen, cancel a step).
 */
struct altp2m_mon_reply {
	u32 flags;		/* ALTP2M_MON_RSP_* */
	u32 view;		/* after the step / for SWITCH_VIEW */
	u32 step_view;		/* resolved: never ALTP2M_MON_VIEW_CURRENT */
	bool closing;
	struct altp2m_regs regs;	/* SET_REGS */
};

/**
 * struct altp2m_vcpu_monitor - a vCPU's monitor state (vcpu->mon)
 * @parked_seq: the sync event it waits on, 0 for none
 * @parked_type: that event's ALTP2M_MON_EV_*
 * @parked_ev: the event while it waits for room in a full ring (@unsent)
 * @unsent: @parked_ev is not in the ring yet
 * @pause_count: pauses of this vCPU alone (the VM-wide ones are the
 *	monitor's)
 * @in_run: a thread is inside ALTP2M_RUN for this vCPU (see above)
 * @view_saved: the monitor moved this vCPU off @saved_view and nobody
 *	else switched it since (close puts it back)
 * @saved_view: see @view_saved
 * @step: vmx/monitor.c's single-step state (0: none)
 * @step_return_view: FAST_SINGLESTEP: where to go after the step
 * @step_saved_tf: RFLAGS.TF as the guest had it before a TF step
 * @wait: where the vCPU's thread sleeps while parked or paused
 * @users: monitor calls that pinned the vCPU (altp2m_monitor_vcpu_pin());
 *	its release waits for none to be left before it frees the vCPU
 * @stats: ALTP2M_MONITOR_GET_STATS' counters (@flags and @vcpu unused):
 *	written only by the vCPU's own thread (altp2m_mon_stat_inc()), read
 *	by any with READ_ONCE(), as KVM's vCPU statistics are
 * @poll_ns: how long the vCPU polls for its next response before it
 *	sleeps (core/mon_poll.c adapts it after each wait; the module
 *	parameter mon_poll_ns bounds it)
 *
 * @pause_count is written under the VM's @lock (PAUSE must not wait for a
 * running vCPU's lock); @view_saved and @saved_view under the VM's
 * mmu_lock, because every view switch clears @view_saved (switch.c) and
 * not all of them hold vcpu->lock.
 */
struct altp2m_vcpu_monitor {
	u64 parked_seq;
	u32 parked_type;
	bool unsent;
	struct altp2m_monitor_event parked_ev;
	unsigned int pause_count;
	bool in_run;
	bool view_saved;
	u32 saved_view;
	u32 step;
	u32 step_return_view;
	bool step_saved_tf;
	wait_queue_head_t wait;
	atomic_t users;
	struct altp2m_monitor_stats stats;
	u32 poll_ns;
};

/* One more of vcpu->mon.stats.@field, on the vCPU's own thread. */
#define altp2m_mon_stat_inc(vcpu, field)				\
	do {								\
		u64 *__altp2m_stat = &(vcpu)->mon.stats.field;		\
									\
		WRITE_ONCE(*__altp2m_stat, *__altp2m_stat + 1);		\
	} while (0)

/*
 * monitor.c
 *
 * altp2m_monitor_attach: ALTP2M_MONITOR_ATTACH, @arg checked for flags and
 *	padding by the caller (dev.c with @owner false after its permission
 *	check; vm.c with @owner true). Returns the monitor fd or -errno.
 * altp2m_monitor_attach_check: the argument's form (both doors), and the
 *	ring's size filled in for the caller to copy out before the fd exists.
 * altp2m_monitor_vcpu_created: ALTP2M_CREATE_VCPU, under the VM's @lock,
 *	just before the vCPU goes into vcpus[]: give it its ring if a monitor
 *	is attached (the VM-wide pauses are the monitor's and apply to it
 *	as it looks). An error fails the creation.
 * altp2m_monitor_vcpu_init: at vCPU creation, before anything can see it.
 * altp2m_monitor_wants: cheap check for producers, on the vCPU's thread:
 *	is event @type (and for CR/MSR, @index) enabled. False without a
 *	monitor.
 * altp2m_monitor_send: on the vCPU's thread in its run loop, vcpu->lock
 *	held. The producer fills @ev's type and union; this fills @seq,
 *	@vcpu, @view, @flags and @regs (altp2m_vmx_monitor_regs()) and writes
 *	it to the ring, or for a sync event with no room keeps it in
 *	vcpu->mon until there is. PARKED: the exit handler leaves the guest's
 *	instruction where it is (RIP unchanged) and returns to the run loop
 *	as for a handled exit; the vCPU enters again only after the response
 *	(or the close) was carried out by altp2m_vmx_monitor_apply().
 *	A hidden breakpoint's BREAKPOINT event (ALTP2M_MON_BPF_HIDDEN) goes
 *	whether or not SET_EVENT enabled BREAKPOINT, sync when the producer
 *	set ALTP2M_MON_EVF_SYNC in @flags (the breakpoint's action).
 * altp2m_monitor_blocked: whether the vCPU may not enter now (parked or
 *	paused); the run loop calls it before each entry.
 * altp2m_monitor_wait: sleep (vcpu->lock dropped) until not blocked, a
 *	kick or a signal; parked on a sync event (not paused), poll for the
 *	response first, for up to the vCPU's @poll_ns, while the CPU has
 *	nothing else to run. Returns 0 or -EINTR.
 * altp2m_monitor_guest_request: the guest's ALTP2M_HC_MONITOR_REQUEST
 *	(hypercall dispatch, RIP still at the VMCALL, which the dispatcher
 *	skips after it); returns RAX.
 * altp2m_monitor_cr_wanted / _msr_wanted: for the vmx exit handlers: is
 *	this write reported, and sync or not (mask and ONCHANGE applied).
 * altp2m_monitor_msr_list: the MSRs whose writes are watched, for the MSR
 *	bitmap; returns how many (at most @max).
 * altp2m_monitor_vm: the monitor's VM (immutable).
 * altp2m_monitor_vcpu_pin / _unpin: a vCPU of the monitor's VM kept alive
 *	for a monitor call, which then takes its lock: never under the VM's
 *	@lock (a vCPU in ALTP2M_RUN holds its lock and takes the VM's).
 *	ERR_PTR(-ENOENT) for none, -ENODEV once only the monitor holds the VM.
 * altp2m_monitor_vm_closed: the VM's file is being released (vm.c).
 * altp2m_monitor_vcpu_gone: a vCPU's file is being released, the vCPU
 *	out of vcpus[]: waits for the pins (vcpu.c).
 */
int altp2m_monitor_attach_check(struct altp2m_monitor_attach *a);
int altp2m_monitor_attach(struct altp2m_vm *vm,
			  struct altp2m_monitor_attach *arg, bool owner);
int altp2m_monitor_vcpu_created(struct altp2m_vcpu *vcpu);
void altp2m_monitor_vcpu_init(struct altp2m_vcpu *vcpu);
bool altp2m_monitor_wants(struct altp2m_vcpu *vcpu, u32 type, u32 index);
enum altp2m_mon_verdict altp2m_monitor_send(struct altp2m_vcpu *vcpu,
					    struct altp2m_monitor_event *ev);
bool altp2m_monitor_blocked(struct altp2m_vcpu *vcpu);
int altp2m_monitor_wait(struct altp2m_vcpu *vcpu);
s64 altp2m_monitor_guest_request(struct altp2m_vcpu *vcpu, const u64 *args);
bool altp2m_monitor_cr_wanted(struct altp2m_vcpu *vcpu, u32 cr, u64 old_value,
			      u64 new_value, bool *sync);
bool altp2m_monitor_msr_wanted(struct altp2m_vcpu *vcpu, u32 msr,
			       u64 old_value, u64 new_value, bool *sync);
int altp2m_monitor_msr_list(struct altp2m_vm *vm, u32 *msrs, int max);
struct altp2m_vm *altp2m_monitor_vm(struct altp2m_monitor *mon);
struct altp2m_vcpu *altp2m_monitor_vcpu_pin(struct altp2m_monitor *mon,
					    u32 id);
void altp2m_monitor_vcpu_unpin(struct altp2m_vcpu *vcpu);
void altp2m_monitor_vm_closed(struct altp2m_vm *vm);
void altp2m_monitor_vcpu_gone(struct altp2m_vcpu *vcpu);
void altp2m_monitor_map_gone(struct altp2m_vm *vm, u64 gfn, u64 npages);

/*
 * monitor_map.c (see there): the monitor file's own address_space, the
 * mmap() of guest RAM (page offsets from ALTP2M_MON_MEM_PGOFF on), and
 * zapping gfns from it.
 */
#define ALTP2M_MON_MEM_PGOFF	(ALTP2M_MONITOR_MEM_OFFSET >> PAGE_SHIFT)
void altp2m_monitor_map_init(struct address_space *mapping, struct file *file);
int altp2m_monitor_map_mmap(struct vm_area_struct *vma);
void altp2m_monitor_map_zap(struct address_space *mapping, u64 gfn,
			    u64 npages);

/*
 * monitor_data.c
 *
 * altp2m_monitor_data_ioctl: GET/SET_VCPU_STATE, READ/WRITE_MEM,
 *	TRANSLATE and the VM fd's view ioctls on the monitor fd (monitor.c
 *	passes every command it does not handle itself; -ENOTTY for unknown).
 *	A vCPU counts as stopped when altp2m_monitor_blocked() holds for it
 *	under its lock (-EBUSY otherwise).
 * altp2m_monitor_views_release: at close, step 6 of the uAPI's "Closing"
 *	(destroys the views created through the fd with DROP_VIEWS).
 */
long altp2m_monitor_data_ioctl(struct altp2m_monitor *mon, unsigned int cmd,
			       void __user *argp);
void altp2m_monitor_views_release(struct altp2m_monitor *mon);

/**
 * struct altp2m_monitor_views - the views created through a monitor fd
 *	(monitor_data.c's record, in struct altp2m_monitor, zeroed with it)
 * @serial: by view index, altp2m_views_serial() of the view created there
 *	through the fd, 0 for none; written under the VM's mmu_lock. A view
 *	someone else destroyed, and a later one at its index, no longer
 *	match it.
 */
struct altp2m_monitor_views {
	u64 serial[ALTP2M_MAX_VIEWS];
};

/*
 * monitor.c, for monitor_data.c: the monitor's record of views, its
 * ALTP2M_MONITOR_* attach flags (immutable).
 */
struct altp2m_monitor_views *altp2m_monitor_views(struct altp2m_monitor *mon);
u32 altp2m_monitor_flags(struct altp2m_monitor *mon);

/*
 * vmx/monitor.c
 *
 * altp2m_vmx_monitor_regs: the registers snapshot for an event (vCPU's
 *	thread or any thread holding vcpu->lock).
 * altp2m_vmx_monitor_check: can @r be carried out for the event the vCPU
 *	is parked on (flag fits the type, step possible): 0 or -EINVAL.
 *	Called by RESPOND under vcpu->lock before anything applies.
 * altp2m_vmx_monitor_apply: carry out the vCPU part of @r (registers,
 *	REINJECT, DENY or letting the parked write happen, arming the step;
 *	on @closing also cancelling a step in flight) under vcpu->lock, on
 *	any thread. For a step it moves the vCPU to @step_view itself,
 *	before it looks at the instruction (a remap there may put other code
 *	at RIP); the batch and a plain SWITCH_VIEW are monitor.c's.
 * altp2m_vmx_monitor_update: reprogram the intercepts (exception bitmap
 *	for #BP, CR masks and CR3 exiting, the MSR bitmap) from the monitor's
 *	settings; the vCPU does it before its next entry when
 *	ALTP2M_REQ_MONITOR is set (monitor.c sets it on every vCPU after a
 *	SET_EVENT and at close).
 * altp2m_vmx_monitor_singlestep_kind: ALTP2M_MON_STEP_MTF or _TF.
 * altp2m_vmx_monitor_events: the event types this CPU can deliver (bits).
 */
void altp2m_vmx_monitor_regs(struct altp2m_vcpu *vcpu,
			     struct altp2m_monitor_regs *regs);
int altp2m_vmx_monitor_check(struct altp2m_vcpu *vcpu,
			     const struct altp2m_mon_reply *r);
void altp2m_vmx_monitor_apply(struct altp2m_vcpu *vcpu,
			      const struct altp2m_mon_reply *r);
void altp2m_vmx_monitor_update(struct altp2m_vcpu *vcpu);
u32 altp2m_vmx_monitor_singlestep_kind(void);
u64 altp2m_vmx_monitor_events(void);

#endif /* ALTP2M_MONITOR_H */
