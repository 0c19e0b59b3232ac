// SPDX-License-Identifier: GPL-2.0
/* Generic netlink client on libmnl: resolve, request/ack, dump, multicast. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <linux/netlink.h>

#include "nl.h"

int sov_genl_open(struct sov_genl *g)
{
	int one = 1;

	memset(g, 0, sizeof(*g));
	g->sock = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!g->sock)
		return -errno;
	if (mnl_socket_bind(g->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		mnl_socket_close(g->sock);
		g->sock = NULL;
		return err;
	}
	/* ask for extack messages; capped acks keep replies small */
	mnl_socket_setsockopt(g->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(g->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	g->portid = mnl_socket_get_portid(g->sock);
	g->seq = (uint32_t)time(NULL);
	return 0;
}

void sov_genl_close(struct sov_genl *g)
{
	if (g->sock)
		mnl_socket_close(g->sock);
	g->sock = NULL;
}

int sov_genl_fd(const struct sov_genl *g)
{
	return mnl_socket_get_fd(g->sock);
}

int sov_genl_transact(struct sov_genl *g, struct nlmsghdr *req, sov_nl_cb cb,
		      void *data, struct sov_nl_err *err)
{
	static unsigned char buf[SOV_NL_BUFSZ];
	ssize_t n;
	int ret;

	sov_nl_err_clear(err);
	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	req->nlmsg_seq = ++g->seq;
	if (mnl_socket_sendto(g->sock, req, req->nlmsg_len) < 0) {
		sov_nl_err_set(err, -errno, NULL);
		return err->error;
	}
	do {
		n = mnl_socket_recvfrom(g->sock, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			sov_nl_err_set(err, -errno, NULL);
			return err->error;
		}
		ret = sov_nl_process(buf, (size_t)n, req->nlmsg_seq, req, cb,
				     data, err);
	} while (ret > 0);
	return ret;
}

struct resolve_ctx {
	struct sov_genl *g;
	bool found;
};

static void resolve_groups(struct sov_genl *g, const struct nlattr *nest)
{
	const struct nlattr *grp, *a;

	g->ngroups = 0;
	mnl_attr_for_each_nested(grp, nest) {
		const char *name = NULL;
		uint32_t id = 0;

		mnl_attr_for_each_nested(a, grp) {
			if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
			    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				name = mnl_attr_get_str(a);
			else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
				 mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				id = mnl_attr_get_u32(a);
		}
		if (!name || !id || g->ngroups == SOV_GENL_MAX_GROUPS)
			continue;
		snprintf(g->groups[g->ngroups].name,
			 sizeof(g->groups[0].name), "%s", name);
		g->groups[g->ngroups++].id = id;
	}
}

static int resolve_cb(const struct nlmsghdr *nlh, void *data)
{
	struct resolve_ctx *ctx = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) == 0) {
				ctx->g->family = mnl_attr_get_u16(a);
				ctx->found = true;
			}
			break;
		case CTRL_ATTR_VERSION:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				ctx->g->version = mnl_attr_get_u32(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			resolve_groups(ctx->g, a);
			break;
		}
	}
	return MNL_CB_OK;
}

int sov_genl_resolve(struct sov_genl *g, const char *family,
		     struct sov_nl_err *err)
{
	unsigned char buf[256];
	struct resolve_ctx ctx = { .g = g };
	struct nlmsghdr *nlh;
	int ret;

	nlh = sov_nl_put_hdr(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, family);
	ret = sov_genl_transact(g, nlh, resolve_cb, &ctx, err);
	if (ret)
		return ret;
	if (!ctx.found) {
		sov_nl_err_set(err, -ENOENT, "no family id in the controller's reply");
		return err->error;
	}
	return 0;
}

int sov_genl_group_id(const struct sov_genl *g, const char *group, uint32_t *id)
{
	unsigned int i;

	for (i = 0; i < g->ngroups; i++) {
		if (!strcmp(g->groups[i].name, group)) {
			*id = g->groups[i].id;
			return 0;
		}
	}
	return -ENOENT;
}

int sov_genl_join(struct sov_genl *g, uint32_t group_id)
{
	if (mnl_socket_setsockopt(g->sock, NETLINK_ADD_MEMBERSHIP, &group_id,
				  sizeof(group_id)) < 0)
		return -errno;
	return 0;
}

int sov_genl_leave(struct sov_genl *g, uint32_t group_id)
{
	if (mnl_socket_setsockopt(g->sock, NETLINK_DROP_MEMBERSHIP, &group_id,
				  sizeof(group_id)) < 0)
		return -errno;
	return 0;
}

int sov_genl_ctrl_event(const struct nlmsghdr *nlh, uint8_t *cmd, char *name,
			size_t size)
{
	const struct genlmsghdr *gh;
	const struct nlattr *a;

	if (nlh->nlmsg_type != GENL_ID_CTRL ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*gh))
		return -EINVAL;
	gh = mnl_nlmsg_get_payload(nlh);
	*cmd = gh->cmd;
	name[0] = '\0';
	mnl_attr_for_each(a, nlh, sizeof(*gh)) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_NAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(name, size, "%s", mnl_attr_get_str(a));
	}
	return name[0] ? 0 : -EINVAL;
}
