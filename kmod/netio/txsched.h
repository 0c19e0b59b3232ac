/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netio TX scheduling: the SOV_NETIO_CLASSES classes of one sovnet end.
 * Strict priority (class 0 first); each class may be shaped by a token
 * bucket, and the end as a whole may be (SOV_A_NETIO_RATE, its "link
 * speed"): every frame is charged to its class's bucket and to the end's.
 * The buckets are kmod/sched/shaper.c's sov_tb (picoseconds of sending
 * time, a frame bigger than the bucket goes when it is full and leaves a
 * debt). Pure: no netdev, no skb; the clock (ns) is passed in.
 *
 * Locking: none inside. One spinlock per end (the end's TX lock) must be
 * held around every call that takes a non-const struct sov_txs, and around
 * sov_txs_stats() too, so that a snapshot is consistent; the flow table of
 * the end (flowtab.h) is counted under the same lock. Nothing here sleeps
 * or allocates, so it may be called from NAPI, ndo_start_xmit and the
 * netlink handlers alike (with spin_lock_bh from process context).
 *
 * How the datapath uses this (every call under the end's TX lock,
 * spin_lock_bh() from process context; ktime_get_ns() for "now", read once
 * per poll: a stale, earlier clock only makes a frame wait longer):
 *
 * 1. Setup. sov_txs_init(s, dev->mtu, now) and sov_flowtab_alloc() when
 *    the end is made. SOV_CMD_NETIO_SET: run sov_txs_check_priomap(),
 *    _check_class_id(), _check_rate() on every attribute first and
 *    report the first reason with NL_SET_ERR_MSG_ATTR (nothing changed
 *    yet); then, under the lock, sov_txs_set_priomap(),
 *    _set_queue_class(), _set_class_rate(), _set_rate(). ndo_change_mtu:
 *    sov_txs_set_mtu(). SOV_A_NETIO_RESET: sov_txs_reset_counters() and
 *    sov_flowtab_reset().
 * 2. Enqueue (ndo_start_xmit). cls = sov_txs_classify_skb(s,
 *    skb->priority). The end keeps one skb queue per class: when it is
 *    full, sov_txs_drop(s, cls) and free the skb; else queue it,
 *    sov_txs_enqueue(s, cls), and schedule the TX NAPI. AF_XDP frames
 *    are not enqueued: they wait in their queue's TX ring; a queue's class
 *    is sov_txs_classify_xsk(s, qid, READ_ONCE(xs->sk.sk_priority)) (the
 *    socket's priority when it set one; 0 means the queue's class).
 * 3. Send (one TX scheduling point per end, so that priority holds across
 *    its queues). Loop: set bit c of a bitmap when class c has a head
 *    frame, and lens[c] = its length: the head skb of the class's queue,
 *    or a descriptor peeked from a TX ring of that class and held (one
 *    held descriptor per queue, since xsk_tx_peek_desc() consumes it).
 *    Then cls = sov_txs_pick(s, bitmap, lens, now, &wait):
 *      cls >= 0: take that head frame (an skb: sov_txs_dequeue(s, cls)),
 *        count it with sov_flowtab_count_frame(t, data, len, cls) on the
 *        frame's first bytes (an skb: skb_header_pointer() of up to 128
 *        bytes; ZC: xsk_buff_raw_get_data()), sov_txs_charge(s, cls, len,
 *        now); then unlock and hand it to the peer (never hold two ends'
 *        TX locks at once). A frame the peer then refuses was still sent
 *        by this end: the peer counts the drop.
 *      -EAGAIN: arm an hrtimer (HRTIMER_MODE_REL_SOFT) for wait ns that
 *        schedules the NAPI again; complete the poll.
 *      -ENODATA: nothing waits; complete the poll.
 * 4. Stats. sov_txs_stats(s, now, &st) and, for a flow dump,
 *    sov_flowtab_get() one entry at a time, each under the lock; build
 *    the netlink message from the copies with the lock released.
 *
 * The length charged is the frame on the wire without FCS (skb->len, the
 * XSK descriptor's len); a GSO skb is charged whole.
 */
#ifndef _SOV_NETIO_TXSCHED_H
#define _SOV_NETIO_TXSCHED_H

#include <linux/minmax.h>
#include <linux/types.h>

#include "../sched/shaper.h"
#include "../../uapi/linux/sovereign_netio.h"

/* the class of an AF_XDP queue nobody set, and of priority 0 */
#define SOV_TXS_CLASS_DEFAULT	(SOV_NETIO_CLASSES - 1)
/* a class's default burst: this many ms of sending at its rate ... */
#define SOV_TXS_BURST_MS	10
/* ... but at least this many MTUs */
#define SOV_TXS_BURST_MTUS	2

struct sov_txs_class {
	struct sov_tb tb;	/* tb.rate 0: not shaped */
	u32 burst_set;		/* the burst asked for; 0: the default */
	u32 backlog;		/* frames enqueued, not yet dequeued */
	u64 tx_pkts;
	u64 tx_bytes;
	u64 throttled;		/* times it had frames and had to wait for tokens */
	u64 drops;
};

struct sov_txs {
	struct sov_txs_class cls[SOV_NETIO_CLASSES];
	struct sov_tb link;		/* the end-wide bucket; rate 0: unlimited */
	u64 link_throttled;		/* times the end's bucket held the next frame back */
	u32 mtu;
	u8 throttled_mask;		/* classes in a throttled spell now */
	bool link_waiting;		/* the end's bucket holds a frame back now */
	u8 priomap[SOV_NETIO_PRIOMAP_LEN];
	u8 queue_class[SOV_NETIO_QUEUES_MAX];
};

struct sov_txs_class_stats {
	u64 rate;		/* bytes/s; 0: not shaped */
	u32 burst;		/* bytes, in effect (0 when not shaped) */
	u32 backlog;
	s64 tokens;		/* bytes in the bucket now (negative: debt) */
	u64 tx_pkts;
	u64 tx_bytes;
	u64 throttled;
	u64 drops;
};

struct sov_txs_stats {
	struct sov_txs_class_stats cls[SOV_NETIO_CLASSES];
	u64 rate;		/* the end's; 0: unlimited */
	u32 burst;
	u32 mtu;
	u64 link_throttled;
	u8 priomap[SOV_NETIO_PRIOMAP_LEN];
	u8 queue_class[SOV_NETIO_QUEUES_MAX];
};

/*
 * Defaults: priority p goes to class 7 - min(p, 7) (0 is class 7, 7 and
 * above class 0), every queue to class 7, nothing shaped, counters zero.
 */
void sov_txs_init(struct sov_txs *s, u32 mtu, u64 now);

/* The default burst of a class shaped at @rate bytes/s on an MTU of @mtu. */
u32 sov_txs_default_burst(u64 rate, u32 mtu);

/*
 * Checks of what userspace sends, before anything is changed: NULL when
 * valid, else why not (a static string for NL_SET_ERR_MSG_ATTR).
 * sov_txs_check_priomap() sets *@bad_index to the first bad entry (-1:
 * none or the length is wrong). sov_txs_check_rate(): @burst 0 means
 * the default; a burst needs a rate, must be at least @mtu and at most
 * 26 days of sending at the rate.
 */
const char *sov_txs_check_priomap(const u8 *map, u32 len, int *bad_index);
const char *sov_txs_check_class_id(u32 id);
const char *sov_txs_check_rate(u64 rate, u32 burst, u32 mtu);

/* Setters, for values that passed the checks (they return -EINVAL if not). */
int sov_txs_set_priomap(struct sov_txs *s, const u8 *map);
int sov_txs_set_queue_class(struct sov_txs *s, u32 qid, u32 cls);
/* @rate 0: not shaped; @burst 0: the default. The bucket starts full. */
int sov_txs_set_class_rate(struct sov_txs *s, u32 cls, u64 rate, u32 burst, u64 now);
/* The end-wide bucket (its burst is always the default). */
int sov_txs_set_rate(struct sov_txs *s, u64 rate, u64 now);
/*
 * A new MTU: default bursts follow it; a burst that was set and is now
 * below the MTU is raised to the MTU (the setting is kept for a later
 * MTU). Buckets restart full.
 */
void sov_txs_set_mtu(struct sov_txs *s, u32 mtu, u64 now);

/* The class of an skb of priority @priority (above 15: entry 15). */
static inline u32 sov_txs_classify_skb(const struct sov_txs *s, u32 priority)
{
	return s->priomap[min_t(u32, priority, SOV_NETIO_PRIOMAP_LEN - 1)];
}

/*
 * The class of an AF_XDP frame sent on queue @qid by a socket of
 * priority @sk_priority: its queue's, or the priomap's when the socket
 * set a nonzero priority. A queue past SOV_NETIO_QUEUES_MAX (a datapath
 * bug) gets SOV_TXS_CLASS_DEFAULT.
 */
u32 sov_txs_classify_xsk(const struct sov_txs *s, u32 qid, u32 sk_priority);

/*
 * The decision. @backlog: bit c set when class c has a frame waiting,
 * @lens[c] the length of that frame (only read for set bits). Returns
 * the class whose head frame may go at @now: the first (lowest number)
 * with frames whose own bucket lets it go, if the end's bucket lets that
 * frame go too. A class whose own bucket holds it back yields to the
 * next; the end's bucket holding back the first eligible class holds
 * back every class (strict priority for the link: a lower class's
 * smaller frame does not slip ahead).
 * Returns -ENODATA when @backlog is empty, -EAGAIN when every class with
 * frames must wait: then *@wait_ns (> 0) is when to call again. The wait
 * is never late (nothing could go sooner) but may be early when a higher
 * class becomes eligible first and still waits for the end's bucket;
 * calling again then returns a new wait. Counts throttled spells: a class
 * enters one when its own bucket (or, for the first eligible class, the
 * end's) holds it back, and leaves it when it sends or has no frames.
 */
int sov_txs_pick(struct sov_txs *s, unsigned long backlog, const u32 *lens,
		 u64 now, u64 *wait_ns);

/* The head frame of @cls (@len bytes) went at @now: take its tokens and count it. */
void sov_txs_charge(struct sov_txs *s, u32 cls, u32 len, u64 now);
/* A frame of @cls was queued / left its queue (sent or dropped): backlog. */
void sov_txs_enqueue(struct sov_txs *s, u32 cls);
void sov_txs_dequeue(struct sov_txs *s, u32 cls);
/* A frame of @cls was dropped (its queue was full, or purged). */
void sov_txs_drop(struct sov_txs *s, u32 cls);

/* Zero the counters (tx, throttled, drops); the settings, buckets and backlog stay. */
void sov_txs_reset_counters(struct sov_txs *s);

/* A snapshot of settings and counters at @now. */
void sov_txs_stats(const struct sov_txs *s, u64 now, struct sov_txs_stats *st);

#endif /* _SOV_NETIO_TXSCHED_H */
