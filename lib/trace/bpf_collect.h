/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lib/trace: kernel spans collected by bpf/trace.bpf.c (Documentation/trace.rst,
 * "Kernel spans (BPF)"). Three parts:
 *
 *   bpf_collect.c  load and attach the programs (libbpf skeleton), pin their
 *                  maps, say which threads are traced, read the ring buffer,
 *                  read the histograms and the counters
 *   bpf_decode.c   one ring-buffer record -> a struct trace_span (pure: no
 *                  BPF, no libbpf), system call names
 *   bpf_bench.c    ns per BPF event, for make bench-trace
 *
 * Threads: one owner thread calls everything on a struct trace_bpf, except
 * trace_bpf_set_thread()/trace_bpf_clear_thread(), which any thread may call
 * at any time (they touch only the kernel's map and an atomic counter).
 * Spans are handed to the callback from trace_bpf_poll()/consume() on the
 * owner thread.
 *
 * Errors are negative errno values unless a function says otherwise.
 */
#ifndef SOV_TRACE_BPF_COLLECT_H
#define SOV_TRACE_BPF_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "trace.h"
#include "../../bpf/trace.h"

/* ------------------------------------------------------------------ */
/* Decoding (bpf_decode.c)                                             */
/* ------------------------------------------------------------------ */

/* Why a record was refused. */
enum trace_bpf_decode_err {
	TRACE_BPF_DEC_OK = 0,
	TRACE_BPF_DEC_SHORT = -1,	/* shorter than its header, the event, or its size field */
	TRACE_BPF_DEC_SIZE = -2,	/* size field smaller than this decoder's event */
	TRACE_BPF_DEC_TYPE = -3,	/* unknown type */
	TRACE_BPF_DEC_INVALID = -4,	/* zero trace or span id, or end before start */
};

/*
 * Decode one record (@len bytes as the ring buffer delivered it) into @sp:
 * times converted from CLOCK_MONOTONIC to Unix ns (trace_clock_mono_to_unix),
 * kind INTERNAL, node_id 0 (the recorder's node), names and attribute keys
 * static strings:
 *   syscall      "syscall:NAME" ("syscall:unknown" for an unknown nr);
 *                thread.id, syscall.nr, syscall.ret, cpu.id; a return value
 *                in -4095..-1 is status ERROR with the errno's name
 *   sched wait   "sched:wait"; thread.id, process.pid, cpu.id
 *   sched sleep  "sched:sleep"; the same
 *   module op    "sovereign:genl" ("sovereign:zpage", "sovereign:classes",
 *                "sovereign:profile", "sovereign:netio", else "sovereign:op");
 *                thread.id, sov.op, sov.arg, sov.ret; a negative result is ERROR
 * Returns 0 or a TRACE_BPF_DEC_* (then @sp is untouched).
 */
int trace_bpf_decode(const void *data, size_t len, struct trace_span *sp);
const char *trace_bpf_decode_strerror(int err);

/* This architecture's name of system call @nr ("getpid"), NULL if unknown. */
const char *trace_bpf_syscall_name(uint32_t nr);

/* ------------------------------------------------------------------ */
/* Collection (bpf_collect.c)                                          */
/* ------------------------------------------------------------------ */

struct trace_bpf;

struct trace_bpf_opts {
	/* maps pinned as PIN_DIR/trace_* (bpffs mounted on the parent if
	 * needed, the directory made); NULL: not pinned. Pins left by an
	 * earlier instance are replaced; close removes ours. */
	const char *pin_dir;		/* default SOV_BPF_PIN_DIR */
	uint32_t ring_bytes;		/* default TRACE_BPF_RING_BYTES; 2^n >= page */
	uint32_t max_threads;		/* default TRACE_BPF_MAX_THREADS */
	uint32_t hist_ops;		/* histogram rows, default TRACE_BPF_HIST_OPS */
	uint64_t sched_min_ns;		/* shorter scheduler spans not emitted (0) */
	pid_t pid;			/* only threads of this process can be traced:
					   the others cost less (0: any process) */
	bool syscalls, sched, module;	/* hooks to load and attach (all true) */
	bool attach;			/* attach at open (true) */
	bool test_hooks;		/* also load trace_hist_probe (false) */
	trace_span_fn fn;		/* decoded spans; NULL: counted only */
	void *arg;
};

struct trace_bpf_stats {
	/* the programs (trace_stats, summed over CPUs) */
	uint64_t events;		/* records submitted to the ring */
	uint64_t drops;			/* ring full: spans lost */
	uint64_t hist_other;		/* op ids beyond the rows, counted in row 0 */
	uint64_t op_overflow;		/* module ops nested too deep */
	uint64_t op_unmatched;		/* module op ends without their start */
	uint64_t exits;			/* traced threads that exited */
	/* this process */
	uint64_t decoded;		/* records decoded into spans */
	uint64_t decode_errors;		/* records refused: the sum of the four below */
	uint64_t err_short, err_size, err_type, err_invalid;
	uint64_t threads;		/* traced threads now */
	uint32_t progs_attached;	/* programs attached now */
	bool module_attached;		/* sovereign:sov_op_start/end attached */
};

void trace_bpf_opts_default(struct trace_bpf_opts *opts);

/*
 * Open, size, load (and unless opts->attach is false, attach) the programs.
 * Needs root (CAP_BPF + CAP_PERFMON, CAP_SYS_ADMIN to mount bpffs).
 * The module's tracepoints are attached when present; their absence is not
 * an error (trace_bpf_attach_module() tries again later).
 */
int trace_bpf_open(struct trace_bpf **out, const struct trace_bpf_opts *opts);
/* Detach, unpin, free. The ring's remaining records are not read. */
void trace_bpf_close(struct trace_bpf *tb);

/* Attach every selected hook not attached yet (0 or -errno); detach all. */
int trace_bpf_attach(struct trace_bpf *tb);
void trace_bpf_detach(struct trace_bpf *tb);
/* The module's tracepoints: 1 attached, 0 absent (module not loaded), <0. */
int trace_bpf_attach_module(struct trace_bpf *tb);

/*
 * Trace thread @tid (a kernel tid, gettid()) as part of @ctx's trace: its
 * kernel spans get @ctx's trace id and flags, and its system calls have
 * @ctx->span_id as parent. @op_id is the histogram row; @collect is
 * TRACE_BPF_C_* (0: TRACE_BPF_C_ALL). Set before the work, clear after;
 * setting an already traced thread replaces its context and restarts its
 * state (a syscall or wait in progress is not reported). -EINVAL for tid
 * <= 0 or an invalid context, -E2BIG when the map is full.
 */
int trace_bpf_set_thread(struct trace_bpf *tb, pid_t tid, const struct trace_ctx *ctx,
			 uint32_t op_id, uint32_t collect);
/* 0, or -ENOENT when @tid was not traced (or has exited meanwhile). */
int trace_bpf_clear_thread(struct trace_bpf *tb, pid_t tid);

/* Change the scheduler spans' minimum duration while running. */
void trace_bpf_set_sched_min(struct trace_bpf *tb, uint64_t ns);

/*
 * The ring buffer: an epoll fd that becomes readable when records arrive
 * (for a libuv poll handle), and reading it. The programs ask for a wakeup
 * only when the reader had caught up, so call consume from a timer as well
 * (every 100 ms, say). Both return the number of records read, or -errno.
 */
int trace_bpf_fd(const struct trace_bpf *tb);
int trace_bpf_poll(struct trace_bpf *tb, int timeout_ms);
int trace_bpf_consume(struct trace_bpf *tb);

/* One record through the reader's path: decode, count, hand to the callback.
 * Returns trace_bpf_decode()'s result. (The ring's callback; tests.) */
int trace_bpf_feed(struct trace_bpf *tb, const void *data, size_t len);

/*
 * Histograms: row @op_id (0 .. hist_ops-1), @kind = TRACE_BPF_EV_* - 1.
 * counts: the raw buckets summed over CPUs (TRACE_HIST_BUCKETS of them);
 * read: added into @dst (trace_hist_add_counts); clear: all rows zeroed.
 */
int trace_bpf_hist_counts(struct trace_bpf *tb, uint32_t op_id, unsigned int kind, uint64_t *counts);
int trace_bpf_hist_read(struct trace_bpf *tb, uint32_t op_id, unsigned int kind, struct trace_hist *dst);
int trace_bpf_hist_clear(struct trace_bpf *tb);

void trace_bpf_stats(struct trace_bpf *tb, struct trace_bpf_stats *st);

/* The skeleton's object, for inspection and tests (BPF_PROG_TEST_RUN). */
struct bpf_object *trace_bpf_object(struct trace_bpf *tb);

/* ------------------------------------------------------------------ */
/* Benchmark (bpf_bench.c)                                             */
/* ------------------------------------------------------------------ */

/*
 * One thread doing getpid() @n times, best of @rounds, in four modes: the
 * programs detached; attached with no thread traced; attached with another
 * thread traced; attached with this thread traced (collect ALL: one syscall
 * span per call, its histogram and the ring). The ring is drained between chunks, untimed; the drain is
 * timed separately (decode_ns). Needs root.
 */
struct trace_bpf_bench {
	double base_ns;			/* per getpid(), detached */
	double idle_ns;			/* per getpid(), attached, no thread traced */
	double untraced_ns;		/* per getpid(), attached, another thread traced */
	double traced_ns;		/* per getpid(), attached, traced */
	double event_ns;		/* traced_ns - base_ns: what one kernel span costs */
	double idle_over_ns;		/* idle_ns - base_ns: every syscall's cost while attached */
	double untraced_over_ns;	/* untraced_ns - base_ns: an untraced thread's cost
					   while some thread is traced */
	double decode_ns;		/* per record read and decoded in userspace */
	uint64_t events, drops;
};

int trace_bpf_bench(uint32_t n, unsigned int rounds, struct trace_bpf_bench *out);
/* event_ns alone (make bench-trace's bpf_event_ns); < 0 on error. */
double trace_bpf_bench_event_ns(uint32_t n, unsigned int rounds);

#endif
