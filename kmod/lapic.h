/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-kernel local APIC of a vCPU (lapic.c, on the register model of
 * core/lapic.c), as the rest of the module sees it. Only VMs created with
 * ALTP2M_VM_LAPIC have one: vcpu->lapic is NULL otherwise, and callers
 * check that first.
 *
 * Threads: see irq.h. In short, anything may deliver (IPI, MSI, irqfd,
 * the timer), only the vCPU's thread reads or writes registers for the
 * guest, accepts interrupts or resets the APIC.
 */
#ifndef ALTP2M_LAPIC_H
#define ALTP2M_LAPIC_H

#include <linux/types.h>

struct altp2m_vcpu;
struct altp2m_vm;
struct altp2m_lapic;
struct altp2m_vm_apic;

/* The architectural default base of the APIC page. */
#define ALTP2M_APIC_DEFAULT_BASE	0xfee00000ULL

/*
 * The APIC timer's input clock (divide-by-1 ticks per second): 1 GHz, as
 * KVM's. CPUID leaf 0x15 reports it as the crystal clock (ECX), which is
 * where Linux takes the APIC timer's rate from without calibrating.
 */
#define ALTP2M_APIC_TIMER_HZ		1000000000ULL

/* VM lifetime: irqfds and what the VM's APICs share (VM create/free). */
int altp2m_vm_apic_init(struct altp2m_vm *vm);
void altp2m_vm_apic_destroy(struct altp2m_vm *vm);

/*
 * vCPU lifetime. create: at vCPU creation, APIC in its power-on state
 * (BSP bit for vCPU 0). destroy: once no other thread can find the vCPU
 * (after the RCU grace period), the timer stopped and waited for.
 */
int altp2m_lapic_create(struct altp2m_vcpu *vcpu);
void altp2m_lapic_destroy(struct altp2m_vcpu *vcpu);

/*
 * INIT (@init true: APIC base and ID kept, as the SDM's INIT) or power-on
 * reset of the registers; the timer stops. vCPU thread only.
 */
void altp2m_lapic_reset(struct altp2m_vcpu *vcpu, bool init);

/*
 * Injection (vCPU thread, interrupts may be off): the vector of the
 * highest-priority interrupt the APIC would present to the CPU now (IRR
 * above the PPR, APIC enabled), or -1. Whether the guest can take it
 * (RFLAGS.IF, shadows, an event in flight) is the caller's business.
 * altp2m_lapic_accept() is the CPU's INTA: that vector moves from IRR to
 * ISR and the PPR follows.
 */
int altp2m_lapic_pending(struct altp2m_vcpu *vcpu);
void altp2m_lapic_accept(struct altp2m_vcpu *vcpu, u8 vector);

/* MOV to/from CR8: the TPR's bits 7:4. set: -EINVAL for reserved bits. */
u64 altp2m_lapic_get_cr8(struct altp2m_vcpu *vcpu);
int altp2m_lapic_set_cr8(struct altp2m_vcpu *vcpu, u64 val);

/*
 * The APIC's MSRs (IA32_APIC_BASE, IA32_TSC_DEADLINE, x2APIC 0x800-0x8ff)
 * for RDMSR/WRMSR exits and GET/SET_MSRS. Return: 0; -ENOENT when @index
 * is not the APIC's (the caller goes on with its own MSRs); -EINVAL when
 * the access raises #GP; ALTP2M_LAPIC_EXIT when a write completed and
 * ALTP2M_RUN must return to userspace with the run page filled (an EOI
 * of a level-triggered vector: ALTP2M_EXIT_EOI).
 */
#define ALTP2M_LAPIC_EXIT	1
int altp2m_lapic_msr_get(struct altp2m_vcpu *vcpu, u32 index, u64 *val);
int altp2m_lapic_msr_set(struct altp2m_vcpu *vcpu, u32 index, u64 val);
/*
 * For SET_MSRS, which checks every entry before writing any: whether a
 * write of IA32_APIC_BASE or IA32_TSC_DEADLINE would succeed (0,
 * -EINVAL), -ENOENT for the other MSRs (the x2APIC registers are
 * GET/SET_LAPIC's).
 */
int altp2m_lapic_msr_check(struct altp2m_vcpu *vcpu, u32 index, u64 val);

/*
 * The xAPIC page: whether @gpa falls in it (APIC enabled in xAPIC mode),
 * and an access of @len bytes there, decoded by the exit handler. Return
 * as for the MSRs (no -ENOENT).
 */
bool altp2m_lapic_in_mmio(struct altp2m_vcpu *vcpu, u64 gpa);
int altp2m_lapic_mmio(struct altp2m_vcpu *vcpu, u64 gpa, unsigned int len,
		      bool write, u64 *val);

/* ALTP2M_GET/SET_LAPIC (vCPU fd) and the VM fd's MSI and irqfd ioctls. */
long altp2m_lapic_get_state(struct altp2m_vcpu *vcpu, void __user *argp);
long altp2m_lapic_set_state(struct altp2m_vcpu *vcpu, void __user *argp);
long altp2m_vm_signal_msi(struct altp2m_vm *vm, void __user *argp);
long altp2m_vm_irqfd(struct altp2m_vm *vm, void __user *argp);

#endif /* ALTP2M_LAPIC_H */
