// SPDX-License-Identifier: GPL-2.0
/*
 * altp2mctl monitor attach / monitor pause / mem read / regs get: the
 * commands that use a monitor fd (libaltp2m's altp2m_mon_*), attached by
 * VM id through the device. A VM has one monitor at a time, so each of
 * these fails with "Device or resource busy" while a daemon (or another
 * of these) is attached. Whatever a command sets up lasts while it runs:
 * when it exits, or dies, the module undoes it (events off, parked vCPUs
 * answered, pauses dropped).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* Set by the handler, read by the loops: atomics, not volatile. */
static int cli_stop;

static void on_signal(int sig)
{
	(void)sig;
	__atomic_store_n(&cli_stop, 1, __ATOMIC_RELAXED);
}

static bool stopped(void)
{
	return __atomic_load_n(&cli_stop, __ATOMIC_RELAXED);
}

/*
 * SIGINT and SIGTERM end the wait they interrupt (no SA_RESTART): the
 * command then detaches itself and exits 0.
 */
static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct altp2m_mon *mon_attach(uint32_t vm)
{
	char err[ALTP2M_ERRMSG_LEN] = "";
	struct altp2m_mon *m;

	if (altp2m_mon_attach(&m, vm, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: vm %u: %s\n", CLI_NAME, vm, err);
		return NULL;
	}
	return m;
}

static int mon_fail(struct altp2m_mon *m)
{
	fprintf(stderr, "%s: vm %u: %s\n", CLI_NAME, altp2m_mon_vm_id(m),
		altp2m_mon_errmsg(m));
	return CLI_EXIT_FAIL;
}

/* The events of --events, each as asked; the first refusal fails. */
static int enable_events(const struct cli_cmd *c, struct altp2m_mon *m)
{
	const struct cli_events *e = &c->events;
	uint32_t type, flags;
	unsigned int i;

	for (type = 0; type < ALTP2M_MON_EV_NR; type++) {
		if (!(e->types & (1u << type)))
			continue;
		flags = ALTP2M_MON_CTL_ENABLE;
		/* Violations, breakpoints and steps exist only as sync. */
		if (!c->async || type == ALTP2M_MON_EV_VIOLATION ||
		    type == ALTP2M_MON_EV_BREAKPOINT ||
		    type == ALTP2M_MON_EV_SINGLESTEP)
			flags |= ALTP2M_MON_CTL_SYNC;
		if (type == ALTP2M_MON_EV_CR) {
			for (i = 0; i <= 4; i++)
				if ((e->crs & (1u << i)) &&
				    altp2m_mon_set_event(m, type, flags, i, 0))
					return mon_fail(m);
		} else if (type == ALTP2M_MON_EV_MSR) {
			for (i = 0; i < e->nmsrs; i++)
				if (altp2m_mon_set_event(m, type, flags,
							 e->msrs[i], 0))
					return mon_fail(m);
		} else if (altp2m_mon_set_event(m, type, flags, 0, 0)) {
			return mon_fail(m);
		}
	}
	return CLI_EXIT_OK;
}

/*
 * Until --count events, --timeout or a signal. Sync events are answered
 * "continue" at once, after their line is out. As for `monitor`, a
 * timeout before --count events is a failure.
 */
int cmd_mon_attach(const struct cli_cmd *c, struct cli_out *o)
{
	int64_t deadline = c->timeout_ms >= 0 ? mono_ms() + c->timeout_ms : 0;
	struct altp2m_monitor_event ev;
	struct altp2m_mon *m;
	struct timespec ts;
	uint64_t seen = 0;
	int64_t left;
	int ret, wait;

	m = mon_attach(c->vm);
	if (!m)
		return CLI_EXIT_FAIL;
	ret = enable_events(c, m);
	if (ret)
		goto out;
	catch_signals();
	/* A script waits for this line before it makes the guest act. */
	fprintf(stderr, "%s: monitor: attached to vm %u\n", CLI_NAME, c->vm);
	while (!stopped() && (!c->count || seen < c->count)) {
		/*
		 * Half a second at most: a signal that came just before the
		 * wait began still ends the loop soon.
		 */
		wait = 500;
		if (c->timeout_ms >= 0) {
			left = deadline - mono_ms();
			if (left <= 0)
				break;
			if (left < wait)
				wait = left;
		}
		ret = altp2m_mon_next_event(m, &ev, wait);
		if (ret == -EINTR) {
			ret = CLI_EXIT_OK;
			continue;
		}
		if (ret < 0) {
			ret = mon_fail(m);
			break;
		}
		if (!ret)
			continue;	/* timed out: the loop's test ends it */
		ret = CLI_EXIT_OK;
		clock_gettime(CLOCK_REALTIME, &ts);
		cli_mon_event_print(o, &ev, c->timestamp ? &ts : NULL);
		seen++;
		if ((ev.flags & ALTP2M_MON_EVF_SYNC) &&
		    altp2m_mon_continue(m, &ev)) {
			ret = mon_fail(m);
			break;
		}
		if (ferror(o->f))
			break;	/* main() reports it */
	}
	if (!ret && !stopped() && c->count && seen < c->count &&
	    !ferror(o->f)) {
		fprintf(stderr, "%s: monitor attach: timed out after %llu of %llu events\n",
			CLI_NAME, (unsigned long long)seen,
			(unsigned long long)c->count);
		ret = CLI_EXIT_FAIL;
	}
out:
	altp2m_mon_close(m);
	return ret;
}

/* A pause held until --for ends or a signal; then resumed and detached. */
int cmd_mon_pause(const struct cli_cmd *c, struct cli_out *o)
{
	uint32_t vcpu = c->vcpu < 0 ? ALTP2M_VCPU_ALL : (uint32_t)c->vcpu;
	struct timespec left;
	struct altp2m_mon *m;
	int ret = CLI_EXIT_OK;

	m = mon_attach(c->vm);
	if (!m)
		return CLI_EXIT_FAIL;
	catch_signals();
	if (altp2m_mon_pause(m, vcpu)) {
		ret = stopped() ? CLI_EXIT_OK : mon_fail(m);
		goto out;
	}
	if (o->json) {
		cli_json_obj_begin(o, NULL);
		cli_json_u64(o, "vm_id", c->vm);
		if (c->vcpu < 0)
			cli_json_str(o, "paused", "all");
		else
			cli_json_u64(o, "paused", vcpu);
		cli_json_obj_end(o);
	} else if (c->vcpu < 0) {
		fprintf(o->f, "vm %u: every vCPU paused\n", c->vm);
	} else {
		fprintf(o->f, "vm %u: vCPU %u paused\n", c->vm, vcpu);
	}
	fflush(o->f);
	if (c->hold_ms < 0) {
		/* A second at a time: a signal just before a sleep is seen. */
		while (!stopped())
			sleep(1);
	} else {
		left.tv_sec = c->hold_ms / 1000;
		left.tv_nsec = (c->hold_ms % 1000) * 1000000L;
		while (!stopped() && nanosleep(&left, &left) && errno == EINTR)
			;
	}
	/* Closing would drop the pause too; resuming says so explicitly. */
	if (altp2m_mon_resume(m, vcpu))
		ret = mon_fail(m);
out:
	altp2m_mon_close(m);
	return ret;
}

/*
 * mem read: the bytes that could be read are printed; a read that
 * stopped short then fails with where it stopped.
 */
int cmd_mem_read(const struct cli_cmd *c, struct cli_out *o)
{
	uint32_t view = c->view_set ? c->view :
			c->gva ? ALTP2M_MON_VIEW_CURRENT : 0;
	unsigned char *buf;
	struct altp2m_mon *m;
	size_t done = 0, i;
	bool paused = false;
	int ret = CLI_EXIT_OK;
	char hex[3];

	buf = malloc(c->len);
	if (!buf)
		return cli_fail("mem read");
	m = mon_attach(c->vm);
	if (!m) {
		free(buf);
		return CLI_EXIT_FAIL;
	}
	/* A linear address needs the vCPU's paging to hold still. */
	if (c->gva) {
		if (altp2m_mon_pause(m, c->vcpu)) {
			ret = mon_fail(m);
			goto out;
		}
		paused = true;
		ret = altp2m_mon_read_gva(m, c->vcpu, view, c->addr, buf,
					  c->len, &done);
	} else {
		ret = altp2m_mon_read_gpa(m, view, c->addr, buf, c->len, &done);
	}
	if (ret) {
		ret = mon_fail(m);
		goto out;
	}
	if (c->raw) {
		if (done && fwrite(buf, done, 1, o->f) != 1)
			ret = CLI_EXIT_FAIL;
	} else if (o->json) {
		cli_json_obj_begin(o, NULL);
		cli_json_u64(o, "addr", c->addr);
		cli_json_u64(o, "len", c->len);
		cli_json_u64(o, "done", done);
		/* Hex digits as one string: JSON has no bytes. */
		fprintf(o->f, ",\"data\":\"");
		for (i = 0; i < done; i++) {
			snprintf(hex, sizeof(hex), "%02x", buf[i]);
			fputs(hex, o->f);
		}
		fputc('"', o->f);
		cli_json_obj_end(o);
	} else {
		cli_hexdump(o->f, c->addr, buf, done);
	}
	if (done < c->len) {
		fprintf(stderr,
			"%s: vm %u: mem read: read %zu of %llu bytes: nothing %s at 0x%llx\n",
			CLI_NAME, c->vm, done, (unsigned long long)c->len,
			c->gva ? "mapped" : "there",
			(unsigned long long)(c->addr + done));
		ret = CLI_EXIT_FAIL;
	}
out:
	if (paused && altp2m_mon_resume(m, c->vcpu) && !ret)
		ret = mon_fail(m);
	altp2m_mon_close(m);
	free(buf);
	return ret;
}

/* regs get: vCPU --vcpu (default 0), paused for the read only. */
int cmd_regs_get(const struct cli_cmd *c, struct cli_out *o)
{
	uint32_t vcpu = c->vcpu < 0 ? 0 : (uint32_t)c->vcpu;
	struct altp2m_sregs sregs;
	struct altp2m_regs regs;
	struct altp2m_mon *m;
	int ret = CLI_EXIT_OK;

	m = mon_attach(c->vm);
	if (!m)
		return CLI_EXIT_FAIL;
	if (altp2m_mon_pause(m, vcpu)) {
		ret = mon_fail(m);
		goto out;
	}
	if (altp2m_mon_get_state(m, vcpu, &regs, &sregs, NULL))
		ret = mon_fail(m);
	if (altp2m_mon_resume(m, vcpu) && !ret)
		ret = mon_fail(m);
	if (!ret)
		cli_regs_print(o, vcpu, &regs, &sregs);
out:
	altp2m_mon_close(m);
	return ret;
}
