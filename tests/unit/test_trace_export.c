// SPDX-License-Identifier: GPL-2.0
/*
 * lib/trace's exporter against a local HTTP receiver (a thread with a
 * listening socket on 127.0.0.1:0 that records every request and answers
 * with scripted statuses, or not at all): the body is exactly the OTLP/JSON
 * document, headers right; 503 and 429 retried, 400 dropped at once;
 * collector down: bounded retries, spans dropped and counted, submit never
 * blocks; queue full; flush and destroy within their bounds while retrying
 * or while a request hangs; JSON lines in a file; URL errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "../../lib/trace/export.h"
#include "../../lib/trace/trace.h"

/* ------------------------------------------------------------------ */
/* The receiver                                                        */
/* ------------------------------------------------------------------ */

#define RX_MAX	256

struct rx_req {
	char method[16], path[256], ctype[128], ua[128];
	bool expect_hdr;		/* an "Expect:" header came */
	long clen;
	char *body;
	size_t blen;
	uint64_t at_ns;			/* when it had arrived, monotonic */
};

struct rx {
	int lfd;
	uint16_t port;
	pthread_t th;
	atomic_bool stop;
	pthread_mutex_t lock;
	struct rx_req req[RX_MAX];
	int n;
	int script[16];			/* status of request i; then 200 */
	int nscript;
	const char *retry_after;	/* sent with 429 and 503 */
	const char *ok_body;		/* 2xx body ("{}" if NULL) */
	bool hang;			/* read requests, never answer */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static double ms_since(uint64_t t0)
{
	return (double)(mono_ns() - t0) / 1e6;
}

/* Read more into buf (grown); -1 on EOF/error or stop. */
static ssize_t rx_read(struct rx *rx, int fd, char **buf, size_t *len, size_t *cap)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t r;

	while (!atomic_load(&rx->stop)) {
		if (poll(&p, 1, 50) <= 0)
			continue;
		if (*len + 4096 + 1 > *cap) {
			*cap = (*cap + 4096) * 2;
			*buf = realloc(*buf, *cap);
			assert_non_null(*buf);
		}
		r = read(fd, *buf + *len, *cap - *len - 1);
		if (r <= 0)
			return -1;
		*len += (size_t)r;
		(*buf)[*len] = '\0';
		return r;
	}
	return -1;
}

static void header(const char *hdrs, const char *name, char *out, size_t size)
{
	const char *p = hdrs;
	size_t nl = strlen(name);

	out[0] = '\0';
	while ((p = strstr(p, "\r\n"))) {
		p += 2;
		if (!strncasecmp(p, name, nl) && p[nl] == ':') {
			const char *v = p + nl + 1, *e = strstr(v, "\r\n");

			while (*v == ' ')
				v++;
			snprintf(out, size, "%.*s", (int)(e ? e - v : (long)strlen(v)), v);
			return;
		}
	}
}

static void rx_conn(struct rx *rx, int fd)
{
	char *buf = NULL, *end, cl[32], resp[512];
	size_t len = 0, cap = 0, hlen;
	int status, i;

	for (;;) {
		struct rx_req *q;

		while (!(end = buf ? strstr(buf, "\r\n\r\n") : NULL))
			if (rx_read(rx, fd, &buf, &len, &cap) < 0)
				goto out;
		hlen = (size_t)(end - buf) + 4;
		header(buf, "Content-Length", cl, sizeof(cl));
		while (len < hlen + (size_t)atol(cl))
			if (rx_read(rx, fd, &buf, &len, &cap) < 0)
				goto out;

		pthread_mutex_lock(&rx->lock);
		assert_true(rx->n < RX_MAX);
		i = rx->n;
		q = &rx->req[i];
		memset(q, 0, sizeof(*q));
		sscanf(buf, "%15s %255s", q->method, q->path);
		header(buf, "Content-Type", q->ctype, sizeof(q->ctype));
		header(buf, "User-Agent", q->ua, sizeof(q->ua));
		{
			char e[64] = "";

			header(buf, "Expect", e, sizeof(e));
			q->expect_hdr = e[0] != '\0';
		}
		q->clen = atol(cl);
		q->blen = (size_t)q->clen;
		q->body = malloc(q->blen + 1);
		assert_non_null(q->body);
		memcpy(q->body, buf + hlen, q->blen);
		q->body[q->blen] = '\0';
		q->at_ns = mono_ns();
		rx->n++;
		status = i < rx->nscript ? rx->script[i] : 200;
		pthread_mutex_unlock(&rx->lock);

		memmove(buf, buf + hlen + q->blen, len - hlen - q->blen);
		len -= hlen + q->blen;
		buf[len] = '\0';

		if (rx->hang) {
			/* never answer: wait for the client to give up */
			while (rx_read(rx, fd, &buf, &len, &cap) >= 0)
				;
			goto out;
		}
		{
			const char *body = status / 100 == 2 ? (rx->ok_body ? rx->ok_body : "{}")
				: status == 400 ? "{\"code\":3,\"message\":\"bad document\"}"
				: "{\"code\":14,\"message\":\"busy\"}";
			char ra[64] = "";
			int n;

			if ((status == 429 || status == 503) && rx->retry_after)
				snprintf(ra, sizeof(ra), "Retry-After: %s\r\n", rx->retry_after);
			n = snprintf(resp, sizeof(resp),
				     "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
				     "Content-Length: %zu\r\n%s\r\n%s", status, strlen(body), ra, body);
			if (write(fd, resp, (size_t)n) != n)
				goto out;
		}
	}
out:
	free(buf);
	close(fd);
}

static void *rx_main(void *arg)
{
	struct rx *rx = arg;
	struct pollfd p = { .fd = rx->lfd, .events = POLLIN };

	while (!atomic_load(&rx->stop)) {
		int fd;

		if (poll(&p, 1, 50) <= 0)
			continue;
		fd = accept(rx->lfd, NULL, NULL);
		if (fd >= 0)
			rx_conn(rx, fd);
	}
	return NULL;
}

static struct rx *rx_start(const int *script, int nscript)
{
	struct rx *rx = calloc(1, sizeof(*rx));
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);

	assert_non_null(rx);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rx->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(rx->lfd >= 0);
	assert_int_equal(bind(rx->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(rx->lfd, 16), 0);
	assert_int_equal(getsockname(rx->lfd, (struct sockaddr *)&a, &al), 0);
	rx->port = ntohs(a.sin_port);
	for (rx->nscript = 0; rx->nscript < nscript; rx->nscript++)
		rx->script[rx->nscript] = script[rx->nscript];
	pthread_mutex_init(&rx->lock, NULL);
	atomic_init(&rx->stop, false);
	return rx;
}

static void rx_run(struct rx *rx)
{
	assert_int_equal(pthread_create(&rx->th, NULL, rx_main, rx), 0);
}

static void rx_url(const struct rx *rx, char *url, size_t size)
{
	snprintf(url, size, "http://127.0.0.1:%u/v1/traces", rx->port);
}

static int rx_count(struct rx *rx)
{
	int n;

	pthread_mutex_lock(&rx->lock);
	n = rx->n;
	pthread_mutex_unlock(&rx->lock);
	return n;
}

static void rx_stop(struct rx *rx)
{
	int i;

	atomic_store(&rx->stop, true);
	pthread_join(rx->th, NULL);
	close(rx->lfd);
	for (i = 0; i < rx->n; i++)
		free(rx->req[i].body);
	pthread_mutex_destroy(&rx->lock);
	free(rx);
}

/* A port with nothing listening: connection refused. */
static uint16_t closed_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	close(fd);
	return ntohs(a.sin_port);
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static void spans3(struct trace_span sp[3], uint64_t salt)
{
	struct trace_id tid = { 0x4bf92f3577b34da6ULL, 0xa3ce929d0e0e4736ULL ^ salt };
	int i;

	memset(sp, 0, 3 * sizeof(*sp));
	for (i = 0; i < 3; i++) {
		sp[i].trace_id = tid;
		sp[i].span_id = 0x1000 + (uint64_t)i + (salt << 16);
		sp[i].parent_id = i ? sp[0].span_id : 0;
		sp[i].name = i ? "raft.append" : "sovctl.request";
		sp[i].kind = (uint8_t)(i ? TRACE_KIND_CLIENT : TRACE_KIND_SERVER);
		sp[i].start_ns = 1700000000000000000ULL + (uint64_t)i * 1000;
		sp[i].end_ns = sp[i].start_ns + 5000;
		sp[i].node_id = 1 + (uint64_t)i;
		trace_span_attr_int(&sp[i], "i", i);
	}
	trace_span_set_status(&sp[2], TRACE_STATUS_ERROR, "timeout");
}

static void fast_conf(struct trace_exporter_conf *c, const char *url)
{
	trace_exporter_conf_default(c);
	c->url = url;
	c->backoff_ms = 10;
	c->timeout_ms = 2000;
}

static struct trace_exporter *create(const struct trace_exporter_conf *c)
{
	char err[TRACE_EXPORT_ERR_MAX];
	struct trace_exporter *ex = trace_exporter_create(c, err, sizeof(err));

	if (!ex)
		fail_msg("trace_exporter_create: %s", err);
	return ex;
}

static void wait_requests(struct trace_exporter *ex, uint64_t n)
{
	struct trace_exporter_stats st;
	uint64_t t0 = mono_ns();

	do {
		trace_exporter_stats(ex, &st);
		if (st.http_requests >= n)
			return;
		usleep(1000);
	} while (ms_since(t0) < 5000);
	fail_msg("the worker made %" PRIu64 " requests in 5 s, expected %" PRIu64,
		 st.http_requests, n);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* ------------------------------------------------------------------ */
/* Tests                                                               */
/* ------------------------------------------------------------------ */

static void url_ok(const char *s, const char *host, unsigned int port, const char *path,
		   const char *norm)
{
	struct trace_export_url u;
	char err[TRACE_EXPORT_ERR_MAX];

	if (trace_export_url_parse(s, &u, err, sizeof(err)))
		fail_msg("'%s' refused: %s", s, err);
	assert_string_equal(u.host, host);
	assert_int_equal(u.port, port);
	assert_string_equal(u.path, path);
	assert_string_equal(u.url, norm);
}

static void url_bad(const char *s, const char *why)
{
	struct trace_export_url u;
	char err[TRACE_EXPORT_ERR_MAX], want[TRACE_EXPORT_ERR_MAX];

	assert_int_equal(trace_export_url_parse(s, &u, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "export url: expected http://HOST[:PORT]/PATH, got '");
	if (strncmp(err, want, strlen(want)) || !strstr(err, why))
		fail_msg("'%s': message \"%s\", expected it to contain \"%s\"", s, err, why);
}

static void test_url(void **state)
{
	(void)state;
	url_ok(TRACE_EXPORT_DEFAULT_URL, "127.0.0.1", 4318, "/v1/traces",
	       "http://127.0.0.1:4318/v1/traces");
	url_ok("http://collector", "collector", 4318, "/v1/traces", "http://collector:4318/v1/traces");
	url_ok("HTTP://otel-col.example:4318/", "otel-col.example", 4318, "/",
	       "http://otel-col.example:4318/");
	url_ok("http://[::1]:4318/x/v1/traces?a=1", "::1", 4318, "/x/v1/traces?a=1",
	       "http://[::1]:4318/x/v1/traces?a=1");
	url_bad("", "the URL is empty");
	url_bad("https://collector:4318/v1/traces", "the scheme must be http, not 'https'");
	url_bad("127.0.0.1:4318/v1/traces", "no 'http://' at the start");
	url_bad("http://:4318/v1/traces", "the host is empty");
	url_bad("http://collector:/v1/traces", "no port number after ':'");
	url_bad("http://collector:70000/v1/traces", "the port must be 1 to 65535");
	url_bad("http://collector:0/", "the port must be 1 to 65535");
	url_bad("http://collector:43x/", "'x' after the host");
	url_bad("http://user:pw@collector/", "user information");
	url_bad("http://[::1/v1/traces", "without its ']'");
	url_bad("http://collector/v1 traces", "a space at offset 3 of the path");
	url_bad("http://collector/v1/\x01", "a control or non-ASCII byte at offset 4");
	url_bad("http://collector/v1#frag", "a fragment");
	url_bad("http://collector?x=1", "'?' after the host");
	url_bad("http://coll\xc3\xa9" "ctor/", "after the host");
}

static void test_create_errors(void **state)
{
	struct trace_exporter_conf c;
	char err[TRACE_EXPORT_ERR_MAX];

	(void)state;
	trace_exporter_conf_default(&c);
	c.url = NULL;
	assert_null(trace_exporter_create(&c, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "nothing to export to"));

	trace_exporter_conf_default(&c);
	c.url = "ftp://x/";
	assert_null(trace_exporter_create(&c, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "export url: expected http://HOST[:PORT]/PATH, got 'ftp://x/'"));

	trace_exporter_conf_default(&c);
	c.url = NULL;
	c.file = "/nonexistent-dir/spans.jsonl";
	assert_null(trace_exporter_create(&c, err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	assert_string_equal(err, "export file '/nonexistent-dir/spans.jsonl': No such file or directory");

	trace_exporter_conf_default(&c);
	c.queue_batches = 0;
	assert_null(trace_exporter_create(&c, err, sizeof(err)));
	assert_non_null(strstr(err, "queue_batches"));
}

/* The body is exactly trace_otlp_encode()'s document; headers right. */
static void test_post_exact(void **state)
{
	struct rx *rx = rx_start(NULL, 0);
	struct trace_exporter_conf c;
	struct trace_exporter_stats st;
	struct trace_exporter *ex;
	struct trace_otlp_opts opts = { "sovereignd-test", TRACE_KEEP_SAMPLED | TRACE_KEEP_SLOW };
	struct trace_span sp[3];
	char url[128], *doc;
	const char raw[] = "{\"resourceSpans\":[]}";

	(void)state;
	rx_run(rx);
	rx_url(rx, url, sizeof(url));
	fast_conf(&c, url);
	c.service_name = "sovereignd-test";
	ex = create(&c);
	spans3(sp, 1);
	assert_int_equal(trace_exporter_submit(ex, sp, 3, opts.keep), 0);
	assert_int_equal(trace_exporter_submit_json(ex, raw, strlen(raw), 0), 0);
	assert_int_equal(trace_exporter_flush(ex, 5000), 0);
	trace_exporter_stats(ex, &st);
	assert_int_equal(st.batches_submitted, 2);
	assert_int_equal(st.batches_sent, 2);
	assert_int_equal(st.spans_sent, 3);
	assert_int_equal(st.http_requests, 2);
	assert_int_equal(st.http_errors, 0);
	assert_int_equal(st.retries, 0);
	assert_int_equal(st.last_http_status, 200);
	assert_string_equal(st.last_error, "");
	assert_int_equal(st.queued_batches, 0);

	assert_int_equal(rx_count(rx), 2);
	doc = trace_otlp_encode(sp, 3, &opts);
	assert_non_null(doc);
	assert_string_equal(rx->req[0].method, "POST");
	assert_string_equal(rx->req[0].path, "/v1/traces");
	assert_string_equal(rx->req[0].ctype, "application/json");
	assert_string_equal(rx->req[0].ua, "sovereign-trace-export");
	assert_false(rx->req[0].expect_hdr);
	assert_int_equal(rx->req[0].clen, (long)strlen(doc));
	assert_string_equal(rx->req[0].body, doc);
	assert_non_null(strstr(doc, "\"sovereign.keep\",\"value\":{\"stringValue\":\"sampled,slow\"}"));
	assert_string_equal(rx->req[1].body, raw);
	assert_string_equal(rx->req[1].ctype, "application/json");
	free(doc);
	trace_exporter_destroy(ex);
	rx_stop(rx);
}

/* 503, then 429 with Retry-After: 0, then 200: the same body three times. */
static void test_retry_then_delivered(void **state)
{
	static const int script[] = { 503, 429 };
	struct rx *rx = rx_start(script, 2);
	struct trace_exporter_conf c;
	struct trace_exporter_stats st;
	struct trace_exporter *ex;
	struct trace_span sp[3];
	char url[128];

	(void)state;
	rx->retry_after = "0";
	rx_run(rx);
	rx_url(rx, url, sizeof(url));
	fast_conf(&c, url);
	ex = create(&c);
	spans3(sp, 2);
	assert_int_equal(trace_exporter_submit(ex, sp, 3, 0), 0);
	assert_int_equal(trace_exporter_flush(ex, 5000), 0);
	trace_exporter_stats(ex, &st);
	assert_int_equal(st.batches_sent, 1);
	assert_int_equal(st.spans_sent, 3);
	assert_int_equal(st.http_requests, 3);
	assert_int_equal(st.http_errors, 2);
	assert_int_equal(st.retries, 2);
	assert_int_equal(st.spans_dropped_after_retry, 0);
	assert_int_equal(st.last_http_status, 200);
	/* the failure stays in last_error */
	assert_non_null(strstr(st.last_error, "(attempt 2 of 4): HTTP 429: busy"));
	assert_int_equal(rx_count(rx), 3);
	assert_string_equal(rx->req[0].body, rx->req[2].body);
	assert_string_equal(rx->req[1].body, rx->req[2].body);
	/* backoff: 10 ms, then 20 ms */
	assert_true(rx->req[1].at_ns - rx->req[0].at_ns >= 9000000ULL);
	assert_true(rx->req[2].at_ns - rx->req[1].at_ns >= 19000000ULL);
	trace_exporter_destroy(ex);
	rx_stop(rx);
}

/* Retry-After lengthens the wait (up to backoff_max_ms). */
static void test_retry_after(void **state)
{
	static const int script[] = { 503 };
	struct rx *rx = rx_start(script, 1);
	struct trace_exporter_conf c;
	struct trace_exporter *ex;
	struct trace_span sp[3];
	char url[128];
	uint64_t gap;

	(void)state;
	rx->retry_after = "1";
	rx_run(rx);
	rx_url(rx, url, sizeof(url));
	fast_conf(&c, url);
	c.backoff_max_ms = 600;		/* caps the 1 s the collector asked for */
	ex = create(&c);
	spans3(sp, 3);
	assert_int_equal(trace_exporter_submit(ex, sp, 3, 0), 0);
	assert_int_equal(trace_exporter_flush(ex, 5000), 0);
	assert_int_equal(rx_count(rx), 2);
	gap = rx->req[1].at_ns - rx->req[0].at_ns;
	if (gap < 590000000ULL || gap > 990000000ULL)
		fail_msg("retry %.0f ms after a 503 with Retry-After: 1 and a 600 ms cap", gap / 1e6);
	trace_exporter_destroy(ex);
	rx_stop(rx);
}

/* 400: a permanent refusal, dropped without a retry. */
static void test_permanent_400(void **state)
{
	static const int script[] = { 400 };
	struct rx *rx = rx_start(script, 1);
	struct trace_exporter_conf c;
	struct trace_exporter_stats st;
	struct trace_exporter *ex;
	struct trace_span sp[3];
	char url[128];

	(void)state;
	rx_run(rx);
	rx_url(rx, url, sizeof(url));
	fast_conf(&c, url);
	ex = create(&c);
	spans3(sp, 4);
	assert_int_equal(trace_exporter_submit(ex, sp, 3, 0), 0);
	assert_int_equal(trace_exporter_flush(ex, 5000), 0);
	trace_exporter_stats(ex, &st);
	assert_int_equal(st.http_requests, 1);
	assert_int_equal(st.retries, 0);
	assert_int_equal(st.http_errors, 1);
	assert_int_equal(st.batches_sent, 0);
	assert_int_equal(st.spans_dropped_rejected, 3);
	assert_int_equal(st.spans_dropped_after_retry, 0);
	assert_int_equal(st.last_http_status, 400);
	assert_non_null(strstr(st.last_error, "(attempt 1 of 1): HTTP 400: bad document"));
	assert_int_equal(rx_count(rx), 1);
	trace_exporter_destroy(ex);
	rx_stop(rx);
}

/* partialSuccess in a 200: delivered, the rejected spans counted. */
static void test_partial_success(void **state)
{
	struct rx *rx = rx_start(NULL, 0);
	struct trace_exporter_conf c;
	struct trace_exporter_stats st;
	struct trace_exporter *ex;
	struct trace_span sp[3];
	char url[128];

	(void)state;
	rx->ok_body = "{\"partialSuccess\":{\"rejectedSpans\":\"2\",\"errorMessage\":\"too old\"}}";
	rx_run(rx);
	rx_url(rx, url, sizeof(url));
	fast_conf(&c, url);
	ex = create(&c);
	spans3(sp, 5);
	assert_int_equal(trace_exporter_submit(ex, sp, 3, 0), 0);
	assert_int_equal(trace_exporter_flush(ex, 5000), 0);
	trace_exporter_stats(ex, &st);
	assert_int_equal(st.batches_sent, 1);
	assert_int_equal(st.spans_sent, 3);
	assert_int_equal(st.spans_rejected_partial, 2);
	assert_non_null(strstr(st.last_error, "partial success, 2 spans rejected: too old"));
	trace_exporter_destroy(ex);
	rx_stop(rx);
}

/*
 * Collector down (connection refused): 1 + 3 retries per batch (20, 40,
 * 80 ms apart), then the spans are dropped and counted. Meanwhile submit
 * returns at once: it only queues.
 */
static void test_refused_bounded(void **state)
{
	enum { TIMED = 10 };
	struct trace_exporter_conf c;
	struct trace_exporter_stats st;
	struct trace_exporter *ex;
	struct trace_span sp[3];
	double t[TIMED];
	uint64_t t0;
	char url[128];
	int i;

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/v1/traces", closed_port());
	fast_conf(&c, url);
	c.backoff_ms = 20;
	ex = create(&c);
	spans3(sp, 6);
	t0 = mono_ns();
	assert_int_equal(trace_exporter_submit(ex, sp, 3, 0), 0);
	wait_requests(ex, 1);		/* the worker is retrying now */
	for (i = 0; i < TIMED; i++) {
		uint64_t s = mono_ns();

		assert_int_equal(trace_exporter_submit(ex, sp, 3, 0), 0);
		t[i] = ms_since(s);
	}
	qsort(t, TIMED, sizeof(t[0]), cmp_double);
	print_message("# submit while the worker retries: median %.1f us, max %.1f us\n",
		      t[TIMED / 2] * 1000, t[TIMED - 1] * 1000);
	assert_true(t[TIMED / 2] < 1.0);
	assert_true(t[TIMED - 1] < 50.0);	/* never the 140 ms of a retry cycle */

	assert_int_equal(trace_exporter_flush(ex, 10000), 0);
	trace_exporter_stats(ex, &st);
	/* 11 batches, each 140 ms of backoff at least, and bounded */
	assert_true(ms_since(t0) >= 11 * 140 * 0.95);
	assert_true(ms_since(t0) < 8000);
	assert_int_equal(st.batches_sent, 0);
	assert_int_equal(st.http_requests, 11 * 4);
	assert_int_equal(st.http_errors, 11 * 4);
	assert_int_equal(st.retries, 11 * 3);
	assert_int_equal(st.spans_dropped_after_retry, 33);
	assert_int_equal(st.last_http_status, 0);
	if (!strstr(st.last_error, "(attempt 4 of 4): Couldn't connect to server"))
		fail_msg("last_error: %s", st.last_error);
	trace_exporter_destroy(ex);
}

/* Queue full: batches and spans bounded; destroy does not wait out a retry. */
static void test_queue_full(void **state)
{
	struct trace_exporter_conf c;
	struct trace_exporter_stats st;
	struct trace_exporter *ex;
	struct trace_span sp[3];
	char url[128];
	uint64_t t0;
	int i;

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/v1/traces", closed_port());
	fast_conf(&c, url);
	c.backoff_ms = 10000;		/* the worker sits in its first backoff */
	c.backoff_max_ms = 10000;
	c.queue_batches = 3;
	c.queue_spans = 8;
	c.shutdown_timeout_ms = 0;
	ex = create(&c);
	spans3(sp, 7);
	assert_int_equal(trace_exporter_submit(ex, sp, 1, 0), 0);
	wait_requests(ex, 1);		/* in flight: out of the queue */
	assert_int_equal(trace_exporter_submit(ex, sp, 3, 0), 0);
	assert_int_equal(trace_exporter_submit(ex, sp, 3, 0), 0);
	assert_int_equal(trace_exporter_submit(ex, sp, 3, 0), -ENOSPC);	/* 9 > 8 spans */
	assert_int_equal(trace_exporter_submit(ex, sp, 2, 0), 0);	/* 8 spans, 3 batches */
	assert_int_equal(trace_exporter_submit(ex, sp, 1, 0), -ENOSPC);	/* 4 batches */
	trace_exporter_stats(ex, &st);
	assert_int_equal(st.queued_batches, 3);
	assert_int_equal(st.queued_spans, 8);
	assert_int_equal(st.batches_submitted, 4);
	assert_int_equal(st.spans_dropped_queue_full, 4);
	assert_non_null(strstr(st.last_error, "queue full"));
	for (i = 0; i < 100; i++)
		assert_int_equal(trace_exporter_submit(ex, sp, 1, 0), -ENOSPC);
	trace_exporter_stats(ex, &st);
	assert_int_equal(st.spans_dropped_queue_full, 104);
	assert_int_equal(trace_exporter_flush(ex, 50), -ETIMEDOUT);

	t0 = mono_ns();
	trace_exporter_destroy(ex);
	print_message("# destroy during a 10 s backoff: %.1f ms\n", ms_since(t0));
	assert_true(ms_since(t0) < 500);

	/* a batch larger than the whole queue never fits */
	fast_conf(&c, url);
	c.queue_spans = 2;
	ex = create(&c);
	assert_int_equal(trace_exporter_submit(ex, sp, 3, 0), -ENOSPC);
	trace_exporter_stats(ex, &st);
	assert_int_equal(st.spans_dropped_queue_full, 3);
	assert_non_null(strstr(st.last_error, "larger than the queue"));
	trace_exporter_destroy(ex);
}

/* A collector that never answers: flush times out on time, destroy aborts
 * the request in flight after shutdown_timeout_ms. */
static void test_hang_flush_destroy(void **state)
{
	struct rx *rx = rx_start(NULL, 0);
	struct trace_exporter_conf c;
	struct trace_exporter *ex;
	struct trace_span sp[3];
	char url[128];
	uint64_t t0;
	double ms;

	(void)state;
	rx->hang = true;
	rx_run(rx);
	rx_url(rx, url, sizeof(url));
	fast_conf(&c, url);
	c.timeout_ms = 10000;
	c.shutdown_timeout_ms = 100;
	ex = create(&c);
	spans3(sp, 8);
	assert_int_equal(trace_exporter_submit(ex, sp, 3, 0), 0);
	t0 = mono_ns();
	while (rx_count(rx) < 1 && ms_since(t0) < 5000)
		usleep(1000);
	assert_int_equal(rx_count(rx), 1);

	t0 = mono_ns();
	assert_int_equal(trace_exporter_flush(ex, 200), -ETIMEDOUT);
	ms = ms_since(t0);
	if (ms < 190 || ms > 1000)
		fail_msg("flush(200 ms) returned after %.1f ms", ms);

	t0 = mono_ns();
	trace_exporter_destroy(ex);
	ms = ms_since(t0);
	print_message("# destroy with a request hanging: %.1f ms (shutdown_timeout_ms 100)\n", ms);
	if (ms < 90 || ms > 600)
		fail_msg("destroy took %.1f ms", ms);
	rx_stop(rx);
}

/* A request that times out counts as a failed attempt and is retried. */
static void test_timeout_retry(void **state)
{
	struct rx *rx = rx_start(NULL, 0);
	struct trace_exporter_conf c;
	struct trace_exporter_stats st;
	struct trace_exporter *ex;
	struct trace_span sp[3];
	char url[128];
	uint64_t t0;

	(void)state;
	rx->hang = true;
	rx_run(rx);
	rx_url(rx, url, sizeof(url));
	fast_conf(&c, url);
	c.timeout_ms = 300;
	c.max_retries = 1;
	ex = create(&c);
	spans3(sp, 9);
	t0 = mono_ns();
	assert_int_equal(trace_exporter_submit(ex, sp, 3, 0), 0);
	assert_int_equal(trace_exporter_flush(ex, 5000), 0);
	assert_true(ms_since(t0) >= 590);
	assert_true(ms_since(t0) < 3000);
	trace_exporter_stats(ex, &st);
	assert_int_equal(st.http_requests, 2);
	assert_int_equal(st.http_errors, 2);
	assert_int_equal(st.spans_dropped_after_retry, 3);
	if (!strstr(st.last_error, "(attempt 2 of 2): Timeout was reached"))
		fail_msg("last_error: %s", st.last_error);
	assert_int_equal(rx_count(rx), 2);
	trace_exporter_destroy(ex);
	rx_stop(rx);
}

/* JSON lines: one valid document per line, appended. */
static void test_file_lines(void **state)
{
	char path[] = "/tmp/sov-export-XXXXXX";
	struct trace_exporter_conf c;
	struct trace_exporter_stats st;
	struct trace_exporter *ex;
	struct trace_span sp[3];
	struct trace_otlp_opts opts = { NULL, 0 };
	char *line = NULL, *want[5];
	size_t cap = 0;
	FILE *f;
	int fd, n = 0, i;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	trace_exporter_conf_default(&c);
	c.url = NULL;
	c.file = path;
	ex = create(&c);
	for (i = 0; i < 3; i++) {
		spans3(sp, 10 + (uint64_t)i);
		opts.keep = (unsigned int)i;
		want[i] = trace_otlp_encode(sp, (size_t)i + 1, &opts);
		assert_int_equal(trace_exporter_submit(ex, sp, (size_t)i + 1, (unsigned int)i), 0);
	}
	want[3] = strdup("{\"resourceSpans\":[]}");
	assert_int_equal(trace_exporter_submit_json(ex, want[3], strlen(want[3]), 0), 0);
	assert_int_equal(trace_exporter_submit_json(ex, "{}\n{}", 5, 0), -EINVAL);
	assert_int_equal(trace_exporter_submit_json(ex, "", 0, 0), -EINVAL);
	assert_int_equal(trace_exporter_submit(ex, sp, 0, 0), -EINVAL);
	assert_int_equal(trace_exporter_flush(ex, 5000), 0);
	trace_exporter_stats(ex, &st);
	assert_int_equal(st.file_batches, 4);
	assert_int_equal(st.file_spans, 6);
	assert_int_equal(st.file_errors, 0);
	assert_int_equal(st.http_requests, 0);
	trace_exporter_destroy(ex);

	/* a second exporter appends */
	ex = create(&c);
	spans3(sp, 20);
	want[4] = trace_otlp_encode(sp, 3, NULL);
	assert_int_equal(trace_exporter_submit(ex, sp, 3, 0), 0);
	trace_exporter_destroy(ex);		/* delivers what is queued */

	f = fopen(path, "r");
	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		struct json_object *doc, *rs;
		size_t len = strlen(line);

		assert_true(n < 5);
		assert_true(len > 1 && line[len - 1] == '\n');
		line[len - 1] = '\0';
		assert_string_equal(line, want[n]);
		doc = json_tokener_parse(line);
		assert_non_null(doc);
		assert_true(json_object_object_get_ex(doc, "resourceSpans", &rs));
		assert_true(json_object_is_type(rs, json_type_array));
		json_object_put(doc);
		n++;
	}
	assert_int_equal(n, 5);
	fclose(f);
	free(line);
	for (i = 0; i < 5; i++)
		free(want[i]);
	unlink(path);
}

struct submitter {
	struct trace_exporter *ex;
	int ok, full;
};

static void *submit_loop(void *arg)
{
	struct submitter *s = arg;
	struct trace_span sp[3];
	int i, r;

	spans3(sp, 30);
	for (i = 0; i < 200; i++) {
		r = trace_exporter_submit(s->ex, sp, 1 + (size_t)(i % 3), 0);
		if (r == 0)
			s->ok += 1 + i % 3;
		else if (r == -ENOSPC)
			s->full += 1 + i % 3;
		else
			fail_msg("submit: %d", r);
	}
	return NULL;
}

/* Four threads submitting at once: every span is sent or counted. */
static void test_threads(void **state)
{
	struct rx *rx = rx_start(NULL, 0);
	struct trace_exporter_conf c;
	struct trace_exporter_stats st;
	struct trace_exporter *ex;
	struct submitter s[4];
	pthread_t th[4];
	char url[128];
	int i, ok = 0, full = 0;

	(void)state;
	rx_run(rx);
	rx_url(rx, url, sizeof(url));
	fast_conf(&c, url);
	c.queue_batches = 16;
	ex = create(&c);
	for (i = 0; i < 4; i++) {
		s[i] = (struct submitter){ ex, 0, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, submit_loop, &s[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		ok += s[i].ok;
		full += s[i].full;
	}
	assert_int_equal(trace_exporter_flush(ex, 20000), 0);
	trace_exporter_stats(ex, &st);
	print_message("# 800 batches from 4 threads: %" PRIu64 " sent, %" PRIu64
		      " spans dropped (queue full)\n", st.batches_sent, st.spans_dropped_queue_full);
	assert_int_equal(ok + full, 4 * (67 * 1 + 67 * 2 + 66 * 3));
	assert_int_equal(st.spans_submitted, (uint64_t)ok);
	assert_int_equal(st.spans_sent, (uint64_t)ok);
	assert_int_equal(st.spans_dropped_queue_full, (uint64_t)full);
	assert_int_equal(st.batches_sent, st.batches_submitted);
	assert_int_equal(rx_count(rx), (int)st.batches_sent);
	trace_exporter_destroy(ex);
	rx_stop(rx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_post_exact),
		cmocka_unit_test(test_retry_then_delivered),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_permanent_400),
		cmocka_unit_test(test_partial_success),
		cmocka_unit_test(test_refused_bounded),
		cmocka_unit_test(test_queue_full),
		cmocka_unit_test(test_hang_flush_destroy),
		cmocka_unit_test(test_timeout_retry),
		cmocka_unit_test(test_file_lines),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
