/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's interface to the VMX layer: everything that executes VMX
 * instructions or reads VMX MSRs lives under kmod/vmx/.
 */
#ifndef ALTP2M_VMX_H
#define ALTP2M_VMX_H

#include <linux/types.h>
#include <asm/fpu/api.h>
#include <asm/fpu/types.h>

#include "../core/boundary.h"
#include "../core/emulate.h"
#include "../core/event.h"
#include "../core/msr.h"
#include "../core/string_io.h"
#include "../core/x86.h"
#include "vmcs.h"

struct altp2m_hw;
struct cpumask;
struct altp2m_vcpu;
struct altp2m_regs;
struct altp2m_sregs;
struct altp2m_msrs;
struct altp2m_vcpu_events;

/* An entry of a VM-entry/VM-exit MSR-load or -store area (SDM format). */
struct altp2m_vmx_msr {
	u32 index;
	u32 reserved;
	u64 value;
};

/*
 * struct altp2m_vmx_mon_park - a parked monitor event's instruction
 * @index: the CR or MSR a parked write goes to
 * @insn_len: the instruction's length, to complete it
 * @value: the value a parked write writes
 * @hidden: a hidden breakpoint's hit (kmod/hidden.h), to step over on
 *	@clean_view
 * @clean_view: see @hidden
 * @nop_len: a hidden breakpoint's no-op, completed in place instead of
 *	the step-over (0: step)
 */
struct altp2m_vmx_mon_park {
	u32 index;
	u32 insn_len;
	u64 value;
	bool hidden;
	u32 clean_view;
	u32 nop_len;
};

/*
 * struct altp2m_vmx_shadow_step - a read or write of a shadowed page,
 *	stepped on the clean view (vmx/monitor.c)
 * @gfn: the page
 * @shadow_gfn: the shadow the vCPU's view remaps it to
 * @clean_view: the view the access is stepped on
 * @return_view: where the vCPU goes after it, for a step that was in
 *	flight already
 */
struct altp2m_vmx_shadow_step {
	u64 gfn;
	u64 shadow_gfn;
	u32 clean_view;
	u32 return_view;
};

#define ALTP2M_DR6_SLOT		4
#define ALTP2M_DR7_SLOT		5
/* Architectural values at reset, and the bits a MOV to DR6/DR7 can set. */
#define ALTP2M_DR6_INIT		0xffff0ff0ULL
#define ALTP2M_DR6_WRITABLE	0xe00fULL
#define ALTP2M_DR7_INIT		0x400ULL
#define ALTP2M_DR7_RESERVED	0xd800ULL
#define ALTP2M_DR7_GD		BIT_ULL(13)	/* general detect */
#define ALTP2M_DR6_BD		BIT_ULL(13)	/* ... and its status bit */

/*
 * MSRs switched through the autoload areas on every entry and exit: at
 * most this many, IA32_TSC_AUX last and only where the guest has RDTSCP
 * (altp2m_vmx_cfg.nr_auto says how many).
 */
#define ALTP2M_VMX_NR_AUTO_MSRS	6
/* At most this many perf MSRs follow them (enter.c). */
#define ALTP2M_VMX_NR_PERF_MSRS	16

/**
 * struct altp2m_vmx_host_cache - host-state fields as the VMCS holds them
 * @cr3: HOST_CR3
 * @cr4: HOST_CR4
 * @fs_base: HOST_FS_BASE
 * @fs_sel: HOST_FS_SELECTOR
 * @gs_sel: HOST_GS_SELECTOR
 * @valid: the fields above were written at least once
 *
 * Only enter.c writes these fields, with interrupts off right before the
 * entry, and only when the host's value changed. Code that rebuilds a
 * VMCS from scratch must clear @valid (and @perf_nr of the vCPU, whose
 * counts it resets) so the next entry writes everything again.
 */
struct altp2m_vmx_host_cache {
	u64 cr3;
	u64 cr4;
	u64 fs_base;
	u16 fs_sel;
	u16 gs_sel;
	bool valid;
};

/**
 * struct altp2m_vmx_host_user - the VMM thread's user segment state, which
 *	a VM exit does not restore (enter.c puts it back after each exit)
 * @ds: DS selector
 * @es: ES selector
 * @fs: FS selector
 * @gs: GS selector
 * @fs_base: IA32_FS_BASE
 * @kernel_gs_base: IA32_KERNEL_GS_BASE: the user's GS base, in the kernel
 * @switches: the thread's context switches (nvcsw + nivcsw) when read
 * @cpu: the CPU it was read on
 * @valid: read during this ALTP2M_RUN
 *
 * Read once per ALTP2M_RUN, not at every entry: while the thread is in
 * the ioctl nothing can change it (only the thread itself, in user mode,
 * or a ptracer while it is stopped can), and a context switch saves and
 * restores it. Read again all the same after a switch or a move to
 * another CPU, which costs nothing on the path that matters: exits the
 * module handles without leaving the run loop.
 */
struct altp2m_vmx_host_user {
	u16 ds, es, fs, gs;
	u64 fs_base;
	u64 kernel_gs_base;
	unsigned long switches;
	int cpu;
	bool valid;
};

/**
 * struct altp2m_vmx_vcpu - the VMX side of a vCPU
 * @gpr: guest registers in x86 order; the entry code loads and saves all
 *	but RSP, which goes through the VMCS like @rip and @rflags
 * @rip: guest RIP, read at every exit and written at every entry, so that
 *	exit handlers and register ioctls need not load the VMCS
 * @rflags: guest RFLAGS, the same way
 * @vmcs: its VMCS
 * @cr2: guest CR2, which the VMCS does not hold
 * @cr8: guest TPR as MOV CR8 sees it; never reaches the real APIC
 * @fpu: guest FPU/XSAVE state, swapped with the host's during ALTP2M_RUN
 * @auto_guest: guest values of the autoloaded MSRs (entry-load and
 *	exit-store area; one page)
 * @auto_host: host values restored at exit (exit-load area; one page)
 * @perf_nr: perf MSRs after the fixed entries of both areas, as the
 *	VMCS's load counts say (enter.c)
 * @host: the host-state fields the VMCS holds (enter.c)
 * @eptp: the EPTP of the vCPU's view, for the VMCS at the entry after
 *	ALTP2M_REQ_EPTP
 * @eptp_loaded: the EPTP the VMCS holds
 * @dr: guest DR0-3, DR6 and DR7 (see ALTP2M_DR*_SLOT): kept here and
 *	never loaded into hardware, so guest breakpoints do not fire and the
 *	host's keep working
 * @inject: the event in flight for the guest, info 0 for none (inject.c)
 * @inject_armed: the VMCS's VM-entry interruption field may still hold an
 *	event no exit has consumed
 * @nmi_pending: an NMI waits until the guest can take it (at most one is
 *	latched, as on the CPU)
 * @extint: an external interrupt waiting for RFLAGS.IF and no shadow,
 *	vector | INTR_INFO_VALID_MASK (0: none): one the VMM set, or one in
 *	flight that the guest could no longer take
 * @proc: the primary processor-based controls the VMCS holds: the
 *	configuration's, plus the interrupt- and NMI-window exits the
 *	last entry asked for and the monitor's (ALTP2M_PROC_MONITOR)
 * @halt_counted: the current HLT was counted in halts_blocked
 * @shadow_clear: an emulated instruction completed: the STI/MOV-SS
 *	blocking of the VMCS ends at the next entry
 * @triple_fault: an exception during delivery of #DF: the exit handler
 *	ends in a SHUTDOWN exit
 * @mmio: the access an MMIO exit is waiting to complete
 * @io_size: item size of the last I/O exit, kept here because userspace
 *	can write the run page's copy
 * @strio: the INS or OUTS of the last string I/O exit; with @strio_round
 *	and @strio_len (its length), what an INS exit completes
 * @ve_hpa: where the CPU writes #VE information, 0 for no #VE; the VMCS
 *	follows at the entry after ALTP2M_REQ_VE
 * @tsc_offset: guest TSC minus host TSC for this vCPU (the VMCS's
 *	TSC_OFFSET); read by other threads (the APIC timer) with READ_ONCE()
 * @tsc_aux_cpu: the CPU whose IA32_TSC_AUX the exit MSR-load area holds,
 *	-1 for none yet (the host's value differs per CPU: enter.c)
 * @host_user: the VMM thread's user segment state (enter.c)
 * @msr: the MSRs kept in software (core/msr.h)
 * @xcr0: the guest's XCR0, in hardware while it runs with CR4.OSXSAVE
 * @mon_park: what the instruction a sync monitor event parked still has
 *	to do (vmx/monitor.c)
 * @shadow: the shadowed page a step is for (vmx/monitor.c)
 *
 * ALTP2M_REQ_STATE_CHECK says userspace set registers since the last
 * check against the VM-entry rules (the guest's own changes go through
 * emulation that keeps them valid, so only these need checking).
 */
struct altp2m_vmx_vcpu {
	u64 gpr[ALTP2M_NR_GPRS];
	u64 rip;
	u64 rflags;
	struct altp2m_vmcs vmcs;
	u64 cr2;
	u64 cr8;
	struct fpu_guest fpu;
	struct altp2m_vmx_msr *auto_guest;
	struct altp2m_vmx_msr *auto_host;
	unsigned int perf_nr;
	struct altp2m_vmx_host_cache host;
	u64 eptp;
	u64 eptp_loaded;
	u64 dr[6];
	struct altp2m_event inject;
	bool inject_armed;
	bool nmi_pending;
	u32 extint;
	u32 proc;
	bool halt_counted;
	bool shadow_clear;
	bool triple_fault;
	struct altp2m_mmio_insn mmio;
	u32 io_size;
	struct altp2m_strio strio;
	struct altp2m_strio_round strio_round;
	u32 strio_len;
	u64 ve_hpa;
	u64 tsc_offset;
	int tsc_aux_cpu;
	struct altp2m_vmx_host_user host_user;
	struct altp2m_msr_state msr;
	u64 xcr0;
	struct altp2m_vmx_mon_park mon_park;
	struct altp2m_vmx_shadow_step shadow;
	struct altp2m_l1d_track l1d;
};

extern bool altp2m_vmx_rebooting;

int altp2m_vmx_probe(struct altp2m_hw *hw);
int altp2m_vmx_init(void);
void altp2m_vmx_exit(void);
int altp2m_vmx_get(void);
void altp2m_vmx_put(void);

int altp2m_vmx_vcpu_init(struct altp2m_vcpu *vcpu);
void altp2m_vmx_vcpu_destroy(struct altp2m_vcpu *vcpu);
int altp2m_vmx_run(struct altp2m_vcpu *vcpu);
void altp2m_vmx_flush_local(void);
void altp2m_vmx_complete_in(struct altp2m_vcpu *vcpu);
void altp2m_vmx_complete_string_in(struct altp2m_vcpu *vcpu);
void altp2m_vmx_get_regs(struct altp2m_vcpu *vcpu, struct altp2m_regs *r);
int altp2m_vmx_set_regs(struct altp2m_vcpu *vcpu,
			const struct altp2m_regs *r);
void altp2m_vmx_get_sregs(struct altp2m_vcpu *vcpu, struct altp2m_sregs *s);
int altp2m_vmx_set_sregs(struct altp2m_vcpu *vcpu,
			 const struct altp2m_sregs *s);

/* What altp2m_vmx_sregs_check() found for altp2m_vmx_sregs_write(). */
struct altp2m_vmx_sregs_set {
	bool pae;
	u64 pdpte[4];	/* ALTP2M_PAE_NR_PDPTES (vmx/internal.h) */
};

int altp2m_vmx_sregs_check(struct altp2m_vcpu *vcpu,
			   const struct altp2m_sregs *s,
			   struct altp2m_vmx_sregs_set *set);
void altp2m_vmx_sregs_write(struct altp2m_vcpu *vcpu,
			    const struct altp2m_sregs *s,
			    const struct altp2m_vmx_sregs_set *set);
void altp2m_vmx_walk_state(struct altp2m_vcpu *vcpu, struct altp2m_paging *pg,
			   u8 *maxphyaddr);
int altp2m_vmx_msr_allowed(u32 index);
int altp2m_vmx_msr_check(u32 index, u64 value);
int altp2m_vmx_get_msr(struct altp2m_vcpu *vcpu, u32 index, u64 *value);
int altp2m_vmx_set_msr(struct altp2m_vcpu *vcpu, u32 index, u64 value);
void altp2m_vmx_get_events(struct altp2m_vcpu *vcpu,
			   struct altp2m_vcpu_events *ev);
void altp2m_vmx_set_events(struct altp2m_vcpu *vcpu,
			   const struct altp2m_vcpu_events *ev);

#endif /* ALTP2M_VMX_H */
