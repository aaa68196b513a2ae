/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's interface to the VMX-specific layer: everything that
 * executes VMX instructions or reads VMX MSRs lives under kmod/vmx/.
 */
#ifndef ALTP2M_VMX_H
#define ALTP2M_VMX_H

struct altp2m_hw;

int altp2m_vmx_probe(struct altp2m_hw *hw);

#endif /* ALTP2M_VMX_H */
