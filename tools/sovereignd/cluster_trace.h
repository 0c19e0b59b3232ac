/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Spans of the Raft path in sovereignd (cluster_trace.c): raft.propose
 * (leader, proposal to apply), raft.append (follower, an APPEND to its
 * durable acknowledgement), raft.sync (every node, the log's fdatasync, with
 * its system calls as kernel children), raft.apply (every node). No-ops
 * when tracing is off.
 */
#ifndef SOVD_CLUSTER_TRACE_H
#define SOVD_CLUSTER_TRACE_H

#include <stdint.h>

#include "../../lib/raft/raft.h"
#include "../../lib/trace/trace.h"

struct sovd_cluster;

int sovd_cltrace_init(struct sovd_cluster *cl);
void sovd_cltrace_free(struct sovd_cluster *cl);

/* The leader proposed the entry at @index for the current span. */
void sovd_cltrace_proposed(struct sovd_cluster *cl, uint64_t index);
/* Before sending: an APPEND gets the context of its first traced entry. */
void sovd_cltrace_outgoing(struct sovd_cluster *cl, struct raft_msg *m);
/* A message from a peer, before it is stepped. */
void sovd_cltrace_incoming(struct sovd_cluster *cl, const struct raft_msg *m);
/* A Ready's log sync was posted (@rd written); and it is over. */
void sovd_cltrace_sync_start(struct sovd_cluster *cl, const struct raft_ready *rd);
void sovd_cltrace_sync_done(struct sovd_cluster *cl, int err);
/* Around applying @e: its span is current meanwhile. */
struct trace_span *sovd_cltrace_apply_begin(struct sovd_cluster *cl, const struct raft_entry *e);
void sovd_cltrace_apply_end(struct sovd_cluster *cl, const struct raft_entry *e,
			    struct trace_span *sp, int err, const char *msg);

#endif
