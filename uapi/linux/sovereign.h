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
 * @SOV_CMD_LB_SERVICE_GET: daemon socket; dump of the load balancer's
 *	services, each a message with SOV_A_LB_* (service attributes, a
 *	SOV_A_LB_BACKEND nest per backend, counters).
 * @SOV_CMD_LB_SERVICE_ADD: daemon socket; VIP_ADDR, VIP_PORT, PROTO and
 *	optionally POLICY, MODE, FALLBACK, STICKY_TIMEOUT_S, FRAG_PASS, HC_*.
 * @SOV_CMD_LB_SERVICE_DEL: daemon socket; VIP_ADDR, VIP_PORT, PROTO.
 * @SOV_CMD_LB_SERVICE_SET: daemon socket; the service's key plus the
 *	attributes to change (as for ADD).
 * @SOV_CMD_LB_BACKEND_ADD: daemon socket; the service's key, BE_ADDR,
 *	optionally BE_PORT (nat mode) and BE_WEIGHT.
 * @SOV_CMD_LB_BACKEND_DEL: daemon socket; the service's key, BE_ADDR, BE_PORT.
 * @SOV_CMD_LB_BACKEND_SET: daemon socket; as DEL plus BE_WEIGHT.
 * @SOV_CMD_LB_ATTACH: daemon socket; IFNAME, GW_MAC and optionally
 *	XDP_MODE, SRC4, SRC6.
 * @SOV_CMD_LB_DETACH: daemon socket; no attributes.
 * @SOV_CMD_RAFT_HELLO: peer link (TCP between daemons); the first message
 *	on a link, in both directions: SOV_A_RAFT_CLUSTER_ID, SOV_A_RAFT_FROM
 *	(the sender's node id), SOV_A_RAFT_TO (the node id it expects to reach).
 *	A mismatch closes the link (Documentation/raft-transport.rst).
 * @SOV_CMD_RAFT_MSG: peer link; one Raft message after the HELLO exchange:
 *	SOV_A_RAFT_TYPE, FROM, TO, TERM and what the type needs.
 * @SOV_CMD_RAFT_STATUS: daemon socket; no attributes. A clustered
 *	sovereignd's Raft node: SOV_A_CLUSTER_* with a SOV_A_CLUSTER_NODE per
 *	member, and its SOV_A_CLUSTER_ELECTION and SOV_A_CLUSTER_SNAPSHOT
 *	history. -EOPNOTSUPP when the daemon runs without a cluster.
 * @SOV_CMD_RAFT_ADD_NODE: daemon socket, to the leader; NODE_ID, ADDR
 *	(the node's peer address, "IP:PORT" or "[IPv6]:PORT"; not needed to
 *	promote a learner) and LEARNER to add it without a vote. The address
 *	is replicated, then the node added; answered when the change is
 *	applied on the leader. A follower answers -EREMOTE naming the leader.
 * @SOV_CMD_RAFT_REMOVE_NODE: daemon socket, to the leader; NODE_ID.
 * @SOV_CMD_RAFT_TRANSFER_LEADER: daemon socket, to the leader; NODE_ID:
 *	answered once that node leads.
 * @SOV_CMD_LB_MONITOR: daemon socket; no attributes. Subscribes this
 *	connection to the load balancer's events: after the ack the daemon
 *	sends it SOV_CMD_LB_EVENT_NTF messages until it closes. A subscriber
 *	that leaves more than 64 KiB of them unread is disconnected (logged):
 *	a stalled reader never holds the daemon up.
 * @SOV_CMD_LB_EVENT_NTF: daemon socket, to subscribers: one load balancer
 *	event, SOV_A_LB_EVENT_KIND (enum sov_lb_event), SOV_A_LB_EVENT_TIME_NS
 *	and the attributes the kind names; nlmsg_seq 0.
 * @SOV_CMD_KV_PUT: daemon socket, to the leader; SOV_A_CLUSTER_KV_KEY and
 *	SOV_A_CLUSTER_KV_VALUE: set the replicated key "kv/KEY" to the bytes;
 *	answered once the entry is applied there (a follower refuses with
 *	-EREMOTE naming the leader)
 * @SOV_CMD_MC_DEV_GET: memcompress devices, SOV_A_MC_*. A request naming
 *	one (SOV_A_MC_ID or SOV_A_MC_NAME) answers with it; a dump (NLM_F_DUMP,
 *	no attributes) lists every device. Unprivileged.
 * @SOV_CMD_MC_DEV_CREATE: create /dev/sovzN: SOV_A_MC_SIZE (required),
 *	optionally LEVEL (default balanced), NAME, MEM_LIMIT. The reply carries
 *	the new device's attributes. Needs CAP_NET_ADMIN.
 * @SOV_CMD_MC_DEV_DESTROY: remove a device named by ID or NAME; -EBUSY
 *	while it is open (swapped on, mounted). Needs CAP_NET_ADMIN.
 * @SOV_CMD_MC_DEV_SET: a device (ID or NAME) and the settings to change:
 *	LEVEL, MEM_LIMIT, at least one. Emits SOV_CMD_MC_DEV_NTF. Needs
 *	CAP_NET_ADMIN.
 * @SOV_CMD_MC_DEV_NTF: notification with the complete SOV_A_MC_* of a
 *	device after a SET; sent to SOV_GENL_MCGRP_EVENTS in the requester's
 *	netns.
 * @SOV_CMD_MC_COMPACT: compact the allocator pool of a device (ID or NAME);
 *	the reply carries ID, NAME and COMPACTED. Needs CAP_NET_ADMIN.
 * @SOV_CMD_MC_RECOMPRESS: start a background recompression run on a device
 *	(ID or NAME): pages idle for IDLE_AGE seconds (default 300) written at
 *	a lower level are rewritten at LEVEL (default best; not none) by
 *	THREADS workers (1 to SOV_MC_RECOMP_THREADS_MAX, default the online
 *	CPUs, at most 8). Answers at once; -EBUSY while a run goes on; the end
 *	of the run is a SOV_CMD_MC_EVENT_NTF. Needs CAP_NET_ADMIN.
 * @SOV_CMD_MC_EVENT_NTF: notification of something a device did by itself:
 *	SOV_A_MC_EVENT_KIND (enum sov_mc_event), ID, NAME and what the kind
 *	names; sent to SOV_GENL_MCGRP_EVENTS in the initial netns.
 * @SOV_CMD_MC_PRESSURE: memory pressure was seen (sovereignd watches PSI):
 *	every device with a demand policy acts on it at its next decision.
 *	No attributes. Needs CAP_NET_ADMIN.
 * @SOV_CMD_PROF_START: start the profiler (see sovereign_prof.h for every
 *	attribute): KINDS, one of FREQ / PERIOD_NS, optionally ADAPTIVE_X100,
 *	at most one scope (CPU, PID, TGID, CGROUP_ID), STACKS, MAX_STACKS,
 *	RSS_INTERVAL_MS. -EBUSY while a profile runs. Clears the previous
 *	profile's data. Needs CAP_NET_ADMIN.
 * @SOV_CMD_PROF_STOP: stop the running profile; its data stays readable
 *	until the next START or unload. -EALREADY when none runs. Needs
 *	CAP_NET_ADMIN.
 * @SOV_CMD_PROF_GET: the profiler's state and counters, SOV_A_PROF_*.
 * @SOV_CMD_PROF_STACK_GET: dump of aggregated stacks, one message each;
 *	a request may carry SOV_A_PROF_KIND to dump one kind only.
 * @SOV_CMD_PROF_SITE_GET: dump of allocation call sites (kind mem); the
 *	request may carry LEAK_AGE_MS (default 10000): live objects older
 *	than that are counted as leak candidates.
 * @SOV_CMD_PROF_LOCK_GET: dump of contended locks (kind lock).
 * @SOV_CMD_PROF_RSS_GET: dump of the resident-set samples (kind mem).
 * @SOV_CMD_TRACE_STATUS_GET: daemon socket: the tracing engine's counters
 *	(sovereign_trace.h documents the SOV_CMD_TRACE_* attributes)
 * @SOV_CMD_TRACE_LIST: daemon socket, dump: the traces held, one each
 * @SOV_CMD_TRACE_GET: daemon socket, dump: one trace's spans (by
 *	SOV_A_TRACE_ID), one SOV_A_TRACE_SPAN per message
 * @SOV_CMD_TRACE_LATENCY_GET: daemon socket, dump: per-operation latency
 *	percentiles and sampling state, daemon and kernel ops
 * @SOV_CMD_TRACE_SAMPLE_SET: daemon socket: the head sampling of one op
 *	or of all: a fixed probability or an adaptive target rate
 * @SOV_CMD_TRACE_EXPORT: daemon socket: write the kept traces to a file
 *	or an OTLP/HTTP collector
 * @SOV_CMD_NETIO_GET: a sovnet end (IFINDEX or IFNAME) or, as a dump, every
 *	end in the caller's namespace: SOV_A_NETIO_* (sovereign_netio.h).
 * @SOV_CMD_NETIO_SET: an end and what to change: RATE, PRIOMAP, CLASS and
 *	QUEUE nests, RESET; at least one. Needs CAP_NET_ADMIN.
 * @SOV_CMD_NETIO_STATS_GET: an end's counters: device, per queue, per class,
 *	flow table use.
 * @SOV_CMD_NETIO_FLOW_GET: dump of an end's flow table entries in use.
 */
enum sov_cmd {
	SOV_CMD_UNSPEC,
	SOV_CMD_INFO_GET,
	SOV_CMD_CONFIG_GET,
	SOV_CMD_CONFIG_SET,
	SOV_CMD_CONFIG_NTF,
	SOV_CMD_DAEMON_GET,
	SOV_CMD_LB_SERVICE_GET,
	SOV_CMD_LB_SERVICE_ADD,
	SOV_CMD_LB_SERVICE_DEL,
	SOV_CMD_LB_SERVICE_SET,
	SOV_CMD_LB_BACKEND_ADD,
	SOV_CMD_LB_BACKEND_DEL,
	SOV_CMD_LB_BACKEND_SET,
	SOV_CMD_LB_ATTACH,
	SOV_CMD_LB_DETACH,
	SOV_CMD_RAFT_HELLO,
	SOV_CMD_RAFT_MSG,
	SOV_CMD_RAFT_STATUS,
	SOV_CMD_RAFT_ADD_NODE,
	SOV_CMD_RAFT_REMOVE_NODE,
	SOV_CMD_RAFT_TRANSFER_LEADER,
	SOV_CMD_LB_MONITOR,
	SOV_CMD_LB_EVENT_NTF,
	SOV_CMD_KV_PUT,
	SOV_CMD_MC_DEV_GET,
	SOV_CMD_MC_DEV_CREATE,
	SOV_CMD_MC_DEV_DESTROY,
	SOV_CMD_MC_DEV_SET,
	SOV_CMD_MC_DEV_NTF,
	SOV_CMD_MC_COMPACT,
	SOV_CMD_MC_RECOMPRESS,
	SOV_CMD_MC_EVENT_NTF,
	SOV_CMD_MC_PRESSURE,
	SOV_CMD_PROF_START,
	SOV_CMD_PROF_STOP,
	SOV_CMD_PROF_GET,
	SOV_CMD_PROF_STACK_GET,
	SOV_CMD_PROF_SITE_GET,
	SOV_CMD_PROF_LOCK_GET,
	SOV_CMD_PROF_RSS_GET,
	SOV_CMD_TRACE_STATUS_GET,
	SOV_CMD_TRACE_LIST,
	SOV_CMD_TRACE_GET,
	SOV_CMD_TRACE_LATENCY_GET,
	SOV_CMD_TRACE_SAMPLE_SET,
	SOV_CMD_TRACE_EXPORT,
	SOV_CMD_NETIO_GET,
	SOV_CMD_NETIO_SET,
	SOV_CMD_NETIO_STATS_GET,
	SOV_CMD_NETIO_FLOW_GET,

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

/* SOV_A_LB_POLICY */
enum sov_lb_policy {
	SOV_LB_POLICY_MAGLEV,
	SOV_LB_POLICY_ROUND_ROBIN,
	SOV_LB_POLICY_WEIGHTED,
	SOV_LB_POLICY_LEAST_CONN,
	SOV_LB_POLICY_IP_HASH,
	SOV_LB_POLICY_CUSTOM,
};

/* SOV_A_LB_MODE */
enum sov_lb_mode {
	SOV_LB_MODE_ENCAP,
	SOV_LB_MODE_NAT,
};

/* SOV_A_LB_FALLBACK: what a service with no live backend does */
enum sov_lb_fallback {
	SOV_LB_FALLBACK_DROP,
	SOV_LB_FALLBACK_PASS,
};

/*
 * SOV_A_LB_HC_TYPE: TCP connect; HTTP GET with the expected status; a UDP
 * datagram that must be answered (SOV_A_LB_HC_UDP_*); an ICMP or ICMPv6 echo
 */
enum sov_lb_hc_type {
	SOV_LB_HC_NONE,
	SOV_LB_HC_TCP,
	SOV_LB_HC_HTTP,
	SOV_LB_HC_UDP,
	SOV_LB_HC_ICMP,
};

/* SOV_A_LB_BE_HEALTH */
enum sov_lb_health {
	SOV_LB_HEALTH_UNKNOWN,
	SOV_LB_HEALTH_UP,
	SOV_LB_HEALTH_DOWN,
};

/* SOV_A_LB_XDP_MODE */
enum sov_lb_xdp_mode {
	SOV_LB_XDP_NATIVE,
	SOV_LB_XDP_GENERIC,
};

/**
 * enum sov_lb_event - SOV_A_LB_EVENT_KIND of an SOV_CMD_LB_EVENT_NTF
 * @SOV_LB_EVENT_BACKEND_UP: health checks brought the backend up;
 *	HC_EVENT_FROM, HC_EVENT_TO, HC_TYPE
 * @SOV_LB_EVENT_BACKEND_DOWN: health checks took it down; as UP, and
 *	EVENT_REASON: why the last check failed ("timed out: no reply")
 * @SOV_LB_EVENT_SERVICE_NO_BACKEND: the service has no live backend: new
 *	flows follow FALLBACK (dropped, or passed to the stack). Sent when the
 *	last live backend goes, and when the backends of a new service have
 *	all been checked and none came up; again if FALLBACK changes meanwhile
 * @SOV_LB_EVENT_SERVICE_RECOVERED: after NO_BACKEND, EVENT_LIVE backends
 *	serve again
 * @SOV_LB_EVENT_SERVICE_ADDED: POLICY, MODE, FALLBACK, HC_TYPE
 * @SOV_LB_EVENT_SERVICE_REMOVED: the service is gone
 * @SOV_LB_EVENT_SERVICE_CHANGED: a SET was applied; its settings after it
 *	as for ADDED
 * @SOV_LB_EVENT_BACKEND_ADDED: BE_WEIGHT
 * @SOV_LB_EVENT_BACKEND_REMOVED: the backend is gone
 * @SOV_LB_EVENT_BACKEND_CHANGED: its new BE_WEIGHT
 * @SOV_LB_EVENT_ATTACHED: the program is attached: IFNAME, IFINDEX,
 *	XDP_MODE
 * @SOV_LB_EVENT_DETACHED: the program is detached: IFNAME, IFINDEX
 *
 * Service events carry VIP_ADDR, VIP_PORT, PROTO and EVENT_LIVE; backend
 * events add BE_ADDR and BE_PORT (the port the backend is reached at: its
 * own in nat mode, else the VIP's).
 */
enum sov_lb_event {
	SOV_LB_EVENT_BACKEND_UP,
	SOV_LB_EVENT_BACKEND_DOWN,
	SOV_LB_EVENT_SERVICE_NO_BACKEND,
	SOV_LB_EVENT_SERVICE_RECOVERED,
	SOV_LB_EVENT_SERVICE_ADDED,
	SOV_LB_EVENT_SERVICE_REMOVED,
	SOV_LB_EVENT_SERVICE_CHANGED,
	SOV_LB_EVENT_BACKEND_ADDED,
	SOV_LB_EVENT_BACKEND_REMOVED,
	SOV_LB_EVENT_BACKEND_CHANGED,
	SOV_LB_EVENT_ATTACHED,
	SOV_LB_EVENT_DETACHED,
};

/**
 * enum sov_a_lb - the load balancer's attributes (daemon socket)
 * @SOV_A_LB_PAD: alignment padding for u64 attributes
 * @SOV_A_LB_VIP_ADDR: binary, 4 (IPv4) or 16 (IPv6) bytes, network order
 * @SOV_A_LB_VIP_PORT: u16, host order, 1-65535
 * @SOV_A_LB_PROTO: u8, IPPROTO_TCP or IPPROTO_UDP
 * @SOV_A_LB_POLICY: u32, enum sov_lb_policy (default maglev)
 * @SOV_A_LB_MODE: u32, enum sov_lb_mode (default encap)
 * @SOV_A_LB_FALLBACK: u32, enum sov_lb_fallback (default drop)
 * @SOV_A_LB_STICKY_TIMEOUT_S: u32, seconds; 0 disables sticky sessions
 * @SOV_A_LB_FRAG_PASS: u8, 1: fragments to the VIP go to the stack
 * @SOV_A_LB_HC_TYPE: u32, enum sov_lb_hc_type (default none)
 * @SOV_A_LB_HC_INTERVAL_S: u32, 1-60 (default 5)
 * @SOV_A_LB_HC_TIMEOUT_MS: u32, 1 .. interval in ms - 1 (default 1000)
 * @SOV_A_LB_HC_RISE: u32, 1-10 successes to come up (default 2)
 * @SOV_A_LB_HC_FALL: u32, 1-10 failures to go down (default 3)
 * @SOV_A_LB_HC_HTTP_PATH: string, path of the HTTP check (default "/")
 * @SOV_A_LB_HC_HTTP_STATUS: u32, expected status (default 200)
 * @SOV_A_LB_BE_ADDR: binary, 4 or 16 bytes, same family as the VIP
 * @SOV_A_LB_BE_PORT: u16, nat mode: the backend's port (default the VIP's)
 * @SOV_A_LB_BE_WEIGHT: u32, 1-1000 (default 1)
 * @SOV_A_LB_IFNAME: string, interface to attach the XDP program to
 * @SOV_A_LB_XDP_MODE: u32, enum sov_lb_xdp_mode (default native)
 * @SOV_A_LB_SERVICE_INDEX: u32, reply: the service's row in the BPF maps
 * @SOV_A_LB_BACKEND: nest of SOV_A_LB_BE_* (reply), one per backend
 * @SOV_A_LB_BE_ID: u32, reply: the backend's global id in the BPF maps
 * @SOV_A_LB_BE_HEALTH: u32, reply: enum sov_lb_health
 * @SOV_A_LB_BE_CONNS: u64, reply: open connections (least-conn count)
 * @SOV_A_LB_PACKETS: u64, reply: packets forwarded (service or backend)
 * @SOV_A_LB_BYTES: u64, reply: bytes forwarded
 * @SOV_A_LB_NEW_FLOWS: u64, reply: flows that picked a backend
 * @SOV_A_LB_NO_BACKEND: u64, reply: packets that found no live backend
 * @SOV_A_LB_TABLE_SIZE: u32, reply: Maglev table slots of the service
 * @SOV_A_LB_GW_MAC: binary, 6 bytes: next hop of encapsulated packets
 * @SOV_A_LB_SRC4: binary, 4 bytes: outer IPv4 source (default: the interface's)
 * @SOV_A_LB_SRC6: binary, 16 bytes: outer IPv6 source (default: the interface's)
 * @SOV_A_LB_IFINDEX: u32, reply: interface the program is attached to
 * @SOV_A_LB_FLOW_RATE: u32, reply: new flows per second, over the last 10 s
 * @SOV_A_LB_LAT_COUNT: u64, reply, nat mode: SYN -> SYN-ACK samples
 * @SOV_A_LB_LAT_P50_NS: u64, reply, nat mode: median connect latency, ns
 *	(log-linear histogram: within 6.25 % of the true value)
 * @SOV_A_LB_LAT_P90_NS: u64, as P50, 90th percentile
 * @SOV_A_LB_LAT_P99_NS: u64, as P50, 99th percentile
 * @SOV_A_LB_LAT_P999_NS: u64, as P50, 99.9th percentile
 * @SOV_A_LB_ERR_RST: u64, reply, nat mode: connections the backend reset
 * @SOV_A_LB_ERR_UNREACH: u64, reply, nat mode: ICMP unreachable from it
 * @SOV_A_LB_CUSTOM_PROG: string, policy custom: absolute path of the ELF
 *	file holding the program that picks backends (Documentation/lb.rst)
 * @SOV_A_LB_HC_CHECKS: u64, reply: health checks run on the backend
 * @SOV_A_LB_HC_FAILURES: u64, reply: of which failed
 * @SOV_A_LB_HC_CHANGES: u64, reply: health transitions (up/down)
 * @SOV_A_LB_HC_SINCE_NS: u64, reply: ns since the last transition (0: none)
 * @SOV_A_LB_HC_UDP_SEND: binary, 1-256 bytes: the datagram a udp check sends
 *	(default "sovereign-hc\n")
 * @SOV_A_LB_HC_UDP_EXPECT: binary, 0-256 bytes: a udp check's reply must
 *	start with these bytes (default empty: any reply)
 * @SOV_A_LB_HC_HISTORY: nest, reply: the backend's last health transitions
 *	(up to 16), newest first, each a SOV_A_LB_HC_EVENT
 * @SOV_A_LB_HC_EVENT: nest of SOV_A_LB_HC_EVENT_* (reply), one transition
 * @SOV_A_LB_HC_EVENT_AGE_NS: u64, reply: ns since the transition
 * @SOV_A_LB_HC_EVENT_FROM: u32, reply: enum sov_lb_health before it (also
 *	in BACKEND_UP and BACKEND_DOWN events)
 * @SOV_A_LB_HC_EVENT_TO: u32, reply: enum sov_lb_health after it (ditto)
 * @SOV_A_LB_EVENT_KIND: u32, LB_EVENT_NTF: enum sov_lb_event
 * @SOV_A_LB_EVENT_TIME_NS: u64, LB_EVENT_NTF: when it happened,
 *	CLOCK_REALTIME ns
 * @SOV_A_LB_EVENT_REASON: string, LB_EVENT_NTF, BACKEND_DOWN: the failed
 *	check's reason, as sovereignd logs it
 * @SOV_A_LB_EVENT_LIVE: u32, LB_EVENT_NTF: the service's live backends
 *	(those taking new flows) after the event
 */
enum sov_a_lb {
	SOV_A_LB_UNSPEC,
	SOV_A_LB_PAD,
	SOV_A_LB_VIP_ADDR,
	SOV_A_LB_VIP_PORT,
	SOV_A_LB_PROTO,
	SOV_A_LB_POLICY,
	SOV_A_LB_MODE,
	SOV_A_LB_FALLBACK,
	SOV_A_LB_STICKY_TIMEOUT_S,
	SOV_A_LB_FRAG_PASS,
	SOV_A_LB_HC_TYPE,
	SOV_A_LB_HC_INTERVAL_S,
	SOV_A_LB_HC_TIMEOUT_MS,
	SOV_A_LB_HC_RISE,
	SOV_A_LB_HC_FALL,
	SOV_A_LB_HC_HTTP_PATH,
	SOV_A_LB_HC_HTTP_STATUS,
	SOV_A_LB_BE_ADDR,
	SOV_A_LB_BE_PORT,
	SOV_A_LB_BE_WEIGHT,
	SOV_A_LB_IFNAME,
	SOV_A_LB_XDP_MODE,
	SOV_A_LB_SERVICE_INDEX,
	SOV_A_LB_BACKEND,
	SOV_A_LB_BE_ID,
	SOV_A_LB_BE_HEALTH,
	SOV_A_LB_BE_CONNS,
	SOV_A_LB_PACKETS,
	SOV_A_LB_BYTES,
	SOV_A_LB_NEW_FLOWS,
	SOV_A_LB_NO_BACKEND,
	SOV_A_LB_TABLE_SIZE,
	SOV_A_LB_GW_MAC,
	SOV_A_LB_SRC4,
	SOV_A_LB_SRC6,
	SOV_A_LB_IFINDEX,
	SOV_A_LB_FLOW_RATE,
	SOV_A_LB_LAT_COUNT,
	SOV_A_LB_LAT_P50_NS,
	SOV_A_LB_LAT_P90_NS,
	SOV_A_LB_LAT_P99_NS,
	SOV_A_LB_LAT_P999_NS,
	SOV_A_LB_ERR_RST,
	SOV_A_LB_ERR_UNREACH,
	SOV_A_LB_CUSTOM_PROG,
	SOV_A_LB_HC_CHECKS,
	SOV_A_LB_HC_FAILURES,
	SOV_A_LB_HC_CHANGES,
	SOV_A_LB_HC_SINCE_NS,
	SOV_A_LB_HC_UDP_SEND,
	SOV_A_LB_HC_UDP_EXPECT,
	SOV_A_LB_HC_HISTORY,
	SOV_A_LB_HC_EVENT,
	SOV_A_LB_HC_EVENT_AGE_NS,
	SOV_A_LB_HC_EVENT_FROM,
	SOV_A_LB_HC_EVENT_TO,
	SOV_A_LB_EVENT_KIND,
	SOV_A_LB_EVENT_TIME_NS,
	SOV_A_LB_EVENT_REASON,
	SOV_A_LB_EVENT_LIVE,

	__SOV_A_LB_CNT,
	SOV_A_LB_MAX = __SOV_A_LB_CNT - 1
};

/*
 * Limits of the peer link. A frame is one nlmsghdr-delimited message; an
 * entry's data and a snapshot chunk longer than one attribute can hold are
 * split into pieces (SOV_A_RAFT_ENTRY_MORE, repeated SOV_A_RAFT_CHUNK).
 */
#define SOV_RAFT_FRAME_MAX	(16 << 20)	/* bytes per message */
#define SOV_RAFT_DATA_MAX	(8 << 20)	/* bytes of one entry, or one chunk */
#define SOV_RAFT_ENTRIES_MAX	65536		/* entries per message */
#define SOV_RAFT_CLUSTER_ID_MAX	63		/* characters, [A-Za-z0-9._-] */
#define SOV_KV_USER_KEY_MAX	252		/* characters of a KV_PUT key */
#define SOV_KV_USER_VALUE_MAX	61440		/* bytes of a KV_PUT value */
#define SOV_RAFT_TRACE_MAX	64		/* bytes of SOV_A_RAFT_TRACE */

/* SOV_A_RAFT_TYPE: the kind of a Raft message (enum raft_msg_type) */
enum sov_raft_msg {
	SOV_RAFT_MSG_PREVOTE,
	SOV_RAFT_MSG_PREVOTE_RESP,
	SOV_RAFT_MSG_VOTE,
	SOV_RAFT_MSG_VOTE_RESP,
	SOV_RAFT_MSG_APPEND,
	SOV_RAFT_MSG_APPEND_RESP,
	SOV_RAFT_MSG_HEARTBEAT,
	SOV_RAFT_MSG_HEARTBEAT_RESP,
	SOV_RAFT_MSG_SNAPSHOT,
	SOV_RAFT_MSG_SNAPSHOT_RESP,
	SOV_RAFT_MSG_TIMEOUT_NOW,
	SOV_RAFT_MSG_READ_INDEX,
	SOV_RAFT_MSG_READ_INDEX_RESP,

	__SOV_RAFT_MSG_CNT
};

/* SOV_A_RAFT_ENTRY_TYPE (enum raft_entry_type) */
enum sov_raft_entry {
	SOV_RAFT_ENTRY_NORMAL,
	SOV_RAFT_ENTRY_CONF,

	__SOV_RAFT_ENTRY_CNT
};

/**
 * enum sov_a_raft - Raft messages between daemons (SOV_CMD_RAFT_HELLO/MSG)
 * @SOV_A_RAFT_PAD: alignment padding for u64 attributes (zero length)
 * @SOV_A_RAFT_CLUSTER_ID: string, HELLO only: 1-SOV_RAFT_CLUSTER_ID_MAX
 *	characters of [A-Za-z0-9._-]
 * @SOV_A_RAFT_TYPE: u8, enum sov_raft_msg; required in MSG
 * @SOV_A_RAFT_FROM: u64, the sender's node id (not 0); required
 * @SOV_A_RAFT_TO: u64, the receiver's node id (not 0); required
 * @SOV_A_RAFT_TERM: u64, the sender's term; required in MSG
 * @SOV_A_RAFT_INDEX: u64, meaning per type (raft.h); absent: 0
 * @SOV_A_RAFT_LOG_TERM: u64, term of the entry at INDEX; absent: 0
 * @SOV_A_RAFT_COMMIT: u64, the leader's commit index; absent: 0
 * @SOV_A_RAFT_REJECT: flag, the request was refused
 * @SOV_A_RAFT_HINT: u64, APPEND_RESP reject: the follower's last index
 * @SOV_A_RAFT_CTX: u64, read-index round or leadership transfer mark
 * @SOV_A_RAFT_ENTRY: nest, APPEND only, repeated, in log order: one entry
 *	of SOV_A_RAFT_ENTRY_TERM, _INDEX, _TYPE (required) and _DATA
 * @SOV_A_RAFT_ENTRY_TERM: u64, in ENTRY
 * @SOV_A_RAFT_ENTRY_INDEX: u64, in ENTRY
 * @SOV_A_RAFT_ENTRY_TYPE: u8, in ENTRY: enum sov_raft_entry
 * @SOV_A_RAFT_ENTRY_DATA: binary, in ENTRY: the entry's data, or its first
 *	piece; absent: empty
 * @SOV_A_RAFT_ENTRY_MORE: binary, APPEND only, repeated: the next piece of
 *	the data of the ENTRY before it (an entry longer than one attribute)
 * @SOV_A_RAFT_SNAP: nest, SNAPSHOT only (required there): the snapshot's
 *	SOV_A_RAFT_SNAP_INDEX, _TERM (required), _VOTER and _LEARNER
 * @SOV_A_RAFT_SNAP_INDEX: u64, in SNAP: the last index it covers
 * @SOV_A_RAFT_SNAP_TERM: u64, in SNAP: the term of that entry
 * @SOV_A_RAFT_SNAP_VOTER: u64, in SNAP, repeated: a voter's node id
 * @SOV_A_RAFT_SNAP_LEARNER: u64, in SNAP, repeated: a learner's node id
 * @SOV_A_RAFT_SNAP_OFFSET: u64, SNAPSHOT only: offset of this chunk
 * @SOV_A_RAFT_SNAP_TOTAL: u64, SNAPSHOT only: the snapshot's size in bytes
 * @SOV_A_RAFT_CHUNK: binary, SNAPSHOT only, repeated: the chunk's bytes,
 *	in pieces that are concatenated in order
 * @SOV_A_RAFT_TRACE: binary, any MSG, optional: the trace context of the
 *	work the message carries (sovereign_trace.h); at most
 *	SOV_RAFT_TRACE_MAX bytes; a malformed one is ignored by the receiver
 */
enum sov_a_raft {
	SOV_A_RAFT_UNSPEC,
	SOV_A_RAFT_PAD,
	SOV_A_RAFT_CLUSTER_ID,
	SOV_A_RAFT_TYPE,
	SOV_A_RAFT_FROM,
	SOV_A_RAFT_TO,
	SOV_A_RAFT_TERM,
	SOV_A_RAFT_INDEX,
	SOV_A_RAFT_LOG_TERM,
	SOV_A_RAFT_COMMIT,
	SOV_A_RAFT_REJECT,
	SOV_A_RAFT_HINT,
	SOV_A_RAFT_CTX,
	SOV_A_RAFT_ENTRY,
	SOV_A_RAFT_ENTRY_TERM,
	SOV_A_RAFT_ENTRY_INDEX,
	SOV_A_RAFT_ENTRY_TYPE,
	SOV_A_RAFT_ENTRY_DATA,
	SOV_A_RAFT_ENTRY_MORE,
	SOV_A_RAFT_SNAP,
	SOV_A_RAFT_SNAP_INDEX,
	SOV_A_RAFT_SNAP_TERM,
	SOV_A_RAFT_SNAP_VOTER,
	SOV_A_RAFT_SNAP_LEARNER,
	SOV_A_RAFT_SNAP_OFFSET,
	SOV_A_RAFT_SNAP_TOTAL,
	SOV_A_RAFT_CHUNK,
	SOV_A_RAFT_TRACE,

	__SOV_A_RAFT_CNT,
	SOV_A_RAFT_MAX = __SOV_A_RAFT_CNT - 1
};

/* SOV_A_CLUSTER_ROLE (enum raft_role) */
enum sov_raft_role {
	SOV_RAFT_ROLE_FOLLOWER,
	SOV_RAFT_ROLE_PRE_CANDIDATE,
	SOV_RAFT_ROLE_CANDIDATE,
	SOV_RAFT_ROLE_LEADER,
};

/* SOV_A_CLUSTER_PROGRESS: how the leader replicates to a member */
enum sov_raft_progress {
	SOV_RAFT_PROGRESS_PROBE,	/* one append at a time, finding the match */
	SOV_RAFT_PROGRESS_REPLICATE,	/* pipelined */
	SOV_RAFT_PROGRESS_SNAPSHOT,	/* receiving a snapshot */
};

/**
 * enum sov_a_cluster - a clustered daemon's Raft node (daemon socket)
 * @SOV_A_CLUSTER_PAD: alignment padding for u64 attributes
 * @SOV_A_CLUSTER_CLUSTER_ID: string, the cluster's name
 * @SOV_A_CLUSTER_NODE_ID: u64: this node (status); the node a request
 *	names; in NODE, the member
 * @SOV_A_CLUSTER_ROLE: u8, enum sov_raft_role
 * @SOV_A_CLUSTER_TERM: u64, the current term; in ELECTION, the term the
 *	leader was found in
 * @SOV_A_CLUSTER_VOTE: u64, voted for in the term (0: nobody)
 * @SOV_A_CLUSTER_LEADER: u64, the leader (0: none known); in ELECTION, the
 *	winner (0: still going on)
 * @SOV_A_CLUSTER_LEADER_ADDR: string, the leader's peer address
 * @SOV_A_CLUSTER_COMMIT: u64, the commit index
 * @SOV_A_CLUSTER_APPLIED: u64, the last index applied to the state
 * @SOV_A_CLUSTER_FIRST_INDEX: u64, the first entry in the log (after the
 *	snapshot)
 * @SOV_A_CLUSTER_LAST_INDEX: u64, the last entry in the log
 * @SOV_A_CLUSTER_SNAP_INDEX: u64, the last index the snapshot covers; in
 *	SNAPSHOT, that snapshot's
 * @SOV_A_CLUSTER_SNAP_TERM: u64, its term
 * @SOV_A_CLUSTER_TRANSFEREE: u64, leadership being handed to (0: none)
 * @SOV_A_CLUSTER_STORAGE_ERROR: string, present when the storage failed and
 *	the node stopped acknowledging: what failed
 * @SOV_A_CLUSTER_DATA_DIR: string, where the log and snapshots are
 * @SOV_A_CLUSTER_TICK_MS: u32, Raft's tick
 * @SOV_A_CLUSTER_ELECTION_TICKS: u32, the election timeout, in ticks
 * @SOV_A_CLUSTER_HEARTBEAT_TICKS: u32, the heartbeat interval, in ticks
 * @SOV_A_CLUSTER_SNAPSHOT_EVERY: u32, applied entries between snapshots
 * @SOV_A_CLUSTER_KEYS: u64, keys in the replicated configuration
 * @SOV_A_CLUSTER_READIES: u64, Readies processed
 * @SOV_A_CLUSTER_SYNCS: u64, of which were saved with an fsync
 * @SOV_A_CLUSTER_SYNCED_ENTRIES: u64, entries those fsyncs made durable
 * @SOV_A_CLUSTER_MAX_BATCH: u64, the most entries one fsync covered
 * @SOV_A_CLUSTER_PROPOSALS: u64, writes proposed on this node
 * @SOV_A_CLUSTER_READS: u64, linearizable reads started on this node
 * @SOV_A_CLUSTER_REFUSED_MSGS: u64, peer messages refused as malformed
 *	(each dropped its link)
 * @SOV_A_CLUSTER_NODE: nest, repeated: a member of the configuration:
 *	NODE_ID, ADDR, VOTER, SELF, the links' LINK_* counters, and on the
 *	leader MATCH, NEXT, PROGRESS, ACTIVE
 * @SOV_A_CLUSTER_ADDR: string, a node's peer address (in NODE; in
 *	ADD_NODE, where the new node listens)
 * @SOV_A_CLUSTER_VOTER: u8, in NODE: 1 voter, 0 learner
 * @SOV_A_CLUSTER_SELF: u8, in NODE: 1 for the node answering
 * @SOV_A_CLUSTER_MATCH: u64, in NODE (leader): known replicated up to
 * @SOV_A_CLUSTER_NEXT: u64, in NODE (leader): the next index to send
 * @SOV_A_CLUSTER_PROGRESS: u8, in NODE (leader): enum sov_raft_progress
 * @SOV_A_CLUSTER_ACTIVE: u8, in NODE (leader): heard from within an
 *	election timeout
 * @SOV_A_CLUSTER_LINK_OUT: u8, in NODE: the link this node dialed is up
 * @SOV_A_CLUSTER_LINK_IN: u8, in NODE: the link the member dialed is up
 * @SOV_A_CLUSTER_MSGS_OUT: u64, in NODE: messages sent to it
 * @SOV_A_CLUSTER_MSGS_IN: u64, in NODE: messages received from it
 * @SOV_A_CLUSTER_BYTES_OUT: u64, in NODE
 * @SOV_A_CLUSTER_BYTES_IN: u64, in NODE
 * @SOV_A_CLUSTER_DROPS: u64, in NODE: messages dropped (queue full, link
 *	lost)
 * @SOV_A_CLUSTER_CONNECTS: u64, in NODE: links that came up
 * @SOV_A_CLUSTER_LAST_ERROR: string, in NODE: why a link last went down
 * @SOV_A_CLUSTER_ELECTION: nest, repeated, oldest first: a time this node
 *	knew no leader (START_NS, END_NS, TERM, LEADER, CAMPAIGNS, CAMPAIGN_NS)
 * @SOV_A_CLUSTER_START_NS: u64, in ELECTION: when it began, CLOCK_REALTIME
 * @SOV_A_CLUSTER_END_NS: u64, in ELECTION: when a leader was known (0:
 *	still going on)
 * @SOV_A_CLUSTER_CAMPAIGNS: u32, in ELECTION: times this node stood
 * @SOV_A_CLUSTER_SNAPSHOT: nest, repeated, oldest first: a snapshot taken
 *	or received (TIME_NS, SNAP_INDEX, SNAP_TERM, BYTES, TOOK_NS, RECEIVED)
 * @SOV_A_CLUSTER_TIME_NS: u64, in SNAPSHOT: when, CLOCK_REALTIME
 * @SOV_A_CLUSTER_BYTES: u64, in SNAPSHOT: the state's size
 * @SOV_A_CLUSTER_TOOK_NS: u64, in SNAPSHOT: to write it, or to restore it
 * @SOV_A_CLUSTER_RECEIVED: u8, in SNAPSHOT: 1 sent by the leader
 * @SOV_A_CLUSTER_LEARNER: flag, ADD_NODE: add the node without a vote
 * @SOV_A_CLUSTER_KV_KEY: string, KV_PUT: the key, 1-SOV_KV_USER_KEY_MAX
 *	printable characters without spaces (stored as "kv/KEY")
 * @SOV_A_CLUSTER_KV_VALUE: binary, KV_PUT: the value, 0-SOV_KV_USER_VALUE_MAX
 *	bytes
 * @SOV_A_CLUSTER_CAMPAIGN_NS: u64, in ELECTION: when this node first stood
 *	(pre-vote included), CLOCK_REALTIME; absent if it did not
 */
enum sov_a_cluster {
	SOV_A_CLUSTER_UNSPEC,
	SOV_A_CLUSTER_PAD,
	SOV_A_CLUSTER_CLUSTER_ID,
	SOV_A_CLUSTER_NODE_ID,
	SOV_A_CLUSTER_ROLE,
	SOV_A_CLUSTER_TERM,
	SOV_A_CLUSTER_VOTE,
	SOV_A_CLUSTER_LEADER,
	SOV_A_CLUSTER_LEADER_ADDR,
	SOV_A_CLUSTER_COMMIT,
	SOV_A_CLUSTER_APPLIED,
	SOV_A_CLUSTER_FIRST_INDEX,
	SOV_A_CLUSTER_LAST_INDEX,
	SOV_A_CLUSTER_SNAP_INDEX,
	SOV_A_CLUSTER_SNAP_TERM,
	SOV_A_CLUSTER_TRANSFEREE,
	SOV_A_CLUSTER_STORAGE_ERROR,
	SOV_A_CLUSTER_DATA_DIR,
	SOV_A_CLUSTER_TICK_MS,
	SOV_A_CLUSTER_ELECTION_TICKS,
	SOV_A_CLUSTER_HEARTBEAT_TICKS,
	SOV_A_CLUSTER_SNAPSHOT_EVERY,
	SOV_A_CLUSTER_KEYS,
	SOV_A_CLUSTER_READIES,
	SOV_A_CLUSTER_SYNCS,
	SOV_A_CLUSTER_SYNCED_ENTRIES,
	SOV_A_CLUSTER_MAX_BATCH,
	SOV_A_CLUSTER_PROPOSALS,
	SOV_A_CLUSTER_READS,
	SOV_A_CLUSTER_REFUSED_MSGS,
	SOV_A_CLUSTER_NODE,
	SOV_A_CLUSTER_ADDR,
	SOV_A_CLUSTER_VOTER,
	SOV_A_CLUSTER_SELF,
	SOV_A_CLUSTER_MATCH,
	SOV_A_CLUSTER_NEXT,
	SOV_A_CLUSTER_PROGRESS,
	SOV_A_CLUSTER_ACTIVE,
	SOV_A_CLUSTER_LINK_OUT,
	SOV_A_CLUSTER_LINK_IN,
	SOV_A_CLUSTER_MSGS_OUT,
	SOV_A_CLUSTER_MSGS_IN,
	SOV_A_CLUSTER_BYTES_OUT,
	SOV_A_CLUSTER_BYTES_IN,
	SOV_A_CLUSTER_DROPS,
	SOV_A_CLUSTER_CONNECTS,
	SOV_A_CLUSTER_LAST_ERROR,
	SOV_A_CLUSTER_ELECTION,
	SOV_A_CLUSTER_START_NS,
	SOV_A_CLUSTER_END_NS,
	SOV_A_CLUSTER_CAMPAIGNS,
	SOV_A_CLUSTER_SNAPSHOT,
	SOV_A_CLUSTER_TIME_NS,
	SOV_A_CLUSTER_BYTES,
	SOV_A_CLUSTER_TOOK_NS,
	SOV_A_CLUSTER_RECEIVED,
	SOV_A_CLUSTER_LEARNER,
	SOV_A_CLUSTER_KV_KEY,
	SOV_A_CLUSTER_KV_VALUE,
	SOV_A_CLUSTER_CAMPAIGN_NS,

	__SOV_A_CLUSTER_CNT,
	SOV_A_CLUSTER_MAX = __SOV_A_CLUSTER_CNT - 1
};

/* Each subsystem's constants and attributes live in a header of its own. */
#include "sovereign_mc.h"
#include "sovereign_prof.h"
#include "sovereign_trace.h"
#include "sovereign_netio.h"

#endif /* _UAPI_LINUX_SOVEREIGN_H */
