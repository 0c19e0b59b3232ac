/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lib/trace's USDT probes (Documentation/trace.rst, "USDT probes"): static
 * probe points in every binary that links lib/trace, for a tracer outside the
 * process (bpf/trace_usdt.bpf.c through lib/trace/usdt_collect.h, bpftrace,
 * perf). Each is a nop in the code plus a stapsdt ELF note giving its
 * provider, name and where each argument lives; a tracer puts a uprobe on
 * the nop.
 *
 * Each probe has a semaphore in the .probes section, named in its note: the
 * kernel counts the uprobes attached with it as reference counter, in the
 * processes they are attached to. The code tests it first, so while nobody
 * is attached a probe costs one load and a branch not taken, and its
 * arguments are never computed.
 *
 * Provider "sovereign" (arguments as bpftrace and libbpf number them; what
 * a one-liner wants comes first: bpftrace 0.17 reads arg0..arg5 only):
 *
 *   span_end    a span has ended (trace_span_end/_end_to), before it goes
 *               into a ring; fired whether or not a recorder is installed
 *               (while a tracer is attached, begin reads the clock anyway)
 *     arg0  u64           trace id, high half (the hex form's first 16 digits)
 *     arg1  u64           trace id, low half
 *     arg2  u64           span id
 *     arg3  u64           parent span id, 0 for a root
 *     arg4  const char *  name, NUL-ended, in the traced process's memory
 *     arg5  u64           duration, ns (exact: both ends on one clock)
 *     arg6  u64           start, Unix ns (end = arg6 + arg5)
 *     arg7  u32           W3C flags | kind << 8 | status << 16 (TRACE_USDT_*)
 *
 *   span_drop   the recorder (or a ring) refused an ended span
 *     arg0  u64           trace id, high half
 *     arg1  u64           trace id, low half
 *     arg2  u64           span id
 *     arg3  const char *  name
 *     arg4  u32           why: TRACE_USDT_DROP_*
 *
 * Argument numbers and meanings are ABI for outside tools: append only.
 * SOV_TRACE_NO_USDT compiles the probes out (to measure what they cost).
 */
#ifndef SOV_TRACE_USDT_H
#define SOV_TRACE_USDT_H

#include <stdint.h>

#define TRACE_USDT_PROVIDER	"sovereign"
#define TRACE_USDT_SPAN_END	"span_end"
#define TRACE_USDT_SPAN_DROP	"span_drop"

/* span_end's arg7 */
#define TRACE_USDT_INFO(flags, kind, status) \
	((uint32_t)(flags) | (uint32_t)(kind) << 8 | (uint32_t)(status) << 16)
#define TRACE_USDT_INFO_FLAGS(i)	((uint8_t)(i))
#define TRACE_USDT_INFO_KIND(i)		((uint8_t)((i) >> 8))
#define TRACE_USDT_INFO_STATUS(i)	((uint8_t)((i) >> 16))

/* bytes of a name a tracer reads (bpf/trace_usdt.h's TRACE_USDT_NAME_LEN) */
#define TRACE_USDT_NAME_MAX		64

/* span_drop's arg4 */
#define TRACE_USDT_DROP_FULL		1	/* the thread's ring was full */
#define TRACE_USDT_DROP_UNSAMPLED	2	/* sampled_only and not sampled */
#define TRACE_USDT_DROP_NORING		3	/* no ring for the thread (ENOMEM) */

#ifndef SOV_TRACE_NO_USDT

#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

/* Defined (once per binary) in span.c and ring.c, where the probes are. */
extern volatile unsigned short sovereign_span_end_semaphore;
extern volatile unsigned short sovereign_span_drop_semaphore;
#define TRACE_USDT_SEMAPHORE __attribute__((section(".probes")))

/* Is a tracer attached to probe @name (span_end, span_drop) in this process? */
#define TRACE_USDT_ENABLED(name) __builtin_expect(sovereign_##name##_semaphore != 0, 0)

#define TRACE_USDT_FIRE_SPAN_END(sp)						\
	STAP_PROBE8(sovereign, span_end, (sp)->trace_id.hi, (sp)->trace_id.lo,	\
		    (sp)->span_id, (sp)->parent_id, (sp)->name,			\
		    (sp)->end_ns - (sp)->start_ns, (sp)->start_ns,			\
		    TRACE_USDT_INFO((sp)->flags, (sp)->kind, (sp)->status))

#define TRACE_USDT_FIRE_SPAN_DROP(sp, why)					\
	STAP_PROBE5(sovereign, span_drop, (sp)->trace_id.hi, (sp)->trace_id.lo,	\
		    (sp)->span_id, (sp)->name, (uint32_t)(why))

#else

#define TRACE_USDT_ENABLED(name)		0
#define TRACE_USDT_FIRE_SPAN_END(sp)		do { (void)(sp); } while (0)
#define TRACE_USDT_FIRE_SPAN_DROP(sp, why)	do { (void)(sp); (void)(why); } while (0)

#endif /* SOV_TRACE_NO_USDT */

#endif /* SOV_TRACE_USDT_H */
