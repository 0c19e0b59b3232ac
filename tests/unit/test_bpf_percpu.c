// SPDX-License-Identifier: GPL-2.0
/* lib/bpf/percpu: per-CPU values summed field by field (a real map: needs root). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cmocka.h>

#include "../../lib/bpf/percpu.h"

static void test_sum_over_cpus(void **state)
{
	int ncpu = libbpf_num_possible_cpus(), fd, i;
	uint64_t (*vals)[3], sums[3];
	uint32_t key = 1;

	(void)state;
	assert_true(ncpu > 0);
	fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "sov_test", 4, 24, 4, NULL);
	if (fd < 0)
		skip();	/* not root, or no BPF */
	vals = calloc((size_t)ncpu, sizeof(*vals));
	assert_non_null(vals);
	for (i = 0; i < ncpu; i++) {
		vals[i][0] = 1;
		vals[i][1] = (uint64_t)i;
		vals[i][2] = 1000;
	}
	assert_int_equal(bpf_map_update_elem(fd, &key, vals, BPF_ANY), 0);
	assert_int_equal(sov_bpf_percpu_sum(fd, key, 24, sums), 0);
	assert_int_equal(sums[0], (uint64_t)ncpu);
	assert_int_equal(sums[1], (uint64_t)ncpu * (ncpu - 1) / 2);
	assert_int_equal(sov_bpf_percpu_u64(fd, key, 24, 16), 1000ULL * ncpu);
	/* absent key, bad fd: zeros and an error, never garbage */
	assert_int_equal(sov_bpf_percpu_sum(fd, 9, 24, sums), -ENOENT);
	assert_int_equal(sums[2], 0);
	assert_int_equal(sov_bpf_percpu_u64(-1, key, 24, 0), 0);
	free(vals);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sum_over_cpus),
	};

	return cmocka_run_group_tests_name("bpf_percpu", tests, NULL, NULL);
}
