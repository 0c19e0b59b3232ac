// SPDX-License-Identifier: GPL-2.0
/*
 * lib/raft: configurations (who votes, who learns), the quorum they define,
 * and single-server changes applied to them.
 */
#include <errno.h>
#include <string.h>

#include "raft_internal.h"

static int find(const raft_id_t *ids, uint32_t n, raft_id_t id)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return (int)i;
	return -1;
}

bool raft_conf_is_voter(const struct raft_conf *c, raft_id_t id)
{
	return id && find(c->voters, c->n_voters, id) >= 0;
}

bool raft_conf_is_learner(const struct raft_conf *c, raft_id_t id)
{
	return id && find(c->learners, c->n_learners, id) >= 0;
}

bool raft_conf_has(const struct raft_conf *c, raft_id_t id)
{
	return raft_conf_is_voter(c, id) || raft_conf_is_learner(c, id);
}

/* Any two majorities of the same voters overlap: that is all safety needs. */
uint32_t raft_conf_quorum(const struct raft_conf *c)
{
	return c->n_voters / 2 + 1;
}

/* A configuration from outside (boot, a peer's snapshot) before we trust it. */
int raft_conf_check(const struct raft_conf *c)
{
	uint32_t i;

	if (c->n_voters > RAFT_MAX_NODES || c->n_learners > RAFT_MAX_NODES ||
	    c->n_voters + c->n_learners > RAFT_MAX_NODES)
		return -EINVAL;
	for (i = 0; i < c->n_voters; i++)
		if (!c->voters[i] || find(c->voters, i, c->voters[i]) >= 0)
			return -EINVAL;
	for (i = 0; i < c->n_learners; i++)
		if (!c->learners[i] || find(c->learners, i, c->learners[i]) >= 0 ||
		    raft_conf_is_voter(c, c->learners[i]))
			return -EINVAL;
	return 0;
}

static void del(raft_id_t *ids, uint32_t *n, int at)
{
	memmove(&ids[at], &ids[at + 1], (*n - at - 1) * sizeof(*ids));
	(*n)--;
}

/*
 * One server in or out. Errors leave @c as it was: the leader refuses such a
 * change, a follower treats the entry as a no-op.
 */
int raft_conf_apply(struct raft_conf *c, const struct raft_conf_change *cc)
{
	int v, l;

	if (!cc->node)
		return -EINVAL;
	v = find(c->voters, c->n_voters, cc->node);
	l = find(c->learners, c->n_learners, cc->node);
	switch (cc->op) {
	case RAFT_CONF_ADD_VOTER:
		if (v >= 0)
			return -EEXIST;
		if (l >= 0)
			del(c->learners, &c->n_learners, l);	/* promotion */
		else if (c->n_voters + c->n_learners >= RAFT_MAX_NODES)
			return -ENOSPC;
		c->voters[c->n_voters++] = cc->node;
		return 0;
	case RAFT_CONF_ADD_LEARNER:
		if (l >= 0)
			return -EEXIST;
		if (v >= 0)
			return -EINVAL;	/* demotion is not a single step we offer */
		if (c->n_voters + c->n_learners >= RAFT_MAX_NODES)
			return -ENOSPC;
		c->learners[c->n_learners++] = cc->node;
		return 0;
	case RAFT_CONF_REMOVE:
		if (v >= 0) {
			if (c->n_voters == 1)
				return -EINVAL;	/* nobody would be left to commit */
			del(c->voters, &c->n_voters, v);
			return 0;
		}
		if (l >= 0) {
			del(c->learners, &c->n_learners, l);
			return 0;
		}
		return -ENOENT;
	}
	return -EINVAL;
}

void raft_conf_encode(const struct raft_conf_change *cc, uint8_t out[RAFT_CONF_ENCODED_LEN])
{
	int i;

	out[0] = cc->op;
	for (i = 0; i < 8; i++)
		out[1 + i] = (uint8_t)(cc->node >> (8 * i));
}

int raft_conf_decode(const uint8_t *in, uint32_t len, struct raft_conf_change *cc)
{
	raft_id_t node = 0;
	int i;

	if (!in || len != RAFT_CONF_ENCODED_LEN || in[0] > RAFT_CONF_REMOVE)
		return -EINVAL;
	for (i = 0; i < 8; i++)
		node |= (raft_id_t)in[1 + i] << (8 * i);
	if (!node)
		return -EINVAL;
	cc->op = in[0];
	cc->node = node;
	return 0;
}
