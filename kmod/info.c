// SPDX-License-Identifier: GPL-2.0
/* The subsystem table, its start/stop ladder, and SOV_CMD_INFO_GET's payload. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/utsname.h>

#include "sovereign.h"
#include "netio/netio.h"
#include "prof/prof.h"
#include "sched/sched.h"
#include "zpage/zpage.h"

/* A subsystem gets its init/exit here when its code lands in the module. */
const struct sov_subsys_desc sov_subsystems[__SOV_SUBSYS_CNT] = {
	[SOV_SUBSYS_MEMCOMPRESS]	= { .name = "memcompress",
					    .init = sov_mc_init, .exit = sov_mc_exit },
	[SOV_SUBSYS_CLASSES]		= { .name = "classes",
					    .init = sov_sched_init, .exit = sov_sched_exit },
#if SOV_HAVE_PROF
	[SOV_SUBSYS_PROFILE]		= { .name = "profile",
					    .init = sov_prof_init, .exit = sov_prof_exit },
#else
	[SOV_SUBSYS_PROFILE]		= { .name = "profile" },
#endif
#if SOV_HAVE_NETIO
	[SOV_SUBSYS_NETIO]		= { .name = "netio",
					    .init = sov_netio_init, .exit = sov_netio_exit },
#else
	[SOV_SUBSYS_NETIO]		= { .name = "netio" },
#endif
};

/*
 * Start every compiled-in subsystem in table order. On failure, stop the
 * ones already started, in reverse, so a failed load leaves nothing behind.
 */
int sov_subsys_start(const struct sov_subsys_desc *tbl, unsigned int n,
		     unsigned long *enabled)
{
	unsigned int i;
	int err;

	for (i = 0; i < n; i++) {
		if (!tbl[i].init)
			continue;
		err = tbl[i].init();
		if (err) {
			pr_err("%s: init failed: %d\n", tbl[i].name, err);
			sov_subsys_stop(tbl, i, enabled);
			return err;
		}
		__set_bit(i, enabled);
	}
	return 0;
}

void sov_subsys_stop(const struct sov_subsys_desc *tbl, unsigned int n,
		     unsigned long *enabled)
{
	unsigned int i = n;

	while (i--) {
		if (!__test_and_clear_bit(i, enabled))
			continue;
		if (tbl[i].exit)
			tbl[i].exit();
	}
}

static int sov_info_fill_subsys(struct sk_buff *skb, unsigned int id,
				const struct sov_subsys_desc *d, bool enabled)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, SOV_A_INFO_SUBSYS);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, SOV_A_SUBSYS_ID, id) ||
	    nla_put_string(skb, SOV_A_SUBSYS_NAME, d->name) ||
	    nla_put_u8(skb, SOV_A_SUBSYS_COMPILED, !!d->init) ||
	    nla_put_u8(skb, SOV_A_SUBSYS_ENABLED, enabled)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* On -EMSGSIZE the skb is left exactly as it was: no half-written reply. */
int sov_info_fill(struct sk_buff *skb, const struct sov_subsys_desc *tbl,
		  unsigned int n, unsigned long enabled, u64 uptime_ns)
{
	unsigned char *start = skb_tail_pointer(skb);
	struct nlattr *nest;
	unsigned int i;

	if (nla_put_string(skb, SOV_A_INFO_VERSION, SOV_VERSION) ||
	    nla_put_string(skb, SOV_A_INFO_KERNEL_RELEASE, utsname()->release) ||
	    nla_put_u64_64bit(skb, SOV_A_INFO_UPTIME_NS, uptime_ns,
			      SOV_A_INFO_PAD))
		goto err_trim;

	nest = nla_nest_start(skb, SOV_A_INFO_SUBSYSTEMS);
	if (!nest)
		goto err_trim;
	for (i = 0; i < n; i++)
		if (sov_info_fill_subsys(skb, i, &tbl[i], test_bit(i, &enabled)))
			goto err_trim;
	nla_nest_end(skb, nest);
	return 0;

err_trim:
	nlmsg_trim(skb, start);
	return -EMSGSIZE;
}
