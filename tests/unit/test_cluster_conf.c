// SPDX-License-Identifier: GPL-2.0
/* lib/raft/cluster_conf: good and bad cluster settings, with the exact errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "../../lib/raft/cluster_conf.h"

static char err[256];

static void set_ok(struct sov_cluster_conf *c, const char *key, const char *value)
{
	if (sov_cluster_conf_set(c, key, value, err, sizeof(err)))
		fail_msg("%s %s: %s", key, value, err);
}

static void set_bad(struct sov_cluster_conf *c, const char *key, const char *value,
		    const char *msg)
{
	err[0] = '\0';
	assert_int_equal(sov_cluster_conf_set(c, key, value, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, msg);
}

/* A fresh conf, one bad setting. */
static void bad(const char *key, const char *value, const char *msg)
{
	struct sov_cluster_conf c;

	sov_cluster_conf_init(&c);
	set_bad(&c, key, value, msg);
}

static void test_good_command_line(void **state)
{
	struct sov_cluster_conf c;
	const struct sov_cluster_node *n;
	const struct sockaddr_in6 *in6;
	const struct sockaddr_in *in;

	(void)state;
	sov_cluster_conf_init(&c);
	set_ok(&c, "cluster-id", "prod-eu1.blue_2");
	set_ok(&c, "node-id", "2");
	set_ok(&c, "peers", "1=127.0.0.1:7001, 2=127.0.0.1:7002");
	set_ok(&c, "peers", "3=[::1]:7003,18446744073709551615=[fd00:0::0:3]:65535");
	assert_int_equal(sov_cluster_conf_check(&c, err, sizeof(err)), 0);
	assert_string_equal(c.cluster_id, "prod-eu1.blue_2");
	assert_int_equal(c.self, 2);
	assert_int_equal(c.n_nodes, 4);
	/* listen defaults to this node's own entry */
	assert_string_equal(c.listen.text, "127.0.0.1:7002");
	in = (const struct sockaddr_in *)&c.listen.sa;
	assert_int_equal(in->sin_family, AF_INET);
	assert_int_equal(ntohs(in->sin_port), 7002);
	assert_int_equal(c.listen.len, sizeof(*in));

	n = sov_cluster_conf_node(&c, 3);
	assert_non_null(n);
	assert_string_equal(n->addr.text, "[::1]:7003");
	in6 = (const struct sockaddr_in6 *)&n->addr.sa;
	assert_int_equal(in6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(in6->sin6_port), 7003);
	n = sov_cluster_conf_node(&c, UINT64_MAX);
	assert_non_null(n);
	assert_string_equal(n->addr.text, "[fd00::3]:65535");	/* canonical */
	assert_null(sov_cluster_conf_node(&c, 4));
}

static void test_listen(void **state)
{
	struct sov_cluster_conf c;

	(void)state;
	sov_cluster_conf_init(&c);
	set_ok(&c, "listen", "0.0.0.0:7001");	/* unspecified: fine to listen on */
	set_ok(&c, "cluster-id", "c");
	set_ok(&c, "node-id", "1");
	set_ok(&c, "peers", "1=10.0.0.1:7001");
	assert_int_equal(sov_cluster_conf_check(&c, err, sizeof(err)), 0);
	assert_string_equal(c.listen.text, "0.0.0.0:7001");
	set_bad(&c, "listen", "[::]:7001", "listen: given twice");
	bad("listen", "7001", "listen: '7001': expected ADDRESS:PORT");
	sov_cluster_conf_init(&c);
	set_ok(&c, "listen", "[::]:1");
	assert_string_equal(c.listen.text, "[::]:1");
}

static void test_bad_ids(void **state)
{
	struct sov_cluster_conf c;

	(void)state;
	bad("cluster-id", "has space", "cluster-id: 'has space' is not 1-63 characters of [A-Za-z0-9._-]");
	bad("cluster-id", "", "cluster-id: '' is not 1-63 characters of [A-Za-z0-9._-]");
	bad("cluster-id", "0123456789012345678901234567890123456789012345678901234567890123",
	    "cluster-id: '0123456789012345678901234567890123456789012345678901234567890123' is not 1-63 characters of [A-Za-z0-9._-]");
	bad("node-id", "0", "node-id: '0' is not a node id (1-18446744073709551615)");
	bad("node-id", "-1", "node-id: '-1' is not a node id (1-18446744073709551615)");
	bad("node-id", "+1", "node-id: '+1' is not a node id (1-18446744073709551615)");
	bad("node-id", "1x", "node-id: '1x' is not a node id (1-18446744073709551615)");
	bad("node-id", "", "node-id: '' is not a node id (1-18446744073709551615)");
	bad("node-id", "18446744073709551616",
	    "node-id: '18446744073709551616' is not a node id (1-18446744073709551615)");
	bad("color", "blue",
	    "unknown setting 'color' (expected cluster-id, node-id, peers or listen)");

	sov_cluster_conf_init(&c);
	set_ok(&c, "cluster-id", "a");
	set_bad(&c, "cluster-id", "b", "cluster-id: given twice");
	set_ok(&c, "node-id", "1");
	set_bad(&c, "node-id", "1", "node-id: given twice");
}

static void test_bad_peers(void **state)
{
	(void)state;
	bad("peers", "1=127.0.0.1:7001,1=127.0.0.2:7001", "peers: node 1 listed twice");
	bad("peers", "0=127.0.0.1:7001", "peers: '0' is not a node id (1-18446744073709551615)");
	bad("peers", "x=127.0.0.1:7001", "peers: 'x' is not a node id (1-18446744073709551615)");
	bad("peers", "1=127.0.0.1:7001,2=127.0.0.1:7001",
	    "peers: nodes 1 and 2 have the same address 127.0.0.1:7001");
	bad("peers", "1=[::1]:7001,2=[0:0::1]:7001",
	    "peers: nodes 1 and 2 have the same address [::1]:7001");
	bad("peers", "1=127.0.0.300:7001",
	    "peers: node 1: '127.0.0.300:7001': '127.0.0.300' is not an IPv4 address (IPv6 goes in [], names are not resolved)");
	bad("peers", "1=localhost:7001",
	    "peers: node 1: 'localhost:7001': 'localhost' is not an IPv4 address (IPv6 goes in [], names are not resolved)");
	bad("peers", "1=::1:7001",
	    "peers: node 1: '::1:7001': '::1' is not an IPv4 address (IPv6 goes in [], names are not resolved)");
	bad("peers", "1=127.0.0.1:0", "peers: node 1: '127.0.0.1:0': port '0' is not 1-65535");
	bad("peers", "1=127.0.0.1:65536", "peers: node 1: '127.0.0.1:65536': port '65536' is not 1-65535");
	bad("peers", "1=127.0.0.1:", "peers: node 1: '127.0.0.1:': port '' is not 1-65535");
	bad("peers", "1=127.0.0.1:7a", "peers: node 1: '127.0.0.1:7a': port '7a' is not 1-65535");
	bad("peers", "1=127.0.0.1:000080", "peers: node 1: '127.0.0.1:000080': port '000080' is not 1-65535");
	bad("peers", "1=127.0.0.1", "peers: node 1: '127.0.0.1': expected ADDRESS:PORT");
	bad("peers", "1=[::1:7001", "peers: node 1: '[::1:7001': no ']' after the IPv6 address");
	bad("peers", "1=[::1]7001", "peers: node 1: '[::1]7001': expected ADDRESS:PORT");
	bad("peers", "1=[fe80::1%eth0]:7001",
	    "peers: node 1: '[fe80::1%eth0]:7001': 'fe80::1%eth0' is not an IPv6 address");
	bad("peers", "1=[127.0.0.1]:7001",
	    "peers: node 1: '[127.0.0.1]:7001': '127.0.0.1' is not an IPv6 address");
	bad("peers", "1=0.0.0.0:7001",
	    "peers: node 1: '0.0.0.0:7001': the unspecified address cannot be connected to");
	bad("peers", "1=[::]:7001",
	    "peers: node 1: '[::]:7001': the unspecified address cannot be connected to");
	bad("peers", "1=127.0.0.1:7001,,2=127.0.0.1:7002",
	    "peers: an empty element (two commas in a row?)");
	bad("peers", "", "peers: an empty element (two commas in a row?)");
	bad("peers", "127.0.0.1:7001", "peers: '127.0.0.1:7001': expected ID=ADDRESS:PORT");
}

/* A list that fails half-way changes nothing. */
static void test_peers_all_or_nothing(void **state)
{
	struct sov_cluster_conf c;
	char list[64 * 24 + 32];
	size_t off = 0;
	int i;

	(void)state;
	sov_cluster_conf_init(&c);
	set_ok(&c, "peers", "1=10.0.0.1:1");
	set_bad(&c, "peers", "2=10.0.0.2:1,3=10.0.0.2:1",
		"peers: nodes 2 and 3 have the same address 10.0.0.2:1");
	assert_int_equal(c.n_nodes, 1);
	set_bad(&c, "peers", "2=10.0.0.2:1,1=10.0.0.3:1", "peers: node 1 listed twice");
	assert_int_equal(c.n_nodes, 1);
	assert_null(sov_cluster_conf_node(&c, 2));

	/* 64 nodes at most */
	for (i = 2; i <= RAFT_MAX_NODES; i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%d=10.0.1.%d:1",
					i > 2 ? "," : "", i, i);
	set_ok(&c, "peers", list);
	assert_int_equal(c.n_nodes, RAFT_MAX_NODES);
	set_bad(&c, "peers", "65=10.0.2.1:1", "peers: more than 64 nodes");
}

static void test_check(void **state)
{
	struct sov_cluster_conf c;

	(void)state;
	sov_cluster_conf_init(&c);
	assert_int_equal(sov_cluster_conf_check(&c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "cluster-id: missing");
	set_ok(&c, "cluster-id", "c");
	assert_int_equal(sov_cluster_conf_check(&c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "node-id: missing");
	set_ok(&c, "node-id", "4");
	assert_int_equal(sov_cluster_conf_check(&c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "peers: missing");
	set_ok(&c, "peers", "1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003");
	assert_int_equal(sov_cluster_conf_check(&c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "peers: this node (4) is not in the list");
	set_ok(&c, "peers", "4=127.0.0.1:7004");
	assert_int_equal(sov_cluster_conf_check(&c, err, sizeof(err)), 0);
}

static char *write_file(const char *text)
{
	static char path[] = "/tmp/sov-cluster-XXXXXX";
	int fd;

	strcpy(path, "/tmp/sov-cluster-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void load_bad(const char *text, const char *msg_after_path)
{
	struct sov_cluster_conf c;
	char *path = write_file(text), want[320];

	sov_cluster_conf_init(&c);
	assert_int_equal(sov_cluster_conf_load(&c, path, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s%s", path, msg_after_path);
	assert_string_equal(err, want);
	unlink(path);
}

static void test_file(void **state)
{
	struct sov_cluster_conf c;
	char *path;

	(void)state;
	path = write_file("# the blue cluster\n"
			  "\n"
			  "cluster-id   blue   # trailing comment\n"
			  "node-id\t3\n"
			  "peers 1=10.0.0.1:7001,2=10.0.0.2:7001\n"
			  "  peers 3=10.0.0.3:7001\n"
			  "listen 0.0.0.0:7001");	/* no newline at the end */
	sov_cluster_conf_init(&c);
	if (sov_cluster_conf_load(&c, path, err, sizeof(err)))
		fail_msg("%s", err);
	unlink(path);
	assert_int_equal(sov_cluster_conf_check(&c, err, sizeof(err)), 0);
	assert_string_equal(c.cluster_id, "blue");
	assert_int_equal(c.self, 3);
	assert_int_equal(c.n_nodes, 3);
	assert_string_equal(c.listen.text, "0.0.0.0:7001");

	load_bad("cluster-id c\npeers 1=10.0.0.1:1\npeers 2=10.0.0.2:1,1=10.0.0.3:1\n",
		 ":3: peers: node 1 listed twice");
	load_bad("cluster-id c\nnode-id\n", ":2: node-id: no value");
	load_bad("cluster-id c\nnode-id 0\n",
		 ":2: node-id: '0' is not a node id (1-18446744073709551615)");
	load_bad("cluster_id c\n",
		 ":1: unknown setting 'cluster_id' (expected cluster-id, node-id, peers or listen)");

	sov_cluster_conf_init(&c);
	assert_int_equal(sov_cluster_conf_load(&c, "/nonexistent/cluster.conf", err,
					       sizeof(err)), -EINVAL);
	assert_string_equal(err, "/nonexistent/cluster.conf: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_command_line),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_bad_ids),
		cmocka_unit_test(test_bad_peers),
		cmocka_unit_test(test_peers_all_or_nothing),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests_name("cluster_conf", tests, NULL, NULL);
}
