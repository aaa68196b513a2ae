// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of altp2mctl trace's pure parts (cli/trace.c) and its
 * command line: the symbol map, ARGSPEC, the comm offset search, per-CPU
 * addresses, the hit lines and the summary, text and JSON.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../cli/cli.h"
#include "unit.h"

/* Parse @text as a map file named "map". */
static int ksyms_from(const char *text, struct cli_ksyms *ks, char *err,
		      size_t len)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	ck_assert_ptr_nonnull(f);
	err[0] = '\0';
	ret = cli_ksyms_parse(f, "map", ks, err, len);
	fclose(f);
	return ret;
}

START_TEST(map_parse)
{
	static const char text[] =
		"ffffffff81000000 T _text\n"
		"ffffffff81234560 T do_sys_openat2\n"
		"\n"
		"ffffffff81234560 T do_sys_openat2\n"	/* the same twice */
		"ffffffff81100000 t helper\n"
		"ffffffff81200000 t helper\n"		/* two statics */
		"000000000001fbc0 D current_task\n"
		"ffffffffc0001000 t mod_fn\t[ext4]\r\n"
		"0000000000000000 T zeroed\n";
	struct cli_ksyms ks;
	uint64_t addr = 0;
	char err[128];

	ck_assert_int_eq(ksyms_from(text, &ks, err, sizeof(err)), 0);
	ck_assert_uint_eq(ks.n, 7);
	ck_assert_int_eq(cli_ksyms_lookup(&ks, "do_sys_openat2", &addr), 0);
	ck_assert_uint_eq(addr, 0xffffffff81234560ull);
	ck_assert_int_eq(cli_ksyms_lookup(&ks, "current_task", &addr), 0);
	ck_assert_uint_eq(addr, 0x1fbc0);
	ck_assert_int_eq(cli_ksyms_lookup(&ks, "mod_fn", &addr), 0);
	ck_assert_uint_eq(addr, 0xffffffffc0001000ull);
	ck_assert_int_eq(cli_ksyms_lookup(&ks, "_text", &addr), 0);
	ck_assert_int_eq(cli_ksyms_lookup(&ks, "zeroed", &addr), 0);
	ck_assert_uint_eq(addr, 0);
	ck_assert_int_eq(cli_ksyms_lookup(&ks, "helper", &addr), -EEXIST);
	ck_assert_int_eq(cli_ksyms_lookup(&ks, "nope", &addr), -ENOENT);
	ck_assert_int_eq(cli_ksyms_lookup(&ks, "do_sys", &addr), -ENOENT);
	cli_ksyms_free(&ks);
	ck_assert_uint_eq(ks.n, 0);
}
END_TEST

static const struct {
	const char *text;
	const char *err;
} bad_maps[] = {
	{ "ffffffff81000000 T a\nzzzz T b\n", "map:2: want a hex address" },
	{ "ffffffff81000000\n", "map:1: want a hex address" },
	{ "11111111111111111 T a\n", "map:1: want a hex address" },
	{ "ffff TT a\n", "map:1: want a one-letter" },
	{ "ffff 1 a\n", "map:1: want a one-letter" },
	{ "ffff T \n", "map:1: want a symbol name" },
	{ "ffff T a b\n", "map:1: unexpected text" },
	{ "ffff T a [mod x]\n", "map:1: unexpected text" },
	{ "\n\n", "no symbols" },
};

START_TEST(map_bad_lines)
{
	struct cli_ksyms ks;
	char err[128];

	ck_assert_int_lt(ksyms_from(bad_maps[_i].text, &ks, err, sizeof(err)),
			 0);
	ck_assert_msg(strstr(err, bad_maps[_i].err), "'%s' lacks '%s'", err,
		      bad_maps[_i].err);
	ck_assert_uint_eq(ks.n, 0);
	ck_assert_ptr_null(ks.v);
}
END_TEST

START_TEST(argspec)
{
	struct cli_trace_fn fn;
	char longname[200];

	ck_assert_int_eq(cli_trace_fn_parse("do_sys_openat2", &fn), 0);
	ck_assert_str_eq(fn.name, "do_sys_openat2");
	ck_assert_uint_eq(fn.nargs, 0);
	ck_assert(!cli_trace_fn_reads_mem(&fn));
	ck_assert_int_eq(cli_trace_fn_parse("f:x,u,d,s,*s,x", &fn), 0);
	ck_assert_str_eq(fn.name, "f");
	ck_assert_uint_eq(fn.nargs, 6);
	ck_assert_int_eq(fn.args[0], CLI_TARG_HEX);
	ck_assert_int_eq(fn.args[1], CLI_TARG_UNSIGNED);
	ck_assert_int_eq(fn.args[2], CLI_TARG_SIGNED);
	ck_assert_int_eq(fn.args[3], CLI_TARG_STR);
	ck_assert_int_eq(fn.args[4], CLI_TARG_PSTR);
	ck_assert(cli_trace_fn_reads_mem(&fn));
	ck_assert_int_eq(cli_trace_fn_parse("f:x,x", &fn), 0);
	ck_assert(!cli_trace_fn_reads_mem(&fn));
	ck_assert_int_eq(cli_trace_fn_parse("f:*s", &fn), 0);
	ck_assert(cli_trace_fn_reads_mem(&fn));

	ck_assert_int_eq(cli_trace_fn_parse("", &fn), -CLI_PERR_EMPTY);
	ck_assert_int_eq(cli_trace_fn_parse(":x", &fn), -CLI_PERR_EMPTY);
	ck_assert_int_eq(cli_trace_fn_parse("f:", &fn), -CLI_PERR_ARGSPEC);
	ck_assert_int_eq(cli_trace_fn_parse("f:x,", &fn), -CLI_PERR_ARGSPEC);
	ck_assert_int_eq(cli_trace_fn_parse("f:x,,u", &fn), -CLI_PERR_ARGSPEC);
	ck_assert_int_eq(cli_trace_fn_parse("f:q", &fn), -CLI_PERR_ARGSPEC);
	ck_assert_int_eq(cli_trace_fn_parse("f:xx", &fn), -CLI_PERR_ARGSPEC);
	ck_assert_int_eq(cli_trace_fn_parse("f:*x", &fn), -CLI_PERR_ARGSPEC);
	ck_assert_int_eq(cli_trace_fn_parse("f:x,x,x,x,x,x,x", &fn),
			 -CLI_PERR_TOO_BIG);
	ck_assert_int_eq(cli_trace_fn_parse("a b:x", &fn), -CLI_PERR_SYNTAX);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(cli_trace_fn_parse(longname, &fn), -CLI_PERR_OVERFLOW);
}
END_TEST

START_TEST(comm_offset)
{
	unsigned char buf[4096];

	memset(buf, 0xa5, sizeof(buf));
	ck_assert_int_eq(cli_comm_offset(buf, sizeof(buf)), -1);
	/* Without its NUL it is not the name. */
	memcpy(buf + 100, "swapper/0x", 10);
	ck_assert_int_eq(cli_comm_offset(buf, sizeof(buf)), -1);
	/* Inside a longer printable string it is not the name either. */
	memcpy(buf + 200, "aswapper/0", 11);
	ck_assert_int_eq(cli_comm_offset(buf, sizeof(buf)), -1);
	memcpy(buf + 0xa48, "swapper/0\0\0\0\0\0\0", 16);
	ck_assert_int_eq(cli_comm_offset(buf, sizeof(buf)), 0xa48);
	/* At the very start, and cut off at the very end. */
	memcpy(buf, "swapper/0", 10);
	ck_assert_int_eq(cli_comm_offset(buf, sizeof(buf)), 0);
	memset(buf, 0, sizeof(buf));
	memcpy(buf + sizeof(buf) - 9, "swapper/0", 9);
	ck_assert_int_eq(cli_comm_offset(buf, sizeof(buf)), -1);
	ck_assert_int_eq(cli_comm_offset(buf, 5), -1);
	ck_assert_int_eq(cli_comm_offset(buf, 0), -1);
}
END_TEST

START_TEST(percpu_addr)
{
	struct altp2m_monitor_regs r;

	memset(&r, 0, sizeof(r));
	r.gs_base = 0xffff888007a00000ull;
	r.kernel_gs_base = 0x7f0011223000ull;
	r.cpl = 0;
	ck_assert_uint_eq(cli_percpu_addr(0x1fbc0, &r), 0xffff888007a1fbc0ull);
	/* In user mode the kernel's base waits in KERNEL_GS_BASE. */
	r.gs_base = 0x7f0011223000ull;
	r.kernel_gs_base = 0xffff888007c00000ull;
	r.cpl = 3;
	ck_assert_uint_eq(cli_percpu_addr(0x1fbc0, &r), 0xffff888007c1fbc0ull);
}
END_TEST

/* What @print wrote, as a string to free. */
static char *capture(bool json, void (*print)(struct cli_out *, const void *),
		     const void *arg)
{
	struct cli_out o;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	cli_out_init(&o, f, json);
	print(&o, arg);
	fclose(f);
	return buf;
}

static void print_hit(struct cli_out *o, const void *arg)
{
	cli_trace_hit_print(o, arg);
}

static void hit_init(struct cli_trace_hit *h, struct cli_trace_fn *fn)
{
	ck_assert_int_eq(cli_trace_fn_parse("do_sys_openat2:d,s,x,*s,u", fn), 0);
	memset(h, 0, sizeof(*h));
	h->ts.tv_sec = 1796526342;	/* 2026-12-06T03:05:42Z */
	h->ts.tv_nsec = 123456789;
	h->vcpu = 1;
	h->fn = fn;
	h->cr3 = 0x10a6000;
	h->comm = "cat";
	/* An int: the upper half of rdi is whatever the caller left. */
	h->args[0] = 0x12345678ffffff9cull;
	h->args[1] = 0x7ffc1000;
	h->strs[1] = "/etc/pass\"wd\n";
	h->args[2] = 0x8000;
	h->args[3] = 0xffff888001234000ull;
	h->args[4] = 7;
}

START_TEST(hit_lines)
{
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	struct cli_trace_fn fn;
	struct cli_trace_hit h;
	char *s;

	setenv("TZ", "UTC0", 1);
	tzset();
	hit_init(&h, &fn);
	s = capture(false, print_hit, &h);
	ck_assert_str_eq(s, "2026-12-06T03:05:42.123456+00:00 vcpu 1 do_sys_openat2 cr3=0x10a6000 comm=\"cat\"(-100, \"/etc/pass\\\"wd\\x0a\", 0x8000, ?0xffff888001234000, 7)\n");
	free(s);
	s = capture(true, print_hit, &h);
	ck_assert_str_eq(s, "{\"time\":\"2026-12-06T03:05:42.123456+00:00\",\"vcpu\":1,\"fn\":\"do_sys_openat2\",\"cr3\":17457152,\"comm\":\"cat\",\"args\":[-100,\"/etc/pass\\\"wd\\n\",32768,null,7]}\n");
	free(s);
	/* No comm, no arguments. */
	ck_assert_int_eq(cli_trace_fn_parse("schedule", &fn), 0);
	h.comm = NULL;
	s = capture(false, print_hit, &h);
	ck_assert_str_eq(s, "2026-12-06T03:05:42.123456+00:00 vcpu 1 schedule cr3=0x10a6000 comm=-()\n");
	free(s);
	s = capture(true, print_hit, &h);
	ck_assert_ptr_nonnull(strstr(s, "\"comm\":null,\"args\":[]}\n"));
	free(s);
	if (old) {
		setenv("TZ", old, 1);
		free(old);
	} else {
		unsetenv("TZ");
	}
	tzset();
}
END_TEST

struct sum_arg {
	struct cli_trace_fn fns[2];
	struct cli_trace_sum s;
};

static void print_sum(struct cli_out *o, const void *arg)
{
	const struct sum_arg *a = arg;

	cli_trace_sum_print(o, a->fns, 2, &a->s);
}

START_TEST(summary)
{
	struct sum_arg a;
	char *s;

	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(cli_trace_fn_parse("do_sys_openat2:d,s", &a.fns[0]), 0);
	ck_assert_int_eq(cli_trace_fn_parse("do_execveat_common", &a.fns[1]), 0);
	a.fns[0].addr = 0xffffffff81234560ull;
	a.fns[0].hits = 57;
	a.fns[0].printed = 57;
	a.fns[1].addr = 0xffffffff81300000ull;
	a.fns[1].hits = 3;
	a.fns[1].printed = 2;
	a.s.ms = 12345;
	a.s.events = 59;
	a.s.dropped = 1;
	a.s.have_stats = true;
	a.s.stats.bp_hits = 60;
	a.s.stats.bp_steps = 60;
	a.s.stats.sync_waits = 59;
	a.s.stats.events = 59;
	a.s.stats.shadow_steps = 4;
	a.s.stats.exits = 250;
	s = capture(false, print_sum, &a);
	ck_assert_str_eq(s,
		"\ntrace summary: 12.345 s\n"
		"FUNCTION                       ADDRESS  HITS  PRINTED\n"
		"do_sys_openat2      0xffffffff81234560    57       57\n"
		"do_execveat_common  0xffffffff81300000     3        2\n"
		"events read: 59, dropped by full rings: 1\n"
		"module, while tracing (every vCPU): breakpoint hits 60, step-overs 60, sync waits 59, events 59, retries 0, shadow steps 4, shadow resyncs 0; VM exits 250 (every reason)\n"
		"exits the breakpoints cost: 128 (one per hit, one more per step-over, two per shadowed read or write)\n");
	free(s);
	s = capture(true, print_sum, &a);
	ck_assert_str_eq(s,
		"{\"summary\":{\"seconds\":12.345,\"fns\":["
		"{\"fn\":\"do_sys_openat2\",\"addr\":18446744071581156704,\"hits\":57,\"printed\":57},"
		"{\"fn\":\"do_execveat_common\",\"addr\":18446744071581990912,\"hits\":3,\"printed\":2}],"
		"\"events\":59,\"dropped\":1,\"module\":{\"events\":59,\"sync_waits\":59,"
		"\"bp_hits\":60,\"bp_steps\":60,\"bp_retries\":0,\"shadow_steps\":4,"
		"\"shadow_resyncs\":0,\"exits\":250,\"bp_exits\":128}}}\n");
	free(s);
	a.s.have_stats = false;
	s = capture(true, print_sum, &a);
	ck_assert_ptr_nonnull(strstr(s, "\"module\":null}}\n"));
	free(s);
	s = capture(false, print_sum, &a);
	ck_assert_ptr_nonnull(strstr(s, "module counters: not available\n"));
	free(s);
}
END_TEST

/* The command line: "altp2mctl" then the words. */
static int parse_trace(struct cli_cmd *c, char *const *words, int n,
		       char *err, size_t len)
{
	char *argv[24] = { "altp2mctl" };
	FILE *f;
	int i, ret;

	for (i = 0; i < n; i++)
		argv[i + 1] = words[i];
	f = fmemopen(err, len, "w");
	ck_assert_ptr_nonnull(f);
	ret = cli_parse_args(n + 1, argv, c, f);
	fclose(f);
	return ret;
}

#define PARSE(c, err, ...) ({						\
	char *_w[] = { __VA_ARGS__ };					\
	parse_trace(c, _w, ARRAY_LEN(_w), err, sizeof(err));		\
})

START_TEST(trace_args)
{
	struct cli_cmd *c = malloc(sizeof(*c));
	char err[512];

	ck_assert_ptr_nonnull(c);
	memset(err, 0, sizeof(err));
	ck_assert_int_eq(PARSE(c, err, "trace", "3", "--map", "System.map",
			       "--fn", "do_sys_openat2:d,s", "--fn=schedule",
			       "-c", "10", "--seconds", "5", "-j"), CLI_EXIT_OK);
	ck_assert_int_eq(c->op, CLI_OP_TRACE);
	ck_assert_uint_eq(c->vm, 3);
	ck_assert_str_eq(c->map, "System.map");
	ck_assert_uint_eq(c->nfns, 2);
	ck_assert_str_eq(c->fns[0].name, "do_sys_openat2");
	ck_assert_uint_eq(c->fns[0].nargs, 2);
	ck_assert_str_eq(c->fns[1].name, "schedule");
	ck_assert_uint_eq(c->count, 10);
	ck_assert_int_eq(c->seconds_ms, 5000);
	ck_assert(c->json);
	ck_assert(!c->trace_sync && !c->async);
	ck_assert_int_eq(PARSE(c, err, "trace", "3", "--map", "m", "--fn",
			       "f:x", "--async"), CLI_EXIT_OK);
	ck_assert(c->async);
	ck_assert_int_eq(c->seconds_ms, -1);
	ck_assert_int_eq(PARSE(c, err, "trace", "3", "--map", "m", "--fn",
			       "f:x", "--sync"), CLI_EXIT_OK);
	ck_assert(c->trace_sync);

	ck_assert_int_eq(PARSE(c, err, "trace", "3", "--fn", "f"),
			 CLI_EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(err, "missing --map"));
	ck_assert_int_eq(PARSE(c, err, "trace", "3", "--map", "m"),
			 CLI_EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(err, "missing --fn"));
	ck_assert_int_eq(PARSE(c, err, "trace", "3", "--map", "m", "--fn",
			       "f:s", "--async"), CLI_EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(err, "--async cannot read"));
	ck_assert_int_eq(PARSE(c, err, "trace", "3", "--map", "m", "--fn",
			       "f", "--async", "--sync"), CLI_EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(err, "exclude each other"));
	ck_assert_int_eq(PARSE(c, err, "trace", "3", "--map", "m", "--fn",
			       "f", "--fn", "f:x"), CLI_EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(err, "given twice"));
	ck_assert_int_eq(PARSE(c, err, "trace", "3", "--map", "m", "--fn",
			       "f:y"), CLI_EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(err, "bad --fn 'f:y': not an ARGSPEC"));
	ck_assert_int_eq(PARSE(c, err, "trace", "3", "--map", "m", "--fn",
			       "f", "--seconds", "x"), CLI_EXIT_USAGE);
	ck_assert_int_eq(PARSE(c, err, "trace", "--map", "m", "--fn", "f"),
			 CLI_EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(err, "missing VM"));
	free(c);
}
END_TEST

/* More than CLI_TRACE_MAX_FNS --fn: a usage error, not an overflow. */
START_TEST(trace_too_many_fns)
{
	char *argv[4 + 2 * (CLI_TRACE_MAX_FNS + 1)];
	char names[CLI_TRACE_MAX_FNS + 1][16];
	struct cli_cmd *c = malloc(sizeof(*c));
	char err[512];
	unsigned int i;
	int n = 0;
	FILE *f;

	ck_assert_ptr_nonnull(c);
	argv[n++] = "altp2mctl";
	argv[n++] = "trace";
	argv[n++] = "1";
	argv[n++] = "--map=m";
	for (i = 0; i <= CLI_TRACE_MAX_FNS; i++) {
		snprintf(names[i], sizeof(names[i]), "f%u", i);
		argv[n++] = "--fn";
		argv[n++] = names[i];
	}
	f = fmemopen(err, sizeof(err), "w");
	ck_assert_int_eq(cli_parse_args(n - 2, argv, c, f), CLI_EXIT_OK);
	ck_assert_uint_eq(c->nfns, CLI_TRACE_MAX_FNS);
	ck_assert_int_eq(cli_parse_args(n, argv, c, f), CLI_EXIT_USAGE);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(err, "more than 64 --fn"));
	free(c);
}
END_TEST

static Suite *cli_trace_suite(void)
{
	Suite *s = suite_create("cli_trace");
	TCase *tc = tcase_create("trace");

	tcase_add_test(tc, map_parse);
	tcase_add_loop_test(tc, map_bad_lines, 0, ARRAY_LEN(bad_maps));
	tcase_add_test(tc, argspec);
	tcase_add_test(tc, comm_offset);
	tcase_add_test(tc, percpu_addr);
	tcase_add_test(tc, hit_lines);
	tcase_add_test(tc, summary);
	tcase_add_test(tc, trace_args);
	tcase_add_test(tc, trace_too_many_fns);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_SUITE(cli_trace_suite)
