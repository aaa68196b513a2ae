/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libaltp2m: the C API over the altp2m module.
 *
 * Errors: every call that can fail returns a negative errno value. The
 * context keeps a human-readable message for the last failure, which
 * altp2m_errmsg() returns; it stays valid until the next call on the same
 * context. The library never prints and never exits.
 *
 * Threads: a context may be used by one thread at a time. Use one context
 * per thread, or serialise calls on a shared one; distinct contexts are
 * independent.
 */
#ifndef LIBALTP2M_H
#define LIBALTP2M_H

#include <stddef.h>
#include <stdint.h>
#include <linux/altp2m.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ALTP2M_DEFAULT_DEVICE	"/dev/altp2m"
#define ALTP2M_ERRMSG_LEN	256

struct altp2m_ctx;

/*
 * Open the device (path NULL: ALTP2M_DEFAULT_DEVICE) and check that the
 * module speaks the API this library was built for. On failure *ctxp is
 * NULL and, if errbuf is not NULL, errbuf holds the reason.
 */
int altp2m_open(struct altp2m_ctx **ctxp, const char *path,
		char *errbuf, size_t errlen);
void altp2m_close(struct altp2m_ctx *ctx);
const char *altp2m_errmsg(const struct altp2m_ctx *ctx);

/* The module's ALTP2M_API_VERSION (positive), or a negative errno. */
int altp2m_api_version(struct altp2m_ctx *ctx);
int altp2m_get_caps(struct altp2m_ctx *ctx, struct altp2m_caps *caps);

/*
 * Names of the ALTP2M_CAP_* bits: a short stable token ("ept-2m") and a
 * phrase for people. NULL for a bit the library does not know.
 */
const char *altp2m_cap_name(unsigned int bit);
const char *altp2m_cap_desc(unsigned int bit);

#ifdef __cplusplus
}
#endif

#endif /* LIBALTP2M_H */
