// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl memcompress on the host (no module): sizes, levels, the refusals
 * made before anything is sent, and a device message printed as text and
 * as JSON that json-c parses.
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
#include <json-c/json.h>

#include "../../tools/sovctl/memcompress.h"
#include "../../tools/sovctl/print.h"
#include "../../tools/sovctl/sovctl.h"
#include "sovctl_run.h"

static void size_ok(const char *s, uint64_t want)
{
	uint64_t v = 0;

	if (mc_parse_size(s, &v))
		fail_msg("\"%s\" refused", s);
	if (v != want)
		fail_msg("\"%s\" -> %llu, expected %llu", s, (unsigned long long)v,
			 (unsigned long long)want);
}

static void test_sizes(void **state)
{
	uint64_t v;

	(void)state;
	size_ok("4096", 4096);
	size_ok("0", 0);
	size_ok("4k", 4096);
	size_ok("4K", 4096);
	size_ok("256M", 256ULL << 20);
	size_ok("2G", 2ULL << 30);
	size_ok("2GiB", 2ULL << 30);
	size_ok("2gb", 2ULL << 30);
	size_ok("1T", 1ULL << 40);
	size_ok("16777215T", 16777215ULL << 40);
	assert_int_equal(mc_parse_size("2X", &v), -EINVAL);
	assert_int_equal(mc_parse_size("", &v), -EINVAL);
	assert_int_equal(mc_parse_size("G", &v), -EINVAL);
	assert_int_equal(mc_parse_size("-1", &v), -EINVAL);
	assert_int_equal(mc_parse_size("+1", &v), -EINVAL);
	assert_int_equal(mc_parse_size(" 1", &v), -EINVAL);
	assert_int_equal(mc_parse_size("1.5G", &v), -EINVAL);
	assert_int_equal(mc_parse_size("2GG", &v), -EINVAL);
	assert_int_equal(mc_parse_size("2Gx", &v), -EINVAL);
	assert_int_equal(mc_parse_size("99999999999999999999", &v), -ERANGE);
	assert_int_equal(mc_parse_size("16777216T", &v), -ERANGE);
}

static void test_levels(void **state)
{
	static const char *const names[] = { "none", "fast", "balanced", "best" };
	uint32_t l, i;

	(void)state;
	for (i = 0; i < 4; i++) {
		assert_int_equal(mc_parse_level(names[i], &l), 0);
		assert_int_equal(l, i);
		assert_string_equal(mc_level_name(i), names[i]);
	}
	assert_int_equal(mc_parse_level("ba", &l), 0);
	assert_int_equal(l, SOV_MC_LEVEL_BALANCED);
	assert_int_equal(mc_parse_level("be", &l), 0);
	assert_int_equal(l, SOV_MC_LEVEL_BEST);
	assert_int_equal(mc_parse_level("n", &l), 0);
	assert_int_equal(l, SOV_MC_LEVEL_NONE);
	assert_int_equal(mc_parse_level("3", &l), 0);
	assert_int_equal(l, 3);
	assert_int_equal(mc_parse_level("b", &l), -EINVAL);	/* balanced or best */
	assert_int_equal(mc_parse_level("4", &l), -EINVAL);
	assert_int_equal(mc_parse_level("turbo", &l), -EINVAL);
	assert_int_equal(mc_parse_level("", &l), -EINVAL);
	assert_string_equal(mc_level_name(9), "unknown");
}

static void test_secs(void **state)
{
	uint32_t v;

	(void)state;
	assert_int_equal(mc_parse_secs("300", &v), 0);
	assert_int_equal(v, 300);
	assert_int_equal(mc_parse_secs("1s", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(mc_parse_secs("5m", &v), 0);
	assert_int_equal(v, 300);
	assert_int_equal(mc_parse_secs("2h", &v), 0);
	assert_int_equal(v, 7200);
	assert_int_equal(mc_parse_secs("1d", &v), 0);
	assert_int_equal(v, 86400);
	assert_int_equal(mc_parse_secs("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(mc_parse_secs("", &v), -EINVAL);
	assert_int_equal(mc_parse_secs("m", &v), -EINVAL);
	assert_int_equal(mc_parse_secs("5ms", &v), -EINVAL);
	assert_int_equal(mc_parse_secs("5x", &v), -EINVAL);
	assert_int_equal(mc_parse_secs("-5", &v), -EINVAL);
	assert_int_equal(mc_parse_secs("4294967296", &v), -ERANGE);
	assert_int_equal(mc_parse_secs("49711d", &v), -ERANGE);
}

static void test_latency(void **state)
{
	uint64_t b[SOV_MC_LAT_BUCKETS] = { 0 };
	char t[32];

	(void)state;
	assert_int_equal(mc_lat_percentile(b, SOV_MC_LAT_BUCKETS, 50), 0);
	b[10] = 50;	/* [1024, 2048) ns */
	b[12] = 40;
	b[20] = 9;
	b[31] = 1;	/* the last bucket: 2^31 ns and longer */
	assert_int_equal(mc_lat_percentile(b, SOV_MC_LAT_BUCKETS, 50), 2048);
	assert_int_equal(mc_lat_percentile(b, SOV_MC_LAT_BUCKETS, 51), 8192);
	assert_int_equal(mc_lat_percentile(b, SOV_MC_LAT_BUCKETS, 90), 8192);
	assert_int_equal(mc_lat_percentile(b, SOV_MC_LAT_BUCKETS, 99), 2 << 20);
	assert_int_equal(mc_lat_percentile(b, SOV_MC_LAT_BUCKETS, 100), 1ULL << 32);
	assert_string_equal(mc_fmt_ns(850, t, sizeof(t)), "850 ns");
	assert_string_equal(mc_fmt_ns(2048, t, sizeof(t)), "2.0 us");
	assert_string_equal(mc_fmt_ns(2 << 20, t, sizeof(t)), "2.1 ms");
	assert_string_equal(mc_fmt_ns(1ULL << 32, t, sizeof(t)), "4.29 s");
}

static void test_bytes(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(mc_fmt_bytes(0, b, sizeof(b)), "0 B");
	assert_string_equal(mc_fmt_bytes(1023, b, sizeof(b)), "1023 B");
	assert_string_equal(mc_fmt_bytes(4096, b, sizeof(b)), "4.0 KiB");
	assert_string_equal(mc_fmt_bytes(256ULL << 20, b, sizeof(b)), "256.0 MiB");
	assert_string_equal(mc_fmt_bytes(3ULL << 29, b, sizeof(b)), "1.5 GiB");
	assert_string_equal(mc_fmt_bytes(1ULL << 40, b, sizeof(b)), "1.0 TiB");
}

/* Refused before anything is sent: exit 2 and a message naming the problem. */
static void test_cli_refusals(void **state)
{
	(void)state;
	assert_int_equal(run("memcompress", "help", NULL), EXIT_OK);
	assert_non_null(strstr(out, "Usage: sovctl memcompress"));
	assert_int_equal(run("help", NULL), EXIT_OK);
	assert_non_null(strstr(out, "memcompress"));

	assert_int_equal(run("memcompress", "create", "size", "2X", NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "bad size \"2X\": expected bytes with an optional K, M, G or T suffix"));
	assert_int_equal(run("memcompress", "create", "size", "1G", "level", "turbo", NULL),
			 EXIT_USAGE);
	assert_non_null(strstr(err, "unknown level \"turbo\": expected none, fast, balanced or best"));
	assert_int_equal(run("memcompress", "create", "level", "best", NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "create needs a size"));
	assert_int_equal(run("memcompress", "create", "size", NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "\"size\" needs a value"));
	assert_int_equal(run("memcompress", "create", "size", "1G", "colour", "red", NULL),
			 EXIT_USAGE);
	assert_non_null(strstr(err, "unknown option \"colour\" for create"));
	assert_int_equal(run("memcompress", "create", "size", "1G", "name",
			     "sovz0123456789012345678901234567", NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "longer than 31 characters"));
	assert_int_equal(run("memcompress", "create", "size", "1G", "mem_limit", "lots", NULL),
			 EXIT_USAGE);
	assert_non_null(strstr(err, "bad mem_limit \"lots\""));

	assert_int_equal(run("memcompress", "destroy", NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "needs a device"));
	assert_int_equal(run("memcompress", "destroy", "sovz0", "sovz1", NULL), EXIT_USAGE);
	assert_int_equal(run("memcompress", "set", NULL), EXIT_USAGE);
	assert_int_equal(run("memcompress", "set", "sovz0", NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "needs a setting"));
	assert_int_equal(run("memcompress", "set", "sovz0", "level", NULL), EXIT_USAGE);
	assert_int_equal(run("memcompress", "set", "sovz0", "size", "2G", NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "unknown setting \"size\": expected level, mem_limit or policy"));
	assert_int_equal(run("memcompress", "set", "sovz0", "policy", "sometimes", NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "bad policy \"sometimes\""));
	assert_int_equal(run("memcompress", "set", "sovz0", "policy", "time", "idle-age", NULL),
			 EXIT_USAGE);
	assert_non_null(strstr(err, "\"idle-age\" needs a value"));
	assert_int_equal(run("memcompress", "set", "sovz0", "policy", "threshold", "ratio", "0.5",
			     NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "bad ratio \"0.5\""));
	assert_int_equal(run("memcompress", "set", "sovz0", "policy", "time", "level", "none",
			     NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "bad policy level \"none\""));
	assert_int_equal(run("memcompress", "set", "sovz0", "policy", "off", "level", "best",
			     NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "policy off takes no options"));
	assert_int_equal(run("memcompress", "pressure", "now", NULL), EXIT_USAGE);
	assert_int_equal(run("memcompress", "set", "sovz0", "level", "b", NULL), EXIT_USAGE);
	assert_int_equal(run("memcompress", "status", "extra", NULL), EXIT_USAGE);
	assert_int_equal(run("memcompress", "stats", "sovz0", "sovz1", NULL), EXIT_USAGE);
	assert_int_equal(run("memcompress", "compact", "a", "b", NULL), EXIT_USAGE);
	assert_int_equal(run("memcompress", "recompress", NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "needs a device"));
	assert_int_equal(run("memcompress", "recompress", "sovz0", "threads", "9", NULL),
			 EXIT_USAGE);
	assert_non_null(strstr(err, "bad threads \"9\": expected 1 to 8"));
	assert_int_equal(run("memcompress", "recompress", "sovz0", "threads", "0", NULL),
			 EXIT_USAGE);
	assert_int_equal(run("memcompress", "recompress", "sovz0", "idle-age", "5x", NULL),
			 EXIT_USAGE);
	assert_non_null(strstr(err, "bad idle-age \"5x\""));
	assert_int_equal(run("memcompress", "recompress", "sovz0", "level", "turbo", NULL),
			 EXIT_USAGE);
	assert_int_equal(run("memcompress", "recompress", "sovz0", "speed", "1", NULL),
			 EXIT_USAGE);
	assert_non_null(strstr(err, "unknown option \"speed\" for recompress"));
	assert_int_equal(run("memcompress", "explode", NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "command \"explode\" is unknown for 'memcompress'"));
}

/* Well-formed requests reach the point of opening the module, which is absent here. */
static void test_cli_module_absent(void **state)
{
	(void)state;
	assert_int_equal(run("memcompress", NULL), EXIT_FAIL);
	assert_non_null(strstr(err, "sovereign module is not loaded"));
	assert_int_equal(run("memcompress", "stats", "-j", NULL), EXIT_FAIL);
	assert_int_equal(run("memcompress", "create", "size", "2G", "level", "balanced",
			     "name", "sovz0", "mem_limit", "512M", NULL), EXIT_FAIL);
	assert_non_null(strstr(err, "sovereign module is not loaded"));
	assert_int_equal(run("memcompress", "set", "sovz0", "level", "best", "mem_limit", "none",
			     NULL), EXIT_FAIL);
	assert_int_equal(run("memcompress", "destroy", "0", NULL), EXIT_FAIL);
	assert_int_equal(run("memcompress", "recompress", "sovz0", "idle-age", "5m", "level",
			     "best", "threads", "2", NULL), EXIT_FAIL);
	assert_non_null(strstr(err, "sovereign module is not loaded"));
	assert_int_equal(run("memcompress", "set", "sovz0", "policy", "threshold,time", "mem",
			     "512M", "ratio", "2.5", "idle-age", "5m", "cooldown", "10s", "level",
			     "balanced", NULL), EXIT_FAIL);
	assert_non_null(strstr(err, "sovereign module is not loaded"));
	assert_int_equal(run("memcompress", "pressure", NULL), EXIT_FAIL);
	assert_non_null(strstr(err, "sovereign module is not loaded"));
}

/* A device message as the kernel builds it: id, name, size, level, stats. */
static struct nlmsghdr *device_msg(void *buf)
{
	struct nlmsghdr *nlh = sov_nl_put_hdr(buf, 0x20, SOV_CMD_MC_DEV_GET, 1, 0, 0);
	uint64_t lat[SOV_MC_LAT_BUCKETS] = { [11] = 90, [12] = 9, [16] = 1 };
	struct nlattr *nest;

	mnl_attr_put_u32(nlh, SOV_A_MC_ID, 0);
	mnl_attr_put_strz(nlh, SOV_A_MC_NAME, "sovz0");
	mnl_attr_put_u64(nlh, SOV_A_MC_SIZE, 256ULL << 20);
	mnl_attr_put_u32(nlh, SOV_A_MC_LEVEL, SOV_MC_LEVEL_BALANCED);
	mnl_attr_put_u64(nlh, SOV_A_MC_MEM_LIMIT, 0);
	mnl_attr_put_u32(nlh, SOV_A_MC_OPENERS, 1);
	nest = mnl_attr_nest_start(nlh, SOV_A_MC_STATS);
	mnl_attr_put_u64(nlh, SOV_A_MC_STATS_PAGES, 1000);
	mnl_attr_put_u64(nlh, SOV_A_MC_STATS_ORIG_BYTES, 1000 * 4096);
	mnl_attr_put_u64(nlh, SOV_A_MC_STATS_COMPR_BYTES, 1000 * 1024);
	mnl_attr_put_u64(nlh, SOV_A_MC_STATS_MEM_USED, 1000 * 2048);
	mnl_attr_put_u64(nlh, SOV_A_MC_STATS_SAME_PAGES, 100);
	mnl_attr_put_u64(nlh, SOV_A_MC_STATS_HUGE_PAGES, 50);
	mnl_attr_put_u64(nlh, SOV_A_MC_STATS_PAGES_BALANCED, 900);
	mnl_attr_put_u64(nlh, SOV_A_MC_STATS_LIMIT_HITS, 3);
	mnl_attr_put_u64(nlh, SOV_A_MC_STATS_MAX + 5, 77);	/* from a newer module */
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, SOV_A_MC_RECOMP);
	mnl_attr_put_u8(nlh, SOV_A_MC_RECOMP_RUNNING, 0);
	mnl_attr_put_u32(nlh, SOV_A_MC_RECOMP_LEVEL, SOV_MC_LEVEL_BEST);
	mnl_attr_put_u32(nlh, SOV_A_MC_RECOMP_IDLE_AGE, 300);
	mnl_attr_put_u32(nlh, SOV_A_MC_RECOMP_THREADS, 2);
	mnl_attr_put_u64(nlh, SOV_A_MC_RECOMP_SCANNED, 65536);
	mnl_attr_put_u64(nlh, SOV_A_MC_RECOMP_RECOMPRESSED, 700);
	mnl_attr_put_u64(nlh, SOV_A_MC_RECOMP_RUNS, 1);
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, SOV_A_MC_LATENCY);
	mnl_attr_put(nlh, SOV_A_MC_LAT_READ, sizeof(lat), lat);
	lat[12] = 0;
	mnl_attr_put(nlh, SOV_A_MC_LAT_WRITE, sizeof(lat), lat);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static void print_msg(bool json, bool stats)
{
	static unsigned char buf[4096];
	FILE *f = tmpfile();
	size_t n;

	print_begin(json, false, f);
	assert_int_equal(mc_print_message(device_msg(buf), stats), 1);
	assert_int_equal(print_end(), 0);
	rewind(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
}

static void test_print_device(void **state)
{
	struct json_object *o, *d, *s, *v;

	(void)state;
	print_msg(false, true);
	assert_non_null(strstr(out, "sovz0: id 0, 256.0 MiB, level balanced, mem_limit none, in use"));
	assert_non_null(strstr(out, "pages         1000 (same-filled 100, huge 50)"));
	assert_non_null(strstr(out, "recompression done at best, pages idle 300s, 2 threads: 65536 scanned, 700 rewritten, 0 errors"));
	assert_non_null(strstr(out, "read latency  100 bios: p50 <4.1 us, p90 <4.1 us, p99 <8.2 us, max <131.1 us"));
	assert_non_null(strstr(out, "write latency 91 bios: p50 <4.1 us, p90 <4.1 us, p99 <131.1 us, max <131.1 us"));
	assert_non_null(strstr(out, "ratio         4.00 (original/compressed), 2.00 counting"));
	assert_non_null(strstr(out, "savings       2.0 MiB (50% of the original)"));
	assert_non_null(strstr(out, "limit hits 3"));

	print_msg(false, false);
	assert_non_null(strstr(out, "sovz0        0  256.0 MiB   balanced"));
	assert_non_null(strstr(out, "4.00  none"));

	print_msg(true, true);
	o = json_tokener_parse(out);
	assert_non_null(o);
	d = json_object_array_get_idx(json_object_object_get(o, "devices"), 0);
	assert_non_null(d);
	assert_string_equal(json_object_get_string(json_object_object_get(d, "level")), "balanced");
	assert_int_equal(json_object_get_int64(json_object_object_get(d, "size")), 256 << 20);
	s = json_object_object_get(d, "stats");
	assert_non_null(s);
	assert_int_equal(json_object_get_int64(json_object_object_get(s, "ratio_x100")), 400);
	assert_int_equal(json_object_get_int64(json_object_object_get(s, "savings_bytes")),
			 1000 * 2048);
	v = json_object_object_get(s, "level_pages");
	assert_int_equal(json_object_get_int64(json_object_object_get(v, "balanced")), 900);
	v = json_object_object_get(d, "recompression");
	assert_non_null(v);
	assert_int_equal(json_object_get_boolean(json_object_object_get(v, "running")), 0);
	assert_string_equal(json_object_get_string(json_object_object_get(v, "level")), "best");
	assert_int_equal(json_object_get_int64(json_object_object_get(v, "recompressed")), 700);
	assert_int_equal(json_object_get_int64(json_object_object_get(v, "runs")), 1);
	v = json_object_object_get(json_object_object_get(d, "latency"), "read");
	assert_non_null(v);
	assert_int_equal(json_object_get_int64(json_object_object_get(v, "count")), 100);
	assert_int_equal(json_object_get_int64(json_object_object_get(v, "p99_ns")), 8192);
	assert_int_equal(json_object_array_length(json_object_object_get(v, "buckets")),
			 SOV_MC_LAT_BUCKETS);
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_secs),
		cmocka_unit_test(test_latency),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_cli_refusals),
		cmocka_unit_test(test_cli_module_absent),
		cmocka_unit_test(test_print_device),
	};

	return cmocka_run_group_tests_name("sovctl_memcompress", tests, NULL, NULL);
}
