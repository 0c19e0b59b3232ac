// SPDX-License-Identifier: GPL-2.0
/*
 * sovctl lb: the XDP load balancer. Changes go to sovereignd, which owns the
 * state; status with no daemon running is read from the pinned maps.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "../../lib/bpf/pins.h"
#include "../../lib/bpf/percpu.h"
#include "../../lib/lb/reason.h"
#include "../../lib/lb/service.h"
#include "lb.h"
#include "print.h"
#include "sovctl.h"

static const char *const lb_attr_names[SOV_A_LB_MAX + 1] = {
	[SOV_A_LB_VIP_ADDR] = "vip", [SOV_A_LB_VIP_PORT] = "port", [SOV_A_LB_PROTO] = "proto",
	[SOV_A_LB_POLICY] = "policy", [SOV_A_LB_MODE] = "mode",
	[SOV_A_LB_FALLBACK] = "fallback", [SOV_A_LB_STICKY_TIMEOUT_S] = "sticky",
	[SOV_A_LB_FRAG_PASS] = "fragments", [SOV_A_LB_HC_TYPE] = "health",
	[SOV_A_LB_HC_INTERVAL_S] = "interval", [SOV_A_LB_HC_TIMEOUT_MS] = "timeout",
	[SOV_A_LB_HC_RISE] = "rise", [SOV_A_LB_HC_FALL] = "fall",
	[SOV_A_LB_HC_HTTP_PATH] = "path", [SOV_A_LB_HC_HTTP_STATUS] = "status",
	[SOV_A_LB_BE_ADDR] = "backend", [SOV_A_LB_BE_PORT] = "backend port",
	[SOV_A_LB_BE_WEIGHT] = "weight", [SOV_A_LB_IFNAME] = "dev",
	[SOV_A_LB_XDP_MODE] = "mode", [SOV_A_LB_GW_MAC] = "via",
	[SOV_A_LB_HC_UDP_SEND] = "send", [SOV_A_LB_HC_UDP_EXPECT] = "expect",
};

static void put_vip(struct nlmsghdr *nlh, const struct sov_lb_vip *vip)
{
	mnl_attr_put(nlh, SOV_A_LB_VIP_ADDR, vip->family == AF_INET ? 4 : 16, vip->addr);
	mnl_attr_put_u16(nlh, SOV_A_LB_VIP_PORT, vip->port);
	mnl_attr_put_u8(nlh, SOV_A_LB_PROTO, vip->proto);
}

/* Send one request to sovereignd; print its refusal as it gave it. */
static int daemon_do(struct nlmsghdr *nlh, const char *what)
{
	struct sov_nl_err err;
	struct sov_ctl *c = malloc(sizeof(*c));
	int ret;

	if (!c)
		return op_error("out of memory");
	if (daemon_open(c, false, NULL)) {
		free(c);
		return EXIT_FAIL;
	}
	ret = sov_ctl_transact(c, nlh, NULL, NULL, &err);
	sov_ctl_close(c);
	free(c);
	if (ret)
		return report_nl_error(what, &err, lb_attr_names, SOV_A_LB_MAX + 1);
	return EXIT_OK;
}

static struct nlmsghdr *start(unsigned char *buf, uint8_t cmd)
{
	return sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, cmd, SOV_GENL_VERSION, 0, 0);
}

#define KW(word) (argc > 0 && matches(argv[0], word))

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* escapes of a udp check's bytes: \n \r \t \\ \" and \xHH */
static const char esc_name[] = "nrt\\\"", esc_byte[] = "\n\r\t\\\"";

/*
 * A udp check's bytes as typed, so a probe may end in a newline or carry
 * binary. Refused with the option's name and what was expected.
 */
static int unescape(const char *key, const char *val, uint8_t *out, uint32_t *len)
{
	const char *c, *e;
	uint32_t n = 0;
	uint8_t b;

	for (c = val; *c; c++) {
		b = (uint8_t)*c;
		if (*c == '\\' && c[1] == 'x') {
			if (hex_digit(c[2]) < 0 || hex_digit(c[3]) < 0)
				return usage_error("%s \"%s\": \\x needs two hex digits", key, val);
			b = (uint8_t)(hex_digit(c[2]) << 4 | hex_digit(c[3]));
			c += 3;
		} else if (*c == '\\') {
			e = c[1] ? strchr(esc_name, c[1]) : NULL;
			if (!e)
				return usage_error("%s \"%s\": unknown escape \\%.1s: expected \\n, \\r, \\t, \\\\, \\\" or \\xHH",
						   key, val, c + 1);
			b = (uint8_t)esc_byte[e - esc_name];
			c++;
		}
		if (n == SOV_LB_HC_UDP_MAX)
			return usage_error("health check %s is more than %u bytes: expected %s-%u bytes",
					   key, SOV_LB_HC_UDP_MAX, !strcmp(key, "send") ? "1" : "0",
					   SOV_LB_HC_UDP_MAX);
		out[n++] = b;
	}
	*len = n;
	return EXIT_OK;
}

/* The same bytes back, printable and re-typeable: what unescape() reads. */
static const char *escape(const uint8_t *b, size_t len, char *buf, size_t size)
{
	const char *e;
	size_t i, o = 0;

	for (i = 0; i < len && o + 5 < size; i++) {
		e = b[i] ? strchr(esc_byte, b[i]) : NULL;
		if (e) {
			buf[o++] = '\\';
			buf[o++] = esc_name[e - esc_byte];
		} else if (b[i] < 0x20 || b[i] >= 0x7f) {
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", b[i]);
		} else {
			buf[o++] = (char)b[i];
		}
	}
	buf[o] = '\0';
	return buf;
}

/* Service options, shared by add and set: appended as attributes. */
static int service_options(struct nlmsghdr *nlh, int argc, char **argv)
{
	uint32_t v;

	while (argc > 0) {
		const char *key = argv[0], *val = argc > 1 ? argv[1] : NULL;

		if (!val)
			return usage_error("\"%s\" needs a value, see \"sovctl lb help\"", key);
		if (!strcmp(key, "policy")) {
			if (sov_lb_policy_parse(val, &v))
				return usage_error("policy \"%s\" unknown: expected maglev, round-robin, weighted, least-conn, ip-hash or custom",
						   val);
			mnl_attr_put_u32(nlh, SOV_A_LB_POLICY, v);
		} else if (!strcmp(key, "mode")) {
			if (strcmp(val, "encap") && strcmp(val, "nat"))
				return usage_error("mode \"%s\" unknown: expected encap or nat", val);
			mnl_attr_put_u32(nlh, SOV_A_LB_MODE,
					 !strcmp(val, "nat") ? SOV_LB_MODE_NAT : SOV_LB_MODE_ENCAP);
		} else if (!strcmp(key, "fallback")) {
			if (strcmp(val, "drop") && strcmp(val, "pass"))
				return usage_error("fallback \"%s\" unknown: expected drop or pass", val);
			mnl_attr_put_u32(nlh, SOV_A_LB_FALLBACK,
					 !strcmp(val, "pass") ? SOV_LB_FALLBACK_PASS : SOV_LB_FALLBACK_DROP);
		} else if (!strcmp(key, "fragments")) {
			if (strcmp(val, "drop") && strcmp(val, "pass"))
				return usage_error("fragments \"%s\" unknown: expected drop or pass", val);
			mnl_attr_put_u8(nlh, SOV_A_LB_FRAG_PASS, !strcmp(val, "pass"));
		} else if (!strcmp(key, "health")) {
			if (sov_lb_hc_type_parse(val, &v))
				return usage_error("health \"%s\" unknown: expected none, tcp, http, udp or icmp",
						   val);
			mnl_attr_put_u32(nlh, SOV_A_LB_HC_TYPE, v);
		} else if (!strcmp(key, "send") || !strcmp(key, "expect")) {
			uint8_t bytes[SOV_LB_HC_UDP_MAX];
			uint32_t len = 0;
			int ret = unescape(key, val, bytes, &len);

			if (ret)
				return ret;
			mnl_attr_put(nlh, !strcmp(key, "send") ? SOV_A_LB_HC_UDP_SEND :
				     SOV_A_LB_HC_UDP_EXPECT, len, bytes);
		} else if (!strcmp(key, "path")) {
			/* the daemon keeps 127 bytes; longer would be cut, not refused */
			if (strlen(val) > 127)
				return usage_error("path is %zu bytes: expected at most 127", strlen(val));
			mnl_attr_put_strz(nlh, SOV_A_LB_HC_HTTP_PATH, val);
		} else if (!strcmp(key, "program")) {
			char *abs = realpath(val, NULL);	/* the daemon's cwd is not ours */

			if (!abs)
				return usage_error("program \"%s\": %s", val, strerror(errno));
			if (strlen(abs) > 255) {
				free(abs);
				return usage_error("program \"%s\": the path is longer than 255 bytes",
						   val);
			}
			mnl_attr_put_strz(nlh, SOV_A_LB_CUSTOM_PROG, abs);
			free(abs);
		} else {
			static const struct { const char *word; int attr; } nums[] = {
				{ "sticky", SOV_A_LB_STICKY_TIMEOUT_S },
				{ "interval", SOV_A_LB_HC_INTERVAL_S },
				{ "timeout", SOV_A_LB_HC_TIMEOUT_MS },
				{ "rise", SOV_A_LB_HC_RISE },
				{ "fall", SOV_A_LB_HC_FALL },
				{ "status", SOV_A_LB_HC_HTTP_STATUS },
			};
			unsigned int i;

			for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
				if (!strcmp(key, nums[i].word))
					break;
			if (i == sizeof(nums) / sizeof(nums[0]))
				return usage_error("unknown service option \"%s\", see \"sovctl lb help\"",
						   key);
			if (parse_u32(val, 10, &v))
				return usage_error("%s \"%s\": expected a number", nums[i].word, val);
			mnl_attr_put_u32(nlh, (uint16_t)nums[i].attr, v);
		}
		argc -= 2;
		argv += 2;
	}
	return EXIT_OK;
}

static int lb_service(int argc, char **argv)
{
	/* every option at its longest fits: send and expect 256 bytes each */
	unsigned char buf[4096];
	struct sov_lb_vip vip;
	struct nlmsghdr *nlh;
	char err[256];
	uint8_t cmd;
	int ret;

	if (argc < 1)
		return usage_error("'lb service' needs add, set or del");
	if (matches(argv[0], "add"))
		cmd = SOV_CMD_LB_SERVICE_ADD;
	else if (matches(argv[0], "set"))
		cmd = SOV_CMD_LB_SERVICE_SET;
	else if (matches(argv[0], "del"))
		cmd = SOV_CMD_LB_SERVICE_DEL;
	else
		return usage_error("'lb service %s': expected add, set or del", argv[0]);
	if (argc < 2)
		return usage_error("'lb service %s' needs a service: ADDR:PORT/tcp or ADDR:PORT/udp",
				   argv[0]);
	if (sov_lb_vip_parse(argv[1], &vip, err, sizeof(err)))
		return usage_error("%s", err);
	nlh = start(buf, cmd);
	put_vip(nlh, &vip);
	if (cmd == SOV_CMD_LB_SERVICE_DEL) {
		if (argc > 2)
			return usage_error("'lb service del' takes only the service, got \"%s\"", argv[2]);
	} else {
		ret = service_options(nlh, argc - 2, argv + 2);
		if (ret)
			return ret;
	}
	return daemon_do(nlh, cmd == SOV_CMD_LB_SERVICE_ADD ? "service add" :
			 cmd == SOV_CMD_LB_SERVICE_SET ? "service set" : "service del");
}

static int lb_backend(int argc, char **argv)
{
	unsigned char buf[512];
	struct sov_lb_vip vip;
	struct nlmsghdr *nlh;
	uint8_t addr[16];
	uint16_t port;
	uint32_t weight;
	char err[256];
	uint8_t cmd;
	int family;

	if (argc < 1)
		return usage_error("'lb backend' needs add, set or del");
	if (matches(argv[0], "add"))
		cmd = SOV_CMD_LB_BACKEND_ADD;
	else if (matches(argv[0], "set"))
		cmd = SOV_CMD_LB_BACKEND_SET;
	else if (matches(argv[0], "del"))
		cmd = SOV_CMD_LB_BACKEND_DEL;
	else
		return usage_error("'lb backend %s': expected add, set or del", argv[0]);
	if (argc < 3)
		return usage_error("'lb backend %s' needs a service and a backend: SERVICE ADDR[:PORT]",
				   argv[0]);
	if (sov_lb_vip_parse(argv[1], &vip, err, sizeof(err)))
		return usage_error("%s", err);
	if (sov_lb_addr_parse(argv[2], &family, addr, &port, err, sizeof(err)))
		return usage_error("backend %s", err);
	nlh = start(buf, cmd);
	put_vip(nlh, &vip);
	mnl_attr_put(nlh, SOV_A_LB_BE_ADDR, family == AF_INET ? 4 : 16, addr);
	if (port)
		mnl_attr_put_u16(nlh, SOV_A_LB_BE_PORT, port);
	argc -= 3;
	argv += 3;
	if (argc > 0) {
		if (cmd == SOV_CMD_LB_BACKEND_DEL || !matches(argv[0], "weight") || argc != 2)
			return usage_error("unexpected \"%s\": expected [weight 1-1000]", argv[0]);
		if (parse_u32(argv[1], 10, &weight))
			return usage_error("weight \"%s\": expected a number", argv[1]);
		mnl_attr_put_u32(nlh, SOV_A_LB_BE_WEIGHT, weight);
	} else if (cmd == SOV_CMD_LB_BACKEND_SET) {
		return usage_error("'lb backend set' needs weight W");
	}
	return daemon_do(nlh, cmd == SOV_CMD_LB_BACKEND_ADD ? "backend add" :
			 cmd == SOV_CMD_LB_BACKEND_SET ? "backend set" : "backend del");
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int m[6];
	char tail;
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5],
		   &tail) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		if (m[i] > 255)
			return -EINVAL;
		mac[i] = (uint8_t)m[i];
	}
	return 0;
}

static int lb_attach(int argc, char **argv)
{
	unsigned char buf[512];
	struct nlmsghdr *nlh = start(buf, SOV_CMD_LB_ATTACH);
	bool dev = false, via = false;
	uint8_t mac[6], addr[16];

	for (; argc > 0; argc -= 2, argv += 2) {
		if (argc < 2)
			return usage_error("\"%s\" needs a value", argv[0]);
		if (matches(argv[0], "dev")) {
			mnl_attr_put_strz(nlh, SOV_A_LB_IFNAME, argv[1]);
			dev = true;
		} else if (matches(argv[0], "via")) {
			if (parse_mac(argv[1], mac))
				return usage_error("via \"%s\": expected the next hop's MAC, aa:bb:cc:dd:ee:ff",
						   argv[1]);
			mnl_attr_put(nlh, SOV_A_LB_GW_MAC, 6, mac);
			via = true;
		} else if (matches(argv[0], "mode")) {
			if (strcmp(argv[1], "native") && strcmp(argv[1], "generic"))
				return usage_error("mode \"%s\" unknown: expected native or generic",
						   argv[1]);
			mnl_attr_put_u32(nlh, SOV_A_LB_XDP_MODE, !strcmp(argv[1], "generic") ?
					 SOV_LB_XDP_GENERIC : SOV_LB_XDP_NATIVE);
		} else if (matches(argv[0], "src")) {
			if (inet_pton(AF_INET, argv[1], addr) == 1)
				mnl_attr_put(nlh, SOV_A_LB_SRC4, 4, addr);
			else if (inet_pton(AF_INET6, argv[1], addr) == 1)
				mnl_attr_put(nlh, SOV_A_LB_SRC6, 16, addr);
			else
				return usage_error("src \"%s\": expected an IPv4 or IPv6 address", argv[1]);
		} else {
			return usage_error("unknown attach option \"%s\": expected dev, via, mode or src",
					   argv[0]);
		}
	}
	if (!dev || !via)
		return usage_error("'lb attach' needs dev IFNAME and via GATEWAY-MAC");
	return daemon_do(nlh, "attach");
}

/* ---- status ---------------------------------------------------------------------- */

static const char *health_name(uint32_t h)
{
	return h == SOV_LB_HEALTH_UP ? "up" : h == SOV_LB_HEALTH_DOWN ? "down" : "unchecked";
}

static void print_addr(const char *key, const char *fmt, int family, const void *addr)
{
	char a[INET6_ADDRSTRLEN];

	print_string(key, fmt, inet_ntop(family, addr, a, sizeof(a)));
}

enum lb_view { VIEW_STATUS, VIEW_BACKENDS, VIEW_HEALTH, VIEW_METRICS };

struct dump_ctx {
	enum lb_view view;
	unsigned int n;
};

static uint64_t u64_of(const struct nlattr *a)
{
	return a ? mnl_attr_get_u64(a) : 0;
}

static uint32_t u32_of(const struct nlattr *a)
{
	return a ? mnl_attr_get_u32(a) : 0;
}

static const enum mnl_attr_data_type lb_reply_types[SOV_A_LB_MAX + 1] = {
	[SOV_A_LB_VIP_ADDR] = MNL_TYPE_BINARY, [SOV_A_LB_VIP_PORT] = MNL_TYPE_U16,
	[SOV_A_LB_PROTO] = MNL_TYPE_U8, [SOV_A_LB_POLICY] = MNL_TYPE_U32,
	[SOV_A_LB_MODE] = MNL_TYPE_U32, [SOV_A_LB_FALLBACK] = MNL_TYPE_U32,
	[SOV_A_LB_STICKY_TIMEOUT_S] = MNL_TYPE_U32, [SOV_A_LB_HC_TYPE] = MNL_TYPE_U32,
	[SOV_A_LB_HC_INTERVAL_S] = MNL_TYPE_U32, [SOV_A_LB_HC_RISE] = MNL_TYPE_U32,
	[SOV_A_LB_HC_FALL] = MNL_TYPE_U32, [SOV_A_LB_SERVICE_INDEX] = MNL_TYPE_U32,
	[SOV_A_LB_TABLE_SIZE] = MNL_TYPE_U32, [SOV_A_LB_BACKEND] = MNL_TYPE_NESTED,
	[SOV_A_LB_BE_ADDR] = MNL_TYPE_BINARY, [SOV_A_LB_BE_PORT] = MNL_TYPE_U16,
	[SOV_A_LB_BE_WEIGHT] = MNL_TYPE_U32, [SOV_A_LB_BE_ID] = MNL_TYPE_U32,
	[SOV_A_LB_BE_HEALTH] = MNL_TYPE_U32, [SOV_A_LB_BE_CONNS] = MNL_TYPE_U64,
	[SOV_A_LB_PACKETS] = MNL_TYPE_U64, [SOV_A_LB_BYTES] = MNL_TYPE_U64,
	[SOV_A_LB_NEW_FLOWS] = MNL_TYPE_U64, [SOV_A_LB_NO_BACKEND] = MNL_TYPE_U64,
	[SOV_A_LB_FLOW_RATE] = MNL_TYPE_U32, [SOV_A_LB_LAT_COUNT] = MNL_TYPE_U64,
	[SOV_A_LB_LAT_P50_NS] = MNL_TYPE_U64, [SOV_A_LB_LAT_P90_NS] = MNL_TYPE_U64,
	[SOV_A_LB_LAT_P99_NS] = MNL_TYPE_U64, [SOV_A_LB_LAT_P999_NS] = MNL_TYPE_U64,
	[SOV_A_LB_ERR_RST] = MNL_TYPE_U64, [SOV_A_LB_ERR_UNREACH] = MNL_TYPE_U64,
	[SOV_A_LB_HC_CHECKS] = MNL_TYPE_U64, [SOV_A_LB_HC_FAILURES] = MNL_TYPE_U64,
	[SOV_A_LB_HC_CHANGES] = MNL_TYPE_U64, [SOV_A_LB_HC_SINCE_NS] = MNL_TYPE_U64,
	[SOV_A_LB_HC_TIMEOUT_MS] = MNL_TYPE_U32, [SOV_A_LB_HC_HTTP_PATH] = MNL_TYPE_NUL_STRING,
	[SOV_A_LB_HC_HTTP_STATUS] = MNL_TYPE_U32, [SOV_A_LB_HC_UDP_SEND] = MNL_TYPE_BINARY,
	[SOV_A_LB_HC_UDP_EXPECT] = MNL_TYPE_BINARY, [SOV_A_LB_HC_HISTORY] = MNL_TYPE_NESTED,
	[SOV_A_LB_HC_EVENT] = MNL_TYPE_NESTED, [SOV_A_LB_HC_EVENT_AGE_NS] = MNL_TYPE_U64,
	[SOV_A_LB_HC_EVENT_FROM] = MNL_TYPE_U32, [SOV_A_LB_HC_EVENT_TO] = MNL_TYPE_U32,
};

/* "850us", "12.3ms", "1.20s" */
static const char *fmt_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000000)
		snprintf(buf, len, "%lluus", (unsigned long long)(ns / 1000));
	else if (ns < 1000000000)
		snprintf(buf, len, "%.1fms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", (double)ns / 1e9);
	return buf;
}

/* The check's own settings: http path and status, udp bytes sent and expected. */
static void print_check(const struct nlattr **tb, uint32_t type)
{
	char buf[4 * SOV_LB_HC_UDP_MAX + 1], fmt[4 * SOV_LB_HC_UDP_MAX + 32];
	const struct nlattr *a;

	if (type == SOV_LB_HC_HTTP) {
		if (tb[SOV_A_LB_HC_HTTP_PATH])
			print_string("http_path", "  path %s",
				     mnl_attr_get_str(tb[SOV_A_LB_HC_HTTP_PATH]));
		print_u64("http_status", "  status %llu", u32_of(tb[SOV_A_LB_HC_HTTP_STATUS]));
	}
	if (type != SOV_LB_HC_UDP)
		return;
	/* escaped as sovctl reads them, in text and JSON alike */
	a = tb[SOV_A_LB_HC_UDP_SEND];
	if (a) {
		escape(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a), buf, sizeof(buf));
		snprintf(fmt, sizeof(fmt), "  send \"%s\"", buf);
		print_string("udp_send", NULL, buf);
		print_text("%s", fmt);
	}
	a = tb[SOV_A_LB_HC_UDP_EXPECT];
	if (a && mnl_attr_get_payload_len(a)) {
		escape(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a), buf, sizeof(buf));
		snprintf(fmt, sizeof(fmt), "  expect \"%s\"", buf);
		print_string("udp_expect", NULL, buf);
		print_text("%s", fmt);
	}
}

static const char *transition_name(uint32_t h)
{
	return h == SOV_LB_HEALTH_UP ? "up" : h == SOV_LB_HEALTH_DOWN ? "down" : "unknown";
}

/*
 * The backend's last transitions as the daemon sends them, newest first:
 * "history: 3.0s ago up->down, 12.3s ago unknown->up"; in JSON an array of
 * { age_ns, from, to }.
 */
static void print_history(const struct nlattr *hist)
{
	const struct nlattr *ev;
	unsigned int n = 0;
	char dur[64];

	print_open_array("history");
	mnl_attr_for_each_nested(ev, hist) {
		const struct nlattr *et[SOV_A_LB_MAX + 1];
		struct sov_nl_err err;
		uint32_t from, to;
		uint64_t age;

		if (mnl_attr_get_type(ev) != SOV_A_LB_HC_EVENT ||
		    sov_nl_parse_nested(ev, et, SOV_A_LB_MAX, lb_reply_types, &err))
			continue;
		age = u64_of(et[SOV_A_LB_HC_EVENT_AGE_NS]);
		from = u32_of(et[SOV_A_LB_HC_EVENT_FROM]);
		to = u32_of(et[SOV_A_LB_HC_EVENT_TO]);
		print_open_object(NULL);
		print_text("%s %s ago %s->%s", n++ ? "," : "      history:",
			   print_fmt_duration(age, dur, sizeof(dur)), transition_name(from),
			   transition_name(to));
		print_u64("age_ns", NULL, age);
		print_string("from", NULL, transition_name(from));
		print_string("to", NULL, transition_name(to));
		print_close_object();
	}
	print_close_array();
	if (n)
		print_text("\n");
}

static void print_nat_metrics(const struct nlattr **bt)
{
	static const struct { int attr; const char *key, *label; } q[] = {
		{ SOV_A_LB_LAT_P50_NS, "latency_p50_ns", "p50" },
		{ SOV_A_LB_LAT_P90_NS, "latency_p90_ns", "p90" },
		{ SOV_A_LB_LAT_P99_NS, "latency_p99_ns", "p99" },
		{ SOV_A_LB_LAT_P999_NS, "latency_p999_ns", "p99.9" },
	};
	uint64_t errs, flows, ppm;
	char buf[32], fmt[48];
	unsigned int i;

	print_u64("latency_samples", "\n      connect latency (%llu samples):",
		  u64_of(bt[SOV_A_LB_LAT_COUNT]));
	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		snprintf(fmt, sizeof(fmt), " %s %s", q[i].label,
			 fmt_ns(u64_of(bt[q[i].attr]), buf, sizeof(buf)));
		print_u64(q[i].key, NULL, u64_of(bt[q[i].attr]));
		print_text("%s", fmt);
	}
	print_u64("resets", "  resets %llu", u64_of(bt[SOV_A_LB_ERR_RST]));
	print_u64("unreachable", "  unreachable %llu", u64_of(bt[SOV_A_LB_ERR_UNREACH]));
	/* errors per new flow: a reset or an unreachable each ends one connection */
	errs = u64_of(bt[SOV_A_LB_ERR_RST]) + u64_of(bt[SOV_A_LB_ERR_UNREACH]);
	flows = u64_of(bt[SOV_A_LB_NEW_FLOWS]);
	ppm = flows ? (errs >= flows ? 1000000 : errs * 1000000 / flows) : 0;
	print_u64("error_rate_ppm", NULL, ppm);
	print_text("  error rate %llu.%02llu %%", (unsigned long long)(ppm / 10000),
		   (unsigned long long)(ppm / 100 % 100));
}


static int service_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *ctx = data;
	const struct nlattr *tb[SOV_A_LB_MAX + 1], *a;
	struct sov_lb_vip vip = { 0 };
	char v[96];
	int family;

	sov_nl_parse_known(nlh, tb, SOV_A_LB_MAX, lb_reply_types);
	if (!tb[SOV_A_LB_VIP_ADDR] || !tb[SOV_A_LB_VIP_PORT] || !tb[SOV_A_LB_PROTO])
		return MNL_CB_OK;
	family = mnl_attr_get_payload_len(tb[SOV_A_LB_VIP_ADDR]) == 4 ? AF_INET : AF_INET6;
	vip.family = family;
	memcpy(vip.addr, mnl_attr_get_payload(tb[SOV_A_LB_VIP_ADDR]),
	       family == AF_INET ? 4 : 16);
	vip.port = mnl_attr_get_u16(tb[SOV_A_LB_VIP_PORT]);
	vip.proto = mnl_attr_get_u8(tb[SOV_A_LB_PROTO]);
	ctx->n++;

	print_open_object(NULL);
	print_string("service", "service %s", sov_lb_vip_format(&vip, v, sizeof(v)));
	print_string("policy", "  policy %s", sov_lb_policy_name(u32_of(tb[SOV_A_LB_POLICY])));
	print_string("mode", "  mode %s",
		     u32_of(tb[SOV_A_LB_MODE]) == SOV_LB_MODE_NAT ? "nat" : "encap");
	print_string("fallback", "  fallback %s",
		     u32_of(tb[SOV_A_LB_FALLBACK]) == SOV_LB_FALLBACK_PASS ? "pass" : "drop");
	print_u64("sticky_timeout_s", "  sticky %llus", u32_of(tb[SOV_A_LB_STICKY_TIMEOUT_S]));
	print_u64("table_size", "  table %llu", u32_of(tb[SOV_A_LB_TABLE_SIZE]));
	print_text("\n");
	if (ctx->view == VIEW_HEALTH || ctx->view == VIEW_STATUS) {
		uint32_t t = u32_of(tb[SOV_A_LB_HC_TYPE]);

		print_string("health_check", "  health %s", sov_lb_hc_type_name(t));
		print_u64("interval_s", "  every %llus", u32_of(tb[SOV_A_LB_HC_INTERVAL_S]));
		print_u64("timeout_ms", "  timeout %llums", u32_of(tb[SOV_A_LB_HC_TIMEOUT_MS]));
		print_u64("rise", "  rise %llu", u32_of(tb[SOV_A_LB_HC_RISE]));
		print_u64("fall", "  fall %llu", u32_of(tb[SOV_A_LB_HC_FALL]));
		print_check(tb, t);
		print_text("\n");
	}
	if (ctx->view == VIEW_METRICS || ctx->view == VIEW_STATUS) {
		print_u64("packets", "  packets %llu", u64_of(tb[SOV_A_LB_PACKETS]));
		print_u64("bytes", "  bytes %llu", u64_of(tb[SOV_A_LB_BYTES]));
		print_u64("new_flows", "  new flows %llu", u64_of(tb[SOV_A_LB_NEW_FLOWS]));
		print_u64("no_backend", "  no backend %llu\n", u64_of(tb[SOV_A_LB_NO_BACKEND]));
	}
	if (ctx->view == VIEW_METRICS && u32_of(tb[SOV_A_LB_MODE]) != SOV_LB_MODE_NAT)
		print_text("  (encap mode: replies bypass the balancer, so connect latency and backend\n"
			   "   errors are not measured; they need mode nat)\n");
	print_open_array("backends");
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		const struct nlattr *bt[SOV_A_LB_MAX + 1];
		struct sov_nl_err err;

		if (mnl_attr_get_type(a) != SOV_A_LB_BACKEND ||
		    sov_nl_parse_nested(a, bt, SOV_A_LB_MAX, lb_reply_types, &err) ||
		    !bt[SOV_A_LB_BE_ADDR])
			continue;
		print_open_object(NULL);
		print_addr("address", "  backend %-16s", family, mnl_attr_get_payload(bt[SOV_A_LB_BE_ADDR]));
		if (bt[SOV_A_LB_BE_PORT] && mnl_attr_get_u16(bt[SOV_A_LB_BE_PORT]))
			print_u64("port", " port %llu", mnl_attr_get_u16(bt[SOV_A_LB_BE_PORT]));
		print_u64("weight", " weight %-4llu", u32_of(bt[SOV_A_LB_BE_WEIGHT]));
		print_string("health", " %-9s", health_name(u32_of(bt[SOV_A_LB_BE_HEALTH])));
		print_u64("id", NULL, u32_of(bt[SOV_A_LB_BE_ID]));
		if (ctx->view == VIEW_HEALTH && bt[SOV_A_LB_HC_CHECKS]) {
			char dur[64];
			uint64_t since = u64_of(bt[SOV_A_LB_HC_SINCE_NS]);

			print_u64("checks", " checks %llu", u64_of(bt[SOV_A_LB_HC_CHECKS]));
			print_u64("failures", " failed %llu", u64_of(bt[SOV_A_LB_HC_FAILURES]));
			print_u64("changes", " changes %llu", u64_of(bt[SOV_A_LB_HC_CHANGES]));
			print_u64("since_change_ns", NULL, since);
			if (since)
				print_text(" for %s", print_fmt_duration(since, dur, sizeof(dur)));
		}
		if (ctx->view != VIEW_HEALTH) {
			print_u64("connections", " conns %-6llu", u64_of(bt[SOV_A_LB_BE_CONNS]));
			print_u64("packets", " packets %-8llu", u64_of(bt[SOV_A_LB_PACKETS]));
			print_u64("bytes", " bytes %-10llu", u64_of(bt[SOV_A_LB_BYTES]));
			print_u64("new_flows", " new flows %llu", u64_of(bt[SOV_A_LB_NEW_FLOWS]));
			print_u64("flows_per_s", " rate %llu/s", u32_of(bt[SOV_A_LB_FLOW_RATE]));
			if (ctx->view == VIEW_METRICS && bt[SOV_A_LB_LAT_COUNT])
				print_nat_metrics(bt);
		}
		print_text("\n");
		if (ctx->view == VIEW_HEALTH && bt[SOV_A_LB_HC_HISTORY])
			print_history(bt[SOV_A_LB_HC_HISTORY]);
		print_close_object();
	}
	print_close_array();
	print_close_object();
	return MNL_CB_OK;
}

/*
 * Verdicts by reason, for every service together: read from the pinned
 * lb_stats (the daemon keeps no copy). Only reasons that happened are shown.
 */
static void print_verdicts(void)
{
	char path[512];
	unsigned int r;
	int fd;

	snprintf(path, sizeof(path), "%s/lb/lb_stats", sovctl.bpf_dir);
	fd = bpf_obj_get(path);
	print_open_object("verdicts");
	print_text("verdicts (all services, %s):\n", path);
	for (r = 0; fd >= 0 && r < LB_R_MAX; r++) {
		uint64_t c[2];

		if (sov_bpf_percpu_sum(fd, r, sizeof(struct lb_counter), c) || !c[0])
			continue;
		print_open_object(sov_lb_reason_name(r));
		print_text("  %-20s", sov_lb_reason_name(r));
		print_u64("packets", " packets %-10llu", c[0]);
		print_u64("bytes", " bytes %llu\n", c[1]);
		print_close_object();
	}
	if (fd < 0)
		print_text("  (cannot read %s: %s)\n", path, strerror(errno));
	else
		close(fd);
	print_close_object();
}

static int lb_show(enum lb_view view, int argc, char **argv)
{
	unsigned char buf[64];
	struct dump_ctx ctx = { .view = view };
	struct sov_nl_err err;
	struct nlmsghdr *nlh;
	struct sov_ctl *c;
	bool absent;
	int ret;

	if (argc > 0)
		return usage_error("unexpected \"%s\"", argv[0]);
	c = malloc(sizeof(*c));
	if (!c)
		return op_error("out of memory");
	if (daemon_open(c, true, &absent)) {
		free(c);
		if (absent)
			return lb_show_pinned(sovctl.bpf_dir, view == VIEW_METRICS);
		return EXIT_FAIL;
	}
	nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_LB_SERVICE_GET,
			     SOV_GENL_VERSION, NLM_F_DUMP, 0);
	print_begin(sovctl.json, sovctl.pretty, stdout);
	print_open_array("services");
	ret = sov_ctl_transact(c, nlh, service_cb, &ctx, &err);
	print_close_array();
	if (!ret && view == VIEW_METRICS)
		print_verdicts();
	sov_ctl_close(c);
	free(c);
	if (!ret && !ctx.n)
		print_text("no services (add one: sovctl lb service add ADDR:PORT/tcp)\n");
	print_end();
	if (ret)
		return report_nl_error("lb status", &err, lb_attr_names, SOV_A_LB_MAX + 1);
	return EXIT_OK;
}

static int lb_policies(void)
{
	static const struct { const char *name, *what; } p[] = {
		{ "maglev", "consistent hash of the 5-tuple; a backend change moves only its share (default)" },
		{ "round-robin", "each new flow to the next backend, per CPU" },
		{ "weighted", "smooth weighted round-robin by backend weight" },
		{ "least-conn", "the backend with the fewest open connections" },
		{ "ip-hash", "consistent hash of the client address: a client stays on one backend" },
		{ "custom", "your XDP program picks (program FILE; contract in Documentation/lb.rst)" },
	};
	unsigned int i;

	print_begin(sovctl.json, sovctl.pretty, stdout);
	print_open_array("policies");
	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		print_open_object(NULL);
		print_string("name", "%-12s", p[i].name);
		print_string("description", " %s\n", p[i].what);
		print_close_object();
	}
	print_close_array();
	print_end();
	return EXIT_OK;
}

static int lb_help(void)
{
	fputs("Usage: sovctl lb { status | backends | health | metrics | policies }\n"
	      "       sovctl lb service { add | set } SERVICE [ OPTIONS ]\n"
	      "       sovctl lb service del SERVICE\n"
	      "       sovctl lb backend add SERVICE ADDR[:PORT] [ weight W ]\n"
	      "       sovctl lb backend set SERVICE ADDR[:PORT] weight W\n"
	      "       sovctl lb backend del SERVICE ADDR[:PORT]\n"
	      "       sovctl lb attach dev IFNAME via GATEWAY-MAC [ mode { native | generic } ] [ src ADDR ]\n"
	      "       sovctl lb detach\n"
	      "       sovctl lb monitor\n"
	      "where  SERVICE := ADDR:PORT/{ tcp | udp }   (IPv6: [ADDR]:PORT/tcp)\n"
	      "       OPTIONS := [ policy { maglev | round-robin | weighted | least-conn | ip-hash | custom } ]\n"
	      "                  [ program ELF-FILE ]   (policy custom: see Documentation/lb.rst)\n"
	      "                  [ mode { encap | nat } ] [ fallback { drop | pass } ]\n"
	      "                  [ sticky SECONDS ] [ fragments { drop | pass } ]\n"
	      "                  [ health { none | tcp | http | udp | icmp } ] [ interval 1-60 ]\n"
	      "                  [ timeout MS ] [ rise 1-10 ] [ fall 1-10 ]\n"
	      "                  [ path /PATH ] [ status 100-599 ]     (health http)\n"
	      "                  [ send BYTES ] [ expect BYTES ]       (health udp)\n"
	      "       ADDR:PORT of a backend: the port only in nat mode; weight 1-1000\n"
	      "       BYTES: 1-256 to send (default \"sovereign-hc\\n\"), 0-256 the reply must start\n"
	      "              with (default \"\": any reply); escapes \\n \\r \\t \\\\ \\\" \\xHH\n"
	      "\n"
	      "Changes go to sovereignd; 'status' without it reads the maps pinned under\n"
	      SOV_BPF_PIN_DIR "/lb (read-only). 'monitor' prints sovereignd's events (health\n"
	      "changes, services left with no live backend and their recovery, changes,\n"
	      "attach and detach) as they happen, one line each (-j: JSON lines), until\n"
	      "interrupted.\n", stdout);
	return EXIT_OK;
}

int do_lb(int argc, char **argv)
{
	if (argc == 0 || matches(argv[0], "status"))
		return lb_show(VIEW_STATUS, argc ? argc - 1 : 0, argv + (argc ? 1 : 0));
	if (!strcmp(argv[0], "backend"))	/* before "backends", of which it is a prefix */
		return lb_backend(argc - 1, argv + 1);
	if (matches(argv[0], "backends"))
		return lb_show(VIEW_BACKENDS, argc - 1, argv + 1);
	if (matches(argv[0], "health"))
		return lb_show(VIEW_HEALTH, argc - 1, argv + 1);
	if (matches(argv[0], "metrics"))
		return lb_show(VIEW_METRICS, argc - 1, argv + 1);
	if (matches(argv[0], "monitor"))	/* after "metrics": "m" stays metrics */
		return lb_monitor(argc - 1, argv + 1);
	if (matches(argv[0], "policies"))
		return lb_policies();
	if (matches(argv[0], "service"))
		return lb_service(argc - 1, argv + 1);
	if (matches(argv[0], "backend"))
		return lb_backend(argc - 1, argv + 1);
	if (matches(argv[0], "attach"))
		return lb_attach(argc - 1, argv + 1);
	if (matches(argv[0], "detach")) {
		unsigned char buf[64];

		if (argc > 1)
			return usage_error("'lb detach' takes no arguments");
		return daemon_do(start(buf, SOV_CMD_LB_DETACH), "detach");
	}
	if (matches(argv[0], "help"))
		return lb_help();
	return usage_error("command \"%s\" is unknown for 'lb', try \"sovctl lb help\"", argv[0]);
}
