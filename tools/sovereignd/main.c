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
	sovd_ctl_stop(d);
	sovd_module_stop(d);
	uv_close((uv_handle_t *)&d->sigint, NULL);
	uv_close((uv_handle_t *)&d->sigterm, NULL);
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
		{ NULL, 0, NULL, 0 },
	};
	struct sovd d = { .ctl_path = SOV_CTL_PATH, .bpf_enabled = true };
	bool daemonize = false;
	int c, lockfd, level;
	char pidbuf[32];

	sovd_log_init();
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
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sovereignd: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
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
	if (sovd_ctl_start(&d))
		return 1;

	uv_signal_init(d.loop, &d.sigint);
	uv_signal_init(d.loop, &d.sigterm);
	d.sigint.data = d.sigterm.data = &d;
	uv_signal_start(&d.sigint, on_signal, SIGINT);
	uv_signal_start(&d.sigterm, on_signal, SIGTERM);
	signal(SIGPIPE, SIG_IGN);

	uv_run(d.loop, UV_RUN_DEFAULT);

	sovd_lb_stop(&d);
	sovd_bpf_stop(&d);
	uv_loop_close(d.loop);
	log_notice("stopped");
	return 0;
}
