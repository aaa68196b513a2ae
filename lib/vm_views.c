// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libaltp2m: altp2m_views_enable() and altp2m_views_disable() under their
 * public names. They live in vm.c as altp2m_vm_views_enable/disable: the
 * module's kmod/core/view.c has functions named like the public ones, and
 * the unit tests, which link both, leave this file out.
 */
#include "internal.h"

ALTP2M_EXPORT
int altp2m_views_enable(struct altp2m_vm *vm, uint32_t max_views,
			uint32_t mode)
{
	return altp2m_vm_views_enable(vm, max_views, mode);
}

ALTP2M_EXPORT
int altp2m_views_disable(struct altp2m_vm *vm)
{
	return altp2m_vm_views_disable(vm);
}
