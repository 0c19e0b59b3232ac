/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sovereignd's tracing (Documentation/trace.rst, "In sovereignd"): the
 * recorder, sampler, store and exporter of lib/trace wired to the loop, the
 * spans of control requests, and the kernel spans of bpf/trace.bpf.c.
 *
 * Spans are recorded from the loop thread; after each loop iteration they are
 * drained into the sampler (latency histograms) and, for the traces worth
 * keeping, the store; a 100 ms timer takes the tail decision for each trace
 * that has been quiet for SOVD_TRACE_QUIET_MS:
 * kept traces (head-sampled, erred or slow) go to the exporter, the others
 * are discarded. Head decisions travel in the trace flags, so every node
 * keeps the same traces.
 *
 * Every function is a no-op when tracing is off (d->trace NULL).
 */
#ifndef SOVD_TRACING_H
#define SOVD_TRACING_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../../lib/trace/trace.h"

struct sovd;
struct sovd_client;
struct nlmsghdr;

#define SOVD_TRACE_QUIET_MS	500	/* a trace with no new span this long is decided */
#define SOVD_TRACE_RATE_DEFAULT	10.0	/* sampled spans/s per operation */

struct sovd_trace_opts {
	bool off;			/* --no-trace */
	double sample_p;		/* --trace-sample; < 0: adaptive at rate */
	double rate;			/* --trace-rate */
	uint32_t store;			/* --trace-store */
	const char *export_target;	/* --trace-export: a file or an http:// URL */
	bool kernel;			/* --trace-kernel: BPF kernel spans */
	const char *kernel_pin;		/* where the BPF maps are pinned (NULL: not) */
};

void sovd_trace_opts_init(struct sovd_trace_opts *o);
/* Parse the --trace-* value of @name into @o; 0 or -1 after saying why. */
int sovd_trace_opt(struct sovd_trace_opts *o, const char *name, const char *arg);

/* Start with d->trace_opts, node id @node (0 when not clustered). 0 or -1. */
int sovd_trace_start(struct sovd *d, uint64_t node);
/* Stop the timers; decide what is recorded and hand it to the exporter. */
void sovd_trace_stop(struct sovd *d);
/* After the loop ended: let the exporter deliver (bounded), free everything. */
void sovd_trace_free(struct sovd *d);

/*
 * A span owned by the caller (malloc'd); NULL when tracing is off or out
 * of memory, and every function below takes NULL. @parent NULL or invalid:
 * the root of a new trace, head-sampled by the sampler for @name.
 */
struct trace_span *sovd_span_begin(struct sovd *d, const struct trace_ctx *parent,
				   const char *name, enum trace_kind kind);
/* A child of @parent (NULL parent: of the current span; none: NULL). */
struct trace_span *sovd_span_child(struct sovd *d, const struct trace_span *parent,
				   const char *name, enum trace_kind kind);
/* End, record and free: @err < 0 sets status ERROR with @msg (NULL: strerror). */
void sovd_span_end(struct sovd *d, struct trace_span *sp, int err, const char *msg);

/*
 * The span of the callback in progress (a request, an applied entry): what
 * deeper code hangs its spans under. set returns the previous one.
 */
struct trace_span *sovd_trace_current(struct sovd *d);
struct trace_span *sovd_trace_set_current(struct sovd *d, struct trace_span *sp);

/*
 * A control request: its SERVER span, current until sovd_trace_request_end().
 * The request's SOV_TRACE_CTX_ATTR, when valid, is the parent; a malformed
 * one is counted and ignored (a new trace starts). NULL for untraced
 * commands (the SOV_CMD_TRACE_* ones, so that reading traces does not
 * make traces).
 */
struct trace_span *sovd_trace_request_begin(struct sovd *d, const struct nlmsghdr *nlh,
					    uint8_t cmd);
/*
 * A request answered later (a proposal waiting for its commit) takes its
 * span: request_end then leaves it alone and the taker ends it.
 */
struct trace_span *sovd_trace_take_request(struct sovd *d);
void sovd_trace_request_end(struct sovd *d, struct trace_span *sp, int err, const char *msg);

/*
 * Kernel spans (--trace-kernel): thread @tid's system calls, scheduler
 * waits and module operations become children of @sp while set. Only for
 * head-sampled spans. Any thread may call them.
 */
void sovd_trace_thread_set(struct sovd *d, pid_t tid, const struct trace_span *sp);
/* The calling thread's kernel tid, cached: no system call inside a traced span. */
pid_t sovd_gettid(void);
void sovd_trace_thread_clear(struct sovd *d, pid_t tid);

/* A counter of the daemon's own tracing (trace-context refusals, ...). */
enum sovd_trace_counter {
	SOVD_TC_CTX_RECEIVED,		/* valid contexts on requests and messages */
	SOVD_TC_CTX_INVALID,		/* malformed ones, ignored */
	SOVD_TC_ROOTS,			/* traces this node started */
	SOVD_TC_UNTRACKED,		/* entries whose trace was not followed (table full) */
	__SOVD_TC_CNT
};
void sovd_trace_count(struct sovd *d, enum sovd_trace_counter c);

/*
 * Parse a trace context received on the wire (binary form): true with
 * @ctx set if valid; false, counted, if malformed. @len 0: none, not counted.
 */
bool sovd_trace_ctx_parse(struct sovd *d, const void *buf, size_t len, struct trace_ctx *ctx);

/* tracing_ctl.c: the SOV_CMD_TRACE_* commands; same return as sovd_lb_request() */
bool sovd_trace_serves(uint8_t cmd);
int sovd_trace_request(struct sovd *d, struct sovd_client *c, const struct nlmsghdr *nlh,
		       char *msg, size_t msglen);

#endif
