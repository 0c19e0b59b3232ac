/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tests/sim: linearizability checker for a key-value history.
 *
 * Each key holds a sequence of tokens. PUT replaces it with one token,
 * APPEND adds one, GET returns the whole sequence, so a lost, duplicated or
 * reordered write shows in every later read. Tokens are nonzero and each is
 * written by one operation only. An operation whose outcome is unknown (the
 * client gave up on it) has ret < 0: it may have taken effect at any point
 * after its call, or never.
 */
#ifndef SOV_SIM_LIN_H
#define SOV_SIM_LIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rng.h"

enum lin_kind {
	LIN_GET,
	LIN_PUT,
	LIN_APPEND,
};

struct lin_op {
	uint8_t kind;		/* enum lin_kind */
	uint32_t key;
	uint64_t arg;		/* PUT, APPEND: the token written */
	const uint64_t *val;	/* GET: the tokens read, oldest first */
	uint32_t n_val;
	int64_t call, ret;	/* ret < 0: unknown outcome (a GET's is ignored) */
};

enum lin_verdict {
	LIN_OK,
	LIN_ILLEGAL,		/* no linearization exists */
	LIN_GAVE_UP,		/* the search budget ran out */
};

struct lin_result {
	enum lin_verdict verdict;
	uint32_t key;		/* the first key that is not LIN_OK */
	size_t n_keys;
	size_t n_unseen;	/* unknown writes no read saw: left out */
	uint64_t explored;	/* search steps, all keys */
};

/* The hash of a sequence of tokens: 0 when empty, then one step per token. */
static inline uint64_t lin_hash(uint64_t h, uint64_t token)
{
	return mix64(h ^ mix64(token + 0x7f4a7c159e3779b9ULL));
}

/*
 * Wing & Gong's search with Lowe's memoization, one key at a time (a
 * history is linearizable iff each key's sub-history is). @budget bounds
 * the search steps per key.
 */
enum lin_verdict lin_check(const struct lin_op *ops, size_t n, uint64_t budget,
			   struct lin_result *res);

/* One key's sub-history, by call time, for a failure report. */
void lin_dump(FILE *f, const struct lin_op *ops, size_t n, uint32_t key);

#endif
