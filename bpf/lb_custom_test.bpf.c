// SPDX-License-Identifier: GPL-2.0
/*
 * lb_custom_test.bpf.c - custom policy programs for the fixtures
 * (tests/bpf/fixtures/lb_custom.fixture), most of them misbehaving on
 * purpose. Not an example to follow: bpf/lb_custom_example.bpf.c is.
 */
#include "lb_custom.h"

/* service index -> what lb_test_answer answers for it */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LB_MAX_SERVICES);
	__type(key, __u32);
	__type(value, __u32);
} lb_test_answers SEC(".maps");

/* [0]: how often any of these programs ran */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lb_test_calls SEC(".maps");

static __always_inline void lb_test_called(void)
{
	__u32 key = 0;
	__u64 *n = bpf_map_lookup_elem(&lb_test_calls, &key);

	if (n)
		__sync_fetch_and_add(n, 1);
}

static __always_inline __u32 lb_test_answer_of(const struct lb_custom_ctx *c)
{
	__u32 key = c->service, *a = bpf_map_lookup_elem(&lb_test_answers, &key);

	return a ? *a : LB_NO_BACKEND;
}

/* Answers lb_test_answers[service], whatever it is. */
SEC("xdp")
int lb_test_answer(struct xdp_md *xdp)
{
	struct lb_custom_ctx *c = sov_lb_custom_ctx();

	lb_test_called();
	if (!c)
		return XDP_ABORTED;
	return sov_lb_custom_return(xdp, lb_test_answer_of(c));
}

/* Never hands the packet back: its own verdict is the packet's. */
SEC("xdp")
int lb_test_no_resume(struct xdp_md *xdp)
{
	lb_test_called();
	return XDP_PASS;
}

/* Answers as lb_test_answer, after writing over the flow it was given. */
SEC("xdp")
int lb_test_clobber(struct xdp_md *xdp)
{
	struct lb_custom_ctx *c = sov_lb_custom_ctx();

	lb_test_called();
	if (!c)
		return XDP_ABORTED;
	c->flow.sport_be ^= 1;
	return sov_lb_custom_return(xdp, lb_test_answer_of(c));
}

char LICENSE[] SEC("license") = "GPL";
