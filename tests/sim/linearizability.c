// SPDX-License-Identifier: GPL-2.0
/*
 * tests/sim: Wing-Gong linearizability search with Lowe's memoization.
 *
 * A key's history becomes a list of call and return events in time order.
 * The search walks the list: at a call it tries to linearize that operation
 * now (apply it to the model; if the model accepts and the pair (set of
 * linearized operations, model state) was never seen, lift the call and its
 * return out of the list and start over from the head); at a return whose
 * operation is not yet linearized it backtracks. It succeeds when no return
 * is left: calls without a return (unknown outcomes) may stay unlinearized.
 * The cache of seen pairs makes it polynomial on the histories a Raft
 * cluster produces.
 *
 * Reads return whole sequences, which prunes the search hard and soundly:
 *
 *  - a token's predecessor in any read is the last token at the moment it
 *    was appended, so an APPEND may only be linearized in a state ending
 *    in that token (two reads that disagree on it: not linearizable);
 *  - a write with an unknown outcome that no read ever returned may as
 *    well not have happened (had it, every read until the next PUT would
 *    show its token), so it is left out.
 *
 * Without them, concurrent appends between two reads would have to be
 * tried in every order. Among the calls it may try at a point, the search
 * tries those that returned first and the unknown ones after: those stay
 * candidates at every later point, and trying them eagerly is mostly wrong.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lin.h"

struct ev {
	int64_t time;
	bool is_call;
	uint32_t op;		/* index into the key's op array */
	struct ev *prev, *next;
	struct ev *match;	/* call: its return, NULL if unknown */
};

/* the model's state: the sequence's hash, and its last token (0: empty) */
struct state {
	uint64_t hash, last;
};

struct frame {
	struct ev *call;
	struct state state;
	int pass;
};

/* what the reads of one key tell about each operation */
struct facts {
	uint64_t *out;		/* GET: hash of the sequence read */
	uint64_t *pred;		/* write: the token before it in every read that has it */
	bool *has_pred;		/* ... if any read has it */
};

/* seen (bitset, state) pairs: open addressing, bitsets in an arena */
struct cache {
	size_t words;		/* per bitset */
	size_t cap, used;
	uint64_t *hash, *state;
	size_t *off;		/* into arena, +1: 0 marks an empty slot */
	uint64_t *arena;
	size_t arena_len, arena_cap;
};

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		abort();
	return p;
}

static void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p)
		abort();
	return p;
}

static void cache_init(struct cache *c, size_t words)
{
	memset(c, 0, sizeof(*c));
	c->words = words;
	c->cap = 1024;
	c->hash = xcalloc(c->cap, sizeof(*c->hash));
	c->state = xcalloc(c->cap, sizeof(*c->state));
	c->off = xcalloc(c->cap, sizeof(*c->off));
}

static void cache_free(struct cache *c)
{
	free(c->hash);
	free(c->state);
	free(c->off);
	free(c->arena);
}

static void cache_grow(struct cache *c)
{
	size_t old = c->cap, i;
	uint64_t *hash = c->hash, *state = c->state;
	size_t *off = c->off;

	c->cap *= 2;
	c->hash = xcalloc(c->cap, sizeof(*c->hash));
	c->state = xcalloc(c->cap, sizeof(*c->state));
	c->off = xcalloc(c->cap, sizeof(*c->off));
	for (i = 0; i < old; i++) {
		size_t j;

		if (!off[i])
			continue;
		for (j = hash[i] & (c->cap - 1); c->off[j]; j = (j + 1) & (c->cap - 1))
			;
		c->hash[j] = hash[i];
		c->state[j] = state[i];
		c->off[j] = off[i];
	}
	free(hash);
	free(state);
	free(off);
}

/* true if (bits, state) was new and is now remembered */
static bool cache_add(struct cache *c, const uint64_t *bits, uint64_t bithash, uint64_t state)
{
	uint64_t h = mix64(bithash ^ mix64(state));
	size_t j;

	for (j = h & (c->cap - 1); c->off[j]; j = (j + 1) & (c->cap - 1)) {
		if (c->hash[j] == h && c->state[j] == state &&
		    !memcmp(c->arena + c->off[j] - 1, bits, c->words * sizeof(*bits)))
			return false;
	}
	if (c->arena_len + c->words > c->arena_cap) {
		c->arena_cap = c->arena_cap ? 2 * c->arena_cap : 64 * c->words;
		while (c->arena_cap < c->arena_len + c->words)
			c->arena_cap *= 2;
		c->arena = xrealloc(c->arena, c->arena_cap * sizeof(*c->arena));
	}
	memcpy(c->arena + c->arena_len, bits, c->words * sizeof(*bits));
	c->hash[j] = h;
	c->state[j] = state;
	c->off[j] = c->arena_len + 1;
	c->arena_len += c->words;
	if (++c->used * 2 > c->cap)
		cache_grow(c);
	return true;
}

/* the sequential specification: false if @op cannot happen in @s */
static bool model_step(const struct lin_op *op, size_t i, const struct facts *f,
		       struct state s, struct state *next)
{
	switch (op->kind) {
	case LIN_GET:
		*next = s;
		return f->out[i] == s.hash;
	case LIN_PUT:
		*next = (struct state){ lin_hash(0, op->arg), op->arg };
		return true;
	case LIN_APPEND:
		*next = (struct state){ lin_hash(s.hash, op->arg), op->arg };
		return !f->has_pred[i] || f->pred[i] == s.last;
	}
	return false;
}

static int ev_cmp(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	/* equal times: calls first, so touching operations count as concurrent */
	if (x->is_call != y->is_call)
		return x->is_call ? -1 : 1;
	return x->op < y->op ? -1 : x->op > y->op;
}

static void lift(struct ev *call)
{
	call->prev->next = call->next;
	if (call->next)
		call->next->prev = call->prev;
	if (call->match) {
		struct ev *r = call->match;

		r->prev->next = r->next;
		if (r->next)
			r->next->prev = r->prev;
	}
}

/* undo lift(), in the reverse order */
static void unlift(struct ev *call)
{
	if (call->match) {
		struct ev *r = call->match;

		r->prev->next = r;
		if (r->next)
			r->next->prev = r;
	}
	call->prev->next = call;
	if (call->next)
		call->next->prev = call;
}

/* token -> the token before it in the reads (0: it came first) */
struct preds {
	uint64_t *tok, *pred;
	size_t cap, n;
};

static size_t preds_slot(const struct preds *p, uint64_t t)
{
	size_t j = mix64(t) & (p->cap - 1);

	while (p->tok[j] && p->tok[j] != t)
		j = (j + 1) & (p->cap - 1);
	return j;
}

/* false: two reads disagree on what precedes a token */
static bool preds_build(struct preds *p, const struct lin_op *const *ops, size_t m)
{
	size_t total = 0, i, k;

	for (i = 0; i < m; i++)
		if (ops[i]->kind == LIN_GET)
			total += ops[i]->n_val;
	for (p->cap = 16; p->cap < 2 * total; p->cap *= 2)
		;
	p->tok = xcalloc(p->cap, sizeof(*p->tok));
	p->pred = xcalloc(p->cap, sizeof(*p->pred));
	for (i = 0; i < m; i++) {
		if (ops[i]->kind != LIN_GET)
			continue;
		for (k = 0; k < ops[i]->n_val; k++) {
			uint64_t t = ops[i]->val[k], before = k ? ops[i]->val[k - 1] : 0;
			size_t j = preds_slot(p, t);

			if (!t)
				return false;
			if (!p->tok[j]) {
				p->tok[j] = t;
				p->pred[j] = before;
				p->n++;
			} else if (p->pred[j] != before) {
				return false;
			}
		}
	}
	return true;
}

static bool preds_find(const struct preds *p, uint64_t t, uint64_t *pred)
{
	size_t j = preds_slot(p, t);

	*pred = p->pred[j];
	return p->tok[j] == t;
}

static enum lin_verdict search(const struct lin_op *const *ops, size_t m, const struct facts *f,
			       uint64_t budget, uint64_t *explored)
{
	size_t words = (m + 63) / 64, n_ev = 0, sp = 0, remaining = 0, i;
	struct ev *evs = xcalloc(2 * m, sizeof(*evs)), **call_of;
	struct frame *stack = xcalloc(m, sizeof(*stack));
	uint64_t *bits = xcalloc(words, sizeof(*bits));
	uint64_t bithash = 0, steps = 0;
	enum lin_verdict v = LIN_ILLEGAL;
	struct state state = { 0, 0 };
	struct ev head = { 0 }, *e;
	struct cache cache;
	int pass = 0;

	for (i = 0; i < m; i++) {
		evs[n_ev++] = (struct ev){ .time = ops[i]->call, .is_call = true, .op = i };
		if (ops[i]->ret >= 0) {
			evs[n_ev++] = (struct ev){ .time = ops[i]->ret, .op = i };
			remaining++;
		}
	}
	qsort(evs, n_ev, sizeof(*evs), ev_cmp);
	call_of = xcalloc(m, sizeof(*call_of));
	for (i = 0; i < n_ev; i++)
		if (evs[i].is_call)
			call_of[evs[i].op] = &evs[i];
	for (i = 0; i < n_ev; i++)
		if (!evs[i].is_call)
			call_of[evs[i].op]->match = &evs[i];
	head.next = n_ev ? &evs[0] : NULL;
	for (i = 0; i < n_ev; i++) {
		evs[i].prev = i ? &evs[i - 1] : &head;
		evs[i].next = i + 1 < n_ev ? &evs[i + 1] : NULL;
	}
	cache_init(&cache, words);

	e = head.next;
	while (remaining) {
		if (++steps > budget) {
			v = LIN_GAVE_UP;
			break;
		}
		if (e && e->is_call) {
			uint64_t z = mix64(e->op + 1);
			struct state next;

			/* pass 0 tries the answered operations, pass 1 the unknown ones */
			if ((e->match ? 0 : 1) != pass) {
				e = e->next;
				continue;
			}
			if (model_step(ops[e->op], e->op, f, state, &next)) {
				bits[e->op / 64] |= 1ULL << (e->op % 64);
				if (cache_add(&cache, bits, bithash ^ z, next.hash)) {
					stack[sp++] = (struct frame){ e, state, pass };
					state = next;
					bithash ^= z;
					lift(e);
					if (e->match)
						remaining--;
					e = head.next;
					pass = 0;
					continue;
				}
				bits[e->op / 64] &= ~(1ULL << (e->op % 64));
			}
			e = e->next;
			continue;
		}
		/* the first return left (or the end): the calls before it were all tried */
		if (!pass) {
			pass = 1;
			e = head.next;
			continue;
		}
		if (!sp)
			break;
		sp--;
		e = stack[sp].call;
		state = stack[sp].state;
		pass = stack[sp].pass;
		bits[e->op / 64] &= ~(1ULL << (e->op % 64));
		bithash ^= mix64(e->op + 1);
		unlift(e);
		if (e->match)
			remaining++;
		e = e->next;
	}
	if (!remaining)
		v = LIN_OK;
	*explored += steps;
	cache_free(&cache);
	free(call_of);
	free(bits);
	free(stack);
	free(evs);
	return v;
}

static enum lin_verdict check_key(const struct lin_op *const *all, size_t n, uint64_t budget,
				  struct lin_result *res)
{
	const struct lin_op **ops = xcalloc(n, sizeof(*ops));
	enum lin_verdict v = LIN_ILLEGAL;
	struct preds p = { 0 };
	struct facts f = { 0 };
	size_t m = 0, written = 0, i, k;

	if (!preds_build(&p, all, n))
		goto out;
	for (i = 0; i < n; i++) {
		uint64_t pred;
		bool seen;

		if (all[i]->kind == LIN_GET) {
			ops[m++] = all[i];
			continue;
		}
		seen = preds_find(&p, all[i]->arg, &pred);
		written += seen;
		if (all[i]->ret >= 0 || seen)
			ops[m++] = all[i];
		else
			res->n_unseen++;
	}
	/* a token read that no write wrote */
	if (written != p.n)
		goto out;
	f.out = xcalloc(m, sizeof(*f.out));
	f.pred = xcalloc(m, sizeof(*f.pred));
	f.has_pred = xcalloc(m, sizeof(*f.has_pred));
	for (i = 0; i < m; i++) {
		if (ops[i]->kind == LIN_GET)
			for (k = 0; k < ops[i]->n_val; k++)
				f.out[i] = lin_hash(f.out[i], ops[i]->val[k]);
		else
			f.has_pred[i] = preds_find(&p, ops[i]->arg, &f.pred[i]);
	}
	v = search(ops, m, &f, budget, &res->explored);
	free(f.out);
	free(f.pred);
	free(f.has_pred);
out:
	free(p.tok);
	free(p.pred);
	free(ops);
	return v;
}

static int by_key_then_call(const void *a, const void *b)
{
	const struct lin_op *x = *(const struct lin_op *const *)a;
	const struct lin_op *y = *(const struct lin_op *const *)b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->call != y->call)
		return x->call < y->call ? -1 : 1;
	return x < y ? -1 : x > y;
}

enum lin_verdict lin_check(const struct lin_op *ops, size_t n, uint64_t budget,
			   struct lin_result *res)
{
	const struct lin_op **v = xcalloc(n, sizeof(*v));
	size_t m = 0, i, j;

	memset(res, 0, sizeof(*res));
	res->verdict = LIN_OK;
	/* a read that never answered tells nothing */
	for (i = 0; i < n; i++)
		if (ops[i].kind != LIN_GET || ops[i].ret >= 0)
			v[m++] = &ops[i];
	qsort(v, m, sizeof(*v), by_key_then_call);
	for (i = 0; i < m; i = j) {
		enum lin_verdict kv;

		for (j = i; j < m && v[j]->key == v[i]->key; j++)
			;
		res->n_keys++;
		kv = check_key(v + i, j - i, budget, res);
		if (kv != LIN_OK && res->verdict == LIN_OK) {
			res->verdict = kv;
			res->key = v[i]->key;
		}
	}
	free(v);
	return res->verdict;
}

void lin_dump(FILE *f, const struct lin_op *ops, size_t n, uint32_t key)
{
	static const char *const kind[] = { "get", "put", "append" };
	const struct lin_op **v = xcalloc(n, sizeof(*v));
	size_t m = 0, i;

	for (i = 0; i < n; i++)
		if (ops[i].key == key)
			v[m++] = &ops[i];
	qsort(v, m, sizeof(*v), by_key_then_call);
	for (i = 0; i < m; i++) {
		const struct lin_op *op = v[i];

		fprintf(f, "  key %u %-6s", op->key, kind[op->kind % 3]);
		if (op->kind == LIN_GET && op->ret >= 0) {
			uint32_t k = op->n_val > 8 ? op->n_val - 8 : 0;

			fprintf(f, " -> %u: %s", op->n_val, k ? "... " : "");
			for (; k < op->n_val; k++)
				fprintf(f, "%llu ", (unsigned long long)op->val[k]);
		} else if (op->kind != LIN_GET) {
			fprintf(f, " %llu", (unsigned long long)op->arg);
		}
		fprintf(f, "  [%lld, ", (long long)op->call);
		if (op->ret >= 0)
			fprintf(f, "%lld]\n", (long long)op->ret);
		else
			fprintf(f, "unknown)\n");
	}
	free(v);
}
