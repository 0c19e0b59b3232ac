// SPDX-License-Identifier: GPL-2.0
/*
 * The tc plugin q_sov.so with the real tc (/usr/sbin/tc, TC_LIB_DIR set to
 * the build's build/lib/tc), on the host where no sov qdisc exists:
 *  - bad options are refused by the plugin, with a message naming them,
 *    before anything is sent (the commands name a device that does not
 *    exist: an option the plugin accepts ends at tc's "Cannot find device",
 *    so nothing ever reaches the kernel);
 *  - printing: canned RTM_NEWQDISC/RTM_NEWTCLASS messages in a file, read
 *    by "tc -s monitor file", which prints them as "tc -s qdisc/class show"
 *    does. (tc 6.1 prints JSON only for qdisc show, from a live kernel: the
 *    JSON is checked in the VM.)
 */
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tc_msgs.h"

#define TC		"/usr/sbin/tc"
#define NODEV		"sovnodev0"

static char lib_dir[PATH_MAX];
static char out[16384], err[16384];

static void slurp(FILE *f, char *buf, size_t size)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Run tc with the arguments in @args (NULL-terminated); its exit status (-1: no exit). */
static int tc_args(char *const *args)
{
	char *argv[64] = { TC };
	FILE *fo = tmpfile(), *fe = tmpfile();
	int argc = 1, status;
	pid_t pid;

	while (*args && argc < 63)
		argv[argc++] = *args++;
	argv[argc] = NULL;
	assert_non_null(fo);
	assert_non_null(fe);

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fileno(fo), 1);
		dup2(fileno(fe), 2);
		setenv("TC_LIB_DIR", lib_dir, 1);
		execv(TC, argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	slurp(fo, out, sizeof(out));
	slurp(fe, err, sizeof(err));
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* @prefix's words, then the variable arguments up to a NULL. */
static int tc_with(const char *const *prefix, const char *first, va_list ap)
{
	char *args[64];
	int n = 0;
	const char *a;

	for (; *prefix; prefix++)
		args[n++] = (char *)*prefix;
	for (a = first; a && n < 63; a = va_arg(ap, const char *))
		args[n++] = (char *)a;
	args[n] = NULL;
	return tc_args(args);
}

static int tc(const char *first, ...)
{
	static const char *const none[] = { NULL };
	va_list ap;
	int ret;

	va_start(ap, first);
	ret = tc_with(none, first, ap);
	va_end(ap);
	return ret;
}

#define assert_has(buf, s)						\
	do {								\
		if (!strstr((buf), (s)))				\
			fail_msg("expected \"%s\" in:\n%s", (s), (buf)); \
	} while (0)

static const char *const qdisc_add[] = {
	"qdisc", "add", "dev", NODEV, "root", "handle", "1:", "sov", NULL
};
static const char *const class_change[] = {
	"class", "change", "dev", NODEV, "classid", "1:3", "sov", NULL
};

/* Refused by the plugin: tc exits 1 with our message, and sends nothing. */
static void check_refused(int ret, const char *msg)
{
	if (ret != 1)
		fail_msg("tc exited %d, expected 1; stderr:\n%s", ret, err);
	assert_has(err, msg);
	if (strstr(err, "Cannot find device"))
		fail_msg("the plugin let it through:\n%s", err);
}

/* Accepted by the plugin: tc goes on to look up the device, which does not exist. */
static void check_accepted(void)
{
	if (strstr(err, "sov:"))
		fail_msg("the plugin refused it:\n%s", err);
	assert_has(err, "Cannot find device \"" NODEV "\"");
}

static void refused(const char *msg, const char *first, ...)
{
	va_list ap;
	int ret;

	va_start(ap, first);
	ret = tc_with(qdisc_add, first, ap);
	va_end(ap);
	check_refused(ret, msg);
}

static void accepted_qdisc(const char *first, ...)
{
	va_list ap;

	va_start(ap, first);
	tc_with(qdisc_add, first, ap);
	va_end(ap);
	check_accepted();
}

static void class_refused(const char *msg, const char *first, ...)
{
	va_list ap;
	int ret;

	va_start(ap, first);
	ret = tc_with(class_change, first, ap);
	va_end(ap);
	check_refused(ret, msg);
}

static void class_accepted(const char *first, ...)
{
	va_list ap;

	va_start(ap, first);
	tc_with(class_change, first, ap);
	va_end(ap);
	check_accepted();
}

static int setup(void **state)
{
	char path[PATH_MAX + 16];

	(void)state;
	if (!realpath("build/lib/tc", lib_dir)) {
		fprintf(stderr, "test_tc_sov: no build/lib/tc (run make, from the repository root)\n");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/q_sov.so", lib_dir);
	if (access(path, R_OK) || access(TC, X_OK)) {
		fprintf(stderr, "test_tc_sov: needs %s and " TC "\n", path);
		return -1;
	}
	return 0;
}

static void test_qdisc_refusals(void **state)
{
	(void)state;
	refused("sov: unknown option \"bogus\": expected limit, quantum, priomap or dscpmap",
		"bogus", NULL);
	refused("sov: bad priomap entry \"9\": expected a class 1-8",
		"priomap", "1", "2", "3", "4", "5", "6", "7", "8", "1", "2", "3", "4", "5", "6",
		"7", "9", NULL);
	refused("sov: bad priomap entry \"0\": expected a class 1-8", "priomap", "0", NULL);
	refused("sov: bad priomap entry \"x\": expected a class 1-8", "priomap", "1", "x", NULL);
	refused("sov: priomap has 15 entries: expected 16, one class 1-8 for each priority 0-15",
		"priomap", "1", "2", "3", "4", "5", "6", "7", "8", "1", "2", "3", "4", "5", "6",
		"7", NULL);
	refused("sov: priomap has 0 entries", "priomap", "limit", "5", NULL);
	refused("sov: priomap has more than 16 entries at \"1\"",
		"priomap", "1", "2", "3", "4", "5", "6", "7", "8", "1", "2", "3", "4", "5", "6",
		"7", "8", "1", NULL);
	refused("sov: bad dscpmap entry \"64:1\": expected a DSCP 0-63 or a name", "dscpmap",
		"64:1", NULL);
	refused("sov: bad dscpmap entry \"ef:9\": expected a class 1-8", "dscpmap", "ef:9", NULL);
	refused("sov: bad dscpmap entry \"ef:0\": expected a class 1-8", "dscpmap", "ef:0", NULL);
	refused("sov: bad dscpmap entry \"af44:1\": expected a DSCP", "dscpmap", "af44:1", NULL);
	refused("sov: bad dscpmap entry \"-1:1\": expected a DSCP", "dscpmap", "-1:1", NULL);
	refused("sov: bad dscpmap entry \"0x2e:1\": expected a DSCP", "dscpmap", "0x2e:1", NULL);
	refused("sov: bad dscpmap entry \"ef\": expected DSCP:CLASS", "dscpmap", "ef", NULL);
	refused("sov: bad dscpmap entry \"46:2\": DSCP 46 is mapped twice", "dscpmap",
		"ef:1,46:2", NULL);
	refused("sov: bad dscpmap \"ef:1,\": expected DSCP:CLASS[,DSCP:CLASS...] or none",
		"dscpmap", "ef:1,", NULL);
	refused("sov: \"dscpmap\" needs a value", "dscpmap", NULL);
	refused("sov: bad limit \"0\": expected a number 1-1048576", "limit", "0", NULL);
	refused("sov: bad limit \"1048577\": expected a number 1-1048576", "limit", "1048577",
		NULL);
	refused("sov: bad limit \"-1\"", "limit", "-1", NULL);
	refused("sov: bad limit \"10k\"", "limit", "10k", NULL);
	refused("sov: \"limit\" needs a value", "limit", NULL);
	refused("sov: \"limit\" is given twice", "limit", "5", "limit", "6", NULL);
	refused("sov: bad quantum \"100\": expected 256-1048576 bytes", "quantum", "100", NULL);
	refused("sov: bad quantum \"2mb\": expected 256-1048576 bytes", "quantum", "2mb", NULL);
	refused("sov: bad quantum \"1x\": expected bytes", "quantum", "1x", NULL);
	/* help: the syntax, on stderr as tc's plugins do */
	assert_int_equal(tc("qdisc", "add", "dev", NODEV, "root", "sov", "help", NULL), 1);
	assert_has(err, "[ priomap P0 P1 ... P15 ]");
	assert_has(err, "dscpmap DSCP:CLASS[,DSCP:CLASS...] | dscpmap none");
	assert_has(err, "tc class change dev DEV classid MAJOR:N sov [ rate RATE ] [ burst SIZE ]");
}

static void test_qdisc_accepted(void **state)
{
	(void)state;
	accepted_qdisc("limit", "1", "quantum", "1514", NULL);
	accepted_qdisc("limit", "1048576", "quantum", "1m", NULL);
	accepted_qdisc("quantum", "256", NULL);
	accepted_qdisc("priomap", "1", "2", "3", "4", "5", "6", "7", "8", "8", "7", "6", "5", "4",
		       "3", "2", "1", "limit", "100", NULL);
	accepted_qdisc("dscpmap", "ef:1,AF41:2,cs6:1,le:8,default:5,63:3,7:4", NULL);
	accepted_qdisc("dscpmap", "none", "priomap", "1", "1", "1", "1", "1", "1", "1", "1", "1",
		       "1", "1", "1", "1", "1", "1", "1", NULL);
}

static void test_class_refusals(void **state)
{
	(void)state;
	class_refused("sov: expected class options: rate, burst, ceil or limit", NULL);
	class_refused("sov: bad rate \"abc\": expected a rate such as 800kbit, 10mbit", "rate",
		      "abc", NULL);
	class_refused("sov: bad rate \"-5mbit\"", "rate", "-5mbit", NULL);
	class_refused("sov: bad rate \"10mbps2\"", "rate", "10mbps2", NULL);
	class_refused("sov: bad rate \"inf\"", "rate", "inf", NULL);
	class_refused("sov: rate \"1e30tbit\" is too large", "rate", "1e30tbit", NULL);
	class_refused("sov: rate \"1bit\" is below 1 byte/s", "rate", "1bit", NULL);
	class_refused("sov: bad ceil \"x\"", "ceil", "x", NULL);
	class_refused("sov: ceil below rate: expected a ceil of at least the rate", "rate",
		      "10mbit", "ceil", "5mbit", NULL);
	class_refused("sov: ceil needs a rate: expected a rate above 0 and at most the ceil",
		      "rate", "0", "ceil", "5mbit", NULL);
	class_refused("sov: bad burst \"0\": expected 1-4294967295 bytes", "burst", "0", NULL);
	class_refused("sov: bad burst \"5gb\"", "burst", "5gb", NULL);
	class_refused("sov: bad burst \"32q\": expected bytes such as 1514, 32k, 1mb", "burst",
		      "32q", NULL);
	class_refused("sov: bad limit \"0\"", "limit", "0", NULL);
	class_refused("sov: \"rate\" is given twice", "rate", "1mbit", "rate", "2mbit", NULL);
	class_refused("sov: \"ceil\" needs a value", "ceil", NULL);
	class_refused("sov: unknown class option \"prio\": expected rate, burst, ceil or limit",
		      "prio", "1", NULL);
	/* the classid, which tc puts in the request before the plugin runs */
	check_refused(tc("class", "change", "dev", NODEV, "classid", "1:9", "sov", "rate", "1mbit",
			 NULL), "sov: bad classid 1:9: the sov qdisc's classes are MAJOR:1 to MAJOR:8");
	check_refused(tc("class", "add", "dev", NODEV, "parent", "1:", "classid", "1:0", "sov",
			 "rate", "1mbit", NULL), "sov: bad classid 1:0");
	check_refused(tc("class", "change", "dev", NODEV, "sov", "rate", "1mbit", NULL),
		      "sov: expected \"classid MAJOR:N\" (N 1-8) before \"sov\"");
	check_refused(tc("class", "change", "dev", NODEV, "classid", "abcd:1a", "sov", "rate", "1mbit",
			 NULL), "sov: bad classid abcd:1a");
}

static void test_class_accepted(void **state)
{
	(void)state;
	class_accepted("rate", "10mbit", "burst", "32k", NULL);
	class_accepted("rate", "10mbit", "burst", "32k", "ceil", "20mbit", "limit", "100", NULL);
	class_accepted("rate", "0", NULL);
	class_accepted("rate", "0", "ceil", "0", NULL);
	class_accepted("ceil", "100mbit", NULL);
	class_accepted("rate", "100gbit", "ceil", "100gbit", NULL);
	class_accepted("rate", "8bit", NULL);
	class_accepted("rate", "1MBps", "burst", "1514", NULL);
	class_accepted("limit", "1048576", NULL);
}

/* Messages for "tc monitor file": one qdisc with stats, two classes. */
static void write_messages(const char *path)
{
	static unsigned char buf[8192];
	uint8_t dscp[TC_SOV_DSCP_CNT] = { [46] = 1, [34] = 2, [7] = 3, [1] = 8 };
	struct tc_sov_xstats qx = {
		.drops_class_limit = 3, .drops_qdisc_limit = 4, .by_filter = 10,
		.by_dscp = 20, .by_priority = 30, .filter_bad_class = 1,
		.classes_active = 2, .classes_throttled = 1,
	};
	struct tc_sov_class_xstats cx = {
		.drops_class_limit = 3, .drops_qdisc_limit = 0, .throttled = 12,
		.collisions = 2, .flows_active = 5, .flows_max = 9, .rate = 1250000,
		.ceil = 2500000, .burst = 32768, .limit = 1000, .tokens = -1500,
	};
	struct tc_msg_stats st = {
		.bytes = 123456, .packets = 789, .qlen = 5, .backlog = 1500, .drops = 7,
		.overlimits = 11,
	};
	struct nlmsghdr *nlh;
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	nlh = tc_msg_qdisc(buf, 1, 0x10000, tc_msg_prio_default, dscp, 10240, 1514);
	tc_msg_put_stats(nlh, &st, &qx, sizeof(qx));
	assert_int_equal(fwrite(buf, 1, nlh->nlmsg_len, f), nlh->nlmsg_len);
	nlh = tc_msg_class(buf, 1, 0x10000, 3, 1250000, 2500000, 32768, 1000);
	tc_msg_put_stats(nlh, &st, &cx, sizeof(cx));
	assert_int_equal(fwrite(buf, 1, nlh->nlmsg_len, f), nlh->nlmsg_len);
	nlh = tc_msg_class(buf, 1, 0x10000, 8, 0, 0, 0, 10240);
	assert_int_equal(fwrite(buf, 1, nlh->nlmsg_len, f), nlh->nlmsg_len);
	/* a dscpmap with nothing mapped */
	nlh = tc_msg_qdisc(buf, 1, 0x20000, tc_msg_prio_default, NULL, 5, 300);
	assert_int_equal(fwrite(buf, 1, nlh->nlmsg_len, f), nlh->nlmsg_len);
	fclose(f);
}

static void test_print(void **state)
{
	char path[] = "/tmp/sov-tc-msgs.XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	write_messages(path);

	assert_int_equal(tc("monitor", "file", path, NULL), 0);
	assert_has(out, "qdisc sov 1: dev lo root refcnt 0 limit 10240p quantum 1514 "
			"priomap 5 8 7 6 4 3 2 1 5 5 5 5 5 5 5 5 dscpmap le:8,7:3,af41:2,ef:1 \n");
	assert_has(out, "class sov 1:3 dev lo root rate 10Mbit ceil 20Mbit burst 32Kb limit 1000p \n");
	assert_has(out, "class sov 1:8 dev lo root unshaped limit 10240p \n");
	assert_has(out, "qdisc sov 2: dev lo root refcnt 0 limit 5p quantum 300 "
			"priomap 5 8 7 6 4 3 2 1 5 5 5 5 5 5 5 5 dscpmap none \n");
	if (strstr(out, "classified") || strstr(out, "flows"))
		fail_msg("stats without -s:\n%s", out);

	assert_int_equal(tc("-s", "monitor", "file", path, NULL), 0);
	assert_has(out, " Sent 123456 bytes 789 pkt (dropped 7, overlimits 11 requeues 0) \n"
			" backlog 1500b 5p requeues 0\n"
			" classified: filter 10 dscp 20 priority 30 (filter to no class 1)\n"
			" drops: class limit 3 qdisc limit 4 classes active 2 throttled 1\n");
	assert_has(out, "class sov 1:3 dev lo root rate 10Mbit ceil 20Mbit burst 32Kb limit 1000p \n"
			" Sent 123456 bytes 789 pkt (dropped 7, overlimits 11 requeues 0) \n"
			" backlog 1500b 5p requeues 0\n"
			" flows 5 (max 9) collisions 2 throttled 12 tokens -1500b\n"
			" drops: class limit 3 qdisc limit 0\n");
	if (err[0])
		fail_msg("tc wrote to stderr:\n%s", err);
	unlink(path);
}

/* xstats of another size (another build of the module): said, not misread. */
static void test_print_unknown_xstats(void **state)
{
	static unsigned char buf[4096];
	char path[] = "/tmp/sov-tc-msgs.XXXXXX";
	uint64_t odd[3] = { 1, 2, 3 };
	struct tc_msg_stats st = { 0 };
	struct nlmsghdr *nlh;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	nlh = tc_msg_qdisc(buf, 1, 0x10000, tc_msg_prio_default, NULL, 10, 1514);
	tc_msg_put_stats(nlh, &st, odd, sizeof(odd));
	assert_int_equal(write(fd, buf, nlh->nlmsg_len), (ssize_t)nlh->nlmsg_len);
	close(fd);
	tc("-s", "monitor", "file", path, NULL);
	assert_has(err, "sov: xstats of 24 bytes: expected 56 (qdisc) or 72 (class)");
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qdisc_refusals),
		cmocka_unit_test(test_qdisc_accepted),
		cmocka_unit_test(test_class_refusals),
		cmocka_unit_test(test_class_accepted),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_print_unknown_xstats),
	};

	return cmocka_run_group_tests_name("tc_sov", tests, setup, NULL);
}
