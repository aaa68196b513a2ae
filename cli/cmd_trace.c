// SPDX-License-Identifier: GPL-2.0
/*
 * altp2mctl trace: hidden breakpoints on guest kernel functions, each hit
 * printed live with its vCPU, CR3, task name and arguments.
 *
 * It attaches as the VM's monitor (with ALTP2M_MONITOR_DROP_VIEWS, so the
 * execute view goes with it whatever happens), enables views if they are
 * not, hides one breakpoint per --fn with libaltp2m's
 * altp2m_mon_hide_breakpoint() (translated by vCPU 0's paging: kernel
 * text maps the same in every process), and moves every vCPU onto the
 * execute view. At the end it puts the vCPUs back on the views they were
 * on, answers what is still parked, unhides everything, reads the
 * module's counters and prints the summary.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

/* Set by the handler, read by the loop: atomics, not volatile. */
static int trace_stop;

static void on_signal(int sig)
{
	(void)sig;
	__atomic_store_n(&trace_stop, 1, __ATOMIC_RELAXED);
}

static bool stopped(void)
{
	return __atomic_load_n(&trace_stop, __ATOMIC_RELAXED);
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Bytes of init_task searched for its comm: task_struct is under 16 KiB. */
#define TRACE_INIT_TASK_BYTES	16384
/*
 * With page-table isolation a vCPU in user mode runs on page tables
 * without the kernel: what translates kernel addresses with vCPU 0's
 * paging tries again, a while later, up to this many times.
 */
#define TRACE_TRIES		100
#define TRACE_RETRY_NS		20000000L

static void trace_nap(void)
{
	struct timespec ts = { .tv_nsec = TRACE_RETRY_NS };

	nanosleep(&ts, NULL);
}

struct trace {
	const struct cli_cmd *c;
	struct cli_out *o;
	struct altp2m_mon *m;
	struct altp2m_vm *vm;
	struct cli_trace_fn fns[CLI_TRACE_MAX_FNS];
	unsigned int nfns;
	bool sync;
	uint64_t init_task, cur_task;	/* 0: not in the map */
	long comm_off;			/* -1: no comm */
	struct altp2m_vcpu_views before;
	bool switched, enabled_views;
	uint64_t printed;
	bool have_base;
	struct altp2m_monitor_stats base;	/* when tracing began */
	struct cli_trace_sum sum;
};

static int trace_fail(struct trace *t)
{
	fprintf(stderr, "%s: vm %u: trace: %s\n", CLI_NAME, t->c->vm,
		altp2m_mon_errmsg(t->m));
	return CLI_EXIT_FAIL;
}

static int trace_vm_fail(struct trace *t)
{
	fprintf(stderr, "%s: vm %u: trace: %s\n", CLI_NAME, t->c->vm,
		altp2m_vm_errmsg(t->vm));
	return CLI_EXIT_FAIL;
}

/* Every --fn's address, and the symbols that give the task's comm. */
static int trace_symbols(struct trace *t)
{
	char err[256] = "";
	struct cli_ksyms ks;
	unsigned int i;
	FILE *f;
	int ret;

	f = fopen(t->c->map, "r");
	if (!f) {
		fprintf(stderr, "%s: trace: cannot open %s: %s\n", CLI_NAME,
			t->c->map, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	ret = cli_ksyms_parse(f, t->c->map, &ks, err, sizeof(err));
	fclose(f);
	if (ret) {
		fprintf(stderr, "%s: trace: %s\n", CLI_NAME, err);
		return CLI_EXIT_USAGE;
	}
	for (i = 0; i < t->nfns; i++) {
		ret = cli_ksyms_lookup(&ks, t->fns[i].name, &t->fns[i].addr);
		if (!ret && !t->fns[i].addr)
			ret = -EINVAL;
		if (!ret)
			continue;
		fprintf(stderr, "%s: trace: %s: %s in %s\n", CLI_NAME,
			t->fns[i].name,
			ret == -ENOENT ? "no such symbol" :
			ret == -EEXIST ? "several symbols of that name" :
			"address 0 (a kallsyms read without privilege?)",
			t->c->map);
		cli_ksyms_free(&ks);
		return CLI_EXIT_USAGE;
	}
	/* Since Linux 6.2 the current task is the first field of pcpu_hot. */
	if (cli_ksyms_lookup(&ks, "pcpu_hot", &t->cur_task) &&
	    cli_ksyms_lookup(&ks, "current_task", &t->cur_task))
		t->cur_task = 0;
	if (cli_ksyms_lookup(&ks, "init_task", &t->init_task))
		t->init_task = 0;
	cli_ksyms_free(&ks);
	return CLI_EXIT_OK;
}

/* task_struct.comm's offset, from init_task ("swapper/0"), or -1. */
static void trace_find_comm(struct trace *t)
{
	unsigned char *buf;
	size_t done = 0;
	int tries;

	t->comm_off = -1;
	if (!t->init_task || !t->cur_task || !t->sync)
		return;
	buf = malloc(TRACE_INIT_TASK_BYTES);
	if (!buf)
		return;
	for (tries = 0; t->comm_off < 0 && tries < TRACE_TRIES && !stopped();
	     tries++) {
		if (tries)
			trace_nap();
		if (altp2m_mon_pause(t->m, 0))
			break;
		if (!altp2m_mon_read_gva(t->m, 0, 0, t->init_task, buf,
					 TRACE_INIT_TASK_BYTES, &done))
			t->comm_off = cli_comm_offset(buf, done);
		altp2m_mon_resume(t->m, 0);
	}
	free(buf);
	if (t->comm_off < 0)
		fprintf(stderr, "%s: trace: \"swapper/0\" not found in init_task: no comm\n",
			CLI_NAME);
}

/* A NUL-terminated string of at most len - 1 bytes at @gva, or NULL. */
static char *trace_str(struct trace *t, uint32_t vcpu, uint64_t gva,
		       char *buf, size_t len)
{
	size_t done = 0;

	if (altp2m_mon_read_gva(t->m, vcpu, 0, gva, buf, len - 1, &done) ||
	    !done)
		return NULL;
	buf[done] = '\0';
	return buf;
}

static uint64_t trace_ptr(struct trace *t, uint32_t vcpu, uint64_t gva,
			  bool *ok)
{
	uint64_t v = 0;
	size_t done = 0;

	*ok = !altp2m_mon_read_gva(t->m, vcpu, 0, gva, &v, sizeof(v), &done) &&
	      done == sizeof(v);
	return v;
}

static struct cli_trace_fn *trace_fn_by_id(struct trace *t, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < t->nfns; i++)
		if (t->fns[i].id == id)
			return &t->fns[i];
	return NULL;
}

/* One event: print it if it is one of our hits; answer it if parked. */
static int trace_event(struct trace *t, const struct altp2m_monitor_event *ev)
{
	char strs[CLI_TRACE_MAX_ARGS][CLI_TRACE_STR_MAX];
	char comm[17];
	const struct altp2m_monitor_regs *r = &ev->regs;
	const uint64_t regs[CLI_TRACE_MAX_ARGS] = {
		r->rdi, r->rsi, r->rdx, r->rcx, r->r8, r->r9,
	};
	bool parked = ev->flags & ALTP2M_MON_EVF_SYNC, ok;
	struct cli_trace_hit h;
	struct cli_trace_fn *fn = NULL;
	uint64_t p;
	unsigned int i;

	if (ev->type == ALTP2M_MON_EV_BREAKPOINT &&
	    (ev->u.breakpoint.flags & ALTP2M_MON_BPF_HIDDEN))
		fn = trace_fn_by_id(t, ev->u.breakpoint.id);
	if (fn) {
		t->sum.events++;
		memset(&h, 0, sizeof(h));
		clock_gettime(CLOCK_REALTIME, &h.ts);
		h.vcpu = ev->vcpu;
		h.fn = fn;
		h.cr3 = r->cr3;
		/* Guest memory can be read only while the vCPU is parked. */
		for (i = 0; i < fn->nargs; i++) {
			h.args[i] = regs[i];
			if (!parked)
				continue;
			p = regs[i];
			ok = true;
			if (fn->args[i] == CLI_TARG_PSTR)
				p = trace_ptr(t, ev->vcpu, p, &ok);
			if (ok && (fn->args[i] == CLI_TARG_STR ||
				   fn->args[i] == CLI_TARG_PSTR))
				h.strs[i] = trace_str(t, ev->vcpu, p, strs[i],
						      sizeof(strs[i]));
		}
		if (parked && t->comm_off >= 0) {
			p = trace_ptr(t, ev->vcpu,
				      cli_percpu_addr(t->cur_task, r), &ok);
			if (ok && p)
				h.comm = trace_str(t, ev->vcpu,
						   p + t->comm_off, comm,
						   sizeof(comm));
		}
		cli_trace_hit_print(t->o, &h);
		fn->printed++;
		t->printed++;
	}
	if (parked && altp2m_mon_continue(t->m, ev))
		return trace_fail(t);
	return CLI_EXIT_OK;
}

/* Everything in the rings now: hits that came before the end. */
static void trace_drain(struct trace *t)
{
	struct altp2m_monitor_event ev;

	while (altp2m_mon_next_event(t->m, &ev, 0) > 0)
		trace_event(t, &ev);
}

/*
 * The module's counters summed over the vCPUs (they count from each
 * vCPU's creation: the summary shows the difference over the trace).
 */
static bool trace_stats(struct trace *t, struct altp2m_monitor_stats *sum)
{
	struct altp2m_monitor_stats st;
	bool any = false;
	uint32_t v;

	memset(sum, 0, sizeof(*sum));
	for (v = 0; v < ALTP2M_MAX_VCPUS; v++) {
		if (!(t->before.present & (UINT64_C(1) << v)) ||
		    altp2m_mon_get_stats(t->m, v, &st))
			continue;
		any = true;
		sum->events += st.events;
		sum->sync_waits += st.sync_waits;
		sum->bp_hits += st.bp_hits;
		sum->bp_steps += st.bp_steps;
		sum->bp_retries += st.bp_retries;
		sum->shadow_steps += st.shadow_steps;
		sum->shadow_resyncs += st.shadow_resyncs;
		sum->exits += st.exits;
	}
	return any;
}

static void trace_stats_delta(struct trace *t)
{
	struct altp2m_monitor_stats *d = &t->sum.stats;
	const struct altp2m_monitor_stats *b = &t->base;

	t->sum.have_stats = t->have_base && trace_stats(t, d);
	if (!t->sum.have_stats)
		return;
	d->events -= b->events;
	d->sync_waits -= b->sync_waits;
	d->bp_hits -= b->bp_hits;
	d->bp_steps -= b->bp_steps;
	d->bp_retries -= b->bp_retries;
	d->shadow_steps -= b->shadow_steps;
	d->shadow_resyncs -= b->shadow_resyncs;
	d->exits -= b->exits;
}

static int trace_setup(struct trace *t)
{
	struct altp2m_vm_info info;
	char err[ALTP2M_ERRMSG_LEN] = "";
	struct altp2m_mon_opts mo = {
		.sz = sizeof(mo), .flags = ALTP2M_MONITOR_DROP_VIEWS,
	};
	uint32_t flags = t->sync ? ALTP2M_MON_BP_SYNC : ALTP2M_MON_BP_ASYNC;
	uint32_t view, v;
	unsigned int i;
	int tries, ret = 0;

	if (altp2m_mon_attach(&t->m, t->c->vm, &mo, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: vm %u: %s\n", CLI_NAME, t->c->vm, err);
		return CLI_EXIT_FAIL;
	}
	if (altp2m_mon_vm(t->m, &t->vm))
		return trace_fail(t);
	if (altp2m_vm_get_info(t->vm, &info))
		return trace_vm_fail(t);
	if (!info.views_enabled) {
		if (altp2m_vm_views_enable(t->vm, 0, ALTP2M_MODE_EXTERNAL))
			return trace_vm_fail(t);
		t->enabled_views = true;
	}
	trace_find_comm(t);
	for (i = 0; i < t->nfns; i++) {
		/* ENXIO: vCPU 0 is on user page tables (see TRACE_TRIES). */
		for (tries = 0; tries < TRACE_TRIES && !stopped(); tries++) {
			if (tries)
				trace_nap();
			ret = altp2m_mon_hide_breakpoint(t->m, 0, t->fns[i].addr,
							 flags, &t->fns[i].id);
			if (ret != -ENXIO)
				break;
		}
		if (ret)
			return trace_fail(t);
		if (stopped())
			return CLI_EXIT_OK;
	}
	if (altp2m_vm_vcpu_views(t->vm, &t->before))
		return trace_vm_fail(t);
	if (altp2m_mon_hide_view(t->m, &view))
		return trace_fail(t);
	t->switched = true;
	for (v = 0; v < ALTP2M_MAX_VCPUS; v++)
		if ((t->before.present & (UINT64_C(1) << v)) &&
		    altp2m_mon_view_switch(t->m, view, v))
			return trace_fail(t);
	t->have_base = trace_stats(t, &t->base);
	fprintf(stderr, "%s: trace: %u breakpoint%s hidden in vm %u (%s); Ctrl-C stops\n",
		CLI_NAME, t->nfns, t->nfns == 1 ? "" : "s", t->c->vm,
		t->sync ? "sync" : "async");
	return CLI_EXIT_OK;
}

/*
 * EBUSY while a vCPU is on a view other than 0: a vCPU that was not in
 * the guest when it was switched back (halted, or parked until the drain
 * answered it) moves at its next entry, which its next interrupt brings
 * (an idle tickless guest may take a while: up to 10 s here).
 */
static int trace_views_disable(struct trace *t)
{
	int tries, ret = 0;

	for (tries = 0; tries < 5 * TRACE_TRIES; tries++) {
		if (tries)
			trace_nap();
		ret = altp2m_vm_views_disable(t->vm);
		if (ret != -EBUSY)
			break;
	}
	return ret;
}

/* Undo what setup did, in reverse; the summary's counters on the way. */
static int trace_teardown(struct trace *t)
{
	struct altp2m_monitor_breakpoint bp;
	int ret = CLI_EXIT_OK;
	uint64_t dropped;
	unsigned int i;
	uint32_t v;

	if (!t->m)
		return ret;
	for (v = 0; t->switched && v < ALTP2M_MAX_VCPUS; v++)
		if ((t->before.present & (UINT64_C(1) << v)) &&
		    altp2m_mon_view_switch(t->m, t->before.view[v], v))
			ret = trace_fail(t);
	trace_drain(t);
	for (i = 0; i < t->nfns; i++) {
		if (!t->fns[i].id)
			continue;
		if (!altp2m_mon_get_breakpoint(t->m, t->fns[i].id, &bp))
			t->fns[i].hits = bp.hits;
		if (altp2m_mon_unhide_breakpoint(t->m, t->fns[i].id))
			ret = trace_fail(t);
	}
	trace_drain(t);
	for (v = 0; t->switched && v < ALTP2M_MAX_VCPUS; v++)
		if ((t->before.present & (UINT64_C(1) << v)) &&
		    !altp2m_mon_dropped(t->m, v, &dropped))
			t->sum.dropped += dropped;
	if (t->switched)
		trace_stats_delta(t);
	if (t->enabled_views && trace_views_disable(t))
		ret = trace_vm_fail(t);
	return ret;
}

int cmd_trace(const struct cli_cmd *c, struct cli_out *o)
{
	struct altp2m_monitor_event ev;
	int64_t start, left;
	struct sigaction sa;
	struct trace *t;
	int ret, wait, r;
	unsigned int i;

	t = calloc(1, sizeof(*t));
	if (!t)
		return cli_fail("trace");
	t->c = c;
	t->o = o;
	t->nfns = c->nfns;
	memcpy(t->fns, c->fns, sizeof(t->fns));
	t->sync = c->trace_sync;
	for (i = 0; i < t->nfns; i++)
		t->sync |= cli_trace_fn_reads_mem(&t->fns[i]);
	ret = trace_symbols(t);
	if (ret)
		goto out;
	/* SIGINT and SIGTERM end the wait they interrupt (no SA_RESTART). */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ret = trace_setup(t);
	start = mono_ms();
	while (!ret && !stopped() && (!c->count || t->printed < c->count)) {
		/* Half a second at most: a signal just before it is seen. */
		wait = 500;
		if (c->seconds_ms >= 0) {
			left = start + c->seconds_ms - mono_ms();
			if (left <= 0)
				break;
			if (left < wait)
				wait = left;
		}
		r = altp2m_mon_next_event(t->m, &ev, wait);
		if (r == -EINTR || !r)
			continue;
		if (r < 0) {
			ret = trace_fail(t);
			break;
		}
		ret = trace_event(t, &ev);
		if (ferror(o->f))
			break;	/* main() reports it */
	}
	t->sum.ms = mono_ms() - start;
	r = trace_teardown(t);
	if (!ret)
		ret = r;
	if (t->switched)
		cli_trace_sum_print(o, t->fns, t->nfns, &t->sum);
out:
	altp2m_vm_close(t->vm);
	altp2m_mon_close(t->m);
	free(t);
	return ret;
}
