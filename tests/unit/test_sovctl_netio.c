// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl netio on the host (no sovereign.ko here): help, every refusal of
 * its arguments (exit 2, the message naming what was expected), the kernel
 * refusing the "sovnet" link type (the module is not loaded), status and
 * stats of devices that are not sovnet ends, and bench on a veth pair in a
 * new netns in copy mode, as text and as JSON.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "json_check.h"
#include "netio_veth.h"
#include "../../tools/sovctl/netio.h"
#include "sovctl_run.h"

/* sovctl ARGS... exits 2 and says @msg on stderr, nothing on stdout */
#define usage(msg, ...)							\
	do {								\
		int rc_ = run("netio", __VA_ARGS__, NULL);		\
		if (rc_ != EXIT_USAGE)					\
			fail_msg("exit %d, not 2: %s", rc_, err);	\
		has(err, msg);						\
		assert_string_equal(out, "");				\
	} while (0)

static void test_help(void **state)
{
	(void)state;
	assert_int_equal(run("netio", "help", NULL), EXIT_OK);
	has(out, "bench DEV [PEER] mode rxdrop|txonly|l2fwd");
	has(out, "create NAME peer PEER [queues N] [netns NS]");
	has(out, "stats DEV flows");
	assert_int_equal(run("help", NULL), EXIT_OK);
	has(out, "netio             sovnet AF_XDP zero-copy pairs");
	usage("netio: command \"bogus\" is unknown", "bogus");
	has(err, "Usage: sovctl netio");
}

static void test_bench_refusals(void **state)
{
	(void)state;
	usage("netio bench: DEV missing", "bench");
	usage("netio bench: mode missing (mode rxdrop|txonly|l2fwd)", "bench", "sv0", "sv1");
	usage("netio bench: mode \"fast\": rxdrop, txonly or l2fwd", "bench", "sv0", "mode", "fast");
	usage("netio bench: \"mode\" needs a value", "bench", "sv0", "mode");
	usage("netio bench: size \"63\": frame bytes from 64 to 3840", "bench", "sv0", "mode",
	      "txonly", "size", "63");
	usage("netio bench: size \"1e3\"", "bench", "sv0", "mode", "txonly", "size", "1e3");
	usage("netio bench: size \"3841\"", "bench", "sv0", "mode", "txonly", "size", "3841");
	usage("netio bench: size 2000 does not fit a 2048-byte frame (at most 1792)", "bench",
	      "sv0", "mode", "txonly", "size", "2000", "frame-size", "2048");
	usage("netio bench: frame-size \"1024\": 2048 or 4096", "bench", "sv0", "mode", "txonly",
	      "frame-size", "1024");
	usage("netio bench: time \"0\": seconds, 0.01 to 3600", "bench", "sv0", "mode", "txonly",
	      "time", "0");
	usage("netio bench: time \"2s\"", "bench", "sv0", "mode", "txonly", "time", "2s");
	usage("netio bench: queue \"64\": 0 to 63", "bench", "sv0", "mode", "txonly", "queue", "64");
	usage("netio bench: queue \"-1\"", "bench", "sv0", "mode", "txonly", "queue", "-1");
	usage("netio bench: frames \"511\": 512 to", "bench", "sv0", "mode", "txonly", "frames",
	      "511");
	usage("netio bench: need-wakeup \"yes\": on or off", "bench", "sv0", "mode", "txonly",
	      "need-wakeup", "yes");
	usage("netio bench: \"turbo\" is unknown", "bench", "sv0", "mode", "txonly", "turbo");
	usage("netio bench: PEER is DEV (sv0)", "bench", "sv0", "sv0", "mode", "txonly");
	usage("netio bench: shared-umem needs a PEER", "bench", "sv0", "mode", "txonly",
	      "shared-umem");
	usage("netio bench: DEV \"abcdefghijklmnop\": device names are at most 15 bytes", "bench",
	      "abcdefghijklmnop", "mode", "txonly");
	usage("netio bench: PEER \"a/b\": not a valid device name", "bench", "sv0", "a/b", "mode",
	      "txonly");
}

static void test_other_refusals(void **state)
{
	(void)state;
	usage("netio create: NAME missing", "create");
	usage("netio create sv0: peer PEER missing", "create", "sv0");
	usage("netio create: \"peer\" needs a value", "create", "sv0", "peer");
	usage("netio create: queues \"9\": a number from 1 to 8", "create", "sv0", "peer", "sv1",
	      "queues", "9");
	usage("netio create: queues \"0\"", "create", "sv0", "peer", "sv1", "queues", "0");
	usage("netio create: \"color\" is not peer, queues or netns", "create", "sv0", "color", "red");
	usage("netio create: both ends are named \"sv0\"", "create", "sv0", "peer", "sv0");
	usage("netio create: peer \"abcdefghijklmnop\": device names are at most 15 bytes", "create",
	      "sv0", "peer", "abcdefghijklmnop");
	usage("netio create: NAME: an empty device name", "create", "");
	usage("netio destroy: NAME missing", "destroy");
	usage("netio destroy: one NAME, got \"x\" after it", "destroy", "sv0", "x");
	usage("netio stats: DEV missing", "stats");
	usage("netio stats sv0: \"flow\" is not \"flows\"", "stats", "sv0", "flow");
	usage("netio status: one DEV at most", "status", "a", "b");
	usage("netio set: DEV missing", "set");
	usage("netio set sv0: nothing to set", "set", "sv0");
	usage("netio set: class \"8\": 0 to 7", "set", "sv0", "class", "8", "rate", "1mbit");
	usage("netio set: class takes \"class C rate R [burst B]\"", "set", "sv0", "class", "1");
	usage("netio set: class 2 rate \"fast\"", "set", "sv0", "class", "2", "rate", "fast");
	usage("netio set: class 2 burst \"0\": bytes, above 0", "set", "sv0", "class", "2", "rate",
	      "1mbit", "burst", "0");
	usage("netio set: rate \"-5\"", "set", "sv0", "rate", "-5");
	usage("netio set: queue \"8\": 0 to 7", "set", "sv0", "queue", "8", "class", "1");
	usage("netio set: queue 1 class \"9\": 0 to 7", "set", "sv0", "queue", "1", "class", "9");
	usage("netio set: priomap takes 16 classes", "set", "sv0", "priomap", "0", "1");
	usage("netio set: priomap entry 3 \"8\": a class 0 to 7", "set", "sv0", "priomap", "0", "1",
	      "2", "8", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0");
	usage("netio set: \"speed\" is not rate, class, queue, priomap or reset", "set", "sv0",
	      "speed");
}

static void test_rates(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(netio_parse_rate("125000", &v), 0);
	assert_int_equal(v, 125000);
	assert_int_equal(netio_parse_rate("1gbit", &v), 0);
	assert_int_equal(v, 125000000);
	assert_int_equal(netio_parse_rate("10MBit", &v), 0);
	assert_int_equal(v, 1250000);
	assert_int_equal(netio_parse_rate("5mb", &v), 0);
	assert_int_equal(v, 5000000);
	assert_int_equal(netio_parse_rate("5 mb", &v), -EINVAL);
	assert_int_equal(netio_parse_rate("-1", &v), -EINVAL);
	assert_int_equal(netio_parse_rate("1e30gb", &v), -ERANGE);
}

/* The rest needs root and a netns of its own (veth_setup). */

static void test_no_module(void **state)
{
	(void)state;
	NEED_VETH();
	assert_int_equal(run("netio", "create", "sv0", "peer", "sv1", NULL), EXIT_FAIL);
	has(err, "netio create sv0: the kernel has no link type \"sovnet\"");
	has(err, "sovereign module is not loaded");
	assert_int_equal(run("netio", "create", "sv0", "peer", "sv1", "netns", "nosuchns", NULL),
			 EXIT_FAIL);
	has(err, "network namespace \"nosuchns\": cannot open /run/netns/nosuchns");
	assert_int_equal(run("netio", "destroy", "va", NULL), EXIT_FAIL);
	has(err, "netio destroy va: not a sovnet device (kind \"veth\")");
	assert_int_equal(run("netio", "destroy", "nosuch0", NULL), EXIT_FAIL);
	has(err, "no such device");
	assert_int_equal(run("netio", "stats", "va", NULL), EXIT_FAIL);
	has(err, "netio stats va: not a sovnet device");
	assert_int_equal(run("netio", "status", "lo", NULL), EXIT_FAIL);
	has(err, "netio status lo: not a sovnet device");
	assert_int_equal(run("netio", "status", NULL), EXIT_OK);
	has(out, "no sovnet devices");
	assert_int_equal(run("-j", "netio", "status", NULL), EXIT_OK);
	assert_string_equal(out, "{\"devices\":[]}\n");
}

static void test_bench_text(void **state)
{
	(void)state;
	NEED_VETH();
	assert_int_equal(run("netio", "bench", "va", "vb", "mode", "txonly", "size", "128", "time",
			     "0.3", "copy", NULL), EXIT_OK);
	has(out, "netio bench: va <-> vb, txonly, 128 B, copy, need-wakeup yes");
	has(out, "ns/pkt");
	has(out, "  vb             0 rxdrop  copy");
	has(out, "  va             0 txonly  copy");
	has(out, "latency at vb (one way,");
	assert_int_equal(run("netio", "bench", "va", "vb", "mode", "txonly", "time", "0.2", "zc",
			     NULL), EXIT_FAIL);
	has(err, "netio bench: vb queue 0: zc bind failed: Operation not supported");
	assert_int_equal(run("netio", "bench", "va", "vb", "mode", "txonly", "size", "1600", NULL),
			 EXIT_FAIL);
	has(err, "size 1600: above vb's MTU 1500");
	assert_int_equal(run("netio", "bench", "va", "vb", "mode", "txonly", "queue", "4", NULL),
			 EXIT_FAIL);
	has(err, "queue 4: vb has 1 queue(s) (0..0)");
}

static void test_bench_json(void **state)
{
	struct json_object *o, *socks, *s, *lat;
	uint64_t sent, got;

	(void)state;
	NEED_VETH();
	assert_int_equal(run("-j", "netio", "bench", "vb", "va", "mode", "l2fwd", "size", "100",
			     "time", "0.3", "copy", "need-wakeup", "off", "frames", "1024", NULL),
			 EXIT_OK);
	o = parse_json(out);
	assert_string_equal(jstr(o, "dev"), "vb");
	assert_string_equal(jstr(o, "peer"), "va");
	assert_string_equal(jstr(o, "mode"), "l2fwd");
	assert_int_equal(jint(o, "size"), 100);
	assert_true(json_object_object_get_ex(o, "sockets", &socks));
	assert_int_equal(json_object_array_length(socks), 2);
	/* vb forwards what va sends; the headline is vb's forwarded frames */
	s = json_object_array_get_idx(socks, 0);
	assert_string_equal(jstr(s, "dev"), "vb");
	assert_string_equal(jstr(s, "mode"), "l2fwd");
	assert_string_equal(jstr(s, "bind"), "copy");
	assert_int_equal(jint(o, "packets"), jint(s, "fwd_packets"));
	assert_true(jint(o, "pps") > 0);
	assert_int_equal(jint(o, "ns_per_pkt"), 1000000000 / jint(o, "pps"));
	s = json_object_array_get_idx(socks, 1);
	assert_string_equal(jstr(s, "mode"), "txonly");
	sent = (uint64_t)jint(s, "tx_packets");
	got = (uint64_t)jint(s, "rx_packets");
	assert_true(got > 0 && got <= sent);
	assert_int_equal(jint(s, "rx_bytes"), 100 * got);
	assert_true(json_object_object_get_ex(s, "latency", &lat));
	assert_int_equal(jint(lat, "count"), got);
	assert_true(jint(lat, "min_ns") > 0);
	assert_true(jint(lat, "min_ns") <= jint(lat, "p50_ns"));
	assert_true(jint(lat, "p50_ns") <= jint(lat, "p99_ns"));
	assert_true(jint(lat, "p99_ns") <= jint(lat, "max_ns"));
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_bench_refusals),
		cmocka_unit_test(test_other_refusals),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_no_module),
		cmocka_unit_test(test_bench_text),
		cmocka_unit_test(test_bench_json),
	};

	return cmocka_run_group_tests(tests, veth_setup, NULL);
}
