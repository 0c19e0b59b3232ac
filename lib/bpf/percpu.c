// SPDX-License-Identifier: GPL-2.0
/* Per-CPU map values summed over CPUs (libbpf lays them out 8-byte aligned). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "percpu.h"

int sov_bpf_percpu_sum(int fd, uint32_t key, size_t value_size, uint64_t *out)
{
	int ncpu = libbpf_num_possible_cpus();
	size_t stride = (value_size + 7) & ~(size_t)7, nf = value_size / 8, i, f;
	uint8_t *buf;
	int ret = 0;

	memset(out, 0, nf * sizeof(*out));
	if (fd < 0 || ncpu <= 0)
		return -EINVAL;
	buf = calloc((size_t)ncpu, stride);
	if (!buf)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, buf)) {
		ret = -errno;
	} else {
		for (i = 0; i < (size_t)ncpu; i++)
			for (f = 0; f < nf; f++) {
				uint64_t v;

				memcpy(&v, buf + i * stride + f * 8, sizeof(v));
				out[f] += v;
			}
	}
	free(buf);
	return ret;
}

uint64_t sov_bpf_percpu_u64(int fd, uint32_t key, size_t value_size, size_t off)
{
	uint64_t *sums = calloc(value_size / 8 + 1, sizeof(*sums)), v = 0;

	if (!sums)
		return 0;
	if (!sov_bpf_percpu_sum(fd, key, value_size, sums) && off / 8 < value_size / 8)
		v = sums[off / 8];
	free(sums);
	return v;
}
