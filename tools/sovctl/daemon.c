// SPDX-License-Identifier: GPL-2.0
/* sovctl daemon: status | help */
#include <stdio.h>
#include <string.h>

#include "print.h"
#include "sovctl.h"

static const enum mnl_attr_data_type daemon_types[SOV_A_DAEMON_MAX + 1] = {
	[SOV_A_DAEMON_VERSION] = MNL_TYPE_NUL_STRING,
	[SOV_A_DAEMON_PID] = MNL_TYPE_U32,
	[SOV_A_DAEMON_UPTIME_NS] = MNL_TYPE_U64,
	[SOV_A_DAEMON_MODULE_STATE] = MNL_TYPE_U8,
	[SOV_A_DAEMON_MODULE_EVENTS] = MNL_TYPE_U64,
	[SOV_A_DAEMON_MODULE_CHANGES] = MNL_TYPE_U32,
	[SOV_A_DAEMON_REQUESTS] = MNL_TYPE_U64,
	[SOV_A_DAEMON_LOG_LEVEL] = MNL_TYPE_U32,
	[SOV_A_DAEMON_BPF_PIN_PATH] = MNL_TYPE_NUL_STRING,
	[SOV_A_DAEMON_BPF_PROGS] = MNL_TYPE_U32,
};

static int daemon_cb(const struct nlmsghdr *nlh, void *data)
{
	struct daemon_info *di = data;
	const struct nlattr *tb[SOV_A_DAEMON_MAX + 1];

	sov_nl_parse_known(nlh, tb, SOV_A_DAEMON_MAX, daemon_types);
#define U(attr, field, get) if (tb[attr]) di->field = get(tb[attr])
	U(SOV_A_DAEMON_PID, pid, mnl_attr_get_u32);
	U(SOV_A_DAEMON_UPTIME_NS, uptime_ns, mnl_attr_get_u64);
	U(SOV_A_DAEMON_MODULE_STATE, module_state, mnl_attr_get_u8);
	U(SOV_A_DAEMON_MODULE_EVENTS, module_events, mnl_attr_get_u64);
	U(SOV_A_DAEMON_MODULE_CHANGES, module_changes, mnl_attr_get_u32);
	U(SOV_A_DAEMON_REQUESTS, requests, mnl_attr_get_u64);
	U(SOV_A_DAEMON_LOG_LEVEL, log_level, mnl_attr_get_u32);
	U(SOV_A_DAEMON_BPF_PROGS, bpf_progs, mnl_attr_get_u32);
#undef U
	if (tb[SOV_A_DAEMON_VERSION])
		snprintf(di->version, sizeof(di->version), "%s",
			 mnl_attr_get_str(tb[SOV_A_DAEMON_VERSION]));
	if (tb[SOV_A_DAEMON_BPF_PIN_PATH])
		snprintf(di->bpf_pin_path, sizeof(di->bpf_pin_path), "%s",
			 mnl_attr_get_str(tb[SOV_A_DAEMON_BPF_PIN_PATH]));
	return MNL_CB_OK;
}

int daemon_query(struct sov_ctl *c, struct daemon_info *di,
		 struct sov_nl_err *err)
{
	unsigned char buf[128];
	struct nlmsghdr *nlh;

	memset(di, 0, sizeof(*di));
	nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_DAEMON_GET,
			     SOV_GENL_VERSION, 0, 0);
	return sov_ctl_transact(c, nlh, daemon_cb, di, err);
}

static const char *module_state_name(uint8_t s)
{
	switch (s) {
	case SOV_MODULE_LOADED:
		return "loaded";
	case SOV_MODULE_UNLOADED:
		return "unloaded";
	default:
		return "unknown";
	}
}

void daemon_print(const struct daemon_info *di, const char *indent)
{
	char dur[64];

	print_string("version", "version %s", di->version);
	print_u64("pid", "  pid %llu", di->pid);
	print_u64("uptime_ns", NULL, di->uptime_ns);
	print_text("  up %s\n%s", print_fmt_duration(di->uptime_ns, dur, sizeof(dur)),
		   indent);
	print_string("module", "module %s", module_state_name(di->module_state));
	print_u64("module_events", ", %llu events", di->module_events);
	print_u64("module_changes", ", %llu loads/unloads seen\n", di->module_changes);
	print_text("%s", indent);
	print_u64("requests", "requests %llu", di->requests);
	print_u64("log_level", "  log-level %llu", di->log_level);
	print_text(" (%s)\n%s", log_level_name(di->log_level), indent);
	print_string("bpf_pin_path", di->bpf_pin_path[0] ? "bpf %s" : "bpf disabled",
		     di->bpf_pin_path);
	print_u64("bpf_progs", ", %llu programs\n", di->bpf_progs);
}

static int daemon_status(int argc, char **argv)
{
	struct daemon_info di;
	struct sov_nl_err err;
	struct sov_ctl c;
	int ret;

	if (argc > 0)
		return usage_error("'daemon status' takes no arguments, got \"%s\"", argv[0]);
	if (daemon_open(&c, false, NULL))
		return EXIT_FAIL;
	ret = daemon_query(&c, &di, &err);
	sov_ctl_close(&c);
	if (ret)
		return report_nl_error("daemon status", &err, NULL, 0);
	print_begin(sovctl.json, sovctl.pretty, stdout);
	print_text("sovereignd: ");
	daemon_print(&di, "            ");
	print_end();
	return EXIT_OK;
}

int do_daemon(int argc, char **argv)
{
	if (argc == 0 || matches(argv[0], "status") || matches(argv[0], "show"))
		return daemon_status(argc ? argc - 1 : 0, argv + (argc ? 1 : 0));
	if (matches(argv[0], "help")) {
		fputs("Usage: sovctl daemon [ status ]\n"
		      "       sovctl daemon help\n"
		      "\n"
		      "  status   sovereignd's version, uptime, view of the module, BPF state\n"
		      "           (talks to the daemon over " SOV_CTL_PATH ", or -s PATH)\n",
		      stdout);
		return EXIT_OK;
	}
	return usage_error("command \"%s\" is unknown for 'daemon', try \"sovctl daemon help\"",
			   argv[0]);
}
