// SPDX-License-Identifier: GPL-2.0
/*
 * raft-bench: a three-node sovereignd cluster on 127.0.0.1 against three
 * etcd members run the same way, both with fsync on, data dirs on the
 * disk. For each: committed writes per second with 1, 16 and 64 clients
 * (closed loop, one connection each, to the leader) with p50/p99 commit
 * latency; leader failover: kill -9 the leader under a light write load,
 * time until a write sent after the kill is acknowledged by a surviving
 * node, restart the killed node, N times. For sovereignd also the election
 * itself: from the winner's first campaign to its leading, as its status
 * history records it.
 *
 * sovereignd is written to with SOV_CMD_KV_PUT on its control socket, etcd
 * through its v3 JSON gateway (POST /v3/kv/put, HTTP/1.1 keep-alive), from
 * plain sockets in both cases. Documentation/raft.rst, "Benchmark".
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "../uapi/linux/sovereign.h"

#include "raft_bench.h"

static const char *sovd_bin = "build/bin/sovereignd";
static const char *sovd_log = "notice";	/* the daemons' -l */
static const char *etcd_bin = "/usr/bin/etcd";
char work[200] = "build/bench-raft";
double secs = 3.0;
static int trials = 50;
static bool verbose;
/* -A: more daemon arguments, e.g. make bench-trace's --trace-sample 0.01 */
static char *extra_args[MAX_EXTRA];
static unsigned int n_extra;
/* -S: settings compared side by side, one cluster each (run_settings()) */
char *set_args[MAX_SETTINGS][MAX_EXTRA];
unsigned int n_set_args[MAX_SETTINGS], n_settings;
const char *set_text[MAX_SETTINGS];
int rounds = 20;
const char *status_cmd;	/* -X: run per node before the clusters stop */
double warmup = 0.5;	/* s of load before a measurement starts */
char value[VALUE_LEN];

/* ---- small things ------------------------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void sleep_until(double t)
{
	struct timespec ts = { (time_t)t, (long)((t - (double)(time_t)t) * 1e9) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* CPU time of @pid's threads, s (from schedstat, ns; the daemons' threads live long) */
static double proc_cpu_s(pid_t pid)
{
	unsigned long long v, sum = 0;
	char path[320];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat", (int)pid, e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%llu", &v) == 1)
			sum += v;
		fclose(f);
	}
	closedir(d);
	return (double)sum / 1e9;
}

/* this process's CPU time, s: the clients, exited threads included */
static double self_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}


static struct cluster *live[MAX_SETTINGS + 2];

void kill_all(struct cluster *c)
{
	unsigned int i;

	for (i = 1; c && i <= NODES; i++)
		if (c->n[i].pid > 0) {
			kill(c->n[i].pid, SIGKILL);
			waitpid(c->n[i].pid, NULL, 0);
			c->n[i].pid = 0;
		}
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "raft-bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	for (unsigned int i = 0; i < MAX_SETTINGS + 2; i++)
		kill_all(live[i]);
	exit(1);
}


void vlog(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static uint16_t free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	uint16_t port;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl))
		die("no free port: %s", strerror(errno));
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* nearest rank, on a sorted array */
double pct(const double *v, size_t n, double p)
{
	size_t r;

	if (!n)
		return 0;
	r = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (r < 1)
		r = 1;
	return v[r > n ? n - 1 : r - 1];
}

/* ---- processes ---------------------------------------------------------------------- */

static pid_t spawn(const char *logpath, char *const argv[])
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		setpgid(0, 0);	/* a ^C of make reaches us, not them: we kill them */
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid < 0)
		die("fork: %s", strerror(errno));
	return pid;
}

void start_node(struct cluster *c, unsigned int i)
{
	struct node *n = &c->n[i];
	char a[12][320];
	char *argv[64];
	unsigned int k = 0;

	if (c->kind == SOVD) {
		char id[8], data[300];

		snprintf(id, sizeof(id), "%u", i);
		snprintf(data, sizeof(data), "%s/data", n->dir);
		unlink(n->sock);
		argv[k++] = (char *)sovd_bin;
		argv[k++] = "-s";
		argv[k++] = n->sock;
		argv[k++] = "--no-bpf";
		argv[k++] = "-l";
		argv[k++] = (char *)sovd_log;
		argv[k++] = "--cluster-id";
		argv[k++] = "bench";
		argv[k++] = "--node-id";
		argv[k++] = id;
		argv[k++] = "--peers";
		argv[k++] = c->peers;
		argv[k++] = "--data-dir";
		argv[k++] = data;
		for (unsigned int e = 0; e < n_extra; e++)
			argv[k++] = extra_args[e];
		for (unsigned int e = 0; e < c->nargs; e++)
			argv[k++] = c->args[e];
		argv[k] = NULL;
		n->pid = spawn(n->log, argv);
		return;
	}
	snprintf(a[0], sizeof(a[0]), "e%u", i);
	snprintf(a[1], sizeof(a[1]), "%s/data", n->dir);
	snprintf(a[2], sizeof(a[2]), "http://127.0.0.1:%u", n->port);
	snprintf(a[3], sizeof(a[3]), "http://127.0.0.1:%u", n->port2);
	argv[k++] = (char *)etcd_bin;
	argv[k++] = "--name";
	argv[k++] = a[0];
	argv[k++] = "--data-dir";
	argv[k++] = a[1];
	argv[k++] = "--listen-client-urls";
	argv[k++] = a[2];
	argv[k++] = "--advertise-client-urls";
	argv[k++] = a[2];
	argv[k++] = "--listen-peer-urls";
	argv[k++] = a[3];
	argv[k++] = "--initial-advertise-peer-urls";
	argv[k++] = a[3];
	argv[k++] = "--initial-cluster";
	argv[k++] = c->peers;
	argv[k++] = "--initial-cluster-token";
	argv[k++] = "raft-bench";
	argv[k++] = "--initial-cluster-state";
	argv[k++] = "new";
	argv[k++] = "--logger";
	argv[k++] = "zap";
	argv[k++] = "--log-level";
	argv[k++] = "warn";
	argv[k] = NULL;
	n->pid = spawn(n->log, argv);
}

static void kill9(struct cluster *c, unsigned int i)
{
	if (c->n[i].pid <= 0)
		return;
	kill(c->n[i].pid, SIGKILL);
	waitpid(c->n[i].pid, NULL, 0);
	c->n[i].pid = 0;
}

/* @name: its directory under work; @slot: its place in live[] */
void cluster_init(struct cluster *c, enum kind kind, const char *name, unsigned int slot)
{
	size_t len = 0;
	unsigned int i;
	char cmd[600];

	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->name = name;
	snprintf(cmd, sizeof(cmd), "rm -rf %s/%s && mkdir -p %s/%s", work, c->name, work, c->name);
	if (system(cmd))
		die("cannot prepare %s/%s", work, c->name);
	for (i = 1; i <= NODES; i++) {
		struct node *n = &c->n[i];

		n->port = free_port();
		n->port2 = free_port();
		snprintf(n->dir, sizeof(n->dir), "%s/%s/n%u", work, c->name, i);
		snprintf(n->sock, sizeof(n->sock), "%s/ctl", n->dir);
		snprintf(n->log, sizeof(n->log), "%s/log", n->dir);
		mkdir(n->dir, 0700);
		if (kind == SOVD)
			len += (size_t)snprintf(c->peers + len, sizeof(c->peers) - len,
						"%s%u=127.0.0.1:%u", i > 1 ? "," : "", i, n->port);
		else
			len += (size_t)snprintf(c->peers + len, sizeof(c->peers) - len,
						"%se%u=http://127.0.0.1:%u", i > 1 ? "," : "", i,
						n->port2);
	}
	live[slot] = c;
}

/* ---- status -------------------------------------------------------------------------- */

struct nstat {
	bool up;
	unsigned int leader;	/* node index, 0: none */
	bool leads;
	uint64_t leader_id;	/* etcd: the leader's member id */
	uint64_t term, commit, applied;
	/* sovd: the election this node won last */
	uint64_t won_term, won_campaign_ns, won_end_ns;
};

static uint64_t json_u64(const char *s, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(s, pat);
	if (!p)
		return 0;
	p += strlen(pat);
	if (*p == '"')
		p++;
	return strtoull(p, NULL, 10);
}

static void sovd_election(const struct nlattr *nest, struct nstat *st, uint64_t self)
{
	uint64_t term = 0, leader = 0, camp = 0, end = 0;
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case SOV_A_CLUSTER_TERM: term = mnl_attr_get_u64(a); break;
		case SOV_A_CLUSTER_LEADER: leader = mnl_attr_get_u64(a); break;
		case SOV_A_CLUSTER_CAMPAIGN_NS: camp = mnl_attr_get_u64(a); break;
		case SOV_A_CLUSTER_END_NS: end = mnl_attr_get_u64(a); break;
		}
	}
	if (leader == self && end && term >= st->won_term) {
		st->won_term = term;
		st->won_campaign_ns = camp;
		st->won_end_ns = end;
	}
}

static int node_status(struct cluster *c, unsigned int i, struct nstat *st)
{
	struct conn k = { .fd = -1 };
	int ret;

	memset(st, 0, sizeof(*st));
	if (c->n[i].pid <= 0)
		return -ESRCH;
	ret = conn_open(c, i, &k, 2000);
	if (ret)
		goto out;
	if (c->kind == SOVD) {
		char buf[256];
		static char reply[RXBUF];
		struct nlmsghdr *nlh = sovd_hdr(buf, SOV_CMD_RAFT_STATUS, 0);
		const struct nlattr *a;
		uint64_t self = 0, leader = 0;
		uint8_t role = 0;

		ret = sovd_transact(&k, nlh, reply, sizeof(reply));
		if (ret)
			goto out;
		nlh = (struct nlmsghdr *)reply;
		mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
			switch (mnl_attr_get_type(a)) {
			case SOV_A_CLUSTER_NODE_ID: self = mnl_attr_get_u64(a); break;
			case SOV_A_CLUSTER_ROLE: role = mnl_attr_get_u8(a); break;
			case SOV_A_CLUSTER_LEADER: leader = mnl_attr_get_u64(a); break;
			case SOV_A_CLUSTER_TERM: st->term = mnl_attr_get_u64(a); break;
			case SOV_A_CLUSTER_COMMIT: st->commit = mnl_attr_get_u64(a); break;
			case SOV_A_CLUSTER_APPLIED: st->applied = mnl_attr_get_u64(a); break;
			}
		}
		mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
			if (mnl_attr_get_type(a) == SOV_A_CLUSTER_ELECTION)
				sovd_election(a, st, self);
		st->leader = leader <= NODES ? (unsigned int)leader : 0;
		st->leads = role == SOV_RAFT_ROLE_LEADER;
	} else {
		static char out[8192];
		uint64_t self, leader;

		ret = http_post(&k, c->n[i].port, "/v3/maintenance/status", "{}", out, sizeof(out));
		if (ret)
			goto out;
		self = json_u64(out, "member_id");
		leader = json_u64(out, "leader");
		c->n[i].member_id = self;
		st->term = json_u64(out, "raftTerm");
		st->commit = json_u64(out, "raftIndex");
		st->applied = json_u64(out, "raftAppliedIndex");
		st->leader_id = leader;
		st->leads = leader && leader == self;
	}
	st->up = !ret;
out:
	conn_close(&k);
	free(k.buf);
	return ret;
}

/*
 * The leader, once every live node agrees on it and (@caught_up) has
 * applied what it committed, less a little; 0 after @timeout_s.
 */
static unsigned int wait_leader(struct cluster *c, bool caught_up, double timeout_s)
{
	double end = now_s() + timeout_s;
	struct nstat st[NODES + 1];
	unsigned int i, leader;

	do {
		leader = 0;
		for (i = 1; i <= NODES; i++)
			if (c->n[i].pid > 0)
				node_status(c, i, &st[i]);
		for (i = 1; c->kind == ETCD && i <= NODES; i++) {	/* member ids: nodes */
			unsigned int j;

			for (j = 1; c->n[i].pid > 0 && st[i].leader_id && j <= NODES; j++)
				if (c->n[j].member_id == st[i].leader_id)
					st[i].leader = j;
		}
		for (i = 1; i <= NODES; i++) {
			if (c->n[i].pid <= 0)
				continue;
			if (!st[i].up || !st[i].leader || (leader && st[i].leader != leader))
				break;
			leader = st[i].leader;
		}
		if (i > NODES && leader && c->n[leader].pid > 0 && st[leader].leads) {
			bool behind = false;

			for (i = 1; caught_up && i <= NODES; i++)
				if (c->n[i].pid > 0 && st[i].applied + 100 < st[leader].commit)
					behind = true;
			if (!behind)
				return leader;
		}
		msleep(20);
	} while (now_s() < end);
	return 0;
}

/* A node that exits at once (a refused -A argument, say) fails the run at once. */
static void check_alive(struct cluster *c)
{
	unsigned int i;
	int status;

	for (i = 1; i <= NODES; i++)
		if (c->n[i].pid > 0 && waitpid(c->n[i].pid, &status, WNOHANG) == c->n[i].pid) {
			c->n[i].pid = 0;
			die("%s: node %u exited (status %d) while starting; its log: %s", c->name, i,
			    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
			    c->n[i].log);
		}
}

/* a leader within 30 s of the nodes' start, or die */
void cluster_wait(struct cluster *c)
{
	double end = now_s() + 30;

	do
		check_alive(c);
	while (!wait_leader(c, true, 0.2) && now_s() < end);
	if (now_s() >= end)
		die("%s: no leader within 30 s (logs in %s/%s)", c->name, work, c->name);
}

static void cluster_start(struct cluster *c)
{
	unsigned int i;

	for (i = 1; i <= NODES; i++)
		start_node(c, i);
	cluster_wait(c);
}

/* ---- throughput ---------------------------------------------------------------------- */

struct client {
	pthread_t t;
	struct cluster *c;
	unsigned int id, node;
	double *lat;
	size_t n, cap;
	uint64_t errors, ok;
	const char *why;
};

static atomic_bool stop_flag;
static double t_measure, t_end;
static pthread_barrier_t barrier;

static void *client_main(void *arg)
{
	struct client *cl = arg;
	struct conn k = { .fd = -1 };
	char key[64];
	uint64_t i = 0;

	if (conn_open(cl->c, cl->node, &k, 10000))
		cl->why = "cannot connect";
	pthread_barrier_wait(&barrier);
	while (!cl->why && !atomic_load(&stop_flag)) {
		double t0, t1;
		int ret;

		snprintf(key, sizeof(key), "bench/c%u/%" PRIu64, cl->id, i++ % KEYS_PER_CLIENT);
		t0 = now_s();
		ret = put(cl->c, &k, key);
		t1 = now_s();
		if (ret) {
			cl->errors++;
			if (ret == -EPIPE || ret == -EPROTO)
				cl->why = "connection lost";
			continue;
		}
		cl->ok++;
		if (t0 < t_measure || t1 > t_end)
			continue;
		if (cl->n == cl->cap) {
			cl->cap = cl->cap ? cl->cap * 2 : 65536;
			cl->lat = realloc(cl->lat, cl->cap * sizeof(*cl->lat));
			if (!cl->lat)
				die("out of memory");
		}
		cl->lat[cl->n++] = t1 - t0;
	}
	conn_close(&k);
	free(k.buf);
	return NULL;
}

struct tput throughput(struct cluster *c, unsigned int nclients)
{
	static struct client cl[MAX_CLIENTS];
	unsigned int leader = wait_leader(c, true, 30), i;
	struct tput r = { 0 };
	double *all, cpu0 = 0;
	size_t n = 0;

	if (!leader)
		die("%s: no leader", c->name);
	atomic_store(&stop_flag, false);
	t_measure = 1e30;
	t_end = 1e30;
	pthread_barrier_init(&barrier, NULL, nclients + 1);
	for (i = 0; i < nclients; i++) {
		memset(&cl[i], 0, sizeof(cl[i]));
		cl[i].c = c;
		cl[i].id = i;
		cl[i].node = leader;
		if (pthread_create(&cl[i].t, NULL, client_main, &cl[i]))
			die("pthread_create");
	}
	pthread_barrier_wait(&barrier);
	t_measure = now_s() + warmup;
	t_end = t_measure + secs;
	sleep_until(t_measure);
	for (i = 1; i <= NODES; i++)
		cpu0 += c->n[i].pid > 0 ? proc_cpu_s(c->n[i].pid) : 0;
	r.self_cpu_s = self_cpu_s();
	sleep_until(t_end);
	for (i = 1; i <= NODES; i++)
		r.cpu_s += c->n[i].pid > 0 ? proc_cpu_s(c->n[i].pid) : 0;
	r.cpu_s -= cpu0;
	r.self_cpu_s = self_cpu_s() - r.self_cpu_s;
	atomic_store(&stop_flag, true);
	for (i = 0; i < nclients; i++) {
		pthread_join(cl[i].t, NULL);
		if (cl[i].why)
			die("%s: client %u: %s", c->name, i, cl[i].why);
		n += cl[i].n;
		r.errors += cl[i].errors;
		c->writes += cl[i].ok;
	}
	pthread_barrier_destroy(&barrier);
	all = malloc((n + 1) * sizeof(*all));
	if (!all)
		die("out of memory");
	n = 0;
	for (i = 0; i < nclients; i++) {
		memcpy(all + n, cl[i].lat, cl[i].n * sizeof(*all));
		n += cl[i].n;
		free(cl[i].lat);
	}
	qsort(all, n, sizeof(*all), cmp_double);
	r.rate = (double)n / secs;
	r.p50_ms = pct(all, n, 50) * 1e3;
	r.p99_ms = pct(all, n, 99) * 1e3;
	free(all);
	vlog("# %s %u clients: %zu writes in %.1f s, %" PRIu64 " errors\n", c->name, nclients,
	     n, secs, r.errors);
	return r;
}

/* ---- failover ------------------------------------------------------------------------ */

/*
 * PROBERS connections per node. Before the kill only the leader's write (a
 * light load); after it every survivor's, each write given PROBE_MS: a
 * write that a follower forwarded to the dead leader (etcd does) is lost,
 * and the prober sends another rather than wait for the server's timeout.
 */
#define PROBERS		4
#define PROBE_MS	50

struct prober {
	pthread_t t;
	struct cluster *c;
	unsigned int node, id;
	bool leader;
	uint64_t acked;
};

static _Atomic double t_kill;		/* 0 until the leader is killed */
static _Atomic double t_first;		/* first ack of a write sent after it */
static _Atomic unsigned int killed;

static void *prober_main(void *arg)
{
	struct prober *p = arg;
	struct conn k = { .fd = -1 };
	char key[64];
	uint64_t i = 0;

	while (!atomic_load(&stop_flag)) {
		double t0, t1, tk;
		int ret;

		if (!p->leader && !atomic_load(&t_kill)) {
			msleep(1);
			continue;
		}
		if (k.fd < 0 && conn_open(p->c, p->node, &k, PROBE_MS)) {
			msleep(2);
			continue;
		}
		snprintf(key, sizeof(key), "bench/p%u-%u/%" PRIu64, p->node, p->id,
			 i++ % KEYS_PER_CLIENT);
		t0 = now_s();
		ret = put(p->c, &k, key);
		t1 = now_s();
		tk = atomic_load(&t_kill);
		if (!ret) {
			double zero = 0;

			p->acked++;
			if (tk > 0 && t0 > tk && p->node != atomic_load(&killed))
				atomic_compare_exchange_strong(&t_first, &zero, t1);
			continue;
		}
		if (ret == -EPIPE || ret == -EPROTO)
			conn_close(&k);	/* gone, or PROBE_MS passed: a new connection */
		msleep(1);
	}
	conn_close(&k);
	free(k.buf);
	return NULL;
}

struct fover {
	double *ms, *elect_ms;
	unsigned int n, n_elect;
};

static struct fover failover(struct cluster *c, int n_trials)
{
	struct fover f = { calloc((size_t)n_trials, sizeof(double)),
			   calloc((size_t)n_trials, sizeof(double)), 0, 0 };
	struct prober pr[NODES * PROBERS];
	int t;

	if (!f.ms || !f.elect_ms)
		die("out of memory");
	for (t = 0; t < n_trials; t++) {
		unsigned int leader = wait_leader(c, true, 60), nl, i;
		struct nstat st;
		double deadline;

		if (!leader)
			die("%s: trial %d: no leader with every node caught up within 60 s", c->name,
			    t + 1);
		atomic_store(&stop_flag, false);
		atomic_store(&t_kill, 0);
		atomic_store(&t_first, 0);
		atomic_store(&killed, leader);
		for (i = 0; i < NODES * PROBERS; i++) {
			pr[i] = (struct prober){ .c = c, .node = i / PROBERS + 1, .id = i % PROBERS };
			pr[i].leader = pr[i].node == leader;
			if (pthread_create(&pr[i].t, NULL, prober_main, &pr[i]))
				die("pthread_create");
		}
		msleep(200 + (unsigned int)(rand() % 200));	/* under load, off any beat */
		atomic_store(&t_kill, now_s());
		kill9(c, leader);
		deadline = now_s() + 30;
		while (!atomic_load(&t_first) && now_s() < deadline)
			msleep(1);
		atomic_store(&stop_flag, true);
		for (i = 0; i < NODES * PROBERS; i++)
			pthread_join(pr[i].t, NULL);
		if (!atomic_load(&t_first))
			die("%s: trial %d: no write acknowledged within 30 s of killing node %u",
			    c->name, t + 1, leader);
		f.ms[f.n++] = (atomic_load(&t_first) - atomic_load(&t_kill)) * 1e3;
		nl = wait_leader(c, false, 10);
		if (c->kind == SOVD && nl && !node_status(c, nl, &st) && st.won_campaign_ns &&
		    st.won_end_ns > st.won_campaign_ns)
			f.elect_ms[f.n_elect++] = (double)(st.won_end_ns - st.won_campaign_ns) / 1e6;
		vlog("# %s trial %d: killed %u, node %u leads, failover %.1f ms, election %.1f ms\n",
		     c->name, t + 1, leader, nl, f.ms[f.n - 1],
		     c->kind == SOVD && f.n_elect ? f.elect_ms[f.n_elect - 1] : 0.0);
		start_node(c, leader);
	}
	qsort(f.ms, f.n, sizeof(double), cmp_double);
	qsort(f.elect_ms, f.n_elect, sizeof(double), cmp_double);
	return f;
}

/* ---- the run ------------------------------------------------------------------------- */

/* -c N: that level alone (the last line's other ratios print as 0) */
#define N_LEVELS 3
static unsigned int levels[N_LEVELS] = { 1, 16, 64 };
static unsigned int n_levels = N_LEVELS;

struct result {
	bool ran;
	struct tput tp[N_LEVELS];
	struct fover fo;
};

static void run(enum kind kind, struct result *r)
{
	static struct cluster cs[2];
	struct cluster *c = &cs[kind];
	unsigned int l;

	cluster_init(c, kind, kind == SOVD ? "sovereignd" : "etcd", kind);
	cluster_start(c);
	for (l = 0; l < n_levels; l++)
		r->tp[l] = throughput(c, levels[l]);
	if (trials > 0)
		r->fo = failover(c, trials);
	kill_all(c);
	r->ran = true;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: raft-bench [-d SOVEREIGND] [-A ARGS] [-e ETCD] [-E] [-w DIR] [-t SECONDS] [-c CLIENTS]\n"
		"                  [-n TRIALS] [-l LEVEL] [-u SECONDS] [-v]\n"
		"       raft-bench -S ARGS -S ARGS... [-R ROUNDS] [-X CMD] [-c CLIENTS] [-t SECONDS] [options above]\n"
		"  -d  the daemon (build/bin/sovereignd)\n"
		"  -A  more arguments for every daemon, split at spaces, e.g. -A '--trace-sample 0.01'\n"
		"      (repeatable; %d at most)\n"
		"  -e  etcd (/usr/bin/etcd); -E: do not run etcd\n"
		"  -w  work dir for data dirs and logs, on the disk (build/bench-raft)\n"
		"  -t  seconds per concurrency level (3), after 0.5 s of warm-up\n"
		"  -c  this many clients (1-%d) instead of 1, 16 and 64\n"
		"  -n  failover trials (50; 0: none)\n"
		"  -l  the daemons' log level (notice), e.g. debug: votes and links, in DIR/sovereignd/nN/log\n"
		"  -u  seconds of warm-up before each measurement (0.5)\n"
		"  -v  every trial (every round) on stderr\n"
		"  -S  settings compared, up to %d (no etcd, no failover): a cluster each, with\n"
		"      these daemon arguments (as -A), all running; the load (-c clients, 16 by\n"
		"      default) goes to one at a time for -t seconds, the order rotating, -R\n"
		"      rounds (20); last line: raft settings: s1_wps=N ... s2_loss=P ..., the\n"
		"      loss the median of 1 - w/s / w/s of s1 in the same round, in percent\n"
		"  -X  with -S: run this shell command for every node before stopping the\n"
		"      clusters, SOCK its control socket, output to DIR/sN/nK/x.out\n",
		MAX_EXTRA, MAX_CLIENTS, MAX_SETTINGS);
	exit(2);
}

/* @args split at spaces into @out (MAX_EXTRA at most) */
static void add_args(char *args, char **out, unsigned int *n)
{
	char *save = NULL, *a;

	for (a = strtok_r(args, " \t", &save); a; a = strtok_r(NULL, " \t", &save)) {
		if (*n == MAX_EXTRA)
			die("more than %d daemon arguments in -A or -S", MAX_EXTRA);
		out[(*n)++] = a;
	}
}

/* the ratio to etcd at @clients, 0 when that level did not run */
static double ratio_at(const double *ratio, unsigned int clients)
{
	unsigned int l;

	for (l = 0; l < n_levels; l++)
		if (levels[l] == clients)
			return ratio[l];
	return 0;
}

static void row(const char *label, const struct result *s, const struct result *e, int l)
{
	char eb[64] = "-", rb[32] = "-";

	if (e->ran) {
		snprintf(eb, sizeof(eb), "%7.0f  %6.2f  %6.2f", e->tp[l].rate, e->tp[l].p50_ms,
			 e->tp[l].p99_ms);
		snprintf(rb, sizeof(rb), "%.2fx", e->tp[l].rate > 0 ? s->tp[l].rate / e->tp[l].rate : 0);
	}
	printf("  %-12s %7.0f  %6.2f  %6.2f    %-25s %s\n", label, s->tp[l].rate, s->tp[l].p50_ms,
	       s->tp[l].p99_ms, eb, rb);
}

int main(int argc, char **argv)
{
	static struct result sr, er;
	const char *skip_etcd = NULL;
	double ratio[N_LEVELS] = { 0 }, r1, r16, r64, f50, f99, el50 = 0, el99 = 0;
	struct stat sb;
	unsigned int l;
	int opt;

	while ((opt = getopt(argc, argv, "d:A:S:R:u:X:e:Ew:t:c:n:l:vh")) != -1) {
		switch (opt) {
		case 'd': sovd_bin = optarg; break;
		case 'A': add_args(optarg, extra_args, &n_extra); break;
		case 'S':
			if (n_settings == MAX_SETTINGS)
				usage();
			set_text[n_settings] = strdup(optarg);
			if (!set_text[n_settings])
				die("out of memory");
			add_args(optarg, set_args[n_settings], &n_set_args[n_settings]);
			n_settings++;
			break;
		case 'R': rounds = atoi(optarg); break;
		case 'u': warmup = atof(optarg); break;
		case 'X': status_cmd = optarg; break;
		case 'c':
			levels[0] = (unsigned int)atoi(optarg);
			n_levels = 1;
			if (levels[0] < 1 || levels[0] > MAX_CLIENTS)
				usage();
			break;
		case 'e': etcd_bin = optarg; break;
		case 'E': skip_etcd = "-E given"; break;
		case 'w': snprintf(work, sizeof(work), "%s", optarg); break;
		case 't': secs = atof(optarg); break;
		case 'n': trials = atoi(optarg); break;
		case 'l': sovd_log = optarg; break;
		case 'v': verbose = true; break;
		default: usage();
		}
	}
	if (secs <= 0 || trials < 0 || trials > 10000 || rounds < 1 || rounds > 10000 ||
	    warmup < 0)
		usage();
	if (access(sovd_bin, X_OK))
		die("%s: %s", sovd_bin, strerror(errno));
	if (!skip_etcd && access(etcd_bin, X_OK))
		skip_etcd = "not installed (apt-get install etcd-server)";
	mkdir(work, 0755);
	if (stat(work, &sb))
		die("%s: %s", work, strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	srand((unsigned int)getpid());
	memset(value, 'v', sizeof(value));
	if (n_settings) {
		run_settings(n_levels == 1 ? levels[0] : 16);
		return 0;
	}

	run(SOVD, &sr);
	if (!skip_etcd)
		run(ETCD, &er);

	printf("raft bench: 3 nodes on 127.0.0.1, fsync on, data dirs in %s; %d-byte values,\n"
	       "  closed-loop clients with a connection each to the leader, %.1f s per level;\n"
	       "  failover: kill -9 the leader under load, to the first write sent after it\n"
	       "  and acknowledged, %d trials\n", work, VALUE_LEN, secs, trials);
	printf("  sovereignd: KV_PUT on the control socket, default timeouts (tick 10 ms,\n"
	       "  election 160-300 ms, heartbeat 50 ms, PreVote, CheckQuorum)\n");
	if (skip_etcd)
		printf("  etcd: not run: %s\n", skip_etcd);
	else
		printf("  etcd: %s, v3 JSON gateway (POST /v3/kv/put, HTTP/1.1 keep-alive),\n"
		       "  default timeouts (heartbeat 100 ms, election 1000 ms)\n", etcd_bin);
	printf("\n  %-12s %-28s   %-25s %s\n", "", "sovereignd", "etcd", "ratio");
	printf("  %-12s %7s  %6s  %6s    %7s  %6s  %6s   %s\n", "clients", "w/s", "p50 ms",
	       "p99 ms", "w/s", "p50 ms", "p99 ms", "w/s");
	for (l = 0; l < n_levels; l++) {
		char label[16];

		snprintf(label, sizeof(label), "%u", levels[l]);
		row(label, &sr, &er, (int)l);
		if (er.ran && er.tp[l].rate > 0)
			ratio[l] = sr.tp[l].rate / er.tp[l].rate;
	}
	/* the absolute figures, one field per level, for scripts (make bench-trace) */
	printf("\n  writes/s:");
	for (l = 0; l < n_levels; l++)
		printf(" c%u=%.0f", levels[l], sr.tp[l].rate);
	printf("\n");
	r1 = ratio_at(ratio, 1);
	r16 = ratio_at(ratio, 16);
	r64 = ratio_at(ratio, 64);
	f50 = pct(sr.fo.ms, sr.fo.n, 50);
	f99 = pct(sr.fo.ms, sr.fo.n, 99);
	if (sr.fo.n_elect) {
		el50 = pct(sr.fo.elect_ms, sr.fo.n_elect, 50);
		el99 = pct(sr.fo.elect_ms, sr.fo.n_elect, 99);
	}
	if (trials) {
		char sb2[64], eb[64] = "-";

		printf("\n  %-26s %-24s %s\n", "", "sovereignd", "etcd");
		snprintf(sb2, sizeof(sb2), "%.0f / %.0f / %.0f", f50, f99,
			 sr.fo.n ? sr.fo.ms[sr.fo.n - 1] : 0);
		if (er.ran)
			snprintf(eb, sizeof(eb), "%.0f / %.0f / %.0f", pct(er.fo.ms, er.fo.n, 50),
				 pct(er.fo.ms, er.fo.n, 99), er.fo.n ? er.fo.ms[er.fo.n - 1] : 0);
		printf("  %-26s %-24s %s\n", "failover p50/p99/max ms", sb2, eb);
		snprintf(sb2, sizeof(sb2), "%.1f / %.1f (%u of %u)", el50, el99, sr.fo.n_elect,
			 sr.fo.n);
		printf("  %-26s %-24s %s\n", "election p50/p99 ms", sb2, "-");
	}
	printf("\n  target\n");
	if (er.ran) {
		printf("  1 client  >= 1.0x etcd   %5.2fx  %s\n", r1, r1 >= 1.0 ? "met" : "NOT met");
		printf("  16        >= 2x etcd     %5.2fx  %s\n", r16, r16 >= 2.0 ? "met" : "NOT met");
		printf("  64        >= 5x etcd     %5.2fx  %s\n", r64, r64 >= 5.0 ? "met" : "NOT met");
	} else {
		printf("  throughput vs etcd: not measured (etcd not run; ratios print as 0)\n");
	}
	if (trials) {
		printf("  election < 100 ms        %5.0f   %s\n", el50, el50 > 0 && el50 < 100 ? "met" : "NOT met");
		printf("  failover p50 <= 400 ms   %5.0f   %s\n", f50, f50 <= 400 ? "met" : "NOT met");
		printf("  failover p99 < 450 ms    %5.0f   %s\n", f99, f99 < 450 ? "met" : "NOT met");
	}
	printf("bench raft: c1=%.2f c16=%.2f c64=%.2f election_ms=%.0f failover_p50_ms=%.0f failover_p99_ms=%.0f\n",
	       r1, r16, r64, el50, f50, f99);
	return 0;
}
