/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Sovereign tracing: the trace context every wire message may carry, and
 * the SOV_CMD_TRACE_* commands of sovereignd's control socket (included by
 * sovereign.h). Documentation/trace.rst describes the model.
 *
 * Trace context on the wire: SOV_TRACE_CTX_ATTR, a top-level attribute any
 * request on the daemon socket may carry next to the command's own
 * attributes, and SOV_A_RAFT_TRACE in Raft messages between daemons. Both
 * hold the binary form of a W3C traceparent, SOV_TRACE_CTX_LEN bytes:
 *   [0]      version (0)
 *   [1..16]  trace id, big-endian
 *   [17..24] the sender's span id (the receiver's parent), big-endian
 *   [25]     trace-flags (bit 0: sampled, bit 1: random trace id)
 * A context that is malformed (wrong length for its version, version 0xff,
 * a zero id) is ignored and counted: the receiver starts a new trace.
 */
#ifndef _UAPI_LINUX_SOVEREIGN_TRACE_H
#define _UAPI_LINUX_SOVEREIGN_TRACE_H

#define SOV_TRACE_CTX_ATTR	0x3fff	/* attribute type, any request */
#define SOV_TRACE_CTX_LEN	26	/* bytes, version 0 */
#define SOV_TRACE_STORE_DEFAULT	1024	/* traces a daemon keeps */
#define SOV_TRACE_PPB		1000000000	/* SOV_A_TRACE_PROB_PPB of p = 1 */

/**
 * enum sov_trace_source - SOV_A_TRACE_OP_SOURCE: where an op's histogram is
 * @SOV_TRACE_SOURCE_DAEMON: spans recorded by sovereignd (lib/trace)
 * @SOV_TRACE_SOURCE_KERNEL: kernel spans (bpf/trace.bpf.c's histograms)
 */
enum sov_trace_source {
	SOV_TRACE_SOURCE_DAEMON,
	SOV_TRACE_SOURCE_KERNEL,
};

/**
 * enum sov_a_trace - attributes of the SOV_CMD_TRACE_* commands
 * @SOV_A_TRACE_ID: binary, 16 bytes: a trace id (GET request, LIST reply)
 * @SOV_A_TRACE_OP: string, an operation ("ctl.kv-put"); LATENCY_GET and
 *	SAMPLE_SET: one op instead of all (SAMPLE_SET: the default for all)
 * @SOV_A_TRACE_PROB_PPB: u64, SAMPLE_SET: fixed head probability, parts per
 *	10^9 (0 .. SOV_TRACE_PPB)
 * @SOV_A_TRACE_RATE_MILLI: u64, SAMPLE_SET: adaptive, target sampled spans
 *	per second per op, in thousandths (at least 1)
 * @SOV_A_TRACE_TARGET: string, EXPORT: a file (JSON lines, appended) or an
 *	http:// URL (OTLP/HTTP JSON, port 4318 when none given)
 * @SOV_A_TRACE_EXPORTED: u64, EXPORT reply: traces written or queued
 * @SOV_A_TRACE_COUNTER: nest, STATUS_GET reply, repeated: enum
 *	sov_a_trace_counter
 * @SOV_A_TRACE_ROOT: string, LIST: the root span's name
 * @SOV_A_TRACE_SPANS: u32, LIST: spans held
 * @SOV_A_TRACE_START_NS: u64, LIST: earliest span start, Unix ns
 * @SOV_A_TRACE_DURATION_NS: u64, LIST: latest end minus earliest start
 * @SOV_A_TRACE_KEEP: u32, LIST: why it is kept (bit 0 sampled, 1 error,
 *	2 slow; 0 undecided yet)
 * @SOV_A_TRACE_ERRORS: u32, LIST: spans with status error
 * @SOV_A_TRACE_SPAN: nest, GET reply (dump), one per message: enum
 *	sov_a_trace_span
 * @SOV_A_TRACE_OPSTAT: nest, LATENCY_GET reply (dump), one per message:
 *	enum sov_a_trace_op
 * @SOV_A_TRACE_NODE: u64, STATUS_GET: this daemon's node id
 */
enum sov_a_trace {
	SOV_A_TRACE_UNSPEC,
	SOV_A_TRACE_PAD,
	SOV_A_TRACE_ID,
	SOV_A_TRACE_OP,
	SOV_A_TRACE_PROB_PPB,
	SOV_A_TRACE_RATE_MILLI,
	SOV_A_TRACE_TARGET,
	SOV_A_TRACE_EXPORTED,
	SOV_A_TRACE_COUNTER,
	SOV_A_TRACE_ROOT,
	SOV_A_TRACE_SPANS,
	SOV_A_TRACE_START_NS,
	SOV_A_TRACE_DURATION_NS,
	SOV_A_TRACE_KEEP,
	SOV_A_TRACE_ERRORS,
	SOV_A_TRACE_SPAN,
	SOV_A_TRACE_OPSTAT,
	SOV_A_TRACE_NODE,

	__SOV_A_TRACE_CNT,
	SOV_A_TRACE_MAX = __SOV_A_TRACE_CNT - 1
};

/**
 * enum sov_a_trace_counter - one counter of the tracing engine
 * @SOV_A_TRACE_COUNTER_NAME: string, "group.name" ("store.evicted")
 * @SOV_A_TRACE_COUNTER_VALUE: u64
 */
enum sov_a_trace_counter {
	SOV_A_TRACE_COUNTER_UNSPEC,
	SOV_A_TRACE_COUNTER_PAD,
	SOV_A_TRACE_COUNTER_NAME,
	SOV_A_TRACE_COUNTER_VALUE,

	__SOV_A_TRACE_COUNTER_CNT,
	SOV_A_TRACE_COUNTER_MAX = __SOV_A_TRACE_COUNTER_CNT - 1
};

/**
 * enum sov_a_trace_span - one span (SOV_A_TRACE_SPAN)
 * @SOV_A_TRACE_SPAN_ID: u64, never 0
 * @SOV_A_TRACE_SPAN_PARENT: u64, absent for a root span
 * @SOV_A_TRACE_SPAN_NAME: string
 * @SOV_A_TRACE_SPAN_KIND: u8, OTLP SpanKind (1 internal .. 5 consumer)
 * @SOV_A_TRACE_SPAN_STATUS: u8, OTLP status code (0 unset, 1 ok, 2 error)
 * @SOV_A_TRACE_SPAN_STATUS_MSG: string
 * @SOV_A_TRACE_SPAN_START_NS: u64, Unix ns
 * @SOV_A_TRACE_SPAN_END_NS: u64, Unix ns
 * @SOV_A_TRACE_SPAN_NODE: u64, the node that recorded it
 * @SOV_A_TRACE_SPAN_FLAGS: u8, the trace's W3C flags
 * @SOV_A_TRACE_SPAN_ATTR: nest, repeated: enum sov_a_trace_attr
 */
enum sov_a_trace_span {
	SOV_A_TRACE_SPAN_UNSPEC,
	SOV_A_TRACE_SPAN_PAD,
	SOV_A_TRACE_SPAN_ID,
	SOV_A_TRACE_SPAN_PARENT,
	SOV_A_TRACE_SPAN_NAME,
	SOV_A_TRACE_SPAN_KIND,
	SOV_A_TRACE_SPAN_STATUS,
	SOV_A_TRACE_SPAN_STATUS_MSG,
	SOV_A_TRACE_SPAN_START_NS,
	SOV_A_TRACE_SPAN_END_NS,
	SOV_A_TRACE_SPAN_NODE,
	SOV_A_TRACE_SPAN_FLAGS,
	SOV_A_TRACE_SPAN_ATTR,

	__SOV_A_TRACE_SPAN_CNT,
	SOV_A_TRACE_SPAN_MAX = __SOV_A_TRACE_SPAN_CNT - 1
};

/**
 * enum sov_a_trace_attr - one span attribute: a key and one value
 * @SOV_A_TRACE_ATTR_KEY: string
 * @SOV_A_TRACE_ATTR_INT: s64
 * @SOV_A_TRACE_ATTR_STR: string
 */
enum sov_a_trace_attr {
	SOV_A_TRACE_ATTR_UNSPEC,
	SOV_A_TRACE_ATTR_PAD,
	SOV_A_TRACE_ATTR_KEY,
	SOV_A_TRACE_ATTR_INT,
	SOV_A_TRACE_ATTR_STR,

	__SOV_A_TRACE_ATTR_CNT,
	SOV_A_TRACE_ATTR_MAX = __SOV_A_TRACE_ATTR_CNT - 1
};

/**
 * enum sov_a_trace_op - one operation's latency and sampling
 * @SOV_A_TRACE_OP_NAME: string
 * @SOV_A_TRACE_OP_SOURCE: u8, enum sov_trace_source
 * @SOV_A_TRACE_OP_COUNT: u64, durations observed
 * @SOV_A_TRACE_OP_MIN_NS: u64
 * @SOV_A_TRACE_OP_MAX_NS: u64
 * @SOV_A_TRACE_OP_MEAN_NS: u64
 * @SOV_A_TRACE_OP_P50_NS: u64
 * @SOV_A_TRACE_OP_P90_NS: u64
 * @SOV_A_TRACE_OP_P99_NS: u64
 * @SOV_A_TRACE_OP_P999_NS: u64
 * @SOV_A_TRACE_OP_PROB_PPB: u64, daemon ops: the head probability in force
 * @SOV_A_TRACE_OP_RATE_MILLI: u64, daemon ops: the target (0: fixed p)
 * @SOV_A_TRACE_OP_OBSERVED_MILLI: u64, daemon ops: sampled spans/s, last
 *	interval
 * @SOV_A_TRACE_OP_DECISIONS: u64, head decisions taken
 * @SOV_A_TRACE_OP_SAMPLED: u64, of which sampled
 * @SOV_A_TRACE_OP_ERRORS: u64, spans with status error
 * @SOV_A_TRACE_OP_KEPT_ERROR: u64, traces the tail rule kept for an error
 * @SOV_A_TRACE_OP_KEPT_SLOW: u64, traces kept for being slower than p99
 */
enum sov_a_trace_op {
	SOV_A_TRACE_OP_UNSPEC,
	SOV_A_TRACE_OP_PAD,
	SOV_A_TRACE_OP_NAME,
	SOV_A_TRACE_OP_SOURCE,
	SOV_A_TRACE_OP_COUNT,
	SOV_A_TRACE_OP_MIN_NS,
	SOV_A_TRACE_OP_MAX_NS,
	SOV_A_TRACE_OP_MEAN_NS,
	SOV_A_TRACE_OP_P50_NS,
	SOV_A_TRACE_OP_P90_NS,
	SOV_A_TRACE_OP_P99_NS,
	SOV_A_TRACE_OP_P999_NS,
	SOV_A_TRACE_OP_PROB_PPB,
	SOV_A_TRACE_OP_RATE_MILLI,
	SOV_A_TRACE_OP_OBSERVED_MILLI,
	SOV_A_TRACE_OP_DECISIONS,
	SOV_A_TRACE_OP_SAMPLED,
	SOV_A_TRACE_OP_ERRORS,
	SOV_A_TRACE_OP_KEPT_ERROR,
	SOV_A_TRACE_OP_KEPT_SLOW,

	__SOV_A_TRACE_OP_CNT,
	SOV_A_TRACE_OP_MAX = __SOV_A_TRACE_OP_CNT - 1
};

#endif /* _UAPI_LINUX_SOVEREIGN_TRACE_H */
