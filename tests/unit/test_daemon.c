// SPDX-License-Identifier: GPL-2.0
/*
 * sovereignd, built with ASan+UBSan, driven over its control socket on the
 * host (no module here): replies, precise errors for bad requests, bad
 * clients dropped without harm, single instance, clean SIGTERM with no leaks.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "../../lib/lb/conns.h"
#include "../../lib/lb/service.h"
#include "../../lib/nl/nl.h"
#include "../../tools/sovctl/lb.h"
#include "../../tools/sovctl/sovctl.h"
#include "../../uapi/linux/sovereign.h"

static char dir[64], sock[128], logpath[128], bpfdir[128];
static const char *daemon_bin;

/* Every daemon started, so none outlives a test that failed half-way. */
static pid_t spawned[16];
static unsigned int nspawned;

static void reap_all(void)
{
	unsigned int i;

	for (i = 0; i < nspawned; i++)
		if (spawned[i] > 0 && kill(spawned[i], SIGKILL) == 0)
			waitpid(spawned[i], NULL, 0);
}

static pid_t spawn(const char *log, bool bpf)
{
	pid_t pid = fork();

	if (pid > 0 && nspawned < sizeof(spawned) / sizeof(spawned[0]))
		spawned[nspawned++] = pid;

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 1);
		dup2(fd, 2);
		if (bpf)
			execl(daemon_bin, daemon_bin, "-s", sock, "-b", bpfdir,
			      "-l", "debug", NULL);
		else
			execl(daemon_bin, daemon_bin, "-s", sock, "--no-bpf",
			      "-l", "debug", NULL);
		_exit(127);
	}
	return pid;
}

static bool wait_socket(void)
{
	struct stat st;
	int i;

	for (i = 0; i < 200; i++) {
		if (stat(sock, &st) == 0 && S_ISSOCK(st.st_mode))
			return true;
		usleep(50000);
	}
	return false;
}

/* Reaped: its pid may be reused, never kill it again. */
static void forget(pid_t pid)
{
	unsigned int i;

	for (i = 0; i < nspawned; i++)
		if (spawned[i] == pid)
			spawned[i] = 0;
}

static int stop(pid_t pid)
{
	int status;

	kill(pid, SIGTERM);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	forget(pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The whole file: debug logs with libbpf's output run to megabytes. */
static bool file_contains(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	size_t len = 0, cap = 1 << 16, n;
	char *text = malloc(cap);
	bool found;

	if (!f || !text) {
		if (f)
			fclose(f);
		free(text);
		return false;
	}
	while ((n = fread(text + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *bigger = realloc(text, cap * 2);

			if (!bigger)
				break;
			text = bigger;
			cap *= 2;
		}
	}
	fclose(f);
	text[len] = '\0';
	found = strstr(text, needle) != NULL;
	free(text);
	return found;
}

static bool log_contains(const char *needle)
{
	return file_contains(logpath, needle);
}

struct reply {
	uint32_t pid;
	uint8_t module_state;
	uint64_t requests;
	uint32_t bpf_progs;
	int count;
};

static int reply_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reply *r = data;
	const struct nlattr *a;

	r->count++;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case SOV_A_DAEMON_PID:
			r->pid = mnl_attr_get_u32(a);
			break;
		case SOV_A_DAEMON_MODULE_STATE:
			r->module_state = mnl_attr_get_u8(a);
			break;
		case SOV_A_DAEMON_REQUESTS:
			r->requests = mnl_attr_get_u64(a);
			break;
		case SOV_A_DAEMON_BPF_PROGS:
			r->bpf_progs = mnl_attr_get_u32(a);
			break;
		}
	}
	return MNL_CB_OK;
}

/* One request on a fresh connection; @fill adds the attributes. */
static int request(uint16_t type, uint8_t cmd, uint16_t flags, void (*fill)(struct nlmsghdr *),
		   int (*cb)(const struct nlmsghdr *, void *), void *data, struct sov_nl_err *err)
{
	struct sov_ctl *c = malloc(sizeof(*c));
	unsigned char buf[512];
	struct nlmsghdr *nlh;
	int ret;

	assert_non_null(c);
	assert_int_equal(sov_ctl_connect(c, sock), 0);
	nlh = sov_nl_put_hdr(buf, type, cmd, 1, flags, 0);
	if (fill)
		fill(nlh);
	ret = sov_ctl_transact(c, nlh, cb, data, err);
	sov_ctl_close(c);
	free(c);
	return ret;
}

static void put_stray_attr(struct nlmsghdr *nlh)
{
	mnl_attr_put_u32(nlh, 1, 1);
}

static int transact(uint8_t cmd, uint16_t type, bool with_attr, struct reply *r,
		    struct sov_nl_err *err)
{
	memset(r, 0, sizeof(*r));
	return request(type, cmd, 0, with_attr ? put_stray_attr : NULL, reply_cb, r, err);
}

static pid_t daemon_pid;

static int setup(void **state)
{
	(void)state;
	daemon_pid = spawn(logpath, false);
	return wait_socket() ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	/* clean exit also means LeakSanitizer found nothing at exit */
	return stop(daemon_pid) == 0 ? 0 : -1;
}

static void test_status(void **state)
{
	struct sov_nl_err err;
	struct reply r;

	(void)state;
	assert_int_equal(transact(SOV_CMD_DAEMON_GET, SOV_CTL_FAMILY_ID, false, &r, &err), 0);
	assert_int_equal(r.count, 1);
	assert_int_equal(r.pid, daemon_pid);
	assert_int_equal(r.module_state, SOV_MODULE_UNLOADED);	/* none on the host */
	assert_int_equal(transact(SOV_CMD_DAEMON_GET, SOV_CTL_FAMILY_ID, false, &r, &err), 0);
	assert_true(r.requests >= 2);
}

static void test_bad_requests(void **state)
{
	struct sov_nl_err err;
	struct reply r;

	(void)state;
	assert_int_equal(transact(99, SOV_CTL_FAMILY_ID, false, &r, &err), -EOPNOTSUPP);
	assert_string_equal(err.msg, "command 99 is not served by sovereignd");
	assert_int_equal(transact(SOV_CMD_DAEMON_GET, SOV_CTL_FAMILY_ID, true, &r, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "DAEMON_GET takes no attributes");
	assert_int_equal(r.count, 0);
	assert_int_equal(transact(SOV_CMD_DAEMON_GET, 0x17, false, &r, &err), -EOPNOTSUPP);
	assert_non_null(strstr(err.msg, "unknown message type 23"));
	/* events: nothing to subscribe to without the balancer; never a request */
	assert_int_equal(transact(SOV_CMD_LB_MONITOR, SOV_CTL_FAMILY_ID, true, &r, &err), -EINVAL);
	assert_string_equal(err.msg, "LB_MONITOR takes no attributes");
	assert_int_equal(transact(SOV_CMD_LB_MONITOR, SOV_CTL_FAMILY_ID, false, &r, &err),
			 -EOPNOTSUPP);
	assert_non_null(strstr(err.msg, "the load balancer is not running (sovereignd started with --no-bpf"));
	assert_int_equal(transact(SOV_CMD_LB_EVENT_NTF, SOV_CTL_FAMILY_ID, false, &r, &err),
			 -EOPNOTSUPP);
	assert_non_null(strstr(err.msg, "is not served by sovereignd"));
}

static int raw_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(sa.sun_path, sock);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Impossible lengths close that client only; a truncated header is just incomplete. */
static void test_garbage_clients(void **state)
{
	struct sov_nl_err err;
	struct reply r;
	uint32_t hdr[4] = { 3, 0, 0, 0 };
	char c;
	int fd;

	(void)state;
	fd = raw_connect();
	assert_int_equal(write(fd, hdr, sizeof(hdr)), sizeof(hdr));
	assert_int_equal(read(fd, &c, 1), 0);	/* EOF: dropped */
	close(fd);

	fd = raw_connect();
	hdr[0] = SOV_NL_MAXMSG + 1;
	assert_int_equal(write(fd, hdr, sizeof(hdr)), sizeof(hdr));
	assert_int_equal(read(fd, &c, 1), 0);
	close(fd);

	fd = raw_connect();
	assert_int_equal(write(fd, hdr, 7), 7);	/* half a header, then hang up */
	close(fd);

	assert_true(log_contains("impossible frame length"));
	assert_int_equal(transact(SOV_CMD_DAEMON_GET, SOV_CTL_FAMILY_ID, false, &r, &err), 0);
}

/* Many requests in one write: every one answered, in order. */
static void test_pipelined(void **state)
{
	enum { N = 200 };
	static unsigned char out[N * 64], in[65536];
	struct nlmsghdr *nlh;
	size_t len = 0, got = 0;
	int fd, replies = 0, acks = 0, i;
	uint32_t next_seq = 1;

	(void)state;
	for (i = 0; i < N; i++) {
		nlh = sov_nl_put_hdr(out + len, SOV_CTL_FAMILY_ID, SOV_CMD_DAEMON_GET, 1,
				     NLM_F_REQUEST | NLM_F_ACK, (uint32_t)i + 1);
		len += nlh->nlmsg_len;
	}
	fd = raw_connect();
	assert_int_equal(write(fd, out, len), (ssize_t)len);
	while (acks < N) {
		ssize_t n = read(fd, in + got, sizeof(in) - got), f;

		assert_true(n > 0);
		got += (size_t)n;
		while ((f = sov_frame_len(in, got)) > 0) {
			nlh = (struct nlmsghdr *)in;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				assert_int_equal(nlh->nlmsg_seq, next_seq);
				next_seq++;
				acks++;
			} else {
				replies++;
			}
			memmove(in, in + f, got - (size_t)f);
			got -= (size_t)f;
		}
		assert_true(f == 0);
	}
	close(fd);
	assert_int_equal(replies, N);
}

/* More clients than the daemon serves at once: extras refused, others fine. */
static void test_many_clients(void **state)
{
	enum { N = 80 };
	struct sov_nl_err err;
	struct reply r;
	int fds[N], i;

	(void)state;
	for (i = 0; i < N; i++)
		fds[i] = raw_connect();
	usleep(300000);
	for (i = 0; i < N; i++)
		close(fds[i]);
	usleep(300000);
	assert_true(log_contains("more than 64 clients"));
	assert_int_equal(transact(SOV_CMD_DAEMON_GET, SOV_CTL_FAMILY_ID, false, &r, &err), 0);
}

static void test_second_instance(void **state)
{
	char log2[160];
	pid_t pid;
	int status;

	(void)state;
	snprintf(log2, sizeof(log2), "%s/second.log", dir);
	pid = spawn(log2, false);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	forget(pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	assert_true(file_contains(log2, "another sovereignd is already running"));
}

/* Maps pinned by another build are replaced, not a reason to run without the balancer. */
static void test_lb_stale_pins(void **state)
{
	struct sov_nl_err err;
	char path[256];
	struct reply r;
	pid_t pid;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/bpf", dir);
	if (mount("bpf", path, "bpf", 0, "mode=0700"))
		skip();
	snprintf(path, sizeof(path), "%s", bpfdir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/lb", bpfdir);
	mkdir(path, 0700);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "lb_stats", 4, 8, 1, NULL);
	assert_true(fd >= 0);
	snprintf(path, sizeof(path), "%s/lb/lb_stats", bpfdir);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
	close(fd);

	pid = spawn(logpath, true);
	assert_true(wait_socket());
	assert_int_equal(transact(SOV_CMD_DAEMON_GET, SOV_CTL_FAMILY_ID, false, &r, &err), 0);
	assert_int_equal(r.bpf_progs, 3);	/* the balancer is there */
	assert_true(log_contains("do not match this build; replaced them"));
	assert_int_equal(stop(pid), 0);
}

/* With BPF: programs pinned in a private bpffs, reused on restart. */
static void test_bpf_pins(void **state)
{
	struct sov_nl_err err;
	struct reply r;
	char path[256];
	struct stat st;
	pid_t pid;
	int round;

	(void)state;
	for (round = 0; round < 2; round++) {
		pid = spawn(logpath, true);
		assert_true(wait_socket());
		assert_int_equal(transact(SOV_CMD_DAEMON_GET, SOV_CTL_FAMILY_ID, false, &r,
					  &err), 0);
		assert_int_equal(r.bpf_progs, 3);	/* floor: 2, lb: 1 */
		snprintf(path, sizeof(path), "%s/floor_stats", bpfdir);
		assert_int_equal(stat(path, &st), 0);
		snprintf(path, sizeof(path), "%s/lb/lb_maglev", bpfdir);
		assert_int_equal(stat(path, &st), 0);
		snprintf(path, sizeof(path), "%s/lb/sov_lb", bpfdir);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(stop(pid), 0);
		assert_int_equal(stat(path, &st), 0);	/* pins outlive the daemon */
	}
}

/* The load balancer's commands, with the sanitized daemon's BPF loaded. */
static int lb_do(uint8_t cmd, void (*fill)(struct nlmsghdr *), int (*cb)(const struct nlmsghdr *, void *),
		 void *data, struct sov_nl_err *err, uint16_t flags)
{
	return request(SOV_CTL_FAMILY_ID, cmd, flags, fill, cb, data, err);
}

static void put_vip(struct nlmsghdr *nlh)
{
	uint8_t a[4] = { 10, 0, 0, 100 };

	mnl_attr_put(nlh, SOV_A_LB_VIP_ADDR, 4, a);
	mnl_attr_put_u16(nlh, SOV_A_LB_VIP_PORT, 80);
	mnl_attr_put_u8(nlh, SOV_A_LB_PROTO, 6);
}

static void put_backend(struct nlmsghdr *nlh)
{
	uint8_t a[4] = { 10, 1, 0, 1 };

	put_vip(nlh);
	mnl_attr_put(nlh, SOV_A_LB_BE_ADDR, 4, a);
}

static void put_heavy_backend(struct nlmsghdr *nlh)
{
	put_backend(nlh);
	mnl_attr_put_u32(nlh, SOV_A_LB_BE_WEIGHT, 5000);
}

static void put_v6_backend(struct nlmsghdr *nlh)
{
	uint8_t a[16] = { 0xfd, 1, [15] = 1 };

	put_vip(nlh);
	mnl_attr_put(nlh, SOV_A_LB_BE_ADDR, 16, a);
}

static void put_port_only(struct nlmsghdr *nlh)
{
	mnl_attr_put_u16(nlh, SOV_A_LB_VIP_PORT, 80);
	mnl_attr_put_u8(nlh, SOV_A_LB_PROTO, 6);
}

static void put_reply_only(struct nlmsghdr *nlh)
{
	put_vip(nlh);
	mnl_attr_put_u32(nlh, SOV_A_LB_SERVICE_INDEX, 3);
}

static void put_bad_dev(struct nlmsghdr *nlh)
{
	uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };

	mnl_attr_put_strz(nlh, SOV_A_LB_IFNAME, "nosuchdev0");
	mnl_attr_put(nlh, SOV_A_LB_GW_MAC, 6, mac);
}

static char custom_example[256];
static const char *custom_path;

static void put_custom(struct nlmsghdr *nlh)
{
	put_vip(nlh);
	mnl_attr_put_u32(nlh, SOV_A_LB_POLICY, SOV_LB_POLICY_CUSTOM);
	mnl_attr_put_strz(nlh, SOV_A_LB_CUSTOM_PROG, custom_path);
}

static int count_msgs(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(*(int *)data)++;
	return MNL_CB_OK;
}

/* ---- health checks: udp, icmp and the transition history ---------------------- */

/* A UDP echo service on 127.0.0.1, in a child: answers "pong " + the datagram. */
static pid_t start_udp_echo(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	pid_t pid;

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	pid = fork();
	if (pid == 0) {
		char in[512], out[600];

		for (;;) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(fd, in, sizeof(in), 0, (struct sockaddr *)&from, &fl);

			if (n < 0)
				_exit(1);
			memcpy(out, "pong ", 5);
			memcpy(out + 5, in, (size_t)n);
			sendto(fd, out, (size_t)n + 5, 0, (struct sockaddr *)&from, fl);
		}
	}
	assert_true(pid > 0);
	if (nspawned < sizeof(spawned) / sizeof(spawned[0]))
		spawned[nspawned++] = pid;	/* killed with the daemons if a test fails */
	close(fd);
	return pid;
}

/* A UDP port on 127.0.0.1 where nothing listens: the kernel answers port unreachable. */
static uint16_t closed_udp_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

/* Does this host answer pings (net.ipv4.icmp_echo_ignore_all, and IPv6's)? */
static bool echo_answered(const char *sysctl)
{
	FILE *f = fopen(sysctl, "r");
	int v = 0;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v == 0;
}

/* The service being added: request() fills take no arguments. */
static struct {
	struct sov_lb_vip vip;
	uint32_t type;
	const char *send, *expect;	/* NULL: not in the request */
	size_t send_len;
	int be_family;
	uint8_t be[16];
} hc;

static void put_hc_vip(struct nlmsghdr *nlh)
{
	mnl_attr_put(nlh, SOV_A_LB_VIP_ADDR, hc.vip.family == AF_INET ? 4 : 16, hc.vip.addr);
	mnl_attr_put_u16(nlh, SOV_A_LB_VIP_PORT, hc.vip.port);
	mnl_attr_put_u8(nlh, SOV_A_LB_PROTO, hc.vip.proto);
}

/* every second, one result decides: quick tests */
static void put_hc_service(struct nlmsghdr *nlh)
{
	put_hc_vip(nlh);
	mnl_attr_put_u32(nlh, SOV_A_LB_HC_TYPE, hc.type);
	mnl_attr_put_u32(nlh, SOV_A_LB_HC_INTERVAL_S, 1);
	mnl_attr_put_u32(nlh, SOV_A_LB_HC_TIMEOUT_MS, 500);
	mnl_attr_put_u32(nlh, SOV_A_LB_HC_RISE, 1);
	mnl_attr_put_u32(nlh, SOV_A_LB_HC_FALL, 1);
	if (hc.send)
		mnl_attr_put(nlh, SOV_A_LB_HC_UDP_SEND, hc.send_len ? hc.send_len :
			     strlen(hc.send), hc.send);
	if (hc.expect)
		mnl_attr_put(nlh, SOV_A_LB_HC_UDP_EXPECT, strlen(hc.expect), hc.expect);
}

static void put_hc_backend(struct nlmsghdr *nlh)
{
	put_hc_vip(nlh);
	mnl_attr_put(nlh, SOV_A_LB_BE_ADDR, hc.be_family == AF_INET ? 4 : 16, hc.be);
}

/* Add service @vip with check @type and, if @be, that backend. */
static int add_checked(const char *vip, uint32_t type, const char *send, const char *expect,
		       const char *be, struct sov_nl_err *err)
{
	char e[256];
	uint16_t port;
	int ret;

	assert_int_equal(sov_lb_vip_parse(vip, &hc.vip, e, sizeof(e)), 0);
	hc.type = type;
	hc.send = send;
	hc.send_len = 0;
	hc.expect = expect;
	ret = lb_do(SOV_CMD_LB_SERVICE_ADD, put_hc_service, NULL, NULL, err, 0);
	if (ret || !be)
		return ret;
	assert_int_equal(sov_lb_addr_parse(be, &hc.be_family, hc.be, &port, e, sizeof(e)), 0);
	return lb_do(SOV_CMD_LB_BACKEND_ADD, put_hc_backend, NULL, NULL, err, 0);
}

/* What the dump says of a service's first backend. */
struct hc_seen {
	char vip[96];
	uint32_t health;
	unsigned int events;
	uint64_t age[16];
	uint32_t from[16], to[16];
};

struct hc_dump {
	unsigned int n;
	struct hc_seen s[8];
};

static void hc_backend(const struct nlattr *nest, struct hc_seen *s)
{
	const struct nlattr *a, *ev, *f;

	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) == SOV_A_LB_BE_HEALTH)
			s->health = mnl_attr_get_u32(a);
		if (mnl_attr_get_type(a) != SOV_A_LB_HC_HISTORY)
			continue;
		mnl_attr_for_each_nested(ev, a) {
			unsigned int i = s->events;

			if (mnl_attr_get_type(ev) != SOV_A_LB_HC_EVENT || i == 16)
				continue;
			mnl_attr_for_each_nested(f, ev) {
				if (mnl_attr_get_type(f) == SOV_A_LB_HC_EVENT_AGE_NS)
					s->age[i] = mnl_attr_get_u64(f);
				else if (mnl_attr_get_type(f) == SOV_A_LB_HC_EVENT_FROM)
					s->from[i] = mnl_attr_get_u32(f);
				else if (mnl_attr_get_type(f) == SOV_A_LB_HC_EVENT_TO)
					s->to[i] = mnl_attr_get_u32(f);
			}
			s->events++;
		}
	}
}

static int hc_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct hc_dump *d = data;
	struct sov_lb_vip v = { 0 };
	const struct nlattr *a, *be = NULL;
	struct hc_seen *s;

	if (d->n == 8)
		return MNL_CB_ERROR;
	s = &d->s[d->n++];
	memset(s, 0, sizeof(*s));
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case SOV_A_LB_VIP_ADDR:
			v.family = mnl_attr_get_payload_len(a) == 4 ? AF_INET : AF_INET6;
			memcpy(v.addr, mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
			break;
		case SOV_A_LB_VIP_PORT:
			v.port = mnl_attr_get_u16(a);
			break;
		case SOV_A_LB_PROTO:
			v.proto = mnl_attr_get_u8(a);
			break;
		case SOV_A_LB_BACKEND:
			if (!be)
				be = a;
			break;
		}
	}
	sov_lb_vip_format(&v, s->vip, sizeof(s->vip));
	if (be)
		hc_backend(be, s);
	return MNL_CB_OK;
}

/* Poll the dump until @vip's backend is @health; its view in @out. */
static bool wait_health(const char *vip, uint32_t health, struct hc_seen *out)
{
	struct sov_nl_err err;
	struct hc_dump d;
	unsigned int i;
	int tries;

	for (tries = 0; tries < 50; tries++) {
		memset(&d, 0, sizeof(d));
		assert_int_equal(lb_do(SOV_CMD_LB_SERVICE_GET, NULL, hc_dump_cb, &d, &err,
				       NLM_F_DUMP), 0);
		for (i = 0; i < d.n; i++) {
			if (strcmp(d.s[i].vip, vip) || d.s[i].health != health)
				continue;
			*out = d.s[i];
			return true;
		}
		usleep(200000);
	}
	print_message("%s never became %s\n", vip, health == SOV_LB_HEALTH_UP ? "up" : "down");
	return false;
}

/* sovctl itself, in this process, on the daemon's socket; stdout into @out. */
static int run_sovctl(bool json, char *out, size_t size)
{
	char *argv[] = { "sovctl", "-s", sock, "lb", "health", NULL, NULL };
	FILE *f = tmpfile();
	int saved, ret, argc = 5;
	size_t n;

	assert_non_null(f);
	fflush(stdout);
	saved = dup(1);
	dup2(fileno(f), 1);
	if (json) {	/* -j before the object */
		memmove(argv + 4, argv + 3, 2 * sizeof(*argv));
		argv[3] = "-j";
		argc++;
	}
	ret = sovctl_main(argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	rewind(f);
	n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	fclose(f);
	return ret;
}

/* The service's first backend in sovctl's JSON. */
static struct json_object *json_backend(struct json_object *root, const char *vip)
{
	struct json_object *svcs, *svc, *v, *bes;
	size_t i;

	if (!json_object_object_get_ex(root, "services", &svcs))
		return NULL;
	for (i = 0; i < json_object_array_length(svcs); i++) {
		svc = json_object_array_get_idx(svcs, i);
		if (json_object_object_get_ex(svc, "service", &v) &&
		    !strcmp(json_object_get_string(v), vip) &&
		    json_object_object_get_ex(svc, "backends", &bes))
			return json_object_array_get_idx(bes, 0);
	}
	return NULL;
}

static const char *json_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

/*
 * udp checks against an echo service this test runs: up; with nothing
 * listening: down, port unreachable; a reply without the expected prefix:
 * down. icmp checks of 127.0.0.1 and ::1: up. The transitions come back
 * newest first, in the dump and in sovctl's text and JSON.
 */
static void test_lb_health_checks(void **state)
{
	char echo_vip[64], closed_vip[64], wrong_vip[64], big[300], e[256];
	struct json_object *root, *be, *hist, *ev;
	static char out[32768];
	struct sov_nl_err err;
	struct hc_seen s;
	uint16_t eport;
	pid_t pid, echo;
	bool ping4, ping6;

	(void)state;
	pid = spawn(logpath, true);
	assert_true(wait_socket());
	echo = start_udp_echo(&eport);
	snprintf(echo_vip, sizeof(echo_vip), "10.0.0.61:%u/udp", eport);
	snprintf(closed_vip, sizeof(closed_vip), "10.0.0.62:%u/udp", closed_udp_port());
	snprintf(wrong_vip, sizeof(wrong_vip), "10.0.0.63:%u/udp", eport);

	/* refusals name the field and the range, through the daemon */
	assert_int_equal(add_checked("10.0.0.65:53/udp", SOV_LB_HC_HTTP, NULL, NULL, NULL, &err),
			 -EINVAL);
	assert_string_equal(err.msg,
			    "health check http on a udp service: expected none, tcp, udp or icmp");
	assert_int_equal(add_checked("10.0.0.65:80/tcp", SOV_LB_HC_TCP, "ping", NULL, NULL, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "health check send applies to health udp only (this check is tcp)");
	memset(big, 'x', sizeof(big));
	assert_int_equal(sov_lb_vip_parse("10.0.0.65:53/udp", &hc.vip, e, sizeof(e)), 0);
	hc.type = SOV_LB_HC_UDP;
	hc.send = big;
	hc.send_len = sizeof(big);
	hc.expect = NULL;
	assert_int_equal(lb_do(SOV_CMD_LB_SERVICE_ADD, put_hc_service, NULL, NULL, &err, 0),
			 -EINVAL);
	assert_string_equal(err.msg, "health check send is 300 bytes: expected 1-256 bytes");

	/* the default probe is "sovereign-hc\n": the echo carries it back */
	assert_int_equal(add_checked(echo_vip, SOV_LB_HC_UDP, NULL, "pong sovereign-hc\n",
				     "127.0.0.1", &err), 0);
	assert_int_equal(add_checked(closed_vip, SOV_LB_HC_UDP, NULL, NULL, "127.0.0.1", &err), 0);
	assert_int_equal(add_checked(wrong_vip, SOV_LB_HC_UDP, "ping", "pong pong", "127.0.0.1",
				     &err), 0);
	/* a host that ignores pings has its icmp checks fail: nothing to learn here */
	ping4 = echo_answered("/proc/sys/net/ipv4/icmp_echo_ignore_all");
	ping6 = echo_answered("/proc/sys/net/ipv6/icmp/echo_ignore_all");
	if (!ping4 || !ping6)
		print_message("this host ignores pings (IPv4 %s, IPv6 %s): those icmp checks not tried\n",
			      ping4 ? "answers" : "ignores", ping6 ? "answers" : "ignores");
	if (ping4)
		assert_int_equal(add_checked("10.0.0.64:80/tcp", SOV_LB_HC_ICMP, NULL, NULL,
					     "127.0.0.1", &err), 0);
	if (ping6)
		assert_int_equal(add_checked("[fd00::64]:80/tcp", SOV_LB_HC_ICMP, NULL, NULL, "::1",
					     &err), 0);

	assert_true(wait_health(echo_vip, SOV_LB_HEALTH_UP, &s));
	assert_int_equal(s.events, 1);
	assert_int_equal(s.from[0], SOV_LB_HEALTH_UNKNOWN);
	assert_int_equal(s.to[0], SOV_LB_HEALTH_UP);
	assert_true(s.age[0] > 0 && s.age[0] < 20000000000ULL);
	assert_true(wait_health(closed_vip, SOV_LB_HEALTH_DOWN, &s));
	assert_int_equal(s.events, 1);
	assert_int_equal(s.from[0], SOV_LB_HEALTH_UNKNOWN);
	assert_int_equal(s.to[0], SOV_LB_HEALTH_DOWN);
	assert_true(log_contains("is down: port unreachable"));
	assert_true(wait_health(wrong_vip, SOV_LB_HEALTH_DOWN, &s));
	assert_true(log_contains("is down: reply mismatch"));
	assert_true(!ping4 || wait_health("10.0.0.64:80/tcp", SOV_LB_HEALTH_UP, &s));
	assert_true(!ping6 || wait_health("[fd00::64]:80/tcp", SOV_LB_HEALTH_UP, &s));

	/* the echo service goes away: down, and the history says so first */
	kill(echo, SIGKILL);
	waitpid(echo, NULL, 0);
	forget(echo);
	assert_true(wait_health(echo_vip, SOV_LB_HEALTH_DOWN, &s));
	assert_int_equal(s.events, 2);
	assert_int_equal(s.from[0], SOV_LB_HEALTH_UP);
	assert_int_equal(s.to[0], SOV_LB_HEALTH_DOWN);
	assert_int_equal(s.from[1], SOV_LB_HEALTH_UNKNOWN);
	assert_int_equal(s.to[1], SOV_LB_HEALTH_UP);
	assert_true(s.age[0] < s.age[1]);

	/* sovctl lb health: an indented history line, newest first */
	assert_int_equal(run_sovctl(false, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "send \"sovereign-hc\\n\"  expect \"pong sovereign-hc\\n\""));
	assert_non_null(strstr(out, "ago up->down, "));
	assert_non_null(strstr(out, "ago unknown->up\n"));
	assert_non_null(strstr(out, "      history: "));
	/* -j: an array of {age_ns, from, to} */
	assert_int_equal(run_sovctl(true, out, sizeof(out)), 0);
	root = json_tokener_parse(out);
	assert_non_null(root);
	be = json_backend(root, echo_vip);
	assert_non_null(be);
	assert_true(json_object_object_get_ex(be, "history", &hist));
	assert_int_equal(json_object_array_length(hist), 2);
	ev = json_object_array_get_idx(hist, 0);
	assert_string_equal(json_str(ev, "from"), "up");
	assert_string_equal(json_str(ev, "to"), "down");
	assert_true(json_object_object_get_ex(ev, "age_ns", NULL));
	ev = json_object_array_get_idx(json_object_object_get(be, "history"), 1);
	assert_string_equal(json_str(ev, "from"), "unknown");
	assert_string_equal(json_str(ev, "to"), "up");
	if (ping6) {
		be = json_backend(root, "[fd00::64]:80/tcp");
		assert_non_null(be);
		assert_string_equal(json_str(be, "health"), "up");
	}
	json_object_put(root);

	/* probes in flight and raw sockets all closed: LeakSanitizer is quiet at exit */
	assert_int_equal(stop(pid), 0);
}

/* After a failed assertion: nothing this test started outlives it. */
static int hc_teardown(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < nspawned; i++) {
		if (spawned[i] > 0 && kill(spawned[i], SIGKILL) == 0)
			waitpid(spawned[i], NULL, 0);
		spawned[i] = 0;
	}
	unlink(sock);
	return 0;
}

/* ---- events: SOV_CMD_LB_MONITOR and SOV_CMD_LB_EVENT_NTF ------------------------ */

struct lb_ev {
	uint32_t kind;
	uint64_t time_ns;
	char vip[96];
	char be[INET6_ADDRSTRLEN];
	uint16_t be_port;
	uint32_t live, fallback, from, to, weight;
	bool has_live, has_fallback, has_from;
	char reason[256];
};

/* A subscriber's side of the socket: events as they come, counted per kind. */
struct sub {
	int fd;
	bool eof;
	size_t len;
	unsigned int n, count[32];
	uint32_t order[64];		/* the first kinds, in order */
	struct lb_ev last[32];		/* the latest of each kind */
	unsigned char buf[SOV_NL_BUFSZ];
};

static void lb_ev_parse(const struct nlmsghdr *nlh, struct lb_ev *e)
{
	struct sov_lb_vip v = { 0 };
	const struct nlattr *a;
	int be_family = 0;
	uint8_t be[16];

	memset(e, 0, sizeof(*e));
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case SOV_A_LB_EVENT_KIND:
			e->kind = mnl_attr_get_u32(a);
			break;
		case SOV_A_LB_EVENT_TIME_NS:
			e->time_ns = mnl_attr_get_u64(a);
			break;
		case SOV_A_LB_VIP_ADDR:
			v.family = mnl_attr_get_payload_len(a) == 4 ? AF_INET : AF_INET6;
			memcpy(v.addr, mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
			break;
		case SOV_A_LB_VIP_PORT:
			v.port = mnl_attr_get_u16(a);
			break;
		case SOV_A_LB_PROTO:
			v.proto = mnl_attr_get_u8(a);
			break;
		case SOV_A_LB_BE_ADDR:
			be_family = mnl_attr_get_payload_len(a) == 4 ? AF_INET : AF_INET6;
			memcpy(be, mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
			break;
		case SOV_A_LB_BE_PORT:
			e->be_port = mnl_attr_get_u16(a);
			break;
		case SOV_A_LB_BE_WEIGHT:
			e->weight = mnl_attr_get_u32(a);
			break;
		case SOV_A_LB_EVENT_LIVE:
			e->live = mnl_attr_get_u32(a);
			e->has_live = true;
			break;
		case SOV_A_LB_FALLBACK:
			e->fallback = mnl_attr_get_u32(a);
			e->has_fallback = true;
			break;
		case SOV_A_LB_HC_EVENT_FROM:
			e->from = mnl_attr_get_u32(a);
			e->has_from = true;
			break;
		case SOV_A_LB_HC_EVENT_TO:
			e->to = mnl_attr_get_u32(a);
			break;
		case SOV_A_LB_EVENT_REASON:
			snprintf(e->reason, sizeof(e->reason), "%s", mnl_attr_get_str(a));
			break;
		}
	}
	if (v.family)
		sov_lb_vip_format(&v, e->vip, sizeof(e->vip));
	if (be_family)
		inet_ntop(be_family, be, e->be, sizeof(e->be));
}

/* Read for up to @ms: every whole event is counted. */
static void sub_pump(struct sub *s, int ms)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	ssize_t n, f;

	if (s->eof || poll(&pfd, 1, ms) <= 0)
		return;
	n = recv(s->fd, s->buf + s->len, sizeof(s->buf) - s->len, MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		s->eof = true;
		return;
	}
	if (n < 0)
		return;
	s->len += (size_t)n;
	while ((f = sov_frame_len(s->buf, s->len)) > 0) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)s->buf;
		const struct genlmsghdr *gh = mnl_nlmsg_get_payload(nlh);
		struct lb_ev e;

		assert_int_equal(nlh->nlmsg_type, SOV_CTL_FAMILY_ID);
		assert_int_equal(gh->cmd, SOV_CMD_LB_EVENT_NTF);
		assert_int_equal(nlh->nlmsg_seq, 0);
		lb_ev_parse(nlh, &e);
		assert_true(e.kind < 32);
		if (s->n < 64)
			s->order[s->n] = e.kind;
		s->n++;
		s->count[e.kind]++;
		s->last[e.kind] = e;
		memmove(s->buf, s->buf + f, s->len - (size_t)f);
		s->len -= (size_t)f;
	}
	assert_true(f == 0);
}

/* Until @count events of @kind have come, at most @secs seconds. */
static bool sub_wait(struct sub *s, uint32_t kind, unsigned int count, int secs)
{
	int i;

	for (i = 0; i < secs * 20 && s->count[kind] < count && !s->eof; i++)
		sub_pump(s, 50);
	if (s->count[kind] < count)
		print_message("event %s: %u seen, %u expected%s\n", lb_event_name(kind),
			      s->count[kind], count, s->eof ? " (the daemon hung up)" : "");
	return s->count[kind] >= count;
}

/* A raw connection that asked for the events; the ack read. */
static struct sub *subscribe(struct sub *s)
{
	unsigned char buf[64];
	struct nlmsghdr *nlh;
	struct sov_nl_err err;
	ssize_t n;

	memset(s, 0, sizeof(*s));
	s->fd = raw_connect();
	nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_LB_MONITOR, 1,
			     NLM_F_REQUEST | NLM_F_ACK, 7);
	assert_int_equal(write(s->fd, nlh, nlh->nlmsg_len), (ssize_t)nlh->nlmsg_len);
	n = read(s->fd, s->buf, sizeof(s->buf));
	assert_true(n > 0);
	nlh = (struct nlmsghdr *)s->buf;
	/* nothing can come before the ack: events are sent from later loop turns */
	assert_int_equal(sov_frame_len(s->buf, (size_t)n), n);
	assert_int_equal(nlh->nlmsg_type, NLMSG_ERROR);
	assert_int_equal(nlh->nlmsg_seq, 7);
	assert_int_equal(sov_nl_parse_error(nlh, NULL, &err), 0);
	return s;
}

static uint64_t realtime_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* A TCP port on 127.0.0.1 where nothing listens (yet). */
static uint16_t closed_tcp_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

/* `sovctl [-j] lb monitor` in a child, its stdout in @path, until SIGINT. */
static pid_t start_monitor(bool json, const char *path)
{
	pid_t pid = fork();

	if (pid == 0) {
		char *argv[] = { "sovctl", "-s", sock, "lb", "monitor", NULL, NULL };
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644), argc = 5;

		if (json) {
			memmove(argv + 2, argv + 1, 4 * sizeof(*argv));
			argv[1] = "-j";
			argc++;
		}
		dup2(fd, 1);
		_exit(sovctl_main(argc, argv));
	}
	assert_true(pid > 0);
	if (nspawned < sizeof(spawned) / sizeof(spawned[0]))
		spawned[nspawned++] = pid;
	return pid;
}

static int stop_monitor(pid_t pid)
{
	int status;

	kill(pid, SIGINT);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	forget(pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void put_hc_weight(struct nlmsghdr *nlh)
{
	put_hc_backend(nlh);
	mnl_attr_put_u32(nlh, SOV_A_LB_BE_WEIGHT, 2);
}

static void put_hc_pass(struct nlmsghdr *nlh)
{
	put_hc_vip(nlh);
	mnl_attr_put_u32(nlh, SOV_A_LB_FALLBACK, SOV_LB_FALLBACK_PASS);
}

static void put_flood_vip(struct nlmsghdr *nlh)
{
	uint8_t vip[4] = { 10, 0, 0, 71 };

	mnl_attr_put(nlh, SOV_A_LB_VIP_ADDR, 4, vip);
	mnl_attr_put_u16(nlh, SOV_A_LB_VIP_PORT, 80);
	mnl_attr_put_u8(nlh, SOV_A_LB_PROTO, IPPROTO_TCP);
}

static void put_flood_backend(struct nlmsghdr *nlh)
{
	static uint32_t weight;
	uint8_t be[4] = { 10, 1, 0, 9 };

	put_flood_vip(nlh);
	mnl_attr_put(nlh, SOV_A_LB_BE_ADDR, 4, be);
	mnl_attr_put_u32(nlh, SOV_A_LB_BE_WEIGHT, 1 + weight++ % 2);
}

/*
 * Subscribers get the events, others nothing: a tcp check of a closed port
 * takes the only backend down and leaves the service with none (fallback
 * drop); a listener on that port brings both back. sovctl lb monitor prints
 * them. A subscriber that never reads is dropped, with a logged reason, while
 * requests keep being answered and a reading subscriber misses nothing.
 */
static void test_lb_events(void **state)
{
	char vip[64], line[160], txt_path[160], json_path[160], json_line[1024];
	static struct sub subs[2];	/* not leaked by a failed assertion */
	struct sub *a, *slow;
	struct sov_ctl *ctl;
	struct sov_nl_err err;
	struct lb_ev *e;
	struct reply r;
	unsigned char buf[512];
	struct nlmsghdr *nlh;
	struct pollfd pfd;
	uint16_t port;
	uint64_t t0;
	pid_t pid, mon_txt, mon_json;
	int idle, lfd, one = 1, i, sets;
	unsigned int changed;
	FILE *f;

	(void)state;
	pid = spawn(logpath, true);
	assert_true(wait_socket());

	/* a client that asks something, but not for events */
	idle = raw_connect();
	nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_DAEMON_GET, 1, NLM_F_REQUEST, 1);
	assert_int_equal(write(idle, nlh, nlh->nlmsg_len), (ssize_t)nlh->nlmsg_len);
	assert_true(read(idle, buf, sizeof(buf)) > 0);

	snprintf(txt_path, sizeof(txt_path), "%s/monitor.txt", dir);
	snprintf(json_path, sizeof(json_path), "%s/monitor.json", dir);
	mon_txt = start_monitor(false, txt_path);
	mon_json = start_monitor(true, json_path);
	for (i = 0; i < 100 && !log_contains("subscribed to load balancer events (2 now)"); i++)
		usleep(50000);
	assert_true(log_contains("subscribed to load balancer events (2 now)"));
	a = subscribe(&subs[0]);

	port = closed_tcp_port();
	snprintf(vip, sizeof(vip), "10.0.0.70:%u/tcp", port);
	t0 = realtime_now();
	assert_int_equal(add_checked(vip, SOV_LB_HC_TCP, NULL, NULL, "127.0.0.1", &err), 0);

	assert_true(sub_wait(a, SOV_LB_EVENT_SERVICE_NO_BACKEND, 1, 10));
	assert_int_equal(a->n, 4);
	assert_int_equal(a->order[0], SOV_LB_EVENT_SERVICE_ADDED);
	assert_int_equal(a->order[1], SOV_LB_EVENT_BACKEND_ADDED);
	assert_int_equal(a->order[2], SOV_LB_EVENT_BACKEND_DOWN);
	assert_int_equal(a->order[3], SOV_LB_EVENT_SERVICE_NO_BACKEND);
	e = &a->last[SOV_LB_EVENT_BACKEND_DOWN];
	assert_string_equal(e->vip, vip);
	assert_string_equal(e->be, "127.0.0.1");
	assert_int_equal(e->be_port, port);	/* encap: probed at the VIP's port */
	assert_string_equal(e->reason, "connection refused");
	assert_true(e->has_from);
	assert_int_equal(e->from, SOV_LB_HEALTH_UNKNOWN);
	assert_int_equal(e->to, SOV_LB_HEALTH_DOWN);
	assert_true(e->has_live);
	assert_int_equal(e->live, 0);
	assert_true(e->time_ns >= t0 && e->time_ns <= realtime_now());
	e = &a->last[SOV_LB_EVENT_SERVICE_NO_BACKEND];
	assert_string_equal(e->vip, vip);
	assert_true(e->has_fallback);
	assert_int_equal(e->fallback, SOV_LB_FALLBACK_DROP);
	assert_int_equal(e->live, 0);
	assert_string_equal(e->be, "");		/* a service event */
	assert_true(e->time_ns >= a->last[SOV_LB_EVENT_BACKEND_DOWN].time_ns);
	/* failing again changes nothing, nor does a new weight: no repeats */
	sub_pump(a, 2500);
	assert_int_equal(a->n, 4);
	assert_int_equal(lb_do(SOV_CMD_LB_BACKEND_SET, put_hc_weight, NULL, NULL, &err, 0), 0);
	assert_true(sub_wait(a, SOV_LB_EVENT_BACKEND_CHANGED, 1, 5));
	assert_int_equal(a->last[SOV_LB_EVENT_BACKEND_CHANGED].weight, 2);
	/* another fallback is in effect: said again */
	assert_int_equal(lb_do(SOV_CMD_LB_SERVICE_SET, put_hc_pass, NULL, NULL, &err, 0), 0);
	assert_true(sub_wait(a, SOV_LB_EVENT_SERVICE_NO_BACKEND, 2, 5));
	sub_pump(a, 200);
	assert_int_equal(a->n, 7);
	assert_int_equal(a->order[4], SOV_LB_EVENT_BACKEND_CHANGED);
	assert_int_equal(a->order[5], SOV_LB_EVENT_SERVICE_CHANGED);
	assert_int_equal(a->order[6], SOV_LB_EVENT_SERVICE_NO_BACKEND);
	assert_int_equal(a->last[SOV_LB_EVENT_SERVICE_NO_BACKEND].fallback, SOV_LB_FALLBACK_PASS);

	/* the port opens: up, and the service is live again */
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	{
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
					  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

		assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	}
	assert_int_equal(listen(lfd, 64), 0);
	assert_true(sub_wait(a, SOV_LB_EVENT_SERVICE_RECOVERED, 1, 10));
	assert_int_equal(a->n, 9);
	assert_int_equal(a->order[7], SOV_LB_EVENT_BACKEND_UP);
	assert_int_equal(a->order[8], SOV_LB_EVENT_SERVICE_RECOVERED);
	e = &a->last[SOV_LB_EVENT_BACKEND_UP];
	assert_int_equal(e->from, SOV_LB_HEALTH_DOWN);
	assert_int_equal(e->to, SOV_LB_HEALTH_UP);
	assert_string_equal(e->reason, "");
	assert_int_equal(e->live, 1);
	assert_int_equal(a->last[SOV_LB_EVENT_SERVICE_RECOVERED].live, 1);
	close(lfd);

	/* sovctl lb monitor printed the same, one line each; -j: JSON lines */
	for (i = 0; i < 100 && !(file_contains(txt_path, "service-recovered") &&
				 file_contains(json_path, "service-recovered")); i++)
		usleep(50000);
	assert_int_equal(stop_monitor(mon_txt), 0);
	assert_int_equal(stop_monitor(mon_json), 0);
	snprintf(line, sizeof(line), " backend-down %s backend 127.0.0.1:%u: connection refused\n",
		 vip, port);
	assert_true(file_contains(txt_path, line));
	snprintf(line, sizeof(line), " service-no-backend %s: new flows dropped (fallback drop)\n",
		 vip);
	assert_true(file_contains(txt_path, line));
	snprintf(line, sizeof(line),
		 " service-no-backend %s: new flows passed to the stack (fallback pass)\n", vip);
	assert_true(file_contains(txt_path, line));
	snprintf(line, sizeof(line), " service-recovered %s: 1 live backend\n", vip);
	assert_true(file_contains(txt_path, line));
	f = fopen(json_path, "r");
	assert_non_null(f);
	for (i = 0; fgets(json_line, sizeof(json_line), f); i++) {
		static const char *const want[] = {
			"service-added", "backend-added", "backend-down", "service-no-backend",
			"backend-changed", "service-changed", "service-no-backend", "backend-up",
			"service-recovered",
		};
		struct json_object *o = json_tokener_parse(json_line);

		assert_non_null(o);	/* every line one object */
		assert_true(i < 9);
		assert_string_equal(json_str(o, "event"), want[i]);
		assert_string_equal(json_str(o, "service"), vip);
		if (i == 2) {
			assert_string_equal(json_str(o, "backend"), "127.0.0.1");
			assert_int_equal(json_object_get_int(json_object_object_get(o, "backend_port")),
					 port);
			assert_string_equal(json_str(o, "reason"), "connection refused");
			assert_string_equal(json_str(o, "from"), "unknown");
			assert_string_equal(json_str(o, "to"), "down");
			assert_int_equal(json_object_get_int(json_object_object_get(o, "live")), 0);
		}
		if (i == 3 || i == 6)
			assert_string_equal(json_str(o, "fallback"), i == 3 ? "drop" : "pass");
		json_object_put(o);
	}
	fclose(f);
	assert_int_equal(i, 9);

	/* a subscriber that never reads, and a flood of changes */
	slow = subscribe(&subs[1]);
	changed = a->count[SOV_LB_EVENT_BACKEND_CHANGED];
	assert_int_equal(lb_do(SOV_CMD_LB_SERVICE_ADD, put_flood_vip, NULL, NULL, &err, 0), 0);
	ctl = malloc(sizeof(*ctl));
	assert_non_null(ctl);
	assert_int_equal(sov_ctl_connect(ctl, sock), 0);
	for (sets = 0; sets < 5000 && (sets % 100 || !log_contains("dropping an event subscriber"));
	     sets++) {
		nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, sets ? SOV_CMD_LB_BACKEND_SET :
				     SOV_CMD_LB_BACKEND_ADD, 1, 0, 0);
		put_flood_backend(nlh);
		assert_int_equal(sov_ctl_transact(ctl, nlh, NULL, NULL, &err), 0);
		sub_pump(a, 0);		/* this one reads as it goes */
	}
	sov_ctl_close(ctl);
	free(ctl);
	print_message("the stalled subscriber was dropped after %d changes\n", sets);
	assert_true(log_contains("dropping an event subscriber: it left"));
	/* the daemon answers, and the reader got every event */
	assert_int_equal(transact(SOV_CMD_DAEMON_GET, SOV_CTL_FAMILY_ID, false, &r, &err), 0);
	changed += (unsigned int)sets - 1;	/* the first request added the backend */
	assert_true(sub_wait(a, SOV_LB_EVENT_BACKEND_CHANGED, changed, 10));
	assert_int_equal(a->count[SOV_LB_EVENT_BACKEND_CHANGED], changed);
	assert_false(a->eof);
	/* the stalled one: what the socket held, then the end */
	for (i = 0; i < 400 && !slow->eof; i++)
		sub_pump(slow, 50);
	assert_true(slow->eof);
	assert_true(slow->count[SOV_LB_EVENT_BACKEND_CHANGED] < (unsigned int)sets - 1);

	/* the client that did not subscribe got nothing */
	pfd = (struct pollfd){ .fd = idle, .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 0), 0);
	close(idle);
	close(a->fd);
	close(slow->fd);
	assert_int_equal(stop(pid), 0);
}

static void test_lb_requests(void **state)
{
	struct sov_nl_err err;
	pid_t pid;
	int n = 0;

	(void)state;
	pid = spawn(logpath, true);
	assert_true(wait_socket());
	assert_int_equal(lb_do(SOV_CMD_LB_SERVICE_ADD, put_vip, NULL, NULL, &err, 0), 0);
	assert_int_equal(lb_do(SOV_CMD_LB_SERVICE_ADD, put_vip, NULL, NULL, &err, 0), -EEXIST);
	assert_string_equal(err.msg, "service 10.0.0.100:80/tcp exists");
	assert_int_equal(lb_do(SOV_CMD_LB_BACKEND_ADD, put_backend, NULL, NULL, &err, 0), 0);
	assert_int_equal(lb_do(SOV_CMD_LB_BACKEND_ADD, put_heavy_backend, NULL, NULL, &err, 0),
			 -EINVAL);
	assert_string_equal(err.msg, "weight 5000 out of range: expected 1-1000");
	assert_int_equal(lb_do(SOV_CMD_LB_BACKEND_ADD, put_v6_backend, NULL, NULL, &err, 0),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "is IPv6 but service 10.0.0.100:80/tcp is IPv4"));
	assert_int_equal(lb_do(SOV_CMD_LB_SERVICE_DEL, put_port_only, NULL, NULL, &err, 0),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "VIP_ADDR missing"));
	assert_int_equal(lb_do(SOV_CMD_LB_SERVICE_SET, put_reply_only, NULL, NULL, &err, 0),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "reply-only"));
	assert_int_equal(lb_do(SOV_CMD_LB_ATTACH, put_bad_dev, NULL, NULL, &err, 0), -ENODEV);
	assert_string_equal(err.msg, "interface \"nosuchdev0\" does not exist");
	assert_int_equal(lb_do(SOV_CMD_LB_DETACH, NULL, NULL, NULL, &err, 0), -ENOENT);

	/* policy custom: a real program, then files that are not one */
	custom_path = custom_example;
	assert_int_equal(lb_do(SOV_CMD_LB_SERVICE_SET, put_custom, NULL, NULL, &err, 0), 0);
	assert_true(log_contains("custom program"));
	custom_path = "/nonexistent/pick.o";
	assert_int_equal(lb_do(SOV_CMD_LB_SERVICE_SET, put_custom, NULL, NULL, &err, 0), -ENOENT);
	assert_non_null(strstr(err.msg, "program /nonexistent/pick.o: cannot open it"));
	custom_path = "/etc/hostname";
	assert_true(lb_do(SOV_CMD_LB_SERVICE_SET, put_custom, NULL, NULL, &err, 0) < 0);
	assert_non_null(strstr(err.msg, "program /etc/hostname"));

	assert_int_equal(lb_do(SOV_CMD_LB_SERVICE_GET, NULL, count_msgs, &n, &err, NLM_F_DUMP), 0);
	assert_int_equal(n, 1);
	assert_int_equal(lb_do(SOV_CMD_LB_SERVICE_DEL, put_vip, NULL, NULL, &err, 0), 0);
	n = 0;
	assert_int_equal(lb_do(SOV_CMD_LB_SERVICE_GET, NULL, count_msgs, &n, &err, NLM_F_DUMP), 0);
	assert_int_equal(n, 0);
	assert_int_equal(stop(pid), 0);
}

/*
 * The connection sweep (tools/sovereignd/lb_conns.c): idle entries leave
 * lb_conns, and lb_conn_counts is rewritten from the open flows that stay.
 */
static void test_lb_conn_sweep(void **state)
{
	struct lb_flow_key fresh = { .src = { 1 }, .dst = { 2 }, .sport_be = 1, .dport_be = 80,
				     .proto = IPPROTO_TCP, .family = AF_INET };
	struct lb_flow_key closed = fresh, idle = fresh, bogus = fresh;
	struct lb_flow f = { .backend = 5 }, got;
	uint32_t id = 5, other = 6;
	int64_t n = 7, m = 3;
	struct timespec ts;
	uint64_t now;
	char path[256];
	int cfd, nfd, i;
	bool old_enough;
	pid_t pid;

	(void)state;
	pid = spawn(logpath, true);
	assert_true(wait_socket());
	snprintf(path, sizeof(path), "%s/lb/lb_conns", bpfdir);
	cfd = bpf_obj_get(path);
	snprintf(path, sizeof(path), "%s/lb/lb_conn_counts", bpfdir);
	nfd = bpf_obj_get(path);
	assert_true(cfd >= 0 && nfd >= 0);
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	/* timestamps far enough back need that much uptime */
	old_enough = now > (SOV_LB_IDLE_TCP_S + 10) * 1000000000ULL;
	if (now < (SOV_LB_IDLE_CLOSED_S + 10) * 1000000000ULL) {
		stop(pid);
		skip();
	}

	f.last_seen_ns = now;
	assert_int_equal(bpf_map_update_elem(cfd, &fresh, &f, BPF_ANY), 0);
	closed.sport_be = 2;
	f.flags = LB_FLOW_F_CLOSED;
	f.last_seen_ns = now - (SOV_LB_IDLE_CLOSED_S + 5) * 1000000000ULL;
	assert_int_equal(bpf_map_update_elem(cfd, &closed, &f, BPF_ANY), 0);
	bogus.sport_be = 3;
	f.flags = 0;
	f.backend = LB_MAX_SERVICES * LB_MAX_BACKENDS;
	f.last_seen_ns = now;
	assert_int_equal(bpf_map_update_elem(cfd, &bogus, &f, BPF_ANY), 0);
	if (old_enough) {
		idle.sport_be = 4;
		f.backend = other;
		f.last_seen_ns = now - (SOV_LB_IDLE_TCP_S + 5) * 1000000000ULL;
		assert_int_equal(bpf_map_update_elem(cfd, &idle, &f, BPF_ANY), 0);
	}
	/* counts that drifted: 7 where one flow is open, 3 where none is */
	assert_int_equal(bpf_map_update_elem(nfd, &id, &n, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(nfd, &other, &m, BPF_ANY), 0);

	for (i = 0; i < 100 && (n != 1 || m != 0); i++) {
		usleep(100000);
		assert_int_equal(bpf_map_lookup_elem(nfd, &id, &n), 0);
		assert_int_equal(bpf_map_lookup_elem(nfd, &other, &m), 0);
	}
	assert_int_equal(n, 1);
	assert_int_equal(m, 0);
	assert_int_equal(bpf_map_lookup_elem(cfd, &fresh, &got), 0);
	assert_int_equal(got.backend, 5);
	assert_int_not_equal(bpf_map_lookup_elem(cfd, &closed, &got), 0);
	assert_int_not_equal(bpf_map_lookup_elem(cfd, &bogus, &got), 0);
	if (old_enough)
		assert_int_not_equal(bpf_map_lookup_elem(cfd, &idle, &got), 0);
	else
		print_message("uptime under %u s: the idle open flow was not tried\n",
			      SOV_LB_IDLE_TCP_S + 10);
	close(cfd);
	close(nfd);
	assert_int_equal(stop(pid), 0);
}

int main(void)
{
	const struct CMUnitTest daemon_tests[] = {
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_garbage_clients),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_many_clients),
		cmocka_unit_test(test_second_instance),
	};
	const struct CMUnitTest bpf_tests[] = {
		cmocka_unit_test(test_lb_stale_pins),
		cmocka_unit_test(test_bpf_pins),
		cmocka_unit_test(test_lb_requests),
		cmocka_unit_test_teardown(test_lb_health_checks, hc_teardown),
		cmocka_unit_test_teardown(test_lb_events, hc_teardown),
		cmocka_unit_test(test_lb_conn_sweep),
	};
	int failed;

	if (!realpath("build/bpf/lb_custom_example.bpf.o", custom_example))
		snprintf(custom_example, sizeof(custom_example), "/missing/lb_custom_example.bpf.o");
	daemon_bin = getenv("SOVEREIGND_ASAN");
	if (!daemon_bin)
		daemon_bin = "build/tests/unit/sovereignd-asan";
	snprintf(dir, sizeof(dir), "/tmp/sovd-test.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(sock, sizeof(sock), "%s/ctl", dir);
	snprintf(logpath, sizeof(logpath), "%s/daemon.log", dir);
	snprintf(bpfdir, sizeof(bpfdir), "%s/bpf", dir);
	mkdir(bpfdir, 0700);	/* the daemon mounts a private bpffs here */
	snprintf(bpfdir, sizeof(bpfdir), "%s/bpf/sovereign", dir);
	signal(SIGPIPE, SIG_IGN);

	failed = cmocka_run_group_tests_name("daemon", daemon_tests, setup, teardown);
	failed += cmocka_run_group_tests_name("daemon_bpf", bpf_tests, NULL, NULL);
	reap_all();
	snprintf(bpfdir, sizeof(bpfdir), "%s/bpf", dir);
	umount(bpfdir);	/* the daemons mounted a private bpffs there */
	if (failed)
		fprintf(stderr, "daemon logs in %s\n", dir);
	return failed;
}
