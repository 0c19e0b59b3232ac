// SPDX-License-Identifier: GPL-2.0
/*
 * The connection table's housekeeping, every LB_SWEEP_PERIOD_S seconds:
 * entries idle past their timeout (lib/lb/conns.c) are deleted, and
 * lb_conn_counts is rewritten from the open flows that remain. The data
 * path keeps those counts exact for flows that end with FIN/RST; this is
 * what takes flows that went quiet or were evicted by the LRU out of
 * least-conn's counts. Counts that the data path changes while a sweep
 * runs may be off until the next one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../lib/lb/conns.h"
#include "lb.skel.h"
#include "lb.h"
#include "log.h"

#define SWEEP_BATCH	1024U
#define NBACKENDS	(LB_MAX_SERVICES * LB_MAX_BACKENDS)

struct sweep_buf {
	struct sov_lb_conn_scan scan;
	struct lb_flow_key keys[SWEEP_BATCH];
	struct lb_flow vals[SWEEP_BATCH];
	int64_t counts[NBACKENDS];
	uint32_t ids[NBACKENDS];
};

static uint64_t coarse_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Delete @k if it is still idle: a packet may have refreshed it since the batch read. */
static bool expire(int fd, struct sov_lb_conn_scan *scan, const struct lb_flow_key *k)
{
	struct lb_flow now;

	if (bpf_map_lookup_elem(fd, k, &now))
		return false;		/* gone already */
	if (now.backend >= NBACKENDS || sov_lb_conn_idle(k, &now, scan->now_ns))
		return !bpf_map_delete_elem(fd, k);
	sov_lb_conn_scan_count(scan, &now);
	return false;
}

/* Walk lb_conns once; false if the walk failed (counts are then left alone). */
static bool walk(int fd, struct sweep_buf *b, unsigned int *deleted)
{
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct lb_flow_key token;	/* opaque; a key's size is enough for hash maps */
	void *in = NULL;
	uint32_t i, n;
	int err;

	do {
		n = SWEEP_BATCH;
		err = bpf_map_lookup_batch(fd, in, &token, b->keys, b->vals, &n, &opts);
		if (err && errno != ENOENT) {
			log_warn("lb: cannot read lb_conns: %s", strerror(errno));
			return false;
		}
		for (i = 0; i < n; i++)
			if (sov_lb_conn_scan_entry(&b->scan, &b->keys[i], &b->vals[i]) &&
			    expire(fd, &b->scan, &b->keys[i]))
				(*deleted)++;
		in = &token;
	} while (!err);
	return true;
}

/* lb_conn_counts := what the walk counted, where it differs. */
static unsigned int rewrite_counts(int fd, struct sweep_buf *b)
{
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
	unsigned int fixed = 0;
	uint32_t token, n = NBACKENDS, i;
	int err;

	err = bpf_map_lookup_batch(fd, NULL, &token, b->ids, b->counts, &n, &opts);
	if ((err && errno != ENOENT) || n != NBACKENDS) {
		log_warn("lb: cannot read lb_conn_counts: %s", err ? strerror(errno) : "short read");
		return 0;
	}
	for (i = 0; i < n; i++) {
		uint32_t id = b->ids[i];
		int64_t want;

		if (id >= NBACKENDS || b->counts[i] == b->scan.open[id])
			continue;
		want = b->scan.open[id];
		if (!bpf_map_update_elem(fd, &id, &want, BPF_EXIST))
			fixed++;
	}
	return fixed;
}

void sovd_lb_conns_sweep(struct sovd_lb *lb)
{
	struct sweep_buf *b = malloc(sizeof(*b));
	unsigned int deleted = 0, fixed;

	if (!b) {
		log_warn("lb: connection sweep skipped: out of memory");
		return;
	}
	sov_lb_conn_scan_init(&b->scan, coarse_now_ns());
	if (walk(bpf_map__fd(lb->skel->maps.lb_conns), b, &deleted)) {
		fixed = rewrite_counts(bpf_map__fd(lb->skel->maps.lb_conn_counts), b);
		lb->sweeps++;
		lb->swept_expired += deleted;
		if (deleted || fixed)
			log_debug("lb: connection sweep: %llu flows, %u expired, %u counts corrected",
				  (unsigned long long)b->scan.scanned, deleted, fixed);
	}
	free(b);
}
