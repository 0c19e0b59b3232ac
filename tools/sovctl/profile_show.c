// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl profile: how a profile's settings and the profiler's state print,
 * text and JSON (status, start, the report's header).
 */
#include <stdio.h>
#include <string.h>

#include "memcompress.h"
#include "print.h"
#include "profile.h"
#include "sovctl.h"

/* ---- shared formatting ---- */

const char *profile_unit(uint32_t kind)
{
	return kind == SOV_PROF_KIND_MEM ? "bytes" : kind == SOV_PROF_KIND_LOCK ? "ns" :
	       "samples";
}

const char *profile_fmt_weight(uint32_t kind, uint64_t v, char *buf, size_t size)
{
	if (kind == SOV_PROF_KIND_MEM)
		return mc_fmt_bytes(v, buf, size);
	if (kind == SOV_PROF_KIND_LOCK)
		return mc_fmt_ns(v, buf, size);
	snprintf(buf, size, "%llu", (unsigned long long)v);
	return buf;
}

const char *profile_lock_type(uint32_t flags)
{
	/* include/trace/events/lock.h; the names "perf lock contention" uses */
	enum { SPIN = 1, READ = 2, WRITE = 4, RT = 8, PERCPU = 16, MUTEX = 32 };
	static const struct {
		uint32_t flags;
		const char *name;
	} types[] = {
		{ SPIN, "spinlock" }, { SPIN | READ, "rwlock:R" }, { SPIN | WRITE, "rwlock:W" },
		{ READ, "rwsem:R" }, { WRITE, "rwsem:W" }, { RT, "rt-mutex" },
		{ RT | READ, "rwlock-rt:R" }, { RT | WRITE, "rwlock-rt:W" },
		{ PERCPU | READ, "pcpu-sem:R" }, { PERCPU | WRITE, "pcpu-sem:W" },
		{ MUTEX, "mutex" }, { MUTEX | SPIN, "mutex-spin" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].flags == flags)
			return types[i].name;
	return "unknown";
}

static const char *state_name(uint32_t state)
{
	static const char *const names[] = { "idle", "running", "stopped" };

	return state < 3 ? names[state] : "unknown";
}

static const char *mode_name(uint32_t mode)
{
	static const char *const names[] = { "freq", "period", "adaptive" };

	return mode < 3 ? names[mode] : "unknown";
}

static const char *stacks_name(uint32_t stacks)
{
	switch (stacks & (SOV_PROF_STACK_KERNEL | SOV_PROF_STACK_USER)) {
	case SOV_PROF_STACK_KERNEL:
		return "kernel";
	case SOV_PROF_STACK_USER:
		return "user";
	case SOV_PROF_STACK_KERNEL | SOV_PROF_STACK_USER:
		return "both";
	default:
		return "none";
	}
}

/* "99 Hz", "every 1.0 ms", "adaptive: under 0.50% of CPU time, at most 999 Hz" */
static const char *fmt_rate(const struct prof_meta *m, char *buf, size_t size)
{
	char t[32];

	if (m->mode == SOV_PROF_MODE_PERIOD)
		snprintf(buf, size, "every %s", mc_fmt_ns(m->period_ns, t, sizeof(t)));
	else if (m->mode == SOV_PROF_MODE_ADAPTIVE)
		snprintf(buf, size, "adaptive: under %u.%02u%% of CPU time, at most %u Hz",
			 m->adaptive_x100 / 100, m->adaptive_x100 % 100, m->freq);
	else
		snprintf(buf, size, "%u Hz", m->freq);
	return buf;
}

static const char *fmt_scope(const struct prof_meta *m, char *buf, size_t size)
{
	if (m->cpu >= 0)
		snprintf(buf, size, "cpu %lld", (long long)m->cpu);
	else if (m->pid)
		snprintf(buf, size, "thread %u", m->pid);
	else if (m->tgid)
		snprintf(buf, size, "process %u", m->tgid);
	else if (m->cgroup_id)
		snprintf(buf, size, "cgroup id %llu", (unsigned long long)m->cgroup_id);
	else
		snprintf(buf, size, "every CPU");
	return buf;
}

const char *profile_fmt_meta(const struct prof_meta *m, char *buf, size_t size)
{
	char k[64], d[32], r[128], sc[64];

	snprintf(buf, size, "%s for %s (%s), %s, %s stacks",
		 profile_fmt_kinds(m->kinds, k, sizeof(k)),
		 print_fmt_duration(m->duration_ns, d, sizeof(d)), fmt_rate(m, r, sizeof(r)),
		 fmt_scope(m, sc, sizeof(sc)), stacks_name(m->stacks));
	return buf;
}

/*
 * The settings and counters, every one whatever the kernel sent (0 when
 * absent; cpu -1: every CPU): masks as numbers, with their names beside.
 */
static void print_meta_json(const struct prof_meta *m)
{
	unsigned int i;

	print_u64("kinds", NULL, m->kinds);
	print_open_array("kind_names");
	for (i = 0; i < __SOV_PROF_KIND_CNT; i++)
		if (m->kinds & (1U << i))
			print_string(NULL, NULL, prof_kind_name(i));
	print_close_array();
	print_string("mode", NULL, mode_name(m->mode));
	print_u64("freq", NULL, m->freq);
	print_u64("period_ns", NULL, m->period_ns);
	print_u64("adaptive_x100", NULL, m->adaptive_x100);
	print_u64("effective_freq", NULL, m->effective_freq);
	print_s64("cpu", NULL, m->cpu);
	print_u64("pid", NULL, m->pid);
	print_u64("tgid", NULL, m->tgid);
	print_u64("cgroup_id", NULL, m->cgroup_id);
	print_u64("stacks", NULL, m->stacks);
	print_open_array("stack_names");
	if (m->stacks & SOV_PROF_STACK_KERNEL)
		print_string(NULL, NULL, "kernel");
	if (m->stacks & SOV_PROF_STACK_USER)
		print_string(NULL, NULL, "user");
	print_close_array();
	print_u64("start_ns", NULL, m->start_ns);
	print_u64("duration_ns", NULL, m->duration_ns);
	print_u64("samples", NULL, m->samples);
	print_u64("skipped", NULL, m->skipped);
	print_u64("dropped", NULL, m->dropped);
	print_u64("ustack_faults", NULL, m->ustack_faults);
	print_u64("mem_events", NULL, m->mem_events);
	print_u64("mem_untracked", NULL, m->mem_untracked);
	print_u64("lock_events", NULL, m->lock_events);
	print_u64("lock_untracked", NULL, m->lock_untracked);
}

void profile_print_meta_json(const struct prof_meta *m)
{
	print_string("host", NULL, m->host);
	print_string("kernel", NULL, m->kernel);
	print_s64("saved_at", NULL, m->saved_at);
	print_meta_json(m);
}

/* ---- the profiler's state ---- */

/* Every attribute of a GET reply, for -j. */
static void print_status_json(const struct sov_prof_status *s)
{
	print_string("state", NULL, state_name(s->state));
	print_meta_json(&s->meta);
	print_u64("max_stacks", NULL, s->max_stacks);
	print_u64("rss_interval_ms", NULL, s->rss_interval_ms);
	print_u64("entries", NULL, s->entries);
	print_u64("mem_bytes", NULL, s->mem_bytes);
	print_u64("overhead_x100", NULL, s->overhead_x100);
}

static void print_status_text(const struct sov_prof_status *s)
{
	const struct prof_meta *m = &s->meta;
	char b[128], d[32];

	if (s->state == SOV_PROF_STATE_IDLE) {
		print_text("profile: idle (none started since the module was loaded; start one: sovctl profile start)\n");
		return;
	}
	print_text("profile: %s %s %s\n", state_name(s->state),
		   s->state == SOV_PROF_STATE_RUNNING ? "for" : "after",
		   print_fmt_duration(m->duration_ns, d, sizeof(d)));
	print_text("  kinds      %s\n", profile_fmt_kinds(m->kinds, b, sizeof(b)));
	print_text("  mode       %s", fmt_rate(m, b, sizeof(b)));
	if (s->has[SOV_A_PROF_EFFECTIVE_FREQ])
		print_text("; %s %u Hz", s->state == SOV_PROF_STATE_RUNNING ? "now" : "last",
			   m->effective_freq);
	print_text("\n  scope      %s\n", fmt_scope(m, b, sizeof(b)));
	print_text("  stacks     %s, at most %u per CPU and kind\n", stacks_name(m->stacks),
		   s->max_stacks);
	print_text("  samples    %llu (skipped %llu out of scope, dropped %llu, user stacks cut short %llu)\n",
		   (unsigned long long)m->samples, (unsigned long long)m->skipped,
		   (unsigned long long)m->dropped, (unsigned long long)m->ustack_faults);
	print_text("  entries    %u stacks in %s\n", s->entries,
		   mc_fmt_bytes(s->mem_bytes, b, sizeof(b)));
	print_text("  overhead   %u.%02u%% of the sampled CPUs' time\n", s->overhead_x100 / 100,
		   s->overhead_x100 % 100);
	if (m->kinds & (1U << SOV_PROF_KIND_MEM))
		print_text("  mem        %llu events, %llu untracked; resident sets every %u ms\n",
			   (unsigned long long)m->mem_events,
			   (unsigned long long)m->mem_untracked, s->rss_interval_ms);
	if (m->kinds & (1U << SOV_PROF_KIND_LOCK))
		print_text("  lock       %llu contentions, %llu untracked\n",
			   (unsigned long long)m->lock_events,
			   (unsigned long long)m->lock_untracked);
}

/* "profiling cpu (99 Hz), every CPU, both stacks" from the kernel's view. */
void profile_print_started(const struct sov_prof_status *s)
{
	char k[64], r[128], sc[64];

	print_status_json(s);
	print_text("profiling %s (%s), %s, %s stacks (see \"sovctl profile status\"; stop: \"sovctl profile stop\")\n",
		   profile_fmt_kinds(s->meta.kinds, k, sizeof(k)), fmt_rate(&s->meta, r, sizeof(r)),
		   fmt_scope(&s->meta, sc, sizeof(sc)), stacks_name(s->meta.stacks));
}

void profile_print_status(const struct sov_prof_status *s)
{
	if (print_is_json())
		print_status_json(s);
	else
		print_status_text(s);
}
