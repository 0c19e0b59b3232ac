/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cluster's replicated configuration: a small typed key-value state
 * machine. Every change is a Raft log entry (an encoded struct sov_kv_op);
 * every node applies the same entries in the same order and so holds the
 * same map. Applying is deterministic, also for entries it refuses (a wrong
 * type, a failed compare): those change nothing, on every node alike.
 *
 * Keys are 1-255 printable ASCII bytes without spaces, by convention paths
 * ("lb/service/10.0.0.100:80/tcp"). Values are typed so that a reader can
 * print them without knowing the writer: u64, UTF-8 string, or opaque bytes
 * (up to 60 KiB; the load balancer stores netlink attributes there).
 *
 * The encoding of ops and snapshots is netlink attributes (libmnl), the
 * project's one wire format; it is persistent (log entries, snapshots), so
 * attribute numbers below never change meaning.
 */
#ifndef SOV_CLUSTER_KVSTATE_H
#define SOV_CLUSTER_KVSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SOV_KV_KEY_MAX		255U
#define SOV_KV_VALUE_MAX	61440U	/* a netlink attribute holds < 64 KiB */

enum sov_kv_type {
	SOV_KV_U64 = 1,
	SOV_KV_STRING,
	SOV_KV_BYTES,
};

enum sov_kv_opcode {
	SOV_KV_PUT = 1,		/* create or replace */
	SOV_KV_DELETE,		/* remove; absent is not an error */
	SOV_KV_DELETE_PREFIX,	/* remove every key that starts with key */
};

struct sov_kv_value {
	uint8_t type;		/* enum sov_kv_type */
	uint32_t len;		/* SOV_KV_U64: 8 */
	const uint8_t *data;
};

struct sov_kv_op {
	uint8_t op;		/* enum sov_kv_opcode */
	const char *key;
	struct sov_kv_value value;	/* PUT */
	/*
	 * Compare: apply only if the key was last changed at this log index
	 * (0: the key must not exist); UINT64_MAX: no condition.
	 */
	uint64_t if_index;
};

/* What applying one entry did, for the proposer waiting on it. */
struct sov_kv_result {
	int err;		/* 0, or -EEXIST/-ESTALE (compare failed), -EINVAL (malformed) */
	uint32_t changed;	/* keys written or removed */
	char msg[128];		/* for err: what was wrong */
};

struct sov_kv_state;

/* Called for every key an applied entry changes; value NULL: removed. */
typedef void (*sov_kv_watch_fn)(void *ctx, const char *key, const struct sov_kv_value *value);

struct sov_kv_state *sov_kv_new(void);
void sov_kv_free(struct sov_kv_state *s);
void sov_kv_watch(struct sov_kv_state *s, sov_kv_watch_fn fn, void *ctx);

/* Validation shared by proposers (refuse early) and apply (refuse alike). */
int sov_kv_op_check(const struct sov_kv_op *op, char *msg, size_t msglen);
/* Encoded length, or -EINVAL (msg says why) / -ENOSPC if @len is too small. */
int sov_kv_op_encode(const struct sov_kv_op *op, uint8_t *buf, size_t len,
		     char *msg, size_t msglen);
/* Points into @buf; -EINVAL with msg naming the attribute. */
int sov_kv_op_decode(const uint8_t *buf, size_t len, struct sov_kv_op *op,
		     char *key_buf, char *msg, size_t msglen);

/* Apply the log entry at @index (its bytes). Returns res->err. */
int sov_kv_apply(struct sov_kv_state *s, uint64_t index, const uint8_t *entry, size_t len,
		 struct sov_kv_result *res);
uint64_t sov_kv_applied(const struct sov_kv_state *s);

/* Lookups; the value points into the state until the next apply. */
int sov_kv_get(const struct sov_kv_state *s, const char *key, struct sov_kv_value *value,
	       uint64_t *mod_index);
size_t sov_kv_count(const struct sov_kv_state *s);
/* Keys starting with @prefix, in order; stop when @fn returns non-zero (returned). */
int sov_kv_walk(const struct sov_kv_state *s, const char *prefix,
		int (*fn)(void *ctx, const char *key, const struct sov_kv_value *v,
			  uint64_t mod_index),
		void *ctx);

/* The whole state as bytes for raft_compact(), and back. malloc'd; free() it. */
int sov_kv_snapshot(const struct sov_kv_state *s, uint8_t **buf, size_t *len);
/* Replaces the state; on error (msg) the state is unchanged. Watchers see every difference. */
int sov_kv_restore(struct sov_kv_state *s, const uint8_t *buf, size_t len,
		   char *msg, size_t msglen);

#endif
