/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lib/trace: spans of other processes, observed through lib/trace's USDT
 * probes (lib/trace/usdt.h) by bpf/trace_usdt.bpf.c (Documentation/trace.rst,
 * "USDT probes"). usdt_collect.c loads the programs, attaches them to
 * processes or binaries, reads the ring buffer and decodes its records into
 * struct trace_span.
 *
 * Threads: one owner thread calls everything on a collector; spans are
 * handed to the callback from trace_usdt_poll()/consume() on that thread.
 *
 * Errors are negative errno values unless a function says otherwise.
 */
#ifndef SOV_TRACE_USDT_COLLECT_H
#define SOV_TRACE_USDT_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "trace.h"
#include "usdt.h"
#include "../../bpf/trace_usdt.h"

/* Attachments one collector holds at a time. */
#define TRACE_USDT_MAX_ATTACH	16

/* Why a record was refused. */
enum trace_usdt_decode_err {
	TRACE_USDT_DEC_OK = 0,
	TRACE_USDT_DEC_SHORT = -1,	/* shorter than the event, or than its size field */
	TRACE_USDT_DEC_SIZE = -2,	/* size field smaller than this decoder's event */
	TRACE_USDT_DEC_INVALID = -3,	/* zero trace or span id, end before start,
					   unknown kind or status */
};

/*
 * Decode one record (@len bytes) into @sp: ids, times (already Unix ns),
 * flags, kind and status as the process had them; the name interned
 * (trace_intern(); "(unreadable)" when the probe could not read it);
 * attributes process.pid and thread.id; node_id 0. Returns 0 or a
 * TRACE_USDT_DEC_* (then @sp is untouched).
 */
int trace_usdt_decode(const void *data, size_t len, struct trace_span *sp);

struct trace_usdt_collector;

struct trace_usdt_opts {
	uint32_t ring_bytes;		/* default TRACE_USDT_RING_BYTES; 2^n >= page */
	bool drops;			/* also attach sovereign:span_drop (true) */
	trace_span_fn fn;		/* decoded spans; NULL: counted only */
	void *arg;
};

struct trace_usdt_stats {
	/* the programs (usdt_stats, summed over CPUs) */
	uint64_t events;		/* records submitted to the ring */
	uint64_t drops;			/* ring full: spans lost */
	uint64_t name_faults;		/* names the probe could not read */
	uint64_t target_full;		/* span_drop: a traced process's ring was full */
	uint64_t target_unsampled;	/* span_drop: unsampled, recorder sampled_only */
	uint64_t target_noring;		/* span_drop: no ring (ENOMEM), or unknown reason */
	/* this process */
	uint64_t decoded;		/* records decoded into spans */
	uint64_t decode_errors;		/* records refused: the sum of the three below */
	uint64_t err_short, err_size, err_invalid;
	uint32_t attached;		/* attachments now */
};

void trace_usdt_opts_default(struct trace_usdt_opts *opts);

/* Open and load the programs, make the ring reader; nothing attached yet.
 * Needs root (CAP_BPF + CAP_PERFMON). */
int trace_usdt_open(struct trace_usdt_collector **out, const struct trace_usdt_opts *opts);
/* Detach all, free. The ring's remaining records are not read. */
void trace_usdt_close(struct trace_usdt_collector *tu);

/*
 * Observe process @pid (> 0), or every process running @binary (@pid -1,
 * present and future ones): sovereign:span_end, and span_drop if
 * opts.drops. @binary is the executable (or shared library) linking
 * lib/trace; NULL with a pid: /proc/PID/exe. Returns an attachment id
 * (>= 0) for trace_usdt_detach(), -ENOENT when the binary has no such
 * probe, -ENOSPC beyond TRACE_USDT_MAX_ATTACH, or libbpf's error.
 */
int trace_usdt_attach(struct trace_usdt_collector *tu, pid_t pid, const char *binary);
/* Detach attachment @id (-1: all). 0, or -ENOENT for an unknown id. */
int trace_usdt_detach(struct trace_usdt_collector *tu, int id);

/*
 * The ring buffer: an epoll fd that becomes readable when records arrive,
 * and reading it. The program asks for a wakeup only when the reader had
 * caught up, so call consume from a timer as well. Both return the number
 * of records read, or -errno.
 */
int trace_usdt_fd(const struct trace_usdt_collector *tu);
int trace_usdt_poll(struct trace_usdt_collector *tu, int timeout_ms);
int trace_usdt_consume(struct trace_usdt_collector *tu);

/* One record through the reader's path: decode, count, hand to the
 * callback. Returns trace_usdt_decode()'s result. (The ring's callback; tests.) */
int trace_usdt_feed(struct trace_usdt_collector *tu, const void *data, size_t len);

void trace_usdt_stats(struct trace_usdt_collector *tu, struct trace_usdt_stats *st);

/* The skeleton's object, for inspection and tests. */
struct bpf_object *trace_usdt_object(struct trace_usdt_collector *tu);

#endif
