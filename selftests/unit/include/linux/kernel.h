/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ALTP2M_SHIM_KERNEL_H
#define ALTP2M_SHIM_KERNEL_H
#include <assert.h>
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define ilog2(n)	(63 - __builtin_clzll(n))
#endif
