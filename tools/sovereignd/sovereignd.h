/* SPDX-License-Identifier: GPL-2.0 */
/* sovereignd's state, shared by its parts. */
#ifndef SOVEREIGND_H
#define SOVEREIGND_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "../../lib/nl/nl.h"
#include "../../uapi/linux/sovereign.h"
#include "tracing.h"

struct sovd_bpf;
struct sovd_lb;
struct sovd_client;
struct sovd_cluster;
struct sovd_prof;
struct sovd_trace;

#define SOVD_PROFILE_DIR	"/var/lib/sovereign/profiles"

struct sovd {
	uv_loop_t *loop;
	uint64_t start_ns;
	const char *ctl_path;
	uint64_t requests;

	/* control socket */
	uv_pipe_t server;
	unsigned int nclients;
	struct sovd_client *clients;	/* every open connection */
	unsigned int nsubscribers;	/* of which SOV_CMD_LB_MONITOR made subscribers */

	/* module link: one socket for requests, one for notifications */
	struct sov_genl req;
	struct sov_genl mon;
	uv_poll_t mon_poll;
	uint32_t events_grp;
	enum sov_module_state module_state;
	uint64_t module_events;
	uint32_t module_changes;

	/* PSI memory pressure, reported to the module (psi.c); psi_fd -1: off */
	int psi_fd;
	uv_poll_t psi_poll;
	uint64_t psi_events, psi_reported;
	bool psi_unsent_logged;

	/* BPF */
	bool bpf_enabled;
	char bpf_pin_path[256];
	uint32_t bpf_progs;
	struct sovd_bpf *bpf;
	struct sovd_lb *lb;

	/* continuous profile (profile.c): prof_hz 0 is off */
	uint32_t prof_hz, prof_window_s, prof_keep;
	const char *prof_dir;
	struct sovd_prof *prof;

	/* tracing (tracing.c): NULL when off */
	struct sovd_trace_opts trace_opts;
	struct sovd_trace *trace;

	/* Raft and the replicated configuration; NULL when not clustered */
	struct sovd_cluster *cluster;

	uv_signal_t sigint, sigterm;
};

uint64_t sovd_now_ns(void);

int sovd_ctl_start(struct sovd *d);
void sovd_ctl_stop(struct sovd *d);

int sovd_module_start(struct sovd *d);
void sovd_module_stop(struct sovd *d);

/* psi.c: never fails; without PSI it logs once and does nothing */
void sovd_psi_start(struct sovd *d);
void sovd_psi_stop(struct sovd *d);

/* profile.c: never fails; problems are logged and retried every window */
void sovd_profile_start(struct sovd *d);
void sovd_profile_stop(struct sovd *d);

int sovd_bpf_start(struct sovd *d);
void sovd_bpf_stop(struct sovd *d);

/* ctl_server.c: queue @len bytes to a client */
void sovd_client_send(struct sovd_client *c, const void *buf, size_t len);
/*
 * ctl_server.c: queue a notification to every subscriber. One that has more
 * than SOVD_SUBSCRIBER_BACKLOG bytes unread is disconnected instead, logged:
 * a reader that stalls costs the daemon neither time nor unbounded memory.
 */
#define SOVD_SUBSCRIBER_BACKLOG (64 * 1024)
void sovd_ctl_notify(struct sovd *d, const struct nlmsghdr *nlh);

/* lb.c: the XDP load balancer's control */
int sovd_lb_start(struct sovd *d);
void sovd_lb_stop(struct sovd *d);
bool sovd_lb_serves(uint8_t cmd);
/*
 * Serve one request: 0 = done (the caller acks), 1 = a dump that sent its
 * own NLMSG_DONE, <0 = refused, with @msg saying why.
 */
int sovd_lb_request(struct sovd *d, struct sovd_client *c, const struct nlmsghdr *nlh,
		    char *msg, size_t msglen);

#endif
