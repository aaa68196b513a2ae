// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of altp2mctl's output (cli/output.c): exact JSON (escaping,
 * nesting, numbers) and exact table layout.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../cli/cli.h"
#include "unit.h"

/* Output captured in memory; cap_str() returns what was written. */
struct cap {
	char *buf;
	size_t len;
	FILE *f;
	struct cli_out o;
};

static void cap_open(struct cap *c, bool json)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	ck_assert_ptr_nonnull(c->f);
	cli_out_init(&c->o, c->f, json);
}

static const char *cap_str(struct cap *c)
{
	fflush(c->f);
	return c->buf;
}

static void cap_close(struct cap *c)
{
	fclose(c->f);
	free(c->buf);
}

static void escaped(const char *in, const char *want)
{
	struct cap c;

	cap_open(&c, true);
	cli_json_escape(c.f, in);
	ck_assert_str_eq(cap_str(&c), want);
	cap_close(&c);
}

START_TEST(json_escaping)
{
	escaped("", "\"\"");
	escaped("plain", "\"plain\"");
	escaped("a\"b\\c", "\"a\\\"b\\\\c\"");
	escaped("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
	escaped("\x01\x1f", "\"\\u0001\\u001f\"");
	/* DEL and '/' need no escape. */
	escaped("\x7f/", "\"\x7f/\"");
	/* Valid UTF-8 passes through: é, €, U+1F600. */
	escaped("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
		"\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	/* Invalid bytes become U+FFFD, one per byte at fault. */
	escaped("a\xff" "b", "\"a\\ufffdb\"");
	escaped("\xc3", "\"\\ufffd\"");			/* truncated */
	escaped("\xc0\xaf", "\"\\ufffd\\ufffd\"");	/* overlong */
	escaped("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");	/* surrogate */
	escaped("\xf4\x90\x80\x80",
		"\"\\ufffd\\ufffd\\ufffd\\ufffd\"");	/* > U+10FFFF */
	escaped("\xe0\x80\x80x", "\"\\ufffd\\ufffd\\ufffdx\"");
}
END_TEST

START_TEST(json_nesting)
{
	struct cap c;

	cap_open(&c, true);
	cli_json_obj_begin(&c.o, NULL);
	cli_json_u64(&c.o, "a", 0);
	cli_json_u64(&c.o, "max", UINT64_MAX);
	cli_json_str(&c.o, "s", "x\"y");
	cli_json_str(&c.o, "nil", NULL);
	cli_json_null(&c.o, "n");
	cli_json_bool(&c.o, "t", true);
	cli_json_bool(&c.o, "f", false);
	cli_json_number(&c.o, "mib", "0.5");
	cli_json_arr_begin(&c.o, "empty");
	cli_json_arr_end(&c.o);
	cli_json_arr_begin(&c.o, "arr");
	cli_json_u64(&c.o, NULL, 1);
	cli_json_obj_begin(&c.o, NULL);
	cli_json_obj_end(&c.o);
	cli_json_arr_begin(&c.o, NULL);
	cli_json_str(&c.o, NULL, "in");
	cli_json_arr_end(&c.o);
	cli_json_arr_end(&c.o);
	cli_json_obj_begin(&c.o, "key \"q\"");
	cli_json_u64(&c.o, "z", 3);
	cli_json_obj_end(&c.o);
	cli_json_obj_end(&c.o);
	ck_assert_str_eq(cap_str(&c),
		"{\"a\":0,\"max\":18446744073709551615,\"s\":\"x\\\"y\","
		"\"nil\":null,\"n\":null,\"t\":true,\"f\":false,\"mib\":0.5,"
		"\"empty\":[],\"arr\":[1,{},[\"in\"]],"
		"\"key \\\"q\\\"\":{\"z\":3}}\n");
	ck_assert_uint_eq(c.o.depth, 0);
	cap_close(&c);
}
END_TEST

START_TEST(json_top_level_values)
{
	struct cap c;

	/* Each top-level value is a document of its own, one per line. */
	cap_open(&c, true);
	cli_json_arr_begin(&c.o, NULL);
	cli_json_arr_end(&c.o);
	cli_json_obj_begin(&c.o, NULL);
	cli_json_u64(&c.o, "x", 1);
	cli_json_obj_end(&c.o);
	cli_json_u64(&c.o, NULL, 5);
	ck_assert_str_eq(cap_str(&c), "[]\n{\"x\":1}\n5\n");
	cap_close(&c);
}
END_TEST

START_TEST(json_deep_nesting)
{
	struct cap c;
	int i;

	/* Deeper than tracked: separators degrade, balance does not. */
	cap_open(&c, true);
	for (i = 0; i < CLI_JSON_MAX_DEPTH + 4; i++)
		cli_json_arr_begin(&c.o, NULL);
	for (i = 0; i < CLI_JSON_MAX_DEPTH + 4; i++)
		cli_json_arr_end(&c.o);
	ck_assert_uint_eq(c.o.depth, 0);
	ck_assert_uint_eq(strlen(cap_str(&c)),
			  2 * (CLI_JSON_MAX_DEPTH + 4) + 1);
	cap_close(&c);
}
END_TEST

START_TEST(mib_format)
{
	char b[32];

	cli_fmt_mib(b, sizeof(b), 0);
	ck_assert_str_eq(b, "0");
	cli_fmt_mib(b, sizeof(b), 256);
	ck_assert_str_eq(b, "1");
	cli_fmt_mib(b, sizeof(b), 128);
	ck_assert_str_eq(b, "0.5");
	cli_fmt_mib(b, sizeof(b), 1);
	ck_assert_str_eq(b, "0.00390625");
	cli_fmt_mib(b, sizeof(b), 256 * 16 + 64);
	ck_assert_str_eq(b, "16.25");
	cli_fmt_mib(b, sizeof(b), 255);
	ck_assert_str_eq(b, "0.99609375");
	cli_fmt_mib(b, sizeof(b), UINT64_MAX);
	ck_assert_str_eq(b, "72057594037927935.99609375");
}
END_TEST

START_TEST(table_alignment)
{
	static const char *const hdr[] = { "ID", "NAME", "N" };
	static const bool right[] = { true, false, true };
	static const char *const r1[] = { "1", "alpha", "7" };
	static const char *const r2[] = { "1000", "b", "12345" };
	static const char *const r3[] = { "22", "", NULL };
	struct cli_table t;
	struct cap c;

	cap_open(&c, false);
	cli_table_init(&t, 3);
	ck_assert_int_eq(cli_table_add(&t, r1), 0);
	ck_assert_int_eq(cli_table_add(&t, r2), 0);
	ck_assert_int_eq(cli_table_add(&t, r3), 0);
	cli_table_print(&t, c.f, hdr, right);
	ck_assert_str_eq(cap_str(&c),
		"  ID  NAME       N\n"
		"   1  alpha      7\n"
		"1000  b      12345\n"
		"  22\n");
	cli_table_free(&t);
	cap_close(&c);
}
END_TEST

START_TEST(table_left_no_trailing_blanks)
{
	static const char *const hdr[] = { "A", "LONGHEADER" };
	static const char *const r1[] = { "wide cell", "x" };
	struct cli_table t;
	struct cap c;

	cap_open(&c, false);
	cli_table_init(&t, 2);
	ck_assert_int_eq(cli_table_add(&t, r1), 0);
	cli_table_print(&t, c.f, hdr, NULL);
	ck_assert_str_eq(cap_str(&c),
		"A          LONGHEADER\n"
		"wide cell  x\n");
	cap_close(&c);
	/* No header line, and an empty table prints nothing. */
	cap_open(&c, false);
	cli_table_print(&t, c.f, NULL, NULL);
	ck_assert_str_eq(cap_str(&c), "wide cell  x\n");
	cli_table_free(&t);
	cli_table_print(&t, c.f, NULL, NULL);
	ck_assert_str_eq(cap_str(&c), "wide cell  x\n");
	cap_close(&c);
}
END_TEST

START_TEST(table_many_rows)
{
	static const char *const hdr[] = { "N" };
	char num[16];
	const char *cell[1] = { num };
	struct cli_table t;
	struct cap c;
	int i;

	cap_open(&c, false);
	cli_table_init(&t, 1);
	for (i = 0; i < 1000; i++) {
		snprintf(num, sizeof(num), "%d", i);
		ck_assert_int_eq(cli_table_add(&t, cell), 0);
	}
	ck_assert_uint_eq(t.nrows, 1000);
	cli_table_print(&t, c.f, hdr, (const bool[]){ true });
	ck_assert_ptr_nonnull(strstr(cap_str(&c), "  N\n  0\n  1\n"));
	ck_assert_ptr_nonnull(strstr(cap_str(&c), "\n999\n"));
	cli_table_free(&t);
	cap_close(&c);
}
END_TEST

static const struct cli_field fields[] = {
	CLI_FIELD_NUM("id", "ID"),
	CLI_FIELD("gfn_only_json", NULL),
	CLI_FIELD(NULL, "RANGE"),
	CLI_FIELD_NUM("gfn", "GFN"),
	CLI_FIELD_BOOL("sve", "SVE", "on", "off"),
	CLI_FIELD("flag", "FLAG"),
	CLI_FIELD("name", "NAME"),
	CLI_FIELD_NUM("mib", "MIB"),
};

static void fill(struct cli_val *v, uint64_t id, bool b, const char *name,
		 bool null_gfn)
{
	v[0] = CLI_U64(id);
	v[1] = CLI_GFN(id * 16);
	v[2] = CLI_STR("r");
	v[3] = null_gfn ? CLI_NUL() : CLI_GFN(id * 16);
	v[4] = CLI_BOOL(b);
	v[5] = CLI_BOOL(!b);
	v[6] = CLI_STR(name);
	v[7] = CLI_MIB(id * 128);
}

START_TEST(list_json)
{
	struct cli_val v[ARRAY_SIZE(fields)];
	struct cli_list l;
	struct cap c;

	cap_open(&c, true);
	cli_list_begin(&l, &c.o, fields, ARRAY_SIZE(fields));
	fill(v, 1, true, "a\tb", false);
	ck_assert_int_eq(cli_list_row(&l, v), 0);
	fill(v, 2, false, NULL, true);
	ck_assert_int_eq(cli_list_row(&l, v), 0);
	cli_list_end(&l);
	ck_assert_str_eq(cap_str(&c),
		"[{\"id\":1,\"gfn_only_json\":16,\"gfn\":16,\"sve\":true,"
		"\"flag\":false,\"name\":\"a\\tb\",\"mib\":0.5},"
		"{\"id\":2,\"gfn_only_json\":32,\"gfn\":null,\"sve\":false,"
		"\"flag\":true,\"name\":null,\"mib\":1}]\n");
	cap_close(&c);

	/* An empty list is an empty array. */
	cap_open(&c, true);
	cli_list_begin(&l, &c.o, fields, ARRAY_SIZE(fields));
	cli_list_end(&l);
	ck_assert_str_eq(cap_str(&c), "[]\n");
	cap_close(&c);
}
END_TEST

START_TEST(list_table)
{
	struct cli_val v[ARRAY_SIZE(fields)];
	struct cli_list l;
	struct cap c;

	cap_open(&c, false);
	cli_list_begin(&l, &c.o, fields, ARRAY_SIZE(fields));
	fill(v, 1, true, "a", false);
	ck_assert_int_eq(cli_list_row(&l, v), 0);
	fill(v, 300, false, NULL, true);
	ck_assert_int_eq(cli_list_row(&l, v), 0);
	cli_list_end(&l);
	ck_assert_str_eq(cap_str(&c),
		" ID  RANGE   GFN  SVE  FLAG  NAME  MIB\n"
		"  1  r      0x10  on   no    a     0.5\n"
		"300  r         -  off  yes   -     150\n");
	cap_close(&c);

	/* No rows: the header alone. */
	cap_open(&c, false);
	cli_list_begin(&l, &c.o, fields, ARRAY_SIZE(fields));
	cli_list_end(&l);
	ck_assert_str_eq(cap_str(&c),
		"ID  RANGE  GFN  SVE  FLAG  NAME  MIB\n");
	cap_close(&c);
}
END_TEST

START_TEST(show_both_ways)
{
	struct cli_val v[ARRAY_SIZE(fields)];
	struct cap c;

	fill(v, 3, false, "vm", false);
	cap_open(&c, false);
	ck_assert_int_eq(cli_show(&c.o, fields, ARRAY_SIZE(fields), v), 0);
	ck_assert_str_eq(cap_str(&c),
		"ID     3\n"
		"RANGE  r\n"
		"GFN    0x30\n"
		"SVE    off\n"
		"FLAG   yes\n"
		"NAME   vm\n"
		"MIB    1.5\n");
	cap_close(&c);

	cap_open(&c, true);
	ck_assert_int_eq(cli_show(&c.o, fields, ARRAY_SIZE(fields), v), 0);
	ck_assert_str_eq(cap_str(&c),
		"{\"id\":3,\"gfn_only_json\":48,\"gfn\":48,\"sve\":false,"
		"\"flag\":true,\"name\":\"vm\",\"mib\":1.5}\n");
	cap_close(&c);
}
END_TEST

/* Local time in zone tz, which the test sets and then puts back. */
static void time_in(const char *tz, time_t sec, long nsec, const char *want)
{
	struct timespec ts = { .tv_sec = sec, .tv_nsec = nsec };
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	char buf[48];

	setenv("TZ", tz, 1);
	tzset();
	ck_assert_int_eq(cli_fmt_time(buf, sizeof(buf), &ts), 0);
	ck_assert_str_eq(buf, want);
	/* Too small a buffer is an error, not a cut string. */
	ck_assert_int_lt(cli_fmt_time(buf, strlen(want), &ts), 0);
	if (old)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	free(old);
	tzset();
}

/* RFC 3339: local time, microseconds, the offset with a colon. */
START_TEST(time_format)
{
	/* 2026-12-06 03:05:42 UTC */
	time_in("UTC0", 1796526342, 123456789,
		"2026-12-06T03:05:42.123456+00:00");
	time_in("UTC0", 0, 0, "1970-01-01T00:00:00.000000+00:00");
	/* POSIX TZ signs are inverted: UTC-2 is two hours east. */
	time_in("XYZ-2", 1796526342, 999999999,
		"2026-12-06T05:05:42.999999+02:00");
	time_in("ABC+5:30", 1796526342, 1000,
		"2026-12-05T21:35:42.000001-05:30");
}
END_TEST

/* Events through cli_event_print(), with and without a timestamp. */
static void event_is(bool json, const struct altp2m_event *ev,
		     const struct timespec *ts, const char *want)
{
	struct cap c;

	cap_open(&c, json);
	cli_event_print(&c.o, ev, ts);
	ck_assert_str_eq(cap_str(&c), want);
	cap_close(&c);
}

START_TEST(event_lines)
{
	struct altp2m_event created = { .type = ALTP2M_CMD_VM_CREATED,
					.vm_id = 3 };
	struct altp2m_event view = { .type = ALTP2M_CMD_VIEW_CREATED,
				     .vm_id = 3, .view = 1 };
	struct altp2m_event enabled = { .type = ALTP2M_CMD_VIEWS_ENABLED,
					.vm_id = 4, .max_views = 8,
					.mode = ALTP2M_MODE_MIXED };
	struct altp2m_event future = { .type = 200, .vm_id = 5 };
	struct timespec ts = { .tv_sec = 1796526342, .tv_nsec = 5000 };
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;

	event_is(false, &created, NULL, "vm-created vm 3\n");
	event_is(false, &view, NULL, "view-created vm 3 view 1\n");
	event_is(false, &enabled, NULL,
		 "views-enabled vm 4 max-views 8 mode mixed\n");
	event_is(false, &future, NULL, "event-200 vm 5\n");
	event_is(true, &created, NULL, "{\"event\":\"vm-created\",\"vm_id\":3}\n");
	event_is(true, &view, NULL,
		 "{\"event\":\"view-created\",\"vm_id\":3,\"view\":1}\n");
	event_is(true, &enabled, NULL,
		 "{\"event\":\"views-enabled\",\"vm_id\":4,\"max_views\":8,"
		 "\"mode\":\"mixed\"}\n");

	setenv("TZ", "UTC0", 1);
	tzset();
	event_is(false, &view, &ts,
		 "2026-12-06T03:05:42.000005+00:00 view-created vm 3 view 1\n");
	event_is(true, &view, &ts,
		 "{\"timestamp\":\"2026-12-06T03:05:42.000005+00:00\","
		 "\"event\":\"view-created\",\"vm_id\":3,\"view\":1}\n");
	if (old)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	free(old);
	tzset();
}
END_TEST

static Suite *cli_output_suite(void)
{
	Suite *s = suite_create("cli-output");
	TCase *tc = tcase_create("json");

	tcase_add_test(tc, json_escaping);
	tcase_add_test(tc, json_nesting);
	tcase_add_test(tc, json_top_level_values);
	tcase_add_test(tc, json_deep_nesting);
	tcase_add_test(tc, mib_format);
	suite_add_tcase(s, tc);
	tc = tcase_create("table");
	tcase_add_test(tc, table_alignment);
	tcase_add_test(tc, table_left_no_trailing_blanks);
	tcase_add_test(tc, table_many_rows);
	tcase_add_test(tc, list_json);
	tcase_add_test(tc, list_table);
	tcase_add_test(tc, show_both_ways);
	suite_add_tcase(s, tc);
	tc = tcase_create("monitor");
	tcase_add_test(tc, time_format);
	tcase_add_test(tc, event_lines);
	suite_add_tcase(s, tc);
	return s;
}
UNIT_SUITE(cli_output_suite)
