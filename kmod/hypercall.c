// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's own view calls: VMCALL with RAX = ALTP2M_HC_BASE + call,
 * handled here without an exit to userspace, within what the VM's mode
 * (Xen's altp2m modes, see the uAPI) lets the guest do. The calls are the
 * host's operations on views under other names, so they share their code
 * and errors; only the permission check is the guest's own.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "altp2m.h"

#define ALTP2M_MODE_BIT(m)	BIT(ALTP2M_MODE_##m)

/* Which modes allow each call. */
static const u8 altp2m_hc_modes[ALTP2M_HC_NR] = {
	[ALTP2M_HC_GET_MODE] = ALTP2M_MODE_BIT(EXTERNAL) |
			       ALTP2M_MODE_BIT(MIXED) |
			       ALTP2M_MODE_BIT(LIMITED),
	[ALTP2M_HC_VE_ENABLE] = ALTP2M_MODE_BIT(MIXED) |
				ALTP2M_MODE_BIT(LIMITED),
	[ALTP2M_HC_VE_DISABLE] = ALTP2M_MODE_BIT(MIXED) |
				 ALTP2M_MODE_BIT(LIMITED),
	[ALTP2M_HC_CREATE_VIEW] = ALTP2M_MODE_BIT(MIXED),
	[ALTP2M_HC_DESTROY_VIEW] = ALTP2M_MODE_BIT(MIXED),
	[ALTP2M_HC_SWITCH_VIEW] = ALTP2M_MODE_BIT(MIXED),
	[ALTP2M_HC_SET_ACCESS] = ALTP2M_MODE_BIT(MIXED),
	[ALTP2M_HC_SET_SVE] = ALTP2M_MODE_BIT(MIXED),
	[ALTP2M_HC_REMAP] = ALTP2M_MODE_BIT(MIXED),
};

/* The view calls, through the same operations as the VMM's doors. */
static int altp2m_hc_edit(struct altp2m_vm *vm, u64 nr, const u64 *args)
{
	if (args[0] >= ALTP2M_MAX_VIEWS)
		return -EINVAL;
	if (nr == ALTP2M_HC_REMAP)
		return altp2m_vm_gfn_remap_guest(vm, args[0], args[1],
						 args[2]);
	if (args[2] > U8_MAX)
		return -EINVAL;
	return altp2m_vm_gfn_set_range(vm, args[0], args[1], 1, args[2],
				       nr == ALTP2M_HC_SET_SVE, NULL);
}

static s64 altp2m_hc_create(struct altp2m_vm *vm, u64 access)
{
	unsigned int idx;
	int ret;

	if (access > ALTP2M_ACCESS_DEFAULT)
		return -EINVAL;
	ret = altp2m_vm_view_create(vm, access, &idx);
	return ret ?: idx;
}

/**
 * altp2m_guest_hypercall - a guest view call
 * @vcpu: the calling vCPU, in its run loop
 * @nr: the call, RAX - ALTP2M_HC_BASE
 * @args: RBX, RCX, RDX
 * @cpl0: the guest called at CPL 0
 *
 * Return: what goes to the guest's RAX: 0, a view index, the mode, or a
 * negative errno.
 */
s64 altp2m_guest_hypercall(struct altp2m_vcpu *vcpu, u64 nr, const u64 *args,
			   bool cpl0)
{
	struct altp2m_vm *vm = vcpu->vm;
	u32 mode = READ_ONCE(vm->views_mode);

	/* The guest's call to its monitor, in any mode, from CPL 0. */
	if (nr == ALTP2M_HC_MONITOR_REQUEST)
		return cpl0 ? altp2m_monitor_guest_request(vcpu, args) : -EPERM;
	if (nr >= ALTP2M_HC_NR)
		return -EINVAL;
	if (!cpl0 || !(altp2m_hc_modes[nr] & BIT(mode)))
		return -EPERM;
	switch (nr) {
	case ALTP2M_HC_GET_MODE:
		return mode;
	case ALTP2M_HC_VE_ENABLE:
		return altp2m_ve_set(vcpu, args[0], false);
	case ALTP2M_HC_VE_DISABLE:
		return altp2m_ve_set(vcpu, 0, true);
	case ALTP2M_HC_CREATE_VIEW:
		return altp2m_hc_create(vm, args[0]);
	case ALTP2M_HC_DESTROY_VIEW:
		return args[0] >= ALTP2M_MAX_VIEWS ? -EINVAL :
		       altp2m_vm_view_destroy(vm, args[0]);
	case ALTP2M_HC_SWITCH_VIEW:
		return altp2m_vcpu_switch_view(vcpu, args[0] >= ALTP2M_MAX_VIEWS ?
					       ALTP2M_MAX_VIEWS : args[0]);
	default:
		return altp2m_hc_edit(vm, nr, args);
	}
}
