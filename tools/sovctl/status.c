// SPDX-License-Identifier: GPL-2.0
/* sovctl status: module, daemon and BPF state in one view. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../lib/bpf/pins.h"
#include "print.h"
#include "sovctl.h"

#define INDENT "         "	/* under "module:  " */

static void status_module(void)
{
	struct module_info mi;
	struct sov_nl_err err;
	struct sov_genl g;
	bool absent;

	print_open_object("module");
	print_text("module:  ");
	if (module_open(&g, true, &absent)) {
		print_bool("loaded", NULL, false);
		print_string("error", "%s\n", absent ? "not loaded" :
			     "cannot query (see above)");
		print_close_object();
		return;
	}
	if (module_query(&g, &mi, &err)) {
		print_bool("loaded", NULL, true);
		print_string("error", "loaded, but INFO_GET failed: %s\n",
			     err.msg[0] ? err.msg : strerror(-err.error));
	} else {
		print_bool("loaded", NULL, true);
		module_print(&mi, INDENT);
	}
	sov_genl_close(&g);
	print_close_object();
}

/* Returns the daemon's pin directory in @pin_dir when it reports one. */
static void status_daemon(char *pin_dir, size_t size)
{
	struct daemon_info di;
	struct sov_nl_err err;
	struct sov_ctl c;
	bool absent;

	print_open_object("daemon");
	print_text("daemon:  ");
	if (daemon_open(&c, true, &absent)) {
		print_bool("running", NULL, false);
		print_string("error", "%s\n", absent ? "not running" :
			     "cannot connect (see above)");
		print_close_object();
		return;
	}
	if (daemon_query(&c, &di, &err)) {
		print_bool("running", NULL, true);
		print_string("error", "running, but status failed: %s\n",
			     err.msg[0] ? err.msg : strerror(-err.error));
	} else {
		print_bool("running", NULL, true);
		daemon_print(&di, INDENT);
		if (di.bpf_pin_path[0])
			snprintf(pin_dir, size, "%s", di.bpf_pin_path);
	}
	sov_ctl_close(&c);
	print_close_object();
}

static void pin_cb(const struct sov_bpf_pin *pin, void *data)
{
	(void)data;
	print_open_object(NULL);
	print_string("path", INDENT "%-20s", pin->path);
	print_string("kind", " %-4s", pin->kind);
	print_string("type", " %-14s", pin->type);
	print_string("name", " %-15s", pin->name);
	print_u64("id", " id %llu\n", pin->id);
	print_close_object();
}

static void status_bpf(const char *pin_dir)
{
	int n;

	print_open_object("bpf");
	print_string("pin_dir", "bpf:     pinned in %s\n", pin_dir);
	print_open_array("pins");
	n = sov_bpf_pins_list(pin_dir, pin_cb, NULL);
	print_close_array();
	if (n == -ENOENT)
		print_string("error", INDENT "no pins (sovereignd has not loaded BPF on this host)\n",
			     "no pins");
	else if (n == -ENOTSUP)
		print_string("error", INDENT "%s\n", "not a bpffs mount");
	else if (n < 0)
		print_string("error", INDENT "%s\n", strerror(-n));
	else if (n == 0)
		print_text(INDENT "no pinned objects\n");
	print_close_object();
}

int do_status(int argc, char **argv)
{
	char pin_dir[256];

	if (argc > 0 && matches(argv[0], "help")) {
		fputs("Usage: sovctl status\n"
		      "  the module (over generic netlink), the daemon (over "
		      SOV_CTL_PATH ")\n  and the BPF objects pinned under "
		      SOV_BPF_PIN_DIR ", in one view\n", stdout);
		return EXIT_OK;
	}
	if (argc > 0)
		return usage_error("'status' takes no arguments, got \"%s\"", argv[0]);
	snprintf(pin_dir, sizeof(pin_dir), "%s", sovctl.bpf_dir);
	print_begin(sovctl.json, sovctl.pretty, stdout);
	status_module();
	status_daemon(pin_dir, sizeof(pin_dir));
	status_bpf(pin_dir);
	print_end();
	return EXIT_OK;
}
