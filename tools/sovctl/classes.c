// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl classes: the "sov" qdiscs of sovereign.ko (8 traffic classes) and
 * their classes, read over rtnetlink as tc reads them (no module genl, no
 * daemon). tc configures them, with the q_sov.so plugin.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "../../lib/nl/rtnl.h"
#include "../tc/dscp_names.h"
#include "classes.h"
#include "memcompress.h"
#include "print.h"
#include "sovctl.h"

/* ---- collecting ---- */

static void stats_of(const struct sov_tc_obj *o, struct cls_stats *st)
{
	st->present = o->has_stats;
	st->bytes = o->bytes;
	st->packets = o->packets;
	st->qlen = o->qlen;
	st->backlog = o->backlog;
	st->drops = o->drops;
	st->requeues = o->requeues;
	st->overlimits = o->overlimits;
}

static bool attr_is(const struct nlattr *a, size_t len)
{
	return mnl_attr_get_payload_len(a) == len;
}

static void qdisc_options(struct cls_qdisc *q, const struct nlattr *opts)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, opts) {
		switch (mnl_attr_get_type(a)) {
		case TCA_SOV_PRIOMAP:
			if (attr_is(a, sizeof(q->prio))) {
				memcpy(q->prio, mnl_attr_get_payload(a), sizeof(q->prio));
				q->has_prio = true;
			}
			break;
		case TCA_SOV_DSCPMAP:
			if (attr_is(a, sizeof(q->dscp))) {
				memcpy(q->dscp, mnl_attr_get_payload(a), sizeof(q->dscp));
				q->has_dscp = true;
			}
			break;
		case TCA_SOV_LIMIT:
			if (attr_is(a, sizeof(uint32_t))) {
				q->limit = mnl_attr_get_u32(a);
				q->has_limit = true;
			}
			break;
		case TCA_SOV_QUANTUM:
			if (attr_is(a, sizeof(uint32_t))) {
				q->quantum = mnl_attr_get_u32(a);
				q->has_quantum = true;
			}
			break;
		}
	}
}

int cls_qdisc_cb(const struct nlmsghdr *nlh, void *data)
{
	struct cls_list *l = data;
	struct sov_tc_obj o;
	struct cls_qdisc *q;

	if (nlh->nlmsg_type != RTM_NEWQDISC || sov_tc_parse(nlh, &o) ||
	    strcmp(o.kind, "sov") || (l->ifindex && o.ifindex != l->ifindex))
		return MNL_CB_OK;
	if (l->n == l->cap) {
		unsigned int cap = l->cap ? 2 * l->cap : 4;
		struct cls_qdisc *n = realloc(l->q, cap * sizeof(*n));

		if (!n) {
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
		l->q = n;
		l->cap = cap;
	}
	q = &l->q[l->n++];
	memset(q, 0, sizeof(*q));
	q->ifindex = o.ifindex;
	q->handle = o.handle;
	q->parent = o.parent;
	if (!if_indextoname((unsigned int)o.ifindex, q->dev))
		snprintf(q->dev, sizeof(q->dev), "if%d", o.ifindex);
	if (o.options)
		qdisc_options(q, o.options);
	stats_of(&o, &q->st);
	if (o.xstats && o.xstats_len >= sizeof(q->x)) {
		memcpy(&q->x, o.xstats, sizeof(q->x));
		q->has_xstats = true;
	}
	return MNL_CB_OK;
}

static void class_options(struct cls_class *c, const struct nlattr *opts)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, opts) {
		switch (mnl_attr_get_type(a)) {
		case TCA_SOV_CLASS_RATE:
			if (attr_is(a, sizeof(uint64_t)))
				c->rate = mnl_attr_get_u64(a);
			break;
		case TCA_SOV_CLASS_CEIL:
			if (attr_is(a, sizeof(uint64_t)))
				c->ceil = mnl_attr_get_u64(a);
			break;
		case TCA_SOV_CLASS_BURST:
			if (attr_is(a, sizeof(uint32_t)))
				c->burst = mnl_attr_get_u32(a);
			break;
		case TCA_SOV_CLASS_LIMIT:
			if (attr_is(a, sizeof(uint32_t)))
				c->limit = mnl_attr_get_u32(a);
			break;
		}
	}
	c->has_opts = true;
}

int cls_class_cb(const struct nlmsghdr *nlh, void *data)
{
	struct cls_list *l = data;
	struct sov_tc_obj o;
	struct cls_class *c;
	unsigned int i, minor;

	if (nlh->nlmsg_type != RTM_NEWTCLASS || sov_tc_parse(nlh, &o) || strcmp(o.kind, "sov"))
		return MNL_CB_OK;
	minor = TC_H_MIN(o.handle);
	if (minor < 1 || minor > TC_SOV_CLASSES)
		return MNL_CB_OK;
	for (i = 0; i < l->n; i++) {
		if (l->q[i].ifindex != o.ifindex || TC_H_MAJ(l->q[i].handle) != TC_H_MAJ(o.handle))
			continue;
		c = &l->q[i].cls[minor - 1];
		memset(c, 0, sizeof(*c));
		c->present = true;
		c->handle = o.handle;
		if (o.options)
			class_options(c, o.options);
		stats_of(&o, &c->st);
		if (o.xstats && o.xstats_len >= sizeof(c->x)) {
			memcpy(&c->x, o.xstats, sizeof(c->x));
			c->has_xstats = true;
		}
		break;
	}
	return MNL_CB_OK;
}

void cls_list_free(struct cls_list *l)
{
	free(l->q);
	l->q = NULL;
	l->n = l->cap = 0;
}

/* ---- printing ---- */

const char *cls_fmt_rate(uint64_t bytes_per_s, char *buf, size_t size)
{
	static const char *const units[] = { "bit", "Kbit", "Mbit", "Gbit", "Tbit" };
	double v = (double)bytes_per_s * 8;
	unsigned int i = 0;

	while (v >= 1000 && i + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1000;
		i++;
	}
	snprintf(buf, size, "%.4g%s", v, units[i]);
	return buf;
}

const char *cls_fmt_handle(uint32_t handle, char *buf, size_t size)
{
	if (handle == TC_H_ROOT)
		snprintf(buf, size, "root");
	else if (TC_H_MIN(handle))
		snprintf(buf, size, "%x:%x", TC_H_MAJ(handle) >> 16, TC_H_MIN(handle));
	else
		snprintf(buf, size, "%x:", TC_H_MAJ(handle) >> 16);
	return buf;
}

/* A rate in bytes/s under @key; tc's units in text, "-" for none. */
static void print_rate(const char *key, const char *fmt, uint64_t rate)
{
	char b[32];

	print_u64(key, NULL, rate);
	print_text(fmt, rate ? cls_fmt_rate(rate, b, sizeof(b)) : "-");
}

static void print_qdisc_head(const struct cls_qdisc *q)
{
	char h[16], p[16];

	print_string("dev", "%s:", q->dev);
	print_u64("ifindex", NULL, (uint64_t)q->ifindex);
	print_string("handle", " sov %s", cls_fmt_handle(q->handle, h, sizeof(h)));
	print_string("parent", q->parent == TC_H_ROOT ? " %s" : " parent %s",
		     cls_fmt_handle(q->parent, p, sizeof(p)));
}

static void print_options(const struct cls_qdisc *q)
{
	unsigned int i, n = 0;
	char b[16];

	if (q->has_limit)
		print_u64("limit", "  limit %llup", q->limit);
	if (q->has_quantum)
		print_u64("quantum", "  quantum %llu", q->quantum);
	print_text("\n");
	if (q->has_prio) {
		print_text("  priomap  ");
		print_open_array("priomap");
		for (i = 0; i <= TC_SOV_PRIO_MAX; i++)
			print_u64(NULL, i ? " %llu" : "%llu", q->prio[i]);
		print_close_array();
		print_text("   (class of priority 0-15)\n");
	}
	if (q->has_dscp) {
		print_text("  dscpmap  ");
		print_open_array("dscpmap");
		for (i = 0; i < TC_SOV_DSCP_CNT; i++) {
			const char *name = sov_dscp_name(i);

			if (!q->dscp[i])
				continue;
			print_open_object(NULL);
			print_u64("dscp", NULL, i);
			if (name)
				print_string("name", NULL, name);
			print_u64("class", NULL, q->dscp[i]);
			print_close_object();
			if (!name) {
				snprintf(b, sizeof(b), "%u", i);
				name = b;
			}
			print_text("%s%s:%u", n++ ? "," : "", name, q->dscp[i]);
		}
		print_close_array();
		print_text("%s\n", n ? "   (other DSCPs by priority)" : "none   (classes by priority)");
	}
}

static void print_class_opts(const struct cls_class *c)
{
	char b[32];

	print_rate("rate", "  %-10s", c->rate);
	print_rate("ceil", "  %-10s", c->ceil);
	print_u64("burst", NULL, c->burst);
	print_text("  %-10s", c->rate ? mc_fmt_bytes(c->burst, b, sizeof(b)) : "-");
	print_u64("limit", "  %llu", c->limit);
}

static void print_status(const struct cls_qdisc *q)
{
	unsigned int i;
	char h[16];

	print_qdisc_head(q);
	print_options(q);
	print_text("  %-6s  %-10s  %-10s  %-10s  %s\n", "CLASS", "RATE", "CEIL", "BURST",
		   "LIMIT");
	print_open_array("classes");
	for (i = 0; i < TC_SOV_CLASSES; i++) {
		const struct cls_class *c = &q->cls[i];

		if (!c->present)
			continue;
		print_open_object(NULL);
		print_string("classid", "  %-6s", cls_fmt_handle(c->handle, h, sizeof(h)));
		print_class_opts(c);
		print_text("\n");
		print_close_object();
	}
	print_close_array();
}

static void print_std_stats(const struct cls_stats *st)
{
	print_u64("bytes", NULL, st->bytes);
	print_u64("packets", NULL, st->packets);
	print_u64("drops", NULL, st->drops);
	print_u64("overlimits", NULL, st->overlimits);
	print_u64("requeues", NULL, st->requeues);
	print_u64("backlog", NULL, st->backlog);
	print_u64("qlen", NULL, st->qlen);
}

static void print_qdisc_stats(const struct cls_qdisc *q)
{
	const struct cls_stats *st = &q->st;
	const struct tc_sov_xstats *x = &q->x;

	print_open_object("stats");
	print_std_stats(st);
	print_text("  sent %llu bytes %llu pkts, dropped %u", (unsigned long long)st->bytes,
		   (unsigned long long)st->packets, st->drops);
	if (q->has_xstats) {
		print_u64("drops_class_limit", " (class limit %llu,", x->drops_class_limit);
		print_u64("drops_qdisc_limit", " qdisc limit %llu)", x->drops_qdisc_limit);
	}
	print_text(", overlimits %u, requeues %u\n", st->overlimits, st->requeues);
	print_text("  backlog %u bytes %u pkts", st->backlog, st->qlen);
	if (q->has_xstats) {
		print_u64("classes_active", "; classes active %llu,", x->classes_active);
		print_u64("classes_throttled", " throttled %llu\n", x->classes_throttled);
		print_u64("by_filter", "  classified by filter %llu,", x->by_filter);
		print_u64("by_dscp", " dscp %llu,", x->by_dscp);
		print_u64("by_priority", " priority %llu;", x->by_priority);
		print_u64("filter_bad_class", " filter to no class %llu\n", x->filter_bad_class);
	} else {
		print_text("\n");
	}
	print_close_object();
}

static void print_class_stats(const struct cls_class *c)
{
	const struct tc_sov_class_xstats *x = &c->x;

	print_open_object("stats");
	print_std_stats(&c->st);
	print_text("  %10llu  %12llu  %8u", (unsigned long long)c->st.packets,
		   (unsigned long long)c->st.bytes, c->st.drops);
	if (c->has_xstats) {
		print_u64("drops_class_limit", "  %9llu", x->drops_class_limit);
		print_u64("drops_qdisc_limit", "  %9llu", x->drops_qdisc_limit);
	} else {
		print_text("  %9s  %9s", "-", "-");
	}
	print_text("  %10u  %10u  %6u", c->st.overlimits, c->st.backlog, c->st.qlen);
	if (c->has_xstats) {
		print_u64("flows_active", "  %5llu", x->flows_active);
		print_u64("flows_max", "  %5llu", x->flows_max);
		print_u64("collisions", "  %10llu", x->collisions);
		print_u64("throttled", "  %9llu", x->throttled);
		print_s64("tokens", "  %10lld", x->tokens);
	}
	print_text("\n");
	print_close_object();
}

static void print_stats(const struct cls_qdisc *q)
{
	unsigned int i;
	char h[16];

	print_qdisc_head(q);
	print_text("\n");
	print_qdisc_stats(q);
	print_text("  %-6s  %10s  %12s  %8s  %9s  %9s  %10s  %10s  %6s  %5s  %5s  %10s  %9s  %10s\n",
		   "CLASS", "PACKETS", "BYTES", "DROPS", "CLASS-LIM", "QDISC-LIM", "OVERLIMITS",
		   "BACKLOG", "QLEN", "FLOWS", "MAX", "COLLISIONS", "THROTTLED", "TOKENS");
	print_open_array("classes");
	for (i = 0; i < TC_SOV_CLASSES; i++) {
		const struct cls_class *c = &q->cls[i];

		if (!c->present)
			continue;
		print_open_object(NULL);
		print_string("classid", "  %-6s", cls_fmt_handle(c->handle, h, sizeof(h)));
		print_u64("rate", NULL, c->rate);
		print_u64("ceil", NULL, c->ceil);
		print_u64("burst", NULL, c->burst);
		print_u64("limit", NULL, c->limit);
		print_class_stats(c);
		print_close_object();
	}
	print_close_array();
}

void cls_print(const struct cls_list *l, bool stats)
{
	unsigned int i;

	print_open_array("qdiscs");
	for (i = 0; i < l->n; i++) {
		const struct cls_qdisc *q = &l->q[i];

		if (i)
			print_text("\n");
		print_open_object(NULL);
		if (stats) {
			print_stats(q);
		} else {
			print_status(q);
		}
		print_close_object();
	}
	print_close_array();
}

/* ---- commands ---- */

static int cls_help(void)
{
	fputs("Usage: sovctl classes [ status ] [ dev DEV ]\n"
	      "       sovctl classes stats [ dev DEV ]\n"
	      "       sovctl classes help\n"
	      "\n"
	      "  status  each sov qdisc (every device's, or DEV's): its limit, quantum,\n"
	      "          priomap and dscpmap, and its 8 classes' rate, ceil, burst, limit\n"
	      "  stats   their counters: per class packets, bytes, drops (class limit,\n"
	      "          qdisc limit), overlimits, backlog, queue length, active flows,\n"
	      "          collisions, throttling, tokens; the qdisc's totals and how its\n"
	      "          packets were classified\n"
	      "\n"
	      "The qdisc is configured with tc (the q_sov.so plugin):\n"
	      "  tc qdisc add dev DEV root handle 1: sov [ limit PACKETS ] [ quantum BYTES ]\n"
	      "        [ priomap P0 ... P15 ] [ dscpmap DSCP:CLASS[,DSCP:CLASS...] | none ]\n"
	      "  tc class change dev DEV classid 1:N sov [ rate RATE ] [ burst SIZE ]\n"
	      "        [ ceil RATE ] [ limit PACKETS ]\n"
	      "Rates print in tc's units (10Mbit) and are bytes per second in JSON.\n", stdout);
	return EXIT_OK;
}

/* The qdiscs, then each of their devices' classes. */
static int cls_query(struct cls_list *l, const char *what)
{
	struct sov_nl_err err;
	struct sov_rtnl r;
	unsigned int i, j;
	int ret;

	ret = sov_rtnl_open(&r);
	if (ret)
		return op_error("%s: cannot open an rtnetlink socket: %s", what, strerror(-ret));
	ret = sov_rtnl_tc_dump(&r, RTM_GETQDISC, 0, cls_qdisc_cb, l, &err);
	for (i = 0; !ret && i < l->n; i++) {
		/* once per device */
		for (j = 0; j < i && l->q[j].ifindex != l->q[i].ifindex; j++)
			;
		if (j == i)
			ret = sov_rtnl_tc_dump(&r, RTM_GETTCLASS, l->q[i].ifindex, cls_class_cb, l,
					       &err);
	}
	sov_rtnl_close(&r);
	if (ret)
		return report_nl_error(what, &err, NULL, 0);
	return EXIT_OK;
}

static int cls_show(int argc, char **argv, bool stats)
{
	const char *cmd = stats ? "stats" : "status", *dev = NULL;
	struct cls_list l = { 0 };
	char what[64];
	int ret;

	for (; argc > 0; argc--, argv++) {
		if (!strcmp(argv[0], "dev")) {
			if (dev)
				return usage_error("'classes %s': \"dev\" is given twice", cmd);
			if (argc < 2)
				return usage_error("'classes %s': \"dev\" needs a device name", cmd);
			dev = argv[1];
			argc--, argv++;
		} else {
			return usage_error("'classes %s' takes [ dev DEV ], got \"%s\"", cmd, argv[0]);
		}
	}
	snprintf(what, sizeof(what), "classes %s", cmd);
	if (dev) {
		unsigned int ifindex = strlen(dev) < IF_NAMESIZE ? if_nametoindex(dev) : 0;

		if (!ifindex)
			return op_error("%s: device \"%s\" does not exist", what, dev);
		l.ifindex = (int)ifindex;
	}
	ret = cls_query(&l, what);
	if (ret) {
		cls_list_free(&l);
		return ret;
	}
	print_begin(sovctl.json, sovctl.pretty, stdout);
	if (!l.n && dev)
		print_text("no sov qdisc on %s (add one: tc qdisc add dev %s root handle 1: sov)\n",
			   dev, dev);
	else if (!l.n)
		print_text("no sov qdisc (add one: tc qdisc add dev DEV root handle 1: sov)\n");
	cls_print(&l, stats);
	print_end();
	cls_list_free(&l);
	return EXIT_OK;
}

int do_classes(int argc, char **argv)
{
	argc = take_output_options(argc, argv);	/* "stats dev eth0 -j" */
	if (argc == 0 || !strcmp(argv[0], "dev"))
		return cls_show(argc, argv, false);
	if (matches(argv[0], "status"))
		return cls_show(argc - 1, argv + 1, false);
	if (matches(argv[0], "stats"))
		return cls_show(argc - 1, argv + 1, true);
	if (matches(argv[0], "help"))
		return cls_help();
	return usage_error("command \"%s\" is unknown for 'classes', try \"sovctl classes help\"",
			   argv[0]);
}
