// SPDX-License-Identifier: GPL-2.0
/*
 * Sampling: a head probability per operation, adapted every interval to a
 * target rate of sampled spans (Jaeger's adaptive sampling), decided from
 * the trace id so that every node agrees; and the tail rule that keeps a
 * finished trace that erred or had a span slower than its operation's p99.
 *
 * Operations live in an open-addressing table that the head decision reads
 * without a lock (entries are only ever added, published with a release
 * store); everything else takes the sampler's mutex.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "trace_internal.h"

#define RLX memory_order_relaxed
#define SAMPLE_MASK	((1ULL << TRACE_SAMPLE_BITS) - 1)
#define OTHER_NAME	"(other)"

struct op {
	char *name;
	uint64_t hash;
	_Atomic uint64_t threshold;	/* the head rule's T */
	_Atomic uint64_t iv_decisions;	/* since the last adaptation */
	_Atomic uint64_t iv_sampled;
	/* under the sampler's lock */
	uint64_t decisions, sampled;	/* before this interval */
	double p, target;		/* target 0: fixed p */
	bool own;			/* set for this op, not the default */
	double observed_rate;
	uint64_t since_ns;		/* start of the current interval */
	uint64_t spans, errors, kept_error, kept_slow;
	uint64_t p99_ns;
	uint64_t p99_count;		/* histogram count at the last refresh */
	struct trace_hist hist;
};

struct trace_sampler {
	struct trace_sampler_conf conf;
	pthread_mutex_t lock;
	_Atomic(struct op *) *slots;
	uint64_t mask;
	struct op **order;		/* first-seen order, "(other)" first */
	uint32_t nops;
	struct op *other;
	double default_target, default_p;
};

uint64_t trace_sample_threshold(double p)
{
	if (!(p > 0))		/* also NaN */
		return 1ULL << TRACE_SAMPLE_BITS;
	if (p >= 1)
		return 0;
	return (uint64_t)llround((1.0 - p) * (double)(1ULL << TRACE_SAMPLE_BITS));
}

bool trace_sample_id(const struct trace_id *id, uint64_t threshold)
{
	return (id->lo & SAMPLE_MASK) >= threshold;
}

void trace_sampler_conf_default(struct trace_sampler_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->target_rate = 0;
	conf->initial_p = 1.0;
	conf->min_p = 1e-6;
	conf->damping = 0.5;
	conf->max_increase = 2.0;
	conf->interval_ns = 1000000000ULL;
	conf->max_ops = 256;
	conf->slow_min_count = 100;
	conf->tail_errors = true;
	conf->tail_slow = true;
}

static uint64_t now_ns(const struct trace_sampler *s)
{
	return s->conf.clock ? s->conf.clock(s->conf.clock_arg) : trace_clock_mono_ns();
}

static double clamp_p(double p)
{
	if (!(p > 0))
		return 0;
	return p > 1 ? 1 : p;
}

static void op_set_p(struct op *o, double p)
{
	o->p = clamp_p(p);
	atomic_store_explicit(&o->threshold, trace_sample_threshold(o->p), RLX);
}

static struct op *op_new(struct trace_sampler *s, const char *name, uint64_t hash)
{
	struct op *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->name = strdup(name);
	if (!o->name) {
		free(o);
		return NULL;
	}
	o->hash = hash;
	trace_hist_init(&o->hist);
	o->target = s->default_target;
	op_set_p(o, s->default_target > 0 ? s->conf.initial_p : s->default_p);
	o->since_ns = now_ns(s);
	return o;
}

static void op_free(struct op *o)
{
	if (o) {
		free(o->name);
		free(o);
	}
}

struct trace_sampler *trace_sampler_create(const struct trace_sampler_conf *conf)
{
	struct trace_sampler *s = calloc(1, sizeof(*s));
	uint64_t nslots = 16;

	if (!s)
		return NULL;
	if (conf)
		s->conf = *conf;
	else
		trace_sampler_conf_default(&s->conf);
	if (!s->conf.max_ops)
		s->conf.max_ops = 256;
	if (!s->conf.interval_ns)
		s->conf.interval_ns = 1000000000ULL;
	if (!(s->conf.damping > 0) || s->conf.damping > 1)
		s->conf.damping = 0.5;
	if (!(s->conf.max_increase >= 1))
		s->conf.max_increase = 2.0;
	if (!(s->conf.min_p >= 0) || s->conf.min_p > 1)
		s->conf.min_p = 1e-6;
	s->default_target = s->conf.target_rate > 0 ? s->conf.target_rate : 0;
	s->default_p = clamp_p(s->conf.initial_p);
	while (nslots < 2ULL * s->conf.max_ops)
		nslots <<= 1;
	s->mask = nslots - 1;
	s->slots = calloc(nslots, sizeof(*s->slots));
	s->order = calloc(s->conf.max_ops + 1, sizeof(*s->order));
	pthread_mutex_init(&s->lock, NULL);
	if (s->slots && s->order)
		s->other = op_new(s, OTHER_NAME, trace_str_hash(OTHER_NAME));
	if (!s->other) {
		trace_sampler_destroy(s);
		return NULL;
	}
	s->order[s->nops++] = s->other;
	return s;
}

void trace_sampler_destroy(struct trace_sampler *s)
{
	uint32_t i;

	if (!s)
		return;
	for (i = 0; i < s->nops; i++)
		op_free(s->order[i]);
	if (!s->nops)
		op_free(s->other);
	free(s->order);
	free(s->slots);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* Lock-free probe; NULL when @name has no entry. */
static struct op *op_find(struct trace_sampler *s, const char *name, uint64_t hash)
{
	uint64_t i;
	struct op *o;

	for (i = hash & s->mask;; i = (i + 1) & s->mask) {
		o = atomic_load_explicit(&s->slots[i], memory_order_acquire);
		if (!o)
			return NULL;
		if (o->hash == hash && !strcmp(o->name, name))
			return o;
	}
}

/* The entry of @name, made if new; "(other)" when full (or out of memory). */
static struct op *op_get(struct trace_sampler *s, const char *name, bool locked)
{
	uint64_t hash, i;
	struct op *o;

	if (!name)
		return s->other;
	hash = trace_str_hash(name);
	o = op_find(s, name, hash);
	if (o)
		return o;
	if (!strcmp(name, OTHER_NAME))
		return s->other;
	if (!locked)
		pthread_mutex_lock(&s->lock);
	o = op_find(s, name, hash);
	if (!o && s->nops - 1 < s->conf.max_ops) {
		o = op_new(s, name, hash);
		if (o) {
			for (i = hash & s->mask; atomic_load_explicit(&s->slots[i], RLX);
			     i = (i + 1) & s->mask)
				;
			s->order[s->nops++] = o;
			atomic_store_explicit(&s->slots[i], o, memory_order_release);
		}
	}
	if (!locked)
		pthread_mutex_unlock(&s->lock);
	return o ? o : s->other;
}

bool trace_sampler_decide(struct trace_sampler *s, const char *op, const struct trace_id *id)
{
	struct op *o = op_get(s, op, false);
	bool yes = trace_sample_id(id, atomic_load_explicit(&o->threshold, RLX));

	atomic_fetch_add_explicit(&o->iv_decisions, 1, RLX);
	if (yes)
		atomic_fetch_add_explicit(&o->iv_sampled, 1, RLX);
	return yes;
}

static void refresh_p99(const struct trace_sampler *s, struct op *o)
{
	uint64_t n = trace_hist_count(&o->hist);

	if (n && n >= s->conf.slow_min_count) {
		o->p99_ns = trace_hist_quantile(&o->hist, 0.99);
		o->p99_count = n;
	}
}

unsigned int trace_sampler_observe(struct trace_sampler *s, const struct trace_span *sp)
{
	uint64_t d = trace_span_duration(sp);
	unsigned int keep = 0;
	struct op *o;

	pthread_mutex_lock(&s->lock);
	o = op_get(s, sp->name, true);
	trace_hist_insert(&o->hist, d);
	o->spans++;
	if (sp->status == TRACE_STATUS_ERROR)
		o->errors++;
	/*
	 * The slow rule applies as soon as there is enough data; until the
	 * next tick the p99 is refreshed whenever the count has doubled.
	 */
	if (o->spans >= 2 * o->p99_count)
		refresh_p99(s, o);
	if (s->conf.tail_errors && sp->status == TRACE_STATUS_ERROR)
		keep |= TRACE_KEEP_ERROR;
	if (s->conf.tail_slow && o->p99_ns && d > o->p99_ns)
		keep |= TRACE_KEEP_SLOW;
	pthread_mutex_unlock(&s->lock);
	return keep;
}

static void adapt(struct trace_sampler *s, struct op *o, uint64_t elapsed_ns)
{
	uint64_t dec = atomic_exchange_explicit(&o->iv_decisions, 0, RLX);
	uint64_t smp = atomic_exchange_explicit(&o->iv_sampled, 0, RLX);
	double p = o->p, np, cap;

	o->decisions += dec;
	o->sampled += smp;
	o->observed_rate = (double)smp * 1e9 / (double)elapsed_ns;
	if (!(o->target > 0) || !dec)
		return;		/* fixed, or no traffic to learn from */
	cap = p * s->conf.max_increase;
	if (!(p > 0))
		cap = s->conf.min_p > 0 ? s->conf.min_p : 1e-6;
	if (!smp)
		np = cap;
	else
		np = p * pow(o->target / o->observed_rate, s->conf.damping);
	if (np > cap)
		np = cap;
	if (np < s->conf.min_p)
		np = s->conf.min_p;
	op_set_p(o, np);
}

int trace_sampler_tick(struct trace_sampler *s)
{
	uint64_t now = now_ns(s);
	uint32_t i;
	int n = 0;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->nops; i++) {
		struct op *o = s->order[i];

		if (now - o->since_ns < s->conf.interval_ns)
			continue;
		adapt(s, o, now - o->since_ns);
		o->since_ns = now;
		refresh_p99(s, o);
		n++;
	}
	pthread_mutex_unlock(&s->lock);
	return n;
}

unsigned int trace_sampler_tail(struct trace_sampler *s, const struct trace_span *spans, size_t n)
{
	struct op *err_op = NULL, *slow_op = NULL;
	unsigned int keep = 0;
	size_t i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < n; i++) {
		const struct trace_span *sp = &spans[i];

		if (sp->flags & TRACE_FLAG_SAMPLED)
			keep |= TRACE_KEEP_SAMPLED;
		if (s->conf.tail_errors && sp->status == TRACE_STATUS_ERROR) {
			keep |= TRACE_KEEP_ERROR;
			if (!err_op)
				err_op = op_get(s, sp->name, true);
		}
		if (s->conf.tail_slow && !slow_op) {
			struct op *o = sp->name ? op_find(s, sp->name, trace_str_hash(sp->name))
						: s->other;

			if (o && o->p99_ns && trace_span_duration(sp) > o->p99_ns) {
				keep |= TRACE_KEEP_SLOW;
				slow_op = o;
			}
		}
	}
	if (err_op)
		err_op->kept_error++;
	if (slow_op)
		slow_op->kept_slow++;
	pthread_mutex_unlock(&s->lock);
	return keep;
}

static int apply_setting(struct trace_sampler *s, const char *op, double target, double p)
{
	uint32_t i;

	pthread_mutex_lock(&s->lock);
	if (op) {
		struct op *o = op_get(s, op, true);

		if (o == s->other && strcmp(op, OTHER_NAME)) {
			pthread_mutex_unlock(&s->lock);
			return -ENOSPC;
		}
		o->own = true;
		o->target = target;
		if (!(target > 0))
			op_set_p(o, p);
	} else {
		s->default_target = target;
		if (!(target > 0))
			s->default_p = p;
		for (i = 0; i < s->nops; i++) {
			struct op *o = s->order[i];

			if (o->own)
				continue;
			o->target = target;
			if (!(target > 0))
				op_set_p(o, p);
		}
	}
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int trace_sampler_set_target(struct trace_sampler *s, const char *op, double rate)
{
	if (!(rate > 0) || isinf(rate))
		return -EINVAL;
	return apply_setting(s, op, rate, 0);
}

int trace_sampler_set_probability(struct trace_sampler *s, const char *op, double p)
{
	if (!(p >= 0 && p <= 1))
		return -EINVAL;
	return apply_setting(s, op, 0, p);
}

static void op_report(const struct op *o, struct trace_sampler_op *out)
{
	out->name = o->name;
	out->p = o->p;
	out->target_rate = o->target;
	out->observed_rate = o->observed_rate;
	out->decisions = o->decisions + atomic_load_explicit(&o->iv_decisions, RLX);
	out->sampled = o->sampled + atomic_load_explicit(&o->iv_sampled, RLX);
	out->spans = o->spans;
	out->errors = o->errors;
	out->kept_error = o->kept_error;
	out->kept_slow = o->kept_slow;
	out->p99_ns = o->p99_ns;
	out->hist = &o->hist;
}

int trace_sampler_op_get(struct trace_sampler *s, const char *op, struct trace_sampler_op *out)
{
	struct op *o;

	if (!op)
		return -EINVAL;
	o = op_find(s, op, trace_str_hash(op));
	if (!o && !strcmp(op, OTHER_NAME))
		o = s->other;
	if (!o)
		return -ENOENT;
	pthread_mutex_lock(&s->lock);
	op_report(o, out);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

size_t trace_sampler_ops(struct trace_sampler *s, struct trace_sampler_op *out, size_t max)
{
	size_t i, n;

	pthread_mutex_lock(&s->lock);
	n = s->nops;
	for (i = 0; i < n && i < max; i++)
		op_report(s->order[i], &out[i]);
	pthread_mutex_unlock(&s->lock);
	return n;
}
