// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl memcompress: a device as the module reports it (SOV_A_MC_* into
 * struct mc_dev) and how status and stats print it, text and JSON.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memcompress.h"
#include "memcompress_show.h"
#include "print.h"
#include "sovctl.h"

const char *const mc_policy_names[__SOV_MC_POLICY_CNT] = {
	[SOV_MC_POLICY_THRESHOLD] = "threshold",
	[SOV_MC_POLICY_TIME] = "time",
	[SOV_MC_POLICY_DEMAND] = "demand",
};


/* ---- one device, as the kernel reports it ---- */




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
int mc_dev_cb(const struct nlmsghdr *nlh, void *data)
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

void mc_print_bytes(const char *key, const char *fmt, uint64_t v)
{
	char b[32];

	print_u64(key, NULL, v);
	print_text(fmt, mc_fmt_bytes(v, b, sizeof(b)));
}

void mc_print_limit(uint64_t limit)
{
	char b[32];

	print_u64("mem_limit", NULL, limit);
	print_text("%s", limit ? mc_fmt_bytes(limit, b, sizeof(b)) : "none");
}

void mc_print_status_line(const struct mc_dev *d)
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
	return print_fmt_mask(kinds, mc_policy_names, __SOV_MC_POLICY_CNT, buf, size);
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
			print_string(NULL, NULL, mc_policy_names[i]);
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

void mc_print_stats(const struct mc_dev *d)
{
	uint64_t orig = st(d, SOV_A_MC_STATS_ORIG_BYTES);
	uint64_t compr = st(d, SOV_A_MC_STATS_COMPR_BYTES);
	uint64_t used = st(d, SOV_A_MC_STATS_MEM_USED);
	uint64_t saved = orig > used ? orig - used : 0;
	char b[32], r[32];

	print_open_object(NULL);
	print_string("name", "%s:", d->name);
	print_u64("id", " id %llu,", d->id);
	mc_print_bytes("size", " %s,", d->size);
	print_string("level", " level %s, mem_limit ", mc_level_name(d->level));
	mc_print_limit(d->mem_limit);
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
	print_u64("packed_pages", "  packed        %llu pages", st(d, SOV_A_MC_STATS_PACKED_PAGES));
	print_u64("packs", " in %llu packs\n", st(d, SOV_A_MC_STATS_PACKS));
	mc_print_bytes("orig_bytes", "  original      %s\n", orig);
	mc_print_bytes("compr_bytes", "  compressed    %s\n", compr);
	mc_print_bytes("mem_used", "  memory used   %s", used);
	mc_print_bytes("mem_used_max", " (max %s)\n", st(d, SOV_A_MC_STATS_MEM_USED_MAX));
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

	if (mc_dev_cb(nlh, &l) != MNL_CB_OK)
		return -ENOMEM;
	print_open_array("devices");
	for (i = 0; i < l.n; i++) {
		if (stats)
			mc_print_stats(&l.devs[i]);
		else
			mc_print_status_line(&l.devs[i]);
	}
	print_close_array();
	free(l.devs);
	return (int)l.n;
}
