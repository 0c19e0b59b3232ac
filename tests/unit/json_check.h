/* SPDX-License-Identifier: GPL-2.0 */
/* Assertions over sovctl's output for the cmocka tests: JSON fields, substrings. */
#ifndef SOV_TEST_JSON_CHECK_H
#define SOV_TEST_JSON_CHECK_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

static inline struct json_object *parse_json(const char *s)
{
	enum json_tokener_error jerr;
	struct json_object *o = json_tokener_parse_verbose(s, &jerr);

	if (!o)
		fail_msg("not JSON (%s): %s", json_tokener_error_desc(jerr), s);
	return o;
}

static inline int64_t jint(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no \"%s\" in %s", key, json_object_to_json_string(o));
	return json_object_get_int64(v);
}

static inline const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no \"%s\" in %s", key, json_object_to_json_string(o));
	return json_object_get_string(v);
}

static inline void has(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("\"%s\" not in:\n%s", needle, hay);
}

#endif /* SOV_TEST_JSON_CHECK_H */
