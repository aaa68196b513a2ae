// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libaltp2m: the monitor fd of an introspection daemon (uapi "Monitors"):
 * attach, the per-vCPU event rings, responses, pause, vCPU state, guest
 * memory and translation.
 *
 * The rings are shared with the module, which writes events and @prod and
 * only reads @cons. The library trusts the mapping no more than the module
 * trusts the monitor: it keeps its own consumer index per ring (the
 * ring's @cons is a copy it writes for the module), and never reads an
 * entry a @prod beyond @entries would point it to.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "internal.h"

/* ---- the real transport: the monitor fd ---- */

static int altp2m_monfd_ioctl(void *priv, unsigned long cmd, void *arg)
{
	int ret = ioctl((int)(intptr_t)priv, cmd, arg);

	return ret < 0 ? -errno : ret;
}

/* Guest RAM at mmap offset @off; the rings are the same at offset 0. */
static void *altp2m_monfd_map_gpa(void *priv, uint64_t off, size_t len,
				  int prot, int *err)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, (int)(intptr_t)priv,
		       (off_t)off);

	if (p == MAP_FAILED) {
		*err = -errno;
		return NULL;
	}
	return p;
}

static void *altp2m_monfd_map(void *priv, size_t len, int *err)
{
	return altp2m_monfd_map_gpa(priv, 0, len, PROT_READ | PROT_WRITE, err);
}

static void altp2m_monfd_unmap(void *priv, void *addr, size_t len)
{
	(void)priv;
	munmap(addr, len);
}

static int altp2m_monfd_poll(void *priv, int timeout_ms)
{
	struct pollfd pfd = { .fd = (int)(intptr_t)priv, .events = POLLIN };
	int ret = poll(&pfd, 1, timeout_ms);

	if (ret < 0)
		return -errno;
	return ret ? pfd.revents : 0;
}

static int altp2m_monfd_fd(void *priv)
{
	return (int)(intptr_t)priv;
}

static void altp2m_monfd_close(void *priv)
{
	close((int)(intptr_t)priv);
}

static const struct altp2m__mon_transport altp2m_monfd_transport = {
	.ioctl = altp2m_monfd_ioctl,
	.map = altp2m_monfd_map,
	.unmap = altp2m_monfd_unmap,
	.map_gpa = altp2m_monfd_map_gpa,
	.poll = altp2m_monfd_poll,
	.fd = altp2m_monfd_fd,
	.close = altp2m_monfd_close,
};

/* ---- errors ---- */

int altp2m__mon_detail(struct altp2m_mon *m, int err, const char *fmt, ...)
{
	va_list ap;

	m->e.err = err;
	va_start(ap, fmt);
	vsnprintf(m->e.msg, sizeof(m->e.msg), fmt, ap);
	va_end(ap);
	return err;
}

int altp2m__mon_fail(struct altp2m_mon *m, int err, const char *what)
{
	altp2m__err_finish(&m->e, err, what);
	return err;
}

/* An ioctl; the module's errors that say something specific get words. */
static int altp2m_mon_ioctl(struct altp2m_mon *m, unsigned long cmd,
			    void *arg, const char *what, uint32_t vcpu)
{
	int ret = m->tr->ioctl(m->priv, cmd, arg);

	if (ret >= 0)
		return ret;
	if (ret == -EBUSY && vcpu != ALTP2M_VCPU_ALL)
		altp2m__mon_detail(m, ret, "vCPU %u is neither paused nor parked on an event",
				   vcpu);
	else if (ret == -ENODEV)
		altp2m__mon_detail(m, ret, "the VM is gone");
	else if (ret == -ENOENT && vcpu != ALTP2M_VCPU_ALL)
		altp2m__mon_detail(m, ret, "no vCPU %u", vcpu);
	return altp2m__mon_fail(m, ret, what);
}

ALTP2M_EXPORT
const char *altp2m_mon_errmsg(const struct altp2m_mon *m)
{
	return m->e.msg;
}

ALTP2M_EXPORT
int altp2m_mon_last_error(const struct altp2m_mon *m, struct altp2m_error *e)
{
	return altp2m__err_export(&m->e, e);
}

/* ---- attach and close ---- */

/*
 * Which vCPUs exist: their rings may be read. A ring is never taken away
 * (rings outlive their vCPU), so a vCPU once seen stays readable.
 */
static int altp2m_mon_refresh(struct altp2m_mon *m)
{
	struct altp2m_vcpu_views vv;
	struct altp2m_monitor_ring *hdr;
	unsigned int v;
	int ret;

	memset(&vv, 0, sizeof(vv));
	ret = m->tr->ioctl(m->priv, ALTP2M_GET_VCPU_VIEWS, &vv);
	if (ret < 0)
		return altp2m__mon_detail(m, ret, "cannot list the vCPUs");
	for (v = 0; v < ALTP2M_MAX_VCPUS; v++) {
		if (m->rings[v].seen || !(vv.present & (UINT64_C(1) << v)))
			continue;
		hdr = (void *)(m->map + (size_t)v * m->ring_bytes);
		if (__atomic_load_n(&hdr->entries, __ATOMIC_RELAXED) !=
		    m->ring_entries)
			return altp2m__mon_detail(m, -EPROTO,
						 "the ring of vCPU %u says %u entries, not %u",
						 v, hdr->entries,
						 m->ring_entries);
		m->rings[v].cons = __atomic_load_n(&hdr->cons,
						   __ATOMIC_RELAXED);
		m->rings[v].seen = true;
	}
	return 0;
}

static bool altp2m_pow2_ring(uint32_t n)
{
	return n >= 2 && n <= ALTP2M_MONITOR_MAX_RING && !(n & (n - 1));
}

int altp2m__mon_open_transport(struct altp2m_mon **mp,
			       const struct altp2m__mon_transport *tr,
			       void *priv,
			       const struct altp2m_monitor_attach *att,
			       char *errbuf, size_t errlen)
{
	struct altp2m_mon *m;
	int err = 0;

	*mp = NULL;
	m = calloc(1, sizeof(*m));
	if (!m) {
		altp2m__fmt(errbuf, errlen, "attach monitor: %s",
			    strerror(ENOMEM));
		tr->close(priv);
		return -ENOMEM;
	}
	m->tr = tr;
	m->priv = priv;
	altp2m__err_clear(&m->e);
	m->vm_id = att->vm_id;
	m->ring_entries = att->ring_entries;
	m->ring_bytes = att->ring_bytes;
	/*
	 * What the module said is checked before it sizes anything: a ring
	 * must hold its header and entries, and the mapping must fit.
	 */
	if (!altp2m_pow2_ring(m->ring_entries) || m->ring_bytes % 4096 ||
	    m->ring_bytes < ALTP2M_MONITOR_RING_HDR +
			    (uint64_t)m->ring_entries * ALTP2M_MONITOR_EVENT_SIZE ||
	    m->ring_bytes > SIZE_MAX / ALTP2M_MAX_VCPUS) {
		altp2m__mon_detail(m, -EPROTO,
				   "the module's rings (%u entries, %llu bytes) make no sense",
				  m->ring_entries,
				  (unsigned long long)m->ring_bytes);
		goto fail;
	}
	m->map_len = (size_t)m->ring_bytes * ALTP2M_MAX_VCPUS;
	m->map = tr->map(priv, m->map_len, &err);
	if (!m->map) {
		altp2m__mon_detail(m, err, "cannot map the rings");
		goto fail;
	}
	if (altp2m_mon_refresh(m))
		goto fail;
	*mp = m;
	return 0;

fail:
	err = m->e.err;
	altp2m__mon_fail(m, err, "attach monitor");
	altp2m__fmt(errbuf, errlen, "%s", m->e.msg);
	altp2m_mon_close(m);
	return err;
}

static int altp2m_mon_opts_check(struct altp2m_mon_opts *o,
				 const struct altp2m_mon_opts *opts,
				 char *errbuf, size_t errlen)
{
	if (altp2m__opts_copy(o, sizeof(*o), opts)) {
		altp2m__fmt(errbuf, errlen,
			    "attach monitor: %s (options this library does not know)",
			    strerror(EINVAL));
		return -EINVAL;
	}
	if (o->flags & ~(uint32_t)ALTP2M_MONITOR_DROP_VIEWS) {
		altp2m__fmt(errbuf, errlen,
			    "attach monitor: %s (unknown flags 0x%x)",
			    strerror(EINVAL), o->flags);
		return -EINVAL;
	}
	if (o->ring_entries && !altp2m_pow2_ring(o->ring_entries)) {
		altp2m__fmt(errbuf, errlen,
			    "attach monitor: %s (ring entries %u: a power of two from 2 to %d)",
			    strerror(EINVAL), o->ring_entries,
			    ALTP2M_MONITOR_MAX_RING);
		return -EINVAL;
	}
	return 0;
}

static void altp2m_attach_words(int err, uint32_t vm_id, char *errbuf,
				size_t errlen)
{
	const char *why = "";

	if (err == -EPERM)
		why = " (needs CAP_NET_ADMIN or CAP_SYS_ADMIN in the VM creator's user namespace)";
	else if (err == -EBUSY)
		why = " (another monitor is attached to it)";
	else if (err == -ENOENT)
		why = " (no such VM in this network namespace)";
	altp2m__fmt(errbuf, errlen, "attach monitor to VM %u: %s%s", vm_id,
		    strerror(-err), why);
}

ALTP2M_EXPORT
int altp2m_mon_attach(struct altp2m_mon **mp, uint32_t vm_id,
		      const struct altp2m_mon_opts *opts,
		      char *errbuf, size_t errlen)
{
	struct altp2m_monitor_attach att = { .vm_id = vm_id };
	struct altp2m_mon_opts o;
	const char *path;
	int dev, fd, ret;

	*mp = NULL;
	ret = altp2m_mon_opts_check(&o, opts, errbuf, errlen);
	if (ret)
		return ret;
	path = o.device ? o.device : ALTP2M_DEFAULT_DEVICE;
	dev = open(path, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		ret = -errno;
		altp2m__fmt(errbuf, errlen, "cannot open %s: %s%s", path,
			    strerror(-ret), ret == -ENOENT ?
			    " (is the altp2m module loaded?)" : "");
		return ret;
	}
	ret = ioctl(dev, ALTP2M_GET_API_VERSION, 0);
	if (ret != ALTP2M_API_VERSION) {
		ret = ret < 0 ? -errno : -EPROTO;
		altp2m__fmt(errbuf, errlen,
			    "attach monitor: the module speaks another API than this library's (%d)",
			    ALTP2M_API_VERSION);
		close(dev);
		return ret;
	}
	att.flags = o.flags;
	att.ring_entries = o.ring_entries;
	fd = ioctl(dev, ALTP2M_MONITOR_ATTACH, &att);
	ret = fd < 0 ? -errno : 0;
	close(dev);
	if (ret) {
		altp2m_attach_words(ret, vm_id, errbuf, errlen);
		return ret;
	}
	return altp2m__mon_open_transport(mp, &altp2m_monfd_transport,
					  (void *)(intptr_t)fd, &att, errbuf,
					  errlen);
}

ALTP2M_EXPORT
int altp2m_mon_attach_vm(struct altp2m_mon **mp, struct altp2m_vm *vm,
			 const struct altp2m_mon_opts *opts,
			 char *errbuf, size_t errlen)
{
	struct altp2m_monitor_attach att = { 0 };
	struct altp2m_mon_opts o;
	int ret;

	*mp = NULL;
	ret = altp2m_mon_opts_check(&o, opts, errbuf, errlen);
	if (ret)
		return ret;
	if (vm->kind != ALTP2M_TRANSPORT_FD) {
		altp2m__fmt(errbuf, errlen,
			    "attach monitor: %s (a netlink VM handle has no VM fd: use altp2m_mon_attach)",
			    strerror(EOPNOTSUPP));
		return -EOPNOTSUPP;
	}
	att.flags = o.flags;
	att.vm_id = vm->vm_id;
	att.ring_entries = o.ring_entries;
	ret = vm->tr->ioctl(vm->priv, ALTP2M_MONITOR_ATTACH, &att);
	if (ret < 0) {
		altp2m_attach_words(ret, vm->vm_id, errbuf, errlen);
		return ret;
	}
	return altp2m__mon_open_transport(mp, &altp2m_monfd_transport,
					  (void *)(intptr_t)ret, &att, errbuf,
					  errlen);
}

ALTP2M_EXPORT
void altp2m_mon_close(struct altp2m_mon *m)
{
	if (!m)
		return;
	altp2m__hide_release(m);
	if (m->map)
		m->tr->unmap(m->priv, m->map, m->map_len);
	m->tr->close(m->priv);
	free(m);
}

ALTP2M_EXPORT
uint32_t altp2m_mon_vm_id(const struct altp2m_mon *m)
{
	return m->vm_id;
}

ALTP2M_EXPORT
int altp2m_mon_fd(const struct altp2m_mon *m)
{
	return m->tr->fd(m->priv);
}

ALTP2M_EXPORT
int altp2m_mon_get_info(struct altp2m_mon *m, struct altp2m_monitor_info *info)
{
	altp2m__err_clear(&m->e);
	memset(info, 0, sizeof(*info));
	return altp2m_mon_ioctl(m, ALTP2M_MONITOR_GET_INFO, info, "get info",
				ALTP2M_VCPU_ALL) < 0 ? m->e.err : 0;
}

ALTP2M_EXPORT
int altp2m_mon_set_event(struct altp2m_mon *m, uint32_t type, uint32_t flags,
			 uint32_t index, uint64_t mask)
{
	struct altp2m_monitor_event_ctl c = {
		.flags = flags, .type = type, .index = index, .mask = mask,
	};
	const uint32_t known = ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC |
			       ALTP2M_MON_CTL_ONCHANGE;
	bool cr_msr = type == ALTP2M_MON_EV_CR || type == ALTP2M_MON_EV_MSR;

	altp2m__err_clear(&m->e);
	if (type >= ALTP2M_MON_EV_NR)
		altp2m__mon_detail(m, -EINVAL, "unknown event type %u", type);
	else if (flags & ~known)
		altp2m__mon_detail(m, -EINVAL, "unknown flags 0x%x",
				   flags & ~known);
	else if (!cr_msr && (index || mask ||
			     (flags & ALTP2M_MON_CTL_ONCHANGE)))
		altp2m__mon_detail(m, -EINVAL,
				   "index, mask and on-change are for CR and MSR events");
	else if (type == ALTP2M_MON_EV_CR && index != 0 && index != 3 &&
		 index != 4)
		altp2m__mon_detail(m, -EINVAL, "CR%u: only CR0, CR3 and CR4",
				   index);
	if (m->e.err)
		return altp2m__mon_fail(m, m->e.err, "set event");
	return altp2m_mon_ioctl(m, ALTP2M_MONITOR_SET_EVENT, &c, "set event",
				ALTP2M_VCPU_ALL) < 0 ? m->e.err : 0;
}

/* ---- the rings ---- */

/*
 * One event from vCPU @v's ring into *ev: 1, 0 when it is empty, or
 * -EPROTO (nothing read) when its producer index is not believable.
 */
static int altp2m_mon_take_one(struct altp2m_mon *m, unsigned int v,
			       struct altp2m_monitor_event *ev)
{
	unsigned char *base = m->map + (size_t)v * m->ring_bytes;
	struct altp2m_monitor_ring *hdr = (void *)base;
	uint32_t cons = m->rings[v].cons, prod;
	size_t slot;

	/* Pairs with the module's release store of @prod after the entry. */
	prod = __atomic_load_n(&hdr->prod, __ATOMIC_ACQUIRE);
	if (prod == cons)
		return 0;
	if (prod - cons > m->ring_entries)
		return altp2m__mon_detail(m, -EPROTO,
					 "the ring of vCPU %u is %u events ahead of us, more than its %u entries",
					 v, prod - cons, m->ring_entries);
	slot = ALTP2M_MONITOR_RING_HDR +
	       (size_t)(cons & (m->ring_entries - 1)) *
	       ALTP2M_MONITOR_EVENT_SIZE;
	memcpy(ev, base + slot, sizeof(*ev));
	m->rings[v].cons = ++cons;
	/* The copy is done before the module may reuse the slot. */
	__atomic_store_n(&hdr->cons, cons, __ATOMIC_RELEASE);
	return 1;
}

/* The next event of any ring, taking the rings in turn. */
static int altp2m_mon_take(struct altp2m_mon *m,
			   struct altp2m_monitor_event *ev)
{
	unsigned int i, v;
	int ret;

	for (i = 0; i < ALTP2M_MAX_VCPUS; i++) {
		v = (m->next_vcpu + i) % ALTP2M_MAX_VCPUS;
		if (!m->rings[v].seen)
			continue;
		ret = altp2m_mon_take_one(m, v, ev);
		if (ret) {
			m->next_vcpu = (v + 1) % ALTP2M_MAX_VCPUS;
			return ret;
		}
	}
	return 0;
}

static int64_t altp2m_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t altp2m_now_ms(void)
{
	return altp2m_now_ns() / 1000000;
}

/* A spin-wait hint to the CPU (its sibling thread gets the core). */
static inline void altp2m_cpu_relax(void)
{
#ifdef __x86_64__
	__builtin_ia32_pause();
#endif
}

ALTP2M_EXPORT
int altp2m_mon_set_busy_poll(struct altp2m_mon *m, unsigned int usec)
{
	altp2m__err_clear(&m->e);
	if (usec > ALTP2M_MON_BUSY_POLL_MAX)
		return altp2m__mon_fail(m, altp2m__mon_detail(m, -EINVAL,
				       "busy poll of %u us is above %u", usec,
				       ALTP2M_MON_BUSY_POLL_MAX), "busy poll");
	m->busy_poll_us = usec;
	return 0;
}

/* Iterations of the busy poll between two looks at the clock. */
#define ALTP2M_MON_SPIN_CLOCK	32

/*
 * altp2m_mon_set_busy_poll(): look at the rings until @until (ns of
 * CLOCK_MONOTONIC) before sleeping in poll(). A parked vCPU polling for
 * its response on another CPU then gets it without either side sleeping.
 * The loop only compares each known ring's producer index with ours (the
 * event's latency is one turn of it), and reads the clock now and then.
 * Returns as altp2m_mon_take().
 */
static int altp2m_mon_spin(struct altp2m_mon *m,
			   struct altp2m_monitor_event *ev, int64_t until)
{
	const struct altp2m_monitor_ring *hdr[ALTP2M_MAX_VCPUS];
	unsigned int v, i, n = 0, turn;
	uint32_t *cons[ALTP2M_MAX_VCPUS];

	for (v = 0; v < ALTP2M_MAX_VCPUS; v++) {
		if (!m->rings[v].seen)
			continue;
		hdr[n] = (void *)(m->map + (size_t)v * m->ring_bytes);
		cons[n++] = &m->rings[v].cons;
	}
	for (turn = 1;; turn++) {
		for (i = 0; i < n; i++)
			if (__atomic_load_n(&hdr[i]->prod, __ATOMIC_RELAXED) !=
			    *cons[i])
				return altp2m_mon_take(m, ev);
		altp2m_cpu_relax();
		if (!(turn % ALTP2M_MON_SPIN_CLOCK) && altp2m_now_ns() >= until)
			return 0;
	}
}

ALTP2M_EXPORT
int altp2m_mon_next_event(struct altp2m_mon *m,
			  struct altp2m_monitor_event *ev, int timeout_ms)
{
	int64_t deadline = timeout_ms > 0 ? altp2m_now_ms() + timeout_ms : 0;
	bool refreshed = false, spun = false;
	int ret, wait = timeout_ms;
	int64_t until;

	altp2m__err_clear(&m->e);
	for (;;) {
		ret = altp2m_mon_take(m, ev);
		if (!ret && !spun && m->busy_poll_us && timeout_ms) {
			spun = true;
			until = altp2m_now_ns() + m->busy_poll_us * INT64_C(1000);
			if (timeout_ms > 0 && until > deadline * 1000000)
				until = deadline * 1000000;
			ret = altp2m_mon_spin(m, ev, until);
		}
		if (ret)
			return ret < 0 ? altp2m__mon_fail(m, ret, "next event") : 1;
		if (timeout_ms > 0) {
			wait = (int)(deadline - altp2m_now_ms());
			if (wait < 0)
				wait = 0;
		}
		ret = m->tr->poll(m->priv, wait);
		if (ret < 0)
			return altp2m__mon_fail(m, ret, "next event");
		if (!ret)
			return 0;
		if (ret & POLLIN) {
			ret = altp2m_mon_take(m, ev);
			if (ret)
				return ret < 0 ? altp2m__mon_fail(m, ret, "next event") : 1;
			/*
			 * Readable, yet no ring we know has an event: a vCPU
			 * created since we last looked. Once we looked, the
			 * module and we disagree about the rings.
			 */
			if (refreshed) {
				altp2m__mon_detail(m, -EPROTO,
						   "the fd is readable but no ring holds an event");
				return altp2m__mon_fail(m, -EPROTO, "next event");
			}
			ret = altp2m_mon_refresh(m);
			if (ret)
				return altp2m__mon_fail(m, ret, "next event");
			refreshed = true;
			continue;
		}
		if (ret & (POLLHUP | POLLERR | POLLNVAL))
			return altp2m__mon_fail(m, altp2m__mon_detail(m, -ENODEV,
					       "the VM is gone"), "next event");
	}
}

ALTP2M_EXPORT
int altp2m_mon_dropped(struct altp2m_mon *m, uint32_t vcpu,
		       uint64_t *dropped)
{
	struct altp2m_monitor_ring *hdr;
	int ret;

	altp2m__err_clear(&m->e);
	if (vcpu >= ALTP2M_MAX_VCPUS)
		return altp2m__mon_fail(m, altp2m__mon_detail(m, -EINVAL,
				       "vCPU %u is not below %d", vcpu,
				       ALTP2M_MAX_VCPUS), "dropped events");
	if (!m->rings[vcpu].seen) {
		ret = altp2m_mon_refresh(m);
		if (!ret && !m->rings[vcpu].seen)
			ret = altp2m__mon_detail(m, -ENOENT, "no vCPU %u", vcpu);
		if (ret)
			return altp2m__mon_fail(m, ret, "dropped events");
	}
	hdr = (void *)(m->map + (size_t)vcpu * m->ring_bytes);
	*dropped = __atomic_load_n(&hdr->dropped, __ATOMIC_RELAXED);
	return 0;
}

/* ---- responses ---- */

ALTP2M_EXPORT
void altp2m_mon_rsp_init(struct altp2m_monitor_response *r,
			 const struct altp2m_monitor_event *ev)
{
	memset(r, 0, sizeof(*r));
	r->vcpu = ev->vcpu;
	r->seq = ev->seq;
}

ALTP2M_EXPORT
int altp2m_mon_rsp_set_ops(struct altp2m_monitor_response *r,
			   const struct altp2m_batch_builder *b)
{
	if (!b || !b->n)
		return -EINVAL;
	if (b->n > ALTP2M_MONITOR_MAX_OPS)
		return -E2BIG;
	r->flags |= ALTP2M_MON_RSP_ACCESS;
	r->nr_ops = b->n;
	r->ops = (uintptr_t)b->ops;
	return 0;
}

/* Word by word: every response is checked, on a daemon's hot path. */
static bool altp2m_zero(const void *p, size_t n)
{
	const unsigned char *c = p;
	uint64_t w;

	for (; n >= sizeof(w); n -= sizeof(w), c += sizeof(w)) {
		memcpy(&w, c, sizeof(w));
		if (w)
			return false;
	}
	while (n--)
		if (*c++)
			return false;
	return true;
}

int altp2m__mon_rsp_check(const struct altp2m_monitor_response *r,
			  struct altp2m__err *e)
{
	const uint32_t known = ALTP2M_MON_RSP_SWITCH_VIEW |
			       ALTP2M_MON_RSP_SINGLESTEP |
			       ALTP2M_MON_RSP_FAST_SINGLESTEP |
			       ALTP2M_MON_RSP_SET_REGS |
			       ALTP2M_MON_RSP_REINJECT | ALTP2M_MON_RSP_DENY |
			       ALTP2M_MON_RSP_ACCESS;
	const uint32_t steps = ALTP2M_MON_RSP_SINGLESTEP |
			       ALTP2M_MON_RSP_FAST_SINGLESTEP;
	uint32_t f = r->flags;

	if (f & ~known)
		return altp2m__err_set(e, -EINVAL, "unknown flags 0x%x",
				       f & ~known);
	if ((f & steps) == steps)
		return altp2m__err_set(e, -EINVAL,
				       "a single step is either plain or fast");
	if (r->vcpu >= ALTP2M_MAX_VCPUS)
		return altp2m__err_set(e, -EINVAL, "vCPU %u is not below %d",
				       r->vcpu, ALTP2M_MAX_VCPUS);
	if (!r->seq)
		return altp2m__err_set(e, -EINVAL,
				       "sequence number 0 is no event's");
	if ((f & (ALTP2M_MON_RSP_SWITCH_VIEW | ALTP2M_MON_RSP_FAST_SINGLESTEP)) &&
	    r->view >= ALTP2M_MAX_VIEWS)
		return altp2m__err_set(e, -EINVAL, "view %u is not below %d",
				       r->view, ALTP2M_MAX_VIEWS);
	if ((f & steps) && r->step_view >= ALTP2M_MAX_VIEWS &&
	    r->step_view != ALTP2M_MON_VIEW_CURRENT)
		return altp2m__err_set(e, -EINVAL,
				       "step view %u is not below %d",
				       r->step_view, ALTP2M_MAX_VIEWS);
	if (f & ALTP2M_MON_RSP_ACCESS) {
		if (!r->nr_ops || r->nr_ops > ALTP2M_MONITOR_MAX_OPS || !r->ops)
			return altp2m__err_set(e, -EINVAL,
					       "%u access operations: 1 .. %d",
					       r->nr_ops,
					       ALTP2M_MONITOR_MAX_OPS);
	} else if (r->nr_ops || r->ops) {
		return altp2m__err_set(e, -EINVAL,
				       "operations without ALTP2M_MON_RSP_ACCESS");
	}
	if (!(f & ALTP2M_MON_RSP_SET_REGS) &&
	    !altp2m_zero(&r->regs, sizeof(r->regs)))
		return altp2m__err_set(e, -EINVAL,
				       "registers without ALTP2M_MON_RSP_SET_REGS");
	if (r->pad || !altp2m_zero(r->reserved, sizeof(r->reserved)))
		return altp2m__err_set(e, -EINVAL,
				       "padding and reserved fields must be 0");
	return 0;
}

ALTP2M_EXPORT
int altp2m_mon_respond(struct altp2m_mon *m,
		       const struct altp2m_monitor_response *r)
{
	int ret;

	altp2m__err_clear(&m->e);
	ret = altp2m__mon_rsp_check(r, &m->e);
	if (ret)
		return altp2m__mon_fail(m, ret, "respond");
	ret = m->tr->ioctl(m->priv, ALTP2M_MONITOR_RESPOND, (void *)r);
	if (ret >= 0)
		return 0;
	if (ret == -ESRCH)
		altp2m__mon_detail(m, ret, "no event %llu parked on vCPU %u",
				   (unsigned long long)r->seq, r->vcpu);
	return altp2m__mon_fail(m, ret, "respond");
}

ALTP2M_EXPORT
int altp2m_mon_continue(struct altp2m_mon *m,
			const struct altp2m_monitor_event *ev)
{
	struct altp2m_monitor_response r;

	altp2m_mon_rsp_init(&r, ev);
	return altp2m_mon_respond(m, &r);
}

ALTP2M_EXPORT
int altp2m_mon_switch_view(struct altp2m_mon *m,
			   const struct altp2m_monitor_event *ev,
			   uint32_t view)
{
	struct altp2m_monitor_response r;

	altp2m_mon_rsp_init(&r, ev);
	r.flags = ALTP2M_MON_RSP_SWITCH_VIEW;
	r.view = view;
	return altp2m_mon_respond(m, &r);
}

ALTP2M_EXPORT
int altp2m_mon_fast_singlestep(struct altp2m_mon *m,
			       const struct altp2m_monitor_event *ev,
			       uint32_t step_view, uint32_t view)
{
	struct altp2m_monitor_response r;

	altp2m_mon_rsp_init(&r, ev);
	r.flags = ALTP2M_MON_RSP_FAST_SINGLESTEP;
	r.step_view = step_view;
	r.view = view;
	return altp2m_mon_respond(m, &r);
}

ALTP2M_EXPORT
int altp2m_mon_relax_step(struct altp2m_mon *m,
			  const struct altp2m_monitor_event *ev,
			  const struct altp2m_batch_builder *relax)
{
	struct altp2m_monitor_response r;
	int ret;

	altp2m__err_clear(&m->e);
	altp2m_mon_rsp_init(&r, ev);
	ret = altp2m_mon_rsp_set_ops(&r, relax);
	if (ret)
		return altp2m__mon_fail(m, altp2m__mon_detail(m, ret,
				       "the relaxing batch needs 1 .. %d operations",
				       ALTP2M_MONITOR_MAX_OPS), "respond");
	r.flags |= ALTP2M_MON_RSP_SINGLESTEP;
	r.step_view = ALTP2M_MON_VIEW_CURRENT;
	return altp2m_mon_respond(m, &r);
}

ALTP2M_EXPORT
int altp2m_mon_reinject(struct altp2m_mon *m,
			const struct altp2m_monitor_event *ev)
{
	struct altp2m_monitor_response r;

	altp2m_mon_rsp_init(&r, ev);
	r.flags = ALTP2M_MON_RSP_REINJECT;
	return altp2m_mon_respond(m, &r);
}

/* ---- pause and vCPU state ---- */

static int altp2m_mon_pause_cmd(struct altp2m_mon *m, unsigned long cmd,
				uint32_t vcpu, const char *what)
{
	struct altp2m_monitor_pause p = { 0 };

	altp2m__err_clear(&m->e);
	if (vcpu != ALTP2M_VCPU_ALL) {
		if (vcpu >= ALTP2M_MAX_VCPUS)
			return altp2m__mon_fail(m, altp2m__mon_detail(m, -EINVAL,
					       "vCPU %u is not below %d", vcpu,
					       ALTP2M_MAX_VCPUS), what);
		p.flags = ALTP2M_MON_PAUSE_VCPU;
		p.vcpu = vcpu;
	}
	if (cmd == ALTP2M_MONITOR_RESUME) {
		int ret = m->tr->ioctl(m->priv, cmd, &p);

		if (ret >= 0)
			return 0;
		if (ret == -EINVAL)
			altp2m__mon_detail(m, ret, "no pause to undo");
		return altp2m__mon_fail(m, ret, what);
	}
	return altp2m_mon_ioctl(m, cmd, &p, what, ALTP2M_VCPU_ALL) < 0 ?
	       m->e.err : 0;
}

ALTP2M_EXPORT
int altp2m_mon_pause(struct altp2m_mon *m, uint32_t vcpu)
{
	return altp2m_mon_pause_cmd(m, ALTP2M_MONITOR_PAUSE, vcpu, "pause");
}

ALTP2M_EXPORT
int altp2m_mon_resume(struct altp2m_mon *m, uint32_t vcpu)
{
	return altp2m_mon_pause_cmd(m, ALTP2M_MONITOR_RESUME, vcpu, "resume");
}

static int altp2m_mon_state(struct altp2m_mon *m, unsigned long cmd,
			    uint32_t vcpu, const void *regs, const void *sregs,
			    const void *msrs, const char *what)
{
	struct altp2m_monitor_vcpu_state s = { .vcpu = vcpu };

	altp2m__err_clear(&m->e);
	if (vcpu >= ALTP2M_MAX_VCPUS)
		altp2m__mon_detail(m, -EINVAL, "vCPU %u is not below %d", vcpu,
				   ALTP2M_MAX_VCPUS);
	else if (!regs && !sregs && !msrs)
		altp2m__mon_detail(m, -EINVAL, "no registers asked for");
	if (m->e.err)
		return altp2m__mon_fail(m, m->e.err, what);
	if (regs) {
		s.flags |= ALTP2M_MON_STATE_REGS;
		s.regs = (uintptr_t)regs;
	}
	if (sregs) {
		s.flags |= ALTP2M_MON_STATE_SREGS;
		s.sregs = (uintptr_t)sregs;
	}
	if (msrs) {
		s.flags |= ALTP2M_MON_STATE_MSRS;
		s.msrs = (uintptr_t)msrs;
	}
	return altp2m_mon_ioctl(m, cmd, &s, what, vcpu) < 0 ? m->e.err : 0;
}

ALTP2M_EXPORT
int altp2m_mon_get_state(struct altp2m_mon *m, uint32_t vcpu,
			 struct altp2m_regs *regs, struct altp2m_sregs *sregs,
			 struct altp2m_msrs *msrs)
{
	/* GET fills what the module knows; the rest must read as 0. */
	if (regs)
		memset(regs, 0, sizeof(*regs));
	if (sregs)
		memset(sregs, 0, sizeof(*sregs));
	return altp2m_mon_state(m, ALTP2M_MONITOR_GET_VCPU_STATE, vcpu, regs,
				sregs, msrs, "get vCPU state");
}

ALTP2M_EXPORT
int altp2m_mon_set_state(struct altp2m_mon *m, uint32_t vcpu,
			 const struct altp2m_regs *regs,
			 const struct altp2m_sregs *sregs,
			 const struct altp2m_msrs *msrs)
{
	return altp2m_mon_state(m, ALTP2M_MONITOR_SET_VCPU_STATE, vcpu, regs,
				sregs, msrs, "set vCPU state");
}

/* ---- guest memory ---- */

/*
 * One READ_MEM or WRITE_MEM per ALTP2M_MONITOR_MAX_MEM bytes, until the
 * whole length is copied or a call stops short.
 */
static int altp2m_mon_mem(struct altp2m_mon *m, unsigned long cmd,
			  uint32_t flags, uint32_t vcpu, uint32_t view,
			  uint64_t addr, void *buf, size_t len, size_t *done,
			  const char *what)
{
	struct altp2m_monitor_mem a;
	size_t chunk;
	int ret;

	altp2m__err_clear(&m->e);
	if (done)
		*done = 0;
	if (!done || (!buf && len))
		altp2m__mon_detail(m, -EINVAL, "no buffer or no count");
	else if ((flags & ALTP2M_MON_MEM_GVA) && vcpu >= ALTP2M_MAX_VCPUS)
		altp2m__mon_detail(m, -EINVAL, "vCPU %u is not below %d", vcpu,
				   ALTP2M_MAX_VCPUS);
	else if (view >= ALTP2M_MAX_VIEWS &&
		 !(view == ALTP2M_MON_VIEW_CURRENT && (flags & ALTP2M_MON_MEM_GVA)))
		altp2m__mon_detail(m, -EINVAL,
				   "view %u is not below %d (the current view is for linear addresses)",
				  view, ALTP2M_MAX_VIEWS);
	else if (len && addr + (len - 1) < addr)
		altp2m__mon_detail(m, -EINVAL, "the range wraps around");
	if (m->e.err)
		return altp2m__mon_fail(m, m->e.err, what);
	while (*done < len) {
		chunk = len - *done;
		if (chunk > ALTP2M_MONITOR_MAX_MEM)
			chunk = ALTP2M_MONITOR_MAX_MEM;
		memset(&a, 0, sizeof(a));
		a.flags = flags;
		a.vcpu = flags & ALTP2M_MON_MEM_GVA ? vcpu : 0;
		a.view = view;
		a.addr = addr + *done;
		a.len = chunk;
		a.buf = (uintptr_t)((unsigned char *)buf + *done);
		ret = altp2m_mon_ioctl(m, cmd, &a, what,
				       flags & ALTP2M_MON_MEM_GVA ? vcpu :
				       ALTP2M_VCPU_ALL);
		if (ret < 0)
			return ret;
		if (a.done > chunk)
			return altp2m__mon_fail(m, altp2m__mon_detail(m, -EPROTO,
					       "the module copied %llu of %zu bytes",
					       (unsigned long long)a.done, chunk),
					       what);
		*done += a.done;
		if (a.done < chunk)
			break;
	}
	return 0;
}

ALTP2M_EXPORT
int altp2m_mon_read_gpa(struct altp2m_mon *m, uint32_t view, uint64_t gpa,
			void *buf, size_t len, size_t *done)
{
	return altp2m_mon_mem(m, ALTP2M_MONITOR_READ_MEM, 0, 0, view, gpa, buf,
			      len, done, "read memory");
}

ALTP2M_EXPORT
int altp2m_mon_write_gpa(struct altp2m_mon *m, uint32_t view, uint64_t gpa,
			 const void *buf, size_t len, size_t *done)
{
	return altp2m_mon_mem(m, ALTP2M_MONITOR_WRITE_MEM, 0, 0, view, gpa,
			      (void *)buf, len, done, "write memory");
}

ALTP2M_EXPORT
int altp2m_mon_read_gva(struct altp2m_mon *m, uint32_t vcpu, uint32_t view,
			uint64_t gva, void *buf, size_t len, size_t *done)
{
	return altp2m_mon_mem(m, ALTP2M_MONITOR_READ_MEM, ALTP2M_MON_MEM_GVA,
			      vcpu, view, gva, buf, len, done, "read memory");
}

ALTP2M_EXPORT
int altp2m_mon_write_gva(struct altp2m_mon *m, uint32_t vcpu, uint32_t view,
			 uint64_t gva, const void *buf, size_t len,
			 size_t *done)
{
	return altp2m_mon_mem(m, ALTP2M_MONITOR_WRITE_MEM, ALTP2M_MON_MEM_GVA,
			      vcpu, view, gva, (void *)buf, len, done,
			      "write memory");
}

ALTP2M_EXPORT
int altp2m_mon_map_gpa(struct altp2m_mon *m, uint64_t gpa, size_t len,
		       unsigned int flags, void **addr)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	int prot = PROT_READ, err = -EOPNOTSUPP;
	void *p;

	altp2m__err_clear(&m->e);
	if (!addr)
		altp2m__mon_detail(m, -EINVAL, "no pointer for the address");
	else if (flags & ~ALTP2M_MON_MAP_WRITE)
		altp2m__mon_detail(m, -EINVAL, "unknown flags 0x%x",
				   flags & ~ALTP2M_MON_MAP_WRITE);
	else if (!len || gpa % page || len % page)
		altp2m__mon_detail(m, -EINVAL,
				   "gpa 0x%llx and length %zu must be page multiples, the length not 0",
				   (unsigned long long)gpa, len);
	else if (gpa >= ALTP2M_MONITOR_MEM_OFFSET ||
		 len > ALTP2M_MONITOR_MEM_OFFSET - gpa)
		altp2m__mon_detail(m, -EINVAL,
				   "gpa 0x%llx + %zu is beyond any guest",
				   (unsigned long long)gpa, len);
	if (m->e.err)
		return altp2m__mon_fail(m, m->e.err, "map guest memory");
	if (flags & ALTP2M_MON_MAP_WRITE)
		prot |= PROT_WRITE;
	p = m->tr->map_gpa ? m->tr->map_gpa(m->priv,
					    ALTP2M_MONITOR_MEM_OFFSET + gpa,
					    len, prot, &err) : NULL;
	if (!p) {
		if (err == -EINVAL)
			altp2m__mon_detail(m, err,
					   "beyond the host's guest-physical width, or a module without ALTP2M_FEATURE_MONITOR_MAP");
		return altp2m__mon_fail(m, err, "map guest memory");
	}
	*addr = p;
	return 0;
}

ALTP2M_EXPORT
void altp2m_mon_unmap_gpa(struct altp2m_mon *m, void *addr, size_t len)
{
	if (addr)
		m->tr->unmap(m->priv, addr, len);
}

/* ALTP2M_ADD/REMOVE_HIDDEN_FRAMES on the monitor fd. */
static int altp2m_mon_hidden(struct altp2m_mon *m, unsigned long cmd,
			     uint64_t gfn, uint64_t nr, const char *what)
{
	struct altp2m_hidden_frames a = { .gfn = gfn, .nr = nr };
	int ret;

	altp2m__err_clear(&m->e);
	if (!nr || nr > ALTP2M_MAX_HIDDEN_ADD)
		return altp2m__mon_fail(m, altp2m__mon_detail(m, -EINVAL,
				       "%llu frames: 1 to %d at once",
				       (unsigned long long)nr,
				       ALTP2M_MAX_HIDDEN_ADD), what);
	ret = m->tr->ioctl(m->priv, cmd, &a);
	if (ret >= 0)
		return 0;
	if (ret == -EEXIST)
		altp2m__mon_detail(m, ret, "a gfn of the range is guest RAM or hidden already");
	else if (ret == -ENOSPC)
		altp2m__mon_detail(m, ret, "beyond the module's max_hidden_frames for this VM");
	else if (ret == -ENOENT)
		altp2m__mon_detail(m, ret, "a gfn of the range is not hidden");
	else if (ret == -EBUSY)
		altp2m__mon_detail(m, ret, "a hidden breakpoint lives in the range");
	else if (ret == -ENODEV)
		altp2m__mon_detail(m, ret, "the VM is gone");
	return altp2m__mon_fail(m, ret, what);
}

ALTP2M_EXPORT
int altp2m_mon_hidden_add(struct altp2m_mon *m, uint64_t gfn, uint64_t nr)
{
	return altp2m_mon_hidden(m, ALTP2M_ADD_HIDDEN_FRAMES, gfn, nr,
				 "add hidden frames");
}

ALTP2M_EXPORT
int altp2m_mon_hidden_remove(struct altp2m_mon *m, uint64_t gfn, uint64_t nr)
{
	return altp2m_mon_hidden(m, ALTP2M_REMOVE_HIDDEN_FRAMES, gfn, nr,
				 "remove hidden frames");
}

ALTP2M_EXPORT
int altp2m_mon_translate(struct altp2m_mon *m, uint32_t vcpu, uint64_t gva,
			 uint32_t flags, uint64_t *gpa, uint32_t *pf_error)
{
	const uint32_t known = ALTP2M_MON_XLATE_WRITE | ALTP2M_MON_XLATE_USER |
			       ALTP2M_MON_XLATE_FETCH;
	struct altp2m_monitor_translate t = {
		.flags = flags, .vcpu = vcpu, .gva = gva,
	};
	int ret;

	altp2m__err_clear(&m->e);
	if (vcpu >= ALTP2M_MAX_VCPUS)
		altp2m__mon_detail(m, -EINVAL, "vCPU %u is not below %d", vcpu,
				   ALTP2M_MAX_VCPUS);
	else if (flags & ~known)
		altp2m__mon_detail(m, -EINVAL, "unknown flags 0x%x",
				   flags & ~known);
	else if (!gpa)
		altp2m__mon_detail(m, -EINVAL, "nowhere to put the address");
	if (m->e.err)
		return altp2m__mon_fail(m, m->e.err, "translate");
	ret = m->tr->ioctl(m->priv, ALTP2M_MONITOR_TRANSLATE, &t);
	if (ret == -ENXIO) {
		if (pf_error)
			*pf_error = t.error;
		altp2m__mon_detail(m, ret,
				   "0x%llx does not translate: page-fault error code 0x%x",
				  (unsigned long long)gva, t.error);
		return altp2m__mon_fail(m, ret, "translate");
	}
	if (ret < 0) {
		if (ret == -EBUSY)
			altp2m__mon_detail(m, ret,
					   "vCPU %u is neither paused nor parked on an event",
					  vcpu);
		return altp2m__mon_fail(m, ret, "translate");
	}
	*gpa = t.gpa;
	return 0;
}

static int altp2m_mon_sys_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg);
}

ALTP2M_EXPORT
int altp2m_mon_vm(struct altp2m_mon *m, struct altp2m_vm **vmp)
{
	int ret;

	altp2m__err_clear(&m->e);
	ret = altp2m__vm_from_fd_with(vmp, m->tr->fd(m->priv),
				      altp2m_mon_sys_ioctl, m->e.msg,
				      sizeof(m->e.msg));
	if (ret)
		m->e.err = ret;
	return ret;
}

/* ---- CR3 views and statistics ---- */

struct altp2m_cr3_key {
	uint64_t cr3;
	uint32_t i;
};

static int altp2m_cr3_key_cmp(const void *a, const void *b)
{
	const struct altp2m_cr3_key *x = a, *y = b;

	if (x->cr3 != y->cr3)
		return x->cr3 < y->cr3 ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/*
 * What the module refuses with EINVAL, said with the entries' numbers:
 * padding, and two entries equal under the mask (sorted copy).
 */
static int altp2m_mon_cr3_check(struct altp2m_mon *m,
				const struct altp2m_monitor_cr3_view *e,
				uint32_t nr, uint64_t mask)
{
	struct altp2m_cr3_key *k;
	uint32_t i;

	if (nr > ALTP2M_MONITOR_MAX_CR3_VIEWS)
		return altp2m__mon_detail(m, -EINVAL,
					 "%u entries, at most %d", nr,
					 ALTP2M_MONITOR_MAX_CR3_VIEWS);
	if (nr && !e)
		return altp2m__mon_detail(m, -EINVAL, "no entries");
	for (i = 0; i < nr; i++)
		if (e[i].pad)
			return altp2m__mon_detail(m, -EINVAL,
						 "entry %u: padding not 0", i);
	if (nr < 2)
		return 0;
	k = calloc(nr, sizeof(*k));
	if (!k)
		return altp2m__mon_detail(m, -ENOMEM, "%s", strerror(ENOMEM));
	for (i = 0; i < nr; i++) {
		k[i].cr3 = e[i].cr3 & (mask ? mask : ALTP2M_MON_CR3_MASK_DEFAULT);
		k[i].i = i;
	}
	qsort(k, nr, sizeof(*k), altp2m_cr3_key_cmp);
	for (i = 1; i < nr; i++)
		if (k[i].cr3 == k[i - 1].cr3)
			break;
	if (i < nr)
		altp2m__mon_detail(m, -EINVAL,
				   "entries %u and %u match the same CR3 (0x%llx under the mask)",
				  k[i - 1].i, k[i].i,
				  (unsigned long long)k[i].cr3);
	free(k);
	return i < nr ? -EINVAL : 0;
}

ALTP2M_EXPORT
int altp2m_mon_set_cr3_views(struct altp2m_mon *m,
			     const struct altp2m_monitor_cr3_view *entries,
			     uint32_t nr, uint64_t cr3_mask,
			     uint32_t default_view)
{
	struct altp2m_monitor_cr3_table t = {
		.flags = ALTP2M_MON_CR3_ENABLE,
		.default_view = default_view,
		.cr3_mask = cr3_mask,
		.nr = nr,
		.entries = (uintptr_t)entries,
	};
	int ret;

	altp2m__err_clear(&m->e);
	if (altp2m_mon_cr3_check(m, entries, nr, cr3_mask))
		return altp2m__mon_fail(m, m->e.err, "set CR3 views");
	ret = m->tr->ioctl(m->priv, ALTP2M_MONITOR_SET_CR3_VIEWS, &t);
	if (ret >= 0)
		return 0;
	if (ret == -ESRCH)
		altp2m__mon_detail(m, ret,
				   "a view the table names does not exist");
	return altp2m__mon_fail(m, ret, "set CR3 views");
}

ALTP2M_EXPORT
int altp2m_mon_clear_cr3_views(struct altp2m_mon *m)
{
	struct altp2m_monitor_cr3_table t = { 0 };

	altp2m__err_clear(&m->e);
	return altp2m_mon_ioctl(m, ALTP2M_MONITOR_SET_CR3_VIEWS, &t,
				"clear CR3 views", ALTP2M_VCPU_ALL) < 0 ?
	       m->e.err : 0;
}

ALTP2M_EXPORT
int altp2m_mon_get_stats(struct altp2m_mon *m, uint32_t vcpu,
			 struct altp2m_monitor_stats *st)
{
	altp2m__err_clear(&m->e);
	if (vcpu >= ALTP2M_MAX_VCPUS)
		altp2m__mon_detail(m, -EINVAL, "vCPU %u is not below %d", vcpu,
				   ALTP2M_MAX_VCPUS);
	else if (!st)
		altp2m__mon_detail(m, -EINVAL, "nowhere to put the counters");
	if (m->e.err)
		return altp2m__mon_fail(m, m->e.err, "get stats");
	memset(st, 0, sizeof(*st));
	st->vcpu = vcpu;
	return altp2m_mon_ioctl(m, ALTP2M_MONITOR_GET_STATS, st, "get stats",
				vcpu) < 0 ? m->e.err : 0;
}

/* ---- names ---- */

static const char *const altp2m_mon_ev_names[ALTP2M_MON_EV_NR] = {
	[ALTP2M_MON_EV_VIOLATION]	= "violation",
	[ALTP2M_MON_EV_BREAKPOINT]	= "breakpoint",
	[ALTP2M_MON_EV_SINGLESTEP]	= "singlestep",
	[ALTP2M_MON_EV_CR]		= "cr",
	[ALTP2M_MON_EV_MSR]		= "msr",
	[ALTP2M_MON_EV_GUEST_REQUEST]	= "guest-request",
	[ALTP2M_MON_EV_CPUID]		= "cpuid",
};

ALTP2M_EXPORT
const char *altp2m_mon_event_name(uint32_t type)
{
	return type < ALTP2M_MON_EV_NR ? altp2m_mon_ev_names[type] : NULL;
}

ALTP2M_EXPORT
int altp2m_mon_event_parse(const char *s, uint32_t *type)
{
	uint32_t i;

	for (i = 0; s && i < ALTP2M_MON_EV_NR; i++) {
		if (!strcmp(s, altp2m_mon_ev_names[i])) {
			*type = i;
			return 0;
		}
	}
	return -EINVAL;
}
