// SPDX-License-Identifier: GPL-2.0
/*
 * Health checks of load-balancer backends, on sovereignd's libuv loop: a
 * timer per backend starts a probe every interval: a TCP connect, or an HTTP
 * GET whose status line must carry the expected code, each bounded by the
 * timeout. Results feed the rise/fall state machine (lib/lb/health.c); when a
 * backend goes up or down its service is re-rendered, so it leaves or joins
 * the Maglev table and the active list at once (its flows fail over, the
 * others stay).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct sovd_probe {
	struct sovd_hc_slot *slot;	/* NULL once the slot is gone */
	uv_tcp_t tcp;
	uv_connect_t conn;
	uv_timer_t deadline;
	uv_write_t wr;
	int open_handles;
	bool done;
	bool http;
	uint32_t want_status;
	size_t rxlen;
	char rx[256];
	char req[256];
};

static void probe_closed(uv_handle_t *h)
{
	struct sovd_probe *p = h->data;

	if (--p->open_handles == 0)
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
	uv_close((uv_handle_t *)&p->tcp, probe_closed);
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
			log_debug("lb: check of %s failed: %s",
				  inet_ntop(svc->vip.family, be->addr, a, sizeof(a)), why);
		return;
	}
	log_notice("lb: backend %s of %s is %s%s%s",
		   inet_ntop(svc->vip.family, be->addr, a, sizeof(a)),
		   sov_lb_vip_format(&svc->vip, v, sizeof(v)),
		   change == SOV_HEALTH_WENT_UP ? "up" : "down",
		   ok ? "" : ": ", ok ? "" : why);
	sovd_lb_recommit(slot->lb, svc, "a health change");
}

static void on_deadline(uv_timer_t *t)
{
	probe_finish(t->data, false, "timed out");
}

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
	if (!p->http) {
		probe_finish(p, true, NULL);
		return;
	}
	b = uv_buf_init(p->req, (unsigned int)strlen(p->req));
	p->wr.data = p;
	if (uv_write(&p->wr, (uv_stream_t *)&p->tcp, &b, 1, on_written) ||
	    uv_read_start((uv_stream_t *)&p->tcp, on_read_alloc, on_read))
		probe_finish(p, false, "cannot send the request");
}

static void on_tick(uv_timer_t *t)
{
	struct sovd_hc_slot *slot = t->data;
	struct sov_lb_service *svc = &slot->lb->model.svc[slot->svc];
	struct sov_lb_backend *be = &svc->be[slot->be];
	struct sockaddr_storage ss = {};
	struct sovd_probe *p;
	char a[INET6_ADDRSTRLEN];
	uint16_t port = be->port ? be->port : svc->vip.port;

	if (slot->probe || !svc->used || !be->used)
		return;
	p = calloc(1, sizeof(*p));
	if (!p)
		return;
	p->slot = slot;
	p->http = svc->set.hc_type == SOV_LB_HC_HTTP;
	p->want_status = svc->set.hc_status;
	inet_ntop(svc->vip.family, be->addr, a, sizeof(a));
	snprintf(p->req, sizeof(p->req),
		 "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: sovereignd\r\nConnection: close\r\n\r\n",
		 svc->set.hc_path, a);
	if (svc->vip.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, be->addr, 4);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, be->addr, 16);
	}
	uv_tcp_init(slot->lb->d->loop, &p->tcp);
	uv_timer_init(slot->lb->d->loop, &p->deadline);
	p->tcp.data = p->deadline.data = p->conn.data = p;
	p->open_handles = 2;
	slot->probe = p;
	uv_timer_start(&p->deadline, on_deadline, svc->set.hc.timeout_ms, 0);
	if (uv_tcp_connect(&p->conn, &p->tcp, (struct sockaddr *)&ss, on_connect))
		probe_finish(p, false, "cannot start a connection");
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
