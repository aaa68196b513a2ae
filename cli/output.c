// SPDX-License-Identifier: GPL-2.0
/*
 * altp2mctl output: a streaming JSON writer, a text table, and records
 * that render through either, so one description of a command's fields
 * gives both its JSON keys and its columns. Pure: writes to a FILE *.
 *
 * JSON is compact (no blanks) and each command writes one value ended by
 * a newline, which keeps it greppable and one value per line for
 * `monitor`.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_out_init(struct cli_out *o, FILE *f, bool json)
{
	memset(o, 0, sizeof(*o));
	o->f = f;
	o->json = json;
}

/*
 * Writes the separator and key that come before any value. Levels below
 * CLI_JSON_MAX_DEPTH, deeper than any command nests, are not tracked.
 */
static void json_prefix(struct cli_out *o, const char *key)
{
	bool *comma = NULL;

	if (o->depth && o->depth <= CLI_JSON_MAX_DEPTH)
		comma = &o->comma[o->depth - 1];
	if (comma && *comma)
		fputc(',', o->f);
	if (comma)
		*comma = true;
	if (key) {
		cli_json_escape(o->f, key);
		fputc(':', o->f);
	}
}

/* A value at the top level is the whole document: end its line. */
static void json_done(struct cli_out *o)
{
	if (!o->depth)
		fputc('\n', o->f);
}

static void json_open(struct cli_out *o, const char *key, char c)
{
	json_prefix(o, key);
	fputc(c, o->f);
	if (o->depth < CLI_JSON_MAX_DEPTH)
		o->comma[o->depth] = false;
	o->depth++;
}

static void json_close(struct cli_out *o, char c)
{
	fputc(c, o->f);
	if (o->depth)
		o->depth--;
	json_done(o);
}

void cli_json_obj_begin(struct cli_out *o, const char *key)
{
	json_open(o, key, '{');
}

void cli_json_obj_end(struct cli_out *o)
{
	json_close(o, '}');
}

void cli_json_arr_begin(struct cli_out *o, const char *key)
{
	json_open(o, key, '[');
}

void cli_json_arr_end(struct cli_out *o)
{
	json_close(o, ']');
}

void cli_json_u64(struct cli_out *o, const char *key, uint64_t v)
{
	json_prefix(o, key);
	fprintf(o->f, "%" PRIu64, v);
	json_done(o);
}

void cli_json_number(struct cli_out *o, const char *key, const char *num)
{
	json_prefix(o, key);
	fputs(num, o->f);
	json_done(o);
}

void cli_json_str(struct cli_out *o, const char *key, const char *s)
{
	json_prefix(o, key);
	if (s)
		cli_json_escape(o->f, s);
	else
		fputs("null", o->f);
	json_done(o);
}

void cli_json_bool(struct cli_out *o, const char *key, bool v)
{
	json_prefix(o, key);
	fputs(v ? "true" : "false", o->f);
	json_done(o);
}

void cli_json_null(struct cli_out *o, const char *key)
{
	cli_json_str(o, key, NULL);
}

/*
 * Length of the valid UTF-8 sequence at s, 0 if there is none: overlong
 * forms, surrogates and code points above U+10FFFF are invalid.
 */
static size_t utf8_len(const unsigned char *s)
{
	unsigned int cp, n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/*
 * A JSON string. Strings here come from the kernel and the library, not
 * always ASCII: bytes that are not UTF-8 become U+FFFD so that the
 * document stays valid JSON whatever they hold.
 */
void cli_json_escape(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	fputc('"', f);
	while (*s) {
		switch (*s) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*s < 0x20) {
				fprintf(f, "\\u%04x", *s);
				break;
			}
			n = utf8_len(s);
			if (!n) {
				fputs("\\ufffd", f);
				break;
			}
			fwrite(s, 1, n, f);
			s += n - 1;
		}
		s++;
	}
	fputc('"', f);
}

/*
 * 4 KiB pages are 1/256 MiB, and 1/256 = 0.00390625 exactly: the
 * fraction needs at most eight decimals, computed in integers so that the
 * text is exact and identical in JSON and tables.
 */
void cli_fmt_mib(char *buf, size_t len, uint64_t pages)
{
	unsigned long frac = (pages & 0xff) * 390625UL;
	int digits = 8;

	if (!frac) {
		snprintf(buf, len, "%" PRIu64, pages >> 8);
		return;
	}
	while (!(frac % 10)) {
		frac /= 10;
		digits--;
	}
	snprintf(buf, len, "%" PRIu64 ".%0*lu", pages >> 8, digits, frac);
}

void cli_table_init(struct cli_table *t, unsigned int ncols)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
}

int cli_table_add(struct cli_table *t, const char *const *cells)
{
	unsigned int i;
	char **p;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;

		p = realloc(t->cells, cap * t->ncols * sizeof(*p));
		if (!p)
			return -ENOMEM;
		t->cells = p;
		t->cap = cap;
	}
	p = t->cells + t->nrows * t->ncols;
	for (i = 0; i < t->ncols; i++) {
		p[i] = strdup(cells[i] ? cells[i] : "");
		if (!p[i]) {
			while (i--)
				free(p[i]);
			return -ENOMEM;
		}
	}
	t->nrows++;
	return 0;
}

/*
 * Blanks are held back until text follows them, so that no line ends in
 * blanks, whatever the alignment of an empty last cell.
 */
static void table_line(FILE *f, const char *const *cells, unsigned int ncols,
		       const size_t *width, const bool *right)
{
	size_t pending = 0, len;
	unsigned int i;

	for (i = 0; i < ncols; i++) {
		len = strlen(cells[i]);
		if (i)
			pending += 2;
		if (right && right[i])
			pending += width[i] - len;
		if (len) {
			fprintf(f, "%*s%s", (int)pending, "", cells[i]);
			pending = 0;
		}
		if (!right || !right[i])
			pending += width[i] - len;
	}
	fputc('\n', f);
}

void cli_table_print(const struct cli_table *t, FILE *f,
		     const char *const *headers, const bool *right)
{
	size_t width[t->ncols ? t->ncols : 1];
	unsigned int i;
	size_t r, len;

	for (i = 0; i < t->ncols; i++) {
		width[i] = headers ? strlen(headers[i]) : 0;
		for (r = 0; r < t->nrows; r++) {
			len = strlen(t->cells[r * t->ncols + i]);
			if (len > width[i])
				width[i] = len;
		}
	}
	if (headers)
		table_line(f, headers, t->ncols, width, right);
	for (r = 0; r < t->nrows; r++)
		table_line(f, (const char *const *)t->cells + r * t->ncols,
			   t->ncols, width, right);
}

void cli_table_free(struct cli_table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = 0;
	t->cap = 0;
}

/* Room for any value's text: a u64, a 0x gfn, a MiB figure. */
#define VAL_BUF 32

static const char *val_text(const struct cli_field *f,
			    const struct cli_val *v, char *buf)
{
	switch (v->type) {
	case CLI_V_U64:
		snprintf(buf, VAL_BUF, "%" PRIu64, v->u);
		return buf;
	case CLI_V_GFN:
		snprintf(buf, VAL_BUF, "0x%" PRIx64, v->u);
		return buf;
	case CLI_V_STR:
		return v->s ? v->s : "-";
	case CLI_V_BOOL:
		if (v->b)
			return f->yes ? f->yes : "yes";
		return f->no ? f->no : "no";
	case CLI_V_MIB:
		cli_fmt_mib(buf, VAL_BUF, v->u);
		return buf;
	case CLI_V_NULL:
	default:
		return "-";
	}
}

static void val_json(struct cli_out *o, const char *key,
		     const struct cli_val *v)
{
	char buf[VAL_BUF];

	switch (v->type) {
	case CLI_V_U64:
	case CLI_V_GFN:
		cli_json_u64(o, key, v->u);
		break;
	case CLI_V_STR:
		cli_json_str(o, key, v->s);
		break;
	case CLI_V_BOOL:
		cli_json_bool(o, key, v->b);
		break;
	case CLI_V_MIB:
		cli_fmt_mib(buf, sizeof(buf), v->u);
		cli_json_number(o, key, buf);
		break;
	case CLI_V_NULL:
	default:
		cli_json_null(o, key);
	}
}

static void record_json(struct cli_out *o, const struct cli_field *fields,
			unsigned int nfields, const struct cli_val *vals)
{
	unsigned int i;

	cli_json_obj_begin(o, NULL);
	for (i = 0; i < nfields; i++)
		if (fields[i].key)
			val_json(o, fields[i].key, &vals[i]);
	cli_json_obj_end(o);
}

/* The fields a table shows, in order; returns how many. */
static unsigned int text_fields(const struct cli_field *fields,
				unsigned int nfields, unsigned int *idx)
{
	unsigned int i, n = 0;

	for (i = 0; i < nfields; i++)
		if (fields[i].label)
			idx[n++] = i;
	return n;
}

void cli_list_begin(struct cli_list *l, struct cli_out *o,
		    const struct cli_field *fields, unsigned int nfields)
{
	unsigned int idx[nfields ? nfields : 1];

	l->out = o;
	l->fields = fields;
	l->nfields = nfields;
	cli_table_init(&l->table, text_fields(fields, nfields, idx));
	if (o->json)
		cli_json_arr_begin(o, NULL);
}

int cli_list_row(struct cli_list *l, const struct cli_val *vals)
{
	unsigned int idx[l->nfields ? l->nfields : 1];
	char bufs[l->nfields ? l->nfields : 1][VAL_BUF];
	const char *cells[l->nfields ? l->nfields : 1];
	unsigned int i, n;

	if (l->out->json) {
		record_json(l->out, l->fields, l->nfields, vals);
		return 0;
	}
	n = text_fields(l->fields, l->nfields, idx);
	for (i = 0; i < n; i++)
		cells[i] = val_text(&l->fields[idx[i]], &vals[idx[i]], bufs[i]);
	return cli_table_add(&l->table, cells);
}

void cli_list_end(struct cli_list *l)
{
	unsigned int idx[l->nfields ? l->nfields : 1];
	const char *headers[l->nfields ? l->nfields : 1];
	bool right[l->nfields ? l->nfields : 1];
	unsigned int i, n;

	if (l->out->json) {
		cli_json_arr_end(l->out);
	} else {
		n = text_fields(l->fields, l->nfields, idx);
		for (i = 0; i < n; i++) {
			headers[i] = l->fields[idx[i]].label;
			right[i] = l->fields[idx[i]].right;
		}
		cli_table_print(&l->table, l->out->f, headers, right);
	}
	cli_table_free(&l->table);
}

int cli_show(struct cli_out *o, const struct cli_field *fields,
	     unsigned int nfields, const struct cli_val *vals)
{
	unsigned int idx[nfields ? nfields : 1];
	char buf[VAL_BUF];
	const char *cells[2];
	struct cli_table t;
	unsigned int i, n;
	int ret = 0;

	if (o->json) {
		record_json(o, fields, nfields, vals);
		return 0;
	}
	/* A label column and a value column, values left-aligned. */
	cli_table_init(&t, 2);
	n = text_fields(fields, nfields, idx);
	for (i = 0; i < n && !ret; i++) {
		cells[0] = fields[idx[i]].label;
		cells[1] = val_text(&fields[idx[i]], &vals[idx[i]], buf);
		ret = cli_table_add(&t, cells);
	}
	if (!ret)
		cli_table_print(&t, o->f, NULL, NULL);
	cli_table_free(&t);
	return ret;
}

int cli_fmt_time(char *buf, size_t len, const struct timespec *ts)
{
	char date[32], zone[8];
	struct tm tm;

	/* %z is "+0100"; RFC 3339 wants "+01:00". */
	if (!localtime_r(&ts->tv_sec, &tm) ||
	    !strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) ||
	    strftime(zone, sizeof(zone), "%z", &tm) != 5)
		return -EINVAL;
	if ((size_t)snprintf(buf, len, "%s.%06ld%.3s:%s", date,
			     ts->tv_nsec / 1000, zone, zone + 3) >= len)
		return -ENOSPC;
	return 0;
}

static bool event_has_view(uint32_t type)
{
	return type == ALTP2M_CMD_VIEW_CREATED ||
	       type == ALTP2M_CMD_VIEW_DESTROYED;
}

/*
 * "[TIME ]NAME vm N[ view V][ max-views N mode M]", or the same as one
 * JSON object a line; the time comes first so that sort and awk see it.
 */
void cli_event_print(struct cli_out *o, const struct altp2m_event *ev,
		     const struct timespec *ts)
{
	const char *name = altp2m_event_name(ev->type);
	bool enabled = ev->type == ALTP2M_CMD_VIEWS_ENABLED;
	char unknown[24], when[48];

	/* A newer module's event still gets a line, under its number. */
	if (!name) {
		snprintf(unknown, sizeof(unknown), "event-%u", ev->type);
		name = unknown;
	}
	if (ts && cli_fmt_time(when, sizeof(when), ts))
		snprintf(when, sizeof(when), "%lld.%06ld",
			 (long long)ts->tv_sec, ts->tv_nsec / 1000);
	if (o->json) {
		cli_json_obj_begin(o, NULL);
		if (ts)
			cli_json_str(o, "timestamp", when);
		cli_json_str(o, "event", name);
		cli_json_u64(o, "vm_id", ev->vm_id);
		if (event_has_view(ev->type))
			cli_json_u64(o, "view", ev->view);
		if (enabled) {
			cli_json_u64(o, "max_views", ev->max_views);
			cli_json_str(o, "mode", altp2m_mode_name(ev->mode));
		}
		cli_json_obj_end(o);
	} else {
		if (ts)
			fprintf(o->f, "%s ", when);
		fprintf(o->f, "%s vm %u", name, ev->vm_id);
		if (event_has_view(ev->type))
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

/* "rw-", "--x": an access mask of ALTP2M_VIOLATION_R/W/X bits. */
static void access_str(char *buf, unsigned int a)
{
	buf[0] = a & ALTP2M_VIOLATION_R ? 'r' : '-';
	buf[1] = a & ALTP2M_VIOLATION_W ? 'w' : '-';
	buf[2] = a & ALTP2M_VIOLATION_X ? 'x' : '-';
	buf[3] = '\0';
}

/* The fields a type adds, as JSON members or " key=value" text. */
static void mon_event_fields(struct cli_out *o,
			     const struct altp2m_monitor_event *ev)
{
	const char *k[4] = { NULL };
	uint64_t v[4] = { 0 };
	char acc[4], eacc[4];
	unsigned int i, n = 0;

	switch (ev->type) {
	case ALTP2M_MON_EV_VIOLATION:
		k[0] = "gpa";
		v[0] = ev->u.violation.gpa;
		k[1] = "gla";
		v[1] = ev->u.violation.gla;
		n = ev->u.violation.flags & ALTP2M_VIOLATION_GLA_VALID ? 2 : 1;
		break;
	case ALTP2M_MON_EV_BREAKPOINT:
		k[0] = "gpa";
		v[0] = ev->u.breakpoint.gpa;
		k[1] = "gla";
		v[1] = ev->u.breakpoint.gla;
		k[2] = "insn_len";
		v[2] = ev->u.breakpoint.insn_len;
		n = 3;
		break;
	case ALTP2M_MON_EV_SINGLESTEP:
		k[0] = "gpa";
		v[0] = ev->u.singlestep.gpa;
		k[1] = "gla";
		v[1] = ev->u.singlestep.gla;
		n = 2;
		break;
	case ALTP2M_MON_EV_CR:
	case ALTP2M_MON_EV_MSR:
		k[0] = "index";
		v[0] = ev->u.cr.index;
		k[1] = "old";
		v[1] = ev->u.cr.old_value;
		k[2] = "new";
		v[2] = ev->u.cr.new_value;
		n = 3;
		break;
	case ALTP2M_MON_EV_GUEST_REQUEST:
		k[0] = "rbx";
		k[1] = "rcx";
		k[2] = "rdx";
		k[3] = "rsi";
		for (i = 0; i < 4; i++)
			v[i] = ev->u.guest_request.args[i];
		n = 4;
		break;
	case ALTP2M_MON_EV_CPUID:
		k[0] = "leaf";
		v[0] = ev->u.cpuid.leaf;
		k[1] = "subleaf";
		v[1] = ev->u.cpuid.subleaf;
		n = 2;
		break;
	}
	for (i = 0; i < n; i++) {
		if (o->json)
			cli_json_u64(o, k[i], v[i]);
		else
			fprintf(o->f, " %s=0x%llx", k[i], (unsigned long long)v[i]);
	}
	if (ev->type != ALTP2M_MON_EV_VIOLATION)
		return;
	access_str(acc, ev->u.violation.access);
	access_str(eacc, ev->u.violation.entry_access);
	if (o->json) {
		cli_json_str(o, "access", acc);
		cli_json_str(o, "entry_access", eacc);
	} else {
		fprintf(o->f, " access=%s entry=%s", acc, eacc);
	}
}

void cli_mon_event_print(struct cli_out *o,
			 const struct altp2m_monitor_event *ev,
			 const struct timespec *ts)
{
	const char *name = altp2m_mon_event_name(ev->type);
	bool sync = ev->flags & ALTP2M_MON_EVF_SYNC;
	char unknown[24], when[48];

	if (!name) {
		snprintf(unknown, sizeof(unknown), "event-%u", ev->type);
		name = unknown;
	}
	if (ts && cli_fmt_time(when, sizeof(when), ts))
		snprintf(when, sizeof(when), "%lld.%06ld",
			 (long long)ts->tv_sec, ts->tv_nsec / 1000);
	if (o->json) {
		cli_json_obj_begin(o, NULL);
		if (ts)
			cli_json_str(o, "timestamp", when);
		cli_json_u64(o, "seq", ev->seq);
		cli_json_str(o, "event", name);
		cli_json_bool(o, "sync", sync);
		cli_json_u64(o, "vcpu", ev->vcpu);
		cli_json_u64(o, "view", ev->view);
		cli_json_u64(o, "rip", ev->regs.rip);
		cli_json_u64(o, "cr3", ev->regs.cr3);
		mon_event_fields(o, ev);
		cli_json_obj_end(o);
	} else {
		if (ts)
			fprintf(o->f, "%s ", when);
		fprintf(o->f, "seq=%llu vcpu=%u view=%u %s %s rip=0x%llx",
			(unsigned long long)ev->seq, ev->vcpu, ev->view, name,
			sync ? "sync" : "async",
			(unsigned long long)ev->regs.rip);
		mon_event_fields(o, ev);
		fputc('\n', o->f);
	}
	fflush(o->f);
}

void cli_hexdump(FILE *f, uint64_t addr, const unsigned char *buf,
		 size_t len)
{
	size_t off, i;

	for (off = 0; off < len; off += 16) {
		fprintf(f, "%016llx ", (unsigned long long)(addr + off));
		for (i = 0; i < 16; i++) {
			if (i == 8)
				fputc(' ', f);
			if (off + i < len)
				fprintf(f, " %02x", buf[off + i]);
			else
				fputs("   ", f);
		}
		fputs("  |", f);
		for (i = 0; i < 16 && off + i < len; i++)
			fputc(isprint(buf[off + i]) ? buf[off + i] : '.', f);
		fputs("|\n", f);
	}
}

void cli_regs_print(struct cli_out *o, uint32_t vcpu,
		    const struct altp2m_regs *r, const struct altp2m_sregs *s)
{
	const struct {
		const char *name;
		uint64_t v;
	} regs[] = {
		{ "rax", r->rax }, { "rbx", r->rbx }, { "rcx", r->rcx },
		{ "rdx", r->rdx }, { "rsi", r->rsi }, { "rdi", r->rdi },
		{ "rsp", r->rsp }, { "rbp", r->rbp }, { "r8", r->r8 },
		{ "r9", r->r9 }, { "r10", r->r10 }, { "r11", r->r11 },
		{ "r12", r->r12 }, { "r13", r->r13 }, { "r14", r->r14 },
		{ "r15", r->r15 }, { "rip", r->rip }, { "rflags", r->rflags },
		{ "cr0", s->cr0 }, { "cr2", s->cr2 }, { "cr3", s->cr3 },
		{ "cr4", s->cr4 }, { "efer", s->efer },
		{ "cs", s->cs.selector }, { "ss", s->ss.selector },
		{ "ds", s->ds.selector }, { "es", s->es.selector },
		{ "fs", s->fs.selector }, { "gs", s->gs.selector },
		{ "fs_base", s->fs.base }, { "gs_base", s->gs.base },
		{ "gdt_base", s->gdt.base }, { "idt_base", s->idt.base },
	};
	unsigned int i;

	if (o->json) {
		cli_json_obj_begin(o, NULL);
		cli_json_u64(o, "vcpu", vcpu);
		for (i = 0; i < ARRAY_SIZE(regs); i++)
			cli_json_u64(o, regs[i].name, regs[i].v);
		cli_json_obj_end(o);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(regs); i++)
		fprintf(o->f, "%-8s 0x%016llx\n", regs[i].name,
			(unsigned long long)regs[i].v);
}
