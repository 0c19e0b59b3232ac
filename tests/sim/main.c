// SPDX-License-Identifier: GPL-2.0
/*
 * raft-sim: deterministic simulation of lib/raft.
 *
 *   raft-sim --seeds A-B [--nodes N[-M]] [--steps S] [-j JOBS]
 *   raft-sim --seed X [--nodes N] [--steps S] [-v|-vv]
 *
 * A range prints one line per failing seed, with the command that replays
 * it, and ends with "P passed, F failed". Seeds run in forked workers, so a
 * crash (a sanitizer report, an assertion in raft) fails that one seed and
 * the rest go on. --seed runs one seed in-process; its output depends on
 * nothing but the seed, so two runs print the same bytes.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

#define DEFAULT_STEPS	500
#define DEFAULT_BUDGET	2000000
#define MAX_JOBS	64

#define U(x) ((unsigned long long)(x))

struct opts {
	uint64_t first, last;
	bool single;
	uint32_t nmin, nmax;
	uint32_t steps;
	int verbose;
	int jobs;
	uint64_t budget;
	const char *history;
};

struct worker {
	pid_t pid;
	int fd;
	uint64_t next;		/* the seed it runs now */
	char buf[1024];
	size_t len;
};

static void usage(FILE *f)
{
	fputs("usage: raft-sim --seeds A-B [--nodes N[-M]] [--steps S] [-j JOBS]\n"
	      "       raft-sim --seed X [--nodes N[-M]] [--steps S] [-v|-vv]\n"
	      "  --nodes      cluster size, or a range each seed picks from (default 3-7)\n"
	      "  --steps      ticks (10 ms) of faults; 300 calm ticks follow (default 500)\n"
	      "  -j           worker processes for a range (default 1)\n"
	      "  -v, -vv      trace the run: faults and roles, then client operations\n"
	      "  --lin-budget search steps per key for the linearizability checker\n"
	      "  --history F  with --seed: write the client history to F\n", f);
}

static bool parse_range(const char *s, uint64_t *a, uint64_t *b)
{
	char *end;

	errno = 0;
	*a = strtoull(s, &end, 10);
	if (errno || end == s)
		return false;
	if (!*end) {
		*b = *a;
		return true;
	}
	if (*end != '-')
		return false;
	s = end + 1;
	*b = strtoull(s, &end, 10);
	return !errno && end != s && !*end && *b >= *a;
}

/* a range of sizes: each seed picks its own, the same way every time */
static uint32_t nodes_for(const struct opts *o, uint64_t seed)
{
	return o->nmin + (uint32_t)(mix64(seed ^ 0x6e6f646573ULL) % (o->nmax - o->nmin + 1));
}

static void print_fail(const struct opts *o, uint64_t seed, uint32_t nodes, const char *why)
{
	char steps[32] = "";

	if (o->steps != DEFAULT_STEPS)
		snprintf(steps, sizeof(steps), " --steps %u", o->steps);
	printf("FAIL seed=%llu nodes=%u: %s; replay: raft-sim --seed %llu --nodes %u%s\n",
	       U(seed), nodes, why, U(seed), nodes, steps);
	fflush(stdout);
}

static void run_one(const struct opts *o, uint64_t seed, struct sim_result *res)
{
	struct sim_params p = {
		.seed = seed,
		.nodes = nodes_for(o, seed),
		.steps = o->steps,
		.verbose = o->verbose,
		.lin_budget = o->budget,
		.history = o->single ? o->history : NULL,
	};

	sim_run(&p, res);
}

static int single(const struct opts *o)
{
	struct sim_result r;
	const struct sim_stats *s = &r.st;

	run_one(o, o->first, &r);
	printf("seed %llu, %u nodes: %s; %zu ops (%llu writes ok, %llu unknown, %llu reads), "
	       "%llu elections, %llu crashes, %llu partitions, %llu slow disks, "
	       "%llu conf changes, %llu transfers, %llu snapshots sent, %llu compactions, "
	       "%llu msgs (%llu dropped, %llu duplicated), %llu fsyncs, %llu events, "
	       "%llu checker steps\n",
	       U(o->first), r.nodes, r.failed ? "FAIL" : "ok", r.n_ops, U(s->writes_ok),
	       U(s->writes_unknown), U(s->reads_ok), U(s->elections), U(s->crashes),
	       U(s->partitions), U(s->slow_disks), U(s->conf_changes), U(s->transfers),
	       U(s->snapshots_sent), U(s->compactions), U(s->msgs_sent), U(s->msgs_dropped),
	       U(s->msgs_duplicated), U(s->fsyncs), U(s->events), U(s->lin_explored));
	if (r.failed)
		print_fail(o, o->first, r.nodes, r.why);
	return r.failed;
}

/* a worker: its share of the range, one result line per seed */
static void worker_main(const struct opts *o, uint64_t from, int fd)
{
	FILE *f = fdopen(fd, "w");
	uint64_t seed;

	if (!f)
		_exit(2);
	for (seed = from; seed <= o->last; seed += o->jobs) {
		struct sim_result r;

		run_one(o, seed, &r);
		fprintf(f, "%llu %d %u %zu %s\n", U(seed), r.failed, r.nodes, r.n_ops,
			r.failed ? r.why : "-");
		fflush(f);
		if (seed > UINT64_MAX - o->jobs)
			break;
	}
	fclose(f);
	exit(0);	/* not _exit: LeakSanitizer gets its say */
}

static int spawn(const struct opts *o, struct worker *wk, uint64_t from)
{
	int p[2];

	if (pipe(p))
		return -1;
	fflush(stdout);
	wk->pid = fork();
	if (wk->pid < 0)
		return -1;
	if (!wk->pid) {
		close(p[0]);
		worker_main(o, from, p[1]);
	}
	close(p[1]);
	wk->fd = p[0];
	wk->next = from;
	wk->len = 0;
	return 0;
}

struct tally {
	uint64_t passed, failed, ops;
};

static void take_line(const struct opts *o, struct worker *wk, char *line, struct tally *t)
{
	unsigned long long seed;
	unsigned int nodes;
	size_t ops;
	int failed, off = 0;

	if (sscanf(line, "%llu %d %u %zu %n", &seed, &failed, &nodes, &ops, &off) < 4 || !off)
		return;
	t->ops += ops;
	if (failed) {
		t->failed++;
		print_fail(o, seed, nodes, line + off);
	} else {
		t->passed++;
	}
	wk->next = seed + o->jobs;
}

static int range(const struct opts *o)
{
	struct worker wk[MAX_JOBS];
	struct tally t = { 0 };
	struct timespec a, b;
	int live = 0, i;
	double secs;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < o->jobs; i++) {
		wk[i].fd = -1;
		if (o->first + i <= o->last) {
			if (spawn(o, &wk[i], o->first + i)) {
				perror("raft-sim: fork");
				return 2;
			}
			live++;
		}
	}
	while (live) {
		struct pollfd pfd[MAX_JOBS];
		int n = 0;

		for (i = 0; i < o->jobs; i++)
			pfd[i] = (struct pollfd){ .fd = wk[i].fd, .events = POLLIN };
		if (poll(pfd, o->jobs, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("raft-sim: poll");
			return 2;
		}
		for (i = 0; i < o->jobs; i++) {
			struct worker *k = &wk[i];
			ssize_t got;
			char *nl;
			int status;

			if (k->fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			got = read(k->fd, k->buf + k->len, sizeof(k->buf) - 1 - k->len);
			if (got > 0) {
				k->len += got;
				k->buf[k->len] = 0;
				while ((nl = strchr(k->buf, '\n'))) {
					*nl = 0;
					take_line(o, k, k->buf, &t);
					k->len -= nl + 1 - k->buf;
					memmove(k->buf, nl + 1, k->len + 1);
				}
				continue;
			}
			/* the worker is gone: if seeds were left, the one it ran killed it */
			close(k->fd);
			k->fd = -1;
			live--;
			waitpid(k->pid, &status, 0);
			n = WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status);
			if (k->next <= o->last) {
				char why[96];

				snprintf(why, sizeof(why), "the simulation died (%s %d)",
					 WIFSIGNALED(status) ? "signal" : "exit status", n);
				t.failed++;
				print_fail(o, k->next, nodes_for(o, k->next), why);
				if (k->next + o->jobs <= o->last) {
					if (spawn(o, k, k->next + o->jobs)) {
						perror("raft-sim: fork");
						return 2;
					}
					live++;
				}
			} else if (n) {
				printf("FAIL worker exited with %s %d after its seeds (leak?)\n",
				       WIFSIGNALED(status) ? "signal" : "status", n);
				t.failed++;
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("raft-sim: seeds %llu-%llu, nodes %u-%u, %u steps, %d jobs: %llu ops checked, "
	       "%.1f s (%.1f seeds/s)\n", U(o->first), U(o->last), o->nmin, o->nmax, o->steps,
	       o->jobs, U(t.ops), secs, secs > 0 ? (double)(t.passed + t.failed) / secs : 0.0);
	printf("%llu passed, %llu failed\n", U(t.passed), U(t.failed));
	return t.failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "seeds", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "nodes", required_argument, NULL, 'n' },
		{ "steps", required_argument, NULL, 't' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "lin-budget", required_argument, NULL, 'b' },
		{ "history", required_argument, NULL, 'H' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct opts o = { .nmin = 3, .nmax = 7, .steps = DEFAULT_STEPS, .jobs = 1,
			  .budget = DEFAULT_BUDGET };
	bool have = false;
	uint64_t a, b;
	int c;

	while ((c = getopt_long(argc, argv, "j:vh", lopts, NULL)) != -1) {
		switch (c) {
		case 's':
		case 'S':
			if (!parse_range(optarg, &o.first, &o.last) ||
			    (c == 'S' && o.first != o.last)) {
				fprintf(stderr, "raft-sim: bad seed '%s'\n", optarg);
				return 2;
			}
			o.single = c == 'S';
			have = true;
			break;
		case 'n':
			if (!parse_range(optarg, &a, &b) || a < 1 || b > SIM_MAX_NODES - 6) {
				fprintf(stderr, "raft-sim: --nodes takes N or N-M within 1-%d\n",
					SIM_MAX_NODES - 6);
				return 2;
			}
			o.nmin = (uint32_t)a;
			o.nmax = (uint32_t)b;
			break;
		case 't':
			o.steps = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'j':
			o.jobs = atoi(optarg);
			if (o.jobs < 1 || o.jobs > MAX_JOBS) {
				fprintf(stderr, "raft-sim: -j takes 1-%d\n", MAX_JOBS);
				return 2;
			}
			break;
		case 'b':
			o.budget = strtoull(optarg, NULL, 10);
			break;
		case 'H':
			o.history = optarg;
			break;
		case 'v':
			o.verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!have || optind != argc) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	return o.single ? single(&o) : range(&o);
}
