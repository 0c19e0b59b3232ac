// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl trace list and latency: the two tables, the traces held (merged
 * when several daemons hold parts of one) and per-operation latency.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "print.h"
#include "trace.h"

static const char *copy_str(const struct nlattr *a, char *buf, size_t size)
{
	snprintf(buf, size, "%s", a ? mnl_attr_get_str(a) : "");
	return buf;
}

#define U64(tb, a) ((tb)[a] ? mnl_attr_get_u64((tb)[a]) : 0)
#define U32(tb, a) ((tb)[a] ? mnl_attr_get_u32((tb)[a]) : 0)

/* ---- list ---- */

struct list_entry {
	struct trace_id id;
	char root[128];
	uint64_t spans, errors, start_ns, end_ns;
	uint32_t keep;
	unsigned int daemons;
};

struct list {
	struct list_entry *e;
	size_t n, cap;
};

static const enum mnl_attr_data_type list_types[SOV_A_TRACE_MAX + 1] = {
	[SOV_A_TRACE_ID] = MNL_TYPE_BINARY,
	[SOV_A_TRACE_ROOT] = MNL_TYPE_NUL_STRING,
	[SOV_A_TRACE_SPANS] = MNL_TYPE_U32,
	[SOV_A_TRACE_START_NS] = MNL_TYPE_U64,
	[SOV_A_TRACE_DURATION_NS] = MNL_TYPE_U64,
	[SOV_A_TRACE_KEEP] = MNL_TYPE_U32,
	[SOV_A_TRACE_ERRORS] = MNL_TYPE_U32,
};

static int list_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[SOV_A_TRACE_MAX + 1];
	struct list *l = data;
	struct list_entry e = { .daemons = 1 };
	size_t i;

	sov_nl_parse_known(nlh, tb, SOV_A_TRACE_MAX, list_types);
	if (!tb[SOV_A_TRACE_ID] || mnl_attr_get_payload_len(tb[SOV_A_TRACE_ID]) != 16)
		return MNL_CB_OK;
	trace_id_from_bytes(mnl_attr_get_payload(tb[SOV_A_TRACE_ID]), &e.id);
	copy_str(tb[SOV_A_TRACE_ROOT], e.root, sizeof(e.root));
	e.spans = U32(tb, SOV_A_TRACE_SPANS);
	e.errors = U32(tb, SOV_A_TRACE_ERRORS);
	e.keep = U32(tb, SOV_A_TRACE_KEEP);
	e.start_ns = U64(tb, SOV_A_TRACE_START_NS);
	e.end_ns = e.start_ns + U64(tb, SOV_A_TRACE_DURATION_NS);

	/* a trace several daemons hold is one row: their parts added up */
	for (i = 0; i < l->n; i++) {
		struct list_entry *o = &l->e[i];

		if (!trace_id_eq(&o->id, &e.id))
			continue;
		/* the root of the part that began first: the others' are callees */
		if (e.start_ns < o->start_ns)
			memcpy(o->root, e.root, sizeof(o->root));
		o->spans += e.spans;
		o->errors += e.errors;
		o->keep |= e.keep;
		o->start_ns = e.start_ns < o->start_ns ? e.start_ns : o->start_ns;
		o->end_ns = e.end_ns > o->end_ns ? e.end_ns : o->end_ns;
		o->daemons++;
		return MNL_CB_OK;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct list_entry *p = realloc(l->e, cap * sizeof(*p));

		if (!p) {
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
		l->e = p;
		l->cap = cap;
	}
	l->e[l->n++] = e;
	return MNL_CB_OK;
}

static int cmp_start(const void *a, const void *b)
{
	const struct list_entry *x = a, *y = b;

	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	if (x->id.hi != y->id.hi)
		return x->id.hi < y->id.hi ? -1 : 1;
	return x->id.lo < y->id.lo ? -1 : x->id.lo > y->id.lo;
}

static void print_keep(uint32_t keep)
{
	char names[64];
	unsigned int i;

	print_u64("keep", NULL, keep);
	print_open_array("keep_names");
	for (i = 0; i < 3; i++)
		if (keep & (1U << i))
			print_string(NULL, NULL, trace_keep_names[i]);
	print_close_array();
	print_fmt_mask(keep, trace_keep_names, 3, names, sizeof(names));
	trace_print_col(keep ? names : "undecided", 19);
}

int trace_list(int argc, char **argv)
{
	struct trace_from from = { .n = 0 };
	const char *paths[TRACE_MAX_FROM];
	unsigned char buf[64];
	struct list l = { 0 };
	unsigned int i, np;
	int ret = EXIT_OK;
	size_t k;

	argc = trace_take_from(argc, argv, "list", &from);
	if (argc < 0)
		return EXIT_USAGE;
	if (argc > 0)
		return usage_error("'trace list' takes no arguments but --from SOCKET, got \"%s\"",
				   argv[0]);
	np = trace_sources(&from, paths);
	for (i = 0; i < np && ret == EXIT_OK; i++) {
		struct sov_nl_err err;
		char what[256];
		int r;

		r = trace_request(paths[i], trace_req_hdr(buf, SOV_CMD_TRACE_LIST, true), list_cb,
				  &l, &err);
		if (r == 1) {
			ret = EXIT_FAIL;
		} else if (r) {
			snprintf(what, sizeof(what), from.n ? "trace list at %s" : "trace list",
				 paths[i]);
			ret = report_nl_error(what, &err, NULL, 0);
		}
	}
	if (ret) {
		free(l.e);
		return ret;
	}
	if (l.n)
		qsort(l.e, l.n, sizeof(*l.e), cmp_start);

	print_begin(sovctl.json, sovctl.pretty, stdout);
	if (l.n)
		print_text("%-32s  %-24s  %9s  %5s  %6s  %-19s  %s\n", "TRACE", "START",
			   "DURATION", "SPANS", "ERRORS", "KEEP", "ROOT");
	print_open_array("traces");
	for (k = 0; k < l.n; k++) {
		const struct list_entry *e = &l.e[k];
		char hex[33], t[40], d[32];

		trace_id_hex(&e->id, hex);
		print_open_object(NULL);
		print_string("trace_id", "%s  ", hex);
		print_u64("start_ns", NULL, e->start_ns);
		print_text("%-24s  ", trace_fmt_time(e->start_ns, t, sizeof(t)));
		print_u64("duration_ns", NULL, e->end_ns - e->start_ns);
		trace_print_col(trace_fmt_ns(e->end_ns - e->start_ns, d, sizeof(d)), -9);
		print_u64("spans", "  %5llu", e->spans);
		print_u64("errors", "  %6llu  ", e->errors);
		print_keep(e->keep);
		print_string("root", "  %s\n", e->root);
		print_u64("daemons", NULL, e->daemons);
		print_close_object();
	}
	print_close_array();
	if (!l.n)
		print_text("no traces held%s\n", np > 1 ? " by these daemons" : "");
	free(l.e);
	return print_end() ? EXIT_FAIL : EXIT_OK;
}

/* ---- latency ---- */

struct opstat {
	char name[128];
	uint8_t source;
	uint64_t v[SOV_A_TRACE_OP_MAX + 1];
	bool has[SOV_A_TRACE_OP_MAX + 1];
};

struct latency {
	struct opstat *o;
	size_t n, cap;
};

static int latency_cb(const struct nlmsghdr *nlh, void *data)
{
	struct latency *l = data;
	const struct nlattr *a, *in;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		struct opstat *o;

		if (mnl_attr_get_type(a) != SOV_A_TRACE_OPSTAT)
			continue;
		if (l->n == l->cap) {
			size_t cap = l->cap ? 2 * l->cap : 32;
			struct opstat *p = realloc(l->o, cap * sizeof(*p));

			if (!p) {
				errno = ENOMEM;
				return MNL_CB_ERROR;
			}
			l->o = p;
			l->cap = cap;
		}
		o = &l->o[l->n++];
		memset(o, 0, sizeof(*o));
		mnl_attr_for_each_nested(in, a) {
			uint16_t t = mnl_attr_get_type(in);

			if (t == SOV_A_TRACE_OP_NAME) {
				if (mnl_attr_validate(in, MNL_TYPE_NUL_STRING) == 0)
					copy_str(in, o->name, sizeof(o->name));
			} else if (t == SOV_A_TRACE_OP_SOURCE) {
				if (mnl_attr_validate(in, MNL_TYPE_U8) == 0)
					o->source = mnl_attr_get_u8(in);
			} else if (t > SOV_A_TRACE_OP_SOURCE && t <= SOV_A_TRACE_OP_MAX &&
				   mnl_attr_validate(in, MNL_TYPE_U64) == 0) {
				/* every other attribute of an op is a u64 */
				o->v[t] = mnl_attr_get_u64(in);
				o->has[t] = true;
			}
		}
	}
	return MNL_CB_OK;
}

static const char *source_name(uint8_t s)
{
	return s == SOV_TRACE_SOURCE_DAEMON ? "daemon" :
	       s == SOV_TRACE_SOURCE_KERNEL ? "kernel" : "?";
}

/* A u64 that only daemon ops have: its JSON value or null, and its text. */
static void print_opt(const struct opstat *o, const char *key, int attr, const char *text,
		      int width)
{
	if (o->has[attr])
		print_u64(key, NULL, o->v[attr]);
	else
		print_null(key, NULL);
	trace_print_col(o->has[attr] ? text : "-", width);
}

int trace_latency(int argc, char **argv)
{
	static const struct {
		const char *key, *title;
		int attr;
	} cols[] = {
		{ "p50_ns", "P50", SOV_A_TRACE_OP_P50_NS },
		{ "p90_ns", "P90", SOV_A_TRACE_OP_P90_NS },
		{ "p99_ns", "P99", SOV_A_TRACE_OP_P99_NS },
		{ "p999_ns", "P99.9", SOV_A_TRACE_OP_P999_NS },
		{ "max_ns", "MAX", SOV_A_TRACE_OP_MAX_NS },
	};
	static const struct {
		const char *key;
		int attr;
	} more[] = {
		{ "min_ns", SOV_A_TRACE_OP_MIN_NS }, { "mean_ns", SOV_A_TRACE_OP_MEAN_NS },
		{ "decisions", SOV_A_TRACE_OP_DECISIONS }, { "sampled", SOV_A_TRACE_OP_SAMPLED },
		{ "errors", SOV_A_TRACE_OP_ERRORS }, { "kept_error", SOV_A_TRACE_OP_KEPT_ERROR },
		{ "kept_slow", SOV_A_TRACE_OP_KEPT_SLOW },
	};
	unsigned char buf[512];
	struct latency l = { 0 };
	struct nlmsghdr *nlh;
	const char *op = NULL;
	unsigned int c;
	int ret, w = 2;
	size_t k;

	argc = trace_take_from(argc, argv, "latency", NULL);
	if (argc < 0)
		return EXIT_USAGE;
	if (argc > 1)
		return usage_error("'trace latency' takes at most one operation, got an extra \"%s\"",
				   argv[1]);
	if (argc == 1) {
		op = argv[0];
		if (!*op || strlen(op) > 255)
			return usage_error("'trace latency': an operation is 1-255 characters");
	}
	nlh = trace_req_hdr(buf, SOV_CMD_TRACE_LATENCY_GET, true);
	if (op)
		mnl_attr_put_strz(nlh, SOV_A_TRACE_OP, op);
	ret = trace_request_one(nlh, "latency", latency_cb, &l);
	if (ret) {
		free(l.o);
		return ret;
	}
	for (k = 0; k < l.n; k++)
		if ((int)strlen(l.o[k].name) > w)
			w = (int)strlen(l.o[k].name);

	print_begin(sovctl.json, sovctl.pretty, stdout);
	if (l.n) {
		print_text("%-*s  %-6s  %8s", w, "OP", "SOURCE", "COUNT");
		for (c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
			print_text("  %8s", cols[c].title);
		print_text("  %-11s  %-9s  %s\n", "P", "TARGET", "OBSERVED");
	}
	print_open_array("ops");
	for (k = 0; k < l.n; k++) {
		const struct opstat *o = &l.o[k];
		char t[40], p[40], r[48];

		print_open_object(NULL);
		print_string("op", NULL, o->name);
		trace_print_col(o->name, w);
		print_string("source", "  %-6s", source_name(o->source));
		print_u64("count", "  %8llu", o->v[SOV_A_TRACE_OP_COUNT]);
		for (c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
			print_u64(cols[c].key, NULL, o->v[cols[c].attr]);
			print_text("  ");
			trace_print_col(trace_fmt_ns(o->v[cols[c].attr], t, sizeof(t)), -8);
		}
		print_text("  ");
		print_opt(o, "prob_ppb", SOV_A_TRACE_OP_PROB_PPB,
			  trace_fmt_fixed(o->v[SOV_A_TRACE_OP_PROB_PPB], 9, p, sizeof(p)), 11);
		print_text("  ");
		if (o->has[SOV_A_TRACE_OP_RATE_MILLI] && o->v[SOV_A_TRACE_OP_RATE_MILLI]) {
			trace_fmt_fixed(o->v[SOV_A_TRACE_OP_RATE_MILLI], 3, r, sizeof(r));
			strcat(r, "/s");
		} else {
			snprintf(r, sizeof(r), "fixed p");
		}
		print_opt(o, "rate_milli", SOV_A_TRACE_OP_RATE_MILLI, r, 9);
		print_text("  ");
		trace_fmt_fixed(o->v[SOV_A_TRACE_OP_OBSERVED_MILLI], 3, r, sizeof(r));
		strcat(r, "/s");
		print_opt(o, "observed_milli", SOV_A_TRACE_OP_OBSERVED_MILLI, r, 0);
		print_text("\n");
		for (c = 0; c < sizeof(more) / sizeof(more[0]); c++)
			print_u64(more[c].key, NULL, o->v[more[c].attr]);
		print_close_object();
	}
	print_close_array();
	if (!l.n && op)
		print_text("no latency recorded for \"%s\"\n", op);
	else if (!l.n)
		print_text("no latency recorded yet\n");
	free(l.o);
	return print_end() ? EXIT_FAIL : EXIT_OK;
}
