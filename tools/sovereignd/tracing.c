// SPDX-License-Identifier: GPL-2.0
/* sovereignd's tracing engine on the loop (tracing.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sovereignd.h"
#include "tracing_internal.h"

#define TICK_MS		100	/* decisions, the sampler's adaptation, BPF's ring */
#define RING_SPANS	4096	/* per thread; the loop's is drained every iteration */
#define RECENT_SPANS	1024	/* unsampled spans held for the tail rules: a few ms */
#define MAX_INTERNED	256	/* distinct error messages kept as span status */

void sovd_trace_opts_init(struct sovd_trace_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->sample_p = -1;
	o->rate = SOVD_TRACE_RATE_DEFAULT;
	o->store = SOV_TRACE_STORE_DEFAULT;
}

static int bad(const char *name, const char *arg, const char *want)
{
	fprintf(stderr, "sovereignd: %s: \"%s\" is not %s\n", name, arg, want);
	return -1;
}

static int parse_double(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return errno || end == s || *end || !isfinite(*v) ? -1 : 0;
}

int sovd_trace_opt(struct sovd_trace_opts *o, const char *name, const char *arg)
{
	unsigned long long n;
	char *end;
	double v;

	if (!strcmp(name, "--trace-sample")) {
		if (parse_double(arg, &v) || v < 0 || v > 1)
			return bad(name, arg, "a probability in [0, 1] (0.01 samples 1 %)");
		o->sample_p = v;
	} else if (!strcmp(name, "--trace-rate")) {
		if (parse_double(arg, &v) || v <= 0 || v > 1e6)
			return bad(name, arg, "a rate of sampled spans per second per operation in (0, 1000000]");
		o->rate = v;
		o->sample_p = -1;
	} else if (!strcmp(name, "--trace-store")) {
		errno = 0;
		n = strtoull(arg, &end, 10);
		if (errno || end == arg || *end || *arg == '-' || n < 1 || n > 1000000)
			return bad(name, arg, "a number of traces in 1-1000000");
		o->store = (uint32_t)n;
	} else if (!strcmp(name, "--trace-export")) {
		if (!arg[0])
			return bad(name, arg, "a file or an http://HOST[:PORT][/PATH] URL");
		if (!strncmp(arg, "http://", 7)) {
			struct trace_export_url u;
			char err[TRACE_EXPORT_ERR_MAX];

			if (trace_export_url_parse(arg, &u, err, sizeof(err))) {
				fprintf(stderr, "sovereignd: %s: %s\n", name, err);
				return -1;
			}
		} else if (strstr(arg, "://")) {
			return bad(name, arg, "a file or an http:// URL (only http is spoken)");
		}
		o->export_target = arg;
	} else {
		return bad(name, arg, "an option this build knows");
	}
	return 0;
}

void sovd_trace_count(struct sovd *d, enum sovd_trace_counter c)
{
	if (d->trace)
		d->trace->counters[c]++;
}

bool sovd_trace_ctx_parse(struct sovd *d, const void *buf, size_t len, struct trace_ctx *ctx)
{
	if (!d->trace || !len)
		return false;
	if (trace_ctx_from_bin(ctx, buf, len)) {
		d->trace->counters[SOVD_TC_CTX_INVALID]++;
		return false;
	}
	d->trace->counters[SOVD_TC_CTX_RECEIVED]++;
	return true;
}

/* ---- spans -------------------------------------------------------------------------- */

/* Spans are made and ended on the loop: keep a few for the next ones. */
static void put_span(struct sovd *d, struct trace_span *sp)
{
	struct sovd_trace *t = d->trace;

	if (t && t->n_free < SOVD_TRACE_FREE_SPANS)
		t->free[t->n_free++] = sp;
	else
		free(sp);
}

struct trace_span *sovd_span_begin(struct sovd *d, const struct trace_ctx *parent,
				   const char *name, enum trace_kind kind)
{
	struct sovd_trace *t = d->trace;
	struct trace_span *sp;
	bool root = !parent || !trace_ctx_valid(parent);

	if (!t)
		return NULL;
	sp = t->n_free ? t->free[--t->n_free] : malloc(sizeof(*sp));
	if (!sp)
		return NULL;
	trace_span_begin(sp, root ? NULL : parent, name, kind);
	if (root) {
		trace_span_set_sampled(sp, trace_sampler_decide(t->smp, name, &sp->trace_id));
		t->counters[SOVD_TC_ROOTS]++;
	}
	return sp;
}

struct trace_span *sovd_span_child(struct sovd *d, const struct trace_span *parent,
				   const char *name, enum trace_kind kind)
{
	struct trace_ctx ctx;

	if (!d->trace)
		return NULL;
	if (!parent)
		parent = d->trace->cur;
	if (!parent)
		return NULL;
	trace_span_ctx(parent, &ctx);
	return sovd_span_begin(d, &ctx, name, kind);
}

static const char *status_msg(struct sovd_trace *t, int err, const char *msg)
{
	const char *s = msg && msg[0] ? msg : strerror(-err);
	const char *in;

	/* interned strings live as long as the process: bound them */
	if (t->interned >= MAX_INTERNED)
		s = strerror(-err);
	in = trace_intern(s);
	if (in && s == msg)
		t->interned++;
	return in;
}

void sovd_span_end(struct sovd *d, struct trace_span *sp, int err, const char *msg)
{
	if (!sp)
		return;
	if (d->trace) {
		if (err < 0)
			trace_span_set_status(sp, TRACE_STATUS_ERROR, status_msg(d->trace, err, msg));
		if (d->trace->cur == sp)
			d->trace->cur = NULL;
		trace_span_end_to(d->trace->rec, sp);
	}
	put_span(d, sp);
}

struct trace_span *sovd_trace_current(struct sovd *d)
{
	return d->trace ? d->trace->cur : NULL;
}

struct trace_span *sovd_trace_set_current(struct sovd *d, struct trace_span *sp)
{
	struct trace_span *old;

	if (!d->trace)
		return NULL;
	old = d->trace->cur;
	d->trace->cur = sp;
	return old;
}

/* ---- control requests --------------------------------------------------------------- */

static const char *const req_names[SOV_CMD_MAX + 1] = {
	[SOV_CMD_DAEMON_GET] = "ctl.daemon-get",
	[SOV_CMD_LB_SERVICE_GET] = "ctl.lb-service-get",
	[SOV_CMD_LB_SERVICE_ADD] = "ctl.lb-service-add",
	[SOV_CMD_LB_SERVICE_DEL] = "ctl.lb-service-del",
	[SOV_CMD_LB_SERVICE_SET] = "ctl.lb-service-set",
	[SOV_CMD_LB_BACKEND_ADD] = "ctl.lb-backend-add",
	[SOV_CMD_LB_BACKEND_DEL] = "ctl.lb-backend-del",
	[SOV_CMD_LB_BACKEND_SET] = "ctl.lb-backend-set",
	[SOV_CMD_LB_ATTACH] = "ctl.lb-attach",
	[SOV_CMD_LB_DETACH] = "ctl.lb-detach",
	[SOV_CMD_RAFT_STATUS] = "ctl.raft-status",
	[SOV_CMD_RAFT_ADD_NODE] = "ctl.raft-add-node",
	[SOV_CMD_RAFT_REMOVE_NODE] = "ctl.raft-remove-node",
	[SOV_CMD_RAFT_TRANSFER_LEADER] = "ctl.raft-transfer-leader",
	[SOV_CMD_LB_MONITOR] = "ctl.lb-monitor",
	[SOV_CMD_KV_PUT] = "ctl.kv-put",
	[SOV_CMD_CONFIG_SET] = "ctl.config-set",
};

struct trace_span *sovd_trace_request_begin(struct sovd *d, const struct nlmsghdr *nlh,
					    uint8_t cmd)
{
	struct sovd_trace *t = d->trace;
	const struct nlattr *a;
	struct trace_ctx ctx;
	bool have = false;
	struct trace_span *sp;
	const char *name;

	if (!t || sovd_trace_serves(cmd))
		return NULL;
	a = sov_nl_trace_attr(nlh);
	if (a)
		have = sovd_trace_ctx_parse(d, mnl_attr_get_payload(a), mnl_attr_get_payload_len(a),
					    &ctx);
	/* an empty attribute is malformed too */
	if (a && !mnl_attr_get_payload_len(a))
		t->counters[SOVD_TC_CTX_INVALID]++;
	name = cmd <= SOV_CMD_MAX && req_names[cmd] ? req_names[cmd] : "ctl.request";
	sp = sovd_span_begin(d, have ? &ctx : NULL, name, TRACE_KIND_SERVER);
	if (!sp)
		return NULL;
	trace_span_attr_int(sp, "sov.cmd", cmd);
	if (a && !have)
		trace_span_attr_str(sp, "sov.traceparent", "invalid");
	t->req = sp;
	t->req_taken = false;
	t->cur = sp;
	sovd_trace_thread_set(d, sovd_gettid(), sp);
	return sp;
}

struct trace_span *sovd_trace_take_request(struct sovd *d)
{
	struct sovd_trace *t = d->trace;

	if (!t || !t->req || t->req_taken)
		return NULL;
	t->req_taken = true;
	return t->req;
}

void sovd_trace_request_end(struct sovd *d, struct trace_span *sp, int err, const char *msg)
{
	struct sovd_trace *t = d->trace;

	if (!t || !sp)
		return;
	if (t->req == sp) {
		sovd_trace_thread_clear(d, sovd_gettid());
		t->req = NULL;
		if (t->cur == sp)
			t->cur = NULL;
		if (t->req_taken)
			return;		/* its taker ends it */
	}
	sovd_span_end(d, sp, err, msg);
}

/* ---- kernel spans ------------------------------------------------------------------- */

pid_t sovd_gettid(void)
{
	static _Thread_local pid_t tid;

	if (!tid)
		tid = gettid();
	return tid;
}

/*
 * The daemon traces two threads, the loop and the log's sync thread: it
 * remembers which it set, so a change of context is a delete then an
 * insert, never a refused insert (an error span in the very trace).
 */
static bool *traced_flag(struct sovd_trace *t, pid_t tid)
{
	return tid == sovd_gettid() ? &t->loop_traced : &t->sync_traced;
}

void sovd_trace_thread_set(struct sovd *d, pid_t tid, const struct trace_span *sp)
{
	struct sovd_trace *t = d->trace;
	uint32_t row = tid == sovd_gettid() ? SOVD_KOP_LOOP : SOVD_KOP_SYNC;
	struct trace_ctx ctx;
	bool *traced;

	if (!t || !t->bpf || !sp || !(sp->flags & TRACE_FLAG_SAMPLED))
		return;
	traced = traced_flag(t, tid);
	if (*traced)
		trace_bpf_clear_thread(t->bpf, tid);
	trace_span_ctx(sp, &ctx);
	*traced = !trace_bpf_set_thread(t->bpf, tid, &ctx, row, TRACE_BPF_C_ALL);
}

void sovd_trace_thread_clear(struct sovd *d, pid_t tid)
{
	struct sovd_trace *t = d->trace;
	bool *traced;

	if (!t || !t->bpf)
		return;
	traced = traced_flag(t, tid);
	if (*traced)
		trace_bpf_clear_thread(t->bpf, tid);
	*traced = false;
}

/* ---- the consumer: drain, store, decide, export ------------------------------------ */

/*
 * A trace is stored when it is head-sampled, or once one of its spans meets
 * a tail rule (an error, slower than its op's p99). The spans of the other
 * traces wait in a ring of RECENT_SPANS, so that a trace that becomes worth
 * keeping late (its root is slow) still has the spans that ended before:
 * most spans then cost an observation and a copy, and the store holds only
 * what will be kept.
 */
static void take_recent(struct sovd_trace *t, const struct trace_id *id)
{
	uint32_t i;

	for (i = 0; i < t->n_recent; i++) {
		struct trace_span *r = &t->recent[i];

		if (trace_id_eq(&r->trace_id, id)) {
			trace_store_add(t->store, r);
			r->trace_id.hi = r->trace_id.lo = 0;
		}
	}
}

static void on_span(const struct trace_span *sp, void *arg)
{
	struct sovd_trace *t = arg;
	unsigned int keep = trace_sampler_observe(t->smp, sp);

	if ((sp->flags & TRACE_FLAG_SAMPLED) || trace_store_find(t->store, &sp->trace_id)) {
		trace_store_add(t->store, sp);	/* refusals are counted by the store */
		return;
	}
	if (keep) {
		t->triggered++;
		trace_store_add(t->store, sp);
		take_recent(t, &sp->trace_id);
		return;
	}
	if (t->n_recent < RECENT_SPANS) {
		t->recent[t->n_recent++] = *sp;
		return;
	}
	t->recent[t->recent_next] = *sp;
	t->recent_next = (t->recent_next + 1) % RECENT_SPANS;
	t->recent_overwritten++;
}

struct due {
	struct trace_id *ids;
	size_t n, max;
	uint64_t before;	/* Unix ns: quiet since */
	bool all;
};

static int collect_due(const struct trace_rec *rec, void *arg)
{
	struct due *due = arg;

	if (rec->decided || due->n == due->max)
		return 0;
	if (due->all || rec->end_ns < due->before)
		due->ids[due->n++] = rec->id;
	return 0;
}

static void decide(struct sovd_trace *t, bool all)
{
	struct due due = { .all = all };
	const struct trace_rec *rec;
	size_t i;
	int keep;

	due.max = t->o.store;
	due.ids = malloc(due.max * sizeof(*due.ids));
	if (!due.ids)
		return;
	due.before = trace_clock_now_ns() - (uint64_t)SOVD_TRACE_QUIET_MS * 1000000;
	trace_store_foreach(t->store, collect_due, &due);
	for (i = 0; i < due.n; i++) {
		keep = trace_store_decide(t->store, &due.ids[i], t->smp);
		if (keep <= 0) {
			t->discarded += keep == 0;
			continue;
		}
		t->kept++;
		rec = trace_store_find(t->store, &due.ids[i]);
		if (t->ex && rec && trace_exporter_submit_rec(t->ex, rec))
			t->export_refused++;
	}
	free(due.ids);
}

void sovd_trace_flush(struct sovd_trace *t, bool decide_all)
{
	if (t->bpf)
		trace_bpf_consume(t->bpf);
	trace_recorder_drain(t->rec, on_span, t, 0);
	decide(t, decide_all);
}

static void on_timer(uv_timer_t *h)
{
	struct sovd_trace *t = h->data;
	uint64_t now = uv_now(t->d->loop);

	/* the module may have been loaded since: its tracepoints appear then */
	if (t->bpf && ++t->bpf_attach_tries % 50 == 0)
		trace_bpf_attach_module(t->bpf);
	if (now - t->last_clock_sync >= 1000) {
		trace_clock_sync();
		t->last_clock_sync = now;
	}
	trace_sampler_tick(t->smp);
	sovd_trace_flush(t, false);
	if (t->oneshot) {
		struct trace_exporter_stats st;

		trace_exporter_stats(t->oneshot, &st);
		if (!st.queued_batches && st.spans_sent + st.spans_dropped_after_retry +
		    st.spans_dropped_rejected + st.spans_dropped_encode >= st.spans_submitted) {
			log_info("trace: export done: %llu spans delivered, %llu dropped",
				 (unsigned long long)st.spans_sent,
				 (unsigned long long)(st.spans_submitted - st.spans_sent));
		} else if (now < t->oneshot_deadline) {
			return;
		} else {
			log_warn("trace: export given up after %d ms: %llu of %llu spans delivered (%s)",
				 SOVD_TRACE_EXPORT_MS, (unsigned long long)st.spans_sent,
				 (unsigned long long)st.spans_submitted,
				 st.last_error[0] ? st.last_error : "no answer");
		}
		trace_exporter_destroy(t->oneshot);
		t->oneshot = NULL;
	}
}

static void on_drain(uv_check_t *h)
{
	struct sovd_trace *t = h->data;

	trace_recorder_drain(t->rec, on_span, t, 0);
}

static void on_bpf(uv_poll_t *h, int status, int events)
{
	struct sovd_trace *t = h->data;

	(void)status;
	(void)events;
	trace_bpf_consume(t->bpf);
}

/*
 * Kernel spans go straight to the store (this is the loop, the store's
 * thread). They are not operations of ours: the sampler does not see them,
 * and their latency is in the kernel's own histograms.
 */
static void on_kernel_span(const struct trace_span *sp, void *arg)
{
	struct sovd_trace *t = arg;
	struct trace_span k = *sp;

	k.node_id = t->node;
	trace_store_add(t->store, &k);
}

static int start_bpf(struct sovd_trace *t)
{
	struct trace_bpf_opts bo;
	int ret;

	trace_bpf_opts_default(&bo);
	bo.pin_dir = t->o.kernel_pin;
	bo.pid = getpid();
	bo.hist_ops = __SOVD_KOP_CNT;
	bo.sched_min_ns = 10000;	/* shorter waits say little and cost a record */
	bo.fn = on_kernel_span;
	bo.arg = t;
	ret = trace_bpf_open(&t->bpf, &bo);
	if (ret) {
		log_warn("trace: kernel spans off: loading bpf/trace.bpf.o failed: %s",
			 strerror(-ret));
		t->bpf = NULL;
		return ret;
	}
	if (!uv_poll_init(t->d->loop, &t->bpf_poll, trace_bpf_fd(t->bpf))) {
		t->bpf_poll.data = t;
		uv_poll_start(&t->bpf_poll, UV_READABLE, on_bpf);
		t->bpf_polling = true;
	}
	log_info("trace: kernel spans on (%s)", t->o.kernel_pin ? t->o.kernel_pin : "maps not pinned");
	return 0;
}

int sovd_trace_start(struct sovd *d, uint64_t node)
{
	struct trace_recorder_conf rc;
	struct trace_sampler_conf sc;
	struct trace_store_conf stc;
	struct sovd_trace *t;

	if (d->trace_opts.off)
		return 0;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -1;
	t->d = d;
	t->o = d->trace_opts;
	t->node = node ? node : 1;
	trace_recorder_conf_default(&rc);
	rc.node_id = t->node;
	rc.ring_capacity = RING_SPANS;
	trace_sampler_conf_default(&sc);
	if (t->o.sample_p >= 0) {
		sc.target_rate = 0;
		sc.initial_p = t->o.sample_p;
	} else {
		sc.target_rate = t->o.rate;
	}
	trace_store_conf_default(&stc);
	stc.max_traces = t->o.store;
	t->rec = trace_recorder_create(&rc);
	t->smp = trace_sampler_create(&sc);
	t->store = trace_store_create(&stc);
	t->recent = malloc(RECENT_SPANS * sizeof(*t->recent));
	if (!t->rec || !t->smp || !t->store || !t->recent)
		goto nomem;
	if (t->o.sample_p >= 0)
		trace_sampler_set_probability(t->smp, NULL, t->o.sample_p);
	if (t->o.export_target) {
		struct trace_exporter_conf ec;
		char err[TRACE_EXPORT_ERR_MAX];
		char svc[48];

		trace_exporter_conf_default(&ec);
		/* the default conf posts to the default URL: one target, not both */
		ec.url = NULL;
		if (!strncmp(t->o.export_target, "http://", 7))
			ec.url = t->o.export_target;
		else
			ec.file = t->o.export_target;
		snprintf(svc, sizeof(svc), "sovereignd");
		ec.service_name = svc;
		t->ex = trace_exporter_create(&ec, err, sizeof(err));
		if (!t->ex) {
			log_err("trace: --trace-export %s: %s", t->o.export_target, err);
			goto fail;
		}
	}
	d->trace = t;
	trace_recorder_install(t->rec);
	trace_clock_sync();
	if (t->o.kernel)
		start_bpf(t);
	uv_timer_init(d->loop, &t->timer);
	t->timer.data = t;
	uv_timer_start(&t->timer, on_timer, TICK_MS, TICK_MS);
	/* spans leave the ring while it is still in the cache */
	uv_check_init(d->loop, &t->drain);
	t->drain.data = t;
	uv_check_start(&t->drain, on_drain);
	log_info("trace: node %" PRIu64 ", %s, store %u traces%s%s", t->node,
		 t->o.sample_p >= 0 ? "fixed head probability" : "adaptive head sampling",
		 t->o.store, t->ex ? ", export to " : "", t->ex ? t->o.export_target : "");
	return 0;
nomem:
	log_err("trace: out of memory");
fail:
	free(t->recent);
	trace_store_destroy(t->store);
	trace_sampler_destroy(t->smp);
	trace_recorder_destroy(t->rec);
	free(t);
	return -1;
}

static void on_closed(uv_handle_t *h)
{
	(void)h;
}

void sovd_trace_stop(struct sovd *d)
{
	struct sovd_trace *t = d->trace;

	if (!t)
		return;
	/* what was recorded still counts: decide it all, hand it to the exporter */
	sovd_trace_flush(t, true);
	uv_timer_stop(&t->timer);
	uv_close((uv_handle_t *)&t->timer, on_closed);
	uv_check_stop(&t->drain);
	uv_close((uv_handle_t *)&t->drain, on_closed);
	if (t->bpf_polling) {
		uv_poll_stop(&t->bpf_poll);
		uv_close((uv_handle_t *)&t->bpf_poll, on_closed);
	}
}

void sovd_trace_free(struct sovd *d)
{
	struct sovd_trace *t = d->trace;

	if (!t)
		return;
	trace_recorder_install(NULL);
	trace_exporter_destroy(t->oneshot);
	trace_exporter_destroy(t->ex);
	trace_bpf_close(t->bpf);
	trace_store_destroy(t->store);
	trace_sampler_destroy(t->smp);
	trace_recorder_destroy(t->rec);
	while (t->n_free)
		free(t->free[--t->n_free]);
	free(t->recent);
	free(t);
	d->trace = NULL;
}
