// SPDX-License-Identifier: GPL-2.0
/*
 * usdt_test.c - bpf-usdt-test: lib/trace's USDT probes (lib/trace/usdt.h)
 * observed from another process by bpf/trace_usdt.bpf.c through lib/trace's
 * collector (lib/trace/usdt_collect.h), reported as TAP version 13
 * (tests/bpf/run.sh counts it with the fixtures).
 *
 *	bpf-usdt-test [-v]
 *
 * The traced processes are children of this one, forked from it (so the
 * same binary, and the same lib/trace): each obeys commands on a pipe,
 * records spans whose ids, names and durations both sides derive from the
 * command, and answers with the times it recorded. The test attaches by pid
 * or by binary, and compares what arrives through the ring with what the
 * child says it recorded. Needs root. Exit status 0 when every case passed.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "../../lib/trace/usdt_collect.h"

static int verbose;

/* ---- a tiny TAP harness ------------------------------------------------ */

static char *diag_buf;
static size_t diag_len;
static FILE *diag_f;

static void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* a case's diagnostics, printed after its ok / not ok line */
static void diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", diag_f);
	va_start(ap, fmt);
	vfprintf(diag_f, fmt, ap);
	va_end(ap);
	fputc('\n', diag_f);
}

/* CHECK: a failed condition fails the case, with the line and the text */
#define CHECK(c, ...) do {						\
		if (!(c)) {						\
			diag("%s:%d: check failed: %s", __FILE__, __LINE__, #c); \
			diag(__VA_ARGS__);				\
			ok = false;					\
		}							\
	} while (0)

/* set around a call whose libbpf warning is the expected outcome */
static bool libbpf_quiet;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!verbose && (level != LIBBPF_WARN || libbpf_quiet))
		return 0;
	fputs("# libbpf: ", diag_f);
	return vfprintf(diag_f, fmt, ap);
}

/* ---- the spans both sides agree on --------------------------------------- */

#define LONG_NAME "usdt.a.name.longer.than.the.sixty.three.bytes.a.tracer.keeps.of.it.xyz"

/* span @i of a batch with @base: ids, name, kind, status, flags, duration */
struct spec {
	struct trace_id trace_id;
	uint64_t span_id, parent_id, dur_ns;
	uint8_t kind, status, flags;
	unsigned int name;		/* index: names[], or the child's own name */
};

#define NNAMES 5

static void spec_of(uint64_t base, uint32_t i, struct spec *s)
{
	s->trace_id.hi = base;
	s->trace_id.lo = i / 4 + 1;		/* traces of four spans, a chain each */
	s->span_id = (base << 24) | (i + 1);
	s->parent_id = i % 4 ? s->span_id - 1 : 0;
	s->dur_ns = (i % 7 + 1) * 1000;
	s->kind = (uint8_t)(i % 6);
	s->status = (uint8_t)(i % 3);
	s->flags = i % 2 ? TRACE_FLAG_SAMPLED | TRACE_FLAG_RANDOM : TRACE_FLAG_RANDOM;
	s->name = i % NNAMES;
}

/* the name as it must arrive (cut to what the tracer keeps) */
static void spec_name(const struct spec *s, pid_t pid, char out[TRACE_USDT_NAME_LEN])
{
	static const char *const fixed[NNAMES - 1] = { "usdt.request", "usdt.step", "", LONG_NAME };

	if (s->name < NNAMES - 1)
		snprintf(out, TRACE_USDT_NAME_LEN, "%s", fixed[s->name]);
	else
		snprintf(out, TRACE_USDT_NAME_LEN, "usdt.child.%d", (int)pid);
}

/* ---- the traced children ------------------------------------------------- */

enum { CMD_SPANS = 1, CMD_SEMA, CMD_EXIT };

struct cmd {
	uint32_t op;
	uint32_t n;			/* CMD_SPANS: how many */
	uint32_t ring_cap;		/* recorder's ring (0: no recorder installed) */
	uint32_t sampled_only;
	uint64_t base;
};

/* CMD_SPANS answers n of these, then a struct reply */
struct times {
	uint64_t start_ns, end_ns;
};

struct reply {
	uint64_t recorded, dropped_full, dropped_unsampled;
	uint64_t sema_end, sema_drop;	/* CMD_SEMA: the semaphores' values */
	uint64_t elapsed_ns;		/* CMD_SPANS: time to record them all */
};

struct child {
	pid_t pid;
	int cmd, ans;			/* our ends of the pipes */
};

static bool io_full(int fd, void *buf, size_t len, bool wr)
{
	char *p = buf;

	while (len) {
		ssize_t n = wr ? write(fd, p, len) : read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static void child_spans(const struct cmd *c, int ans)
{
	struct trace_recorder_conf conf;
	struct trace_recorder *rec = NULL;
	struct trace_recorder_stats st = { 0 };
	const char *names[NNAMES];
	struct reply r = { 0 };
	struct times *t = calloc(c->n ? c->n : 1, sizeof(*t));
	char own[TRACE_USDT_NAME_LEN];
	uint64_t t0;
	uint32_t i;

	if (!t)
		_exit(3);
	names[0] = "usdt.request";
	names[1] = "usdt.step";
	names[2] = "";
	names[3] = LONG_NAME;
	snprintf(own, sizeof(own), "usdt.child.%d", (int)getpid());
	names[4] = trace_intern(own);	/* on the heap */
	if (c->ring_cap) {
		trace_recorder_conf_default(&conf);
		conf.ring_capacity = c->ring_cap;
		conf.sampled_only = c->sampled_only;
		rec = trace_recorder_create(&conf);
		if (!rec)
			_exit(3);
		trace_recorder_install(rec);
	}
	t0 = trace_clock_mono_ns();
	for (i = 0; i < c->n; i++) {
		struct trace_span sp;
		struct spec s;

		spec_of(c->base, i, &s);
		trace_span_begin(&sp, NULL, names[s.name], (enum trace_kind)s.kind);
		sp.trace_id = s.trace_id;
		sp.span_id = s.span_id;
		sp.parent_id = s.parent_id;
		sp.flags = s.flags;
		trace_span_set_status(&sp, (enum trace_status)s.status, NULL);
		if (sp.start_ns > s.dur_ns)	/* begun dur_ns earlier */
			sp.start_ns -= s.dur_ns;
		trace_span_end(&sp);
		t[i].start_ns = sp.start_ns;
		t[i].end_ns = sp.end_ns;
	}
	r.elapsed_ns = trace_clock_mono_ns() - t0;
	if (rec) {
		trace_recorder_install(NULL);
		trace_recorder_stats(rec, &st);
		trace_recorder_destroy(rec);
	}
	r.recorded = st.recorded;
	r.dropped_full = st.dropped_full;
	r.dropped_unsampled = st.dropped_unsampled;
	if (!io_full(ans, t, c->n * sizeof(*t), true) || !io_full(ans, &r, sizeof(r), true))
		_exit(3);
	free(t);
}

static void __attribute__((noreturn)) child_main(int cmd, int ans)
{
	struct cmd c;

	while (io_full(cmd, &c, sizeof(c), false)) {
		struct reply r = { 0 };

		switch (c.op) {
		case CMD_SPANS:
			child_spans(&c, ans);
			break;
		case CMD_SEMA:
			r.sema_end = sovereign_span_end_semaphore;
			r.sema_drop = sovereign_span_drop_semaphore;
			if (!io_full(ans, &r, sizeof(r), true))
				_exit(3);
			break;
		default:
			_exit(0);
		}
	}
	_exit(0);		/* the test went away */
}

static bool child_start(struct child *ch)
{
	int cp[2], ap[2];

	if (pipe(cp))
		return false;
	if (pipe(ap)) {
		close(cp[0]);
		close(cp[1]);
		return false;
	}
	fflush(NULL);
	ch->pid = fork();
	if (ch->pid < 0)
		return false;
	if (!ch->pid) {
		close(cp[1]);
		close(ap[0]);
		child_main(cp[0], ap[1]);
	}
	close(cp[0]);
	close(ap[1]);
	ch->cmd = cp[1];
	ch->ans = ap[0];
	return true;
}

static void child_stop(struct child *ch)
{
	struct cmd c = { .op = CMD_EXIT };

	if (ch->pid <= 0)
		return;
	if (!io_full(ch->cmd, &c, sizeof(c), true))
		kill(ch->pid, SIGKILL);
	close(ch->cmd);
	close(ch->ans);
	waitpid(ch->pid, NULL, 0);
	ch->pid = 0;
}

/* The child records @n spans of batch @base; @t (n entries, may be NULL) gets their times. */
static bool child_spans_run(struct child *ch, uint32_t n, uint64_t base, uint32_t ring_cap,
			    bool sampled_only, struct times *t, struct reply *r)
{
	struct cmd c = { .op = CMD_SPANS, .n = n, .ring_cap = ring_cap,
			 .sampled_only = sampled_only, .base = base };
	struct times *buf = t ? t : calloc(n ? n : 1, sizeof(*buf));
	struct reply dummy;
	bool ok;

	if (!buf)
		return false;
	ok = io_full(ch->cmd, &c, sizeof(c), true) &&
	     io_full(ch->ans, buf, n * sizeof(*buf), false) &&
	     io_full(ch->ans, r ? r : &dummy, sizeof(dummy), false);
	if (!t)
		free(buf);
	return ok;
}

/* The child's semaphores: span_end's in [0], span_drop's in [1]; -1 on error. */
static void child_sema(struct child *ch, int64_t sema[2])
{
	struct cmd c = { .op = CMD_SEMA };
	struct reply r;

	sema[0] = sema[1] = -1;
	if (io_full(ch->cmd, &c, sizeof(c), true) && io_full(ch->ans, &r, sizeof(r), false)) {
		sema[0] = (int64_t)r.sema_end;
		sema[1] = (int64_t)r.sema_drop;
	}
}

/* ---- spans collected from the ring ------------------------------------- */

struct spans {
	struct trace_span *v;
	size_t n, cap;
};

static void collect(const struct trace_span *sp, void *arg)
{
	struct spans *s = arg;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct trace_span *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			abort();
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *sp;
}

static int64_t attr(const struct trace_span *sp, const char *key)
{
	unsigned int i;

	for (i = 0; i < sp->nattrs; i++)
		if (sp->attr_type[i] == TRACE_ATTR_INT && !strcmp(sp->attrs[i].key, key))
			return sp->attrs[i].v.i;
	return -1;
}

static size_t count_pid(const struct spans *s, pid_t pid)
{
	size_t i, n = 0;

	for (i = 0; i < s->n; i++)
		if (attr(&s->v[i], "process.pid") == pid)
			n++;
	return n;
}

static void drain(struct trace_usdt_collector *tu)
{
	while (trace_usdt_consume(tu) > 0)
		;
}

static struct trace_usdt_collector *open_tu(struct spans *s, uint32_t ring_bytes)
{
	struct trace_usdt_collector *tu;
	struct trace_usdt_opts o;
	int err;

	trace_usdt_opts_default(&o);
	if (ring_bytes)
		o.ring_bytes = ring_bytes;
	o.fn = collect;
	o.arg = s;
	err = trace_usdt_open(&tu, &o);
	if (err) {
		diag("trace_usdt_open: %s", strerror(-err));
		return NULL;
	}
	return tu;
}

/*
 * The spans of batch @base from @pid, in @s in the order recorded, equal
 * what the child says it recorded (@t), field by field.
 */
static bool check_batch(const struct spans *s, pid_t pid, uint64_t base, uint32_t n,
			const struct times *t)
{
	char want[TRACE_USDT_NAME_LEN];
	size_t i, k = 0;
	bool ok = true;

	for (i = 0; i < s->n && ok; i++) {
		const struct trace_span *sp = &s->v[i];
		struct spec sc;

		if (attr(sp, "process.pid") != pid)
			continue;
		CHECK(k < n, "more than %u spans from %d", n, (int)pid);
		if (k >= n)
			break;
		spec_of(base, (uint32_t)k, &sc);
		spec_name(&sc, pid, want);
		CHECK(trace_id_eq(&sp->trace_id, &sc.trace_id), "span %zu: trace id %016" PRIx64
		      "%016" PRIx64, k, sp->trace_id.hi, sp->trace_id.lo);
		CHECK(sp->span_id == sc.span_id && sp->parent_id == sc.parent_id,
		      "span %zu: id %016" PRIx64 " parent %016" PRIx64, k, sp->span_id, sp->parent_id);
		CHECK(!strcmp(sp->name, want), "span %zu: name '%s', want '%s'", k, sp->name, want);
		CHECK(sp->kind == sc.kind && sp->status == sc.status && sp->flags == sc.flags,
		      "span %zu: kind %u status %u flags %#x", k, sp->kind, sp->status, sp->flags);
		CHECK(sp->start_ns == t[k].start_ns && sp->end_ns == t[k].end_ns,
		      "span %zu: [%" PRIu64 ", %" PRIu64 "], recorded [%" PRIu64 ", %" PRIu64 "]",
		      k, sp->start_ns, sp->end_ns, t[k].start_ns, t[k].end_ns);
		CHECK(trace_span_duration(sp) >= sc.dur_ns &&
		      trace_span_duration(sp) < sc.dur_ns + 50000000,
		      "span %zu: %" PRIu64 " ns, at least %" PRIu64, k, trace_span_duration(sp),
		      sc.dur_ns);
		CHECK(attr(sp, "thread.id") == pid, "span %zu: thread %" PRId64, k,
		      attr(sp, "thread.id"));
		k++;
	}
	CHECK(k == n, "%zu spans from %d, want %u", k, (int)pid, n);
	return ok;
}

/* ---- cases ------------------------------------------------------------- */

static bool t_probes_in_binary(void)
{
	struct spans s = { 0 };
	struct trace_usdt_collector *tu = open_tu(&s, 0);
	struct trace_usdt_stats st;
	struct child a = { 0 };
	bool ok = true;
	int id, id2;

	if (!tu)
		return false;
	CHECK(child_start(&a), "fork");
	id = trace_usdt_attach(tu, a.pid, NULL);
	CHECK(id >= 0, "attach to %d: %s", (int)a.pid, strerror(-id));
	trace_usdt_stats(tu, &st);
	CHECK(st.attached == 1, "%u attached", st.attached);
	CHECK(trace_usdt_attach(tu, 0, NULL) == -EINVAL, "pid 0");
	CHECK(trace_usdt_attach(tu, -1, NULL) == -EINVAL, "every process, no binary");
	/* a binary without the probes: libbpf finds no note */
	libbpf_quiet = true;
	id2 = trace_usdt_attach(tu, -1, "/bin/true");
	libbpf_quiet = false;
	CHECK(id2 == -ENOENT, "/bin/true has no sovereign probe: %d", id2);
	CHECK(trace_usdt_detach(tu, id) == 0 && trace_usdt_detach(tu, id) == -ENOENT, "detach");
	CHECK(trace_usdt_detach(tu, 99) == -ENOENT, "unknown id");
	CHECK(trace_usdt_fd(tu) >= 0, "epoll fd");
	child_stop(&a);
	trace_usdt_close(tu);
	free(s.v);
	return ok;
}

/* An attached process's spans, exactly; none from processes not attached. */
static bool t_attached_pid(void)
{
	enum { N = 200 };
	struct times ta[N], tb[N];
	struct spans s = { 0 };
	struct trace_usdt_collector *tu = open_tu(&s, 0);
	struct trace_usdt_stats st;
	struct child a = { 0 }, b = { 0 };
	struct reply ra, rb;
	int64_t sa[2], sb[2];
	struct trace_span sp;
	bool ok = true;
	int id;

	if (!tu)
		return false;
	CHECK(child_start(&a) && child_start(&b), "fork");
	id = trace_usdt_attach(tu, a.pid, NULL);
	CHECK(id >= 0, "attach: %s", strerror(-id));
	if (!ok)
		goto out;
	child_sema(&a, sa);
	child_sema(&b, sb);
	CHECK(sa[0] == 1 && sa[1] == 1, "attached child's semaphores %" PRId64 " %" PRId64,
	      sa[0], sa[1]);
	CHECK(sb[0] == 0 && sb[1] == 0, "other child's semaphores %" PRId64 " %" PRId64,
	      sb[0], sb[1]);
	CHECK(sovereign_span_end_semaphore == 0, "this process's semaphore %u",
	      sovereign_span_end_semaphore);
	CHECK(child_spans_run(&a, N, 0x5a, 4096, false, ta, &ra), "child a");
	CHECK(child_spans_run(&b, N, 0x5b, 4096, false, tb, &rb), "child b");
	/* and this process, same binary, not attached */
	trace_span_begin(&sp, NULL, "usdt.self", TRACE_KIND_INTERNAL);
	trace_span_end(&sp);
	drain(tu);
	CHECK(ra.recorded == N && rb.recorded == N, "recorded in process: %" PRIu64 ", %" PRIu64,
	      ra.recorded, rb.recorded);
	CHECK(s.n == N, "%zu spans arrived, want %u", s.n, N);
	CHECK(count_pid(&s, b.pid) == 0 && count_pid(&s, getpid()) == 0,
	      "%zu from the other child, %zu from this process", count_pid(&s, b.pid),
	      count_pid(&s, getpid()));
	ok = check_batch(&s, a.pid, 0x5a, N, ta) && ok;
	trace_usdt_stats(tu, &st);
	CHECK(st.events == N && st.drops == 0 && st.decoded == N && st.decode_errors == 0 &&
	      st.name_faults == 0 && st.target_full == 0,
	      "events %" PRIu64 " drops %" PRIu64 " decoded %" PRIu64 " errors %" PRIu64
	      " name faults %" PRIu64, st.events, st.drops, st.decoded, st.decode_errors,
	      st.name_faults);
out:
	child_stop(&a);
	child_stop(&b);
	trace_usdt_close(tu);
	free(s.v);
	return ok;
}

/* No recorder in the process: the probe still fires, spans still timed. */
static bool t_no_recorder(void)
{
	enum { N = 50 };
	struct times t[N];
	struct spans s = { 0 };
	struct trace_usdt_collector *tu = open_tu(&s, 0);
	struct child a = { 0 };
	struct reply r;
	bool ok = true;
	int id;

	if (!tu)
		return false;
	CHECK(child_start(&a), "fork");
	id = trace_usdt_attach(tu, a.pid, NULL);
	CHECK(id >= 0, "attach: %s", strerror(-id));
	CHECK(child_spans_run(&a, N, 0x6c, 0, false, t, &r), "child");
	drain(tu);
	CHECK(r.recorded == 0, "recorded %" PRIu64, r.recorded);
	ok = check_batch(&s, a.pid, 0x6c, N, t) && ok;
	child_stop(&a);
	trace_usdt_close(tu);
	free(s.v);
	return ok;
}

/* Detached: nothing more arrives, the process's semaphore is 0 again. */
static bool t_detach(void)
{
	enum { N = 20 };
	struct times t[N];
	struct spans s = { 0 };
	struct trace_usdt_collector *tu = open_tu(&s, 0);
	struct trace_usdt_stats st;
	struct child a = { 0 };
	int64_t sema[2];
	bool ok = true;
	int id;

	if (!tu)
		return false;
	CHECK(child_start(&a), "fork");
	id = trace_usdt_attach(tu, a.pid, NULL);
	CHECK(id >= 0, "attach: %s", strerror(-id));
	CHECK(child_spans_run(&a, N, 0x7d, 64, false, t, NULL), "child");
	drain(tu);
	ok = check_batch(&s, a.pid, 0x7d, N, t) && ok;
	CHECK(trace_usdt_detach(tu, id) == 0, "detach");
	child_sema(&a, sema);
	CHECK(sema[0] == 0 && sema[1] == 0, "semaphores after detach %" PRId64 " %" PRId64,
	      sema[0], sema[1]);
	CHECK(child_spans_run(&a, N, 0x7e, 64, false, t, NULL), "child");
	drain(tu);
	trace_usdt_stats(tu, &st);
	CHECK(s.n == N && st.events == N && st.attached == 0,
	      "%zu spans, %" PRIu64 " events after detaching (want %u), %u attached",
	      s.n, st.events, N, st.attached);
	/* and attached again */
	id = trace_usdt_attach(tu, a.pid, NULL);
	CHECK(id >= 0, "attach again: %s", strerror(-id));
	s.n = 0;
	CHECK(child_spans_run(&a, N, 0x7f, 64, false, t, NULL), "child");
	drain(tu);
	ok = check_batch(&s, a.pid, 0x7f, N, t) && ok;
	child_stop(&a);
	trace_usdt_close(tu);
	free(s.v);
	return ok;
}

/* pid -1 and the binary: every process running it, this one included. */
static bool t_binary(void)
{
	enum { N = 30 };
	struct times ta[N], tb[N];
	struct spans s = { 0 };
	struct trace_usdt_collector *tu = open_tu(&s, 0);
	struct child a = { 0 }, b = { 0 };
	struct trace_span sp;
	char exe[4096];
	int64_t sema[2];
	ssize_t len;
	bool ok = true;
	int id;

	if (!tu)
		return false;
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	CHECK(len > 0, "readlink: %s", strerror(errno));
	if (len <= 0)
		goto out;
	exe[len] = '\0';
	CHECK(child_start(&a) && child_start(&b), "fork");
	id = trace_usdt_attach(tu, -1, exe);
	CHECK(id >= 0, "attach to %s: %s", exe, strerror(-id));
	if (!ok)
		goto out;
	child_sema(&b, sema);
	CHECK(sema[0] == 1 && sovereign_span_end_semaphore == 1,
	      "semaphores: child %" PRId64 ", this process %u", sema[0],
	      sovereign_span_end_semaphore);
	CHECK(child_spans_run(&a, N, 0x8a, 64, false, ta, NULL), "child a");
	CHECK(child_spans_run(&b, N, 0x8b, 64, false, tb, NULL), "child b");
	trace_span_begin(&sp, NULL, "usdt.self", TRACE_KIND_SERVER);
	trace_span_end(&sp);
	drain(tu);
	ok = check_batch(&s, a.pid, 0x8a, N, ta) && ok;
	ok = check_batch(&s, b.pid, 0x8b, N, tb) && ok;
	CHECK(count_pid(&s, getpid()) == 1, "%zu spans of this process", count_pid(&s, getpid()));
	trace_usdt_detach(tu, id);
	CHECK(sovereign_span_end_semaphore == 0, "this process's semaphore after detach: %u",
	      sovereign_span_end_semaphore);
out:
	child_stop(&a);
	child_stop(&b);
	trace_usdt_close(tu);
	free(s.v);
	return ok;
}

/* A one-page ring not read while 2000 spans arrive: drops counted, none silent. */
static bool t_ring_full(void)
{
	enum { N = 2000 };
	struct times t[10];
	struct spans s = { 0 };
	struct trace_usdt_collector *tu = open_tu(&s, (uint32_t)sysconf(_SC_PAGESIZE));
	struct trace_usdt_stats st;
	struct child a = { 0 };
	bool ok = true;
	int id;

	if (!tu)
		return false;
	CHECK(child_start(&a), "fork");
	id = trace_usdt_attach(tu, a.pid, NULL);
	CHECK(id >= 0, "attach: %s", strerror(-id));
	CHECK(child_spans_run(&a, N, 0x9a, 4096, false, NULL, NULL), "child");
	trace_usdt_stats(tu, &st);
	CHECK(st.drops > 0 && st.events + st.drops == N,
	      "events %" PRIu64 " + drops %" PRIu64 " != %u", st.events, st.drops, N);
	drain(tu);
	trace_usdt_stats(tu, &st);
	CHECK(st.decoded == st.events && s.n == st.events && st.decode_errors == 0,
	      "decoded %" PRIu64 " of %" PRIu64 " events, %" PRIu64 " errors",
	      st.decoded, st.events, st.decode_errors);
	if (verbose)
		diag("ring of %ld bytes: %" PRIu64 " events, %" PRIu64 " drops",
		     sysconf(_SC_PAGESIZE), st.events, st.drops);
	/* the ring works again once read */
	s.n = 0;
	CHECK(child_spans_run(&a, 10, 0x9b, 64, false, t, NULL), "child");
	drain(tu);
	ok = check_batch(&s, a.pid, 0x9b, 10, t) && ok;
	child_stop(&a);
	trace_usdt_close(tu);
	free(s.v);
	return ok;
}

/* sovereign:span_drop: the process's own refusals, by reason. */
static bool t_target_drops(void)
{
	struct spans s = { 0 };
	struct trace_usdt_collector *tu = open_tu(&s, 0);
	struct trace_usdt_stats st;
	struct child a = { 0 };
	struct reply r1, r2;
	bool ok = true;
	int id;

	if (!tu)
		return false;
	CHECK(child_start(&a), "fork");
	id = trace_usdt_attach(tu, a.pid, NULL);
	CHECK(id >= 0, "attach: %s", strerror(-id));
	/* a ring of 4, never drained in the process: 16 of 20 refused */
	CHECK(child_spans_run(&a, 20, 0xaa, 4, false, NULL, &r1), "child");
	/* sampled spans only: the even ones are not sampled (spec_of) */
	CHECK(child_spans_run(&a, 20, 0xab, 64, true, NULL, &r2), "child");
	drain(tu);
	trace_usdt_stats(tu, &st);
	CHECK(r1.dropped_full == 16 && r2.dropped_unsampled == 10,
	      "in process: full %" PRIu64 ", unsampled %" PRIu64, r1.dropped_full,
	      r2.dropped_unsampled);
	CHECK(st.target_full == r1.dropped_full && st.target_unsampled == r2.dropped_unsampled &&
	      st.target_noring == 0, "span_drop: full %" PRIu64 " unsampled %" PRIu64
	      " other %" PRIu64, st.target_full, st.target_unsampled, st.target_noring);
	/* span_end fires for every span, recorded or not */
	CHECK(s.n == 40 && st.events == 40, "%zu spans, %" PRIu64 " events", s.n, st.events);
	child_stop(&a);
	trace_usdt_close(tu);
	free(s.v);
	return ok;
}

static void fill_event(struct trace_usdt_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->size = sizeof(*ev);
	ev->info = TRACE_USDT_INFO(TRACE_FLAG_SAMPLED, TRACE_KIND_SERVER, TRACE_STATUS_ERROR);
	ev->pid = 1230;
	ev->tid = 1234;
	ev->trace_id_hi = 0x4bf92f3577b34da6ULL;
	ev->trace_id_lo = 0xa3ce929d0e0e4736ULL;
	ev->span_id = 0x00f067aa0ba902b7ULL;
	ev->parent_id = 0x1111111111111111ULL;
	ev->start_ns = 1700000000000000000ULL;
	ev->end_ns = ev->start_ns + 1500;
	strcpy(ev->name, "ctl.status");
	ev->name_len = sizeof("ctl.status");
}

/* Records the program never writes, through the reader's own path. */
static bool t_decode(void)
{
	struct {
		struct trace_usdt_event ev;
		uint8_t more[16];
	} big;
	struct trace_usdt_event ev;
	struct trace_usdt_stats st;
	struct spans s = { 0 };
	struct trace_usdt_collector *tu = open_tu(&s, 0);
	bool ok = true;

	if (!tu)
		return false;
	fill_event(&ev);
	CHECK(trace_usdt_feed(tu, NULL, 0) == TRACE_USDT_DEC_SHORT, "NULL");
	CHECK(trace_usdt_feed(tu, &ev, sizeof(ev) - 1) == TRACE_USDT_DEC_SHORT, "cut");
	ev.size = 40;
	CHECK(trace_usdt_feed(tu, &ev, sizeof(ev)) == TRACE_USDT_DEC_SIZE, "size 40");
	ev.size = sizeof(ev) + 8;
	CHECK(trace_usdt_feed(tu, &ev, sizeof(ev)) == TRACE_USDT_DEC_SHORT, "size > len");
	fill_event(&ev);
	ev.trace_id_hi = ev.trace_id_lo = 0;
	CHECK(trace_usdt_feed(tu, &ev, sizeof(ev)) == TRACE_USDT_DEC_INVALID, "zero trace id");
	fill_event(&ev);
	ev.span_id = 0;
	CHECK(trace_usdt_feed(tu, &ev, sizeof(ev)) == TRACE_USDT_DEC_INVALID, "zero span id");
	fill_event(&ev);
	ev.end_ns = ev.start_ns - 1;
	CHECK(trace_usdt_feed(tu, &ev, sizeof(ev)) == TRACE_USDT_DEC_INVALID, "end before start");
	fill_event(&ev);
	ev.info = TRACE_USDT_INFO(0, 6, 0);
	CHECK(trace_usdt_feed(tu, &ev, sizeof(ev)) == TRACE_USDT_DEC_INVALID, "kind 6");
	fill_event(&ev);
	ev.info = TRACE_USDT_INFO(0, 0, 3);
	CHECK(trace_usdt_feed(tu, &ev, sizeof(ev)) == TRACE_USDT_DEC_INVALID, "status 3");
	CHECK(s.n == 0, "%zu spans handed out from bad records", s.n);

	fill_event(&ev);
	CHECK(trace_usdt_feed(tu, &ev, sizeof(ev)) == 0, "good record refused");
	/* a name without its NUL and a length that lies: cut at the record */
	fill_event(&ev);
	memset(ev.name, 'x', sizeof(ev.name));
	ev.name_len = 9999;
	CHECK(trace_usdt_feed(tu, &ev, sizeof(ev)) == 0, "unterminated name refused");
	fill_event(&ev);
	ev.name_len = 0;
	CHECK(trace_usdt_feed(tu, &ev, sizeof(ev)) == 0, "unreadable name refused");
	memset(&big, 0xab, sizeof(big));
	fill_event(&big.ev);
	big.ev.size = sizeof(big);
	CHECK(trace_usdt_feed(tu, &big, sizeof(big)) == 0, "longer record refused");
	CHECK(s.n == 4, "%zu spans", s.n);
	if (s.n == 4) {
		const struct trace_span *sp = &s.v[0];

		CHECK(!strcmp(sp->name, "ctl.status") && sp->name == trace_intern("ctl.status"),
		      "name %s (interned)", sp->name);
		CHECK(sp->trace_id.hi == 0x4bf92f3577b34da6ULL && sp->span_id == 0x00f067aa0ba902b7ULL &&
		      sp->parent_id == 0x1111111111111111ULL, "ids");
		CHECK(sp->start_ns == 1700000000000000000ULL && trace_span_duration(sp) == 1500,
		      "times");
		CHECK(sp->kind == TRACE_KIND_SERVER && sp->status == TRACE_STATUS_ERROR &&
		      sp->flags == TRACE_FLAG_SAMPLED && !sp->status_msg, "kind, status, flags");
		CHECK(attr(sp, "process.pid") == 1230 && attr(sp, "thread.id") == 1234, "attrs");
		CHECK(strlen(s.v[1].name) == TRACE_USDT_NAME_LEN - 1, "cut name of %zu bytes",
		      strlen(s.v[1].name));
		CHECK(!strcmp(s.v[2].name, "(unreadable)"), "name %s", s.v[2].name);
	}
	trace_usdt_stats(tu, &st);
	CHECK(st.err_short == 3 && st.err_size == 1 && st.err_invalid == 5 &&
	      st.decode_errors == 9 && st.decoded == 4,
	      "short %" PRIu64 " size %" PRIu64 " invalid %" PRIu64 " errors %" PRIu64
	      " decoded %" PRIu64, st.err_short, st.err_size, st.err_invalid,
	      st.decode_errors, st.decoded);
	trace_usdt_close(tu);
	free(s.v);
	return ok;
}

/* What a span costs in the process, with nobody attached and with us attached. */
static bool t_cost(void)
{
	enum { N = 20000 };
	struct spans s = { 0 };
	/* room for a round (144 bytes a record): the ring is read between rounds only */
	struct trace_usdt_collector *tu = open_tu(&s, 4u << 20);
	struct trace_usdt_stats st;
	struct child a = { 0 };
	struct reply r;
	double idle = 1e18, traced = 1e18;
	bool ok = true;
	int round, id;

	if (!tu)
		return false;
	CHECK(child_start(&a), "fork");
	for (round = 0; round < 3 && ok; round++) {
		CHECK(child_spans_run(&a, N, 0xc0, 1u << 15, false, NULL, &r), "child");
		if ((double)r.elapsed_ns / N < idle)
			idle = (double)r.elapsed_ns / N;
	}
	id = trace_usdt_attach(tu, a.pid, NULL);
	CHECK(id >= 0, "attach: %s", strerror(-id));
	for (round = 0; round < 3 && ok; round++) {
		CHECK(child_spans_run(&a, N, 0xc1, 1u << 15, false, NULL, &r), "child");
		if ((double)r.elapsed_ns / N < traced)
			traced = (double)r.elapsed_ns / N;
		drain(tu);
	}
	trace_usdt_stats(tu, &st);
	diag("ns per span in the traced process (begin, status, end into its ring; best of 3 x %d): "
	     "%.0f not attached, %.0f attached (+%.0f: uprobe, program, ring)", N, idle, traced,
	     traced - idle);
	CHECK(st.events == 3 * N && st.drops == 0, "events %" PRIu64 " drops %" PRIu64,
	      st.events, st.drops);
	CHECK(idle > 0 && traced > 0, "idle %.1f traced %.1f", idle, traced);
	child_stop(&a);
	trace_usdt_close(tu);
	free(s.v);
	return ok;
}

static const struct {
	const char *name;
	bool (*fn)(void);
} cases[] = {
	{ "attach by pid and detach; argument checks", t_probes_in_binary },
	{ "an attached process's spans arrive exactly; others' never", t_attached_pid },
	{ "no recorder in the process: spans still observed and timed", t_no_recorder },
	{ "detaching stops the events and lowers the semaphore", t_detach },
	{ "every process running a binary (pid -1)", t_binary },
	{ "ring full: drops counted, nothing lost silently", t_ring_full },
	{ "span_drop counts the process's own refusals", t_target_drops },
	{ "malformed records rejected and counted", t_decode },
	{ "ns per span, attached and not", t_cost },
};

int main(int argc, char **argv)
{
	size_t i, n = sizeof(cases) / sizeof(cases[0]);
	int opt, failures = 0;

	while ((opt = getopt(argc, argv, "v")) != -1) {
		if (opt != 'v') {
			fprintf(stderr, "usage: %s [-v]\n", argv[0]);
			return 2;
		}
		verbose++;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	libbpf_set_print(libbpf_print);
	printf("TAP version 13\n1..%zu\n", n);
	for (i = 0; i < n; i++) {
		bool ok;

		diag_f = open_memstream(&diag_buf, &diag_len);
		if (!diag_f)
			return 1;
		ok = cases[i].fn();
		fclose(diag_f);
		printf("%sok %zu - usdt: %s\n%s", ok ? "" : "not ", i + 1, cases[i].name, diag_buf);
		free(diag_buf);
		diag_buf = NULL;
		if (!ok)
			failures++;
	}
	return failures ? 1 : 0;
}
