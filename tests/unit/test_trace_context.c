// SPDX-License-Identifier: GPL-2.0
/*
 * W3C Trace Context in lib/trace: the traceparent header parsed and
 * formatted (round trips, the spec's example), every way a header is
 * refused (lengths, hex, uppercase, delimiters, version ff, zero ids,
 * trailing data), the 26-byte binary form, and random ids (never zero,
 * distinct across threads and across fork()).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../lib/trace/trace.h"

#define EXAMPLE "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

static int parse(struct trace_ctx *ctx, const char *s)
{
	return trace_ctx_parse(ctx, s, strlen(s));
}

static void test_parse_example(void **state)
{
	struct trace_ctx ctx;
	char out[TRACE_TRACEPARENT_SIZE];

	(void)state;
	assert_int_equal(strlen(EXAMPLE), TRACE_TRACEPARENT_LEN);
	assert_int_equal(parse(&ctx, EXAMPLE), 0);
	assert_true(ctx.trace_id.hi == 0x4bf92f3577b34da6ULL);
	assert_true(ctx.trace_id.lo == 0xa3ce929d0e0e4736ULL);
	assert_true(ctx.span_id == 0x00f067aa0ba902b7ULL);
	assert_int_equal(ctx.flags, TRACE_FLAG_SAMPLED);
	assert_int_equal(ctx.version, 0);
	assert_true(trace_ctx_sampled(&ctx));
	trace_ctx_format(&ctx, out);
	assert_string_equal(out, EXAMPLE);
	/* no NUL needed: the length bounds the parse */
	assert_int_equal(trace_ctx_parse(&ctx, EXAMPLE "garbage", TRACE_TRACEPARENT_LEN), 0);
}

static void test_round_trip(void **state)
{
	char out[TRACE_TRACEPARENT_SIZE];
	uint8_t bin[TRACE_CTX_BIN_LEN];
	int i;

	(void)state;
	for (i = 0; i < 10000; i++) {
		struct trace_ctx a, b, c;

		trace_ctx_new_root(&a, i & 1);
		trace_ctx_format(&a, out);
		assert_int_equal(strlen(out), TRACE_TRACEPARENT_LEN);
		assert_int_equal(parse(&b, out), 0);
		assert_true(trace_id_eq(&a.trace_id, &b.trace_id));
		assert_true(a.span_id == b.span_id && a.flags == b.flags);
		trace_ctx_to_bin(&a, bin);
		assert_int_equal(trace_ctx_from_bin(&c, bin, sizeof(bin)), 0);
		assert_true(trace_id_eq(&a.trace_id, &c.trace_id));
		assert_true(a.span_id == c.span_id && a.flags == c.flags);
		assert_int_equal(c.flags & TRACE_FLAG_RANDOM, TRACE_FLAG_RANDOM);
		assert_int_equal(!!(c.flags & TRACE_FLAG_SAMPLED), i & 1);
	}
}

/* Take EXAMPLE, put @c at @pos, expect @err. */
static void expect_mutation(size_t pos, char c, int err)
{
	char buf[TRACE_TRACEPARENT_SIZE];
	struct trace_ctx ctx = { .span_id = 42 };

	memcpy(buf, EXAMPLE, sizeof(buf));
	buf[pos] = c;
	if (parse(&ctx, buf) != err)
		fail_msg("%s: %d, expected %d", buf, parse(&ctx, buf), err);
	assert_true(ctx.span_id == 42);		/* untouched */
}

static void test_reject_hex(void **state)
{
	static const char bad[] = "ABCDEFgxyz G:/@`{-_.";
	size_t pos, i;

	(void)state;
	/* every hex position, every non-lowercase-hex character */
	for (pos = 0; pos < TRACE_TRACEPARENT_LEN; pos++) {
		if (pos == 2 || pos == 35 || pos == 52)
			continue;
		for (i = 0; bad[i]; i++) {
			/* "-" in the version's place reads as not-hex too */
			expect_mutation(pos, bad[i], TRACE_CTX_EHEX);
		}
	}
	/* uppercase anywhere: the spec says lowercase, we do not fold */
	assert_int_equal(parse(&(struct trace_ctx){ 0 },
			       "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01"),
			 TRACE_CTX_EHEX);
	assert_int_equal(parse(&(struct trace_ctx){ 0 },
			       "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A"),
			 TRACE_CTX_EHEX);
}

static void test_reject_delim(void **state)
{
	(void)state;
	expect_mutation(2, '_', TRACE_CTX_EDELIM);
	expect_mutation(35, '0', TRACE_CTX_EDELIM);
	expect_mutation(52, ' ', TRACE_CTX_EDELIM);
}

static void test_reject_length(void **state)
{
	struct trace_ctx ctx = { 0 };
	char buf[128];
	size_t len;

	(void)state;
	/* every length short of 55 */
	for (len = 0; len < TRACE_TRACEPARENT_LEN; len++)
		assert_int_equal(trace_ctx_parse(&ctx, EXAMPLE, len), TRACE_CTX_ELEN);
	assert_int_equal(trace_ctx_parse(&ctx, NULL, 0), TRACE_CTX_ELEN);
	/* ids of the wrong length shift the delimiters */
	assert_int_equal(parse(&ctx, "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01"),
			 TRACE_CTX_ELEN);
	assert_int_equal(parse(&ctx, "00-4bf92f3577b34da6a3ce929d0e0e47366-00f067aa0ba902b7-01"),
			 TRACE_CTX_EDELIM);
	assert_int_equal(parse(&ctx, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01"),
			 TRACE_CTX_ELEN);
	assert_int_equal(parse(&ctx, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1"),
			 TRACE_CTX_ELEN);
	assert_int_equal(parse(&ctx, "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
			 TRACE_CTX_EHEX);
	/* version 00: nothing after the flags, not even a dash or a space */
	snprintf(buf, sizeof(buf), "%s-", EXAMPLE);
	assert_int_equal(parse(&ctx, buf), TRACE_CTX_ETRAILING);
	snprintf(buf, sizeof(buf), "%s-what-ever", EXAMPLE);
	assert_int_equal(parse(&ctx, buf), TRACE_CTX_ETRAILING);
	snprintf(buf, sizeof(buf), "%s ", EXAMPLE);
	assert_int_equal(parse(&ctx, buf), TRACE_CTX_ETRAILING);
	assert_int_equal(trace_ctx_parse(&ctx, EXAMPLE "\0", TRACE_TRACEPARENT_LEN + 1),
			 TRACE_CTX_ETRAILING);
	assert_true(ctx.span_id == 0);		/* never written */
}

static void test_reject_version_and_zero(void **state)
{
	struct trace_ctx ctx = { 0 };

	(void)state;
	assert_int_equal(parse(&ctx, "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
			 TRACE_CTX_EVERSION);
	assert_int_equal(parse(&ctx, "ff"), TRACE_CTX_EVERSION);
	assert_int_equal(parse(&ctx, "00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
			 TRACE_CTX_EZERO_TRACE);
	assert_int_equal(parse(&ctx, "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"),
			 TRACE_CTX_EZERO_SPAN);
	assert_int_equal(parse(&ctx, "00-00000000000000000000000000000000-0000000000000000-00"),
			 TRACE_CTX_EZERO_TRACE);
	/* one non-zero digit anywhere makes an id valid */
	assert_int_equal(parse(&ctx, "00-00000000000000000000000000000001-0000000000000001-00"), 0);
	assert_int_equal(parse(&ctx, "00-10000000000000000000000000000000-1000000000000000-00"), 0);
	assert_true(ctx.trace_id.hi == 1ULL << 60 && ctx.trace_id.lo == 0);
}

/* A higher version: parsed by its 00 prefix, the rest after a '-' ignored. */
static void test_future_version(void **state)
{
	struct trace_ctx ctx = { 0 };
	char out[TRACE_TRACEPARENT_SIZE];

	(void)state;
	assert_int_equal(parse(&ctx, "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), 0);
	assert_int_equal(ctx.version, 1);
	assert_int_equal(parse(&ctx,
			       "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-what-the-future"),
			 0);
	assert_int_equal(ctx.version, 0xcc);
	assert_int_equal(ctx.flags, 0x09);
	/* we answer in version 00, unknown flags cleared */
	trace_ctx_format(&ctx, out);
	assert_string_equal(out, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
	assert_int_equal(parse(&ctx, "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"),
			 TRACE_CTX_ETRAILING);
	assert_int_equal(parse(&ctx, "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0"),
			 TRACE_CTX_ELEN);
	assert_int_equal(parse(&ctx, "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g"),
			 TRACE_CTX_EHEX);
}

static void test_format_flags(void **state)
{
	struct trace_ctx ctx = { { 1, 2 }, 3, 0xff, 0 };
	char out[TRACE_TRACEPARENT_SIZE];

	(void)state;
	trace_ctx_format(&ctx, out);
	assert_string_equal(out, "00-00000000000000010000000000000002-0000000000000003-03");
	trace_ctx_set_sampled(&ctx, false);
	trace_ctx_format(&ctx, out);
	assert_string_equal(out, "00-00000000000000010000000000000002-0000000000000003-02");
}

static void test_binary(void **state)
{
	static const uint8_t want[TRACE_CTX_BIN_LEN] = {
		0x00,
		0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6,
		0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36,
		0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7,
		0x01,
	};
	uint8_t bin[TRACE_CTX_BIN_LEN + 8] = { 0 };
	struct trace_ctx ctx, back = { .span_id = 7 };

	(void)state;
	assert_int_equal(parse(&ctx, EXAMPLE), 0);
	trace_ctx_to_bin(&ctx, bin);
	assert_memory_equal(bin, want, sizeof(want));
	assert_int_equal(trace_ctx_from_bin(&back, want, sizeof(want)), 0);
	assert_true(trace_id_eq(&back.trace_id, &ctx.trace_id) && back.span_id == ctx.span_id);

	/* refusals mirror the text form's */
	memcpy(bin, want, sizeof(want));
	assert_int_equal(trace_ctx_from_bin(&back, bin, 0), TRACE_CTX_ELEN);
	assert_int_equal(trace_ctx_from_bin(&back, bin, 25), TRACE_CTX_ELEN);
	assert_int_equal(trace_ctx_from_bin(&back, bin, 27), TRACE_CTX_ETRAILING);
	assert_int_equal(trace_ctx_from_bin(&back, NULL, 26), TRACE_CTX_ELEN);
	bin[0] = 0xff;
	assert_int_equal(trace_ctx_from_bin(&back, bin, 26), TRACE_CTX_EVERSION);
	bin[0] = 0x01;		/* a future version may be longer */
	assert_int_equal(trace_ctx_from_bin(&back, bin, 34), 0);
	assert_int_equal(back.version, 1);
	memcpy(bin, want, sizeof(want));
	memset(bin + 1, 0, 16);
	assert_int_equal(trace_ctx_from_bin(&back, bin, 26), TRACE_CTX_EZERO_TRACE);
	memcpy(bin, want, sizeof(want));
	memset(bin + 17, 0, 8);
	assert_int_equal(trace_ctx_from_bin(&back, bin, 26), TRACE_CTX_EZERO_SPAN);
}

static void test_id_helpers(void **state)
{
	struct trace_id id;
	uint64_t sid;
	char hex[33];
	int e;

	(void)state;
	assert_int_equal(trace_id_parse(&id, "4bf92f3577b34da6a3ce929d0e0e4736", 32), 0);
	trace_id_hex(&id, hex);
	assert_string_equal(hex, "4bf92f3577b34da6a3ce929d0e0e4736");
	assert_int_equal(trace_id_parse(&id, "4bf92f3577b34da6a3ce929d0e0e473", 31), TRACE_CTX_ELEN);
	assert_int_equal(trace_id_parse(&id, "4bf92f3577b34da6a3ce929d0e0e473G", 32), TRACE_CTX_EHEX);
	assert_int_equal(trace_span_id_parse(&sid, "00f067aa0ba902b7", 16), 0);
	trace_span_id_hex(sid, hex);
	assert_string_equal(hex, "00f067aa0ba902b7");
	assert_int_equal(trace_span_id_parse(&sid, "00f067aa0ba902b", 15), TRACE_CTX_ELEN);
	for (e = TRACE_CTX_ETRAILING; e <= 0; e++)
		assert_string_not_equal(trace_ctx_strerror(e), "unknown error");
	assert_string_equal(trace_ctx_strerror(-99), "unknown error");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

enum { NIDS = 20000 };

static void *make_ids(void *p)
{
	uint64_t *out = p;
	int i;

	for (i = 0; i < NIDS; i++)
		out[i] = trace_span_id_random();
	return NULL;
}

static void test_random_ids(void **state)
{
	uint64_t *ids = malloc(2 * NIDS * sizeof(*ids));
	pthread_t th;
	int i, ones = 0;

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, make_ids, ids), 0);
	make_ids(ids + NIDS);
	pthread_join(th, NULL);
	qsort(ids, 2 * NIDS, sizeof(*ids), cmp_u64);
	for (i = 0; i < 2 * NIDS; i++) {
		assert_true(ids[i] != 0);
		if (i)
			assert_true(ids[i] != ids[i - 1]);	/* no repeat across threads */
		ones += __builtin_popcountll(ids[i]);
	}
	/* about half the bits set */
	assert_true(ones > 2 * NIDS * 31 && ones < 2 * NIDS * 33);
	for (i = 0; i < 1000; i++) {
		struct trace_id id;

		trace_id_random(&id);
		assert_false(trace_id_is_zero(&id));
	}
	free(ids);
}

/* A forked child reseeds: its ids are not its parent's. */
static void test_fork_reseeds(void **state)
{
	uint64_t parent_next, child_next = 0;
	int fds[2], st;
	pid_t pid;

	(void)state;
	trace_span_id_random();		/* the parent's generator is seeded */
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uint64_t v = trace_span_id_random();

		if (write(fds[1], &v, sizeof(v)) != sizeof(v))
			_exit(1);
		_exit(0);
	}
	parent_next = trace_span_id_random();
	assert_int_equal(read(fds[0], &child_next, sizeof(child_next)), sizeof(child_next));
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_true(child_next != parent_next);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_example),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_reject_hex),
		cmocka_unit_test(test_reject_delim),
		cmocka_unit_test(test_reject_length),
		cmocka_unit_test(test_reject_version_and_zero),
		cmocka_unit_test(test_future_version),
		cmocka_unit_test(test_format_flags),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_id_helpers),
		cmocka_unit_test(test_random_ids),
		cmocka_unit_test(test_fork_reseeds),
	};

	return cmocka_run_group_tests_name("trace_context", tests, NULL, NULL);
}
