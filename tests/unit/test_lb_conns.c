// SPDX-License-Identifier: GPL-2.0
/* lib/lb/conns.c: which connection-table entries expire, what stays counted. */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "../../lib/lb/conns.h"

#define S 1000000000ULL
#define NOW (100000 * S)

static struct sov_lb_conn_scan scan;

static struct lb_flow_key key(uint8_t proto)
{
	struct lb_flow_key k = { .proto = proto, .family = AF_INET };

	return k;
}

static struct lb_flow flow(uint32_t backend, uint32_t flags, uint64_t idle_ns)
{
	struct lb_flow f = { .backend = backend, .flags = flags, .last_seen_ns = NOW - idle_ns };

	return f;
}

static int setup(void **state)
{
	(void)state;
	sov_lb_conn_scan_init(&scan, NOW);
	return 0;
}

static void test_tcp_open(void **state)
{
	struct lb_flow_key k = key(IPPROTO_TCP);
	struct lb_flow f = flow(3, 0, SOV_LB_IDLE_TCP_S * S);

	(void)state;
	/* exactly the timeout: stays; one ns more: goes */
	assert_false(sov_lb_conn_scan_entry(&scan, &k, &f));
	assert_int_equal(scan.open[3], 1);
	f.last_seen_ns--;
	assert_true(sov_lb_conn_scan_entry(&scan, &k, &f));
	assert_int_equal(scan.open[3], 1);
	assert_int_equal(scan.scanned, 2);
}

static void test_tcp_closed(void **state)
{
	struct lb_flow_key k = key(IPPROTO_TCP);
	struct lb_flow f = flow(4, LB_FLOW_F_CLOSED, SOV_LB_IDLE_CLOSED_S * S);

	(void)state;
	assert_false(sov_lb_conn_scan_entry(&scan, &k, &f));
	assert_int_equal(scan.open[4], 0);	/* closed flows are not counted */
	f.last_seen_ns -= S;
	assert_true(sov_lb_conn_scan_entry(&scan, &k, &f));
	/* an established flow that old is well inside its timeout */
	f.flags = 0;
	assert_false(sov_lb_conn_scan_entry(&scan, &k, &f));
	assert_int_equal(scan.open[4], 1);
}

static void test_udp(void **state)
{
	struct lb_flow_key k = key(IPPROTO_UDP);
	struct lb_flow f = flow(7, 0, (SOV_LB_IDLE_UDP_S - 1) * S);

	(void)state;
	assert_int_equal(sov_lb_conn_idle_ns(&k, &f), SOV_LB_IDLE_UDP_S * S);
	assert_false(sov_lb_conn_scan_entry(&scan, &k, &f));
	f.last_seen_ns -= 2 * S;
	assert_true(sov_lb_conn_scan_entry(&scan, &k, &f));
	assert_int_equal(scan.open[7], 1);
}

static void test_future_and_bogus(void **state)
{
	struct lb_flow_key k = key(IPPROTO_TCP);
	struct lb_flow f = flow(9, 0, 0);

	(void)state;
	/* stamped after the scan's clock read: fresh, not a huge idle time */
	f.last_seen_ns = NOW + S;
	assert_false(sov_lb_conn_scan_entry(&scan, &k, &f));
	assert_int_equal(scan.open[9], 1);
	/* a backend id no build of these sizes has: removed, never counted */
	f.backend = LB_MAX_SERVICES * LB_MAX_BACKENDS;
	assert_true(sov_lb_conn_scan_entry(&scan, &k, &f));
	f.backend = UINT32_MAX;
	assert_true(sov_lb_conn_scan_entry(&scan, &k, &f));
	sov_lb_conn_scan_count(&scan, &f);	/* ignored, not out of bounds */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_tcp_open, setup),
		cmocka_unit_test_setup(test_tcp_closed, setup),
		cmocka_unit_test_setup(test_udp, setup),
		cmocka_unit_test_setup(test_future_and_bogus, setup),
	};

	return cmocka_run_group_tests_name("lb_conns", tests, NULL, NULL);
}
