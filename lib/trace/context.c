// SPDX-License-Identifier: GPL-2.0
/*
 * W3C Trace Context: the traceparent header (text), our 26-byte binary form
 * for the netlink attribute, and random ids.
 *
 * Parsing follows the Trace Context recommendation strictly: HEXDIGLC only
 * (an uppercase digit makes the header invalid, as the spec says for ids),
 * version ff invalid, version 00 exactly 55 characters, a higher version
 * parsed by its 00 prefix when what follows the flags starts with '-'.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "trace_internal.h"

static const char hexdig[] = "0123456789abcdef";

/* 0-15, or -1 for anything but a lowercase hex digit */
static int unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int parse_hex64(uint64_t *out, const char *s, size_t digits)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < digits; i++) {
		int d = unhex(s[i]);

		if (d < 0)
			return TRACE_CTX_EHEX;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return 0;
}

static void fmt_hex64(char *out, uint64_t v)
{
	int i;

	for (i = 15; i >= 0; i--) {
		out[i] = hexdig[v & 0xf];
		v >>= 4;
	}
}

void trace_id_hex(const struct trace_id *id, char out[33])
{
	fmt_hex64(out, id->hi);
	fmt_hex64(out + 16, id->lo);
	out[32] = '\0';
}

void trace_span_id_hex(uint64_t span_id, char out[17])
{
	fmt_hex64(out, span_id);
	out[16] = '\0';
}

int trace_id_parse(struct trace_id *id, const char *s, size_t len)
{
	struct trace_id t;
	int err;

	if (len != 32)
		return TRACE_CTX_ELEN;
	err = parse_hex64(&t.hi, s, 16);
	if (!err)
		err = parse_hex64(&t.lo, s + 16, 16);
	if (!err)
		*id = t;
	return err;
}

int trace_span_id_parse(uint64_t *span_id, const char *s, size_t len)
{
	if (len != 16)
		return TRACE_CTX_ELEN;
	return parse_hex64(span_id, s, 16);
}

bool trace_ctx_valid(const struct trace_ctx *ctx)
{
	return !trace_id_is_zero(&ctx->trace_id) && ctx->span_id;
}

/*
 * version "-" trace-id "-" parent-id "-" trace-flags
 *  0..1   2  3..34     35 36..51     52 53..54
 */
int trace_ctx_parse(struct trace_ctx *ctx, const char *s, size_t len)
{
	struct trace_ctx c = { 0 };
	uint64_t v;
	int err;

	if (!s || len < 2)
		return TRACE_CTX_ELEN;
	err = parse_hex64(&v, s, 2);
	if (err)
		return err;
	if (v == 0xff)
		return TRACE_CTX_EVERSION;
	c.version = (uint8_t)v;
	if (len < TRACE_TRACEPARENT_LEN)
		return TRACE_CTX_ELEN;
	if (s[2] != '-' || s[35] != '-' || s[52] != '-')
		return TRACE_CTX_EDELIM;
	err = parse_hex64(&c.trace_id.hi, s + 3, 16);
	if (!err)
		err = parse_hex64(&c.trace_id.lo, s + 19, 16);
	if (!err)
		err = parse_hex64(&c.span_id, s + 36, 16);
	if (!err)
		err = parse_hex64(&v, s + 53, 2);
	if (err)
		return err;
	c.flags = (uint8_t)v;
	if (len > TRACE_TRACEPARENT_LEN && (c.version == 0 || s[55] != '-'))
		return TRACE_CTX_ETRAILING;
	if (trace_id_is_zero(&c.trace_id))
		return TRACE_CTX_EZERO_TRACE;
	if (!c.span_id)
		return TRACE_CTX_EZERO_SPAN;
	*ctx = c;
	return 0;
}

void trace_ctx_format(const struct trace_ctx *ctx, char out[TRACE_TRACEPARENT_SIZE])
{
	uint8_t f = ctx->flags & TRACE_FLAGS_KNOWN;

	out[0] = '0';
	out[1] = '0';
	out[2] = '-';
	fmt_hex64(out + 3, ctx->trace_id.hi);
	fmt_hex64(out + 19, ctx->trace_id.lo);
	out[35] = '-';
	fmt_hex64(out + 36, ctx->span_id);
	out[52] = '-';
	out[53] = hexdig[f >> 4];
	out[54] = hexdig[f & 0xf];
	out[55] = '\0';
}

static void put_be64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

void trace_ctx_to_bin(const struct trace_ctx *ctx, uint8_t out[TRACE_CTX_BIN_LEN])
{
	out[0] = 0;
	put_be64(out + 1, ctx->trace_id.hi);
	put_be64(out + 9, ctx->trace_id.lo);
	put_be64(out + 17, ctx->span_id);
	out[25] = ctx->flags & TRACE_FLAGS_KNOWN;
}

int trace_ctx_from_bin(struct trace_ctx *ctx, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	struct trace_ctx c = { 0 };

	if (!p || len < 1)
		return TRACE_CTX_ELEN;
	if (p[0] == 0xff)
		return TRACE_CTX_EVERSION;
	if (len < TRACE_CTX_BIN_LEN)
		return TRACE_CTX_ELEN;
	if (p[0] == 0 && len > TRACE_CTX_BIN_LEN)
		return TRACE_CTX_ETRAILING;
	c.version = p[0];
	c.trace_id.hi = get_be64(p + 1);
	c.trace_id.lo = get_be64(p + 9);
	c.span_id = get_be64(p + 17);
	c.flags = p[25];
	if (trace_id_is_zero(&c.trace_id))
		return TRACE_CTX_EZERO_TRACE;
	if (!c.span_id)
		return TRACE_CTX_EZERO_SPAN;
	*ctx = c;
	return 0;
}

const char *trace_ctx_strerror(int err)
{
	switch (err) {
	case TRACE_CTX_OK:
		return "ok";
	case TRACE_CTX_ELEN:
		return "bad length";
	case TRACE_CTX_EHEX:
		return "not lowercase hex";
	case TRACE_CTX_EDELIM:
		return "'-' expected";
	case TRACE_CTX_EVERSION:
		return "version ff is invalid";
	case TRACE_CTX_EZERO_TRACE:
		return "all-zero trace id";
	case TRACE_CTX_EZERO_SPAN:
		return "all-zero parent id";
	case TRACE_CTX_ETRAILING:
		return "trailing data after the flags";
	}
	return "unknown error";
}

/*
 * Random ids: xoshiro256** per thread, seeded from getrandom(). A forked
 * child bumps the generation, so every thread of it reseeds instead of
 * repeating its parent's ids.
 */
static atomic_uint fork_gen = 1;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void on_fork_child(void)
{
	atomic_fetch_add_explicit(&fork_gen, 1, memory_order_relaxed);
}

static void register_atfork(void)
{
	pthread_atfork(NULL, NULL, on_fork_child);
}

static _Thread_local struct {
	uint64_t s[4];
	unsigned int gen;
} rng;

static void rng_seed(void)
{
	uint64_t seed[4] = { 0 };
	size_t got = 0;
	int i;

	pthread_once(&atfork_once, register_atfork);
	while (got < sizeof(seed)) {
		ssize_t n = getrandom((char *)seed + got, sizeof(seed) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		got += (size_t)n;
	}
	if (got < sizeof(seed)) {
		/* no getrandom(): time, pid, thread and stack address, mixed */
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		seed[0] ^= (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 30;
		seed[1] ^= (uint64_t)getpid() << 32 ^ (uint64_t)gettid();
		seed[2] ^= (uint64_t)(uintptr_t)&ts;
		seed[3] ^= (uint64_t)(uintptr_t)&rng;
	}
	for (i = 0; i < 4; i++)
		rng.s[i] = trace_mix64(seed[i] + 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1));
	rng.gen = atomic_load_explicit(&fork_gen, memory_order_relaxed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t trace_rand64(void)
{
	uint64_t *s = rng.s, r, t;

	if (rng.gen != atomic_load_explicit(&fork_gen, memory_order_relaxed))
		rng_seed();
	r = rotl(s[1] * 5, 7) * 9;
	t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

void trace_id_random(struct trace_id *id)
{
	do {
		id->hi = trace_rand64();
		id->lo = trace_rand64();
	} while (trace_id_is_zero(id));
}

uint64_t trace_span_id_random(void)
{
	uint64_t v;

	do
		v = trace_rand64();
	while (!v);
	return v;
}

void trace_ctx_new_root(struct trace_ctx *ctx, bool sampled)
{
	trace_id_random(&ctx->trace_id);
	ctx->span_id = trace_span_id_random();
	ctx->flags = TRACE_FLAG_RANDOM | (sampled ? TRACE_FLAG_SAMPLED : 0);
	ctx->version = 0;
}
