// SPDX-License-Identifier: GPL-2.0
/*
 * The replicated configuration map (kvstate.h). A sorted array: the
 * configuration of a node is hundreds of keys, a snapshot walks them in
 * order, and every node must iterate identically.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "kvstate.h"

/* Attributes of an op (a log entry) and of a snapshot; persistent, never renumbered. */
enum {
	KV_A_UNSPEC,
	KV_A_OP,		/* u8, enum sov_kv_opcode */
	KV_A_KEY,		/* string */
	KV_A_TYPE,		/* u8, enum sov_kv_type */
	KV_A_VALUE,		/* binary */
	KV_A_IF_INDEX,		/* u64 */
	KV_A_ITEM,		/* snapshot: nest of KEY, TYPE, VALUE, MOD_INDEX */
	KV_A_MOD_INDEX,		/* u64 */
	KV_A_APPLIED,		/* u64, snapshot: last index applied */
	__KV_A_MAX,
};
#define KV_A_MAX (__KV_A_MAX - 1)

/* nlmsg_type of the container, a format version: a newer format is refused, not misread */
#define KV_MSG_OP	0x4b01
#define KV_MSG_SNAP	0x4b02

struct item {
	char *key;
	uint8_t type;
	uint32_t len;
	uint8_t *data;
	uint64_t mod_index;
};

struct sov_kv_state {
	struct item *items;
	size_t n, cap;
	uint64_t applied;
	sov_kv_watch_fn watch;
	void *watch_ctx;
};

static int fail(char *msg, size_t msglen, int err, const char *fmt, ...)
{
	va_list ap;

	if (msg && msglen) {
		va_start(ap, fmt);
		vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}
	return err;
}

struct sov_kv_state *sov_kv_new(void)
{
	return calloc(1, sizeof(struct sov_kv_state));
}

static void item_free(struct item *it)
{
	free(it->key);
	free(it->data);
}

static void sov_kv_free_items(struct sov_kv_state *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		item_free(&s->items[i]);
	free(s->items);
	s->items = NULL;
	s->n = s->cap = 0;
}

void sov_kv_free(struct sov_kv_state *s)
{
	if (!s)
		return;
	sov_kv_free_items(s);
	free(s);
}

void sov_kv_watch(struct sov_kv_state *s, sov_kv_watch_fn fn, void *ctx)
{
	s->watch = fn;
	s->watch_ctx = ctx;
}

static int check_key(const char *key, char *msg, size_t msglen)
{
	size_t i, n = key ? strlen(key) : 0;

	if (n == 0 || n > SOV_KV_KEY_MAX)
		return fail(msg, msglen, -EINVAL, "key: expected 1-%u bytes, got %zu",
			    SOV_KV_KEY_MAX, n);
	for (i = 0; i < n; i++)
		if (key[i] <= ' ' || key[i] > '~')
			return fail(msg, msglen, -EINVAL,
				    "key: byte %zu is 0x%02x: expected printable ASCII without spaces",
				    i, (unsigned char)key[i]);
	return 0;
}

static int check_value(const struct sov_kv_value *v, char *msg, size_t msglen)
{
	switch (v->type) {
	case SOV_KV_U64:
		if (v->len != 8)
			return fail(msg, msglen, -EINVAL, "value: u64 must be 8 bytes, got %u",
				    v->len);
		return 0;
	case SOV_KV_STRING:
		if (v->len && memchr(v->data, 0, v->len))
			return fail(msg, msglen, -EINVAL, "value: string contains a NUL byte");
		/* fall through */
	case SOV_KV_BYTES:
		if (v->len > SOV_KV_VALUE_MAX)
			return fail(msg, msglen, -EINVAL, "value: expected at most %u bytes, got %u",
				    SOV_KV_VALUE_MAX, v->len);
		if (v->len && !v->data)
			return fail(msg, msglen, -EINVAL, "value: no data");
		return 0;
	default:
		return fail(msg, msglen, -EINVAL, "value: type %u unknown: expected u64, string or bytes",
			    v->type);
	}
}

int sov_kv_op_check(const struct sov_kv_op *op, char *msg, size_t msglen)
{
	int err = check_key(op->key, msg, msglen);

	if (err)
		return err;
	switch (op->op) {
	case SOV_KV_PUT:
		return check_value(&op->value, msg, msglen);
	case SOV_KV_DELETE:
	case SOV_KV_DELETE_PREFIX:
		return 0;
	default:
		return fail(msg, msglen, -EINVAL, "op %u unknown: expected put, delete or delete-prefix",
			    op->op);
	}
}

int sov_kv_op_encode(const struct sov_kv_op *op, uint8_t *buf, size_t len,
		     char *msg, size_t msglen)
{
	size_t need;
	struct nlmsghdr *nlh;
	int err = sov_kv_op_check(op, msg, msglen);

	if (err)
		return err;
	need = MNL_NLMSG_HDRLEN + MNL_ALIGN(MNL_ATTR_HDRLEN + 1) * 2 +
	       MNL_ALIGN(MNL_ATTR_HDRLEN + strlen(op->key) + 1) +
	       MNL_ALIGN(MNL_ATTR_HDRLEN + 8) +
	       (op->op == SOV_KV_PUT ? MNL_ALIGN(MNL_ATTR_HDRLEN + op->value.len) : 0);
	if (need > len)
		return fail(msg, msglen, -ENOSPC, "op needs %zu bytes, the buffer has %zu", need, len);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = KV_MSG_OP;
	mnl_attr_put_u8(nlh, KV_A_OP, op->op);
	mnl_attr_put_strz(nlh, KV_A_KEY, op->key);
	mnl_attr_put_u64(nlh, KV_A_IF_INDEX, op->if_index);
	if (op->op == SOV_KV_PUT) {
		mnl_attr_put_u8(nlh, KV_A_TYPE, op->value.type);
		mnl_attr_put(nlh, KV_A_VALUE, op->value.len, op->value.data);
	}
	return (int)nlh->nlmsg_len;
}

static const enum mnl_attr_data_type kv_types[KV_A_MAX + 1] = {
	[KV_A_OP] = MNL_TYPE_U8, [KV_A_KEY] = MNL_TYPE_NUL_STRING, [KV_A_TYPE] = MNL_TYPE_U8,
	[KV_A_VALUE] = MNL_TYPE_BINARY, [KV_A_IF_INDEX] = MNL_TYPE_U64,
	[KV_A_ITEM] = MNL_TYPE_NESTED, [KV_A_MOD_INDEX] = MNL_TYPE_U64,
	[KV_A_APPLIED] = MNL_TYPE_U64,
};

static const char *const kv_names[KV_A_MAX + 1] = {
	[KV_A_OP] = "op", [KV_A_KEY] = "key", [KV_A_TYPE] = "type", [KV_A_VALUE] = "value",
	[KV_A_IF_INDEX] = "if-index", [KV_A_ITEM] = "item", [KV_A_MOD_INDEX] = "mod-index",
	[KV_A_APPLIED] = "applied",
};

struct parse_ctx {
	const struct nlattr **tb;
	char *msg;
	size_t msglen;
	int err;
	const char *reached;	/* end of the last attribute seen */
};

/*
 * mnl_attr_parse() stops quietly at an attribute that runs past the end;
 * what we parse must be attributes up to its last byte.
 */
static const char *attr_end(const struct nlattr *a)
{
	return (const char *)a + MNL_ALIGN(a->nla_len);
}

static int parse_attr(const struct nlattr *a, void *data)
{
	struct parse_ctx *c = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type == 0 || type > KV_A_MAX) {
		c->err = fail(c->msg, c->msglen, -EINVAL, "attribute %u unknown", type);
		return MNL_CB_ERROR;
	}
	if (mnl_attr_validate(a, kv_types[type]) < 0) {
		c->err = fail(c->msg, c->msglen, -EINVAL, "attribute %s: bad length %u",
			      kv_names[type], mnl_attr_get_payload_len(a));
		return MNL_CB_ERROR;
	}
	if (c->tb[type]) {
		c->err = fail(c->msg, c->msglen, -EINVAL, "attribute %s given twice",
			      kv_names[type]);
		return MNL_CB_ERROR;
	}
	c->tb[type] = a;
	c->reached = attr_end(a);
	return MNL_CB_OK;
}

/* A container message of @type in @buf, whole: its header is checked before any attribute. */
static const struct nlmsghdr *container(const uint8_t *buf, size_t len, uint16_t type,
					char *msg, size_t msglen, int *err)
{
	const struct nlmsghdr *nlh = (const void *)buf;

	if (len < MNL_NLMSG_HDRLEN || !mnl_nlmsg_ok(nlh, (int)(len > INT32_MAX ? INT32_MAX : len)) ||
	    nlh->nlmsg_len != len) {
		*err = fail(msg, msglen, -EINVAL, "truncated or padded: %zu bytes", len);
		return NULL;
	}
	if (nlh->nlmsg_type != type) {
		*err = fail(msg, msglen, -EINVAL, "format 0x%04x unknown: expected 0x%04x",
			    nlh->nlmsg_type, type);
		return NULL;
	}
	return nlh;
}

int sov_kv_op_decode(const uint8_t *buf, size_t len, struct sov_kv_op *op,
		     char *key_buf, char *msg, size_t msglen)
{
	const struct nlattr *tb[KV_A_MAX + 1] = {};
	struct parse_ctx c = { tb, msg, msglen, 0, NULL };
	const struct nlmsghdr *nlh;
	int err = 0;

	nlh = container(buf, len, KV_MSG_OP, msg, msglen, &err);
	if (!nlh)
		return err;
	if (mnl_attr_parse(nlh, 0, parse_attr, &c) != MNL_CB_OK ||
	    c.reached != (const char *)nlh + nlh->nlmsg_len)
		return c.err ? c.err : fail(msg, msglen, -EINVAL, "attributes run past the end");
	if (!tb[KV_A_OP] || !tb[KV_A_KEY] || !tb[KV_A_IF_INDEX])
		return fail(msg, msglen, -EINVAL, "%s missing",
			    !tb[KV_A_OP] ? "op" : !tb[KV_A_KEY] ? "key" : "if-index");
	memset(op, 0, sizeof(*op));
	op->op = mnl_attr_get_u8(tb[KV_A_OP]);
	if (mnl_attr_get_payload_len(tb[KV_A_KEY]) > SOV_KV_KEY_MAX + 1)
		return fail(msg, msglen, -EINVAL, "key: expected 1-%u bytes", SOV_KV_KEY_MAX);
	snprintf(key_buf, SOV_KV_KEY_MAX + 1, "%s", mnl_attr_get_str(tb[KV_A_KEY]));
	op->key = key_buf;
	op->if_index = mnl_attr_get_u64(tb[KV_A_IF_INDEX]);
	if (op->op == SOV_KV_PUT) {
		if (!tb[KV_A_TYPE] || !tb[KV_A_VALUE])
			return fail(msg, msglen, -EINVAL, "put: %s missing",
				    !tb[KV_A_TYPE] ? "type" : "value");
		op->value.type = mnl_attr_get_u8(tb[KV_A_TYPE]);
		op->value.len = mnl_attr_get_payload_len(tb[KV_A_VALUE]);
		op->value.data = mnl_attr_get_payload(tb[KV_A_VALUE]);
	} else if (tb[KV_A_TYPE] || tb[KV_A_VALUE]) {
		return fail(msg, msglen, -EINVAL, "a value is only for put");
	}
	return sov_kv_op_check(op, msg, msglen);
}

/* Index of @key, or of where it would go (*found false). */
static size_t find(const struct sov_kv_state *s, const char *key, bool *found)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->items[mid].key, key);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static void notify(struct sov_kv_state *s, const struct item *it, bool removed)
{
	struct sov_kv_value v;

	if (!s->watch)
		return;
	if (removed) {
		s->watch(s->watch_ctx, it->key, NULL);
		return;
	}
	v = (struct sov_kv_value){ .type = it->type, .len = it->len, .data = it->data };
	s->watch(s->watch_ctx, it->key, &v);
}

static bool grow(struct sov_kv_state *s)
{
	size_t cap = s->cap ? 2 * s->cap : 64;
	struct item *items = realloc(s->items, cap * sizeof(*items));

	if (!items)
		return false;
	s->items = items;
	s->cap = cap;
	return true;
}

static int put(struct sov_kv_state *s, const char *key, const struct sov_kv_value *v,
	       uint64_t index)
{
	uint8_t *data = NULL;
	struct item *it;
	bool found;
	size_t pos = find(s, key, &found);

	if (v->len) {
		data = malloc(v->len);
		if (!data)
			return -ENOMEM;
		memcpy(data, v->data, v->len);
	}
	if (found) {
		it = &s->items[pos];
		free(it->data);
	} else {
		char *k = strdup(key);

		if (!k || (s->n == s->cap && !grow(s))) {
			free(k);
			free(data);
			return -ENOMEM;
		}
		memmove(&s->items[pos + 1], &s->items[pos], (s->n - pos) * sizeof(*s->items));
		s->n++;
		it = &s->items[pos];
		it->key = k;
	}
	it->type = v->type;
	it->len = v->len;
	it->data = data;
	it->mod_index = index;
	notify(s, it, false);
	return 0;
}

static void remove_at(struct sov_kv_state *s, size_t pos)
{
	struct item it = s->items[pos];

	memmove(&s->items[pos], &s->items[pos + 1], (s->n - pos - 1) * sizeof(*s->items));
	s->n--;
	notify(s, &it, true);
	item_free(&it);
}

int sov_kv_apply(struct sov_kv_state *s, uint64_t index, const uint8_t *entry, size_t len,
		 struct sov_kv_result *res)
{
	char key[SOV_KV_KEY_MAX + 1];
	struct sov_kv_op op;
	bool found;
	size_t pos, plen;

	memset(res, 0, sizeof(*res));
	if (index <= s->applied)
		return res->err = fail(res->msg, sizeof(res->msg), -EINVAL,
				       "entry %llu applied already (at %llu)",
				       (unsigned long long)index, (unsigned long long)s->applied);
	s->applied = index;
	res->err = sov_kv_op_decode(entry, len, &op, key, res->msg, sizeof(res->msg));
	if (res->err)
		return res->err;
	pos = find(s, op.key, &found);
	if (op.if_index != UINT64_MAX) {
		uint64_t have = found ? s->items[pos].mod_index : 0;

		if (have != op.if_index)
			return res->err = fail(res->msg, sizeof(res->msg),
					       op.if_index ? -ESTALE : -EEXIST,
					       "%s: changed at %llu, expected %llu", op.key,
					       (unsigned long long)have,
					       (unsigned long long)op.if_index);
	}
	switch (op.op) {
	case SOV_KV_PUT:
		res->err = put(s, op.key, &op.value, index);
		res->changed = !res->err;
		break;
	case SOV_KV_DELETE:
		if (found) {
			remove_at(s, pos);
			res->changed = 1;
		}
		break;
	case SOV_KV_DELETE_PREFIX:
		plen = strlen(op.key);
		/* the prefix sorts first among the keys it starts */
		while (pos < s->n && !strncmp(s->items[pos].key, op.key, plen)) {
			remove_at(s, pos);
			res->changed++;
		}
		break;
	}
	return res->err;
}

uint64_t sov_kv_applied(const struct sov_kv_state *s)
{
	return s->applied;
}

int sov_kv_get(const struct sov_kv_state *s, const char *key, struct sov_kv_value *value,
	       uint64_t *mod_index)
{
	bool found;
	size_t pos = find(s, key, &found);
	const struct item *it;

	if (!found)
		return -ENOENT;
	it = &s->items[pos];
	if (value)
		*value = (struct sov_kv_value){ .type = it->type, .len = it->len, .data = it->data };
	if (mod_index)
		*mod_index = it->mod_index;
	return 0;
}

size_t sov_kv_count(const struct sov_kv_state *s)
{
	return s->n;
}

int sov_kv_walk(const struct sov_kv_state *s, const char *prefix,
		int (*fn)(void *ctx, const char *key, const struct sov_kv_value *v,
			  uint64_t mod_index),
		void *ctx)
{
	size_t plen = strlen(prefix), pos;
	bool found;
	int ret;

	for (pos = find(s, prefix, &found); pos < s->n; pos++) {
		const struct item *it = &s->items[pos];
		struct sov_kv_value v = { .type = it->type, .len = it->len, .data = it->data };

		if (strncmp(it->key, prefix, plen))
			break;
		ret = fn(ctx, it->key, &v, it->mod_index);
		if (ret)
			return ret;
	}
	return 0;
}

int sov_kv_snapshot(const struct sov_kv_state *s, uint8_t **buf, size_t *len)
{
	size_t need = MNL_NLMSG_HDRLEN + MNL_ALIGN(MNL_ATTR_HDRLEN + 8), i;
	struct nlmsghdr *nlh;

	for (i = 0; i < s->n; i++)
		need += MNL_ALIGN(MNL_ATTR_HDRLEN) +
			MNL_ALIGN(MNL_ATTR_HDRLEN + strlen(s->items[i].key) + 1) +
			MNL_ALIGN(MNL_ATTR_HDRLEN + 1) + MNL_ALIGN(MNL_ATTR_HDRLEN + 8) +
			MNL_ALIGN(MNL_ATTR_HDRLEN + s->items[i].len);
	if (need > UINT32_MAX)
		return -E2BIG;
	*buf = calloc(1, need);
	if (!*buf)
		return -ENOMEM;
	nlh = mnl_nlmsg_put_header(*buf);
	nlh->nlmsg_type = KV_MSG_SNAP;
	mnl_attr_put_u64(nlh, KV_A_APPLIED, s->applied);
	for (i = 0; i < s->n; i++) {
		const struct item *it = &s->items[i];
		struct nlattr *nest = mnl_attr_nest_start(nlh, KV_A_ITEM);

		mnl_attr_put_strz(nlh, KV_A_KEY, it->key);
		mnl_attr_put_u8(nlh, KV_A_TYPE, it->type);
		mnl_attr_put_u64(nlh, KV_A_MOD_INDEX, it->mod_index);
		mnl_attr_put(nlh, KV_A_VALUE, it->len, it->data);
		mnl_attr_nest_end(nlh, nest);
	}
	*len = nlh->nlmsg_len;
	return 0;
}

struct restore_ctx {
	struct sov_kv_state *into;
	char *msg;
	size_t msglen;
	int err;
	const char *last;
	const char *reached;
};

static int restore_item(const struct nlattr *a, void *data)
{
	struct restore_ctx *r = data;
	const struct nlattr *tb[KV_A_MAX + 1] = {};
	struct parse_ctx c = { tb, r->msg, r->msglen, 0, NULL };
	struct sov_kv_value v;
	const char *key;
	int err;

	if (mnl_attr_get_type(a) == KV_A_APPLIED && !r->reached) {
		r->reached = attr_end(a);
		return MNL_CB_OK;
	}
	if (mnl_attr_get_type(a) != KV_A_ITEM || mnl_attr_validate(a, MNL_TYPE_NESTED) < 0) {
		r->err = fail(r->msg, r->msglen, -EINVAL, "snapshot: attribute %u where an item belongs",
			      mnl_attr_get_type(a));
		return MNL_CB_ERROR;
	}
	r->reached = attr_end(a);
	if (mnl_attr_parse_nested(a, parse_attr, &c) != MNL_CB_OK ||
	    c.reached != (const char *)a + MNL_ALIGN(a->nla_len)) {
		r->err = c.err ? c.err : fail(r->msg, r->msglen, -EINVAL, "snapshot: item truncated");
		return MNL_CB_ERROR;
	}
	if (!tb[KV_A_KEY] || !tb[KV_A_TYPE] || !tb[KV_A_MOD_INDEX] || !tb[KV_A_VALUE] ||
	    tb[KV_A_OP] || tb[KV_A_IF_INDEX] || tb[KV_A_ITEM] || tb[KV_A_APPLIED]) {
		r->err = fail(r->msg, r->msglen, -EINVAL,
			      "snapshot: an item holds exactly key, type, mod-index and value");
		return MNL_CB_ERROR;
	}
	key = mnl_attr_get_str(tb[KV_A_KEY]);
	v = (struct sov_kv_value){ .type = mnl_attr_get_u8(tb[KV_A_TYPE]),
				   .len = mnl_attr_get_payload_len(tb[KV_A_VALUE]),
				   .data = mnl_attr_get_payload(tb[KV_A_VALUE]) };
	err = check_key(key, r->msg, r->msglen);
	if (!err)
		err = check_value(&v, r->msg, r->msglen);
	if (!err && r->last && strcmp(r->last, key) >= 0)
		err = fail(r->msg, r->msglen, -EINVAL, "snapshot: key %s out of order", key);
	if (!err)
		err = put(r->into, key, &v, mnl_attr_get_u64(tb[KV_A_MOD_INDEX]));
	if (err) {
		r->err = err;
		return MNL_CB_ERROR;
	}
	r->last = r->into->items[r->into->n - 1].key;
	return MNL_CB_OK;
}

/* Tell the watcher what differs between @old and @s (both sorted). */
static void notify_diff(struct sov_kv_state *s, const struct sov_kv_state *old)
{
	size_t i = 0, j = 0;

	while (i < old->n || j < s->n) {
		int c = i == old->n ? 1 : j == s->n ? -1 : strcmp(old->items[i].key, s->items[j].key);

		if (c < 0) {
			notify(s, &old->items[i++], true);
		} else if (c > 0) {
			notify(s, &s->items[j++], false);
		} else {
			const struct item *a = &old->items[i++], *b = &s->items[j++];

			if (a->type != b->type || a->len != b->len ||
			    (a->len && memcmp(a->data, b->data, a->len)))
				notify(s, b, false);
		}
	}
}

int sov_kv_restore(struct sov_kv_state *s, const uint8_t *buf, size_t len,
		   char *msg, size_t msglen)
{
	struct sov_kv_state fresh = {}, old;
	struct restore_ctx r = { &fresh, msg, msglen, 0, NULL, NULL };
	const struct nlmsghdr *nlh;
	const struct nlattr *first;
	int err = 0;

	nlh = container(buf, len, KV_MSG_SNAP, msg, msglen, &err);
	if (!nlh)
		return err;
	first = mnl_nlmsg_get_payload(nlh);
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ATTR_HDRLEN + 8 ||
	    mnl_attr_get_type(first) != KV_A_APPLIED || mnl_attr_validate(first, MNL_TYPE_U64) < 0)
		return fail(msg, msglen, -EINVAL, "snapshot: applied index missing");
	if (mnl_attr_parse(nlh, 0, restore_item, &r) != MNL_CB_OK ||
	    r.reached != (const char *)nlh + nlh->nlmsg_len) {
		sov_kv_free_items(&fresh);
		return r.err ? r.err : fail(msg, msglen, -EINVAL, "snapshot: attributes run past the end");
	}
	fresh.applied = mnl_attr_get_u64(first);
	old = *s;
	s->items = fresh.items;
	s->n = fresh.n;
	s->cap = fresh.cap;
	s->applied = fresh.applied;
	notify_diff(s, &old);
	sov_kv_free_items(&old);
	return 0;
}
