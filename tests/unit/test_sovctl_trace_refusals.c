// SPDX-License-Identifier: GPL-2.0
/*
 * What sovctl trace refuses before anything is sent (exact words, exit
 * status 2), and the trace context --trace / --traceparent put on the
 * requests to sovereignd (fake ones, sovctl_fake_daemon.h) and not on
 * those to the module.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../lib/trace/trace.h"
#include "../../tools/sovctl/profile.h"
#include "../../tools/sovctl/trace.h"
#include "json_check.h"
#include "sovctl_fake_daemon.h"
#include "sovctl_run.h"

/* ---- refusals: exact words, exit status 2, nothing sent ---- */

struct refusal {
	const char *args[6];
	const char *msg;
};

/* Each of @cases: exit status 2, its line first on stderr, nothing sent. */
static void refused(const struct refusal *cases, size_t n)
{
	char want[512];
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		const char *const *a = cases[i].args;

		ret = run("-s", A->path, a[0], a[1], a[2], a[3], a[4], a[5], NULL);
		if (ret != EXIT_USAGE)
			fail_msg("sovctl %s %s %s %s: exit %d, expected %d; stderr: %s", a[0], a[1],
				 a[2] ? a[2] : "", a[3] ? a[3] : "", ret, EXIT_USAGE, err);
		snprintf(want, sizeof(want), "Error: %s\n", cases[i].msg);
		/* some refusals add the usage after their line */
		if (strncmp(err, want, strlen(want)))
			fail_msg("sovctl %s %s %s %s:\n  got:  %s  want: %s", a[0], a[1],
				 a[2] ? a[2] : "", a[3] ? a[3] : "", err, want);
		assert_string_equal(out, "");
	}
	assert_int_equal(total_calls(), 0);
}

#define REFUSED(cases) refused(cases, sizeof(cases) / sizeof(cases[0]))

static void test_refusals_show(void **state)
{
	static const struct refusal cases[] = {
		{ { "trace", "show", "4bf92f3577b34da6" },
		  "trace show: \"4bf92f3577b34da6\" is not a trace id: expected 32 lowercase hex digits, got 16 characters" },
		{ { "trace", "show", T_HEX "00" },
		  "trace show: \"" T_HEX "00\" is not a trace id: expected 32 lowercase hex digits, got 34 characters" },
		{ { "trace", "show", "4BF92F3577B34DA6A3CE929D0E0E4736" },
		  "trace show: \"4BF92F3577B34DA6A3CE929D0E0E4736\" is not a trace id: 'B' at 2 is uppercase (trace ids are lowercase hex)" },
		{ { "trace", "show", "4bf92f3577b34da6a3ce929d0e0e473z" },
		  "trace show: \"4bf92f3577b34da6a3ce929d0e0e473z\" is not a trace id: 'z' at 32 is not a hex digit" },
		{ { "trace", "show", "00000000000000000000000000000000" },
		  "trace show: \"00000000000000000000000000000000\" is not a trace id: the all-zero id is invalid" },
		{ { "trace", "show" },
		  "'trace show' needs a trace id (32 hex digits, as \"sovctl trace list\" prints them)" },
		{ { "trace", "show", T_HEX, "again" },
		  "'trace show' takes one trace id, got an extra \"again\"" },
		{ { "trace", "show", T_HEX, "--from" }, "'trace show': --from needs a socket path" },
	};

	(void)state;
	REFUSED(cases);
}

static void test_refusals_sample(void **state)
{
	static const struct refusal cases[] = {
		{ { "trace", "sample", "-0.5" },
		  "sample: '-0.5' is not a probability in [0, 1] or a rate like 10/s" },
		{ { "trace", "sample", "2" },
		  "sample: '2' is not a probability in [0, 1] or a rate like 10/s" },
		{ { "trace", "sample", "1.01" },
		  "sample: '1.01' is not a probability in [0, 1] or a rate like 10/s" },
		{ { "trace", "sample", "10/x" },
		  "sample: '10/x': a rate is spans per second, written N/s (like 10/s or 0.5/s)" },
		{ { "trace", "sample", "abc" },
		  "sample: 'abc' is not a probability in [0, 1] or a rate like 10/s" },
		{ { "trace", "sample", "" },
		  "sample: '' is not a probability in [0, 1] or a rate like 10/s" },
		{ { "trace", "sample", "op", "-3/s" },
		  "sample: '-3/s': a rate is a number of spans per second, like 10/s or 0.5/s" },
		{ { "trace", "sample", "0/s" },
		  "sample: '0/s': the rate must be at least 0.001/s (a probability of 0 samples nothing)" },
		{ { "trace", "sample", "0.0001/s" },
		  "sample: '0.0001/s': at most 3 decimals (the daemon counts thousandths of a span per second)" },
		{ { "trace", "sample", "150%" },
		  "sample: '150%' is not a percentage in [0%, 100%]" },
		{ { "trace", "sample", "1e-3" },
		  "sample: '1e-3' is not a probability in [0, 1] or a rate like 10/s" },
		{ { "trace", "sample", "99999999999999999999/s" },
		  "sample: '99999999999999999999/s': the rate is too large" },
		{ { "trace", "sample", "1./s" },
		  "sample: '1./s': a rate is a number of spans per second, like 10/s or 0.5/s" },
		{ { "trace", "sample", ".5" },
		  "sample: '.5' is not a probability in [0, 1] or a rate like 10/s" },
		{ { "trace", "sample", "0.0000000001" },
		  "sample: '0.0000000001': at most 9 decimals in a probability (the daemon counts parts per 10^9)" },
		{ { "trace", "sample" },
		  "'trace sample' needs a rate: [OP] RATE, RATE a probability (0.01, 1%) or a target like 10/s" },
		{ { "trace", "sample", "op", "0.1", "more" },
		  "'trace sample' takes [OP] RATE, got an extra \"more\"" },
	};

	(void)state;
	REFUSED(cases);
}

static void test_refusals_words(void **state)
{
	static const struct refusal cases[] = {
		{ { "trace", "export" },
		  "'trace export' needs a target: a file (JSON lines, appended) or http://HOST[:PORT][/PATH] (OTLP/HTTP JSON; port 4318, path /v1/traces by default)" },
		{ { "trace", "export", "a", "b" }, "'trace export' takes one target, got an extra \"b\"" },
		{ { "trace", "export", "https://collector" },
		  "trace export: export url: expected http://HOST[:PORT]/PATH, got 'https://collector': the scheme must be http, not 'https'" },
		{ { "trace", "status", "now" }, "'trace status' takes no arguments, got \"now\"" },
		{ { "trace", "status", "--from", "/x" },
		  "'trace status' asks one daemon: --from is for show and list (use -s SOCKET)" },
		{ { "trace", "list", "all" },
		  "'trace list' takes no arguments but --from SOCKET, got \"all\"" },
		{ { "trace", "latency", "a", "b" },
		  "'trace latency' takes at most one operation, got an extra \"b\"" },
		{ { "trace", "help", "me" }, "'trace help' takes no arguments, got \"me\"" },
		{ { "trace", "frobnicate" },
		  "command \"frobnicate\" is unknown for 'trace', try \"sovctl trace help\"" },
		{ { "trace", "s" },
		  "command \"s\" is ambiguous for 'trace' (status, show or sample?), try \"sovctl trace help\"" },
		{ { "trace", "l" },
		  "command \"l\" is ambiguous for 'trace' (list or latency?), try \"sovctl trace help\"" },
	};

	(void)state;
	REFUSED(cases);
}

/* --traceparent: every way trace_ctx_parse() refuses one, and its neighbours */
static void test_refusals_traceparent(void **state)
{
	static const struct refusal cases[] = {
		{ { "--traceparent", "00-" T_HEX "-00f067aa0ba902b7-0", "trace", "status" },
		  "--traceparent \"00-" T_HEX "-00f067aa0ba902b7-0\": bad length (expected 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>, lowercase)" },
		{ { "--traceparent", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "trace", "status" },
		  "--traceparent \"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01\": not lowercase hex (expected 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>, lowercase)" },
		{ { "--traceparent", "00_" T_HEX "-00f067aa0ba902b7-01", "trace", "status" },
		  "--traceparent \"00_" T_HEX "-00f067aa0ba902b7-01\": '-' expected (expected 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>, lowercase)" },
		{ { "--traceparent", "ff-" T_HEX "-00f067aa0ba902b7-01", "trace", "status" },
		  "--traceparent \"ff-" T_HEX "-00f067aa0ba902b7-01\": version ff is invalid (expected 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>, lowercase)" },
		{ { "--traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "trace", "status" },
		  "--traceparent \"00-00000000000000000000000000000000-00f067aa0ba902b7-01\": all-zero trace id (expected 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>, lowercase)" },
		{ { "--traceparent", "00-" T_HEX "-0000000000000000-01", "trace", "status" },
		  "--traceparent \"00-" T_HEX "-0000000000000000-01\": all-zero parent id (expected 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>, lowercase)" },
		{ { "--traceparent", "00-" T_HEX "-00f067aa0ba902b7-01x", "trace", "status" },
		  "--traceparent \"00-" T_HEX "-00f067aa0ba902b7-01x\": trailing data after the flags (expected 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>, lowercase)" },
		{ { "--trace", "--traceparent", "00-" T_HEX "-00f067aa0ba902b7-01", "trace", "status" },
		  "--trace and --traceparent: give one of them" },
		{ { "--trace=yes", "trace", "status" }, "option '--trace' takes no value" },
	};

	(void)state;
	REFUSED(cases);
	/* the value is missing */
	assert_int_equal(run("--traceparent", NULL), EXIT_USAGE);
	has(err, "Error: option '--traceparent' needs a value: 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>\n");
}

/* ---- the trace context on requests ---- */

/* @f's last request of @cmd carries a context: decoded into @ctx. */
static bool req_ctx(const struct fake *f, uint8_t cmd, struct trace_ctx *ctx)
{
	const struct nlmsghdr *nlh = (const void *)f->req[cmd];
	const struct nlattr *a = sov_nl_trace_attr(nlh);

	if (!a)
		return false;
	assert_int_equal(mnl_attr_get_type(a), SOV_TRACE_CTX_ATTR);
	assert_int_equal(mnl_attr_get_payload_len(a), SOV_TRACE_CTX_LEN);
	assert_int_equal(trace_ctx_from_bin(ctx, mnl_attr_get_payload(a),
					    mnl_attr_get_payload_len(a)), 0);
	return true;
}

static void test_trace_context(void **state)
{
	const struct nlattr *tb[SOV_A_TRACE_MAX + 1];
	struct trace_ctx ctx, ctx2;
	char hex[33], line[64];

	(void)state;
	/* without --trace: no context */
	assert_int_equal(run("-s", A->path, "trace", "status", NULL), EXIT_OK);
	assert_false(req_ctx(A, SOV_CMD_TRACE_STATUS_GET, &ctx));
	assert_string_equal(err, "");

	/* --trace: a new sampled root, its id on stderr */
	assert_int_equal(run("--trace", "-s", A->path, "trace", "status", NULL), EXIT_OK);
	assert_true(req_ctx(A, SOV_CMD_TRACE_STATUS_GET, &ctx));
	assert_true(trace_ctx_sampled(&ctx));
	assert_true(ctx.flags & TRACE_FLAG_RANDOM);
	assert_int_equal(ctx.version, 0);
	trace_id_hex(&ctx.trace_id, hex);
	snprintf(line, sizeof(line), "trace: %s\n", hex);
	assert_string_equal(err, line);
	has(out, "tracing on node 7\n");

	/* the command's own attributes are still there, the context after them */
	assert_int_equal(run("--trace", "-s", A->path, "trace", "sample", "op", "5/s", NULL),
			 EXIT_OK);
	req_attrs(A, SOV_CMD_TRACE_SAMPLE_SET, tb);
	assert_string_equal(mnl_attr_get_str(tb[SOV_A_TRACE_OP]), "op");
	assert_int_equal(mnl_attr_get_u64(tb[SOV_A_TRACE_RATE_MILLI]), 5000);
	assert_true(req_ctx(A, SOV_CMD_TRACE_SAMPLE_SET, &ctx));

	/* --traceparent: that trace, a span of sovctl's own under the given parent */
	assert_int_equal(run("--traceparent", "00-" T_HEX "-00f067aa0ba902b7-01", "trace", "show",
			     T_HEX, "--from", A->path, "--from", B->path, NULL), EXIT_OK);
	assert_string_equal(err, "");
	assert_true(req_ctx(A, SOV_CMD_TRACE_GET, &ctx));
	assert_true(req_ctx(B, SOV_CMD_TRACE_GET, &ctx2));
	trace_id_hex(&ctx.trace_id, hex);
	assert_string_equal(hex, T_HEX);
	assert_true(trace_id_eq(&ctx.trace_id, &ctx2.trace_id));
	assert_int_equal(ctx.flags, TRACE_FLAG_SAMPLED);
	assert_true(ctx.span_id != 0x00f067aa0ba902b7ULL);
	assert_true(ctx.span_id != ctx2.span_id);	/* one client span per request */

	/* not sampled upstream: not sampled here either */
	assert_int_equal(run("--traceparent", "00-" T_HEX "-00f067aa0ba902b7-00", "-s", B->path,
			     "trace", "list", NULL), EXIT_OK);
	assert_true(req_ctx(B, SOV_CMD_TRACE_LIST, &ctx));
	assert_false(trace_ctx_sampled(&ctx));

	/* --trace with nothing sent to sovereignd: no trace to name */
	assert_int_equal(run("--trace", "trace", "sample", "2", NULL), EXIT_USAGE);
	assert_string_equal(err, "Error: sample: '2' is not a probability in [0, 1] or a rate like 10/s\n");
}

/* ---- requests to the module never carry it ---- */

static unsigned int kernel_calls, kernel_traced;

static int kernel_transact(void *ctx, struct nlmsghdr *req, sov_nl_cb cb, void *data,
			   struct sov_nl_err *e)
{
	unsigned char buf[256];
	struct nlmsghdr *nlh;

	(void)ctx;
	sov_nl_err_clear(e);
	kernel_calls++;
	kernel_traced += sov_nl_trace_attr(req) != NULL;
	nlh = sov_nl_put_hdr(buf, 0x20, SOV_CMD_PROF_GET, SOV_GENL_VERSION, 0, 0);
	mnl_attr_put_u32(nlh, SOV_A_PROF_STATE, SOV_PROF_STATE_IDLE);
	return cb(nlh, data) == MNL_CB_ERROR ? -EPROTO : 0;
}

static const struct sov_prof_io kernel_io = { .transact = kernel_transact };

static void test_kernel_untraced(void **state)
{
	(void)state;
	profile_io_override = &kernel_io;
	kernel_calls = kernel_traced = 0;
	assert_int_equal(run("--trace", "profile", "status", NULL), EXIT_OK);
	assert_true(kernel_calls > 0);
	assert_int_equal(kernel_traced, 0);
	assert_string_equal(err, "");	/* nothing went to sovereignd: no trace to name */
	kernel_calls = 0;
	assert_int_equal(run("--traceparent", "00-" T_HEX "-00f067aa0ba902b7-01", "profile",
			     "status", NULL), EXIT_OK);
	assert_true(kernel_calls > 0);
	assert_int_equal(kernel_traced, 0);
	profile_io_override = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_refusals_show, fake_daemons_reset),
		cmocka_unit_test_setup(test_refusals_sample, fake_daemons_reset),
		cmocka_unit_test_setup(test_refusals_words, fake_daemons_reset),
		cmocka_unit_test_setup(test_refusals_traceparent, fake_daemons_reset),
		cmocka_unit_test_setup(test_trace_context, fake_daemons_reset),
		cmocka_unit_test_setup(test_kernel_untraced, fake_daemons_reset),
	};

	return cmocka_run_group_tests_name("sovctl_trace_refusals", tests, fake_daemons_setup,
					   fake_daemons_teardown);
}
