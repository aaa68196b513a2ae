// SPDX-License-Identifier: GPL-2.0
/*
 * altp2mctl monitor: the netlink "events" group, one line per event,
 * flushed at once so that a reader on a pipe sees each as it happens.
 * The VM filter is applied here: the group carries every VM's events.
 */
#include <errno.h>
#include <time.h>

#include "cli.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Until --count events or --timeout seconds, whichever comes first. A
 * timeout before --count events is a failure (status 1): scripts wait
 * for an event that way; a timeout alone just ends the watch. Only
 * events that pass the VM filter count.
 */
int cmd_monitor(const struct cli_cmd *c, struct cli_out *o)
{
	int64_t deadline = c->timeout_ms >= 0 ? now_ms() + c->timeout_ms : 0;
	struct altp2m_conn *conn;
	struct altp2m_monitor *m;
	struct altp2m_event ev;
	struct timespec ts;
	uint64_t seen = 0;
	int64_t left;
	int ret, wait;

	conn = cli_conn();
	if (!conn)
		return CLI_EXIT_FAIL;
	/* The monitor has a socket of its own: the connection may go. */
	if (altp2m_monitor_open(conn, NULL, &m) < 0) {
		fprintf(stderr, "%s: %s\n", CLI_NAME,
			altp2m_conn_errmsg(conn));
		altp2m_conn_close(conn);
		return CLI_EXIT_FAIL;
	}
	altp2m_conn_close(conn);
	ret = CLI_EXIT_OK;
	/*
	 * The group is joined: every event from now on will be read. A
	 * script waits for this line before it makes the change it
	 * watches for; without it, the event could come before the join.
	 */
	fprintf(stderr, "%s: monitor: subscribed\n", CLI_NAME);
	while (!c->count || seen < c->count) {
		wait = -1;
		if (c->timeout_ms >= 0) {
			left = deadline - now_ms();
			if (left <= 0)
				break;
			wait = left;
		}
		ret = altp2m_monitor_next(m, &ev, wait);
		if (ret == -EINTR) {
			ret = CLI_EXIT_OK;
			continue;
		}
		/*
		 * A burst overran the socket: say so and go on watching, as
		 * `ip monitor` does; the events that follow are still good.
		 */
		if (ret == -ENOBUFS) {
			fprintf(stderr, "%s: monitor: %s\n", CLI_NAME,
				altp2m_monitor_errmsg(m));
			ret = CLI_EXIT_OK;
			continue;
		}
		if (ret < 0) {
			fprintf(stderr, "%s: monitor: %s\n", CLI_NAME,
				altp2m_monitor_errmsg(m));
			ret = CLI_EXIT_FAIL;
			break;
		}
		if (ret == 1 && cli_event_wanted(c, &ev)) {
			clock_gettime(CLOCK_REALTIME, &ts);
			cli_event_print(o, &ev, c->timestamp ? &ts : NULL);
			seen++;
		}
		ret = CLI_EXIT_OK;
		if (ferror(o->f))
			break;	/* main() reports it */
	}
	if (!ret && c->count && seen < c->count && !ferror(o->f)) {
		fprintf(stderr, "%s: monitor: timed out after %llu of %llu events\n",
			CLI_NAME, (unsigned long long)seen,
			(unsigned long long)c->count);
		ret = CLI_EXIT_FAIL;
	}
	altp2m_monitor_close(m);
	return ret;
}
