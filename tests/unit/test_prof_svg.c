// SPDX-License-Identifier: GPL-2.0
/*
 * lib/prof's flame graphs: folded stacks with known shares in, SVG out.
 * Every frame is there with its width in proportion (read back from the
 * SVG), names are escaped, the document is well-formed XML (python3's
 * minidom), the script is inline, frames under 0.1 px are left out,
 * colours are stable and kernel frames cool; the differential graph
 * keeps B's shape and colours growth red, shrinkage blue.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../lib/prof/prof.h"

#define W_AVAIL	1180.0		/* 1200 wide, 10 px each side */

struct frame {
	char name[256];
	char title[512];
	double x, w;
	unsigned int rgb[3];
};

static struct prof_profile *from_folded(const char *text)
{
	struct prof_profile *p = prof_profile_new();
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	char err[256];

	assert_non_null(p);
	assert_non_null(f);
	if (prof_folded_read(p, SOV_PROF_KIND_CPU, f, err, sizeof(err)))
		fail_msg("folded: %s", err);
	fclose(f);
	return p;
}

static char *svg_of(const struct prof_profile *a, const struct prof_profile *b)
{
	struct prof_svg_opts o = { .title = "Test <graph> & \"more\"",
				   .unit = "samples", .width = 1200 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (a)
		assert_int_equal(prof_svg_diff_write(a, b, SOV_PROF_KIND_CPU, &o, f), 0);
	else
		assert_int_equal(prof_svg_write(b, SOV_PROF_KIND_CPU, &o, f), 0);
	fclose(f);
	return buf;
}

static void unescape(char *dst, size_t n, const char *src, size_t len)
{
	static const struct { const char *e; char c; } ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&quot;", '"' }, { "&apos;", '\'' },
	};
	size_t i = 0, j, k;

	for (j = 0; j < len && i + 1 < n;) {
		for (k = 0; k < 5; k++)
			if (!strncmp(src + j, ents[k].e, strlen(ents[k].e)))
				break;
		if (k < 5) {
			dst[i++] = ents[k].c;
			j += strlen(ents[k].e);
		} else {
			dst[i++] = src[j++];
		}
	}
	dst[i] = '\0';
}

/* Every <g class="f"> of @svg, in document order. */
static size_t frames_of(const char *svg, struct frame *out, size_t max)
{
	const char *g = svg, *t, *e, *cut;
	size_t n = 0;

	while ((g = strstr(g, "<g class=\"f\"><title>")) && n < max) {
		struct frame *f = &out[n++];

		t = g + strlen("<g class=\"f\"><title>");
		e = strstr(t, "</title>");
		assert_non_null(e);
		unescape(f->title, sizeof(f->title), t, (size_t)(e - t));
		cut = strrchr(f->title, '(');
		assert_non_null(cut);
		snprintf(f->name, sizeof(f->name), "%.*s",
			 (int)(cut - f->title - 1), f->title);
		assert_int_equal(sscanf(strstr(e, "<rect x=\""), "<rect x=\"%lf\"", &f->x), 1);
		assert_int_equal(sscanf(strstr(e, "width=\""), "width=\"%lf\"", &f->w), 1);
		assert_int_equal(sscanf(strstr(e, "fill=\"rgb("), "fill=\"rgb(%u,%u,%u)",
					&f->rgb[0], &f->rgb[1], &f->rgb[2]), 3);
		g = e;
	}
	return n;
}

static const struct frame *find(const struct frame *f, size_t n, const char *name,
				unsigned int nth)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(f[i].name, name) && !nth--)
			return &f[i];
	fail_msg("no frame \"%s\" in the SVG", name);
	return NULL;
}

static void assert_share(const struct frame *f, double share)
{
	double want = share * W_AVAIL;

	if (f->w < want - 0.002 || f->w > want + 0.002)
		fail_msg("%s: width %.3f, want %.3f (%.4f of %.0f)", f->name,
			 f->w, want, share, W_AVAIL);
}

static bool python3(void)
{
	return !system("command -v python3 >/dev/null 2>&1");
}

static void assert_well_formed(const char *svg)
{
	char path[] = "/tmp/sov-prof-svg-XXXXXX";
	char cmd[256];
	int fd = mkstemp(path), rc;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, svg, strlen(svg)), (ssize_t)strlen(svg));
	close(fd);
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import sys, xml.dom.minidom; "
		 "d = xml.dom.minidom.parse(sys.argv[1]); "
		 "assert d.documentElement.tagName == \"svg\"' %s", path);
	rc = system(cmd);
	unlink(path);
	if (rc)
		fail_msg("the SVG is not well-formed XML (python3 minidom: %d)", rc);
}

static const char shares[] =
	"app;main;work;hot 600\n"
	"app;main;work;cold 200\n"
	"app;main;idle 100\n"
	"app;main;a<b>&\"q'uote\" 60\n"
	"app;main;schedule_[k] 40\n";

static void test_widths_follow_shares(void **state)
{
	struct prof_profile *p = from_folded(shares);
	char *svg = svg_of(NULL, p);
	struct frame f[32];
	size_t n = frames_of(svg, f, 32);

	(void)state;
	assert_int_equal(n, 9);		/* all, app, main, work, hot, cold, idle, 2 */
	assert_share(find(f, n, "all", 0), 1.0);
	assert_share(find(f, n, "app", 0), 1.0);
	assert_share(find(f, n, "main", 0), 1.0);
	assert_share(find(f, n, "work", 0), 0.8);
	assert_share(find(f, n, "hot", 0), 0.6);
	assert_share(find(f, n, "cold", 0), 0.2);
	assert_share(find(f, n, "idle", 0), 0.1);
	assert_share(find(f, n, "a<b>&\"q'uote\"", 0), 0.06);
	assert_share(find(f, n, "schedule_[k]", 0), 0.04);
	/* callees in name order from their caller's left edge */
	assert_true(find(f, n, "cold", 0)->x < find(f, n, "hot", 0)->x);
	assert_true(find(f, n, "cold", 0)->x == find(f, n, "work", 0)->x);
	/* title: name (N unit, P%) */
	assert_string_equal(find(f, n, "hot", 0)->title, "hot (600 samples, 60.00%)");
	free(svg);
	prof_profile_free(p);
}

static void test_escaped_and_well_formed(void **state)
{
	struct prof_profile *p = from_folded(shares);
	char *svg = svg_of(NULL, p);

	(void)state;
	assert_null(strstr(svg, "a<b>"));
	assert_non_null(strstr(svg, "a&lt;b&gt;&amp;&quot;q&apos;uote&quot;"));
	assert_non_null(strstr(svg, "Test &lt;graph&gt; &amp; &quot;more&quot;"));
	if (python3())
		assert_well_formed(svg);
	else
		fprintf(stderr, "# python3 missing: well-formedness not checked\n");
	free(svg);
	prof_profile_free(p);
}

static void test_script_inline(void **state)
{
	struct prof_profile *p = from_folded(shares);
	char *svg = svg_of(NULL, p);

	(void)state;
	assert_non_null(strstr(svg, "<script type=\"text/ecmascript\"><![CDATA["));
	assert_non_null(strstr(svg, "onload=\"fg_init(evt)\""));
	assert_non_null(strstr(svg, "function fg_search("));	/* search */
	assert_non_null(strstr(svg, "new RegExp("));
	assert_non_null(strstr(svg, "Matched: "));		/* matched % */
	assert_non_null(strstr(svg, "function fg_zoom("));	/* zoom */
	assert_non_null(strstr(svg, "function fg_unzoom("));
	assert_non_null(strstr(svg, "id=\"details\""));		/* hover line */
	assert_non_null(strstr(svg, "id=\"search\""));
	assert_non_null(strstr(svg, "id=\"unzoom\""));
	/* self-contained: nothing loaded from elsewhere */
	assert_null(strstr(svg, "src="));
	assert_null(strstr(svg, "href="));
	free(svg);
	prof_profile_free(p);
}

static void test_colours(void **state)
{
	struct prof_profile *p = from_folded(shares);
	struct prof_profile *q = from_folded("other;hot 5\nother;x;y 7\n");
	char *svg = svg_of(NULL, p), *svg2 = svg_of(NULL, q);
	struct frame f[32], g[32];
	size_t n = frames_of(svg, f, 32), m = frames_of(svg2, g, 32);
	const struct frame *k = find(f, n, "schedule_[k]", 0);
	const struct frame *u = find(f, n, "hot", 0);
	size_t i;

	(void)state;
	/* warm: red dominant, little blue; kernel: blue-green */
	for (i = 0; i < n; i++) {
		if (!strcmp(f[i].name, "all") || strstr(f[i].name, "_[k]"))
			continue;
		assert_true(f[i].rgb[0] >= 200 && f[i].rgb[2] <= 60);
	}
	assert_true(k->rgb[2] > k->rgb[0] && k->rgb[1] > k->rgb[0]);
	/* the same name, the same colour, whatever else is in the graph */
	assert_memory_equal(u->rgb, find(g, m, "hot", 0)->rgb, sizeof(u->rgb));
	free(svg);
	free(svg2);
	prof_profile_free(p);
	prof_profile_free(q);
}

static void test_narrow_frames_left_out(void **state)
{
	struct prof_profile *p = from_folded("app;big 999999\napp;tiny 1\n"
					     "app;long_function_name_that_cannot_fit 2000\n");
	char *svg = svg_of(NULL, p);
	const char *t;
	struct frame f[32];
	size_t n = frames_of(svg, f, 32);

	(void)state;
	/* 1/1,001,999 of 1180 px: 0.001 px, under 0.1 */
	assert_int_equal(n, 4);
	assert_null(strstr(svg, "tiny"));
	/* 2.4 px: too narrow for any text, the title keeps the name */
	t = strstr(svg, "<title>long_function_name_that_cannot_fit (");
	assert_non_null(t);
	t = strstr(t, "<text x=\"");
	assert_non_null(t);
	assert_int_equal(strcspn(t, ">") + 1, strstr(t, "</text>") - t);
	free(svg);
	prof_profile_free(p);
}

static void test_label_cut_to_fit(void **state)
{
	struct prof_profile *p = from_folded("app;a_rather_long_function_name 100\n"
					     "app;other 900\n");
	char *svg = svg_of(NULL, p);

	(void)state;
	/* 118 px hold 15 characters: 13 and ".." */
	assert_non_null(strstr(svg, ">a_rather_long..</text>"));
	free(svg);
	prof_profile_free(p);
}

static void test_empty_profile(void **state)
{
	struct prof_profile *p = prof_profile_new();
	char *svg = svg_of(NULL, p);

	(void)state;
	assert_non_null(strstr(svg, "no cpu stacks"));
	assert_non_null(strstr(svg, "</svg>"));
	if (python3())
		assert_well_formed(svg);
	free(svg);
	prof_profile_free(p);
}

static void test_diff_colours(void **state)
{
	struct prof_profile *a = from_folded("app;hot 400\napp;cold 400\napp;same 200\n");
	struct prof_profile *b = from_folded("app;hot 700\napp;cold 100\napp;same 200\n"
					     "app;fresh 0\n");
	char *svg = svg_of(a, b);
	struct frame f[32];
	size_t n = frames_of(svg, f, 32);
	const struct frame *hot = find(f, n, "hot", 0), *cold = find(f, n, "cold", 0);
	const struct frame *same = find(f, n, "same", 0);

	(void)state;
	/* B's shape */
	assert_share(hot, 0.7);
	assert_share(cold, 0.1);
	assert_share(same, 0.2);
	/* +30 points is the largest move: full red; -30 full blue */
	assert_int_equal(hot->rgb[0], 255);
	assert_int_equal(hot->rgb[1], 0);
	assert_int_equal(hot->rgb[2], 0);
	assert_int_equal(cold->rgb[0], 0);
	assert_int_equal(cold->rgb[1], 0);
	assert_int_equal(cold->rgb[2], 255);
	assert_int_equal(same->rgb[0], 255);
	assert_int_equal(same->rgb[1], 255);
	assert_int_equal(same->rgb[2], 255);
	/* both shares in the title */
	assert_non_null(strstr(hot->title, "self A 40.00% -> B 70.00%, +30.00%"));
	assert_non_null(strstr(cold->title, "self A 40.00% -> B 10.00%, -30.00%"));
	if (python3())
		assert_well_formed(svg);
	free(svg);
	prof_profile_free(a);
	prof_profile_free(b);
}

static void test_diff_half_growth(void **state)
{
	struct prof_profile *a = from_folded("app;x 500\napp;y 300\napp;z 200\n");
	struct prof_profile *b = from_folded("app;x 300\napp;y 400\napp;z 300\n");
	char *svg = svg_of(a, b);
	struct frame f[32];
	size_t n = frames_of(svg, f, 32);
	const struct frame *x = find(f, n, "x", 0), *y = find(f, n, "y", 0);

	(void)state;
	/* x: -20 points, the largest: full blue; y: +10, half red */
	assert_int_equal(x->rgb[0], 0);
	assert_int_equal(x->rgb[2], 255);
	assert_int_equal(y->rgb[0], 255);
	assert_in_range(y->rgb[1], 127, 128);
	assert_in_range(y->rgb[2], 127, 128);
	free(svg);
	prof_profile_free(a);
	prof_profile_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_widths_follow_shares),
		cmocka_unit_test(test_escaped_and_well_formed),
		cmocka_unit_test(test_script_inline),
		cmocka_unit_test(test_colours),
		cmocka_unit_test(test_narrow_frames_left_out),
		cmocka_unit_test(test_label_cut_to_fit),
		cmocka_unit_test(test_empty_profile),
		cmocka_unit_test(test_diff_colours),
		cmocka_unit_test(test_diff_half_growth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
