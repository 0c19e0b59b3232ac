// SPDX-License-Identifier: GPL-2.0
/* The load balancer's desired state, validated, rendered into the BPF maps. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../../uapi/linux/sovereign.h"
#include "maglev.h"
#include "service.h"
#include "weight.h"

static int fail(char *err, size_t len, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t len, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static const char *const policy_names[] = {
	[SOV_LB_POLICY_MAGLEV] = "maglev",
	[SOV_LB_POLICY_ROUND_ROBIN] = "round-robin",
	[SOV_LB_POLICY_WEIGHTED] = "weighted",
	[SOV_LB_POLICY_LEAST_CONN] = "least-conn",
	[SOV_LB_POLICY_IP_HASH] = "ip-hash",
	[SOV_LB_POLICY_CUSTOM] = "custom",
};

#define NNAMES(t) (sizeof(t) / sizeof((t)[0]))

/* @names[i], or "unknown" past the table's end. */
static const char *name_of(const char *const *names, uint32_t n, uint32_t i)
{
	return i < n ? names[i] : "unknown";
}

/* The index of @s in @names, or -EINVAL. */
static int name_parse(const char *const *names, uint32_t n, const char *s, uint32_t *out)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i])) {
			*out = i;
			return 0;
		}
	return -EINVAL;
}

const char *sov_lb_policy_name(uint32_t policy)
{
	return name_of(policy_names, NNAMES(policy_names), policy);
}

int sov_lb_policy_parse(const char *s, uint32_t *policy)
{
	return name_parse(policy_names, NNAMES(policy_names), s, policy);
}

static const char *const hc_type_names[] = {
	[SOV_LB_HC_NONE] = "none",
	[SOV_LB_HC_TCP] = "tcp",
	[SOV_LB_HC_HTTP] = "http",
	[SOV_LB_HC_UDP] = "udp",
	[SOV_LB_HC_ICMP] = "icmp",
};

const char *sov_lb_hc_type_name(uint32_t type)
{
	return name_of(hc_type_names, NNAMES(hc_type_names), type);
}

int sov_lb_hc_type_parse(const char *s, uint32_t *type)
{
	return name_parse(hc_type_names, NNAMES(hc_type_names), s, type);
}

/* ---- addresses ----------------------------------------------------------- */

static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	long v;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	v = strtol(s, &end, 10);
	if (*end || v < 1 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* "ADDR", "ADDR:PORT", "[ADDR6]" or "[ADDR6]:PORT"; @port NULL: no port allowed */
static int split_addr(const char *s, int *family, uint8_t addr[16], uint16_t *port,
		      char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = NULL;
	size_t hl;

	memset(addr, 0, 16);
	if (port)
		*port = 0;
	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close)
			return fail(err, errlen, -EINVAL, "\"%s\": missing ']' after the IPv6 address", s);
		hl = (size_t)(close - s - 1);
		if (hl >= sizeof(host))
			return fail(err, errlen, -EINVAL, "\"%s\": not an address", s);
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		if (close[1] == ':')
			colon = close + 1;
		else if (close[1])
			return fail(err, errlen, -EINVAL, "\"%s\": expected ':PORT' after ']'", s);
		if (inet_pton(AF_INET6, host, addr) != 1)
			return fail(err, errlen, -EINVAL, "\"%s\" is not an IPv6 address", host);
		*family = AF_INET6;
	} else {
		colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL;	/* a bare IPv6 address */
		hl = colon ? (size_t)(colon - s) : strlen(s);
		if (hl >= sizeof(host))
			return fail(err, errlen, -EINVAL, "\"%s\": not an address", s);
		memcpy(host, s, hl);
		host[hl] = '\0';
		if (inet_pton(AF_INET, host, addr) == 1)
			*family = AF_INET;
		else if (!colon && inet_pton(AF_INET6, host, addr) == 1)
			*family = AF_INET6;
		else
			return fail(err, errlen, -EINVAL,
				    "\"%s\" is not an IPv4 or IPv6 address (IPv6 with a port: [ADDR]:PORT)",
				    host);
	}
	if (!colon)
		return 0;
	if (!port)
		return fail(err, errlen, -EINVAL, "\"%s\": no port expected here", s);
	if (parse_port(colon + 1, port))
		return fail(err, errlen, -EINVAL, "port \"%s\" out of range: expected 1-65535",
			    colon + 1);
	return 0;
}

int sov_lb_addr_parse(const char *s, int *family, uint8_t addr[16], uint16_t *port,
		      char *err, size_t errlen)
{
	return split_addr(s, family, addr, port, err, errlen);
}

int sov_lb_vip_parse(const char *s, struct sov_lb_vip *vip, char *err, size_t errlen)
{
	const char *slash = strrchr(s, '/');
	char hostport[96];
	size_t n;
	int ret;

	memset(vip, 0, sizeof(*vip));
	if (!slash)
		return fail(err, errlen, -EINVAL,
			    "service \"%s\": expected ADDR:PORT/tcp or ADDR:PORT/udp", s);
	if (!strcmp(slash + 1, "tcp"))
		vip->proto = IPPROTO_TCP;
	else if (!strcmp(slash + 1, "udp"))
		vip->proto = IPPROTO_UDP;
	else
		return fail(err, errlen, -EINVAL,
			    "protocol \"%s\" unknown: expected tcp or udp", slash + 1);
	n = (size_t)(slash - s);
	if (n >= sizeof(hostport))
		return fail(err, errlen, -EINVAL, "service \"%s\": too long", s);
	memcpy(hostport, s, n);
	hostport[n] = '\0';
	ret = split_addr(hostport, &vip->family, vip->addr, &vip->port, err, errlen);
	if (ret)
		return ret;
	if (!vip->port)
		return fail(err, errlen, -EINVAL, "service \"%s\": a port is required", s);
	return 0;
}

const char *sov_lb_vip_format(const struct sov_lb_vip *vip, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(vip->family, vip->addr, a, sizeof(a));
	snprintf(buf, len, vip->family == AF_INET6 ? "[%s]:%u/%s" : "%s:%u/%s", a,
		 vip->port, vip->proto == IPPROTO_TCP ? "tcp" : "udp");
	return buf;
}

static const char *addr_str(int family, const uint8_t *addr, char *buf, size_t len)
{
	return inet_ntop(family, addr, buf, (socklen_t)len);
}

/* ---- the model ----------------------------------------------------------- */

void sov_lb_init(struct sov_lb *lb)
{
	unsigned int i;

	memset(lb, 0, sizeof(*lb));
	for (i = 0; i < LB_MAX_SERVICES; i++)
		lb->svc[i].index = i;
}

static bool vip_eq(const struct sov_lb_vip *a, const struct sov_lb_vip *b)
{
	return a->family == b->family && a->port == b->port && a->proto == b->proto &&
	       !memcmp(a->addr, b->addr, 16);
}

struct sov_lb_service *sov_lb_find(struct sov_lb *lb, const struct sov_lb_vip *vip)
{
	unsigned int i;

	for (i = 0; i < LB_MAX_SERVICES; i++)
		if (lb->svc[i].used && vip_eq(&lb->svc[i].vip, vip))
			return &lb->svc[i];
	return NULL;
}

struct sov_lb_backend *sov_lb_backend_find(struct sov_lb_service *svc,
					   const uint8_t addr[16], uint16_t port)
{
	unsigned int i;

	for (i = 0; i < LB_MAX_BACKENDS; i++)
		if (svc->be[i].used && svc->be[i].port == port &&
		    !memcmp(svc->be[i].addr, addr, 16))
			return &svc->be[i];
	return NULL;
}

static void defaults(struct sov_lb_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->policy = SOV_LB_POLICY_MAGLEV;
	s->mode = SOV_LB_MODE_ENCAP;
	s->fallback = SOV_LB_FALLBACK_DROP;
	s->hc_type = SOV_LB_HC_NONE;
	s->hc.interval_s = 5;
	s->hc.timeout_ms = 1000;
	s->hc.rise = 2;
	s->hc.fall = 3;
	snprintf(s->hc_path, sizeof(s->hc_path), "/");
	s->hc_status = 200;
	s->hc_udp_send_len = sizeof(SOV_LB_HC_UDP_SEND_DEFAULT) - 1;
	memcpy(s->hc_udp_send, SOV_LB_HC_UDP_SEND_DEFAULT, s->hc_udp_send_len);
}

/* The health-check type and what only some types take, against the service. */
static int check_hc_kind(const struct sov_lb_settings *s, const struct sov_lb_settings *in,
			 uint8_t proto, char *err, size_t errlen)
{
	if (s->hc_type > SOV_LB_HC_ICMP)
		return fail(err, errlen, -EINVAL,
			    "health check type %u unknown: expected none, tcp, http, udp or icmp",
			    s->hc_type);
	/* an HTTP GET needs a stream: a udp service answers none */
	if (s->hc_type == SOV_LB_HC_HTTP && proto == IPPROTO_UDP)
		return fail(err, errlen, -EINVAL,
			    "health check http on a udp service: expected none, tcp, udp or icmp");
	if (in->has_hc_udp_send && s->hc_type != SOV_LB_HC_UDP)
		return fail(err, errlen, -EINVAL,
			    "health check send applies to health udp only (this check is %s)",
			    sov_lb_hc_type_name(s->hc_type));
	if (in->has_hc_udp_expect && s->hc_type != SOV_LB_HC_UDP)
		return fail(err, errlen, -EINVAL,
			    "health check expect applies to health udp only (this check is %s)",
			    sov_lb_hc_type_name(s->hc_type));
	if (in->has_hc_udp_send &&
	    (!in->hc_udp_send_len || in->hc_udp_send_len > SOV_LB_HC_UDP_MAX))
		return fail(err, errlen, -EINVAL,
			    "health check send is %u bytes: expected 1-%u bytes",
			    in->hc_udp_send_len, SOV_LB_HC_UDP_MAX);
	if (in->has_hc_udp_expect && in->hc_udp_expect_len > SOV_LB_HC_UDP_MAX)
		return fail(err, errlen, -EINVAL,
			    "health check expect is %u bytes: expected 0-%u bytes",
			    in->hc_udp_expect_len, SOV_LB_HC_UDP_MAX);
	return 0;
}

/*
 * Apply the present fields of @in onto @out, then check the whole result for
 * a service of protocol @proto. @out changes only if all is well.
 */
static int merge_settings(struct sov_lb_settings *out, const struct sov_lb_settings *in,
			  uint8_t proto, char *err, size_t errlen)
{
	struct sov_lb_settings s = *out;
	int ret;

	if (in->has_policy)
		s.policy = in->policy;
	if (in->has_mode)
		s.mode = in->mode;
	if (in->has_fallback)
		s.fallback = in->fallback;
	if (in->has_sticky)
		s.sticky_s = in->sticky_s;
	if (in->has_frag_pass)
		s.frag_pass = in->frag_pass;
	if (in->has_hc_type)
		s.hc_type = in->hc_type;
	if (in->has_hc_interval)
		s.hc.interval_s = in->hc.interval_s;
	if (in->has_hc_timeout)
		s.hc.timeout_ms = in->hc.timeout_ms;
	else if (in->has_hc_interval && s.hc.timeout_ms >= s.hc.interval_s * 1000)
		s.hc.timeout_ms = s.hc.interval_s * 500;	/* a default that fits */
	if (in->has_hc_rise)
		s.hc.rise = in->hc.rise;
	if (in->has_hc_fall)
		s.hc.fall = in->hc.fall;
	if (in->has_hc_path)
		snprintf(s.hc_path, sizeof(s.hc_path), "%s", in->hc_path);
	if (in->has_hc_status)
		s.hc_status = in->hc_status;
	if (in->has_custom_prog)
		snprintf(s.custom_prog, sizeof(s.custom_prog), "%s", in->custom_prog);

	if (s.policy == SOV_LB_POLICY_CUSTOM && !s.custom_prog[0])
		return fail(err, errlen, -EINVAL,
			    "policy custom needs program FILE (an ELF file built against bpf/lb_custom.h)");
	if (s.custom_prog[0] && s.custom_prog[0] != '/')
		return fail(err, errlen, -EINVAL, "program \"%s\": expected an absolute path",
			    s.custom_prog);
	if (s.policy > SOV_LB_POLICY_CUSTOM)
		return fail(err, errlen, -EINVAL,
			    "policy %u unknown: expected maglev, round-robin, weighted, least-conn, ip-hash or custom",
			    s.policy);
	if (s.mode > SOV_LB_MODE_NAT)
		return fail(err, errlen, -EINVAL, "mode %u unknown: expected encap or nat", s.mode);
	if (s.fallback > SOV_LB_FALLBACK_PASS)
		return fail(err, errlen, -EINVAL, "fallback %u unknown: expected drop or pass",
			    s.fallback);
	if (s.sticky_s > 86400)
		return fail(err, errlen, -EINVAL,
			    "sticky timeout %u s out of range: expected 0 (off) to 86400 s", s.sticky_s);
	ret = check_hc_kind(&s, in, proto, err, errlen);
	if (ret)
		return ret;
	/* lengths checked: the copies fit */
	if (in->has_hc_udp_send) {
		s.hc_udp_send_len = in->hc_udp_send_len;
		memcpy(s.hc_udp_send, in->hc_udp_send, in->hc_udp_send_len);
	}
	if (in->has_hc_udp_expect) {
		s.hc_udp_expect_len = in->hc_udp_expect_len;
		memcpy(s.hc_udp_expect, in->hc_udp_expect, in->hc_udp_expect_len);
	}
	if (sov_health_config_validate(&s.hc, err, errlen))
		return -EINVAL;
	if (s.hc_path[0] != '/')
		return fail(err, errlen, -EINVAL, "health check path \"%s\": expected to start with '/'",
			    s.hc_path);
	if (s.hc_status < 100 || s.hc_status > 599)
		return fail(err, errlen, -EINVAL,
			    "health check status %u out of range: expected 100-599", s.hc_status);
	*out = s;
	return 0;
}

int sov_lb_service_add(struct sov_lb *lb, const struct sov_lb_vip *vip,
		       const struct sov_lb_settings *in, char *err, size_t errlen)
{
	struct sov_lb_settings s;
	char v[96];
	unsigned int i;
	int ret;

	if (sov_lb_find(lb, vip))
		return fail(err, errlen, -EEXIST, "service %s exists",
			    sov_lb_vip_format(vip, v, sizeof(v)));
	defaults(&s);
	ret = merge_settings(&s, in, vip->proto, err, errlen);
	if (ret)
		return ret;
	for (i = 0; i < LB_MAX_SERVICES; i++)
		if (!lb->svc[i].used)
			break;
	if (i == LB_MAX_SERVICES)
		return fail(err, errlen, -ENOSPC,
			    "service %s: all %u services are in use (the limit is %u)",
			    sov_lb_vip_format(vip, v, sizeof(v)), LB_MAX_SERVICES, LB_MAX_SERVICES);
	memset(&lb->svc[i], 0, sizeof(lb->svc[i]));
	lb->svc[i].used = true;
	lb->svc[i].index = i;
	lb->svc[i].vip = *vip;
	lb->svc[i].set = s;
	return (int)i;
}

static struct sov_lb_service *must_find(struct sov_lb *lb, const struct sov_lb_vip *vip,
					char *err, size_t errlen)
{
	struct sov_lb_service *svc = sov_lb_find(lb, vip);
	char v[96];

	if (!svc)
		fail(err, errlen, -ENOENT, "unknown service %s",
		     sov_lb_vip_format(vip, v, sizeof(v)));
	return svc;
}

int sov_lb_service_set(struct sov_lb *lb, const struct sov_lb_vip *vip,
		       const struct sov_lb_settings *in, char *err, size_t errlen)
{
	struct sov_lb_service *svc = must_find(lb, vip, err, errlen);
	unsigned int i;
	int ret;

	if (!svc)
		return -ENOENT;
	if (in->has_mode && in->mode != svc->set.mode)
		return fail(err, errlen, -EINVAL,
			    "mode cannot change on a live service: delete and add it again");
	ret = merge_settings(&svc->set, in, svc->vip.proto, err, errlen);
	if (ret)
		return ret;
	/* live backends keep their state and runs; the next result meets the new counts */
	for (i = 0; i < LB_MAX_BACKENDS; i++)
		if (svc->be[i].used)
			sov_health_set_thresholds(&svc->be[i].health, svc->set.hc.rise,
						  svc->set.hc.fall);
	return 0;
}

static int check_weight(uint32_t weight, char *err, size_t errlen)
{
	if (weight < 1 || weight > SOV_LB_WEIGHT_MAX)
		return fail(err, errlen, -EINVAL, "weight %u out of range: expected 1-%u",
			    weight, SOV_LB_WEIGHT_MAX);
	return 0;
}

int sov_lb_backend_add(struct sov_lb *lb, const struct sov_lb_vip *vip, int family,
		       const uint8_t addr[16], uint16_t port, uint32_t weight,
		       char *err, size_t errlen)
{
	struct sov_lb_service *svc = must_find(lb, vip, err, errlen);
	char v[96], a[INET6_ADDRSTRLEN];
	unsigned int i, n = 0;
	int ret;

	if (!svc)
		return -ENOENT;
	sov_lb_vip_format(vip, v, sizeof(v));
	addr_str(family, addr, a, sizeof(a));
	if (family != vip->family)
		return fail(err, errlen, -EINVAL, "backend %s is %s but service %s is %s", a,
			    family == AF_INET ? "IPv4" : "IPv6", v,
			    vip->family == AF_INET ? "IPv4" : "IPv6");
	if (port && svc->set.mode != SOV_LB_MODE_NAT)
		return fail(err, errlen, -EINVAL,
			    "backend %s: a port only applies in nat mode (service %s is encap)", a, v);
	ret = check_weight(weight ? weight : 1, err, errlen);
	if (ret)
		return ret;
	if (sov_lb_backend_find(svc, addr, port))
		return fail(err, errlen, -EEXIST, "backend %s exists in service %s", a, v);
	for (i = 0; i < LB_MAX_BACKENDS; i++)
		n += svc->be[i].used;
	if (n == LB_MAX_BACKENDS)
		return fail(err, errlen, -ENOSPC,
			    "service %s has %u backends: the limit is %u", v, n, LB_MAX_BACKENDS);
	for (i = 0; i < LB_MAX_BACKENDS; i++)
		if (!svc->be[i].used)
			break;
	memset(&svc->be[i], 0, sizeof(svc->be[i]));
	svc->be[i].used = true;
	memcpy(svc->be[i].addr, addr, 16);
	svc->be[i].port = port;
	svc->be[i].weight = weight ? weight : 1;
	sov_health_init(&svc->be[i].health, svc->set.hc.rise, svc->set.hc.fall);
	return (int)sov_lb_backend_id(svc, &svc->be[i]);
}

int sov_lb_backend_set(struct sov_lb *lb, const struct sov_lb_vip *vip,
		       const uint8_t addr[16], uint16_t port, uint32_t weight,
		       char *err, size_t errlen)
{
	struct sov_lb_service *svc = must_find(lb, vip, err, errlen);
	struct sov_lb_backend *be;
	char a[INET6_ADDRSTRLEN], v[96];
	int ret;

	if (!svc)
		return -ENOENT;
	be = sov_lb_backend_find(svc, addr, port);
	if (!be)
		return fail(err, errlen, -ENOENT, "backend %s is not in service %s",
			    addr_str(vip->family, addr, a, sizeof(a)),
			    sov_lb_vip_format(vip, v, sizeof(v)));
	ret = check_weight(weight, err, errlen);
	if (ret)
		return ret;
	be->weight = weight;
	return 0;
}

bool sov_lb_backend_serving(const struct sov_lb_service *svc,
			    const struct sov_lb_backend *be)
{
	if (!be->used || !be->weight)
		return false;
	return svc->set.hc_type == SOV_LB_HC_NONE || sov_health_serving(&be->health);
}

uint32_t sov_lb_backend_id(const struct sov_lb_service *svc, const struct sov_lb_backend *be)
{
	return svc->index * LB_MAX_BACKENDS + (uint32_t)(be - svc->be);
}

/* ---- rendering ----------------------------------------------------------- */

static void vip_key(const struct sov_lb_vip *vip, struct lb_vip_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, vip->addr, 16);
	k->port_be = htons(vip->port);
	k->proto = vip->proto;
	k->family = (uint8_t)vip->family;
}

static void vip_addr_key(const struct sov_lb_vip *vip, struct lb_vip_addr *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, vip->addr, 16);
	k->family = (uint32_t)vip->family;
}

static uint32_t service_flags(const struct sov_lb_service *svc)
{
	uint32_t f = 0;

	if (svc->set.fallback == SOV_LB_FALLBACK_PASS)
		f |= LB_SVC_F_FALLBACK_PASS;
	if (svc->set.frag_pass)
		f |= LB_SVC_F_FRAG_PASS;
	if (svc->set.mode == SOV_LB_MODE_NAT)
		f |= LB_SVC_F_NAT;
	return f;
}

static bool addr_in_use(struct sov_lb *lb, const struct sov_lb_vip *vip)
{
	unsigned int i;

	for (i = 0; i < LB_MAX_SERVICES; i++)
		if (lb->svc[i].used && lb->svc[i].vip.family == vip->family &&
		    !memcmp(lb->svc[i].vip.addr, vip->addr, 16))
			return true;
	return false;
}

static uint32_t vip_addr_flags(struct sov_lb *lb, const struct sov_lb_vip *vip)
{
	uint32_t f = 0;
	unsigned int i;

	/* one address may serve several ports: fragments pass if any says so */
	for (i = 0; i < LB_MAX_SERVICES; i++) {
		const struct sov_lb_service *s = &lb->svc[i];

		if (s->used && s->vip.family == vip->family &&
		    !memcmp(s->vip.addr, vip->addr, 16) && s->set.frag_pass)
			f |= LB_SVC_F_FRAG_PASS;
	}
	return f;
}

static void backend_entry(const struct sov_lb_service *svc, const struct sov_lb_backend *be,
			  struct lb_backend *out)
{
	memset(out, 0, sizeof(*out));
	if (!be->used)
		return;
	memcpy(out->addr, be->addr, 16);
	out->family = (uint32_t)svc->vip.family;
	out->flags = sov_lb_backend_serving(svc, be) ? LB_BE_F_UP : 0;
	out->weight = be->weight;
	out->port_be = htons(be->port);
}

int sov_lb_commit(struct sov_lb *lb, struct sov_lb_service *svc,
		  const struct sov_lb_maps *m, char *err, size_t errlen)
{
	struct sov_maglev_backend mb[LB_MAX_BACKENDS];
	uint32_t bank = svc->bank ^ 1, size, i, id, first;
	struct lb_service entry = {};
	struct lb_active act = {};
	struct lb_vip_addr vak;
	struct lb_vip_key vk;
	unsigned int n = 0;
	uint32_t *table;
	uint32_t vflags;
	int ret;

	for (i = 0; i < LB_MAX_BACKENDS; i++) {
		struct lb_backend be;

		backend_entry(svc, &svc->be[i], &be);
		id = svc->index * LB_MAX_BACKENDS + i;
		ret = m->update(m->ctx, SOV_LB_MAP_BACKENDS, &id, &be);
		if (ret)
			return fail(err, errlen, ret, "writing backend %u: %s", id, strerror(-ret));
		if (!sov_lb_backend_serving(svc, &svc->be[i]))
			continue;
		mb[n].key = sov_maglev_key(svc->vip.family, svc->be[i].addr, svc->be[i].port);
		mb[n].id = id;
		mb[n].weight = svc->be[i].weight;
		act.ids[n] = id;
		n++;
	}
	act.count = n;

	size = sov_maglev_pick_size(LB_MAX_BACKENDS);
	if (size > LB_MAGLEV_SIZE)
		size = LB_MAGLEV_SIZE;
	table = malloc(size * sizeof(*table));
	if (!table)
		return fail(err, errlen, -ENOMEM, "out of memory");
	ret = sov_maglev_build(mb, n, table, size);
	if (ret < 0) {
		free(table);
		return fail(err, errlen, ret, "building the Maglev table: %s", strerror(-ret));
	}
	first = bank * LB_MAX_SERVICES * LB_MAGLEV_SIZE + svc->index * LB_MAGLEV_SIZE;
	ret = m->update_range(m->ctx, SOV_LB_MAP_MAGLEV, first, table, size);
	free(table);
	if (ret)
		return fail(err, errlen, ret, "writing the Maglev table: %s", strerror(-ret));
	id = bank * LB_MAX_SERVICES + svc->index;
	ret = m->update(m->ctx, SOV_LB_MAP_ACTIVE, &id, &act);
	if (ret)
		return fail(err, errlen, ret, "writing the active list: %s", strerror(-ret));

	/* the switch: one hash-map value replaced whole */
	entry.index = svc->index;
	entry.policy = svc->set.policy;
	entry.flags = service_flags(svc);
	entry.bank = bank;
	entry.table_size = size;
	entry.sticky_timeout_s = svc->set.sticky_s;
	vip_key(&svc->vip, &vk);
	ret = m->update(m->ctx, SOV_LB_MAP_SERVICES, &vk, &entry);
	if (ret)
		return fail(err, errlen, ret, "writing the service entry: %s", strerror(-ret));
	svc->bank = bank;
	svc->table_size = size;

	vip_addr_key(&svc->vip, &vak);
	vflags = vip_addr_flags(lb, &svc->vip);
	ret = m->update(m->ctx, SOV_LB_MAP_VIP_ADDRS, &vak, &vflags);
	if (ret)
		return fail(err, errlen, ret, "writing the VIP address: %s", strerror(-ret));
	return 0;
}

int sov_lb_service_del(struct sov_lb *lb, const struct sov_lb_vip *vip,
		       const struct sov_lb_maps *m, char *err, size_t errlen)
{
	struct sov_lb_service *svc = must_find(lb, vip, err, errlen);
	struct lb_backend none = {};
	struct lb_vip_addr vak;
	struct lb_vip_key vk;
	uint32_t i, id, vflags;
	int ret;

	if (!svc)
		return -ENOENT;
	vip_key(vip, &vk);
	ret = m->remove(m->ctx, SOV_LB_MAP_SERVICES, &vk);
	if (ret && ret != -ENOENT)
		return fail(err, errlen, ret, "removing the service entry: %s", strerror(-ret));
	svc->used = false;
	for (i = 0; i < LB_MAX_BACKENDS; i++) {
		id = svc->index * LB_MAX_BACKENDS + i;
		m->update(m->ctx, SOV_LB_MAP_BACKENDS, &id, &none);
	}
	vip_addr_key(vip, &vak);
	if (addr_in_use(lb, vip)) {
		vflags = vip_addr_flags(lb, vip);
		m->update(m->ctx, SOV_LB_MAP_VIP_ADDRS, &vak, &vflags);
	} else {
		m->remove(m->ctx, SOV_LB_MAP_VIP_ADDRS, &vak);
	}
	memset(svc, 0, sizeof(*svc));
	svc->index = (uint32_t)(svc - lb->svc);
	return 0;
}

int sov_lb_backend_del(struct sov_lb *lb, const struct sov_lb_vip *vip,
		       const uint8_t addr[16], uint16_t port,
		       const struct sov_lb_maps *m, char *err, size_t errlen)
{
	struct sov_lb_service *svc = must_find(lb, vip, err, errlen);
	struct sov_lb_backend *be;
	char a[INET6_ADDRSTRLEN], v[96];

	if (!svc)
		return -ENOENT;
	be = sov_lb_backend_find(svc, addr, port);
	if (!be)
		return fail(err, errlen, -ENOENT, "backend %s is not in service %s",
			    addr_str(vip->family, addr, a, sizeof(a)),
			    sov_lb_vip_format(vip, v, sizeof(v)));
	/* its flows move to the others as soon as the commit lands */
	be->used = false;
	return sov_lb_commit(lb, svc, m, err, errlen);
}
