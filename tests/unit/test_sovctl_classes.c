// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl classes on the host (no sov qdisc here): its help and argument
 * errors, the real rtnetlink dump finding no sov qdisc, and canned qdisc and
 * class messages (tc_msgs.h) decoded by lib/nl/rtnl.c and printed as text
 * and as JSON that json-c parses.
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

#include "../../lib/nl/rtnl.h"
#include "../../tools/sovctl/classes.h"
#include "../../tools/sovctl/print.h"
#include "../../tools/sovctl/sovctl.h"
#include "sovctl_run.h"
#include "tc_msgs.h"

#define assert_has(buf, s)						\
	do {								\
		if (!strstr((buf), (s)))				\
			fail_msg("expected \"%s\" in:\n%s", (s), (buf)); \
	} while (0)

static struct json_object *parse_json(const char *s)
{
	enum json_tokener_error jerr;
	struct json_object *o = json_tokener_parse_verbose(s, &jerr);

	if (!o)
		fail_msg("not JSON (%s): %s", json_tokener_error_desc(jerr), s);
	return o;
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no \"%s\" in %s", key, json_object_to_json_string(o));
	return v;
}

static int64_t get_int(struct json_object *o, const char *key)
{
	return json_object_get_int64(get(o, key));
}

static void test_help(void **state)
{
	(void)state;
	assert_int_equal(run("classes", "help", NULL), EXIT_OK);
	assert_has(out, "Usage: sovctl classes [ status ] [ dev DEV ]");
	assert_has(out, "sovctl classes stats [ dev DEV ]");
	assert_has(out, "tc class change dev DEV classid 1:N sov [ rate RATE ]");
	assert_int_equal(run("help", NULL), EXIT_OK);
	assert_has(out, "classes           the sov qdisc's 8 traffic classes");
}

static void test_usage_errors(void **state)
{
	(void)state;
	assert_int_equal(run("classes", "explode", NULL), EXIT_USAGE);
	assert_has(err, "command \"explode\" is unknown for 'classes'");
	assert_int_equal(run("classes", "status", "eth0", NULL), EXIT_USAGE);
	assert_has(err, "'classes status' takes [ dev DEV ], got \"eth0\"");
	assert_int_equal(run("classes", "stats", "dev", NULL), EXIT_USAGE);
	assert_has(err, "\"dev\" needs a device name");
	assert_int_equal(run("classes", "stats", "dev", "lo", "dev", "lo", NULL), EXIT_USAGE);
	assert_has(err, "\"dev\" is given twice");
	assert_int_equal(run("classes", "status", "dev", "sovnodev0", NULL), EXIT_FAIL);
	assert_has(err, "Error: classes status: device \"sovnodev0\" does not exist");
	assert_int_equal(run("classes", "stats", "dev", "a-name-longer-than-ifnamsiz", NULL),
			 EXIT_FAIL);
	assert_has(err, "does not exist");
}

/* The host's kernel has no sov qdisc: the dump finds none, and says so. */
static void test_none_here(void **state)
{
	struct json_object *o;

	(void)state;
	assert_int_equal(run("classes", NULL), EXIT_OK);
	assert_has(out, "no sov qdisc (add one: tc qdisc add dev DEV root handle 1: sov)");
	assert_int_equal(run("classes", "stats", "dev", "lo", NULL), EXIT_OK);
	assert_has(out, "no sov qdisc on lo");
	assert_int_equal(run("-j", "classes", "status", NULL), EXIT_OK);
	o = parse_json(out);
	assert_int_equal(json_object_array_length(get(o, "qdiscs")), 0);
	json_object_put(o);
	assert_int_equal(run("classes", "stats", "-j", NULL), EXIT_OK);
	o = parse_json(out);
	assert_int_equal(json_object_array_length(get(o, "qdiscs")), 0);
	json_object_put(o);
}

static void test_fmt(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(cls_fmt_rate(1250000, b, sizeof(b)), "10Mbit");
	assert_string_equal(cls_fmt_rate(125000000, b, sizeof(b)), "1Gbit");
	assert_string_equal(cls_fmt_rate(187500, b, sizeof(b)), "1.5Mbit");
	assert_string_equal(cls_fmt_rate(1000, b, sizeof(b)), "8Kbit");
	assert_string_equal(cls_fmt_rate(1, b, sizeof(b)), "8bit");
	assert_string_equal(cls_fmt_rate(12500000000ULL, b, sizeof(b)), "100Gbit");
	assert_string_equal(cls_fmt_handle(0x10000, b, sizeof(b)), "1:");
	assert_string_equal(cls_fmt_handle(0x10003, b, sizeof(b)), "1:3");
	assert_string_equal(cls_fmt_handle(0xabcd0008, b, sizeof(b)), "abcd:8");
	assert_string_equal(cls_fmt_handle(TC_H_ROOT, b, sizeof(b)), "root");
}

/* lib/nl/rtnl.c: a tc message's fields and stats; malformed ones refused. */
static void test_tc_parse(void **state)
{
	static unsigned char buf[4096];
	struct tc_msg_stats st = {
		.bytes = 1ULL << 40, .packets = 5000000000ULL, .qlen = 3, .backlog = 4500,
		.drops = 2, .requeues = 1, .overlimits = 9,
	};
	struct tc_sov_xstats x = { .by_dscp = 77 };
	struct sov_tc_obj o;
	struct nlmsghdr *nlh;

	(void)state;
	nlh = tc_msg_qdisc(buf, 7, 0x10000, tc_msg_prio_default, NULL, 100, 1514);
	tc_msg_put_stats(nlh, &st, &x, sizeof(x));
	assert_int_equal(sov_tc_parse(nlh, &o), 0);
	assert_int_equal(o.type, RTM_NEWQDISC);
	assert_int_equal(o.ifindex, 7);
	assert_int_equal(o.handle, 0x10000);
	assert_int_equal(o.parent, TC_H_ROOT);
	assert_string_equal(o.kind, "sov");
	assert_non_null(o.options);
	assert_true(o.has_stats);
	assert_int_equal(o.bytes, 1ULL << 40);
	assert_int_equal(o.packets, 5000000000ULL);	/* TCA_STATS_PKT64, not the u32 */
	assert_int_equal(o.qlen, 3);
	assert_int_equal(o.backlog, 4500);
	assert_int_equal(o.drops, 2);
	assert_int_equal(o.requeues, 1);
	assert_int_equal(o.overlimits, 9);
	assert_int_equal(o.xstats_len, sizeof(x));
	assert_int_equal(((const struct tc_sov_xstats *)o.xstats)->by_dscp, 77);

	/* no stats at all */
	nlh = tc_msg_class(buf, 7, 0x10000, 2, 0, 0, 0, 10);
	assert_int_equal(sov_tc_parse(nlh, &o), 0);
	assert_int_equal(o.type, RTM_NEWTCLASS);
	assert_false(o.has_stats);
	assert_null(o.xstats);

	/* an attribute that runs past the message */
	nlh = tc_msg_class(buf, 7, 0x10000, 2, 0, 0, 0, 10);
	nlh->nlmsg_len -= 4;
	assert_int_equal(sov_tc_parse(nlh, &o), -EINVAL);
	/* not a tc message; a truncated header */
	nlh = tc_msg_class(buf, 7, 0x10000, 2, 0, 0, 0, 10);
	nlh->nlmsg_type = RTM_NEWLINK;
	assert_int_equal(sov_tc_parse(nlh, &o), -EINVAL);
	nlh->nlmsg_type = RTM_NEWTCLASS;
	nlh->nlmsg_len = sizeof(*nlh) + 4;
	assert_int_equal(sov_tc_parse(nlh, &o), -EINVAL);
}

/* The list a dump would give: lo's 1: with stats, classes 1:1 and 1:3; lo's 5: without. */
static void fill(struct cls_list *l)
{
	static unsigned char buf[8192];
	uint8_t dscp[TC_SOV_DSCP_CNT] = { [46] = 1, [34] = 2, [7] = 3 };
	struct tc_sov_xstats qx = {
		.drops_class_limit = 3, .drops_qdisc_limit = 4, .by_filter = 10, .by_dscp = 20,
		.by_priority = 30, .filter_bad_class = 1, .classes_active = 2,
		.classes_throttled = 1,
	};
	struct tc_sov_class_xstats cx = {
		.drops_class_limit = 3, .throttled = 12, .collisions = 2, .flows_active = 5,
		.flows_max = 9, .rate = 1250000, .ceil = 2500000, .burst = 32768,
		.limit = 1000, .tokens = -1500,
	};
	struct tc_msg_stats st = {
		.bytes = 123456, .packets = 789, .qlen = 5, .backlog = 1500, .drops = 7,
		.overlimits = 11,
	};
	struct nlmsghdr *nlh;

	nlh = tc_msg_qdisc(buf, 1, 0x10000, tc_msg_prio_default, dscp, 10240, 1514);
	tc_msg_put_stats(nlh, &st, &qx, sizeof(qx));
	assert_int_equal(cls_qdisc_cb(nlh, l), MNL_CB_OK);
	nlh = tc_msg_qdisc(buf, 1, 0x50000, tc_msg_prio_default, NULL, 5, 300);
	assert_int_equal(cls_qdisc_cb(nlh, l), MNL_CB_OK);
	/* another kind is not listed */
	nlh = tc_msg_qdisc(buf, 1, 0x60000, tc_msg_prio_default, NULL, 5, 300);
	tc_msg_set_kind(nlh, "htb");
	assert_int_equal(cls_qdisc_cb(nlh, l), MNL_CB_OK);
	assert_int_equal(l->n, 2);

	nlh = tc_msg_class(buf, 1, 0x10000, 3, 1250000, 2500000, 32768, 1000);
	tc_msg_put_stats(nlh, &st, &cx, sizeof(cx));
	assert_int_equal(cls_class_cb(nlh, l), MNL_CB_OK);
	nlh = tc_msg_class(buf, 1, 0x10000, 1, 0, 0, 0, 10240);
	assert_int_equal(cls_class_cb(nlh, l), MNL_CB_OK);
	/* a class of no listed qdisc, and one out of range, are skipped */
	nlh = tc_msg_class(buf, 1, 0x70000, 1, 0, 0, 0, 10240);
	assert_int_equal(cls_class_cb(nlh, l), MNL_CB_OK);
	nlh = tc_msg_class(buf, 1, 0x10000, 9, 0, 0, 0, 10240);
	assert_int_equal(cls_class_cb(nlh, l), MNL_CB_OK);
}

static void print_to(const struct cls_list *l, bool stats, bool json)
{
	FILE *f = tmpfile();
	size_t n;

	assert_non_null(f);
	print_begin(json, false, f);
	cls_print(l, stats);
	assert_int_equal(print_end(), 0);
	rewind(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
}

static void test_print_status(void **state)
{
	struct cls_list l = { 0 };
	struct json_object *o, *q, *c, *d;

	(void)state;
	fill(&l);
	print_to(&l, false, false);
	assert_has(out, "lo: sov 1: root  limit 10240p  quantum 1514\n"
			"  priomap  5 8 7 6 4 3 2 1 5 5 5 5 5 5 5 5   (class of priority 0-15)\n"
			"  dscpmap  7:3,af41:2,ef:1   (other DSCPs by priority)\n"
			"  CLASS   RATE        CEIL        BURST       LIMIT\n"
			"  1:1     -           -           -           10240\n"
			"  1:3     10Mbit      20Mbit      32.0 KiB    1000\n"
			"\n"
			"lo: sov 5: root  limit 5p  quantum 300\n");
	assert_has(out, "  dscpmap  none   (classes by priority)\n");
	if (strstr(out, "1:9") || strstr(out, "7:1"))
		fail_msg("a class that is not the qdisc's:\n%s", out);

	print_to(&l, false, true);
	o = parse_json(out);
	assert_int_equal(json_object_array_length(get(o, "qdiscs")), 2);
	q = json_object_array_get_idx(get(o, "qdiscs"), 0);
	assert_string_equal(json_object_get_string(get(q, "dev")), "lo");
	assert_int_equal(get_int(q, "ifindex"), 1);
	assert_string_equal(json_object_get_string(get(q, "handle")), "1:");
	assert_string_equal(json_object_get_string(get(q, "parent")), "root");
	assert_int_equal(get_int(q, "limit"), 10240);
	assert_int_equal(get_int(q, "quantum"), 1514);
	assert_int_equal(json_object_array_length(get(q, "priomap")), 16);
	assert_int_equal(json_object_get_int(json_object_array_get_idx(get(q, "priomap"), 7)), 1);
	assert_int_equal(json_object_array_length(get(q, "dscpmap")), 3);
	d = json_object_array_get_idx(get(q, "dscpmap"), 2);
	assert_int_equal(get_int(d, "dscp"), 46);
	assert_string_equal(json_object_get_string(get(d, "name")), "ef");
	assert_int_equal(get_int(d, "class"), 1);
	d = json_object_array_get_idx(get(q, "dscpmap"), 0);
	assert_int_equal(get_int(d, "dscp"), 7);
	assert_false(json_object_object_get_ex(d, "name", NULL));
	assert_int_equal(json_object_array_length(get(q, "classes")), 2);
	c = json_object_array_get_idx(get(q, "classes"), 1);
	assert_string_equal(json_object_get_string(get(c, "classid")), "1:3");
	assert_int_equal(get_int(c, "rate"), 1250000);
	assert_int_equal(get_int(c, "ceil"), 2500000);
	assert_int_equal(get_int(c, "burst"), 32768);
	assert_int_equal(get_int(c, "limit"), 1000);
	assert_false(json_object_object_get_ex(c, "stats", NULL));
	q = json_object_array_get_idx(get(o, "qdiscs"), 1);
	assert_int_equal(json_object_array_length(get(q, "dscpmap")), 0);
	json_object_put(o);
	cls_list_free(&l);
}

static void test_print_stats(void **state)
{
	struct cls_list l = { 0 };
	struct json_object *o, *q, *s, *c;

	(void)state;
	fill(&l);
	print_to(&l, true, false);
	assert_has(out, "lo: sov 1: root\n"
			"  sent 123456 bytes 789 pkts, dropped 7 (class limit 3, qdisc limit 4), "
			"overlimits 11, requeues 0\n"
			"  backlog 1500 bytes 5 pkts; classes active 2, throttled 1\n"
			"  classified by filter 10, dscp 20, priority 30; filter to no class 1\n");
	assert_has(out, "  CLASS      PACKETS         BYTES     DROPS  CLASS-LIM  QDISC-LIM"
			"  OVERLIMITS     BACKLOG    QLEN  FLOWS    MAX  COLLISIONS  THROTTLED"
			"      TOKENS\n");
	assert_has(out, "  1:3            789        123456         7          3          0"
			"          11        1500       5      5      9           2         12"
			"       -1500\n");
	assert_has(out, "  1:1              0             0         0          -          -"
			"           0           0       0\n");

	print_to(&l, true, true);
	o = parse_json(out);
	q = json_object_array_get_idx(get(o, "qdiscs"), 0);
	s = get(q, "stats");
	assert_int_equal(get_int(s, "bytes"), 123456);
	assert_int_equal(get_int(s, "packets"), 789);
	assert_int_equal(get_int(s, "drops"), 7);
	assert_int_equal(get_int(s, "overlimits"), 11);
	assert_int_equal(get_int(s, "backlog"), 1500);
	assert_int_equal(get_int(s, "qlen"), 5);
	assert_int_equal(get_int(s, "drops_class_limit"), 3);
	assert_int_equal(get_int(s, "drops_qdisc_limit"), 4);
	assert_int_equal(get_int(s, "by_filter"), 10);
	assert_int_equal(get_int(s, "by_dscp"), 20);
	assert_int_equal(get_int(s, "by_priority"), 30);
	assert_int_equal(get_int(s, "filter_bad_class"), 1);
	assert_int_equal(get_int(s, "classes_active"), 2);
	assert_int_equal(get_int(s, "classes_throttled"), 1);
	c = json_object_array_get_idx(get(q, "classes"), 1);
	assert_string_equal(json_object_get_string(get(c, "classid")), "1:3");
	assert_int_equal(get_int(c, "rate"), 1250000);
	s = get(c, "stats");
	assert_int_equal(get_int(s, "packets"), 789);
	assert_int_equal(get_int(s, "drops_class_limit"), 3);
	assert_int_equal(get_int(s, "drops_qdisc_limit"), 0);
	assert_int_equal(get_int(s, "flows_active"), 5);
	assert_int_equal(get_int(s, "flows_max"), 9);
	assert_int_equal(get_int(s, "collisions"), 2);
	assert_int_equal(get_int(s, "throttled"), 12);
	assert_int_equal(get_int(s, "tokens"), -1500);
	/* the class without xstats has the standard stats only */
	c = json_object_array_get_idx(get(q, "classes"), 0);
	s = get(c, "stats");
	assert_int_equal(get_int(s, "packets"), 0);
	assert_false(json_object_object_get_ex(s, "flows_active", NULL));
	json_object_put(o);
	cls_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_none_here),
		cmocka_unit_test(test_fmt),
		cmocka_unit_test(test_tc_parse),
		cmocka_unit_test(test_print_status),
		cmocka_unit_test(test_print_stats),
	};

	return cmocka_run_group_tests_name("sovctl_classes", tests, NULL, NULL);
}
