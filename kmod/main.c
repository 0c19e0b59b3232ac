// SPDX-License-Identifier: GPL-2.0
/* sovereign.ko: load and unload. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/timekeeping.h>

#include "sovereign.h"

unsigned long sov_enabled_subsys;
static u64 sov_load_ns;

u64 sov_uptime_ns(void)
{
	return ktime_get_boottime_ns() - sov_load_ns;
}

/* Subsystems first, netlink last: nothing is reachable before it is ready. */
static int __init sov_init(void)
{
	int err;

	sov_load_ns = ktime_get_boottime_ns();

	err = sov_subsys_start(sov_subsystems, ARRAY_SIZE(sov_subsystems),
			       &sov_enabled_subsys);
	if (err)
		goto err_out;

	err = sov_netlink_init();
	if (err)
		goto err_stop_subsys;

	sov_info("version %s loaded\n", SOV_VERSION);
	return 0;

err_stop_subsys:
	sov_subsys_stop(sov_subsystems, ARRAY_SIZE(sov_subsystems),
			&sov_enabled_subsys);
err_out:
	return err;
}

static void __exit sov_exit(void)
{
	sov_netlink_exit();
	sov_subsys_stop(sov_subsystems, ARRAY_SIZE(sov_subsystems),
			&sov_enabled_subsys);
	sov_info("unloaded\n");
}

module_init(sov_init);
module_exit(sov_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The Sovereign developers");
MODULE_DESCRIPTION("Sovereign node platform: memory compression, traffic classes, profiling, AF_XDP");
MODULE_VERSION(SOV_VERSION);
MODULE_ALIAS_GENL_FAMILY(SOV_GENL_NAME);
