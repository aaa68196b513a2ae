// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of altp2mctl's parsers (cli/parse.c): numbers, gfns and
 * ranges at their edges, names, and --file content with its line numbers.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../cli/cli.h"
#include "unit.h"

START_TEST(u64_decimal_and_hex)
{
	uint64_t v;

	ck_assert_int_eq(cli_parse_u64("0", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(cli_parse_u64("42", &v), 0);
	ck_assert_uint_eq(v, 42);
	ck_assert_int_eq(cli_parse_u64("0x1F", &v), 0);
	ck_assert_uint_eq(v, 31);
	ck_assert_int_eq(cli_parse_u64("0Xff", &v), 0);
	ck_assert_uint_eq(v, 255);
	/* Leading zeros are decimal, never octal. */
	ck_assert_int_eq(cli_parse_u64("010", &v), 0);
	ck_assert_uint_eq(v, 10);
	ck_assert_int_eq(cli_parse_u64("0x0000000000000000001", &v), 0);
	ck_assert_uint_eq(v, 1);
}
END_TEST

START_TEST(u64_limits)
{
	uint64_t v = 7;

	ck_assert_int_eq(cli_parse_u64("18446744073709551615", &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(cli_parse_u64("0xffffffffffffffff", &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	v = 7;
	ck_assert_int_eq(cli_parse_u64("18446744073709551616", &v),
			 -CLI_PERR_OVERFLOW);
	ck_assert_int_eq(cli_parse_u64("0x10000000000000000", &v),
			 -CLI_PERR_OVERFLOW);
	ck_assert_int_eq(cli_parse_u64("99999999999999999999999", &v),
			 -CLI_PERR_OVERFLOW);
	/* A failed parse leaves the output alone. */
	ck_assert_uint_eq(v, 7);
}
END_TEST

START_TEST(u64_rejects)
{
	uint64_t v;

	ck_assert_int_eq(cli_parse_u64("", &v), -CLI_PERR_EMPTY);
	ck_assert_int_eq(cli_parse_u64(NULL, &v), -CLI_PERR_EMPTY);
	ck_assert_int_eq(cli_parse_u64("0x", &v), -CLI_PERR_SYNTAX);
	ck_assert_int_eq(cli_parse_u64("x1", &v), -CLI_PERR_SYNTAX);
	ck_assert_int_eq(cli_parse_u64("-1", &v), -CLI_PERR_SYNTAX);
	ck_assert_int_eq(cli_parse_u64("+1", &v), -CLI_PERR_SYNTAX);
	ck_assert_int_eq(cli_parse_u64(" 1", &v), -CLI_PERR_SYNTAX);
	ck_assert_int_eq(cli_parse_u64("abc", &v), -CLI_PERR_SYNTAX);
	ck_assert_int_eq(cli_parse_u64("1 ", &v), -CLI_PERR_TRAILING);
	ck_assert_int_eq(cli_parse_u64("12abc", &v), -CLI_PERR_TRAILING);
	ck_assert_int_eq(cli_parse_u64("0x1g", &v), -CLI_PERR_TRAILING);
	ck_assert_int_eq(cli_parse_u64("1.5", &v), -CLI_PERR_TRAILING);
	ck_assert_int_eq(cli_parse_u64("0x0x1", &v), -CLI_PERR_TRAILING);
	ck_assert_int_eq(cli_parse_u64("1e3", &v), -CLI_PERR_TRAILING);
}
END_TEST

START_TEST(u32_limits)
{
	uint32_t v;

	ck_assert_int_eq(cli_parse_u32("4294967295", &v), 0);
	ck_assert_uint_eq(v, UINT32_MAX);
	ck_assert_int_eq(cli_parse_u32("0xffffffff", &v), 0);
	ck_assert_int_eq(cli_parse_u32("4294967296", &v), -CLI_PERR_OVERFLOW);
	ck_assert_int_eq(cli_parse_u32("0x100000000", &v), -CLI_PERR_OVERFLOW);
	ck_assert_int_eq(cli_parse_u32("3x", &v), -CLI_PERR_TRAILING);
}
END_TEST

START_TEST(gfn_limit)
{
	uint64_t g;

	ck_assert_int_eq(cli_parse_gfn("0xfffffffffffff", &g), 0);
	ck_assert_uint_eq(g, CLI_GFN_MAX);
	/* An address where a frame number belongs. */
	ck_assert_int_eq(cli_parse_gfn("0x10000000000000", &g),
			 -CLI_PERR_GFN_LIMIT);
	ck_assert_int_eq(cli_parse_gfn("0xffffffffffffffff", &g),
			 -CLI_PERR_GFN_LIMIT);
	ck_assert_int_eq(cli_parse_gfn("0x1_000", &g), -CLI_PERR_TRAILING);
}
END_TEST

START_TEST(range_forms)
{
	uint64_t g, n;

	ck_assert_int_eq(cli_parse_gfn_range("0x100", 0, &g, &n), 0);
	ck_assert_uint_eq(g, 0x100);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(cli_parse_gfn_range("0x100-0x1ff", 0, &g, &n), 0);
	ck_assert_uint_eq(g, 0x100);
	ck_assert_uint_eq(n, 0x100);
	ck_assert_int_eq(cli_parse_gfn_range("5-5", 0, &g, &n), 0);
	ck_assert_uint_eq(g, 5);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(cli_parse_gfn_range("10-0x10", 0, &g, &n), 0);
	ck_assert_uint_eq(n, 7);
	/* The whole gfn space is a range; its count fits. */
	ck_assert_int_eq(cli_parse_gfn_range("0-0xfffffffffffff", 0, &g, &n),
			 0);
	ck_assert_uint_eq(n, CLI_GFN_MAX + 1);
}
END_TEST

START_TEST(range_rejects)
{
	uint64_t g = 9, n = 9;

	ck_assert_int_eq(cli_parse_gfn_range("0x200-0x100", 0, &g, &n),
			 -CLI_PERR_REVERSED);
	ck_assert_int_eq(cli_parse_gfn_range("1-0", 0, &g, &n),
			 -CLI_PERR_REVERSED);
	ck_assert_int_eq(cli_parse_gfn_range("-5", 0, &g, &n),
			 -CLI_PERR_EMPTY);
	ck_assert_int_eq(cli_parse_gfn_range("5-", 0, &g, &n),
			 -CLI_PERR_EMPTY);
	ck_assert_int_eq(cli_parse_gfn_range("-", 0, &g, &n),
			 -CLI_PERR_EMPTY);
	ck_assert_int_eq(cli_parse_gfn_range("", 0, &g, &n),
			 -CLI_PERR_EMPTY);
	ck_assert_int_eq(cli_parse_gfn_range("1--5", 0, &g, &n),
			 -CLI_PERR_SYNTAX);
	ck_assert_int_eq(cli_parse_gfn_range("1-5-7", 0, &g, &n),
			 -CLI_PERR_TRAILING);
	ck_assert_int_eq(cli_parse_gfn_range("1-5x", 0, &g, &n),
			 -CLI_PERR_TRAILING);
	ck_assert_int_eq(cli_parse_gfn_range("0-0x10000000000000", 0, &g, &n),
			 -CLI_PERR_GFN_LIMIT);
	/* A first half longer than any valid number. */
	ck_assert_int_eq(cli_parse_gfn_range(
		"000000000000000000000000000000000000000000000000000000000000000000001-2",
		0, &g, &n), -CLI_PERR_OVERFLOW);
	/* Too big for the caller's limit, just fits, limit off. */
	ck_assert_int_eq(cli_parse_gfn_range("0-16", 16, &g, &n),
			 -CLI_PERR_TOO_BIG);
	ck_assert_uint_eq(g, 9);
	ck_assert_uint_eq(n, 9);
	ck_assert_int_eq(cli_parse_gfn_range("0-15", 16, &g, &n), 0);
	ck_assert_uint_eq(n, 16);
}
END_TEST

START_TEST(names)
{
	unsigned int a = 99, m = 99;
	bool on = false;
	int ms;

	ck_assert_int_eq(cli_parse_access("rw", &a), 0);
	ck_assert_uint_eq(a, ALTP2M_ACCESS_RW);
	ck_assert_int_eq(cli_parse_access("n2rwx", &a), 0);
	ck_assert_uint_eq(a, ALTP2M_ACCESS_N2RWX);
	ck_assert_int_eq(cli_parse_access("default", &a), 0);
	ck_assert_uint_eq(a, ALTP2M_ACCESS_DEFAULT);
	ck_assert_int_eq(cli_parse_access("rwxx", &a), -CLI_PERR_ACCESS);
	ck_assert_int_eq(cli_parse_access("", &a), -CLI_PERR_EMPTY);

	ck_assert_int_eq(cli_parse_onoff("on", &on), 0);
	ck_assert(on);
	ck_assert_int_eq(cli_parse_onoff("off", &on), 0);
	ck_assert(!on);
	ck_assert_int_eq(cli_parse_onoff("yes", &on), -CLI_PERR_ONOFF);
	ck_assert_int_eq(cli_parse_onoff("ON", &on), 0);
	ck_assert(on);
	ck_assert_int_eq(cli_parse_onoff("Off", &on), 0);
	ck_assert(!on);
	ck_assert_int_eq(cli_parse_onoff("of", &on), -CLI_PERR_ONOFF);
	ck_assert_int_eq(cli_parse_onoff("onn", &on), -CLI_PERR_ONOFF);
	ck_assert_int_eq(cli_parse_onoff("", &on), -CLI_PERR_EMPTY);

	ck_assert_int_eq(cli_parse_mode("mixed", &m), 0);
	ck_assert_uint_eq(m, ALTP2M_MODE_MIXED);
	ck_assert_int_eq(cli_parse_mode("limited", &m), 0);
	ck_assert_uint_eq(m, ALTP2M_MODE_LIMITED);
	ck_assert_int_eq(cli_parse_mode("external", &m), 0);
	ck_assert_uint_eq(m, ALTP2M_MODE_EXTERNAL);
	ck_assert_int_eq(cli_parse_mode("internal", &m), -CLI_PERR_MODE);

	ck_assert_int_eq(cli_parse_seconds_ms("0", &ms), 0);
	ck_assert_int_eq(ms, 0);
	ck_assert_int_eq(cli_parse_seconds_ms("3", &ms), 0);
	ck_assert_int_eq(ms, 3000);
	ck_assert_int_eq(cli_parse_seconds_ms("2147483", &ms), 0);
	ck_assert_int_eq(cli_parse_seconds_ms("2147484", &ms),
			 -CLI_PERR_OVERFLOW);
	ck_assert_int_eq(cli_parse_seconds_ms("1.5", &ms),
			 -CLI_PERR_TRAILING);
}
END_TEST

START_TEST(perr_strings)
{
	int i;

	for (i = 0; i <= CLI_PERR_IO; i++) {
		ck_assert_ptr_nonnull(cli_perr_str(-i));
		ck_assert_str_eq(cli_perr_str(-i), cli_perr_str(i));
	}
	ck_assert_str_eq(cli_perr_str(-CLI_PERR_REVERSED),
			 "range ends before it starts");
	ck_assert_str_eq(cli_perr_str(1000), "invalid");
}
END_TEST

/* Parses text as a --file named "f"; returns the error, fills b/err. */
static int bulk(const char *text, enum cli_bulk_kind kind, size_t max,
		struct cli_bulk *b, char *err, size_t errlen)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	ck_assert_ptr_nonnull(f);
	err[0] = '\0';
	ret = cli_bulk_parse(f, "f", kind, max, b, err, errlen);
	fclose(f);
	return ret;
}

START_TEST(bulk_access_ok)
{
	static const char text[] =
		"# a comment line\n"
		"\n"
		"   \t\n"
		"0x10 rw\n"
		"  0x20-0x22\tn   # three, trailing comment\n"
		"5 rx2rw\r\n"
		"7 default";	/* no newline at the end */
	struct cli_bulk b;
	char err[128];

	ck_assert_int_eq(bulk(text, CLI_BULK_ACCESS, 100, &b, err,
			      sizeof(err)), 0);
	ck_assert_uint_eq(b.n, 6);
	ck_assert_uint_eq(b.gfns[0], 0x10);
	ck_assert_uint_eq(b.vals[0], ALTP2M_ACCESS_RW);
	ck_assert_uint_eq(b.gfns[1], 0x20);
	ck_assert_uint_eq(b.gfns[2], 0x21);
	ck_assert_uint_eq(b.gfns[3], 0x22);
	ck_assert_uint_eq(b.vals[3], ALTP2M_ACCESS_N);
	ck_assert_uint_eq(b.gfns[4], 5);
	ck_assert_uint_eq(b.vals[4], ALTP2M_ACCESS_RX2RW);
	ck_assert_uint_eq(b.gfns[5], 7);
	ck_assert_uint_eq(b.vals[5], ALTP2M_ACCESS_DEFAULT);
	cli_bulk_free(&b);
	ck_assert_ptr_null(b.gfns);
	ck_assert_uint_eq(b.n, 0);
}
END_TEST

START_TEST(bulk_sve_and_empty)
{
	struct cli_bulk b;
	char err[128];

	ck_assert_int_eq(bulk("1 on\n2-3 off\n", CLI_BULK_SVE, 100, &b, err,
			      sizeof(err)), 0);
	ck_assert_uint_eq(b.n, 3);
	ck_assert_uint_eq(b.vals[0], 1);
	ck_assert_uint_eq(b.vals[1], 0);
	ck_assert_uint_eq(b.vals[2], 0);
	cli_bulk_free(&b);
	/* Only comments: nothing, and no error. */
	ck_assert_int_eq(bulk("# nothing\n\n", CLI_BULK_SVE, 100, &b, err,
			      sizeof(err)), 0);
	ck_assert_uint_eq(b.n, 0);
	cli_bulk_free(&b);
	ck_assert_int_eq(bulk("", CLI_BULK_ACCESS, 100, &b, err,
			      sizeof(err)), 0);
	ck_assert_uint_eq(b.n, 0);
	cli_bulk_free(&b);
	/* An access value in an sve file is wrong. */
	ck_assert_int_eq(bulk("1 rw\n", CLI_BULK_SVE, 100, &b, err,
			      sizeof(err)), -CLI_PERR_ONOFF);
	ck_assert_str_eq(err, "f:1: 'rw': neither on nor off");
}
END_TEST

START_TEST(bulk_errors_name_the_line)
{
	struct cli_bulk b;
	char err[256];

	ck_assert_int_eq(bulk("1 rw\n# c\n\n2 rwz\n3 r\n", CLI_BULK_ACCESS,
			      100, &b, err, sizeof(err)), -CLI_PERR_ACCESS);
	ck_assert_ptr_nonnull(strstr(err, "f:4: 'rwz': not an access"));
	ck_assert_ptr_null(b.gfns);
	ck_assert_uint_eq(b.n, 0);

	ck_assert_int_eq(bulk("1 rw\n2\n", CLI_BULK_ACCESS, 100, &b, err,
			      sizeof(err)), -CLI_PERR_FIELDS);
	ck_assert_ptr_nonnull(strstr(err, "f:2: want two fields"));
	ck_assert_int_eq(bulk("1 rw x\n", CLI_BULK_ACCESS, 100, &b, err,
			      sizeof(err)), -CLI_PERR_FIELDS);
	ck_assert_ptr_nonnull(strstr(err, "f:1: "));

	ck_assert_int_eq(bulk("\n\n0x20-0x10 r\n", CLI_BULK_ACCESS, 100, &b,
			      err, sizeof(err)), -CLI_PERR_REVERSED);
	ck_assert_str_eq(err,
		"f:3: gfn '0x20-0x10': range ends before it starts");
	ck_assert_int_eq(bulk("zz r\n", CLI_BULK_ACCESS, 100, &b, err,
			      sizeof(err)), -CLI_PERR_SYNTAX);
	ck_assert_str_eq(err, "f:1: gfn 'zz': not a number");
	ck_assert_int_eq(bulk("1#2 r\n", CLI_BULK_ACCESS, 100, &b, err,
			      sizeof(err)), -CLI_PERR_FIELDS);
}
END_TEST

START_TEST(bulk_too_many)
{
	struct cli_bulk b;
	char err[256];

	/* One range over the limit, and a total that crosses it later. */
	ck_assert_int_eq(bulk("0-16 r\n", CLI_BULK_ACCESS, 16, &b, err,
			      sizeof(err)), -CLI_PERR_TOO_BIG);
	ck_assert_str_eq(err, "f:1: more than 16 gfns in all");
	ck_assert_int_eq(bulk("0-9 r\n# x\n10-15 r\n16 r\n", CLI_BULK_ACCESS,
			      16, &b, err, sizeof(err)), -CLI_PERR_TOO_BIG);
	ck_assert_str_eq(err, "f:4: more than 16 gfns in all");
	ck_assert_ptr_null(b.gfns);
	ck_assert_int_eq(bulk("0-9 r\n10-15 r\n", CLI_BULK_ACCESS, 16, &b,
			      err, sizeof(err)), 0);
	ck_assert_uint_eq(b.n, 16);
	cli_bulk_free(&b);
}
END_TEST

START_TEST(bulk_nul_byte)
{
	static const char text[] = "1 r\n2 r\0w\n";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	struct cli_bulk b;
	char err[128];

	ck_assert_int_eq(cli_bulk_parse(f, "f", CLI_BULK_ACCESS, 100, &b, err,
					sizeof(err)), -CLI_PERR_SYNTAX);
	ck_assert_str_eq(err, "f:2: NUL byte in line");
	fclose(f);
}
END_TEST

START_TEST(bulk_long_error_truncates)
{
	struct cli_bulk b;
	char err[12];

	ck_assert_int_eq(bulk("1 nonsense\n", CLI_BULK_ACCESS, 100, &b, err,
			      sizeof(err)), -CLI_PERR_ACCESS);
	ck_assert_str_eq(err, "f:1: 'nonse");
}
END_TEST

static Suite *cli_parse_suite(void)
{
	Suite *s = suite_create("cli-parse");
	TCase *tc = tcase_create("numbers");

	tcase_add_test(tc, u64_decimal_and_hex);
	tcase_add_test(tc, u64_limits);
	tcase_add_test(tc, u64_rejects);
	tcase_add_test(tc, u32_limits);
	tcase_add_test(tc, gfn_limit);
	tcase_add_test(tc, range_forms);
	tcase_add_test(tc, range_rejects);
	tcase_add_test(tc, names);
	tcase_add_test(tc, perr_strings);
	suite_add_tcase(s, tc);
	tc = tcase_create("bulk");
	tcase_add_test(tc, bulk_access_ok);
	tcase_add_test(tc, bulk_sve_and_empty);
	tcase_add_test(tc, bulk_errors_name_the_line);
	tcase_add_test(tc, bulk_too_many);
	tcase_add_test(tc, bulk_nul_byte);
	tcase_add_test(tc, bulk_long_error_truncates);
	suite_add_tcase(s, tc);
	return s;
}
UNIT_SUITE(cli_parse_suite)
