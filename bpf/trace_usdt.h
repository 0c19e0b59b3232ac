/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace_usdt.h - spans observed from outside a process (bpf/trace_usdt.bpf.c):
 * the ring-buffer record and the counters, shared with userspace
 * (lib/trace/usdt_collect.c, tests/bpf/usdt_test.c). Documentation/trace.rst,
 * "USDT probes". The probes themselves and their arguments: lib/trace/usdt.h.
 *
 * Its own record rather than trace.h's struct trace_bpf_event: a span from
 * the probe has a name (read from the traced process), kind and status, and
 * no syscall number or module operation.
 *
 * All fields are host order. Append only; struct trace_usdt_event.size
 * tells a decoder which layout it got.
 */
#ifndef SOV_BPF_TRACE_USDT_H
#define SOV_BPF_TRACE_USDT_H

#include <linux/types.h>

#define TRACE_USDT_RING_BYTES	(1u << 20)	/* usdt_events: a power of two >= a page */
#define TRACE_USDT_NAME_LEN	64		/* the name's bytes kept, NUL included */

/*
 * One sovereign:span_end firing (136 bytes). Times are as the process
 * recorded them (Unix ns); name is NUL-ended, cut at TRACE_USDT_NAME_LEN - 1
 * bytes; name_len is what bpf_probe_read_user_str() copied (NUL included),
 * 0 when the name could not be read.
 */
struct trace_usdt_event {
	__u16 size;			/* sizeof(struct trace_usdt_event) */
	__u16 name_len;
	__u32 info;			/* flags | kind << 8 | status << 16 (usdt.h) */
	__u32 pid;			/* thread group of the traced process */
	__u32 tid;
	__u64 trace_id_hi;
	__u64 trace_id_lo;
	__u64 span_id;
	__u64 parent_id;
	__u64 start_ns;
	__u64 end_ns;
	__u32 cpu;
	__u32 pad;
	char name[TRACE_USDT_NAME_LEN];
};

/* span_drop reasons counted (lib/trace/usdt.h's TRACE_USDT_DROP_*; 0: other) */
#define TRACE_USDT_DROP_REASONS	4

/* usdt_stats[0], per CPU: userspace sums the CPUs. */
struct trace_usdt_counters {
	__u64 events;			/* records submitted to usdt_events */
	__u64 drops;			/* ring full: reservation failed, span lost */
	__u64 name_faults;		/* name not readable (submitted without it) */
	__u64 target_drops[TRACE_USDT_DROP_REASONS];	/* span_drop firings by reason */
};

#endif
