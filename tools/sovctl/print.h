/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One set of print calls for text and JSON output, in the style of
 * iproute2's print_*(): each call names its JSON key and its text format;
 * in JSON mode the values build a json-c tree emitted by print_end().
 */
#ifndef SOVCTL_PRINT_H
#define SOVCTL_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

void print_begin(bool json, bool pretty, FILE *out);
int print_end(void);
bool print_is_json(void);

void print_open_object(const char *key);
void print_close_object(void);
void print_open_array(const char *key);
void print_close_array(void);

/* @fmt is used in text mode only (NULL: print nothing there). */
void print_string(const char *key, const char *fmt, const char *val);
void print_u64(const char *key, const char *fmt, uint64_t val);
void print_s64(const char *key, const char *fmt, int64_t val);
void print_bool(const char *key, const char *fmt, bool val);
void print_null(const char *key, const char *fmt);
/* Text-only decoration (labels, newlines). */
void print_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The names of the bits set in @mask, comma-separated ("none" if none):
 * bit i is @names[i], for i < @n. */
const char *print_fmt_mask(uint32_t mask, const char *const *names, unsigned int n,
			   char *buf, size_t size);

/* "1d 02:03:04.5" style durations for text output. */
const char *print_fmt_duration(uint64_t ns, char *buf, size_t size);

#endif
