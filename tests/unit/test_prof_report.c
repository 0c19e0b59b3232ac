// SPDX-License-Identifier: GPL-2.0
/*
 * lib/prof's reports: hotspots (self, and total counting a recursive
 * function once per stack), the call tree and its text form, the
 * comparison of two profiles (exact deltas of shares), and folded stacks
 * written (merged, sorted) and read back, with their errors by line.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../lib/prof/prof.h"

static int read_folded(struct prof_profile *p, uint32_t kind, const char *text,
		       char *err, size_t errlen)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc;

	assert_non_null(f);
	rc = prof_folded_read(p, kind, f, err, errlen);
	fclose(f);
	return rc;
}

static struct prof_profile *folded(const char *cpu, const char *mem)
{
	struct prof_profile *p = prof_profile_new();
	char err[256];

	assert_non_null(p);
	if (read_folded(p, SOV_PROF_KIND_CPU, cpu, err, sizeof(err)))
		fail_msg("cpu: %s", err);
	if (mem && read_folded(p, SOV_PROF_KIND_MEM, mem, err, sizeof(err)))
		fail_msg("mem: %s", err);
	return p;
}

static char *folded_text(const struct prof_profile *p, uint32_t kind)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(prof_folded_write(p, kind, f), 0);
	fclose(f);
	return buf;
}

static const char recursive[] =
	"a;main;f;g;f 10\n"
	"a;main;f 5\n"
	"a;main;g 3\n"
	"b;main;h 2\n";

static void test_hotspots_recursion_once(void **state)
{
	struct prof_profile *p = folded(recursive, "a;main;kmalloc_[k] 4096\n");
	struct prof_hot *h;
	uint64_t grand = 0;
	ssize_t n;

	(void)state;
	n = prof_hotspots(p, SOV_PROF_KIND_CPU, &h, &grand);
	assert_int_equal(n, 4);
	assert_int_equal(grand, 20);
	/* by self, then total; comms are not functions */
	assert_string_equal(h[0].name, "f");
	assert_int_equal(h[0].self, 15);
	assert_int_equal(h[0].total, 15);	/* not 25: f;g;f counts once */
	assert_string_equal(h[1].name, "g");
	assert_int_equal(h[1].self, 3);
	assert_int_equal(h[1].total, 13);
	assert_string_equal(h[2].name, "h");
	assert_int_equal(h[2].self, 2);
	assert_int_equal(h[2].total, 2);
	assert_string_equal(h[3].name, "main");
	assert_int_equal(h[3].self, 0);
	assert_int_equal(h[3].total, 20);
	prof_hot_free(h, (size_t)n);

	n = prof_hotspots(p, SOV_PROF_KIND_MEM, &h, &grand);
	assert_int_equal(n, 2);
	assert_int_equal(grand, 4096);
	assert_string_equal(h[0].name, "kmalloc_[k]");
	prof_hot_free(h, (size_t)n);

	n = prof_hotspots(p, SOV_PROF_KIND_LOCK, &h, &grand);
	assert_int_equal(n, 0);
	assert_int_equal(grand, 0);
	prof_hot_free(h, 0);
	prof_profile_free(p);
}

static const struct prof_node *kid(const struct prof_node *n, size_t i,
				   const char *name, uint64_t total, uint64_t self)
{
	const struct prof_node *k;

	assert_true(i < n->nkids);
	k = n->kids[i];
	if (strcmp(k->name, name) || k->total != total || k->self != self)
		fail_msg("kid %zu of %s: %s %llu/%llu, want %s %llu/%llu", i,
			 n->name, k->name, (unsigned long long)k->total,
			 (unsigned long long)k->self, name,
			 (unsigned long long)total, (unsigned long long)self);
	return k;
}

static void test_tree(void **state)
{
	struct prof_profile *p = folded(recursive, NULL);
	struct prof_node *root = prof_tree_build(p, SOV_PROF_KIND_CPU);
	const struct prof_node *a, *m, *f, *g;

	(void)state;
	assert_non_null(root);
	assert_string_equal(root->name, "all");
	assert_int_equal(root->total, 20);
	assert_int_equal(root->nkids, 2);
	a = kid(root, 0, "a", 18, 0);		/* by total, descending */
	kid(root, 1, "b", 2, 0);
	m = kid(a, 0, "main", 18, 0);
	assert_int_equal(m->nkids, 2);
	f = kid(m, 0, "f", 15, 5);
	kid(m, 1, "g", 3, 3);
	g = kid(f, 0, "g", 10, 0);
	kid(g, 0, "f", 10, 10);
	prof_tree_free(root);

	root = prof_tree_build(p, SOV_PROF_KIND_LOCK);
	assert_non_null(root);
	assert_int_equal(root->total, 0);
	assert_int_equal(root->nkids, 0);
	prof_tree_free(root);
	prof_profile_free(p);
}

static void test_tree_print(void **state)
{
	struct prof_profile *p = folded(recursive, NULL);
	struct prof_node *root = prof_tree_build(p, SOV_PROF_KIND_CPU);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	prof_tree_print(root, 12.0, f);	/* b (10%) and g under main (15%) stay */
	fclose(f);
	assert_string_equal(buf,
			    "100.00%   0.00%  all\n"
			    " 90.00%   0.00%    a\n"
			    " 90.00%   0.00%      main\n"
			    " 75.00%  25.00%        f\n"
			    " 50.00%   0.00%          g\n"
			    " 50.00%  50.00%            f\n"
			    " 15.00%  15.00%        g\n");
	free(buf);
	prof_tree_free(root);
	prof_profile_free(p);
}

static const struct prof_delta *delta(const struct prof_delta *d, ssize_t n,
				      ssize_t i, const char *name)
{
	assert_true(i < n);
	if (strcmp(d[i].name, name))
		fail_msg("delta %zd: %s, want %s", i, d[i].name, name);
	return &d[i];
}

static void assert_shares(const struct prof_delta *d, double sa, double sb,
			  double ta, double tb)
{
	if (d->self_a != sa || d->self_b != sb || d->total_a != ta || d->total_b != tb)
		fail_msg("%s: self %g -> %g, total %g -> %g; want %g -> %g, %g -> %g",
			 d->name, d->self_a, d->self_b, d->total_a, d->total_b,
			 sa, sb, ta, tb);
}

static void test_compare(void **state)
{
	/* A: 100 samples; B: 200 */
	struct prof_profile *a = folded("x;main;f 50\nx;main;g 30\nx;main;h 20\n", NULL);
	struct prof_profile *b = folded("x;main;f 40\nx;main;g 60\nx;main;k 100\n"
					"y;main;f;f 0\n", NULL);
	struct prof_delta *d;
	ssize_t n = prof_compare(a, b, SOV_PROF_KIND_CPU, &d);

	(void)state;
	assert_int_equal(n, 5);
	/* by |self delta|: k +50, f -30, h -20, then g and main (0) by name */
	assert_shares(delta(d, n, 0, "k"), 0, 50, 0, 50);
	assert_shares(delta(d, n, 1, "f"), 50, 20, 50, 20);
	assert_shares(delta(d, n, 2, "h"), 20, 0, 20, 0);
	assert_shares(delta(d, n, 3, "g"), 30, 30, 30, 30);
	assert_shares(delta(d, n, 4, "main"), 0, 0, 100, 100);
	prof_delta_free(d, (size_t)n);

	/* against an empty profile: every share in it is 0 */
	prof_profile_free(b);
	b = prof_profile_new();
	n = prof_compare(a, b, SOV_PROF_KIND_CPU, &d);
	assert_int_equal(n, 4);
	assert_shares(delta(d, n, 0, "f"), 50, 0, 50, 0);
	prof_delta_free(d, (size_t)n);
	prof_profile_free(a);
	prof_profile_free(b);
}

static void test_folded_write_merges_and_sorts(void **state)
{
	struct prof_profile *p = prof_profile_new();
	char *frames[] = { "main", "semi;colon", "leaf" };
	struct prof_stack st = { .kind = SOV_PROF_KIND_CPU, .tag = "", .comm = "zed",
				 .nframes = 3, .frames = frames, .weight = 4 };
	char *text, *again;
	struct prof_profile *q;
	char err[128];

	(void)state;
	assert_int_equal(read_folded(p, SOV_PROF_KIND_CPU,
				     "b;main;x 1\na;main;y 2\nb;main;x 3\r\n\n"
				     "a;main 5\n", err, sizeof(err)), 0);
	assert_int_equal(prof_profile_add_stack(p, &st), 0);
	st.kind = SOV_PROF_KIND_MEM;
	assert_int_equal(prof_profile_add_stack(p, &st), 0);
	text = folded_text(p, SOV_PROF_KIND_CPU);
	assert_string_equal(text,
			    "a;main 5\n"
			    "a;main;y 2\n"
			    "b;main;x 4\n"
			    "zed;main;semi_colon;leaf 4\n");
	/* read back, written again: the same */
	q = prof_profile_new();
	assert_int_equal(read_folded(q, SOV_PROF_KIND_CPU, text, err, sizeof(err)), 0);
	assert_int_equal(q->nstacks, 4);
	assert_string_equal(q->stacks[0].comm, "a");
	assert_int_equal(q->stacks[0].nframes, 1);
	assert_int_equal(q->stacks[0].weight, 5);
	again = folded_text(q, SOV_PROF_KIND_CPU);
	assert_string_equal(again, text);
	free(text);
	free(again);
	text = folded_text(p, SOV_PROF_KIND_MEM);
	assert_string_equal(text, "zed;main;semi_colon;leaf 4\n");
	free(text);
	prof_profile_free(p);
	prof_profile_free(q);
}

static void assert_folded_error(const char *text, const char *want)
{
	struct prof_profile *p = prof_profile_new();
	char err[256] = "";

	assert_int_equal(read_folded(p, SOV_PROF_KIND_CPU, "ok;stack 1\n", err,
				     sizeof(err)), 0);
	assert_int_equal(read_folded(p, SOV_PROF_KIND_CPU, text, err, sizeof(err)),
			 -EINVAL);
	if (strcmp(err, want))
		fail_msg("error \"%s\", want \"%s\"", err, want);
	/* all or nothing: the earlier stack stays, none of these */
	assert_int_equal(p->nstacks, 1);
	prof_profile_free(p);
}

static void test_folded_errors(void **state)
{
	char *big;
	size_t i;

	(void)state;
	assert_folded_error("a;b 1\na;b\n",
			    "line 2: expected \"stack count\", found no count");
	assert_folded_error("a;b 1\n\n\na;b x12\n",
			    "line 4: count \"x12\" is not a non-negative integer");
	assert_folded_error("a;b -5\n", "line 1: count \"-5\" is not a non-negative integer");
	assert_folded_error("a;b 1.5\n", "line 1: count \"1.5\" is not a non-negative integer");
	assert_folded_error("a;b 18446744073709551616\n",
			    "line 1: count 18446744073709551616 is larger than 2^64-1");
	assert_folded_error("a;b 1\n   7\n", "line 2: empty stack before the count");
	/* more frames than a stack may have */
	big = malloc(3 * (PROF_FRAMES_MAX + 2) + 8);
	assert_non_null(big);
	strcpy(big, "c");
	for (i = 0; i < PROF_FRAMES_MAX + 1; i++)
		strcat(big, ";f");
	strcat(big, " 1\n");
	assert_folded_error(big, "line 1: more than 1024 frames");
	free(big);
}

static void test_folded_nul_byte(void **state)
{
	static const char text[] = "a;b 1\na;b\0c 2\n";
	struct prof_profile *p = prof_profile_new();
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	char err[128];

	(void)state;
	assert_int_equal(prof_folded_read(p, SOV_PROF_KIND_CPU, f, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "line 2: contains a NUL byte");
	assert_int_equal(p->nstacks, 0);
	fclose(f);
	prof_profile_free(p);
}

static void test_add_copies(void **state)
{
	struct prof_profile *p = prof_profile_new();
	char name[] = "rtnl_mutex";
	struct prof_lock lk = { .name = name, .addr = 0xffffffff83000000ULL,
				.count = 2, .hist = { [3] = 1, [39] = 1 } };
	struct prof_site site = { .name = name, .allocs = 5 };
	struct prof_rss r = { .time_ns = 1, .tgid = 9, .bytes = 4096 };

	(void)state;
	memcpy(r.comm, "0123456789abcdef", 16);	/* unterminated, as the kernel's */
	assert_int_equal(prof_profile_add_lock(p, &lk), 0);
	assert_int_equal(prof_profile_add_site(p, &site), 0);
	assert_int_equal(prof_profile_add_rss(p, &r), 0);
	name[0] = 'X';
	assert_string_equal(p->locks[0].name, "rtnl_mutex");
	assert_string_equal(p->sites[0].name, "rtnl_mutex");
	assert_int_equal(p->locks[0].hist[39], 1);
	assert_string_equal(p->rss[0].comm, "0123456789abcde");
	assert_int_equal(prof_profile_add_stack(p, NULL), -EINVAL);
	assert_int_equal(prof_profile_add_lock(NULL, &lk), -EINVAL);
	prof_profile_free(p);
	prof_profile_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hotspots_recursion_once),
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_tree_print),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_folded_write_merges_and_sorts),
		cmocka_unit_test(test_folded_errors),
		cmocka_unit_test(test_folded_nul_byte),
		cmocka_unit_test(test_add_copies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
