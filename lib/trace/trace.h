/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lib/trace: Sovereign's distributed-tracing engine, pure userspace
 * (Documentation/trace.rst). Six parts, one file each:
 *
 *   context.c  W3C Trace Context: ids, the traceparent header, our 26-byte
 *              binary form for the netlink attribute, random ids
 *   span.c     the span model, its clock, recording a span (begin/end)
 *   ring.c     per-thread single-producer rings and the recorder that owns
 *              them (one consumer drains them all)
 *   hist.c     log-linear latency histogram (relative error < 2^-7)
 *   sampler.c  head sampling per operation, adaptive to a target rate, and
 *              the tail keep decision (errors, slower than the op's p99)
 *   store.c    bounded store of traces, oldest evicted, span tree
 *   otlp.c     OTLP/JSON encoding (json-c) and JSON-lines output
 *   bench.c    ns per span recorded, per span end to end, per histogram insert
 *
 * Threads: a span may be recorded from any thread (lock-free, per-thread
 * ring); histograms take concurrent inserts; the sampler's head decision
 * may be taken from any thread. The recorder's drain, the sampler's tick,
 * observe and tail decision, and the store belong to one consumer thread
 * (sovereignd's loop).
 *
 * Errors are negative errno values unless a function says otherwise.
 */
#ifndef SOV_TRACE_H
#define SOV_TRACE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hist_layout.h"

/* ------------------------------------------------------------------ */
/* Trace context (context.c)                                           */
/* ------------------------------------------------------------------ */

/*
 * A 16-byte trace id as two 64-bit halves: the hex and binary forms are the
 * big-endian bytes hi then lo, so "4bf92f3577b34da6a3ce929d0e0e4736" is
 * hi = 0x4bf92f3577b34da6, lo = 0xa3ce929d0e0e4736. The low 56 bits of lo
 * are the trace's randomness (W3C Trace Context level 2), what the sampler
 * decides on. All zero is invalid.
 */
struct trace_id {
	uint64_t hi, lo;
};

/* W3C trace-flags. Bits 2-7 are reserved by the spec and never set by us. */
#define TRACE_FLAG_SAMPLED	0x01	/* head decision: record and export */
#define TRACE_FLAG_RANDOM	0x02	/* level 2: the id's low 56 bits are random */
#define TRACE_FLAGS_KNOWN	(TRACE_FLAG_SAMPLED | TRACE_FLAG_RANDOM)

/*
 * What crosses a process boundary: the trace, the sender's span (the
 * receiver's parent, W3C's "parent-id") and the flags.
 */
struct trace_ctx {
	struct trace_id trace_id;
	uint64_t span_id;		/* 0 is invalid */
	uint8_t flags;			/* TRACE_FLAG_* */
	uint8_t version;		/* as parsed; we emit version 00 */
};

/* "00-" 32 hex "-" 16 hex "-" 2 hex: 55 characters, plus the NUL. */
#define TRACE_TRACEPARENT_LEN	55
#define TRACE_TRACEPARENT_SIZE	56

/*
 * The binary form (the netlink attribute's payload), 26 bytes:
 *   [0]      version (0)
 *   [1..16]  trace id, big-endian (hi then lo)
 *   [17..24] span id, big-endian
 *   [25]     trace-flags
 * Same fields, order and rules as the text form.
 */
#define TRACE_CTX_BIN_LEN	26

/* Why a traceparent (text or binary) was refused. */
enum trace_ctx_err {
	TRACE_CTX_OK = 0,
	TRACE_CTX_ELEN = -1,		/* too short, or not 55 long for version 00 */
	TRACE_CTX_EHEX = -2,		/* a character that is not lowercase hex */
	TRACE_CTX_EDELIM = -3,		/* a '-' missing where the format has one */
	TRACE_CTX_EVERSION = -4,	/* version ff */
	TRACE_CTX_EZERO_TRACE = -5,	/* trace id all zero */
	TRACE_CTX_EZERO_SPAN = -6,	/* span (parent) id all zero */
	TRACE_CTX_ETRAILING = -7,	/* data after the flags (version 00), or not after '-' */
};

/*
 * Parse the traceparent value @s (@len bytes, no NUL needed; no surrounding
 * whitespace: the caller trims OWS). Strict W3C Trace Context rules: only
 * lowercase hex; version ff refused; for version 00 exactly 55 characters;
 * for a higher version at least 55, and anything past the flags must start
 * with '-' (it is ignored). Zero trace or span id refused. On error @ctx is
 * left untouched; the caller starts a new trace and never trusts the input.
 */
int trace_ctx_parse(struct trace_ctx *ctx, const char *s, size_t len);

/* Write the version-00 traceparent of @ctx into @out (56 bytes, NUL ended);
 * flags other than TRACE_FLAGS_KNOWN are cleared as the spec requires. */
void trace_ctx_format(const struct trace_ctx *ctx, char out[TRACE_TRACEPARENT_SIZE]);

/* The binary form: encode (always 26 bytes, version 0) and decode (version
 * 0: exactly 26 bytes; higher: at least 26, the rest ignored; ff refused). */
void trace_ctx_to_bin(const struct trace_ctx *ctx, uint8_t out[TRACE_CTX_BIN_LEN]);
int trace_ctx_from_bin(struct trace_ctx *ctx, const void *buf, size_t len);

/* A human-readable reason for a trace_ctx_err. */
const char *trace_ctx_strerror(int err);

/* True when both ids are non-zero. */
bool trace_ctx_valid(const struct trace_ctx *ctx);

/* Trace ids as 32 lowercase hex characters, span ids as 16 (NUL ended). */
void trace_id_hex(const struct trace_id *id, char out[33]);
void trace_span_id_hex(uint64_t span_id, char out[17]);
/* Parse exactly 32 (16) lowercase hex characters; zero ids are accepted
 * here, refused by trace_ctx_parse(). Return 0 or TRACE_CTX_E*. */
int trace_id_parse(struct trace_id *id, const char *s, size_t len);
int trace_span_id_parse(uint64_t *span_id, const char *s, size_t len);

static inline bool trace_id_is_zero(const struct trace_id *id)
{
	return !(id->hi | id->lo);
}

static inline bool trace_id_eq(const struct trace_id *a, const struct trace_id *b)
{
	return a->hi == b->hi && a->lo == b->lo;
}

/*
 * Random ids: xoshiro256** per thread, seeded from getrandom() on a
 * thread's first use and again in a forked child. Never zero.
 */
void trace_id_random(struct trace_id *id);
uint64_t trace_span_id_random(void);

/* A new root context: random ids, flags RANDOM plus SAMPLED if @sampled. */
void trace_ctx_new_root(struct trace_ctx *ctx, bool sampled);

static inline void trace_ctx_set_sampled(struct trace_ctx *ctx, bool sampled)
{
	ctx->flags = (uint8_t)(sampled ? ctx->flags | TRACE_FLAG_SAMPLED
				       : ctx->flags & ~TRACE_FLAG_SAMPLED);
}

static inline bool trace_ctx_sampled(const struct trace_ctx *ctx)
{
	return ctx->flags & TRACE_FLAG_SAMPLED;
}

/* ------------------------------------------------------------------ */
/* Spans (span.c)                                                      */
/* ------------------------------------------------------------------ */

/* OTLP SpanKind values. */
enum trace_kind {
	TRACE_KIND_UNSPECIFIED = 0,
	TRACE_KIND_INTERNAL = 1,
	TRACE_KIND_SERVER = 2,
	TRACE_KIND_CLIENT = 3,
	TRACE_KIND_PRODUCER = 4,
	TRACE_KIND_CONSUMER = 5,
};

/* OTLP Status.code values. */
enum trace_status {
	TRACE_STATUS_UNSET = 0,
	TRACE_STATUS_OK = 1,
	TRACE_STATUS_ERROR = 2,
};

#define TRACE_SPAN_ATTRS	4

enum trace_attr_type {
	TRACE_ATTR_NONE = 0,
	TRACE_ATTR_INT = 1,		/* v.i */
	TRACE_ATTR_STR = 2,		/* v.s */
};

/*
 * An attribute: the key and a string value are pointers to strings that
 * outlive the span (string literals or trace_intern()); recording copies
 * pointers, never characters.
 */
struct trace_attr {
	const char *key;
	union {
		int64_t i;
		const char *s;
	} v;
};

/*
 * One span, 144 bytes, copied whole into a ring. Times are Unix-epoch
 * nanoseconds (CLOCK_REALTIME scale, what OTLP exports) once the span has
 * ended; see trace_span_begin() for while it is open.
 */
struct trace_span {
	struct trace_id trace_id;
	uint64_t span_id;
	uint64_t parent_id;		/* 0: a root span */
	const char *name;		/* static or interned; NULL: not recording */
	uint64_t start_ns, end_ns;
	const char *status_msg;		/* static or interned, or NULL */
	uint64_t node_id;		/* 0: the recorder's node fills it in */
	uint8_t kind;			/* enum trace_kind */
	uint8_t status;			/* enum trace_status */
	uint8_t flags;			/* the trace's flags (TRACE_FLAG_*) */
	uint8_t nattrs;
	uint8_t attr_type[TRACE_SPAN_ATTRS];	/* enum trace_attr_type */
	struct trace_attr attrs[TRACE_SPAN_ATTRS];
};

/*
 * The span clock: CLOCK_MONOTONIC (vDSO, ~20 ns here) plus an offset to the
 * Unix epoch taken by trace_clock_sync(), so durations never see a wall
 * clock step and timestamps are on the export scale. The offset is taken
 * on first use; the consumer calls trace_clock_sync() now and then (every
 * second or so) to follow NTP.
 */
uint64_t trace_clock_mono_ns(void);
uint64_t trace_clock_now_ns(void);		/* Unix ns via the offset */
void trace_clock_sync(void);
uint64_t trace_clock_mono_to_unix(uint64_t mono_ns);

/*
 * Open a span. With a valid @parent the span joins its trace (parent_id =
 * parent->span_id, flags inherited); otherwise it is the root of a new trace
 * (random trace id, flags TRACE_FLAG_RANDOM: the caller sets SAMPLED from
 * its sampler, e.g. with trace_span_set_sampled()). The span id is random.
 * While open, start_ns holds CLOCK_MONOTONIC; trace_span_end() converts
 * both ends with the same offset, so the duration is exact.
 */
void trace_span_begin(struct trace_span *sp, const struct trace_ctx *parent,
		      const char *name, enum trace_kind kind);

/* Attributes beyond TRACE_SPAN_ATTRS are ignored (return false); so is a NULL
 * span (not recording: the caller need not test). */
bool trace_span_attr_int(struct trace_span *sp, const char *key, int64_t v);
bool trace_span_attr_str(struct trace_span *sp, const char *key, const char *v);
void trace_span_set_status(struct trace_span *sp, enum trace_status st, const char *msg);
void trace_span_set_sampled(struct trace_span *sp, bool sampled);

/* The context to send downstream: this span's trace, id and flags. */
void trace_span_ctx(const struct trace_span *sp, struct trace_ctx *ctx);

/*
 * Close the span and record it: into the installed recorder
 * (trace_span_end), or into @rec (trace_span_end_to). Returns true if it
 * went into a ring, false if dropped (no recorder, ring full, or unsampled
 * while the recorder records sampled spans only). A span begun while no
 * recorder was installed (and no USDT tracer attached) has no start time: it
 * ends with zero duration. Either fires the USDT probe sovereign:span_end
 * while a tracer is attached to it (usdt.h), recorded or not.
 */
struct trace_recorder;
bool trace_span_end(struct trace_span *sp);
bool trace_span_end_to(struct trace_recorder *rec, struct trace_span *sp);

static inline uint64_t trace_span_duration(const struct trace_span *sp)
{
	return sp->end_ns > sp->start_ns ? sp->end_ns - sp->start_ns : 0;
}

/*
 * Intern @s: one copy per distinct string for the life of the process, so
 * names and attribute values built at run time can be recorded by pointer.
 * Thread-safe (a mutex: call it at setup, not per span). NULL on ENOMEM.
 */
const char *trace_intern(const char *s);

/* ------------------------------------------------------------------ */
/* Rings and the recorder (ring.c)                                     */
/* ------------------------------------------------------------------ */

/*
 * A single-producer single-consumer ring of spans (C11 atomics, no lock).
 * The producer pushes a copy; a full ring refuses and counts a drop.
 */
struct trace_ring;

struct trace_ring *trace_ring_create(uint32_t capacity);	/* rounded up to 2^n */
void trace_ring_destroy(struct trace_ring *r);
uint32_t trace_ring_capacity(const struct trace_ring *r);
bool trace_ring_push(struct trace_ring *r, const struct trace_span *sp);	/* producer */
/* Consumer: copy out up to @max spans, oldest first; returns how many. */
size_t trace_ring_pop(struct trace_ring *r, struct trace_span *out, size_t max);
uint64_t trace_ring_dropped(const struct trace_ring *r);
uint64_t trace_ring_pushed(const struct trace_ring *r);

typedef void (*trace_span_fn)(const struct trace_span *sp, void *arg);

/*
 * The recorder: one ring per producing thread, made on the thread's first
 * span and freed by the consumer once the thread has exited and its ring
 * is drained. trace_recorder_drain() is the consumer.
 */
struct trace_recorder_conf {
	uint32_t ring_capacity;		/* spans per thread; default 4096 */
	uint64_t node_id;		/* stamped on spans whose node_id is 0 */
	bool sampled_only;		/* drop spans without TRACE_FLAG_SAMPLED at
					   the producer (no tail sampling); default false */
};

struct trace_recorder_stats {
	uint64_t rings;			/* live rings (threads that recorded) */
	uint64_t recorded;		/* spans pushed into rings */
	uint64_t dropped_full;		/* spans refused by a full ring */
	uint64_t dropped_unsampled;	/* spans not recorded: sampled_only */
	uint64_t drained;		/* spans handed to the consumer */
};

void trace_recorder_conf_default(struct trace_recorder_conf *conf);
struct trace_recorder *trace_recorder_create(const struct trace_recorder_conf *conf);
/* Only once no thread records into @rec any more. */
void trace_recorder_destroy(struct trace_recorder *rec);

/* Push a finished span (times already Unix ns) from the calling thread. */
bool trace_recorder_record(struct trace_recorder *rec, const struct trace_span *sp);

/*
 * Consumer: call @fn for up to @max spans (0: no limit) across all rings,
 * ring by ring, oldest first within a ring. Returns the number handed out.
 * One consumer thread at a time; @fn may itself record spans and read the
 * stats (the span pointer is valid during the call only).
 */
size_t trace_recorder_drain(struct trace_recorder *rec, trace_span_fn fn, void *arg, size_t max);
void trace_recorder_stats(struct trace_recorder *rec, struct trace_recorder_stats *st);

/* The process-wide recorder used by trace_span_end(); NULL turns recording
 * off (trace_span_begin() then skips the clock, trace_span_end() is a no-op),
 * unless a tracer is attached to the USDT probe sovereign:span_end (usdt.h):
 * then spans are timed and fire it, and are still not recorded. */
void trace_recorder_install(struct trace_recorder *rec);
struct trace_recorder *trace_recorder_installed(void);

/* ------------------------------------------------------------------ */
/* Histograms (hist.c; layout in hist_layout.h)                        */
/* ------------------------------------------------------------------ */

/*
 * A log-linear histogram of uint64 values (ns), any value 0 .. 2^64-1,
 * 64 linear sub-buckets per power of two (3776 buckets, 30 KiB).
 * Inserts are lock-free (relaxed atomic adds), from any number of threads.
 *
 * Error bound: trace_hist_quantile() returns a value within a relative
 * error strictly below 2^-(TRACE_HIST_SUB_BITS+1) = 1/128 = 0.78125 % of
 * the exact nearest-rank quantile of the inserted values (exact below 64).
 * It returns the bucket's midpoint lo + (w/2 - 1) for width w >= 2, clamped
 * to the recorded [min, max].
 */
struct trace_hist {
	_Atomic uint64_t counts[TRACE_HIST_BUCKETS];
	_Atomic uint64_t total;
	_Atomic uint64_t sum;			/* wraps after 584 years of ns */
	_Atomic uint64_t min, max;		/* min UINT64_MAX when empty */
};

#define TRACE_HIST_REL_ERROR	(1.0 / (2.0 * TRACE_HIST_SUB))	/* 0.0078125, exclusive */

void trace_hist_init(struct trace_hist *h);		/* empty; also resets */
struct trace_hist *trace_hist_create(void);		/* malloc'd, empty */
void trace_hist_destroy(struct trace_hist *h);
void trace_hist_insert(struct trace_hist *h, uint64_t v);
void trace_hist_insert_n(struct trace_hist *h, uint64_t v, uint64_t n);
/* dst += src (src may be inserted into meanwhile). */
void trace_hist_merge(struct trace_hist *dst, const struct trace_hist *src);
/* dst += raw bucket counts in this layout (e.g. a BPF map's per-CPU sum). */
void trace_hist_add_counts(struct trace_hist *dst, const uint64_t *counts, size_t n);
uint64_t trace_hist_count(const struct trace_hist *h);

/*
 * The nearest-rank @q quantile (0 <= q <= 1; 0.99 is p99): the smallest
 * value with at least ceil(q * count) values at or below it (rank at least
 * 1). 0 for an empty histogram.
 */
uint64_t trace_hist_quantile(const struct trace_hist *h, double q);
/* Several at once, one pass: out[i] = quantile(q[i]); q ascending or not. */
void trace_hist_quantiles(const struct trace_hist *h, const double *q, uint64_t *out, size_t n);
/* The value reported for bucket @b (its midpoint, before clamping). */
uint64_t trace_hist_bucket_value(unsigned int b);

struct trace_hist_summary {
	uint64_t count, min, max, mean;
	uint64_t p50, p90, p99, p999;
};

void trace_hist_summary(const struct trace_hist *h, struct trace_hist_summary *s);

/* ------------------------------------------------------------------ */
/* Sampling (sampler.c)                                                */
/* ------------------------------------------------------------------ */

/*
 * The deterministic head rule (OpenTelemetry's consistent probability
 * sampling): R = the trace id's low 56 bits, T = round((1 - p) * 2^56);
 * sampled iff R >= T. Every node with the same p decides the same way, and
 * a trace sampled at p is sampled at every p' >= p.
 */
#define TRACE_SAMPLE_BITS	56
uint64_t trace_sample_threshold(double p);
bool trace_sample_id(const struct trace_id *id, uint64_t threshold);

/* Why a finished trace is kept (a bit mask; 0: drop). */
#define TRACE_KEEP_SAMPLED	0x1	/* head-sampled (flag set) */
#define TRACE_KEEP_ERROR	0x2	/* a span has status ERROR */
#define TRACE_KEEP_SLOW		0x4	/* a span was slower than its op's p99 */

struct trace_sampler_conf {
	double target_rate;		/* sampled spans/s per operation; 0: fixed p */
	double initial_p;		/* a new operation's probability (1.0) */
	double min_p;			/* floor of the adaptive p (1e-6) */
	double damping;			/* 0 < d <= 1: p' = p * (target/observed)^d (0.5) */
	double max_increase;		/* p grows at most by this factor per interval (2.0) */
	uint64_t interval_ns;		/* adaptation interval (1 s) */
	uint32_t max_ops;		/* distinct operations (256; more share "(other)") */
	uint64_t slow_min_count;	/* samples an op needs before "slow" applies (100) */
	bool tail_errors, tail_slow;	/* tail keep rules (both true) */
	/* monotonic ns; NULL: CLOCK_MONOTONIC. Tests inject their own. */
	uint64_t (*clock)(void *arg);
	void *clock_arg;
};

/* An operation's state, as trace_sampler_op_get() reports it. */
struct trace_sampler_op {
	const char *name;		/* the sampler's copy */
	double p;			/* current head probability */
	double target_rate;		/* 0: fixed p */
	double observed_rate;		/* sampled/s over the last interval */
	uint64_t decisions, sampled;	/* head decisions taken, and sampled, in total */
	uint64_t spans, errors;		/* spans observed, of which erred */
	uint64_t kept_error, kept_slow;	/* traces kept by the tail rules */
	uint64_t p99_ns;		/* the "slow" threshold (0: not enough data) */
	const struct trace_hist *hist;	/* durations of observed spans */
};

struct trace_sampler;

void trace_sampler_conf_default(struct trace_sampler_conf *conf);
struct trace_sampler *trace_sampler_create(const struct trace_sampler_conf *conf);
void trace_sampler_destroy(struct trace_sampler *s);

/*
 * Head decision for a new trace rooted at operation @op: the op's current
 * threshold applied to @id. Lock-free after the op's first decision; any
 * thread. The caller puts the answer in the trace flags.
 */
bool trace_sampler_decide(struct trace_sampler *s, const char *op, const struct trace_id *id);

/*
 * Consumer: feed a finished span (its duration into the op's histogram).
 * Returns what the tail rules say of this span alone (TRACE_KEEP_ERROR,
 * TRACE_KEEP_SLOW; nothing is counted): a consumer that holds only the
 * traces worth holding knows at once when one becomes worth it.
 */
unsigned int trace_sampler_observe(struct trace_sampler *s, const struct trace_span *sp);

/*
 * Consumer: adapt every adaptive op if an interval has passed since the
 * last adaptation (per op: observed = sampled / elapsed; p' = clamp(p *
 * (target / observed)^damping, min_p, min(1, p * max_increase)); with
 * decisions but nothing sampled, p' = min(1, p * max_increase)), and
 * refresh each op's p99. Returns the number of ops adapted.
 */
int trace_sampler_tick(struct trace_sampler *s);

/*
 * Consumer: the keep decision for the finished trace of @n spans:
 * TRACE_KEEP_* reasons, 0 to drop. Counts kept_error/kept_slow per op.
 */
unsigned int trace_sampler_tail(struct trace_sampler *s, const struct trace_span *spans, size_t n);

/* @op NULL: the default for operations without their own setting (and all
 * existing ones that have none). rate > 0 adapts; p in [0, 1] fixes p. */
int trace_sampler_set_target(struct trace_sampler *s, const char *op, double rate);
int trace_sampler_set_probability(struct trace_sampler *s, const char *op, double p);

/* -ENOENT when the op has not been seen. */
int trace_sampler_op_get(struct trace_sampler *s, const char *op, struct trace_sampler_op *out);
/* All ops, in first-seen order; returns how many exist (fills up to @max). */
size_t trace_sampler_ops(struct trace_sampler *s, struct trace_sampler_op *out, size_t max);

/* ------------------------------------------------------------------ */
/* Store (store.c)                                                     */
/* ------------------------------------------------------------------ */

struct trace_store_conf {
	uint32_t max_traces;		/* default 1024 */
	uint32_t max_spans;		/* per trace, default 256 */
};

/* One trace: its spans in arrival order. Valid until the store changes. */
struct trace_rec {
	struct trace_id id;
	uint32_t nspans;
	struct trace_span *spans;
	uint64_t seq;			/* creation order, from 1 */
	uint64_t start_ns, end_ns;	/* earliest start, latest end */
	uint32_t spans_dropped;		/* over max_spans */
	unsigned int keep;		/* TRACE_KEEP_* once decided, else 0 */
	bool decided;
};

struct trace_store_stats {
	uint64_t traces;		/* held now */
	uint64_t traces_created;	/* total */
	uint64_t traces_evicted;	/* oldest pushed out by a new trace */
	uint64_t traces_discarded;	/* removed by the tail decision */
	uint64_t traces_removed;	/* removed by trace_store_remove() */
	uint64_t spans;			/* held now */
	uint64_t spans_added;		/* total accepted */
	uint64_t spans_dropped_cap;	/* refused: the trace had max_spans */
	uint64_t spans_invalid;		/* refused: zero trace or span id */
};

struct trace_store;

void trace_store_conf_default(struct trace_store_conf *conf);
struct trace_store *trace_store_create(const struct trace_store_conf *conf);
void trace_store_destroy(struct trace_store *st);

/* Add a copy of @sp to its trace (made, and the oldest evicted, if new).
 * 0, -ENOSPC (span cap), -EINVAL (zero ids), -ENOMEM. */
int trace_store_add(struct trace_store *st, const struct trace_span *sp);
const struct trace_rec *trace_store_find(const struct trace_store *st, const struct trace_id *id);
int trace_store_remove(struct trace_store *st, const struct trace_id *id);

/*
 * Tail decision for a trace held in the store: trace_sampler_tail() over its
 * spans; 0 removes it (traces_discarded), otherwise it is marked kept.
 * Returns the reasons, or -ENOENT.
 */
int trace_store_decide(struct trace_store *st, const struct trace_id *id, struct trace_sampler *s);

/* Oldest first; stop early when @fn returns non-zero (that value is returned). */
typedef int (*trace_rec_fn)(const struct trace_rec *rec, void *arg);
int trace_store_foreach(const struct trace_store *st, trace_rec_fn fn, void *arg);
void trace_store_stats(const struct trace_store *st, struct trace_store_stats *out);

/*
 * The span tree for display: @out[n] gets every span once, depth first,
 * siblings by start time, with its depth. Roots are spans with parent 0
 * and orphans (parent not among @spans, e.g. a remote caller, or a cycle),
 * flagged as such. Returns 0 or -ENOMEM.
 */
struct trace_tree_node {
	const struct trace_span *span;
	uint32_t depth;
	bool orphan;			/* parent_id != 0 but not found */
};

int trace_tree_build(const struct trace_span *spans, size_t n, struct trace_tree_node *out);

/* ------------------------------------------------------------------ */
/* OTLP/JSON (otlp.c)                                                  */
/* ------------------------------------------------------------------ */

/*
 * OTLP/JSON (ExportTraceServiceRequest): spans grouped into one
 * resourceSpans per node id in order of first appearance, resource
 * attributes service.name (string) and sovereign.node.id (int), one scope
 * "sovereign". Ids lowercase hex, kind and status code integers, 64-bit
 * integers as decimal strings; parentSpanId, empty attributes and an empty
 * status message are omitted. A non-zero @keep adds the string attribute
 * sovereign.keep ("sampled", "error", "slow", comma-separated) to every
 * span: the tail decision travels there, not in the W3C flags.
 */
struct trace_otlp_opts {
	const char *service_name;	/* NULL: "sovereignd" */
	unsigned int keep;		/* TRACE_KEEP_* or 0 */
};

struct json_object;
struct json_object *trace_otlp_build(const struct trace_span *spans, size_t n,
				     const struct trace_otlp_opts *opts);
/* The document as a malloc'd string (compact, one line). NULL on ENOMEM. */
char *trace_otlp_encode(const struct trace_span *spans, size_t n,
			const struct trace_otlp_opts *opts);
/* JSON lines: the document plus '\n'. 0 or -errno. */
int trace_otlp_write_line(FILE *f, const struct trace_span *spans, size_t n,
			  const struct trace_otlp_opts *opts);
/* A stored trace, its keep reasons included. */
int trace_otlp_write_rec(FILE *f, const struct trace_rec *rec, const char *service_name);

/* ------------------------------------------------------------------ */
/* Benchmarks (bench.c), for make bench-trace                          */
/* ------------------------------------------------------------------ */

/* ns per span: begin + one attribute + end into a private recorder's ring
 * (best of @rounds rounds of @n spans; the drain is not timed). */
double trace_bench_span_ns(uint32_t n, unsigned int rounds);
/* ns per trace_hist_insert() of log-uniform values (best of @rounds). */
double trace_bench_hist_ns(uint32_t n, unsigned int rounds);
/*
 * ns per span end to end at 100 % sampling, producer and consumer on one
 * thread: traces of @per_trace spans (the root's head decision, children,
 * the root last) recorded into a private recorder, drained every ~256
 * spans into a full store (each new trace evicts the oldest) and the
 * sampler (observe; the tail decision when a root arrives). Best of
 * @rounds rounds of @n spans; @errors (may be NULL) counts refusals.
 */
double trace_bench_e2e_ns(uint32_t n, uint32_t per_trace, unsigned int rounds, uint64_t *errors);

#endif
