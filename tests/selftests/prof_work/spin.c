// SPDX-License-Identifier: GPL-2.0
/*
 * spin SECONDS [-H]: burn one CPU for SECONDS (wall clock) in two functions,
 * spin_a and spin_b, which take turns: spin_a for 70 ms of this thread's CPU
 * time, spin_b for 30 ms. The split is measured with CLOCK_THREAD_CPUTIME_ID,
 * so it holds however the scheduler or an emulator (TCG) stretches wall time:
 * a sampling profiler scoped to this process must see 70/30.
 *
 * Prints its pid on the first line at start, and at the end the CPU seconds
 * each function got ("spin_a=S spin_b=S"). With -H it then stays alive until
 * a signal (a profile's user frames are symbolized from the live process).
 *
 * Built -O1 -g -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer (mk/prof.mk)
 * so the frame-pointer unwinder finds main -> spin_a/spin_b; the hot loops are
 * inside spin_a and spin_b themselves, so their self time is theirs.
 */
#include <stdint.h>

#include "common.h"

#define SLICE_A 0.070	/* s of thread CPU time per turn */
#define SLICE_B 0.030

volatile uint64_t spin_sink;
static unsigned long chunk = 20000;	/* iterations between two clock reads */

static double cpu_now(void)
{
	return now_s(CLOCK_THREAD_CPUTIME_ID);
}

/* One turn of spin_a: SLICE_A seconds of CPU, in chunks of the LCG below. */
__attribute__((noinline, noclone)) double spin_a(double slice)
{
	double t0 = cpu_now(), t;
	uint64_t x = spin_sink;

	do {
		for (unsigned long i = 0; i < chunk; i++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		spin_sink = x;
		t = cpu_now();
	} while (t - t0 < slice);
	return t - t0;
}

/* spin_b: the same loop, a different function (and a different constant). */
__attribute__((noinline, noclone)) double spin_b(double slice)
{
	double t0 = cpu_now(), t;
	uint64_t x = spin_sink;

	do {
		for (unsigned long i = 0; i < chunk; i++)
			x = x * 2862933555777941757ULL + 3037000493ULL;
		spin_sink = x;
		t = cpu_now();
	} while (t - t0 < slice);
	return t - t0;
}

/* Size a chunk to ~0.5 ms of CPU, so the clock reads cost ~1 % of the time. */
static void calibrate(void)
{
	uint64_t x = 1;
	double t0 = cpu_now(), dt;
	unsigned long n = 100000;

	for (unsigned long i = 0; i < n; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	spin_sink = x;
	dt = cpu_now() - t0;
	if (dt > 0)
		chunk = (unsigned long)(n * 0.0005 / dt);
	if (chunk < 1000)
		chunk = 1000;
}

int main(int argc, char **argv)
{
	double secs, end, a = 0, b = 0;
	int hold = 0;

	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "-H"))) {
		fprintf(stderr, "usage: spin SECONDS [-H]\n");
		return 2;
	}
	secs = arg_num("spin", "SECONDS", argv[1], 0, 86400);
	hold = argc == 3;
	printf("%d\n", (int)getpid());
	fflush(stdout);
	calibrate();
	end = now_s(CLOCK_MONOTONIC) + secs;
	while (now_s(CLOCK_MONOTONIC) < end) {
		a += spin_a(SLICE_A);
		b += spin_b(SLICE_B);
	}
	printf("spin_a=%.3f spin_b=%.3f\n", a, b);
	if (hold)
		hold_forever();
	return 0;
}
