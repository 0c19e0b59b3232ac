// SPDX-License-Identifier: GPL-2.0
/*
 * lib/raft: snapshots. The application's snapshot replaces the log prefix it
 * covers (raft_compact); a follower that needs that prefix gets the snapshot
 * instead, in chunks: a window of them in flight, acknowledged by the bytes
 * received so far, resent from the last acknowledgement when a heartbeat
 * round passes without progress, restarted from 0 when the follower has lost
 * track (it rejects). Complete, it replaces the follower's log.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "raft_internal.h"

struct raft_snap_buf *raft_snap_new(const struct raft_snapshot_meta *meta,
				    const void *data, size_t len)
{
	struct raft_snap_buf *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	if (len) {
		b->s.data = malloc(len);
		if (!b->s.data) {
			free(b);
			return NULL;
		}
		memcpy(b->s.data, data, len);
	}
	b->ref = 1;
	b->s.meta = *meta;
	b->s.len = len;
	return b;
}

struct raft_snap_buf *raft_snap_get(struct raft_snap_buf *b)
{
	if (b)
		b->ref++;
	return b;
}

void raft_snap_put(struct raft_snap_buf *b)
{
	if (!b || --b->ref)
		return;
	free(b->s.data);
	free(b);
}

int raft_compact(struct raft *r, uint64_t index, const void *data, size_t len)
{
	struct raft_snapshot_meta meta = { .index = index };
	struct raft_snap_buf *b;
	size_t i;

	if (len && !data)
		return -EINVAL;
	if (index <= r->log.snap_index || index > r->log.applied)
		return -EINVAL;
	/* without a known base its configuration would be a guess, and persist */
	if (!r->base_known)
		return -EAGAIN;
	raft_log_term(&r->log, index, &meta.term);
	raft_conf_at(r, index, &meta.conf);
	b = raft_snap_new(&meta, data, len);
	if (!b)
		return -ENOMEM;
	raft_log_compact(&r->log, index);
	r->base_conf = meta.conf;
	raft_snap_put(r->snap);
	r->snap = b;
	/* followers in the middle of the old one get the new one */
	for (i = 0; i < r->n_prs; i++)
		if (r->prs[i].state == RAFT_PROGRESS_SNAPSHOT)
			raft_snap_send(r, &r->prs[i]);
	return 0;
}

void raft_snapshot_meta(const struct raft *r, struct raft_snapshot_meta *meta)
{
	if (r->snap)
		*meta = r->snap->s.meta;
	else
		memset(meta, 0, sizeof(*meta));
}

/* ---- leader ---------------------------------------------------------------- */

void raft_snap_send(struct raft *r, struct raft_progress *pr)
{
	const struct raft_snapshot *s;

	if (!r->snap)
		return;
	s = &r->snap->s;
	if (pr->state != RAFT_PROGRESS_SNAPSHOT || pr->snap_index != s->meta.index ||
	    pr->snap_term != s->meta.term)
		raft_pr_become_snapshot(pr, s->meta.index, s->meta.term);
	while (!pr->snap_all_sent && pr->snap_inflight < r->cfg.max_inflight) {
		uint64_t off = pr->snap_sent, len = s->len - off;
		struct raft_msg *m;

		if (len > r->cfg.snapshot_chunk)
			len = r->cfg.snapshot_chunk;
		m = raft_msg_new(r, RAFT_MSG_SNAPSHOT, pr->id);
		if (!m)
			return;
		if (len) {
			m->chunk = malloc(len);
			if (!m->chunk) {
				r->n_msgs--;
				r->dropped++;
				return;
			}
			memcpy(m->chunk, s->data + off, len);
		}
		m->snap = s->meta;
		m->snap_offset = off;
		m->snap_total = s->len;
		m->chunk_len = (uint32_t)len;
		m->commit = r->log.committed;
		pr->snap_sent = off + len;
		pr->snap_inflight++;
		if (pr->snap_sent >= s->len)
			pr->snap_all_sent = true;
	}
}

/* Heartbeat time: no acknowledgement since the last round means chunks were lost. */
void raft_snap_retransmit(struct raft *r, struct raft_progress *pr)
{
	if (pr->state != RAFT_PROGRESS_SNAPSHOT)
		return;
	if (pr->snap_acked == pr->snap_acked_hb) {
		pr->snap_sent = pr->snap_acked;
		pr->snap_all_sent = false;
		pr->snap_inflight = 0;
		raft_snap_send(r, pr);
	}
	pr->snap_acked_hb = pr->snap_acked;
}

void raft_snap_resp(struct raft *r, struct raft_progress *pr, const struct raft_msg *m)
{
	uint64_t total, chunk = r->cfg.snapshot_chunk;

	/* answers about another snapshot than the one we send now are old */
	if (pr->state != RAFT_PROGRESS_SNAPSHOT || !r->snap ||
	    m->snap.index != pr->snap_index || m->snap.term != pr->snap_term)
		return;
	if (m->reject) {
		raft_pr_become_snapshot(pr, pr->snap_index, pr->snap_term);
		raft_snap_send(r, pr);
		return;
	}
	total = r->snap->s.len;
	if (m->index >= total) {
		/* it has the snapshot: go on from the entries after it */
		raft_pr_become_probe(pr);
		if (raft_send_append(r, pr, true))
			while (raft_send_append(r, pr, false))
				;
		return;
	}
	if (m->index < pr->snap_acked) {
		/*
		 * It holds less than it acknowledged: it restarted and began
		 * again (or this answer is old, and we resend a little).
		 */
		pr->snap_acked = m->index;
		pr->snap_sent = m->index;
		pr->snap_all_sent = false;
		pr->snap_inflight = 0;
	} else if (m->index > pr->snap_acked) {
		/* what it holds is what counts, even past what we (re)sent */
		pr->snap_acked = m->index;
		if (pr->snap_sent < pr->snap_acked)
			pr->snap_sent = pr->snap_acked;
		pr->snap_all_sent = pr->snap_sent >= total;
		pr->snap_inflight =
			(uint32_t)((pr->snap_sent - pr->snap_acked + chunk - 1) / chunk);
	}
	raft_snap_send(r, pr);
}

/* ---- follower -------------------------------------------------------------- */

static void snap_reply(struct raft *r, const struct raft_msg *m, uint64_t got, bool reject)
{
	struct raft_msg *out = raft_msg_new(r, RAFT_MSG_SNAPSHOT_RESP, m->from);

	if (!out)
		return;
	out->snap.index = m->snap.index;
	out->snap.term = m->snap.term;
	out->index = got;
	out->reject = reject;
}

static void append_reply(struct raft *r, const struct raft_msg *m, uint64_t index)
{
	struct raft_msg *out = raft_msg_new(r, RAFT_MSG_APPEND_RESP, m->from);

	if (out)
		out->index = index;
}

static void rcv_clear(struct raft_snap_rcv *rc)
{
	free(rc->buf);
	memset(rc, 0, sizeof(*rc));
}

/* The last chunk arrived: adopt the snapshot unless the log already has it. */
static int install(struct raft *r, const struct raft_msg *m)
{
	struct raft_snap_rcv *rc = &r->rcv;
	struct raft_snap_buf *b;

	if (rc->meta.index <= r->log.committed ||
	    raft_log_match(&r->log, rc->meta.index, rc->meta.term)) {
		/* we hold its last entry, hence all before it: just commit */
		raft_log_commit_to(&r->log, rc->meta.index);
		free(rc->buf);
		rc->buf = NULL;
		rc->cap = 0;
		rc->done = true;
		append_reply(r, m, r->log.committed);
		return 0;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->ref = 1;
	b->s.meta = rc->meta;
	b->s.len = rc->total;
	b->s.data = rc->buf;
	rc->buf = NULL;
	rc->cap = 0;
	rc->done = true;

	raft_drop_acks_from(r, r->log.committed + 1);
	raft_log_reset(&r->log, b->s.meta.index, b->s.meta.term);
	r->base_conf = b->s.meta.conf;
	r->base_known = true;
	raft_conf_rebuild(r);
	raft_snap_put(r->snap);
	r->snap = b;
	raft_snap_put(r->snap_ready);
	r->snap_ready = raft_snap_get(b);
	append_reply(r, m, b->s.meta.index);
	return 0;
}

int raft_snap_step(struct raft *r, const struct raft_msg *m)
{
	struct raft_snap_rcv *rc = &r->rcv;
	uint64_t end = m->snap_offset + m->chunk_len;
	bool same = rc->active && rc->meta.index == m->snap.index &&
		    rc->meta.term == m->snap.term && rc->total == m->snap_total;
	int err;

	if (!same) {
		if (m->snap_offset) {
			/* the middle of a snapshot we never saw the start of */
			snap_reply(r, m, 0, true);
			return 0;
		}
		rcv_clear(rc);
		rc->active = true;
		rc->meta = m->snap;
		rc->total = m->snap_total;
		if (m->snap.index <= r->log.committed) {
			/* nothing in it we lack: say we have it all, and where we stand */
			rc->got = rc->total;
			rc->done = true;
			snap_reply(r, m, rc->got, false);
			append_reply(r, m, r->log.committed);
			return 0;
		}
	}
	if (rc->done) {
		snap_reply(r, m, rc->got, false);
		return 0;
	}
	if (m->snap_offset <= rc->got && end > rc->got) {
		if (end > rc->cap) {
			size_t cap = rc->cap ? rc->cap : 4096;
			uint8_t *buf;

			while (cap < end)
				cap *= 2;
			if (cap > rc->total)
				cap = rc->total;
			buf = realloc(rc->buf, cap);
			if (!buf)
				return -ENOMEM;
			rc->buf = buf;
			rc->cap = cap;
		}
		memcpy(rc->buf + rc->got, m->chunk + (rc->got - m->snap_offset), end - rc->got);
		rc->got = end;
	}
	/* a gap (offset beyond what we hold) is answered with what we hold */
	if (rc->got == rc->total) {
		err = install(r, m);
		if (err)
			return err;
	}
	snap_reply(r, m, rc->got, false);
	return 0;
}
