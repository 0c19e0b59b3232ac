// SPDX-License-Identifier: GPL-2.0
/*
 * q_sov.so: tc's parser and printer for the "sov" qdisc (kmod/sched), so
 * that stock tc configures and shows it:
 *
 *   tc qdisc add dev X root handle 1: sov [limit PACKETS] [quantum BYTES]
 *           [priomap P0 P1 ... P15] [dscpmap DSCP:CLASS[,DSCP:CLASS...] | none]
 *   tc class change dev X classid 1:N sov [rate RATE] [burst SIZE] [ceil RATE]
 *           [limit PACKETS]
 *   tc [-s] qdisc show / tc [-s] class show
 *
 * tc dlopen()s q_sov.so from TC_LIB_DIR (Debian: /usr/lib/x86_64-linux-gnu/tc)
 * and takes the symbol sov_qdisc_util. It is built against iproute2 6.1's own
 * headers (scripts/iproute2-src.sh: Debian's source package of the installed
 * tc), and calls only functions tc exports to plugins (nm -D /usr/sbin/tc);
 * mk/tc.mk checks that at build time. The attributes are in
 * uapi/linux/sovereign_sched.h; Documentation/classes.rst has the rest.
 *
 * Every option is checked here, before anything is sent; an error names
 * the option and what was expected, and tc exits with status 1.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "utils.h"
#include "tc_util.h"

#include "../../uapi/linux/sovereign_sched.h"
#include "dscp_names.h"

#define SOV_LIMIT_MAX		1048576U	/* the kernel's SOV_SCHED_LIMIT_MAX */
#define SOV_QUANTUM_MIN		256U
#define SOV_QUANTUM_MAX		1048576U

static void sov_explain(void)
{
	fprintf(stderr,
		"Usage: ... sov [ limit PACKETS ] [ quantum BYTES ]\n"
		"               [ priomap P0 P1 ... P15 ]\n"
		"               [ dscpmap DSCP:CLASS[,DSCP:CLASS...] | dscpmap none ]\n"
		"       tc class change dev DEV classid MAJOR:N sov [ rate RATE ] [ burst SIZE ]\n"
		"               [ ceil RATE ] [ limit PACKETS ]\n"
		"\n"
		"8 classes MAJOR:1 (served first) to MAJOR:8. A packet goes to the class a\n"
		"filter names, else the one its DSCP maps to, else the one its priority maps to.\n"
		"  limit    packets the qdisc (or a class) holds, 1-%u\n"
		"  quantum  bytes a flow sends per round, %u-%u (default: the device's MTU)\n"
		"  priomap  exactly 16 classes 1-8, one for each priority 0-15\n"
		"  dscpmap  DSCP 0-63 or ef, af11-af43, cs0-cs7, le, default; CLASS 1-8.\n"
		"           It replaces the whole map; DSCPs not listed go by priority.\n"
		"           'none' clears it.\n"
		"  rate     the class's average rate (tc units: 10mbit, 1gbit); 0 turns shaping off\n"
		"  burst    bytes above the rate at once (tc units: 32k, 1mb); at least one MTU\n"
		"  ceil     the rate never exceeded, at least the rate; 0 removes it\n",
		SOV_LIMIT_MAX, SOV_QUANTUM_MIN, SOV_QUANTUM_MAX);
}

/* A whole decimal number: digits only (no sign, no spaces, no 0x). */
static int sov_get_u32(__u32 *v, const char *s)
{
	if (*s < '0' || *s > '9')
		return -1;
	return get_u32(v, s, 10);
}

static int sov_get_u32_range(__u32 *v, const char *opt, const char *s, __u32 min, __u32 max)
{
	if (sov_get_u32(v, s) || *v < min || *v > max) {
		fprintf(stderr, "sov: bad %s \"%s\": expected a number %u-%u\n", opt, s, min, max);
		return -1;
	}
	return 0;
}

/*
 * A rate in tc's units, through tc's get_rate64(): bytes per second. Its
 * own checks stop at the syntax, so the sign and the size are checked here
 * first: the unit's scale is what get_rate64() makes of "8UNIT" (bits).
 */
static int sov_get_rate(__u64 *rate, const char *opt, const char *s)
{
	char unit[32] = "8";
	__u64 scale;
	double v;
	char *end;

	if ((*s < '0' || *s > '9') && *s != '.')
		goto bad;
	v = strtod(s, &end);
	if (end == s || !isfinite(v) || strlen(end) > sizeof(unit) - 2)
		goto bad;
	strcat(unit, end);
	if (get_rate64(&scale, unit) || get_rate64(rate, s))
		goto bad;
	if (v * (double)scale / 8 >= 0x1p63) {
		fprintf(stderr, "sov: %s \"%s\" is too large\n", opt, s);
		return -1;
	}
	if (!*rate && v > 0) {
		fprintf(stderr, "sov: %s \"%s\" is below 1 byte/s: expected at least 8bit (or 0)\n",
			opt, s);
		return -1;
	}
	return 0;
bad:
	fprintf(stderr,
		"sov: bad %s \"%s\": expected a rate such as 800kbit, 10mbit, 1gbit, 100MBps\n",
		opt, s);
	return -1;
}

/* A size in tc's units through get_size(), bounded the same way (scale of "1UNIT"). */
static int sov_get_size(__u32 *size, const char *opt, const char *s, __u32 min, __u32 max)
{
	char unit[32] = "1";
	unsigned int scale = 1, v32;
	double v;
	char *end;

	if ((*s < '0' || *s > '9') && *s != '.')
		goto bad;
	v = strtod(s, &end);
	if (end == s || !isfinite(v) || strlen(end) > sizeof(unit) - 2)
		goto bad;
	if (*end) {
		strcat(unit, end);
		if (get_size(&scale, unit))
			goto bad;
	}
	if (v * scale > (double)max || get_size(&v32, s) || v32 < min || v32 > max)
		goto range;
	*size = v32;
	return 0;
bad:
	fprintf(stderr, "sov: bad %s \"%s\": expected bytes such as 1514, 32k, 1mb\n", opt, s);
	return -1;
range:
	fprintf(stderr, "sov: bad %s \"%s\": expected %u-%u bytes\n", opt, s, min, max);
	return -1;
}

static int sov_parse_dscp(const char *s, unsigned int *dscp)
{
	int named = sov_dscp_by_name(s);
	__u32 v;

	if (named >= 0) {
		*dscp = (unsigned int)named;
		return 0;
	}
	if (sov_get_u32(&v, s) || v >= TC_SOV_DSCP_CNT)
		return -1;
	*dscp = v;
	return 0;
}

/* "ef:1,af41:2,8:3" or "none" into @map (64 entries, 0: not mapped). */
static int sov_parse_dscpmap(const char *arg, __u8 *map)
{
	char buf[1024], *entry, *save = NULL, *colon;
	unsigned int dscp;
	__u32 cls;

	memset(map, 0, TC_SOV_DSCP_CNT);
	if (!strcmp(arg, "none"))
		return 0;
	if (strlen(arg) >= sizeof(buf)) {
		fprintf(stderr, "sov: dscpmap is too long: expected at most 64 DSCP:CLASS entries\n");
		return -1;
	}
	strcpy(buf, arg);
	if (!*buf || buf[0] == ',' || buf[strlen(buf) - 1] == ',' || strstr(buf, ",,")) {
		fprintf(stderr,
			"sov: bad dscpmap \"%s\": expected DSCP:CLASS[,DSCP:CLASS...] or none\n",
			arg);
		return -1;
	}
	for (entry = strtok_r(buf, ",", &save); entry; entry = strtok_r(NULL, ",", &save)) {
		colon = strchr(entry, ':');
		if (!colon) {
			fprintf(stderr, "sov: bad dscpmap entry \"%s\": expected DSCP:CLASS, e.g. ef:1\n",
				entry);
			return -1;
		}
		*colon = '\0';
		if (sov_parse_dscp(entry, &dscp)) {
			fprintf(stderr,
				"sov: bad dscpmap entry \"%s:%s\": expected a DSCP 0-63 or a name (ef, af11-af43, cs0-cs7, le, default)\n",
				entry, colon + 1);
			return -1;
		}
		if (sov_get_u32(&cls, colon + 1) || cls < 1 || cls > TC_SOV_CLASSES) {
			fprintf(stderr, "sov: bad dscpmap entry \"%s:%s\": expected a class 1-%u\n",
				entry, colon + 1, TC_SOV_CLASSES);
			return -1;
		}
		if (map[dscp]) {
			fprintf(stderr, "sov: bad dscpmap entry \"%s:%s\": DSCP %u is mapped twice\n",
				entry, colon + 1, dscp);
			return -1;
		}
		map[dscp] = (__u8)cls;
	}
	return 0;
}

static bool sov_is_qopt(const char *s)
{
	return !strcmp(s, "limit") || !strcmp(s, "quantum") || !strcmp(s, "priomap") ||
	       !strcmp(s, "dscpmap") || !strcmp(s, "help");
}

static int sov_dup(const char *opt)
{
	fprintf(stderr, "sov: \"%s\" is given twice\n", opt);
	return -1;
}

static int sov_missing(const char *opt, const char *what)
{
	fprintf(stderr, "sov: \"%s\" needs a value: expected %s\n", opt, what);
	return -1;
}

/* "limit PACKETS", of the qdisc or of a class: *argv is at "limit" */
static int sov_parse_limit(int *argc, char ***argv, __u32 *limit, bool *has)
{
	if (*has)
		return sov_dup(**argv);
	if (*argc < 2)
		return sov_missing(**argv, "packets 1-1048576");
	(*argc)--, (*argv)++;
	if (sov_get_u32_range(limit, "limit", **argv, 1, SOV_LIMIT_MAX))
		return -1;
	*has = true;
	return 0;
}

static int sov_parse_opt(struct qdisc_util *qu, int argc, char **argv, struct nlmsghdr *n,
			 const char *dev)
{
	__u8 priomap[TC_SOV_PRIO_MAX + 1], dscpmap[TC_SOV_DSCP_CNT];
	bool has_prio = false, has_dscp = false, has_limit = false, has_quantum = false;
	__u32 limit = 0, quantum = 0, cls;
	struct rtattr *tail;
	unsigned int i;

	(void)qu;
	(void)dev;
	while (argc > 0) {
		if (!strcmp(*argv, "limit")) {
			if (sov_parse_limit(&argc, &argv, &limit, &has_limit))
				return -1;
		} else if (!strcmp(*argv, "quantum")) {
			if (has_quantum)
				return sov_dup(*argv);
			if (argc < 2)
				return sov_missing(*argv, "bytes 256-1048576");
			argc--, argv++;
			if (sov_get_size(&quantum, "quantum", *argv, SOV_QUANTUM_MIN,
					 SOV_QUANTUM_MAX))
				return -1;
			has_quantum = true;
		} else if (!strcmp(*argv, "priomap")) {
			if (has_prio)
				return sov_dup(*argv);
			/* the entries run to the next option or the end */
			for (i = 0; argc > 1 && !sov_is_qopt(argv[1]); i++) {
				argc--, argv++;
				if (i > TC_SOV_PRIO_MAX) {
					fprintf(stderr,
						"sov: priomap has more than 16 entries at \"%s\": expected one class 1-8 for each priority 0-15\n",
						*argv);
					return -1;
				}
				if (sov_get_u32(&cls, *argv) || cls < 1 || cls > TC_SOV_CLASSES) {
					fprintf(stderr,
						"sov: bad priomap entry \"%s\": expected a class 1-%u\n",
						*argv, TC_SOV_CLASSES);
					return -1;
				}
				priomap[i] = (__u8)cls;
			}
			if (i != TC_SOV_PRIO_MAX + 1) {
				fprintf(stderr,
					"sov: priomap has %u entries: expected 16, one class 1-8 for each priority 0-15\n",
					i);
				return -1;
			}
			has_prio = true;
		} else if (!strcmp(*argv, "dscpmap")) {
			if (has_dscp)
				return sov_dup(*argv);
			if (argc < 2)
				return sov_missing(*argv, "DSCP:CLASS[,DSCP:CLASS...] or none");
			argc--, argv++;
			if (sov_parse_dscpmap(*argv, dscpmap))
				return -1;
			has_dscp = true;
		} else if (!strcmp(*argv, "help")) {
			sov_explain();
			return -1;
		} else {
			fprintf(stderr,
				"sov: unknown option \"%s\": expected limit, quantum, priomap or dscpmap\n",
				*argv);
			sov_explain();
			return -1;
		}
		argc--, argv++;
	}

	tail = addattr_nest(n, 1024, TCA_OPTIONS | NLA_F_NESTED);
	if (has_prio)
		addattr_l(n, 1024, TCA_SOV_PRIOMAP, priomap, sizeof(priomap));
	if (has_dscp)
		addattr_l(n, 1024, TCA_SOV_DSCPMAP, dscpmap, sizeof(dscpmap));
	if (has_limit)
		addattr32(n, 1024, TCA_SOV_LIMIT, limit);
	if (has_quantum)
		addattr32(n, 1024, TCA_SOV_QUANTUM, quantum);
	addattr_nest_end(n, tail);
	return 0;
}

static int sov_parse_class_opt(struct qdisc_util *qu, int argc, char **argv,
			       struct nlmsghdr *n, const char *dev)
{
	bool has_rate = false, has_ceil = false, has_burst = false, has_limit = false;
	const struct tcmsg *tcm = NLMSG_DATA(n);
	__u64 rate = 0, ceil = 0;
	__u32 burst = 0, limit = 0;
	struct rtattr *tail;

	(void)qu;
	(void)dev;
	/* tc has put the classid in the request already (it comes before "sov") */
	if (!tcm->tcm_handle) {
		fprintf(stderr, "sov: expected \"classid MAJOR:N\" (N 1-%u) before \"sov\"\n",
			TC_SOV_CLASSES);
		return -1;
	}
	if (TC_H_MIN(tcm->tcm_handle) < 1 || TC_H_MIN(tcm->tcm_handle) > TC_SOV_CLASSES) {
		fprintf(stderr,
			"sov: bad classid %x:%x: the sov qdisc's classes are MAJOR:1 to MAJOR:%u\n",
			TC_H_MAJ(tcm->tcm_handle) >> 16, TC_H_MIN(tcm->tcm_handle), TC_SOV_CLASSES);
		return -1;
	}
	if (argc == 0) {
		fprintf(stderr, "sov: expected class options: rate, burst, ceil or limit\n");
		return -1;
	}
	while (argc > 0) {
		if (!strcmp(*argv, "rate") || !strcmp(*argv, "ceil")) {
			bool is_rate = **argv == 'r';

			if (is_rate ? has_rate : has_ceil)
				return sov_dup(*argv);
			if (argc < 2)
				return sov_missing(*argv, "a rate such as 10mbit, or 0");
			argc--, argv++;
			if (sov_get_rate(is_rate ? &rate : &ceil, is_rate ? "rate" : "ceil", *argv))
				return -1;
			*(is_rate ? &has_rate : &has_ceil) = true;
		} else if (!strcmp(*argv, "burst")) {
			if (has_burst)
				return sov_dup(*argv);
			if (argc < 2)
				return sov_missing(*argv, "bytes such as 32k");
			argc--, argv++;
			if (sov_get_size(&burst, "burst", *argv, 1, UINT32_MAX))
				return -1;
			has_burst = true;
		} else if (!strcmp(*argv, "limit")) {
			if (sov_parse_limit(&argc, &argv, &limit, &has_limit))
				return -1;
		} else if (!strcmp(*argv, "help")) {
			sov_explain();
			return -1;
		} else {
			fprintf(stderr,
				"sov: unknown class option \"%s\": expected rate, burst, ceil or limit\n",
				*argv);
			sov_explain();
			return -1;
		}
		argc--, argv++;
	}
	/* what the kernel checks against the class's settings, checked here when given together */
	if (has_rate && has_ceil && ceil && !rate) {
		fprintf(stderr, "sov: ceil needs a rate: expected a rate above 0 and at most the ceil\n");
		return -1;
	}
	if (has_rate && has_ceil && ceil && ceil < rate) {
		fprintf(stderr, "sov: ceil below rate: expected a ceil of at least the rate\n");
		return -1;
	}

	tail = addattr_nest(n, 1024, TCA_OPTIONS | NLA_F_NESTED);
	if (has_rate)
		addattr64(n, 1024, TCA_SOV_CLASS_RATE, rate);
	if (has_burst)
		addattr32(n, 1024, TCA_SOV_CLASS_BURST, burst);
	if (has_ceil)
		addattr64(n, 1024, TCA_SOV_CLASS_CEIL, ceil);
	if (has_limit)
		addattr32(n, 1024, TCA_SOV_CLASS_LIMIT, limit);
	addattr_nest_end(n, tail);
	return 0;
}

static bool sov_attr_len(const struct rtattr *a, size_t len)
{
	return a && RTA_PAYLOAD(a) >= len;
}

static int sov_print_opt(struct qdisc_util *qu, FILE *f, struct rtattr *opt)
{
	struct rtattr *tb[TCA_SOV_MAX + 1];
	unsigned int i, n = 0;
	const __u8 *map;
	char buf[16];

	(void)qu;
	(void)f;
	if (!opt)
		return 0;
	parse_rtattr_nested(tb, TCA_SOV_MAX, opt);

	if (sov_attr_len(tb[TCA_SOV_LIMIT], sizeof(__u32)))
		print_uint(PRINT_ANY, "limit", "limit %up ", rta_getattr_u32(tb[TCA_SOV_LIMIT]));
	if (sov_attr_len(tb[TCA_SOV_QUANTUM], sizeof(__u32)))
		print_uint(PRINT_ANY, "quantum", "quantum %u ",
			   rta_getattr_u32(tb[TCA_SOV_QUANTUM]));
	if (sov_attr_len(tb[TCA_SOV_PRIOMAP], TC_SOV_PRIO_MAX + 1)) {
		map = RTA_DATA(tb[TCA_SOV_PRIOMAP]);
		open_json_array(PRINT_ANY, "priomap");
		for (i = 0; i <= TC_SOV_PRIO_MAX; i++)
			print_uint(PRINT_ANY, NULL, " %u", map[i]);
		close_json_array(PRINT_ANY, " ");
	}
	if (sov_attr_len(tb[TCA_SOV_DSCPMAP], TC_SOV_DSCP_CNT)) {
		map = RTA_DATA(tb[TCA_SOV_DSCPMAP]);
		/* as tc takes it back: "dscpmap ef:1,af41:2" or "dscpmap none" */
		open_json_array(PRINT_JSON, "dscpmap");
		print_string(PRINT_FP, NULL, "%s", "dscpmap ");
		for (i = 0; i < TC_SOV_DSCP_CNT; i++) {
			const char *name = sov_dscp_name(i);

			if (!map[i])
				continue;
			open_json_object(NULL);
			print_uint(PRINT_JSON, "dscp", NULL, i);
			if (name)
				print_string(PRINT_JSON, "name", NULL, name);
			print_uint(PRINT_JSON, "class", NULL, map[i]);
			close_json_object();
			if (!name) {
				snprintf(buf, sizeof(buf), "%u", i);
				name = buf;
			}
			print_string(PRINT_FP, NULL, n++ ? ",%s" : "%s", name);
			print_uint(PRINT_FP, NULL, ":%u", map[i]);
		}
		close_json_array(PRINT_JSON, NULL);
		print_string(PRINT_FP, NULL, "%s ", n ? "" : "none");
	}
	return 0;
}

static int sov_print_copt(struct qdisc_util *qu, FILE *f, struct rtattr *opt)
{
	struct rtattr *tb[TCA_SOV_CLASS_MAX + 1];
	__u64 rate = 0, ceil = 0;

	(void)qu;
	(void)f;
	if (!opt)
		return 0;
	parse_rtattr_nested(tb, TCA_SOV_CLASS_MAX, opt);

	if (sov_attr_len(tb[TCA_SOV_CLASS_RATE], sizeof(__u64)))
		rate = rta_getattr_u64(tb[TCA_SOV_CLASS_RATE]);
	if (sov_attr_len(tb[TCA_SOV_CLASS_CEIL], sizeof(__u64)))
		ceil = rta_getattr_u64(tb[TCA_SOV_CLASS_CEIL]);
	/* JSON: bytes per second, 0 for none; text: tc's units, or "unshaped" */
	if (rate) {
		tc_print_rate(PRINT_ANY, "rate", "rate %s ", rate);
	} else {
		print_string(PRINT_FP, NULL, "%s", "unshaped ");
		print_u64(PRINT_JSON, "rate", NULL, 0);
	}
	if (ceil)
		tc_print_rate(PRINT_ANY, "ceil", "ceil %s ", ceil);
	else
		print_u64(PRINT_JSON, "ceil", NULL, 0);
	if (sov_attr_len(tb[TCA_SOV_CLASS_BURST], sizeof(__u32))) {
		__u32 burst = rta_getattr_u32(tb[TCA_SOV_CLASS_BURST]);

		print_size(rate ? PRINT_ANY : PRINT_JSON, "burst", "burst %s ", burst);
	}
	if (sov_attr_len(tb[TCA_SOV_CLASS_LIMIT], sizeof(__u32)))
		print_uint(PRINT_ANY, "limit", "limit %up ",
			   rta_getattr_u32(tb[TCA_SOV_CLASS_LIMIT]));
	return 0;
}

static void sov_print_qdisc_xstats(const struct tc_sov_xstats *st)
{
	print_string(PRINT_FP, NULL, "%s", " classified: ");
	print_u64(PRINT_ANY, "by_filter", "filter %llu ", st->by_filter);
	print_u64(PRINT_ANY, "by_dscp", "dscp %llu ", st->by_dscp);
	print_u64(PRINT_ANY, "by_priority", "priority %llu ", st->by_priority);
	print_u64(PRINT_ANY, "filter_bad_class", "(filter to no class %llu)", st->filter_bad_class);
	print_nl();
	print_string(PRINT_FP, NULL, "%s", " drops: ");
	print_u64(PRINT_ANY, "drops_class_limit", "class limit %llu ", st->drops_class_limit);
	print_u64(PRINT_ANY, "drops_qdisc_limit", "qdisc limit %llu ", st->drops_qdisc_limit);
	print_uint(PRINT_ANY, "classes_active", "classes active %u ", st->classes_active);
	print_uint(PRINT_ANY, "classes_throttled", "throttled %u", st->classes_throttled);
}

static void sov_print_class_xstats(const struct tc_sov_class_xstats *st)
{
	print_uint(PRINT_ANY, "flows_active", " flows %u ", st->flows_active);
	print_uint(PRINT_ANY, "flows_max", "(max %u) ", st->flows_max);
	print_u64(PRINT_ANY, "collisions", "collisions %llu ", st->collisions);
	print_u64(PRINT_ANY, "throttled", "throttled %llu ", st->throttled);
	print_s64(PRINT_ANY, "tokens", "tokens %lldb", st->tokens);
	print_nl();
	print_string(PRINT_FP, NULL, "%s", " drops: ");
	print_u64(PRINT_ANY, "drops_class_limit", "class limit %llu ", st->drops_class_limit);
	print_u64(PRINT_ANY, "drops_qdisc_limit", "qdisc limit %llu", st->drops_qdisc_limit);
	/* the class options again, for JSON readers of the stats alone */
	print_u64(PRINT_JSON, "rate", NULL, st->rate);
	print_u64(PRINT_JSON, "ceil", NULL, st->ceil);
	print_uint(PRINT_JSON, "burst", NULL, st->burst);
	print_uint(PRINT_JSON, "limit", NULL, st->limit);
}

/*
 * tc calls the same function for the qdisc's TCA_XSTATS and a class's:
 * the structure's size tells which this is.
 */
static int sov_print_xstats(struct qdisc_util *qu, FILE *f, struct rtattr *xstats)
{
	(void)qu;
	(void)f;
	if (!xstats)
		return 0;
	if (RTA_PAYLOAD(xstats) == sizeof(struct tc_sov_class_xstats)) {
		struct tc_sov_class_xstats st;

		memcpy(&st, RTA_DATA(xstats), sizeof(st));
		sov_print_class_xstats(&st);
	} else if (RTA_PAYLOAD(xstats) == sizeof(struct tc_sov_xstats)) {
		struct tc_sov_xstats st;

		memcpy(&st, RTA_DATA(xstats), sizeof(st));
		sov_print_qdisc_xstats(&st);
	} else {
		fprintf(stderr,
			"sov: xstats of %u bytes: expected %zu (qdisc) or %zu (class); is q_sov.so older than the module?\n",
			(unsigned int)RTA_PAYLOAD(xstats), sizeof(struct tc_sov_xstats),
			sizeof(struct tc_sov_class_xstats));
		return -1;
	}
	return 0;
}

struct qdisc_util sov_qdisc_util = {
	.id		= "sov",
	.parse_qopt	= sov_parse_opt,
	.print_qopt	= sov_print_opt,
	.print_xstats	= sov_print_xstats,
	.parse_copt	= sov_parse_class_opt,
	.print_copt	= sov_print_copt,
};
