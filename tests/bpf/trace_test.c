// SPDX-License-Identifier: GPL-2.0
/*
 * trace_test.c - bpf-trace-test: the kernel-span programs (bpf/trace.bpf.c)
 * loaded, attached and driven on the host through lib/trace's collector,
 * reported as TAP version 13 (tests/bpf/run.sh counts it with the fixtures).
 *
 *	bpf-trace-test [-v]
 *
 * Real tracepoints where the host has them (system calls, the scheduler,
 * thread exit); BPF_PROG_TEST_RUN for what it does not (sovereign.ko's
 * tracepoints exist only where the module is loaded) and for exact
 * histogram values. Needs root. Exit status 0 when every case passed.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../lib/trace/bpf_collect.h"
#include "trace_test.h"

/* ---- spans collected from the ring ------------------------------------- */

static void spans_reset(struct spans *s)
{
	s->n = 0;
}

bool attr_int(const struct trace_span *sp, const char *key, int64_t *v)
{
	unsigned int i;

	for (i = 0; i < sp->nattrs; i++)
		if (sp->attr_type[i] == TRACE_ATTR_INT && !strcmp(sp->attrs[i].key, key)) {
			*v = sp->attrs[i].v.i;
			return true;
		}
	return false;
}

int64_t span_tid(const struct trace_span *sp)
{
	int64_t v = -1;

	attr_int(sp, "thread.id", &v);
	return v;
}

static size_t count_named(const struct spans *s, const char *name, int64_t tid)
{
	size_t i, n = 0;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].name, name) && (tid < 0 || span_tid(&s->v[i]) == tid))
			n++;
	return n;
}

static const struct trace_span *find_span(const struct spans *s, uint64_t span_id)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].span_id == span_id)
			return &s->v[i];
	return NULL;
}

static void drain(struct trace_bpf *tb)
{
	while (trace_bpf_consume(tb) > 0)
		;
}

struct trace_bpf *open_tb(struct spans *s, void (*tweak)(struct trace_bpf_opts *))
{
	struct trace_bpf_opts o;
	struct trace_bpf *tb;
	int err;

	trace_bpf_opts_default(&o);
	o.pin_dir = NULL;
	o.fn = spans_collect;
	o.arg = s;
	if (tweak)
		tweak(&o);
	err = trace_bpf_open(&tb, &o);
	if (err) {
		diag("trace_bpf_open: %s", strerror(-err));
		return NULL;
	}
	return tb;
}

static void getpid_n(unsigned int n)
{
	while (n--)
		syscall(SYS_getpid);
}

static void sleep_ns(long ns)
{
	struct timespec ts = { ns / 1000000000L, ns % 1000000000L };

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

/* ---- cases ------------------------------------------------------------- */

static bool t_load_attach(void)
{
	struct trace_bpf_stats st;
	struct spans s = {};
	struct trace_bpf *tb = open_tb(&s, NULL);
	struct bpf_program *p;
	bool ok = true;
	int n = 0;

	if (!tb)
		return false;
	bpf_object__for_each_program(p, trace_bpf_object(tb))
		if (bpf_program__fd(p) >= 0)
			n++;
	trace_bpf_stats(tb, &st);
	/* sys_enter, sys_exit, sched_switch, sched_wakeup, sched_process_exit,
	 * sov_op_start, sov_op_end (the hist probe only on request) */
	CHECK(n == 7, "%d programs loaded", n);
	CHECK(st.progs_attached == 5u + 2u * st.module_attached, "%u attached", st.progs_attached);
	if (!st.module_attached)
		diag("sovereign:sov_op_start/end absent (module not loaded): loaded, not attached");
	CHECK(trace_bpf_attach_module(tb) == (st.module_attached ? 1 : 0), "attach_module");
	CHECK(trace_bpf_fd(tb) >= 0, "no epoll fd");
	CHECK(st.threads == 0 && st.events == 0, "threads %" PRIu64 " events %" PRIu64,
	      st.threads, st.events);
	trace_bpf_detach(tb);
	trace_bpf_stats(tb, &st);
	CHECK(st.progs_attached == 0, "%u attached after detach", st.progs_attached);
	CHECK(trace_bpf_attach(tb) == 0, "attach again");
	trace_bpf_close(tb);
	free(s.v);
	return ok;
}

static char pin_dir[128];

static void tweak_pin(struct trace_bpf_opts *o)
{
	o->pin_dir = pin_dir;
	o->attach = false;
}

static bool t_pins(void)
{
	static const char *const names[] = {
		"trace_threads", "trace_events", "trace_stats", "trace_hist", "trace_conf",
	};
	struct spans s = {};
	struct trace_bpf *tb;
	char path[256];
	bool ok = true;
	size_t i;

	snprintf(pin_dir, sizeof(pin_dir), "/sys/fs/bpf/sov-trace-test-%d", (int)getpid());
	tb = open_tb(&s, tweak_pin);
	if (!tb)
		return false;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct bpf_map_info info = {};
		uint32_t len = sizeof(info);
		int fd;

		snprintf(path, sizeof(path), "%s/%s", pin_dir, names[i]);
		fd = bpf_obj_get(path);
		CHECK(fd >= 0, "%s: %s", path, strerror(errno));
		if (fd < 0)
			continue;
		CHECK(!bpf_obj_get_info_by_fd(fd, &info, &len) && !strcmp(info.name, names[i]),
		      "%s is map '%s'", path, info.name);
		close(fd);
	}
	trace_bpf_close(tb);
	snprintf(path, sizeof(path), "%s/trace_events", pin_dir);
	CHECK(access(path, F_OK) && errno == ENOENT, "%s left behind", path);
	CHECK(access(pin_dir, F_OK) && errno == ENOENT, "%s left behind", pin_dir);
	free(s.v);
	return ok;
}

static bool t_syscalls(void)
{
	struct spans s = {};
	struct trace_bpf *tb = open_tb(&s, NULL);
	pid_t self = gettid();
	uint64_t t0, t1, dur_min = UINT64_MAX;
	struct trace_bpf_stats st;
	struct trace_ctx ctx;
	size_t i, nsys = 0, ngetpid = 0;
	bool ok = true;

	if (!tb)
		return false;
	trace_ctx_new_root(&ctx, true);
	trace_clock_sync();
	t0 = trace_clock_now_ns();
	CHECK(trace_bpf_set_thread(tb, self, &ctx, 1, 0) == 0, "set_thread");
	getpid_n(100);
	CHECK(trace_bpf_clear_thread(tb, self) == 0, "clear_thread");
	t1 = trace_clock_now_ns();
	getpid_n(100);		/* after the clear: not traced */
	drain(tb);
	for (i = 0; i < s.n; i++) {
		const struct trace_span *sp = &s.v[i];
		int64_t v = 0;

		if (strncmp(sp->name, "syscall:", 8))
			continue;
		nsys++;
		CHECK(!strcmp(sp->name, "syscall:getpid"), "unexpected %s", sp->name);
		CHECK(trace_id_eq(&sp->trace_id, &ctx.trace_id), "trace id");
		CHECK(sp->parent_id == ctx.span_id, "parent %016" PRIx64, sp->parent_id);
		CHECK(sp->flags == ctx.flags, "flags %#x", sp->flags);
		CHECK(span_tid(sp) == self, "tid %" PRId64, span_tid(sp));
		CHECK(attr_int(sp, "syscall.ret", &v) && v == getpid(), "ret %" PRId64, v);
		CHECK(sp->status == TRACE_STATUS_UNSET, "status %u", sp->status);
		CHECK(sp->kind == TRACE_KIND_INTERNAL, "kind");
		CHECK(sp->start_ns + 1000000 >= t0 && sp->end_ns <= t1 + 1000000 &&
		      sp->end_ns >= sp->start_ns,
		      "span [%" PRIu64 ", %" PRIu64 "] outside [%" PRIu64 ", %" PRIu64 "]",
		      sp->start_ns, sp->end_ns, t0, t1);
		CHECK(find_span(&s, sp->span_id) == sp, "span id %016" PRIx64 " twice", sp->span_id);
		if (!strcmp(sp->name, "syscall:getpid")) {
			ngetpid++;
			if (trace_span_duration(sp) < dur_min)
				dur_min = trace_span_duration(sp);
		}
		if (!ok)
			break;
	}
	CHECK(nsys == 100 && ngetpid == 100, "%zu syscall spans, %zu getpid (expected 100)",
	      nsys, ngetpid);
	trace_bpf_stats(tb, &st);
	CHECK(st.drops == 0 && st.decode_errors == 0 && st.decoded == s.n && st.threads == 0,
	      "drops %" PRIu64 " errors %" PRIu64 " decoded %" PRIu64 " threads %" PRIu64,
	      st.drops, st.decode_errors, st.decoded, st.threads);
	if (verbose)
		diag("%zu spans, shortest getpid %" PRIu64 " ns", s.n, dur_min);
	trace_bpf_close(tb);
	free(s.v);
	return ok;
}

static volatile int helper_stop;
static volatile pid_t helper_tid;

static void *helper(void *arg)
{
	(void)arg;
	helper_tid = gettid();
	while (!helper_stop)
		getpid_n(100);
	return NULL;
}

static bool t_untraced(void)
{
	struct spans s = {};
	struct trace_bpf *tb = open_tb(&s, NULL);
	pid_t self = gettid();
	struct trace_ctx ctx;
	pthread_t th;
	bool ok = true;
	size_t i, mine = 0, theirs = 0;

	if (!tb)
		return false;
	helper_stop = 0;
	helper_tid = 0;
	if (pthread_create(&th, NULL, helper, NULL)) {
		trace_bpf_close(tb);
		return false;
	}
	while (!helper_tid)
		sched_yield();
	trace_ctx_new_root(&ctx, true);
	CHECK(trace_bpf_set_thread(tb, self, &ctx, 0, 0) == 0, "set_thread");
	getpid_n(200);
	sleep_ns(5000000);	/* the helper runs meanwhile */
	trace_bpf_clear_thread(tb, self);
	helper_stop = 1;
	pthread_join(th, NULL);
	drain(tb);
	for (i = 0; i < s.n; i++) {
		if (span_tid(&s.v[i]) == helper_tid)
			theirs++;
		else if (span_tid(&s.v[i]) == self)
			mine++;
	}
	CHECK(theirs == 0, "%zu spans of the untraced thread %d", theirs, (int)helper_tid);
	CHECK(mine >= 201 && mine == s.n, "%zu spans of ours, %zu in all", mine, s.n);
	trace_bpf_close(tb);
	free(s.v);
	return ok;
}

static pid_t filter_pid;

static void tweak_pid(struct trace_bpf_opts *o)
{
	o->pid = filter_pid;
}

/* opts.pid: threads of other processes are not traced even when listed */
static bool t_pid_filter(void)
{
	struct trace_ctx ctx;
	bool ok = true;
	int round;

	trace_ctx_new_root(&ctx, true);
	for (round = 0; round < 2; round++) {
		struct spans s = {};
		struct trace_bpf *tb;
		size_t n;

		filter_pid = round ? getpid() : 1;
		tb = open_tb(&s, tweak_pid);
		if (!tb)
			return false;
		trace_bpf_set_thread(tb, gettid(), &ctx, 0, TRACE_BPF_C_SYSCALL | TRACE_BPF_C_EVENTS);
		getpid_n(50);
		trace_bpf_clear_thread(tb, gettid());
		drain(tb);
		n = count_named(&s, "syscall:getpid", gettid());
		CHECK(n == (round ? 50u : 0u), "pid filter %d: %zu spans", (int)filter_pid, n);
		trace_bpf_close(tb);
		free(s.v);
	}
	return ok;
}

static bool t_error_status(void)
{
	struct spans s = {};
	struct trace_bpf *tb = open_tb(&s, NULL);
	pid_t self = gettid();
	struct trace_ctx ctx;
	bool ok = true;
	size_t i, n = 0;

	if (!tb)
		return false;
	trace_ctx_new_root(&ctx, true);
	trace_bpf_set_thread(tb, self, &ctx, 0, TRACE_BPF_C_SYSCALL | TRACE_BPF_C_EVENTS);
	syscall(SYS_close, -1);
	trace_bpf_clear_thread(tb, self);
	drain(tb);
	for (i = 0; i < s.n; i++) {
		const struct trace_span *sp = &s.v[i];
		int64_t v = 0;

		if (strcmp(sp->name, "syscall:close"))
			continue;
		n++;
		CHECK(attr_int(sp, "syscall.ret", &v) && v == -EBADF, "ret %" PRId64, v);
		CHECK(sp->status == TRACE_STATUS_ERROR && sp->status_msg &&
		      !strcmp(sp->status_msg, "EBADF"), "status %u '%s'", sp->status,
		      sp->status_msg ? sp->status_msg : "(null)");
	}
	CHECK(n == 1, "%zu close spans", n);
	trace_bpf_close(tb);
	free(s.v);
	return ok;
}

static bool t_sleep_wait(void)
{
	struct spans s = {};
	struct trace_bpf *tb = open_tb(&s, NULL);
	pid_t self = gettid();
	struct trace_ctx ctx;
	size_t i, sleeps = 0, waits = 0, nsleep_calls;
	bool ok = true;

	if (!tb)
		return false;
	trace_ctx_new_root(&ctx, true);
	trace_bpf_set_thread(tb, self, &ctx, 0, 0);
	for (i = 0; i < 3; i++)
		sleep_ns(20000000);
	trace_bpf_clear_thread(tb, self);
	drain(tb);
	nsleep_calls = count_named(&s, "syscall:clock_nanosleep", self);
	CHECK(nsleep_calls == 3, "%zu clock_nanosleep spans", nsleep_calls);
	for (i = 0; i < s.n; i++) {
		const struct trace_span *sp = &s.v[i], *parent;
		bool sleep = !strcmp(sp->name, "sched:sleep");

		if (!sleep && strcmp(sp->name, "sched:wait"))
			continue;
		parent = find_span(&s, sp->parent_id);
		CHECK(span_tid(sp) == self, "tid");
		CHECK(trace_id_eq(&sp->trace_id, &ctx.trace_id), "trace id");
		if (sleep && trace_span_duration(sp) >= 19000000) {
			sleeps++;
			CHECK(parent && !strcmp(parent->name, "syscall:clock_nanosleep") &&
			      parent->start_ns <= sp->start_ns && sp->end_ns <= parent->end_ns,
			      "sleep of %" PRIu64 " ns: parent %s", trace_span_duration(sp),
			      parent ? parent->name : "not found");
		} else if (!sleep) {
			waits++;
			/* woken inside clock_nanosleep, runs again inside it; or a preemption */
			CHECK(sp->parent_id == ctx.span_id ||
			      (parent && !strcmp(parent->name, "syscall:clock_nanosleep")) ||
			      (parent && !strncmp(parent->name, "syscall:", 8)),
			      "wait's parent %016" PRIx64, sp->parent_id);
		}
	}
	CHECK(sleeps == 3, "%zu sleep spans of >= 19 ms (expected 3)", sleeps);
	CHECK(waits >= 3, "%zu wait spans (expected one per wakeup)", waits);
	if (verbose)
		diag("%zu spans: %zu sleeps, %zu waits", s.n, sleeps, waits);
	trace_bpf_close(tb);
	free(s.v);
	return ok;
}

static volatile int spin_stop;

static void *spinner(void *arg)
{
	cpu_set_t *set = arg;

	pthread_setaffinity_np(pthread_self(), sizeof(*set), set);
	while (!spin_stop)
		;
	return NULL;
}

/* Two CPU-bound threads on one CPU: the traced one is preempted and waits. */
static bool t_preempt_wait(void)
{
	struct spans s = {};
	struct trace_bpf *tb = open_tb(&s, NULL);
	pid_t self = gettid();
	cpu_set_t set, old;
	struct trace_ctx ctx;
	uint64_t t0, longest = 0;
	size_t i, waits = 0, sleeps = 0;
	pthread_t th;
	bool ok = true;

	if (!tb)
		return false;
	CPU_ZERO(&set);
	CPU_SET(sched_getcpu(), &set);
	sched_getaffinity(0, sizeof(old), &old);
	sched_setaffinity(0, sizeof(set), &set);
	spin_stop = 0;
	pthread_create(&th, NULL, spinner, &set);
	sleep_ns(1000000);
	trace_ctx_new_root(&ctx, true);
	trace_bpf_set_thread(tb, self, &ctx, 0, TRACE_BPF_C_SCHED | TRACE_BPF_C_EVENTS);
	t0 = trace_clock_mono_ns();
	while (trace_clock_mono_ns() - t0 < 60000000)	/* vDSO: no system call */
		;
	trace_bpf_clear_thread(tb, self);
	spin_stop = 1;
	pthread_join(th, NULL);
	sched_setaffinity(0, sizeof(old), &old);
	drain(tb);
	for (i = 0; i < s.n; i++) {
		if (!strcmp(s.v[i].name, "sched:wait")) {
			waits++;
			if (trace_span_duration(&s.v[i]) > longest)
				longest = trace_span_duration(&s.v[i]);
			CHECK(s.v[i].parent_id == ctx.span_id, "parent of a wait outside syscalls");
		} else if (!strcmp(s.v[i].name, "sched:sleep")) {
			sleeps++;
		}
	}
	CHECK(waits >= 2 && longest >= 100000, "%zu waits, longest %" PRIu64 " ns", waits, longest);
	CHECK(sleeps == 0, "%zu sleeps while only preempted", sleeps);
	if (verbose)
		diag("%zu waits, longest %" PRIu64 " ns", waits, longest);
	trace_bpf_close(tb);
	free(s.v);
	return ok;
}

static void tweak_tiny_ring(struct trace_bpf_opts *o)
{
	o->ring_bytes = (uint32_t)sysconf(_SC_PAGESIZE);
}

static bool t_overflow(void)
{
	struct spans s = {};
	struct trace_bpf *tb = open_tb(&s, tweak_tiny_ring);
	pid_t self = gettid();
	struct trace_bpf_stats st;
	struct trace_ctx ctx;
	bool ok = true;

	if (!tb)
		return false;
	trace_ctx_new_root(&ctx, true);
	trace_bpf_set_thread(tb, self, &ctx, 0,
			     TRACE_BPF_C_SYSCALL | TRACE_BPF_C_EVENTS | TRACE_BPF_C_HIST);
	getpid_n(5000);
	trace_bpf_clear_thread(tb, self);
	trace_bpf_stats(tb, &st);
	CHECK(st.drops > 0 && st.events + st.drops == 5000,
	      "events %" PRIu64 " + drops %" PRIu64 " != 5000", st.events, st.drops);
	drain(tb);
	trace_bpf_stats(tb, &st);
	CHECK(st.decoded == st.events && s.n == st.events && st.decode_errors == 0,
	      "decoded %" PRIu64 " of %" PRIu64 " events, %" PRIu64 " errors",
	      st.decoded, st.events, st.decode_errors);
	if (verbose)
		diag("ring of %ld bytes: %" PRIu64 " events, %" PRIu64 " drops",
		     sysconf(_SC_PAGESIZE), st.events, st.drops);
	/* the ring works again once read */
	spans_reset(&s);
	trace_bpf_set_thread(tb, self, &ctx, 0, TRACE_BPF_C_SYSCALL | TRACE_BPF_C_EVENTS);
	getpid_n(10);
	trace_bpf_clear_thread(tb, self);
	drain(tb);
	CHECK(count_named(&s, "syscall:getpid", self) == 10, "%zu spans after the overflow",
	      count_named(&s, "syscall:getpid", self));
	trace_bpf_close(tb);
	free(s.v);
	return ok;
}

static void tweak_test_hooks(struct trace_bpf_opts *o)
{
	o->test_hooks = true;
}

static int probe(int fd, uint64_t v, uint64_t op, uint64_t kind)
{
	__u64 args[3] = { v, op, kind };
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = args, .ctx_size_in = sizeof(args));

	return bpf_prog_test_run_opts(fd, &o);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* BPF's buckets (hist_layout.h compiled for BPF) equal lib/trace's. */
static bool t_hist_probe(void)
{
	static const double qs[] = { 0.5, 0.9, 0.99, 0.999 };
	enum { NRAND = 20000 };
	uint64_t *vals, *bpf_counts, *lib_counts, got[4], exact;
	struct trace_hist *lib = trace_hist_create(), *merged = trace_hist_create();
	struct trace_bpf_stats st;
	struct spans s = {};
	struct trace_bpf *tb = open_tb(&s, tweak_test_hooks);
	size_t n = 0, i;
	unsigned int b, e, q;
	bool ok = true;
	int fd;

	vals = calloc(NRAND + 1024, sizeof(*vals));
	bpf_counts = calloc(TRACE_HIST_BUCKETS, sizeof(*bpf_counts));
	lib_counts = calloc(TRACE_HIST_BUCKETS, sizeof(*lib_counts));
	if (!tb || !vals || !bpf_counts || !lib_counts || !lib || !merged) {
		ok = false;
		goto out;
	}
	fd = bpf_program__fd(bpf_object__find_program_by_name(trace_bpf_object(tb),
							       TRACE_BPF_HIST_PROBE));
	/* the edges: exact range, every power of two and its neighbours, the top */
	for (i = 0; i <= 130; i++)
		vals[n++] = i;
	for (e = 7; e < 64; e++) {
		vals[n++] = (1ULL << e) - 1;
		vals[n++] = 1ULL << e;
		vals[n++] = (1ULL << e) + 1;
		vals[n++] = (1ULL << e) + (1ULL << (e - 6)) - 1;	/* a bucket's last value */
	}
	vals[n++] = UINT64_MAX;
	vals[n++] = UINT64_MAX - 1;
	/* and log-uniform ones over 1 ns .. 100 s */
	srand(42);
	for (i = 0; i < NRAND; i++) {
		double x = (double)rand() / RAND_MAX * log(1e11);

		vals[n++] = (uint64_t)exp(x);
	}
	for (i = 0; i < n; i++) {
		CHECK(probe(fd, vals[i], 2, 1) == 0, "test run: %s", strerror(errno));
		trace_hist_insert(lib, vals[i]);
		if (!ok)
			goto out;
	}
	CHECK(trace_bpf_hist_counts(tb, 2, 1, bpf_counts) == 0, "read row 2");
	for (b = 0; b < TRACE_HIST_BUCKETS; b++) {
		lib_counts[b] = lib->counts[b];
		if (bpf_counts[b] != lib_counts[b]) {
			CHECK(0, "bucket %u [%llu, %llu]: bpf %" PRIu64 ", lib %" PRIu64, b,
			      trace_hist_bucket_lo(b), trace_hist_bucket_hi(b), bpf_counts[b],
			      lib_counts[b]);
			break;
		}
	}
	/* merged into lib/trace's histogram: percentiles within the stated bound */
	CHECK(trace_bpf_hist_read(tb, 2, 1, merged) == 0, "hist_read");
	CHECK(trace_hist_count(merged) == n, "count %" PRIu64, trace_hist_count(merged));
	qsort(vals, n, sizeof(*vals), cmp_u64);
	trace_hist_quantiles(merged, qs, got, 4);
	for (q = 0; q < 4; q++) {
		size_t rank = (size_t)ceil(qs[q] * (double)n);

		exact = vals[(rank ? rank : 1) - 1];
		CHECK(fabs((double)got[q] - (double)exact) <= TRACE_HIST_REL_ERROR * (double)exact,
		      "p%g: %" PRIu64 " vs exact %" PRIu64, qs[q] * 100, got[q], exact);
	}
	/* an op beyond the rows lands in row 0, counted */
	CHECK(probe(fd, 1000, 1000, 0) == 0, "test run");
	trace_bpf_hist_counts(tb, 0, 0, bpf_counts);
	trace_bpf_stats(tb, &st);
	CHECK(bpf_counts[trace_hist_bucket(1000)] == 1 && st.hist_other == 1,
	      "row 0: %" PRIu64 ", hist_other %" PRIu64, bpf_counts[trace_hist_bucket(1000)],
	      st.hist_other);
	CHECK(trace_bpf_hist_clear(tb) == 0, "clear");
	trace_bpf_hist_counts(tb, 2, 1, bpf_counts);
	for (b = 0; b < TRACE_HIST_BUCKETS && !bpf_counts[b]; b++)
		;
	CHECK(b == TRACE_HIST_BUCKETS, "bucket %u not cleared", b);
	if (verbose)
		diag("%zu values; p99 %" PRIu64, n, got[2]);
out:
	trace_bpf_close(tb);
	trace_hist_destroy(lib);
	trace_hist_destroy(merged);
	free(vals);
	free(bpf_counts);
	free(lib_counts);
	free(s.v);
	return ok;
}

/* The histograms of real spans equal the spans' durations counted by lib/trace. */
static bool t_hist_spans(void)
{
	static const char *const kinds[] = { "syscall:", "sched:wait", "sched:sleep" };
	struct spans s = {};
	struct trace_bpf *tb = open_tb(&s, NULL);
	struct trace_hist *lib[3] = { trace_hist_create(), trace_hist_create(), trace_hist_create() };
	uint64_t *counts = calloc(TRACE_HIST_BUCKETS, sizeof(*counts));
	struct trace_bpf_stats st;
	pid_t self = gettid();
	struct trace_ctx ctx;
	unsigned int k, b;
	bool ok = true;
	size_t i;

	if (!tb || !counts || !lib[0] || !lib[1] || !lib[2]) {
		ok = false;
		goto out;
	}
	trace_ctx_new_root(&ctx, true);
	trace_bpf_set_thread(tb, self, &ctx, 3, 0);
	getpid_n(300);
	sleep_ns(1000000);
	sleep_ns(2000000);
	trace_bpf_clear_thread(tb, self);
	drain(tb);
	trace_bpf_stats(tb, &st);
	CHECK(st.drops == 0, "drops %" PRIu64, st.drops);
	for (i = 0; i < s.n; i++)
		for (k = 0; k < 3; k++)
			if (!strncmp(s.v[i].name, kinds[k], strlen(kinds[k])))
				trace_hist_insert(lib[k], trace_span_duration(&s.v[i]));
	for (k = 0; k < 3; k++) {
		CHECK(trace_bpf_hist_counts(tb, 3, k, counts) == 0, "read");
		CHECK(trace_hist_count(lib[k]) > 0, "no %s spans", kinds[k]);
		for (b = 0; b < TRACE_HIST_BUCKETS; b++)
			if (counts[b] != lib[k]->counts[b]) {
				CHECK(0, "%s bucket %u: bpf %" PRIu64 ", spans %" PRIu64, kinds[k], b,
				      counts[b], (uint64_t)lib[k]->counts[b]);
				break;
			}
	}
	/* other rows stayed empty */
	trace_bpf_hist_counts(tb, 0, 0, counts);
	for (b = 0; b < TRACE_HIST_BUCKETS && !counts[b]; b++)
		;
	CHECK(b == TRACE_HIST_BUCKETS, "row 0 got values");
out:
	trace_bpf_close(tb);
	for (k = 0; k < 3; k++)
		trace_hist_destroy(lib[k]);
	free(counts);
	free(s.v);
	return ok;
}

static int op_run(struct trace_bpf *tb, const char *prog, uint32_t op, int64_t val)
{
	struct bpf_program *p = bpf_object__find_program_by_name(trace_bpf_object(tb), prog);
	__u64 args[2] = { op, (__u64)val };
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = args, .ctx_size_in = sizeof(args));

	if (!p)
		return -ENOENT;
	return bpf_prog_test_run_opts(bpf_program__fd(p), &o) ? -errno : 0;
}

static const struct trace_span *find_named(const struct spans *s, const char *name, size_t nth)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].name, name) && !nth--)
			return &s->v[i];
	return NULL;
}

/* sovereign.ko's operations, through BPF_PROG_TEST_RUN (no module on the host). */
static bool t_module_ops(void)
{
	const uint32_t genl = TRACE_SOV_OP(TRACE_SOV_GENL, 5), zp = TRACE_SOV_OP(TRACE_SOV_ZPAGE, 1);
	const struct trace_span *g, *z, *par;
	struct spans s = {};
	struct trace_bpf *tb = open_tb(&s, NULL);
	struct trace_bpf_stats st;
	pid_t self = gettid();
	struct trace_ctx ctx;
	int64_t v = 0;
	bool ok = true;
	int i;

	if (!tb)
		return false;
	trace_ctx_new_root(&ctx, true);
	trace_bpf_set_thread(tb, self, &ctx, 0, 0);
	CHECK(op_run(tb, "trace_sov_op_start", genl, 77) == 0, "run");
	op_run(tb, "trace_sov_op_start", zp, 4096);
	op_run(tb, "trace_sov_op_end", zp, 0);
	op_run(tb, "trace_sov_op_end", genl, -EINVAL);
	op_run(tb, "trace_sov_op_end", genl, 0);	/* nothing open: unmatched */
	/* 6 deep: the 2 beyond TRACE_BPF_OP_DEPTH are counted, not recorded */
	for (i = 0; i < 6; i++)
		op_run(tb, "trace_sov_op_start", TRACE_SOV_OP(TRACE_SOV_NETIO, i), i);
	for (i = 5; i >= 0; i--)
		op_run(tb, "trace_sov_op_end", TRACE_SOV_OP(TRACE_SOV_NETIO, i), 0);
	trace_bpf_clear_thread(tb, self);
	drain(tb);
	trace_bpf_stats(tb, &st);

	g = find_named(&s, "sovereign:genl", 0);
	z = find_named(&s, "sovereign:zpage", 0);
	CHECK(g && z, "genl %p zpage %p", (const void *)g, (const void *)z);
	if (!g || !z)
		goto out;
	CHECK(attr_int(g, "sov.op", &v) && v == genl, "op %" PRId64, v);
	CHECK(attr_int(g, "sov.arg", &v) && v == 77, "arg %" PRId64, v);
	CHECK(attr_int(g, "sov.ret", &v) && v == -EINVAL, "ret %" PRId64, v);
	CHECK(g->status == TRACE_STATUS_ERROR && g->status_msg && !strcmp(g->status_msg, "EINVAL"),
	      "status");
	CHECK(z->status == TRACE_STATUS_UNSET && attr_int(z, "sov.arg", &v) && v == 4096, "zpage");
	CHECK(z->parent_id == g->span_id, "zpage's parent is not the genl op");
	CHECK(z->start_ns >= g->start_ns && z->end_ns <= g->end_ns, "zpage outside genl");
	par = find_span(&s, g->parent_id);
	/* started inside the bpf() call that ran the start program */
	CHECK(par && !strcmp(par->name, "syscall:bpf"), "genl's parent %s",
	      par ? par->name : "not found");
	CHECK(trace_id_eq(&g->trace_id, &ctx.trace_id), "trace id");
	CHECK(count_named(&s, "sovereign:netio", self) == TRACE_BPF_OP_DEPTH,
	      "%zu netio spans", count_named(&s, "sovereign:netio", self));
	CHECK(st.op_unmatched == 1 && st.op_overflow == 2,
	      "unmatched %" PRIu64 " overflow %" PRIu64, st.op_unmatched, st.op_overflow);
out:
	trace_bpf_close(tb);
	free(s.v);
	return ok;
}

struct exiter {
	struct trace_bpf *tb;
	struct trace_ctx ctx;
	pid_t tid;
	int err;
};

static void *exiter(void *arg)
{
	struct exiter *x = arg;

	x->tid = gettid();
	x->err = trace_bpf_set_thread(x->tb, x->tid, &x->ctx, 0, 0);
	getpid_n(10);
	return NULL;	/* exits traced */
}

static bool t_exit(void)
{
	struct spans s = {};
	struct trace_bpf *tb = open_tb(&s, NULL);
	struct trace_bpf_thread v;
	struct trace_bpf_stats st;
	struct exiter x = {};
	pthread_t th;
	bool ok = true;
	__u32 key;

	if (!tb)
		return false;
	x.tb = tb;
	trace_ctx_new_root(&x.ctx, true);
	pthread_create(&th, NULL, exiter, &x);
	pthread_join(th, NULL);
	drain(tb);
	trace_bpf_stats(tb, &st);
	key = (__u32)x.tid;
	CHECK(x.err == 0, "set_thread: %d", x.err);
	CHECK(st.exits == 1 && st.threads == 0, "exits %" PRIu64 " threads %" PRIu64,
	      st.exits, st.threads);
	CHECK(bpf_map_lookup_elem(bpf_object__find_map_fd_by_name(trace_bpf_object(tb),
								  "trace_threads"), &key, &v) &&
	      errno == ENOENT, "the exited thread is still in trace_threads");
	CHECK(count_named(&s, "syscall:getpid", x.tid) == 10, "%zu getpid spans",
	      count_named(&s, "syscall:getpid", x.tid));
	CHECK(trace_bpf_clear_thread(tb, x.tid) == -ENOENT, "clear after exit");
	trace_bpf_stats(tb, &st);
	CHECK(st.threads == 0, "threads %" PRIu64, st.threads);
	trace_bpf_close(tb);
	free(s.v);
	return ok;
}

static bool t_set_clear_args(void)
{
	struct spans s = {};
	struct trace_bpf *tb = open_tb(&s, NULL);
	struct trace_ctx ctx, zero = {};
	struct trace_bpf_stats st;
	pid_t self = gettid();
	bool ok = true;

	if (!tb)
		return false;
	trace_ctx_new_root(&ctx, true);
	CHECK(trace_bpf_set_thread(tb, 0, &ctx, 0, 0) == -EINVAL, "tid 0");
	CHECK(trace_bpf_set_thread(tb, -1, &ctx, 0, 0) == -EINVAL, "tid -1");
	CHECK(trace_bpf_set_thread(tb, self, &zero, 0, 0) == -EINVAL, "zero context");
	CHECK(trace_bpf_set_thread(tb, self, NULL, 0, 0) == -EINVAL, "no context");
	CHECK(trace_bpf_set_thread(tb, self, &ctx, 0, 0x10000) == -EINVAL, "collect");
	CHECK(trace_bpf_clear_thread(tb, self) == -ENOENT, "clear untraced");
	CHECK(trace_bpf_set_thread(tb, self, &ctx, 0, 0) == 0, "set");
	CHECK(trace_bpf_set_thread(tb, self, &ctx, 1, 0) == 0, "set again (replace)");
	trace_bpf_stats(tb, &st);
	CHECK(st.threads == 1, "threads %" PRIu64 " after set twice", st.threads);
	CHECK(trace_bpf_clear_thread(tb, self) == 0, "clear");
	trace_bpf_stats(tb, &st);
	CHECK(st.threads == 0, "threads %" PRIu64 " after clear", st.threads);
	trace_bpf_close(tb);
	free(s.v);
	return ok;
}

static const struct tap_case cases[] = {
	{ "programs load and attach", t_load_attach },
	{ "maps pinned under bpffs and unpinned at close", t_pins },
	{ "a traced thread's syscalls become spans of its trace", t_syscalls },
	{ "an untraced thread produces no span", t_untraced },
	{ "the process filter", t_pid_filter },
	{ "a failing syscall is a span with status ERROR", t_error_status },
	{ "sleep and wait spans of a thread that blocks", t_sleep_wait },
	{ "run-queue wait spans of a preempted thread", t_preempt_wait },
	{ "ring overflow: drops counted, nothing lost silently", t_overflow },
	{ "BPF histogram buckets equal lib/trace's", t_hist_probe },
	{ "BPF histograms equal the spans' durations", t_hist_spans },
	{ "module operation spans, nested, unmatched, too deep", t_module_ops },
	{ "a traced thread that exits leaves the map", t_exit },
	{ "set/clear thread argument checks", t_set_clear_args },
	{ "malformed records rejected and counted", t_decode_malformed },
	{ "ns per BPF event", t_bench },
};

int main(int argc, char **argv)
{
	return tap_main(argc, argv, "trace", cases, sizeof(cases) / sizeof(cases[0]));
}
