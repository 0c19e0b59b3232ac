// SPDX-License-Identifier: GPL-2.0
/*
 * The process harness of the cluster tests (cluster_harness.h): starting,
 * stopping and asking sovereignd processes, shared by test_cluster.c and
 * test_cluster_membership.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
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
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cluster_harness.h"
#include "../../tools/sovctl/sovctl.h"
#include "../../uapi/linux/sovereign.h"

const char *daemon_bin;
char base[64];
struct node nodes[MAX_NODES + 1];
unsigned int n_nodes;
char peers[512];
const char *group = "n";

/* ---- processes ------------------------------------------------------------------- */

uint16_t free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	uint16_t port;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

void node_init(unsigned int i)
{
	struct node *n = &nodes[i];
	char dir[100];

	memset(n, 0, sizeof(*n));
	n->id = i;
	n->port = free_port();
	snprintf(dir, sizeof(dir), "%s/%s%u", base, group, i);
	snprintf(n->dir, sizeof(n->dir), "%s", dir);
	snprintf(n->sock, sizeof(n->sock), "%s/ctl", dir);
	snprintf(n->log, sizeof(n->log), "%s/daemon.log", dir);
	snprintf(n->data, sizeof(n->data), "%s/data", dir);
	snprintf(n->bpf, sizeof(n->bpf), "%s/bpf", dir);
	mkdir(n->dir, 0700);
	mkdir(n->bpf, 0700);	/* the daemon mounts a private bpffs here */
}

/* @count nodes, ids 1..count, all in --peers. */
void cluster_init(unsigned int count)
{
	size_t len = 0;
	unsigned int i;

	n_nodes = count;
	for (i = 1; i <= count; i++) {
		node_init(i);
		len += (size_t)snprintf(peers + len, sizeof(peers) - len, "%s%u=127.0.0.1:%u",
					i > 1 ? "," : "", i, nodes[i].port);
	}
}

/* exec the daemon for @n with @extra arguments (NULL-terminated); logs appended */
pid_t spawn_args(struct node *n, const char *peer_list, const char *const *extra)
{
	char id[24], bpfdir[220];
	const char *argv[40];
	unsigned int a = 0;
	pid_t pid;

	snprintf(id, sizeof(id), "%llu", (unsigned long long)n->id);
	snprintf(bpfdir, sizeof(bpfdir), "%s/sovereign", n->bpf);
	argv[a++] = daemon_bin;
	argv[a++] = "-s";
	argv[a++] = n->sock;
	argv[a++] = "-b";
	argv[a++] = bpfdir;
	argv[a++] = "-l";
	argv[a++] = "debug";
	argv[a++] = "--cluster-id";
	argv[a++] = CLUSTER;
	argv[a++] = "--node-id";
	argv[a++] = id;
	argv[a++] = "--peers";
	argv[a++] = peer_list;
	argv[a++] = "--data-dir";
	argv[a++] = n->data;
	/* fast enough for a test, slow enough for ASan on two CPUs */
	argv[a++] = "--election-ticks";
	argv[a++] = "30";
	argv[a++] = "--snapshot-every";
	argv[a++] = "20";
	while (extra && *extra && a < 38)
		argv[a++] = *extra++;
	argv[a] = NULL;
	unlink(n->sock);	/* wait_socket() waits for this one's */
	pid = fork();
	if (pid == 0) {
		int fd = open(n->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		char ns[64];

		dup2(fd, 1);
		dup2(fd, 2);
		if (n->netns[0]) {
			snprintf(ns, sizeof(ns), "/run/netns/%s", n->netns);
			fd = open(ns, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || setns(fd, CLONE_NEWNET))
				_exit(126);
		}
		execv(daemon_bin, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

bool wait_socket(const char *sock)
{
	struct stat st;
	int i;

	for (i = 0; i < 400; i++) {
		if (stat(sock, &st) == 0 && S_ISSOCK(st.st_mode))
			return true;
		usleep(25000);
	}
	return false;
}

void start(unsigned int i, const char *const *extra)
{
	struct node *n = &nodes[i];

	n->pid = spawn_args(n, peers, extra);
	assert_true(n->pid > 0);
	assert_true(wait_socket(n->sock));
}

void kill9(unsigned int i)
{
	if (nodes[i].pid <= 0)
		return;
	kill(nodes[i].pid, SIGKILL);
	waitpid(nodes[i].pid, NULL, 0);
	nodes[i].pid = 0;
}

/* SIGTERM: exit 0 (and no leak: LeakSanitizer runs at exit) */
void stop(unsigned int i)
{
	int status;

	if (nodes[i].pid <= 0)
		return;
	kill(nodes[i].pid, SIGTERM);
	assert_int_equal(waitpid(nodes[i].pid, &status, 0), nodes[i].pid);
	nodes[i].pid = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

void umount_bpf(unsigned int i)
{
	umount(nodes[i].bpf);
}

void stop_all(void)
{
	unsigned int i;

	for (i = 1; i <= MAX_NODES; i++) {
		if (nodes[i].pid > 0)
			stop(i);
		if (nodes[i].bpf[0])
			umount_bpf(i);
	}
}

bool file_contains(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t cap = 0, len = 0, n;
	bool found;

	if (!f)
		return false;
	do {
		if (len + 65536 + 1 > cap) {
			char *bigger = realloc(text, cap = len + 65536 * 4);

			if (!bigger)
				break;
			text = bigger;
		}
		n = fread(text + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	if (!text)
		return false;
	text[len] = '\0';
	found = strstr(text, needle) != NULL;
	free(text);
	return found;
}

bool wait_log(unsigned int i, const char *needle)
{
	int t;

	for (t = 0; t < 200; t++) {
		if (file_contains(nodes[i].log, needle))
			return true;
		usleep(25000);
	}
	return false;
}

/* ---- the control socket ------------------------------------------------------------- */

/* One request on a fresh connection that gives up after 10 s (a stopped daemon). */
int request(unsigned int i, struct nlmsghdr *nlh, sov_nl_cb cb, void *data,
	    struct sov_nl_err *err)
{
	struct timeval tv = { .tv_sec = 10 };
	struct sov_ctl *c = malloc(sizeof(*c));
	int ret;

	assert_non_null(c);
	ret = sov_ctl_connect(c, nodes[i].sock);
	if (ret) {
		sov_nl_err_set(err, ret, "cannot connect");
		free(c);
		return ret;
	}
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ret = sov_ctl_transact(c, nlh, cb, data, err);
	sov_ctl_close(c);
	free(c);
	return ret;
}

int status_cb(const struct nlmsghdr *nlh, void *data)
{
	struct status *st = data;
	const struct nlattr *a, *b;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case SOV_A_CLUSTER_NODE_ID: st->node = mnl_attr_get_u64(a); break;
		case SOV_A_CLUSTER_TERM: st->term = mnl_attr_get_u64(a); break;
		case SOV_A_CLUSTER_LEADER: st->leader = mnl_attr_get_u64(a); break;
		case SOV_A_CLUSTER_COMMIT: st->commit = mnl_attr_get_u64(a); break;
		case SOV_A_CLUSTER_APPLIED: st->applied = mnl_attr_get_u64(a); break;
		case SOV_A_CLUSTER_KEYS: st->keys = mnl_attr_get_u64(a); break;
		case SOV_A_CLUSTER_MAX_BATCH: st->max_batch = mnl_attr_get_u64(a); break;
		case SOV_A_CLUSTER_REFUSED_MSGS: st->refused = mnl_attr_get_u64(a); break;
		case SOV_A_CLUSTER_SNAP_INDEX: st->snap_index = mnl_attr_get_u64(a); break;
		case SOV_A_CLUSTER_ROLE: st->role = mnl_attr_get_u8(a); break;
		case SOV_A_CLUSTER_STORAGE_ERROR: st->storage_failed = true; break;
		case SOV_A_CLUSTER_NODE:
			mnl_attr_for_each_nested(b, a)
				if (mnl_attr_get_type(b) == SOV_A_CLUSTER_VOTER)
					mnl_attr_get_u8(b) ? st->voters++ : st->learners++;
			break;
		case SOV_A_CLUSTER_SNAPSHOT:
			mnl_attr_for_each_nested(b, a)
				if (mnl_attr_get_type(b) == SOV_A_CLUSTER_RECEIVED && mnl_attr_get_u8(b))
					st->received_snaps++;
			break;
		}
	}
	return MNL_CB_OK;
}

int status(unsigned int i, struct status *st)
{
	unsigned char buf[128];
	struct sov_nl_err err;

	memset(st, 0, sizeof(*st));
	return request(i, sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_RAFT_STATUS,
					 SOV_GENL_VERSION, 0, 0), status_cb, st, &err);
}

bool alive(unsigned int i)
{
	return nodes[i].pid > 0;
}

/* The node that leads with every live node agreeing on it; 0 if none within 10 s. */
unsigned int wait_leader(void)
{
	struct status st;
	unsigned int i, t, leader;

	for (t = 0; t < 400; t++, usleep(25000)) {
		leader = 0;
		for (i = 1; i <= n_nodes; i++) {
			if (!alive(i) || nodes[i].joiner || nodes[i].fenced)
				continue;
			if (status(i, &st) || !st.leader || (leader && st.leader != leader))
				break;
			leader = (unsigned int)st.leader;
		}
		if (i > n_nodes && leader && alive(leader) &&
		    !status(leader, &st) && st.role == SOV_RAFT_ROLE_LEADER)
			return leader;
	}
	return 0;
}

/* ---- the generic write ------------------------------------------------------------------ */

int kv_put(unsigned int i, const char *key, const void *value, uint16_t len,
	   struct sov_nl_err *err)
{
	unsigned char buf[1024];
	struct nlmsghdr *nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_KV_PUT,
					      SOV_GENL_VERSION, 0, 0);

	if (key)
		mnl_attr_put_strz(nlh, SOV_A_CLUSTER_KV_KEY, key);
	if (value)
		mnl_attr_put(nlh, SOV_A_CLUSTER_KV_VALUE, len, value);
	return request(i, nlh, NULL, NULL, err);
}

/* sovctl itself, in this process, against node @i; its stdout and stderr in @out. */
int run_sovctl(unsigned int i, char *out, size_t size, const char *const *args)
{
	char *argv[16];
	int argc = 0, saved, saved_err, ret;
	FILE *f = tmpfile();
	size_t n;

	assert_non_null(f);
	argv[argc++] = "sovctl";
	argv[argc++] = "-s";
	argv[argc++] = nodes[i].sock;
	while (*args && argc < 15)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	fflush(stdout);
	fflush(stderr);
	saved = dup(1);
	saved_err = dup(2);
	dup2(fileno(f), 1);
	dup2(fileno(f), 2);
	ret = sovctl_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(saved, 1);
	dup2(saved_err, 2);
	close(saved);
	close(saved_err);
	rewind(f);
	n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	fclose(f);
	return ret;
}

/* ---- setup ---------------------------------------------------------------------------- */

int setup3(void **state)
{
	unsigned int i;

	(void)state;
	cluster_init(3);
	for (i = 1; i <= 3; i++)
		start(i, NULL);
	return wait_leader() ? 0 : -1;
}

int teardown(void **state)
{
	(void)state;
	stop_all();
	return 0;
}

/* ---- the run ---------------------------------------------------------------------------- */

int harness_init(const char *name)
{
	daemon_bin = getenv("SOVEREIGND_ASAN");
	if (!daemon_bin)
		daemon_bin = "build/tests/unit/sovereignd-asan";
	snprintf(base, sizeof(base), "/tmp/%s.XXXXXX", name);
	if (!mkdtemp(base))
		return -1;
	signal(SIGPIPE, SIG_IGN);
	srand((unsigned int)getpid());
	return 0;
}

void harness_done(int failed)
{
	char cmd[100];

	stop_all();
	if (failed) {
		fprintf(stderr, "daemon logs in %s\n", base);
		return;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", base);
}
