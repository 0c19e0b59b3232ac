/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sovctl trace: what trace.c (status, sample, export, dispatch),
 * trace_table.c (list, latency), trace_show.c (one trace as a span tree,
 * merged from several daemons) and trace_args.c (the words, requests,
 * formats) share, and what the unit tests use.
 */
#ifndef SOVCTL_TRACE_H
#define SOVCTL_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../lib/trace/trace.h"
#include "sovctl.h"

/* --from SOCKET, repeatable: the daemons "show" and "list" ask. */
#define TRACE_MAX_FROM	32

struct trace_from {
	const char *path[TRACE_MAX_FROM];
	unsigned int n;			/* 0: sovctl's socket (-s) */
};

/*
 * Take "--from SOCKET" / "--from=SOCKET" out of @argv (in place; the rest
 * keeps its order) into @from; a verb that asks one daemon (@from NULL)
 * refuses them. Returns the arguments left, or -1 after printing why.
 */
int trace_take_from(int argc, char **argv, const char *verb, struct trace_from *from);

/* The sockets to ask: the --from ones, else -s's (or the default). */
unsigned int trace_sources(const struct trace_from *from, const char **paths);

/*
 * One request to the sovereignd listening on @path: 0, 1 when it could
 * not be reached (said on stderr, naming @path), or the daemon's refusal
 * (-errno, details in @err, not printed).
 */
int trace_request(const char *path, struct nlmsghdr *req, sov_nl_cb cb, void *data,
		  struct sov_nl_err *err);

/* SOV_A_TRACE_ID's 16 bytes: big-endian, hi then lo. */
void trace_id_to_bytes(const struct trace_id *id, uint8_t b[16]);
void trace_id_from_bytes(const uint8_t b[16], struct trace_id *id);

/* A request of @cmd in @buf, a dump if @dump. */
struct nlmsghdr *trace_req_hdr(void *buf, uint8_t cmd, bool dump);
/* @req to -s's daemon: EXIT_OK, or EXIT_FAIL after "trace VERB: why". */
int trace_request_one(struct nlmsghdr *req, const char *verb, sov_nl_cb cb, void *data);

/*
 * A trace id as the user typed it: exactly 32 lowercase hex digits, not
 * all zero. EXIT_OK, or EXIT_USAGE after saying what is wrong (@verb
 * starts the message).
 */
int trace_parse_id(const char *verb, const char *s, struct trace_id *id);

/* What "sample [OP] RATE" sets: a fixed probability or an adaptive target. */
struct trace_rate {
	bool adaptive;
	uint64_t prob_ppb;		/* fixed: p x 10^9 */
	uint64_t rate_milli;		/* adaptive: spans/s x 1000, at least 1 */
};

/*
 * "10/s", "0.5/s" (a target rate), "0.01", "1%" (a probability). EXIT_OK,
 * or EXIT_USAGE after saying precisely what is wrong.
 */
int trace_parse_rate(const char *s, struct trace_rate *r);

/* @v / 10^@decimals without trailing zeros: (1500, 3) "1.5", (10^9, 9) "1". */
const char *trace_fmt_fixed(uint64_t v, unsigned int decimals, char *buf, size_t size);
/* Durations for people: "850ns", "12.3µs", "4.56ms", "1.20s". */
const char *trace_fmt_ns(uint64_t ns, char *buf, size_t size);
/* Unix ns as UTC, "2026-11-25T16:02:11.123Z". */
const char *trace_fmt_time(uint64_t ns, char *buf, size_t size);
/* Text only: @s padded to @width columns, right-aligned if @width < 0 (µ is one). */
void trace_print_col(const char *s, int width);

/* Why a trace is kept (SOV_A_TRACE_KEEP), bit i named trace_keep_names[i]. */
extern const char *const trace_keep_names[3];

int trace_list(int argc, char **argv);
int trace_latency(int argc, char **argv);
int trace_show(int argc, char **argv);

#endif
