// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl trace against fake sovereignds: unix sockets served by a thread
 * of this test, answering SOV_CMD_TRACE_* as uapi/linux/sovereign_trace.h
 * says and keeping each request. Covers every verb's request, the text
 * and JSON of status, list, show and latency, the span tree (order,
 * remote parents), a trace merged from several daemons, the refusals made
 * before anything is sent, and the trace context --trace / --traceparent
 * put on requests to the daemon (and not on those to the module).
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
#include <json-c/json.h>

#include "../../lib/trace/trace.h"
#include "../../tools/sovctl/profile.h"
#include "../../tools/sovctl/trace.h"
#include "json_check.h"
#include "sovctl_run.h"

#define T_HEX	"4bf92f3577b34da6a3ce929d0e0e4736"
#define T0	1764086531123456789ULL		/* 2025-11-25T16:02:11.123Z */
#define US	1000ULL
#define MS	1000000ULL

/* ---- what the fakes hold ---- */

struct fspan {
	uint64_t id, parent;
	const char *name;
	uint8_t status;
	const char *msg;
	uint64_t start, dur;		/* from T0 */
	uint64_t node;
	const char *skey, *sval;	/* a string attribute, or none */
	const char *ikey;		/* an integer attribute, or none */
	int64_t ival;
};

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

/* a daemon's bug: two spans each the other's parent */
static const struct fspan spans_cycle[] = {
	{ 0xc1, 0xc2, "ping", TRACE_STATUS_OK, NULL, 0, 1 * MS, 3, NULL, NULL, NULL, 0 },
	{ 0xc2, 0xc1, "pong", TRACE_STATUS_ERROR, NULL, 100 * US, 1 * MS, 3, NULL, NULL, NULL, 0 },
};

struct ftrace {
	const char *hex, *root;
	uint32_t spans, keep, errors;
	uint64_t start, dur;
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

#define NFAKE	4
#define CMDS	(SOV_CMD_MAX + 1)

static struct fake {
	char path[108];
	int lfd;
	const struct fspan *spans;	/* of T; none: ENOENT */
	size_t nspans;
	const struct ftrace *list;
	size_t nlist;
	int error[CMDS];		/* refuse with -errno */
	const char *msg;		/* and this message */
	unsigned char req[CMDS][4096];	/* the last request of each command */
	unsigned int calls[CMDS];
} fakes[NFAKE];

static char dir[64];
static char gone[128];			/* a socket nobody listens on */
static pthread_t server;
static int stop_pipe[2];

#define A (&fakes[0])
#define B (&fakes[1])
#define C (&fakes[2])
#define D (&fakes[3])

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

static int setup(void **state)
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

static int teardown(void **state)
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

/* Before each test: A and B hold their parts of T, C a copy, D nothing. */
static int reset(void **state)
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

/* The attributes of @f's last request of @cmd, the trace context aside. */
static void req_attrs(const struct fake *f, uint8_t cmd, const struct nlattr **tb)
{
	const struct nlmsghdr *nlh = (const void *)f->req[cmd];
	struct sov_nl_err e;

	assert_true(f->calls[cmd] > 0);
	assert_int_equal(sov_nl_parse(nlh, tb, SOV_A_TRACE_MAX, NULL, &e), 0);
}

static unsigned int total_calls(void)
{
	unsigned int i, c, n = 0;

	for (i = 0; i < NFAKE; i++)
		for (c = 0; c < CMDS; c++)
			n += fakes[i].calls[c];
	return n;
}

/* ---- the verbs: requests and output ---- */

static void test_status(void **state)
{
	struct json_object *o, *g, *v;

	(void)state;
	assert_int_equal(run("-s", A->path, "trace", "status", NULL), EXIT_OK);
	assert_string_equal(out,
			    "tracing on node 7\n"
			    "  store     traces 12, evicted 3\n"
			    "  recorder  recorded 1000\n"
			    "  sampler   decisions 50\n"
			    "  other     stray 1\n");
	assert_string_equal(err, "");
	/* the request is the bare command */
	assert_int_equal(((struct nlmsghdr *)A->req[SOV_CMD_TRACE_STATUS_GET])->nlmsg_len,
			 NLMSG_HDRLEN + GENL_HDRLEN);

	assert_int_equal(run("-s", A->path, "trace", "status", "-j", NULL), EXIT_OK);
	o = parse_json(out);
	assert_int_equal(jint(o, "node"), 7);
	assert_true(json_object_object_get_ex(o, "counters", &v));
	assert_true(json_object_object_get_ex(v, "store", &g));
	assert_int_equal(jint(g, "traces"), 12);
	assert_int_equal(jint(g, "evicted"), 3);
	assert_true(json_object_object_get_ex(v, "other", &g));
	assert_int_equal(jint(g, "stray"), 1);
	json_object_put(o);
}

static void test_list(void **state)
{
	struct json_object *o, *arr, *e, *names;

	(void)state;
	assert_int_equal(run("-s", A->path, "trace", "list", NULL), EXIT_OK);
	assert_string_equal(out,
			    "TRACE                             START                      DURATION  SPANS  ERRORS  KEEP                 ROOT\n"
			    "00000000000000000000000000000bad  2025-11-25T16:02:10.123Z      800ns      1       0  undecided            lb.health\n"
			    T_HEX "  2025-11-25T16:02:11.123Z     5.00ms      4       0  sampled              ctl.kv-put\n");
	assert_true(A->req[SOV_CMD_TRACE_LIST][6] & (NLM_F_DUMP >> 8));

	/* two daemons: one row per trace, their parts added up */
	assert_int_equal(run("trace", "list", "--from", A->path, "--from=" "", NULL), EXIT_USAGE);
	assert_int_equal(run("-j", "trace", "list", "--from", A->path, "--from", B->path, NULL),
			 EXIT_OK);
	o = parse_json(out);
	assert_true(json_object_object_get_ex(o, "traces", &arr));
	assert_int_equal(json_object_array_length(arr), 3);
	e = json_object_array_get_idx(arr, 1);
	assert_string_equal(jstr(e, "trace_id"), T_HEX);
	assert_string_equal(jstr(e, "root"), "ctl.kv-put");
	assert_int_equal(jint(e, "spans"), 6);
	assert_int_equal(jint(e, "errors"), 1);
	assert_int_equal(jint(e, "keep"), TRACE_KEEP_SAMPLED | TRACE_KEEP_ERROR);
	assert_true(json_object_object_get_ex(e, "keep_names", &names));
	assert_int_equal(json_object_array_length(names), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(names, 1)), "error");
	assert_int_equal(jint(e, "start_ns"), (int64_t)T0);
	assert_int_equal(jint(e, "duration_ns"), 5 * MS);
	assert_int_equal(jint(e, "daemons"), 2);
	e = json_object_array_get_idx(arr, 2);
	assert_string_equal(jstr(e, "trace_id"), "ffffffffffffffffffffffffffffffff");
	assert_int_equal(jint(e, "daemons"), 1);
	json_object_put(o);
	assert_int_equal(A->calls[SOV_CMD_TRACE_LIST], 2);	/* -s A, then --from A */
	assert_int_equal(B->calls[SOV_CMD_TRACE_LIST], 1);

	assert_int_equal(run("-s", D->path, "trace", "list", NULL), EXIT_OK);
	assert_string_equal(out, "no traces held\n");
}

static const char show_a[] =
	"trace " T_HEX ": 4 spans on 1 node, 5.00ms, 0 errors\n"
	"SPAN            NODE  DURATION     OFFSET  STATUS\n"
	"ctl.kv-put      1       5.00ms       +0ns  ok  op=put  bytes=512\n"
	"  raft.propose  1       3.90ms     +100µs  ok  raft.index=42\n"
	"    raft.wait   1       2.80ms     +200µs  ok\n"
	"  kv.apply      1        400µs    +4.50ms  -  key=\"a b\"\n";

static void test_show_one(void **state)
{
	const struct nlattr *tb[SOV_A_TRACE_MAX + 1];

	(void)state;
	assert_int_equal(run("-s", A->path, "trace", "show", T_HEX, NULL), EXIT_OK);
	assert_string_equal(out, show_a);
	assert_string_equal(err, "");
	req_attrs(A, SOV_CMD_TRACE_GET, tb);
	assert_non_null(tb[SOV_A_TRACE_ID]);
	assert_int_equal(mnl_attr_get_payload_len(tb[SOV_A_TRACE_ID]), 16);
	assert_memory_equal(mnl_attr_get_payload(tb[SOV_A_TRACE_ID]),
			    "\x4b\xf9\x2f\x35\x77\xb3\x4d\xa6\xa3\xce\x92\x9d\x0e\x0e\x47\x36", 16);
	assert_true(A->req[SOV_CMD_TRACE_GET][6] & (NLM_F_DUMP >> 8));

	/* B alone: both spans' parents are elsewhere */
	assert_int_equal(run("-s", B->path, "trace", "show", T_HEX, NULL), EXIT_OK);
	assert_string_equal(out,
			    "trace " T_HEX ": 2 spans on 1 node, 1.00ms, 1 error\n"
			    "SPAN         NODE  DURATION     OFFSET  STATUS\n"
			    "raft.append  2       1.00ms       +0ns  ERROR: disk full  (remote parent 00000000000000a2)\n"
			    "peer.recv    2        850ns     +500µs  ok  (remote parent 00000000deadbeef)\n");

	/* a cycle is broken where it starts, and said to be one */
	D->spans = spans_cycle;
	D->nspans = 2;
	assert_int_equal(run("-s", D->path, "trace", "show", T_HEX, NULL), EXIT_OK);
	assert_string_equal(out,
			    "trace " T_HEX ": 2 spans on 1 node, 1.10ms, 1 error\n"
			    "SPAN    NODE  DURATION     OFFSET  STATUS\n"
			    "ping    3       1.00ms       +0ns  ok  (parent 00000000000000c2: a cycle)\n"
			    "  pong  3       1.00ms     +100µs  ERROR\n");
	D->nspans = 0;

	/* one daemon that does not hold it: its own words */
	assert_int_equal(run("-s", D->path, "trace", "show", T_HEX, NULL), EXIT_FAIL);
	assert_string_equal(err, "Error: trace show: trace " T_HEX " is not held here\n");
	assert_string_equal(out, "");
}

static void test_show_merged(void **state)
{
	struct json_object *o, *arr, *s, *v, *attrs;
	static const char *const order[] = {
		"ctl.kv-put", "raft.propose", "raft.wait", "raft.append", "kv.apply", "peer.recv",
	};
	static const int depth[] = { 0, 1, 2, 2, 1, 0 };
	unsigned int i;

	(void)state;
	/* A and B hold parts, C a copy of one of A's, D nothing: skipped */
	assert_int_equal(run("trace", "show", T_HEX, "--from", A->path, "--from", B->path,
			     "--from", C->path, "--from", D->path, NULL), EXIT_OK);
	assert_string_equal(out,
			    "trace " T_HEX ": 6 spans on 2 nodes, 5.00ms, 1 error (from 3 daemons)\n"
			    "SPAN             NODE  DURATION     OFFSET  STATUS\n"
			    "ctl.kv-put       1       5.00ms       +0ns  ok  op=put  bytes=512\n"
			    "  raft.propose   1       3.90ms     +100µs  ok  raft.index=42\n"
			    "    raft.wait    1       2.80ms     +200µs  ok\n"
			    "    raft.append  2       1.00ms    +1.00ms  ERROR: disk full\n"
			    "  kv.apply       1        400µs    +4.50ms  -  key=\"a b\"\n"
			    "peer.recv        2        850ns    +1.50ms  ok  (remote parent 00000000deadbeef)\n");
	assert_string_equal(err, "");
	for (i = 0; i < NFAKE; i++)
		assert_int_equal(fakes[i].calls[SOV_CMD_TRACE_GET], 1);

	assert_int_equal(run("-j", "trace", "show", T_HEX, "--from", B->path, "--from", A->path,
			     NULL), EXIT_OK);
	o = parse_json(out);
	assert_string_equal(jstr(o, "trace_id"), T_HEX);
	assert_int_equal(jint(o, "span_count"), 6);
	assert_int_equal(jint(o, "nodes"), 2);
	assert_int_equal(jint(o, "errors"), 1);
	assert_int_equal(jint(o, "start_ns"), (int64_t)T0);
	assert_int_equal(jint(o, "duration_ns"), 5 * MS);
	assert_true(json_object_object_get_ex(o, "from", &arr));
	assert_int_equal(json_object_array_length(arr), 2);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(arr, 0)), B->path);
	assert_true(json_object_object_get_ex(o, "spans", &arr));
	assert_int_equal(json_object_array_length(arr), 6);
	for (i = 0; i < 6; i++) {
		s = json_object_array_get_idx(arr, i);
		assert_string_equal(jstr(s, "name"), order[i]);
		assert_int_equal(jint(s, "depth"), depth[i]);
		assert_true(json_object_object_get_ex(s, "orphan", &v));
		assert_int_equal(json_object_get_boolean(v), i == 5);
	}
	s = json_object_array_get_idx(arr, 0);
	assert_string_equal(jstr(s, "span_id"), "00000000000000a1");
	assert_true(json_object_object_get_ex(s, "parent_id", &v));
	assert_null(v);
	assert_int_equal(jint(s, "node"), 1);
	assert_int_equal(jint(s, "kind"), TRACE_KIND_SERVER);
	assert_true(json_object_object_get_ex(s, "attrs", &attrs));
	assert_string_equal(jstr(attrs, "op"), "put");
	assert_int_equal(jint(attrs, "bytes"), 512);
	s = json_object_array_get_idx(arr, 3);
	assert_string_equal(jstr(s, "span_id"), "00000000000000b4");
	assert_string_equal(jstr(s, "parent_id"), "00000000000000a2");
	assert_int_equal(jint(s, "status"), TRACE_STATUS_ERROR);
	assert_string_equal(jstr(s, "status_msg"), "disk full");
	assert_int_equal(jint(s, "offset_ns"), 1 * MS);
	assert_int_equal(jint(s, "duration_ns"), 1 * MS);
	assert_int_equal(jint(s, "start_ns"), (int64_t)(T0 + 1 * MS));
	assert_int_equal(jint(s, "end_ns"), (int64_t)(T0 + 2 * MS));
	json_object_put(o);

	/* nobody holds it (a socket given twice is asked once) */
	C->nspans = 0;
	assert_int_equal(run("trace", "show", T_HEX, "--from", C->path, "--from", D->path,
			     "--from", D->path, NULL), EXIT_FAIL);
	assert_string_equal(err, "Error: trace " T_HEX ": no daemon holds it\n");
	assert_string_equal(out, "");
	assert_int_equal(D->calls[SOV_CMD_TRACE_GET], 2);	/* once here, once above */
	C->nspans = 1;
	assert_int_equal(run("trace", "show", T_HEX, "--from", C->path, "--from", D->path,
			     NULL), EXIT_OK);
	has(out, ": 1 span on 1 node, 3.90ms, 0 errors\n");
	has(out, "raft.propose  1       3.90ms       +0ns  ok  raft.index=42  (remote parent 00000000000000a1)\n");

	/* one that cannot be reached is an error naming it, nothing printed */
	assert_int_equal(run("trace", "show", T_HEX, "--from", A->path, "--from", gone, NULL),
			 EXIT_FAIL);
	assert_string_equal(out, "");
	has(err, "Error: sovereignd is not running (nothing listens on ");
	has(err, gone);

	/* another refusal names the daemon */
	B->error[SOV_CMD_TRACE_GET] = -EPERM;
	B->msg = "not allowed";
	assert_int_equal(run("trace", "show", T_HEX, "--from", A->path, "--from", B->path, NULL),
			 EXIT_FAIL);
	assert_string_equal(out, "");
	has(err, "Error: trace show at ");
	has(err, "/b.sock: not allowed\n");
}

static void test_latency(void **state)
{
	const struct nlattr *tb[SOV_A_TRACE_MAX + 1];
	struct json_object *o, *arr, *e, *v;

	(void)state;
	assert_int_equal(run("-s", A->path, "trace", "latency", NULL), EXIT_OK);
	assert_string_equal(out,
			    "OP          SOURCE     COUNT       P50       P90       P99     P99.9       MAX  P            TARGET     OBSERVED\n"
			    "ctl.kv-put  daemon      1234    1.20ms    3.00ms    45.6ms     123ms     2.50s  0.25         10/s       9.875/s\n"
			    "sys.read    kernel        99     850ns    3.00ms    45.6ms     123ms    2.00ms  -            -          -\n");
	req_attrs(A, SOV_CMD_TRACE_LATENCY_GET, tb);
	assert_null(tb[SOV_A_TRACE_OP]);
	assert_true(A->req[SOV_CMD_TRACE_LATENCY_GET][6] & (NLM_F_DUMP >> 8));

	assert_int_equal(run("-s", A->path, "-j", "trace", "latency", "sys.read", NULL), EXIT_OK);
	req_attrs(A, SOV_CMD_TRACE_LATENCY_GET, tb);
	assert_string_equal(mnl_attr_get_str(tb[SOV_A_TRACE_OP]), "sys.read");
	o = parse_json(out);
	assert_true(json_object_object_get_ex(o, "ops", &arr));
	assert_int_equal(json_object_array_length(arr), 1);
	e = json_object_array_get_idx(arr, 0);
	assert_string_equal(jstr(e, "op"), "sys.read");
	assert_string_equal(jstr(e, "source"), "kernel");
	assert_int_equal(jint(e, "count"), 99);
	assert_int_equal(jint(e, "p50_ns"), 850);
	assert_int_equal(jint(e, "kept_error"), 2);
	assert_true(json_object_object_get_ex(e, "prob_ppb", &v));
	assert_null(v);
	json_object_put(o);

	assert_int_equal(run("-s", A->path, "-j", "trace", "latency", "ctl.kv-put", NULL), EXIT_OK);
	o = parse_json(out);
	assert_true(json_object_object_get_ex(o, "ops", &arr));
	e = json_object_array_get_idx(arr, 0);
	assert_int_equal(jint(e, "prob_ppb"), 250000000);
	assert_int_equal(jint(e, "rate_milli"), 10000);
	assert_int_equal(jint(e, "observed_milli"), 9875);
	assert_int_equal(jint(e, "p999_ns"), 123 * MS);
	json_object_put(o);

	assert_int_equal(run("-s", A->path, "trace", "latency", "nope", NULL), EXIT_OK);
	assert_string_equal(out, "no latency recorded for \"nope\"\n");
}

static void test_sample(void **state)
{
	static const struct {
		const char *op, *rate;
		int attr;
		uint64_t v;
	} cases[] = {
		{ NULL, "10/s", SOV_A_TRACE_RATE_MILLI, 10000 },
		{ NULL, "0.5/s", SOV_A_TRACE_RATE_MILLI, 500 },
		{ NULL, "0.001/s", SOV_A_TRACE_RATE_MILLI, 1 },
		{ "ctl.kv-put", "0.01", SOV_A_TRACE_PROB_PPB, 10000000 },
		{ NULL, "1%", SOV_A_TRACE_PROB_PPB, 10000000 },
		{ NULL, "0.5%", SOV_A_TRACE_PROB_PPB, 5000000 },
		{ NULL, "100%", SOV_A_TRACE_PROB_PPB, 1000000000 },
		{ NULL, "1", SOV_A_TRACE_PROB_PPB, 1000000000 },
		{ NULL, "0", SOV_A_TRACE_PROB_PPB, 0 },
		{ "raft.propose", "0.000000001", SOV_A_TRACE_PROB_PPB, 1 },
	};
	const struct nlattr *tb[SOV_A_TRACE_MAX + 1];
	struct json_object *o, *v;
	unsigned int i;
	int other;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].op)
			assert_int_equal(run("-s", A->path, "trace", "sample", cases[i].op,
					     cases[i].rate, NULL), EXIT_OK);
		else
			assert_int_equal(run("-s", A->path, "trace", "sample", cases[i].rate,
					     NULL), EXIT_OK);
		req_attrs(A, SOV_CMD_TRACE_SAMPLE_SET, tb);
		other = cases[i].attr == SOV_A_TRACE_PROB_PPB ? SOV_A_TRACE_RATE_MILLI :
			SOV_A_TRACE_PROB_PPB;
		assert_non_null(tb[cases[i].attr]);
		assert_int_equal(mnl_attr_get_u64(tb[cases[i].attr]), cases[i].v);
		assert_null(tb[other]);
		if (cases[i].op)
			assert_string_equal(mnl_attr_get_str(tb[SOV_A_TRACE_OP]), cases[i].op);
		else
			assert_null(tb[SOV_A_TRACE_OP]);
	}
	assert_int_equal(run("-s", A->path, "trace", "sample", "ctl.kv-put", "10/s", NULL),
			 EXIT_OK);
	assert_string_equal(out, "sampling of ctl.kv-put: adaptive, target 10 sampled spans/s\n");
	assert_int_equal(run("-s", A->path, "trace", "sample", "1%", NULL), EXIT_OK);
	assert_string_equal(out,
			    "sampling of every operation without a setting of its own: fixed probability 0.01\n");
	assert_int_equal(run("-s", A->path, "-j", "trace", "sample", "ctl.kv-put", "2.5/s", NULL),
			 EXIT_OK);
	o = parse_json(out);
	assert_string_equal(jstr(o, "op"), "ctl.kv-put");
	assert_string_equal(jstr(o, "mode"), "adaptive");
	assert_int_equal(jint(o, "rate_milli"), 2500);
	assert_true(json_object_object_get_ex(o, "prob_ppb", &v));
	assert_null(v);
	json_object_put(o);

	/* the daemon's refusal, in its words */
	A->error[SOV_CMD_TRACE_SAMPLE_SET] = -EINVAL;
	A->msg = "op \"x\": unknown operation";
	assert_int_equal(run("-s", A->path, "trace", "sample", "x", "0.1", NULL), EXIT_FAIL);
	assert_string_equal(err, "Error: trace sample: op \"x\": unknown operation\n");
}

static void test_export(void **state)
{
	const struct nlattr *tb[SOV_A_TRACE_MAX + 1];
	struct json_object *o;
	char cwd[4096], want[4200];

	(void)state;
	assert_int_equal(run("-s", A->path, "trace", "export", "/var/tmp/traces.jsonl", NULL),
			 EXIT_OK);
	assert_string_equal(out, "exported 7 traces to /var/tmp/traces.jsonl\n");
	req_attrs(A, SOV_CMD_TRACE_EXPORT, tb);
	assert_string_equal(mnl_attr_get_str(tb[SOV_A_TRACE_TARGET]), "/var/tmp/traces.jsonl");

	/* a relative path is the caller's, not the daemon's */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(want, sizeof(want), "%s/out.jsonl", cwd);
	assert_int_equal(run("-s", A->path, "trace", "export", "out.jsonl", NULL), EXIT_OK);
	req_attrs(A, SOV_CMD_TRACE_EXPORT, tb);
	assert_string_equal(mnl_attr_get_str(tb[SOV_A_TRACE_TARGET]), want);

	/* a URL goes with its port and path: OTLP/HTTP's when not given */
	assert_int_equal(run("-s", A->path, "-j", "trace", "export", "http://127.0.0.1", NULL),
			 EXIT_OK);
	req_attrs(A, SOV_CMD_TRACE_EXPORT, tb);
	assert_string_equal(mnl_attr_get_str(tb[SOV_A_TRACE_TARGET]),
			    "http://127.0.0.1:4318/v1/traces");
	o = parse_json(out);
	assert_int_equal(jint(o, "exported"), 7);
	assert_string_equal(jstr(o, "target"), "http://127.0.0.1:4318/v1/traces");
	json_object_put(o);
	assert_int_equal(run("-s", A->path, "trace", "export", "HTTP://[::1]:9000/otlp?x=1", NULL),
			 EXIT_OK);
	req_attrs(A, SOV_CMD_TRACE_EXPORT, tb);
	assert_string_equal(mnl_attr_get_str(tb[SOV_A_TRACE_TARGET]), "http://[::1]:9000/otlp?x=1");
	assert_string_equal(out, "exported 7 traces to http://[::1]:9000/otlp?x=1\n");
	assert_int_equal(run("-s", A->path, "trace", "export", "http://[fe80::1]", NULL), EXIT_OK);
	req_attrs(A, SOV_CMD_TRACE_EXPORT, tb);
	assert_string_equal(mnl_attr_get_str(tb[SOV_A_TRACE_TARGET]),
			    "http://[fe80::1]:4318/v1/traces");
}

static void test_help(void **state)
{
	(void)state;
	assert_int_equal(run("trace", "help", NULL), EXIT_OK);
	has(out, "Usage: sovctl trace status\n");
	has(out, "       sovctl trace show TRACE_ID [ --from SOCKET ]...\n");
	has(out, "       sovctl trace sample [ OP ] RATE\n");
	assert_string_equal(err, "");
	assert_int_equal(run("trace", NULL), EXIT_USAGE);
	has(err, "Usage: sovctl trace status\n");
	assert_string_equal(out, "");
	assert_int_equal(run("help", NULL), EXIT_OK);
	has(out, "  trace             sovereignd's traces");
	has(out, "--trace | --traceparent TRACEPARENT }");
}

/* ---- refusals: exact words, exit status 2, nothing sent ---- */

struct refusal {
	const char *args[6];
	const char *msg;
};

/* Each of @cases: exit status 2, its line first on stderr, nothing sent. */
static void refused(const struct refusal *cases, size_t n)
{
	char want[512];
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		const char *const *a = cases[i].args;

		ret = run("-s", A->path, a[0], a[1], a[2], a[3], a[4], a[5], NULL);
		if (ret != EXIT_USAGE)
			fail_msg("sovctl %s %s %s %s: exit %d, expected %d; stderr: %s", a[0], a[1],
				 a[2] ? a[2] : "", a[3] ? a[3] : "", ret, EXIT_USAGE, err);
		snprintf(want, sizeof(want), "Error: %s\n", cases[i].msg);
		/* some refusals add the usage after their line */
		if (strncmp(err, want, strlen(want)))
			fail_msg("sovctl %s %s %s %s:\n  got:  %s  want: %s", a[0], a[1],
				 a[2] ? a[2] : "", a[3] ? a[3] : "", err, want);
		assert_string_equal(out, "");
	}
	assert_int_equal(total_calls(), 0);
}

#define REFUSED(cases) refused(cases, sizeof(cases) / sizeof(cases[0]))

static void test_refusals_show(void **state)
{
	static const struct refusal cases[] = {
		{ { "trace", "show", "4bf92f3577b34da6" },
		  "trace show: \"4bf92f3577b34da6\" is not a trace id: expected 32 lowercase hex digits, got 16 characters" },
		{ { "trace", "show", T_HEX "00" },
		  "trace show: \"" T_HEX "00\" is not a trace id: expected 32 lowercase hex digits, got 34 characters" },
		{ { "trace", "show", "4BF92F3577B34DA6A3CE929D0E0E4736" },
		  "trace show: \"4BF92F3577B34DA6A3CE929D0E0E4736\" is not a trace id: 'B' at 2 is uppercase (trace ids are lowercase hex)" },
		{ { "trace", "show", "4bf92f3577b34da6a3ce929d0e0e473z" },
		  "trace show: \"4bf92f3577b34da6a3ce929d0e0e473z\" is not a trace id: 'z' at 32 is not a hex digit" },
		{ { "trace", "show", "00000000000000000000000000000000" },
		  "trace show: \"00000000000000000000000000000000\" is not a trace id: the all-zero id is invalid" },
		{ { "trace", "show" },
		  "'trace show' needs a trace id (32 hex digits, as \"sovctl trace list\" prints them)" },
		{ { "trace", "show", T_HEX, "again" },
		  "'trace show' takes one trace id, got an extra \"again\"" },
		{ { "trace", "show", T_HEX, "--from" }, "'trace show': --from needs a socket path" },
	};

	(void)state;
	REFUSED(cases);
}

static void test_refusals_sample(void **state)
{
	static const struct refusal cases[] = {
		{ { "trace", "sample", "-0.5" },
		  "sample: '-0.5' is not a probability in [0, 1] or a rate like 10/s" },
		{ { "trace", "sample", "2" },
		  "sample: '2' is not a probability in [0, 1] or a rate like 10/s" },
		{ { "trace", "sample", "1.01" },
		  "sample: '1.01' is not a probability in [0, 1] or a rate like 10/s" },
		{ { "trace", "sample", "10/x" },
		  "sample: '10/x': a rate is spans per second, written N/s (like 10/s or 0.5/s)" },
		{ { "trace", "sample", "abc" },
		  "sample: 'abc' is not a probability in [0, 1] or a rate like 10/s" },
		{ { "trace", "sample", "" },
		  "sample: '' is not a probability in [0, 1] or a rate like 10/s" },
		{ { "trace", "sample", "op", "-3/s" },
		  "sample: '-3/s': a rate is a number of spans per second, like 10/s or 0.5/s" },
		{ { "trace", "sample", "0/s" },
		  "sample: '0/s': the rate must be at least 0.001/s (a probability of 0 samples nothing)" },
		{ { "trace", "sample", "0.0001/s" },
		  "sample: '0.0001/s': at most 3 decimals (the daemon counts thousandths of a span per second)" },
		{ { "trace", "sample", "150%" },
		  "sample: '150%' is not a percentage in [0%, 100%]" },
		{ { "trace", "sample", "1e-3" },
		  "sample: '1e-3' is not a probability in [0, 1] or a rate like 10/s" },
		{ { "trace", "sample", "99999999999999999999/s" },
		  "sample: '99999999999999999999/s': the rate is too large" },
		{ { "trace", "sample", "1./s" },
		  "sample: '1./s': a rate is a number of spans per second, like 10/s or 0.5/s" },
		{ { "trace", "sample", ".5" },
		  "sample: '.5' is not a probability in [0, 1] or a rate like 10/s" },
		{ { "trace", "sample", "0.0000000001" },
		  "sample: '0.0000000001': at most 9 decimals in a probability (the daemon counts parts per 10^9)" },
		{ { "trace", "sample" },
		  "'trace sample' needs a rate: [OP] RATE, RATE a probability (0.01, 1%) or a target like 10/s" },
		{ { "trace", "sample", "op", "0.1", "more" },
		  "'trace sample' takes [OP] RATE, got an extra \"more\"" },
	};

	(void)state;
	REFUSED(cases);
}

static void test_refusals_words(void **state)
{
	static const struct refusal cases[] = {
		{ { "trace", "export" },
		  "'trace export' needs a target: a file (JSON lines, appended) or http://HOST[:PORT][/PATH] (OTLP/HTTP JSON; port 4318, path /v1/traces by default)" },
		{ { "trace", "export", "a", "b" }, "'trace export' takes one target, got an extra \"b\"" },
		{ { "trace", "export", "https://collector" },
		  "trace export: export url: expected http://HOST[:PORT]/PATH, got 'https://collector': the scheme must be http, not 'https'" },
		{ { "trace", "status", "now" }, "'trace status' takes no arguments, got \"now\"" },
		{ { "trace", "status", "--from", "/x" },
		  "'trace status' asks one daemon: --from is for show and list (use -s SOCKET)" },
		{ { "trace", "list", "all" },
		  "'trace list' takes no arguments but --from SOCKET, got \"all\"" },
		{ { "trace", "latency", "a", "b" },
		  "'trace latency' takes at most one operation, got an extra \"b\"" },
		{ { "trace", "help", "me" }, "'trace help' takes no arguments, got \"me\"" },
		{ { "trace", "frobnicate" },
		  "command \"frobnicate\" is unknown for 'trace', try \"sovctl trace help\"" },
		{ { "trace", "s" },
		  "command \"s\" is ambiguous for 'trace' (status, show or sample?), try \"sovctl trace help\"" },
		{ { "trace", "l" },
		  "command \"l\" is ambiguous for 'trace' (list or latency?), try \"sovctl trace help\"" },
	};

	(void)state;
	REFUSED(cases);
}

/* --traceparent: every way trace_ctx_parse() refuses one, and its neighbours */
static void test_refusals_traceparent(void **state)
{
	static const struct refusal cases[] = {
		{ { "--traceparent", "00-" T_HEX "-00f067aa0ba902b7-0", "trace", "status" },
		  "--traceparent \"00-" T_HEX "-00f067aa0ba902b7-0\": bad length (expected 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>, lowercase)" },
		{ { "--traceparent", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "trace", "status" },
		  "--traceparent \"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01\": not lowercase hex (expected 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>, lowercase)" },
		{ { "--traceparent", "00_" T_HEX "-00f067aa0ba902b7-01", "trace", "status" },
		  "--traceparent \"00_" T_HEX "-00f067aa0ba902b7-01\": '-' expected (expected 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>, lowercase)" },
		{ { "--traceparent", "ff-" T_HEX "-00f067aa0ba902b7-01", "trace", "status" },
		  "--traceparent \"ff-" T_HEX "-00f067aa0ba902b7-01\": version ff is invalid (expected 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>, lowercase)" },
		{ { "--traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "trace", "status" },
		  "--traceparent \"00-00000000000000000000000000000000-00f067aa0ba902b7-01\": all-zero trace id (expected 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>, lowercase)" },
		{ { "--traceparent", "00-" T_HEX "-0000000000000000-01", "trace", "status" },
		  "--traceparent \"00-" T_HEX "-0000000000000000-01\": all-zero parent id (expected 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>, lowercase)" },
		{ { "--traceparent", "00-" T_HEX "-00f067aa0ba902b7-01x", "trace", "status" },
		  "--traceparent \"00-" T_HEX "-00f067aa0ba902b7-01x\": trailing data after the flags (expected 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>, lowercase)" },
		{ { "--trace", "--traceparent", "00-" T_HEX "-00f067aa0ba902b7-01", "trace", "status" },
		  "--trace and --traceparent: give one of them" },
		{ { "--trace=yes", "trace", "status" }, "option '--trace' takes no value" },
	};

	(void)state;
	REFUSED(cases);
	/* the value is missing */
	assert_int_equal(run("--traceparent", NULL), EXIT_USAGE);
	has(err, "Error: option '--traceparent' needs a value: 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>\n");
}

/* ---- the trace context on requests ---- */

/* @f's last request of @cmd carries a context: decoded into @ctx. */
static bool req_ctx(const struct fake *f, uint8_t cmd, struct trace_ctx *ctx)
{
	const struct nlmsghdr *nlh = (const void *)f->req[cmd];
	const struct nlattr *a = sov_nl_trace_attr(nlh);

	if (!a)
		return false;
	assert_int_equal(mnl_attr_get_type(a), SOV_TRACE_CTX_ATTR);
	assert_int_equal(mnl_attr_get_payload_len(a), SOV_TRACE_CTX_LEN);
	assert_int_equal(trace_ctx_from_bin(ctx, mnl_attr_get_payload(a),
					    mnl_attr_get_payload_len(a)), 0);
	return true;
}

static void test_trace_context(void **state)
{
	const struct nlattr *tb[SOV_A_TRACE_MAX + 1];
	struct trace_ctx ctx, ctx2;
	char hex[33], line[64];

	(void)state;
	/* without --trace: no context */
	assert_int_equal(run("-s", A->path, "trace", "status", NULL), EXIT_OK);
	assert_false(req_ctx(A, SOV_CMD_TRACE_STATUS_GET, &ctx));
	assert_string_equal(err, "");

	/* --trace: a new sampled root, its id on stderr */
	assert_int_equal(run("--trace", "-s", A->path, "trace", "status", NULL), EXIT_OK);
	assert_true(req_ctx(A, SOV_CMD_TRACE_STATUS_GET, &ctx));
	assert_true(trace_ctx_sampled(&ctx));
	assert_true(ctx.flags & TRACE_FLAG_RANDOM);
	assert_int_equal(ctx.version, 0);
	trace_id_hex(&ctx.trace_id, hex);
	snprintf(line, sizeof(line), "trace: %s\n", hex);
	assert_string_equal(err, line);
	has(out, "tracing on node 7\n");

	/* the command's own attributes are still there, the context after them */
	assert_int_equal(run("--trace", "-s", A->path, "trace", "sample", "op", "5/s", NULL),
			 EXIT_OK);
	req_attrs(A, SOV_CMD_TRACE_SAMPLE_SET, tb);
	assert_string_equal(mnl_attr_get_str(tb[SOV_A_TRACE_OP]), "op");
	assert_int_equal(mnl_attr_get_u64(tb[SOV_A_TRACE_RATE_MILLI]), 5000);
	assert_true(req_ctx(A, SOV_CMD_TRACE_SAMPLE_SET, &ctx));

	/* --traceparent: that trace, a span of sovctl's own under the given parent */
	assert_int_equal(run("--traceparent", "00-" T_HEX "-00f067aa0ba902b7-01", "trace", "show",
			     T_HEX, "--from", A->path, "--from", B->path, NULL), EXIT_OK);
	assert_string_equal(err, "");
	assert_true(req_ctx(A, SOV_CMD_TRACE_GET, &ctx));
	assert_true(req_ctx(B, SOV_CMD_TRACE_GET, &ctx2));
	trace_id_hex(&ctx.trace_id, hex);
	assert_string_equal(hex, T_HEX);
	assert_true(trace_id_eq(&ctx.trace_id, &ctx2.trace_id));
	assert_int_equal(ctx.flags, TRACE_FLAG_SAMPLED);
	assert_true(ctx.span_id != 0x00f067aa0ba902b7ULL);
	assert_true(ctx.span_id != ctx2.span_id);	/* one client span per request */

	/* not sampled upstream: not sampled here either */
	assert_int_equal(run("--traceparent", "00-" T_HEX "-00f067aa0ba902b7-00", "-s", B->path,
			     "trace", "list", NULL), EXIT_OK);
	assert_true(req_ctx(B, SOV_CMD_TRACE_LIST, &ctx));
	assert_false(trace_ctx_sampled(&ctx));

	/* --trace with nothing sent to sovereignd: no trace to name */
	assert_int_equal(run("--trace", "trace", "sample", "2", NULL), EXIT_USAGE);
	assert_string_equal(err, "Error: sample: '2' is not a probability in [0, 1] or a rate like 10/s\n");
}

/* ---- requests to the module never carry it ---- */

static unsigned int kernel_calls, kernel_traced;

static int kernel_transact(void *ctx, struct nlmsghdr *req, sov_nl_cb cb, void *data,
			   struct sov_nl_err *e)
{
	unsigned char buf[256];
	struct nlmsghdr *nlh;

	(void)ctx;
	sov_nl_err_clear(e);
	kernel_calls++;
	kernel_traced += sov_nl_trace_attr(req) != NULL;
	nlh = sov_nl_put_hdr(buf, 0x20, SOV_CMD_PROF_GET, SOV_GENL_VERSION, 0, 0);
	mnl_attr_put_u32(nlh, SOV_A_PROF_STATE, SOV_PROF_STATE_IDLE);
	return cb(nlh, data) == MNL_CB_ERROR ? -EPROTO : 0;
}

static const struct sov_prof_io kernel_io = { .transact = kernel_transact };

static void test_kernel_untraced(void **state)
{
	(void)state;
	profile_io_override = &kernel_io;
	kernel_calls = kernel_traced = 0;
	assert_int_equal(run("--trace", "profile", "status", NULL), EXIT_OK);
	assert_true(kernel_calls > 0);
	assert_int_equal(kernel_traced, 0);
	assert_string_equal(err, "");	/* nothing went to sovereignd: no trace to name */
	kernel_calls = 0;
	assert_int_equal(run("--traceparent", "00-" T_HEX "-00f067aa0ba902b7-01", "profile",
			     "status", NULL), EXIT_OK);
	assert_true(kernel_calls > 0);
	assert_int_equal(kernel_traced, 0);
	profile_io_override = NULL;
}

/* ---- the words on their own ---- */

static void test_formats(void **state)
{
	char b[48];
	struct trace_rate r;

	(void)state;
	assert_string_equal(trace_fmt_ns(0, b, sizeof(b)), "0ns");
	assert_string_equal(trace_fmt_ns(999, b, sizeof(b)), "999ns");
	assert_string_equal(trace_fmt_ns(1000, b, sizeof(b)), "1.00µs");
	assert_string_equal(trace_fmt_ns(12345, b, sizeof(b)), "12.3µs");
	assert_string_equal(trace_fmt_ns(4560000, b, sizeof(b)), "4.56ms");
	assert_string_equal(trace_fmt_ns(1200000000, b, sizeof(b)), "1.20s");
	assert_string_equal(trace_fmt_ns(3600000000000ULL, b, sizeof(b)), "3600s");
	assert_string_equal(trace_fmt_fixed(1500, 3, b, sizeof(b)), "1.5");
	assert_string_equal(trace_fmt_fixed(1000000000, 9, b, sizeof(b)), "1");
	assert_string_equal(trace_fmt_fixed(1, 9, b, sizeof(b)), "0.000000001");
	assert_string_equal(trace_fmt_fixed(0, 3, b, sizeof(b)), "0");
	assert_string_equal(trace_fmt_time(T0, b, sizeof(b)), "2025-11-25T16:02:11.123Z");
	assert_int_equal(trace_parse_rate("12.345/s", &r), EXIT_OK);
	assert_true(r.adaptive);
	assert_int_equal(r.rate_milli, 12345);
	assert_int_equal(trace_parse_rate("0.25", &r), EXIT_OK);
	assert_false(r.adaptive);
	assert_int_equal(r.prob_ppb, 250000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
		cmocka_unit_test_setup(test_help, reset),
		cmocka_unit_test_setup(test_refusals_show, reset),
		cmocka_unit_test_setup(test_refusals_sample, reset),
		cmocka_unit_test_setup(test_refusals_words, reset),
		cmocka_unit_test_setup(test_refusals_traceparent, reset),
		cmocka_unit_test_setup(test_status, reset),
		cmocka_unit_test_setup(test_list, reset),
		cmocka_unit_test_setup(test_show_one, reset),
		cmocka_unit_test_setup(test_show_merged, reset),
		cmocka_unit_test_setup(test_latency, reset),
		cmocka_unit_test_setup(test_sample, reset),
		cmocka_unit_test_setup(test_export, reset),
		cmocka_unit_test_setup(test_trace_context, reset),
		cmocka_unit_test_setup(test_kernel_untraced, reset),
	};

	return cmocka_run_group_tests_name("sovctl_trace", tests, setup, teardown);
}
