// SPDX-License-Identifier: GPL-2.0
/*
 * deep UNITS [THREADS] [-H]: a fixed amount of CPU work (UNITS passes of a small
 * "query engine": read, parse, plan, execute, write) spread over 31 functions
 * 2 to 7 calls deep, each with its own share of the time. The benchmark
 * (bench/profile.sh) runs it with no profiler, under sovereign's and under
 * perf record, compares the run times, and compares the per-function self
 * shares each profiler reports; the tour profiles it for its flame graph.
 *
 * Every function burns its own weight in a loop inside its body (its self
 * time), then calls its children; all are noinline and the binary keeps frame
 * pointers (mk/prof.mk), so stacks unwind to main (or the thread's start).
 * THREADS threads (default 1) each do all UNITS. Prints its pid first, then
 * "elapsed=S units=N threads=T" (CLOCK_MONOTONIC seconds for the work alone,
 * until the last thread is done). With -H it then stays alive until a
 * signal, so its frames can still be symbolized.
 */
#include <pthread.h>
#include <stdint.h>

#include "common.h"

#define NOINLINE __attribute__((noinline, noclone))

volatile uint64_t deep_sink;
static unsigned long scale = 200;	/* loop iterations per unit of weight */

/* W units of self time: an xorshift chain the compiler cannot fold */
#define BURN(x, w)							\
	do {								\
		for (unsigned long _i = 0; _i < (unsigned long)(w) * scale; _i++) { \
			(x) ^= (x) << 13;				\
			(x) ^= (x) >> 7;				\
			(x) ^= (x) << 17;				\
		}							\
	} while (0)

/* a leaf of weight W */
#define LEAF(name, w)					\
	NOINLINE uint64_t name(uint64_t x)		\
	{						\
		BURN(x, w);				\
		return x;				\
	}

LEAF(checksum_block, 9)
LEAF(huff_decode, 21)
LEAF(lz_copy, 6)
LEAF(scan_ident, 15)
LEAF(scan_number, 5)
LEAF(alloc_node, 3)
LEAF(estimate_rows, 11)
LEAF(cost_join, 7)
LEAF(plan_rewrite, 2)
LEAF(eval_expr, 31)
LEAF(hash_probe, 26)
LEAF(hash_build, 13)
LEAF(agg_update, 17)
LEAF(varint_encode, 10)
LEAF(flush_page, 4)

NOINLINE uint64_t decompress_block(uint64_t x) { BURN(x, 3); x = huff_decode(x); return lz_copy(x); }
NOINLINE uint64_t read_block(uint64_t x) { BURN(x, 2); x = checksum_block(x); return decompress_block(x); }
NOINLINE uint64_t stage_read(uint64_t x) { BURN(x, 1); return read_block(x); }

NOINLINE uint64_t tokenize(uint64_t x)
{
	BURN(x, 8);
	x = scan_ident(x);
	return scan_number(x);
}
NOINLINE uint64_t build_ast(uint64_t x) { BURN(x, 12); return alloc_node(x); }
NOINLINE uint64_t stage_parse(uint64_t x) { BURN(x, 1); x = tokenize(x); return build_ast(x); }

NOINLINE uint64_t plan_cost(uint64_t x) { BURN(x, 4); x = estimate_rows(x); return cost_join(x); }
NOINLINE uint64_t stage_plan(uint64_t x) { BURN(x, 1); x = plan_cost(x); return plan_rewrite(x); }

NOINLINE uint64_t filter_rows(uint64_t x) { BURN(x, 14); return eval_expr(x); }
NOINLINE uint64_t exec_scan(uint64_t x) { BURN(x, 5); return filter_rows(x); }
NOINLINE uint64_t exec_join(uint64_t x) { BURN(x, 6); x = hash_build(x); return hash_probe(x); }
NOINLINE uint64_t exec_agg(uint64_t x) { BURN(x, 2); return agg_update(x); }
NOINLINE uint64_t stage_exec(uint64_t x)
{
	BURN(x, 1);
	x = exec_scan(x);
	x = exec_join(x);
	return exec_agg(x);
}

NOINLINE uint64_t encode_row(uint64_t x) { BURN(x, 3); return varint_encode(x); }
NOINLINE uint64_t stage_write(uint64_t x) { BURN(x, 1); x = encode_row(x); return flush_page(x); }

NOINLINE uint64_t process_unit(uint64_t x)
{
	BURN(x, 1);
	x = stage_read(x);
	x = stage_parse(x);
	x = stage_plan(x);
	x = stage_exec(x);
	return stage_write(x);
}

NOINLINE uint64_t run_units(unsigned long units)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	for (unsigned long u = 0; u < units; u++)
		x = process_unit(x + u);
	return x;
}

static unsigned long units;

static void *worker(void *arg)
{
	(void)arg;
	deep_sink = run_units(units);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *pos[2];
	int nthreads = 1, hold, i;
	pthread_t tids[64];
	double t0, t1;

	hold = args_pos2_hold(argc, argv, pos, "deep UNITS [THREADS] [-H]");
	units = (unsigned long)arg_num("deep", "UNITS", pos[0], 1, 1e9);
	if (pos[1])
		nthreads = (int)arg_num("deep", "THREADS", pos[1], 1, 64);
	printf("%d\n", (int)getpid());
	fflush(stdout);
	t0 = now_s(CLOCK_MONOTONIC);
	for (i = 1; i < nthreads; i++) {
		errno = pthread_create(&tids[i], NULL, worker, NULL);
		if (errno) {
			perror("deep: pthread_create");
			return 1;
		}
	}
	worker(NULL);
	for (i = 1; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	t1 = now_s(CLOCK_MONOTONIC);
	printf("elapsed=%.4f units=%lu threads=%d\n", t1 - t0, units, nthreads);
	if (hold)
		hold_forever();
	return 0;
}
