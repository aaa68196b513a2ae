/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ALTP2M_SHIM_ERRNO_H
#define ALTP2M_SHIM_ERRNO_H
#include_next <linux/errno.h>
#endif
