/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sovereign.ko's tracepoints, sovereign:sov_op_start and sovereign:sov_op_end,
 * around each operation the module serves (a generic netlink request is one):
 * the kernel-side spans of a trace. bpf/trace.bpf.c attaches to them (raw_tp)
 * and bpf/trace.h defines the op encoding: TRACE_SOV_OP(class, code).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM sovereign

#if !defined(_SOV_TRACE_EVENTS_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SOV_TRACE_EVENTS_H

#include <linux/tracepoint.h>

/* op: class << 16 | code, as bpf/trace.h's TRACE_SOV_OP() */
#define SOV_TRACE_OP(class, code)	((u32)(class) << 16 | ((u32)(code) & 0xffff))
#define SOV_TRACE_GENL			1	/* code: the SOV_CMD_* */

DECLARE_EVENT_CLASS(sov_op_class,
		    TP_PROTO(u32 op, s64 val),
		    TP_ARGS(op, val),
		    TP_STRUCT__entry(__field(u32, op)
				     __field(s64, val)),
		    TP_fast_assign(__entry->op = op;
				   __entry->val = val;),
		    TP_printk("class=%u code=%u val=%lld", __entry->op >> 16,
			      __entry->op & 0xffff, __entry->val)
);

/* val: the request's sequence number */
DEFINE_EVENT(sov_op_class, sov_op_start,
	     TP_PROTO(u32 op, s64 val),
	     TP_ARGS(op, val)
);

/* val: the result, 0 or a negative errno */
DEFINE_EVENT(sov_op_class, sov_op_end,
	     TP_PROTO(u32 op, s64 val),
	     TP_ARGS(op, val)
);

#endif /* _SOV_TRACE_EVENTS_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE sov_trace
#include <trace/define_trace.h>
