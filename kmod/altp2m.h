/* SPDX-License-Identifier: GPL-2.0 */
/*
 * State shared by the files of the altp2m module: the host, VMs and vCPUs.
 */
#ifndef ALTP2M_H
#define ALTP2M_H

#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/altp2m.h>

#include "core/caps.h"
#include "core/ept.h"
#include "core/memslot.h"
#include "core/x86.h"
#include "vmx/vmx.h"

/* Where port I/O data sits in the run page (see struct altp2m_run). */
#define ALTP2M_IO_DATA_OFFSET	1024

/*
 * What this host offers, decided once at load time and read-only after
 * that, so it needs no lock.
 */
extern struct altp2m_hw altp2m_host;

/**
 * struct altp2m_vm - one virtual machine (one VM file)
 * @id: system-wide id, see altp2m_vm_ids in vm.c
 * @refs: the VM file and each vCPU file hold one; the last put frees it
 * @mm: the creator's address space; ioctls from any other fail with EIO
 *	and guest memory is pinned from it
 * @lock: protects @slots, @vcpus, @nr_running and every change to them
 * @slots: memory regions; stable while any vCPU runs (changes are refused
 *	with EBUSY then), so the run loop reads them without @lock
 * @vcpus: by vCPU id; an entry is cleared when its file is released
 * @nr_running: vCPUs inside ALTP2M_RUN
 * @mmu_lock: serialises changes to @ept (the CPU reads it concurrently)
 * @ept: the host p2m (view 0)
 * @ept_gen: bumped after entries are removed from @ept; a vCPU that saw
 *	an older value flushes its cached translations before entering
 * @ept_maps_4k: faults resolved with 4 KiB mappings (under @mmu_lock)
 * @ept_maps_2m: faults resolved with 2 MiB mappings (under @mmu_lock)
 */
struct altp2m_vm {
	u32 id;
	struct kref refs;
	struct mm_struct *mm;
	struct mutex lock;		/* see above */
	struct altp2m_memslots slots;
	struct altp2m_vcpu *vcpus[ALTP2M_MAX_VCPUS];
	unsigned int nr_running;
	struct mutex mmu_lock;		/* see above */
	struct altp2m_ept ept;
	atomic64_t ept_gen;
	u64 ept_maps_4k;
	u64 ept_maps_2m;
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
 * @stats: exit counts (ALTP2M_GET_VCPU_STATS)
 * @vmx: the hardware side
 */
struct altp2m_vcpu {
	struct altp2m_vm *vm;
	u32 id;
	struct mutex lock;		/* see above */
	struct altp2m_run *run;
	enum altp2m_pending pending;
	struct altp2m_vcpu_stats stats;
	struct altp2m_vmx_vcpu vmx;
};

int altp2m_dev_init(void);
void altp2m_dev_exit(void);

int altp2m_vm_create(struct altp2m_create_vm *arg);
void altp2m_vm_put(struct altp2m_vm *vm);
int altp2m_vcpu_create(struct altp2m_vm *vm, struct altp2m_create_vcpu *arg);

/* Guest RAM access for the run loop (memory.c). */
int altp2m_read_gpa(void *vm, u64 gpa, void *buf, unsigned int len);
int altp2m_write_gpa(void *vm, u64 gpa, const void *buf, unsigned int len);
int altp2m_ept_fault(struct altp2m_vm *vm, u64 gpa, bool *mapped);
int altp2m_memory_region_set(struct altp2m_vm *vm,
			     const struct altp2m_memory_region *r);
void altp2m_memory_destroy(struct altp2m_vm *vm);
int altp2m_memory_init(struct altp2m_vm *vm);

#endif /* ALTP2M_H */
