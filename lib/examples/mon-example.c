// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * mon-example: a whole introspection daemon on libaltp2m's monitor fd.
 *
 *   mon-example VM [GFN]
 *
 * Attaches to VM (by id) as its monitor and prints every event. The
 * guest's requests (VMCALL ALTP2M_HC_MONITOR_REQUEST) are answered after
 * reading 16 bytes at the linear address in RBX. With GFN, a view is
 * created in which GFN is read-only, every vCPU is moved onto it, and
 * each write to it is let through by relax-and-step: the response gives
 * the page its access back and steps the writing instruction, and the
 * step's event restricts it again. Ctrl-C detaches: the module then
 * disables the events, moves the vCPUs back and, as asked at attach
 * (ALTP2M_MONITOR_DROP_VIEWS), destroys the view.
 *
 * Exit status: 0 after Ctrl-C, 1 when a call failed, 2 usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <altp2m/altp2m.h>

static const char *prog = "mon-example";
static int stop;

static void on_signal(int sig)
{
	(void)sig;
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
}

static int fail(struct altp2m_mon *m, const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, altp2m_mon_errmsg(m));
	return 1;
}

/* The watched page: its view, and a batch each way. */
struct watch {
	uint32_t view;
	struct altp2m_batch_builder *relax;	/* rwx again */
	struct altp2m_batch_builder *restrict_;	/* read-only */
};

static int watch_setup(struct altp2m_mon *m, uint64_t gfn, struct watch *w)
{
	struct altp2m_vm *vm;
	int ret;

	/* View calls through the monitor fd: the view is the monitor's. */
	if (altp2m_mon_vm(m, &vm))
		return fail(m, "VM handle");
	ret = altp2m_vm_views_enable(vm, 0, ALTP2M_MODE_EXTERNAL);
	if (ret && ret != -EEXIST)
		goto vm_fail;
	if (altp2m_vm_view_create(vm, ALTP2M_ACCESS_DEFAULT, &w->view) ||
	    altp2m_vm_set_access(vm, w->view, gfn, 1, ALTP2M_ACCESS_RX) ||
	    altp2m_vm_view_switch(vm, w->view, ALTP2M_VCPU_ALL))
		goto vm_fail;
	altp2m_vm_close(vm);
	if (altp2m_batch_new(&w->relax) || altp2m_batch_new(&w->restrict_) ||
	    altp2m_batch_set_access(w->relax, w->view, gfn, 1,
				    ALTP2M_ACCESS_RWX) ||
	    altp2m_batch_set_access(w->restrict_, w->view, gfn, 1,
				    ALTP2M_ACCESS_RX)) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 1;
	}
	printf("view %u: gfn 0x%" PRIx64 " read-only, every vCPU on it\n",
	       w->view, gfn);
	return 0;

vm_fail:
	fprintf(stderr, "%s: %s\n", prog, altp2m_vm_errmsg(vm));
	altp2m_vm_close(vm);
	return 1;
}

static int enable(struct altp2m_mon *m, uint32_t type)
{
	if (altp2m_mon_set_event(m, type,
				 ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC,
				 0, 0))
		return fail(m, altp2m_mon_event_name(type));
	return 0;
}

/* One event: print it, then answer it if its vCPU waits. */
static int handle(struct altp2m_mon *m, const struct altp2m_monitor_event *ev,
		  const struct watch *w)
{
	struct altp2m_monitor_response r;
	unsigned char buf[16];
	size_t done = 0, i;

	printf("seq %" PRIu64 " vcpu %u view %u %s rip 0x%" PRIx64,
	       (uint64_t)ev->seq, ev->vcpu, ev->view,
	       altp2m_mon_event_name(ev->type), (uint64_t)ev->regs.rip);
	switch (ev->type) {
	case ALTP2M_MON_EV_VIOLATION:
		printf(" gpa 0x%" PRIx64 "\n", (uint64_t)ev->u.violation.gpa);
		/* Let this one write through, then restrict again. */
		if (w->relax && altp2m_mon_relax_step(m, ev, w->relax))
			return fail(m, "relax and step");
		if (!w->relax && altp2m_mon_continue(m, ev))
			return fail(m, "continue");
		return 0;
	case ALTP2M_MON_EV_SINGLESTEP:
		printf("\n");
		altp2m_mon_rsp_init(&r, ev);
		if (altp2m_mon_rsp_set_ops(&r, w->restrict_) ||
		    altp2m_mon_respond(m, &r))
			return fail(m, "restrict");
		return 0;
	case ALTP2M_MON_EV_GUEST_REQUEST:
		/* The vCPU is parked: its paging holds still. */
		if (altp2m_mon_read_gva(m, ev->vcpu, ALTP2M_MON_VIEW_CURRENT,
					ev->regs.rbx, buf, sizeof(buf), &done))
			return fail(m, "read guest memory");
		printf(" rbx 0x%" PRIx64 ":", (uint64_t)ev->regs.rbx);
		for (i = 0; i < done; i++)
			printf(" %02x", buf[i]);
		printf("\n");
		break;
	default:
		printf("\n");
		break;
	}
	if ((ev->flags & ALTP2M_MON_EVF_SYNC) && altp2m_mon_continue(m, ev))
		return fail(m, "continue");
	return 0;
}

static int run(struct altp2m_mon *m, const struct watch *w)
{
	struct pollfd pfd = { .fd = altp2m_mon_fd(m), .events = POLLIN };
	struct altp2m_monitor_event ev;
	int ret = 0;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		/* poll() stands for the daemon's own event loop. */
		if (poll(&pfd, 1, 1000) < 0 && errno != EINTR) {
			perror("poll");
			return 1;
		}
		/*
		 * Drain: every event now in the rings. An answered vCPU may
		 * send its next event before the ring looks empty, so the
		 * drain can go on for ever: Ctrl-C is checked here too.
		 */
		while (!__atomic_load_n(&stop, __ATOMIC_RELAXED) &&
		       (ret = altp2m_mon_next_event(m, &ev, 0)) == 1) {
			if (handle(m, &ev, w))
				return 1;
			fflush(stdout);
		}
		if (ret < 0 && ret != -EINTR)
			return fail(m, "next event");
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct altp2m_mon_opts opts = {
		.sz = sizeof(opts), .flags = ALTP2M_MONITOR_DROP_VIEWS,
	};
	struct watch w = { 0 };
	struct altp2m_monitor_info info;
	char err[ALTP2M_ERRMSG_LEN];
	struct altp2m_mon *m;
	struct sigaction sa;
	uint64_t gfn = 0;
	uint32_t vm_id;
	int ret = 1;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s VM [GFN]\n", prog);
		return 2;
	}
	vm_id = strtoul(argv[1], NULL, 0);
	if (argc == 3)
		gfn = strtoull(argv[2], NULL, 0);
	if (altp2m_mon_attach(&m, vm_id, &opts, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return 1;
	}
	if (altp2m_mon_get_info(m, &info)) {
		fail(m, "info");
		goto out;
	}
	printf("vm %u: %u-entry rings, single steps by %s\n", vm_id,
	       info.ring_entries,
	       info.singlestep == ALTP2M_MON_STEP_MTF ? "MTF" : "TF");
	if (enable(m, ALTP2M_MON_EV_GUEST_REQUEST))
		goto out;
	if (argc == 3 && (enable(m, ALTP2M_MON_EV_VIOLATION) ||
			  enable(m, ALTP2M_MON_EV_SINGLESTEP) ||
			  watch_setup(m, gfn, &w)))
		goto out;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("attached\n");
	fflush(stdout);
	ret = run(m, &w);
out:
	/* Detach: the module undoes the events, switches and the view. */
	altp2m_mon_close(m);
	altp2m_batch_free(w.relax);
	altp2m_batch_free(w.restrict_);
	return ret;
}
