// SPDX-License-Identifier: GPL-2.0
/*
 * Spans of the Raft path (cluster_trace.h): a proposal, the APPEND that
 * carries it to each follower, the log sync on every node, the apply on
 * every node. The leader puts a head-sampled proposal's trace context on the
 * APPEND (SOV_A_RAFT_TRACE); a follower's spans hang under it, so one client
 * request is one trace across the nodes.
 *
 * Entries are followed by index in a small table: a slot per index modulo
 * its size, overwritten (and counted) when a newer traced entry needs it.
 * An APPEND carries one context: that of its first traced entry.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster_internal.h"
#include "cluster_sync.h"
#include "cluster_trace.h"
#include "sovereignd.h"

#define SLOTS		1024
#define MAX_APPENDS	64	/* follower APPEND spans waiting for their sync */

struct slot {
	uint64_t index;			/* 0: free */
	struct trace_ctx ctx;		/* what its spans hang under */
	struct trace_span *propose;	/* leader: the proposal's span */
};

struct sovd_cltrace {
	struct slot slot[SLOTS];
	struct trace_span *stepped[MAX_APPENDS];	/* APPENDs not in a Ready yet */
	unsigned int n_stepped;
	struct trace_span *syncing[MAX_APPENDS];	/* APPENDs in the Ready being synced */
	unsigned int n_syncing;
	struct trace_span *sync;			/* that Ready's log sync */
	pid_t sync_tid;
	struct trace_span *saved_cur;			/* around an apply */
};

int sovd_cltrace_init(struct sovd_cluster *cl)
{
	if (!cl->d->trace)
		return 0;
	cl->tr = calloc(1, sizeof(*cl->tr));
	return cl->tr ? 0 : -1;
}

static void free_slot(struct sovd_cluster *cl, struct slot *s, int err)
{
	if (s->propose)
		sovd_span_end(cl->d, s->propose, err, NULL);
	memset(s, 0, sizeof(*s));
}

void sovd_cltrace_free(struct sovd_cluster *cl)
{
	struct sovd_cltrace *tr = cl->tr;
	unsigned int i;

	if (!tr)
		return;
	for (i = 0; i < SLOTS; i++)
		free_slot(cl, &tr->slot[i], -ECANCELED);
	for (i = 0; i < tr->n_stepped; i++)
		sovd_span_end(cl->d, tr->stepped[i], -ECANCELED, NULL);
	for (i = 0; i < tr->n_syncing; i++)
		sovd_span_end(cl->d, tr->syncing[i], -ECANCELED, NULL);
	sovd_span_end(cl->d, tr->sync, -ECANCELED, NULL);
	free(tr);
	cl->tr = NULL;
}

static struct slot *lookup(struct sovd_cltrace *tr, uint64_t index)
{
	struct slot *s = &tr->slot[index % SLOTS];

	return s->index == index ? s : NULL;
}

static struct slot *claim(struct sovd_cluster *cl, uint64_t index)
{
	struct slot *s = &cl->tr->slot[index % SLOTS];

	if (s->index && s->index != index) {
		sovd_trace_count(cl->d, SOVD_TC_UNTRACKED);
		free_slot(cl, s, 0);
	}
	s->index = index;
	return s;
}

void sovd_cltrace_proposed(struct sovd_cluster *cl, uint64_t index)
{
	struct trace_span *sp;
	struct slot *s;

	if (!cl->tr || !sovd_trace_current(cl->d))
		return;
	sp = sovd_span_child(cl->d, NULL, "raft.propose", TRACE_KIND_INTERNAL);
	if (!sp)
		return;
	trace_span_attr_int(sp, "raft.index", (int64_t)index);
	trace_span_attr_int(sp, "raft.node", (int64_t)cl->o.conf.self);
	s = claim(cl, index);
	if (s->propose)	/* proposed again at the same index: a new term */
		sovd_span_end(cl->d, s->propose, -ECANCELED, NULL);
	s->propose = sp;
	trace_span_ctx(sp, &s->ctx);
}

void sovd_cltrace_outgoing(struct sovd_cluster *cl, struct raft_msg *m)
{
	struct slot *s;
	size_t i;

	if (!cl->tr || m->type != RAFT_MSG_APPEND)
		return;
	/*
	 * Head-sampled traces only: every node keeps those. An unsampled
	 * trace is kept, if at all, by the tail rules of the node that saw the
	 * error or the slowness, which cannot know what the others will decide;
	 * following it on the followers would cost every write their spans for
	 * parts that are dropped but for a follower's own rare error.
	 */
	for (i = 0; i < m->n_entries; i++) {
		s = lookup(cl->tr, m->entries[i].index);
		if (s && (s->ctx.flags & TRACE_FLAG_SAMPLED)) {
			trace_ctx_to_bin(&s->ctx, m->trace);
			m->trace_len = TRACE_CTX_BIN_LEN;
			return;
		}
	}
}

void sovd_cltrace_incoming(struct sovd_cluster *cl, const struct raft_msg *m)
{
	struct sovd_cltrace *tr = cl->tr;
	struct trace_span *sp;
	struct trace_ctx ctx;
	struct slot *s;
	size_t i;

	if (!tr || !m->trace_len)
		return;
	/* a malformed context is counted and ignored: the message itself is fine */
	if (!sovd_trace_ctx_parse(cl->d, m->trace, m->trace_len, &ctx))
		return;
	if (m->type != RAFT_MSG_APPEND || !m->n_entries)
		return;
	sp = sovd_span_begin(cl->d, &ctx, "raft.append", TRACE_KIND_SERVER);
	if (!sp)
		return;
	trace_span_attr_int(sp, "raft.index", (int64_t)m->entries[0].index);
	trace_span_attr_int(sp, "raft.entries", (int64_t)m->n_entries);
	trace_span_attr_int(sp, "raft.from", (int64_t)m->from);
	trace_span_attr_int(sp, "raft.node", (int64_t)cl->o.conf.self);
	if (tr->n_stepped == MAX_APPENDS) {
		sovd_span_end(cl->d, sp, 0, NULL);
		sovd_trace_count(cl->d, SOVD_TC_UNTRACKED);
		return;
	}
	tr->stepped[tr->n_stepped++] = sp;
	trace_span_ctx(sp, &ctx);
	for (i = 0; i < m->n_entries; i++) {
		s = lookup(tr, m->entries[i].index);
		/* a resent APPEND: the entry stays under the one that brought it */
		if (s && !s->propose && trace_id_eq(&s->ctx.trace_id, &ctx.trace_id))
			continue;
		s = claim(cl, m->entries[i].index);
		if (s->propose)	/* a former leader's proposal, overwritten */
			free_slot(cl, s, -ECANCELED);
		s->index = m->entries[i].index;
		s->ctx = ctx;
	}
}

void sovd_cltrace_sync_start(struct sovd_cluster *cl, const struct raft_ready *rd)
{
	struct sovd_cltrace *tr = cl->tr;
	struct slot *s = NULL;
	size_t i;

	if (!tr)
		return;
	memcpy(tr->syncing + tr->n_syncing, tr->stepped, tr->n_stepped * sizeof(*tr->stepped));
	tr->n_syncing += tr->n_stepped;
	tr->n_stepped = 0;
	for (i = 0; i < rd->n_entries && !s; i++)
		s = lookup(tr, rd->entries[i].index);
	/*
	 * Head-sampled traces only: the span is there to hold the sync's kernel
	 * spans, which only sampled traces get; the log's latency is in
	 * sovctl raft status, and the sync is part of raft.append and
	 * raft.propose anyway.
	 */
	if (!s || tr->sync || !(s->ctx.flags & TRACE_FLAG_SAMPLED))
		return;
	tr->sync = sovd_span_begin(cl->d, &s->ctx, "raft.sync", TRACE_KIND_INTERNAL);
	trace_span_attr_int(tr->sync, "raft.entries", (int64_t)rd->n_entries);
	trace_span_attr_int(tr->sync, "raft.node", (int64_t)cl->o.conf.self);
	/* the fdatasync's system calls are this span's kernel children */
	tr->sync_tid = sovd_syncer_tid(cl->sync);
	if (tr->sync_tid)
		sovd_trace_thread_set(cl->d, tr->sync_tid, tr->sync);
}

void sovd_cltrace_sync_done(struct sovd_cluster *cl, int err)
{
	struct sovd_cltrace *tr = cl->tr;
	unsigned int i;

	if (!tr)
		return;
	if (tr->sync) {
		if (tr->sync_tid)
			sovd_trace_thread_clear(cl->d, tr->sync_tid);
		sovd_span_end(cl->d, tr->sync, err, err ? "the log could not be saved" : NULL);
		tr->sync = NULL;
	}
	/* a follower's acknowledgement leaves now: its APPEND is done */
	for (i = 0; i < tr->n_syncing; i++)
		sovd_span_end(cl->d, tr->syncing[i], err, err ? "the log could not be saved" : NULL);
	tr->n_syncing = 0;
}

struct trace_span *sovd_cltrace_apply_begin(struct sovd_cluster *cl, const struct raft_entry *e)
{
	struct sovd_cltrace *tr = cl->tr;
	struct trace_span *sp;
	struct slot *s;

	if (!tr)
		return NULL;
	s = lookup(tr, e->index);
	if (!s)
		return NULL;
	sp = sovd_span_begin(cl->d, &s->ctx, "raft.apply", TRACE_KIND_INTERNAL);
	if (!sp)
		return NULL;
	trace_span_attr_int(sp, "raft.index", (int64_t)e->index);
	trace_span_attr_int(sp, "raft.node", (int64_t)cl->o.conf.self);
	/* what applying does (the load balancer's update) hangs under it */
	tr->saved_cur = sovd_trace_set_current(cl->d, sp);
	sovd_trace_thread_set(cl->d, sovd_gettid(), sp);
	return sp;
}

void sovd_cltrace_apply_end(struct sovd_cluster *cl, const struct raft_entry *e,
			    struct trace_span *sp, int err, const char *msg)
{
	struct sovd_cltrace *tr = cl->tr;
	struct slot *s;

	if (!tr)
		return;
	if (sp) {
		sovd_trace_thread_clear(cl->d, sovd_gettid());
		sovd_trace_set_current(cl->d, tr->saved_cur);
		tr->saved_cur = NULL;
		sovd_span_end(cl->d, sp, err, msg);
	}
	s = lookup(tr, e->index);
	if (s)	/* the leader's proposal span ends with its apply: propose -> commit */
		free_slot(cl, s, err);
}
