// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl parsing and printing: exit codes, messages, and JSON that a real
 * parser (json-c) accepts. Runs on the host, where the module is not loaded.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "../../tools/sovctl/lb.h"
#include "../../tools/sovctl/print.h"
#include "../../kmod/version.h"
#include "../../tools/sovctl/sovctl.h"
#include "sovctl_run.h"

static struct json_object *parse_json(const char *s)
{
	enum json_tokener_error jerr;
	struct json_object *o = json_tokener_parse_verbose(s, &jerr);

	if (!o)
		fail_msg("not JSON (%s): %s", json_tokener_error_desc(jerr), s);
	return o;
}

static void test_help(void **state)
{
	(void)state;
	assert_int_equal(run("help", NULL), EXIT_OK);
	assert_non_null(strstr(out, "Usage: sovctl"));
	assert_int_equal(run("module", "help", NULL), EXIT_OK);
	assert_non_null(strstr(out, "log-level"));
	assert_int_equal(run("daemon", "help", NULL), EXIT_OK);
	assert_int_equal(run("status", "help", NULL), EXIT_OK);
}

static void test_usage_errors(void **state)
{
	(void)state;
	assert_int_equal(run(NULL), EXIT_USAGE);
	assert_int_equal(run("frobnicate", NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "object \"frobnicate\" is unknown"));
	assert_int_equal(run("-x", "status", NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "option '-x' is not known"));
	assert_int_equal(run("-s", NULL), EXIT_USAGE);
	assert_int_equal(run("module", "explode", NULL), EXIT_USAGE);
	assert_int_equal(run("module", "set", NULL), EXIT_USAGE);
	assert_int_equal(run("module", "set", "log-level", NULL), EXIT_USAGE);
	assert_int_equal(run("module", "set", "log-level", "loud", NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "\"loud\" is not a log level"));
	assert_int_equal(run("module", "set", "colour", "red", NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "unknown setting \"colour\""));
	assert_int_equal(run("version", "extra", NULL), EXIT_USAGE);
	assert_int_equal(run("daemon", "status", "extra", NULL), EXIT_USAGE);
}

/* Health-check options are parsed before anything is sent: refusals name them. */
static void test_lb_health_options(void **state)
{
	static const char *const svc = "10.0.0.1:53/udp";
	char longer[300];

	(void)state;
	assert_int_equal(run("lb", "help", NULL), EXIT_OK);
	assert_non_null(strstr(out, "health { none | tcp | http | udp | icmp }"));
	assert_non_null(strstr(out, "[ send BYTES ] [ expect BYTES ]"));
	assert_int_equal(run("lb", "service", "add", svc, "health", "sctp", NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "health \"sctp\" unknown: expected none, tcp, http, udp or icmp"));
	assert_int_equal(run("lb", "service", "add", svc, "health", "udp", "send", "a\\q", NULL),
			 EXIT_USAGE);
	assert_non_null(strstr(err, "send \"a\\q\": unknown escape \\q"));
	assert_int_equal(run("lb", "service", "add", svc, "expect", "\\x4", NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "expect \"\\x4\": \\x needs two hex digits"));
	assert_int_equal(run("lb", "service", "add", svc, "send", "ends\\", NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "unknown escape"));
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	assert_int_equal(run("lb", "service", "add", svc, "send", longer, NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "health check send is more than 256 bytes: expected 1-256 bytes"));
	/* well-formed: parsed, then it is the daemon that is missing */
	assert_int_equal(run("-s", "/nonexistent/ctl", "lb", "service", "add", svc, "health",
			     "udp", "send", "\\x00\\n\\\\", "expect", "", NULL), EXIT_FAIL);
	assert_non_null(strstr(err, "sovereignd is not running"));
}

static void test_version_json(void **state)
{
	struct json_object *o, *v;

	(void)state;
	assert_int_equal(run("-j", "version", NULL), EXIT_OK);
	o = parse_json(out);
	assert_true(json_object_object_get_ex(o, "sovctl", &v));
	assert_string_equal(json_object_get_string(v), SOV_VERSION);
	json_object_put(o);
	assert_int_equal(run("version", NULL), EXIT_OK);
	assert_non_null(strstr(out, "sovctl " SOV_VERSION));
}

/* No module on the host: a clear message, not an errno. */
static void test_module_absent(void **state)
{
	(void)state;
	assert_int_equal(run("module", "show", NULL), EXIT_FAIL);
	assert_non_null(strstr(err, "sovereign module is not loaded (insmod kmod/sovereign.ko)"));
	assert_int_equal(run("module", "set", "log-level", "3", NULL), EXIT_FAIL);
	assert_non_null(strstr(err, "sovereign module is not loaded"));
}

static void test_daemon_absent(void **state)
{
	(void)state;
	assert_int_equal(run("-s", "/nonexistent/ctl", "daemon", "status", NULL), EXIT_FAIL);
	assert_non_null(strstr(err, "sovereignd is not running"));
}

static void test_status_json(void **state)
{
	struct json_object *o, *m, *d, *b, *v;

	(void)state;
	assert_int_equal(run("-j", "-s", "/nonexistent/ctl", "status", NULL), EXIT_OK);
	o = parse_json(out);
	assert_true(json_object_object_get_ex(o, "module", &m));
	assert_true(json_object_object_get_ex(m, "loaded", &v));
	assert_false(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "daemon", &d));
	assert_true(json_object_object_get_ex(d, "running", &v));
	assert_false(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "bpf", &b));
	assert_true(json_object_object_get_ex(b, "pins", &v));
	assert_true(json_object_is_type(v, json_type_array));
	json_object_put(o);

	/* text mode from the same calls */
	assert_int_equal(run("-s", "/nonexistent/ctl", "status", NULL), EXIT_OK);
	assert_non_null(strstr(out, "module:  not loaded"));
	assert_non_null(strstr(out, "daemon:  not running"));
}

static void test_print_nesting_and_escaping(void **state)
{
	FILE *f = tmpfile();
	struct json_object *o, *arr, *e, *v;
	size_t n;

	(void)state;
	print_begin(true, false, f);
	print_string("quote", "%s", "a \"b\"\n\\c");
	print_u64("big", "%llu", 18446744073709551615ULL);
	print_open_array("list");
	print_open_object(NULL);
	print_bool("yes", "%s", true);
	print_null("none", "-");
	print_close_object();
	print_close_array();
	assert_int_equal(print_end(), 0);
	rewind(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);

	o = parse_json(out);
	assert_true(json_object_object_get_ex(o, "quote", &v));
	assert_string_equal(json_object_get_string(v), "a \"b\"\n\\c");
	assert_true(json_object_object_get_ex(o, "big", &v));
	assert_true(json_object_get_uint64(v) == 18446744073709551615ULL);
	assert_true(json_object_object_get_ex(o, "list", &arr));
	assert_int_equal(json_object_array_length(arr), 1);
	e = json_object_array_get_idx(arr, 0);
	assert_true(json_object_object_get_ex(e, "yes", &v));
	assert_true(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(e, "none", &v));
	assert_null(v);
	json_object_put(o);
}

static void test_print_text(void **state)
{
	FILE *f = tmpfile();
	size_t n;

	(void)state;
	print_begin(false, false, f);
	print_string("k", "name %s", "x");
	print_u64("n", " n %llu", 5);
	print_bool("b", " b %s", false);
	print_u64("hidden", NULL, 9);	/* JSON only */
	print_text("\n");
	print_end();
	rewind(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	assert_string_equal(out, "name x n 5 b no\n");
}

static void test_durations(void **state)
{
	char b[64];

	(void)state;
	assert_string_equal(print_fmt_duration(1500000000ULL, b, sizeof(b)), "1.5s");
	assert_string_equal(print_fmt_duration(61000000000ULL, b, sizeof(b)), "1m 01s");
	assert_string_equal(print_fmt_duration(3723000000000ULL, b, sizeof(b)), "1h 02m 03s");
	assert_string_equal(print_fmt_duration(90061000000000ULL, b, sizeof(b)), "1d 01:01:01");
}

static void test_log_levels(void **state)
{
	uint32_t l;

	(void)state;
	assert_int_equal(log_level_parse("debug", &l), 0);
	assert_int_equal(l, 7);
	assert_int_equal(log_level_parse("emerg", &l), 0);
	assert_int_equal(l, 0);
	assert_int_equal(log_level_parse("4", &l), 0);
	assert_int_equal(l, 4);
	/* out-of-range numbers pass through: the kernel's policy judges them */
	assert_int_equal(log_level_parse("9", &l), 0);
	assert_int_equal(l, 9);
	assert_int_not_equal(log_level_parse("-1", &l), 0);
	assert_int_not_equal(log_level_parse("", &l), 0);
	assert_int_not_equal(log_level_parse("4x", &l), 0);
	assert_int_not_equal(log_level_parse("99999999999", &l), 0);
	assert_string_equal(log_level_name(3), "err");
	assert_string_equal(log_level_name(8), "invalid");
}

/* ---- sovctl lb monitor: one event, one line ------------------------------------- */

/* 2026-11-25T16:02:11.123Z */
#define EV_TIME_NS	(1795622531ULL * 1000000000ULL + 123456789ULL)

/* An LB_EVENT_NTF as sovereignd sends it; @vip and @be are "ADDR" strings. */
static struct nlmsghdr *event(void *buf, uint32_t kind, const char *vip, uint16_t port,
			      uint8_t proto, const char *be, uint16_t be_port)
{
	struct nlmsghdr *nlh;
	uint8_t a[16];

	nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_LB_EVENT_NTF, 1, 0, 0);
	mnl_attr_put_u32(nlh, SOV_A_LB_EVENT_KIND, kind);
	mnl_attr_put_u64(nlh, SOV_A_LB_EVENT_TIME_NS, EV_TIME_NS);
	if (vip) {
		int family = strchr(vip, ':') ? AF_INET6 : AF_INET;

		assert_int_equal(inet_pton(family, vip, a), 1);
		mnl_attr_put(nlh, SOV_A_LB_VIP_ADDR, family == AF_INET ? 4 : 16, a);
		mnl_attr_put_u16(nlh, SOV_A_LB_VIP_PORT, port);
		mnl_attr_put_u8(nlh, SOV_A_LB_PROTO, proto);
	}
	if (be) {
		int family = strchr(be, ':') ? AF_INET6 : AF_INET;

		assert_int_equal(inet_pton(family, be, a), 1);
		mnl_attr_put(nlh, SOV_A_LB_BE_ADDR, family == AF_INET ? 4 : 16, a);
		mnl_attr_put_u16(nlh, SOV_A_LB_BE_PORT, be_port);
	}
	return nlh;
}

/* lb_event_print() into out[]; its return value. */
static int print_event(const struct nlmsghdr *nlh, bool json)
{
	FILE *f = tmpfile();
	size_t n;
	int ret;

	assert_non_null(f);
	ret = lb_event_print(nlh, json, f);
	rewind(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	return ret;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no \"%s\" in %s", key, json_object_to_json_string(o));
	return json_object_get_string(v);
}

static int64_t jint(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no \"%s\" in %s", key, json_object_to_json_string(o));
	return json_object_get_int64(v);
}

static void test_lb_event_text(void **state)
{
	static unsigned char buf[4096];
	struct nlmsghdr *nlh;
	char t[64];

	(void)state;
	assert_string_equal(lb_event_time(EV_TIME_NS, t, sizeof(t)), "2026-11-25T16:02:11.123Z");
	assert_string_equal(lb_event_time(999999999ULL, t, sizeof(t)), "1970-01-01T00:00:00.999Z");

	nlh = event(buf, SOV_LB_EVENT_BACKEND_DOWN, "10.0.0.100", 80, IPPROTO_TCP, "10.1.0.2", 80);
	mnl_attr_put_u32(nlh, SOV_A_LB_EVENT_LIVE, 1);
	mnl_attr_put_u32(nlh, SOV_A_LB_HC_EVENT_FROM, SOV_LB_HEALTH_UP);
	mnl_attr_put_u32(nlh, SOV_A_LB_HC_EVENT_TO, SOV_LB_HEALTH_DOWN);
	mnl_attr_put_u32(nlh, SOV_A_LB_HC_TYPE, SOV_LB_HC_UDP);
	mnl_attr_put_strz(nlh, SOV_A_LB_EVENT_REASON, "timed out: no reply");
	assert_int_equal(print_event(nlh, false), 0);
	assert_string_equal(out, "2026-11-25T16:02:11.123Z backend-down 10.0.0.100:80/tcp backend 10.1.0.2:80: timed out: no reply\n");

	nlh = event(buf, SOV_LB_EVENT_BACKEND_UP, "fd00::100", 53, IPPROTO_UDP, "fd01::2", 5353);
	assert_int_equal(print_event(nlh, false), 0);
	assert_string_equal(out, "2026-11-25T16:02:11.123Z backend-up [fd00::100]:53/udp backend [fd01::2]:5353\n");

	nlh = event(buf, SOV_LB_EVENT_SERVICE_NO_BACKEND, "10.0.0.100", 80, IPPROTO_TCP, NULL, 0);
	mnl_attr_put_u32(nlh, SOV_A_LB_EVENT_LIVE, 0);
	mnl_attr_put_u32(nlh, SOV_A_LB_FALLBACK, SOV_LB_FALLBACK_DROP);
	assert_int_equal(print_event(nlh, false), 0);
	assert_string_equal(out, "2026-11-25T16:02:11.123Z service-no-backend 10.0.0.100:80/tcp: new flows dropped (fallback drop)\n");

	nlh = event(buf, SOV_LB_EVENT_SERVICE_NO_BACKEND, "10.0.0.100", 80, IPPROTO_TCP, NULL, 0);
	mnl_attr_put_u32(nlh, SOV_A_LB_FALLBACK, SOV_LB_FALLBACK_PASS);
	assert_int_equal(print_event(nlh, false), 0);
	assert_string_equal(out, "2026-11-25T16:02:11.123Z service-no-backend 10.0.0.100:80/tcp: new flows passed to the stack (fallback pass)\n");

	nlh = event(buf, SOV_LB_EVENT_SERVICE_RECOVERED, "10.0.0.100", 80, IPPROTO_TCP, NULL, 0);
	mnl_attr_put_u32(nlh, SOV_A_LB_EVENT_LIVE, 2);
	assert_int_equal(print_event(nlh, false), 0);
	assert_string_equal(out, "2026-11-25T16:02:11.123Z service-recovered 10.0.0.100:80/tcp: 2 live backends\n");

	nlh = event(buf, SOV_LB_EVENT_SERVICE_ADDED, "10.0.0.100", 80, IPPROTO_TCP, NULL, 0);
	mnl_attr_put_u32(nlh, SOV_A_LB_POLICY, SOV_LB_POLICY_LEAST_CONN);
	mnl_attr_put_u32(nlh, SOV_A_LB_MODE, SOV_LB_MODE_NAT);
	mnl_attr_put_u32(nlh, SOV_A_LB_FALLBACK, SOV_LB_FALLBACK_PASS);
	mnl_attr_put_u32(nlh, SOV_A_LB_HC_TYPE, SOV_LB_HC_HTTP);
	assert_int_equal(print_event(nlh, false), 0);
	assert_string_equal(out, "2026-11-25T16:02:11.123Z service-added 10.0.0.100:80/tcp: policy least-conn, mode nat, fallback pass, health http\n");

	nlh = event(buf, SOV_LB_EVENT_SERVICE_REMOVED, "10.0.0.100", 80, IPPROTO_TCP, NULL, 0);
	assert_int_equal(print_event(nlh, false), 0);
	assert_string_equal(out, "2026-11-25T16:02:11.123Z service-removed 10.0.0.100:80/tcp\n");

	nlh = event(buf, SOV_LB_EVENT_BACKEND_CHANGED, "10.0.0.100", 80, IPPROTO_TCP, "10.1.0.3", 8080);
	mnl_attr_put_u32(nlh, SOV_A_LB_BE_WEIGHT, 3);
	assert_int_equal(print_event(nlh, false), 0);
	assert_string_equal(out, "2026-11-25T16:02:11.123Z backend-changed 10.0.0.100:80/tcp backend 10.1.0.3:8080: weight 3\n");

	nlh = event(buf, SOV_LB_EVENT_ATTACHED, NULL, 0, 0, NULL, 0);
	mnl_attr_put_strz(nlh, SOV_A_LB_IFNAME, "eth0");
	mnl_attr_put_u32(nlh, SOV_A_LB_IFINDEX, 2);
	mnl_attr_put_u32(nlh, SOV_A_LB_XDP_MODE, SOV_LB_XDP_GENERIC);
	assert_int_equal(print_event(nlh, false), 0);
	assert_string_equal(out, "2026-11-25T16:02:11.123Z attached dev eth0 (generic XDP)\n");

	/* a kind from a newer daemon: named by number, the rest as known */
	nlh = event(buf, 99, "10.0.0.100", 80, IPPROTO_TCP, NULL, 0);
	assert_int_equal(print_event(nlh, false), 0);
	assert_string_equal(out, "2026-11-25T16:02:11.123Z event-99 10.0.0.100:80/tcp\n");

	/* not an event: nothing printed */
	nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_DAEMON_GET, 1, 0, 0);
	assert_int_equal(print_event(nlh, false), -1);
	assert_string_equal(out, "");
}

static void test_lb_event_json(void **state)
{
	static unsigned char buf[4096];
	struct json_object *o;
	struct nlmsghdr *nlh;

	(void)state;
	nlh = event(buf, SOV_LB_EVENT_BACKEND_DOWN, "10.0.0.100", 80, IPPROTO_TCP, "10.1.0.2", 80);
	mnl_attr_put_u32(nlh, SOV_A_LB_EVENT_LIVE, 0);
	mnl_attr_put_u32(nlh, SOV_A_LB_HC_EVENT_FROM, SOV_LB_HEALTH_UNKNOWN);
	mnl_attr_put_u32(nlh, SOV_A_LB_HC_EVENT_TO, SOV_LB_HEALTH_DOWN);
	mnl_attr_put_u32(nlh, SOV_A_LB_HC_TYPE, SOV_LB_HC_TCP);
	mnl_attr_put_strz(nlh, SOV_A_LB_EVENT_REASON, "port \"unreachable\"\n");
	assert_int_equal(print_event(nlh, true), 0);
	/* JSON lines: one object, one line */
	assert_non_null(strchr(out, '\n'));
	assert_string_equal(strchr(out, '\n'), "\n");
	o = parse_json(out);
	assert_string_equal(jstr(o, "time"), "2026-11-25T16:02:11.123Z");
	assert_true((uint64_t)jint(o, "time_ns") == EV_TIME_NS);
	assert_string_equal(jstr(o, "event"), "backend-down");
	assert_string_equal(jstr(o, "service"), "10.0.0.100:80/tcp");
	assert_string_equal(jstr(o, "backend"), "10.1.0.2");
	assert_int_equal(jint(o, "backend_port"), 80);
	assert_int_equal(jint(o, "live"), 0);
	assert_string_equal(jstr(o, "health_check"), "tcp");
	assert_string_equal(jstr(o, "from"), "unknown");
	assert_string_equal(jstr(o, "to"), "down");
	assert_string_equal(jstr(o, "reason"), "port \"unreachable\"\n");
	json_object_put(o);

	nlh = event(buf, SOV_LB_EVENT_SERVICE_NO_BACKEND, "fd00::1", 443, IPPROTO_TCP, NULL, 0);
	mnl_attr_put_u32(nlh, SOV_A_LB_EVENT_LIVE, 0);
	mnl_attr_put_u32(nlh, SOV_A_LB_FALLBACK, SOV_LB_FALLBACK_PASS);
	assert_int_equal(print_event(nlh, true), 0);
	o = parse_json(out);
	assert_string_equal(jstr(o, "event"), "service-no-backend");
	assert_string_equal(jstr(o, "service"), "[fd00::1]:443/tcp");
	assert_string_equal(jstr(o, "fallback"), "pass");
	assert_false(json_object_object_get_ex(o, "backend", NULL));
	json_object_put(o);

	nlh = event(buf, SOV_LB_EVENT_DETACHED, NULL, 0, 0, NULL, 0);
	mnl_attr_put_strz(nlh, SOV_A_LB_IFNAME, "eth0");
	mnl_attr_put_u32(nlh, SOV_A_LB_IFINDEX, 2);
	assert_int_equal(print_event(nlh, true), 0);
	o = parse_json(out);
	assert_string_equal(jstr(o, "event"), "detached");
	assert_string_equal(jstr(o, "dev"), "eth0");
	assert_int_equal(jint(o, "ifindex"), 2);
	assert_false(json_object_object_get_ex(o, "service", NULL));
	json_object_put(o);
}

/* The command itself: grammar, help, and no daemon. */
static void test_lb_monitor_cli(void **state)
{
	(void)state;
	assert_int_equal(run("lb", "help", NULL), EXIT_OK);
	assert_non_null(strstr(out, "sovctl lb monitor\n"));
	assert_int_equal(run("lb", "monitor", "now", NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "'lb monitor' takes no arguments, got \"now\""));
	assert_int_equal(run("-s", "/nonexistent/ctl", "lb", "monitor", NULL), EXIT_FAIL);
	assert_non_null(strstr(err, "sovereignd is not running (nothing listens on /nonexistent/ctl"));
	/* "m" is still metrics, "mo" monitor */
	assert_int_equal(run("-s", "/nonexistent/ctl", "lb", "mo", NULL), EXIT_FAIL);
	assert_non_null(strstr(err, "sovereignd is not running"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_lb_health_options),
		cmocka_unit_test(test_lb_event_text),
		cmocka_unit_test(test_lb_event_json),
		cmocka_unit_test(test_lb_monitor_cli),
		cmocka_unit_test(test_version_json),
		cmocka_unit_test(test_module_absent),
		cmocka_unit_test(test_daemon_absent),
		cmocka_unit_test(test_status_json),
		cmocka_unit_test(test_print_nesting_and_escaping),
		cmocka_unit_test(test_print_text),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_log_levels),
	};

	return cmocka_run_group_tests_name("sovctl", tests, NULL, NULL);
}
