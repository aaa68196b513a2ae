// SPDX-License-Identifier: GPL-2.0
/*
 * Hidden breakpoints (kmod/hidden.h; the uAPI's "Hidden breakpoints" is
 * the spec): the VM's table, the monitor fd's ADD/REMOVE/GET_BREAKPOINT,
 * the INT3 planted in and taken out of the shadow frame, a shadow copied
 * again after a guest write, and the table emptied at the monitor's close.
 * What a vCPU does at a hit is vmx/monitor.c's.
 *
 * The #BP intercept. A vCPU reads vm->bps.nr when it programs its
 * intercepts (altp2m_vmx_monitor_update()); a planted INT3 executed by a
 * vCPU that does not intercept #BP would reach the guest. So ADD counts
 * the breakpoint first, makes every vCPU reprogram before its next entry
 * and waits until none runs with the old setting, and only then plants
 * the byte (and lets it be found: a resync plants what it finds).
 *
 * A breakpoint on a no-op (Linux's ftrace NOP at a function's entry,
 * ENDBR64) needs no step: its length is cached in @nop_len, read from the
 * page the step would run (the clean view's) at ADD and at every resync,
 * the same moments the shadow is made to agree with that page. A write
 * that bypasses the resync leaves the shadow's other bytes stale as well
 * (the uAPI tells the monitor to write through the execute view), so the
 * cache is never older than the code the execute view runs. Reading at
 * every hit instead would walk the clean view and map its page per hit.
 *
 * Every change of a shadow byte is followed by a kick of every vCPU with a
 * wait: VM exit and entry serialise the instruction stream, so once it
 * returns no vCPU executes the byte as it was (the cross-modifying code
 * rule).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "altp2m.h"
#include "core/breakpoint.h"
#include "core/step.h"
#include "hidden.h"

#define ALTP2M_BP_ID_MAX	INT_MAX

/* The byte at @off of hidden frame @gfn, set to @val; the old one back. */
static u8 altp2m_bp_poke(struct altp2m_vm *vm, u64 gfn, unsigned int off,
			 u8 val)
{
	struct page *page = altp2m_hidden_page(vm, gfn);
	u8 *va, old;

	lockdep_assert_held(&vm->mmu_lock);
	/* A frame with a breakpoint cannot be removed (EBUSY). */
	if (!page)
		return val;
	va = kmap_local_page(page);
	old = va[off];
	va[off] = val;
	kunmap_local(va);
	return old;
}

/* Take @bp out of both tables and its INT3 out of the shadow. */
static void altp2m_bp_unplant(struct altp2m_vm *vm, struct altp2m_bp *bp)
{
	unsigned int off = offset_in_page(bp->gpa);

	lockdep_assert_held(&vm->mmu_lock);
	xa_erase(&vm->bps.by_key, altp2m_bp_key(bp->shadow_gfn, off));
	xa_erase(&vm->bps.by_id, bp->id);
	altp2m_bp_poke(vm, bp->shadow_gfn, off, bp->orig);
	WRITE_ONCE(vm->bps.nr, vm->bps.nr - 1);
	kfree_rcu(bp, rcu);
}

/* A view that exists: whose frame it gives @gfn, or -ESRCH. */
static int altp2m_bp_view_frame(struct altp2m_vm *vm, u32 view, u64 gfn,
				u64 *frame)
{
	lockdep_assert_held(&vm->mmu_lock);
	if (altp2m_views_backing_gfn(&vm->views, view, gfn, frame))
		return -ESRCH;
	return 0;
}

/* A free id, cyclically from @next_id; the VM's mmu_lock held. */
static int altp2m_bp_insert_id(struct altp2m_vm *vm, struct altp2m_bp *bp)
{
	struct altp2m_bps *bps = &vm->bps;
	unsigned int tries;
	u32 id;
	int ret;

	lockdep_assert_held(&vm->mmu_lock);
	/* At most @nr ids are taken: one of the first @nr + 1 is free. */
	for (tries = 0; tries <= bps->nr; tries++) {
		id = bps->next_id ?: 1;
		bps->next_id = id == ALTP2M_BP_ID_MAX ? 1 : id + 1;
		ret = xa_insert(&bps->by_id, id, bp, GFP_KERNEL_ACCOUNT);
		if (ret != -EBUSY) {
			bp->id = id;
			return ret;
		}
	}
	return -ENOSPC;
}

/*
 * What a hit will do with the instruction whose first @n bytes (up to the
 * page's end) are at @insn: only those count, so a no-op that crosses the
 * page is stepped, and a step that is not sure looks at it again.
 */
static void altp2m_bp_read_insn(struct altp2m_bp *bp, const u8 *insn,
				unsigned int n)
{
	bp->nop_len = altp2m_bp_nop_len(insn, n);
	bp->step_plain = altp2m_step_plain(insn, n);
}

/* The instruction at @gpa's offset in @frame (the clean view's). */
static void altp2m_bp_read_insn_in(struct altp2m_vm *vm, struct altp2m_bp *bp,
				   u64 frame)
{
	unsigned int off = offset_in_page(bp->gpa);
	u8 insn[ALTP2M_BP_INSN_MAX];
	unsigned int n = min_t(unsigned int, sizeof(insn), PAGE_SIZE - off);

	lockdep_assert_held(&vm->mmu_lock);
	if (altp2m_copy_gpa(vm, (frame << PAGE_SHIFT) + off, insn, n, false))
		n = 0;
	altp2m_bp_read_insn(bp, insn, n);
}

/*
 * ADD's second half, under the VM's mmu_lock, the breakpoint counted in
 * @nr already: the checks against the views and frames, then the tables
 * and the INT3.
 */
static int altp2m_bp_plant(struct altp2m_vm *vm, struct altp2m_bp *bp)
{
	unsigned int off = offset_in_page(bp->gpa);
	u64 gfn = bp->gpa >> PAGE_SHIFT, key, frame, clean;
	int ret;

	lockdep_assert_held(&vm->mmu_lock);
	ret = altp2m_bp_view_frame(vm, bp->clean_view, gfn, &clean);
	if (ret)
		return ret;
	/* The clean view must not run the shadow: the step would hit it. */
	if (clean == bp->shadow_gfn)
		return -EINVAL;
	ret = altp2m_bp_view_frame(vm, bp->exec_view, gfn, &frame);
	if (ret)
		return ret;
	if (!altp2m_hidden_page(vm, bp->shadow_gfn) || frame != bp->shadow_gfn)
		return -EINVAL;
	key = altp2m_bp_key(bp->shadow_gfn, off);
	if (xa_load(&vm->bps.by_key, key))
		return -EEXIST;
	ret = altp2m_bp_insert_id(vm, bp);
	if (ret)
		return ret;
	ret = xa_insert(&vm->bps.by_key, key, bp, GFP_KERNEL_ACCOUNT);
	if (ret) {
		xa_erase(&vm->bps.by_id, bp->id);
		return ret;
	}
	bp->orig = altp2m_bp_poke(vm, bp->shadow_gfn, off, ALTP2M_BP_INT3);
	altp2m_bp_read_insn_in(vm, bp, clean);
	return 0;
}

static long altp2m_bp_add(struct altp2m_vm *vm,
			  struct altp2m_monitor_breakpoint *b)
{
	struct altp2m_bp *bp;
	int ret;

	ret = altp2m_bp_add_check(b, altp2m_gpa_bits());
	if (ret)
		return ret;
	bp = kzalloc(sizeof(*bp), GFP_KERNEL_ACCOUNT);
	if (!bp)
		return -ENOMEM;
	bp->flags = b->flags;
	bp->gpa = b->gpa;
	bp->shadow_gfn = b->shadow_gfn;
	bp->exec_view = b->exec_view;
	bp->clean_view = b->clean_view;
	atomic64_set(&bp->hits, 0);

	/* @lock: one change of the table at a time, and the vCPUs stay. */
	mutex_lock(&vm->lock);
	mutex_lock(&vm->mmu_lock);
	ret = -ENOSPC;
	if (vm->bps.nr >= ALTP2M_MONITOR_MAX_BREAKPOINTS)
		goto unlock;
	WRITE_ONCE(vm->bps.nr, vm->bps.nr + 1);
	mutex_unlock(&vm->mmu_lock);
	/* Every vCPU intercepts #BP before the INT3 is there (see above). */
	altp2m_make_all_vcpus_request(vm, ALTP2M_REQ_MONITOR, true);

	mutex_lock(&vm->mmu_lock);
	ret = altp2m_bp_plant(vm, bp);
	if (ret) {
		/* The intercept goes at the next reprogramming. */
		WRITE_ONCE(vm->bps.nr, vm->bps.nr - 1);
		goto unlock;
	}
	b->id = bp->id;
	b->orig = bp->orig;
	b->hits = 0;
	mutex_unlock(&vm->mmu_lock);
	altp2m_make_all_vcpus_request(vm, ALTP2M_REQ_NONE, true);
	mutex_unlock(&vm->lock);
	return 0;

unlock:
	mutex_unlock(&vm->mmu_lock);
	mutex_unlock(&vm->lock);
	kfree(bp);
	return ret;
}

static long altp2m_bp_remove(struct altp2m_vm *vm, u32 id)
{
	struct altp2m_bp *bp;

	mutex_lock(&vm->lock);
	mutex_lock(&vm->mmu_lock);
	bp = xa_load(&vm->bps.by_id, id);
	if (!bp) {
		mutex_unlock(&vm->mmu_lock);
		mutex_unlock(&vm->lock);
		return -ENOENT;
	}
	altp2m_bp_unplant(vm, bp);
	mutex_unlock(&vm->mmu_lock);
	/* No vCPU runs the INT3 any more; the last one takes the #BP's off. */
	altp2m_make_all_vcpus_request(vm, ALTP2M_REQ_MONITOR, true);
	mutex_unlock(&vm->lock);
	return 0;
}

static long altp2m_bp_get(struct altp2m_vm *vm,
			  struct altp2m_monitor_breakpoint *b)
{
	struct altp2m_bp *bp;
	long ret = 0;

	mutex_lock(&vm->mmu_lock);
	bp = xa_load(&vm->bps.by_id, b->id);
	if (bp) {
		b->flags = bp->flags;
		b->gpa = bp->gpa;
		b->shadow_gfn = bp->shadow_gfn;
		b->exec_view = bp->exec_view;
		b->clean_view = bp->clean_view;
		b->orig = bp->orig;
		b->hits = atomic64_read(&bp->hits);
	} else {
		ret = -ENOENT;
	}
	mutex_unlock(&vm->mmu_lock);
	return ret;
}

/**
 * altp2m_bp_ioctl - ALTP2M_MONITOR_ADD/REMOVE/GET_BREAKPOINT
 * @mon: the monitor fd's monitor
 * @cmd: which
 * @argp: the user's struct altp2m_monitor_breakpoint
 *
 * Return: 0 or -errno as the uAPI says.
 */
long altp2m_bp_ioctl(struct altp2m_monitor *mon, unsigned int cmd,
		     void __user *argp)
{
	struct altp2m_vm *vm = altp2m_monitor_vm(mon);
	struct altp2m_monitor_breakpoint b;
	long ret;

	if (copy_from_user(&b, argp, sizeof(b)))
		return -EFAULT;
	switch (cmd) {
	case ALTP2M_MONITOR_ADD_BREAKPOINT:
		ret = altp2m_bp_add(vm, &b);
		break;
	case ALTP2M_MONITOR_REMOVE_BREAKPOINT:
	case ALTP2M_MONITOR_GET_BREAKPOINT:
		if (b.flags || !altp2m_is_zero(b.pad, sizeof(b.pad)) ||
		    !altp2m_is_zero(b.reserved, sizeof(b.reserved)))
			return -EINVAL;
		if (cmd == ALTP2M_MONITOR_REMOVE_BREAKPOINT)
			return altp2m_bp_remove(vm, b.id);
		ret = altp2m_bp_get(vm, &b);
		break;
	default:
		return -ENOTTY;
	}
	if (ret)
		return ret;
	if (copy_to_user(argp, &b, sizeof(b))) {
		/* A breakpoint nobody knows the id of would stay: none. */
		if (cmd == ALTP2M_MONITOR_ADD_BREAKPOINT)
			altp2m_bp_remove(vm, b.id);
		return -EFAULT;
	}
	return 0;
}

/**
 * altp2m_bp_lookup - the breakpoint planted at a byte of a shadow frame
 * @vm: the VM
 * @shadow_gfn: the hidden frame
 * @offset: the byte
 *
 * Under rcu_read_lock(): the breakpoint stays until the section ends.
 *
 * Return: it, or NULL.
 */
struct altp2m_bp *altp2m_bp_lookup(struct altp2m_vm *vm, u64 shadow_gfn,
				   unsigned int offset)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "hidden breakpoint lookup without RCU");
	return xa_load(&vm->bps.by_key, altp2m_bp_key(shadow_gfn, offset));
}

/**
 * altp2m_bp_frame_clean_view - the clean view for an access to a page
 *	whose shadow is @shadow_gfn
 * @vm: the VM
 * @shadow_gfn: a hidden frame
 * @clean_view: out: the clean view of its first breakpoint
 *
 * Return: false when the frame holds no breakpoint.
 */
bool altp2m_bp_frame_clean_view(struct altp2m_vm *vm, u64 shadow_gfn,
				u32 *clean_view)
{
	unsigned long key = altp2m_bp_key(shadow_gfn, 0);
	struct altp2m_bp *bp;

	rcu_read_lock();
	bp = xa_find(&vm->bps.by_key, &key,
		     altp2m_bp_key(shadow_gfn, PAGE_SIZE - 1), XA_PRESENT);
	if (bp)
		*clean_view = READ_ONCE(bp->clean_view);
	rcu_read_unlock();
	return bp;
}

/**
 * altp2m_bp_resync - copy a shadow frame again after a guest write
 * @vcpu: the vCPU that wrote, on its thread, its lock held
 * @gfn: the page it wrote (through @clean_view)
 * @shadow_gfn: the shadow the vCPU's view remaps @gfn to
 * @clean_view: the view it wrote through
 *
 * The shadow becomes the page as @clean_view maps it, with the frame's
 * breakpoints planted again (their @orig the new bytes, their @nop_len
 * what the new instructions are); then no vCPU runs the old bytes.
 * Without memory for the copy the shadow stays as it was (the guest's
 * write itself happened).
 */
void altp2m_bp_resync(struct altp2m_vcpu *vcpu, u64 gfn, u64 shadow_gfn,
		      u32 clean_view)
{
	unsigned long key, first = altp2m_bp_key(shadow_gfn, 0),
		      last = altp2m_bp_key(shadow_gfn, PAGE_SIZE - 1);
	struct altp2m_vm *vm = vcpu->vm;
	unsigned int n = 0, i = 0, off;
	bool changed = false;
	struct altp2m_bp *bp;
	struct page *page;
	u8 *src, *orig = NULL, *va;
	u16 *offs = NULL;
	u64 frame;

	lockdep_assert_held(&vcpu->lock);
	src = kmalloc(PAGE_SIZE, GFP_KERNEL_ACCOUNT);
	if (!src)
		return;
	mutex_lock(&vm->mmu_lock);
	page = altp2m_hidden_page(vm, shadow_gfn);
	/* The page as the guest wrote it: the clean view's frame of @gfn. */
	if (!page || altp2m_bp_view_frame(vm, clean_view, gfn, &frame) ||
	    frame == shadow_gfn ||
	    altp2m_copy_gpa(vm, frame << PAGE_SHIFT, src, PAGE_SIZE, false))
		goto unlock;
	xa_for_each_range(&vm->bps.by_key, key, bp, first, last)
		n++;
	offs = kmalloc_array(n ?: 1, sizeof(*offs), GFP_KERNEL_ACCOUNT);
	orig = kmalloc(n ?: 1, GFP_KERNEL_ACCOUNT);
	if (!offs || !orig)
		goto unlock;
	xa_for_each_range(&vm->bps.by_key, key, bp, first, last)
		offs[i++] = altp2m_bp_key_offset(key);
	va = kmap_local_page(page);
	changed = altp2m_bp_shadow_resync(va, src, offs, orig, n);
	kunmap_local(va);
	/* The same breakpoints in the same order: mmu_lock is held. */
	i = 0;
	xa_for_each_range(&vm->bps.by_key, key, bp, first, last) {
		bp->orig = orig[i++];
		off = altp2m_bp_key_offset(key);
		altp2m_bp_read_insn(bp, src + off, PAGE_SIZE - off);
	}
	altp2m_mon_stat_inc(vcpu, shadow_resyncs);
unlock:
	mutex_unlock(&vm->mmu_lock);
	if (changed) {
		mutex_lock(&vm->lock);
		altp2m_make_all_vcpus_request(vm, ALTP2M_REQ_NONE, true);
		mutex_unlock(&vm->lock);
	}
	kfree(orig);
	kfree(offs);
	kfree(src);
}

/**
 * altp2m_bp_release_all - the monitor's close: every breakpoint goes
 * @vm: the VM, its @lock held
 *
 * A vCPU parked on or stepping over one finishes as after a REMOVE.
 */
void altp2m_bp_release_all(struct altp2m_vm *vm)
{
	struct altp2m_bp *bp;
	unsigned long id;

	lockdep_assert_held(&vm->lock);
	mutex_lock(&vm->mmu_lock);
	if (!vm->bps.nr) {
		mutex_unlock(&vm->mmu_lock);
		return;
	}
	xa_for_each(&vm->bps.by_id, id, bp)
		altp2m_bp_unplant(vm, bp);
	mutex_unlock(&vm->mmu_lock);
	altp2m_make_all_vcpus_request(vm, ALTP2M_REQ_MONITOR, true);
}
