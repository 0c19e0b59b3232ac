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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/trace/usdt_collect.h"
#include "tap.h"

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
	o.fn = spans_collect;
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

/* ---- what a case traces ------------------------------------------------ */

/* a case's collector, the spans it hands out and the children it traces */
struct rig {
	struct spans s;
	struct trace_usdt_collector *tu;	/* NULL: it could not be opened */
	struct child a, b;
	int id;					/* a's attachment, by rig_open() */
};

/*
 * The collector, with a ring of @ring_bytes (0: the default), then
 * @children forked (1: a, 2: a and b) and, if @attach, a attached by pid.
 * False when the case failed: with r->tu NULL (said) it returns at once;
 * else a fork or the attachment failed (said) and it goes on as it can.
 */
static bool rig_open(struct rig *r, uint32_t ring_bytes, unsigned int children, bool attach)
{
	bool ok = true;

	memset(r, 0, sizeof(*r));
	r->tu = open_tu(&r->s, ring_bytes);
	if (!r->tu)
		return false;
	if (children)
		CHECK(child_start(&r->a) && (children < 2 || child_start(&r->b)), "fork");
	if (attach) {
		r->id = trace_usdt_attach(r->tu, r->a.pid, NULL);
		CHECK(r->id >= 0, "attach: %s", strerror(-r->id));
	}
	return ok;
}

/* The children stopped, the collector closed; returns @ok, the case's outcome. */
static bool rig_close(struct rig *r, bool ok)
{
	child_stop(&r->a);
	child_stop(&r->b);
	trace_usdt_close(r->tu);
	free(r->s.v);
	return ok;
}

/*
 * Child a records @n spans of batch @base (ring of @ring_cap; @t gets their
 * times, @rep its reply, may be NULL), all of which arrive as recorded.
 */
static bool rig_batch(struct rig *r, uint32_t n, uint64_t base, uint32_t ring_cap,
		      struct times *t, struct reply *rep)
{
	bool ok = true;

	CHECK(child_spans_run(&r->a, n, base, ring_cap, false, t, rep), "child");
	drain(r->tu);
	return check_batch(&r->s, r->a.pid, base, n, t) && ok;
}

/* ---- cases ------------------------------------------------------------- */

static bool t_probes_in_binary(void)
{
	struct trace_usdt_stats st;
	struct rig r;
	bool ok = rig_open(&r, 0, 1, false);
	int id, id2;

	if (!r.tu)
		return false;
	id = trace_usdt_attach(r.tu, r.a.pid, NULL);
	CHECK(id >= 0, "attach to %d: %s", (int)r.a.pid, strerror(-id));
	trace_usdt_stats(r.tu, &st);
	CHECK(st.attached == 1, "%u attached", st.attached);
	CHECK(trace_usdt_attach(r.tu, 0, NULL) == -EINVAL, "pid 0");
	CHECK(trace_usdt_attach(r.tu, -1, NULL) == -EINVAL, "every process, no binary");
	/* a binary without the probes: libbpf finds no note */
	libbpf_quiet = true;
	id2 = trace_usdt_attach(r.tu, -1, "/bin/true");
	libbpf_quiet = false;
	CHECK(id2 == -ENOENT, "/bin/true has no sovereign probe: %d", id2);
	CHECK(trace_usdt_detach(r.tu, id) == 0 && trace_usdt_detach(r.tu, id) == -ENOENT,
	      "detach");
	CHECK(trace_usdt_detach(r.tu, 99) == -ENOENT, "unknown id");
	CHECK(trace_usdt_fd(r.tu) >= 0, "epoll fd");
	return rig_close(&r, ok);
}

/* An attached process's spans, exactly; none from processes not attached. */
static bool t_attached_pid(void)
{
	enum { N = 200 };
	struct times ta[N], tb[N];
	struct trace_usdt_stats st;
	struct reply ra, rb;
	int64_t sa[2], sb[2];
	struct trace_span sp;
	struct rig r;
	bool ok = rig_open(&r, 0, 2, true);

	if (!r.tu)
		return false;
	if (!ok)
		return rig_close(&r, ok);
	child_sema(&r.a, sa);
	child_sema(&r.b, sb);
	CHECK(sa[0] == 1 && sa[1] == 1, "attached child's semaphores %" PRId64 " %" PRId64,
	      sa[0], sa[1]);
	CHECK(sb[0] == 0 && sb[1] == 0, "other child's semaphores %" PRId64 " %" PRId64,
	      sb[0], sb[1]);
	CHECK(sovereign_span_end_semaphore == 0, "this process's semaphore %u",
	      sovereign_span_end_semaphore);
	CHECK(child_spans_run(&r.a, N, 0x5a, 4096, false, ta, &ra), "child a");
	CHECK(child_spans_run(&r.b, N, 0x5b, 4096, false, tb, &rb), "child b");
	/* and this process, same binary, not attached */
	trace_span_begin(&sp, NULL, "usdt.self", TRACE_KIND_INTERNAL);
	trace_span_end(&sp);
	drain(r.tu);
	CHECK(ra.recorded == N && rb.recorded == N, "recorded in process: %" PRIu64 ", %" PRIu64,
	      ra.recorded, rb.recorded);
	CHECK(r.s.n == N, "%zu spans arrived, want %u", r.s.n, N);
	CHECK(count_pid(&r.s, r.b.pid) == 0 && count_pid(&r.s, getpid()) == 0,
	      "%zu from the other child, %zu from this process", count_pid(&r.s, r.b.pid),
	      count_pid(&r.s, getpid()));
	ok = check_batch(&r.s, r.a.pid, 0x5a, N, ta) && ok;
	trace_usdt_stats(r.tu, &st);
	CHECK(st.events == N && st.drops == 0 && st.decoded == N && st.decode_errors == 0 &&
	      st.name_faults == 0 && st.target_full == 0,
	      "events %" PRIu64 " drops %" PRIu64 " decoded %" PRIu64 " errors %" PRIu64
	      " name faults %" PRIu64, st.events, st.drops, st.decoded, st.decode_errors,
	      st.name_faults);
	return rig_close(&r, ok);
}

/* No recorder in the process: the probe still fires, spans still timed. */
static bool t_no_recorder(void)
{
	enum { N = 50 };
	struct times t[N];
	struct reply rep;
	struct rig r;
	bool ok = rig_open(&r, 0, 1, true);

	if (!r.tu)
		return false;
	ok = rig_batch(&r, N, 0x6c, 0, t, &rep) && ok;
	CHECK(rep.recorded == 0, "recorded %" PRIu64, rep.recorded);
	return rig_close(&r, ok);
}

/* Detached: nothing more arrives, the process's semaphore is 0 again. */
static bool t_detach(void)
{
	enum { N = 20 };
	struct times t[N];
	struct trace_usdt_stats st;
	int64_t sema[2];
	struct rig r;
	bool ok = rig_open(&r, 0, 1, true);

	if (!r.tu)
		return false;
	ok = rig_batch(&r, N, 0x7d, 64, t, NULL) && ok;
	CHECK(trace_usdt_detach(r.tu, r.id) == 0, "detach");
	child_sema(&r.a, sema);
	CHECK(sema[0] == 0 && sema[1] == 0, "semaphores after detach %" PRId64 " %" PRId64,
	      sema[0], sema[1]);
	CHECK(child_spans_run(&r.a, N, 0x7e, 64, false, t, NULL), "child");
	drain(r.tu);
	trace_usdt_stats(r.tu, &st);
	CHECK(r.s.n == N && st.events == N && st.attached == 0,
	      "%zu spans, %" PRIu64 " events after detaching (want %u), %u attached",
	      r.s.n, st.events, N, st.attached);
	/* and attached again */
	r.id = trace_usdt_attach(r.tu, r.a.pid, NULL);
	CHECK(r.id >= 0, "attach again: %s", strerror(-r.id));
	r.s.n = 0;
	ok = rig_batch(&r, N, 0x7f, 64, t, NULL) && ok;
	return rig_close(&r, ok);
}

/* pid -1 and the binary: every process running it, this one included. */
static bool t_binary(void)
{
	enum { N = 30 };
	struct times ta[N], tb[N];
	struct trace_span sp;
	char exe[4096];
	int64_t sema[2];
	ssize_t len;
	struct rig r;
	bool ok = rig_open(&r, 0, 2, false);
	int id;

	if (!r.tu)
		return false;
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	CHECK(len > 0, "readlink: %s", strerror(errno));
	if (len <= 0)
		goto out;
	exe[len] = '\0';
	id = trace_usdt_attach(r.tu, -1, exe);
	CHECK(id >= 0, "attach to %s: %s", exe, strerror(-id));
	if (!ok)
		goto out;
	child_sema(&r.b, sema);
	CHECK(sema[0] == 1 && sovereign_span_end_semaphore == 1,
	      "semaphores: child %" PRId64 ", this process %u", sema[0],
	      sovereign_span_end_semaphore);
	CHECK(child_spans_run(&r.a, N, 0x8a, 64, false, ta, NULL), "child a");
	CHECK(child_spans_run(&r.b, N, 0x8b, 64, false, tb, NULL), "child b");
	trace_span_begin(&sp, NULL, "usdt.self", TRACE_KIND_SERVER);
	trace_span_end(&sp);
	drain(r.tu);
	ok = check_batch(&r.s, r.a.pid, 0x8a, N, ta) && ok;
	ok = check_batch(&r.s, r.b.pid, 0x8b, N, tb) && ok;
	CHECK(count_pid(&r.s, getpid()) == 1, "%zu spans of this process",
	      count_pid(&r.s, getpid()));
	trace_usdt_detach(r.tu, id);
	CHECK(sovereign_span_end_semaphore == 0, "this process's semaphore after detach: %u",
	      sovereign_span_end_semaphore);
out:
	return rig_close(&r, ok);
}

/* A one-page ring not read while 2000 spans arrive: drops counted, none silent. */
static bool t_ring_full(void)
{
	enum { N = 2000 };
	struct times t[10];
	struct trace_usdt_stats st;
	struct rig r;
	bool ok = rig_open(&r, (uint32_t)sysconf(_SC_PAGESIZE), 1, true);

	if (!r.tu)
		return false;
	CHECK(child_spans_run(&r.a, N, 0x9a, 4096, false, NULL, NULL), "child");
	trace_usdt_stats(r.tu, &st);
	CHECK(st.drops > 0 && st.events + st.drops == N,
	      "events %" PRIu64 " + drops %" PRIu64 " != %u", st.events, st.drops, N);
	drain(r.tu);
	trace_usdt_stats(r.tu, &st);
	CHECK(st.decoded == st.events && r.s.n == st.events && st.decode_errors == 0,
	      "decoded %" PRIu64 " of %" PRIu64 " events, %" PRIu64 " errors",
	      st.decoded, st.events, st.decode_errors);
	if (verbose)
		diag("ring of %ld bytes: %" PRIu64 " events, %" PRIu64 " drops",
		     sysconf(_SC_PAGESIZE), st.events, st.drops);
	/* the ring works again once read */
	r.s.n = 0;
	ok = rig_batch(&r, 10, 0x9b, 64, t, NULL) && ok;
	return rig_close(&r, ok);
}

/* sovereign:span_drop: the process's own refusals, by reason. */
static bool t_target_drops(void)
{
	struct trace_usdt_stats st;
	struct reply r1, r2;
	struct rig r;
	bool ok = rig_open(&r, 0, 1, true);

	if (!r.tu)
		return false;
	/* a ring of 4, never drained in the process: 16 of 20 refused */
	CHECK(child_spans_run(&r.a, 20, 0xaa, 4, false, NULL, &r1), "child");
	/* sampled spans only: the even ones are not sampled (spec_of) */
	CHECK(child_spans_run(&r.a, 20, 0xab, 64, true, NULL, &r2), "child");
	drain(r.tu);
	trace_usdt_stats(r.tu, &st);
	CHECK(r1.dropped_full == 16 && r2.dropped_unsampled == 10,
	      "in process: full %" PRIu64 ", unsampled %" PRIu64, r1.dropped_full,
	      r2.dropped_unsampled);
	CHECK(st.target_full == r1.dropped_full && st.target_unsampled == r2.dropped_unsampled &&
	      st.target_noring == 0, "span_drop: full %" PRIu64 " unsampled %" PRIu64
	      " other %" PRIu64, st.target_full, st.target_unsampled, st.target_noring);
	/* span_end fires for every span, recorded or not */
	CHECK(r.s.n == 40 && st.events == 40, "%zu spans, %" PRIu64 " events", r.s.n, st.events);
	return rig_close(&r, ok);
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
	struct rig r;
	bool ok = rig_open(&r, 0, 0, false);

	if (!r.tu)
		return false;
	fill_event(&ev);
	CHECK(trace_usdt_feed(r.tu, NULL, 0) == TRACE_USDT_DEC_SHORT, "NULL");
	CHECK(trace_usdt_feed(r.tu, &ev, sizeof(ev) - 1) == TRACE_USDT_DEC_SHORT, "cut");
	ev.size = 40;
	CHECK(trace_usdt_feed(r.tu, &ev, sizeof(ev)) == TRACE_USDT_DEC_SIZE, "size 40");
	ev.size = sizeof(ev) + 8;
	CHECK(trace_usdt_feed(r.tu, &ev, sizeof(ev)) == TRACE_USDT_DEC_SHORT, "size > len");
	fill_event(&ev);
	ev.trace_id_hi = ev.trace_id_lo = 0;
	CHECK(trace_usdt_feed(r.tu, &ev, sizeof(ev)) == TRACE_USDT_DEC_INVALID, "zero trace id");
	fill_event(&ev);
	ev.span_id = 0;
	CHECK(trace_usdt_feed(r.tu, &ev, sizeof(ev)) == TRACE_USDT_DEC_INVALID, "zero span id");
	fill_event(&ev);
	ev.end_ns = ev.start_ns - 1;
	CHECK(trace_usdt_feed(r.tu, &ev, sizeof(ev)) == TRACE_USDT_DEC_INVALID, "end before start");
	fill_event(&ev);
	ev.info = TRACE_USDT_INFO(0, 6, 0);
	CHECK(trace_usdt_feed(r.tu, &ev, sizeof(ev)) == TRACE_USDT_DEC_INVALID, "kind 6");
	fill_event(&ev);
	ev.info = TRACE_USDT_INFO(0, 0, 3);
	CHECK(trace_usdt_feed(r.tu, &ev, sizeof(ev)) == TRACE_USDT_DEC_INVALID, "status 3");
	CHECK(r.s.n == 0, "%zu spans handed out from bad records", r.s.n);

	fill_event(&ev);
	CHECK(trace_usdt_feed(r.tu, &ev, sizeof(ev)) == 0, "good record refused");
	/* a name without its NUL and a length that lies: cut at the record */
	fill_event(&ev);
	memset(ev.name, 'x', sizeof(ev.name));
	ev.name_len = 9999;
	CHECK(trace_usdt_feed(r.tu, &ev, sizeof(ev)) == 0, "unterminated name refused");
	fill_event(&ev);
	ev.name_len = 0;
	CHECK(trace_usdt_feed(r.tu, &ev, sizeof(ev)) == 0, "unreadable name refused");
	memset(&big, 0xab, sizeof(big));
	fill_event(&big.ev);
	big.ev.size = sizeof(big);
	CHECK(trace_usdt_feed(r.tu, &big, sizeof(big)) == 0, "longer record refused");
	CHECK(r.s.n == 4, "%zu spans", r.s.n);
	if (r.s.n == 4) {
		const struct trace_span *sp = &r.s.v[0];

		CHECK(!strcmp(sp->name, "ctl.status") && sp->name == trace_intern("ctl.status"),
		      "name %s (interned)", sp->name);
		CHECK(sp->trace_id.hi == 0x4bf92f3577b34da6ULL && sp->span_id == 0x00f067aa0ba902b7ULL &&
		      sp->parent_id == 0x1111111111111111ULL, "ids");
		CHECK(sp->start_ns == 1700000000000000000ULL && trace_span_duration(sp) == 1500,
		      "times");
		CHECK(sp->kind == TRACE_KIND_SERVER && sp->status == TRACE_STATUS_ERROR &&
		      sp->flags == TRACE_FLAG_SAMPLED && !sp->status_msg, "kind, status, flags");
		CHECK(attr(sp, "process.pid") == 1230 && attr(sp, "thread.id") == 1234, "attrs");
		CHECK(strlen(r.s.v[1].name) == TRACE_USDT_NAME_LEN - 1, "cut name of %zu bytes",
		      strlen(r.s.v[1].name));
		CHECK(!strcmp(r.s.v[2].name, "(unreadable)"), "name %s", r.s.v[2].name);
	}
	trace_usdt_stats(r.tu, &st);
	CHECK(st.err_short == 3 && st.err_size == 1 && st.err_invalid == 5 &&
	      st.decode_errors == 9 && st.decoded == 4,
	      "short %" PRIu64 " size %" PRIu64 " invalid %" PRIu64 " errors %" PRIu64
	      " decoded %" PRIu64, st.err_short, st.err_size, st.err_invalid,
	      st.decode_errors, st.decoded);
	return rig_close(&r, ok);
}

/* What a span costs in the process, with nobody attached and with us attached. */
static bool t_cost(void)
{
	enum { N = 20000 };
	struct trace_usdt_stats st;
	struct reply rep;
	double idle = 1e18, traced = 1e18;
	struct rig r;
	/* room for a round (144 bytes a record): the ring is read between rounds only */
	bool ok = rig_open(&r, 4u << 20, 1, false);
	int round, id;

	if (!r.tu)
		return false;
	for (round = 0; round < 3 && ok; round++) {
		CHECK(child_spans_run(&r.a, N, 0xc0, 1u << 15, false, NULL, &rep), "child");
		if ((double)rep.elapsed_ns / N < idle)
			idle = (double)rep.elapsed_ns / N;
	}
	id = trace_usdt_attach(r.tu, r.a.pid, NULL);
	CHECK(id >= 0, "attach: %s", strerror(-id));
	for (round = 0; round < 3 && ok; round++) {
		CHECK(child_spans_run(&r.a, N, 0xc1, 1u << 15, false, NULL, &rep), "child");
		if ((double)rep.elapsed_ns / N < traced)
			traced = (double)rep.elapsed_ns / N;
		drain(r.tu);
	}
	trace_usdt_stats(r.tu, &st);
	diag("ns per span in the traced process (begin, status, end into its ring; best of 3 x %d): "
	     "%.0f not attached, %.0f attached (+%.0f: uprobe, program, ring)", N, idle, traced,
	     traced - idle);
	CHECK(st.events == 3 * N && st.drops == 0, "events %" PRIu64 " drops %" PRIu64,
	      st.events, st.drops);
	CHECK(idle > 0 && traced > 0, "idle %.1f traced %.1f", idle, traced);
	return rig_close(&r, ok);
}

static const struct tap_case cases[] = {
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
	signal(SIGPIPE, SIG_IGN);
	return tap_main(argc, argv, "usdt", cases, sizeof(cases) / sizeof(cases[0]));
}
