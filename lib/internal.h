/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libaltp2m internals. A transport carries requests to the module; the
 * device transport uses ioctl on a file descriptor, and unit tests plug in
 * a fake one so every error path runs without a kernel.
 */
#ifndef LIBALTP2M_INTERNAL_H
#define LIBALTP2M_INTERNAL_H

#include "altp2m.h"

struct altp2m_transport {
	/* Returns >= 0 on success, a negative errno on failure. */
	int (*ioctl)(void *priv, unsigned long cmd, void *arg);
	void (*close)(void *priv);
};

struct altp2m_ctx {
	const struct altp2m_transport *tr;
	void *priv;
	char errmsg[ALTP2M_ERRMSG_LEN];
};

int altp2m_open_transport(struct altp2m_ctx **ctxp,
			  const struct altp2m_transport *tr, void *priv,
			  char *errbuf, size_t errlen);
int altp2m_seterr(struct altp2m_ctx *ctx, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* LIBALTP2M_INTERNAL_H */
