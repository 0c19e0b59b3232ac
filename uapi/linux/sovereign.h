/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * Sovereign: the one contract between sovereign.ko, sovereignd and sovctl.
 *
 * Transport
 * ---------
 * Generic netlink family SOV_GENL_NAME, version SOV_GENL_VERSION, with one
 * multicast group SOV_GENL_MCGRP_EVENTS. The family is netns-aware; every
 * command that changes module-wide state needs CAP_NET_ADMIN in the initial
 * user namespace, reads are open to everyone.
 *
 * The daemon's control socket (SOV_CTL_PATH, AF_UNIX stream) and the TCP link
 * between daemons carry the very same messages: struct nlmsghdr + struct
 * genlmsghdr + attributes, with nlmsg_type SOV_CTL_FAMILY_ID in place of a
 * resolved family id. Errors are NLMSG_ERROR messages with NLM_F_ACK_TLVS and
 * NLMSGERR_ATTR_MSG carrying the human-readable reason, exactly as the
 * kernel's extended ack, so one decoder serves both peers.
 *
 * Conventions
 * -----------
 * GET commands answer with a message of the same command number. A SET
 * changes only the attributes present and, when something changed, sends the
 * matching _NTF command with the complete new state to SOV_GENL_MCGRP_EVENTS.
 * Integers are host byte order. Times are nanoseconds. u64 attributes are
 * 8-byte aligned with the set's _PAD attribute.
 */
#ifndef _UAPI_LINUX_SOVEREIGN_H
#define _UAPI_LINUX_SOVEREIGN_H

#define SOV_GENL_NAME		"sovereign"
#define SOV_GENL_VERSION	1
#define SOV_GENL_MCGRP_EVENTS	"events"

#define SOV_CTL_PATH		"/run/sovereign/ctl"
#define SOV_CTL_FAMILY_ID	0x5356	/* nlmsg_type on the daemon socket */

/**
 * enum sov_cmd - commands of the "sovereign" family
 * @SOV_CMD_INFO_GET: module information; request has no attributes, reply
 *	carries SOV_A_INFO_*. Unprivileged.
 * @SOV_CMD_CONFIG_GET: module-wide settings; reply carries SOV_A_CONFIG_*.
 *	Unprivileged.
 * @SOV_CMD_CONFIG_SET: change module-wide settings (SOV_A_CONFIG_*, at
 *	least one). Needs CAP_NET_ADMIN. Emits SOV_CMD_CONFIG_NTF.
 * @SOV_CMD_CONFIG_NTF: notification with the complete SOV_A_CONFIG_* after
 *	a change; sent to SOV_GENL_MCGRP_EVENTS in the requester's netns.
 * @SOV_CMD_DAEMON_GET: daemon socket only: daemon status, SOV_A_DAEMON_*.
 */
enum sov_cmd {
	SOV_CMD_UNSPEC,
	SOV_CMD_INFO_GET,
	SOV_CMD_CONFIG_GET,
	SOV_CMD_CONFIG_SET,
	SOV_CMD_CONFIG_NTF,
	SOV_CMD_DAEMON_GET,

	__SOV_CMD_MAX,
	SOV_CMD_MAX = __SOV_CMD_MAX - 1
};

/**
 * enum sov_subsys - subsystems of sovereign.ko, as reported in SOV_A_SUBSYS_ID
 * @SOV_SUBSYS_MEMCOMPRESS: compressed RAM block devices /dev/sovzN
 * @SOV_SUBSYS_CLASSES: the "sov" 8-class qdisc
 * @SOV_SUBSYS_PROFILE: sampling profiler
 * @SOV_SUBSYS_NETIO: the "sovnet" AF_XDP zero-copy device pair
 */
enum sov_subsys {
	SOV_SUBSYS_MEMCOMPRESS,
	SOV_SUBSYS_CLASSES,
	SOV_SUBSYS_PROFILE,
	SOV_SUBSYS_NETIO,

	__SOV_SUBSYS_CNT
};

/**
 * enum sov_a_info - attributes of SOV_CMD_INFO_GET replies
 * @SOV_A_INFO_PAD: alignment padding for u64 attributes
 * @SOV_A_INFO_VERSION: string, module version ("MAJOR.MINOR.PATCH")
 * @SOV_A_INFO_KERNEL_RELEASE: string, release of the running kernel
 * @SOV_A_INFO_UPTIME_NS: u64, nanoseconds since the module was loaded
 *	(boot-time clock: includes suspend)
 * @SOV_A_INFO_SUBSYSTEMS: nest, one SOV_A_INFO_SUBSYS per enum sov_subsys
 * @SOV_A_INFO_SUBSYS: nest of SOV_A_SUBSYS_* (inside SOV_A_INFO_SUBSYSTEMS)
 */
enum sov_a_info {
	SOV_A_INFO_UNSPEC,
	SOV_A_INFO_PAD,
	SOV_A_INFO_VERSION,
	SOV_A_INFO_KERNEL_RELEASE,
	SOV_A_INFO_UPTIME_NS,
	SOV_A_INFO_SUBSYSTEMS,
	SOV_A_INFO_SUBSYS,

	__SOV_A_INFO_CNT,
	SOV_A_INFO_MAX = __SOV_A_INFO_CNT - 1
};

/**
 * enum sov_a_subsys - one subsystem inside SOV_A_INFO_SUBSYS
 * @SOV_A_SUBSYS_ID: u32, enum sov_subsys
 * @SOV_A_SUBSYS_NAME: string, short name used by sovctl ("memcompress", ...)
 * @SOV_A_SUBSYS_COMPILED: u8, 1 if the subsystem is built into this module
 * @SOV_A_SUBSYS_ENABLED: u8, 1 if it is compiled in and initialised
 */
enum sov_a_subsys {
	SOV_A_SUBSYS_UNSPEC,
	SOV_A_SUBSYS_ID,
	SOV_A_SUBSYS_NAME,
	SOV_A_SUBSYS_COMPILED,
	SOV_A_SUBSYS_ENABLED,

	__SOV_A_SUBSYS_CNT,
	SOV_A_SUBSYS_MAX = __SOV_A_SUBSYS_CNT - 1
};

/* Log levels follow the kernel's: 0 emerg ... 7 debug */
#define SOV_LOG_LEVEL_MAX	7

/**
 * enum sov_a_config - module-wide settings (CONFIG_GET/SET/NTF)
 * @SOV_A_CONFIG_LOG_LEVEL: u32, 0 (emerg) .. SOV_LOG_LEVEL_MAX (debug); the
 *	module prints its own messages up to this level. Default 6 (info).
 */
enum sov_a_config {
	SOV_A_CONFIG_UNSPEC,
	SOV_A_CONFIG_LOG_LEVEL,

	__SOV_A_CONFIG_CNT,
	SOV_A_CONFIG_MAX = __SOV_A_CONFIG_CNT - 1
};

/**
 * enum sov_module_state - the daemon's view of sovereign.ko
 * @SOV_MODULE_UNKNOWN: not yet probed
 * @SOV_MODULE_LOADED: the "sovereign" family is registered
 * @SOV_MODULE_UNLOADED: the family is absent (module not loaded)
 */
enum sov_module_state {
	SOV_MODULE_UNKNOWN,
	SOV_MODULE_LOADED,
	SOV_MODULE_UNLOADED,
};

/**
 * enum sov_a_daemon - attributes of SOV_CMD_DAEMON_GET replies
 * @SOV_A_DAEMON_PAD: alignment padding for u64 attributes
 * @SOV_A_DAEMON_VERSION: string, daemon version
 * @SOV_A_DAEMON_PID: u32, process id
 * @SOV_A_DAEMON_UPTIME_NS: u64, nanoseconds since the daemon started
 * @SOV_A_DAEMON_MODULE_STATE: u8, enum sov_module_state
 * @SOV_A_DAEMON_MODULE_EVENTS: u64, notifications received from the module
 * @SOV_A_DAEMON_MODULE_CHANGES: u32, load/unload transitions seen
 * @SOV_A_DAEMON_REQUESTS: u64, control requests served (this one included)
 * @SOV_A_DAEMON_LOG_LEVEL: u32, daemon log level, 0 .. SOV_LOG_LEVEL_MAX
 * @SOV_A_DAEMON_BPF_PIN_PATH: string, bpffs directory holding the pins
 * @SOV_A_DAEMON_BPF_PROGS: u32, BPF programs the daemon loaded and pinned
 */
enum sov_a_daemon {
	SOV_A_DAEMON_UNSPEC,
	SOV_A_DAEMON_PAD,
	SOV_A_DAEMON_VERSION,
	SOV_A_DAEMON_PID,
	SOV_A_DAEMON_UPTIME_NS,
	SOV_A_DAEMON_MODULE_STATE,
	SOV_A_DAEMON_MODULE_EVENTS,
	SOV_A_DAEMON_MODULE_CHANGES,
	SOV_A_DAEMON_REQUESTS,
	SOV_A_DAEMON_LOG_LEVEL,
	SOV_A_DAEMON_BPF_PIN_PATH,
	SOV_A_DAEMON_BPF_PROGS,

	__SOV_A_DAEMON_CNT,
	SOV_A_DAEMON_MAX = __SOV_A_DAEMON_CNT - 1
};

#endif /* _UAPI_LINUX_SOVEREIGN_H */
