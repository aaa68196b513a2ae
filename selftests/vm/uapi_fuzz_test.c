// SPDX-License-Identifier: GPL-2.0
/*
 * A uAPI fuzzer in the style of syzkaller's /dev/kvm descriptions: typed
 * call sequences over /dev/altp2m, VM, vCPU and monitor fds, mmaps of run
 * pages and monitor rings, and the "altp2m" generic netlink family, while
 * the vCPUs of a VM run a small guest that makes VMCALLs (the altp2m ones
 * too), port I/O, MMIO, VMFUNC and writes to pages the fuzzer restricts.
 *
 * Every ioctl argument is a struct described field by field below: each
 * field has a type (view index, gfn, page count, access, flags, pointer
 * to an array of typed elements, user address, fd, ...) whose values are
 * drawn near their limits and beyond them (ALTP2M_MAX_VIEWS, the end of
 * guest memory, unknown flag bits, pointers at NULL, unmapped, read-only
 * or kernel pages, arrays that run into an unmapped guard page). Fds may
 * be of the wrong kind or closed; objects are closed in any order.
 *
 * Oracles: the kernel stays clean (the vmtest runner fails the run on any
 * WARN/BUG/oops/KASAN/lockdep report and on taint; kmemleak on the debug
 * tier); no call hangs (a watchdog: ALTP2M_FUZZ_WATCHDOG seconds, 60 by
 * default); errors are errnos a caller can act on (no -ERESTARTSYS, no
 * EIO from anything but RUN); and a flags field with a bit the uAPI does
 * not define never succeeds. On a failure the last calls are printed;
 * the watchdog also reads the kernel log 4 times a second and prints them
 * when a report appears there (the runner fails the run on it).
 *
 * Two tests: uapi_fuzz_single runs one thread (the vCPUs run inline as
 * one of its calls): the same seed gives the same call sequence.
 * uapi_fuzz_threads adds a second fuzzing thread and a thread per vCPU,
 * so calls race on the same fds (the interleaving is not reproducible).
 *
 * Environment: ALTP2M_FUZZ_SEED=<n> replays a seed; ALTP2M_FUZZ_SECONDS
 * (default 30) is each test's time in the test VM's own clock.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "../lib/nl_raw.h"
#include "../lib/vm_util.h"
#include "../lib/harness.h"

#define FUZZ_SECONDS	30
#define WATCHDOG_S	60
#define SLICE_MS	20		/* guest time per RUN at most */
#define MAX_OBJS	48
#define MAX_MAPS	24
#define MAX_THREADS	2
#define MAIN_VCPUS	2
#define LOG_LINES	1024		/* the kernel log is read 4 times a second */
#define LOG_LEN		200
#define SCRATCH_SIZE	(256 * 1024)
#define POOL_SIZE	(2ULL << 20)
#define POOL_CHUNKS	4
#define WATCH_PAGES	16		/* guest pages the guest writes */
#define MMIO_GPA	0xc0000000ULL

/* ------------------------------------------------------------- types */

enum ftype {
	T_ANY, T_FLAGS, T_VIEW, T_VCPU, T_GFN, T_NPAGES, T_COUNT, T_ACCESS,
	T_BOOL, T_GPA, T_HVA, T_SIZE, T_VMID, T_FD, T_MSR, T_SLOT, T_MODE,
	T_EVTYPE, T_SEQ, T_OP, T_VECTOR, T_SMALL, T_PTR,
	T_LEN,		/* the length of the struct's first array, mostly */
};

struct sdesc;

struct fdesc {
	uint16_t off;
	uint8_t size;
	uint8_t type;
	const struct sdesc *elem;	/* T_PTR: what it points at */
	uint64_t mask;			/* T_FLAGS: the defined bits */
};

struct sdesc {
	const char *name;
	size_t size;
	const struct fdesc *f;
	unsigned int nf;
};

#define FLD(s, m, t)	{ offsetof(struct s, m), \
			  sizeof(((struct s *)0)->m), t, NULL, 0 }
#define FLAGS(s, m, k)	{ offsetof(struct s, m), \
			  sizeof(((struct s *)0)->m), T_FLAGS, NULL, k }
#define PTR(s, m, e)	{ offsetof(struct s, m), 8, T_PTR, &(e), 0 }
#define ARGDESC(id, s, ...)						\
	static const struct fdesc id##_f[] = { __VA_ARGS__ };		\
	static const struct sdesc id = { #s, sizeof(struct s), id##_f,	\
		sizeof(id##_f) / sizeof(id##_f[0]) }

/* Array elements. */
struct u64_elem { __u64 v; };
struct u8_elem { __u8 v; };
struct byte_elem { __u8 v; };
ARGDESC(d_gfns, u64_elem, FLD(u64_elem, v, T_GFN));
ARGDESC(d_accesses, u8_elem, FLD(u8_elem, v, T_ACCESS));
ARGDESC(d_bytes, byte_elem, FLD(byte_elem, v, T_ANY));
ARGDESC(d_msr_entry, altp2m_msr_entry, FLD(altp2m_msr_entry, index, T_MSR),
	FLD(altp2m_msr_entry, value, T_ANY));
ARGDESC(d_view_info, altp2m_view_info, FLD(altp2m_view_info, view, T_VIEW));
ARGDESC(d_view_entry, altp2m_view_entry, FLD(altp2m_view_entry, gfn, T_GFN));
ARGDESC(d_batch_op, altp2m_batch_op, FLAGS(altp2m_batch_op, flags, 0),
	FLD(altp2m_batch_op, op, T_OP), FLD(altp2m_batch_op, value, T_ACCESS),
	FLD(altp2m_batch_op, view, T_VIEW), FLD(altp2m_batch_op, gfn, T_GFN),
	FLD(altp2m_batch_op, npages, T_NPAGES),
	FLD(altp2m_batch_op, target, T_GFN));
ARGDESC(d_cpuid_entry, altp2m_cpuid_entry,
	FLD(altp2m_cpuid_entry, function, T_ANY),
	FLD(altp2m_cpuid_entry, index, T_SMALL),
	FLD(altp2m_cpuid_entry, flags, T_SMALL),
	FLD(altp2m_cpuid_entry, eax, T_ANY), FLD(altp2m_cpuid_entry, ecx, T_ANY));
ARGDESC(d_cr3_view, altp2m_monitor_cr3_view,
	FLD(altp2m_monitor_cr3_view, cr3, T_GPA),
	FLD(altp2m_monitor_cr3_view, view, T_VIEW));
ARGDESC(d_regs, altp2m_regs, FLD(altp2m_regs, rip, T_GPA),
	FLD(altp2m_regs, rflags, T_ANY), FLD(altp2m_regs, rsp, T_GPA),
	FLD(altp2m_regs, rax, T_ANY));
ARGDESC(d_sregs, altp2m_sregs, FLD(altp2m_sregs, cr0, T_ANY),
	FLD(altp2m_sregs, cr3, T_GPA), FLD(altp2m_sregs, cr4, T_ANY),
	FLD(altp2m_sregs, efer, T_ANY), FLD(altp2m_sregs, cs.type, T_SMALL),
	FLD(altp2m_sregs, cs.l, T_BOOL), FLD(altp2m_sregs, ss.dpl, T_SMALL),
	FLD(altp2m_sregs, tr.unusable, T_BOOL),
	FLD(altp2m_sregs, gdt.limit, T_ANY));
ARGDESC(d_msrs, altp2m_msrs, FLD(altp2m_msrs, nmsrs, T_LEN),
	PTR(altp2m_msrs, entries, d_msr_entry));

/* Ioctl arguments. */
ARGDESC(d_caps, altp2m_caps, FLD(altp2m_caps, flags, T_SMALL));
ARGDESC(d_create_vm, altp2m_create_vm,
	FLAGS(altp2m_create_vm, flags, ALTP2M_VM_LAPIC));
ARGDESC(d_mem_region, altp2m_memory_region,
	FLD(altp2m_memory_region, slot, T_SLOT),
	FLAGS(altp2m_memory_region, flags, 0),
	FLD(altp2m_memory_region, guest_phys_addr, T_GPA),
	FLD(altp2m_memory_region, memory_size, T_SIZE),
	FLD(altp2m_memory_region, userspace_addr, T_HVA));
ARGDESC(d_create_vcpu, altp2m_create_vcpu,
	FLAGS(altp2m_create_vcpu, flags, 0),
	FLD(altp2m_create_vcpu, vcpu_id, T_VCPU));
ARGDESC(d_vm_stats, altp2m_vm_stats, FLD(altp2m_vm_stats, flags, T_SMALL));
ARGDESC(d_views_enable, altp2m_views_enable,
	FLAGS(altp2m_views_enable, flags, 0),
	FLD(altp2m_views_enable, max_views, T_VIEW),
	FLD(altp2m_views_enable, mode, T_MODE));
ARGDESC(d_view_create, altp2m_view_create,
	FLAGS(altp2m_view_create, flags, 0),
	FLD(altp2m_view_create, default_access, T_ACCESS),
	FLD(altp2m_view_create, view, T_VIEW));
ARGDESC(d_view_destroy, altp2m_view_destroy,
	FLAGS(altp2m_view_destroy, flags, 0),
	FLD(altp2m_view_destroy, view, T_VIEW));
ARGDESC(d_gfn_set, altp2m_gfn_set,
	FLAGS(altp2m_gfn_set, flags, ALTP2M_GFN_SET_LIST),
	FLD(altp2m_gfn_set, view, T_VIEW), FLD(altp2m_gfn_set, gfn, T_GFN),
	FLD(altp2m_gfn_set, npages, T_LEN),
	PTR(altp2m_gfn_set, gfns, d_gfns),
	PTR(altp2m_gfn_set, values, d_accesses),
	FLD(altp2m_gfn_set, value, T_ACCESS));
ARGDESC(d_gfn_get, altp2m_gfn_get, FLAGS(altp2m_gfn_get, flags, 0),
	FLD(altp2m_gfn_get, view, T_VIEW), FLD(altp2m_gfn_get, gfn, T_GFN));
ARGDESC(d_gfn_remap, altp2m_gfn_remap, FLAGS(altp2m_gfn_remap, flags, 0),
	FLD(altp2m_gfn_remap, view, T_VIEW),
	FLD(altp2m_gfn_remap, gfn, T_GFN),
	FLD(altp2m_gfn_remap, target, T_GFN));
ARGDESC(d_view_list, altp2m_view_list, FLAGS(altp2m_view_list, flags, 0),
	FLD(altp2m_view_list, cursor, T_VIEW),
	FLD(altp2m_view_list, nr, T_LEN),
	PTR(altp2m_view_list, entries, d_view_info));
ARGDESC(d_view_dump, altp2m_view_dump, FLAGS(altp2m_view_dump, flags, 0),
	FLD(altp2m_view_dump, view, T_VIEW),
	FLD(altp2m_view_dump, cursor, T_GFN),
	FLD(altp2m_view_dump, nr, T_LEN),
	PTR(altp2m_view_dump, entries, d_view_entry));
ARGDESC(d_vcpu_view, altp2m_vcpu_view, FLAGS(altp2m_vcpu_view, flags, 0),
	FLD(altp2m_vcpu_view, view, T_VIEW));
ARGDESC(d_ve_page, altp2m_ve_page,
	FLAGS(altp2m_ve_page, flags, ALTP2M_VE_PAGE_DISABLE),
	FLD(altp2m_ve_page, gfn, T_GFN));
ARGDESC(d_visibility, altp2m_view_visibility,
	FLAGS(altp2m_view_visibility, flags, ALTP2M_VISIBILITY_ONE_VCPU),
	FLD(altp2m_view_visibility, view, T_VIEW),
	FLD(altp2m_view_visibility, vcpu_id, T_VCPU),
	FLD(altp2m_view_visibility, visible, T_BOOL));
ARGDESC(d_switch_view, altp2m_switch_view,
	FLAGS(altp2m_switch_view, flags, ALTP2M_SWITCH_ONE_VCPU),
	FLD(altp2m_switch_view, view, T_VIEW),
	FLD(altp2m_switch_view, vcpu_id, T_VCPU));
ARGDESC(d_vcpu_views, altp2m_vcpu_views, FLD(altp2m_vcpu_views, flags, T_SMALL));
ARGDESC(d_batch, altp2m_batch,
	FLAGS(altp2m_batch, flags, ALTP2M_BATCH_IF_GENERATION),
	FLD(altp2m_batch, nr_ops, T_LEN), PTR(altp2m_batch, ops, d_batch_op),
	FLD(altp2m_batch, generation, T_SMALL));
ARGDESC(d_vm_status, altp2m_vm_status, FLD(altp2m_vm_status, flags, T_SMALL));
ARGDESC(d_msi, altp2m_msi, FLAGS(altp2m_msi, flags, 0),
	FLD(altp2m_msi, data, T_VECTOR), FLD(altp2m_msi, address, T_GPA));
ARGDESC(d_irqfd, altp2m_irqfd, FLAGS(altp2m_irqfd, flags, ALTP2M_IRQFD_DEASSIGN),
	FLD(altp2m_irqfd, fd, T_FD), FLD(altp2m_irqfd, msi_address, T_GPA),
	FLD(altp2m_irqfd, msi_data, T_VECTOR));
ARGDESC(d_cpuid, altp2m_cpuid, FLD(altp2m_cpuid, flags, T_SMALL),
	FLD(altp2m_cpuid, nent, T_LEN),
	PTR(altp2m_cpuid, entries, d_cpuid_entry));
ARGDESC(d_hidden, altp2m_hidden_frames, FLAGS(altp2m_hidden_frames, flags, 0),
	FLD(altp2m_hidden_frames, gfn, T_GFN),
	FLD(altp2m_hidden_frames, nr, T_NPAGES));
ARGDESC(d_vcpu_stats, altp2m_vcpu_stats, FLD(altp2m_vcpu_stats, flags, T_SMALL));
ARGDESC(d_vcpu_events, altp2m_vcpu_events,
	FLAGS(altp2m_vcpu_events, flags, ALTP2M_EVENTS_SET_EVENT |
	    ALTP2M_EVENTS_SET_NMI | ALTP2M_EVENTS_SET_SHADOW |
	    ALTP2M_EVENTS_SET_SIPI),
	FLD(altp2m_vcpu_events, event_valid, T_BOOL),
	FLD(altp2m_vcpu_events, event_type, T_SMALL),
	FLD(altp2m_vcpu_events, event_vector, T_VECTOR),
	FLD(altp2m_vcpu_events, event_has_error, T_BOOL),
	FLD(altp2m_vcpu_events, event_error, T_ANY),
	FLD(altp2m_vcpu_events, event_insn_len, T_SMALL),
	FLD(altp2m_vcpu_events, nmi_pending, T_BOOL),
	FLD(altp2m_vcpu_events, shadow, T_SMALL),
	FLD(altp2m_vcpu_events, sipi_vector, T_VECTOR));
ARGDESC(d_mp_state, altp2m_mp_state, FLAGS(altp2m_mp_state, flags, 0),
	FLD(altp2m_mp_state, state, T_SMALL));
ARGDESC(d_lapic, altp2m_lapic_state, FLD(altp2m_lapic_state, flags, T_SMALL),
	FLD(altp2m_lapic_state, apic_base, T_GPA),
	FLD(altp2m_lapic_state, tsc_deadline, T_ANY),
	FLD(altp2m_lapic_state, regs[0x80], T_ANY),
	FLD(altp2m_lapic_state, regs[0x320], T_ANY),
	FLD(altp2m_lapic_state, regs[0xf0], T_ANY));
ARGDESC(d_exit_counts, altp2m_vcpu_exit_counts,
	FLD(altp2m_vcpu_exit_counts, flags, T_SMALL),
	FLD(altp2m_vcpu_exit_counts, nr, T_COUNT));
ARGDESC(d_mon_attach, altp2m_monitor_attach,
	FLAGS(altp2m_monitor_attach, flags, ALTP2M_MONITOR_DROP_VIEWS),
	FLD(altp2m_monitor_attach, vm_id, T_VMID),
	FLD(altp2m_monitor_attach, ring_entries, T_COUNT));
ARGDESC(d_mon_info, altp2m_monitor_info, FLD(altp2m_monitor_info, flags, T_SMALL));
ARGDESC(d_mon_event_ctl, altp2m_monitor_event_ctl,
	FLAGS(altp2m_monitor_event_ctl, flags, ALTP2M_MON_CTL_ENABLE |
	    ALTP2M_MON_CTL_SYNC | ALTP2M_MON_CTL_ONCHANGE),
	FLD(altp2m_monitor_event_ctl, type, T_EVTYPE),
	FLD(altp2m_monitor_event_ctl, index, T_MSR),
	FLD(altp2m_monitor_event_ctl, mask, T_ANY));
ARGDESC(d_mon_response, altp2m_monitor_response,
	FLAGS(altp2m_monitor_response, flags, ALTP2M_MON_RSP_SWITCH_VIEW |
	    ALTP2M_MON_RSP_SINGLESTEP | ALTP2M_MON_RSP_FAST_SINGLESTEP |
	    ALTP2M_MON_RSP_SET_REGS | ALTP2M_MON_RSP_REINJECT |
	    ALTP2M_MON_RSP_DENY | ALTP2M_MON_RSP_ACCESS),
	FLD(altp2m_monitor_response, vcpu, T_VCPU),
	FLD(altp2m_monitor_response, seq, T_SEQ),
	FLD(altp2m_monitor_response, view, T_VIEW),
	FLD(altp2m_monitor_response, step_view, T_VIEW),
	FLD(altp2m_monitor_response, nr_ops, T_LEN),
	PTR(altp2m_monitor_response, ops, d_batch_op),
	FLD(altp2m_monitor_response, regs.rip, T_GPA));
ARGDESC(d_mon_pause, altp2m_monitor_pause,
	FLAGS(altp2m_monitor_pause, flags, ALTP2M_MON_PAUSE_VCPU),
	FLD(altp2m_monitor_pause, vcpu, T_VCPU));
ARGDESC(d_mon_state, altp2m_monitor_vcpu_state,
	FLAGS(altp2m_monitor_vcpu_state, flags, ALTP2M_MON_STATE_REGS |
	    ALTP2M_MON_STATE_SREGS | ALTP2M_MON_STATE_MSRS),
	FLD(altp2m_monitor_vcpu_state, vcpu, T_VCPU),
	PTR(altp2m_monitor_vcpu_state, regs, d_regs),
	PTR(altp2m_monitor_vcpu_state, sregs, d_sregs),
	PTR(altp2m_monitor_vcpu_state, msrs, d_msrs));
ARGDESC(d_mon_mem, altp2m_monitor_mem,
	FLAGS(altp2m_monitor_mem, flags, ALTP2M_MON_MEM_GVA),
	FLD(altp2m_monitor_mem, vcpu, T_VCPU),
	FLD(altp2m_monitor_mem, view, T_VIEW),
	FLD(altp2m_monitor_mem, addr, T_GPA),
	FLD(altp2m_monitor_mem, len, T_SIZE),
	PTR(altp2m_monitor_mem, buf, d_bytes));
ARGDESC(d_mon_xlate, altp2m_monitor_translate,
	FLAGS(altp2m_monitor_translate, flags, ALTP2M_MON_XLATE_WRITE |
	    ALTP2M_MON_XLATE_USER | ALTP2M_MON_XLATE_FETCH),
	FLD(altp2m_monitor_translate, vcpu, T_VCPU),
	FLD(altp2m_monitor_translate, gva, T_GPA));
ARGDESC(d_mon_bp, altp2m_monitor_breakpoint,
	FLAGS(altp2m_monitor_breakpoint, flags, ALTP2M_MON_BP_ASYNC |
	    ALTP2M_MON_BP_SYNC),
	FLD(altp2m_monitor_breakpoint, id, T_SMALL),
	FLD(altp2m_monitor_breakpoint, gpa, T_GPA),
	FLD(altp2m_monitor_breakpoint, shadow_gfn, T_GFN),
	FLD(altp2m_monitor_breakpoint, exec_view, T_VIEW),
	FLD(altp2m_monitor_breakpoint, clean_view, T_VIEW));
ARGDESC(d_mon_cr3, altp2m_monitor_cr3_table,
	FLAGS(altp2m_monitor_cr3_table, flags, ALTP2M_MON_CR3_ENABLE),
	FLD(altp2m_monitor_cr3_table, default_view, T_VIEW),
	FLD(altp2m_monitor_cr3_table, cr3_mask, T_ANY),
	FLD(altp2m_monitor_cr3_table, nr, T_LEN),
	PTR(altp2m_monitor_cr3_table, entries, d_cr3_view));
ARGDESC(d_mon_stats, altp2m_monitor_stats,
	FLD(altp2m_monitor_stats, flags, T_SMALL),
	FLD(altp2m_monitor_stats, vcpu, T_VCPU));

enum kind { K_DEV, K_VM, K_VCPU, K_MON, K_OTHER, NR_KINDS };

static const char *const kind_name[NR_KINDS] = {
	"dev", "vm", "vcpu", "mon", "other"
};

struct call {
	const char *name;
	unsigned long cmd;
	enum kind kind;
	const struct sdesc *arg;	/* NULL: an integer argument */
	unsigned long get;		/* the GET that seeds a SET, or 0 */
};

#define C(cmd, kind, arg)	{ #cmd, ALTP2M_##cmd, kind, arg, 0 }
#define CG(cmd, kind, arg, get)	{ #cmd, ALTP2M_##cmd, kind, arg, ALTP2M_##get }

static const struct call calls[] = {
	C(GET_API_VERSION, K_DEV, NULL), C(GET_CAPS, K_DEV, &d_caps),
	C(CREATE_VM, K_DEV, &d_create_vm), C(GET_RUN_SIZE, K_DEV, NULL),
	C(GET_SUPPORTED_CPUID, K_DEV, &d_cpuid),
	C(MONITOR_ATTACH, K_DEV, &d_mon_attach),
	C(SET_MEMORY_REGION, K_VM, &d_mem_region),
	C(CREATE_VCPU, K_VM, &d_create_vcpu),
	C(GET_VM_STATS, K_VM, &d_vm_stats),
	C(VIEWS_ENABLE, K_VM, &d_views_enable), C(VIEWS_DISABLE, K_VM, NULL),
	C(CREATE_VIEW, K_VM, &d_view_create),
	C(DESTROY_VIEW, K_VM, &d_view_destroy),
	C(SET_MEM_ACCESS, K_VM, &d_gfn_set),
	C(SET_SUPPRESS_VE, K_VM, &d_gfn_set),
	C(GET_MEM_ACCESS, K_VM, &d_gfn_get),
	C(REMAP_GFN, K_VM, &d_gfn_remap), C(LIST_VIEWS, K_VM, &d_view_list),
	C(DUMP_VIEW, K_VM, &d_view_dump),
	C(SET_VIEW_VISIBILITY, K_VM, &d_visibility),
	C(SWITCH_VIEW, K_VM, &d_switch_view),
	C(GET_VCPU_VIEWS, K_VM, &d_vcpu_views), C(BATCH, K_VM, &d_batch),
	C(GET_VM_STATUS, K_VM, &d_vm_status), C(SIGNAL_MSI, K_VM, &d_msi),
	C(IRQFD, K_VM, &d_irqfd), C(GET_CPUID, K_VM, &d_cpuid),
	CG(SET_CPUID, K_VM, &d_cpuid, GET_CPUID),
	C(ADD_HIDDEN_FRAMES, K_VM, &d_hidden),
	C(REMOVE_HIDDEN_FRAMES, K_VM, &d_hidden),
	C(RUN, K_VCPU, NULL), C(GET_REGS, K_VCPU, &d_regs),
	CG(SET_REGS, K_VCPU, &d_regs, GET_REGS),
	C(GET_SREGS, K_VCPU, &d_sregs),
	CG(SET_SREGS, K_VCPU, &d_sregs, GET_SREGS),
	C(GET_MSRS, K_VCPU, &d_msrs), C(SET_MSRS, K_VCPU, &d_msrs),
	C(GET_VCPU_STATS, K_VCPU, &d_vcpu_stats),
	C(SET_VCPU_VIEW, K_VCPU, &d_vcpu_view),
	C(GET_VCPU_VIEW, K_VCPU, &d_vcpu_view),
	C(SET_VE_PAGE, K_VCPU, &d_ve_page),
	C(GET_VCPU_EVENTS, K_VCPU, &d_vcpu_events),
	CG(SET_VCPU_EVENTS, K_VCPU, &d_vcpu_events, GET_VCPU_EVENTS),
	C(GET_MP_STATE, K_VCPU, &d_mp_state),
	C(SET_MP_STATE, K_VCPU, &d_mp_state),
	C(GET_LAPIC, K_VCPU, &d_lapic),
	CG(SET_LAPIC, K_VCPU, &d_lapic, GET_LAPIC),
	C(GET_VCPU_EXIT_COUNTS, K_VCPU, &d_exit_counts),
	C(MONITOR_GET_INFO, K_MON, &d_mon_info),
	C(MONITOR_SET_EVENT, K_MON, &d_mon_event_ctl),
	C(MONITOR_RESPOND, K_MON, &d_mon_response),
	C(MONITOR_PAUSE, K_MON, &d_mon_pause),
	C(MONITOR_RESUME, K_MON, &d_mon_pause),
	C(MONITOR_GET_VCPU_STATE, K_MON, &d_mon_state),
	C(MONITOR_SET_VCPU_STATE, K_MON, &d_mon_state),
	C(MONITOR_READ_MEM, K_MON, &d_mon_mem),
	C(MONITOR_WRITE_MEM, K_MON, &d_mon_mem),
	C(MONITOR_TRANSLATE, K_MON, &d_mon_xlate),
	C(MONITOR_ADD_BREAKPOINT, K_MON, &d_mon_bp),
	C(MONITOR_REMOVE_BREAKPOINT, K_MON, &d_mon_bp),
	C(MONITOR_GET_BREAKPOINT, K_MON, &d_mon_bp),
	C(MONITOR_SET_CR3_VIEWS, K_MON, &d_mon_cr3),
	C(MONITOR_GET_STATS, K_MON, &d_mon_stats),
};

#define NR_CALLS	(sizeof(calls) / sizeof(calls[0]))

/* How deep the run got: calls made and calls that succeeded, per ioctl. */
static atomic_ulong calls_tried[NR_CALLS], calls_ok[NR_CALLS];
/* Per call, how often each errno came (the last bucket: any larger). */
#define ERRNO_BUCKETS	136
static atomic_ulong calls_err[NR_CALLS][ERRNO_BUCKETS];

/* ------------------------------------------------------------- state */

struct obj {
	int fd;
	enum kind kind;
	bool owned;		/* the fuzzer's: it may close it */
	uint32_t vm_id;
};

struct map {
	void *addr;
	size_t len;
};

struct fuzzer;

struct thr {
	struct fuzzer *fz;
	int idx;
	uint64_t rng;
	pthread_t thread;
	uint8_t *scratch;	/* SCRATCH_SIZE, then an unmapped guard page */
	uint8_t *ro_page;	/* read-only, random content */
	uint8_t *top;		/* arrays of this call go below */
	uint64_t first_len;	/* elements in the call's first array */
	bool nested;		/* filling a valid-looking array element */
	int nl_fd;
	timer_t timer;
	atomic_ulong calls;
	atomic_int in_call;
	char cur[LOG_LEN];	/* the call in progress, for the watchdog */
	pthread_mutex_t cur_lock;
};

struct fuzzer {
	bool threaded;
	double end;
	/* Guarded by lock; the syscalls on them run outside it. */
	pthread_mutex_t lock;
	struct obj objs[MAX_OBJS];
	unsigned int nobjs;
	struct map maps[MAX_MAPS];
	unsigned int nmaps;
	uint32_t vm_ids[8];
	unsigned int nvm_ids;
	/* The VM whose vCPUs run the guest below. */
	struct vm *vm;
	struct vcpu *vcpus[MAIN_VCPUS];
	struct altp2m_regs reset_regs[MAIN_VCPUS];
	struct altp2m_sregs reset_sregs[MAIN_VCPUS];
	pthread_t vcpu_threads[MAIN_VCPUS];
	atomic_ulong vcpu_runs[MAIN_VCPUS];
	atomic_int vcpu_in_run[MAIN_VCPUS];
	atomic_int stop;
	atomic_int live;	/* threads not yet finished */
	uint64_t watch_gpa;
	uint8_t *pool;		/* memory fuzzed VMs get */
	uint8_t *unmapped;	/* a page that is not mapped */
	uint16_t family;
	/* Failures seen; the test fails if any. */
	atomic_int failures;
	atomic_ulong eio;
	struct thr thr[MAX_THREADS];
	unsigned int nthr;
	/* The log: the last calls of every thread, in order. */
	pthread_mutex_t log_lock;
	char log[LOG_LINES][LOG_LEN];
	unsigned long log_n;
};

static uint64_t rnd(struct thr *t)
{
	/* xorshift64* */
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return t->rng * 0x2545f4914f6cdd1dULL;
}

/* 0 .. n - 1 */
static uint64_t below(struct thr *t, uint64_t n)
{
	return n ? rnd(t) % n : 0;
}

static bool one_in(struct thr *t, unsigned int n)
{
	return below(t, n) == 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void log_call(struct fuzzer *fz, struct thr *t, const char *fmt, ...)
{
	char *line;
	va_list ap;
	int n;

	pthread_mutex_lock(&fz->log_lock);
	line = fz->log[fz->log_n % LOG_LINES];
	n = snprintf(line, LOG_LEN, "%lu t%d ", fz->log_n, t->idx);
	va_start(ap, fmt);
	vsnprintf(line + n, LOG_LEN - n, fmt, ap);
	va_end(ap);
	fz->log_n++;
	pthread_mutex_unlock(&fz->log_lock);
}

static void print_log(struct fuzzer *fz)
{
	unsigned long i = fz->log_n > LOG_LINES ? fz->log_n - LOG_LINES : 0;

	printf("# the last %lu calls:\n", fz->log_n - i);
	for (; i < fz->log_n; i++)
		printf("#   %s\n", fz->log[i % LOG_LINES]);
	fflush(stdout);
}

static void fail(struct fuzzer *fz, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&fz->log_lock);
	printf("# FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (atomic_fetch_add(&fz->failures, 1) < 3)
		print_log(fz);
	pthread_mutex_unlock(&fz->log_lock);
}

/* The call in progress, for the watchdog. */
static void begin(struct thr *t, const char *what)
{
	pthread_mutex_lock(&t->cur_lock);
	snprintf(t->cur, sizeof(t->cur), "%s", what);
	pthread_mutex_unlock(&t->cur_lock);
	atomic_store(&t->in_call, 1);
}

static void end(struct thr *t)
{
	atomic_store(&t->in_call, 0);
	atomic_fetch_add(&t->calls, 1);
}

/* Errnos a caller can act on; anything else is a failure. */
static bool errno_ok(int err, unsigned long cmd)
{
	switch (err) {
	case EINVAL: case EFAULT: case ENOENT: case EBUSY: case EEXIST:
	case ENOMEM: case ENOSPC: case E2BIG: case ERANGE: case EPERM:
	case EACCES: case ENOTTY: case EBADF: case EAGAIN: case EINTR:
	case ENXIO: case ENODEV: case EOPNOTSUPP: case EOVERFLOW:
	case ESRCH: case ENOBUFS: case EMFILE: case ENFILE: case ESTALE:
	case EALREADY: case ENODATA: case EBADFD: case ENOTCONN:
	case ECANCELED: case ETIMEDOUT: case EMSGSIZE: case ENOEXEC:
	case ECHILD: case EDEADLK: case EPIPE: case ESHUTDOWN:
		return true;
	case EIO:
		return cmd == ALTP2M_RUN;
	default:
		return false;
	}
}

/* ------------------------------------------------------------- values */

static uint64_t guest_pages(struct fuzzer *fz)
{
	return fz->vm->ram_size / PAGE_SIZE;
}

static uint64_t val_gfn(struct thr *t)
{
	struct fuzzer *fz = t->fz;
	uint64_t end = guest_pages(fz);

	switch (below(t, 10)) {
	case 0: case 1: case 2:
		return fz->watch_gpa / PAGE_SIZE + below(t, WATCH_PAGES);
	case 3: case 4:
		return below(t, end);
	case 5:
		return end - 1 + below(t, 3);
	case 6:
		return ALTP2M_GFN_INVALID - below(t, 2);
	case 7:
		return (1ULL << (40 + below(t, 13))) - below(t, 2);
	case 8:
		return MMIO_GPA / PAGE_SIZE + below(t, 4);
	default:
		return rnd(t);
	}
}

static uint64_t val_any(struct thr *t)
{
	static const uint64_t v[] = {
		0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff,
		0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
		0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL,
		0xfee00000, 0xfee00900, 0x80050033, 0x6a0, 0x500,
	};

	switch (below(t, 4)) {
	case 0: case 1:
		return v[below(t, sizeof(v) / sizeof(v[0]))];
	case 2:
		return 1ULL << below(t, 64);
	default:
		return rnd(t);
	}
}

static uint64_t val_count(struct thr *t)
{
	static const uint64_t v[] = {
		0, 1, 2, 3, 16, 63, 64, 65, 255, 256, 511, 512, 4096, 4097,
		ALTP2M_GFN_LIST_MAX, ALTP2M_GFN_LIST_MAX + 1,
		ALTP2M_BATCH_MAX_OPS + 1, 0x7fffffff, 0xffffffff,
	};

	if (below(t, 3))
		return below(t, 40);
	return v[below(t, sizeof(v) / sizeof(v[0]))];
}

static uint64_t val_hva(struct thr *t)
{
	struct fuzzer *fz = t->fz;

	switch (below(t, 10)) {
	case 0: case 1: case 2: case 3:
		return (uintptr_t)fz->pool + below(t, POOL_CHUNKS) * POOL_SIZE;
	case 4:
		return (uintptr_t)fz->pool + below(t, POOL_CHUNKS * POOL_SIZE);
	case 5:
		return (uintptr_t)fz->unmapped;
	case 6:
		return (uintptr_t)t->ro_page;
	case 7:
		return (uintptr_t)fz->vm->ram;
	case 8:
		return 0xffff888000000000ULL;
	default:
		return val_any(t);
	}
}

static uint64_t val_size(struct thr *t)
{
	switch (below(t, 6)) {
	case 0:
		return 0;
	case 1: case 2:
		return (below(t, 2 * POOL_SIZE / PAGE_SIZE) + 1) * PAGE_SIZE;
	case 3:
		return POOL_SIZE;
	case 4:
		return below(t, 0x3000);
	default:
		return val_any(t);
	}
}

static int any_fd(struct thr *t, enum kind want);

/*
 * Inside arrays: values an operation takes, so that one bad element in
 * forty does not make every batch fail.
 */
static uint64_t plausible(struct thr *t, const struct fdesc *f)
{
	switch (f->type) {
	case T_FLAGS:
		return 0;
	case T_OP:
		return ALTP2M_BATCH_SET_ACCESS + below(t, 3);
	case T_VIEW:
		return one_in(t, 2) ? 0 : below(t, 3);
	case T_NPAGES:
		return 1 + below(t, 4);
	case T_ACCESS:
		return below(t, ALTP2M_ACCESS_RWX + 1);
	case T_GFN:
		return t->fz->watch_gpa / PAGE_SIZE + below(t, WATCH_PAGES);
	default:
		return below(t, 4);
	}
}

static uint64_t value(struct thr *t, const struct fdesc *f)
{
	struct fuzzer *fz = t->fz;

	if (t->nested)
		return plausible(t, f);
	/* Zero is what most fields must be for the call to go deeper. */
	if ((f->type == T_ANY || f->type == T_SMALL || f->type == T_MSR) &&
	    one_in(t, 3))
		return 0;
	switch (f->type) {
	case T_FLAGS:
		if (below(t, 4))
			return rnd(t) & f->mask;
		return one_in(t, 2) ? 1ULL << below(t, f->size * 8) : rnd(t);
	case T_VIEW:	/* view 0 always exists: a third of the time */
		switch (below(t, 6)) {
		case 0: case 1:
			return 0;
		case 2:
			return below(t, 4);
		case 3:
			return ALTP2M_MAX_VIEWS - 1 + below(t, 2);
		case 4:
			return 0xffff + below(t, 2);
		default:
			return one_in(t, 2) ? ~0ULL : rnd(t);
		}
	case T_VCPU:
		switch (below(t, 4)) {
		case 0: case 1:
			return below(t, MAIN_VCPUS + 1);
		case 2:
			return ALTP2M_MAX_VCPUS - 1 + below(t, 2);
		default:
			return one_in(t, 2) ? ~0ULL : rnd(t);
		}
	case T_GFN:
		return val_gfn(t);
	case T_GPA:
		if (below(t, 4))
			return val_gfn(t) * PAGE_SIZE +
			       (one_in(t, 3) ? below(t, PAGE_SIZE) : 0);
		return val_any(t);
	case T_NPAGES:
		if (below(t, 3))
			return below(t, WATCH_PAGES) + 1;
		return val_count(t);
	case T_COUNT: case T_LEN:
		return val_count(t);
	case T_ACCESS:
		if (below(t, 6))
			return below(t, ALTP2M_ACCESS_DEFAULT + 1);
		return val_any(t);
	case T_BOOL:
		return one_in(t, 8) ? val_any(t) : below(t, 2);
	case T_SMALL:
		return one_in(t, 3) ? val_any(t) : below(t, 8);
	case T_HVA:
		return val_hva(t);
	case T_SIZE:
		return val_size(t);
	case T_VMID:
		pthread_mutex_lock(&fz->lock);
		if (fz->nvm_ids && below(t, 4)) {
			uint32_t id = fz->vm_ids[below(t, fz->nvm_ids)];

			pthread_mutex_unlock(&fz->lock);
			return id;
		}
		pthread_mutex_unlock(&fz->lock);
		return one_in(t, 2) ? below(t, 8) : val_any(t);
	case T_FD:	/* irqfd: an eventfd, mostly */
		return one_in(t, 4) ? val_any(t) :
		       (uint64_t)any_fd(t, below(t, 3) ? K_OTHER : NR_KINDS);
	case T_MSR:
		switch (below(t, 4)) {
		case 0:
			return below(t, 0x40);
		case 1:
			return 0x170 + below(t, 0x10);
		case 2:
			return 0xc0000080 + below(t, 0x10);
		default:
			return val_any(t);
		}
	case T_SLOT:
		return one_in(t, 4) ? val_any(t) :
		       below(t, ALTP2M_MAX_MEM_SLOTS + 1);
	case T_MODE:
		return one_in(t, 4) ? val_any(t) : below(t, 4);
	case T_EVTYPE:
		return one_in(t, 4) ? val_any(t) : below(t, ALTP2M_MON_EV_NR + 1);
	case T_SEQ:
		return one_in(t, 2) ? below(t, 64) : val_any(t);
	case T_OP:
		return one_in(t, 4) ? val_any(t) : below(t, 5);
	case T_VECTOR:
		return one_in(t, 4) ? val_any(t) : below(t, 256);
	default:
		return val_any(t);
	}
}

static void put_field(void *buf, const struct fdesc *f, uint64_t v)
{
	memcpy((char *)buf + f->off, &v, f->size);	/* little-endian */
}

static void fill(struct thr *t, void *buf, const struct sdesc *d,
		 unsigned int depth, uint64_t *bad_flags);

/*
 * A pointer field: mostly an array of typed elements; the first of a call
 * ends where the scratch area's guard page begins (so a count larger than
 * what was filled faults there), the next ones below it. Else a pointer
 * nothing may follow.
 */
static uint64_t pointer(struct thr *t, const struct sdesc *e,
			unsigned int depth, uint8_t *low)
{
	struct fuzzer *fz = t->fz;
	uint8_t *guard = t->scratch + SCRATCH_SIZE, *p;
	uint64_t n, i;

	switch (below(t, 12)) {
	case 0:
		return 0;
	case 1:
		return (uintptr_t)fz->unmapped;
	case 2:
		return (uintptr_t)t->ro_page;
	case 3:
		return 0xffff888000000000ULL + below(t, 1 << 20) * 8;
	case 4:
		return (uintptr_t)guard - PAGE_SIZE + below(t, PAGE_SIZE);
	default:
		break;
	}
	n = below(t, 4) ? below(t, 40) + 1 : below(t, 2000) + 1;
	if (n * e->size > (uint64_t)(t->top - low))
		n = (t->top - low) / e->size;
	p = t->top - n * e->size;
	t->top = (uint8_t *)((uintptr_t)p & ~7UL);
	if (!t->first_len)
		t->first_len = n;
	/* Elements valid-looking as a whole, but one in eight. */
	for (i = 0; depth < 2 && i < n; i++) {
		t->nested = !one_in(t, 8);
		fill(t, p + i * e->size, e, depth + 1, NULL);
	}
	t->nested = false;
	return (uintptr_t)p;
}

/* Typed values in @d's fields; zero or the odd random byte elsewhere. */
static void fill(struct thr *t, void *buf, const struct sdesc *d,
		 unsigned int depth, uint64_t *bad_flags)
{
	uint8_t *low = t->scratch + SCRATCH_SIZE / 2;
	unsigned int i;

	for (i = 0; i < d->nf; i++) {
		const struct fdesc *f = &d->f[i];
		uint64_t v;

		if (f->type == T_PTR) {
			v = pointer(t, f->elem, depth, low);
		} else {
			v = value(t, f);
			if (f->type == T_FLAGS && bad_flags && f->size == 4 &&
			    (v & 0xffffffffULL & ~f->mask))
				*bad_flags = v & ~f->mask;
		}
		put_field(buf, f, v);
	}
	/* The count of the array that came with it, mostly. */
	for (i = 0; !depth && i < d->nf; i++)
		if (d->f[i].type == T_LEN && t->first_len && below(t, 3))
			put_field(buf, &d->f[i], t->first_len);
	/* Reserved and padding: now and then not zero. */
	if (d->size > 1 && !t->nested && one_in(t, 16))
		((uint8_t *)buf)[below(t, d->size)] = rnd(t);
}

/* ------------------------------------------------------------- objects */

static void add_obj(struct fuzzer *fz, int fd, enum kind kind, bool owned,
		    uint32_t vm_id)
{
	pthread_mutex_lock(&fz->lock);
	if (fz->nobjs < MAX_OBJS) {
		fz->objs[fz->nobjs++] = (struct obj){ fd, kind, owned, vm_id };
		fd = -1;
	}
	if (kind == K_VM && fz->nvm_ids < 8)
		fz->vm_ids[fz->nvm_ids++] = vm_id;
	pthread_mutex_unlock(&fz->lock);
	if (fd >= 0)
		close(fd);	/* no room: not the fuzzer's to keep */
}

/*
 * A fd of kind @want (NR_KINDS: any), or sometimes of another kind. Half
 * the time one of the running VM's, which has memory, views and vCPUs in
 * its guest: the fuzzer's own VMs are many and mostly empty.
 */
static int any_fd(struct thr *t, enum kind want)
{
	struct fuzzer *fz = t->fz;
	unsigned int i, n = 0, pick[MAX_OBJS];
	bool main_only = want != NR_KINDS && one_in(t, 2);
	int fd = -1;

	pthread_mutex_lock(&fz->lock);
	for (i = 0; i < fz->nobjs; i++)
		if ((want == NR_KINDS || fz->objs[i].kind == want) &&
		    (!main_only || !fz->objs[i].owned))
			pick[n++] = i;
	if (!n && main_only)
		for (i = 0; i < fz->nobjs; i++)
			if (fz->objs[i].kind == want)
				pick[n++] = i;
	if (n && !one_in(t, 12))
		fd = fz->objs[pick[below(t, n)]].fd;
	else if (fz->nobjs)
		fd = fz->objs[below(t, fz->nobjs)].fd;
	pthread_mutex_unlock(&fz->lock);
	if (fd < 0 || one_in(t, 40))
		fd = one_in(t, 2) ? -1 : 1000;
	return fd;
}

/* Close the fuzzer's own objects (not the running VM's). */
static void close_owned(struct fuzzer *fz)
{
	unsigned int i, j = 0;

	for (i = 0; i < fz->nobjs; i++) {
		if (fz->objs[i].owned)
			close(fz->objs[i].fd);
		else
			fz->objs[j++] = fz->objs[i];
	}
	fz->nobjs = j;
	for (i = 0; i < fz->nmaps; i++)
		munmap(fz->maps[i].addr, fz->maps[i].len);
	fz->nmaps = 0;
}

/* ------------------------------------------------------------- guest */

static void guest_vmcall(uint64_t nr, uint64_t a, uint64_t b, uint64_t c)
{
	__asm__ volatile("vmcall" : "+a"(nr) : "b"(a), "c"(b), "d"(c)
			 : "memory");
}

/*
 * Hypercalls (altp2m's and others), port I/O, MMIO, VMFUNC and writes to
 * the watched pages, forever. An exception ends in the library's handler
 * (a ucall, then HLT): the host starts the guest again.
 */
static void guest_code(uint64_t seed, uint64_t watch, uint64_t npages)
{
	uint64_t x = seed | 1, r, view, gfn;
	uint64_t *p;

	for (;;) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		r = x >> 8;
		/* Mostly views that may exist, sometimes any index. */
		view = r & 0x80 ? r >> 24 : r & 7;
		gfn = watch / PAGE_SIZE + ((r >> 3) % (npages + 2));
		switch (r % 11) {
		case 0: case 1:
			guest_vmcall(ALTP2M_HC_BASE + (r >> 4) % (ALTP2M_HC_NR + 1),
				     view, gfn, (r >> 12) % 12);
			break;
		case 2:
			guest_vmcall(r >> 20, r, r >> 1, r >> 2);
			break;
		case 3:
			if (r & 0x100) {
				/* rep outsb/insb of up to a page of the watched */
				uint64_t c = (r >> 9) % 5000, d = watch;

				if (r & 0x200)
					__asm__ volatile("rep outsb"
							 : "+S"(d), "+c"(c)
							 : "d"(0x80) : "memory");
				else
					__asm__ volatile("rep insb"
							 : "+D"(d), "+c"(c)
							 : "d"(0x80) : "memory");
				break;
			}
			__asm__ volatile("outb %%al, %%dx"
					 : : "a"(r), "d"(0x80 + (r >> 4) % 0x40));
			break;
		case 4:
			p = (uint64_t *)(MMIO_GPA + ((r >> 6) & 0xff8));
			if (r & 32)
				__atomic_store_n(p, r, __ATOMIC_RELAXED);
			else
				r = __atomic_load_n(p, __ATOMIC_RELAXED);
			break;
		case 5:
			if (((r >> 4) & 0xf) == 0)
				__asm__ volatile("vmfunc" : : "a"(0), "c"(view)
						 : "memory");
			break;
		default:
			p = (uint64_t *)(watch +
				((r >> 3) % npages) * PAGE_SIZE +
				((r >> 16) & 0xff8));
			if (r & 1)
				__atomic_store_n(p, r, __ATOMIC_RELAXED);
			else
				r = __atomic_load_n(p, __ATOMIC_RELAXED);
			break;
		}
	}
}

static void reset_vcpu(struct fuzzer *fz, int i)
{
	struct vcpu *v = fz->vcpus[i];

	/* Errors are fine: the fuzzer may have changed anything. */
	__vcpu_ioctl(v, ALTP2M_SET_SREGS, &fz->reset_sregs[i]);
	__vcpu_ioctl(v, ALTP2M_SET_REGS, &fz->reset_regs[i]);
}

/*
 * The slice timer of a RUN: SIGUSR1 every SLICE_MS until disarmed. Not
 * once: a thread preempted between arming and the ioctl takes that one
 * signal in user space, and a RUN that then sleeps (a halted vCPU, or one
 * waiting for a SIPI) would hold the vCPU's lock until the watchdog.
 */
#define SLICE_TIMER { .it_value.tv_nsec = SLICE_MS * 1000000L,		\
		      .it_interval.tv_nsec = SLICE_MS * 1000000L }

/* One RUN of a main vCPU; its exit decides whether the guest restarts. */
static void run_main_vcpu(struct fuzzer *fz, struct thr *t, int i)
{
	struct vcpu *v = fz->vcpus[i];
	struct itimerspec its = SLICE_TIMER;
	bool restart = false;
	int ret, err;

	timer_settime(t->timer, 0, &its, NULL);
	atomic_store(&fz->vcpu_in_run[i], 1);
	ret = _vcpu_run(v);
	err = errno;
	atomic_store(&fz->vcpu_in_run[i], 0);
	atomic_fetch_add(&fz->vcpu_runs[i], 1);
	its.it_value.tv_nsec = 0;
	timer_settime(t->timer, 0, &its, NULL);
	if (ret) {
		if (err == EIO) {
			atomic_fetch_add(&fz->eio, 1);
			restart = true;
		} else if (!errno_ok(err, ALTP2M_RUN)) {
			fail(fz, "RUN of vCPU %d: errno %d (%s)", i, err,
			     strerror(err));
		}
	} else {
		if (!vcpu_exit_sane(v->run, fz->vm->run_size))
			fail(fz, "vCPU %d: bad exit %u: io %u x %u at %llu, mmio %u",
			     i, v->run->exit_reason, v->run->io.count,
			     v->run->io.size,
			     (unsigned long long)v->run->io.data_offset,
			     v->run->mmio.len);
		switch (v->run->exit_reason) {
		case ALTP2M_EXIT_IO:
			restart = v->run->io.port == UCALL_PORT;
			break;
		case ALTP2M_EXIT_HLT: case ALTP2M_EXIT_SHUTDOWN:
		case ALTP2M_EXIT_FAIL_ENTRY: case ALTP2M_EXIT_INTERNAL_ERROR:
		case ALTP2M_EXIT_UNKNOWN: case ALTP2M_EXIT_EPT_MISCONFIG:
			restart = true;
			break;
		case ALTP2M_EXIT_VIEW_VIOLATION:
			/* The guest would fault there forever. */
			restart = one_in(t, 4);
			break;
		default:
			break;
		}
	}
	if (restart)
		reset_vcpu(fz, i);
}

struct vcpu_arg {
	struct fuzzer *fz;
	int i;
};

static void on_slice(int sig)
{
	(void)sig;	/* only makes a blocking call return EINTR */
}

static void make_timer(struct thr *t)
{
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID,
				.sigev_signo = SIGUSR1 };

	sev._sigev_un._tid = syscall(SYS_gettid);
	TEST_ASSERT(!timer_create(CLOCK_MONOTONIC, &sev, &t->timer),
		    "timer_create");
}

static void *vcpu_thread(void *arg)
{
	struct vcpu_arg *a = arg;
	struct fuzzer *fz = a->fz;
	struct thr t = { .fz = fz, .idx = 10 + a->i, .rng = a->i + 1 };

	make_timer(&t);
	while (!atomic_load(&fz->stop))
		run_main_vcpu(fz, &t, a->i);
	timer_delete(t.timer);
	atomic_fetch_sub(&fz->live, 1);
	return NULL;
}

/* ------------------------------------------------------------- netlink */

static void nl_drain(int fd)
{
	static __thread char buf[16384];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

static uint16_t nl_family(int fd)
{
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		char attrs[64];
	} req = { 0 };
	struct nlattr *a = (struct nlattr *)req.attrs, *tb[CTRL_ATTR_MAX + 1];
	char buf[8192];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	int n;

	a->nla_type = CTRL_ATTR_FAMILY_NAME;
	a->nla_len = NLA_HDRLEN + sizeof(ALTP2M_GENL_NAME);
	memcpy(req.attrs + NLA_HDRLEN, ALTP2M_GENL_NAME,
	       sizeof(ALTP2M_GENL_NAME));
	req.n.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + NLA_ALIGN(a->nla_len);
	req.n.nlmsg_type = GENL_ID_CTRL;
	req.n.nlmsg_flags = NLM_F_REQUEST;
	req.g.cmd = CTRL_CMD_GETFAMILY;
	req.g.version = 1;
	if (send(fd, &req, req.n.nlmsg_len, 0) < 0)
		return 0;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < (int)NLMSG_HDRLEN || h->nlmsg_type != GENL_ID_CTRL)
		return 0;
	parse_attrs(tb, CTRL_ATTR_MAX, buf + NLMSG_HDRLEN + GENL_HDRLEN,
		    h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN);
	nl_drain(fd);
	return tb[CTRL_ATTR_FAMILY_ID] ?
	       *(uint16_t *)nla_data(tb[CTRL_ATTR_FAMILY_ID]) : 0;
}

struct nlbuf {
	char b[4096];
	int len;
};

static struct nlattr *nl_put(struct nlbuf *m, uint16_t type, const void *data,
			     int len)
{
	struct nlattr *a = (struct nlattr *)(m->b + m->len);

	if (m->len + NLA_HDRLEN + NLA_ALIGN(len) > (int)sizeof(m->b))
		return NULL;
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy(m->b + m->len + NLA_HDRLEN, data, len);
	m->len += NLA_HDRLEN + NLA_ALIGN(len);
	return a;
}

/* An attribute of the type's width, or now and then another width. */
static void nl_put_typed(struct thr *t, struct nlbuf *m, uint16_t type,
			 int width, uint64_t v)
{
	if (one_in(t, 20))
		width = below(t, 17);
	nl_put(m, type, &v, width > 8 ? 8 : width);
}

static void nl_attr(struct thr *t, struct nlbuf *m, unsigned int depth)
{
	static const struct fdesc f_view = { 0, 4, T_VIEW, NULL, 0 },
		f_vcpu = { 0, 4, T_VCPU, NULL, 0 },
		f_acc = { 0, 1, T_ACCESS, NULL, 0 },
		f_np = { 0, 8, T_NPAGES, NULL, 0 },
		f_mode = { 0, 4, T_MODE, NULL, 0 },
		f_vmid = { 0, 4, T_VMID, NULL, 0 };
	uint16_t type = below(t, ALTP2M_A_MAX + 2);
	struct nlattr *nest;
	int start, i, n;

	switch (type) {
	case ALTP2M_A_VM_ID:
		nl_put_typed(t, m, type, 4, value(t, &f_vmid));
		break;
	case ALTP2M_A_VIEW: case ALTP2M_A_MAX_VIEWS:
		nl_put_typed(t, m, type, 4, value(t, &f_view));
		break;
	case ALTP2M_A_VCPU:
		nl_put_typed(t, m, type, 4, value(t, &f_vcpu));
		break;
	case ALTP2M_A_MODE:
		nl_put_typed(t, m, type, 4, value(t, &f_mode));
		break;
	case ALTP2M_A_GFN: case ALTP2M_A_TARGET:
		nl_put_typed(t, m, type, 8, val_gfn(t));
		break;
	case ALTP2M_A_NPAGES:
		nl_put_typed(t, m, type, 8, value(t, &f_np));
		break;
	case ALTP2M_A_ACCESS: case ALTP2M_A_DEFAULT_ACCESS:
		nl_put_typed(t, m, type, 1, value(t, &f_acc));
		break;
	case ALTP2M_A_SVE: case ALTP2M_A_VISIBLE: case ALTP2M_A_VIEWS_ENABLED:
		nl_put_typed(t, m, type, 1, below(t, 3));
		break;
	case ALTP2M_A_TXN_ID:
		nl_put_typed(t, m, type, 4, below(t, 20));
		break;
	case ALTP2M_A_ENTRY: case ALTP2M_A_OP:
		if (depth)
			break;
		start = m->len;
		nest = nl_put(m, type | (one_in(t, 4) ? 0 : NLA_F_NESTED),
			      NULL, 0);
		if (!nest)
			break;
		n = below(t, 5);
		for (i = 0; i < n; i++) {
			uint16_t it = below(t, 9);

			if (type == ALTP2M_A_OP && it == ALTP2M_OP_A_TYPE)
				nl_put_typed(t, m, it, 2, below(t, 5));
			else if (it == ALTP2M_OP_A_VIEW &&
				 type == ALTP2M_A_OP)
				nl_put_typed(t, m, it, 4, value(t, &f_view));
			else if (it == ALTP2M_ENTRY_A_ACCESS ||
				 it == ALTP2M_ENTRY_A_SVE ||
				 it == ALTP2M_OP_A_VALUE)
				nl_put_typed(t, m, it, 1, value(t, &f_acc));
			else
				nl_put_typed(t, m, it, 8, val_gfn(t));
		}
		nest->nla_len = m->len - start;
		break;
	default:
		nl_put_typed(t, m, type, 1 << below(t, 4), val_any(t));
		break;
	}
}

static void do_netlink(struct thr *t)
{
	struct fuzzer *fz = t->fz;
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
	} *h;
	static __thread struct nlbuf m;
	static const struct fdesc f_vmid = { 0, 4, T_VMID, NULL, 0 };
	unsigned int i, n;
	uint8_t cmd;
	uint32_t id;
	int ret;

	if (t->nl_fd < 0 || one_in(t, 200)) {
		if (t->nl_fd >= 0)
			close(t->nl_fd);
		t->nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
				  NETLINK_GENERIC);
		if (t->nl_fd < 0)
			return;
	}
	memset(&m, 0, sizeof(m));
	h = (void *)m.b;
	m.len = NLMSG_HDRLEN + GENL_HDRLEN;
	cmd = one_in(t, 10) ? below(t, 256) : below(t, ALTP2M_CMD_MAX + 2);
	h->n.nlmsg_type = one_in(t, 50) ? below(t, 64) : fz->family;
	h->n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
			   (one_in(t, 4) ? NLM_F_DUMP : 0);
	h->g.cmd = cmd;
	h->g.version = one_in(t, 20) ? below(t, 256) : ALTP2M_GENL_VERSION;
	if (below(t, 8)) {
		id = value(t, &f_vmid);
		nl_put(&m, ALTP2M_A_VM_ID, &id, 4);
	}
	n = below(t, 7);
	for (i = 0; i < n; i++)
		nl_attr(t, &m, 0);
	h->n.nlmsg_len = m.len;
	if (one_in(t, 30))	/* a length that lies */
		h->n.nlmsg_len = below(t, m.len + 64);
	log_call(fz, t, "netlink cmd %u flags %#x len %u attrs %u", cmd,
		 h->n.nlmsg_flags, h->n.nlmsg_len, n);
	begin(t, "netlink");
	ret = send(t->nl_fd, m.b, m.len, 0);
	if (ret >= 0)
		nl_drain(t->nl_fd);
	end(t);
}

/* ------------------------------------------------------------- calls */

static const char *ptr_kind(struct thr *t, uint64_t p)
{
	uint8_t *q = (uint8_t *)(uintptr_t)p;

	if (!p)
		return "null";
	if (q == t->fz->unmapped)
		return "unmapped";
	if (q == t->ro_page)
		return "ro";
	if (q >= t->scratch && q <= t->scratch + SCRATCH_SIZE)
		return "scratch";
	return "other";
}

/*
 * Call @ci (NR_CALLS: any) on @fd (-1: one of its kind, mostly); a vCPU
 * field gets @vcpu when it is not negative.
 */
static int do_ioctl_on(struct thr *t, unsigned int ci, int fd, int vcpu)
{
	struct fuzzer *fz = t->fz;
	const struct call *c;
	uint8_t *arg = t->scratch;
	uint64_t bad_flags = 0, argp;
	char desc[LOG_LEN];
	int ret, err, n, i;
	struct itimerspec its = SLICE_TIMER;

	if (ci >= NR_CALLS)
		ci = below(t, NR_CALLS);
	c = &calls[ci];
	if (fd < 0)
		fd = any_fd(t, c->kind);
	if (c->cmd == ALTP2M_RUN && fz->threaded)
		return -1;	/* the vCPU threads run; RUN here would race */
	memset(arg, 0, 4096);
	t->top = t->scratch + SCRATCH_SIZE;
	t->first_len = 0;
	t->nested = false;
	if (c->arg) {
		if (c->get && one_in(t, 2) &&
		    !ioctl(fd, c->get, arg)) {
			/* From a state that passes, a few fields changed. */
			n = below(t, 3) + 1;
			for (i = 0; i < n; i++) {
				const struct fdesc *f =
					&c->arg->f[below(t, c->arg->nf)];

				if (f->type != T_PTR)
					put_field(arg, f, value(t, f));
			}
		} else {
			fill(t, arg, c->arg, 0, &bad_flags);
		}
		/* A range takes no arrays: mostly none then. */
		if (c->arg == &d_gfn_set && below(t, 4) &&
		    !(((struct altp2m_gfn_set *)arg)->flags &
		      ALTP2M_GFN_SET_LIST)) {
			((struct altp2m_gfn_set *)arg)->gfns = 0;
			((struct altp2m_gfn_set *)arg)->values = 0;
		}
		for (i = 0; vcpu >= 0 && i < (int)c->arg->nf; i++)
			if (c->arg->f[i].type == T_VCPU && below(t, 8))
				put_field(arg, &c->arg->f[i], vcpu);
		argp = (uintptr_t)arg;
		switch (below(t, 40)) {
		case 0:
			argp = 0;
			break;
		case 1:
			argp = (uintptr_t)fz->unmapped;
			break;
		case 2:
			argp = (uintptr_t)t->ro_page;
			break;
		default:
			break;
		}
	} else {
		argp = one_in(t, 2) ? 0 : val_any(t);
	}
	n = snprintf(desc, sizeof(desc), "%s(%s fd %d, %s", c->name,
		     kind_name[c->kind], fd, ptr_kind(t, argp));
	if (c->arg && argp == (uintptr_t)arg)
		for (i = 0; i < (int)c->arg->nf && n < (int)sizeof(desc); i++) {
			uint64_t v = 0;

			memcpy(&v, arg + c->arg->f[i].off, c->arg->f[i].size);
			n += snprintf(desc + n, sizeof(desc) - n, " %#llx",
				      (unsigned long long)v);
		}
	log_call(fz, t, "%s)", desc);
	begin(t, desc);
	if (c->cmd == ALTP2M_RUN)
		timer_settime(t->timer, 0, &its, NULL);
	ret = ioctl(fd, c->cmd, (void *)(uintptr_t)argp);
	err = errno;
	if (c->cmd == ALTP2M_RUN) {
		its.it_value.tv_nsec = 0;
		timer_settime(t->timer, 0, &its, NULL);
	}
	end(t);
	atomic_fetch_add(&calls_tried[ci], 1);
	if (ret < 0) {
		atomic_fetch_add(&calls_err[ci][err > 0 && err < ERRNO_BUCKETS ?
						err : ERRNO_BUCKETS - 1], 1);
		if (c->cmd == ALTP2M_RUN && err == EIO)
			atomic_fetch_add(&fz->eio, 1);
		else if (!errno_ok(err, c->cmd))
			fail(fz, "%s: errno %d (%s)", desc, err, strerror(err));
		return ret;
	}
	atomic_fetch_add(&calls_ok[ci], 1);
	if (bad_flags && argp == (uintptr_t)arg) {
		fail(fz, "%s succeeded with undefined flag bits %#llx", desc,
		     (unsigned long long)bad_flags);
	}
	/* New objects join the pool. */
	if (c->cmd == ALTP2M_CREATE_VM)
		add_obj(fz, ret, K_VM, true,
			((struct altp2m_create_vm *)arg)->vm_id);
	else if (c->cmd == ALTP2M_CREATE_VCPU)
		add_obj(fz, ret, K_VCPU, true, 0);
	else if (c->cmd == ALTP2M_MONITOR_ATTACH)
		add_obj(fz, ret, K_MON, true, 0);
	return ret;
}

static void do_ioctl(struct thr *t)
{
	do_ioctl_on(t, NR_CALLS, -1, -1);
}

/*
 * What a monitor does: pause a vCPU, look at and change it, resume it.
 * Most monitor calls need a paused vCPU; a random sequence seldom has
 * the pause before them.
 */
static void do_monitor_session(struct thr *t)
{
	struct altp2m_monitor_pause p = { .flags = ALTP2M_MON_PAUSE_VCPU };
	int fd = any_fd(t, K_MON), ret;
	unsigned int i, n = 1 + below(t, 4), first = NR_CALLS, nmon = 0;

	p.vcpu = below(t, MAIN_VCPUS);
	log_call(t->fz, t, "monitor session fd %d vCPU %u", fd, p.vcpu);
	begin(t, "MONITOR_PAUSE");
	ret = ioctl(fd, ALTP2M_MONITOR_PAUSE, &p);
	end(t);
	if (ret)
		return;
	for (i = 0; i < NR_CALLS; i++)
		if (calls[i].kind == K_MON) {
			if (first == NR_CALLS)
				first = i;
			nmon++;
		}
	for (i = 0; i < n; i++)
		do_ioctl_on(t, first + below(t, nmon), fd, p.vcpu);
	begin(t, "MONITOR_RESUME");
	ioctl(fd, ALTP2M_MONITOR_RESUME, &p);
	end(t);
}

/* Any ALTP2MIO command number, direction and size, on any fd. */
static void do_raw_ioctl(struct thr *t)
{
	unsigned long cmd = _IOC(below(t, 4), ALTP2MIO, below(t, 0x60),
				 one_in(t, 2) ? below(t, 64) * 8 :
				 below(t, 1 << 14));
	int fd = any_fd(t, NR_KINDS), ret, err;

	memset(t->scratch, 0, 4096);
	log_call(t->fz, t, "raw ioctl fd %d cmd %#lx", fd, cmd);
	begin(t, "raw ioctl");
	ret = ioctl(fd, cmd, one_in(t, 4) ? NULL : t->scratch);
	err = errno;
	end(t);
	(void)ret;
	(void)err;
}

static void do_open(struct thr *t)
{
	int fd;

	log_call(t->fz, t, "open " ALTP2M_DEV);
	fd = open(ALTP2M_DEV, O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		add_obj(t->fz, fd, K_DEV, true, 0);
	if (one_in(t, 4)) {
		fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (fd >= 0)
			add_obj(t->fz, fd, K_OTHER, true, 0);
	}
}

static void do_close(struct thr *t)
{
	struct fuzzer *fz = t->fz;
	unsigned int i;
	int fd = -1;

	pthread_mutex_lock(&fz->lock);
	if (fz->nobjs) {
		i = below(t, fz->nobjs);
		if (fz->objs[i].owned) {
			fd = fz->objs[i].fd;
			fz->objs[i] = fz->objs[--fz->nobjs];
		}
	}
	pthread_mutex_unlock(&fz->lock);
	if (fd < 0)
		return;
	log_call(fz, t, "close %d", fd);
	begin(t, "close");
	close(fd);
	end(t);
}

static void do_dup(struct thr *t)
{
	struct fuzzer *fz = t->fz;
	struct obj o = { .fd = -1 };

	pthread_mutex_lock(&fz->lock);
	if (fz->nobjs)
		o = fz->objs[below(t, fz->nobjs)];
	pthread_mutex_unlock(&fz->lock);
	if (o.fd < 0)
		return;
	o.fd = fcntl(o.fd, F_DUPFD_CLOEXEC, 3);
	log_call(fz, t, "dup -> %d", o.fd);
	if (o.fd >= 0)
		add_obj(fz, o.fd, o.kind, true, o.vm_id);
}

static void do_mmap(struct thr *t)
{
	struct fuzzer *fz = t->fz;
	int fd = any_fd(t, below(t, 2) ? K_VCPU : K_MON);
	size_t len;
	off_t off = one_in(t, 8) ? below(t, 8) * PAGE_SIZE : 0;
	int prot = one_in(t, 4) ? PROT_READ : PROT_READ | PROT_WRITE;
	void *p;

	switch (below(t, 4)) {
	case 0:
		len = fz->vm->run_size;
		break;
	case 1:
		len = ALTP2M_MONITOR_RING_HDR +
		      ALTP2M_MONITOR_DEFAULT_RING * ALTP2M_MONITOR_EVENT_SIZE;
		break;
	default:
		len = (below(t, 40) + 1) * PAGE_SIZE;
		break;
	}
	log_call(fz, t, "mmap fd %d len %#zx off %#lx prot %d", fd, len,
		 (long)off, prot);
	begin(t, "mmap");
	p = mmap(NULL, len, prot, one_in(t, 8) ? MAP_PRIVATE : MAP_SHARED, fd,
		 off);
	end(t);
	if (p == MAP_FAILED)
		return;
	pthread_mutex_lock(&fz->lock);
	if (fz->nmaps < MAX_MAPS) {
		fz->maps[fz->nmaps++] = (struct map){ p, len };
		p = NULL;
	}
	pthread_mutex_unlock(&fz->lock);
	if (p)
		munmap(p, len);
}

static void do_munmap(struct thr *t)
{
	struct fuzzer *fz = t->fz;
	struct map m = { NULL, 0 };
	unsigned int i;

	pthread_mutex_lock(&fz->lock);
	if (fz->nmaps) {
		i = below(t, fz->nmaps);
		m = fz->maps[i];
		fz->maps[i] = fz->maps[--fz->nmaps];
	}
	pthread_mutex_unlock(&fz->lock);
	if (!m.addr)
		return;
	log_call(fz, t, "munmap %p len %#zx", m.addr, m.len);
	begin(t, "munmap");
	munmap(m.addr, m.len);
	end(t);
}

/* Where do_touch() goes on when the page it read has no backing. */
static sigjmp_buf touch_env;
static atomic_int touching;

/*
 * Read a mapping (single thread only: another could unmap it). A SIGBUS
 * beyond what the fd backs is the kernel's answer, not a failure.
 */
static void do_touch(struct thr *t)
{
	struct fuzzer *fz = t->fz;
	struct map m;
	uint8_t *p;
	size_t off;

	if (fz->threaded || !fz->nmaps)
		return;
	m = fz->maps[below(t, fz->nmaps)];
	off = below(t, m.len);
	p = (uint8_t *)m.addr + off;
	log_call(fz, t, "touch %p+%#zx", m.addr, off);
	if (!sigsetjmp(touch_env, 1)) {
		atomic_store(&touching, 1);
		(void)__atomic_load_n(p, __ATOMIC_RELAXED);
	}
	atomic_store(&touching, 0);
}

static void do_poll_read(struct thr *t)
{
	struct pollfd pfd = { .fd = any_fd(t, K_MON), .events = POLLIN };
	char buf[1024];
	int n = below(t, sizeof(buf) + 1);

	log_call(t->fz, t, "poll+read fd %d len %d", pfd.fd, n);
	begin(t, "poll+read");
	if (poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN))
		(void)!read(pfd.fd, buf, n);
	end(t);
}

static void do_run_inline(struct thr *t)
{
	struct fuzzer *fz = t->fz;
	int i = below(t, MAIN_VCPUS);
	char what[32];

	if (fz->threaded)
		return;
	snprintf(what, sizeof(what), "RUN main vCPU %d", i);
	log_call(fz, t, "%s", what);
	begin(t, what);
	run_main_vcpu(fz, t, i);
	end(t);
}

static void one_call(struct thr *t)
{
	unsigned int r = below(t, 100);

	if (r < 50)
		do_ioctl(t);
	else if (r < 53)
		do_raw_ioctl(t);
	else if (r < 55)
		do_monitor_session(t);
	else if (r < 57)
		do_open(t);
	else if (r < 60)
		do_close(t);
	else if (r < 61)
		do_dup(t);
	else if (r < 65)
		do_mmap(t);
	else if (r < 68)
		do_munmap(t);
	else if (r < 70)
		do_touch(t);
	else if (r < 72)
		do_poll_read(t);
	else if (r < 85)
		do_netlink(t);
	else
		do_run_inline(t);
}

static void *fuzz_thread(void *arg)
{
	struct thr *t = arg;

	make_timer(t);
	while (!atomic_load(&t->fz->stop))
		one_call(t);
	timer_delete(t->timer);
	atomic_fetch_sub(&t->fz->live, 1);
	return NULL;
}

/* ------------------------------------------------------------- setup */

static void setup_thr(struct fuzzer *fz, struct thr *t, int idx,
		      uint64_t seed)
{
	uint8_t *p;
	uint64_t i;

	t->fz = fz;
	t->idx = idx;
	t->rng = (seed ^ (0x9e3779b97f4a7c15ULL * (idx + 1))) | 1;
	t->nl_fd = -1;
	pthread_mutex_init(&t->cur_lock, NULL);
	p = mmap(NULL, SCRATCH_SIZE + 2 * PAGE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	TEST_ASSERT(p != MAP_FAILED, "scratch");
	t->scratch = p;
	TEST_ASSERT(!mprotect(p + SCRATCH_SIZE, PAGE_SIZE, PROT_NONE), "guard");
	t->ro_page = p + SCRATCH_SIZE + PAGE_SIZE;
	for (i = 0; i < PAGE_SIZE / 8; i++)
		((uint64_t *)t->ro_page)[i] = i & 1 ? below(t, 0x2000) :
					      rnd(t) & 0xff;
	TEST_ASSERT(!mprotect(t->ro_page, PAGE_SIZE, PROT_READ), "ro page");
}

static void free_thr(struct thr *t)
{
	munmap(t->scratch, SCRATCH_SIZE + 2 * PAGE_SIZE);
	if (t->nl_fd >= 0)
		close(t->nl_fd);
}

/* The VM whose guest runs while the fuzzer calls. */
static void main_vm_create(struct fuzzer *fz, struct thr *t)
{
	int i;

	/* Half the time with local APICs: MSIs and irqfds need them. */
	fz->vm = one_in(t, 2) ? vm_create_lapic() : vm_create(0);
	fz->watch_gpa = vm_alloc(fz->vm, WATCH_PAGES * PAGE_SIZE, PAGE_SIZE);
	for (i = 0; i < MAIN_VCPUS; i++) {
		fz->vcpus[i] = vcpu_add(fz->vm, i, guest_code);
		vcpu_args_set(fz->vcpus[i], 3, rnd(t), fz->watch_gpa,
			      (uint64_t)WATCH_PAGES);
		vcpu_regs_get(fz->vcpus[i], &fz->reset_regs[i]);
		vcpu_sregs_get(fz->vcpus[i], &fz->reset_sregs[i]);
	}
	/* Views on, most of the time, so that view calls go deep. */
	if (below(t, 4))
		__vm_views_enable(fz->vm, 8);
	add_obj(fz, fz->vm->dev_fd, K_DEV, false, 0);
	add_obj(fz, fz->vm->fd, K_VM, false, fz->vm->id);
	for (i = 0; i < MAIN_VCPUS; i++)
		add_obj(fz, fz->vcpus[i]->fd, K_VCPU, false, 0);
}

static void fuzz_seed_get(uint64_t *seed)
{
	const char *env = getenv("ALTP2M_FUZZ_SEED");

	if (env && *env)
		*seed = strtoull(env, NULL, 0);
	else
		*seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
}

static double env_seconds(const char *name, double def)
{
	const char *env = getenv(name);

	return env && *env ? atof(env) : def;
}

/*
 * Kernel reports in the log so far (what the runner's kernel-log-clean
 * check looks for); @last gets the newest one's line.
 */
static int kernel_reports(char *last, size_t len)
{
	static const char *const pat[] = {
		"WARNING:", "BUG:", "KASAN", "Oops", "general protection",
		"possible circular", "UBSAN", "kernel BUG",
	};
	static char log[1 << 18];
	int n = klogctl(3, log, sizeof(log) - 1);	/* SYSLOG_ACTION_READ_ALL */
	int count = 0;
	unsigned int i;
	char *p;

	if (n <= 0)
		return 0;
	log[n] = 0;
	for (i = 0; i < sizeof(pat) / sizeof(pat[0]); i++)
		for (p = strstr(log, pat[i]); p; p = strstr(p + 1, pat[i])) {
			count++;
			if (last)
				snprintf(last, len, "%.*s",
					 (int)strcspn(p, "\n"), p);
		}
	return count;
}

/*
 * A hang: what every fuzzing thread is in, and where each thread of the
 * process sleeps in the kernel (one stuck call usually waits on another).
 */
static void dump_threads(struct fuzzer *fz)
{
	struct dirent *d;
	char path[64];
	unsigned int i;
	DIR *dir;

	for (i = 0; i < fz->nthr; i++) {
		pthread_mutex_lock(&fz->thr[i].cur_lock);
		printf("# thread %u %s: %s\n", i,
		       atomic_load(&fz->thr[i].in_call) ? "in" : "after",
		       fz->thr[i].cur);
		pthread_mutex_unlock(&fz->thr[i].cur_lock);
	}
	for (i = 0; fz->threaded && i < MAIN_VCPUS; i++)
		printf("# vCPU %u: %s RUN\n", i,
		       atomic_load(&fz->vcpu_in_run[i]) ? "in" : "not in");
	dir = opendir("/proc/self/task");
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%.16s/stack",
			 d->d_name);
		test_diag_file(path);
	}
	closedir(dir);
	/* Before the _exit() that follows. */
	fflush(stdout);
}

/* The main thread: watch that no call hangs. */
static void watchdog(struct fuzzer *fz)
{
	unsigned long last[MAX_THREADS + MAIN_VCPUS] = { 0 };
	double since[MAX_THREADS + MAIN_VCPUS], limit;
	unsigned int i, n = fz->nthr;
	int reports = kernel_reports(NULL, 0);
	char line[160];

	limit = env_seconds("ALTP2M_FUZZ_WATCHDOG", WATCHDOG_S);
	for (i = 0; i < MAX_THREADS + MAIN_VCPUS; i++)
		since[i] = now();
	while (atomic_load(&fz->live)) {
		usleep(250000);
		if (now() >= fz->end)
			atomic_store(&fz->stop, 1);
		if (kernel_reports(line, sizeof(line)) > reports) {
			reports = kernel_reports(NULL, 0);
			fail(fz, "the kernel logged: %s", line);
		}
		for (i = 0; i < n + (fz->threaded ? MAIN_VCPUS : 0); i++) {
			unsigned long c;
			int busy;

			if (i < n) {
				c = atomic_load(&fz->thr[i].calls);
				busy = atomic_load(&fz->thr[i].in_call);
			} else {
				c = atomic_load(&fz->vcpu_runs[i - n]);
				busy = atomic_load(&fz->vcpu_in_run[i - n]);
			}
			if (c != last[i] || !busy) {
				last[i] = c;
				since[i] = now();
				continue;
			}
			if (now() - since[i] < limit)
				continue;
			pthread_mutex_lock(&fz->log_lock);
			if (i < n) {
				pthread_mutex_lock(&fz->thr[i].cur_lock);
				printf("# FAIL: thread %u: a call hung %.0f s: %s\n",
				       i, limit, fz->thr[i].cur);
				pthread_mutex_unlock(&fz->thr[i].cur_lock);
			} else {
				printf("# FAIL: vCPU %u: RUN has not returned for %.0f s\n",
				       i - n, limit);
			}
			print_log(fz);
			dump_threads(fz);
			pthread_mutex_unlock(&fz->log_lock);
			/* The thread cannot be joined: end the test here. */
			_exit(KSFT_FAIL);
		}
	}
}

static struct fuzzer fuzzer;

/*
 * A call that never went through, and the errnos it got, most frequent
 * first (up to four): what the next improvement of its arguments is up
 * against.
 */
static void never_succeeded(unsigned int ci)
{
	unsigned long n, best;
	unsigned int e, k, at;
	bool shown[ERRNO_BUCKETS] = { false };

	printf("# never succeeded: %s (%lu tries", calls[ci].name,
	       atomic_load(&calls_tried[ci]));
	for (k = 0; k < 4; k++) {
		best = 0;
		at = 0;
		for (e = 1; e < ERRNO_BUCKETS; e++) {
			n = atomic_load(&calls_err[ci][e]);
			if (!shown[e] && n > best) {
				best = n;
				at = e;
			}
		}
		if (!best)
			break;
		shown[at] = true;
		printf("%s %s %lu", k ? "," : ";", strerrorname_np(at) ?: "E?",
		       best);
	}
	printf(")\n");
}

/* The fuzzer itself crashed: the calls that led there. */
static void on_crash(int sig)
{
	if (sig == SIGBUS && atomic_load(&touching))
		siglongjmp(touch_env, 1);
	printf("# FAIL: the fuzzer got signal %d\n", sig);
	print_log(&fuzzer);
	_exit(KSFT_FAIL);
}

static void fuzz(struct altp2m_test *_t, bool threaded)
{
	struct fuzzer *fz = &fuzzer;
	struct sigaction sa = { .sa_handler = on_slice };
	struct vcpu_arg va[MAIN_VCPUS];
	double seconds = env_seconds("ALTP2M_FUZZ_SECONDS", FUZZ_SECONDS);
	uint64_t seed, total = 0;
	unsigned int i;
	int fd;

	fd = open(ALTP2M_DEV, O_RDWR);
	if (fd < 0)
		SKIP(ALTP2M_DEV ": %s", strerror(errno));
	close(fd);
	fuzz_seed_get(&seed);
	printf("# %s, %.0f s: ALTP2M_FUZZ_SEED=%#llx\n",
	       threaded ? "threads" : "single thread", seconds,
	       (unsigned long long)seed);
	fflush(stdout);
	/* No SA_RESTART: the slice timer must end a RUN. */
	ASSERT_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
	signal(SIGSEGV, on_crash);
	signal(SIGBUS, on_crash);

	memset(fz, 0, sizeof(*fz));
	fz->threaded = threaded;
	fz->nthr = threaded ? MAX_THREADS : 1;
	pthread_mutex_init(&fz->lock, NULL);
	pthread_mutex_init(&fz->log_lock, NULL);
	fz->pool = mmap(NULL, POOL_CHUNKS * POOL_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(fz->pool != MAP_FAILED);
	fz->unmapped = mmap(NULL, PAGE_SIZE, PROT_NONE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(fz->unmapped != MAP_FAILED);
	ASSERT_EQ(munmap(fz->unmapped, PAGE_SIZE), 0);
	for (i = 0; i < fz->nthr; i++)
		setup_thr(fz, &fz->thr[i], i, seed);
	main_vm_create(fz, &fz->thr[0]);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	ASSERT_GE(fd, 0);
	fz->family = nl_family(fd);
	close(fd);
	ASSERT_NE(fz->family, 0);

	fz->end = now() + seconds;
	/* The harness's alarm: the time asked for, and the watchdog's. */
	alarm(seconds + 3 * env_seconds("ALTP2M_FUZZ_WATCHDOG", WATCHDOG_S));
	atomic_store(&fz->live, fz->nthr + (threaded ? MAIN_VCPUS : 0));
	if (threaded) {
		for (i = 0; i < MAIN_VCPUS; i++) {
			va[i] = (struct vcpu_arg){ fz, i };
			ASSERT_EQ(pthread_create(&fz->vcpu_threads[i], NULL,
						 vcpu_thread, &va[i]), 0);
		}
	}
	for (i = 0; i < fz->nthr; i++)
		ASSERT_EQ(pthread_create(&fz->thr[i].thread, NULL, fuzz_thread,
					 &fz->thr[i]), 0);
	watchdog(fz);
	for (i = 0; i < fz->nthr; i++) {
		pthread_join(fz->thr[i].thread, NULL);
		total += atomic_load(&fz->thr[i].calls);
	}
	if (threaded)
		for (i = 0; i < MAIN_VCPUS; i++)
			pthread_join(fz->vcpu_threads[i], NULL);
	printf("# %llu calls, vCPU runs %lu + %lu, RUN EIO %lu\n",
	       (unsigned long long)total, atomic_load(&fz->vcpu_runs[0]),
	       atomic_load(&fz->vcpu_runs[1]), atomic_load(&fz->eio));
	for (i = 0; i < NR_CALLS; i++)
		if (!atomic_load(&calls_ok[i]))
			never_succeeded(i);
	fflush(stdout);
	close_owned(fz);
	vm_free(fz->vm);
	for (i = 0; i < fz->nthr; i++)
		free_thr(&fz->thr[i]);
	munmap(fz->pool, POOL_CHUNKS * POOL_SIZE);
	EXPECT_EQ(atomic_load(&fz->failures), 0);
}

TEST_TIMEOUT(uapi_fuzz_single, 3 * WATCHDOG_S + 2 * FUZZ_SECONDS)
{
	fuzz(_t, false);
}

TEST_TIMEOUT(uapi_fuzz_threads, 3 * WATCHDOG_S + 2 * FUZZ_SECONDS)
{
	fuzz(_t, true);
}

TEST_HARNESS_MAIN
