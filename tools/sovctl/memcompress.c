// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl memcompress: the compressed RAM block devices /dev/sovzN of
 * sovereign.ko, over generic netlink (no daemon needed).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "memcompress.h"
#include "print.h"
#include "sovctl.h"

static const char *const level_names[__SOV_MC_LEVEL_CNT] = {
	[SOV_MC_LEVEL_NONE] = "none",
	[SOV_MC_LEVEL_FAST] = "fast",
	[SOV_MC_LEVEL_BALANCED] = "balanced",
	[SOV_MC_LEVEL_BEST] = "best",
};

#define LEVELS_EXPECTED "expected none, fast, balanced or best (0-3)"
#define SIZE_EXPECTED "expected bytes with an optional K, M, G or T suffix (4096, 256M, 2G)"

static const char *const mc_attr_names[SOV_A_MC_MAX + 1] = {
	[SOV_A_MC_ID] = "id",
	[SOV_A_MC_NAME] = "name",
	[SOV_A_MC_SIZE] = "size",
	[SOV_A_MC_LEVEL] = "level",
	[SOV_A_MC_MEM_LIMIT] = "mem_limit",
	[SOV_A_MC_IDLE_AGE] = "idle-age",
	[SOV_A_MC_THREADS] = "threads",
	[SOV_A_MC_POLICY] = "policy",
};

const char *mc_level_name(uint32_t level)
{
	return level < __SOV_MC_LEVEL_CNT ? level_names[level] : "unknown";
}

int mc_parse_level(const char *s, uint32_t *level)
{
	unsigned int i, found = __SOV_MC_LEVEL_CNT;
	uint32_t n;

	if (!parse_u32(s, 10, &n)) {
		if (n >= __SOV_MC_LEVEL_CNT)
			return -EINVAL;
		*level = n;
		return 0;
	}
	for (i = 0; i < __SOV_MC_LEVEL_CNT; i++) {
		if (!strcmp(s, level_names[i])) {
			*level = i;
			return 0;
		}
		if (matches(s, level_names[i])) {
			if (found != __SOV_MC_LEVEL_CNT)
				return -EINVAL;	/* "b": balanced or best? */
			found = i;
		}
	}
	if (found == __SOV_MC_LEVEL_CNT)
		return -EINVAL;
	*level = found;
	return 0;
}

int mc_parse_size(const char *s, uint64_t *bytes)
{
	static const char units[] = "KMGT";
	unsigned long long n;
	const char *u;
	unsigned int shift = 0;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	if (*end) {
		u = strchr(units, end[0] >= 'a' ? end[0] - 'a' + 'A' : end[0]);
		if (!u || !*u)
			return -EINVAL;
		shift = 10 * (unsigned int)(u - units + 1);
		end++;
		/* 2G, 2GB, 2GiB */
		if (strcasecmp(end, "") && strcasecmp(end, "b") && strcasecmp(end, "ib"))
			return -EINVAL;
	}
	if (shift && n > (UINT64_MAX >> shift))
		return -ERANGE;
	*bytes = (uint64_t)n << shift;
	return 0;
}

int mc_parse_secs(const char *s, uint32_t *secs)
{
	unsigned long long n, mult = 1;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	if (*end) {
		if (end[1])
			return -EINVAL;
		switch (*end) {
		case 's':
			break;
		case 'm':
			mult = 60;
			break;
		case 'h':
			mult = 3600;
			break;
		case 'd':
			mult = 86400;
			break;
		default:
			return -EINVAL;
		}
	}
	if (n > UINT32_MAX / mult)
		return -ERANGE;
	*secs = (uint32_t)(n * mult);
	return 0;
}

const char *mc_fmt_bytes(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)bytes;
	unsigned int i = 0;

	if (bytes < 1024) {
		snprintf(buf, size, "%llu B", (unsigned long long)bytes);
		return buf;
	}
	v /= 1024;
	while (v >= 1024 && i + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		i++;
	}
	snprintf(buf, size, "%.1f %s", v, units[i]);
	return buf;
}

/* ---- one device, as the kernel reports it ---- */

struct mc_dev {
	uint32_t id;
	char name[SOV_MC_NAME_MAX + 1];
	uint64_t size, mem_limit, compacted;
	uint32_t level, openers;
	uint64_t stats[SOV_A_MC_STATS_MAX + 1];	/* by SOV_A_MC_STATS_* */
	bool has_stats;
	struct {
		bool present, running;
		uint32_t level, idle_s, threads;
		uint64_t scanned, recompressed, errors, runs;
	} recomp;
	struct {
		bool present;
		uint32_t kinds, ratio_x100, idle_s, cooldown_s, level;
		uint64_t mem_bytes, acted;
	} policy;
	bool has_lat;
	uint64_t lat[2][SOV_MC_LAT_BUCKETS];	/* read, write */
};

static const char *const policy_names[__SOV_MC_POLICY_CNT] = {
	[SOV_MC_POLICY_THRESHOLD] = "threshold",
	[SOV_MC_POLICY_TIME] = "time",
	[SOV_MC_POLICY_DEMAND] = "demand",
};

struct mc_list {
	struct mc_dev *devs;
	unsigned int n, cap;
};

static const enum mnl_attr_data_type mc_types[SOV_A_MC_MAX + 1] = {
	[SOV_A_MC_ID] = MNL_TYPE_U32,
	[SOV_A_MC_NAME] = MNL_TYPE_NUL_STRING,
	[SOV_A_MC_SIZE] = MNL_TYPE_U64,
	[SOV_A_MC_LEVEL] = MNL_TYPE_U32,
	[SOV_A_MC_MEM_LIMIT] = MNL_TYPE_U64,
	[SOV_A_MC_OPENERS] = MNL_TYPE_U32,
	[SOV_A_MC_STATS] = MNL_TYPE_NESTED,
	[SOV_A_MC_COMPACTED] = MNL_TYPE_U64,
	[SOV_A_MC_RECOMP] = MNL_TYPE_NESTED,
	[SOV_A_MC_IDLE_AGE] = MNL_TYPE_U32,
	[SOV_A_MC_THREADS] = MNL_TYPE_U32,
	[SOV_A_MC_EVENT_KIND] = MNL_TYPE_U32,
	[SOV_A_MC_POLICY] = MNL_TYPE_NESTED,
	[SOV_A_MC_EVENT_CAUSE] = MNL_TYPE_U32,
	[SOV_A_MC_EVENT_ACTIONS] = MNL_TYPE_U32,
	[SOV_A_MC_LATENCY] = MNL_TYPE_NESTED,
};

static const enum mnl_attr_data_type policy_types[SOV_A_MC_POLICY_MAX + 1] = {
	[SOV_A_MC_POLICY_KINDS] = MNL_TYPE_U32,
	[SOV_A_MC_POLICY_MEM_BYTES] = MNL_TYPE_U64,
	[SOV_A_MC_POLICY_RATIO_X100] = MNL_TYPE_U32,
	[SOV_A_MC_POLICY_IDLE_AGE] = MNL_TYPE_U32,
	[SOV_A_MC_POLICY_COOLDOWN] = MNL_TYPE_U32,
	[SOV_A_MC_POLICY_LEVEL] = MNL_TYPE_U32,
	[SOV_A_MC_POLICY_ACTED] = MNL_TYPE_U64,
};

static const enum mnl_attr_data_type recomp_types[SOV_A_MC_RECOMP_MAX + 1] = {
	[SOV_A_MC_RECOMP_RUNNING] = MNL_TYPE_U8,
	[SOV_A_MC_RECOMP_LEVEL] = MNL_TYPE_U32,
	[SOV_A_MC_RECOMP_IDLE_AGE] = MNL_TYPE_U32,
	[SOV_A_MC_RECOMP_THREADS] = MNL_TYPE_U32,
	[SOV_A_MC_RECOMP_SCANNED] = MNL_TYPE_U64,
	[SOV_A_MC_RECOMP_RECOMPRESSED] = MNL_TYPE_U64,
	[SOV_A_MC_RECOMP_ERRORS] = MNL_TYPE_U64,
	[SOV_A_MC_RECOMP_RUNS] = MNL_TYPE_U64,
};

static uint64_t u64_of(const struct nlattr *a)
{
	return a ? mnl_attr_get_u64(a) : 0;
}

static uint32_t u32_of(const struct nlattr *a)
{
	return a ? mnl_attr_get_u32(a) : 0;
}

static void parse_recomp(struct mc_dev *d, const struct nlattr *nest)
{
	const struct nlattr *rt[SOV_A_MC_RECOMP_MAX + 1] = { 0 }, *a;

	mnl_attr_for_each_nested(a, nest) {
		unsigned int t = mnl_attr_get_type(a);

		if (t > SOV_A_MC_RECOMP_PAD && t <= SOV_A_MC_RECOMP_MAX &&
		    mnl_attr_validate(a, recomp_types[t]) == 0)
			rt[t] = a;
	}
	d->recomp.present = true;
	d->recomp.running = rt[SOV_A_MC_RECOMP_RUNNING] &&
			    mnl_attr_get_u8(rt[SOV_A_MC_RECOMP_RUNNING]);
	d->recomp.level = u32_of(rt[SOV_A_MC_RECOMP_LEVEL]);
	d->recomp.idle_s = u32_of(rt[SOV_A_MC_RECOMP_IDLE_AGE]);
	d->recomp.threads = u32_of(rt[SOV_A_MC_RECOMP_THREADS]);
	d->recomp.scanned = u64_of(rt[SOV_A_MC_RECOMP_SCANNED]);
	d->recomp.recompressed = u64_of(rt[SOV_A_MC_RECOMP_RECOMPRESSED]);
	d->recomp.errors = u64_of(rt[SOV_A_MC_RECOMP_ERRORS]);
	d->recomp.runs = u64_of(rt[SOV_A_MC_RECOMP_RUNS]);
}

static void parse_policy(struct mc_dev *d, const struct nlattr *nest)
{
	const struct nlattr *pt[SOV_A_MC_POLICY_MAX + 1] = { 0 }, *a;

	mnl_attr_for_each_nested(a, nest) {
		unsigned int t = mnl_attr_get_type(a);

		if (t > SOV_A_MC_POLICY_PAD && t <= SOV_A_MC_POLICY_MAX &&
		    mnl_attr_validate(a, policy_types[t]) == 0)
			pt[t] = a;
	}
	d->policy.present = true;
	d->policy.kinds = u32_of(pt[SOV_A_MC_POLICY_KINDS]);
	d->policy.mem_bytes = u64_of(pt[SOV_A_MC_POLICY_MEM_BYTES]);
	d->policy.ratio_x100 = u32_of(pt[SOV_A_MC_POLICY_RATIO_X100]);
	d->policy.idle_s = u32_of(pt[SOV_A_MC_POLICY_IDLE_AGE]);
	d->policy.cooldown_s = u32_of(pt[SOV_A_MC_POLICY_COOLDOWN]);
	d->policy.level = u32_of(pt[SOV_A_MC_POLICY_LEVEL]);
	d->policy.acted = u64_of(pt[SOV_A_MC_POLICY_ACTED]);
}

static void parse_lat(struct mc_dev *d, const struct nlattr *nest)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		unsigned int t = mnl_attr_get_type(a);

		/* a histogram of another size is not ours to read */
		if ((t == SOV_A_MC_LAT_READ || t == SOV_A_MC_LAT_WRITE) &&
		    mnl_attr_get_payload_len(a) == sizeof(d->lat[0])) {
			memcpy(d->lat[t - SOV_A_MC_LAT_READ], mnl_attr_get_payload(a),
			       sizeof(d->lat[0]));
			d->has_lat = true;
		}
	}
}

/* Each reply message is one device; a newer module's extra attributes are skipped. */
static int dev_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[SOV_A_MC_MAX + 1], *a;
	struct mc_list *l = data;
	struct mc_dev *d;

	if (l->n == l->cap) {
		unsigned int cap = l->cap ? 2 * l->cap : 8;
		struct mc_dev *n = realloc(l->devs, cap * sizeof(*n));

		if (!n)
			return MNL_CB_ERROR;
		l->devs = n;
		l->cap = cap;
	}
	sov_nl_parse_known(nlh, tb, SOV_A_MC_MAX, mc_types);
	if (!tb[SOV_A_MC_NAME])
		return MNL_CB_OK;
	d = &l->devs[l->n++];
	memset(d, 0, sizeof(*d));
	d->id = u32_of(tb[SOV_A_MC_ID]);
	snprintf(d->name, sizeof(d->name), "%s", mnl_attr_get_str(tb[SOV_A_MC_NAME]));
	d->size = u64_of(tb[SOV_A_MC_SIZE]);
	d->level = u32_of(tb[SOV_A_MC_LEVEL]);
	d->mem_limit = u64_of(tb[SOV_A_MC_MEM_LIMIT]);
	d->openers = u32_of(tb[SOV_A_MC_OPENERS]);
	d->compacted = u64_of(tb[SOV_A_MC_COMPACTED]);
	if (tb[SOV_A_MC_RECOMP])
		parse_recomp(d, tb[SOV_A_MC_RECOMP]);
	if (tb[SOV_A_MC_POLICY])
		parse_policy(d, tb[SOV_A_MC_POLICY]);
	if (tb[SOV_A_MC_LATENCY])
		parse_lat(d, tb[SOV_A_MC_LATENCY]);
	if (!tb[SOV_A_MC_STATS])
		return MNL_CB_OK;
	d->has_stats = true;
	mnl_attr_for_each_nested(a, tb[SOV_A_MC_STATS]) {
		unsigned int t = mnl_attr_get_type(a);

		if (t > SOV_A_MC_STATS_PAD && t <= SOV_A_MC_STATS_MAX &&
		    mnl_attr_validate(a, MNL_TYPE_U64) == 0)
			d->stats[t] = mnl_attr_get_u64(a);
	}
	return MNL_CB_OK;
}

/* DEV is a name ("sovz0") or an id ("0"). */
static void put_dev(struct nlmsghdr *nlh, const char *dev)
{
	uint32_t id;

	if (!parse_u32(dev, 10, &id))
		mnl_attr_put_u32(nlh, SOV_A_MC_ID, id);
	else
		mnl_attr_put_strz(nlh, SOV_A_MC_NAME, dev);
}

/* Send @nlh to the module; replies go to @l (may be NULL). */
static int mc_transact(struct nlmsghdr *nlh, struct mc_list *l, const char *what)
{
	struct sov_nl_err err;
	struct sov_genl g;
	int ret;

	if (module_open(&g, false, NULL))
		return EXIT_FAIL;
	nlh->nlmsg_type = g.family;
	ret = sov_genl_transact(&g, nlh, l ? dev_cb : NULL, l, &err);
	sov_genl_close(&g);
	if (ret)
		return report_nl_error(what, &err, mc_attr_names, SOV_A_MC_MAX + 1);
	return EXIT_OK;
}

static struct nlmsghdr *start(void *buf, uint8_t cmd, uint16_t flags)
{
	/* the family id is filled in once the module is found */
	return sov_nl_put_hdr(buf, 0, cmd, SOV_GENL_VERSION, flags, 0);
}

/* Every device (@dev NULL) or one. */
static int mc_query(const char *dev, struct mc_list *l, const char *what)
{
	unsigned char buf[256];
	struct nlmsghdr *nlh;

	nlh = start(buf, SOV_CMD_MC_DEV_GET, dev ? 0 : NLM_F_DUMP);
	if (dev)
		put_dev(nlh, dev);
	return mc_transact(nlh, l, what);
}

/* ---- printing ---- */

static uint64_t st(const struct mc_dev *d, unsigned int attr)
{
	return d->stats[attr];
}

/* orig / denominator, x100; 0 when nothing is stored */
static uint64_t ratio_x100(uint64_t orig, uint64_t den)
{
	return den ? orig * 100 / den : 0;
}

static const char *fmt_ratio(uint64_t x100, char *buf, size_t size)
{
	if (!x100)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%llu.%02llu", (unsigned long long)(x100 / 100),
			 (unsigned long long)(x100 % 100));
	return buf;
}

static void print_bytes(const char *key, const char *fmt, uint64_t v)
{
	char b[32];

	print_u64(key, NULL, v);
	print_text(fmt, mc_fmt_bytes(v, b, sizeof(b)));
}

static void print_limit(uint64_t limit)
{
	char b[32];

	print_u64("mem_limit", NULL, limit);
	print_text("%s", limit ? mc_fmt_bytes(limit, b, sizeof(b)) : "none");
}

static void print_status_line(const struct mc_dev *d)
{
	uint64_t orig = st(d, SOV_A_MC_STATS_ORIG_BYTES);
	uint64_t compr = st(d, SOV_A_MC_STATS_COMPR_BYTES);
	uint64_t used = st(d, SOV_A_MC_STATS_MEM_USED);
	char b[32];

	print_open_object(NULL);
	print_string("name", "%-10s", d->name);
	print_u64("id", " %3llu", d->id);
	print_u64("size", NULL, d->size);
	print_text("  %-10s", mc_fmt_bytes(d->size, b, sizeof(b)));
	print_string("level", "  %-8s", mc_level_name(d->level));
	print_u64("orig_bytes", NULL, orig);
	print_text("  %-10s", mc_fmt_bytes(orig, b, sizeof(b)));
	print_u64("compr_bytes", NULL, compr);
	print_text("  %-10s", mc_fmt_bytes(compr, b, sizeof(b)));
	print_u64("mem_used", NULL, used);
	print_text("  %-10s", mc_fmt_bytes(used, b, sizeof(b)));
	print_u64("ratio_x100", NULL, ratio_x100(orig, compr));
	print_text("  %5s  ", fmt_ratio(ratio_x100(orig, compr), b, sizeof(b)));
	print_u64("mem_limit", NULL, d->mem_limit);
	print_text("%-9s", d->mem_limit ? mc_fmt_bytes(d->mem_limit, b, sizeof(b)) : "none");
	print_u64("openers", NULL, d->openers);
	print_text(" %s", d->openers ? "in use" : "-");
	print_bool("recompressing", NULL, d->recomp.running);
	print_text("%s\n", d->recomp.running ? ", recompressing" : "");
	print_close_object();
}

/* The current or last recompression run, in stats. */
static void print_recomp(const struct mc_dev *d)
{
	if (!d->recomp.present)
		return;
	print_open_object("recompression");
	print_bool("running", NULL, d->recomp.running);
	if (!d->recomp.running && !d->recomp.runs) {
		print_text("  recompression never run\n");
	} else {
		print_text("  recompression %s at", d->recomp.running ? "running" : "done");
		print_string("level", " %s,", mc_level_name(d->recomp.level));
		print_u64("idle_age", " pages idle %llus,", d->recomp.idle_s);
		print_u64("threads", " %llu threads:", d->recomp.threads);
		print_u64("scanned", " %llu scanned,", d->recomp.scanned);
		print_u64("recompressed", " %llu rewritten,", d->recomp.recompressed);
		print_u64("errors", " %llu errors\n", d->recomp.errors);
	}
	print_u64("runs", "  recompression runs %llu\n", d->recomp.runs);
	print_close_object();
}

uint64_t mc_lat_percentile(const uint64_t *buckets, unsigned int n, unsigned int pct)
{
	uint64_t total = 0, sum = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		total += buckets[i];
	if (!total)
		return 0;
	for (i = 0; i < n; i++) {
		sum += buckets[i];
		/* the first bucket holding the pct-th percent of the bios */
		if (sum * 100 >= total * pct)
			break;
	}
	if (i >= n)
		i = n - 1;
	return i >= 63 ? UINT64_MAX : 2ULL << i;
}

const char *mc_fmt_ns(uint64_t ns, char *buf, size_t size)
{
	if (ns < 1000)
		snprintf(buf, size, "%llu ns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, size, "%.1f us", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, size, "%.1f ms", ns / 1e6);
	else
		snprintf(buf, size, "%.2f s", ns / 1e9);
	return buf;
}

static void print_lat_one(const char *key, const char *label, const uint64_t *b)
{
	static const unsigned int pcts[] = { 50, 90, 99, 100 };
	static const char *const keys[] = { "p50_ns", "p90_ns", "p99_ns", "max_ns" };
	static const char *const fmts[] = { " p50 <%s,", " p90 <%s,", " p99 <%s,", " max <%s\n" };
	uint64_t total = 0, v;
	unsigned int i;
	char t[32];

	for (i = 0; i < SOV_MC_LAT_BUCKETS; i++)
		total += b[i];
	print_open_object(key);
	print_u64("count", NULL, total);
	print_text("  %-13s %llu bios%s", label, (unsigned long long)total, total ? ":" : "\n");
	for (i = 0; i < 4; i++) {
		v = mc_lat_percentile(b, SOV_MC_LAT_BUCKETS, pcts[i]);
		print_u64(keys[i], NULL, v);
		if (total)
			print_text(fmts[i], mc_fmt_ns(v, t, sizeof(t)));
	}
	print_open_array("buckets");
	for (i = 0; i < SOV_MC_LAT_BUCKETS; i++)
		print_u64(NULL, NULL, b[i]);
	print_close_array();
	print_close_object();
}

static void print_lat(const struct mc_dev *d)
{
	if (!d->has_lat)
		return;
	print_open_object("latency");
	print_lat_one("read", "read latency", d->lat[0]);
	print_lat_one("write", "write latency", d->lat[1]);
	print_close_object();
}

/* "threshold,time" */
static const char *fmt_kinds(uint32_t kinds, char *buf, size_t size)
{
	unsigned int i;
	size_t n = 0;

	buf[0] = '\0';
	for (i = 0; i < __SOV_MC_POLICY_CNT; i++)
		if (kinds & (1U << i))
			n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s",
					      n ? "," : "", policy_names[i]);
	if (!n)
		snprintf(buf, size, "none");
	return buf;
}

static void print_policy(const struct mc_dev *d)
{
	char b[64];
	unsigned int i;

	if (!d->policy.present)
		return;
	print_open_object("policy");
	print_text("  policy        %s", fmt_kinds(d->policy.kinds, b, sizeof(b)));
	print_open_array("kinds");
	for (i = 0; i < __SOV_MC_POLICY_CNT; i++)
		if (d->policy.kinds & (1U << i))
			print_string(NULL, NULL, policy_names[i]);
	print_close_array();
	if (d->policy.kinds) {
		if (d->policy.kinds & (1U << SOV_MC_POLICY_THRESHOLD)) {
			print_u64("mem_bytes", NULL, d->policy.mem_bytes);
			print_text(" (mem %s,", d->policy.mem_bytes ?
				   mc_fmt_bytes(d->policy.mem_bytes, b, sizeof(b)) : "-");
			print_u64("ratio_x100", NULL, d->policy.ratio_x100);
			print_text(" ratio %s)", fmt_ratio(d->policy.ratio_x100, b, sizeof(b)));
		}
		print_u64("idle_age", ", pages idle %llus", d->policy.idle_s);
		print_u64("cooldown", ", cooldown %llus", d->policy.cooldown_s);
		print_string("level", ", level %s", mc_level_name(d->policy.level));
	}
	print_u64("acted", "; acted %llu times\n", d->policy.acted);
	print_close_object();
}

static void print_stats(const struct mc_dev *d)
{
	uint64_t orig = st(d, SOV_A_MC_STATS_ORIG_BYTES);
	uint64_t compr = st(d, SOV_A_MC_STATS_COMPR_BYTES);
	uint64_t used = st(d, SOV_A_MC_STATS_MEM_USED);
	uint64_t saved = orig > used ? orig - used : 0;
	char b[32], r[32];

	print_open_object(NULL);
	print_string("name", "%s:", d->name);
	print_u64("id", " id %llu,", d->id);
	print_bytes("size", " %s,", d->size);
	print_string("level", " level %s, mem_limit ", mc_level_name(d->level));
	print_limit(d->mem_limit);
	print_u64("openers", NULL, d->openers);
	print_text(", %s\n", d->openers ? "in use" : "not open");
	if (!d->has_stats) {
		print_close_object();
		return;
	}

	print_open_object("stats");
	print_u64("pages", "  pages         %llu", st(d, SOV_A_MC_STATS_PAGES));
	print_u64("same_pages", " (same-filled %llu,", st(d, SOV_A_MC_STATS_SAME_PAGES));
	print_u64("huge_pages", " huge %llu)\n", st(d, SOV_A_MC_STATS_HUGE_PAGES));
	print_open_object("level_pages");
	print_u64("none", "  by level      none %llu,", st(d, SOV_A_MC_STATS_PAGES_NONE));
	print_u64("fast", " fast %llu,", st(d, SOV_A_MC_STATS_PAGES_FAST));
	print_u64("balanced", " balanced %llu,", st(d, SOV_A_MC_STATS_PAGES_BALANCED));
	print_u64("best", " best %llu\n", st(d, SOV_A_MC_STATS_PAGES_BEST));
	print_close_object();
	print_bytes("orig_bytes", "  original      %s\n", orig);
	print_bytes("compr_bytes", "  compressed    %s\n", compr);
	print_bytes("mem_used", "  memory used   %s", used);
	print_bytes("mem_used_max", " (max %s)\n", st(d, SOV_A_MC_STATS_MEM_USED_MAX));
	print_u64("ratio_x100", NULL, ratio_x100(orig, compr));
	print_text("  ratio         %s (original/compressed), %s counting the allocator\n",
		   fmt_ratio(ratio_x100(orig, compr), b, sizeof(b)),
		   fmt_ratio(ratio_x100(orig, used), r, sizeof(r)));
	print_u64("savings_bytes", NULL, saved);
	print_text("  savings       %s (%llu%% of the original)\n",
		   mc_fmt_bytes(saved, b, sizeof(b)),
		   orig ? (unsigned long long)(saved * 100 / orig) : 0ULL);
	print_u64("reads", "  reads %llu,", st(d, SOV_A_MC_STATS_READS));
	print_u64("writes", " writes %llu,", st(d, SOV_A_MC_STATS_WRITES));
	print_u64("discards", " discards %llu\n", st(d, SOV_A_MC_STATS_DISCARDS));
	print_u64("failed_reads", "  failed reads %llu,", st(d, SOV_A_MC_STATS_FAILED_READS));
	print_u64("failed_writes", " failed writes %llu,", st(d, SOV_A_MC_STATS_FAILED_WRITES));
	print_u64("limit_hits", " limit hits %llu\n", st(d, SOV_A_MC_STATS_LIMIT_HITS));
	print_u64("recompressed", "  recompressed %llu,", st(d, SOV_A_MC_STATS_RECOMPRESSED));
	print_u64("compactions", " compactions %llu", st(d, SOV_A_MC_STATS_COMPACTIONS));
	print_u64("compacted_pages", " (%llu pages freed)\n",
		  st(d, SOV_A_MC_STATS_COMPACTED_PAGES));
	print_close_object();
	print_recomp(d);
	print_policy(d);
	print_lat(d);
	print_close_object();
}

int mc_print_message(const struct nlmsghdr *nlh, bool stats)
{
	struct mc_list l = { 0 };
	unsigned int i;

	if (dev_cb(nlh, &l) != MNL_CB_OK)
		return -ENOMEM;
	print_open_array("devices");
	for (i = 0; i < l.n; i++) {
		if (stats)
			print_stats(&l.devs[i]);
		else
			print_status_line(&l.devs[i]);
	}
	print_close_array();
	free(l.devs);
	return (int)l.n;
}

/* ---- commands ---- */

static int mc_status(int argc, char **argv)
{
	struct mc_list l = { 0 };
	unsigned int i;
	int ret;

	if (argc > 0)
		return usage_error("'memcompress status' takes no arguments, got \"%s\"", argv[0]);
	ret = mc_query(NULL, &l, "memcompress status");
	if (ret) {
		free(l.devs);
		return ret;
	}
	print_begin(sovctl.json, sovctl.pretty, stdout);
	if (l.n)
		print_text("%-10s %3s  %-10s  %-8s  %-10s  %-10s  %-10s  %5s  %-9s %s\n",
			   "NAME", "ID", "SIZE", "LEVEL", "ORIGINAL", "COMPRESSED",
			   "MEM USED", "RATIO", "LIMIT", "OPEN");
	else
		print_text("no memcompress devices (create one: sovctl memcompress create size 1G)\n");
	print_open_array("devices");
	for (i = 0; i < l.n; i++)
		print_status_line(&l.devs[i]);
	print_close_array();
	print_end();
	free(l.devs);
	return EXIT_OK;
}

static int mc_stats(int argc, char **argv)
{
	struct mc_list l = { 0 };
	unsigned int i;
	char what[64];
	int ret;

	if (argc > 1)
		return usage_error("'memcompress stats' takes at most one device, got \"%s\"", argv[1]);
	snprintf(what, sizeof(what), "memcompress stats%s%s", argc ? " " : "",
		 argc ? argv[0] : "");
	ret = mc_query(argc ? argv[0] : NULL, &l, what);
	if (ret) {
		free(l.devs);
		return ret;
	}
	print_begin(sovctl.json, sovctl.pretty, stdout);
	if (!l.n)
		print_text("no memcompress devices\n");
	print_open_array("devices");
	for (i = 0; i < l.n; i++) {
		if (i)
			print_text("\n");
		print_stats(&l.devs[i]);
	}
	print_close_array();
	print_end();
	free(l.devs);
	return EXIT_OK;
}

/* "level L" or "mem_limit SIZE" (create and set); -1 if @key is neither. */
static int mc_setting(struct nlmsghdr *nlh, const char *key, const char *val)
{
	uint64_t bytes;
	uint32_t level;
	int ret;

	if (matches(key, "level")) {
		if (mc_parse_level(val, &level))
			return usage_error("unknown level \"%s\": " LEVELS_EXPECTED, val);
		mnl_attr_put_u32(nlh, SOV_A_MC_LEVEL, level);
		return EXIT_OK;
	}
	if (!strcmp(key, "mem_limit") || !strcmp(key, "mem-limit")) {
		if (!strcmp(val, "none")) {
			bytes = 0;
		} else if ((ret = mc_parse_size(val, &bytes))) {
			return usage_error("bad mem_limit \"%s\": %s", val, ret == -ERANGE ?
					   "too large" : SIZE_EXPECTED " or none");
		}
		mnl_attr_put_u64(nlh, SOV_A_MC_MEM_LIMIT, bytes);
		return EXIT_OK;
	}
	return -1;
}

static int mc_create(int argc, char **argv)
{
	unsigned char buf[512];
	struct mc_list l = { 0 };
	struct nlmsghdr *nlh;
	bool have_size = false;
	uint64_t size;
	char path[64];
	int ret;

	nlh = start(buf, SOV_CMD_MC_DEV_CREATE, 0);
	for (; argc > 0; argc -= 2, argv += 2) {
		const char *key = argv[0], *val = argc > 1 ? argv[1] : NULL;

		if (!val)
			return usage_error("\"%s\" needs a value, see \"sovctl memcompress help\"", key);
		if (matches(key, "size")) {
			ret = mc_parse_size(val, &size);
			if (ret)
				return usage_error("bad size \"%s\": %s", val,
						   ret == -ERANGE ? "too large" : SIZE_EXPECTED);
			mnl_attr_put_u64(nlh, SOV_A_MC_SIZE, size);
			have_size = true;
		} else if (matches(key, "name")) {
			if (strlen(val) > SOV_MC_NAME_MAX)
				return usage_error("name \"%s\" is longer than %u characters", val,
						   SOV_MC_NAME_MAX);
			mnl_attr_put_strz(nlh, SOV_A_MC_NAME, val);
		} else {
			ret = mc_setting(nlh, key, val);
			if (ret < 0)
				return usage_error("unknown option \"%s\" for create: expected size, level, name or mem_limit",
						   key);
			if (ret)
				return ret;
		}
	}
	if (!have_size)
		return usage_error("create needs a size: sovctl memcompress create size SIZE [level LEVEL] [name NAME] [mem_limit SIZE]");

	ret = mc_transact(nlh, &l, "memcompress create");
	if (ret || !l.n) {
		free(l.devs);
		return ret;
	}
	print_begin(sovctl.json, sovctl.pretty, stdout);
	print_string("name", "%s: created", l.devs[0].name);
	print_u64("id", " (id %llu),", l.devs[0].id);
	print_bytes("size", " %s,", l.devs[0].size);
	print_string("level", " level %s, mem_limit ", mc_level_name(l.devs[0].level));
	print_limit(l.devs[0].mem_limit);
	snprintf(path, sizeof(path), "/dev/%s", l.devs[0].name);
	print_string("path", "; %s\n", path);
	print_end();
	free(l.devs);
	return EXIT_OK;
}

static int mc_destroy(int argc, char **argv)
{
	unsigned char buf[256];
	struct nlmsghdr *nlh;
	char what[64];

	if (argc != 1)
		return usage_error(argc ? "'memcompress destroy' takes one device, got \"%s\" too" :
				   "'memcompress destroy' needs a device: its name (sovz0) or id%s",
				   argc ? argv[1] : "");
	nlh = start(buf, SOV_CMD_MC_DEV_DESTROY, 0);
	put_dev(nlh, argv[0]);
	snprintf(what, sizeof(what), "memcompress destroy %s", argv[0]);
	if (mc_transact(nlh, NULL, what))
		return EXIT_FAIL;
	verbose("%s destroyed", argv[0]);
	return EXIT_OK;
}

/* "threshold", "time,demand", "off" */
static int parse_kinds(const char *s, uint32_t *kinds)
{
	char copy[64], *tok, *save;
	unsigned int i;

	if (!strcmp(s, "off") || !strcmp(s, "none")) {
		*kinds = 0;
		return 0;
	}
	if (strlen(s) >= sizeof(copy))
		return -EINVAL;
	strcpy(copy, s);
	*kinds = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < __SOV_MC_POLICY_CNT; i++)
			if (!strcmp(tok, policy_names[i]))
				break;
		if (i == __SOV_MC_POLICY_CNT)
			return -EINVAL;
		*kinds |= 1U << i;
	}
	return *kinds ? 0 : -EINVAL;
}

/* "2.5" -> 250 */
static int parse_ratio(const char *s, uint32_t *x100)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || end == s || v < 1.0 || v > 1000.0)
		return -EINVAL;
	*x100 = (uint32_t)(v * 100 + 0.5);
	return 0;
}

/*
 * "policy KINDS [mem SIZE] [ratio R] [idle-age SECS] [cooldown SECS]
 * [level LEVEL]": the rest of the arguments, as a SOV_A_MC_POLICY nest.
 */
static int mc_policy_args(struct nlmsghdr *nlh, int argc, char **argv)
{
	struct nlattr *nest;
	uint32_t kinds, v;
	uint64_t bytes;

	if (argc < 1 || parse_kinds(argv[0], &kinds))
		return usage_error("bad policy \"%s\": expected threshold, time, demand (joined by commas) or off",
				   argc ? argv[0] : "");
	nest = mnl_attr_nest_start(nlh, SOV_A_MC_POLICY);
	mnl_attr_put_u32(nlh, SOV_A_MC_POLICY_KINDS, kinds);
	for (argc--, argv++; argc > 0; argc -= 2, argv += 2) {
		const char *key = argv[0], *val = argc > 1 ? argv[1] : NULL;

		if (!val)
			return usage_error("\"%s\" needs a value, see \"sovctl memcompress help\"", key);
		if (!kinds)
			return usage_error("policy off takes no options, got \"%s\"", key);
		if (!strcmp(key, "mem")) {
			if (mc_parse_size(val, &bytes))
				return usage_error("bad mem \"%s\": " SIZE_EXPECTED, val);
			mnl_attr_put_u64(nlh, SOV_A_MC_POLICY_MEM_BYTES, bytes);
		} else if (!strcmp(key, "ratio")) {
			if (parse_ratio(val, &v))
				return usage_error("bad ratio \"%s\": expected a number from 1 to 1000 (2.5)",
						   val);
			mnl_attr_put_u32(nlh, SOV_A_MC_POLICY_RATIO_X100, v);
		} else if (!strcmp(key, "idle-age") || !strcmp(key, "idle_age")) {
			if (mc_parse_secs(val, &v))
				return usage_error("bad idle-age \"%s\": expected seconds with an optional s, m, h or d suffix (300s, 5m)",
						   val);
			mnl_attr_put_u32(nlh, SOV_A_MC_POLICY_IDLE_AGE, v);
		} else if (!strcmp(key, "cooldown")) {
			if (mc_parse_secs(val, &v))
				return usage_error("bad cooldown \"%s\": expected seconds with an optional s, m, h or d suffix (30s)",
						   val);
			mnl_attr_put_u32(nlh, SOV_A_MC_POLICY_COOLDOWN, v);
		} else if (matches(key, "level")) {
			if (mc_parse_level(val, &v) || v == SOV_MC_LEVEL_NONE)
				return usage_error("bad policy level \"%s\": expected fast, balanced or best",
						   val);
			mnl_attr_put_u32(nlh, SOV_A_MC_POLICY_LEVEL, v);
		} else {
			return usage_error("unknown policy option \"%s\": expected mem, ratio, idle-age, cooldown or level",
					   key);
		}
	}
	mnl_attr_nest_end(nlh, nest);
	return EXIT_OK;
}

static int mc_set(int argc, char **argv)
{
	unsigned char buf[256];
	struct nlmsghdr *nlh;
	char what[64];
	int ret;

	if (argc < 1)
		return usage_error("'memcompress set' needs a device and a setting: set DEV level LEVEL | mem_limit SIZE");
	if (argc < 3)
		return usage_error("'memcompress set %s' needs a setting: level LEVEL, mem_limit SIZE or policy KINDS",
				   argv[0]);
	nlh = start(buf, SOV_CMD_MC_DEV_SET, 0);
	put_dev(nlh, argv[0]);
	snprintf(what, sizeof(what), "memcompress set %s", argv[0]);
	for (argc--, argv++; argc > 0; argc -= 2, argv += 2) {
		if (argc < 2)
			return usage_error("\"%s\" needs a value, see \"sovctl memcompress help\"",
					   argv[0]);
		if (!strcmp(argv[0], "policy")) {
			/* the policy takes the rest of the line */
			ret = mc_policy_args(nlh, argc - 1, argv + 1);
			if (ret)
				return ret;
			break;
		}
		ret = mc_setting(nlh, argv[0], argv[1]);
		if (ret < 0)
			return usage_error("unknown setting \"%s\": expected level, mem_limit or policy",
					   argv[0]);
		if (ret)
			return ret;
	}
	return mc_transact(nlh, NULL, what);
}

static int mc_compact_one(const char *dev)
{
	unsigned char buf[256];
	struct mc_list l = { 0 };
	struct nlmsghdr *nlh;
	char what[64];
	int ret;

	nlh = start(buf, SOV_CMD_MC_COMPACT, 0);
	put_dev(nlh, dev);
	snprintf(what, sizeof(what), "memcompress compact %s", dev);
	ret = mc_transact(nlh, &l, what);
	if (!ret && l.n) {
		print_open_object(NULL);
		print_string("name", "%s:", l.devs[0].name);
		print_u64("compacted_pages", " compacted, %llu pages freed\n", l.devs[0].compacted);
		print_close_object();
	}
	free(l.devs);
	return ret;
}

static int mc_compact(int argc, char **argv)
{
	struct mc_list l = { 0 };
	unsigned int i;
	int ret = EXIT_OK;

	if (argc > 1)
		return usage_error("'memcompress compact' takes at most one device, got \"%s\"", argv[1]);
	if (!argc) {
		ret = mc_query(NULL, &l, "memcompress compact");
		if (ret) {
			free(l.devs);
			return ret;
		}
	}
	print_begin(sovctl.json, sovctl.pretty, stdout);
	print_open_array("devices");
	if (argc)
		ret = mc_compact_one(argv[0]);
	for (i = 0; i < l.n && !ret; i++)
		ret = mc_compact_one(l.devs[i].name);
	print_close_array();
	print_end();
	free(l.devs);
	return ret;
}

static int mc_recompress(int argc, char **argv)
{
	unsigned char buf[256];
	struct nlmsghdr *nlh;
	uint32_t level = SOV_MC_LEVEL_BEST, idle_s = 300, threads = 0, v;
	const char *dev;
	char what[64];
	int ret;

	if (argc < 1)
		return usage_error("'memcompress recompress' needs a device: recompress DEV [idle-age SECS] [level LEVEL] [threads N]");
	dev = argv[0];
	nlh = start(buf, SOV_CMD_MC_RECOMPRESS, 0);
	put_dev(nlh, argv[0]);
	snprintf(what, sizeof(what), "memcompress recompress %s", argv[0]);
	for (argc--, argv++; argc > 0; argc -= 2, argv += 2) {
		const char *key = argv[0], *val = argc > 1 ? argv[1] : NULL;

		if (!val)
			return usage_error("\"%s\" needs a value, see \"sovctl memcompress help\"", key);
		if (!strcmp(key, "idle-age") || !strcmp(key, "idle_age")) {
			ret = mc_parse_secs(val, &idle_s);
			if (ret)
				return usage_error("bad idle-age \"%s\": %s", val, ret == -ERANGE ?
						   "too large" : "expected seconds with an optional s, m, h or d suffix (300s, 5m)");
			mnl_attr_put_u32(nlh, SOV_A_MC_IDLE_AGE, idle_s);
		} else if (matches(key, "level")) {
			if (mc_parse_level(val, &level))
				return usage_error("unknown level \"%s\": " LEVELS_EXPECTED, val);
			mnl_attr_put_u32(nlh, SOV_A_MC_LEVEL, level);
		} else if (matches(key, "threads")) {
			if (parse_u32(val, 10, &v) || !v || v > SOV_MC_RECOMP_THREADS_MAX)
				return usage_error("bad threads \"%s\": expected 1 to %u", val,
						   SOV_MC_RECOMP_THREADS_MAX);
			threads = v;
			mnl_attr_put_u32(nlh, SOV_A_MC_THREADS, threads);
		} else {
			return usage_error("unknown option \"%s\" for recompress: expected idle-age, level or threads",
					   key);
		}
	}
	ret = mc_transact(nlh, NULL, what);
	if (ret)
		return ret;
	print_begin(sovctl.json, sovctl.pretty, stdout);
	print_string("device", "%s: recompressing", dev);
	print_u64("idle_age", " pages idle for %llus", idle_s);
	print_string("level", " at %s", mc_level_name(level));
	if (threads)
		print_u64("threads", ", %llu threads", threads);
	print_text(" (in the background: see \"sovctl memcompress stats\")\n");
	print_end();
	return EXIT_OK;
}

static int mc_pressure(int argc, char **argv)
{
	unsigned char buf[64];

	if (argc > 0)
		return usage_error("'memcompress pressure' takes no arguments, got \"%s\"", argv[0]);
	(void)argv;
	return mc_transact(start(buf, SOV_CMD_MC_PRESSURE, 0), NULL, "memcompress pressure");
}

static int mc_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs("Usage: sovctl memcompress [ status ]\n"
	      "       sovctl memcompress stats [ DEV ]\n"
	      "       sovctl memcompress create size SIZE [ level LEVEL ] [ name NAME ] [ mem_limit SIZE ]\n"
	      "       sovctl memcompress destroy DEV\n"
	      "       sovctl memcompress set DEV [ level LEVEL ] [ mem_limit SIZE | none ] [ policy POLICY ]\n"
	      "       sovctl memcompress compact [ DEV ]\n"
	      "       sovctl memcompress recompress DEV [ idle-age SECS ] [ level LEVEL ] [ threads N ]\n"
	      "       sovctl memcompress pressure\n"
	      "       sovctl memcompress help\n"
	      "where  DEV   := { NAME | ID }   (sovz0, or 0)\n"
	      "       SIZE  := BYTES[K|M|G|T]  (a multiple of 4096: 256M, 2G)\n"
	      "       LEVEL := { none | fast | balanced | best }   (default balanced)\n"
	      "       NAME  := sovzN, or sovz followed by [a-z0-9_-]   (default sovzID)\n"
	      "       SECS  := N[s|m|h|d]   (300s, 5m; recompress default 5m)\n"
	      "       POLICY := { off | KIND[,KIND...] [ mem SIZE ] [ ratio R ] [ idle-age SECS ]\n"
	      "                 [ cooldown SECS ] [ level LEVEL ] }\n"
	      "       KIND  := { threshold | time | demand }\n"
	      "\n"
	      "  status    one line per device: size, level, data, memory, ratio, limit\n"
	      "  stats     every counter of a device (or of all)\n"
	      "  create    a compressed RAM block device /dev/NAME (needs CAP_NET_ADMIN)\n"
	      "  destroy   remove it, with its data; refused while swapped on or mounted\n"
	      "  set       change the level (new writes use it) or the memory limit\n"
	      "  compact   compact the allocator's pool, freeing fragmented memory\n"
	      "  recompress  rewrite pages idle for SECS at LEVEL (default best) in the\n"
	      "            background, with N threads (1-8, default the CPUs)\n"
	      "  pressure  report memory pressure to devices with a demand policy\n"
	      "            (sovereignd does it on PSI events)\n", stdout);
	return EXIT_OK;
}

/* "stats sovz0 -j": the output options are taken after the command as well. */
static int take_output_options(int argc, char **argv)
{
	int i, n = 0;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			sovctl.json = true;
		} else if (!strcmp(argv[i], "-p") || !strcmp(argv[i], "--pretty")) {
			sovctl.json = true;
			sovctl.pretty = true;
		} else {
			argv[n++] = argv[i];
		}
	}
	return n;
}

int do_memcompress(int argc, char **argv)
{
	argc = take_output_options(argc, argv);
	if (argc == 0 || matches(argv[0], "status"))
		return mc_status(argc ? argc - 1 : 0, argv + (argc ? 1 : 0));
	if (matches(argv[0], "stats"))
		return mc_stats(argc - 1, argv + 1);
	if (matches(argv[0], "create"))
		return mc_create(argc - 1, argv + 1);
	if (matches(argv[0], "destroy"))
		return mc_destroy(argc - 1, argv + 1);
	if (matches(argv[0], "set"))
		return mc_set(argc - 1, argv + 1);
	if (matches(argv[0], "compact"))
		return mc_compact(argc - 1, argv + 1);
	if (matches(argv[0], "recompress"))
		return mc_recompress(argc - 1, argv + 1);
	if (matches(argv[0], "pressure"))
		return mc_pressure(argc - 1, argv + 1);
	if (matches(argv[0], "help"))
		return mc_help(argc - 1, argv + 1);
	return usage_error("command \"%s\" is unknown for 'memcompress', try \"sovctl memcompress help\"",
			   argv[0]);
}
