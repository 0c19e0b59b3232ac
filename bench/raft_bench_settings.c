// SPDX-License-Identifier: GPL-2.0
/* make bench-raft -S (bench-trace's Raft part): settings compared side by side. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "raft_bench.h"

static double median(double *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * -S: one cluster per setting, all started at once and left running; the
 * write load goes to one at a time, in slices of -t seconds, in a new order
 * every round. Slices next to each other see the same machine, so the
 * ratio of two settings within a round is free of the host's slow drifts;
 * the median over the rounds leaves out the rounds that a burst of other
 * work hit. An idle cluster costs little: heartbeats every 50 ms.
 *
 * Three measures per slice: writes/s; the nodes' CPU time per write; and
 * writes per CPU-second of the whole workload (nodes and clients). The
 * last two depend less on the other tenants of a shared machine, which
 * change how much CPU the workload gets more than what a write costs.
 */
enum { M_WPS, M_CPU, M_WPC, N_MEASURES };

struct sq {
	double med, q1, q3;
};

/* median and quartiles of @v (sorted here) */
static struct sq summarize(double *v, size_t n)
{
	struct sq q = { median(v, n), pct(v, n, 25), pct(v, n, 75) };

	return q;
}

/*
 * The order of round @r: for an even count, the rows of a Williams square
 * (0, 1, n-1, 2, n-2, ... shifted by r), in which every setting comes
 * first, last and right after every other one equally often over n
 * rounds: the work a cluster leaves behind (followers applying, a
 * snapshot) lands on every other setting alike. For an odd count, shuffled.
 */
static void round_order(size_t r, unsigned int n, unsigned int *order)
{
	unsigned int k, j, t;

	if (n % 2 == 0) {
		for (k = 0; k < n; k++) {
			j = k % 2 ? (k + 1) / 2 : n - k / 2;
			order[k] = (unsigned int)((k ? j % n : 0) + r) % n;
		}
		return;
	}
	for (k = 0; k < n; k++)
		order[k] = k;
	for (k = n - 1; k > 0; k--) {
		j = (unsigned int)rand() % (k + 1);
		t = order[k];
		order[k] = order[j];
		order[j] = t;
	}
}

void run_settings(unsigned int nclients)
{
	static const char *const names[MAX_SETTINGS] = { "s1", "s2", "s3", "s4" };
	static const char *const what[N_MEASURES] = { "writes/s", "nodes' CPU us per write",
						      "writes per CPU-second (nodes + clients)" };
	static struct cluster cs[MAX_SETTINGS];
	size_t n = n_settings, nr = (size_t)rounds, r;
	double *m[N_MEASURES], *v = calloc(nr, sizeof(double));
	struct sq val[N_MEASURES][MAX_SETTINGS], rel[N_MEASURES][MAX_SETTINGS];
	unsigned int i, k, j, order[MAX_SETTINGS];

	for (j = 0; j < N_MEASURES; j++) {
		m[j] = calloc(nr * n, sizeof(double));
		if (!m[j])
			die("out of memory");
	}
	if (!v)
		die("out of memory");
	for (i = 0; i < n; i++) {
		cluster_init(&cs[i], SOVD, names[i], 2 + i);
		cs[i].args = set_args[i];
		cs[i].nargs = n_set_args[i];
		for (k = 1; k <= NODES; k++)
			start_node(&cs[i], k);
	}
	for (i = 0; i < n; i++)
		cluster_wait(&cs[i]);
	/* a round not counted: every cluster's first writes (files, caches) */
	for (i = 0; i < n; i++)
		throughput(&cs[i], nclients);
	for (r = 0; r < nr; r++) {
		round_order(r, (unsigned int)n, order);
		for (k = 0; k < n; k++) {
			struct tput t;

			i = order[k];
			t = throughput(&cs[i], nclients);
			if (t.rate <= 0 || t.cpu_s <= 0)
				die("%s: no writes or no CPU time measured in round %zu", names[i], r + 1);
			m[M_WPS][r * n + i] = t.rate;
			m[M_CPU][r * n + i] = t.cpu_s / (t.rate * secs) * 1e6;
			m[M_WPC][r * n + i] = t.rate * secs / (t.cpu_s + t.self_cpu_s);
		}
		vlog("# round %zu (%u first):", r + 1, order[0] + 1);
		for (i = 0; i < n; i++)
			vlog(" %s %.0f w/s %.1f us/w %.0f w/cpu-s", names[i], m[M_WPS][r * n + i],
			     m[M_CPU][r * n + i], m[M_WPC][r * n + i]);
		vlog("\n");
	}
	for (i = 0; status_cmd && i < n; i++)
		for (k = 1; k <= NODES; k++) {
			char cmd[1200];

			snprintf(cmd, sizeof(cmd), "export SOCK='%s'; { %s; } > '%s/x.out' 2>&1", cs[i].n[k].sock,
				 status_cmd, cs[i].n[k].dir);
			if (system(cmd))
				fprintf(stderr, "raft-bench: -X failed for %s node %u: see %s/x.out\n",
					names[i], k, cs[i].n[k].dir);
		}
	for (i = 0; i < n; i++)
		kill_all(&cs[i]);
	for (j = 0; j < N_MEASURES; j++) {
		for (i = 0; i < n; i++) {
			for (r = 0; r < nr; r++)
				v[r] = m[j][r * n + i];
			val[j][i] = summarize(v, nr);
			/* against s1 in the same round, in percent: a loss, or the CPU's increase */
			for (r = 0; r < nr; r++)
				v[r] = j == M_CPU ? (m[j][r * n + i] / m[j][r * n] - 1) * 100
						  : (1 - m[j][r * n + i] / m[j][r * n]) * 100;
			rel[j][i] = summarize(v, nr);
		}
		free(m[j]);
	}
	free(v);

	printf("raft settings: %zu clusters of 3 sovereignd on 127.0.0.1, fsync on, data dirs in\n"
	       "  %s; %u closed-loop clients on the leader of one cluster at a time,\n"
	       "  %.1f s per slice after %.2f s of warm-up, %d rounds in a balanced order;\n"
	       "  %%: against s1 in the same round (a loss; for CPU per write, the increase),\n"
	       "  median and quartiles over the rounds\n", n, work, nclients, secs, warmup, rounds);
	for (i = 0; i < n; i++)
		printf("  %s: %s\n", names[i], set_text[i][0] ? set_text[i] : "(no arguments)");
	for (j = 0; j < N_MEASURES; j++) {
		printf("\n  %s\n  %-4s %10s %22s %9s %18s\n", what[j], "", "median", "quartiles", "% vs s1",
		       "quartiles of %");
		for (i = 0; i < n; i++) {
			char q[48], p[16] = "-", pq[48] = "-";

			snprintf(q, sizeof(q), "%.1f .. %.1f", val[j][i].q1, val[j][i].q3);
			if (i) {
				snprintf(p, sizeof(p), "%.2f", rel[j][i].med);
				snprintf(pq, sizeof(pq), "%.2f .. %.2f", rel[j][i].q1, rel[j][i].q3);
			}
			printf("  %-4s %10.1f %22s %9s %18s\n", names[i], val[j][i].med, q, p, pq);
		}
	}
	printf("raft settings:");
	for (i = 0; i < n; i++)
		printf(" %s_wps=%.0f %s_cpu_us=%.2f %s_writes=%" PRIu64, names[i], val[M_WPS][i].med,
		       names[i], val[M_CPU][i].med, names[i], cs[i].writes);
	for (i = 1; i < n; i++)
		printf(" %s_loss=%.2f %s_cpu=%.2f %s_wpc_loss=%.2f", names[i], rel[M_WPS][i].med,
		       names[i], rel[M_CPU][i].med, names[i], rel[M_WPC][i].med);
	printf("\n");
}

