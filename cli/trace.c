// SPDX-License-Identifier: GPL-2.0
/*
 * altp2mctl trace, the pure parts: the symbol map (System.map or
 * /proc/kallsyms), --fn NAME[:ARGSPEC], finding task_struct.comm in
 * init_task, per-CPU addresses, and the lines it prints. cmd_trace.c does
 * the rest with the monitor fd.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---- the symbol map ---- */

static int ksym_cmp(const void *a, const void *b)
{
	const struct cli_ksym *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

void cli_ksyms_free(struct cli_ksyms *ks)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		free(ks->v[i].name);
	free(ks->v);
	memset(ks, 0, sizeof(*ks));
}

static int ksym_add(struct cli_ksyms *ks, uint64_t addr, char type,
		    const char *name, size_t len)
{
	struct cli_ksym *v;

	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 1024;

		v = realloc(ks->v, cap * sizeof(*v));
		if (!v)
			return -CLI_PERR_NOMEM;
		ks->v = v;
		ks->cap = cap;
	}
	v = &ks->v[ks->n];
	v->name = strndup(name, len);
	if (!v->name)
		return -CLI_PERR_NOMEM;
	v->addr = addr;
	v->type = type;
	ks->n++;
	return 0;
}

/* "ADDR TYPE NAME" and, from /proc/kallsyms, an optional "[module]". */
static int ksym_line(struct cli_ksyms *ks, char *line, const char **why)
{
	char *p = line, *name, *end;
	uint64_t addr = 0;
	size_t digits = 0;
	char type;
	int d;

	while (isxdigit((unsigned char)*p) && digits < 17) {
		d = isdigit((unsigned char)*p) ? *p - '0' :
		    tolower((unsigned char)*p) - 'a' + 10;
		addr = addr << 4 | d;
		p++;
		digits++;
	}
	if (!digits || digits > 16 || (*p != ' ' && *p != '\t')) {
		*why = "want a hex address of at most 16 digits first";
		return -CLI_PERR_FIELDS;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	type = *p;
	if (!isalpha((unsigned char)type) || (p[1] != ' ' && p[1] != '\t')) {
		*why = "want a one-letter symbol type second";
		return -CLI_PERR_FIELDS;
	}
	p += 2;
	while (*p == ' ' || *p == '\t')
		p++;
	name = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	end = p;
	while (*p == ' ' || *p == '\t')
		p++;
	if (end == name) {
		*why = "want a symbol name third";
		return -CLI_PERR_FIELDS;
	}
	if (*p && (*p != '[' || p[strlen(p) - 1] != ']' ||
		   strpbrk(p, " \t"))) {
		*why = "unexpected text after the name";
		return -CLI_PERR_FIELDS;
	}
	return ksym_add(ks, addr, type, name, end - name);
}

int cli_ksyms_parse(FILE *f, const char *fname, struct cli_ksyms *ks,
		    char *errbuf, size_t errlen)
{
	char *line = NULL;
	const char *why = NULL;
	size_t cap = 0, lineno = 0, i, j;
	ssize_t len;
	int ret = 0;

	memset(ks, 0, sizeof(*ks));
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len)
			continue;
		ret = ksym_line(ks, line, &why);
		if (ret)
			break;
	}
	if (!ret && ferror(f)) {
		ret = -CLI_PERR_IO;
		why = NULL;
	}
	free(line);
	if (!ret && !ks->n) {
		ret = -CLI_PERR_EMPTY;
		why = "no symbols";
	}
	if (ret) {
		if (why)
			snprintf(errbuf, errlen, "%s:%zu: %s", fname, lineno, why);
		else
			snprintf(errbuf, errlen, "%s: %s", fname,
				 cli_perr_str(ret));
		cli_ksyms_free(ks);
		return ret;
	}
	/* By name, then address: the same symbol twice is kept once. */
	qsort(ks->v, ks->n, sizeof(ks->v[0]), ksym_cmp);
	for (i = j = 0; i < ks->n; i++) {
		if (j && !ksym_cmp(&ks->v[j - 1], &ks->v[i]))
			free(ks->v[i].name);
		else
			ks->v[j++] = ks->v[i];
	}
	ks->n = j;
	return 0;
}

int cli_ksyms_lookup(const struct cli_ksyms *ks, const char *name,
		     uint64_t *addr)
{
	size_t lo = 0, hi = ks->n, mid;

	/* The first entry with this name. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(ks->v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == ks->n || strcmp(ks->v[lo].name, name))
		return -ENOENT;
	if (lo + 1 < ks->n && !strcmp(ks->v[lo + 1].name, name))
		return -EEXIST;
	*addr = ks->v[lo].addr;
	return 0;
}

/* ---- --fn NAME[:ARGSPEC] ---- */

int cli_trace_fn_parse(const char *s, struct cli_trace_fn *fn)
{
	const char *colon = strchr(s, ':'), *p;
	size_t len = colon ? (size_t)(colon - s) : strlen(s);

	memset(fn, 0, sizeof(*fn));
	if (!len)
		return -CLI_PERR_EMPTY;
	if (len >= sizeof(fn->name))
		return -CLI_PERR_OVERFLOW;
	memcpy(fn->name, s, len);
	for (p = fn->name; *p; p++)
		if (isspace((unsigned char)*p))
			return -CLI_PERR_SYNTAX;
	if (!colon)
		return 0;
	p = colon + 1;
	for (;;) {
		enum cli_targ t;

		if (fn->nargs == CLI_TRACE_MAX_ARGS)
			return -CLI_PERR_TOO_BIG;
		if (!strncmp(p, "*s", 2)) {
			t = CLI_TARG_PSTR;
			p += 2;
		} else if (*p == 'x' || *p == 'u' || *p == 'd' || *p == 's') {
			t = *p == 'x' ? CLI_TARG_HEX : *p == 'u' ?
			    CLI_TARG_UNSIGNED : *p == 'd' ? CLI_TARG_SIGNED :
			    CLI_TARG_STR;
			p++;
		} else {
			return -CLI_PERR_ARGSPEC;
		}
		fn->args[fn->nargs++] = t;
		if (!*p)
			return 0;
		if (*p++ != ',')
			return -CLI_PERR_ARGSPEC;
	}
}

bool cli_trace_fn_reads_mem(const struct cli_trace_fn *fn)
{
	unsigned int i;

	for (i = 0; i < fn->nargs; i++)
		if (fn->args[i] == CLI_TARG_STR || fn->args[i] == CLI_TARG_PSTR)
			return true;
	return false;
}

/* ---- the guest's task ---- */

long cli_comm_offset(const void *buf, size_t len)
{
	static const char want[] = "swapper/0";	/* with its NUL */
	const unsigned char *b = buf;
	size_t i;

	for (i = 0; len >= sizeof(want) && i <= len - sizeof(want); i++)
		if (!memcmp(b + i, want, sizeof(want)) &&
		    (i == 0 || b[i - 1] == '\0' || !isprint(b[i - 1])))
			return (long)i;
	return -1;
}

uint64_t cli_percpu_addr(uint64_t off, const struct altp2m_monitor_regs *r)
{
	/*
	 * In the kernel GS is the per-CPU base; in user mode SWAPGS has
	 * put it in KERNEL_GS_BASE.
	 */
	return off + (r->cpl == 0 ? r->gs_base : r->kernel_gs_base);
}

/* ---- output ---- */

/* A guest's string as C would write it, quoted: it may hold anything. */
static void put_cstr(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (isprint(*p))
			fputc(*p, f);
		else
			fprintf(f, "\\x%02x", *p);
	}
	fputc('"', f);
}

static void put_arg_text(FILE *f, const struct cli_trace_hit *h,
			 unsigned int i)
{
	uint64_t v = h->args[i];

	switch (h->fn->args[i]) {
	case CLI_TARG_HEX:
		fprintf(f, "0x%" PRIx64, v);
		break;
	case CLI_TARG_UNSIGNED:
		fprintf(f, "%" PRIu64, v);
		break;
	case CLI_TARG_SIGNED:
		fprintf(f, "%" PRId32, (int32_t)v);
		break;
	case CLI_TARG_STR:
	case CLI_TARG_PSTR:
		if (h->strs[i])
			put_cstr(f, h->strs[i]);
		else
			fprintf(f, "?0x%" PRIx64, v);
		break;
	}
}

static void put_arg_json(struct cli_out *o, const struct cli_trace_hit *h,
			 unsigned int i)
{
	char num[24];

	switch (h->fn->args[i]) {
	case CLI_TARG_SIGNED:
		snprintf(num, sizeof(num), "%" PRId32, (int32_t)h->args[i]);
		cli_json_number(o, NULL, num);
		break;
	case CLI_TARG_STR:
	case CLI_TARG_PSTR:
		cli_json_str(o, NULL, h->strs[i]);
		break;
	default:
		cli_json_u64(o, NULL, h->args[i]);
		break;
	}
}

void cli_trace_hit_print(struct cli_out *o, const struct cli_trace_hit *h)
{
	char when[64];
	unsigned int i;

	if (cli_fmt_time(when, sizeof(when), &h->ts))
		snprintf(when, sizeof(when), "%lld.%06ld",
			 (long long)h->ts.tv_sec, h->ts.tv_nsec / 1000);
	if (o->json) {
		cli_json_obj_begin(o, NULL);
		cli_json_str(o, "time", when);
		cli_json_u64(o, "vcpu", h->vcpu);
		cli_json_str(o, "fn", h->fn->name);
		cli_json_u64(o, "cr3", h->cr3);
		cli_json_str(o, "comm", h->comm);
		cli_json_arr_begin(o, "args");
		for (i = 0; i < h->fn->nargs; i++)
			put_arg_json(o, h, i);
		cli_json_arr_end(o);
		cli_json_obj_end(o);
	} else {
		fprintf(o->f, "%s vcpu %u %s cr3=0x%" PRIx64 " comm=", when,
			h->vcpu, h->fn->name, h->cr3);
		if (h->comm)
			put_cstr(o->f, h->comm);
		else
			fputc('-', o->f);
		fputc('(', o->f);
		for (i = 0; i < h->fn->nargs; i++) {
			if (i)
				fputs(", ", o->f);
			put_arg_text(o->f, h, i);
		}
		fputs(")\n", o->f);
	}
	fflush(o->f);
}

static const char *const sum_hdr[] = { "FUNCTION", "ADDRESS", "HITS", "PRINTED" };
static const bool sum_right[] = { false, true, true, true };

/*
 * The VM exits the breakpoints themselves caused: each hit exits once (the
 * INT3; a no-op under it is completed right there), a step-over adds the
 * step's exit, and a read or write of a shadowed page is a violation plus
 * a step.
 */
static uint64_t cli_trace_bp_exits(const struct altp2m_monitor_stats *st)
{
	return st->bp_hits + st->bp_steps + 2 * st->shadow_steps;
}

void cli_trace_sum_print(struct cli_out *o, const struct cli_trace_fn *fns,
			 unsigned int nfns, const struct cli_trace_sum *s)
{
	const struct altp2m_monitor_stats *st = &s->stats;
	struct cli_table t;
	char addr[24], hits[24], printed[24], secs[32];
	const char *cells[4];
	unsigned int i;

	snprintf(secs, sizeof(secs), "%.3f", s->ms / 1000.0);
	if (o->json) {
		cli_json_obj_begin(o, NULL);
		cli_json_obj_begin(o, "summary");
		cli_json_number(o, "seconds", secs);
		cli_json_arr_begin(o, "fns");
		for (i = 0; i < nfns; i++) {
			cli_json_obj_begin(o, NULL);
			cli_json_str(o, "fn", fns[i].name);
			cli_json_u64(o, "addr", fns[i].addr);
			cli_json_u64(o, "hits", fns[i].hits);
			cli_json_u64(o, "printed", fns[i].printed);
			cli_json_obj_end(o);
		}
		cli_json_arr_end(o);
		cli_json_u64(o, "events", s->events);
		cli_json_u64(o, "dropped", s->dropped);
		if (s->have_stats) {
			cli_json_obj_begin(o, "module");
			cli_json_u64(o, "events", st->events);
			cli_json_u64(o, "sync_waits", st->sync_waits);
			cli_json_u64(o, "bp_hits", st->bp_hits);
			cli_json_u64(o, "bp_steps", st->bp_steps);
			cli_json_u64(o, "bp_retries", st->bp_retries);
			cli_json_u64(o, "shadow_steps", st->shadow_steps);
			cli_json_u64(o, "shadow_resyncs", st->shadow_resyncs);
			cli_json_u64(o, "exits", st->exits);
			cli_json_u64(o, "bp_exits", cli_trace_bp_exits(st));
			cli_json_obj_end(o);
		} else {
			cli_json_null(o, "module");
		}
		cli_json_obj_end(o);
		cli_json_obj_end(o);
		fflush(o->f);
		return;
	}
	fprintf(o->f, "\ntrace summary: %s s\n", secs);
	cli_table_init(&t, 4);
	for (i = 0; i < nfns; i++) {
		snprintf(addr, sizeof(addr), "0x%" PRIx64, fns[i].addr);
		snprintf(hits, sizeof(hits), "%" PRIu64, fns[i].hits);
		snprintf(printed, sizeof(printed), "%" PRIu64, fns[i].printed);
		cells[0] = fns[i].name;
		cells[1] = addr;
		cells[2] = hits;
		cells[3] = printed;
		cli_table_add(&t, cells);
	}
	cli_table_print(&t, o->f, sum_hdr, sum_right);
	cli_table_free(&t);
	fprintf(o->f, "events read: %" PRIu64 ", dropped by full rings: %" PRIu64 "\n",
		s->events, s->dropped);
	if (s->have_stats)
		fprintf(o->f,
			"module, while tracing (every vCPU): breakpoint hits %llu, step-overs %llu, sync waits %llu, events %llu, retries %llu, shadow steps %llu, shadow resyncs %llu; VM exits %llu (every reason)\n",
			(unsigned long long)st->bp_hits,
			(unsigned long long)st->bp_steps,
			(unsigned long long)st->sync_waits,
			(unsigned long long)st->events,
			(unsigned long long)st->bp_retries,
			(unsigned long long)st->shadow_steps,
			(unsigned long long)st->shadow_resyncs,
			(unsigned long long)st->exits);
	if (s->have_stats)
		fprintf(o->f,
			"exits the breakpoints cost: %llu (one per hit, one more per step-over, two per shadowed read or write)\n",
			(unsigned long long)cli_trace_bp_exits(st));
	else
		fprintf(o->f, "module counters: not available\n");
	fflush(o->f);
}
