// SPDX-License-Identifier: GPL-2.0
/* Names of the data path's verdict reasons, as sovctl and logs print them. */
#include "../../bpf/lb.h"
#include "reason.h"

static const char *const names[LB_R_MAX] = {
	[LB_R_FORWARDED] = "forwarded",
	[LB_R_NOT_SERVICE] = "not-service",
	[LB_R_NOT_IP] = "not-ip",
	[LB_R_MALFORMED] = "malformed",
	[LB_R_FRAG_DROP] = "fragment-dropped",
	[LB_R_FRAG_PASS] = "fragment-passed",
	[LB_R_NO_BACKEND] = "no-backend",
	[LB_R_ICMP_FORWARDED] = "icmp-forwarded",
	[LB_R_ICMP_PASS] = "icmp-passed",
	[LB_R_CONN_FULL] = "conn-table-full",
	[LB_R_ENCAP_FAIL] = "encap-failed",
	[LB_R_NAT_IN] = "nat-in",
	[LB_R_NAT_OUT] = "nat-out",
	[LB_R_NAT_NO_MAPPING] = "nat-no-mapping",
	[LB_R_NAT_TTL] = "nat-ttl-expired",
	[LB_R_NAT_FAIL] = "nat-failed",
	[LB_R_NAT_ICMP_OUT] = "nat-icmp-out",
	[LB_R_NAT_REV_FULL] = "nat-rev-table-full",
	[LB_R_CUSTOM_MISSING] = "custom-missing",
	[LB_R_CUSTOM_BAD] = "custom-bad-answer",
};

const char *sov_lb_reason_name(unsigned int reason)
{
	return reason < LB_R_MAX && names[reason] ? names[reason] : "unknown";
}
