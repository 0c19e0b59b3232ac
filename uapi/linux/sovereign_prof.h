/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Sovereign profiler: attributes of the SOV_CMD_PROF_* commands of the
 * "sovereign" generic netlink family (included by sovereign.h).
 *
 * One profile runs at a time, system-wide (the initial netns's view; the
 * commands are refused in other network namespaces). A profile collects any
 * of three kinds of data, each aggregated in the kernel:
 *   cpu:  cpu-clock samples, stack -> samples
 *   mem:  kmem tracepoints, stack -> bytes allocated; call site -> counts,
 *         live objects and leak candidates; resident-set samples over time
 *   lock: lock:contention_begin/end, stack -> contended wait; lock -> wait
 *         count, total, max and a log2 histogram
 * Stacks are raw addresses: userspace symbolizes them (/proc/kallsyms, the
 * process's ELF files), so a stack's user frames need the process alive.
 */
#ifndef _UAPI_LINUX_SOVEREIGN_PROF_H
#define _UAPI_LINUX_SOVEREIGN_PROF_H

/**
 * enum sov_prof_kind - what a profile collects (SOV_A_PROF_KINDS is a mask
 *	of BIT(kind); SOV_A_PROF_KIND names one)
 * @SOV_PROF_KIND_CPU: cpu-clock sampling
 * @SOV_PROF_KIND_MEM: kernel allocations (kmalloc, kmem_cache_alloc,
 *	mm_page_alloc and their frees) and resident-set sizes
 * @SOV_PROF_KIND_LOCK: lock contention
 */
enum sov_prof_kind {
	SOV_PROF_KIND_CPU,
	SOV_PROF_KIND_MEM,
	SOV_PROF_KIND_LOCK,

	__SOV_PROF_KIND_CNT
};

/**
 * enum sov_prof_state - SOV_A_PROF_STATE
 * @SOV_PROF_STATE_IDLE: no profile was started since load
 * @SOV_PROF_STATE_RUNNING: a profile runs
 * @SOV_PROF_STATE_STOPPED: the last profile stopped; its data is readable
 */
enum sov_prof_state {
	SOV_PROF_STATE_IDLE,
	SOV_PROF_STATE_RUNNING,
	SOV_PROF_STATE_STOPPED,
};

/**
 * enum sov_prof_mode - SOV_A_PROF_MODE, how the sampling rate is chosen
 * @SOV_PROF_MODE_FREQ: a fixed frequency (SOV_A_PROF_FREQ)
 * @SOV_PROF_MODE_PERIOD: a fixed period (SOV_A_PROF_PERIOD_NS)
 * @SOV_PROF_MODE_ADAPTIVE: starts at FREQ (default 999 Hz) and lowers or
 *	raises the rate, never above FREQ, so that the time spent in the
 *	sample handler stays under ADAPTIVE_X100 / 100 percent of each CPU
 */
enum sov_prof_mode {
	SOV_PROF_MODE_FREQ,
	SOV_PROF_MODE_PERIOD,
	SOV_PROF_MODE_ADAPTIVE,
};

/* SOV_A_PROF_STACKS: which stacks a sample records */
#define SOV_PROF_STACK_KERNEL	0x1
#define SOV_PROF_STACK_USER	0x2

#define SOV_PROF_FREQ_MIN		1
#define SOV_PROF_FREQ_MAX		10000
#define SOV_PROF_FREQ_DEFAULT		99
#define SOV_PROF_PERIOD_MIN_NS		100000ULL		/* 100 us */
#define SOV_PROF_PERIOD_MAX_NS		1000000000ULL		/* 1 s */
#define SOV_PROF_ADAPTIVE_MIN_X100	1			/* 0.01 % */
#define SOV_PROF_ADAPTIVE_MAX_X100	5000			/* 50 % */
#define SOV_PROF_MAX_STACKS_MIN		64
#define SOV_PROF_MAX_STACKS_MAX		65536
#define SOV_PROF_MAX_STACKS_DEFAULT	4096
#define SOV_PROF_RSS_INTERVAL_MIN_MS	10
#define SOV_PROF_RSS_INTERVAL_MAX_MS	60000
#define SOV_PROF_RSS_INTERVAL_DEFAULT_MS 100
#define SOV_PROF_LEAK_AGE_DEFAULT_MS	10000
/* frames kept per stack, each side */
#define SOV_PROF_KSTACK_MAX		48
#define SOV_PROF_USTACK_MAX		48
/*
 * SOV_A_PROF_LOCK_HIST: bucket b counts waits in [2^b, 2^(b+1)) ns, b 0..39;
 * bucket 0 also holds waits of 0 ns, the last one everything above
 */
#define SOV_PROF_HIST_BUCKETS		40
/* SOV_A_PROF_RSS_*: samples kept (a ring: the oldest are overwritten) */
#define SOV_PROF_RSS_SAMPLES		4096

/**
 * enum sov_a_prof - attributes of the SOV_CMD_PROF_* commands
 * @SOV_A_PROF_PAD: alignment padding for u64 attributes
 *
 * Settings (START; GET echoes them):
 * @SOV_A_PROF_KINDS: u32, mask of BIT(enum sov_prof_kind), not 0
 *	(default BIT(SOV_PROF_KIND_CPU))
 * @SOV_A_PROF_MODE: u32, enum sov_prof_mode (reply only; START derives it)
 * @SOV_A_PROF_FREQ: u32, samples per second per CPU,
 *	SOV_PROF_FREQ_MIN..SOV_PROF_FREQ_MAX (default 99)
 * @SOV_A_PROF_PERIOD_NS: u64, a fixed sampling period instead of FREQ,
 *	SOV_PROF_PERIOD_MIN_NS..SOV_PROF_PERIOD_MAX_NS
 * @SOV_A_PROF_ADAPTIVE_X100: u32, adaptive mode's overhead target in
 *	hundredths of a percent of CPU time
 * @SOV_A_PROF_CPU: u32, sample this CPU only (it must be online)
 * @SOV_A_PROF_PID: u32, sample this thread only
 * @SOV_A_PROF_TGID: u32, sample the threads of this process only
 * @SOV_A_PROF_CGROUP_ID: u64, sample tasks in this cgroup (v2) or below it;
 *	the id is the cgroup directory's inode number
 * @SOV_A_PROF_STACKS: u32, SOV_PROF_STACK_* mask, not 0 (default both)
 * @SOV_A_PROF_MAX_STACKS: u32, distinct stacks kept per CPU and kind
 *	(default SOV_PROF_MAX_STACKS_DEFAULT); samples of new stacks past it
 *	are counted in DROPPED
 * @SOV_A_PROF_RSS_INTERVAL_MS: u32, how often resident sets are sampled
 *	(kind mem; default 100)
 *
 * State (GET):
 * @SOV_A_PROF_STATE: u32, enum sov_prof_state
 * @SOV_A_PROF_START_NS: u64, when the profile started (boot-time clock)
 * @SOV_A_PROF_DURATION_NS: u64, how long it ran (so far)
 * @SOV_A_PROF_EFFECTIVE_FREQ: u32, the rate in force now in Hz (adaptive
 *	mode changes it; a period is shown as its rate)
 * @SOV_A_PROF_SAMPLES: u64, cpu-clock samples taken in scope
 * @SOV_A_PROF_SKIPPED: u64, cpu-clock ticks that fell outside the scope
 * @SOV_A_PROF_DROPPED: u64, samples/events lost: their stack was new and
 *	the table was full (all kinds)
 * @SOV_A_PROF_USTACK_FAULTS: u64, user stacks cut short because a frame
 *	could not be read (code without frame pointers, paged-out stack)
 * @SOV_A_PROF_ENTRIES: u32, distinct stacks held (all CPUs, all kinds)
 * @SOV_A_PROF_MEM_BYTES: u64, memory the profile's tables use
 * @SOV_A_PROF_OVERHEAD_X100: u32, time spent in the sample handler, in
 *	hundredths of a percent of the sampled CPUs' time (last second)
 * @SOV_A_PROF_MEM_EVENTS: u64, allocation and free events seen
 * @SOV_A_PROF_MEM_UNTRACKED: u64, allocations whose object could not be
 *	tracked as live (the live table was full)
 * @SOV_A_PROF_LOCK_EVENTS: u64, contentions seen (contention_end)
 * @SOV_A_PROF_LOCK_UNTRACKED: u64, contentions lost (waiter table full)
 *
 * One stack (STACK_GET dump):
 * @SOV_A_PROF_KIND: u32, enum sov_prof_kind (also a dump filter)
 * @SOV_A_PROF_TAG: u64, mem: the allocation's call site; lock: the lock's
 *	address; cpu: 0
 * @SOV_A_PROF_PID: (as above) the sampled thread (the first one seen)
 * @SOV_A_PROF_TGID: (as above) its process; 0 for kernel threads too
 * @SOV_A_PROF_COMM: string, the thread's name
 * @SOV_A_PROF_KSTACK: binary, u64 kernel return addresses, innermost first
 * @SOV_A_PROF_USTACK: binary, u64 user return addresses, innermost first
 * @SOV_A_PROF_COUNT: u64, samples / allocations / contentions
 * @SOV_A_PROF_WEIGHT: u64, cpu: samples; mem: bytes; lock: ns waited
 *
 * One call site (SITE_GET dump; the request may carry LEAK_AGE_MS):
 * @SOV_A_PROF_SITE: u64, call site address
 * @SOV_A_PROF_ALLOCS: u64, allocations made there
 * @SOV_A_PROF_FREES: u64, of those, freed (tracked objects only)
 * @SOV_A_PROF_BYTES: u64, bytes allocated there
 * @SOV_A_PROF_LIVE_OBJS: u64, tracked objects still allocated
 * @SOV_A_PROF_LIVE_BYTES: u64, their bytes
 * @SOV_A_PROF_OLD_OBJS: u64, live objects older than LEAK_AGE_MS
 * @SOV_A_PROF_OLD_BYTES: u64, their bytes
 * @SOV_A_PROF_LEAK_AGE_MS: u32, request: leak-candidate age
 *
 * One lock (LOCK_GET dump):
 * @SOV_A_PROF_LOCK_ADDR: u64, the lock's address
 * @SOV_A_PROF_LOCK_FLAGS: u32, LCB_F_* of the first contention (spin,
 *	read, write, rt, percpu, mutex: include/trace/events/lock.h)
 * @SOV_A_PROF_LOCK_COUNT: u64, contentions
 * @SOV_A_PROF_LOCK_TOTAL_NS: u64, time waited in all
 * @SOV_A_PROF_LOCK_MAX_NS: u64, longest wait
 * @SOV_A_PROF_LOCK_HIST: binary, u64[SOV_PROF_HIST_BUCKETS] of waits
 *
 * One resident-set sample (RSS_GET dump):
 * @SOV_A_PROF_RSS_TIME_NS: u64, when (boot-time clock)
 * @SOV_A_PROF_RSS_BYTES: u64, resident bytes; with TGID and COMM
 */
enum sov_a_prof {
	SOV_A_PROF_UNSPEC,
	SOV_A_PROF_PAD,
	SOV_A_PROF_KINDS,
	SOV_A_PROF_MODE,
	SOV_A_PROF_FREQ,
	SOV_A_PROF_PERIOD_NS,
	SOV_A_PROF_ADAPTIVE_X100,
	SOV_A_PROF_CPU,
	SOV_A_PROF_PID,
	SOV_A_PROF_TGID,
	SOV_A_PROF_CGROUP_ID,
	SOV_A_PROF_STACKS,
	SOV_A_PROF_MAX_STACKS,
	SOV_A_PROF_RSS_INTERVAL_MS,
	SOV_A_PROF_STATE,
	SOV_A_PROF_START_NS,
	SOV_A_PROF_DURATION_NS,
	SOV_A_PROF_EFFECTIVE_FREQ,
	SOV_A_PROF_SAMPLES,
	SOV_A_PROF_SKIPPED,
	SOV_A_PROF_DROPPED,
	SOV_A_PROF_USTACK_FAULTS,
	SOV_A_PROF_ENTRIES,
	SOV_A_PROF_MEM_BYTES,
	SOV_A_PROF_OVERHEAD_X100,
	SOV_A_PROF_MEM_EVENTS,
	SOV_A_PROF_MEM_UNTRACKED,
	SOV_A_PROF_LOCK_EVENTS,
	SOV_A_PROF_LOCK_UNTRACKED,
	SOV_A_PROF_KIND,
	SOV_A_PROF_TAG,
	SOV_A_PROF_COMM,
	SOV_A_PROF_KSTACK,
	SOV_A_PROF_USTACK,
	SOV_A_PROF_COUNT,
	SOV_A_PROF_WEIGHT,
	SOV_A_PROF_SITE,
	SOV_A_PROF_ALLOCS,
	SOV_A_PROF_FREES,
	SOV_A_PROF_BYTES,
	SOV_A_PROF_LIVE_OBJS,
	SOV_A_PROF_LIVE_BYTES,
	SOV_A_PROF_OLD_OBJS,
	SOV_A_PROF_OLD_BYTES,
	SOV_A_PROF_LEAK_AGE_MS,
	SOV_A_PROF_LOCK_ADDR,
	SOV_A_PROF_LOCK_FLAGS,
	SOV_A_PROF_LOCK_COUNT,
	SOV_A_PROF_LOCK_TOTAL_NS,
	SOV_A_PROF_LOCK_MAX_NS,
	SOV_A_PROF_LOCK_HIST,
	SOV_A_PROF_RSS_TIME_NS,
	SOV_A_PROF_RSS_BYTES,

	__SOV_A_PROF_CNT,
	SOV_A_PROF_MAX = __SOV_A_PROF_CNT - 1
};

#endif /* _UAPI_LINUX_SOVEREIGN_PROF_H */
