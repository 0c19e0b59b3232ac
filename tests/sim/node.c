// SPDX-License-Identifier: GPL-2.0
/*
 * tests/sim: one node driven as sovereignd drives it. On each Ready: check
 * it, write it to the simulated disk, wait for the fsync (a slow disk makes
 * that long), only then send its messages, apply its snapshot and committed
 * entries to the key-value store, serve the reads whose index is applied,
 * and raft_advance(). While the fsync is pending the node is busy: inputs
 * queue up and are handed to raft together afterwards (group commit), as in
 * a daemon whose loop is blocked on the disk. Seeds with a "pipeline"
 * profile step raft in the meantime instead (lib/raft allows it between
 * raft_ready() and raft_advance()); only the next Ready waits. There a
 * leader also sends its messages before the fsync, as sovereignd does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

struct sim_node *node_by_id(struct sim *w, raft_id_t id)
{
	return id && id <= w->n_slots ? &w->nodes[id - 1] : NULL;
}

bool node_idle(const struct sim_node *n)
{
	return n->state == NODE_UP && !n->busy;
}

/* the node that is leader in the highest term, if it is up */
struct sim_node *node_leader(struct sim *w)
{
	struct sim_node *best = NULL;
	uint32_t i;

	for (i = 0; i < w->n_slots; i++) {
		struct sim_node *n = &w->nodes[i];

		if (n->state == NODE_UP && n->role == RAFT_LEADER &&
		    (!best || n->hs.term > best->hs.term))
			best = n;
	}
	return best;
}

static void remove_id(raft_id_t *ids, uint32_t *n, raft_id_t id)
{
	uint32_t i, j;

	for (i = j = 0; i < *n; i++)
		if (ids[i] != id)
			ids[j++] = ids[i];
	*n = j;
}

bool conf_has(const struct raft_conf *c, raft_id_t id, bool *voter)
{
	uint32_t i;

	for (i = 0; i < c->n_voters; i++)
		if (c->voters[i] == id) {
			*voter = true;
			return true;
		}
	for (i = 0; i < c->n_learners; i++)
		if (c->learners[i] == id) {
			*voter = false;
			return true;
		}
	return false;
}

/* what a CONF entry does to the configuration, as the application tracks it for snapshots */
void conf_apply(struct raft_conf *c, const struct raft_conf_change *cc)
{
	bool voter;

	switch (cc->op) {
	case RAFT_CONF_ADD_VOTER:
		remove_id(c->learners, &c->n_learners, cc->node);
		if (!conf_has(c, cc->node, &voter) && c->n_voters < RAFT_MAX_NODES)
			c->voters[c->n_voters++] = cc->node;
		break;
	case RAFT_CONF_ADD_LEARNER:
		remove_id(c->voters, &c->n_voters, cc->node);
		if (!conf_has(c, cc->node, &voter) && c->n_learners < RAFT_MAX_NODES)
			c->learners[c->n_learners++] = cc->node;
		break;
	case RAFT_CONF_REMOVE:
		remove_id(c->voters, &c->n_voters, cc->node);
		remove_id(c->learners, &c->n_learners, cc->node);
		break;
	}
}

void node_create(struct sim *w, uint32_t slot)
{
	struct sim_node *n = &w->nodes[slot];

	memset(n, 0, sizeof(*n));
	n->slot = slot;
	n->id = slot + 1;
	n->state = NODE_DOWN;
	/* clocks run at slightly different rates */
	n->tick_period = SIM_TICK + rng_range(&w->rng, -SIM_TICK / 20, SIM_TICK / 20);
	n->disk.fsync_min = 20;
	n->disk.fsync_max = 500;
	if (slot >= w->n_slots)
		w->n_slots = slot + 1;
}

void node_boot(struct sim *w, struct sim_node *n)
{
	struct raft_config cfg = w->prof.raft;
	struct raft_entry *ents;
	struct raft_boot boot;
	int err = 0;

	cfg.id = n->id;
	cfg.seed = mix64(w->p.seed ^ (n->id << 40) ^ n->incarnation);
	disk_boot(&n->disk, &boot, &ents);
	boot.initial = &w->genesis;
	n->r = raft_new(&cfg, &boot, &err);
	free(ents);
	if (!n->r) {
		sim_fail(w, "n%llu: raft_new from its disk failed: %d", (unsigned long long)n->id,
			 err);
		return;
	}
	kv_free(&n->kv);
	n->applied = n->applied_chain = n->compacted = 0;
	n->conf = w->genesis;
	if (n->disk.has_snap) {
		if (kv_decode(&n->kv, n->disk.snap.data, n->disk.snap.len))
			sim_fail(w, "n%llu: snapshot on disk does not decode", (unsigned long long)n->id);
		n->applied = n->compacted = n->disk.snap.meta.index;
		n->applied_chain = n->disk.snap_chain;
		n->conf = n->disk.snap.meta.conf;
	}
	n->hs = n->disk.hs;
	n->commit_checked = n->applied;
	n->role = RAFT_FOLLOWER;
	n->leader = 0;
	n->busy = false;
	n->ticks_owed = 0;
	n->state = NODE_UP;
	inv_restored(w, n);
	ev_push(w, w->now + rng_range(&w->rng, 1, n->tick_period), EV_TICK, n->slot,
		n->incarnation, NULL);
	sim_log(w, 1, "n%llu up (term %llu, commit %llu, log [%llu, %llu])",
		(unsigned long long)n->id, (unsigned long long)n->hs.term,
		(unsigned long long)n->hs.commit, (unsigned long long)disk_first(&n->disk),
		(unsigned long long)disk_last(&n->disk));
	node_pump(w, n);
}

/* the process dies: raft's memory, the state machine, queued inputs are gone */
void node_crash(struct sim *w, struct sim_node *n, bool keep_unsynced)
{
	size_t i;

	if (n->state != NODE_UP)
		return;
	if (n->busy) {
		disk_crash(&n->disk, keep_unsynced);
		raft_advance(n->r, &n->rd);	/* only to release the Ready's memory */
	}
	raft_free(n->r);
	n->r = NULL;
	n->busy = false;
	n->rd_sent = 0;
	kv_free(&n->kv);
	for (i = 0; i < n->n_in; i++) {
		struct node_input *in = &n->in[i];

		if (in->kind == IN_MSG)
			net_msg_free(in->msg);
		else if (in->kind == IN_WRITE)
			client_refused(w, in->client, in->attempt, 0);	/* never proposed */
		else
			client_unknown(w, in->client, in->attempt);
	}
	for (i = 0; i < n->n_pw; i++)
		client_unknown(w, n->pw[i].client, n->pw[i].attempt);
	for (i = 0; i < n->n_pr; i++)
		client_unknown(w, n->pr[i].client, n->pr[i].attempt);
	n->n_in = n->n_pw = n->n_pr = 0;
	n->state = NODE_DOWN;
	n->incarnation++;
}

void node_retire(struct sim *w, struct sim_node *n)
{
	node_crash(w, n, true);
	n->state = NODE_GONE;
	sim_log(w, 1, "n%llu retired", (unsigned long long)n->id);
}

void node_destroy(struct sim_node *n)
{
	size_t i;

	if (n->r && n->busy)
		raft_advance(n->r, &n->rd);
	raft_free(n->r);
	n->r = NULL;
	for (i = 0; i < n->n_in; i++)
		if (n->in[i].kind == IN_MSG)
			net_msg_free(n->in[i].msg);
	free(n->in);
	free(n->pw);
	free(n->pr);
	kv_free(&n->kv);
	disk_free(&n->disk);
}

static void do_input(struct sim *w, struct sim_node *n, const struct node_input *in)
{
	int64_t idx;
	int rc;

	switch (in->kind) {
	case IN_MSG:
		rc = raft_step(n->r, &in->msg->m);
		if (rc < 0)
			sim_fail(w, "n%llu: raft_step(%s from n%llu, term %llu) = %d",
				 (unsigned long long)n->id, raft_msg_name(in->msg->m.type),
				 (unsigned long long)in->msg->m.from,
				 (unsigned long long)in->msg->m.term, rc);
		net_msg_free(in->msg);
		break;
	case IN_WRITE:
		idx = raft_propose(n->r, in->cmd, KV_CMD_LEN);
		if (idx > 0) {
			uint64_t token;
			uint32_t key;
			uint8_t op;

			kv_cmd_parse(in->cmd, KV_CMD_LEN, &op, &key, &token);
			ARRAY_RESERVE(n->pw, n->cap_pw, n->n_pw + 1);
			n->pw[n->n_pw++] = (struct pending_write){ (uint64_t)idx, token, in->client,
								   in->attempt };
		} else if (idx == -ENOMEM) {
			sim_fail(w, "n%llu: raft_propose: ENOMEM", (unsigned long long)n->id);
		} else {
			client_refused(w, in->client, in->attempt, raft_leader(n->r));
		}
		break;
	case IN_READ:
		rc = raft_read_index(n->r, in->ctx);
		if (rc < 0) {
			client_refused(w, in->client, in->attempt, raft_leader(n->r));
			break;
		}
		ARRAY_RESERVE(n->pr, n->cap_pr, n->n_pr + 1);
		n->pr[n->n_pr++] = (struct pending_read){ .ctx = in->ctx, .key = in->key,
							  .client = in->client,
							  .attempt = in->attempt };
		break;
	}
}

static void apply_snapshot(struct sim *w, struct sim_node *n, const struct raft_snapshot *s)
{
	size_t i, j;

	if (s->meta.index < n->applied) {
		sim_fail(w, "n%llu: raft applies snapshot %llu behind applied %llu",
			 (unsigned long long)n->id, (unsigned long long)s->meta.index,
			 (unsigned long long)n->applied);
		return;
	}
	if (kv_decode(&n->kv, s->data, s->len)) {
		sim_fail(w, "n%llu: snapshot %llu does not decode", (unsigned long long)n->id,
			 (unsigned long long)s->meta.index);
		return;
	}
	n->applied = n->compacted = s->meta.index;
	n->applied_chain = n->disk.snap_chain;
	n->conf = s->meta.conf;
	inv_restored(w, n);
	sim_log(w, 1, "n%llu installs snapshot %llu term %llu (%zu bytes)",
		(unsigned long long)n->id, (unsigned long long)s->meta.index,
		(unsigned long long)s->meta.term, s->len);
	/* writes the snapshot jumped over: whether they made it is not known here */
	for (i = j = 0; i < n->n_pw; i++) {
		if (n->pw[i].index <= n->applied)
			client_unknown(w, n->pw[i].client, n->pw[i].attempt);
		else
			n->pw[j++] = n->pw[i];
	}
	n->n_pw = j;
}

static void apply_entry(struct sim *w, struct sim_node *n, const struct raft_entry *e)
{
	struct raft_conf_change cc;
	uint64_t token = 0;
	bool is_kv = false;
	uint32_t key;
	size_t i, j;
	uint8_t op;

	if (e->index != n->applied + 1) {
		sim_fail(w, "n%llu: applies entry %llu after %llu", (unsigned long long)n->id,
			 (unsigned long long)e->index, (unsigned long long)n->applied);
		return;
	}
	n->applied_chain = chain_step(n->applied_chain, e->term, e->type, e->data, e->len);
	n->applied = e->index;
	if (e->type == RAFT_ENTRY_NORMAL && e->len) {
		is_kv = !kv_cmd_parse(e->data, e->len, &op, &key, &token);
		if (is_kv)
			sim_log(w, 4, "n%llu applies %llu: %s key %u token %llu",
				(unsigned long long)n->id, (unsigned long long)e->index,
				op == KV_PUT ? "put" : "append", key, (unsigned long long)token);
		if (!is_kv || kv_apply(&n->kv, e->data, e->len))
			sim_fail(w, "n%llu: entry %llu is no command of ours",
				 (unsigned long long)n->id, (unsigned long long)e->index);
	} else if (e->type == RAFT_ENTRY_CONF) {
		if (raft_conf_decode(e->data, e->len, &cc)) {
			sim_fail(w, "n%llu: CONF entry %llu does not decode",
				 (unsigned long long)n->id, (unsigned long long)e->index);
		} else {
			conf_apply(&n->conf, &cc);
			if (cc.op == RAFT_CONF_REMOVE)
				nemesis_removed(w, cc.node);
		}
	}
	inv_applied(w, n, e->index, e->term);
	for (i = j = 0; i < n->n_pw; i++) {
		struct pending_write *pw = &n->pw[i];

		if (pw->index == e->index)
			client_write_done(w, pw->client, pw->attempt, is_kv && token == pw->token);
		else
			n->pw[j++] = *pw;
	}
	n->n_pw = j;
}

static void serve_reads(struct sim *w, struct sim_node *n)
{
	size_t i, j;

	for (i = j = 0; i < n->n_pr; i++) {
		struct pending_read *pr = &n->pr[i];

		if (pr->have_index && pr->index <= n->applied)
			client_read_done(w, pr->client, pr->attempt, kv_get(&n->kv, pr->key));
		else
			n->pr[j++] = *pr;
	}
	n->n_pr = j;
}

static void maybe_compact(struct sim *w, struct sim_node *n)
{
	struct raft_status st;
	uint8_t *buf;
	size_t len;
	int rc;

	if (!w->prof.compact_every || n->applied < n->compacted + w->prof.compact_every)
		return;
	buf = kv_encode(&n->kv, &len);
	rc = raft_compact(n->r, n->applied, buf, len);
	if (!rc) {
		disk_compact(&n->disk, n->applied, &n->conf, buf, len);
		n->compacted = n->applied;
		w->st.compactions++;
	} else if (rc == -EINVAL) {
		/* fine if raft took a newer snapshot from the leader, not yet handed out */
		raft_status(n->r, &st);
		if (st.snapshot_index < n->applied)
			sim_fail(w, "n%llu: raft_compact(%llu) = -EINVAL, its snapshot is at %llu",
				 (unsigned long long)n->id, (unsigned long long)n->applied,
				 (unsigned long long)st.snapshot_index);
	} else {
		sim_fail(w, "n%llu: raft_compact(%llu) = %d", (unsigned long long)n->id,
			 (unsigned long long)n->applied, rc);
	}
	free(buf);
}

/* the Ready is durable: let it out, apply it, hand it back */
static void finish_ready(struct sim *w, struct sim_node *n)
{
	struct raft_ready *rd = &n->rd;
	size_t i, j;

	for (i = n->rd_sent; i < rd->n_msgs && !w->failed; i++) {
		inv_sent(w, n, &rd->msgs[i]);
		net_send(w, &rd->msgs[i]);
	}
	n->rd_sent = 0;
	if (rd->snapshot)
		apply_snapshot(w, n, rd->snapshot);
	for (i = 0; i < rd->n_committed && !w->failed; i++)
		apply_entry(w, n, &rd->committed[i]);
	for (i = 0; i < rd->n_reads; i++)
		for (j = 0; j < n->n_pr; j++)
			if (n->pr[j].ctx == rd->reads[i].ctx && !n->pr[j].have_index) {
				n->pr[j].have_index = true;
				n->pr[j].index = rd->reads[i].index;
			}
	serve_reads(w, n);
	raft_advance(n->r, rd);
	n->busy = false;
	maybe_compact(w, n);
}

static void take_ready(struct sim *w, struct sim_node *n)
{
	bool was_leader = n->role == RAFT_LEADER;

	raft_ready(n->r, &n->rd);
	inv_ready(w, n, &n->rd);
	if (n->role == RAFT_LEADER && !was_leader)
		nemesis_new_leader(w, n);
	if (disk_write(w, n->slot, &n->rd)) {
		inv_written(w, n);
		n->busy = true;
		/* as sovereignd: a pipelining leader's followers write in parallel with it */
		if (w->prof.pipeline && n->rd.role == RAFT_LEADER) {
			for (; n->rd_sent < n->rd.n_msgs && !w->failed; n->rd_sent++) {
				inv_sent(w, n, &n->rd.msgs[n->rd_sent]);
				net_send(w, &n->rd.msgs[n->rd_sent]);
			}
		}
		w->st.fsyncs++;
		ev_push(w, w->now + rng_range(&w->rng, n->disk.fsync_min, n->disk.fsync_max),
			EV_FSYNC, n->slot, n->incarnation, NULL);
		return;
	}
	inv_written(w, n);
	finish_ready(w, n);
}

void node_pump(struct sim *w, struct sim_node *n)
{
	size_t i;

	while (n->state == NODE_UP && !n->busy && !w->failed) {
		for (; n->ticks_owed; n->ticks_owed--)
			raft_tick(n->r);
		/* do_input cannot add to the inbox: nothing it calls submits synchronously */
		for (i = 0; i < n->n_in && !w->failed; i++)
			do_input(w, n, &n->in[i]);
		for (; i < n->n_in; i++)
			if (n->in[i].kind == IN_MSG)
				net_msg_free(n->in[i].msg);
		n->n_in = 0;
		if (w->failed || !raft_has_ready(n->r))
			return;
		take_ready(w, n);
	}
}

void node_fsync_done(struct sim *w, struct sim_node *n, uint64_t incarnation)
{
	if (n->state != NODE_UP || incarnation != n->incarnation || !n->busy)
		return;
	disk_sync(&n->disk);
	finish_ready(w, n);
	node_pump(w, n);
}

void node_tick(struct sim *w, struct sim_node *n, uint64_t incarnation)
{
	if (n->state != NODE_UP || incarnation != n->incarnation)
		return;
	ev_push(w, w->now + n->tick_period, EV_TICK, n->slot, incarnation, NULL);
	w->st.ticks++;
	if (n->busy && !w->prof.pipeline) {
		n->ticks_owed++;
		return;
	}
	raft_tick(n->r);
	node_pump(w, n);
}

int node_submit(struct sim *w, struct sim_node *n, const struct node_input *in)
{
	if (n->state != NODE_UP) {
		if (in->kind == IN_MSG)
			net_msg_free(in->msg);
		return -1;
	}
	if (n->busy && !w->prof.pipeline) {
		ARRAY_RESERVE(n->in, n->cap_in, n->n_in + 1);
		n->in[n->n_in++] = *in;
		return 0;
	}
	do_input(w, n, in);
	node_pump(w, n);
	return 0;
}

void node_deliver(struct sim *w, struct sim_node *n, struct net_msg *nm)
{
	struct node_input in = { .kind = IN_MSG, .msg = nm };

	node_submit(w, n, &in);
}
