/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libsovereign profiles: what sovereign.ko's profiler collected, symbolized.
 *
 * The kernel hands out raw stacks (addresses). A struct prof_symbolizer turns
 * them into names: kernel addresses through /proc/kallsyms (modules
 * included), user addresses through the process's ELF/DWARF (libdwfl), which
 * needs the process alive. The result, a struct prof_profile, is
 * self-contained: it can be saved, loaded, reported and compared without the
 * kernel or the processes (file format: Documentation/profile-format.rst).
 */
#ifndef SOV_PROF_H
#define SOV_PROF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../../uapi/linux/sovereign.h"

/* One aggregated stack as the kernel dumps it (SOV_CMD_PROF_STACK_GET). */
struct prof_raw_stack {
	uint32_t kind;			/* enum sov_prof_kind */
	uint64_t tag;			/* mem: call site; lock: lock address */
	uint32_t pid, tgid;
	char comm[16];
	uint32_t nk, nu;
	uint64_t kips[SOV_PROF_KSTACK_MAX];	/* innermost first */
	uint64_t uips[SOV_PROF_USTACK_MAX];	/* innermost first */
	uint64_t count, weight;
};

/* Frames a stack may have in a file or folded input (the kernel's: 96). */
#define PROF_FRAMES_MAX		1024

/* A symbolized stack; frames are root first (outermost caller first). */
struct prof_stack {
	uint32_t kind;
	char *tag;			/* symbolized tag ("" for cpu) */
	uint32_t pid, tgid;
	char *comm;
	size_t nframes;
	char **frames;			/* kernel frames carry the suffix "_[k]" */
	uint64_t count, weight;
};

/* An allocation call site (SOV_CMD_PROF_SITE_GET), symbolized. */
struct prof_site {
	char *name;
	uint64_t addr;
	uint64_t allocs, frees, bytes, live_objs, live_bytes, old_objs, old_bytes;
};

/* A contended lock (SOV_CMD_PROF_LOCK_GET), symbolized. */
struct prof_lock {
	char *name;			/* symbol+off, or the address in hex */
	uint64_t addr;
	uint32_t flags;
	uint64_t count, total_ns, max_ns;
	uint64_t hist[SOV_PROF_HIST_BUCKETS];
};

struct prof_rss {
	uint64_t time_ns;
	uint32_t tgid;
	char comm[16];
	uint64_t bytes;
};

/* What the profile was: SOV_CMD_PROF_GET's settings and counters. */
struct prof_meta {
	uint32_t kinds, mode, freq, effective_freq, adaptive_x100, stacks;
	uint64_t period_ns, duration_ns, start_ns;
	int64_t cpu;			/* -1: all */
	uint32_t pid, tgid;		/* 0: any */
	uint64_t cgroup_id;		/* 0: any */
	uint64_t samples, skipped, dropped, ustack_faults;
	uint64_t mem_events, mem_untracked, lock_events, lock_untracked;
	char host[64], kernel[64];
	int64_t saved_at;		/* unix seconds */
};

struct prof_profile {
	struct prof_meta meta;
	struct prof_stack *stacks;
	size_t nstacks, cap_stacks;
	struct prof_site *sites;
	size_t nsites, cap_sites;
	struct prof_lock *locks;
	size_t nlocks, cap_locks;
	struct prof_rss *rss;
	size_t nrss, cap_rss;
};

struct prof_profile *prof_profile_new(void);
void prof_profile_free(struct prof_profile *p);

/* Symbolization */
struct prof_symbolizer;
/* @kallsyms: path of a kallsyms file (NULL: /proc/kallsyms, and if that
 * cannot be read every kernel address is "[unknown]"). NULL with errno set
 * if the file given cannot be read. */
struct prof_symbolizer *prof_symbolizer_new(const char *kallsyms);
void prof_symbolizer_free(struct prof_symbolizer *s);
/* "func" or "func [module]"; unknown: "[unknown]". Returns a malloc'd string. */
char *prof_sym_kernel(struct prof_symbolizer *s, uint64_t addr);
/* "func" for an address in process @tgid; unknown: "[binary]" or "[unknown]". */
char *prof_sym_user(struct prof_symbolizer *s, uint32_t tgid, uint64_t addr);
/* An allocation call site (text): "func+0x1c [module]"; unknown: "0x..." */
char *prof_sym_kernel_site(struct prof_symbolizer *s, uint64_t addr);
/* An object's address (locks), text and data symbols: "rtnl_mutex",
 * "sym+0x8 [module]"; unknown: the address, "0xffff888004a1c0e8". */
char *prof_sym_kernel_data(struct prof_symbolizer *s, uint64_t addr);
/* true when kallsyms showed every address as 0 (kptr_restrict). */
bool prof_symbolizer_kptr_restricted(const struct prof_symbolizer *s);
/* @addr in the ELF file @path loaded with bias @bias (dl_iterate_phdr's
 * dlpi_addr): "func", "[file]" or "[unknown]"; no process needed. */
char *prof_sym_elf(const char *path, uint64_t bias, uint64_t addr);
/* Symbolize @raw and append it to @p. Returns 0 or -errno. */
int prof_profile_add_raw(struct prof_profile *p, struct prof_symbolizer *s,
			 const struct prof_raw_stack *raw);

/* Appending already-symbolized data (loaders, tests, the kernel's dumps). */
int prof_profile_add_stack(struct prof_profile *p, const struct prof_stack *st);
int prof_profile_add_site(struct prof_profile *p, const struct prof_site *site);
int prof_profile_add_lock(struct prof_profile *p, const struct prof_lock *lk);
int prof_profile_add_rss(struct prof_profile *p, const struct prof_rss *r);

/* The file format: save and load (errors name the file and what is wrong). */
int prof_profile_save(const struct prof_profile *p, const char *path,
		      char *err, size_t errlen);
struct prof_profile *prof_profile_load(const char *path, char *err,
				       size_t errlen);

/*
 * Folded stacks, FlameGraph's format: "comm;root;...;leaf N", one line per
 * distinct stack of @kind, N its weight.
 */
int prof_folded_write(const struct prof_profile *p, uint32_t kind, FILE *out);
/* Read folded lines back into stacks of @kind (for tests and imports): the
 * first ";" element is the comm, count and weight are N. All or nothing:
 * on error (-EINVAL, "line N: ..." in @err) no stack is added. */
int prof_folded_read(struct prof_profile *p, uint32_t kind, FILE *in,
		     char *err, size_t errlen);

/* Hotspots: per function, its self and total weight (total counts a
 * function once per stack even when it recurses). Sorted by self, then total. */
struct prof_hot {
	char *name;
	uint64_t self, total;
};
/* Returns the number of entries (all functions), -errno on failure. */
ssize_t prof_hotspots(const struct prof_profile *p, uint32_t kind,
		      struct prof_hot **out, uint64_t *grand_total);
void prof_hot_free(struct prof_hot *h, size_t n);

/* A call tree (root "all" = all stacks of one kind; its kids are the comms,
 * then the frames, as in the folded stacks). */
struct prof_node {
	char *name;
	uint64_t self, total;
	struct prof_node **kids;	/* sorted by total, descending */
	size_t nkids;
};
struct prof_node *prof_tree_build(const struct prof_profile *p, uint32_t kind);
void prof_tree_free(struct prof_node *root);
/* Text: one line per node, indented, "total% self% name"; nodes under
 * @min_pct percent of the root are folded away. */
void prof_tree_print(const struct prof_node *root, double min_pct, FILE *out);

/* SVG flame graph: self-contained (inline script: hover, click to zoom,
 * search with highlight and matched %), like FlameGraph's flamegraph.pl. */
struct prof_svg_opts {
	const char *title;
	const char *unit;		/* "samples", "bytes", "ns" */
	unsigned int width;		/* default 1200 */
};
int prof_svg_write(const struct prof_profile *p, uint32_t kind,
		   const struct prof_svg_opts *o, FILE *out);

/*
 * Differential: shares (percent of each profile's total) per function,
 * self and total, in A and in B; sorted by |delta self|.
 */
struct prof_delta {
	char *name;
	double self_a, self_b, total_a, total_b;	/* percent */
};
ssize_t prof_compare(const struct prof_profile *a, const struct prof_profile *b,
		     uint32_t kind, struct prof_delta **out);
void prof_delta_free(struct prof_delta *d, size_t n);
/* Differential flame graph: B's shape, coloured red where B grew over A and
 * blue where it shrank (FlameGraph's difffolded convention, normalized). */
int prof_svg_diff_write(const struct prof_profile *a,
			const struct prof_profile *b, uint32_t kind,
			const struct prof_svg_opts *o, FILE *out);

const char *prof_kind_name(uint32_t kind);	/* "cpu", "mem", "lock" */
int prof_kind_parse(const char *s);		/* -1 if unknown */

#endif /* SOV_PROF_H */
