// SPDX-License-Identifier: GPL-2.0
/* sovctl module: show | set | monitor | help */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "print.h"
#include "sovctl.h"

static const char *const config_attr_names[SOV_A_CONFIG_MAX + 1] = {
	[SOV_A_CONFIG_LOG_LEVEL] = "log-level",
};

static const enum mnl_attr_data_type info_types[SOV_A_INFO_MAX + 1] = {
	[SOV_A_INFO_VERSION] = MNL_TYPE_NUL_STRING,
	[SOV_A_INFO_KERNEL_RELEASE] = MNL_TYPE_NUL_STRING,
	[SOV_A_INFO_UPTIME_NS] = MNL_TYPE_U64,
	[SOV_A_INFO_SUBSYSTEMS] = MNL_TYPE_NESTED,
};

static const enum mnl_attr_data_type subsys_types[SOV_A_SUBSYS_MAX + 1] = {
	[SOV_A_SUBSYS_ID] = MNL_TYPE_U32,
	[SOV_A_SUBSYS_NAME] = MNL_TYPE_NUL_STRING,
	[SOV_A_SUBSYS_COMPILED] = MNL_TYPE_U8,
	[SOV_A_SUBSYS_ENABLED] = MNL_TYPE_U8,
};

static const enum mnl_attr_data_type config_types[SOV_A_CONFIG_MAX + 1] = {
	[SOV_A_CONFIG_LOG_LEVEL] = MNL_TYPE_U32,
};

static void copy_str(char *dst, size_t size, const struct nlattr *a)
{
	snprintf(dst, size, "%s", a ? mnl_attr_get_str(a) : "");
}

/* Newer modules may add attributes: keep what we know, skip the rest. */
static int info_cb(const struct nlmsghdr *nlh, void *data)
{
	struct module_info *mi = data;
	const struct nlattr *tb[SOV_A_INFO_MAX + 1];
	const struct nlattr *a, *st[SOV_A_SUBSYS_MAX + 1];
	struct sov_nl_err err;

	sov_nl_parse_known(nlh, tb, SOV_A_INFO_MAX, info_types);
	copy_str(mi->version, sizeof(mi->version), tb[SOV_A_INFO_VERSION]);
	copy_str(mi->release, sizeof(mi->release), tb[SOV_A_INFO_KERNEL_RELEASE]);
	if (tb[SOV_A_INFO_UPTIME_NS])
		mi->uptime_ns = mnl_attr_get_u64(tb[SOV_A_INFO_UPTIME_NS]);
	if (!tb[SOV_A_INFO_SUBSYSTEMS])
		return MNL_CB_OK;
	mnl_attr_for_each_nested(a, tb[SOV_A_INFO_SUBSYSTEMS]) {
		if (mnl_attr_get_type(a) != SOV_A_INFO_SUBSYS ||
		    mi->nsubsys == sizeof(mi->subsys) / sizeof(mi->subsys[0]))
			continue;
		if (sov_nl_parse_nested(a, st, SOV_A_SUBSYS_MAX, subsys_types, &err) ||
		    !st[SOV_A_SUBSYS_NAME])
			continue;
		mi->subsys[mi->nsubsys].id = st[SOV_A_SUBSYS_ID] ?
			mnl_attr_get_u32(st[SOV_A_SUBSYS_ID]) : mi->nsubsys;
		copy_str(mi->subsys[mi->nsubsys].name,
			 sizeof(mi->subsys[0].name), st[SOV_A_SUBSYS_NAME]);
		mi->subsys[mi->nsubsys].compiled = st[SOV_A_SUBSYS_COMPILED] &&
			mnl_attr_get_u8(st[SOV_A_SUBSYS_COMPILED]);
		mi->subsys[mi->nsubsys].enabled = st[SOV_A_SUBSYS_ENABLED] &&
			mnl_attr_get_u8(st[SOV_A_SUBSYS_ENABLED]);
		mi->nsubsys++;
	}
	return MNL_CB_OK;
}

static int config_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[SOV_A_CONFIG_MAX + 1];
	uint32_t *level = data;

	sov_nl_parse_known(nlh, tb, SOV_A_CONFIG_MAX, config_types);
	if (tb[SOV_A_CONFIG_LOG_LEVEL])
		*level = mnl_attr_get_u32(tb[SOV_A_CONFIG_LOG_LEVEL]);
	return MNL_CB_OK;
}

int module_query(struct sov_genl *g, struct module_info *mi,
		 struct sov_nl_err *err)
{
	unsigned char buf[256];
	struct nlmsghdr *nlh;
	int ret;

	memset(mi, 0, sizeof(*mi));
	nlh = sov_nl_put_hdr(buf, g->family, SOV_CMD_INFO_GET, SOV_GENL_VERSION, 0, 0);
	ret = sov_genl_transact(g, nlh, info_cb, mi, err);
	if (ret)
		return ret;
	nlh = sov_nl_put_hdr(buf, g->family, SOV_CMD_CONFIG_GET, SOV_GENL_VERSION, 0, 0);
	return sov_genl_transact(g, nlh, config_cb, &mi->log_level, err);
}

void module_print(const struct module_info *mi, const char *indent)
{
	char dur[64];
	unsigned int i;

	print_string("version", "version %s", mi->version);
	print_string("kernel_release", "  kernel %s", mi->release);
	print_u64("uptime_ns", NULL, mi->uptime_ns);
	print_text("  up %s\n", print_fmt_duration(mi->uptime_ns, dur, sizeof(dur)));
	print_text("%s", indent);
	print_u64("log_level", "log-level %llu", mi->log_level);
	print_text(" (%s)\n", log_level_name(mi->log_level));
	print_open_array("subsystems");
	print_text("%ssubsystems:", indent);
	for (i = 0; i < mi->nsubsys; i++) {
		print_open_object(NULL);
		print_string("name", " %s", mi->subsys[i].name);
		print_bool("compiled", NULL, mi->subsys[i].compiled);
		print_bool("enabled", NULL, mi->subsys[i].enabled);
		print_text(" (%s)%s", !mi->subsys[i].compiled ? "not built" :
			   mi->subsys[i].enabled ? "enabled" : "disabled",
			   i + 1 < mi->nsubsys ? "," : "");
		print_close_object();
	}
	print_text("\n");
	print_close_array();
}

static int module_show(int argc, char **argv)
{
	struct module_info mi;
	struct sov_nl_err err;
	struct sov_genl g;
	int ret;

	if (argc > 0)
		return usage_error("'module show' takes no arguments, got \"%s\"", argv[0]);
	if (module_open(&g, false, NULL))
		return EXIT_FAIL;
	ret = module_query(&g, &mi, &err);
	sov_genl_close(&g);
	if (ret)
		return report_nl_error("module info", &err, NULL, 0);
	print_begin(sovctl.json, sovctl.pretty, stdout);
	print_text("sovereign: ");
	module_print(&mi, "           ");
	print_end();
	return EXIT_OK;
}

/* --cluster: the leader's sovereignd replicates it and every node sets its module */
static int module_set_cluster(bool have_level, uint32_t level)
{
	unsigned char buf[256];
	struct nlmsghdr *nlh;
	struct sov_nl_err err;
	struct sov_ctl c;
	int ret;

	if (daemon_open(&c, false, NULL))
		return EXIT_FAIL;
	nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_CONFIG_SET, SOV_GENL_VERSION, 0, 0);
	if (have_level)
		mnl_attr_put_u32(nlh, SOV_A_CONFIG_LOG_LEVEL, level);
	ret = sov_ctl_transact(&c, nlh, NULL, NULL, &err);
	sov_ctl_close(&c);
	if (ret)
		return report_nl_error("module set --cluster", &err, config_attr_names,
				       SOV_A_CONFIG_MAX + 1);
	verbose("log-level %u applied by the cluster", level);
	return EXIT_OK;
}

static int module_set(int argc, char **argv)
{
	unsigned char buf[256];
	struct nlmsghdr *nlh;
	struct sov_nl_err err;
	struct sov_genl g;
	uint32_t level;
	bool have_level = false, cluster = false;
	int ret;

	/* --cluster: first or last */
	if (argc > 0 && !strcmp(argv[0], "--cluster")) {
		cluster = true;
		argc--;
		argv++;
	} else if (argc > 0 && !strcmp(argv[argc - 1], "--cluster")) {
		cluster = true;
		argc--;
	}
	if (argc == 0)
		return usage_error("'module set' needs a setting: log-level LEVEL");
	for (; argc > 0; argc -= 2, argv += 2) {
		if (!matches(argv[0], "log-level"))
			return usage_error("unknown setting \"%s\": expected log-level",
					   argv[0]);
		if (argc < 2)
			return usage_error("log-level needs a value: 0-7 or emerg|alert|crit|err|warning|notice|info|debug");
		if (log_level_parse(argv[1], &level))
			return usage_error("\"%s\" is not a log level: expected 0-7 or emerg|alert|crit|err|warning|notice|info|debug",
					   argv[1]);
		have_level = true;
	}
	if (cluster)
		return module_set_cluster(have_level, level);

	if (module_open(&g, false, NULL))
		return EXIT_FAIL;
	nlh = sov_nl_put_hdr(buf, g.family, SOV_CMD_CONFIG_SET, SOV_GENL_VERSION, 0, 0);
	if (have_level)
		mnl_attr_put_u32(nlh, SOV_A_CONFIG_LOG_LEVEL, level);
	ret = sov_genl_transact(&g, nlh, NULL, NULL, &err);
	sov_genl_close(&g);
	if (ret)
		return report_nl_error("module set", &err, config_attr_names,
				       SOV_A_CONFIG_MAX + 1);
	verbose("log-level set to %u", level);
	return EXIT_OK;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *gh = mnl_nlmsg_get_payload(nlh);
	uint32_t level = 0;

	(void)data;
	if (gh->cmd != SOV_CMD_CONFIG_NTF)
		return MNL_CB_OK;
	config_cb(nlh, &level);
	print_begin(sovctl.json, false, stdout);
	print_string("event", "%s:", "config");
	print_u64("log_level", " log-level %llu", level);
	print_text(" (%s)\n", log_level_name(level));
	print_end();
	return MNL_CB_OK;
}

/* Print module notifications until interrupted; -j gives one JSON object per line. */
static int module_monitor(int argc, char **argv)
{
	static unsigned char buf[SOV_NL_BUFSZ];
	struct sigaction sa = { .sa_handler = on_signal };
	struct sov_nl_err err;
	struct sov_genl g;
	uint32_t grp;
	int ret;

	if (argc > 0)
		return usage_error("'module monitor' takes no arguments, got \"%s\"", argv[0]);
	if (module_open(&g, false, NULL))
		return EXIT_FAIL;
	if (sov_genl_group_id(&g, SOV_GENL_MCGRP_EVENTS, &grp) ||
	    (ret = sov_genl_join(&g, grp))) {
		sov_genl_close(&g);
		return op_error("cannot join the \"%s\" multicast group",
				SOV_GENL_MCGRP_EVENTS);
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!stop) {
		struct pollfd pfd = { .fd = sov_genl_fd(&g), .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 500) <= 0)
			continue;
		n = mnl_socket_recvfrom(g.sock, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = op_error("receiving events: %s", strerror(errno));
			sov_genl_close(&g);
			return ret;
		}
		sov_nl_process(buf, (size_t)n, 0, NULL, event_cb, NULL, &err);
	}
	sov_genl_close(&g);
	return EXIT_OK;
}

static int module_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs("Usage: sovctl module [ show ]\n"
	      "       sovctl module set [--cluster] log-level LEVEL\n"
	      "       sovctl module monitor\n"
	      "       sovctl module help\n"
	      "where  LEVEL := { 0..7 | emerg | alert | crit | err | warning | notice | info | debug }\n"
	      "\n"
	      "  show      version, kernel, uptime, settings and subsystems of sovereign.ko\n"
	      "  set       change module-wide settings (needs CAP_NET_ADMIN); --cluster asks\n"
	      "            sovereignd's leader to replicate it: every node sets its module\n"
	      "  monitor   print the module's notifications as they happen\n", stdout);
	return EXIT_OK;
}

int do_module(int argc, char **argv)
{
	if (argc == 0 || matches(argv[0], "show"))
		return module_show(argc ? argc - 1 : 0, argv + (argc ? 1 : 0));
	if (matches(argv[0], "set"))
		return module_set(argc - 1, argv + 1);
	if (matches(argv[0], "monitor"))
		return module_monitor(argc - 1, argv + 1);
	if (matches(argv[0], "help"))
		return module_help(argc - 1, argv + 1);
	return usage_error("command \"%s\" is unknown for 'module', try \"sovctl module help\"",
			   argv[0]);
}
