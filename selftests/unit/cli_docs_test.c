// SPDX-License-Identifier: GPL-2.0
/*
 * The man page (cli/altp2mctl.8) and the bash completion
 * (cli/altp2mctl.bash-completion) are written by hand; these tests walk
 * the command table of cli/args.c and fail when either leaves out a
 * command, a subcommand or an option (review finding 31). The files are
 * read from the source tree next to this binary (selftests/unit/), so
 * the tests do not depend on the directory they are run from.
 */
#define _GNU_SOURCE	/* memmem */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../cli/cli.h"
#include "unit.h"

/* A file of the source tree, relative to its top, in one string. */
static char *slurp(const char *rel)
{
	char path[PATH_MAX], *slash, *buf = NULL;
	size_t len = 0;
	ssize_t n;
	FILE *in, *out;
	int c;

	n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	ck_assert_int_gt(n, 0);
	path[n] = '\0';
	slash = strrchr(path, '/');
	ck_assert_ptr_nonnull(slash);
	snprintf(slash + 1, sizeof(path) - (slash + 1 - path), "../../%s", rel);
	in = fopen(path, "r");
	ck_assert_msg(in, "cannot open %s", path);
	out = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(out);
	while ((c = fgetc(in)) != EOF)
		fputc(c, out);
	fclose(in);
	fclose(out);
	return buf;
}

static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* Whether a word may start at p: after a blank, or a troff "\fB". */
static bool word_starts(const char *from, const char *p)
{
	if (p == from || !word_char(p[-1]))
		return true;
	return p - from >= 3 && p[-3] == '\\' && p[-2] == 'f';
}

/* w as a whole word (letters, digits, '-', '_') in [from, to). */
static bool has_word(const char *from, const char *to, const char *w)
{
	size_t n = strlen(w);
	const char *p;

	for (p = from; p + n <= to; p++) {
		if (strncmp(p, w, n))
			continue;
		if (word_starts(from, p) && (p + n == to || !word_char(p[n])))
			return true;
	}
	return false;
}

/* The end of the line p is on (its '\n', or the end of the string). */
static const char *eol(const char *p)
{
	const char *e = strchr(p, '\n');

	return e ? e : p + strlen(p);
}

/*
 * The man page writes '-' as "\-". A long option must appear as
 * "\-\-name" (with every '-' of the name escaped too); a short one as
 * "\-x" that is not the tail of a longer word or of "\-\-".
 */
static bool man_has_long(const char *from, const char *to, const char *name)
{
	char want[64], *q = want;
	const char *p;
	size_t n;

	q += snprintf(want, sizeof(want), "\\-\\-");
	for (p = name; *p && q < want + sizeof(want) - 3; p++) {
		if (*p == '-')
			*q++ = '\\';
		*q++ = *p;
	}
	*q = '\0';
	n = strlen(want);
	for (p = from; p + n <= to; p++)
		if (!strncmp(p, want, n) && (p + n == to || !word_char(p[n])))
			return true;
	return false;
}

static bool man_has_short(const char *from, const char *to, char c)
{
	const char *p;

	for (p = from; p + 3 <= to; p++) {
		if (p[0] != '\\' || p[1] != '-' || p[2] != c)
			continue;
		if (p >= from + 1 && p[-1] == '-')
			continue;	/* the "-" of "\-\-name" */
		if (p + 3 == to || !word_char(p[3]))
			return true;
	}
	return false;
}

/* The line after the line p is on. */
static const char *next_line(const char *p)
{
	p = eol(p);
	return *p ? p + 1 : p;
}

/*
 * A command's entry in the man page: a line starting with a font macro
 * (.B, .BI, .BR) whose text starts with the command's words, such as
 * `.BI "vm enable " VM ...` or `.B monitor \fR[...`. Its region runs to
 * the next .SS or .SH: the options must be described there.
 */
static const char *man_entry(const char *man, const char *words,
			     const char **region_end)
{
	const char *p, *t, *e;
	size_t n = strlen(words);

	for (p = man; *p; p = next_line(p)) {
		if (strncmp(p, ".B", 2))
			continue;
		t = p + 2;
		while (*t && *t != ' ' && *t != '\n')
			t++;	/* the rest of the macro's name */
		while (*t == ' ' || *t == '"')
			t++;
		if (strncmp(t, words, n) || word_char(t[n]))
			continue;
		for (e = next_line(p); *e; e = next_line(e))
			if (!strncmp(e, ".SS", 3) || !strncmp(e, ".SH", 3))
				break;
		*region_end = e;
		return p;
	}
	return NULL;
}

/* The section that starts with the line ".SH name", to the next .SH. */
static const char *man_section(const char *man, const char *name,
			       const char **end)
{
	char head[64];
	const char *p, *e;

	snprintf(head, sizeof(head), "\n.SH %s\n", name);
	p = strstr(man, head);
	ck_assert_msg(p, "no section %s", name);
	p++;
	e = strstr(p + 1, "\n.SH ");
	*end = e ? e : p + strlen(p);
	return p;
}

static void words_of(unsigned int i, char *buf, size_t len)
{
	const char *group, *sub;

	cli_cmd_words(i, &group, &sub);
	snprintf(buf, len, "%s%s%s", group, sub ? " " : "", sub ? sub : "");
}

START_TEST(man_page_has_every_command_and_option)
{
	char *man = slurp("cli/altp2mctl.8");
	const char *entry, *end, *sec, *sec_end, *cmds;
	struct cli_opt_doc od;
	char words[32];
	unsigned int i, j;

	/* Entries in COMMANDS only: DESCRIPTION names commands too. */
	cmds = man_section(man, "COMMANDS", &end);
	for (i = 0; i < cli_ncmds(); i++) {
		words_of(i, words, sizeof(words));
		entry = man_entry(cmds, words, &end);
		ck_assert_msg(entry, "altp2mctl.8: no entry for '%s'", words);
		for (j = 0; j < cli_nopts(i); j++) {
			cli_opt(i, j, &od);
			ck_assert_msg(man_has_long(entry, end, od.name),
				      "altp2mctl.8: '%s' lacks --%s", words,
				      od.name);
			ck_assert_msg(!od.short_name ||
				      man_has_short(entry, end, od.short_name),
				      "altp2mctl.8: '%s' lacks -%c", words,
				      od.short_name);
			ck_assert_msg(!od.keyword ||
				      has_word(entry, eol(entry), od.name),
				      "altp2mctl.8: '%s' heading lacks '%s'",
				      words, od.name);
			if (!od.before_cmd)
				continue;
			sec = man_section(man, "OPTIONS", &sec_end);
			ck_assert_msg(man_has_long(sec, sec_end, od.name) &&
				      man_has_short(sec, sec_end, od.short_name),
				      "altp2mctl.8 OPTIONS: no -%c/--%s",
				      od.short_name, od.name);
		}
	}
	ck_assert_msg(man_entry(cmds, "help", &end), "altp2mctl.8: no help");
	sec = man_section(man, "OPTIONS", &sec_end);
	for (j = 0; j < cli_nopts(-1); j++) {
		cli_opt(-1, j, &od);
		ck_assert_msg(man_has_long(sec, sec_end, od.name),
			      "altp2mctl.8 OPTIONS: no --%s", od.name);
		ck_assert_msg(man_has_short(sec, sec_end, od.short_name),
			      "altp2mctl.8 OPTIONS: no -%c", od.short_name);
	}
	free(man);
}
END_TEST

/* The body of the shell function name, from "name()" to a "}" line. */
static const char *sh_function(const char *sh, const char *name,
			       const char **end)
{
	char head[64];
	const char *p, *e;

	snprintf(head, sizeof(head), "\n%s()\n", name);
	p = strstr(sh, head);
	ck_assert_msg(p, "completion: no function %s", name);
	e = strstr(p, "\n}\n");
	ck_assert_ptr_nonnull(e);
	*end = e;
	return p + strlen(head);
}

/*
 * In [from, to), the line of a `case` whose patterns (before its ')')
 * name the command: "group sub" in quotes, or a lone group as a word.
 * Returns its start, or NULL.
 */
static const char *case_line(const char *from, const char *to,
			     unsigned int i)
{
	const char *group, *sub, *p, *paren;
	char pat[40];

	cli_cmd_words(i, &group, &sub);
	if (sub)
		snprintf(pat, sizeof(pat), "\"%s %s\"", group, sub);
	for (p = from; p < to; p = next_line(p)) {
		paren = memchr(p, ')', eol(p) - p);
		if (!paren)
			continue;
		if (sub ? !!memmem(p, paren - p, pat, strlen(pat)) :
		    has_word(p, paren, group))
			return p;
	}
	return NULL;
}

/* The line "vm) w='list show enable disable' ;;" that lists group's. */
static const char *subs_line(const char *sh, const char *group)
{
	const char *p, *w;

	for (p = strstr(sh, ") w='"); p; p = strstr(p + 1, ") w='")) {
		for (w = p; w > sh && w[-1] != '\n'; w--)
			;
		if (has_word(w, p, group))
			return w;
	}
	return NULL;
}

/* "-x" or "--name" as a word of [from, to). */
static bool sh_has_opt(const char *from, const char *to,
		       const struct cli_opt_doc *od, bool is_short)
{
	char w[40];

	if (is_short)
		snprintf(w, sizeof(w), "-%c", od->short_name);
	else
		snprintf(w, sizeof(w), "--%s", od->name);
	return has_word(from, to, w);
}

START_TEST(completion_has_every_command_and_option)
{
	char *sh = slurp("cli/altp2mctl.bash-completion");
	const char *cmds, *cmds_end, *fn, *fn_end, *kw, *kw_end, *line;
	const char *group, *sub, *glob;
	struct cli_opt_doc od;
	unsigned int i, j;

	/* cmds='caps version ...', maybe over two lines */
	cmds = strstr(sh, "local cmds='");
	ck_assert_ptr_nonnull(cmds);
	cmds_end = strchr(cmds + strlen("local cmds='"), '\'');
	ck_assert_ptr_nonnull(cmds_end);
	fn = sh_function(sh, "_altp2mctl_opts", &fn_end);
	kw = sh_function(sh, "_altp2mctl_keywords", &kw_end);

	for (i = 0; i < cli_ncmds(); i++) {
		cli_cmd_words(i, &group, &sub);
		ck_assert_msg(has_word(cmds, cmds_end, group),
			      "completion: '%s' not in cmds", group);
		if (sub) {
			line = subs_line(sh, group);
			ck_assert_msg(line, "completion: no subcommands of %s",
				      group);
			ck_assert_msg(has_word(line, eol(line), sub),
				      "completion: no '%s %s'", group, sub);
		}
		if (!cli_nopts(i))
			continue;
		line = case_line(fn, fn_end, i);
		ck_assert_msg(line, "completion: no options for '%s%s%s'",
			      group, sub ? " " : "", sub ? sub : "");
		for (j = 0; j < cli_nopts(i); j++) {
			cli_opt(i, j, &od);
			ck_assert_msg(sh_has_opt(line, eol(line), &od, false),
				      "completion: '%s %s' lacks --%s", group,
				      sub ? sub : "", od.name);
			ck_assert_msg(!od.short_name ||
				      sh_has_opt(line, eol(line), &od, true),
				      "completion: '%s %s' lacks -%c", group,
				      sub ? sub : "", od.short_name);
			if (od.keyword) {
				line = case_line(kw, kw_end, i);
				ck_assert_msg(line && has_word(line, eol(line),
							       od.name),
					      "completion: keyword '%s' of %s",
					      od.name, group);
				line = case_line(fn, fn_end, i);
			}
		}
	}
	ck_assert_msg(has_word(cmds, cmds_end, "help"),
		      "completion: 'help' not in cmds");

	/* Global options: before the command, and after it. */
	glob = strstr(sh, "compgen -W '-j");
	ck_assert_ptr_nonnull(glob);
	for (i = 0; i < cli_ncmds(); i++) {
		for (j = 0; j < cli_nopts(i); j++) {
			cli_opt(i, j, &od);
			ck_assert_msg(!od.before_cmd ||
				      (sh_has_opt(glob, eol(glob), &od, false) &&
				       sh_has_opt(glob, eol(glob), &od, true)),
				      "completion: --%s/-%c before the command",
				      od.name, od.short_name);
		}
	}
	for (j = 0; j < cli_nopts(-1); j++) {
		cli_opt(-1, j, &od);
		ck_assert_msg(sh_has_opt(glob, eol(glob), &od, false) &&
			      sh_has_opt(glob, eol(glob), &od, true),
			      "completion: --%s/-%c before the command",
			      od.name, od.short_name);
		ck_assert_msg(sh_has_opt(fn, fn_end, &od, false) &&
			      sh_has_opt(fn, fn_end, &od, true),
			      "completion: --%s/-%c after the command",
			      od.name, od.short_name);
	}
	free(sh);
}
END_TEST

/*
 * Options that take a value: the completion must step over the value
 * when it counts arguments, or `switch 3 --vcpu 0 <TAB>` would offer a
 * view for the wrong position.
 */
START_TEST(completion_skips_option_values)
{
	char *sh = slurp("cli/altp2mctl.bash-completion");
	const char *skip, *skip_end;
	struct cli_opt_doc od;
	unsigned int j;
	int cmd;

	skip = strstr(sh, "# Which argument is being typed");
	ck_assert_ptr_nonnull(skip);
	skip_end = strstr(skip, "i=$((i + 2)); continue ;;");
	ck_assert_ptr_nonnull(skip_end);
	for (cmd = -1; cmd < (int)cli_ncmds(); cmd++) {
		for (j = 0; j < cli_nopts(cmd); j++) {
			cli_opt(cmd, j, &od);
			if (!od.has_arg)
				continue;
			ck_assert_msg(sh_has_opt(skip, skip_end, &od, false),
				      "completion: argument count does not skip --%s's value",
				      od.name);
			ck_assert_msg(!od.short_name ||
				      sh_has_opt(skip, skip_end, &od, true),
				      "completion: argument count does not skip -%c's value",
				      od.short_name);
		}
	}
	free(sh);
}
END_TEST

/* A command's letters must not shadow the global ones (-j, -d, -h). */
START_TEST(no_option_shadows_a_global)
{
	struct cli_opt_doc od, g;
	unsigned int i, j, k;

	for (i = 0; i < cli_ncmds(); i++) {
		for (j = 0; j < cli_nopts(i); j++) {
			cli_opt(i, j, &od);
			for (k = 0; k < cli_nopts(-1); k++) {
				cli_opt(-1, k, &g);
				ck_assert_str_ne(od.name, g.name);
				ck_assert_int_ne(od.short_name, g.short_name);
			}
		}
	}
}
END_TEST

static Suite *cli_docs_suite(void)
{
	Suite *s = suite_create("cli-docs");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, man_page_has_every_command_and_option);
	tcase_add_test(tc, completion_has_every_command_and_option);
	tcase_add_test(tc, completion_skips_option_values);
	tcase_add_test(tc, no_option_shadows_a_global);
	suite_add_tcase(s, tc);
	return s;
}
UNIT_SUITE(cli_docs_suite)
