/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The process harness of the cluster tests: real sovereignd processes (the
 * ASan+UBSan build) on 127.0.0.1, each with its own data dir, control
 * socket, peer port and private bpffs under one base dir, and the requests
 * the tests send them over the control socket.
 *
 * Nodes are 1-based in nodes[]; their dirs are BASE/<group><id>. The
 * helpers assert (cmocka) where a test cannot go on, so except for
 * request() and kv_put(), which only fail an assertion when out of memory,
 * they belong on the test's own thread.
 */
#ifndef SOV_TEST_CLUSTER_HARNESS_H
#define SOV_TEST_CLUSTER_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../../lib/nl/nl.h"

#define MAX_NODES	5
#define CLUSTER		"test"

struct node {
	uint64_t id;
	pid_t pid;
	uint16_t port;
	char dir[160], sock[200], log[200], data[200], bpf[200];
	bool joiner;	/* started with --join */
	bool fenced;	/* its storage failed: it says what it last knew */
	char netns[32];	/* run in this network namespace ("": the host's) */
};

extern const char *daemon_bin;
extern char base[64];
extern struct node nodes[MAX_NODES + 1];	/* 1-based */
extern unsigned int n_nodes;
extern char peers[512];
extern const char *group;	/* node dirs: BASE/<group><id> */

/* The daemon binary ($SOVEREIGND_ASAN) and a new base dir /tmp/<name>.XXXXXX; 0 or -1. */
int harness_init(const char *name);
/* Every node stopped; the base dir removed, or named for the logs if @failed. */
void harness_done(int failed);

/* ---- processes ---- */
uint16_t free_port(void);
void node_init(unsigned int i);
/* @count nodes, ids 1..count, all in --peers. */
void cluster_init(unsigned int count);
pid_t spawn_args(struct node *n, const char *peer_list, const char *const *extra);
bool wait_socket(const char *sock);
void start(unsigned int i, const char *const *extra);
void kill9(unsigned int i);
void stop(unsigned int i);
void umount_bpf(unsigned int i);
void stop_all(void);
bool file_contains(const char *path, const char *needle);
bool wait_log(unsigned int i, const char *needle);

/* Three nodes up and a leader elected (a cmocka group setup); teardown stops all. */
int setup3(void **state);
int teardown(void **state);

/* ---- the control socket ---- */
int request(unsigned int i, struct nlmsghdr *nlh, sov_nl_cb cb, void *data,
	    struct sov_nl_err *err);

struct status {
	uint64_t node, term, leader, commit, applied, keys, max_batch, refused, snap_index;
	uint8_t role;
	bool storage_failed;
	unsigned int voters, learners, received_snaps;
};

int status_cb(const struct nlmsghdr *nlh, void *data);
int status(unsigned int i, struct status *st);
bool alive(unsigned int i);
/* The node that leads with every live node agreeing on it; 0 if none within 10 s. */
unsigned int wait_leader(void);
int kv_put(unsigned int i, const char *key, const void *value, uint16_t len,
	   struct sov_nl_err *err);
/* sovctl itself, in this process, against node @i; its stdout and stderr in @out. */
int run_sovctl(unsigned int i, char *out, size_t size, const char *const *args);

#endif
