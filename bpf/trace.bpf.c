// SPDX-License-Identifier: GPL-2.0
/*
 * trace.bpf.c - kernel spans for Sovereign's distributed tracing.
 *
 * For the threads userspace lists in trace_threads (bpf/trace.h), one span
 * per:
 *   system call         raw_tp/sys_enter + raw_tp/sys_exit (raw_syscalls)
 *   scheduler wait      tp_btf/sched_switch + tp_btf/sched_wakeup: the time
 *                       a thread was runnable but not running (preempted, or
 *                       woken and not yet on a CPU), and the time it slept
 *                       off the CPU until its wakeup, as two kinds
 *   module operation    raw_tp/sov_op_start + raw_tp/sov_op_end, sovereign.ko's
 *                       own tracepoints (only where the module is loaded:
 *                       attaching them is optional)
 * and raw_tp/sched_process_exit removes a traced thread that exits.
 *
 * Parents: a syscall span's parent is the thread's context span (the
 * userspace span it works for); a module operation's is the innermost open
 * operation, else the open syscall; a scheduler span's is the innermost open
 * kernel span at its end (a sleep inside nanosleep is the nanosleep's child).
 *
 * Why these hooks: on the host kernel fentry/fexit are refused (lockdown)
 * and kprobes are not built; tracepoints in their raw forms work everywhere
 * and need no tracefs. raw_tp for the syscalls (two scalar arguments, and
 * BPF_PROG_TEST_RUN can drive them) and for the module's tracepoints (no
 * module BTF needed); tp_btf for the scheduler, where the task pointers are
 * read directly (BTF) instead of through bpf_probe_read_kernel.
 *
 * No vmlinux.h: the one kernel type used, task_struct, is declared below with
 * the fields read, and CO-RE relocates them against the running kernel's BTF.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "trace.h"

char LICENSE[] SEC("license") = "GPL";

struct task_struct {
	int pid;
	int tgid;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TRACE_BPF_MAX_THREADS);
	__type(key, __u32);
	__type(value, struct trace_bpf_thread);
} trace_threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, TRACE_BPF_RING_BYTES);
} trace_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct trace_bpf_counters);
} trace_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TRACE_BPF_HIST_OPS * TRACE_BPF_KINDS);
	__type(key, __u32);
	__type(value, struct trace_bpf_hist);
} trace_hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct trace_bpf_conf);
} trace_conf SEC(".maps");

/* The configuration, or NULL while no thread is traced (the fast way out). */
static __always_inline struct trace_bpf_conf *conf_active(void)
{
	__u32 key = 0;
	struct trace_bpf_conf *cf = bpf_map_lookup_elem(&trace_conf, &key);

	if (!cf || !*(volatile __u64 *)&cf->active)
		return NULL;
	return cf;
}

/* The thread's entry, if its process may be traced at all. */
static __always_inline struct trace_bpf_thread *thread_get(const struct trace_bpf_conf *cf,
							    __u32 tid, __u32 tgid)
{
	if (!tid || (cf->tgid && cf->tgid != tgid))
		return NULL;
	return bpf_map_lookup_elem(&trace_threads, &tid);
}

static __always_inline struct trace_bpf_counters *counters(void)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&trace_stats, &key);
}

/*
 * Pin @x to one 64-bit register: then the bound the program checks is the
 * index it uses (clang may otherwise check a zero-extended copy, and the
 * verifier refuses the access).
 */
#define same_reg(x) asm volatile("" : "+r"(x))

static __always_inline __u64 new_span_id(void)
{
	__u64 id = ((__u64)bpf_get_prandom_u32() << 32) | bpf_get_prandom_u32();

	return id ? id : 1;
}

/* The same bucket as lib/trace's trace_hist_insert() (hist_layout.h). */
static __always_inline void hist_add(struct trace_bpf_conf *cf, __u32 op, __u32 kind, __u64 v)
{
	struct trace_bpf_counters *c;
	struct trace_bpf_hist *h;
	__u32 idx;
	__u64 b;

	if (kind >= TRACE_BPF_KINDS)
		return;
	if (op >= cf->hist_ops) {
		op = 0;
		c = counters();
		if (c)
			c->hist_other++;
	}
	idx = op * TRACE_BPF_KINDS + kind;
	h = bpf_map_lookup_elem(&trace_hist, &idx);
	if (!h)
		return;
	b = trace_hist_bucket(v);
	same_reg(b);
	if (b >= TRACE_HIST_BUCKETS)
		return;
	h->counts[b]++;		/* this CPU's copy: no atomics needed */
}

/* The innermost open kernel span of the thread, else its context span. */
static __always_inline __u64 open_parent(const struct trace_bpf_thread *t)
{
	__u64 i = (__u64)t->st.depth - 1;	/* depth 0: huge */

	same_reg(i);
	if (i < TRACE_BPF_OP_DEPTH)
		return t->st.ops[i].span_id;
	if (t->st.sys_start_ns)
		return t->st.sys_span_id;
	return t->ctx.span_id;
}

struct span_args {
	__u64 span_id, parent_id, start_ns, end_ns;
	__s64 value, arg;
	__u32 type, code, tid, pid;
};

/* A finished span: into its histogram and out through the ring buffer. */
static __always_inline void span_done(struct trace_bpf_conf *cf, const struct trace_bpf_thread *t,
				      const struct span_args *a)
{
	struct trace_bpf_counters *c;
	struct trace_bpf_event *ev;
	__u16 collect = t->ctx.collect;
	__u64 dur = a->end_ns - a->start_ns;

	if (a->end_ns < a->start_ns)
		dur = 0;
	if (collect & TRACE_BPF_C_HIST)
		hist_add(cf, t->ctx.op_id, a->type - 1, dur);
	if (!(collect & TRACE_BPF_C_EVENTS))
		return;
	if ((a->type == TRACE_BPF_EV_SCHED_WAIT || a->type == TRACE_BPF_EV_SCHED_SLEEP) &&
	    dur < cf->sched_min_ns)
		return;
	c = counters();
	ev = bpf_ringbuf_reserve(&trace_events, sizeof(*ev), 0);
	if (!ev) {
		if (c)
			c->drops++;
		return;
	}
	ev->type = a->type;
	ev->size = sizeof(*ev);
	ev->flags = t->ctx.flags;
	ev->pad = 0;
	ev->cpu = bpf_get_smp_processor_id();
	ev->tid = a->tid;
	ev->pid = a->pid;
	ev->trace_id_hi = t->ctx.trace_id_hi;
	ev->trace_id_lo = t->ctx.trace_id_lo;
	ev->span_id = a->span_id;
	ev->parent_id = a->parent_id;
	ev->start_ns = a->start_ns;
	ev->end_ns = a->end_ns;
	ev->value = a->value;
	ev->arg = a->arg;
	ev->code = a->code;
	ev->op_id = t->ctx.op_id;
	/* flags 0: the kernel wakes the consumer only when it had caught up */
	bpf_ringbuf_submit(ev, 0);
	if (c)
		c->events++;
}

/* ---- system calls ------------------------------------------------------ */

SEC("raw_tp/sys_enter")
int trace_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	struct trace_bpf_conf *cf = conf_active();
	struct trace_bpf_thread *t;
	__u64 pid_tgid;

	if (!cf)
		return 0;
	pid_tgid = bpf_get_current_pid_tgid();
	t = thread_get(cf, (__u32)pid_tgid, pid_tgid >> 32);
	if (!t || !(t->ctx.collect & TRACE_BPF_C_SYSCALL))
		return 0;
	t->st.sys_nr = (__u32)ctx->args[1];
	t->st.sys_span_id = new_span_id();
	t->st.sys_start_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("raw_tp/sys_exit")
int trace_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct trace_bpf_conf *cf = conf_active();
	struct trace_bpf_thread *t;
	struct span_args a;
	__u64 pid_tgid;
	__u32 tid;

	if (!cf)
		return 0;
	pid_tgid = bpf_get_current_pid_tgid();
	tid = (__u32)pid_tgid;
	t = thread_get(cf, tid, pid_tgid >> 32);
	/* no start: the entry was written during this call, or syscalls are off */
	if (!t || !t->st.sys_start_ns)
		return 0;
	a.type = TRACE_BPF_EV_SYSCALL;
	a.span_id = t->st.sys_span_id;
	a.parent_id = t->ctx.span_id;
	a.start_ns = t->st.sys_start_ns;
	a.end_ns = bpf_ktime_get_ns();
	a.value = (__s64)ctx->args[1];
	a.arg = 0;
	a.code = t->st.sys_nr;
	a.tid = tid;
	a.pid = pid_tgid >> 32;
	t->st.sys_start_ns = 0;
	span_done(cf, t, &a);
	return 0;
}

/* ---- the scheduler ----------------------------------------------------- */

static __always_inline void sched_span(struct trace_bpf_conf *cf, struct trace_bpf_thread *t,
				       __u32 type, __u64 now, const struct task_struct *p)
{
	struct span_args a;

	a.type = type;
	a.span_id = new_span_id();
	a.parent_id = open_parent(t);
	a.start_ns = t->st.off_ns;
	a.end_ns = now;
	a.value = 0;
	a.arg = 0;
	a.code = 0;
	a.tid = p->pid;
	a.pid = p->tgid;
	span_done(cf, t, &a);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(trace_sched_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next, unsigned int prev_state)
{
	struct trace_bpf_conf *cf = conf_active();
	struct trace_bpf_thread *t;
	__u64 now = 0;

	if (!cf)
		return 0;
	t = thread_get(cf, prev->pid, prev->tgid);
	if (t && (t->ctx.collect & TRACE_BPF_C_SCHED)) {
		now = bpf_ktime_get_ns();
		/* preempted, or its sleep was cancelled (signal): still on the run queue */
		t->st.off_kind = preempt || !prev_state ? TRACE_BPF_OFF_RUNNABLE : TRACE_BPF_OFF_SLEEP;
		t->st.off_ns = now;
	}
	t = thread_get(cf, next->pid, next->tgid);
	if (t && t->st.off_kind) {
		if (!now)
			now = bpf_ktime_get_ns();
		/* a sleep with no wakeup seen ends here, as a sleep */
		sched_span(cf, t, t->st.off_kind == TRACE_BPF_OFF_RUNNABLE ?
			   TRACE_BPF_EV_SCHED_WAIT : TRACE_BPF_EV_SCHED_SLEEP, now, next);
		t->st.off_kind = TRACE_BPF_OFF_NONE;
	}
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(trace_sched_wakeup, struct task_struct *p)
{
	struct trace_bpf_conf *cf = conf_active();
	struct trace_bpf_thread *t;
	__u64 now;

	if (!cf)
		return 0;
	t = thread_get(cf, p->pid, p->tgid);
	if (!t || t->st.off_kind != TRACE_BPF_OFF_SLEEP)
		return 0;
	now = bpf_ktime_get_ns();
	sched_span(cf, t, TRACE_BPF_EV_SCHED_SLEEP, now, p);
	/* from now on it waits for a CPU */
	t->st.off_kind = TRACE_BPF_OFF_RUNNABLE;
	t->st.off_ns = now;
	return 0;
}

/* A traced thread that exits leaves the map (its tid may be reused). */
SEC("raw_tp/sched_process_exit")
int trace_task_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct trace_bpf_conf *cf = conf_active();
	struct trace_bpf_counters *c;
	__u32 tid;

	(void)ctx;
	if (!cf)
		return 0;
	tid = (__u32)bpf_get_current_pid_tgid();
	if (bpf_map_delete_elem(&trace_threads, &tid))
		return 0;
	__sync_fetch_and_add(&cf->active, -1);
	c = counters();
	if (c)
		c->exits++;
	return 0;
}

/* ---- sovereign.ko's operations ------------------------------------------ */

static __always_inline struct trace_bpf_thread *current_sov(struct trace_bpf_conf **cfp)
{
	struct trace_bpf_conf *cf = conf_active();
	struct trace_bpf_thread *t;
	__u64 pid_tgid;

	if (!cf)
		return NULL;
	pid_tgid = bpf_get_current_pid_tgid();
	t = thread_get(cf, (__u32)pid_tgid, pid_tgid >> 32);
	if (!t || !(t->ctx.collect & TRACE_BPF_C_SOV))
		return NULL;
	*cfp = cf;
	return t;
}

SEC("raw_tp/sov_op_start")
int trace_sov_op_start(struct bpf_raw_tracepoint_args *ctx)
{
	struct trace_bpf_conf *cf;
	struct trace_bpf_thread *t = current_sov(&cf);
	struct trace_bpf_counters *c;
	__u64 d;

	if (!t)
		return 0;
	d = t->st.depth;
	same_reg(d);
	if (d < TRACE_BPF_OP_DEPTH) {
		struct trace_bpf_open_op *o = &t->st.ops[d];

		o->parent_id = open_parent(t);
		o->span_id = new_span_id();
		o->op = (__u32)ctx->args[0];
		o->arg = (__s64)ctx->args[1];
		o->start_ns = bpf_ktime_get_ns();
	} else {
		c = counters();
		if (c)
			c->op_overflow++;
	}
	if (d < 255)
		t->st.depth = d + 1;
	return 0;
}

SEC("raw_tp/sov_op_end")
int trace_sov_op_end(struct bpf_raw_tracepoint_args *ctx)
{
	struct trace_bpf_conf *cf;
	struct trace_bpf_thread *t = current_sov(&cf);
	struct trace_bpf_counters *c;
	struct trace_bpf_open_op *o;
	struct span_args a;
	__u64 pid_tgid, d;
	__u32 op;

	if (!t)
		return 0;
	op = (__u32)ctx->args[0];
	d = t->st.depth;
	if (!d)
		goto unmatched;
	d--;
	t->st.depth = d;
	same_reg(d);
	if (d >= TRACE_BPF_OP_DEPTH)
		return 0;	/* was too deep to be recorded (counted at its start) */
	o = &t->st.ops[d];
	if (o->op != op) {
		t->st.depth = 0;	/* the stack cannot be trusted any more */
		goto unmatched;
	}
	pid_tgid = bpf_get_current_pid_tgid();
	a.type = TRACE_BPF_EV_SOV_OP;
	a.span_id = o->span_id;
	a.parent_id = o->parent_id;
	a.start_ns = o->start_ns;
	a.end_ns = bpf_ktime_get_ns();
	a.value = (__s64)ctx->args[1];
	a.arg = o->arg;
	a.code = op;
	a.tid = (__u32)pid_tgid;
	a.pid = pid_tgid >> 32;
	span_done(cf, t, &a);
	return 0;

unmatched:
	c = counters();
	if (c)
		c->op_unmatched++;
	return 0;
}

/* ---- test hook ------------------------------------------------------------ */

/*
 * BPF_PROG_TEST_RUN only (userspace loads it on request): args { value, op,
 * kind } counted in trace_hist by the same code as the spans.
 */
SEC("raw_tp/" TRACE_BPF_HIST_PROBE)
int trace_hist_probe(struct bpf_raw_tracepoint_args *ctx)
{
	__u32 key = 0;
	struct trace_bpf_conf *cf = bpf_map_lookup_elem(&trace_conf, &key);

	if (cf)
		hist_add(cf, (__u32)ctx->args[1], (__u32)ctx->args[2], ctx->args[0]);
	return 0;
}
