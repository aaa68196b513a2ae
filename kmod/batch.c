// SPDX-License-Identifier: GPL-2.0
/*
 * Batches: several view operations, over several views of one VM, as one
 * change (the uAPI's struct altp2m_batch). Both doors end here: the VM
 * fd's ALTP2M_BATCH ioctl (view_ioctl.c) and netlink's BATCH and
 * TXN_COMMIT (netlink_txn.c).
 *
 * Xen builds a batched change completely and introduces it at once. We
 * get the same two promises from the engine's transactions (core/
 * view_txn.c) and the vCPU request model:
 *
 *  - all or nothing: the operations run in order inside an engine
 *    transaction; when one fails, the transaction is undone to the bit,
 *    and no view is flushed, because no entry ends up different;
 *  - never half visible: before the first write every vCPU of the VM is
 *    made to leave the guest, and ALTP2M_REQ_HOLD makes it wait for
 *    mmu_lock, which the batch holds until each changed view has been
 *    flushed once, after the last write. A vCPU that enters afterwards
 *    takes that flush first (ALTP2M_REQ_TLB_FLUSH), so it sees the whole
 *    batch, and one that never left the guest cannot exist.
 *
 * The hold costs the VM's vCPUs one exit each, which single calls do not
 * pay: they are all-or-nothing on failure, but a running guest may see
 * the entries of a list change one after the other.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mutex.h>

#include "altp2m.h"
#include "request.h"

/**
 * altp2m_batch_op_invalid - what is wrong with an operation on its own
 * @op: the operation
 *
 * The checks that need no VM, so that a door can refuse a bad operation
 * when it arrives (netlink's TXN_STAGE) and name it.
 *
 * Return: NULL when @op may be applied, else why not.
 */
const char *altp2m_batch_op_invalid(const struct altp2m_batch_op *op)
{
	if (op->flags)
		return "operation flags must be 0";
	if (op->pad || op->reserved)
		return "padding and reserved fields must be 0";
	if (op->view >= ALTP2M_MAX_VIEWS)
		return "view at or beyond ALTP2M_MAX_VIEWS";
	switch (op->op) {
	case ALTP2M_BATCH_SET_ACCESS:
		if (op->value > ALTP2M_ACCESS_DEFAULT)
			return "access out of range";
		break;
	case ALTP2M_BATCH_SET_SVE:
		if (op->value > 1)
			return "suppress-#VE must be 0 or 1";
		break;
	case ALTP2M_BATCH_REMAP:
		if (op->value)
			return "a remap takes no value";
		if (op->npages != 1)
			return "a remap changes one gfn: npages must be 1";
		return NULL;
	default:
		return "unknown operation type";
	}
	if (!op->npages)
		return "npages must be at least 1";
	if (op->target)
		return "only a remap takes a target";
	return NULL;
}

static int altp2m_batch_apply(struct altp2m_views *vs,
			      const struct altp2m_batch_op *op)
{
	switch (op->op) {
	case ALTP2M_BATCH_SET_ACCESS:
		return altp2m_views_set_access_range(vs, op->view, op->gfn,
						     op->npages, op->value);
	case ALTP2M_BATCH_SET_SVE:
		return altp2m_views_set_sve_range(vs, op->view, op->gfn,
						  op->npages, op->value);
	default:
		return altp2m_views_remap(vs, op->view, op->gfn, op->target);
	}
}

/*
 * Every vCPU of @vm out of the guest, and kept out until mmu_lock (held)
 * is released: see the top of the file.
 */
static void altp2m_batch_hold_vcpus(struct altp2m_vm *vm)
{
	lockdep_assert_held(&vm->mmu_lock);
	altp2m_make_all_vcpus_request(vm, ALTP2M_REQ_HOLD, true);
}

/* The operations in a transaction; mmu_lock held, vCPUs held. */
static int altp2m_batch_run(struct altp2m_vm *vm,
			    const struct altp2m_batch_op *ops, u32 nr,
			    u32 *index, struct altp2m_views_why *why)
{
	struct altp2m_views *vs = &vm->views;
	u32 i;
	int ret;

	ret = altp2m_views_txn_begin(vs);
	if (ret) {
		*index = nr;
		return ret;
	}
	for (i = 0; i < nr; i++) {
		altp2m_vm_why_clear(vm);
		ret = altp2m_batch_apply(vs, &ops[i]);
		if (ret) {
			*index = i;
			altp2m_vm_why_take(vm, ret, why);
			altp2m_views_txn_end(vs, false);
			return ret;
		}
	}
	ret = altp2m_views_txn_end(vs, true);
	if (ret)
		*index = nr;
	return ret;
}

/**
 * altp2m_vm_batch - apply a batch: all of it, or none of it
 * @vm: the VM
 * @ops: the operations, in kernel memory
 * @nr: how many, 1 .. ALTP2M_BATCH_MAX_OPS
 * @flags: ALTP2M_BATCH_*
 * @generation: in, with ALTP2M_BATCH_IF_GENERATION: the views generation
 *	the batch was built against; out, on success: the new one
 * @index: out, on failure: the operation at fault, or @nr
 * @why: out, may be NULL: the engine's cause of an operation's failure
 *
 * Return: 0; -EINVAL for a malformed batch or operation, -ESTALE when the
 * generation moved, -E2BIG when the undo log would be too large,
 * -ENOMEM, or the error of the single call the failing operation stands
 * for. Nothing changed on failure.
 */
int altp2m_vm_batch(struct altp2m_vm *vm, const struct altp2m_batch_op *ops,
		    u32 nr, u32 flags, u64 *generation, u32 *index,
		    struct altp2m_views_why *why)
{
	u32 i;
	int ret;

	*index = nr;
	if (flags & ~ALTP2M_BATCH_IF_GENERATION)
		return -EINVAL;
	if (!nr || nr > ALTP2M_BATCH_MAX_OPS)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		if (altp2m_batch_op_invalid(&ops[i])) {
			*index = i;
			return -EINVAL;
		}
	}

	mutex_lock(&vm->mmu_lock);
	if ((flags & ALTP2M_BATCH_IF_GENERATION) &&
	    vm->views_gen != *generation) {
		ret = -ESTALE;
		goto out;
	}
	altp2m_batch_hold_vcpus(vm);
	ret = altp2m_batch_run(vm, ops, nr, index, why);
	if (!ret) {
		altp2m_vm_views_changed(vm);
		*generation = vm->views_gen;
	}
out:
	mutex_unlock(&vm->mmu_lock);
	return ret;
}
