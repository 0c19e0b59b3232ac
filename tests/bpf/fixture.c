// SPDX-License-Identifier: GPL-2.0
/*
 * fixture.c - BPF fixture file parser.
 *
 * A file is a sequence of statements.  A statement starts with a keyword
 * as the first word of a line and runs until the next line that starts
 * with a keyword, so long hex dumps and packet descriptions may span
 * lines.  '#' starts a comment anywhere.  See tests/bpf/README.md.
 */
#define _POSIX_C_SOURCE 200809L

#include "fixture.h"
#include "packet.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ERRORS 20

static const char *const keywords[] = {
	"object", "program", "case", "in", "out", "verdict", "map", "set", "skip",
};
#define N_KEYWORDS (sizeof(keywords) / sizeof(keywords[0]))
#define KEYWORD_LIST "object, program, case, in, out, verdict, map, set, skip"

static const char *const verdict_names[] = {
	"XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT",
};

struct stmt {
	const char *kw;
	int line;
	char *text;		/* rest of the line, then "\n" + each continuation line */
};

struct pstate {
	const char *path;
	FILE *errf;
	struct fixture *fx;
	struct fx_case *cur;
	int errors;
};

struct tok {
	const char *s;
	size_t len;
	int line;
};

struct tokz {
	const char *p;
	int line;
};

static int perr(struct pstate *ps, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(struct pstate *ps, int line, const char *fmt, ...)
{
	va_list ap;

	if (ps->errors++ < MAX_ERRORS) {
		fprintf(ps->errf, "%s:%d: error: ", ps->path, line);
		va_start(ap, fmt);
		vfprintf(ps->errf, fmt, ap);
		va_end(ap);
		fputc('\n', ps->errf);
	}
	return -1;
}

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q) {
		perror("realloc");
		exit(2);
	}
	return q;
}

static char *xstrndup(const char *s, size_t n)
{
	char *d = xrealloc(NULL, n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

const char *fx_verdict_name(uint32_t verdict)
{
	if (verdict < sizeof(verdict_names) / sizeof(verdict_names[0]))
		return verdict_names[verdict];
	return NULL;
}

const char *fx_op_name(enum fx_op op)
{
	static const char *const names[] = { "==", "!=", "<", "<=", ">", ">=" };

	return names[op];
}

/* ---- tokens --------------------------------------------------------- */

static int next_tok(struct tokz *z, struct tok *t)
{
	while (*z->p && isspace((unsigned char)*z->p)) {
		if (*z->p == '\n')
			z->line++;
		z->p++;
	}
	if (!*z->p)
		return 0;
	t->s = z->p;
	t->line = z->line;
	while (*z->p && !isspace((unsigned char)*z->p))
		z->p++;
	t->len = (size_t)(z->p - t->s);
	return 1;
}

static int tok_is(const struct tok *t, const char *word)
{
	return t->len == strlen(word) && !memcmp(t->s, word, t->len);
}

static int is_keyword(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < N_KEYWORDS; i++)
		if (strlen(keywords[i]) == n && !memcmp(keywords[i], s, n))
			return 1;
	return 0;
}

/* Exactly one word after the keyword, returned as a new string. */
static char *one_word(struct pstate *ps, struct stmt *st, const char *what)
{
	struct tokz z = { st->text, st->line };
	struct tok t, extra;

	if (!next_tok(&z, &t)) {
		perr(ps, st->line, "expected %s after '%s'", what, st->kw);
		return NULL;
	}
	if (next_tok(&z, &extra)) {
		perr(ps, extra.line, "unexpected '%.*s' after '%s %.*s'%s", (int)extra.len,
		     extra.s, st->kw, (int)t.len, t.s,
		     is_keyword(extra.s, extra.len) ? "" : " (keywords must start a line)");
		return NULL;
	}
	return xstrndup(t.s, t.len);
}

static int parse_u64(const char *s, size_t n, uint64_t *out)
{
	char tmp[64], *end;

	if (!n || n >= sizeof(tmp) || !isdigit((unsigned char)s[0]))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	*out = strtoull(tmp, &end, 0);
	return (*end || errno) ? -1 : 0;
}

static void bytes_append(struct fx_bytes *b, const void *p, size_t n)
{
	b->data = xrealloc(b->data, b->len + n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

/* all letters: probably meant as a keyword, not as data */
static int is_word(const struct tok *t)
{
	size_t i;

	for (i = 0; i < t->len; i++)
		if (!isalpha((unsigned char)t->s[i]) && t->s[i] != '_')
			return 0;
	return t->len > 1;
}

static int hex_token(struct pstate *ps, const struct tok *t, struct fx_bytes *out,
		     const char *what)
{
	size_t i;

	for (i = 0; i < t->len; i++)
		if (pkt_hexval((unsigned char)t->s[i]) < 0)
			return perr(ps, t->line, "%s: expected hex bytes, got '%.*s'%s", what,
				    (int)t->len, t->s,
				    is_keyword(t->s, t->len) ? " (keywords must start a line)" :
				    is_word(t) ? " (a misspelt keyword? expected one of " KEYWORD_LIST ")" : "");
	if (t->len & 1)
		return perr(ps, t->line, "%s: odd number of hex digits in '%.*s'", what,
			    (int)t->len, t->s);
	for (i = 0; i < t->len; i += 2) {
		uint8_t v = (uint8_t)(pkt_hexval((unsigned char)t->s[i]) << 4 |
				      pkt_hexval((unsigned char)t->s[i + 1]));

		bytes_append(out, &v, 1);
	}
	return 0;
}

/*
 * One token of a byte expression: hex digits, or TYPE:VALUE with TYPE one
 * of u8 u16 u32 u64 (host byte order), be16 be32 be64, ip4, ip6, mac.
 */
static int bytes_token(struct pstate *ps, const struct tok *t, struct fx_bytes *out,
		       const char *what)
{
	static const struct {
		const char *name;
		unsigned int width;
		int be;
	} ints[] = {
		{ "u8", 1, 0 }, { "u16", 2, 0 }, { "u32", 4, 0 }, { "u64", 8, 0 },
		{ "be16", 2, 1 }, { "be32", 4, 1 }, { "be64", 8, 1 },
	};
	const char *colon = memchr(t->s, ':', t->len);
	size_t plen, vlen, i;
	const char *v;
	char tmp[64];

	if (!colon)
		return hex_token(ps, t, out, what);
	plen = (size_t)(colon - t->s);
	v = colon + 1;
	vlen = t->len - plen - 1;

	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		uint64_t n, max;
		uint8_t buf[8];
		unsigned int k;

		if (strlen(ints[i].name) != plen || memcmp(ints[i].name, t->s, plen))
			continue;
		max = ints[i].width == 8 ? UINT64_MAX : (1ULL << (8 * ints[i].width)) - 1;
		if (parse_u64(v, vlen, &n) || n > max)
			return perr(ps, t->line, "%s: '%.*s': expected a number that fits in %u bytes",
				    what, (int)t->len, t->s, ints[i].width);
		for (k = 0; k < ints[i].width; k++) {
			unsigned int shift = ints[i].be ? 8 * (ints[i].width - 1 - k) : 8 * k;

			buf[k] = (uint8_t)(n >> shift);
		}
		if (!ints[i].be) {
			/* host order: build little endian above, then fix up on BE hosts */
			union { uint16_t u; uint8_t b[2]; } probe = { .u = 1 };

			if (!probe.b[0])
				for (k = 0; k < ints[i].width / 2; k++) {
					uint8_t x = buf[k];

					buf[k] = buf[ints[i].width - 1 - k];
					buf[ints[i].width - 1 - k] = x;
				}
		}
		bytes_append(out, buf, ints[i].width);
		return 0;
	}
	if ((plen == 3 && !memcmp(t->s, "ip4", 3)) || (plen == 3 && !memcmp(t->s, "ip6", 3))) {
		int af = t->s[2] == '4' ? AF_INET : AF_INET6;
		uint8_t addr[16];

		if (vlen >= sizeof(tmp))
			vlen = sizeof(tmp) - 1;
		memcpy(tmp, v, vlen);
		tmp[vlen] = '\0';
		if (inet_pton(af, tmp, addr) != 1)
			return perr(ps, t->line, "%s: '%.*s': not an %s address", what,
				    (int)t->len, t->s, af == AF_INET ? "IPv4" : "IPv6");
		bytes_append(out, addr, af == AF_INET ? 4 : 16);
		return 0;
	}
	if (plen == 5 && !memcmp(t->s, "zeros", 5)) {
		static const uint8_t zero[256];
		uint64_t n;

		if (parse_u64(v, vlen, &n) || n > sizeof(zero))
			return perr(ps, t->line, "%s: '%.*s': expected zeros:N with N <= %zu",
				    what, (int)t->len, t->s, sizeof(zero));
		bytes_append(out, zero, (size_t)n);
		return 0;
	}
	if (plen == 3 && !memcmp(t->s, "mac", 3)) {
		uint8_t mac[6];

		if (pkt_parse_mac(v, vlen, mac))
			return perr(ps, t->line, "%s: '%.*s': not a MAC address", what,
				    (int)t->len, t->s);
		bytes_append(out, mac, 6);
		return 0;
	}
	return perr(ps, t->line,
		    "%s: expected hex bytes or TYPE:VALUE (u8, u16, u32, u64, be16, be32, be64, ip4, ip6, mac, zeros), got '%.*s'",
		    what, (int)t->len, t->s);
}

/* ---- packets -------------------------------------------------------- */

static int parse_packet(struct pstate *ps, struct stmt *st, struct fx_bytes *out)
{
	memset(out, 0, sizeof(*out));

	if (pkt_is_description(st->text)) {
		uint8_t *buf = xrealloc(NULL, PKT_MAX_LEN);
		struct pkt_err err;
		size_t len, i, n;
		int line = st->line;

		if (pkt_build(st->text, buf, PKT_MAX_LEN, &len, &err)) {
			for (i = 0; i < err.pos && st->text[i]; i++)
				if (st->text[i] == '\n')
					line++;
			for (n = 0; n < 24 && st->text[err.pos + n] &&
				    st->text[err.pos + n] != '\n'; n++)
				;
			while (n && isspace((unsigned char)st->text[err.pos + n - 1]))
				n--;
			free(buf);
			return perr(ps, line, "%s: %s (at '%.*s')", st->kw, err.msg, (int)n,
				    st->text + err.pos);
		}
		out->data = buf;
		out->len = len;
	} else {
		struct tokz z = { st->text, st->line };
		struct tok t;

		while (next_tok(&z, &t))
			if (hex_token(ps, &t, out, st->kw))
				return -1;
	}
	if (!out->len)
		return perr(ps, st->line, "%s: expected hex bytes or a packet description such as eth() ipv4() udp()",
			    st->kw);
	return 0;
}

/* ---- map statements ------------------------------------------------- */

static int is_field_spec(const struct tok *t, unsigned int *width, size_t *offset)
{
	static const char *const w[] = { "u8@", "u16@", "u32@", "u64@" };
	static const unsigned int wb[] = { 1, 2, 4, 8 };
	uint64_t off;
	size_t i;

	for (i = 0; i < 4; i++) {
		size_t n = strlen(w[i]);

		if (t->len > n && !memcmp(t->s, w[i], n)) {
			if (parse_u64(t->s + n, t->len - n, &off) || off > 65536)
				return -1;
			*width = wb[i];
			*offset = (size_t)off;
			return 1;
		}
	}
	return 0;
}

static int is_check_word(const struct tok *t)
{
	unsigned int w;
	size_t o;

	return tok_is(t, "absent") || tok_is(t, "present") || tok_is(t, "value") ||
	       is_field_spec(t, &w, &o) != 0;
}

/* "NAME key BYTES..." up to a token accepted by stop(); returns the stop token */
static int parse_map_head(struct pstate *ps, struct stmt *st, struct tokz *z,
			  char **map, struct fx_bytes *key, struct tok *stop,
			  int (*is_stop)(const struct tok *), const char *expect)
{
	struct tok t;

	if (!next_tok(z, &t))
		return perr(ps, st->line, "%s: expected a map name", st->kw);
	*map = xstrndup(t.s, t.len);
	if (!next_tok(z, &t) || !tok_is(&t, "key"))
		return perr(ps, st->line, "%s %s: expected 'key' after the map name", st->kw, *map);
	for (;;) {
		if (!next_tok(z, &t))
			return perr(ps, st->line, "%s %s: expected %s after the key", st->kw,
				    *map, expect);
		if (is_stop(&t))
			break;
		if (bytes_token(ps, &t, key, "key"))
			return -1;
	}
	if (!key->len)
		return perr(ps, t.line, "%s %s: empty key", st->kw, *map);
	*stop = t;
	return 0;
}

static int is_value_word(const struct tok *t)
{
	return tok_is(t, "value");
}

static int parse_set(struct pstate *ps, struct stmt *st, struct fx_map_set **sets,
		     size_t *n_sets)
{
	struct tokz z = { st->text, st->line };
	struct fx_map_set s;
	struct tok t;

	memset(&s, 0, sizeof(s));
	s.line = st->line;
	if (parse_map_head(ps, st, &z, &s.map, &s.key, &t, is_value_word, "'value BYTES'"))
		goto bad;
	while (next_tok(&z, &t)) {
		/* prog:NAME, a program's fd, is a value of its own */
		if (s.value_prog || (t.len >= 5 && !memcmp(t.s, "prog:", 5))) {
			if (s.value_prog || s.value.len || t.len == 5) {
				perr(ps, t.line, "set %s: 'prog:NAME' must be the whole value", s.map);
				goto bad;
			}
			s.value_prog = xstrndup(t.s + 5, t.len - 5);
			continue;
		}
		if (bytes_token(ps, &t, &s.value, "value"))
			goto bad;
	}
	if (!s.value.len && !s.value_prog) {
		perr(ps, st->line, "set %s: expected bytes after 'value'", s.map);
		goto bad;
	}
	*sets = xrealloc(*sets, (*n_sets + 1) * sizeof(**sets));
	(*sets)[(*n_sets)++] = s;
	return 0;
bad:
	free(s.map);
	free(s.key.data);
	free(s.value.data);
	free(s.value_prog);
	return -1;
}

static int parse_map_check(struct pstate *ps, struct stmt *st, struct fx_case *c)
{
	static const char *const ops[] = { "==", "!=", "<", "<=", ">", ">=" };
	struct tokz z = { st->text, st->line };
	struct fx_map_check m;
	struct tok t, extra;
	size_t i;

	memset(&m, 0, sizeof(m));
	m.line = st->line;
	if (parse_map_head(ps, st, &z, &m.map, &m.key, &t, is_check_word,
			   "a check (uN@OFFSET OP NUMBER, value BYTES, absent or present)"))
		goto bad;
	if (tok_is(&t, "absent") || tok_is(&t, "present")) {
		m.kind = tok_is(&t, "absent") ? FX_CHECK_ABSENT : FX_CHECK_PRESENT;
		if (next_tok(&z, &extra)) {
			perr(ps, extra.line, "map %s: unexpected '%.*s' after '%.*s'", m.map,
			     (int)extra.len, extra.s, (int)t.len, t.s);
			goto bad;
		}
	} else if (tok_is(&t, "value")) {
		m.kind = FX_CHECK_VALUE;
		while (next_tok(&z, &extra))
			if (bytes_token(ps, &extra, &m.value, "value"))
				goto bad;
		if (!m.value.len) {
			perr(ps, st->line, "map %s: expected bytes after 'value'", m.map);
			goto bad;
		}
	} else {
		m.kind = FX_CHECK_FIELD;
		if (is_field_spec(&t, &m.width, &m.offset) != 1) {
			perr(ps, t.line, "map %s: bad field '%.*s' (expected u8@N, u16@N, u32@N or u64@N)",
			     m.map, (int)t.len, t.s);
			goto bad;
		}
		if (!next_tok(&z, &t)) {
			perr(ps, st->line, "map %s: expected an operator (==, !=, <, <=, >, >=) after the field",
			     m.map);
			goto bad;
		}
		for (i = 0; i < 6; i++)
			if (tok_is(&t, ops[i]))
				break;
		if (i == 6) {
			perr(ps, t.line, "map %s: expected an operator (==, !=, <, <=, >, >=), got '%.*s'",
			     m.map, (int)t.len, t.s);
			goto bad;
		}
		m.op = (enum fx_op)i;
		if (!next_tok(&z, &t) || parse_u64(t.s, t.len, &m.number)) {
			perr(ps, st->line, "map %s: expected a number after '%s'", m.map, ops[i]);
			goto bad;
		}
		if (m.width < 8 && m.number >> (8 * m.width)) {
			perr(ps, t.line, "map %s: %llu does not fit in %u bytes", m.map,
			     (unsigned long long)m.number, m.width);
			goto bad;
		}
		if (next_tok(&z, &extra)) {
			perr(ps, extra.line, "map %s: unexpected '%.*s' after the number%s", m.map,
			     (int)extra.len, extra.s,
			     is_keyword(extra.s, extra.len) ? " (keywords must start a line)" : "");
			goto bad;
		}
	}
	c->checks = xrealloc(c->checks, (c->n_checks + 1) * sizeof(*c->checks));
	c->checks[c->n_checks++] = m;
	return 0;
bad:
	free(m.map);
	free(m.key.data);
	free(m.value.data);
	return -1;
}

/* ---- statements ----------------------------------------------------- */

static char *expand_vars(struct pstate *ps, int line, const char *s)
{
	size_t cap = strlen(s) + 1, len = 0;
	char *out = xrealloc(NULL, cap);

	while (*s) {
		const char *val, *end;
		char name[64];
		size_t n;

		if (s[0] != '$' || s[1] != '{') {
			if (len + 1 >= cap)
				out = xrealloc(out, cap *= 2);
			out[len++] = *s++;
			continue;
		}
		end = strchr(s + 2, '}');
		n = end ? (size_t)(end - s - 2) : 0;
		if (!end || !n || n >= sizeof(name)) {
			perr(ps, line, "object: bad variable reference in '%s' (expected ${NAME})", s);
			free(out);
			return NULL;
		}
		memcpy(name, s + 2, n);
		name[n] = '\0';
		val = getenv(name);
		if ((!val || !*val) && !strcmp(name, "BUILD"))
			val = "build";
		if (!val) {
			perr(ps, line, "object: environment variable %s is not set", name);
			free(out);
			return NULL;
		}
		n = strlen(val);
		while (len + n + 1 >= cap)
			out = xrealloc(out, cap *= 2);
		memcpy(out + len, val, n);
		len += n;
		s = end + 1;
	}
	out[len] = '\0';
	return out;
}

static int check_case_complete(struct pstate *ps, struct fx_case *c)
{
	int rc = 0;

	if (!c)
		return 0;
	/* a line number is recorded even when the statement itself was bad */
	if (!c->in_line)
		rc = perr(ps, c->line, "case %s: missing 'in'", c->name);
	if (!c->verdict_line)
		rc = perr(ps, c->line, "case %s: missing 'verdict'", c->name);
	if (!c->program && !ps->fx->program)
		rc = perr(ps, c->line, "case %s: no 'program' (give one in the case or before the first case)",
			  c->name);
	return rc;
}

static int need_case(struct pstate *ps, struct stmt *st)
{
	if (!ps->cur)
		return perr(ps, st->line, "'%s' outside a case (expected 'case NAME' first)", st->kw);
	return 0;
}

static int do_stmt(struct pstate *ps, struct stmt *st)
{
	struct fixture *fx = ps->fx;
	struct fx_case *c = ps->cur;
	const char *kw = st->kw;

	if (!strcmp(kw, "object")) {
		char *w, *path;

		if (c)
			return perr(ps, st->line, "'object' must come before the first case");
		w = one_word(ps, st, "an object file path");
		if (!w)
			return -1;
		path = expand_vars(ps, st->line, w);
		free(w);
		if (!path)
			return -1;
		if (!fx->object) {
			fx->object = path;
			fx->object_line = st->line;
			return 0;
		}
		/* a further object, sharing the first one's maps (runner.c) */
		fx->more = xrealloc(fx->more, (fx->n_more + 1) * sizeof(*fx->more));
		fx->more[fx->n_more].path = path;
		fx->more[fx->n_more++].line = st->line;
		return 0;
	}
	if (!strcmp(kw, "program")) {
		char *w = one_word(ps, st, "a program name");

		if (!w)
			return -1;
		if (c) {
			if (c->program) {
				free(w);
				return perr(ps, st->line, "case %s: 'program' given twice", c->name);
			}
			c->program = w;
			c->program_line = st->line;
		} else {
			if (fx->program) {
				free(w);
				return perr(ps, st->line, "'program' given twice before the first case (first at line %d)",
					    fx->program_line);
			}
			fx->program = w;
			fx->program_line = st->line;
		}
		return 0;
	}
	if (!strcmp(kw, "case")) {
		char *w = one_word(ps, st, "a case name");
		size_t i;

		if (!w)
			return -1;
		for (i = 0; w[i]; i++)
			if (!isalnum((unsigned char)w[i]) && !strchr("._-+", w[i])) {
				perr(ps, st->line, "case name '%s': use letters, digits and . _ - + only", w);
				free(w);
				return -1;
			}
		for (i = 0; i < fx->n_cases; i++)
			if (!strcmp(fx->cases[i].name, w)) {
				perr(ps, st->line, "case '%s' already defined at line %d", w,
				     fx->cases[i].line);
				free(w);
				return -1;
			}
		check_case_complete(ps, c);
		fx->cases = xrealloc(fx->cases, (fx->n_cases + 1) * sizeof(*fx->cases));
		c = &fx->cases[fx->n_cases++];
		memset(c, 0, sizeof(*c));
		c->name = w;
		c->line = st->line;
		ps->cur = c;
		return 0;
	}
	if (!strcmp(kw, "in") || !strcmp(kw, "out")) {
		int is_in = kw[0] == 'i';

		if (need_case(ps, st))
			return -1;
		if (is_in ? c->in_line != 0 : c->has_out)
			return perr(ps, st->line, "case %s: '%s' given twice", c->name, kw);
		if (is_in) {
			c->in_line = st->line;
			return parse_packet(ps, st, &c->in);
		}
		c->has_out = 1;
		c->out_line = st->line;
		return parse_packet(ps, st, &c->out);
	}
	if (!strcmp(kw, "verdict")) {
		char *w;
		uint64_t v;
		size_t i;

		if (need_case(ps, st))
			return -1;
		if (c->verdict_line)
			return perr(ps, st->line, "case %s: 'verdict' given twice", c->name);
		c->verdict_line = st->line;
		w = one_word(ps, st, "a verdict (XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT or a number)");
		if (!w)
			return -1;
		for (i = 0; i < sizeof(verdict_names) / sizeof(verdict_names[0]); i++)
			if (!strcmp(w, verdict_names[i]))
				break;
		if (i < sizeof(verdict_names) / sizeof(verdict_names[0])) {
			v = i;
		} else if (parse_u64(w, strlen(w), &v) || v > UINT32_MAX) {
			perr(ps, st->line, "unknown verdict '%s' (expected XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT or a number)",
			     w);
			free(w);
			return -1;
		}
		free(w);
		c->has_verdict = 1;
		c->verdict = (uint32_t)v;
		c->verdict_line = st->line;
		return 0;
	}
	if (!strcmp(kw, "map")) {
		if (need_case(ps, st))
			return -1;
		return parse_map_check(ps, st, c);
	}
	if (!strcmp(kw, "set")) {
		if (c)
			return parse_set(ps, st, &c->sets, &c->n_sets);
		return parse_set(ps, st, &fx->sets, &fx->n_sets);
	}
	if (!strcmp(kw, "skip")) {
		char *p = st->text, *e;

		if (need_case(ps, st))
			return -1;
		while (isspace((unsigned char)*p))
			p++;
		for (e = p + strlen(p); e > p && isspace((unsigned char)e[-1]); e--)
			;
		if (e == p)
			return perr(ps, st->line, "skip: expected a reason");
		c->skip = xstrndup(p, (size_t)(e - p));
		for (e = c->skip; *e; e++)
			if (*e == '\n')
				*e = ' ';
		return 0;
	}
	return perr(ps, st->line, "internal: unhandled keyword '%s'", kw);
}

int fixture_load(const char *path, struct fixture *fx, FILE *errf)
{
	struct pstate ps = { .path = path, .errf = errf, .fx = fx };
	struct stmt st = { 0 };
	size_t cap = 0, textcap = 0, textlen = 0;
	char *line = NULL;
	int lineno = 0;
	ssize_t n;
	FILE *f;

	memset(fx, 0, sizeof(*fx));
	fx->path = xstrndup(path, strlen(path));
	f = fopen(path, "r");
	if (!f) {
		fprintf(errf, "%s: error: cannot open: %s\n", path, strerror(errno));
		fixture_free(fx);
		return -1;
	}

	for (;;) {
		char *p, *hash, *w = NULL;
		size_t wl = 0, i, add;
		int at_eof;

		n = getline(&line, &cap, f);
		at_eof = n < 0;
		if (!at_eof) {
			lineno++;
			hash = strchr(line, '#');
			if (hash)
				*hash = '\0';
			for (p = line; *p; p++)
				if (*p == '\r' || *p == '\n')
					*p = ' ';
			for (w = line; isspace((unsigned char)*w); w++)
				;
			for (wl = 0; w[wl] && !isspace((unsigned char)w[wl]); wl++)
				;
		}
		if (at_eof || is_keyword(w, wl)) {
			if (st.kw) {
				do_stmt(&ps, &st);
				st.kw = NULL;
			}
			if (at_eof)
				break;
			for (i = 0; i < N_KEYWORDS; i++)
				if (strlen(keywords[i]) == wl && !memcmp(keywords[i], w, wl))
					st.kw = keywords[i];
			st.line = lineno;
			textlen = 0;
			p = w + wl;
		} else if (!wl) {
			if (!st.kw)
				continue;
			p = "";
		} else if (!st.kw) {
			perr(&ps, lineno, "expected a keyword (" KEYWORD_LIST "), got '%.*s'",
			     (int)wl, w);
			continue;
		} else {
			p = line;
		}
		/* append "\n" (for continuation lines) + p */
		add = strlen(p) + 2;
		if (textlen + add > textcap) {
			textcap = (textlen + add) * 2;
			st.text = xrealloc(st.text, textcap);
		}
		if (p != w + wl)
			st.text[textlen++] = '\n';
		memcpy(st.text + textlen, p, strlen(p) + 1);
		textlen += strlen(p);
	}
	free(line);
	free(st.text);
	fclose(f);

	check_case_complete(&ps, ps.cur);
	if (!fx->object)
		perr(&ps, lineno ? lineno : 1, "no 'object' line (expected 'object PATH' before the first case)");
	if (!fx->n_cases)
		perr(&ps, lineno ? lineno : 1, "no cases (expected at least one 'case NAME')");
	if (ps.errors > MAX_ERRORS)
		fprintf(errf, "%s: %d more errors not shown\n", path, ps.errors - MAX_ERRORS);
	if (ps.errors) {
		fixture_free(fx);
		return -1;
	}
	return 0;
}

static void free_sets(struct fx_map_set *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(s[i].map);
		free(s[i].key.data);
		free(s[i].value.data);
		free(s[i].value_prog);
	}
	free(s);
}

void fixture_free(struct fixture *fx)
{
	size_t i, j;

	for (i = 0; i < fx->n_cases; i++) {
		struct fx_case *c = &fx->cases[i];

		free(c->name);
		free(c->program);
		free(c->in.data);
		free(c->out.data);
		free(c->skip);
		free_sets(c->sets, c->n_sets);
		for (j = 0; j < c->n_checks; j++) {
			free(c->checks[j].map);
			free(c->checks[j].key.data);
			free(c->checks[j].value.data);
		}
		free(c->checks);
	}
	free(fx->cases);
	free_sets(fx->sets, fx->n_sets);
	free(fx->path);
	free(fx->object);
	for (i = 0; i < fx->n_more; i++)
		free(fx->more[i].path);
	free(fx->more);
	free(fx->program);
	memset(fx, 0, sizeof(*fx));
}
