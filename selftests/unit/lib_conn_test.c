// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of libaltp2m's real socket transport, without a kernel: the
 * transport runs over one end of a SOCK_SEQPACKET socketpair, and the test
 * plays the module on the other end, or stays silent to show that a
 * request times out instead of hanging.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "../../lib/internal.h"
#include "unit.h"

#define FAMILY	0x1d

static long elapsed_ms(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

/* The transport on sv[0]; the test is the module on sv[1]. */
static struct altp2m__nl_sock *sock_pair(int sv[2], int timeout_ms)
{
	struct altp2m__nl_sock *s = NULL;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
				    sv), 0);
	ck_assert_int_eq(altp2m__nl_sock_wrap(&s, sv[0], timeout_ms), 0);
	return s;
}

/* What the library sent, as the module would read it. */
static void expect_request(int fd, uint8_t cmd, uint32_t seq)
{
	char buf[4096];
	struct nlmsghdr *h = (void *)buf;
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

	ck_assert_int_ge(n, NLMSG_HDRLEN + GENL_HDRLEN);
	ck_assert_int_eq(h->nlmsg_len, n);
	ck_assert_uint_eq(h->nlmsg_seq, seq);
	ck_assert(h->nlmsg_flags & NLM_F_REQUEST);
	ck_assert(h->nlmsg_flags & NLM_F_ACK);
	ck_assert_uint_eq(((struct genlmsghdr *)NLMSG_DATA(h))->cmd, cmd);
}

/* A module that never answers: the request fails within its bound. */
START_TEST(sock_request_times_out)
{
	struct nl_msg *req = altp2m__nl_new(FAMILY, ALTP2M_CMD_GET_VM, 0, 0);
	struct altp2m__nl_reply rep = { .req = req };
	struct altp2m__nl_sock *s;
	struct altp2m__err e;
	struct timespec t0;
	int sv[2];
	long ms;

	s = sock_pair(sv, 200);
	altp2m__err_clear(&e);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(altp2m__nl_transact(&altp2m__nl_sock_transport, s,
					     &rep, 0, 0, &e), -ETIMEDOUT);
	ms = elapsed_ms(&t0);
	ck_assert_int_ge(ms, 190);
	ck_assert_int_lt(ms, 3000);
	ck_assert_str_eq(e.msg, "no answer from the module in time");
	expect_request(sv[1], ALTP2M_CMD_GET_VM, 1);
	nlmsg_free(req);
	altp2m__nl_sock_transport.close(s);
	close(sv[1]);
}
END_TEST

/* The same through a connection: opening it is a request too. */
START_TEST(conn_open_times_out)
{
	struct altp2m_conn_opts o = { .sz = sizeof(o), .timeout_ms = 150 };
	struct altp2m_conn *conn = (void *)1;
	char err[ALTP2M_ERRMSG_LEN] = "";
	struct altp2m__nl_sock *s;
	struct timespec t0;
	int sv[2];

	s = sock_pair(sv, o.timeout_ms);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(altp2m__conn_open_transport(&conn, &altp2m__nl_sock_transport,
						     s, &o, err, sizeof(err)),
			 -ETIMEDOUT);
	ck_assert_int_lt(elapsed_ms(&t0), 3000);
	ck_assert_ptr_null(conn);
	ck_assert_str_eq(err, "open connection: Connection timed out (no answer from the module in time)");
	/* The socket went with the failed connection. */
	ck_assert_int_eq(fcntl(sv[0], F_GETFD), -1);
	close(sv[1]);
}
END_TEST

/*
 * The answer, as datagrams: a stale ack first (another sequence number),
 * then the error with its extended ack in a datagram of two messages.
 */
START_TEST(sock_reads_the_answer)
{
	struct nl_msg *req = altp2m__nl_new(FAMILY, ALTP2M_CMD_DESTROY_VIEW, 0, 0);
	struct altp2m__nl_reply rep = { .req = req };
	struct altp2m__nl_sock *s;
	struct altp2m__err e;
	struct nlmsgerr *err;
	struct nlmsghdr *h;
	struct nl_msg *m;
	char two[8192];
	size_t len;
	int sv[2];

	nla_put_u32(req, ALTP2M_A_VM_ID, 3);
	nla_put_u32(req, ALTP2M_A_VIEW, 1);
	s = sock_pair(sv, 2000);
	/* Stale: the ack of an earlier request (seq 0). */
	m = nlmsg_alloc();
	h = nlmsg_put(m, 0, 0, NLMSG_ERROR, sizeof(*err), NLM_F_CAPPED);
	((struct nlmsgerr *)nlmsg_data(h))->error = 0;
	ck_assert_int_eq(send(sv[1], h, h->nlmsg_len, 0), h->nlmsg_len);
	nlmsg_free(m);
	/* A data message, then the error, in one datagram. */
	m = nlmsg_alloc();
	ck_assert_ptr_nonnull(genlmsg_put(m, 0, 1, FAMILY, 0, 0,
					  ALTP2M_CMD_DESTROY_VIEW, 1));
	len = nlmsg_hdr(m)->nlmsg_len;
	memcpy(two, nlmsg_hdr(m), len);
	nlmsg_free(m);
	m = nlmsg_alloc();
	h = nlmsg_put(m, 0, 1, NLMSG_ERROR, sizeof(*err),
		      NLM_F_CAPPED | NLM_F_ACK_TLVS);
	err = nlmsg_data(h);
	err->error = -EBUSY;
	err->msg = *nlmsg_hdr(req);
	nla_put_string(m, NLMSGERR_ATTR_MSG, "view: a vCPU is on it");
	memcpy(two + NLMSG_ALIGN(len), nlmsg_hdr(m), nlmsg_hdr(m)->nlmsg_len);
	len = NLMSG_ALIGN(len) + nlmsg_hdr(m)->nlmsg_len;
	nlmsg_free(m);
	ck_assert_int_eq(send(sv[1], two, len, 0), len);

	altp2m__err_clear(&e);
	ck_assert_int_eq(altp2m__nl_transact(&altp2m__nl_sock_transport, s,
					     &rep, 0, 0, &e), -EBUSY);
	ck_assert_uint_eq(rep.nmsgs, 1);
	ck_assert_str_eq(e.msg, "view: a vCPU is on it");
	expect_request(sv[1], ALTP2M_CMD_DESTROY_VIEW, 1);
	/* The next request gets the next number. */
	rep.req = req;
	ck_assert_int_eq(altp2m__nl_transact(&altp2m__nl_sock_transport, s,
					     &rep, 0, 0, &e), -ETIMEDOUT);
	expect_request(sv[1], ALTP2M_CMD_DESTROY_VIEW, 2);
	/* The module went away: the exchange says so, it does not hang. */
	close(sv[1]);
	ck_assert_int_lt(altp2m__nl_transact(&altp2m__nl_sock_transport, s,
					     &rep, 0, 0, &e), 0);
	nlmsg_free(req);
	altp2m__nl_sock_transport.close(s);
}
END_TEST

START_TEST(errors_export)
{
	struct altp2m__err in;
	struct altp2m_error out;
	struct {
		size_t sz;
		int err;
	} old = { .sz = sizeof(old) };

	altp2m__err_clear(&in);
	altp2m__err_set(&in, -ENOENT, "no view 4");
	in.attr = ALTP2M_A_VIEW;
	strcpy(in.attr_name, "view");
	in.op = 3;
	altp2m__err_finish(&in, -ENOENT, "destroy view 4");
	ck_assert_str_eq(in.msg, "destroy view 4: No such file or directory (no view 4)");
	memset(&out, 0xaa, sizeof(out));
	out.sz = sizeof(out);
	ck_assert_int_eq(altp2m__err_export(&in, &out), 0);
	ck_assert_uint_eq(out.sz, sizeof(out));
	ck_assert_int_eq(out.err, -ENOENT);
	ck_assert_int_eq(out.attr, ALTP2M_A_VIEW);
	ck_assert_str_eq(out.attr_name, "view");
	ck_assert_int_eq(out.entry, -1);
	ck_assert_int_eq(out.op, 3);
	ck_assert_uint_eq(out.applied, 0);
	ck_assert_str_eq(out.msg, in.msg);
	/* A caller built with fewer fields gets those, nothing past them. */
	ck_assert_int_eq(altp2m__err_export(&in, (struct altp2m_error *)&old), 0);
	ck_assert_int_eq(old.err, -ENOENT);
	ck_assert_uint_eq(old.sz, sizeof(old));
	old.sz = 1;
	ck_assert_int_eq(altp2m__err_export(&in, (struct altp2m_error *)&old),
			 -EINVAL);
	ck_assert_int_eq(altp2m__err_export(&in, NULL), -EINVAL);
	/* Without a detail, the errno's text alone. */
	altp2m__err_clear(&in);
	altp2m__err_finish(&in, -EEXIST, "enable views");
	ck_assert_str_eq(in.msg, "enable views: File exists");
}
END_TEST

START_TEST(library_version)
{
	char want[32];

	snprintf(want, sizeof(want), "%d.%d", LIBALTP2M_MAJOR, LIBALTP2M_MINOR);
	ck_assert_str_eq(altp2m_libversion(), want);
	ck_assert_str_eq(altp2m_libversion(), "1.3");
	altp2m_free(NULL);
	altp2m_free(malloc(8));
}
END_TEST

static Suite *lib_conn_suite(void)
{
	Suite *s = suite_create("libaltp2m-conn");
	TCase *tc = tcase_create("socket");

	tcase_add_test(tc, sock_request_times_out);
	tcase_add_test(tc, conn_open_times_out);
	tcase_add_test(tc, sock_reads_the_answer);
	tcase_add_test(tc, errors_export);
	tcase_add_test(tc, library_version);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);
	return s;
}
UNIT_SUITE(lib_conn_suite)
