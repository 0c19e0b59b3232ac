// SPDX-License-Identifier: GPL-2.0
/*
 * lib/raft/cluster_conf: the cluster's membership as configured, from the
 * command line or a file. Every refusal names the setting at fault, since
 * a daemon that starts with a wrong peer list fails in confusing ways later.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_conf.h"
#include "wire.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

void sov_cluster_conf_init(struct sov_cluster_conf *c)
{
	memset(c, 0, sizeof(*c));
}

/* Decimal 1..UINT64_MAX, digits only: "+1", " 1" or "0x1" are typos here. */
static int parse_id(const char *s, raft_id_t *id)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || !v)
		return -EINVAL;
	*id = v;
	return 0;
}

#define ID_RANGE	"1-18446744073709551615"

static int parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;
	size_t i;

	for (i = 0; s[i]; i++) {
		if (!isdigit((unsigned char)s[i]) || i == 5)
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (!i || !v || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int sov_cluster_addr_parse(const char *s, int any, struct sov_cluster_addr *a,
			   char *err, size_t errlen)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&a->sa;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->sa;
	char buf[80], host[INET6_ADDRSTRLEN];
	const char *port;
	char *colon;
	uint16_t p;

	memset(a, 0, sizeof(*a));
	if (strlen(s) >= sizeof(buf))
		return fail(err, errlen, "'%.32s...' is too long for an address", s);
	strcpy(buf, s);
	if (buf[0] == '[') {
		colon = strchr(buf, ']');
		if (!colon)
			return fail(err, errlen, "'%s': no ']' after the IPv6 address", s);
		*colon = '\0';
		if (colon[1] != ':')
			return fail(err, errlen, "'%s': expected ADDRESS:PORT", s);
		port = colon + 2;
		if (inet_pton(AF_INET6, buf + 1, &in6->sin6_addr) != 1)
			return fail(err, errlen, "'%s': '%s' is not an IPv6 address", s, buf + 1);
		in6->sin6_family = AF_INET6;
		a->len = sizeof(*in6);
	} else {
		colon = strrchr(buf, ':');
		if (!colon)
			return fail(err, errlen, "'%s': expected ADDRESS:PORT", s);
		*colon = '\0';
		port = colon + 1;
		if (inet_pton(AF_INET, buf, &in->sin_addr) != 1)
			return fail(err, errlen,
				    "'%s': '%s' is not an IPv4 address (IPv6 goes in [], names are not resolved)",
				    s, buf);
		in->sin_family = AF_INET;
		a->len = sizeof(*in);
	}
	if (parse_port(port, &p))
		return fail(err, errlen, "'%s': port '%s' is not 1-65535", s, port);
	if (a->sa.ss_family == AF_INET) {
		in->sin_port = htons(p);
		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(a->text, sizeof(a->text), "%s:%u", host, p);
		if (!any && in->sin_addr.s_addr == htonl(INADDR_ANY))
			goto unspecified;
	} else {
		in6->sin6_port = htons(p);
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(a->text, sizeof(a->text), "[%s]:%u", host, p);
		if (!any && IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr))
			goto unspecified;
	}
	return 0;
unspecified:
	return fail(err, errlen, "'%s': the unspecified address cannot be connected to", s);
}

static int same_addr(const struct sov_cluster_addr *a, const struct sov_cluster_addr *b)
{
	const struct sockaddr_in *a4 = (const void *)&a->sa, *b4 = (const void *)&b->sa;
	const struct sockaddr_in6 *a6 = (const void *)&a->sa, *b6 = (const void *)&b->sa;

	if (a->sa.ss_family != b->sa.ss_family)
		return 0;
	if (a->sa.ss_family == AF_INET)
		return a4->sin_port == b4->sin_port && a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return a6->sin6_port == b6->sin6_port &&
	       !memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr));
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* One ID=ADDR:PORT element of a peers list. */
static int add_peer(struct sov_cluster_conf *c, char *elem, char *err, size_t errlen)
{
	struct sov_cluster_node *n;
	char aerr[200];
	char *eq = strchr(elem, '=');
	raft_id_t id;
	size_t i;

	if (!*elem)
		return fail(err, errlen, "peers: an empty element (two commas in a row?)");
	if (!eq)
		return fail(err, errlen, "peers: '%.80s': expected ID=ADDRESS:PORT", elem);
	*eq = '\0';
	if (parse_id(trim(elem), &id))
		return fail(err, errlen, "peers: '%.40s' is not a node id (" ID_RANGE ")",
			    trim(elem));
	if (sov_cluster_conf_node(c, id))
		return fail(err, errlen, "peers: node %llu listed twice",
			    (unsigned long long)id);
	if (c->n_nodes == RAFT_MAX_NODES)
		return fail(err, errlen, "peers: more than %d nodes", RAFT_MAX_NODES);
	n = &c->nodes[c->n_nodes];
	if (sov_cluster_addr_parse(trim(eq + 1), 0, &n->addr, aerr, sizeof(aerr)))
		return fail(err, errlen, "peers: node %llu: %s", (unsigned long long)id, aerr);
	for (i = 0; i < c->n_nodes; i++)
		if (same_addr(&c->nodes[i].addr, &n->addr))
			return fail(err, errlen, "peers: nodes %llu and %llu have the same address %s",
				    (unsigned long long)c->nodes[i].id, (unsigned long long)id,
				    n->addr.text);
	n->id = id;
	c->n_nodes++;
	return 0;
}

/* All or nothing: a list that fails half-way adds no node. */
static int add_peers(struct sov_cluster_conf *c, const char *list, char *err, size_t errlen)
{
	struct sov_cluster_conf *tmp = malloc(sizeof(*tmp));
	char *copy = strdup(list), *elem, *next;
	int ret = 0;

	if (!tmp || !copy) {
		ret = fail(err, errlen, "peers: out of memory");
		goto out;
	}
	*tmp = *c;
	for (elem = copy; elem && !ret; elem = next) {
		next = strchr(elem, ',');
		if (next)
			*next++ = '\0';
		ret = add_peer(tmp, trim(elem), err, errlen);
	}
	if (!ret)
		*c = *tmp;
out:
	free(tmp);
	free(copy);
	return ret;
}

int sov_cluster_conf_set(struct sov_cluster_conf *c, const char *key,
			 const char *value, char *err, size_t errlen)
{
	char aerr[200];
	raft_id_t id;

	if (!strcmp(key, "cluster-id")) {
		if (c->cluster_id[0])
			return fail(err, errlen, "cluster-id: given twice");
		if (sov_raft_cluster_id_check(value))
			return fail(err, errlen,
				    "cluster-id: '%.80s' is not 1-%d characters of [A-Za-z0-9._-]",
				    value, SOV_RAFT_CLUSTER_ID_MAX);
		strcpy(c->cluster_id, value);
		return 0;
	}
	if (!strcmp(key, "node-id")) {
		if (c->self)
			return fail(err, errlen, "node-id: given twice");
		if (parse_id(value, &id))
			return fail(err, errlen, "node-id: '%.40s' is not a node id (" ID_RANGE ")",
				    value);
		c->self = id;
		return 0;
	}
	if (!strcmp(key, "peers"))
		return add_peers(c, value, err, errlen);
	if (!strcmp(key, "listen")) {
		if (c->listen.len)
			return fail(err, errlen, "listen: given twice");
		if (sov_cluster_addr_parse(value, 1, &c->listen, aerr, sizeof(aerr)))
			return fail(err, errlen, "listen: %s", aerr);
		return 0;
	}
	return fail(err, errlen,
		    "unknown setting '%.40s' (expected cluster-id, node-id, peers or listen)", key);
}

int sov_cluster_conf_load(struct sov_cluster_conf *c, const char *path,
			  char *err, size_t errlen)
{
	char *line = NULL, *key, *value, msg[256];
	unsigned int lineno = 0;
	size_t cap = 0;
	int ret = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	while (!ret && getline(&line, &cap, f) >= 0) {
		lineno++;
		line[strcspn(line, "#")] = '\0';
		key = trim(line);
		if (!*key)
			continue;
		value = key + strcspn(key, " \t");
		if (*value)
			*value++ = '\0';
		value = trim(value);
		if (!*value)
			ret = fail(msg, sizeof(msg), "%.40s: no value", key);
		else
			ret = sov_cluster_conf_set(c, key, value, msg, sizeof(msg));
		if (ret)
			fail(err, errlen, "%s:%u: %s", path, lineno, msg);
	}
	if (!ret && ferror(f))
		ret = fail(err, errlen, "%s: read error", path);
	free(line);
	fclose(f);
	return ret;
}

int sov_cluster_conf_check(struct sov_cluster_conf *c, char *err, size_t errlen)
{
	const struct sov_cluster_node *self;

	if (!c->cluster_id[0])
		return fail(err, errlen, "cluster-id: missing");
	if (!c->self)
		return fail(err, errlen, "node-id: missing");
	if (!c->n_nodes)
		return fail(err, errlen, "peers: missing");
	self = sov_cluster_conf_node(c, c->self);
	if (!self)
		return fail(err, errlen, "peers: this node (%llu) is not in the list",
			    (unsigned long long)c->self);
	if (!c->listen.len)
		c->listen = self->addr;
	return 0;
}

const struct sov_cluster_node *sov_cluster_conf_node(const struct sov_cluster_conf *c,
						     raft_id_t id)
{
	size_t i;

	for (i = 0; i < c->n_nodes; i++)
		if (c->nodes[i].id == id)
			return &c->nodes[i];
	return NULL;
}
