// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel spans: load bpf/trace.bpf.c through its libbpf skeleton, attach
 * it, pin its maps for bpftool, list the traced threads, and read what the
 * programs produce (ring buffer, histograms, counters).
 *
 * Pins: unlike the data plane's (tools/sovereignd/bpf_loader.c), trace maps
 * are made fresh at every open and their pins replaced: what they hold (the
 * threads of a process, spans in flight) means nothing to the next process.
 * Close removes them. Programs are not pinned: they live while attached,
 * and bpftool lists them then.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "../bpf/percpu.h"
#include "../bpf/pins.h"
#include "bpf_collect.h"
#include "trace.skel.h"

struct trace_bpf {
	struct trace *skel;
	struct ring_buffer *rb;
	struct trace_bpf_conf *conf;		/* trace_conf[0], mmapped */
	size_t conf_len;
	struct trace_bpf_opts opts;
	char pin_dir[256];
	bool pinned, made_dir;
	int sov_fd[2];				/* raw tracepoint fds: start, end */
	trace_span_fn fn;
	void *arg;
	uint64_t decoded, err_short, err_size, err_type, err_invalid;
	struct trace_bpf_hist *hbuf;		/* per-CPU read buffer */
	int ncpu;
};

void trace_bpf_opts_default(struct trace_bpf_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->pin_dir = SOV_BPF_PIN_DIR;
	opts->ring_bytes = TRACE_BPF_RING_BYTES;
	opts->max_threads = TRACE_BPF_MAX_THREADS;
	opts->hist_ops = TRACE_BPF_HIST_OPS;
	opts->syscalls = opts->sched = opts->module = true;
	opts->attach = true;
}

struct bpf_object *trace_bpf_object(struct trace_bpf *tb)
{
	return tb->skel->obj;
}

/* ---- pins ---------------------------------------------------------------- */

/* bpffs on @dir's parent (mounted if it is not), and @dir itself. */
static int ensure_bpffs(const char *dir, bool *made)
{
	char parent[256], *slash;
	struct statfs st;

	*made = false;
	if (snprintf(parent, sizeof(parent), "%s", dir) >= (int)sizeof(parent))
		return -ENAMETOOLONG;
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	if (statfs(parent, &st))
		return -errno;
	if ((unsigned long)st.f_type != BPF_FS_MAGIC &&
	    mount("bpf", parent, "bpf", 0, "mode=0700"))
		return -errno;
	if (!mkdir(dir, 0700))
		*made = true;
	else if (errno != EEXIST)
		return -errno;
	return 0;
}

static void unpin_maps(struct trace_bpf *tb)
{
	struct bpf_map *map;

	if (!tb->pinned)
		return;
	bpf_object__for_each_map(map, tb->skel->obj)
		if (bpf_map__is_pinned(map))
			bpf_map__unpin(map, NULL);
	if (tb->made_dir)
		rmdir(tb->pin_dir);	/* only if nothing else was pinned there meanwhile */
	tb->pinned = false;
}

static int pin_maps(struct trace_bpf *tb, const char *dir)
{
	struct bpf_map *map;
	char path[512];
	int err;

	if (snprintf(tb->pin_dir, sizeof(tb->pin_dir), "%s", dir) >= (int)sizeof(tb->pin_dir))
		return -ENAMETOOLONG;
	err = ensure_bpffs(dir, &tb->made_dir);
	if (err)
		return err;
	tb->pinned = true;
	bpf_object__for_each_map(map, tb->skel->obj) {
		const char *name = bpf_map__name(map);

		if (strncmp(name, "trace_", 6))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		unlink(path);		/* an earlier instance's */
		err = bpf_map__pin(map, path);
		if (err) {
			unpin_maps(tb);
			return err;
		}
	}
	return 0;
}

/* ---- attach ---------------------------------------------------------------- */

static int attach_one(struct bpf_program *prog, struct bpf_link **link)
{
	struct bpf_link *l;

	if (*link || !bpf_program__autoload(prog))
		return 0;
	l = bpf_program__attach(prog);
	if (!l)
		return -errno;
	*link = l;
	return 0;
}

static void detach_one(struct bpf_link **link)
{
	bpf_link__destroy(*link);
	*link = NULL;
}

static void detach_module(struct trace_bpf *tb)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (tb->sov_fd[i] >= 0)
			close(tb->sov_fd[i]);
		tb->sov_fd[i] = -1;
	}
}

/*
 * Straight through the syscall rather than bpf_program__attach(): a missing
 * tracepoint is the normal case here (no module), not worth libbpf's warning.
 * End first, so no operation starts that could not end.
 */
int trace_bpf_attach_module(struct trace_bpf *tb)
{
	struct trace *s = tb->skel;
	int err;

	if (!bpf_program__autoload(s->progs.trace_sov_op_start))
		return 0;
	if (tb->sov_fd[0] >= 0 && tb->sov_fd[1] >= 0)
		return 1;
	detach_module(tb);
	tb->sov_fd[1] = bpf_raw_tracepoint_open(TRACE_SOV_TP_END,
						bpf_program__fd(s->progs.trace_sov_op_end));
	if (tb->sov_fd[1] >= 0)
		tb->sov_fd[0] = bpf_raw_tracepoint_open(TRACE_SOV_TP_START,
							bpf_program__fd(s->progs.trace_sov_op_start));
	if (tb->sov_fd[0] < 0 || tb->sov_fd[1] < 0) {
		err = -errno;
		detach_module(tb);
		return err == -ENOENT ? 0 : err;	/* no such tracepoint: module not loaded */
	}
	return 1;
}

int trace_bpf_attach(struct trace_bpf *tb)
{
	struct trace *s = tb->skel;
	int err;

	/* cleanup first, syscalls last: no span is started that cannot end */
	err = attach_one(s->progs.trace_task_exit, &s->links.trace_task_exit);
	if (!err)
		err = attach_one(s->progs.trace_sched_wakeup, &s->links.trace_sched_wakeup);
	if (!err)
		err = attach_one(s->progs.trace_sched_switch, &s->links.trace_sched_switch);
	if (!err)
		err = attach_one(s->progs.trace_sys_exit, &s->links.trace_sys_exit);
	if (!err)
		err = attach_one(s->progs.trace_sys_enter, &s->links.trace_sys_enter);
	if (!err) {
		err = trace_bpf_attach_module(tb);
		if (err > 0)
			err = 0;
	}
	if (err)
		trace_bpf_detach(tb);
	return err;
}

void trace_bpf_detach(struct trace_bpf *tb)
{
	struct trace *s = tb->skel;

	detach_one(&s->links.trace_sys_enter);
	detach_one(&s->links.trace_sys_exit);
	detach_module(tb);
	detach_one(&s->links.trace_sched_switch);
	detach_one(&s->links.trace_sched_wakeup);
	detach_one(&s->links.trace_task_exit);
}

/* ---- open / close ------------------------------------------------------------ */

static int on_record(void *ctx, void *data, size_t len)
{
	trace_bpf_feed(ctx, data, len);
	return 0;		/* a bad record never stops the reader */
}

static bool pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

int trace_bpf_open(struct trace_bpf **out, const struct trace_bpf_opts *opts)
{
	long page = sysconf(_SC_PAGESIZE);
	struct trace_bpf_opts def;
	struct trace_bpf *tb;
	struct trace *s;
	void *m;
	int err;

	*out = NULL;
	if (!opts) {
		trace_bpf_opts_default(&def);
		opts = &def;
	}
	if (!pow2(opts->ring_bytes) || opts->ring_bytes < (uint32_t)page ||
	    !opts->max_threads || !opts->hist_ops ||
	    opts->hist_ops > UINT32_MAX / TRACE_BPF_KINDS)
		return -EINVAL;
	tb = calloc(1, sizeof(*tb));
	if (!tb)
		return -ENOMEM;
	tb->opts = *opts;
	tb->opts.pin_dir = NULL;	/* not kept: the caller's string */
	tb->fn = opts->fn;
	tb->arg = opts->arg;
	tb->sov_fd[0] = tb->sov_fd[1] = -1;
	tb->ncpu = libbpf_num_possible_cpus();
	if (tb->ncpu <= 0) {
		err = tb->ncpu ? tb->ncpu : -EINVAL;
		goto err_free;
	}
	s = tb->skel = trace__open();
	if (!s) {
		err = -errno;
		goto err_free;
	}
	bpf_map__set_max_entries(s->maps.trace_events, opts->ring_bytes);
	bpf_map__set_max_entries(s->maps.trace_threads, opts->max_threads);
	bpf_map__set_max_entries(s->maps.trace_hist, opts->hist_ops * TRACE_BPF_KINDS);
	bpf_program__set_autoload(s->progs.trace_hist_probe, opts->test_hooks);
	bpf_program__set_autoload(s->progs.trace_sys_enter, opts->syscalls);
	bpf_program__set_autoload(s->progs.trace_sys_exit, opts->syscalls);
	bpf_program__set_autoload(s->progs.trace_sched_switch, opts->sched);
	bpf_program__set_autoload(s->progs.trace_sched_wakeup, opts->sched);
	/* raw_tp: loads without the module (and without its BTF), attaches where it is */
	bpf_program__set_autoload(s->progs.trace_sov_op_start, opts->module);
	bpf_program__set_autoload(s->progs.trace_sov_op_end, opts->module);
	err = trace__load(s);
	if (err)
		goto err_destroy;

	tb->conf_len = (size_t)page;
	m = mmap(NULL, tb->conf_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 bpf_map__fd(s->maps.trace_conf), 0);
	if (m == MAP_FAILED) {
		err = -errno;
		goto err_destroy;
	}
	tb->conf = m;
	tb->conf->hist_ops = opts->hist_ops;
	tb->conf->sched_min_ns = opts->sched_min_ns;
	tb->conf->tgid = opts->pid > 0 ? (__u32)opts->pid : 0;

	tb->rb = ring_buffer__new(bpf_map__fd(s->maps.trace_events), on_record, tb, NULL);
	if (!tb->rb) {
		err = -errno;
		goto err_unmap;
	}
	if (opts->pin_dir) {
		err = pin_maps(tb, opts->pin_dir);
		if (err)
			goto err_rb;
	}
	if (opts->attach) {
		err = trace_bpf_attach(tb);
		if (err)
			goto err_unpin;
	}
	*out = tb;
	return 0;

err_unpin:
	unpin_maps(tb);
err_rb:
	ring_buffer__free(tb->rb);
err_unmap:
	munmap(tb->conf, tb->conf_len);
err_destroy:
	trace__destroy(s);
err_free:
	free(tb);
	return err < 0 ? err : -EINVAL;
}

void trace_bpf_close(struct trace_bpf *tb)
{
	if (!tb)
		return;
	trace_bpf_detach(tb);
	unpin_maps(tb);
	ring_buffer__free(tb->rb);
	munmap(tb->conf, tb->conf_len);
	trace__destroy(tb->skel);
	free(tb->hbuf);
	free(tb);
}

/* ---- traced threads ---------------------------------------------------------- */

int trace_bpf_set_thread(struct trace_bpf *tb, pid_t tid, const struct trace_ctx *ctx,
			 uint32_t op_id, uint32_t collect)
{
	int fd = bpf_map__fd(tb->skel->maps.trace_threads);
	struct trace_bpf_thread v;
	__u32 key = (__u32)tid;
	int err;

	if (tid <= 0 || !ctx || !trace_ctx_valid(ctx) || collect > 0xffff)
		return -EINVAL;
	memset(&v, 0, sizeof(v));
	v.ctx.trace_id_hi = ctx->trace_id.hi;
	v.ctx.trace_id_lo = ctx->trace_id.lo;
	v.ctx.span_id = ctx->span_id;
	v.ctx.flags = ctx->flags & TRACE_FLAGS_KNOWN;
	v.ctx.collect = (__u16)(collect ? collect : TRACE_BPF_C_ALL);
	v.ctx.op_id = op_id;
	/*
	 * The count goes up before the entry exists and down after it is
	 * gone, so the programs never skip a thread that is in the map.
	 */
	__atomic_fetch_add(&tb->conf->active, 1, __ATOMIC_SEQ_CST);
	if (!bpf_map_update_elem(fd, &key, &v, BPF_NOEXIST))
		return 0;
	err = -errno;
	__atomic_fetch_sub(&tb->conf->active, 1, __ATOMIC_SEQ_CST);
	if (err != -EEXIST)
		return err;
	/* already traced: replace (if it exited meanwhile, insert again) */
	if (!bpf_map_update_elem(fd, &key, &v, BPF_EXIST))
		return 0;
	if (errno != ENOENT)
		return -errno;
	return trace_bpf_set_thread(tb, tid, ctx, op_id, collect);
}

int trace_bpf_clear_thread(struct trace_bpf *tb, pid_t tid)
{
	__u32 key = (__u32)tid;

	if (tid <= 0)
		return -EINVAL;
	if (bpf_map_delete_elem(bpf_map__fd(tb->skel->maps.trace_threads), &key))
		return -errno;
	__atomic_fetch_sub(&tb->conf->active, 1, __ATOMIC_SEQ_CST);
	return 0;
}

void trace_bpf_set_sched_min(struct trace_bpf *tb, uint64_t ns)
{
	__atomic_store_n(&tb->conf->sched_min_ns, ns, __ATOMIC_RELAXED);
}

/* ---- reading -------------------------------------------------------------------- */

int trace_bpf_fd(const struct trace_bpf *tb)
{
	return ring_buffer__epoll_fd(tb->rb);
}

int trace_bpf_poll(struct trace_bpf *tb, int timeout_ms)
{
	return ring_buffer__poll(tb->rb, timeout_ms);
}

int trace_bpf_consume(struct trace_bpf *tb)
{
	return ring_buffer__consume(tb->rb);
}

int trace_bpf_feed(struct trace_bpf *tb, const void *data, size_t len)
{
	struct trace_span sp;
	int err = trace_bpf_decode(data, len, &sp);

	switch (err) {
	case TRACE_BPF_DEC_OK:
		tb->decoded++;
		if (tb->fn)
			tb->fn(&sp, tb->arg);
		break;
	case TRACE_BPF_DEC_SHORT:
		tb->err_short++;
		break;
	case TRACE_BPF_DEC_SIZE:
		tb->err_size++;
		break;
	case TRACE_BPF_DEC_TYPE:
		tb->err_type++;
		break;
	default:
		tb->err_invalid++;
		break;
	}
	return err;
}

int trace_bpf_hist_counts(struct trace_bpf *tb, uint32_t op_id, unsigned int kind, uint64_t *counts)
{
	__u32 key = op_id * TRACE_BPF_KINDS + kind;
	unsigned int b;
	int c;

	memset(counts, 0, TRACE_HIST_BUCKETS * sizeof(*counts));
	if (op_id >= tb->opts.hist_ops || kind >= TRACE_BPF_KINDS)
		return -EINVAL;
	if (!tb->hbuf) {
		tb->hbuf = calloc((size_t)tb->ncpu, sizeof(*tb->hbuf));
		if (!tb->hbuf)
			return -ENOMEM;
	}
	if (bpf_map_lookup_elem(bpf_map__fd(tb->skel->maps.trace_hist), &key, tb->hbuf))
		return -errno;
	for (c = 0; c < tb->ncpu; c++)
		for (b = 0; b < TRACE_HIST_BUCKETS; b++)
			counts[b] += tb->hbuf[c].counts[b];
	return 0;
}

int trace_bpf_hist_read(struct trace_bpf *tb, uint32_t op_id, unsigned int kind, struct trace_hist *dst)
{
	uint64_t *counts = malloc(TRACE_HIST_BUCKETS * sizeof(*counts));
	int err;

	if (!counts)
		return -ENOMEM;
	err = trace_bpf_hist_counts(tb, op_id, kind, counts);
	if (!err)
		trace_hist_add_counts(dst, counts, TRACE_HIST_BUCKETS);
	free(counts);
	return err;
}

int trace_bpf_hist_clear(struct trace_bpf *tb)
{
	int fd = bpf_map__fd(tb->skel->maps.trace_hist);
	__u32 key, n = tb->opts.hist_ops * TRACE_BPF_KINDS;

	if (!tb->hbuf) {
		tb->hbuf = calloc((size_t)tb->ncpu, sizeof(*tb->hbuf));
		if (!tb->hbuf)
			return -ENOMEM;
	}
	memset(tb->hbuf, 0, (size_t)tb->ncpu * sizeof(*tb->hbuf));
	for (key = 0; key < n; key++)
		if (bpf_map_update_elem(fd, &key, tb->hbuf, BPF_ANY))
			return -errno;
	return 0;
}

void trace_bpf_stats(struct trace_bpf *tb, struct trace_bpf_stats *st)
{
	struct trace *s = tb->skel;
	uint64_t c[sizeof(struct trace_bpf_counters) / 8];

	memset(st, 0, sizeof(*st));
	if (!sov_bpf_percpu_sum(bpf_map__fd(s->maps.trace_stats), 0, sizeof(struct trace_bpf_counters), c)) {
		st->events = c[offsetof(struct trace_bpf_counters, events) / 8];
		st->drops = c[offsetof(struct trace_bpf_counters, drops) / 8];
		st->hist_other = c[offsetof(struct trace_bpf_counters, hist_other) / 8];
		st->op_overflow = c[offsetof(struct trace_bpf_counters, op_overflow) / 8];
		st->op_unmatched = c[offsetof(struct trace_bpf_counters, op_unmatched) / 8];
		st->exits = c[offsetof(struct trace_bpf_counters, exits) / 8];
	}
	st->decoded = tb->decoded;
	st->err_short = tb->err_short;
	st->err_size = tb->err_size;
	st->err_type = tb->err_type;
	st->err_invalid = tb->err_invalid;
	st->decode_errors = st->err_short + st->err_size + st->err_type + st->err_invalid;
	st->threads = __atomic_load_n(&tb->conf->active, __ATOMIC_RELAXED);
	st->progs_attached = !!s->links.trace_sys_enter + !!s->links.trace_sys_exit +
			     !!s->links.trace_sched_switch + !!s->links.trace_sched_wakeup +
			     !!s->links.trace_task_exit + (tb->sov_fd[0] >= 0) + (tb->sov_fd[1] >= 0);
	st->module_attached = tb->sov_fd[0] >= 0 && tb->sov_fd[1] >= 0;
}
