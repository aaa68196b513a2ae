/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for the kernel's <linux/slab.h>: kmalloc and kvmalloc
 * families over malloc. The unit tests inject allocation failures: with
 * altp2m_shim_fail_at set, the allocation that brings altp2m_shim_allocs
 * to that value returns NULL (the counters are weak so that every
 * program linking the shim shares one pair without defining it).
 */
#ifndef ALTP2M_SHIM_SLAB_H
#define ALTP2M_SHIM_SLAB_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned int gfp_t;
#define GFP_KERNEL		0x1u
#define GFP_KERNEL_ACCOUNT	0x3u
#define __GFP_ZERO		0x100u

__attribute__((weak)) unsigned long altp2m_shim_allocs;
__attribute__((weak)) unsigned long altp2m_shim_fail_at;

static inline void *altp2m_shim_alloc(size_t n, size_t size, gfp_t flags)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	if (++altp2m_shim_allocs == altp2m_shim_fail_at)
		return NULL;
	if (!n || !size)
		n = size = 1;
	if (flags & __GFP_ZERO)
		return calloc(n, size);
	return malloc(n * size);
}

#define kmalloc(s, f)		altp2m_shim_alloc(1, (s), (f))
#define kzalloc(s, f)		altp2m_shim_alloc(1, (s), (f) | __GFP_ZERO)
#define kmalloc_array(n, s, f)	altp2m_shim_alloc((n), (s), (f))
#define kcalloc(n, s, f)	altp2m_shim_alloc((n), (s), (f) | __GFP_ZERO)
#define kvmalloc		kmalloc
#define kvzalloc		kzalloc
#define kvmalloc_array		kmalloc_array
#define kvcalloc		kcalloc

static inline void kfree(const void *p)
{
	free((void *)p);
}

static inline void kvfree(const void *p)
{
	free((void *)p);
}

#endif
