// SPDX-License-Identifier: GPL-2.0
/*
 * vm_bench: the same guest code on KVM and on altp2m, exit by exit, in
 * guest TSC ticks. One run measures one backend; tools/bench-vm runs it on
 * KVM (kvm_intel loaded), then on altp2m (the module loaded instead) in
 * one boot of the test VM, and a third call puts the two side by side.
 * Figures only: it fails when a run goes wrong or gives no figure, never
 * on a value.
 *
 *   vm_bench kvm|altp2m [--short] [--out FILE]
 *   vm_bench --table KVM_FILE ALTP2M_FILE [--json FILE]
 *
 * The guest is a C function of this binary (selftests/lib builds its
 * memory: the binary at its link addresses, identity page tables, GDT,
 * IDT; the same bytes for both backends). For KVM the bench has its own
 * small VMM on /dev/kvm: the library's image and system area in memslot
 * 0, KVM_SET_CPUID2 with what KVM supports (KVM refuses EFER.LME without
 * CPUID's long mode), 64-bit sregs as the library gives altp2m, KVM_RUN.
 *
 * The guest runs phases; before each it reports GUEST_SYNC(phase) and the
 * host sets the phase up. A timed phase is a loop of N operations, each
 * between two LFENCE; RDTSC, with the N deltas stored in guest memory:
 *
 *   base    nothing: the timing loop's own cost
 *   pio     OUTB to port BENCH_PORT: an I/O exit to this program
 *   hlt     HLT: an exit to this program (KVM without an in-kernel irqchip
 *           exits KVM_EXIT_HLT; altp2m without ALTP2M_VM_LAPIC likewise)
 *   mmio    a 4-byte read at a gpa no memslot/region backs: MMIO exit,
 *           the host supplies the value
 *   cpuid   CPUID leaf 0, answered in the kernel (no exit to userspace)
 *   vmcall  a VMCALL answered by this program. altp2m gives the VMM every
 *           VMCALL number outside its own range (ALTP2M_EXIT_HYPERCALL).
 *           KVM answers any unknown number itself (-KVM_ENOSYS in RAX, no
 *           exit); the one hypercall it hands to userspace is
 *           KVM_HC_MAP_GPA_RANGE, once the VM enabled it with
 *           KVM_ENABLE_CAP(KVM_CAP_EXIT_HYPERCALL): KVM_EXIT_HYPERCALL,
 *           and the value the VMM puts in hypercall.ret goes to RAX. So
 *           on KVM the guest calls that one (one page at a page-aligned
 *           gpa: KVM checks the arguments before it exits); same code,
 *           the number and arguments come from the host.
 *   write   a write to page P0 on even iterations, P1 on odd ones. On
 *           altp2m view A has P0 read-only and view B P1: every write
 *           violates once (ALTP2M_EXIT_VIEW_VIOLATION), the VMM moves the
 *           vCPU to the other view (ALTP2M_SET_VCPU_VIEW) and the write
 *           retires there. On KVM, KVM's closest thing: both pages in a
 *           KVM_MEM_READONLY memslot, each write a KVM_EXIT_MMIO the VMM
 *           acknowledges.
 *   vmfunc  (altp2m) VMFUNC 0 to view A on even iterations, B on odd:
 *           switches with no exit (the phase's exit counters say so)
 *   ve      (altp2m) the write phase with #VE: P2/P3 read-only with
 *           suppress-#VE clear, a #VE information page; the guest's own
 *           #VE handler clears the semaphore and VMFUNCs to the other
 *           view, and the write retires: no exit
 *
 * and the host-side operations, timed with RDTSC on the host around the
 * ioctl (the same tick) while a thread of this program runs the vCPU in a
 * guest loop that reads the pages concerned (RFLAGS.IF set so that the
 * host CPU's timer still preempts it when there is only one CPU; with two
 * or more, the vCPU's thread runs on CPU 0 and the host's calls come from
 * CPU 1, bench_pin.h):
 *
 *   switch   (altp2m) ALTP2M_SWITCH_VIEW of the running vCPU, A <-> B
 *   access-1, access-512, access-262144
 *            altp2m: ALTP2M_SET_MEM_ACCESS of N gfns to r in the vCPU's
 *            view, flush included (timed), then back to rwx (not timed).
 *            KVM's closest thing: KVM_SET_USER_MEMORY_REGION turning
 *            KVM_MEM_LOG_DIRTY_PAGES on for a memslot of N pages, which
 *            write-protects them and flushes (timed), then off again.
 *            The 262,144 gfns (1 GiB) are one 2 MiB memfd (hugetlb where
 *            the system has a huge page, else 4 KiB pages) mapped 512
 *            times: guest RAM that costs 2 MiB.
 *
 * Output: one line per operation (min, median, p90, mean, and the
 * phase's counters: see counters()), "BENCH {json}" lines, and with --out
 * a file of "op n min median" lines that --table reads to print both
 * backends and the ratio altp2m/KVM (and --json the same as JSON).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <linux/kvm_para.h>

#include "../selftests/lib/vm_util.h"
#include "../selftests/lib/monitor_util.h"
#include "../selftests/lib/test_util.h"
#include "bench_pin.h"
#include "bench_stats.h"

#define BENCH_PORT	0xe4
#define MMIO_GPA	0xd0000000ULL
#define VMM_HC_NR	0x1234	/* outside the module's range: the VMM's */
#define GUEST_MEM	(64ULL << 20)
#define ONE_GPA		0x30000000ULL	/* 1 page */
#define SMALL_GPA	0x30200000ULL	/* 512 pages */
#define BIG_GPA		0x40000000ULL	/* 262,144 pages */
#define RO_GPA		0x30400000ULL	/* KVM: the read-only memslot */
#define KVM_TSS_GPA	0xfffbd000UL
#define CHUNK		(2ULL << 20)
#define BIG_SIZE	(1ULL << 30)
#define SLOT_ONE	1
#define SLOT_SMALL	2
#define SLOT_BIG	3
#define SLOT_RO		4
#define HOST_MAX_N	1000	/* repetitions of a host-side operation */

enum op {
	OP_NONE, OP_PIO, OP_HLT, OP_MMIO, OP_CPUID, OP_VMCALL, OP_WRITE,
	OP_VMFUNC, OP_VE, OP_SPIN,
};

/* What the host does in a host-side phase (OP_SPIN). */
enum host_op { H_NONE, H_SWITCH, H_ACCESS };

struct phase {
	const char *name;
	enum op op;
	bool altp2m_only;
	enum host_op host;
	uint64_t npages;	/* H_ACCESS */
	uint64_t n, n_short;	/* repetitions */
	const char *note;	/* what the two figures are, for the table */
};

#define NOTE_ACCESS "KVM: dirty logging on for a slot of that many pages"

static const struct phase phases[] = {
	{ "base",	   OP_NONE,   false, H_NONE,   0,	10000, 1000, NULL },
	{ "pio",	   OP_PIO,    false, H_NONE,   0,	100000, 2000, NULL },
	{ "hlt",	   OP_HLT,    false, H_NONE,   0,	10000, 1000, NULL },
	{ "mmio",	   OP_MMIO,   false, H_NONE,   0,	10000, 1000, NULL },
	{ "cpuid",	   OP_CPUID,  false, H_NONE,   0,	10000, 1000, NULL },
	{ "vmcall",	   OP_VMCALL, false, H_NONE,   0,	10000, 1000, NULL },
	{ "write",	   OP_WRITE,  false, H_NONE,   0,	10000, 1000,
	  "altp2m: view violation; KVM: write to a read-only memslot" },
	{ "vmfunc",	   OP_VMFUNC, true,  H_NONE,   0,	10000, 1000,
	  "no exit on altp2m; KVM: none" },
	{ "ve",		   OP_VE,     true,  H_NONE,   0,	10000, 1000,
	  "no exit on altp2m; KVM: none" },
	{ "switch",	   OP_SPIN,   true,  H_SWITCH, 0,	1000, 100,
	  "KVM: none" },
	{ "access-1",	   OP_SPIN,   false, H_ACCESS, 1,	1000, 100,
	  NOTE_ACCESS },
	{ "access-512",	   OP_SPIN,   false, H_ACCESS, 512,	200, 20,
	  NOTE_ACCESS },
	{ "access-262144", OP_SPIN,   false, H_ACCESS, 262144,	20, 3,
	  NOTE_ACCESS },
};

#define NR_PHASES	ARRAY_SIZE(phases)

/*
 * What the guest reads, in guest memory: per phase the operation, the
 * repetitions and where the ticks go, and the operands.
 */
struct gphase {
	uint64_t op, n, out;
	uint64_t a0, a1, a2, a3;
};

struct gparams {
	struct gphase ph[NR_PHASES];
	uint64_t stop;		/* OP_SPIN: the host says stop */
	uint64_t spinning;	/* OP_SPIN: the guest says it runs */
	uint64_t ve_views[2];	/* OP_VE: the #VE handler's two views */
	uint64_t ve_info;	/* OP_VE: gva of the #VE information page */
	uint64_t ve_cur;	/* OP_VE: index in ve_views of the view now */
};

/* ------------------------------------------------------ guest code */

static struct gparams *guest_params;	/* the guest's copy: its gva */

static inline uint64_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline void guest_vmfunc(uint64_t view)
{
	__asm__ __volatile__("vmfunc" : : "a"(0), "c"(view) : "memory");
}

static inline void guest_cpuid(uint32_t leaf)
{
	uint32_t a = leaf, b, c = 0, d;

	__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
}

static inline uint64_t guest_vmcall(uint64_t nr, uint64_t a0, uint64_t a1)
{
	uint64_t rax = nr;

	__asm__ __volatile__("vmcall" : "+a"(rax) : "b"(a0), "c"(a1), "d"(0)
			     : "memory");
	return rax;
}

/*
 * #VE (vector 20, no error code): the C part runs on the interrupted
 * stack; guest_ve_entry, below, saves the caller-saved registers around
 * it.
 */
static void __attribute__((used)) guest_ve_handler(void)
{
	struct gparams *p = guest_params;
	struct altp2m_ve_info *info = (void *)p->ve_info;
	uint64_t next = p->ve_cur ^ 1;

	WRITE_ONCE(p->ve_cur, next);
	guest_vmfunc(p->ve_views[next]);
	WRITE_ONCE(info->semaphore, 0);
}

/*
 * 40 bytes of frame on a 16-byte aligned stack, then 9 pushes: RSP is
 * 16-byte aligned at the call, as the ABI wants.
 */
void guest_ve_entry(void);
__asm__(".text\n"
	".globl guest_ve_entry\n"
	"guest_ve_entry:\n"
	"	push %rax\n	push %rcx\n	push %rdx\n"
	"	push %rsi\n	push %rdi\n	push %r8\n"
	"	push %r9\n	push %r10\n	push %r11\n"
	"	call guest_ve_handler\n"
	"	pop %r11\n	pop %r10\n	pop %r9\n"
	"	pop %r8\n	pop %rdi\n	pop %rsi\n"
	"	pop %rdx\n	pop %rcx\n	pop %rax\n"
	"	iretq\n");

/* Read the pages the host changes, until it says stop. */
static void guest_spin(struct gparams *p, const struct gphase *g)
{
	uint64_t k = 0;

	WRITE_ONCE(p->spinning, 1);
	while (!READ_ONCE(p->stop)) {
		if (g->a0)
			(void)READ_ONCE(*(uint64_t *)g->a0);
		if (g->a1)
			(void)READ_ONCE(*(uint64_t *)(g->a1 + (k & 511) * 4096));
		if (g->a2)
			(void)READ_ONCE(*(uint64_t *)(g->a2 + (k & 511) * CHUNK));
		k++;
	}
	WRITE_ONCE(p->spinning, 0);
}

static void guest_code(uint64_t params)
{
	struct gparams *p = (struct gparams *)params;
	uint64_t ph, i, t0, t1, *out;

	guest_params = p;
	for (ph = 0; ph < NR_PHASES; ph++) {
		const struct gphase *g = &p->ph[ph];
		uint64_t op, n;

		GUEST_SYNC(ph);
		op = READ_ONCE(g->op);
		n = READ_ONCE(g->n);
		out = (uint64_t *)g->out;
		if (op == OP_SPIN) {
			if (n)
				guest_spin(p, g);
			continue;
		}
		if (op == OP_VE && n)
			guest_vmfunc(p->ve_views[p->ve_cur]);
		for (i = 0; i < n; i++) {
			t0 = tsc();
			switch (op) {
			case OP_PIO:
				outb(BENCH_PORT, (uint8_t)i);
				break;
			case OP_HLT:
				halt();
				break;
			case OP_MMIO:
				(void)mmio_read32(g->a0);
				break;
			case OP_CPUID:
				guest_cpuid(0);
				break;
			case OP_VMCALL:
				(void)guest_vmcall(g->a0, g->a1, g->a2);
				break;
			case OP_WRITE:
			case OP_VE:
				WRITE_ONCE(*(uint64_t *)(i & 1 ? g->a1 : g->a0),
					   i);
				break;
			case OP_VMFUNC:
				guest_vmfunc(i & 1 ? g->a1 : g->a0);
				break;
			}
			t1 = tsc();
			out[i] = t1 - t0;
		}
	}
}

/* ------------------------------------------------------ the backends */

/* What an exit was, in both backends' terms. */
enum xk { X_UCALL, X_PIO, X_HLT, X_MMIO, X_HC, X_VIOL, X_OTHER };

struct bvm {
	bool kvm;
	struct vm *vm;		/* altp2m; KVM: the library's offline VM */
	struct vcpu *vcpu;	/* altp2m */
	int kvm_fd, kvm_vm, kvm_vcpu;
	struct kvm_run *krun;
	size_t krun_size;
	uint64_t kvm_slot_flags[SLOT_RO + 1];
	uint16_t view_a, view_b;
	uint64_t user_exits;	/* exits this program handled in a phase */
};

static void *alloc_pages(uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	TEST_ASSERT(p != MAP_FAILED, "mmap of %llu bytes",
		    (unsigned long long)size);
	return p;
}

/*
 * @size bytes of address space (a multiple of CHUNK, CHUNK aligned) that
 * all map the same CHUNK of a memfd: hugetlb if the system gives one.
 */
static void *alias_map(uint64_t size, bool *huge)
{
	uint64_t off;
	char *base;
	int fd;

	*huge = true;
	fd = memfd_create("vm_bench", MFD_CLOEXEC | MFD_HUGETLB);
	if (fd >= 0 && ftruncate(fd, CHUNK)) {
		close(fd);
		fd = -1;
	}
	base = mmap(NULL, size + CHUNK, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	TEST_ASSERT(base != MAP_FAILED, "address space for %llu bytes",
		    (unsigned long long)size);
	base = (char *)ALIGN_UP((uintptr_t)base, CHUNK);
	if (fd >= 0 && mmap(base, CHUNK, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED) {
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		*huge = false;
		fd = memfd_create("vm_bench", MFD_CLOEXEC);
		TEST_ASSERT(fd >= 0 && !ftruncate(fd, CHUNK), "memfd: %s",
			    strerror(errno));
	}
	for (off = 0; off < size; off += CHUNK)
		TEST_ASSERT(mmap(base + off, CHUNK, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_FIXED, fd, 0) != MAP_FAILED,
			    "memfd mapping at %llu: %s",
			    (unsigned long long)off, strerror(errno));
	close(fd);
	memset(base, 0, CHUNK);
	return base;
}

static void kvm_slot(struct bvm *b, uint32_t slot, uint32_t flags,
		     uint64_t gpa, uint64_t size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (uintptr_t)hva,
	};

	TEST_ASSERT(!ioctl(b->kvm_vm, KVM_SET_USER_MEMORY_REGION, &r),
		    "KVM_SET_USER_MEMORY_REGION slot %u: %s", slot,
		    strerror(errno));
	b->kvm_slot_flags[slot] = flags;
	vm_region_track(b->vm, slot, gpa, size, hva);
}

/* A region in either backend. */
static void add_region(struct bvm *b, uint32_t slot, uint32_t flags,
		       uint64_t gpa, uint64_t size, void *hva)
{
	if (b->kvm)
		kvm_slot(b, slot, flags, gpa, size, hva);
	else
		vm_set_memory_region(b->vm, slot, gpa, size, hva);
}

static void kvm_seg(struct kvm_segment *k, const struct altp2m_segment *a)
{
	*k = (struct kvm_segment){
		.base = a->base, .limit = a->limit, .selector = a->selector,
		.type = a->type, .present = a->present, .dpl = a->dpl,
		.db = a->db, .s = a->s, .l = a->l, .g = a->g, .avl = a->avl,
		.unusable = a->unusable,
	};
}

/* The KVM VMM: a VM whose memslot 0 holds what the library built. */
static void kvm_create(struct bvm *b)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_EXIT_HYPERCALL,
		.args = { 1ULL << KVM_HC_MAP_GPA_RANGE },
	};
	struct kvm_cpuid2 *cpuid;
	struct altp2m_sregs as;
	struct kvm_sregs ks;
	struct kvm_regs regs;
	uint64_t stack, rsp;
	void *ram;
	int size;

	b->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	TEST_ASSERT(b->kvm_fd >= 0, "/dev/kvm: %s", strerror(errno));
	b->kvm_vm = ioctl(b->kvm_fd, KVM_CREATE_VM, 0);
	TEST_ASSERT(b->kvm_vm >= 0, "KVM_CREATE_VM: %s", strerror(errno));
	TEST_ASSERT(!ioctl(b->kvm_vm, KVM_ENABLE_CAP, &cap),
		    "KVM_CAP_EXIT_HYPERCALL: %s", strerror(errno));
	/* Real-mode emulation's TSS: unused here, 3 pages under 4 GiB. */
	TEST_ASSERT(!ioctl(b->kvm_vm, KVM_SET_TSS_ADDR, KVM_TSS_GPA),
		    "KVM_SET_TSS_ADDR: %s", strerror(errno));

	ram = alloc_pages(GUEST_MEM);
	b->vm = vm_new_offline(ram, GUEST_MEM);
	vm_load_self(b->vm);
	vm_setup_system(b->vm);
	b->vm->alloc_next = ALIGN_UP(b->vm->image.hi, PAGE_SIZE);
	kvm_slot(b, 0, 0, 0, GUEST_MEM, ram);

	b->kvm_vcpu = ioctl(b->kvm_vm, KVM_CREATE_VCPU, 0);
	TEST_ASSERT(b->kvm_vcpu >= 0, "KVM_CREATE_VCPU: %s", strerror(errno));
	size = ioctl(b->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	TEST_ASSERT(size >= (int)sizeof(struct kvm_run),
		    "KVM_GET_VCPU_MMAP_SIZE: %d", size);
	b->krun_size = size;
	b->krun = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       b->kvm_vcpu, 0);
	TEST_ASSERT(b->krun != MAP_FAILED, "mmap of kvm_run");

	/* The CPUID KVM supports, as the guest's (long mode, NX). */
	cpuid = calloc(1, sizeof(*cpuid) + 256 * sizeof(cpuid->entries[0]));
	TEST_ASSERT(cpuid, "out of memory");
	cpuid->nent = 256;
	TEST_ASSERT(!ioctl(b->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid),
		    "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	TEST_ASSERT(!ioctl(b->kvm_vcpu, KVM_SET_CPUID2, cpuid),
		    "KVM_SET_CPUID2: %s", strerror(errno));
	free(cpuid);

	x86_sregs_long_mode(&as);
	TEST_ASSERT(!ioctl(b->kvm_vcpu, KVM_GET_SREGS, &ks), "KVM_GET_SREGS");
	kvm_seg(&ks.cs, &as.cs);
	kvm_seg(&ks.ds, &as.ds);
	kvm_seg(&ks.es, &as.es);
	kvm_seg(&ks.fs, &as.fs);
	kvm_seg(&ks.gs, &as.gs);
	kvm_seg(&ks.ss, &as.ss);
	kvm_seg(&ks.tr, &as.tr);
	kvm_seg(&ks.ldt, &as.ldt);
	ks.gdt.base = as.gdt.base;
	ks.gdt.limit = as.gdt.limit;
	ks.idt.base = as.idt.base;
	ks.idt.limit = as.idt.limit;
	ks.cr0 = as.cr0;
	ks.cr3 = as.cr3;
	ks.cr4 = as.cr4;
	ks.efer = as.efer;
	TEST_ASSERT(!ioctl(b->kvm_vcpu, KVM_SET_SREGS, &ks), "KVM_SET_SREGS: %s",
		    strerror(errno));

	/* As vcpu_setup(): a stack whose return address reports DONE. */
	stack = vm_alloc(b->vm, GUEST_STACK_SIZE, PAGE_SIZE);
	rsp = stack + GUEST_STACK_SIZE - 8;
	*(uint64_t *)addr_gpa2hva(b->vm, rsp) =
		(uint64_t)(uintptr_t)guest_return_trampoline;
	memset(&regs, 0, sizeof(regs));
	regs.rip = (uint64_t)(uintptr_t)guest_code;
	regs.rsp = rsp;
	regs.rflags = X86_RFLAGS_FIXED;
	TEST_ASSERT(!ioctl(b->kvm_vcpu, KVM_SET_REGS, &regs), "KVM_SET_REGS");
}

static void set_if(struct bvm *b, bool on)
{
	struct kvm_regs regs;

	if (!b->kvm) {
		vcpu_set_if(b->vcpu, on);
		return;
	}
	TEST_ASSERT(!ioctl(b->kvm_vcpu, KVM_GET_REGS, &regs), "KVM_GET_REGS");
	regs.rflags = on ? regs.rflags | X86_RFLAGS_IF :
			   regs.rflags & ~X86_RFLAGS_IF;
	TEST_ASSERT(!ioctl(b->kvm_vcpu, KVM_SET_REGS, &regs), "KVM_SET_REGS");
}

/* One KVM_RUN / ALTP2M_RUN; what the exit was. */
static enum xk bvm_run_once(struct bvm *b, struct ucall *uc)
{
	struct kvm_regs regs;
	struct kvm_run *r = b->krun;
	void *src;
	int ret;

	if (!b->kvm) {
		struct altp2m_run *a = b->vcpu->run;

		vcpu_run(b->vcpu);
		switch (a->exit_reason) {
		case ALTP2M_EXIT_IO:
			if (a->io.port == UCALL_PORT) {
				get_ucall(b->vcpu, uc);
				return X_UCALL;
			}
			return a->io.port == BENCH_PORT ? X_PIO : X_OTHER;
		case ALTP2M_EXIT_HLT:
			return X_HLT;
		case ALTP2M_EXIT_MMIO:
			memset(a->mmio.data, 0, sizeof(a->mmio.data));
			return X_MMIO;
		case ALTP2M_EXIT_HYPERCALL:
			a->hypercall.ret = 0;
			return X_HC;
		case ALTP2M_EXIT_VIEW_VIOLATION:
			vcpu_set_view(b->vcpu,
				      a->violation.view == b->view_a ?
				      b->view_b : b->view_a);
			return X_VIOL;
		}
		return X_OTHER;
	}
	do
		ret = ioctl(b->kvm_vcpu, KVM_RUN, 0);
	while (ret == -1 && errno == EINTR);
	TEST_ASSERT(!ret, "KVM_RUN: %s", strerror(errno));
	switch (r->exit_reason) {
	case KVM_EXIT_IO:
		if (r->io.port == UCALL_PORT) {
			TEST_ASSERT(!ioctl(b->kvm_vcpu, KVM_GET_REGS, &regs),
				    "KVM_GET_REGS");
			src = addr_gpa2hva_range(b->vm, regs.rdi, sizeof(*uc));
			TEST_ASSERT(src, "ucall at %#llx", regs.rdi);
			memcpy(uc, src, sizeof(*uc));
			TEST_ASSERT(uc->magic == UCALL_MAGIC, "ucall magic");
			return X_UCALL;
		}
		return r->io.port == BENCH_PORT ? X_PIO : X_OTHER;
	case KVM_EXIT_HLT:
		return X_HLT;
	case KVM_EXIT_MMIO:
		/* A write to the read-only memslot, or the unbacked gpa. */
		if (!r->mmio.is_write)
			memset(r->mmio.data, 0, sizeof(r->mmio.data));
		return X_MMIO;
	case KVM_EXIT_HYPERCALL:
		r->hypercall.ret = 0;
		return X_HC;
	}
	return X_OTHER;
}

static void __attribute__((noreturn)) kvm_describe_exit(struct kvm_run *r)
{
	switch (r->exit_reason) {
	case KVM_EXIT_INTERNAL_ERROR:
		TEST_FAIL("KVM_EXIT_INTERNAL_ERROR suberror %u, data %#llx %#llx",
			  r->internal.suberror,
			  (unsigned long long)r->internal.data[0],
			  (unsigned long long)r->internal.data[1]);
	case KVM_EXIT_FAIL_ENTRY:
		TEST_FAIL("KVM_EXIT_FAIL_ENTRY reason %#llx",
			  (unsigned long long)
			  r->fail_entry.hardware_entry_failure_reason);
	case KVM_EXIT_IO:
		TEST_FAIL("KVM_EXIT_IO port %#x", r->io.port);
	}
	TEST_FAIL("KVM exit %u", r->exit_reason);
}

/* Run to the next ucall, answering the phase's exits. */
static void bvm_run(struct bvm *b, struct ucall *uc)
{
	char desc[1024];
	enum xk x;

	while ((x = bvm_run_once(b, uc)) != X_UCALL) {
		if (x == X_OTHER) {
			if (b->kvm) {
				struct kvm_regs regs;

				if (!ioctl(b->kvm_vcpu, KVM_GET_REGS, &regs))
					fprintf(stderr, "rip %#llx rsp %#llx\n",
						regs.rip, regs.rsp);
				kvm_describe_exit(b->krun);
			}
			vcpu_describe_exit(b->vcpu, desc, sizeof(desc));
			TEST_FAIL("altp2m exit %s", desc);
		}
		b->user_exits++;
	}
	if (uc->type == UCALL_ABORT || uc->type == UCALL_UNHANDLED) {
		ucall_describe(b->vm, uc, desc, sizeof(desc));
		TEST_FAIL("%s: %s", b->kvm ? "kvm" : "altp2m", desc);
	}
}

struct runner {
	struct bvm *b;
	struct ucall uc;
	pthread_t th;
};

static void *runner_fn(void *arg)
{
	struct runner *r = arg;

	bench_pin(BENCH_CPU_VCPU);
	bvm_run(r->b, &r->uc);
	return NULL;
}

/* ------------------------------------------------------ host ops */

/* Restrict (timed) and relax again (not timed) @npages from @gpa. */
static uint64_t access_op(struct bvm *b, uint32_t slot, uint64_t gpa,
			  uint64_t npages)
{
	uint64_t t0, t1;

	if (b->kvm) {
		void *hva = addr_gpa2hva(b->vm, gpa);
		uint64_t fl = b->kvm_slot_flags[slot];

		t0 = tsc();
		kvm_slot(b, slot, fl | KVM_MEM_LOG_DIRTY_PAGES, gpa,
			 npages * PAGE_SIZE, hva);
		t1 = tsc();
		kvm_slot(b, slot, fl, gpa, npages * PAGE_SIZE, hva);
	} else {
		t0 = tsc();
		vm_set_mem_access(b->vm, b->view_a, gpa >> 12, npages,
				  ALTP2M_ACCESS_R);
		t1 = tsc();
		vm_set_mem_access(b->vm, b->view_a, gpa >> 12, npages,
				  ALTP2M_ACCESS_RWX);
	}
	return t1 - t0;
}

/*
 * The vCPU runs in a thread up to the guest's next ucall, which ends in
 * *@uc; this thread times @n host operations meanwhile, into @t.
 */
static void host_phase(struct bvm *b, const struct phase *p,
		       struct gparams *gp, uint64_t *t, uint64_t n,
		       struct ucall *uc)
{
	struct runner r = { .b = b };
	uint32_t slot = p->npages == 1 ? SLOT_ONE :
			p->npages == 512 ? SLOT_SMALL : SLOT_BIG;
	uint64_t gpa = p->npages == 1 ? ONE_GPA :
		       p->npages == 512 ? SMALL_GPA : BIG_GPA;
	uint64_t i, t0;

	WRITE_ONCE(gp->stop, 0);
	set_if(b, true);
	/* Two CPUs or more: the host's calls from another CPU than the vCPU's. */
	bench_pin(BENCH_CPU_DAEMON);
	TEST_ASSERT(!pthread_create(&r.th, NULL, runner_fn, &r),
		    "pthread_create");
	while (!READ_ONCE(gp->spinning))
		sched_yield();
	if (p->host == H_ACCESS)
		access_op(b, slot, gpa, p->npages);	/* warm-up */
	for (i = 0; i < n; i++) {
		if (p->host == H_SWITCH) {
			t0 = tsc();
			TEST_ASSERT(!__vm_switch_view(b->vm, i & 1 ? b->view_a :
						      b->view_b, 0),
				    "ALTP2M_SWITCH_VIEW: %s", strerror(errno));
			t[i] = tsc() - t0;
		} else {
			t[i] = access_op(b, slot, gpa, p->npages);
		}
		/* Let the guest run in between (one CPU: until a tick). */
		sched_yield();
	}
	WRITE_ONCE(gp->stop, 1);
	TEST_ASSERT(!pthread_join(r.th, NULL), "pthread_join");
	*uc = r.uc;
	bench_pin(BENCH_CPU_VCPU);
	set_if(b, false);
	if (p->host == H_SWITCH)
		vcpu_set_view(b->vcpu, b->view_a);
}

/* ------------------------------------------------------ a run */

/*
 * The counters of a phase: VM exits (all), exits to this program, EPT
 * violation exits, VMFUNC exits, INVEPTs (altp2m: one per view flushed on
 * every CPU), L1D flushes before entries. NO_COUNT where the backend
 * does not tell.
 */
enum { C_EXITS, C_USER, C_EPT, C_VMFUNC, C_INVEPT, C_L1D, NR_COUNTERS };
#define NO_COUNT	UINT64_MAX

static const char *const counter_names[NR_COUNTERS] = {
	"exits", "user_exits", "ept_exits", "vmfunc_exits", "invept",
	"l1d_flushes",
};

static void print_phase(const char *backend, const struct phase *p,
			uint64_t n, const struct stats *s, const uint64_t *x)
{
	unsigned int i;

	printf("%-14s n %6llu  min %9llu  median %9llu  p90 %9llu  mean %11.1f",
	       p->name, (unsigned long long)n, (unsigned long long)s->min,
	       (unsigned long long)s->median, (unsigned long long)s->p90,
	       s->mean);
	for (i = 0; i < NR_COUNTERS; i++)
		if (x[i] != NO_COUNT)
			printf(" %s %llu", counter_names[i],
			       (unsigned long long)x[i]);
	printf("\n");
	printf("BENCH {\"backend\": \"%s\", \"op\": \"%s\", \"n\": %llu, ",
	       backend, p->name, (unsigned long long)n);
	printf("\"min\": %llu, \"median\": %llu, \"p90\": %llu, \"mean\": %.1f",
	       (unsigned long long)s->min, (unsigned long long)s->median,
	       (unsigned long long)s->p90, s->mean);
	for (i = 0; i < NR_COUNTERS; i++)
		if (x[i] != NO_COUNT)
			printf(", \"%s\": %llu", counter_names[i],
			       (unsigned long long)x[i]);
	printf("}\n");
}

/* A counter of KVM's debugfs (all VMs: this one is the only one). */
static uint64_t kvm_debugfs(const char *name)
{
	char path[128];
	unsigned long long v;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/sys/kernel/debug/kvm/%s", name);
	f = fopen(path, "r");
	if (!f)
		return NO_COUNT;
	ok = fscanf(f, "%llu", &v) == 1;
	fclose(f);
	return ok ? v : NO_COUNT;
}

static void counters(struct bvm *b, uint64_t *c)
{
	struct altp2m_monitor_stats m = { 0 };
	struct altp2m_vcpu_stats s;
	struct monitor *mon;
	struct altp2m_vm_stats v;
	unsigned int i;

	for (i = 0; i < NR_COUNTERS; i++)
		c[i] = NO_COUNT;
	c[C_USER] = b->user_exits;
	if (b->kvm) {
		c[C_EXITS] = kvm_debugfs("exits");
		c[C_L1D] = kvm_debugfs("l1d_flush");
		return;
	}
	vcpu_stats(b->vcpu, &s);
	vm_stats(b->vm, &v);
	c[C_EXITS] = s.hw_exits;
	c[C_EPT] = s.ept_violation_exits;
	c[C_VMFUNC] = s.vmfunc_exits;
	c[C_INVEPT] = v.invept;
	/*
	 * A monitor only for this read: one attached while the guest runs
	 * costs its exits a few dozen ticks (its checks), events or not.
	 */
	mon = monitor_attach(b->vm, 0, 0);
	TEST_ASSERT(!ioctl(mon->fd, ALTP2M_MONITOR_GET_STATS, &m),
		    "ALTP2M_MONITOR_GET_STATS: %s", strerror(errno));
	monitor_close(mon);
	c[C_L1D] = m.l1d_flushes;
}

static int run(bool kvm, bool short_mode, const char *out_path)
{
	const char *backend = kvm ? "kvm" : "altp2m";
	struct bvm bb = { .kvm = kvm }, *b = &bb;
	uint64_t params, p0, p1, p2, p3, ve, hc_page, ph, *host_t;
	uint64_t c0[NR_COUNTERS], c1[NR_COUNTERS], x[NR_COUNTERS];
	struct gparams *gp;
	unsigned int i;
	struct ucall uc;
	void *one, *small, *big, *ro;
	FILE *out = NULL;
	bool huge;

	bench_pin(BENCH_CPU_VCPU);
	if (out_path) {
		out = fopen(out_path, "w");
		TEST_ASSERT(out, "%s: %s", out_path, strerror(errno));
	}
	/* Guest memory is allocated from the VM, so create it first. */
	if (kvm) {
		kvm_create(b);
	} else {
		b->vm = vm_create(GUEST_MEM);
		b->vcpu = vcpu_add(b->vm, 0, guest_code);
	}
	params = vm_alloc(b->vm, sizeof(struct gparams), PAGE_SIZE);
	gp = addr_gva2hva(b->vm, params);
	if (kvm) {
		struct kvm_regs regs;

		TEST_ASSERT(!ioctl(b->kvm_vcpu, KVM_GET_REGS, &regs), "REGS");
		regs.rdi = params;
		TEST_ASSERT(!ioctl(b->kvm_vcpu, KVM_SET_REGS, &regs), "REGS");
	} else {
		vcpu_args_set(b->vcpu, 1, params);
	}
	p0 = vm_alloc(b->vm, PAGE_SIZE, PAGE_SIZE);
	p1 = vm_alloc(b->vm, PAGE_SIZE, PAGE_SIZE);
	p2 = vm_alloc(b->vm, PAGE_SIZE, PAGE_SIZE);
	p3 = vm_alloc(b->vm, PAGE_SIZE, PAGE_SIZE);
	ve = vm_alloc(b->vm, PAGE_SIZE, PAGE_SIZE);
	hc_page = vm_alloc(b->vm, PAGE_SIZE, PAGE_SIZE);
	for (ph = 0; ph < NR_PHASES; ph++) {
		const struct phase *p = &phases[ph];
		struct gphase *g = &gp->ph[ph];

		g->op = p->op;
		g->n = kvm && p->altp2m_only ? 0 :
		       short_mode ? p->n_short : p->n;
		if (p->op != OP_SPIN && g->n)
			g->out = vm_alloc(b->vm, g->n * 8, PAGE_SIZE);
	}

	one = alloc_pages(PAGE_SIZE);
	small = alias_map(CHUNK, &huge);
	big = alias_map(BIG_SIZE, &huge);
	add_region(b, SLOT_ONE, 0, ONE_GPA, PAGE_SIZE, one);
	add_region(b, SLOT_SMALL, 0, SMALL_GPA, CHUNK, small);
	add_region(b, SLOT_BIG, 0, BIG_GPA, BIG_SIZE, big);
	printf("%s: 1 GiB region on %s pages\n", backend,
	       huge ? "2 MiB hugetlb" : "4 KiB");

	if (kvm) {
		ro = alloc_pages(2 * PAGE_SIZE);
		kvm_slot(b, SLOT_RO, KVM_MEM_READONLY, RO_GPA, 2 * PAGE_SIZE,
			 ro);
	} else {
		uint64_t pages = GUEST_MEM >> 12;
		struct altp2m_ve_page vp = { .gfn = ve >> 12 };

		vm_views_enable(b->vm, 0);
		b->view_a = vm_view_create(b->vm, ALTP2M_ACCESS_DEFAULT);
		b->view_b = vm_view_create(b->vm, ALTP2M_ACCESS_DEFAULT);
		/* Filled ahead: no lazy fill exits in the timed phases. */
		vm_set_mem_access(b->vm, b->view_a, 0, pages, ALTP2M_ACCESS_RWX);
		vm_set_mem_access(b->vm, b->view_b, 0, pages, ALTP2M_ACCESS_RWX);
		vm_set_mem_access(b->vm, b->view_a, p0 >> 12, 1,
				  ALTP2M_ACCESS_RX);
		vm_set_mem_access(b->vm, b->view_b, p1 >> 12, 1,
				  ALTP2M_ACCESS_RX);
		vm_set_mem_access(b->vm, b->view_a, p2 >> 12, 1,
				  ALTP2M_ACCESS_RX);
		vm_set_suppress_ve(b->vm, b->view_a, p2 >> 12, 1, 0);
		vm_set_mem_access(b->vm, b->view_b, p3 >> 12, 1,
				  ALTP2M_ACCESS_RX);
		vm_set_suppress_ve(b->vm, b->view_b, p3 >> 12, 1, 0);
		TEST_ASSERT(!ioctl(b->vcpu->fd, ALTP2M_SET_VE_PAGE, &vp),
			    "ALTP2M_SET_VE_PAGE: %s", strerror(errno));
		x86_set_idt_gate(b->vm->ram, VE_VECTOR,
				 (uint64_t)(uintptr_t)guest_ve_entry);
		gp->ve_views[0] = b->view_a;
		gp->ve_views[1] = b->view_b;
		gp->ve_info = ve;
	}

	for (ph = 0; ph < NR_PHASES; ph++) {
		const struct phase *p = &phases[ph];
		struct gphase *g = &gp->ph[ph];

		switch (p->op) {
		case OP_MMIO:
			g->a0 = MMIO_GPA;
			break;
		case OP_VMCALL:
			g->a0 = kvm ? KVM_HC_MAP_GPA_RANGE : VMM_HC_NR;
			g->a1 = hc_page;
			g->a2 = 1;
			break;
		case OP_WRITE:
			g->a0 = kvm ? RO_GPA : p0;
			g->a1 = kvm ? RO_GPA + PAGE_SIZE : p1;
			break;
		case OP_VMFUNC:
			g->a0 = b->view_a;
			g->a1 = b->view_b;
			break;
		case OP_VE:
			g->a0 = p2;
			g->a1 = p3;
			break;
		case OP_SPIN:
			g->a0 = p->host == H_SWITCH || p->npages == 1 ?
				ONE_GPA : 0;
			g->a1 = p->npages == 512 ? SMALL_GPA : 0;
			g->a2 = p->npages == 262144 ? BIG_GPA : 0;
			break;
		default:
			break;
		}
	}

	printf("%s: %s mode, guest TSC ticks per operation\n", backend,
	       short_mode ? "short" : "full");
	host_t = calloc(HOST_MAX_N, sizeof(*host_t));
	TEST_ASSERT(host_t, "out of memory");
	bvm_run(b, &uc);	/* GUEST_SYNC(0) */
	for (ph = 0; ph < NR_PHASES; ph++) {
		const struct phase *p = &phases[ph];
		struct gphase *g = &gp->ph[ph];
		uint64_t n = g->n, *t;
		struct stats s;

		TEST_ASSERT(uc.type == UCALL_SYNC && uc.args[0] == ph,
			    "guest out of step at phase %llu",
			    (unsigned long long)ph);
		if (!kvm) {
			/* The write phase starts on A, where P0 is read-only. */
			vcpu_set_view(b->vcpu, p->op == OP_WRITE ||
				      p->op == OP_VE || p->op == OP_SPIN ?
				      b->view_a : 0);
			gp->ve_cur = 0;
		}
		b->user_exits = 0;
		counters(b, c0);
		if (p->op == OP_SPIN && n) {
			TEST_ASSERT(n <= HOST_MAX_N, "%s: n %llu", p->name,
				    (unsigned long long)n);
			host_phase(b, p, gp, host_t, n, &uc);
			t = host_t;
		} else {
			bvm_run(b, &uc);
			t = n ? addr_gva2hva(b->vm, g->out) : NULL;
		}
		if (ph + 1 == NR_PHASES)
			TEST_ASSERT(uc.type == UCALL_DONE, "guest not done");
		if (!n)
			continue;
		s = stats_of(t, n);
		counters(b, c1);
		for (i = 0; i < NR_COUNTERS; i++)
			x[i] = c0[i] == NO_COUNT || c1[i] == NO_COUNT ?
			       NO_COUNT : c1[i] - c0[i];
		print_phase(backend, p, n, &s, x);
		if (out)
			fprintf(out, "%s %llu %llu %llu\n", p->name,
				(unsigned long long)n,
				(unsigned long long)s.min,
				(unsigned long long)s.median);
	}
	free(host_t);
	if (out)
		fclose(out);
	if (kvm) {
		munmap(b->krun, b->krun_size);
		close(b->kvm_vcpu);
		close(b->kvm_vm);
		close(b->kvm_fd);
	}
	vm_free(b->vm);
	return 0;
}

/* ------------------------------------------------------ the table */

struct fig {
	bool have;
	unsigned long long n, min, median;
};

/* A run's --out file: "op n min median" per line. */
static void read_figs(const char *path, struct fig *f)
{
	unsigned long long n, min, med;
	char name[64], line[256];
	unsigned int i;
	FILE *in = fopen(path, "r");

	TEST_ASSERT(in, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), in)) {
		if (sscanf(line, "%63s %llu %llu %llu", name, &n, &min,
			   &med) != 4)
			continue;
		for (i = 0; i < NR_PHASES; i++)
			if (!strcmp(name, phases[i].name))
				f[i] = (struct fig){ true, n, min, med };
	}
	fclose(in);
}

static void json_fig(FILE *j, const char *key, const struct fig *f)
{
	if (!f->have) {
		fprintf(j, "\"%s\": null", key);
		return;
	}
	fprintf(j, "\"%s\": {\"n\": %llu, \"min\": %llu, \"median\": %llu}",
		key, f->n, f->min, f->median);
}

/*
 * Both runs side by side; the ratio altp2m/KVM of medians and of minima.
 * Returns 0 when both files gave every figure of their backend.
 */
static int table(const char *kvm_path, const char *altp2m_path,
		 const char *json_path)
{
	struct fig k[NR_PHASES] = { 0 }, a[NR_PHASES] = { 0 };
	unsigned int i, missing = 0;
	FILE *j = NULL;

	read_figs(kvm_path, k);
	read_figs(altp2m_path, a);
	if (json_path) {
		j = fopen(json_path, "w");
		TEST_ASSERT(j, "%s: %s", json_path, strerror(errno));
		fprintf(j, "{\"unit\": \"guest TSC ticks per operation\", \"ops\": [\n");
	}
	printf("%-14s %10s %10s %10s %10s %7s %7s\n", "operation", "kvm min",
	       "kvm med", "altp2m min", "altp2m med", "med a/k", "min a/k");
	for (i = 0; i < NR_PHASES; i++) {
		const struct fig *kf = &k[i], *af = &a[i];
		char kmin[24] = "-", kmed[24] = "-", amin[24] = "-",
		     amed[24] = "-", rmed[24] = "-", rmin[24] = "-";
		bool both = kf->have && af->have && kf->min && kf->median;

		missing += !af->have + (!kf->have && !phases[i].altp2m_only);
		if (kf->have) {
			snprintf(kmin, sizeof(kmin), "%llu", kf->min);
			snprintf(kmed, sizeof(kmed), "%llu", kf->median);
		}
		if (af->have) {
			snprintf(amin, sizeof(amin), "%llu", af->min);
			snprintf(amed, sizeof(amed), "%llu", af->median);
		}
		if (both) {
			snprintf(rmed, sizeof(rmed), "%.2f",
				 (double)af->median / kf->median);
			snprintf(rmin, sizeof(rmin), "%.2f",
				 (double)af->min / kf->min);
		}
		printf("%-14s %10s %10s %10s %10s %7s %7s%s%s\n",
		       phases[i].name, kmin, kmed, amin, amed, rmed, rmin,
		       phases[i].note ? "  " : "",
		       phases[i].note ? phases[i].note : "");
		if (!j)
			continue;
		fprintf(j, "  {\"op\": \"%s\", ", phases[i].name);
		json_fig(j, "kvm", kf);
		fprintf(j, ", ");
		json_fig(j, "altp2m", af);
		if (both)
			fprintf(j, ", \"ratio_median\": %.3f, \"ratio_min\": %.3f",
				(double)af->median / kf->median,
				(double)af->min / kf->min);
		fprintf(j, "}%s\n", i + 1 < NR_PHASES ? "," : "");
	}
	if (j) {
		fprintf(j, "]}\n");
		fclose(j);
	}
	if (missing)
		printf("%u figure(s) missing\n", missing);
	return missing ? 1 : 0;
}

static int print_usage(void)
{
	fprintf(stderr, "usage: vm_bench kvm|altp2m [--short] [--out FILE]\n"
		"       vm_bench --table KVM_FILE ALTP2M_FILE [--json FILE]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	bool short_mode = false;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 4 && !strcmp(argv[1], "--table")) {
		if (argc == 4)
			return table(argv[2], argv[3], NULL);
		if (argc == 6 && !strcmp(argv[4], "--json"))
			return table(argv[2], argv[3], argv[5]);
		return print_usage();
	}
	if (argc < 2 || (strcmp(argv[1], "kvm") && strcmp(argv[1], "altp2m")))
		return print_usage();
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--short"))
			short_mode = true;
		else if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else
			return print_usage();
	}
	return run(!strcmp(argv[1], "kvm"), short_mode, out);
}
