// SPDX-License-Identifier: GPL-2.0
/*
 * The TX scheduling point of a sovnet end (txsched.h, "How the datapath
 * uses this"). One NAPI per end serves every queue of the end, so strict
 * priority holds across queues; ndo_start_xmit, XDP_TX, ndo_xdp_xmit,
 * ndo_xsk_wakeup and the peer's fill-ring refills only kick it. skbs wait
 * in one bounded queue per class. An XSK descriptor waits in its queue's
 * slot: one per queue, peeked from the TX ring so that its length is known,
 * and completed once sent; nothing behind it is peeked meanwhile, so
 * completions stay in ring order. Frames are picked in batches under the
 * end's TX lock and handed to the peer with the lock released (the peer's
 * XDP_TX takes the peer's TX lock). When every class with frames waits for
 * tokens, a soft hrtimer schedules the NAPI again; unshaped, it is never
 * armed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/filter.h>
#include <linux/hrtimer.h>
#include <net/xdp_sock.h>
#include <net/xdp_sock_drv.h>

#include "netio.h"

/* frames picked under one hold of the TX lock */
#define SOVNET_TX_BATCH		16
/* bytes of a frame the flow table may parse */
#define SOVNET_FLOW_HDR		128
/* a class's sources: the slots of queues 0..7, then its skb queue */
#define SOVNET_SRC_SKB		SOV_NETIO_QUEUES_MAX
#define SOVNET_SRCS		(SOV_NETIO_QUEUES_MAX + 1)

struct sovnet_txf {
	struct sk_buff *skb;		/* NULL: desc, from queue qid's slot */
	struct xsk_buff_pool *pool;	/* of desc */
	struct xdp_desc desc;
	u16 qid;
};

/* what one poll peeked and sent, per queue */
struct sovnet_txpoll {
	struct xsk_buff_pool *pool[SOV_NETIO_QUEUES_MAX];	/* peeked from */
	u32 done[SOV_NETIO_QUEUES_MAX];				/* to complete */
	bool blocked[SOV_NETIO_QUEUES_MAX];	/* the peer queue has no buffer */
	u32 batch[SOV_NETIO_QUEUES_MAX];	/* picked in this batch, not yet sent */
};

static void sovnet_tx_kick(struct sovnet_tx *t)
{
	napi_schedule(&t->napi);
}

static enum hrtimer_restart sovnet_tx_timer(struct hrtimer *timer)
{
	sovnet_tx_kick(container_of(timer, struct sovnet_tx, timer));
	return HRTIMER_NORESTART;
}

/*
 * The priority of the socket sending on @pool: 6.1 does not say which
 * socket a descriptor came from, so with several sockets sharing the
 * queue the first bound one's counts.
 */
static u32 sovnet_xsk_priority(struct xsk_buff_pool *pool)
{
	struct xdp_sock *xs;

	xs = list_first_or_null_rcu(&pool->xsk_tx_list, struct xdp_sock,
				    tx_list);
	return xs ? READ_ONCE(xs->sk.sk_priority) : 0;
}

/*
 * The next descriptor of queue @qid's ring that the peer can take, in
 * @desc. One too short or longer than @max (the peer's MTU plus the
 * Ethernet header) is completed at once, counted in tx_invalid.
 */
static bool sovnet_tx_peek_valid(struct sovnet_priv *p, u32 qid,
				 struct xsk_buff_pool *pool, u32 max,
				 struct sovnet_txpoll *tp, struct xdp_desc *desc)
{
	while (xsk_tx_peek_desc(pool, desc)) {
		tp->pool[qid] = pool;
		if (desc->len >= ETH_HLEN && desc->len <= max)
			return true;
		sovnet_qadd(&p->q[qid], SOVNET_QS_TX_INVALID, 1);
		tp->done[qid]++;
	}
	return false;
}

/* Fill the empty slots of @p's queues (TX lock held). */
static void sovnet_tx_fill(struct sovnet_priv *p, struct net_device *peer,
			   struct sovnet_txpoll *tp)
{
	u32 i, nq = READ_ONCE(p->dev->real_num_tx_queues);
	u32 max = READ_ONCE(peer->mtu) + ETH_HLEN;
	struct sovnet_tx *t = &p->tx;
	struct xsk_buff_pool *pool;
	struct sovnet_held *h;

	for (i = 0; i < nq; i++) {
		h = &t->held[i];
		pool = READ_ONCE(p->q[i].pool);
		if (h->valid || !pool)
			continue;
		if (!sovnet_tx_peek_valid(p, i, pool, max, tp, &h->desc))
			continue;
		h->valid = true;
		h->cls = sov_txs_classify_xsk(&t->s, i, sovnet_xsk_priority(pool));
		sov_txs_enqueue(&t->s, h->cls);
	}
}

/*
 * Whether the peer queue that queue @qid sends to can take one more frame
 * than the @batch already picked for it (they take their buffers only when
 * the batch is sent).
 */
static bool sovnet_tx_peer_ready(struct net_device *peer, u32 qid, u32 batch)
{
	struct sovnet_queue *pq = sovnet_rxq(peer, qid);
	struct xsk_buff_pool *ppool = READ_ONCE(pq->pool);

	if (!ppool || !rcu_access_pointer(pq->priv->xdp_prog) ||
	    xsk_buff_can_alloc(ppool, batch + 1))
		return true;
	if (xsk_uses_need_wakeup(ppool))
		xsk_set_rx_need_wakeup(ppool);
	sovnet_qadd(pq, SOVNET_QS_RX_NOBUF, 1);
	return false;
}

/* The count of the flow table for the first bytes of @f. */
static void sovnet_tx_count_flow(struct sovnet_priv *p, struct sovnet_txf *f,
				 u32 cls)
{
	u8 buf[SOVNET_FLOW_HDR];
	const void *data;
	u32 len;

	if (f->skb) {
		len = min_t(u32, f->skb->len, SOVNET_FLOW_HDR);
		data = skb_header_pointer(f->skb, 0, len, buf);
		if (!data)
			return;
	} else {
		len = f->desc.len;
		data = xsk_buff_raw_get_data(f->pool, f->desc.addr);
	}
	sov_flowtab_count_frame_hint(p->tx.ft, data, len, cls, &p->tx.flow_hint);
}

/*
 * More frames of queue @s's ring after the one just picked into f[@n - 1],
 * while that slot was the only source with frames and its class and the
 * end are not shaped: the frames the pick would choose one by one until the
 * batch is full (strict priority is kept at the batch's granularity, as
 * before), without refilling every slot and picking each. Returns the new n.
 */
static int sovnet_tx_run(struct sovnet_priv *p, struct net_device *peer,
			 struct sovnet_txpoll *tp, struct sovnet_txf *f,
			 int n, int max, u32 s, u32 cls, u64 now)
{
	struct xsk_buff_pool *pool = f[n - 1].pool;
	u32 mtu = READ_ONCE(peer->mtu) + ETH_HLEN;
	struct sovnet_txf *x;

	while (n < max && sovnet_tx_peer_ready(peer, s, tp->batch[s])) {
		x = &f[n];
		if (!sovnet_tx_peek_valid(p, s, pool, mtu, tp, &x->desc))
			break;
		x->skb = NULL;
		x->pool = pool;
		x->qid = s;
		tp->batch[s]++;
		sovnet_tx_count_flow(p, x, cls);
		sov_txs_charge(&p->tx.s, cls, x->desc.len, now);
		n++;
	}
	return n;
}

/*
 * Pick up to @max frames in class order into @f (TX lock held). Returns how
 * many; *@res is the last sov_txs_pick() result (-EAGAIN: *@wait set).
 */
static int sovnet_tx_pick(struct sovnet_priv *p, struct net_device *peer,
			  struct sovnet_txpoll *tp, struct sovnet_txf *f,
			  int max, u64 now, int *res, u64 *wait)
{
	u32 i, c, nq = READ_ONCE(p->dev->real_num_tx_queues);
	struct sovnet_tx *t = &p->tx;
	u32 lens[SOV_NETIO_CLASSES];
	u8 src[SOV_NETIO_CLASSES], dist[SOV_NETIO_CLASSES];
	unsigned long backlog;
	struct sovnet_held *h;
	int n = 0, cls, srcs;
	u8 d, s;

	memset(tp->batch, 0, sizeof(tp->batch));
	while (n < max) {
		sovnet_tx_fill(p, peer, tp);
		backlog = 0;
		srcs = 0;
		for (i = 0; i < nq; i++) {
			h = &t->held[i];
			if (!h->valid || tp->blocked[i] || !READ_ONCE(p->q[i].pool))
				continue;
			c = h->cls;
			d = (i + SOVNET_SRCS - t->rr[c]) % SOVNET_SRCS;
			if (test_bit(c, &backlog) && d >= dist[c])
				continue;
			if (!sovnet_tx_peer_ready(peer, i, tp->batch[i])) {
				tp->blocked[i] = true;
				continue;
			}
			srcs++;
			__set_bit(c, &backlog);
			src[c] = i;
			dist[c] = d;
			lens[c] = h->desc.len;
		}
		for (c = 0; c < SOV_NETIO_CLASSES; c++) {
			if (skb_queue_empty(&t->cq[c]))
				continue;
			srcs++;
			d = (SOVNET_SRC_SKB + SOVNET_SRCS - t->rr[c]) % SOVNET_SRCS;
			if (test_bit(c, &backlog) && d >= dist[c])
				continue;
			__set_bit(c, &backlog);
			src[c] = SOVNET_SRC_SKB;
			dist[c] = d;
			lens[c] = skb_peek(&t->cq[c])->len;
		}
		cls = sov_txs_pick(&t->s, backlog, lens, now, wait);
		*res = cls;
		if (cls < 0)
			break;
		s = src[cls];
		if (s == SOVNET_SRC_SKB) {
			f[n].skb = __skb_dequeue(&t->cq[cls]);
			f[n].qid = skb_get_queue_mapping(f[n].skb);
		} else {
			/* valid until the pool's unbind passes synchronize_net() */
			f[n].pool = READ_ONCE(p->q[s].pool);
			tp->pool[s] = f[n].pool;
			f[n].skb = NULL;
			f[n].desc = t->held[s].desc;
			f[n].qid = s;
			t->held[s].valid = false;
			tp->batch[s]++;
		}
		sov_txs_dequeue(&t->s, cls);
		t->rr[cls] = (s + 1) % SOVNET_SRCS;
		sovnet_tx_count_flow(p, &f[n], cls);
		sov_txs_charge(&t->s, cls, lens[cls], now);
		n++;
		if (s != SOVNET_SRC_SKB && srcs == 1 &&
		    !sov_tb_shaped(&t->s.cls[cls].tb) && !sov_tb_shaped(&t->s.link))
			n = sovnet_tx_run(p, peer, tp, f, n, max, s, cls, now);
	}
	return n;
}

/*
 * Hand @n picked frames to the peer (TX lock released, RCU read side); a run
 * of descriptors for one peer queue goes under one hold of its rx_lock.
 */
static void sovnet_tx_send(struct sovnet_priv *p, struct net_device *peer,
			   struct sovnet_txpoll *tp, struct sovnet_txf *f, int n)
{
	struct sovnet_queue *pq;
	int i = 0;

	while (i < n) {
		if (f[i].skb) {
			sovnet_tx_skb_out(p, f[i].skb);
			i++;
			continue;
		}
		pq = sovnet_rxq(peer, f[i].qid);
		spin_lock(&pq->rx_lock);
		do {
			sovnet_tx_xsk(&p->q[f[i].qid], pq, f[i].pool, &f[i].desc);
			tp->done[f[i].qid]++;
			i++;
		} while (i < n && !f[i].skb && sovnet_rxq(peer, f[i].qid) == pq);
		xdp_do_flush();
		spin_unlock(&pq->rx_lock);
	}
}

/* Drop every skb the classes hold (BH off), counted in tx_dropped. */
static void sovnet_tx_drain_skbs(struct sovnet_priv *p)
{
	struct sovnet_tx *t = &p->tx;
	struct sk_buff_head drop;
	struct sk_buff *skb;
	u32 c, n;

	__skb_queue_head_init(&drop);
	spin_lock(&t->lock);
	for (c = 0; c < SOV_NETIO_CLASSES; c++) {
		while ((skb = __skb_dequeue(&t->cq[c]))) {
			__skb_queue_tail(&drop, skb);
			sov_txs_dequeue(&t->s, c);
		}
	}
	spin_unlock(&t->lock);
	for (n = skb_queue_len(&drop); n; n--)
		dev_core_stats_tx_dropped_inc(p->dev);
	__skb_queue_purge(&drop);
}

/* The peer is gone or down: what waits is lost (counted in tx_dropped). */
static int sovnet_tx_drain(struct sovnet_priv *p, struct sovnet_txpoll *tp,
			   int budget)
{
	u32 i, nq = READ_ONCE(p->dev->real_num_tx_queues);
	struct sovnet_tx *t = &p->tx;
	struct xsk_buff_pool *pool;
	struct xdp_desc desc;
	int n = 0;

	sovnet_tx_drain_skbs(p);
	spin_lock(&t->lock);
	for (i = 0; i < nq; i++) {
		pool = READ_ONCE(p->q[i].pool);
		if (!pool)
			continue;
		if (t->held[i].valid) {
			t->held[i].valid = false;
			sov_txs_dequeue(&t->s, t->held[i].cls);
			tp->pool[i] = pool;
			tp->done[i]++;
			n++;
		}
		while (n < budget && xsk_tx_peek_desc(pool, &desc)) {
			tp->pool[i] = pool;
			tp->done[i]++;
			n++;
		}
	}
	spin_unlock(&t->lock);
	for (i = 0; i < n; i++)
		dev_core_stats_tx_dropped_inc(p->dev);
	return n;
}

/* Release the rings peeked and complete what was sent, per queue. */
static void sovnet_tx_complete(struct sovnet_priv *p, struct sovnet_txpoll *tp,
			       bool more)
{
	struct xsk_buff_pool *pool;
	u32 i;

	for (i = 0; i < SOV_NETIO_QUEUES_MAX; i++) {
		pool = tp->pool[i];
		if (pool) {
			xsk_tx_release(pool);
			if (tp->done[i])
				xsk_tx_completed(pool, tp->done[i]);
		}
		pool = READ_ONCE(p->q[i].pool);
		if (!pool || !xsk_uses_need_wakeup(pool))
			continue;
		if (more)
			xsk_clear_tx_need_wakeup(pool);
		else
			xsk_set_tx_need_wakeup(pool);
	}
}

static int sovnet_tx_poll(struct napi_struct *napi, int budget)
{
	struct sovnet_tx *t = container_of(napi, struct sovnet_tx, napi);
	struct sovnet_priv *p = container_of(t, struct sovnet_priv, tx);
	struct sovnet_txf f[SOVNET_TX_BATCH];
	struct sovnet_txpoll tp = {};
	struct net_device *peer;
	int n = 0, k, res = -ENODATA;
	u64 now, wait = 0;

	rcu_read_lock();
	peer = rcu_dereference(p->peer);
	if (!peer || !netif_running(peer)) {
		n = sovnet_tx_drain(p, &tp, budget);
		res = n >= budget ? 0 : -ENODATA;
		goto out;
	}
	now = ktime_get_ns();
	while (n < budget) {
		spin_lock(&t->lock);
		k = sovnet_tx_pick(p, peer, &tp, f,
				   min(budget - n, SOVNET_TX_BATCH), now,
				   &res, &wait);
		spin_unlock(&t->lock);
		sovnet_tx_send(p, peer, &tp, f, k);
		n += k;
		if (res < 0)
			break;
	}
	if (res == -EAGAIN)
		hrtimer_start(&t->timer, ns_to_ktime(wait),
			      HRTIMER_MODE_REL_SOFT);
out:
	/* while the timer is armed the socket need not kick us */
	sovnet_tx_complete(p, &tp, res >= 0 || res == -EAGAIN);
	rcu_read_unlock();
	if (res >= 0)
		return budget;
	napi_complete_done(napi, n);
	return min(n, budget - 1);
}

/* Queue @skb in its class (BH off); false when the class is full (freed). */
static bool sovnet_tx_enqueue(struct sovnet_priv *p, struct sk_buff *skb)
{
	struct sovnet_tx *t = &p->tx;
	u32 cls;

	spin_lock(&t->lock);
	cls = sov_txs_classify_skb(&t->s, skb->priority);
	if (skb_queue_len(&t->cq[cls]) >= SOVNET_TXQ_CLASS_MAX) {
		sov_txs_drop(&t->s, cls);
		spin_unlock(&t->lock);
		dev_core_stats_tx_dropped_inc(p->dev);
		kfree_skb(skb);
		return false;
	}
	__skb_queue_tail(&t->cq[cls], skb);
	sov_txs_enqueue(&t->s, cls);
	spin_unlock(&t->lock);
	sovnet_tx_kick(t);
	return true;
}

netdev_tx_t sovnet_tx_skb(struct sovnet_priv *p, struct sk_buff *skb)
{
	u16 qid = skb_get_queue_mapping(skb);

	/* an AF_XDP copy-mode socket can send a frame of 0 bytes */
	if (unlikely(skb->len < ETH_HLEN)) {
		sovnet_qadd(&p->q[qid < SOV_NETIO_QUEUES_MAX ? qid : 0],
			    SOVNET_QS_TX_INVALID, 1);
		kfree_skb(skb);
		return NETDEV_TX_OK;
	}
	sovnet_tx_enqueue(p, skb);
	return NETDEV_TX_OK;
}

/* A copy of @data, sent by @p on queue @qid at priority 0 (XDP_TX, xdp_xmit). */
bool sovnet_tx_copy(struct sovnet_priv *p, u32 qid, const void *data, u32 len)
{
	struct sk_buff *skb;

	if (len < ETH_HLEN)
		return false;
	skb = netdev_alloc_skb(p->dev, len);
	if (!skb) {
		dev_core_stats_tx_dropped_inc(p->dev);
		return false;
	}
	skb_put_data(skb, data, len);
	skb_set_queue_mapping(skb, qid);
	return sovnet_tx_enqueue(p, skb);
}

/* Schedule @p's TX NAPI from any context. */
void sovnet_tx_wake(struct sovnet_priv *p)
{
	local_bh_disable();
	sovnet_tx_kick(&p->tx);
	local_bh_enable();
}

/*
 * Queue @qid's pool goes (after synchronize_net(): no poll uses it): its
 * held descriptor is completed unsent.
 */
void sovnet_tx_unhold(struct sovnet_priv *p, u32 qid,
		      struct xsk_buff_pool *pool)
{
	struct sovnet_tx *t = &p->tx;
	bool held;

	spin_lock_bh(&t->lock);
	held = t->held[qid].valid;
	if (held) {
		t->held[qid].valid = false;
		sov_txs_dequeue(&t->s, t->held[qid].cls);
	}
	spin_unlock_bh(&t->lock);
	if (held) {
		xsk_tx_completed(pool, 1);
		dev_core_stats_tx_dropped_inc(p->dev);
	}
}

/* After the NAPI is disabled: every held frame is freed or completed. */
void sovnet_tx_flush(struct sovnet_priv *p)
{
	struct sovnet_tx *t = &p->tx;
	u32 i;

	hrtimer_cancel(&t->timer);
	for (i = 0; i < SOV_NETIO_QUEUES_MAX; i++) {
		struct xsk_buff_pool *pool = READ_ONCE(p->q[i].pool);

		if (pool)
			sovnet_tx_unhold(p, i, pool);
	}
	local_bh_disable();
	sovnet_tx_drain_skbs(p);
	local_bh_enable();
}

int sovnet_tx_init(struct sovnet_priv *p)
{
	struct sovnet_tx *t = &p->tx;
	u32 c;

	t->ft = sov_flowtab_alloc(GFP_KERNEL);
	if (!t->ft)
		return -ENOMEM;
	spin_lock_init(&t->lock);
	sov_txs_init(&t->s, p->dev->mtu, ktime_get_ns());
	for (c = 0; c < SOV_NETIO_CLASSES; c++)
		__skb_queue_head_init(&t->cq[c]);
	memset(t->held, 0, sizeof(t->held));
	memset(t->rr, 0, sizeof(t->rr));
	t->flow_hint = SOV_NETIO_FLOWS;
	hrtimer_init(&t->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	t->timer.function = sovnet_tx_timer;
	netif_napi_add_tx(p->dev, &t->napi, sovnet_tx_poll);
	return 0;
}

void sovnet_tx_uninit(struct sovnet_priv *p)
{
	hrtimer_cancel(&p->tx.timer);
	local_bh_disable();
	sovnet_tx_drain_skbs(p);
	local_bh_enable();
	sov_flowtab_free(p->tx.ft);
	p->tx.ft = NULL;
}
