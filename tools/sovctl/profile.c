// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl profile: sovereign.ko's sampling profiler over generic netlink
 * (no daemon needed): start, stop, status, help and the dispatch. The
 * words are checked in profile_args.c, printed in profile_show.c; report
 * and compare are in profile_report.c and profile_compare.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "print.h"
#include "profile.h"
#include "sovctl.h"

const struct sov_prof_io *profile_io_override;

/* The words the kernel's extack may point at, as the command line names them. */
static const char *const prof_attr_names[SOV_A_PROF_MAX + 1] = {
	[SOV_A_PROF_KINDS] = "kind",
	[SOV_A_PROF_FREQ] = "freq",
	[SOV_A_PROF_PERIOD_NS] = "period",
	[SOV_A_PROF_ADAPTIVE_X100] = "adaptive",
	[SOV_A_PROF_CPU] = "cpu",
	[SOV_A_PROF_PID] = "pid",
	[SOV_A_PROF_TGID] = "tgid",
	[SOV_A_PROF_CGROUP_ID] = "cgroup",
	[SOV_A_PROF_STACKS] = "stacks",
	[SOV_A_PROF_MAX_STACKS] = "max-stacks",
	[SOV_A_PROF_RSS_INTERVAL_MS] = "rss-interval",
	[SOV_A_PROF_KIND] = "kind",
	[SOV_A_PROF_LEAK_AGE_MS] = "leak-age",
};

int profile_open(struct sov_prof_io *io, struct sov_genl *g)
{
	memset(g, 0, sizeof(*g));
	if (profile_io_override) {
		*io = *profile_io_override;
		return EXIT_OK;
	}
	if (module_open(g, false, NULL))
		return EXIT_FAIL;
	io->transact = sov_prof_genl_transact;
	io->ctx = g;
	return EXIT_OK;
}

void profile_close(struct sov_prof_io *io, struct sov_genl *g)
{
	(void)io;
	sov_genl_close(g);
}

int profile_nl_error(const char *what, const struct sov_nl_err *err)
{
	struct sov_nl_err e = *err;
	const char *name;

	/* "cpu: expected an online cpu" names its attribute already */
	if (e.attr_type > 0 && e.attr_type <= SOV_A_PROF_MAX && !e.has_range) {
		name = prof_attr_names[e.attr_type];
		if (name && !strncmp(e.msg, name, strlen(name)))
			e.attr_type = -1;
	}
	return report_nl_error(what, &e, prof_attr_names, SOV_A_PROF_MAX + 1);
}

static int prof_status(int argc, char **argv)
{
	struct sov_prof_status s;
	struct sov_prof_io io;
	struct sov_nl_err err;
	struct sov_genl g;
	int ret;

	if (argc > 0)
		return usage_error("'profile status' takes no arguments, got \"%s\"", argv[0]);
	if (profile_open(&io, &g))
		return EXIT_FAIL;
	ret = sov_prof_status_get(&io, &s, &err);
	profile_close(&io, &g);
	if (ret)
		return profile_nl_error("profile status", &err);
	print_begin(sovctl.json, sovctl.pretty, stdout);
	profile_print_status(&s);
	print_end();
	return EXIT_OK;
}


static int prof_start(int argc, char **argv)
{
	struct sov_prof_settings set;
	struct sov_prof_status s;
	struct sov_prof_io io;
	struct sov_nl_err err;
	struct sov_genl g;
	int ret;

	ret = profile_parse_start(argc, argv, &set);
	if (ret)
		return ret;
	if (profile_open(&io, &g))
		return EXIT_FAIL;
	ret = sov_prof_start(&io, &set, &err);
	if (ret) {
		profile_close(&io, &g);
		return profile_nl_error("profile start", &err);
	}
	ret = sov_prof_status_get(&io, &s, &err);
	profile_close(&io, &g);
	print_begin(sovctl.json, sovctl.pretty, stdout);
	if (ret)
		print_text("profile started\n");
	else
		profile_print_started(&s);
	print_end();
	return EXIT_OK;
}

/* ---- stop ---- */

int profile_read(const struct sov_prof_io *io, uint32_t leak_age_ms,
		 struct prof_profile **p, const char *what)
{
	struct prof_symbolizer *sym;
	struct sov_prof_raw *raw;
	struct sov_nl_err err;
	int ret;

	*p = NULL;
	if (sov_prof_read_raw(io, leak_age_ms, &raw, &err))
		return profile_nl_error(what, &err);
	sym = prof_symbolizer_new(NULL);
	if (!sym) {
		ret = op_error("%s: cannot read the kernel's symbols: %s", what, strerror(errno));
		sov_prof_raw_free(raw);
		return ret;
	}
	if (prof_symbolizer_kptr_restricted(sym))
		fprintf(stderr, "%s: /proc/kallsyms hides the kernel's addresses (kptr_restrict): kernel frames are [unknown]; run as root\n",
			what);
	*p = sov_prof_symbolize(raw, sym, &ret);
	prof_symbolizer_free(sym);
	sov_prof_raw_free(raw);
	if (!*p)
		return op_error("%s: symbolizing the profile failed: %s", what, strerror(-ret));
	return EXIT_OK;
}

int profile_save(const struct prof_profile *p, const char *path, const char *what)
{
	char why[512];

	if (prof_profile_save(p, path, why, sizeof(why)))
		return op_error("%s: %s", what, why);
	return EXIT_OK;
}

static int prof_stop(int argc, char **argv)
{
	struct prof_profile *p = NULL;
	const char *save = NULL;
	struct sov_prof_status s;
	struct sov_prof_io io;
	struct sov_nl_err err;
	struct sov_genl g;
	char d[32];
	int ret;

	if (argc > 0 && profile_word(argv[0], (const char *const[]){ "save", NULL }) != 0)
		return usage_error("unknown option \"%s\" for 'profile stop': expected save FILE",
				   argv[0]);
	if (argc == 1)
		return usage_error("\"save\" needs a file, see \"sovctl profile help\"");
	if (argc > 2)
		return usage_error("'profile stop' takes [ save FILE ], got \"%s\"", argv[2]);
	if (argc == 2)
		save = argv[1];
	if (profile_open(&io, &g))
		return EXIT_FAIL;
	ret = sov_prof_stop(&io, &err);
	if (ret) {
		profile_close(&io, &g);
		return profile_nl_error("profile stop", &err);
	}
	ret = save ? profile_read(&io, 0, &p, "profile stop") : EXIT_OK;
	if (!ret && save)
		ret = profile_save(p, save, "profile stop");
	if (ret) {
		profile_close(&io, &g);
		prof_profile_free(p);
		return ret;
	}
	print_begin(sovctl.json, sovctl.pretty, stdout);
	if (p) {
		print_u64("duration_ns", NULL, p->meta.duration_ns);
		print_text("profile stopped after %s",
			   print_fmt_duration(p->meta.duration_ns, d, sizeof(d)));
		print_u64("samples", " (%llu samples)", p->meta.samples);
		print_string("saved", "; saved to %s", save);
		print_u64("stacks", " (%llu stacks", p->nstacks);
		print_u64("sites", ", %llu allocation sites", p->nsites);
		print_u64("locks", ", %llu locks", p->nlocks);
		print_u64("rss_samples", ", %llu resident-set samples)\n", p->nrss);
	} else if (!sov_prof_status_get(&io, &s, &err)) {
		print_u64("duration_ns", NULL, s.meta.duration_ns);
		print_text("profile stopped after %s",
			   print_fmt_duration(s.meta.duration_ns, d, sizeof(d)));
		print_u64("samples", " (%llu samples); its data stays readable until the next start\n",
			  s.meta.samples);
	} else {
		print_text("profile stopped\n");
	}
	print_end();
	profile_close(&io, &g);
	prof_profile_free(p);
	return EXIT_OK;
}

/* ---- help and dispatch ---- */

static int prof_help(FILE *f)
{
	fputs("Usage: sovctl profile start [ kind KINDS ] [ freq HZ | period TIME | adaptive PCT [ freq MAXHZ ] ]\n"
	      "                            [ cpu N | pid N | tgid N | cgroup PATH ] [ stacks STACKS ]\n"
	      "                            [ max-stacks N ] [ rss-interval MS ]\n"
	      "       sovctl profile stop [ save FILE ]\n"
	      "       sovctl profile status\n"
	      "       sovctl profile report [ from FILE ] [ kind KIND ] [ save FILE ] [ leak-age MS ]\n"
	      "                             [ --top N | --folded | --svg FILE | --tree [ min PCT ] ]\n"
	      "       sovctl profile compare A B [ kind KIND ] [ --top N | --svg FILE ]\n"
	      "       sovctl profile help\n"
	      "where  KINDS  := { KIND | all | KIND,KIND... }   (default cpu)\n"
	      "       KIND   := { cpu | mem | lock }\n"
	      "       HZ     := 1-10000 samples per second per CPU   (default 99)\n"
	      "       TIME   := 100us-1s as N[ns|us|ms|s]   (N alone: nanoseconds)\n"
	      "       PCT    := 0.01-50: the share of each CPU the sampling may take; the rate\n"
	      "                 starts at MAXHZ (default 999) and follows it\n"
	      "       cpu N  := a CPU; pid N: one thread; tgid N: one process; cgroup PATH: a\n"
	      "                 cgroup v2 directory (absolute, or under the cgroup2 mount) and below\n"
	      "       STACKS := { kernel | user | both }   (default both)\n"
	      "       max-stacks N := 64-65536 distinct stacks per CPU and kind (default 4096)\n"
	      "       rss-interval MS := 10-60000, how often resident sets are sampled (kind mem,\n"
	      "                 default 100); leak-age MS: live objects older than that are\n"
	      "                 leak candidates (default 10000)\n"
	      "\n"
	      "  start    start the profiler: one profile at a time, system-wide; it clears the\n"
	      "           last profile's data (needs CAP_NET_ADMIN)\n"
	      "  stop     stop it; with save FILE, also read the profile and save it\n"
	      "  status   state, settings and counters of the running or last profile\n"
	      "  report   the running or last profile (or FILE): per kind the functions by\n"
	      "           self weight, SELF% TOTAL% FUNCTION (cpu: samples, mem: bytes,\n"
	      "           lock: time waited; --top 20 by default), the allocation sites, the\n"
	      "           resident sets and the contended locks; --folded: folded stacks\n"
	      "           (flamegraph.pl's input); --svg: a flame graph; --tree: the call tree\n"
	      "           without branches under PCT% (default 1); save FILE: save it too\n"
	      "  compare  two saved profiles: the functions whose share changed most from A\n"
	      "           to B; --svg: a differential flame graph (red grew, blue shrank)\n"
	      "\n"
	      "One kind for --folded, --svg and compare: KIND, or the first the profile has\n"
	      "(cpu, mem, lock). User frames are named while their process lives. -j prints\n"
	      "JSON (not for --svg).\n", f);
	return f == stdout ? EXIT_OK : EXIT_USAGE;
}

int do_profile(int argc, char **argv)
{
	static const char *const verbs[] = {
		"status", "start", "stop", "report", "compare", "help", NULL,
	};
	int v;

	argc = take_output_options(argc, argv);	/* "status -j" */
	if (argc == 0)
		return prof_help(stderr);
	v = profile_word(argv[0], verbs);
	switch (v) {
	case 0:
		return prof_status(argc - 1, argv + 1);
	case 1:
		return prof_start(argc - 1, argv + 1);
	case 2:
		return prof_stop(argc - 1, argv + 1);
	case 3:
		return profile_report(argc - 1, argv + 1);
	case 4:
		return profile_compare(argc - 1, argv + 1);
	case 5:
		return prof_help(stdout);
	case -2:
		usage_error("command \"%s\" is ambiguous for 'profile' (status, start or stop?), try \"sovctl profile help\"",
			    argv[0]);
		break;
	default:
		usage_error("command \"%s\" is unknown for 'profile', try \"sovctl profile help\"",
			    argv[0]);
		break;
	}
	prof_help(stderr);
	return EXIT_USAGE;
}
