// SPDX-License-Identifier: GPL-2.0
/* lib/nl control-socket client against a scripted peer on a socketpair. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../lib/nl/nl.h"
#include "../../uapi/linux/sovereign.h"

struct pair {
	struct sov_ctl c;	/* big: keep it off the stack */
	int peer;
};

static int setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));
	int sv[2];

	if (!p || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	p->c.fd = sv[0];
	p->peer = sv[1];
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	struct pair *p = *state;

	sov_ctl_close(&p->c);
	if (p->peer >= 0)
		close(p->peer);
	free(p);
	return 0;
}

/* The peer answers seq 1 (the client's first request) before it is asked. */
static size_t reply(unsigned char *buf, size_t size, uint32_t value, bool ack)
{
	struct nlmsghdr *nlh, req = { .nlmsg_seq = 1 };
	size_t len;

	nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_DAEMON_GET, 1, 0, 1);
	mnl_attr_put_u32(nlh, SOV_A_DAEMON_PID, value);
	len = nlh->nlmsg_len;
	if (ack)
		len += sov_nl_put_error(buf + len, size - len, &req, 0, NULL);
	return len;
}

static int pid_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == SOV_A_DAEMON_PID)
			*(uint32_t *)data = mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static struct nlmsghdr *request(unsigned char *buf)
{
	return sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_DAEMON_GET, 1, 0, 0);
}

static void test_reply_and_ack(void **state)
{
	struct pair *p = *state;
	unsigned char out[512], rq[64];
	struct sov_nl_err err;
	uint32_t pid = 0;
	size_t len = reply(out, sizeof(out), 4242, true);

	assert_int_equal(write(p->peer, out, len), (ssize_t)len);
	assert_int_equal(sov_ctl_transact(&p->c, request(rq), pid_cb, &pid, &err), 0);
	assert_int_equal(pid, 4242);
}

/* Byte-at-a-time delivery must reassemble into the same answer. */
static void test_split_frames(void **state)
{
	struct pair *p = *state;
	unsigned char out[512], rq[64];
	struct sov_nl_err err;
	uint32_t pid = 0;
	size_t i, len = reply(out, sizeof(out), 7, true);

	for (i = 0; i < len; i++)
		assert_int_equal(write(p->peer, out + i, 1), 1);
	assert_int_equal(sov_ctl_transact(&p->c, request(rq), pid_cb, &pid, &err), 0);
	assert_int_equal(pid, 7);
}

static void test_error_with_message(void **state)
{
	struct pair *p = *state;
	unsigned char out[512], rq[64];
	struct nlmsghdr req = { .nlmsg_seq = 1 };
	struct sov_nl_err err;
	size_t len = sov_nl_put_error(out, sizeof(out), &req, -EOPNOTSUPP,
				      "command 9 is not served by sovereignd");

	assert_int_equal(write(p->peer, out, len), (ssize_t)len);
	assert_int_equal(sov_ctl_transact(&p->c, request(rq), NULL, NULL, &err),
			 -EOPNOTSUPP);
	assert_string_equal(err.msg, "command 9 is not served by sovereignd");
}

static void test_peer_closes(void **state)
{
	struct pair *p = *state;
	unsigned char out[512], rq[64];
	struct sov_nl_err err;
	size_t len = reply(out, sizeof(out), 1, false);	/* no ack, then EOF */

	assert_int_equal(write(p->peer, out, len), (ssize_t)len);
	shutdown(p->peer, SHUT_WR);	/* EOF after a reply that never completes */
	assert_int_equal(sov_ctl_transact(&p->c, request(rq), NULL, NULL, &err),
			 -ECONNRESET);
	assert_non_null(strstr(err.msg, "closed"));
}

static void test_garbage_frame(void **state)
{
	struct pair *p = *state;
	unsigned char rq[64];
	struct sov_nl_err err;
	uint32_t junk[4] = { 5, 0, 0, 0 };	/* nlmsg_len 5 < header */

	assert_int_equal(write(p->peer, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	assert_int_equal(sov_ctl_transact(&p->c, request(rq), NULL, NULL, &err),
			 -EBADMSG);
}

static void test_connect_missing_socket(void **state)
{
	struct sov_ctl *c = malloc(sizeof(*c));

	(void)state;
	assert_non_null(c);
	assert_int_equal(sov_ctl_connect(c, "/nonexistent/sovereign/ctl"), -ENOENT);
	assert_int_equal(c->fd, -1);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reply_and_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_with_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_closes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_frame, setup, teardown),
		cmocka_unit_test(test_connect_missing_socket),
	};

	return cmocka_run_group_tests_name("ctl", tests, NULL, NULL);
}
