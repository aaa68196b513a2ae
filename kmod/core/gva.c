// SPDX-License-Identifier: GPL-2.0
/*
 * Walk the guest's page tables. See gva.h.
 *
 * The rules are those of the Intel SDM volume 3, chapter "Paging": which
 * mode CR0/CR4/EFER select, the format and reserved bits of each paging-
 * structure entry, how the permissions of all levels combine, and the
 * page-fault error code. Levels are numbered as there: 1 is the page table,
 * 2 the page directory, 3 the PDPT, 4 the PML4, 5 the PML5.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/types.h>

#include "gva.h"

#define ALTP2M_PTE_P		BIT_ULL(0)
#define ALTP2M_PTE_RW		BIT_ULL(1)
#define ALTP2M_PTE_US		BIT_ULL(2)
#define ALTP2M_PTE_PS		BIT_ULL(7)
#define ALTP2M_PTE_XD		BIT_ULL(63)

#define ALTP2M_GVA_PAGE		4096ULL
#define ALTP2M_ACC_ALL		(ALTP2M_ACC_WRITE | ALTP2M_ACC_USER | \
				 ALTP2M_ACC_FETCH)

enum altp2m_paging_mode {
	ALTP2M_PAGING_32BIT,
	ALTP2M_PAGING_PAE,
	ALTP2M_PAGING_LONG,	/* 4- or 5-level */
};

/* One walk in progress. */
struct altp2m_walk {
	const struct altp2m_gva_ctx *ctx;
	enum altp2m_paging_mode mode;
	bool nxe;		/* EFER.NXE, and the entries have an XD bit */
	u64 la;
	u32 access;
	struct altp2m_gva_fault *fault;
	unsigned int levels;	/* entries read so far */
};

/* Bits @hi..@lo of a u64, none when @hi < @lo. */
static u64 altp2m_bits(unsigned int hi, unsigned int lo)
{
	if (hi < lo)
		return 0;
	return (~0ULL >> (63 - hi)) & ~(BIT_ULL(lo) - 1);
}

/*
 * Reserved bits of an entry at @level; @leaf says whether it maps a page.
 * A present entry with any of them set faults with PFERR_RSVD.
 */
static u64 altp2m_rsvd_bits(const struct altp2m_walk *w, int level, bool leaf)
{
	unsigned int m = w->ctx->maxphyaddr;
	u64 rsvd;

	switch (w->mode) {
	case ALTP2M_PAGING_32BIT:
		/*
		 * Only a 4 MiB PDE has any: bits 20:13 hold physical address
		 * bits 39:32 (PSE-36), as many as MAXPHYADDR (at most 40)
		 * allows; the rest of 21:13 is reserved.
		 */
		if (!leaf || level != 2)
			return 0;
		return altp2m_bits(21, (m < 40 ? m : 40) - 19);
	case ALTP2M_PAGING_PAE:
		/* The PDPTEs have no permission bits and no XD. */
		if (level == 3)
			return altp2m_bits(63, m) | altp2m_bits(8, 5) |
			       altp2m_bits(2, 1);
		rsvd = altp2m_bits(62, m);
		break;
	default:
		/* Bits 62:52 are ignored or protection keys, not reserved. */
		rsvd = altp2m_bits(51, m);
		if (level >= 4)
			rsvd |= ALTP2M_PTE_PS;
		break;
	}
	if (!w->nxe)
		rsvd |= ALTP2M_PTE_XD;
	/* A large page's address is aligned: its low bits (PAT aside) too. */
	if (leaf && level == 2)
		rsvd |= altp2m_bits(20, 13);
	else if (leaf && level == 3)
		rsvd |= altp2m_bits(29, 13);
	return rsvd;
}

/* Does PS make the entry at @level map a page? */
static bool altp2m_ps_maps_page(const struct altp2m_walk *w, int level)
{
	switch (w->mode) {
	case ALTP2M_PAGING_32BIT:
		return level == 2 && (w->ctx->pg->cr4 & ALTP2M_CR4_PSE);
	case ALTP2M_PAGING_PAE:
		return level == 2;
	default:
		return level == 2 || level == 3;
	}
}

static int altp2m_page_fault(const struct altp2m_walk *w, u32 why)
{
	const struct altp2m_paging *pg = w->ctx->pg;
	u32 code = why | (w->access & (ALTP2M_PFERR_WRITE | ALTP2M_PFERR_USER));

	/* I/D is reported only where the CPU could tell fetches apart. */
	if ((w->access & ALTP2M_ACC_FETCH) &&
	    ((pg->cr4 & ALTP2M_CR4_SMEP) ||
	     ((pg->cr4 & ALTP2M_CR4_PAE) && w->nxe)))
		code |= ALTP2M_PFERR_FETCH;
	w->fault->vector = ALTP2M_VEC_PF;
	w->fault->error_code = code;
	w->fault->addr = w->la;
	return -EFAULT;
}

/* Would the combined rights of the walk refuse the access? */
static bool altp2m_denied(const struct altp2m_walk *w, bool user,
			  bool writable, bool nx)
{
	const struct altp2m_paging *pg = w->ctx->pg;
	bool write = w->access & ALTP2M_ACC_WRITE;
	bool fetch = w->access & ALTP2M_ACC_FETCH;

	if (fetch && nx)
		return true;
	if (w->access & ALTP2M_ACC_USER)
		return !user || (write && !writable);
	/* Supervisor: may write read-only pages unless CR0.WP is set. */
	if (write && !writable && (pg->cr0 & ALTP2M_CR0_WP))
		return true;
	return fetch && user && (pg->cr4 & ALTP2M_CR4_SMEP);
}

static int altp2m_read_entry(const struct altp2m_gva_ctx *ctx, u64 gpa,
			     unsigned int size, u64 *entry)
{
	u8 b[8];
	u64 e = 0;

	if (ctx->read(ctx->opaque, gpa, b, size))
		return -EIO;
	/* Paging structures are little-endian whatever the host is. */
	while (size--)
		e |= (u64)b[size] << (8 * size);
	*entry = e;
	return 0;
}

static int altp2m_walk(struct altp2m_walk *w, int levels, u64 *gpa)
{
	const struct altp2m_paging *pg = w->ctx->pg;
	u64 addr_mask = altp2m_bits(w->ctx->maxphyaddr - 1, 12);
	unsigned int esize = 8, index_bits = 9;
	bool user = true, writable = true, nx = false;
	u64 table, entry, page;
	int level, ret;

	switch (w->mode) {
	case ALTP2M_PAGING_32BIT:
		esize = 4;
		index_bits = 10;
		table = pg->cr3 & 0xfffff000ULL;
		break;
	case ALTP2M_PAGING_PAE:
		table = pg->cr3 & 0xffffffe0ULL;
		break;
	default:
		table = pg->cr3 & addr_mask;
		break;
	}

	for (level = levels; ; level--) {
		unsigned int shift = 12 + (level - 1) * index_bits;
		u64 index = (w->la >> shift) & (BIT_ULL(index_bits) - 1);
		bool leaf;

		ret = altp2m_read_entry(w->ctx, table + index * esize, esize,
					&entry);
		if (ret)
			return ret;
		w->levels++;
		if (!(entry & ALTP2M_PTE_P))
			return altp2m_page_fault(w, 0);
		leaf = level == 1 ||
		       ((entry & ALTP2M_PTE_PS) && altp2m_ps_maps_page(w, level));
		if (entry & altp2m_rsvd_bits(w, level, leaf))
			return altp2m_page_fault(w, ALTP2M_PFERR_PRESENT |
						    ALTP2M_PFERR_RSVD);
		if (!(w->mode == ALTP2M_PAGING_PAE && level == 3)) {
			user = user && (entry & ALTP2M_PTE_US);
			writable = writable && (entry & ALTP2M_PTE_RW);
			nx = nx || (w->nxe && (entry & ALTP2M_PTE_XD));
		}
		if (leaf) {
			page = BIT_ULL(shift);
			break;
		}
		table = entry & (esize == 4 ? 0xfffff000ULL : addr_mask);
	}

	if (altp2m_denied(w, user, writable, nx))
		return altp2m_page_fault(w, ALTP2M_PFERR_PRESENT);

	if (esize == 4 && level == 2)	/* PSE-36: bits 39:32 in 20:13 */
		entry = (entry & 0xffc00000ULL) | ((entry >> 13) & 0xff) << 32;
	*gpa = (entry & addr_mask & ~(page - 1)) | (w->la & (page - 1));
	return 0;
}

static int altp2m_translate(struct altp2m_walk *w, u64 *gpa)
{
	const struct altp2m_gva_ctx *ctx = w->ctx;
	const struct altp2m_paging *pg = ctx->pg;
	u64 gva = w->la;
	u32 access = w->access;
	unsigned int va_bits;
	int levels;

	if (ctx->maxphyaddr < 32 || ctx->maxphyaddr > 52 ||
	    (access & ~ALTP2M_ACC_ALL) ||
	    ((access & ALTP2M_ACC_WRITE) && (access & ALTP2M_ACC_FETCH)))
		return -EINVAL;

	if (!(pg->cr0 & ALTP2M_CR0_PG)) {
		*gpa = gva & 0xffffffffULL;
		return 0;
	}
	if (!(pg->efer & ALTP2M_EFER_LMA)) {
		w->la &= 0xffffffffULL;
		if (pg->cr4 & ALTP2M_CR4_PAE) {
			w->mode = ALTP2M_PAGING_PAE;
			w->nxe = pg->efer & ALTP2M_EFER_NXE;
			levels = 3;
		} else {
			w->mode = ALTP2M_PAGING_32BIT;
			levels = 2;
		}
		return altp2m_walk(w, levels, gpa);
	}

	w->mode = ALTP2M_PAGING_LONG;
	w->nxe = pg->efer & ALTP2M_EFER_NXE;
	levels = pg->cr4 & ALTP2M_CR4_LA57 ? 5 : 4;
	va_bits = levels == 5 ? 57 : 48;
	/* Bits 63:va_bits-1 must all equal, else #GP before any walk. */
	if ((u64)((s64)(gva << (64 - va_bits)) >> (64 - va_bits)) != gva) {
		w->fault->vector = ALTP2M_VEC_GP;
		w->fault->error_code = 0;
		w->fault->addr = gva;
		return -EFAULT;
	}
	return altp2m_walk(w, levels, gpa);
}

int altp2m_gva_to_gpa(const struct altp2m_gva_ctx *ctx, u64 gva, u32 access,
		      u64 *gpa, struct altp2m_gva_fault *fault)
{
	struct altp2m_walk w = { .ctx = ctx, .la = gva, .access = access,
				 .fault = fault };

	return altp2m_translate(&w, gpa);
}

int altp2m_gva_walk(const struct altp2m_gva_ctx *ctx, u64 gva, u32 access,
		    u64 *gpa, struct altp2m_gva_fault *fault,
		    unsigned int *levels)
{
	struct altp2m_walk w = { .ctx = ctx, .la = gva, .access = access,
				 .fault = fault };
	int ret = altp2m_translate(&w, gpa);

	*levels = w.levels;
	return ret;
}

int altp2m_read_gva(const struct altp2m_gva_ctx *ctx, u64 gva, void *buf,
		    unsigned int len, u32 access,
		    struct altp2m_gva_fault *fault)
{
	unsigned int done = 0;
	u64 gpa;
	int ret;

	if (access & ALTP2M_ACC_WRITE)
		return -EINVAL;
	while (done < len) {
		u64 la = gva + done;
		unsigned int chunk = ALTP2M_GVA_PAGE - (la & (ALTP2M_GVA_PAGE - 1));

		if (chunk > len - done)
			chunk = len - done;
		ret = altp2m_gva_to_gpa(ctx, la, access, &gpa, fault);
		if (ret)
			return ret;
		if (ctx->read(ctx->opaque, gpa, (u8 *)buf + done, chunk))
			return -EIO;
		done += chunk;
	}
	return 0;
}

int altp2m_write_gva(const struct altp2m_gva_ctx *ctx, u64 gva,
		     const void *buf, unsigned int len, u32 access,
		     struct altp2m_gva_fault *fault)
{
	u64 gpa[ALTP2M_GVA_MAX_PAGES];
	unsigned int chunk[ALTP2M_GVA_MAX_PAGES];
	unsigned int n = 0, done = 0, i;
	int ret;

	if (!ctx->write || (access & ALTP2M_ACC_FETCH))
		return -EINVAL;
	access |= ALTP2M_ACC_WRITE;
	while (done < len) {
		u64 la = gva + done;
		unsigned int c = ALTP2M_GVA_PAGE - (la & (ALTP2M_GVA_PAGE - 1));

		if (n == ALTP2M_GVA_MAX_PAGES)
			return -EINVAL;
		if (c > len - done)
			c = len - done;
		ret = altp2m_gva_to_gpa(ctx, la, access, &gpa[n], fault);
		if (ret)
			return ret;
		chunk[n++] = c;
		done += c;
	}
	for (i = 0, done = 0; i < n; done += chunk[i], i++)
		if (ctx->write(ctx->opaque, gpa[i], (const u8 *)buf + done,
			       chunk[i]))
			return -EIO;
	return 0;
}
