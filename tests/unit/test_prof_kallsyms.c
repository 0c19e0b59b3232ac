// SPDX-License-Identifier: GPL-2.0
/*
 * lib/prof's kernel symbols against a made-up kallsyms
 * (tests/unit/data/prof_kallsyms.txt): exact addresses and offsets, before
 * the first symbol, past an area's last one and past _etext/_end, several
 * names at one address, module and BPF symbols, data symbols for lock
 * tags, kptr_restrict (every address 0), and prof_profile_add_raw's
 * kernel frames and tags.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../lib/prof/prof.h"
#include "test_data.h"

static struct prof_symbolizer *open_canned(const char *name)
{
	char *path = data_path(name);
	struct prof_symbolizer *s = prof_symbolizer_new(path);

	if (!s)
		fail_msg("prof_symbolizer_new(%s): %s", path, strerror(errno));
	free(path);
	return s;
}

#define assert_sym(call, want)						\
	do {								\
		char *got_ = (call);					\
		assert_non_null(got_);					\
		if (strcmp(got_, (want)))				\
			fail_msg("%s: got \"%s\", want \"%s\"", #call,	\
				 got_, (want));				\
		free(got_);						\
	} while (0)

static void test_exact_and_offsets(void **state)
{
	struct prof_symbolizer *s = open_canned("prof_kallsyms.txt");

	(void)state;
	assert_false(prof_symbolizer_kptr_restricted(s));
	assert_sym(prof_sym_kernel(s, 0xffffffff81002000ULL), "schedule");
	assert_sym(prof_sym_kernel(s, 0xffffffff81002010ULL), "schedule");
	assert_sym(prof_sym_kernel(s, 0xffffffff810023ffULL), "schedule");
	assert_sym(prof_sym_kernel(s, 0xffffffff81002400ULL), "arch_cpu_idle");
	assert_sym(prof_sym_kernel(s, 0xffffffff81001abcULL), "do_one_initcall");
	assert_sym(prof_sym_kernel(s, 0xffffffff81002fffULL), "__x64_sys_read");
	/* two names at one address: the one without leading underscores */
	assert_sym(prof_sym_kernel(s, 0xffffffff81000000ULL), "startup_64");
	assert_sym(prof_sym_kernel(s, 0xffffffff81000080ULL), "startup_64");
	assert_sym(prof_sym_kernel(s, 0xffffffff81000100ULL), "secondary_startup_64");
	assert_sym(prof_sym_kernel_site(s, 0xffffffff81002010ULL), "schedule+0x10");
	assert_sym(prof_sym_kernel_site(s, 0xffffffff81002000ULL), "schedule");
	prof_symbolizer_free(s);
}

static void test_outside_every_symbol(void **state)
{
	struct prof_symbolizer *s = open_canned("prof_kallsyms.txt");

	(void)state;
	/* before the first symbol */
	assert_sym(prof_sym_kernel(s, 0), "[unknown]");
	assert_sym(prof_sym_kernel(s, 0x1000), "[unknown]");
	assert_sym(prof_sym_kernel(s, 0xffffffff80ffffffULL), "[unknown]");
	/* past the kernel's text (_etext covers nothing) */
	assert_sym(prof_sym_kernel(s, 0xffffffff81003000ULL), "[unknown]");
	assert_sym(prof_sym_kernel(s, 0xffffffff81003010ULL), "[unknown]");
	/* data is not text */
	assert_sym(prof_sym_kernel(s, 0xffffffff83000000ULL), "[unknown]");
	/* past a module's last symbol and past the very last one */
	assert_sym(prof_sym_kernel(s, 0xffffffffc0a20000ULL), "[unknown]");
	assert_sym(prof_sym_kernel(s, 0xffffffffc1000000ULL), "[unknown]");
	assert_sym(prof_sym_kernel(s, 0xffffffffffffff00ULL), "[unknown]");
	/* an unknown site is its address */
	assert_sym(prof_sym_kernel_site(s, 0xffffffffc1000000ULL), "0xffffffffc1000000");
	prof_symbolizer_free(s);
}

static void test_modules(void **state)
{
	struct prof_symbolizer *s = open_canned("prof_kallsyms.txt");

	(void)state;
	assert_sym(prof_sym_kernel(s, 0xffffffffc0a00000ULL), "sov_init [sovereign]");
	assert_sym(prof_sym_kernel(s, 0xffffffffc0a00090ULL),
		   "sov_prof_sample [sovereign]");
	assert_sym(prof_sym_kernel_site(s, 0xffffffffc0a00090ULL),
		   "sov_prof_sample+0x10 [sovereign]");
	assert_sym(prof_sym_kernel(s, 0xffffffffc0b00204ULL), "e1000_clean [e1000]");
	assert_sym(prof_sym_kernel(s, 0xffffffffc0ff0123ULL),
		   "bpf_prog_6deef7357e7b4530_sov_lb [bpf]");
	prof_symbolizer_free(s);
}

static void test_data_symbols(void **state)
{
	struct prof_symbolizer *s = open_canned("prof_kallsyms.txt");

	(void)state;
	assert_sym(prof_sym_kernel_data(s, 0xffffffff83000000ULL), "rtnl_mutex");
	assert_sym(prof_sym_kernel_data(s, 0xffffffff83000008ULL), "rtnl_mutex+0x8");
	assert_sym(prof_sym_kernel_data(s, 0xffffffff83000044ULL), "jiffies_lock+0x4");
	assert_sym(prof_sym_kernel_data(s, 0xffffffff83000810ULL), "bss_counter+0x10");
	assert_sym(prof_sym_kernel_data(s, 0xffffffff82000100ULL), "kallsyms_table");
	assert_sym(prof_sym_kernel_data(s, 0xffffffffc0a00410ULL),
		   "sov_lock+0x10 [sovereign]");
	/* text counts too (a lock inside a function's static data is rare,
	 * but the table is the same) */
	assert_sym(prof_sym_kernel_data(s, 0xffffffff81002004ULL), "schedule+0x4");
	/* a lock in the heap, past _end, in the per-cpu area */
	assert_sym(prof_sym_kernel_data(s, 0xffff888004a1c0e8ULL), "0xffff888004a1c0e8");
	assert_sym(prof_sym_kernel_data(s, 0xffffffff83001008ULL), "0xffffffff83001008");
	assert_sym(prof_sym_kernel_data(s, 0x1a000), "0x1a000");
	prof_symbolizer_free(s);
}

static void test_kptr_restrict(void **state)
{
	struct prof_symbolizer *s = open_canned("prof_kallsyms_restricted.txt");

	(void)state;
	assert_true(prof_symbolizer_kptr_restricted(s));
	assert_sym(prof_sym_kernel(s, 0), "[unknown]");
	assert_sym(prof_sym_kernel(s, 0xffffffff81002000ULL), "[unknown]");
	assert_sym(prof_sym_kernel_data(s, 0xffffffff83000000ULL), "0xffffffff83000000");
	prof_symbolizer_free(s);
}

static void test_missing_file(void **state)
{
	(void)state;
	errno = 0;
	assert_null(prof_symbolizer_new("/nonexistent/kallsyms"));
	assert_int_equal(errno, ENOENT);
}

static void raw_init(struct prof_raw_stack *r, uint32_t kind)
{
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->pid = 42;
	r->tgid = 0;		/* a kernel thread: no user frames */
	memcpy(r->comm, "kworker/0:1-eve", 16);	/* 16 bytes, no NUL */
	r->count = 3;
	r->weight = 300;
}

static void assert_frames(const struct prof_stack *st, const char *const *want,
			  size_t n)
{
	size_t i;

	assert_int_equal(st->nframes, n);
	for (i = 0; i < n; i++)
		if (strcmp(st->frames[i], want[i]))
			fail_msg("frame %zu: got \"%s\", want \"%s\"", i,
				 st->frames[i], want[i]);
}

static void test_add_raw_kernel(void **state)
{
	static const char *const want[] = {
		"__x64_sys_read_[k]", "do_one_initcall_[k]",
		"sov_prof_sample [sovereign]_[k]", "schedule_[k]",
	};
	struct prof_symbolizer *s = open_canned("prof_kallsyms.txt");
	struct prof_profile *p = prof_profile_new();
	struct prof_raw_stack r;

	(void)state;
	raw_init(&r, SOV_PROF_KIND_CPU);
	/*
	 * Innermost first. kips[0] is the sampled IP, looked up as is; the
	 * others are return addresses, looked up at the byte before (the
	 * call): schedule+0 as a return address is a call that ended
	 * do_one_initcall. 0 and perf's context markers are not frames.
	 */
	r.kips[0] = 0xffffffff81002000ULL;
	r.kips[1] = 0xffffffffc0a00091ULL;
	r.kips[2] = (uint64_t)-128;
	r.kips[3] = 0xffffffff81002000ULL;
	r.kips[4] = 0xffffffff81002804ULL;
	r.nk = 5;
	assert_int_equal(prof_profile_add_raw(p, s, &r), 0);
	assert_int_equal(p->nstacks, 1);
	assert_frames(&p->stacks[0], want, 4);
	assert_string_equal(p->stacks[0].comm, "kworker/0:1-eve");
	assert_string_equal(p->stacks[0].tag, "");
	assert_int_equal(p->stacks[0].pid, 42);
	assert_int_equal(p->stacks[0].count, 3);
	assert_int_equal(p->stacks[0].weight, 300);

	raw_init(&r, SOV_PROF_KIND_MEM);
	r.tag = 0xffffffffc0a000a4ULL;
	r.kips[0] = 0xffffffffc0a000a4ULL;
	r.nk = 1;
	assert_int_equal(prof_profile_add_raw(p, s, &r), 0);
	assert_string_equal(p->stacks[1].tag, "sov_prof_sample+0x24 [sovereign]");
	assert_string_equal(p->stacks[1].frames[0], "sov_prof_sample [sovereign]_[k]");

	raw_init(&r, SOV_PROF_KIND_LOCK);
	r.tag = 0xffffffff83000000ULL;
	assert_int_equal(prof_profile_add_raw(p, s, &r), 0);
	assert_string_equal(p->stacks[2].tag, "rtnl_mutex");
	assert_int_equal(p->stacks[2].nframes, 0);
	r.tag = 0xffff888004a1c0e8ULL;
	assert_int_equal(prof_profile_add_raw(p, s, &r), 0);
	assert_string_equal(p->stacks[3].tag, "0xffff888004a1c0e8");

	/* out of range: refused, nothing added */
	r.nk = SOV_PROF_KSTACK_MAX + 1;
	assert_int_equal(prof_profile_add_raw(p, s, &r), -EINVAL);
	raw_init(&r, __SOV_PROF_KIND_CNT);
	assert_int_equal(prof_profile_add_raw(p, s, &r), -EINVAL);
	assert_int_equal(p->nstacks, 4);
	prof_profile_free(p);
	prof_symbolizer_free(s);
}

static void test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(prof_kind_name(SOV_PROF_KIND_CPU), "cpu");
	assert_string_equal(prof_kind_name(SOV_PROF_KIND_MEM), "mem");
	assert_string_equal(prof_kind_name(SOV_PROF_KIND_LOCK), "lock");
	assert_int_equal(prof_kind_parse("cpu"), SOV_PROF_KIND_CPU);
	assert_int_equal(prof_kind_parse("mem"), SOV_PROF_KIND_MEM);
	assert_int_equal(prof_kind_parse("lock"), SOV_PROF_KIND_LOCK);
	assert_int_equal(prof_kind_parse("CPU"), -1);
	assert_int_equal(prof_kind_parse(""), -1);
	assert_int_equal(prof_kind_parse(NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_and_offsets),
		cmocka_unit_test(test_outside_every_symbol),
		cmocka_unit_test(test_modules),
		cmocka_unit_test(test_data_symbols),
		cmocka_unit_test(test_kptr_restrict),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_add_raw_kernel),
		cmocka_unit_test(test_kind_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
