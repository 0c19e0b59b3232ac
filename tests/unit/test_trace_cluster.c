// SPDX-License-Identifier: GPL-2.0
/*
 * Distributed tracing end to end (Documentation/trace.rst): a three-node
 * sovereignd cluster (the ASan build, BPF kernel spans on) serves one
 * replicated write that carries a trace context; every node exports its
 * spans to a local OTLP/HTTP receiver run by this test. The trace must hold
 * spans from all three nodes and from the kernel, each under the right
 * parent, and the documents must decode with OpenTelemetry's own code
 * (tests/otel/validate.js). Bad input: malformed trace contexts on the wire
 * are counted and ignored; an export target that is down costs the daemon
 * nothing but counted drops.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <json.h>

#include "../../lib/trace/trace.h"
#include "../../uapi/linux/sovereign.h"
#include "cluster_harness.h"

/* ---- an OTLP/HTTP receiver: every POST body appended as one JSON line ---- */

static struct {
	int fd;
	uint16_t port;
	char path[200];
	pthread_t thread;
	pthread_mutex_t lock;
	unsigned int posts;
	bool stop;
} rx = { .fd = -1, .lock = PTHREAD_MUTEX_INITIALIZER };

static void serve_one(int c)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
				 "Content-Length: 2\r\nConnection: close\r\n\r\n{}";
	size_t cap = 1 << 20, len = 0, body_len = 0;
	char *buf = malloc(cap + 1), *end = NULL, *cl;
	ssize_t n;
	FILE *f;

	if (!buf)
		return;
	while (len < cap) {
		n = read(c, buf + len, cap - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (!end && (end = strstr(buf, "\r\n\r\n"))) {
			cl = strcasestr(buf, "Content-Length:");
			body_len = cl ? strtoul(cl + 15, NULL, 10) : 0;
		}
		if (end && len >= (size_t)(end + 4 - buf) + body_len)
			break;
	}
	if (end && !strncmp(buf, "POST ", 5)) {
		pthread_mutex_lock(&rx.lock);
		f = fopen(rx.path, "a");
		if (f) {
			fwrite(end + 4, 1, body_len, f);
			fputc('\n', f);
			fclose(f);
		}
		rx.posts++;
		pthread_mutex_unlock(&rx.lock);
	}
	if (write(c, ok, sizeof(ok) - 1) < 0)
		fprintf(stderr, "receiver: answering failed: %s\n", strerror(errno));
	free(buf);
}

static void *rx_thread(void *arg)
{
	int c;

	(void)arg;
	while (!rx.stop) {
		c = accept(rx.fd, NULL, NULL);
		if (c < 0)
			continue;
		serve_one(c);
		close(c);
	}
	return NULL;
}

static void rx_start(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };

	snprintf(rx.path, sizeof(rx.path), "%s/otlp.jsonl", base);
	rx.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(rx.fd >= 0);
	assert_int_equal(bind(rx.fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(rx.fd, 16), 0);
	assert_int_equal(getsockname(rx.fd, (struct sockaddr *)&a, &alen), 0);
	/* accept wakes up now and then to see rx.stop */
	setsockopt(rx.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	rx.port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&rx.thread, NULL, rx_thread, NULL), 0);
}

static void rx_stop(void)
{
	if (rx.fd < 0)
		return;
	rx.stop = true;
	pthread_join(rx.thread, NULL);
	close(rx.fd);
	rx.fd = -1;
}

/* ---- requests ---- */

static int put_traced(unsigned int i, const char *key, const void *ctx, size_t ctx_len,
		      struct sov_nl_err *err)
{
	unsigned char buf[1024];
	struct nlmsghdr *nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_KV_PUT,
					      SOV_GENL_VERSION, 0, 0);

	mnl_attr_put_strz(nlh, SOV_A_CLUSTER_KV_KEY, key);
	mnl_attr_put(nlh, SOV_A_CLUSTER_KV_VALUE, 5, "value");
	if (ctx)
		mnl_attr_put(nlh, SOV_TRACE_CTX_ATTR, ctx_len, ctx);
	return request(i, nlh, NULL, NULL, err);
}

struct counters {
	const char *want;
	uint64_t value;
	bool found;
};

static int counters_cb(const struct nlmsghdr *nlh, void *data)
{
	struct counters *c = data;
	const struct nlattr *a, *b;
	const char *name;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) != SOV_A_TRACE_COUNTER)
			continue;
		name = NULL;
		mnl_attr_for_each_nested(b, a) {
			if (mnl_attr_get_type(b) == SOV_A_TRACE_COUNTER_NAME)
				name = mnl_attr_get_str(b);
			else if (mnl_attr_get_type(b) == SOV_A_TRACE_COUNTER_VALUE && name &&
				 !strcmp(name, c->want)) {
				c->value = mnl_attr_get_u64(b);
				c->found = true;
			}
		}
	}
	return MNL_CB_OK;
}

/* Counter @name of node @i's tracing; fails the test if it is not reported. */
static uint64_t counter(unsigned int i, const char *name)
{
	unsigned char buf[256];
	struct nlmsghdr *nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_TRACE_STATUS_GET,
					      SOV_GENL_VERSION, 0, 0);
	struct counters c = { .want = name };
	struct sov_nl_err err;

	assert_int_equal(request(i, nlh, counters_cb, &c, &err), 0);
	if (!c.found)
		fail_msg("node %u reports no counter %s", i, name);
	return c.value;
}

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(*(unsigned int *)data)++;
	return MNL_CB_OK;
}

/* TRACE_GET: the spans node @i holds of @id, or -errno. */
static int held_spans(unsigned int i, const struct trace_id *id)
{
	unsigned char buf[256], b[16];
	struct nlmsghdr *nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_TRACE_GET,
					      SOV_GENL_VERSION, NLM_F_DUMP, 0);
	struct sov_nl_err err;
	unsigned int n = 0;
	int k, ret;

	for (k = 0; k < 8; k++) {
		b[k] = (uint8_t)(id->hi >> (56 - 8 * k));
		b[8 + k] = (uint8_t)(id->lo >> (56 - 8 * k));
	}
	mnl_attr_put(nlh, SOV_A_TRACE_ID, sizeof(b), b);
	ret = request(i, nlh, count_cb, &n, &err);
	return ret ? ret : (int)n;
}

/* ---- the exported spans ---- */

struct xspan {
	char trace[33], id[17], parent[17], name[48];
	uint64_t node;
};

static struct xspan xs[4096];
static unsigned int nxs;

static uint64_t node_of(struct json_object *resource)
{
	struct json_object *attrs, *a, *k, *v, *iv;
	size_t i;

	if (!json_object_object_get_ex(resource, "attributes", &attrs))
		return 0;
	for (i = 0; i < json_object_array_length(attrs); i++) {
		a = json_object_array_get_idx(attrs, i);
		if (json_object_object_get_ex(a, "key", &k) &&
		    !strcmp(json_object_get_string(k), "sovereign.node.id") &&
		    json_object_object_get_ex(a, "value", &v) &&
		    json_object_object_get_ex(v, "intValue", &iv))
			return strtoull(json_object_get_string(iv), NULL, 10);
	}
	return 0;
}

/* Every span of trace @hex (NULL: of every trace) in the receiver's file, into xs[]. */
static void load_spans(const char *hex)
{
	struct json_object *doc, *rss, *rs, *res, *sss, *spans, *sp, *o;
	char *line = NULL;
	size_t cap = 0, i, j, k;
	FILE *f;

	nxs = 0;
	pthread_mutex_lock(&rx.lock);
	f = fopen(rx.path, "r");
	while (f && getline(&line, &cap, f) > 0) {
		doc = json_tokener_parse(line);
		if (!doc || !json_object_object_get_ex(doc, "resourceSpans", &rss)) {
			json_object_put(doc);
			continue;
		}
		for (i = 0; i < json_object_array_length(rss); i++) {
			rs = json_object_array_get_idx(rss, i);
			if (!json_object_object_get_ex(rs, "resource", &res) ||
			    !json_object_object_get_ex(rs, "scopeSpans", &sss))
				continue;
			for (j = 0; j < json_object_array_length(sss); j++) {
				if (!json_object_object_get_ex(json_object_array_get_idx(sss, j),
							       "spans", &spans))
					continue;
				for (k = 0; k < json_object_array_length(spans) &&
					    nxs < sizeof(xs) / sizeof(xs[0]); k++) {
					struct xspan *x = &xs[nxs];

					sp = json_object_array_get_idx(spans, k);
					if (!json_object_object_get_ex(sp, "traceId", &o) ||
					    (hex && strcmp(json_object_get_string(o), hex)))
						continue;
					memset(x, 0, sizeof(*x));
					snprintf(x->trace, sizeof(x->trace), "%s",
						 json_object_get_string(o));
					x->node = node_of(res);
					if (json_object_object_get_ex(sp, "spanId", &o))
						snprintf(x->id, sizeof(x->id), "%s",
							 json_object_get_string(o));
					if (json_object_object_get_ex(sp, "parentSpanId", &o))
						snprintf(x->parent, sizeof(x->parent), "%s",
							 json_object_get_string(o));
					if (json_object_object_get_ex(sp, "name", &o))
						snprintf(x->name, sizeof(x->name), "%s",
							 json_object_get_string(o));
					nxs++;
				}
			}
		}
		json_object_put(doc);
	}
	if (f)
		fclose(f);
	pthread_mutex_unlock(&rx.lock);
	free(line);
}

static const struct xspan *find(const char *name, uint64_t node, const char *parent)
{
	unsigned int i;

	for (i = 0; i < nxs; i++)
		if (!strcmp(xs[i].name, name) && (!node || xs[i].node == node) &&
		    (!parent || !strcmp(xs[i].parent, parent)))
			return &xs[i];
	return NULL;
}

static bool nodes_exported(const char *hex)
{
	bool seen[4] = { false };
	unsigned int i;

	load_spans(hex);
	for (i = 0; i < nxs; i++)
		if (xs[i].node >= 1 && xs[i].node <= 3)
			seen[xs[i].node] = true;
	return seen[1] && seen[2] && seen[3];
}

static void dump_spans(void)
{
	unsigned int i;

	for (i = 0; i < nxs; i++)
		print_message("# node %" PRIu64 " %s <- %s %s\n", xs[i].node, xs[i].id,
			      xs[i].parent[0] ? xs[i].parent : "(root)", xs[i].name);
}

/* ---- the tests ---- */

static char url[64];

static int setup_traced3(void **state)
{
	const char *extra[] = { "--trace-sample", "0", "--trace-kernel", "--trace-export", url,
				NULL };
	unsigned int i;

	(void)state;
	rx_start();
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/v1/traces", rx.port);
	cluster_init(3);
	for (i = 1; i <= 3; i++)
		start(i, extra);
	return wait_leader() ? 0 : -1;
}

static int teardown_traced3(void **state)
{
	teardown(state);
	rx_stop();
	return 0;
}

/* One write, one trace: spans of the three nodes and their kernels, parented. */
static void test_distributed_trace(void **state)
{
	struct trace_ctx ctx;
	uint8_t bin[TRACE_CTX_BIN_LEN];
	char hex[33], parent[17], cmd[600];
	const struct xspan *req, *prop, *sync, *app, *ap;
	struct sov_nl_err err;
	unsigned int leader, i, tries;
	int ret;

	(void)state;
	leader = wait_leader();
	assert_true(leader);
	/* head sampling is off (p = 0): the client's sampled flag decides */
	trace_ctx_new_root(&ctx, true);
	trace_ctx_to_bin(&ctx, bin);
	trace_id_hex(&ctx.trace_id, hex);
	trace_span_id_hex(ctx.span_id, parent);
	assert_int_equal(put_traced(leader, "traced", bin, sizeof(bin), &err), 0);

	for (tries = 0; tries < 100 && !nodes_exported(hex); tries++)
		usleep(100 * 1000);
	if (!nodes_exported(hex)) {
		dump_spans();
		fail_msg("trace %s: not exported by all three nodes in 10 s", hex);
	}

	req = find("ctl.kv-put", leader, parent);
	if (!req) {
		dump_spans();
		fail_msg("no ctl.kv-put span on the leader under the client's span %s", parent);
	}
	prop = find("raft.propose", leader, req->id);
	assert_non_null(prop);
	for (i = 1; i <= 3; i++) {
		const char *under = prop->id;

		if (i != leader) {
			ap = find("raft.append", i, prop->id);
			if (!ap) {
				dump_spans();
				fail_msg("node %u: no raft.append under the leader's raft.propose", i);
			}
			under = ap->id;
		}
		sync = find("raft.sync", i, under);
		app = find("raft.apply", i, under);
		if (!sync || !app) {
			dump_spans();
			fail_msg("node %u: raft.sync or raft.apply missing or misparented", i);
		}
		/* the kernel's part: the log's fdatasync, traced by BPF in the sync thread */
		if (!find("syscall:fdatasync", i, sync->id)) {
			dump_spans();
			fail_msg("node %u: no kernel span syscall:fdatasync under raft.sync", i);
		}
	}
	/* no span points at a parent outside the trace, except the client's root */
	for (i = 0; i < nxs; i++) {
		unsigned int j;
		bool found = !strcmp(xs[i].parent, parent);

		for (j = 0; j < nxs && !found; j++)
			found = !strcmp(xs[j].id, xs[i].parent);
		if (!found) {
			dump_spans();
			fail_msg("span %s (%s, node %" PRIu64 ") has a parent %s outside the trace",
				 xs[i].id, xs[i].name, xs[i].node, xs[i].parent);
		}
	}
	print_message("# trace %s: %u spans from 3 nodes\n", hex, nxs);

	/* and OpenTelemetry's own code decodes what the receiver got */
	snprintf(cmd, sizeof(cmd),
		 "m=$(scripts/otel-deps.sh 2>/dev/null) && SOV_OTEL_MODULES=$m node tests/otel/validate.js '%s' >'%s/validate.out' 2>&1",
		 rx.path, base);
	ret = system(cmd);
	if (ret) {
		snprintf(cmd, sizeof(cmd), "sed 's/^/# /' '%s/validate.out'", base);
		ret = system(cmd);
		fail_msg("tests/otel/validate.js refused the exported documents");
	}
}

/* A malformed traceparent is ignored, counted, never trusted: a new trace. */
static void test_malformed_context(void **state)
{
	struct trace_ctx ctx;
	uint8_t bin[40];
	struct sov_nl_err err;
	unsigned int leader;
	uint64_t before;

	(void)state;
	leader = wait_leader();
	assert_true(leader);
	before = counter(leader, "context.invalid");
	trace_ctx_new_root(&ctx, true);
	trace_ctx_to_bin(&ctx, bin);

	/* too short */
	assert_int_equal(put_traced(leader, "bad1", bin, 10, &err), 0);
	/* version 0 with trailing bytes */
	assert_int_equal(put_traced(leader, "bad2", bin, 30, &err), 0);
	/* version ff */
	bin[0] = 0xff;
	assert_int_equal(put_traced(leader, "bad3", bin, TRACE_CTX_BIN_LEN, &err), 0);
	/* all-zero trace id */
	memset(bin, 0, sizeof(bin));
	bin[24] = 1;
	assert_int_equal(put_traced(leader, "bad4", bin, TRACE_CTX_BIN_LEN, &err), 0);
	/* empty */
	assert_int_equal(put_traced(leader, "bad5", bin, 0, &err), 0);

	assert_int_equal(counter(leader, "context.invalid") - before, 5);
	/* the trace id of the refused context was not taken over */
	assert_int_equal(held_spans(leader, &ctx.trace_id), -ENOENT);
}

/* The trace id of the first exported span named @name, into @hex; false if none. */
static bool exported_trace_of(const char *name, char hex[33])
{
	struct json_object *doc, *rss, *sss, *spans, *sp, *o;
	bool found = false;
	char *line = NULL;
	size_t cap = 0, i, j, k;
	FILE *f;

	pthread_mutex_lock(&rx.lock);
	f = fopen(rx.path, "r");
	while (f && !found && getline(&line, &cap, f) > 0) {
		doc = json_tokener_parse(line);
		if (!doc || !json_object_object_get_ex(doc, "resourceSpans", &rss)) {
			json_object_put(doc);
			continue;
		}
		for (i = 0; !found && i < json_object_array_length(rss); i++) {
			if (!json_object_object_get_ex(json_object_array_get_idx(rss, i),
						       "scopeSpans", &sss))
				continue;
			for (j = 0; !found && j < json_object_array_length(sss); j++) {
				if (!json_object_object_get_ex(json_object_array_get_idx(sss, j),
							       "spans", &spans))
					continue;
				for (k = 0; !found && k < json_object_array_length(spans); k++) {
					sp = json_object_array_get_idx(spans, k);
					if (json_object_object_get_ex(sp, "name", &o) &&
					    !strcmp(json_object_get_string(o), name) &&
					    json_object_object_get_ex(sp, "traceId", &o)) {
						snprintf(hex, 33, "%s", json_object_get_string(o));
						found = true;
					}
				}
			}
		}
		json_object_put(doc);
	}
	if (f)
		fclose(f);
	pthread_mutex_unlock(&rx.lock);
	free(line);
	return found;
}

/* Every trace id exported so far with a span named @name, into @ids; how many. */
static unsigned int exported_traces_of(const char *name, char (*ids)[33], unsigned int max)
{
	unsigned int n = 0, i, j;

	load_spans(NULL);
	for (i = 0; i < nxs && n < max; i++) {
		if (strcmp(xs[i].name, name))
			continue;
		for (j = 0; j < n && strcmp(ids[j], xs[i].trace); j++)
			;
		if (j == n)
			snprintf(ids[n++], 33, "%s", xs[i].trace);
	}
	return n;
}

/*
 * Tail sampling, error: with head sampling off, the leader keeps a trace in
 * which a span erred. The module is not loaded on the host: the apply's
 * module.config-set fails on every node; the followers, which were given no
 * context (the trace is not head-sampled), keep nothing of it.
 */
static void test_tail_error(void **state)
{
	unsigned char buf[256];
	struct nlmsghdr *nlh;
	struct sov_nl_err err;
	unsigned int leader, tries;
	char hex[33];
	const struct xspan *req, *prop, *app;

	(void)state;
	leader = wait_leader();
	assert_true(leader);
	nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_CONFIG_SET, SOV_GENL_VERSION, 0, 0);
	mnl_attr_put_u32(nlh, SOV_A_CONFIG_LOG_LEVEL, 5);
	/* replicated and applied everywhere: the request itself succeeds */
	assert_int_equal(request(leader, nlh, NULL, NULL, &err), 0);
	for (tries = 0; tries < 100 && !exported_trace_of("module.config-set", hex); tries++)
		usleep(100 * 1000);
	if (tries == 100)
		fail_msg("no unsampled trace with a failed module.config-set was exported");
	usleep(300 * 1000);	/* what else would come, has */
	load_spans(hex);
	req = find("ctl.config-set", leader, NULL);
	if (!req) {
		dump_spans();
		fail_msg("trace %s: no ctl.config-set on the leader", hex);
	}
	assert_int_equal(req->parent[0], '\0');	/* a root: nobody sent a context */
	prop = find("raft.propose", leader, req->id);
	assert_non_null(prop);
	app = find("raft.apply", leader, prop->id);
	assert_non_null(app);
	assert_non_null(find("module.config-set", leader, app->id));
	if (nxs != 4) {
		dump_spans();
		fail_msg("trace %s: %u spans, expected the leader's 4", hex, nxs);
	}
	assert_true(counter(leader, "tail.triggered") > 0);
}

/*
 * Tail sampling, slow: a trace whose proposal is slower than the op's p99
 * is kept with the spans that ended before (its apply, held back in the
 * ring of unsampled spans until then). The followers are stopped for a
 * while to make one write slow.
 */
static void test_tail_slow(void **state)
{
	char before[64][33], after[64][33], key[16], hex[33] = "";
	unsigned int leader, i, j, nb, na, tries, f1, f2;
	const struct xspan *req, *prop;
	struct sov_nl_err err;
	pid_t waker;

	(void)state;
	leader = wait_leader();
	assert_true(leader);
	/* enough writes for the ops' p99 (the sampler wants 100) */
	for (i = 0; i < 300; i++) {
		snprintf(key, sizeof(key), "p%u", i);
		assert_int_equal(put_traced(leader, key, NULL, 0, &err), 0);
	}
	usleep(1200 * 1000);	/* a tick refreshes the p99s; the writes' traces are decided */
	nb = exported_traces_of("ctl.kv-put", before, 64);
	f1 = leader % 3 + 1;
	f2 = f1 % 3 + 1;
	kill(nodes[f1].pid, SIGSTOP);
	kill(nodes[f2].pid, SIGSTOP);
	waker = fork();
	assert_true(waker >= 0);
	if (!waker) {
		usleep(300 * 1000);
		kill(nodes[f1].pid, SIGCONT);
		kill(nodes[f2].pid, SIGCONT);
		_exit(0);
	}
	assert_int_equal(put_traced(leader, "slow", NULL, 0, &err), 0);
	waitpid(waker, NULL, 0);
	for (tries = 0; tries < 100 && !hex[0]; tries++) {
		usleep(100 * 1000);
		na = exported_traces_of("ctl.kv-put", after, 64);
		for (i = 0; i < na && !hex[0]; i++) {
			for (j = 0; j < nb && strcmp(after[i], before[j]); j++)
				;
			if (j == nb)
				snprintf(hex, sizeof(hex), "%s", after[i]);
		}
	}
	if (!hex[0])
		fail_msg("the slow write's trace was not kept");
	usleep(300 * 1000);
	load_spans(hex);
	req = find("ctl.kv-put", leader, NULL);
	assert_non_null(req);
	prop = find("raft.propose", leader, req->id);
	if (!prop || !find("raft.apply", leader, prop->id)) {
		dump_spans();
		fail_msg("trace %s: the proposal or its apply (ended before it) is missing", hex);
	}
}

/* A request of @cmd with the attributes @put adds; the error, with its message in @err. */
static int trace_cmd(unsigned int i, uint8_t cmd, uint16_t flags,
		     void (*put)(struct nlmsghdr *nlh, const void *arg), const void *arg,
		     sov_nl_cb cb, void *data, struct sov_nl_err *err)
{
	unsigned char buf[1024];
	struct nlmsghdr *nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, cmd, SOV_GENL_VERSION,
					      flags, 0);

	if (put)
		put(nlh, arg);
	return request(i, nlh, cb, data, err);
}

static void put_prob(struct nlmsghdr *nlh, const void *arg)
{
	mnl_attr_put_u64(nlh, SOV_A_TRACE_PROB_PPB, *(const uint64_t *)arg);
}

static void put_both(struct nlmsghdr *nlh, const void *arg)
{
	(void)arg;
	mnl_attr_put_u64(nlh, SOV_A_TRACE_PROB_PPB, 1);
	mnl_attr_put_u64(nlh, SOV_A_TRACE_RATE_MILLI, 1000);
}

static void put_target(struct nlmsghdr *nlh, const void *arg)
{
	mnl_attr_put_strz(nlh, SOV_A_TRACE_TARGET, arg);
}

static void put_id_bytes(struct nlmsghdr *nlh, const void *arg)
{
	const uint8_t *b = arg;

	mnl_attr_put(nlh, SOV_A_TRACE_ID, b[0], b + 1);
}

static void put_op(struct nlmsghdr *nlh, const void *arg)
{
	mnl_attr_put_strz(nlh, SOV_A_TRACE_OP, arg);
}

static int exported_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == SOV_A_TRACE_EXPORTED)
			*(uint64_t *)data = mnl_attr_get_u64(a);
	return MNL_CB_OK;
}

static void expect_refusal(int ret, const struct sov_nl_err *err, int want, const char *msg)
{
	assert_int_equal(ret, want);
	if (!strstr(err->msg, msg))
		fail_msg("refusal \"%s\" does not say \"%s\"", err->msg, msg);
}

/* The SOV_CMD_TRACE_* commands against a real daemon: served, and refused precisely. */
static void test_trace_commands(void **state)
{
	uint8_t id15[16] = { 15 }, id0[17] = { 16 };
	uint64_t p, exported = 0;
	unsigned int n = 0, leader;
	struct sov_nl_err err;
	char file[256], line[64];
	FILE *f;

	(void)state;
	leader = wait_leader();
	assert_true(leader);
	/* the traces the earlier tests left: listed, one message each */
	assert_int_equal(trace_cmd(leader, SOV_CMD_TRACE_LIST, NLM_F_DUMP, NULL, NULL, count_cb,
				   &n, &err), 0);
	assert_true(n > 0);
	n = 0;
	assert_int_equal(trace_cmd(leader, SOV_CMD_TRACE_LATENCY_GET, NLM_F_DUMP, put_op,
				   "ctl.kv-put", count_cb, &n, &err), 0);
	assert_int_equal(n, 1);
	expect_refusal(trace_cmd(leader, SOV_CMD_TRACE_LATENCY_GET, NLM_F_DUMP, put_op, "no.such",
				 count_cb, &n, &err), &err, -ENOENT,
		       "op \"no.such\": no span of that operation was seen");

	/* sampling */
	p = SOV_TRACE_PPB / 2;
	assert_int_equal(trace_cmd(leader, SOV_CMD_TRACE_SAMPLE_SET, 0, put_prob, &p, NULL, NULL,
				   &err), 0);
	p = SOV_TRACE_PPB + 1;
	expect_refusal(trace_cmd(leader, SOV_CMD_TRACE_SAMPLE_SET, 0, put_prob, &p, NULL, NULL,
				 &err), &err, -ERANGE, "PROB_PPB: 1000000001 is over 1000000000");
	expect_refusal(trace_cmd(leader, SOV_CMD_TRACE_SAMPLE_SET, 0, put_both, NULL, NULL, NULL,
				 &err), &err, -EINVAL, "exactly one of PROB_PPB");
	expect_refusal(trace_cmd(leader, SOV_CMD_TRACE_SAMPLE_SET, 0, NULL, NULL, NULL, NULL,
				 &err), &err, -EINVAL, "exactly one of PROB_PPB");
	p = 0;
	assert_int_equal(trace_cmd(leader, SOV_CMD_TRACE_SAMPLE_SET, 0, put_prob, &p, NULL, NULL,
				   &err), 0);

	/* get: the id must be 16 bytes, not zero */
	expect_refusal(trace_cmd(leader, SOV_CMD_TRACE_GET, NLM_F_DUMP, put_id_bytes, id15,
				 count_cb, &n, &err), &err, -EINVAL, "the trace id, 16 bytes");
	expect_refusal(trace_cmd(leader, SOV_CMD_TRACE_GET, NLM_F_DUMP, put_id_bytes, id0,
				 count_cb, &n, &err), &err, -EINVAL, "all-zero trace id");
	expect_refusal(trace_cmd(leader, SOV_CMD_TRACE_GET, NLM_F_DUMP, NULL, NULL, count_cb, &n,
				 &err), &err, -EINVAL, "TRACE_GET needs ID");

	/* export: to a file, and the refusals */
	snprintf(file, sizeof(file), "%s/export.jsonl", base);
	assert_int_equal(trace_cmd(leader, SOV_CMD_TRACE_EXPORT, 0, put_target, file, exported_cb,
				   &exported, &err), 0);
	assert_true(exported > 0);
	f = fopen(file, "r");
	assert_non_null(f);
	line[0] = '\0';
	for (n = 0; fgets(line, sizeof(line), f);)
		n += !strncmp(line, "{\"resourceSpans\"", 16);
	fclose(f);
	if (!n)
		fail_msg("%s: no OTLP document (%" PRIu64 " traces exported): '%s'", file,
			 exported, line);
	/* (the exporter may put several traces in one document) */
	expect_refusal(trace_cmd(leader, SOV_CMD_TRACE_EXPORT, 0, NULL, NULL, NULL, NULL, &err),
		       &err, -EINVAL, "TRACE_EXPORT needs TARGET");
	expect_refusal(trace_cmd(leader, SOV_CMD_TRACE_EXPORT, 0, put_target, "ftp://x/y", NULL,
				 NULL, &err), &err, -EINVAL, "only http:// URLs or file paths");
	expect_refusal(trace_cmd(leader, SOV_CMD_TRACE_EXPORT, 0, put_target, "http://x:99999/",
				 NULL, NULL, &err), &err, -EINVAL, "TARGET: ");
	expect_refusal(trace_cmd(leader, SOV_CMD_TRACE_EXPORT, 0, put_target,
				 "/nonexistent-dir/x.jsonl", NULL, NULL, &err), &err, -EINVAL,
		       "TARGET: ");
	/* an attribute of another command's set is refused like the kernel would */
	expect_refusal(trace_cmd(leader, SOV_CMD_TRACE_STATUS_GET, 0, put_op, "x", NULL, NULL,
				 &err), &err, -EINVAL, "attribute 3 is not taken by this command (it takes none)");
}

static int setup_down(void **state)
{
	/* a port nothing listens on: connections are refused at once */
	const char *extra[] = { "--trace-sample", "1", "--trace-export",
				"http://127.0.0.1:9/v1/traces", NULL };

	(void)state;
	cluster_init(1);
	start(1, extra);
	return wait_leader() ? 0 : -1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Export target down: bounded retries, counted drops, the daemon never waits. */
static void test_export_down(void **state)
{
	struct sov_nl_err err;
	uint64_t t0, worst = 0, dt, dropped = 0;
	unsigned int i, tries;
	char key[16];

	(void)state;
	for (i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "k%u", i);
		t0 = now_ms();
		assert_int_equal(put_traced(1, key, NULL, 0, &err), 0);
		dt = now_ms() - t0;
		if (dt > worst)
			worst = dt;
	}
	/* every write is a sampled trace to export; none waits for the collector */
	print_message("# 200 writes with the collector down: the slowest took %" PRIu64 " ms\n",
		      worst);
	assert_true(worst < 1000);
	for (tries = 0; tries < 100; tries++) {
		dropped = counter(1, "export.dropped_after_retry") +
			  counter(1, "export.dropped_queue_full");
		if (dropped && !counter(1, "export.queued_spans"))
			break;
		usleep(100 * 1000);
	}
	assert_true(dropped > 0);
	assert_true(counter(1, "export.http_errors") > 0);
	assert_true(counter(1, "export.retries") > 0);
	assert_int_equal(counter(1, "export.spans_sent"), 0);
	/* and the node still answers at once */
	t0 = now_ms();
	assert_int_equal(put_traced(1, "after", NULL, 0, &err), 0);
	assert_true(now_ms() - t0 < 1000);
}

int main(void)
{
	const struct CMUnitTest traced[] = {
		cmocka_unit_test(test_distributed_trace),
		cmocka_unit_test(test_malformed_context),
		cmocka_unit_test(test_trace_commands),
		cmocka_unit_test(test_tail_error),
		cmocka_unit_test(test_tail_slow),
	};
	const struct CMUnitTest down[] = {
		cmocka_unit_test(test_export_down),
	};
	int failed;

	if (harness_init("sovd-trace"))
		return 1;
	failed = cmocka_run_group_tests_name("trace_cluster", traced, setup_traced3,
					     teardown_traced3);
	stop_all();
	memset(nodes, 0, sizeof(nodes));
	group = "down";
	failed += cmocka_run_group_tests_name("trace_export_down", down, setup_down, teardown);
	harness_done(failed);
	return failed ? 1 : 0;
}
