/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sovereign.ko's profiler over generic netlink (SOV_CMD_PROF_*), for
 * "sovctl profile" and sovereignd's continuous profile: start and stop it,
 * read its state, and read a whole profile (GET, then the STACK_GET,
 * SITE_GET, LOCK_GET and RSS_GET dumps) into a struct prof_profile.
 *
 * Reading is two steps so that a caller on an event loop can do the quick
 * one (the dumps: raw addresses, a few milliseconds) on the loop and the
 * slow one (symbolization: /proc/kallsyms, every process's ELF files) on a
 * worker thread: sov_prof_read_raw(), then sov_prof_symbolize().
 */
#ifndef SOV_NL_PROF_READ_H
#define SOV_NL_PROF_READ_H

#include <stdbool.h>
#include <stdint.h>

#include "../prof/prof.h"
#include "nl.h"

/*
 * How requests reach the kernel: @transact sends @req (its nlmsg_type is
 * left 0: the transport sets the family id) and hands every reply message
 * to @cb, like sov_genl_transact(). Tests put a fake kernel here.
 */
struct sov_prof_io {
	int (*transact)(void *ctx, struct nlmsghdr *req, sov_nl_cb cb, void *data,
			struct sov_nl_err *err);
	void *ctx;
};

/* The transport over a resolved struct sov_genl (@ctx). */
int sov_prof_genl_transact(void *ctx, struct nlmsghdr *req, sov_nl_cb cb,
			   void *data, struct sov_nl_err *err);

/* What START asks for; a 0 (cpu: -1) leaves the attribute out (kernel default). */
struct sov_prof_settings {
	uint32_t kinds;			/* mask of BIT(enum sov_prof_kind) */
	uint32_t freq;
	uint64_t period_ns;
	uint32_t adaptive_x100;
	int64_t cpu;			/* -1: every CPU */
	uint32_t pid, tgid;
	uint64_t cgroup_id;
	uint32_t stacks;		/* SOV_PROF_STACK_* */
	uint32_t max_stacks, rss_interval_ms;
};

#define SOV_PROF_SETTINGS_INIT { .cpu = -1 }

/* Append @s's attributes to a SOV_CMD_PROF_START request. */
void sov_prof_put_settings(struct nlmsghdr *nlh, const struct sov_prof_settings *s);

int sov_prof_start(const struct sov_prof_io *io, const struct sov_prof_settings *s,
		   struct sov_nl_err *err);
/* -EALREADY (in err) when no profile runs. */
int sov_prof_stop(const struct sov_prof_io *io, struct sov_nl_err *err);

/* SOV_CMD_PROF_GET's reply. */
struct sov_prof_status {
	struct prof_meta meta;		/* settings and counters (cpu -1: all) */
	uint32_t state;			/* enum sov_prof_state */
	uint32_t max_stacks, rss_interval_ms;
	uint32_t entries, overhead_x100;
	uint64_t mem_bytes;
	bool has[SOV_A_PROF_MAX + 1];	/* the attributes the reply carried */
};

/* One GET reply into @st (attributes of a newer module are skipped). */
int sov_prof_status_parse(const struct nlmsghdr *nlh, struct sov_prof_status *st);
int sov_prof_status_get(const struct sov_prof_io *io, struct sov_prof_status *st,
			struct sov_nl_err *err);

/* One STACK_GET message; -EINVAL if it is not a stack. */
int sov_prof_raw_stack_parse(const struct nlmsghdr *nlh, struct prof_raw_stack *raw);

/* A profile as the kernel dumped it: addresses, not yet names. */
struct sov_prof_raw {
	struct sov_prof_status status;
	struct prof_raw_stack *stacks;
	size_t nstacks, cap_stacks;
	struct prof_site *sites;	/* .name NULL */
	size_t nsites, cap_sites;
	struct prof_lock *locks;	/* .name NULL */
	size_t nlocks, cap_locks;
	struct prof_rss *rss;
	size_t nrss, cap_rss;
};

/*
 * GET, then every dump the profile's kinds have (SITE_GET with
 * @leak_age_ms unless 0). -ENODATA (err says so) when no profile was
 * started since the module was loaded.
 */
int sov_prof_read_raw(const struct sov_prof_io *io, uint32_t leak_age_ms,
		      struct sov_prof_raw **out, struct sov_nl_err *err);
void sov_prof_raw_free(struct sov_prof_raw *raw);

/*
 * Names for everything in @raw (with @sym; NULL: one made for the call),
 * as a profile whose meta also names this host and kernel and the time.
 * NULL with *@errp = -errno on failure.
 */
struct prof_profile *sov_prof_symbolize(const struct sov_prof_raw *raw,
					struct prof_symbolizer *sym, int *errp);

/* Both steps. */
int sov_prof_read(const struct sov_prof_io *io, struct prof_symbolizer *sym,
		  uint32_t leak_age_ms, struct prof_profile **out,
		  struct sov_nl_err *err);

#endif /* SOV_NL_PROF_READ_H */
