/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Translation of guest-linear addresses to guest-physical ones by walking
 * the guest's own page tables, as the guest's MMU would.
 *
 * The walk only looks: it never sets accessed or dirty bits. Its users
 * (fetching the instruction at RIP after an exit, introspection) read on
 * the guest's behalf or behind its back; the guest's own accesses go
 * through the hardware, which sets A/D itself. Writing them here would
 * make the guest see bits change for accesses it never made, and would
 * need an atomic update of guest memory this interface does not have.
 */
#ifndef ALTP2M_CORE_GVA_H
#define ALTP2M_CORE_GVA_H

#include <linux/bits.h>
#include <linux/types.h>

#include "x86.h"

/* Control-register and EFER bits the walk and the decoder depend on. */
#define ALTP2M_CR0_PE		BIT_ULL(0)
#define ALTP2M_CR0_WP		BIT_ULL(16)
#define ALTP2M_CR0_PG		BIT_ULL(31)
#define ALTP2M_CR4_PSE		BIT_ULL(4)
#define ALTP2M_CR4_PAE		BIT_ULL(5)
#define ALTP2M_CR4_LA57		BIT_ULL(12)
#define ALTP2M_CR4_SMEP		BIT_ULL(20)
#define ALTP2M_EFER_LME		BIT_ULL(8)
#define ALTP2M_EFER_LMA		BIT_ULL(10)
#define ALTP2M_EFER_NXE		BIT_ULL(11)

/*
 * The kind of access being translated. The values are the page-fault
 * error-code bits that describe the same thing; no flag means a
 * supervisor-mode data read.
 */
#define ALTP2M_ACC_WRITE	BIT(1)
#define ALTP2M_ACC_USER		BIT(2)
#define ALTP2M_ACC_FETCH	BIT(4)

/* Page-fault error code (SDM vol. 3, "Page-Fault Exception"). */
#define ALTP2M_PFERR_PRESENT	BIT(0)
#define ALTP2M_PFERR_WRITE	BIT(1)
#define ALTP2M_PFERR_USER	BIT(2)
#define ALTP2M_PFERR_RSVD	BIT(3)
#define ALTP2M_PFERR_FETCH	BIT(4)

/* Exception vectors a translation can raise. */
#define ALTP2M_VEC_GP		13
#define ALTP2M_VEC_PF		14

/**
 * struct altp2m_gva_ctx - what a guest page walk needs to know
 * @pg: the guest's paging state (CR0, CR3, CR4, EFER)
 * @read: reads guest-physical memory: the paging structures and, for
 *	altp2m_read_gva(), the data
 * @write: writes guest-physical memory, for altp2m_write_gva() only
 * @opaque: passed to @read and @write
 * @maxphyaddr: the guest's MAXPHYADDR (CPUID.80000008H:EAX[7:0]),
 *	32..52; paging-structure bits from it up to bit 51 are reserved
 */
struct altp2m_gva_ctx {
	const struct altp2m_paging *pg;
	altp2m_read_gpa_t read;
	altp2m_write_gpa_t write;
	void *opaque;
	u8 maxphyaddr;
};

/**
 * struct altp2m_gva_fault - the exception a failed translation raises
 * @vector: ALTP2M_VEC_PF, or ALTP2M_VEC_GP for a non-canonical address
 *	in IA-32e mode (a stack access would raise #SS instead; the walk
 *	cannot tell, the caller can)
 * @error_code: ALTP2M_PFERR_* bits for a #PF; 0 for a #GP
 * @addr: the linear address that faulted, what CR2 gets for a #PF. For
 *	an access crossing a page it is the start of the page that faulted.
 *
 * Filled only when a function returns -EFAULT, so the caller can inject
 * exactly what the guest's own access would have raised.
 */
struct altp2m_gva_fault {
	u8 vector;
	u32 error_code;
	u64 addr;
};

/**
 * altp2m_gva_to_gpa - translate one guest-linear address
 * @ctx: the guest's paging state and memory
 * @gva: the linear address. Outside IA-32e mode only bits 31:0 count,
 *	as linear addresses are 32 bits wide there.
 * @access: ALTP2M_ACC_* bits: which access the permissions are checked
 *	for (pass ALTP2M_ACC_USER when the guest's CPL is 3)
 * @gpa: the guest-physical address on success
 * @fault: the exception on -EFAULT
 *
 * Handles paging off (CR0.PG=0: linear is physical), 32-bit paging with
 * 4 KiB and, with CR4.PSE, 4 MiB pages (PSE-36), PAE paging with 4 KiB and
 * 2 MiB pages, and 4- and 5-level (CR4.LA57) paging with 4 KiB, 2 MiB and
 * 1 GiB pages. Checks present and reserved bits, U/S, R/W (with CR0.WP
 * for supervisor writes), execute-disable (with EFER.NXE) and SMEP.
 * Protection keys and SMAP are not checked: they need PKRU and RFLAGS.AC,
 * which struct altp2m_paging does not carry. PAE PDPTEs are read from
 * memory at CR3, not from the copies the CPU loaded when CR3 was written.
 *
 * Return: 0; -EFAULT when the guest would take the exception in @fault;
 * -EIO when @read failed for a paging structure (the guest's tables point
 * outside RAM); -EINVAL when @ctx->maxphyaddr is out of range, or @access
 * has an unknown bit or asks for both a write and a fetch.
 */
int altp2m_gva_to_gpa(const struct altp2m_gva_ctx *ctx, u64 gva, u32 access,
		      u64 *gpa, struct altp2m_gva_fault *fault);

/**
 * altp2m_gva_walk - altp2m_gva_to_gpa(), telling how far the walk went
 * @ctx: as there
 * @gva: as there
 * @access: as there
 * @gpa: as there
 * @fault: as there
 * @levels: set to the paging-structure entries the walk read, whatever
 *	it returns: 0 with paging off or for a non-canonical address, at
 *	most the mode's number of levels (tables that point at themselves
 *	or back up do not make the walk longer)
 *
 * For introspection, which reports how deep a translation went.
 *
 * Return: as altp2m_gva_to_gpa().
 */
int altp2m_gva_walk(const struct altp2m_gva_ctx *ctx, u64 gva, u32 access,
		    u64 *gpa, struct altp2m_gva_fault *fault,
		    unsigned int *levels);

/**
 * altp2m_read_gva - read guest memory by linear address
 * @ctx: the guest's paging state and memory
 * @gva: where to start reading
 * @buf: filled with @len bytes
 * @len: bytes to read; the range may cross any number of pages
 * @access: ALTP2M_ACC_* bits, as for altp2m_gva_to_gpa(); ALTP2M_ACC_WRITE
 *	makes no sense here and is refused
 * @fault: the exception on -EFAULT
 *
 * Each page is translated separately, in address order, so a fault on a
 * later page is reported with @fault->addr at that page's start, as the
 * CPU would. On failure @buf holds whatever was read before it.
 *
 * Return: 0; -EFAULT with @fault filled; -EIO when @read failed, for a
 * paging structure or for the data; -EINVAL for a bad @ctx or @access.
 */
int altp2m_read_gva(const struct altp2m_gva_ctx *ctx, u64 gva, void *buf,
		    unsigned int len, u32 access,
		    struct altp2m_gva_fault *fault);

/* Pages one altp2m_write_gva() may span: a string I/O round needs two. */
#define ALTP2M_GVA_MAX_PAGES	2

/**
 * altp2m_write_gva - write guest memory by linear address
 * @ctx: the guest's paging state and memory; @ctx->write must be set
 * @gva: where to start writing
 * @buf: the @len bytes to write
 * @len: bytes to write; the range may cross pages, at most
 *	ALTP2M_GVA_MAX_PAGES of them
 * @access: ALTP2M_ACC_* bits; ALTP2M_ACC_WRITE is implied
 * @fault: the exception on -EFAULT
 *
 * Every page is translated before anything is written, so a fault leaves
 * guest memory untouched, as a faulting store instruction does.
 *
 * Return: 0; -EFAULT with @fault filled; -EIO when a paging structure or
 * the destination is not guest RAM (the destination may then be written
 * in part); -EINVAL for a bad @ctx, @access or @len.
 */
int altp2m_write_gva(const struct altp2m_gva_ctx *ctx, u64 gva,
		     const void *buf, unsigned int len, u32 access,
		     struct altp2m_gva_fault *fault);

#endif /* ALTP2M_CORE_GVA_H */
