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
#include "memcompress_show.h"
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
	ret = sov_genl_transact(&g, nlh, l ? mc_dev_cb : NULL, l, &err);
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
		mc_print_status_line(&l.devs[i]);
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
		mc_print_stats(&l.devs[i]);
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
	mc_print_bytes("size", " %s,", l.devs[0].size);
	print_string("level", " level %s, mem_limit ", mc_level_name(l.devs[0].level));
	mc_print_limit(l.devs[0].mem_limit);
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
			if (!strcmp(tok, mc_policy_names[i]))
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

int do_memcompress(int argc, char **argv)
{
	argc = take_output_options(argc, argv);	/* "stats sovz0 -j" */
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
