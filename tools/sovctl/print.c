// SPDX-License-Identifier: GPL-2.0
/* Text and JSON output from the same calls (json-c builds the JSON). */
#include <stdarg.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "print.h"

#define MAX_DEPTH 16

static struct {
	bool json, pretty;
	FILE *out;
	struct json_object *stack[MAX_DEPTH];
	int depth;
} p = { .depth = -1 };

void print_begin(bool json, bool pretty, FILE *out)
{
	p.json = json;
	p.pretty = pretty;
	p.out = out;
	p.depth = -1;
	if (json)
		p.stack[++p.depth] = json_object_new_object();
}

bool print_is_json(void)
{
	return p.json;
}

int print_end(void)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;
	int ret = 0;

	if (!p.json) {
		fflush(p.out);
		return 0;
	}
	if (p.depth != 0)
		ret = -1;	/* unbalanced open/close: a bug in the caller */
	flags |= p.pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
			    JSON_C_TO_STRING_PLAIN;
	fprintf(p.out, "%s\n", json_object_to_json_string_ext(p.stack[0], flags));
	fflush(p.out);
	json_object_put(p.stack[0]);
	p.depth = -1;
	return ret;
}

/* Attach @v to the innermost object (under @key) or array. */
static void add(const char *key, struct json_object *v)
{
	struct json_object *top = p.stack[p.depth];

	if (json_object_is_type(top, json_type_array))
		json_object_array_add(top, v);
	else
		json_object_object_add(top, key, v);
}

static void push(const char *key, struct json_object *v)
{
	if (p.depth + 1 >= MAX_DEPTH)
		abort();
	add(key, v);
	p.stack[++p.depth] = v;
}

void print_open_object(const char *key)
{
	if (p.json)
		push(key, json_object_new_object());
}

void print_open_array(const char *key)
{
	if (p.json)
		push(key, json_object_new_array());
}

void print_close_object(void)
{
	if (p.json && p.depth > 0)
		p.depth--;
}

void print_close_array(void)
{
	print_close_object();
}

void print_string(const char *key, const char *fmt, const char *val)
{
	if (p.json)
		add(key, val ? json_object_new_string(val) : NULL);
	else if (fmt)
		fprintf(p.out, fmt, val ? val : "");
}

void print_u64(const char *key, const char *fmt, uint64_t val)
{
	if (p.json)
		add(key, json_object_new_uint64(val));
	else if (fmt)
		fprintf(p.out, fmt, (unsigned long long)val);
}

void print_s64(const char *key, const char *fmt, int64_t val)
{
	if (p.json)
		add(key, json_object_new_int64(val));
	else if (fmt)
		fprintf(p.out, fmt, (long long)val);
}

void print_bool(const char *key, const char *fmt, bool val)
{
	if (p.json)
		add(key, json_object_new_boolean(val));
	else if (fmt)
		fprintf(p.out, fmt, val ? "yes" : "no");
}

void print_null(const char *key, const char *fmt)
{
	if (p.json)
		add(key, NULL);
	else if (fmt)
		fputs(fmt, p.out);
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (p.json)
		return;
	va_start(ap, fmt);
	vfprintf(p.out, fmt, ap);
	va_end(ap);
}

const char *print_fmt_duration(uint64_t ns, char *buf, size_t size)
{
	uint64_t s = ns / 1000000000ULL;
	unsigned int ds = (unsigned int)(ns / 100000000ULL % 10);

	if (s >= 86400)
		snprintf(buf, size, "%llud %02llu:%02llu:%02llu",
			 (unsigned long long)(s / 86400),
			 (unsigned long long)(s / 3600 % 24),
			 (unsigned long long)(s / 60 % 60),
			 (unsigned long long)(s % 60));
	else if (s >= 3600)
		snprintf(buf, size, "%lluh %02llum %02llus",
			 (unsigned long long)(s / 3600),
			 (unsigned long long)(s / 60 % 60),
			 (unsigned long long)(s % 60));
	else if (s >= 60)
		snprintf(buf, size, "%llum %02llus",
			 (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
	else
		snprintf(buf, size, "%llu.%us", (unsigned long long)s, ds);
	return buf;
}

const char *print_fmt_mask(uint32_t mask, const char *const *names, unsigned int n,
			   char *buf, size_t size)
{
	unsigned int i;
	size_t len = 0;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		if (mask & (1U << i))
			len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s",
						len ? "," : "", names[i]);
	if (!len)
		snprintf(buf, size, "none");
	return buf;
}
