// SPDX-License-Identifier: GPL-2.0
/*
 * lib/prof's file format: a profile with every field set (extreme values
 * included) saved and loaded back equal, the save atomic (no temporary
 * left, the old file replaced whole), and every malformed input we could
 * think of refused with an error naming the file and the problem, never a
 * crash or a leak (ASan checks the error paths).
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "../../lib/prof/prof.h"

static char dir[] = "/tmp/sov-prof-file-XXXXXX";
static char path[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/profile.json", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

static struct prof_profile *sample(void)
{
	static char *frames0[] = { "main", "caf\xc3\xa9 \"quoted\" \\ back\nslash",
				   "schedule_[k]" };
	struct prof_profile *p = prof_profile_new();
	struct prof_stack st = { .kind = SOV_PROF_KIND_CPU, .tag = "", .pid = 1,
				 .tgid = 1, .comm = "init", .nframes = 3,
				 .frames = frames0, .count = UINT64_MAX,
				 .weight = UINT64_MAX - 1 };
	struct prof_site site = { .name = "kmalloc_trace+0x1c [sovereign]",
				  .addr = 0xffffffffc0a0001cULL, .allocs = 1,
				  .frees = 2, .bytes = 3, .live_objs = 4,
				  .live_bytes = 5, .old_objs = 6, .old_bytes = 7 };
	struct prof_lock lk = { .name = "rtnl_mutex", .addr = UINT64_MAX,
				.flags = 0x20, .count = 9, .total_ns = 10,
				.max_ns = 11 };
	struct prof_rss r = { .time_ns = 12, .tgid = UINT32_MAX, .bytes = 13 };
	size_t i;

	assert_non_null(p);
	p->meta = (struct prof_meta){
		.kinds = 7, .mode = 2, .freq = 999, .effective_freq = 500,
		.adaptive_x100 = 100, .stacks = 3, .period_ns = 1000000,
		.duration_ns = 5000000000ULL, .start_ns = 123456789,
		.cpu = -1, .pid = 0, .tgid = 4242, .cgroup_id = 0x100000001ULL,
		.samples = 1, .skipped = 2, .dropped = 3, .ustack_faults = 4,
		.mem_events = 5, .mem_untracked = 6, .lock_events = 7,
		.lock_untracked = UINT64_MAX, .saved_at = 1700000000,
	};
	memset(p->meta.host, 'h', sizeof(p->meta.host) - 1);
	strcpy(p->meta.kernel, "6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC");
	assert_int_equal(prof_profile_add_stack(p, &st), 0);
	st.kind = SOV_PROF_KIND_LOCK;
	st.tag = "rtnl_mutex+0x8";
	st.nframes = 0;
	st.comm = "";
	st.pid = UINT32_MAX;
	assert_int_equal(prof_profile_add_stack(p, &st), 0);
	assert_int_equal(prof_profile_add_site(p, &site), 0);
	for (i = 0; i < SOV_PROF_HIST_BUCKETS; i++)
		lk.hist[i] = i * 1000003ULL;
	lk.hist[39] = UINT64_MAX;
	assert_int_equal(prof_profile_add_lock(p, &lk), 0);
	strcpy(r.comm, "fifteen-chars!!");
	assert_int_equal(prof_profile_add_rss(p, &r), 0);
	return p;
}

static void assert_stacks_equal(const struct prof_stack *a, const struct prof_stack *b)
{
	size_t i;

	assert_int_equal(a->kind, b->kind);
	assert_string_equal(a->tag, b->tag);
	assert_int_equal(a->pid, b->pid);
	assert_int_equal(a->tgid, b->tgid);
	assert_string_equal(a->comm, b->comm);
	assert_int_equal(a->nframes, b->nframes);
	for (i = 0; i < a->nframes; i++)
		assert_string_equal(a->frames[i], b->frames[i]);
	assert_true(a->count == b->count);
	assert_true(a->weight == b->weight);
}

static void assert_profiles_equal(const struct prof_profile *a,
				  const struct prof_profile *b)
{
	size_t i;

	assert_memory_equal(&a->meta, &b->meta, sizeof(a->meta));
	assert_int_equal(a->nstacks, b->nstacks);
	for (i = 0; i < a->nstacks; i++)
		assert_stacks_equal(&a->stacks[i], &b->stacks[i]);
	assert_int_equal(a->nsites, b->nsites);
	for (i = 0; i < a->nsites; i++) {
		assert_string_equal(a->sites[i].name, b->sites[i].name);
		assert_true(a->sites[i].addr == b->sites[i].addr);
		assert_true(a->sites[i].allocs == b->sites[i].allocs &&
			    a->sites[i].frees == b->sites[i].frees &&
			    a->sites[i].bytes == b->sites[i].bytes &&
			    a->sites[i].live_objs == b->sites[i].live_objs &&
			    a->sites[i].live_bytes == b->sites[i].live_bytes &&
			    a->sites[i].old_objs == b->sites[i].old_objs &&
			    a->sites[i].old_bytes == b->sites[i].old_bytes);
	}
	assert_int_equal(a->nlocks, b->nlocks);
	for (i = 0; i < a->nlocks; i++) {
		assert_string_equal(a->locks[i].name, b->locks[i].name);
		assert_true(a->locks[i].addr == b->locks[i].addr);
		assert_int_equal(a->locks[i].flags, b->locks[i].flags);
		assert_true(a->locks[i].count == b->locks[i].count &&
			    a->locks[i].total_ns == b->locks[i].total_ns &&
			    a->locks[i].max_ns == b->locks[i].max_ns);
		assert_memory_equal(a->locks[i].hist, b->locks[i].hist,
				    sizeof(a->locks[i].hist));
	}
	assert_int_equal(a->nrss, b->nrss);
	assert_memory_equal(a->rss, b->rss, a->nrss * sizeof(*a->rss));
}

static size_t files_in_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_round_trip(void **state)
{
	struct prof_profile *p = sample(), *q, *e;
	char err[256];

	(void)state;
	if (prof_profile_save(p, path, err, sizeof(err)))
		fail_msg("save: %s", err);
	assert_int_equal(files_in_dir(), 1);	/* no temporary left */
	q = prof_profile_load(path, err, sizeof(err));
	if (!q)
		fail_msg("load: %s", err);
	assert_profiles_equal(p, q);
	prof_profile_free(q);

	/* saved again over it: replaced whole */
	e = prof_profile_new();
	e->meta.saved_at = 1;
	assert_int_equal(prof_profile_save(e, path, err, sizeof(err)), 0);
	q = prof_profile_load(path, err, sizeof(err));
	assert_non_null(q);
	assert_profiles_equal(e, q);
	assert_int_equal(files_in_dir(), 1);
	prof_profile_free(q);
	prof_profile_free(e);
	prof_profile_free(p);
}

static void test_save_fills_saved_at(void **state)
{
	struct prof_profile *p = prof_profile_new(), *q;
	char err[256];

	(void)state;
	assert_int_equal(prof_profile_save(p, path, err, sizeof(err)), 0);
	q = prof_profile_load(path, err, sizeof(err));
	assert_non_null(q);
	assert_true(q->meta.saved_at > 1600000000);
	assert_int_equal(q->meta.cpu, -1);
	prof_profile_free(q);
	prof_profile_free(p);
}

static void test_save_errors(void **state)
{
	struct prof_profile *p = prof_profile_new();
	char err[256];

	(void)state;
	assert_int_equal(prof_profile_save(p, "/nonexistent/dir/p.json", err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/dir/p.json: cannot create "));
	assert_non_null(strstr(err, "No such file or directory"));
	prof_profile_free(p);
}

/* ---- malformed input ---- */

/* The sample as json-c objects, to break one thing at a time. */
static struct json_object *doc(void)
{
	struct prof_profile *p = sample();
	struct json_object *o;
	char err[256];

	assert_int_equal(prof_profile_save(p, path, err, sizeof(err)), 0);
	prof_profile_free(p);
	o = json_object_from_file(path);
	assert_non_null(o);
	return o;
}

/* "stacks.1.frames": objects by key, arrays by index */
static struct json_object *walk(struct json_object *o, const char *p, char *last,
				size_t n)
{
	char buf[128], *tok, *save = NULL, *next;

	snprintf(buf, sizeof(buf), "%s", p);
	tok = strtok_r(buf, ".", &save);
	while (tok) {
		next = strtok_r(NULL, ".", &save);
		if (!next) {
			snprintf(last, n, "%s", tok);
			return o;
		}
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, (size_t)atoi(tok));
		else
			assert_true(json_object_object_get_ex(o, tok, &o));
		assert_non_null(o);
		tok = next;
	}
	fail_msg("bad path %s", p);
	return NULL;
}

/* JSON's null (json-c's is a NULL pointer, which set() takes as "delete") */
static char json_null_marker;
#define JSON_NULL ((struct json_object *)&json_null_marker)

/* @v replaces what is at @p; NULL deletes it */
static void set(struct json_object *o, const char *p, struct json_object *v)
{
	char last[64];
	struct json_object *parent = walk(o, p, last, sizeof(last));

	if (v == JSON_NULL) {
		assert_false(json_object_is_type(parent, json_type_array));
		assert_int_equal(json_object_object_add(parent, last, NULL), 0);
	} else if (json_object_is_type(parent, json_type_array)) {
		assert_non_null(v);
		assert_int_equal(json_object_array_put_idx(parent, (size_t)atoi(last), v), 0);
	} else if (v) {
		assert_int_equal(json_object_object_add(parent, last, v), 0);
	} else {
		json_object_object_del(parent, last);
	}
}

static void write_raw(const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void expect_error(const char *want)
{
	char err[512] = "", full[PATH_MAX + 256];
	struct prof_profile *p;

	errno = 0;
	p = prof_profile_load(path, err, sizeof(err));
	if (p) {
		prof_profile_free(p);
		fail_msg("loaded, want \"%s\"", want);
	}
	assert_int_equal(errno, EINVAL);
	snprintf(full, sizeof(full), "%s: %s", path, want);
	if (strncmp(err, full, strlen(full)))
		fail_msg("error\n  \"%s\"\nwant\n  \"%s\"", err, full);
}

/* @o with @p set to @v, written, loaded: fails with @want */
static void expect_doc_error(const char *p, struct json_object *v, const char *want)
{
	struct json_object *o = doc();

	set(o, p, v);
	assert_int_equal(json_object_to_file_ext(path, o, JSON_C_TO_STRING_PLAIN), 0);
	json_object_put(o);
	expect_error(want);
}

static void test_not_a_profile(void **state)
{
	static const char nul[] = "{\"format\": \"sov\0\"}";
	char err[256], *text;
	struct json_object *o;
	size_t len;

	(void)state;
	assert_null(prof_profile_load("/nonexistent/p.json", err, sizeof(err)));
	assert_string_equal(err, "/nonexistent/p.json: cannot open: No such file or directory");
	assert_null(prof_profile_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, ": not a regular file"));

	write_raw("", 0);
	expect_error("empty file");
	write_raw(" \n\t\n", 4);
	expect_error("empty file");
	write_raw("hello", 5);
	expect_error("not valid JSON at line 1, column 1: ");
	write_raw("[1, 2]", 6);
	expect_error("expected a JSON object, found an array");
	write_raw("{\"format\": \"sovereign-profile\",}", 32);
	expect_error("not valid JSON at line 1, column ");
	write_raw("{} {}", 5);
	expect_error("line 1, column 4: more data after the JSON document");
	write_raw(nul, sizeof(nul) - 1);
	expect_error("line 1, column 16: a NUL byte");
	write_raw("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", 64);
	expect_error("not valid JSON at line 1, column 17: nesting too deep");

	/* cut anywhere: truncated (or, cut inside a number, still refused) */
	o = doc();
	text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	json_object_put(o);
	len = strlen(text);
	write_raw(text, len / 2);
	expect_error("truncated: the JSON ends before its last value is complete");
	write_raw(text, len - 1);
	expect_error("truncated");
	free(text);
}

static void test_huge_numbers(void **state)
{
	static const char huge[] =
		"{\"format\": \"sovereign-profile\", \"version\": 1,\n"
		" \"meta\": {\"samples\": 99999999999999999999999}}";
	static const char just_over[] =
		"{\"format\": \"sovereign-profile\", \"version\": 18446744073709551616}";
	static const char negative[] = "{\"version\": -9223372036854775809}";
	static const char in_string[] = "{\"format\": \"99999999999999999999999\"}";

	(void)state;
	write_raw(huge, sizeof(huge) - 1);
	expect_error("line 2, column 22: integer 99999999999999999999999 does not fit in 64 bits");
	write_raw(just_over, sizeof(just_over) - 1);
	expect_error("line 1, column 44: integer 18446744073709551616 does not fit in 64 bits");
	write_raw(negative, sizeof(negative) - 1);
	expect_error("line 1, column 13: integer -9223372036854775809 does not fit in 64 bits");
	/* digits inside a string are not numbers */
	write_raw(in_string, sizeof(in_string) - 1);
	expect_error("format: \"99999999999999999999999\" is not \"sovereign-profile\"");
	/* in range for json-c, out of range for the field */
	expect_doc_error("meta.freq", json_object_new_int64(4294967296LL),
			 "meta.freq: 4294967296 is out of range (at most 4294967295)");
	expect_doc_error("meta.saved_at", json_object_new_uint64(9223372036854775808ULL),
			 "meta.saved_at: 9223372036854775808 is out of range (at most 9223372036854775807)");
	expect_doc_error("stacks.0.count", json_object_new_double(1e30),
			 "stacks[0].count: expected a non-negative integer, found a floating-point number");
}

static void test_header_errors(void **state)
{
	(void)state;
	expect_doc_error("format", NULL, "format: missing");
	expect_doc_error("format", json_object_new_string("other"),
			 "format: \"other\" is not \"sovereign-profile\"");
	expect_doc_error("format", json_object_new_int(1),
			 "format: expected a string, found an integer");
	expect_doc_error("version", NULL, "version: missing");
	expect_doc_error("version", json_object_new_int(2),
			 "version: version 2 is not supported (this build reads version 1)");
	expect_doc_error("version", json_object_new_int(0),
			 "version: version 0 is not supported (this build reads version 1)");
	expect_doc_error("version", json_object_new_string("1"),
			 "version: expected an integer, found a string");
}

static void test_meta_errors(void **state)
{
	char host[80];

	(void)state;
	expect_doc_error("meta", NULL, "meta: missing");
	expect_doc_error("meta", json_object_new_array(),
			 "meta: expected an object, found an array");
	expect_doc_error("meta.freq", NULL, "meta.freq: missing");
	expect_doc_error("meta.lock_untracked", NULL, "meta.lock_untracked: missing");
	expect_doc_error("meta.freq", json_object_new_int(-1),
			 "meta.freq: expected a non-negative integer, found -1");
	expect_doc_error("meta.samples", json_object_new_boolean(1),
			 "meta.samples: expected a non-negative integer, found a boolean");
	expect_doc_error("meta.cpu", json_object_new_int(-2),
			 "meta.cpu: -2 is out of range (at least -1)");
	expect_doc_error("meta.cpu", NULL, "meta.cpu: missing");
	memset(host, 'x', 64);
	host[64] = '\0';
	expect_doc_error("meta.host", json_object_new_string(host),
			 "meta.host: longer than 63 bytes");
	expect_doc_error("meta.kernel", json_object_new_object(),
			 "meta.kernel: expected a string, found an object");
}

static void test_stack_errors(void **state)
{
	struct json_object *a;
	int i;

	(void)state;
	expect_doc_error("stacks", NULL, "stacks: missing");
	expect_doc_error("stacks", json_object_new_object(),
			 "stacks: expected an array of stacks, found an object");
	expect_doc_error("stacks.0", json_object_new_int(3),
			 "stacks[0]: expected an object, found an integer");
	expect_doc_error("stacks.0.kind", json_object_new_string("gpu"),
			 "stacks[0].kind: unknown kind \"gpu\" (cpu, mem or lock)");
	expect_doc_error("stacks.1.tag", NULL, "stacks[1].tag: missing");
	expect_doc_error("stacks.0.comm", JSON_NULL,
			 "stacks[0].comm: expected a string, found null");
	expect_doc_error("stacks.0.comm", json_object_new_string_len("a\0b", 3),
			 "stacks[0].comm: contains a NUL character");
	expect_doc_error("stacks.1.frames", json_object_new_string("main;f"),
			 "stacks[1].frames: expected an array of strings, found a string");
	expect_doc_error("stacks.0.frames.2", json_object_new_int(7),
			 "stacks[0].frames: expected an array of strings, found an integer at [2]");
	expect_doc_error("stacks.0.frames.1", json_object_new_string_len("x\0", 2),
			 "stacks[0].frames[1]: contains a NUL character");
	expect_doc_error("stacks.0.pid", json_object_new_int64(1LL << 32),
			 "stacks[0].pid: 4294967296 is out of range (at most 4294967295)");
	expect_doc_error("stacks.1.weight", json_object_new_string("12"),
			 "stacks[1].weight: expected a non-negative integer, found a string");
	a = json_object_new_array();
	for (i = 0; i < PROF_FRAMES_MAX + 1; i++)
		json_object_array_add(a, json_object_new_string("f"));
	expect_doc_error("stacks.0.frames", a, "stacks[0].frames: 1025 frames, more than 1024");
}

static void test_site_lock_rss_errors(void **state)
{
	struct json_object *h;
	int i;

	(void)state;
	expect_doc_error("sites.0.addr", json_object_new_int(12345),
			 "sites[0].addr: expected a string, found an integer");
	expect_doc_error("sites.0.addr", json_object_new_string("0xZZ"),
			 "sites[0].addr: expected an address \"0x...\" of at most 16 hex digits, found \"0xZZ\"");
	expect_doc_error("sites.0.addr", json_object_new_string("0x1ffffffffffffffff"),
			 "sites[0].addr: expected an address");
	expect_doc_error("sites.0.old_bytes", NULL, "sites[0].old_bytes: missing");
	expect_doc_error("locks", json_object_new_string("none"),
			 "locks: expected an array of locks, found a string");
	expect_doc_error("locks.0.flags", json_object_new_int64(-5),
			 "locks[0].flags: expected a non-negative integer, found -5");
	h = json_object_new_array();
	for (i = 0; i < SOV_PROF_HIST_BUCKETS - 1; i++)
		json_object_array_add(h, json_object_new_int(0));
	expect_doc_error("locks.0.hist", h, "locks[0].hist: expected 40 buckets, found 39");
	expect_doc_error("locks.0.hist.5", json_object_new_string("x"),
			 "locks[0].hist[5]: expected a non-negative integer, found a string");
	expect_doc_error("locks.0.hist.39", json_object_new_int(-1),
			 "locks[0].hist[39]: expected a non-negative integer, found a negative one");
	expect_doc_error("locks.0.hist", json_object_new_object(),
			 "locks[0].hist: expected an array of integers, found an object");
	expect_doc_error("rss.0.comm", json_object_new_string("sixteen-chars!!!"),
			 "rss[0].comm: longer than 15 bytes");
	expect_doc_error("rss.0.tgid", NULL, "rss[0].tgid: missing");
	expect_doc_error("rss", NULL, "rss: missing");
}

/* Every prefix of a valid file is refused, none crashes or leaks. */
static void test_every_truncation(void **state)
{
	struct json_object *o = doc();
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(text), i;
	char err[512];

	(void)state;
	for (i = 0; i < len; i++) {
		struct prof_profile *p;

		write_raw(text, i);
		p = prof_profile_load(path, err, sizeof(err));
		if (p)
			fail_msg("a file cut at %zu of %zu bytes loaded", i, len);
		assert_true(strlen(err) > strlen(path) + 2);
	}
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_save_fills_saved_at),
		cmocka_unit_test(test_save_errors),
		cmocka_unit_test(test_not_a_profile),
		cmocka_unit_test(test_huge_numbers),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_meta_errors),
		cmocka_unit_test(test_stack_errors),
		cmocka_unit_test(test_site_lock_rss_errors),
		cmocka_unit_test(test_every_truncation),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
