// SPDX-License-Identifier: GPL-2.0
/*
 * l2_mon: the introspection daemon of linux_guest_monitor_test.sh, on
 * libaltp2m's monitor fd, against a running Linux guest of altp2m-run.
 *
 *   l2_mon VM BANNER-GVA STEPS
 *
 * Attaches to VM (by id), pauses every vCPU, reads the kernel's banner
 * (linux_banner, at BANNER-GVA) through vCPU 0's paging and prints it,
 * resumes. Then enables synchronous CR3 write events (Linux writes CR3
 * at each switch to another process), answers the first one with a
 * single step and each step's event with another, STEPS times, printing
 * every RIP; answers the last with "continue", disables the events and
 * detaches. Lines for the test:
 *
 *   l2_mon: banner <text up to its newline>
 *   l2_mon: cr3 write at <rip> cpl <n>
 *   l2_mon: step <i> rip <rip>
 *   l2_mon: done
 *
 * It fails (status 1) when a call fails, no CR3 write comes within
 * 60 s, a step's RIP is not a kernel address (CPL 0, upper half), or a
 * step did not move RIP (the step did not happen). Usage: status 2.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "altp2m.h"

#define BANNER_MAX	512
#define EVENT_WAIT_MS	60000
#define MAX_STEPS	64

static int fail(struct altp2m_mon *m, const char *what)
{
	fprintf(stderr, "l2_mon: %s: %s\n", what, altp2m_mon_errmsg(m));
	return 1;
}

/* x86-64 kernel space: the upper canonical half. */
static int kernel_addr(uint64_t a)
{
	return a >= 0xffff800000000000ULL;
}

static int read_banner(struct altp2m_mon *m, uint64_t gva)
{
	char buf[BANNER_MAX + 1];
	size_t done = 0;
	char *nl;
	int ret;

	/* Paused: vCPU 0's CR3 and page tables hold still while we walk. */
	if (altp2m_mon_pause(m, ALTP2M_VCPU_ALL))
		return fail(m, "pause");
	ret = altp2m_mon_read_gva(m, 0, ALTP2M_MON_VIEW_CURRENT, gva, buf,
				  BANNER_MAX, &done);
	if (ret)
		fail(m, "read banner");
	if (altp2m_mon_resume(m, ALTP2M_VCPU_ALL))
		return fail(m, "resume");
	if (ret)
		return 1;
	buf[done] = '\0';
	nl = strchr(buf, '\n');
	if (!nl) {
		fprintf(stderr, "l2_mon: no banner line in %zu bytes at 0x%"
			PRIx64 "\n", done, gva);
		return 1;
	}
	*nl = '\0';
	printf("l2_mon: banner %s\n", buf);
	fflush(stdout);
	return 0;
}

/* The next event, which must be of @type on a parked vCPU. */
static int wait_sync(struct altp2m_mon *m, uint32_t type,
		     struct altp2m_monitor_event *ev)
{
	int ret = altp2m_mon_next_event(m, ev, EVENT_WAIT_MS);

	if (ret < 0)
		return fail(m, "next event");
	if (ret == 0) {
		fprintf(stderr, "l2_mon: no %s event in %d ms\n",
			altp2m_mon_event_name(type), EVENT_WAIT_MS);
		return 1;
	}
	if (ev->type != type || !(ev->flags & ALTP2M_MON_EVF_SYNC)) {
		fprintf(stderr, "l2_mon: got %s (flags %#x), wanted sync %s\n",
			altp2m_mon_event_name(ev->type), ev->flags,
			altp2m_mon_event_name(type));
		return 1;
	}
	return 0;
}

static int answer_step(struct altp2m_mon *m,
		       const struct altp2m_monitor_event *ev)
{
	struct altp2m_monitor_response r;

	altp2m_mon_rsp_init(&r, ev);
	r.flags |= ALTP2M_MON_RSP_SINGLESTEP;
	r.step_view = ALTP2M_MON_VIEW_CURRENT;
	if (altp2m_mon_respond(m, &r))
		return fail(m, "respond single step");
	return 0;
}

/*
 * One CR3 write, then @steps single steps. The stepped vCPU stays parked
 * between events, so all of them come from it, in order.
 */
static int single_steps(struct altp2m_mon *m, unsigned int steps)
{
	struct altp2m_monitor_event ev;
	uint64_t prev;
	unsigned int i;

	if (wait_sync(m, ALTP2M_MON_EV_CR, &ev))
		return 1;
	printf("l2_mon: cr3 write at 0x%" PRIx64 " cpl %u vcpu %u\n",
	       (uint64_t)ev.regs.rip, ev.regs.cpl, ev.vcpu);
	/* Only the one event we step from: later ones would wait for us. */
	if (altp2m_mon_set_event(m, ALTP2M_MON_EV_CR, 0, 3, 0))
		return fail(m, "disable cr3 events");
	if (ev.regs.cpl != 0 || !kernel_addr(ev.regs.rip)) {
		fprintf(stderr, "l2_mon: CR3 written outside the kernel\n");
		return 1;
	}
	prev = ev.regs.rip;
	for (i = 1; i <= steps; i++) {
		if (answer_step(m, &ev) ||
		    wait_sync(m, ALTP2M_MON_EV_SINGLESTEP, &ev))
			return 1;
		printf("l2_mon: step %u rip 0x%" PRIx64 " cpl %u\n", i,
		       (uint64_t)ev.regs.rip, ev.regs.cpl);
		if (ev.regs.cpl != 0 || !kernel_addr(ev.regs.rip)) {
			fprintf(stderr, "l2_mon: stepped out of the kernel\n");
			return 1;
		}
		if (ev.regs.rip == prev) {
			fprintf(stderr, "l2_mon: RIP did not move\n");
			return 1;
		}
		prev = ev.regs.rip;
	}
	if (altp2m_mon_continue(m, &ev))
		return fail(m, "continue");
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	char err[ALTP2M_ERRMSG_LEN];
	struct altp2m_mon *m;
	unsigned long steps;
	uint64_t gva;
	uint32_t vm_id;
	int ret = 1;

	if (argc != 4) {
		fprintf(stderr, "usage: l2_mon VM BANNER-GVA STEPS\n");
		return 2;
	}
	vm_id = strtoul(argv[1], NULL, 0);
	gva = strtoull(argv[2], NULL, 16);
	steps = strtoul(argv[3], NULL, 0);
	if (!steps || steps > MAX_STEPS) {
		fprintf(stderr, "l2_mon: STEPS is 1 .. %d\n", MAX_STEPS);
		return 2;
	}
	if (altp2m_mon_attach(&m, vm_id, NULL, err, sizeof(err))) {
		fprintf(stderr, "l2_mon: attach %u: %s\n", vm_id, err);
		return 1;
	}
	if (read_banner(m, gva))
		goto out;
	if (altp2m_mon_set_event(m, ALTP2M_MON_EV_SINGLESTEP,
				 ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC,
				 0, 0))
		goto fail;
	if (altp2m_mon_set_event(m, ALTP2M_MON_EV_CR,
				 ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC,
				 3, 0))
		goto fail;
	printf("l2_mon: waiting for a cr3 write\n");
	fflush(stdout);
	if (single_steps(m, steps))
		goto out;
	if (altp2m_mon_set_event(m, ALTP2M_MON_EV_SINGLESTEP, 0, 0, 0))
		goto fail;
	printf("l2_mon: done\n");
	ret = 0;
	goto out;
fail:
	fail(m, "set event");
out:
	/* Detach: whatever is still enabled or parked, the module undoes. */
	altp2m_mon_close(m);
	return ret;
}
