// SPDX-License-Identifier: GPL-2.0
/*
 * What a kernel span costs: one thread doing getpid() with the programs
 * detached, attached with no thread traced, attached with another thread
 * traced, and attached with this thread traced (collect ALL: each call is
 * one syscall span into the ring and its histogram). ns per event = traced - detached, per call. Each mode
 * is the best of the rounds (the least disturbed by the rest of the
 * machine); the modes alternate within a round so a slow phase of the
 * machine does not land on one mode only.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bpf_collect.h"

#define CHUNK 16384u	/* calls between drains: 16384 records of 96 bytes fit the ring */
#define OTHER_TID 0x7ffffff0	/* above any pid_max (2^22): in the map, never running */

static void count_span(const struct trace_span *sp, void *arg)
{
	(void)sp;
	(*(uint64_t *)arg)++;
}

/* ns per getpid() over @n calls, draining @tb (if given) between chunks, untimed. */
static double run_getpid(struct trace_bpf *tb, uint32_t n, uint64_t *drain_ns, uint64_t *drained)
{
	uint64_t elapsed = 0;
	uint32_t i, end;

	for (i = 0; i < n;) {
		uint64_t t0;

		end = n - i > CHUNK ? i + CHUNK : n;
		t0 = trace_clock_mono_ns();
		for (; i < end; i++)
			syscall(SYS_getpid);
		elapsed += trace_clock_mono_ns() - t0;
		if (tb) {
			int got;

			t0 = trace_clock_mono_ns();
			got = trace_bpf_consume(tb);
			*drain_ns += trace_clock_mono_ns() - t0;
			if (got > 0)
				*drained += (uint64_t)got;
		}
	}
	return (double)elapsed / n;
}

int trace_bpf_bench(uint32_t n, unsigned int rounds, struct trace_bpf_bench *out)
{
	uint64_t spans = 0, drain_ns = 0, drained = 0;
	struct trace_bpf_opts opts;
	struct trace_bpf_stats st;
	struct trace_bpf *tb;
	struct trace_ctx ctx;
	pid_t self = gettid();
	unsigned int r;
	int err;

	memset(out, 0, sizeof(*out));
	if (!n || !rounds)
		return -EINVAL;
	trace_bpf_opts_default(&opts);
	opts.pin_dir = NULL;
	opts.ring_bytes = 4u << 20;
	opts.attach = false;
	opts.fn = count_span;
	opts.arg = &spans;
	err = trace_bpf_open(&tb, &opts);
	if (err)
		return err;
	trace_ctx_new_root(&ctx, true);
	trace_clock_sync();
	out->base_ns = out->idle_ns = out->untraced_ns = out->traced_ns = INFINITY;
	for (r = 0; r < rounds; r++) {
		double v;

		trace_bpf_detach(tb);
		v = run_getpid(NULL, n, NULL, NULL);
		if (v < out->base_ns)
			out->base_ns = v;

		err = trace_bpf_attach(tb);
		if (err)
			goto out;
		v = run_getpid(NULL, n, NULL, NULL);
		if (v < out->idle_ns)
			out->idle_ns = v;

		err = trace_bpf_set_thread(tb, OTHER_TID, &ctx, 0, TRACE_BPF_C_ALL);
		if (err)
			goto out;
		v = run_getpid(NULL, n, NULL, NULL);
		trace_bpf_clear_thread(tb, OTHER_TID);
		if (v < out->untraced_ns)
			out->untraced_ns = v;

		err = trace_bpf_set_thread(tb, self, &ctx, 0, TRACE_BPF_C_ALL);
		if (err)
			goto out;
		v = run_getpid(tb, n, &drain_ns, &drained);
		trace_bpf_clear_thread(tb, self);
		if (v < out->traced_ns)
			out->traced_ns = v;
	}
	while (trace_bpf_consume(tb) > 0)
		;
	trace_bpf_stats(tb, &st);
	out->events = st.events;
	out->drops = st.drops;
	out->event_ns = out->traced_ns - out->base_ns;
	out->idle_over_ns = out->idle_ns - out->base_ns;
	out->untraced_over_ns = out->untraced_ns - out->base_ns;
	out->decode_ns = drained ? (double)drain_ns / (double)drained : 0;
out:
	trace_bpf_close(tb);
	return err;
}

double trace_bpf_bench_event_ns(uint32_t n, unsigned int rounds)
{
	struct trace_bpf_bench b;
	int err = trace_bpf_bench(n, rounds, &b);

	return err ? (double)err : b.event_ns;
}
