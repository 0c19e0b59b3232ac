// SPDX-License-Identifier: GPL-2.0
/*
 * bpf-trace-test, the reader's side: records the programs never write fed
 * to the decoder (refused and counted by reason), and the cost of one BPF
 * event (trace_bpf_bench, make bench-trace's bpf_event_ns).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "trace_test.h"

static void fill_event(struct trace_bpf_event *ev, uint16_t type)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->size = sizeof(*ev);
	ev->flags = TRACE_FLAG_SAMPLED | TRACE_FLAG_RANDOM;
	ev->tid = 1234;
	ev->pid = 1230;
	ev->trace_id_hi = 0x4bf92f3577b34da6ULL;
	ev->trace_id_lo = 0xa3ce929d0e0e4736ULL;
	ev->span_id = 0x00f067aa0ba902b7ULL;
	ev->parent_id = 0x1111111111111111ULL;
	ev->start_ns = 5000000000ULL;
	ev->end_ns = 5000001500ULL;
	ev->code = 39;
	ev->value = -2;
}

/* Records the programs never write, through the reader's own path. */
bool t_decode_malformed(void)
{
	struct {
		struct trace_bpf_event ev;
		uint8_t more[16];
	} big;
	struct trace_bpf_event ev;
	struct trace_bpf_stats st;
	struct spans s = {};
	struct trace_bpf *tb = open_tb(&s, NULL);
	const struct trace_span *sp;
	bool ok = true;
	int64_t v = 0;

	if (!tb)
		return false;
	fill_event(&ev, TRACE_BPF_EV_SYSCALL);
	CHECK(trace_bpf_feed(tb, NULL, 0) == TRACE_BPF_DEC_SHORT, "NULL");
	CHECK(trace_bpf_feed(tb, &ev, 3) == TRACE_BPF_DEC_SHORT, "3 bytes");
	CHECK(trace_bpf_feed(tb, &ev, sizeof(ev) - 8) == TRACE_BPF_DEC_SHORT, "cut");
	ev.size = 40;
	CHECK(trace_bpf_feed(tb, &ev, sizeof(ev)) == TRACE_BPF_DEC_SIZE, "size 40");
	ev.size = sizeof(ev) + 8;	/* claims more than delivered */
	CHECK(trace_bpf_feed(tb, &ev, sizeof(ev)) == TRACE_BPF_DEC_SHORT, "size > len");
	fill_event(&ev, 0);
	CHECK(trace_bpf_feed(tb, &ev, sizeof(ev)) == TRACE_BPF_DEC_TYPE, "type 0");
	fill_event(&ev, 99);
	CHECK(trace_bpf_feed(tb, &ev, sizeof(ev)) == TRACE_BPF_DEC_TYPE, "type 99");
	fill_event(&ev, TRACE_BPF_EV_SYSCALL);
	ev.trace_id_hi = ev.trace_id_lo = 0;
	CHECK(trace_bpf_feed(tb, &ev, sizeof(ev)) == TRACE_BPF_DEC_INVALID, "zero trace id");
	fill_event(&ev, TRACE_BPF_EV_SCHED_WAIT);
	ev.span_id = 0;
	CHECK(trace_bpf_feed(tb, &ev, sizeof(ev)) == TRACE_BPF_DEC_INVALID, "zero span id");
	fill_event(&ev, TRACE_BPF_EV_SCHED_SLEEP);
	ev.end_ns = ev.start_ns - 1;
	CHECK(trace_bpf_feed(tb, &ev, sizeof(ev)) == TRACE_BPF_DEC_INVALID, "end before start");
	CHECK(s.n == 0, "%zu spans handed out from bad records", s.n);

	/* good ones: today's layout, and a longer one from a newer object */
	fill_event(&ev, TRACE_BPF_EV_SYSCALL);
	CHECK(trace_bpf_feed(tb, &ev, sizeof(ev)) == 0, "good record refused");
	memset(&big, 0xab, sizeof(big));
	fill_event(&big.ev, TRACE_BPF_EV_SOV_OP);
	big.ev.size = sizeof(big);
	big.ev.code = TRACE_SOV_OP(77, 1);
	CHECK(trace_bpf_feed(tb, &big, sizeof(big)) == 0, "longer record refused");
	fill_event(&ev, TRACE_BPF_EV_SYSCALL);
	ev.code = 100000;
	ev.value = 0;
	CHECK(trace_bpf_feed(tb, &ev, sizeof(ev)) == 0, "unknown syscall refused");
	CHECK(s.n == 3, "%zu spans", s.n);
	if (s.n == 3) {
		sp = &s.v[0];
		CHECK(!strcmp(sp->name, "syscall:getpid"), "name %s", sp->name);
		CHECK(sp->trace_id.hi == 0x4bf92f3577b34da6ULL && sp->span_id == 0x00f067aa0ba902b7ULL &&
		      sp->parent_id == 0x1111111111111111ULL, "ids");
		CHECK(sp->start_ns == trace_clock_mono_to_unix(5000000000ULL) &&
		      trace_span_duration(sp) == 1500, "times");
		CHECK(sp->status == TRACE_STATUS_ERROR && !strcmp(sp->status_msg, "ENOENT"), "status");
		CHECK(span_tid(sp) == 1234 && attr_int(sp, "syscall.nr", &v) && v == 39, "attrs");
		CHECK(!strcmp(s.v[1].name, "sovereign:op") && s.v[1].status == TRACE_STATUS_ERROR,
		      "module op %s", s.v[1].name);
		CHECK(!strcmp(s.v[2].name, "syscall:unknown") && s.v[2].status == TRACE_STATUS_UNSET,
		      "unknown syscall %s", s.v[2].name);
	}
	trace_bpf_stats(tb, &st);
	CHECK(st.err_short == 4 && st.err_size == 1 && st.err_type == 2 && st.err_invalid == 3 &&
	      st.decode_errors == 10 && st.decoded == 3,
	      "short %" PRIu64 " size %" PRIu64 " type %" PRIu64 " invalid %" PRIu64
	      " errors %" PRIu64 " decoded %" PRIu64, st.err_short, st.err_size, st.err_type,
	      st.err_invalid, st.decode_errors, st.decoded);
	CHECK(trace_bpf_syscall_name(39) && !strcmp(trace_bpf_syscall_name(39), "getpid") &&
	      !trace_bpf_syscall_name(100000), "syscall names");
	trace_bpf_close(tb);
	free(s.v);
	return ok;
}

bool t_bench(void)
{
	struct trace_bpf_bench b;
	bool ok = true;
	int err = trace_bpf_bench(50000, 3, &b);

	CHECK(err == 0, "trace_bpf_bench: %s", strerror(-err));
	if (err)
		return false;
	diag("bpf_event_ns=%.0f: getpid %.0f ns detached, %.0f traced; untraced threads +%.0f ns "
	     "(+%.0f while no thread is traced); decode %.0f ns/record", b.event_ns, b.base_ns,
	     b.traced_ns, b.untraced_over_ns, b.idle_over_ns, b.decode_ns);
	/* events: one per getpid, plus a wait span whenever the thread was preempted */
	CHECK(b.event_ns > 0 && b.event_ns < 100000 && b.drops == 0 && b.events >= 3 * 50000ULL,
	      "event_ns %.1f drops %" PRIu64 " events %" PRIu64, b.event_ns, b.drops, b.events);
	return ok;
}
