/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest/host boundary (enter.c): one VM entry and exit, and the
 * entry mitigations chosen at load time.
 */
#ifndef ALTP2M_VMX_ENTER_H
#define ALTP2M_VMX_ENTER_H

#include <linux/types.h>

struct altp2m_vcpu;
struct altp2m_vm;
struct altp2m_vmx_exit;

int altp2m_vmx_mitigations_init(void);
void altp2m_vmx_mitigations_exit(void);
void altp2m_vmx_vm_switch(struct altp2m_vm *vm);
int altp2m_vmx_enter_exit(struct altp2m_vcpu *vcpu, struct altp2m_vmx_exit *e);
void altp2m_vmx_l1d_dirty(struct altp2m_vcpu *vcpu);
void altp2m_vmx_host_user_stale(struct altp2m_vcpu *vcpu);

#endif /* ALTP2M_VMX_ENTER_H */
