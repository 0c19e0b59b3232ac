// SPDX-License-Identifier: GPL-2.0
/*
 * lib/raft: messages. The outgoing queue, and the checks an incoming message
 * passes before it may touch any state (a peer's bytes are not trusted).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "raft_internal.h"

static const char *const names[RAFT_MSG_TYPES] = {
	[RAFT_MSG_PREVOTE] = "prevote",
	[RAFT_MSG_PREVOTE_RESP] = "prevote_resp",
	[RAFT_MSG_VOTE] = "vote",
	[RAFT_MSG_VOTE_RESP] = "vote_resp",
	[RAFT_MSG_APPEND] = "append",
	[RAFT_MSG_APPEND_RESP] = "append_resp",
	[RAFT_MSG_HEARTBEAT] = "heartbeat",
	[RAFT_MSG_HEARTBEAT_RESP] = "heartbeat_resp",
	[RAFT_MSG_SNAPSHOT] = "snapshot",
	[RAFT_MSG_SNAPSHOT_RESP] = "snapshot_resp",
	[RAFT_MSG_TIMEOUT_NOW] = "timeout_now",
	[RAFT_MSG_READ_INDEX] = "read_index",
	[RAFT_MSG_READ_INDEX_RESP] = "read_index_resp",
};

const char *raft_msg_name(uint8_t type)
{
	return type < RAFT_MSG_TYPES ? names[type] : "unknown";
}

/*
 * A zeroed message from this node at its term, at the end of the queue, or
 * NULL when memory ran out: then it is lost, which Raft survives like any
 * other loss. The pointer is valid until the next raft_msg_new().
 */
struct raft_msg *raft_msg_new(struct raft *r, uint8_t type, raft_id_t to)
{
	struct raft_msg *m;

	if (r->n_msgs == r->cap_msgs) {
		size_t cap = r->cap_msgs ? 2 * r->cap_msgs : 16;

		m = realloc(r->msgs, cap * sizeof(*m));
		if (!m) {
			r->dropped++;
			return NULL;
		}
		r->msgs = m;
		r->cap_msgs = cap;
	}
	m = &r->msgs[r->n_msgs++];
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->from = r->cfg.id;
	m->to = to;
	m->term = r->term;
	return m;
}

void raft_msg_release(struct raft_msg *m)
{
	raft_entries_free(m->entries, m->n_entries);
	free(m->chunk);
	m->entries = NULL;
	m->n_entries = 0;
	m->chunk = NULL;
}

static int check_entries(const struct raft_msg *m)
{
	uint64_t prev_term = m->log_term;
	struct raft_conf_change cc;
	size_t i;

	if (m->n_entries > UINT64_MAX - m->index)
		return -EINVAL;
	for (i = 0; i < m->n_entries; i++) {
		const struct raft_entry *e = &m->entries[i];

		/* contiguous after prev, terms never falling, none from the future */
		if (e->index != m->index + 1 + i || e->term < prev_term || e->term > m->term)
			return -EINVAL;
		if (e->type > RAFT_ENTRY_CONF || (e->len && !e->data))
			return -EINVAL;
		if (e->type == RAFT_ENTRY_CONF && raft_conf_decode(e->data, e->len, &cc))
			return -EINVAL;
		prev_term = e->term;
	}
	return 0;
}

static int check_snapshot(const struct raft_msg *m)
{
	if (!m->snap.index || !m->snap.term || m->snap_offset > m->snap_total ||
	    m->chunk_len > m->snap_total - m->snap_offset)
		return -EINVAL;
	if (m->term < m->snap.term || raft_conf_check(&m->snap.conf) || !m->snap.conf.n_voters)
		return -EINVAL;
	return 0;
}

int raft_msg_check(const struct raft *r, const struct raft_msg *m)
{
	if (!m || m->type >= RAFT_MSG_TYPES)
		return -EINVAL;
	if (!m->from || m->from == r->cfg.id || m->to != r->cfg.id)
		return -EINVAL;
	if (m->n_entries && (m->type != RAFT_MSG_APPEND || !m->entries))
		return -EINVAL;
	if (m->chunk_len && (m->type != RAFT_MSG_SNAPSHOT || !m->chunk))
		return -EINVAL;
	if (m->type == RAFT_MSG_APPEND)
		return check_entries(m);
	if (m->type == RAFT_MSG_SNAPSHOT)
		return check_snapshot(m);
	return 0;
}
