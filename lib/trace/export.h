/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lib/trace/export: OTLP/JSON export (Documentation/trace.rst, "Export").
 *
 * An exporter sends batches of spans, encoded by trace_otlp_encode(), by
 * HTTP POST to an OTLP/HTTP collector (libcurl; Content-Type
 * application/json; default http://127.0.0.1:4318/v1/traces) and/or
 * appends them as JSON lines to a file. It never blocks its caller:
 * submit copies the batch into a bounded queue (so many batches, so many
 * spans) and returns; one worker thread encodes and delivers, with
 * connect and total timeouts per attempt and a bounded number of retries
 * with exponential backoff. What cannot be queued or delivered is dropped
 * and counted.
 *
 * HTTP outcomes (the OTLP/HTTP specification's rules):
 *   2xx            delivered; a partialSuccess in the response body counts
 *                  its rejectedSpans (spans_rejected_partial)
 *   429 502 503 504, no response, timeout
 *                  retried after backoff_ms, 2 x, 4 x ... (capped at
 *                  backoff_max_ms; a Retry-After in seconds lengthens the
 *                  wait up to that cap); after max_retries retries the
 *                  batch is dropped (spans_dropped_after_retry)
 *   any other      a permanent refusal (400: the collector could not parse
 *                  it): dropped at once (spans_dropped_rejected)
 *
 * Threads: every function may be called from any thread, except that
 * trace_exporter_destroy() must be the last call.
 */
#ifndef SOV_TRACE_EXPORT_H
#define SOV_TRACE_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace.h"

#define TRACE_EXPORT_DEFAULT_URL	"http://127.0.0.1:4318/v1/traces"
/* the path appended to a URL that has none (OTLP/HTTP's traces path) */
#define TRACE_EXPORT_DEFAULT_PATH	"/v1/traces"
#define TRACE_EXPORT_DEFAULT_PORT	4318	/* OTLP/HTTP's */
#define TRACE_EXPORT_URL_MAX		1024
#define TRACE_EXPORT_ERR_MAX		256

/*
 * A collector URL: http://HOST[:PORT][/PATH], HOST a name, an IPv4 address
 * or a bracketed IPv6 address; PORT 1-65535 (default 4318, OTLP/HTTP's); PATH printable
 * ASCII without spaces (default TRACE_EXPORT_DEFAULT_PATH). No user info,
 * no fragment, no https (collectors are local or on the node's network).
 */
struct trace_export_url {
	char host[256];			/* without the brackets of an IPv6 address */
	uint16_t port;
	char path[TRACE_EXPORT_URL_MAX];	/* from the '/', query included */
	char url[TRACE_EXPORT_URL_MAX + 300];	/* normalised: http://host:port/path */
};

/*
 * Parse @s into @out. 0, or -EINVAL with a precise message in @err (may be
 * NULL) such as: export url: expected http://HOST[:PORT]/PATH, got
 * 'ftp://x': the scheme must be http.
 */
int trace_export_url_parse(const char *s, struct trace_export_url *out, char *err, size_t errsz);

struct trace_exporter_conf {
	const char *url;		/* collector; NULL: no HTTP export */
	const char *file;		/* JSON lines appended here; NULL: none */
	const char *service_name;	/* resource service.name; NULL: "sovereignd" */
	uint32_t queue_batches;		/* batches waiting, at most (64) */
	uint32_t queue_spans;		/* spans waiting, at most (8192) */
	uint32_t connect_timeout_ms;	/* per attempt (1000) */
	uint32_t timeout_ms;		/* per attempt, the whole request (3000) */
	uint32_t max_retries;		/* retries after the first attempt (3) */
	uint32_t backoff_ms;		/* before the first retry, doubled each time (100) */
	uint32_t backoff_max_ms;	/* cap of one wait, Retry-After included (2000) */
	uint32_t shutdown_timeout_ms;	/* destroy: time to deliver what is queued (1000);
					   then the rest is dropped (spans_dropped_shutdown) */
};

struct trace_exporter_stats {
	uint64_t batches_submitted;	/* accepted into the queue */
	uint64_t spans_submitted;
	uint64_t batches_sent;		/* delivered to the collector (2xx) */
	uint64_t spans_sent;
	uint64_t spans_dropped_queue_full;	/* refused by submit: queue full */
	uint64_t spans_dropped_after_retry;	/* retries exhausted */
	uint64_t spans_dropped_rejected;	/* permanent HTTP refusal (e.g. 400) */
	uint64_t spans_dropped_shutdown;	/* still queued or in flight at destroy */
	uint64_t spans_dropped_encode;	/* could not be encoded (ENOMEM) */
	uint64_t spans_rejected_partial;	/* partialSuccess.rejectedSpans of 2xx answers */
	uint64_t http_requests;		/* attempts made */
	uint64_t http_errors;		/* attempts that failed: no answer or not 2xx */
	uint64_t retries;		/* attempts that were retries */
	uint64_t file_batches;		/* JSON lines written */
	uint64_t file_spans;
	uint64_t file_errors;		/* lines that could not be written (dropped) */
	uint32_t queued_batches;	/* waiting now (not counting the one in flight) */
	uint32_t queued_spans;
	int last_http_status;		/* of the last answer; 0: none yet */
	char last_error[TRACE_EXPORT_ERR_MAX];	/* "" until something failed */
};

struct trace_exporter;

void trace_exporter_conf_default(struct trace_exporter_conf *conf);

/*
 * Check @conf (the URL with trace_export_url_parse(), the file opened for
 * appending), start the worker. NULL with errno and a message in @err
 * (may be NULL) on failure; at least one of url and file is needed.
 */
struct trace_exporter *trace_exporter_create(const struct trace_exporter_conf *conf,
					     char *err, size_t errsz);

/*
 * Queue a copy of @spans (encoded by the worker with trace_otlp_encode(),
 * the exporter's service name and @keep, TRACE_KEEP_* or 0). The strings
 * the spans point to must outlive the export (they do: literals or
 * trace_intern()). 0; -ENOSPC when the queue is full (the spans are
 * counted in spans_dropped_queue_full); -EINVAL for n == 0; -ENOMEM;
 * -ESHUTDOWN during destroy.
 */
int trace_exporter_submit(struct trace_exporter *ex, const struct trace_span *spans, size_t n,
			  unsigned int keep);
/* A stored trace, its keep reasons included. */
int trace_exporter_submit_rec(struct trace_exporter *ex, const struct trace_rec *rec);
/*
 * Queue a copy of an already encoded OTLP/JSON document of @nspans spans
 * (the count is for the queue bound and the counters). It is sent as it is;
 * -EINVAL if it is empty or holds a newline (it would break the JSON lines).
 */
int trace_exporter_submit_json(struct trace_exporter *ex, const char *doc, size_t len,
			       size_t nspans);

void trace_exporter_stats(struct trace_exporter *ex, struct trace_exporter_stats *st);

/*
 * Wait until every batch submitted before the call has been delivered or
 * dropped, at most @timeout_ms. 0, or -ETIMEDOUT.
 */
int trace_exporter_flush(struct trace_exporter *ex, uint32_t timeout_ms);

/*
 * Stop: refuse new batches, give the queue shutdown_timeout_ms to drain,
 * then abort the request in flight (within about 10 ms) and drop the rest
 * (spans_dropped_shutdown), join the worker, free. NULL is a no-op.
 */
void trace_exporter_destroy(struct trace_exporter *ex);

#endif
