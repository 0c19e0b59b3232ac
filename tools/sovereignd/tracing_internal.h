/* SPDX-License-Identifier: GPL-2.0 */
/* sovereignd's tracing state: shared by tracing.c and tracing_ctl.c. */
#ifndef SOVD_TRACING_INTERNAL_H
#define SOVD_TRACING_INTERNAL_H

#include <uv.h>

#include "../../lib/trace/bpf_collect.h"
#include "../../lib/trace/export.h"
#include "tracing.h"

#define SOVD_TRACE_EXPORT_MS	10000	/* a one-shot export's time to deliver */
#define SOVD_TRACE_FREE_SPANS	64	/* spans kept for reuse: no malloc per span */

/* Rows of the kernel histograms (trace_bpf_set_thread's op_id). */
enum sovd_kop {
	SOVD_KOP_OTHER,		/* row 0 */
	SOVD_KOP_LOOP,		/* the loop thread: requests, applies */
	SOVD_KOP_SYNC,		/* the Raft log's fdatasync thread */
	__SOVD_KOP_CNT
};

struct sovd_trace {
	struct sovd *d;
	struct sovd_trace_opts o;
	uint64_t node;
	struct trace_recorder *rec;
	struct trace_sampler *smp;
	struct trace_store *store;
	struct trace_exporter *ex;	/* --trace-export; NULL: none */
	struct trace_exporter *oneshot;	/* a sovctl trace export to a collector */
	uint64_t oneshot_deadline;	/* uv_now() ms: given up then */
	struct trace_bpf *bpf;		/* --trace-kernel; NULL: none */
	uv_timer_t timer;
	uv_check_t drain;		/* after each loop iteration */
	uv_poll_t bpf_poll;
	bool bpf_polling;
	bool loop_traced, sync_traced;	/* in BPF's thread map now */
	struct trace_span *cur;		/* the callback's span */
	struct trace_span *req;		/* the control request in progress */
	bool req_taken;
	uint64_t counters[__SOVD_TC_CNT];
	uint64_t kept, discarded;	/* tail decisions */
	uint64_t export_refused;	/* kept traces the exporter's queue refused */
	uint64_t bpf_attach_tries;
	unsigned int interned;		/* status messages interned so far */
	struct trace_span *recent;	/* unsampled spans, for a tail rule met late */
	uint32_t n_recent, recent_next;
	uint64_t recent_overwritten;	/* pushed out before their trace was decided */
	uint64_t triggered;		/* unsampled traces a tail rule made stored */
	struct trace_span *free[SOVD_TRACE_FREE_SPANS];	/* spans to reuse */
	unsigned int n_free;
	uint64_t last_clock_sync;	/* uv_now() ms */
};

/* tracing.c, for tracing_ctl.c: apply what is recorded now (drain, decide). */
void sovd_trace_flush(struct sovd_trace *t, bool decide_all);

#endif
