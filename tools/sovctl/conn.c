// SPDX-License-Identifier: GPL-2.0
/* Opening the two peers: the module (generic netlink) and sovereignd. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sovctl.h"

int module_open(struct sov_genl *g, bool quiet_if_absent, bool *absent)
{
	struct sov_nl_err err;
	int ret;

	if (absent)
		*absent = false;
	ret = sov_genl_open(g);
	if (ret)
		return op_error("cannot open a generic netlink socket: %s",
				strerror(-ret));
	ret = sov_genl_resolve(g, SOV_GENL_NAME, &err);
	if (ret == -ENOENT) {
		sov_genl_close(g);
		if (absent)
			*absent = true;
		if (quiet_if_absent)
			return EXIT_FAIL;
		fprintf(stderr, "Error: %s\n", module_not_loaded_msg());
		return EXIT_FAIL;
	}
	if (ret) {
		sov_genl_close(g);
		return report_nl_error("resolving the \"" SOV_GENL_NAME "\" family",
				       &err, NULL, 0);
	}
	if (g->version < SOV_GENL_VERSION)
		verbose("module speaks family version %u, sovctl %u",
			g->version, SOV_GENL_VERSION);
	verbose("family \"%s\" id %u version %u", SOV_GENL_NAME, g->family,
		g->version);
	return EXIT_OK;
}

int daemon_open(struct sov_ctl *c, bool quiet_if_absent, bool *absent)
{
	int ret = sov_ctl_connect(c, sovctl.ctl_path);

	if (absent)
		*absent = false;
	if (!ret)
		return EXIT_OK;
	if (ret == -ENOENT || ret == -ECONNREFUSED) {
		if (absent)
			*absent = true;
		if (!quiet_if_absent)
			fprintf(stderr,
				"Error: sovereignd is not running (nothing listens on %s; start it with 'sovereignd' or 'systemctl start sovereignd')\n",
				sovctl.ctl_path);
		return EXIT_FAIL;
	}
	if (ret == -EACCES || ret == -EPERM)
		return op_error("permission denied: %s is root-only (run as root)",
				sovctl.ctl_path);
	return op_error("cannot connect to sovereignd at %s: %s", sovctl.ctl_path,
			strerror(-ret));
}
