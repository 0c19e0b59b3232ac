// SPDX-License-Identifier: GPL-2.0
/* sovereignd: the Sovereign daemon. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../kmod/version.h"
#include "../../lib/bpf/pins.h"
#include "cluster.h"
#include "lb.h"
#include "log.h"
#include "sovereignd.h"

uint64_t sovd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void usage(FILE *f)
{
	fputs("Usage: sovereignd [OPTIONS]\n"
	      "  -s, --socket PATH     control socket (default " SOV_CTL_PATH ")\n"
	      "  -l, --log-level LVL   emerg..debug or 0-7 (default info)\n"
	      "  -b, --bpf-dir DIR     where BPF objects are pinned (default " SOV_BPF_PIN_DIR ")\n"
	      "      --no-bpf          do not load BPF programs\n"
	      "  -d, --daemonize       detach from the terminal and log to syslog\n"
	      "                        (default: foreground, log to stderr)\n"
	      "Cluster (all of --cluster-id, --node-id, --peers, or --cluster-config):\n"
	      "      --cluster-id NAME       the cluster's name\n"
	      "      --node-id ID            this node's id\n"
	      "      --peers ID=ADDR:PORT,...  every node, this one included (repeatable)\n"
	      "      --listen ADDR:PORT      peer port (default: this node's entry in --peers)\n"
	      "      --cluster-config FILE   the settings above from FILE\n"
	      "      --data-dir DIR          Raft log and snapshots (default " SOVD_DATA_DIR ")\n"
	      "      --join                  a new node joining a running cluster\n"
	      "      --tick-ms MS            Raft's tick (default 10)\n"
	      "      --election-ticks N      election timeout, in ticks (default 15)\n"
	      "      --heartbeat-ticks N     heartbeat interval, in ticks (default 5)\n"
	      "      --snapshot-every N      applied entries between snapshots (default 10000)\n"
	      "Continuous profile (Documentation/sovereignd.rst):\n"
	      "      --profile-hz N          a cpu profile at N Hz, 0-10000 (default 0: off; 19 is typical)\n"
	      "      --profile-window S      save a profile every S seconds (default 60)\n"
	      "      --profile-keep N        keep the newest N files (default 10)\n"
	      "      --profile-dir DIR       where (default " SOVD_PROFILE_DIR ")\n"
	      "Tracing (Documentation/trace.rst):\n"
	      "      --no-trace              record no spans at all\n"
	      "      --trace-sample P        fixed head probability for every operation, 0-1\n"
	      "      --trace-rate R          adaptive: R sampled spans/s per operation (default 10)\n"
	      "      --trace-store N         traces kept in memory (default 1024)\n"
	      "      --trace-export TARGET   export kept traces to FILE (JSON lines) or\n"
	      "                              http://HOST[:PORT][/PATH] (OTLP/HTTP, port 4318)\n"
	      "      --trace-kernel          kernel spans from BPF (system calls, scheduler\n"
	      "                              waits, sovereign.ko operations); needs root\n"
	      "  -h, --help            this help\n"
	      "  -V, --version         print the version\n"
	      "Stops cleanly on SIGTERM or SIGINT. One instance per socket directory.\n", f);
}

/*
 * One daemon per socket directory: an flock()ed pid file next to the socket.
 * Returns the fd holding the lock, or -1 after saying who holds it.
 */
static int take_instance_lock(const char *ctl_path)
{
	char path[256], dir[256], lock[300], pid[32] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s", ctl_path);
	snprintf(dir, sizeof(dir), "%s", dirname(path));
	if (mkdir(dir, 0755) && errno != EEXIST) {
		log_err("cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(lock, sizeof(lock), "%s/sovereignd.pid", dir);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_err("cannot open %s: %s", lock, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? strcspn(pid, "\n") : 0] = '\0';
		log_err("another sovereignd is already running (pid %s, lock %s); stop it first",
			pid[0] ? pid : "?", lock);
		close(fd);
		return -1;
	}
	if (ftruncate(fd, 0) == 0) {
		n = snprintf(pid, sizeof(pid), "%d\n", getpid());
		if (pwrite(fd, pid, (size_t)n, 0) != n)
			log_warn("cannot write %s", lock);
	}
	return fd;
}

static void on_signal(uv_signal_t *h, int sig)
{
	struct sovd *d = h->data;

	log_notice("%s received; shutting down", strsignal(sig));
	if (d->lb)
		sovd_lb_quiesce(d->lb);
	sovd_profile_stop(d);
	sovd_cluster_stop(d);
	sovd_trace_stop(d);
	sovd_ctl_stop(d);
	sovd_module_stop(d);
	uv_close((uv_handle_t *)&d->sigint, NULL);
	uv_close((uv_handle_t *)&d->sigterm, NULL);
}

enum {
	OPT_CLUSTER_ID = 256, OPT_NODE_ID, OPT_PEERS, OPT_LISTEN, OPT_CLUSTER_CONFIG,
	OPT_DATA_DIR, OPT_JOIN, OPT_TICK_MS, OPT_ELECTION_TICKS, OPT_HEARTBEAT_TICKS,
	OPT_SNAPSHOT_EVERY, OPT_PROFILE_HZ, OPT_PROFILE_WINDOW, OPT_PROFILE_KEEP, OPT_PROFILE_DIR,
	OPT_NO_TRACE, OPT_TRACE_SAMPLE, OPT_TRACE_RATE, OPT_TRACE_STORE, OPT_TRACE_EXPORT,
	OPT_TRACE_KERNEL,
};

static const char *const trace_opt_names[] = {
	"--trace-sample", "--trace-rate", "--trace-store", "--trace-export",
};

static int opt_u32(const char *name, const char *s, uint32_t min, uint32_t max, uint32_t *v)
{
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || n < min || n > max) {
		fprintf(stderr, "sovereignd: %s: \"%s\" is not a number in %u-%u\n", name, s,
			min, max);
		return -1;
	}
	*v = (uint32_t)n;
	return 0;
}

/* The cluster options; 1: not one of them, 0: taken, -1: refused (said why). */
static int cluster_opt(struct sovd_cluster_opts *o, int c, const char *arg)
{
	static const char *const keys[] = { "cluster-id", "node-id", "peers", "listen" };
	char err[300];

	switch (c) {
	case OPT_CLUSTER_ID:
	case OPT_NODE_ID:
	case OPT_PEERS:
	case OPT_LISTEN:
		if (sov_cluster_conf_set(&o->conf, keys[c - OPT_CLUSTER_ID], arg, err, sizeof(err)))
			goto refused;
		break;
	case OPT_CLUSTER_CONFIG:
		if (sov_cluster_conf_load(&o->conf, arg, err, sizeof(err)))
			goto refused;
		break;
	case OPT_DATA_DIR:
		o->data_dir = arg;
		break;
	case OPT_JOIN:
		o->join = true;
		break;
	case OPT_TICK_MS:
		return opt_u32("--tick-ms", arg, 1, 1000, &o->tick_ms);
	case OPT_ELECTION_TICKS:
		return opt_u32("--election-ticks", arg, 2, 100000, &o->election_ticks);
	case OPT_HEARTBEAT_TICKS:
		return opt_u32("--heartbeat-ticks", arg, 1, 100000, &o->heartbeat_ticks);
	case OPT_SNAPSHOT_EVERY:
		return opt_u32("--snapshot-every", arg, 0, UINT32_MAX, &o->snapshot_every);
	default:
		return 1;
	}
	o->enabled = true;
	return 0;
refused:
	fprintf(stderr, "sovereignd: %s\n", err);
	return -1;
}

/* Everything the cluster needs, checked before anything starts. */
static int cluster_check(struct sovd_cluster_opts *o)
{
	char err[300];

	if (sov_cluster_conf_check(&o->conf, err, sizeof(err))) {
		fprintf(stderr, "sovereignd: cluster configuration: %s\n", err);
		return -1;
	}
	if (o->election_ticks <= o->heartbeat_ticks) {
		fprintf(stderr, "sovereignd: --election-ticks (%u) must be more than --heartbeat-ticks (%u)\n",
			o->election_ticks, o->heartbeat_ticks);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "bpf-dir", required_argument, NULL, 'b' },
		{ "no-bpf", no_argument, NULL, 'B' },
		{ "daemonize", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "cluster-id", required_argument, NULL, OPT_CLUSTER_ID },
		{ "node-id", required_argument, NULL, OPT_NODE_ID },
		{ "peers", required_argument, NULL, OPT_PEERS },
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "cluster-config", required_argument, NULL, OPT_CLUSTER_CONFIG },
		{ "data-dir", required_argument, NULL, OPT_DATA_DIR },
		{ "join", no_argument, NULL, OPT_JOIN },
		{ "tick-ms", required_argument, NULL, OPT_TICK_MS },
		{ "election-ticks", required_argument, NULL, OPT_ELECTION_TICKS },
		{ "heartbeat-ticks", required_argument, NULL, OPT_HEARTBEAT_TICKS },
		{ "snapshot-every", required_argument, NULL, OPT_SNAPSHOT_EVERY },
		{ "profile-hz", required_argument, NULL, OPT_PROFILE_HZ },
		{ "profile-window", required_argument, NULL, OPT_PROFILE_WINDOW },
		{ "profile-keep", required_argument, NULL, OPT_PROFILE_KEEP },
		{ "profile-dir", required_argument, NULL, OPT_PROFILE_DIR },
		{ "no-trace", no_argument, NULL, OPT_NO_TRACE },
		{ "trace-sample", required_argument, NULL, OPT_TRACE_SAMPLE },
		{ "trace-rate", required_argument, NULL, OPT_TRACE_RATE },
		{ "trace-store", required_argument, NULL, OPT_TRACE_STORE },
		{ "trace-export", required_argument, NULL, OPT_TRACE_EXPORT },
		{ "trace-kernel", no_argument, NULL, OPT_TRACE_KERNEL },
		{ NULL, 0, NULL, 0 },
	};
	struct sovd d = { .ctl_path = SOV_CTL_PATH, .bpf_enabled = true, .psi_fd = -1,
			  .prof_window_s = 60, .prof_keep = 10, .prof_dir = SOVD_PROFILE_DIR };
	static struct sovd_cluster_opts copts;
	bool daemonize = false;
	int c, lockfd, level, ret;
	char pidbuf[32];

	sovd_log_init();
	sovd_cluster_opts_init(&copts);
	sovd_trace_opts_init(&d.trace_opts);
	snprintf(d.bpf_pin_path, sizeof(d.bpf_pin_path), "%s", SOV_BPF_PIN_DIR);
	while ((c = getopt_long(argc, argv, "s:l:b:dhV", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			d.ctl_path = optarg;
			break;
		case 'l':
			level = sovd_log_level_parse(optarg);
			if (level < 0) {
				fprintf(stderr, "sovereignd: \"%s\" is not a log level: expected emerg|alert|crit|err|warning|notice|info|debug or 0-7\n",
					optarg);
				return 2;
			}
			sovd_log_level = level;
			break;
		case 'b':
			snprintf(d.bpf_pin_path, sizeof(d.bpf_pin_path), "%s", optarg);
			break;
		case 'B':
			d.bpf_enabled = false;
			break;
		case 'd':
			daemonize = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("sovereignd %s\n", SOV_VERSION);
			return 0;
		case OPT_PROFILE_HZ:
			/* 0: off */
			if (opt_u32("--profile-hz", optarg, 0, SOV_PROF_FREQ_MAX, &d.prof_hz))
				return 2;
			break;
		case OPT_PROFILE_WINDOW:
			if (opt_u32("--profile-window", optarg, 1, 86400, &d.prof_window_s))
				return 2;
			break;
		case OPT_PROFILE_KEEP:
			if (opt_u32("--profile-keep", optarg, 1, 100000, &d.prof_keep))
				return 2;
			break;
		case OPT_PROFILE_DIR:
			d.prof_dir = optarg;
			break;
		case OPT_NO_TRACE:
			d.trace_opts.off = true;
			break;
		case OPT_TRACE_KERNEL:
			d.trace_opts.kernel = true;
			break;
		case OPT_TRACE_SAMPLE:
		case OPT_TRACE_RATE:
		case OPT_TRACE_STORE:
		case OPT_TRACE_EXPORT:
			if (sovd_trace_opt(&d.trace_opts, trace_opt_names[c - OPT_TRACE_SAMPLE],
					   optarg))
				return 2;
			break;
		default:
			ret = cluster_opt(&copts, c, optarg);
			if (ret < 0)
				return 2;
			if (ret == 0)
				break;
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sovereignd: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (copts.enabled && cluster_check(&copts))
		return 2;
	if (daemonize) {
		if (daemon(0, 0)) {
			log_err("daemon: %s", strerror(errno));
			return 1;
		}
		sovd_log_to_syslog();
	}

	lockfd = take_instance_lock(d.ctl_path);
	if (lockfd < 0)
		return 1;
	if (daemonize) {	/* the pid changed when we detached */
		snprintf(pidbuf, sizeof(pidbuf), "%d\n", getpid());
		if (ftruncate(lockfd, 0) || pwrite(lockfd, pidbuf, strlen(pidbuf), 0) < 0)
			log_warn("cannot update the pid file");
	}

	d.loop = uv_default_loop();
	d.start_ns = sovd_now_ns();
	log_notice("sovereignd %s starting (pid %d)", SOV_VERSION, getpid());

	if (sovd_module_start(&d))
		return 1;
	if (d.bpf_enabled && sovd_bpf_start(&d))
		log_warn("bpf: continuing without BPF");
	else if (d.bpf_enabled && sovd_lb_start(&d))
		log_warn("lb: continuing without the load balancer");
	if (!d.bpf_enabled)
		d.bpf_pin_path[0] = '\0';
	d.trace_opts.kernel_pin = d.bpf_enabled ? d.bpf_pin_path : NULL;
	if (sovd_trace_start(&d, copts.enabled ? copts.conf.self : 0)) {
		sovd_module_stop(&d);
		return 1;
	}
	/* after the load balancer: the replicated state is applied to it */
	if (copts.enabled && sovd_cluster_start(&d, &copts)) {
		/* what started stops as on SIGTERM: nothing leaks, the exit is 1 */
		if (d.lb)
			sovd_lb_quiesce(d.lb);
		sovd_module_stop(&d);
		sovd_trace_stop(&d);
		uv_run(d.loop, UV_RUN_DEFAULT);
		sovd_trace_free(&d);
		sovd_lb_stop(&d);
		sovd_bpf_stop(&d);
		uv_loop_close(d.loop);
		return 1;
	}
	if (sovd_ctl_start(&d))
		return 1;

	sovd_profile_start(&d);

	uv_signal_init(d.loop, &d.sigint);
	uv_signal_init(d.loop, &d.sigterm);
	d.sigint.data = d.sigterm.data = &d;
	uv_signal_start(&d.sigint, on_signal, SIGINT);
	uv_signal_start(&d.sigterm, on_signal, SIGTERM);
	signal(SIGPIPE, SIG_IGN);

	uv_run(d.loop, UV_RUN_DEFAULT);

	sovd_cluster_free(&d);
	sovd_trace_free(&d);
	sovd_lb_stop(&d);
	sovd_bpf_stop(&d);
	uv_loop_close(d.loop);
	log_notice("stopped");
	return 0;
}
