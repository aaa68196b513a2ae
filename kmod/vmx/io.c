// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O exits: IN and OUT, and the string forms INS and OUTS with or
 * without REP. Userspace sees each as ALTP2M_EXIT_IO with @count items in
 * the run page's data area; for an IN it fills them, and the next
 * ALTP2M_RUN completes the instruction into the guest's registers or, for
 * INS, into guest memory.
 *
 * String I/O goes in rounds (see core/string_io.h): one exit per round,
 * RIP past the instruction only after the last one, so a long REP INS or
 * OUTS lets the host take interrupts and signals between rounds as the
 * CPU itself would. Faults on the memory operand are the guest's: they
 * are raised in the guest, before any port is touched.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <asm/msr-index.h>

#include "../altp2m.h"
#include "../core/gva.h"
#include "../core/string_io.h"
#include "internal.h"

#define ALTP2M_IO_DATA_SIZE	(PAGE_SIZE - ALTP2M_IO_DATA_OFFSET)

static u8 *altp2m_io_data(struct altp2m_vcpu *vcpu)
{
	return (u8 *)vcpu->run + ALTP2M_IO_DATA_OFFSET;
}

static void altp2m_io_exit(struct altp2m_vcpu *vcpu, bool in,
			   unsigned int size, u16 port, u32 count)
{
	struct altp2m_run *run = vcpu->run;

	/* Userspace may scribble on the run page: completion uses this. */
	vcpu->vmx.io_size = size;

	run->exit_reason = ALTP2M_EXIT_IO;
	run->io.direction = in ? ALTP2M_IO_IN : ALTP2M_IO_OUT;
	run->io.size = size;
	run->io.port = port;
	run->io.count = count;
	run->io.data_offset = ALTP2M_IO_DATA_OFFSET;
}

/*
 * The vCPU's view must allow what a string instruction does to memory,
 * as the CPU checks the guest's own accesses: a violation stops the
 * instruction before any port is touched, and the VMM sees it as an EPT
 * violation at the first page that denies it. Returns 1 to go on, 0 for
 * that exit, or a negative errno.
 */
static int altp2m_strio_view_check(struct altp2m_vcpu *vcpu,
				   const struct altp2m_vmx_exit *e, bool in,
				   u64 gva, unsigned int len, const u64 *gpa)
{
	unsigned int access = in ? ALTP2M_VIEW_FAULT_W : ALTP2M_VIEW_FAULT_R;
	struct altp2m_vmx_exit ve = *e;
	struct altp2m_view_fault f;
	unsigned int i;
	int ret;

	for (i = 0; i < 2; i++) {
		if (i && (gpa[1] >> PAGE_SHIFT) == (gpa[0] >> PAGE_SHIFT))
			break;
		ret = altp2m_p2m_fault(vcpu, gpa[i], access, &f);
		if (ret == -ENOMEM)
			return ret;
		if (ret < 0)
			return altp2m_vmx_internal_error(vcpu,
					ALTP2M_INTERNAL_EMULATION, e);
		if (ret != ALTP2M_VIEW_EVENT)
			continue;	/* allowed, or MMIO: as before */
		ve.gpa = gpa[i];
		ve.gla = i ? (gva + len - 1) & PAGE_MASK : gva;
		if (i)
			ve.gpa &= PAGE_MASK;
		ve.qualification = access | ALTP2M_EPT_QUAL_GLA_VALID |
				   ALTP2M_EPT_QUAL_GLA_FINAL;
		return altp2m_vmx_report_violation(vcpu, &ve, &f);
	}
	return 1;
}

/*
 * INS/OUTS: decode what the exit does not say, plan a round, and move
 * its data between guest memory and the run page.
 */
static int altp2m_handle_string_io(struct altp2m_vcpu *vcpu,
				   const struct altp2m_vmx_exit *e,
				   unsigned int size, bool in, u16 port)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;
	struct altp2m_strio_round *r = &v->strio_round;
	struct altp2m_strio *s = &v->strio;
	u8 *data = altp2m_io_data(vcpu);
	struct altp2m_gva_fault fault;
	u8 insn[ALTP2M_INSN_MAX_LEN];
	struct altp2m_gva_ctx ctx;
	struct altp2m_paging pg;
	u64 cs_base, base, gpa[2];
	unsigned int avail, len;
	bool long_mode;
	u32 access;
	int ret;

	altp2m_vmx_guest_mem(vcpu, &pg, &ctx, &cs_base);
	avail = altp2m_vmx_fetch_insn(vcpu, &ctx, cs_base, insn);
	ret = avail ? altp2m_strio_decode(insn, avail, &pg, s) : -EINVAL;
	/* The bytes changed under us (another vCPU rewrote them)? */
	if (ret || s->in != in || s->len != e->insn_len)
		return altp2m_vmx_internal_error(vcpu,
						 ALTP2M_INTERNAL_EMULATION, e);

	long_mode = pg.cs_l && (pg.efer & EFER_LMA);
	/* 64-bit mode ignores the bases of ES, CS, SS and DS. */
	if (long_mode && s->seg < ALTP2M_SREG_FS)
		base = 0;
	else
		base = altp2m_vmx_seg_base(vcpu, s->seg);
	ret = altp2m_strio_plan(s, size, v->gpr, v->rflags, base, long_mode,
				ALTP2M_IO_DATA_SIZE, r);
	if (ret)
		return altp2m_vmx_internal_error(vcpu,
						 ALTP2M_INTERNAL_EMULATION, e);
	if (!r->count) {
		/* REP with rCX = 0: no iteration, not even a port access. */
		altp2m_vmx_skip_insn(vcpu, e->insn_len);
		return 1;
	}

	access = pg.cpl == 3 ? ALTP2M_ACC_USER : 0;
	if (in)
		access |= ALTP2M_ACC_WRITE;
	/*
	 * A round stays in one page unless it is one item that straddles
	 * two: its first and last byte cover it.
	 */
	len = r->count * size;
	ret = altp2m_gva_to_gpa(&ctx, r->gva, access, &gpa[0], &fault);
	if (!ret)
		ret = altp2m_gva_to_gpa(&ctx, r->gva + len - 1, access, &gpa[1],
					&fault);
	if (!ret && !in)
		ret = altp2m_read_gva(&ctx, r->gva, data, len, access, &fault);
	if (ret == -EFAULT) {
		altp2m_vmx_inject_fault(vcpu, &fault);
		return 1;
	}
	if (ret)
		return altp2m_vmx_internal_error(vcpu,
						 ALTP2M_INTERNAL_EMULATION, e);
	ret = altp2m_strio_view_check(vcpu, e, in, r->gva, len, gpa);
	if (ret <= 0)
		return ret;

	altp2m_io_exit(vcpu, in, size, port, r->count);
	if (in) {
		memset(data, 0, r->count * size);
		v->strio_len = e->insn_len;
		vcpu->pending = ALTP2M_PENDING_IO_STRING_IN;
		return 0;
	}
	/* The run page has the items in execution order. */
	if (v->rflags & X86_EFLAGS_DF)
		altp2m_strio_reverse(data, r->count, size);
	altp2m_strio_advance(s, size, v->gpr, v->rflags, r->count);
	if (r->done)
		altp2m_vmx_skip_insn(vcpu, e->insn_len);
	return 0;
}

int altp2m_vmx_handle_io(struct altp2m_vcpu *vcpu,
			 const struct altp2m_vmx_exit *e)
{
	u64 q = e->qualification;
	unsigned int size = (q & 7) + 1;
	bool in = q & BIT(3);
	u16 port = q >> 16;

	if (q & BIT(4))
		return altp2m_handle_string_io(vcpu, e, size, in, port);
	altp2m_io_exit(vcpu, in, size, port, 1);
	if (in) {
		memset(altp2m_io_data(vcpu), 0, size);
		vcpu->pending = ALTP2M_PENDING_IO_IN;
	} else {
		memcpy(altp2m_io_data(vcpu), &vcpu->vmx.gpr[ALTP2M_RAX], size);
	}
	altp2m_vmx_skip_insn(vcpu, e->insn_len);
	return 0;
}

/* IN: the data userspace supplied goes into AL, AX or EAX. */
void altp2m_vmx_complete_in(struct altp2m_vcpu *vcpu)
{
	u64 *rax = &vcpu->vmx.gpr[ALTP2M_RAX], data = 0;
	unsigned int size = vcpu->vmx.io_size;

	memcpy(&data, altp2m_io_data(vcpu), size);
	if (size == 4)
		*rax = data;			/* zero-extends, as IN does */
	else if (size == 2)
		*rax = (*rax & ~0xffffULL) | data;
	else
		*rax = (*rax & ~0xffULL) | data;
}

/*
 * INS: store the items of the round into guest memory. The translation
 * was checked at the exit and the guest has not run since, so a fault
 * now means userspace changed the guest's state in between; the guest
 * then gets the fault its new state implies.
 */
void altp2m_vmx_complete_string_in(struct altp2m_vcpu *vcpu)
{
	struct altp2m_vmx_vcpu *v = &vcpu->vmx;
	const struct altp2m_strio_round *r = &v->strio_round;
	unsigned int size = v->io_size;
	u8 *data = altp2m_io_data(vcpu);
	struct altp2m_gva_fault fault;
	struct altp2m_gva_ctx ctx;
	struct altp2m_paging pg;
	u64 cs_base;
	int ret;

	if (v->rflags & X86_EFLAGS_DF)
		altp2m_strio_reverse(data, r->count, size);
	altp2m_vmx_guest_mem(vcpu, &pg, &ctx, &cs_base);
	ret = altp2m_write_gva(&ctx, r->gva, data, r->count * size,
			       pg.cpl == 3 ? ALTP2M_ACC_USER : 0, &fault);
	if (ret == -EFAULT) {
		altp2m_vmx_inject_fault(vcpu, &fault);
		return;
	}
	/*
	 * -EIO: the memory went away with a region userspace removed
	 * meanwhile. The items are dropped, as a device write to a hole.
	 */
	altp2m_strio_advance(&v->strio, size, v->gpr, v->rflags, r->count);
	if (r->done)
		altp2m_vmx_skip_insn(vcpu, v->strio_len);
}
