// SPDX-License-Identifier: GPL-2.0
/*
 * Health checks of load-balancer backends, on sovereignd's libuv loop: a
 * timer per backend starts a probe every interval, bounded by the timeout:
 *
 *   tcp   a TCP connect
 *   http  a GET whose status line must carry the expected code
 *   udp   a datagram on a connected UDP socket that must be answered (with
 *         the expected prefix, if one is set); an ICMP port unreachable
 *         fails it at once
 *   icmp  an echo request (ICMPv6 for IPv6) on a raw socket connected to the
 *         backend; its echo reply (id, sequence, payload) must come back
 *
 * Results feed the rise/fall state machine (lib/lb/health.c); when a backend
 * goes up or down its service is re-rendered, so it leaves or joins the
 * Maglev table and the active list at once (its flows fail over, the others
 * stay).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/icmp6.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/icmp.h>

#include "lb.h"
#include "log.h"

struct sovd_probe;

struct sovd_hc_slot {
	uv_timer_t timer;
	struct sovd_lb *lb;
	uint32_t svc, be;
	uint32_t interval_ms;
	struct sovd_probe *probe;	/* in flight, or NULL */
};

/* The echo payload: the reply must carry it back unchanged. */
#define ECHO_TAG	"sovereignd-hc"
#define ECHO_LEN	(8 + sizeof(ECHO_TAG) - 1)

struct sovd_probe {
	struct sovd_hc_slot *slot;	/* NULL once the slot is gone */
	struct sovd *d;
	struct trace_span *span;	/* lb.health: the check, connect to verdict */
	union {
		uv_handle_t handle;
		uv_tcp_t tcp;
		uv_udp_t udp;
		uv_poll_t poll;
	} io;
	bool io_open;			/* io was initialised: close it */
	int raw_fd;			/* icmp: the socket io.poll watches, else -1 */
	uv_connect_t conn;
	uv_write_t wr;
	uv_udp_send_t send;
	uv_timer_t deadline;
	int open_handles;
	bool done;
	uint32_t type;			/* enum sov_lb_hc_type */
	uint32_t want_status;
	int family;
	uint8_t addr[16];
	uint16_t echo_id, echo_seq;
	uint8_t echo[ECHO_LEN];		/* icmp: header and payload as sent */
	/* copied: the service may change while the probe is out */
	uint32_t send_len, expect_len;
	uint8_t out[SOV_LB_HC_UDP_MAX];
	uint8_t expect[SOV_LB_HC_UDP_MAX];
	size_t rxlen;
	char rx[SOV_LB_HC_UDP_MAX + 256];
	char req[256];
};

static void probe_closed(uv_handle_t *h)
{
	struct sovd_probe *p = h->data;

	if (--p->open_handles)
		return;
	/* uv_poll does not own the socket; closed only once nothing polls it */
	if (p->raw_fd >= 0)
		close(p->raw_fd);
	free(p);
}

static void probe_finish(struct sovd_probe *p, bool ok, const char *why)
{
	struct sovd_hc_slot *slot = p->slot;
	enum sov_health_change change;
	struct sov_lb_service *svc;
	struct sov_lb_backend *be;
	char a[INET6_ADDRSTRLEN], v[96];

	if (p->done)
		return;
	p->done = true;
	sovd_span_end(p->d, p->span, ok ? 0 : -EHOSTUNREACH, why);
	p->span = NULL;
	if (p->io_open)
		uv_close(&p->io.handle, probe_closed);
	uv_close((uv_handle_t *)&p->deadline, probe_closed);
	if (!slot)
		return;
	slot->probe = NULL;
	svc = &slot->lb->model.svc[slot->svc];
	be = &svc->be[slot->be];
	if (!svc->used || !be->used)
		return;
	change = sov_health_report(&be->health, ok, uv_hrtime());
	if (change == SOV_HEALTH_NONE) {
		if (!ok)
			log_debug("lb: %s check of %s failed: %s", sov_lb_hc_type_name(p->type),
				  inet_ntop(svc->vip.family, be->addr, a, sizeof(a)), why);
		return;
	}
	log_notice("lb: backend %s of %s is %s%s%s",
		   inet_ntop(svc->vip.family, be->addr, a, sizeof(a)),
		   sov_lb_vip_format(&svc->vip, v, sizeof(v)),
		   change == SOV_HEALTH_WENT_UP ? "up" : "down",
		   ok ? "" : ": ", ok ? "" : why);
	/* the backend's event first, then the service's (none live, recovered) */
	sovd_lb_emit(slot->lb, &(struct sovd_lb_event){
		.kind = change == SOV_HEALTH_WENT_UP ? SOV_LB_EVENT_BACKEND_UP :
			SOV_LB_EVENT_BACKEND_DOWN,
		.svc = svc, .be = be, .reason = ok ? NULL : why });
	sovd_lb_recommit(slot->lb, svc, "a health change");
}

static void on_deadline(uv_timer_t *t)
{
	struct sovd_probe *p = t->data;

	probe_finish(p, false, p->type == SOV_LB_HC_UDP || p->type == SOV_LB_HC_ICMP ?
		     "timed out: no reply" : "timed out");
}

/* ---- tcp and http ------------------------------------------------------------ */

static void on_read_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct sovd_probe *p = h->data;

	(void)hint;
	*b = uv_buf_init(p->rx + p->rxlen, (unsigned int)(sizeof(p->rx) - 1 - p->rxlen));
}

/* "HTTP/1.x NNN ..." on the first line decides */
static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct sovd_probe *p = s->data;
	unsigned int code;
	char why[64];

	(void)b;
	if (p->done)
		return;
	if (n < 0) {
		probe_finish(p, false, n == UV_EOF ? "connection closed before a status line" :
			     uv_strerror((int)n));
		return;
	}
	p->rxlen += (size_t)n;
	p->rx[p->rxlen] = '\0';
	if (!strstr(p->rx, "\r\n") && p->rxlen < sizeof(p->rx) - 1)
		return;
	if (sscanf(p->rx, "HTTP/%*u.%*u %u", &code) != 1) {
		probe_finish(p, false, "not an HTTP status line");
		return;
	}
	snprintf(why, sizeof(why), "status %u, expected %u", code, p->want_status);
	probe_finish(p, code == p->want_status, why);
}

static void on_written(uv_write_t *w, int status)
{
	struct sovd_probe *p = w->data;

	if (status < 0)
		probe_finish(p, false, uv_strerror(status));
}

static void on_connect(uv_connect_t *c, int status)
{
	struct sovd_probe *p = c->data;
	uv_buf_t b;

	if (p->done)
		return;
	if (status < 0) {
		probe_finish(p, false, uv_strerror(status));
		return;
	}
	if (p->type != SOV_LB_HC_HTTP) {
		probe_finish(p, true, NULL);
		return;
	}
	b = uv_buf_init(p->req, (unsigned int)strlen(p->req));
	p->wr.data = p;
	if (uv_write(&p->wr, (uv_stream_t *)&p->io.tcp, &b, 1, on_written) ||
	    uv_read_start((uv_stream_t *)&p->io.tcp, on_read_alloc, on_read))
		probe_finish(p, false, "cannot send the request");
}

static const char *start_tcp(struct sovd_probe *p, uv_loop_t *loop,
			     const struct sockaddr *sa)
{
	uv_tcp_init(loop, &p->io.tcp);
	p->io.tcp.data = p->conn.data = p;
	p->io_open = true;
	p->open_handles++;
	if (uv_tcp_connect(&p->conn, &p->io.tcp, sa, on_connect))
		return "cannot start a connection";
	return NULL;
}

/* ---- udp ------------------------------------------------------------------------ */

static const char *udp_error(int err)
{
	/* a connected socket learns of the ICMP port unreachable this way */
	return err == UV_ECONNREFUSED ? "port unreachable" : uv_strerror(err);
}

static void on_udp_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct sovd_probe *p = h->data;

	(void)hint;
	*b = uv_buf_init(p->rx, sizeof(p->rx));
}

static void on_udp_recv(uv_udp_t *h, ssize_t n, const uv_buf_t *b,
			const struct sockaddr *from, unsigned int flags)
{
	struct sovd_probe *p = h->data;
	char why[96];

	(void)flags;
	if (p->done || (n == 0 && !from))	/* nothing (more) to read */
		return;
	if (n < 0) {
		probe_finish(p, false, udp_error((int)n));
		return;
	}
	/* the buffer holds more than any expected prefix: a cut reply still compares */
	if ((size_t)n < p->expect_len || memcmp(b->base, p->expect, p->expect_len)) {
		snprintf(why, sizeof(why),
			 "reply mismatch: %zd bytes that do not start with the expected %u",
			 n, p->expect_len);
		probe_finish(p, false, why);
		return;
	}
	probe_finish(p, true, NULL);
}

static void on_udp_sent(uv_udp_send_t *s, int status)
{
	struct sovd_probe *p = s->data;

	if (status < 0)
		probe_finish(p, false, udp_error(status));
}

static const char *start_udp(struct sovd_probe *p, uv_loop_t *loop,
			     const struct sockaddr *sa)
{
	uv_buf_t b = uv_buf_init((char *)p->out, p->send_len);

	uv_udp_init(loop, &p->io.udp);
	p->io.udp.data = p->send.data = p;
	p->io_open = true;
	p->open_handles++;
	/* connected: only the backend's datagrams arrive, and its ICMP errors */
	if (uv_udp_connect(&p->io.udp, sa))
		return "cannot connect the UDP socket";
	if (uv_udp_recv_start(&p->io.udp, on_udp_alloc, on_udp_recv))
		return "cannot receive on the UDP socket";
	if (uv_udp_send(&p->send, &p->io.udp, &b, 1, NULL, on_udp_sent))
		return "cannot send the datagram";
	return NULL;
}

/* ---- icmp ---------------------------------------------------------------------- */

/* RFC 1071: the one's complement of the one's-complement sum */
static uint16_t inet_csum(const uint8_t *b, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* Our echo reply: from the backend, ours by id and sequence, the payload back. */
static bool echo_matches(const struct sovd_probe *p, const uint8_t *icmp, size_t len)
{
	uint8_t type = p->family == AF_INET ? ICMP_ECHOREPLY : ICMP6_ECHO_REPLY;

	return len >= ECHO_LEN && icmp[0] == type && icmp[1] == 0 &&
	       !memcmp(icmp + 4, p->echo + 4, 4) &&		/* id, sequence */
	       !memcmp(icmp + 8, p->echo + 8, ECHO_LEN - 8);	/* payload */
}

static void on_icmp(uv_poll_t *h, int status, int events)
{
	struct sovd_probe *p = h->data;
	struct sockaddr_storage ss;
	uint8_t buf[512];
	socklen_t sl;
	ssize_t n;
	int err;

	(void)events;
	if (p->done)
		return;
	if (status < 0) {	/* POLLERR: an ICMP error the socket was told of */
		sl = sizeof(err);
		if (getsockopt(p->raw_fd, SOL_SOCKET, SO_ERROR, &err, &sl) || !err)
			err = -status;
		probe_finish(p, false, strerror(err));
		return;
	}
	for (;;) {
		const uint8_t *icmp = buf;
		size_t len;

		sl = sizeof(ss);
		n = recvfrom(p->raw_fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, &sl);
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				probe_finish(p, false, strerror(errno));
			return;
		}
		len = (size_t)n;
		if (p->family == AF_INET) {
			size_t ihl = (size_t)(buf[0] & 0x0f) * 4;

			/* IPv4 raw sockets deliver the IP header */
			if (len < 20 || ihl < 20 || len < ihl || buf[9] != IPPROTO_ICMP ||
			    memcmp(buf + 12, p->addr, 4))
				continue;
			icmp = buf + ihl;
			len -= ihl;
		} else if (ss.ss_family != AF_INET6 ||
			   memcmp(&((struct sockaddr_in6 *)&ss)->sin6_addr, p->addr, 16)) {
			continue;
		}
		if (echo_matches(p, icmp, len)) {
			probe_finish(p, true, NULL);
			return;
		}
	}
}

static const char *start_icmp(struct sovd_probe *p, uv_loop_t *loop,
			      const struct sockaddr *sa, socklen_t salen)
{
	static uint16_t seq;
	static char why[128];
	int fd;

	fd = socket(p->family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    p->family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	if (fd < 0) {
		snprintf(why, sizeof(why), "cannot open a raw %s socket: %s%s",
			 p->family == AF_INET ? "ICMP" : "ICMPv6", strerror(errno),
			 errno == EPERM ? " (needs CAP_NET_RAW)" : "");
		return why;
	}
	p->raw_fd = fd;
	/* only echo replies wake us, not every ICMP message the host gets */
	if (p->family == AF_INET) {
		struct icmp_filter f = { .data = ~(1U << ICMP_ECHOREPLY) };

		if (setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f)))
			return "cannot filter the ICMP socket";
	} else {
		struct icmp6_filter f;

		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f)))
			return "cannot filter the ICMPv6 socket";
	}
	/* connected: the kernel hands us only what comes from the backend */
	if (connect(fd, sa, salen)) {
		snprintf(why, sizeof(why), "cannot reach it: %s", strerror(errno));
		return why;
	}
	if (uv_poll_init_socket(loop, &p->io.poll, fd))
		return "cannot poll the ICMP socket";
	p->io.poll.data = p;
	p->io_open = true;
	p->open_handles++;
	if (uv_poll_start(&p->io.poll, UV_READABLE, on_icmp))
		return "cannot poll the ICMP socket";

	/* id: this daemon; sequence: this probe, as ping does */
	p->echo_id = (uint16_t)getpid();
	p->echo_seq = ++seq;
	p->echo[0] = p->family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	p->echo[1] = 0;
	p->echo[4] = (uint8_t)(p->echo_id >> 8);
	p->echo[5] = (uint8_t)p->echo_id;
	p->echo[6] = (uint8_t)(p->echo_seq >> 8);
	p->echo[7] = (uint8_t)p->echo_seq;
	memcpy(p->echo + 8, ECHO_TAG, ECHO_LEN - 8);
	/* the kernel sums ICMPv6 itself (it needs the pseudo-header); ICMPv4 is ours */
	if (p->family == AF_INET) {
		uint16_t sum = inet_csum(p->echo, ECHO_LEN);

		memcpy(p->echo + 2, &sum, 2);
	}
	if (send(fd, p->echo, ECHO_LEN, 0) != (ssize_t)ECHO_LEN) {
		snprintf(why, sizeof(why), "cannot send the echo request: %s", strerror(errno));
		return why;
	}
	return NULL;
}

/* ---- the schedule ------------------------------------------------------------- */

static void on_tick(uv_timer_t *t)
{
	struct sovd_hc_slot *slot = t->data;
	struct sov_lb_service *svc = &slot->lb->model.svc[slot->svc];
	struct sov_lb_backend *be = &svc->be[slot->be];
	uv_loop_t *loop = slot->lb->d->loop;
	struct sockaddr_storage ss = {};
	const struct sov_lb_settings *s = &svc->set;
	struct sovd_probe *p;
	char a[INET6_ADDRSTRLEN];
	/* nat mode may give the backend its own port; else the VIP's (none for icmp) */
	uint16_t port = s->hc_type == SOV_LB_HC_ICMP ? 0 : be->port ? be->port : svc->vip.port;
	socklen_t salen;
	const char *why;

	if (slot->probe || !svc->used || !be->used)
		return;
	p = calloc(1, sizeof(*p));
	if (!p)
		return;
	p->slot = slot;
	p->d = slot->lb->d;
	p->raw_fd = -1;
	p->type = s->hc_type;
	/* a root span: the checks are the daemon's own work, sampled like any op */
	p->span = sovd_span_begin(p->d, NULL, "lb.health", TRACE_KIND_CLIENT);
	trace_span_attr_str(p->span, "lb.hc", sov_lb_hc_type_name(p->type));
	trace_span_attr_int(p->span, "lb.service", slot->svc);
	trace_span_attr_int(p->span, "lb.backend", slot->be);
	p->family = svc->vip.family;
	memcpy(p->addr, be->addr, 16);
	p->want_status = s->hc_status;
	p->send_len = s->hc_udp_send_len;
	memcpy(p->out, s->hc_udp_send, s->hc_udp_send_len);
	p->expect_len = s->hc_udp_expect_len;
	memcpy(p->expect, s->hc_udp_expect, s->hc_udp_expect_len);
	inet_ntop(svc->vip.family, be->addr, a, sizeof(a));
	snprintf(p->req, sizeof(p->req),
		 "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: sovereignd\r\nConnection: close\r\n\r\n",
		 s->hc_path, a);
	if (svc->vip.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, be->addr, 4);
		salen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, be->addr, 16);
		salen = sizeof(*sin6);
	}
	uv_timer_init(loop, &p->deadline);
	p->deadline.data = p;
	p->open_handles = 1;
	slot->probe = p;
	uv_timer_start(&p->deadline, on_deadline, s->hc.timeout_ms, 0);
	switch (p->type) {
	case SOV_LB_HC_UDP:
		why = start_udp(p, loop, (struct sockaddr *)&ss);
		break;
	case SOV_LB_HC_ICMP:
		why = start_icmp(p, loop, (struct sockaddr *)&ss, salen);
		break;
	default:
		why = start_tcp(p, loop, (struct sockaddr *)&ss);
		break;
	}
	if (why)
		probe_finish(p, false, why);
}

static void slot_closed(uv_handle_t *h)
{
	free(h->data);
}

static void slot_free(struct sovd_lb *lb, uint32_t s, uint32_t b)
{
	struct sovd_hc_slot *slot = lb->hc[s][b];

	if (!slot)
		return;
	if (slot->probe)
		slot->probe->slot = NULL;	/* it finishes on its own */
	uv_timer_stop(&slot->timer);
	uv_close((uv_handle_t *)&slot->timer, slot_closed);
	lb->hc[s][b] = NULL;
}

void sovd_lb_health_sync(struct sovd_lb *lb, struct sov_lb_service *svc)
{
	uint32_t b, interval_ms;

	if (!svc)
		return;
	interval_ms = svc->set.hc.interval_s * 1000;
	for (b = 0; b < LB_MAX_BACKENDS; b++) {
		struct sovd_hc_slot *slot = lb->hc[svc->index][b];
		bool want = svc->used && svc->be[b].used && svc->set.hc_type != SOV_LB_HC_NONE;

		if (!want) {
			slot_free(lb, svc->index, b);
			continue;
		}
		if (slot && slot->interval_ms == interval_ms)
			continue;
		if (!slot) {
			slot = calloc(1, sizeof(*slot));
			if (!slot)
				continue;
			slot->lb = lb;
			slot->svc = svc->index;
			slot->be = b;
			uv_timer_init(lb->d->loop, &slot->timer);
			slot->timer.data = slot;
			lb->hc[svc->index][b] = slot;
		}
		slot->interval_ms = interval_ms;
		/* first check at once, then every interval */
		uv_timer_start(&slot->timer, on_tick, 0, interval_ms);
	}
}

void sovd_lb_health_stop_all(struct sovd_lb *lb)
{
	uint32_t s, b;

	for (s = 0; s < LB_MAX_SERVICES; s++)
		for (b = 0; b < LB_MAX_BACKENDS; b++)
			slot_free(lb, s, b);
}
