// SPDX-License-Identifier: GPL-2.0
/*
 * lib/prof's user symbols (libdwfl) against a live process: prof_target
 * (built beside this test) prints where its functions, its load bias and
 * libc's getpid are, then waits. Its addresses must come back as its
 * functions' names, getpid's as a libc name, the ELF header as
 * "[prof_target]", unmapped addresses, kernel threads and a dead process
 * as "[unknown]"; the same through prof_sym_elf with the load bias, and
 * prof_profile_add_raw must put the user frames root first before the
 * kernel's.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../lib/prof/prof.h"
#include "test_data.h"

struct target {
	pid_t pid;
	int in;				/* its stdin: closing it ends it */
	char path[PATH_MAX];
	uint64_t alpha, beta, gamma, main, bias, getpid;
};

static struct target t;

#define assert_sym(call, want)						\
	do {								\
		char *got_ = (call);					\
		assert_non_null(got_);					\
		if (strcmp(got_, (want)))				\
			fail_msg("%s: got \"%s\", want \"%s\"", #call,	\
				 got_, (want));				\
		free(got_);						\
	} while (0)

static void target_path(char *buf, size_t n)
{
	char self[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	assert_true(len > 0);
	self[len] = '\0';
	slash = strrchr(self, '/');
	assert_non_null(slash);
	*slash = '\0';
	assert_true((size_t)snprintf(buf, n, "%s/prof_target", self) < n);
}

static int start_target(void **state)
{
	int in[2], out[2];
	char line[256], name[64];
	unsigned long long v;
	FILE *f;

	(void)state;
	target_path(t.path, sizeof(t.path));
	if (access(t.path, X_OK)) {
		fprintf(stderr, "%s: %s (make builds it with this test)\n",
			t.path, strerror(errno));
		return -1;
	}
	if (pipe(in) || pipe(out))
		return -1;
	t.pid = fork();
	if (t.pid < 0)
		return -1;
	if (!t.pid) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execl(t.path, "prof_target", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	t.in = in[1];
	f = fdopen(out[0], "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && strcmp(line, "ready\n")) {
		if (sscanf(line, "%63s %llx", name, &v) != 2)
			continue;
		if (!strcmp(name, "prof_target_alpha"))
			t.alpha = v;
		else if (!strcmp(name, "prof_target_beta"))
			t.beta = v;
		else if (!strcmp(name, "prof_target_gamma"))
			t.gamma = v;
		else if (!strcmp(name, "main"))
			t.main = v;
		else if (!strcmp(name, "bias"))
			t.bias = v;
		else if (!strcmp(name, "getpid"))
			t.getpid = v;
	}
	fclose(f);
	if (!t.alpha || !t.beta || !t.gamma || !t.main || !t.getpid) {
		fprintf(stderr, "prof_target did not say where it is\n");
		return -1;
	}
	return 0;
}

static int stop_target(void **state)
{
	int status;

	(void)state;
	if (t.pid > 0) {
		close(t.in);
		if (waitpid(t.pid, &status, 0) != t.pid)
			return -1;
		t.pid = 0;
	}
	return 0;
}

static void test_own_functions(void **state)
{
	struct prof_symbolizer *s = prof_symbolizer_new(NULL);

	(void)state;
	assert_non_null(s);
	assert_sym(prof_sym_user(s, (uint32_t)t.pid, t.alpha), "prof_target_alpha");
	assert_sym(prof_sym_user(s, (uint32_t)t.pid, t.alpha + 4), "prof_target_alpha");
	assert_sym(prof_sym_user(s, (uint32_t)t.pid, t.beta + 9), "prof_target_beta");
	assert_sym(prof_sym_user(s, (uint32_t)t.pid, t.gamma + 1), "prof_target_gamma");
	assert_sym(prof_sym_user(s, (uint32_t)t.pid, t.main + 16), "main");
	/* the ELF header: mapped, in no symbol */
	assert_sym(prof_sym_user(s, (uint32_t)t.pid, t.bias), "[prof_target]");
	/* nothing is mapped at 0x1000 */
	assert_sym(prof_sym_user(s, (uint32_t)t.pid, 0x1000), "[unknown]");
	/* a kernel thread has no user frames */
	assert_sym(prof_sym_user(s, 0, t.alpha), "[unknown]");
	prof_symbolizer_free(s);
}

static void test_libc(void **state)
{
	struct prof_symbolizer *s = prof_symbolizer_new(NULL);
	char *name;

	(void)state;
	name = prof_sym_user(s, (uint32_t)t.pid, t.getpid + 1);
	assert_non_null(name);
	/* getpid or its alias __getpid; "[libc.so.6]" if libc's symbols
	 * were stripped past its dynamic ones */
	if (!strstr(name, "getpid") && strncmp(name, "[libc", 5))
		fail_msg("getpid in libc: got \"%s\"", name);
	free(name);
	prof_symbolizer_free(s);
}

static void test_dead_process(void **state)
{
	struct prof_symbolizer *s = prof_symbolizer_new(NULL);
	int status;
	pid_t pid = fork();

	(void)state;
	assert_true(pid >= 0);
	if (!pid)
		_exit(0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_sym(prof_sym_user(s, (uint32_t)pid, t.alpha), "[unknown]");
	/* asked twice: the cache remembers it is gone */
	assert_sym(prof_sym_user(s, (uint32_t)pid, t.alpha), "[unknown]");
	prof_symbolizer_free(s);
}

static void test_elf_file(void **state)
{
	(void)state;
	assert_sym(prof_sym_elf(t.path, t.bias, t.alpha + 4), "prof_target_alpha");
	assert_sym(prof_sym_elf(t.path, t.bias, t.gamma + 2), "prof_target_gamma");
	/* the file's own addresses: bias 0 */
	assert_sym(prof_sym_elf(t.path, 0, t.beta - t.bias + 3), "prof_target_beta");
	assert_sym(prof_sym_elf(t.path, t.bias, t.bias), "[prof_target]");
	assert_sym(prof_sym_elf("/nonexistent/elf", 0, 0x1000), "[unknown]");
}

static void test_add_raw_user_then_kernel(void **state)
{
	static const char *const want[] = {
		"main", "prof_target_alpha", "prof_target_beta",
		"prof_target_gamma", "__x64_sys_read_[k]", "schedule_[k]",
	};
	struct prof_profile *p = prof_profile_new();
	struct prof_raw_stack r;
	struct prof_symbolizer *s;
	char *ks = data_path("prof_kallsyms.txt");
	size_t i;

	(void)state;
	s = prof_symbolizer_new(ks);
	free(ks);
	assert_non_null(s);
	memset(&r, 0, sizeof(r));
	r.kind = SOV_PROF_KIND_CPU;
	r.pid = r.tgid = (uint32_t)t.pid;
	strcpy(r.comm, "prof_target");
	r.count = r.weight = 7;
	/* innermost first, each side */
	r.uips[0] = t.gamma + 5;
	r.uips[1] = t.beta + 5;
	r.uips[2] = t.alpha + 5;
	r.uips[3] = t.main + 5;
	r.uips[4] = 0;			/* the end of the frame chain */
	r.nu = 5;
	r.kips[0] = 0xffffffff81002010ULL;
	r.kips[1] = 0xffffffff81002810ULL;
	r.nk = 2;
	assert_int_equal(prof_profile_add_raw(p, s, &r), 0);
	assert_int_equal(p->nstacks, 1);
	assert_string_equal(p->stacks[0].comm, "prof_target");
	assert_int_equal(p->stacks[0].nframes, 6);
	for (i = 0; i < 6; i++)
		if (strcmp(p->stacks[0].frames[i], want[i]))
			fail_msg("frame %zu: got \"%s\", want \"%s\"", i,
				 p->stacks[0].frames[i], want[i]);
	prof_profile_free(p);
	prof_symbolizer_free(s);
}

/* A session built while the process lived still names its addresses. */
static void test_cached_after_exit(void **state)
{
	struct prof_symbolizer *s = prof_symbolizer_new(NULL);
	pid_t pid = t.pid;

	assert_sym(prof_sym_user(s, (uint32_t)pid, t.alpha + 4), "prof_target_alpha");
	assert_int_equal(stop_target(state), 0);
	assert_int_equal(kill(pid, 0), -1);
	assert_sym(prof_sym_user(s, (uint32_t)pid, t.beta + 4), "prof_target_beta");
	prof_symbolizer_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_functions),
		cmocka_unit_test(test_libc),
		cmocka_unit_test(test_dead_process),
		cmocka_unit_test(test_elf_file),
		cmocka_unit_test(test_add_raw_user_then_kernel),
		cmocka_unit_test(test_cached_after_exit),
	};

	return cmocka_run_group_tests(tests, start_target, stop_target);
}
