// SPDX-License-Identifier: GPL-2.0
/* KUnit: the subsystem start/stop ladder undoes exactly what it did. */
#include <kunit/test.h>

#include "../../kmod/sovereign.h"

#define FAKE_N 4

/* Order of init (positive id) and exit (negative id) calls. */
static int calls[2 * FAKE_N];
static unsigned int ncalls;
static int fail_at = -1;

static void record(int v)
{
	if (ncalls < ARRAY_SIZE(calls))
		calls[ncalls++] = v;
}

static int fake_init(int n)
{
	record(n + 1);
	return fail_at == n ? -ENOMEM : 0;
}

static int fake_init0(void) { return fake_init(0); }
static int fake_init1(void) { return fake_init(1); }
static int fake_init3(void) { return fake_init(3); }
static void fake_exit0(void) { record(-1); }
static void fake_exit1(void) { record(-2); }
static void fake_exit3(void) { record(-4); }

static const struct sov_subsys_desc fake_tbl[FAKE_N] = {
	{ "a", fake_init0, fake_exit0 },
	{ "b", fake_init1, fake_exit1 },
	{ "c", NULL, NULL },		/* not compiled in */
	{ "d", fake_init3, fake_exit3 },
};

static int subsys_test_init(struct kunit *test)
{
	ncalls = 0;
	fail_at = -1;
	return 0;
}

static void subsys_start_all(struct kunit *test)
{
	unsigned long enabled = 0;

	KUNIT_ASSERT_EQ(test, sov_subsys_start(fake_tbl, FAKE_N, &enabled), 0);
	KUNIT_EXPECT_EQ(test, enabled, 0x0bUL);
	KUNIT_ASSERT_EQ(test, ncalls, 3U);
	KUNIT_EXPECT_EQ(test, calls[0], 1);
	KUNIT_EXPECT_EQ(test, calls[1], 2);
	KUNIT_EXPECT_EQ(test, calls[2], 4);

	sov_subsys_stop(fake_tbl, FAKE_N, &enabled);
	KUNIT_EXPECT_EQ(test, enabled, 0UL);
	KUNIT_ASSERT_EQ(test, ncalls, 6U);
	KUNIT_EXPECT_EQ(test, calls[3], -4);
	KUNIT_EXPECT_EQ(test, calls[4], -2);
	KUNIT_EXPECT_EQ(test, calls[5], -1);
}

static void subsys_failure_unwinds(struct kunit *test)
{
	unsigned long enabled = 0;

	fail_at = 3;
	KUNIT_EXPECT_EQ(test, sov_subsys_start(fake_tbl, FAKE_N, &enabled),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, enabled, 0UL);
	/* a, b, d(fails), then b and a undone in reverse; d never exited */
	KUNIT_ASSERT_EQ(test, ncalls, 5U);
	KUNIT_EXPECT_EQ(test, calls[2], 4);
	KUNIT_EXPECT_EQ(test, calls[3], -2);
	KUNIT_EXPECT_EQ(test, calls[4], -1);
}

static void subsys_first_failure_leaves_nothing(struct kunit *test)
{
	unsigned long enabled = 0;

	fail_at = 0;
	KUNIT_EXPECT_EQ(test, sov_subsys_start(fake_tbl, FAKE_N, &enabled),
			-ENOMEM);
	KUNIT_EXPECT_EQ(test, enabled, 0UL);
	KUNIT_EXPECT_EQ(test, ncalls, 1U);
}

static void subsys_real_table_named(struct kunit *test)
{
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(sov_subsystems); i++) {
		KUNIT_ASSERT_NOT_NULL(test, sov_subsystems[i].name);
		/* a subsystem with init must be able to undo it */
		KUNIT_EXPECT_EQ(test, !sov_subsystems[i].init,
				!sov_subsystems[i].exit);
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_STRNEQ(test, sov_subsystems[i].name,
					    sov_subsystems[j].name);
	}
}

static struct kunit_case subsys_test_cases[] = {
	KUNIT_CASE(subsys_start_all),
	KUNIT_CASE(subsys_failure_unwinds),
	KUNIT_CASE(subsys_first_failure_leaves_nothing),
	KUNIT_CASE(subsys_real_table_named),
	{}
};

static struct kunit_suite subsys_test_suite = {
	.name = "sovereign_subsys",
	.init = subsys_test_init,
	.test_cases = subsys_test_cases,
};

kunit_test_suite(subsys_test_suite);

MODULE_LICENSE("GPL");
