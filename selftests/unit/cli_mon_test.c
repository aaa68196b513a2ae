// SPDX-License-Identifier: GPL-2.0
/*
 * altp2mctl's introspection commands without a kernel: monitor attach's
 * --events lists, the new commands' usage errors (status 2, nothing sent)
 * and their output (event lines and JSON, the hexdump, the registers).
 */
#define _GNU_SOURCE
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cli/cli.h"
#include "unit.h"

/* cli_parse_args on a NULL-terminated argv; *errp its stderr text. */
static int parse(struct cli_cmd *c, char **errp, ...)
{
	char *argv[16] = { "altp2mctl" }, *buf = NULL;
	int argc = 1, ret;
	size_t len = 0;
	va_list ap;
	FILE *err;

	va_start(ap, errp);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	err = open_memstream(&buf, &len);
	ret = cli_parse_args(argc, argv, c, err);
	fclose(err);
	if (errp)
		*errp = buf;
	else
		free(buf);
	return ret;
}

START_TEST(events_lists)
{
	struct cli_events ev;

	ck_assert_int_eq(cli_parse_events("violation", &ev), 0);
	ck_assert_uint_eq(ev.types, 1u << ALTP2M_MON_EV_VIOLATION);
	ck_assert_int_eq(cli_parse_events("cr3,cr0,msr:0xc0000080,msr:0x174,"
					  "msr:0x174,guest-request", &ev), 0);
	ck_assert_uint_eq(ev.types, (1u << ALTP2M_MON_EV_CR) |
			  (1u << ALTP2M_MON_EV_MSR) |
			  (1u << ALTP2M_MON_EV_GUEST_REQUEST));
	ck_assert_uint_eq(ev.crs, (1u << 0) | (1u << 3));
	ck_assert_uint_eq(ev.nmsrs, 2);
	ck_assert_uint_eq(ev.msrs[0], 0xc0000080);
	ck_assert_uint_eq(ev.msrs[1], 0x174);
	ck_assert_int_eq(cli_parse_events("", &ev), -CLI_PERR_EMPTY);
	ck_assert_int_eq(cli_parse_events("violation,", &ev), -CLI_PERR_EMPTY);
	ck_assert_uint_eq(ev.types, 0);
	ck_assert_int_eq(cli_parse_events("cr", &ev), -CLI_PERR_EVENT);
	ck_assert_int_eq(cli_parse_events("msr", &ev), -CLI_PERR_EVENT);
	ck_assert_int_eq(cli_parse_events("cr2", &ev), -CLI_PERR_EVENT);
	ck_assert_int_eq(cli_parse_events("msr:", &ev), -CLI_PERR_EMPTY);
	ck_assert_int_eq(cli_parse_events("msr:0x1z", &ev), -CLI_PERR_TRAILING);
	ck_assert_int_eq(cli_parse_events("breakpointbreakpointbreakpoint!",
					  &ev), -CLI_PERR_EVENT);
}
END_TEST

START_TEST(commands)
{
	struct cli_cmd c;
	char *err;

	ck_assert_int_eq(parse(&c, NULL, "monitor", "attach", "3", "-e",
			       "violation,cpuid", "--async", "-c", "2", NULL),
			 CLI_EXIT_OK);
	ck_assert_int_eq(c.op, CLI_OP_MON_ATTACH);
	ck_assert_uint_eq(c.vm, 3);
	ck_assert(c.async);
	ck_assert_uint_eq(c.count, 2);
	ck_assert_uint_eq(c.events.types, (1u << ALTP2M_MON_EV_VIOLATION) |
			  (1u << ALTP2M_MON_EV_CPUID));
	/* The netlink monitor is still a command of its own. */
	ck_assert_int_eq(parse(&c, NULL, "monitor", "vm", "3", NULL),
			 CLI_EXIT_OK);
	ck_assert_int_eq(c.op, CLI_OP_MONITOR);
	ck_assert(c.vm_filter);
	ck_assert_int_eq(parse(&c, NULL, "monitor", "pause", "4", "--vcpu",
			       "1", "--for", "5", NULL), CLI_EXIT_OK);
	ck_assert_int_eq(c.op, CLI_OP_MON_PAUSE);
	ck_assert_int_eq(c.vcpu, 1);
	ck_assert_int_eq(c.hold_ms, 5000);
	ck_assert_int_eq(parse(&c, NULL, "monitor", "pause", "4", NULL),
			 CLI_EXIT_OK);
	ck_assert_int_eq(c.vcpu, -1);
	ck_assert_int_eq(c.hold_ms, -1);
	ck_assert_int_eq(parse(&c, NULL, "mem", "read", "1", "0x1000", "64",
			       "--gva", "--vcpu", "0", "--view", "2", NULL),
			 CLI_EXIT_OK);
	ck_assert_int_eq(c.op, CLI_OP_MEM_READ);
	ck_assert_uint_eq(c.addr, 0x1000);
	ck_assert_uint_eq(c.len, 64);
	ck_assert(c.gva && c.view_set);
	ck_assert_uint_eq(c.view, 2);
	ck_assert_int_eq(parse(&c, NULL, "regs", "get", "1", NULL),
			 CLI_EXIT_OK);
	ck_assert_int_eq(c.op, CLI_OP_REGS_GET);

	/* Usage errors: status 2 and one line saying what. */
	ck_assert_int_eq(parse(&c, &err, "monitor", "attach", "3", NULL),
			 CLI_EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(err, "monitor attach: missing --events\n"));
	free(err);
	ck_assert_int_eq(parse(&c, &err, "monitor", "attach", "3", "--events",
			       "cr9", NULL), CLI_EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(err, "bad --events 'cr9': not an event"));
	free(err);
	ck_assert_int_eq(parse(&c, &err, "mem", "read", "1", "0", "0", NULL),
			 CLI_EXIT_USAGE);
	free(err);
	ck_assert_int_eq(parse(&c, &err, "mem", "read", "1", "0", "16777217",
			       NULL), CLI_EXIT_USAGE);
	free(err);
	ck_assert_int_eq(parse(&c, &err, "mem", "read", "1", "0", "8", "--gva",
			       NULL), CLI_EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(err, "--gva needs --vcpu"));
	free(err);
	ck_assert_int_eq(parse(&c, &err, "mem", "read", "1", "0", "8", "--vcpu",
			       "1", NULL), CLI_EXIT_USAGE);
	free(err);
	ck_assert_int_eq(parse(&c, &err, "-j", "mem", "read", "1", "0", "8",
			       "--raw", NULL), CLI_EXIT_USAGE);
	free(err);
	ck_assert_int_eq(parse(&c, &err, "mem", "read", "1", "0", "8", "--view",
			       "512", NULL), CLI_EXIT_USAGE);
	free(err);
	ck_assert_int_eq(parse(&c, &err, "regs", "get", "1", "--vcpu", "64",
			       NULL), CLI_EXIT_USAGE);
	free(err);
	ck_assert_int_eq(parse(&c, &err, "monitor", "frob", NULL),
			 CLI_EXIT_USAGE);
	free(err);
	ck_assert_int_eq(parse(&c, &err, "help", "monitor", "frob", NULL),
			 CLI_EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(err, "unknown subcommand 'frob' (attach, pause)"));
	free(err);
}
END_TEST

static char *print_event(const struct altp2m_monitor_event *ev, bool json)
{
	struct cli_out o;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cli_out_init(&o, f, json);
	cli_mon_event_print(&o, ev, NULL);
	fclose(f);
	return buf;
}

START_TEST(event_lines)
{
	struct altp2m_monitor_event ev;
	char *s;

	memset(&ev, 0, sizeof(ev));
	ev.type = ALTP2M_MON_EV_VIOLATION;
	ev.flags = ALTP2M_MON_EVF_SYNC;
	ev.seq = 7;
	ev.vcpu = 1;
	ev.view = 2;
	ev.regs.rip = 0x401000;
	ev.u.violation.gpa = 0x200000;
	ev.u.violation.gla = 0xffff800000200000ull;
	ev.u.violation.flags = ALTP2M_VIOLATION_GLA_VALID;
	ev.u.violation.access = ALTP2M_VIOLATION_W;
	ev.u.violation.entry_access = ALTP2M_VIOLATION_R | ALTP2M_VIOLATION_X;
	s = print_event(&ev, false);
	ck_assert_str_eq(s, "seq=7 vcpu=1 view=2 violation sync rip=0x401000 "
			 "gpa=0x200000 gla=0xffff800000200000 access=-w- entry=r-x\n");
	free(s);
	s = print_event(&ev, true);
	ck_assert_str_eq(s, "{\"seq\":7,\"event\":\"violation\",\"sync\":true,"
			 "\"vcpu\":1,\"view\":2,\"rip\":4198400,\"cr3\":0,"
			 "\"gpa\":2097152,\"gla\":18446603336223293440,"
			 "\"access\":\"-w-\",\"entry_access\":\"r-x\"}\n");
	free(s);
	/* Without a valid linear address, no gla. */
	ev.u.violation.flags = 0;
	s = print_event(&ev, false);
	ck_assert_ptr_null(strstr(s, "gla="));
	free(s);
	memset(&ev, 0, sizeof(ev));
	ev.type = ALTP2M_MON_EV_GUEST_REQUEST;
	ev.seq = 1;
	ev.u.guest_request.args[0] = 0xabc;
	s = print_event(&ev, false);
	ck_assert_str_eq(s, "seq=1 vcpu=0 view=0 guest-request async rip=0x0 "
			 "rbx=0xabc rcx=0x0 rdx=0x0 rsi=0x0\n");
	free(s);
	ev.type = 99;
	s = print_event(&ev, false);
	ck_assert_ptr_nonnull(strstr(s, " event-99 async"));
	free(s);
}
END_TEST

START_TEST(hexdump_and_regs)
{
	const unsigned char data[20] = "Hello, guest!\0\x01\x7f\xff" "ab";
	struct altp2m_sregs sregs;
	struct altp2m_regs regs;
	struct cli_out o;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cli_hexdump(f, 0x1000, data, sizeof(data));
	fclose(f);
	ck_assert_str_eq(buf,
			 "0000000000001000  48 65 6c 6c 6f 2c 20 67  75 65 73 74 21 00 01 7f  |Hello, guest!...|\n"
			 "0000000000001010  ff 61 62 00                                       |.ab.|\n");
	free(buf);
	memset(&regs, 0, sizeof(regs));
	memset(&sregs, 0, sizeof(sregs));
	regs.rip = 0xfff0;
	sregs.cr3 = 0x1000;
	sregs.cs.selector = 8;
	f = open_memstream(&buf, &len);
	cli_out_init(&o, f, false);
	cli_regs_print(&o, 1, &regs, &sregs);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "\nrip      0x000000000000fff0\n"));
	ck_assert_ptr_nonnull(strstr(buf, "\ncr3      0x0000000000001000\n"));
	ck_assert_ptr_nonnull(strstr(buf, "\ncs       0x0000000000000008\n"));
	free(buf);
	f = open_memstream(&buf, &len);
	cli_out_init(&o, f, true);
	cli_regs_print(&o, 1, &regs, &sregs);
	fclose(f);
	ck_assert_ptr_eq(strstr(buf, "{\"vcpu\":1,\"rax\":0,"), buf);
	ck_assert_ptr_nonnull(strstr(buf, "\"rip\":65520,"));
	free(buf);
}
END_TEST

static Suite *cli_mon_suite(void)
{
	Suite *s = suite_create("cli-mon");
	TCase *tc = tcase_create("mon");

	tcase_add_test(tc, events_lists);
	tcase_add_test(tc, commands);
	tcase_add_test(tc, event_lines);
	tcase_add_test(tc, hexdump_and_regs);
	suite_add_tcase(s, tc);
	return s;
}
UNIT_SUITE(cli_mon_suite)
