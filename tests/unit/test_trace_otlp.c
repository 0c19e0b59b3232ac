// SPDX-License-Identifier: GPL-2.0
/*
 * OTLP/JSON from lib/trace: the exact document for a small trace (golden
 * string), then the mapping's rules checked on the parsed output: ids as
 * lowercase hex of the right length, 64-bit integers as decimal strings,
 * enums as integers, no parentSpanId on a root, one resource per node, the
 * keep attribute, escaping, and JSON lines.
 */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "../../lib/trace/trace.h"

static const char golden[] =
	"{\"resourceSpans\":[{\"resource\":{\"attributes\":["
	"{\"key\":\"service.name\",\"value\":{\"stringValue\":\"sovereignd\"}},"
	"{\"key\":\"sovereign.node.id\",\"value\":{\"intValue\":\"1\"}}]},"
	"\"scopeSpans\":[{\"scope\":{\"name\":\"sovereign\"},\"spans\":["
	"{\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"spanId\":\"00f067aa0ba902b7\","
	"\"name\":\"sovctl.request\",\"kind\":2,"
	"\"startTimeUnixNano\":\"1700000000000000000\",\"endTimeUnixNano\":\"1700000000000250000\","
	"\"attributes\":[{\"key\":\"sov.cmd\",\"value\":{\"intValue\":\"42\"}},"
	"{\"key\":\"sov.object\",\"value\":{\"stringValue\":\"lb\"}}],"
	"\"status\":{\"code\":1}},"
	"{\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\",\"spanId\":\"53995c3f42cd8ad8\","
	"\"parentSpanId\":\"00f067aa0ba902b7\",\"name\":\"raft.propose\",\"kind\":3,"
	"\"startTimeUnixNano\":\"1700000000000100000\",\"endTimeUnixNano\":\"1700000000000200000\","
	"\"status\":{\"code\":2,\"message\":\"no leader\"}}]}]}]}";

static void small_trace(struct trace_span sp[2])
{
	struct trace_ctx ctx;

	assert_int_equal(trace_ctx_parse(&ctx, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
					 55), 0);
	memset(sp, 0, 2 * sizeof(*sp));
	sp[0].trace_id = ctx.trace_id;
	sp[0].span_id = ctx.span_id;
	sp[0].name = "sovctl.request";
	sp[0].kind = TRACE_KIND_SERVER;
	sp[0].start_ns = 1700000000000000000ULL;
	sp[0].end_ns = 1700000000000250000ULL;
	sp[0].node_id = 1;
	sp[0].flags = TRACE_FLAG_SAMPLED;
	trace_span_attr_int(&sp[0], "sov.cmd", 42);
	trace_span_attr_str(&sp[0], "sov.object", "lb");
	trace_span_set_status(&sp[0], TRACE_STATUS_OK, NULL);
	sp[1].trace_id = ctx.trace_id;
	sp[1].span_id = 0x53995c3f42cd8ad8ULL;
	sp[1].parent_id = ctx.span_id;
	sp[1].name = "raft.propose";
	sp[1].kind = TRACE_KIND_CLIENT;
	sp[1].start_ns = 1700000000000100000ULL;
	sp[1].end_ns = 1700000000000200000ULL;
	sp[1].node_id = 1;
	trace_span_set_status(&sp[1], TRACE_STATUS_ERROR, "no leader");
}

static void test_golden(void **state)
{
	struct trace_span sp[2];
	char *s;

	(void)state;
	small_trace(sp);
	s = trace_otlp_encode(sp, 2, NULL);
	assert_non_null(s);
	assert_string_equal(s, golden);
	free(s);
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no \"%s\" in %s", key, json_object_to_json_string(o));
	return v;
}

static bool is_lower_hex(const char *s, size_t len)
{
	size_t i;

	if (strlen(s) != len)
		return false;
	for (i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return false;
	return true;
}

static bool is_decimal_string(struct json_object *v)
{
	const char *s;
	size_t i;

	if (!json_object_is_type(v, json_type_string))
		return false;
	s = json_object_get_string(v);
	for (i = s[0] == '-' ? 1 : 0; s[i]; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return i > 0;
}

/* Every span of @doc follows the mapping's rules; returns the span count. */
static size_t check_doc(struct json_object *doc)
{
	struct json_object *rss = get(doc, "resourceSpans");
	size_t r, k, i, a, total = 0;

	assert_true(json_object_is_type(rss, json_type_array));
	for (r = 0; r < json_object_array_length(rss); r++) {
		struct json_object *rs = json_object_array_get_idx(rss, r);
		struct json_object *rattrs = get(get(rs, "resource"), "attributes");
		struct json_object *sss = get(rs, "scopeSpans");

		assert_string_equal(json_object_get_string(get(json_object_array_get_idx(rattrs, 0),
							       "key")), "service.name");
		assert_true(is_decimal_string(get(get(json_object_array_get_idx(rattrs, 1), "value"),
						  "intValue")));
		for (k = 0; k < json_object_array_length(sss); k++) {
			struct json_object *ss = json_object_array_get_idx(sss, k);
			struct json_object *spans = get(ss, "spans"), *v;

			assert_string_equal(json_object_get_string(get(get(ss, "scope"), "name")),
					    "sovereign");
			for (i = 0; i < json_object_array_length(spans); i++) {
				struct json_object *sp = json_object_array_get_idx(spans, i);

				assert_true(is_lower_hex(json_object_get_string(get(sp, "traceId")), 32));
				assert_true(is_lower_hex(json_object_get_string(get(sp, "spanId")), 16));
				if (json_object_object_get_ex(sp, "parentSpanId", &v))
					assert_true(is_lower_hex(json_object_get_string(v), 16));
				assert_true(json_object_is_type(get(sp, "kind"), json_type_int));
				assert_true(is_decimal_string(get(sp, "startTimeUnixNano")));
				assert_true(is_decimal_string(get(sp, "endTimeUnixNano")));
				if (json_object_object_get_ex(sp, "attributes", &v)) {
					for (a = 0; a < json_object_array_length(v); a++) {
						struct json_object *val =
							get(json_object_array_get_idx(v, a), "value"), *iv;

						if (json_object_object_get_ex(val, "intValue", &iv))
							assert_true(is_decimal_string(iv));
						else
							assert_true(json_object_is_type(
								get(val, "stringValue"), json_type_string));
					}
				}
				if (json_object_object_get_ex(sp, "status", &v))
					assert_true(json_object_is_type(get(v, "code"), json_type_int));
				total++;
			}
		}
	}
	return total;
}

static void test_rules(void **state)
{
	struct trace_span sp[4];
	struct json_object *doc, *rss, *spans, *s0, *v;
	char *s;

	(void)state;
	small_trace(sp);
	/* extremes: 64-bit values beyond what a JSON number keeps exactly */
	sp[2] = sp[1];
	sp[2].span_id = UINT64_MAX;
	sp[2].parent_id = 0x00f067aa0ba902b7ULL;
	sp[2].trace_id.hi = UINT64_MAX;
	sp[2].start_ns = UINT64_MAX - 1;
	sp[2].end_ns = UINT64_MAX;
	sp[2].node_id = UINT64_MAX >> 1;
	sp[2].nattrs = 0;
	trace_span_attr_int(&sp[2], "min", INT64_MIN);
	trace_span_attr_int(&sp[2], "max", INT64_MAX);
	sp[3] = sp[0];
	sp[3].node_id = 2;
	sp[3].span_id = 5;
	sp[3].name = "quote\"slash/back\\nl\n";
	sp[3].status = TRACE_STATUS_UNSET;
	sp[3].nattrs = 0;

	s = trace_otlp_encode(sp, 4, &(struct trace_otlp_opts){ "svc", TRACE_KEEP_ERROR | TRACE_KEEP_SLOW });
	assert_non_null(s);
	assert_null(strchr(s, '\n'));		/* one line */
	assert_non_null(strstr(s, "\"startTimeUnixNano\":\"18446744073709551614\""));
	assert_non_null(strstr(s, "\"intValue\":\"-9223372036854775808\""));
	assert_non_null(strstr(s, "\"intValue\":\"9223372036854775807\""));
	assert_non_null(strstr(s, "\"spanId\":\"ffffffffffffffff\""));
	assert_non_null(strstr(s, "\"traceId\":\"ffffffffffffffffa3ce929d0e0e4736\""));
	assert_non_null(strstr(s, "\"intValue\":\"9223372036854775807\"}}]},\"scopeSpans\""));
	assert_non_null(strstr(s, "\"name\":\"quote\\\"slash/back\\\\nl\\n\""));	/* no "\/" */
	assert_null(strstr(s, "base64"));
	doc = json_tokener_parse(s);
	assert_non_null(doc);
	assert_int_equal(check_doc(doc), 4);

	/* nodes 1, 2^63-1 and 2: three resources, in order of first appearance */
	rss = get(doc, "resourceSpans");
	assert_int_equal(json_object_array_length(rss), 3);
	spans = get(json_object_array_get_idx(get(json_object_array_get_idx(rss, 0), "scopeSpans"), 0),
		    "spans");
	assert_int_equal(json_object_array_length(spans), 2);
	s0 = json_object_array_get_idx(spans, 0);
	assert_false(json_object_object_get_ex(s0, "parentSpanId", &v));	/* a root */
	assert_string_equal(json_object_get_string(get(get(json_object_array_get_idx(
		get(get(json_object_array_get_idx(rss, 0), "resource"), "attributes"), 0), "value"),
		"stringValue")), "svc");
	/* the keep decision, as our own attribute on every span */
	v = get(s0, "attributes");
	assert_int_equal(json_object_array_length(v), 3);
	assert_string_equal(json_object_get_string(get(json_object_array_get_idx(v, 2), "key")),
			    "sovereign.keep");
	assert_string_equal(json_object_get_string(get(get(json_object_array_get_idx(v, 2), "value"),
						       "stringValue")), "error,slow");
	/* status unset and no message: no status at all */
	spans = get(json_object_array_get_idx(get(json_object_array_get_idx(rss, 2), "scopeSpans"), 0),
		    "spans");
	assert_false(json_object_object_get_ex(json_object_array_get_idx(spans, 0), "status", &v));
	json_object_put(doc);
	free(s);

	/* no spans: an empty request */
	s = trace_otlp_encode(sp, 0, NULL);
	assert_string_equal(s, "{\"resourceSpans\":[]}");
	free(s);
}

static void test_json_lines(void **state)
{
	struct trace_store *st = trace_store_create(NULL);
	struct trace_sampler *smp = trace_sampler_create(NULL);
	struct trace_span sp[2];
	const struct trace_rec *rec;
	char *buf = NULL, *line, *save = NULL;
	size_t size = 0;
	FILE *f;
	int lines = 0;

	(void)state;
	small_trace(sp);
	f = open_memstream(&buf, &size);
	assert_non_null(f);
	assert_int_equal(trace_otlp_write_line(f, sp, 2, NULL), 0);
	trace_store_add(st, &sp[0]);
	trace_store_add(st, &sp[1]);
	assert_int_equal(trace_store_decide(st, &sp[0].trace_id, smp),
			 TRACE_KEEP_SAMPLED | TRACE_KEEP_ERROR);
	rec = trace_store_find(st, &sp[0].trace_id);
	assert_int_equal(trace_otlp_write_rec(f, rec, NULL), 0);
	fclose(f);
	assert_true(size > 0 && buf[size - 1] == '\n');
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct json_object *doc = json_tokener_parse(line);

		assert_non_null(doc);
		assert_int_equal(check_doc(doc), 2);
		json_object_put(doc);
		if (lines == 0)
			assert_string_equal(line, golden);
		else
			assert_non_null(strstr(line, "{\"key\":\"sovereign.keep\",\"value\":"
						     "{\"stringValue\":\"sampled,error\"}}"));
		lines++;
	}
	assert_int_equal(lines, 2);
	free(buf);
	trace_store_destroy(st);
	trace_sampler_destroy(smp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_json_lines),
	};

	return cmocka_run_group_tests_name("trace_otlp", tests, NULL, NULL);
}
