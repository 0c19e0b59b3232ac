// SPDX-License-Identifier: GPL-2.0
/*
 * trace_usdt.bpf.c - spans of a Sovereign process seen from outside it,
 * through lib/trace's USDT probes (lib/trace/usdt.h):
 *
 *   trace_span_end   sovereign:span_end   one record per span into usdt_events
 *   trace_span_drop  sovereign:span_drop  counts the process's own refusals
 *
 * Attached by lib/trace/usdt_collect.c with bpf_program__attach_usdt() to a
 * process (or every process running a binary); libbpf's usdt.bpf.h reads
 * each argument where the probe's note says it is. While attached, the
 * kernel raises the probe's semaphore in the traced process, which is what
 * makes the process compute the arguments at all.
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <linux/types.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

#include "trace_usdt.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, TRACE_USDT_RING_BYTES);
} usdt_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct trace_usdt_counters);
} usdt_stats SEC(".maps");

static __always_inline struct trace_usdt_counters *counters(void)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&usdt_stats, &key);
}

/*
 * Counters: per CPU, but a uprobe's program may be preempted by another
 * task's firing on the same CPU, so the adds are atomic to stay exact.
 */
SEC("usdt")
int BPF_USDT(trace_span_end, __u64 trace_hi, __u64 trace_lo, __u64 span_id, __u64 parent_id,
	     const char *name, __u64 dur_ns, __u64 start_ns, __u64 info)
{
	struct trace_usdt_counters *c = counters();
	struct trace_usdt_event *ev;
	__u64 pid_tgid;
	long n;

	ev = bpf_ringbuf_reserve(&usdt_events, sizeof(*ev), 0);
	if (!ev) {
		if (c)
			__sync_fetch_and_add(&c->drops, 1);
		return 0;
	}
	pid_tgid = bpf_get_current_pid_tgid();
	ev->size = sizeof(*ev);
	ev->info = (__u32)info;
	ev->pid = pid_tgid >> 32;
	ev->tid = (__u32)pid_tgid;
	ev->trace_id_hi = trace_hi;
	ev->trace_id_lo = trace_lo;
	ev->span_id = span_id;
	ev->parent_id = parent_id;
	ev->start_ns = start_ns;
	ev->end_ns = start_ns + dur_ns;
	ev->cpu = bpf_get_smp_processor_id();
	ev->pad = 0;
	n = bpf_probe_read_user_str(ev->name, sizeof(ev->name), name);
	if (n < 0) {
		/* a page of the process not present: no fault handling here */
		ev->name[0] = '\0';
		ev->name_len = 0;
		if (c)
			__sync_fetch_and_add(&c->name_faults, 1);
	} else {
		ev->name_len = (__u16)n;
	}
	/* flags 0: the kernel wakes the reader only when it had caught up */
	bpf_ringbuf_submit(ev, 0);
	if (c)
		__sync_fetch_and_add(&c->events, 1);
	return 0;
}

SEC("usdt")
int BPF_USDT(trace_span_drop, __u64 trace_hi, __u64 trace_lo, __u64 span_id, const char *name,
	     __u64 why)
{
	struct trace_usdt_counters *c = counters();

	(void)trace_hi;
	(void)trace_lo;
	(void)span_id;
	(void)name;
	if (!c)
		return 0;
	if (why >= TRACE_USDT_DROP_REASONS)
		why = 0;
	__sync_fetch_and_add(&c->target_drops[why], 1);
	return 0;
}
