/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for the kernel's <linux/compiler.h>: the one-shot
 * accessors hardware-shared data (EPT entries) is read and written with,
 * and the compiler barrier.
 */
#ifndef ALTP2M_SHIM_COMPILER_H
#define ALTP2M_SHIM_COMPILER_H

#define READ_ONCE(x)	(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val)					\
	do {							\
		*(volatile __typeof__(x) *)&(x) = (val);	\
	} while (0)
#define barrier()	__asm__ __volatile__("" : : : "memory")

#endif
