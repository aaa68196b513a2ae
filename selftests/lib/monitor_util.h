/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Monitor helpers for the selftests (the uAPI's "Monitors"): attach, map
 * the rings, take events, respond, pause. The double-underscore forms
 * return -1 with errno; the others assert.
 */
#ifndef SELFTEST_MONITOR_UTIL_H
#define SELFTEST_MONITOR_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/altp2m.h>

#include "vm_util.h"

struct monitor {
	int fd;
	uint32_t vm_id;
	uint32_t entries;
	uint64_t ring_bytes;
	void *map;		/* every vCPU id's ring, MAP_SHARED */
	size_t map_len;
	/*
	 * monitor_next_event() looks at the rings of vCPU ids below this
	 * (an id without a vCPU has no pages: SIGBUS); monitor_attach() sets
	 * it from the VM's vCPUs, 1 for monitor_attach_dev(). Tests that add
	 * vCPUs later raise it.
	 */
	uint32_t nr_rings;
	uint32_t next;		/* round robin of monitor_next_event() */
	struct altp2m_monitor_info info;
};

/*
 * ALTP2M_MONITOR_ATTACH on @fd (/dev/altp2m or a VM fd): the monitor fd,
 * or -1 with errno; @a is in/out.
 */
int __monitor_attach(int fd, struct altp2m_monitor_attach *a);
/* Attach through the VM fd (or /dev/altp2m), map the rings, GET_INFO. */
struct monitor *monitor_attach(struct vm *vm, uint32_t flags,
			       uint32_t ring_entries);
struct monitor *monitor_attach_dev(int dev_fd, uint32_t vm_id, uint32_t flags,
				   uint32_t ring_entries);
void monitor_close(struct monitor *m);

/* vCPU @vcpu's ring header, and its entry @i (i modulo the ring). */
struct altp2m_monitor_ring *monitor_ring(struct monitor *m, uint32_t vcpu);
struct altp2m_monitor_event *monitor_entry(struct monitor *m, uint32_t vcpu,
					   uint32_t i);

/* The next event of @vcpu's ring, if any (consumes it): true when one. */
bool monitor_ring_pop(struct monitor *m, uint32_t vcpu,
		      struct altp2m_monitor_event *ev);
/*
 * The next event of any ring, waiting with poll() up to @timeout_ms:
 * 0, or -1 with errno ETIMEDOUT.
 */
int monitor_next_event(struct monitor *m, struct altp2m_monitor_event *ev,
		       int timeout_ms);
/* As monitor_next_event(), asserting one comes within 30 s. */
void monitor_wait_event(struct monitor *m, struct altp2m_monitor_event *ev);

int __monitor_set_event(struct monitor *m, uint32_t type, uint32_t flags,
			uint32_t index, uint64_t mask);
void monitor_set_event(struct monitor *m, uint32_t type, uint32_t flags,
		       uint32_t index, uint64_t mask);
int __monitor_respond(struct monitor *m,
		      const struct altp2m_monitor_response *r);
/* "Continue" for @ev. */
void monitor_continue(struct monitor *m,
		      const struct altp2m_monitor_event *ev);
/* PAUSE/RESUME: every vCPU for @vcpu < 0. */
int __monitor_pause(struct monitor *m, int vcpu);
int __monitor_resume(struct monitor *m, int vcpu);
void monitor_pause(struct monitor *m, int vcpu);
void monitor_resume(struct monitor *m, int vcpu);

/* Guest side: ALTP2M_HC_MONITOR_REQUEST; returns RAX. */
static inline int64_t guest_monitor_request(uint64_t a0, uint64_t a1,
					    uint64_t a2, uint64_t a3)
{
	uint64_t ret;

	__asm__ __volatile__("vmcall"
			     : "=a"(ret)
			     : "a"(ALTP2M_HC_BASE + ALTP2M_HC_MONITOR_REQUEST),
			       "b"(a0), "c"(a1), "d"(a2), "S"(a3)
			     : "memory");
	return ret;
}

#endif /* SELFTEST_MONITOR_UTIL_H */
