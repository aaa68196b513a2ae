/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ALTP2M_UNIT_H
#define ALTP2M_UNIT_H
#include <check.h>

#define ARRAY_LEN(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *caps_suite(void);
Suite *lib_suite(void);

#endif
