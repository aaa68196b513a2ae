// SPDX-License-Identifier: GPL-2.0
/*
 * Monitor helpers for the selftests (monitor_util.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "monitor_util.h"

int __monitor_attach(int fd, struct altp2m_monitor_attach *a)
{
	return ioctl(fd, ALTP2M_MONITOR_ATTACH, a);
}

static struct monitor *monitor_setup(int fd, uint32_t flags, uint32_t vm_id,
				     uint32_t ring_entries)
{
	struct altp2m_monitor_attach a = {
		.flags = flags,
		.vm_id = vm_id,
		.ring_entries = ring_entries,
	};
	struct monitor *m = calloc(1, sizeof(*m));
	int r;

	TEST_ASSERT(m, "calloc");
	m->fd = __monitor_attach(fd, &a);
	TEST_ASSERT(m->fd >= 0, "ALTP2M_MONITOR_ATTACH: %s", strerror(errno));
	m->entries = a.ring_entries;
	m->ring_bytes = a.ring_bytes;
	m->map_len = ALTP2M_MAX_VCPUS * m->ring_bytes;
	m->map = mmap(NULL, m->map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		      m->fd, 0);
	TEST_ASSERT(m->map != MAP_FAILED, "mmap monitor: %s", strerror(errno));
	r = ioctl(m->fd, ALTP2M_MONITOR_GET_INFO, &m->info);
	TEST_ASSERT(!r, "ALTP2M_MONITOR_GET_INFO: %s", strerror(errno));
	m->vm_id = m->info.vm_id;
	m->nr_rings = 1;
	return m;
}

struct monitor *monitor_attach(struct vm *vm, uint32_t flags,
			       uint32_t ring_entries)
{
	struct monitor *m = monitor_setup(vm->fd, flags, 0, ring_entries);
	uint32_t i;

	for (i = 0; i < ALTP2M_MAX_VCPUS; i++)
		if (vm->vcpus[i])
			m->nr_rings = i + 1;
	return m;
}

struct monitor *monitor_attach_dev(int dev_fd, uint32_t vm_id, uint32_t flags,
				   uint32_t ring_entries)
{
	return monitor_setup(dev_fd, flags, vm_id, ring_entries);
}

void monitor_close(struct monitor *m)
{
	if (!m)
		return;
	munmap(m->map, m->map_len);
	close(m->fd);
	free(m);
}

struct altp2m_monitor_ring *monitor_ring(struct monitor *m, uint32_t vcpu)
{
	return (void *)((char *)m->map + (size_t)vcpu * m->ring_bytes);
}

struct altp2m_monitor_event *monitor_entry(struct monitor *m, uint32_t vcpu,
					   uint32_t i)
{
	return (void *)((char *)monitor_ring(m, vcpu) +
			ALTP2M_MONITOR_RING_HDR +
			(size_t)(i & (m->entries - 1)) *
			ALTP2M_MONITOR_EVENT_SIZE);
}

bool monitor_ring_pop(struct monitor *m, uint32_t vcpu,
		      struct altp2m_monitor_event *ev)
{
	struct altp2m_monitor_ring *r = monitor_ring(m, vcpu);
	uint32_t cons = r->cons;

	/* @prod, then the entry it covers. */
	if (__atomic_load_n(&r->prod, __ATOMIC_ACQUIRE) == cons)
		return false;
	memcpy(ev, monitor_entry(m, vcpu, cons), sizeof(*ev));
	/* The entry read before the slot is given back. */
	__atomic_store_n(&r->cons, cons + 1, __ATOMIC_RELEASE);
	return true;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int monitor_next_event(struct monitor *m, struct altp2m_monitor_event *ev,
		       int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;
	struct pollfd p = { .fd = m->fd, .events = POLLIN };
	uint32_t i, v;

	for (;;) {
		for (i = 0; i < m->nr_rings; i++) {
			v = (m->next + i) % m->nr_rings;
			if (monitor_ring_pop(m, v, ev)) {
				m->next = v + 1;
				return 0;
			}
		}
		if (now_ms() >= end)
			break;
		poll(&p, 1, (int)(end - now_ms()));
	}
	errno = ETIMEDOUT;
	return -1;
}

void monitor_wait_event(struct monitor *m, struct altp2m_monitor_event *ev)
{
	TEST_ASSERT(!monitor_next_event(m, ev, 30000),
		    "no monitor event within 30 s");
}

int __monitor_set_event(struct monitor *m, uint32_t type, uint32_t flags,
			uint32_t index, uint64_t mask)
{
	struct altp2m_monitor_event_ctl c = {
		.flags = flags,
		.type = type,
		.index = index,
		.mask = mask,
	};

	return ioctl(m->fd, ALTP2M_MONITOR_SET_EVENT, &c);
}

void monitor_set_event(struct monitor *m, uint32_t type, uint32_t flags,
		       uint32_t index, uint64_t mask)
{
	TEST_ASSERT(!__monitor_set_event(m, type, flags, index, mask),
		    "ALTP2M_MONITOR_SET_EVENT type %u flags 0x%x: %s", type,
		    flags, strerror(errno));
}

int __monitor_respond(struct monitor *m,
		      const struct altp2m_monitor_response *r)
{
	return ioctl(m->fd, ALTP2M_MONITOR_RESPOND, r);
}

void monitor_continue(struct monitor *m, const struct altp2m_monitor_event *ev)
{
	struct altp2m_monitor_response r = { .vcpu = ev->vcpu, .seq = ev->seq };

	TEST_ASSERT(!__monitor_respond(m, &r), "RESPOND vcpu %u seq %llu: %s",
		    ev->vcpu, (unsigned long long)ev->seq, strerror(errno));
}

static int monitor_pause_ioctl(struct monitor *m, unsigned long cmd, int vcpu)
{
	struct altp2m_monitor_pause p = { 0 };

	if (vcpu >= 0) {
		p.flags = ALTP2M_MON_PAUSE_VCPU;
		p.vcpu = vcpu;
	}
	return ioctl(m->fd, cmd, &p);
}

int __monitor_pause(struct monitor *m, int vcpu)
{
	return monitor_pause_ioctl(m, ALTP2M_MONITOR_PAUSE, vcpu);
}

int __monitor_resume(struct monitor *m, int vcpu)
{
	return monitor_pause_ioctl(m, ALTP2M_MONITOR_RESUME, vcpu);
}

void monitor_pause(struct monitor *m, int vcpu)
{
	TEST_ASSERT(!__monitor_pause(m, vcpu), "MONITOR_PAUSE %d: %s", vcpu,
		    strerror(errno));
}

void monitor_resume(struct monitor *m, int vcpu)
{
	TEST_ASSERT(!__monitor_resume(m, vcpu), "MONITOR_RESUME %d: %s", vcpu,
		    strerror(errno));
}
