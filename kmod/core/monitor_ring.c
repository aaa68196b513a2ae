// SPDX-License-Identifier: GPL-2.0
/*
 * Monitor event rings (see monitor_ring.h). The monitor writes @cons in
 * memory it shares with the module at any time and to any value: every
 * function here takes the one value the caller read, and a @cons ahead of
 * the module's @prod, or further behind it than the ring holds, counts as
 * a full ring.
 */
#include <linux/errno.h>
#include <linux/types.h>
#include <linux/altp2m.h>

#include "monitor_ring.h"

/**
 * altp2m_mon_ring_geometry - a ring's size from ALTP2M_MONITOR_ATTACH
 * @in: the entries asked for: 0 for the default, else a power of two from
 *	2 to ALTP2M_MONITOR_MAX_RING
 * @entries: out: the entries used
 * @bytes: out: the bytes of one vCPU's ring in the mapping: the header
 *	page and the entries, rounded up to whole pages
 *
 * Return: 0, or -EINVAL for a size the uAPI does not allow.
 */
int altp2m_mon_ring_geometry(u32 in, u32 *entries, u64 *bytes)
{
	u64 body;

	if (!in)
		in = ALTP2M_MONITOR_DEFAULT_RING;
	if (in < 2 || in > ALTP2M_MONITOR_MAX_RING || (in & (in - 1)))
		return -EINVAL;
	body = (u64)in * ALTP2M_MONITOR_EVENT_SIZE;
	body = (body + ALTP2M_MONITOR_RING_HDR - 1) &
	       ~(u64)(ALTP2M_MONITOR_RING_HDR - 1);
	*entries = in;
	*bytes = ALTP2M_MONITOR_RING_HDR + body;
	return 0;
}

/**
 * altp2m_mon_ring_space - free entries, as far as @cons lets the module
 *	believe
 * @c: the ring
 * @cons: the monitor's @cons, read once
 *
 * Return: the entries the module may write; 0 when the ring is full or
 * @cons makes no sense.
 */
u32 altp2m_mon_ring_space(const struct altp2m_mon_ring_ctl *c, u32 cons)
{
	u32 used = c->prod - cons;	/* modulo 2^32, as the counters run */

	if (used > c->entries)
		return 0;
	return c->entries - used;
}

/**
 * altp2m_mon_ring_reserve - take the next entry for an event
 * @c: the ring
 * @cons: the monitor's @cons, read once
 * @sync: the event is synchronous: a full ring is not counted as a drop
 *	(the vCPU waits for room instead)
 * @offset: out: where the entry is, from the start of the ring's mapping
 *
 * The entry comes from the module's own @prod only. The caller writes the
 * event there, then publishes @c->prod (release) in the shared header.
 *
 * Return: 0 with @c->prod advanced, or -ENOSPC (an async event is counted
 * in @c->dropped).
 */
int altp2m_mon_ring_reserve(struct altp2m_mon_ring_ctl *c, u32 cons,
			    bool sync, u64 *offset)
{
	if (!altp2m_mon_ring_space(c, cons)) {
		if (!sync)
			c->dropped++;
		return -ENOSPC;
	}
	*offset = ALTP2M_MONITOR_RING_HDR +
		  (u64)(c->prod & (c->entries - 1)) * ALTP2M_MONITOR_EVENT_SIZE;
	c->prod++;
	return 0;
}

/* Whether the ring holds events the monitor has not consumed (poll). */
bool altp2m_mon_ring_pending(const struct altp2m_mon_ring_ctl *c, u32 cons)
{
	return c->prod != cons;
}
