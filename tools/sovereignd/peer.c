// SPDX-License-Identifier: GPL-2.0
/*
 * The peer transport (peer.h): TCP links between daemons carrying Raft
 * messages. A peer's bytes are never trusted: a frame that does not decode,
 * or says it comes from someone else, closes that link with a logged reason
 * and the daemon carries on.
 *
 * Lifetimes follow libuv's asynchronous closes: a link (struct conn) is
 * freed in its handle's close callback and holds a reference on its peer;
 * a peer is freed when its retry timer and its links are all closed; the
 * transport when its last handle is.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "log.h"
#include "peer_internal.h"


static void on_retry(uv_timer_t *t);
static void dial(struct peer *pe);

/* ---- helpers ---------------------------------------------------------------- */

static void fmt_addr(const struct sockaddr *sa, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		uv_ip4_name(in, host, sizeof(host));
		snprintf(buf, size, "%s:%u", host, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		uv_ip6_name(in6, host, sizeof(host));
		snprintf(buf, size, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else {
		snprintf(buf, size, "?");
	}
}

static socklen_t sa_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					   sizeof(struct sockaddr_in);
}

/* xorshift64*: jitter needs no quality, only to differ between nodes */
static uint64_t rnd(struct sovd_peers *p)
{
	p->rng ^= p->rng >> 12;
	p->rng ^= p->rng << 25;
	p->rng ^= p->rng >> 27;
	return p->rng * 2685821657736338717ULL;
}

struct peer *peer_find(const struct sovd_peers *p, raft_id_t id)
{
	struct peer *pe;

	for (pe = p->peers; pe; pe = pe->next)
		if (pe->id == id && !pe->removed)
			return pe;
	return NULL;
}

static void handle_closed(struct sovd_peers *p)
{
	if (--p->handles == 0 && p->closing)
		free(p);
}

/* ---- closing links ------------------------------------------------------------ */

static void peer_put(struct peer *pe)
{
	if (--pe->refs)
		return;
	peer_fifo_free(&pe->q);
	free(pe);
}

static void on_conn_closed(uv_handle_t *h)
{
	struct conn *c = h->data;
	struct sovd_peers *p = c->p;

	if (c->peer)
		peer_put(c->peer);
	free(c->rx);
	free(c);
	handle_closed(p);
}

static void schedule_retry(struct peer *pe)
{
	struct sovd_peers *p = pe->p;
	uint64_t half = pe->backoff_ms / 2;
	uint64_t delay = half + rnd(p) % (pe->backoff_ms - half + 1);

	log_debug("peer %llu (%s): dialing again in %llu ms", (unsigned long long)pe->id,
		  pe->st.addr, (unsigned long long)delay);
	pe->backoff_ms = pe->backoff_ms * 2 > p->cfg.backoff_max_ms ?
			 p->cfg.backoff_max_ms : pe->backoff_ms * 2;
	pe->st.backoff_ms = pe->backoff_ms;
	uv_timer_start(&pe->retry, on_retry, delay, 0);
}

/* Close @c, noting @why as its peer's (or the transport's) last error. */
static void conn_close(struct conn *c, const char *why)
{
	struct sovd_peers *p = c->p;
	struct peer *pe = c->peer;
	bool was_up = c->state == C_UP;

	if (c->state == C_CLOSING)
		return;
	c->state = C_CLOSING;
	if (c->prev)
		c->prev->next = c->next;
	else
		p->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (!pe && !c->outbound)
		p->pending--;
	if (!pe && !p->closing) {
		p->st.refused++;
		snprintf(p->st.last_error, sizeof(p->st.last_error), "%s", why);
	} else if (pe) {
		snprintf(pe->st.last_error, sizeof(pe->st.last_error), "%s", why);
		if (was_up)
			pe->st.disconnects++;
		if (pe->in == c) {
			pe->in = NULL;
			pe->st.in_up = false;
		}
		if (pe->out == c) {
			pe->out = NULL;
			pe->st.out_up = false;
			/* a link that stayed up a while starts the backoff over */
			if (was_up && uv_now(p->loop) - c->up_since >= p->cfg.backoff_max_ms)
				pe->backoff_ms = p->cfg.backoff_min_ms;
			if (!pe->removed && !p->closing)
				schedule_retry(pe);
		}
	}
	uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
}


/*
 * Log and close. @bad: the peer broke the protocol ("...; disconnecting");
 * otherwise the link just went away.
 */
void peer_conn_closef(struct conn *c, int level, bool bad, const char *fmt, ...)
{
	char why[200], id[24] = "?";
	va_list ap;

	if (c->state == C_CLOSING)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (c->peer)
		snprintf(id, sizeof(id), "%llu", (unsigned long long)c->peer->id);
	if (bad)
		sovd_log(level, "peer %s (%s): %s; disconnecting", id, c->addr, why);
	else
		sovd_log(level, "peer %s (%s): %s link down: %s", id, c->addr,
			 c->outbound ? "outbound" : "inbound", why);
	conn_close(c, why);
}

/* ---- the HELLO ---------------------------------------------------------------------- */

static void on_hello_written(uv_write_t *req, int status)
{
	struct hello_write *w = (struct hello_write *)req;

	if (status < 0)
		peer_conn_closef(w->c, LOG_INFO, false, "write: %s", uv_strerror(status));
	free(w);
}

static int send_hello(struct conn *c, raft_id_t to)
{
	struct sovd_peers *p = c->p;
	struct sov_raft_hello h = { .from = p->cfg.self, .to = to };
	struct hello_write *w = malloc(sizeof(*w));
	struct sov_nl_err err;
	ssize_t n;
	uv_buf_t b;

	if (!w)
		return -ENOMEM;
	w->c = c;
	snprintf(h.cluster_id, sizeof(h.cluster_id), "%s", p->cluster_id);
	n = sov_raft_wire_encode_hello(&h, ++c->seq, w->buf, sizeof(w->buf), &err);
	if (n < 0) {
		free(w);
		return (int)n;
	}
	b = uv_buf_init((char *)w->buf, (unsigned int)n);
	if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_hello_written) < 0) {
		free(w);
		return -EIO;
	}
	return 0;
}

/* ---- reading ------------------------------------------------------------------------ */

static void link_up(struct conn *c, struct peer *pe)
{
	struct sovd_peers *p = c->p;

	c->state = C_UP;
	c->up_since = uv_now(p->loop);
	pe->st.connects++;
	if (c->outbound)
		pe->st.out_up = true;
	else
		pe->st.in_up = true;
	log_info("peer %llu (%s): %s link up", (unsigned long long)pe->id, c->addr,
		 c->outbound ? "outbound" : "inbound");
}

static int refuse(char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Say why a frame breaks the protocol; the caller closes the link. */
static int refuse(char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, WHY_LEN, fmt, ap);
	va_end(ap);
	return -EPROTO;
}

/* The dialer's side: the peer answered our HELLO. */
static int hello_answered(struct conn *c, const struct sov_raft_hello *h, char *why)
{
	struct sovd_peers *p = c->p;
	struct peer *pe = c->peer;

	if (strcmp(h->cluster_id, p->cluster_id))
		return refuse(why, "cluster id \"%s\", this is \"%s\"", h->cluster_id,
			      p->cluster_id);
	if (h->from != pe->id)
		return refuse(why, "answered as node %llu", (unsigned long long)h->from);
	if (h->to != p->cfg.self)
		return refuse(why, "believes this is node %llu, not %llu",
			      (unsigned long long)h->to, (unsigned long long)p->cfg.self);
	link_up(c, pe);
	peer_flush(pe);
	return 0;
}

/* The acceptor's side: who is calling? */
static int hello_received(struct conn *c, const struct sov_raft_hello *h, char *why)
{
	struct sovd_peers *p = c->p;
	struct peer *pe;

	if (strcmp(h->cluster_id, p->cluster_id))
		return refuse(why, "cluster id \"%s\", this is \"%s\"", h->cluster_id,
			      p->cluster_id);
	if (h->from == p->cfg.self)
		return refuse(why, "claims this node's own id %llu",
			      (unsigned long long)h->from);
	pe = peer_find(p, h->from);
	if (!pe)
		return refuse(why, "node %llu is not a peer of this node",
			      (unsigned long long)h->from);
	if (h->to != p->cfg.self)
		return refuse(why, "node %llu wants node %llu, this is node %llu",
			      (unsigned long long)h->from, (unsigned long long)h->to,
			      (unsigned long long)p->cfg.self);
	/* a restarted peer dials again before we notice its old link died */
	if (pe->in)
		peer_conn_closef(pe->in, LOG_INFO, false, "replaced by a new connection");
	p->pending--;
	c->peer = pe;
	pe->refs++;
	pe->in = c;
	if (send_hello(c, pe->id))
		return refuse(why, "cannot answer its HELLO");
	link_up(c, pe);
	/*
	 * It is back (restarted, or the network healed): dial now, not when a
	 * backoff grown while it was away runs out. Until then our messages to
	 * it are lost, the first PreVote of the next election among them.
	 */
	if (!pe->out && !pe->removed && !p->closing) {
		uv_timer_stop(&pe->retry);
		pe->backoff_ms = p->cfg.backoff_min_ms;
		pe->st.backoff_ms = pe->backoff_ms;
		dial(pe);
	}
	return 0;
}

static int deliver(struct conn *c, const void *frame, size_t len, char *why)
{
	struct sovd_peers *p = c->p;
	struct peer *pe = c->peer;
	struct sov_nl_err err;
	struct raft_msg m;
	int ret = 0;

	if (sov_raft_wire_decode(frame, len, &m, &err))
		return refuse(why, "%s", err.msg);
	if (m.from != pe->id || m.to != p->cfg.self) {
		ret = refuse(why, "a message from node %llu to node %llu on this link",
			     (unsigned long long)m.from, (unsigned long long)m.to);
		goto out;
	}
	pe->st.msgs_in++;
	pe->st.bytes_in += len;
	why[0] = '\0';
	if (p->cfg.on_message && p->cfg.on_message(p->cfg.arg, &m, why, WHY_LEN) < 0)
		ret = why[0] ? -EPROTO : refuse(why, "message refused");
out:
	sov_raft_wire_msg_free(&m);
	return ret;
}

/* 0, or <0 with @why when the frame breaks the protocol. */
static int handle_frame(struct conn *c, const uint8_t *frame, size_t len, char *why)
{
	struct sov_raft_hello h;
	struct sov_nl_err err;
	int cmd;

	cmd = sov_raft_wire_cmd(frame, len, &err);
	if (cmd < 0)
		return refuse(why, "%s", err.msg);
	if (c->state == C_HELLO) {
		if (sov_raft_wire_decode_hello(frame, len, &h, &err))
			return refuse(why, "%s", err.msg);
		return c->outbound ? hello_answered(c, &h, why) : hello_received(c, &h, why);
	}
	if (c->outbound)
		return refuse(why, "a frame on the link this node dialed (it carries this node's messages only)");
	if (cmd != SOV_CMD_RAFT_MSG)
		return refuse(why, "a second RAFT_HELLO");
	return deliver(c, frame, len, why);
}

static int rx_resize(struct conn *c, size_t cap)
{
	uint8_t *rx;

	if (cap == c->rxcap)
		return 0;
	rx = realloc(c->rx, cap);
	if (!rx)
		return -ENOMEM;
	c->rx = rx;
	c->rxcap = cap;
	return 0;
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct conn *c = h->data;

	(void)hint;
	*b = uv_buf_init((char *)c->rx + c->rxlen, (unsigned int)(c->rxcap - c->rxlen));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct conn *c = s->data;
	size_t off = 0, limit, want;
	char why[WHY_LEN];
	struct nlmsghdr h;
	ssize_t flen;

	(void)b;
	if (n < 0) {
		peer_conn_closef(c, LOG_INFO, false, "%s",
			    n == UV_EOF ? "closed by the peer" : uv_strerror((int)n));
		return;
	}
	c->rxlen += (size_t)n;
	while (c->state == C_HELLO || c->state == C_UP) {
		limit = c->state == C_UP ? SOV_RAFT_FRAME_MAX : SOV_RAFT_WIRE_HELLO_MAX;
		flen = sov_frame_len_max(c->rx + off, c->rxlen - off, limit);
		if (flen < 0) {
			memcpy(&h, c->rx + off, sizeof(h));
			peer_conn_closef(c, LOG_WARNING, true,
				    "a frame of %u bytes (at least %zu, at most %zu)",
				    h.nlmsg_len, sizeof(h), limit);
			return;
		}
		if (!flen)
			break;
		if (handle_frame(c, c->rx + off, (size_t)flen, why)) {
			peer_conn_closef(c, LOG_WARNING, true, "%s", why);
			return;
		}
		off += (size_t)flen;
	}
	if (c->state == C_CLOSING)
		return;
	memmove(c->rx, c->rx + off, c->rxlen - off);
	c->rxlen -= off;
	/* room for the whole frame in progress; back to the usual size after a big one */
	want = c->state == C_UP ? RX_SIZE : SOV_RAFT_WIRE_HELLO_MAX;
	if (c->rxlen >= sizeof(h)) {
		memcpy(&h, c->rx, sizeof(h));
		if (h.nlmsg_len > want)
			want = h.nlmsg_len;
	}
	if (rx_resize(c, want))
		peer_conn_closef(c, LOG_ERR, false, "out of memory for a %zu-byte frame", want);
}

/* ---- links: dialing and accepting ---------------------------------------------------------- */

static struct conn *conn_new(struct sovd_peers *p, bool outbound)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->rx = malloc(SOV_RAFT_WIRE_HELLO_MAX);
	if (!c->rx || uv_tcp_init(p->loop, &c->tcp)) {
		free(c->rx);
		free(c);
		return NULL;
	}
	p->handles++;
	c->rxcap = SOV_RAFT_WIRE_HELLO_MAX;
	c->tcp.data = c;
	c->p = p;
	c->outbound = outbound;
	c->deadline = uv_now(p->loop) + p->cfg.handshake_ms;
	c->next = p->conns;
	if (p->conns)
		p->conns->prev = c;
	p->conns = c;
	return c;
}

static void start_link(struct conn *c)
{
	uv_tcp_nodelay(&c->tcp, 1);	/* Raft's round trips are latency */
	uv_tcp_keepalive(&c->tcp, 1, 10);	/* notice a peer host that vanished */
	c->state = C_HELLO;
	if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read))
		peer_conn_closef(c, LOG_INFO, false, "cannot read");
}

static void on_connect(uv_connect_t *req, int status)
{
	struct conn *c = req->data;

	if (c->state == C_CLOSING)	/* canceled by a close */
		return;
	if (status < 0) {
		peer_conn_closef(c, LOG_DEBUG, false, "connect: %s", uv_strerror(status));
		return;
	}
	start_link(c);
	if (c->state == C_HELLO && send_hello(c, c->peer->id))
		peer_conn_closef(c, LOG_ERR, false, "cannot send HELLO");
}

static void dial(struct peer *pe)
{
	struct sovd_peers *p = pe->p;
	struct conn *c;
	int ret;

	if (pe->out || pe->removed || p->closing)
		return;
	c = conn_new(p, true);
	if (!c) {
		schedule_retry(pe);
		return;
	}
	c->peer = pe;
	pe->refs++;
	pe->out = c;
	c->state = C_CONNECTING;
	snprintf(c->addr, sizeof(c->addr), "%s", pe->st.addr);
	c->creq.data = c;
	ret = uv_tcp_connect(&c->creq, &c->tcp, (const struct sockaddr *)&pe->addr, on_connect);
	if (ret)
		peer_conn_closef(c, LOG_DEBUG, false, "connect: %s", uv_strerror(ret));
}

static void on_connection(uv_stream_t *server, int status)
{
	struct sovd_peers *p = server->data;
	struct sockaddr_storage sa;
	int len = sizeof(sa);
	struct conn *c;

	if (status < 0) {
		log_warn("peers: accept: %s", uv_strerror(status));
		return;
	}
	c = conn_new(p, false);
	if (!c)
		return;
	p->pending++;
	p->st.accepted++;
	c->state = C_HELLO;
	if (uv_accept(server, (uv_stream_t *)&c->tcp)) {
		conn_close(c, "accept failed");
		return;
	}
	if (!uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&sa, &len))
		fmt_addr((const struct sockaddr *)&sa, c->addr, sizeof(c->addr));
	if (p->pending > MAX_PENDING) {
		peer_conn_closef(c, LOG_WARNING, true,
			    "more than %d connections waiting for their HELLO", MAX_PENDING);
		return;
	}
	start_link(c);
}

/* Links that did not finish connecting or their HELLO in time. */
static void on_sweep(uv_timer_t *t)
{
	struct sovd_peers *p = t->data;
	uint64_t now = uv_now(p->loop);
	struct conn *c, *next;

	for (c = p->conns; c; c = next) {
		next = c->next;
		if (c->state == C_UP || now < c->deadline)
			continue;
		if (c->state == C_CONNECTING)
			peer_conn_closef(c, LOG_DEBUG, false, "connect timed out after %u ms",
				    p->cfg.handshake_ms);
		else
			peer_conn_closef(c, LOG_WARNING, true, "no HELLO within %u ms",
				    p->cfg.handshake_ms);
	}
}

/* ---- the API --------------------------------------------------------------------------------- */

static void on_retry(uv_timer_t *t)
{
	dial(t->data);
}

static void on_handle_closed(uv_handle_t *h)
{
	handle_closed(h->data);
}

struct sovd_peers *sovd_peers_new(uv_loop_t *loop, const struct sovd_peers_config *cfg,
				  int *err)
{
	struct sovd_peers *p;
	char addr[SOV_CLUSTER_ADDR_LEN];
	int ret;

	if (!cfg->cluster_id || sov_raft_cluster_id_check(cfg->cluster_id) || !cfg->self ||
	    !cfg->listen) {
		*err = -EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	p->loop = loop;
	p->cfg = *cfg;
	snprintf(p->cluster_id, sizeof(p->cluster_id), "%s", cfg->cluster_id);
	p->cfg.cluster_id = p->cluster_id;
	p->cfg.listen = NULL;
	if (!p->cfg.queue_bytes)
		p->cfg.queue_bytes = DEF_QUEUE_BYTES;
	if (!p->cfg.queue_msgs)
		p->cfg.queue_msgs = DEF_QUEUE_MSGS;
	if (!p->cfg.backoff_min_ms)
		p->cfg.backoff_min_ms = DEF_BACKOFF_MIN_MS;
	if (!p->cfg.backoff_max_ms)
		p->cfg.backoff_max_ms = DEF_BACKOFF_MAX_MS;
	if (!p->cfg.handshake_ms)
		p->cfg.handshake_ms = DEF_HANDSHAKE_MS;
	if (p->cfg.backoff_max_ms < p->cfg.backoff_min_ms)
		p->cfg.backoff_max_ms = p->cfg.backoff_min_ms;
	p->rng = uv_hrtime() ^ (cfg->self * 0x9e3779b97f4a7c15ULL) ^ (uintptr_t)p;
	if (!p->rng)
		p->rng = 1;

	uv_tcp_init(loop, &p->server);
	p->server.data = p;
	p->handles++;
	uv_timer_init(loop, &p->sweep);
	p->sweep.data = p;
	p->handles++;
	fmt_addr(cfg->listen, addr, sizeof(addr));
	ret = uv_tcp_bind(&p->server, cfg->listen, 0);
	if (!ret)
		ret = uv_listen((uv_stream_t *)&p->server, 64, on_connection);
	if (ret) {
		log_err("peers: cannot listen on %s: %s", addr, uv_strerror(ret));
		*err = ret;
		sovd_peers_close(p);
		return NULL;
	}
	uv_timer_start(&p->sweep, on_sweep, SWEEP_MS, SWEEP_MS);
	log_info("peers: node %llu of cluster \"%s\" listening on %s",
		 (unsigned long long)cfg->self, p->cluster_id, addr);
	*err = 0;
	return p;
}

struct sovd_peers *sovd_peers_from_conf(uv_loop_t *loop,
					const struct sov_cluster_conf *conf,
					sovd_peer_msg_cb on_message, void *arg, int *err)
{
	struct sovd_peers_config cfg = {
		.cluster_id = conf->cluster_id,
		.self = conf->self,
		.listen = (const struct sockaddr *)&conf->listen.sa,
		.on_message = on_message,
		.arg = arg,
	};
	struct sovd_peers *p = sovd_peers_new(loop, &cfg, err);
	size_t i;

	for (i = 0; p && i < conf->n_nodes; i++) {
		if (conf->nodes[i].id == conf->self)
			continue;
		*err = sovd_peers_add(p, conf->nodes[i].id,
				      (const struct sockaddr *)&conf->nodes[i].addr.sa);
		if (*err) {
			sovd_peers_close(p);
			return NULL;
		}
	}
	return p;
}

static void on_retry_closed(uv_handle_t *h)
{
	struct peer *pe = h->data;
	struct sovd_peers *p = pe->p;

	peer_put(pe);
	handle_closed(p);
}

int sovd_peers_add(struct sovd_peers *p, raft_id_t id, const struct sockaddr *addr)
{
	struct peer *pe;

	if (!id || id == p->cfg.self || p->closing ||
	    (addr->sa_family != AF_INET && addr->sa_family != AF_INET6))
		return -EINVAL;
	if (peer_find(p, id))
		return -EEXIST;
	pe = calloc(1, sizeof(*pe));
	if (!pe)
		return -ENOMEM;
	pe->p = p;
	pe->id = id;
	pe->refs = 1;
	memcpy(&pe->addr, addr, sa_len(addr));
	pe->backoff_ms = p->cfg.backoff_min_ms;
	pe->st.id = id;
	pe->st.backoff_ms = pe->backoff_ms;
	fmt_addr(addr, pe->st.addr, sizeof(pe->st.addr));
	uv_timer_init(p->loop, &pe->retry);
	pe->retry.data = pe;
	p->handles++;
	pe->next = p->peers;
	p->peers = pe;
	dial(pe);
	return 0;
}

static void peer_remove(struct peer *pe)
{
	struct sovd_peers *p = pe->p;
	struct peer **pp;

	for (pp = &p->peers; *pp != pe; pp = &(*pp)->next)
		;
	*pp = pe->next;
	pe->removed = true;
	if (pe->out)
		peer_conn_closef(pe->out, LOG_INFO, false, "node removed");
	if (pe->in)
		peer_conn_closef(pe->in, LOG_INFO, false, "node removed");
	uv_close((uv_handle_t *)&pe->retry, on_retry_closed);
}

int sovd_peers_remove(struct sovd_peers *p, raft_id_t id)
{
	struct peer *pe = peer_find(p, id);

	if (!pe)
		return -ENOENT;
	peer_remove(pe);
	return 0;
}

void sovd_peers_close(struct sovd_peers *p)
{
	if (p->closing)
		return;
	p->closing = true;
	while (p->peers)
		peer_remove(p->peers);
	while (p->conns)
		conn_close(p->conns, "shutting down");
	uv_close((uv_handle_t *)&p->server, on_handle_closed);
	uv_close((uv_handle_t *)&p->sweep, on_handle_closed);
}

uint16_t sovd_peers_port(const struct sovd_peers *p)
{
	struct sockaddr_storage sa;
	int len = sizeof(sa);

	if (uv_tcp_getsockname(&p->server, (struct sockaddr *)&sa, &len))
		return 0;
	if (sa.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
	return ntohs(((struct sockaddr_in *)&sa)->sin_port);
}

size_t sovd_peers_ids(const struct sovd_peers *p, raft_id_t *ids, size_t max)
{
	const struct peer *pe;
	size_t n = 0;

	for (pe = p->peers; pe; pe = pe->next)
		if (n < max)
			ids[n++] = pe->id;
	return n;
}

int sovd_peer_stats(const struct sovd_peers *p, raft_id_t id, struct sovd_peer_stats *st)
{
	const struct peer *pe = peer_find(p, id);

	if (!pe)
		return -ENOENT;
	*st = pe->st;
	st->queued_msgs = pe->q.n;
	st->queued_bytes = pe->q.bytes;
	return 0;
}

void sovd_peers_stats(const struct sovd_peers *p, struct sovd_peers_stats *st)
{
	*st = p->st;
}
