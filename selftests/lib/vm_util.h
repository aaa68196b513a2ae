/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vm_util: run plain C functions of a selftest binary as altp2m guests.
 *
 *	static void guest_code(uint64_t a, uint64_t b)
 *	{
 *		GUEST_SYNC(a + b);
 *		GUEST_ASSERT_EQ(a * b, 6);
 *	}				// returning is GUEST_DONE()
 *
 *	TEST(add)
 *	{
 *		struct vm *vm = vm_create(0);
 *		struct vcpu *vcpu = vcpu_add(vm, 0, guest_code);
 *
 *		vcpu_args_set(vcpu, 2, 2, 3);
 *		vcpu_run(vcpu);
 *		assert_ucall_sync(vcpu, 5);
 *		vcpu_run(vcpu);
 *		assert_ucall_done(vcpu);
 *		vm_free(vm);
 *	}
 *
 * The guest. vm_create() makes a VM whose slot 0 is RAM at gpa 0 and
 * copies the test binary's own PT_LOAD segments (read from /proc/self/exe)
 * to guest-physical == virtual address, so guest code calls the binary's
 * functions and reads its globals at their usual addresses. The guest runs
 * in 64-bit mode at CPL 0 with interrupts off (RFLAGS = 0x2), on identity
 * page tables (gva == gpa for [4 KiB, 4 GiB); page 0 is not mapped), a
 * flat GDT, a busy 64-bit TSS and an IDT whose exception handlers report
 * UCALL_UNHANDLED. Each vCPU starts at its function with its own
 * GUEST_STACK_SIZE stack, rdi, rsi, rdx, rcx, r8, r9 = vcpu_args_set()
 * values, and a return address that reports UCALL_DONE. See x86.h for the
 * system area layout and ucall.h for the guest-host protocol.
 *
 * Rules for guest code (anything reachable from a guest function):
 *
 *  - No libc, except memcpy, memset, memmove and memcmp, which the tests
 *    link from guest_string.c (plain, non-ifunc versions that the compiler
 *    may also call implicitly for struct copies). Everything else in libc
 *    may be an ifunc resolved for the host CPU (AVX2, AVX-512: #UD in the
 *    guest, which has no XSAVE state enabled), may touch TLS, or may make
 *    a syscall. No printf: report with GUEST_SYNC/GUEST_ASSERT.
 *  - No TLS: no errno, no __thread, no stack protector (it reads
 *    %fs:0x28). FS and GS bases are 0, and page 0 is not mapped, so such
 *    an access ends in UCALL_UNHANDLED #PF instead of going unnoticed.
 *    Build with -fno-stack-protector (selftests/Makefile does).
 *  - The binary must be static and not position-independent (-static
 *    -no-pie, compiled -fno-pie) so that it runs at the addresses the
 *    guest sees; vm_create() fails clearly otherwise. No sanitizers or
 *    profiling instrumentation in guest code (their runtimes use TLS and
 *    shadow memory the guest does not have).
 *  - SSE is fine (CR4.OSFXSR and OSXMMEXCPT are set); AVX is not (no
 *    CR4.OSXSAVE), so no -mavx, -march=native. Compiling guest-only files
 *    with -mgeneral-regs-only is allowed but not needed. Tests build with
 *    -mno-red-zone, so an exception frame never clobbers live data.
 *  - The guest's globals are a copy taken when vm_create() loads the
 *    binary: values from the file, not what the host wrote since. Pass
 *    values with vcpu_args_set(), sync_global_to_guest() or through guest
 *    memory (addr_gva2hva()); read guest results back the same way
 *    (sync_global_from_guest()). Each VM has its own copy; the vCPUs of a
 *    VM share it, so use READ_ONCE/WRITE_ONCE or atomics between them.
 *  - Values given to GUEST_SYNC* and GUEST_ASSERT_* are converted to
 *    uint64_t; ucall()'s variadic arguments must already be uint64_t.
 *  - Strings (assert file and expression) travel as guest addresses and
 *    are read by the host from guest memory: use literals.
 *  - Touch MMIO (unbacked gpas) only through explicit instructions, e.g.
 *    the mmio_read*() and mmio_write*() helpers of x86.h: the compiler may pick
 *    any instruction for a plain dereference.
 *  - Guest stacks are GUEST_STACK_SIZE bytes without guard page.
 *  - Guests start with RFLAGS = 0x2: interrupts off. Under Bochs (2.7)
 *    a guest with IF=0 gets no external-interrupt VM exits, so while it
 *    runs its host CPU takes no timer tick: no other thread runs there, a
 *    signal is not noticed, no timeout fires. A test in which the host
 *    must act while a guest keeps running (other threads, signals) sets
 *    vcpu_set_if(vcpu, true) for it; the module injects no interrupts, so
 *    the guest still receives none.
 *
 * Host side: every wrapper that does not start with '_' TEST_ASSERTs that
 * its ioctl succeeded; the '_' / '__' variants return the ioctl's result
 * (-1 with errno) for tests of error paths.
 */
#ifndef SELFTEST_VM_UTIL_H
#define SELFTEST_VM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/altp2m.h>

#include "elf_load.h"
#include "test_util.h"
#include "ucall.h"
#include "x86.h"

#define ALTP2M_DEV		"/dev/altp2m"
#define DEFAULT_GUEST_MEM	(8ULL << 20)
#define GUEST_STACK_SIZE	(64ULL << 10)

struct vm_region {
	bool used;
	uint64_t gpa;
	uint64_t size;
	void *hva;
	void *alloc;		/* mmap the library made for it, or NULL */
	size_t alloc_size;
};

struct vcpu;

struct vm {
	int dev_fd;		/* /dev/altp2m */
	int fd;			/* VM fd */
	uint32_t id;		/* vm_id from ALTP2M_CREATE_VM */
	size_t run_size;	/* ALTP2M_GET_RUN_SIZE */
	void *ram;		/* slot 0 (NULL for vm_create_bare()) */
	uint64_t ram_size;
	uint64_t alloc_next, alloc_end;	/* vm_alloc() in slot 0 */
	struct elf_image image;
	struct vm_region regions[ALTP2M_MAX_MEM_SLOTS];
	struct vcpu *vcpus[ALTP2M_MAX_VCPUS];
};

struct vcpu {
	struct vm *vm;
	uint32_t id;
	int fd;
	struct altp2m_run *run;	/* mmap of vm->run_size bytes */
	uint64_t stack_top;	/* gpa; 0 before vcpu_setup() */
};

/* /dev/altp2m, opened O_RDWR | O_CLOEXEC, API version checked. */
int altp2m_open_dev(void);

/*
 * A VM with @mem_size bytes of RAM (0: DEFAULT_GUEST_MEM; page aligned;
 * 2 MiB aligned in the host) in slot 0 at gpa 0, the test binary loaded,
 * page tables, GDT, TSS and IDT built. The module pins region memory
 * against RLIMIT_MEMLOCK (the VM tests run as root).
 */
struct vm *vm_create(uint64_t mem_size);
/* As vm_create(0), in a VM with ALTP2M_VM_LAPIC (in-kernel local APICs). */
struct vm *vm_create_lapic(void);
/* Only ALTP2M_CREATE_VM: no memory, no image (for ioctl tests). */
struct vm *vm_create_bare(void);
/*
 * No kernel objects at all: @ram (@ram_size bytes) tracked as slot 0 at
 * gpa 0, vm_alloc() from GUEST_SYS_END. For unit tests of what needs no
 * kernel (system tables, memory lookups, ucall decoding); vm_free() frees
 * the struct only.
 */
struct vm *vm_new_offline(void *ram, uint64_t ram_size);
/* Closes what is still open (fds set to -1 are skipped), frees memory. */
void vm_free(struct vm *vm);

/*
 * Whether an image can run as the guest: an ET_EXEC that stays clear of
 * the system area and fits in @ram_size. 0, or -ENOEXEC / -ERANGE with the
 * reason in @err.
 */
int vm_check_image(const struct elf_image *img, uint64_t ram_size,
		   char *err, size_t errlen);
/* Load /proc/self/exe into slot 0 (done by vm_create()). */
void vm_load_self(struct vm *vm);
/* Write page tables, GDT, TSS, IDT to slot 0 (done by vm_create()). */
void vm_setup_system(struct vm *vm);

/*
 * Memory regions. __vm_set_memory_region() is the raw ioctl; when it
 * succeeds the library's view of guest memory follows the KVM rules
 * (new slot, size 0 deletes, same slot at another gpa moves).
 */
int __vm_set_memory_region(struct vm *vm, uint32_t slot, uint32_t flags,
			   uint64_t gpa, uint64_t size, void *hva);
void vm_set_memory_region(struct vm *vm, uint32_t slot, uint64_t gpa,
			  uint64_t size, void *hva);
/* Allocates zeroed host memory (2 MiB aligned) and adds it as @slot. */
void *vm_add_region(struct vm *vm, uint32_t slot, uint64_t gpa,
		    uint64_t size);
void vm_delete_region(struct vm *vm, uint32_t slot);
void vm_move_region(struct vm *vm, uint32_t slot, uint64_t new_gpa);
/* Bookkeeping only, no ioctl (the unit tests build VMs with it). */
void vm_region_track(struct vm *vm, uint32_t slot, uint64_t gpa,
		     uint64_t size, void *hva);

/* ALTP2M_GET_CAPS on the VM's /dev/altp2m fd. */
void vm_caps(struct vm *vm, struct altp2m_caps *caps);
/* ALTP2M_GET_VM_STATS. */
void vm_stats(struct vm *vm, struct altp2m_vm_stats *stats);

/*
 * Views (alternate p2m), one ioctl each. Gfns are guest-physical frame
 * numbers (gpa >> 12); accesses are ALTP2M_ACCESS_*.
 */
int __vm_views_enable(struct vm *vm, uint32_t max_views);
void vm_views_enable(struct vm *vm, uint32_t max_views);
int __vm_views_disable(struct vm *vm);
void vm_views_disable(struct vm *vm);
/* __vm_view_create() stores the new index in *@view on success. */
int __vm_view_create(struct vm *vm, uint16_t default_access,
		     uint16_t *view);
uint16_t vm_view_create(struct vm *vm, uint16_t default_access);
int __vm_view_destroy(struct vm *vm, uint32_t view);
void vm_view_destroy(struct vm *vm, uint32_t view);
/* A range: @npages gfns from @gfn. */
int __vm_set_mem_access(struct vm *vm, uint32_t view, uint64_t gfn,
			uint64_t npages, uint8_t access);
void vm_set_mem_access(struct vm *vm, uint32_t view, uint64_t gfn,
		       uint64_t npages, uint8_t access);
int __vm_set_suppress_ve(struct vm *vm, uint32_t view, uint64_t gfn,
			 uint64_t npages, uint8_t sve);
void vm_set_suppress_ve(struct vm *vm, uint32_t view, uint64_t gfn,
			uint64_t npages, uint8_t sve);
/* ALTP2M_SWITCH_VIEW / SET_VIEW_VISIBILITY: @vcpu_id < 0 for all vCPUs. */
int __vm_switch_view(struct vm *vm, uint32_t view, int vcpu_id);
int __vm_set_view_visibility(struct vm *vm, uint32_t view, int vcpu_id,
			     bool visible);
/* A list (ALTP2M_GFN_SET_LIST): @gfns[i] gets @access[i]. */
int __vm_set_mem_access_list(struct vm *vm, uint32_t view,
			     const uint64_t *gfns, const uint8_t *access,
			     uint64_t n);
void vm_set_mem_access_list(struct vm *vm, uint32_t view,
			    const uint64_t *gfns, const uint8_t *access,
			    uint64_t n);
int __vm_get_mem_access(struct vm *vm, uint32_t view, uint64_t gfn,
			uint8_t *access);
uint8_t vm_get_mem_access(struct vm *vm, uint32_t view, uint64_t gfn);
/* @target: another gfn, or @gfn / ALTP2M_GFN_INVALID to revert. */
int __vm_remap_gfn(struct vm *vm, uint32_t view, uint64_t gfn,
		   uint64_t target);
void vm_remap_gfn(struct vm *vm, uint32_t view, uint64_t gfn,
		  uint64_t target);
/*
 * One ALTP2M_LIST_VIEWS / ALTP2M_DUMP_VIEW chunk: *@cursor in and out,
 * room for @nr entries; the plain variants return the entries written.
 */
int __vm_list_views(struct vm *vm, uint32_t *cursor,
		    struct altp2m_view_info *entries, uint32_t *nr);
uint32_t vm_list_views(struct vm *vm, uint32_t *cursor,
		       struct altp2m_view_info *entries, uint32_t nr);
int __vm_dump_view(struct vm *vm, uint32_t view, uint64_t *cursor,
		   struct altp2m_view_entry *entries, uint32_t *nr);
uint32_t vm_dump_view(struct vm *vm, uint32_t view, uint64_t *cursor,
		      struct altp2m_view_entry *entries, uint32_t nr);
/* The view a vCPU runs on from its next entry. */
int __vcpu_set_view(struct vcpu *vcpu, uint32_t view);
void vcpu_set_view(struct vcpu *vcpu, uint32_t view);
uint32_t vcpu_get_view(struct vcpu *vcpu);

/* Host pointer of guest memory; TEST_ASSERTs that [gpa, gpa+1) is RAM. */
void *addr_gpa2hva(struct vm *vm, uint64_t gpa);
/* NULL unless [gpa, gpa + len) lies within one region. */
void *addr_gpa2hva_range(struct vm *vm, uint64_t gpa, uint64_t len);
/* gva == gpa inside the identity map; TEST_ASSERTs that it is mapped. */
void *addr_gva2hva(struct vm *vm, uint64_t gva);
#define addr_ptr2hva(vm, ptr)	addr_gva2hva(vm, (uint64_t)(uintptr_t)(ptr))

/* Guest RAM from slot 0 after the image; returns the gpa (== gva). */
uint64_t vm_alloc(struct vm *vm, uint64_t size, uint64_t align);

/*
 * Copy a NUL-terminated string from guest memory; "<bad address 0x..>"
 * when it is not readable there.
 */
void vm_read_str(struct vm *vm, uint64_t gva, char *buf, size_t len);

/* The guest's copy of a global of the test binary. */
#define sync_global_to_guest(vm, g)					\
	memcpy(addr_ptr2hva(vm, &(g)), &(g), sizeof(g))
#define sync_global_from_guest(vm, g)					\
	memcpy(&(g), addr_ptr2hva(vm, &(g)), sizeof(g))
#define guest_global(vm, g)						\
	(*(__typeof__(g) *)addr_ptr2hva(vm, &(g)))

/* vCPUs. */
int __vm_create_vcpu(struct vm *vm, uint32_t id);	/* fd or -1 */
/* CREATE_VCPU and mmap of the run page only. */
struct vcpu *vcpu_add_bare(struct vm *vm, uint32_t id);
/* vcpu_add_bare() + vcpu_setup(): ready to run @guest_fn. */
struct vcpu *vcpu_add(struct vm *vm, uint32_t id, void *guest_fn);
/* Stack, long-mode sregs, regs with rip = @guest_fn. */
void vcpu_setup(struct vcpu *vcpu, void *guest_fn);
/* Up to 6 uint64_t arguments: rdi, rsi, rdx, rcx, r8, r9. */
void vcpu_args_set(struct vcpu *vcpu, unsigned int n, ...);

/* ALTP2M_RUN once: the ioctl's result (-1 with errno, e.g. EINTR). */
int _vcpu_run(struct vcpu *vcpu);
/* ALTP2M_RUN, again on EINTR; TEST_ASSERTs success. */
void vcpu_run(struct vcpu *vcpu);

int __vcpu_ioctl(struct vcpu *vcpu, unsigned long cmd, void *arg);
void vcpu_regs_get(struct vcpu *vcpu, struct altp2m_regs *regs);
void vcpu_regs_set(struct vcpu *vcpu, const struct altp2m_regs *regs);
void vcpu_sregs_get(struct vcpu *vcpu, struct altp2m_sregs *sregs);
void vcpu_sregs_set(struct vcpu *vcpu, const struct altp2m_sregs *sregs);
int _vcpu_msrs(struct vcpu *vcpu, unsigned long cmd,
	       struct altp2m_msr_entry *e, uint32_t n);
void vcpu_msrs_get(struct vcpu *vcpu, struct altp2m_msr_entry *e,
		   uint32_t n);
void vcpu_msrs_set(struct vcpu *vcpu, const struct altp2m_msr_entry *e,
		   uint32_t n);
uint64_t vcpu_get_msr(struct vcpu *vcpu, uint32_t index);
void vcpu_set_msr(struct vcpu *vcpu, uint32_t index, uint64_t value);
void vcpu_stats(struct vcpu *vcpu, struct altp2m_vcpu_stats *stats);
void vcpu_set_rip(struct vcpu *vcpu, uint64_t rip);
/* RFLAGS.IF of the vCPU (see the guest rules above). */
void vcpu_set_if(struct vcpu *vcpu, bool on);

/* The data of an ALTP2M_EXIT_IO (bounds checked against the run size). */
void *vcpu_io_data(struct vcpu *vcpu);

/* Exits. */
const char *exit_reason_str(uint32_t reason);
/* One line about the last exit: reason and its fields. */
void vcpu_describe_exit(struct vcpu *vcpu, char *buf, size_t len);
void __assert_exit_reason(struct vcpu *vcpu, uint32_t reason,
			  const char *file, int line);
#define assert_exit_reason(vcpu, reason)				\
	__assert_exit_reason(vcpu, reason, __FILE__, __LINE__)

/* ucall, host side (protocol in ucall.h). */
/*
 * The ucall of the last exit, or UCALL_NONE (with *uc zeroed) if that
 * exit was not an OUT to UCALL_PORT. A malformed ucall fails the test.
 */
uint64_t get_ucall(struct vcpu *vcpu, struct ucall *uc);
/* get_ucall()'s work on given exit data and RDI (unit-testable). */
uint64_t ucall_decode(struct vm *vm, const struct altp2m_run *run,
		      size_t run_size, uint64_t rdi, struct ucall *uc);
/*
 * Describe a ucall for people, e.g. for UCALL_ABORT:
 *	guest assertion failed: guest_basic_test.c:42: a == b
 *	  values: 3 (0x3), 4 (0x4)
 */
void ucall_describe(struct vm *vm, const struct ucall *uc, char *buf,
		    size_t len);
/*
 * vcpu_run() and the ucall it must end with; UCALL_ABORT and
 * UCALL_UNHANDLED fail the test with ucall_describe()'s report.
 */
uint64_t vcpu_run_ucall(struct vcpu *vcpu, struct ucall *uc);
/* Whether an exit's fields keep the uAPI's promises (the fuzzers' oracle). */
bool vcpu_exit_sane(const struct altp2m_run *run, uint64_t run_size);

void __assert_ucall(struct vcpu *vcpu, uint64_t type, bool check_arg,
		    uint64_t arg, const char *file, int line);
/* The last exit is GUEST_SYNC(@v) (args[0] == @v). */
#define assert_ucall_sync(vcpu, v)					\
	__assert_ucall(vcpu, UCALL_SYNC, true, (uint64_t)(v), __FILE__,	\
		       __LINE__)
/* The last exit is a GUEST_SYNC*, whatever its values. */
#define assert_ucall_sync_any(vcpu)					\
	__assert_ucall(vcpu, UCALL_SYNC, false, 0, __FILE__, __LINE__)
/* The last exit is GUEST_DONE() or the guest function's return. */
#define assert_ucall_done(vcpu)						\
	__assert_ucall(vcpu, UCALL_DONE, false, 0, __FILE__, __LINE__)

/*
 * A guest that says it has started (guest_wait_started = 1), spins until
 * the host sets guest_wait_go, then GUEST_SYNC(1). For tests where the
 * host acts while a vCPU is inside ALTP2M_RUN; the host reaches both
 * flags with guest_global(). One such guest at a time per VM.
 */
extern uint64_t guest_wait_started, guest_wait_go;
void guest_wait_release(void);

/* Guest-side entry points (exception.S). */
extern const uint64_t guest_exception_entries[NR_EXCEPTIONS];
void guest_return_trampoline(void);

#endif /* SELFTEST_VM_UTIL_H */
