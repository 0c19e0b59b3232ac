// SPDX-License-Identifier: GPL-2.0
/*
 * lib/lb/service: parsing, validation messages (field and allowed range),
 * nothing half-applied, and the order in which a commit writes the maps.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "../../lib/lb/service.h"
#include "../../uapi/linux/sovereign.h"

static struct sov_lb lb;
static char err[256];

/* ---- a fake set of maps that remembers the order of writes ---------------- */

#define FAKE_SLOTS (2 * LB_MAX_SERVICES * LB_MAGLEV_SIZE)
static struct {
	uint32_t maglev[FAKE_SLOTS];
	struct lb_backend backends[LB_MAX_SERVICES * LB_MAX_BACKENDS];
	struct lb_active active[2 * LB_MAX_SERVICES];
	struct lb_service svc;
	int svc_present;
	uint32_t vip_flags;
	int vip_present;
	int log[4096];		/* enum sov_lb_map per write, -1 - map per removal */
	unsigned int nlog;
	int fail_map;		/* fail writes to this map (-1: none) */
} fake;

static int fake_update(void *ctx, enum sov_lb_map map, const void *key, const void *value)
{
	(void)ctx;
	if ((int)map == fake.fail_map)
		return -EIO;
	if (fake.nlog < 4096)
		fake.log[fake.nlog++] = map;
	switch (map) {
	case SOV_LB_MAP_SERVICES:
		memcpy(&fake.svc, value, sizeof(fake.svc));
		fake.svc_present = 1;
		break;
	case SOV_LB_MAP_VIP_ADDRS:
		memcpy(&fake.vip_flags, value, sizeof(fake.vip_flags));
		fake.vip_present = 1;
		break;
	case SOV_LB_MAP_BACKENDS:
		memcpy(&fake.backends[*(const uint32_t *)key], value, sizeof(struct lb_backend));
		break;
	case SOV_LB_MAP_ACTIVE:
		memcpy(&fake.active[*(const uint32_t *)key], value, sizeof(struct lb_active));
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static int fake_remove(void *ctx, enum sov_lb_map map, const void *key)
{
	(void)ctx;
	(void)key;
	if (fake.nlog < 4096)
		fake.log[fake.nlog++] = -1 - (int)map;
	if (map == SOV_LB_MAP_SERVICES)
		fake.svc_present = 0;
	if (map == SOV_LB_MAP_VIP_ADDRS)
		fake.vip_present = 0;
	return 0;
}

static int fake_range(void *ctx, enum sov_lb_map map, uint32_t first, const void *values,
		      uint32_t n)
{
	(void)ctx;
	if ((int)map == fake.fail_map)
		return -EIO;
	assert_int_equal(map, SOV_LB_MAP_MAGLEV);
	assert_true(first + n <= FAKE_SLOTS);
	memcpy(&fake.maglev[first], values, n * sizeof(uint32_t));
	if (fake.nlog < 4096)
		fake.log[fake.nlog++] = map;
	return 0;
}

static const struct sov_lb_maps maps = {
	.update = fake_update, .remove = fake_remove, .update_range = fake_range,
};

static int setup(void **state)
{
	(void)state;
	sov_lb_init(&lb);
	memset(&fake, 0, sizeof(fake));
	fake.fail_map = -1;
	err[0] = '\0';
	return 0;
}

static struct sov_lb_vip vip(const char *s)
{
	struct sov_lb_vip v;

	assert_int_equal(sov_lb_vip_parse(s, &v, err, sizeof(err)), 0);
	return v;
}

static const uint8_t *addr4(const char *s)
{
	static uint8_t a[16];

	memset(a, 0, sizeof(a));
	assert_int_equal(inet_pton(AF_INET, s, a), 1);
	return a;
}

/* ---- parsing ---------------------------------------------------------------- */

static void test_vip_parse(void **state)
{
	struct sov_lb_vip v;
	char buf[96];

	(void)state;
	v = vip("10.0.0.100:80/tcp");
	assert_int_equal(v.family, AF_INET);
	assert_int_equal(v.port, 80);
	assert_int_equal(v.proto, IPPROTO_TCP);
	assert_string_equal(sov_lb_vip_format(&v, buf, sizeof(buf)), "10.0.0.100:80/tcp");
	v = vip("[fd00::100]:443/udp");
	assert_int_equal(v.family, AF_INET6);
	assert_string_equal(sov_lb_vip_format(&v, buf, sizeof(buf)), "[fd00::100]:443/udp");

	assert_int_equal(sov_lb_vip_parse("10.0.0.1:80", &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "expected ADDR:PORT/tcp or ADDR:PORT/udp"));
	assert_int_equal(sov_lb_vip_parse("10.0.0.1:80/sctp", &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "protocol \"sctp\" unknown: expected tcp or udp"));
	assert_int_equal(sov_lb_vip_parse("10.0.0.1:0/tcp", &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "expected 1-65535"));
	assert_int_equal(sov_lb_vip_parse("10.0.0.1:70000/tcp", &v, err, sizeof(err)), -EINVAL);
	assert_int_equal(sov_lb_vip_parse("10.0.0.1/tcp", &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "a port is required"));
	assert_int_equal(sov_lb_vip_parse("10.0.0.300:80/tcp", &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not an IPv4 or IPv6 address"));
	assert_int_equal(sov_lb_vip_parse("[fd00::1:80/tcp", &v, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "missing ']'"));
}

static void test_addr_parse(void **state)
{
	uint8_t a[16];
	uint16_t port;
	int fam;

	(void)state;
	assert_int_equal(sov_lb_addr_parse("10.1.0.1", &fam, a, &port, err, sizeof(err)), 0);
	assert_int_equal(fam, AF_INET);
	assert_int_equal(port, 0);
	assert_int_equal(sov_lb_addr_parse("10.1.0.1:8080", &fam, a, &port, err, sizeof(err)), 0);
	assert_int_equal(port, 8080);
	assert_int_equal(sov_lb_addr_parse("fd01::1", &fam, a, &port, err, sizeof(err)), 0);
	assert_int_equal(fam, AF_INET6);
	assert_int_equal(sov_lb_addr_parse("[fd01::1]:9000", &fam, a, &port, err, sizeof(err)), 0);
	assert_int_equal(port, 9000);
	assert_int_not_equal(sov_lb_addr_parse("backend", &fam, a, &port, err, sizeof(err)), 0);
}

/* ---- validation ---------------------------------------------------------------- */

static void test_service_limits_and_messages(void **state)
{
	struct sov_lb_settings s = { 0 };
	struct sov_lb_vip v;
	char name[64];
	int i;

	(void)state;
	for (i = 0; i < LB_MAX_SERVICES; i++) {
		snprintf(name, sizeof(name), "10.0.0.%d:80/tcp", i + 1);
		v = vip(name);
		assert_int_equal(sov_lb_service_add(&lb, &v, &s, err, sizeof(err)), i);
	}
	v = vip("10.0.0.99:80/tcp");
	assert_int_equal(sov_lb_service_add(&lb, &v, &s, err, sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "the limit is 8"));
	v = vip("10.0.0.1:80/tcp");
	assert_int_equal(sov_lb_service_add(&lb, &v, &s, err, sizeof(err)), -EEXIST);
	assert_string_equal(err, "service 10.0.0.1:80/tcp exists");
}

static void test_bad_settings_change_nothing(void **state)
{
	struct sov_lb_settings s = { .has_hc_interval = true, .hc.interval_s = 61 };
	struct sov_lb_vip v = vip("10.0.0.100:80/tcp");
	struct sov_lb_settings ok = { 0 };

	(void)state;
	assert_int_equal(sov_lb_service_add(&lb, &v, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "interval 61 s out of range: expected 1-60 s"));
	assert_null(sov_lb_find(&lb, &v));

	assert_int_equal(sov_lb_service_add(&lb, &v, &ok, err, sizeof(err)), 0);
	s = (struct sov_lb_settings){ .has_policy = true, .policy = 42 };
	assert_int_equal(sov_lb_service_set(&lb, &v, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "policy 42 unknown"));
	assert_int_equal(sov_lb_find(&lb, &v)->set.policy, SOV_LB_POLICY_MAGLEV);

	s = (struct sov_lb_settings){ .has_policy = true, .policy = SOV_LB_POLICY_CUSTOM };
	assert_int_equal(sov_lb_service_set(&lb, &v, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "policy custom needs program FILE"));
	s = (struct sov_lb_settings){ .has_policy = true, .policy = SOV_LB_POLICY_CUSTOM,
				      .has_custom_prog = true, .custom_prog = "pick.o" };
	assert_int_equal(sov_lb_service_set(&lb, &v, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "expected an absolute path"));
	assert_int_equal(sov_lb_find(&lb, &v)->set.policy, SOV_LB_POLICY_MAGLEV);
	s = (struct sov_lb_settings){ .has_sticky = true, .sticky_s = 90000 };
	assert_int_equal(sov_lb_service_set(&lb, &v, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "sticky timeout 90000 s out of range: expected 0 (off) to 86400 s"));
	s = (struct sov_lb_settings){ .has_mode = true, .mode = SOV_LB_MODE_NAT };
	assert_int_equal(sov_lb_service_set(&lb, &v, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "mode cannot change"));
	/* a shorter interval brings the default timeout down with it */
	s = (struct sov_lb_settings){ .has_hc_interval = true, .hc.interval_s = 1 };
	assert_int_equal(sov_lb_service_set(&lb, &v, &s, err, sizeof(err)), 0);
	assert_int_equal(sov_lb_find(&lb, &v)->set.hc.timeout_ms, 500);
	s = (struct sov_lb_settings){ .has_hc_interval = true, .hc.interval_s = 2,
				      .has_hc_timeout = true, .hc.timeout_ms = 2000 };
	assert_int_equal(sov_lb_service_set(&lb, &v, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "timeout 2000 ms out of range: expected 1-1999 ms"));
	s = (struct sov_lb_settings){ .has_policy = true, .policy = SOV_LB_POLICY_LEAST_CONN,
				      .has_sticky = true, .sticky_s = 300 };
	assert_int_equal(sov_lb_service_set(&lb, &v, &s, err, sizeof(err)), 0);
	assert_int_equal(sov_lb_find(&lb, &v)->set.policy, SOV_LB_POLICY_LEAST_CONN);
	assert_int_equal(sov_lb_find(&lb, &v)->set.sticky_s, 300);
}

static void test_backend_validation(void **state)
{
	struct sov_lb_vip v = vip("10.0.0.100:80/tcp"), other = vip("10.0.0.5:80/tcp");
	struct sov_lb_settings s = { 0 };
	uint8_t a6[16];
	char name[32];
	int i;

	(void)state;
	assert_int_equal(sov_lb_service_add(&lb, &v, &s, err, sizeof(err)), 0);
	assert_int_equal(sov_lb_backend_add(&lb, &other, AF_INET, addr4("10.1.0.1"), 0, 1,
					    err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "unknown service 10.0.0.5:80/tcp");
	inet_pton(AF_INET6, "fd01::1", a6);
	assert_int_equal(sov_lb_backend_add(&lb, &v, AF_INET6, a6, 0, 1, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "backend fd01::1 is IPv6 but service 10.0.0.100:80/tcp is IPv4");
	assert_int_equal(sov_lb_backend_add(&lb, &v, AF_INET, addr4("10.1.0.1"), 0, 2000,
					    err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "weight 2000 out of range: expected 1-1000");
	assert_int_equal(sov_lb_backend_add(&lb, &v, AF_INET, addr4("10.1.0.1"), 8080, 1,
					    err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "a port only applies in nat mode"));

	for (i = 0; i < LB_MAX_BACKENDS; i++) {
		snprintf(name, sizeof(name), "10.1.1.%d", i + 1);
		assert_int_equal(sov_lb_backend_add(&lb, &v, AF_INET, addr4(name), 0, 0,
						    err, sizeof(err)), i);
	}
	assert_int_equal(sov_lb_backend_add(&lb, &v, AF_INET, addr4("10.1.2.1"), 0, 1,
					    err, sizeof(err)), -ENOSPC);
	assert_string_equal(err, "service 10.0.0.100:80/tcp has 32 backends: the limit is 32");
	assert_int_equal(sov_lb_backend_add(&lb, &v, AF_INET, addr4("10.1.1.1"), 0, 1,
					    err, sizeof(err)), -EEXIST);
	assert_int_equal(sov_lb_backend_set(&lb, &v, addr4("10.1.1.1"), 0, 0, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(sov_lb_backend_set(&lb, &v, addr4("10.1.1.1"), 0, 7, err, sizeof(err)), 0);
	assert_int_equal(sov_lb_backend_set(&lb, &v, addr4("10.9.9.9"), 0, 7, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "backend 10.9.9.9 is not in service 10.0.0.100:80/tcp");
}

/* ---- rendering ------------------------------------------------------------------- */

static void add_three(struct sov_lb_vip *v, uint32_t hc_type)
{
	struct sov_lb_settings s = { .has_hc_type = true, .hc_type = hc_type };

	*v = vip("10.0.0.100:80/tcp");
	assert_int_equal(sov_lb_service_add(&lb, v, &s, err, sizeof(err)), 0);
	assert_int_equal(sov_lb_backend_add(&lb, v, AF_INET, addr4("10.1.0.1"), 0, 1, err, sizeof(err)), 0);
	assert_int_equal(sov_lb_backend_add(&lb, v, AF_INET, addr4("10.1.0.2"), 0, 1, err, sizeof(err)), 1);
	assert_int_equal(sov_lb_backend_add(&lb, v, AF_INET, addr4("10.1.0.3"), 0, 1, err, sizeof(err)), 2);
}

static void test_commit_switches_bank_last(void **state)
{
	struct sov_lb_vip v;
	struct sov_lb_service *svc;
	unsigned int i, counts[3] = { 0 };
	uint32_t base;

	(void)state;
	add_three(&v, SOV_LB_HC_NONE);
	svc = sov_lb_find(&lb, &v);
	assert_int_equal(sov_lb_commit(&lb, svc, &maps, err, sizeof(err)), 0);

	/* backends, table, active list, then the service entry, then the address */
	assert_int_equal(fake.log[fake.nlog - 1], SOV_LB_MAP_VIP_ADDRS);
	assert_int_equal(fake.log[fake.nlog - 2], SOV_LB_MAP_SERVICES);
	assert_int_equal(fake.log[fake.nlog - 3], SOV_LB_MAP_ACTIVE);
	assert_int_equal(fake.log[fake.nlog - 4], SOV_LB_MAP_MAGLEV);
	assert_int_equal(fake.svc.bank, 1);
	assert_int_equal(fake.svc.table_size, 32749);
	assert_int_equal(fake.active[LB_MAX_SERVICES].count, 3);
	base = 1 * LB_MAX_SERVICES * LB_MAGLEV_SIZE;
	for (i = 0; i < fake.svc.table_size; i++) {
		assert_true(fake.maglev[base + i] < 3);
		counts[fake.maglev[base + i]]++;
	}
	for (i = 0; i < 3; i++)	/* even shares, within one slot */
		assert_true(counts[i] >= 32749 / 3 - 1 && counts[i] <= 32749 / 3 + 1);
	assert_int_equal(fake.backends[0].flags, LB_BE_F_UP);
	assert_int_equal(fake.backends[3].flags, 0);

	/* a second commit writes the other bank and flips back */
	assert_int_equal(sov_lb_commit(&lb, svc, &maps, err, sizeof(err)), 0);
	assert_int_equal(fake.svc.bank, 0);
}

static void test_health_gates_backends(void **state)
{
	struct sov_lb_vip v;
	struct sov_lb_service *svc;
	unsigned int i;

	(void)state;
	add_three(&v, SOV_LB_HC_TCP);
	svc = sov_lb_find(&lb, &v);
	/* new backends are unknown: not in the table until they rise */
	assert_int_equal(sov_lb_commit(&lb, svc, &maps, err, sizeof(err)), 0);
	assert_int_equal(fake.active[LB_MAX_SERVICES].count, 0);
	assert_int_equal(fake.maglev[LB_MAX_SERVICES * LB_MAGLEV_SIZE], LB_NO_BACKEND);

	for (i = 0; i < svc->set.hc.rise; i++)
		sov_health_report(&svc->be[1].health, true, i);
	assert_int_equal(sov_lb_commit(&lb, svc, &maps, err, sizeof(err)), 0);
	assert_int_equal(fake.active[0].count, 1);
	assert_int_equal(fake.active[0].ids[0], 1);
	assert_int_equal(fake.maglev[0], 1);
	assert_int_equal(fake.backends[1].flags, LB_BE_F_UP);
	assert_int_equal(fake.backends[0].flags, 0);
}

/* Which checks a service takes, and what only a udp check takes. */
static void test_health_check_kinds(void **state)
{
	struct sov_lb_vip u = vip("10.0.0.53:53/udp"), t = vip("10.0.0.80:80/tcp");
	struct sov_lb_settings s = { .has_hc_type = true, .hc_type = SOV_LB_HC_UDP };
	const struct sov_lb_settings *set;
	uint32_t type;

	(void)state;
	assert_int_equal(sov_lb_service_add(&lb, &u, &s, err, sizeof(err)), 0);
	set = &sov_lb_find(&lb, &u)->set;
	assert_int_equal(set->hc_type, SOV_LB_HC_UDP);
	/* the documented default probe, and any reply will do */
	assert_int_equal(set->hc_udp_send_len, 13);
	assert_memory_equal(set->hc_udp_send, "sovereign-hc\n", 13);
	assert_int_equal(set->hc_udp_expect_len, 0);

	s = (struct sov_lb_settings){ .has_hc_type = true, .hc_type = SOV_LB_HC_ICMP };
	assert_int_equal(sov_lb_service_add(&lb, &t, &s, err, sizeof(err)), 1);
	assert_int_equal(sov_lb_find(&lb, &t)->set.hc_type, SOV_LB_HC_ICMP);

	/* an HTTP GET on a udp service: refused, on add and on set */
	s = (struct sov_lb_settings){ .has_hc_type = true, .hc_type = SOV_LB_HC_HTTP };
	assert_int_equal(sov_lb_service_set(&lb, &u, &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "health check http on a udp service: expected none, tcp, udp or icmp");
	assert_int_equal(set->hc_type, SOV_LB_HC_UDP);
	u = vip("10.0.0.54:53/udp");
	assert_int_equal(sov_lb_service_add(&lb, &u, &s, err, sizeof(err)), -EINVAL);
	assert_null(sov_lb_find(&lb, &u));
	u = vip("10.0.0.53:53/udp");

	s = (struct sov_lb_settings){ .has_hc_type = true, .hc_type = 5 };
	assert_int_equal(sov_lb_service_set(&lb, &t, &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "health check type 5 unknown: expected none, tcp, http, udp or icmp");

	/* send and expect only with a udp check: the one the service ends up with */
	s = (struct sov_lb_settings){ .has_hc_udp_send = true, .hc_udp_send_len = 4,
				      .hc_udp_send = "ping" };
	assert_int_equal(sov_lb_service_set(&lb, &t, &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "health check send applies to health udp only (this check is icmp)");
	s = (struct sov_lb_settings){ .has_hc_udp_expect = true, .hc_udp_expect_len = 4,
				      .hc_udp_expect = "pong" };
	assert_int_equal(sov_lb_service_set(&lb, &t, &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "health check expect applies to health udp only (this check is icmp)");
	s.has_hc_type = true;
	s.hc_type = SOV_LB_HC_TCP;
	assert_int_equal(sov_lb_service_set(&lb, &t, &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "health check expect applies to health udp only (this check is tcp)");
	assert_int_equal(sov_lb_find(&lb, &t)->set.hc_type, SOV_LB_HC_ICMP);
	s.hc_type = SOV_LB_HC_UDP;	/* type and payload in one request */
	assert_int_equal(sov_lb_service_set(&lb, &t, &s, err, sizeof(err)), 0);
	assert_int_equal(sov_lb_find(&lb, &t)->set.hc_udp_expect_len, 4);

	/* lengths: named, with the range; nothing applied */
	s = (struct sov_lb_settings){ .has_hc_udp_send = true, .hc_udp_send_len = 0 };
	assert_int_equal(sov_lb_service_set(&lb, &u, &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "health check send is 0 bytes: expected 1-256 bytes");
	s = (struct sov_lb_settings){ .has_hc_udp_send = true, .hc_udp_send_len = 300,
				      .has_hc_rise = true, .hc.rise = 1 };
	assert_int_equal(sov_lb_service_set(&lb, &u, &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "health check send is 300 bytes: expected 1-256 bytes");
	s = (struct sov_lb_settings){ .has_hc_udp_expect = true, .hc_udp_expect_len = 257 };
	assert_int_equal(sov_lb_service_set(&lb, &u, &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "health check expect is 257 bytes: expected 0-256 bytes");
	assert_int_equal(set->hc.rise, 2);
	assert_int_equal(set->hc_udp_send_len, 13);

	/* binary bytes, a NUL among them, are kept as given */
	s = (struct sov_lb_settings){ .has_hc_udp_send = true, .hc_udp_send_len = 3,
				      .hc_udp_send = { 'a', 0, 'b' },
				      .has_hc_udp_expect = true, .hc_udp_expect_len = 2,
				      .hc_udp_expect = { 0, 0xff } };
	assert_int_equal(sov_lb_service_set(&lb, &u, &s, err, sizeof(err)), 0);
	assert_int_equal(set->hc_udp_send_len, 3);
	assert_memory_equal(set->hc_udp_send, "a\0b", 3);
	assert_int_equal(set->hc_udp_expect_len, 2);
	assert_int_equal(set->hc_udp_expect[1], 0xff);
	/* an empty expect: any reply again */
	s = (struct sov_lb_settings){ .has_hc_udp_expect = true, .hc_udp_expect_len = 0 };
	assert_int_equal(sov_lb_service_set(&lb, &u, &s, err, sizeof(err)), 0);
	assert_int_equal(set->hc_udp_expect_len, 0);
	/* another check keeps the udp payload for a later switch back */
	s = (struct sov_lb_settings){ .has_hc_type = true, .hc_type = SOV_LB_HC_ICMP };
	assert_int_equal(sov_lb_service_set(&lb, &u, &s, err, sizeof(err)), 0);
	assert_int_equal(set->hc_udp_send_len, 3);

	assert_int_equal(sov_lb_hc_type_parse("icmp", &type), 0);
	assert_int_equal(type, SOV_LB_HC_ICMP);
	assert_int_equal(sov_lb_hc_type_parse("sctp", &type), -EINVAL);
	assert_string_equal(sov_lb_hc_type_name(SOV_LB_HC_UDP), "udp");
	assert_string_equal(sov_lb_hc_type_name(9), "unknown");
}

/* New rise/fall reach backends already being checked, keeping their state. */
static void test_thresholds_reach_live_backends(void **state)
{
	struct sov_lb_settings s = { .has_hc_rise = true, .hc.rise = 1,
				     .has_hc_fall = true, .hc.fall = 7 };
	struct sov_lb_service *svc;
	struct sov_lb_vip v;

	(void)state;
	add_three(&v, SOV_LB_HC_TCP);
	svc = sov_lb_find(&lb, &v);
	sov_health_report(&svc->be[0].health, false, 1);
	assert_int_equal(sov_lb_service_set(&lb, &v, &s, err, sizeof(err)), 0);
	assert_int_equal(svc->be[0].health.rise, 1);
	assert_int_equal(svc->be[2].health.fall, 7);
	assert_int_equal(svc->be[0].health.fail_run, 1);
	assert_int_equal(sov_health_report(&svc->be[0].health, true, 2), SOV_HEALTH_WENT_UP);
	/* a refused change leaves them alone */
	s.hc.rise = 11;
	assert_int_equal(sov_lb_service_set(&lb, &v, &s, err, sizeof(err)), -EINVAL);
	assert_int_equal(svc->be[0].health.rise, 1);
}

static void test_failed_write_keeps_the_live_bank(void **state)
{
	struct sov_lb_vip v;
	struct sov_lb_service *svc;

	(void)state;
	add_three(&v, SOV_LB_HC_NONE);
	svc = sov_lb_find(&lb, &v);
	fake.fail_map = SOV_LB_MAP_ACTIVE;
	assert_int_equal(sov_lb_commit(&lb, svc, &maps, err, sizeof(err)), -EIO);
	assert_non_null(strstr(err, "writing the active list"));
	assert_false(fake.svc_present);	/* the switch never happened */
	assert_int_equal(svc->bank, 0);
}

static void test_delete_removes_entry_first(void **state)
{
	struct sov_lb_settings s = { 0 };
	struct sov_lb_vip v, v2 = vip("10.0.0.100:443/tcp");

	(void)state;
	add_three(&v, SOV_LB_HC_NONE);
	assert_int_equal(sov_lb_service_add(&lb, &v2, &s, err, sizeof(err)), 1);
	assert_int_equal(sov_lb_commit(&lb, sov_lb_find(&lb, &v), &maps, err, sizeof(err)), 0);
	fake.nlog = 0;
	assert_int_equal(sov_lb_service_del(&lb, &v, &maps, err, sizeof(err)), 0);
	assert_int_equal(fake.log[0], -1 - SOV_LB_MAP_SERVICES);
	assert_null(sov_lb_find(&lb, &v));
	/* the address still serves port 443: kept */
	assert_true(fake.vip_present);
	assert_int_equal(sov_lb_service_del(&lb, &v2, &maps, err, sizeof(err)), 0);
	assert_false(fake.vip_present);
	assert_int_equal(sov_lb_service_del(&lb, &v2, &maps, err, sizeof(err)), -ENOENT);
}

static void test_backend_del_recommits(void **state)
{
	struct sov_lb_vip v;
	struct sov_lb_service *svc;

	(void)state;
	add_three(&v, SOV_LB_HC_NONE);
	svc = sov_lb_find(&lb, &v);
	assert_int_equal(sov_lb_commit(&lb, svc, &maps, err, sizeof(err)), 0);
	assert_int_equal(sov_lb_backend_del(&lb, &v, addr4("10.1.0.2"), 0, &maps, err, sizeof(err)), 0);
	assert_int_equal(fake.active[svc->bank * LB_MAX_SERVICES].count, 2);
	assert_int_equal(fake.backends[1].flags, 0);
	assert_int_equal(sov_lb_backend_del(&lb, &v, addr4("10.1.0.2"), 0, &maps, err, sizeof(err)),
			 -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_vip_parse, setup),
		cmocka_unit_test_setup(test_addr_parse, setup),
		cmocka_unit_test_setup(test_service_limits_and_messages, setup),
		cmocka_unit_test_setup(test_bad_settings_change_nothing, setup),
		cmocka_unit_test_setup(test_backend_validation, setup),
		cmocka_unit_test_setup(test_commit_switches_bank_last, setup),
		cmocka_unit_test_setup(test_health_gates_backends, setup),
		cmocka_unit_test_setup(test_health_check_kinds, setup),
		cmocka_unit_test_setup(test_thresholds_reach_live_backends, setup),
		cmocka_unit_test_setup(test_failed_write_keeps_the_live_bank, setup),
		cmocka_unit_test_setup(test_delete_removes_entry_first, setup),
		cmocka_unit_test_setup(test_backend_del_recommits, setup),
	};

	return cmocka_run_group_tests_name("lb_service", tests, NULL, NULL);
}
