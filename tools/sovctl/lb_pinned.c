// SPDX-License-Identifier: GPL-2.0
/*
 * `sovctl lb status` when sovereignd is not running: the data path keeps
 * forwarding from its pinned maps, so read them (read-only) and show what
 * they hold. The daemon's own view (health history, settings not in the
 * maps) is not available this way, and the output says so.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../lib/bpf/percpu.h"
#include "../../lib/lb/service.h"
#include "lb.h"
#include "print.h"
#include "sovctl.h"

static int open_pinned(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/lb/%s", dir, name);
	return bpf_obj_get(path);
}

int lb_show_pinned(const char *pin_dir, bool metrics)
{
	int svc_fd, be_fd, bstat_fd, sstat_fd, conn_fd;
	struct lb_vip_key key, next;
	struct lb_service svc;
	void *prev = NULL;
	unsigned int n = 0;

	svc_fd = open_pinned(pin_dir, "lb_services");
	if (svc_fd < 0) {
		if (errno == ENOENT)
			return op_error("sovereignd is not running and no load balancer is pinned in %s/lb",
					pin_dir);
		return op_error("cannot open %s/lb/lb_services: %s%s", pin_dir, strerror(errno),
				errno == EPERM || errno == EACCES ? " (run as root)" : "");
	}
	be_fd = open_pinned(pin_dir, "lb_backends");
	bstat_fd = open_pinned(pin_dir, "lb_backend_stats");
	sstat_fd = open_pinned(pin_dir, "lb_svc_stats");
	conn_fd = open_pinned(pin_dir, "lb_conn_counts");

	print_begin(sovctl.json, sovctl.pretty, stdout);
	print_bool("read_only", NULL, true);
	print_text("(sovereignd is not running: read-only, from the maps pinned in %s/lb)\n",
		   pin_dir);
	print_open_array("services");
	while (!bpf_map_get_next_key(svc_fd, prev, &next)) {
		struct sov_lb_vip vip = { 0 };
		char v[96];
		uint32_t i;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(svc_fd, &key, &svc))
			continue;
		vip.family = key.family;
		memcpy(vip.addr, key.addr, 16);
		vip.port = ntohs(key.port_be);
		vip.proto = key.proto;
		n++;
		print_open_object(NULL);
		print_string("service", "service %s", sov_lb_vip_format(&vip, v, sizeof(v)));
		print_string("policy", "  policy %s", sov_lb_policy_name(svc.policy));
		print_string("mode", "  mode %s", svc.flags & LB_SVC_F_NAT ? "nat" : "encap");
		print_u64("table_size", "  table %llu", svc.table_size);
		print_u64("packets", "  packets %llu",
			  sov_bpf_percpu_u64(sstat_fd, svc.index, sizeof(struct lb_flow_counter), 0));
		print_u64("new_flows", "  new flows %llu\n",
			  sov_bpf_percpu_u64(sstat_fd, svc.index, sizeof(struct lb_flow_counter), 16));
		print_open_array("backends");
		for (i = 0; i < LB_MAX_BACKENDS && svc.index < LB_MAX_SERVICES; i++) {
			uint32_t id = svc.index * LB_MAX_BACKENDS + i;
			struct lb_backend be;
			char a[INET6_ADDRSTRLEN];
			int64_t conns = 0;

			if (be_fd < 0 || bpf_map_lookup_elem(be_fd, &id, &be) || !be.family)
				continue;
			if (conn_fd >= 0)
				bpf_map_lookup_elem(conn_fd, &id, &conns);
			print_open_object(NULL);
			print_string("address", "  backend %-16s",
				     inet_ntop((int)be.family, be.addr, a, sizeof(a)));
			print_u64("weight", " weight %-4llu", be.weight);
			print_string("state", " %-5s", be.flags & LB_BE_F_UP ? "up" : "down");
			print_u64("connections", " conns %-6llu", conns > 0 ? (uint64_t)conns : 0);
			print_u64("packets", " packets %llu",
				  sov_bpf_percpu_u64(bstat_fd, id, sizeof(struct lb_flow_counter), 0));
			if (metrics)
				print_u64("bytes", " bytes %llu",
					  sov_bpf_percpu_u64(bstat_fd, id, sizeof(struct lb_flow_counter), 8));
			print_text("\n");
			print_close_object();
		}
		print_close_array();
		print_close_object();
	}
	print_close_array();
	if (!n)
		print_text("no services in the pinned maps\n");
	print_end();
	close(svc_fd);
	if (be_fd >= 0)
		close(be_fd);
	if (bstat_fd >= 0)
		close(bstat_fd);
	if (sstat_fd >= 0)
		close(sstat_fd);
	if (conn_fd >= 0)
		close(conn_fd);
	return EXIT_OK;
}
