// SPDX-License-Identifier: GPL-2.0
/*
 * tests/sim: one seed, start to end. Boot the cluster, let clients and the
 * nemesis loose for the fault phase, heal everything, keep the clients
 * going a while, then go quiet: by the end there must be a leader, every
 * member must have applied what it committed, and writes must have
 * succeeded after the heal (liveness). A member still catching up (one
 * entry per APPEND, one in flight, is slow) gets more quiet time, up to
 * EXTRA_TICKS. Finally the clients' history goes through the
 * linearizability checker.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define U(x) ((unsigned long long)(x))

#define SETTLE_TICKS	300	/* after the heal */
#define QUIET_TICKS	100	/* the last part of it: no new client operations */
#define EXTRA_TICKS	3000	/* more quiet for members still catching up */

void sim_fail(struct sim *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->failed)
		return;
	w->failed = true;
	n = snprintf(w->why, sizeof(w->why), "t=%lld.%03lldms: ", (long long)(w->now / SIM_MS),
		     (long long)(w->now % SIM_MS));
	va_start(ap, fmt);
	vsnprintf(w->why + n, sizeof(w->why) - n, fmt, ap);
	va_end(ap);
	sim_log(w, 1, "FAIL %s", w->why);
}

void sim_log(struct sim *w, int level, const char *fmt, ...)
{
	va_list ap;

	if (w->p.verbose < level)
		return;
	printf("%6lld.%03lld ms  ", (long long)(w->now / SIM_MS), (long long)(w->now % SIM_MS));
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* for a liveness failure: where everyone stands */
static void dump_cluster(struct sim *w)
{
	static const char *const pstate[] = { "probe", "replicate", "snapshot" };
	struct raft_status st;
	uint32_t i;
	size_t k;

	for (i = 0; i < w->n_slots; i++) {
		struct sim_node *n = &w->nodes[i];

		if (n->state != NODE_UP)
			continue;
		raft_status(n->r, &st);
		sim_log(w, 1, "  n%llu %s term %llu leader n%llu commit %llu applied %llu "
			"log [%llu, %llu] snapshot %llu, %u voters %u learners", U(n->id),
			raft_role_name(st.role), U(st.hs.term), U(st.leader), U(st.hs.commit),
			U(n->applied), U(st.first_index), U(st.last_index), U(st.snapshot_index),
			st.conf.n_voters, st.conf.n_learners);
		for (k = 0; k < st.n_peers; k++)
			sim_log(w, 1, "    peer n%llu%s match %llu next %llu %s%s",
				U(st.peers[k].id), st.peers[k].voter ? "" : " (learner)",
				U(st.peers[k].match), U(st.peers[k].next),
				pstate[st.peers[k].state % 3],
				st.peers[k].recent_active ? " active" : "");
	}
}

/* a leader, and every member applied what it committed; or why not */
static bool converged(struct sim *w, char *why, size_t len)
{
	struct sim_node *l = node_leader(w);
	struct raft_status st;
	uint32_t i;

	if (!l) {
		snprintf(why, len, "no leader");
		return false;
	}
	raft_status(l->r, &st);
	for (i = 0; i < w->n_slots; i++) {
		struct sim_node *n = &w->nodes[i];
		bool voter;

		if (n->state != NODE_UP || !conf_has(&st.conf, n->id, &voter))
			continue;
		if (n->applied < st.hs.commit) {
			snprintf(why, len, "n%llu applied %llu, leader n%llu committed %llu",
				 U(n->id), U(n->applied), U(l->id), U(st.hs.commit));
			return false;
		}
	}
	return true;
}

static void check_liveness(struct sim *w)
{
	struct sim_node *l = node_leader(w);
	struct raft_status st;
	char why[160];

	if (!converged(w, why, sizeof(why))) {
		sim_fail(w, "liveness: %s, %lld ticks after healing", why,
			 (long long)((w->now - w->fault_end) / SIM_TICK));
		return;
	}
	raft_status(l->r, &st);
	if (w->prof.n_clients && !w->st.writes_after_heal)
		sim_fail(w, "liveness: no write succeeded after healing (leader n%llu, term %llu)",
			 U(l->id), U(st.hs.term));
}

/* one operation a line: kind key token call ret (-1: unknown), then a get's tokens */
static void save_history(struct sim *w)
{
	FILE *f = fopen(w->p.history, "w");
	size_t i;

	if (!f) {
		perror(w->p.history);
		return;
	}
	for (i = 0; i < w->n_hist; i++) {
		const struct lin_op *op = &w->hist[i];
		uint32_t k;

		if (op->kind == LIN_GET && op->ret < 0)
			continue;
		fprintf(f, "%s %u %llu %lld %lld",
			op->kind == LIN_GET ? "get" : op->kind == LIN_PUT ? "put" : "append",
			op->key, U(op->arg), (long long)op->call, (long long)op->ret);
		for (k = 0; k < op->n_val; k++)
			fprintf(f, " %llu", U(op->val[k]));
		fputc('\n', f);
	}
	fclose(f);
}

static void check_history(struct sim *w)
{
	struct lin_result lr;

	if (w->p.history)
		save_history(w);
	lin_check(w->hist, w->n_hist, w->p.lin_budget, &lr);
	w->st.lin_explored = lr.explored;
	w->st.unknown_unseen = lr.n_unseen;
	if (lr.verdict == LIN_OK)
		return;
	sim_fail(w, "linearizability: %s key %u (%zu operations in the history)",
		 lr.verdict == LIN_ILLEGAL ? "no linearization for" : "search budget exceeded on",
		 lr.key, w->n_hist);
	if (w->p.verbose)
		lin_dump(stdout, w->hist, w->n_hist, lr.key);
}

static void dispatch(struct sim *w, const struct event *ev, bool *done)
{
	struct sim_node *n = &w->nodes[ev->who < SIM_MAX_NODES ? ev->who : 0];

	switch (ev->type) {
	case EV_TICK:
		node_tick(w, n, ev->arg);
		break;
	case EV_DELIVER:
		net_deliver(w, ev->ptr);
		break;
	case EV_FSYNC:
		node_fsync_done(w, n, ev->arg);
		break;
	case EV_RESTART:
		if (n->state == NODE_DOWN)
			node_boot(w, n);
		break;
	case EV_RETIRE:
		node_retire(w, n);
		break;
	case EV_CLIENT:
		client_timer(w, ev->who, ev->arg);
		break;
	case EV_NEMESIS:
		nemesis_fire(w, ev->who);
		break;
	case EV_HEAL:
		nemesis_heal(w, ev->who, ev->arg);
		break;
	case EV_PHASE:
		if (!ev->arg) {
			nemesis_heal_all(w);
		} else {
			char why[160];

			if (converged(w, why, sizeof(why)) || w->now >= w->end + EXTRA_TICKS * SIM_TICK)
				*done = true;
			else
				ev_push(w, w->now + 50 * SIM_TICK, EV_PHASE, 0, 1, NULL);
		}
		break;
	}
}

static void setup(struct sim *w, const struct sim_params *p)
{
	uint32_t i;

	w->p = *p;
	rng_init(&w->rng, p->seed);
	nemesis_profile(w);
	w->genesis.n_voters = p->nodes;
	for (i = 0; i < p->nodes; i++) {
		w->genesis.voters[i] = i + 1;
		node_create(w, i);
	}
	w->fault_end = (simtime_t)p->steps * SIM_TICK;
	w->end = w->fault_end + SETTLE_TICKS * SIM_TICK;
	w->workload_end = w->end - QUIET_TICKS * SIM_TICK;
	w->clients = xcalloc(w->prof.n_clients, sizeof(*w->clients));
	for (i = 0; i < p->nodes && !w->failed; i++)
		node_boot(w, &w->nodes[i]);
	client_start_all(w);
	nemesis_start(w);
	ev_push(w, w->fault_end, EV_PHASE, 0, 0, NULL);
	ev_push(w, w->end, EV_PHASE, 0, 1, NULL);
}

void sim_run(const struct sim_params *p, struct sim_result *res)
{
	struct sim *w = xcalloc(1, sizeof(*w));
	uint64_t max_events = 2000000 + (uint64_t)(p->steps + SETTLE_TICKS) * p->nodes * 2000;
	struct event ev;
	bool done = false;
	uint32_t i;

	setup(w, p);
	sim_log(w, 1, "seed %llu: %u nodes, %u clients, %u keys; crash %d partition %d "
		"slow-disk %d membership %d transfer %d campaign %d; drop %u dup %u ppm, "
		"jitter %lld us; election %u heartbeat %u pre-vote %d check-quorum %d "
		"inflight %u msg-bytes %u chunk %u compact %u pipeline %d churn %d",
		U(p->seed), p->nodes, w->prof.n_clients, w->prof.n_keys, w->prof.crashes,
		w->prof.partitions, w->prof.slow_disks, w->prof.membership, w->prof.transfers,
		w->prof.campaigns, w->prof.drop_ppm, w->prof.dup_ppm, (long long)w->prof.jitter,
		w->prof.raft.election_ticks, w->prof.raft.heartbeat_ticks, w->prof.raft.pre_vote,
		w->prof.raft.check_quorum, w->prof.raft.max_inflight, w->prof.raft.max_msg_bytes,
		w->prof.raft.snapshot_chunk, w->prof.compact_every, w->prof.pipeline,
		w->prof.churn);
	while (!w->failed && !done && ev_pop(&w->evq, &ev)) {
		w->now = ev.at;
		if (++w->st.events > max_events) {
			sim_fail(w, "more than %llu events: livelock?", U(max_events));
			break;
		}
		dispatch(w, &ev, &done);
	}
	if (!w->failed) {
		check_liveness(w);
		if (w->failed)
			dump_cluster(w);
	}
	client_finish_all(w);
	if (!w->failed)
		check_history(w);

	memset(res, 0, sizeof(*res));
	res->failed = w->failed;
	memcpy(res->why, w->why, sizeof(res->why));
	res->st = w->st;
	res->st.elections = w->inv.elections;
	res->st.msgs_sent = w->net.sent;
	res->st.msgs_dropped = w->net.dropped;
	res->st.msgs_duplicated = w->net.duplicated;
	res->nodes = p->nodes;
	res->n_ops = w->n_hist;

	ev_free(&w->evq);
	for (i = 0; i < w->n_slots; i++)
		node_destroy(&w->nodes[i]);
	inv_free(&w->inv);
	for (i = 0; i < w->n_hist; i++)
		free((void *)w->hist[i].val);
	free(w->hist);
	free(w->clients);
	free(w);
}
