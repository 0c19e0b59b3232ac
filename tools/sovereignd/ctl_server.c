// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket: netlink-framed requests from sovctl over a unix
 * stream. Every request gets an answer; a malformed one gets an error that
 * says what was wrong, and a client that sends garbage framing is dropped.
 * A client that asked for SOV_CMD_LB_MONITOR also gets the load balancer's
 * events, pushed as they happen.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../kmod/version.h"
#include "cluster.h"
#include "log.h"
#include "module_cluster.h"
#include "sovereignd.h"

#define MAX_CLIENTS 64

struct sovd_client {
	uv_pipe_t pipe;
	struct sovd *d;
	struct sovd_client *next;	/* in d->clients */
	bool subscribed;
	size_t len;
	unsigned char buf[SOV_NL_BUFSZ];
};

struct reply {
	uv_write_t req;
	size_t len;
	unsigned char buf[];
};

static void on_closed(uv_handle_t *h)
{
	struct sovd_client *c = h->data, **p;

	for (p = &c->d->clients; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	if (c->subscribed)
		c->d->nsubscribers--;
	sovd_cluster_client_closed(c->d, c);	/* nobody to answer any more */
	c->d->nclients--;
	free(c);
}

static void drop(struct sovd_client *c)
{
	if (!uv_is_closing((uv_handle_t *)&c->pipe))
		uv_close((uv_handle_t *)&c->pipe, on_closed);
}

static void on_written(uv_write_t *req, int status)
{
	struct reply *r = (struct reply *)req;

	if (status < 0)
		log_debug("ctl: write failed: %s", uv_strerror(status));
	free(r);
}

void sovd_client_send(struct sovd_client *c, const void *buf, size_t len)
{
	struct reply *r = malloc(sizeof(*r) + len);
	uv_buf_t b;

	if (!r) {
		log_err("ctl: out of memory; dropping client");
		drop(c);
		return;
	}
	memcpy(r->buf, buf, len);
	r->len = len;
	b = uv_buf_init((char *)r->buf, (unsigned int)len);
	if (uv_write(&r->req, (uv_stream_t *)&c->pipe, &b, 1, on_written) < 0) {
		free(r);
		drop(c);
	}
}

void sovd_ctl_notify(struct sovd *d, const struct nlmsghdr *nlh)
{
	struct sovd_client *c;
	size_t queued;

	for (c = d->clients; c; c = c->next) {
		if (!c->subscribed || uv_is_closing((uv_handle_t *)&c->pipe))
			continue;
		/* what the socket buffer did not take is still ours */
		queued = uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe);
		if (queued + nlh->nlmsg_len > SOVD_SUBSCRIBER_BACKLOG) {
			log_warn("ctl: dropping an event subscriber: it left %zu bytes of events unread (at most %d)",
				 queued, SOVD_SUBSCRIBER_BACKLOG);
			drop(c);
			continue;
		}
		sovd_client_send(c, nlh, nlh->nlmsg_len);
	}
}

/* The refusal of the request being handled, for its span's status. */
static int req_err;
static char req_msg[256];

static void send_error(struct sovd_client *c, const struct nlmsghdr *req, int error,
		       const char *msg)
{
	unsigned char buf[512];
	size_t len = sov_nl_put_error(buf, sizeof(buf), req, error, msg);

	if (error && !req_err) {
		req_err = error;
		snprintf(req_msg, sizeof(req_msg), "%s", msg ? msg : "");
	}
	if (error)
		log_debug("ctl: request %u refused: %s", req->nlmsg_seq,
			  msg ? msg : strerror(-error));
	if (len)
		sovd_client_send(c, buf, len);
}

static void reply_daemon_get(struct sovd_client *c, const struct nlmsghdr *req)
{
	struct sovd *d = c->d;
	unsigned char buf[1024];
	struct nlmsghdr *nlh;

	nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_DAEMON_GET,
			     SOV_GENL_VERSION, 0, req->nlmsg_seq);
	nlh->nlmsg_pid = req->nlmsg_pid;
	mnl_attr_put_strz(nlh, SOV_A_DAEMON_VERSION, SOV_VERSION);
	mnl_attr_put_u32(nlh, SOV_A_DAEMON_PID, (uint32_t)getpid());
	mnl_attr_put_u64(nlh, SOV_A_DAEMON_UPTIME_NS, sovd_now_ns() - d->start_ns);
	mnl_attr_put_u8(nlh, SOV_A_DAEMON_MODULE_STATE, (uint8_t)d->module_state);
	mnl_attr_put_u64(nlh, SOV_A_DAEMON_MODULE_EVENTS, d->module_events);
	mnl_attr_put_u32(nlh, SOV_A_DAEMON_MODULE_CHANGES, d->module_changes);
	mnl_attr_put_u64(nlh, SOV_A_DAEMON_REQUESTS, d->requests);
	mnl_attr_put_u32(nlh, SOV_A_DAEMON_LOG_LEVEL, (uint32_t)sovd_log_level);
	mnl_attr_put_strz(nlh, SOV_A_DAEMON_BPF_PIN_PATH, d->bpf_pin_path);
	mnl_attr_put_u32(nlh, SOV_A_DAEMON_BPF_PROGS, d->bpf_progs);
	sovd_client_send(c, nlh, nlh->nlmsg_len);
}

/*
 * The parts that serve commands on this socket. serve: 0 done (acked here
 * if asked), 1 answered or to be answered, <0 refused with @msg.
 */
static const struct {
	bool (*serves)(uint8_t cmd);
	int (*serve)(struct sovd *d, struct sovd_client *c, const struct nlmsghdr *nlh,
		     char *msg, size_t msglen);
} servers[] = {
	{ sovd_trace_serves, sovd_trace_request },
	{ sovd_module_cluster_serves, sovd_module_cluster_request },
	{ sovd_cluster_serves, sovd_cluster_request },
	{ sovd_lb_serves, sovd_lb_request },
};

static void handle_one(struct sovd_client *c, const struct nlmsghdr *nlh)
{
	size_t i;
	const struct nlattr *tb[SOV_A_DAEMON_MAX + 1];
	const struct genlmsghdr *gh;
	struct sov_nl_err err;
	char msg[256];

	c->d->requests++;
	if (nlh->nlmsg_type != SOV_CTL_FAMILY_ID) {
		snprintf(msg, sizeof(msg),
			 "unknown message type %u: expected %u (sovereign control)",
			 nlh->nlmsg_type, SOV_CTL_FAMILY_ID);
		send_error(c, nlh, -EOPNOTSUPP, msg);
		return;
	}
	if (!(nlh->nlmsg_flags & NLM_F_REQUEST)) {
		send_error(c, nlh, -EINVAL, "expected a request (NLM_F_REQUEST)");
		return;
	}
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*gh)) {
		send_error(c, nlh, -EINVAL, "message shorter than its genl header");
		return;
	}
	gh = mnl_nlmsg_get_payload(nlh);
	switch (gh->cmd) {
	case SOV_CMD_DAEMON_GET:
		/* strict like the kernel: this command takes no attributes */
		if (sov_nl_parse(nlh, tb, 0, NULL, &err)) {
			send_error(c, nlh, err.error, "DAEMON_GET takes no attributes");
			return;
		}
		reply_daemon_get(c, nlh);
		break;
	case SOV_CMD_LB_MONITOR:
		if (sov_nl_parse(nlh, tb, 0, NULL, &err)) {
			send_error(c, nlh, err.error, "LB_MONITOR takes no attributes");
			return;
		}
		if (!c->d->lb) {
			send_error(c, nlh, -EOPNOTSUPP,
				   "the load balancer is not running (sovereignd started with --no-bpf, or its BPF failed to load: see the daemon's log)");
			return;
		}
		/* events follow the ack: nothing is emitted while we are here */
		if (!c->subscribed) {
			c->subscribed = true;
			c->d->nsubscribers++;
			log_debug("ctl: a client subscribed to load balancer events (%u now)",
				  c->d->nsubscribers);
		}
		break;
	default:
		for (i = 0; i < sizeof(servers) / sizeof(servers[0]); i++) {
			int ret;

			if (!servers[i].serves(gh->cmd))
				continue;
			msg[0] = '\0';
			ret = servers[i].serve(c->d, c, nlh, msg, sizeof(msg));
			if (ret < 0) {
				send_error(c, nlh, ret, msg[0] ? msg : NULL);
				return;
			}
			/* 1: answered already (a dump's NLMSG_DONE), or once applied */
			if (ret > 0)
				return;
			goto ack;
		}
		snprintf(msg, sizeof(msg), "command %u is not served by sovereignd",
			 gh->cmd);
		send_error(c, nlh, -EOPNOTSUPP, msg);
		return;
	}
ack:
	if (nlh->nlmsg_flags & NLM_F_ACK)
		send_error(c, nlh, 0, NULL);
}

/* One request inside its span (tracing.h): a child of the caller's trace context. */
static void handle(struct sovd_client *c, const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *gh = mnl_nlmsg_get_payload(nlh);
	struct trace_span *sp = NULL;

	if (nlh->nlmsg_type == SOV_CTL_FAMILY_ID && mnl_nlmsg_get_payload_len(nlh) >= sizeof(*gh))
		sp = sovd_trace_request_begin(c->d, nlh, gh->cmd);
	req_err = 0;
	req_msg[0] = '\0';
	handle_one(c, nlh);
	sovd_trace_request_end(c->d, sp, req_err, req_msg);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct sovd_client *c = h->data;

	(void)hint;
	*b = uv_buf_init((char *)c->buf + c->len,
			 (unsigned int)(sizeof(c->buf) - c->len));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct sovd_client *c = s->data;
	size_t off = 0;

	(void)b;
	if (n < 0) {
		drop(c);
		return;
	}
	c->len += (size_t)n;
	for (;;) {
		ssize_t flen = sov_frame_len(c->buf + off, c->len - off);

		if (flen < 0) {
			log_warn("ctl: impossible frame length from a client (at most %d bytes); closing it",
				 SOV_NL_MAXMSG);
			drop(c);
			return;
		}
		if (flen == 0)
			break;
		handle(c, (const struct nlmsghdr *)(c->buf + off));
		off += (size_t)flen;
	}
	memmove(c->buf, c->buf + off, c->len - off);
	c->len -= off;
}

static void on_connection(uv_stream_t *server, int status)
{
	struct sovd *d = server->data;
	struct sovd_client *c;

	if (status < 0) {
		log_warn("ctl: accept: %s", uv_strerror(status));
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return;
	c->d = d;
	uv_pipe_init(d->loop, &c->pipe, 0);
	c->pipe.data = c;
	d->nclients++;
	c->next = d->clients;
	d->clients = c;
	if (uv_accept(server, (uv_stream_t *)&c->pipe) < 0 ||
	    d->nclients > MAX_CLIENTS) {
		if (d->nclients > MAX_CLIENTS)
			log_warn("ctl: more than %d clients; refusing one", MAX_CLIENTS);
		drop(c);
		return;
	}
	uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read);
}

int sovd_ctl_start(struct sovd *d)
{
	int ret;

	uv_pipe_init(d->loop, &d->server, 0);
	d->server.data = d;
	unlink(d->ctl_path);	/* stale: we hold the instance lock */
	ret = uv_pipe_bind(&d->server, d->ctl_path);
	if (ret) {
		log_err("cannot bind %s: %s", d->ctl_path, uv_strerror(ret));
		return ret;
	}
	/* the socket is the daemon's admin interface: root only */
	if (chmod(d->ctl_path, 0600))
		log_warn("chmod %s: %s", d->ctl_path, strerror(errno));
	ret = uv_listen((uv_stream_t *)&d->server, 16, on_connection);
	if (ret) {
		log_err("cannot listen on %s: %s", d->ctl_path, uv_strerror(ret));
		return ret;
	}
	log_info("listening on %s", d->ctl_path);
	return 0;
}

static void close_client(uv_handle_t *h, void *arg)
{
	struct sovd *d = arg;

	if (h->type == UV_NAMED_PIPE && h != (uv_handle_t *)&d->server)
		drop(h->data);
}

void sovd_ctl_stop(struct sovd *d)
{
	uv_walk(d->loop, close_client, d);
	if (!uv_is_closing((uv_handle_t *)&d->server))
		uv_close((uv_handle_t *)&d->server, NULL);
	unlink(d->ctl_path);
}
