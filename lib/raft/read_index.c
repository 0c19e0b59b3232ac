// SPDX-License-Identifier: GPL-2.0
/*
 * lib/raft: ReadIndex (Raft thesis 6.4). The leader notes its commit index,
 * then proves it still leads by a heartbeat round that a quorum answers; a
 * read served once the state machine applied that index is linearizable.
 * A fresh leader does not know the commit index until an entry of its own
 * term commits, so reads wait for that.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "raft_internal.h"

bool raft_committed_in_term(const struct raft *r)
{
	return raft_log_match(&r->log, r->log.committed, r->term);
}

static int push(struct raft_read_req **a, size_t *n, size_t *cap,
		const struct raft_read_req *q)
{
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 8;
		struct raft_read_req *p = realloc(*a, c * sizeof(*p));

		if (!p)
			return -ENOMEM;
		*a = p;
		*cap = c;
	}
	(*a)[(*n)++] = *q;
	return 0;
}

/* A read state for the application, in the next Ready. */
int raft_read_push(struct raft *r, uint64_t ctx, uint64_t index)
{
	if (r->n_rs == r->cap_rs) {
		size_t cap = r->cap_rs ? 2 * r->cap_rs : 8;
		struct raft_read_state *rs = realloc(r->rs, cap * sizeof(*rs));

		if (!rs)
			return -ENOMEM;	/* lost like a message: the caller retries */
		r->rs = rs;
		r->cap_rs = cap;
	}
	r->rs[r->n_rs].ctx = ctx;
	r->rs[r->n_rs++].index = index;
	return 0;
}

/* To this node's application, or to the follower that asked. */
static void deliver(struct raft *r, uint64_t ctx, uint64_t index, raft_id_t from)
{
	struct raft_msg *m;

	if (from == r->cfg.id) {
		raft_read_push(r, ctx, index);
		return;
	}
	m = raft_msg_new(r, RAFT_MSG_READ_INDEX_RESP, from);
	if (m) {
		m->ctx = ctx;
		m->index = index;
	}
}

static bool sole_voter(const struct raft *r)
{
	return r->conf.n_voters == 1 && raft_conf_is_voter(&r->conf, r->cfg.id);
}

/* One heartbeat round confirms all of @reqs. */
static void start_round(struct raft *r, const struct raft_read_req *reqs, size_t n)
{
	uint64_t round = ++r->read_round;
	size_t i;

	for (i = 0; i < n; i++) {
		struct raft_read_req q = {
			.ctx = reqs[i].ctx,
			.index = r->log.committed,
			.round = round,
			.from = reqs[i].from,
		};

		if (sole_voter(r))
			deliver(r, q.ctx, q.index, q.from);
		else
			push(&r->rq, &r->n_rq, &r->cap_rq, &q);
	}
	if (!sole_voter(r))
		raft_bcast_heartbeat(r, round);
}

void raft_read_leader(struct raft *r, uint64_t ctx, raft_id_t from)
{
	struct raft_read_req q = { .ctx = ctx, .from = from };

	if (!raft_committed_in_term(r)) {
		push(&r->rwait, &r->n_rwait, &r->cap_rwait, &q);
		return;
	}
	start_round(r, &q, 1);
}

/* Our first entry of the term committed: the reads that waited for it go. */
void raft_read_commit_in_term(struct raft *r)
{
	struct raft_read_req *w = r->rwait;
	size_t n = r->n_rwait;

	if (!n || !raft_committed_in_term(r))
		return;
	r->rwait = NULL;
	r->n_rwait = 0;
	r->cap_rwait = 0;
	start_round(r, w, n);
	free(w);
}

static bool answered(const struct raft_progress *pr, uint64_t round)
{
	return pr->read_ack >= round;
}

/* A round is confirmed once a quorum of voters answered it or a later one. */
static bool confirmed(struct raft *r, uint64_t round)
{
	return raft_quorum_has(r, answered, round);
}

void raft_read_ack(struct raft *r, struct raft_progress *pr, uint64_t round)
{
	size_t done = 0;

	if (round > pr->read_ack)
		pr->read_ack = round;
	while (done < r->n_rq && confirmed(r, r->rq[done].round)) {
		deliver(r, r->rq[done].ctx, r->rq[done].index, r->rq[done].from);
		done++;
	}
	if (!done)
		return;
	memmove(r->rq, r->rq + done, (r->n_rq - done) * sizeof(*r->rq));
	r->n_rq -= done;
}

/* Leadership lost: the pending reads will never be answered. */
void raft_read_reset(struct raft *r)
{
	r->n_rq = 0;
	r->n_rwait = 0;
}
