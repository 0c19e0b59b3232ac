// SPDX-License-Identifier: GPL-2.0
/*
 * sovereignd's load balancer: loads bpf/lb.bpf.o, pins its maps and program
 * under <pin dir>/lb/, keeps the desired state (lib/lb/service.c) and renders
 * it into the maps, serves the LB commands of the control socket, and
 * attaches the program to an interface.
 *
 * The state lives in this process only (it is not persisted yet): a
 * restarted daemon empties the service map it finds pinned rather than
 * forward for services nobody knows about any more.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../lib/bpf/percpu.h"
#include "../../lib/lb/latency.h"
#include "cluster.h"
#include "lb.skel.h"
#include "lb.h"
#include "lb_cluster.h"
#include "log.h"

/* ---- map access for lib/lb ------------------------------------------------- */

static int map_update(void *ctx, enum sov_lb_map map, const void *key, const void *value)
{
	struct sovd_lb *lb = ctx;

	return bpf_map_update_elem(lb->fd[map], key, value, BPF_ANY) ? -errno : 0;
}

static int map_remove(void *ctx, enum sov_lb_map map, const void *key)
{
	struct sovd_lb *lb = ctx;

	return bpf_map_delete_elem(lb->fd[map], key) ? -errno : 0;
}

static int map_update_range(void *ctx, enum sov_lb_map map, uint32_t first,
			    const void *values, uint32_t n)
{
	struct sovd_lb *lb = ctx;
	uint32_t *keys = malloc(n * sizeof(*keys)), i, done = 0;
	int ret = 0;

	if (!keys)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		keys[i] = first + i;
	while (done < n) {
		uint32_t count = n - done;

		if (bpf_map_update_batch(lb->fd[map], keys + done,
					 (const uint32_t *)values + done, &count, NULL)) {
			ret = -errno;
			break;
		}
		done += count;
	}
	free(keys);
	return ret;
}

/* ---- start and stop -------------------------------------------------------- */

static int pin_prog(struct sovd_lb *lb)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/%s", lb->pin_dir,
		 bpf_program__name(lb->skel->progs.sov_lb));
	unlink(path);
	return bpf_program__pin(lb->skel->progs.sov_lb, path);
}

/* Every second: the new-flow total of every backend, into a ring; sweeps. */
static void on_rate_tick(uv_timer_t *t)
{
	struct sovd_lb *lb = t->data;
	int fd = bpf_map__fd(lb->skel->maps.lb_backend_stats);
	uint32_t id;

	lb->rate_pos = (lb->rate_pos + 1) % (LB_RATE_WINDOW + 1);
	for (id = 0; id < LB_MAX_SERVICES * LB_MAX_BACKENDS; id++) {
		const struct sov_lb_service *svc = &lb->model.svc[id / LB_MAX_BACKENDS];

		lb->rate_hist[lb->rate_pos][id] = svc->used && svc->be[id % LB_MAX_BACKENDS].used ?
			sov_bpf_percpu_u64(fd, id, sizeof(struct lb_flow_counter), 16) : 0;
	}
	if (lb->rate_n < LB_RATE_WINDOW + 1)
		lb->rate_n++;
	if (++lb->ticks % LB_SWEEP_PERIOD_S == 0)
		sovd_lb_conns_sweep(lb);
}

/* New flows per second of backend @id over the window (as much as we have). */
static uint32_t flow_rate(const struct sovd_lb *lb, uint32_t id)
{
	unsigned int span = lb->rate_n ? lb->rate_n - 1 : 0;
	unsigned int oldest = (lb->rate_pos + LB_RATE_WINDOW + 1 - span) % (LB_RATE_WINDOW + 1);
	uint64_t now = lb->rate_hist[lb->rate_pos][id], then = lb->rate_hist[oldest][id];

	if (!span || now < then)
		return 0;
	return (uint32_t)((now - then) / span);
}

void sovd_lb_quiesce(struct sovd_lb *lb)
{
	sovd_lb_health_stop_all(lb);
	if (lb->rate_timer_on) {
		uv_timer_stop(&lb->rate_timer);
		uv_close((uv_handle_t *)&lb->rate_timer, NULL);
		lb->rate_timer_on = false;
	}
}

/* Services nobody knows any more must not keep forwarding. */
static void forget_previous_run(struct sovd_lb *lb)
{
	struct lb_vip_key key, next;
	struct lb_vip_addr akey, anext;
	unsigned int n = 0;

	while (!bpf_map_get_next_key(lb->fd[SOV_LB_MAP_SERVICES], NULL, &key)) {
		if (bpf_map_delete_elem(lb->fd[SOV_LB_MAP_SERVICES], &key))
			break;
		n++;
	}
	while (!bpf_map_get_next_key(lb->fd[SOV_LB_MAP_VIP_ADDRS], NULL, &akey))
		if (bpf_map_delete_elem(lb->fd[SOV_LB_MAP_VIP_ADDRS], &akey))
			break;
	(void)next;
	(void)anext;
	if (n)
		log_notice("lb: removed %u services left in the pinned maps by a previous run (state is not persisted yet)",
			   n);
}

static int open_and_load(struct sovd_lb *lb)
{
	struct bpf_map *map;
	char path[400];
	int err;

	lb->skel = lb__open();
	if (!lb->skel)
		return -errno;
	bpf_object__for_each_map(map, lb->skel->obj) {
		snprintf(path, sizeof(path), "%s/%s", lb->pin_dir, bpf_map__name(map));
		bpf_map__set_pin_path(map, path);	/* reused when pinned already */
	}
	err = lb__load(lb->skel);
	if (err) {
		lb__destroy(lb->skel);
		lb->skel = NULL;
	}
	return err;
}

/* Remove every pin in @dir; true if there were any. */
static bool remove_pins(const char *dir)
{
	struct dirent *de;
	char path[600];
	bool any = false;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		any |= unlink(path) == 0;
	}
	closedir(d);
	return any;
}

int sovd_lb_start(struct sovd *d)
{
	struct sovd_lb *lb = calloc(1, sizeof(*lb));
	int err;

	if (!lb)
		return -ENOMEM;
	lb->d = d;
	snprintf(lb->pin_dir, sizeof(lb->pin_dir), "%s/lb", d->bpf_pin_path);
	if (mkdir(lb->pin_dir, 0700) && errno != EEXIST) {
		err = -errno;
		log_err("lb: cannot create %s: %s", lb->pin_dir, strerror(errno));
		free(lb);
		return err;
	}
	err = open_and_load(lb);
	if (err == -EINVAL && remove_pins(lb->pin_dir)) {
		/* maps pinned by another build (sizes or layouts differ) */
		log_warn("lb: the maps pinned in %s do not match this build; replaced them",
			 lb->pin_dir);
		err = open_and_load(lb);
	}
	if (err)
		goto err_free;
	err = pin_prog(lb);
	if (err)
		goto err_destroy;

	lb->fd[SOV_LB_MAP_SERVICES] = bpf_map__fd(lb->skel->maps.lb_services);
	lb->fd[SOV_LB_MAP_VIP_ADDRS] = bpf_map__fd(lb->skel->maps.lb_vip_addrs);
	lb->fd[SOV_LB_MAP_BACKENDS] = bpf_map__fd(lb->skel->maps.lb_backends);
	lb->fd[SOV_LB_MAP_MAGLEV] = bpf_map__fd(lb->skel->maps.lb_maglev);
	lb->fd[SOV_LB_MAP_ACTIVE] = bpf_map__fd(lb->skel->maps.lb_active);
	lb->maps = (struct sov_lb_maps){
		.update = map_update, .remove = map_remove,
		.update_range = map_update_range, .ctx = lb,
	};
	sov_lb_init(&lb->model);
	forget_previous_run(lb);
	uv_timer_init(d->loop, &lb->rate_timer);
	lb->rate_timer.data = lb;
	uv_timer_start(&lb->rate_timer, on_rate_tick, 1000, 1000);
	lb->rate_timer_on = true;
	d->lb = lb;
	d->bpf_progs++;
	log_info("lb: program and maps pinned in %s", lb->pin_dir);
	return 0;

err_destroy:
	lb__destroy(lb->skel);
err_free:
	free(lb);
	log_err("lb: loading the load balancer failed: %s", strerror(-err));
	return err;
}

void sovd_lb_stop(struct sovd *d)
{
	uint32_t i;

	if (!d->lb)
		return;
	sovd_lb_quiesce(d->lb);
	for (i = 0; i < LB_MAX_SERVICES; i++)	/* installed programs stay in their slots */
		if (d->lb->custom_obj[i])
			bpf_object__close(d->lb->custom_obj[i]);
	/* the program stays attached and the maps pinned: packets keep flowing */
	lb__destroy(d->lb->skel);
	free(d->lb);
	d->lb = NULL;
}

void sovd_lb_recommit(struct sovd_lb *lb, struct sov_lb_service *svc, const char *why)
{
	char err[256], v[96];

	sov_lb_vip_format(&svc->vip, v, sizeof(v));
	if (sov_lb_commit(&lb->model, svc, &lb->maps, err, sizeof(err)))
		log_err("lb: %s: re-rendering after %s failed: %s", v, why, err);
	/* none live, or live again: logged and sent to subscribers once */
	sovd_lb_live_check(lb, svc);
}

/* ---- requests ---------------------------------------------------------------- */

static const enum mnl_attr_data_type lb_types[SOV_A_LB_MAX + 1] = {
	[SOV_A_LB_VIP_ADDR] = MNL_TYPE_BINARY,
	[SOV_A_LB_VIP_PORT] = MNL_TYPE_U16,
	[SOV_A_LB_PROTO] = MNL_TYPE_U8,
	[SOV_A_LB_POLICY] = MNL_TYPE_U32,
	[SOV_A_LB_MODE] = MNL_TYPE_U32,
	[SOV_A_LB_FALLBACK] = MNL_TYPE_U32,
	[SOV_A_LB_STICKY_TIMEOUT_S] = MNL_TYPE_U32,
	[SOV_A_LB_FRAG_PASS] = MNL_TYPE_U8,
	[SOV_A_LB_HC_TYPE] = MNL_TYPE_U32,
	[SOV_A_LB_HC_INTERVAL_S] = MNL_TYPE_U32,
	[SOV_A_LB_HC_TIMEOUT_MS] = MNL_TYPE_U32,
	[SOV_A_LB_HC_RISE] = MNL_TYPE_U32,
	[SOV_A_LB_HC_FALL] = MNL_TYPE_U32,
	[SOV_A_LB_HC_HTTP_PATH] = MNL_TYPE_NUL_STRING,
	[SOV_A_LB_HC_HTTP_STATUS] = MNL_TYPE_U32,
	[SOV_A_LB_BE_ADDR] = MNL_TYPE_BINARY,
	[SOV_A_LB_BE_PORT] = MNL_TYPE_U16,
	[SOV_A_LB_BE_WEIGHT] = MNL_TYPE_U32,
	[SOV_A_LB_IFNAME] = MNL_TYPE_NUL_STRING,
	[SOV_A_LB_XDP_MODE] = MNL_TYPE_U32,
	[SOV_A_LB_GW_MAC] = MNL_TYPE_BINARY,
	[SOV_A_LB_SRC4] = MNL_TYPE_BINARY,
	[SOV_A_LB_SRC6] = MNL_TYPE_BINARY,
	[SOV_A_LB_CUSTOM_PROG] = MNL_TYPE_NUL_STRING,
	[SOV_A_LB_HC_UDP_SEND] = MNL_TYPE_BINARY,
	[SOV_A_LB_HC_UDP_EXPECT] = MNL_TYPE_BINARY,
	/* reply-only attributes are refused in requests */
	[SOV_A_LB_SERVICE_INDEX] = MNL_TYPE_UNSPEC,
};

static const bool request_attr[SOV_A_LB_MAX + 1] = {
	[SOV_A_LB_VIP_ADDR] = true, [SOV_A_LB_VIP_PORT] = true, [SOV_A_LB_PROTO] = true,
	[SOV_A_LB_POLICY] = true, [SOV_A_LB_MODE] = true, [SOV_A_LB_FALLBACK] = true,
	[SOV_A_LB_STICKY_TIMEOUT_S] = true, [SOV_A_LB_FRAG_PASS] = true,
	[SOV_A_LB_HC_TYPE] = true, [SOV_A_LB_HC_INTERVAL_S] = true,
	[SOV_A_LB_HC_TIMEOUT_MS] = true, [SOV_A_LB_HC_RISE] = true, [SOV_A_LB_HC_FALL] = true,
	[SOV_A_LB_HC_HTTP_PATH] = true, [SOV_A_LB_HC_HTTP_STATUS] = true,
	[SOV_A_LB_BE_ADDR] = true, [SOV_A_LB_BE_PORT] = true, [SOV_A_LB_BE_WEIGHT] = true,
	[SOV_A_LB_IFNAME] = true, [SOV_A_LB_XDP_MODE] = true, [SOV_A_LB_GW_MAC] = true,
	[SOV_A_LB_SRC4] = true, [SOV_A_LB_SRC6] = true, [SOV_A_LB_CUSTOM_PROG] = true,
	[SOV_A_LB_HC_UDP_SEND] = true, [SOV_A_LB_HC_UDP_EXPECT] = true,
};

#define REFUSE(ret, ...) do { snprintf(msg, msglen, __VA_ARGS__); return (ret); } while (0)

static int addr_attr(const struct nlattr *a, const char *what, int *family,
		     uint8_t addr[16], char *msg, size_t msglen)
{
	uint16_t len = mnl_attr_get_payload_len(a);

	memset(addr, 0, 16);
	if (len != 4 && len != 16)
		REFUSE(-EINVAL, "%s is %u bytes: expected 4 (IPv4) or 16 (IPv6)", what, len);
	memcpy(addr, mnl_attr_get_payload(a), len);
	*family = len == 4 ? AF_INET : AF_INET6;
	return 0;
}

static int vip_of(const struct nlattr **tb, struct sov_lb_vip *vip, char *msg, size_t msglen)
{
	int ret;

	memset(vip, 0, sizeof(*vip));
	if (!tb[SOV_A_LB_VIP_ADDR] || !tb[SOV_A_LB_VIP_PORT] || !tb[SOV_A_LB_PROTO])
		REFUSE(-EINVAL, "the service is named by VIP_ADDR, VIP_PORT and PROTO: %s missing",
		       !tb[SOV_A_LB_VIP_ADDR] ? "VIP_ADDR" : !tb[SOV_A_LB_VIP_PORT] ?
		       "VIP_PORT" : "PROTO");
	ret = addr_attr(tb[SOV_A_LB_VIP_ADDR], "VIP_ADDR", &vip->family, vip->addr, msg, msglen);
	if (ret)
		return ret;
	vip->port = mnl_attr_get_u16(tb[SOV_A_LB_VIP_PORT]);
	vip->proto = mnl_attr_get_u8(tb[SOV_A_LB_PROTO]);
	if (!vip->port)
		REFUSE(-EINVAL, "VIP_PORT 0 out of range: expected 1-65535");
	if (vip->proto != IPPROTO_TCP && vip->proto != IPPROTO_UDP)
		REFUSE(-EINVAL, "PROTO %u unknown: expected %u (tcp) or %u (udp)", vip->proto,
		       IPPROTO_TCP, IPPROTO_UDP);
	return 0;
}

static void settings_of(const struct nlattr **tb, struct sov_lb_settings *s)
{
	memset(s, 0, sizeof(*s));
#define U32(attr, has, field) \
	if (tb[attr]) { s->has = true; s->field = mnl_attr_get_u32(tb[attr]); }
	U32(SOV_A_LB_POLICY, has_policy, policy);
	U32(SOV_A_LB_MODE, has_mode, mode);
	U32(SOV_A_LB_FALLBACK, has_fallback, fallback);
	U32(SOV_A_LB_STICKY_TIMEOUT_S, has_sticky, sticky_s);
	U32(SOV_A_LB_HC_TYPE, has_hc_type, hc_type);
	U32(SOV_A_LB_HC_INTERVAL_S, has_hc_interval, hc.interval_s);
	U32(SOV_A_LB_HC_TIMEOUT_MS, has_hc_timeout, hc.timeout_ms);
	U32(SOV_A_LB_HC_RISE, has_hc_rise, hc.rise);
	U32(SOV_A_LB_HC_FALL, has_hc_fall, hc.fall);
	U32(SOV_A_LB_HC_HTTP_STATUS, has_hc_status, hc_status);
#undef U32
	if (tb[SOV_A_LB_FRAG_PASS]) {
		s->has_frag_pass = true;
		s->frag_pass = mnl_attr_get_u8(tb[SOV_A_LB_FRAG_PASS]);
	}
	if (tb[SOV_A_LB_HC_HTTP_PATH]) {
		s->has_hc_path = true;
		snprintf(s->hc_path, sizeof(s->hc_path), "%s",
			 mnl_attr_get_str(tb[SOV_A_LB_HC_HTTP_PATH]));
	}
	if (tb[SOV_A_LB_CUSTOM_PROG]) {
		s->has_custom_prog = true;
		snprintf(s->custom_prog, sizeof(s->custom_prog), "%s",
			 mnl_attr_get_str(tb[SOV_A_LB_CUSTOM_PROG]));
	}
	/* the length as sent, so lib/lb refuses what does not fit by its size */
	if (tb[SOV_A_LB_HC_UDP_SEND]) {
		s->has_hc_udp_send = true;
		s->hc_udp_send_len = mnl_attr_get_payload_len(tb[SOV_A_LB_HC_UDP_SEND]);
		memcpy(s->hc_udp_send, mnl_attr_get_payload(tb[SOV_A_LB_HC_UDP_SEND]),
		       s->hc_udp_send_len < SOV_LB_HC_UDP_MAX ? s->hc_udp_send_len :
		       SOV_LB_HC_UDP_MAX);
	}
	if (tb[SOV_A_LB_HC_UDP_EXPECT]) {
		s->has_hc_udp_expect = true;
		s->hc_udp_expect_len = mnl_attr_get_payload_len(tb[SOV_A_LB_HC_UDP_EXPECT]);
		memcpy(s->hc_udp_expect, mnl_attr_get_payload(tb[SOV_A_LB_HC_UDP_EXPECT]),
		       s->hc_udp_expect_len < SOV_LB_HC_UDP_MAX ? s->hc_udp_expect_len :
		       SOV_LB_HC_UDP_MAX);
	}
}

/*
 * Policy custom: open the user's ELF, let every map it shares by name with
 * the balancer (lb_custom_ctx, lb_resume, lb_active, ...) be the balancer's,
 * load it, and put its program in the service's lb_custom_progs slot.
 */
static int custom_install(struct sovd_lb *lb, struct sov_lb_service *svc, char *msg,
			  size_t msglen)
{
	struct bpf_map *slots = bpf_object__find_map_by_name(lb->skel->obj, "lb_custom_progs");
	const char *path = svc->set.custom_prog;
	struct bpf_program *prog;
	struct bpf_object *obj;
	struct bpf_map *m;
	uint32_t key = svc->index;
	char pin[400];
	int fd, err;

	if (!slots)
		REFUSE(-EOPNOTSUPP, "this build of the balancer has no custom policy");
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		REFUSE(-errno, "program %s: cannot open it: %s", path, strerror(errno));
	bpf_object__for_each_map(m, obj) {
		struct bpf_map *ours = bpf_object__find_map_by_name(lb->skel->obj,
								     bpf_map__name(m));

		if (ours && (err = bpf_map__reuse_fd(m, bpf_map__fd(ours)))) {
			bpf_object__close(obj);
			REFUSE(err, "program %s: its map %s cannot be the balancer's: %s", path,
			       bpf_map__name(m), strerror(-err));
		}
	}
	prog = bpf_object__find_program_by_name(obj, "sov_lb_custom");
	if (!prog)
		prog = bpf_object__next_program(obj, NULL);
	if (!prog || bpf_program__type(prog) != BPF_PROG_TYPE_XDP) {
		bpf_object__close(obj);
		REFUSE(-EINVAL, "program %s: expected an XDP program (SEC(\"xdp\")), named sov_lb_custom or first",
		       path);
	}
	err = bpf_object__load(obj);
	if (err) {
		bpf_object__close(obj);
		REFUSE(err, "program %s: the kernel refused it: %s (sovereignd -l debug logs the verifier's reasons)",
		       path, strerror(-err));
	}
	fd = bpf_program__fd(prog);
	if (bpf_map_update_elem(bpf_map__fd(slots), &key, &fd, BPF_ANY)) {
		err = -errno;
		bpf_object__close(obj);
		REFUSE(err, "program %s: cannot install it: %s", path, strerror(-err));
	}
	if (lb->custom_obj[svc->index])
		bpf_object__close(lb->custom_obj[svc->index]);
	lb->custom_obj[svc->index] = obj;
	snprintf(pin, sizeof(pin), "%s/custom_%u", lb->pin_dir, svc->index);
	unlink(pin);
	if (bpf_program__pin(prog, pin))
		log_warn("lb: cannot pin %s", pin);
	log_info("lb: custom program %s installed for service %u", path, svc->index);
	return 0;
}

static void custom_remove(struct sovd_lb *lb, uint32_t index)
{
	struct bpf_map *slots = bpf_object__find_map_by_name(lb->skel->obj, "lb_custom_progs");
	char pin[400];

	if (!lb->custom_obj[index])
		return;
	if (slots)
		bpf_map_delete_elem(bpf_map__fd(slots), &index);
	bpf_object__close(lb->custom_obj[index]);
	lb->custom_obj[index] = NULL;
	snprintf(pin, sizeof(pin), "%s/custom_%u", lb->pin_dir, index);
	unlink(pin);
}

/* Apply a change to a copy first: a refused or failed commit loses nothing. */
static int with_rollback(struct sovd_lb *lb, const struct sov_lb_vip *vip,
			 int (*change)(struct sovd_lb *lb, const struct nlattr **tb,
				       const struct sov_lb_vip *vip, char *msg, size_t msglen),
			 const struct nlattr **tb, char *msg, size_t msglen)
{
	struct sov_lb *saved = malloc(sizeof(*saved));
	struct sov_lb_service *svc;
	int ret;

	if (!saved)
		REFUSE(-ENOMEM, "out of memory");
	memcpy(saved, &lb->model, sizeof(*saved));
	ret = change(lb, tb, vip, msg, msglen);
	if (ret >= 0) {
		svc = sov_lb_find(&lb->model, vip);
		/* the program is in its slot before the entry says custom */
		if (svc && svc->set.policy == SOV_LB_POLICY_CUSTOM &&
		    (tb[SOV_A_LB_CUSTOM_PROG] || !lb->custom_obj[svc->index]))
			ret = custom_install(lb, svc, msg, msglen);
		if (svc && ret >= 0) {
			ret = sov_lb_commit(&lb->model, svc, &lb->maps, msg, msglen);
			if (!ret) {
				sovd_lb_health_sync(lb, svc);
				if (svc->set.policy != SOV_LB_POLICY_CUSTOM)
					custom_remove(lb, svc->index);
			}
		}
	}
	if (ret < 0) {
		memcpy(&lb->model, saved, sizeof(*saved));
		svc = sov_lb_find(&lb->model, vip);
		if (svc)	/* put the maps back as the model says */
			sov_lb_commit(&lb->model, svc, &lb->maps, NULL, 0);
	}
	free(saved);
	return ret < 0 ? ret : 0;
}

static int do_service_add(struct sovd_lb *lb, const struct nlattr **tb,
			  const struct sov_lb_vip *vip, char *msg, size_t msglen)
{
	struct sov_lb_settings s;

	settings_of(tb, &s);
	return sov_lb_service_add(&lb->model, vip, &s, msg, msglen);
}

static int do_service_set(struct sovd_lb *lb, const struct nlattr **tb,
			  const struct sov_lb_vip *vip, char *msg, size_t msglen)
{
	struct sov_lb_settings s;

	settings_of(tb, &s);
	return sov_lb_service_set(&lb->model, vip, &s, msg, msglen);
}

static int backend_of(const struct nlattr **tb, int *family, uint8_t addr[16],
		      uint16_t *port, char *msg, size_t msglen)
{
	if (!tb[SOV_A_LB_BE_ADDR])
		REFUSE(-EINVAL, "BE_ADDR (the backend's address) missing");
	*port = tb[SOV_A_LB_BE_PORT] ? mnl_attr_get_u16(tb[SOV_A_LB_BE_PORT]) : 0;
	return addr_attr(tb[SOV_A_LB_BE_ADDR], "BE_ADDR", family, addr, msg, msglen);
}

static int do_backend_add(struct sovd_lb *lb, const struct nlattr **tb,
			  const struct sov_lb_vip *vip, char *msg, size_t msglen)
{
	uint8_t addr[16];
	uint16_t port;
	int family, ret;

	ret = backend_of(tb, &family, addr, &port, msg, msglen);
	if (ret)
		return ret;
	return sov_lb_backend_add(&lb->model, vip, family, addr, port,
				  tb[SOV_A_LB_BE_WEIGHT] ? mnl_attr_get_u32(tb[SOV_A_LB_BE_WEIGHT]) : 0,
				  msg, msglen);
}

static int do_backend_set(struct sovd_lb *lb, const struct nlattr **tb,
			  const struct sov_lb_vip *vip, char *msg, size_t msglen)
{
	uint8_t addr[16];
	uint16_t port;
	int family, ret;

	ret = backend_of(tb, &family, addr, &port, msg, msglen);
	if (ret)
		return ret;
	if (!tb[SOV_A_LB_BE_WEIGHT])
		REFUSE(-EINVAL, "nothing to change: expected BE_WEIGHT");
	return sov_lb_backend_set(&lb->model, vip, addr, port,
				  mnl_attr_get_u32(tb[SOV_A_LB_BE_WEIGHT]), msg, msglen);
}

/* ---- the dump -------------------------------------------------------------------- */

static void put_counters(struct nlmsghdr *nlh, int fd, uint32_t key, bool service)
{
	size_t vs = sizeof(struct lb_flow_counter);

	mnl_attr_put_u64(nlh, SOV_A_LB_PACKETS, sov_bpf_percpu_u64(fd, key, vs, 0));
	mnl_attr_put_u64(nlh, SOV_A_LB_BYTES, sov_bpf_percpu_u64(fd, key, vs, 8));
	mnl_attr_put_u64(nlh, SOV_A_LB_NEW_FLOWS, sov_bpf_percpu_u64(fd, key, vs, 16));
	if (service)
		mnl_attr_put_u64(nlh, SOV_A_LB_NO_BACKEND, sov_bpf_percpu_u64(fd, key, vs, 24));
}

/* nat mode: connect latency percentiles and the backend's errors */
static void put_nat_metrics(struct sovd_lb *lb, struct nlmsghdr *nlh, uint32_t id)
{
	uint64_t lat[sizeof(struct lb_latency) / 8], err[sizeof(struct lb_backend_errors) / 8];
	const uint64_t *buckets = lat + offsetof(struct lb_latency, buckets) / 8;

	sov_bpf_percpu_sum(bpf_map__fd(lb->skel->maps.lb_latency), id, sizeof(struct lb_latency),
			   lat);
	sov_bpf_percpu_sum(bpf_map__fd(lb->skel->maps.lb_backend_errors), id,
			   sizeof(struct lb_backend_errors), err);
	mnl_attr_put_u64(nlh, SOV_A_LB_LAT_COUNT, lat[offsetof(struct lb_latency, count) / 8]);
	mnl_attr_put_u64(nlh, SOV_A_LB_LAT_P50_NS, sov_lb_latency_quantile(buckets, 0.5));
	mnl_attr_put_u64(nlh, SOV_A_LB_LAT_P90_NS, sov_lb_latency_quantile(buckets, 0.9));
	mnl_attr_put_u64(nlh, SOV_A_LB_LAT_P99_NS, sov_lb_latency_quantile(buckets, 0.99));
	mnl_attr_put_u64(nlh, SOV_A_LB_LAT_P999_NS, sov_lb_latency_quantile(buckets, 0.999));
	mnl_attr_put_u64(nlh, SOV_A_LB_ERR_RST, err[offsetof(struct lb_backend_errors, rst) / 8]);
	mnl_attr_put_u64(nlh, SOV_A_LB_ERR_UNREACH,
			 err[offsetof(struct lb_backend_errors, unreach) / 8]);
}

static uint32_t health_attr(enum sov_health_state st)
{
	return st == SOV_HEALTH_UP ? SOV_LB_HEALTH_UP :
	       st == SOV_HEALTH_DOWN ? SOV_LB_HEALTH_DOWN : SOV_LB_HEALTH_UNKNOWN;
}

/*
 * The backend's last transitions, newest first, with their age. At 32 bytes
 * an event, 16 per backend and 32 backends add 16 KiB to a service's
 * message: it stays well inside SOV_NL_BUFSZ.
 */
static void put_history(struct nlmsghdr *nlh, const struct sov_health *h, uint64_t now)
{
	struct sov_health_event ev[SOV_HEALTH_HISTORY];
	unsigned int i, n = sov_health_history(h, ev, SOV_HEALTH_HISTORY);
	struct nlattr *hist, *e;

	hist = mnl_attr_nest_start(nlh, SOV_A_LB_HC_HISTORY);
	for (i = n; i-- > 0;) {
		e = mnl_attr_nest_start(nlh, SOV_A_LB_HC_EVENT);
		mnl_attr_put_u64(nlh, SOV_A_LB_HC_EVENT_AGE_NS,
				 now > ev[i].at_ns ? now - ev[i].at_ns : 0);
		mnl_attr_put_u32(nlh, SOV_A_LB_HC_EVENT_FROM, health_attr(ev[i].from));
		mnl_attr_put_u32(nlh, SOV_A_LB_HC_EVENT_TO, health_attr(ev[i].to));
		mnl_attr_nest_end(nlh, e);
	}
	mnl_attr_nest_end(nlh, hist);
}

static void put_service(struct sovd_lb *lb, struct nlmsghdr *nlh,
			const struct sov_lb_service *svc)
{
	const struct sov_lb_settings *s = &svc->set;
	unsigned int i;

	mnl_attr_put(nlh, SOV_A_LB_VIP_ADDR, svc->vip.family == AF_INET ? 4 : 16, svc->vip.addr);
	mnl_attr_put_u16(nlh, SOV_A_LB_VIP_PORT, svc->vip.port);
	mnl_attr_put_u8(nlh, SOV_A_LB_PROTO, svc->vip.proto);
	sovd_lb_put_settings(nlh, s);
	mnl_attr_put_u32(nlh, SOV_A_LB_SERVICE_INDEX, svc->index);
	mnl_attr_put_u32(nlh, SOV_A_LB_TABLE_SIZE, svc->table_size);
	if (lb->ifindex)
		mnl_attr_put_u32(nlh, SOV_A_LB_IFINDEX, (uint32_t)lb->ifindex);
	put_counters(nlh, bpf_map__fd(lb->skel->maps.lb_svc_stats), svc->index, true);
	for (i = 0; i < LB_MAX_BACKENDS; i++) {
		const struct sov_lb_backend *be = &svc->be[i];
		uint32_t id = sov_lb_backend_id(svc, be);
		struct nlattr *nest;
		int64_t conns = 0;
		uint32_t health;

		if (!be->used)
			continue;
		bpf_map_lookup_elem(bpf_map__fd(lb->skel->maps.lb_conn_counts), &id, &conns);
		health = s->hc_type == SOV_LB_HC_NONE ? SOV_LB_HEALTH_UNKNOWN :
			 health_attr(be->health.state);
		nest = mnl_attr_nest_start(nlh, SOV_A_LB_BACKEND);
		mnl_attr_put(nlh, SOV_A_LB_BE_ADDR, svc->vip.family == AF_INET ? 4 : 16, be->addr);
		mnl_attr_put_u16(nlh, SOV_A_LB_BE_PORT, be->port);
		mnl_attr_put_u32(nlh, SOV_A_LB_BE_WEIGHT, be->weight);
		mnl_attr_put_u32(nlh, SOV_A_LB_BE_ID, id);
		mnl_attr_put_u32(nlh, SOV_A_LB_BE_HEALTH, health);
		mnl_attr_put_u64(nlh, SOV_A_LB_BE_CONNS, conns > 0 ? (uint64_t)conns : 0);
		put_counters(nlh, bpf_map__fd(lb->skel->maps.lb_backend_stats), id, false);
		mnl_attr_put_u32(nlh, SOV_A_LB_FLOW_RATE, flow_rate(lb, id));
		if (s->hc_type != SOV_LB_HC_NONE) {
			mnl_attr_put_u64(nlh, SOV_A_LB_HC_CHECKS, be->health.checks);
			mnl_attr_put_u64(nlh, SOV_A_LB_HC_FAILURES, be->health.failures);
			mnl_attr_put_u64(nlh, SOV_A_LB_HC_CHANGES, be->health.transitions);
			mnl_attr_put_u64(nlh, SOV_A_LB_HC_SINCE_NS, be->health.changed_ns ?
					 uv_hrtime() - be->health.changed_ns : 0);
			put_history(nlh, &be->health, uv_hrtime());
		}
		if (s->mode == SOV_LB_MODE_NAT)
			put_nat_metrics(lb, nlh, id);
		mnl_attr_nest_end(nlh, nest);
	}
}

static int dump_services(struct sovd_lb *lb, struct sovd_client *c, const struct nlmsghdr *req)
{
	static unsigned char buf[SOV_NL_BUFSZ];
	struct nlmsghdr *nlh;
	unsigned int i;

	for (i = 0; i < LB_MAX_SERVICES; i++) {
		if (!lb->model.svc[i].used)
			continue;
		nlh = sov_nl_put_hdr(buf, SOV_CTL_FAMILY_ID, SOV_CMD_LB_SERVICE_GET,
				     SOV_GENL_VERSION, NLM_F_MULTI, req->nlmsg_seq);
		nlh->nlmsg_pid = req->nlmsg_pid;
		put_service(lb, nlh, &lb->model.svc[i]);
		sovd_client_send(c, nlh, nlh->nlmsg_len);
	}
	sovd_client_send(c, buf, sov_nl_put_done(buf, req, 0));
	return 1;
}

/* A request changed @vip's service (or its backend @addr): tell, then judge it. */
static void changed(struct sovd_lb *lb, uint32_t kind, const struct sov_lb_vip *vip,
		    const struct nlattr **tb)
{
	struct sov_lb_service *svc = sov_lb_find(&lb->model, vip);
	struct sov_lb_backend *be = NULL;
	uint8_t addr[16];
	uint16_t port;
	int family;

	if (!svc)
		return;
	if (kind == SOV_LB_EVENT_SERVICE_ADDED)
		lb->live[svc->index] = SOVD_LB_LIVE_PENDING;
	if (tb[SOV_A_LB_BE_ADDR] && !backend_of(tb, &family, addr, &port, NULL, 0))
		be = sov_lb_backend_find(svc, addr, port);
	sovd_lb_emit(lb, &(struct sovd_lb_event){ .kind = kind, .svc = svc, .be = be });
	sovd_lb_live_check(lb, svc);
}

bool sovd_lb_serves(uint8_t cmd)
{
	return cmd >= SOV_CMD_LB_SERVICE_GET && cmd <= SOV_CMD_LB_DETACH;
}

int sovd_lb_request(struct sovd *d, struct sovd_client *c, const struct nlmsghdr *nlh,
		    char *msg, size_t msglen)
{
	const struct genlmsghdr *gh = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[SOV_A_LB_MAX + 1];
	struct sovd_lb *lb = d->lb;
	struct sov_lb_vip vip;
	uint32_t svc_index;
	unsigned int i;
	char v[96];
	int ret;

	if (!lb)
		REFUSE(-EOPNOTSUPP, "the load balancer is not running (sovereignd started with --no-bpf, or its BPF failed to load: see the daemon's log)");
	ret = sovd_lb_parse(nlh, tb, msg, msglen);
	if (ret)
		return ret;
	/* clustered: the cluster decides; no client: the replicated state being applied */
	if (d->cluster && c && gh->cmd != SOV_CMD_LB_ATTACH && gh->cmd != SOV_CMD_LB_DETACH)
		return sovd_lb_cluster_request(d, c, nlh, tb, msg, msglen);

	switch (gh->cmd) {
	case SOV_CMD_LB_SERVICE_GET:
		return dump_services(lb, c, nlh);
	case SOV_CMD_LB_ATTACH:
		return sovd_lb_attach(lb, tb, msg, msglen);
	case SOV_CMD_LB_DETACH:
		return sovd_lb_detach(lb, msg, msglen);
	}

	ret = vip_of(tb, &vip, msg, msglen);
	if (ret)
		return ret;
	sov_lb_vip_format(&vip, v, sizeof(v));
	switch (gh->cmd) {
	case SOV_CMD_LB_SERVICE_ADD:
		ret = with_rollback(lb, &vip, do_service_add, tb, msg, msglen);
		if (!ret) {
			log_info("lb: service %s added", v);
			changed(lb, SOV_LB_EVENT_SERVICE_ADDED, &vip, tb);
		}
		return ret;
	case SOV_CMD_LB_SERVICE_SET:
		ret = with_rollback(lb, &vip, do_service_set, tb, msg, msglen);
		if (!ret)
			changed(lb, SOV_LB_EVENT_SERVICE_CHANGED, &vip, tb);
		return ret;
	case SOV_CMD_LB_SERVICE_DEL:
		svc_index = sov_lb_find(&lb->model, &vip) ? sov_lb_find(&lb->model, &vip)->index : 0;
		ret = sov_lb_service_del(&lb->model, &vip, &lb->maps, msg, msglen);
		if (!ret) {
			custom_remove(lb, svc_index);
			sovd_lb_health_stop_all(lb);
			for (i = 0; i < LB_MAX_SERVICES; i++)
				if (lb->model.svc[i].used)
					sovd_lb_health_sync(lb, &lb->model.svc[i]);
			log_info("lb: service %s deleted", v);
			sovd_lb_emit(lb, &(struct sovd_lb_event){
				.kind = SOV_LB_EVENT_SERVICE_REMOVED, .vip = &vip });
		}
		return ret;
	case SOV_CMD_LB_BACKEND_ADD:
		ret = with_rollback(lb, &vip, do_backend_add, tb, msg, msglen);
		if (!ret)
			changed(lb, SOV_LB_EVENT_BACKEND_ADDED, &vip, tb);
		return ret;
	case SOV_CMD_LB_BACKEND_SET:
		ret = with_rollback(lb, &vip, do_backend_set, tb, msg, msglen);
		if (!ret)
			changed(lb, SOV_LB_EVENT_BACKEND_CHANGED, &vip, tb);
		return ret;
	case SOV_CMD_LB_BACKEND_DEL: {
		struct sov_lb_service *svc = sov_lb_find(&lb->model, &vip);
		struct sov_lb_backend *be, gone;
		uint8_t addr[16];
		uint16_t port;
		int family;

		ret = backend_of(tb, &family, addr, &port, msg, msglen);
		if (ret)
			return ret;
		/* the event names it after its slot is cleared */
		be = svc ? sov_lb_backend_find(svc, addr, port) : NULL;
		if (be)
			gone = *be;
		ret = sov_lb_backend_del(&lb->model, &vip, addr, port, &lb->maps, msg, msglen);
		if (!ret) {
			sovd_lb_health_sync(lb, svc);
			sovd_lb_emit(lb, &(struct sovd_lb_event){
				.kind = SOV_LB_EVENT_BACKEND_REMOVED, .svc = svc,
				.be = be ? &gone : NULL });
			sovd_lb_live_check(lb, svc);
		}
		return ret;
	}
	}
	REFUSE(-EOPNOTSUPP, "command %u is not a load balancer command", gh->cmd);
}

/* ---- for the cluster (lb_cluster.c) ---------------------------------------------- */

int sovd_lb_parse(const struct nlmsghdr *nlh, const struct nlattr **tb, char *msg,
		  size_t msglen)
{
	struct sov_nl_err err;
	unsigned int i;

	if (sov_nl_parse(nlh, tb, SOV_A_LB_MAX, lb_types, &err))
		REFUSE(err.error, "%s", err.msg);
	for (i = 1; i <= SOV_A_LB_MAX; i++)
		if (tb[i] && !request_attr[i])
			REFUSE(-EINVAL, "attribute %u is reply-only", i);
	return 0;
}

int sovd_lb_dump(struct sovd_lb *lb, struct sovd_client *c, const struct nlmsghdr *req)
{
	return dump_services(lb, c, req);
}

/*
 * What a service's settings replicate as: everything, except the udp
 * check's bytes under another check (a request that names them for another
 * check is refused) and an empty custom program.
 */
void sovd_lb_put_settings(struct nlmsghdr *nlh, const struct sov_lb_settings *s)
{
	mnl_attr_put_u32(nlh, SOV_A_LB_POLICY, s->policy);
	mnl_attr_put_u32(nlh, SOV_A_LB_MODE, s->mode);
	mnl_attr_put_u32(nlh, SOV_A_LB_FALLBACK, s->fallback);
	mnl_attr_put_u32(nlh, SOV_A_LB_STICKY_TIMEOUT_S, s->sticky_s);
	mnl_attr_put_u8(nlh, SOV_A_LB_FRAG_PASS, s->frag_pass);
	mnl_attr_put_u32(nlh, SOV_A_LB_HC_TYPE, s->hc_type);
	mnl_attr_put_u32(nlh, SOV_A_LB_HC_INTERVAL_S, s->hc.interval_s);
	mnl_attr_put_u32(nlh, SOV_A_LB_HC_TIMEOUT_MS, s->hc.timeout_ms);
	mnl_attr_put_u32(nlh, SOV_A_LB_HC_RISE, s->hc.rise);
	mnl_attr_put_u32(nlh, SOV_A_LB_HC_FALL, s->hc.fall);
	mnl_attr_put_strz(nlh, SOV_A_LB_HC_HTTP_PATH, s->hc_path);
	mnl_attr_put_u32(nlh, SOV_A_LB_HC_HTTP_STATUS, s->hc_status);
	if (s->hc_type == SOV_LB_HC_UDP) {
		mnl_attr_put(nlh, SOV_A_LB_HC_UDP_SEND, s->hc_udp_send_len, s->hc_udp_send);
		mnl_attr_put(nlh, SOV_A_LB_HC_UDP_EXPECT, s->hc_udp_expect_len, s->hc_udp_expect);
	}
	if (s->custom_prog[0])
		mnl_attr_put_strz(nlh, SOV_A_LB_CUSTOM_PROG, s->custom_prog);
}

static int nop_update(void *ctx, enum sov_lb_map map, const void *key, const void *value)
{
	(void)ctx, (void)map, (void)key, (void)value;
	return 0;
}

static int nop_remove(void *ctx, enum sov_lb_map map, const void *key)
{
	(void)ctx, (void)map, (void)key;
	return 0;
}

static int nop_range(void *ctx, enum sov_lb_map map, uint32_t first, const void *values,
		     uint32_t n)
{
	(void)ctx, (void)map, (void)first, (void)values, (void)n;
	return 0;
}

int sovd_lb_check(struct sovd_lb *lb, uint8_t cmd, const struct nlattr **tb,
		  struct sov_lb_service *after, char *msg, size_t msglen)
{
	static const struct sov_lb_maps none = {
		.update = nop_update, .remove = nop_remove, .update_range = nop_range,
	};
	struct sov_lb *saved = malloc(sizeof(*saved));
	struct sov_lb_service *svc = NULL;
	struct sov_lb_vip vip;
	uint8_t addr[16];
	uint16_t port;
	int family, ret;

	if (!saved)
		REFUSE(-ENOMEM, "out of memory");
	memcpy(saved, &lb->model, sizeof(*saved));
	ret = vip_of(tb, &vip, msg, msglen);
	if (!ret) {
		switch (cmd) {
		case SOV_CMD_LB_SERVICE_ADD:
			ret = do_service_add(lb, tb, &vip, msg, msglen);
			break;
		case SOV_CMD_LB_SERVICE_SET:
			ret = do_service_set(lb, tb, &vip, msg, msglen);
			break;
		case SOV_CMD_LB_BACKEND_ADD:
			ret = do_backend_add(lb, tb, &vip, msg, msglen);
			break;
		case SOV_CMD_LB_BACKEND_SET:
			ret = do_backend_set(lb, tb, &vip, msg, msglen);
			break;
		case SOV_CMD_LB_SERVICE_DEL:
			ret = sov_lb_service_del(&lb->model, &vip, &none, msg, msglen);
			break;
		case SOV_CMD_LB_BACKEND_DEL:
			ret = backend_of(tb, &family, addr, &port, msg, msglen);
			if (!ret)
				ret = sov_lb_backend_del(&lb->model, &vip, addr, port, &none, msg,
							 msglen);
			break;
		default:
			ret = -EOPNOTSUPP;
			snprintf(msg, msglen, "command %u is not a load balancer change", cmd);
		}
	}
	if (ret >= 0)
		svc = sov_lb_find(&lb->model, &vip);
	/* the tables must build too, as a commit would build them */
	if (svc && cmd != SOV_CMD_LB_SERVICE_DEL && cmd != SOV_CMD_LB_BACKEND_DEL)
		ret = sov_lb_commit(&lb->model, svc, &none, msg, msglen);
	if (ret >= 0 && after) {
		if (svc)
			*after = *svc;
		else
			memset(after, 0, sizeof(*after));
		after->vip = vip;
	}
	memcpy(&lb->model, saved, sizeof(*saved));
	free(saved);
	return ret < 0 ? ret : 0;
}
