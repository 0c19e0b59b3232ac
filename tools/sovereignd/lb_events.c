// SPDX-License-Identifier: GPL-2.0
/*
 * The load balancer's events, SOV_CMD_LB_EVENT_NTF, pushed to the control
 * socket's subscribers (`sovctl lb monitor`): health transitions, a service
 * left with no live backend and its recovery, configuration changes, attach
 * and detach. Messages are built only when someone listens; the live-backend
 * bookkeeping runs regardless, since it also writes the log lines operators
 * alert on.
 */
#include <arpa/inet.h>
#include <time.h>

#include "lb.h"
#include "log.h"

/* a reason longer than this is cut: it is a log line, not data */
#define REASON_MAX	200

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint32_t health_attr(enum sov_health_state st)
{
	return st == SOV_HEALTH_UP ? SOV_LB_HEALTH_UP :
	       st == SOV_HEALTH_DOWN ? SOV_LB_HEALTH_DOWN : SOV_LB_HEALTH_UNKNOWN;
}

unsigned int sovd_lb_live_count(const struct sov_lb_service *svc)
{
	unsigned int i, live = 0;

	for (i = 0; i < LB_MAX_BACKENDS; i++)
		live += svc->be[i].used && sov_lb_backend_serving(svc, &svc->be[i]);
	return live;
}

void sovd_lb_emit(struct sovd_lb *lb, const struct sovd_lb_event *ev)
{
	unsigned char buf[1024];
	const struct sov_lb_vip *vip = ev->svc ? &ev->svc->vip : ev->vip;
	const struct sov_lb_settings *s = ev->svc ? &ev->svc->set : NULL;
	struct nlmsghdr *nlh;
	char reason[REASON_MAX + 1];

	if (!lb->d->nsubscribers)
		return;
	nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_LB_EVENT_NTF, SOV_GENL_VERSION,
			     0, 0);
	mnl_attr_put_u32(nlh, SOV_A_LB_EVENT_KIND, ev->kind);
	mnl_attr_put_u64(nlh, SOV_A_LB_EVENT_TIME_NS, realtime_ns());
	if (vip) {
		mnl_attr_put(nlh, SOV_A_LB_VIP_ADDR, vip->family == AF_INET ? 4 : 16, vip->addr);
		mnl_attr_put_u16(nlh, SOV_A_LB_VIP_PORT, vip->port);
		mnl_attr_put_u8(nlh, SOV_A_LB_PROTO, vip->proto);
		/* a removed service has none left */
		mnl_attr_put_u32(nlh, SOV_A_LB_EVENT_LIVE,
				 ev->svc ? sovd_lb_live_count(ev->svc) : 0);
	}
	if (ev->be && vip) {
		mnl_attr_put(nlh, SOV_A_LB_BE_ADDR, vip->family == AF_INET ? 4 : 16, ev->be->addr);
		/* where the backend is reached: its own port in nat mode, else the VIP's */
		mnl_attr_put_u16(nlh, SOV_A_LB_BE_PORT, ev->be->port ? ev->be->port : vip->port);
		mnl_attr_put_u32(nlh, SOV_A_LB_BE_WEIGHT, ev->be->weight);
	}
	switch (ev->kind) {
	case SOV_LB_EVENT_BACKEND_UP:
	case SOV_LB_EVENT_BACKEND_DOWN: {
		struct sov_health_event last;

		if (ev->be && sov_health_history(&ev->be->health, &last, 1) == 1) {
			mnl_attr_put_u32(nlh, SOV_A_LB_HC_EVENT_FROM, health_attr(last.from));
			mnl_attr_put_u32(nlh, SOV_A_LB_HC_EVENT_TO, health_attr(last.to));
		}
		if (s)
			mnl_attr_put_u32(nlh, SOV_A_LB_HC_TYPE, s->hc_type);
		break;
	}
	case SOV_LB_EVENT_SERVICE_ADDED:
	case SOV_LB_EVENT_SERVICE_CHANGED:
		if (s) {
			mnl_attr_put_u32(nlh, SOV_A_LB_POLICY, s->policy);
			mnl_attr_put_u32(nlh, SOV_A_LB_MODE, s->mode);
			mnl_attr_put_u32(nlh, SOV_A_LB_FALLBACK, s->fallback);
			mnl_attr_put_u32(nlh, SOV_A_LB_HC_TYPE, s->hc_type);
		}
		break;
	case SOV_LB_EVENT_SERVICE_NO_BACKEND:
		if (s)
			mnl_attr_put_u32(nlh, SOV_A_LB_FALLBACK, s->fallback);
		break;
	case SOV_LB_EVENT_ATTACHED:
	case SOV_LB_EVENT_DETACHED:
		mnl_attr_put_strz(nlh, SOV_A_LB_IFNAME, ev->ifname ? ev->ifname : "");
		mnl_attr_put_u32(nlh, SOV_A_LB_IFINDEX, (uint32_t)ev->ifindex);
		if (ev->kind == SOV_LB_EVENT_ATTACHED)
			mnl_attr_put_u32(nlh, SOV_A_LB_XDP_MODE, ev->xdp_mode);
		break;
	}
	if (ev->reason) {
		snprintf(reason, sizeof(reason), "%s", ev->reason);
		mnl_attr_put_strz(nlh, SOV_A_LB_EVENT_REASON, reason);
	}
	sovd_ctl_notify(lb->d, nlh);
}

/* Backends whose first checks are still out: a new service is not judged yet. */
static bool awaiting_checks(const struct sov_lb_service *svc)
{
	unsigned int i;

	if (svc->set.hc_type == SOV_LB_HC_NONE)
		return false;
	for (i = 0; i < LB_MAX_BACKENDS; i++)
		if (svc->be[i].used && svc->be[i].health.state == SOV_HEALTH_UNKNOWN)
			return true;
	return false;
}

static bool has_backends(const struct sov_lb_service *svc)
{
	unsigned int i;

	for (i = 0; i < LB_MAX_BACKENDS; i++)
		if (svc->be[i].used)
			return true;
	return false;
}

/*
 * A new service starts PENDING: having no backend yet, or backends still
 * waiting for their first checks, is how every service begins and not worth
 * an alert. From then on every change between "some live" and "none" is
 * one event, and a change of fallback while none is live is another.
 */
void sovd_lb_live_check(struct sovd_lb *lb, const struct sov_lb_service *svc)
{
	enum sovd_lb_live *st;
	unsigned int live;
	char v[96];

	if (!svc || !svc->used)
		return;
	st = &lb->live[svc->index];
	live = sovd_lb_live_count(svc);
	sov_lb_vip_format(&svc->vip, v, sizeof(v));
	if (live) {
		if (*st == SOVD_LB_LIVE_NONE) {
			log_notice("lb: service %s has %u live backend%s again", v, live,
				   live == 1 ? "" : "s");
			sovd_lb_emit(lb, &(struct sovd_lb_event){
				.kind = SOV_LB_EVENT_SERVICE_RECOVERED, .svc = svc });
		}
		*st = SOVD_LB_LIVE_SOME;
		return;
	}
	if (*st == SOVD_LB_LIVE_NONE && lb->none_fallback[svc->index] == svc->set.fallback)
		return;
	if (*st == SOVD_LB_LIVE_PENDING && (!has_backends(svc) || awaiting_checks(svc)))
		return;
	*st = SOVD_LB_LIVE_NONE;
	lb->none_fallback[svc->index] = svc->set.fallback;
	/* the event operators alert on */
	log_warn("lb: service %s has no live backend: new flows are %s", v,
		 svc->set.fallback == SOV_LB_FALLBACK_PASS ? "passed to the stack" : "dropped");
	sovd_lb_emit(lb, &(struct sovd_lb_event){
		.kind = SOV_LB_EVENT_SERVICE_NO_BACKEND, .svc = svc });
}
