/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel compatibility, in the style of WireGuard's compat layer: the
 * module is written against the newest kernel API it supports, and this
 * header supplies that API on older kernels (today Debian's 6.1). What a
 * kernel has is probed (Kbuild looks into its headers and passes
 * ALTP2M_HAVE_*), never inferred from LINUX_VERSION_CODE: Debian
 * and other distributions backport features into old version numbers.
 *
 * Names the kernel has on newer versions keep those names, so that the
 * code reads like in-tree code and the fallback can simply be deleted
 * once the oldest supported kernel has the feature.
 */
#ifndef ALTP2M_COMPAT_H
#define ALTP2M_COMPAT_H

#include <linux/file.h>
#include <linux/hrtimer.h>
#include <linux/mm.h>
#include <linux/syscore_ops.h>
#include <net/genetlink.h>
#include <asm/asm.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/tlbflush.h>

/* 6.15 moved the CPUID helpers out of asm/processor.h. */
#ifdef ALTP2M_HAVE_ASM_CPUID_API_H
#include <asm/cpuid/api.h>
#endif

/*
 * 6.2 split the ops that genetlink hands to pre_doit/post_doit into
 * struct genl_split_ops.
 */
#ifndef ALTP2M_HAVE_GENL_SPLIT_OPS
#define genl_split_ops genl_ops
#endif

/*
 * The attributes a dump request carried: since 6.2 the dump state holds a
 * whole struct genl_info, before that only the attribute table.
 */
static inline struct nlattr **
altp2m_genl_dump_attrs(struct netlink_callback *cb)
{
#ifdef ALTP2M_HAVE_GENL_DUMPIT_INFO_INFO
	return genl_dumpit_info(cb)->info.attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/* 6.12 made struct fd opaque; fd_file() is the accessor. */
#ifndef fd_file
#define fd_file(f) ((f).file)
#endif

/* 6.3 made vma->vm_flags read-only outside the vm_flags_*() helpers. */
#ifndef ALTP2M_HAVE_VM_FLAGS_SET
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}
#endif

/*
 * Since 6.4 smp_send_reschedule() is a macro that traces the IPI, and its
 * users must declare the tracepoint themselves.
 */
#ifdef ALTP2M_HAVE_TRACED_SMP_SEND_RESCHEDULE
#include <trace/events/ipi.h>
#endif

/* 6.16 renamed the 64-bit MSR accessors from *msrl to *msrq. */
#ifndef ALTP2M_HAVE_RDMSRQ
#define rdmsrq(msr, val) rdmsrl(msr, val)
#define wrmsrq(msr, val) wrmsrl(msr, val)
#define rdmsrq_safe(msr, p) rdmsrl_safe(msr, p)
#define native_wrmsrq(msr, val) native_wrmsrl(msr, val)
#endif

/* 6.13 added hrtimer_setup(), which sets the callback too. */
#ifndef ALTP2M_HAVE_HRTIMER_SETUP
static inline void
hrtimer_setup(struct hrtimer *timer,
	      enum hrtimer_restart (*function)(struct hrtimer *),
	      clockid_t clock_id, enum hrtimer_mode mode)
{
	hrtimer_init(timer, clock_id, mode);
	timer->function = function;
}
#endif

/*
 * 6.19 (or so) registers a struct syscore whose callbacks take a data
 * pointer. The module's callbacks have that signature; on older kernels
 * this defines struct syscore_ops thunks around them.
 */
#ifdef ALTP2M_HAVE_STRUCT_SYSCORE
#define ALTP2M_DEFINE_SYSCORE(name, suspend_fn, resume_fn)		\
	static const struct syscore_ops name##_ops = {			\
		.suspend = suspend_fn,					\
		.resume = resume_fn,					\
	};								\
	static struct syscore name = { .ops = &name##_ops }
#else
#define ALTP2M_DEFINE_SYSCORE(name, suspend_fn, resume_fn)		\
	static int name##_suspend(void)					\
	{								\
		return suspend_fn(NULL);				\
	}								\
	static void name##_resume(void)					\
	{								\
		resume_fn(NULL);					\
	}								\
	static struct syscore_ops name = {				\
		.suspend = name##_suspend,				\
		.resume = name##_resume,				\
	}
#define register_syscore(s) register_syscore_ops(s)
#define unregister_syscore(s) unregister_syscore_ops(s)
#endif

/*
 * Leave VMX operation on this CPU. The kernel's helper went with
 * asm/virtext.h in 6.8, when KVM took VMXOFF over. A VMXOFF that faults
 * means an emergency path (reboot, kexec) already left VMX operation;
 * CR4.VMXE is cleared either way.
 */
static inline void altp2m_cpu_vmxoff(void)
{
	asm volatile("1: vmxoff\n"
		     "2:\n"
		     _ASM_EXTABLE(1b, 2b)
		     : : : "cc", "memory");
	cr4_clear_bits(X86_CR4_VMXE);
}

#endif /* ALTP2M_COMPAT_H */
