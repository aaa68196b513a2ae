// SPDX-License-Identifier: GPL-2.0
/*
 * Guest RAM mapped into a daemon without a copy: mmap() of the monitor fd
 * at ALTP2M_MONITOR_MEM_OFFSET + gpa (the uAPI's "Guest RAM mapped").
 *
 * The pages are the VMM's, pinned by their memory region (memory.c), and
 * anonymous, so they go in as PFN mappings (no reference of their own):
 * what keeps a daemon off a page the guest no longer owns is ordering, not
 * a reference count.
 *  - A fault looks the gfn up and installs the PTE under the VM's map_lock
 *    held for reading.
 *  - A region delete or move changes @slots under map_lock held for
 *    writing, then zaps the gfns it gave up from every mapping of the
 *    monitor (altp2m_monitor_map_gone()), and only then unpins.
 * So a PTE installed before the change is zapped before its page is let
 * go, and a fault after it no longer finds the page. The monitor fd has an
 * address_space of its own (anonymous-inode files share one), so the zap
 * reaches this monitor's mappings and nothing else; it lives in struct
 * altp2m_monitor, which outlives every mapping (each VMA holds the file).
 * VM_DONTCOPY: a child of the daemon does not inherit guest RAM.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagemap.h>

#include "altp2m.h"

/**
 * altp2m_monitor_map_init - give a new monitor file its own address_space
 * @mapping: the monitor's, not yet initialised
 * @file: the monitor file, not yet installed (nothing maps it yet)
 */
void altp2m_monitor_map_init(struct address_space *mapping, struct file *file)
{
	struct address_space *shared = file->f_mapping;

	address_space_init_once(mapping);
	mapping->host = shared->host;
	mapping->a_ops = shared->a_ops;
	mapping_set_gfp_mask(mapping, mapping_gfp_mask(shared));
	file->f_mapping = mapping;
}

static vm_fault_t altp2m_mon_map_fault(struct vm_fault *vmf)
{
	struct altp2m_monitor *mon = vmf->vma->vm_file->private_data;
	struct altp2m_vm *vm = altp2m_monitor_vm(mon);
	vm_fault_t ret = VM_FAULT_SIGBUS;
	unsigned long pfn;

	down_read(&vm->map_lock);
	if (!altp2m_memory_pfn(vm, vmf->pgoff - ALTP2M_MON_MEM_PGOFF, &pfn))
		ret = vmf_insert_pfn(vmf->vma, vmf->address, pfn);
	up_read(&vm->map_lock);
	return ret;
}

static const struct vm_operations_struct altp2m_mon_map_ops = {
	.fault = altp2m_mon_map_fault,
};

/**
 * altp2m_monitor_map_mmap - mmap() of the monitor fd at or above
 *	ALTP2M_MONITOR_MEM_OFFSET
 * @vma: the new mapping
 *
 * Nothing is mapped yet: each page comes at its first touch.
 *
 * Return: 0, or -EINVAL for a private mapping or one that reaches beyond
 * the guest-physical address width.
 */
int altp2m_monitor_map_mmap(struct vm_area_struct *vma)
{
	u64 first = vma->vm_pgoff - ALTP2M_MON_MEM_PGOFF;
	u64 limit = BIT_ULL(altp2m_gpa_bits() - PAGE_SHIFT);

	if (!(vma->vm_flags & VM_SHARED) || first >= limit ||
	    vma_pages(vma) > limit - first)
		return -EINVAL;
	vm_flags_set(vma, VM_PFNMAP | VM_DONTCOPY | VM_DONTEXPAND |
			  VM_DONTDUMP);
	vma->vm_ops = &altp2m_mon_map_ops;
	return 0;
}

/**
 * altp2m_monitor_map_zap - guest RAM leaves a monitor's mappings
 * @mapping: the monitor's address_space
 * @gfn: the first gfn given up
 * @npages: how many
 *
 * The caller changed @slots under map_lock already: no fault maps these
 * pages again. Sleeps.
 */
void altp2m_monitor_map_zap(struct address_space *mapping, u64 gfn,
			    u64 npages)
{
	unmap_mapping_range(mapping,
			    (loff_t)(ALTP2M_MON_MEM_PGOFF + gfn) << PAGE_SHIFT,
			    (loff_t)npages << PAGE_SHIFT, 1);
}
