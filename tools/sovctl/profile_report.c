// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl profile report: a profile from the kernel or a file, as hotspot
 * tables, allocation sites, resident sets, locks, folded stacks, a call
 * tree or a flame graph.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memcompress.h"
#include "print.h"
#include "profile.h"
#include "sovctl.h"

#define TOP_DEFAULT	20
#define TREE_MIN_DEFAULT 1.0

enum out_mode { OUT_TOP, OUT_FOLDED, OUT_SVG, OUT_TREE };

struct report_opts {
	const char *from, *save, *svg;
	int kind;			/* -1: every kind (top), the first present (others) */
	uint32_t top, leak_age_ms;
	enum out_mode mode;
	double tree_min;
};

/* a percentage in hundredths, rounded */
int64_t profile_pct_x100(double v)
{
	return (int64_t)(v * 100 + (v < 0 ? -0.5 : 0.5));
}

static double pct(uint64_t v, uint64_t total)
{
	return total ? (double)v * 100.0 / (double)total : 0;
}

/* The kinds a profile has data of: its settings, and any stack it holds. */
uint32_t profile_kinds_of(const struct prof_profile *p)
{
	uint32_t k = p->meta.kinds;
	size_t i;

	for (i = 0; i < p->nstacks; i++)
		if (p->stacks[i].kind < __SOV_PROF_KIND_CNT)
			k |= 1U << p->stacks[i].kind;
	if (p->nsites || p->nrss)
		k |= 1U << SOV_PROF_KIND_MEM;
	if (p->nlocks)
		k |= 1U << SOV_PROF_KIND_LOCK;
	return k;
}

static size_t stacks_of(const struct prof_profile *p, uint32_t kind)
{
	size_t i, n = 0;

	for (i = 0; i < p->nstacks; i++)
		n += p->stacks[i].kind == kind;
	return n;
}

/* @want (-1: the first kind @have has, cpu first), or -1 with an error printed. */
int profile_one_kind(int want, uint32_t have, const char *what)
{
	char b[64];
	int k;

	if (want >= 0) {
		if (have & (1U << want))
			return want;
		op_error("%s: the profile has no %s data (it has %s)", what,
			 prof_kind_name((uint32_t)want), profile_fmt_kinds(have, b, sizeof(b)));
		return -1;
	}
	for (k = 0; k < __SOV_PROF_KIND_CNT; k++)
		if (have & (1U << k))
			return k;
	op_error("%s: the profile is empty", what);
	return -1;
}

/* "kind K": one kind. */
int profile_parse_kind(const char *val, int *kind)
{
	uint32_t mask;

	if (profile_parse_kinds(val, &mask) || !mask || (mask & (mask - 1)))
		return usage_error("unknown kind \"%s\": expected cpu, mem or lock", val);
	*kind = __builtin_ctz(mask);
	return EXIT_OK;
}

int profile_parse_top(const char *val, uint32_t *top)
{
	if (parse_u32(val, 10, top) || !*top)
		return usage_error("--top: expected 1-4294967295 lines, got \"%s\"", val);
	return EXIT_OK;
}

/* Addresses as "0x..." strings, as in the file: JSON readers keep 53 bits of a number. */
static void print_addr(uint64_t addr)
{
	char b[24];

	snprintf(b, sizeof(b), "0x%llx", (unsigned long long)addr);
	print_string("addr", NULL, b);
}

/* ---- hotspots ---- */

static int print_hotspots(const struct prof_profile *p, uint32_t kind, uint32_t top)
{
	struct prof_hot *h = NULL;
	uint64_t total = 0;
	char b[32];
	ssize_t n;
	size_t i;

	n = prof_hotspots(p, kind, &h, &total);
	if (n < 0)
		return op_error("profile report: %s", strerror((int)-n));
	print_string("unit", NULL, profile_unit(kind));
	print_u64("total", NULL, total);
	print_u64("stacks", NULL, stacks_of(p, kind));
	if (kind == SOV_PROF_KIND_CPU)
		print_text("cpu: %llu samples in %zu stacks\n", (unsigned long long)total,
			   stacks_of(p, kind));
	else
		print_text("%s: %s %s in %zu stacks\n", prof_kind_name(kind),
			   profile_fmt_weight(kind, total, b, sizeof(b)),
			   kind == SOV_PROF_KIND_MEM ? "allocated" : "waited", stacks_of(p, kind));
	if (n)
		print_text("  %6s  %6s  %10s  %s\n", "SELF%", "TOTAL%", "SELF", "FUNCTION");
	print_open_array("functions");
	for (i = 0; i < (size_t)n && i < top; i++) {
		print_open_object(NULL);
		print_text("  %6.2f  %6.2f", pct(h[i].self, total), pct(h[i].total, total));
		print_u64("self", NULL, h[i].self);
		print_u64("total", NULL, h[i].total);
		print_s64("self_pct_x100", NULL, profile_pct_x100(pct(h[i].self, total)));
		print_s64("total_pct_x100", NULL, profile_pct_x100(pct(h[i].total, total)));
		print_text("  %10s", profile_fmt_weight(kind, h[i].self, b, sizeof(b)));
		print_string("function", "  %s\n", h[i].name);
		print_close_object();
	}
	print_close_array();
	if ((size_t)n > top)
		print_text("  ... %zu more functions (--top N)\n", (size_t)n - top);
	prof_hot_free(h, (size_t)n);
	return EXIT_OK;
}

/* ---- mem: sites and resident sets ---- */

static int by_site_bytes(const void *a, const void *b)
{
	const struct prof_site *x = *(struct prof_site *const *)a;
	const struct prof_site *y = *(struct prof_site *const *)b;

	return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : 0;
}

static void print_sites(const struct prof_profile *p, const struct report_opts *o)
{
	const struct prof_site **s;
	char b[4][32];
	size_t i;

	s = malloc((p->nsites ? p->nsites : 1) * sizeof(*s));
	if (!s)
		return;
	for (i = 0; i < p->nsites; i++)
		s[i] = &p->sites[i];
	qsort(s, p->nsites, sizeof(*s), by_site_bytes);
	if (p->nsites) {
		print_text("  allocation sites, by bytes allocated");
		if (!o->from)
			print_text(" (leak candidates: live for more than %u ms)",
				   o->leak_age_ms ? o->leak_age_ms : SOV_PROF_LEAK_AGE_DEFAULT_MS);
		print_text("\n  %10s  %10s  %10s  %10s  %10s  %10s  %10s  %s\n", "ALLOCS", "FREES",
			   "BYTES", "LIVE", "LIVE BYTES", "LEAKS", "LEAK BYTES", "SITE");
	}
	print_open_array("sites");
	for (i = 0; i < p->nsites && i < o->top; i++) {
		print_open_object(NULL);
		print_u64("allocs", "  %10llu", s[i]->allocs);
		print_u64("frees", "  %10llu", s[i]->frees);
		print_u64("bytes", NULL, s[i]->bytes);
		print_text("  %10s", mc_fmt_bytes(s[i]->bytes, b[0], sizeof(b[0])));
		print_u64("live_objs", "  %10llu", s[i]->live_objs);
		print_u64("live_bytes", NULL, s[i]->live_bytes);
		print_text("  %10s", mc_fmt_bytes(s[i]->live_bytes, b[1], sizeof(b[1])));
		print_u64("old_objs", "  %10llu", s[i]->old_objs);
		print_u64("old_bytes", NULL, s[i]->old_bytes);
		print_text("  %10s", mc_fmt_bytes(s[i]->old_bytes, b[2], sizeof(b[2])));
		print_addr(s[i]->addr);
		print_string("site", "  %s\n", s[i]->name);
		print_close_object();
	}
	print_close_array();
	if (p->nsites > o->top)
		print_text("  ... %zu more sites\n", p->nsites - o->top);
	free(s);
}

struct rss_proc {
	uint32_t tgid;
	const char *comm;
	uint64_t first_ns, last_ns, first, last, max, samples;
};

static int by_rss_max(const void *a, const void *b)
{
	const struct rss_proc *x = a, *y = b;

	if (x->max != y->max)
		return x->max < y->max ? 1 : -1;
	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

static void print_rss(const struct prof_profile *p, uint32_t top)
{
	struct rss_proc *r = calloc(p->nrss ? p->nrss : 1, sizeof(*r));
	size_t i, j, n = 0;
	char b[3][32];

	if (!r)
		return;
	for (i = 0; i < p->nrss; i++) {
		const struct prof_rss *s = &p->rss[i];

		for (j = 0; j < n && r[j].tgid != s->tgid; j++)
			;
		if (j == n) {
			r[n++] = (struct rss_proc){ .tgid = s->tgid, .comm = s->comm,
				.first_ns = s->time_ns, .last_ns = s->time_ns,
				.first = s->bytes, .last = s->bytes };
		}
		if (s->time_ns < r[j].first_ns) {
			r[j].first_ns = s->time_ns;
			r[j].first = s->bytes;
		}
		if (s->time_ns >= r[j].last_ns) {
			r[j].last_ns = s->time_ns;
			r[j].last = s->bytes;
			r[j].comm = s->comm;
		}
		if (s->bytes > r[j].max)
			r[j].max = s->bytes;
		r[j].samples++;
	}
	qsort(r, n, sizeof(*r), by_rss_max);
	if (n)
		print_text("  resident sets, by largest\n  %8s  %-16s  %8s  %10s  %10s  %10s\n",
			   "TGID", "COMM", "SAMPLES", "FIRST", "LAST", "MAX");
	print_open_array("rss");
	for (i = 0; i < n && i < top; i++) {
		print_open_object(NULL);
		print_u64("tgid", "  %8llu", r[i].tgid);
		print_string("comm", "  %-16s", r[i].comm);
		print_u64("samples", "  %8llu", r[i].samples);
		print_u64("first_bytes", NULL, r[i].first);
		print_u64("last_bytes", NULL, r[i].last);
		print_u64("max_bytes", NULL, r[i].max);
		print_u64("duration_ns", NULL, r[i].last_ns - r[i].first_ns);
		print_text("  %10s  %10s  %10s\n", mc_fmt_bytes(r[i].first, b[0], sizeof(b[0])),
			   mc_fmt_bytes(r[i].last, b[1], sizeof(b[1])),
			   mc_fmt_bytes(r[i].max, b[2], sizeof(b[2])));
		print_close_object();
	}
	print_close_array();
	if (n > top)
		print_text("  ... %zu more processes\n", n - top);
	free(r);
}

/* ---- lock: per lock ---- */

static int by_lock_total(const void *a, const void *b)
{
	const struct prof_lock *x = *(struct prof_lock *const *)a;
	const struct prof_lock *y = *(struct prof_lock *const *)b;

	return x->total_ns < y->total_ns ? 1 : x->total_ns > y->total_ns ? -1 : 0;
}

static void print_locks(const struct prof_profile *p, uint32_t top)
{
	const struct prof_lock **l = malloc((p->nlocks ? p->nlocks : 1) * sizeof(*l));
	char b[4][32];
	uint64_t p50, p99;
	size_t i;

	if (!l)
		return;
	for (i = 0; i < p->nlocks; i++)
		l[i] = &p->locks[i];
	qsort(l, p->nlocks, sizeof(*l), by_lock_total);
	if (p->nlocks)
		print_text("  contended locks, by time waited (p50, p99: upper bounds of log2 buckets)\n"
			   "  %11s  %10s  %10s  %10s  %10s  %-11s  %s\n", "CONTENTIONS", "TOTAL",
			   "MAX", "P50", "P99", "TYPE", "LOCK");
	print_open_array("locks");
	for (i = 0; i < p->nlocks && i < top; i++) {
		p50 = mc_lat_percentile(l[i]->hist, SOV_PROF_HIST_BUCKETS, 50);
		p99 = mc_lat_percentile(l[i]->hist, SOV_PROF_HIST_BUCKETS, 99);
		print_open_object(NULL);
		print_u64("count", "  %11llu", l[i]->count);
		print_u64("total_ns", NULL, l[i]->total_ns);
		print_u64("max_ns", NULL, l[i]->max_ns);
		print_u64("p50_ns", NULL, p50);
		print_u64("p99_ns", NULL, p99);
		print_text("  %10s  %10s", mc_fmt_ns(l[i]->total_ns, b[0], sizeof(b[0])),
			   mc_fmt_ns(l[i]->max_ns, b[1], sizeof(b[1])));
		print_text("  <%9s  <%9s", mc_fmt_ns(p50, b[2], sizeof(b[2])),
			   mc_fmt_ns(p99, b[3], sizeof(b[3])));
		print_u64("flags", NULL, l[i]->flags);
		print_string("type", "  %-11s", profile_lock_type(l[i]->flags));
		print_addr(l[i]->addr);
		print_string("lock", "  %s\n", l[i]->name);
		print_close_object();
	}
	print_close_array();
	if (p->nlocks > top)
		print_text("  ... %zu more locks\n", p->nlocks - top);
	free(l);
}

/* ---- the whole report ---- */

static int report_top(const struct prof_profile *p, const struct report_opts *o)
{
	uint32_t have = profile_kinds_of(p);
	char b[256];
	int k, ret = EXIT_OK;

	if (o->kind >= 0 && profile_one_kind(o->kind, have, "profile report") < 0)
		return EXIT_FAIL;
	print_begin(sovctl.json, sovctl.pretty, stdout);
	print_open_object("meta");
	profile_print_meta_json(&p->meta);
	print_close_object();
	print_text("profile: %s", profile_fmt_meta(&p->meta, b, sizeof(b)));
	if (p->meta.host[0])
		print_text("; %s, kernel %s", p->meta.host, p->meta.kernel);
	print_text("\n  %llu samples, %llu skipped, %llu dropped, %llu user stacks cut short\n",
		   (unsigned long long)p->meta.samples, (unsigned long long)p->meta.skipped,
		   (unsigned long long)p->meta.dropped, (unsigned long long)p->meta.ustack_faults);
	for (k = 0; k < __SOV_PROF_KIND_CNT && !ret; k++) {
		if (!(have & (1U << k)) || (o->kind >= 0 && o->kind != k))
			continue;
		print_text("\n");
		print_open_object(prof_kind_name((uint32_t)k));
		ret = print_hotspots(p, (uint32_t)k, o->top);
		if (k == SOV_PROF_KIND_MEM) {
			print_sites(p, o);
			print_rss(p, o->top);
		} else if (k == SOV_PROF_KIND_LOCK) {
			print_locks(p, o->top);
		}
		print_close_object();
	}
	print_end();
	return ret;
}

/* "stack weight" lines: prof_folded_write()'s output, split for JSON. */
static int report_folded(const struct prof_profile *p, uint32_t kind)
{
	char *buf = NULL, *line, *save, *sp;
	size_t len = 0;
	FILE *m;
	int ret;

	if (!print_is_json())
		return prof_folded_write(p, kind, stdout) < 0 ?
		       op_error("profile report: writing folded stacks failed") : EXIT_OK;
	m = open_memstream(&buf, &len);
	if (!m)
		return op_error("profile report: %s", strerror(errno));
	ret = prof_folded_write(p, kind, m);
	fclose(m);
	if (ret < 0) {
		free(buf);
		return op_error("profile report: writing folded stacks failed");
	}
	print_string("kind", NULL, prof_kind_name(kind));
	print_string("unit", NULL, profile_unit(kind));
	print_open_array("folded");
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		sp = strrchr(line, ' ');
		if (!sp)
			continue;
		*sp = '\0';
		print_open_object(NULL);
		print_string("stack", NULL, line);
		print_u64("weight", NULL, strtoull(sp + 1, NULL, 10));
		print_close_object();
	}
	print_close_array();
	free(buf);
	return EXIT_OK;
}

/* Preorder, for JSON: print.c nests 16 deep, stacks go deeper. */
static void tree_json(const struct prof_node *n, uint64_t all, double min, unsigned int depth)
{
	size_t i;

	for (i = 0; i < n->nkids; i++) {
		const struct prof_node *k = n->kids[i];

		if (pct(k->total, all) < min)
			continue;
		print_open_object(NULL);
		print_u64("depth", NULL, depth);
		print_string("function", NULL, k->name);
		print_u64("self", NULL, k->self);
		print_u64("total", NULL, k->total);
		print_close_object();
		tree_json(k, all, min, depth + 1);
	}
}

static int report_tree(const struct prof_profile *p, const struct report_opts *o)
{
	uint32_t have = profile_kinds_of(p);
	struct prof_node *root;
	bool first = true;
	int k;

	if (o->kind >= 0 && profile_one_kind(o->kind, have, "profile report") < 0)
		return EXIT_FAIL;
	for (k = 0; k < __SOV_PROF_KIND_CNT; k++) {
		if (!(have & (1U << k)) || (o->kind >= 0 && o->kind != k))
			continue;
		root = prof_tree_build(p, (uint32_t)k);
		if (!root)
			return op_error("profile report: building the call tree failed");
		print_open_object(prof_kind_name((uint32_t)k));
		print_string("unit", NULL, profile_unit((uint32_t)k));
		print_u64("total", NULL, root->total);
		print_open_array("tree");
		if (print_is_json()) {
			tree_json(root, root->total, o->tree_min, 0);
		} else {
			printf("%s%s:\n", first ? "" : "\n", prof_kind_name((uint32_t)k));
			prof_tree_print(root, o->tree_min, stdout);
		}
		print_close_array();
		print_close_object();
		prof_tree_free(root);
		first = false;
	}
	return EXIT_OK;
}

int profile_write_svg(const char *path, const char *what, const struct prof_profile *a,
		     const struct prof_profile *b, uint32_t kind)
{
	char title[160];
	struct prof_svg_opts so = { .title = title, .unit = profile_unit(kind), .width = 1200 };
	FILE *f;
	int ret;

	snprintf(title, sizeof(title), "%s%s %s%s%s", a ? "sovereign profile difference: " :
		 "sovereign profile: ", prof_kind_name(kind), profile_unit(kind),
		 b->meta.host[0] ? " on " : "", b->meta.host);
	f = fopen(path, "we");
	if (!f)
		return op_error("%s: %s: %s", what, path, strerror(errno));
	ret = a ? prof_svg_diff_write(a, b, kind, &so, f) : prof_svg_write(b, kind, &so, f);
	if (fclose(f) || ret < 0) {
		remove(path);
		return op_error("%s: writing %s failed", what, path);
	}
	return EXIT_OK;
}

static int report_svg(const struct prof_profile *p, const struct report_opts *o)
{
	int k = profile_one_kind(o->kind, profile_kinds_of(p), "profile report");

	if (k < 0)
		return EXIT_FAIL;
	if (!stacks_of(p, (uint32_t)k))
		return op_error("profile report: no %s stacks to draw", prof_kind_name((uint32_t)k));
	if (profile_write_svg(o->svg, "profile report", NULL, p, (uint32_t)k))
		return EXIT_FAIL;
	print_begin(sovctl.json, sovctl.pretty, stdout);
	print_string("kind", "%s flame graph", prof_kind_name((uint32_t)k));
	print_u64("stacks", " (%llu stacks)", stacks_of(p, (uint32_t)k));
	print_string("svg", " written to %s\n", o->svg);
	print_end();
	return EXIT_OK;
}

static int report_opts_parse(int argc, char **argv, struct report_opts *o)
{
	static const char *const words[] = {
		"from", "kind", "save", "leak-age", "--top", "--folded", "--svg", "--tree", NULL,
	};
	int w, ret, modes = 0;
	char *end;

	*o = (struct report_opts){ .kind = -1, .top = TOP_DEFAULT, .tree_min = TREE_MIN_DEFAULT };
	for (; argc > 0; argc--, argv++) {
		w = profile_word(argv[0], words);
		if (w < 0)
			return usage_error("unknown option \"%s\" for 'profile report': expected from, kind, save, leak-age, --top, --folded, --svg or --tree (see \"sovctl profile help\")",
					   argv[0]);
		if (w >= 4)
			modes++;
		if (w == 5) {
			o->mode = OUT_FOLDED;
			continue;
		}
		if (w == 7) {
			o->mode = OUT_TREE;
			if (argc < 2 || strcmp(argv[1], "min"))
				continue;
			argc--, argv++;
		}
		if (argc < 2)
			return usage_error("\"%s\" needs a value, see \"sovctl profile help\"", argv[0]);
		argc--, argv++;
		switch (w) {
		case 0:
			o->from = argv[0];
			break;
		case 1:
			ret = profile_parse_kind(argv[0], &o->kind);
			if (ret)
				return ret;
			break;
		case 2:
			o->save = argv[0];
			break;
		case 3:
			if (parse_u32(argv[0], 10, &o->leak_age_ms) || !o->leak_age_ms)
				return usage_error("leak-age: expected 1-4294967295 ms, got \"%s\"",
						   argv[0]);
			break;
		case 4:
			ret = profile_parse_top(argv[0], &o->top);
			if (ret)
				return ret;
			break;
		case 6:
			o->mode = OUT_SVG;
			o->svg = argv[0];
			break;
		default:	/* --tree min PCT */
			errno = 0;
			o->tree_min = strtod(argv[0], &end);
			if (errno || end == argv[0] || *end || !(o->tree_min >= 0) ||
			    o->tree_min > 100)
				return usage_error("min: expected 0-100 (percent), got \"%s\"",
						   argv[0]);
			break;
		}
	}
	if (modes > 1)
		return usage_error("'profile report': one of --top, --folded, --svg and --tree");
	if (o->from && o->leak_age_ms)
		return usage_error("'profile report': leak-age is for a profile read from the kernel, not from a file");
	return EXIT_OK;
}

int profile_report(int argc, char **argv)
{
	struct prof_profile *p = NULL;
	struct report_opts o;
	struct sov_prof_io io;
	struct sov_genl g;
	char why[512];
	int ret;

	ret = report_opts_parse(argc, argv, &o);
	if (ret)
		return ret;
	if (o.from) {
		p = prof_profile_load(o.from, why, sizeof(why));
		if (!p)
			return op_error("profile report: %s", why);
	} else {
		if (profile_open(&io, &g))
			return EXIT_FAIL;
		ret = profile_read(&io, o.leak_age_ms, &p, "profile report");
		profile_close(&io, &g);
		if (ret)
			return ret;
	}
	if (o.save) {
		ret = profile_save(p, o.save, "profile report");
		if (ret) {
			prof_profile_free(p);
			return ret;
		}
		fprintf(stderr, "profile saved to %s\n", o.save);
	}
	switch (o.mode) {
	case OUT_TOP:
		ret = report_top(p, &o);
		break;
	case OUT_SVG:
		ret = report_svg(p, &o);
		break;
	case OUT_FOLDED:
		ret = profile_one_kind(o.kind, profile_kinds_of(p), "profile report");
		if (ret < 0) {
			ret = EXIT_FAIL;
			break;
		}
		print_begin(sovctl.json, sovctl.pretty, stdout);
		ret = report_folded(p, (uint32_t)ret);
		print_end();
		break;
	case OUT_TREE:
		print_begin(sovctl.json, sovctl.pretty, stdout);
		ret = report_tree(p, &o);
		print_end();
		break;
	}
	prof_profile_free(p);
	return ret;
}
