// SPDX-License-Identifier: GPL-2.0
/*
 * The bounded trace store: up to max_traces traces, spans grouped by trace
 * id (a chained hash over a fixed entry array), a FIFO list in creation
 * order so that the oldest trace is the one evicted, and the span tree for
 * display. Single-threaded: the consumer owns it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "trace_internal.h"

#define NIL	UINT32_MAX

struct entry {
	struct trace_rec rec;
	uint32_t cap;			/* spans allocated */
	uint32_t prev, next;		/* creation order; prev is older */
	uint32_t hnext;			/* hash chain, or the free list */
	bool used;
};

struct trace_store {
	struct trace_store_conf conf;
	struct entry *e;
	uint32_t *buckets;
	uint64_t bmask;
	uint32_t oldest, newest, free;
	uint64_t seq;
	struct trace_store_stats st;
};

void trace_store_conf_default(struct trace_store_conf *conf)
{
	conf->max_traces = 1024;
	conf->max_spans = 256;
}

struct trace_store *trace_store_create(const struct trace_store_conf *conf)
{
	struct trace_store *st = calloc(1, sizeof(*st));
	uint64_t nb = 16, i;

	if (!st)
		return NULL;
	if (conf)
		st->conf = *conf;
	else
		trace_store_conf_default(&st->conf);
	if (!st->conf.max_traces)
		st->conf.max_traces = 1024;
	if (!st->conf.max_spans)
		st->conf.max_spans = 256;
	while (nb < 2ULL * st->conf.max_traces)
		nb <<= 1;
	st->bmask = nb - 1;
	st->e = calloc(st->conf.max_traces, sizeof(*st->e));
	st->buckets = malloc(nb * sizeof(*st->buckets));
	if (!st->e || !st->buckets) {
		trace_store_destroy(st);
		return NULL;
	}
	for (i = 0; i < nb; i++)
		st->buckets[i] = NIL;
	for (i = 0; i < st->conf.max_traces; i++)
		st->e[i].hnext = i + 1 < st->conf.max_traces ? (uint32_t)i + 1 : NIL;
	st->free = 0;
	st->oldest = st->newest = NIL;
	return st;
}

void trace_store_destroy(struct trace_store *st)
{
	uint32_t i;

	if (!st)
		return;
	if (st->e)
		for (i = 0; i < st->conf.max_traces; i++)
			free(st->e[i].rec.spans);
	free(st->e);
	free(st->buckets);
	free(st);
}

static uint32_t *chain_of(const struct trace_store *st, const struct trace_id *id)
{
	return &st->buckets[trace_id_hash(id) & st->bmask];
}

static uint32_t lookup(const struct trace_store *st, const struct trace_id *id)
{
	uint32_t i;

	for (i = *chain_of(st, id); i != NIL; i = st->e[i].hnext)
		if (trace_id_eq(&st->e[i].rec.id, id))
			return i;
	return NIL;
}

static void unlink_entry(struct trace_store *st, uint32_t i)
{
	struct entry *e = &st->e[i];
	uint32_t *pp;

	for (pp = chain_of(st, &e->rec.id); *pp != i; pp = &st->e[*pp].hnext)
		;
	*pp = e->hnext;
	if (e->prev != NIL)
		st->e[e->prev].next = e->next;
	else
		st->oldest = e->next;
	if (e->next != NIL)
		st->e[e->next].prev = e->prev;
	else
		st->newest = e->prev;
	st->st.traces--;
	st->st.spans -= e->rec.nspans;
	free(e->rec.spans);
	memset(e, 0, sizeof(*e));
	e->hnext = st->free;
	st->free = i;
}

static uint32_t new_entry(struct trace_store *st, const struct trace_id *id)
{
	uint32_t i, *chain;
	struct entry *e;

	if (st->free == NIL) {
		unlink_entry(st, st->oldest);
		st->st.traces_evicted++;
	}
	i = st->free;
	e = &st->e[i];
	st->free = e->hnext;
	e->used = true;
	e->rec.id = *id;
	e->rec.seq = ++st->seq;
	e->rec.start_ns = UINT64_MAX;
	chain = chain_of(st, id);
	e->hnext = *chain;
	*chain = i;
	e->next = NIL;
	e->prev = st->newest;
	if (st->newest != NIL)
		st->e[st->newest].next = i;
	else
		st->oldest = i;
	st->newest = i;
	st->st.traces++;
	st->st.traces_created++;
	return i;
}

int trace_store_add(struct trace_store *st, const struct trace_span *sp)
{
	struct entry *e;
	uint32_t i;

	if (trace_id_is_zero(&sp->trace_id) || !sp->span_id) {
		st->st.spans_invalid++;
		return -EINVAL;
	}
	i = lookup(st, &sp->trace_id);
	if (i == NIL)
		i = new_entry(st, &sp->trace_id);
	e = &st->e[i];
	if (e->rec.nspans >= st->conf.max_spans) {
		e->rec.spans_dropped++;
		st->st.spans_dropped_cap++;
		return -ENOSPC;
	}
	if (e->rec.nspans == e->cap) {
		uint32_t ncap = e->cap ? e->cap * 2 : 8;
		struct trace_span *ns;

		if (ncap > st->conf.max_spans)
			ncap = st->conf.max_spans;
		ns = realloc(e->rec.spans, ncap * sizeof(*ns));
		if (!ns) {
			if (!e->rec.nspans)	/* do not keep an empty trace */
				unlink_entry(st, i);
			return -ENOMEM;
		}
		e->rec.spans = ns;
		e->cap = ncap;
	}
	e->rec.spans[e->rec.nspans++] = *sp;
	if (sp->start_ns < e->rec.start_ns)
		e->rec.start_ns = sp->start_ns;
	if (sp->end_ns > e->rec.end_ns)
		e->rec.end_ns = sp->end_ns;
	st->st.spans++;
	st->st.spans_added++;
	return 0;
}

const struct trace_rec *trace_store_find(const struct trace_store *st, const struct trace_id *id)
{
	uint32_t i = lookup(st, id);

	return i == NIL ? NULL : &st->e[i].rec;
}

int trace_store_remove(struct trace_store *st, const struct trace_id *id)
{
	uint32_t i = lookup(st, id);

	if (i == NIL)
		return -ENOENT;
	unlink_entry(st, i);
	st->st.traces_removed++;
	return 0;
}

int trace_store_decide(struct trace_store *st, const struct trace_id *id, struct trace_sampler *s)
{
	uint32_t i = lookup(st, id);
	struct trace_rec *rec;
	unsigned int keep;

	if (i == NIL)
		return -ENOENT;
	rec = &st->e[i].rec;
	keep = trace_sampler_tail(s, rec->spans, rec->nspans);
	if (!keep) {
		unlink_entry(st, i);
		st->st.traces_discarded++;
		return 0;
	}
	rec->keep = keep;
	rec->decided = true;
	return (int)keep;
}

int trace_store_foreach(const struct trace_store *st, trace_rec_fn fn, void *arg)
{
	uint32_t i, next;
	int ret;

	for (i = st->oldest; i != NIL; i = next) {
		next = st->e[i].next;
		ret = fn(&st->e[i].rec, arg);
		if (ret)
			return ret;
	}
	return 0;
}

void trace_store_stats(const struct trace_store *st, struct trace_store_stats *out)
{
	*out = st->st;
}

/* ------------------------------------------------------------------ */
/* The span tree                                                       */
/* ------------------------------------------------------------------ */

struct id_ix {
	uint64_t id;
	size_t ix;
};

static int cmp_id(const void *a, const void *b)
{
	const struct id_ix *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->ix < y->ix ? -1 : x->ix > y->ix;
}

static int cmp_start(const void *a, const void *b, void *arg)
{
	const struct trace_span *spans = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	uint64_t sx = spans[x].start_ns, sy = spans[y].start_ns;

	if (sx != sy)
		return sx < sy ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* The index of the span with id @id (the first if several), or SIZE_MAX. */
static size_t find_span(const struct id_ix *byid, size_t n, uint64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (byid[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && byid[lo].id == id ? byid[lo].ix : SIZE_MAX;
}

int trace_tree_build(const struct trace_span *spans, size_t n, struct trace_tree_node *out)
{
	struct id_ix *byid = NULL;
	size_t *order = NULL, *parent = NULL, *kids = NULL, *first = NULL, *fill = NULL;
	size_t *stack = NULL, *sdepth = NULL, i, k, nout = 0;
	bool *seen = NULL, *orphan = NULL;
	int ret = -ENOMEM;

	if (!n)
		return 0;
	byid = malloc(n * sizeof(*byid));
	order = malloc(n * sizeof(*order));
	parent = malloc(n * sizeof(*parent));
	kids = malloc(n * sizeof(*kids));
	first = calloc(n + 1, sizeof(*first));
	fill = calloc(n + 1, sizeof(*fill));
	stack = malloc(n * sizeof(*stack));
	sdepth = malloc(n * sizeof(*sdepth));
	seen = calloc(n, sizeof(*seen));
	orphan = calloc(n, sizeof(*orphan));
	if (!byid || !order || !parent || !kids || !first || !fill || !stack || !sdepth ||
	    !seen || !orphan)
		goto out;

	for (i = 0; i < n; i++) {
		byid[i].id = spans[i].span_id;
		byid[i].ix = i;
		order[i] = i;
	}
	qsort(byid, n, sizeof(*byid), cmp_id);
	qsort_r(order, n, sizeof(*order), cmp_start, (void *)spans);

	/* parents, then children in start order (CSR: first[p]..first[p+1]) */
	for (i = 0; i < n; i++) {
		parent[i] = SIZE_MAX;
		if (spans[i].parent_id) {
			parent[i] = find_span(byid, n, spans[i].parent_id);
			if (parent[i] == i)
				parent[i] = SIZE_MAX;
			orphan[i] = parent[i] == SIZE_MAX;
		}
		if (parent[i] != SIZE_MAX)
			first[parent[i] + 1]++;
	}
	for (i = 0; i < n; i++)
		first[i + 1] += first[i];
	for (k = 0; k < n; k++) {
		i = order[k];
		if (parent[i] != SIZE_MAX)
			kids[first[parent[i]] + fill[parent[i]]++] = i;
	}

	/* roots in start order; then whatever a cycle kept unreachable */
	for (int pass = 0; pass < 2; pass++) {
		for (k = 0; k < n; k++) {
			size_t top = 0, r = order[k];

			if (seen[r] || (pass == 0 && parent[r] != SIZE_MAX))
				continue;
			if (pass == 1)
				orphan[r] = true;
			stack[top] = r;
			sdepth[top++] = 0;
			seen[r] = true;
			while (top) {
				size_t cur = stack[--top], d = sdepth[top], c;

				out[nout].span = &spans[cur];
				out[nout].depth = (uint32_t)d;
				out[nout].orphan = orphan[cur];
				nout++;
				/* reverse, so the earliest child comes out first */
				for (c = first[cur + 1]; c > first[cur]; c--) {
					size_t ch = kids[c - 1];

					if (seen[ch])
						continue;
					seen[ch] = true;
					stack[top] = ch;
					sdepth[top++] = d + 1;
				}
			}
		}
	}
	ret = 0;
out:
	free(byid);
	free(order);
	free(parent);
	free(kids);
	free(first);
	free(fill);
	free(stack);
	free(sdepth);
	free(seen);
	free(orphan);
	return ret;
}
