// SPDX-License-Identifier: GPL-2.0
/*
 * A process for tests/unit/test_prof_usersym.c to symbolize: it prints
 * where its functions are ("NAME 0xADDR" lines: its own functions, its
 * load bias, libc's getpid), then "ready", then waits until its stdin
 * closes. Built -O0 -g with frame pointers and no inlining, no sanitizers.
 */
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

volatile int prof_target_sink;

__attribute__((noinline)) int prof_target_gamma(int x)
{
	int i;

	for (i = 0; i < x; i++)
		prof_target_sink += i * 3;
	return prof_target_sink;
}

__attribute__((noinline)) int prof_target_beta(int x)
{
	prof_target_sink += x;
	return prof_target_gamma(x + 1) + 1;
}

__attribute__((noinline)) int prof_target_alpha(int x)
{
	prof_target_sink -= x;
	return prof_target_beta(x * 2) + 2;
}

/* the first object dl_iterate_phdr reports is the program itself */
static int first_bias(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	*(uintptr_t *)data = (uintptr_t)info->dlpi_addr;
	return 1;
}

int main(void)
{
	pid_t (*volatile libc_getpid)(void) = getpid;
	uintptr_t bias = 0;
	char c;

	dl_iterate_phdr(first_bias, &bias);
	prof_target_alpha(3);
	printf("prof_target_alpha 0x%jx\n", (uintmax_t)(uintptr_t)prof_target_alpha);
	printf("prof_target_beta 0x%jx\n", (uintmax_t)(uintptr_t)prof_target_beta);
	printf("prof_target_gamma 0x%jx\n", (uintmax_t)(uintptr_t)prof_target_gamma);
	printf("main 0x%jx\n", (uintmax_t)(uintptr_t)main);
	printf("bias 0x%jx\n", (uintmax_t)bias);
	printf("getpid 0x%jx\n", (uintmax_t)(uintptr_t)libc_getpid);
	printf("ready\n");
	fflush(stdout);
	while (read(STDIN_FILENO, &c, 1) > 0)
		;
	return 0;
}
