/* SPDX-License-Identifier: GPL-2.0 */
/* sovctl memcompress: the parsers and formatters, shared with the unit tests. */
#ifndef SOVCTL_MEMCOMPRESS_H
#define SOVCTL_MEMCOMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

/*
 * Bytes with an optional binary suffix: "4096", "256K", "2G", "1T", "512MiB".
 * -EINVAL if it is not one, -ERANGE if it does not fit 64 bits. Whether the
 * kernel accepts the value (a multiple of 4096, ...) is for it to say.
 */
int mc_parse_size(const char *s, uint64_t *bytes);

/* "none", "fast", "balanced", "best", an unambiguous prefix, or 0-3. */
int mc_parse_level(const char *s, uint32_t *level);
const char *mc_level_name(uint32_t level);

/*
 * Seconds: "300", "300s", "5m", "2h", "1d". -EINVAL if it is not one,
 * -ERANGE above UINT32_MAX seconds.
 */
int mc_parse_secs(const char *s, uint32_t *secs);

/*
 * Of a log2 ns histogram (bucket i: [2^i, 2^(i+1)) ns): the upper bound of
 * the bucket that holds the @pct-th percentile (100: the longest); 0 if empty.
 */
uint64_t mc_lat_percentile(const uint64_t *buckets, unsigned int n, unsigned int pct);
/* "850 ns", "12.3 us", "4.1 ms", "1.20 s" */
const char *mc_fmt_ns(uint64_t ns, char *buf, size_t size);

/* "256.0 MiB", "2.0 GiB", "512 B" */
const char *mc_fmt_bytes(uint64_t bytes, char *buf, size_t size);

/*
 * One SOV_CMD_MC_DEV_* message as "status" (a table line) or "stats" prints
 * it, inside print_begin()/print_end(), under "devices". Returns how many
 * devices it held (0 or 1), -ENOMEM.
 */
int mc_print_message(const struct nlmsghdr *nlh, bool stats);

#endif
