// SPDX-License-Identifier: GPL-2.0
/* sovctl [OPTIONS] OBJECT COMMAND [ARGS]: option parsing and dispatch. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kmod/version.h"
#include "print.h"
#include "sovctl.h"

struct sovctl_opts sovctl;

bool matches(const char *arg, const char *word)
{
	size_t n = strlen(arg);

	return n && n <= strlen(word) && !strncmp(arg, word, n);
}

int take_output_options(int argc, char **argv)
{
	int i, n = 0;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			sovctl.json = true;
		} else if (!strcmp(argv[i], "-p") || !strcmp(argv[i], "--pretty")) {
			sovctl.json = true;
			sovctl.pretty = true;
		} else {
			argv[n++] = argv[i];
		}
	}
	return n;
}

int parse_u32(const char *s, int base, uint32_t *v)
{
	unsigned long long n;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, base);
	if (errno || *end || n > UINT32_MAX)
		return -EINVAL;
	*v = (uint32_t)n;
	return 0;
}

static void report(const char *fmt, va_list ap)
{
	fputs("Error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs("\n", stderr);
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

int op_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(fmt, ap);
	va_end(ap);
	return EXIT_FAIL;
}

void verbose(const char *fmt, ...)
{
	va_list ap;

	if (!sovctl.verbose)
		return;
	fputs("sovctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
}

static void usage(FILE *f)
{
	fputs("Usage: sovctl [OPTIONS] OBJECT { COMMAND | help }\n"
	      "       sovctl help | version | status\n"
	      "where  OBJECT := { module | memcompress | classes | profile | daemon | lb | raft | trace |\n"
	      "                   netio | status }\n"
	      "       OPTIONS := { -j[son] | -p[retty] | -v[erbose] | -s[ocket] PATH |\n"
	      "                    --trace | --traceparent TRACEPARENT }\n"
	      "\n"
	      "  status            module, daemon and BPF state in one view\n"
	      "  module            sovereign.ko: show, set, monitor\n"
	      "  memcompress       compressed RAM block devices /dev/sovzN: create, stats, ...\n"
	      "  classes           the sov qdisc's 8 traffic classes: status, stats\n"
	      "  profile           the kernel's sampling profiler: start, stop, status, report, compare\n"
	      "  daemon            sovereignd: status\n"
	      "  lb                the XDP load balancer: services, backends, status, monitor\n"
	      "  raft              a clustered sovereignd: status, nodes, elections, membership\n"
	      "  trace             sovereignd's traces: list, show, latency, sampling, export\n"
	      "  netio             sovnet AF_XDP zero-copy pairs: status, stats, create, destroy, set, bench\n"
	      "  version           print the version of sovctl (and of the module)\n"
	      "\n"
	      "--trace makes the requests to sovereignd the start of a new sampled trace and\n"
	      "prints its id on stderr; --traceparent joins an existing one (W3C traceparent).\n"
	      "\n"
	      "Exit status: 0 success, 1 the operation failed, 2 usage error.\n"
	      "See 'sovctl OBJECT help' for the commands of an object.\n", f);
}

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return EXIT_OK;
}

static int do_version(int argc, char **argv)
{
	if (argc > 0)
		return usage_error("'version' takes no arguments, got \"%s\"", argv[0]);
	print_begin(sovctl.json, sovctl.pretty, stdout);
	print_string("sovctl", "sovctl %s\n", SOV_VERSION);
	print_u64("genl_version", "netlink family \"" SOV_GENL_NAME "\" version %llu\n",
		  SOV_GENL_VERSION);
	print_end();
	return EXIT_OK;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} objects[] = {
	{ "help", do_help },
	{ "version", do_version },
	{ "status", do_status },
	{ "module", do_module },
	{ "memcompress", do_memcompress },
	{ "classes", do_classes },
	{ "profile", do_profile },
	{ "daemon", do_daemon },
	{ "lb", do_lb },
	{ "raft", do_raft },
	{ "trace", do_trace },
	{ "netio", do_netio },
};

/* long-only options */
enum {
	OPT_TRACE = 0x100,
	OPT_TRACEPARENT,
};

static int options_and_object(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "trace", no_argument, NULL, OPT_TRACE },
		{ "traceparent", required_argument, NULL, OPT_TRACEPARENT },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int i;
	int c;

	memset(&sovctl, 0, sizeof(sovctl));
	sovctl.ctl_path = SOV_CTL_PATH;
	sovctl.bpf_dir = "/sys/fs/bpf/sovereign";
	optind = 1;
	opterr = 0;
	/* "+": stop at the first non-option, so OBJECT COMMAND args are ours */
	while ((c = getopt_long(argc, argv, "+jpvs:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			sovctl.json = true;
			break;
		case 'p':
			sovctl.pretty = true;
			break;
		case 'v':
			sovctl.verbose = true;
			break;
		case 's':
			sovctl.ctl_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			return do_version(0, NULL);
		case OPT_TRACE:
			if (daemon_trace_new())
				return EXIT_USAGE;
			break;
		case OPT_TRACEPARENT:
			if (daemon_trace_join(optarg))
				return EXIT_USAGE;
			break;
		default:
			if (optopt == OPT_TRACEPARENT)
				usage_error("option '--traceparent' needs a value: 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>");
			else if (optopt == OPT_TRACE)
				usage_error("option '--trace' takes no value");
			else if (optopt)
				usage_error("option '-%c' %s", optopt,
					    strchr("s", optopt) ? "needs an argument" :
					    "is not known");
			else
				usage_error("option \"%s\" is not known", argv[optind - 1]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (sovctl.pretty && !sovctl.json)
		sovctl.json = true;	/* -p alone means pretty JSON */

	if (argc == 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		if (matches(argv[0], objects[i].name))
			return objects[i].fn(argc - 1, argv + 1);
	}
	usage_error("object \"%s\" is unknown, try \"sovctl help\"", argv[0]);
	return EXIT_USAGE;
}

int sovctl_main(int argc, char **argv)
{
	int ret;

	daemon_trace_reset();
	ret = options_and_object(argc, argv);
	daemon_trace_report();
	/* the tests call sovctl_main() again, and the library directly */
	daemon_trace_reset();
	return ret;
}
