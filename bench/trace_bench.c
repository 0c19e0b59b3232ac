// SPDX-License-Identifier: GPL-2.0
/*
 * trace-bench: lib/trace's costs for make bench-trace (bench/trace.sh adds
 * the Raft write workload). In one process, each figure next to a
 * reference measured in the same run:
 *
 *   span      ns per span recorded in process (begin, an attribute, end
 *             into the thread's ring), and end to end at 100 % sampling:
 *             recorded, drained, stored, observed, tail-decided; against
 *             one reading of the span clock
 *   bpf       ns a traced getpid() costs more than one with the programs
 *             detached (one kernel span: two programs, the histogram, the
 *             ring), with the intermediate states and the reader's cost
 *   hist      ns per histogram insert, against the clock reading
 *   export    spans/s through the exporter (queue, worker, OTLP/JSON) to an
 *             OTLP/HTTP receiver in this process on 127.0.0.1 that reads
 *             each POST and answers 200, and to a JSON-lines file; against
 *             trace_otlp_encode() alone on this thread
 *
 * The last line is for bench/trace.sh:
 *   trace-bench: clock_ns=N span_ns=N e2e_ns=N e2e1_ns=N bpf_event_ns=N
 *   hist_ns=N encode_sps=N http_sps=N http8_sps=N file_sps=N
 * (Documentation/trace.rst, "Benchmark").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../lib/trace/bpf_collect.h"
#include "../lib/trace/export.h"
#include "../lib/trace/trace.h"

static uint32_t n_spans = 1000000;	/* -n: spans per round */
static unsigned int rounds = 5;		/* -r */
static uint32_t bpf_calls = 200000;	/* -b: getpid() per mode and round; 0: skip */
static uint32_t export_spans = 200000;	/* -x: spans per export run */
static const char *work = "build/bench-trace";	/* -w: the JSON-lines file goes here */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "trace-bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static double now_s(void)
{
	return (double)trace_clock_mono_ns() / 1e9;
}

/* ns per reading of the span clock, the unit the in-process figures are given in */
static double clock_ns(void)
{
	double best = INFINITY;
	volatile uint64_t sink = 0;	/* keeps the readings from being optimised away */
	unsigned int r;
	uint32_t i;

	for (r = 0; r < rounds; r++) {
		uint64_t t0 = trace_clock_mono_ns(), t1;

		for (i = 0; i < n_spans; i++)
			sink += trace_clock_mono_ns();
		t1 = trace_clock_mono_ns();
		if ((double)(t1 - t0) / n_spans < best)
			best = (double)(t1 - t0) / n_spans;
	}
	(void)sink;
	return best;
}

/* ---- an OTLP/HTTP receiver: reads each POST whole, answers 200 ---------------------- */

struct receiver {
	int lfd;
	uint16_t port;
	pthread_t t;
	atomic_bool stop;
	uint64_t requests, bytes, bad;
	char *buf;
	size_t cap;
};

static const char ok_reply[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			       "Content-Length: 2\r\n\r\n{}";

/* wait for @fd to be readable, looking at the stop flag every 100 ms */
static bool wait_readable(struct receiver *rv, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (!atomic_load(&rv->stop)) {
		int r = poll(&p, 1, 100);

		if (r > 0)
			return true;
		if (r < 0 && errno != EINTR)
			return false;
	}
	return false;
}

/* the Content-Length of the header block @h (NUL-ended), -1 if none */
static long content_length(const char *h)
{
	const char *p;

	for (p = strstr(h, "\r\n"); p; p = strstr(p + 2, "\r\n"))
		if (!strncasecmp(p + 2, "content-length:", 15))
			return strtol(p + 17, NULL, 10);
	return -1;
}

/* one connection's requests, until it closes */
static void serve(struct receiver *rv, int fd)
{
	size_t len = 0;

	for (;;) {
		char *end;
		size_t hlen;
		long clen;
		ssize_t r;

		/* the header block, then the body, with what follows kept for the next */
		rv->buf[len] = '\0';
		end = strstr(rv->buf, "\r\n\r\n");
		if (end) {
			hlen = (size_t)(end - rv->buf) + 4;
			*end = '\0';
			clen = content_length(rv->buf);
			*end = '\r';
			if (clen < 0 || strncmp(rv->buf, "POST ", 5)) {
				rv->bad++;
				return;
			}
			if (hlen + (size_t)clen + 1 > rv->cap) {
				rv->cap = hlen + (size_t)clen + 1;
				rv->buf = realloc(rv->buf, rv->cap);
				if (!rv->buf)
					die("out of memory");
			}
			if (len >= hlen + (size_t)clen) {
				if (send(fd, ok_reply, sizeof(ok_reply) - 1, MSG_NOSIGNAL) < 0)
					return;
				rv->requests++;
				rv->bytes += (uint64_t)clen;
				len -= hlen + (size_t)clen;
				memmove(rv->buf, rv->buf + hlen + clen, len);
				continue;
			}
		}
		if (len + 1 >= rv->cap) {
			rv->cap *= 2;
			rv->buf = realloc(rv->buf, rv->cap);
			if (!rv->buf)
				die("out of memory");
		}
		if (!wait_readable(rv, fd))
			return;
		r = recv(fd, rv->buf + len, rv->cap - len - 1, 0);
		if (r <= 0)
			return;
		len += (size_t)r;
	}
}

static void *receiver_main(void *arg)
{
	struct receiver *rv = arg;

	while (wait_readable(rv, rv->lfd)) {
		int fd = accept(rv->lfd, NULL, NULL);

		if (fd < 0)
			continue;
		serve(rv, fd);
		close(fd);
	}
	return NULL;
}

static void receiver_start(struct receiver *rv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);

	memset(rv, 0, sizeof(*rv));
	rv->cap = 1 << 20;
	rv->buf = malloc(rv->cap);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rv->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!rv->buf || rv->lfd < 0 || bind(rv->lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(rv->lfd, 16) || getsockname(rv->lfd, (struct sockaddr *)&sa, &sl))
		die("receiver: %s", strerror(errno));
	rv->port = ntohs(sa.sin_port);
	if (pthread_create(&rv->t, NULL, receiver_main, rv))
		die("receiver: pthread_create");
}

static void receiver_stop(struct receiver *rv)
{
	atomic_store(&rv->stop, true);
	pthread_join(rv->t, NULL);
	close(rv->lfd);
	free(rv->buf);
}

/* ---- export -------------------------------------------------------------------------- */

/*
 * A trace's worth of spans as sovereignd would hand them over: one trace,
 * a root and children, two attributes each, on node 1.
 */
static struct trace_span *make_spans(size_t n)
{
	static const char *const names[] = { "raft.propose", "raft.append", "wal.fsync",
					      "raft.commit", "kv.apply" };
	struct trace_span *sp = calloc(n, sizeof(*sp));
	struct trace_id id;
	uint64_t t = trace_clock_now_ns();
	size_t i;

	if (!sp)
		die("out of memory");
	trace_id_random(&id);
	for (i = 0; i < n; i++) {
		sp[i].trace_id = id;
		sp[i].span_id = trace_span_id_random();
		sp[i].parent_id = i ? sp[0].span_id : 0;
		sp[i].name = i ? names[i % 5] : "kv.put";
		sp[i].kind = i ? TRACE_KIND_INTERNAL : TRACE_KIND_SERVER;
		sp[i].start_ns = t + i * 1000;
		sp[i].end_ns = t + i * 1000 + 25000;
		sp[i].node_id = 1;
		sp[i].flags = TRACE_FLAG_SAMPLED | TRACE_FLAG_RANDOM;
		trace_span_attr_int(&sp[i], "raft.index", (int64_t)(100000 + i));
		trace_span_attr_str(&sp[i], "kv.key", "bench/c3/42");
	}
	return sp;
}

/* spans/s of trace_otlp_encode() alone, this thread: the exporter's floor */
static double encode_sps(const struct trace_span *sp, size_t batch)
{
	struct trace_otlp_opts o = { .keep = TRACE_KEEP_SAMPLED };
	double best = 0;
	unsigned int r;

	for (r = 0; r < rounds; r++) {
		uint64_t done = 0;
		double t0 = now_s(), t;

		while (done < export_spans) {
			char *doc = trace_otlp_encode(sp, batch, &o);

			if (!doc)
				die("trace_otlp_encode: out of memory");
			free(doc);
			done += batch;
		}
		t = now_s() - t0;
		if ((double)done / t > best)
			best = (double)done / t;
	}
	return best;
}

/*
 * spans/s through an exporter to @url and/or @file: submit batches of @batch
 * (waiting 20 us when the queue is full) until export_spans are queued,
 * then flush; from the first submit to the flush's return.
 */
static double export_sps(const char *url, const char *file, const struct trace_span *sp,
			 size_t batch, struct trace_exporter_stats *st)
{
	struct trace_exporter_conf c;
	struct trace_exporter *ex;
	char err[TRACE_EXPORT_ERR_MAX];
	const struct timespec pause = { 0, 20000 };
	uint64_t queued = 0;
	double t0, t;

	trace_exporter_conf_default(&c);
	c.url = url;
	c.file = file;
	ex = trace_exporter_create(&c, err, sizeof(err));
	if (!ex)
		die("exporter: %s", err);
	t0 = now_s();
	while (queued < export_spans) {
		int ret = trace_exporter_submit(ex, sp, batch, TRACE_KEEP_SAMPLED);

		if (ret == -ENOSPC) {
			nanosleep(&pause, NULL);
			continue;
		}
		if (ret)
			die("trace_exporter_submit: %s", strerror(-ret));
		queued += batch;
	}
	if (trace_exporter_flush(ex, 120000))
		die("export to %s: not flushed within 120 s", url ? url : file);
	t = now_s() - t0;
	trace_exporter_stats(ex, st);
	trace_exporter_destroy(ex);
	/* the queue-full refusals above were retried: every span must have arrived */
	if ((url && st->spans_sent != queued) || (file && st->file_spans != queued))
		die("export to %s: %llu spans queued, %llu sent, %llu written (%s)",
		    url ? url : file, (unsigned long long)queued,
		    (unsigned long long)st->spans_sent, (unsigned long long)st->file_spans,
		    st->last_error);
	return (double)queued / t;
}

/* ---- the run ------------------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr,
		"usage: trace-bench [-n SPANS] [-r ROUNDS] [-b CALLS] [-x SPANS] [-w DIR]\n"
		"  -n  spans (clock readings, inserts x4) per round (1000000)\n"
		"  -r  rounds; each figure is the best of them (5)\n"
		"  -b  getpid() calls per BPF mode and round (200000; 0: no BPF part)\n"
		"  -x  spans per export run (200000)\n"
		"  -w  directory for the JSON-lines file, on the disk (build/bench-trace)\n");
	exit(2);
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

int main(int argc, char **argv)
{
	struct trace_exporter_stats st_http, st_http8, st_file;
	struct trace_bpf_bench bb = { 0 };
	struct trace_span *sp256, *sp8;
	struct receiver rv;
	double clk, span, e2e, e2e1, hist, enc, enc8, http, http8, file;
	uint64_t errs = 0, errs1 = 0;
	char url[64], path[300];
	int opt, bpf_err = 0;

	while ((opt = getopt(argc, argv, "n:r:b:x:w:h")) != -1) {
		switch (opt) {
		case 'n': n_spans = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'r': rounds = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'b': bpf_calls = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'x': export_spans = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'w': work = optarg; break;
		default: usage();
		}
	}
	if (n_spans < 1000 || !rounds || rounds > 100 || export_spans < 256)
		usage();
	signal(SIGPIPE, SIG_IGN);
	trace_clock_sync();

	clk = clock_ns();
	span = trace_bench_span_ns(n_spans, rounds);
	e2e = trace_bench_e2e_ns(n_spans, 8, rounds, &errs);
	e2e1 = trace_bench_e2e_ns(n_spans, 1, rounds, &errs1);
	hist = trace_bench_hist_ns(4 * n_spans, rounds);
	if (span < 0 || e2e < 0 || e2e1 < 0 || hist < 0)
		die("out of memory");
	if (errs || errs1)
		die("end to end: %llu spans refused by the store", (unsigned long long)(errs + errs1));
	if (bpf_calls)
		bpf_err = trace_bpf_bench(bpf_calls, rounds, &bb);

	sp256 = make_spans(256);
	sp8 = make_spans(8);
	enc = encode_sps(sp256, 256);
	enc8 = encode_sps(sp8, 8);
	receiver_start(&rv);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/v1/traces", rv.port);
	http = export_sps(url, NULL, sp256, 256, &st_http);
	http8 = export_sps(url, NULL, sp8, 8, &st_http8);
	receiver_stop(&rv);
	if (rv.bad)
		die("receiver: %llu malformed requests", (unsigned long long)rv.bad);
	if (mkdir(work, 0755) && errno != EEXIST)
		die("%s: %s", work, strerror(errno));
	snprintf(path, sizeof(path), "%s/spans.jsonl", work);
	unlink(path);
	file = export_sps(NULL, path, sp256, 256, &st_file);
	unlink(path);
	free(sp256);
	free(sp8);

	printf("trace bench: lib/trace on this host (%ld CPUs), -O2; each figure the best of %u\n"
	       "  rounds, next to a reference measured in the same run\n\n",
	       sysconf(_SC_NPROCESSORS_ONLN), rounds);
	printf("  %-48s %10s %10s\n", "in process, per operation", "ns", "x clock");
	printf("  %-48s %10.1f %10s\n", "span clock reading (reference)", clk, "1.00");
	printf("  %-48s %10.1f %10.2f\n", "span recorded (begin, 1 attribute, end to ring)", span,
	       ratio(span, clk));
	printf("  %-48s %10.1f %10.2f\n", "span end to end, 100 %, traces of 8 spans", e2e,
	       ratio(e2e, clk));
	printf("  %-48s %10.1f %10.2f\n", "span end to end, 100 %, traces of 1 span", e2e1,
	       ratio(e2e1, clk));
	printf("  %-48s %10.1f %10.2f\n", "histogram insert (log-uniform 1 us..1 s)", hist,
	       ratio(hist, clk));
	printf("    (end to end: record, drain, trace_store_add into a full store, sampler\n"
	       "    observe; per trace the head and tail decisions; one thread)\n\n");
	if (!bpf_calls) {
		printf("  kernel spans (BPF): not run (-b 0)\n\n");
	} else if (bpf_err) {
		printf("  kernel spans (BPF): not run: %s (needs root and BPF)\n\n", strerror(-bpf_err));
	} else {
		printf("  %-48s %10s %10s\n", "kernel spans (BPF), per getpid()", "ns", "+ns");
		printf("  %-48s %10.1f %10s\n", "programs detached (reference)", bb.base_ns, "-");
		printf("  %-48s %10.1f %10.1f\n", "attached, no thread traced", bb.idle_ns,
		       bb.idle_over_ns);
		printf("  %-48s %10.1f %10.1f\n", "attached, another thread traced", bb.untraced_ns,
		       bb.untraced_over_ns);
		printf("  %-48s %10.1f %10.1f\n", "this thread traced: one span (bpf_event_ns)",
		       bb.traced_ns, bb.event_ns);
		printf("  %-48s %10.1f %10s\n", "reading and decoding one record (userspace)",
		       bb.decode_ns, "-");
		printf("    (%llu events, %llu drops)\n\n", (unsigned long long)bb.events,
		       (unsigned long long)bb.drops);
	}
	printf("  %-48s %10s %10s %8s\n", "export, OTLP/JSON", "spans/s", "us/span", "x encode");
	printf("  %-48s %10.0f %10.2f %8s\n", "encode alone, batches of 256 (reference)", enc,
	       1e6 / enc, "1.00");
	printf("  %-48s %10.0f %10.2f %8s\n", "encode alone, batches of 8 (reference)", enc8,
	       1e6 / enc8, "1.00");
	printf("  %-48s %10.0f %10.2f %8.2f\n", "HTTP to 127.0.0.1, batches of 256", http, 1e6 / http,
	       ratio(http, enc));
	printf("  %-48s %10.0f %10.2f %8.2f\n", "HTTP to 127.0.0.1, batches of 8", http8, 1e6 / http8,
	       ratio(http8, enc8));
	printf("  %-48s %10.0f %10.2f %8.2f\n", "JSON lines to a file, batches of 256", file,
	       1e6 / file, ratio(file, enc));
	printf("    (%u spans per run; %llu + %llu POSTs, %.1f MB received; %llu retries)\n\n",
	       export_spans, (unsigned long long)st_http.http_requests,
	       (unsigned long long)st_http8.http_requests, (double)rv.bytes / 1e6,
	       (unsigned long long)(st_http.retries + st_http8.retries));
	printf("trace-bench: clock_ns=%.1f span_ns=%.1f e2e_ns=%.1f e2e1_ns=%.1f bpf_event_ns=%.1f "
	       "hist_ns=%.1f encode_sps=%.0f http_sps=%.0f http8_sps=%.0f file_sps=%.0f\n",
	       clk, span, e2e, e2e1, bpf_calls && !bpf_err ? bb.event_ns : 0.0, hist, enc, http,
	       http8, file);
	return 0;
}
