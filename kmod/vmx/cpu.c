// SPDX-License-Identifier: GPL-2.0
/*
 * VMX operation on each CPU: VMXON when the first VM is created, VMXOFF
 * when the last one goes, and the same across CPU hotplug, suspend/resume
 * and reboot, so that no CPU is ever left in VMX operation behind the
 * kernel's back.
 *
 * Another hypervisor (kvm_intel) may hold VMX on a CPU; CR4.VMXE tells,
 * and VM creation then fails with EBUSY rather than touching its state.
 * Up to 6.7 the kernel's own emergency paths (emergency reboot,
 * crash/kexec) VMXOFF every CPU whose CR4.VMXE is set, whoever set it;
 * since 6.8 they only call back the one hypervisor registered for it
 * (KVM), so there CPUs stay in VMX operation (Documentation/testing.rst,
 * "Kernel matrix"). VMX instructions that fault afterwards are caught by
 * the exception-table entries in ops.h.
 *
 * Which VMCSs are loaded on a CPU is tracked per CPU, because VMXOFF and a
 * CPU going away must first VMCLEAR them (the VMCS contents live in the
 * CPU until then).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/gfp.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/reboot.h>
#include <linux/slab.h>
#include <linux/syscore_ops.h>
#include <asm/tlbflush.h>

#include "../altp2m.h"
#include "enter.h"
#include "internal.h"

/*
 * Per-CPU VMX state. Only ever touched on its own CPU with interrupts
 * off (the list also from the VMCS-clearing IPI, which runs there too).
 */
struct altp2m_vmx_cpu {
	void *vmxon_region;
	bool vmx_on;
	struct list_head loaded;	/* struct altp2m_vmcs.cpu_link */
};

static DEFINE_PER_CPU(struct altp2m_vmx_cpu, altp2m_vmx_cpus);

/* Serialises altp2m_vmx_get()/put(); protects altp2m_vmx_users. */
static DEFINE_MUTEX(altp2m_vmx_lock);
static unsigned int altp2m_vmx_users;
static int altp2m_cpuhp_state = -1;

/* Set once a reboot has started: VMX may vanish under running guests. */
bool altp2m_vmx_rebooting;

void altp2m_vmx_insn_failed(const char *insn, u64 arg, bool fault)
{
	if (READ_ONCE(altp2m_vmx_rebooting))
		return;
	pr_err_ratelimited("%s(%#llx) %s\n", insn, arg,
			   fault ? "faulted" : "failed");
}

DEFINE_PER_CPU(struct altp2m_vmcs *, altp2m_vmx_current);

static void altp2m_vmcs_clear_local(void *data)
{
	struct altp2m_vmcs *vmcs = data;

	if (vmcs->cpu != raw_smp_processor_id())
		return;
	altp2m_vmclear(vmcs->pa);
	if (this_cpu_read(altp2m_vmx_current) == vmcs)
		this_cpu_write(altp2m_vmx_current, NULL);
	list_del(&vmcs->cpu_link);
	vmcs->launched = false;
	/* The list update must be visible before the CPU is released. */
	smp_wmb();
	vmcs->cpu = -1;
}

/**
 * altp2m_vmcs_clear - VMCLEAR a VMCS wherever it is loaded
 * @vmcs: the VMCS; may be loaded on no CPU
 *
 * Afterwards the VMCS is in memory, not current anywhere, and the next
 * entry with it must be a VMLAUNCH.
 */
void altp2m_vmcs_clear(struct altp2m_vmcs *vmcs)
{
	int cpu = READ_ONCE(vmcs->cpu);

	if (cpu < 0)
		return;
	/*
	 * If the CPU went offline meanwhile, its teardown cleared the VMCS
	 * already and the call simply fails.
	 */
	smp_call_function_single(cpu, altp2m_vmcs_clear_local, vmcs, 1);
}

/**
 * altp2m_vmcs_load - make @vmcs current on this CPU
 * @vmcs: the VMCS
 *
 * Call with preemption disabled. A VMCS last used on another CPU is
 * cleared there first: a VMCS may be active on only one CPU at a time.
 *
 * Return: true if the VMCS came from another CPU (or none), so per-CPU
 * host fields and cached translations need refreshing.
 */
bool altp2m_vmcs_load(struct altp2m_vmcs *vmcs)
{
	int cpu = smp_processor_id();
	bool moved = vmcs->cpu != cpu;
	unsigned long flags;

	if (moved) {
		altp2m_vmcs_clear(vmcs);
		/* Pairs with the smp_wmb() in altp2m_vmcs_clear_local(). */
		smp_rmb();
		local_irq_save(flags);
		list_add(&vmcs->cpu_link,
			 &per_cpu(altp2m_vmx_cpus, cpu).loaded);
		vmcs->cpu = cpu;
		local_irq_restore(flags);
	}
	if (this_cpu_read(altp2m_vmx_current) != vmcs) {
		altp2m_vmptrld(vmcs->pa);
		this_cpu_write(altp2m_vmx_current, vmcs);
	}
	return moved;
}

/* VMCLEAR everything loaded here, then leave VMX operation. */
static void altp2m_vmx_off_local(void)
{
	struct altp2m_vmx_cpu *c = this_cpu_ptr(&altp2m_vmx_cpus);
	struct altp2m_vmcs *vmcs, *tmp;

	list_for_each_entry_safe(vmcs, tmp, &c->loaded, cpu_link)
		altp2m_vmcs_clear_local(vmcs);
	this_cpu_write(altp2m_vmx_current, NULL);
	if (c->vmx_on) {
		altp2m_cpu_vmxoff();
		c->vmx_on = false;
	}
}

static int altp2m_vmx_on_local(void)
{
	struct altp2m_vmx_cpu *c = this_cpu_ptr(&altp2m_vmx_cpus);
	int ret;

	if (c->vmx_on)
		return 0;
	/*
	 * CR4.VMXE set by someone else means another hypervisor is in VMX
	 * operation here; VMXON would fail anyway, and must not be tried on
	 * its behalf.
	 */
	if (cr4_read_shadow() & X86_CR4_VMXE)
		return -EBUSY;

	*(u32 *)c->vmxon_region = altp2m_host.vmcs_revision;
	cr4_set_bits(X86_CR4_VMXE);
	ret = altp2m_vmxon(__pa(c->vmxon_region));
	if (ret) {
		cr4_clear_bits(X86_CR4_VMXE);
		return -EIO;
	}
	c->vmx_on = true;
	/* Nothing may survive from an earlier VMXON epoch on this CPU. */
	altp2m_invept(VMX_EPT_EXTENT_GLOBAL, 0);
	return 0;
}

/**
 * altp2m_vmx_flush_local - drop every cached EPT translation on this CPU
 *
 * For a vCPU about to enter here that may find stale translations of its
 * VM's views (ALTP2M_REQ_TLB_FLUSH, or it arrived from another CPU). All
 * contexts: the guest may switch to any of its views by VMFUNC without an
 * exit, so every one of them must be fresh. Call with preemption off.
 */
void altp2m_vmx_flush_local(void)
{
	if (this_cpu_ptr(&altp2m_vmx_cpus)->vmx_on)
		altp2m_invept(VMX_EPT_EXTENT_GLOBAL, 0);
}

static int altp2m_cpu_online(unsigned int cpu)
{
	unsigned long flags;
	int ret = 0;

	local_irq_save(flags);
	/*
	 * A CPU coming up after the reboot notifier ran stays out of VMX:
	 * nothing would take it out again before the reboot or kexec.
	 */
	if (!READ_ONCE(altp2m_vmx_rebooting))
		ret = altp2m_vmx_on_local();
	local_irq_restore(flags);
	if (ret == -EBUSY)
		pr_err("CPU %u: VMX is already in use by another hypervisor (is kvm_intel running VMs?)\n",
		       cpu);
	else if (ret)
		pr_err("CPU %u: VMXON failed\n", cpu);
	return ret;
}

static int altp2m_cpu_offline(unsigned int cpu)
{
	unsigned long flags;

	local_irq_save(flags);
	altp2m_vmx_off_local();
	local_irq_restore(flags);
	return 0;
}

/**
 * altp2m_vmx_get - enter VMX operation on every CPU (first user)
 *
 * Return: 0, -EBUSY if another hypervisor holds VMX on some CPU (nothing
 * is left changed then), -EIO if VMXON failed, or -ENOMEM.
 */
int altp2m_vmx_get(void)
{
	int ret = 0;

	mutex_lock(&altp2m_vmx_lock);
	if (altp2m_vmx_rebooting) {
		ret = -EBUSY;
		goto out;
	}
	if (altp2m_vmx_users++)
		goto out;
	/* Brings up every online CPU, undoing all of them on a failure. */
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "altp2m/vmx:online",
				altp2m_cpu_online, altp2m_cpu_offline);
	if (ret < 0) {
		altp2m_vmx_users--;
		goto out;
	}
	altp2m_cpuhp_state = ret;
	ret = 0;
out:
	mutex_unlock(&altp2m_vmx_lock);
	return ret;
}

/* altp2m_vmx_put - the last user leaves VMX operation on every CPU */
void altp2m_vmx_put(void)
{
	mutex_lock(&altp2m_vmx_lock);
	if (!--altp2m_vmx_users) {
		cpuhp_remove_state(altp2m_cpuhp_state);
		altp2m_cpuhp_state = -1;
	}
	mutex_unlock(&altp2m_vmx_lock);
}

/* Suspend runs on one CPU with the others already offline. */
static int altp2m_vmx_suspend(void *unused)
{
	if (altp2m_vmx_users)
		altp2m_vmx_off_local();
	return 0;
}

static void altp2m_vmx_resume(void *unused)
{
	if (altp2m_vmx_users && altp2m_vmx_on_local())
		pr_err("VMXON failed on resume; VMs cannot run\n");
}

ALTP2M_DEFINE_SYSCORE(altp2m_syscore, altp2m_vmx_suspend, altp2m_vmx_resume);

static void altp2m_vmx_off_ipi(void *unused)
{
	altp2m_vmx_off_local();
}

/*
 * Under altp2m_vmx_lock: an altp2m_vmx_get() that passed its rebooting
 * check has brought every CPU up before this runs, and takes them all
 * down here; one after this sees the flag and fails.
 */
static int altp2m_vmx_reboot(struct notifier_block *nb, unsigned long code,
			     void *unused)
{
	mutex_lock(&altp2m_vmx_lock);
	WRITE_ONCE(altp2m_vmx_rebooting, true);
	on_each_cpu(altp2m_vmx_off_ipi, NULL, 1);
	mutex_unlock(&altp2m_vmx_lock);
	return NOTIFY_OK;
}

static struct notifier_block altp2m_reboot_nb = {
	.notifier_call = altp2m_vmx_reboot,
};

int altp2m_vmx_init(void)
{
	int cpu, ret;

	ret = altp2m_vmx_setup_config();
	if (ret)
		return ret;
	ret = altp2m_vmx_mitigations_init();
	if (ret)
		return ret;

	for_each_possible_cpu(cpu) {
		struct altp2m_vmx_cpu *c = per_cpu_ptr(&altp2m_vmx_cpus, cpu);

		INIT_LIST_HEAD(&c->loaded);
		c->vmxon_region = (void *)get_zeroed_page(GFP_KERNEL);
		if (!c->vmxon_region) {
			ret = -ENOMEM;
			goto err_free;
		}
	}
	register_syscore(&altp2m_syscore);
	ret = register_reboot_notifier(&altp2m_reboot_nb);
	if (ret)
		goto err_syscore;
	return 0;

err_syscore:
	unregister_syscore(&altp2m_syscore);
err_free:
	for_each_possible_cpu(cpu)
		free_page((unsigned long)per_cpu(altp2m_vmx_cpus, cpu).vmxon_region);
	altp2m_vmx_mitigations_exit();
	return ret;
}

/* Module exit: no VM exists any more, so no CPU is in VMX operation. */
void altp2m_vmx_exit(void)
{
	int cpu;

	unregister_reboot_notifier(&altp2m_reboot_nb);
	unregister_syscore(&altp2m_syscore);
	for_each_possible_cpu(cpu)
		free_page((unsigned long)per_cpu(altp2m_vmx_cpus, cpu).vmxon_region);
	altp2m_vmx_mitigations_exit();
}
