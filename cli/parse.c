// SPDX-License-Identifier: GPL-2.0
/*
 * altp2mctl: strings from the command line and --file into values. Pure
 * functions; strtoull is not used because it takes leading blanks, a
 * sign (wrapping "-1" to 2^64 - 1) and octal, none of which belongs in
 * a gfn.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

static const char *const perr_str[] = {
	[CLI_PERR_OK]		= "success",
	[CLI_PERR_EMPTY]	= "empty",
	[CLI_PERR_SYNTAX]	= "not a number",
	[CLI_PERR_TRAILING]	= "trailing characters after the number",
	[CLI_PERR_OVERFLOW]	= "too large",
	[CLI_PERR_GFN_LIMIT]	=
		"above the largest gfn (0xfffffffffffff): an address, not a frame number?",
	[CLI_PERR_REVERSED]	= "range ends before it starts",
	[CLI_PERR_TOO_BIG]	= "too many gfns",
	[CLI_PERR_ACCESS]	= "not an access (n r w rw x rx wx rwx rx2rw n2rwx default)",
	[CLI_PERR_ONOFF]	= "neither on nor off",
	[CLI_PERR_MODE]		= "not a mode (external mixed limited)",
	[CLI_PERR_FIELDS]	= "want two fields, GFN[-GFN] and a value",
	[CLI_PERR_NOMEM]	= "out of memory",
	[CLI_PERR_IO]		= "read error",
	[CLI_PERR_RANGE]	= "out of range",
	[CLI_PERR_EVENT]	= "not an event (see --help for LIST)",
	[CLI_PERR_ARGSPEC]	= "not an ARGSPEC (x u d s *s, comma-separated)",
};

const char *cli_perr_str(int err)
{
	unsigned int i = err < 0 ? -err : err;

	if (i < ARRAY_SIZE(perr_str) && perr_str[i])
		return perr_str[i];
	return "invalid";
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Decimal, or hex after 0x/0X. Leading zeros are decimal, not octal:
 * people pad gfns, and 010 meaning 8 would surprise them.
 */
int cli_parse_u64(const char *s, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;
	const char *p = s;
	int d;

	if (!s || !*s)
		return -CLI_PERR_EMPTY;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	d = hexval(*p);
	if (d < 0 || (unsigned int)d >= base)
		return -CLI_PERR_SYNTAX;
	for (; d >= 0 && (unsigned int)d < base; d = hexval(*++p)) {
		if (v > (UINT64_MAX - d) / base)
			return -CLI_PERR_OVERFLOW;
		v = v * base + d;
	}
	if (*p)
		return -CLI_PERR_TRAILING;
	*out = v;
	return 0;
}

int cli_parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;
	int ret = cli_parse_u64(s, &v);

	if (ret)
		return ret;
	if (v > UINT32_MAX)
		return -CLI_PERR_OVERFLOW;
	*out = v;
	return 0;
}

int cli_parse_u32_range(const char *s, uint32_t min, uint32_t max,
			uint32_t *out)
{
	uint32_t v;
	int ret = cli_parse_u32(s, &v);

	if (ret)
		return ret;
	if (v < min || v > max)
		return -CLI_PERR_RANGE;
	*out = v;
	return 0;
}

int cli_parse_gfn(const char *s, uint64_t *gfn)
{
	uint64_t v;
	int ret = cli_parse_u64(s, &v);

	if (ret)
		return ret;
	if (v > CLI_GFN_MAX)
		return -CLI_PERR_GFN_LIMIT;
	*gfn = v;
	return 0;
}

int cli_parse_gfn_range(const char *s, uint64_t max_pages, uint64_t *gfn,
			uint64_t *npages)
{
	const char *dash = s ? strchr(s, '-') : NULL;
	uint64_t first, last;
	char buf[64];
	size_t len;
	int ret;

	if (!dash) {
		ret = cli_parse_gfn(s, &first);
		if (ret)
			return ret;
		*gfn = first;
		*npages = 1;
		return 0;
	}
	/* The first half is at most "0x" and 64 hex digits when valid. */
	len = dash - s;
	if (len >= sizeof(buf))
		return -CLI_PERR_OVERFLOW;
	memcpy(buf, s, len);
	buf[len] = '\0';
	ret = cli_parse_gfn(buf, &first);
	if (!ret)
		ret = cli_parse_gfn(dash + 1, &last);
	if (ret)
		return ret;
	if (last < first)
		return -CLI_PERR_REVERSED;
	/* Cannot overflow: both are at most CLI_GFN_MAX. */
	if (max_pages && last - first + 1 > max_pages)
		return -CLI_PERR_TOO_BIG;
	*gfn = first;
	*npages = last - first + 1;
	return 0;
}

int cli_parse_access(const char *s, unsigned int *access)
{
	if (!s || !*s)
		return -CLI_PERR_EMPTY;
	return altp2m_access_parse(s, access) ? -CLI_PERR_ACCESS : 0;
}

int cli_parse_onoff(const char *s, bool *on)
{
	if (!s || !*s)
		return -CLI_PERR_EMPTY;
	/* Any case, as the library takes access and mode names. */
	if (!strcasecmp(s, "on"))
		*on = true;
	else if (!strcasecmp(s, "off"))
		*on = false;
	else
		return -CLI_PERR_ONOFF;
	return 0;
}

int cli_parse_mode(const char *s, unsigned int *mode)
{
	if (!s || !*s)
		return -CLI_PERR_EMPTY;
	return altp2m_mode_parse(s, mode) ? -CLI_PERR_MODE : 0;
}

int cli_parse_seconds_ms(const char *s, int *ms)
{
	uint64_t v;
	int ret = cli_parse_u64(s, &v);

	if (ret)
		return ret;
	if (v > INT_MAX / 1000)
		return -CLI_PERR_OVERFLOW;
	*ms = v * 1000;
	return 0;
}

void cli_bulk_free(struct cli_bulk *b)
{
	free(b->gfns);
	free(b->vals);
	memset(b, 0, sizeof(*b));
}

static int bulk_reserve(struct cli_bulk *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;
	uint64_t *g;
	uint8_t *v;

	if (b->n + n <= b->cap)
		return 0;
	while (cap < b->n + n)
		cap *= 2;
	g = realloc(b->gfns, cap * sizeof(*g));
	if (!g)
		return -CLI_PERR_NOMEM;
	b->gfns = g;
	v = realloc(b->vals, cap);
	if (!v)
		return -CLI_PERR_NOMEM;
	b->vals = v;
	b->cap = cap;
	return 0;
}

static void bulk_err(char *errbuf, size_t errlen, const char *name,
		     unsigned long line, const char *fmt, ...)
	__printf(5, 6);

static void bulk_err(char *errbuf, size_t errlen, const char *name,
		     unsigned long line, const char *fmt, ...)
{
	int n = snprintf(errbuf, errlen, "%s:%lu: ", name, line);
	va_list ap;

	if (n < 0 || (size_t)n >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf + n, errlen - n, fmt, ap);
	va_end(ap);
}

/* Splits a line into at most 3 blank-separated fields, ending at '#'. */
static int split_fields(char *line, char **field)
{
	char *hash = strchr(line, '#');
	char *p = line;
	int n = 0;

	if (hash)
		*hash = '\0';
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || n == 3)
			return n;
		field[n++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
}

static int bulk_value(enum cli_bulk_kind kind, const char *s, uint8_t *val)
{
	unsigned int access;
	bool on;
	int ret;

	if (kind == CLI_BULK_ACCESS) {
		ret = cli_parse_access(s, &access);
		if (!ret)
			*val = access;
	} else {
		ret = cli_parse_onoff(s, &on);
		if (!ret)
			*val = on;
	}
	return ret;
}

int cli_bulk_parse(FILE *f, const char *name, enum cli_bulk_kind kind,
		   size_t max, struct cli_bulk *b, char *errbuf, size_t errlen)
{
	unsigned long lineno = 0;
	uint64_t gfn, npages, i;
	char *line = NULL;
	size_t linecap = 0;
	char *field[3];
	ssize_t len;
	uint8_t val;
	int ret = 0;

	memset(b, 0, sizeof(*b));
	while ((len = getline(&line, &linecap, f)) >= 0) {
		lineno++;
		if (strlen(line) != (size_t)len) {
			bulk_err(errbuf, errlen, name, lineno, "NUL byte in line");
			ret = -CLI_PERR_SYNTAX;
			break;
		}
		ret = split_fields(line, field);
		if (ret == 0)
			continue;
		if (ret != 2) {
			bulk_err(errbuf, errlen, name, lineno, "%s",
				 cli_perr_str(CLI_PERR_FIELDS));
			ret = -CLI_PERR_FIELDS;
			break;
		}
		ret = cli_parse_gfn_range(field[0], 0, &gfn, &npages);
		if (ret) {
			bulk_err(errbuf, errlen, name, lineno, "gfn '%s': %s",
				 field[0], cli_perr_str(ret));
			break;
		}
		ret = bulk_value(kind, field[1], &val);
		if (ret) {
			bulk_err(errbuf, errlen, name, lineno, "'%s': %s",
				 field[1], cli_perr_str(ret));
			break;
		}
		if (npages > max - b->n) {
			bulk_err(errbuf, errlen, name, lineno,
				 "more than %zu gfns in all", max);
			ret = -CLI_PERR_TOO_BIG;
			break;
		}
		ret = bulk_reserve(b, npages);
		if (ret) {
			bulk_err(errbuf, errlen, name, lineno, "%s",
				 cli_perr_str(ret));
			break;
		}
		for (i = 0; i < npages; i++) {
			b->gfns[b->n] = gfn + i;
			b->vals[b->n++] = val;
		}
	}
	if (!ret && ferror(f)) {
		snprintf(errbuf, errlen, "%s: %s", name, strerror(errno));
		ret = -CLI_PERR_IO;
	}
	free(line);
	if (ret)
		cli_bulk_free(b);
	return ret;
}

/* One word of an --events list into @ev. */
static int parse_event_word(const char *w, size_t len, struct cli_events *ev)
{
	char word[32];
	uint32_t type, msr;
	unsigned int i;
	int ret;

	if (!len)
		return -CLI_PERR_EMPTY;
	if (len >= sizeof(word))
		return -CLI_PERR_EVENT;
	memcpy(word, w, len);
	word[len] = '\0';
	if (!strcmp(word, "cr0") || !strcmp(word, "cr3") ||
	    !strcmp(word, "cr4")) {
		ev->types |= 1u << ALTP2M_MON_EV_CR;
		ev->crs |= 1u << (word[2] - '0');
		return 0;
	}
	if (!strncmp(word, "msr:", 4)) {
		ret = cli_parse_u32(word + 4, &msr);
		if (ret)
			return ret;
		for (i = 0; i < ev->nmsrs; i++)
			if (ev->msrs[i] == msr)
				return 0;
		if (ev->nmsrs == ALTP2M_MONITOR_MAX_MSRS)
			return -CLI_PERR_TOO_BIG;
		ev->msrs[ev->nmsrs++] = msr;
		ev->types |= 1u << ALTP2M_MON_EV_MSR;
		return 0;
	}
	/* "cr" and "msr" alone would not say which register. */
	if (altp2m_mon_event_parse(word, &type) || type == ALTP2M_MON_EV_CR ||
	    type == ALTP2M_MON_EV_MSR)
		return -CLI_PERR_EVENT;
	ev->types |= 1u << type;
	return 0;
}

int cli_parse_events(const char *s, struct cli_events *ev)
{
	const char *comma;
	int ret;

	memset(ev, 0, sizeof(*ev));
	if (!*s)
		return -CLI_PERR_EMPTY;
	for (;;) {
		comma = strchr(s, ',');
		ret = parse_event_word(s, comma ? (size_t)(comma - s) :
				       strlen(s), ev);
		if (ret) {
			memset(ev, 0, sizeof(*ev));
			return ret;
		}
		if (!comma)
			return 0;
		s = comma + 1;
	}
}
