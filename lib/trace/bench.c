// SPDX-License-Identifier: GPL-2.0
/*
 * Micro-benchmarks for make bench-trace: the cost of recording one span in
 * process, of one span end to end (recorded, drained, stored, observed by
 * the sampler) and of one histogram insert. Each is the best of several
 * rounds (the least disturbed by the rest of the machine), timed with
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

/* The consumer's side of one span, as sovereignd's loop does it. */
struct e2e {
	struct trace_store *st;
	struct trace_sampler *s;
	uint64_t errors;
};

static void consume(const struct trace_span *sp, void *arg)
{
	struct e2e *e = arg;

	trace_sampler_observe(e->s, sp);
	if (trace_store_add(e->st, sp))
		e->errors++;
	/* the local root ends last: the trace is complete, decide it */
	if (!sp->parent_id && trace_store_decide(e->st, &sp->trace_id, e->s) < 0)
		e->errors++;
}

/* One trace of @per spans: the root's head decision, @per - 1 children, the root. */
static void one_trace(struct trace_recorder *rec, struct trace_sampler *s, uint32_t per, uint32_t i)
{
	struct trace_span root, sp;
	struct trace_ctx ctx;
	uint32_t k;

	trace_span_begin(&root, NULL, "bench.request", TRACE_KIND_SERVER);
	trace_span_set_sampled(&root, trace_sampler_decide(s, "bench.request", &root.trace_id));
	trace_span_attr_int(&root, "i", i);
	trace_span_ctx(&root, &ctx);
	for (k = 1; k < per; k++) {
		trace_span_begin(&sp, &ctx, "bench.step", TRACE_KIND_INTERNAL);
		trace_span_attr_int(&sp, "k", k);
		trace_span_end_to(rec, &sp);
	}
	trace_span_end_to(rec, &root);
}

double trace_bench_e2e_ns(uint32_t n, uint32_t per_trace, unsigned int rounds, uint64_t *errors)
{
	struct trace_recorder_conf rconf;
	struct trace_sampler_conf sconf;
	struct trace_store_conf stconf;
	struct trace_recorder *rec, *prev;
	struct e2e e = { 0 };
	double best = INFINITY;
	unsigned int r;
	uint32_t i, batch;

	if (!n || !rounds || !per_trace)
		return 0;
	trace_recorder_conf_default(&rconf);
	trace_sampler_conf_default(&sconf);
	trace_store_conf_default(&stconf);
	rec = trace_recorder_create(&rconf);
	e.st = trace_store_create(&stconf);
	e.s = trace_sampler_create(&sconf);
	if (!rec || !e.st || !e.s) {
		best = -1;
		goto out;
	}
	trace_sampler_set_probability(e.s, NULL, 1.0);	/* 100 % */
	prev = trace_recorder_installed();
	trace_recorder_install(rec);
	trace_clock_sync();
	/* a drain every few hundred spans, as a busy consumer would */
	batch = 256 / per_trace ? 256 / per_trace : 1;
	/* fill the store first: from then on every new trace evicts the oldest */
	for (i = 0; i < 2 * stconf.max_traces; i++) {
		one_trace(rec, e.s, per_trace, i);
		if (i % batch == batch - 1)
			trace_recorder_drain(rec, consume, &e, 0);
	}
	trace_recorder_drain(rec, consume, &e, 0);
	for (r = 0; r < rounds; r++) {
		uint32_t traces = n / per_trace ? n / per_trace : 1;
		uint64_t t0 = trace_clock_mono_ns(), t1;

		for (i = 0; i < traces; i++) {
			one_trace(rec, e.s, per_trace, i);
			if (i % batch == batch - 1) {
				trace_recorder_drain(rec, consume, &e, 0);
				trace_sampler_tick(e.s);
			}
		}
		trace_recorder_drain(rec, consume, &e, 0);
		t1 = trace_clock_mono_ns();
		if ((double)(t1 - t0) / ((double)traces * per_trace) < best)
			best = (double)(t1 - t0) / ((double)traces * per_trace);
	}
	trace_recorder_install(prev);
out:
	if (errors)
		*errors = e.errors;
	trace_sampler_destroy(e.s);
	trace_store_destroy(e.st);
	trace_recorder_destroy(rec);
	return best;
}
