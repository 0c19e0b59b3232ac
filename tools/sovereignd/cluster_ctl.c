// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon socket's cluster commands: SOV_CMD_RAFT_STATUS (the node, its
 * members and history, for sovctl raft) and the membership and leadership
 * changes, which only the leader takes. A follower answers -EREMOTE with a
 * message naming the leader: sovctl prints it, the operator (or a script)
 * asks that node. Forwarding would need a request channel between daemons
 * that the Raft links do not carry.
 *
 * SOV_CMD_KV_PUT is the generic replicated write: one key under "kv/" (kept
 * apart from the load balancer's "lb/" and the membership's "raft/"), its
 * value opaque bytes. It is what make bench-raft measures: a write that
 * costs the cluster one entry and nothing else.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cluster_internal.h"
#include "log.h"

#define REFUSE(ret, ...) do { snprintf(msg, msglen, __VA_ARGS__); return (ret); } while (0)

static const enum mnl_attr_data_type cluster_types[SOV_A_CLUSTER_MAX + 1] = {
	[SOV_A_CLUSTER_NODE_ID] = MNL_TYPE_U64,
	[SOV_A_CLUSTER_ADDR] = MNL_TYPE_NUL_STRING,
	[SOV_A_CLUSTER_LEARNER] = MNL_TYPE_FLAG,
	[SOV_A_CLUSTER_KV_KEY] = MNL_TYPE_NUL_STRING,
	[SOV_A_CLUSTER_KV_VALUE] = MNL_TYPE_BINARY,
};

bool sovd_cluster_serves(uint8_t cmd)
{
	return (cmd >= SOV_CMD_RAFT_STATUS && cmd <= SOV_CMD_RAFT_TRANSFER_LEADER) ||
	       cmd == SOV_CMD_KV_PUT;
}

/* ---- status ------------------------------------------------------------------------ */

static bool in_conf(const struct raft_conf *c, raft_id_t id, bool *voter)
{
	uint32_t i;

	for (i = 0; i < c->n_voters; i++)
		if (c->voters[i] == id)
			return *voter = true;
	for (i = 0; i < c->n_learners; i++)
		if (c->learners[i] == id) {
			*voter = false;
			return true;
		}
	return false;
}

static void put_node(struct sovd_cluster *cl, struct nlmsghdr *nlh, const struct raft_status *st,
		     raft_id_t id, bool voter)
{
	char addr[SOV_CLUSTER_ADDR_LEN];
	struct sovd_peer_stats ps;
	struct nlattr *nest;
	size_t i;

	nest = mnl_attr_nest_start(nlh, SOV_A_CLUSTER_NODE);
	mnl_attr_put_u64(nlh, SOV_A_CLUSTER_NODE_ID, id);
	mnl_attr_put_strz(nlh, SOV_A_CLUSTER_ADDR, id == st->id ?
			  cl->o.conf.listen.text : sovd_cluster_addr(cl, id, addr, sizeof(addr)));
	mnl_attr_put_u8(nlh, SOV_A_CLUSTER_VOTER, voter);
	mnl_attr_put_u8(nlh, SOV_A_CLUSTER_SELF, id == st->id);
	for (i = 0; i < st->n_peers; i++) {
		const struct raft_peer_status *p = &st->peers[i];

		if (p->id != id)
			continue;
		mnl_attr_put_u64(nlh, SOV_A_CLUSTER_MATCH, p->match);
		mnl_attr_put_u64(nlh, SOV_A_CLUSTER_NEXT, p->next);
		mnl_attr_put_u8(nlh, SOV_A_CLUSTER_PROGRESS, p->state);
		mnl_attr_put_u8(nlh, SOV_A_CLUSTER_ACTIVE, p->recent_active);
	}
	if (id != st->id && cl->peers && !sovd_peer_stats(cl->peers, id, &ps)) {
		mnl_attr_put_u8(nlh, SOV_A_CLUSTER_LINK_OUT, ps.out_up);
		mnl_attr_put_u8(nlh, SOV_A_CLUSTER_LINK_IN, ps.in_up);
		mnl_attr_put_u64(nlh, SOV_A_CLUSTER_MSGS_OUT, ps.msgs_out);
		mnl_attr_put_u64(nlh, SOV_A_CLUSTER_MSGS_IN, ps.msgs_in);
		mnl_attr_put_u64(nlh, SOV_A_CLUSTER_BYTES_OUT, ps.bytes_out);
		mnl_attr_put_u64(nlh, SOV_A_CLUSTER_BYTES_IN, ps.bytes_in);
		mnl_attr_put_u64(nlh, SOV_A_CLUSTER_DROPS, ps.drops);
		mnl_attr_put_u64(nlh, SOV_A_CLUSTER_CONNECTS, ps.connects);
		if (ps.last_error[0])
			mnl_attr_put_strz(nlh, SOV_A_CLUSTER_LAST_ERROR, ps.last_error);
	}
	mnl_attr_nest_end(nlh, nest);
}

static void put_history(struct sovd_cluster *cl, struct nlmsghdr *nlh)
{
	const struct sovd_history *h = &cl->hist;
	struct nlattr *nest;
	unsigned int i;

	for (i = 0; i < h->n_elections; i++) {
		const struct sovd_election *e = sovd_history_election(h, i);

		nest = mnl_attr_nest_start(nlh, SOV_A_CLUSTER_ELECTION);
		mnl_attr_put_u64(nlh, SOV_A_CLUSTER_START_NS, e->start_ns);
		mnl_attr_put_u64(nlh, SOV_A_CLUSTER_END_NS, e->end_ns);
		mnl_attr_put_u64(nlh, SOV_A_CLUSTER_TERM, e->term);
		mnl_attr_put_u64(nlh, SOV_A_CLUSTER_LEADER, e->leader);
		mnl_attr_put_u32(nlh, SOV_A_CLUSTER_CAMPAIGNS, e->campaigns);
		if (e->campaign_ns)
			mnl_attr_put_u64(nlh, SOV_A_CLUSTER_CAMPAIGN_NS, e->campaign_ns);
		mnl_attr_nest_end(nlh, nest);
	}
	for (i = 0; i < h->n_snaps; i++) {
		const struct sovd_snapshot_rec *s = sovd_history_snap(h, i);

		nest = mnl_attr_nest_start(nlh, SOV_A_CLUSTER_SNAPSHOT);
		mnl_attr_put_u64(nlh, SOV_A_CLUSTER_TIME_NS, s->at_ns);
		mnl_attr_put_u64(nlh, SOV_A_CLUSTER_SNAP_INDEX, s->index);
		mnl_attr_put_u64(nlh, SOV_A_CLUSTER_SNAP_TERM, s->term);
		mnl_attr_put_u64(nlh, SOV_A_CLUSTER_BYTES, s->bytes);
		mnl_attr_put_u64(nlh, SOV_A_CLUSTER_TOOK_NS, s->took_ns);
		mnl_attr_put_u8(nlh, SOV_A_CLUSTER_RECEIVED, s->received);
		mnl_attr_nest_end(nlh, nest);
	}
}

static void reply_status(struct sovd_cluster *cl, struct sovd_client *c,
			 const struct nlmsghdr *req)
{
	static unsigned char buf[SOV_NL_BUFSZ];
	static struct raft_status st;
	char addr[SOV_CLUSTER_ADDR_LEN];
	struct nlmsghdr *nlh;
	uint32_t i;

	raft_status(cl->r, &st);
	nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_RAFT_STATUS, SOV_GENL_VERSION, 0,
			     req->nlmsg_seq);
	nlh->nlmsg_pid = req->nlmsg_pid;
	mnl_attr_put_strz(nlh, SOV_A_CLUSTER_CLUSTER_ID, cl->o.conf.cluster_id);
	mnl_attr_put_u64(nlh, SOV_A_CLUSTER_NODE_ID, st.id);
	mnl_attr_put_u8(nlh, SOV_A_CLUSTER_ROLE, (uint8_t)st.role);
	mnl_attr_put_u64(nlh, SOV_A_CLUSTER_TERM, st.hs.term);
	mnl_attr_put_u64(nlh, SOV_A_CLUSTER_VOTE, st.hs.vote);
	mnl_attr_put_u64(nlh, SOV_A_CLUSTER_LEADER, st.leader);
	if (st.leader)
		mnl_attr_put_strz(nlh, SOV_A_CLUSTER_LEADER_ADDR, st.leader == st.id ?
				  cl->o.conf.listen.text :
				  sovd_cluster_addr(cl, st.leader, addr, sizeof(addr)));
	mnl_attr_put_u64(nlh, SOV_A_CLUSTER_COMMIT, st.hs.commit);
	mnl_attr_put_u64(nlh, SOV_A_CLUSTER_APPLIED, cl->applied);
	mnl_attr_put_u64(nlh, SOV_A_CLUSTER_FIRST_INDEX, st.first_index);
	mnl_attr_put_u64(nlh, SOV_A_CLUSTER_LAST_INDEX, st.last_index);
	mnl_attr_put_u64(nlh, SOV_A_CLUSTER_SNAP_INDEX, st.snapshot_index);
	mnl_attr_put_u64(nlh, SOV_A_CLUSTER_SNAP_TERM, st.snapshot_term);
	mnl_attr_put_u64(nlh, SOV_A_CLUSTER_TRANSFEREE, st.transferee);
	if (cl->storage_err)
		mnl_attr_put_strz(nlh, SOV_A_CLUSTER_STORAGE_ERROR, cl->storage_msg);
	mnl_attr_put_strz(nlh, SOV_A_CLUSTER_DATA_DIR, cl->data_dir);
	mnl_attr_put_u32(nlh, SOV_A_CLUSTER_TICK_MS, cl->o.tick_ms);
	mnl_attr_put_u32(nlh, SOV_A_CLUSTER_ELECTION_TICKS, cl->o.election_ticks);
	mnl_attr_put_u32(nlh, SOV_A_CLUSTER_HEARTBEAT_TICKS, cl->o.heartbeat_ticks);
	mnl_attr_put_u32(nlh, SOV_A_CLUSTER_SNAPSHOT_EVERY, cl->o.snapshot_every);
	mnl_attr_put_u64(nlh, SOV_A_CLUSTER_KEYS, sov_kv_count(cl->kv));
	mnl_attr_put_u64(nlh, SOV_A_CLUSTER_READIES, cl->readies);
	mnl_attr_put_u64(nlh, SOV_A_CLUSTER_SYNCS, cl->syncs);
	mnl_attr_put_u64(nlh, SOV_A_CLUSTER_SYNCED_ENTRIES, cl->synced_entries);
	mnl_attr_put_u64(nlh, SOV_A_CLUSTER_MAX_BATCH, cl->max_batch);
	mnl_attr_put_u64(nlh, SOV_A_CLUSTER_PROPOSALS, cl->proposals);
	mnl_attr_put_u64(nlh, SOV_A_CLUSTER_READS, cl->reads);
	mnl_attr_put_u64(nlh, SOV_A_CLUSTER_REFUSED_MSGS, cl->refused_msgs);
	for (i = 0; i < st.conf.n_voters; i++)
		put_node(cl, nlh, &st, st.conf.voters[i], true);
	for (i = 0; i < st.conf.n_learners; i++)
		put_node(cl, nlh, &st, st.conf.learners[i], false);
	put_history(cl, nlh);
	sovd_client_send(c, nlh, nlh->nlmsg_len);
}

/* ---- changes ----------------------------------------------------------------------- */

static int node_of(const struct nlattr **tb, raft_id_t *id, char *msg, size_t msglen)
{
	if (!tb[SOV_A_CLUSTER_NODE_ID])
		REFUSE(-EINVAL, "NODE_ID (the node's id) missing");
	*id = mnl_attr_get_u64(tb[SOV_A_CLUSTER_NODE_ID]);
	if (!*id)
		REFUSE(-EINVAL, "NODE_ID 0 is not a node id (1-18446744073709551615)");
	return 0;
}

static int conf_error(int64_t ret, raft_id_t id, char *msg, size_t msglen)
{
	switch (ret) {
	case -RAFT_EBUSY:
		REFUSE(-EBUSY, "another membership change or a leadership transfer is in progress, or this leader has not committed an entry of its term yet: try again");
	case -RAFT_ENOTLEADER:
		REFUSE(-EAGAIN, "leadership was just lost: try again");
	case -EEXIST:
		REFUSE(-EEXIST, "node %" PRIu64 " is a member already", id);
	case -ENOENT:
		REFUSE(-ENOENT, "node %" PRIu64 " is not a member", id);
	case -ENOSPC:
		REFUSE(-ENOSPC, "the configuration is full (%d nodes)", RAFT_MAX_NODES);
	case -EINVAL:
		REFUSE(-EINVAL, "node %" PRIu64 " is the last voter: a cluster needs one", id);
	}
	REFUSE((int)ret, "the change was refused: %s", strerror((int)-ret));
}

static int add_node(struct sovd_cluster *cl, struct sovd_client *c, const struct nlmsghdr *nlh,
		    const struct nlattr **tb, char *msg, size_t msglen)
{
	static struct raft_status st;
	struct raft_conf_change cc = { .op = RAFT_CONF_ADD_VOTER };
	char key[64], err[200];
	struct sov_cluster_addr a;
	struct sov_kv_op op;
	bool member, voter = false;
	int64_t index;
	int ret;

	ret = node_of(tb, &cc.node, msg, msglen);
	if (ret)
		return ret;
	if (tb[SOV_A_CLUSTER_LEARNER])
		cc.op = RAFT_CONF_ADD_LEARNER;
	ret = sovd_cluster_refuse_write(cl, msg, msglen);
	if (ret)
		return ret;
	raft_status(cl->r, &st);
	member = in_conf(&st.conf, cc.node, &voter);
	if (member && (voter || cc.op == RAFT_CONF_ADD_LEARNER))
		REFUSE(-EEXIST, "node %" PRIu64 " is a %s already", cc.node, voter ? "voter" : "learner");
	if (!member) {	/* a learner is promoted where it is */
		if (!tb[SOV_A_CLUSTER_ADDR])
			REFUSE(-EINVAL, "ADDR (where node %" PRIu64 " listens for its peers) missing",
			       cc.node);
		if (sov_cluster_addr_parse(mnl_attr_get_str(tb[SOV_A_CLUSTER_ADDR]), 0, &a, err,
					   sizeof(err)))
			REFUSE(-EINVAL, "ADDR: %s", err);
		/* a node that joins empty learns its configuration from a snapshot */
		if (!st.snapshot_index && sovd_cluster_snapshot_now(cl) < 0)
			REFUSE(-EIO, "cannot take the snapshot the new node will start from");
		snprintf(key, sizeof(key), "raft/node/%" PRIu64, cc.node);
		op = (struct sov_kv_op){
			.op = SOV_KV_PUT, .key = key, .if_index = UINT64_MAX,
			.value = { .type = SOV_KV_STRING, .len = (uint32_t)strlen(a.text),
				   .data = (const uint8_t *)a.text },
		};
		/* the address first, so every node can reach the member it is about to get */
		index = sovd_cluster_propose_op(cl, &op, msg, msglen);
		if (index < 0)
			return (int)index;
	}
	index = raft_propose_conf(cl->r, &cc);
	if (index < 0)
		return conf_error(index, cc.node, msg, msglen);
	sovd_cluster_mark(cl);
	log_notice("cluster: adding node %" PRIu64 " as a %s (entry %" PRId64 ")", cc.node,
		   cc.op == RAFT_CONF_ADD_LEARNER ? "learner" : "voter", index);
	ret = sovd_cluster_wait_entry(cl, index, c, nlh, sovd_cluster_answer, NULL, msg, msglen);
	return ret ? ret : 1;
}

static int remove_node(struct sovd_cluster *cl, struct sovd_client *c,
		       const struct nlmsghdr *nlh, const struct nlattr **tb, char *msg,
		       size_t msglen)
{
	struct raft_conf_change cc = { .op = RAFT_CONF_REMOVE };
	static struct raft_status st;
	struct sov_kv_op op;
	char key[64], ignored[200];
	int64_t index;
	bool voter;
	int ret;

	ret = node_of(tb, &cc.node, msg, msglen);
	if (ret)
		return ret;
	ret = sovd_cluster_refuse_write(cl, msg, msglen);
	if (ret)
		return ret;
	raft_status(cl->r, &st);
	if (!in_conf(&st.conf, cc.node, &voter))
		REFUSE(-ENOENT, "node %" PRIu64 " is not a member", cc.node);
	index = raft_propose_conf(cl->r, &cc);
	if (index < 0)
		return conf_error(index, cc.node, msg, msglen);
	sovd_cluster_mark(cl);
	log_notice("cluster: removing node %" PRIu64 " (entry %" PRId64 ")", cc.node, index);
	/* and its address, best effort: nobody dials it after a restart */
	snprintf(key, sizeof(key), "raft/node/%" PRIu64, cc.node);
	op = (struct sov_kv_op){ .op = SOV_KV_DELETE, .key = key, .if_index = UINT64_MAX };
	sovd_cluster_propose_op(cl, &op, ignored, sizeof(ignored));
	ret = sovd_cluster_wait_entry(cl, index, c, nlh, sovd_cluster_answer, NULL, msg, msglen);
	return ret ? ret : 1;
}

static int transfer(struct sovd_cluster *cl, struct sovd_client *c, const struct nlmsghdr *nlh,
		    const struct nlattr **tb, char *msg, size_t msglen)
{
	struct sovd_wait *w;
	raft_id_t to;
	int ret;

	ret = node_of(tb, &to, msg, msglen);
	if (ret)
		return ret;
	ret = sovd_cluster_refuse_write(cl, msg, msglen);
	if (ret)
		return ret;
	if (to == cl->o.conf.self)
		return 0;	/* leads already */
	ret = raft_transfer_leader(cl->r, to);
	if (ret == -EINVAL)
		REFUSE(-EINVAL, "node %" PRIu64 " is not a voter: only a voter can lead", to);
	if (ret)
		return conf_error(ret, to, msg, msglen);
	sovd_cluster_mark(cl);
	log_notice("cluster: handing leadership to node %" PRIu64, to);
	w = sovd_cluster_wait(cl, SOVD_WAIT_LEADER, c, nlh, sovd_cluster_answer, NULL);
	if (!w)
		REFUSE(-ENOMEM, "out of memory");
	w->target = to;
	return 1;
}

/* ---- the generic write ------------------------------------------------------------- */

static int kv_put(struct sovd_cluster *cl, struct sovd_client *c, const struct nlmsghdr *nlh,
		  const struct nlattr **tb, char *msg, size_t msglen)
{
	char key[SOV_KV_KEY_MAX + 1];
	const char *user;
	struct sov_kv_op op;
	size_t len;
	int ret;

	if (tb[SOV_A_CLUSTER_NODE_ID] || tb[SOV_A_CLUSTER_ADDR] || tb[SOV_A_CLUSTER_LEARNER])
		REFUSE(-EINVAL, "KV_PUT takes KV_KEY and KV_VALUE only");
	if (!tb[SOV_A_CLUSTER_KV_KEY])
		REFUSE(-EINVAL, "KV_KEY (the key) missing");
	if (!tb[SOV_A_CLUSTER_KV_VALUE])
		REFUSE(-EINVAL, "KV_VALUE (the value) missing");
	user = mnl_attr_get_str(tb[SOV_A_CLUSTER_KV_KEY]);
	len = strlen(user);
	if (!len || len > SOV_KV_USER_KEY_MAX)
		REFUSE(-EINVAL, "KV_KEY: 1-%d characters, not %zu", SOV_KV_USER_KEY_MAX, len);
	if (mnl_attr_get_payload_len(tb[SOV_A_CLUSTER_KV_VALUE]) > SOV_KV_USER_VALUE_MAX)
		REFUSE(-EINVAL, "KV_VALUE: at most %d bytes", SOV_KV_USER_VALUE_MAX);
	snprintf(key, sizeof(key), "kv/%s", user);
	op = (struct sov_kv_op){
		.op = SOV_KV_PUT, .key = key, .if_index = UINT64_MAX,
		.value = { .type = SOV_KV_BYTES,
			   .len = mnl_attr_get_payload_len(tb[SOV_A_CLUSTER_KV_VALUE]),
			   .data = mnl_attr_get_payload(tb[SOV_A_CLUSTER_KV_VALUE]) },
	};
	/* a malformed key is refused here, not as an entry every node refuses */
	ret = sov_kv_op_check(&op, msg, msglen);
	if (ret)
		return ret;
	ret = sovd_cluster_propose(cl->d, c, nlh, &op, sovd_cluster_answer, NULL, msg, msglen);
	return ret ? ret : 1;
}

int sovd_cluster_request(struct sovd *d, struct sovd_client *c, const struct nlmsghdr *nlh,
			 char *msg, size_t msglen)
{
	const struct genlmsghdr *gh = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[SOV_A_CLUSTER_MAX + 1];
	struct sovd_cluster *cl = d->cluster;
	struct sov_nl_err err;

	unsigned int i;

	if (sov_nl_parse(nlh, tb, SOV_A_CLUSTER_MAX, cluster_types, &err))
		REFUSE(err.error, "%s", err.msg);
	for (i = 1; i <= SOV_A_CLUSTER_MAX; i++)
		if (tb[i] && cluster_types[i] == MNL_TYPE_UNSPEC)
			REFUSE(-EINVAL, "attribute %u is reply-only", i);
	if (!cl)
		REFUSE(-EOPNOTSUPP, "sovereignd runs without a cluster (start it with --cluster-id, --node-id and --peers)");
	switch (gh->cmd) {
	case SOV_CMD_RAFT_STATUS:
		for (i = 1; i <= SOV_A_CLUSTER_MAX; i++)
			if (tb[i])
				REFUSE(-EINVAL, "RAFT_STATUS takes no attributes");
		reply_status(cl, c, nlh);
		return 0;
	case SOV_CMD_RAFT_ADD_NODE:
		return add_node(cl, c, nlh, tb, msg, msglen);
	case SOV_CMD_RAFT_REMOVE_NODE:
		return remove_node(cl, c, nlh, tb, msg, msglen);
	case SOV_CMD_RAFT_TRANSFER_LEADER:
		return transfer(cl, c, nlh, tb, msg, msglen);
	case SOV_CMD_KV_PUT:
		return kv_put(cl, c, nlh, tb, msg, msglen);
	}
	REFUSE(-EOPNOTSUPP, "command %u is not a cluster command", gh->cmd);
}
