/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - kernel-side span collection (bpf/trace.bpf.c): its maps, their
 * value layouts and the ring-buffer event, shared with userspace
 * (lib/trace/bpf_collect.c, tests/bpf/trace_test.c). Documentation/trace.rst,
 * "Kernel spans (BPF)".
 *
 * Which threads are traced: trace_threads, tid -> struct trace_bpf_thread.
 * Userspace writes the context part (the trace, the parent span, what to
 * collect) with a zeroed state part before a traced request and deletes the
 * entry after it; the programs act for those tids only and keep their own
 * per-thread state in the state part. trace_conf[0].active counts the
 * entries so that every program returns at once while nothing is traced.
 *
 * Spans leave through trace_events (a BPF ring buffer) as struct
 * trace_bpf_event; a reservation that fails is counted in trace_stats
 * (per CPU). Durations also go into trace_hist: one log-linear histogram
 * (lib/trace/hist_layout.h, the layout of lib/trace's struct trace_hist) per
 * (operation, kind), per CPU.
 *
 * All fields are host order. Numeric values are ABI between the object and
 * the userspace that loads it: append only; struct trace_bpf_event.size
 * tells a decoder which layout it got.
 */
#ifndef SOV_BPF_TRACE_H
#define SOV_BPF_TRACE_H

#include <linux/types.h>

#include "../lib/trace/hist_layout.h"

/* Default sizes; userspace may change them before the load. */
#define TRACE_BPF_MAX_THREADS	4096		/* trace_threads entries */
#define TRACE_BPF_RING_BYTES	(4u << 20)	/* trace_events: a power of two >= a page */
#define TRACE_BPF_HIST_OPS	8		/* histogram rows: operation ids 0..7 */
#define TRACE_BPF_OP_DEPTH	4		/* nested module operations per thread */

/*
 * Event types, and the span kinds of the histograms (kind = type - 1).
 * A zeroed record is no event.
 */
enum trace_bpf_type {
	TRACE_BPF_EV_SYSCALL = 1,	/* one system call: code = nr, value = return value */
	TRACE_BPF_EV_SCHED_WAIT = 2,	/* runnable but not running (run-queue wait) */
	TRACE_BPF_EV_SCHED_SLEEP = 3,	/* off the CPU, blocked, until woken */
	TRACE_BPF_EV_SOV_OP = 4,	/* sovereign.ko operation: code = op, value = result */
	TRACE_BPF_EV_MAX = TRACE_BPF_EV_SOV_OP,
};

#define TRACE_BPF_KINDS		4	/* histogram kinds: TRACE_BPF_EV_* - 1 */

/* What to collect for a thread: trace_ctx_bpf.collect. */
#define TRACE_BPF_C_SYSCALL	0x0001	/* raw_syscalls:sys_enter/sys_exit */
#define TRACE_BPF_C_SCHED	0x0002	/* sched:sched_switch/sched_wakeup */
#define TRACE_BPF_C_SOV		0x0004	/* sovereign:sov_op_start/sov_op_end */
#define TRACE_BPF_C_EVENTS	0x0100	/* emit spans into trace_events */
#define TRACE_BPF_C_HIST	0x0200	/* count durations in trace_hist */
#define TRACE_BPF_C_ALL		0x0307

/*
 * A traced thread's context, written by userspace. The thread's kernel
 * spans join trace (hi, lo); a syscall span's parent is span_id (the
 * userspace span the thread is in), deeper spans have the innermost open
 * kernel span as parent. op_id is the histogram row (>= trace_conf's
 * hist_ops: row 0, counted in hist_other).
 */
struct trace_ctx_bpf {
	__u64 trace_id_hi;
	__u64 trace_id_lo;
	__u64 span_id;
	__u8 flags;			/* W3C trace-flags, copied into the events */
	__u8 pad;
	__u16 collect;			/* TRACE_BPF_C_* */
	__u32 op_id;
};

/* A sovereign.ko operation begun and not yet ended. */
struct trace_bpf_open_op {
	__u64 start_ns;
	__u64 span_id;
	__u64 parent_id;
	__s64 arg;			/* sov_op_start's argument */
	__u32 op;
	__u32 pad;
};

/* What the thread was doing when it left the CPU (state.off_kind). */
#define TRACE_BPF_OFF_NONE	0
#define TRACE_BPF_OFF_RUNNABLE	1	/* preempted or woken: waits for a CPU */
#define TRACE_BPF_OFF_SLEEP	2	/* blocked: waits for a wakeup */

/* The programs' own per-thread state; userspace writes it zeroed. */
struct trace_bpf_thread_state {
	__u64 sys_start_ns;		/* 0: not in a traced system call */
	__u64 sys_span_id;
	__u64 off_ns;			/* since when off_kind */
	__u32 sys_nr;
	__u8 off_kind;			/* TRACE_BPF_OFF_* */
	__u8 depth;			/* open module operations (may exceed OP_DEPTH) */
	__u16 pad;
	struct trace_bpf_open_op ops[TRACE_BPF_OP_DEPTH];
};

/* trace_threads value */
struct trace_bpf_thread {
	struct trace_ctx_bpf ctx;
	struct trace_bpf_thread_state st;
};

/*
 * trace_conf[0] (an mmapable array): userspace maps it and changes it while
 * the programs run.
 */
struct trace_bpf_conf {
	__u64 active;			/* entries in trace_threads (0: programs return) */
	__u64 sched_min_ns;		/* shorter scheduler spans are not emitted
					   (their histograms still count them) */
	__u32 hist_ops;			/* rows of trace_hist (its entries / KINDS) */
	__u32 tgid;			/* only this process's threads (0: any): the
					   others return before the map lookup */
};

/* trace_stats[0], per CPU: userspace sums the CPUs. */
struct trace_bpf_counters {
	__u64 events;			/* records submitted to trace_events */
	__u64 drops;			/* ring full: reservation failed, span lost */
	__u64 hist_other;		/* op id beyond hist_ops: counted in row 0 */
	__u64 op_overflow;		/* module operations nested deeper than OP_DEPTH */
	__u64 op_unmatched;		/* sov_op_end without its start (or another op's) */
	__u64 exits;			/* traced threads that exited: entry removed */
};

/* trace_hist[op * TRACE_BPF_KINDS + kind], per CPU: 30,208 bytes */
struct trace_bpf_hist {
	__u64 counts[TRACE_HIST_BUCKETS];
};

/*
 * A span, as one ring-buffer record (88 bytes). Times are CLOCK_MONOTONIC
 * ns (bpf_ktime_get_ns); the decoder converts them to Unix time.
 */
struct trace_bpf_event {
	__u16 type;			/* enum trace_bpf_type */
	__u16 size;			/* sizeof(struct trace_bpf_event) */
	__u8 flags;			/* W3C trace-flags of the thread's context */
	__u8 pad;
	__u16 cpu;			/* where the span ended */
	__u32 tid;
	__u32 pid;			/* thread group */
	__u64 trace_id_hi;
	__u64 trace_id_lo;
	__u64 span_id;
	__u64 parent_id;
	__u64 start_ns;
	__u64 end_ns;
	__s64 value;			/* syscall: return value; module op: its result */
	__s64 arg;			/* module op: sov_op_start's argument */
	__u32 code;			/* syscall nr; module op id; scheduler: 0 */
	__u32 op_id;			/* the thread's op id (its histogram row) */
};

/*
 * sovereign.ko's tracepoints, defined in kmod/sov_trace.h: one generic pair,
 * sovereign:sov_op_start(u32 op, s64 val) and sov_op_end(u32 op, s64 val),
 * covers every module operation, so a new operation needs no new BPF program.
 * start's val is an argument worth keeping (genl: the request's nlmsg_seq),
 * end's the result, 0 or a negative errno.
 *
 * with op = TRACE_SOV_OP(class, code): a generic netlink request is
 * trace_sov_op_start(TRACE_SOV_OP(TRACE_SOV_GENL, info->genlhdr->cmd),
 * info->snd_seq) before the doit and trace_sov_op_end(same op, err) after it
 * (kmod/netlink.c wraps every doit: post_doit does not see the error). Start and end must come
 * from the same thread, properly nested (a stack of TRACE_BPF_OP_DEPTH per
 * thread). The programs are raw_tp, which attach to a module's tracepoint by
 * name without module BTF; their arguments are ctx->args[0] (op) and
 * ctx->args[1] (val).
 */
#define TRACE_SOV_TP_START	"sov_op_start"
#define TRACE_SOV_TP_END	"sov_op_end"
#define TRACE_SOV_OP(class, code)	(((__u32)(class) << 16) | ((__u32)(code) & 0xffff))
#define TRACE_SOV_OP_CLASS(op)	((op) >> 16)
#define TRACE_SOV_OP_CODE(op)	((op) & 0xffff)
#define TRACE_SOV_GENL		1	/* code: the genl command (SOV_CMD_*) */
#define TRACE_SOV_ZPAGE		2	/* code: memcompress operation */
#define TRACE_SOV_SCHED		3	/* code: classes operation */
#define TRACE_SOV_PROF		4	/* code: profiler operation */
#define TRACE_SOV_NETIO		5	/* code: netio operation */

/*
 * A test hook (not loaded unless asked): BPF_PROG_TEST_RUN with args
 * { value, op, kind } counts value in trace_hist exactly as the span paths
 * do, so tests compare the BPF bucket maths with lib/trace's.
 */
#define TRACE_BPF_HIST_PROBE	"trace_hist_probe"

#endif
