/* SPDX-License-Identifier: GPL-2.0 */
/* make bench-raft: what bench/raft_bench.c and its connections share. */
#ifndef SOV_RAFT_BENCH_H
#define SOV_RAFT_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <libmnl/libmnl.h>

#define NODES		3
#define VALUE_LEN	64	/* bytes of every value written */
#define KEYS_PER_CLIENT	100	/* keys each client cycles through */
#define MAX_CLIENTS	64
#define RXBUF		(128 * 1024)

enum kind { SOVD, ETCD };

struct node {
	pid_t pid;
	uint16_t port, port2;	/* sovd: peer port; etcd: client, peer */
	char dir[300], sock[320], log[320];
	uint64_t member_id;	/* etcd */
};

struct cluster {
	enum kind kind;
	const char *name;
	struct node n[NODES + 1];	/* 1-based */
	char peers[512];
	char **args;			/* sovd: this cluster's own daemon arguments (-S) */
	unsigned int nargs;
	uint64_t writes;		/* acknowledged, warm-ups included */
};

struct conn {
	int fd;
	unsigned int node;
	uint32_t seq;
	size_t len;
	char *buf;
};

#define MAX_EXTRA	16	/* daemon arguments of one setting */
#define MAX_SETTINGS	4	/* -S */

extern char value[VALUE_LEN];		/* every write's value */
extern char work[200];			/* -w */
extern double secs, warmup;		/* -t, -u */
extern int rounds;			/* -R */
extern const char *status_cmd;		/* -X */
extern char *set_args[MAX_SETTINGS][MAX_EXTRA];
extern unsigned int n_set_args[MAX_SETTINGS], n_settings;
extern const char *set_text[MAX_SETTINGS];

struct tput {
	double rate, p50_ms, p99_ms;
	uint64_t errors;
	double cpu_s, self_cpu_s;	/* the nodes' and the clients' CPU time while measured */
};

/* raft_bench.c, for raft_bench_settings.c */
void vlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cmp_double(const void *a, const void *b);
double pct(const double *v, size_t n, double p);
void cluster_init(struct cluster *c, enum kind kind, const char *name, unsigned int slot);
void start_node(struct cluster *c, unsigned int i);
void cluster_wait(struct cluster *c);
void kill_all(struct cluster *c);
struct tput throughput(struct cluster *c, unsigned int nclients);

/* raft_bench_settings.c: -S, settings side by side */
void run_settings(unsigned int nclients);
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* raft_bench_conn.c */
void set_timeout(int fd, int ms);
int conn_open(struct cluster *c, unsigned int i, struct conn *k, int timeout_ms);
void conn_close(struct conn *k);
int sovd_transact(struct conn *k, struct nlmsghdr *req, char *out, size_t outlen);
struct nlmsghdr *sovd_hdr(void *buf, uint8_t cmd, uint16_t flags);
int http_post(struct conn *k, uint16_t port, const char *path, const char *body,
	      char *out, size_t outlen);
int put(struct cluster *c, struct conn *k, const char *key);

#endif
