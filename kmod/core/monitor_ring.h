/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arithmetic of a monitor's per-vCPU event rings (the uAPI's
 * "Monitors"). Hardware-independent and unit-tested.
 *
 * The module is the only producer of a ring and keeps its own count of
 * what it produced (@prod here); the copy in the shared header is only
 * written, never read back. The monitor's @cons is read, never trusted:
 * it only decides how much room there is, never where an event goes.
 */
#ifndef ALTP2M_MONITOR_RING_H
#define ALTP2M_MONITOR_RING_H

#include <linux/types.h>

/**
 * struct altp2m_mon_ring_ctl - the module's side of one ring
 * @prod: events written (free running)
 * @entries: the ring's size, a power of two
 * @dropped: async events lost to a full ring
 */
struct altp2m_mon_ring_ctl {
	u32 prod;
	u32 entries;
	u64 dropped;
};

int altp2m_mon_ring_geometry(u32 in, u32 *entries, u64 *bytes);
u32 altp2m_mon_ring_space(const struct altp2m_mon_ring_ctl *c, u32 cons);
int altp2m_mon_ring_reserve(struct altp2m_mon_ring_ctl *c, u32 cons,
			    bool sync, u64 *offset);
bool altp2m_mon_ring_pending(const struct altp2m_mon_ring_ctl *c, u32 cons);

#endif /* ALTP2M_MONITOR_RING_H */
