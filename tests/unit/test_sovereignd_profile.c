// SPDX-License-Identifier: GPL-2.0
/*
 * sovereignd's continuous profile against a fake kernel and a fake clock:
 * windows stop, read, restart and save profile-<time>.json, the oldest
 * beyond --profile-keep go, a busy profiler is logged once and retried, a
 * profile someone else started is never stopped, and a stopping daemon
 * stops its own. The daemon's profile.c is compiled into this test.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../tools/sovereignd/profile.c"

/* ---- the daemon's log, captured ---- */

int sovd_log_level = LOG_DEBUG;
static char logbuf[16384];

void sovd_log(int level, const char *fmt, ...)
{
	size_t n = strlen(logbuf);
	va_list ap;

	(void)level;
	if (n + 2 >= sizeof(logbuf))
		return;
	va_start(ap, fmt);
	vsnprintf(logbuf + n, sizeof(logbuf) - n - 1, fmt, ap);
	va_end(ap);
	strcat(logbuf, "\n");
}

static unsigned int count(const char *hay, const char *needle)
{
	unsigned int n = 0;

	for (hay = strstr(hay, needle); hay; hay = strstr(hay + 1, needle))
		n++;
	return n;
}

/* ---- a fake kernel: one profiler ---- */

static struct {
	uint32_t state;
	uint64_t start_ns, next_start_ns;
	int start_error;	/* START answers this (-EBUSY: someone else's profile) */
	unsigned int calls[SOV_CMD_MAX + 1];
	uint32_t freq, kinds, stacks;
} fk;

static time_t now_s;

static time_t fake_time(time_t *t)
{
	if (t)
		*t = now_s;
	return now_s;
}

static int fake_transact(void *ctx, struct nlmsghdr *req, sov_nl_cb cb, void *data,
			 struct sov_nl_err *e)
{
	static unsigned char buf[1024];
	const struct genlmsghdr *gh = mnl_nlmsg_get_payload(req);
	const struct nlattr *tb[SOV_A_PROF_MAX + 1];
	uint64_t k[2] = { 0xffffffff81000010ULL, 0xffffffff81000020ULL };
	struct nlmsghdr *nlh;

	(void)ctx;
	sov_nl_err_clear(e);
	fk.calls[gh->cmd]++;
	switch (gh->cmd) {
	case SOV_CMD_PROF_START:
		if (fk.start_error) {
			sov_nl_err_set(e, fk.start_error, "a profile is already running");
			return e->error;
		}
		assert_int_equal(sov_nl_parse(req, tb, SOV_A_PROF_MAX, NULL, e), 0);
		fk.freq = mnl_attr_get_u32(tb[SOV_A_PROF_FREQ]);
		fk.kinds = mnl_attr_get_u32(tb[SOV_A_PROF_KINDS]);
		fk.stacks = mnl_attr_get_u32(tb[SOV_A_PROF_STACKS]);
		fk.state = SOV_PROF_STATE_RUNNING;
		fk.start_ns = ++fk.next_start_ns;
		return 0;
	case SOV_CMD_PROF_STOP:
		if (fk.state != SOV_PROF_STATE_RUNNING) {
			sov_nl_err_set(e, -EALREADY, "no profile is running");
			return e->error;
		}
		fk.state = SOV_PROF_STATE_STOPPED;
		return 0;
	case SOV_CMD_PROF_GET:
		nlh = sov_nl_put_hdr(buf, 0x20, gh->cmd, 1, 0, 0);
		mnl_attr_put_u32(nlh, SOV_A_PROF_STATE, fk.state);
		mnl_attr_put_u32(nlh, SOV_A_PROF_KINDS, 1);
		mnl_attr_put_u32(nlh, SOV_A_PROF_FREQ, fk.freq);
		mnl_attr_put_u64(nlh, SOV_A_PROF_START_NS, fk.start_ns);
		mnl_attr_put_u64(nlh, SOV_A_PROF_SAMPLES, 19);
		cb(nlh, data);
		return 0;
	case SOV_CMD_PROF_STACK_GET:
		nlh = sov_nl_put_hdr(buf, 0x20, gh->cmd, 1, NLM_F_MULTI, 0);
		mnl_attr_put_u32(nlh, SOV_A_PROF_KIND, SOV_PROF_KIND_CPU);
		mnl_attr_put_u32(nlh, SOV_A_PROF_PID, 1);
		mnl_attr_put_strz(nlh, SOV_A_PROF_COMM, "swapper/0");
		mnl_attr_put(nlh, SOV_A_PROF_KSTACK, sizeof(k), k);
		mnl_attr_put_u64(nlh, SOV_A_PROF_COUNT, 19);
		mnl_attr_put_u64(nlh, SOV_A_PROF_WEIGHT, 19);
		cb(nlh, data);
		return 0;
	default:
		fail_msg("unexpected command %u", gh->cmd);
		return -EINVAL;
	}
}

static const struct sov_prof_io fake_io = { .transact = fake_transact };

static char dir[] = "/tmp/sovd-prof-XXXXXX";
static uv_loop_t loop;
static struct sovd d;

static int setup(void **state)
{
	(void)state;
	memset(&fk, 0, sizeof(fk));
	logbuf[0] = '\0';
	io_override = &fake_io;
	wall_clock = fake_time;
	now_s = 1000;
	strcpy(dir, "/tmp/sovd-prof-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(uv_loop_init(&loop), 0);
	memset(&d, 0, sizeof(d));
	d.loop = &loop;
	d.prof_hz = 19;
	d.prof_window_s = 60;
	d.prof_keep = 2;
	d.prof_dir = dir;
	return 0;
}

static int teardown(void **state)
{
	char cmd[64];

	(void)state;
	sovd_profile_stop(&d);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* Let the worker threads save what the windows read. */
static void settle(void)
{
	while (d.prof && d.prof->inflight)
		uv_run(&loop, UV_RUN_ONCE);
}

static bool exists(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static void test_off(void **state)
{
	(void)state;
	d.prof_hz = 0;
	sovd_profile_start(&d);
	assert_null(d.prof);
	assert_int_equal(fk.calls[SOV_CMD_PROF_START], 0);
}

static void test_windows(void **state)
{
	struct prof_profile *p;
	char path[128], why[256];

	(void)state;
	sovd_profile_start(&d);
	assert_non_null(d.prof);
	/* started at once: cpu at 19 Hz, both stacks */
	assert_int_equal(fk.calls[SOV_CMD_PROF_START], 1);
	assert_int_equal(fk.freq, 19);
	assert_int_equal(fk.kinds, 1U << SOV_PROF_KIND_CPU);
	assert_int_equal(fk.stacks, SOV_PROF_STACK_KERNEL | SOV_PROF_STACK_USER);
	assert_true(d.prof->ours);
	assert_int_equal(count(logbuf, "profile: sampling cpu at 19 Hz; every 60s"), 1);

	/* three windows, as the timer would run them */
	for (now_s = 1060; now_s <= 1180; now_s += 60) {
		window(d.prof);
		settle();
	}
	assert_int_equal(fk.calls[SOV_CMD_PROF_STOP], 3);
	assert_int_equal(fk.calls[SOV_CMD_PROF_STACK_GET], 3);
	assert_int_equal(fk.calls[SOV_CMD_PROF_START], 4);
	assert_int_equal(fk.state, SOV_PROF_STATE_RUNNING);
	assert_int_equal(d.prof->saved, 3);
	/* keep 2: the oldest went */
	assert_false(exists("profile-1060.json"));
	assert_true(exists("profile-1120.json"));
	assert_true(exists("profile-1180.json"));
	assert_int_equal(count(logbuf, "profile: saved "), 3);
	assert_int_equal(count(logbuf, "profile: sampling cpu"), 1);

	snprintf(path, sizeof(path), "%s/profile-1180.json", dir);
	p = prof_profile_load(path, why, sizeof(why));
	if (!p)
		fail_msg("%s", why);
	assert_int_equal(p->nstacks, 1);
	assert_int_equal(p->stacks[0].weight, 19);
	assert_int_equal(p->meta.freq, 19);
	assert_int_equal(p->meta.samples, 19);
	prof_profile_free(p);

	/* a stopping daemon stops its profile */
	sovd_profile_stop(&d);
	assert_null(d.prof);
	assert_int_equal(fk.calls[SOV_CMD_PROF_STOP], 4);
	assert_int_equal(fk.state, SOV_PROF_STATE_STOPPED);
}

static void test_busy(void **state)
{
	(void)state;
	fk.start_error = -EBUSY;
	sovd_profile_start(&d);
	assert_non_null(d.prof);
	assert_false(d.prof->ours);
	now_s += 60;
	window(d.prof);
	now_s += 60;
	window(d.prof);
	assert_int_equal(fk.calls[SOV_CMD_PROF_START], 3);
	assert_int_equal(fk.calls[SOV_CMD_PROF_STOP], 0);	/* never someone else's */
	assert_int_equal(count(logbuf, "profile: the profiler is busy"), 1);
	/* free again: ours starts at the next window, and is saved at the one after */
	fk.start_error = 0;
	window(d.prof);
	assert_true(d.prof->ours);
	now_s += 60;
	window(d.prof);
	settle();
	assert_int_equal(d.prof->saved, 1);
	/* ours is saved, but the restart finds the profiler busy again */
	fk.start_error = -EBUSY;
	now_s += 60;
	window(d.prof);
	settle();
	assert_false(d.prof->ours);
	assert_int_equal(d.prof->saved, 2);
	assert_int_equal(fk.calls[SOV_CMD_PROF_STOP], 2);
	/* a stopping daemon leaves a profile that is not its own alone */
	sovd_profile_stop(&d);
	assert_int_equal(fk.calls[SOV_CMD_PROF_STOP], 2);
	assert_int_equal(count(logbuf, "profile: the profiler is busy"), 2);
}

/* Someone stopped ours and started theirs: we read nothing and stop nothing. */
static void test_replaced(void **state)
{
	(void)state;
	sovd_profile_start(&d);
	assert_true(d.prof->ours);
	fk.start_ns = 999;	/* another START came in between */
	fk.start_error = -EBUSY;
	now_s += 60;
	window(d.prof);
	settle();
	assert_int_equal(fk.calls[SOV_CMD_PROF_STOP], 0);
	assert_int_equal(fk.calls[SOV_CMD_PROF_STACK_GET], 0);
	assert_int_equal(count(logbuf, "profile: our profile is gone"), 1);
	sovd_profile_stop(&d);
	assert_int_equal(fk.calls[SOV_CMD_PROF_STOP], 0);
}

static void test_prune(void **state)
{
	static const char *const names[] = {
		"profile-5.json", "profile-40.json", "profile-300.json", "profile-1000.json",
		"profile-x.json", "profile-7.json.tmp", "notes.txt", "profile-.json",
	};
	char path[128];
	unsigned int i;
	FILE *f;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		f = fopen(path, "w");
		assert_non_null(f);
		fclose(f);
	}
	prune(dir, 2);
	/* numeric order, not the names': 300 and 1000 are the newest */
	assert_false(exists("profile-5.json"));
	assert_false(exists("profile-40.json"));
	assert_true(exists("profile-300.json"));
	assert_true(exists("profile-1000.json"));
	/* what is not ours stays */
	assert_true(exists("profile-x.json"));
	assert_true(exists("profile-7.json.tmp"));
	assert_true(exists("notes.txt"));
	assert_true(exists("profile-.json"));
	assert_int_equal(file_time("profile-42.json"), 42);
	assert_int_equal(file_time("profile-+4.json"), -1);
	assert_int_equal(file_time("profile-4.jsonx"), -1);
}

/* A directory that cannot be made: the daemon goes on without profiling. */
static void test_bad_dir(void **state)
{
	(void)state;
	d.prof_dir = "/proc/sovereign-profiles";
	sovd_profile_start(&d);
	assert_null(d.prof);
	assert_int_equal(count(logbuf, "profile: cannot create /proc/sovereign-profiles"), 1);
	d.prof_dir = dir;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_windows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_dir, setup, teardown),
	};

	return cmocka_run_group_tests_name("sovereignd_profile", tests, NULL, NULL);
}
