// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl trace's verbs against fake sovereignds (sovctl_fake_daemon.h):
 * every verb's request, the text and JSON of status, list, show and
 * latency, the span tree (order, remote parents), a trace merged from
 * several daemons with --from, and the words on their own. The refusals
 * and the trace context are test_sovctl_trace_refusals.c's.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "../../lib/trace/trace.h"
#include "../../tools/sovctl/trace.h"
#include "json_check.h"
#include "sovctl_fake_daemon.h"
#include "sovctl_run.h"

/* a daemon's bug: two spans each the other's parent */
static const struct fspan spans_cycle[] = {
	{ 0xc1, 0xc2, "ping", TRACE_STATUS_OK, NULL, 0, 1 * MS, 3, NULL, NULL, NULL, 0 },
	{ 0xc2, 0xc1, "pong", TRACE_STATUS_ERROR, NULL, 100 * US, 1 * MS, 3, NULL, NULL, NULL, 0 },
};

/* ---- the verbs: requests and output ---- */

static void test_status(void **state)
{
	struct json_object *o, *g, *v;

	(void)state;
	assert_int_equal(run("-s", A->path, "trace", "status", NULL), EXIT_OK);
	assert_string_equal(out,
			    "tracing on node 7\n"
			    "  store     traces 12, evicted 3\n"
			    "  recorder  recorded 1000\n"
			    "  sampler   decisions 50\n"
			    "  other     stray 1\n");
	assert_string_equal(err, "");
	/* the request is the bare command */
	assert_int_equal(((struct nlmsghdr *)A->req[SOV_CMD_TRACE_STATUS_GET])->nlmsg_len,
			 NLMSG_HDRLEN + GENL_HDRLEN);

	assert_int_equal(run("-s", A->path, "trace", "status", "-j", NULL), EXIT_OK);
	o = parse_json(out);
	assert_int_equal(jint(o, "node"), 7);
	assert_true(json_object_object_get_ex(o, "counters", &v));
	assert_true(json_object_object_get_ex(v, "store", &g));
	assert_int_equal(jint(g, "traces"), 12);
	assert_int_equal(jint(g, "evicted"), 3);
	assert_true(json_object_object_get_ex(v, "other", &g));
	assert_int_equal(jint(g, "stray"), 1);
	json_object_put(o);
}

static void test_list(void **state)
{
	struct json_object *o, *arr, *e, *names;

	(void)state;
	assert_int_equal(run("-s", A->path, "trace", "list", NULL), EXIT_OK);
	assert_string_equal(out,
			    "TRACE                             START                      DURATION  SPANS  ERRORS  KEEP                 ROOT\n"
			    "00000000000000000000000000000bad  2025-11-25T16:02:10.123Z      800ns      1       0  undecided            lb.health\n"
			    T_HEX "  2025-11-25T16:02:11.123Z     5.00ms      4       0  sampled              ctl.kv-put\n");
	assert_true(A->req[SOV_CMD_TRACE_LIST][6] & (NLM_F_DUMP >> 8));

	/* two daemons: one row per trace, their parts added up */
	assert_int_equal(run("trace", "list", "--from", A->path, "--from=" "", NULL), EXIT_USAGE);
	assert_int_equal(run("-j", "trace", "list", "--from", A->path, "--from", B->path, NULL),
			 EXIT_OK);
	o = parse_json(out);
	assert_true(json_object_object_get_ex(o, "traces", &arr));
	assert_int_equal(json_object_array_length(arr), 3);
	e = json_object_array_get_idx(arr, 1);
	assert_string_equal(jstr(e, "trace_id"), T_HEX);
	assert_string_equal(jstr(e, "root"), "ctl.kv-put");
	assert_int_equal(jint(e, "spans"), 6);
	assert_int_equal(jint(e, "errors"), 1);
	assert_int_equal(jint(e, "keep"), TRACE_KEEP_SAMPLED | TRACE_KEEP_ERROR);
	assert_true(json_object_object_get_ex(e, "keep_names", &names));
	assert_int_equal(json_object_array_length(names), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(names, 1)), "error");
	assert_int_equal(jint(e, "start_ns"), (int64_t)T0);
	assert_int_equal(jint(e, "duration_ns"), 5 * MS);
	assert_int_equal(jint(e, "daemons"), 2);
	e = json_object_array_get_idx(arr, 2);
	assert_string_equal(jstr(e, "trace_id"), "ffffffffffffffffffffffffffffffff");
	assert_int_equal(jint(e, "daemons"), 1);
	json_object_put(o);
	assert_int_equal(A->calls[SOV_CMD_TRACE_LIST], 2);	/* -s A, then --from A */
	assert_int_equal(B->calls[SOV_CMD_TRACE_LIST], 1);

	assert_int_equal(run("-s", D->path, "trace", "list", NULL), EXIT_OK);
	assert_string_equal(out, "no traces held\n");
}

static const char show_a[] =
	"trace " T_HEX ": 4 spans on 1 node, 5.00ms, 0 errors\n"
	"SPAN            NODE  DURATION     OFFSET  STATUS\n"
	"ctl.kv-put      1       5.00ms       +0ns  ok  op=put  bytes=512\n"
	"  raft.propose  1       3.90ms     +100µs  ok  raft.index=42\n"
	"    raft.wait   1       2.80ms     +200µs  ok\n"
	"  kv.apply      1        400µs    +4.50ms  -  key=\"a b\"\n";

static void test_show_one(void **state)
{
	const struct nlattr *tb[SOV_A_TRACE_MAX + 1];

	(void)state;
	assert_int_equal(run("-s", A->path, "trace", "show", T_HEX, NULL), EXIT_OK);
	assert_string_equal(out, show_a);
	assert_string_equal(err, "");
	req_attrs(A, SOV_CMD_TRACE_GET, tb);
	assert_non_null(tb[SOV_A_TRACE_ID]);
	assert_int_equal(mnl_attr_get_payload_len(tb[SOV_A_TRACE_ID]), 16);
	assert_memory_equal(mnl_attr_get_payload(tb[SOV_A_TRACE_ID]),
			    "\x4b\xf9\x2f\x35\x77\xb3\x4d\xa6\xa3\xce\x92\x9d\x0e\x0e\x47\x36", 16);
	assert_true(A->req[SOV_CMD_TRACE_GET][6] & (NLM_F_DUMP >> 8));

	/* B alone: both spans' parents are elsewhere */
	assert_int_equal(run("-s", B->path, "trace", "show", T_HEX, NULL), EXIT_OK);
	assert_string_equal(out,
			    "trace " T_HEX ": 2 spans on 1 node, 1.00ms, 1 error\n"
			    "SPAN         NODE  DURATION     OFFSET  STATUS\n"
			    "raft.append  2       1.00ms       +0ns  ERROR: disk full  (remote parent 00000000000000a2)\n"
			    "peer.recv    2        850ns     +500µs  ok  (remote parent 00000000deadbeef)\n");

	/* a cycle is broken where it starts, and said to be one */
	D->spans = spans_cycle;
	D->nspans = 2;
	assert_int_equal(run("-s", D->path, "trace", "show", T_HEX, NULL), EXIT_OK);
	assert_string_equal(out,
			    "trace " T_HEX ": 2 spans on 1 node, 1.10ms, 1 error\n"
			    "SPAN    NODE  DURATION     OFFSET  STATUS\n"
			    "ping    3       1.00ms       +0ns  ok  (parent 00000000000000c2: a cycle)\n"
			    "  pong  3       1.00ms     +100µs  ERROR\n");
	D->nspans = 0;

	/* one daemon that does not hold it: its own words */
	assert_int_equal(run("-s", D->path, "trace", "show", T_HEX, NULL), EXIT_FAIL);
	assert_string_equal(err, "Error: trace show: trace " T_HEX " is not held here\n");
	assert_string_equal(out, "");
}

static void test_show_merged(void **state)
{
	struct json_object *o, *arr, *s, *v, *attrs;
	static const char *const order[] = {
		"ctl.kv-put", "raft.propose", "raft.wait", "raft.append", "kv.apply", "peer.recv",
	};
	static const int depth[] = { 0, 1, 2, 2, 1, 0 };
	unsigned int i;

	(void)state;
	/* A and B hold parts, C a copy of one of A's, D nothing: skipped */
	assert_int_equal(run("trace", "show", T_HEX, "--from", A->path, "--from", B->path,
			     "--from", C->path, "--from", D->path, NULL), EXIT_OK);
	assert_string_equal(out,
			    "trace " T_HEX ": 6 spans on 2 nodes, 5.00ms, 1 error (from 3 daemons)\n"
			    "SPAN             NODE  DURATION     OFFSET  STATUS\n"
			    "ctl.kv-put       1       5.00ms       +0ns  ok  op=put  bytes=512\n"
			    "  raft.propose   1       3.90ms     +100µs  ok  raft.index=42\n"
			    "    raft.wait    1       2.80ms     +200µs  ok\n"
			    "    raft.append  2       1.00ms    +1.00ms  ERROR: disk full\n"
			    "  kv.apply       1        400µs    +4.50ms  -  key=\"a b\"\n"
			    "peer.recv        2        850ns    +1.50ms  ok  (remote parent 00000000deadbeef)\n");
	assert_string_equal(err, "");
	for (i = 0; i < NFAKE; i++)
		assert_int_equal(fakes[i].calls[SOV_CMD_TRACE_GET], 1);

	assert_int_equal(run("-j", "trace", "show", T_HEX, "--from", B->path, "--from", A->path,
			     NULL), EXIT_OK);
	o = parse_json(out);
	assert_string_equal(jstr(o, "trace_id"), T_HEX);
	assert_int_equal(jint(o, "span_count"), 6);
	assert_int_equal(jint(o, "nodes"), 2);
	assert_int_equal(jint(o, "errors"), 1);
	assert_int_equal(jint(o, "start_ns"), (int64_t)T0);
	assert_int_equal(jint(o, "duration_ns"), 5 * MS);
	assert_true(json_object_object_get_ex(o, "from", &arr));
	assert_int_equal(json_object_array_length(arr), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(arr, 0)), B->path);
	assert_true(json_object_object_get_ex(o, "spans", &arr));
	assert_int_equal(json_object_array_length(arr), 6);
	for (i = 0; i < 6; i++) {
		s = json_object_array_get_idx(arr, i);
		assert_string_equal(jstr(s, "name"), order[i]);
		assert_int_equal(jint(s, "depth"), depth[i]);
		assert_true(json_object_object_get_ex(s, "orphan", &v));
		assert_int_equal(json_object_get_boolean(v), i == 5);
	}
	s = json_object_array_get_idx(arr, 0);
	assert_string_equal(jstr(s, "span_id"), "00000000000000a1");
	assert_true(json_object_object_get_ex(s, "parent_id", &v));
	assert_null(v);
	assert_int_equal(jint(s, "node"), 1);
	assert_int_equal(jint(s, "kind"), TRACE_KIND_SERVER);
	assert_true(json_object_object_get_ex(s, "attrs", &attrs));
	assert_string_equal(jstr(attrs, "op"), "put");
	assert_int_equal(jint(attrs, "bytes"), 512);
	s = json_object_array_get_idx(arr, 3);
	assert_string_equal(jstr(s, "span_id"), "00000000000000b4");
	assert_string_equal(jstr(s, "parent_id"), "00000000000000a2");
	assert_int_equal(jint(s, "status"), TRACE_STATUS_ERROR);
	assert_string_equal(jstr(s, "status_msg"), "disk full");
	assert_int_equal(jint(s, "offset_ns"), 1 * MS);
	assert_int_equal(jint(s, "duration_ns"), 1 * MS);
	assert_int_equal(jint(s, "start_ns"), (int64_t)(T0 + 1 * MS));
	assert_int_equal(jint(s, "end_ns"), (int64_t)(T0 + 2 * MS));
	json_object_put(o);

	/* nobody holds it (a socket given twice is asked once) */
	C->nspans = 0;
	assert_int_equal(run("trace", "show", T_HEX, "--from", C->path, "--from", D->path,
			     "--from", D->path, NULL), EXIT_FAIL);
	assert_string_equal(err, "Error: trace " T_HEX ": no daemon holds it\n");
	assert_string_equal(out, "");
	assert_int_equal(D->calls[SOV_CMD_TRACE_GET], 2);	/* once here, once above */
	C->nspans = 1;
	assert_int_equal(run("trace", "show", T_HEX, "--from", C->path, "--from", D->path,
			     NULL), EXIT_OK);
	has(out, ": 1 span on 1 node, 3.90ms, 0 errors\n");
	has(out, "raft.propose  1       3.90ms       +0ns  ok  raft.index=42  (remote parent 00000000000000a1)\n");

	/* one that cannot be reached is an error naming it, nothing printed */
	assert_int_equal(run("trace", "show", T_HEX, "--from", A->path, "--from", gone, NULL),
			 EXIT_FAIL);
	assert_string_equal(out, "");
	has(err, "Error: sovereignd is not running (nothing listens on ");
	has(err, gone);

	/* another refusal names the daemon */
	B->error[SOV_CMD_TRACE_GET] = -EPERM;
	B->msg = "not allowed";
	assert_int_equal(run("trace", "show", T_HEX, "--from", A->path, "--from", B->path, NULL),
			 EXIT_FAIL);
	assert_string_equal(out, "");
	has(err, "Error: trace show at ");
	has(err, "/b.sock: not allowed\n");
}

static void test_latency(void **state)
{
	const struct nlattr *tb[SOV_A_TRACE_MAX + 1];
	struct json_object *o, *arr, *e, *v;

	(void)state;
	assert_int_equal(run("-s", A->path, "trace", "latency", NULL), EXIT_OK);
	assert_string_equal(out,
			    "OP          SOURCE     COUNT       P50       P90       P99     P99.9       MAX  P            TARGET     OBSERVED\n"
			    "ctl.kv-put  daemon      1234    1.20ms    3.00ms    45.6ms     123ms     2.50s  0.25         10/s       9.875/s\n"
			    "sys.read    kernel        99     850ns    3.00ms    45.6ms     123ms    2.00ms  -            -          -\n");
	req_attrs(A, SOV_CMD_TRACE_LATENCY_GET, tb);
	assert_null(tb[SOV_A_TRACE_OP]);
	assert_true(A->req[SOV_CMD_TRACE_LATENCY_GET][6] & (NLM_F_DUMP >> 8));

	assert_int_equal(run("-s", A->path, "-j", "trace", "latency", "sys.read", NULL), EXIT_OK);
	req_attrs(A, SOV_CMD_TRACE_LATENCY_GET, tb);
	assert_string_equal(mnl_attr_get_str(tb[SOV_A_TRACE_OP]), "sys.read");
	o = parse_json(out);
	assert_true(json_object_object_get_ex(o, "ops", &arr));
	assert_int_equal(json_object_array_length(arr), 1);
	e = json_object_array_get_idx(arr, 0);
	assert_string_equal(jstr(e, "op"), "sys.read");
	assert_string_equal(jstr(e, "source"), "kernel");
	assert_int_equal(jint(e, "count"), 99);
	assert_int_equal(jint(e, "p50_ns"), 850);
	assert_int_equal(jint(e, "kept_error"), 2);
	assert_true(json_object_object_get_ex(e, "prob_ppb", &v));
	assert_null(v);
	json_object_put(o);

	assert_int_equal(run("-s", A->path, "-j", "trace", "latency", "ctl.kv-put", NULL), EXIT_OK);
	o = parse_json(out);
	assert_true(json_object_object_get_ex(o, "ops", &arr));
	e = json_object_array_get_idx(arr, 0);
	assert_int_equal(jint(e, "prob_ppb"), 250000000);
	assert_int_equal(jint(e, "rate_milli"), 10000);
	assert_int_equal(jint(e, "observed_milli"), 9875);
	assert_int_equal(jint(e, "p999_ns"), 123 * MS);
	json_object_put(o);

	assert_int_equal(run("-s", A->path, "trace", "latency", "nope", NULL), EXIT_OK);
	assert_string_equal(out, "no latency recorded for \"nope\"\n");
}

static void test_sample(void **state)
{
	static const struct {
		const char *op, *rate;
		int attr;
		uint64_t v;
	} cases[] = {
		{ NULL, "10/s", SOV_A_TRACE_RATE_MILLI, 10000 },
		{ NULL, "0.5/s", SOV_A_TRACE_RATE_MILLI, 500 },
		{ NULL, "0.001/s", SOV_A_TRACE_RATE_MILLI, 1 },
		{ "ctl.kv-put", "0.01", SOV_A_TRACE_PROB_PPB, 10000000 },
		{ NULL, "1%", SOV_A_TRACE_PROB_PPB, 10000000 },
		{ NULL, "0.5%", SOV_A_TRACE_PROB_PPB, 5000000 },
		{ NULL, "100%", SOV_A_TRACE_PROB_PPB, 1000000000 },
		{ NULL, "1", SOV_A_TRACE_PROB_PPB, 1000000000 },
		{ NULL, "0", SOV_A_TRACE_PROB_PPB, 0 },
		{ "raft.propose", "0.000000001", SOV_A_TRACE_PROB_PPB, 1 },
	};
	const struct nlattr *tb[SOV_A_TRACE_MAX + 1];
	struct json_object *o, *v;
	unsigned int i;
	int other;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].op)
			assert_int_equal(run("-s", A->path, "trace", "sample", cases[i].op,
					     cases[i].rate, NULL), EXIT_OK);
		else
			assert_int_equal(run("-s", A->path, "trace", "sample", cases[i].rate,
					     NULL), EXIT_OK);
		req_attrs(A, SOV_CMD_TRACE_SAMPLE_SET, tb);
		other = cases[i].attr == SOV_A_TRACE_PROB_PPB ? SOV_A_TRACE_RATE_MILLI :
			SOV_A_TRACE_PROB_PPB;
		assert_non_null(tb[cases[i].attr]);
		assert_int_equal(mnl_attr_get_u64(tb[cases[i].attr]), cases[i].v);
		assert_null(tb[other]);
		if (cases[i].op)
			assert_string_equal(mnl_attr_get_str(tb[SOV_A_TRACE_OP]), cases[i].op);
		else
			assert_null(tb[SOV_A_TRACE_OP]);
	}
	assert_int_equal(run("-s", A->path, "trace", "sample", "ctl.kv-put", "10/s", NULL),
			 EXIT_OK);
	assert_string_equal(out, "sampling of ctl.kv-put: adaptive, target 10 sampled spans/s\n");
	assert_int_equal(run("-s", A->path, "trace", "sample", "1%", NULL), EXIT_OK);
	assert_string_equal(out,
			    "sampling of every operation without a setting of its own: fixed probability 0.01\n");
	assert_int_equal(run("-s", A->path, "-j", "trace", "sample", "ctl.kv-put", "2.5/s", NULL),
			 EXIT_OK);
	o = parse_json(out);
	assert_string_equal(jstr(o, "op"), "ctl.kv-put");
	assert_string_equal(jstr(o, "mode"), "adaptive");
	assert_int_equal(jint(o, "rate_milli"), 2500);
	assert_true(json_object_object_get_ex(o, "prob_ppb", &v));
	assert_null(v);
	json_object_put(o);

	/* the daemon's refusal, in its words */
	A->error[SOV_CMD_TRACE_SAMPLE_SET] = -EINVAL;
	A->msg = "op \"x\": unknown operation";
	assert_int_equal(run("-s", A->path, "trace", "sample", "x", "0.1", NULL), EXIT_FAIL);
	assert_string_equal(err, "Error: trace sample: op \"x\": unknown operation\n");
}

static void test_export(void **state)
{
	const struct nlattr *tb[SOV_A_TRACE_MAX + 1];
	struct json_object *o;
	char cwd[4096], want[4200];

	(void)state;
	assert_int_equal(run("-s", A->path, "trace", "export", "/var/tmp/traces.jsonl", NULL),
			 EXIT_OK);
	assert_string_equal(out, "exported 7 traces to /var/tmp/traces.jsonl\n");
	req_attrs(A, SOV_CMD_TRACE_EXPORT, tb);
	assert_string_equal(mnl_attr_get_str(tb[SOV_A_TRACE_TARGET]), "/var/tmp/traces.jsonl");

	/* a relative path is the caller's, not the daemon's */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(want, sizeof(want), "%s/out.jsonl", cwd);
	assert_int_equal(run("-s", A->path, "trace", "export", "out.jsonl", NULL), EXIT_OK);
	req_attrs(A, SOV_CMD_TRACE_EXPORT, tb);
	assert_string_equal(mnl_attr_get_str(tb[SOV_A_TRACE_TARGET]), want);

	/* a URL goes with its port and path: OTLP/HTTP's when not given */
	assert_int_equal(run("-s", A->path, "-j", "trace", "export", "http://127.0.0.1", NULL),
			 EXIT_OK);
	req_attrs(A, SOV_CMD_TRACE_EXPORT, tb);
	assert_string_equal(mnl_attr_get_str(tb[SOV_A_TRACE_TARGET]),
			    "http://127.0.0.1:4318/v1/traces");
	o = parse_json(out);
	assert_int_equal(jint(o, "exported"), 7);
	assert_string_equal(jstr(o, "target"), "http://127.0.0.1:4318/v1/traces");
	json_object_put(o);
	assert_int_equal(run("-s", A->path, "trace", "export", "HTTP://[::1]:9000/otlp?x=1", NULL),
			 EXIT_OK);
	req_attrs(A, SOV_CMD_TRACE_EXPORT, tb);
	assert_string_equal(mnl_attr_get_str(tb[SOV_A_TRACE_TARGET]), "http://[::1]:9000/otlp?x=1");
	assert_string_equal(out, "exported 7 traces to http://[::1]:9000/otlp?x=1\n");
	assert_int_equal(run("-s", A->path, "trace", "export", "http://[fe80::1]", NULL), EXIT_OK);
	req_attrs(A, SOV_CMD_TRACE_EXPORT, tb);
	assert_string_equal(mnl_attr_get_str(tb[SOV_A_TRACE_TARGET]),
			    "http://[fe80::1]:4318/v1/traces");
}

static void test_help(void **state)
{
	(void)state;
	assert_int_equal(run("trace", "help", NULL), EXIT_OK);
	has(out, "Usage: sovctl trace status\n");
	has(out, "       sovctl trace show TRACE_ID [ --from SOCKET ]...\n");
	has(out, "       sovctl trace sample [ OP ] RATE\n");
	assert_string_equal(err, "");
	assert_int_equal(run("trace", NULL), EXIT_USAGE);
	has(err, "Usage: sovctl trace status\n");
	assert_string_equal(out, "");
	assert_int_equal(run("help", NULL), EXIT_OK);
	has(out, "  trace             sovereignd's traces");
	has(out, "--trace | --traceparent TRACEPARENT }");
}

/* ---- the words on their own ---- */

static void test_formats(void **state)
{
	char b[48];
	struct trace_rate r;

	(void)state;
	assert_string_equal(trace_fmt_ns(0, b, sizeof(b)), "0ns");
	assert_string_equal(trace_fmt_ns(999, b, sizeof(b)), "999ns");
	assert_string_equal(trace_fmt_ns(1000, b, sizeof(b)), "1.00µs");
	assert_string_equal(trace_fmt_ns(12345, b, sizeof(b)), "12.3µs");
	assert_string_equal(trace_fmt_ns(4560000, b, sizeof(b)), "4.56ms");
	assert_string_equal(trace_fmt_ns(1200000000, b, sizeof(b)), "1.20s");
	assert_string_equal(trace_fmt_ns(3600000000000ULL, b, sizeof(b)), "3600s");
	assert_string_equal(trace_fmt_fixed(1500, 3, b, sizeof(b)), "1.5");
	assert_string_equal(trace_fmt_fixed(1000000000, 9, b, sizeof(b)), "1");
	assert_string_equal(trace_fmt_fixed(1, 9, b, sizeof(b)), "0.000000001");
	assert_string_equal(trace_fmt_fixed(0, 3, b, sizeof(b)), "0");
	assert_string_equal(trace_fmt_time(T0, b, sizeof(b)), "2025-11-25T16:02:11.123Z");
	assert_int_equal(trace_parse_rate("12.345/s", &r), EXIT_OK);
	assert_true(r.adaptive);
	assert_int_equal(r.rate_milli, 12345);
	assert_int_equal(trace_parse_rate("0.25", &r), EXIT_OK);
	assert_false(r.adaptive);
	assert_int_equal(r.prob_ppb, 250000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
		cmocka_unit_test_setup(test_help, fake_daemons_reset),
		cmocka_unit_test_setup(test_status, fake_daemons_reset),
		cmocka_unit_test_setup(test_list, fake_daemons_reset),
		cmocka_unit_test_setup(test_show_one, fake_daemons_reset),
		cmocka_unit_test_setup(test_show_merged, fake_daemons_reset),
		cmocka_unit_test_setup(test_latency, fake_daemons_reset),
		cmocka_unit_test_setup(test_sample, fake_daemons_reset),
		cmocka_unit_test_setup(test_export, fake_daemons_reset),
	};

	return cmocka_run_group_tests_name("sovctl_trace", tests, fake_daemons_setup,
					   fake_daemons_teardown);
}
