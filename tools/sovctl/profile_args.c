// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl profile: the command line's words and values (kinds, times,
 * percentages, cgroups) and "profile start"'s settings, checked before
 * anything is sent, with the valid range in every refusal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "print.h"
#include "profile.h"
#include "sovctl.h"

int profile_word(const char *arg, const char *const *words)
{
	int i, found = -1;

	for (i = 0; words[i]; i++) {
		if (!strcmp(arg, words[i]))
			return i;
		if (matches(arg, words[i]))
			found = found == -1 ? i : -2;
	}
	return found;
}

/* ---- parsers ---- */

static const char *const kind_names[__SOV_PROF_KIND_CNT] = {
	[SOV_PROF_KIND_CPU] = "cpu",
	[SOV_PROF_KIND_MEM] = "mem",
	[SOV_PROF_KIND_LOCK] = "lock",
};

int profile_parse_kinds(const char *s, uint32_t *kinds)
{
	const char *p = s, *end;
	unsigned int i;
	size_t n;

	*kinds = 0;
	if (!strcmp(s, "all")) {
		*kinds = PROF_KINDS_ALL;
		return 0;
	}
	for (;;) {
		end = strchr(p, ',');
		n = end ? (size_t)(end - p) : strlen(p);
		for (i = 0; i < __SOV_PROF_KIND_CNT; i++)
			if (n == strlen(kind_names[i]) && !strncmp(p, kind_names[i], n))
				break;
		if (i == __SOV_PROF_KIND_CNT)
			return -EINVAL;
		*kinds |= 1U << i;
		if (!end)
			return 0;
		p = end + 1;
	}
}

const char *profile_fmt_kinds(uint32_t kinds, char *buf, size_t size)
{
	return print_fmt_mask(kinds, kind_names, __SOV_PROF_KIND_CNT, buf, size);
}

int profile_parse_ns(const char *s, uint64_t *ns)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} units[] = { { "", 1 }, { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 },
		      { "s", 1000000000ULL } };
	unsigned long long n;
	unsigned int i;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix))
			continue;
		if (n > UINT64_MAX / units[i].mult)
			return -ERANGE;
		*ns = n * units[i].mult;
		return 0;
	}
	return -EINVAL;
}

int profile_parse_pct_x100(const char *s, uint32_t *x100)
{
	uint64_t v = 0;
	unsigned int decimals = 0;
	bool digits = false, dot = false;

	for (; *s && *s != '%'; s++) {
		if (*s == '.' && !dot) {
			dot = true;
			continue;
		}
		if (*s < '0' || *s > '9')
			return -EINVAL;
		digits = true;
		if (dot && decimals == 2) {
			if (*s != '0')
				return -ERANGE;	/* hundredths of a percent: 0.005 is not one */
			continue;
		}
		decimals += dot;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	if (!digits || (*s == '%' && s[1]))
		return -EINVAL;
	for (; decimals < 2; decimals++)
		v *= 10;
	if (v > UINT32_MAX)
		return -ERANGE;
	*x100 = (uint32_t)v;
	return 0;
}

/* The first cgroup2 mount point of @mountinfo into @mnt. */
static int cgroup2_mount(const char *mountinfo, char *mnt, size_t size)
{
	char line[4096], point[4096], type[64];
	const char *sep;
	FILE *f = fopen(mountinfo, "re");
	int found = -ENOENT;
	size_t i, o;

	if (!f)
		return -errno;
	while (found && fgets(line, sizeof(line), f)) {
		/* ID PARENT MAJ:MIN ROOT POINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER */
		sep = strstr(line, " - ");
		if (!sep || sscanf(sep + 3, "%63s", type) != 1 || strcmp(type, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1)
			continue;
		/* octal escapes: \040 is a space */
		for (i = o = 0; point[i] && o + 1 < size; o++) {
			if (point[i] == '\\' && point[i + 1] >= '0' && point[i + 1] <= '3' &&
			    point[i + 2] >= '0' && point[i + 2] <= '7' &&
			    point[i + 3] >= '0' && point[i + 3] <= '7') {
				mnt[o] = (char)((point[i + 1] - '0') * 64 +
						(point[i + 2] - '0') * 8 + (point[i + 3] - '0'));
				i += 4;
			} else {
				mnt[o] = point[i++];
			}
		}
		mnt[o] = '\0';
		found = 0;
	}
	fclose(f);
	return found;
}

static bool is_cgroup2_dir(const char *path, struct stat *st)
{
	struct statfs fs;

	return !stat(path, st) && S_ISDIR(st->st_mode) && !statfs(path, &fs) &&
	       fs.f_type == CGROUP2_SUPER_MAGIC;
}

int profile_cgroup_id(const char *path, const char *mountinfo, uint64_t *id,
		      char *why, size_t whylen)
{
	const char *mi = mountinfo ? mountinfo : "/proc/self/mountinfo";
	bool abs = path[0] == '/';
	char mnt[4096], full[8192];
	struct stat st;
	int ret;

	if (!*path) {
		snprintf(why, whylen, "expected a cgroup v2 directory");
		return -EINVAL;
	}
	if (abs && is_cgroup2_dir(path, &st))
		goto found;
	/* "/system.slice" or "system.slice": under the cgroup2 mount */
	ret = cgroup2_mount(mi, mnt, sizeof(mnt));
	if (!ret) {
		snprintf(full, sizeof(full), "%s%s%s", mnt, abs ? "" : "/", path);
		if (is_cgroup2_dir(full, &st))
			goto found;
	} else if (!abs) {
		snprintf(why, whylen, "no cgroup v2 file system is mounted (%s)", mi);
		return ret;
	}
	if (abs) {
		ret = stat(path, &st) ? -errno : -ENOTDIR;
		snprintf(why, whylen, "%s", ret == -ENOTDIR ? "not a cgroup v2 directory" :
			 strerror(-ret));
		return ret;
	}
	ret = stat(full, &st) ? -errno : -ENOTDIR;
	if (ret == -ENOTDIR)
		snprintf(why, whylen, "%s is not a cgroup v2 directory", full);
	else
		snprintf(why, whylen, "%s: %s", full, strerror(-ret));
	return ret;
found:
	*id = st.st_ino;
	return 0;
}

/* ---- profile start ---- */

enum {
	W_KIND, W_FREQ, W_PERIOD, W_ADAPTIVE, W_CPU, W_PID, W_TGID, W_CGROUP, W_STACKS,
	W_MAX_STACKS, W_RSS_INTERVAL, W_CNT
};

static const char *const start_words[W_CNT + 1] = {
	"kind", "freq", "period", "adaptive", "cpu", "pid", "tgid", "cgroup", "stacks",
	"max-stacks", "rss-interval", NULL,
};

#define START_WORDS "kind, freq, period, adaptive, cpu, pid, tgid, cgroup, stacks, max-stacks or rss-interval"
/* the kernel's PID_MAX_LIMIT on 64-bit */
#define PID_LIMIT 4194304U

/*
 * A u32 in [@min, @max], or a usage error naming @word and the range, as
 * the kernel words its own: "frequency: expected 1-10000 Hz, got "0"".
 */
static int range_u32(const char *word, const char *val, uint32_t min, uint32_t max,
		     const char *unit, uint32_t *v)
{
	if (parse_u32(val, 10, v) || *v < min || *v > max)
		return usage_error("%s: expected %u-%u%s%s, got \"%s\"", word, min, max,
				   *unit ? " " : "", unit, val);
	return EXIT_OK;
}

static int start_value(struct sov_prof_settings *s, int w, const char *val)
{
	char why[256];
	uint32_t v;
	long ncpu;
	int ret;

	switch (w) {
	case W_KIND:
		if (profile_parse_kinds(val, &s->kinds))
			return usage_error("unknown kind \"%s\": expected cpu, mem, lock or all",
					   val);
		return EXIT_OK;
	case W_FREQ:
		return range_u32("frequency", val, SOV_PROF_FREQ_MIN, SOV_PROF_FREQ_MAX, "Hz",
				 &s->freq);
	case W_PERIOD:
		if (profile_parse_ns(val, &s->period_ns) || s->period_ns < SOV_PROF_PERIOD_MIN_NS ||
		    s->period_ns > SOV_PROF_PERIOD_MAX_NS)
			return usage_error("period: expected 100us-1s, got \"%s\"", val);
		return EXIT_OK;
	case W_ADAPTIVE:
		if (profile_parse_pct_x100(val, &s->adaptive_x100) ||
		    s->adaptive_x100 < SOV_PROF_ADAPTIVE_MIN_X100 ||
		    s->adaptive_x100 > SOV_PROF_ADAPTIVE_MAX_X100)
			return usage_error("adaptive: expected 0.01-50 (percent), got \"%s\"", val);
		return EXIT_OK;
	case W_CPU:
		ncpu = sysconf(_SC_NPROCESSORS_CONF);
		if (ncpu < 1)
			ncpu = 1;
		ret = range_u32("cpu", val, 0, (uint32_t)ncpu - 1, "(this machine's cpus)", &v);
		s->cpu = v;
		return ret;
	case W_PID:
		return range_u32("pid", val, 1, PID_LIMIT, "(a thread id)", &s->pid);
	case W_TGID:
		return range_u32("tgid", val, 1, PID_LIMIT, "(a process id)", &s->tgid);
	case W_CGROUP:
		if (profile_cgroup_id(val, NULL, &s->cgroup_id, why, sizeof(why)))
			return usage_error("cgroup %s: %s", val, why);
		return EXIT_OK;
	case W_STACKS:
		if (!strcmp(val, "kernel"))
			s->stacks = SOV_PROF_STACK_KERNEL;
		else if (!strcmp(val, "user"))
			s->stacks = SOV_PROF_STACK_USER;
		else if (!strcmp(val, "both"))
			s->stacks = SOV_PROF_STACK_KERNEL | SOV_PROF_STACK_USER;
		else
			return usage_error("unknown stacks \"%s\": expected kernel, user or both", val);
		return EXIT_OK;
	case W_MAX_STACKS:
		return range_u32("max-stacks", val, SOV_PROF_MAX_STACKS_MIN, SOV_PROF_MAX_STACKS_MAX,
				 "", &s->max_stacks);
	default:
		return range_u32("rss-interval", val, SOV_PROF_RSS_INTERVAL_MIN_MS,
				 SOV_PROF_RSS_INTERVAL_MAX_MS, "ms", &s->rss_interval_ms);
	}
}

int profile_parse_start(int argc, char **argv, struct sov_prof_settings *s)
{
	static const int scopes[] = { W_CPU, W_PID, W_TGID, W_CGROUP };
	bool given[W_CNT] = { false };
	bool scoped = false;
	int w, ret;
	unsigned int i;

	*s = (struct sov_prof_settings)SOV_PROF_SETTINGS_INIT;
	for (; argc > 0; argc -= 2, argv += 2) {
		w = profile_word(argv[0], start_words);
		if (w == -2)
			return usage_error("option \"%s\" is ambiguous for 'profile start': expected " START_WORDS,
					   argv[0]);
		if (w < 0)
			return usage_error("unknown option \"%s\" for 'profile start': expected " START_WORDS " (see \"sovctl profile help\")",
					   argv[0]);
		if (argc < 2)
			return usage_error("\"%s\" needs a value, see \"sovctl profile help\"", argv[0]);
		if (given[w])
			return usage_error("'profile start': \"%s\" is given twice", start_words[w]);
		given[w] = true;
		for (i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
			if (w != scopes[i])
				continue;
			if (scoped)
				return usage_error("expected one scope at most: cpu, pid, tgid or cgroup");
			scoped = true;
		}
		ret = start_value(s, w, argv[1]);
		if (ret)
			return ret;
	}
	if (given[W_FREQ] && given[W_PERIOD])
		return usage_error("expected a frequency or a period, not both");
	if (given[W_ADAPTIVE] && given[W_PERIOD])
		return usage_error("adaptive mode takes a frequency ceiling (freq MAXHZ), not a period");
	if (given[W_RSS_INTERVAL] && !(s->kinds & (1U << SOV_PROF_KIND_MEM)))
		return usage_error("rss-interval: only with kind mem (resident sets are a part of mem)");
	return EXIT_OK;
}

