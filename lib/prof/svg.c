// SPDX-License-Identifier: GPL-2.0
/*
 * Flame graphs as self-contained SVG: the call tree (report.c) drawn root
 * at the bottom, each frame as wide as its share, callees above their
 * caller in name order. Frames narrower than PROF_SVG_MIN_PX are left out
 * (with what they called). Colours are stable: a warm one from a hash of
 * the function's name, a cool one for kernel frames ("_[k]"). The
 * differential graph keeps B's shape and colours each frame by how its
 * self share moved from A to B: red grew, blue shrank, white stayed.
 * Style and script: svg_script.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prof_internal.h"
#include "svg_script.h"

#define PROF_SVG_MIN_PX	0.1
#define FRAME_H		16.0	/* a frame's row, of which the rect 15 */
#define FONT_PX		12.0
#define CHAR_W		7.1	/* an average glyph at 12px */
#define PAD		10.0
#define TOP		(3 * FRAME_H + 8)	/* title, subtitle, controls */
#define BOTTOM		(2 * FRAME_H)		/* the details line */

struct svg {
	FILE *out;
	const char *unit;
	double width, height, scale;	/* px per unit of weight */
	uint64_t total;
	unsigned int depth;		/* deepest frame drawn */
	/* differential: A's tree and total, the largest |self delta| */
	const struct prof_node *a_root;
	uint64_t a_total;
	double max_delta;
};

/* XML text and attribute values: escaped, control bytes and invalid
 * UTF-8 replaced by '?'. At most @max bytes of @s (SIZE_MAX: all). */
static void esc_n(FILE *out, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (p[i] && i < max) {
		unsigned char c = p[i];
		size_t n = 1, k;

		if (c < 0x80) {
			switch (c) {
			case '&': fputs("&amp;", out); break;
			case '<': fputs("&lt;", out); break;
			case '>': fputs("&gt;", out); break;
			case '"': fputs("&quot;", out); break;
			case '\'': fputs("&apos;", out); break;
			default:
				fputc(c < 0x20 || c == 0x7f ? '?' : c, out);
			}
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 2;
		else if (c >= 0xe0 && c <= 0xef)
			n = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 4;
		else
			n = 0;
		for (k = 1; n && k < n; k++)
			if (i + k >= max || (p[i + k] & 0xc0) != 0x80)
				n = 0;
		/* no overlong forms, surrogates or code points past U+10FFFF */
		if ((n == 3 && ((c == 0xe0 && p[i + 1] < 0xa0) ||
				(c == 0xed && p[i + 1] > 0x9f))) ||
		    (n == 4 && ((c == 0xf0 && p[i + 1] < 0x90) ||
				(c == 0xf4 && p[i + 1] > 0x8f))))
			n = 0;
		if (!n) {
			fputc('?', out);
			i++;
			continue;
		}
		fwrite(p + i, 1, n, out);
		i += n;
	}
}

static void esc(FILE *out, const char *s)
{
	esc_n(out, s, SIZE_MAX);
}

static bool is_kernel(const char *name)
{
	size_t n = strlen(name);

	return n >= 4 && !strcmp(name + n - 4, "_[k]");
}

/* A colour of its own per name, the same in every graph. */
static void name_colour(const char *name, unsigned int rgb[3])
{
	uint64_t h = prof_hash(name);
	double v1 = (double)(h & 0xffff) / 65535.0;
	double v2 = (double)((h >> 16) & 0xffff) / 65535.0;
	double v3 = (double)((h >> 32) & 0xffff) / 65535.0;

	if (is_kernel(name)) {		/* teal to sea green */
		rgb[0] = 40 + (unsigned int)(70 * v1);
		rgb[1] = 170 + (unsigned int)(60 * v2);
		rgb[2] = 150 + (unsigned int)(70 * v3);
	} else {			/* red through orange to yellow */
		rgb[0] = 210 + (unsigned int)(45 * v3);
		rgb[1] = 60 + (unsigned int)(170 * v1);
		rgb[2] = (unsigned int)(50 * v2);
	}
}

/* -1 (shrank the most) .. 1 (grew the most): blue, white, red */
static void delta_colour(double d, unsigned int rgb[3])
{
	unsigned int fade;

	if (d > 1)
		d = 1;
	if (d < -1)
		d = -1;
	fade = (unsigned int)(255 * (1 - (d < 0 ? -d : d)) + 0.5);
	rgb[0] = d < 0 ? fade : 255;
	rgb[1] = fade;
	rgb[2] = d > 0 ? fade : 255;
}

static double share(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* The kid of A's node @an named @name (kids sorted by name), or NULL. */
static const struct prof_node *a_kid(const struct prof_node *an,
				     const char *name)
{
	size_t lo = 0, hi = an ? an->nkids : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(an->kids[mid]->name, name);

		if (!c)
			return an->kids[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static double self_delta(const struct svg *s, const struct prof_node *n,
			 const struct prof_node *an)
{
	return share(n->self, s->total) - share(an ? an->self : 0, s->a_total);
}

/* Depth of the deepest frame drawn, and the largest |delta| among them. */
static void measure(struct svg *s, const struct prof_node *n,
		    const struct prof_node *an, unsigned int depth)
{
	double d;
	size_t i;

	if ((double)n->total * s->scale < PROF_SVG_MIN_PX)
		return;
	if (depth > s->depth)
		s->depth = depth;
	if (s->a_root) {
		d = self_delta(s, n, an);
		if (d < 0)
			d = -d;
		if (d > s->max_delta)
			s->max_delta = d;
	}
	for (i = 0; i < n->nkids; i++)
		measure(s, n->kids[i], s->a_root ? a_kid(an, n->kids[i]->name) : NULL,
			depth + 1);
}

/* As much of @name as fits in @w pixels: bytes to print and whether ".." follows. */
static size_t label_fit(const char *name, double w, bool *dots)
{
	size_t room, len = strlen(name), chars = 0, i;

	*dots = false;
	if (w < 3 * CHAR_W + 6)
		return 0;
	room = (size_t)((w - 6) / CHAR_W);
	for (i = 0; i < len; i++)	/* count characters, not bytes */
		chars += ((unsigned char)name[i] & 0xc0) != 0x80;
	if (chars <= room)
		return len;
	*dots = true;
	room -= 2;
	for (i = 0, chars = 0; i < len; i++) {
		if (((unsigned char)name[i] & 0xc0) != 0x80 && chars++ == room)
			break;
	}
	return i;
}

static void frame(struct svg *s, const struct prof_node *n,
		  const struct prof_node *an, unsigned int depth, double x,
		  double w)
{
	double y = s->height - BOTTOM - (depth + 1) * FRAME_H;
	unsigned int rgb[3];
	size_t fit;
	bool dots;

	if (s->a_root)
		delta_colour(s->max_delta > 0 ? self_delta(s, n, an) / s->max_delta : 0,
			     rgb);
	else if (!depth)
		rgb[0] = rgb[1] = rgb[2] = 200;
	else
		name_colour(n->name, rgb);
	fputs("<g class=\"f\"><title>", s->out);
	esc(s->out, n->name);
	fprintf(s->out, " (%" PRIu64 " ", n->total);
	esc(s->out, s->unit);
	fprintf(s->out, ", %.2f%%", share(n->total, s->total));
	if (s->a_root)
		fprintf(s->out, "; self A %.2f%% -> B %.2f%%, %+.2f%%",
			share(an ? an->self : 0, s->a_total),
			share(n->self, s->total), self_delta(s, n, an));
	fprintf(s->out, ")</title><rect x=\"%.3f\" y=\"%.1f\" width=\"%.3f\" "
		"height=\"%.1f\" fill=\"rgb(%u,%u,%u)\" rx=\"2\" ry=\"2\"/>"
		"<text x=\"%.2f\" y=\"%.1f\">", x, y, w, FRAME_H - 1, rgb[0],
		rgb[1], rgb[2], x + 3, y + FRAME_H - 4.5);
	fit = label_fit(n->name, w, &dots);
	esc_n(s->out, n->name, fit);
	fprintf(s->out, "%s</text></g>\n", dots ? ".." : "");
}

/* @off: the weight drawn left of @n in its row, from the graph's left */
static void draw(struct svg *s, const struct prof_node *n,
		 const struct prof_node *an, unsigned int depth, uint64_t off)
{
	double w = (double)n->total * s->scale;
	size_t i;

	if (w < PROF_SVG_MIN_PX)
		return;
	frame(s, n, an, depth, PAD + (double)off * s->scale, w);
	for (i = 0; i < n->nkids; i++) {
		draw(s, n->kids[i], s->a_root ? a_kid(an, n->kids[i]->name) : NULL,
		     depth + 1, off);
		off += n->kids[i]->total;
	}
}

static void header(struct svg *s, const char *title, const char *sub)
{
	fprintf(s->out, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" "
		"width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
		"data-width=\"%.0f\" data-pad=\"%.0f\" data-charw=\"%.1f\" "
		"onload=\"fg_init(evt)\">\n<style type=\"text/css\"><![CDATA[\n%s]]></style>\n"
		"<script type=\"text/ecmascript\"><![CDATA[\n%s]]></script>\n"
		"<rect x=\"0\" y=\"0\" width=\"100%%\" height=\"100%%\" fill=\"rgb(248,248,248)\"/>\n",
		s->width, s->height, s->width, s->height, s->width, PAD, CHAR_W,
		prof_svg_style, prof_svg_script);
	fprintf(s->out, "<text class=\"heading\" x=\"%.1f\" y=\"%.1f\">", s->width / 2,
		FRAME_H + 4);
	esc(s->out, title);
	fprintf(s->out, "</text>\n<text class=\"sub\" x=\"%.1f\" y=\"%.1f\">", s->width / 2,
		2 * FRAME_H + 4);
	esc(s->out, sub);
	fprintf(s->out, "</text>\n"
		"<text id=\"unzoom\" class=\"button\" x=\"%.1f\" y=\"%.1f\">Reset Zoom</text>\n"
		"<text id=\"search\" class=\"button\" x=\"%.1f\" y=\"%.1f\">Search</text>\n"
		"<text id=\"details\" x=\"%.1f\" y=\"%.1f\"> </text>\n"
		"<text id=\"matched\" x=\"%.1f\" y=\"%.1f\"> </text>\n",
		PAD, 3 * FRAME_H, s->width - PAD, 3 * FRAME_H,
		PAD, s->height - FRAME_H / 2, s->width - PAD, s->height - FRAME_H / 2);
}

static int render(struct svg *s, const struct prof_node *root, uint32_t kind,
		  const struct prof_svg_opts *o, bool diff)
{
	const char *title = o && o->title ? o->title :
			    diff ? "Differential Flame Graph" : "Flame Graph";
	unsigned int width = o && o->width ? o->width : 1200;
	char sub[160];

	s->unit = o && o->unit ? o->unit : "samples";
	if (width < 200)
		width = 200;
	if (width > 100000)
		width = 100000;
	s->width = width;
	s->total = root->total;
	s->scale = s->total ? (s->width - 2 * PAD) / (double)s->total : 0;
	if (s->total)
		measure(s, root, s->a_root, 0);
	s->height = TOP + (s->depth + 1) * FRAME_H + BOTTOM;
	if (diff)
		snprintf(sub, sizeof(sub), "%s: %" PRIu64 " %s; B's shape, red: "
			 "grew since A, blue: shrank (self share)",
			 prof_kind_name(kind), s->total, s->unit);
	else
		snprintf(sub, sizeof(sub), "%s: %" PRIu64 " %s",
			 prof_kind_name(kind), s->total, s->unit);
	header(s, title, sub);
	if (s->total)
		draw(s, root, s->a_root, 0, 0);
	else
		fprintf(s->out, "<text class=\"sub\" x=\"%.1f\" y=\"%.1f\">no %s stacks</text>\n",
			s->width / 2, s->height - BOTTOM - FRAME_H / 2,
			prof_kind_name(kind));
	fputs("</svg>\n", s->out);
	return fflush(s->out) || ferror(s->out) ? -EIO : 0;
}

int prof_svg_write(const struct prof_profile *p, uint32_t kind,
		   const struct prof_svg_opts *o, FILE *out)
{
	struct svg s = { .out = out };
	struct prof_node *root;
	int err;

	if (!p || !out)
		return -EINVAL;
	root = prof_tree_build(p, kind);
	if (!root)
		return -ENOMEM;
	prof_tree_sort_by_name(root);
	err = render(&s, root, kind, o, false);
	prof_tree_free(root);
	return err;
}

int prof_svg_diff_write(const struct prof_profile *a,
			const struct prof_profile *b, uint32_t kind,
			const struct prof_svg_opts *o, FILE *out)
{
	struct svg s = { .out = out };
	struct prof_node *ra, *rb;
	int err = -ENOMEM;

	if (!a || !b || !out)
		return -EINVAL;
	ra = prof_tree_build(a, kind);
	rb = prof_tree_build(b, kind);
	if (ra && rb) {
		prof_tree_sort_by_name(ra);
		prof_tree_sort_by_name(rb);
		s.a_root = ra;
		s.a_total = ra->total;
		err = render(&s, rb, kind, o, true);
	}
	prof_tree_free(ra);
	prof_tree_free(rb);
	return err;
}
