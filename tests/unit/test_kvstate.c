// SPDX-License-Identifier: GPL-2.0
/* lib/cluster/kvstate.c: the replicated configuration map. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../lib/cluster/kvstate.h"

static uint8_t buf[70000];
static char msg[160];

static int encode_put(const char *key, uint8_t type, const void *data, uint32_t len,
		      uint64_t if_index)
{
	struct sov_kv_op op = { .op = SOV_KV_PUT, .key = key, .if_index = if_index,
				.value = { .type = type, .len = len, .data = data } };

	return sov_kv_op_encode(&op, buf, sizeof(buf), msg, sizeof(msg));
}

static int apply_put(struct sov_kv_state *s, uint64_t index, const char *key, const char *str)
{
	struct sov_kv_result res;
	int n = encode_put(key, SOV_KV_STRING, str, (uint32_t)strlen(str), UINT64_MAX);

	assert_true(n > 0);
	return sov_kv_apply(s, index, buf, (size_t)n, &res);
}

static int apply_op(struct sov_kv_state *s, uint64_t index, uint8_t opc, const char *key,
		    uint64_t if_index, struct sov_kv_result *res)
{
	struct sov_kv_op op = { .op = opc, .key = key, .if_index = if_index };
	int n = sov_kv_op_encode(&op, buf, sizeof(buf), msg, sizeof(msg));

	assert_true(n > 0);
	return sov_kv_apply(s, index, buf, (size_t)n, res);
}

static void test_put_get_delete(void **state)
{
	struct sov_kv_state *s = sov_kv_new();
	struct sov_kv_result res;
	struct sov_kv_value v;
	uint64_t mod;

	(void)state;
	assert_int_equal(apply_put(s, 1, "lb/service/b", "two"), 0);
	assert_int_equal(apply_put(s, 2, "lb/service/a", "one"), 0);
	assert_int_equal(apply_put(s, 3, "lb/service/b", "deux"), 0);
	assert_int_equal(sov_kv_count(s), 2);
	assert_int_equal(sov_kv_get(s, "lb/service/b", &v, &mod), 0);
	assert_int_equal(v.type, SOV_KV_STRING);
	assert_int_equal(v.len, 4);
	assert_memory_equal(v.data, "deux", 4);
	assert_int_equal(mod, 3);
	assert_int_equal(apply_op(s, 4, SOV_KV_DELETE, "lb/service/a", UINT64_MAX, &res), 0);
	assert_int_equal(res.changed, 1);
	assert_int_equal(sov_kv_get(s, "lb/service/a", NULL, NULL), -ENOENT);
	/* deleting what is not there changes nothing and is no error */
	assert_int_equal(apply_op(s, 5, SOV_KV_DELETE, "lb/service/a", UINT64_MAX, &res), 0);
	assert_int_equal(res.changed, 0);
	assert_int_equal(sov_kv_applied(s), 5);
	/* an index applied before is refused without effect */
	assert_int_equal(apply_put(s, 5, "x", "y"), -EINVAL);
	assert_int_equal(sov_kv_get(s, "x", NULL, NULL), -ENOENT);
	sov_kv_free(s);
}

static void test_compare(void **state)
{
	struct sov_kv_state *s = sov_kv_new();
	struct sov_kv_result res;
	uint64_t mod;
	int n;

	(void)state;
	/* if_index 0: create only */
	n = encode_put("k", SOV_KV_STRING, "a", 1, 0);
	assert_int_equal(sov_kv_apply(s, 1, buf, (size_t)n, &res), 0);
	n = encode_put("k", SOV_KV_STRING, "b", 1, 0);
	assert_int_equal(sov_kv_apply(s, 2, buf, (size_t)n, &res), -EEXIST);
	assert_string_equal(res.msg, "k: changed at 1, expected 0");
	/* the right index wins, a stale one loses */
	n = encode_put("k", SOV_KV_STRING, "c", 1, 1);
	assert_int_equal(sov_kv_apply(s, 3, buf, (size_t)n, &res), 0);
	n = encode_put("k", SOV_KV_STRING, "d", 1, 1);
	assert_int_equal(sov_kv_apply(s, 4, buf, (size_t)n, &res), -ESTALE);
	assert_int_equal(sov_kv_get(s, "k", NULL, &mod), 0);
	assert_int_equal(mod, 3);
	assert_int_equal(apply_op(s, 5, SOV_KV_DELETE, "k", 2, &res), -ESTALE);
	assert_int_equal(apply_op(s, 6, SOV_KV_DELETE, "k", 3, &res), 0);
	sov_kv_free(s);
}

static int collect(void *ctx, const char *key, const struct sov_kv_value *v, uint64_t mod)
{
	char *out = ctx;

	(void)v;
	(void)mod;
	strcat(out, key);
	strcat(out, ";");
	return 0;
}

static void test_prefix(void **state)
{
	struct sov_kv_state *s = sov_kv_new();
	struct sov_kv_result res;
	char keys[256] = "";

	(void)state;
	apply_put(s, 1, "lb/be/1/a", "");
	apply_put(s, 2, "lb/be/1/b", "");
	apply_put(s, 3, "lb/be/10/a", "");
	apply_put(s, 4, "lb/be/2/a", "");
	apply_put(s, 5, "lb/svc/1", "");
	assert_int_equal(sov_kv_walk(s, "lb/be/1", collect, keys), 0);
	assert_string_equal(keys, "lb/be/1/a;lb/be/1/b;lb/be/10/a;");
	keys[0] = 0;
	assert_int_equal(apply_op(s, 6, SOV_KV_DELETE_PREFIX, "lb/be/1/", UINT64_MAX, &res), 0);
	assert_int_equal(res.changed, 2);
	assert_int_equal(sov_kv_walk(s, "", collect, keys), 0);
	assert_string_equal(keys, "lb/be/10/a;lb/be/2/a;lb/svc/1;");
	sov_kv_free(s);
}

static void test_bad_ops(void **state)
{
	struct sov_kv_op op = { .op = SOV_KV_PUT, .key = "has space",
				.value = { .type = SOV_KV_STRING, .len = 1, .data = (const uint8_t *)"x" } };
	static uint8_t big[SOV_KV_VALUE_MAX + 1];
	char longkey[300];

	(void)state;
	assert_int_equal(sov_kv_op_encode(&op, buf, sizeof(buf), msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "key: byte 3 is 0x20: expected printable ASCII without spaces");
	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = 0;
	op.key = longkey;
	assert_int_equal(sov_kv_op_encode(&op, buf, sizeof(buf), msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "key: expected 1-255 bytes, got 299");
	op.key = "k";
	op.value.type = SOV_KV_U64;
	assert_int_equal(sov_kv_op_encode(&op, buf, sizeof(buf), msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "value: u64 must be 8 bytes, got 1");
	op.value.type = 9;
	assert_int_equal(sov_kv_op_encode(&op, buf, sizeof(buf), msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "value: type 9 unknown: expected u64, string or bytes");
	op.value = (struct sov_kv_value){ .type = SOV_KV_BYTES, .len = sizeof(big), .data = big };
	assert_int_equal(sov_kv_op_encode(&op, buf, sizeof(buf), msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "value: expected at most 61440 bytes, got 61441");
	op.value.len = 100;
	assert_int_equal(sov_kv_op_encode(&op, buf, 50, msg, sizeof(msg)), -ENOSPC);
	op.op = 7;
	assert_int_equal(sov_kv_op_encode(&op, buf, sizeof(buf), msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "op 7 unknown: expected put, delete or delete-prefix");
}

/* Every truncation and every single-byte corruption of an entry: refused or harmless, alike. */
static void test_malformed_entries(void **state)
{
	struct sov_kv_state *s = sov_kv_new(), *t = sov_kv_new();
	static uint8_t good[512], bad[512];
	struct sov_kv_result res;
	uint64_t idx = 1;
	int n, i, bit;

	(void)state;
	n = encode_put("lb/service/10.0.0.1:80/tcp", SOV_KV_BYTES, "\x01\x02\x03", 3, UINT64_MAX);
	assert_true(n > 0);
	memcpy(good, buf, (size_t)n);
	for (i = 0; i < n; i++) {
		assert_int_equal(sov_kv_apply(s, idx++, good, (size_t)i, &res), -EINVAL);
		assert_true(res.msg[0] != 0);
	}
	for (i = 0; i < n; i++)
		for (bit = 0; bit < 8; bit++) {
			memcpy(bad, good, (size_t)n);
			bad[i] ^= (uint8_t)(1 << bit);
			/* whatever it does, it must do it the same on two replicas */
			sov_kv_apply(s, idx, bad, (size_t)n, &res);
			sov_kv_apply(t, idx++, bad, (size_t)n, &res);
		}
	assert_int_equal(sov_kv_count(s), sov_kv_count(t));
	sov_kv_free(s);
	sov_kv_free(t);
}

struct seen {
	int puts, dels;
	char last[64];
};

static void watcher(void *ctx, const char *key, const struct sov_kv_value *v)
{
	struct seen *w = ctx;

	if (v)
		w->puts++;
	else
		w->dels++;
	snprintf(w->last, sizeof(w->last), "%s", key);
}

static void test_snapshot_restore(void **state)
{
	struct sov_kv_state *s = sov_kv_new(), *t = sov_kv_new();
	struct seen w = {};
	struct sov_kv_value v;
	uint64_t u = 42, mod;
	uint8_t *snap;
	size_t len;
	int n, i;

	(void)state;
	for (i = 0; i < 200; i++) {
		char key[32], val[32];

		snprintf(key, sizeof(key), "k/%03d", i);
		snprintf(val, sizeof(val), "v%d", i);
		apply_put(s, (uint64_t)i + 1, key, val);
	}
	n = encode_put("u", SOV_KV_U64, &u, 8, UINT64_MAX);
	assert_int_equal(sov_kv_apply(s, 201, buf, (size_t)n, &(struct sov_kv_result){}), 0);
	assert_int_equal(sov_kv_snapshot(s, &snap, &len), 0);

	/* t has one stale key and one that differs: the watcher sees exactly the differences */
	apply_put(t, 1, "gone", "x");
	apply_put(t, 2, "k/005", "v5");
	sov_kv_watch(t, watcher, &w);
	assert_int_equal(sov_kv_restore(t, snap, len, msg, sizeof(msg)), 0);
	assert_int_equal(sov_kv_count(t), 201);
	assert_int_equal(sov_kv_applied(t), 201);
	assert_int_equal(w.dels, 1);
	assert_int_equal(w.puts, 200);	/* k/005 is equal */
	assert_int_equal(sov_kv_get(t, "u", &v, &mod), 0);
	assert_int_equal(v.type, SOV_KV_U64);
	assert_int_equal(mod, 201);

	/* a damaged snapshot is refused and leaves the state as it was */
	for (i = 0; i < (int)len; i += 7) {
		snap[i] ^= 0x40;
		if (sov_kv_restore(t, snap, len, msg, sizeof(msg)) == 0)
			assert_int_equal(sov_kv_count(t), 201);	/* a byte inside a value */
		snap[i] ^= 0x40;
	}
	assert_int_equal(sov_kv_restore(t, snap, len - 1, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(sov_kv_count(t), 201);
	free(snap);
	sov_kv_free(s);
	sov_kv_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_delete),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_bad_ops),
		cmocka_unit_test(test_malformed_entries),
		cmocka_unit_test(test_snapshot_restore),
	};

	return cmocka_run_group_tests_name("kvstate", tests, NULL, NULL);
}
