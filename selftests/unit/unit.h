/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace unit tests. Each *_test.c file builds a Check suite and
 * registers it with UNIT_SUITE(fn); main.c runs every registered suite.
 */
#ifndef ALTP2M_UNIT_H
#define ALTP2M_UNIT_H
#include <check.h>

#define ARRAY_LEN(a) ((int)(sizeof(a) / sizeof((a)[0])))

void unit_register(Suite *(*fn)(void));

#define UNIT_SUITE(fn)						\
	static void __attribute__((constructor)) _unit_reg_##fn(void)	\
	{								\
		unit_register(fn);					\
	}

#endif
