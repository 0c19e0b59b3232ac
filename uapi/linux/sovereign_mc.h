/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Sovereign memcompress: the SOV_CMD_MC_* commands' constants and
 * attributes (included by sovereign.h, which has the commands).
 */
#ifndef _UAPI_LINUX_SOVEREIGN_MC_H
#define _UAPI_LINUX_SOVEREIGN_MC_H

/*
 * memcompress: compressed RAM block devices /dev/sovzN
 * (Documentation/memcompress.rst). Devices are global, not per network
 * namespace, like every block device.
 */
#define SOV_MC_DEV_MAX		256		/* devices at once; ids 0-255 */
#define SOV_MC_NAME_MAX		31		/* characters of a device name */
#define SOV_MC_SIZE_MAX		0x10000000000ULL	/* bytes of one device: 1 TiB */
#define SOV_MC_BLOCK_SIZE	4096		/* sizes are multiples of it */
#define SOV_MC_RECOMP_THREADS_MAX 8		/* workers of one recompression run */
#define SOV_MC_LAT_BUCKETS	32		/* log2 ns buckets of a latency histogram */

/**
 * enum sov_mc_level - SOV_A_MC_LEVEL: how a device compresses new writes
 * @SOV_MC_LEVEL_NONE: store pages as they are (a baseline)
 * @SOV_MC_LEVEL_FAST: LZ4 with an acceleration factor
 * @SOV_MC_LEVEL_BALANCED: the default
 * @SOV_MC_LEVEL_BEST: the best ratio, slower
 */
enum sov_mc_level {
	SOV_MC_LEVEL_NONE,
	SOV_MC_LEVEL_FAST,
	SOV_MC_LEVEL_BALANCED,
	SOV_MC_LEVEL_BEST,

	__SOV_MC_LEVEL_CNT
};

/**
 * enum sov_a_mc - a memcompress device (SOV_CMD_MC_*)
 * @SOV_A_MC_PAD: alignment padding for u64 attributes
 * @SOV_A_MC_ID: u32, the device's id, 0 .. SOV_MC_DEV_MAX - 1 (its minor)
 * @SOV_A_MC_NAME: string, the block device's name: "sovzN" by default.
 *	In CREATE: "sovz" followed by the id ("sovz3": that id), or by
 *	1-27 other characters of [a-z0-9_-]; SOV_MC_NAME_MAX at most
 * @SOV_A_MC_SIZE: u64, bytes: a positive multiple of SOV_MC_BLOCK_SIZE,
 *	at most SOV_MC_SIZE_MAX
 * @SOV_A_MC_LEVEL: u32, enum sov_mc_level; a change applies to new writes
 * @SOV_A_MC_MEM_LIMIT: u64, bytes of memory the device may use for its
 *	pages (allocator overhead included); 0: no limit. Writes past it fail
 * @SOV_A_MC_OPENERS: u32, reply: times the device is open (swapon, mount
 *	and open file descriptors); it cannot be destroyed while not 0
 * @SOV_A_MC_STATS: nest of SOV_A_MC_STATS_* (reply)
 * @SOV_A_MC_COMPACTED: u64, COMPACT reply: pages the compaction freed
 * @SOV_A_MC_RECOMP: nest of SOV_A_MC_RECOMP_*: the current or last
 *	recompression run (replies, and EVENT_NTF of kind recompress-done)
 * @SOV_A_MC_IDLE_AGE: u32, RECOMPRESS: seconds a page must have been idle
 * @SOV_A_MC_THREADS: u32, RECOMPRESS: workers, 1 to SOV_MC_RECOMP_THREADS_MAX
 * @SOV_A_MC_EVENT_KIND: u32, EVENT_NTF: enum sov_mc_event
 * @SOV_A_MC_POLICY: nest of SOV_A_MC_POLICY_*: in SET the device's new
 *	policy (KINDS 0: none), in replies the current one
 * @SOV_A_MC_EVENT_CAUSE: u32, EVENT_NTF of kind policy: the enum
 *	sov_mc_policy that acted
 * @SOV_A_MC_EVENT_ACTIONS: u32, EVENT_NTF of kind policy: what it did,
 *	a mask of BIT(enum sov_mc_action)
 * @SOV_A_MC_LATENCY: nest of SOV_A_MC_LAT_*: how long the device took to
 *	serve its read and write bios (replies)
 */
enum sov_a_mc {
	SOV_A_MC_UNSPEC,
	SOV_A_MC_PAD,
	SOV_A_MC_ID,
	SOV_A_MC_NAME,
	SOV_A_MC_SIZE,
	SOV_A_MC_LEVEL,
	SOV_A_MC_MEM_LIMIT,
	SOV_A_MC_OPENERS,
	SOV_A_MC_STATS,
	SOV_A_MC_COMPACTED,
	SOV_A_MC_RECOMP,
	SOV_A_MC_IDLE_AGE,
	SOV_A_MC_THREADS,
	SOV_A_MC_EVENT_KIND,
	SOV_A_MC_POLICY,
	SOV_A_MC_EVENT_CAUSE,
	SOV_A_MC_EVENT_ACTIONS,
	SOV_A_MC_LATENCY,

	__SOV_A_MC_CNT,
	SOV_A_MC_MAX = __SOV_A_MC_CNT - 1
};

/**
 * enum sov_a_mc_stats - a device's counters, inside SOV_A_MC_STATS (all u64)
 * @SOV_A_MC_STATS_PAD: alignment padding
 * @SOV_A_MC_STATS_PAGES: pages holding data, same-filled ones included
 * @SOV_A_MC_STATS_ORIG_BYTES: PAGES * 4096
 * @SOV_A_MC_STATS_COMPR_BYTES: bytes of the stored objects (a huge page
 *	counts 4096, a same-filled one 0)
 * @SOV_A_MC_STATS_MEM_USED: bytes of memory the allocator holds for the
 *	device, its overhead included
 * @SOV_A_MC_STATS_MEM_LIMIT: the device's limit (0: none)
 * @SOV_A_MC_STATS_MEM_USED_MAX: the most MEM_USED has been
 * @SOV_A_MC_STATS_SAME_PAGES: pages filled with one repeated word, kept
 *	without an allocation
 * @SOV_A_MC_STATS_HUGE_PAGES: pages that did not compress, kept as they are
 * @SOV_A_MC_STATS_PAGES_NONE: compressed or huge pages written at level none
 * @SOV_A_MC_STATS_PAGES_FAST: ... at level fast
 * @SOV_A_MC_STATS_PAGES_BALANCED: ... at level balanced
 * @SOV_A_MC_STATS_PAGES_BEST: ... at level best
 * @SOV_A_MC_STATS_READS: pages read
 * @SOV_A_MC_STATS_WRITES: pages written
 * @SOV_A_MC_STATS_DISCARDS: pages discarded (trim, write-zeroes, swap frees)
 * @SOV_A_MC_STATS_FAILED_READS: reads that failed
 * @SOV_A_MC_STATS_FAILED_WRITES: writes that failed, LIMIT_HITS included
 * @SOV_A_MC_STATS_LIMIT_HITS: writes refused because of MEM_LIMIT
 * @SOV_A_MC_STATS_RECOMPRESSED: pages rewritten at a higher level
 * @SOV_A_MC_STATS_COMPACTIONS: compactions of the pool
 * @SOV_A_MC_STATS_COMPACTED_PAGES: pages they freed
 * @SOV_A_MC_STATS_PACKS: packs: up to 4 idle pages compressed together by
 *	a recompression at level best (their bytes are in COMPR_BYTES)
 * @SOV_A_MC_STATS_PACKED_PAGES: pages read from a pack (in PAGES_BEST too)
 */
enum sov_a_mc_stats {
	SOV_A_MC_STATS_UNSPEC,
	SOV_A_MC_STATS_PAD,
	SOV_A_MC_STATS_PAGES,
	SOV_A_MC_STATS_ORIG_BYTES,
	SOV_A_MC_STATS_COMPR_BYTES,
	SOV_A_MC_STATS_MEM_USED,
	SOV_A_MC_STATS_MEM_LIMIT,
	SOV_A_MC_STATS_MEM_USED_MAX,
	SOV_A_MC_STATS_SAME_PAGES,
	SOV_A_MC_STATS_HUGE_PAGES,
	SOV_A_MC_STATS_PAGES_NONE,
	SOV_A_MC_STATS_PAGES_FAST,
	SOV_A_MC_STATS_PAGES_BALANCED,
	SOV_A_MC_STATS_PAGES_BEST,
	SOV_A_MC_STATS_READS,
	SOV_A_MC_STATS_WRITES,
	SOV_A_MC_STATS_DISCARDS,
	SOV_A_MC_STATS_FAILED_READS,
	SOV_A_MC_STATS_FAILED_WRITES,
	SOV_A_MC_STATS_LIMIT_HITS,
	SOV_A_MC_STATS_RECOMPRESSED,
	SOV_A_MC_STATS_COMPACTIONS,
	SOV_A_MC_STATS_COMPACTED_PAGES,
	SOV_A_MC_STATS_PACKS,
	SOV_A_MC_STATS_PACKED_PAGES,

	__SOV_A_MC_STATS_CNT,
	SOV_A_MC_STATS_MAX = __SOV_A_MC_STATS_CNT - 1
};

/**
 * enum sov_a_mc_lat - latency histograms, inside SOV_A_MC_LATENCY
 * @SOV_A_MC_LAT_READ: binary, SOV_MC_LAT_BUCKETS u64 in host order: bucket
 *	i counts read bios served in [2^i, 2^(i+1)) ns (bucket 0 from 0, the
 *	last one everything longer)
 * @SOV_A_MC_LAT_WRITE: binary, the same for write bios
 */
enum sov_a_mc_lat {
	SOV_A_MC_LAT_UNSPEC,
	SOV_A_MC_LAT_READ,
	SOV_A_MC_LAT_WRITE,

	__SOV_A_MC_LAT_CNT,
	SOV_A_MC_LAT_MAX = __SOV_A_MC_LAT_CNT - 1
};

/**
 * enum sov_a_mc_recomp - a recompression run, inside SOV_A_MC_RECOMP
 * @SOV_A_MC_RECOMP_PAD: alignment padding
 * @SOV_A_MC_RECOMP_RUNNING: u8, 1 while the run goes on
 * @SOV_A_MC_RECOMP_LEVEL: u32, enum sov_mc_level it rewrites pages at
 * @SOV_A_MC_RECOMP_IDLE_AGE: u32, seconds a page had to be idle
 * @SOV_A_MC_RECOMP_THREADS: u32, its workers
 * @SOV_A_MC_RECOMP_SCANNED: u64, slots looked at
 * @SOV_A_MC_RECOMP_RECOMPRESSED: u64, pages of them rewritten smaller
 * @SOV_A_MC_RECOMP_ERRORS: u64, pages that could not be rewritten (kept)
 * @SOV_A_MC_RECOMP_RUNS: u64, runs finished on the device
 */
enum sov_a_mc_recomp {
	SOV_A_MC_RECOMP_UNSPEC,
	SOV_A_MC_RECOMP_PAD,
	SOV_A_MC_RECOMP_RUNNING,
	SOV_A_MC_RECOMP_LEVEL,
	SOV_A_MC_RECOMP_IDLE_AGE,
	SOV_A_MC_RECOMP_THREADS,
	SOV_A_MC_RECOMP_SCANNED,
	SOV_A_MC_RECOMP_RECOMPRESSED,
	SOV_A_MC_RECOMP_ERRORS,
	SOV_A_MC_RECOMP_RUNS,

	__SOV_A_MC_RECOMP_CNT,
	SOV_A_MC_RECOMP_MAX = __SOV_A_MC_RECOMP_CNT - 1
};

/**
 * enum sov_mc_event - SOV_A_MC_EVENT_KIND of a SOV_CMD_MC_EVENT_NTF
 * @SOV_MC_EVENT_RECOMPRESS_DONE: a recompression run ended; SOV_A_MC_RECOMP
 *	has its counts
 * @SOV_MC_EVENT_POLICY: a policy acted: SOV_A_MC_EVENT_CAUSE,
 *	SOV_A_MC_EVENT_ACTIONS, and SOV_A_MC_STATS as they were
 * @SOV_MC_EVENT_LIMIT: writes were refused by MEM_LIMIT since the last
 *	such event; SOV_A_MC_STATS. Any device, with or without a policy; at
 *	most one a second per device
 */
enum sov_mc_event {
	SOV_MC_EVENT_RECOMPRESS_DONE,
	SOV_MC_EVENT_POLICY,
	SOV_MC_EVENT_LIMIT,

	__SOV_MC_EVENT_CNT
};

/**
 * enum sov_mc_policy - what makes a device recompress or compact by itself;
 *	SOV_A_MC_POLICY_KINDS is a mask of BIT() of these
 * @SOV_MC_POLICY_THRESHOLD: memory used above MEM_BYTES or the ratio below
 *	RATIO_X100 / 100: recompress pages idle for IDLE_AGE, compact
 * @SOV_MC_POLICY_TIME: every IDLE_AGE / 2 (at least COOLDOWN): recompress
 *	pages idle for IDLE_AGE
 * @SOV_MC_POLICY_DEMAND: on SOV_CMD_MC_PRESSURE: recompress pages idle for
 *	IDLE_AGE / 4, compact
 */
enum sov_mc_policy {
	SOV_MC_POLICY_THRESHOLD,
	SOV_MC_POLICY_TIME,
	SOV_MC_POLICY_DEMAND,

	__SOV_MC_POLICY_CNT
};

/**
 * enum sov_mc_action - what a policy did (SOV_A_MC_EVENT_ACTIONS: BIT() of these)
 * @SOV_MC_ACTION_RECOMPRESS: started a recompression run
 * @SOV_MC_ACTION_COMPACT: compacted the pool
 */
enum sov_mc_action {
	SOV_MC_ACTION_RECOMPRESS,
	SOV_MC_ACTION_COMPACT,

	__SOV_MC_ACTION_CNT
};

/**
 * enum sov_a_mc_policy - a device's policy, inside SOV_A_MC_POLICY
 * @SOV_A_MC_POLICY_PAD: alignment padding
 * @SOV_A_MC_POLICY_KINDS: u32, mask of BIT(enum sov_mc_policy); 0: no policy
 * @SOV_A_MC_POLICY_MEM_BYTES: u64, threshold: memory used that triggers it
 * @SOV_A_MC_POLICY_RATIO_X100: u32, threshold: a ratio below this / 100
 *	triggers it (a threshold needs MEM_BYTES or RATIO_X100)
 * @SOV_A_MC_POLICY_IDLE_AGE: u32, seconds a page must be idle (default 300)
 * @SOV_A_MC_POLICY_COOLDOWN: u32, seconds between two actions of one
 *	kind (default 30)
 * @SOV_A_MC_POLICY_LEVEL: u32, enum sov_mc_level to recompress at
 *	(default best; not none)
 * @SOV_A_MC_POLICY_ACTED: u64, reply: times the policy acted
 */
enum sov_a_mc_policy {
	SOV_A_MC_POLICY_UNSPEC,
	SOV_A_MC_POLICY_PAD,
	SOV_A_MC_POLICY_KINDS,
	SOV_A_MC_POLICY_MEM_BYTES,
	SOV_A_MC_POLICY_RATIO_X100,
	SOV_A_MC_POLICY_IDLE_AGE,
	SOV_A_MC_POLICY_COOLDOWN,
	SOV_A_MC_POLICY_LEVEL,
	SOV_A_MC_POLICY_ACTED,

	__SOV_A_MC_POLICY_CNT,
	SOV_A_MC_POLICY_MAX = __SOV_A_MC_POLICY_CNT - 1
};

#endif /* _UAPI_LINUX_SOVEREIGN_MC_H */
