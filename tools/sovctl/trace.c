// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl trace: sovereignd's tracing engine over its control socket
 * (SOV_CMD_TRACE_*, uapi/linux/sovereign_trace.h). Here: status, sample,
 * export, help and the dispatch; list and latency in trace_table.c, show
 * in trace_show.c, the words in trace_args.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../../lib/trace/export.h"
#include "print.h"
#include "trace.h"

#define U64(tb, a) ((tb)[a] ? mnl_attr_get_u64((tb)[a]) : 0)

static int no_args(int argc, char **argv, const char *verb)
{
	argc = trace_take_from(argc, argv, verb, NULL);
	if (argc < 0)
		return EXIT_USAGE;
	if (argc > 0)
		return usage_error("'trace %s' takes no arguments, got \"%s\"", verb, argv[0]);
	return EXIT_OK;
}

/* ---- status ---- */

struct counter {
	char group[64], name[128];
	uint64_t value;
};

struct status {
	uint64_t node;
	struct counter *c;
	size_t n, cap;
};

static int status_cb(const struct nlmsghdr *nlh, void *data)
{
	static const enum mnl_attr_data_type types[SOV_A_TRACE_COUNTER_MAX + 1] = {
		[SOV_A_TRACE_COUNTER_NAME] = MNL_TYPE_NUL_STRING,
		[SOV_A_TRACE_COUNTER_VALUE] = MNL_TYPE_U64,
	};
	struct status *st = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		const struct nlattr *tb[SOV_A_TRACE_COUNTER_MAX + 1] = { NULL };
		const struct nlattr *in;
		struct counter *c;
		const char *name, *dot;

		if (mnl_attr_get_type(a) == SOV_A_TRACE_NODE &&
		    mnl_attr_validate(a, MNL_TYPE_U64) == 0)
			st->node = mnl_attr_get_u64(a);
		if (mnl_attr_get_type(a) != SOV_A_TRACE_COUNTER)
			continue;
		mnl_attr_for_each_nested(in, a) {
			uint16_t t = mnl_attr_get_type(in);

			if (t && t <= SOV_A_TRACE_COUNTER_MAX && mnl_attr_validate(in, types[t]) == 0)
				tb[t] = in;
		}
		if (!tb[SOV_A_TRACE_COUNTER_NAME])
			continue;
		if (st->n == st->cap) {
			size_t cap = st->cap ? 2 * st->cap : 32;
			struct counter *p = realloc(st->c, cap * sizeof(*p));

			if (!p) {
				errno = ENOMEM;
				return MNL_CB_ERROR;
			}
			st->c = p;
			st->cap = cap;
		}
		c = &st->c[st->n++];
		name = mnl_attr_get_str(tb[SOV_A_TRACE_COUNTER_NAME]);
		dot = strchr(name, '.');
		/* "store.evicted": group "store", counter "evicted" */
		if (dot && dot != name && dot[1]) {
			snprintf(c->group, sizeof(c->group), "%.*s", (int)(dot - name), name);
			snprintf(c->name, sizeof(c->name), "%s", dot + 1);
		} else {
			snprintf(c->group, sizeof(c->group), "other");
			snprintf(c->name, sizeof(c->name), "%s", name);
		}
		c->value = U64(tb, SOV_A_TRACE_COUNTER_VALUE);
	}
	return MNL_CB_OK;
}

static int trace_status(int argc, char **argv)
{
	unsigned char buf[64];
	struct status st = { 0 };
	size_t i, j, k;
	int ret, w = 0;

	ret = no_args(argc, argv, "status");
	if (ret)
		return ret;
	ret = trace_request_one(trace_req_hdr(buf, SOV_CMD_TRACE_STATUS_GET, false), "status",
				status_cb, &st);
	if (ret) {
		free(st.c);
		return ret;
	}
	for (i = 0; i < st.n; i++)
		if ((int)strlen(st.c[i].group) > w)
			w = (int)strlen(st.c[i].group);
	print_begin(sovctl.json, sovctl.pretty, stdout);
	print_u64("node", "tracing on node %llu\n", st.node);
	print_open_object("counters");
	/* each group once, where it first appears, with all its counters */
	for (i = 0; i < st.n; i++) {
		for (j = 0; j < i; j++)
			if (!strcmp(st.c[j].group, st.c[i].group))
				break;
		if (j < i)
			continue;
		print_open_object(st.c[i].group);
		print_text("  ");
		trace_print_col(st.c[i].group, w);
		for (k = i; k < st.n; k++) {
			if (strcmp(st.c[k].group, st.c[i].group))
				continue;
			print_text(k == i ? "  " : ", ");
			print_text("%s ", st.c[k].name);
			print_u64(st.c[k].name, "%llu", st.c[k].value);
		}
		print_text("\n");
		print_close_object();
	}
	print_close_object();
	if (!st.n)
		print_text("  no counters\n");
	free(st.c);
	return print_end() ? EXIT_FAIL : EXIT_OK;
}

/* ---- sample ---- */

static int trace_sample(int argc, char **argv)
{
	unsigned char buf[512];
	struct trace_rate r;
	struct nlmsghdr *nlh;
	const char *op = NULL;
	char v[48];
	int ret;

	argc = trace_take_from(argc, argv, "sample", NULL);
	if (argc < 0)
		return EXIT_USAGE;
	if (argc == 0)
		return usage_error("'trace sample' needs a rate: [OP] RATE, RATE a probability (0.01, 1%%) or a target like 10/s");
	if (argc > 2)
		return usage_error("'trace sample' takes [OP] RATE, got an extra \"%s\"", argv[2]);
	if (argc == 2) {
		op = argv[0];
		if (!*op || strlen(op) > 255)
			return usage_error("'trace sample': an operation is 1-255 characters");
	}
	if (trace_parse_rate(argv[argc - 1], &r))
		return EXIT_USAGE;

	nlh = trace_req_hdr(buf, SOV_CMD_TRACE_SAMPLE_SET, false);
	if (op)
		mnl_attr_put_strz(nlh, SOV_A_TRACE_OP, op);
	if (r.adaptive)
		mnl_attr_put_u64(nlh, SOV_A_TRACE_RATE_MILLI, r.rate_milli);
	else
		mnl_attr_put_u64(nlh, SOV_A_TRACE_PROB_PPB, r.prob_ppb);
	ret = trace_request_one(nlh, "sample", NULL, NULL);
	if (ret)
		return ret;

	print_begin(sovctl.json, sovctl.pretty, stdout);
	if (op)
		print_string("op", "sampling of %s: ", op);
	else
		print_null("op", "sampling of every operation without a setting of its own: ");
	print_string("mode", "%s", r.adaptive ? "adaptive" : "fixed");
	if (r.adaptive) {
		print_null("prob_ppb", NULL);
		print_u64("rate_milli", NULL, r.rate_milli);
		print_text(", target %s sampled spans/s\n",
			   trace_fmt_fixed(r.rate_milli, 3, v, sizeof(v)));
	} else {
		print_u64("prob_ppb", NULL, r.prob_ppb);
		print_null("rate_milli", NULL);
		print_text(" probability %s\n", trace_fmt_fixed(r.prob_ppb, 9, v, sizeof(v)));
	}
	return print_end() ? EXIT_FAIL : EXIT_OK;
}

/* ---- export ---- */

static int exported_cb(const struct nlmsghdr *nlh, void *data)
{
	static const enum mnl_attr_data_type types[SOV_A_TRACE_MAX + 1] = {
		[SOV_A_TRACE_EXPORTED] = MNL_TYPE_U64,
	};
	const struct nlattr *tb[SOV_A_TRACE_MAX + 1];
	uint64_t *n = data;

	sov_nl_parse_known(nlh, tb, SOV_A_TRACE_MAX, types);
	*n = U64(tb, SOV_A_TRACE_EXPORTED);
	return MNL_CB_OK;
}

/*
 * The URL as sent: port and path filled in, the scheme in lowercase. A URL
 * without a port means OTLP/HTTP's 4318 (uapi: SOV_A_TRACE_TARGET), not
 * HTTP's 80, whatever the parser's own default.
 */
static void export_url(const char *s, const struct trace_export_url *u, char *out, size_t size)
{
	const char *auth = s + strlen("http://"), *end = auth + strcspn(auth, "/?#");
	const char *p, *from = auth;
	bool v6 = strchr(u->host, ':'), port;

	for (p = auth; p < end; p++)
		if (*p == ']')
			from = p;	/* an IPv6 address's colons are not the port's */
	port = memchr(from, ':', (size_t)(end - from));
	snprintf(out, size, "http://%s%s%s:%u%s", v6 ? "[" : "", u->host, v6 ? "]" : "",
		 port ? u->port : 4318, u->path);
}

#define EXPORT_EXPECTED "a file (JSON lines, appended) or http://HOST[:PORT][/PATH] (OTLP/HTTP JSON; port 4318, path /v1/traces by default)"

static int trace_export(int argc, char **argv)
{
	static unsigned char buf[8192];
	char target[4096], why[TRACE_EXPORT_ERR_MAX];
	struct trace_export_url url;
	struct nlmsghdr *nlh;
	uint64_t n = 0;
	int ret;

	argc = trace_take_from(argc, argv, "export", NULL);
	if (argc < 0)
		return EXIT_USAGE;
	if (argc == 0)
		return usage_error("'trace export' needs a target: " EXPORT_EXPECTED);
	if (argc > 1)
		return usage_error("'trace export' takes one target, got an extra \"%s\"", argv[1]);
	if (!*argv[0])
		return usage_error("'trace export': the target is empty: expected " EXPORT_EXPECTED);
	if (strstr(argv[0], "://") || !strncasecmp(argv[0], "http:", 5)) {
		/* the parser the daemon's exporter uses: its refusals, before sending */
		if (trace_export_url_parse(argv[0], &url, why, sizeof(why)))
			return usage_error("trace export: %s", why);
		export_url(argv[0], &url, target, sizeof(target));
	} else if (argv[0][0] == '/') {
		if (strlen(argv[0]) >= sizeof(target))
			return usage_error("trace export: the path is longer than %zu characters",
					   sizeof(target) - 1);
		snprintf(target, sizeof(target), "%s", argv[0]);
	} else {
		char cwd[4096];
		size_t cl;

		/* sovereignd has its own working directory: send an absolute path */
		if (!getcwd(cwd, sizeof(cwd)))
			return op_error("trace export: cannot name the current directory: %s",
					strerror(errno));
		cl = strcmp(cwd, "/") ? strlen(cwd) : 0;
		if (cl + 1 + strlen(argv[0]) >= sizeof(target))
			return usage_error("trace export: the path is longer than %zu characters",
					   sizeof(target) - 1);
		memcpy(target, cwd, cl);
		target[cl] = '/';
		strcpy(target + cl + 1, argv[0]);
	}

	nlh = trace_req_hdr(buf, SOV_CMD_TRACE_EXPORT, false);
	mnl_attr_put_strz(nlh, SOV_A_TRACE_TARGET, target);
	ret = trace_request_one(nlh, "export", exported_cb, &n);
	if (ret)
		return ret;
	print_begin(sovctl.json, sovctl.pretty, stdout);
	print_u64("exported", "exported %llu", n);
	print_string("target", n == 1 ? " trace to %s\n" : " traces to %s\n", target);
	return print_end() ? EXIT_FAIL : EXIT_OK;
}

/* ---- help and dispatch ---- */

static int trace_help(FILE *f)
{
	fputs("Usage: sovctl trace status\n"
	      "       sovctl trace list [ --from SOCKET ]...\n"
	      "       sovctl trace show TRACE_ID [ --from SOCKET ]...\n"
	      "       sovctl trace latency [ OP ]\n"
	      "       sovctl trace sample [ OP ] RATE\n"
	      "       sovctl trace export { FILE | URL }\n"
	      "       sovctl trace help\n"
	      "where  TRACE_ID := 32 lowercase hex digits (as \"list\" prints them)\n"
	      "       OP       := an operation, as \"latency\" names it (ctl.kv-put)\n"
	      "       RATE     := { N/s | P | P% }: an adaptive target of N sampled spans per\n"
	      "                   second per operation (10/s, 0.5/s), or a fixed probability\n"
	      "                   (0.01, 1%)\n"
	      "       URL      := http://HOST[:PORT][/PATH] (port 4318, path /v1/traces by default)\n"
	      "\n"
	      "  status   the tracing engine's counters, by part (recorder, sampler, store, ...)\n"
	      "  list     the traces held, oldest first: id, start, duration, spans, errors,\n"
	      "           why kept (sampled, error, slow), root span\n"
	      "  show     one trace as a span tree: name, node, duration, offset from the\n"
	      "           trace's start, status, attributes; a span whose caller is elsewhere\n"
	      "           is a root marked \"remote parent\"\n"
	      "  latency  per operation: count, p50, p90, p99, p99.9, max, the head sampling\n"
	      "           probability and the target and observed sampled rates\n"
	      "  sample   set the head sampling of OP, or without OP the default of every\n"
	      "           operation that has no setting of its own\n"
	      "  export   write the kept traces to FILE (JSON lines, appended; a relative path\n"
	      "           is made absolute here) or post them to an OTLP/HTTP collector\n"
	      "\n"
	      "--from SOCKET (repeatable) asks these daemons instead of -s's one and merges\n"
	      "their parts of each trace. -j prints JSON.\n", f);
	return f == stdout ? EXIT_OK : EXIT_USAGE;
}

int do_trace(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} verbs[] = {
		{ "status", trace_status }, { "list", trace_list }, { "show", trace_show },
		{ "latency", trace_latency }, { "sample", trace_sample },
		{ "export", trace_export }, { "help", NULL },
	};
	unsigned int i, n = sizeof(verbs) / sizeof(verbs[0]), found = n, hits = 0;
	const char *alt[8];

	argc = take_output_options(argc, argv);	/* "list -j" */
	if (argc == 0)
		return trace_help(stderr);
	for (i = 0; i < n; i++) {
		if (!strcmp(argv[0], verbs[i].name)) {
			found = i;
			hits = 1;
			break;
		}
		if (matches(argv[0], verbs[i].name)) {
			found = i;
			alt[hits++] = verbs[i].name;
		}
	}
	/* "s": status, show or sample; "l": list or latency */
	if (hits == 2)
		return usage_error("command \"%s\" is ambiguous for 'trace' (%s or %s?), try \"sovctl trace help\"",
				   argv[0], alt[0], alt[1]);
	if (hits > 2)
		return usage_error("command \"%s\" is ambiguous for 'trace' (%s, %s or %s?), try \"sovctl trace help\"",
				   argv[0], alt[0], alt[1], alt[2]);
	if (found == n) {
		usage_error("command \"%s\" is unknown for 'trace', try \"sovctl trace help\"",
			    argv[0]);
		return EXIT_USAGE;
	}
	if (!verbs[found].fn) {
		if (argc > 1)
			return usage_error("'trace help' takes no arguments, got \"%s\"", argv[1]);
		return trace_help(stdout);
	}
	return verbs[found].fn(argc - 1, argv + 1);
}
