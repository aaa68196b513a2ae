/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared by the files of the VMX layer only.
 */
#ifndef ALTP2M_VMX_INTERNAL_H
#define ALTP2M_VMX_INTERNAL_H

#include "../core/entry_checks.h"
#include "../core/gva.h"
#include "vmx.h"

struct altp2m_vcpu;

/* The VMCS controls and CR limits every vCPU uses (vmcs.c). */
struct altp2m_vmx_config {
	u32 pin, proc, proc2, exit, entry;
	u32 timer_value;	/* VMX-preemption timer per entry, 0: none */
	bool vmfunc;		/* guests switch EPTP with VMFUNC leaf 0 */
	bool eptp_index;	/* the VMCS has the EPTP-index field */
	bool ve;		/* the CPU delivers #VE (else the module) */
	bool rdtscp;		/* guest RDTSCP, IA32_TSC_AUX switched */
	bool mtf;		/* monitors' single steps by monitor trap flag */
	unsigned int nr_auto;	/* fixed autoload MSRs (TSC_AUX with RDTSCP) */
	u64 host_xcr0;		/* XCR0 of every host CPU, 0 without XSAVE */
	u64 xcr0_mask;		/* what a guest's XCR0 may hold, 0: no XSAVE */
	struct altp2m_entry_limits lim;
};

extern struct altp2m_vmx_config altp2m_vmx_cfg;

/* What a VM exit left for the handlers (run.c fills it, exits.c reads). */
struct altp2m_vmx_exit {
	u32 reason;		/* basic exit reason */
	bool failed_entry;	/* bit 31: VM entry failed */
	u64 qualification;
	u32 intr_info;
	u32 idt_vectoring;
	u32 idt_error;
	u32 insn_len;
	u64 gpa;
	u64 gla;
};

/* The exits a monitor's events add (vmx/monitor.c); inject.c keeps them. */
#define ALTP2M_PROC_MONITOR	(CPU_BASED_CR3_LOAD_EXITING | \
				 CPU_BASED_MONITOR_TRAP_FLAG)

/* The window exits an entry may ask for (inject.c). */
#define ALTP2M_PROC_WINDOWS	(CPU_BASED_INTR_WINDOW_EXITING | \
				 CPU_BASED_NMI_WINDOW_EXITING)

int altp2m_vmx_setup_config(void);
u32 altp2m_vmx_exception_bitmap(void);
void altp2m_vmcs_setup(struct altp2m_vcpu *vcpu);
void altp2m_vmcs_reset(struct altp2m_vcpu *vcpu, bool init);
void altp2m_vmcs_host_percpu(int cpu);
void altp2m_vmcs_write_sregs(struct altp2m_vcpu *vcpu,
			     const struct altp2m_sregs *s);
void altp2m_vmcs_read_sregs(struct altp2m_vcpu *vcpu, struct altp2m_sregs *s);
void altp2m_vmcs_write_regs(struct altp2m_vcpu *vcpu,
			    const struct altp2m_regs *r);
void altp2m_vmcs_read_regs(struct altp2m_vcpu *vcpu, struct altp2m_regs *r);
void altp2m_vmx_auto_msrs_init(struct altp2m_vmx_vcpu *v);
int altp2m_vmx_auto_msr_slot(u32 index);
void altp2m_vmx_tsc_aux_host(struct altp2m_vmx_vcpu *v, int cpu);
int altp2m_vmx_guest_wrmsr(struct altp2m_vcpu *vcpu, u32 index, u64 value);
int altp2m_vmx_xsetbv(struct altp2m_vcpu *vcpu);
bool altp2m_vmx_xcr0_enter(struct altp2m_vmx_vcpu *v);
void altp2m_vmx_xcr0_exit(void);

/* Make the vCPU's VMCS current here, preemption off until the put. */
void altp2m_vmx_vcpu_get(struct altp2m_vcpu *vcpu);
void altp2m_vmx_vcpu_put(void);

int altp2m_vmx_check_state(struct altp2m_vcpu *vcpu, u32 *field);

/* cr.c */
#define ALTP2M_PAE_NR_PDPTES	4
u64 altp2m_vmx_read_cr(struct altp2m_vcpu *vcpu, unsigned int cr);
int altp2m_vmx_write_cr(struct altp2m_vcpu *vcpu, unsigned int cr, u64 val);
bool altp2m_vmx_pae_paging(const struct altp2m_sregs *s);
int altp2m_vmx_read_pdptes(struct altp2m_vcpu *vcpu, u64 cr3,
			   u64 pdpte[ALTP2M_PAE_NR_PDPTES]);
void altp2m_vmcs_write_pdptes(const u64 pdpte[ALTP2M_PAE_NR_PDPTES]);
void altp2m_vmx_paging(struct altp2m_vcpu *vcpu, struct altp2m_paging *pg,
		       u64 *cs_base);

u64 altp2m_vmx_seg_base(struct altp2m_vcpu *vcpu, enum altp2m_sreg seg);
void altp2m_vmx_guest_mem(struct altp2m_vcpu *vcpu, struct altp2m_paging *pg,
			  struct altp2m_gva_ctx *ctx, u64 *cs_base);
unsigned int altp2m_vmx_fetch_insn(struct altp2m_vcpu *vcpu,
				   const struct altp2m_gva_ctx *ctx,
				   u64 cs_base, u8 *insn);
void altp2m_vmx_inject_fault(struct altp2m_vcpu *vcpu,
			     const struct altp2m_gva_fault *f);

/* cpuid.c */
void altp2m_vmx_cpuid_init(void);
void altp2m_vmx_cpuid(struct altp2m_vcpu *vcpu);

int altp2m_vmx_handle_io(struct altp2m_vcpu *vcpu,
			 const struct altp2m_vmx_exit *e);
int altp2m_vmx_internal_error(struct altp2m_vcpu *vcpu, u32 suberror,
			      const struct altp2m_vmx_exit *e);
int altp2m_vmx_handle_exit(struct altp2m_vcpu *vcpu,
			   const struct altp2m_vmx_exit *e);
int altp2m_vmx_report_violation(struct altp2m_vcpu *vcpu,
				const struct altp2m_vmx_exit *e,
				const struct altp2m_view_fault *f);

/* monitor.c: the events' producers and the monitor's single step */
/* Not 0, -errno or ALTP2M_LAPIC_EXIT (1): what altp2m_vmx_wrmsr() returns. */
#define ALTP2M_MON_WRITE_PARKED	2
int altp2m_vmx_wrmsr(struct altp2m_vcpu *vcpu, u32 index, u64 val);
bool altp2m_vmx_monitor_shadow_access(struct altp2m_vcpu *vcpu,
				      const struct altp2m_view_fault *f);
bool altp2m_vmx_monitor_violation(struct altp2m_vcpu *vcpu,
				  const struct altp2m_vmx_exit *e,
				  const struct altp2m_view_fault *f, u8 flags);
void altp2m_vmx_monitor_breakpoint(struct altp2m_vcpu *vcpu,
				   const struct altp2m_vmx_exit *e);
int altp2m_vmx_monitor_write(struct altp2m_vcpu *vcpu, u32 type, u32 index,
			     u64 val, u32 len);
bool altp2m_vmx_monitor_cpuid(struct altp2m_vcpu *vcpu,
			      const struct altp2m_vmx_exit *e);
bool altp2m_vmx_monitor_stepped(struct altp2m_vcpu *vcpu, u64 dr6);
bool altp2m_vmx_monitor_insn_done(struct altp2m_vcpu *vcpu);
void altp2m_vmx_monitor_mtf(struct altp2m_vcpu *vcpu);
bool altp2m_vmx_monitor_step_exception(struct altp2m_vcpu *vcpu,
				       const struct altp2m_vmx_exit *e);
void altp2m_vmx_monitor_exit_begin(struct altp2m_vcpu *vcpu,
				   const struct altp2m_vmx_exit *e);
void altp2m_vmx_monitor_after_exit(struct altp2m_vcpu *vcpu);
u32 altp2m_vmx_monitor_timer_value(struct altp2m_vcpu *vcpu);
void altp2m_vmx_monitor_timer(struct altp2m_vcpu *vcpu);
bool altp2m_vmx_monitor_holds_events(const struct altp2m_vcpu *vcpu);
void altp2m_vmx_monitor_rflags_get(const struct altp2m_vcpu *vcpu,
				   u64 *rflags);
void altp2m_vmx_monitor_rflags_set(struct altp2m_vcpu *vcpu);
void altp2m_vmx_monitor_init_signal(struct altp2m_vcpu *vcpu);

/* VMCS fields <asm/vmx.h> (6.1) does not name. */
#define ALTP2M_VMCS_EPTP_INDEX		0x00000004
#define ALTP2M_VMCS_VE_INFO_ADDRESS	0x0000202a
#define ALTP2M_PROC2_EPT_VIOLATION_VE	BIT(18)

/* Exit qualification of an EPT violation (SDM, "Exit Qualification"). */
#define ALTP2M_EPT_QUAL_ACCESS		0x7ULL
#define ALTP2M_EPT_QUAL_GLA_VALID	BIT_ULL(7)
#define ALTP2M_EPT_QUAL_GLA_FINAL	BIT_ULL(8)

/* DR6.RTM (bit 16) is active-low, as bit 16 of a #DB exit qualification. */
#define ALTP2M_DR6_RTM			BIT_ULL(16)

/* Events for the guest (inject.c). */
void altp2m_vmx_inject(struct altp2m_vcpu *vcpu, u8 vector, bool has_error,
		       u32 error);
void altp2m_vmx_inject_soft(struct altp2m_vcpu *vcpu, u8 vector, u32 type,
			    u32 len);
void altp2m_vmx_raise_db(struct altp2m_vcpu *vcpu, u64 dr6);
void altp2m_vmx_skip_insn(struct altp2m_vcpu *vcpu, unsigned int len);
void altp2m_vmx_complete_event(struct altp2m_vcpu *vcpu,
			       const struct altp2m_vmx_exit *e);
void altp2m_vmx_inject_event(struct altp2m_vcpu *vcpu);
bool altp2m_vmx_nmi_blocked(struct altp2m_vcpu *vcpu);

/* vmenter.S; it returns 0 after a VM exit, or one of these. */
#define ALTP2M_VMENTER_VMFAIL	1	/* VMfail: VM_INSTRUCTION_ERROR says */
#define ALTP2M_VMENTER_FAULT	2	/* VMX is off on this CPU (reboot) */
int altp2m_vmx_vmenter(u64 *gpr, bool launched);
void altp2m_vmx_vmexit(void);
void altp2m_vmx_do_nmi(void);

#endif /* ALTP2M_VMX_INTERNAL_H */
