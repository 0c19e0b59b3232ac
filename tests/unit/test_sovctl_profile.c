// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl profile on the host, against a fake kernel: the words and every
 * refusal made before anything is sent, the START request's attributes,
 * a refusal's extack, status from a canned GET (text and JSON), a report
 * read from canned dumps. Saved files: test_sovctl_profile_file.c.
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
#include "../../tools/sovctl/print.h"
#include "../../tools/sovctl/profile.h"
#include "../../tools/sovctl/sovctl.h"
#include "json_check.h"
#include "sovctl_run.h"

/* ---- a fake kernel ---- */

#define CMDS (SOV_CMD_MAX + 1)

static struct {
	unsigned char req[CMDS][1024];	/* the last request of each command */
	unsigned int calls[CMDS];
	uint8_t order[64];
	unsigned int norder;
	int error[CMDS];		/* refuse this command with -errno */
	const char *msg;		/* and this extack message */
	int attr;			/* pointing at this attribute (-1: none) */
	uint32_t state, kinds;
} fk;

static const struct sov_prof_io fake_io;

static void fake_reset(void)
{
	memset(&fk, 0, sizeof(fk));
	fk.attr = -1;
	fk.state = SOV_PROF_STATE_RUNNING;
	fk.kinds = 1U << SOV_PROF_KIND_CPU;
	profile_io_override = &fake_io;
}

static struct nlmsghdr *reply(void *buf, uint8_t cmd)
{
	return sov_nl_put_hdr(buf, 0x20, cmd, SOV_GENL_VERSION, 0, 0);
}

/* PROF_GET's reply, as the kernel builds it: u64s padded with PAD. */
static struct nlmsghdr *status_msg(void *buf)
{
	struct nlmsghdr *nlh = reply(buf, SOV_CMD_PROF_GET);

	mnl_attr_put_u32(nlh, SOV_A_PROF_STATE, fk.state);
	if (fk.state == SOV_PROF_STATE_IDLE)
		return nlh;
	mnl_attr_put_u32(nlh, SOV_A_PROF_KINDS, fk.kinds);
	mnl_attr_put_u32(nlh, SOV_A_PROF_MODE, SOV_PROF_MODE_ADAPTIVE);
	mnl_attr_put_u32(nlh, SOV_A_PROF_FREQ, 999);
	mnl_attr_put_u32(nlh, SOV_A_PROF_ADAPTIVE_X100, 50);
	mnl_attr_put_u32(nlh, SOV_A_PROF_TGID, 42);
	mnl_attr_put_u32(nlh, SOV_A_PROF_STACKS, SOV_PROF_STACK_KERNEL | SOV_PROF_STACK_USER);
	mnl_attr_put_u32(nlh, SOV_A_PROF_MAX_STACKS, 4096);
	mnl_attr_put_u32(nlh, SOV_A_PROF_RSS_INTERVAL_MS, 100);
	mnl_attr_put(nlh, SOV_A_PROF_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, SOV_A_PROF_START_NS, 123456789);
	mnl_attr_put_u64(nlh, SOV_A_PROF_DURATION_NS, 12300000000ULL);
	mnl_attr_put_u32(nlh, SOV_A_PROF_EFFECTIVE_FREQ, 412);
	mnl_attr_put_u64(nlh, SOV_A_PROF_SAMPLES, 12345);
	mnl_attr_put_u64(nlh, SOV_A_PROF_SKIPPED, 12);
	mnl_attr_put_u64(nlh, SOV_A_PROF_DROPPED, 7);
	mnl_attr_put_u64(nlh, SOV_A_PROF_USTACK_FAULTS, 3);
	mnl_attr_put_u32(nlh, SOV_A_PROF_ENTRIES, 812);
	mnl_attr_put_u64(nlh, SOV_A_PROF_MEM_BYTES, 3 << 20);
	mnl_attr_put_u32(nlh, SOV_A_PROF_OVERHEAD_X100, 42);
	mnl_attr_put_u64(nlh, SOV_A_PROF_MEM_EVENTS, 5000);
	mnl_attr_put_u64(nlh, SOV_A_PROF_MEM_UNTRACKED, 2);
	mnl_attr_put_u64(nlh, SOV_A_PROF_LOCK_EVENTS, 77);
	mnl_attr_put_u64(nlh, SOV_A_PROF_LOCK_UNTRACKED, 1);
	mnl_attr_put_u32(nlh, SOV_A_PROF_MAX + 3, 9);	/* from a newer module */
	return nlh;
}

static struct nlmsghdr *stack_msg(void *buf, uint32_t kind, uint64_t tag, uint64_t weight,
				  unsigned int nk)
{
	struct nlmsghdr *nlh = reply(buf, SOV_CMD_PROF_STACK_GET);
	uint64_t k[3] = { 0xffffffff81000010ULL, 0xffffffff81000020ULL, 0xffffffff81000030ULL };
	uint64_t u[2] = { 0x401000, 0x402000 };

	mnl_attr_put_u32(nlh, SOV_A_PROF_KIND, kind);
	mnl_attr_put_u64(nlh, SOV_A_PROF_TAG, tag);
	mnl_attr_put_u32(nlh, SOV_A_PROF_PID, 43);
	mnl_attr_put_u32(nlh, SOV_A_PROF_TGID, 0);	/* no process: user frames unknown */
	mnl_attr_put_strz(nlh, SOV_A_PROF_COMM, "worker");
	mnl_attr_put(nlh, SOV_A_PROF_KSTACK, nk * sizeof(uint64_t), k);
	mnl_attr_put(nlh, SOV_A_PROF_USTACK, sizeof(u), u);
	mnl_attr_put_u64(nlh, SOV_A_PROF_COUNT, weight);
	mnl_attr_put_u64(nlh, SOV_A_PROF_WEIGHT, weight);
	return nlh;
}

static int fake_transact(void *ctx, struct nlmsghdr *req, sov_nl_cb cb, void *data,
			 struct sov_nl_err *e)
{
	static unsigned char buf[4096];
	const struct genlmsghdr *gh = mnl_nlmsg_get_payload(req);
	uint64_t hist[SOV_PROF_HIST_BUCKETS] = { [10] = 50, [12] = 45, [20] = 5 };
	uint8_t cmd = gh->cmd;
	struct nlmsghdr *nlh;

	(void)ctx;
	sov_nl_err_clear(e);
	assert_true(cmd < CMDS);
	assert_true(req->nlmsg_len <= sizeof(fk.req[0]));
	memcpy(fk.req[cmd], req, req->nlmsg_len);
	fk.calls[cmd]++;
	if (fk.norder < sizeof(fk.order))
		fk.order[fk.norder++] = cmd;
	if (fk.error[cmd]) {
		sov_nl_err_set(e, fk.error[cmd], "%s", fk.msg ? fk.msg : "");
		e->attr_type = fk.attr;
		return e->error;
	}
	switch (cmd) {
	case SOV_CMD_PROF_GET:
		cb(status_msg(buf), data);
		break;
	case SOV_CMD_PROF_STACK_GET:
		assert_true(req->nlmsg_flags & NLM_F_DUMP);
		cb(stack_msg(buf, SOV_PROF_KIND_CPU, 0, 20, 3), data);
		cb(stack_msg(buf, SOV_PROF_KIND_CPU, 0, 10, 2), data);
		if (fk.kinds & (1U << SOV_PROF_KIND_MEM))
			cb(stack_msg(buf, SOV_PROF_KIND_MEM, 0xffffffff81000100ULL, 4096, 3), data);
		if (fk.kinds & (1U << SOV_PROF_KIND_LOCK))
			cb(stack_msg(buf, SOV_PROF_KIND_LOCK, 0xffffffff82000000ULL, 5000, 2), data);
		break;
	case SOV_CMD_PROF_SITE_GET:
		assert_true(req->nlmsg_flags & NLM_F_DUMP);
		nlh = reply(buf, cmd);
		mnl_attr_put_u64(nlh, SOV_A_PROF_SITE, 0xffffffff81000100ULL);
		mnl_attr_put_u64(nlh, SOV_A_PROF_ALLOCS, 100);
		mnl_attr_put_u64(nlh, SOV_A_PROF_FREES, 90);
		mnl_attr_put_u64(nlh, SOV_A_PROF_BYTES, 409600);
		mnl_attr_put_u64(nlh, SOV_A_PROF_LIVE_OBJS, 10);
		mnl_attr_put_u64(nlh, SOV_A_PROF_LIVE_BYTES, 40960);
		mnl_attr_put_u64(nlh, SOV_A_PROF_OLD_OBJS, 4);
		mnl_attr_put_u64(nlh, SOV_A_PROF_OLD_BYTES, 16384);
		cb(nlh, data);
		break;
	case SOV_CMD_PROF_LOCK_GET:
		nlh = reply(buf, cmd);
		mnl_attr_put_u64(nlh, SOV_A_PROF_LOCK_ADDR, 0xffffffff82000000ULL);
		mnl_attr_put_u32(nlh, SOV_A_PROF_LOCK_FLAGS, 32);	/* LCB_F_MUTEX */
		mnl_attr_put_u64(nlh, SOV_A_PROF_LOCK_COUNT, 100);
		mnl_attr_put_u64(nlh, SOV_A_PROF_LOCK_TOTAL_NS, 5000000);
		mnl_attr_put_u64(nlh, SOV_A_PROF_LOCK_MAX_NS, 1500000);
		mnl_attr_put(nlh, SOV_A_PROF_LOCK_HIST, sizeof(hist), hist);
		cb(nlh, data);
		break;
	case SOV_CMD_PROF_RSS_GET: {
		static const uint64_t rss[3] = { 1 << 20, 3 << 20, 2 << 20 };
		unsigned int i;

		for (i = 0; i < 3; i++) {
			nlh = reply(buf, cmd);
			mnl_attr_put_u64(nlh, SOV_A_PROF_RSS_TIME_NS, 1000000000ULL * (i + 1));
			mnl_attr_put_u64(nlh, SOV_A_PROF_RSS_BYTES, rss[i]);
			mnl_attr_put_u32(nlh, SOV_A_PROF_TGID, 42);
			mnl_attr_put_strz(nlh, SOV_A_PROF_COMM, "leaky");
			cb(nlh, data);
		}
		break;
	}
	default:
		break;
	}
	return 0;
}

static const struct sov_prof_io fake_io = { .transact = fake_transact };

/* The attributes of the last request of @cmd. */
static void req_attrs(uint8_t cmd, const struct nlattr **tb)
{
	struct sov_nl_err e;

	assert_true(fk.calls[cmd] > 0);
	assert_int_equal(sov_nl_parse((const struct nlmsghdr *)fk.req[cmd], tb, SOV_A_PROF_MAX,
				      NULL, &e), 0);
}

/* ---- words and values ---- */

static void test_parsers(void **state)
{
	static const char *const words[] = { "status", "start", "stop", "report", NULL };
	uint32_t v;
	uint64_t ns;
	char b[64];

	(void)state;
	assert_int_equal(profile_parse_kinds("cpu", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(profile_parse_kinds("mem,lock", &v), 0);
	assert_int_equal(v, 6);
	assert_int_equal(profile_parse_kinds("all", &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(profile_parse_kinds("cpu,", &v), -EINVAL);
	assert_int_equal(profile_parse_kinds("gpu", &v), -EINVAL);
	assert_int_equal(profile_parse_kinds("", &v), -EINVAL);
	assert_string_equal(profile_fmt_kinds(5, b, sizeof(b)), "cpu,lock");
	assert_string_equal(profile_fmt_kinds(0, b, sizeof(b)), "none");

	assert_int_equal(profile_parse_ns("250000", &ns), 0);
	assert_int_equal(ns, 250000);
	assert_int_equal(profile_parse_ns("250us", &ns), 0);
	assert_int_equal(ns, 250000);
	assert_int_equal(profile_parse_ns("10ms", &ns), 0);
	assert_int_equal(ns, 10000000);
	assert_int_equal(profile_parse_ns("1s", &ns), 0);
	assert_int_equal(ns, 1000000000);
	assert_int_equal(profile_parse_ns("5ns", &ns), 0);
	assert_int_equal(ns, 5);
	assert_int_equal(profile_parse_ns("1m", &ns), -EINVAL);
	assert_int_equal(profile_parse_ns("ms", &ns), -EINVAL);
	assert_int_equal(profile_parse_ns("-1", &ns), -EINVAL);
	assert_int_equal(profile_parse_ns("99999999999999999999", &ns), -ERANGE);
	assert_int_equal(profile_parse_ns("99999999999s", &ns), -ERANGE);

	assert_int_equal(profile_parse_pct_x100("0.5", &v), 0);
	assert_int_equal(v, 50);
	assert_int_equal(profile_parse_pct_x100("0.01", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(profile_parse_pct_x100("50%", &v), 0);
	assert_int_equal(v, 5000);
	assert_int_equal(profile_parse_pct_x100(".25", &v), 0);
	assert_int_equal(v, 25);
	assert_int_equal(profile_parse_pct_x100("2.500", &v), 0);
	assert_int_equal(v, 250);
	assert_int_equal(profile_parse_pct_x100("0.005", &v), -ERANGE);
	assert_int_equal(profile_parse_pct_x100("1.2.3", &v), -EINVAL);
	assert_int_equal(profile_parse_pct_x100("%", &v), -EINVAL);
	assert_int_equal(profile_parse_pct_x100("5%%", &v), -EINVAL);
	assert_int_equal(profile_parse_pct_x100("-1", &v), -EINVAL);

	assert_int_equal(profile_word("report", words), 3);
	assert_int_equal(profile_word("rep", words), 3);
	assert_int_equal(profile_word("stat", words), 0);
	assert_int_equal(profile_word("sta", words), -2);	/* status or start */
	assert_int_equal(profile_word("s", words), -2);
	assert_int_equal(profile_word("x", words), -1);

	assert_string_equal(profile_lock_type(1), "spinlock");
	assert_string_equal(profile_lock_type(1 | 2), "rwlock:R");
	assert_string_equal(profile_lock_type(4), "rwsem:W");
	assert_string_equal(profile_lock_type(32), "mutex");
	assert_string_equal(profile_lock_type(64), "unknown");
	assert_string_equal(profile_fmt_weight(SOV_PROF_KIND_CPU, 1523, b, sizeof(b)), "1523");
	assert_string_equal(profile_fmt_weight(SOV_PROF_KIND_MEM, 4096, b, sizeof(b)), "4.0 KiB");
	assert_string_equal(profile_fmt_weight(SOV_PROF_KIND_LOCK, 4100000, b, sizeof(b)),
			    "4.1 ms");
}

static void test_cgroup(void **state)
{
	char dir[] = "/tmp/sovctl-prof-XXXXXX", mi[300], why[256], sub[300];
	struct stat st;
	uint64_t id;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/a b", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	/* a mountinfo without cgroup2 */
	snprintf(mi, sizeof(mi), "%s/mountinfo", dir);
	f = fopen(mi, "w");
	assert_non_null(f);
	fprintf(f, "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw\n");
	fclose(f);
	assert_int_equal(profile_cgroup_id("system.slice", mi, &id, why, sizeof(why)), -ENOENT);
	has(why, "no cgroup v2 file system is mounted");
	/* one whose cgroup2 "mount" is our directory, with an escaped space */
	f = fopen(mi, "w");
	assert_non_null(f);
	fprintf(f, "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
		   "41 31 0:38 / %s rw shared:9 - cgroup2 cgroup2 rw\n", dir);
	fclose(f);
	assert_int_equal(profile_cgroup_id("nope", mi, &id, why, sizeof(why)), -ENOENT);
	has(why, "/nope: No such file or directory");
	/* it exists but is not on cgroup2 */
	assert_int_equal(profile_cgroup_id("a b", mi, &id, why, sizeof(why)), -ENOTDIR);
	has(why, "a b is not a cgroup v2 directory");
	assert_int_equal(profile_cgroup_id("", mi, &id, why, sizeof(why)), -EINVAL);
	/* absolute paths: as given, or under the mount; named as given */
	assert_int_equal(profile_cgroup_id("/no/such/dir", mi, &id, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "No such file or directory");
	assert_int_equal(profile_cgroup_id(sub, mi, &id, why, sizeof(why)), -ENOTDIR);
	assert_string_equal(why, "not a cgroup v2 directory");
	remove(mi);
	rmdir(sub);
	rmdir(dir);

	/* the host's own cgroup2 root, if it has one: "/" is under the mount */
	if (profile_cgroup_id("/", NULL, &id, why, sizeof(why)) == 0) {
		char mnt[300];

		f = fopen("/proc/self/mountinfo", "r");
		assert_non_null(f);
		while (fgets(sub, sizeof(sub), f))
			if (strstr(sub, " - cgroup2 ") && sscanf(sub, "%*s %*s %*s %*s %299s", mnt) == 1)
				break;
		fclose(f);
		assert_int_equal(stat(mnt, &st), 0);
		assert_int_equal(id, st.st_ino);
	}
}

/* Refused before anything is sent: exit 2, the word and the range named. */
static void test_cli_refusals(void **state)
{
	static const struct {
		const char *args[8];
		const char *msg;
	} cases[] = {
		{ { "start", "freq", "0" }, "Error: frequency: expected 1-10000 Hz, got \"0\"\n" },
		{ { "start", "freq", "10001" }, "Error: frequency: expected 1-10000 Hz, got \"10001\"\n" },
		{ { "start", "freq", "fast" }, "Error: frequency: expected 1-10000 Hz, got \"fast\"\n" },
		{ { "start", "period", "10" }, "Error: period: expected 100us-1s, got \"10\"\n" },
		{ { "start", "period", "50us" }, "Error: period: expected 100us-1s, got \"50us\"\n" },
		{ { "start", "period", "2s" }, "Error: period: expected 100us-1s, got \"2s\"\n" },
		{ { "start", "period", "1h" }, "Error: period: expected 100us-1s, got \"1h\"\n" },
		{ { "start", "adaptive", "51" }, "Error: adaptive: expected 0.01-50 (percent), got \"51\"\n" },
		{ { "start", "adaptive", "0" }, "Error: adaptive: expected 0.01-50 (percent), got \"0\"\n" },
		{ { "start", "adaptive", "0.001" }, "adaptive: expected 0.01-50 (percent), got \"0.001\"" },
		{ { "start", "kind", "disk" }, "Error: unknown kind \"disk\": expected cpu, mem, lock or all\n" },
		{ { "start", "kind", "cpu,,mem" }, "unknown kind \"cpu,,mem\"" },
		{ { "start", "cpu", "99999" }, "cpu: expected 0-" },
		{ { "start", "pid", "0" }, "Error: pid: expected 1-4194304 (a thread id), got \"0\"\n" },
		{ { "start", "tgid", "-3" }, "Error: tgid: expected 1-4194304 (a process id), got \"-3\"\n" },
		{ { "start", "stacks", "none" }, "Error: unknown stacks \"none\": expected kernel, user or both\n" },
		{ { "start", "max-stacks", "10" }, "Error: max-stacks: expected 64-65536, got \"10\"\n" },
		{ { "start", "max-stacks", "65537" }, "max-stacks: expected 64-65536, got \"65537\"" },
		{ { "start", "rss-interval", "5" }, "Error: rss-interval: expected 10-60000 ms, got \"5\"\n" },
		{ { "start", "kind", "mem", "rss-interval", "60001" },
		  "rss-interval: expected 10-60000 ms, got \"60001\"" },
		{ { "start", "rss-interval", "100" }, "Error: rss-interval: only with kind mem" },
		{ { "start", "cgroup", "/no/such/cgroup/here" },
		  "Error: cgroup /no/such/cgroup/here: No such file or directory\n" },
		{ { "start", "cgroup", "/proc" }, "Error: cgroup /proc: not a cgroup v2 directory\n" },
		{ { "start", "cpu", "0", "pid", "1" },
		  "Error: expected one scope at most: cpu, pid, tgid or cgroup\n" },
		{ { "start", "pid", "1", "tgid", "1" }, "expected one scope at most" },
		{ { "start", "tgid", "5", "cgroup", "/" }, "expected one scope at most" },
		{ { "start", "freq", "99", "period", "1000000" },
		  "Error: expected a frequency or a period, not both\n" },
		{ { "start", "period", "1ms", "adaptive", "1" },
		  "adaptive mode takes a frequency ceiling (freq MAXHZ), not a period" },
		{ { "start", "freq", "99", "freq", "98" }, "\"freq\" is given twice" },
		{ { "start", "freq" }, "\"freq\" needs a value, see \"sovctl profile help\"" },
		{ { "start", "colour", "red" },
		  "unknown option \"colour\" for 'profile start': expected kind, freq" },
		{ { "start", "p", "5" }, "option \"p\" is ambiguous for 'profile start'" },
		{ { "stop", "now" }, "unknown option \"now\" for 'profile stop': expected save FILE" },
		{ { "stop", "save" }, "\"save\" needs a file" },
		{ { "stop", "save", "a", "b" }, "'profile stop' takes [ save FILE ], got \"b\"" },
		{ { "status", "now" }, "'profile status' takes no arguments, got \"now\"" },
		{ { "report", "--flame" }, "unknown option \"--flame\" for 'profile report'" },
		{ { "report", "kind", "cpu,mem" }, "unknown kind \"cpu,mem\": expected cpu, mem or lock" },
		{ { "report", "--top", "0" }, "--top: expected 1-4294967295 lines, got \"0\"" },
		{ { "report", "--top" }, "\"--top\" needs a value" },
		{ { "report", "--folded", "--tree" }, "one of --top, --folded, --svg and --tree" },
		{ { "report", "--tree", "min", "101" }, "min: expected 0-100 (percent), got \"101\"" },
		{ { "report", "from", "x.json", "leak-age", "5" },
		  "leak-age is for a profile read from the kernel" },
		{ { "report", "leak-age", "0" }, "leak-age: expected 1-4294967295 ms, got \"0\"" },
		{ { "compare", "a.json" }, "'profile compare' needs two saved profiles" },
		{ { "compare", "a.json", "b.json", "--folded" },
		  "unknown option \"--folded\" for 'profile compare'" },
		{ { "compare", "a.json", "b.json", "kind" }, "\"kind\" needs a value" },
		{ { "explode" }, "command \"explode\" is unknown for 'profile', try \"sovctl profile help\"" },
		{ { "st" }, "command \"st\" is ambiguous for 'profile'" },
	};
	unsigned int i;

	(void)state;
	fake_reset();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *const *a = cases[i].args;
		int ret = run("profile", a[0], a[1], a[2], a[3], a[4], a[5], NULL);

		if (ret != EXIT_USAGE || !strstr(err, cases[i].msg))
			fail_msg("case %u (%s %s %s): exit %d, stderr: %s", i, a[0], a[1] ? a[1] : "",
				 a[1] && a[2] ? a[2] : "", ret, err);
		assert_true(!strncmp(err, "Error: ", 7));
	}
	/* nothing reached the kernel */
	for (i = 0; i < CMDS; i++)
		assert_int_equal(fk.calls[i], 0);

	/* help, no verb, bad verb: the usage text */
	assert_int_equal(run("profile", "help", NULL), EXIT_OK);
	has(out, "Usage: sovctl profile start [ kind KINDS ]");
	has(out, "sovctl profile compare A B");
	assert_int_equal(run("profile", NULL), EXIT_USAGE);
	has(err, "Usage: sovctl profile start");
	assert_int_equal(run("profile", "explode", NULL), EXIT_USAGE);
	has(err, "Usage: sovctl profile start");
	assert_int_equal(run("help", NULL), EXIT_OK);
	has(out, "profile");
}

/* Without the override, a well-formed request reaches the absent module. */
static void test_module_absent(void **state)
{
	(void)state;
	profile_io_override = NULL;
	assert_int_equal(run("profile", "status", NULL), EXIT_FAIL);
	has(err, "sovereign module is not loaded");
	assert_int_equal(run("profile", "start", "kind", "all", NULL), EXIT_FAIL);
	has(err, "sovereign module is not loaded");
	fake_reset();
}

static void test_start_request(void **state)
{
	const struct nlattr *tb[SOV_A_PROF_MAX + 1];
	char why[256];
	uint64_t cg;

	(void)state;
	fake_reset();
	assert_int_equal(run("profile", "start", "kind", "cpu,lock", "adaptive", "0.5", "freq",
			     "999", "tgid", "42", "stacks", "kernel", "max-stacks", "128", NULL),
			 EXIT_OK);
	req_attrs(SOV_CMD_PROF_START, tb);
	assert_int_equal(mnl_attr_get_u32(tb[SOV_A_PROF_KINDS]), 5);
	assert_int_equal(mnl_attr_get_u32(tb[SOV_A_PROF_ADAPTIVE_X100]), 50);
	assert_int_equal(mnl_attr_get_u32(tb[SOV_A_PROF_FREQ]), 999);
	assert_int_equal(mnl_attr_get_u32(tb[SOV_A_PROF_TGID]), 42);
	assert_int_equal(mnl_attr_get_u32(tb[SOV_A_PROF_STACKS]), SOV_PROF_STACK_KERNEL);
	assert_int_equal(mnl_attr_get_u32(tb[SOV_A_PROF_MAX_STACKS]), 128);
	assert_null(tb[SOV_A_PROF_PERIOD_NS]);
	assert_null(tb[SOV_A_PROF_CPU]);
	assert_null(tb[SOV_A_PROF_PID]);
	assert_null(tb[SOV_A_PROF_CGROUP_ID]);
	assert_null(tb[SOV_A_PROF_RSS_INTERVAL_MS]);
	/* then a GET, whose view it prints */
	assert_int_equal(fk.order[0], SOV_CMD_PROF_START);
	assert_int_equal(fk.order[1], SOV_CMD_PROF_GET);
	has(out, "profiling cpu (adaptive: under 0.50% of CPU time, at most 999 Hz), process 42");

	/* the defaults are the kernel's: nothing but what was given is sent */
	fake_reset();
	assert_int_equal(run("profile", "start", NULL), EXIT_OK);
	req_attrs(SOV_CMD_PROF_START, tb);
	for (unsigned int i = 0; i <= SOV_A_PROF_MAX; i++)
		assert_null(tb[i]);

	fake_reset();
	assert_int_equal(run("profile", "sta", "k", "mem", "period", "250us", "cpu", "0", "rss",
			     "20", NULL), EXIT_USAGE);	/* "sta": status or start */
	assert_int_equal(run("profile", "star", "k", "mem", "period", "250us", "cpu", "0", "rss",
			     "20", NULL), EXIT_OK);
	req_attrs(SOV_CMD_PROF_START, tb);
	assert_int_equal(mnl_attr_get_u32(tb[SOV_A_PROF_KINDS]), 2);
	assert_int_equal(mnl_attr_get_u64(tb[SOV_A_PROF_PERIOD_NS]), 250000);
	assert_int_equal(mnl_attr_get_u32(tb[SOV_A_PROF_CPU]), 0);
	assert_int_equal(mnl_attr_get_u32(tb[SOV_A_PROF_RSS_INTERVAL_MS]), 20);
	assert_null(tb[SOV_A_PROF_FREQ]);

	fake_reset();
	assert_int_equal(run("profile", "start", "kind", "all", "pid", "7", "freq", "10000", "-j",
			     NULL), EXIT_OK);
	req_attrs(SOV_CMD_PROF_START, tb);
	assert_int_equal(mnl_attr_get_u32(tb[SOV_A_PROF_KINDS]), 7);
	assert_int_equal(mnl_attr_get_u32(tb[SOV_A_PROF_PID]), 7);
	assert_int_equal(mnl_attr_get_u32(tb[SOV_A_PROF_FREQ]), 10000);
	json_object_put(parse_json(out));

	/* a cgroup by its path under the cgroup2 mount: its inode number */
	if (profile_cgroup_id("/", NULL, &cg, why, sizeof(why)) == 0) {
		fake_reset();
		assert_int_equal(run("profile", "start", "cgroup", "/", NULL), EXIT_OK);
		req_attrs(SOV_CMD_PROF_START, tb);
		assert_int_equal(mnl_attr_get_u64(tb[SOV_A_PROF_CGROUP_ID]), cg);
	}
}

/* The kernel's refusal is printed with its message and the attribute's word. */
static void test_refusals_from_kernel(void **state)
{
	(void)state;
	fake_reset();
	fk.error[SOV_CMD_PROF_START] = -EBUSY;
	fk.msg = "a profile is already running (stop it first)";
	assert_int_equal(run("profile", "start", NULL), EXIT_FAIL);
	has(err, "Error: profile start: a profile is already running (stop it first)");
	assert_int_equal(fk.calls[SOV_CMD_PROF_GET], 0);

	fake_reset();
	fk.error[SOV_CMD_PROF_START] = -EINVAL;
	fk.msg = "CPU 0 is offline";
	fk.attr = SOV_A_PROF_CPU;
	assert_int_equal(run("profile", "start", "cpu", "0", NULL), EXIT_FAIL);
	has(err, "Error: profile start: CPU 0 is offline (attribute cpu)");

	/* a message that names its attribute gets no "(attribute ...)" */
	fake_reset();
	fk.error[SOV_CMD_PROF_START] = -ENODEV;
	fk.msg = "cpu: expected an online cpu";
	fk.attr = SOV_A_PROF_CPU;
	assert_int_equal(run("profile", "start", "cpu", "0", NULL), EXIT_FAIL);
	assert_string_equal(err, "Error: profile start: cpu: expected an online cpu\n");

	fake_reset();
	fk.error[SOV_CMD_PROF_START] = -ESRCH;
	fk.msg = "pid: no such thread";
	assert_int_equal(run("profile", "start", "pid", "4000000", NULL), EXIT_FAIL);
	assert_string_equal(err, "Error: profile start: pid: no such thread\n");

	fake_reset();
	fk.error[SOV_CMD_PROF_START] = -EPERM;
	assert_int_equal(run("profile", "start", NULL), EXIT_FAIL);
	has(err, "permission denied (needs CAP_NET_ADMIN");

	fake_reset();
	fk.error[SOV_CMD_PROF_STOP] = -EALREADY;
	fk.msg = "no profile is running";
	assert_int_equal(run("profile", "stop", NULL), EXIT_FAIL);
	has(err, "Error: profile stop: no profile is running");

	fake_reset();
	fk.state = SOV_PROF_STATE_IDLE;
	assert_int_equal(run("profile", "report", NULL), EXIT_FAIL);
	has(err, "Error: profile report: no profile was started since the module was loaded");
	assert_int_equal(fk.calls[SOV_CMD_PROF_STACK_GET], 0);

	fake_reset();
	fk.error[SOV_CMD_PROF_STACK_GET] = -EINTR;
	fk.msg = "dump interrupted";
	assert_int_equal(run("profile", "report", NULL), EXIT_FAIL);
	has(err, "Error: profile report: dump interrupted");
}

static void test_status(void **state)
{
	struct json_object *o, *v;

	(void)state;
	fake_reset();
	fk.kinds = 7;
	assert_int_equal(run("profile", "status", NULL), EXIT_OK);
	has(out, "profile: running for 12.3s\n");
	has(out, "  kinds      cpu,mem,lock\n");
	has(out, "  mode       adaptive: under 0.50% of CPU time, at most 999 Hz; now 412 Hz\n");
	has(out, "  scope      process 42\n");
	has(out, "  stacks     both, at most 4096 per CPU and kind\n");
	has(out, "  samples    12345 (skipped 12 out of scope, dropped 7, user stacks cut short 3)\n");
	has(out, "  entries    812 stacks in 3.0 MiB\n");
	has(out, "  overhead   0.42% of the sampled CPUs' time\n");
	has(out, "  mem        5000 events, 2 untracked; resident sets every 100 ms\n");
	has(out, "  lock       77 contentions, 1 untracked\n");

	assert_int_equal(run("profile", "status", "-j", NULL), EXIT_OK);
	o = parse_json(out);
	assert_string_equal(jstr(o, "state"), "running");
	assert_string_equal(jstr(o, "mode"), "adaptive");
	assert_int_equal(jint(o, "stacks"), 3);
	assert_true(json_object_object_get_ex(o, "stack_names", &v));
	assert_int_equal(json_object_array_length(v), 2);
	assert_int_equal(jint(o, "kinds"), 7);
	assert_true(json_object_object_get_ex(o, "kind_names", &v));
	assert_int_equal(json_object_array_length(v), 3);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 1)), "mem");
	assert_int_equal(jint(o, "freq"), 999);
	assert_int_equal(jint(o, "adaptive_x100"), 50);
	assert_int_equal(jint(o, "tgid"), 42);
	assert_int_equal(jint(o, "max_stacks"), 4096);
	assert_int_equal(jint(o, "rss_interval_ms"), 100);
	assert_int_equal(jint(o, "start_ns"), 123456789);
	assert_int_equal(jint(o, "duration_ns"), 12300000000LL);
	assert_int_equal(jint(o, "effective_freq"), 412);
	assert_int_equal(jint(o, "samples"), 12345);
	assert_int_equal(jint(o, "skipped"), 12);
	assert_int_equal(jint(o, "dropped"), 7);
	assert_int_equal(jint(o, "ustack_faults"), 3);
	assert_int_equal(jint(o, "entries"), 812);
	assert_int_equal(jint(o, "mem_bytes"), 3 << 20);
	assert_int_equal(jint(o, "overhead_x100"), 42);
	assert_int_equal(jint(o, "mem_events"), 5000);
	assert_int_equal(jint(o, "mem_untracked"), 2);
	assert_int_equal(jint(o, "lock_events"), 77);
	assert_int_equal(jint(o, "lock_untracked"), 1);
	/* every attribute, also those the kernel left out: 0, cpu -1 (every CPU) */
	assert_int_equal(jint(o, "cpu"), -1);
	assert_int_equal(jint(o, "pid"), 0);
	assert_int_equal(jint(o, "period_ns"), 0);
	assert_int_equal(jint(o, "cgroup_id"), 0);
	json_object_put(o);

	fake_reset();
	fk.state = SOV_PROF_STATE_IDLE;
	assert_int_equal(run("profile", "status", NULL), EXIT_OK);
	has(out, "profile: idle");
	assert_int_equal(run("-j", "profile", "status", NULL), EXIT_OK);
	o = parse_json(out);
	assert_string_equal(jstr(o, "state"), "idle");
	json_object_put(o);
}

/* The whole read: GET, the dumps the kinds need, and the report. */
static void test_report_from_kernel(void **state)
{
	const struct nlattr *tb[SOV_A_PROF_MAX + 1];
	char dir[] = "/tmp/sovctl-prof-XXXXXX", path[64];
	struct json_object *o, *k, *a, *e;
	struct prof_profile *p;
	char why[256];

	(void)state;
	assert_non_null(mkdtemp(dir));
	fake_reset();
	assert_int_equal(run("profile", "report", NULL), EXIT_OK);
	assert_int_equal(fk.calls[SOV_CMD_PROF_GET], 1);
	assert_int_equal(fk.calls[SOV_CMD_PROF_STACK_GET], 1);
	/* cpu only: no site, lock or rss dumps */
	assert_int_equal(fk.calls[SOV_CMD_PROF_SITE_GET], 0);
	assert_int_equal(fk.calls[SOV_CMD_PROF_LOCK_GET], 0);
	assert_int_equal(fk.calls[SOV_CMD_PROF_RSS_GET], 0);
	has(out, "profile: cpu for 12.3s (adaptive: under 0.50%");
	has(out, "cpu: 30 samples in 2 stacks\n");
	has(out, "   SELF%  TOTAL%        SELF  FUNCTION\n");

	fake_reset();
	fk.kinds = 7;
	assert_int_equal(run("profile", "report", "leak-age", "5000", NULL), EXIT_OK);
	req_attrs(SOV_CMD_PROF_SITE_GET, tb);
	assert_int_equal(mnl_attr_get_u32(tb[SOV_A_PROF_LEAK_AGE_MS]), 5000);
	assert_int_equal(fk.calls[SOV_CMD_PROF_LOCK_GET], 1);
	assert_int_equal(fk.calls[SOV_CMD_PROF_RSS_GET], 1);
	has(out, "mem: 4.0 KiB allocated in 1 stacks\n");
	has(out, "allocation sites, by bytes allocated (leak candidates: live for more than 5000 ms)");
	has(out, "         100          90   400.0 KiB          10    40.0 KiB           4    16.0 KiB  ");
	has(out, "resident sets, by largest\n");
	has(out, "        42  leaky                    3     1.0 MiB     2.0 MiB     3.0 MiB\n");
	has(out, "lock: 5.0 us waited in 1 stacks\n");
	has(out, "          100      5.0 ms      1.5 ms  <   2.0 us  <   2.1 ms  mutex        ");

	assert_int_equal(run("profile", "report", "-j", NULL), EXIT_OK);
	o = parse_json(out);
	assert_true(json_object_object_get_ex(o, "meta", &k));
	assert_int_equal(jint(k, "samples"), 12345);
	assert_true(json_object_object_get_ex(o, "cpu", &k));
	assert_int_equal(jint(k, "total"), 30);
	assert_int_equal(jint(k, "stacks"), 2);
	assert_string_equal(jstr(k, "unit"), "samples");
	assert_true(json_object_object_get_ex(k, "functions", &a));
	assert_true(json_object_array_length(a) > 0);
	e = json_object_array_get_idx(a, 0);
	assert_true(jint(e, "self") > 0);
	assert_true(jint(e, "total_pct_x100") <= 10000);
	jstr(e, "function");
	assert_true(json_object_object_get_ex(o, "mem", &k));
	assert_true(json_object_object_get_ex(k, "sites", &a));
	e = json_object_array_get_idx(a, 0);
	assert_int_equal(jint(e, "old_objs"), 4);
	assert_string_equal(jstr(e, "addr"), "0xffffffff81000100");
	assert_true(json_object_object_get_ex(k, "rss", &a));
	e = json_object_array_get_idx(a, 0);
	assert_int_equal(jint(e, "max_bytes"), 3 << 20);
	assert_int_equal(jint(e, "last_bytes"), 2 << 20);
	assert_true(json_object_object_get_ex(o, "lock", &k));
	assert_true(json_object_object_get_ex(k, "locks", &a));
	e = json_object_array_get_idx(a, 0);
	assert_int_equal(jint(e, "p50_ns"), 2048);	/* [1024, 2048) holds the median */
	assert_int_equal(jint(e, "p99_ns"), 2 << 20);
	assert_string_equal(jstr(e, "type"), "mutex");
	assert_string_equal(jstr(e, "addr"), "0xffffffff82000000");
	json_object_put(o);

	/* stop save FILE: STOP, then the read, then the file */
	fake_reset();
	fk.kinds = 7;
	fk.state = SOV_PROF_STATE_STOPPED;
	snprintf(path, sizeof(path), "%s/p.json", dir);
	assert_int_equal(run("profile", "stop", "save", path, NULL), EXIT_OK);
	assert_int_equal(fk.order[0], SOV_CMD_PROF_STOP);
	assert_int_equal(fk.order[1], SOV_CMD_PROF_GET);
	has(out, "profile stopped after 12.3s (12345 samples); saved to ");
	has(out, "(4 stacks, 1 allocation sites, 1 locks, 3 resident-set samples)");
	p = prof_profile_load(path, why, sizeof(why));
	if (!p)
		fail_msg("%s", why);
	assert_int_equal(p->nstacks, 4);
	assert_int_equal(p->nsites, 1);
	assert_int_equal(p->nlocks, 1);
	assert_int_equal(p->nrss, 3);
	assert_int_equal(p->meta.samples, 12345);
	assert_int_equal(p->meta.tgid, 42);
	assert_int_equal(p->locks[0].hist[12], 45);
	prof_profile_free(p);

	/* report save FILE too */
	fake_reset();
	snprintf(path, sizeof(path), "%s/r.json", dir);
	assert_int_equal(run("profile", "report", "save", path, "--folded", NULL), EXIT_OK);
	has(err, "profile saved to ");
	assert_int_equal(access(path, R_OK), 0);
	remove(path);
	snprintf(path, sizeof(path), "%s/p.json", dir);
	remove(path);

	/* plain stop */
	fake_reset();
	fk.state = SOV_PROF_STATE_STOPPED;
	assert_int_equal(run("profile", "stop", NULL), EXIT_OK);
	has(out, "profile stopped after 12.3s (12345 samples)");
	assert_int_equal(fk.calls[SOV_CMD_PROF_STACK_GET], 0);
	rmdir(dir);
}

/* ---- files saved with lib/prof ---- */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parsers),
		cmocka_unit_test(test_cgroup),
		cmocka_unit_test(test_cli_refusals),
		cmocka_unit_test(test_module_absent),
		cmocka_unit_test(test_start_request),
		cmocka_unit_test(test_refusals_from_kernel),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_report_from_kernel),
	};

	return cmocka_run_group_tests_name("sovctl_profile", tests, NULL, NULL);
}
