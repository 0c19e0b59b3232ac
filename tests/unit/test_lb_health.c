// SPDX-License-Identifier: GPL-2.0
/* lib/lb health state machine: rise/fall edges, flapping, history, config. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "../../lib/lb/health.h"

#define S(n)	((uint64_t)(n) * 1000000000ULL)

static struct sov_health h;

static void test_new_backend_waits_for_rise(void **state)
{
	(void)state;
	assert_int_equal(sov_health_init(&h, 2, 3), 0);
	assert_int_equal(h.state, SOV_HEALTH_UNKNOWN);
	assert_false(sov_health_serving(&h));
	assert_int_equal(sov_health_report(&h, true, S(1)), SOV_HEALTH_NONE);
	assert_false(sov_health_serving(&h));
	assert_int_equal(sov_health_report(&h, true, S(2)), SOV_HEALTH_WENT_UP);
	assert_true(sov_health_serving(&h));
	assert_int_equal(h.changed_ns, S(2));
	/* more successes change nothing */
	assert_int_equal(sov_health_report(&h, true, S(3)), SOV_HEALTH_NONE);
	assert_int_equal(h.transitions, 1);
}

static void test_fall_then_rise(void **state)
{
	(void)state;
	assert_int_equal(sov_health_init(&h, 2, 3), 0);
	sov_health_report(&h, true, S(1));
	sov_health_report(&h, true, S(2));
	assert_int_equal(sov_health_report(&h, false, S(3)), SOV_HEALTH_NONE);
	assert_int_equal(sov_health_report(&h, false, S(4)), SOV_HEALTH_NONE);
	assert_true(sov_health_serving(&h));
	assert_int_equal(sov_health_report(&h, false, S(5)), SOV_HEALTH_WENT_DOWN);
	assert_false(sov_health_serving(&h));
	assert_int_equal(h.state, SOV_HEALTH_DOWN);
	assert_int_equal(sov_health_report(&h, false, S(6)), SOV_HEALTH_NONE);
	assert_int_equal(sov_health_report(&h, true, S(7)), SOV_HEALTH_NONE);
	assert_int_equal(sov_health_report(&h, true, S(8)), SOV_HEALTH_WENT_UP);
	assert_int_equal(h.checks, 8);
	assert_int_equal(h.failures, 4);
	assert_int_equal(h.last_ns, S(8));
}

/* Results that alternate never reach a threshold of 2 or more. */
static void test_flapping_holds(void **state)
{
	unsigned int i;

	(void)state;
	assert_int_equal(sov_health_init(&h, 3, 3), 0);
	for (i = 0; i < 3; i++)
		sov_health_report(&h, true, S(i));
	assert_true(sov_health_serving(&h));
	for (i = 0; i < 50; i++) {
		/* two failures, one success: fall 3 is never reached */
		assert_int_equal(sov_health_report(&h, i % 3 == 2, S(10 + i)),
				 SOV_HEALTH_NONE);
		assert_true(sov_health_serving(&h));
	}
	for (i = 0; i < 3; i++)
		sov_health_report(&h, false, S(100 + i));
	assert_int_equal(h.state, SOV_HEALTH_DOWN);
	for (i = 0; i < 50; i++) {
		/* two successes, one failure: rise 3 is never reached */
		assert_int_equal(sov_health_report(&h, i % 3 != 2, S(200 + i)),
				 SOV_HEALTH_NONE);
		assert_false(sov_health_serving(&h));
	}
	assert_int_equal(h.transitions, 2);
}

/* A backend that never answers goes from UNKNOWN to DOWN after @fall. */
static void test_unknown_to_down(void **state)
{
	(void)state;
	assert_int_equal(sov_health_init(&h, 2, 2), 0);
	assert_int_equal(sov_health_report(&h, false, S(1)), SOV_HEALTH_NONE);
	assert_int_equal(h.state, SOV_HEALTH_UNKNOWN);
	assert_int_equal(sov_health_report(&h, false, S(2)), SOV_HEALTH_WENT_DOWN);
	assert_int_equal(h.state, SOV_HEALTH_DOWN);
	assert_false(sov_health_serving(&h));
}

/* rise = fall = 1: every result that disagrees with the state flips it. */
static void test_thresholds_of_one(void **state)
{
	(void)state;
	assert_int_equal(sov_health_init(&h, 1, 1), 0);
	assert_int_equal(sov_health_report(&h, true, S(1)), SOV_HEALTH_WENT_UP);
	assert_int_equal(sov_health_report(&h, true, S(2)), SOV_HEALTH_NONE);
	assert_int_equal(sov_health_report(&h, false, S(3)), SOV_HEALTH_WENT_DOWN);
	assert_int_equal(sov_health_report(&h, false, S(4)), SOV_HEALTH_NONE);
	assert_int_equal(sov_health_report(&h, true, S(5)), SOV_HEALTH_WENT_UP);
}

static void test_history_wraps(void **state)
{
	struct sov_health_event ev[SOV_HEALTH_HISTORY + 4];
	unsigned int i, n;

	(void)state;
	assert_int_equal(sov_health_init(&h, 1, 1), 0);
	assert_int_equal(sov_health_history(&h, ev, 4), 0);
	/* 20 transitions: up at 1 s, down at 2 s, up at 3 s, ... */
	for (i = 1; i <= 20; i++)
		assert_int_not_equal(sov_health_report(&h, i % 2, S(i)),
				     SOV_HEALTH_NONE);
	assert_int_equal(h.transitions, 20);

	n = sov_health_history(&h, ev, SOV_HEALTH_HISTORY + 4);
	assert_int_equal(n, SOV_HEALTH_HISTORY);
	for (i = 0; i < n; i++) {
		unsigned int t = 5 + i;	/* 1..4 were overwritten */

		assert_int_equal(ev[i].at_ns, S(t));
		assert_int_equal(ev[i].to, t % 2 ? SOV_HEALTH_UP : SOV_HEALTH_DOWN);
		assert_int_equal(ev[i].from, t % 2 ? SOV_HEALTH_DOWN : SOV_HEALTH_UP);
	}
	/* fewer asked: the most recent, still oldest first */
	n = sov_health_history(&h, ev, 3);
	assert_int_equal(n, 3);
	assert_int_equal(ev[0].at_ns, S(18));
	assert_int_equal(ev[2].at_ns, S(20));

	/* the first transition leaves UNKNOWN */
	assert_int_equal(sov_health_init(&h, 1, 1), 0);
	sov_health_report(&h, false, S(1));
	assert_int_equal(sov_health_history(&h, ev, 4), 1);
	assert_int_equal(ev[0].from, SOV_HEALTH_UNKNOWN);
	assert_int_equal(ev[0].to, SOV_HEALTH_DOWN);
}

static void test_thresholds_validation(void **state)
{
	(void)state;
	assert_int_equal(sov_health_init(&h, 0, 3), -EINVAL);
	assert_int_equal(sov_health_init(&h, 3, 0), -EINVAL);
	assert_int_equal(sov_health_init(&h, 11, 3), -EINVAL);
	assert_int_equal(sov_health_init(&h, 3, 11), -EINVAL);
	assert_int_equal(sov_health_init(&h, 10, 10), 0);

	/* new thresholds keep the state and the runs */
	assert_int_equal(sov_health_init(&h, 5, 5), 0);
	sov_health_report(&h, true, S(1));
	sov_health_report(&h, true, S(2));
	assert_int_equal(sov_health_set_thresholds(&h, 0, 2), -EINVAL);
	assert_int_equal(h.rise, 5);
	assert_int_equal(sov_health_set_thresholds(&h, 3, 2), 0);
	assert_int_equal(sov_health_report(&h, true, S(3)), SOV_HEALTH_WENT_UP);
}

static void test_state_names(void **state)
{
	(void)state;
	assert_string_equal(sov_health_state_name(SOV_HEALTH_UNKNOWN), "unknown");
	assert_string_equal(sov_health_state_name(SOV_HEALTH_UP), "up");
	assert_string_equal(sov_health_state_name(SOV_HEALTH_DOWN), "down");
}

static void expect_invalid(struct sov_health_config c, const char *msg)
{
	char buf[128];

	assert_int_equal(sov_health_config_validate(&c, buf, sizeof(buf)), -EINVAL);
	assert_string_equal(buf, msg);
	assert_int_equal(sov_health_config_validate(&c, NULL, 0), -EINVAL);
}

static void test_config_validation(void **state)
{
	struct sov_health_config ok = {
		.interval_s = 5, .timeout_ms = 2000, .rise = 2, .fall = 3,
	}, c;
	char buf[128] = "junk";

	(void)state;
	assert_int_equal(sov_health_config_validate(&ok, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");

	c = ok, c.interval_s = 0;
	expect_invalid(c, "interval 0 s out of range: expected 1-60 s");
	c = ok, c.interval_s = 61;
	expect_invalid(c, "interval 61 s out of range: expected 1-60 s");
	c = ok, c.timeout_ms = 0;
	expect_invalid(c, "timeout 0 ms out of range: expected 1-4999 ms (below the 5 s interval)");
	c = ok, c.timeout_ms = 5000;
	expect_invalid(c, "timeout 5000 ms out of range: expected 1-4999 ms (below the 5 s interval)");
	c = ok, c.rise = 0;
	expect_invalid(c, "rise 0 out of range: expected 1-10");
	c = ok, c.fall = 11;
	expect_invalid(c, "fall 11 out of range: expected 1-10");
	/* the first bad field is named */
	c = ok, c.interval_s = 0, c.rise = 0;
	expect_invalid(c, "interval 0 s out of range: expected 1-60 s");

	/* the edges of every range are valid */
	c = ok, c.interval_s = 1, c.timeout_ms = 999, c.rise = 1, c.fall = 10;
	assert_int_equal(sov_health_config_validate(&c, NULL, 0), 0);
	c = ok, c.interval_s = 60, c.timeout_ms = 59999, c.rise = 10, c.fall = 1;
	assert_int_equal(sov_health_config_validate(&c, NULL, 0), 0);

	/* a short buffer gets a truncated, terminated message */
	c = ok, c.interval_s = 0;
	assert_int_equal(sov_health_config_validate(&c, buf, 9), -EINVAL);
	assert_string_equal(buf, "interval");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_backend_waits_for_rise),
		cmocka_unit_test(test_fall_then_rise),
		cmocka_unit_test(test_flapping_holds),
		cmocka_unit_test(test_unknown_to_down),
		cmocka_unit_test(test_thresholds_of_one),
		cmocka_unit_test(test_history_wraps),
		cmocka_unit_test(test_thresholds_validation),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_config_validation),
	};

	return cmocka_run_group_tests_name("lb_health", tests, NULL, NULL);
}
