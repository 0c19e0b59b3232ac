/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The load balancer's desired state (services and their backends), its
 * validation, and its rendering into the data path's maps. No I/O: the
 * daemon supplies the map writes (struct sov_lb_maps), tests supply fakes.
 *
 * Every refusal fills a message naming the field and what was expected, and
 * changes nothing.
 */
#ifndef SOV_LB_SERVICE_H
#define SOV_LB_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../bpf/lb.h"
#include "health.h"

struct sov_lb_vip {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network order; IPv4 in the first 4 bytes */
	uint16_t port;		/* host order */
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
};

struct sov_lb_backend {
	bool used;
	uint8_t addr[16];
	uint16_t port;		/* nat mode; 0: the VIP's */
	uint32_t weight;	/* 1..SOV_LB_WEIGHT_MAX */
	struct sov_health health;
};

/* the udp check's datagram and expected reply prefix, in bytes */
#define SOV_LB_HC_UDP_MAX		256U
/* a default probe an echo service answers and a log line can show */
#define SOV_LB_HC_UDP_SEND_DEFAULT	"sovereign-hc\n"

/* Settings of a service. For a SET only those with has_* are applied. */
struct sov_lb_settings {
	bool has_policy, has_mode, has_fallback, has_sticky, has_frag_pass;
	bool has_hc_type, has_hc_interval, has_hc_timeout, has_hc_rise, has_hc_fall;
	bool has_hc_path, has_hc_status, has_custom_prog;
	bool has_hc_udp_send, has_hc_udp_expect;
	uint32_t policy;	/* enum sov_lb_policy */
	uint32_t mode;		/* enum sov_lb_mode */
	uint32_t fallback;	/* enum sov_lb_fallback */
	uint32_t sticky_s;
	bool frag_pass;
	uint32_t hc_type;	/* enum sov_lb_hc_type */
	struct sov_health_config hc;
	char hc_path[128];
	uint32_t hc_status;
	/*
	 * udp check: the lengths are as given (a request may say more than the
	 * buffers hold: refused, naming the length), the bytes need not be text
	 */
	uint32_t hc_udp_send_len;	/* 1..SOV_LB_HC_UDP_MAX */
	uint32_t hc_udp_expect_len;	/* 0 (any reply)..SOV_LB_HC_UDP_MAX */
	uint8_t hc_udp_send[SOV_LB_HC_UDP_MAX];
	uint8_t hc_udp_expect[SOV_LB_HC_UDP_MAX];
	char custom_prog[256];	/* policy custom: the ELF file of the program */
};

struct sov_lb_service {
	bool used;
	uint32_t index;
	struct sov_lb_vip vip;
	struct sov_lb_settings set;	/* complete: every field valid */
	uint32_t bank;			/* live bank in the maps */
	uint32_t table_size;		/* live Maglev table size */
	struct sov_lb_backend be[LB_MAX_BACKENDS];
};

struct sov_lb {
	struct sov_lb_service svc[LB_MAX_SERVICES];
};

/* "10.0.0.1:80/tcp" or "[fd00::1]:443/udp" */
int sov_lb_vip_parse(const char *s, struct sov_lb_vip *vip, char *err, size_t errlen);
const char *sov_lb_vip_format(const struct sov_lb_vip *vip, char *buf, size_t len);
/* "10.1.0.1", "fd01::1", with an optional port: "10.1.0.1:8080", "[fd01::1]:8080" */
int sov_lb_addr_parse(const char *s, int *family, uint8_t addr[16], uint16_t *port,
		      char *err, size_t errlen);

void sov_lb_init(struct sov_lb *lb);
struct sov_lb_service *sov_lb_find(struct sov_lb *lb, const struct sov_lb_vip *vip);
struct sov_lb_backend *sov_lb_backend_find(struct sov_lb_service *svc,
					   const uint8_t addr[16], uint16_t port);

int sov_lb_service_add(struct sov_lb *lb, const struct sov_lb_vip *vip,
		       const struct sov_lb_settings *s, char *err, size_t errlen);
int sov_lb_service_set(struct sov_lb *lb, const struct sov_lb_vip *vip,
		       const struct sov_lb_settings *s, char *err, size_t errlen);
int sov_lb_backend_add(struct sov_lb *lb, const struct sov_lb_vip *vip, int family,
		       const uint8_t addr[16], uint16_t port, uint32_t weight,
		       char *err, size_t errlen);
int sov_lb_backend_set(struct sov_lb *lb, const struct sov_lb_vip *vip,
		       const uint8_t addr[16], uint16_t port, uint32_t weight,
		       char *err, size_t errlen);

/* A backend takes new flows: weight > 0 and, with health checks, up. */
bool sov_lb_backend_serving(const struct sov_lb_service *svc,
			    const struct sov_lb_backend *be);
uint32_t sov_lb_backend_id(const struct sov_lb_service *svc,
			   const struct sov_lb_backend *be);

enum sov_lb_map {
	SOV_LB_MAP_SERVICES,	/* struct lb_vip_key -> struct lb_service */
	SOV_LB_MAP_VIP_ADDRS,	/* struct lb_vip_addr -> __u32 flags */
	SOV_LB_MAP_BACKENDS,	/* __u32 id -> struct lb_backend */
	SOV_LB_MAP_MAGLEV,	/* __u32 slot -> __u32 id */
	SOV_LB_MAP_ACTIVE,	/* __u32 bank/service -> struct lb_active */
};

struct sov_lb_maps {
	int (*update)(void *ctx, enum sov_lb_map map, const void *key, const void *value);
	int (*remove)(void *ctx, enum sov_lb_map map, const void *key);
	/* @n consecutive u32 keys from @first; values packed */
	int (*update_range)(void *ctx, enum sov_lb_map map, uint32_t first,
			    const void *values, uint32_t n);
	void *ctx;
};

/*
 * Write @svc into the maps: backends, then the idle bank's Maglev table and
 * active list, then the service entry pointing at that bank (the switch
 * packets see), then the VIP address. 0, or -errno with @err.
 */
int sov_lb_commit(struct sov_lb *lb, struct sov_lb_service *svc,
		  const struct sov_lb_maps *m, char *err, size_t errlen);
/* Take a service out of the maps (its entry first), then forget it. */
int sov_lb_service_del(struct sov_lb *lb, const struct sov_lb_vip *vip,
		       const struct sov_lb_maps *m, char *err, size_t errlen);
/* Take a backend out: re-commit without it, then clear its slot. */
int sov_lb_backend_del(struct sov_lb *lb, const struct sov_lb_vip *vip,
		       const uint8_t addr[16], uint16_t port,
		       const struct sov_lb_maps *m, char *err, size_t errlen);

const char *sov_lb_policy_name(uint32_t policy);
int sov_lb_policy_parse(const char *s, uint32_t *policy);
/* "none", "tcp", "http", "udp", "icmp"; "unknown" for other values */
const char *sov_lb_hc_type_name(uint32_t type);
int sov_lb_hc_type_parse(const char *s, uint32_t *type);

#endif /* SOV_LB_SERVICE_H */
