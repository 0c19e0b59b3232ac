// SPDX-License-Identifier: GPL-2.0
/*
 * lib/raft/wire: every message type survives encode + decode; truncated,
 * malformed, oversized and random frames are refused with a message that
 * names the attribute, and never crash (this runs under ASan and UBSan).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "../../lib/raft/wire.h"

/* ---- helpers --------------------------------------------------------------- */

static uint8_t *pattern(size_t len, unsigned int seed)
{
	uint8_t *p = malloc(len ? len : 1);
	size_t i;

	assert_non_null(p);
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 31 + seed);
	return p;
}

static void assert_msg_equal(const struct raft_msg *a, const struct raft_msg *b)
{
	size_t i;

	assert_int_equal(a->type, b->type);
	assert_int_equal(a->from, b->from);
	assert_int_equal(a->to, b->to);
	assert_int_equal(a->term, b->term);
	assert_int_equal(a->index, b->index);
	assert_int_equal(a->log_term, b->log_term);
	assert_int_equal(a->commit, b->commit);
	assert_int_equal(a->reject, b->reject);
	assert_int_equal(a->hint, b->hint);
	assert_int_equal(a->trace_len, b->trace_len);
	assert_memory_equal(a->trace, b->trace, a->trace_len);
	assert_int_equal(a->ctx, b->ctx);
	assert_int_equal(a->n_entries, b->n_entries);
	for (i = 0; i < a->n_entries; i++) {
		assert_int_equal(a->entries[i].term, b->entries[i].term);
		assert_int_equal(a->entries[i].index, b->entries[i].index);
		assert_int_equal(a->entries[i].type, b->entries[i].type);
		assert_int_equal(a->entries[i].len, b->entries[i].len);
		if (a->entries[i].len)
			assert_memory_equal(a->entries[i].data, b->entries[i].data,
					    a->entries[i].len);
		else
			assert_null(b->entries[i].data);
	}
	if (a->type != RAFT_MSG_SNAPSHOT)
		return;
	assert_int_equal(a->snap.index, b->snap.index);
	assert_int_equal(a->snap.term, b->snap.term);
	assert_int_equal(a->snap.conf.n_voters, b->snap.conf.n_voters);
	assert_int_equal(a->snap.conf.n_learners, b->snap.conf.n_learners);
	assert_memory_equal(a->snap.conf.voters, b->snap.conf.voters,
			    a->snap.conf.n_voters * sizeof(raft_id_t));
	assert_memory_equal(a->snap.conf.learners, b->snap.conf.learners,
			    a->snap.conf.n_learners * sizeof(raft_id_t));
	assert_int_equal(a->snap_offset, b->snap_offset);
	assert_int_equal(a->snap_total, b->snap_total);
	assert_int_equal(a->chunk_len, b->chunk_len);
	if (a->chunk_len)
		assert_memory_equal(a->chunk, b->chunk, a->chunk_len);
}

static size_t encode(const struct raft_msg *m, uint8_t **frame)
{
	struct sov_nl_err err;
	void *buf;
	ssize_t n = sov_raft_wire_encode_alloc(m, 7, &buf, &err);

	if (n < 0)
		fail_msg("encoding failed: %s", err.msg);
	*frame = buf;
	return (size_t)n;
}

static void roundtrip(const struct raft_msg *m)
{
	struct sov_nl_err err;
	struct raft_msg out;
	uint8_t *frame;
	size_t n = encode(m, &frame);

	assert_int_equal(sov_raft_wire_size(m, &err), n);
	assert_int_equal(sov_frame_len_max(frame, n, SOV_RAFT_FRAME_MAX), n);
	assert_int_equal(sov_raft_wire_cmd(frame, n, &err), SOV_CMD_RAFT_MSG);
	if (sov_raft_wire_decode(frame, n, &out, &err))
		fail_msg("decode: %s", err.msg);
	assert_msg_equal(m, &out);
	sov_raft_wire_msg_free(&out);
	free(frame);
}

/* A message of @type with every field its type uses set to something nonzero. */
struct sample {
	struct raft_msg m;
	struct raft_entry ents[5];
	uint8_t *bufs[5];
};

static void sample_init(struct sample *s, uint8_t type)
{
	static const uint32_t lens[5] = {
		0, 1, 100, SOV_RAFT_WIRE_PIECE, 3 * SOV_RAFT_WIRE_PIECE + 5,
	};
	size_t i;

	memset(s, 0, sizeof(*s));
	s->m = (struct raft_msg){
		.type = type, .from = 1, .to = 0x1122334455667788ULL, .term = 9,
		.index = 41, .log_term = 8, .commit = 40, .reject = true,
		.hint = 39, .ctx = UINT64_MAX,
	};
	if (type == RAFT_MSG_APPEND) {
		for (i = 0; i < 5; i++) {
			s->bufs[i] = pattern(lens[i], (unsigned int)i);
			s->ents[i] = (struct raft_entry){
				.term = 8 + i / 3, .index = 42 + i, .len = lens[i],
				.type = i == 2 ? RAFT_ENTRY_CONF : RAFT_ENTRY_NORMAL,
				.data = lens[i] ? s->bufs[i] : NULL,
			};
		}
		s->m.entries = s->ents;
		s->m.n_entries = 5;
	}
	if (type == RAFT_MSG_SNAPSHOT) {
		s->m.snap.index = 1000;
		s->m.snap.term = 7;
		s->m.snap.conf.n_voters = 3;
		s->m.snap.conf.voters[0] = 1;
		s->m.snap.conf.voters[1] = 2;
		s->m.snap.conf.voters[2] = 3;
		s->m.snap.conf.n_learners = 1;
		s->m.snap.conf.learners[0] = 77;
		s->m.snap_offset = 65536;
		s->m.snap_total = 1 << 20;
		s->m.chunk_len = 64 << 10;	/* raft's default chunk: two pieces */
		s->bufs[0] = pattern(s->m.chunk_len, 5);
		s->m.chunk = s->bufs[0];
	}
}

static void sample_free(struct sample *s)
{
	size_t i;

	for (i = 0; i < 5; i++)
		free(s->bufs[i]);
}

/* Build frames by hand, attribute by attribute. */
static uint8_t raw[1 << 16];

static struct nlmsghdr *raw_start(uint8_t cmd)
{
	memset(raw, 0, sizeof(raw));
	return sov_nl_put_hdr(raw, SOV_CTL_FAMILY_ID, cmd, SOV_GENL_VERSION, NLM_F_REQUEST, 1);
}

/* The required four of a RAFT_MSG. */
static struct nlmsghdr *raw_msg(uint8_t type)
{
	struct nlmsghdr *nlh = raw_start(SOV_CMD_RAFT_MSG);

	mnl_attr_put_u8(nlh, SOV_A_RAFT_TYPE, type);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_FROM, 2);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_TO, 1);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_TERM, 5);
	return nlh;
}

static void expect_refused(const void *frame, size_t len, const char *msg)
{
	struct sov_nl_err err;
	struct raft_msg m;

	memset(&m, 0xa5, sizeof(m));
	assert_int_equal(sov_raft_wire_decode(frame, len, &m, &err), -EINVAL);
	assert_int_equal(err.error, -EINVAL);
	assert_string_equal(err.msg, msg);
	/* nothing half-decoded is left behind */
	assert_null(m.entries);
	assert_null(m.chunk);
	assert_int_equal(m.term, 0);
}

static void expect_refused_nlh(const struct nlmsghdr *nlh, const char *msg)
{
	expect_refused(nlh, nlh->nlmsg_len, msg);
}

/* ---- round trips ------------------------------------------------------------ */

static void test_roundtrip_every_type(void **state)
{
	struct sample s;
	uint8_t t;

	(void)state;
	for (t = 0; t < RAFT_MSG_TYPES; t++) {
		sample_init(&s, t);
		roundtrip(&s.m);
		sample_free(&s);
	}
}

static void test_roundtrip_minimal(void **state)
{
	struct raft_msg m = { .type = RAFT_MSG_HEARTBEAT, .from = 3, .to = 1 };
	struct raft_msg snap = { .type = RAFT_MSG_SNAPSHOT, .from = 3, .to = 1, .term = 2 };
	struct raft_entry e = { .term = 1, .index = 1 };
	struct raft_msg app = { .type = RAFT_MSG_APPEND, .from = 3, .to = 1, .term = 1,
				.entries = &e, .n_entries = 1 };
	uint8_t *frame;

	(void)state;
	roundtrip(&m);
	/* only TYPE, FROM, TO, TERM go out: 20 + 8 + 3 * 12 bytes */
	assert_int_equal(encode(&m, &frame), 64);
	free(frame);
	roundtrip(&snap);	/* an empty snapshot, no chunk */
	roundtrip(&app);	/* one empty entry: no ENTRY_DATA */
}

/* A full raft_conf and a chunk that fills most of the data limit. */
static void test_roundtrip_limits(void **state)
{
	struct raft_msg m = { .type = RAFT_MSG_SNAPSHOT, .from = 1, .to = 2, .term = 3,
			      .snap = { .index = 5, .term = 3 } };
	uint32_t i;

	(void)state;
	m.snap.conf.n_voters = RAFT_MAX_NODES / 2;
	m.snap.conf.n_learners = RAFT_MAX_NODES / 2;
	for (i = 0; i < RAFT_MAX_NODES / 2; i++) {
		m.snap.conf.voters[i] = i + 1;
		m.snap.conf.learners[i] = 1000 + i;
	}
	m.chunk_len = SOV_RAFT_DATA_MAX;
	m.snap_total = SOV_RAFT_DATA_MAX;
	m.chunk = pattern(m.chunk_len, 9);
	roundtrip(&m);
	free(m.chunk);
}

static void test_roundtrip_many_entries(void **state)
{
	struct raft_msg m = { .type = RAFT_MSG_APPEND, .from = 1, .to = 2, .term = 3 };
	struct raft_entry *e = calloc(SOV_RAFT_ENTRIES_MAX, sizeof(*e));
	size_t i;

	(void)state;
	assert_non_null(e);
	for (i = 0; i < SOV_RAFT_ENTRIES_MAX; i++)
		e[i] = (struct raft_entry){ .term = 3, .index = i + 1 };
	m.entries = e;
	m.n_entries = SOV_RAFT_ENTRIES_MAX;
	roundtrip(&m);
	free(e);
}

/* The frame is read with memcpy only: it may start anywhere. */
static void test_unaligned(void **state)
{
	struct sample s;
	struct sov_nl_err err;
	struct raft_msg out;
	uint8_t *frame, *copy;
	size_t n;

	(void)state;
	sample_init(&s, RAFT_MSG_APPEND);
	n = encode(&s.m, &frame);
	copy = malloc(n + 3);
	assert_non_null(copy);
	memcpy(copy + 3, frame, n);
	assert_int_equal(sov_raft_wire_decode(copy + 3, n, &out, &err), 0);
	assert_msg_equal(&s.m, &out);
	sov_raft_wire_msg_free(&out);
	free(copy);
	free(frame);
	sample_free(&s);
}

static void test_hello(void **state)
{
	struct sov_raft_hello h = { .cluster_id = "prod-eu1.a_b", .from = 2, .to = 3 }, out;
	struct sov_nl_err err;
	struct raft_msg m;
	uint8_t buf[128];
	ssize_t n;

	(void)state;
	n = sov_raft_wire_encode_hello(&h, 1, buf, sizeof(buf), &err);
	assert_true(n > 0);
	assert_int_equal(sov_raft_wire_cmd(buf, (size_t)n, &err), SOV_CMD_RAFT_HELLO);
	assert_int_equal(sov_raft_wire_decode_hello(buf, (size_t)n, &out, &err), 0);
	assert_string_equal(out.cluster_id, "prod-eu1.a_b");
	assert_int_equal(out.from, 2);
	assert_int_equal(out.to, 3);
	/* a HELLO is not a RAFT_MSG and the other way round */
	expect_refused(buf, (size_t)n, "expected RAFT_MSG, got RAFT_HELLO");
	memset(&m, 0, sizeof(m));
	m = (struct raft_msg){ .type = RAFT_MSG_VOTE, .from = 1, .to = 2 };
	assert_true(sov_raft_wire_encode(&m, 1, raw, sizeof(raw), &err) > 0);
	assert_int_equal(sov_raft_wire_decode_hello(raw, ((struct nlmsghdr *)raw)->nlmsg_len,
						    &out, &err), -EINVAL);
	assert_string_equal(err.msg, "expected RAFT_HELLO, got RAFT_MSG");

	/* what the encoder refuses to say */
	snprintf(h.cluster_id, sizeof(h.cluster_id), "has space");
	assert_int_equal(sov_raft_wire_encode_hello(&h, 1, buf, sizeof(buf), &err), -EINVAL);
	assert_string_equal(err.msg, "CLUSTER_ID: not 1-63 characters of [A-Za-z0-9._-]");
	h.cluster_id[0] = '\0';
	assert_int_equal(sov_raft_wire_encode_hello(&h, 1, buf, sizeof(buf), &err), -EINVAL);
	snprintf(h.cluster_id, sizeof(h.cluster_id), "c");
	h.to = 0;
	assert_int_equal(sov_raft_wire_encode_hello(&h, 1, buf, sizeof(buf), &err), -EINVAL);
	assert_string_equal(err.msg, "TO: 0 is not a node id");
	h.to = 1;
	assert_int_equal(sov_raft_wire_encode_hello(&h, 1, buf, 20, &err), -ENOSPC);
}

static void expect_hello_refused(const struct nlmsghdr *nlh, const char *msg)
{
	struct sov_raft_hello h;
	struct sov_nl_err err;

	assert_int_equal(sov_raft_wire_decode_hello(nlh, nlh->nlmsg_len, &h, &err), -EINVAL);
	assert_string_equal(err.msg, msg);
	assert_int_equal(h.from, 0);
}

static void test_hello_refused(void **state)
{
	struct nlmsghdr *nlh;

	(void)state;
	nlh = raw_start(SOV_CMD_RAFT_HELLO);
	mnl_attr_put_strz(nlh, SOV_A_RAFT_CLUSTER_ID, "c1");
	mnl_attr_put_u64(nlh, SOV_A_RAFT_FROM, 2);
	expect_hello_refused(nlh, "TO missing");
	mnl_attr_put_u64(nlh, SOV_A_RAFT_TO, 1);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_TERM, 1);
	expect_hello_refused(nlh, "TERM not allowed in RAFT_HELLO");

	nlh = raw_start(SOV_CMD_RAFT_HELLO);
	mnl_attr_put_strz(nlh, SOV_A_RAFT_CLUSTER_ID, "bad\x01id");
	expect_hello_refused(nlh, "CLUSTER_ID: not 1-63 characters of [A-Za-z0-9._-]");
	nlh = raw_start(SOV_CMD_RAFT_HELLO);
	mnl_attr_put_strz(nlh, SOV_A_RAFT_CLUSTER_ID,
			  "0123456789012345678901234567890123456789012345678901234567890123");
	expect_hello_refused(nlh, "CLUSTER_ID: not 1-63 characters of [A-Za-z0-9._-]");
	nlh = raw_start(SOV_CMD_RAFT_HELLO);
	mnl_attr_put(nlh, SOV_A_RAFT_CLUSTER_ID, 3, "abc");	/* no NUL */
	expect_hello_refused(nlh, "CLUSTER_ID: not a NUL-terminated string");
	nlh = raw_start(SOV_CMD_RAFT_HELLO);
	mnl_attr_put(nlh, SOV_A_RAFT_CLUSTER_ID, 4, "a\0b");	/* NUL inside */
	expect_hello_refused(nlh, "CLUSTER_ID: not a NUL-terminated string");
	nlh = raw_start(SOV_CMD_RAFT_HELLO);
	mnl_attr_put_strz(nlh, SOV_A_RAFT_CLUSTER_ID, "c1");
	mnl_attr_put_u64(nlh, SOV_A_RAFT_FROM, 0);
	expect_hello_refused(nlh, "FROM: 0 is not a node id");
	nlh = raw_start(SOV_CMD_RAFT_HELLO);
	mnl_attr_put_strz(nlh, SOV_A_RAFT_CLUSTER_ID, "c1");
	mnl_attr_put_strz(nlh, SOV_A_RAFT_CLUSTER_ID, "c2");
	expect_hello_refused(nlh, "CLUSTER_ID given twice");
}

/* ---- refusals: headers ---------------------------------------------------------- */

static void test_headers_refused(void **state)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *gh;

	(void)state;
	expect_refused(raw, 19, "a frame of 19 bytes is shorter than its headers");
	nlh = raw_msg(RAFT_MSG_VOTE);
	expect_refused(nlh, nlh->nlmsg_len - 4, "nlmsg_len 64 for a frame of 60 bytes");
	nlh->nlmsg_len -= 2;
	expect_refused(nlh, nlh->nlmsg_len, "frame length 62 is not a multiple of 4");
	nlh = raw_msg(RAFT_MSG_VOTE);
	nlh->nlmsg_type = 0x10;
	expect_refused_nlh(nlh, "message type 0x10, expected 0x5356 (sovereign)");
	nlh = raw_msg(RAFT_MSG_VOTE);
	nlh->nlmsg_flags |= NLM_F_ACK;
	expect_refused_nlh(nlh, "nlmsg_flags 0x5, expected 0x1 (NLM_F_REQUEST)");
	nlh = raw_msg(RAFT_MSG_VOTE);
	gh = mnl_nlmsg_get_payload(nlh);
	gh->version = 2;
	expect_refused_nlh(nlh, "genl version 2 reserved 0, expected 1 and 0");
	gh->version = SOV_GENL_VERSION;
	gh->reserved = 1;
	expect_refused_nlh(nlh, "genl version 1 reserved 1, expected 1 and 0");
	gh->reserved = 0;
	gh->cmd = SOV_CMD_DAEMON_GET;
	expect_refused_nlh(nlh, "command 5 is not spoken on the peer link");
}

/* ---- refusals: attributes -------------------------------------------------------- */

static void test_attrs_refused(void **state)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	(void)state;
	nlh = raw_msg(RAFT_MSG_VOTE);
	mnl_attr_put_u32(nlh, SOV_A_RAFT_MAX + 1, 0);
	expect_refused_nlh(nlh, "attribute 28 is unknown");
	nlh = raw_msg(RAFT_MSG_VOTE);
	mnl_attr_put_u32(nlh, SOV_A_RAFT_UNSPEC, 0);
	expect_refused_nlh(nlh, "attribute 0 is unknown");
	nlh = raw_msg(RAFT_MSG_VOTE);
	mnl_attr_put_u32(nlh, SOV_A_RAFT_INDEX, 4);
	expect_refused_nlh(nlh, "INDEX: length 4, expected 8");
	nlh = raw_msg(RAFT_MSG_VOTE);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_TERM, 6);
	expect_refused_nlh(nlh, "TERM given twice");
	nlh = raw_msg(RAFT_MSG_VOTE);
	mnl_attr_put_u8(nlh, SOV_A_RAFT_REJECT, 1);
	expect_refused_nlh(nlh, "REJECT: length 1, expected 0");
	nlh = raw_msg(RAFT_MSG_VOTE);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_ENTRY_TERM, 1);
	expect_refused_nlh(nlh, "ENTRY_TERM outside an ENTRY");
	nlh = raw_msg(RAFT_MSG_VOTE);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_SNAP_VOTER, 1);
	expect_refused_nlh(nlh, "SNAP_VOTER outside SNAP");
	nlh = raw_msg(RAFT_MSG_VOTE);
	mnl_attr_put_strz(nlh, SOV_A_RAFT_CLUSTER_ID, "c");
	expect_refused_nlh(nlh, "CLUSTER_ID not allowed in RAFT_MSG");
	nlh = raw_msg(RAFT_MSG_VOTE);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_INDEX | NLA_F_NET_BYTEORDER, 1);
	expect_refused_nlh(nlh, "INDEX: flags 0x4000, expected 0x0");
	nlh = raw_msg(RAFT_MSG_VOTE);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_PAD, 0);
	expect_refused_nlh(nlh, "PAD: length 8, expected 0");
	/* a zero-length PAD is what the kernel's nla_put_64bit() would add: fine */
	nlh = raw_msg(RAFT_MSG_VOTE);
	mnl_attr_put(nlh, SOV_A_RAFT_PAD, 0, NULL);
	{
		struct sov_nl_err err;
		struct raft_msg m;

		assert_int_equal(sov_raft_wire_decode(nlh, nlh->nlmsg_len, &m, &err), 0);
		assert_int_equal(m.type, RAFT_MSG_VOTE);
	}

	/* required ones */
	nlh = raw_start(SOV_CMD_RAFT_MSG);
	mnl_attr_put_u8(nlh, SOV_A_RAFT_TYPE, RAFT_MSG_VOTE);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_FROM, 2);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_TO, 1);
	expect_refused_nlh(nlh, "TERM missing");
	nlh = raw_start(SOV_CMD_RAFT_MSG);
	expect_refused_nlh(nlh, "TYPE missing");

	/* values */
	nlh = raw_start(SOV_CMD_RAFT_MSG);
	mnl_attr_put_u8(nlh, SOV_A_RAFT_TYPE, RAFT_MSG_TYPES);
	expect_refused_nlh(nlh, "TYPE: 13 is not a message type");
	nlh = raw_start(SOV_CMD_RAFT_MSG);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_FROM, 0);
	expect_refused_nlh(nlh, "FROM: 0 is not a node id");

	/* what belongs to one type only */
	nlh = raw_msg(RAFT_MSG_HEARTBEAT);
	nest = mnl_attr_nest_start(nlh, SOV_A_RAFT_ENTRY);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_ENTRY_TERM, 1);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_ENTRY_INDEX, 1);
	mnl_attr_put_u8(nlh, SOV_A_RAFT_ENTRY_TYPE, 0);
	mnl_attr_nest_end(nlh, nest);
	expect_refused_nlh(nlh, "ENTRY not allowed in HEARTBEAT");
	nlh = raw_msg(RAFT_MSG_APPEND);
	mnl_attr_put(nlh, SOV_A_RAFT_CHUNK, 3, "abc");
	expect_refused_nlh(nlh, "CHUNK not allowed in APPEND");
	nlh = raw_msg(RAFT_MSG_SNAPSHOT);
	expect_refused_nlh(nlh, "SNAP missing");

	/* bytes after the last attribute, and an attribute running past the end */
	nlh = raw_msg(RAFT_MSG_VOTE);
	nlh->nlmsg_len += 4;
	expect_refused_nlh(nlh, "attribute 0: length 0 with 4 bytes left");
	nlh = raw_msg(RAFT_MSG_VOTE);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_INDEX, 1);
	((struct nlattr *)((uint8_t *)nlh + nlh->nlmsg_len - 12))->nla_len = 16;
	expect_refused_nlh(nlh, "attribute 7: length 16 with 12 bytes left");
}

static void test_nests_refused(void **state)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	uint64_t id;

	(void)state;
	/* an ENTRY nest */
	nlh = raw_msg(RAFT_MSG_APPEND);
	nest = mnl_attr_nest_start(nlh, SOV_A_RAFT_ENTRY);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_ENTRY_TERM, 1);
	mnl_attr_put_u8(nlh, SOV_A_RAFT_ENTRY_TYPE, 0);
	mnl_attr_nest_end(nlh, nest);
	expect_refused_nlh(nlh, "ENTRY 0: ENTRY_INDEX missing");
	nlh = raw_msg(RAFT_MSG_APPEND);
	nest = mnl_attr_nest_start(nlh, SOV_A_RAFT_ENTRY);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_ENTRY_TERM, 1);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_ENTRY_INDEX, 1);
	mnl_attr_put_u8(nlh, SOV_A_RAFT_ENTRY_TYPE, 2);
	mnl_attr_nest_end(nlh, nest);
	expect_refused_nlh(nlh, "ENTRY 0: ENTRY_TYPE: 2 is not an entry type");
	nlh = raw_msg(RAFT_MSG_APPEND);
	nest = mnl_attr_nest_start(nlh, SOV_A_RAFT_ENTRY);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_TERM, 1);
	mnl_attr_nest_end(nlh, nest);
	expect_refused_nlh(nlh, "ENTRY 0: TERM inside an ENTRY");
	nlh = raw_msg(RAFT_MSG_APPEND);
	nest = mnl_attr_nest_start(nlh, SOV_A_RAFT_ENTRY);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_ENTRY_TERM, 1);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_ENTRY_TERM, 1);
	mnl_attr_nest_end(nlh, nest);
	expect_refused_nlh(nlh, "ENTRY 0: ENTRY_TERM given twice");
	nlh = raw_msg(RAFT_MSG_APPEND);
	mnl_attr_put(nlh, SOV_A_RAFT_ENTRY | NLA_F_NESTED, 0, NULL);
	expect_refused_nlh(nlh, "ENTRY 0: ENTRY_TERM missing");
	nlh = raw_msg(RAFT_MSG_APPEND);
	mnl_attr_put(nlh, SOV_A_RAFT_ENTRY, 0, NULL);	/* a nest must say so */
	expect_refused_nlh(nlh, "ENTRY: flags 0x0, expected 0x8000");
	nlh = raw_msg(RAFT_MSG_APPEND);
	mnl_attr_put(nlh, SOV_A_RAFT_ENTRY_MORE, 3, "abc");
	expect_refused_nlh(nlh, "ENTRY_MORE before any ENTRY");

	/* SNAP */
	nlh = raw_msg(RAFT_MSG_SNAPSHOT);
	nest = mnl_attr_nest_start(nlh, SOV_A_RAFT_SNAP);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_SNAP_INDEX, 1);
	mnl_attr_nest_end(nlh, nest);
	expect_refused_nlh(nlh, "SNAP: SNAP_TERM missing");
	nlh = raw_msg(RAFT_MSG_SNAPSHOT);
	nest = mnl_attr_nest_start(nlh, SOV_A_RAFT_SNAP);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_SNAP_VOTER, 3);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_SNAP_LEARNER, 3);
	mnl_attr_nest_end(nlh, nest);
	expect_refused_nlh(nlh, "SNAP: SNAP_LEARNER: node 3 listed twice");
	nlh = raw_msg(RAFT_MSG_SNAPSHOT);
	nest = mnl_attr_nest_start(nlh, SOV_A_RAFT_SNAP);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_SNAP_VOTER, 0);
	mnl_attr_nest_end(nlh, nest);
	expect_refused_nlh(nlh, "SNAP: SNAP_VOTER: 0 is not a node id");
	nlh = raw_msg(RAFT_MSG_SNAPSHOT);
	nest = mnl_attr_nest_start(nlh, SOV_A_RAFT_SNAP);
	for (id = 1; id <= RAFT_MAX_NODES + 1; id++)
		mnl_attr_put_u64(nlh, SOV_A_RAFT_SNAP_VOTER, id);
	mnl_attr_nest_end(nlh, nest);
	expect_refused_nlh(nlh, "SNAP: more than 64 voters and learners");
	nlh = raw_msg(RAFT_MSG_SNAPSHOT);
	nest = mnl_attr_nest_start(nlh, SOV_A_RAFT_SNAP);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_SNAP_INDEX, 1);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_SNAP_TERM, 1);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_SNAP_OFFSET, 10);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_SNAP_TOTAL, 12);
	mnl_attr_put(nlh, SOV_A_RAFT_CHUNK, 3, "abc");
	expect_refused_nlh(nlh, "CHUNK: 3 bytes at SNAP_OFFSET 10 run past SNAP_TOTAL 12");
}

/* ---- refusals: sizes ------------------------------------------------------------ */

static void test_encode_refused(void **state)
{
	static uint8_t byte;
	struct raft_entry e = { .term = 1, .index = 1, .len = SOV_RAFT_DATA_MAX + 1,
				.data = &byte };
	struct raft_msg m = { .type = RAFT_MSG_APPEND, .from = 1, .to = 2, .term = 1,
			      .entries = &e, .n_entries = 1 };
	struct raft_entry *many;
	struct sov_nl_err err;
	uint8_t *big;
	int i;

	(void)state;
	assert_int_equal(sov_raft_wire_size(&m, &err), -EMSGSIZE);
	assert_string_equal(err.msg, "ENTRY 0: 8388609 bytes of data: at most 8388608");
	assert_int_equal(err.attr_type, SOV_A_RAFT_ENTRY_DATA);

	/* three entries at the data limit: 24 MiB, over the frame limit */
	big = malloc(SOV_RAFT_DATA_MAX);
	assert_non_null(big);
	many = calloc(3, sizeof(*many));
	assert_non_null(many);
	for (i = 0; i < 3; i++)
		many[i] = (struct raft_entry){ .term = 1, .index = 1, .len = SOV_RAFT_DATA_MAX,
					       .data = big };
	m.entries = many;
	m.n_entries = 3;
	assert_int_equal(sov_raft_wire_size(&m, &err), -EMSGSIZE);
	assert_string_equal(err.msg,
			    "APPEND: 25167640 bytes; frames are at most 16777216 bytes");
	free(big);
	free(many);

	m.entries = &e;
	m.n_entries = SOV_RAFT_ENTRIES_MAX + 1;
	assert_int_equal(sov_raft_wire_size(&m, &err), -EMSGSIZE);
	assert_string_equal(err.msg, "65537 entries: at most 65536 per message");

	m = (struct raft_msg){ .type = RAFT_MSG_SNAPSHOT, .from = 1, .to = 2,
			       .chunk = &byte, .chunk_len = SOV_RAFT_DATA_MAX + 1 };
	assert_int_equal(sov_raft_wire_size(&m, &err), -EMSGSIZE);
	assert_string_equal(err.msg, "CHUNK: 8388609 bytes: at most 8388608");
	m.chunk_len = 1;
	m.snap.conf.n_voters = RAFT_MAX_NODES;
	m.snap.conf.n_learners = 1;
	assert_int_equal(sov_raft_wire_size(&m, &err), -EINVAL);
	assert_string_equal(err.msg, "SNAP: 64 voters and 1 learners: at most 64 nodes");

	/* not raft messages at all */
	m = (struct raft_msg){ .type = RAFT_MSG_TYPES, .from = 1, .to = 2 };
	assert_int_equal(sov_raft_wire_size(&m, &err), -EINVAL);
	assert_string_equal(err.msg, "TYPE: 13 is not a message type");
	m = (struct raft_msg){ .type = RAFT_MSG_VOTE, .from = 0, .to = 2 };
	assert_int_equal(sov_raft_wire_size(&m, &err), -EINVAL);
	assert_string_equal(err.msg, "FROM: 0 is not a node id");
	m = (struct raft_msg){ .type = RAFT_MSG_VOTE, .from = 1, .to = 2, .entries = &e,
			       .n_entries = 1 };
	assert_int_equal(sov_raft_wire_size(&m, &err), -EINVAL);
	assert_string_equal(err.msg, "ENTRY not allowed in VOTE");
	m = (struct raft_msg){ .type = RAFT_MSG_VOTE, .from = 1, .to = 2, .chunk = &byte,
			       .chunk_len = 1 };
	assert_int_equal(sov_raft_wire_size(&m, &err), -EINVAL);
	assert_string_equal(err.msg, "CHUNK not allowed in VOTE");
	e.len = 1;
	e.type = 7;
	m = (struct raft_msg){ .type = RAFT_MSG_APPEND, .from = 1, .to = 2, .entries = &e,
			       .n_entries = 1 };
	assert_int_equal(sov_raft_wire_size(&m, &err), -EINVAL);
	assert_string_equal(err.msg, "ENTRY 0: ENTRY_TYPE: 7 is not an entry type");
	e.type = 0;
	e.data = NULL;
	assert_int_equal(sov_raft_wire_size(&m, &err), -EINVAL);
	assert_string_equal(err.msg, "ENTRY 0: 1 bytes of data at NULL");
	e.data = &byte;
	assert_int_equal(sov_raft_wire_encode(&m, 1, raw, 40, &err), -ENOSPC);
	assert_int_equal(sov_raft_wire_size(&m, NULL), 108);	/* @err is optional */
}

/* Frames a decoder must refuse however they were built: counts and sizes over the limits. */
static void test_decode_oversized(void **state)
{
	size_t cap = 4 << 20, i, n;
	uint8_t *buf = malloc(cap), *piece = calloc(1, SOV_RAFT_WIRE_PIECE);
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	(void)state;
	assert_non_null(buf);
	assert_non_null(piece);

	/* one entry more than allowed (empty entries: 40 bytes each) */
	nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_RAFT_MSG, SOV_GENL_VERSION,
			     NLM_F_REQUEST, 1);
	mnl_attr_put_u8(nlh, SOV_A_RAFT_TYPE, RAFT_MSG_APPEND);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_FROM, 2);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_TO, 1);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_TERM, 5);
	for (i = 0; i <= SOV_RAFT_ENTRIES_MAX; i++) {
		nest = mnl_attr_nest_start(nlh, SOV_A_RAFT_ENTRY);
		mnl_attr_put_u64(nlh, SOV_A_RAFT_ENTRY_TERM, 5);
		mnl_attr_put_u64(nlh, SOV_A_RAFT_ENTRY_INDEX, i + 1);
		mnl_attr_put_u8(nlh, SOV_A_RAFT_ENTRY_TYPE, 0);
		mnl_attr_nest_end(nlh, nest);
	}
	assert_true(nlh->nlmsg_len < cap);
	expect_refused_nlh(nlh, "more than 65536 ENTRY attributes");
	free(buf);

	/* an entry's data, and a chunk, one byte over the data limit, in pieces */
	cap = SOV_RAFT_DATA_MAX + (1 << 20);
	buf = malloc(cap);
	assert_non_null(buf);
	nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_RAFT_MSG, SOV_GENL_VERSION,
			     NLM_F_REQUEST, 1);
	mnl_attr_put_u8(nlh, SOV_A_RAFT_TYPE, RAFT_MSG_APPEND);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_FROM, 2);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_TO, 1);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_TERM, 5);
	nest = mnl_attr_nest_start(nlh, SOV_A_RAFT_ENTRY);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_ENTRY_TERM, 5);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_ENTRY_INDEX, 1);
	mnl_attr_put_u8(nlh, SOV_A_RAFT_ENTRY_TYPE, 0);
	mnl_attr_nest_end(nlh, nest);
	for (n = 0; n + SOV_RAFT_WIRE_PIECE <= SOV_RAFT_DATA_MAX; n += SOV_RAFT_WIRE_PIECE)
		mnl_attr_put(nlh, SOV_A_RAFT_ENTRY_MORE, SOV_RAFT_WIRE_PIECE, piece);
	mnl_attr_put(nlh, SOV_A_RAFT_ENTRY_MORE, SOV_RAFT_DATA_MAX - n, piece);
	{
		/* exactly at the limit: fine */
		struct sov_nl_err err;
		struct raft_msg m;

		assert_int_equal(sov_raft_wire_decode(nlh, nlh->nlmsg_len, &m, &err), 0);
		assert_int_equal(m.entries[0].len, SOV_RAFT_DATA_MAX);
		sov_raft_wire_msg_free(&m);
	}
	mnl_attr_put(nlh, SOV_A_RAFT_ENTRY_MORE, 1, piece);
	expect_refused_nlh(nlh, "ENTRY 0: data longer than 8388608 bytes");

	nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_RAFT_MSG, SOV_GENL_VERSION,
			     NLM_F_REQUEST, 1);
	mnl_attr_put_u8(nlh, SOV_A_RAFT_TYPE, RAFT_MSG_SNAPSHOT);
	for (n = 0; n <= SOV_RAFT_DATA_MAX; n += SOV_RAFT_WIRE_PIECE)
		mnl_attr_put(nlh, SOV_A_RAFT_CHUNK, SOV_RAFT_WIRE_PIECE, piece);
	expect_refused_nlh(nlh, "CHUNK: longer than 8388608 bytes");
	free(buf);
	free(piece);
}

/* ---- truncation and garbage ------------------------------------------------------- */

/* Where each top-level attribute starts. */
static void boundaries(const uint8_t *frame, size_t len, bool *at)
{
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN;
	struct nlattr a;

	while (off + sizeof(a) <= len) {
		at[off] = true;
		memcpy(&a, frame + off, sizeof(a));
		off += MNL_ALIGN(a.nla_len);
	}
}

static void test_truncations(void **state)
{
	static const uint8_t types[] = { RAFT_MSG_APPEND, RAFT_MSG_SNAPSHOT, RAFT_MSG_VOTE };
	size_t t, cut, refused, decoded;
	struct sov_nl_err err;
	struct raft_msg m;
	struct sample s;
	uint8_t *frame, *copy;
	bool *at;
	size_t n;
	uint32_t len;

	(void)state;
	for (t = 0; t < sizeof(types); t++) {
		sample_init(&s, types[t]);
		n = encode(&s.m, &frame);
		copy = malloc(n);
		at = calloc(n + 1, sizeof(*at));
		assert_non_null(copy);
		assert_non_null(at);
		boundaries(frame, n, at);
		refused = 0;
		decoded = 0;
		for (cut = 0; cut < n; cut++) {
			/* as the stream delivers it: the header still says n bytes */
			memcpy(copy, frame, cut);
			assert_int_equal(sov_frame_len_max(copy, cut, SOV_RAFT_FRAME_MAX), 0);
			assert_int_equal(sov_raft_wire_decode(copy, cut, &m, &err), -EINVAL);
			/* as a lying sender would: the header says cut bytes */
			if (cut < sizeof(len))
				continue;
			len = (uint32_t)cut;
			memcpy(copy, &len, sizeof(len));
			if (sov_raft_wire_decode(copy, cut, &m, &err)) {
				refused++;
				continue;
			}
			/*
			 * Only a cut between two top-level attributes can still be
			 * a message (one with less in it: TCP, not the format,
			 * guards against that).
			 */
			assert_true(at[cut]);
			decoded++;
			sov_raft_wire_msg_free(&m);
		}
		assert_true(refused > decoded);
		free(at);
		free(copy);
		free(frame);
		sample_free(&s);
	}
}

/* Decode must survive anything; what it accepts must be self-consistent. */
static void check_decoded(const uint8_t *buf, size_t len)
{
	struct sov_raft_hello h;
	struct sov_nl_err err;
	struct raft_msg m;
	size_t i;

	if (sov_raft_wire_decode(buf, len, &m, &err) == 0) {
		assert_true(m.type < RAFT_MSG_TYPES);
		assert_true(m.from && m.to);
		assert_true(m.n_entries <= SOV_RAFT_ENTRIES_MAX);
		for (i = 0; i < m.n_entries; i++)
			assert_true(m.entries[i].len <= len &&
				    m.entries[i].type <= RAFT_ENTRY_CONF);
		assert_true(m.chunk_len <= len);
		sov_raft_wire_msg_free(&m);
	} else {
		assert_int_equal(err.error, -EINVAL);
		assert_true(err.msg[0] != '\0');
	}
	if (sov_raft_wire_decode_hello(buf, len, &h, &err) == 0)
		assert_int_equal(sov_raft_cluster_id_check(h.cluster_id), 0);
}

/* The trace context rides along opaque: any 1-64 bytes; the daemon judges them. */
static void test_trace(void **state)
{
	struct raft_entry e = { .term = 1, .index = 7 };
	struct raft_msg m = { .type = RAFT_MSG_APPEND, .from = 3, .to = 1, .term = 1,
			      .entries = &e, .n_entries = 1 };
	struct sov_nl_err err;
	struct nlmsghdr *nlh;
	uint8_t big[RAFT_TRACE_MAX + 1];
	size_t len;

	(void)state;
	memset(big, 0x5a, sizeof(big));
	for (len = 1; len <= RAFT_TRACE_MAX; len += 25) {
		m.trace_len = (uint8_t)len;
		memcpy(m.trace, big, len);
		roundtrip(&m);
	}
	m.trace_len = RAFT_TRACE_MAX;
	roundtrip(&m);
	/* encode refuses what it could not send */
	m.trace_len = RAFT_TRACE_MAX + 1;
	assert_int_equal(sov_raft_wire_size(&m, &err), -EINVAL);
	assert_string_equal(err.msg, "TRACE: 65 bytes: at most 64");
	/* decode refuses an empty or oversized one: that is a broken frame */
	nlh = raw_msg(RAFT_MSG_HEARTBEAT);
	mnl_attr_put(nlh, SOV_A_RAFT_TRACE, 0, NULL);
	expect_refused_nlh(nlh, "TRACE: 0 bytes: expected 1 to 64");
	nlh = raw_msg(RAFT_MSG_HEARTBEAT);
	mnl_attr_put(nlh, SOV_A_RAFT_TRACE, sizeof(big), big);
	expect_refused_nlh(nlh, "TRACE: 65 bytes: expected 1 to 64");
	nlh = raw_msg(RAFT_MSG_HEARTBEAT);
	mnl_attr_put(nlh, SOV_A_RAFT_TRACE, 26, big);
	mnl_attr_put(nlh, SOV_A_RAFT_TRACE, 26, big);
	expect_refused_nlh(nlh, "TRACE given twice");
}

static void test_garbage(void **state)
{
	static uint8_t buf[4096 + 1];
	struct sample s;
	uint8_t *valid[3];
	size_t vlen[3], i, j, len;
	uint32_t l;

	(void)state;
	srandom(20240611);
	sample_init(&s, RAFT_MSG_APPEND);
	/* small entries, so that mutations hit every kind of attribute */
	s.m.n_entries = 3;
	vlen[0] = encode(&s.m, &valid[0]);
	sample_free(&s);
	sample_init(&s, RAFT_MSG_SNAPSHOT);
	s.m.chunk_len = 100;
	vlen[1] = encode(&s.m, &valid[1]);
	sample_free(&s);
	sample_init(&s, RAFT_MSG_HEARTBEAT);
	vlen[2] = encode(&s.m, &valid[2]);
	sample_free(&s);

	for (i = 0; i < 10000; i++) {
		/* 1: bytes from nowhere, at an odd address */
		len = (size_t)random() % 4096;
		for (j = 0; j < len; j++)
			buf[1 + j] = (uint8_t)random();
		check_decoded(buf + 1, len);

		/* 2: good headers, random attributes */
		l = (uint32_t)(20 + 4 * ((size_t)random() % 256));
		raw_start((uint8_t)(random() % 2 ? SOV_CMD_RAFT_MSG : SOV_CMD_RAFT_HELLO));
		for (j = 20; j < l; j++)
			raw[j] = (uint8_t)random();
		memcpy(raw, &l, sizeof(l));
		check_decoded(raw, l);

		/* 3: a good frame with a few bytes changed */
		j = (size_t)random() % 3;
		memcpy(raw, valid[j], vlen[j]);
		for (len = 1 + (size_t)random() % 4; len; len--)
			raw[20 + (size_t)random() % (vlen[j] - 20)] = (uint8_t)random();
		check_decoded(raw, vlen[j]);
	}
	for (j = 0; j < 3; j++)
		free(valid[j]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_every_type),
		cmocka_unit_test(test_roundtrip_minimal),
		cmocka_unit_test(test_roundtrip_limits),
		cmocka_unit_test(test_roundtrip_many_entries),
		cmocka_unit_test(test_unaligned),
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_hello_refused),
		cmocka_unit_test(test_headers_refused),
		cmocka_unit_test(test_attrs_refused),
		cmocka_unit_test(test_nests_refused),
		cmocka_unit_test(test_encode_refused),
		cmocka_unit_test(test_decode_oversized),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_trace),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests_name("raft_wire", tests, NULL, NULL);
}
