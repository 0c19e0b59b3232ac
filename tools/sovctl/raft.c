// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl raft: a clustered sovereignd's Raft node. Everything shown comes
 * from one SOV_CMD_RAFT_STATUS; the changes go to the node asked, which
 * must lead (a follower's refusal names the leader).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "print.h"
#include "sovctl.h"

#define MAX_NODES	64
#define MAX_HISTORY	64

struct raft_node {
	uint64_t id, match, next, msgs_out, msgs_in, bytes_out, bytes_in, drops, connects;
	char addr[64], last_error[200];
	uint8_t progress;
	bool voter, self, has_progress, active, has_link, link_out, link_in;
};

struct raft_election {
	uint64_t start_ns, end_ns, term, leader;
	uint32_t campaigns;
};

struct raft_snap {
	uint64_t time_ns, index, term, bytes, took_ns;
	bool received;
};

struct raft_info {
	char cluster_id[64], leader_addr[64], storage_error[256], data_dir[256];
	uint64_t node, term, vote, leader, commit, applied, first, last, snap_index, snap_term;
	uint64_t transferee, keys, readies, syncs, synced, max_batch, proposals, reads, refused;
	uint32_t tick_ms, election_ticks, heartbeat_ticks, snapshot_every;
	uint8_t role;
	unsigned int n_nodes, n_elections, n_snaps;
	struct raft_node nodes[MAX_NODES];
	struct raft_election elections[MAX_HISTORY];
	struct raft_snap snaps[MAX_HISTORY];
};

static const enum mnl_attr_data_type types[SOV_A_CLUSTER_MAX + 1] = {
	[SOV_A_CLUSTER_CLUSTER_ID] = MNL_TYPE_NUL_STRING,
	[SOV_A_CLUSTER_NODE_ID] = MNL_TYPE_U64, [SOV_A_CLUSTER_ROLE] = MNL_TYPE_U8,
	[SOV_A_CLUSTER_TERM] = MNL_TYPE_U64, [SOV_A_CLUSTER_VOTE] = MNL_TYPE_U64,
	[SOV_A_CLUSTER_LEADER] = MNL_TYPE_U64, [SOV_A_CLUSTER_LEADER_ADDR] = MNL_TYPE_NUL_STRING,
	[SOV_A_CLUSTER_COMMIT] = MNL_TYPE_U64, [SOV_A_CLUSTER_APPLIED] = MNL_TYPE_U64,
	[SOV_A_CLUSTER_FIRST_INDEX] = MNL_TYPE_U64, [SOV_A_CLUSTER_LAST_INDEX] = MNL_TYPE_U64,
	[SOV_A_CLUSTER_SNAP_INDEX] = MNL_TYPE_U64, [SOV_A_CLUSTER_SNAP_TERM] = MNL_TYPE_U64,
	[SOV_A_CLUSTER_TRANSFEREE] = MNL_TYPE_U64,
	[SOV_A_CLUSTER_STORAGE_ERROR] = MNL_TYPE_NUL_STRING,
	[SOV_A_CLUSTER_DATA_DIR] = MNL_TYPE_NUL_STRING, [SOV_A_CLUSTER_TICK_MS] = MNL_TYPE_U32,
	[SOV_A_CLUSTER_ELECTION_TICKS] = MNL_TYPE_U32,
	[SOV_A_CLUSTER_HEARTBEAT_TICKS] = MNL_TYPE_U32,
	[SOV_A_CLUSTER_SNAPSHOT_EVERY] = MNL_TYPE_U32, [SOV_A_CLUSTER_KEYS] = MNL_TYPE_U64,
	[SOV_A_CLUSTER_READIES] = MNL_TYPE_U64, [SOV_A_CLUSTER_SYNCS] = MNL_TYPE_U64,
	[SOV_A_CLUSTER_SYNCED_ENTRIES] = MNL_TYPE_U64, [SOV_A_CLUSTER_MAX_BATCH] = MNL_TYPE_U64,
	[SOV_A_CLUSTER_PROPOSALS] = MNL_TYPE_U64, [SOV_A_CLUSTER_READS] = MNL_TYPE_U64,
	[SOV_A_CLUSTER_REFUSED_MSGS] = MNL_TYPE_U64, [SOV_A_CLUSTER_NODE] = MNL_TYPE_NESTED,
	[SOV_A_CLUSTER_ADDR] = MNL_TYPE_NUL_STRING, [SOV_A_CLUSTER_VOTER] = MNL_TYPE_U8,
	[SOV_A_CLUSTER_SELF] = MNL_TYPE_U8, [SOV_A_CLUSTER_MATCH] = MNL_TYPE_U64,
	[SOV_A_CLUSTER_NEXT] = MNL_TYPE_U64, [SOV_A_CLUSTER_PROGRESS] = MNL_TYPE_U8,
	[SOV_A_CLUSTER_ACTIVE] = MNL_TYPE_U8, [SOV_A_CLUSTER_LINK_OUT] = MNL_TYPE_U8,
	[SOV_A_CLUSTER_LINK_IN] = MNL_TYPE_U8, [SOV_A_CLUSTER_MSGS_OUT] = MNL_TYPE_U64,
	[SOV_A_CLUSTER_MSGS_IN] = MNL_TYPE_U64, [SOV_A_CLUSTER_BYTES_OUT] = MNL_TYPE_U64,
	[SOV_A_CLUSTER_BYTES_IN] = MNL_TYPE_U64, [SOV_A_CLUSTER_DROPS] = MNL_TYPE_U64,
	[SOV_A_CLUSTER_CONNECTS] = MNL_TYPE_U64,
	[SOV_A_CLUSTER_LAST_ERROR] = MNL_TYPE_NUL_STRING,
	[SOV_A_CLUSTER_ELECTION] = MNL_TYPE_NESTED, [SOV_A_CLUSTER_START_NS] = MNL_TYPE_U64,
	[SOV_A_CLUSTER_END_NS] = MNL_TYPE_U64, [SOV_A_CLUSTER_CAMPAIGNS] = MNL_TYPE_U32,
	[SOV_A_CLUSTER_SNAPSHOT] = MNL_TYPE_NESTED, [SOV_A_CLUSTER_TIME_NS] = MNL_TYPE_U64,
	[SOV_A_CLUSTER_BYTES] = MNL_TYPE_U64, [SOV_A_CLUSTER_TOOK_NS] = MNL_TYPE_U64,
	[SOV_A_CLUSTER_RECEIVED] = MNL_TYPE_U8,
};

static const char *const role_names[] = { "follower", "pre-candidate", "candidate", "leader" };
static const char *const progress_names[] = { "probe", "replicate", "snapshot" };

#define U64(tb, a) ((tb)[a] ? mnl_attr_get_u64((tb)[a]) : 0)
#define U8(tb, a) ((tb)[a] ? mnl_attr_get_u8((tb)[a]) : 0)

static void str(const struct nlattr *a, char *buf, size_t len)
{
	snprintf(buf, len, "%s", a ? mnl_attr_get_str(a) : "");
}

/* Attributes of one nest, the known ones only (a newer daemon may send more). */
static void nested(const struct nlattr *nest, const struct nlattr **tb)
{
	const struct nlattr *a;

	memset(tb, 0, sizeof(*tb) * (SOV_A_CLUSTER_MAX + 1));
	mnl_attr_for_each_nested(a, nest) {
		uint16_t t = mnl_attr_get_type(a);

		if (t <= SOV_A_CLUSTER_MAX && types[t] != MNL_TYPE_UNSPEC &&
		    mnl_attr_validate(a, types[t]) >= 0)
			tb[t] = a;
	}
}

static void parse_node(struct raft_info *ri, const struct nlattr *nest)
{
	const struct nlattr *tb[SOV_A_CLUSTER_MAX + 1];
	struct raft_node *n;

	if (ri->n_nodes == MAX_NODES)
		return;
	n = &ri->nodes[ri->n_nodes++];
	nested(nest, tb);
	n->id = U64(tb, SOV_A_CLUSTER_NODE_ID);
	str(tb[SOV_A_CLUSTER_ADDR], n->addr, sizeof(n->addr));
	n->voter = U8(tb, SOV_A_CLUSTER_VOTER);
	n->self = U8(tb, SOV_A_CLUSTER_SELF);
	n->has_progress = tb[SOV_A_CLUSTER_MATCH];
	n->match = U64(tb, SOV_A_CLUSTER_MATCH);
	n->next = U64(tb, SOV_A_CLUSTER_NEXT);
	n->progress = U8(tb, SOV_A_CLUSTER_PROGRESS);
	n->active = U8(tb, SOV_A_CLUSTER_ACTIVE);
	n->has_link = tb[SOV_A_CLUSTER_LINK_OUT];
	n->link_out = U8(tb, SOV_A_CLUSTER_LINK_OUT);
	n->link_in = U8(tb, SOV_A_CLUSTER_LINK_IN);
	n->msgs_out = U64(tb, SOV_A_CLUSTER_MSGS_OUT);
	n->msgs_in = U64(tb, SOV_A_CLUSTER_MSGS_IN);
	n->bytes_out = U64(tb, SOV_A_CLUSTER_BYTES_OUT);
	n->bytes_in = U64(tb, SOV_A_CLUSTER_BYTES_IN);
	n->drops = U64(tb, SOV_A_CLUSTER_DROPS);
	n->connects = U64(tb, SOV_A_CLUSTER_CONNECTS);
	str(tb[SOV_A_CLUSTER_LAST_ERROR], n->last_error, sizeof(n->last_error));
}

static int status_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[SOV_A_CLUSTER_MAX + 1], *a, *in[SOV_A_CLUSTER_MAX + 1];
	struct raft_info *ri = data;

	sov_nl_parse_known(nlh, tb, SOV_A_CLUSTER_MAX, types);
	str(tb[SOV_A_CLUSTER_CLUSTER_ID], ri->cluster_id, sizeof(ri->cluster_id));
	str(tb[SOV_A_CLUSTER_LEADER_ADDR], ri->leader_addr, sizeof(ri->leader_addr));
	str(tb[SOV_A_CLUSTER_STORAGE_ERROR], ri->storage_error, sizeof(ri->storage_error));
	str(tb[SOV_A_CLUSTER_DATA_DIR], ri->data_dir, sizeof(ri->data_dir));
	ri->node = U64(tb, SOV_A_CLUSTER_NODE_ID);
	ri->role = U8(tb, SOV_A_CLUSTER_ROLE);
	ri->term = U64(tb, SOV_A_CLUSTER_TERM);
	ri->vote = U64(tb, SOV_A_CLUSTER_VOTE);
	ri->leader = U64(tb, SOV_A_CLUSTER_LEADER);
	ri->commit = U64(tb, SOV_A_CLUSTER_COMMIT);
	ri->applied = U64(tb, SOV_A_CLUSTER_APPLIED);
	ri->first = U64(tb, SOV_A_CLUSTER_FIRST_INDEX);
	ri->last = U64(tb, SOV_A_CLUSTER_LAST_INDEX);
	ri->snap_index = U64(tb, SOV_A_CLUSTER_SNAP_INDEX);
	ri->snap_term = U64(tb, SOV_A_CLUSTER_SNAP_TERM);
	ri->transferee = U64(tb, SOV_A_CLUSTER_TRANSFEREE);
	ri->keys = U64(tb, SOV_A_CLUSTER_KEYS);
	ri->readies = U64(tb, SOV_A_CLUSTER_READIES);
	ri->syncs = U64(tb, SOV_A_CLUSTER_SYNCS);
	ri->synced = U64(tb, SOV_A_CLUSTER_SYNCED_ENTRIES);
	ri->max_batch = U64(tb, SOV_A_CLUSTER_MAX_BATCH);
	ri->proposals = U64(tb, SOV_A_CLUSTER_PROPOSALS);
	ri->reads = U64(tb, SOV_A_CLUSTER_READS);
	ri->refused = U64(tb, SOV_A_CLUSTER_REFUSED_MSGS);
	ri->tick_ms = tb[SOV_A_CLUSTER_TICK_MS] ? mnl_attr_get_u32(tb[SOV_A_CLUSTER_TICK_MS]) : 0;
	ri->election_ticks = tb[SOV_A_CLUSTER_ELECTION_TICKS] ?
			     mnl_attr_get_u32(tb[SOV_A_CLUSTER_ELECTION_TICKS]) : 0;
	ri->heartbeat_ticks = tb[SOV_A_CLUSTER_HEARTBEAT_TICKS] ?
			      mnl_attr_get_u32(tb[SOV_A_CLUSTER_HEARTBEAT_TICKS]) : 0;
	ri->snapshot_every = tb[SOV_A_CLUSTER_SNAPSHOT_EVERY] ?
			     mnl_attr_get_u32(tb[SOV_A_CLUSTER_SNAPSHOT_EVERY]) : 0;
	/* the repeated nests, in order */
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case SOV_A_CLUSTER_NODE:
			parse_node(ri, a);
			break;
		case SOV_A_CLUSTER_ELECTION:
			if (ri->n_elections < MAX_HISTORY) {
				struct raft_election *e = &ri->elections[ri->n_elections++];

				nested(a, in);
				e->start_ns = U64(in, SOV_A_CLUSTER_START_NS);
				e->end_ns = U64(in, SOV_A_CLUSTER_END_NS);
				e->term = U64(in, SOV_A_CLUSTER_TERM);
				e->leader = U64(in, SOV_A_CLUSTER_LEADER);
				e->campaigns = in[SOV_A_CLUSTER_CAMPAIGNS] ?
					       mnl_attr_get_u32(in[SOV_A_CLUSTER_CAMPAIGNS]) : 0;
			}
			break;
		case SOV_A_CLUSTER_SNAPSHOT:
			if (ri->n_snaps < MAX_HISTORY) {
				struct raft_snap *s = &ri->snaps[ri->n_snaps++];

				nested(a, in);
				s->time_ns = U64(in, SOV_A_CLUSTER_TIME_NS);
				s->index = U64(in, SOV_A_CLUSTER_SNAP_INDEX);
				s->term = U64(in, SOV_A_CLUSTER_SNAP_TERM);
				s->bytes = U64(in, SOV_A_CLUSTER_BYTES);
				s->took_ns = U64(in, SOV_A_CLUSTER_TOOK_NS);
				s->received = U8(in, SOV_A_CLUSTER_RECEIVED);
			}
			break;
		}
	}
	return MNL_CB_OK;
}

/* One request to the daemon: its reply into @ri (may be NULL). EXIT_* */
static int transact(struct nlmsghdr *nlh, const char *what, struct raft_info *ri)
{
	struct sov_ctl *c = malloc(sizeof(*c));
	struct sov_nl_err err;
	int ret;

	if (!c)
		return op_error("out of memory");
	if (daemon_open(c, false, NULL)) {
		free(c);
		return EXIT_FAIL;
	}
	ret = sov_ctl_transact(c, nlh, ri ? status_cb : NULL, ri, &err);
	sov_ctl_close(c);
	free(c);
	return ret ? report_nl_error(what, &err, NULL, 0) : EXIT_OK;
}

static int query(struct raft_info *ri, const char *what)
{
	unsigned char buf[128];

	memset(ri, 0, sizeof(*ri));
	return transact(sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_RAFT_STATUS,
				       SOV_GENL_VERSION, 0, 0), what, ri);
}

static const char *role_name(uint8_t role)
{
	return role < 4 ? role_names[role] : "unknown";
}

/* CLOCK_REALTIME ns as "2026-11-25T16:02:11.123Z" */
static const char *fmt_time(uint64_t ns, char *buf, size_t len)
{
	time_t s = (time_t)(ns / 1000000000ULL);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned int)(ns / 1000000ULL % 1000));
	return buf;
}

static const char *fmt_ms(uint64_t ns, char *buf, size_t len)
{
	if (ns < 10000000ULL)
		snprintf(buf, len, "%.1f ms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%llu ms", (unsigned long long)(ns / 1000000ULL));
	return buf;
}

/* ---- show --------------------------------------------------------------------- */

static void print_summary(const struct raft_info *ri)
{
	unsigned int i, voters = 0, learners = 0, up = 0;

	for (i = 0; i < ri->n_nodes; i++) {
		ri->nodes[i].voter ? voters++ : learners++;
		up += ri->nodes[i].self || (ri->nodes[i].link_out && ri->nodes[i].link_in);
	}
	print_string("cluster", "cluster %s", ri->cluster_id);
	print_u64("node", "  node %llu", ri->node);
	print_string("role", "  %s", role_name(ri->role));
	print_u64("term", " in term %llu\n", ri->term);
	print_u64("leader", ri->leader ? "  leader     node %llu" : "  leader     none known",
		  ri->leader);
	print_string("leader_addr", ri->leader_addr[0] ? " at %s" : "", ri->leader_addr);
	print_u64("vote", NULL, ri->vote);
	print_u64("transferee", ri->transferee ? " (handing over to node %llu)" : "",
		  ri->transferee);
	print_text("\n");
	print_u64("first_index", "  log        entries %llu", ri->first);
	print_u64("last_index", "-%llu", ri->last);
	print_u64("commit", ", commit %llu", ri->commit);
	print_u64("applied", ", applied %llu\n", ri->applied);
	print_u64("snapshot_index", "  snapshot   index %llu", ri->snap_index);
	print_u64("snapshot_term", " term %llu", ri->snap_term);
	print_u64("snapshot_every", ", every %llu entries\n", ri->snapshot_every);
	print_u64("voters", "  members    %llu voters", voters);
	print_u64("learners", ", %llu learners", learners);
	print_u64("reachable", ", %llu reachable (this one included)\n", up);
	print_u64("keys", "  state      %llu keys\n", ri->keys);
	if (ri->storage_error[0])
		print_string("storage_error",
			     "  storage    FAILED: %s (acknowledges nothing until restarted)\n",
			     ri->storage_error);
	else
		print_null("storage_error", "  storage    ok");
	print_string("data_dir", ri->storage_error[0] ? "  data dir   %s\n" : ", %s\n",
		     ri->data_dir);
	print_u64("syncs", "  batching   %llu fsyncs", ri->syncs);
	print_u64("synced_entries", " for %llu entries", ri->synced);
	print_u64("max_batch", " (at most %llu in one)", ri->max_batch);
	print_u64("readies", ", %llu Readies\n", ri->readies);
	print_u64("proposals", "  requests   %llu writes", ri->proposals);
	print_u64("reads", ", %llu linearizable reads", ri->reads);
	print_u64("refused_msgs", ", %llu malformed peer messages refused\n", ri->refused);
	print_u64("tick_ms", "  timing     tick %llu ms", ri->tick_ms);
	print_u64("election_ticks", ", election %llu ticks", ri->election_ticks);
	print_u64("heartbeat_ticks", ", heartbeat %llu ticks\n", ri->heartbeat_ticks);
}

static void print_nodes(const struct raft_info *ri)
{
	unsigned int i;

	print_text("%-6s %-24s %-8s %s\n", "NODE", "ADDRESS", "KIND", "LINKS");
	print_open_array("nodes");
	for (i = 0; i < ri->n_nodes; i++) {
		const struct raft_node *n = &ri->nodes[i];

		print_open_object(NULL);
		print_u64("id", "%-6llu ", n->id);
		print_string("addr", "%-24s ", n->addr[0] ? n->addr : "?");
		print_string("kind", "%-8s ", n->voter ? "voter" : "learner");
		print_bool("self", NULL, n->self);
		print_bool("leader", NULL, n->id == ri->leader);
		if (n->self) {
			print_text("this node%s", n->id == ri->leader ? ", leader" : "");
		} else if (n->has_link) {
			print_bool("link_out", NULL, n->link_out);
			print_bool("link_in", NULL, n->link_in);
			print_text("out %s, in %s", n->link_out ? "up" : "down",
				   n->link_in ? "up" : "down");
			print_text("%s", n->id == ri->leader ? ", leader" : "");
			print_u64("msgs_out", NULL, n->msgs_out);
			print_u64("msgs_in", NULL, n->msgs_in);
			print_u64("bytes_out", NULL, n->bytes_out);
			print_u64("bytes_in", NULL, n->bytes_in);
			print_u64("drops", NULL, n->drops);
			print_u64("connects", NULL, n->connects);
			if (n->last_error[0])
				print_string("last_error", "; last down: %s", n->last_error);
		} else {
			print_text("no link (address unknown)");
		}
		print_text("\n");
		print_close_object();
	}
	print_close_array();
}

static void print_replication(const struct raft_info *ri)
{
	unsigned int i;

	if (ri->role != SOV_RAFT_ROLE_LEADER) {
		print_u64("node", "node %llu", ri->node);
		print_string("role", " is a %s: the leader tracks replication", role_name(ri->role));
		print_u64("leader", ri->leader ? " (node %llu" : " (no leader known)", ri->leader);
		print_string("leader_addr", ri->leader ? " at %s)" : "", ri->leader_addr);
		print_u64("applied", "\nthis node: commit %llu", ri->commit);
		print_text(", applied %llu, last %llu\n", (unsigned long long)ri->applied,
			   (unsigned long long)ri->last);
		print_open_array("peers");
		print_close_array();
		return;
	}
	print_u64("commit", "commit %llu", ri->commit);
	print_u64("last_index", ", last %llu\n", ri->last);
	print_text("%-6s %-8s %-8s %-8s %-6s %-10s %s\n", "NODE", "KIND", "MATCH", "NEXT", "LAG",
		   "STATE", "ACTIVE");
	print_open_array("peers");
	for (i = 0; i < ri->n_nodes; i++) {
		const struct raft_node *n = &ri->nodes[i];

		if (n->self || !n->has_progress)
			continue;
		print_open_object(NULL);
		print_u64("id", "%-6llu ", n->id);
		print_string("kind", "%-8s ", n->voter ? "voter" : "learner");
		print_u64("match", "%-8llu ", n->match);
		print_u64("next", "%-8llu ", n->next);
		print_u64("lag", "%-6llu ", ri->last > n->match ? ri->last - n->match : 0);
		print_string("state", "%-10s ", n->progress < 3 ? progress_names[n->progress] : "?");
		print_bool("active", "%s\n", n->active);	/* yes / no */
		print_close_object();
	}
	print_close_array();
}

static void print_elections(const struct raft_info *ri)
{
	char t[80], dur[32];
	unsigned int i;

	print_text("%-25s %-10s %-6s %-7s %s\n", "STARTED", "LASTED", "TERM", "LEADER",
		   "CAMPAIGNS");
	print_open_array("elections");
	for (i = 0; i < ri->n_elections; i++) {
		const struct raft_election *e = &ri->elections[i];

		print_open_object(NULL);
		print_u64("start_ns", NULL, e->start_ns);
		print_text("%-25s ", fmt_time(e->start_ns, t, sizeof(t)));
		if (e->end_ns) {
			print_u64("duration_ns", NULL, e->end_ns - e->start_ns);
			print_text("%-10s ", fmt_ms(e->end_ns - e->start_ns, dur, sizeof(dur)));
			print_u64("term", "%-6llu ", e->term);
			print_u64("leader", "%-7llu ", e->leader);
		} else {
			print_null("duration_ns", NULL);
			print_text("%-10s ", "going on");
			print_null("term", NULL);
			print_null("leader", NULL);
			print_text("%-6s %-7s ", "-", "-");
		}
		print_u64("campaigns", "%llu\n", e->campaigns);
		print_close_object();
	}
	print_close_array();
}

static void print_snapshots(const struct raft_info *ri)
{
	char t[80], dur[32];
	unsigned int i;

	print_text("%-25s %-8s %-6s %-10s %-9s %s\n", "TIME", "INDEX", "TERM", "BYTES", "TOOK",
		   "FROM");
	print_open_array("snapshots");
	for (i = 0; i < ri->n_snaps; i++) {
		const struct raft_snap *s = &ri->snaps[i];

		print_open_object(NULL);
		print_u64("time_ns", NULL, s->time_ns);
		print_text("%-25s ", fmt_time(s->time_ns, t, sizeof(t)));
		print_u64("index", "%-8llu ", s->index);
		print_u64("term", "%-6llu ", s->term);
		print_u64("bytes", "%-10llu ", s->bytes);
		print_u64("took_ns", NULL, s->took_ns);
		print_text("%-9s ", fmt_ms(s->took_ns, dur, sizeof(dur)));
		print_string("from", "%s\n", s->received ? "leader" : "taken here");
		print_close_object();
	}
	print_close_array();
}

static int show(int argc, char **argv, const char *what, void (*fn)(const struct raft_info *))
{
	struct raft_info *ri;
	char label[64];
	int ret;

	if (argc > 0)
		return usage_error("'raft %s' takes no arguments, got \"%s\"", what, argv[0]);
	ri = malloc(sizeof(*ri));
	if (!ri)
		return op_error("out of memory");
	snprintf(label, sizeof(label), "raft %s", what);
	ret = query(ri, label);
	if (ret == EXIT_OK) {
		print_begin(sovctl.json, sovctl.pretty, stdout);
		fn(ri);
		ret = print_end() ? EXIT_FAIL : EXIT_OK;
	}
	free(ri);
	return ret;
}

/* ---- changes ------------------------------------------------------------------- */

static int parse_id(const char *s, uint64_t *id)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!*s || *s == '-' || *s == '+' || errno || *end || !v)
		return usage_error("\"%s\" is not a node id: expected 1-18446744073709551615", s);
	*id = v;
	return EXIT_OK;
}

static int change(int argc, char **argv, uint8_t cmd, const char *what)
{
	unsigned char buf[256];
	struct nlmsghdr *nlh;
	bool learner = false;
	uint64_t id = 0;
	int need = cmd == SOV_CMD_RAFT_ADD_NODE ? 2 : 1;

	if (argc < 1)
		return usage_error("'raft %s' needs a node id", what);
	if (parse_id(argv[0], &id))
		return EXIT_USAGE;
	if (cmd == SOV_CMD_RAFT_ADD_NODE && argc >= 2 && matches(argv[argc - 1], "learner")) {
		learner = true;
		argc--;
	}
	/* promoting a learner needs no address */
	if (cmd == SOV_CMD_RAFT_ADD_NODE && argc == 1)
		need = 1;
	if (argc > need)
		return usage_error("'raft %s': unexpected \"%s\"", what, argv[need]);
	nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, cmd, SOV_GENL_VERSION, 0, 0);
	mnl_attr_put_u64(nlh, SOV_A_CLUSTER_NODE_ID, id);
	if (cmd == SOV_CMD_RAFT_ADD_NODE && argc == 2)
		mnl_attr_put_strz(nlh, SOV_A_CLUSTER_ADDR, argv[1]);
	if (learner)
		mnl_attr_put(nlh, SOV_A_CLUSTER_LEARNER, 0, NULL);
	if (transact(nlh, what, NULL))
		return EXIT_FAIL;
	verbose("%s %llu: done", what, (unsigned long long)id);
	return EXIT_OK;
}

static int help(void)
{
	fputs("Usage: sovctl raft [ status ]\n"
	      "       sovctl raft { nodes | replication | elections | snapshots }\n"
	      "       sovctl raft add-node ID ADDR:PORT [ learner ]\n"
	      "       sovctl raft add-node ID            (promote a learner)\n"
	      "       sovctl raft remove-node ID\n"
	      "       sovctl raft transfer-leader ID\n"
	      "       sovctl raft help\n"
	      "\n"
	      "  status           term, role, leader, log and commit/applied indexes, storage,\n"
	      "                   batching (fsyncs and the entries they covered)\n"
	      "  nodes            members, their addresses and the links to them\n"
	      "  replication      on the leader: each member's match/next index, lag, state\n"
	      "  elections        the last 32 times this node knew no leader: when, how long,\n"
	      "                   who won, how often this node stood\n"
	      "  snapshots        the last 32 snapshots taken here or received\n"
	      "  add-node         add a node (a voter, or a learner); to the leader. Start the\n"
	      "                   new node with --join and --peers listing the cluster\n"
	      "  remove-node      remove a voter or learner; to the leader\n"
	      "  transfer-leader  hand leadership to a voter; returns once it leads\n"
	      "\n"
	      "Changes go to the leader; a follower's refusal names it. -j prints JSON.\n",
	      stdout);
	return EXIT_OK;
}

int do_raft(int argc, char **argv)
{
	if (argc == 0 || matches(argv[0], "status") || matches(argv[0], "show"))
		return show(argc ? argc - 1 : 0, argv + (argc ? 1 : 0), "status", print_summary);
	if (matches(argv[0], "nodes"))
		return show(argc - 1, argv + 1, "nodes", print_nodes);
	if (matches(argv[0], "replication"))
		return show(argc - 1, argv + 1, "replication", print_replication);
	if (matches(argv[0], "elections"))
		return show(argc - 1, argv + 1, "elections", print_elections);
	if (matches(argv[0], "snapshots"))
		return show(argc - 1, argv + 1, "snapshots", print_snapshots);
	if (matches(argv[0], "add-node"))
		return change(argc - 1, argv + 1, SOV_CMD_RAFT_ADD_NODE, "add-node");
	if (matches(argv[0], "remove-node"))
		return change(argc - 1, argv + 1, SOV_CMD_RAFT_REMOVE_NODE, "remove-node");
	if (matches(argv[0], "transfer-leader"))
		return change(argc - 1, argv + 1, SOV_CMD_RAFT_TRANSFER_LEADER, "transfer-leader");
	if (matches(argv[0], "help"))
		return help();
	return usage_error("command \"%s\" is unknown for 'raft', try \"sovctl raft help\"",
			   argv[0]);
}
