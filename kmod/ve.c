// SPDX-License-Identifier: GPL-2.0
/*
 * #VE information pages: which page of guest RAM each vCPU has given the
 * CPU for virtualization exceptions, and keeping it guest RAM.
 *
 * The CPU writes the page by host-physical address at each #VE (or the
 * module does, where it delivers #VE itself), so the frame must stay the
 * guest's while registered: it is a pinned page of a
 * memory region, and a region going away (which happens only while no
 * vCPU runs) first unregisters every page inside it. The VMCS follows at
 * the vCPU's next entry (ALTP2M_REQ_VE, taken in vmx/run.c), where the
 * VMCS is at hand.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/uaccess.h>

#include "altp2m.h"

/* Unregister; the VM's @lock held. */
static void altp2m_ve_clear(struct altp2m_vcpu *vcpu)
{
	lockdep_assert_held(&vcpu->vm->lock);
	vcpu->ve_gfn = ALTP2M_GFN_INVALID;
	vcpu->vmx.ve_hpa = 0;
	altp2m_make_request(vcpu, ALTP2M_REQ_VE);
}

/**
 * altp2m_ve_set - register or drop a vCPU's #VE information page
 * @vcpu: the vCPU, not in the guest (its ioctl, or its own hypercall)
 * @gfn: the page to register
 * @disable: drop the registered page instead (@gfn ignored)
 *
 * Return: 0, -EEXIST when registering over a page, -ENOENT when dropping
 * none, or -ESRCH when @gfn is not guest RAM.
 */
int altp2m_ve_set(struct altp2m_vcpu *vcpu, u64 gfn, bool disable)
{
	struct altp2m_vm *vm = vcpu->vm;
	unsigned int level = 1;
	u64 hpa;
	int ret;

	mutex_lock(&vm->lock);
	if (disable) {
		ret = vcpu->ve_gfn == ALTP2M_GFN_INVALID ? -ENOENT : 0;
		if (!ret)
			altp2m_ve_clear(vcpu);
	} else if (vcpu->ve_gfn != ALTP2M_GFN_INVALID) {
		ret = -EEXIST;
	} else {
		ret = altp2m_host_frame(vm, gfn, &hpa, &level);
		if (ret == -ENOENT)
			ret = -ESRCH;
		if (!ret) {
			vcpu->ve_gfn = gfn;
			vcpu->vmx.ve_hpa = hpa;
			altp2m_make_request(vcpu, ALTP2M_REQ_VE);
		}
	}
	mutex_unlock(&vm->lock);
	return ret;
}

/**
 * altp2m_ve_page_ioctl - ALTP2M_SET_VE_PAGE
 * @vcpu: the vCPU, its lock held (so it is not running)
 * @argp: struct altp2m_ve_page
 *
 * Return: 0 or an errno as the uAPI documents.
 */
long altp2m_ve_page_ioctl(struct altp2m_vcpu *vcpu, void __user *argp)
{
	struct altp2m_ve_page a;

	lockdep_assert_held(&vcpu->lock);
	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if ((a.flags & ~ALTP2M_VE_PAGE_DISABLE) || a.pad ||
	    !altp2m_is_zero(a.reserved, sizeof(a.reserved)) ||
	    ((a.flags & ALTP2M_VE_PAGE_DISABLE) && a.gfn))
		return -EINVAL;
	return altp2m_ve_set(vcpu, a.gfn, a.flags & ALTP2M_VE_PAGE_DISABLE);
}

/**
 * altp2m_ve_region_gone - guest RAM at @gfn .. @gfn + @npages - 1 goes
 * @vm: the VM, its @lock held and no vCPU running
 * @gfn: the first gfn
 * @npages: how many
 *
 * Unregisters every #VE page in the range, before its frames are unpinned.
 */
void altp2m_ve_region_gone(struct altp2m_vm *vm, u64 gfn, u64 npages)
{
	struct altp2m_vcpu *vcpu;
	unsigned int i;

	lockdep_assert_held(&vm->lock);
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++) {
		vcpu = vm->vcpus[i];
		if (vcpu && vcpu->ve_gfn != ALTP2M_GFN_INVALID &&
		    vcpu->ve_gfn - gfn < npages)
			altp2m_ve_clear(vcpu);
	}
}

/* The #VE information page, as struct altp2m_ve_info lays it out. */
#define ALTP2M_VE_EXIT_REASON	48	/* EPT violation */
#define ALTP2M_VE_SEMAPHORE_SET	0xffffffffU

/**
 * altp2m_ve_deliver - deliver an EPT violation as #VE, as the CPU would
 * @vcpu: the vCPU, with an information page, in its run loop
 * @gpa: the faulting guest-physical address
 * @gla: the guest-linear address (valid as @qual says)
 * @qual: the exit qualification
 *
 * For CPUs that cannot (or are told not to): the conditions are the
 * CPU's. The gfn's entry in the vCPU's view exists, denies the access and
 * has suppress-#VE clear, and the page's semaphore is 0. Then the page is
 * filled and the semaphore set; rx2rw and n2rwx are not promoted, as the
 * CPU would not.
 *
 * Return: true when delivered (the caller injects vector 20), false for
 * an ordinary violation.
 */
bool altp2m_ve_deliver(struct altp2m_vcpu *vcpu, u64 gpa, u64 gla, u64 qual)
{
	struct altp2m_vm *vm = vcpu->vm;
	unsigned int access, sve, allowed;
	struct altp2m_ve_info *info;
	bool ok = false;
	void *va;

	mutex_lock(&vm->mmu_lock);
	if (altp2m_views_get_access(&vm->views, vcpu->view, gpa >> PAGE_SHIFT,
				    &access) ||
	    altp2m_views_get_sve(&vm->views, vcpu->view, gpa >> PAGE_SHIFT,
				 &sve) || sve)
		goto out;
	/* Codes 0-7 are their own R/W/X bits; rx2rw is rx, n2rwx none. */
	allowed = access == ALTP2M_ACCESS_RX2RW ? ALTP2M_ACCESS_RX :
		  access == ALTP2M_ACCESS_N2RWX ? 0 : access;
	if (!(qual & 7 & ~allowed))
		goto out;
	va = kmap_local_page(pfn_to_page(vcpu->vmx.ve_hpa >> PAGE_SHIFT));
	info = va;
	if (!READ_ONCE(info->semaphore)) {
		info->exit_reason = ALTP2M_VE_EXIT_REASON;
		info->qualification = qual;
		info->gla = qual & BIT_ULL(7) ? gla : 0;
		info->gpa = gpa;
		info->eptp_index = vcpu->view;
		WRITE_ONCE(info->semaphore, ALTP2M_VE_SEMAPHORE_SET);
		ok = true;
	}
	kunmap_local(va);
out:
	mutex_unlock(&vm->mmu_lock);
	return ok;
}
