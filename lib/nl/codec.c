// SPDX-License-Identifier: GPL-2.0
/* The netlink codec shared by the kernel client, the daemon and its clients. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <linux/netlink.h>

#include "nl.h"
#include "../../uapi/linux/sovereign.h"

void sov_nl_err_clear(struct sov_nl_err *e)
{
	memset(e, 0, sizeof(*e));
	e->attr_type = -1;
}

void sov_nl_err_set(struct sov_nl_err *e, int error, const char *fmt, ...)
{
	va_list ap;

	sov_nl_err_clear(e);
	e->error = error;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
}

struct nlmsghdr *sov_nl_put_hdr(void *buf, uint16_t type, uint8_t cmd,
				uint8_t version, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *gh;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	gh = mnl_nlmsg_put_extra_header(nlh, sizeof(*gh));
	gh->cmd = cmd;
	gh->version = version;
	return nlh;
}

/* The attribute at byte offset @offs of @req, if it is a top-level one. */
static int attr_type_at(const struct nlmsghdr *req, uint32_t offs)
{
	const struct nlattr *a;

	if (!req)
		return -1;
	mnl_attr_for_each(a, req, sizeof(struct genlmsghdr)) {
		if ((const char *)a - (const char *)req == (ptrdiff_t)offs)
			return mnl_attr_get_type(a);
	}
	return -1;
}

static void parse_policy(const struct nlattr *nest, struct sov_nl_err *err)
{
	const struct nlattr *a;
	bool has_min = false, has_max = false;

	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_payload_len(a) != sizeof(uint64_t))
			continue;
		switch (mnl_attr_get_type(a)) {
		case NL_POLICY_TYPE_ATTR_MIN_VALUE_U:
		case NL_POLICY_TYPE_ATTR_MIN_VALUE_S:
			err->min = (int64_t)mnl_attr_get_u64(a);
			has_min = true;
			break;
		case NL_POLICY_TYPE_ATTR_MAX_VALUE_U:
		case NL_POLICY_TYPE_ATTR_MAX_VALUE_S:
			err->max = (int64_t)mnl_attr_get_u64(a);
			has_max = true;
			break;
		}
	}
	err->has_range = has_min && has_max;
}

int sov_nl_parse_error(const struct nlmsghdr *nlh, const struct nlmsghdr *req,
		       struct sov_nl_err *err)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	size_t off;

	sov_nl_err_clear(err);
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		sov_nl_err_set(err, -EBADMSG, "truncated error message");
		return err->error;
	}
	err->error = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return err->error;

	off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (mnl_nlmsg_size(off) > nlh->nlmsg_len)
		return err->error;

	mnl_attr_for_each(a, nlh, off) {
		switch (mnl_attr_get_type(a)) {
		case NLMSGERR_ATTR_MSG:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				snprintf(err->msg, sizeof(err->msg), "%s",
					 mnl_attr_get_str(a));
			break;
		case NLMSGERR_ATTR_OFFS:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				err->attr_type = attr_type_at(req, mnl_attr_get_u32(a));
			break;
		case NLMSGERR_ATTR_POLICY:
			parse_policy(a, err);
			break;
		}
	}
	return err->error;
}

size_t sov_nl_put_error(void *buf, size_t size, const struct nlmsghdr *req,
			int error, const char *msg)
{
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;
	size_t need = mnl_nlmsg_size(sizeof(*e)) +
		      (msg ? MNL_ATTR_HDRLEN + MNL_ALIGN(strlen(msg) + 1) : 0);

	if (size < need)
		return 0;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_CAPPED;
	nlh->nlmsg_seq = req->nlmsg_seq;
	nlh->nlmsg_pid = req->nlmsg_pid;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	memcpy(&e->msg, req, sizeof(*req));
	if (msg && *msg) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	}
	return nlh->nlmsg_len;
}

size_t sov_nl_put_done(void *buf, const struct nlmsghdr *req, int error)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int *e;

	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = req->nlmsg_seq;
	nlh->nlmsg_pid = req->nlmsg_pid;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	*e = error;
	return nlh->nlmsg_len;
}

struct process_ctx {
	const struct nlmsghdr *req;
	struct sov_nl_err *err;
	bool done;
};

static int on_error(const struct nlmsghdr *nlh, void *data)
{
	struct process_ctx *ctx = data;

	ctx->done = true;
	if (sov_nl_parse_error(nlh, ctx->req, ctx->err))
		return MNL_CB_ERROR;
	return MNL_CB_STOP;
}

static int on_done(const struct nlmsghdr *nlh, void *data)
{
	struct process_ctx *ctx = data;
	const int *e = mnl_nlmsg_get_payload(nlh);

	ctx->done = true;
	/* a dump that fails mid-way reports its errno in NLMSG_DONE */
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int) && *e < 0) {
		ctx->err->error = *e;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

struct data_ctx {
	sov_nl_cb cb;
	void *data;
	struct process_ctx *pctx;
};

static int on_data(const struct nlmsghdr *nlh, void *data)
{
	struct data_ctx *d = data;

	if (!d->cb)
		return MNL_CB_OK;
	return d->cb(nlh, d->data);
}

static int on_ctl(const struct nlmsghdr *nlh, void *data)
{
	struct data_ctx *d = data;

	switch (nlh->nlmsg_type) {
	case NLMSG_ERROR:
		return on_error(nlh, d->pctx);
	case NLMSG_DONE:
		return on_done(nlh, d->pctx);
	default:
		return MNL_CB_OK;
	}
}

int sov_nl_process(const void *buf, size_t len, uint32_t seq,
		   const struct nlmsghdr *req, sov_nl_cb cb, void *data,
		   struct sov_nl_err *err)
{
	struct process_ctx pctx = { .req = req, .err = err };
	struct data_ctx d = { .cb = cb, .data = data, .pctx = &pctx };
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = on_ctl,
		[NLMSG_DONE] = on_ctl,
	};
	int ret;

	errno = 0;
	ret = mnl_cb_run2(buf, len, seq, 0, on_data, &d, ctl, NLMSG_MIN_TYPE);
	if (ret == MNL_CB_ERROR) {
		if (!err->error)
			sov_nl_err_set(err, errno ? -errno : -EPROTO,
				       errno == ESRCH ? "reply for another request" :
				       errno == EPROTO ? "malformed reply" : NULL);
		return err->error;
	}
	if (ret == MNL_CB_STOP && pctx.done)
		return 0;
	return ret == MNL_CB_STOP ? 0 : 1;
}

struct parse_ctx {
	const struct nlattr **tb;
	unsigned int max;
	const enum mnl_attr_data_type *types;
	struct sov_nl_err *err;
	bool top;		/* a message's own attributes, not a nest's */
};

static int parse_attr(const struct nlattr *a, void *data)
{
	struct parse_ctx *p = data;
	unsigned int type = mnl_attr_get_type(a);

	if (type == 0 || type > p->max) {
		sov_nl_err_set(p->err, -EINVAL, "unknown attribute type %u", type);
		p->err->attr_type = (int)type;
		return MNL_CB_ERROR;
	}
	if (p->types && p->types[type] != MNL_TYPE_UNSPEC &&
	    mnl_attr_validate(a, p->types[type]) < 0) {
		sov_nl_err_set(p->err, -EINVAL,
			       "attribute %u has the wrong type or length", type);
		p->err->attr_type = (int)type;
		return MNL_CB_ERROR;
	}
	p->tb[type] = a;
	return MNL_CB_OK;
}

/* Like the kernel's strict parsing, bytes left after the last attribute are an error. */
static int parse_attrs(const struct nlattr *first, size_t len,
		       struct parse_ctx *p)
{
	const struct nlattr *a = first;
	size_t left = len;

	while (mnl_attr_ok(a, (int)left)) {
		size_t step = MNL_ALIGN(a->nla_len);

		/* the trace context rides on any request: not the command's */
		if (p->top && mnl_attr_get_type(a) == SOV_TRACE_CTX_ATTR)
			;
		else if (parse_attr(a, p) != MNL_CB_OK)
			return p->err->error;
		if (step >= left) {
			left = 0;
			break;
		}
		left -= step;
		a = (const struct nlattr *)((const char *)a + step);
	}
	if (left) {
		sov_nl_err_set(p->err, -EINVAL,
			       "%zu bytes left over after the last attribute", left);
		return p->err->error;
	}
	return 0;
}

int sov_nl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb,
		 unsigned int max, const enum mnl_attr_data_type *types,
		 struct sov_nl_err *err)
{
	struct parse_ctx p = { tb, max, types, err, true };
	size_t payload = mnl_nlmsg_get_payload_len(nlh);

	memset(tb, 0, (max + 1) * sizeof(*tb));
	sov_nl_err_clear(err);
	if (payload < sizeof(struct genlmsghdr)) {
		sov_nl_err_set(err, -EINVAL, "message shorter than its genl header");
		return err->error;
	}
	return parse_attrs(mnl_nlmsg_get_payload_offset(nlh, sizeof(struct genlmsghdr)),
			   payload - MNL_ALIGN(sizeof(struct genlmsghdr)), &p);
}

void sov_nl_parse_known(const struct nlmsghdr *nlh, const struct nlattr **tb,
			unsigned int max, const enum mnl_attr_data_type *types)
{
	const struct nlattr *a;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
		return;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		unsigned int t = mnl_attr_get_type(a);

		if (t && t <= max && (types[t] == MNL_TYPE_UNSPEC ||
				      mnl_attr_validate(a, types[t]) == 0))
			tb[t] = a;
	}
}

int sov_nl_parse_nested(const struct nlattr *nest, const struct nlattr **tb,
			unsigned int max, const enum mnl_attr_data_type *types,
			struct sov_nl_err *err)
{
	struct parse_ctx p = { tb, max, types, err, false };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	sov_nl_err_clear(err);
	return parse_attrs(mnl_attr_get_payload(nest),
			   mnl_attr_get_payload_len(nest), &p);
}

ssize_t sov_frame_len_max(const void *buf, size_t len, size_t max)
{
	struct nlmsghdr h;

	if (len < sizeof(h))
		return 0;
	memcpy(&h, buf, sizeof(h));
	if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > max)
		return -EBADMSG;
	if (len < h.nlmsg_len)
		return 0;
	return h.nlmsg_len;
}

ssize_t sov_frame_len(const void *buf, size_t len)
{
	return sov_frame_len_max(buf, len, SOV_NL_MAXMSG);
}

const struct nlattr *sov_nl_trace_attr(const struct nlmsghdr *nlh)
{
	const struct nlattr *a;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
		return NULL;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == SOV_TRACE_CTX_ATTR)
			return a;
	return NULL;
}
