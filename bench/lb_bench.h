/* SPDX-License-Identifier: GPL-2.0 */
/* What lb_bench.c (the BPF_PROG_TEST_RUN cases) shares with lb_veth.c. */
#ifndef SOV_LB_BENCH_H
#define SOV_LB_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "lb.h"

#define NSVC		LB_MAX_SERVICES
#define SVC		5		/* the service under test */
#define VIP_PORT	80
#define FRAME_LEN	64
#define OUT_MAX		256
#define MAX_RUNS	15
#define VETH_FLOWS	1024
#define CHUNK_LIVE	262144		/* frames per live-frames call */

#define OFF_IP		14
#define OFF_SADDR	(OFF_IP + 12)
#define OFF_DADDR	(OFF_IP + 16)
#define OFF_SPORT	(OFF_IP + 20)
#define OFF_DPORT	(OFF_IP + 22)

struct lb_snap {
	uint64_t reason[64];
	uint64_t total;
	uint64_t new_flows;
};


extern int verbose;
extern int lb_fd;			/* the balancer's program */
extern unsigned int nbackends;		/* backends per service in this group */
extern uint8_t est_frame[FRAME_LEN];	/* a packet of an established flow */

void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void update(int fd, const void *key, const void *val, const char *what);
void set_service(unsigned int s, uint32_t policy);
void lb_snapshot(struct lb_snap *sn);
/* a per-CPU u64 at @off summed over CPUs; dies if the lookup fails */
uint64_t pcpu_sum(int fd, uint32_t key, size_t vs, size_t off);

/* lb_veth.c: Mpps through a veth pair in native XDP mode, for @secs */
double veth_bench(double secs);

#endif
