// SPDX-License-Identifier: GPL-2.0
/*
 * tests/sim: clients. Each runs one operation at a time against the node it
 * believes is leader, follows "not leader" hints, retries what certainly
 * did not happen, and gives up at a deadline. A write given up on after it
 * reached a node has an unknown outcome: it stays in the history without a
 * return, and the checker may linearize it anywhere after its call, or not
 * at all. A read given up on carries no information and is dropped. Gets go
 * through raft_read_index(), never a local read.
 */
#include <stdlib.h>

#include "sim.h"

enum {
	CT_START,	/* begin the next operation */
	CT_SEND,	/* (re)send the current one */
	CT_DEADLINE,	/* give up on the current one */
	CT_READ_AGAIN,	/* a read try went unanswered (its leader was deposed): ask again */
};

/* the kind in the low bits; above it the serial, or for CT_READ_AGAIN the try */
#define CT_ARG(kind, n)	((uint64_t)(n) << 2 | (kind))

static void timer(struct sim *w, struct sim_client *c, int kind, simtime_t delay)
{
	ev_push(w, w->now + delay, EV_CLIENT, c->id,
		CT_ARG(kind, kind == CT_READ_AGAIN ? c->attempt : c->serial), NULL);
}

static struct sim_node *pick_node(struct sim *w, struct sim_client *c, bool read)
{
	struct sim_node *n = node_by_id(w, c->guess), *up[SIM_MAX_NODES];
	uint32_t i, k = 0;

	/* some reads go to any node: followers forward ReadIndex to the leader */
	if (read && rng_ppm(&w->rng, 300000))
		n = NULL;
	if (n && n->state == NODE_UP)
		return n;
	for (i = 0; i < w->n_slots; i++)
		if (w->nodes[i].state == NODE_UP)
			up[k++] = &w->nodes[i];
	return k ? up[rng_below(&w->rng, k)] : NULL;
}

static void finish(struct sim *w, struct sim_client *c, bool answered)
{
	struct lin_op *op = &w->hist[c->op];

	sim_log(w, 2, "c%u: op %llu (%s key %u) %s", c->id, (unsigned long long)op->arg,
		op->kind == LIN_GET ? "get" : op->kind == LIN_PUT ? "put" : "append", op->key,
		answered ? "done" : "timed out");
	if (!answered) {
		c->guess = 0;	/* no answer from there: try elsewhere next time */
		if (op->kind != LIN_GET && c->unresolved) {
			w->st.writes_unknown++;
			sim_log(w, 2, "c%u: op %llu outcome unknown", c->id,
				(unsigned long long)op->arg);
		} else {
			/* certainly no effect: not part of the history */
			op->kind = LIN_GET;
			op->ret = -1;
			w->st.ops_dropped++;
		}
	}
	c->active = false;
	timer(w, c, CT_START, rng_range(&w->rng, 0, 30 * SIM_MS));
}

static void send(struct sim *w, struct sim_client *c)
{
	const struct lin_op *op = &w->hist[c->op];
	struct node_input in = {
		.kind = op->kind == LIN_GET ? IN_READ : IN_WRITE,
		.client = c->id,
		.attempt = ++c->attempt,
		.key = op->key,
	};
	struct sim_node *n = pick_node(w, c, op->kind == LIN_GET);

	if (!n) {
		timer(w, c, CT_SEND, SIM_TICK);
		return;
	}
	c->guess = n->id;
	sim_log(w, 2, "c%u: op %llu try %llu at n%llu", c->id, (unsigned long long)op->arg,
		(unsigned long long)c->attempt, (unsigned long long)n->id);
	if (op->kind == LIN_GET) {
		in.ctx = ++w->next_ctx;
		timer(w, c, CT_READ_AGAIN, rng_range(&w->rng, 20, 60) * SIM_TICK);
	} else {
		kv_cmd(in.cmd, op->kind == LIN_PUT ? KV_PUT : KV_APPEND, op->key, op->arg);
	}
	/* a write that reached a node may take effect, whatever happens next */
	c->unresolved = op->kind != LIN_GET;
	if (node_submit(w, n, &in) < 0) {
		c->unresolved = false;
		c->guess = 0;
		timer(w, c, CT_SEND, rng_range(&w->rng, SIM_MS, 5 * SIM_MS));
	}
}

static void start(struct sim *w, struct sim_client *c)
{
	uint64_t r = rng_below(&w->rng, 100);
	struct lin_op *op;

	if (w->now >= w->workload_end)
		return;
	ARRAY_RESERVE(w->hist, w->cap_hist, w->n_hist + 1);
	c->op = w->n_hist++;
	op = &w->hist[c->op];
	op->kind = r < 45 ? LIN_GET : r < 60 ? LIN_PUT : LIN_APPEND;
	op->key = (uint32_t)rng_below(&w->rng, w->prof.n_keys);
	op->arg = ++w->next_token;
	op->val = NULL;
	op->n_val = 0;
	op->call = w->now;
	op->ret = -1;
	c->active = true;
	c->serial++;
	c->unresolved = false;
	timer(w, c, CT_DEADLINE, w->prof.client_timeout);
	send(w, c);
}

void client_start_all(struct sim *w)
{
	uint32_t i;

	for (i = 0; i < w->prof.n_clients; i++) {
		w->clients[i].id = i;
		timer(w, &w->clients[i], CT_START, rng_range(&w->rng, 0, 20 * SIM_MS));
	}
}

void client_timer(struct sim *w, uint32_t id, uint64_t arg)
{
	struct sim_client *c = &w->clients[id];
	bool current = c->active && arg >> 2 == c->serial;

	switch (arg & 3) {
	case CT_START:
		if (!c->active)
			start(w, c);
		break;
	case CT_SEND:
		if (current)
			send(w, c);
		break;
	case CT_DEADLINE:
		if (current)
			finish(w, c, false);
		break;
	case CT_READ_AGAIN:
		if (c->active && arg >> 2 == c->attempt) {
			c->guess = 0;
			send(w, c);
		}
		break;
	}
}

static struct sim_client *current(struct sim *w, uint32_t id, uint64_t attempt)
{
	struct sim_client *c = &w->clients[id];

	return c->active && c->attempt == attempt ? c : NULL;
}

/* the try certainly had no effect: go where the node pointed, after a pause */
void client_refused(struct sim *w, uint32_t id, uint64_t attempt, raft_id_t hint)
{
	struct sim_client *c = current(w, id, attempt);

	if (!c)
		return;
	c->unresolved = false;
	c->guess = hint;
	sim_log(w, 2, "c%u: refused, try n%llu", c->id, (unsigned long long)hint);
	timer(w, c, CT_SEND, rng_range(&w->rng, SIM_MS, 10 * SIM_MS));
}

void client_write_done(struct sim *w, uint32_t id, uint64_t attempt, bool took_effect)
{
	struct sim_client *c = current(w, id, attempt);

	if (!c)
		return;
	if (!took_effect) {
		/* another entry was committed at our index: ours is lost for good */
		c->unresolved = false;
		timer(w, c, CT_SEND, rng_range(&w->rng, SIM_MS, 10 * SIM_MS));
		return;
	}
	w->hist[c->op].ret = w->now;
	w->st.writes_ok++;
	if (w->healed)
		w->st.writes_after_heal++;
	finish(w, c, true);
}

/* the node crashed or skipped over the entry: a write is in doubt, a read is retried */
void client_unknown(struct sim *w, uint32_t id, uint64_t attempt)
{
	struct sim_client *c = current(w, id, attempt);

	if (!c)
		return;
	if (w->hist[c->op].kind != LIN_GET) {
		finish(w, c, false);
		return;
	}
	c->guess = 0;
	timer(w, c, CT_SEND, rng_range(&w->rng, SIM_MS, 10 * SIM_MS));
}

void client_read_done(struct sim *w, uint32_t id, uint64_t attempt, const struct kv_val *v)
{
	struct sim_client *c = current(w, id, attempt);

	if (!c)
		return;
	w->hist[c->op].val = xmemdup(v->tok, v->n * sizeof(*v->tok));
	w->hist[c->op].n_val = v->n;
	w->hist[c->op].ret = w->now;
	w->st.reads_ok++;
	finish(w, c, true);
}

/* the run is over: what is still open never answered */
void client_finish_all(struct sim *w)
{
	uint32_t i;

	for (i = 0; i < w->prof.n_clients; i++)
		if (w->clients[i].active)
			finish(w, &w->clients[i], false);
}
