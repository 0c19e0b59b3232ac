// SPDX-License-Identifier: GPL-2.0
/*
 * Spans of other processes: load bpf/trace_usdt.bpf.c through its libbpf
 * skeleton, attach it to lib/trace's USDT probes in a process or a binary,
 * and read what it produces (ring buffer, counters).
 *
 * The decoder trusts nothing in a record: its length and size field are
 * checked before it is read, the name is cut at the record's end whatever
 * its length field says, and it is interned, so a span never points into
 * the ring.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "../bpf/percpu.h"
#include "usdt_collect.h"
#include "trace_usdt.skel.h"

_Static_assert(TRACE_USDT_NAME_LEN == TRACE_USDT_NAME_MAX, "the probe touches what BPF reads");

struct attachment {
	struct bpf_link *end, *drop;
};

struct trace_usdt_collector {
	struct trace_usdt *skel;
	struct ring_buffer *rb;
	struct trace_usdt_opts opts;
	struct attachment at[TRACE_USDT_MAX_ATTACH];
	uint64_t decoded, err_short, err_size, err_invalid;
};

void trace_usdt_opts_default(struct trace_usdt_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->ring_bytes = TRACE_USDT_RING_BYTES;
	opts->drops = true;
}

struct bpf_object *trace_usdt_object(struct trace_usdt_collector *tu)
{
	return tu->skel->obj;
}

/* ---- decoding ------------------------------------------------------------ */

int trace_usdt_decode(const void *data, size_t len, struct trace_span *sp)
{
	struct trace_usdt_event ev;
	char name[TRACE_USDT_NAME_LEN];
	uint8_t kind, status;
	const char *n;

	if (!data || len < sizeof(ev))
		return TRACE_USDT_DEC_SHORT;
	memcpy(&ev, data, sizeof(ev));
	if (ev.size < sizeof(ev))
		return TRACE_USDT_DEC_SIZE;
	if (ev.size > len)
		return TRACE_USDT_DEC_SHORT;
	kind = TRACE_USDT_INFO_KIND(ev.info);
	status = TRACE_USDT_INFO_STATUS(ev.info);
	if (!(ev.trace_id_hi | ev.trace_id_lo) || !ev.span_id || ev.end_ns < ev.start_ns ||
	    kind > TRACE_KIND_CONSUMER || status > TRACE_STATUS_ERROR)
		return TRACE_USDT_DEC_INVALID;

	if (ev.name_len) {
		memcpy(name, ev.name, sizeof(name));
		name[sizeof(name) - 1] = '\0';
		n = trace_intern(name);
		if (!n)
			n = "(unknown)";
	} else {
		n = "(unreadable)";
	}
	memset(sp, 0, sizeof(*sp));
	sp->trace_id.hi = ev.trace_id_hi;
	sp->trace_id.lo = ev.trace_id_lo;
	sp->span_id = ev.span_id;
	sp->parent_id = ev.parent_id;
	sp->name = n;
	sp->start_ns = ev.start_ns;
	sp->end_ns = ev.end_ns;
	sp->flags = TRACE_USDT_INFO_FLAGS(ev.info) & TRACE_FLAGS_KNOWN;
	sp->kind = kind;
	sp->status = status;
	trace_span_attr_int(sp, "process.pid", ev.pid);
	trace_span_attr_int(sp, "thread.id", ev.tid);
	return TRACE_USDT_DEC_OK;
}

int trace_usdt_feed(struct trace_usdt_collector *tu, const void *data, size_t len)
{
	struct trace_span sp;
	int err = trace_usdt_decode(data, len, &sp);

	switch (err) {
	case TRACE_USDT_DEC_OK:
		tu->decoded++;
		if (tu->opts.fn)
			tu->opts.fn(&sp, tu->opts.arg);
		break;
	case TRACE_USDT_DEC_SHORT:
		tu->err_short++;
		break;
	case TRACE_USDT_DEC_SIZE:
		tu->err_size++;
		break;
	default:
		tu->err_invalid++;
		break;
	}
	return err;
}

static int on_record(void *ctx, void *data, size_t len)
{
	trace_usdt_feed(ctx, data, len);
	return 0;		/* a bad record never stops the reader */
}

/* ---- open / close ------------------------------------------------------------ */

static bool pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

int trace_usdt_open(struct trace_usdt_collector **out, const struct trace_usdt_opts *opts)
{
	long page = sysconf(_SC_PAGESIZE);
	struct trace_usdt_collector *tu;
	struct trace_usdt_opts def;
	int err;

	*out = NULL;
	if (!opts) {
		trace_usdt_opts_default(&def);
		opts = &def;
	}
	if (!pow2(opts->ring_bytes) || opts->ring_bytes < (uint32_t)page)
		return -EINVAL;
	tu = calloc(1, sizeof(*tu));
	if (!tu)
		return -ENOMEM;
	tu->opts = *opts;
	tu->skel = trace_usdt__open();
	if (!tu->skel) {
		err = -errno;
		goto err_free;
	}
	bpf_map__set_max_entries(tu->skel->maps.usdt_events, opts->ring_bytes);
	bpf_program__set_autoload(tu->skel->progs.trace_span_drop, opts->drops);
	err = trace_usdt__load(tu->skel);
	if (err)
		goto err_destroy;
	tu->rb = ring_buffer__new(bpf_map__fd(tu->skel->maps.usdt_events), on_record, tu, NULL);
	if (!tu->rb) {
		err = -errno;
		goto err_destroy;
	}
	*out = tu;
	return 0;

err_destroy:
	trace_usdt__destroy(tu->skel);
err_free:
	free(tu);
	return err < 0 ? err : -EINVAL;
}

void trace_usdt_close(struct trace_usdt_collector *tu)
{
	if (!tu)
		return;
	trace_usdt_detach(tu, -1);
	ring_buffer__free(tu->rb);
	trace_usdt__destroy(tu->skel);
	free(tu);
}

/* ---- attach ---------------------------------------------------------------- */

int trace_usdt_attach(struct trace_usdt_collector *tu, pid_t pid, const char *binary)
{
	struct trace_usdt *s = tu->skel;
	char exe[32];
	struct attachment *a = NULL;
	int id, err;

	if (pid == 0 || pid < -1 || (pid == -1 && !binary))
		return -EINVAL;
	for (id = 0; id < TRACE_USDT_MAX_ATTACH; id++) {
		if (!tu->at[id].end) {
			a = &tu->at[id];
			break;
		}
	}
	if (!a)
		return -ENOSPC;
	if (!binary) {
		/* the kernel resolves the link to the executable's inode */
		snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)pid);
		binary = exe;
	}
	/* the drop probe first; a binary without it (older) is still observed */
	if (tu->opts.drops) {
		a->drop = bpf_program__attach_usdt(s->progs.trace_span_drop, pid, binary,
						   TRACE_USDT_PROVIDER, TRACE_USDT_SPAN_DROP, NULL);
		if (!a->drop && errno != ENOENT)
			return -errno;
	}
	a->end = bpf_program__attach_usdt(s->progs.trace_span_end, pid, binary,
					  TRACE_USDT_PROVIDER, TRACE_USDT_SPAN_END, NULL);
	if (!a->end) {
		err = -errno;
		bpf_link__destroy(a->drop);
		a->drop = NULL;
		return err;
	}
	return id;
}

int trace_usdt_detach(struct trace_usdt_collector *tu, int id)
{
	struct attachment *a;
	int i;

	if (id == -1) {
		for (i = 0; i < TRACE_USDT_MAX_ATTACH; i++)
			if (tu->at[i].end)
				trace_usdt_detach(tu, i);
		return 0;
	}
	if (id < 0 || id >= TRACE_USDT_MAX_ATTACH || !tu->at[id].end)
		return -ENOENT;
	a = &tu->at[id];
	bpf_link__destroy(a->end);
	bpf_link__destroy(a->drop);
	a->end = a->drop = NULL;
	return 0;
}

/* ---- reading -------------------------------------------------------------------- */

int trace_usdt_fd(const struct trace_usdt_collector *tu)
{
	return ring_buffer__epoll_fd(tu->rb);
}

int trace_usdt_poll(struct trace_usdt_collector *tu, int timeout_ms)
{
	return ring_buffer__poll(tu->rb, timeout_ms);
}

int trace_usdt_consume(struct trace_usdt_collector *tu)
{
	return ring_buffer__consume(tu->rb);
}

void trace_usdt_stats(struct trace_usdt_collector *tu, struct trace_usdt_stats *st)
{
	uint64_t c[sizeof(struct trace_usdt_counters) / 8];
	int i;

	memset(st, 0, sizeof(*st));
	if (!sov_bpf_percpu_sum(bpf_map__fd(tu->skel->maps.usdt_stats), 0,
				sizeof(struct trace_usdt_counters), c)) {
		st->events = c[offsetof(struct trace_usdt_counters, events) / 8];
		st->drops = c[offsetof(struct trace_usdt_counters, drops) / 8];
		st->name_faults = c[offsetof(struct trace_usdt_counters, name_faults) / 8];
		i = offsetof(struct trace_usdt_counters, target_drops) / 8;
		st->target_full = c[i + TRACE_USDT_DROP_FULL];
		st->target_unsampled = c[i + TRACE_USDT_DROP_UNSAMPLED];
		st->target_noring = c[i + TRACE_USDT_DROP_NORING] + c[i];
	}
	st->decoded = tu->decoded;
	st->err_short = tu->err_short;
	st->err_size = tu->err_size;
	st->err_invalid = tu->err_invalid;
	st->decode_errors = st->err_short + st->err_size + st->err_invalid;
	for (i = 0; i < TRACE_USDT_MAX_ATTACH; i++)
		st->attached += !!tu->at[i].end;
}
