// SPDX-License-Identifier: GPL-2.0
/* The SOV_CMD_TRACE_* commands on sovereignd's control socket (tracing.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sovereignd.h"
#include "tracing_internal.h"

static const enum mnl_attr_data_type trace_types[SOV_A_TRACE_MAX + 1] = {
	[SOV_A_TRACE_ID] = MNL_TYPE_BINARY,
	[SOV_A_TRACE_OP] = MNL_TYPE_NUL_STRING,
	[SOV_A_TRACE_PROB_PPB] = MNL_TYPE_U64,
	[SOV_A_TRACE_RATE_MILLI] = MNL_TYPE_U64,
	[SOV_A_TRACE_TARGET] = MNL_TYPE_NUL_STRING,
};

#define A(x)	(1u << SOV_A_TRACE_##x)
/* The request attributes of each command, from SOV_CMD_TRACE_STATUS_GET on. */
static const uint32_t takes[] = {
	0, 0, A(ID), A(OP), A(OP) | A(PROB_PPB) | A(RATE_MILLI), A(TARGET),
};
static const char *const takes_what[] = {
	"it takes none", "it takes none", "it takes ID", "it takes OP",
	"it takes OP, PROB_PPB, RATE_MILLI", "it takes TARGET",
};
#undef A

_Static_assert(SOV_A_TRACE_MAX < 32, "a mask of the attributes");
_Static_assert(SOV_CMD_TRACE_EXPORT - SOV_CMD_TRACE_STATUS_GET + 1 ==
	       sizeof(takes) / sizeof(takes[0]), "one entry per command");

bool sovd_trace_serves(uint8_t cmd)
{
	return cmd >= SOV_CMD_TRACE_STATUS_GET && cmd <= SOV_CMD_TRACE_EXPORT;
}

static struct nlmsghdr *reply_hdr(void *buf, uint8_t cmd, uint16_t flags,
				  const struct nlmsghdr *req)
{
	struct nlmsghdr *nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, cmd, SOV_GENL_VERSION,
					      flags, req->nlmsg_seq);

	nlh->nlmsg_pid = req->nlmsg_pid;
	return nlh;
}

static void put_id(struct nlmsghdr *nlh, const struct trace_id *id)
{
	uint8_t b[16];
	int i;

	for (i = 0; i < 8; i++) {
		b[i] = (uint8_t)(id->hi >> (56 - 8 * i));
		b[8 + i] = (uint8_t)(id->lo >> (56 - 8 * i));
	}
	mnl_attr_put(nlh, SOV_A_TRACE_ID, sizeof(b), b);
}

static void get_id(const struct nlattr *a, struct trace_id *id)
{
	const uint8_t *b = mnl_attr_get_payload(a);
	int i;

	id->hi = id->lo = 0;
	for (i = 0; i < 8; i++) {
		id->hi = id->hi << 8 | b[i];
		id->lo = id->lo << 8 | b[8 + i];
	}
}

/* ---- status -------------------------------------------------------------------------- */

static void counter(struct nlmsghdr *nlh, const char *name, uint64_t v)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, SOV_A_TRACE_COUNTER);

	mnl_attr_put_strz(nlh, SOV_A_TRACE_COUNTER_NAME, name);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_COUNTER_VALUE, v);
	mnl_attr_nest_end(nlh, nest);
}

static int reply_status(struct sovd_trace *t, struct sovd_client *c, const struct nlmsghdr *req)
{
	static unsigned char buf[SOV_NL_BUFSZ];
	struct trace_recorder_stats rs;
	struct trace_store_stats ss;
	struct nlmsghdr *nlh;

	trace_recorder_stats(t->rec, &rs);
	trace_store_stats(t->store, &ss);
	nlh = reply_hdr(buf, SOV_CMD_TRACE_STATUS_GET, 0, req);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_NODE, t->node);
	counter(nlh, "recorder.threads", rs.rings);
	counter(nlh, "recorder.recorded", rs.recorded);
	counter(nlh, "recorder.dropped_full", rs.dropped_full);
	counter(nlh, "recorder.drained", rs.drained);
	counter(nlh, "context.received", t->counters[SOVD_TC_CTX_RECEIVED]);
	counter(nlh, "context.invalid", t->counters[SOVD_TC_CTX_INVALID]);
	counter(nlh, "context.roots", t->counters[SOVD_TC_ROOTS]);
	counter(nlh, "context.untracked", t->counters[SOVD_TC_UNTRACKED]);
	counter(nlh, "store.capacity", t->o.store);
	counter(nlh, "store.traces", ss.traces);
	counter(nlh, "store.spans", ss.spans);
	counter(nlh, "store.created", ss.traces_created);
	counter(nlh, "store.evicted", ss.traces_evicted);
	counter(nlh, "store.spans_dropped", ss.spans_dropped_cap + ss.spans_invalid);
	counter(nlh, "tail.kept", t->kept);
	counter(nlh, "tail.discarded", t->discarded);
	counter(nlh, "tail.triggered", t->triggered);
	counter(nlh, "tail.held", t->n_recent);
	counter(nlh, "tail.overwritten", t->recent_overwritten);
	if (t->ex) {
		struct trace_exporter_stats es;

		trace_exporter_stats(t->ex, &es);
		counter(nlh, "export.refused", t->export_refused);
		counter(nlh, "export.spans_submitted", es.spans_submitted);
		counter(nlh, "export.spans_sent", es.spans_sent + es.file_spans);
		counter(nlh, "export.dropped_queue_full", es.spans_dropped_queue_full);
		counter(nlh, "export.dropped_after_retry", es.spans_dropped_after_retry);
		counter(nlh, "export.dropped_rejected", es.spans_dropped_rejected);
		counter(nlh, "export.http_errors", es.http_errors);
		counter(nlh, "export.retries", es.retries);
		counter(nlh, "export.queued_spans", es.queued_spans);
	}
	if (t->bpf) {
		struct trace_bpf_stats bs;

		trace_bpf_stats(t->bpf, &bs);
		counter(nlh, "kernel.events", bs.events);
		counter(nlh, "kernel.drops", bs.drops);
		counter(nlh, "kernel.decoded", bs.decoded);
		counter(nlh, "kernel.decode_errors", bs.decode_errors);
		counter(nlh, "kernel.threads", bs.threads);
		counter(nlh, "kernel.programs", bs.progs_attached);
		counter(nlh, "kernel.module_attached", bs.module_attached);
	}
	sovd_client_send(c, nlh, nlh->nlmsg_len);
	return 0;
}

/* ---- list ---------------------------------------------------------------------------- */

struct list_ctx {
	struct sovd_client *c;
	const struct nlmsghdr *req;
	unsigned char *buf;
};

static int list_one(const struct trace_rec *rec, void *arg)
{
	struct list_ctx *l = arg;
	const char *root = NULL;
	uint32_t errors = 0, i;
	struct nlmsghdr *nlh;

	for (i = 0; i < rec->nspans; i++) {
		if (rec->spans[i].status == TRACE_STATUS_ERROR)
			errors++;
		if (!root && !rec->spans[i].parent_id)
			root = rec->spans[i].name;
	}
	if (!root && rec->nspans)	/* its root is on another node: the first span */
		root = rec->spans[0].name;
	nlh = reply_hdr(l->buf, SOV_CMD_TRACE_LIST, NLM_F_MULTI, l->req);
	put_id(nlh, &rec->id);
	mnl_attr_put_strz(nlh, SOV_A_TRACE_ROOT, root ? root : "");
	mnl_attr_put_u32(nlh, SOV_A_TRACE_SPANS, rec->nspans);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_START_NS, rec->start_ns);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_DURATION_NS,
			 rec->end_ns > rec->start_ns ? rec->end_ns - rec->start_ns : 0);
	mnl_attr_put_u32(nlh, SOV_A_TRACE_KEEP, rec->decided ? rec->keep : 0);
	mnl_attr_put_u32(nlh, SOV_A_TRACE_ERRORS, errors);
	sovd_client_send(l->c, nlh, nlh->nlmsg_len);
	return 0;
}

/* ---- get ----------------------------------------------------------------------------- */

static void put_span(struct nlmsghdr *nlh, const struct trace_span *sp)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, SOV_A_TRACE_SPAN), *an;
	unsigned int i;

	mnl_attr_put_u64(nlh, SOV_A_TRACE_SPAN_ID, sp->span_id);
	if (sp->parent_id)
		mnl_attr_put_u64(nlh, SOV_A_TRACE_SPAN_PARENT, sp->parent_id);
	mnl_attr_put_strz(nlh, SOV_A_TRACE_SPAN_NAME, sp->name ? sp->name : "");
	mnl_attr_put_u8(nlh, SOV_A_TRACE_SPAN_KIND, sp->kind);
	mnl_attr_put_u8(nlh, SOV_A_TRACE_SPAN_STATUS, sp->status);
	if (sp->status_msg)
		mnl_attr_put_strz(nlh, SOV_A_TRACE_SPAN_STATUS_MSG, sp->status_msg);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_SPAN_START_NS, sp->start_ns);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_SPAN_END_NS, sp->end_ns);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_SPAN_NODE, sp->node_id);
	mnl_attr_put_u8(nlh, SOV_A_TRACE_SPAN_FLAGS, sp->flags);
	for (i = 0; i < sp->nattrs && i < TRACE_SPAN_ATTRS; i++) {
		const struct trace_attr *a = &sp->attrs[i];

		an = mnl_attr_nest_start(nlh, SOV_A_TRACE_SPAN_ATTR);
		mnl_attr_put_strz(nlh, SOV_A_TRACE_ATTR_KEY, a->key);
		if (sp->attr_type[i] == TRACE_ATTR_INT)
			mnl_attr_put_u64(nlh, SOV_A_TRACE_ATTR_INT, (uint64_t)a->v.i);
		else
			mnl_attr_put_strz(nlh, SOV_A_TRACE_ATTR_STR, a->v.s ? a->v.s : "");
		mnl_attr_nest_end(nlh, an);
	}
	mnl_attr_nest_end(nlh, nest);
}

static int reply_get(struct sovd_trace *t, struct sovd_client *c, const struct nlmsghdr *req,
		     const struct nlattr **tb, char *msg, size_t msglen)
{
	static unsigned char buf[SOV_NL_BUFSZ];
	const struct trace_rec *rec;
	struct nlmsghdr *nlh;
	struct trace_id id;
	char hex[33];
	uint32_t i;

	if (!tb[SOV_A_TRACE_ID] || mnl_attr_get_payload_len(tb[SOV_A_TRACE_ID]) != 16) {
		snprintf(msg, msglen, "TRACE_GET needs ID: the trace id, 16 bytes");
		return -EINVAL;
	}
	get_id(tb[SOV_A_TRACE_ID], &id);
	if (trace_id_is_zero(&id)) {
		snprintf(msg, msglen, "ID: the all-zero trace id is invalid");
		return -EINVAL;
	}
	rec = trace_store_find(t->store, &id);
	if (!rec) {
		trace_id_hex(&id, hex);
		snprintf(msg, msglen, "trace %s: not held by this daemon (never seen, discarded by the tail decision, or evicted)",
			 hex);
		return -ENOENT;
	}
	for (i = 0; i < rec->nspans; i++) {
		nlh = reply_hdr(buf, SOV_CMD_TRACE_GET, NLM_F_MULTI, req);
		put_id(nlh, &rec->id);
		put_span(nlh, &rec->spans[i]);
		sovd_client_send(c, nlh, nlh->nlmsg_len);
	}
	sovd_client_send(c, buf, sov_nl_put_done(buf, req, 0));
	return 1;
}

/* ---- latency ------------------------------------------------------------------------- */

static void put_summary(struct nlmsghdr *nlh, const struct trace_hist *h)
{
	struct trace_hist_summary s;

	trace_hist_summary(h, &s);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_COUNT, s.count);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_MIN_NS, s.count ? s.min : 0);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_MAX_NS, s.max);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_MEAN_NS, s.mean);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_P50_NS, s.p50);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_P90_NS, s.p90);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_P99_NS, s.p99);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_P999_NS, s.p999);
}

static void send_op(struct sovd_client *c, const struct nlmsghdr *req, unsigned char *buf,
		    const struct trace_sampler_op *op)
{
	struct nlmsghdr *nlh = reply_hdr(buf, SOV_CMD_TRACE_LATENCY_GET, NLM_F_MULTI, req);
	struct nlattr *nest = mnl_attr_nest_start(nlh, SOV_A_TRACE_OPSTAT);

	mnl_attr_put_strz(nlh, SOV_A_TRACE_OP_NAME, op->name);
	mnl_attr_put_u8(nlh, SOV_A_TRACE_OP_SOURCE, SOV_TRACE_SOURCE_DAEMON);
	put_summary(nlh, op->hist);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_PROB_PPB, (uint64_t)llround(op->p * SOV_TRACE_PPB));
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_RATE_MILLI, (uint64_t)llround(op->target_rate * 1000));
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_OBSERVED_MILLI,
			 (uint64_t)llround(op->observed_rate * 1000));
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_DECISIONS, op->decisions);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_SAMPLED, op->sampled);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_ERRORS, op->errors);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_KEPT_ERROR, op->kept_error);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_KEPT_SLOW, op->kept_slow);
	mnl_attr_nest_end(nlh, nest);
	sovd_client_send(c, nlh, nlh->nlmsg_len);
}

static const char *const kop_names[__SOVD_KOP_CNT] = {
	[SOVD_KOP_OTHER] = "other", [SOVD_KOP_LOOP] = "loop", [SOVD_KOP_SYNC] = "raft.sync",
};
static const char *const kind_names[TRACE_BPF_KINDS] = {
	"syscall", "sched:wait", "sched:sleep", "sovereign:op",
};

/* The kernel's histograms, one row per thread role and kind: "kernel:raft.sync:syscall". */
static void send_kernel_ops(struct sovd_trace *t, struct sovd_client *c,
			    const struct nlmsghdr *req, unsigned char *buf, const char *only)
{
	struct trace_hist *h = trace_hist_create();
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	unsigned int row, kind;
	char name[64];

	if (!h)
		return;
	for (row = 0; row < __SOVD_KOP_CNT; row++) {
		for (kind = 0; kind < TRACE_BPF_KINDS; kind++) {
			snprintf(name, sizeof(name), "kernel:%s:%s", kop_names[row], kind_names[kind]);
			if (only && strcmp(only, name))
				continue;
			trace_hist_init(h);
			if (trace_bpf_hist_read(t->bpf, row, kind, h) || !trace_hist_count(h))
				continue;
			nlh = reply_hdr(buf, SOV_CMD_TRACE_LATENCY_GET, NLM_F_MULTI, req);
			nest = mnl_attr_nest_start(nlh, SOV_A_TRACE_OPSTAT);
			mnl_attr_put_strz(nlh, SOV_A_TRACE_OP_NAME, name);
			mnl_attr_put_u8(nlh, SOV_A_TRACE_OP_SOURCE, SOV_TRACE_SOURCE_KERNEL);
			put_summary(nlh, h);
			mnl_attr_nest_end(nlh, nest);
			sovd_client_send(c, nlh, nlh->nlmsg_len);
		}
	}
	trace_hist_destroy(h);
}

static int reply_latency(struct sovd_trace *t, struct sovd_client *c, const struct nlmsghdr *req,
			 const struct nlattr **tb, char *msg, size_t msglen)
{
	static unsigned char buf[SOV_NL_BUFSZ];
	const char *only = tb[SOV_A_TRACE_OP] ? mnl_attr_get_str(tb[SOV_A_TRACE_OP]) : NULL;
	struct trace_sampler_op *ops;
	size_t n, i;

	/* what is recorded but not drained yet counts too */
	sovd_trace_flush(t, false);
	n = trace_sampler_ops(t->smp, NULL, 0);
	ops = calloc(n ? n : 1, sizeof(*ops));
	if (!ops) {
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	n = trace_sampler_ops(t->smp, ops, n);
	if (only && strncmp(only, "kernel:", 7)) {
		for (i = 0; i < n && strcmp(ops[i].name, only); i++)
			;
		if (i == n) {
			free(ops);
			snprintf(msg, msglen, "op \"%s\": no span of that operation was seen (sovctl trace latency lists them)",
				 only);
			return -ENOENT;
		}
	}
	for (i = 0; i < n; i++) {
		/* the sampler's catch-all row, while nothing has fallen into it */
		if (!ops[i].decisions && !trace_hist_count(ops[i].hist) && !only)
			continue;
		if (!only || !strcmp(ops[i].name, only))
			send_op(c, req, buf, &ops[i]);
	}
	free(ops);
	if (t->bpf)
		send_kernel_ops(t, c, req, buf, only);
	sovd_client_send(c, buf, sov_nl_put_done(buf, req, 0));
	return 1;
}

/* ---- sample, export ----------------------------------------------------------------- */

static int set_sample(struct sovd_trace *t, const struct nlattr **tb, char *msg, size_t msglen)
{
	const char *op = tb[SOV_A_TRACE_OP] ? mnl_attr_get_str(tb[SOV_A_TRACE_OP]) : NULL;
	uint64_t v;
	int ret;

	if (!!tb[SOV_A_TRACE_PROB_PPB] == !!tb[SOV_A_TRACE_RATE_MILLI]) {
		snprintf(msg, msglen, "TRACE_SAMPLE_SET needs exactly one of PROB_PPB (a fixed probability) and RATE_MILLI (an adaptive target)");
		return -EINVAL;
	}
	if (op && !op[0]) {
		snprintf(msg, msglen, "OP: an empty operation name");
		return -EINVAL;
	}
	if (tb[SOV_A_TRACE_PROB_PPB]) {
		v = mnl_attr_get_u64(tb[SOV_A_TRACE_PROB_PPB]);
		if (v > SOV_TRACE_PPB) {
			snprintf(msg, msglen, "PROB_PPB: %llu is over %d (a probability of 1)",
				 (unsigned long long)v, SOV_TRACE_PPB);
			return -ERANGE;
		}
		ret = trace_sampler_set_probability(t->smp, op, (double)v / SOV_TRACE_PPB);
	} else {
		v = mnl_attr_get_u64(tb[SOV_A_TRACE_RATE_MILLI]);
		if (!v || v > 1000000000ULL) {
			snprintf(msg, msglen, "RATE_MILLI: %llu: expected 1 to 1000000000 (thousandths of a span per second)",
				 (unsigned long long)v);
			return -ERANGE;
		}
		ret = trace_sampler_set_target(t->smp, op, (double)v / 1000);
	}
	if (ret)
		snprintf(msg, msglen, "setting the sampling failed: %s", strerror(-ret));
	else
		log_info("trace: sampling of %s set to %s %.6g", op ? op : "every operation",
			 tb[SOV_A_TRACE_PROB_PPB] ? "probability" : "target spans/s",
			 tb[SOV_A_TRACE_PROB_PPB] ? (double)v / SOV_TRACE_PPB : (double)v / 1000);
	return ret;
}

struct export_ctx {
	struct trace_exporter *ex;	/* a collector */
	FILE *f;			/* or a file */
	uint64_t n;
	int err;
};

static int export_one(const struct trace_rec *rec, void *arg)
{
	struct export_ctx *e = arg;
	int ret;

	if (!rec->decided || !rec->keep)
		return 0;
	if (e->f)
		ret = trace_otlp_write_rec(e->f, rec, "sovereignd");
	else
		ret = trace_exporter_submit_rec(e->ex, rec);
	if (ret && !e->err)
		e->err = ret;
	if (!ret)
		e->n++;
	return 0;
}

/* A file is written here and now (the kept traces are at most the store); a
 * collector gets them on the exporter's thread, the loop does not wait. */
static int do_export(struct sovd_trace *t, struct sovd_client *c, const struct nlmsghdr *req,
		     const struct nlattr **tb, char *msg, size_t msglen)
{
	static unsigned char buf[SOV_NL_BUFSZ];
	struct export_ctx e = { 0 };
	struct trace_exporter_conf ec;
	char err[TRACE_EXPORT_ERR_MAX];
	struct nlmsghdr *nlh;
	const char *target;

	if (!tb[SOV_A_TRACE_TARGET] || !mnl_attr_get_str(tb[SOV_A_TRACE_TARGET])[0]) {
		snprintf(msg, msglen, "TRACE_EXPORT needs TARGET: a file or an http:// URL");
		return -EINVAL;
	}
	target = mnl_attr_get_str(tb[SOV_A_TRACE_TARGET]);
	if (strncmp(target, "http://", 7) && strstr(target, "://")) {
		snprintf(msg, msglen, "TARGET \"%s\": only http:// URLs or file paths", target);
		return -EINVAL;
	}
	if (strncmp(target, "http://", 7)) {
		e.f = fopen(target, "ae");
		if (!e.f) {
			snprintf(msg, msglen, "TARGET: cannot open %s for appending: %s", target,
				 strerror(errno));
			return -EINVAL;
		}
	} else {
		if (t->oneshot) {
			snprintf(msg, msglen, "an export to a collector is still in progress: try again when it is done");
			return -EBUSY;
		}
		trace_exporter_conf_default(&ec);
		ec.url = target;
		ec.queue_batches = t->o.store;
		ec.queue_spans = t->o.store * 256;
		ec.shutdown_timeout_ms = 10;	/* destroyed only once done, or given up */
		e.ex = trace_exporter_create(&ec, err, sizeof(err));
		if (!e.ex) {
			snprintf(msg, msglen, "TARGET: %s", err);
			return -EINVAL;
		}
	}
	sovd_trace_flush(t, true);
	trace_store_foreach(t->store, export_one, &e);
	if (e.f) {
		if (fclose(e.f) && !e.err)
			e.err = -errno;
		if (e.err) {
			snprintf(msg, msglen, "%s: %llu traces written, then: %s", target,
				 (unsigned long long)e.n, strerror(-e.err));
			return -EIO;
		}
	} else {
		t->oneshot = e.ex;
		t->oneshot_deadline = uv_now(t->d->loop) + SOVD_TRACE_EXPORT_MS;
	}
	nlh = reply_hdr(buf, SOV_CMD_TRACE_EXPORT, 0, req);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_EXPORTED, e.n);
	sovd_client_send(c, nlh, nlh->nlmsg_len);
	return 0;
}

int sovd_trace_request(struct sovd *d, struct sovd_client *c, const struct nlmsghdr *nlh,
		       char *msg, size_t msglen)
{
	const struct genlmsghdr *gh = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[SOV_A_TRACE_MAX + 1];
	struct sovd_trace *t = d->trace;
	struct sov_nl_err err;
	unsigned int i;

	if (!t) {
		snprintf(msg, msglen, "tracing is off (sovereignd was started with --no-trace)");
		return -EOPNOTSUPP;
	}
	if (sov_nl_parse(nlh, tb, SOV_A_TRACE_MAX, trace_types, &err)) {
		snprintf(msg, msglen, "%s", err.msg);
		return err.error;
	}
	/* per-command policy, as the kernel's: what a command does not take is refused */
	for (i = 1; i <= SOV_A_TRACE_MAX; i++) {
		if (tb[i] && !(takes[gh->cmd - SOV_CMD_TRACE_STATUS_GET] & (1u << i))) {
			snprintf(msg, msglen, "attribute %u is not taken by this command (%s)", i,
				 takes_what[gh->cmd - SOV_CMD_TRACE_STATUS_GET]);
			return -EINVAL;
		}
	}
	switch (gh->cmd) {
	case SOV_CMD_TRACE_STATUS_GET:
		sovd_trace_flush(t, false);
		return reply_status(t, c, nlh);
	case SOV_CMD_TRACE_LIST: {
		static unsigned char buf[SOV_NL_BUFSZ];
		struct list_ctx l = { c, nlh, buf };

		sovd_trace_flush(t, false);
		trace_store_foreach(t->store, list_one, &l);
		sovd_client_send(c, buf, sov_nl_put_done(buf, nlh, 0));
		return 1;
	}
	case SOV_CMD_TRACE_GET:
		sovd_trace_flush(t, false);
		return reply_get(t, c, nlh, tb, msg, msglen);
	case SOV_CMD_TRACE_LATENCY_GET:
		return reply_latency(t, c, nlh, tb, msg, msglen);
	case SOV_CMD_TRACE_SAMPLE_SET:
		return set_sample(t, tb, msg, msglen);
	case SOV_CMD_TRACE_EXPORT:
		return do_export(t, c, nlh, tb, msg, msglen);
	}
	snprintf(msg, msglen, "command %u is not a trace command", gh->cmd);
	return -EOPNOTSUPP;
}
