// SPDX-License-Identifier: GPL-2.0
/*
 * lib/raft/wire: struct raft_msg <-> SOV_CMD_RAFT_* frames.
 *
 * The encoder sizes a frame exactly before writing it, so that a message
 * too large for the link is refused up front rather than cut short. The
 * decoder makes two passes over a frame: the first checks everything and
 * adds up the sizes, the second copies into one allocation. It reads
 * through memcpy() only: a frame may sit anywhere in a stream buffer.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "wire.h"

/* The wire's numbers are the uapi's: raft.h's enums must not drift from them. */
#define SAME(a, b) _Static_assert((int)(a) == (int)(b), #a " differs from " #b)
SAME(RAFT_MSG_PREVOTE, SOV_RAFT_MSG_PREVOTE);
SAME(RAFT_MSG_PREVOTE_RESP, SOV_RAFT_MSG_PREVOTE_RESP);
SAME(RAFT_MSG_VOTE, SOV_RAFT_MSG_VOTE);
SAME(RAFT_MSG_VOTE_RESP, SOV_RAFT_MSG_VOTE_RESP);
SAME(RAFT_MSG_APPEND, SOV_RAFT_MSG_APPEND);
SAME(RAFT_MSG_APPEND_RESP, SOV_RAFT_MSG_APPEND_RESP);
SAME(RAFT_MSG_HEARTBEAT, SOV_RAFT_MSG_HEARTBEAT);
SAME(RAFT_MSG_HEARTBEAT_RESP, SOV_RAFT_MSG_HEARTBEAT_RESP);
SAME(RAFT_MSG_SNAPSHOT, SOV_RAFT_MSG_SNAPSHOT);
SAME(RAFT_MSG_SNAPSHOT_RESP, SOV_RAFT_MSG_SNAPSHOT_RESP);
SAME(RAFT_MSG_TIMEOUT_NOW, SOV_RAFT_MSG_TIMEOUT_NOW);
SAME(RAFT_MSG_READ_INDEX, SOV_RAFT_MSG_READ_INDEX);
SAME(RAFT_MSG_READ_INDEX_RESP, SOV_RAFT_MSG_READ_INDEX_RESP);
SAME(RAFT_MSG_TYPES, __SOV_RAFT_MSG_CNT);
SAME(RAFT_ENTRY_NORMAL, SOV_RAFT_ENTRY_NORMAL);
SAME(RAFT_ENTRY_CONF, SOV_RAFT_ENTRY_CONF);
SAME(RAFT_ENTRY_CONF + 1, __SOV_RAFT_ENTRY_CNT);
#undef SAME

_Static_assert(SOV_RAFT_WIRE_PIECE + 48 <= 0xffff, "an ENTRY nest must fit nla_len");
_Static_assert(RAFT_TRACE_MAX == SOV_RAFT_TRACE_MAX, "raft.h and the uapi agree");
_Static_assert(SOV_RAFT_DATA_MAX <= UINT32_MAX, "chunk_len and entry len are u32");

/* ---- the policy: what each attribute is and where it may appear ---------- */

enum kind { K_PAD, K_U8, K_U64, K_FLAG, K_STR, K_BIN, K_NEST };

#define IN_TOP		1
#define IN_ENTRY	2
#define IN_SNAP		4

static const struct {
	const char *name;
	uint8_t kind;
	uint8_t where;
	bool multi;
} pol[SOV_A_RAFT_MAX + 1] = {
	[SOV_A_RAFT_PAD]	  = { "PAD", K_PAD, IN_TOP | IN_ENTRY | IN_SNAP, true },
	[SOV_A_RAFT_CLUSTER_ID]	  = { "CLUSTER_ID", K_STR, IN_TOP },
	[SOV_A_RAFT_TYPE]	  = { "TYPE", K_U8, IN_TOP },
	[SOV_A_RAFT_FROM]	  = { "FROM", K_U64, IN_TOP },
	[SOV_A_RAFT_TO]		  = { "TO", K_U64, IN_TOP },
	[SOV_A_RAFT_TERM]	  = { "TERM", K_U64, IN_TOP },
	[SOV_A_RAFT_INDEX]	  = { "INDEX", K_U64, IN_TOP },
	[SOV_A_RAFT_LOG_TERM]	  = { "LOG_TERM", K_U64, IN_TOP },
	[SOV_A_RAFT_COMMIT]	  = { "COMMIT", K_U64, IN_TOP },
	[SOV_A_RAFT_REJECT]	  = { "REJECT", K_FLAG, IN_TOP },
	[SOV_A_RAFT_HINT]	  = { "HINT", K_U64, IN_TOP },
	[SOV_A_RAFT_CTX]	  = { "CTX", K_U64, IN_TOP },
	[SOV_A_RAFT_ENTRY]	  = { "ENTRY", K_NEST, IN_TOP, true },
	[SOV_A_RAFT_ENTRY_TERM]	  = { "ENTRY_TERM", K_U64, IN_ENTRY },
	[SOV_A_RAFT_ENTRY_INDEX]  = { "ENTRY_INDEX", K_U64, IN_ENTRY },
	[SOV_A_RAFT_ENTRY_TYPE]	  = { "ENTRY_TYPE", K_U8, IN_ENTRY },
	[SOV_A_RAFT_ENTRY_DATA]	  = { "ENTRY_DATA", K_BIN, IN_ENTRY },
	[SOV_A_RAFT_ENTRY_MORE]	  = { "ENTRY_MORE", K_BIN, IN_TOP, true },
	[SOV_A_RAFT_SNAP]	  = { "SNAP", K_NEST, IN_TOP },
	[SOV_A_RAFT_SNAP_INDEX]	  = { "SNAP_INDEX", K_U64, IN_SNAP },
	[SOV_A_RAFT_SNAP_TERM]	  = { "SNAP_TERM", K_U64, IN_SNAP },
	[SOV_A_RAFT_SNAP_VOTER]	  = { "SNAP_VOTER", K_U64, IN_SNAP, true },
	[SOV_A_RAFT_SNAP_LEARNER] = { "SNAP_LEARNER", K_U64, IN_SNAP, true },
	[SOV_A_RAFT_SNAP_OFFSET]  = { "SNAP_OFFSET", K_U64, IN_TOP },
	[SOV_A_RAFT_SNAP_TOTAL]	  = { "SNAP_TOTAL", K_U64, IN_TOP },
	[SOV_A_RAFT_CHUNK]	  = { "CHUNK", K_BIN, IN_TOP, true },
	[SOV_A_RAFT_TRACE]	  = { "TRACE", K_BIN, IN_TOP },
};

static const char *const type_names[] = {
	[SOV_RAFT_MSG_PREVOTE] = "PREVOTE",
	[SOV_RAFT_MSG_PREVOTE_RESP] = "PREVOTE_RESP",
	[SOV_RAFT_MSG_VOTE] = "VOTE",
	[SOV_RAFT_MSG_VOTE_RESP] = "VOTE_RESP",
	[SOV_RAFT_MSG_APPEND] = "APPEND",
	[SOV_RAFT_MSG_APPEND_RESP] = "APPEND_RESP",
	[SOV_RAFT_MSG_HEARTBEAT] = "HEARTBEAT",
	[SOV_RAFT_MSG_HEARTBEAT_RESP] = "HEARTBEAT_RESP",
	[SOV_RAFT_MSG_SNAPSHOT] = "SNAPSHOT",
	[SOV_RAFT_MSG_SNAPSHOT_RESP] = "SNAPSHOT_RESP",
	[SOV_RAFT_MSG_TIMEOUT_NOW] = "TIMEOUT_NOW",
	[SOV_RAFT_MSG_READ_INDEX] = "READ_INDEX",
	[SOV_RAFT_MSG_READ_INDEX_RESP] = "READ_INDEX_RESP",
};

static const char *const cmd_names[] = {
	[SOV_CMD_RAFT_HELLO] = "RAFT_HELLO",
	[SOV_CMD_RAFT_MSG] = "RAFT_MSG",
};

#define BIT(t)		(1ULL << (t))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static int fail(struct sov_nl_err *err, int error, int attr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct sov_nl_err *err, int error, int attr, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		sov_nl_err_clear(err);
		err->error = error;
		err->attr_type = attr;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return error;
}

const char *sov_raft_wire_type_name(uint8_t type)
{
	return type < __SOV_RAFT_MSG_CNT ? type_names[type] : "unknown";
}

int sov_raft_cluster_id_check(const char *id)
{
	size_t n = strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");

	return n >= 1 && n <= SOV_RAFT_CLUSTER_ID_MAX && !id[n] ? 0 : -EINVAL;
}

/* ---- encoding ------------------------------------------------------------- */

static uint64_t attr_size(uint64_t payload)
{
	return MNL_ATTR_HDRLEN + MNL_ALIGN(payload);
}

/* @len bytes as attributes of at most SOV_RAFT_WIRE_PIECE bytes each */
static uint64_t pieces_size(uint64_t len)
{
	uint64_t rest = len % SOV_RAFT_WIRE_PIECE;

	return len / SOV_RAFT_WIRE_PIECE * attr_size(SOV_RAFT_WIRE_PIECE) +
	       (rest ? attr_size(rest) : 0);
}

static int check_msg(const struct raft_msg *m, struct sov_nl_err *err)
{
	const struct raft_conf *c = &m->snap.conf;
	size_t i;

	if (m->type >= RAFT_MSG_TYPES)
		return fail(err, -EINVAL, SOV_A_RAFT_TYPE, "TYPE: %u is not a message type",
			    m->type);
	if (!m->from || !m->to)
		return fail(err, -EINVAL, m->from ? SOV_A_RAFT_TO : SOV_A_RAFT_FROM,
			    "%s: 0 is not a node id", m->from ? "TO" : "FROM");
	if (m->n_entries && (m->type != RAFT_MSG_APPEND || !m->entries))
		return fail(err, -EINVAL, SOV_A_RAFT_ENTRY, "ENTRY not allowed in %s",
			    sov_raft_wire_type_name(m->type));
	if (m->n_entries > SOV_RAFT_ENTRIES_MAX)
		return fail(err, -EMSGSIZE, SOV_A_RAFT_ENTRY,
			    "%zu entries: at most %d per message", m->n_entries,
			    SOV_RAFT_ENTRIES_MAX);
	for (i = 0; i < m->n_entries; i++) {
		const struct raft_entry *e = &m->entries[i];

		if (e->type >= __SOV_RAFT_ENTRY_CNT)
			return fail(err, -EINVAL, SOV_A_RAFT_ENTRY_TYPE,
				    "ENTRY %zu: ENTRY_TYPE: %u is not an entry type", i, e->type);
		if (e->len && !e->data)
			return fail(err, -EINVAL, SOV_A_RAFT_ENTRY_DATA,
				    "ENTRY %zu: %u bytes of data at NULL", i, e->len);
		if (e->len > SOV_RAFT_DATA_MAX)
			return fail(err, -EMSGSIZE, SOV_A_RAFT_ENTRY_DATA,
				    "ENTRY %zu: %u bytes of data: at most %d", i, e->len,
				    SOV_RAFT_DATA_MAX);
	}
	if (m->chunk_len && (m->type != RAFT_MSG_SNAPSHOT || !m->chunk))
		return fail(err, -EINVAL, SOV_A_RAFT_CHUNK, "CHUNK not allowed in %s",
			    sov_raft_wire_type_name(m->type));
	if (m->chunk_len > SOV_RAFT_DATA_MAX)
		return fail(err, -EMSGSIZE, SOV_A_RAFT_CHUNK, "CHUNK: %u bytes: at most %d",
			    m->chunk_len, SOV_RAFT_DATA_MAX);
	if (m->trace_len > RAFT_TRACE_MAX)
		return fail(err, -EINVAL, SOV_A_RAFT_TRACE, "TRACE: %u bytes: at most %d",
			    m->trace_len, RAFT_TRACE_MAX);
	if (m->type == RAFT_MSG_SNAPSHOT &&
	    (c->n_voters > RAFT_MAX_NODES || c->n_learners > RAFT_MAX_NODES ||
	     c->n_voters + c->n_learners > RAFT_MAX_NODES))
		return fail(err, -EINVAL, SOV_A_RAFT_SNAP,
			    "SNAP: %u voters and %u learners: at most %d nodes",
			    c->n_voters, c->n_learners, RAFT_MAX_NODES);
	return 0;
}

static uint64_t msg_size(const struct raft_msg *m)
{
	const uint64_t u64 = attr_size(8);
	uint64_t n = NLMSG_HDRLEN + GENL_HDRLEN + attr_size(1) + 3 * u64;
	size_t i;

	n += m->index ? u64 : 0;
	n += m->log_term ? u64 : 0;
	n += m->commit ? u64 : 0;
	n += m->reject ? attr_size(0) : 0;
	n += m->hint ? u64 : 0;
	n += m->ctx ? u64 : 0;
	n += m->trace_len ? attr_size(m->trace_len) : 0;
	for (i = 0; i < m->n_entries; i++)
		n += MNL_ATTR_HDRLEN + 2 * u64 + attr_size(1) + pieces_size(m->entries[i].len);
	if (m->type == RAFT_MSG_SNAPSHOT) {
		n += MNL_ATTR_HDRLEN + 2 * u64 +
		     (uint64_t)(m->snap.conf.n_voters + m->snap.conf.n_learners) * u64;
		n += 2 * u64 + pieces_size(m->chunk_len);
	}
	return n;
}

ssize_t sov_raft_wire_size(const struct raft_msg *m, struct sov_nl_err *err)
{
	uint64_t n;
	int ret;

	ret = check_msg(m, err);
	if (ret)
		return ret;
	n = msg_size(m);
	if (n > SOV_RAFT_FRAME_MAX)
		return fail(err, -EMSGSIZE, -1,
			    "%s: %llu bytes; frames are at most %d bytes",
			    sov_raft_wire_type_name(m->type), (unsigned long long)n,
			    SOV_RAFT_FRAME_MAX);
	return (ssize_t)n;
}

static void put_opt_u64(struct nlmsghdr *nlh, uint16_t type, uint64_t v)
{
	if (v)
		mnl_attr_put_u64(nlh, type, v);
}

/* At most one piece of @p as a @type attribute; returns its length. */
static size_t put_first_piece(struct nlmsghdr *nlh, uint16_t type, const uint8_t *p,
			      size_t len)
{
	size_t n = len < SOV_RAFT_WIRE_PIECE ? len : SOV_RAFT_WIRE_PIECE;

	if (n)
		mnl_attr_put(nlh, type, n, p);
	return n;
}

static void put_pieces(struct nlmsghdr *nlh, uint16_t type, const uint8_t *p, size_t len)
{
	size_t off = 0;

	while (off < len)
		off += put_first_piece(nlh, type, p + off, len - off);
}

static void put_entry(struct nlmsghdr *nlh, const struct raft_entry *e)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, SOV_A_RAFT_ENTRY);
	size_t first;

	mnl_attr_put_u64(nlh, SOV_A_RAFT_ENTRY_TERM, e->term);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_ENTRY_INDEX, e->index);
	mnl_attr_put_u8(nlh, SOV_A_RAFT_ENTRY_TYPE, e->type);
	first = put_first_piece(nlh, SOV_A_RAFT_ENTRY_DATA, e->data, e->len);
	mnl_attr_nest_end(nlh, nest);
	put_pieces(nlh, SOV_A_RAFT_ENTRY_MORE, e->data + first, e->len - first);
}

static void put_snapshot(struct nlmsghdr *nlh, const struct raft_msg *m)
{
	const struct raft_conf *c = &m->snap.conf;
	struct nlattr *nest = mnl_attr_nest_start(nlh, SOV_A_RAFT_SNAP);
	uint32_t i;

	mnl_attr_put_u64(nlh, SOV_A_RAFT_SNAP_INDEX, m->snap.index);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_SNAP_TERM, m->snap.term);
	for (i = 0; i < c->n_voters; i++)
		mnl_attr_put_u64(nlh, SOV_A_RAFT_SNAP_VOTER, c->voters[i]);
	for (i = 0; i < c->n_learners; i++)
		mnl_attr_put_u64(nlh, SOV_A_RAFT_SNAP_LEARNER, c->learners[i]);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_SNAP_OFFSET, m->snap_offset);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_SNAP_TOTAL, m->snap_total);
	put_pieces(nlh, SOV_A_RAFT_CHUNK, m->chunk, m->chunk_len);
}

ssize_t sov_raft_wire_encode(const struct raft_msg *m, uint32_t seq, void *buf,
			     size_t size, struct sov_nl_err *err)
{
	ssize_t need = sov_raft_wire_size(m, err);
	struct nlmsghdr *nlh;
	size_t i;

	if (need < 0)
		return need;
	if (size < (size_t)need)
		return fail(err, -ENOSPC, -1, "the frame needs %zd bytes, the buffer has %zu",
			    need, size);
	nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_RAFT_MSG, SOV_GENL_VERSION,
			     NLM_F_REQUEST, seq);
	mnl_attr_put_u8(nlh, SOV_A_RAFT_TYPE, m->type);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_FROM, m->from);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_TO, m->to);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_TERM, m->term);
	put_opt_u64(nlh, SOV_A_RAFT_INDEX, m->index);
	put_opt_u64(nlh, SOV_A_RAFT_LOG_TERM, m->log_term);
	put_opt_u64(nlh, SOV_A_RAFT_COMMIT, m->commit);
	if (m->reject)
		mnl_attr_put(nlh, SOV_A_RAFT_REJECT, 0, NULL);
	put_opt_u64(nlh, SOV_A_RAFT_HINT, m->hint);
	put_opt_u64(nlh, SOV_A_RAFT_CTX, m->ctx);
	if (m->trace_len)
		mnl_attr_put(nlh, SOV_A_RAFT_TRACE, m->trace_len, m->trace);
	for (i = 0; i < m->n_entries; i++)
		put_entry(nlh, &m->entries[i]);
	if (m->type == RAFT_MSG_SNAPSHOT)
		put_snapshot(nlh, m);
	if (nlh->nlmsg_len != (uint32_t)need)	/* msg_size() and the puts disagree */
		return fail(err, -EFAULT, -1, "encoded %u bytes, sized %zd",
			    nlh->nlmsg_len, need);
	return need;
}

ssize_t sov_raft_wire_encode_alloc(const struct raft_msg *m, uint32_t seq,
				   void **out, struct sov_nl_err *err)
{
	ssize_t n = sov_raft_wire_size(m, err);
	void *buf;

	*out = NULL;
	if (n < 0)
		return n;
	buf = malloc((size_t)n);
	if (!buf)
		return fail(err, -ENOMEM, -1, "out of memory for a %zd-byte frame", n);
	n = sov_raft_wire_encode(m, seq, buf, (size_t)n, err);
	if (n < 0)
		free(buf);
	else
		*out = buf;
	return n;
}

ssize_t sov_raft_wire_encode_hello(const struct sov_raft_hello *h, uint32_t seq,
				   void *buf, size_t size, struct sov_nl_err *err)
{
	size_t need;
	struct nlmsghdr *nlh;

	if (sov_raft_cluster_id_check(h->cluster_id))
		return fail(err, -EINVAL, SOV_A_RAFT_CLUSTER_ID,
			    "CLUSTER_ID: not 1-%d characters of [A-Za-z0-9._-]",
			    SOV_RAFT_CLUSTER_ID_MAX);
	if (!h->from || !h->to)
		return fail(err, -EINVAL, h->from ? SOV_A_RAFT_TO : SOV_A_RAFT_FROM,
			    "%s: 0 is not a node id", h->from ? "TO" : "FROM");
	need = NLMSG_HDRLEN + GENL_HDRLEN + attr_size(strlen(h->cluster_id) + 1) +
	       2 * attr_size(8);
	if (size < need)
		return fail(err, -ENOSPC, -1, "the frame needs %zu bytes, the buffer has %zu",
			    need, size);
	nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_RAFT_HELLO, SOV_GENL_VERSION,
			     NLM_F_REQUEST, seq);
	mnl_attr_put_strz(nlh, SOV_A_RAFT_CLUSTER_ID, h->cluster_id);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_FROM, h->from);
	mnl_attr_put_u64(nlh, SOV_A_RAFT_TO, h->to);
	return nlh->nlmsg_len;
}

/* ---- decoding: attribute walking -------------------------------------------- */

struct attr {
	unsigned int type;		/* without the NLA_F_* flags */
	const uint8_t *data;
	size_t len;
};

struct cursor {
	const uint8_t *p;
	size_t left;
};

static const char *nest_name(unsigned int where)
{
	return where & IN_ENTRY ? "an ENTRY" : "SNAP";
}

/* 1: @a is the next attribute; 0: no more; <0: malformed (@err says how). */
static int next_attr(struct cursor *c, unsigned int where, const char *ctx,
		     struct attr *a, struct sov_nl_err *err)
{
	static const size_t fixed[] = {
		[K_PAD] = 0, [K_U8] = 1, [K_U64] = 8, [K_FLAG] = 0,
	};
	struct nlattr h;
	unsigned int flags, want;
	size_t step;

	if (!c->left)
		return 0;
	if (c->left < sizeof(h))
		return fail(err, -EINVAL, -1, "%s%zu bytes left over after the last attribute",
			    ctx, c->left);
	memcpy(&h, c->p, sizeof(h));
	a->type = h.nla_type & NLA_TYPE_MASK;
	flags = h.nla_type & ~NLA_TYPE_MASK;
	if (h.nla_len < sizeof(h) || h.nla_len > c->left)
		return fail(err, -EINVAL, (int)a->type,
			    "%sattribute %u: length %u with %zu bytes left", ctx, a->type,
			    h.nla_len, c->left);
	if (!a->type || a->type > SOV_A_RAFT_MAX)
		return fail(err, -EINVAL, (int)a->type, "%sattribute %u is unknown", ctx,
			    a->type);
	if (!(pol[a->type].where & where) && where == IN_TOP)
		return fail(err, -EINVAL, (int)a->type, "%s outside %s", pol[a->type].name,
			    nest_name(pol[a->type].where));
	if (!(pol[a->type].where & where))
		return fail(err, -EINVAL, (int)a->type, "%s%s inside %s", ctx,
			    pol[a->type].name, nest_name(where));
	want = pol[a->type].kind == K_NEST ? NLA_F_NESTED : 0;
	if (flags != want)
		return fail(err, -EINVAL, (int)a->type, "%s%s: flags 0x%x, expected 0x%x", ctx,
			    pol[a->type].name, flags, want);
	a->data = c->p + sizeof(h);
	a->len = h.nla_len - sizeof(h);
	switch (pol[a->type].kind) {
	case K_PAD:
	case K_U8:
	case K_U64:
	case K_FLAG:
		if (a->len != fixed[pol[a->type].kind])
			return fail(err, -EINVAL, (int)a->type, "%s%s: length %zu, expected %zu",
				    ctx, pol[a->type].name, a->len, fixed[pol[a->type].kind]);
		break;
	case K_STR:
		if (!a->len || memchr(a->data, '\0', a->len) != a->data + a->len - 1)
			return fail(err, -EINVAL, (int)a->type,
				    "%s%s: not a NUL-terminated string", ctx, pol[a->type].name);
		break;
	}
	step = MNL_ALIGN(h.nla_len);
	if (step > c->left)	/* the last attribute may go without its padding */
		step = c->left;
	c->p += step;
	c->left -= step;
	return 1;
}

static uint64_t get_u64(const struct attr *a)
{
	uint64_t v;

	memcpy(&v, a->data, sizeof(v));
	return v;
}

/* Attributes that may appear once per nest or message: refuse a repeat. */
static int once(uint64_t *seen, const struct attr *a, const char *ctx,
		struct sov_nl_err *err)
{
	if (pol[a->type].multi)
		return 0;
	if (*seen & BIT(a->type))
		return fail(err, -EINVAL, (int)a->type, "%s%s given twice", ctx,
			    pol[a->type].name);
	*seen |= BIT(a->type);
	return 0;
}

static int need(uint64_t seen, const unsigned int *types, size_t n, const char *ctx,
		struct sov_nl_err *err)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!(seen & BIT(types[i])))
			return fail(err, -EINVAL, (int)types[i], "%s%s missing", ctx,
				    pol[types[i]].name);
	return 0;
}

static int check_id(const struct attr *a, raft_id_t *id, const char *ctx,
		    struct sov_nl_err *err)
{
	*id = get_u64(a);
	if (!*id)
		return fail(err, -EINVAL, (int)a->type, "%s%s: 0 is not a node id", ctx,
			    pol[a->type].name);
	return 0;
}

/* ---- decoding: headers, HELLO ---------------------------------------------- */

int sov_raft_wire_cmd(const void *frame, size_t len, struct sov_nl_err *err)
{
	struct nlmsghdr h;
	struct genlmsghdr g;

	sov_nl_err_clear(err);
	if (len < NLMSG_HDRLEN + GENL_HDRLEN)
		return fail(err, -EINVAL, -1, "a frame of %zu bytes is shorter than its headers",
			    len);
	memcpy(&h, frame, sizeof(h));
	memcpy(&g, (const uint8_t *)frame + NLMSG_HDRLEN, sizeof(g));
	if (h.nlmsg_len != len)
		return fail(err, -EINVAL, -1, "nlmsg_len %u for a frame of %zu bytes",
			    h.nlmsg_len, len);
	if (len % NLMSG_ALIGNTO)
		return fail(err, -EINVAL, -1, "frame length %zu is not a multiple of %d",
			    len, NLMSG_ALIGNTO);
	if (h.nlmsg_type != SOV_CTL_FAMILY_ID)
		return fail(err, -EINVAL, -1, "message type 0x%x, expected 0x%x (sovereign)",
			    h.nlmsg_type, SOV_CTL_FAMILY_ID);
	if (h.nlmsg_flags != NLM_F_REQUEST)
		return fail(err, -EINVAL, -1, "nlmsg_flags 0x%x, expected 0x%x (NLM_F_REQUEST)",
			    h.nlmsg_flags, NLM_F_REQUEST);
	if (g.version != SOV_GENL_VERSION || g.reserved)
		return fail(err, -EINVAL, -1, "genl version %u reserved %u, expected %u and 0",
			    g.version, g.reserved, SOV_GENL_VERSION);
	if (g.cmd != SOV_CMD_RAFT_HELLO && g.cmd != SOV_CMD_RAFT_MSG)
		return fail(err, -EINVAL, -1, "command %u is not spoken on the peer link",
			    g.cmd);
	return g.cmd;
}

static struct cursor attrs_of(const void *frame, size_t len)
{
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN;

	return (struct cursor){ (const uint8_t *)frame + off, len - off };
}

static int expect_cmd(const void *frame, size_t len, int cmd, struct sov_nl_err *err)
{
	int got = sov_raft_wire_cmd(frame, len, err);

	if (got < 0)
		return got;
	if (got != cmd)
		return fail(err, -EINVAL, -1, "expected %s, got %s", cmd_names[cmd],
			    cmd_names[got]);
	return 0;
}

static int hello_attr(const struct attr *a, struct sov_raft_hello *h,
		      struct sov_nl_err *err)
{
	switch (a->type) {
	case SOV_A_RAFT_PAD:
		return 0;
	case SOV_A_RAFT_CLUSTER_ID:
		/* the peer's bytes are not echoed into logs: they may be anything */
		if (a->len > sizeof(h->cluster_id) ||
		    sov_raft_cluster_id_check((const char *)a->data))
			return fail(err, -EINVAL, SOV_A_RAFT_CLUSTER_ID,
				    "CLUSTER_ID: not 1-%d characters of [A-Za-z0-9._-]",
				    SOV_RAFT_CLUSTER_ID_MAX);
		memcpy(h->cluster_id, a->data, a->len);
		return 0;
	case SOV_A_RAFT_FROM:
		return check_id(a, &h->from, "", err);
	case SOV_A_RAFT_TO:
		return check_id(a, &h->to, "", err);
	}
	return fail(err, -EINVAL, (int)a->type, "%s not allowed in RAFT_HELLO",
		    pol[a->type].name);
}

int sov_raft_wire_decode_hello(const void *frame, size_t len,
			       struct sov_raft_hello *h, struct sov_nl_err *err)
{
	static const unsigned int required[] = {
		SOV_A_RAFT_CLUSTER_ID, SOV_A_RAFT_FROM, SOV_A_RAFT_TO,
	};
	struct cursor c;
	struct attr a;
	uint64_t seen = 0;
	int ret;

	memset(h, 0, sizeof(*h));
	ret = expect_cmd(frame, len, SOV_CMD_RAFT_HELLO, err);
	if (ret)
		return ret;
	c = attrs_of(frame, len);
	while ((ret = next_attr(&c, IN_TOP, "", &a, err)) > 0) {
		ret = once(&seen, &a, "", err);
		if (!ret)
			ret = hello_attr(&a, h, err);
		if (ret)
			break;
	}
	if (!ret)
		ret = need(seen, required, ARRAY_SIZE(required), "", err);
	if (ret)
		memset(h, 0, sizeof(*h));
	return ret;
}

/* ---- decoding: RAFT_MSG ----------------------------------------------------- */

struct entry_view {
	uint64_t term, index;
	uint8_t type;
	const uint8_t *data;
	size_t len;
};

static int parse_entry(const struct attr *nest, size_t i, struct entry_view *e,
		       struct sov_nl_err *err)
{
	static const unsigned int required[] = {
		SOV_A_RAFT_ENTRY_TERM, SOV_A_RAFT_ENTRY_INDEX, SOV_A_RAFT_ENTRY_TYPE,
	};
	struct cursor c = { nest->data, nest->len };
	uint64_t seen = 0;
	struct attr a;
	char ctx[32];
	int ret;

	snprintf(ctx, sizeof(ctx), "ENTRY %zu: ", i);
	memset(e, 0, sizeof(*e));
	while ((ret = next_attr(&c, IN_ENTRY, ctx, &a, err)) > 0) {
		if (once(&seen, &a, ctx, err))
			return -EINVAL;
		switch (a.type) {
		case SOV_A_RAFT_ENTRY_TERM:
			e->term = get_u64(&a);
			break;
		case SOV_A_RAFT_ENTRY_INDEX:
			e->index = get_u64(&a);
			break;
		case SOV_A_RAFT_ENTRY_TYPE:
			e->type = a.data[0];
			if (e->type >= __SOV_RAFT_ENTRY_CNT)
				return fail(err, -EINVAL, (int)a.type,
					    "%sENTRY_TYPE: %u is not an entry type", ctx, e->type);
			break;
		case SOV_A_RAFT_ENTRY_DATA:
			e->data = a.data;
			e->len = a.len;
			break;
		}
	}
	if (ret)
		return ret;
	return need(seen, required, ARRAY_SIZE(required), ctx, err);
}

static int parse_snap(const struct attr *nest, struct raft_snapshot_meta *s,
		      struct sov_nl_err *err)
{
	static const unsigned int required[] = { SOV_A_RAFT_SNAP_INDEX, SOV_A_RAFT_SNAP_TERM };
	struct cursor c = { nest->data, nest->len };
	struct raft_conf *conf = &s->conf;
	uint64_t seen = 0;
	struct attr a;
	raft_id_t id;
	uint32_t i;
	int ret;

	while ((ret = next_attr(&c, IN_SNAP, "SNAP: ", &a, err)) > 0) {
		if (once(&seen, &a, "SNAP: ", err))
			return -EINVAL;
		switch (a.type) {
		case SOV_A_RAFT_SNAP_INDEX:
			s->index = get_u64(&a);
			break;
		case SOV_A_RAFT_SNAP_TERM:
			s->term = get_u64(&a);
			break;
		case SOV_A_RAFT_SNAP_VOTER:
		case SOV_A_RAFT_SNAP_LEARNER:
			if (check_id(&a, &id, "SNAP: ", err))
				return -EINVAL;
			if (conf->n_voters + conf->n_learners == RAFT_MAX_NODES)
				return fail(err, -EINVAL, (int)a.type,
					    "SNAP: more than %d voters and learners",
					    RAFT_MAX_NODES);
			for (i = 0; i < conf->n_voters; i++)
				if (conf->voters[i] == id)
					goto twice;
			for (i = 0; i < conf->n_learners; i++)
				if (conf->learners[i] == id)
					goto twice;
			if (a.type == SOV_A_RAFT_SNAP_VOTER)
				conf->voters[conf->n_voters++] = id;
			else
				conf->learners[conf->n_learners++] = id;
			break;
		}
	}
	if (ret)
		return ret;
	return need(seen, required, ARRAY_SIZE(required), "SNAP: ", err);
twice:
	return fail(err, -EINVAL, (int)a.type, "SNAP: %s: node %llu listed twice",
		    pol[a.type].name, (unsigned long long)id);
}

/* What the first pass learnt, for the second. */
struct scan {
	uint64_t seen;
	size_t n_entries;
	uint64_t data_bytes;	/* all entries */
	uint64_t last_bytes;	/* the last entry so far */
	uint64_t chunk_bytes;
};

static int add_entry_bytes(struct scan *s, size_t len, unsigned int type,
			   struct sov_nl_err *err)
{
	s->last_bytes += len;
	if (s->last_bytes > SOV_RAFT_DATA_MAX)
		return fail(err, -EINVAL, (int)type, "ENTRY %zu: data longer than %d bytes",
			    s->n_entries - 1, SOV_RAFT_DATA_MAX);
	return 0;
}

static int scan_attr(const struct attr *a, struct raft_msg *m, struct scan *s,
		     struct sov_nl_err *err)
{
	struct entry_view e;

	switch (a->type) {
	case SOV_A_RAFT_TYPE:
		m->type = a->data[0];
		if (m->type >= RAFT_MSG_TYPES)
			return fail(err, -EINVAL, (int)a->type, "TYPE: %u is not a message type",
				    m->type);
		return 0;
	case SOV_A_RAFT_FROM:
		return check_id(a, &m->from, "", err);
	case SOV_A_RAFT_TO:
		return check_id(a, &m->to, "", err);
	case SOV_A_RAFT_TERM:
		m->term = get_u64(a);
		return 0;
	case SOV_A_RAFT_INDEX:
		m->index = get_u64(a);
		return 0;
	case SOV_A_RAFT_LOG_TERM:
		m->log_term = get_u64(a);
		return 0;
	case SOV_A_RAFT_COMMIT:
		m->commit = get_u64(a);
		return 0;
	case SOV_A_RAFT_REJECT:
		m->reject = true;
		return 0;
	case SOV_A_RAFT_HINT:
		m->hint = get_u64(a);
		return 0;
	case SOV_A_RAFT_CTX:
		m->ctx = get_u64(a);
		return 0;
	case SOV_A_RAFT_TRACE:
		/* opaque here: the daemon validates it, and ignores a bad one */
		if (!a->len || a->len > RAFT_TRACE_MAX)
			return fail(err, -EINVAL, (int)a->type, "TRACE: %zu bytes: expected 1 to %d",
				    a->len, RAFT_TRACE_MAX);
		m->trace_len = (uint8_t)a->len;
		memcpy(m->trace, a->data, a->len);
		return 0;
	case SOV_A_RAFT_ENTRY:
		if (s->n_entries == SOV_RAFT_ENTRIES_MAX)
			return fail(err, -EINVAL, (int)a->type,
				    "more than %d ENTRY attributes", SOV_RAFT_ENTRIES_MAX);
		if (parse_entry(a, s->n_entries, &e, err))
			return -EINVAL;
		s->n_entries++;
		s->data_bytes += s->last_bytes;
		s->last_bytes = 0;
		return add_entry_bytes(s, e.len, SOV_A_RAFT_ENTRY_DATA, err);
	case SOV_A_RAFT_ENTRY_MORE:
		if (!s->n_entries)
			return fail(err, -EINVAL, (int)a->type, "ENTRY_MORE before any ENTRY");
		return add_entry_bytes(s, a->len, a->type, err);
	case SOV_A_RAFT_SNAP:
		return parse_snap(a, &m->snap, err);
	case SOV_A_RAFT_SNAP_OFFSET:
		m->snap_offset = get_u64(a);
		return 0;
	case SOV_A_RAFT_SNAP_TOTAL:
		m->snap_total = get_u64(a);
		return 0;
	case SOV_A_RAFT_CHUNK:
		s->chunk_bytes += a->len;
		if (s->chunk_bytes > SOV_RAFT_DATA_MAX)
			return fail(err, -EINVAL, (int)a->type, "CHUNK: longer than %d bytes",
				    SOV_RAFT_DATA_MAX);
		return 0;
	case SOV_A_RAFT_PAD:
		return 0;
	}
	return fail(err, -EINVAL, (int)a->type, "%s not allowed in RAFT_MSG", pol[a->type].name);
}

/* After the first pass: what the message's type allows and needs. */
static int check_scan(const struct raft_msg *m, const struct scan *s,
		      struct sov_nl_err *err)
{
	static const unsigned int required[] = {
		SOV_A_RAFT_TYPE, SOV_A_RAFT_FROM, SOV_A_RAFT_TO, SOV_A_RAFT_TERM,
	};
	static const struct {
		unsigned int attr;
		uint8_t type;
	} only[] = {
		{ SOV_A_RAFT_ENTRY, RAFT_MSG_APPEND },
		{ SOV_A_RAFT_ENTRY_MORE, RAFT_MSG_APPEND },
		{ SOV_A_RAFT_SNAP, RAFT_MSG_SNAPSHOT },
		{ SOV_A_RAFT_SNAP_OFFSET, RAFT_MSG_SNAPSHOT },
		{ SOV_A_RAFT_SNAP_TOTAL, RAFT_MSG_SNAPSHOT },
		{ SOV_A_RAFT_CHUNK, RAFT_MSG_SNAPSHOT },
	};
	static const unsigned int snap[] = { SOV_A_RAFT_SNAP };
	size_t i;

	if (need(s->seen, required, ARRAY_SIZE(required), "", err))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(only); i++)
		if ((s->seen & BIT(only[i].attr)) && m->type != only[i].type)
			return fail(err, -EINVAL, (int)only[i].attr, "%s not allowed in %s",
				    pol[only[i].attr].name, sov_raft_wire_type_name(m->type));
	if (m->type != RAFT_MSG_SNAPSHOT)
		return 0;
	if (need(s->seen, snap, 1, "", err))
		return -EINVAL;
	if (m->snap_offset > m->snap_total || s->chunk_bytes > m->snap_total - m->snap_offset)
		return fail(err, -EINVAL, SOV_A_RAFT_CHUNK,
			    "CHUNK: %llu bytes at SNAP_OFFSET %llu run past SNAP_TOTAL %llu",
			    (unsigned long long)s->chunk_bytes,
			    (unsigned long long)m->snap_offset,
			    (unsigned long long)m->snap_total);
	return 0;
}

/* Second pass: the frame is known good; copy its entries and chunk. */
static int fill(const void *frame, size_t len, struct raft_msg *m, const struct scan *s,
		struct sov_nl_err *err)
{
	struct cursor c = attrs_of(frame, len);
	uint64_t total = s->data_bytes + s->last_bytes;
	struct raft_entry *e = NULL;
	struct entry_view v;
	uint8_t *data, *chunk;
	struct attr a;
	size_t i;

	if (s->n_entries) {
		m->entries = malloc(s->n_entries * sizeof(*m->entries) + total);
		if (!m->entries)
			goto nomem;
		m->n_entries = s->n_entries;
	}
	data = s->n_entries ? (uint8_t *)(m->entries + s->n_entries) : NULL;
	if (s->chunk_bytes) {
		m->chunk = malloc(s->chunk_bytes);
		if (!m->chunk)
			goto nomem;
	}
	chunk = m->chunk;
	while (next_attr(&c, IN_TOP, "", &a, err) > 0) {
		if (a.type == SOV_A_RAFT_ENTRY) {
			e = e ? e + 1 : m->entries;
			(void)parse_entry(&a, 0, &v, err);
			*e = (struct raft_entry){ .term = v.term, .index = v.index,
						  .type = v.type, .data = data };
			a.data = v.data;
			a.len = v.len;
		}
		if (!a.len)	/* memcpy() must not see the NULLs of empty data */
			continue;
		if (a.type == SOV_A_RAFT_ENTRY || a.type == SOV_A_RAFT_ENTRY_MORE) {
			memcpy(data, a.data, a.len);
			e->len += (uint32_t)a.len;
			data += a.len;
		} else if (a.type == SOV_A_RAFT_CHUNK) {
			memcpy(chunk, a.data, a.len);
			chunk += a.len;
		}
	}
	for (i = 0; i < m->n_entries; i++)
		if (!m->entries[i].len)
			m->entries[i].data = NULL;
	m->chunk_len = (uint32_t)s->chunk_bytes;
	sov_nl_err_clear(err);
	return 0;
nomem:
	sov_raft_wire_msg_free(m);
	return fail(err, -ENOMEM, -1, "out of memory for %zu entries, %llu bytes",
		    s->n_entries, (unsigned long long)(total + s->chunk_bytes));
}

int sov_raft_wire_decode(const void *frame, size_t len, struct raft_msg *m,
			 struct sov_nl_err *err)
{
	struct scan s = { 0 };
	struct cursor c;
	struct attr a;
	int ret;

	memset(m, 0, sizeof(*m));
	ret = expect_cmd(frame, len, SOV_CMD_RAFT_MSG, err);
	if (ret)
		return ret;
	c = attrs_of(frame, len);
	while ((ret = next_attr(&c, IN_TOP, "", &a, err)) > 0) {
		ret = once(&s.seen, &a, "", err);
		if (!ret)
			ret = scan_attr(&a, m, &s, err);
		if (ret)
			break;
		s.seen |= BIT(a.type);
	}
	if (!ret)
		ret = check_scan(m, &s, err);
	if (ret) {
		memset(m, 0, sizeof(*m));
		return ret;
	}
	return fill(frame, len, m, &s, err);
}

void sov_raft_wire_msg_free(struct raft_msg *m)
{
	free(m->entries);	/* the entries' data is in the same block */
	free(m->chunk);
	m->entries = NULL;
	m->n_entries = 0;
	m->chunk = NULL;
	m->chunk_len = 0;
}
