// SPDX-License-Identifier: GPL-2.0
/*
 * sovereignd's Raft node (cluster.h): storage, transport, the Ready loop,
 * the replicated key-value state, and the requests waiting on them.
 *
 * Group commit: inputs (ticks, peer messages, proposals, reads) only mark
 * the node. The Ready is taken once per loop iteration, from a uv_check
 * callback, after libuv has run every callback the poll returned; an idle
 * handle keeps that poll from blocking while a Ready waits. So every
 * proposal of one iteration travels in the same APPENDs and costs one fsync.
 * The fsync runs on a thread of its own (cluster_sync.h): what arrives
 * meanwhile is stepped, and forms the next batch.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cluster_internal.h"
#include "cluster_sync.h"
#include "lb_cluster.h"
#include "log.h"
#include "module_cluster.h"

#define RETIRE_MS	2000	/* a removed node keeps its link this long */
#define NODE_PREFIX	"raft/node/"

void sovd_cluster_opts_init(struct sovd_cluster_opts *o)
{
	memset(o, 0, sizeof(*o));
	sov_cluster_conf_init(&o->conf);
	o->data_dir = SOVD_DATA_DIR;
	o->tick_ms = SOVD_TICK_MS;
	o->election_ticks = 15;
	o->heartbeat_ticks = 5;
	o->snapshot_every = SOVD_SNAPSHOT_EVERY;
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

const char *sovd_cluster_addr(struct sovd_cluster *cl, raft_id_t id, char *buf, size_t len)
{
	const struct sov_cluster_node *n = sov_cluster_conf_node(&cl->o.conf, id);
	struct sovd_peer_stats ps;

	buf[0] = '\0';
	if (cl->peers && !sovd_peer_stats(cl->peers, id, &ps))
		snprintf(buf, len, "%s", ps.addr);
	else if (n)
		snprintf(buf, len, "%s", n->addr.text);
	return buf;
}

/* In its own latest configuration: a removed node is not, nor a joiner not added yet. */
static bool is_member(struct sovd_cluster *cl)
{
	static struct raft_status st;
	uint32_t i;

	raft_status(cl->r, &st);
	for (i = 0; i < st.conf.n_voters; i++)
		if (st.conf.voters[i] == st.id)
			return true;
	for (i = 0; i < st.conf.n_learners; i++)
		if (st.conf.learners[i] == st.id)
			return true;
	return false;
}

void sovd_cluster_not_leader(struct sovd *d, char *msg, size_t msglen)
{
	struct sovd_cluster *cl = d->cluster;
	raft_id_t leader = raft_leader(cl->r);
	char addr[SOV_CLUSTER_ADDR_LEN];

	/* a removed node hears from no leader again: "try again" would be forever */
	if (!leader && !is_member(cl))
		snprintf(msg, msglen, "not the leader, and not a member of the cluster (removed, or joining and not added yet): ask a member");
	else if (!leader)
		snprintf(msg, msglen, "not the leader, and no leader is known (an election is going on, or this node is cut off): try again");
	else if (sovd_cluster_addr(cl, leader, addr, sizeof(addr))[0])
		snprintf(msg, msglen, "not the leader: node %" PRIu64 " at %s is", leader, addr);
	else
		snprintf(msg, msglen, "not the leader: node %" PRIu64 " is", leader);
}

struct sov_kv_state *sovd_cluster_kv(struct sovd *d)
{
	return d->cluster ? d->cluster->kv : NULL;
}

void sovd_cluster_apply_error(struct sovd *d, int err, const char *fmt, ...)
{
	struct sovd_cluster *cl = d->cluster;
	va_list ap;

	if (!cl || !cl->applying || cl->apply_err)
		return;
	cl->apply_err = err;
	va_start(ap, fmt);
	vsnprintf(cl->apply_msg, sizeof(cl->apply_msg), fmt, ap);
	va_end(ap);
}

/* ---- waiting requests ------------------------------------------------------------ */

static void on_idle(uv_idle_t *h)
{
	(void)h;	/* only keeps the loop from blocking until the check runs */
}

void sovd_cluster_mark(struct sovd_cluster *cl)
{
	/* with a sync in flight, its end marks the node */
	if (!cl->stopped && !cl->rd_open && !uv_is_active((uv_handle_t *)&cl->idle))
		uv_idle_start(&cl->idle, on_idle);
}

struct sovd_wait *sovd_cluster_wait(struct sovd_cluster *cl, enum sovd_wait_kind kind,
				    struct sovd_client *c, const struct nlmsghdr *req,
				    sovd_wait_fn done, void *arg)
{
	struct sovd_wait *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->req = malloc(req->nlmsg_len);
	if (!w->req) {
		free(w);
		return NULL;
	}
	memcpy(w->req, req, req->nlmsg_len);
	w->kind = kind;
	w->c = c;
	w->done = done;
	w->arg = arg;
	w->deadline = uv_now(cl->d->loop) + SOVD_WAIT_MS;
	w->span = sovd_trace_take_request(cl->d);
	w->next = cl->waits;
	cl->waits = w;
	return w;
}

static void finish(struct sovd_cluster *cl, struct sovd_wait *w, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Unlink @w, answer it, free it. */
static void finish(struct sovd_cluster *cl, struct sovd_wait *w, int err, const char *fmt, ...)
{
	struct sovd_wait **p;
	char msg[300] = "";
	va_list ap;

	for (p = &cl->waits; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			break;
		}
	}
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	}
	w->done(cl->d, w->c, w->req, w->arg, err, msg);
	sovd_span_end(cl->d, w->span, err, msg);
	free(w->req);
	free(w);
}

void sovd_cluster_client_closed(struct sovd *d, struct sovd_client *c)
{
	struct sovd_wait *w;

	if (!d->cluster)
		return;
	for (w = d->cluster->waits; w; w = w->next)
		if (w->c == c)
			w->c = NULL;
}

static void fail_all(struct sovd_cluster *cl, int err, const char *why)
{
	while (cl->waits)
		finish(cl, cl->waits, err, "%s", why);
}

static void expire_waits(struct sovd_cluster *cl)
{
	uint64_t now = uv_now(cl->d->loop);
	struct sovd_wait *w, *next;

	for (w = cl->waits; w; w = next) {
		next = w->next;
		if (now < w->deadline)
			continue;
		switch (w->kind) {
		case SOVD_WAIT_PROPOSAL:
			finish(cl, w, -ETIMEDOUT,
			       "entry %" PRIu64 " (term %" PRIu64 ") not committed within %d ms: the leader cannot reach a quorum; it may still be applied later",
			       w->index, w->term, SOVD_WAIT_MS);
			break;
		case SOVD_WAIT_READ:
			finish(cl, w, -ETIMEDOUT,
			       "no linearizable read within %d ms: no leader that reaches a quorum (is this node cut off?)",
			       SOVD_WAIT_MS);
			break;
		case SOVD_WAIT_LEADER:
			finish(cl, w, -ETIMEDOUT, "node %" PRIu64 " did not take over within %d ms",
			       w->target, SOVD_WAIT_MS);
			break;
		}
	}
}

static void issue_read(struct sovd_cluster *cl, struct sovd_wait *w)
{
	w->asked = uv_now(cl->d->loop);
	/* no leader known: tried again when one is */
	if (raft_read_index(cl->r, w->ctx) == 0)
		sovd_cluster_mark(cl);
}

/*
 * A read request to the leader, or its answer, can be lost with a link:
 * one unanswered for an election timeout is asked again (a late answer to
 * the first is harmless, the read is served once).
 */
static void reissue_reads(struct sovd_cluster *cl)
{
	uint64_t now = uv_now(cl->d->loop);
	uint64_t after = (uint64_t)cl->o.election_ticks * cl->o.tick_ms;
	struct sovd_wait *w;

	for (w = cl->waits; w; w = w->next)
		if (w->kind == SOVD_WAIT_READ && !w->have_index && now - w->asked >= after)
			issue_read(cl, w);
}

int sovd_cluster_refuse_write(struct sovd_cluster *cl, char *msg, size_t msglen)
{
	if (cl->storage_err) {
		snprintf(msg, msglen, "this node's storage failed (%s): it acknowledges no writes until it is restarted",
			 cl->storage_msg);
		return -EIO;
	}
	if (raft_role(cl->r) != RAFT_LEADER) {
		sovd_cluster_not_leader(cl->d, msg, msglen);
		return raft_leader(cl->r) ? -EREMOTE : -EAGAIN;
	}
	return 0;
}

int sovd_cluster_writable(struct sovd *d, char *msg, size_t msglen)
{
	return sovd_cluster_refuse_write(d->cluster, msg, msglen);
}

int64_t sovd_cluster_propose_op(struct sovd_cluster *cl, const struct sov_kv_op *op,
				char *msg, size_t msglen)
{
	int64_t index;
	uint8_t *buf;
	int len, ret;

	ret = sovd_cluster_refuse_write(cl, msg, msglen);
	if (ret)
		return ret;
	buf = malloc(SOV_KV_VALUE_MAX + 1024);
	if (!buf) {
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	len = sov_kv_op_encode(op, buf, SOV_KV_VALUE_MAX + 1024, msg, msglen);
	if (len < 0) {
		free(buf);
		return len;
	}
	index = raft_propose(cl->r, buf, (uint32_t)len);
	free(buf);
	if (index == -RAFT_EBUSY) {
		snprintf(msg, msglen, "the leader is handing over to another node: try again");
		return -EAGAIN;
	}
	if (index < 0) {
		snprintf(msg, msglen, "proposing failed: %s", strerror((int)-index));
		return index;
	}
	cl->proposals++;
	sovd_cltrace_proposed(cl, (uint64_t)index);
	sovd_cluster_mark(cl);
	return index;
}

int sovd_cluster_wait_entry(struct sovd_cluster *cl, int64_t index, struct sovd_client *c,
			    const struct nlmsghdr *req, sovd_wait_fn done, void *arg,
			    char *msg, size_t msglen)
{
	struct raft_status st;
	struct sovd_wait *w;

	w = sovd_cluster_wait(cl, SOVD_WAIT_PROPOSAL, c, req, done, arg);
	if (!w) {
		/* proposed all the same: say so rather than pretend it failed */
		snprintf(msg, msglen, "out of memory; entry %" PRId64 " may still be applied", index);
		return -ENOMEM;
	}
	raft_status(cl->r, &st);
	w->index = (uint64_t)index;
	w->term = st.hs.term;
	return 0;
}

int sovd_cluster_propose(struct sovd *d, struct sovd_client *c, const struct nlmsghdr *req,
			 const struct sov_kv_op *op, sovd_wait_fn done, void *arg,
			 char *msg, size_t msglen)
{
	struct sovd_cluster *cl = d->cluster;
	int64_t index = sovd_cluster_propose_op(cl, op, msg, msglen);

	if (index < 0)
		return (int)index;
	return sovd_cluster_wait_entry(cl, index, c, req, done, arg, msg, msglen);
}

void sovd_cluster_answer(struct sovd *d, struct sovd_client *c, const struct nlmsghdr *req,
			 void *arg, int err, const char *msg)
{
	unsigned char buf[512];
	size_t len;

	(void)d;
	(void)arg;
	if (!c || (!err && !(req->nlmsg_flags & NLM_F_ACK)))
		return;
	len = sov_nl_put_error(buf, sizeof(buf), req, err, err && msg && msg[0] ? msg : NULL);
	if (len)
		sovd_client_send(c, buf, len);
}

int sovd_cluster_read(struct sovd *d, struct sovd_client *c, const struct nlmsghdr *req,
		      sovd_wait_fn done, void *arg, char *msg, size_t msglen)
{
	struct sovd_cluster *cl = d->cluster;
	struct sovd_wait *w;

	if (cl->storage_err) {
		snprintf(msg, msglen, "this node's storage failed (%s): it serves no linearizable reads until it is restarted",
			 cl->storage_msg);
		return -EIO;
	}
	w = sovd_cluster_wait(cl, SOVD_WAIT_READ, c, req, done, arg);
	if (!w) {
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	w->ctx = ++cl->next_ctx;
	cl->reads++;
	issue_read(cl, w);
	return 0;
}

/* ---- the storage ------------------------------------------------------------------- */

static void storage_log(void *ctx, const char *msg)
{
	(void)ctx;
	log_warn("raft storage: %s", msg);
}

static void settle(struct sovd_cluster *cl);

static void storage_failed(struct sovd_cluster *cl, int err, const char *what)
{
	if (cl->storage_err)
		return;
	cl->storage_err = err;
	snprintf(cl->storage_msg, sizeof(cl->storage_msg), "%s: %s", what, strerror(-err));
	sovd_log(LOG_CRIT, "cluster: %s; this node stops acknowledging writes and voting until it is restarted",
		 cl->storage_msg);
	uv_timer_stop(&cl->tick);
	fail_all(cl, -EIO, "this node's storage failed: it acknowledges no writes until it is restarted");
}

int sovd_cluster_snapshot_now(struct sovd_cluster *cl)
{
	struct sovd_snapshot_rec rec = { .at_ns = realtime_ns() };
	uint64_t t0 = uv_hrtime();
	struct raft_snapshot snap;
	uint8_t *buf;
	size_t len;
	int ret;

	settle(cl);	/* the storage is ours alone again */
	if (cl->storage_err || cl->applied <= cl->snap_index)
		return 0;
	ret = sov_kv_snapshot(cl->kv, &buf, &len);
	if (ret)
		return ret;
	ret = raft_compact(cl->r, cl->applied, buf, len);
	if (ret) {	/* -EAGAIN: joined, and no configuration yet */
		free(buf);
		return ret;
	}
	raft_snapshot_meta(cl->r, &snap.meta);
	snap.len = len;
	snap.data = buf;
	ret = sov_raft_storage_snapshot(cl->st, &snap);
	free(buf);
	if (ret) {
		storage_failed(cl, ret, "writing a snapshot");
		return ret;
	}
	cl->snap_index = snap.meta.index;
	rec.index = snap.meta.index;
	rec.term = snap.meta.term;
	rec.bytes = len;
	rec.took_ns = uv_hrtime() - t0;
	sovd_history_snapshot(&cl->hist, &rec);
	log_info("cluster: snapshot at index %" PRIu64 " term %" PRIu64 ": %zu bytes, %zu keys",
		 rec.index, rec.term, len, sov_kv_count(cl->kv));
	return 0;
}

/* ---- applying ---------------------------------------------------------------------- */

static void retire(struct sovd_cluster *cl, raft_id_t id)
{
	unsigned int i;

	if (id == cl->o.conf.self)
		return;
	for (i = 0; i < cl->n_retire; i++)
		if (cl->retire[i].id == id)
			return;
	if (cl->n_retire < RAFT_MAX_NODES) {
		cl->retire[cl->n_retire].id = id;
		cl->retire[cl->n_retire++].at = uv_now(cl->d->loop) + RETIRE_MS;
	}
}

static void unretire(struct sovd_cluster *cl, raft_id_t id)
{
	unsigned int i;

	for (i = 0; i < cl->n_retire; i++)
		if (cl->retire[i].id == id)
			cl->retire[i] = cl->retire[--cl->n_retire];
}

static void retire_due(struct sovd_cluster *cl)
{
	uint64_t now = uv_now(cl->d->loop);
	unsigned int i = 0;

	while (i < cl->n_retire) {
		if (now < cl->retire[i].at) {
			i++;
			continue;
		}
		if (!sovd_peers_remove(cl->peers, cl->retire[i].id))
			log_info("cluster: node %" PRIu64 " left the configuration: its links are closed",
				 cl->retire[i].id);
		cl->retire[i] = cl->retire[--cl->n_retire];
	}
}

/* raft/node/ID = "ADDR:PORT": where a node added at run time is reached. */
static void node_key(struct sovd_cluster *cl, const char *key, const struct sov_kv_value *v)
{
	struct sov_cluster_addr a;
	struct sovd_peer_stats ps;
	char text[SOV_CLUSTER_ADDR_LEN + 1], err[200];
	raft_id_t id;
	char *end;

	id = strtoull(key + strlen(NODE_PREFIX), &end, 10);
	if (*end || !id || id == cl->o.conf.self || !cl->peers)
		return;
	if (!v) {
		retire(cl, id);
		return;
	}
	snprintf(text, sizeof(text), "%.*s", (int)v->len, (const char *)v->data);
	if (v->type != SOV_KV_STRING || sov_cluster_addr_parse(text, 0, &a, err, sizeof(err))) {
		log_warn("cluster: %s: '%s' is not an address; ignored", key, text);
		return;
	}
	unretire(cl, id);
	if (!sovd_peer_stats(cl->peers, id, &ps)) {
		if (!strcmp(ps.addr, a.text))
			return;
		sovd_peers_remove(cl->peers, id);
	}
	if (sovd_peers_add(cl->peers, id, (const struct sockaddr *)&a.sa) == 0)
		log_info("cluster: node %" PRIu64 " is at %s", id, a.text);
}

static void on_kv_change(void *ctx, const char *key, const struct sov_kv_value *v)
{
	struct sovd_cluster *cl = ctx;

	if (!strncmp(key, NODE_PREFIX, strlen(NODE_PREFIX)))
		node_key(cl, key, v);
	else if (!strncmp(key, SOVD_LB_KEY_PREFIX, strlen(SOVD_LB_KEY_PREFIX)))
		sovd_lb_cluster_key(cl->d, key, v);
	else if (!strncmp(key, SOVD_MODULE_KEY_PREFIX, strlen(SOVD_MODULE_KEY_PREFIX)))
		sovd_module_cluster_key(cl->d, key, v);
}

static int add_known_node(void *ctx, const char *key, const struct sov_kv_value *v,
			  uint64_t mod_index)
{
	(void)mod_index;
	node_key(ctx, key, v);
	return 0;
}

static void apply_conf(struct sovd_cluster *cl, const struct raft_entry *e)
{
	static const char *const what[] = { "a voter", "a learner", "removed" };
	struct raft_conf_change cc;

	if (raft_conf_decode(e->data, e->len, &cc))
		return;
	log_notice("cluster: node %" PRIu64 " %s%s (entry %" PRIu64 ")", cc.node,
		   cc.op == RAFT_CONF_REMOVE ? "" : "is now ", what[cc.op % 3], e->index);
	if (cc.op == RAFT_CONF_REMOVE)
		retire(cl, cc.node);
}

static void apply_entry(struct sovd_cluster *cl, const struct raft_entry *e)
{
	struct trace_span *sp = sovd_cltrace_apply_begin(cl, e);
	struct sov_kv_result res = { 0 };
	struct sovd_wait *w, *next;

	cl->applying = true;
	cl->apply_err = 0;
	cl->apply_msg[0] = '\0';
	if (e->type == RAFT_ENTRY_CONF) {
		apply_conf(cl, e);
	} else if (e->len) {	/* empty: a new leader's first entry */
		if (sov_kv_apply(cl->kv, e->index, e->data, e->len, &res) == -EINVAL)
			log_warn("cluster: entry %" PRIu64 " refused: %s", e->index, res.msg);
		sovd_lb_cluster_sync(cl->d);
	}
	cl->applying = false;
	cl->applied = e->index;
	sovd_cltrace_apply_end(cl, e, sp, res.err ? res.err : cl->apply_err,
			       res.err ? res.msg : cl->apply_msg);

	for (w = cl->waits; w; w = next) {
		next = w->next;
		if (w->kind != SOVD_WAIT_PROPOSAL || w->index != e->index)
			continue;
		if (w->term != e->term)
			finish(cl, w, -EAGAIN,
			       "leadership changed before the change committed (entry %" PRIu64 " of term %" PRIu64 " was replaced): it was not applied; try again",
			       w->index, w->term);
		else if (res.err)
			finish(cl, w, res.err, "%s", res.msg);
		else if (cl->apply_err)
			finish(cl, w, cl->apply_err, "%s", cl->apply_msg);
		else
			finish(cl, w, 0, NULL);
	}
}

static void apply_snapshot(struct sovd_cluster *cl, const struct raft_snapshot *s)
{
	struct sovd_snapshot_rec rec = {
		.at_ns = realtime_ns(), .index = s->meta.index, .term = s->meta.term,
		.bytes = s->len, .received = true,
	};
	uint64_t t0 = uv_hrtime();
	struct sovd_wait *w, *next;
	char msg[200];

	if (sov_kv_restore(cl->kv, s->data, s->len, msg, sizeof(msg)))
		log_err("cluster: the snapshot at index %" PRIu64 " does not restore: %s",
			s->meta.index, msg);
	sovd_lb_cluster_sync(cl->d);
	cl->applied = s->meta.index;
	cl->snap_index = s->meta.index;
	rec.took_ns = uv_hrtime() - t0;
	sovd_history_snapshot(&cl->hist, &rec);
	log_notice("cluster: caught up from the leader's snapshot at index %" PRIu64 " term %" PRIu64 " (%zu bytes)",
		   s->meta.index, s->meta.term, s->len);
	for (w = cl->waits; w; w = next) {
		next = w->next;
		if (w->kind == SOVD_WAIT_PROPOSAL && w->index <= s->meta.index)
			finish(cl, w, -ESTALE,
			       "this node lost leadership and caught up from a snapshot: whether entry %" PRIu64 " was applied is unknown; read the state to see",
			       w->index);
	}
}

/* After each Ready: reads whose point was reached, transfers that happened. */
static void complete_waits(struct sovd_cluster *cl, raft_id_t leader, bool leader_changed)
{
	struct sovd_wait *w, *next;

	for (w = cl->waits; w; w = next) {
		next = w->next;
		if (w->kind == SOVD_WAIT_READ) {
			if (w->have_index && cl->applied >= w->index)
				finish(cl, w, 0, NULL);
			else if (!w->have_index && leader_changed && leader)
				issue_read(cl, w);	/* lost with the old leader */
		} else if (w->kind == SOVD_WAIT_LEADER && leader == w->target) {
			finish(cl, w, 0, NULL);
		}
	}
}

static void send_msgs(struct sovd_cluster *cl, size_t upto)
{
	int ret;

	for (; cl->rd_sent < upto && !cl->storage_err; cl->rd_sent++) {
		struct raft_msg *m = &cl->rd.msgs[cl->rd_sent];

		sovd_cltrace_outgoing(cl, m);
		ret = sovd_peers_send(cl->peers, m);
		if (ret == -ENOENT)
			log_debug("cluster: no link to node %" PRIu64 " for a %s", m->to,
				  raft_msg_name(m->type));
	}
}

/* The Ready is durable (or the storage failed): promise, apply, answer. */
static void finish_ready(struct sovd_cluster *cl, int err)
{
	struct raft_ready *rd = &cl->rd;
	struct raft_status st;
	struct sovd_wait *w;
	bool leader_changed;
	size_t i;

	if (!err && !cl->storage_err)
		err = sov_raft_storage_done(cl->st, rd);
	sovd_cltrace_sync_done(cl, err);
	if (err)
		storage_failed(cl, err, "saving the log");
	/* a vote or an acknowledgement only once what it promises is durable */
	send_msgs(cl, rd->n_msgs);
	if (rd->snapshot)
		apply_snapshot(cl, rd->snapshot);
	for (i = 0; i < rd->n_committed; i++)
		apply_entry(cl, &rd->committed[i]);
	for (i = 0; i < rd->n_reads; i++)
		for (w = cl->waits; w; w = w->next)
			if (w->kind == SOVD_WAIT_READ && w->ctx == rd->reads[i].ctx) {
				w->index = rd->reads[i].index;
				w->have_index = true;
			}
	raft_status(cl->r, &st);
	leader_changed = rd->leader != cl->leader;
	if (leader_changed && rd->leader == cl->o.conf.self)
		log_notice("cluster: this node leads, term %" PRIu64, st.hs.term);
	else if (leader_changed && rd->leader)
		log_notice("cluster: node %" PRIu64 " leads, term %" PRIu64, rd->leader, st.hs.term);
	else if (leader_changed)
		log_info("cluster: no leader, term %" PRIu64, st.hs.term);
	cl->leader = rd->leader;
	sovd_history_soft(&cl->hist, rd->role, rd->leader, st.hs.term, cl->leader_seen_ns);
	complete_waits(cl, rd->leader, leader_changed);
	raft_advance(cl->r, rd);
	cl->rd_open = false;
	cl->rd_sent = 0;
	if (cl->o.snapshot_every && cl->applied >= cl->snap_index + cl->o.snapshot_every)
		sovd_cluster_snapshot_now(cl);
}

/*
 * Take a Ready and write it; its sync goes to the sync thread. A leader's
 * messages go out at once: its followers write in parallel with it (Raft
 * thesis 10.2.1). That is safe because the leader counts itself for an
 * entry it has not synced only until this Ready is finished, and all that
 * follows from such a count (a commit index in a message, an applied
 * entry, an answer) leaves in a later Ready, taken after this sync.
 */
static void start_ready(struct sovd_cluster *cl)
{
	struct raft_ready *rd = &cl->rd;
	int ret;

	raft_ready(cl->r, rd);
	cl->rd_open = true;
	cl->rd_sent = 0;
	cl->readies++;
	if (cl->storage_err) {
		finish_ready(cl, 0);
		return;
	}
	ret = sov_raft_storage_write(cl->st, rd);
	if (ret < 0) {
		finish_ready(cl, ret);
		return;
	}
	if (!rd->n_entries && !rd->hs_changed && !rd->snapshot) {
		finish_ready(cl, 0);
		return;
	}
	cl->syncs++;
	cl->synced_entries += rd->n_entries;
	if (rd->n_entries > cl->max_batch)
		cl->max_batch = rd->n_entries;
	if (rd->role == RAFT_LEADER)
		send_msgs(cl, rd->n_msgs);
	sovd_cltrace_sync_start(cl, rd);
	sovd_syncer_post(cl->sync);
}

static void on_synced(void *arg, int err)
{
	struct sovd_cluster *cl = arg;

	if (!cl->rd_open)
		return;
	finish_ready(cl, err);
	if (!cl->stopped)
		sovd_cluster_mark(cl);
}

/* Finish the Ready in flight now, waiting for its sync: before a snapshot, when stopping. */
static void settle(struct sovd_cluster *cl)
{
	if (cl->rd_open && cl->sync && sovd_syncer_busy(cl->sync))
		finish_ready(cl, sovd_syncer_wait(cl->sync));
}

static void on_check(uv_check_t *h)
{
	struct sovd_cluster *cl = h->data;
	int rounds;

	uv_idle_stop(&cl->idle);
	/* applying can propose or read again: a few rounds, then the next iteration */
	for (rounds = 0; rounds < 4 && !cl->rd_open && raft_has_ready(cl->r); rounds++)
		start_ready(cl);
	/* the sync's end marks the node again */
	if (!cl->rd_open && raft_has_ready(cl->r))
		sovd_cluster_mark(cl);
}

static void on_tick(uv_timer_t *t)
{
	struct sovd_cluster *cl = t->data;

	raft_tick(cl->r);
	expire_waits(cl);
	reissue_reads(cl);
	retire_due(cl);
	sovd_cluster_mark(cl);
}

/* A message from a peer; -1 makes the transport drop that link, logging @why. */
static int on_peer_msg(void *arg, const struct raft_msg *m, char *why, size_t whylen)
{
	struct sovd_cluster *cl = arg;
	int ret;

	if (cl->storage_err)
		return 0;	/* fenced: hears nothing, promises nothing */
	if (m->from == cl->leader)
		cl->leader_seen_ns = realtime_ns();
	sovd_cltrace_incoming(cl, m);
	if (m->type == RAFT_MSG_PREVOTE || m->type == RAFT_MSG_PREVOTE_RESP ||
	    m->type == RAFT_MSG_VOTE || m->type == RAFT_MSG_VOTE_RESP)
		log_debug("cluster: %s%s from node %" PRIu64 ", term %" PRIu64,
			  raft_msg_name(m->type), m->reject ? " (refused)" : "", m->from, m->term);
	ret = raft_step(cl->r, m);
	if (ret == -EINVAL) {
		cl->refused_msgs++;
		snprintf(why, whylen, "raft refused a malformed %s (term %" PRIu64 ")",
			 raft_msg_name(m->type), m->term);
		return -1;
	}
	sovd_cluster_mark(cl);
	return 0;
}

/* ---- start and stop ---------------------------------------------------------------- */

static int mkdir_p(const char *dir)
{
	char path[256], *p;

	snprintf(path, sizeof(path), "%s", dir);
	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(path, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/* The identity the data dir has, or the one it gets now. */
static int identify(struct sovd_cluster *cl, const struct raft_boot *boot)
{
	const struct sov_cluster_conf *conf = &cl->o.conf;
	struct sovd_ident *id = &cl->ident;
	char err[300];
	size_t i;
	int ret;

	ret = sovd_ident_load(cl->data_dir, id, err, sizeof(err));
	if (ret == 0) {
		if (strcmp(id->cluster_id, conf->cluster_id) || id->node != conf->self) {
			log_err("cluster: the data dir %s belongs to node %" PRIu64 " of cluster \"%s\", this is node %" PRIu64 " of \"%s\": refusing to start",
				cl->data_dir, id->node, id->cluster_id, conf->self, conf->cluster_id);
			return -EINVAL;
		}
		return 0;
	}
	if (ret != -ENOENT) {
		log_err("cluster: %s", err);
		return ret;
	}
	if (boot->hs.term || boot->n_entries || boot->snapshot) {
		log_err("cluster: the data dir %s holds a log but no identity file: refusing to guess whose it is",
			cl->data_dir);
		return -EINVAL;
	}
	snprintf(id->cluster_id, sizeof(id->cluster_id), "%s", conf->cluster_id);
	id->node = conf->self;
	/* a new cluster starts with every listed node voting; a joining node with nothing */
	for (i = 0; !cl->o.join && i < conf->n_nodes; i++)
		id->initial.voters[id->initial.n_voters++] = conf->nodes[i].id;
	ret = sovd_ident_save(cl->data_dir, id, err, sizeof(err));
	if (ret)
		log_err("cluster: %s", err);
	return ret;
}

static int boot_node(struct sovd_cluster *cl)
{
	struct sov_raft_storage_opts so = { .log = storage_log };
	struct raft_config cfg;
	struct raft_boot boot;
	char err[300];
	int ret;

	ret = mkdir_p(cl->data_dir);
	if (ret) {
		log_err("cluster: cannot create the data dir %s: %s", cl->data_dir, strerror(-ret));
		return ret;
	}
	ret = sov_raft_storage_open(cl->data_dir, &so, &cl->st, &boot, err, sizeof(err));
	if (ret) {
		log_err("cluster: %s: %s", cl->data_dir, ret == -EBUSY ?
			"in use by another process" : err);
		return ret;
	}
	ret = identify(cl, &boot);
	if (ret)
		return ret;
	boot.initial = cl->ident.initial.n_voters ? &cl->ident.initial : NULL;
	if (boot.snapshot) {
		ret = sov_kv_restore(cl->kv, boot.snapshot->data, boot.snapshot->len, err,
				     sizeof(err));
		if (ret) {
			log_err("cluster: the snapshot at index %" PRIu64 " does not restore: %s",
				boot.snapshot->meta.index, err);
			return ret;
		}
		cl->applied = cl->snap_index = boot.snapshot->meta.index;
		sovd_lb_cluster_sync(cl->d);	/* the load balancer starts from it */
	}
	raft_config_default(&cfg, cl->o.conf.self, uv_hrtime() ^ ((uint64_t)getpid() << 32));
	cfg.election_ticks = cl->o.election_ticks;
	cfg.heartbeat_ticks = cl->o.heartbeat_ticks;
	cl->r = raft_new(&cfg, &boot, &ret);
	if (!cl->r) {
		log_err("cluster: cannot start Raft from %s: %s", cl->data_dir,
			ret == -EINVAL ? "its state contradicts itself (or the tick settings are wrong)" :
			strerror(-ret));
		return ret;
	}
	log_notice("cluster: node %" PRIu64 " of \"%s\", data in %s: term %" PRIu64 ", commit %" PRIu64 ", %zu entries after snapshot %" PRIu64 "%s",
		   cl->o.conf.self, cl->o.conf.cluster_id, cl->data_dir, boot.hs.term, boot.hs.commit,
		   boot.n_entries, cl->snap_index,
		   boot.initial || boot.snapshot ? "" : "; joining: waits for a snapshot from the leader");
	return 0;
}

int sovd_cluster_start(struct sovd *d, const struct sovd_cluster_opts *o)
{
	struct sovd_cluster *cl = calloc(1, sizeof(*cl));
	int ret;

	if (!cl)
		return -ENOMEM;
	cl->d = d;
	cl->o = *o;
	snprintf(cl->data_dir, sizeof(cl->data_dir), "%s", o->data_dir);
	cl->o.data_dir = cl->data_dir;
	cl->leader = 0;
	d->cluster = cl;
	if (sovd_cltrace_init(cl))
		log_warn("cluster: out of memory: Raft spans off");
	cl->kv = sov_kv_new();
	if (!cl->kv) {
		ret = -ENOMEM;
		goto fail;
	}
	/* watchers see the boot snapshot too: the load balancer starts from it */
	sov_kv_watch(cl->kv, on_kv_change, cl);
	ret = boot_node(cl);
	if (ret)
		goto fail;
	cl->peers = sovd_peers_from_conf(d->loop, &cl->o.conf, on_peer_msg, cl, &ret);
	if (!cl->peers) {
		log_err("cluster: cannot start the peer links: %s", strerror(-ret));
		goto fail;
	}
	ret = sovd_syncer_new(d->loop, cl->st, on_synced, cl, &cl->sync);
	if (ret) {
		log_err("cluster: cannot start the sync thread: %s", uv_strerror(ret));
		goto fail;
	}
	sov_kv_walk(cl->kv, NODE_PREFIX, add_known_node, cl);
	uv_timer_init(d->loop, &cl->tick);
	uv_check_init(d->loop, &cl->check);
	uv_idle_init(d->loop, &cl->idle);
	cl->tick.data = cl->check.data = cl->idle.data = cl;
	uv_timer_start(&cl->tick, on_tick, cl->o.tick_ms, cl->o.tick_ms);
	uv_check_start(&cl->check, on_check);
	/* the first election: from the start to the first leader */
	sovd_history_soft(&cl->hist, RAFT_FOLLOWER, 0, 0, 0);
	sovd_cluster_mark(cl);
	return 0;
fail:
	sovd_cluster_free(d);
	return ret ? ret : -EINVAL;
}

void sovd_cluster_stop(struct sovd *d)
{
	struct sovd_cluster *cl = d->cluster;

	if (!cl || cl->stopped || !cl->r)
		return;
	settle(cl);
	sovd_syncer_free(cl->sync);
	cl->sync = NULL;
	cl->stopped = true;
	/* clients are closing: nobody to answer */
	while (cl->waits) {
		cl->waits->c = NULL;
		finish(cl, cl->waits, -ESHUTDOWN, "sovereignd is stopping");
	}
	sovd_cltrace_free(cl);
	uv_close((uv_handle_t *)&cl->tick, NULL);
	uv_close((uv_handle_t *)&cl->check, NULL);
	uv_close((uv_handle_t *)&cl->idle, NULL);
	sovd_peers_close(cl->peers);
	cl->peers = NULL;
}

void sovd_cluster_free(struct sovd *d)
{
	struct sovd_cluster *cl = d->cluster;

	if (!cl)
		return;
	if (cl->sync) {
		settle(cl);
		sovd_syncer_free(cl->sync);
	}
	if (cl->rd_open)
		raft_advance(cl->r, &cl->rd);
	sovd_cltrace_free(cl);
	if (cl->peers)
		sovd_peers_close(cl->peers);
	raft_free(cl->r);
	if (cl->st)
		sov_raft_storage_close(cl->st);
	sov_kv_free(cl->kv);
	free(cl);
	d->cluster = NULL;
}
