/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ALTP2M_SHIM_STRING_H
#define ALTP2M_SHIM_STRING_H
#include <string.h>
#endif
