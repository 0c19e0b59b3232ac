// SPDX-License-Identifier: GPL-2.0
/* lib/nl codec: headers, acks and extack errors, framing, strict parsing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <linux/netlink.h>

#include "../../lib/nl/nl.h"
#include "../../uapi/linux/sovereign.h"

static unsigned char req_buf[256], buf[1024];

static struct nlmsghdr *make_req(void)
{
	struct nlmsghdr *nlh = sov_nl_put_hdr(req_buf, 0x20, 3, 1,
					      NLM_F_REQUEST | NLM_F_ACK, 77);

	mnl_attr_put_u32(nlh, 1, 9);
	mnl_attr_put_strz(nlh, 2, "x");
	return nlh;
}

static void test_put_hdr(void **state)
{
	struct nlmsghdr *nlh = make_req();
	struct genlmsghdr *gh = mnl_nlmsg_get_payload(nlh);

	(void)state;
	assert_int_equal(nlh->nlmsg_type, 0x20);
	assert_int_equal(nlh->nlmsg_seq, 77);
	assert_int_equal(gh->cmd, 3);
	assert_int_equal(gh->version, 1);
	assert_int_equal(nlh->nlmsg_len, NLMSG_HDRLEN + GENL_HDRLEN + 8 + 8);
}

static void test_ack_roundtrip(void **state)
{
	struct nlmsghdr *req = make_req();
	struct sov_nl_err err;
	size_t len = sov_nl_put_error(buf, sizeof(buf), req, 0, NULL);

	(void)state;
	assert_true(len > 0);
	assert_int_equal(sov_nl_process(buf, len, 77, req, NULL, NULL, &err), 0);
	assert_int_equal(err.error, 0);
}

static void test_error_message_roundtrip(void **state)
{
	struct nlmsghdr *req = make_req();
	struct sov_nl_err err;
	size_t len = sov_nl_put_error(buf, sizeof(buf), req, -EOPNOTSUPP,
				      "command 3 is not served");

	(void)state;
	assert_int_equal(sov_nl_process(buf, len, 77, req, NULL, NULL, &err),
			 -EOPNOTSUPP);
	assert_int_equal(err.error, -EOPNOTSUPP);
	assert_string_equal(err.msg, "command 3 is not served");
	assert_int_equal(err.attr_type, -1);
}

static void test_error_too_small_buffer(void **state)
{
	(void)state;
	assert_int_equal(sov_nl_put_error(buf, 20, make_req(), -EINVAL, "x"), 0);
}

/* What the kernel sends for a policy range failure: MSG, OFFS and POLICY. */
static void test_kernel_extack(void **state)
{
	struct nlmsghdr *req = make_req();
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct sov_nl_err err;
	struct nlmsgerr *e;
	struct nlattr *nest;

	(void)state;
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
	nlh->nlmsg_seq = 77;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = -ERANGE;
	memcpy(&e->msg, req, sizeof(*req));
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "integer out of range");
	/* offset of the first attribute in the request */
	mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, NLMSG_HDRLEN + GENL_HDRLEN);
	nest = mnl_attr_nest_start(nlh, NLMSGERR_ATTR_POLICY);
	mnl_attr_put_u32(nlh, NL_POLICY_TYPE_ATTR_TYPE, NL_ATTR_TYPE_U32);
	mnl_attr_put_u64(nlh, NL_POLICY_TYPE_ATTR_MIN_VALUE_U, 0);
	mnl_attr_put_u64(nlh, NL_POLICY_TYPE_ATTR_MAX_VALUE_U, 7);
	mnl_attr_nest_end(nlh, nest);

	assert_int_equal(sov_nl_process(buf, nlh->nlmsg_len, 77, req, NULL, NULL,
					&err), -ERANGE);
	assert_string_equal(err.msg, "integer out of range");
	assert_int_equal(err.attr_type, 1);
	assert_true(err.has_range);
	assert_int_equal(err.min, 0);
	assert_int_equal(err.max, 7);
}

static void test_wrong_seq_is_refused(void **state)
{
	struct nlmsghdr *req = make_req();
	struct sov_nl_err err;
	size_t len = sov_nl_put_error(buf, sizeof(buf), req, 0, NULL);

	(void)state;
	assert_true(sov_nl_process(buf, len, 78, req, NULL, NULL, &err) < 0);
	assert_true(err.error < 0);
}

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(*(int *)data)++;
	return MNL_CB_OK;
}

static void test_data_then_ack(void **state)
{
	struct nlmsghdr *req = make_req();
	struct nlmsghdr *nlh;
	struct sov_nl_err err;
	size_t len;
	int n = 0;

	(void)state;
	nlh = sov_nl_put_hdr(buf, 0x20, 3, 1, 0, 77);
	len = nlh->nlmsg_len;
	assert_int_equal(sov_nl_process(buf, len, 77, req, count_cb, &n, &err), 1);
	len += sov_nl_put_error(buf + len, sizeof(buf) - len, req, 0, NULL);
	n = 0;
	assert_int_equal(sov_nl_process(buf, len, 77, req, count_cb, &n, &err), 0);
	assert_int_equal(n, 1);
}

/* A dump: several multi-part messages, then NLMSG_DONE (maybe carrying an errno). */
static void test_dump_done(void **state)
{
	struct nlmsghdr *req = make_req();
	struct nlmsghdr *nlh;
	struct sov_nl_err err;
	size_t len = 0;
	int i, n = 0;

	(void)state;
	for (i = 0; i < 3; i++) {
		nlh = sov_nl_put_hdr(buf + len, 0x20, 3, 1, NLM_F_MULTI, 77);
		len += nlh->nlmsg_len;
	}
	assert_int_equal(sov_nl_process(buf, len, 77, req, count_cb, &n, &err), 1);
	assert_int_equal(n, 3);

	len = sov_nl_put_done(buf, req, 0);
	assert_int_equal(sov_nl_process(buf, len, 77, req, count_cb, &n, &err), 0);
	/* a dump that failed half-way */
	len = sov_nl_put_done(buf, req, -EMSGSIZE);
	assert_int_equal(sov_nl_process(buf, len, 77, req, count_cb, &n, &err), -EMSGSIZE);
}

static void test_frame_len(void **state)
{
	struct nlmsghdr *req = make_req();
	struct nlmsghdr bad = { .nlmsg_len = 3 };

	(void)state;
	assert_int_equal(sov_frame_len(req, 4), 0);
	assert_int_equal(sov_frame_len(req, req->nlmsg_len - 1), 0);
	assert_int_equal(sov_frame_len(req, req->nlmsg_len), req->nlmsg_len);
	assert_int_equal(sov_frame_len(req, req->nlmsg_len + 10), req->nlmsg_len);
	assert_int_equal(sov_frame_len(&bad, sizeof(bad)), -EBADMSG);
	bad.nlmsg_len = SOV_NL_MAXMSG + 1;
	assert_int_equal(sov_frame_len(&bad, sizeof(bad)), -EBADMSG);
	/* another bound: the header alone says how long the frame is */
	assert_int_equal(sov_frame_len_max(&bad, sizeof(bad), SOV_NL_MAXMSG + 1), 0);
	assert_int_equal(sov_frame_len_max(&bad, sizeof(bad), SOV_NL_MAXMSG), -EBADMSG);
	assert_int_equal(sov_frame_len_max(req, req->nlmsg_len, req->nlmsg_len),
			 req->nlmsg_len);
}

static const enum mnl_attr_data_type types[3] = {
	[1] = MNL_TYPE_U32,
	[2] = MNL_TYPE_NUL_STRING,
};

static void test_parse_strict(void **state)
{
	const struct nlattr *tb[3];
	struct nlmsghdr *nlh = make_req();
	struct sov_nl_err err;

	(void)state;
	assert_int_equal(sov_nl_parse(nlh, tb, 2, types, &err), 0);
	assert_int_equal(mnl_attr_get_u32(tb[1]), 9);
	assert_string_equal(mnl_attr_get_str(tb[2]), "x");

	/* above max: rejected and named */
	assert_int_equal(sov_nl_parse(nlh, tb, 1, types, &err), -EINVAL);
	assert_int_equal(err.attr_type, 2);
	assert_non_null(strstr(err.msg, "unknown attribute type 2"));

	/* a u16 where a u32 is expected: wrong length */
	nlh = sov_nl_put_hdr(req_buf, 0x20, 3, 1, 0, 1);
	mnl_attr_put_u16(nlh, 1, 5);
	assert_int_equal(sov_nl_parse(nlh, tb, 2, types, &err), -EINVAL);
	assert_int_equal(err.attr_type, 1);
}

/* The trace context rides on any request: not the command's, and only at the top. */
static void test_parse_trace_ctx(void **state)
{
	const struct nlattr *tb[3];
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct sov_nl_err err;
	uint8_t ctx[26] = { 0 };

	(void)state;
	nlh = sov_nl_put_hdr(req_buf, 0x20, 3, 1, 0, 1);
	mnl_attr_put_u32(nlh, 1, 9);
	assert_null(sov_nl_trace_attr(nlh));
	mnl_attr_put(nlh, SOV_TRACE_CTX_ATTR, sizeof(ctx), ctx);
	mnl_attr_put_strz(nlh, 2, "x");
	assert_int_equal(sov_nl_parse(nlh, tb, 2, types, &err), 0);
	assert_int_equal(mnl_attr_get_u32(tb[1]), 9);
	assert_string_equal(mnl_attr_get_str(tb[2]), "x");
	assert_non_null(sov_nl_trace_attr(nlh));
	assert_int_equal(mnl_attr_get_payload_len(sov_nl_trace_attr(nlh)), sizeof(ctx));

	/* inside a nest it is an unknown attribute like any other */
	nlh = sov_nl_put_hdr(req_buf, 0x20, 3, 1, 0, 1);
	nest = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put(nlh, SOV_TRACE_CTX_ATTR, sizeof(ctx), ctx);
	mnl_attr_nest_end(nlh, nest);
	assert_int_equal(sov_nl_parse_nested(nest, tb, 2, types, &err), -EINVAL);
	assert_int_equal(err.attr_type, SOV_TRACE_CTX_ATTR);
}

/* Readers skip what they do not know, or what is malformed, and keep the rest. */
static void test_parse_known(void **state)
{
	const struct nlattr *tb[3];
	struct nlmsghdr *nlh;

	(void)state;
	nlh = sov_nl_put_hdr(req_buf, 0x20, 3, 1, 0, 1);
	mnl_attr_put_u16(nlh, 1, 5);		/* wrong length for a u32 */
	mnl_attr_put_strz(nlh, 2, "kept");
	mnl_attr_put_u32(nlh, 9, 1);		/* from a newer peer */
	sov_nl_parse_known(nlh, tb, 2, types);
	assert_null(tb[1]);
	assert_non_null(tb[2]);
	assert_string_equal(mnl_attr_get_str(tb[2]), "kept");
}

static void test_parse_truncated(void **state)
{
	const struct nlattr *tb[3];
	struct nlmsghdr *nlh = make_req();
	struct sov_nl_err err;

	(void)state;
	nlh->nlmsg_len = NLMSG_HDRLEN + 2;	/* shorter than the genl header */
	assert_int_equal(sov_nl_parse(nlh, tb, 2, types, &err), -EINVAL);
	nlh = make_req();
	nlh->nlmsg_len -= 3;	/* cuts the last attribute */
	assert_int_equal(sov_nl_parse(nlh, tb, 2, types, &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_hdr),
		cmocka_unit_test(test_ack_roundtrip),
		cmocka_unit_test(test_error_message_roundtrip),
		cmocka_unit_test(test_error_too_small_buffer),
		cmocka_unit_test(test_kernel_extack),
		cmocka_unit_test(test_wrong_seq_is_refused),
		cmocka_unit_test(test_data_then_ack),
		cmocka_unit_test(test_dump_done),
		cmocka_unit_test(test_frame_len),
		cmocka_unit_test(test_parse_strict),
		cmocka_unit_test(test_parse_trace_ctx),
		cmocka_unit_test(test_parse_known),
		cmocka_unit_test(test_parse_truncated),
	};

	return cmocka_run_group_tests_name("codec", tests, NULL, NULL);
}
