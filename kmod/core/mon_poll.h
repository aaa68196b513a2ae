/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How long a vCPU parked on a synchronous monitor event polls for its
 * response before it sleeps (monitor.c's altp2m_monitor_wait()): the
 * window adapts per vCPU to how fast the monitor answers, as KVM's halt
 * polling adapts to how soon a halted vCPU is woken. Hardware-independent
 * and unit-tested.
 */
#ifndef ALTP2M_MON_POLL_H
#define ALTP2M_MON_POLL_H

#include <linux/types.h>

/* Where a window that grows from 0 starts (ns). */
#define ALTP2M_MON_POLL_START_NS	10000

u32 altp2m_mon_poll_window(u32 cur, u32 max);
u32 altp2m_mon_poll_adapt(u32 cur, u64 waited, u32 max);

#endif /* ALTP2M_MON_POLL_H */
