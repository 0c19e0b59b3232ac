// SPDX-License-Identifier: GPL-2.0
/*
 * SOV_CMD_MC_*: memcompress devices over the "sovereign" family. Devices are
 * global (block devices are not per netns); changing them needs
 * CAP_NET_ADMIN in the initial user namespace (GENL_ADMIN_PERM).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/cpumask.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/stddef.h>

#include "../sovereign.h"
#include "zpage.h"

/* the wire's levels are the codec's */
static_assert((int)SOV_MC_LEVEL_NONE == (int)SOV_ZLEVEL_NONE);
static_assert((int)SOV_MC_LEVEL_FAST == (int)SOV_ZLEVEL_FAST);
static_assert((int)SOV_MC_LEVEL_BALANCED == (int)SOV_ZLEVEL_BALANCED);
static_assert((int)SOV_MC_LEVEL_BEST == (int)SOV_ZLEVEL_BEST);
static_assert((int)__SOV_MC_LEVEL_CNT == (int)__SOV_ZLEVEL_CNT);
static_assert(SOV_MC_RECOMP_THREADS_MAX == SOV_ZRECOMP_MAX_THREADS);

/* GET, DESTROY and COMPACT: the device, by id or name */
const struct nla_policy sov_mc_get_policy[SOV_A_MC_NAME + 1] = {
	[SOV_A_MC_ID]		= NLA_POLICY_MAX(NLA_U32, SOV_MC_DEV_MAX - 1),
	[SOV_A_MC_NAME]		= { .type = NLA_NUL_STRING, .len = SOV_MC_NAME_MAX },
};

/* SIZE's rule (a multiple of 4096) is checked in the handler, with its message */
const struct nla_policy sov_mc_create_policy[SOV_A_MC_MEM_LIMIT + 1] = {
	[SOV_A_MC_NAME]		= { .type = NLA_NUL_STRING, .len = SOV_MC_NAME_MAX },
	[SOV_A_MC_SIZE]		= { .type = NLA_U64 },
	[SOV_A_MC_LEVEL]	= NLA_POLICY_MAX(NLA_U32, SOV_MC_LEVEL_BEST),
	[SOV_A_MC_MEM_LIMIT]	= { .type = NLA_U64 },
};

/* a policy's level may not be none: recompressing at none means nothing */
static const struct nla_policy sov_mc_policy_policy[SOV_A_MC_POLICY_LEVEL + 1] = {
	[SOV_A_MC_POLICY_KINDS]		= NLA_POLICY_MASK(NLA_U32, BIT(__SOV_MC_POLICY_CNT) - 1),
	[SOV_A_MC_POLICY_MEM_BYTES]	= { .type = NLA_U64 },
	[SOV_A_MC_POLICY_RATIO_X100]	= { .type = NLA_U32 },
	[SOV_A_MC_POLICY_IDLE_AGE]	= { .type = NLA_U32 },
	[SOV_A_MC_POLICY_COOLDOWN]	= { .type = NLA_U32 },
	[SOV_A_MC_POLICY_LEVEL]		= NLA_POLICY_RANGE(NLA_U32, SOV_MC_LEVEL_FAST,
							   SOV_MC_LEVEL_BEST),
};

const struct nla_policy sov_mc_set_policy[SOV_A_MC_POLICY + 1] = {
	[SOV_A_MC_ID]		= NLA_POLICY_MAX(NLA_U32, SOV_MC_DEV_MAX - 1),
	[SOV_A_MC_NAME]		= { .type = NLA_NUL_STRING, .len = SOV_MC_NAME_MAX },
	[SOV_A_MC_LEVEL]	= NLA_POLICY_MAX(NLA_U32, SOV_MC_LEVEL_BEST),
	[SOV_A_MC_MEM_LIMIT]	= { .type = NLA_U64 },
	[SOV_A_MC_POLICY]	= NLA_POLICY_NESTED(sov_mc_policy_policy),
};

/* RECOMPRESS: LEVEL none is refused in the handler, with its message */
const struct nla_policy sov_mc_recompress_policy[SOV_A_MC_THREADS + 1] = {
	[SOV_A_MC_ID]		= NLA_POLICY_MAX(NLA_U32, SOV_MC_DEV_MAX - 1),
	[SOV_A_MC_NAME]		= { .type = NLA_NUL_STRING, .len = SOV_MC_NAME_MAX },
	[SOV_A_MC_LEVEL]	= NLA_POLICY_MAX(NLA_U32, SOV_MC_LEVEL_BEST),
	[SOV_A_MC_IDLE_AGE]	= { .type = NLA_U32 },
	[SOV_A_MC_THREADS]	= NLA_POLICY_RANGE(NLA_U32, 1, SOV_MC_RECOMP_THREADS_MAX),
};

#define SOV_MC_STAT(attr, field) \
	{ SOV_A_MC_STATS_##attr, offsetof(struct sov_zstore_stats, field) }

static const struct {
	u16 type;
	u16 off;
} sov_mc_stats_map[] = {
	SOV_MC_STAT(PAGES, pages),
	SOV_MC_STAT(ORIG_BYTES, orig_bytes),
	SOV_MC_STAT(COMPR_BYTES, compr_bytes),
	SOV_MC_STAT(MEM_USED, mem_used),
	SOV_MC_STAT(MEM_LIMIT, mem_limit),
	SOV_MC_STAT(MEM_USED_MAX, mem_used_max),
	SOV_MC_STAT(SAME_PAGES, same_pages),
	SOV_MC_STAT(HUGE_PAGES, huge_pages),
	SOV_MC_STAT(PAGES_NONE, level_pages[SOV_ZLEVEL_NONE]),
	SOV_MC_STAT(PAGES_FAST, level_pages[SOV_ZLEVEL_FAST]),
	SOV_MC_STAT(PAGES_BALANCED, level_pages[SOV_ZLEVEL_BALANCED]),
	SOV_MC_STAT(PAGES_BEST, level_pages[SOV_ZLEVEL_BEST]),
	SOV_MC_STAT(READS, reads),
	SOV_MC_STAT(WRITES, writes),
	SOV_MC_STAT(DISCARDS, discards),
	SOV_MC_STAT(FAILED_READS, failed_reads),
	SOV_MC_STAT(FAILED_WRITES, failed_writes),
	SOV_MC_STAT(LIMIT_HITS, limit_hits),
	SOV_MC_STAT(RECOMPRESSED, recompressed),
	SOV_MC_STAT(COMPACTIONS, compactions),
	SOV_MC_STAT(COMPACTED_PAGES, compacted_pages),
	SOV_MC_STAT(PACKS, packs),
	SOV_MC_STAT(PACKED_PAGES, packed_pages),
};

/* Every counter of the store is on the wire: a new one must be added here. */
static_assert(ARRAY_SIZE(sov_mc_stats_map) == SOV_A_MC_STATS_MAX - SOV_A_MC_STATS_PAD);
static_assert(sizeof(struct sov_zstore_stats) == ARRAY_SIZE(sov_mc_stats_map) * sizeof(u64));

static int sov_mc_fill_stats(struct sk_buff *skb, const struct sov_zstore_stats *st)
{
	struct nlattr *nest;
	unsigned int i;
	u64 v;

	nest = nla_nest_start(skb, SOV_A_MC_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < ARRAY_SIZE(sov_mc_stats_map); i++) {
		v = *(const u64 *)((const char *)st + sov_mc_stats_map[i].off);
		if (nla_put_u64_64bit(skb, sov_mc_stats_map[i].type, v,
				      SOV_A_MC_STATS_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int sov_mc_fill_recomp(struct sk_buff *skb, const struct sov_zrecomp_status *rs)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, SOV_A_MC_RECOMP);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, SOV_A_MC_RECOMP_RUNNING, rs->running) ||
	    nla_put_u32(skb, SOV_A_MC_RECOMP_LEVEL, rs->level) ||
	    nla_put_u32(skb, SOV_A_MC_RECOMP_IDLE_AGE, rs->idle_s) ||
	    nla_put_u32(skb, SOV_A_MC_RECOMP_THREADS, rs->threads) ||
	    nla_put_u64_64bit(skb, SOV_A_MC_RECOMP_SCANNED, rs->scanned, SOV_A_MC_RECOMP_PAD) ||
	    nla_put_u64_64bit(skb, SOV_A_MC_RECOMP_RECOMPRESSED, rs->recompressed,
			      SOV_A_MC_RECOMP_PAD) ||
	    nla_put_u64_64bit(skb, SOV_A_MC_RECOMP_ERRORS, rs->errors, SOV_A_MC_RECOMP_PAD) ||
	    nla_put_u64_64bit(skb, SOV_A_MC_RECOMP_RUNS, rs->runs, SOV_A_MC_RECOMP_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int sov_mc_fill_policy(struct sk_buff *skb, const struct sov_zpolicy *p, u64 acted)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, SOV_A_MC_POLICY);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, SOV_A_MC_POLICY_KINDS, p->kinds) ||
	    (p->kinds &&
	     (nla_put_u64_64bit(skb, SOV_A_MC_POLICY_MEM_BYTES, p->mem_bytes,
				SOV_A_MC_POLICY_PAD) ||
	      nla_put_u32(skb, SOV_A_MC_POLICY_RATIO_X100, p->ratio_x100) ||
	      nla_put_u32(skb, SOV_A_MC_POLICY_IDLE_AGE, p->idle_s) ||
	      nla_put_u32(skb, SOV_A_MC_POLICY_COOLDOWN, p->cooldown_s) ||
	      nla_put_u32(skb, SOV_A_MC_POLICY_LEVEL, p->level))) ||
	    nla_put_u64_64bit(skb, SOV_A_MC_POLICY_ACTED, acted, SOV_A_MC_POLICY_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int sov_mc_fill_lat(struct sk_buff *skb, const struct sov_zdev_info *di)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, SOV_A_MC_LATENCY);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put(skb, SOV_A_MC_LAT_READ, sizeof(di->lat_read), di->lat_read) ||
	    nla_put(skb, SOV_A_MC_LAT_WRITE, sizeof(di->lat_write), di->lat_write)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int sov_mc_fill_dev(struct sk_buff *skb, const struct sov_zdev_info *di)
{
	if (nla_put_u32(skb, SOV_A_MC_ID, di->id) ||
	    nla_put_string(skb, SOV_A_MC_NAME, di->name) ||
	    nla_put_u64_64bit(skb, SOV_A_MC_SIZE, di->size, SOV_A_MC_PAD) ||
	    nla_put_u32(skb, SOV_A_MC_LEVEL, di->level) ||
	    nla_put_u64_64bit(skb, SOV_A_MC_MEM_LIMIT, di->mem_limit, SOV_A_MC_PAD) ||
	    nla_put_u32(skb, SOV_A_MC_OPENERS, di->openers))
		return -EMSGSIZE;
	if (sov_mc_fill_recomp(skb, &di->recomp) ||
	    sov_mc_fill_policy(skb, &di->policy, di->policy_acted) ||
	    sov_mc_fill_lat(skb, di))
		return -EMSGSIZE;
	return sov_mc_fill_stats(skb, &di->stats);
}

/* A reply to @info, or with @info NULL a notification, of @cmd about @di. */
static struct sk_buff *sov_mc_build(struct genl_info *info, u8 cmd,
				    const struct sov_zdev_info *di)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return ERR_PTR(-ENOMEM);
	if (info)
		hdr = genlmsg_put_reply(msg, info, &sov_genl_family, 0, cmd);
	else
		hdr = genlmsg_put(msg, 0, 0, &sov_genl_family, 0, cmd);
	if (!hdr || sov_mc_fill_dev(msg, di)) {
		nlmsg_free(msg);
		return ERR_PTR(-EMSGSIZE);
	}
	genlmsg_end(msg, hdr);
	return msg;
}

/*
 * The device a request names by SOV_A_MC_ID or SOV_A_MC_NAME (if both, they
 * must agree). Called with the device lock held.
 */
static struct sov_zdev *sov_mc_lookup(struct genl_info *info)
{
	struct nlattr *id = info->attrs[SOV_A_MC_ID];
	struct nlattr *name = info->attrs[SOV_A_MC_NAME];
	struct sov_zdev *zd = NULL, *named;

	if (!id && !name) {
		NL_SET_ERR_MSG(info->extack, "expected a device: its id or name");
		return ERR_PTR(-EINVAL);
	}
	if (id) {
		zd = sov_zdev_find_id(nla_get_u32(id));
		if (!zd) {
			NL_SET_ERR_MSG_ATTR(info->extack, id, "no such memcompress device");
			return ERR_PTR(-ENODEV);
		}
	}
	if (name) {
		named = sov_zdev_find_name(nla_data(name));
		if (!named) {
			NL_SET_ERR_MSG_ATTR(info->extack, name, "no such memcompress device");
			return ERR_PTR(-ENODEV);
		}
		if (zd && zd != named) {
			NL_SET_ERR_MSG_ATTR(info->extack, name,
					    "id and name are two different devices");
			return ERR_PTR(-EINVAL);
		}
		zd = named;
	}
	return zd;
}

int sov_nl_mc_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sov_zdev_info di;
	struct sov_zdev *zd;
	struct sk_buff *msg;

	sov_zdev_lock();
	zd = sov_mc_lookup(info);
	if (IS_ERR(zd)) {
		sov_zdev_unlock();
		return PTR_ERR(zd);
	}
	sov_zdev_get_info(zd, &di);
	sov_zdev_unlock();

	msg = sov_mc_build(info, SOV_CMD_MC_DEV_GET, &di);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	return genlmsg_reply(msg, info);
}

/* One message per device; cb->args[0] is the id to resume from. */
int sov_nl_mc_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct sov_zdev_info di;
	struct sov_zdev *zd;
	u32 id = cb->args[0];
	void *hdr;

	sov_zdev_lock();
	for (; (zd = sov_zdev_next(&id)); id++) {
		sov_zdev_get_info(zd, &di);
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &sov_genl_family, NLM_F_MULTI, SOV_CMD_MC_DEV_GET);
		if (!hdr)
			break;
		if (sov_mc_fill_dev(skb, &di)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = id + 1;
	}
	sov_zdev_unlock();
	return skb->len;
}

static void sov_mc_name_error(struct netlink_ext_ack *extack, const struct nlattr *name, int err)
{
	if (err == -ERANGE)
		NL_SET_ERR_MSG_ATTR(extack, name,
				    "a numbered name sovzN takes the id N: expected 0-255, no leading zero");
	else
		NL_SET_ERR_MSG_ATTR(extack, name,
				    "name must be \"sovz\" and the id, or \"sovz\" and up to 27 of [a-z0-9_-]");
}

int sov_nl_mc_create_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct sov_zdev_cfg cfg = {
		.level = SOV_ZLEVEL_BALANCED,
		.name = "",
	};
	struct sov_zdev_info di;
	struct sov_zdev *zd;
	struct sk_buff *msg;
	void *hdr;
	int err, id;

	if (GENL_REQ_ATTR_CHECK(info, SOV_A_MC_SIZE)) {
		NL_SET_ERR_MSG(info->extack, "expected a size: a positive multiple of 4096 bytes");
		return -EINVAL;
	}
	cfg.size = nla_get_u64(tb[SOV_A_MC_SIZE]);
	if (!cfg.size || cfg.size % SOV_MC_BLOCK_SIZE || cfg.size > SOV_MC_SIZE_MAX) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[SOV_A_MC_SIZE],
				    "size must be a positive multiple of 4096 bytes, at most 1 TiB");
		return -EINVAL;
	}
	if (tb[SOV_A_MC_LEVEL])
		cfg.level = nla_get_u32(tb[SOV_A_MC_LEVEL]);
	if (tb[SOV_A_MC_MEM_LIMIT])
		cfg.mem_limit = nla_get_u64(tb[SOV_A_MC_MEM_LIMIT]);
	if (tb[SOV_A_MC_NAME]) {
		cfg.name = nla_data(tb[SOV_A_MC_NAME]);
		err = sov_zdev_name_check(cfg.name, &id);
		if (err) {
			sov_mc_name_error(info->extack, tb[SOV_A_MC_NAME], err);
			return -EINVAL;
		}
	}

	/* allocated first: a device that exists is never reported as an error */
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	sov_zdev_lock();
	err = sov_zdev_create(&cfg, &zd);
	if (!err)
		sov_zdev_get_info(zd, &di);
	sov_zdev_unlock();

	switch (err) {
	case 0:
		break;
	case -EEXIST:
		NL_SET_ERR_MSG_ATTR(info->extack, tb[SOV_A_MC_NAME],
				    "a memcompress device of that name or id exists");
		goto err_free;
	case -ENOSPC:
		NL_SET_ERR_MSG(info->extack, "too many memcompress devices: at most 256");
		goto err_free;
	default:
		NL_SET_ERR_MSG(info->extack, "cannot create the device (out of memory?)");
		goto err_free;
	}

	hdr = genlmsg_put_reply(msg, info, &sov_genl_family, 0, SOV_CMD_MC_DEV_CREATE);
	if (!hdr || sov_mc_fill_dev(msg, &di)) {
		nlmsg_free(msg);
		return 0;	/* cannot happen in NLMSG_GOODSIZE; the device exists */
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return err;
}

/*
 * 6.1 has no NL_SET_ERR_MSG_FMT, and NL_SET_ERR_MSG takes only literals:
 * extack keeps a pointer, read when the ack is built after the handler
 * returns. A message naming the device therefore lives in static storage,
 * one per id, written under the device lock, and is set by hand.
 */
static char sov_mc_busy_msg[SOV_MC_DEV_MAX][128];

int sov_nl_mc_destroy_doit(struct sk_buff *skb, struct genl_info *info)
{
	const struct nlattr *attr = info->attrs[SOV_A_MC_ID] ?: info->attrs[SOV_A_MC_NAME];
	struct sov_zdev_info di;
	struct sov_zdev *zd;
	char *busy;
	int err;

	sov_zdev_lock();
	zd = sov_mc_lookup(info);
	if (IS_ERR(zd)) {
		sov_zdev_unlock();
		return PTR_ERR(zd);
	}
	sov_zdev_get_info(zd, &di);
	err = sov_zdev_destroy(zd);
	if (err == -EBUSY) {
		busy = sov_mc_busy_msg[di.id];
		snprintf(busy, sizeof(sov_mc_busy_msg[0]),
			 "device %s is in use (mounted or swapped on): umount or swapoff it first",
			 di.name);
		if (info->extack) {
			info->extack->_msg = busy;
			info->extack->bad_attr = attr;
		}
	}
	sov_zdev_unlock();
	return err;
}

static void sov_mc_notify(struct genl_info *info, const struct sov_zdev_info *di)
{
	struct net *net = genl_info_net(info);
	struct sk_buff *msg;

	if (!sov_nl_has_listeners(net))
		return;
	msg = sov_mc_build(NULL, SOV_CMD_MC_DEV_NTF, di);
	if (IS_ERR(msg)) {
		sov_warn("%s: dropping notification: %ld\n", di->name, PTR_ERR(msg));
		return;
	}
	sov_nl_multicast(net, msg);
}

/* SET's SOV_A_MC_POLICY (validated by its policy) into @p, checked. */
static int sov_mc_parse_policy(struct genl_info *info, struct sov_zpolicy *p)
{
	struct nlattr *tb[SOV_A_MC_POLICY_LEVEL + 1];
	struct nlattr *nest = info->attrs[SOV_A_MC_POLICY];
	int err;

	err = nla_parse_nested(tb, SOV_A_MC_POLICY_LEVEL, nest, sov_mc_policy_policy,
			       info->extack);
	if (err)
		return err;
	if (!tb[SOV_A_MC_POLICY_KINDS]) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "expected the policy's kinds: a mask of threshold 1, time 2, demand 4, or 0 for none");
		return -EINVAL;
	}
	memset(p, 0, sizeof(*p));
	p->kinds = nla_get_u32(tb[SOV_A_MC_POLICY_KINDS]);
	if (!p->kinds)
		return 0;
	p->level = SOV_ZLEVEL_BEST;
	if (tb[SOV_A_MC_POLICY_LEVEL])
		p->level = nla_get_u32(tb[SOV_A_MC_POLICY_LEVEL]);
	if (tb[SOV_A_MC_POLICY_MEM_BYTES])
		p->mem_bytes = nla_get_u64(tb[SOV_A_MC_POLICY_MEM_BYTES]);
	if (tb[SOV_A_MC_POLICY_RATIO_X100])
		p->ratio_x100 = nla_get_u32(tb[SOV_A_MC_POLICY_RATIO_X100]);
	if (tb[SOV_A_MC_POLICY_IDLE_AGE])
		p->idle_s = nla_get_u32(tb[SOV_A_MC_POLICY_IDLE_AGE]);
	if (tb[SOV_A_MC_POLICY_COOLDOWN])
		p->cooldown_s = nla_get_u32(tb[SOV_A_MC_POLICY_COOLDOWN]);
	if (sov_zpolicy_check(p)) {
		/* kinds and level are checked by the nla policy: only this is left */
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "a threshold policy needs mem-bytes or ratio");
		return -EINVAL;
	}
	return 0;
}

int sov_nl_mc_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct sov_zpolicy policy;
	struct sov_zdev_info di;
	struct sov_zdev *zd;
	bool changed = false;
	int err;

	if (!tb[SOV_A_MC_LEVEL] && !tb[SOV_A_MC_MEM_LIMIT] && !tb[SOV_A_MC_POLICY]) {
		NL_SET_ERR_MSG(info->extack,
			       "expected at least one setting (level, mem-limit, policy)");
		return -EINVAL;
	}
	if (tb[SOV_A_MC_POLICY]) {
		err = sov_mc_parse_policy(info, &policy);
		if (err)
			return err;
	}

	sov_zdev_lock();
	zd = sov_mc_lookup(info);
	if (IS_ERR(zd)) {
		sov_zdev_unlock();
		return PTR_ERR(zd);
	}
	sov_zdev_get_info(zd, &di);
	if (tb[SOV_A_MC_LEVEL] && nla_get_u32(tb[SOV_A_MC_LEVEL]) != di.level) {
		sov_zdev_set_level(zd, nla_get_u32(tb[SOV_A_MC_LEVEL]));
		changed = true;
	}
	if (tb[SOV_A_MC_MEM_LIMIT] && nla_get_u64(tb[SOV_A_MC_MEM_LIMIT]) != di.mem_limit) {
		sov_zdev_set_limit(zd, nla_get_u64(tb[SOV_A_MC_MEM_LIMIT]));
		changed = true;
	}
	if (tb[SOV_A_MC_POLICY]) {
		/* set again even if equal: it restarts the policy's clock */
		sov_zdev_set_policy(zd, &policy);
		changed = true;
	}
	if (changed)
		sov_zdev_get_info(zd, &di);
	sov_zdev_unlock();

	if (changed) {
		sov_info("%s: level %s, mem_limit %llu, policy 0x%x\n", di.name,
			 sov_zlevel_name(di.level), di.mem_limit, di.policy.kinds);
		sov_mc_notify(info, &di);
	}
	return 0;
}

int sov_nl_mc_compact_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sov_zdev_info di;
	struct sov_zdev *zd;
	struct sk_buff *msg;
	unsigned long freed;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	sov_zdev_lock();
	zd = sov_mc_lookup(info);
	if (IS_ERR(zd)) {
		sov_zdev_unlock();
		nlmsg_free(msg);
		return PTR_ERR(zd);
	}
	freed = sov_zdev_compact(zd);
	sov_zdev_get_info(zd, &di);
	sov_zdev_unlock();

	hdr = genlmsg_put_reply(msg, info, &sov_genl_family, 0, SOV_CMD_MC_COMPACT);
	if (!hdr || nla_put_u32(msg, SOV_A_MC_ID, di.id) ||
	    nla_put_string(msg, SOV_A_MC_NAME, di.name) ||
	    nla_put_u64_64bit(msg, SOV_A_MC_COMPACTED, freed, SOV_A_MC_PAD)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

int sov_nl_mc_recompress_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	enum sov_zlevel level = SOV_ZLEVEL_BEST;
	u32 idle_s = SOV_MC_RECOMP_IDLE_DEFAULT;
	u32 threads = min_t(u32, SOV_MC_RECOMP_THREADS_MAX, num_online_cpus());
	struct sov_zdev *zd;
	int err;

	if (tb[SOV_A_MC_LEVEL]) {
		level = nla_get_u32(tb[SOV_A_MC_LEVEL]);
		if (level == SOV_ZLEVEL_NONE) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[SOV_A_MC_LEVEL],
					    "level none does not compress: expected fast, balanced or best");
			return -EINVAL;
		}
	}
	if (tb[SOV_A_MC_IDLE_AGE])
		idle_s = nla_get_u32(tb[SOV_A_MC_IDLE_AGE]);
	if (tb[SOV_A_MC_THREADS])
		threads = nla_get_u32(tb[SOV_A_MC_THREADS]);

	sov_zdev_lock();
	zd = sov_mc_lookup(info);
	if (IS_ERR(zd)) {
		sov_zdev_unlock();
		return PTR_ERR(zd);
	}
	err = sov_zdev_recompress(zd, level, idle_s, threads);
	sov_zdev_unlock();
	if (err == -EBUSY)
		NL_SET_ERR_MSG(info->extack,
			       "a recompression run is in progress on this device: wait for it to end");
	else if (err)
		NL_SET_ERR_MSG(info->extack, "cannot start the recompression run");
	return err;
}

int sov_nl_mc_pressure_doit(struct sk_buff *skb, struct genl_info *info)
{
	unsigned int n;

	sov_zdev_lock();
	n = sov_zdev_pressure();
	sov_zdev_unlock();
	sov_dbg("memory pressure reported: %u devices with a demand policy\n", n);
	return 0;
}

/* Not yet unloading: the family is unregistered before the devices go. */
static bool sov_mc_live(void)
{
#ifdef MODULE
	return module_is_live(THIS_MODULE);
#else
	return true;	/* built in (KUnit): never unloaded */
#endif
}

/* Devices are global: their events go to the initial netns. */
void sov_mc_notify_event(const struct sov_mc_ev *ev)
{
	struct sk_buff *msg;
	void *hdr;

	if (!sov_mc_live() || !sov_nl_has_listeners(&init_net))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto err;
	hdr = genlmsg_put(msg, 0, 0, &sov_genl_family, 0, SOV_CMD_MC_EVENT_NTF);
	if (!hdr || nla_put_u32(msg, SOV_A_MC_EVENT_KIND, ev->kind) ||
	    nla_put_u32(msg, SOV_A_MC_ID, ev->id) || nla_put_string(msg, SOV_A_MC_NAME, ev->name) ||
	    (ev->recomp && sov_mc_fill_recomp(msg, ev->recomp)) ||
	    (ev->kind == SOV_MC_EVENT_POLICY &&
	     (nla_put_u32(msg, SOV_A_MC_EVENT_CAUSE, ev->cause) ||
	      nla_put_u32(msg, SOV_A_MC_EVENT_ACTIONS, ev->actions))) ||
	    (ev->stats && sov_mc_fill_stats(msg, ev->stats))) {
		nlmsg_free(msg);
		goto err;
	}
	genlmsg_end(msg, hdr);
	sov_nl_multicast(&init_net, msg);
	return;
err:
	sov_warn("%s: dropping an event of kind %u\n", ev->name, ev->kind);
}
