// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl profile compare: two saved profiles side by side, per function
 * its share of each and the change; or a differential flame graph.
 */
#include <stdio.h>
#include <string.h>

#include "print.h"
#include "profile.h"
#include "sovctl.h"

#define TOP_DEFAULT	20

static uint64_t total_of(const struct prof_profile *p, uint32_t kind)
{
	uint64_t t = 0;
	size_t i;

	for (i = 0; i < p->nstacks; i++)
		if (p->stacks[i].kind == kind)
			t += p->stacks[i].weight;
	return t;
}

static int compare_print(const struct prof_profile *a, const struct prof_profile *b,
			 const char *pa, const char *pb, uint32_t kind, uint32_t top)
{
	struct prof_delta *d = NULL;
	char ta[32], tb[32];
	ssize_t n;
	size_t i;

	n = prof_compare(a, b, kind, &d);
	if (n < 0)
		return op_error("profile compare: %s", strerror((int)-n));
	print_begin(sovctl.json, sovctl.pretty, stdout);
	print_string("kind", "%s:", prof_kind_name(kind));
	print_string("a", " %s", pa);
	print_u64("total_a", NULL, total_of(a, kind));
	print_text(" (%s %s) ->", profile_fmt_weight(kind, total_of(a, kind), ta, sizeof(ta)),
		   profile_unit(kind));
	print_string("b", " %s", pb);
	print_u64("total_b", NULL, total_of(b, kind));
	print_text(" (%s %s)\n", profile_fmt_weight(kind, total_of(b, kind), tb, sizeof(tb)),
		   profile_unit(kind));
	if (n)
		print_text("  %8s  %8s  %8s  %9s  %9s  %s\n", "SELF A%", "SELF B%", "DELTA",
			   "TOTAL A%", "TOTAL B%", "FUNCTION");
	print_open_array("functions");
	for (i = 0; i < (size_t)n && i < top; i++) {
		print_open_object(NULL);
		print_s64("self_a_x100", NULL, profile_pct_x100(d[i].self_a));
		print_s64("self_b_x100", NULL, profile_pct_x100(d[i].self_b));
		print_s64("delta_x100", NULL, profile_pct_x100(d[i].self_b - d[i].self_a));
		print_s64("total_a_x100", NULL, profile_pct_x100(d[i].total_a));
		print_s64("total_b_x100", NULL, profile_pct_x100(d[i].total_b));
		print_text("  %8.2f  %8.2f  %+8.2f  %9.2f  %9.2f", d[i].self_a, d[i].self_b,
			   d[i].self_b - d[i].self_a, d[i].total_a, d[i].total_b);
		print_string("function", "  %s\n", d[i].name);
		print_close_object();
	}
	print_close_array();
	if ((size_t)n > top)
		print_text("  ... %zu more functions (--top N)\n", (size_t)n - top);
	print_end();
	prof_delta_free(d, (size_t)n);
	return EXIT_OK;
}

int profile_compare(int argc, char **argv)
{
	static const char *const words[] = { "kind", "--top", "--svg", NULL };
	struct prof_profile *p[2] = { NULL, NULL };
	const char *svg = NULL;
	uint32_t top = TOP_DEFAULT;
	int i, w, kind = -1, ret = EXIT_OK;
	char why[512];

	if (argc < 2)
		return usage_error("'profile compare' needs two saved profiles: compare A B [ kind KIND ] [ --top N | --svg FILE ]");
	for (i = 2; i < argc; i += 2) {
		w = profile_word(argv[i], words);
		if (w < 0)
			return usage_error("unknown option \"%s\" for 'profile compare': expected kind, --top or --svg (see \"sovctl profile help\")",
					   argv[i]);
		if (i + 1 >= argc)
			return usage_error("\"%s\" needs a value, see \"sovctl profile help\"", argv[i]);
		if (w == 0)
			ret = profile_parse_kind(argv[i + 1], &kind);
		else if (w == 1)
			ret = profile_parse_top(argv[i + 1], &top);
		else
			svg = argv[i + 1];
		if (ret)
			return ret;
	}
	for (i = 0; i < 2; i++) {
		p[i] = prof_profile_load(argv[i], why, sizeof(why));
		if (!p[i]) {
			prof_profile_free(p[0]);
			return op_error("profile compare: %s", why);
		}
	}
	kind = profile_one_kind(kind, profile_kinds_of(p[0]) | profile_kinds_of(p[1]), "profile compare");
	if (kind < 0) {
		ret = EXIT_FAIL;
	} else if (svg) {
		ret = profile_write_svg(svg, "profile compare", p[0], p[1], (uint32_t)kind);
		if (!ret) {
			print_begin(sovctl.json, sovctl.pretty, stdout);
			print_string("kind", "%s differential flame graph", prof_kind_name((uint32_t)kind));
			print_string("svg", " written to %s (red: grew from A to B, blue: shrank)\n",
				     svg);
			print_end();
		}
	} else {
		ret = compare_print(p[0], p[1], argv[0], argv[1], (uint32_t)kind, top);
	}
	prof_profile_free(p[0]);
	prof_profile_free(p[1]);
	return ret;
}
