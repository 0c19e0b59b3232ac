// SPDX-License-Identifier: GPL-2.0
/*
 * The peer transport's send side: each peer's bounded queue with its drop
 * policy, and the batched writes that drain it, one in flight per link.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "peer_internal.h"

/* ---- the send queue --------------------------------------------------------- */

/* Replication traffic the leader sends again anyway: the first to go when full. */
static bool expendable(uint8_t type)
{
	return type == RAFT_MSG_APPEND || type == RAFT_MSG_APPEND_RESP ||
	       type == RAFT_MSG_HEARTBEAT || type == RAFT_MSG_HEARTBEAT_RESP;
}

static void fifo_push(struct fifo *q, struct frame *f)
{
	f->next = NULL;
	if (q->tail)
		q->tail->next = f;
	else
		q->head = f;
	q->tail = f;
	q->n++;
	q->bytes += f->len;
}

static struct frame *fifo_unlink(struct fifo *q, struct frame *prev, struct frame *f)
{
	if (prev)
		prev->next = f->next;
	else
		q->head = f->next;
	if (q->tail == f)
		q->tail = prev;
	q->n--;
	q->bytes -= f->len;
	f->next = NULL;
	return f;
}

void peer_fifo_free(struct fifo *q)
{
	struct frame *f;

	while (q->head) {
		f = q->head;
		free(fifo_unlink(q, NULL, f));
	}
}

/*
 * Over the bound, drop the oldest expendable message, or the oldest of all
 * when none is; a single message larger than the bound still goes out.
 */
void peer_enqueue(struct peer *pe, struct frame *f)
{
	const struct sovd_peers_config *cfg = &pe->p->cfg;
	struct fifo *q = &pe->q;
	struct frame *prev, *v;

	fifo_push(q, f);
	while (q->n > 1 && (q->n > cfg->queue_msgs || q->bytes > cfg->queue_bytes)) {
		for (prev = NULL, v = q->head; v && !expendable(v->type); prev = v, v = v->next)
			;
		if (!v) {
			prev = NULL;
			v = q->head;
		}
		free(fifo_unlink(q, prev, v));
		pe->st.drops++;
	}
}

/* ---- writing --------------------------------------------------------------------- */

static void on_batch_written(uv_write_t *req, int status)
{
	struct wbatch *b = (struct wbatch *)req;
	struct conn *c = b->c;
	struct peer *pe = c->peer;
	struct frame *f;

	c->writing = false;
	if (status < 0) {
		pe->st.drops += b->n;
		peer_conn_closef(c, LOG_INFO, false, "write: %s", uv_strerror(status));
	} else {
		pe->st.msgs_out += b->n;
		pe->st.bytes_out += b->bytes;
	}
	while (b->frames) {
		f = b->frames;
		b->frames = f->next;
		free(f);
	}
	free(b);
	peer_flush(pe);
}

/* One write at a time per link: what waits stays in the queue, where it can be dropped. */
void peer_flush(struct peer *pe)
{
	struct conn *c = pe->out;
	struct frame *f, **tail;
	struct wbatch *b;
	uint32_t seq;
	int ret;

	if (!c || c->state != C_UP || c->writing || !pe->q.n)
		return;
	b = calloc(1, sizeof(*b));
	if (!b)
		return;		/* the next send or write completion tries again */
	b->c = c;
	tail = &b->frames;
	while (pe->q.head && b->n < BATCH_MSGS &&
	       (!b->n || b->bytes + pe->q.head->len <= BATCH_BYTES)) {
		f = fifo_unlink(&pe->q, NULL, pe->q.head);
		seq = ++c->seq;
		memcpy(f->data + offsetof(struct nlmsghdr, nlmsg_seq), &seq, sizeof(seq));
		b->bufs[b->n++] = uv_buf_init((char *)f->data, (unsigned int)f->len);
		b->bytes += f->len;
		*tail = f;
		tail = &f->next;
	}
	ret = uv_write(&b->req, (uv_stream_t *)&c->tcp, b->bufs, b->n, on_batch_written);
	if (ret < 0) {
		on_batch_written(&b->req, ret);
		return;
	}
	c->writing = true;
}

int sovd_peers_send(struct sovd_peers *p, const struct raft_msg *m)
{
	struct peer *pe = peer_find(p, m->to);
	struct sov_nl_err err;
	struct frame *f;
	ssize_t n;

	if (!pe || p->closing)
		return -ENOENT;
	n = sov_raft_wire_size(m, &err);
	if (n < 0) {
		/* once, then at every power of two: Raft will keep trying */
		if (!(pe->st.too_big & (pe->st.too_big + 1)))
			log_warn("peer %llu (%s): cannot send %s: %s",
				 (unsigned long long)pe->id, pe->st.addr,
				 sov_raft_wire_type_name(m->type), err.msg);
		pe->st.too_big++;
		return (int)n;
	}
	f = malloc(sizeof(*f) + (size_t)n);
	if (!f)
		return -ENOMEM;
	f->type = m->type;
	f->len = (size_t)n;
	n = sov_raft_wire_encode(m, 0, f->data, f->len, &err);
	if (n < 0) {
		free(f);
		return (int)n;
	}
	peer_enqueue(pe, f);
	peer_flush(pe);
	return 0;
}
