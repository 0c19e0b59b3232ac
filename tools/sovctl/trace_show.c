// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl trace show: one trace's spans (SOV_CMD_TRACE_GET) from one daemon
 * or from several (--from), merged, as the tree lib/trace's
 * trace_tree_build() orders: children under their parent by start time, a
 * span whose parent is elsewhere (a remote caller) a root of its own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "print.h"
#include "trace.h"

struct span_attr {
	char *key;
	char *str;		/* NULL: the integer i */
	int64_t i;
};

/* What a struct trace_span has no room for: every attribute, not four. */
struct span_more {
	struct span_attr *attrs;
	unsigned int nattrs;
};

struct spans {
	struct trace_id id;
	struct trace_span *sp;	/* names and messages are ours (strdup) */
	struct span_more *more;	/* parallel to sp */
	size_t n, cap;
	size_t seen;		/* spans received, copies included */
};

static void spans_free(struct spans *s)
{
	size_t i;
	unsigned int k;

	for (i = 0; i < s->n; i++) {
		free((char *)s->sp[i].name);
		free((char *)s->sp[i].status_msg);
		for (k = 0; k < s->more[i].nattrs; k++) {
			free(s->more[i].attrs[k].key);
			free(s->more[i].attrs[k].str);
		}
		free(s->more[i].attrs);
	}
	free(s->sp);
	free(s->more);
}

static bool valid(const struct nlattr *a, enum mnl_attr_data_type type)
{
	return mnl_attr_validate(a, type) == 0;
}

static int parse_attr(const struct nlattr *nest, struct span_more *m)
{
	struct span_attr at = { NULL, NULL, 0 }, *p;
	const struct nlattr *a;
	bool is_int = false;

	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case SOV_A_TRACE_ATTR_KEY:
			if (valid(a, MNL_TYPE_NUL_STRING) && !at.key)
				at.key = strdup(mnl_attr_get_str(a));
			break;
		case SOV_A_TRACE_ATTR_INT:
			if (valid(a, MNL_TYPE_U64)) {
				at.i = (int64_t)mnl_attr_get_u64(a);
				is_int = true;
			}
			break;
		case SOV_A_TRACE_ATTR_STR:
			if (valid(a, MNL_TYPE_NUL_STRING) && !at.str)
				at.str = strdup(mnl_attr_get_str(a));
			break;
		}
	}
	if (!at.key || (!at.str && !is_int)) {
		free(at.key);
		free(at.str);
		return 0;	/* malformed: skipped */
	}
	p = realloc(m->attrs, (m->nattrs + 1) * sizeof(*p));
	if (!p) {
		free(at.key);
		free(at.str);
		return -ENOMEM;
	}
	m->attrs = p;
	m->attrs[m->nattrs++] = at;
	return 0;
}

static int add_span(struct spans *s, const struct nlattr *nest)
{
	struct trace_span sp = { .trace_id = s->id };
	struct span_more m = { NULL, 0 };
	const char *name = "", *msg = NULL;
	const struct nlattr *a;
	size_t i;

	s->seen++;
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case SOV_A_TRACE_SPAN_ID:
			if (valid(a, MNL_TYPE_U64))
				sp.span_id = mnl_attr_get_u64(a);
			break;
		case SOV_A_TRACE_SPAN_PARENT:
			if (valid(a, MNL_TYPE_U64))
				sp.parent_id = mnl_attr_get_u64(a);
			break;
		case SOV_A_TRACE_SPAN_NAME:
			if (valid(a, MNL_TYPE_NUL_STRING))
				name = mnl_attr_get_str(a);
			break;
		case SOV_A_TRACE_SPAN_KIND:
			if (valid(a, MNL_TYPE_U8))
				sp.kind = mnl_attr_get_u8(a);
			break;
		case SOV_A_TRACE_SPAN_STATUS:
			if (valid(a, MNL_TYPE_U8))
				sp.status = mnl_attr_get_u8(a);
			break;
		case SOV_A_TRACE_SPAN_STATUS_MSG:
			if (valid(a, MNL_TYPE_NUL_STRING))
				msg = mnl_attr_get_str(a);
			break;
		case SOV_A_TRACE_SPAN_START_NS:
			if (valid(a, MNL_TYPE_U64))
				sp.start_ns = mnl_attr_get_u64(a);
			break;
		case SOV_A_TRACE_SPAN_END_NS:
			if (valid(a, MNL_TYPE_U64))
				sp.end_ns = mnl_attr_get_u64(a);
			break;
		case SOV_A_TRACE_SPAN_NODE:
			if (valid(a, MNL_TYPE_U64))
				sp.node_id = mnl_attr_get_u64(a);
			break;
		case SOV_A_TRACE_SPAN_FLAGS:
			if (valid(a, MNL_TYPE_U8))
				sp.flags = mnl_attr_get_u8(a);
			break;
		case SOV_A_TRACE_SPAN_ATTR:
			if (parse_attr(a, &m))
				goto nomem;
			break;
		}
	}
	/* no id: nothing could point at it; an id seen already: another daemon's copy */
	for (i = 0; i < s->n && sp.span_id; i++)
		if (s->sp[i].span_id == sp.span_id)
			break;
	if (!sp.span_id || i < s->n) {
		for (i = 0; i < m.nattrs; i++) {
			free(m.attrs[i].key);
			free(m.attrs[i].str);
		}
		free(m.attrs);
		return 0;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct trace_span *p = realloc(s->sp, cap * sizeof(*p));
		struct span_more *q;

		if (!p)
			goto nomem;
		s->sp = p;
		q = realloc(s->more, cap * sizeof(*q));
		if (!q)
			goto nomem;
		s->more = q;
		s->cap = cap;
	}
	sp.name = strdup(name);
	sp.status_msg = msg ? strdup(msg) : NULL;
	if (!sp.name || (msg && !sp.status_msg)) {
		free((char *)sp.name);
		free((char *)sp.status_msg);
		goto nomem;
	}
	s->sp[s->n] = sp;
	s->more[s->n++] = m;
	return 0;
nomem:
	for (i = 0; i < m.nattrs; i++) {
		free(m.attrs[i].key);
		free(m.attrs[i].str);
	}
	free(m.attrs);
	return -ENOMEM;
}

static int span_cb(const struct nlmsghdr *nlh, void *data)
{
	struct spans *s = data;
	const struct nlattr *a;
	bool ours = true;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		uint16_t t = mnl_attr_get_type(a);

		if (t == SOV_A_TRACE_ID) {
			struct trace_id id;

			/* a message of another trace would be the daemon's bug: skipped */
			if (mnl_attr_get_payload_len(a) != 16) {
				ours = false;
				continue;
			}
			trace_id_from_bytes(mnl_attr_get_payload(a), &id);
			ours = trace_id_eq(&id, &s->id);
		} else if (t == SOV_A_TRACE_SPAN && ours) {
			if (add_span(s, a)) {
				errno = ENOMEM;
				return MNL_CB_ERROR;
			}
		}
	}
	return MNL_CB_OK;
}

/* ---- output ---- */

static void print_attrs(const struct span_more *m)
{
	unsigned int k;

	print_open_object("attrs");
	for (k = 0; k < m->nattrs; k++) {
		const struct span_attr *at = &m->attrs[k];

		print_text("  %s=", at->key);
		if (!at->str)
			print_s64(at->key, "%lld", at->i);
		else if (!*at->str || strpbrk(at->str, " \t\"="))
			print_string(at->key, "\"%s\"", at->str);
		else
			print_string(at->key, "%s", at->str);
	}
	print_close_object();
}

static void print_span(const struct spans *s, const struct trace_tree_node *node,
		       uint64_t t0, int name_w, int node_w)
{
	const struct trace_span *sp = node->span;
	const struct span_more *m = &s->more[sp - s->sp];
	char hex[17], d[32], off[40], col[256], nd[24];
	uint64_t offset = sp->start_ns > t0 ? sp->start_ns - t0 : 0;

	print_open_object(NULL);
	trace_span_id_hex(sp->span_id, hex);
	print_string("span_id", NULL, hex);
	if (sp->parent_id) {
		trace_span_id_hex(sp->parent_id, hex);
		print_string("parent_id", NULL, hex);
	} else {
		print_null("parent_id", NULL);
	}
	print_string("name", NULL, sp->name);
	snprintf(col, sizeof(col), "%*s%s", (int)(2 * node->depth), "", sp->name);
	trace_print_col(col, name_w);
	print_u64("node", NULL, sp->node_id);
	snprintf(nd, sizeof(nd), "%llu", (unsigned long long)sp->node_id);
	print_text("  ");
	trace_print_col(nd, node_w);
	print_u64("duration_ns", NULL, trace_span_duration(sp));
	print_text("  ");
	trace_print_col(trace_fmt_ns(trace_span_duration(sp), d, sizeof(d)), -8);
	print_u64("offset_ns", NULL, offset);
	snprintf(off, sizeof(off), "+%s", trace_fmt_ns(offset, d, sizeof(d)));
	print_text("  ");
	trace_print_col(off, -9);
	print_u64("start_ns", NULL, sp->start_ns);
	print_u64("end_ns", NULL, sp->end_ns);
	print_u64("kind", NULL, sp->kind);
	print_u64("status", NULL, sp->status);
	if (sp->status_msg)
		print_string("status_msg", NULL, sp->status_msg);
	else
		print_null("status_msg", NULL);
	print_text("  ");
	if (sp->status == TRACE_STATUS_ERROR) {
		print_text("ERROR");
		if (sp->status_msg && *sp->status_msg)
			print_text(": %s", sp->status_msg);
	} else {
		print_text("%s", sp->status == TRACE_STATUS_OK ? "ok" : "-");
	}
	print_u64("flags", NULL, sp->flags);
	print_u64("depth", NULL, node->depth);
	print_attrs(m);
	print_bool("orphan", NULL, node->orphan);
	if (node->orphan) {
		size_t i;

		/* the tree also breaks a cycle of parents this way: say which it is */
		for (i = 0; i < s->n && s->sp[i].span_id != sp->parent_id; i++)
			;
		trace_span_id_hex(sp->parent_id, hex);
		print_text(i < s->n ? "  (parent %s: a cycle)" : "  (remote parent %s)", hex);
	}
	print_text("\n");
	print_close_object();
}

static int print_trace(const struct spans *s, const char **held, unsigned int nheld)
{
	struct trace_tree_node *tree = calloc(s->n, sizeof(*tree));
	uint64_t t0 = UINT64_MAX, t1 = 0, nodes = 0, errors = 0;
	int name_w = 4, node_w = 4, w;
	char hex[33], d[32];
	size_t i, j;

	if (!tree || trace_tree_build(s->sp, s->n, tree)) {
		free(tree);
		return op_error("out of memory");
	}
	for (i = 0; i < s->n; i++) {
		const struct trace_span *sp = &s->sp[i];

		t0 = sp->start_ns < t0 ? sp->start_ns : t0;
		t1 = sp->end_ns > t1 ? sp->end_ns : t1;
		errors += sp->status == TRACE_STATUS_ERROR;
		for (j = 0; j < i; j++)
			if (s->sp[j].node_id == sp->node_id)
				break;
		nodes += j == i;
		w = snprintf(NULL, 0, "%llu", (unsigned long long)sp->node_id);
		node_w = w > node_w ? w : node_w;
	}
	for (i = 0; i < s->n; i++) {
		w = (int)(2 * tree[i].depth + strlen(tree[i].span->name));
		name_w = w > name_w ? w : name_w;
	}
	name_w = name_w > 200 ? 200 : name_w;

	trace_id_hex(&s->id, hex);
	print_begin(sovctl.json, sovctl.pretty, stdout);
	print_string("trace_id", "trace %s: ", hex);
	print_u64("span_count", s->n == 1 ? "%llu span" : "%llu spans", s->n);
	print_u64("nodes", nodes == 1 ? " on %llu node" : " on %llu nodes", nodes);
	print_u64("start_ns", NULL, t0);
	print_u64("duration_ns", NULL, t1 > t0 ? t1 - t0 : 0);
	print_text(", %s", trace_fmt_ns(t1 > t0 ? t1 - t0 : 0, d, sizeof(d)));
	print_u64("errors", errors == 1 ? ", %llu error" : ", %llu errors", errors);
	if (nheld > 1)
		print_text(" (from %u daemons)", nheld);
	print_text("\n");
	print_open_array("from");
	for (i = 0; i < nheld; i++)
		print_string(NULL, NULL, held[i]);
	print_close_array();

	print_text("%-*s  %-*s  %8s  %9s  %s\n", name_w, "SPAN", node_w, "NODE", "DURATION",
		   "OFFSET", "STATUS");
	print_open_array("spans");
	for (i = 0; i < s->n; i++)
		print_span(s, &tree[i], t0, name_w, node_w);
	print_close_array();
	free(tree);
	return print_end() ? EXIT_FAIL : EXIT_OK;
}

int trace_show(int argc, char **argv)
{
	struct trace_from from = { .n = 0 };
	const char *paths[TRACE_MAX_FROM], *held[TRACE_MAX_FROM];
	struct spans s = { .n = 0 };
	unsigned char buf[128];
	unsigned int i, np, nheld = 0;
	struct nlmsghdr *nlh;
	uint8_t bin[16];
	char hex[33];
	int ret = EXIT_OK;

	argc = trace_take_from(argc, argv, "show", &from);
	if (argc < 0)
		return EXIT_USAGE;
	if (argc == 0)
		return usage_error("'trace show' needs a trace id (32 hex digits, as \"sovctl trace list\" prints them)");
	if (argc > 1)
		return usage_error("'trace show' takes one trace id, got an extra \"%s\"", argv[1]);
	if (trace_parse_id("trace show", argv[0], &s.id))
		return EXIT_USAGE;
	trace_id_to_bytes(&s.id, bin);
	trace_id_hex(&s.id, hex);

	np = trace_sources(&from, paths);
	for (i = 0; i < np && ret == EXIT_OK; i++) {
		struct sov_nl_err err;
		size_t before = s.seen;
		char what[256];
		int r;

		nlh = trace_req_hdr(buf, SOV_CMD_TRACE_GET, true);
		mnl_attr_put(nlh, SOV_A_TRACE_ID, sizeof(bin), bin);
		r = trace_request(paths[i], nlh, span_cb, &s, &err);
		if (r == 1) {
			ret = EXIT_FAIL;
		} else if (r == -ENOENT && np > 1) {
			continue;	/* this daemon has no part of it */
		} else if (r) {
			snprintf(what, sizeof(what), np > 1 ? "trace show at %s" : "trace show",
				 paths[i]);
			ret = report_nl_error(what, &err, NULL, 0);
		} else if (s.seen > before) {
			held[nheld++] = paths[i];
		}
	}
	if (ret == EXIT_OK && !s.n)
		ret = op_error("trace %s: no daemon holds it", hex);
	else if (ret == EXIT_OK)
		ret = print_trace(&s, held, nheld);
	spans_free(&s);
	return ret;
}
