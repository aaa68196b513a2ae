// SPDX-License-Identifier: GPL-2.0
/*
 * Monitors (monitor.h; the uAPI's "Monitors" is the spec): the monitor fd,
 * its per-vCPU rings, the event transport, parking and pausing vCPUs,
 * responses and close.
 *
 * Locks, in the order they nest:
 *  - vcpu->lock: a vCPU's registers and struct altp2m_vcpu_monitor. The
 *    monitor never takes it under the VM's @lock, because a vCPU inside
 *    ALTP2M_RUN holds it and takes the VM's @lock (vcpu.c): it pins the
 *    vCPU (@users, altp2m_mon_vcpu_pin()) under the VM's @lock, drops that,
 *    and then takes vcpu->lock.
 *  - vm->lock: vm->monitor, the rings' creation, the pause counts, and
 *    keeping vCPUs alive for requests and kicks.
 *  - mon->ctl_lock (spinlock): the event settings, which vCPUs read at
 *    their exits.
 * A vCPU reaches the monitor through vm->monitor inside an RCU read-side
 * section (altp2m_mon_get()) and never keeps the pointer past it: what a
 * parked or paused vCPU waits on is its own (vcpu->mon). Close marks the
 * monitor @closing, which hides it from vCPUs, and waits for a grace
 * period before it undoes what the monitor did; vm->monitor is cleared
 * last, so that no other monitor attaches while the close runs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/stat.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/wait_bit.h>
#include <asm/msr-index.h>

#include "altp2m.h"
#include "hidden.h"
#include "core/mon_poll.h"
#include "core/monitor_ring.h"

/* Event types that only make sense synchronously (the uAPI's table). */
#define ALTP2M_MON_SYNC_ONLY	(BIT_ULL(ALTP2M_MON_EV_VIOLATION) | \
				 BIT_ULL(ALTP2M_MON_EV_BREAKPOINT) | \
				 BIT_ULL(ALTP2M_MON_EV_SINGLESTEP))

#define ALTP2M_MON_RSP_ALL	(ALTP2M_MON_RSP_SWITCH_VIEW | \
				 ALTP2M_MON_RSP_SINGLESTEP | \
				 ALTP2M_MON_RSP_FAST_SINGLESTEP | \
				 ALTP2M_MON_RSP_SET_REGS | \
				 ALTP2M_MON_RSP_REINJECT | \
				 ALTP2M_MON_RSP_DENY | \
				 ALTP2M_MON_RSP_ACCESS)

#define ALTP2M_MON_CTL_ALL	(ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC | \
				 ALTP2M_MON_CTL_ONCHANGE)

/*
 * What the guest's RAX gets for a call nobody serves: Linux's errno 38,
 * as altp2m-run answers every hypercall it does not offer (the uAPI).
 */
#define ALTP2M_MON_HC_NOSYS	(-38LL)

/* How often a sync event waiting for room looks at the monitor's @cons. */
#define ALTP2M_MON_ROOM_POLL	(HZ / 100 ?: 1)

/*
 * The longest a vCPU parked on a sync event polls for its response before
 * it sleeps (ns; 0: never). Each vCPU's own window adapts below it
 * (core/mon_poll.c). A response that comes within the window saves the
 * vCPU's sleep and the monitor's wake-up of it; the price is the vCPU's
 * CPU, busy for the window, and only while nothing else wants that CPU.
 */
static unsigned int mon_poll_ns = 200000;
module_param(mon_poll_ns, uint, 0644);
MODULE_PARM_DESC(mon_poll_ns,
		 "max ns a vCPU parked on a sync monitor event polls for its response before sleeping (0: never)");

/*
 * One vCPU's ring: @hdr is the zeroed vmalloc area mapped at the vCPU's
 * offset (the header page, then the entries; altp2m_mon_fault() maps it
 * page by page), published with release once complete and freed with the
 * monitor; @ctl is the module's own count, written only under the vCPU's
 * lock. The pages are charged to the memory cgroup of the task that made
 * the ring exist (the daemon's ATTACH, or the VMM's CREATE_VCPU for a
 * vCPU added later): up to ALTP2M_MONITOR_MAX_RING events of 512 bytes
 * per vCPU is memory userspace asked for.
 */
struct altp2m_mon_ring {
	struct altp2m_monitor_ring *hdr;
	struct altp2m_mon_ring_ctl ctl;
};

/* A watched register or MSR (SET_EVENT), under @ctl_lock. */
struct altp2m_mon_reg {
	u32 index;
	bool sync;
	bool onchange;
	u64 mask;
};

/* CR0, CR3 and CR4, in that order in struct altp2m_monitor.cr. */
static const u32 altp2m_mon_crs[] = { 0, 3, 4 };

/* Where CR @index is in altp2m_mon_crs, -1 for a CR not watched. */
static int altp2m_mon_cr_slot(u32 index)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(altp2m_mon_crs); i++)
		if (altp2m_mon_crs[i] == index)
			return i;
	return -1;
}

/**
 * struct altp2m_monitor - an attached monitor (the monitor fd)
 * @vm: its VM (holds a reference)
 * @flags: ALTP2M_MONITOR_* from the attach (immutable)
 * @entries: entries per ring (immutable)
 * @ring_bytes: bytes per vCPU in the mapping (immutable)
 * @closing: the fd is being released: vCPUs see no monitor any more, but
 *	vm->monitor stays set (so no other monitor attaches) until the close
 *	has undone everything (set under the VM's @lock)
 * @rings: by vCPU id; see struct altp2m_mon_ring
 * @seq: the last sequence number handed out
 * @poll_wq: poll() waiters: woken by events and by the VM's files closing
 * @ctl_lock: protects @enabled, @sync, @cr_on, @cr, @msrs, @nr_msrs
 * @enabled: event types enabled (bits), CR and MSR when any is
 * @sync: of those, the synchronous ones (CR and MSR: see @cr and @msrs)
 * @cr_on: which of @cr are enabled (bits, index into altp2m_mon_crs)
 * @cr: CR settings
 * @msrs: the MSRs watched, @nr_msrs of them
 * @nr_msrs: see @msrs
 * @pause_all: VM-wide pauses, under the VM's @lock (vCPUs read it with
 *	READ_ONCE() through vm->monitor)
 * @views: the views created through the fd (monitor_data.c's, monitor.h)
 * @cr3_views: the CR3 table, NULL for none (cr3_views.c's, hidden.h)
 * @mapping: the monitor file's own address_space (monitor_map.c)
 */
struct altp2m_monitor {
	struct altp2m_vm *vm;
	u32 flags;
	u32 entries;
	u64 ring_bytes;
	bool closing;
	struct altp2m_mon_ring rings[ALTP2M_MAX_VCPUS];
	atomic64_t seq;
	wait_queue_head_t poll_wq;
	spinlock_t ctl_lock;		/* see above */
	u64 enabled;
	u64 sync;
	u32 cr_on;
	struct altp2m_mon_reg cr[ARRAY_SIZE(altp2m_mon_crs)];
	struct altp2m_mon_reg msrs[ALTP2M_MONITOR_MAX_MSRS];
	unsigned int nr_msrs;
	unsigned int pause_all;
	struct altp2m_monitor_views views;
	struct altp2m_cr3_views __rcu *cr3_views;
	struct address_space mapping;
};

/* The VM's monitor, inside rcu_read_lock(); NULL for none or closing. */
static struct altp2m_monitor *altp2m_mon_get(struct altp2m_vm *vm)
{
	struct altp2m_monitor *mon;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "vm->monitor outside RCU");
	mon = READ_ONCE(vm->monitor);
	return mon && !READ_ONCE(mon->closing) ? mon : NULL;
}

struct altp2m_vm *altp2m_monitor_vm(struct altp2m_monitor *mon)
{
	return mon->vm;
}

/*
 * A region gave up guest RAM at @gfn (deleted or moved; memory.c, the
 * VM's lock held, @slots already changed): it leaves the monitor's
 * mappings before the pages are unpinned. A closing monitor has no
 * mapping left: every VMA holds the file.
 */
void altp2m_monitor_map_gone(struct altp2m_vm *vm, u64 gfn, u64 npages)
{
	lockdep_assert_held(&vm->lock);
	if (vm->monitor)
		altp2m_monitor_map_zap(&vm->monitor->mapping, gfn, npages);
}

struct altp2m_monitor_views *altp2m_monitor_views(struct altp2m_monitor *mon)
{
	return &mon->views;
}

u32 altp2m_monitor_flags(struct altp2m_monitor *mon)
{
	return mon->flags;
}

struct altp2m_cr3_views __rcu **altp2m_monitor_cr3_slot(struct altp2m_monitor *mon)
{
	return &mon->cr3_views;
}

struct altp2m_cr3_views *altp2m_monitor_cr3_get(struct altp2m_vm *vm)
{
	struct altp2m_monitor *mon = altp2m_mon_get(vm);

	return mon ? rcu_dereference(mon->cr3_views) : NULL;
}

/**
 * altp2m_monitor_vcpu_pin - a vCPU of the monitor's VM, kept alive
 * @mon: the monitor
 * @id: the vCPU id (checked by the caller)
 *
 * The vCPU's release waits until it is unpinned, so the caller may take
 * its lock (never while holding the VM's @lock: see the top of the file).
 *
 * Return: the vCPU, or ERR_PTR(-ENOENT), or ERR_PTR(-ENODEV) once the VM
 * has no file open but the monitor's.
 */
struct altp2m_vcpu *altp2m_monitor_vcpu_pin(struct altp2m_monitor *mon,
					    u32 id)
{
	struct altp2m_vm *vm = mon->vm;
	struct altp2m_vcpu *vcpu;

	if (id >= ALTP2M_MAX_VCPUS)
		return ERR_PTR(-ENOENT);
	mutex_lock(&vm->lock);
	vcpu = vm->vcpus[id];
	if (vcpu)
		atomic_inc(&vcpu->mon.users);
	else
		vcpu = ERR_PTR(vm->file_closed ? -ENODEV : -ENOENT);
	mutex_unlock(&vm->lock);
	return vcpu;
}

void altp2m_monitor_vcpu_unpin(struct altp2m_vcpu *vcpu)
{
	/* The wake-up only hashes the address: the vCPU may be gone. */
	if (atomic_dec_and_test(&vcpu->mon.users))
		wake_up_var(&vcpu->mon.users);
}

/* Whether the VM has no file open but the monitor's (EPOLLHUP). */
static bool altp2m_mon_hup(struct altp2m_vm *vm)
{
	unsigned int i;

	if (!READ_ONCE(vm->file_closed))
		return false;
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++)
		if (READ_ONCE(vm->vcpus[i]))
			return false;
	return true;
}

/**
 * altp2m_monitor_vm_closed - the VM's file is being released
 * @vm: the VM, before its file's reference is put
 */
void altp2m_monitor_vm_closed(struct altp2m_vm *vm)
{
	mutex_lock(&vm->lock);
	WRITE_ONCE(vm->file_closed, true);
	if (vm->monitor)
		wake_up_interruptible(&vm->monitor->poll_wq);
	mutex_unlock(&vm->lock);
}

/**
 * altp2m_monitor_vcpu_gone - a vCPU's file is being released
 * @vcpu: the vCPU, already out of the VM's vcpus[], not yet freed
 *
 * Waits for the monitor calls that pinned it, and tells poll() waiters.
 */
void altp2m_monitor_vcpu_gone(struct altp2m_vcpu *vcpu)
{
	struct altp2m_vm *vm = vcpu->vm;

	wait_var_event(&vcpu->mon.users, !atomic_read(&vcpu->mon.users));
	mutex_lock(&vm->lock);
	if (vm->monitor)
		wake_up_interruptible(&vm->monitor->poll_wq);
	mutex_unlock(&vm->lock);
}

void altp2m_monitor_vcpu_init(struct altp2m_vcpu *vcpu)
{
	init_waitqueue_head(&vcpu->mon.wait);
	atomic_set(&vcpu->mon.users, 0);
}

/* A ring for vCPU @id if it has none yet; the VM's @lock held. */
static int altp2m_mon_ring_alloc(struct altp2m_monitor *mon, u32 id)
{
	struct altp2m_mon_ring *r = &mon->rings[id];
	struct altp2m_monitor_ring *hdr;

	lockdep_assert_held(&mon->vm->lock);
	if (r->hdr)
		return 0;
	hdr = __vmalloc(mon->ring_bytes, GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!hdr)
		return -ENOMEM;
	hdr->entries = mon->entries;
	hdr->vcpu = id;
	r->ctl.entries = mon->entries;
	/* Complete before the fault handler or a vCPU can find it. */
	smp_store_release(&r->hdr, hdr);
	return 0;
}

/**
 * altp2m_monitor_vcpu_created - a new vCPU gets its ring
 * @vcpu: the vCPU, not yet in the VM's vcpus[]; the VM's @lock held
 *
 * The VM-wide pauses need nothing: they are the monitor's and apply to
 * every vCPU that looks.
 *
 * Return: 0 or -ENOMEM (the vCPU's creation fails then).
 */
int altp2m_monitor_vcpu_created(struct altp2m_vcpu *vcpu)
{
	struct altp2m_vm *vm = vcpu->vm;

	lockdep_assert_held(&vm->lock);
	if (!vm->monitor)
		return 0;
	return altp2m_mon_ring_alloc(vm->monitor, vcpu->id);
}

/* Whether event @type (@index for CR and MSR) is enabled; @sync: how. */
static bool altp2m_mon_enabled(struct altp2m_monitor *mon, u32 type,
			       u32 index, bool *sync,
			       struct altp2m_mon_reg *reg)
{
	bool on = false;
	unsigned int i;
	int slot;

	spin_lock(&mon->ctl_lock);
	if (type >= ALTP2M_MON_EV_NR || !(mon->enabled & BIT_ULL(type)))
		goto out;
	if (type == ALTP2M_MON_EV_CR) {
		slot = altp2m_mon_cr_slot(index);
		if (slot >= 0 && (mon->cr_on & BIT(slot))) {
			*reg = mon->cr[slot];
			*sync = reg->sync;
			on = true;
		}
		goto out;
	}
	if (type == ALTP2M_MON_EV_MSR) {
		for (i = 0; i < mon->nr_msrs; i++)
			if (mon->msrs[i].index == index) {
				*reg = mon->msrs[i];
				*sync = reg->sync;
				on = true;
			}
		goto out;
	}
	*sync = mon->sync & BIT_ULL(type);
	on = true;
out:
	spin_unlock(&mon->ctl_lock);
	return on;
}

bool altp2m_monitor_wants(struct altp2m_vcpu *vcpu, u32 type, u32 index)
{
	struct altp2m_monitor *mon;
	struct altp2m_mon_reg reg;
	bool sync, on = false;

	if (!READ_ONCE(vcpu->vm->monitor))
		return false;
	rcu_read_lock();
	mon = altp2m_mon_get(vcpu->vm);
	if (mon)
		on = altp2m_mon_enabled(mon, type, index, &sync, &reg);
	rcu_read_unlock();
	return on;
}

/* A write of a watched register: reported? (mask and ONCHANGE) */
static bool altp2m_mon_write_wanted(struct altp2m_vcpu *vcpu, u32 type,
				    u32 index, u64 old_value, u64 new_value,
				    bool *sync)
{
	struct altp2m_monitor *mon;
	struct altp2m_mon_reg reg;
	bool on = false;

	rcu_read_lock();
	mon = altp2m_mon_get(vcpu->vm);
	if (mon)
		on = altp2m_mon_enabled(mon, type, index, sync, &reg);
	rcu_read_unlock();
	if (!on)
		return false;
	if (reg.onchange && old_value == new_value)
		return false;
	if (reg.mask && !((old_value ^ new_value) & reg.mask))
		return false;
	return true;
}

bool altp2m_monitor_cr_wanted(struct altp2m_vcpu *vcpu, u32 cr, u64 old_value,
			      u64 new_value, bool *sync)
{
	return altp2m_mon_write_wanted(vcpu, ALTP2M_MON_EV_CR, cr, old_value,
				       new_value, sync);
}

bool altp2m_monitor_msr_wanted(struct altp2m_vcpu *vcpu, u32 msr,
			       u64 old_value, u64 new_value, bool *sync)
{
	return altp2m_mon_write_wanted(vcpu, ALTP2M_MON_EV_MSR, msr, old_value,
				       new_value, sync);
}

/**
 * altp2m_monitor_msr_list - the MSRs whose writes the monitor watches
 * @vm: the VM
 * @msrs: filled with up to @max indices
 * @max: room in @msrs
 *
 * Return: how many were written (0 without a monitor).
 */
int altp2m_monitor_msr_list(struct altp2m_vm *vm, u32 *msrs, int max)
{
	struct altp2m_monitor *mon;
	int n = 0;

	rcu_read_lock();
	mon = altp2m_mon_get(vm);
	if (mon) {
		spin_lock(&mon->ctl_lock);
		for (; n < max && n < mon->nr_msrs; n++)
			msrs[n] = mon->msrs[n].index;
		spin_unlock(&mon->ctl_lock);
	}
	rcu_read_unlock();
	return n;
}

/*
 * Write @ev into the vCPU's ring if there is room; the vCPU's lock held,
 * inside rcu_read_lock(). Return: 0 or -ENOSPC (async: counted).
 */
static int altp2m_mon_push(struct altp2m_monitor *mon,
			   struct altp2m_vcpu *vcpu,
			   const struct altp2m_monitor_event *ev, bool sync)
{
	struct altp2m_mon_ring *r = &mon->rings[vcpu->id];
	struct altp2m_monitor_ring *hdr;
	u64 off;
	int ret;

	lockdep_assert_held(&vcpu->lock);
	/* Pairs with the release in altp2m_mon_ring_alloc(). */
	hdr = smp_load_acquire(&r->hdr);
	/* Every vCPU of an attached monitor has one; be safe anyway. */
	if (WARN_ON_ONCE(!hdr))
		return -ENOSPC;
	/* @cons before reading its room; the entry after (acquire). */
	ret = altp2m_mon_ring_reserve(&r->ctl, smp_load_acquire(&hdr->cons),
				      sync, &off);
	if (ret) {
		WRITE_ONCE(hdr->dropped, r->ctl.dropped);
		return ret;
	}
	memcpy((u8 *)hdr + off, ev, sizeof(*ev));
	/* The event before @prod, for a monitor that reads @prod (acquire). */
	smp_store_release(&hdr->prod, r->ctl.prod);
	if (sync)
		WRITE_ONCE(hdr->parked, ev->seq);
	wake_up_interruptible(&mon->poll_wq);
	return 0;
}

/* The event a sync vCPU keeps while the ring is full, once it fits. */
static void altp2m_mon_push_unsent(struct altp2m_vcpu *vcpu)
{
	struct altp2m_monitor *mon;

	lockdep_assert_held(&vcpu->lock);
	rcu_read_lock();
	mon = altp2m_mon_get(vcpu->vm);
	if (mon && !altp2m_mon_push(mon, vcpu, &vcpu->mon.parked_ev, true)) {
		vcpu->mon.unsent = false;
		altp2m_mon_stat_inc(vcpu, events);
	}
	rcu_read_unlock();
}

enum altp2m_mon_verdict altp2m_monitor_send(struct altp2m_vcpu *vcpu,
					    struct altp2m_monitor_event *ev)
{
	enum altp2m_mon_verdict v = ALTP2M_MON_NONE;
	struct altp2m_monitor *mon;
	struct altp2m_mon_reg reg;
	u32 index = 0;
	bool sync;

	lockdep_assert_held(&vcpu->lock);
	if (ev->type == ALTP2M_MON_EV_CR)
		index = ev->u.cr.index;
	else if (ev->type == ALTP2M_MON_EV_MSR)
		index = ev->u.msr.index;
	/* The registers first: that loads the VMCS, outside RCU. */
	altp2m_vmx_monitor_regs(vcpu, &ev->regs);
	ev->vcpu = vcpu->id;
	ev->view = vcpu->view;
	ev->reserved0 = 0;
	memset(ev->reserved, 0, sizeof(ev->reserved));

	rcu_read_lock();
	mon = altp2m_mon_get(vcpu->vm);
	if (!mon)
		goto out;
	/* A hidden breakpoint's event: its own action says how (hidden.h). */
	if (ev->type == ALTP2M_MON_EV_BREAKPOINT &&
	    (ev->u.breakpoint.flags & ALTP2M_MON_BPF_HIDDEN))
		sync = ev->flags & ALTP2M_MON_EVF_SYNC;
	else if (!altp2m_mon_enabled(mon, ev->type, index, &sync, &reg))
		goto out;
	ev->seq = atomic64_inc_return(&mon->seq);
	ev->flags = sync ? ALTP2M_MON_EVF_SYNC : 0;
	if (!sync) {
		v = altp2m_mon_push(mon, vcpu, ev, false) ?
		    ALTP2M_MON_DROPPED : ALTP2M_MON_SENT;
		if (v == ALTP2M_MON_SENT)
			altp2m_mon_stat_inc(vcpu, events);
		goto out;
	}
	altp2m_mon_stat_inc(vcpu, sync_waits);
	/*
	 * Parked before the event is in the ring: RESPOND looks at
	 * @parked_seq without the vCPU's lock first, and a monitor may
	 * answer as soon as it sees the event.
	 */
	vcpu->mon.parked_type = ev->type;
	WRITE_ONCE(vcpu->mon.parked_seq, ev->seq);
	if (altp2m_mon_push(mon, vcpu, ev, true)) {
		/* Never dropped: the vCPU waits for room (altp2m_monitor_wait). */
		vcpu->mon.parked_ev = *ev;
		vcpu->mon.unsent = true;
	} else {
		altp2m_mon_stat_inc(vcpu, events);
	}
	v = ALTP2M_MON_PARKED;
out:
	rcu_read_unlock();
	return v;
}

/* Paused by the monitor, alone or with the whole VM (any thread). */
static bool altp2m_mon_paused(struct altp2m_vcpu *vcpu)
{
	struct altp2m_monitor *mon;
	bool paused = false;

	if (READ_ONCE(vcpu->mon.pause_count))
		return true;
	/* No monitor (the usual case): no RCU section at every entry. */
	if (!READ_ONCE(vcpu->vm->monitor))
		return false;
	rcu_read_lock();
	mon = altp2m_mon_get(vcpu->vm);
	if (mon)
		paused = READ_ONCE(mon->pause_all);
	rcu_read_unlock();
	return paused;
}

bool altp2m_monitor_blocked(struct altp2m_vcpu *vcpu)
{
	return READ_ONCE(vcpu->mon.parked_seq) || altp2m_mon_paused(vcpu);
}

/*
 * Poll for the response to the sync event the vCPU is parked on, for up
 * to @window ns, on the vCPU's thread WITHOUT its lock (RESPOND takes it).
 * Gives up at once when the scheduler wants the CPU, a signal is pending,
 * another task could run here (the monitor itself, on a single CPU: the
 * poll would only delay the answer it waits for), or the vCPU is paused
 * (pauses are long). Return: whether the response (or the close) came.
 */
static bool altp2m_mon_poll_rsp(struct altp2m_vcpu *vcpu, u32 window)
{
	ktime_t stop = ktime_add_ns(ktime_get(), window);

	for (;;) {
		if (!READ_ONCE(vcpu->mon.parked_seq))
			return true;
		if (need_resched() || signal_pending(current) ||
		    !single_task_running() || altp2m_mon_paused(vcpu) ||
		    ktime_after(ktime_get(), stop))
			return false;
		cpu_relax();
	}
}

/*
 * After a wait that polled (@window ns, 0: it only measured) and took
 * @waited ns: adapt the vCPU's window and count the poll
 * (ALTP2M_MONITOR_GET_STATS). On the vCPU's thread, its lock held.
 */
static void altp2m_mon_poll_done(struct altp2m_vcpu *vcpu, u32 window,
				 bool hit, u64 waited)
{
	lockdep_assert_held(&vcpu->lock);
	vcpu->mon.poll_ns = altp2m_mon_poll_adapt(vcpu->mon.poll_ns, waited,
						  READ_ONCE(mon_poll_ns));
	if (!window)
		return;
	if (hit)
		altp2m_mon_stat_inc(vcpu, poll_hits);
	else
		altp2m_mon_stat_inc(vcpu, poll_misses);
}

/**
 * altp2m_monitor_wait - a parked or paused vCPU waits
 * @vcpu: the vCPU, its lock held (dropped while it sleeps)
 *
 * Wakes on a response, a resume, the monitor's close, or a signal. A sync
 * event still waiting for room in the ring looks again every
 * ALTP2M_MON_ROOM_POLL: the monitor consumes by writing @cons, which
 * tells the module nothing.
 *
 * A vCPU parked on a sync event that is in the ring, and not paused,
 * first polls for the response (altp2m_mon_poll_rsp()): once per wait, for
 * its adaptive window. Every such wait is timed, polled or not, so that
 * the window can grow from 0; a wait a signal ends teaches it nothing.
 *
 * Return: 0 when the vCPU may enter, -EINTR on a signal (still blocked).
 */
int altp2m_monitor_wait(struct altp2m_vcpu *vcpu)
{
	bool unsent, timed = false, polled = false, hit = false;
	ktime_t start = 0;
	u32 window = 0;

	lockdep_assert_held(&vcpu->lock);
	for (;;) {
		if (vcpu->mon.unsent)
			altp2m_mon_push_unsent(vcpu);
		if (!altp2m_monitor_blocked(vcpu))
			break;
		if (signal_pending(current))
			return -EINTR;
		unsent = vcpu->mon.unsent;
		if (!timed && !unsent && vcpu->mon.parked_seq &&
		    !altp2m_mon_paused(vcpu)) {
			timed = true;
			start = ktime_get();
			window = altp2m_mon_poll_window(vcpu->mon.poll_ns,
							READ_ONCE(mon_poll_ns));
		}
		mutex_unlock(&vcpu->lock);
		if (window && !polled) {
			polled = true;
			hit = altp2m_mon_poll_rsp(vcpu, window);
			if (hit) {
				mutex_lock(&vcpu->lock);
				continue;
			}
		}
		if (unsent)
			wait_event_interruptible_timeout(vcpu->mon.wait,
							 !altp2m_monitor_blocked(vcpu),
							 ALTP2M_MON_ROOM_POLL);
		else
			wait_event_interruptible(vcpu->mon.wait,
						 !altp2m_monitor_blocked(vcpu));
		mutex_lock(&vcpu->lock);
	}
	if (timed)
		altp2m_mon_poll_done(vcpu, window, hit,
				     ktime_to_ns(ktime_sub(ktime_get(), start)));
	return 0;
}

/**
 * altp2m_monitor_guest_request - the guest's ALTP2M_HC_MONITOR_REQUEST
 * @vcpu: the vCPU, in its run loop, at CPL 0 (checked by the caller)
 * @args: RBX, RCX, RDX (RSI is read here)
 *
 * Return: what goes to RAX: 0 once delivered (sync: the vCPU is parked
 * and enters only after the response), -ENOSYS when no monitor has the
 * event enabled, -EAGAIN when an async event found the ring full.
 */
s64 altp2m_monitor_guest_request(struct altp2m_vcpu *vcpu, const u64 *args)
{
	struct altp2m_monitor_event ev = { .type = ALTP2M_MON_EV_GUEST_REQUEST };

	ev.u.guest_request.args[0] = args[0];
	ev.u.guest_request.args[1] = args[1];
	ev.u.guest_request.args[2] = args[2];
	ev.u.guest_request.args[3] = vcpu->vmx.gpr[ALTP2M_RSI];
	switch (altp2m_monitor_send(vcpu, &ev)) {
	case ALTP2M_MON_SENT:
	case ALTP2M_MON_PARKED:
		return 0;
	case ALTP2M_MON_DROPPED:
		return -EAGAIN;
	default:
		return ALTP2M_MON_HC_NOSYS;
	}
}

/*
 * Stop vCPUs: @vcpu, or every vCPU for NULL, whose pause the caller has
 * counted. Each is kicked (ALTP2M_REQ_EVENT, which the run loop takes
 * before its monitor check and looks for once more just before entering,
 * and which ends a HLT sleep), then the barrier: returns once none of
 * them is in guest mode. The VM's @lock held (keeps the vCPUs alive).
 */
static void altp2m_mon_stop(struct altp2m_vm *vm, struct altp2m_vcpu *vcpu)
{
	unsigned int i;

	lockdep_assert_held(&vm->lock);
	if (vcpu) {
		altp2m_vcpu_kick(vcpu);
	} else {
		for (i = 0; i < ALTP2M_MAX_VCPUS; i++)
			if (vm->vcpus[i])
				altp2m_vcpu_kick(vm->vcpus[i]);
	}
	altp2m_make_all_vcpus_request(vm, ALTP2M_REQ_NONE, true);
}

/* Wake every vCPU that may wait on the monitor; the VM's @lock held. */
static void altp2m_mon_wake_all(struct altp2m_vm *vm)
{
	unsigned int i;

	lockdep_assert_held(&vm->lock);
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			wake_up(&vm->vcpus[i]->mon.wait);
}

static long altp2m_mon_pause(struct altp2m_monitor *mon, void __user *argp,
			     bool pause)
{
	struct altp2m_vm *vm = mon->vm;
	struct altp2m_monitor_pause p;
	struct altp2m_vcpu *vcpu = NULL;
	unsigned int *count;
	long ret = 0;

	if (copy_from_user(&p, argp, sizeof(p)))
		return -EFAULT;
	if ((p.flags & ~ALTP2M_MON_PAUSE_VCPU) ||
	    !altp2m_is_zero(p.reserved, sizeof(p.reserved)) ||
	    (!(p.flags & ALTP2M_MON_PAUSE_VCPU) && p.vcpu))
		return -EINVAL;
	mutex_lock(&vm->lock);
	if (p.flags & ALTP2M_MON_PAUSE_VCPU) {
		vcpu = p.vcpu < ALTP2M_MAX_VCPUS ? vm->vcpus[p.vcpu] : NULL;
		if (!vcpu) {
			ret = vm->file_closed ? -ENODEV : -ENOENT;
			goto out;
		}
		count = &vcpu->mon.pause_count;
	} else {
		count = &mon->pause_all;
	}
	if (pause) {
		WRITE_ONCE(*count, *count + 1);
		altp2m_mon_stop(vm, vcpu);
		goto out;
	}
	if (!*count) {
		ret = -EINVAL;
		goto out;
	}
	WRITE_ONCE(*count, *count - 1);
	if (vcpu)
		wake_up(&vcpu->mon.wait);
	else
		altp2m_mon_wake_all(vm);
out:
	mutex_unlock(&vm->lock);
	return ret;
}

/* The events this host delivers, and how. */
static void altp2m_mon_caps(u64 *events, u64 *sync, u64 *async, u64 *rsp)
{
	u64 ev = altp2m_vmx_monitor_events();

	*events = ev;
	*sync = ev;
	*async = ev & ~ALTP2M_MON_SYNC_ONLY;
	*rsp = ALTP2M_MON_RSP_SWITCH_VIEW | ALTP2M_MON_RSP_SET_REGS |
	       ALTP2M_MON_RSP_ACCESS;
	if (ev & BIT_ULL(ALTP2M_MON_EV_SINGLESTEP))
		*rsp |= ALTP2M_MON_RSP_SINGLESTEP |
			ALTP2M_MON_RSP_FAST_SINGLESTEP;
	if (ev & BIT_ULL(ALTP2M_MON_EV_BREAKPOINT))
		*rsp |= ALTP2M_MON_RSP_REINJECT;
	if (ev & (BIT_ULL(ALTP2M_MON_EV_CR) | BIT_ULL(ALTP2M_MON_EV_MSR)))
		*rsp |= ALTP2M_MON_RSP_DENY;
}

static long altp2m_mon_get_info(struct altp2m_monitor *mon, void __user *argp)
{
	struct altp2m_monitor_info in;

	if (copy_from_user(&in, argp, sizeof(in)))
		return -EFAULT;
	/* The out fields may hold anything: a struct used before. */
	if (in.flags || in.pad ||
	    !altp2m_is_zero(in.reserved, sizeof(in.reserved)))
		return -EINVAL;
	memset(&in, 0, sizeof(in));
	in.vm_id = mon->vm->id;
	altp2m_mon_caps(&in.events, &in.sync_events, &in.async_events,
			&in.responses);
	in.ring_entries = mon->entries;
	in.event_size = ALTP2M_MONITOR_EVENT_SIZE;
	in.ring_bytes = mon->ring_bytes;
	in.max_msrs = ALTP2M_MONITOR_MAX_MSRS;
	in.max_ops = ALTP2M_MONITOR_MAX_OPS;
	in.max_mem = ALTP2M_MONITOR_MAX_MEM;
	in.singlestep = altp2m_vmx_monitor_singlestep_kind();
	return copy_to_user(argp, &in, sizeof(in)) ? -EFAULT : 0;
}

/* An MSR a guest may write (the ones GET/SET_MSRS reach, the APIC's). */
static bool altp2m_mon_msr_ok(u32 index)
{
	return altp2m_vmx_msr_allowed(index) || index == MSR_IA32_APICBASE ||
	       index == MSR_IA32_TSC_DEADLINE;
}

/* SET_EVENT for a CR or MSR; @ctl_lock held. */
static int altp2m_mon_set_reg(struct altp2m_monitor *mon,
			      const struct altp2m_monitor_event_ctl *c,
			      const struct altp2m_mon_reg *reg)
{
	bool on = c->flags & ALTP2M_MON_CTL_ENABLE;
	unsigned int i;

	lockdep_assert_held(&mon->ctl_lock);
	if (c->type == ALTP2M_MON_EV_CR) {
		i = altp2m_mon_cr_slot(c->index);	/* checked: >= 0 */
		mon->cr[i] = *reg;
		if (on)
			mon->cr_on |= BIT(i);
		else
			mon->cr_on &= ~BIT(i);
		return 0;
	}
	for (i = 0; i < mon->nr_msrs; i++)
		if (mon->msrs[i].index == c->index)
			break;
	if (!on) {
		if (i < mon->nr_msrs)
			mon->msrs[i] = mon->msrs[--mon->nr_msrs];
		return 0;
	}
	if (i == ALTP2M_MONITOR_MAX_MSRS)
		return -ENOSPC;
	mon->msrs[i] = *reg;
	if (i == mon->nr_msrs)
		mon->nr_msrs++;
	return 0;
}

static long altp2m_mon_set_event(struct altp2m_monitor *mon,
				 void __user *argp)
{
	struct altp2m_monitor_event_ctl c;
	struct altp2m_mon_reg reg = { 0 };
	bool on, sync, reg_type;
	u64 bit;
	int ret = 0;

	if (copy_from_user(&c, argp, sizeof(c)))
		return -EFAULT;
	if ((c.flags & ~ALTP2M_MON_CTL_ALL) || c.pad ||
	    !altp2m_is_zero(c.reserved, sizeof(c.reserved)) ||
	    c.type >= ALTP2M_MON_EV_NR)
		return -EINVAL;
	on = c.flags & ALTP2M_MON_CTL_ENABLE;
	sync = c.flags & ALTP2M_MON_CTL_SYNC;
	bit = BIT_ULL(c.type);
	reg_type = c.type == ALTP2M_MON_EV_CR || c.type == ALTP2M_MON_EV_MSR;
	/* Disabling takes no settings; settings only where they mean one. */
	if (!on && (c.flags || c.mask))
		return -EINVAL;
	if (!reg_type && (c.index || c.mask ||
			  (c.flags & ALTP2M_MON_CTL_ONCHANGE)))
		return -EINVAL;
	if (on && !sync && (bit & ALTP2M_MON_SYNC_ONLY))
		return -EINVAL;
	if (c.type == ALTP2M_MON_EV_CR && altp2m_mon_cr_slot(c.index) < 0)
		return -EINVAL;
	if (c.type == ALTP2M_MON_EV_MSR && !altp2m_mon_msr_ok(c.index))
		return -EINVAL;
	if (!(altp2m_vmx_monitor_events() & bit))
		return -EOPNOTSUPP;

	reg.index = c.index;
	reg.sync = sync;
	reg.onchange = c.flags & ALTP2M_MON_CTL_ONCHANGE;
	reg.mask = c.mask;
	spin_lock(&mon->ctl_lock);
	if (reg_type) {
		ret = altp2m_mon_set_reg(mon, &c, &reg);
		on = c.type == ALTP2M_MON_EV_CR ? mon->cr_on : mon->nr_msrs;
	}
	if (on)
		mon->enabled |= bit;
	else
		mon->enabled &= ~bit;
	if (sync)
		mon->sync |= bit;
	else if (!reg_type)
		mon->sync &= ~bit;
	spin_unlock(&mon->ctl_lock);
	if (ret)
		return ret;
	/* Every vCPU follows the new settings before it enters again. */
	mutex_lock(&mon->vm->lock);
	altp2m_make_all_vcpus_request(mon->vm, ALTP2M_REQ_MONITOR, true);
	mutex_unlock(&mon->vm->lock);
	return 0;
}

/* A view @vcpu may be put on: exists and is not hidden from it. */
static int altp2m_mon_view_ok(struct altp2m_vcpu *vcpu, u32 view)
{
	struct altp2m_vm *vm = vcpu->vm;
	u64 eptp;
	int ret;

	if (view >= ALTP2M_MAX_VIEWS)
		return -EINVAL;
	mutex_lock(&vm->mmu_lock);
	ret = altp2m_views_eptp(&vm->views, view, false, &eptp);
	if (!ret && test_bit(view, vcpu->view_hidden))
		ret = -EPERM;
	mutex_unlock(&vm->mmu_lock);
	return ret;
}

/*
 * Move a parked vCPU for a response, noting the view it was on before the
 * monitor's first switch of it since anybody else switched it (close,
 * step 5). Every switch clears @view_saved (switch.c), this one too;
 * vcpu->lock keeps the run loop's switches out until it is set again.
 */
static int altp2m_mon_switch(struct altp2m_vcpu *vcpu, u32 view)
{
	struct altp2m_vm *vm = vcpu->vm;
	u32 old = vcpu->view, saved;
	bool was;
	int ret;

	lockdep_assert_held(&vcpu->lock);
	if (view == old)
		return 0;
	mutex_lock(&vm->mmu_lock);
	was = vcpu->mon.view_saved;
	saved = vcpu->mon.saved_view;
	mutex_unlock(&vm->mmu_lock);
	ret = altp2m_vcpu_switch_view(vcpu, view);
	if (ret)
		return ret;
	mutex_lock(&vm->mmu_lock);
	vcpu->mon.saved_view = was ? saved : old;
	vcpu->mon.view_saved = true;
	mutex_unlock(&vm->mmu_lock);
	return 0;
}

int altp2m_monitor_switch(struct altp2m_vcpu *vcpu, u32 view)
{
	return altp2m_mon_switch(vcpu, view);
}

/* The form of a response, before any vCPU is looked at. */
static int altp2m_mon_rsp_check(struct altp2m_monitor *mon,
				const struct altp2m_monitor_response *rsp)
{
	u32 f = rsp->flags;
	u64 events, sync, async, rsps;
	bool step = f & (ALTP2M_MON_RSP_SINGLESTEP |
			 ALTP2M_MON_RSP_FAST_SINGLESTEP);

	altp2m_mon_caps(&events, &sync, &async, &rsps);
	if ((f & ~rsps) || rsp->pad || !rsp->seq ||
	    !altp2m_is_zero(rsp->reserved, sizeof(rsp->reserved)))
		return -EINVAL;
	if ((f & ALTP2M_MON_RSP_SINGLESTEP) &&
	    (f & ALTP2M_MON_RSP_FAST_SINGLESTEP))
		return -EINVAL;
	if ((f & ALTP2M_MON_RSP_SINGLESTEP) &&
	    !(READ_ONCE(mon->enabled) & BIT_ULL(ALTP2M_MON_EV_SINGLESTEP)))
		return -EINVAL;
	if (!(f & (ALTP2M_MON_RSP_SWITCH_VIEW |
		   ALTP2M_MON_RSP_FAST_SINGLESTEP)) && rsp->view)
		return -EINVAL;
	if (!step && rsp->step_view)
		return -EINVAL;
	if (f & ALTP2M_MON_RSP_ACCESS) {
		if (!rsp->nr_ops || rsp->nr_ops > ALTP2M_MONITOR_MAX_OPS ||
		    !rsp->ops)
			return -EINVAL;
	} else if (rsp->nr_ops || rsp->ops) {
		return -EINVAL;
	}
	if (rsp->regs.flags || rsp->regs.pad ||
	    !altp2m_is_zero(rsp->regs.reserved, sizeof(rsp->regs.reserved)))
		return -EINVAL;
	if (rsp->vcpu >= ALTP2M_MAX_VCPUS)
		return -ENOENT;
	return 0;
}

/* The parked vCPU's part of RESPOND; its lock held. */
static int altp2m_mon_respond_vcpu(struct altp2m_monitor *mon,
				   struct altp2m_vcpu *vcpu,
				   const struct altp2m_monitor_response *rsp,
				   const struct altp2m_batch_op *ops)
{
	struct altp2m_mon_reply r = { .flags = rsp->flags };
	struct altp2m_mon_ring *ring = &mon->rings[vcpu->id];
	struct altp2m_monitor_ring *hdr;
	u32 f = rsp->flags, index;
	u64 gen = 0;
	int ret;

	lockdep_assert_held(&vcpu->lock);
	if (vcpu->mon.parked_seq != rsp->seq || vcpu->mon.unsent)
		return -ESRCH;
	r.view = vcpu->view;
	r.step_view = vcpu->view;
	if (f & (ALTP2M_MON_RSP_SWITCH_VIEW | ALTP2M_MON_RSP_FAST_SINGLESTEP)) {
		ret = altp2m_mon_view_ok(vcpu, rsp->view);
		if (ret)
			return ret;
		r.view = rsp->view;
	}
	if ((f & (ALTP2M_MON_RSP_SINGLESTEP |
		  ALTP2M_MON_RSP_FAST_SINGLESTEP)) &&
	    rsp->step_view != ALTP2M_MON_VIEW_CURRENT) {
		ret = altp2m_mon_view_ok(vcpu, rsp->step_view);
		if (ret)
			return ret;
		r.step_view = rsp->step_view;
	}
	if (f & ALTP2M_MON_RSP_SET_REGS)
		r.regs = rsp->regs;
	ret = altp2m_vmx_monitor_check(vcpu, &r);
	if (ret)
		return ret;
	if (ops) {
		ret = altp2m_vm_batch(vcpu->vm, ops, rsp->nr_ops, 0, &gen,
				      &index, NULL);
		if (ret)
			return ret;
	}
	altp2m_vmx_monitor_apply(vcpu, &r);
	/* Stepping: on the step's view now; after it, vmx/monitor.c's. */
	if (f & (ALTP2M_MON_RSP_SINGLESTEP | ALTP2M_MON_RSP_FAST_SINGLESTEP))
		ret = altp2m_mon_switch(vcpu, r.step_view);
	else if (f & ALTP2M_MON_RSP_SWITCH_VIEW)
		ret = altp2m_mon_switch(vcpu, r.view);
	/* Checked above; only a view destroyed meanwhile fails here. */
	if (ret)
		return ret;
	/* Pairs with the release in altp2m_mon_ring_alloc(). */
	hdr = smp_load_acquire(&ring->hdr);
	if (hdr)
		WRITE_ONCE(hdr->parked, 0);
	WRITE_ONCE(vcpu->mon.parked_seq, 0);
	wake_up(&vcpu->mon.wait);
	return 0;
}

static long altp2m_mon_respond(struct altp2m_monitor *mon, void __user *argp)
{
	struct altp2m_monitor_response rsp;
	struct altp2m_batch_op *ops = NULL;
	struct altp2m_vcpu *vcpu;
	unsigned int i;
	long ret;

	if (copy_from_user(&rsp, argp, sizeof(rsp)))
		return -EFAULT;
	ret = altp2m_mon_rsp_check(mon, &rsp);
	if (ret)
		return ret;
	if (rsp.flags & ALTP2M_MON_RSP_ACCESS) {
		ops = memdup_array_user(u64_to_user_ptr(rsp.ops), rsp.nr_ops,
					sizeof(*ops));
		if (IS_ERR(ops))
			return PTR_ERR(ops);
		for (i = 0; i < rsp.nr_ops; i++)
			if (altp2m_batch_op_invalid(&ops[i])) {
				ret = -EINVAL;
				goto out;
			}
	}
	vcpu = altp2m_monitor_vcpu_pin(mon, rsp.vcpu);
	if (IS_ERR(vcpu)) {
		ret = PTR_ERR(vcpu);
		goto out;
	}
	/*
	 * Not parked on it: say so without the lock, which a running vCPU
	 * holds for as long as it runs.
	 */
	ret = -ESRCH;
	if (READ_ONCE(vcpu->mon.parked_seq) != rsp.seq)
		goto unpin;
	ret = mutex_lock_killable(&vcpu->lock);
	if (ret)
		goto unpin;
	ret = altp2m_mon_respond_vcpu(mon, vcpu, &rsp, ops);
	mutex_unlock(&vcpu->lock);
unpin:
	altp2m_monitor_vcpu_unpin(vcpu);
out:
	kfree(ops);
	return ret;
}

/* ALTP2M_MONITOR_GET_STATS: racy reads of counters only one thread writes. */
static long altp2m_mon_get_stats(struct altp2m_monitor *mon, void __user *argp)
{
	struct altp2m_monitor_stats st, *c;
	struct altp2m_vcpu *vcpu;

	if (copy_from_user(&st, argp, sizeof(st)))
		return -EFAULT;
	if (st.flags || !altp2m_is_zero(st.reserved, sizeof(st.reserved)))
		return -EINVAL;
	vcpu = altp2m_monitor_vcpu_pin(mon, st.vcpu);
	if (IS_ERR(vcpu))
		return PTR_ERR(vcpu);
	c = &vcpu->mon.stats;
	st.events = READ_ONCE(c->events);
	st.sync_waits = READ_ONCE(c->sync_waits);
	st.poll_hits = READ_ONCE(c->poll_hits);
	st.poll_misses = READ_ONCE(c->poll_misses);
	st.bp_hits = READ_ONCE(c->bp_hits);
	st.bp_steps = READ_ONCE(c->bp_steps);
	st.bp_retries = READ_ONCE(c->bp_retries);
	st.shadow_steps = READ_ONCE(c->shadow_steps);
	st.shadow_resyncs = READ_ONCE(c->shadow_resyncs);
	st.cr3_exits = READ_ONCE(c->cr3_exits);
	st.cr3_switches = READ_ONCE(c->cr3_switches);
	st.exits = READ_ONCE(vcpu->stats.hw_exits);
	st.l1d_flushes = READ_ONCE(c->l1d_flushes);
	altp2m_monitor_vcpu_unpin(vcpu);
	return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
}

static long altp2m_mon_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	struct altp2m_monitor *mon = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case ALTP2M_MONITOR_GET_INFO:
		return altp2m_mon_get_info(mon, argp);
	case ALTP2M_MONITOR_SET_EVENT:
		return altp2m_mon_set_event(mon, argp);
	case ALTP2M_MONITOR_RESPOND:
		return altp2m_mon_respond(mon, argp);
	case ALTP2M_MONITOR_PAUSE:
		return altp2m_mon_pause(mon, argp, true);
	case ALTP2M_MONITOR_RESUME:
		return altp2m_mon_pause(mon, argp, false);
	case ALTP2M_MONITOR_GET_STATS:
		return altp2m_mon_get_stats(mon, argp);
	case ALTP2M_MONITOR_ADD_BREAKPOINT:
	case ALTP2M_MONITOR_REMOVE_BREAKPOINT:
	case ALTP2M_MONITOR_GET_BREAKPOINT:
		return altp2m_bp_ioctl(mon, cmd, argp);
	case ALTP2M_MONITOR_SET_CR3_VIEWS:
		return altp2m_cr3_views_ioctl(mon, argp);
	default:
		return altp2m_monitor_data_ioctl(mon, cmd, argp);
	}
}

static __poll_t altp2m_mon_poll(struct file *file, poll_table *pt)
{
	struct altp2m_monitor *mon = file->private_data;
	struct altp2m_monitor_ring *hdr;
	__poll_t mask = 0;
	unsigned int i;

	poll_wait(file, &mon->poll_wq, pt);
	for (i = 0; i < ALTP2M_MAX_VCPUS && !mask; i++) {
		/* Pairs with the release in altp2m_mon_ring_alloc(). */
		hdr = smp_load_acquire(&mon->rings[i].hdr);
		/* @ctl.prod is the vCPU's: a stale read only delays a poll. */
		if (hdr && altp2m_mon_ring_pending(&mon->rings[i].ctl,
						   READ_ONCE(hdr->cons)))
			mask |= EPOLLIN | EPOLLRDNORM;
	}
	if (altp2m_mon_hup(mon->vm))
		mask |= EPOLLHUP;
	return mask;
}

/* The rings' pages, as they come to exist; SIGBUS where none is. */
static vm_fault_t altp2m_mon_fault(struct vm_fault *vmf)
{
	struct altp2m_monitor *mon = vmf->vma->vm_file->private_data;
	u64 per = mon->ring_bytes >> PAGE_SHIFT;
	u64 id = vmf->pgoff / per;
	struct altp2m_monitor_ring *hdr;
	struct page *page;

	if (id >= ALTP2M_MAX_VCPUS)
		return VM_FAULT_SIGBUS;
	/* Pairs with the release in altp2m_mon_ring_alloc(). */
	hdr = smp_load_acquire(&mon->rings[id].hdr);
	if (!hdr)
		return VM_FAULT_SIGBUS;
	page = vmalloc_to_page((u8 *)hdr + ((vmf->pgoff % per) << PAGE_SHIFT));
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct altp2m_mon_vm_ops = {
	.fault = altp2m_mon_fault,
};

static int altp2m_mon_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct altp2m_monitor *mon = file->private_data;
	u64 len = vma->vm_end - vma->vm_start;

	if (vma->vm_pgoff >= ALTP2M_MON_MEM_PGOFF)
		return altp2m_monitor_map_mmap(vma);
	if (!(vma->vm_flags & VM_SHARED) || vma->vm_pgoff ||
	    len > ALTP2M_MAX_VCPUS * mon->ring_bytes)
		return -EINVAL;
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &altp2m_mon_vm_ops;
	return 0;
}

/*
 * Close, for one vCPU (the uAPI's "Closing", steps 2, 4 and 5); its lock
 * held, the vCPU stopped by the close's own pause. vmx/monitor.c sees a
 * reply with @closing for every vCPU: for a parked one (@parked_seq still
 * set) it is "continue", with a parked breakpoint reinjected and a parked
 * write let through; for any, a step in flight is cancelled.
 */
static void altp2m_mon_close_vcpu(struct altp2m_monitor *mon,
				  struct altp2m_vcpu *vcpu)
{
	struct altp2m_mon_reply r = {
		.view = vcpu->view,
		.step_view = vcpu->view,
		.closing = true,
	};
	struct altp2m_monitor_ring *hdr = mon->rings[vcpu->id].hdr;
	struct altp2m_vm *vm = vcpu->vm;
	bool back;
	u32 view;

	lockdep_assert_held(&vcpu->lock);
	altp2m_vmx_monitor_apply(vcpu, &r);
	vcpu->mon.unsent = false;
	WRITE_ONCE(vcpu->mon.parked_seq, 0);
	if (hdr)
		WRITE_ONCE(hdr->parked, 0);
	mutex_lock(&vm->mmu_lock);
	back = vcpu->mon.view_saved;
	view = vcpu->mon.saved_view;
	vcpu->mon.view_saved = false;
	mutex_unlock(&vm->mmu_lock);
	/* A view destroyed since cannot be gone back to: stay. */
	if (back)
		altp2m_vcpu_switch_view(vcpu, view);
}

static int altp2m_mon_release(struct inode *inode, struct file *file)
{
	struct altp2m_monitor *mon = file->private_data;
	struct altp2m_vm *vm = mon->vm;
	struct altp2m_vcpu *vcpu;
	unsigned int i;

	altp2m_cr3_views_release(mon);
	/*
	 * Step 1 (vCPUs see no monitor: nothing is enabled, the intercepts
	 * go at the next entry) and the close's own pause of every vCPU, so
	 * that no guest instruction runs between the steps below.
	 */
	mutex_lock(&vm->lock);
	/* Before step 1: the hidden breakpoints (uAPI), while vCPUs run. */
	altp2m_bp_release_all(vm);
	WRITE_ONCE(mon->closing, true);
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			WRITE_ONCE(vm->vcpus[i]->mon.pause_count,
				   vm->vcpus[i]->mon.pause_count + 1);
	altp2m_make_all_vcpus_request(vm, ALTP2M_REQ_MONITOR, false);
	altp2m_mon_stop(vm, NULL);
	mutex_unlock(&vm->lock);
	/* No vCPU is inside a section that found the monitor. */
	synchronize_rcu();

	for (i = 0; i < ALTP2M_MAX_VCPUS; i++) {
		vcpu = altp2m_monitor_vcpu_pin(mon, i);
		if (IS_ERR(vcpu))
			continue;
		mutex_lock(&vcpu->lock);
		altp2m_mon_close_vcpu(mon, vcpu);
		mutex_unlock(&vcpu->lock);
		altp2m_monitor_vcpu_unpin(vcpu);
	}
	/* Step 6. */
	altp2m_monitor_views_release(mon);
	/* Step 3, the monitor's pauses and the close's: vCPUs go on. */
	mutex_lock(&vm->lock);
	WRITE_ONCE(vm->monitor, NULL);
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			WRITE_ONCE(vm->vcpus[i]->mon.pause_count, 0);
	altp2m_mon_wake_all(vm);
	mutex_unlock(&vm->lock);

	/*
	 * A vCPU that loaded vm->monitor before it was cleared (waking in
	 * altp2m_monitor_blocked(), or one created meanwhile) may still read
	 * it under RCU.
	 */
	synchronize_rcu();
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++)
		vfree(mon->rings[i].hdr);
	kfree(mon);
	altp2m_vm_put(vm);
	return 0;
}

static const struct file_operations altp2m_mon_fops = {
	.owner		= THIS_MODULE,
	.release	= altp2m_mon_release,
	.unlocked_ioctl	= altp2m_mon_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.poll		= altp2m_mon_poll,
	.mmap		= altp2m_mon_mmap,
	.llseek		= noop_llseek,
};

/**
 * altp2m_monitor_attach_check - ALTP2M_MONITOR_ATTACH's argument
 * @a: as the caller passed it; on success the ring's size is filled in
 *
 * Return: 0, or -EINVAL for unknown flags, non-zero padding or a ring
 * size the uAPI does not allow.
 */
int altp2m_monitor_attach_check(struct altp2m_monitor_attach *a)
{
	u32 entries;
	u64 bytes;

	if ((a->flags & ~ALTP2M_MONITOR_DROP_VIEWS) || a->pad ||
	    !altp2m_is_zero(a->reserved, sizeof(a->reserved)))
		return -EINVAL;
	if (altp2m_mon_ring_geometry(a->ring_entries, &entries, &bytes))
		return -EINVAL;
	a->ring_entries = entries;
	a->ring_bytes = bytes;
	return 0;
}

/**
 * altp2m_monitor_attach - ALTP2M_MONITOR_ATTACH
 * @vm: the VM (the caller's reference; the monitor takes its own)
 * @arg: checked by the caller for flags, padding and the ring's size
 *	(altp2m_mon_ring_geometry()), and already told them
 * @owner: through the VM fd (the caller checked the rest otherwise)
 *
 * Return: the monitor fd, or -EBUSY while another monitor is attached,
 * -ENOMEM...
 */
int altp2m_monitor_attach(struct altp2m_vm *vm,
			  struct altp2m_monitor_attach *arg, bool owner)
{
	struct altp2m_monitor *mon;
	struct file *file;
	unsigned int i;
	int fd, ret;

	BUILD_BUG_ON(ALTP2M_MONITOR_RING_HDR != PAGE_SIZE);
	BUILD_BUG_ON(sizeof(struct altp2m_monitor_event) !=
		     ALTP2M_MONITOR_EVENT_SIZE);
	mon = kzalloc(sizeof(*mon), GFP_KERNEL_ACCOUNT);
	if (!mon)
		return -ENOMEM;
	ret = altp2m_mon_ring_geometry(arg->ring_entries, &mon->entries,
				       &mon->ring_bytes);
	if (ret)
		goto err_free;
	mon->vm = vm;
	mon->flags = arg->flags;
	atomic64_set(&mon->seq, 0);
	init_waitqueue_head(&mon->poll_wq);
	spin_lock_init(&mon->ctl_lock);

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_free;
	}
	mutex_lock(&vm->lock);
	ret = -EBUSY;
	if (vm->monitor)
		goto err_unlock;
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++) {
		if (!vm->vcpus[i])
			continue;
		ret = altp2m_mon_ring_alloc(mon, i);
		if (ret)
			goto err_unlock;
	}
	file = anon_inode_getfile("altp2m-monitor", &altp2m_mon_fops, mon,
				  O_RDWR);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto err_unlock;
	}
	altp2m_monitor_map_init(&mon->mapping, file);
	kref_get(&vm->refs);
	WRITE_ONCE(vm->monitor, mon);
	mutex_unlock(&vm->lock);
	fd_install(fd, file);
	return fd;

err_unlock:
	mutex_unlock(&vm->lock);
	put_unused_fd(fd);
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++)
		vfree(mon->rings[i].hdr);
err_free:
	kfree(mon);
	return ret;
}
