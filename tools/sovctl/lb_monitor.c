// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl lb monitor: the load balancer's events as sovereignd pushes them
 * (SOV_CMD_LB_MONITOR, then SOV_CMD_LB_EVENT_NTF), one line each until
 * interrupted, like `ip monitor`; with -j one JSON object per line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "../../lib/lb/service.h"
#include "lb.h"
#include "print.h"
#include "sovctl.h"

static const char *const event_names[] = {
	[SOV_LB_EVENT_BACKEND_UP] = "backend-up",
	[SOV_LB_EVENT_BACKEND_DOWN] = "backend-down",
	[SOV_LB_EVENT_SERVICE_NO_BACKEND] = "service-no-backend",
	[SOV_LB_EVENT_SERVICE_RECOVERED] = "service-recovered",
	[SOV_LB_EVENT_SERVICE_ADDED] = "service-added",
	[SOV_LB_EVENT_SERVICE_REMOVED] = "service-removed",
	[SOV_LB_EVENT_SERVICE_CHANGED] = "service-changed",
	[SOV_LB_EVENT_BACKEND_ADDED] = "backend-added",
	[SOV_LB_EVENT_BACKEND_REMOVED] = "backend-removed",
	[SOV_LB_EVENT_BACKEND_CHANGED] = "backend-changed",
	[SOV_LB_EVENT_ATTACHED] = "attached",
	[SOV_LB_EVENT_DETACHED] = "detached",
};

static const enum mnl_attr_data_type event_types[SOV_A_LB_MAX + 1] = {
	[SOV_A_LB_EVENT_KIND] = MNL_TYPE_U32, [SOV_A_LB_EVENT_TIME_NS] = MNL_TYPE_U64,
	[SOV_A_LB_EVENT_REASON] = MNL_TYPE_NUL_STRING, [SOV_A_LB_EVENT_LIVE] = MNL_TYPE_U32,
	[SOV_A_LB_VIP_ADDR] = MNL_TYPE_BINARY, [SOV_A_LB_VIP_PORT] = MNL_TYPE_U16,
	[SOV_A_LB_PROTO] = MNL_TYPE_U8, [SOV_A_LB_BE_ADDR] = MNL_TYPE_BINARY,
	[SOV_A_LB_BE_PORT] = MNL_TYPE_U16, [SOV_A_LB_BE_WEIGHT] = MNL_TYPE_U32,
	[SOV_A_LB_POLICY] = MNL_TYPE_U32, [SOV_A_LB_MODE] = MNL_TYPE_U32,
	[SOV_A_LB_FALLBACK] = MNL_TYPE_U32, [SOV_A_LB_HC_TYPE] = MNL_TYPE_U32,
	[SOV_A_LB_HC_EVENT_FROM] = MNL_TYPE_U32, [SOV_A_LB_HC_EVENT_TO] = MNL_TYPE_U32,
	[SOV_A_LB_IFNAME] = MNL_TYPE_NUL_STRING, [SOV_A_LB_IFINDEX] = MNL_TYPE_U32,
	[SOV_A_LB_XDP_MODE] = MNL_TYPE_U32,
};

/* "2026-11-25T16:02:11.123Z": UTC, so lines compare across hosts */
const char *lb_event_time(uint64_t ns, char *buf, size_t size)
{
	time_t sec = (time_t)(ns / 1000000000ULL);
	struct tm tm;
	size_t n = 0;

	if (gmtime_r(&sec, &tm))
		n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!n) {
		snprintf(buf, size, "%llu", (unsigned long long)ns);
		return buf;
	}
	snprintf(buf + n, size - n, ".%03uZ", (unsigned int)(ns / 1000000ULL % 1000));
	return buf;
}

const char *lb_event_name(uint32_t kind)
{
	return kind < sizeof(event_names) / sizeof(event_names[0]) ? event_names[kind] : NULL;
}

static uint32_t u32_or(const struct nlattr *a, uint32_t def)
{
	return a ? mnl_attr_get_u32(a) : def;
}

static const char *health_word(uint32_t h)
{
	return h == SOV_LB_HEALTH_UP ? "up" : h == SOV_LB_HEALTH_DOWN ? "down" : "unknown";
}

/* The service as sovctl names it: "10.0.0.100:80/tcp", "[fd00::1]:53/udp". */
static bool vip_of(const struct nlattr **tb, struct sov_lb_vip *vip)
{
	uint16_t len;

	memset(vip, 0, sizeof(*vip));
	if (!tb[SOV_A_LB_VIP_ADDR] || !tb[SOV_A_LB_VIP_PORT] || !tb[SOV_A_LB_PROTO])
		return false;
	len = mnl_attr_get_payload_len(tb[SOV_A_LB_VIP_ADDR]);
	if (len != 4 && len != 16)
		return false;
	vip->family = len == 4 ? AF_INET : AF_INET6;
	memcpy(vip->addr, mnl_attr_get_payload(tb[SOV_A_LB_VIP_ADDR]), len);
	vip->port = mnl_attr_get_u16(tb[SOV_A_LB_VIP_PORT]);
	vip->proto = mnl_attr_get_u8(tb[SOV_A_LB_PROTO]);
	return true;
}

static void print_backend(const struct nlattr **tb, int family)
{
	const struct nlattr *a = tb[SOV_A_LB_BE_ADDR];
	char addr[INET6_ADDRSTRLEN], text[INET6_ADDRSTRLEN + 16];
	uint16_t port = tb[SOV_A_LB_BE_PORT] ? mnl_attr_get_u16(tb[SOV_A_LB_BE_PORT]) : 0;

	if (!a || mnl_attr_get_payload_len(a) != (family == AF_INET ? 4 : 16) ||
	    !inet_ntop(family, mnl_attr_get_payload(a), addr, sizeof(addr)))
		return;
	snprintf(text, sizeof(text), family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr,
		 (unsigned int)port);
	print_string("backend", NULL, addr);
	print_u64("backend_port", NULL, port);
	print_text(" backend %s", text);
}

/* ": policy maglev, mode encap, fallback drop, health tcp" */
static void print_settings(const struct nlattr **tb)
{
	uint32_t policy = u32_or(tb[SOV_A_LB_POLICY], 0), mode = u32_or(tb[SOV_A_LB_MODE], 0);
	uint32_t fallback = u32_or(tb[SOV_A_LB_FALLBACK], 0), hc = u32_or(tb[SOV_A_LB_HC_TYPE], 0);

	if (!tb[SOV_A_LB_POLICY])
		return;
	print_string("policy", ": policy %s", sov_lb_policy_name(policy));
	print_string("mode", ", mode %s", mode == SOV_LB_MODE_NAT ? "nat" : "encap");
	print_string("fallback", ", fallback %s",
		     fallback == SOV_LB_FALLBACK_PASS ? "pass" : "drop");
	print_string("health_check", ", health %s", sov_lb_hc_type_name(hc));
}

int lb_event_print(const struct nlmsghdr *nlh, bool json, FILE *out)
{
	const struct genlmsghdr *gh = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[SOV_A_LB_MAX + 1];
	char when[64], other[32], v[96];
	struct sov_lb_vip vip;
	const char *name;
	uint32_t kind, n;
	bool has_vip;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*gh) || gh->cmd != SOV_CMD_LB_EVENT_NTF)
		return -1;
	/* a newer daemon may send more: what this build knows is printed */
	sov_nl_parse_known(nlh, tb, SOV_A_LB_MAX, event_types);
	if (!tb[SOV_A_LB_EVENT_KIND])
		return -1;
	kind = mnl_attr_get_u32(tb[SOV_A_LB_EVENT_KIND]);
	name = lb_event_name(kind);
	if (!name) {
		snprintf(other, sizeof(other), "event-%u", kind);
		name = other;
	}
	has_vip = vip_of(tb, &vip);

	print_begin(json, false, out);
	lb_event_time(tb[SOV_A_LB_EVENT_TIME_NS] ? mnl_attr_get_u64(tb[SOV_A_LB_EVENT_TIME_NS]) : 0,
		      when, sizeof(when));
	print_string("time", "%s", when);
	if (tb[SOV_A_LB_EVENT_TIME_NS])
		print_u64("time_ns", NULL, mnl_attr_get_u64(tb[SOV_A_LB_EVENT_TIME_NS]));
	print_string("event", " %s", name);
	if (has_vip)
		print_string("service", " %s", sov_lb_vip_format(&vip, v, sizeof(v)));
	if (has_vip)
		print_backend(tb, vip.family);
	if (tb[SOV_A_LB_EVENT_LIVE])
		print_u64("live", NULL, mnl_attr_get_u32(tb[SOV_A_LB_EVENT_LIVE]));
	if (tb[SOV_A_LB_HC_TYPE] && (kind == SOV_LB_EVENT_BACKEND_UP ||
				     kind == SOV_LB_EVENT_BACKEND_DOWN))
		print_string("health_check", NULL,
			     sov_lb_hc_type_name(mnl_attr_get_u32(tb[SOV_A_LB_HC_TYPE])));
	if (tb[SOV_A_LB_HC_EVENT_FROM])
		print_string("from", NULL, health_word(u32_or(tb[SOV_A_LB_HC_EVENT_FROM], 0)));
	if (tb[SOV_A_LB_HC_EVENT_TO])
		print_string("to", NULL, health_word(u32_or(tb[SOV_A_LB_HC_EVENT_TO], 0)));

	switch (kind) {
	case SOV_LB_EVENT_SERVICE_NO_BACKEND:
		if (u32_or(tb[SOV_A_LB_FALLBACK], 0) == SOV_LB_FALLBACK_PASS)
			print_string("fallback", ": new flows passed to the stack (fallback %s)",
				     "pass");
		else
			print_string("fallback", ": new flows dropped (fallback %s)", "drop");
		break;
	case SOV_LB_EVENT_SERVICE_RECOVERED:
		n = u32_or(tb[SOV_A_LB_EVENT_LIVE], 0);
		print_text(": %u live backend%s", n, n == 1 ? "" : "s");
		break;
	case SOV_LB_EVENT_SERVICE_ADDED:
	case SOV_LB_EVENT_SERVICE_CHANGED:
		print_settings(tb);
		break;
	case SOV_LB_EVENT_BACKEND_ADDED:
	case SOV_LB_EVENT_BACKEND_CHANGED:
		if (tb[SOV_A_LB_BE_WEIGHT])
			print_u64("weight", ": weight %llu", u32_or(tb[SOV_A_LB_BE_WEIGHT], 0));
		break;
	case SOV_LB_EVENT_ATTACHED:
	case SOV_LB_EVENT_DETACHED:
		if (tb[SOV_A_LB_IFNAME])
			print_string("dev", " dev %s", mnl_attr_get_str(tb[SOV_A_LB_IFNAME]));
		if (tb[SOV_A_LB_IFINDEX])
			print_u64("ifindex", NULL, mnl_attr_get_u32(tb[SOV_A_LB_IFINDEX]));
		if (tb[SOV_A_LB_XDP_MODE])
			print_string("xdp_mode", " (%s XDP)",
				     mnl_attr_get_u32(tb[SOV_A_LB_XDP_MODE]) == SOV_LB_XDP_GENERIC ?
				     "generic" : "native");
		break;
	}
	/* the reason ends the line: it may hold any words, colons included */
	if (tb[SOV_A_LB_EVENT_REASON])
		print_string("reason", ": %s", mnl_attr_get_str(tb[SOV_A_LB_EVENT_REASON]));
	print_text("\n");
	print_end();
	return 0;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	lb_event_print(nlh, sovctl.json, stdout);
	return MNL_CB_OK;
}

/* Print what sovereignd pushes until SIGINT or SIGTERM, or until it hangs up. */
int lb_monitor(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned char buf[64];
	struct nlmsghdr *nlh;
	struct sov_nl_err err;
	struct sov_ctl *c;
	int ret = EXIT_OK;

	if (argc > 0)
		return usage_error("'lb monitor' takes no arguments, got \"%s\"", argv[0]);
	c = malloc(sizeof(*c));
	if (!c)
		return op_error("out of memory");
	if (daemon_open(c, false, NULL)) {
		free(c);
		return EXIT_FAIL;
	}
	nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_LB_MONITOR, SOV_GENL_VERSION, 0, 0);
	if (sov_ctl_transact(c, nlh, NULL, NULL, &err)) {
		sov_ctl_close(c);
		free(c);
		return report_nl_error("lb monitor", &err, NULL, 0);
	}
	verbose("subscribed to sovereignd's load balancer events on %s", sovctl.ctl_path);
	stop = 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!stop) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		ssize_t flen, n;

		/* the ack's read may have brought events along: those first */
		while ((flen = sov_frame_len(c->rx, c->rxlen)) > 0) {
			sov_nl_process(c->rx, (size_t)flen, 0, NULL, event_cb, NULL, &err);
			memmove(c->rx, c->rx + flen, c->rxlen - (size_t)flen);
			c->rxlen -= (size_t)flen;
		}
		if (flen < 0) {
			ret = op_error("malformed frame from sovereignd");
			break;
		}
		if (poll(&pfd, 1, 500) <= 0)
			continue;
		n = recv(c->fd, c->rx + c->rxlen, sizeof(c->rx) - c->rxlen, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = op_error("sovereignd closed the connection: it stopped, or this monitor read too slowly and was dropped (see its log)");
			break;
		}
		c->rxlen += (size_t)n;
	}
	sov_ctl_close(c);
	free(c);
	return ret;
}
