// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl parsing and printing: exit codes, messages, and JSON that a real
 * parser (json-c) accepts. Runs on the host, where the module is not loaded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "../../tools/sovctl/print.h"
#include "../../kmod/version.h"
#include "../../tools/sovctl/sovctl.h"

static char out[16384], err[4096];

/* Run sovctl with @args (NULL-terminated), capturing stdout and stderr. */
static int run(const char *first, ...)
{
	char *argv[16] = { "sovctl" };
	FILE *fo = tmpfile(), *fe = tmpfile();
	int argc = 1, ret, so, se;
	const char *a;
	va_list ap;
	size_t n;

	va_start(ap, first);
	for (a = first; a && argc < 15; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;

	fflush(stdout);
	fflush(stderr);
	so = dup(1);
	se = dup(2);
	dup2(fileno(fo), 1);
	dup2(fileno(fe), 2);
	ret = sovctl_main(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);

	rewind(fo);
	n = fread(out, 1, sizeof(out) - 1, fo);
	out[n] = '\0';
	rewind(fe);
	n = fread(err, 1, sizeof(err) - 1, fe);
	err[n] = '\0';
	fclose(fo);
	fclose(fe);
	return ret;
}

static struct json_object *parse_json(const char *s)
{
	enum json_tokener_error jerr;
	struct json_object *o = json_tokener_parse_verbose(s, &jerr);

	if (!o)
		fail_msg("not JSON (%s): %s", json_tokener_error_desc(jerr), s);
	return o;
}

static void test_help(void **state)
{
	(void)state;
	assert_int_equal(run("help", NULL), EXIT_OK);
	assert_non_null(strstr(out, "Usage: sovctl"));
	assert_int_equal(run("module", "help", NULL), EXIT_OK);
	assert_non_null(strstr(out, "log-level"));
	assert_int_equal(run("daemon", "help", NULL), EXIT_OK);
	assert_int_equal(run("status", "help", NULL), EXIT_OK);
}

static void test_usage_errors(void **state)
{
	(void)state;
	assert_int_equal(run(NULL), EXIT_USAGE);
	assert_int_equal(run("frobnicate", NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "object \"frobnicate\" is unknown"));
	assert_int_equal(run("-x", "status", NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "option '-x' is not known"));
	assert_int_equal(run("-s", NULL), EXIT_USAGE);
	assert_int_equal(run("module", "explode", NULL), EXIT_USAGE);
	assert_int_equal(run("module", "set", NULL), EXIT_USAGE);
	assert_int_equal(run("module", "set", "log-level", NULL), EXIT_USAGE);
	assert_int_equal(run("module", "set", "log-level", "loud", NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "\"loud\" is not a log level"));
	assert_int_equal(run("module", "set", "colour", "red", NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "unknown setting \"colour\""));
	assert_int_equal(run("version", "extra", NULL), EXIT_USAGE);
	assert_int_equal(run("daemon", "status", "extra", NULL), EXIT_USAGE);
}

/* Health-check options are parsed before anything is sent: refusals name them. */
static void test_lb_health_options(void **state)
{
	static const char *const svc = "10.0.0.1:53/udp";
	char longer[300];

	(void)state;
	assert_int_equal(run("lb", "help", NULL), EXIT_OK);
	assert_non_null(strstr(out, "health { none | tcp | http | udp | icmp }"));
	assert_non_null(strstr(out, "[ send BYTES ] [ expect BYTES ]"));
	assert_int_equal(run("lb", "service", "add", svc, "health", "sctp", NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "health \"sctp\" unknown: expected none, tcp, http, udp or icmp"));
	assert_int_equal(run("lb", "service", "add", svc, "health", "udp", "send", "a\\q", NULL),
			 EXIT_USAGE);
	assert_non_null(strstr(err, "send \"a\\q\": unknown escape \\q"));
	assert_int_equal(run("lb", "service", "add", svc, "expect", "\\x4", NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "expect \"\\x4\": \\x needs two hex digits"));
	assert_int_equal(run("lb", "service", "add", svc, "send", "ends\\", NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "unknown escape"));
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	assert_int_equal(run("lb", "service", "add", svc, "send", longer, NULL), EXIT_USAGE);
	assert_non_null(strstr(err, "health check send is more than 256 bytes: expected 1-256 bytes"));
	/* well-formed: parsed, then it is the daemon that is missing */
	assert_int_equal(run("-s", "/nonexistent/ctl", "lb", "service", "add", svc, "health",
			     "udp", "send", "\\x00\\n\\\\", "expect", "", NULL), EXIT_FAIL);
	assert_non_null(strstr(err, "sovereignd is not running"));
}

static void test_version_json(void **state)
{
	struct json_object *o, *v;

	(void)state;
	assert_int_equal(run("-j", "version", NULL), EXIT_OK);
	o = parse_json(out);
	assert_true(json_object_object_get_ex(o, "sovctl", &v));
	assert_string_equal(json_object_get_string(v), SOV_VERSION);
	json_object_put(o);
	assert_int_equal(run("version", NULL), EXIT_OK);
	assert_non_null(strstr(out, "sovctl " SOV_VERSION));
}

/* No module on the host: a clear message, not an errno. */
static void test_module_absent(void **state)
{
	(void)state;
	assert_int_equal(run("module", "show", NULL), EXIT_FAIL);
	assert_non_null(strstr(err, "sovereign module is not loaded (insmod kmod/sovereign.ko)"));
	assert_int_equal(run("module", "set", "log-level", "3", NULL), EXIT_FAIL);
	assert_non_null(strstr(err, "sovereign module is not loaded"));
}

static void test_daemon_absent(void **state)
{
	(void)state;
	assert_int_equal(run("-s", "/nonexistent/ctl", "daemon", "status", NULL), EXIT_FAIL);
	assert_non_null(strstr(err, "sovereignd is not running"));
}

static void test_status_json(void **state)
{
	struct json_object *o, *m, *d, *b, *v;

	(void)state;
	assert_int_equal(run("-j", "-s", "/nonexistent/ctl", "status", NULL), EXIT_OK);
	o = parse_json(out);
	assert_true(json_object_object_get_ex(o, "module", &m));
	assert_true(json_object_object_get_ex(m, "loaded", &v));
	assert_false(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "daemon", &d));
	assert_true(json_object_object_get_ex(d, "running", &v));
	assert_false(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "bpf", &b));
	assert_true(json_object_object_get_ex(b, "pins", &v));
	assert_true(json_object_is_type(v, json_type_array));
	json_object_put(o);

	/* text mode from the same calls */
	assert_int_equal(run("-s", "/nonexistent/ctl", "status", NULL), EXIT_OK);
	assert_non_null(strstr(out, "module:  not loaded"));
	assert_non_null(strstr(out, "daemon:  not running"));
}

static void test_print_nesting_and_escaping(void **state)
{
	FILE *f = tmpfile();
	struct json_object *o, *arr, *e, *v;
	size_t n;

	(void)state;
	print_begin(true, false, f);
	print_string("quote", "%s", "a \"b\"\n\\c");
	print_u64("big", "%llu", 18446744073709551615ULL);
	print_open_array("list");
	print_open_object(NULL);
	print_bool("yes", "%s", true);
	print_null("none", "-");
	print_close_object();
	print_close_array();
	assert_int_equal(print_end(), 0);
	rewind(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);

	o = parse_json(out);
	assert_true(json_object_object_get_ex(o, "quote", &v));
	assert_string_equal(json_object_get_string(v), "a \"b\"\n\\c");
	assert_true(json_object_object_get_ex(o, "big", &v));
	assert_true(json_object_get_uint64(v) == 18446744073709551615ULL);
	assert_true(json_object_object_get_ex(o, "list", &arr));
	assert_int_equal(json_object_array_length(arr), 1);
	e = json_object_array_get_idx(arr, 0);
	assert_true(json_object_object_get_ex(e, "yes", &v));
	assert_true(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(e, "none", &v));
	assert_null(v);
	json_object_put(o);
}

static void test_print_text(void **state)
{
	FILE *f = tmpfile();
	size_t n;

	(void)state;
	print_begin(false, false, f);
	print_string("k", "name %s", "x");
	print_u64("n", " n %llu", 5);
	print_bool("b", " b %s", false);
	print_u64("hidden", NULL, 9);	/* JSON only */
	print_text("\n");
	print_end();
	rewind(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	assert_string_equal(out, "name x n 5 b no\n");
}

static void test_durations(void **state)
{
	char b[64];

	(void)state;
	assert_string_equal(print_fmt_duration(1500000000ULL, b, sizeof(b)), "1.5s");
	assert_string_equal(print_fmt_duration(61000000000ULL, b, sizeof(b)), "1m 01s");
	assert_string_equal(print_fmt_duration(3723000000000ULL, b, sizeof(b)), "1h 02m 03s");
	assert_string_equal(print_fmt_duration(90061000000000ULL, b, sizeof(b)), "1d 01:01:01");
}

static void test_log_levels(void **state)
{
	uint32_t l;

	(void)state;
	assert_int_equal(log_level_parse("debug", &l), 0);
	assert_int_equal(l, 7);
	assert_int_equal(log_level_parse("emerg", &l), 0);
	assert_int_equal(l, 0);
	assert_int_equal(log_level_parse("4", &l), 0);
	assert_int_equal(l, 4);
	/* out-of-range numbers pass through: the kernel's policy judges them */
	assert_int_equal(log_level_parse("9", &l), 0);
	assert_int_equal(l, 9);
	assert_int_not_equal(log_level_parse("-1", &l), 0);
	assert_int_not_equal(log_level_parse("", &l), 0);
	assert_int_not_equal(log_level_parse("4x", &l), 0);
	assert_int_not_equal(log_level_parse("99999999999", &l), 0);
	assert_string_equal(log_level_name(3), "err");
	assert_string_equal(log_level_name(8), "invalid");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_lb_health_options),
		cmocka_unit_test(test_version_json),
		cmocka_unit_test(test_module_absent),
		cmocka_unit_test(test_daemon_absent),
		cmocka_unit_test(test_status_json),
		cmocka_unit_test(test_print_nesting_and_escaping),
		cmocka_unit_test(test_print_text),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_log_levels),
	};

	return cmocka_run_group_tests_name("sovctl", tests, NULL, NULL);
}
