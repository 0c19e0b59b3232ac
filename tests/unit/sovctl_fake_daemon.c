// SPDX-License-Identifier: GPL-2.0
/*
 * The fake sovereignds of the sovctl trace tests (sovctl_fake_daemon.h):
 * the spans and traces they hold, the replies they build and the thread
 * that serves their sockets.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../lib/trace/trace.h"
#include "../../tools/sovctl/profile.h"
#include "sovctl_fake_daemon.h"

/* ---- what the fakes hold ---- */

/* node 1: the request and its Raft proposal */
static const struct fspan spans_a[] = {
	{ 0xa1, 0, "ctl.kv-put", TRACE_STATUS_OK, NULL, 0, 5 * MS, 1, "op", "put", "bytes", 512 },
	{ 0xa2, 0xa1, "raft.propose", TRACE_STATUS_OK, NULL, 100 * US, 3900 * US, 1, NULL, NULL,
	  "raft.index", 42 },
	{ 0xa3, 0xa1, "kv.apply", TRACE_STATUS_UNSET, NULL, 4500 * US, 400 * US, 1, "key",
	  "a b", NULL, 0 },
	{ 0xa5, 0xa2, "raft.wait", TRACE_STATUS_OK, NULL, 200 * US, 2800 * US, 1, NULL, NULL,
	  NULL, 0 },
};

/* node 2: the follower's append (under node 1's proposal), a call from elsewhere */
static const struct fspan spans_b[] = {
	{ 0xb4, 0xa2, "raft.append", TRACE_STATUS_ERROR, "disk full", 1 * MS, 1 * MS, 2, NULL,
	  NULL, NULL, 0 },
	{ 0xb6, 0xdeadbeef, "peer.recv", TRACE_STATUS_OK, NULL, 1500 * US, 850, 2, NULL, NULL,
	  NULL, 0 },
};

/* node 1 again, through another daemon: a copy must not show twice */
static const struct fspan spans_c[] = {
	{ 0xa2, 0xa1, "raft.propose", TRACE_STATUS_OK, NULL, 100 * US, 3900 * US, 1, NULL, NULL,
	  "raft.index", 42 },
};

static const struct ftrace list_a[] = {
	{ "00000000000000000000000000000bad", "lb.health", 1, 0, 0, T0 - 1000 * MS, 800 },
	{ T_HEX, "ctl.kv-put", 4, TRACE_KEEP_SAMPLED, 0, T0, 5 * MS },
};

static const struct ftrace list_b[] = {
	{ T_HEX, "raft.append", 2, TRACE_KEEP_ERROR, 1, T0 + 1 * MS, 1 * MS },
	{ "ffffffffffffffffffffffffffffffff", "raft.heartbeat", 3, TRACE_KEEP_SLOW, 0,
	  T0 + 2000 * MS, 1500 * MS },
};

/* ---- fake daemons ---- */

struct fake fakes[NFAKE];
char gone[128];
static char dir[64];
static pthread_t server;
static int stop_pipe[2];

struct conn {
	int fd;
	struct fake *f;
	size_t len;
	unsigned char buf[SOV_NL_BUFSZ];
};

static void send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

static struct nlmsghdr *hdr(void *buf, const struct nlmsghdr *req, uint8_t cmd, bool multi)
{
	return sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, cmd, SOV_GENL_VERSION,
			      multi ? NLM_F_MULTI : 0, req->nlmsg_seq);
}

static void put_id(struct nlmsghdr *nlh, const char *hex)
{
	struct trace_id id;
	uint8_t b[16];
	unsigned int i;

	assert_int_equal(trace_id_parse(&id, hex, 32), 0);
	for (i = 0; i < 8; i++) {
		b[i] = (uint8_t)(id.hi >> (56 - 8 * i));
		b[8 + i] = (uint8_t)(id.lo >> (56 - 8 * i));
	}
	mnl_attr_put(nlh, SOV_A_TRACE_ID, sizeof(b), b);
}

static void counter(struct nlmsghdr *nlh, const char *name, uint64_t v)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, SOV_A_TRACE_COUNTER);

	mnl_attr_put_strz(nlh, SOV_A_TRACE_COUNTER_NAME, name);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_COUNTER_VALUE, v);
	mnl_attr_nest_end(nlh, n);
}

static void put_span(struct nlmsghdr *nlh, const struct fspan *s)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, SOV_A_TRACE_SPAN), *a;

	mnl_attr_put_u64(nlh, SOV_A_TRACE_SPAN_ID, s->id);
	if (s->parent)
		mnl_attr_put_u64(nlh, SOV_A_TRACE_SPAN_PARENT, s->parent);
	mnl_attr_put_strz(nlh, SOV_A_TRACE_SPAN_NAME, s->name);
	mnl_attr_put_u8(nlh, SOV_A_TRACE_SPAN_KIND, s->parent ? TRACE_KIND_INTERNAL :
			TRACE_KIND_SERVER);
	mnl_attr_put_u8(nlh, SOV_A_TRACE_SPAN_STATUS, s->status);
	if (s->msg)
		mnl_attr_put_strz(nlh, SOV_A_TRACE_SPAN_STATUS_MSG, s->msg);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_SPAN_START_NS, T0 + s->start);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_SPAN_END_NS, T0 + s->start + s->dur);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_SPAN_NODE, s->node);
	mnl_attr_put_u8(nlh, SOV_A_TRACE_SPAN_FLAGS, TRACE_FLAG_SAMPLED | TRACE_FLAG_RANDOM);
	if (s->skey) {
		a = mnl_attr_nest_start(nlh, SOV_A_TRACE_SPAN_ATTR);
		mnl_attr_put_strz(nlh, SOV_A_TRACE_ATTR_KEY, s->skey);
		mnl_attr_put_strz(nlh, SOV_A_TRACE_ATTR_STR, s->sval);
		mnl_attr_nest_end(nlh, a);
	}
	if (s->ikey) {
		a = mnl_attr_nest_start(nlh, SOV_A_TRACE_SPAN_ATTR);
		mnl_attr_put_strz(nlh, SOV_A_TRACE_ATTR_KEY, s->ikey);
		mnl_attr_put_u64(nlh, SOV_A_TRACE_ATTR_INT, (uint64_t)s->ival);
		mnl_attr_nest_end(nlh, a);
	}
	mnl_attr_put_u32(nlh, SOV_A_TRACE_SPAN_MAX + 5, 1);	/* from a newer daemon */
	mnl_attr_nest_end(nlh, n);
}

static void opstat(const struct nlmsghdr *req, int fd, const char *name, bool kernel)
{
	static unsigned char buf[4096];
	struct nlmsghdr *nlh = hdr(buf, req, SOV_CMD_TRACE_LATENCY_GET, true);
	struct nlattr *n = mnl_attr_nest_start(nlh, SOV_A_TRACE_OPSTAT);

	mnl_attr_put_strz(nlh, SOV_A_TRACE_OP_NAME, name);
	mnl_attr_put_u8(nlh, SOV_A_TRACE_OP_SOURCE, kernel ? SOV_TRACE_SOURCE_KERNEL :
			SOV_TRACE_SOURCE_DAEMON);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_COUNT, kernel ? 99 : 1234);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_MIN_NS, 800);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_MAX_NS, kernel ? 2 * MS : 2500 * MS);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_MEAN_NS, 1100 * US);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_P50_NS, kernel ? 850 : 1200 * US);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_P90_NS, 3 * MS);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_P99_NS, 45600 * US);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_P999_NS, 123 * MS);
	if (!kernel) {
		mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_PROB_PPB, 250000000);
		mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_RATE_MILLI, 10000);
		mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_OBSERVED_MILLI, 9875);
	}
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_DECISIONS, 1000);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_SAMPLED, 250);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_ERRORS, 3);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_KEPT_ERROR, 2);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_OP_KEPT_SLOW, 1);
	mnl_attr_nest_end(nlh, n);
	send_all(fd, nlh, nlh->nlmsg_len);
}

static void ack(int fd, const struct nlmsghdr *req, int error, const char *msg)
{
	unsigned char buf[512];

	send_all(fd, buf, sov_nl_put_error(buf, sizeof(buf), req, error, msg));
}

static void done(int fd, const struct nlmsghdr *req)
{
	unsigned char buf[64];

	send_all(fd, buf, sov_nl_put_done(buf, req, 0));
}

static void handle(struct conn *c, const struct nlmsghdr *req)
{
	static unsigned char buf[SOV_NL_BUFSZ];
	const struct genlmsghdr *gh = mnl_nlmsg_get_payload(req);
	const struct nlattr *a;
	struct fake *f = c->f;
	struct nlmsghdr *nlh;
	const char *only = NULL;
	uint8_t cmd = gh->cmd;
	size_t i;

	if (cmd >= CMDS || req->nlmsg_len > sizeof(f->req[0])) {
		ack(c->fd, req, -EINVAL, "fake: what is that?");
		return;
	}
	memcpy(f->req[cmd], req, req->nlmsg_len);
	f->calls[cmd]++;
	if (f->error[cmd]) {
		ack(c->fd, req, f->error[cmd], f->msg);
		return;
	}
	switch (cmd) {
	case SOV_CMD_TRACE_STATUS_GET:
		nlh = hdr(buf, req, cmd, false);
		mnl_attr_put_u64(nlh, SOV_A_TRACE_NODE, 7);
		counter(nlh, "store.traces", 12);
		counter(nlh, "recorder.recorded", 1000);
		counter(nlh, "store.evicted", 3);
		counter(nlh, "sampler.decisions", 50);
		counter(nlh, "stray", 1);
		send_all(c->fd, nlh, nlh->nlmsg_len);
		break;
	case SOV_CMD_TRACE_LIST:
		for (i = 0; i < f->nlist; i++) {
			nlh = hdr(buf, req, cmd, true);
			put_id(nlh, f->list[i].hex);
			mnl_attr_put_strz(nlh, SOV_A_TRACE_ROOT, f->list[i].root);
			mnl_attr_put_u32(nlh, SOV_A_TRACE_SPANS, f->list[i].spans);
			mnl_attr_put_u64(nlh, SOV_A_TRACE_START_NS, f->list[i].start);
			mnl_attr_put_u64(nlh, SOV_A_TRACE_DURATION_NS, f->list[i].dur);
			mnl_attr_put_u32(nlh, SOV_A_TRACE_KEEP, f->list[i].keep);
			mnl_attr_put_u32(nlh, SOV_A_TRACE_ERRORS, f->list[i].errors);
			send_all(c->fd, nlh, nlh->nlmsg_len);
		}
		done(c->fd, req);
		return;
	case SOV_CMD_TRACE_GET:
		if (!f->nspans) {
			ack(c->fd, req, -ENOENT, "trace " T_HEX " is not held here");
			return;
		}
		for (i = 0; i < f->nspans; i++) {
			nlh = hdr(buf, req, cmd, true);
			put_id(nlh, T_HEX);
			put_span(nlh, &f->spans[i]);
			send_all(c->fd, nlh, nlh->nlmsg_len);
		}
		done(c->fd, req);
		return;
	case SOV_CMD_TRACE_LATENCY_GET:
		mnl_attr_for_each(a, req, sizeof(*gh))
			if (mnl_attr_get_type(a) == SOV_A_TRACE_OP)
				only = mnl_attr_get_str(a);
		if (!only || !strcmp(only, "ctl.kv-put"))
			opstat(req, c->fd, "ctl.kv-put", false);
		if (!only || !strcmp(only, "sys.read"))
			opstat(req, c->fd, "sys.read", true);
		done(c->fd, req);
		return;
	case SOV_CMD_TRACE_SAMPLE_SET:
		break;
	case SOV_CMD_TRACE_EXPORT:
		nlh = hdr(buf, req, cmd, false);
		mnl_attr_put_u64(nlh, SOV_A_TRACE_EXPORTED, 7);
		send_all(c->fd, nlh, nlh->nlmsg_len);
		break;
	default:
		ack(c->fd, req, -EOPNOTSUPP, "fake: not a trace command");
		return;
	}
	ack(c->fd, req, 0, NULL);
}

/* Read what @c sent; false when it is gone. */
static bool serve_conn(struct conn *c)
{
	ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);

	if (n <= 0)
		return false;
	c->len += (size_t)n;
	for (;;) {
		ssize_t flen = sov_frame_len(c->buf, c->len);

		if (flen <= 0)
			return flen == 0;
		handle(c, (const struct nlmsghdr *)c->buf);
		memmove(c->buf, c->buf + flen, c->len - (size_t)flen);
		c->len -= (size_t)flen;
	}
}

#define MAX_CONNS 16

static void *serve(void *arg)
{
	struct conn *conns[MAX_CONNS] = { NULL };
	unsigned int i;

	(void)arg;
	for (;;) {
		struct pollfd p[1 + NFAKE + MAX_CONNS];
		unsigned int n = 0;

		p[n++] = (struct pollfd){ .fd = stop_pipe[0], .events = POLLIN };
		for (i = 0; i < NFAKE; i++)
			p[n++] = (struct pollfd){ .fd = fakes[i].lfd, .events = POLLIN };
		for (i = 0; i < MAX_CONNS; i++)
			p[n++] = (struct pollfd){ .fd = conns[i] ? conns[i]->fd : -1,
						  .events = POLLIN };
		if (poll(p, n, -1) < 0)
			continue;
		if (p[0].revents)
			break;
		for (i = 0; i < NFAKE; i++) {
			unsigned int k;
			int fd;

			if (!p[1 + i].revents)
				continue;
			fd = accept(fakes[i].lfd, NULL, NULL);
			for (k = 0; k < MAX_CONNS && conns[k]; k++)
				;
			if (fd < 0 || k == MAX_CONNS) {
				if (fd >= 0)
					close(fd);
				continue;
			}
			conns[k] = calloc(1, sizeof(*conns[k]));
			conns[k]->fd = fd;
			conns[k]->f = &fakes[i];
		}
		for (i = 0; i < MAX_CONNS; i++) {
			if (!conns[i] || !p[1 + NFAKE + i].revents)
				continue;
			if (!serve_conn(conns[i])) {
				close(conns[i]->fd);
				free(conns[i]);
				conns[i] = NULL;
			}
		}
	}
	for (i = 0; i < MAX_CONNS; i++)
		if (conns[i]) {
			close(conns[i]->fd);
			free(conns[i]);
		}
	return NULL;
}

int fake_daemons_setup(void **state)
{
	static const char *const names[NFAKE] = { "a", "b", "c", "d" };
	unsigned int i;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/sovctl-trace-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(gone, sizeof(gone), "%s/gone.sock", dir);
	for (i = 0; i < NFAKE; i++) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		struct fake *f = &fakes[i];

		snprintf(f->path, sizeof(f->path), "%s/%s.sock", dir, names[i]);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
		f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
		    listen(f->lfd, 8))
			return -1;
	}
	if (pipe(stop_pipe))
		return -1;
	return pthread_create(&server, NULL, serve, NULL) ? -1 : 0;
}

int fake_daemons_teardown(void **state)
{
	unsigned int i;

	(void)state;
	if (write(stop_pipe[1], "x", 1) != 1)
		return -1;
	pthread_join(server, NULL);
	close(stop_pipe[0]);
	close(stop_pipe[1]);
	for (i = 0; i < NFAKE; i++) {
		close(fakes[i].lfd);
		unlink(fakes[i].path);
	}
	rmdir(dir);
	return 0;
}

int fake_daemons_reset(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < NFAKE; i++) {
		struct fake *f = &fakes[i];

		memset(f->error, 0, sizeof(f->error));
		memset(f->calls, 0, sizeof(f->calls));
		memset(f->req, 0, sizeof(f->req));
		f->msg = NULL;
		f->spans = NULL;
		f->nspans = 0;
		f->list = NULL;
		f->nlist = 0;
	}
	A->spans = spans_a;
	A->nspans = sizeof(spans_a) / sizeof(spans_a[0]);
	A->list = list_a;
	A->nlist = sizeof(list_a) / sizeof(list_a[0]);
	B->spans = spans_b;
	B->nspans = sizeof(spans_b) / sizeof(spans_b[0]);
	B->list = list_b;
	B->nlist = sizeof(list_b) / sizeof(list_b[0]);
	C->spans = spans_c;
	C->nspans = 1;
	profile_io_override = NULL;
	return 0;
}

void req_attrs(const struct fake *f, uint8_t cmd, const struct nlattr **tb)
{
	const struct nlmsghdr *nlh = (const void *)f->req[cmd];
	struct sov_nl_err e;

	assert_true(f->calls[cmd] > 0);
	assert_int_equal(sov_nl_parse(nlh, tb, SOV_A_TRACE_MAX, NULL, &e), 0);
}

unsigned int total_calls(void)
{
	unsigned int i, c, n = 0;

	for (i = 0; i < NFAKE; i++)
		for (c = 0; c < CMDS; c++)
			n += fakes[i].calls[c];
	return n;
}
