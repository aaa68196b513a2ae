// SPDX-License-Identifier: GPL-2.0
/*
 * The adaptive poll window of a parked vCPU (see mon_poll.h). A response
 * that comes within the window costs the vCPU no sleep and no wake-up; a
 * window longer than the monitor takes to answer only burns the vCPU's
 * CPU. So the window grows while the answers come after it but within the
 * limit, stays while they come within it, and shrinks while they come
 * after the limit: a slow monitor (or one that waits for a person) soon
 * costs no polling at all.
 */
#include <linux/types.h>

#include "mon_poll.h"

/**
 * altp2m_mon_poll_window - how long to poll now
 * @cur: the vCPU's window (ns)
 * @max: the module's limit (ns, 0: no polling); it may have been lowered
 *	since @cur grew
 *
 * Return: the window, at most @max.
 */
u32 altp2m_mon_poll_window(u32 cur, u32 max)
{
	return cur < max ? cur : max;
}

/**
 * altp2m_mon_poll_adapt - the window after a wait for a response
 * @cur: the window the wait started with (ns)
 * @waited: how long the vCPU waited for the response, poll and sleep
 *	(ns)
 * @max: the module's limit (ns, 0: no polling)
 *
 * Return: the vCPU's next window: unchanged when the response came
 * within it; doubled (from ALTP2M_MON_POLL_START_NS when it was smaller)
 * up to @max when it came later but within @max; halved when it came
 * after @max, and 0 once that is below the start. Never above @max.
 */
u32 altp2m_mon_poll_adapt(u32 cur, u64 waited, u32 max)
{
	u64 next;

	if (!max)
		return 0;
	if (cur > max)
		cur = max;
	if (waited <= cur)
		return cur;
	if (waited > max)
		return cur / 2 < ALTP2M_MON_POLL_START_NS ? 0 : cur / 2;
	next = (u64)cur * 2;
	if (next < ALTP2M_MON_POLL_START_NS)
		next = ALTP2M_MON_POLL_START_NS;
	return next < max ? next : max;
}
