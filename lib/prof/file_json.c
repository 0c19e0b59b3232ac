// SPDX-License-Identifier: GPL-2.0
/*
 * The loader's JSON layer: the file read whole, integers json-c would
 * silently clamp found first, strict parsing, then typed and range-checked
 * field access whose errors name the file and the field's path.
 */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "file_json.h"

#define PROF_FILE_MAX	(1ULL << 30)	/* 1 GiB of JSON */
#define PROF_JSON_DEPTH	16

bool prof_ld_bad(struct prof_ld *l, const char *where, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->err && l->errlen) {
		if (where && *where)
			snprintf(l->err, l->errlen, "%s: %s: %s", l->file,
				 where, msg);
		else
			snprintf(l->err, l->errlen, "%s: %s", l->file, msg);
	}
	return false;
}

/* "an integer", "a string"... what was found instead */
const char *prof_ld_found(const struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:	return "null";
	case json_type_boolean:	return "a boolean";
	case json_type_double:	return "a floating-point number";
	case json_type_int:	return "an integer";
	case json_type_object:	return "an object";
	case json_type_array:	return "an array";
	case json_type_string:	return "a string";
	}
	return "something else";
}

void prof_ld_sub(char *buf, size_t n, const char *where, const char *key,
		 size_t i)
{
	int w;

	if (key)
		w = snprintf(buf, n, "%s%s%s", where, *where ? "." : "", key);
	else
		w = snprintf(buf, n, "%s[%zu]", where, i);
	if (w < 0 || (size_t)w >= n)	/* cut: still a path, just shorter */
		buf[n - 1] = '\0';
}

bool prof_ld_field(struct prof_ld *l, struct json_object *o, const char *where,
		   const char *key, struct json_object **v, char *path,
		   size_t n)
{
	prof_ld_sub(path, n, where, key, 0);
	if (!json_object_object_get_ex(o, key, v))
		return prof_ld_bad(l, path, "missing");
	return true;
}

bool prof_ld_get_u64(struct prof_ld *l, struct json_object *o, const char *where,
		    const char *key, uint64_t max, uint64_t *out)
{
	char path[PATHLEN];
	struct json_object *v;
	uint64_t u;

	if (!prof_ld_field(l, o, where, key, &v, path, sizeof(path)))
		return false;
	if (!json_object_is_type(v, json_type_int))
		return prof_ld_bad(l, path, "expected a non-negative integer, found %s",
			   prof_ld_found(v));
	if (json_object_get_int64(v) < 0)
		return prof_ld_bad(l, path, "expected a non-negative integer, found %lld",
			   (long long)json_object_get_int64(v));
	u = json_object_get_uint64(v);
	if (u > max)
		return prof_ld_bad(l, path, "%llu is out of range (at most %llu)",
			   (unsigned long long)u, (unsigned long long)max);
	*out = u;
	return true;
}

bool prof_ld_get_u32(struct prof_ld *l, struct json_object *o, const char *where,
		    const char *key, uint32_t *out)
{
	uint64_t v;

	if (!prof_ld_get_u64(l, o, where, key, UINT32_MAX, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

bool prof_ld_get_i64(struct prof_ld *l, struct json_object *o, const char *where,
		    const char *key, int64_t min, int64_t *out)
{
	char path[PATHLEN];
	struct json_object *v;
	int64_t i;

	if (!prof_ld_field(l, o, where, key, &v, path, sizeof(path)))
		return false;
	if (!json_object_is_type(v, json_type_int))
		return prof_ld_bad(l, path, "expected an integer, found %s", prof_ld_found(v));
	i = json_object_get_int64(v);
	if (i == INT64_MAX && json_object_get_uint64(v) > INT64_MAX)
		return prof_ld_bad(l, path, "%llu is out of range (at most %lld)",
			   (unsigned long long)json_object_get_uint64(v),
			   (long long)INT64_MAX);
	if (i < min)
		return prof_ld_bad(l, path, "%lld is out of range (at least %lld)",
			   (long long)i, (long long)min);
	*out = i;
	return true;
}

/* A string without NUL bytes, shorter than @max bytes (0: any length). */
bool prof_ld_str_of(struct prof_ld *l, struct json_object *v, const char *path,
		   size_t max, const char **out)
{
	const char *s;
	size_t n;

	if (!json_object_is_type(v, json_type_string))
		return prof_ld_bad(l, path, "expected a string, found %s", prof_ld_found(v));
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (strlen(s) != n)
		return prof_ld_bad(l, path, "contains a NUL character");
	if (max && n >= max)
		return prof_ld_bad(l, path, "longer than %zu bytes", max - 1);
	*out = s;
	return true;
}

bool prof_ld_get_str(struct prof_ld *l, struct json_object *o, const char *where,
		    const char *key, size_t max, const char **out)
{
	char path[PATHLEN];
	struct json_object *v;

	return prof_ld_field(l, o, where, key, &v, path, sizeof(path)) &&
	       prof_ld_str_of(l, v, path, max, out);
}

/* addresses are strings: "0xffffffff81000000" */
bool prof_ld_get_addr(struct prof_ld *l, struct json_object *o, const char *where,
		     const char *key, uint64_t *out)
{
	char path[PATHLEN], *end;
	const char *s;

	if (!prof_ld_get_str(l, o, where, key, 0, &s))
		return false;
	prof_ld_sub(path, sizeof(path), where, key, 0);
	if (strncmp(s, "0x", 2) || !s[2] || strlen(s) > 18 ||
	    strspn(s + 2, "0123456789abcdefABCDEF") != strlen(s + 2))
		return prof_ld_bad(l, path, "expected an address \"0x...\" of at most 16 hex digits, found \"%.24s\"",
			   s);
	*out = strtoull(s + 2, &end, 16);
	return true;
}

bool prof_ld_get_array(struct prof_ld *l, struct json_object *o, const char *where,
		      const char *key, const char *what,
		      struct json_object **out, size_t *n)
{
	char path[PATHLEN];

	if (!prof_ld_field(l, o, where, key, out, path, sizeof(path)))
		return false;
	if (!json_object_is_type(*out, json_type_array))
		return prof_ld_bad(l, path, "expected an array of %s, found %s", what,
			   prof_ld_found(*out));
	*n = json_object_array_length(*out);
	return true;
}

bool prof_ld_get_object(struct prof_ld *l, struct json_object *v, const char *path)
{
	if (!json_object_is_type(v, json_type_object))
		return prof_ld_bad(l, path, "expected an object, found %s", prof_ld_found(v));
	return true;
}

static void line_col(const char *buf, size_t off, size_t *line, size_t *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/*
 * json-c clamps integers beyond 64 bits without a word: find them first.
 * Returns false (error set) at the first integer outside
 * [-2^63, 2^64 - 1].
 */
static bool check_integers(struct prof_ld *l, const char *buf, size_t len)
{
	static const char umax[] = "18446744073709551615";
	static const char imin[] = "9223372036854775808";
	bool in_str = false;
	size_t i = 0, line, col;

	while (i < len) {
		char c = buf[i];
		size_t start = i, nd;
		bool neg, integer = true;
		const char *d;

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			i++;
			continue;
		}
		if (c == '"') {
			in_str = true;
			i++;
			continue;
		}
		if (c != '-' && (c < '0' || c > '9')) {
			i++;
			continue;
		}
		neg = c == '-';
		i += neg;
		d = buf + i;
		while (i < len && buf[i] >= '0' && buf[i] <= '9')
			i++;
		nd = (size_t)(buf + i - d);
		while (i < len && strchr(".eE+-", buf[i]) && buf[i]) {
			integer = false;
			i++;
			while (i < len && buf[i] >= '0' && buf[i] <= '9')
				i++;
		}
		if (!integer)
			continue;
		while (nd > 1 && *d == '0') {	/* strict parsing refuses these anyway */
			d++;
			nd--;
		}
		if (neg ? (nd > 19 || (nd == 19 && memcmp(d, imin, 19) > 0)) :
			  (nd > 20 || (nd == 20 && memcmp(d, umax, 20) > 0))) {
			line_col(buf, start, &line, &col);
			return prof_ld_bad(l, NULL, "line %zu, column %zu: integer %s%.*s%s does not fit in 64 bits",
				   line, col, neg ? "-" : "", (int)(nd > 24 ? 24 : nd), d,
				   nd > 24 ? "..." : "");
		}
	}
	return true;
}

char *prof_ld_read_file(struct prof_ld *l, const char *path, size_t *len)
{
	struct stat sb;
	char *buf = NULL;
	size_t n = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f) {
		prof_ld_bad(l, NULL, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &sb) || !S_ISREG(sb.st_mode)) {
		prof_ld_bad(l, NULL, "not a regular file");
		goto out;
	}
	if ((unsigned long long)sb.st_size > PROF_FILE_MAX) {
		prof_ld_bad(l, NULL, "%lld bytes, larger than %llu", (long long)sb.st_size,
		    (unsigned long long)PROF_FILE_MAX);
		goto out;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		prof_ld_bad(l, NULL, "out of memory");
		goto out;
	}
	n = fread(buf, 1, (size_t)sb.st_size, f);
	if (ferror(f)) {
		prof_ld_bad(l, NULL, "read error: %s", strerror(errno));
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[n] = '\0';
	*len = n;
out:
	fclose(f);
	return buf;
}

struct json_object *prof_ld_parse(struct prof_ld *l, const char *buf, size_t len)
{
	struct json_tokener *tok;
	struct json_object *root;
	enum json_tokener_error jerr;
	size_t line, col, end;

	if (!len || strspn(buf, " \t\r\n") == len) {
		prof_ld_bad(l, NULL, "empty file");
		return NULL;
	}
	if (len > INT_MAX) {
		prof_ld_bad(l, NULL, "too large for the JSON parser");
		return NULL;
	}
	if (memchr(buf, '\0', len)) {
		line_col(buf, (size_t)((const char *)memchr(buf, '\0', len) - buf),
			 &line, &col);
		prof_ld_bad(l, NULL, "line %zu, column %zu: a NUL byte", line, col);
		return NULL;
	}
	if (!check_integers(l, buf, len))
		return NULL;
	tok = json_tokener_new_ex(PROF_JSON_DEPTH);
	if (!tok) {
		prof_ld_bad(l, NULL, "out of memory");
		return NULL;
	}
	/* trailing data is ours to report, with its position */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
			       JSON_TOKENER_ALLOW_TRAILING_CHARS);
	root = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		prof_ld_bad(l, NULL, "truncated: the JSON ends before its last value is complete");
	} else if (jerr != json_tokener_success) {
		line_col(buf, end, &line, &col);
		prof_ld_bad(l, NULL, "not valid JSON at line %zu, column %zu: %s", line,
		    col, json_tokener_error_desc(jerr));
	} else if (strspn(buf + end, " \t\r\n") != len - end) {
		line_col(buf, end, &line, &col);
		prof_ld_bad(l, NULL, "line %zu, column %zu: more data after the JSON document",
		    line, col);
		json_object_put(root);
		root = NULL;
	}
	json_tokener_free(tok);
	return jerr == json_tokener_success ? root : NULL;
}

