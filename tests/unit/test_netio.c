// SPDX-License-Identifier: GPL-2.0
/*
 * lib/netio: the latency histogram and the txonly frame on their own, then
 * the engine against a veth pair in a new netns (copy mode: the host's
 * veth has no AF_XDP zero-copy, which is checked too): exact counts and
 * bytes txonly -> rxdrop, l2fwd round trips, shared UMEM, need_wakeup off,
 * latency ordered, and every refusal of a bad configuration.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../lib/netio/frame.h"
#include "../../lib/netio/latency.h"
#include "../../lib/netio/netio.h"
#include "netio_veth.h"

#define has(hay, needle)						\
	do {								\
		if (!strstr((hay), (needle)))				\
			fail_msg("\"%s\" not in \"%s\"", (needle), (hay)); \
	} while (0)

static void test_hist_quantiles(void **state)
{
	struct netio_hist *h = malloc(sizeof(*h));
	struct netio_latency l;
	uint64_t v, q;

	(void)state;
	netio_hist_init(h);
	netio_hist_summary(h, &l);
	assert_int_equal(l.count, 0);
	for (v = 1; v <= 100000; v++)
		netio_hist_add(h, v * 10);	/* 10 ns .. 1 ms, uniform */
	netio_hist_summary(h, &l);
	assert_int_equal(l.count, 100000);
	assert_int_equal(l.min, 10);
	assert_int_equal(l.max, 1000000);
	/* bucket floors: at most 1/32 below the true value, never above */
	q = 500000;
	assert_true(l.p50 <= q && l.p50 >= q - q / 32);
	q = 990000;
	assert_true(l.p99 <= q && l.p99 >= q - q / 32);
	assert_true(l.min <= l.p50 && l.p50 <= l.p99 && l.p99 <= l.max);
	/* one value: every percentile is it */
	netio_hist_init(h);
	netio_hist_add(h, 12345);
	netio_hist_summary(h, &l);
	assert_int_equal(l.p50, 12345);
	assert_int_equal(l.p99, 12345);
	/* small values are exact */
	netio_hist_init(h);
	netio_hist_add(h, 3);
	netio_hist_add(h, 7);
	assert_int_equal(netio_hist_quantile(h, 0.0), 3);
	assert_int_equal(netio_hist_quantile(h, 0.99), 7);
	free(h);
}

static void test_frame(void **state)
{
	uint8_t p[1500], q[64];
	const struct netio_stamp *st;
	uint32_t sum = 0;
	unsigned int i;

	(void)state;
	netio_frame_build(p, sizeof(p), 1);
	netio_frame_stamp(p, 77, 123456789);
	st = netio_frame_parse(p, sizeof(p));
	assert_non_null(st);
	assert_int_equal(st->seq, 77);
	assert_int_equal(st->tx_ns, 123456789);
	assert_int_equal(st->sender, 1);
	/* IPv4 header checksum: the ones' complement sum is 0xffff */
	for (i = 14; i < 34; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff);
	assert_int_equal(p[16] << 8 | p[17], 1500 - 14);	/* IP total length */
	assert_int_equal(p[38] << 8 | p[39], 1500 - 34);	/* UDP length */
	/* the smallest frame holds the stamp */
	netio_frame_build(q, sizeof(q), 0);
	assert_non_null(netio_frame_parse(q, sizeof(q)));
	/* not ours: too short, not IPv4, wrong magic */
	assert_null(netio_frame_parse(q, 40));
	q[12] = 0x86;
	assert_null(netio_frame_parse(q, sizeof(q)));
	netio_frame_build(q, sizeof(q), 0);
	q[NETIO_HDR_LEN + 12] ^= 0xff;
	assert_null(netio_frame_parse(q, sizeof(q)));
	/* l2fwd's swap */
	netio_frame_build(q, sizeof(q), 0);
	memcpy(p, q, 12);
	netio_frame_swap_mac(q);
	assert_memory_equal(q, p + 6, 6);
	assert_memory_equal(q + 6, p, 6);
}

static void test_names(void **state)
{
	enum netio_mode m;
	enum netio_bind b;

	(void)state;
	assert_int_equal(netio_mode_parse("l2fwd", &m), 0);
	assert_int_equal(m, NETIO_MODE_L2FWD);
	assert_int_equal(netio_mode_parse("rxdrop2", &m), -EINVAL);
	assert_int_equal(netio_bind_parse("zc", &b), 0);
	assert_int_equal(b, NETIO_BIND_ZC);
	assert_int_equal(netio_bind_parse("ZC", &b), -EINVAL);
	assert_string_equal(netio_mode_name(NETIO_MODE_TXONLY), "txonly");
	assert_string_equal(netio_bind_name(NETIO_BIND_COPY), "copy");
}

/* txonly on va -> rxdrop on vb, @count frames of @size */
static void pair_cfg(struct netio_cfg *c, uint32_t size, uint64_t count)
{
	memset(c, 0, sizeof(*c));
	c->frames = 8192;	/* rings of 2048: every frame fits, none can drop */
	c->size = size;
	c->bind = NETIO_BIND_COPY;
	c->need_wakeup = true;
	c->count = count;
	c->duration_ms = 20000;	/* a bound, not the measure */
	c->nsocks = 2;
	strcpy(c->sock[0].ifname, "vb");
	c->sock[0].mode = NETIO_MODE_RXDROP;
	strcpy(c->sock[1].ifname, "va");
	c->sock[1].mode = NETIO_MODE_TXONLY;
}

static void check_exact(const struct netio_result *r, uint32_t size, uint64_t count)
{
	const struct netio_sock_result *rx = &r->sock[0], *tx = &r->sock[1];

	assert_int_equal(r->nsocks, 2);
	assert_false(rx->zerocopy);
	assert_false(tx->zerocopy);
	assert_int_equal(tx->tx_pkts, count);
	assert_int_equal(tx->tx_bytes, count * size);
	assert_int_equal(rx->rx_pkts, count);
	assert_int_equal(rx->rx_bytes, count * size);
	assert_int_equal(rx->rx_foreign, 0);
	assert_int_equal(rx->rx_seq_gaps, 0);
	assert_int_equal(rx->lat.count, count);
	assert_true(rx->lat.min > 0);
	assert_true(rx->lat.min <= rx->lat.p50);
	assert_true(rx->lat.p50 <= rx->lat.p99);
	assert_true(rx->lat.p99 <= rx->lat.max);
	assert_true(r->seconds > 0);
}

static void run_ok(const struct netio_cfg *c, struct netio_result *r)
{
	struct netio_err e = { 0 };
	int ret = netio_run(c, r, &e);

	if (ret)
		fail_msg("netio_run: %d %s", ret, e.msg);
}

static void test_txonly_rxdrop_64(void **state)
{
	struct netio_result r;
	struct netio_cfg c;

	(void)state;
	NEED_VETH();
	pair_cfg(&c, 64, 2000);
	run_ok(&c, &r);
	check_exact(&r, 64, 2000);
}

static void test_txonly_rxdrop_1500(void **state)
{
	struct netio_result r;
	struct netio_cfg c;

	(void)state;
	NEED_VETH();
	pair_cfg(&c, 1500, 2000);
	run_ok(&c, &r);
	check_exact(&r, 1500, 2000);
}

static void test_shared_umem(void **state)
{
	struct netio_result r;
	struct netio_cfg c;

	(void)state;
	NEED_VETH();
	pair_cfg(&c, 200, 1500);
	c.shared_umem = true;
	c.frames = 16384;	/* two shares of 8192: rings of 2048 */
	run_ok(&c, &r);
	check_exact(&r, 200, 1500);
}

static void test_no_need_wakeup(void **state)
{
	struct netio_result r;
	struct netio_cfg c;

	(void)state;
	NEED_VETH();
	pair_cfg(&c, 128, 1000);
	c.need_wakeup = false;
	c.frame_size = 2048;
	run_ok(&c, &r);
	assert_false(r.sock[0].need_wakeup);
	check_exact(&r, 128, 1000);
}

static void test_l2fwd(void **state)
{
	struct netio_result r;
	struct netio_cfg c;

	(void)state;
	NEED_VETH();
	pair_cfg(&c, 100, 1000);
	c.sock[0].mode = NETIO_MODE_L2FWD;	/* vb bounces what va sends */
	run_ok(&c, &r);
	assert_int_equal(r.sock[1].tx_pkts, 1000);
	assert_int_equal(r.sock[0].rx_pkts, 1000);
	assert_int_equal(r.sock[0].fwd_pkts, 1000);
	assert_int_equal(r.sock[1].rx_pkts, 1000);	/* back at va */
	assert_int_equal(r.sock[1].rx_bytes, 100000);
	assert_int_equal(r.sock[1].rx_seq_gaps, 0);
	assert_int_equal(r.sock[1].lat.count, 1000);
	assert_true(r.sock[1].lat.min > 0);
	assert_true(r.sock[1].lat.min <= r.sock[1].lat.p50);
	assert_true(r.sock[1].lat.p50 <= r.sock[1].lat.p99);
	assert_true(r.sock[1].lat.p99 <= r.sock[1].lat.max);
	/* a round trip takes longer than the way out */
	assert_true(r.sock[1].lat.max >= r.sock[0].lat.min);
}

static void test_duration(void **state)
{
	struct netio_result r;
	struct netio_cfg c;

	(void)state;
	NEED_VETH();
	pair_cfg(&c, 64, 0);
	c.duration_ms = 300;
	run_ok(&c, &r);
	assert_true(r.seconds >= 0.29 && r.seconds < 2.0);
	assert_true(r.sock[1].tx_pkts > 0);
	assert_true(r.sock[0].rx_pkts > 0);
	assert_true(r.sock[0].rx_pkts <= r.sock[1].tx_pkts);
	assert_true(netio_pps(&r, r.sock[0].rx_pkts) > 0);
}

/* one socket, no sender: runs for its duration and counts nothing */
static void test_rxdrop_alone(void **state)
{
	struct netio_result r;
	struct netio_cfg c;

	(void)state;
	NEED_VETH();
	pair_cfg(&c, 64, 0);
	c.nsocks = 1;
	c.duration_ms = 200;
	c.count = 5;	/* a txonly count: no sender here, so the time rules */
	run_ok(&c, &r);
	assert_int_equal(r.nsocks, 1);
	assert_true(r.seconds >= 0.19 && r.seconds < 2.0);
	assert_int_equal(r.sock[0].rx_pkts, 0);
	assert_int_equal(r.sock[0].lat.count, 0);
}

static void test_zc_refused_on_veth(void **state)
{
	struct netio_result r;
	struct netio_err e;
	struct netio_cfg c;

	(void)state;
	NEED_VETH();
	pair_cfg(&c, 64, 10);
	c.bind = NETIO_BIND_ZC;
	assert_int_equal(netio_run(&c, &r, &e), -EOPNOTSUPP);
	has(e.msg, "vb queue 0: zc bind failed");
	has(e.msg, "no AF_XDP zero-copy");
	/* auto takes what the kernel gives: copy */
	c.bind = NETIO_BIND_AUTO;
	run_ok(&c, &r);
	assert_false(r.sock[0].zerocopy);
	assert_int_equal(r.sock[0].rx_pkts, 10);
}

static void refused(struct netio_cfg *c, int error, const char *msg)
{
	struct netio_result r;
	struct netio_err e;

	assert_int_equal(netio_cfg_check(c, &e), error);
	has(e.msg, msg);
	assert_int_equal(netio_run(c, &r, &e), error);
	has(e.msg, msg);
}

static void test_refusals(void **state)
{
	struct netio_cfg c;

	(void)state;
	pair_cfg(&c, 64, 10);
	c.frames = 511;
	refused(&c, -EINVAL, "frames 511: between 512 and");
	pair_cfg(&c, 64, 10);
	c.frame_size = 3000;
	refused(&c, -EINVAL, "frame size 3000: 2048 or 4096");
	pair_cfg(&c, 63, 10);
	refused(&c, -EINVAL, "size 63: between 64 and 3840");
	pair_cfg(&c, 1900, 10);
	c.frame_size = 2048;
	refused(&c, -EINVAL, "size 1900: between 64 and 1792");
	pair_cfg(&c, 64, 10);
	c.nsocks = 3;
	refused(&c, -EINVAL, "3 sockets: 1 or 2");
	pair_cfg(&c, 64, 10);
	strcpy(c.sock[0].ifname, "nosuchdev0");
	refused(&c, -ENODEV, "no device \"nosuchdev0\"");
	pair_cfg(&c, 64, 10);
	c.sock[0].ifname[0] = '\0';
	refused(&c, -EINVAL, "socket 0: no device named");
	pair_cfg(&c, 64, 10);
	memset(c.sock[1].ifname, 'x', sizeof(c.sock[1].ifname));
	refused(&c, -EINVAL, "socket 1: device name longer than 15 bytes");
	pair_cfg(&c, 64, 10);
	c.sock[1].mode = (enum netio_mode)7;
	refused(&c, -EINVAL, "mode 7 is not rxdrop, txonly or l2fwd");
	pair_cfg(&c, 64, 10);
	c.bind = (enum netio_bind)9;
	refused(&c, -EINVAL, "bind mode 9: zc, copy or auto");
	if (!veth_ok)
		return;	/* the rest needs the devices */
	pair_cfg(&c, 64, 10);
	strcpy(c.sock[1].ifname, "vb");
	refused(&c, -EINVAL, "two sockets on vb queue 0");
	pair_cfg(&c, 64, 0);
	c.duration_ms = 0;
	refused(&c, -EINVAL, "txonly needs a duration or a count");
	pair_cfg(&c, 64, 0);
	c.duration_ms = 0;
	c.sock[1].mode = NETIO_MODE_RXDROP;
	refused(&c, -EINVAL, "a run needs a duration");
	pair_cfg(&c, 1600, 10);
	refused(&c, -EMSGSIZE, "size 1600: above vb's MTU 1500");
	pair_cfg(&c, 64, 10);
	c.sock[0].queue = 3;
	refused(&c, -EINVAL, "queue 3: vb has 1 queue(s) (0..0)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_quantiles),
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_txonly_rxdrop_64),
		cmocka_unit_test(test_txonly_rxdrop_1500),
		cmocka_unit_test(test_shared_umem),
		cmocka_unit_test(test_no_need_wakeup),
		cmocka_unit_test(test_l2fwd),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_rxdrop_alone),
		cmocka_unit_test(test_zc_refused_on_veth),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, veth_setup, NULL);
}
