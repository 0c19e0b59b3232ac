// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl trace: the words (--from, trace ids, sampling rates), the one way
 * its requests reach a daemon, and the formats its verbs share.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "print.h"
#include "trace.h"

const char *const trace_keep_names[3] = { "sampled", "error", "slow" };

/* ---- words ---- */

int trace_take_from(int argc, char **argv, const char *verb, struct trace_from *from)
{
	int i, n = 0;

	for (i = 0; i < argc; i++) {
		const char *path;
		unsigned int k;

		if (!strcmp(argv[i], "--from")) {
			if (i + 1 == argc) {
				usage_error("'trace %s': --from needs a socket path", verb);
				return -1;
			}
			path = argv[++i];
		} else if (!strncmp(argv[i], "--from=", 7)) {
			path = argv[i] + 7;
		} else {
			argv[n++] = argv[i];
			continue;
		}
		if (!from) {
			usage_error("'trace %s' asks one daemon: --from is for show and list (use -s SOCKET)",
				    verb);
			return -1;
		}
		if (!*path) {
			usage_error("'trace %s': --from needs a socket path", verb);
			return -1;
		}
		for (k = 0; k < from->n; k++)
			if (!strcmp(from->path[k], path))
				break;
		if (k < from->n)
			continue;	/* the same daemon twice would count its spans twice */
		if (from->n == TRACE_MAX_FROM) {
			usage_error("'trace %s': at most %d --from sockets", verb, TRACE_MAX_FROM);
			return -1;
		}
		from->path[from->n++] = path;
	}
	return n;
}

unsigned int trace_sources(const struct trace_from *from, const char **paths)
{
	unsigned int i;

	if (!from || !from->n) {
		paths[0] = sovctl.ctl_path;
		return 1;
	}
	for (i = 0; i < from->n; i++)
		paths[i] = from->path[i];
	return from->n;
}

int trace_parse_id(const char *verb, const char *s, struct trace_id *id)
{
	size_t i, len = strlen(s);

	if (len != 32)
		return usage_error("%s: \"%s\" is not a trace id: expected 32 lowercase hex digits, got %zu characters",
				   verb, s, len);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isdigit(c) || (c >= 'a' && c <= 'f'))
			continue;
		if (isxdigit(c))
			return usage_error("%s: \"%s\" is not a trace id: '%c' at %zu is uppercase (trace ids are lowercase hex)",
					   verb, s, c, i + 1);
		if (isprint(c))
			return usage_error("%s: \"%s\" is not a trace id: '%c' at %zu is not a hex digit",
					   verb, s, c, i + 1);
		return usage_error("%s: \"%s\" is not a trace id: byte 0x%02x at %zu is not a hex digit",
				   verb, s, c, i + 1);
	}
	if (trace_id_parse(id, s, len))
		return usage_error("%s: \"%s\" is not a trace id", verb, s);
	if (trace_id_is_zero(id))
		return usage_error("%s: \"%s\" is not a trace id: the all-zero id is invalid", verb, s);
	return EXIT_OK;
}

/*
 * DIGITS[.DIGITS] of @len bytes, scaled by 10^@scale, into @v: 0, -EINVAL
 * (not that), -ERANGE (more decimals than @scale) or -EOVERFLOW.
 */
static int parse_decimal(const char *s, size_t len, unsigned int scale, uint64_t *v)
{
	unsigned int decimals = 0;
	bool dot = false, digits = false;
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '.' && !dot && digits) {
			dot = true;
			digits = false;	/* one more digit needed after the dot */
			continue;
		}
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		digits = true;
		if (dot && ++decimals > scale)
			return -ERANGE;
		if (n > (UINT64_MAX - 9) / 10)
			return -EOVERFLOW;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	if (!digits)
		return -EINVAL;
	for (; decimals < scale; decimals++) {
		if (n > UINT64_MAX / 10)
			return -EOVERFLOW;
		n *= 10;
	}
	*v = n;
	return 0;
}

#define RATE_EXPECTED "a probability in [0, 1] or a rate like 10/s"

int trace_parse_rate(const char *s, struct trace_rate *r)
{
	size_t len = strlen(s);
	const char *slash = strchr(s, '/');
	uint64_t v;
	int ret;

	memset(r, 0, sizeof(*r));
	if (slash) {
		if (strcmp(slash, "/s"))
			return usage_error("sample: '%s': a rate is spans per second, written N/s (like 10/s or 0.5/s)",
					   s);
		ret = parse_decimal(s, (size_t)(slash - s), 3, &v);
		if (ret == -ERANGE)
			return usage_error("sample: '%s': at most 3 decimals (the daemon counts thousandths of a span per second)",
					   s);
		if (ret == -EOVERFLOW)
			return usage_error("sample: '%s': the rate is too large", s);
		if (ret)
			return usage_error("sample: '%s': a rate is a number of spans per second, like 10/s or 0.5/s",
					   s);
		if (!v)
			return usage_error("sample: '%s': the rate must be at least 0.001/s (a probability of 0 samples nothing)",
					   s);
		r->adaptive = true;
		r->rate_milli = v;
		return EXIT_OK;
	}
	if (len && s[len - 1] == '%') {
		ret = parse_decimal(s, len - 1, 7, &v);
		if (ret == -ERANGE)
			return usage_error("sample: '%s': at most 7 decimals in a percentage (the daemon counts parts per 10^9)",
					   s);
		if (ret == -EINVAL)
			return usage_error("sample: '%s' is not " RATE_EXPECTED, s);
		if (ret || v > SOV_TRACE_PPB)
			return usage_error("sample: '%s' is not a percentage in [0%%, 100%%]", s);
		r->prob_ppb = v;
		return EXIT_OK;
	}
	ret = parse_decimal(s, len, 9, &v);
	if (ret == -ERANGE)
		return usage_error("sample: '%s': at most 9 decimals in a probability (the daemon counts parts per 10^9)",
				   s);
	if (ret || v > SOV_TRACE_PPB)
		return usage_error("sample: '%s' is not " RATE_EXPECTED, s);
	r->prob_ppb = v;
	return EXIT_OK;
}

/* ---- formats ---- */

const char *trace_fmt_fixed(uint64_t v, unsigned int decimals, char *buf, size_t size)
{
	uint64_t div = 1;
	unsigned int i;
	int len;

	for (i = 0; i < decimals; i++)
		div *= 10;
	len = snprintf(buf, size, "%llu", (unsigned long long)(v / div));
	if (decimals && v % div && len > 0 && (size_t)len < size) {
		snprintf(buf + len, size - (size_t)len, ".%0*llu", (int)decimals,
			 (unsigned long long)(v % div));
		len = (int)strlen(buf);
		while (buf[len - 1] == '0')
			buf[--len] = '\0';
	}
	return buf;
}

const char *trace_fmt_ns(uint64_t ns, char *buf, size_t size)
{
	static const struct {
		uint64_t div;
		const char *unit;
	} units[] = {
		{ 1000000000ULL, "s" }, { 1000000ULL, "ms" }, { 1000ULL, "µs" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		double v = (double)ns / (double)units[i].div;

		if (ns < units[i].div)
			continue;
		/* three significant digits */
		snprintf(buf, size, "%.*f%s", v < 10 ? 2 : v < 100 ? 1 : 0, v, units[i].unit);
		return buf;
	}
	snprintf(buf, size, "%lluns", (unsigned long long)ns);
	return buf;
}

const char *trace_fmt_time(uint64_t ns, char *buf, size_t size)
{
	time_t s = (time_t)(ns / 1000000000ULL);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned int)(ns / 1000000ULL % 1000));
	return buf;
}

void trace_print_col(const char *s, int width)
{
	int cols = 0, pad;
	const char *p;

	for (p = s; *p; p++)
		cols += ((unsigned char)*p & 0xc0) != 0x80;	/* not a UTF-8 continuation */
	pad = (width < 0 ? -width : width) - cols;
	if (pad < 0)
		pad = 0;
	if (width < 0)
		print_text("%*s%s", pad, "", s);
	else
		print_text("%s%*s", s, pad, "");
}

/* ---- requests ---- */

void trace_id_to_bytes(const struct trace_id *id, uint8_t b[16])
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		b[i] = (uint8_t)(id->hi >> (56 - 8 * i));
		b[8 + i] = (uint8_t)(id->lo >> (56 - 8 * i));
	}
}

void trace_id_from_bytes(const uint8_t b[16], struct trace_id *id)
{
	unsigned int i;

	id->hi = id->lo = 0;
	for (i = 0; i < 8; i++) {
		id->hi = id->hi << 8 | b[i];
		id->lo = id->lo << 8 | b[8 + i];
	}
}

int trace_request(const char *path, struct nlmsghdr *req, sov_nl_cb cb, void *data,
		  struct sov_nl_err *err)
{
	struct sov_ctl *c = malloc(sizeof(*c));
	int ret;

	if (!c) {
		op_error("out of memory");
		return 1;
	}
	if (daemon_open_at(c, path, false, NULL)) {
		free(c);
		return 1;
	}
	ret = sov_ctl_transact(c, req, cb, data, err);
	sov_ctl_close(c);
	free(c);
	return ret;
}

struct nlmsghdr *trace_req_hdr(void *buf, uint8_t cmd, bool dump)
{
	return sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, cmd, SOV_GENL_VERSION,
			      dump ? NLM_F_DUMP : 0, 0);
}

int trace_request_one(struct nlmsghdr *req, const char *verb, sov_nl_cb cb, void *data)
{
	struct sov_nl_err err;
	char what[64];
	int ret;

	ret = trace_request(sovctl.ctl_path, req, cb, data, &err);
	if (ret == 1)
		return EXIT_FAIL;
	snprintf(what, sizeof(what), "trace %s", verb);
	return ret ? report_nl_error(what, &err, NULL, 0) : EXIT_OK;
}
