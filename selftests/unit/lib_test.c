// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of libaltp2m against a fake transport: every error path of
 * the library runs without a kernel.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "../../lib/internal.h"
#include "unit.h"

struct fake {
	int version;		/* what GET_API_VERSION answers */
	int caps_err;		/* negative errno for GET_CAPS, or 0 */
	unsigned long last_cmd;
	int closed;
};

static int fake_ioctl(void *priv, unsigned long cmd, void *arg)
{
	struct fake *f = priv;
	struct altp2m_caps *c = arg;

	f->last_cmd = cmd;
	switch (cmd) {
	case ALTP2M_GET_API_VERSION:
		return f->version;
	case ALTP2M_GET_CAPS:
		if (f->caps_err)
			return f->caps_err;
		if (c->flags)
			return -EINVAL;
		c->api_version = ALTP2M_API_VERSION;
		c->caps = ALTP2M_CAP_EPT | ALTP2M_CAP_VE;
		return 0;
	default:
		return -ENOTTY;
	}
}

static void fake_close(void *priv)
{
	((struct fake *)priv)->closed++;
}

static const struct altp2m__transport fake_tr = {
	.ioctl = fake_ioctl,
	.close = fake_close,
};

START_TEST(open_checks_version)
{
	struct fake f = { .version = ALTP2M_API_VERSION + 1 };
	struct altp2m_ctx *ctx = (void *)1;
	char err[ALTP2M_ERRMSG_LEN] = "";

	ck_assert_int_eq(altp2m__ctx_open_transport(&ctx, &fake_tr, &f, err,
						    sizeof(err)), -EPROTO);
	ck_assert_ptr_null(ctx);
	ck_assert_int_eq(f.closed, 1);
	ck_assert_ptr_nonnull(strstr(err, "module speaks API 2"));
}
END_TEST

START_TEST(open_version_query_fails)
{
	struct fake f = { .version = -EIO };
	struct altp2m_ctx *ctx;
	char err[ALTP2M_ERRMSG_LEN] = "";

	ck_assert_int_eq(altp2m__ctx_open_transport(&ctx, &fake_tr, &f, err,
						    sizeof(err)), -EIO);
	ck_assert_ptr_null(ctx);
	ck_assert_int_eq(f.closed, 1);
	ck_assert_ptr_nonnull(strstr(err, "Input/output error"));
}
END_TEST

START_TEST(open_without_errbuf)
{
	struct fake f = { .version = -EIO };
	struct altp2m_ctx *ctx;

	ck_assert_int_eq(altp2m__ctx_open_transport(&ctx, &fake_tr, &f, NULL, 0),
			 -EIO);
}
END_TEST

START_TEST(caps_ok_and_error)
{
	struct fake f = { .version = ALTP2M_API_VERSION };
	struct altp2m_caps caps;
	struct altp2m_ctx *ctx;

	ck_assert_int_eq(altp2m__ctx_open_transport(&ctx, &fake_tr, &f, NULL, 0), 0);
	ck_assert_int_eq(altp2m_api_version(ctx), ALTP2M_API_VERSION);
	memset(&caps, 0xff, sizeof(caps));	/* the library clears it */
	ck_assert_int_eq(altp2m_get_caps(ctx, &caps), 0);
	ck_assert_uint_eq(caps.caps, ALTP2M_CAP_EPT | ALTP2M_CAP_VE);
	ck_assert_uint_eq(f.last_cmd, ALTP2M_GET_CAPS);

	f.caps_err = -EFAULT;
	ck_assert_int_eq(altp2m_get_caps(ctx, &caps), -EFAULT);
	ck_assert_str_eq(altp2m_errmsg(ctx), "capability query failed: Bad address");
	f.version = -ENODEV;
	ck_assert_int_eq(altp2m_api_version(ctx), -ENODEV);
	ck_assert_ptr_nonnull(strstr(altp2m_errmsg(ctx), "No such device"));
	altp2m_close(ctx);
	ck_assert_int_eq(f.closed, 1);
	altp2m_close(NULL);
}
END_TEST

START_TEST(open_missing_device)
{
	struct altp2m_ctx *ctx;
	char err[ALTP2M_ERRMSG_LEN];

	ck_assert_int_eq(altp2m_open(&ctx, "/nonexistent/altp2m", err,
				     sizeof(err)), -ENOENT);
	ck_assert_ptr_null(ctx);
	ck_assert_str_eq(err, "/nonexistent/altp2m does not exist: "
			      "is the altp2m module loaded?");
}
END_TEST

START_TEST(open_not_a_device)
{
	struct altp2m_ctx *ctx;
	char err[ALTP2M_ERRMSG_LEN];

	/* A regular file answers ioctls with ENOTTY. */
	ck_assert_int_eq(altp2m_open(&ctx, "/dev/null", err, sizeof(err)),
			 -ENOTTY);
	ck_assert_ptr_nonnull(strstr(err, "API version query failed"));
}
END_TEST

START_TEST(cap_names)
{
	unsigned int bit;

	for (bit = 0; (1ULL << bit) & ALTP2M_CAP_ALL; bit++) {
		ck_assert_ptr_nonnull(altp2m_cap_name(bit));
		ck_assert_ptr_nonnull(altp2m_cap_desc(bit));
	}
	ck_assert_ptr_null(altp2m_cap_name(bit));
	ck_assert_ptr_null(altp2m_cap_desc(bit));
	ck_assert_ptr_null(altp2m_cap_name(~0u));
	ck_assert_str_eq(altp2m_cap_name(6), "vmfunc-eptp");
	ck_assert_str_eq(altp2m_cap_name(7), "ve");
}
END_TEST

static Suite *lib_suite(void)
{
	Suite *s = suite_create("libaltp2m");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, open_checks_version);
	tcase_add_test(tc, open_version_query_fails);
	tcase_add_test(tc, open_without_errbuf);
	tcase_add_test(tc, caps_ok_and_error);
	tcase_add_test(tc, open_missing_device);
	tcase_add_test(tc, open_not_a_device);
	tcase_add_test(tc, cap_names);
	suite_add_tcase(s, tc);
	return s;
}
UNIT_SUITE(lib_suite)
