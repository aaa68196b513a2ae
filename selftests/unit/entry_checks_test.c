// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/core/entry_checks.c, the software VM-entry checks on
 * guest state. Known-good states (64-bit, 32-bit paged, virtual-8086 and
 * the real-mode reset state) must pass; each table entry then changes a
 * few fields and expects either a pass or the exact VMCS field encoding.
 */
#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <linux/altp2m.h>

#include "../../kmod/core/entry_checks.h"
#include "unit.h"

/* Architectural bits, spelled out here rather than shared with the code. */
#define CR0_PE		0x1ULL
#define CR0_MP		0x2ULL
#define CR0_ET		0x10ULL
#define CR0_NE		0x20ULL
#define CR0_WP		0x10000ULL
#define CR0_AM		0x40000ULL
#define CR0_NW		0x20000000ULL
#define CR0_CD		0x40000000ULL
#define CR0_PG		0x80000000ULL
#define CR4_PAE		0x20ULL
#define CR4_OSFXSR	0x200ULL
#define CR4_OSXMMEXCPT	0x400ULL
#define CR4_LA57	0x1000ULL
#define CR4_VMXE	0x2000ULL
#define CR4_PCIDE	0x20000ULL
#define CR4_CET		0x800000ULL
#define EFER_SCE	0x1ULL
#define EFER_LME	0x100ULL
#define EFER_LMA	0x400ULL
#define EFER_NXE	0x800ULL
#define RFLAGS_VM	0x20000ULL

struct state {
	struct altp2m_regs regs;
	struct altp2m_sregs sregs;
	struct altp2m_entry_limits lim;
};

/* A Skylake-like host: VMX fixed bits as the MSRs report them. */
static const struct altp2m_entry_limits host = {
	.cr0_fixed0 = 0x80000021,
	.cr0_fixed1 = 0xffffffff,
	.cr4_fixed0 = 0x2000,
	.cr4_fixed1 = 0x3727ff,
	.cr4_always_on = CR4_VMXE,
	.maxphyaddr = 39,
};

static const struct altp2m_segment flat_code64 = {
	.limit = 0xffffffff, .selector = 0x08, .type = 11, .present = 1,
	.s = 1, .l = 1, .g = 1,
};

static const struct altp2m_segment flat_code32 = {
	.limit = 0xffffffff, .selector = 0x08, .type = 11, .present = 1,
	.s = 1, .db = 1, .g = 1,
};

static const struct altp2m_segment flat_data = {
	.limit = 0xffffffff, .selector = 0x10, .type = 3, .present = 1,
	.s = 1, .db = 1, .g = 1,
};

static const struct altp2m_segment busy_tss = {
	.base = 0x3000, .limit = 0x67, .selector = 0x18, .type = 11,
	.present = 1,
};

static const struct altp2m_segment no_ldt = { .unusable = 1 };

/* What a KVM selftest guest starts with, under restricted VMX rules. */
static void long_mode(struct state *st)
{
	memset(st, 0, sizeof(*st));
	st->regs.rip = 0x401000;
	st->regs.rsp = 0x7ff000;
	st->regs.rflags = 0x2;
	st->sregs.cs = flat_code64;
	st->sregs.ds = st->sregs.es = st->sregs.ss = flat_data;
	st->sregs.fs = st->sregs.gs = flat_data;
	st->sregs.gs.base = 0xffff888000000000ULL;	/* canonical, upper */
	st->sregs.tr = busy_tss;
	st->sregs.ldt = no_ldt;
	st->sregs.gdt.base = 0x2000;
	st->sregs.gdt.limit = 0x1f;
	st->sregs.idt.base = 0x4000;
	st->sregs.idt.limit = 0xfff;
	st->sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_AM |
			CR0_PG;
	st->sregs.cr3 = 0x1000;
	st->sregs.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	st->sregs.efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
	st->lim = host;
}

/* 32-bit protected mode with paging, restricted VMX rules. */
static void prot32(struct state *st)
{
	long_mode(st);
	st->regs.rip = 0x100000;
	st->sregs.cs = flat_code32;
	st->sregs.gs.base = 0;
	st->sregs.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
	st->sregs.cr4 = 0;
	st->sregs.efer = 0;
}

static void v86_seg(struct altp2m_segment *s, u16 sel)
{
	*s = (struct altp2m_segment){
		.base = (u64)sel << 4, .limit = 0xffff, .selector = sel,
		.type = 3, .present = 1, .dpl = 3, .s = 1,
	};
}

/* A virtual-8086 task of a 32-bit guest. */
static void v86(struct state *st)
{
	prot32(st);
	st->regs.rip = 0x100;
	st->regs.rflags = 0x2 | RFLAGS_VM;
	v86_seg(&st->sregs.cs, 0x1000);
	v86_seg(&st->sregs.ss, 0x2000);
	v86_seg(&st->sregs.ds, 0x1000);
	v86_seg(&st->sregs.es, 0x3000);
	v86_seg(&st->sregs.fs, 0);
	v86_seg(&st->sregs.gs, 0xffff);
}

static void real_seg(struct altp2m_segment *s, u8 type, bool sys)
{
	*s = (struct altp2m_segment){
		.limit = 0xffff, .type = type, .present = 1, .s = !sys,
	};
}

/*
 * The architectural reset state (SDM Vol. 3A, table 10-1), run as
 * unrestricted guest; the VMX layer keeps CR0.NE on behind the shadow.
 */
static void real_mode(struct state *st)
{
	memset(st, 0, sizeof(*st));
	st->regs.rip = 0xfff0;
	st->regs.rflags = 0x2;
	real_seg(&st->sregs.cs, 11, false);
	st->sregs.cs.selector = 0xf000;
	st->sregs.cs.base = 0xffff0000;
	real_seg(&st->sregs.ds, 3, false);
	real_seg(&st->sregs.es, 3, false);
	real_seg(&st->sregs.fs, 3, false);
	real_seg(&st->sregs.gs, 3, false);
	real_seg(&st->sregs.ss, 3, false);
	real_seg(&st->sregs.tr, 11, true);
	real_seg(&st->sregs.ldt, 2, true);
	st->sregs.gdt.limit = 0xffff;
	st->sregs.idt.limit = 0xffff;
	st->sregs.cr0 = CR0_CD | CR0_NW | CR0_ET;
	st->lim = host;
	st->lim.unrestricted = true;
	st->lim.cr0_always_on = CR0_NE;
}

enum base { LONG, PROT32, V86, REAL };

static void (*const bases[])(struct state *) = {
	[LONG] = long_mode, [PROT32] = prot32, [V86] = v86, [REAL] = real_mode,
};

static int check(const struct state *st, u32 *field, const char **why)
{
	*field = 0xdead;
	*why = "unset";
	return altp2m_check_guest_state(&st->regs, &st->sregs, &st->lim,
					field, why);
}

START_TEST(good_states_pass)
{
	static const char *const names[] = { "long", "prot32", "v86", "real" };
	struct state st;
	const char *why;
	u32 field;

	bases[_i](&st);
	ck_assert_msg(check(&st, &field, &why) == 0, "%s: field %#x: %s",
		      names[_i], field, why);
	ck_assert_uint_eq(field, 0);
	ck_assert_ptr_null(why);
}
END_TEST

/* One change to a state: v = (v & ~clear) | set, on a field of any size. */
struct edit {
	size_t off;
	size_t size;
	u64 clear;
	u64 set;
};

#define AT(f)		offsetof(struct state, f), sizeof(((struct state *)0)->f)
#define SET(f, v)	{ AT(f), ~0ULL, (u64)(v) }
#define OR(f, v)	{ AT(f), 0, (u64)(v) }
#define CLR(f, v)	{ AT(f), (u64)(v), 0 }

#define PASS		0

static const struct mutation {
	const char *name;
	enum base base;
	u32 field;		/* expected encoding, or PASS */
	struct edit e[4];
} mutations[] = {
	/* CR0 */
	{ "cr0 without NE", LONG, ALTP2M_VMCS_GUEST_CR0,
	  { CLR(sregs.cr0, CR0_NE) } },
	{ "cr0 without PE, restricted", LONG, ALTP2M_VMCS_GUEST_CR0,
	  { CLR(sregs.cr0, CR0_PE) } },
	{ "cr0 bit 32", LONG, ALTP2M_VMCS_GUEST_CR0,
	  { OR(sregs.cr0, 1ULL << 32) } },
	{ "cr0 PG without PE, unrestricted", LONG, ALTP2M_VMCS_GUEST_CR0,
	  { CLR(sregs.cr0, CR0_PE), SET(lim.unrestricted, 1) } },
	{ "cr0 without PG, restricted", PROT32, ALTP2M_VMCS_GUEST_CR0,
	  { CLR(sregs.cr0, CR0_PG) } },
	{ "unpaged protected mode, unrestricted", PROT32, PASS,
	  { CLR(sregs.cr0, CR0_PG), SET(lim.unrestricted, 1) } },
	{ "fixed0 given without PE/PG, unrestricted", REAL, PASS,
	  { SET(lim.cr0_fixed0, 0x20) } },
	{ "real mode NE not forced", REAL, ALTP2M_VMCS_GUEST_CR0,
	  { SET(lim.cr0_always_on, 0) } },
	{ "real mode NE set by guest", REAL, PASS,
	  { SET(lim.cr0_always_on, 0), OR(sregs.cr0, CR0_NE) } },
	{ "real mode, restricted", REAL, ALTP2M_VMCS_GUEST_CR0,
	  { SET(lim.unrestricted, 0) } },
	{ "CET without WP", LONG, ALTP2M_VMCS_GUEST_CR0,
	  { OR(lim.cr4_fixed1, CR4_CET), OR(sregs.cr4, CR4_CET),
	    CLR(sregs.cr0, CR0_WP) } },
	{ "CET with WP", LONG, PASS,
	  { OR(lim.cr4_fixed1, CR4_CET), OR(sregs.cr4, CR4_CET) } },
	/* CR4 */
	{ "cr4 without VMXE", LONG, ALTP2M_VMCS_GUEST_CR4,
	  { SET(lim.cr4_always_on, 0) } },
	{ "cr4 VMXE set by guest", LONG, PASS,
	  { SET(lim.cr4_always_on, 0), OR(sregs.cr4, CR4_VMXE) } },
	{ "cr4 LA57 unsupported", LONG, ALTP2M_VMCS_GUEST_CR4,
	  { OR(sregs.cr4, CR4_LA57) } },
	{ "cr4 bit 32", LONG, ALTP2M_VMCS_GUEST_CR4,
	  { OR(sregs.cr4, 1ULL << 32) } },
	{ "ia32e without PAE", LONG, ALTP2M_VMCS_GUEST_CR4,
	  { CLR(sregs.cr4, CR4_PAE) } },
	{ "PCIDE outside ia32e", PROT32, ALTP2M_VMCS_GUEST_CR4,
	  { OR(sregs.cr4, CR4_PCIDE) } },
	{ "PCIDE in ia32e", LONG, PASS, { OR(sregs.cr4, CR4_PCIDE) } },
	/* CR3 */
	{ "cr3 at MAXPHYADDR", LONG, ALTP2M_VMCS_GUEST_CR3,
	  { SET(sregs.cr3, 1ULL << 39) } },
	{ "cr3 below MAXPHYADDR", LONG, PASS,
	  { SET(sregs.cr3, (1ULL << 39) - 0x1000) } },
	{ "cr3 bit 63", LONG, ALTP2M_VMCS_GUEST_CR3,
	  { OR(sregs.cr3, 1ULL << 63) } },
	{ "cr3 bit 51, 52-bit host", LONG, PASS,
	  { SET(lim.maxphyaddr, 52), OR(sregs.cr3, 1ULL << 51) } },
	{ "cr3 bit 52, 52-bit host", LONG, ALTP2M_VMCS_GUEST_CR3,
	  { SET(lim.maxphyaddr, 52), OR(sregs.cr3, 1ULL << 52) } },
	{ "cr3 bit 52, maxphyaddr 60", LONG, ALTP2M_VMCS_GUEST_CR3,
	  { SET(lim.maxphyaddr, 60), OR(sregs.cr3, 1ULL << 52) } },
	{ "cr3 bit 31, maxphyaddr 0", LONG, PASS,
	  { SET(lim.maxphyaddr, 0), SET(sregs.cr3, 0xfffff000) } },
	{ "cr3 bit 32, maxphyaddr 0", LONG, ALTP2M_VMCS_GUEST_CR3,
	  { SET(lim.maxphyaddr, 0), SET(sregs.cr3, 1ULL << 32) } },
	/* EFER */
	{ "efer SVME", LONG, ALTP2M_VMCS_GUEST_IA32_EFER,
	  { OR(sregs.efer, 1ULL << 12) } },
	{ "efer bit 63", PROT32, ALTP2M_VMCS_GUEST_IA32_EFER,
	  { OR(sregs.efer, 1ULL << 63) } },
	{ "efer LME without LMA, paged", LONG, ALTP2M_VMCS_GUEST_IA32_EFER,
	  { CLR(sregs.efer, EFER_LMA) } },
	{ "efer LMA without LME, paged", LONG, ALTP2M_VMCS_GUEST_IA32_EFER,
	  { CLR(sregs.efer, EFER_LME) } },
	{ "efer LME, 32-bit paged", PROT32, ALTP2M_VMCS_GUEST_IA32_EFER,
	  { OR(sregs.efer, EFER_LME) } },
	{ "efer LME before paging", PROT32, PASS,
	  { CLR(sregs.cr0, CR0_PG), SET(lim.unrestricted, 1),
	    OR(sregs.efer, EFER_LME) } },
	{ "efer LMA in real mode", REAL, ALTP2M_VMCS_GUEST_CR0,
	  { OR(sregs.efer, EFER_LMA) } },
	/* RFLAGS */
	{ "rflags bit 1 clear", LONG, ALTP2M_VMCS_GUEST_RFLAGS,
	  { SET(regs.rflags, 0) } },
	{ "rflags bit 3", LONG, ALTP2M_VMCS_GUEST_RFLAGS,
	  { OR(regs.rflags, 1ULL << 3) } },
	{ "rflags bit 5", LONG, ALTP2M_VMCS_GUEST_RFLAGS,
	  { OR(regs.rflags, 1ULL << 5) } },
	{ "rflags bit 15", LONG, ALTP2M_VMCS_GUEST_RFLAGS,
	  { OR(regs.rflags, 1ULL << 15) } },
	{ "rflags bit 22", LONG, ALTP2M_VMCS_GUEST_RFLAGS,
	  { OR(regs.rflags, 1ULL << 22) } },
	{ "rflags bit 63", LONG, ALTP2M_VMCS_GUEST_RFLAGS,
	  { OR(regs.rflags, 1ULL << 63) } },
	{ "rflags every defined bit but VM", LONG, PASS,
	  { SET(regs.rflags, 0x3d7fd7) } },
	{ "rflags VM in ia32e", LONG, ALTP2M_VMCS_GUEST_RFLAGS,
	  { OR(regs.rflags, RFLAGS_VM) } },
	{ "rflags VM in real mode", REAL, ALTP2M_VMCS_GUEST_RFLAGS,
	  { OR(regs.rflags, RFLAGS_VM) } },
	/* Attribute values that do not fit the access-rights bits */
	{ "cs type 16", LONG, ALTP2M_VMCS_GUEST_CS_AR_BYTES,
	  { SET(sregs.cs.type, 16) } },
	{ "ds dpl 4", LONG, ALTP2M_VMCS_GUEST_DS_AR_BYTES,
	  { SET(sregs.ds.dpl, 4) } },
	{ "gs present 2", LONG, ALTP2M_VMCS_GUEST_GS_AR_BYTES,
	  { SET(sregs.gs.present, 2) } },
	{ "ldtr unusable 2", LONG, ALTP2M_VMCS_GUEST_LDTR_AR_BYTES,
	  { SET(sregs.ldt.unusable, 2) } },
	{ "es avl 0xff", LONG, ALTP2M_VMCS_GUEST_ES_AR_BYTES,
	  { SET(sregs.es.avl, 0xff) } },
	{ "es avl 1", LONG, PASS, { SET(sregs.es.avl, 1) } },
	/* CS */
	{ "cs base bit 32", LONG, ALTP2M_VMCS_GUEST_CS_BASE,
	  { SET(sregs.cs.base, 1ULL << 32) } },
	{ "cs dpl 3, ss dpl 0", LONG, ALTP2M_VMCS_GUEST_CS_AR_BYTES,
	  { SET(sregs.cs.dpl, 3) } },
	{ "cs exec-only", LONG, PASS, { SET(sregs.cs.type, 9) } },
	{ "cs not accessed", LONG, ALTP2M_VMCS_GUEST_CS_AR_BYTES,
	  { SET(sregs.cs.type, 10) } },
	{ "cs conforming dpl 0", LONG, PASS, { SET(sregs.cs.type, 15) } },
	{ "cs conforming dpl above ss", LONG, ALTP2M_VMCS_GUEST_CS_AR_BYTES,
	  { SET(sregs.cs.type, 13), SET(sregs.cs.dpl, 3) } },
	{ "cs conforming dpl below ss", LONG, PASS,
	  { SET(sregs.cs.type, 13), SET(sregs.ss.dpl, 3),
	    SET(sregs.ss.selector, 0x13), SET(sregs.cs.selector, 0x0b) } },
	{ "cs data, restricted", LONG, ALTP2M_VMCS_GUEST_CS_AR_BYTES,
	  { SET(sregs.cs.type, 3) } },
	{ "cs system", LONG, ALTP2M_VMCS_GUEST_CS_AR_BYTES,
	  { SET(sregs.cs.s, 0) } },
	{ "cs not present", LONG, ALTP2M_VMCS_GUEST_CS_AR_BYTES,
	  { SET(sregs.cs.present, 0) } },
	{ "cs L and D", LONG, ALTP2M_VMCS_GUEST_CS_AR_BYTES,
	  { SET(sregs.cs.db, 1) } },
	{ "cs L and D outside ia32e", PROT32, PASS,
	  { SET(sregs.cs.l, 1) } },
	{ "cs compatibility mode", LONG, PASS,
	  { SET(sregs.cs.l, 0), SET(sregs.cs.db, 1) } },
	{ "cs G with limit 0xfffff000", LONG, ALTP2M_VMCS_GUEST_CS_AR_BYTES,
	  { SET(sregs.cs.limit, 0xfffff000) } },
	{ "cs G with limit 0xfffff", LONG, PASS,
	  { SET(sregs.cs.limit, 0xfffff) } },
	{ "cs no G with 4G limit", LONG, ALTP2M_VMCS_GUEST_CS_AR_BYTES,
	  { SET(sregs.cs.g, 0) } },
	{ "cs no G with 1M limit", LONG, PASS,
	  { SET(sregs.cs.g, 0), SET(sregs.cs.limit, 0xfffff) } },
	/* SS */
	{ "ss rpl differs from cs", LONG, ALTP2M_VMCS_GUEST_SS_SELECTOR,
	  { SET(sregs.ss.selector, 0x13) } },
	{ "ss rpl differs, unrestricted", LONG, PASS,
	  { SET(sregs.ss.selector, 0x13), SET(lim.unrestricted, 1) } },
	{ "ss dpl differs from rpl", LONG, ALTP2M_VMCS_GUEST_SS_AR_BYTES,
	  { SET(sregs.ss.dpl, 3) } },
	{ "ss and cs at cpl 3", LONG, PASS,
	  { SET(sregs.ss.dpl, 3), SET(sregs.ss.selector, 0x2b),
	    SET(sregs.cs.dpl, 3), SET(sregs.cs.selector, 0x33) } },
	{ "ss read-only", LONG, ALTP2M_VMCS_GUEST_SS_AR_BYTES,
	  { SET(sregs.ss.type, 1) } },
	{ "ss expand-down", LONG, PASS, { SET(sregs.ss.type, 7) } },
	{ "ss code", LONG, ALTP2M_VMCS_GUEST_SS_AR_BYTES,
	  { SET(sregs.ss.type, 11) } },
	{ "ss system", LONG, ALTP2M_VMCS_GUEST_SS_AR_BYTES,
	  { SET(sregs.ss.s, 0) } },
	{ "ss not present", LONG, ALTP2M_VMCS_GUEST_SS_AR_BYTES,
	  { SET(sregs.ss.present, 0) } },
	{ "ss G with limit 0xffffe", LONG, ALTP2M_VMCS_GUEST_SS_AR_BYTES,
	  { SET(sregs.ss.limit, 0xffffe) } },
	{ "ss base bit 32", LONG, ALTP2M_VMCS_GUEST_SS_BASE,
	  { OR(sregs.ss.base, 1ULL << 32) } },
	{ "ss unusable, garbage", LONG, PASS,
	  { SET(sregs.ss.unusable, 1), SET(sregs.ss.type, 0),
	    SET(sregs.ss.present, 0), SET(sregs.ss.base, 1ULL << 40) } },
	{ "ss unusable, dpl still checked", LONG,
	  ALTP2M_VMCS_GUEST_SS_AR_BYTES,
	  { SET(sregs.ss.unusable, 1), SET(sregs.ss.dpl, 3) } },
	/* DS, ES, FS, GS */
	{ "ds not accessed", LONG, ALTP2M_VMCS_GUEST_DS_AR_BYTES,
	  { SET(sregs.ds.type, 2) } },
	{ "es exec-only code", LONG, ALTP2M_VMCS_GUEST_ES_AR_BYTES,
	  { SET(sregs.es.type, 9) } },
	{ "fs readable code", LONG, PASS, { SET(sregs.fs.type, 11) } },
	{ "gs read-only data", LONG, PASS, { SET(sregs.gs.type, 1) } },
	{ "ds system", LONG, ALTP2M_VMCS_GUEST_DS_AR_BYTES,
	  { SET(sregs.ds.s, 0) } },
	{ "es not present", LONG, ALTP2M_VMCS_GUEST_ES_AR_BYTES,
	  { SET(sregs.es.present, 0) } },
	{ "gs no G with 4G limit", LONG, ALTP2M_VMCS_GUEST_GS_AR_BYTES,
	  { SET(sregs.gs.g, 0) } },
	{ "ds rpl above dpl", LONG, ALTP2M_VMCS_GUEST_DS_AR_BYTES,
	  { SET(sregs.ds.selector, 0x13) } },
	{ "ds rpl above dpl, unrestricted", LONG, PASS,
	  { SET(sregs.ds.selector, 0x13), SET(lim.unrestricted, 1) } },
	{ "fs rpl above dpl, conforming", LONG, PASS,
	  { SET(sregs.fs.selector, 0x13), SET(sregs.fs.type, 15) } },
	{ "fs rpl above dpl, non-conforming", LONG,
	  ALTP2M_VMCS_GUEST_FS_AR_BYTES,
	  { SET(sregs.fs.selector, 0x13), SET(sregs.fs.type, 11) } },
	{ "ds unusable, garbage", LONG, PASS,
	  { SET(sregs.ds.unusable, 1), SET(sregs.ds.type, 0),
	    SET(sregs.ds.present, 0), SET(sregs.ds.base, 1ULL << 40) } },
	{ "es base bit 32", LONG, ALTP2M_VMCS_GUEST_ES_BASE,
	  { SET(sregs.es.base, 1ULL << 32) } },
	{ "ds base bit 63", LONG, ALTP2M_VMCS_GUEST_DS_BASE,
	  { SET(sregs.ds.base, 1ULL << 63) } },
	{ "fs base 64-bit canonical", LONG, PASS,
	  { SET(sregs.fs.base, 0x00007fffffff0000ULL) } },
	{ "fs base non-canonical", LONG, ALTP2M_VMCS_GUEST_FS_BASE,
	  { SET(sregs.fs.base, 0x0000800000000000ULL) } },
	{ "gs base non-canonical", LONG, ALTP2M_VMCS_GUEST_GS_BASE,
	  { SET(sregs.gs.base, 0xffff7fffffffffffULL) } },
	{ "fs unusable, base still checked", LONG, ALTP2M_VMCS_GUEST_FS_BASE,
	  { SET(sregs.fs.unusable, 1),
	    SET(sregs.fs.base, 0x0000800000000000ULL) } },
	{ "fs base 57-bit, LA57 host", LONG, PASS,
	  { OR(lim.cr4_fixed1, CR4_LA57),
	    SET(sregs.fs.base, 0x00ff000000000000ULL) } },
	{ "fs base 58-bit, LA57 host", LONG, ALTP2M_VMCS_GUEST_FS_BASE,
	  { OR(lim.cr4_fixed1, CR4_LA57),
	    SET(sregs.fs.base, 0x0100000000000000ULL) } },
	/* TR */
	{ "tr TI", LONG, ALTP2M_VMCS_GUEST_TR_SELECTOR,
	  { SET(sregs.tr.selector, 0x1c) } },
	{ "tr base non-canonical", LONG, ALTP2M_VMCS_GUEST_TR_BASE,
	  { SET(sregs.tr.base, 0x8000000000000000ULL) } },
	{ "tr 16-bit busy in ia32e", LONG, ALTP2M_VMCS_GUEST_TR_AR_BYTES,
	  { SET(sregs.tr.type, 3) } },
	{ "tr available TSS", LONG, ALTP2M_VMCS_GUEST_TR_AR_BYTES,
	  { SET(sregs.tr.type, 9) } },
	{ "tr 16-bit busy, 32-bit guest", PROT32, PASS,
	  { SET(sregs.tr.type, 3) } },
	{ "tr available, 32-bit guest", PROT32,
	  ALTP2M_VMCS_GUEST_TR_AR_BYTES, { SET(sregs.tr.type, 9) } },
	{ "tr S", LONG, ALTP2M_VMCS_GUEST_TR_AR_BYTES,
	  { SET(sregs.tr.s, 1) } },
	{ "tr not present", LONG, ALTP2M_VMCS_GUEST_TR_AR_BYTES,
	  { SET(sregs.tr.present, 0) } },
	{ "tr G with limit 0x67", LONG, ALTP2M_VMCS_GUEST_TR_AR_BYTES,
	  { SET(sregs.tr.g, 1) } },
	{ "tr unusable", LONG, ALTP2M_VMCS_GUEST_TR_AR_BYTES,
	  { SET(sregs.tr.unusable, 1) } },
	/* LDTR */
	{ "ldtr usable", LONG, PASS,
	  { SET(sregs.ldt.unusable, 0), SET(sregs.ldt.type, 2),
	    SET(sregs.ldt.present, 1), SET(sregs.ldt.limit, 0xffff) } },
	{ "ldtr TI", REAL, ALTP2M_VMCS_GUEST_LDTR_SELECTOR,
	  { SET(sregs.ldt.selector, 0x4) } },
	{ "ldtr base non-canonical", REAL, ALTP2M_VMCS_GUEST_LDTR_BASE,
	  { SET(sregs.ldt.base, 0x0000800000000000ULL) } },
	{ "ldtr type 3", REAL, ALTP2M_VMCS_GUEST_LDTR_AR_BYTES,
	  { SET(sregs.ldt.type, 3) } },
	{ "ldtr S", REAL, ALTP2M_VMCS_GUEST_LDTR_AR_BYTES,
	  { SET(sregs.ldt.s, 1) } },
	{ "ldtr not present", REAL, ALTP2M_VMCS_GUEST_LDTR_AR_BYTES,
	  { SET(sregs.ldt.present, 0) } },
	{ "ldtr G with limit 0xfffe", REAL, ALTP2M_VMCS_GUEST_LDTR_AR_BYTES,
	  { SET(sregs.ldt.g, 1), SET(sregs.ldt.limit, 0xfffe) } },
	{ "ldtr no G with limit 1M", REAL, ALTP2M_VMCS_GUEST_LDTR_AR_BYTES,
	  { SET(sregs.ldt.limit, 0x100000) } },
	{ "ldtr unusable, garbage", REAL, PASS,
	  { SET(sregs.ldt.unusable, 1), SET(sregs.ldt.type, 0),
	    SET(sregs.ldt.selector, 0x4),
	    SET(sregs.ldt.base, 0x0000800000000000ULL) } },
	/* GDTR, IDTR */
	{ "gdtr base non-canonical", LONG, ALTP2M_VMCS_GUEST_GDTR_BASE,
	  { SET(sregs.gdt.base, 0x0000800000000000ULL) } },
	{ "idtr base non-canonical", LONG, ALTP2M_VMCS_GUEST_IDTR_BASE,
	  { SET(sregs.idt.base, 0xfff0000000000000ULL) } },
	{ "idtr base upper canonical", LONG, PASS,
	  { SET(sregs.idt.base, 0xfffffe0000000000ULL) } },
	/* RIP */
	{ "rip non-canonical", LONG, ALTP2M_VMCS_GUEST_RIP,
	  { SET(regs.rip, 0x0000800000000000ULL) } },
	{ "rip upper canonical", LONG, PASS,
	  { SET(regs.rip, 0xffffffff81000000ULL) } },
	{ "rip 57-bit, guest LA57 off", LONG, ALTP2M_VMCS_GUEST_RIP,
	  { OR(lim.cr4_fixed1, CR4_LA57),
	    SET(regs.rip, 0x00ff000000000000ULL) } },
	{ "rip 57-bit, guest LA57 on", LONG, PASS,
	  { OR(lim.cr4_fixed1, CR4_LA57), OR(sregs.cr4, CR4_LA57),
	    SET(regs.rip, 0x00ff000000000000ULL) } },
	{ "rip 58-bit, guest LA57 on", LONG, ALTP2M_VMCS_GUEST_RIP,
	  { OR(lim.cr4_fixed1, CR4_LA57), OR(sregs.cr4, CR4_LA57),
	    SET(regs.rip, 0x0100000000000000ULL) } },
	{ "rip bit 32, compatibility mode", LONG, ALTP2M_VMCS_GUEST_RIP,
	  { SET(sregs.cs.l, 0), SET(regs.rip, 1ULL << 32) } },
	{ "rip 4G-1, compatibility mode", LONG, PASS,
	  { SET(sregs.cs.l, 0), SET(regs.rip, 0xffffffff) } },
	{ "rip bit 32, 32-bit guest", PROT32, ALTP2M_VMCS_GUEST_RIP,
	  { SET(regs.rip, 1ULL << 32) } },
	/* Real mode under unrestricted guest */
	{ "real cs data segment", REAL, PASS, { SET(sregs.cs.type, 3) } },
	{ "real cs data segment dpl 3", REAL, ALTP2M_VMCS_GUEST_CS_AR_BYTES,
	  { SET(sregs.cs.type, 3), SET(sregs.cs.dpl, 3) } },
	{ "real ss dpl 3", REAL, ALTP2M_VMCS_GUEST_SS_AR_BYTES,
	  { SET(sregs.ss.dpl, 3), SET(sregs.cs.type, 15) } },
	{ "real ss rpl 3", REAL, PASS, { SET(sregs.ss.selector, 3) } },
	{ "cs data segment, ss dpl 3, paged", PROT32,
	  ALTP2M_VMCS_GUEST_SS_AR_BYTES,
	  { SET(lim.unrestricted, 1), SET(sregs.cs.type, 3),
	    SET(sregs.ss.dpl, 3) } },
	{ "cs and ss dpl 3, unrestricted, paged", PROT32, PASS,
	  { SET(lim.unrestricted, 1), SET(sregs.cs.dpl, 3),
	    SET(sregs.ss.dpl, 3) } },
	{ "real cs base bit 32", REAL, ALTP2M_VMCS_GUEST_CS_BASE,
	  { SET(sregs.cs.base, 0x1ffff0000ULL) } },
	{ "real ds not accessed", REAL, ALTP2M_VMCS_GUEST_DS_AR_BYTES,
	  { SET(sregs.ds.type, 2) } },
	/* Virtual-8086 mode */
	{ "v86 cs base", V86, ALTP2M_VMCS_GUEST_CS_BASE,
	  { SET(sregs.cs.base, 0x10001) } },
	{ "v86 gs base at 0xffff0", V86, PASS,
	  { SET(sregs.gs.base, 0xffff0) } },
	{ "v86 ss limit", V86, ALTP2M_VMCS_GUEST_SS_LIMIT,
	  { SET(sregs.ss.limit, 0xfffff) } },
	{ "v86 ds dpl 0", V86, ALTP2M_VMCS_GUEST_DS_AR_BYTES,
	  { SET(sregs.ds.dpl, 0) } },
	{ "v86 es type 7", V86, ALTP2M_VMCS_GUEST_ES_AR_BYTES,
	  { SET(sregs.es.type, 7) } },
	{ "v86 fs unusable", V86, ALTP2M_VMCS_GUEST_FS_AR_BYTES,
	  { SET(sregs.fs.unusable, 1) } },
	{ "v86 gs avl", V86, ALTP2M_VMCS_GUEST_GS_AR_BYTES,
	  { SET(sregs.gs.avl, 1) } },
	{ "v86 cs rpl 3, ss rpl 0", V86, PASS,
	  { SET(sregs.cs.selector, 0x1003), SET(sregs.cs.base, 0x10030) } },
	{ "v86 tr S", V86, ALTP2M_VMCS_GUEST_TR_AR_BYTES,
	  { SET(sregs.tr.s, 1) } },
	{ "v86 gdtr non-canonical", V86, ALTP2M_VMCS_GUEST_GDTR_BASE,
	  { SET(sregs.gdt.base, 0x0000800000000000ULL) } },
	{ "v86 rip bit 32", V86, ALTP2M_VMCS_GUEST_RIP,
	  { SET(regs.rip, 1ULL << 32) } },
};

static void apply(struct state *st, const struct edit *e)
{
	unsigned char *p = (unsigned char *)st + e->off;
	u64 v = 0;
	u8 v8;
	u16 v16;
	u32 v32;

	switch (e->size) {
	case 1:
		memcpy(&v8, p, 1);
		v = v8;
		break;
	case 2:
		memcpy(&v16, p, 2);
		v = v16;
		break;
	case 4:
		memcpy(&v32, p, 4);
		v = v32;
		break;
	case 8:
		memcpy(&v, p, 8);
		break;
	default:
		ck_abort_msg("edit of %zu bytes", e->size);
	}
	v = (v & ~e->clear) | e->set;
	v8 = v;
	v16 = v;
	v32 = v;
	memcpy(p, e->size == 1 ? (void *)&v8 : e->size == 2 ? (void *)&v16 :
		  e->size == 4 ? (void *)&v32 : (void *)&v, e->size);
}

START_TEST(mutation)
{
	const struct mutation *m = &mutations[_i];
	struct state st;
	const char *why;
	u32 field;
	unsigned int i;
	int ret;

	bases[m->base](&st);
	for (i = 0; i < ARRAY_LEN(m->e) && m->e[i].size; i++)
		apply(&st, &m->e[i]);
	ret = check(&st, &field, &why);
	if (m->field == PASS) {
		ck_assert_msg(ret == 0, "%s: should pass, failed on %#x: %s",
			      m->name, field, why);
		ck_assert_uint_eq(field, 0);
		ck_assert_ptr_null(why);
		return;
	}
	ck_assert_msg(ret == -EINVAL, "%s: returned %d", m->name, ret);
	ck_assert_msg(field == m->field, "%s: field %#x (%s), expected %#x",
		      m->name, field, why, m->field);
	ck_assert_msg(why && *why, "%s: no reason", m->name);
}
END_TEST

/*
 * The encodings against the SDM's layout (appendix B): access type [0],
 * index [9:1], type [11:10] (2: guest state), width [14:13] (0: 16-bit,
 * 1: 64-bit, 2: 32-bit, 3: natural width).
 */
#define ENC(width, index)	((width) << 13 | 2 << 10 | (index) << 1)

START_TEST(field_encodings)
{
	static const u32 selector[] = {
		ALTP2M_VMCS_GUEST_ES_SELECTOR, ALTP2M_VMCS_GUEST_CS_SELECTOR,
		ALTP2M_VMCS_GUEST_SS_SELECTOR, ALTP2M_VMCS_GUEST_DS_SELECTOR,
		ALTP2M_VMCS_GUEST_FS_SELECTOR, ALTP2M_VMCS_GUEST_GS_SELECTOR,
		ALTP2M_VMCS_GUEST_LDTR_SELECTOR, ALTP2M_VMCS_GUEST_TR_SELECTOR,
	};
	static const u32 limit[] = {
		ALTP2M_VMCS_GUEST_ES_LIMIT, ALTP2M_VMCS_GUEST_CS_LIMIT,
		ALTP2M_VMCS_GUEST_SS_LIMIT, ALTP2M_VMCS_GUEST_DS_LIMIT,
		ALTP2M_VMCS_GUEST_FS_LIMIT, ALTP2M_VMCS_GUEST_GS_LIMIT,
		ALTP2M_VMCS_GUEST_LDTR_LIMIT, ALTP2M_VMCS_GUEST_TR_LIMIT,
		ALTP2M_VMCS_GUEST_GDTR_LIMIT, ALTP2M_VMCS_GUEST_IDTR_LIMIT,
	};
	static const u32 ar[] = {
		ALTP2M_VMCS_GUEST_ES_AR_BYTES, ALTP2M_VMCS_GUEST_CS_AR_BYTES,
		ALTP2M_VMCS_GUEST_SS_AR_BYTES, ALTP2M_VMCS_GUEST_DS_AR_BYTES,
		ALTP2M_VMCS_GUEST_FS_AR_BYTES, ALTP2M_VMCS_GUEST_GS_AR_BYTES,
		ALTP2M_VMCS_GUEST_LDTR_AR_BYTES, ALTP2M_VMCS_GUEST_TR_AR_BYTES,
	};
	static const u32 natural[] = {
		ALTP2M_VMCS_GUEST_CR0, ALTP2M_VMCS_GUEST_CR3,
		ALTP2M_VMCS_GUEST_CR4, ALTP2M_VMCS_GUEST_ES_BASE,
		ALTP2M_VMCS_GUEST_CS_BASE, ALTP2M_VMCS_GUEST_SS_BASE,
		ALTP2M_VMCS_GUEST_DS_BASE, ALTP2M_VMCS_GUEST_FS_BASE,
		ALTP2M_VMCS_GUEST_GS_BASE, ALTP2M_VMCS_GUEST_LDTR_BASE,
		ALTP2M_VMCS_GUEST_TR_BASE, ALTP2M_VMCS_GUEST_GDTR_BASE,
		ALTP2M_VMCS_GUEST_IDTR_BASE,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(selector); i++)
		ck_assert_uint_eq(selector[i], ENC(0, i));
	for (i = 0; i < ARRAY_LEN(limit); i++)
		ck_assert_uint_eq(limit[i], ENC(2, i));
	for (i = 0; i < ARRAY_LEN(ar); i++)
		ck_assert_uint_eq(ar[i], ENC(2, 10 + i));
	for (i = 0; i < ARRAY_LEN(natural); i++)
		ck_assert_uint_eq(natural[i], ENC(3, i));
	/* DR7 (index 13) and RSP (14) sit between IDTR base and RIP. */
	ck_assert_uint_eq(ALTP2M_VMCS_GUEST_RIP, ENC(3, 15));
	ck_assert_uint_eq(ALTP2M_VMCS_GUEST_RFLAGS, ENC(3, 16));
	/* After the VMCS link pointer, DEBUGCTL and PAT. */
	ck_assert_uint_eq(ALTP2M_VMCS_GUEST_IA32_EFER, ENC(1, 3));
	/* The numbers userspace sees, as printed in the SDM. */
	ck_assert_uint_eq(ALTP2M_VMCS_GUEST_CR0, 0x6800);
	ck_assert_uint_eq(ALTP2M_VMCS_GUEST_CS_SELECTOR, 0x802);
	ck_assert_uint_eq(ALTP2M_VMCS_GUEST_CS_LIMIT, 0x4802);
	ck_assert_uint_eq(ALTP2M_VMCS_GUEST_CS_AR_BYTES, 0x4816);
	ck_assert_uint_eq(ALTP2M_VMCS_GUEST_TR_AR_BYTES, 0x4822);
	ck_assert_uint_eq(ALTP2M_VMCS_GUEST_IDTR_BASE, 0x6818);
	ck_assert_uint_eq(ALTP2M_VMCS_GUEST_RIP, 0x681e);
	ck_assert_uint_eq(ALTP2M_VMCS_GUEST_RFLAGS, 0x6820);
	ck_assert_uint_eq(ALTP2M_VMCS_GUEST_IA32_EFER, 0x2806);
	ck_assert_uint_eq(ALTP2M_ENTRY_FAIL_GUEST_STATE, 33);
}
END_TEST

START_TEST(seg_to_ar_known_values)
{
	struct altp2m_segment s = flat_code64;

	ck_assert_uint_eq(altp2m_seg_to_ar(&flat_code64), 0xa09b);
	ck_assert_uint_eq(altp2m_seg_to_ar(&flat_code32), 0xc09b);
	ck_assert_uint_eq(altp2m_seg_to_ar(&flat_data), 0xc093);
	ck_assert_uint_eq(altp2m_seg_to_ar(&busy_tss), 0x8b);
	ck_assert_uint_eq(altp2m_seg_to_ar(&no_ldt), 0x10000);
	s.dpl = 3;
	s.avl = 1;
	ck_assert_uint_eq(altp2m_seg_to_ar(&s), 0xb0fb);
	v86_seg(&s, 0x1234);
	ck_assert_uint_eq(altp2m_seg_to_ar(&s), 0xf3);
}
END_TEST

/* Every access-rights value with its reserved bits clear survives. */
START_TEST(ar_round_trip)
{
	const u32 defined = 0x1f0ff;
	struct altp2m_segment s, before;
	u32 ar;

	memset(&s, 0, sizeof(s));
	s.base = 0x123456789abcdefULL;
	s.limit = 0xfffff;
	s.selector = 0x1234;
	for (ar = 0; ar <= defined; ar++) {
		if (ar & ~defined)
			continue;
		altp2m_ar_to_seg(ar, &s);
		ck_assert_uint_eq(altp2m_seg_to_ar(&s), ar);
		before = s;
		altp2m_ar_to_seg(altp2m_seg_to_ar(&s), &s);
		ck_assert_mem_eq(&s, &before, sizeof(s));
	}
	ck_assert_uint_eq(s.base, 0x123456789abcdefULL);
	ck_assert_uint_eq(s.limit, 0xfffff);
	ck_assert_uint_eq(s.selector, 0x1234);
	/* Reserved bits (11:8, 31:17) are dropped. */
	altp2m_ar_to_seg(0xffffffff, &s);
	ck_assert_uint_eq(altp2m_seg_to_ar(&s), defined);
	altp2m_ar_to_seg(0xfffe0f00, &s);
	ck_assert_uint_eq(altp2m_seg_to_ar(&s), 0);
}
END_TEST

static Suite *entry_checks_suite(void)
{
	Suite *s = suite_create("entry_checks");
	TCase *tc = tcase_create("guest_state");

	tcase_add_loop_test(tc, good_states_pass, 0, ARRAY_LEN(bases));
	tcase_add_loop_test(tc, mutation, 0, ARRAY_LEN(mutations));
	tcase_add_test(tc, field_encodings);
	tcase_add_test(tc, seg_to_ar_known_values);
	tcase_add_test(tc, ar_round_trip);
	suite_add_tcase(s, tc);
	return s;
}
UNIT_SUITE(entry_checks_suite)
