// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel spans: one ring-buffer record of bpf/trace.bpf.c into a span.
 * Pure (no BPF calls), so a malformed record is as easy to test as a good
 * one. Nothing in a record is trusted: lengths, the type and the ids are
 * checked before anything is read, and every name and attribute key is a
 * static string, so a span never points into the ring.
 */
#include <errno.h>
#include <string.h>

#include "bpf_collect.h"

/* [nr] = "syscall:NAME", generated from this architecture's <asm/unistd.h> */
static const char *const syscall_names[] = {
#include "trace_syscalls.h"
};

#define NSYSCALLS (sizeof(syscall_names) / sizeof(syscall_names[0]))
#define SYSCALL_PREFIX_LEN (sizeof("syscall:") - 1)

const char *trace_bpf_syscall_name(uint32_t nr)
{
	if (nr >= NSYSCALLS || !syscall_names[nr])
		return NULL;
	return syscall_names[nr] + SYSCALL_PREFIX_LEN;
}

const char *trace_bpf_decode_strerror(int err)
{
	switch (err) {
	case TRACE_BPF_DEC_OK:
		return "ok";
	case TRACE_BPF_DEC_SHORT:
		return "record shorter than its event";
	case TRACE_BPF_DEC_SIZE:
		return "event size smaller than this decoder's";
	case TRACE_BPF_DEC_TYPE:
		return "unknown event type";
	case TRACE_BPF_DEC_INVALID:
		return "zero id or end before start";
	default:
		return "unknown error";
	}
}

static const char *sov_op_name(uint32_t op)
{
	switch (TRACE_SOV_OP_CLASS(op)) {
	case TRACE_SOV_GENL:
		return "sovereign:genl";
	case TRACE_SOV_ZPAGE:
		return "sovereign:zpage";
	case TRACE_SOV_SCHED:
		return "sovereign:classes";
	case TRACE_SOV_PROF:
		return "sovereign:profile";
	case TRACE_SOV_NETIO:
		return "sovereign:netio";
	default:
		return "sovereign:op";
	}
}

/* ERROR with the errno's name for -4095..-1 (a system call's error range). */
static void status_from(struct trace_span *sp, int64_t v)
{
	const char *msg;

	if (v >= 0 || v < -4095)
		return;
	msg = strerrorname_np((int)-v);
	trace_span_set_status(sp, TRACE_STATUS_ERROR, msg ? msg : "error");
}

int trace_bpf_decode(const void *data, size_t len, struct trace_span *sp)
{
	struct trace_bpf_event ev;
	struct trace_span s;
	uint16_t hdr[2];

	if (!data || len < sizeof(hdr))
		return TRACE_BPF_DEC_SHORT;
	memcpy(hdr, data, sizeof(hdr));		/* the ring gives 8-byte alignment; don't rely on it */
	/* a newer object may append fields: accept a bigger size, read our prefix */
	if (hdr[1] < sizeof(ev))
		return TRACE_BPF_DEC_SIZE;
	if (len < sizeof(ev) || len < hdr[1])
		return TRACE_BPF_DEC_SHORT;
	if (hdr[0] < TRACE_BPF_EV_SYSCALL || hdr[0] > TRACE_BPF_EV_MAX)
		return TRACE_BPF_DEC_TYPE;
	memcpy(&ev, data, sizeof(ev));
	if (!(ev.trace_id_hi | ev.trace_id_lo) || !ev.span_id || ev.end_ns < ev.start_ns)
		return TRACE_BPF_DEC_INVALID;

	memset(&s, 0, sizeof(s));
	s.trace_id.hi = ev.trace_id_hi;
	s.trace_id.lo = ev.trace_id_lo;
	s.span_id = ev.span_id;
	s.parent_id = ev.parent_id;
	/* one offset for both ends: the duration stays exact */
	s.start_ns = trace_clock_mono_to_unix(ev.start_ns);
	s.end_ns = s.start_ns + (ev.end_ns - ev.start_ns);
	s.kind = TRACE_KIND_INTERNAL;
	s.flags = ev.flags & TRACE_FLAGS_KNOWN;
	trace_span_attr_int(&s, "thread.id", ev.tid);

	switch (ev.type) {
	case TRACE_BPF_EV_SYSCALL:
		s.name = ev.code < NSYSCALLS && syscall_names[ev.code] ? syscall_names[ev.code]
								       : "syscall:unknown";
		trace_span_attr_int(&s, "syscall.nr", ev.code);
		trace_span_attr_int(&s, "syscall.ret", ev.value);
		trace_span_attr_int(&s, "cpu.id", ev.cpu);
		status_from(&s, ev.value);
		break;
	case TRACE_BPF_EV_SCHED_WAIT:
	case TRACE_BPF_EV_SCHED_SLEEP:
		s.name = ev.type == TRACE_BPF_EV_SCHED_WAIT ? "sched:wait" : "sched:sleep";
		trace_span_attr_int(&s, "process.pid", ev.pid);
		trace_span_attr_int(&s, "cpu.id", ev.cpu);
		break;
	case TRACE_BPF_EV_SOV_OP:
		s.name = sov_op_name(ev.code);
		trace_span_attr_int(&s, "sov.op", ev.code);
		trace_span_attr_int(&s, "sov.arg", ev.arg);
		trace_span_attr_int(&s, "sov.ret", ev.value);
		if (ev.value < 0) {
			const char *msg = ev.value >= -4095 ? strerrorname_np((int)-ev.value) : NULL;

			trace_span_set_status(&s, TRACE_STATUS_ERROR, msg ? msg : "error");
		}
		break;
	}
	*sp = s;
	return TRACE_BPF_DEC_OK;
}
