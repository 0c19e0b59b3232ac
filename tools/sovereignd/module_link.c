// SPDX-License-Identifier: GPL-2.0
/*
 * sovereignd's link to sovereign.ko: follows the module through nlctrl's
 * NEWFAMILY/DELFAMILY notifications (so it notices insmod/rmmod while it
 * runs) and counts the module's own notifications on the "events" group.
 */
#include <errno.h>
#include <string.h>

#include "../../kmod/version.h"
#include "log.h"
#include "sovereignd.h"

static const enum mnl_attr_data_type info_types[SOV_A_INFO_MAX + 1] = {
	[SOV_A_INFO_VERSION] = MNL_TYPE_NUL_STRING,
	[SOV_A_INFO_KERNEL_RELEASE] = MNL_TYPE_NUL_STRING,
};

static int info_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[SOV_A_INFO_MAX + 1];

	(void)data;
	sov_nl_parse_known(nlh, tb, SOV_A_INFO_MAX, info_types);
	if (!tb[SOV_A_INFO_VERSION] || !tb[SOV_A_INFO_KERNEL_RELEASE])
		return MNL_CB_OK;
	if (strcmp(mnl_attr_get_str(tb[SOV_A_INFO_VERSION]), SOV_VERSION))
		log_warn("module is version %s, daemon %s",
			 mnl_attr_get_str(tb[SOV_A_INFO_VERSION]), SOV_VERSION);
	log_info("module: version %s on kernel %s",
		 mnl_attr_get_str(tb[SOV_A_INFO_VERSION]),
		 mnl_attr_get_str(tb[SOV_A_INFO_KERNEL_RELEASE]));
	return MNL_CB_OK;
}

static void log_module_version(struct sovd *d)
{
	unsigned char buf[128];
	struct nlmsghdr *nlh;
	struct sov_nl_err err;

	nlh = sov_nl_put_hdr(buf, d->req.family, SOV_CMD_INFO_GET,
			     SOV_GENL_VERSION, 0, 0);
	if (sov_genl_transact(&d->req, nlh, info_cb, NULL, &err))
		log_warn("module: INFO_GET failed: %s",
			 err.msg[0] ? err.msg : strerror(-err.error));
}

/* (Re)discover the family and follow its events group. */
static void module_attach(struct sovd *d, bool announce)
{
	struct sov_nl_err err;
	uint32_t grp;
	int ret;

	ret = sov_genl_resolve(&d->req, SOV_GENL_NAME, &err);
	if (ret == -ENOENT) {
		d->module_state = SOV_MODULE_UNLOADED;
		log_notice("module not loaded; waiting for it (insmod kmod/sovereign.ko)");
		return;
	}
	if (ret) {
		log_err("module: resolving family failed: %s",
			err.msg[0] ? err.msg : strerror(-ret));
		return;
	}
	if (d->req.version != SOV_GENL_VERSION)
		log_warn("module speaks family version %u, daemon %u",
			 d->req.version, SOV_GENL_VERSION);
	if (sov_genl_group_id(&d->req, SOV_GENL_MCGRP_EVENTS, &grp) == 0) {
		ret = sov_genl_join(&d->mon, grp);
		if (ret)
			log_warn("module: cannot join \"%s\": %s",
				 SOV_GENL_MCGRP_EVENTS, strerror(-ret));
		else
			d->events_grp = grp;
	}
	if (d->module_state == SOV_MODULE_UNLOADED)
		d->module_changes++;
	d->module_state = SOV_MODULE_LOADED;
	log_module_version(d);
	if (announce)
		log_notice("module loaded (family id %u)", d->req.family);
	else
		log_info("module present (family id %u)", d->req.family);
}

static void module_detach(struct sovd *d)
{
	if (d->module_state == SOV_MODULE_LOADED)
		d->module_changes++;
	d->module_state = SOV_MODULE_UNLOADED;
	d->events_grp = 0;	/* the kernel dropped our membership */
	log_notice("module unloaded; still serving, waiting for it to return");
}

static const enum mnl_attr_data_type config_types[SOV_A_CONFIG_MAX + 1] = {
	[SOV_A_CONFIG_LOG_LEVEL] = MNL_TYPE_U32,
};

static int on_message(const struct nlmsghdr *nlh, void *data)
{
	struct sovd *d = data;
	const struct genlmsghdr *gh;
	char name[GENL_NAMSIZ];
	uint8_t cmd;

	if (nlh->nlmsg_type == GENL_ID_CTRL) {
		if (sov_genl_ctrl_event(nlh, &cmd, name, sizeof(name)) ||
		    strcmp(name, SOV_GENL_NAME))
			return MNL_CB_OK;
		if (cmd == CTRL_CMD_NEWFAMILY)
			module_attach(d, true);
		else if (cmd == CTRL_CMD_DELFAMILY)
			module_detach(d);
		return MNL_CB_OK;
	}
	if (d->module_state != SOV_MODULE_LOADED || nlh->nlmsg_type != d->req.family ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*gh))
		return MNL_CB_OK;
	gh = mnl_nlmsg_get_payload(nlh);
	d->module_events++;
	if (gh->cmd == SOV_CMD_CONFIG_NTF) {
		const struct nlattr *tb[SOV_A_CONFIG_MAX + 1];

		sov_nl_parse_known(nlh, tb, SOV_A_CONFIG_MAX, config_types);
		if (tb[SOV_A_CONFIG_LOG_LEVEL])
			log_info("module: log-level is now %u",
				 mnl_attr_get_u32(tb[SOV_A_CONFIG_LOG_LEVEL]));
	} else {
		log_debug("module: event cmd %u", gh->cmd);
	}
	return MNL_CB_OK;
}

static void on_readable(uv_poll_t *h, int status, int events)
{
	static unsigned char buf[SOV_NL_BUFSZ];
	struct sovd *d = h->data;
	struct sov_nl_err err;
	ssize_t n;

	if (status < 0 || !(events & UV_READABLE))
		return;
	n = mnl_socket_recvfrom(d->mon.sock, buf, sizeof(buf));
	if (n < 0) {
		if (errno == ENOBUFS)
			log_warn("module: notifications overflowed; some were lost");
		else if (errno != EAGAIN && errno != EINTR)
			log_err("module: receive failed: %s", strerror(errno));
		return;
	}
	sov_nl_process(buf, (size_t)n, 0, NULL, on_message, d, &err);
}

int sovd_module_start(struct sovd *d)
{
	struct sov_nl_err err;
	uint32_t notify;
	int ret;

	ret = sov_genl_open(&d->req);
	if (!ret)
		ret = sov_genl_open(&d->mon);
	if (ret) {
		log_err("cannot open generic netlink sockets: %s", strerror(-ret));
		return ret;
	}
	/* nlctrl's "notify" group tells us when the family comes and goes */
	ret = sov_genl_resolve(&d->req, "nlctrl", &err);
	if (!ret)
		ret = sov_genl_group_id(&d->req, "notify", &notify);
	if (!ret)
		ret = sov_genl_join(&d->mon, notify);
	if (ret) {
		log_err("cannot follow nlctrl notifications: %s", strerror(-ret));
		return ret;
	}
	d->module_state = SOV_MODULE_UNKNOWN;
	module_attach(d, false);

	ret = uv_poll_init(d->loop, &d->mon_poll, sov_genl_fd(&d->mon));
	if (ret) {
		log_err("uv_poll_init: %s", uv_strerror(ret));
		return ret;
	}
	d->mon_poll.data = d;
	ret = uv_poll_start(&d->mon_poll, UV_READABLE, on_readable);
	if (ret)
		return ret;
	sovd_psi_start(d);
	return 0;
}

void sovd_module_stop(struct sovd *d)
{
	sovd_psi_stop(d);
	if (uv_is_active((uv_handle_t *)&d->mon_poll))
		uv_poll_stop(&d->mon_poll);
	if (d->mon_poll.loop)
		uv_close((uv_handle_t *)&d->mon_poll, NULL);
	sov_genl_close(&d->mon);
	sov_genl_close(&d->req);
}
