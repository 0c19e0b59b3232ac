// SPDX-License-Identifier: GPL-2.0
/*
 * Membership changes of a sovereignd cluster under a write load: real
 * processes (cluster_harness.c). A writer thread keeps putting distinct
 * keys through whichever node leads while a fourth node joins as a
 * learner, is promoted, an original follower is removed and then the
 * original leader. Every acknowledged write must then be in every
 * remaining member's state, the members must agree, and the removed nodes
 * must refuse writes. Changes that make no sense are refused with a
 * message that says why.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cluster_harness.h"
#include "../../lib/cluster/kvstate.h"
#include "../../lib/raft/storage.h"
#include "../../tools/sovctl/sovctl.h"
#include "../../uapi/linux/sovereign.h"

#define N_WRITERS	3
#define WRITER_NODES	4	/* the writers try nodes 1-4 */
#define WRITER_STALL_S	30	/* no write acknowledged for this long: the test fails */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- the writers ----------------------------------------------------------------------- */

/*
 * Each writer puts w/<writer>/1, w/<writer>/2, ... in order on its own
 * connections, each key retried until acknowledged and none sent after
 * the stop, so the keys it ever sent are exactly 1..acked (plus the one
 * in flight if it fails): the state afterwards can be checked both ways.
 * Several at once keep proposals in flight when the leader goes. A writer
 * only reads nodes[].sock, which the test thread leaves alone meanwhile,
 * and asserts nothing (cmocka's asserts belong to the test thread).
 */
struct writer {
	pthread_t thread;
	unsigned int id;
	struct load *load;
	atomic_uint acked;
	atomic_bool failed;
	char why[400];				/* when failed */
	unsigned int by[MAX_NODES + 1];		/* acknowledged by each node */
	unsigned int remote, again, timedout, unreachable, other;	/* refusals seen */
};

struct load {
	atomic_bool stop;	/* after the key in hand is acknowledged */
	atomic_bool quit;	/* now: the test failed */
	bool running;
	struct writer w[N_WRITERS];
};

static struct load load;

static void key_of(unsigned int writer, unsigned int n, char *key, size_t size, char *value,
		   size_t vsize)
{
	snprintf(key, size, "w/%u/%u", writer, n);
	snprintf(value, vsize, "value %u of writer %u", n, writer);
}

static void *writer_run(void *arg)
{
	struct writer *w = arg;
	unsigned int n = 1, target = 1, leader;
	uint64_t last_ack = now_ms();
	char key[32], value[40];
	struct sov_nl_err err;
	bool sent = false;
	int ret;

	while ((sent || !atomic_load(&w->load->stop)) && !atomic_load(&w->load->quit)) {
		key_of(w->id, n, key, sizeof(key), value, sizeof(value));
		sent = true;
		ret = kv_put(target, key, value, (uint16_t)strlen(value), &err);
		if (!ret) {
			w->by[target]++;
			atomic_store(&w->acked, n++);
			last_ack = now_ms();
			sent = false;
			continue;
		}
		if (now_ms() - last_ack > WRITER_STALL_S * 1000) {
			snprintf(w->why, sizeof(w->why), "%s: nothing acknowledged for %d s; last: %d %s (node %u)",
				 key, WRITER_STALL_S, ret, err.msg, target);
			atomic_store(&w->failed, true);
			break;
		}
		/* a follower names the leader; anything else: the next node, a moment later */
		if (ret == -EREMOTE && sscanf(err.msg, "not the leader: node %u", &leader) == 1 &&
		    leader >= 1 && leader <= WRITER_NODES && leader != target) {
			w->remote++;
			target = leader;
			continue;
		}
		if (ret == -EAGAIN)
			w->again++;
		else if (ret == -ETIMEDOUT)
			w->timedout++;
		else if (ret == -ECONNREFUSED || ret == -ENOENT)
			w->unreachable++;
		else
			w->other++;
		target = target % WRITER_NODES + 1;
		usleep(10000);
	}
	return NULL;
}

static void load_start(struct load *l)
{
	unsigned int i;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < N_WRITERS; i++) {
		l->w[i].id = i + 1;
		l->w[i].load = l;
		assert_int_equal(pthread_create(&l->w[i].thread, NULL, writer_run, &l->w[i]), 0);
	}
	l->running = true;
}

static unsigned int load_acked(struct load *l)
{
	unsigned int i, n = 0;

	for (i = 0; i < N_WRITERS; i++) {
		if (atomic_load(&l->w[i].failed))
			fail_msg("writer %u: %s", i + 1, l->w[i].why);
		n += atomic_load(&l->w[i].acked);
	}
	return n;
}

static void load_join(struct load *l)
{
	unsigned int i;

	for (i = 0; i < N_WRITERS && l->running; i++)
		pthread_join(l->w[i].thread, NULL);
	l->running = false;
}

static void load_stop(struct load *l)
{
	atomic_store(&l->stop, true);
	load_join(l);
	load_acked(l);
}

/* Until @more writes than now are acknowledged: the load goes on through every step. */
static void load_wait(struct load *l, unsigned int more)
{
	unsigned int want = load_acked(l) + more;
	int t;

	for (t = 0; t < 6000; t++, usleep(10000))
		if (load_acked(l) >= want)
			return;
	fail_msg("%u writes acknowledged, %u awaited", load_acked(l), want);
}

static void load_report(struct load *l, uint64_t ms)
{
	unsigned int i, by[MAX_NODES + 1] = { 0 }, remote = 0, again = 0, timedout = 0, other = 0;

	for (i = 0; i < N_WRITERS; i++) {
		const struct writer *w = &l->w[i];
		unsigned int j;

		for (j = 1; j <= MAX_NODES; j++)
			by[j] += w->by[j];
		remote += w->remote;
		again += w->again;
		timedout += w->timedout;
		other += w->unreachable + w->other;
	}
	fprintf(stderr, "# %u writes acknowledged in %.1f s (by nodes 1-4: %u %u %u %u); refused: %u not the leader, %u try again, %u timed out, %u other\n",
		load_acked(l), (double)ms / 1000, by[1], by[2], by[3], by[4], remote, again,
		timedout, other);
}

/* ---- the members ----------------------------------------------------------------------- */

static unsigned int members;	/* bit i: node i is a member the test expects to be up */

/* The member that leads with every member agreeing on it; 0 if none within 15 s. */
static unsigned int member_leader(void)
{
	struct status st;
	unsigned int i, t, leader;

	for (t = 0; t < 300; t++, usleep(50000)) {
		leader = 0;
		for (i = 1; i <= MAX_NODES; i++) {
			if (!(members & 1u << i))
				continue;
			if (status(i, &st) || !st.leader || (leader && st.leader != leader))
				break;
			leader = (unsigned int)st.leader;
		}
		if (i > MAX_NODES && leader && members & 1u << leader &&
		    !status(leader, &st) && st.role == SOV_RAFT_ROLE_LEADER)
			return leader;
	}
	return 0;
}

/* sovctl raft ARGS on the leader, again while the cluster says to try again; the leader. */
static unsigned int raft_change(const char *const *args)
{
	unsigned int leader = 0, tries;
	char out[1024];

	for (tries = 0; tries < 20; tries++, usleep(100000)) {
		leader = member_leader();
		assert_true(leader);
		if (!run_sovctl(leader, out, sizeof(out), args))
			return leader;
		if (!strstr(out, "try again") && !strstr(out, "not the leader"))
			break;
	}
	fail_msg("sovctl -s <node %u> raft %s %s: %s", leader, args[1], args[2], out);
	return 0;
}

static void lead_with(unsigned int id)
{
	char text[8];

	snprintf(text, sizeof(text), "%u", id);
	raft_change((const char *const[]){ "raft", "transfer-leader", text, NULL });
	assert_int_equal(member_leader(), id);
}

/* The ids in `sovctl -j raft nodes` on @i, as a bit set. */
static unsigned int listed_nodes(unsigned int i)
{
	char out[8192], *p;
	unsigned int set = 0, id;

	assert_int_equal(run_sovctl(i, out, sizeof(out),
				    (const char *const[]){ "-j", "raft", "nodes", NULL }), 0);
	assert_non_null(strstr(out, "{\"nodes\":["));
	for (p = out; (p = strstr(p, "\"id\":")); p++) {
		assert_int_equal(sscanf(p, "\"id\":%u", &id), 1);
		assert_true(id <= MAX_NODES && !(set & 1u << id));
		set |= 1u << id;
	}
	return set;
}

/* A write to removed node @i is refused: it takes none any more. */
static void refuses_writes(unsigned int i)
{
	struct sov_nl_err err;
	char key[32];
	int ret;

	snprintf(key, sizeof(key), "removed/%u", i);
	ret = kv_put(i, key, "x", 1, &err);
	if (ret != -EREMOTE && ret != -EAGAIN)
		fail_msg("removed node %u answered a write with %d (%s)", i, ret, err.msg);
	/* a follower names the leader it last knew; a node without one says it was removed */
	if (ret == -EAGAIN && !strstr(err.msg, "not a member of the cluster (removed"))
		fail_msg("removed node %u: \"%s\"", i, err.msg);
}

/* ---- the state on disk ------------------------------------------------------------------- */

static int count_key(void *ctx, const char *key, const struct sov_kv_value *v, uint64_t mod)
{
	(void)key;
	(void)v;
	(void)mod;
	++*(unsigned int *)ctx;
	return 0;
}

/*
 * Stopped node @i's replicated state as its data dir holds it: the newest
 * snapshot and the committed entries after it, applied as the daemon does.
 * It must hold every key a writer had acknowledged, with its value, and no
 * other of the writers' keys.
 */
static void check_state_on_disk(unsigned int i, struct load *l)
{
	char err[256], key[40], user[32], value[40];
	struct sov_raft_storage *store;
	struct sov_kv_result res;
	struct sov_kv_state *kv;
	struct sov_kv_value v;
	struct raft_boot boot;
	unsigned int t, n, acked, found = 0, removed = 0, missing = 0;
	size_t e;

	kv = sov_kv_new();
	assert_non_null(kv);
	if (sov_raft_storage_open(nodes[i].data, NULL, &store, &boot, err, sizeof(err)))
		fail_msg("node %u's data dir: %s", i, err);
	if (boot.snapshot && sov_kv_restore(kv, boot.snapshot->data, boot.snapshot->len, err,
					    sizeof(err)))
		fail_msg("node %u's snapshot: %s", i, err);
	for (e = 0; e < boot.n_entries && boot.entries[e].index <= boot.hs.commit; e++)
		if (boot.entries[e].type == RAFT_ENTRY_NORMAL && boot.entries[e].len)
			sov_kv_apply(kv, boot.entries[e].index, boot.entries[e].data,
				     boot.entries[e].len, &res);
	sov_raft_storage_close(store);

	for (t = 0; t < N_WRITERS; t++) {
		acked = atomic_load(&l->w[t].acked);
		for (n = 1; n <= acked; n++) {
			key_of(t + 1, n, user, sizeof(user), value, sizeof(value));
			snprintf(key, sizeof(key), "kv/%s", user);
			if (!sov_kv_get(kv, key, &v, NULL) && v.len == strlen(value) &&
			    !memcmp(v.data, value, v.len))
				continue;
			if (missing++ < 5)
				fprintf(stderr, "node %u: acknowledged %s missing\n", i, key);
		}
	}
	sov_kv_walk(kv, "kv/w/", count_key, &found);
	sov_kv_walk(kv, "kv/removed/", count_key, &removed);
	sov_kv_free(kv);
	if (missing)
		fail_msg("node %u: %u of %u acknowledged writes missing", i, missing, load_acked(l));
	assert_int_equal(found, load_acked(l));	/* nothing the writers never sent */
	assert_int_equal(removed, 0);		/* nothing a removed node took */
}

/* ---- tests ----------------------------------------------------------------------------- */

/* Changes that make no sense are refused, saying why, and change nothing. */
static void test_refusals(void **state)
{
	unsigned int leader, f;
	char out[1024], want[160], addr[32], id[8];
	struct status before, after;

	(void)state;
	members = 1u << 1 | 1u << 2 | 1u << 3;
	leader = member_leader();
	assert_true(leader);
	f = leader % 3 + 1;
	snprintf(id, sizeof(id), "%u", f);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", nodes[f].port);
	assert_int_equal(status(leader, &before), 0);

	assert_int_equal(run_sovctl(leader, out, sizeof(out), (const char *const[]){ "raft",
				    "add-node", id, addr, NULL }), EXIT_FAIL);
	snprintf(want, sizeof(want), "Error: add-node: node %u is a voter already\n", f);
	assert_string_equal(out, want);
	assert_int_equal(run_sovctl(leader, out, sizeof(out), (const char *const[]){ "raft",
				    "add-node", id, addr, "learner", NULL }), EXIT_FAIL);
	assert_string_equal(out, want);
	assert_int_equal(run_sovctl(leader, out, sizeof(out), (const char *const[]){ "raft",
				    "remove-node", "9", NULL }), EXIT_FAIL);
	assert_string_equal(out, "Error: remove-node: node 9 is not a member\n");
	/* promoting a node nobody added: where would it be reached? */
	assert_int_equal(run_sovctl(leader, out, sizeof(out), (const char *const[]){ "raft",
				    "add-node", "9", NULL }), EXIT_FAIL);
	assert_string_equal(out, "Error: add-node: ADDR (where node 9 listens for its peers) missing\n");

	assert_int_equal(status(leader, &after), 0);
	assert_int_equal(after.voters, 3);
	assert_int_equal(after.learners, 0);
	assert_int_equal(after.commit, before.commit);	/* nothing proposed */
}

/*
 * Node 4 joins as a learner and is promoted, an original follower is
 * removed, then the original leader: all while the writer writes. No
 * acknowledged write is lost, and what is left agrees.
 */
static void test_changes_under_writes(void **state)
{
	unsigned int lead, f, g, now, i, tries;
	char addr[32], list[600], fid[8], lid[8];
	struct load *l = &load;
	struct status st, lst;
	uint64_t t0 = now_ms();

	(void)state;
	members = 1u << 1 | 1u << 2 | 1u << 3;
	lead = member_leader();
	assert_true(lead);
	node_init(4);
	nodes[4].joiner = true;
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", nodes[4].port);
	snprintf(list, sizeof(list), "%s,4=%s", peers, addr);
	nodes[4].pid = spawn_args(&nodes[4], list, (const char *const[]){ "--join", NULL });
	assert_true(wait_socket(nodes[4].sock));

	load_start(l);
	load_wait(l, 60);

	/* node 4 joins as a learner: a snapshot, then the log */
	raft_change((const char *const[]){ "raft", "add-node", "4", addr, "learner", NULL });
	for (tries = 0; tries < 300; tries++, usleep(50000))
		if (!status(4, &st) && st.leader && st.learners == 1 && st.received_snaps)
			break;
	assert_true(tries < 300);
	load_wait(l, 60);

	/* promoted */
	raft_change((const char *const[]){ "raft", "add-node", "4", NULL });
	nodes[4].joiner = false;
	members |= 1u << 4;
	now = member_leader();
	assert_true(now);
	assert_int_equal(status(now, &st), 0);
	assert_int_equal(st.voters, 4);
	load_wait(l, 60);

	/* an original follower removed (not whoever leads now) */
	now = member_leader();
	for (f = 1; f <= 3 && (f == lead || f == now); f++)
		;
	snprintf(fid, sizeof(fid), "%u", f);
	raft_change((const char *const[]){ "raft", "remove-node", fid, NULL });
	members &= ~(1u << f);
	refuses_writes(f);
	stop(f);
	load_wait(l, 60);

	/* the original leader removed while it leads: leadership moves */
	if (member_leader() != lead)
		lead_with(lead);
	snprintf(lid, sizeof(lid), "%u", lead);
	assert_int_equal(raft_change((const char *const[]){ "raft", "remove-node", lid, NULL }),
			 lead);
	members &= ~(1u << lead);
	refuses_writes(lead);
	now = member_leader();
	assert_true(now && now != lead);
	refuses_writes(lead);	/* and still once the others have a new leader */
	stop(lead);
	load_wait(l, 60);
	while (load_acked(l) < 300)
		load_wait(l, 10);

	load_stop(l);
	load_report(l, now_ms() - t0);

	/* the remaining two agree with their leader, and list exactly each other */
	now = member_leader();
	assert_true(now);
	g = 6 - f - lead;	/* the original node still a member */
	assert_int_equal(members, 1u << g | 1u << 4);
	assert_int_equal(status(now, &lst), 0);
	assert_int_equal(lst.voters, 2);
	assert_int_equal(lst.learners, 0);
	for (i = 1; i <= MAX_NODES; i++) {
		if (!(members & 1u << i))
			continue;
		for (tries = 0; tries < 200; tries++, usleep(50000))
			if (!status(i, &st) && st.applied >= lst.commit)
				break;
		assert_true(tries < 200);
		assert_int_equal(st.keys, lst.keys);
		assert_int_equal(listed_nodes(i), members);
	}

	/* a removed node is not a member: removing it again is refused */
	{
		char out[1024], want[128];

		assert_int_equal(run_sovctl(now, out, sizeof(out), (const char *const[]){ "raft",
					    "remove-node", fid, NULL }), EXIT_FAIL);
		snprintf(want, sizeof(want), "Error: remove-node: node %u is not a member\n", f);
		assert_string_equal(out, want);
	}

	/* every acknowledged write is in each member's state, as its disk holds it */
	stop(g);
	stop(4);
	check_state_on_disk(g, l);
	check_state_on_disk(4, l);
}

/* A failed test leaves no writer behind. */
static int teardown_load(void **state)
{
	atomic_store(&load.quit, true);
	load_join(&load);
	return teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_changes_under_writes),
	};
	int failed;

	if (harness_init("sovd-membership"))
		return 1;
	failed = cmocka_run_group_tests_name("cluster_membership", tests, setup3,
					     teardown_load);
	harness_done(failed);
	return failed;
}
