// SPDX-License-Identifier: GPL-2.0
/*
 * sovereignd as a cluster: real processes (the ASan+UBSan daemon) on
 * 127.0.0.1, each with its own data dir, control socket and private bpffs.
 * A leader is elected; load balancer writes through it reach every node's
 * BPF maps; the leader killed (-9) under a write loop is replaced and no
 * acknowledged write is lost; a restarted node catches up from the log or a
 * snapshot; a minority cannot commit; a full disk fences a node; garbage
 * and malformed messages on the peer port cost the daemon nothing; nodes are
 * added, promoted, handed the leadership and removed; bad configurations
 * are refused at startup with a clear message. The processes are
 * cluster_harness.c's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <cmocka.h>

#include "cluster_harness.h"
#include "../../lib/lb/service.h"
#include "../../lib/nl/nl.h"
#include "../../lib/raft/wire.h"
#include "../../tools/sovctl/sovctl.h"
#include "../../uapi/linux/sovereign.h"

static bool bpf_ok = true;

/* ---- load balancer requests ------------------------------------------------------------ */

static void put_vip(struct nlmsghdr *nlh, uint8_t last, uint16_t port)
{
	uint8_t a[4] = { 10, 0, 0, last };

	mnl_attr_put(nlh, SOV_A_LB_VIP_ADDR, 4, a);
	mnl_attr_put_u16(nlh, SOV_A_LB_VIP_PORT, port);
	mnl_attr_put_u8(nlh, SOV_A_LB_PROTO, IPPROTO_TCP);
}

static int service_add(unsigned int i, uint8_t last, struct sov_nl_err *err)
{
	unsigned char buf[256];
	struct nlmsghdr *nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_LB_SERVICE_ADD,
					      SOV_GENL_VERSION, 0, 0);

	put_vip(nlh, last, 80);
	return request(i, nlh, NULL, NULL, err);
}

static struct nlmsghdr *backend_msg(void *buf, uint8_t cmd, uint8_t svc, uint32_t be,
				    uint32_t weight)
{
	struct nlmsghdr *nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, cmd, SOV_GENL_VERSION, 0, 0);
	uint8_t a[4] = { 10, 2, (uint8_t)(be >> 8), (uint8_t)be };

	put_vip(nlh, svc, 80);
	mnl_attr_put(nlh, SOV_A_LB_BE_ADDR, 4, a);
	if (weight)
		mnl_attr_put_u32(nlh, SOV_A_LB_BE_WEIGHT, weight);
	return nlh;
}

static int backend_add(unsigned int i, uint8_t svc, uint32_t be, struct sov_nl_err *err)
{
	unsigned char buf[256];

	return request(i, backend_msg(buf, SOV_CMD_LB_BACKEND_ADD, svc, be, 0), NULL, NULL, err);
}

static int backend_set(unsigned int i, uint8_t svc, uint32_t be, uint32_t weight,
		       struct sov_nl_err *err)
{
	unsigned char buf[256];

	return request(i, backend_msg(buf, SOV_CMD_LB_BACKEND_SET, svc, be, weight), NULL, NULL,
		       err);
}

/* What a node's dump shows: services, and the backends of each by address. */
struct dump {
	unsigned int services;
	uint32_t be[MAX_NODES * 64];	/* 10.2.x.y as x << 8 | y */
	uint32_t weight[MAX_NODES * 64];
	unsigned int n_be;
};

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	const struct nlattr *a, *b;

	d->services++;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		uint32_t addr = 0, weight = 0;

		if (mnl_attr_get_type(a) != SOV_A_LB_BACKEND)
			continue;
		mnl_attr_for_each_nested(b, a) {
			const uint8_t *p = mnl_attr_get_payload(b);

			if (mnl_attr_get_type(b) == SOV_A_LB_BE_ADDR)
				addr = (uint32_t)p[2] << 8 | p[3];
			if (mnl_attr_get_type(b) == SOV_A_LB_BE_WEIGHT)
				weight = mnl_attr_get_u32(b);
		}
		if (d->n_be < sizeof(d->be) / sizeof(d->be[0])) {
			d->weight[d->n_be] = weight;
			d->be[d->n_be++] = addr;
		}
	}
	return MNL_CB_OK;
}

static int dump(unsigned int i, struct dump *d, struct sov_nl_err *err)
{
	unsigned char buf[128];

	memset(d, 0, sizeof(*d));
	return request(i, sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_LB_SERVICE_GET,
					 SOV_GENL_VERSION, NLM_F_DUMP, 0), dump_cb, d, err);
}

static bool has_backend(const struct dump *d, uint32_t be)
{
	unsigned int i;

	for (i = 0; i < d->n_be; i++)
		if (d->be[i] == be)
			return true;
	return false;
}

/* Keys in the node's pinned lb_services map: its own BPF state. */
static unsigned int pinned_services(unsigned int i)
{
	char path[300];
	uint8_t key[64], next[64];
	unsigned int n = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/sovereign/lb/lb_services", nodes[i].bpf);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (!bpf_map_get_next_key(fd, NULL, key)) {
		n = 1;
		while (!bpf_map_get_next_key(fd, key, next)) {
			memcpy(key, next, sizeof(key));
			n++;
		}
	}
	close(fd);
	return n;
}

/* The LB needs BPF; without it (no bpffs here) only Raft is tested. */
static bool lb_running(unsigned int i)
{
	struct sov_nl_err err;
	struct dump d;

	return dump(i, &d, &err) != -EOPNOTSUPP;
}

#define NEED_LB(i) do { if (!bpf_ok || !lb_running(i)) { bpf_ok = false; skip(); } } while (0)

/* ---- tests ----------------------------------------------------------------------------- */

/* Writes through the leader reach every node; a follower names the leader. */
static void test_replicate(void **state)
{
	unsigned int leader = wait_leader(), f, i;
	char out[4096], want[128];
	struct sov_nl_err err;
	struct status st;
	struct dump d;

	(void)state;
	assert_true(leader);
	NEED_LB(leader);
	f = leader % 3 + 1;
	assert_int_equal(service_add(leader, 100, &err), 0);
	assert_int_equal(service_add(leader, 101, &err), 0);
	for (i = 1; i <= 3; i++)
		assert_int_equal(backend_add(leader, 100, i, &err), 0);

	/* a follower refuses and says where to go */
	assert_int_equal(backend_add(f, 100, 9, &err), -EREMOTE);
	snprintf(want, sizeof(want), "not the leader: node %u at 127.0.0.1:%u is", leader,
		 nodes[leader].port);
	assert_string_equal(err.msg, want);
	/* refused by the leader exactly as by a lone daemon, and nothing proposed */
	assert_int_equal(status(leader, &st), 0);
	assert_int_equal(service_add(leader, 100, &err), -EEXIST);
	assert_string_equal(err.msg, "service 10.0.0.100:80/tcp exists");

	for (i = 1; i <= 3; i++) {
		assert_int_equal(dump(i, &d, &err), 0);	/* linearizable: no waiting needed */
		assert_int_equal(d.services, 2);
		assert_int_equal(d.n_be, 3);
		assert_true(has_backend(&d, 1) && has_backend(&d, 2) && has_backend(&d, 3));
		assert_int_equal(pinned_services(i), 2);	/* in each node's own maps */
	}

	/* sovctl raft, text and JSON */
	assert_int_equal(run_sovctl(f, out, sizeof(out), (const char *const[]){ "raft", NULL }),
			 0);
	snprintf(want, sizeof(want), "cluster test  node %u  follower in term", f);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "members    3 voters, 0 learners, 3 reachable"));
	assert_int_equal(run_sovctl(leader, out, sizeof(out),
				    (const char *const[]){ "-j", "raft", "replication", NULL }), 0);
	assert_non_null(strstr(out, "\"state\":\"replicate\""));
	assert_int_equal(run_sovctl(f, out, sizeof(out),
				    (const char *const[]){ "raft", "elections", NULL }), 0);
	assert_non_null(strstr(out, "STARTED"));
	assert_int_equal(run_sovctl(f, out, sizeof(out), (const char *const[]){ "raft",
				    "transfer-leader", "0", NULL }), EXIT_USAGE);
	assert_string_equal(out, "Error: \"0\" is not a node id: expected 1-18446744073709551615\n");
	assert_int_equal(run_sovctl(f, out, sizeof(out), (const char *const[]){ "raft",
				    "transfer-leader", "3", NULL }), EXIT_FAIL);
	snprintf(want, sizeof(want),
		 "Error: transfer-leader: not the leader: node %u at 127.0.0.1:%u is\n", leader,
		 nodes[leader].port);
	assert_string_equal(out, want);
	/* the lb status command, on a follower */
	assert_int_equal(run_sovctl(f, out, sizeof(out), (const char *const[]){ "lb", "status",
				    NULL }), 0);
	assert_non_null(strstr(out, "10.0.0.101:80/tcp"));
}

/* KV_PUT commits through the leader, is applied everywhere, and is refused elsewhere. */
static void test_kv_put(void **state)
{
	unsigned int leader = wait_leader(), f, i, tries;
	struct sov_nl_err err;
	struct status st, before;
	char big[300];

	(void)state;
	assert_true(leader);
	f = leader % 3 + 1;
	assert_int_equal(status(leader, &before), 0);
	assert_int_equal(kv_put(leader, "bench/1", "v1", 2, &err), 0);
	assert_int_equal(kv_put(leader, "bench/1", "v2", 2, &err), 0);	/* replaced */
	assert_int_equal(kv_put(leader, "bench/2", "", 0, &err), 0);	/* empty is a value */
	assert_int_equal(status(leader, &st), 0);
	assert_int_equal(st.keys, before.keys + 2);
	for (i = 1; i <= 3; i++) {
		for (tries = 0; tries < 200; tries++, usleep(25000))
			if (!status(i, &st) && st.applied >= before.applied + 3)
				break;
		assert_true(tries < 200);
		assert_int_equal(st.keys, before.keys + 2);
	}
	assert_int_equal(kv_put(f, "bench/3", "x", 1, &err), -EREMOTE);
	assert_non_null(strstr(err.msg, "not the leader: node"));
	assert_int_equal(kv_put(leader, NULL, "x", 1, &err), -EINVAL);
	assert_string_equal(err.msg, "KV_KEY (the key) missing");
	assert_int_equal(kv_put(leader, "k", NULL, 0, &err), -EINVAL);
	assert_int_equal(kv_put(leader, "has space", "x", 1, &err), -EINVAL);
	memset(big, 'k', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(kv_put(leader, big, "x", 1, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "KV_KEY: 1-252 characters"));
	assert_int_equal(status(leader, &st), 0);
	assert_int_equal(st.keys, before.keys + 2);
}

/* Requests that arrive together share one fsync. */
static void test_group_commit(void **state)
{
	unsigned int leader = wait_leader(), i, acked = 0;
	struct sov_ctl *c = calloc(16, sizeof(*c));
	unsigned char buf[256];
	struct nlmsghdr *nlh;
	struct sov_nl_err err;
	struct status st;

	(void)state;
	assert_true(leader);
	NEED_LB(leader);
	assert_non_null(c);
	for (i = 0; i < 16; i++)
		assert_int_equal(sov_ctl_connect(&c[i], nodes[leader].sock), 0);
	/* all sent before any answer is read */
	for (i = 0; i < 16; i++) {
		nlh = backend_msg(buf, SOV_CMD_LB_BACKEND_ADD, 101, 100 + i, 0);
		nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
		nlh->nlmsg_seq = 1;
		assert_int_equal(send(c[i].fd, nlh, nlh->nlmsg_len, 0), (ssize_t)nlh->nlmsg_len);
	}
	for (i = 0; i < 16; i++) {
		ssize_t n = recv(c[i].fd, c[i].rx, sizeof(c[i].rx), 0);
		struct nlmsgerr *e;

		assert_true(n >= (ssize_t)(sizeof(struct nlmsghdr) + sizeof(*e)));
		e = mnl_nlmsg_get_payload((struct nlmsghdr *)c[i].rx);
		acked += e->error == 0;
		sov_ctl_close(&c[i]);
	}
	free(c);
	assert_int_equal(acked, 16);
	assert_int_equal(status(leader, &st), 0);
	assert_true(st.max_batch >= 2);
	(void)err;
}

/* Kill -9 the leader under a write loop: a new leader, and no acknowledged write lost. */
static void test_kill_leader(void **state)
{
	unsigned int leader = wait_leader(), now = leader, i, n_acked = 0, tries;
	uint32_t acked[32], be;
	struct sov_nl_err err;
	struct status st, st2;
	struct dump d;
	int ret;

	(void)state;
	assert_true(leader);
	NEED_LB(leader);
	assert_int_equal(service_add(leader, 102, &err), 0);
	for (be = 1; be <= 30; be++) {	/* a service holds 32 */
		if (be == 10)
			kill9(leader);
		for (tries = 0; tries < 100; tries++) {
			ret = alive(now) ? backend_add(now, 102, be, &err) : -ECONNREFUSED;
			/* applied before an answer was lost: a retry finds it */
			if (ret == 0 || (ret == -EEXIST && strstr(err.msg, "exists")))
				break;
			usleep(50000);
			now = wait_leader();
			assert_true(now);
		}
		if (tries == 100)
			fprintf(stderr, "backend %u: %d %s (asking node %u)\n", be, ret, err.msg, now);
		assert_true(tries < 100);
		acked[n_acked++] = be;
	}
	assert_int_not_equal(now, leader);
	assert_int_equal(status(now, &st), 0);
	for (i = 1; i <= 3; i++) {
		if (!alive(i))
			continue;
		assert_int_equal(dump(i, &d, &err), 0);
		for (be = 0; be < n_acked; be++)
			assert_true(has_backend(&d, acked[be]));
	}
	/* the killed node comes back and catches up: missed > --snapshot-every, a snapshot */
	start(leader, NULL);
	for (tries = 0; tries < 200; tries++, usleep(50000))
		if (!status(leader, &st2) && st2.applied >= st.commit)
			break;
	assert_true(tries < 200);
	assert_true(st2.received_snaps >= 1);
	assert_int_equal(dump(leader, &d, &err), 0);
	for (be = 0; be < n_acked; be++)
		assert_true(has_backend(&d, acked[be]));
	assert_true(pinned_services(leader) >= 3);
}

/* A follower stopped briefly catches up from the log. */
static void test_restart_from_log(void **state)
{
	unsigned int leader = wait_leader(), f;
	struct sov_nl_err err;
	struct status st;
	struct dump d;
	int tries;

	(void)state;
	assert_true(leader);
	NEED_LB(leader);
	f = leader % 3 + 1;
	stop(f);	/* SIGTERM: a clean exit, leak-checked */
	assert_int_equal(backend_add(leader, 101, 500, &err), 0);
	assert_int_equal(backend_add(leader, 101, 501, &err), 0);
	start(f, NULL);
	assert_int_equal(dump(f, &d, &err), 0);
	assert_true(has_backend(&d, 500) && has_backend(&d, 501));
	for (tries = 0; tries < 100; tries++, usleep(50000))
		if (!status(f, &st) && st.leader == leader)
			break;
	assert_int_equal(st.leader, leader);
}

/* A leader cut off from the others (SIGSTOP) commits nothing; healed, all is well. */
static void test_minority(void **state)
{
	unsigned int leader = wait_leader(), a, b;
	struct sov_nl_err err;
	struct dump d;
	int ret;

	(void)state;
	assert_true(leader);
	NEED_LB(leader);
	a = leader % 3 + 1;
	b = a % 3 + 1;
	kill(nodes[a].pid, SIGSTOP);
	kill(nodes[b].pid, SIGSTOP);
	ret = backend_add(leader, 101, 600, &err);
	assert_int_not_equal(ret, 0);	/* timed out, or the leader stepped down first */
	assert_true(ret == -ETIMEDOUT || ret == -EREMOTE || ret == -EAGAIN);
	kill(nodes[a].pid, SIGCONT);
	kill(nodes[b].pid, SIGCONT);
	leader = wait_leader();
	assert_true(leader);
	ret = backend_add(leader, 101, 601, &err);
	assert_true(ret == 0);
	assert_int_equal(dump(a, &d, &err), 0);
	assert_true(has_backend(&d, 601));
}

/* Garbage and malformed messages on the peer port: the link goes, the daemon stays. */
static void test_bad_peer(void **state)
{
	unsigned int leader = wait_leader(), target;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct raft_entry ents[2] = {
		{ .term = 1, .index = 5 }, { .term = 1, .index = 3 },	/* out of order */
	};
	struct sov_raft_hello h = { .cluster_id = CLUSTER };
	struct raft_msg m = { .type = RAFT_MSG_APPEND, .n_entries = 2, .entries = ents };
	unsigned char buf[1024], junk[512];
	struct sov_nl_err err;
	struct status st;
	ssize_t len;
	int fd, i;

	(void)state;
	assert_true(leader);
	target = leader % 3 + 1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(nodes[target].port);

	/* random bytes */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	for (i = 0; i < (int)sizeof(junk); i++)
		junk[i] = (unsigned char)(rand() & 0xff);
	send(fd, junk, sizeof(junk), MSG_NOSIGNAL);
	assert_int_equal(recv(fd, buf, sizeof(buf), 0) <= 0, 1);	/* closed */
	close(fd);
	assert_true(wait_log(target, "disconnecting"));

	/* a well-formed frame that Raft refuses: the HELLO of a node, then entries out of order */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	h.from = leader;	/* as the leader, whose link it replaces for a moment */
	h.to = target;
	len = sov_raft_wire_encode_hello(&h, 1, buf, sizeof(buf), &err);
	assert_true(len > 0);
	assert_int_equal(send(fd, buf, (size_t)len, MSG_NOSIGNAL), len);
	assert_true(recv(fd, buf, sizeof(buf), 0) > 0);	/* its HELLO back */
	m.from = leader;
	m.to = target;
	m.term = 1000;
	m.commit = 0;
	len = sov_raft_wire_encode(&m, 2, buf, sizeof(buf), &err);
	assert_true(len > 0);
	assert_int_equal(send(fd, buf, (size_t)len, MSG_NOSIGNAL), len);
	assert_int_equal(recv(fd, buf, sizeof(buf), 0) <= 0, 1);
	close(fd);
	assert_true(wait_log(target, "raft refused a malformed append"));
	assert_int_equal(status(target, &st), 0);
	assert_int_equal(st.refused, 1);
	/* and the cluster carries on */
	leader = wait_leader();
	assert_true(leader);
	if (bpf_ok && lb_running(leader))
		assert_int_equal(backend_add(leader, 101, 700, &err), 0);
}

/* A full disk fences the node: it refuses writes, the others elect and go on. */
static void test_disk_full(void **state)
{
	unsigned int full = wait_leader(), i, j, leader;
	char cmd[600];
	struct sov_nl_err err;
	struct status st;
	int ret;

	(void)state;
	assert_true(full);
	NEED_LB(full);
	stop(full);
	/* its data moved onto a small tmpfs */
	snprintf(cmd, sizeof(cmd), "cp -a %s %s.saved", nodes[full].data, nodes[full].data);
	assert_int_equal(system(cmd), 0);
	if (mount("tmpfs", nodes[full].data, "tmpfs", 0, "size=1m")) {
		start(full, NULL);
		skip();
	}
	snprintf(cmd, sizeof(cmd), "cp -a %s.saved/. %s/ && dd if=/dev/zero of=%s/fill bs=4k 2>/dev/null; true",
		 nodes[full].data, nodes[full].data, nodes[full].data);
	assert_int_equal(system(cmd), 0);
	start(full, NULL);
	/* writes go on until the full node has to write a page it cannot get */
	for (i = 0; i < 400; i++) {
		if (!status(full, &st) && st.storage_failed)
			break;
		leader = wait_leader();
		assert_true(leader);
		backend_set(leader, 101, 100, 1 + i % 100, &err);
	}
	assert_true(i < 400);
	nodes[full].fenced = true;
	assert_true(wait_log(full, "this node stops acknowledging writes"));
	ret = backend_set(full, 101, 100, 600, &err);
	assert_int_equal(ret, -EIO);
	assert_non_null(strstr(err.msg, "storage failed"));
	/* the two others go on without it */
	for (i = 0; i < 200; i++, usleep(50000)) {
		for (j = 1; j <= 3; j++)
			if (j != full && !status(j, &st) && st.role == SOV_RAFT_ROLE_LEADER)
				break;
		if (j <= 3 && backend_set(j, 101, 100, 500, &err) == 0)
			break;
	}
	assert_true(i < 200);
	kill9(full);
	nodes[full].fenced = false;
	umount(nodes[full].data);
	snprintf(cmd, sizeof(cmd), "rm -rf %s.saved", nodes[full].data);
	assert_int_equal(system(cmd), 0);
}

/* add-node (learner, --join), promote, transfer-leader, remove-node. */
static void test_membership(void **state)
{
	unsigned int leader = wait_leader(), tries;
	char out[4096], addr[64], id[8];
	struct sov_nl_err err;
	struct status st;
	struct dump d;

	(void)state;
	assert_true(leader);
	node_init(4);
	nodes[4].joiner = true;
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", nodes[4].port);
	snprintf(id, sizeof(id), "4");
	/* the new node knows the cluster; the cluster learns of it through add-node */
	{
		char list[600];

		snprintf(list, sizeof(list), "%s,4=%s", peers, addr);
		nodes[4].pid = spawn_args(&nodes[4], list, (const char *const[]){ "--join", NULL });
		assert_true(wait_socket(nodes[4].sock));
	}
	assert_int_equal(run_sovctl(leader, out, sizeof(out), (const char *const[]){ "raft",
				    "add-node", id, addr, "learner", NULL }), 0);
	for (tries = 0; tries < 200; tries++, usleep(50000))
		if (!status(4, &st) && st.leader == leader && st.learners == 1)
			break;
	assert_true(tries < 200);
	assert_true(st.received_snaps >= 1);	/* it joined empty */
	if (bpf_ok && lb_running(4)) {
		assert_int_equal(dump(4, &d, &err), 0);
		assert_true(d.services >= 2);
	}
	/* promoted, then it leads */
	assert_int_equal(run_sovctl(leader, out, sizeof(out), (const char *const[]){ "raft",
				    "add-node", id, NULL }), 0);
	assert_int_equal(status(leader, &st), 0);
	assert_int_equal(st.voters, 4);
	assert_int_equal(run_sovctl(leader, out, sizeof(out), (const char *const[]){ "raft",
				    "transfer-leader", id, NULL }), 0);
	nodes[4].joiner = false;
	n_nodes = 4;
	assert_int_equal(wait_leader(), 4);
	/* and is removed again, by the node it handed over to */
	assert_int_equal(run_sovctl(4, out, sizeof(out), (const char *const[]){ "raft",
				    "transfer-leader", "1", NULL }), 0);
	assert_int_equal(wait_leader(), 1);
	assert_int_equal(run_sovctl(1, out, sizeof(out), (const char *const[]){ "raft",
				    "remove-node", id, NULL }), 0);
	assert_int_equal(status(1, &st), 0);
	assert_int_equal(st.voters, 3);
	assert_int_equal(st.learners, 0);
	stop(4);
	umount_bpf(4);
	n_nodes = 3;
}

/* ---- five nodes in network namespaces, partitioned ------------------------------------- */

/*
 * Each node in its own namespace at 10.99.<id>.2, all routed through a
 * router namespace (no bridge needed); a partition is a set of "ip rule
 * ... blackhole" there, both ways, so each side still talks within itself.
 */
static char router[32];

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static void netns_down(void)
{
	unsigned int i;

	for (i = 1; i <= 5; i++)
		if (nodes[i].netns[0])
			sh("ip netns del %s 2>/dev/null", nodes[i].netns);
	if (router[0])
		sh("ip netns del %s 2>/dev/null", router);
	router[0] = '\0';
}

static int setup5(void **state)
{
	size_t len = 0;
	unsigned int i;

	(void)state;
	group = "ns";
	n_nodes = 5;
	snprintf(router, sizeof(router), "sovr%d", getpid());
	if (sh("ip netns add %s && ip -n %s link set lo up && ip netns exec %s sysctl -qw net.ipv4.ip_forward=1",
	       router, router, router)) {
		router[0] = '\0';
		return 0;	/* no namespaces here: the test skips */
	}
	for (i = 1; i <= 5; i++) {
		struct node *n = &nodes[i];

		node_init(i);
		n->port = 7000;
		snprintf(n->netns, sizeof(n->netns), "sovn%u_%d", i, getpid());
		if (sh("ip netns add %1$s && ip -n %1$s link set lo up && "
		       "ip -n %2$s link add sr%3$u type veth peer name eth0 netns %1$s && "
		       "ip -n %2$s addr add 10.99.%3$u.1/24 dev sr%3$u && ip -n %2$s link set sr%3$u up && "
		       "ip -n %1$s addr add 10.99.%3$u.2/24 dev eth0 && ip -n %1$s link set eth0 up && "
		       "ip -n %1$s route add default via 10.99.%3$u.1", n->netns, router, i))
			return -1;
		len += (size_t)snprintf(peers + len, sizeof(peers) - len, "%s%u=10.99.%u.2:7000",
					i > 1 ? "," : "", i, i);
	}
	for (i = 1; i <= 5; i++)
		start(i, NULL);
	return wait_leader() ? 0 : -1;
}

static int teardown5(void **state)
{
	(void)state;
	stop_all();
	netns_down();
	n_nodes = 0;
	return 0;
}

/* Cut (or heal, @add false) every route between @a and @b, both ways. */
static void partition(const unsigned int *a, unsigned int na, const unsigned int *b,
		      unsigned int nb, bool add)
{
	unsigned int i, j;

	for (i = 0; i < na; i++)
		for (j = 0; j < nb; j++)
			assert_int_equal(sh("ip -n %1$s rule %2$s from 10.99.%3$u.0/24 to 10.99.%4$u.0/24 blackhole && "
					    "ip -n %1$s rule %2$s from 10.99.%4$u.0/24 to 10.99.%3$u.0/24 blackhole",
					    router, add ? "add" : "del", a[i], b[j]), 0);
}

static int transfer_to(unsigned int from, unsigned int to)
{
	unsigned char buf[128];
	struct sov_nl_err err;
	struct nlmsghdr *nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_RAFT_TRANSFER_LEADER,
					      SOV_GENL_VERSION, 0, 0);

	mnl_attr_put_u64(nlh, SOV_A_CLUSTER_NODE_ID, to);
	return request(from, nlh, NULL, NULL, &err);
}

/*
 * The leader and one follower cut off from the other three: the minority
 * commits nothing and its terms stay put (PreVote), the majority elects
 * and commits; healed, everyone has the majority's writes and none of the
 * minority's, and nobody is deposed by the nodes coming back.
 */
static void test_partition(void **state)
{
	static const unsigned int minority[] = { 4, 5 }, majority[] = { 1, 2, 3 };
	unsigned int leader = router[0] ? wait_leader() : 0, now, i, tries;
	struct status st, before4, after4;
	struct sov_nl_err err;
	struct dump d;
	int ret;

	(void)state;
	if (!router[0])
		skip();
	assert_true(leader);
	NEED_LB(leader);
	assert_int_equal(service_add(leader, 110, &err), 0);
	assert_int_equal(backend_add(leader, 110, 1, &err), 0);
	if (leader != 5) {
		assert_int_equal(transfer_to(leader, 5), 0);
		assert_int_equal(wait_leader(), 5);
	}
	assert_int_equal(status(4, &before4), 0);

	partition(minority, 2, majority, 3, true);
	ret = backend_add(5, 110, 2, &err);	/* the cut-off leader cannot commit */
	assert_true(ret == -ETIMEDOUT || ret == -EAGAIN || ret == -EREMOTE);
	/* the majority elects among itself and commits */
	for (tries = 0, now = 0; tries < 200 && !now; tries++, usleep(50000))
		for (i = 1; i <= 3 && !now; i++)
			if (!status(i, &st) && st.role == SOV_RAFT_ROLE_LEADER)
				now = i;
	assert_true(now);
	assert_int_equal(backend_add(now, 110, 3, &err), 0);
	assert_int_equal(status(now, &st), 0);
	/* PreVote: the minority's follower did not raise its term */
	assert_int_equal(status(4, &after4), 0);
	assert_int_equal(after4.term, before4.term);

	partition(minority, 2, majority, 3, false);
	for (tries = 0; tries < 200; tries++, usleep(50000)) {
		struct status s4, s5;

		if (!status(4, &s4) && !status(5, &s5) && s4.leader == now && s5.leader == now &&
		    s4.applied >= st.commit && s5.applied >= st.commit)
			break;
	}
	assert_true(tries < 200);
	assert_int_equal(wait_leader(), now);	/* nobody deposed */
	for (i = 1; i <= 5; i++) {
		assert_int_equal(dump(i, &d, &err), 0);
		assert_true(has_backend(&d, 1));
		assert_true(has_backend(&d, 3));
		assert_false(has_backend(&d, 2));	/* never acknowledged, never applied */
	}
}

/* ---- startup refusals ------------------------------------------------------------------ */

static int run_to_exit(struct node *n, const char *peer_list, const char *const *extra)
{
	pid_t pid = spawn_args(n, peer_list, extra);
	int status;

	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_bad_config(void **state)
{
	char list[128];

	(void)state;
	cluster_init(1);
	snprintf(list, sizeof(list), "1=127.0.0.1:%u,1=127.0.0.1:%u", nodes[1].port,
		 nodes[1].port + 1);
	assert_int_equal(run_to_exit(&nodes[1], list, NULL), 2);
	assert_true(file_contains(nodes[1].log, "sovereignd: peers: node 1 listed twice"));
	snprintf(list, sizeof(list), "2=127.0.0.1:%u", nodes[1].port);
	assert_int_equal(run_to_exit(&nodes[1], list, NULL), 2);
	assert_true(file_contains(nodes[1].log, "peers: this node (1) is not in the list"));
	snprintf(list, sizeof(list), "1=127.0.0.1:%u", nodes[1].port);
	assert_int_equal(run_to_exit(&nodes[1], list, (const char *const[]){
		"--election-ticks", "5", "--heartbeat-ticks", "5", NULL }), 2);
	assert_true(file_contains(nodes[1].log, "must be more than --heartbeat-ticks"));

	/* a data dir is one node's: another id is refused */
	nodes[1].pid = spawn_args(&nodes[1], list, NULL);
	assert_true(wait_socket(nodes[1].sock));
	stop(1);
	nodes[1].id = 7;
	snprintf(list, sizeof(list), "7=127.0.0.1:%u", nodes[1].port);
	assert_int_equal(run_to_exit(&nodes[1], list, NULL), 1);
	assert_true(file_contains(nodes[1].log, "belongs to node 1 of cluster \"test\", this is node 7"));
	umount_bpf(1);
}

/* Without cluster options there is no cluster, and sovctl says so. */
static void test_not_clustered(void **state)
{
	char out[1024], sock[200], log[200];
	int status, fd;
	pid_t pid;

	(void)state;
	snprintf(sock, sizeof(sock), "%s/solo/ctl", base);
	snprintf(log, sizeof(log), "%s/solo/daemon.log", base);
	snprintf(out, sizeof(out), "%s/solo", base);
	mkdir(out, 0700);
	pid = fork();
	if (pid == 0) {
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(daemon_bin, daemon_bin, "-s", sock, "--no-bpf", NULL);
		_exit(127);
	}
	assert_true(wait_socket(sock));
	snprintf(nodes[0].sock, sizeof(nodes[0].sock), "%s", sock);
	assert_int_equal(run_sovctl(0, out, sizeof(out), (const char *const[]){ "raft", NULL }),
			 EXIT_FAIL);
	assert_string_equal(out, "Error: raft status: sovereignd runs without a cluster (start it with --cluster-id, --node-id and --peers)\n");
	assert_int_equal(run_sovctl(0, out, sizeof(out), (const char *const[]){ "raft",
				    "add-node", "2", "127.0.0.1:1", NULL }), EXIT_FAIL);
	assert_non_null(strstr(out, "runs without a cluster"));
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
	const struct CMUnitTest cluster3[] = {
		cmocka_unit_test(test_replicate),
		cmocka_unit_test(test_group_commit),
		cmocka_unit_test(test_kv_put),
		cmocka_unit_test(test_kill_leader),
		cmocka_unit_test(test_restart_from_log),
		cmocka_unit_test(test_minority),
		cmocka_unit_test(test_bad_peer),
		cmocka_unit_test(test_membership),
		cmocka_unit_test(test_disk_full),
	};
	const struct CMUnitTest cluster5[] = {
		cmocka_unit_test(test_partition),
	};
	const struct CMUnitTest alone[] = {
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_not_clustered),
	};
	int failed;

	if (harness_init("sovd-cluster"))
		return 1;

	failed = cmocka_run_group_tests_name("cluster", cluster3, setup3, teardown);
	stop_all();
	memset(nodes, 0, sizeof(nodes));
	failed += cmocka_run_group_tests_name("cluster5_netns", cluster5, setup5, teardown5);
	netns_down();
	memset(nodes, 0, sizeof(nodes));
	group = "alone";
	failed += cmocka_run_group_tests_name("cluster_config", alone, NULL, teardown);
	harness_done(failed);
	return failed;
}
