// SPDX-License-Identifier: GPL-2.0
/*
 * sovereign.ko's profiler over generic netlink: START, STOP, GET, and a
 * whole profile read from the dumps, then symbolized (prof_read.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "prof_read.h"

int sov_prof_genl_transact(void *ctx, struct nlmsghdr *req, sov_nl_cb cb,
			   void *data, struct sov_nl_err *err)
{
	struct sov_genl *g = ctx;

	req->nlmsg_type = g->family;
	return sov_genl_transact(g, req, cb, data, err);
}

static struct nlmsghdr *put_hdr(void *buf, uint8_t cmd, uint16_t flags)
{
	return sov_nl_put_hdr(buf, 0, cmd, SOV_GENL_VERSION, flags, 0);
}

void sov_prof_put_settings(struct nlmsghdr *nlh, const struct sov_prof_settings *s)
{
	if (s->kinds)
		mnl_attr_put_u32(nlh, SOV_A_PROF_KINDS, s->kinds);
	if (s->freq)
		mnl_attr_put_u32(nlh, SOV_A_PROF_FREQ, s->freq);
	if (s->period_ns)
		mnl_attr_put_u64(nlh, SOV_A_PROF_PERIOD_NS, s->period_ns);
	if (s->adaptive_x100)
		mnl_attr_put_u32(nlh, SOV_A_PROF_ADAPTIVE_X100, s->adaptive_x100);
	if (s->cpu >= 0)
		mnl_attr_put_u32(nlh, SOV_A_PROF_CPU, (uint32_t)s->cpu);
	if (s->pid)
		mnl_attr_put_u32(nlh, SOV_A_PROF_PID, s->pid);
	if (s->tgid)
		mnl_attr_put_u32(nlh, SOV_A_PROF_TGID, s->tgid);
	if (s->cgroup_id)
		mnl_attr_put_u64(nlh, SOV_A_PROF_CGROUP_ID, s->cgroup_id);
	if (s->stacks)
		mnl_attr_put_u32(nlh, SOV_A_PROF_STACKS, s->stacks);
	if (s->max_stacks)
		mnl_attr_put_u32(nlh, SOV_A_PROF_MAX_STACKS, s->max_stacks);
	if (s->rss_interval_ms)
		mnl_attr_put_u32(nlh, SOV_A_PROF_RSS_INTERVAL_MS, s->rss_interval_ms);
}

int sov_prof_start(const struct sov_prof_io *io, const struct sov_prof_settings *s,
		   struct sov_nl_err *err)
{
	unsigned char buf[512];
	struct nlmsghdr *nlh = put_hdr(buf, SOV_CMD_PROF_START, 0);

	sov_prof_put_settings(nlh, s);
	return io->transact(io->ctx, nlh, NULL, NULL, err);
}

int sov_prof_stop(const struct sov_prof_io *io, struct sov_nl_err *err)
{
	unsigned char buf[64];

	return io->transact(io->ctx, put_hdr(buf, SOV_CMD_PROF_STOP, 0), NULL, NULL, err);
}

/* ---- replies ---- */

static const enum mnl_attr_data_type prof_types[SOV_A_PROF_MAX + 1] = {
	[SOV_A_PROF_KINDS] = MNL_TYPE_U32,
	[SOV_A_PROF_MODE] = MNL_TYPE_U32,
	[SOV_A_PROF_FREQ] = MNL_TYPE_U32,
	[SOV_A_PROF_PERIOD_NS] = MNL_TYPE_U64,
	[SOV_A_PROF_ADAPTIVE_X100] = MNL_TYPE_U32,
	[SOV_A_PROF_CPU] = MNL_TYPE_U32,
	[SOV_A_PROF_PID] = MNL_TYPE_U32,
	[SOV_A_PROF_TGID] = MNL_TYPE_U32,
	[SOV_A_PROF_CGROUP_ID] = MNL_TYPE_U64,
	[SOV_A_PROF_STACKS] = MNL_TYPE_U32,
	[SOV_A_PROF_MAX_STACKS] = MNL_TYPE_U32,
	[SOV_A_PROF_RSS_INTERVAL_MS] = MNL_TYPE_U32,
	[SOV_A_PROF_STATE] = MNL_TYPE_U32,
	[SOV_A_PROF_START_NS] = MNL_TYPE_U64,
	[SOV_A_PROF_DURATION_NS] = MNL_TYPE_U64,
	[SOV_A_PROF_EFFECTIVE_FREQ] = MNL_TYPE_U32,
	[SOV_A_PROF_SAMPLES] = MNL_TYPE_U64,
	[SOV_A_PROF_SKIPPED] = MNL_TYPE_U64,
	[SOV_A_PROF_DROPPED] = MNL_TYPE_U64,
	[SOV_A_PROF_USTACK_FAULTS] = MNL_TYPE_U64,
	[SOV_A_PROF_ENTRIES] = MNL_TYPE_U32,
	[SOV_A_PROF_MEM_BYTES] = MNL_TYPE_U64,
	[SOV_A_PROF_OVERHEAD_X100] = MNL_TYPE_U32,
	[SOV_A_PROF_MEM_EVENTS] = MNL_TYPE_U64,
	[SOV_A_PROF_MEM_UNTRACKED] = MNL_TYPE_U64,
	[SOV_A_PROF_LOCK_EVENTS] = MNL_TYPE_U64,
	[SOV_A_PROF_LOCK_UNTRACKED] = MNL_TYPE_U64,
	[SOV_A_PROF_KIND] = MNL_TYPE_U32,
	[SOV_A_PROF_TAG] = MNL_TYPE_U64,
	[SOV_A_PROF_COMM] = MNL_TYPE_STRING,
	[SOV_A_PROF_KSTACK] = MNL_TYPE_BINARY,
	[SOV_A_PROF_USTACK] = MNL_TYPE_BINARY,
	[SOV_A_PROF_COUNT] = MNL_TYPE_U64,
	[SOV_A_PROF_WEIGHT] = MNL_TYPE_U64,
	[SOV_A_PROF_SITE] = MNL_TYPE_U64,
	[SOV_A_PROF_ALLOCS] = MNL_TYPE_U64,
	[SOV_A_PROF_FREES] = MNL_TYPE_U64,
	[SOV_A_PROF_BYTES] = MNL_TYPE_U64,
	[SOV_A_PROF_LIVE_OBJS] = MNL_TYPE_U64,
	[SOV_A_PROF_LIVE_BYTES] = MNL_TYPE_U64,
	[SOV_A_PROF_OLD_OBJS] = MNL_TYPE_U64,
	[SOV_A_PROF_OLD_BYTES] = MNL_TYPE_U64,
	[SOV_A_PROF_LEAK_AGE_MS] = MNL_TYPE_U32,
	[SOV_A_PROF_LOCK_ADDR] = MNL_TYPE_U64,
	[SOV_A_PROF_LOCK_FLAGS] = MNL_TYPE_U32,
	[SOV_A_PROF_LOCK_COUNT] = MNL_TYPE_U64,
	[SOV_A_PROF_LOCK_TOTAL_NS] = MNL_TYPE_U64,
	[SOV_A_PROF_LOCK_MAX_NS] = MNL_TYPE_U64,
	[SOV_A_PROF_LOCK_HIST] = MNL_TYPE_BINARY,
	[SOV_A_PROF_RSS_TIME_NS] = MNL_TYPE_U64,
	[SOV_A_PROF_RSS_BYTES] = MNL_TYPE_U64,
};

typedef const struct nlattr *prof_tb[SOV_A_PROF_MAX + 1];

static uint64_t u64_of(const struct nlattr *a)
{
	return a ? mnl_attr_get_u64(a) : 0;
}

static uint32_t u32_of(const struct nlattr *a)
{
	return a ? mnl_attr_get_u32(a) : 0;
}

/* A string attribute into @buf, whether or not the peer NUL-terminated it. */
static void str_of(const struct nlattr *a, char *buf, size_t size)
{
	size_t n;

	buf[0] = '\0';
	if (!a)
		return;
	n = strnlen(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
	if (n >= size)
		n = size - 1;
	memcpy(buf, mnl_attr_get_payload(a), n);
	buf[n] = '\0';
}

/* u64 addresses of a KSTACK/USTACK attribute, at most @max. */
static uint32_t ips_of(const struct nlattr *a, uint64_t *ips, uint32_t max)
{
	uint32_t n;

	if (!a)
		return 0;
	n = (uint32_t)(mnl_attr_get_payload_len(a) / sizeof(uint64_t));
	if (n > max)
		n = max;
	memcpy(ips, mnl_attr_get_payload(a), n * sizeof(uint64_t));
	return n;
}

int sov_prof_status_parse(const struct nlmsghdr *nlh, struct sov_prof_status *st)
{
	struct prof_meta *m = &st->meta;
	prof_tb tb;
	unsigned int i;

	memset(st, 0, sizeof(*st));
	m->cpu = -1;
	sov_nl_parse_known(nlh, tb, SOV_A_PROF_MAX, prof_types);
	for (i = 0; i <= SOV_A_PROF_MAX; i++)
		st->has[i] = tb[i] != NULL;
	if (!tb[SOV_A_PROF_STATE])
		return -EINVAL;
	st->state = u32_of(tb[SOV_A_PROF_STATE]);
	st->max_stacks = u32_of(tb[SOV_A_PROF_MAX_STACKS]);
	st->rss_interval_ms = u32_of(tb[SOV_A_PROF_RSS_INTERVAL_MS]);
	st->entries = u32_of(tb[SOV_A_PROF_ENTRIES]);
	st->overhead_x100 = u32_of(tb[SOV_A_PROF_OVERHEAD_X100]);
	st->mem_bytes = u64_of(tb[SOV_A_PROF_MEM_BYTES]);
	m->kinds = u32_of(tb[SOV_A_PROF_KINDS]);
	m->mode = u32_of(tb[SOV_A_PROF_MODE]);
	m->freq = u32_of(tb[SOV_A_PROF_FREQ]);
	m->effective_freq = u32_of(tb[SOV_A_PROF_EFFECTIVE_FREQ]);
	m->adaptive_x100 = u32_of(tb[SOV_A_PROF_ADAPTIVE_X100]);
	m->stacks = u32_of(tb[SOV_A_PROF_STACKS]);
	m->period_ns = u64_of(tb[SOV_A_PROF_PERIOD_NS]);
	m->duration_ns = u64_of(tb[SOV_A_PROF_DURATION_NS]);
	m->start_ns = u64_of(tb[SOV_A_PROF_START_NS]);
	if (tb[SOV_A_PROF_CPU])
		m->cpu = u32_of(tb[SOV_A_PROF_CPU]);
	m->pid = u32_of(tb[SOV_A_PROF_PID]);
	m->tgid = u32_of(tb[SOV_A_PROF_TGID]);
	m->cgroup_id = u64_of(tb[SOV_A_PROF_CGROUP_ID]);
	m->samples = u64_of(tb[SOV_A_PROF_SAMPLES]);
	m->skipped = u64_of(tb[SOV_A_PROF_SKIPPED]);
	m->dropped = u64_of(tb[SOV_A_PROF_DROPPED]);
	m->ustack_faults = u64_of(tb[SOV_A_PROF_USTACK_FAULTS]);
	m->mem_events = u64_of(tb[SOV_A_PROF_MEM_EVENTS]);
	m->mem_untracked = u64_of(tb[SOV_A_PROF_MEM_UNTRACKED]);
	m->lock_events = u64_of(tb[SOV_A_PROF_LOCK_EVENTS]);
	m->lock_untracked = u64_of(tb[SOV_A_PROF_LOCK_UNTRACKED]);
	return 0;
}

struct status_ctx {
	struct sov_prof_status *st;
	bool found;
};

static int status_cb(const struct nlmsghdr *nlh, void *data)
{
	struct status_ctx *c = data;

	if (!sov_prof_status_parse(nlh, c->st))
		c->found = true;
	return MNL_CB_OK;
}

int sov_prof_status_get(const struct sov_prof_io *io, struct sov_prof_status *st,
			struct sov_nl_err *err)
{
	unsigned char buf[64];
	struct status_ctx c = { .st = st };
	int ret;

	ret = io->transact(io->ctx, put_hdr(buf, SOV_CMD_PROF_GET, 0), status_cb, &c, err);
	if (ret)
		return ret;
	if (!c.found) {
		sov_nl_err_set(err, -EPROTO, "the module's reply to PROF_GET has no state");
		return err->error;
	}
	return 0;
}

int sov_prof_raw_stack_parse(const struct nlmsghdr *nlh, struct prof_raw_stack *raw)
{
	prof_tb tb;

	memset(raw, 0, sizeof(*raw));
	sov_nl_parse_known(nlh, tb, SOV_A_PROF_MAX, prof_types);
	if (!tb[SOV_A_PROF_KIND] || (!tb[SOV_A_PROF_KSTACK] && !tb[SOV_A_PROF_USTACK]))
		return -EINVAL;
	raw->kind = u32_of(tb[SOV_A_PROF_KIND]);
	raw->tag = u64_of(tb[SOV_A_PROF_TAG]);
	raw->pid = u32_of(tb[SOV_A_PROF_PID]);
	raw->tgid = u32_of(tb[SOV_A_PROF_TGID]);
	str_of(tb[SOV_A_PROF_COMM], raw->comm, sizeof(raw->comm));
	raw->nk = ips_of(tb[SOV_A_PROF_KSTACK], raw->kips, SOV_PROF_KSTACK_MAX);
	raw->nu = ips_of(tb[SOV_A_PROF_USTACK], raw->uips, SOV_PROF_USTACK_MAX);
	raw->count = u64_of(tb[SOV_A_PROF_COUNT]);
	raw->weight = u64_of(tb[SOV_A_PROF_WEIGHT]);
	return 0;
}

/* ---- the dumps ---- */

/* Room for one more element of @arr (n used, cap allocated); errno on failure. */
static void *grow(void **arr, size_t *cap, size_t n, size_t size)
{
	size_t c;
	void *p;

	if (n < *cap)
		return (char *)*arr + n * size;
	c = *cap ? 2 * *cap : 64;
	p = realloc(*arr, c * size);
	if (!p) {
		errno = ENOMEM;
		return NULL;
	}
	*arr = p;
	*cap = c;
	return (char *)p + n * size;
}

#define GROW(r, what) grow((void **)&(r)->what, &(r)->cap_##what, (r)->n##what, \
			   sizeof(*(r)->what))

static int stack_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sov_prof_raw *r = data;
	struct prof_raw_stack *s = GROW(r, stacks);

	if (!s)
		return MNL_CB_ERROR;
	if (!sov_prof_raw_stack_parse(nlh, s))
		r->nstacks++;
	return MNL_CB_OK;
}

static int site_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sov_prof_raw *r = data;
	struct prof_site *s = GROW(r, sites);
	prof_tb tb;

	if (!s)
		return MNL_CB_ERROR;
	sov_nl_parse_known(nlh, tb, SOV_A_PROF_MAX, prof_types);
	if (!tb[SOV_A_PROF_SITE])
		return MNL_CB_OK;
	memset(s, 0, sizeof(*s));
	s->addr = u64_of(tb[SOV_A_PROF_SITE]);
	s->allocs = u64_of(tb[SOV_A_PROF_ALLOCS]);
	s->frees = u64_of(tb[SOV_A_PROF_FREES]);
	s->bytes = u64_of(tb[SOV_A_PROF_BYTES]);
	s->live_objs = u64_of(tb[SOV_A_PROF_LIVE_OBJS]);
	s->live_bytes = u64_of(tb[SOV_A_PROF_LIVE_BYTES]);
	s->old_objs = u64_of(tb[SOV_A_PROF_OLD_OBJS]);
	s->old_bytes = u64_of(tb[SOV_A_PROF_OLD_BYTES]);
	r->nsites++;
	return MNL_CB_OK;
}

static int lock_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sov_prof_raw *r = data;
	struct prof_lock *l = GROW(r, locks);
	const struct nlattr *h;
	size_t len;
	prof_tb tb;

	if (!l)
		return MNL_CB_ERROR;
	sov_nl_parse_known(nlh, tb, SOV_A_PROF_MAX, prof_types);
	if (!tb[SOV_A_PROF_LOCK_ADDR])
		return MNL_CB_OK;
	memset(l, 0, sizeof(*l));
	l->addr = u64_of(tb[SOV_A_PROF_LOCK_ADDR]);
	l->flags = u32_of(tb[SOV_A_PROF_LOCK_FLAGS]);
	l->count = u64_of(tb[SOV_A_PROF_LOCK_COUNT]);
	l->total_ns = u64_of(tb[SOV_A_PROF_LOCK_TOTAL_NS]);
	l->max_ns = u64_of(tb[SOV_A_PROF_LOCK_MAX_NS]);
	h = tb[SOV_A_PROF_LOCK_HIST];
	if (h) {
		/* a histogram of another length: the buckets both know */
		len = mnl_attr_get_payload_len(h) / sizeof(uint64_t) * sizeof(uint64_t);
		if (len > sizeof(l->hist))
			len = sizeof(l->hist);
		memcpy(l->hist, mnl_attr_get_payload(h), len);
	}
	r->nlocks++;
	return MNL_CB_OK;
}

static int rss_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sov_prof_raw *r = data;
	struct prof_rss *s = GROW(r, rss);
	prof_tb tb;

	if (!s)
		return MNL_CB_ERROR;
	sov_nl_parse_known(nlh, tb, SOV_A_PROF_MAX, prof_types);
	if (!tb[SOV_A_PROF_RSS_TIME_NS])
		return MNL_CB_OK;
	memset(s, 0, sizeof(*s));
	s->time_ns = u64_of(tb[SOV_A_PROF_RSS_TIME_NS]);
	s->bytes = u64_of(tb[SOV_A_PROF_RSS_BYTES]);
	s->tgid = u32_of(tb[SOV_A_PROF_TGID]);
	str_of(tb[SOV_A_PROF_COMM], s->comm, sizeof(s->comm));
	r->nrss++;
	return MNL_CB_OK;
}

static int dump(const struct sov_prof_io *io, uint8_t cmd, uint32_t leak_age_ms,
		sov_nl_cb cb, struct sov_prof_raw *r, struct sov_nl_err *err)
{
	unsigned char buf[64];
	struct nlmsghdr *nlh = put_hdr(buf, cmd, NLM_F_DUMP);

	if (leak_age_ms)
		mnl_attr_put_u32(nlh, SOV_A_PROF_LEAK_AGE_MS, leak_age_ms);
	return io->transact(io->ctx, nlh, cb, r, err);
}

int sov_prof_read_raw(const struct sov_prof_io *io, uint32_t leak_age_ms,
		      struct sov_prof_raw **out, struct sov_nl_err *err)
{
	struct sov_prof_raw *r = calloc(1, sizeof(*r));
	uint32_t kinds;
	int ret;

	*out = NULL;
	if (!r) {
		sov_nl_err_set(err, -ENOMEM, NULL);
		return err->error;
	}
	ret = sov_prof_status_get(io, &r->status, err);
	if (!ret && r->status.state == SOV_PROF_STATE_IDLE) {
		sov_nl_err_set(err, -ENODATA,
			       "no profile was started since the module was loaded");
		ret = err->error;
	}
	kinds = r->status.meta.kinds;
	if (!ret)
		ret = dump(io, SOV_CMD_PROF_STACK_GET, 0, stack_cb, r, err);
	if (!ret && (kinds & (1U << SOV_PROF_KIND_MEM)))
		ret = dump(io, SOV_CMD_PROF_SITE_GET, leak_age_ms, site_cb, r, err);
	if (!ret && (kinds & (1U << SOV_PROF_KIND_LOCK)))
		ret = dump(io, SOV_CMD_PROF_LOCK_GET, 0, lock_cb, r, err);
	if (!ret && (kinds & (1U << SOV_PROF_KIND_MEM)))
		ret = dump(io, SOV_CMD_PROF_RSS_GET, 0, rss_cb, r, err);
	if (ret) {
		sov_prof_raw_free(r);
		return ret;
	}
	*out = r;
	return 0;
}

void sov_prof_raw_free(struct sov_prof_raw *raw)
{
	if (!raw)
		return;
	free(raw->stacks);
	free(raw->sites);
	free(raw->locks);
	free(raw->rss);
	free(raw);
}

/* ---- names ---- */

static int add_named(struct prof_profile *p, struct prof_symbolizer *sym,
		     const struct sov_prof_raw *raw)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < raw->nstacks && !ret; i++)
		ret = prof_profile_add_raw(p, sym, &raw->stacks[i]);
	for (i = 0; i < raw->nsites && !ret; i++) {
		struct prof_site s = raw->sites[i];

		s.name = prof_sym_kernel_site(sym, s.addr);
		ret = s.name ? prof_profile_add_site(p, &s) : -ENOMEM;
		free(s.name);
	}
	for (i = 0; i < raw->nlocks && !ret; i++) {
		struct prof_lock l = raw->locks[i];

		l.name = prof_sym_kernel_data(sym, l.addr);
		ret = l.name ? prof_profile_add_lock(p, &l) : -ENOMEM;
		free(l.name);
	}
	for (i = 0; i < raw->nrss && !ret; i++)
		ret = prof_profile_add_rss(p, &raw->rss[i]);
	return ret;
}

struct prof_profile *sov_prof_symbolize(const struct sov_prof_raw *raw,
					struct prof_symbolizer *sym, int *errp)
{
	struct prof_symbolizer *own = NULL;
	struct prof_profile *p;
	struct utsname u;
	int ret;

	p = prof_profile_new();
	if (!p) {
		*errp = -ENOMEM;
		return NULL;
	}
	if (!sym) {
		own = sym = prof_symbolizer_new(NULL);
		if (!sym) {
			*errp = errno ? -errno : -ENOMEM;
			prof_profile_free(p);
			return NULL;
		}
	}
	p->meta = raw->status.meta;
	if (gethostname(p->meta.host, sizeof(p->meta.host) - 1))
		p->meta.host[0] = '\0';
	p->meta.host[sizeof(p->meta.host) - 1] = '\0';
	if (!uname(&u))
		snprintf(p->meta.kernel, sizeof(p->meta.kernel), "%.63s", u.release);
	p->meta.saved_at = time(NULL);
	ret = add_named(p, sym, raw);
	prof_symbolizer_free(own);
	if (ret) {
		prof_profile_free(p);
		*errp = ret;
		return NULL;
	}
	return p;
}

int sov_prof_read(const struct sov_prof_io *io, struct prof_symbolizer *sym,
		  uint32_t leak_age_ms, struct prof_profile **out,
		  struct sov_nl_err *err)
{
	struct sov_prof_raw *raw;
	int ret;

	*out = NULL;
	ret = sov_prof_read_raw(io, leak_age_ms, &raw, err);
	if (ret)
		return ret;
	*out = sov_prof_symbolize(raw, sym, &ret);
	sov_prof_raw_free(raw);
	if (!*out) {
		sov_nl_err_set(err, ret, "symbolizing the profile failed");
		return ret;
	}
	return 0;
}
