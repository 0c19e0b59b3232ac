// SPDX-License-Identifier: GPL-2.0
/*
 * OTLP/JSON export: a bounded queue of batches, one worker thread that
 * encodes them (trace_otlp_encode) and delivers them by HTTP POST (libcurl,
 * multi interface so that destroy can abort a request at once) and/or as
 * JSON lines appended to a file. The caller's side (submit, stats, flush)
 * only ever takes the queue's mutex, which the worker never holds across
 * I/O or a wait.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "export.h"

#define URL_EXPECTED	"export url: expected http://HOST[:PORT]/PATH, got"
#define RESP_MAX	(64 * 1024)	/* response body kept for its message */

struct batch {
	struct batch *next;
	uint64_t seq;
	size_t nspans;
	unsigned int keep;
	char *doc;			/* submit_json: the document; else NULL */
	size_t doclen;
	struct trace_span spans[];	/* submit: the copies */
};

struct trace_exporter {
	pthread_mutex_t lock;
	pthread_cond_t wake;		/* worker: a batch, stop, abort */
	pthread_cond_t done;		/* flush: completed_seq moved */
	struct batch *head, *tail;
	uint32_t nbatches, nspans;	/* queued */
	uint64_t last_seq;		/* of the last batch queued */
	uint64_t completed_seq;		/* every batch up to it is done */
	bool stopping;			/* destroy: no more submits */
	atomic_bool abort;		/* destroy: drop everything now */
	struct trace_exporter_stats st;

	struct trace_exporter_conf conf;
	char *service_name;
	bool http;
	struct trace_export_url url;
	int fd;				/* the JSON-lines file, or -1 */
	pthread_t thread;

	/* the worker's own */
	CURL *easy;
	CURLM *multi;
	struct curl_slist *headers;
	char curl_err[CURL_ERROR_SIZE];
	char *resp;
	size_t resp_len;
	uint64_t retry_after_ms;
};

/* ------------------------------------------------------------------ */
/* URL                                                                 */
/* ------------------------------------------------------------------ */

static void set_err(char *err, size_t errsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errsz)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/* @s shown safely: at most 120 characters, non-printable ones as \xNN. */
static void quote(const char *s, char *out, size_t size)
{
	size_t i, o = 0;

	for (i = 0; s[i] && o + 8 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i == 120) {
			o += (size_t)snprintf(out + o, size - o, "...");
			break;
		}
		if (c < 0x20 || c >= 0x7f || c == '\'' || c == '\\')
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
}

static bool host_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

int trace_export_url_parse(const char *s, struct trace_export_url *out, char *err, size_t errsz)
{
	char q[512];
	const char *p, *h, *hend, *path;
	size_t hlen, i;
	unsigned long port = TRACE_EXPORT_DEFAULT_PORT;

	if (!s) {
		set_err(err, errsz, "%s nothing", URL_EXPECTED);
		return -EINVAL;
	}
	quote(s, q, sizeof(q));
	if (!*s) {
		set_err(err, errsz, "%s '': the URL is empty", URL_EXPECTED);
		return -EINVAL;
	}
	if (strlen(s) >= TRACE_EXPORT_URL_MAX) {
		set_err(err, errsz, "%s '%s': longer than %d characters", URL_EXPECTED, q,
			TRACE_EXPORT_URL_MAX - 1);
		return -EINVAL;
	}
	if (strncasecmp(s, "http://", 7)) {
		const char *colon = strstr(s, "://");

		if (colon)
			set_err(err, errsz, "%s '%s': the scheme must be http, not '%.*s'",
				URL_EXPECTED, q, (int)(colon - s) > 16 ? 16 : (int)(colon - s), s);
		else
			set_err(err, errsz, "%s '%s': no 'http://' at the start", URL_EXPECTED, q);
		return -EINVAL;
	}
	h = s + 7;
	for (p = h; *p && *p != '/' && *p != '?' && *p != '#'; p++)
		if (*p == '@') {
			set_err(err, errsz, "%s '%s': user information ('...@') is not supported",
				URL_EXPECTED, q);
			return -EINVAL;
		}
	if (*h == '[') {
		hend = strchr(h, ']');
		if (!hend || hend > p) {
			set_err(err, errsz, "%s '%s': '[' of an IPv6 address without its ']'",
				URL_EXPECTED, q);
			return -EINVAL;
		}
		for (i = 1; h + i < hend; i++)
			if (!isxdigit((unsigned char)h[i]) && h[i] != ':' && h[i] != '.') {
				set_err(err, errsz, "%s '%s': '%c' in the IPv6 address", URL_EXPECTED,
					q, h[i]);
				return -EINVAL;
			}
		hlen = (size_t)(hend - h - 1);
		h++;
		p = hend + 1;
	} else {
		for (p = h; host_char(*p); p++)
			;
		hlen = (size_t)(p - h);
	}
	if (!hlen) {
		set_err(err, errsz, "%s '%s': the host is empty", URL_EXPECTED, q);
		return -EINVAL;
	}
	if (hlen >= sizeof(out->host)) {
		set_err(err, errsz, "%s '%s': the host is longer than %zu characters", URL_EXPECTED,
			q, sizeof(out->host) - 1);
		return -EINVAL;
	}
	if (*p == ':') {
		const char *d = ++p;

		port = 0;
		while (isdigit((unsigned char)*p) && port <= 65535)
			port = port * 10 + (unsigned long)(*p++ - '0');
		if (p == d) {
			set_err(err, errsz, "%s '%s': no port number after ':'", URL_EXPECTED, q);
			return -EINVAL;
		}
		if (isdigit((unsigned char)*p) || port > 65535 || port == 0) {
			set_err(err, errsz, "%s '%s': the port must be 1 to 65535", URL_EXPECTED, q);
			return -EINVAL;
		}
	}
	if (*p && *p != '/') {
		set_err(err, errsz, "%s '%s': '%c' after the host%s", URL_EXPECTED, q, *p,
			*p == '?' || *p == '#' ? "" : " (the path starts with '/')");
		return -EINVAL;
	}
	path = *p ? p : TRACE_EXPORT_DEFAULT_PATH;
	for (i = 0; path[i]; i++) {
		unsigned char c = (unsigned char)path[i];

		if (c <= 0x20 || c >= 0x7f) {
			set_err(err, errsz, "%s '%s': %s at offset %zu of the path (percent-encode it)",
				URL_EXPECTED, q, c == ' ' ? "a space" : "a control or non-ASCII byte", i);
			return -EINVAL;
		}
		if (c == '#') {
			set_err(err, errsz, "%s '%s': a fragment ('#') has no meaning here",
				URL_EXPECTED, q);
			return -EINVAL;
		}
	}
	memcpy(out->host, h, hlen);
	out->host[hlen] = '\0';
	out->port = (uint16_t)port;
	snprintf(out->path, sizeof(out->path), "%s", path);
	snprintf(out->url, sizeof(out->url), "http://%s%s%s:%u%s", strchr(out->host, ':') ? "[" : "",
		 out->host, strchr(out->host, ':') ? "]" : "", out->port, out->path);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static void deadline_after(struct timespec *ts, uint64_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Under the lock. */
static void last_error(struct trace_exporter *ex, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void last_error(struct trace_exporter *ex, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ex->st.last_error, sizeof(ex->st.last_error), fmt, ap);
	va_end(ap);
}

static int cond_init_mono(pthread_cond_t *c)
{
	pthread_condattr_t a;
	int ret;

	if (pthread_condattr_init(&a))
		return -ENOMEM;
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	ret = pthread_cond_init(c, &a);
	pthread_condattr_destroy(&a);
	return ret ? -ret : 0;
}

/* ------------------------------------------------------------------ */
/* HTTP                                                                */
/* ------------------------------------------------------------------ */

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct trace_exporter *ex = arg;
	size_t n = size * nmemb, keep = n;

	if (ex->resp_len + keep > RESP_MAX)
		keep = RESP_MAX - ex->resp_len;
	if (keep) {
		memcpy(ex->resp + ex->resp_len, data, keep);
		ex->resp_len += keep;
		ex->resp[ex->resp_len] = '\0';
	}
	return n;
}

/* Retry-After in delay-seconds (an HTTP-date is ignored). */
static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct trace_exporter *ex = arg;
	size_t n = size * nmemb, i = 12;
	uint64_t v = 0;

	if (n >= 5 && !strncmp(data, "HTTP/", 5))
		ex->retry_after_ms = 0;		/* a new response (after a 1xx) */
	if (n < 13 || strncasecmp(data, "retry-after:", 12))
		return n;
	while (i < n && (data[i] == ' ' || data[i] == '\t'))
		i++;
	if (i == n || !isdigit((unsigned char)data[i]))
		return n;
	while (i < n && isdigit((unsigned char)data[i]) && v < 1000000)
		v = v * 10 + (uint64_t)(data[i++] - '0');
	ex->retry_after_ms = v * 1000;
	return n;
}

static bool retryable_status(long status)
{
	/* OTLP/HTTP: "Throttling" and the transient server errors */
	return status == 429 || status == 502 || status == 503 || status == 504;
}

/* The response body's message for last_error: OTLP's Status.message when
 * the body is JSON, else its first line, printable characters only. */
static void resp_message(struct trace_exporter *ex, char *out, size_t size)
{
	struct json_object *doc = NULL, *m;
	const char *s = ex->resp;
	size_t o = 0;

	out[0] = '\0';
	if (!ex->resp_len)
		return;
	doc = json_tokener_parse(ex->resp);
	if (doc && json_object_object_get_ex(doc, "message", &m) &&
	    json_object_is_type(m, json_type_string))
		s = json_object_get_string(m);
	for (; *s && *s != '\n' && o + 1 < size && o < 160; s++)
		out[o++] = isprint((unsigned char)*s) ? *s : '?';
	out[o] = '\0';
	json_object_put(doc);
}

/* A 2xx answer's partialSuccess: rejected spans (or -1: none). */
static int64_t partial_rejected(struct trace_exporter *ex, char *msg, size_t size)
{
	struct json_object *doc, *ps, *v;
	int64_t rejected = -1;

	msg[0] = '\0';
	if (!ex->resp_len)
		return -1;
	doc = json_tokener_parse(ex->resp);
	if (doc && json_object_object_get_ex(doc, "partialSuccess", &ps) &&
	    json_object_is_type(ps, json_type_object)) {
		rejected = 0;
		if (json_object_object_get_ex(ps, "rejectedSpans", &v))
			rejected = json_object_get_int64(v);	/* a string or a number */
		if (json_object_object_get_ex(ps, "errorMessage", &v) &&
		    json_object_is_type(v, json_type_string))
			snprintf(msg, size, "%s", json_object_get_string(v));
	}
	json_object_put(doc);
	return rejected;
}

enum post_result { POST_OK, POST_RETRY, POST_PERMANENT, POST_ABORTED };

/* One attempt. Sets @status (0: no answer) and @why (for last_error). */
static enum post_result http_post(struct trace_exporter *ex, const char *doc, size_t len,
				  long *status, char *why, size_t whysz)
{
	CURLcode res = CURLE_OK;
	CURLMcode mc;
	CURLMsg *msg;
	bool done = false;
	int running = 1, left;

	*status = 0;
	ex->resp_len = 0;
	ex->resp[0] = '\0';
	ex->retry_after_ms = 0;
	ex->curl_err[0] = '\0';
	curl_easy_setopt(ex->easy, CURLOPT_POSTFIELDS, doc);
	curl_easy_setopt(ex->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	mc = curl_multi_add_handle(ex->multi, ex->easy);
	if (mc != CURLM_OK) {
		snprintf(why, whysz, "curl: %s", curl_multi_strerror(mc));
		return POST_RETRY;
	}
	for (;;) {
		mc = curl_multi_perform(ex->multi, &running);
		if (mc != CURLM_OK) {
			res = CURLE_FAILED_INIT;
			snprintf(ex->curl_err, sizeof(ex->curl_err), "%s", curl_multi_strerror(mc));
			break;
		}
		while ((msg = curl_multi_info_read(ex->multi, &left)))
			if (msg->msg == CURLMSG_DONE && msg->easy_handle == ex->easy) {
				res = msg->data.result;
				done = true;
			}
		if (done || !running)
			break;
		if (atomic_load(&ex->abort))
			break;
		/* curl_multi_wakeup() from destroy ends the wait at once */
		curl_multi_poll(ex->multi, NULL, 0, 100, NULL);
	}
	curl_multi_remove_handle(ex->multi, ex->easy);
	if (!done && atomic_load(&ex->abort)) {
		snprintf(why, whysz, "aborted by shutdown");
		return POST_ABORTED;
	}
	if (!done) {
		snprintf(why, whysz, "curl: %.200s",
			 ex->curl_err[0] ? ex->curl_err : "transfer ended without a result");
		return POST_RETRY;
	}
	if (res != CURLE_OK) {
		snprintf(why, whysz, "%.60s%s%.180s", curl_easy_strerror(res),
			 ex->curl_err[0] ? ": " : "", ex->curl_err);
		return POST_RETRY;		/* refused, unreachable, timed out: transient */
	}
	curl_easy_getinfo(ex->easy, CURLINFO_RESPONSE_CODE, status);
	if (*status >= 200 && *status < 300)
		return POST_OK;
	{
		char m[200];

		resp_message(ex, m, sizeof(m));
		snprintf(why, whysz, "HTTP %ld%s%s", *status, m[0] ? ": " : "", m);
	}
	return retryable_status(*status) ? POST_RETRY : POST_PERMANENT;
}

/* Wait @ms or until destroy aborts. */
static void backoff_wait(struct trace_exporter *ex, uint64_t ms)
{
	struct timespec ts;

	deadline_after(&ts, ms);
	pthread_mutex_lock(&ex->lock);
	while (!atomic_load(&ex->abort))
		if (pthread_cond_timedwait(&ex->wake, &ex->lock, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&ex->lock);
}

static void http_deliver(struct trace_exporter *ex, const char *doc, size_t len, size_t n)
{
	uint32_t attempt, attempts = ex->conf.max_retries + 1;
	char why[TRACE_EXPORT_ERR_MAX];
	enum post_result r;
	long status;

	for (attempt = 0;; attempt++) {
		if (atomic_load(&ex->abort)) {
			pthread_mutex_lock(&ex->lock);
			ex->st.spans_dropped_shutdown += n;
			pthread_mutex_unlock(&ex->lock);
			return;
		}
		r = http_post(ex, doc, len, &status, why, sizeof(why));

		pthread_mutex_lock(&ex->lock);
		if (r != POST_ABORTED) {
			ex->st.http_requests++;
			if (attempt)
				ex->st.retries++;
			if (status)
				ex->st.last_http_status = (int)status;
		}
		if (r == POST_OK) {
			char m[160];
			int64_t rej = partial_rejected(ex, m, sizeof(m));

			ex->st.batches_sent++;
			ex->st.spans_sent += n;
			if (rej > 0 || m[0]) {
				if (rej > 0)
					ex->st.spans_rejected_partial += (uint64_t)rej;
				last_error(ex, "POST %s: partial success, %" PRId64 " spans rejected%s%s",
					   ex->url.url, rej > 0 ? rej : 0, m[0] ? ": " : "", m);
			}
			pthread_mutex_unlock(&ex->lock);
			return;
		}
		if (r == POST_ABORTED) {
			ex->st.spans_dropped_shutdown += n;
			pthread_mutex_unlock(&ex->lock);
			return;
		}
		ex->st.http_errors++;
		last_error(ex, "POST %s (attempt %u of %u): %s", ex->url.url, attempt + 1,
			   r == POST_PERMANENT ? attempt + 1 : attempts, why);
		if (r == POST_PERMANENT) {
			ex->st.spans_dropped_rejected += n;
			pthread_mutex_unlock(&ex->lock);
			return;
		}
		if (attempt + 1 >= attempts) {
			ex->st.spans_dropped_after_retry += n;
			pthread_mutex_unlock(&ex->lock);
			return;
		}
		pthread_mutex_unlock(&ex->lock);

		{
			uint64_t wait = (uint64_t)ex->conf.backoff_ms << (attempt < 32 ? attempt : 32);

			if (wait < ex->retry_after_ms)
				wait = ex->retry_after_ms;
			if (wait > ex->conf.backoff_max_ms)
				wait = ex->conf.backoff_max_ms;
			backoff_wait(ex, wait);
		}
	}
}

/* ------------------------------------------------------------------ */
/* The file                                                            */
/* ------------------------------------------------------------------ */

static void file_deliver(struct trace_exporter *ex, const char *doc, size_t len, size_t n)
{
	struct iovec iov[2] = { { (void *)doc, len }, { (void *)"\n", 1 } };
	size_t total = len + 1, done = 0;
	int e = 0;

	while (done < total) {
		ssize_t w;

		if (done < len) {
			iov[0].iov_base = (char *)doc + done;
			iov[0].iov_len = len - done;
			w = writev(ex->fd, iov, 2);
		} else {
			w = write(ex->fd, "\n", 1);
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			e = w < 0 ? errno : EIO;
			break;
		}
		done += (size_t)w;
	}
	pthread_mutex_lock(&ex->lock);
	if (e) {
		ex->st.file_errors++;
		last_error(ex, "export file '%s': %s", ex->conf.file, strerror(e));
	} else {
		ex->st.file_batches++;
		ex->st.file_spans += n;
	}
	pthread_mutex_unlock(&ex->lock);
}

/* ------------------------------------------------------------------ */
/* The worker                                                          */
/* ------------------------------------------------------------------ */

static void deliver(struct trace_exporter *ex, struct batch *b)
{
	struct trace_otlp_opts opts = { ex->service_name, b->keep };
	char *doc = b->doc;
	size_t len = b->doclen;

	if (!doc) {
		doc = trace_otlp_encode(b->spans, b->nspans, &opts);
		if (!doc) {
			pthread_mutex_lock(&ex->lock);
			ex->st.spans_dropped_encode += b->nspans;
			last_error(ex, "export: cannot encode a batch of %zu spans: out of memory",
				   b->nspans);
			pthread_mutex_unlock(&ex->lock);
			return;
		}
		len = strlen(doc);
	}
	if (ex->fd >= 0)
		file_deliver(ex, doc, len, b->nspans);
	if (ex->http)
		http_deliver(ex, doc, len, b->nspans);
	if (doc != b->doc)
		free(doc);
}

static void *worker(void *arg)
{
	struct trace_exporter *ex = arg;
	struct batch *b;

	pthread_mutex_lock(&ex->lock);
	for (;;) {
		while (!ex->head && !ex->stopping)
			pthread_cond_wait(&ex->wake, &ex->lock);
		b = ex->head;
		if (!b)
			break;			/* stopping and nothing left */
		ex->head = b->next;
		if (!ex->head)
			ex->tail = NULL;
		ex->nbatches--;
		ex->nspans -= (uint32_t)b->nspans;
		if (atomic_load(&ex->abort)) {
			ex->st.spans_dropped_shutdown += b->nspans;
		} else {
			pthread_mutex_unlock(&ex->lock);
			deliver(ex, b);
			pthread_mutex_lock(&ex->lock);
		}
		ex->completed_seq = b->seq;
		pthread_cond_broadcast(&ex->done);
		free(b->doc);
		free(b);
	}
	pthread_mutex_unlock(&ex->lock);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* API                                                                 */
/* ------------------------------------------------------------------ */

void trace_exporter_conf_default(struct trace_exporter_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->url = TRACE_EXPORT_DEFAULT_URL;
	conf->queue_batches = 64;
	conf->queue_spans = 8192;
	conf->connect_timeout_ms = 1000;
	conf->timeout_ms = 3000;
	conf->max_retries = 3;
	conf->backoff_ms = 100;
	conf->backoff_max_ms = 2000;
	conf->shutdown_timeout_ms = 1000;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void curl_init(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int http_setup(struct trace_exporter *ex, char *err, size_t errsz)
{
	CURL *e;

	pthread_once(&curl_once, curl_init);
	if (curl_init_result != CURLE_OK) {
		set_err(err, errsz, "export: libcurl: %s", curl_easy_strerror(curl_init_result));
		return -EIO;
	}
	ex->resp = malloc(RESP_MAX + 1);
	ex->easy = e = curl_easy_init();
	ex->multi = curl_multi_init();
	ex->headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (ex->headers)
		ex->headers = curl_slist_append(ex->headers, "Expect:");	/* no 100-continue wait */
	if (!ex->resp || !e || !ex->multi || !ex->headers) {
		set_err(err, errsz, "export: libcurl: out of memory");
		return -ENOMEM;
	}
	ex->resp[0] = '\0';
	if (curl_easy_setopt(e, CURLOPT_URL, ex->url.url) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http") != CURLE_OK) {
		set_err(err, errsz, "export: libcurl refuses the URL '%s'", ex->url.url);
		return -EINVAL;
	}
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, ex->headers);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "sovereign-trace-export");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");	/* collectors are reached directly */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)ex->conf.connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)ex->conf.timeout_ms);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, ex->curl_err);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, ex);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, ex);
	return 0;
}

static void exporter_free(struct trace_exporter *ex)
{
	if (ex->multi)
		curl_multi_cleanup(ex->multi);
	if (ex->easy)
		curl_easy_cleanup(ex->easy);
	curl_slist_free_all(ex->headers);
	if (ex->fd >= 0)
		close(ex->fd);
	free(ex->resp);
	free(ex->service_name);
	free((char *)ex->conf.file);
	free(ex);
}

struct trace_exporter *trace_exporter_create(const struct trace_exporter_conf *conf,
					     char *err, size_t errsz)
{
	struct trace_exporter *ex;
	sigset_t all, old;
	int ret = -EINVAL;

	set_err(err, errsz, "%s", "");
	if (!conf || ((!conf->url || !*conf->url) && (!conf->file || !*conf->file))) {
		set_err(err, errsz, "export: nothing to export to (set a collector URL or a file)");
		errno = EINVAL;
		return NULL;
	}
	if (!conf->queue_batches || !conf->queue_spans) {
		set_err(err, errsz, "export: queue_batches and queue_spans must be at least 1");
		errno = EINVAL;
		return NULL;
	}
	if (!conf->connect_timeout_ms || !conf->timeout_ms) {
		set_err(err, errsz, "export: connect_timeout_ms and timeout_ms must be at least 1");
		errno = EINVAL;
		return NULL;
	}
	ex = calloc(1, sizeof(*ex));
	if (!ex) {
		set_err(err, errsz, "export: out of memory");
		return NULL;
	}
	ex->fd = -1;
	ex->conf = *conf;
	ex->conf.url = NULL;
	ex->conf.file = NULL;
	if (conf->file && *conf->file && !(ex->conf.file = strdup(conf->file)))
		goto nomem;
	if (conf->service_name && !(ex->service_name = strdup(conf->service_name)))
		goto nomem;
	if (conf->url && *conf->url) {
		ret = trace_export_url_parse(conf->url, &ex->url, err, errsz);
		if (ret)
			goto fail;
		ex->http = true;
		ret = http_setup(ex, err, errsz);
		if (ret)
			goto fail;
	}
	if (ex->conf.file) {
		ex->fd = open(ex->conf.file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (ex->fd < 0) {
			ret = -errno;
			set_err(err, errsz, "export file '%s': %s", ex->conf.file, strerror(errno));
			goto fail;
		}
	}
	atomic_init(&ex->abort, false);
	if (pthread_mutex_init(&ex->lock, NULL) || cond_init_mono(&ex->wake)) {
		set_err(err, errsz, "export: cannot make the queue's lock");
		ret = -ENOMEM;
		goto fail;
	}
	if (cond_init_mono(&ex->done)) {
		pthread_cond_destroy(&ex->wake);
		pthread_mutex_destroy(&ex->lock);
		set_err(err, errsz, "export: cannot make the queue's lock");
		ret = -ENOMEM;
		goto fail;
	}
	/* the worker takes no signals: they are the daemon's loop's */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = -pthread_create(&ex->thread, NULL, worker, ex);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		set_err(err, errsz, "export: cannot start the worker thread: %s", strerror(-ret));
		pthread_cond_destroy(&ex->done);
		pthread_cond_destroy(&ex->wake);
		pthread_mutex_destroy(&ex->lock);
		goto fail;
	}
	return ex;
nomem:
	set_err(err, errsz, "export: out of memory");
	ret = -ENOMEM;
fail:
	exporter_free(ex);
	errno = -ret;
	return NULL;
}

/* Queue @b (n spans) or refuse it; frees it when refused. */
static int enqueue(struct trace_exporter *ex, struct batch *b)
{
	pthread_mutex_lock(&ex->lock);
	if (ex->stopping) {
		pthread_mutex_unlock(&ex->lock);
		free(b->doc);
		free(b);
		return -ESHUTDOWN;
	}
	if (ex->nbatches >= ex->conf.queue_batches ||
	    b->nspans > ex->conf.queue_spans - ex->nspans) {
		ex->st.spans_dropped_queue_full += b->nspans;
		last_error(ex, "export: queue full (%u batches, %u spans): %zu spans dropped",
			   ex->nbatches, ex->nspans, b->nspans);
		pthread_mutex_unlock(&ex->lock);
		free(b->doc);
		free(b);
		return -ENOSPC;
	}
	b->seq = ++ex->last_seq;
	b->next = NULL;
	if (ex->tail)
		ex->tail->next = b;
	else
		ex->head = b;
	ex->tail = b;
	ex->nbatches++;
	ex->nspans += (uint32_t)b->nspans;
	ex->st.batches_submitted++;
	ex->st.spans_submitted += b->nspans;
	pthread_cond_signal(&ex->wake);
	pthread_mutex_unlock(&ex->lock);
	return 0;
}

static int refuse_big(struct trace_exporter *ex, size_t n)
{
	pthread_mutex_lock(&ex->lock);
	ex->st.spans_dropped_queue_full += n;
	last_error(ex, "export: a batch of %zu spans is larger than the queue (%u spans)", n,
		   ex->conf.queue_spans);
	pthread_mutex_unlock(&ex->lock);
	return -ENOSPC;
}

int trace_exporter_submit(struct trace_exporter *ex, const struct trace_span *spans, size_t n,
			  unsigned int keep)
{
	struct batch *b;

	if (!ex || !spans || !n)
		return -EINVAL;
	if (n > ex->conf.queue_spans)
		return refuse_big(ex, n);
	b = malloc(sizeof(*b) + n * sizeof(*spans));
	if (!b)
		return -ENOMEM;
	memcpy(b->spans, spans, n * sizeof(*spans));
	b->nspans = n;
	b->keep = keep;
	b->doc = NULL;
	b->doclen = 0;
	return enqueue(ex, b);
}

int trace_exporter_submit_rec(struct trace_exporter *ex, const struct trace_rec *rec)
{
	if (!rec)
		return -EINVAL;
	return trace_exporter_submit(ex, rec->spans, rec->nspans, rec->keep);
}

int trace_exporter_submit_json(struct trace_exporter *ex, const char *doc, size_t len,
			       size_t nspans)
{
	struct batch *b;

	if (!ex || !doc || !len || memchr(doc, '\n', len) || memchr(doc, '\0', len))
		return -EINVAL;
	if (nspans > ex->conf.queue_spans)
		return refuse_big(ex, nspans);
	b = malloc(sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->doc = malloc(len + 1);
	if (!b->doc) {
		free(b);
		return -ENOMEM;
	}
	memcpy(b->doc, doc, len);
	b->doc[len] = '\0';
	b->doclen = len;
	b->nspans = nspans;
	b->keep = 0;
	return enqueue(ex, b);
}

void trace_exporter_stats(struct trace_exporter *ex, struct trace_exporter_stats *st)
{
	pthread_mutex_lock(&ex->lock);
	*st = ex->st;
	st->queued_batches = ex->nbatches;
	st->queued_spans = ex->nspans;
	pthread_mutex_unlock(&ex->lock);
}

int trace_exporter_flush(struct trace_exporter *ex, uint32_t timeout_ms)
{
	struct timespec ts;
	uint64_t target;
	int ret = 0;

	deadline_after(&ts, timeout_ms);
	pthread_mutex_lock(&ex->lock);
	target = ex->last_seq;
	while (ex->completed_seq < target)
		if (pthread_cond_timedwait(&ex->done, &ex->lock, &ts) == ETIMEDOUT) {
			if (ex->completed_seq < target)
				ret = -ETIMEDOUT;
			break;
		}
	pthread_mutex_unlock(&ex->lock);
	return ret;
}

void trace_exporter_destroy(struct trace_exporter *ex)
{
	if (!ex)
		return;
	pthread_mutex_lock(&ex->lock);
	ex->stopping = true;
	pthread_cond_broadcast(&ex->wake);
	pthread_mutex_unlock(&ex->lock);

	trace_exporter_flush(ex, ex->conf.shutdown_timeout_ms);

	pthread_mutex_lock(&ex->lock);
	atomic_store(&ex->abort, true);
	pthread_cond_broadcast(&ex->wake);	/* a backoff wait */
	pthread_mutex_unlock(&ex->lock);
	if (ex->multi)
		curl_multi_wakeup(ex->multi);	/* a request in flight */
	pthread_join(ex->thread, NULL);

	pthread_cond_destroy(&ex->done);
	pthread_cond_destroy(&ex->wake);
	pthread_mutex_destroy(&ex->lock);
	exporter_free(ex);
}
