// SPDX-License-Identifier: GPL-2.0
/*
 * lib/trace's sampler on a synthetic load with an injected clock: the
 * deterministic head rule (same trace id and probability, same answer on
 * every sampler; consistent across probabilities), the adaptive probability
 * converging to its target rate within 10 % (and again after the load
 * changes), and the tail keep of erred and slow traces.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../lib/trace/trace.h"

#define SEC 1000000000ULL

static uint64_t fake_now;

static uint64_t fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static struct trace_id rnd_id(void)
{
	struct trace_id id = { rnd(), rnd() };

	return id;
}

static struct trace_sampler *mk_sampler(double target)
{
	struct trace_sampler_conf conf;

	trace_sampler_conf_default(&conf);
	conf.target_rate = target;
	conf.clock = fake_clock;
	return trace_sampler_create(&conf);
}

static void test_threshold(void **state)
{
	struct trace_id id = { 0, 0 };

	(void)state;
	assert_true(trace_sample_threshold(1) == 0);
	assert_true(trace_sample_threshold(2) == 0);
	assert_true(trace_sample_threshold(0) == 1ULL << 56);
	assert_true(trace_sample_threshold(-1) == 1ULL << 56);
	assert_true(trace_sample_threshold(NAN) == 1ULL << 56);
	assert_true(trace_sample_threshold(0.5) == 1ULL << 55);
	assert_true(trace_sample_threshold(0.25) == 3ULL << 54);
	/* only the low 56 bits count */
	id.hi = UINT64_MAX;
	id.lo = 0xff00000000000000ULL;
	assert_false(trace_sample_id(&id, 1));
	assert_true(trace_sample_id(&id, 0));
	id.lo = 0x00ffffffffffffffULL;
	assert_true(trace_sample_id(&id, trace_sample_threshold(1e-9)));
	assert_false(trace_sample_id(&id, trace_sample_threshold(0)));
}

/* Two samplers (two nodes), same p: the same decision for every trace id. */
static void test_deterministic(void **state)
{
	struct trace_sampler *a = mk_sampler(0), *b = mk_sampler(0);
	int i, yes = 0;

	(void)state;
	assert_int_equal(trace_sampler_set_probability(a, "raft.propose", 0.3), 0);
	assert_int_equal(trace_sampler_set_probability(b, NULL, 0.3), 0);
	rng_state = 11;
	for (i = 0; i < 100000; i++) {
		struct trace_id id = rnd_id();
		bool da = trace_sampler_decide(a, "raft.propose", &id);

		assert_int_equal(da, trace_sampler_decide(b, "raft.propose", &id));
		/* consistent: what is sampled at 0.1 is sampled at 0.3 */
		if (trace_sample_id(&id, trace_sample_threshold(0.1)))
			assert_true(da);
		yes += da;
	}
	assert_true(fabs(yes / 100000.0 - 0.3) < 0.01);
	trace_sampler_destroy(a);
	trace_sampler_destroy(b);
}

/* One interval of load: @rate decisions per second for op; returns sampled. */
static uint64_t run_interval(struct trace_sampler *s, const char *op, uint64_t rate)
{
	uint64_t i, sampled = 0;

	for (i = 0; i < rate; i++) {
		struct trace_id id = rnd_id();

		sampled += trace_sampler_decide(s, op, &id);
	}
	fake_now += SEC;
	assert_int_equal(trace_sampler_tick(s), 2);	/* the op and "(other)" */
	return sampled;
}

/* The mean sampled rate of intervals [from, to) after a load change. */
static double run_load(struct trace_sampler *s, const char *op, uint64_t rate, int intervals,
		       int settle)
{
	uint64_t sum = 0;
	int i;

	for (i = 0; i < intervals; i++) {
		uint64_t got = run_interval(s, op, rate);

		if (i >= settle)
			sum += got;
	}
	return (double)sum / (intervals - settle);
}

static void test_adaptive_converges(void **state)
{
	struct trace_sampler *s;
	struct trace_sampler_op op;
	double mean;

	(void)state;
	fake_now = 1000 * SEC;
	rng_state = 12;
	s = mk_sampler(1000);
	/* 20,000/s offered, 1,000/s wanted: p from 1 to about 0.05 */
	mean = run_load(s, "raft.propose", 20000, 30, 15);
	assert_int_equal(trace_sampler_op_get(s, "raft.propose", &op), 0);
	printf("# 20000/s: p %.4f, sampled %.1f/s over the last 15 s (target 1000)\n", op.p, mean);
	assert_true(fabs(mean - 1000) <= 100);
	assert_true(fabs(op.observed_rate - 1000) <= 100);
	assert_true(op.p > 0.04 && op.p < 0.06);
	assert_true(op.decisions == 30 * 20000);

	/* five times the load: p follows down */
	mean = run_load(s, "raft.propose", 100000, 30, 15);
	trace_sampler_op_get(s, "raft.propose", &op);
	printf("# 100000/s: p %.4f, sampled %.1f/s (target 1000)\n", op.p, mean);
	assert_true(fabs(mean - 1000) <= 100);

	/* a tenth of it: p climbs back, at most doubling per interval */
	mean = run_load(s, "raft.propose", 5000, 30, 15);
	trace_sampler_op_get(s, "raft.propose", &op);
	printf("# 5000/s: p %.4f, sampled %.1f/s (target 1000)\n", op.p, mean);
	assert_true(fabs(mean - 1000) <= 100);

	/* less offered than the target: p saturates at 1, everything sampled */
	mean = run_load(s, "raft.propose", 500, 20, 10);
	trace_sampler_op_get(s, "raft.propose", &op);
	assert_true(op.p == 1.0 && mean == 500);

	/* a new target for this op only */
	assert_int_equal(trace_sampler_set_target(s, "raft.propose", 200), 0);
	mean = run_load(s, "raft.propose", 20000, 30, 15);
	printf("# target 200 at 20000/s: sampled %.1f/s\n", mean);
	assert_true(fabs(mean - 200) <= 20);
	trace_sampler_destroy(s);
}

/* Adaptation waits for a whole interval; no traffic leaves p alone. */
static void test_interval_and_idle(void **state)
{
	struct trace_sampler *s;
	struct trace_sampler_op op;
	struct trace_id id;
	int i;

	(void)state;
	fake_now = 5 * SEC;
	rng_state = 13;
	s = mk_sampler(10);
	for (i = 0; i < 1000; i++) {
		id = rnd_id();
		trace_sampler_decide(s, "op", &id);
	}
	fake_now += SEC / 2;
	assert_int_equal(trace_sampler_tick(s), 0);
	fake_now += SEC / 2;
	assert_int_equal(trace_sampler_tick(s), 2);
	trace_sampler_op_get(s, "op", &op);
	assert_true(fabs(op.p - 0.1) < 1e-9);	/* damped: 1 * sqrt(10/1000) */
	fake_now += 10 * SEC;			/* idle */
	assert_int_equal(trace_sampler_tick(s), 2);
	trace_sampler_op_get(s, "op", &op);
	assert_true(fabs(op.p - 0.1) < 1e-9 && op.observed_rate == 0);
	trace_sampler_destroy(s);
}

static struct trace_span span_of(const struct trace_id *id, uint64_t sid, uint64_t parent,
				 const char *name, uint64_t dur, int status, bool sampled)
{
	struct trace_span sp;

	memset(&sp, 0, sizeof(sp));
	sp.trace_id = *id;
	sp.span_id = sid;
	sp.parent_id = parent;
	sp.name = name;
	sp.start_ns = 1000000;
	sp.end_ns = sp.start_ns + dur;
	sp.status = (uint8_t)status;
	sp.flags = TRACE_FLAG_RANDOM | (sampled ? TRACE_FLAG_SAMPLED : 0);
	return sp;
}

static void test_tail_keep(void **state)
{
	struct trace_sampler *s;
	struct trace_sampler_op op;
	struct trace_span t[3];
	struct trace_id id = { 1, 2 };
	uint64_t i;

	(void)state;
	fake_now = 0;
	s = mk_sampler(0);
	/* clean, unsampled, fast: dropped */
	t[0] = span_of(&id, 1, 0, "req", 1000, TRACE_STATUS_OK, false);
	t[1] = span_of(&id, 2, 1, "raft.commit", 500, TRACE_STATUS_UNSET, false);
	assert_int_equal(trace_sampler_tail(s, t, 2), 0);
	/* head-sampled */
	t[0].flags |= TRACE_FLAG_SAMPLED;
	assert_int_equal(trace_sampler_tail(s, t, 2), TRACE_KEEP_SAMPLED);
	t[0].flags &= (uint8_t)~TRACE_FLAG_SAMPLED;
	/* any span erred */
	t[1].status = TRACE_STATUS_ERROR;
	assert_int_equal(trace_sampler_tail(s, t, 2), TRACE_KEEP_ERROR);
	t[1].status = TRACE_STATUS_UNSET;

	/* slow: not before the op has enough data */
	t[1].end_ns = t[1].start_ns + 10000000;
	assert_int_equal(trace_sampler_tail(s, t, 2), 0);
	/* 1,000 commits of 1..1000 us: p99 ~ 990 us */
	for (i = 1; i <= 1000; i++) {
		struct trace_span c = span_of(&id, 10 + i, 1, "raft.commit", i * 1000, 0, false);

		trace_sampler_observe(s, &c);
	}
	/* refreshed as the count doubled: the p99 of the first 800 */
	assert_int_equal(trace_sampler_op_get(s, "raft.commit", &op), 0);
	assert_true(op.spans == 1000 && op.errors == 0);
	assert_true(op.p99_ns >= 786000 && op.p99_ns <= 798000);
	/* and at every interval */
	fake_now += SEC;
	trace_sampler_tick(s);
	trace_sampler_op_get(s, "raft.commit", &op);
	assert_true(op.p99_ns >= 982000 && op.p99_ns <= 998000);
	assert_true(trace_hist_count(op.hist) == 1000);
	/* 10 ms against a p99 of ~1 ms: kept */
	assert_int_equal(trace_sampler_tail(s, t, 2), TRACE_KEEP_SLOW);
	/* 500 us: not */
	t[1].end_ns = t[1].start_ns + 500000;
	assert_int_equal(trace_sampler_tail(s, t, 2), 0);
	/* the root's op has no data: its duration does not matter */
	t[0].end_ns = t[0].start_ns + 100 * SEC;
	assert_int_equal(trace_sampler_tail(s, t, 2), 0);
	/* all three reasons at once */
	t[2] = span_of(&id, 3, 1, "raft.commit", 5000000, TRACE_STATUS_ERROR, true);
	assert_int_equal(trace_sampler_tail(s, t, 3),
			 TRACE_KEEP_SAMPLED | TRACE_KEEP_ERROR | TRACE_KEEP_SLOW);
	trace_sampler_op_get(s, "raft.commit", &op);
	assert_true(op.kept_slow == 2 && op.kept_error == 2);
	/* observe says what one span alone gives the tail rules, counting nothing */
	{
		struct trace_span c = span_of(&id, 5000, 1, "raft.commit", 5000000, 0, false);

		assert_int_equal(trace_sampler_observe(s, &c), TRACE_KEEP_SLOW);
		c.status = TRACE_STATUS_ERROR;
		assert_int_equal(trace_sampler_observe(s, &c), TRACE_KEEP_SLOW | TRACE_KEEP_ERROR);
		c.end_ns = c.start_ns + 1000;
		assert_int_equal(trace_sampler_observe(s, &c), TRACE_KEEP_ERROR);
		c.status = TRACE_STATUS_OK;
		c.flags |= TRACE_FLAG_SAMPLED;	/* the head's decision is not the tail's */
		assert_int_equal(trace_sampler_observe(s, &c), 0);
		trace_sampler_op_get(s, "raft.commit", &op);
		assert_true(op.kept_slow == 2 && op.kept_error == 2);
	}

	/* the rules can be turned off */
	trace_sampler_destroy(s);
	{
		struct trace_sampler_conf conf;

		trace_sampler_conf_default(&conf);
		conf.tail_errors = false;
		conf.tail_slow = false;
		conf.clock = fake_clock;
		s = trace_sampler_create(&conf);
		for (i = 1; i <= 1000; i++) {
			struct trace_span c = span_of(&id, 10 + i, 1, "raft.commit", i * 1000, 0, false);

			trace_sampler_observe(s, &c);
		}
		t[2].flags &= (uint8_t)~TRACE_FLAG_SAMPLED;
		assert_int_equal(trace_sampler_tail(s, t, 3), 0);
	}
	trace_sampler_destroy(s);
}

static void test_settings_and_ops(void **state)
{
	struct trace_sampler_conf conf;
	struct trace_sampler *s;
	struct trace_sampler_op ops[8], op;
	struct trace_id id = { 0, 0 };
	char name[16];
	int i;

	(void)state;
	trace_sampler_conf_default(&conf);
	conf.max_ops = 3;
	conf.clock = fake_clock;
	s = trace_sampler_create(&conf);
	assert_int_equal(trace_sampler_set_probability(s, NULL, 1.5), -EINVAL);
	assert_int_equal(trace_sampler_set_probability(s, NULL, NAN), -EINVAL);
	assert_int_equal(trace_sampler_set_target(s, NULL, 0), -EINVAL);
	assert_int_equal(trace_sampler_set_target(s, NULL, INFINITY), -EINVAL);
	assert_int_equal(trace_sampler_op_get(s, "nope", &op), -ENOENT);
	/* p 0 never samples, p 1 always */
	assert_int_equal(trace_sampler_set_probability(s, "never", 0), 0);
	id.lo = (1ULL << 56) - 1;
	assert_false(trace_sampler_decide(s, "never", &id));
	id.lo = 0;
	assert_true(trace_sampler_decide(s, "always", &id));
	/* a fourth op does not fit: it counts as "(other)" */
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "op%d", i);
		trace_sampler_decide(s, name, &id);
	}
	assert_int_equal(trace_sampler_ops(s, ops, 8), 4);
	assert_string_equal(ops[0].name, "(other)");
	assert_string_equal(ops[1].name, "never");
	assert_string_equal(ops[2].name, "always");
	assert_string_equal(ops[3].name, "op0");
	assert_true(ops[0].decisions == 4);
	assert_int_equal(trace_sampler_set_probability(s, "op9", 0.5), -ENOSPC);
	assert_int_equal(trace_sampler_set_probability(s, "(other)", 0.5), 0);
	assert_int_equal(trace_sampler_op_get(s, "(other)", &op), 0);
	assert_true(op.p == 0.5);
	/* a default applies to ops without their own setting */
	assert_int_equal(trace_sampler_set_probability(s, NULL, 0.25), 0);
	trace_sampler_op_get(s, "op0", &op);
	assert_true(op.p == 0.25 && op.target_rate == 0);
	trace_sampler_op_get(s, "never", &op);
	assert_true(op.p == 0);
	assert_int_equal(trace_sampler_set_target(s, NULL, 50), 0);
	trace_sampler_op_get(s, "op0", &op);
	assert_true(op.target_rate == 50);
	trace_sampler_destroy(s);
}

struct race {
	struct trace_sampler *s;
	int seed;
};

static void *decider(void *p)
{
	struct race *r = p;
	char name[16];
	int i;

	for (i = 0; i < 20000; i++) {
		struct trace_id id = { (uint64_t)i, (uint64_t)(i * 7 + r->seed) };

		snprintf(name, sizeof(name), "op%d", (i * 13 + r->seed) % 64);
		trace_sampler_decide(r->s, name, &id);
	}
	return NULL;
}

/* Head decisions from four threads while ops are being added. */
static void test_concurrent_decisions(void **state)
{
	struct trace_sampler *s = mk_sampler(0);
	struct trace_sampler_op ops[80];
	struct race r[4];
	pthread_t th[4];
	uint64_t total = 0;
	size_t n, i;

	(void)state;
	for (i = 0; i < 4; i++) {
		r[i].s = s;
		r[i].seed = (int)i;
		assert_int_equal(pthread_create(&th[i], NULL, decider, &r[i]), 0);
	}
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	n = trace_sampler_ops(s, ops, 80);
	assert_int_equal(n, 65);		/* 64 ops, each once, plus "(other)" */
	for (i = 0; i < n; i++)
		total += ops[i].decisions;
	assert_true(total == 80000);
	trace_sampler_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_adaptive_converges),
		cmocka_unit_test(test_interval_and_idle),
		cmocka_unit_test(test_tail_keep),
		cmocka_unit_test(test_settings_and_ops),
		cmocka_unit_test(test_concurrent_decisions),
	};

	return cmocka_run_group_tests_name("trace_sampler", tests, NULL, NULL);
}
