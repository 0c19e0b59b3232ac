/* SPDX-License-Identifier: GPL-2.0 */
/* sovereignd's load balancer: state shared by lb.c and lb_health.c. */
#ifndef SOVD_LB_H
#define SOVD_LB_H

#include "../../lib/lb/service.h"
#include "sovereignd.h"

struct lb;
struct sovd_hc_slot;
struct bpf_object;

#define LB_RATE_WINDOW 10	/* seconds over which rates are averaged */
#define LB_SWEEP_PERIOD_S 2	/* seconds between connection-table sweeps */

struct sovd_lb {
	struct sovd *d;
	struct lb *skel;
	struct sov_lb model;
	struct sov_lb_maps maps;
	int fd[SOV_LB_MAP_ACTIVE + 1];
	int ifindex;
	uint32_t xdp_flags;
	char pin_dir[300];
	/* policy custom: the user's object per service, kept while installed */
	struct bpf_object *custom_obj[LB_MAX_SERVICES];
	/* one health checker per backend slot; NULL when not checked */
	struct sovd_hc_slot *hc[LB_MAX_SERVICES][LB_MAX_BACKENDS];
	/* new-flow totals per backend, sampled every second, for rates */
	uv_timer_t rate_timer;
	bool rate_timer_on;
	unsigned int rate_pos, rate_n;
	uint64_t rate_hist[LB_RATE_WINDOW + 1][LB_MAX_SERVICES * LB_MAX_BACKENDS];
	/* lb_conns housekeeping (lb_conns.c), from the rate timer */
	unsigned int ticks;
	uint64_t sweeps, swept_expired;
	/* per service: what the events last said of its live backends */
	enum sovd_lb_live {
		SOVD_LB_LIVE_PENDING,	/* new: nothing said yet */
		SOVD_LB_LIVE_SOME,
		SOVD_LB_LIVE_NONE,	/* SERVICE_NO_BACKEND sent */
	} live[LB_MAX_SERVICES];
	uint32_t none_fallback[LB_MAX_SERVICES];	/* the fallback it named */
};

/* lb.c: stop timers and checks so the loop can end */
void sovd_lb_quiesce(struct sovd_lb *lb);

/* lb.c, for the cluster (lb_cluster.c) */
/* Parse a request's attributes as sovd_lb_request() does. */
int sovd_lb_parse(const struct nlmsghdr *nlh, const struct nlattr **tb, char *msg,
		  size_t msglen);
/* The services dump answering @req (its replies, then NLMSG_DONE). */
int sovd_lb_dump(struct sovd_lb *lb, struct sovd_client *c, const struct nlmsghdr *req);
/*
 * Judge change @cmd as sovd_lb_request() would, on a copy of the model and
 * writing no map: the same refusals, nothing changed. @after (may be NULL)
 * gets the service as the change leaves it (used false: gone; vip set).
 */
int sovd_lb_check(struct sovd_lb *lb, uint8_t cmd, const struct nlattr **tb,
		  struct sov_lb_service *after, char *msg, size_t msglen);
/* A service's settings as the attributes that recreate them. */
void sovd_lb_put_settings(struct nlmsghdr *nlh, const struct sov_lb_settings *s);

/* lb_attach.c: SOV_CMD_LB_ATTACH and SOV_CMD_LB_DETACH */
int sovd_lb_attach(struct sovd_lb *lb, const struct nlattr **tb, char *msg, size_t msglen);
int sovd_lb_detach(struct sovd_lb *lb, char *msg, size_t msglen);

/* lb_conns.c: expire idle flows, recount open connections per backend */
void sovd_lb_conns_sweep(struct sovd_lb *lb);

/* lb_health.c */
void sovd_lb_health_sync(struct sovd_lb *lb, struct sov_lb_service *svc);
void sovd_lb_health_stop_all(struct sovd_lb *lb);
/* lb.c: a backend's health changed: re-render its service */
void sovd_lb_recommit(struct sovd_lb *lb, struct sov_lb_service *svc, const char *why);

/* lb_events.c: SOV_CMD_LB_EVENT_NTF to the control socket's subscribers */
struct sovd_lb_event {
	uint32_t kind;				/* enum sov_lb_event */
	const struct sov_lb_service *svc;	/* service and backend events */
	const struct sov_lb_vip *vip;		/* else this VIP (a removed service) */
	const struct sov_lb_backend *be;	/* backend events */
	const char *reason;			/* BACKEND_DOWN */
	const char *ifname;			/* ATTACHED, DETACHED */
	int ifindex;
	uint32_t xdp_mode;
};
void sovd_lb_emit(struct sovd_lb *lb, const struct sovd_lb_event *ev);
/* Backends of @svc taking new flows. */
unsigned int sovd_lb_live_count(const struct sov_lb_service *svc);
/*
 * After any change to @svc: SERVICE_NO_BACKEND when it is left without a
 * live backend, SERVICE_RECOVERED when it has some again (logged too).
 */
void sovd_lb_live_check(struct sovd_lb *lb, const struct sov_lb_service *svc);

#endif
