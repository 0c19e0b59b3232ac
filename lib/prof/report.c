// SPDX-License-Identifier: GPL-2.0
/*
 * Reports over one kind's stacks: hotspots (self and total per function),
 * the call tree (comm, then the frames root first) and the comparison of
 * two profiles by each function's share of its profile.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prof_internal.h"

/* ---- hotspots ---- */

struct hot_acc {
	const char *name;		/* borrowed from the profile */
	uint64_t self, total;
	size_t stamp;			/* last stack (+1) that counted it */
};

static int cmp_hot(const void *a, const void *b)
{
	const struct prof_hot *x = a, *y = b;

	if (x->self != y->self)
		return x->self > y->self ? -1 : 1;
	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return strcmp(x->name, y->name);
}

ssize_t prof_hotspots(const struct prof_profile *p, uint32_t kind,
		      struct prof_hot **out, uint64_t *grand_total)
{
	struct hot_acc *acc = NULL;
	struct prof_strmap m;
	struct prof_hot *h = NULL;
	size_t n = 0, cap = 0, i, f, idx;
	uint64_t grand = 0;
	int rc;

	if (!p || !out)
		return -EINVAL;
	*out = NULL;
	prof_strmap_init(&m);
	for (i = 0; i < p->nstacks; i++) {
		const struct prof_stack *st = &p->stacks[i];

		if (st->kind != kind)
			continue;
		grand = prof_sat_add(grand, st->weight);
		for (f = 0; f < st->nframes; f++) {
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 256;
				struct hot_acc *na = realloc(acc, ncap * sizeof(*na));

				if (!na)
					goto nomem;
				acc = na;
				cap = ncap;
			}
			rc = prof_strmap_upsert(&m, st->frames[f], n, &idx);
			if (rc < 0)
				goto nomem;
			if (rc) {
				acc[n].name = st->frames[f];
				acc[n].self = acc[n].total = 0;
				acc[n++].stamp = 0;
			}
			/* a recursive function counts once per stack */
			if (acc[idx].stamp != i + 1) {
				acc[idx].stamp = i + 1;
				acc[idx].total = prof_sat_add(acc[idx].total,
							      st->weight);
			}
			if (f == st->nframes - 1)
				acc[idx].self = prof_sat_add(acc[idx].self,
							     st->weight);
		}
	}
	prof_strmap_free(&m);
	if (n) {
		h = calloc(n, sizeof(*h));
		if (!h)
			goto nomem;
		for (i = 0; i < n; i++) {
			h[i].name = strdup(acc[i].name);
			if (!h[i].name) {
				prof_hot_free(h, i);
				h = NULL;
				goto nomem;
			}
			h[i].self = acc[i].self;
			h[i].total = acc[i].total;
		}
		qsort(h, n, sizeof(*h), cmp_hot);
	}
	free(acc);
	*out = h;
	if (grand_total)
		*grand_total = grand;
	return (ssize_t)n;
nomem:
	prof_strmap_free(&m);
	free(acc);
	return -ENOMEM;
}

void prof_hot_free(struct prof_hot *h, size_t n)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < n; i++)
		free(h[i].name);
	free(h);
}

/* ---- the call tree ---- */

/* Element @d of a stack's path: its comm, then its frames. */
static const char *path_at(const struct prof_stack *st, size_t d)
{
	return d ? st->frames[d - 1] : st->comm;
}

static int cmp_path(const void *a, const void *b)
{
	const struct prof_stack *x = *(const struct prof_stack *const *)a;
	const struct prof_stack *y = *(const struct prof_stack *const *)b;
	size_t d, lx = x->nframes + 1, ly = y->nframes + 1;
	int c;

	for (d = 0; d < lx && d < ly; d++) {
		c = strcmp(path_at(x, d), path_at(y, d));
		if (c)
			return c;
	}
	return lx < ly ? -1 : lx > ly;
}

static struct prof_node *node_new(const char *name)
{
	struct prof_node *n = calloc(1, sizeof(*n));

	if (n && !(n->name = strdup(name))) {
		free(n);
		n = NULL;
	}
	return n;
}

static struct prof_node *add_kid(struct prof_node *parent, const char *name)
{
	struct prof_node **k, *n;

	/* kids grow one at a time here: double at powers of two */
	if (!(parent->nkids & (parent->nkids - 1))) {
		size_t ncap = parent->nkids ? parent->nkids * 2 : 1;

		k = realloc(parent->kids, ncap * sizeof(*k));
		if (!k)
			return NULL;
		parent->kids = k;
	}
	n = node_new(name);
	if (n)
		parent->kids[parent->nkids++] = n;
	return n;
}

static int cmp_total(const void *a, const void *b)
{
	const struct prof_node *x = *(struct prof_node *const *)a;
	const struct prof_node *y = *(struct prof_node *const *)b;

	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int cmp_name(const void *a, const void *b)
{
	const struct prof_node *x = *(struct prof_node *const *)a;
	const struct prof_node *y = *(struct prof_node *const *)b;

	return strcmp(x->name, y->name);
}

static void sort_tree(struct prof_node *n, int (*cmp)(const void *, const void *))
{
	size_t i;

	if (n->nkids > 1)
		qsort(n->kids, n->nkids, sizeof(*n->kids), cmp);
	for (i = 0; i < n->nkids; i++)
		sort_tree(n->kids[i], cmp);
}

void prof_tree_sort_by_name(struct prof_node *n)
{
	sort_tree(n, cmp_name);
}

/*
 * Sorted element by element, the stacks sharing a prefix are neighbours:
 * each stack branches off the previous one's path where they first differ.
 */
struct prof_node *prof_tree_build(const struct prof_profile *p, uint32_t kind)
{
	const struct prof_stack **v = NULL, *prev = NULL;
	struct prof_node *root, **chain = NULL;
	size_t n = 0, i, d, common, len, maxlen = 1;

	if (!p)
		return NULL;
	root = node_new("all");
	if (!root)
		return NULL;
	v = calloc(p->nstacks ? p->nstacks : 1, sizeof(*v));
	if (!v)
		goto fail;
	for (i = 0; i < p->nstacks; i++) {
		if (p->stacks[i].kind != kind)
			continue;
		v[n++] = &p->stacks[i];
		if (p->stacks[i].nframes + 1 > maxlen)
			maxlen = p->stacks[i].nframes + 1;
	}
	qsort(v, n, sizeof(*v), cmp_path);
	chain = calloc(maxlen + 1, sizeof(*chain));
	if (!chain)
		goto fail;
	chain[0] = root;
	for (i = 0; i < n; i++) {
		const struct prof_stack *st = v[i];

		len = st->nframes + 1;
		common = 0;
		if (prev)
			while (common < len && common < prev->nframes + 1 &&
			       !strcmp(path_at(st, common), path_at(prev, common)))
				common++;
		for (d = common; d < len; d++) {
			chain[d + 1] = add_kid(chain[d], path_at(st, d));
			if (!chain[d + 1])
				goto fail;
		}
		for (d = 0; d <= len; d++)
			chain[d]->total = prof_sat_add(chain[d]->total, st->weight);
		chain[len]->self = prof_sat_add(chain[len]->self, st->weight);
		prev = st;
	}
	sort_tree(root, cmp_total);
	free(chain);
	free(v);
	return root;
fail:
	free(chain);
	free(v);
	prof_tree_free(root);
	return NULL;
}

void prof_tree_free(struct prof_node *root)
{
	size_t i;

	if (!root)
		return;
	for (i = 0; i < root->nkids; i++)
		prof_tree_free(root->kids[i]);
	free(root->kids);
	free(root->name);
	free(root);
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void print_node(const struct prof_node *n, uint64_t whole,
		       double min_pct, unsigned int depth, FILE *out)
{
	size_t i;

	if (pct(n->total, whole) < min_pct)
		return;
	fprintf(out, "%6.2f%% %6.2f%%  %*s%s\n", pct(n->total, whole),
		pct(n->self, whole), (int)(2 * depth), "", n->name);
	for (i = 0; i < n->nkids; i++)
		print_node(n->kids[i], whole, min_pct, depth + 1, out);
}

void prof_tree_print(const struct prof_node *root, double min_pct, FILE *out)
{
	if (!root || !out)
		return;
	print_node(root, root->total, min_pct, 0, out);
}

/* ---- comparing two profiles ---- */

static double absd(double x)
{
	return x < 0 ? -x : x;
}

static int cmp_delta(const void *a, const void *b)
{
	const struct prof_delta *x = a, *y = b;
	double dx = absd(x->self_b - x->self_a), dy = absd(y->self_b - y->self_a);

	if (dx != dy)
		return dx > dy ? -1 : 1;
	dx = absd(x->total_b - x->total_a);
	dy = absd(y->total_b - y->total_a);
	if (dx != dy)
		return dx > dy ? -1 : 1;
	return strcmp(x->name, y->name);
}

ssize_t prof_compare(const struct prof_profile *a, const struct prof_profile *b,
		     uint32_t kind, struct prof_delta **out)
{
	struct prof_hot *ha = NULL, *hb = NULL;
	struct prof_delta *d = NULL;
	uint64_t ga = 0, gb = 0;
	ssize_t na, nb, rc;
	struct prof_strmap m;
	size_t n = 0, i, idx;

	if (!a || !b || !out)
		return -EINVAL;
	*out = NULL;
	prof_strmap_init(&m);
	na = prof_hotspots(a, kind, &ha, &ga);
	nb = na < 0 ? na : prof_hotspots(b, kind, &hb, &gb);
	if (na < 0 || nb < 0) {
		rc = na < 0 ? na : nb;
		goto out;
	}
	rc = -ENOMEM;
	d = calloc((size_t)(na + nb) ? (size_t)(na + nb) : 1, sizeof(*d));
	if (!d)
		goto out;
	for (i = 0; i < (size_t)(na + nb); i++) {
		const struct prof_hot *h = i < (size_t)na ? &ha[i] : &hb[i - na];
		bool in_a = i < (size_t)na;
		int r = prof_strmap_upsert(&m, h->name, n, &idx);

		if (r < 0)
			goto out;
		if (r) {
			d[n].name = strdup(h->name);
			if (!d[n].name)
				goto out;
			n++;
		}
		if (in_a) {
			d[idx].self_a = pct(h->self, ga);
			d[idx].total_a = pct(h->total, ga);
		} else {
			d[idx].self_b = pct(h->self, gb);
			d[idx].total_b = pct(h->total, gb);
		}
	}
	if (n > 1)
		qsort(d, n, sizeof(*d), cmp_delta);
	*out = d;
	d = NULL;
	rc = (ssize_t)n;
out:
	prof_delta_free(d, n);
	prof_strmap_free(&m);
	prof_hot_free(ha, na > 0 ? (size_t)na : 0);
	prof_hot_free(hb, nb > 0 ? (size_t)nb : 0);
	return rc;
}

void prof_delta_free(struct prof_delta *d, size_t n)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < n; i++)
		free(d[i].name);
	free(d);
}
