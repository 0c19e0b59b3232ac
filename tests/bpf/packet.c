// SPDX-License-Identifier: GPL-2.0
/*
 * packet.c - the fixture runner's packet builder.
 *
 * A description is a sequence of layers, each NAME(ARGS):
 *
 *	eth(...) [vlan(...)] ipv4(...)|ipv6(...) udp(...)|tcp(...) payload(HEX)
 *
 * Layers are emitted in order; header layers take comma-separated
 * key=value arguments, payload() takes hex bytes, zeros() and truncate()
 * take a number.  After emission the builder fills in, for every field
 * that was not given explicitly: next-protocol fields from the following
 * layer, lengths (up to the end of the described bytes, not counting
 * trailing pad() bytes, which model Ethernet padding), then checksums
 * from the innermost layer outwards so encapsulated packets come out
 * right.  truncate(N) finally cuts the frame to N bytes, after all of
 * that, to describe frames that were cut short on the wire.
 */
#define _POSIX_C_SOURCE 200809L

#include "packet.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LAYERS 32
#define MAX_ARGS 24

enum kind {
	K_ETH,
	K_VLAN,
	K_IPV4,
	K_IPV6,
	K_UDP,
	K_TCP,
	K_PAYLOAD,
	K_ZEROS,
	K_PAD,
	K_TRUNCATE,
	K_COUNT
};

static const struct {
	const char *name;
	const char *fields;	/* NULL: not a key=value layer */
} defs[K_COUNT] = {
	[K_ETH] = { "eth", "src, dst, type" },
	[K_VLAN] = { "vlan", "id, pcp, dei, tpid, type" },
	[K_IPV4] = { "ipv4", "src, dst, ttl, tos, id, df, mf, frag, proto, ihl, len, csum, version, opts" },
	[K_IPV6] = { "ipv6", "src, dst, hlim, tc, flow, nh, plen, version" },
	[K_UDP] = { "udp", "sport, dport, len, csum" },
	[K_TCP] = { "tcp", "sport, dport, seq, ack, flags, win, doff, csum, urg, opts" },
	[K_PAYLOAD] = { "payload", NULL },
	[K_ZEROS] = { "zeros", NULL },
	[K_PAD] = { "pad", NULL },
	[K_TRUNCATE] = { "truncate", NULL },
};

struct arg {
	const char *key;
	size_t klen;
	const char *val;
	size_t vlen;
	size_t pos;		/* offset of the key in the description */
	int used;
};

struct layer {
	enum kind kind;
	size_t pos;		/* offset of the layer name */
	const char *body;	/* between the parentheses */
	size_t body_len;
	size_t body_pos;
	struct arg args[MAX_ARGS];
	int nargs;
	size_t off;		/* header offset in the output */
	size_t hlen;		/* header length as emitted */
	int auto_next;		/* type/proto/nh from the next layer */
	int auto_len;
	int auto_csum;
	uint16_t tpid;		/* vlan: what the previous layer's type becomes */
};

struct builder {
	const char *desc;
	uint8_t *buf;
	size_t cap;
	size_t len;
	size_t end;		/* end of the packet proper; pad() bytes follow */
	struct layer l[MAX_LAYERS];
	int n;
	struct pkt_err *err;
};

static int fail(struct builder *b, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct builder *b, size_t pos, const char *fmt, ...)
{
	va_list ap;

	b->err->pos = pos;
	va_start(ap, fmt);
	vsnprintf(b->err->msg, sizeof(b->err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

uint32_t pkt_csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint16_t pkt_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

int pkt_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int pkt_parse_mac(const char *s, size_t n, uint8_t mac[6])
{
	size_t i = 0;
	int k;

	for (k = 0; k < 6; k++) {
		int hi, lo;

		if (i + 2 > n)
			return -1;
		hi = pkt_hexval((unsigned char)s[i]);
		lo = pkt_hexval((unsigned char)s[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		mac[k] = (uint8_t)(hi << 4 | lo);
		i += 2;
		if (k < 5) {
			if (i >= n || (s[i] != ':' && s[i] != '-'))
				return -1;
			i++;
		}
	}
	return i == n ? 0 : -1;
}

int pkt_is_description(const char *text)
{
	while (*text && isspace((unsigned char)*text))
		text++;
	while (*text && !isspace((unsigned char)*text)) {
		if (*text == '(')
			return 1;
		text++;
	}
	return 0;
}

/* ---- argument access ------------------------------------------------ */

static struct arg *arg_find(struct layer *l, const char *key)
{
	size_t kl = strlen(key);
	int i;

	for (i = 0; i < l->nargs; i++) {
		if (l->args[i].klen == kl && !memcmp(l->args[i].key, key, kl)) {
			l->args[i].used = 1;
			return &l->args[i];
		}
	}
	return NULL;
}

/* returns 1 if given, 0 if absent, -1 on error */
static int parse_number(struct builder *b, const char *what, const char *s,
			size_t n, size_t pos, uint64_t max, uint64_t *out)
{
	char tmp[64], *end;
	unsigned long long v;

	if (n == 0 || n >= sizeof(tmp) || !isdigit((unsigned char)s[0]))
		return fail(b, pos, "%s: expected a number (decimal or 0x hex), got '%.*s'",
			    what, (int)n, s);
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	v = strtoull(tmp, &end, 0);
	if (*end)
		return fail(b, pos, "%s: expected a number (decimal or 0x hex), got '%s'",
			    what, tmp);
	if (v > max)
		return fail(b, pos, "%s: %llu is out of range (maximum %llu)", what,
			    v, (unsigned long long)max);
	*out = v;
	return 1;
}

static int arg_num(struct builder *b, struct layer *l, const char *key,
		   uint64_t max, uint64_t *out)
{
	struct arg *a = arg_find(l, key);
	char what[48];

	if (!a)
		return 0;
	snprintf(what, sizeof(what), "%s %s=", defs[l->kind].name, key);
	return parse_number(b, what, a->val, a->vlen, a->pos, max, out);
}

static int arg_mac(struct builder *b, struct layer *l, const char *key, uint8_t mac[6])
{
	struct arg *a = arg_find(l, key);

	if (!a)
		return 0;
	if (pkt_parse_mac(a->val, a->vlen, mac))
		return fail(b, a->pos, "%s %s=: expected a MAC address like 02:00:00:00:00:01, got '%.*s'",
			    defs[l->kind].name, key, (int)a->vlen, a->val);
	return 1;
}

static int arg_addr(struct builder *b, struct layer *l, const char *key,
		    int af, void *addr)
{
	struct arg *a = arg_find(l, key);
	char tmp[INET6_ADDRSTRLEN + 1];

	if (!a)
		return 0;
	if (a->vlen >= sizeof(tmp) ||
	    (memcpy(tmp, a->val, a->vlen), tmp[a->vlen] = '\0',
	     inet_pton(af, tmp, addr) != 1))
		return fail(b, a->pos, "%s %s=: expected an %s address, got '%.*s'",
			    defs[l->kind].name, key, af == AF_INET ? "IPv4" : "IPv6",
			    (int)a->vlen, a->val);
	return 1;
}

/* Parse hex bytes (whitespace-separated groups of an even digit count). */
static int parse_hex(struct builder *b, const char *s, size_t n, size_t pos,
		     uint8_t *out, size_t cap, size_t *len)
{
	size_t i = 0;

	*len = 0;
	while (i < n) {
		size_t start;

		if (isspace((unsigned char)s[i])) {
			i++;
			continue;
		}
		start = i;
		while (i < n && !isspace((unsigned char)s[i])) {
			if (pkt_hexval((unsigned char)s[i]) < 0)
				return fail(b, pos + i, "expected hex digits, got '%c'", s[i]);
			i++;
		}
		if ((i - start) & 1)
			return fail(b, pos + start, "odd number of hex digits in '%.*s'",
				    (int)(i - start), s + start);
		for (; start < i; start += 2) {
			if (*len >= cap)
				return fail(b, pos + start, "too many bytes (maximum %zu)", cap);
			out[(*len)++] = (uint8_t)(pkt_hexval((unsigned char)s[start]) << 4 |
						  pkt_hexval((unsigned char)s[start + 1]));
		}
	}
	return 0;
}

static int arg_hex(struct builder *b, struct layer *l, const char *key,
		   uint8_t *out, size_t cap, size_t *len)
{
	struct arg *a = arg_find(l, key);

	*len = 0;
	if (!a)
		return 0;
	if (parse_hex(b, a->val, a->vlen, a->pos, out, cap, len))
		return -1;
	return 1;
}

/*
 * IPv4 and TCP options: "opts=HEX", zero-padded to 32-bit words, at most 40
 * bytes. *padded gets the padded length; the header length in words is
 * then 5 + *padded / 4.
 */
static int arg_opts(struct builder *b, struct layer *l, const char *proto,
		    uint8_t opts[40], size_t *padded)
{
	size_t optlen;

	if (arg_hex(b, l, "opts", opts, 40, &optlen) < 0)
		return -1;
	*padded = (optlen + 3) & ~(size_t)3;
	if (*padded > 40)
		return fail(b, l->pos, "%s: options longer than 40 bytes", proto);
	memset(opts + optlen, 0, *padded - optlen);
	return 0;
}

/* ---- lexing --------------------------------------------------------- */

static void skip_ws(const char *d, size_t *i)
{
	while (d[*i] && isspace((unsigned char)d[*i]))
		(*i)++;
}

static int split_args(struct builder *b, struct layer *l)
{
	const char *s = l->body;
	size_t n = l->body_len, i = 0;

	while (i < n) {
		size_t ps, pe, eq;
		struct arg *a;
		int k;

		ps = i;
		while (i < n && s[i] != ',')
			i++;
		pe = i;
		if (i < n)
			i++;	/* the comma */
		while (ps < pe && isspace((unsigned char)s[ps]))
			ps++;
		while (pe > ps && isspace((unsigned char)s[pe - 1]))
			pe--;
		if (ps == pe)
			continue;
		for (eq = ps; eq < pe && s[eq] != '='; eq++)
			;
		if (eq == pe)
			return fail(b, l->body_pos + ps, "%s: expected key=value, got '%.*s'",
				    defs[l->kind].name, (int)(pe - ps), s + ps);
		if (l->nargs == MAX_ARGS)
			return fail(b, l->body_pos + ps, "%s: too many arguments",
				    defs[l->kind].name);
		a = &l->args[l->nargs];
		a->key = s + ps;
		a->klen = eq - ps;
		while (a->klen && isspace((unsigned char)a->key[a->klen - 1]))
			a->klen--;
		a->val = s + eq + 1;
		a->vlen = pe - eq - 1;
		while (a->vlen && isspace((unsigned char)a->val[0])) {
			a->val++;
			a->vlen--;
		}
		a->pos = l->body_pos + ps;
		a->used = 0;
		if (!a->klen || !a->vlen)
			return fail(b, a->pos, "%s: expected key=value, got '%.*s'",
				    defs[l->kind].name, (int)(pe - ps), s + ps);
		for (k = 0; k < l->nargs; k++)
			if (l->args[k].klen == a->klen && !memcmp(l->args[k].key, a->key, a->klen))
				return fail(b, a->pos, "%s: '%.*s' given twice",
					    defs[l->kind].name, (int)a->klen, a->key);
		l->nargs++;
	}
	return 0;
}

static int lex(struct builder *b)
{
	const char *d = b->desc;
	size_t i = 0;

	for (;;) {
		struct layer *l;
		size_t name_pos, name_len, close;
		int k;

		skip_ws(d, &i);
		if (!d[i])
			break;
		name_pos = i;
		while (isalnum((unsigned char)d[i]) || d[i] == '_')
			i++;
		name_len = i - name_pos;
		if (!name_len)
			return fail(b, name_pos, "expected a layer such as eth(...), got '%c'", d[i]);
		for (k = 0; k < K_COUNT; k++)
			if (strlen(defs[k].name) == name_len &&
			    !memcmp(defs[k].name, d + name_pos, name_len))
				break;
		if (k == K_COUNT)
			return fail(b, name_pos,
				    "unknown layer '%.*s' (expected eth, vlan, ipv4, ipv6, udp, tcp, payload, zeros, pad or truncate)",
				    (int)name_len, d + name_pos);
		if (d[i] != '(')
			return fail(b, i, "expected '(' after '%.*s'", (int)name_len, d + name_pos);
		for (close = i + 1; d[close] && d[close] != ')' && d[close] != '('; close++)
			;
		if (d[close] != ')')
			return fail(b, name_pos, "missing ')' after '%.*s('", (int)name_len,
				    d + name_pos);
		if (b->n == MAX_LAYERS)
			return fail(b, name_pos, "too many layers (maximum %d)", MAX_LAYERS);
		l = &b->l[b->n++];
		memset(l, 0, sizeof(*l));
		l->kind = (enum kind)k;
		l->pos = name_pos;
		l->body = d + i + 1;
		l->body_len = close - i - 1;
		l->body_pos = i + 1;
		if (defs[k].fields && split_args(b, l))
			return -1;
		i = close + 1;
	}
	if (!b->n)
		return fail(b, 0, "empty packet description");
	return 0;
}

/* ---- emission ------------------------------------------------------- */

static uint8_t *room(struct builder *b, struct layer *l, size_t n)
{
	uint8_t *p;

	if (b->len + n > b->cap) {
		fail(b, l->pos, "%s: packet would exceed %zu bytes", defs[l->kind].name, b->cap);
		return NULL;
	}
	p = b->buf + b->len;
	memset(p, 0, n);
	l->off = b->len;
	l->hlen = n;
	b->len += n;
	return p;
}

#define TRY(x) do { if ((x) < 0) return -1; } while (0)

static int emit_eth(struct builder *b, struct layer *l)
{
	uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	uint8_t src[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	uint64_t type = 0;
	uint8_t *p;
	int r;

	TRY(arg_mac(b, l, "dst", dst));
	TRY(arg_mac(b, l, "src", src));
	TRY(r = arg_num(b, l, "type", 0xffff, &type));
	l->auto_next = !r;
	p = room(b, l, 14);
	if (!p)
		return -1;
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	put16(p + 12, (uint16_t)type);
	return 0;
}

static int emit_vlan(struct builder *b, struct layer *l)
{
	uint64_t id = 0, pcp = 0, dei = 0, tpid = 0x8100, type = 0;
	uint8_t *p;
	int r;

	TRY(arg_num(b, l, "id", 4095, &id));
	TRY(arg_num(b, l, "pcp", 7, &pcp));
	TRY(arg_num(b, l, "dei", 1, &dei));
	TRY(arg_num(b, l, "tpid", 0xffff, &tpid));
	TRY(r = arg_num(b, l, "type", 0xffff, &type));
	l->auto_next = !r;
	l->tpid = (uint16_t)tpid;
	p = room(b, l, 4);
	if (!p)
		return -1;
	put16(p, (uint16_t)(pcp << 13 | dei << 12 | id));
	put16(p + 2, (uint16_t)type);
	return 0;
}

static int emit_ipv4(struct builder *b, struct layer *l)
{
	uint8_t src[4] = { 10, 0, 0, 1 }, dst[4] = { 10, 0, 0, 2 };
	uint64_t ttl = 64, tos = 0, id = 0, df = 0, mf = 0, frag = 0, proto = 0;
	uint64_t ihl, len = 0, csum = 0, version = 4;
	uint8_t opts[40];
	size_t padded;
	uint8_t *p;
	int r;

	TRY(arg_addr(b, l, "src", AF_INET, src));
	TRY(arg_addr(b, l, "dst", AF_INET, dst));
	TRY(arg_num(b, l, "ttl", 255, &ttl));
	TRY(arg_num(b, l, "tos", 255, &tos));
	TRY(arg_num(b, l, "id", 0xffff, &id));
	TRY(arg_num(b, l, "df", 1, &df));
	TRY(arg_num(b, l, "mf", 1, &mf));
	TRY(arg_num(b, l, "frag", 0x1fff, &frag));
	TRY(r = arg_num(b, l, "proto", 255, &proto));
	l->auto_next = !r;
	TRY(arg_opts(b, l, "ipv4", opts, &padded));
	ihl = 5 + padded / 4;
	TRY(arg_num(b, l, "ihl", 15, &ihl));
	TRY(r = arg_num(b, l, "len", 0xffff, &len));
	l->auto_len = !r;
	TRY(r = arg_num(b, l, "csum", 0xffff, &csum));
	l->auto_csum = !r;
	TRY(arg_num(b, l, "version", 15, &version));

	p = room(b, l, 20 + padded);
	if (!p)
		return -1;
	p[0] = (uint8_t)(version << 4 | ihl);
	p[1] = (uint8_t)tos;
	put16(p + 2, (uint16_t)len);
	put16(p + 4, (uint16_t)id);
	put16(p + 6, (uint16_t)(df << 14 | mf << 13 | frag));
	p[8] = (uint8_t)ttl;
	p[9] = (uint8_t)proto;
	put16(p + 10, (uint16_t)csum);
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	memcpy(p + 20, opts, padded);
	return 0;
}

static int emit_ipv6(struct builder *b, struct layer *l)
{
	uint8_t src[16] = { 0xfd, [15] = 1 }, dst[16] = { 0xfd, [15] = 2 };
	uint64_t version = 6, tc = 0, flow = 0, plen = 0, nh = 0, hlim = 64;
	uint8_t *p;
	int r;

	TRY(arg_addr(b, l, "src", AF_INET6, src));
	TRY(arg_addr(b, l, "dst", AF_INET6, dst));
	TRY(arg_num(b, l, "version", 15, &version));
	TRY(arg_num(b, l, "tc", 255, &tc));
	TRY(arg_num(b, l, "flow", 0xfffff, &flow));
	TRY(r = arg_num(b, l, "plen", 0xffff, &plen));
	l->auto_len = !r;
	TRY(r = arg_num(b, l, "nh", 255, &nh));
	l->auto_next = !r;
	TRY(arg_num(b, l, "hlim", 255, &hlim));

	p = room(b, l, 40);
	if (!p)
		return -1;
	put32(p, (uint32_t)(version << 28 | tc << 20 | flow));
	put16(p + 4, (uint16_t)plen);
	p[6] = (uint8_t)nh;
	p[7] = (uint8_t)hlim;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
	return 0;
}

static int emit_udp(struct builder *b, struct layer *l)
{
	uint64_t sport = 1234, dport = 80, len = 0, csum = 0;
	uint8_t *p;
	int r;

	TRY(arg_num(b, l, "sport", 0xffff, &sport));
	TRY(arg_num(b, l, "dport", 0xffff, &dport));
	TRY(r = arg_num(b, l, "len", 0xffff, &len));
	l->auto_len = !r;
	TRY(r = arg_num(b, l, "csum", 0xffff, &csum));
	l->auto_csum = !r;

	p = room(b, l, 8);
	if (!p)
		return -1;
	put16(p, (uint16_t)sport);
	put16(p + 2, (uint16_t)dport);
	put16(p + 4, (uint16_t)len);
	put16(p + 6, (uint16_t)csum);
	return 0;
}

static int tcp_flags(struct builder *b, struct layer *l, uint64_t *flags)
{
	static const char letters[] = "FSRPAUEC";	/* bit 0 .. bit 7 */
	struct arg *a = arg_find(l, "flags");
	size_t i;

	if (!a)
		return 0;
	if (isdigit((unsigned char)a->val[0]))
		return parse_number(b, "tcp flags=", a->val, a->vlen, a->pos, 255, flags);
	*flags = 0;
	for (i = 0; i < a->vlen; i++) {
		const char *c = strchr(letters, toupper((unsigned char)a->val[i]));

		if (!c || !a->val[i])
			return fail(b, a->pos, "tcp flags=: unknown flag '%c' (expected letters of FSRPAUEC or a number)",
				    a->val[i]);
		*flags |= 1u << (c - letters);
	}
	return 1;
}

static int emit_tcp(struct builder *b, struct layer *l)
{
	uint64_t sport = 1234, dport = 80, seq = 0, ack = 0, flags = 0x02;
	uint64_t win = 65535, doff, csum = 0, urg = 0;
	uint8_t opts[40];
	size_t padded;
	uint8_t *p;
	int r;

	TRY(arg_num(b, l, "sport", 0xffff, &sport));
	TRY(arg_num(b, l, "dport", 0xffff, &dport));
	TRY(arg_num(b, l, "seq", 0xffffffffu, &seq));
	TRY(arg_num(b, l, "ack", 0xffffffffu, &ack));
	TRY(tcp_flags(b, l, &flags));
	TRY(arg_num(b, l, "win", 0xffff, &win));
	TRY(arg_num(b, l, "urg", 0xffff, &urg));
	TRY(arg_opts(b, l, "tcp", opts, &padded));
	doff = 5 + padded / 4;
	TRY(arg_num(b, l, "doff", 15, &doff));
	TRY(r = arg_num(b, l, "csum", 0xffff, &csum));
	l->auto_csum = !r;

	p = room(b, l, 20 + padded);
	if (!p)
		return -1;
	put16(p, (uint16_t)sport);
	put16(p + 2, (uint16_t)dport);
	put32(p + 4, (uint32_t)seq);
	put32(p + 8, (uint32_t)ack);
	p[12] = (uint8_t)(doff << 4);
	p[13] = (uint8_t)flags;
	put16(p + 14, (uint16_t)win);
	put16(p + 16, (uint16_t)csum);
	put16(p + 18, (uint16_t)urg);
	memcpy(p + 20, opts, padded);
	return 0;
}

static int emit_payload(struct builder *b, struct layer *l)
{
	size_t n;

	l->off = b->len;
	if (parse_hex(b, l->body, l->body_len, l->body_pos, b->buf + b->len,
		      b->cap - b->len, &n))
		return -1;
	l->hlen = n;
	b->len += n;
	return 0;
}

static int emit_zeros(struct builder *b, struct layer *l)
{
	uint64_t n;

	TRY(parse_number(b, l->kind == K_PAD ? "pad()" : "zeros()", l->body,
			 l->body_len, l->body_pos, b->cap, &n));
	return room(b, l, (size_t)n) ? 0 : -1;
}

static int check_unused(struct builder *b, struct layer *l)
{
	int i;

	for (i = 0; i < l->nargs; i++)
		if (!l->args[i].used)
			return fail(b, l->args[i].pos, "%s: unknown field '%.*s' (expected %s)",
				    defs[l->kind].name, (int)l->args[i].klen, l->args[i].key,
				    defs[l->kind].fields);
	return 0;
}

/* ---- fix-ups -------------------------------------------------------- */

static int fill_next(struct builder *b, struct layer *l, struct layer *next)
{
	uint8_t *p = b->buf + l->off;
	enum kind nk = next ? next->kind : K_COUNT;

	switch (l->kind) {
	case K_ETH:
	case K_VLAN: {
		uint16_t type;

		if (nk == K_VLAN)
			type = next->tpid;
		else if (nk == K_IPV4)
			type = 0x0800;
		else if (nk == K_IPV6)
			type = 0x86dd;
		else
			return fail(b, l->pos, "%s: cannot infer type= from %s; give it explicitly",
				    defs[l->kind].name,
				    next ? defs[nk].name : "the end of the packet");
		put16(p + (l->kind == K_ETH ? 12 : 2), type);
		return 0;
	}
	case K_IPV4:
	case K_IPV6: {
		uint8_t proto;

		if (nk == K_UDP)
			proto = 17;
		else if (nk == K_TCP)
			proto = 6;
		else if (nk == K_IPV4)
			proto = 4;
		else if (nk == K_IPV6)
			proto = 41;
		else
			return fail(b, l->pos, "%s: cannot infer %s= from %s; give it explicitly",
				    defs[l->kind].name, l->kind == K_IPV4 ? "proto" : "nh",
				    next ? defs[nk].name : "the end of the packet");
		p[l->kind == K_IPV4 ? 9 : 6] = proto;
		return 0;
	}
	default:
		return 0;
	}
}

static int fill_len(struct builder *b, struct layer *l)
{
	size_t total = b->end - l->off;
	uint8_t *p = b->buf + l->off;

	switch (l->kind) {
	case K_IPV4:
		if (total > 0xffff)
			return fail(b, l->pos, "ipv4: packet too long for tot_len");
		put16(p + 2, (uint16_t)total);
		break;
	case K_IPV6:
		put16(p + 4, (uint16_t)(total - 40));
		break;
	case K_UDP:
		put16(p + 4, (uint16_t)total);
		break;
	default:
		break;
	}
	return 0;
}

static int fill_l4_csum(struct builder *b, int i)
{
	struct layer *l = &b->l[i];
	size_t seglen = b->end - l->off;
	uint8_t proto = l->kind == K_UDP ? 17 : 6;
	uint8_t *p = b->buf + l->off;
	size_t coff = l->kind == K_UDP ? 6 : 16;
	uint8_t pseudo[40];
	uint32_t sum;
	uint16_t c;
	int j;

	for (j = i - 1; j >= 0; j--)
		if (b->l[j].kind == K_IPV4 || b->l[j].kind == K_IPV6)
			break;
	if (j < 0)
		return fail(b, l->pos, "%s: no ipv4/ipv6 layer before it to compute the checksum; give csum=",
			    defs[l->kind].name);
	memset(pseudo, 0, sizeof(pseudo));
	if (b->l[j].kind == K_IPV4) {
		memcpy(pseudo, b->buf + b->l[j].off + 12, 8);
		pseudo[9] = proto;
		put16(pseudo + 10, (uint16_t)seglen);
		sum = pkt_csum_add(0, pseudo, 12);
	} else {
		memcpy(pseudo, b->buf + b->l[j].off + 8, 32);
		put32(pseudo + 32, (uint32_t)seglen);
		pseudo[39] = proto;
		sum = pkt_csum_add(0, pseudo, 40);
	}
	put16(p + coff, 0);
	sum = pkt_csum_add(sum, p, seglen);
	c = pkt_csum_fold(sum);
	if (l->kind == K_UDP && c == 0)
		c = 0xffff;	/* 0 means "no checksum" for UDP */
	put16(p + coff, c);
	return 0;
}

int pkt_build(const char *desc, uint8_t *buf, size_t cap, size_t *len,
	      struct pkt_err *err)
{
	struct builder *b;
	uint64_t trunc = 0;
	int have_trunc = 0, have_pad = 0, i, rc = -1;

	b = calloc(1, sizeof(*b));
	if (!b) {
		err->pos = 0;
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	b->desc = desc;
	b->buf = buf;
	b->cap = cap;
	b->err = err;

	if (lex(b))
		goto out;

	for (i = 0; i < b->n; i++) {
		struct layer *l = &b->l[i];
		int r = 0;

		if (have_pad && l->kind != K_PAD && l->kind != K_TRUNCATE) {
			fail(b, l->pos, "%s after pad(): only pad() and truncate() may follow pad()",
			     defs[l->kind].name);
			goto out;
		}
		switch (l->kind) {
		case K_ETH: r = emit_eth(b, l); break;
		case K_VLAN: r = emit_vlan(b, l); break;
		case K_IPV4: r = emit_ipv4(b, l); break;
		case K_IPV6: r = emit_ipv6(b, l); break;
		case K_UDP: r = emit_udp(b, l); break;
		case K_TCP: r = emit_tcp(b, l); break;
		case K_PAYLOAD: r = emit_payload(b, l); break;
		case K_ZEROS: r = emit_zeros(b, l); break;
		case K_PAD:
			if (!have_pad)
				b->end = b->len;
			have_pad = 1;
			r = emit_zeros(b, l);
			break;
		case K_TRUNCATE:
			if (i != b->n - 1) {
				fail(b, l->pos, "truncate() must be the last layer");
				goto out;
			}
			if (parse_number(b, "truncate()", l->body, l->body_len,
					 l->body_pos, cap, &trunc) < 0)
				goto out;
			have_trunc = 1;
			b->n--;		/* not a layer of the packet */
			break;
		default:
			break;
		}
		if (r || check_unused(b, l))
			goto out;
	}

	if (!have_pad)
		b->end = b->len;
	for (i = 0; i < b->n; i++)
		if (b->l[i].auto_next &&
		    fill_next(b, &b->l[i], i + 1 < b->n ? &b->l[i + 1] : NULL))
			goto out;
	for (i = 0; i < b->n; i++)
		if (b->l[i].auto_len && fill_len(b, &b->l[i]))
			goto out;
	/* innermost first: outer L4 checksums cover inner headers */
	for (i = b->n - 1; i >= 0; i--) {
		struct layer *l = &b->l[i];

		if (!l->auto_csum)
			continue;
		if (l->kind == K_IPV4) {
			uint8_t *p = b->buf + l->off;

			put16(p + 10, 0);
			put16(p + 10, pkt_csum_fold(pkt_csum_add(0, p, l->hlen)));
		} else if (fill_l4_csum(b, i)) {
			goto out;
		}
	}
	if (have_trunc) {
		if (trunc > b->len) {
			fail(b, b->l[b->n].pos, "truncate(%llu): the packet is only %zu bytes",
			     (unsigned long long)trunc, b->len);
			goto out;
		}
		b->len = (size_t)trunc;
	}
	*len = b->len;
	rc = 0;
out:
	free(b);
	return rc;
}
