/* SPDX-License-Identifier: GPL-2.0 */
/* Reading per-CPU BPF map values as one total. */
#ifndef SOV_BPF_PERCPU_H
#define SOV_BPF_PERCPU_H

#include <stddef.h>
#include <stdint.h>

/*
 * Look @key up in the per-CPU map @fd (values of @value_size bytes, made of
 * u64 fields) and sum each field over every possible CPU into @out
 * (value_size / 8 entries). Returns 0, or -errno with @out zeroed.
 */
int sov_bpf_percpu_sum(int fd, uint32_t key, size_t value_size, uint64_t *out);

/* The total of one u64 field at byte offset @off; 0 when absent. */
uint64_t sov_bpf_percpu_u64(int fd, uint32_t key, size_t value_size, size_t off);

#endif
