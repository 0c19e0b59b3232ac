/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tests/sim: deterministic simulation of a lib/raft cluster.
 *
 * One process plays N nodes, their disks, the network between them and the
 * clients, all on a virtual clock driven by one event queue. Every choice
 * (delays, drops, faults, client operations, raft's own election timeouts)
 * comes from the seed, so a seed replays exactly.
 */
#ifndef SOV_SIM_H
#define SOV_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../lib/raft/raft.h"
#include "lin.h"
#include "rng.h"

typedef int64_t simtime_t;		/* virtual microseconds */
#define SIM_MS		1000
#define SIM_TICK	(10 * SIM_MS)	/* one raft_tick, as in sovereignd */

#define SIM_MAX_NODES	64		/* slots: the first nodes and those added later */
#define SIM_MAX_KEYS	8

struct sim;

/* ---- util.c --------------------------------------------------------------- */

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
void *xmemdup(const void *p, size_t len);
size_t grow_cap(size_t cap, size_t need);
uint64_t hash_bytes(const void *p, size_t len, uint64_t h);

/* make room for @need elements in a malloc'ed array */
#define ARRAY_RESERVE(a, cap, need)						\
	do {									\
		if ((need) > (cap)) {						\
			(cap) = grow_cap((cap), (need));			\
			(a) = xrealloc((a), (cap) * sizeof(*(a)));		\
		}								\
	} while (0)

/* ---- event.c: the virtual clock ------------------------------------------ */

enum sim_ev {
	EV_TICK,	/* a node's clock ticked; arg: incarnation */
	EV_DELIVER,	/* a message arrives; ptr: struct net_msg */
	EV_FSYNC,	/* a node's disk finished the fsync of its Ready; arg: incarnation */
	EV_RESTART,	/* a crashed node comes back */
	EV_RETIRE,	/* a removed node shuts down for good */
	EV_CLIENT,	/* a client's timer; arg: see client.c */
	EV_NEMESIS,	/* the next fault */
	EV_HEAL,	/* one fault ends; arg: which */
	EV_PHASE,	/* faults end, then the run ends */
};

struct event {
	simtime_t at;
	uint64_t seq;		/* FIFO among equal times: determinism */
	uint8_t type;
	uint32_t who;
	uint64_t arg;
	void *ptr;
};

struct event_queue {
	struct event *h;	/* binary min-heap on (at, seq) */
	size_t n, cap;
	uint64_t seq;
};

void ev_push(struct sim *w, simtime_t at, uint8_t type, uint32_t who, uint64_t arg, void *ptr);
bool ev_pop(struct event_queue *q, struct event *out);
void ev_free(struct event_queue *q);

/* ---- net.c: the simulated network ----------------------------------------- */

struct net_msg {
	struct raft_msg m;	/* a deep copy: entries, their data, the chunk */
};

struct net {
	uint32_t drop_ppm, dup_ppm;		/* every message, every link */
	simtime_t jitter;			/* 0..jitter on top of a link's latency: reordering */
	simtime_t latency[SIM_MAX_NODES][SIM_MAX_NODES];
	bool cut[SIM_MAX_NODES][SIM_MAX_NODES];	/* [from][to]: one-way partitions */
	uint64_t sent, delivered, dropped, duplicated;
};

void net_init(struct sim *w, simtime_t lat_min, simtime_t lat_max);
void net_send(struct sim *w, const struct raft_msg *m);
void net_deliver(struct sim *w, struct net_msg *nm);
void net_msg_free(struct net_msg *nm);
void net_heal(struct sim *w);

/* ---- disk.c: durable and unsynced state ----------------------------------- */

struct disk_entry {
	uint64_t term, index;
	uint64_t chain;		/* hash of the log up to here: log matching in one compare */
	uint8_t type;
	uint32_t len;
	uint8_t *data;
};

/* how to take back the Ready in flight if the node crashes before its fsync */
struct disk_undo {
	bool hs;
	struct raft_hard_state old_hs;
	bool replaced;		/* a snapshot came: the old snapshot and log, whole */
	bool old_has_snap;
	struct raft_snapshot old_snap;
	uint64_t old_snap_chain;
	struct disk_entry *old_log;
	size_t old_n, old_cap;
	bool cut;		/* entries overwrote the log from position cut_at */
	size_t cut_at;
	struct disk_entry *cut_log;
	size_t n_cut;
};

struct disk {
	struct raft_hard_state hs;
	bool has_snap;
	struct raft_snapshot snap;	/* data owned */
	uint64_t snap_chain;
	struct disk_entry *log;		/* log[k].index == disk_first(d) + k */
	size_t n, cap;
	bool unsynced;
	struct disk_undo undo;
	simtime_t fsync_min, fsync_max;	/* a slow disk: milliseconds */
};

void disk_free(struct disk *d);
uint64_t disk_first(const struct disk *d);
uint64_t disk_last(const struct disk *d);
bool disk_at(const struct disk *d, uint64_t index, uint64_t *term, uint64_t *chain);
/* the writes of a Ready; true if anything needs an fsync */
bool disk_write(struct sim *w, uint32_t slot, const struct raft_ready *rd);
void disk_sync(struct disk *d);
void disk_crash(struct disk *d, bool keep_unsynced);
void disk_compact(struct disk *d, uint64_t index, const struct raft_conf *conf,
		  const void *data, size_t len);
/* points into the disk: valid until the next write; *ents is malloc'ed */
void disk_boot(const struct disk *d, struct raft_boot *boot, struct raft_entry **ents);

/* ---- kv.c: the replicated state machine ----------------------------------- */

enum kv_op {
	KV_PUT = 1,
	KV_APPEND,
};

#define KV_CMD_LEN	10	/* op, key, token (u64 little-endian) */

struct kv_val {
	uint64_t *tok;
	uint32_t n, cap;
	uint64_t hash;		/* lin_hash of tok[], what GET answers */
};

struct kv {
	struct kv_val v[SIM_MAX_KEYS];
};

void kv_cmd(uint8_t out[KV_CMD_LEN], uint8_t op, uint32_t key, uint64_t token);
int kv_cmd_parse(const uint8_t *p, uint32_t len, uint8_t *op, uint32_t *key, uint64_t *token);
int kv_apply(struct kv *kv, const uint8_t *p, uint32_t len);
const struct kv_val *kv_get(const struct kv *kv, uint32_t key);
uint64_t kv_hash(const struct kv *kv);
uint8_t *kv_encode(const struct kv *kv, size_t *len);
int kv_decode(struct kv *kv, const uint8_t *p, size_t len);
void kv_free(struct kv *kv);

/* ---- node.c: one raft node, driven ---------------------------------------- */

enum node_state {
	NODE_SPARE,	/* slot not in use yet */
	NODE_UP,
	NODE_DOWN,	/* crashed, restarts later */
	NODE_GONE,	/* removed from the cluster and shut down */
};

enum input_kind {
	IN_MSG,
	IN_WRITE,
	IN_READ,
};

/* what arrives while the node waits for its fsync, handled in order after */
struct node_input {
	uint8_t kind;
	struct net_msg *msg;
	uint32_t client;
	uint64_t attempt;
	uint8_t cmd[KV_CMD_LEN];
	uint64_t ctx;
	uint32_t key;
};

struct pending_write {
	uint64_t index, token;
	uint32_t client;
	uint64_t attempt;
};

struct pending_read {
	uint64_t ctx, index;
	bool have_index;
	uint32_t key, client;
	uint64_t attempt;
};

struct sim_node {
	uint32_t slot;
	raft_id_t id;			/* slot + 1, never reused */
	uint8_t state;			/* enum node_state */
	uint32_t incarnation;		/* bumped by a crash: stale timers are ignored */
	struct raft *r;
	struct disk disk;
	simtime_t tick_period;		/* clocks drift apart a little */
	bool retiring;
	/* the application: state machine as of applied */
	struct kv kv;
	uint64_t applied, applied_chain;
	struct raft_conf conf;
	uint64_t compacted;
	/* the Ready in flight, waiting for the disk */
	bool busy;
	struct raft_ready rd;
	size_t rd_sent;			/* of rd.msgs: sent before the fsync (a leader's, pipelined) */
	uint32_t ticks_owed;
	struct node_input *in;
	size_t n_in, cap_in;
	struct pending_write *pw;
	size_t n_pw, cap_pw;
	struct pending_read *pr;
	size_t n_pr, cap_pr;
	/* for the invariants */
	struct raft_hard_state hs;
	enum raft_role role;
	raft_id_t leader;
	uint64_t commit_checked;
};

void node_create(struct sim *w, uint32_t slot);
void node_boot(struct sim *w, struct sim_node *n);
void node_crash(struct sim *w, struct sim_node *n, bool keep_unsynced);
void node_retire(struct sim *w, struct sim_node *n);
void node_destroy(struct sim_node *n);
void node_tick(struct sim *w, struct sim_node *n, uint64_t incarnation);
void node_fsync_done(struct sim *w, struct sim_node *n, uint64_t incarnation);
void node_deliver(struct sim *w, struct sim_node *n, struct net_msg *nm);
/* 0: accepted (the answer comes by a client_* callback), -1: node down */
int node_submit(struct sim *w, struct sim_node *n, const struct node_input *in);
bool node_idle(const struct sim_node *n);
/* after calling raft directly (nemesis): collect what it produced */
void node_pump(struct sim *w, struct sim_node *n);
struct sim_node *node_leader(struct sim *w);
struct sim_node *node_by_id(struct sim *w, raft_id_t id);
void conf_apply(struct raft_conf *c, const struct raft_conf_change *cc);
bool conf_has(const struct raft_conf *c, raft_id_t id, bool *voter);

/* ---- client.c: clients and their history ---------------------------------- */

struct sim_client {
	uint32_t id;
	raft_id_t guess;		/* whom it believes is leader */
	bool active;
	size_t op;			/* index into w->hist */
	uint8_t cmd[KV_CMD_LEN];
	uint64_t serial;		/* per operation: stale deadlines are ignored */
	uint64_t attempt;		/* per try: stale answers are ignored */
	bool unresolved;		/* the current try may still take effect */
};

void client_start_all(struct sim *w);
void client_timer(struct sim *w, uint32_t id, uint64_t arg);
void client_refused(struct sim *w, uint32_t id, uint64_t attempt, raft_id_t hint);
void client_write_done(struct sim *w, uint32_t id, uint64_t attempt, bool took_effect);
void client_unknown(struct sim *w, uint32_t id, uint64_t attempt);
void client_read_done(struct sim *w, uint32_t id, uint64_t attempt, const struct kv_val *v);
void client_finish_all(struct sim *w);

/* ---- nemesis.c: faults ---------------------------------------------------- */

void nemesis_profile(struct sim *w);
void nemesis_start(struct sim *w);
void nemesis_fire(struct sim *w, uint32_t who);
void nemesis_heal(struct sim *w, uint32_t who, uint64_t what);
void nemesis_heal_all(struct sim *w);
void nemesis_removed(struct sim *w, raft_id_t id);
void nemesis_new_leader(struct sim *w, struct sim_node *n);

/* ---- invariants.c --------------------------------------------------------- */

struct inv_committed {
	uint64_t term, chain, kv;
	bool has_kv;
};

struct inv_chain {
	uint64_t index, term, chain;
};

struct inv_vote {
	uint64_t term;
	raft_id_t voter, cand;
};

struct inv {
	raft_id_t *leader_of;		/* term -> the leader elected in it */
	uint64_t *cmax;			/* term -> highest commit any node reported in it */
	size_t n_terms;
	struct inv_committed *committed;	/* index -> the entry committed there */
	size_t n_committed;
	struct inv_chain *chains;	/* (index, term) -> chain of every entry ever logged */
	size_t chains_cap, chains_used;
	struct inv_vote *votes;		/* (term, voter) -> the candidate it granted */
	size_t votes_cap, votes_used;
	uint64_t elections;
};

void inv_free(struct inv *v);
uint64_t chain_step(uint64_t prev, uint64_t term, uint8_t type, const void *data, uint32_t len);
void inv_ready(struct sim *w, struct sim_node *n, const struct raft_ready *rd);
void inv_logged(struct sim *w, struct sim_node *n, uint64_t index, uint64_t term, uint64_t chain);
bool inv_snapshot_chain(struct sim *w, uint64_t index, uint64_t term, uint64_t *chain);
void inv_written(struct sim *w, struct sim_node *n);
void inv_applied(struct sim *w, struct sim_node *n, uint64_t index, uint64_t term);
void inv_restored(struct sim *w, struct sim_node *n);
void inv_sent(struct sim *w, struct sim_node *n, const struct raft_msg *m);

/* ---- world.c: one seed ---------------------------------------------------- */

struct sim_profile {
	uint32_t n_nodes, n_keys, n_clients;
	bool crashes, partitions, slow_disks, membership, transfers, campaigns, lossy;
	bool pipeline;			/* step raft while a Ready's fsync is pending */
	bool churn;			/* crash the leader every few ticks */
	simtime_t fault_gap_min, fault_gap_max;
	simtime_t client_timeout;
	uint32_t compact_every;
	uint32_t drop_ppm, dup_ppm;
	simtime_t jitter;
	struct raft_config raft;	/* id and seed set per node */
};

struct sim_stats {
	uint64_t events, ticks;
	uint64_t writes_ok, writes_unknown, reads_ok, ops_dropped, writes_after_heal;
	uint64_t unknown_unseen;
	uint64_t crashes, partitions, slow_disks, conf_changes, transfers, campaigns;
	uint64_t snapshots_sent, compactions, fsyncs;
	uint64_t elections, msgs_sent, msgs_dropped, msgs_duplicated;
	uint64_t lin_explored;
};

struct sim_params {
	uint64_t seed;
	uint32_t nodes;
	uint32_t steps;		/* ticks with faults; a quiet tail follows */
	int verbose;
	uint64_t lin_budget;
	const char *history;	/* write the client history here */
};

struct sim {
	struct sim_params p;
	struct rng rng;
	simtime_t now;
	simtime_t fault_end, workload_end, end;
	bool healed;
	struct sim_profile prof;
	struct event_queue evq;
	struct net net;
	struct sim_node nodes[SIM_MAX_NODES];
	uint32_t n_slots;		/* slots in use (any state) */
	struct raft_conf genesis;
	struct sim_client *clients;
	struct lin_op *hist;
	size_t n_hist, cap_hist;
	uint64_t next_token, next_ctx;
	struct inv inv;
	struct sim_stats st;
	bool failed;
	char why[512];
	bool partitioned;		/* one partition at a time */
	uint64_t partition_gen;
};

struct sim_result {
	bool failed;
	char why[512];
	struct sim_stats st;
	uint32_t nodes;
	size_t n_ops;
};

void sim_run(const struct sim_params *p, struct sim_result *res);
void sim_fail(struct sim *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sim_log(struct sim *w, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
