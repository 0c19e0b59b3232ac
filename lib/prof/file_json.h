/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lib/prof's loader, its JSON layer (file_json.c): reading and strictly
 * parsing the file, and typed field access. Every function that fails
 * writes "FILE: PATH: PROBLEM" to the loader's err buffer and returns
 * false (or NULL); PATH is the field's, such as "stacks[3].frames[2]".
 */
#ifndef SOV_PROF_FILE_JSON_H
#define SOV_PROF_FILE_JSON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prof_internal.h"

struct prof_ld {
	const char *file;
	char *err;
	size_t errlen;
};

/* room for a field's path, "stacks[123456].frames[1023]" */
#define PATHLEN 96

bool prof_ld_bad(struct prof_ld *l, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *prof_ld_found(const struct json_object *v);
/* @where.@key, or @where[@i] when @key is NULL */
void prof_ld_sub(char *buf, size_t n, const char *where, const char *key,
		 size_t i);
bool prof_ld_field(struct prof_ld *l, struct json_object *o, const char *where,
		   const char *key, struct json_object **v, char *path,
		   size_t n);
bool prof_ld_get_u64(struct prof_ld *l, struct json_object *o,
		     const char *where, const char *key, uint64_t max,
		     uint64_t *out);
bool prof_ld_get_u32(struct prof_ld *l, struct json_object *o,
		     const char *where, const char *key, uint32_t *out);
bool prof_ld_get_i64(struct prof_ld *l, struct json_object *o,
		     const char *where, const char *key, int64_t min,
		     int64_t *out);
/* a string without NUL bytes, shorter than @max bytes (0: any length) */
bool prof_ld_str_of(struct prof_ld *l, struct json_object *v,
		    const char *path, size_t max, const char **out);
bool prof_ld_get_str(struct prof_ld *l, struct json_object *o,
		     const char *where, const char *key, size_t max,
		     const char **out);
/* addresses are strings: "0xffffffff81000000" */
bool prof_ld_get_addr(struct prof_ld *l, struct json_object *o,
		      const char *where, const char *key, uint64_t *out);
bool prof_ld_get_array(struct prof_ld *l, struct json_object *o,
		       const char *where, const char *key, const char *what,
		       struct json_object **out, size_t *n);
bool prof_ld_get_object(struct prof_ld *l, struct json_object *v,
			const char *path);

/* The file, NUL-terminated, in a malloc'd buffer. */
char *prof_ld_read_file(struct prof_ld *l, const char *path, size_t *len);
/* Strict JSON, integers within 64 bits, nothing after the document. */
struct json_object *prof_ld_parse(struct prof_ld *l, const char *buf,
				  size_t len);

#endif /* SOV_PROF_FILE_JSON_H */
