/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sovctl profile: what profile.c (start, stop, status, dispatch),
 * profile_args.c (the words), profile_show.c (state and settings),
 * profile_report.c and profile_compare.c share, and what the unit tests use.
 */
#ifndef SOVCTL_PROFILE_H
#define SOVCTL_PROFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "../../lib/nl/prof_read.h"
#include "../../lib/prof/prof.h"

#define PROF_KINDS_ALL	((1U << __SOV_PROF_KIND_CNT) - 1)

/*
 * The kernel as the profile commands reach it. NULL: the module over
 * generic netlink. The unit tests point it at a fake kernel.
 */
extern const struct sov_prof_io *profile_io_override;

/*
 * Open the kernel for one command into @io (with @g as the socket);
 * prints why not and returns EXIT_FAIL. profile_close() after.
 */
int profile_open(struct sov_prof_io *io, struct sov_genl *g);
void profile_close(struct sov_prof_io *io, struct sov_genl *g);
/* Print a kernel refusal of @what (its extack, the attribute by its word). */
int profile_nl_error(const char *what, const struct sov_nl_err *err);

/*
 * Words of a command line, matched exactly or by an unambiguous prefix:
 * the index in @words (NULL-terminated), -1 unknown, -2 ambiguous.
 */
int profile_word(const char *arg, const char *const *words);

/* "cpu", "mem,lock", "all": a kind mask; -EINVAL if it is not one. */
int profile_parse_kinds(const char *s, uint32_t *kinds);
/* "cpu,mem" (or "none") */
const char *profile_fmt_kinds(uint32_t kinds, char *buf, size_t size);
/* Nanoseconds: "250000", "250000ns", "250us", "10ms", "1s". */
int profile_parse_ns(const char *s, uint64_t *ns);
/* A percentage with up to two decimals, "0.5" or "0.5%", in hundredths. */
int profile_parse_pct_x100(const char *s, uint32_t *x100);
/*
 * The cgroup v2 directory @path, absolute or relative to the cgroup2
 * mount in @mountinfo (NULL: /proc/self/mountinfo): its inode number.
 * Returns 0, or -errno with @why saying what is wrong.
 */
int profile_cgroup_id(const char *path, const char *mountinfo, uint64_t *id,
		      char *why, size_t whylen);

/* The profiler's state (GET), text or JSON as print_begin() chose. */
void profile_print_status(const struct sov_prof_status *s);
/* The one line "profile start" prints (its JSON: the state). */
void profile_print_started(const struct sov_prof_status *s);

/* The unit of a kind's weight: "samples", "bytes", "ns". */
const char *profile_unit(uint32_t kind);
/* A weight in its unit, for text: "1523", "1.2 MiB", "4.1 ms". */
const char *profile_fmt_weight(uint32_t kind, uint64_t v, char *buf, size_t size);
/* perf lock's names for LCB_F_* flags: "spinlock", "rwsem:R", "mutex", ... */
const char *profile_lock_type(uint32_t flags);

/* The words of "profile start" into @s; a usage error (printed) if they are wrong. */
int profile_parse_start(int argc, char **argv, struct sov_prof_settings *s);
/* Read the profile from the kernel, save one to @path; print why not (@what: the command). */
int profile_read(const struct sov_prof_io *io, uint32_t leak_age_ms,
		 struct prof_profile **p, const char *what);
int profile_save(const struct prof_profile *p, const char *path, const char *what);
/* "cpu,mem for 10.0s (99 Hz), every CPU, both stacks" */
const char *profile_fmt_meta(const struct prof_meta *m, char *buf, size_t size);
/* The settings and counters of @m as JSON keys (as status names them). */
void profile_print_meta_json(const struct prof_meta *m);

/* Shared by report and compare (profile_report.c). */
int64_t profile_pct_x100(double pct);
/* The kinds a profile has data of: its settings, and any stack it holds. */
uint32_t profile_kinds_of(const struct prof_profile *p);
/* @want if @have has it (-1: the first @have has, cpu first); -1 said why. */
int profile_one_kind(int want, uint32_t have, const char *what);
/* "kind K" and "--top N"; usage errors printed. */
int profile_parse_kind(const char *val, int *kind);
int profile_parse_top(const char *val, uint32_t *top);
/* A flame graph of @b's @kind into @path (differential against @a unless NULL). */
int profile_write_svg(const char *path, const char *what, const struct prof_profile *a,
		      const struct prof_profile *b, uint32_t kind);

int profile_report(int argc, char **argv);
int profile_compare(int argc, char **argv);

#endif
