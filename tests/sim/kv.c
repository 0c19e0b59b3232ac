// SPDX-License-Identifier: GPL-2.0
/*
 * tests/sim: the replicated state machine, a tiny key-value store. A value
 * is the sequence of tokens written to its key (PUT starts it over, APPEND
 * extends it); a read returns the sequence's hash, which is what the
 * linearizability model predicts. Snapshots carry the sequences themselves.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static void put_le64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

void kv_cmd(uint8_t out[KV_CMD_LEN], uint8_t op, uint32_t key, uint64_t token)
{
	out[0] = op;
	out[1] = (uint8_t)key;
	put_le64(out + 2, token);
}

int kv_cmd_parse(const uint8_t *p, uint32_t len, uint8_t *op, uint32_t *key, uint64_t *token)
{
	if (len != KV_CMD_LEN || (p[0] != KV_PUT && p[0] != KV_APPEND) || p[1] >= SIM_MAX_KEYS)
		return -EINVAL;
	*op = p[0];
	*key = p[1];
	*token = get_le64(p + 2);
	return 0;
}

static void push(struct kv_val *v, uint64_t token)
{
	ARRAY_RESERVE(v->tok, v->cap, v->n + 1);
	v->tok[v->n++] = token;
	v->hash = lin_hash(v->hash, token);
}

int kv_apply(struct kv *kv, const uint8_t *p, uint32_t len)
{
	uint64_t token;
	uint32_t key;
	uint8_t op;

	if (kv_cmd_parse(p, len, &op, &key, &token))
		return -EINVAL;
	if (op == KV_PUT) {
		kv->v[key].n = 0;
		kv->v[key].hash = 0;
	}
	push(&kv->v[key], token);
	return 0;
}

const struct kv_val *kv_get(const struct kv *kv, uint32_t key)
{
	return &kv->v[key < SIM_MAX_KEYS ? key : 0];
}

uint64_t kv_hash(const struct kv *kv)
{
	uint64_t h = 0;
	int i;

	for (i = 0; i < SIM_MAX_KEYS; i++)
		h = mix64(h ^ kv->v[i].hash ^ kv->v[i].n);
	return h;
}

/* per key: u32 count, then the tokens; all little-endian */
uint8_t *kv_encode(const struct kv *kv, size_t *len)
{
	size_t n = 0, i, j;
	uint8_t *buf, *p;

	for (i = 0; i < SIM_MAX_KEYS; i++)
		n += 4 + 8 * (size_t)kv->v[i].n;
	buf = p = xmalloc(n);
	for (i = 0; i < SIM_MAX_KEYS; i++) {
		uint32_t c = kv->v[i].n;

		p[0] = (uint8_t)c;
		p[1] = (uint8_t)(c >> 8);
		p[2] = (uint8_t)(c >> 16);
		p[3] = (uint8_t)(c >> 24);
		p += 4;
		for (j = 0; j < c; j++, p += 8)
			put_le64(p, kv->v[i].tok[j]);
	}
	*len = n;
	return buf;
}

int kv_decode(struct kv *kv, const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len;
	size_t i, j;

	kv_free(kv);
	for (i = 0; i < SIM_MAX_KEYS; i++) {
		uint32_t c;

		if (end - p < 4)
			return -EINVAL;
		c = p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
		p += 4;
		if ((size_t)(end - p) / 8 < c)
			return -EINVAL;
		for (j = 0; j < c; j++, p += 8)
			push(&kv->v[i], get_le64(p));
	}
	return p == end ? 0 : -EINVAL;
}

void kv_free(struct kv *kv)
{
	int i;

	for (i = 0; i < SIM_MAX_KEYS; i++)
		free(kv->v[i].tok);
	memset(kv, 0, sizeof(*kv));
}
