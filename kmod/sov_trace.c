// SPDX-License-Identifier: GPL-2.0
/* Instantiates sovereign.ko's tracepoints (sov_trace.h). */
#define CREATE_TRACE_POINTS
#include "sov_trace.h"
