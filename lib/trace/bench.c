// SPDX-License-Identifier: GPL-2.0
/*
 * Micro-benchmarks for make bench-trace: the cost of recording one span in
 * process and of one histogram insert. Each is the best of several rounds
 * (the least disturbed by the rest of the machine), timed with
 * CLOCK_MONOTONIC around a loop.
 */
#include <math.h>
#include <stdlib.h>

#include "trace_internal.h"

static void discard(const struct trace_span *sp, void *arg)
{
	(void)sp;
	(*(uint64_t *)arg)++;
}

double trace_bench_span_ns(uint32_t n, unsigned int rounds)
{
	struct trace_recorder_conf conf;
	struct trace_recorder *rec, *prev;
	struct trace_ctx parent;
	double best = INFINITY;
	uint64_t drained = 0;
	unsigned int r;
	uint32_t i;

	if (!n || !rounds)
		return 0;
	trace_recorder_conf_default(&conf);
	conf.ring_capacity = n < 16384 ? n : 16384;
	rec = trace_recorder_create(&conf);
	if (!rec)
		return -1;
	/* installed, so that begin reads the clock as in production */
	prev = trace_recorder_installed();
	trace_recorder_install(rec);
	trace_ctx_new_root(&parent, true);
	trace_clock_sync();
	for (r = 0; r < rounds; r++) {
		uint64_t elapsed = 0;

		/* a ring's worth at a time; the drain between is not timed */
		for (i = 0; i < n;) {
			uint32_t end = i + conf.ring_capacity < n ? i + conf.ring_capacity : n;
			uint64_t t0 = trace_clock_mono_ns();

			for (; i < end; i++) {
				struct trace_span sp;

				trace_span_begin(&sp, &parent, "bench.span", TRACE_KIND_INTERNAL);
				trace_span_attr_int(&sp, "i", i);
				trace_span_end_to(rec, &sp);
			}
			elapsed += trace_clock_mono_ns() - t0;
			trace_recorder_drain(rec, discard, &drained, 0);
		}
		if ((double)elapsed / n < best)
			best = (double)elapsed / n;
	}
	trace_recorder_install(prev);
	trace_recorder_destroy(rec);
	return best;
}

double trace_bench_hist_ns(uint32_t n, unsigned int rounds)
{
	enum { NVAL = 4096 };
	struct trace_hist *h = trace_hist_create();
	uint64_t *vals = malloc(NVAL * sizeof(*vals));
	double best = INFINITY;
	unsigned int r;
	uint32_t i;

	if (!h || !vals || !n || !rounds) {
		trace_hist_destroy(h);
		free(vals);
		return h && vals ? 0 : -1;
	}
	/* log-uniform over 1 us .. 1 s, drawn before timing */
	for (i = 0; i < NVAL; i++)
		vals[i] = (uint64_t)exp(log(1e3) + (double)(trace_rand64() >> 11) / 9007199254740992.0 *
					(log(1e9) - log(1e3)));
	for (r = 0; r < rounds; r++) {
		uint64_t t0, t1;

		t0 = trace_clock_mono_ns();
		for (i = 0; i < n; i++)
			trace_hist_insert(h, vals[i & (NVAL - 1)]);
		t1 = trace_clock_mono_ns();
		if ((double)(t1 - t0) / n < best)
			best = (double)(t1 - t0) / n;
	}
	trace_hist_destroy(h);
	free(vals);
	return best;
}
