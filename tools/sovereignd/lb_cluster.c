// SPDX-License-Identifier: GPL-2.0
/*
 * The load balancer through the cluster (lb_cluster.h).
 *
 * Writes: the leader judges a request on a copy of its model, with the
 * messages an unclustered daemon gives, then proposes the key it changes:
 * the object's complete desired state as attributes, with a compare on the
 * key's last change so that two requests racing on one object cannot both
 * win. The client is answered when the entry is applied on the leader, with
 * what applying it did there. A follower refuses, naming the leader.
 *
 * Every node, leader included, applies the keys the same way: an entry (or
 * a snapshot) notes the services whose keys it touched; afterwards each of
 * those is brought to what the keys say, through the very request path an
 * unclustered daemon uses (lb.c), so maps, health checks, custom programs
 * and events follow as they always do. Attach and detach stay node-local.
 *
 * Reads: a dump waits for a linearizable read point (raft_read_index) and
 * for this node to have applied it, so it shows every acknowledged write.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include "cluster.h"
#include "lb.h"
#include "lb_cluster.h"
#include "log.h"

#define SERVICE_PREFIX	"lb/service/"
#define BACKEND_INFIX	"/backend/"
#define VIP_LEN		96
#define KEY_LEN		(SOV_KV_KEY_MAX + 1)

#define REFUSE(ret, ...) do { snprintf(msg, msglen, __VA_ARGS__); return (ret); } while (0)

/* Services whose keys changed since the last sync, as "<vip>" text. */
static char (*dirty)[VIP_LEN];
static unsigned int n_dirty, cap_dirty;

static void service_key(const struct sov_lb_vip *vip, char *key, size_t len)
{
	char v[VIP_LEN];

	snprintf(key, len, SERVICE_PREFIX "%s", sov_lb_vip_format(vip, v, sizeof(v)));
}

static void backend_key(const struct sov_lb_vip *vip, const uint8_t *addr, uint16_t port,
			char *key, size_t len)
{
	char a[64], s[128];	/* a service key is at most ~70 bytes */

	inet_ntop(vip->family, addr, a, sizeof(a));
	service_key(vip, s, sizeof(s));
	if (!port)
		snprintf(key, len, "%s" BACKEND_INFIX "%s", s, a);
	else
		snprintf(key, len, vip->family == AF_INET6 ? "%s" BACKEND_INFIX "[%s]:%u" :
			 "%s" BACKEND_INFIX "%s:%u", s, a, port);
}

/* ---- values: attributes, as a request to add the object carries them ----------------- */

static void put_vip(struct nlmsghdr *nlh, const struct sov_lb_vip *vip)
{
	mnl_attr_put(nlh, SOV_A_LB_VIP_ADDR, vip->family == AF_INET ? 4 : 16, vip->addr);
	mnl_attr_put_u16(nlh, SOV_A_LB_VIP_PORT, vip->port);
	mnl_attr_put_u8(nlh, SOV_A_LB_PROTO, vip->proto);
}

static struct nlmsghdr *start(void *buf, uint8_t cmd)
{
	return sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, cmd, SOV_GENL_VERSION, NLM_F_REQUEST, 0);
}

static const uint8_t *attrs_of(const struct nlmsghdr *nlh, uint32_t *len)
{
	*len = nlh->nlmsg_len - MNL_NLMSG_HDRLEN - MNL_ALIGN(sizeof(struct genlmsghdr));
	return (const uint8_t *)mnl_nlmsg_get_payload(nlh) + MNL_ALIGN(sizeof(struct genlmsghdr));
}

static struct nlmsghdr *service_value(void *buf, const struct sov_lb_service *svc)
{
	struct nlmsghdr *nlh = start(buf, SOV_CMD_LB_SERVICE_ADD);

	put_vip(nlh, &svc->vip);
	sovd_lb_put_settings(nlh, &svc->set);
	return nlh;
}

static struct nlmsghdr *backend_value(void *buf, uint8_t cmd, const struct sov_lb_vip *vip,
				      const uint8_t *addr, uint16_t port, uint32_t weight)
{
	struct nlmsghdr *nlh = start(buf, cmd);

	put_vip(nlh, vip);
	mnl_attr_put(nlh, SOV_A_LB_BE_ADDR, vip->family == AF_INET ? 4 : 16, addr);
	if (port)
		mnl_attr_put_u16(nlh, SOV_A_LB_BE_PORT, port);
	if (weight)
		mnl_attr_put_u32(nlh, SOV_A_LB_BE_WEIGHT, weight);
	return nlh;
}

/* A stored value back into a request of @cmd. */
static struct nlmsghdr *request_of(void *buf, uint8_t cmd, const struct sov_kv_value *v)
{
	struct nlmsghdr *nlh = start(buf, cmd);

	memcpy(mnl_nlmsg_get_payload_tail(nlh), v->data, v->len);
	nlh->nlmsg_len += MNL_ALIGN(v->len);
	return nlh;
}

/* ---- applying: every node ------------------------------------------------------------ */

void sovd_lb_cluster_key(struct sovd *d, const char *key, const struct sov_kv_value *v)
{
	const char *vip = key + strlen(SERVICE_PREFIX), *end;
	unsigned int i;
	size_t n;

	(void)d;
	(void)v;
	if (strncmp(key, SERVICE_PREFIX, strlen(SERVICE_PREFIX)))
		return;
	end = strstr(vip, BACKEND_INFIX);
	n = end ? (size_t)(end - vip) : strlen(vip);
	if (!n || n >= VIP_LEN)
		return;
	for (i = 0; i < n_dirty; i++)
		if (!strncmp(dirty[i], vip, n) && !dirty[i][n])
			return;
	if (n_dirty == cap_dirty) {
		unsigned int cap = cap_dirty ? cap_dirty * 2 : 16;
		void *bigger = realloc(dirty, cap * sizeof(*dirty));

		if (!bigger) {
			log_err("lb: out of memory noting a replicated change to %s", key);
			return;
		}
		dirty = bigger;
		cap_dirty = cap;
	}
	memcpy(dirty[n_dirty], vip, n);
	dirty[n_dirty++][n] = '\0';
}

/* Run a request as an unclustered daemon would; a failure is this entry's result. */
static int apply(struct sovd *d, struct nlmsghdr *nlh, const char *vip)
{
	char msg[256] = "";
	int ret = sovd_lb_request(d, NULL, nlh, msg, sizeof(msg));

	if (ret < 0) {
		log_err("lb: %s: applying the replicated configuration failed: %s", vip, msg);
		sovd_cluster_apply_error(d, ret, "%s", msg);
	}
	return ret;
}

struct want_backend {
	uint8_t addr[16];
	uint16_t port;
	uint32_t weight;
	struct sov_kv_value copy;	/* into the state, which reconciling leaves alone */
};

struct want {
	unsigned int n;
	struct want_backend be[LB_MAX_BACKENDS * 2];
};

static int collect(void *ctx, const char *key, const struct sov_kv_value *v, uint64_t mod)
{
	struct want *w = ctx;
	struct want_backend *b;
	const struct nlattr *a;
	const uint8_t *p;

	(void)mod;
	if (w->n == sizeof(w->be) / sizeof(w->be[0])) {
		log_warn("lb: %s: more backends than a service holds; ignored", key);
		return 0;
	}
	b = &w->be[w->n];
	memset(b, 0, sizeof(*b));
	/* values are attributes this daemon wrote: walk them as such */
	for (p = v->data; p + sizeof(*a) <= v->data + v->len; p += MNL_ALIGN(a->nla_len)) {
		a = (const struct nlattr *)p;
		if (a->nla_len < sizeof(*a) || p + a->nla_len > v->data + v->len)
			break;
		switch (mnl_attr_get_type(a)) {
		case SOV_A_LB_BE_ADDR:
			memcpy(b->addr, mnl_attr_get_payload(a),
			       mnl_attr_get_payload_len(a) > 16 ? 16 : mnl_attr_get_payload_len(a));
			break;
		case SOV_A_LB_BE_PORT:
			if (mnl_attr_get_payload_len(a) == 2)
				b->port = mnl_attr_get_u16(a);
			break;
		case SOV_A_LB_BE_WEIGHT:
			if (mnl_attr_get_payload_len(a) == 4)
				b->weight = mnl_attr_get_u32(a);
			break;
		}
	}
	b->copy = *v;
	w->n++;
	return 0;
}

static bool wanted(const struct want *w, const struct sov_lb_backend *be)
{
	unsigned int i;

	for (i = 0; i < w->n; i++)
		if (!memcmp(w->be[i].addr, be->addr, 16) && w->be[i].port == be->port)
			return true;
	return false;
}

/* Bring one service (and its backends) to what the keys say. */
static void reconcile(struct sovd *d, const char *vipstr)
{
	static unsigned char buf[SOV_NL_BUFSZ], have[SOV_NL_BUFSZ];
	struct sov_kv_state *kv = sovd_cluster_kv(d);
	struct sovd_lb *lb = d->lb;
	struct sov_lb_service *svc;
	struct sov_kv_value v;
	struct sov_lb_vip vip;
	char key[128], prefix[KEY_LEN], err[200];
	const uint8_t *cur;
	struct want *w;
	uint32_t curlen;
	unsigned int i;

	if (sov_lb_vip_parse(vipstr, &vip, err, sizeof(err))) {
		log_warn("lb: replicated key for \"%s\" ignored: %s", vipstr, err);
		return;
	}
	service_key(&vip, key, sizeof(key));
	svc = sov_lb_find(&lb->model, &vip);
	if (sov_kv_get(kv, key, &v, NULL)) {
		if (svc) {
			struct nlmsghdr *nlh = start(buf, SOV_CMD_LB_SERVICE_DEL);

			put_vip(nlh, &vip);
			apply(d, nlh, vipstr);
		}
		return;
	}
	if (!svc) {
		if (apply(d, request_of(buf, SOV_CMD_LB_SERVICE_ADD, &v), vipstr) < 0)
			return;
	} else {
		cur = attrs_of(service_value(have, svc), &curlen);
		if ((curlen != v.len || memcmp(cur, v.data, curlen)) &&
		    apply(d, request_of(buf, SOV_CMD_LB_SERVICE_SET, &v), vipstr) < 0)
			return;
	}
	svc = sov_lb_find(&lb->model, &vip);
	if (!svc)
		return;
	w = calloc(1, sizeof(*w));
	if (!w)
		return;
	snprintf(prefix, sizeof(prefix), "%s" BACKEND_INFIX, key);
	sov_kv_walk(kv, prefix, collect, w);
	for (i = 0; i < LB_MAX_BACKENDS; i++) {
		const struct sov_lb_backend *be = &svc->be[i];

		if (be->used && !wanted(w, be))
			apply(d, backend_value(buf, SOV_CMD_LB_BACKEND_DEL, &vip, be->addr, be->port, 0),
			      vipstr);
	}
	for (i = 0; i < w->n; i++) {
		struct sov_lb_backend *be = sov_lb_backend_find(svc, w->be[i].addr, w->be[i].port);

		if (!be)
			apply(d, request_of(buf, SOV_CMD_LB_BACKEND_ADD, &w->be[i].copy), vipstr);
		else if (w->be[i].weight && be->weight != w->be[i].weight)
			apply(d, request_of(buf, SOV_CMD_LB_BACKEND_SET, &w->be[i].copy), vipstr);
	}
	free(w);
}

void sovd_lb_cluster_sync(struct sovd *d)
{
	struct trace_span *sp;
	static bool said;
	unsigned int i;

	if (!n_dirty)
		return;
	if (!d->lb) {
		if (!said)
			log_notice("lb: not running here: the replicated load balancer configuration is kept, not applied");
		said = true;
		n_dirty = 0;
		return;
	}
	sp = sovd_span_child(d, NULL, "lb.apply", TRACE_KIND_INTERNAL);
	trace_span_attr_int(sp, "lb.changes", n_dirty);
	for (i = 0; i < n_dirty; i++)
		reconcile(d, dirty[i]);
	n_dirty = 0;
	sovd_span_end(d, sp, 0, NULL);
}

/* ---- requests: the leader ------------------------------------------------------------ */

static void write_done(struct sovd *d, struct sovd_client *c, const struct nlmsghdr *req,
		       void *arg, int err, const char *msg)
{
	const struct genlmsghdr *gh = mnl_nlmsg_get_payload(req);
	const struct nlattr *tb[SOV_A_LB_MAX + 1];
	char why[256];
	int ret;

	/* the compare failed: another change to the object came first; judge again */
	if ((err == -EEXIST || err == -ESTALE) && d->lb &&
	    !sovd_lb_parse(req, tb, why, sizeof(why))) {
		ret = sovd_lb_check(d->lb, gh->cmd, tb, NULL, why, sizeof(why));
		if (ret >= 0) {
			ret = -EAGAIN;
			snprintf(why, sizeof(why),
				 "the object changed while this request was in flight: try again");
		}
		sovd_cluster_answer(d, c, req, arg, ret, why);
		return;
	}
	sovd_cluster_answer(d, c, req, arg, err, msg);
}

static void read_done(struct sovd *d, struct sovd_client *c, const struct nlmsghdr *req,
		      void *arg, int err, const char *msg)
{
	if (err || !c || !d->lb)
		sovd_cluster_answer(d, c, req, arg, err ? err : -ESHUTDOWN, msg);
	else
		sovd_lb_dump(d->lb, c, req);
}

/* The backend a request names; checked by sovd_lb_check() already. */
static void backend_of(const struct nlattr **tb, uint8_t addr[16], uint16_t *port)
{
	uint16_t len = mnl_attr_get_payload_len(tb[SOV_A_LB_BE_ADDR]);

	memset(addr, 0, 16);
	memcpy(addr, mnl_attr_get_payload(tb[SOV_A_LB_BE_ADDR]), len > 16 ? 16 : len);
	*port = tb[SOV_A_LB_BE_PORT] ? mnl_attr_get_u16(tb[SOV_A_LB_BE_PORT]) : 0;
}

int sovd_lb_cluster_request(struct sovd *d, struct sovd_client *c, const struct nlmsghdr *nlh,
			    const struct nlattr **tb, char *msg, size_t msglen)
{
	static unsigned char buf[SOV_NL_BUFSZ];
	const struct genlmsghdr *gh = mnl_nlmsg_get_payload(nlh);
	struct sov_kv_state *kv = sovd_cluster_kv(d);
	struct sov_kv_op op = { .if_index = 0 };
	struct sov_lb_service *after;
	const struct nlmsghdr *val = NULL;
	const struct sov_lb_backend *be;
	char key[KEY_LEN];
	uint8_t addr[16];
	uint16_t port;
	int ret;

	if (gh->cmd == SOV_CMD_LB_SERVICE_GET) {
		ret = sovd_cluster_read(d, c, nlh, read_done, NULL, msg, msglen);
		return ret ? ret : 1;
	}
	ret = sovd_cluster_writable(d, msg, msglen);
	if (ret)
		return ret;
	after = malloc(sizeof(*after));
	if (!after)
		REFUSE(-ENOMEM, "out of memory");
	ret = sovd_lb_check(d->lb, gh->cmd, tb, after, msg, msglen);
	if (ret < 0)
		goto out;
	service_key(&after->vip, key, sizeof(key));
	switch (gh->cmd) {
	case SOV_CMD_LB_SERVICE_ADD:
	case SOV_CMD_LB_SERVICE_SET:
		op.op = SOV_KV_PUT;
		val = service_value(buf, after);
		break;
	case SOV_CMD_LB_SERVICE_DEL:
		op.op = SOV_KV_DELETE_PREFIX;	/* the service and its backends */
		break;
	case SOV_CMD_LB_BACKEND_ADD:
	case SOV_CMD_LB_BACKEND_SET:
		backend_of(tb, addr, &port);
		be = sov_lb_backend_find(after, addr, port);
		op.op = SOV_KV_PUT;
		val = backend_value(buf, SOV_CMD_LB_BACKEND_ADD, &after->vip, addr, port,
				    be ? be->weight : 0);
		backend_key(&after->vip, addr, port, key, sizeof(key));
		break;
	case SOV_CMD_LB_BACKEND_DEL:
		backend_of(tb, addr, &port);
		op.op = SOV_KV_DELETE;
		backend_key(&after->vip, addr, port, key, sizeof(key));
		break;
	default:
		ret = -EOPNOTSUPP;
		snprintf(msg, msglen, "command %u is not a load balancer change", gh->cmd);
		goto out;
	}
	op.key = key;
	/* an add wants the key absent, anything else the key as it was judged */
	if (gh->cmd != SOV_CMD_LB_SERVICE_ADD && gh->cmd != SOV_CMD_LB_BACKEND_ADD &&
	    sov_kv_get(kv, key, NULL, &op.if_index))
		op.if_index = 0;
	if (val) {
		op.value.type = SOV_KV_BYTES;
		op.value.data = attrs_of(val, &op.value.len);
	}
	ret = sovd_cluster_propose(d, c, nlh, &op, write_done, NULL, msg, msglen);
	if (!ret)
		ret = 1;
out:
	free(after);
	return ret;
}
