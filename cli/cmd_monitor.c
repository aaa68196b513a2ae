// SPDX-License-Identifier: GPL-2.0
/*
 * altp2mctl monitor: the netlink "events" group, one line per event,
 * flushed at once so that a reader on a pipe sees each as it happens.
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

static bool has_view(uint32_t type)
{
	return type == ALTP2M_CMD_VIEW_CREATED ||
	       type == ALTP2M_CMD_VIEW_DESTROYED;
}

static void print_event(struct cli_out *o, const struct altp2m_event *ev)
{
	const char *name = altp2m_event_name(ev->type);
	bool enabled = ev->type == ALTP2M_CMD_VIEWS_ENABLED;
	char unknown[24];

	/* A newer module's event still gets a line, under its number. */
	if (!name) {
		snprintf(unknown, sizeof(unknown), "event-%u", ev->type);
		name = unknown;
	}
	if (o->json) {
		cli_json_obj_begin(o, NULL);
		cli_json_str(o, "event", name);
		cli_json_u64(o, "vm_id", ev->vm_id);
		if (has_view(ev->type))
			cli_json_u64(o, "view", ev->view);
		if (enabled) {
			cli_json_u64(o, "max_views", ev->max_views);
			cli_json_str(o, "mode", altp2m_mode_name(ev->mode));
		}
		cli_json_obj_end(o);
	} else {
		fprintf(o->f, "%s vm %u", name, ev->vm_id);
		if (has_view(ev->type))
			fprintf(o->f, " view %u", ev->view);
		if (enabled) {
			const char *mode = altp2m_mode_name(ev->mode);

			fprintf(o->f, " max-views %u mode %s", ev->max_views,
				mode ? mode : "?");
		}
		fputc('\n', o->f);
	}
	fflush(o->f);
}

/*
 * Until --count events or --timeout seconds, whichever comes first. A
 * timeout before --count events is a failure (status 1): scripts wait
 * for an event that way; a timeout alone just ends the watch.
 */
int cmd_monitor(const struct cli_cmd *c, struct cli_out *o)
{
	int64_t deadline = c->timeout_ms >= 0 ? now_ms() + c->timeout_ms : 0;
	struct altp2m_conn *conn;
	struct altp2m_monitor *m;
	struct altp2m_event ev;
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
		if (ret == 1) {
			print_event(o, &ev);
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
