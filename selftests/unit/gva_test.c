// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/core/gva.c, the guest page walker. The guest's page
 * tables are built by hand in a fake guest-physical memory; the entry
 * addresses and results in the explicit tests were worked out by hand from
 * the SDM's address split, not by the code under test.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../kmod/core/gva.h"
#include "unit.h"

#define MEM_SIZE	(1u << 20)

#define P	0x1ULL
#define RW	0x2ULL
#define US	0x4ULL
#define PS	0x80ULL
#define XD	(1ULL << 63)
#define PRW	(P | RW)
#define PRWU	(P | RW | US)

#define PF_P	ALTP2M_PFERR_PRESENT
#define PF_W	ALTP2M_PFERR_WRITE
#define PF_U	ALTP2M_PFERR_USER
#define PF_R	ALTP2M_PFERR_RSVD
#define PF_I	ALTP2M_PFERR_FETCH
#define A_W	ALTP2M_ACC_WRITE
#define A_U	ALTP2M_ACC_USER
#define A_F	ALTP2M_ACC_FETCH

static struct guest {
	u8 *mem;
	struct altp2m_paging pg;
	struct altp2m_gva_ctx ctx;
	u64 fail_page;		/* reads touching this page fail; 0: none */
	unsigned int reads;
} g;

static int fake_read(void *opaque, u64 gpa, void *buf, unsigned int len)
{
	struct guest *gu = opaque;

	gu->reads++;
	if (gpa >= MEM_SIZE || len > MEM_SIZE - gpa)
		return -EFAULT;
	if (gu->fail_page && (gpa & ~0xfffULL) == gu->fail_page)
		return -EFAULT;
	memcpy(buf, gu->mem + gpa, len);
	return 0;
}

static int fake_write(void *opaque, u64 gpa, const void *buf,
		      unsigned int len)
{
	struct guest *gu = opaque;

	if (gpa >= MEM_SIZE || len > MEM_SIZE - gpa)
		return -EFAULT;
	memcpy(gu->mem + gpa, buf, len);
	return 0;
}

static void setup(void)
{
	memset(&g, 0, sizeof(g));
	g.mem = calloc(1, MEM_SIZE);
	ck_assert_ptr_nonnull(g.mem);
	g.ctx.pg = &g.pg;
	g.ctx.read = fake_read;
	g.ctx.write = fake_write;
	g.ctx.opaque = &g;
	g.ctx.maxphyaddr = 46;
}

static void teardown(void)
{
	free(g.mem);
}

/* Entries are little-endian in guest memory, whatever the host. */
static void put(u64 gpa, u64 val, unsigned int size)
{
	unsigned int i;

	for (i = 0; i < size; i++)
		g.mem[gpa + i] = val >> (8 * i);
}

static void put64(u64 gpa, u64 val)
{
	put(gpa, val, 8);
}

static void put32(u64 gpa, u32 val)
{
	put(gpa, val, 4);
}

static u64 get64(u64 gpa)
{
	u64 v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | g.mem[gpa + i];
	return v;
}

static void mode_32(bool pse)
{
	g.pg.cr0 = ALTP2M_CR0_PE | ALTP2M_CR0_PG | ALTP2M_CR0_WP;
	g.pg.cr4 = pse ? ALTP2M_CR4_PSE : 0;
	g.pg.efer = 0;
	g.pg.cr3 = 0x1000;
}

static void mode_pae(bool nxe)
{
	g.pg.cr0 = ALTP2M_CR0_PE | ALTP2M_CR0_PG | ALTP2M_CR0_WP;
	g.pg.cr4 = ALTP2M_CR4_PAE;
	g.pg.efer = nxe ? ALTP2M_EFER_NXE : 0;
	g.pg.cr3 = 0x1020;	/* only 32-byte aligned, as PAE allows */
}

static void mode_long(bool la57, bool nxe)
{
	g.pg.cr0 = ALTP2M_CR0_PE | ALTP2M_CR0_PG | ALTP2M_CR0_WP;
	g.pg.cr4 = ALTP2M_CR4_PAE | (la57 ? ALTP2M_CR4_LA57 : 0);
	g.pg.efer = ALTP2M_EFER_LME | ALTP2M_EFER_LMA |
		    (nxe ? ALTP2M_EFER_NXE : 0);
	g.pg.cr3 = 0x1000;
	g.pg.cs_l = true;
}

static int xlate(u64 gva, u32 access, u64 *gpa, struct altp2m_gva_fault *f)
{
	memset(f, 0xa5, sizeof(*f));
	*gpa = 0xdeadULL;
	return altp2m_gva_to_gpa(&g.ctx, gva, access, gpa, f);
}

static void expect_gpa(u64 gva, u32 access, u64 want)
{
	struct altp2m_gva_fault f;
	u64 gpa;
	int ret = xlate(gva, access, &gpa, &f);

	ck_assert_msg(ret == 0, "gva %#llx: ret %d, pf %#x",
		      (unsigned long long)gva, ret, f.error_code);
	ck_assert_msg(gpa == want, "gva %#llx: gpa %#llx, want %#llx",
		      (unsigned long long)gva, (unsigned long long)gpa,
		      (unsigned long long)want);
}

static void expect_pf(u64 gva, u32 access, u32 code)
{
	struct altp2m_gva_fault f;
	u64 gpa;
	int ret = xlate(gva, access, &gpa, &f);

	ck_assert_msg(ret == -EFAULT, "gva %#llx: ret %d, want -EFAULT",
		      (unsigned long long)gva, ret);
	ck_assert_uint_eq(f.vector, ALTP2M_VEC_PF);
	ck_assert_msg(f.error_code == code, "gva %#llx: pf %#x, want %#x",
		      (unsigned long long)gva, f.error_code, code);
	ck_assert_uint_eq(f.addr, gva);
}

static void expect_gp(u64 gva)
{
	struct altp2m_gva_fault f;
	u64 gpa;

	ck_assert_int_eq(xlate(gva, 0, &gpa, &f), -EFAULT);
	ck_assert_uint_eq(f.vector, ALTP2M_VEC_GP);
	ck_assert_uint_eq(f.error_code, 0);
	ck_assert_uint_eq(f.addr, gva);
}

/*
 * The 4-level address used throughout: PML4 index 0xff, PDPT 0x1a2,
 * PD 0xc3, PT 0x1e4, offset 0x5e6; tables at 0x1000 (PML4), 0x2000,
 * 0x3000 and 0x4000 (PT), so its entries sit at these addresses.
 */
#define G4		0x7fe8987e45e6ULL
static const u64 g4_entry[5] = { 0, 0x4f20, 0x3618, 0x2d10, 0x17f8 };
static const u64 g4_table[5] = { 0, 0x4000, 0x3000, 0x2000, 0x1000 };

/* Map G4 with a leaf at @leaf (1: 4K, 2: 2M, 3: 1G); @flags everywhere. */
static void map_g4(int leaf, u64 frame, u64 flags)
{
	int level;

	for (level = 4; level > leaf; level--)
		put64(g4_entry[level], g4_table[level - 1] | flags);
	put64(g4_entry[leaf], frame | flags | (leaf > 1 ? PS : 0));
}

static void g4_or(int level, u64 bits)
{
	put64(g4_entry[level], get64(g4_entry[level]) | bits);
}

static void g4_clear(int level, u64 bits)
{
	put64(g4_entry[level], get64(g4_entry[level]) & ~bits);
}

START_TEST(paging_off)
{
	g.pg.cr0 = ALTP2M_CR0_PE;
	expect_gpa(0xfee00000, 0, 0xfee00000);
	expect_gpa(0xfee00000, A_W | A_U, 0xfee00000);
	/* linear addresses are 32 bits outside IA-32e mode */
	expect_gpa(0x123456789ULL, A_F, 0x23456789);
	ck_assert_uint_eq(g.reads, 0);
}
END_TEST

START_TEST(long_4k_2m_1g)
{
	u8 before[0x5000];

	mode_long(false, true);
	put64(0x17f8, 0x2000 | PRWU);
	put64(0x2d10, 0x3000 | PRWU);
	put64(0x3618, 0x4000 | PRWU);
	put64(0x4f20, 0xabcde000 | PRWU);
	memcpy(before, g.mem, sizeof(before));
	expect_gpa(G4, 0, 0xabcde5e6);
	expect_gpa(G4, A_W | A_U, 0xabcde5e6);
	ck_assert_uint_eq(g.reads, 8);
	/* we only look: no accessed or dirty bit appeared */
	ck_assert(!memcmp(before, g.mem, sizeof(before)));

	put64(0x3618, 0x123400000ULL | PS | PRWU);
	expect_gpa(G4, 0, 0x1235e45e6ULL);
	put64(0x2d10, 0x4080000000ULL | PS | PRWU);
	expect_gpa(G4, 0, 0x40987e45e6ULL);
	/* PAT (bit 12) of a large page is not an address bit */
	put64(0x2d10, 0x4080000000ULL | BIT_ULL(12) | PS | PRWU);
	expect_gpa(G4, 0, 0x40987e45e6ULL);
	/* bits 62:52 are ignored in 4-level paging */
	put64(0x2d10, 0x4080000000ULL | BIT_ULL(62) | BIT_ULL(52) | PS | PRWU);
	expect_gpa(G4, 0, 0x40987e45e6ULL);
}
END_TEST

START_TEST(long_5_level)
{
	/* PML5 0x1ab, PML4 0x11, PDPT 0x22, PD 0x33, PT 0x44, offset 0x55 */
	const u64 gva = 0xffab088886644055ULL;

	mode_long(true, false);
	put64(0x1d58, 0x2000 | PRW);
	put64(0x2088, 0x3000 | PRW);
	put64(0x3110, 0x4000 | PRW);
	put64(0x4198, 0x5000 | PRW);
	put64(0x5220, 0xfedc000 | PRW);
	expect_gpa(gva, 0, 0xfedc055);
	/* PS is reserved in a PML5E */
	put64(0x1d58, 0x2000 | PRW | PS);
	expect_pf(gva, 0, PF_P | PF_R);
	/* the same address is not canonical with 4 levels */
	mode_long(false, false);
	expect_gp(gva);
}
END_TEST

START_TEST(non_canonical)
{
	mode_long(false, false);
	expect_gp(0x0000800000000000ULL);
	expect_gp(0xffff7fffffffffffULL);
	expect_gp(0x8000000000000000ULL);
	ck_assert_uint_eq(g.reads, 0);
	/* canonical: walks, and finds nothing */
	expect_pf(0xffff800000000000ULL, 0, 0);
	expect_pf(0x00007fffffffffffULL, 0, 0);
	mode_long(true, false);
	expect_gp(0x0100000000000000ULL);
	expect_gp(0xfeffffffffffffffULL);
	expect_pf(0x00ff800000000000ULL, 0, 0);
	expect_pf(0xff00000000000000ULL, 0, 0);
}
END_TEST

START_TEST(legacy_32bit)
{
	/* PD index 0x2d3, PT index 0xa7, offset 0x9ab */
	const u64 gva = 0xb4ca79abULL;

	mode_32(false);
	put32(0x1b4c, 0x2000 | PRWU);
	put32(0x229c, 0xabcde000 | PRWU);
	expect_gpa(gva, 0, 0xabcde9ab);
	/* a legacy linear address has 32 bits */
	expect_gpa(0x100000000ULL | gva, 0, 0xabcde9ab);
	/* without CR4.PSE, PS means nothing: still a page table */
	put32(0x1b4c, 0x2000 | PRWU | PS);
	expect_gpa(gva, 0, 0xabcde9ab);
	/* no XD and no reserved bits in 4 KiB entries */
	put32(0x229c, 0xabcde000 | PRWU | 0xf00);
	expect_gpa(gva, A_F, 0xabcde9ab);
	/* permissions, with the exact error codes */
	put32(0x229c, 0xabcde000 | P | US);
	expect_pf(gva, A_W | A_U, PF_P | PF_W | PF_U);
	expect_pf(gva, A_W, PF_P | PF_W);
	g.pg.cr0 &= ~ALTP2M_CR0_WP;
	expect_gpa(gva, A_W, 0xabcde9ab);
	put32(0x229c, 0);
	/* no I/D bit without PAE+NXE or SMEP */
	expect_pf(gva, A_F, 0);
	g.pg.cr4 |= ALTP2M_CR4_SMEP;
	expect_pf(gva, A_F, PF_I);
	put32(0x1b4c, 0);
	expect_pf(gva, A_U, PF_U);
}
END_TEST

START_TEST(legacy_32bit_pse)
{
	const u64 gva = 0xb4ca79abULL;

	mode_32(true);
	g.ctx.maxphyaddr = 40;
	/* PSE-36: bits 20:13 give physical address bits 39:32 */
	put32(0x1b4c, 0x0b400000 | (0x3 << 13) | PS | PRWU);
	expect_gpa(gva, 0, 0x30b4a79abULL);
	put32(0x1b4c, 0x0b400000 | (0x80 << 13) | PS | PRWU);
	expect_gpa(gva, 0, 0x800b4a79abULL);
	/* bit 21 is always reserved */
	put32(0x1b4c, 0x0b400000 | (1 << 21) | PS | PRWU);
	expect_pf(gva, 0, PF_P | PF_R);
	/* with MAXPHYADDR 36, bits 21:17 are */
	g.ctx.maxphyaddr = 36;
	put32(0x1b4c, 0x0b400000 | (1 << 16) | PS | PRWU);
	expect_gpa(gva, 0, 0x80b4a79abULL);
	put32(0x1b4c, 0x0b400000 | (1 << 17) | PS | PRWU);
	expect_pf(gva, A_W | A_U, PF_P | PF_R | PF_W | PF_U);
	/* a PAT bit is fine */
	put32(0x1b4c, 0x0b400000 | (1 << 12) | PS | PRWU);
	expect_gpa(gva, 0, 0x0b4a79abULL);
	/* above 40, MAXPHYADDR changes nothing: bit 21 stays reserved */
	g.ctx.maxphyaddr = 46;
	put32(0x1b4c, 0x0b400000 | (0xff << 13) | PS | PRWU);
	expect_gpa(gva, 0, 0xff0b4a79abULL);
	put32(0x1b4c, 0x0b400000 | (1 << 21) | PS | PRWU);
	expect_pf(gva, 0, PF_P | PF_R);
}
END_TEST

START_TEST(pae)
{
	/* PDPT index 2, PD 0x155, PT 0xee, offset 0x321; CR3 0x1020 */
	const u64 gva = 0xaaaee321ULL;

	mode_pae(false);
	put64(0x1030, 0x2000 | P);
	put64(0x2aa8, 0x3000 | PRWU);
	put64(0x3770, 0x876543000ULL | PRWU);
	expect_gpa(gva, A_U | A_W, 0x876543321ULL);
	put64(0x2aa8, 0x9abc00000ULL | PS | PRWU);
	expect_gpa(gva, 0, 0x9abcee321ULL);
	/* 2 MiB page: bits 20:13 reserved */
	put64(0x2aa8, 0x9abc00000ULL | BIT_ULL(13) | PS | PRWU);
	expect_pf(gva, 0, PF_P | PF_R);
	put64(0x2aa8, 0x3000 | PRWU);
	/* PAE reserves bits 62:MAXPHYADDR, which 4-level ignores */
	put64(0x3770, 0x876543000ULL | BIT_ULL(62) | PRWU);
	expect_pf(gva, 0, PF_P | PF_R);
	/* XD is reserved without EFER.NXE ... */
	put64(0x3770, 0x876543000ULL | XD | PRWU);
	expect_pf(gva, A_F, PF_P | PF_R);
	/* ... and with it, refuses fetches, reported as such */
	g.pg.efer |= ALTP2M_EFER_NXE;
	expect_gpa(gva, 0, 0x876543321ULL);
	expect_pf(gva, A_F, PF_P | PF_I);
	/* PDPTEs: not present; R/W, U/S, PS and XD are reserved there */
	put64(0x1030, 0x2000);
	expect_pf(gva, A_U, PF_U);
	put64(0x1030, 0x2000 | P | RW);
	expect_pf(gva, 0, PF_P | PF_R);
	put64(0x1030, 0x2000 | P | US);
	expect_pf(gva, 0, PF_P | PF_R);
	put64(0x1030, 0x2000 | P | PS);
	expect_pf(gva, 0, PF_P | PF_R);
	put64(0x1030, 0x2000 | P | XD);
	expect_pf(gva, 0, PF_P | PF_R);
	put64(0x1030, 0x2000 | P | BIT_ULL(46));
	expect_pf(gva, 0, PF_P | PF_R);
	/* the other PDPTEs are independent */
	put64(0x1030, 0x2000 | P);
	expect_gpa(gva, 0, 0x876543321ULL);
	expect_pf(gva & 0x3fffffff, 0, 0);
}
END_TEST

/* Outside IA-32e mode linear addresses are 32 bits: bits 63:32 vanish. */
START_TEST(legacy_linear_is_32bit)
{
	const u64 gva = 0xaaaee321ULL, high = 0xffffffff00000000ULL;
	struct altp2m_gva_fault f;
	u64 gpa;

	mode_pae(false);
	put64(0x1030, 0x2000 | P);
	put64(0x2aa8, 0x3000 | PRWU);
	put64(0x3770, 0x876543000ULL | PRWU);
	expect_gpa(high | gva, 0, 0x876543321ULL);
	/* and the fault reports the address the guest's CR2 would get */
	put64(0x3770, 0);
	ck_assert_int_eq(xlate(high | gva, 0, &gpa, &f), -EFAULT);
	ck_assert_uint_eq(f.addr, gva);
	mode_32(false);
	ck_assert_int_eq(xlate(high | 0x1234, A_U, &gpa, &f), -EFAULT);
	ck_assert_uint_eq(f.error_code, PF_U);
	ck_assert_uint_eq(f.addr, 0x1234);
}
END_TEST

/* Clearing P at each level of a 4-level walk: which fault, which code. */
START_TEST(not_present_each_level)
{
	int level = _i + 1;

	mode_long(false, true);
	map_g4(1, 0x5000, PRWU);
	expect_gpa(G4, 0, 0x55e6);
	g4_clear(level, P);
	expect_pf(G4, 0, 0);
	expect_pf(G4, A_W | A_U, PF_W | PF_U);
	expect_pf(G4, A_F | A_U, PF_I | PF_U);
	/* without NXE (and SMEP) fetches are not told apart */
	g.pg.efer &= ~ALTP2M_EFER_NXE;
	expect_pf(G4, A_F, 0);
}
END_TEST

/* Reserved bits at each level and page size. */
static const struct rsvd {
	const char *what;
	int leaf, level;	/* mapping, and the entry to spoil */
	u64 bits;
	bool nxe;
	u8 maxphyaddr;
	bool ok;		/* not reserved after all */
} rsvds[] = {
	{ "PML4E bit 46", 1, 4, BIT_ULL(46), true, 46, false },
	{ "PDPTE bit 51", 1, 3, BIT_ULL(51), true, 46, false },
	{ "PDE bit 47", 1, 2, BIT_ULL(47), true, 46, false },
	{ "PTE bit 46", 1, 1, BIT_ULL(46), true, 46, false },
	{ "PTE bit 45 is address", 1, 1, BIT_ULL(45), true, 46, true },
	{ "PTE bit 51 with MAXPHYADDR 52", 1, 1, BIT_ULL(51), true, 52, true },
	{ "PTE bit 39 with MAXPHYADDR 39", 1, 1, BIT_ULL(39), true, 39, false },
	{ "PTE bit 52 ignored", 1, 1, BIT_ULL(52), true, 46, true },
	{ "PML4E PS", 1, 4, PS, true, 46, false },
	{ "PML4E XD without NXE", 1, 4, XD, false, 46, false },
	{ "PDPTE XD without NXE", 1, 3, XD, false, 46, false },
	{ "PDE XD without NXE", 1, 2, XD, false, 46, false },
	{ "PTE XD without NXE", 1, 1, XD, false, 46, false },
	{ "PTE XD with NXE", 1, 1, XD, true, 46, true },
	{ "2M bit 13", 2, 2, BIT_ULL(13), true, 46, false },
	{ "2M bit 20", 2, 2, BIT_ULL(20), true, 46, false },
	{ "2M bit 21 is address", 2, 2, BIT_ULL(21), true, 46, true },
	{ "1G bit 13", 3, 3, BIT_ULL(13), true, 46, false },
	{ "1G bit 29", 3, 3, BIT_ULL(29), true, 46, false },
	{ "1G bit 30 is address", 3, 3, BIT_ULL(30), true, 46, true },
	{ "1G bit 46", 3, 3, BIT_ULL(46), true, 46, false },
	{ "4K bit 13 is address", 1, 1, BIT_ULL(13), true, 46, true },
};

START_TEST(reserved_bits)
{
	const struct rsvd *r = &rsvds[_i];
	struct altp2m_gva_fault f;
	u64 gpa;
	int ret;

	mode_long(false, r->nxe);
	g.ctx.maxphyaddr = r->maxphyaddr;
	map_g4(r->leaf, r->leaf == 3 ? 0x40000000 : 0x200000, PRWU);
	g4_or(r->level, r->bits);
	ret = xlate(G4, A_U, &gpa, &f);
	if (r->ok) {
		ck_assert_msg(ret == 0, "%s: %d", r->what, ret);
		return;
	}
	ck_assert_msg(ret == -EFAULT, "%s: %d", r->what, ret);
	ck_assert_msg(f.error_code == (PF_P | PF_R | PF_U), "%s: %#x", r->what,
		      f.error_code);
	/* reserved bits win over a permission fault on the same walk */
	g4_clear(1, RW);
	expect_pf(G4, A_W, PF_P | PF_R | PF_W);
	if (r->nxe)
		expect_pf(G4, A_F, PF_P | PF_R | PF_I);
}
END_TEST

/* Permissions, combined over all levels; everything starts P|RW|US. */
static const struct perm {
	const char *what;
	int level;		/* entry to change, 0 for none */
	u64 clear, set;
	bool wp, smep, nxe;
	u32 access;
	int pf;			/* -1: allowed, else the error code */
} perms[] = {
	{ "user read", 0, 0, 0, true, false, true, A_U, -1 },
	{ "user read, supervisor PTE", 1, US, 0, true, false, true, A_U,
	  PF_P | PF_U },
	{ "user read, supervisor PML4E", 4, US, 0, true, false, true, A_U,
	  PF_P | PF_U },
	{ "supervisor read of a user page", 0, 0, 0, true, true, true, 0, -1 },
	{ "supervisor read of a supervisor page", 2, US, 0, true, true, true,
	  0, -1 },
	{ "user write, read-only PTE", 1, RW, 0, true, false, true,
	  A_U | A_W, PF_P | PF_W | PF_U },
	{ "user write, read-only PDE", 2, RW, 0, true, false, true,
	  A_U | A_W, PF_P | PF_W | PF_U },
	{ "user write, read-only, WP=0", 1, RW, 0, false, false, true,
	  A_U | A_W, PF_P | PF_W | PF_U },
	{ "supervisor write, read-only PTE, WP=1", 1, RW, 0, true, false, true,
	  A_W, PF_P | PF_W },
	{ "supervisor write, read-only PDPTE, WP=1", 3, RW, 0, true, false,
	  true, A_W, PF_P | PF_W },
	{ "supervisor write, read-only, WP=0", 1, RW, 0, false, false, true,
	  A_W, -1 },
	{ "supervisor write, user page", 0, 0, 0, true, false, true, A_W, -1 },
	{ "fetch, XD PTE", 1, 0, XD, true, false, true, A_F, PF_P | PF_I },
	{ "user fetch, XD PDE", 2, 0, XD, true, false, true, A_F | A_U,
	  PF_P | PF_I | PF_U },
	{ "fetch, XD PML4E", 4, 0, XD, true, false, true, A_F, PF_P | PF_I },
	{ "read of an XD page", 1, 0, XD, true, false, true, 0, -1 },
	{ "fetch, no XD", 0, 0, 0, true, false, true, A_F, -1 },
	{ "supervisor fetch of a user page, SMEP", 0, 0, 0, true, true, true,
	  A_F, PF_P | PF_I },
	{ "SMEP, no NXE: I/D still reported", 0, 0, 0, true, true, false,
	  A_F, PF_P | PF_I },
	{ "supervisor fetch of a user page, no SMEP", 0, 0, 0, true, false,
	  true, A_F, -1 },
	{ "SMEP, one supervisor level", 3, US, 0, true, true, true, A_F, -1 },
	{ "user fetch, SMEP", 0, 0, 0, true, true, true, A_F | A_U, -1 },
};

START_TEST(permissions)
{
	const struct perm *p = &perms[_i];
	struct altp2m_gva_fault f;
	u64 gpa;
	int ret;

	mode_long(false, p->nxe);
	if (!p->wp)
		g.pg.cr0 &= ~ALTP2M_CR0_WP;
	if (p->smep)
		g.pg.cr4 |= ALTP2M_CR4_SMEP;
	map_g4(1, 0x5000, PRWU);
	if (p->level) {
		g4_clear(p->level, p->clear);
		g4_or(p->level, p->set);
	}
	ret = xlate(G4, p->access, &gpa, &f);
	if (p->pf < 0) {
		ck_assert_msg(ret == 0, "%s: %d, pf %#x", p->what, ret,
			      f.error_code);
		ck_assert_uint_eq(gpa, 0x55e6);
		return;
	}
	ck_assert_msg(ret == -EFAULT, "%s: %d", p->what, ret);
	ck_assert_uint_eq(f.vector, ALTP2M_VEC_PF);
	ck_assert_msg(f.error_code == (u32)p->pf, "%s: pf %#x, want %#x",
		      p->what, f.error_code, p->pf);
	ck_assert_uint_eq(f.addr, G4);
}
END_TEST

START_TEST(read_across_pages)
{
	const u64 gva = 0x7fe8987e4ff0ULL;	/* 16 bytes before the next */
	struct altp2m_gva_fault f;
	u8 buf[32], want[32];
	unsigned int i;

	mode_long(false, true);
	map_g4(1, 0x10000, PRWU);
	put64(0x4f28, 0x30000 | PRWU);		/* PT index 0x1e5 */
	for (i = 0; i < 16; i++) {
		g.mem[0x10ff0 + i] = i;
		g.mem[0x30000 + i] = 0x80 + i;
		want[i] = i;
		want[16 + i] = 0x80 + i;
	}
	ck_assert_int_eq(altp2m_read_gva(&g.ctx, gva, buf, 32, A_F, &f), 0);
	ck_assert(!memcmp(buf, want, 32));
	ck_assert_int_eq(altp2m_read_gva(&g.ctx, gva + 16, buf, 16, 0, &f), 0);
	ck_assert(!memcmp(buf, want + 16, 16));
	ck_assert_int_eq(altp2m_read_gva(&g.ctx, gva, buf, 0, 0, &f), 0);

	/* The second page is not present: #PF at its first byte. */
	put64(0x4f28, 0x30000 | RW | US);
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(altp2m_read_gva(&g.ctx, gva, buf, 32, A_F | A_U, &f),
			 -EFAULT);
	ck_assert_uint_eq(f.vector, ALTP2M_VEC_PF);
	ck_assert_uint_eq(f.error_code, PF_I | PF_U);
	ck_assert_uint_eq(f.addr, 0x7fe8987e5000ULL);
	ck_assert(!memcmp(buf, want, 16));

	/* Present but supervisor-only: a protection fault instead. */
	put64(0x4f28, 0x30000 | P | RW);
	ck_assert_int_eq(altp2m_read_gva(&g.ctx, gva, buf, 32, A_U, &f),
			 -EFAULT);
	ck_assert_uint_eq(f.error_code, PF_P | PF_U);
	ck_assert_uint_eq(f.addr, 0x7fe8987e5000ULL);
	ck_assert_int_eq(altp2m_read_gva(&g.ctx, gva, buf, 32, 0, &f), 0);
	ck_assert(!memcmp(buf, want, 32));

	/*
	 * Crossing from the last canonical page into the hole raises #GP
	 * there. 0x7ffffffff000 shares PML4 entry 0xff with G4; PDPT, PD
	 * and PT index 0x1ff.
	 */
	put64(0x2ff8, 0x6000 | PRWU);
	put64(0x6ff8, 0x7000 | PRWU);
	put64(0x7ff8, 0x8000 | PRWU);
	memcpy(g.mem + 0x8ff8, "abcdefgh", 8);
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(altp2m_read_gva(&g.ctx, 0x00007ffffffffff8ULL, buf, 8,
					 0, &f), 0);
	ck_assert(!memcmp(buf, "abcdefgh", 8));
	ck_assert_int_eq(altp2m_read_gva(&g.ctx, 0x00007ffffffffff8ULL, buf, 9,
					 0, &f), -EFAULT);
	ck_assert_uint_eq(f.vector, ALTP2M_VEC_GP);
	ck_assert_uint_eq(f.error_code, 0);
	ck_assert_uint_eq(f.addr, 0x0000800000000000ULL);
}
END_TEST

START_TEST(read_many_pages)
{
	u8 *buf = malloc(3 * 4096 + 100), *want = malloc(3 * 4096 + 100);
	struct altp2m_gva_fault f;
	unsigned int i;

	/* paging off: physical reads, page by page */
	g.pg.cr0 = ALTP2M_CR0_PE;
	for (i = 0; i < 3 * 4096 + 100; i++)
		want[i] = g.mem[0x20f00 + i] = i * 7;
	ck_assert_int_eq(altp2m_read_gva(&g.ctx, 0x20f00, buf, 3 * 4096 + 100,
					 0, &f), 0);
	ck_assert(!memcmp(buf, want, 3 * 4096 + 100));
	free(buf);
	free(want);
}
END_TEST

START_TEST(read_callback_fails)
{
	struct altp2m_gva_fault f;
	u8 buf[8];
	u64 gpa;

	mode_long(false, true);
	map_g4(1, 0x5000, PRWU);
	expect_gpa(G4, 0, 0x55e6);

	/* a paging structure outside guest RAM, at each level */
	g.fail_page = 0x1000;
	ck_assert_int_eq(xlate(G4, 0, &gpa, &f), -EIO);
	g.fail_page = 0x3000;
	ck_assert_int_eq(xlate(G4, 0, &gpa, &f), -EIO);
	g.fail_page = 0x4000;
	ck_assert_int_eq(xlate(G4, 0, &gpa, &f), -EIO);
	ck_assert_int_eq(altp2m_read_gva(&g.ctx, G4, buf, 8, 0, &f), -EIO);
	g.fail_page = 0;
	g.pg.cr3 = 0x7000000000ULL;
	ck_assert_int_eq(xlate(G4, 0, &gpa, &f), -EIO);
	g.pg.cr3 = 0x1000;

	/* the data itself outside RAM: translation works, the read not */
	map_g4(1, 0x80000000ULL, PRWU);
	expect_gpa(G4, 0, 0x800005e6ULL);
	ck_assert_int_eq(altp2m_read_gva(&g.ctx, G4, buf, 8, 0, &f), -EIO);
}
END_TEST

START_TEST(write_all_or_nothing)
{
	const u64 gva = 0x7fe8987e4ff0ULL;	/* 16 bytes before the next */
	struct altp2m_gva_fault f;
	u8 src[32], zero[16] = { 0 };
	unsigned int i;

	mode_long(false, true);
	map_g4(1, 0x10000, PRWU);
	put64(0x4f28, 0x30000 | PRWU);		/* PT index 0x1e5 */
	for (i = 0; i < 32; i++)
		src[i] = 0x40 + i;
	ck_assert_int_eq(altp2m_write_gva(&g.ctx, gva, src, 32, A_U, &f), 0);
	ck_assert(!memcmp(g.mem + 0x10ff0, src, 16));
	ck_assert(!memcmp(g.mem + 0x30000, src + 16, 16));

	/* Second page read-only: #PF there, and the first page untouched. */
	memset(g.mem + 0x10ff0, 0, 16);
	memset(g.mem + 0x30000, 0, 16);
	put64(0x4f28, 0x30000 | P | US);
	ck_assert_int_eq(altp2m_write_gva(&g.ctx, gva, src, 32, A_U, &f),
			 -EFAULT);
	ck_assert_uint_eq(f.vector, ALTP2M_VEC_PF);
	ck_assert_uint_eq(f.error_code, PF_P | PF_W | PF_U);
	ck_assert_uint_eq(f.addr, 0x7fe8987e5000ULL);
	ck_assert(!memcmp(g.mem + 0x10ff0, zero, 16));
	ck_assert(!memcmp(g.mem + 0x30000, zero, 16));

	/* CR0.WP = 0: the supervisor may write it after all. */
	g.pg.cr0 &= ~ALTP2M_CR0_WP;
	ck_assert_int_eq(altp2m_write_gva(&g.ctx, gva, src, 32, 0, &f), 0);
	ck_assert(!memcmp(g.mem + 0x30000, src + 16, 16));

	/* No write callback, a fetch, or more than two pages: refused. */
	ck_assert_int_eq(altp2m_write_gva(&g.ctx, gva, src, 32, A_F, &f),
			 -EINVAL);
	g.pg.cr0 = ALTP2M_CR0_PE;
	ck_assert_int_eq(altp2m_write_gva(&g.ctx, 0x20ff0, g.mem, 4096 + 32, 0,
					  &f), -EINVAL);
	ck_assert_int_eq(altp2m_write_gva(&g.ctx, 0x20000, src, 32, 0, &f), 0);
	ck_assert(!memcmp(g.mem + 0x20000, src, 32));
	/* The destination outside RAM. */
	ck_assert_int_eq(altp2m_write_gva(&g.ctx, MEM_SIZE - 16, src, 32, 0,
					  &f), -EIO);
	g.ctx.write = NULL;
	ck_assert_int_eq(altp2m_write_gva(&g.ctx, 0x20000, src, 32, 0, &f),
			 -EINVAL);
}
END_TEST

START_TEST(bad_arguments)
{
	struct altp2m_gva_fault f;
	u8 buf[4];
	u64 gpa;

	mode_long(false, true);
	map_g4(1, 0x5000, PRWU);
	ck_assert_int_eq(xlate(G4, A_W | A_F, &gpa, &f), -EINVAL);
	ck_assert_int_eq(xlate(G4, BIT(0), &gpa, &f), -EINVAL);
	ck_assert_int_eq(xlate(G4, BIT(3), &gpa, &f), -EINVAL);
	ck_assert_int_eq(altp2m_read_gva(&g.ctx, G4, buf, 4, A_W, &f),
			 -EINVAL);
	g.ctx.maxphyaddr = 31;
	ck_assert_int_eq(xlate(G4, 0, &gpa, &f), -EINVAL);
	g.ctx.maxphyaddr = 53;
	ck_assert_int_eq(xlate(G4, 0, &gpa, &f), -EINVAL);
	g.ctx.maxphyaddr = 52;
	expect_gpa(G4, 0, 0x55e6);
}
END_TEST

/* How many entries each walk reads: the depth a monitor is told. */
#define walk_levels(...) walk_levels_at(__LINE__, __VA_ARGS__)
static unsigned int walk_levels_at(int line, u64 gva, u32 access, int want_ret)
{
	struct altp2m_gva_fault f;
	unsigned int levels = 99;
	u64 gpa;

	int ret = altp2m_gva_walk(&g.ctx, gva, access, &gpa, &f, &levels);

	ck_assert_msg(ret == want_ret, "line %d: ret %d, want %d", line, ret,
		      want_ret);
	return levels;
}

START_TEST(walk_counts_levels)
{
	int level;

	g.pg.cr0 = ALTP2M_CR0_PE;
	ck_assert_uint_eq(walk_levels(0x1234, 0, 0), 0);

	mode_long(false, true);
	map_g4(1, 0x5000, PRWU);
	ck_assert_uint_eq(walk_levels(G4, 0, 0), 4);
	map_g4(2, 0x200000, PRWU);
	ck_assert_uint_eq(walk_levels(G4, 0, 0), 3);
	map_g4(3, 0x40000000, PRWU);
	ck_assert_uint_eq(walk_levels(G4, 0, 0), 2);
	/* a fault stops it where the entry was read */
	for (level = 4; level >= 1; level--) {
		map_g4(1, 0x5000, PRWU);
		g4_clear(level, P);
		ck_assert_uint_eq(walk_levels(G4, 0, -EFAULT), 5 - level);
	}
	map_g4(1, 0x5000, PRW);
	ck_assert_uint_eq(walk_levels(G4, A_U, -EFAULT), 4);
	/* non-canonical: #GP before any read */
	ck_assert_uint_eq(walk_levels(0x800000000000ULL, 0, -EFAULT), 0);
	/* a table the walk cannot read */
	map_g4(1, 0x5000, PRWU);
	put64(g4_entry[2], 0x200000000ULL | PRWU);
	ck_assert_uint_eq(walk_levels(G4, 0, -EIO), 3);

	mode_pae(false);
	put64(0x1030, 0x2000 | P);
	put64(0x2aa8, 0x3000 | PRWU);
	put64(0x3770, 0x6000 | PRWU);
	ck_assert_uint_eq(walk_levels(0xaaaee321ULL, 0, 0), 3);
	mode_32(false);
	put32(0x1000 + 0x2aa * 4, 0x2000 | PRWU);
	put32(0x2000 + 0x2ee * 4, 0x7000 | PRWU);
	ck_assert_uint_eq(walk_levels(0xaaaee321ULL, 0, 0), 2);
}
END_TEST

/*
 * Tables that point at themselves: every level's index is the same and
 * that entry links the PML4 again. The walk still reads four entries and
 * ends at the PML4's own frame, as the CPU's would (the recursive
 * mapping some kernels use).
 */
START_TEST(walk_self_referencing_tables)
{
	const u64 idx = 0x1ed;
	const u64 gva = 0xffff000000000000ULL | idx << 39 | idx << 30 |
			idx << 21 | idx << 12 | 0x18;
	struct altp2m_gva_fault f;
	unsigned int levels;
	u64 gpa = 0;

	mode_long(false, true);
	put64(0x1000 + idx * 8, 0x1000 | PRW);
	g.reads = 0;
	ck_assert_int_eq(altp2m_gva_walk(&g.ctx, gva, 0, &gpa, &f, &levels), 0);
	ck_assert_uint_eq(levels, 4);
	ck_assert_uint_eq(g.reads, 4);
	ck_assert_uint_eq(gpa, 0x1018);
	/* the same loop in 5-level paging: five reads, no more */
	g.pg.cr4 |= ALTP2M_CR4_LA57;
	g.reads = 0;
	ck_assert_int_eq(altp2m_gva_walk(&g.ctx, (gva & ((1ULL << 48) - 1)) |
					 idx << 48 | 0xfe00000000000000ULL, 0,
					 &gpa, &f, &levels), 0);
	ck_assert_uint_eq(levels, 5);
	ck_assert_uint_eq(g.reads, 5);
	/* a loop that is not present at the end faults after one read */
	g.pg.cr4 &= ~ALTP2M_CR4_LA57;
	put64(0x1000 + idx * 8, 0x1000);
	ck_assert_int_eq(altp2m_gva_walk(&g.ctx, gva, 0, &gpa, &f, &levels),
			 -EFAULT);
	ck_assert_uint_eq(levels, 1);
	ck_assert_uint_eq(f.error_code, 0);
}
END_TEST

static Suite *gva_suite(void)
{
	Suite *s = suite_create("gva");
	TCase *tc = tcase_create("walk");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, paging_off);
	tcase_add_test(tc, long_4k_2m_1g);
	tcase_add_test(tc, long_5_level);
	tcase_add_test(tc, non_canonical);
	tcase_add_test(tc, legacy_32bit);
	tcase_add_test(tc, legacy_32bit_pse);
	tcase_add_test(tc, pae);
	tcase_add_test(tc, legacy_linear_is_32bit);
	tcase_add_loop_test(tc, not_present_each_level, 0, 4);
	tcase_add_loop_test(tc, reserved_bits, 0, ARRAY_LEN(rsvds));
	tcase_add_loop_test(tc, permissions, 0, ARRAY_LEN(perms));
	tcase_add_test(tc, read_across_pages);
	tcase_add_test(tc, read_many_pages);
	tcase_add_test(tc, read_callback_fails);
	tcase_add_test(tc, write_all_or_nothing);
	tcase_add_test(tc, bad_arguments);
	tcase_add_test(tc, walk_counts_levels);
	tcase_add_test(tc, walk_self_referencing_tables);
	suite_add_tcase(s, tc);
	return s;
}
UNIT_SUITE(gva_suite)
