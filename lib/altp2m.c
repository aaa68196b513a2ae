// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libaltp2m: the device context, errors, options and the discovery calls.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "internal.h"

#define ALTP2M_XSTR(x)	#x
#define ALTP2M_STR(x)	ALTP2M_XSTR(x)

void altp2m__err_clear(struct altp2m__err *e)
{
	e->err = 0;
	e->attr = -1;
	e->attr_name[0] = '\0';
	e->entry = -1;
	e->op = -1;
	e->msg[0] = '\0';
}

int altp2m__err_set(struct altp2m__err *e, int err, const char *fmt, ...)
{
	va_list ap;

	e->err = err;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return err;
}

void altp2m__err_finish(struct altp2m__err *e, int err, const char *prefix)
{
	char detail[ALTP2M_ERRMSG_LEN];
	int n;

	memcpy(detail, e->msg, sizeof(detail));
	e->err = err;
	if (detail[0])
		n = snprintf(e->msg, sizeof(e->msg), "%s: %s (%s)", prefix,
			     strerror(-err), detail);
	else
		n = snprintf(e->msg, sizeof(e->msg), "%s: %s", prefix,
			     strerror(-err));
	/* Long kernel messages are cut at ALTP2M_ERRMSG_LEN. */
	if (n >= (int)sizeof(e->msg))
		e->msg[sizeof(e->msg) - 1] = '\0';
}

int altp2m__err_export(const struct altp2m__err *e, struct altp2m_error *out)
{
	struct altp2m_error full = { .sz = sizeof(full) };

	if (!out || out->sz < offsetof(struct altp2m_error, err) + sizeof(out->err))
		return -EINVAL;
	full.sz = out->sz;
	full.err = e->err;
	full.attr = e->attr;
	snprintf(full.attr_name, sizeof(full.attr_name), "%s", e->attr_name);
	full.entry = e->entry;
	full.op = e->op;
	full.applied = 0;
	memcpy(full.msg, e->msg, sizeof(full.msg));
	memcpy(out, &full, out->sz < sizeof(full) ? out->sz : sizeof(full));
	return 0;
}

int altp2m__opts_copy(void *copy, size_t known, const void *opts)
{
	const unsigned char *p = opts;
	size_t sz, i;

	memset(copy, 0, known);
	if (!opts)
		return 0;
	memcpy(&sz, opts, sizeof(sz));
	if (sz < sizeof(size_t))
		return -EINVAL;
	/* A newer caller's fields: fine as long as it does not use them. */
	for (i = known; i < sz; i++)
		if (p[i])
			return -EINVAL;
	memcpy(copy, opts, sz < known ? sz : known);
	return 0;
}

ALTP2M_EXPORT
const char *altp2m_libversion(void)
{
	return ALTP2M_STR(LIBALTP2M_MAJOR) "." ALTP2M_STR(LIBALTP2M_MINOR);
}

ALTP2M_EXPORT
void altp2m_free(void *p)
{
	free(p);
}

/* Every call on a context starts clean (the rule of all handles). */
static int altp2m_ctx_seterr(struct altp2m_ctx *ctx, int err,
			     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int altp2m_ctx_seterr(struct altp2m_ctx *ctx, int err,
			     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->errmsg, sizeof(ctx->errmsg), fmt, ap);
	va_end(ap);
	return err;
}

static int altp2m_dev_ioctl(void *priv, unsigned long cmd, void *arg)
{
	int fd = (int)(intptr_t)priv;
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

static void altp2m_dev_close(void *priv)
{
	close((int)(intptr_t)priv);
}

static const struct altp2m__transport altp2m_dev_transport = {
	.ioctl = altp2m_dev_ioctl,
	.close = altp2m_dev_close,
};

void altp2m__fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

int altp2m__ctx_open_transport(struct altp2m_ctx **ctxp,
			       const struct altp2m__transport *tr, void *priv,
			  char *errbuf, size_t errlen)
{
	struct altp2m_ctx *ctx;
	int ver;

	*ctxp = NULL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		altp2m__fmt(errbuf, errlen, "out of memory");
		tr->close(priv);
		return -ENOMEM;
	}
	ctx->tr = tr;
	ctx->priv = priv;

	ver = tr->ioctl(priv, ALTP2M_GET_API_VERSION, NULL);
	if (ver < 0) {
		altp2m__fmt(errbuf, errlen, "API version query failed: %s",
			    strerror(-ver));
		altp2m_close(ctx);
		return ver;
	}
	if (ver != ALTP2M_API_VERSION) {
		altp2m__fmt(errbuf, errlen,
			    "module speaks API %d, this library API %d",
			   ver, ALTP2M_API_VERSION);
		altp2m_close(ctx);
		return -EPROTO;
	}
	*ctxp = ctx;
	return 0;
}

ALTP2M_EXPORT
int altp2m_open(struct altp2m_ctx **ctxp, const char *path,
		char *errbuf, size_t errlen)
{
	int fd, err;

	*ctxp = NULL;
	if (!path)
		path = ALTP2M_DEFAULT_DEVICE;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		if (err == ENOENT)
			altp2m__fmt(errbuf, errlen,
				    "%s does not exist: is the altp2m module loaded?",
				   path);
		else
			altp2m__fmt(errbuf, errlen, "cannot open %s: %s", path,
				    strerror(err));
		return -err;
	}
	return altp2m__ctx_open_transport(ctxp, &altp2m_dev_transport,
				     (void *)(intptr_t)fd, errbuf, errlen);
}

ALTP2M_EXPORT
void altp2m_close(struct altp2m_ctx *ctx)
{
	if (!ctx)
		return;
	ctx->tr->close(ctx->priv);
	free(ctx);
}

ALTP2M_EXPORT
const char *altp2m_errmsg(const struct altp2m_ctx *ctx)
{
	return ctx->errmsg;
}

ALTP2M_EXPORT
int altp2m_api_version(struct altp2m_ctx *ctx)
{
	int ret;

	ctx->errmsg[0] = '\0';
	ret = ctx->tr->ioctl(ctx->priv, ALTP2M_GET_API_VERSION, NULL);

	if (ret < 0)
		return altp2m_ctx_seterr(ctx, ret, "API version query failed: %s",
				     strerror(-ret));
	return ret;
}

ALTP2M_EXPORT
int altp2m_get_caps(struct altp2m_ctx *ctx, struct altp2m_caps *caps)
{
	int ret;

	ctx->errmsg[0] = '\0';
	memset(caps, 0, sizeof(*caps));
	ret = ctx->tr->ioctl(ctx->priv, ALTP2M_GET_CAPS, caps);
	if (ret < 0)
		return altp2m_ctx_seterr(ctx, ret, "capability query failed: %s",
				     strerror(-ret));
	return 0;
}

static const struct {
	const char *name;
	const char *desc;
} altp2m_caps_info[] = {
	{ "ept",	   "extended page tables" },
	{ "ept-exec-only", "execute-only EPT entries" },
	{ "ept-2m",	   "2 MiB EPT pages" },
	{ "ept-1g",	   "1 GiB EPT pages" },
	{ "ept-ad",	   "EPT accessed/dirty flags" },
	{ "vpid",	   "virtual-processor identifiers" },
	{ "vmfunc-eptp",   "VMFUNC EPTP switching (guest view switch, no exit)" },
	{ "ve",		   "#VE: EPT violations delivered to the guest" },
	{ "invept-single", "single-context INVEPT" },
	{ "invept-all",	   "all-context INVEPT" },
	{ "invvpid",	   "INVVPID" },
	{ "unrestricted",  "unrestricted guest" },
};

_Static_assert(sizeof(altp2m_caps_info) / sizeof(altp2m_caps_info[0]) ==
	       __builtin_ctzll(ALTP2M_CAP_ALL + 1),
	       "every ALTP2M_CAP_* bit needs a name");

ALTP2M_EXPORT
const char *altp2m_cap_name(unsigned int bit)
{
	if (bit >= sizeof(altp2m_caps_info) / sizeof(altp2m_caps_info[0]))
		return NULL;
	return altp2m_caps_info[bit].name;
}

ALTP2M_EXPORT
const char *altp2m_cap_desc(unsigned int bit)
{
	if (bit >= sizeof(altp2m_caps_info) / sizeof(altp2m_caps_info[0]))
		return NULL;
	return altp2m_caps_info[bit].desc;
}
