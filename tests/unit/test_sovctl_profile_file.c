// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl profile on saved files (lib/prof's format): report in every output
 * form and compare, with the kernel never asked anything.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "../../lib/nl/prof_read.h"
#include "../../lib/prof/prof.h"
#include "../../tools/sovctl/print.h"
#include "../../tools/sovctl/profile.h"
#include "../../tools/sovctl/sovctl.h"
#include "json_check.h"
#include "sovctl_run.h"

static int no_kernel(void *ctx, struct nlmsghdr *req, sov_nl_cb cb, void *data,
		     struct sov_nl_err *e)
{
	(void)ctx, (void)req, (void)cb, (void)data, (void)e;
	fail_msg("a report or compare of saved files asked the kernel");
	return -EIO;
}

static const struct sov_prof_io no_kernel_io = { .transact = no_kernel };

static void kernel_off(void)
{
	profile_io_override = &no_kernel_io;
}

static void add_stack(struct prof_profile *p, uint32_t kind, const char *comm, uint64_t w,
		      unsigned int n, ...)
{
	struct prof_stack st = { .kind = kind, .tag = "", .comm = (char *)comm, .pid = 7,
				 .tgid = 7, .count = w, .weight = w };
	char *frames[8];
	unsigned int i;
	va_list ap;

	va_start(ap, n);
	for (i = 0; i < n; i++)
		frames[i] = va_arg(ap, char *);
	va_end(ap);
	st.nframes = n;
	st.frames = frames;
	assert_int_equal(prof_profile_add_stack(p, &st), 0);
}

/* a: main -> work (60) and main -> idle (40); b: main -> work (90), main -> idle (10) */
static void make_file(const char *path, uint64_t work, uint64_t idle, bool mem)
{
	struct prof_profile *p = prof_profile_new();
	char why[256];

	assert_non_null(p);
	p->meta.kinds = 1U << SOV_PROF_KIND_CPU;
	p->meta.freq = 99;
	p->meta.stacks = 3;
	p->meta.duration_ns = 10000000000ULL;
	p->meta.samples = work + idle;
	snprintf(p->meta.host, sizeof(p->meta.host), "testhost");
	snprintf(p->meta.kernel, sizeof(p->meta.kernel), "6.1.0-test");
	p->meta.saved_at = 1700000000;
	add_stack(p, SOV_PROF_KIND_CPU, "app", work, 3, "main", "work", "crunch");
	add_stack(p, SOV_PROF_KIND_CPU, "app", idle, 2, "main", "idle");
	if (mem) {
		struct prof_site s = { .name = "kmalloc_site+0x1c", .addr = 0x1000, .allocs = 3,
				       .bytes = 3072, .live_objs = 1, .live_bytes = 1024 };

		p->meta.kinds |= 1U << SOV_PROF_KIND_MEM;
		add_stack(p, SOV_PROF_KIND_MEM, "app", 3072, 2, "main", "alloc_buf");
		assert_int_equal(prof_profile_add_site(p, &s), 0);
	}
	if (prof_profile_save(p, path, why, sizeof(why)))
		fail_msg("save: %s", why);
	prof_profile_free(p);
}

static void test_report_file(void **state)
{
	char dir[] = "/tmp/sovctl-prof-XXXXXX", a[64], svg[64];
	struct json_object *o, *arr, *e;
	struct stat st;
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/a.json", dir);
	snprintf(svg, sizeof(svg), "%s/a.svg", dir);
	make_file(a, 60, 40, true);
	kernel_off();

	assert_int_equal(run("profile", "report", "from", a, NULL), EXIT_OK);
	has(out, "profile: cpu,mem for 10.0s (99 Hz), every CPU, both stacks; testhost, kernel 6.1.0-test\n");
	has(out, "cpu: 100 samples in 2 stacks\n");
	has(out, "   60.00   60.00          60  crunch\n");
	has(out, "   40.00   40.00          40  idle\n");
	has(out, "    0.00  100.00           0  main\n");
	has(out, "mem: 3.0 KiB allocated in 1 stacks\n");
	has(out, "  100.00  100.00     3.0 KiB  alloc_buf\n");
	has(out, "kmalloc_site+0x1c\n");
	/* nothing asked of the kernel: kernel_off() fails the test if it is */

	assert_int_equal(run("profile", "report", "from", a, "kind", "cpu", "--top", "1", NULL),
			 EXIT_OK);
	has(out, "crunch");
	assert_null(strstr(out, "  idle\n"));
	assert_null(strstr(out, "mem:"));
	has(out, "... 3 more functions (--top N)");

	assert_int_equal(run("profile", "report", "from", a, "kind", "lock", NULL), EXIT_FAIL);
	has(err, "Error: profile report: the profile has no lock data (it has cpu,mem)");

	assert_int_equal(run("profile", "report", "from", a, "--folded", NULL), EXIT_OK);
	has(out, "app;main;work;crunch 60\n");
	has(out, "app;main;idle 40\n");
	assert_null(strstr(out, "alloc_buf"));	/* one kind: cpu, the first */
	assert_int_equal(run("profile", "report", "from", a, "--folded", "kind", "mem", NULL),
			 EXIT_OK);
	has(out, "app;main;alloc_buf 3072\n");

	assert_int_equal(run("profile", "report", "from", a, "--folded", "-j", NULL), EXIT_OK);
	o = parse_json(out);
	assert_string_equal(jstr(o, "kind"), "cpu");
	assert_true(json_object_object_get_ex(o, "folded", &arr));
	assert_int_equal(json_object_array_length(arr), 2);
	for (i = 0; i < 2; i++) {
		e = json_object_array_get_idx(arr, i);
		if (!strcmp(jstr(e, "stack"), "app;main;work;crunch"))
			assert_int_equal(jint(e, "weight"), 60);
		else
			assert_string_equal(jstr(e, "stack"), "app;main;idle");
	}
	json_object_put(o);

	assert_int_equal(run("profile", "report", "from", a, "--tree", "kind", "cpu", NULL),
			 EXIT_OK);
	has(out, "cpu:\n");
	has(out, "crunch");
	assert_int_equal(run("profile", "report", "from", a, "--tree", "min", "50", "-j", NULL),
			 EXIT_OK);
	o = parse_json(out);
	assert_true(json_object_object_get_ex(o, "cpu", &e));
	assert_int_equal(jint(e, "total"), 100);
	assert_true(json_object_object_get_ex(e, "tree", &arr));
	/* app (the comm, 100%), main (100%), work (60%), crunch (60%); idle (40%) is under 50% */
	assert_int_equal(json_object_array_length(arr), 4);
	e = json_object_array_get_idx(arr, 0);
	assert_string_equal(jstr(e, "function"), "app");
	assert_int_equal(jint(e, "depth"), 0);
	assert_int_equal(jint(e, "total"), 100);
	e = json_object_array_get_idx(arr, 1);
	assert_string_equal(jstr(e, "function"), "main");
	assert_int_equal(jint(e, "depth"), 1);
	e = json_object_array_get_idx(arr, 3);
	assert_string_equal(jstr(e, "function"), "crunch");
	assert_int_equal(jint(e, "depth"), 3);
	assert_int_equal(jint(e, "self"), 60);
	json_object_put(o);

	assert_int_equal(run("profile", "report", "from", a, "--svg", svg, NULL), EXIT_OK);
	has(out, "cpu flame graph (2 stacks) written to ");
	assert_int_equal(stat(svg, &st), 0);
	assert_true(st.st_size > 0);
	remove(svg);

	assert_int_equal(run("profile", "report", "from", a, "-j", NULL), EXIT_OK);
	o = parse_json(out);
	assert_true(json_object_object_get_ex(o, "meta", &e));
	assert_string_equal(jstr(e, "host"), "testhost");
	assert_int_equal(jint(e, "saved_at"), 1700000000);
	assert_true(json_object_object_get_ex(o, "cpu", &e));
	assert_true(json_object_object_get_ex(e, "functions", &arr));
	e = json_object_array_get_idx(arr, 0);
	assert_string_equal(jstr(e, "function"), "crunch");
	assert_int_equal(jint(e, "self_pct_x100"), 6000);
	json_object_put(o);

	/* missing and broken files */
	assert_int_equal(run("profile", "report", "from", "/nonexistent/p.json", NULL), EXIT_FAIL);
	has(err, "Error: profile report: ");
	has(err, "/nonexistent/p.json");
	snprintf(svg, sizeof(svg), "%s/bad.json", dir);
	{
		FILE *f = fopen(svg, "w");

		assert_non_null(f);
		fputs("{ not a profile", f);
		fclose(f);
	}
	assert_int_equal(run("profile", "report", "from", svg, NULL), EXIT_FAIL);
	has(err, "bad.json");
	remove(svg);
	remove(a);
	rmdir(dir);
}

static void test_compare(void **state)
{
	char dir[] = "/tmp/sovctl-prof-XXXXXX", a[64], b[64], svg[64];
	struct json_object *o, *arr, *e;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/a.json", dir);
	snprintf(b, sizeof(b), "%s/b.json", dir);
	snprintf(svg, sizeof(svg), "%s/d.svg", dir);
	make_file(a, 60, 40, false);
	make_file(b, 90, 10, false);
	kernel_off();

	assert_int_equal(run("profile", "compare", a, b, NULL), EXIT_OK);
	has(out, "cpu: ");
	has(out, "(100 samples) -> ");
	has(out, "   SELF A%   SELF B%     DELTA   TOTAL A%   TOTAL B%  FUNCTION\n");
	has(out, "     60.00     90.00    +30.00      60.00      90.00  crunch\n");
	has(out, "     40.00     10.00    -30.00      40.00      10.00  idle\n");

	assert_int_equal(run("profile", "compare", a, b, "--top", "1", "-j", NULL), EXIT_OK);
	o = parse_json(out);
	assert_string_equal(jstr(o, "kind"), "cpu");
	assert_int_equal(jint(o, "total_a"), 100);
	assert_true(json_object_object_get_ex(o, "functions", &arr));
	assert_int_equal(json_object_array_length(arr), 1);
	e = json_object_array_get_idx(arr, 0);
	assert_int_equal(abs((int)jint(e, "delta_x100")), 3000);
	assert_int_equal(jint(e, "self_a_x100") + jint(e, "delta_x100"), jint(e, "self_b_x100"));
	json_object_put(o);

	assert_int_equal(run("profile", "compare", a, b, "--svg", svg, NULL), EXIT_OK);
	has(out, "cpu differential flame graph written to ");
	assert_int_equal(stat(svg, &st), 0);
	assert_true(st.st_size > 0);

	assert_int_equal(run("profile", "compare", a, b, "kind", "mem", NULL), EXIT_FAIL);
	has(err, "Error: profile compare: the profile has no mem data");
	assert_int_equal(run("profile", "compare", a, "/nonexistent/b.json", NULL), EXIT_FAIL);
	has(err, "/nonexistent/b.json");
	remove(svg);
	remove(a);
	remove(b);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_file),
		cmocka_unit_test(test_compare),
	};

	return cmocka_run_group_tests_name("sovctl_profile_file", tests, NULL, NULL);
}
