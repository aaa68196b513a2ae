/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-in for the kernel's <linux/prefetch.h>. */
#ifndef ALTP2M_SHIM_PREFETCH_H
#define ALTP2M_SHIM_PREFETCH_H
#define prefetch(x)	__builtin_prefetch(x)
#define prefetchw(x)	__builtin_prefetch(x, 1)
#endif
