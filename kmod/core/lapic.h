/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The local APIC's registers as the Intel SDM (vol. 3, "Advanced
 * Programmable Interrupt Controller") defines them, without hardware or
 * locks: register reads and writes in xAPIC and x2APIC mode, the
 * priorities, acceptance and EOI, the timer's arithmetic, destination
 * matching and MSI decoding. kmod/lapic.c wraps it with a lock, a timer
 * and delivery to other vCPUs; the unit tests drive it directly.
 *
 * The model is a processor with six LVT entries (timer, thermal,
 * performance counters, LINT0, LINT1, error: the version register's
 * "max LVT entry" is 5, no CMCI), no EOI-broadcast suppression and no
 * focus-processor checking, x2APIC and the TSC-deadline timer supported.
 */
#ifndef ALTP2M_CORE_LAPIC_H
#define ALTP2M_CORE_LAPIC_H

#include <linux/bits.h>
#include <linux/types.h>

/* Register offsets in the xAPIC page (x2APIC MSR = 0x800 + offset / 16). */
#define ALTP2M_APIC_ID		0x020
#define ALTP2M_APIC_VER		0x030
#define ALTP2M_APIC_TPR		0x080
#define ALTP2M_APIC_APR		0x090
#define ALTP2M_APIC_PPR		0x0a0
#define ALTP2M_APIC_EOI		0x0b0
#define ALTP2M_APIC_RRD		0x0c0
#define ALTP2M_APIC_LDR		0x0d0
#define ALTP2M_APIC_DFR		0x0e0
#define ALTP2M_APIC_SVR		0x0f0
#define ALTP2M_APIC_ISR		0x100
#define ALTP2M_APIC_TMR		0x180
#define ALTP2M_APIC_IRR		0x200
#define ALTP2M_APIC_ESR		0x280
#define ALTP2M_APIC_ICR		0x300
#define ALTP2M_APIC_ICR2	0x310
#define ALTP2M_APIC_LVTT	0x320
#define ALTP2M_APIC_LVTTHMR	0x330
#define ALTP2M_APIC_LVTPC	0x340
#define ALTP2M_APIC_LVT0	0x350
#define ALTP2M_APIC_LVT1	0x360
#define ALTP2M_APIC_LVTERR	0x370
#define ALTP2M_APIC_TMICT	0x380
#define ALTP2M_APIC_TMCCT	0x390
#define ALTP2M_APIC_TDCR	0x3e0
#define ALTP2M_APIC_SELF_IPI	0x3f0	/* x2APIC only */
#define ALTP2M_APIC_PAGE_REGS	0x400	/* bytes of the page that decode */

/* Version 0x14 (integrated APIC), max LVT entry 5, no EOI suppression. */
#define ALTP2M_APIC_VERSION	0x00050014U

/* IA32_APIC_BASE bits */
#define ALTP2M_APIC_BASE_BSP	BIT_ULL(8)
#define ALTP2M_APIC_BASE_EXTD	BIT_ULL(10)
#define ALTP2M_APIC_BASE_EN	BIT_ULL(11)
#define ALTP2M_APIC_BASE_ADDR	(~0xfffULL)

#define ALTP2M_APIC_MSR_BASE		0x1b
#define ALTP2M_APIC_MSR_TSC_DEADLINE	0x6e0
#define ALTP2M_APIC_MSR_X2APIC		0x800
#define ALTP2M_APIC_MSR_X2APIC_LAST	0x8ff

/* SVR, LVT and ICR fields */
#define ALTP2M_APIC_SVR_ENABLE	BIT(8)
#define ALTP2M_APIC_LVT_MASKED	BIT(16)
#define ALTP2M_APIC_VECTOR	0xffU
#define ALTP2M_APIC_TIMER_MODE(lvt)	(((lvt) >> 17) & 3)
#define ALTP2M_APIC_TIMER_ONESHOT	0
#define ALTP2M_APIC_TIMER_PERIODIC	1
#define ALTP2M_APIC_TIMER_DEADLINE	2

/* ESR bits this model sets */
#define ALTP2M_APIC_ESR_SEND_ILLEGAL	BIT(5)
#define ALTP2M_APIC_ESR_RECV_ILLEGAL	BIT(6)
#define ALTP2M_APIC_ESR_ILLEGAL_REG	BIT(7)

/* Delivery modes (ICR, MSI data, LVT) */
#define ALTP2M_APIC_DM_FIXED	0
#define ALTP2M_APIC_DM_LOWEST	1
#define ALTP2M_APIC_DM_SMI	2
#define ALTP2M_APIC_DM_NMI	4
#define ALTP2M_APIC_DM_INIT	5
#define ALTP2M_APIC_DM_SIPI	6
#define ALTP2M_APIC_DM_EXTINT	7

/* ICR destination shorthands */
#define ALTP2M_APIC_DEST_NONE		0
#define ALTP2M_APIC_DEST_SELF		1
#define ALTP2M_APIC_DEST_ALL		2
#define ALTP2M_APIC_DEST_OTHERS		3

/* Periodic timers fire at most this often (ns): a guest cannot storm. */
#define ALTP2M_APIC_MIN_PERIOD_NS	100000ULL

/*
 * struct altp2m_apic - one local APIC's state
 * @base: IA32_APIC_BASE
 * @tsc_deadline: IA32_TSC_DEADLINE (guest TSC ticks, 0 when disarmed)
 * @regs: the registers at their xAPIC offsets / 4 (only every fourth word
 *	is a register); derived ones (PPR, APR, TMCCT, x2APIC LDR) are
 *	brought up to date when read
 * @esr_pending: errors seen since the last ESR write, latched into ESR
 *	by the next write
 * @timer_start: when the timer's count was last loaded from TMICT (ns,
 *	the caller's clock)
 * @vcpu_id: the initial APIC ID (and x2APIC ID)
 */
struct altp2m_apic {
	u64 base;
	u64 tsc_deadline;
	u32 regs[ALTP2M_APIC_PAGE_REGS / 4];
	u32 esr_pending;
	u64 timer_start;
	u32 vcpu_id;
};

/*
 * struct altp2m_apic_msg - an interrupt message (IPI, MSI)
 * @dest: destination (8 bits in xAPIC format, 32 in x2APIC format)
 * @vector: the vector
 * @delivery: ALTP2M_APIC_DM_*
 * @shorthand: ALTP2M_APIC_DEST_* (IPIs only)
 * @logical: logical destination mode
 * @broadcast: @dest is the broadcast address of its format
 * @level: the trigger mode is level (the EOI is reported)
 * @assert: the level bit: 0 is an INIT level de-assert, which does nothing
 */
struct altp2m_apic_msg {
	u32 dest;
	u8 vector;
	u8 delivery;
	u8 shorthand;
	bool logical;
	bool broadcast;
	bool level;
	bool assert;
};

/* What a register write asks its caller to do once it has let go. */
#define ALTP2M_APIC_FX_SEND	BIT(0)	/* send @msg */
#define ALTP2M_APIC_FX_TIMER	BIT(1)	/* timer settings changed */
#define ALTP2M_APIC_FX_EOI	BIT(2)	/* EOI of level @eoi_vector */
#define ALTP2M_APIC_FX_EVENT	BIT(3)	/* something became pending */

struct altp2m_apic_fx {
	u32 flags;
	u8 eoi_vector;
	struct altp2m_apic_msg msg;
};

static inline bool altp2m_apic_x2(const struct altp2m_apic *a)
{
	return a->base & ALTP2M_APIC_BASE_EXTD;
}

static inline bool altp2m_apic_hw_enabled(const struct altp2m_apic *a)
{
	return a->base & ALTP2M_APIC_BASE_EN;
}

/* Hardware and software enabled: fixed interrupts are accepted. */
static inline bool altp2m_apic_enabled(const struct altp2m_apic *a)
{
	return altp2m_apic_hw_enabled(a) &&
	       (a->regs[ALTP2M_APIC_SVR / 4] & ALTP2M_APIC_SVR_ENABLE);
}

static inline u32 altp2m_apic_reg(const struct altp2m_apic *a, u32 off)
{
	return a->regs[off / 4];
}

/* The APIC ID as the ID register shows it in the current mode. */
u32 altp2m_apic_id(const struct altp2m_apic *a);

/* Power-on (@init false) or INIT (@init true: base and ID kept). */
void altp2m_apic_reset(struct altp2m_apic *a, u32 vcpu_id, bool init);

/*
 * IA32_APIC_BASE. check: 0 or -EINVAL when WRMSR would #GP (reserved
 * bits, above @phys_bits, EN=0 with EXTD=1; with @transition, also the
 * mode changes the SDM forbids: x2APIC to xAPIC, disabled to x2APIC).
 * set: a checked value; entering x2APIC mode sets the 32-bit ID and the
 * LDR, disabling resets the registers. Returns ALTP2M_APIC_FX_*.
 */
int altp2m_apic_base_check(const struct altp2m_apic *a, u64 val,
			   unsigned int phys_bits, bool transition);
u32 altp2m_apic_base_set(struct altp2m_apic *a, u64 val);

/* PPR and APR, computed from TPR, ISR and IRR (SDM 11.8.3.1, 11.6.2.4). */
u32 altp2m_apic_ppr(const struct altp2m_apic *a);
u32 altp2m_apic_apr(const struct altp2m_apic *a);

/* Highest vector set in the 256-bit register at @off (ISR, TMR, IRR), or -1. */
int altp2m_apic_highest(const struct altp2m_apic *a, u32 off);
bool altp2m_apic_test(const struct altp2m_apic *a, u32 off, u8 vector);

/*
 * The highest IRR vector whose priority class is above the PPR's, with
 * the APIC enabled, or -1. accept: that vector goes from IRR to ISR.
 */
int altp2m_apic_pending(const struct altp2m_apic *a);
void altp2m_apic_accept(struct altp2m_apic *a, u8 vector);

/*
 * EOI: the highest ISR vector ends. Return: its vector with
 * ALTP2M_APIC_EOI_LEVEL added when its TMR bit is set, or -1 when ISR
 * was empty.
 */
#define ALTP2M_APIC_EOI_LEVEL	0x100
int altp2m_apic_eoi(struct altp2m_apic *a);

/*
 * Receive a fixed interrupt: IRR (and TMR for @level, cleared for edge).
 * An illegal vector (0-15) is dropped with ESR "receive illegal vector".
 * Return: true when the interrupt (or the error interrupt) was recorded.
 */
bool altp2m_apic_set_irr(struct altp2m_apic *a, u8 vector, bool level);

/*
 * Register access in xAPIC mode (the MMIO page, @off the offset in it,
 * 32-bit aligned accesses) or x2APIC mode (the MSR index). Reads and
 * writes of reserved or write-only registers in xAPIC mode read 0 or are
 * dropped, with ESR "illegal register address" for an offset that holds
 * no register; in x2APIC mode they return -EINVAL (#GP), as do writes
 * of read-only registers and of reserved bits. @now: the timer's clock.
 */
u32 altp2m_apic_mmio_read(struct altp2m_apic *a, u32 off, u64 now);
void altp2m_apic_mmio_write(struct altp2m_apic *a, u32 off, u32 val,
			    u64 now, struct altp2m_apic_fx *fx);
int altp2m_apic_x2_read(struct altp2m_apic *a, u32 msr, u64 now, u64 *val);
int altp2m_apic_x2_write(struct altp2m_apic *a, u32 msr, u64 val, u64 now,
			 struct altp2m_apic_fx *fx);

/*
 * The register page for GET_LAPIC (derived registers filled in) and for
 * SET_LAPIC: ID, ISR, TMR and IRR taken as given, other registers as a
 * guest write in xAPIC form with reserved bits dropped, nothing sent.
 */
void altp2m_apic_get_page(struct altp2m_apic *a, u64 now, u32 *page);
void altp2m_apic_set_page(struct altp2m_apic *a, const u32 *page, u64 now);

/*
 * The timer (one-shot and periodic; TSC-deadline is the caller's, who
 * knows the TSC). Ticks are the input clock's (ALTP2M_APIC_TIMER_HZ, 1
 * GHz: one tick per ns of @now) before the divider.
 */
unsigned int altp2m_apic_timer_divide(const struct altp2m_apic *a);
u32 altp2m_apic_timer_current(const struct altp2m_apic *a, u64 now);
/*
 * When the timer next expires after @now (ns), 0 when it does not run
 * (count 0, or the TSC-deadline mode); @period: the period for a
 * periodic timer (at least ALTP2M_APIC_MIN_PERIOD_NS), else 0.
 */
u64 altp2m_apic_timer_next(const struct altp2m_apic *a, u64 now, u64 *period);
/* The timer expired: its LVT vector becomes pending unless masked. */
bool altp2m_apic_timer_fire(struct altp2m_apic *a);

/*
 * Destination matching for a message received by @a, in @a's mode:
 * physical (the ID), logical flat or cluster (xAPIC DFR), x2APIC cluster.
 * Shorthands are the sender's business.
 */
bool altp2m_apic_match(const struct altp2m_apic *a,
		       const struct altp2m_apic_msg *m);

/* The message an ICR write sends (@icr: high half in bits 63:32). */
void altp2m_apic_icr_msg(const struct altp2m_apic *a, u64 icr,
			 struct altp2m_apic_msg *m);

/* An MSI (struct altp2m_msi's address and data): 0 or -EINVAL. */
int altp2m_apic_msi_decode(u64 address, u32 data, struct altp2m_apic_msg *m);

#endif /* ALTP2M_CORE_LAPIC_H */
