// SPDX-License-Identifier: GPL-2.0
/*
 * sovereignd's peer transport (tools/sovereignd/peer.c): transports on
 * 127.0.0.1 ephemeral ports in one libuv loop. Handshake, delivery both
 * ways, reconnects with backoff, the queue bound and its drop policy, and
 * raw sockets that send garbage: each is disconnected with a logged reason
 * while the transport goes on serving.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "../../lib/raft/wire.h"
#include "../../tools/sovereignd/log.h"
#include "../../tools/sovereignd/peer.h"

static uv_loop_t loop;
static uv_timer_t deadline;
static bool timed_out;

static void on_deadline(uv_timer_t *t)
{
	(void)t;
	timed_out = true;
}

static void start_deadline(unsigned int ms)
{
	timed_out = false;
	uv_timer_start(&deadline, on_deadline, ms, 0);
}

/* Turn the loop until @cond holds; fail after @ms. */
#define RUN_UNTIL(cond, ms) do {					\
	start_deadline(ms);						\
	while (!(cond) && !timed_out)					\
		uv_run(&loop, UV_RUN_ONCE);				\
	if (!(cond))							\
		fail_msg("%s: not true after %d ms", #cond, (int)(ms));	\
} while (0)

/* Turn the loop for @ms. */
#define RUN_FOR(ms) do {						\
	start_deadline(ms);						\
	while (!timed_out)						\
		uv_run(&loop, UV_RUN_ONCE);				\
} while (0)

/* ---- nodes: a transport and what it received ------------------------------- */

struct got {
	uint8_t type;
	raft_id_t from;
	uint64_t term, ctx;
	size_t n_entries;
	uint32_t len0;		/* the first entry's length */
	uint32_t sum;		/* of every entry byte and chunk byte */
	uint32_t chunk_len;
};

struct node {
	struct sovd_peers *p;
	raft_id_t id;
	uint16_t port;
	size_t n_got;
	struct got got[256];
	bool refuse;		/* the callback refuses what arrives */
};

static int on_message(void *arg, const struct raft_msg *m, char *why, size_t whylen)
{
	struct node *n = arg;
	struct got *g;
	size_t i, j;

	if (n->refuse) {
		snprintf(why, whylen, "raft_step: entries out of order");
		return -EINVAL;
	}
	assert_true(n->n_got < 256);
	g = &n->got[n->n_got++];
	*g = (struct got){ .type = m->type, .from = m->from, .term = m->term, .ctx = m->ctx,
			   .n_entries = m->n_entries, .chunk_len = m->chunk_len };
	for (i = 0; i < m->n_entries; i++)
		for (j = 0; j < m->entries[i].len; j++)
			g->sum += m->entries[i].data[j];
	if (m->n_entries)
		g->len0 = m->entries[0].len;
	for (j = 0; j < m->chunk_len; j++)
		g->sum += m->chunk[j];
	return 0;
}

static void node_start_cfg(struct node *n, raft_id_t id, uint16_t port,
			   struct sovd_peers_config cfg)
{
	struct sockaddr_in sa;
	int err;

	memset(n, 0, sizeof(*n));
	uv_ip4_addr("127.0.0.1", port, &sa);
	if (!cfg.cluster_id)
		cfg.cluster_id = "test";
	cfg.self = id;
	cfg.listen = (const struct sockaddr *)&sa;
	cfg.on_message = on_message;
	cfg.arg = n;
	if (!cfg.backoff_min_ms)
		cfg.backoff_min_ms = 10;
	if (!cfg.backoff_max_ms)
		cfg.backoff_max_ms = 100;
	n->p = sovd_peers_new(&loop, &cfg, &err);
	assert_non_null(n->p);
	assert_int_equal(err, 0);
	n->id = id;
	n->port = sovd_peers_port(n->p);
	assert_true(n->port > 0);
}

static void node_start(struct node *n, raft_id_t id, uint16_t port)
{
	node_start_cfg(n, id, port, (struct sovd_peers_config){ 0 });
}

static void node_stop(struct node *n)
{
	sovd_peers_close(n->p);
	n->p = NULL;
}

static void add_peer(struct node *n, raft_id_t id, uint16_t port)
{
	struct sockaddr_in sa;

	uv_ip4_addr("127.0.0.1", port, &sa);
	assert_int_equal(sovd_peers_add(n->p, id, (const struct sockaddr *)&sa), 0);
}

static struct sovd_peer_stats stats(const struct node *n, raft_id_t id)
{
	struct sovd_peer_stats st;

	assert_int_equal(sovd_peer_stats(n->p, id, &st), 0);
	return st;
}

static bool both_up(const struct node *n, raft_id_t id)
{
	struct sovd_peer_stats st = stats(n, id);

	return st.out_up && st.in_up;
}

static struct raft_msg msg(uint8_t type, raft_id_t from, raft_id_t to, uint64_t ctx)
{
	return (struct raft_msg){ .type = type, .from = from, .to = to, .term = 1, .ctx = ctx };
}

static void send_ok(struct node *n, struct raft_msg m)
{
	assert_int_equal(sovd_peers_send(n->p, &m), 0);
}

/* A port nothing listens on (for now): bind one, note it, close it. */
static uint16_t free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

/* ---- raw sockets: a peer that does not follow the protocol ------------------------ */

static int raw_connect(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void raw_send(int fd, const void *buf, size_t len)
{
	assert_int_equal(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Read what arrived; true once the other end has closed. */
static bool raw_closed(int fd)
{
	char buf[4096];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		;
	return n == 0 || (n < 0 && errno == ECONNRESET);
}

/* Bytes that arrived so far (up to @size in total). */
static size_t raw_got(int fd, uint8_t *buf, size_t size, size_t *len)
{
	ssize_t n = recv(fd, buf + *len, size - *len, MSG_DONTWAIT);

	if (n > 0)
		*len += (size_t)n;
	return *len;
}

static size_t hello(uint8_t *buf, const char *cluster, raft_id_t from, raft_id_t to)
{
	struct sov_raft_hello h = { .from = from, .to = to };
	struct sov_nl_err err;
	ssize_t n;

	snprintf(h.cluster_id, sizeof(h.cluster_id), "%s", cluster);
	n = sov_raft_wire_encode_hello(&h, 1, buf, 128, &err);
	assert_true(n > 0);
	return (size_t)n;
}

/* stderr into a file while a test looks at what was logged */
static FILE *log_file;
static int saved_stderr = -1;

static void log_capture(void)
{
	fflush(stderr);
	log_file = tmpfile();
	assert_non_null(log_file);
	saved_stderr = dup(2);
	dup2(fileno(log_file), 2);
}

static char *log_release(void)
{
	static char text[16384];
	size_t n;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	saved_stderr = -1;
	rewind(log_file);
	n = fread(text, 1, sizeof(text) - 1, log_file);
	text[n] = '\0';
	fclose(log_file);
	return text;
}

static void assert_logged(const char *log, const char *line)
{
	if (!strstr(log, line))
		fail_msg("not logged: \"%s\"; the log:\n%s", line, log);
}

/* ---- the tests -------------------------------------------------------------------- */

static int setup(void **state)
{
	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	uv_timer_init(&loop, &deadline);
	sovd_log_level = LOG_NOTICE;	/* keep "link up" lines out of the test log */
	return 0;
}

static void close_left(uv_handle_t *h, void *arg)
{
	int *left = arg;

	if (!uv_is_closing(h)) {
		uv_close(h, NULL);
		(*left)++;
	}
}

/*
 * Everything closed and freed: the loop has nothing left and ASan sees no
 * leak. After a failed test, close what it left open so the others still run.
 */
static int teardown(void **state)
{
	int left = 0;

	(void)state;
	if (saved_stderr >= 0)
		(void)log_release();
	uv_close((uv_handle_t *)&deadline, NULL);
	uv_walk(&loop, close_left, &left);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	assert_int_equal(left, 0);
	return 0;
}

static void test_handshake_and_delivery(void **state)
{
	struct sovd_peer_stats sa, sb;
	struct raft_entry ents[2];
	struct node a, b;
	struct raft_msg m;
	uint8_t *big = malloc(300 << 10), *chunk = malloc(64 << 10);
	char want[256];
	uint32_t sum = 0;
	size_t i;

	(void)state;
	assert_non_null(big);
	assert_non_null(chunk);
	node_start(&a, 1, 0);
	node_start(&b, 2, 0);
	add_peer(&a, 2, b.port);
	add_peer(&b, 1, a.port);
	RUN_UNTIL(both_up(&a, 2) && both_up(&b, 1), 3000);

	send_ok(&a, msg(RAFT_MSG_VOTE, 1, 2, 11));
	send_ok(&b, msg(RAFT_MSG_VOTE_RESP, 2, 1, 12));
	RUN_UNTIL(a.n_got == 1 && b.n_got == 1, 3000);
	assert_int_equal(b.got[0].type, RAFT_MSG_VOTE);
	assert_int_equal(b.got[0].from, 1);
	assert_int_equal(b.got[0].ctx, 11);
	assert_int_equal(a.got[0].type, RAFT_MSG_VOTE_RESP);
	assert_int_equal(a.got[0].ctx, 12);

	/* larger than the receive buffer and than one attribute: pieces, a grown buffer */
	for (i = 0; i < (300 << 10); i++) {
		big[i] = (uint8_t)(i * 7);
		sum += big[i];
	}
	ents[0] = (struct raft_entry){ .term = 1, .index = 1, .len = 300 << 10, .data = big };
	ents[1] = (struct raft_entry){ .term = 1, .index = 2 };
	m = msg(RAFT_MSG_APPEND, 1, 2, 0);
	m.entries = ents;
	m.n_entries = 2;
	assert_int_equal(sovd_peers_send(a.p, &m), 0);
	for (i = 0; i < (64 << 10); i++) {
		chunk[i] = (uint8_t)i;
		sum += chunk[i];
	}
	m = msg(RAFT_MSG_SNAPSHOT, 2, 1, 0);
	m.snap.index = 9;
	m.snap.term = 1;
	m.snap.conf.n_voters = 2;
	m.snap.conf.voters[0] = 1;
	m.snap.conf.voters[1] = 2;
	m.snap_total = 1 << 20;
	m.chunk = chunk;
	m.chunk_len = 64 << 10;
	assert_int_equal(sovd_peers_send(b.p, &m), 0);
	RUN_UNTIL(a.n_got == 2 && b.n_got == 2, 3000);
	assert_int_equal(b.got[1].type, RAFT_MSG_APPEND);
	assert_int_equal(b.got[1].n_entries, 2);
	assert_int_equal(b.got[1].len0, 300 << 10);
	assert_int_equal(a.got[1].type, RAFT_MSG_SNAPSHOT);
	assert_int_equal(a.got[1].chunk_len, 64 << 10);
	assert_int_equal(b.got[1].sum + a.got[1].sum, sum);

	/* the counters agree from both ends */
	sa = stats(&a, 2);
	sb = stats(&b, 1);
	assert_int_equal(sa.connects, 2);	/* outbound and inbound */
	assert_int_equal(sa.msgs_out, 2);
	assert_int_equal(sa.msgs_in, 2);
	assert_int_equal(sa.msgs_out, sb.msgs_in);
	assert_int_equal(sa.bytes_out, sb.bytes_in);
	assert_int_equal(sb.bytes_out, sa.bytes_in);
	assert_true(sa.bytes_out > (300 << 10));
	assert_int_equal(sa.drops + sb.drops, 0);
	assert_int_equal(sa.queued_msgs, 0);
	snprintf(want, sizeof(want), "127.0.0.1:%u", b.port);
	assert_string_equal(sa.addr, want);

	/* what cannot be sent */
	m = msg(RAFT_MSG_HEARTBEAT, 1, 3, 0);
	assert_int_equal(sovd_peers_send(a.p, &m), -ENOENT);
	ents[0].len = SOV_RAFT_DATA_MAX + 1;
	m = msg(RAFT_MSG_APPEND, 1, 2, 0);
	m.entries = ents;
	m.n_entries = 1;
	log_capture();
	assert_int_equal(sovd_peers_send(a.p, &m), -EMSGSIZE);
	snprintf(want, sizeof(want),
		 "peer 2 (127.0.0.1:%u): cannot send APPEND: ENTRY 0: 8388609 bytes of data: at most 8388608",
		 b.port);
	assert_logged(log_release(), want);
	assert_int_equal(stats(&a, 2).too_big, 1);

	node_stop(&a);
	node_stop(&b);
	free(big);
	free(chunk);
}

/* The other side goes away and comes back on the same port. */
static void test_reconnect(void **state)
{
	struct sovd_peer_stats st;
	struct node a, b;
	uint16_t port;

	(void)state;
	node_start(&a, 1, 0);
	node_start(&b, 2, 0);
	port = b.port;
	add_peer(&a, 2, b.port);
	add_peer(&b, 1, a.port);
	RUN_UNTIL(both_up(&a, 2) && both_up(&b, 1), 3000);

	node_stop(&b);
	RUN_UNTIL(!stats(&a, 2).out_up && !stats(&a, 2).in_up, 3000);
	st = stats(&a, 2);
	assert_int_equal(st.disconnects, 2);
	/* while it is away, messages wait in the queue */
	send_ok(&a, msg(RAFT_MSG_VOTE, 1, 2, 77));
	RUN_FOR(150);	/* a few failed dials: the backoff grows */
	st = stats(&a, 2);
	assert_false(st.out_up);
	assert_int_equal(st.queued_msgs, 1);
	assert_true(st.backoff_ms > 10);
	assert_string_equal(st.last_error, "connect: connection refused");

	node_start(&b, 2, port);
	add_peer(&b, 1, a.port);
	RUN_UNTIL(both_up(&a, 2) && both_up(&b, 1) && b.n_got == 1, 3000);
	assert_int_equal(b.got[0].ctx, 77);
	st = stats(&a, 2);
	assert_int_equal(st.connects, 4);
	assert_int_equal(st.queued_msgs, 0);
	send_ok(&b, msg(RAFT_MSG_VOTE_RESP, 2, 1, 78));
	RUN_UNTIL(a.n_got == 1, 3000);
	assert_int_equal(a.got[0].ctx, 78);

	node_stop(&a);
	node_stop(&b);
}

/*
 * A peer that comes back dials us: we dial it at once instead of waiting out
 * a backoff grown while it was away (5 s here).
 */
static void test_redial_on_return(void **state)
{
	struct sovd_peers_config slow = { .backoff_min_ms = 2000, .backoff_max_ms = 5000 };
	struct node a, b;
	uint16_t port;

	(void)state;
	node_start_cfg(&a, 1, 0, slow);
	node_start(&b, 2, 0);
	port = b.port;
	add_peer(&a, 2, b.port);
	add_peer(&b, 1, a.port);
	RUN_UNTIL(both_up(&a, 2) && both_up(&b, 1), 5000);
	node_stop(&b);
	RUN_UNTIL(!stats(&a, 2).out_up, 3000);
	RUN_FOR(100);	/* the redial failed: the next is seconds away */
	assert_true(stats(&a, 2).backoff_ms >= 4000);

	node_start(&b, 2, port);
	add_peer(&b, 1, a.port);
	RUN_UNTIL(both_up(&a, 2) && both_up(&b, 1), 1000);
	assert_int_equal(stats(&a, 2).backoff_ms, 2000);
	node_stop(&a);
	node_stop(&b);
}

/* Backoff: 10 ms doubling to 80 ms against a port nobody listens on. */
static void test_backoff(void **state)
{
	struct sovd_peer_stats st;
	struct node a;

	(void)state;
	node_start_cfg(&a, 1, 0,
		       (struct sovd_peers_config){ .backoff_min_ms = 10, .backoff_max_ms = 80 });
	add_peer(&a, 2, free_port());
	st = stats(&a, 2);
	assert_int_equal(st.backoff_ms, 10);
	RUN_FOR(400);
	st = stats(&a, 2);
	assert_int_equal(st.backoff_ms, 80);
	assert_int_equal(st.connects, 0);
	assert_int_equal(st.disconnects, 0);
	assert_string_equal(st.last_error, "connect: connection refused");
	assert_int_equal(sovd_peers_remove(a.p, 2), 0);
	assert_int_equal(sovd_peers_remove(a.p, 2), -ENOENT);
	node_stop(&a);
}

/*
 * A bound of 8 messages: a VOTE, then 100 HEARTBEATs while the peer is away.
 * The VOTE stays; of the heartbeats the newest 7 are left.
 */
static void test_queue_bound(void **state)
{
	struct sovd_peer_stats st;
	uint16_t port = free_port();
	struct node a, c;
	uint64_t i;

	(void)state;
	node_start_cfg(&a, 1, 0, (struct sovd_peers_config){ .queue_msgs = 8 });
	add_peer(&a, 3, port);
	send_ok(&a, msg(RAFT_MSG_VOTE, 1, 3, 1000));
	for (i = 0; i < 100; i++)
		send_ok(&a, msg(RAFT_MSG_HEARTBEAT, 1, 3, i));
	st = stats(&a, 3);
	assert_int_equal(st.queued_msgs, 8);
	assert_int_equal(st.drops, 93);
	assert_int_equal(st.queued_bytes, 8 * 76);	/* TYPE FROM TO TERM CTX */

	node_start(&c, 3, port);
	add_peer(&c, 1, a.port);
	RUN_UNTIL(c.n_got == 8, 3000);
	assert_int_equal(c.got[0].type, RAFT_MSG_VOTE);
	assert_int_equal(c.got[0].ctx, 1000);
	for (i = 1; i < 8; i++) {
		assert_int_equal(c.got[i].type, RAFT_MSG_HEARTBEAT);
		assert_int_equal(c.got[i].ctx, 92 + i);
	}
	node_stop(&a);
	node_stop(&c);

	/* a bound in bytes; nothing expendable left: the oldest goes */
	node_start_cfg(&a, 1, 0, (struct sovd_peers_config){ .queue_bytes = 400 });
	add_peer(&a, 3, free_port());
	for (i = 0; i < 20; i++)
		send_ok(&a, msg(RAFT_MSG_VOTE, 1, 3, i));
	st = stats(&a, 3);
	assert_int_equal(st.queued_msgs, 5);	/* 5 * 76 <= 400 < 6 * 76 */
	assert_int_equal(st.drops, 15);
	node_stop(&a);
}

static void test_garbage(void **state)
{
	struct sovd_peers_stats ps;
	struct sovd_peer_stats st;
	struct raft_msg m;
	struct nlattr *nest;
	struct nlmsghdr *nlh;
	struct node a, b;
	uint8_t buf[256], rx[256];
	char *log, want[256];
	size_t len, got;
	uint64_t refused;
	int fd;

	(void)state;
	node_start_cfg(&a, 1, 0, (struct sovd_peers_config){ .handshake_ms = 300 });
	node_start(&b, 2, 0);
	add_peer(&a, 2, b.port);
	add_peer(&a, 3, free_port());	/* a peer that a raw socket will play */
	add_peer(&b, 1, a.port);
	RUN_UNTIL(both_up(&a, 2) && both_up(&b, 1), 3000);

	log_capture();
	/* 1: an impossible frame length */
	fd = raw_connect(a.port);
	memset(buf, 0, 16);
	buf[0] = 3;
	raw_send(fd, buf, 16);
	RUN_UNTIL(raw_closed(fd), 3000);
	close(fd);
	sovd_peers_stats(a.p, &ps);
	assert_string_equal(ps.last_error, "a frame of 3 bytes (at least 16, at most 1024)");
	refused = ps.refused;

	/* 2: random bytes */
	fd = raw_connect(a.port);
	for (len = 0; len < sizeof(buf); len++)
		buf[len] = (uint8_t)(len * 97 + 13);
	raw_send(fd, buf, sizeof(buf));
	RUN_UNTIL(raw_closed(fd), 3000);
	close(fd);

	/* 3: a well-formed frame that is not a HELLO */
	fd = raw_connect(a.port);
	m = msg(RAFT_MSG_VOTE, 3, 1, 0);
	len = (size_t)sov_raft_wire_encode(&m, 1, buf, sizeof(buf), NULL);
	raw_send(fd, buf, len);
	RUN_UNTIL(raw_closed(fd), 3000);
	close(fd);
	sovd_peers_stats(a.p, &ps);
	assert_string_equal(ps.last_error, "expected RAFT_HELLO, got RAFT_MSG");

	/* 4: the wrong cluster; an unknown node; the wrong receiver */
	fd = raw_connect(a.port);
	raw_send(fd, buf, hello(buf, "other", 3, 1));
	RUN_UNTIL(raw_closed(fd), 3000);
	close(fd);
	sovd_peers_stats(a.p, &ps);
	assert_string_equal(ps.last_error, "cluster id \"other\", this is \"test\"");
	fd = raw_connect(a.port);
	raw_send(fd, buf, hello(buf, "test", 9, 1));
	RUN_UNTIL(raw_closed(fd), 3000);
	close(fd);
	sovd_peers_stats(a.p, &ps);
	assert_string_equal(ps.last_error, "node 9 is not a peer of this node");
	fd = raw_connect(a.port);
	raw_send(fd, buf, hello(buf, "test", 3, 2));
	RUN_UNTIL(raw_closed(fd), 3000);
	close(fd);
	sovd_peers_stats(a.p, &ps);
	assert_string_equal(ps.last_error, "node 3 wants node 2, this is node 1");

	/* 5: silence: no HELLO within the handshake time */
	fd = raw_connect(a.port);
	RUN_UNTIL(raw_closed(fd), 3000);
	close(fd);
	sovd_peers_stats(a.p, &ps);
	assert_string_equal(ps.last_error, "no HELLO within 300 ms");
	assert_int_equal(ps.refused, refused + 6);

	/* 6: a proper HELLO as node 3, then a malformed message */
	fd = raw_connect(a.port);
	raw_send(fd, buf, hello(buf, "test", 3, 1));
	got = 0;
	RUN_UNTIL(raw_got(fd, rx, sizeof(rx), &got) >= 16 &&
		  sov_frame_len_max(rx, got, 1024) > 0, 3000);
	assert_true(stats(&a, 3).in_up);
	assert_int_equal(sov_raft_wire_cmd(rx, got, &(struct sov_nl_err){ 0 }), SOV_CMD_RAFT_HELLO);
	nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_RAFT_MSG, SOV_GENL_VERSION,
			     NLM_F_REQUEST, 2);
	mnl_attr_put_u8(nlh, SOV_A_RAFT_TYPE, RAFT_MSG_APPEND);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_FROM, 3);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_TO, 1);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_TERM, 1);
	nest = mnl_attr_nest_start(nlh, SOV_A_RAFT_ENTRY);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_ENTRY_TERM, 1);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_ENTRY_INDEX, 1);
	mnl_attr_put_u8(nlh, SOV_A_RAFT_ENTRY_TYPE, 7);
	mnl_attr_nest_end(nlh, nest);
	raw_send(fd, nlh, nlh->nlmsg_len);
	RUN_UNTIL(raw_closed(fd), 3000);
	close(fd);
	st = stats(&a, 3);
	assert_false(st.in_up);
	assert_int_equal(st.disconnects, 1);
	/* (its last_error may be our dial back to it, refused: it is a raw socket) */

	/* 7: a message that claims another sender */
	fd = raw_connect(a.port);
	raw_send(fd, buf, hello(buf, "test", 3, 1));
	m = msg(RAFT_MSG_VOTE, 2, 1, 0);
	len = (size_t)sov_raft_wire_encode(&m, 2, buf, sizeof(buf), NULL);
	raw_send(fd, buf, len);
	RUN_UNTIL(raw_closed(fd), 3000);
	close(fd);
	assert_int_equal(stats(&a, 3).disconnects, 2);

	/* A kept serving node 2 all along */
	send_ok(&a, msg(RAFT_MSG_HEARTBEAT, 1, 2, 5));
	send_ok(&b, msg(RAFT_MSG_HEARTBEAT_RESP, 2, 1, 5));
	RUN_UNTIL(b.n_got == 1 && a.n_got == 1, 3000);
	st = stats(&a, 2);
	assert_int_equal(st.connects, 2);
	assert_int_equal(st.disconnects, 0);
	log = log_release();

	/* each refusal was logged with its reason */
	assert_logged(log, "): a frame of 3 bytes (at least 16, at most 1024); disconnecting");
	assert_logged(log, "): cluster id \"other\", this is \"test\"; disconnecting");
	assert_logged(log, "): node 9 is not a peer of this node; disconnecting");
	assert_logged(log, "): no HELLO within 300 ms; disconnecting");
	assert_logged(log, "peer ? (127.0.0.1:");
	snprintf(want, sizeof(want), "peer 3 (127.0.0.1:");
	assert_logged(log, want);
	assert_logged(log, "): ENTRY 0: ENTRY_TYPE: 7 is not an entry type; disconnecting");
	assert_logged(log, "): a message from node 2 to node 1 on this link; disconnecting");
	node_stop(&a);
	node_stop(&b);
}

/* The receiver's Raft refuses what arrives: the link drops, the sender dials again. */
static void test_refused_by_callback(void **state)
{
	struct node a, b;
	char *log;

	(void)state;
	node_start(&a, 1, 0);
	node_start(&b, 2, 0);
	add_peer(&a, 2, b.port);
	add_peer(&b, 1, a.port);
	RUN_UNTIL(both_up(&a, 2) && both_up(&b, 1), 3000);
	b.refuse = true;
	log_capture();
	send_ok(&a, msg(RAFT_MSG_APPEND, 1, 2, 0));
	RUN_UNTIL(stats(&b, 1).disconnects == 1, 3000);
	log = log_release();
	assert_logged(log, "): raft_step: entries out of order; disconnecting");
	assert_string_equal(stats(&b, 1).last_error, "raft_step: entries out of order");
	b.refuse = false;
	RUN_UNTIL(both_up(&a, 2) && both_up(&b, 1), 3000);
	send_ok(&a, msg(RAFT_MSG_HEARTBEAT, 1, 2, 9));
	RUN_UNTIL(b.n_got == 1, 3000);
	assert_int_equal(b.got[0].ctx, 9);
	node_stop(&a);
	node_stop(&b);
}

/* Two transports of different clusters never link up. */
static void test_wrong_cluster(void **state)
{
	struct sovd_peers_stats ps;
	struct node a, b;

	(void)state;
	node_start(&a, 1, 0);
	node_start_cfg(&b, 2, 0, (struct sovd_peers_config){ .cluster_id = "other" });
	add_peer(&a, 2, b.port);
	add_peer(&b, 1, a.port);
	log_capture();
	RUN_FOR(300);
	(void)log_release();
	assert_false(stats(&a, 2).out_up);
	assert_false(stats(&a, 2).in_up);
	assert_false(stats(&b, 1).out_up);
	assert_int_equal(stats(&a, 2).connects, 0);
	sovd_peers_stats(a.p, &ps);
	assert_true(ps.refused >= 1);
	assert_string_equal(ps.last_error, "cluster id \"other\", this is \"test\"");
	node_stop(&a);
	node_stop(&b);
}

static void test_from_conf(void **state)
{
	struct sov_cluster_conf conf;
	struct sovd_peers *p;
	raft_id_t ids[4];
	char err[256], peers[128];
	uint16_t port = free_port();
	int ret;

	(void)state;
	sov_cluster_conf_init(&conf);
	snprintf(peers, sizeof(peers), "1=127.0.0.1:%u,2=127.0.0.1:%u,3=127.0.0.1:%u", port,
		 free_port(), free_port());
	assert_int_equal(sov_cluster_conf_set(&conf, "cluster-id", "c", err, sizeof(err)), 0);
	assert_int_equal(sov_cluster_conf_set(&conf, "node-id", "1", err, sizeof(err)), 0);
	assert_int_equal(sov_cluster_conf_set(&conf, "peers", peers, err, sizeof(err)), 0);
	assert_int_equal(sov_cluster_conf_check(&conf, err, sizeof(err)), 0);
	p = sovd_peers_from_conf(&loop, &conf, NULL, NULL, &ret);
	assert_non_null(p);
	assert_int_equal(sovd_peers_port(p), port);
	assert_int_equal(sovd_peers_ids(p, ids, 4), 2);
	assert_int_equal(ids[0] + ids[1], 5);
	sovd_peers_close(p);

	/* the port is taken: an error, and what was set up is freed */
	p = sovd_peers_from_conf(&loop, &conf, NULL, NULL, &ret);
	assert_non_null(p);
	log_capture();
	assert_null(sovd_peers_from_conf(&loop, &conf, NULL, NULL, &ret));
	snprintf(peers, sizeof(peers), "peers: cannot listen on 127.0.0.1:%u: address already in use",
		 port);
	assert_logged(log_release(), peers);
	assert_int_equal(ret, UV_EADDRINUSE);
	sovd_peers_close(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handshake_and_delivery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconnect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_redial_on_return, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_by_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_cluster, setup, teardown),
		cmocka_unit_test_setup_teardown(test_from_conf, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("peer", tests, NULL, NULL);
}
