// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * counters: reason names and the aggregation of per-thread counter blocks. Writers are the
 * packet threads (one per block, relaxed atomic stores); the functions here only read.
 */
#include "ipsecfw/counters.h"

static const char *const reason_names[] = {
	[COUNTERS_R_NONE] = "none",
	[COUNTERS_R_TRUNCATED] = "truncated",
	[COUNTERS_R_BAD_VERSION] = "bad-version",
	[COUNTERS_R_BAD_IHL] = "bad-ihl",
	[COUNTERS_R_BAD_LENGTH] = "bad-length",
	[COUNTERS_R_BAD_ALIGNMENT] = "bad-alignment",
	[COUNTERS_R_BAD_AH_LENGTH] = "bad-ah-length",
	[COUNTERS_R_BAD_TCP_OFFSET] = "bad-tcp-offset",
	[COUNTERS_R_BAD_EXTHDR] = "bad-exthdr",
	[COUNTERS_R_CHAIN_TOO_LONG] = "chain-too-long",
	[COUNTERS_R_TOO_DEEP] = "too-deep",
};

_Static_assert(ARRAY_SIZE(reason_names) == COUNTERS_R_MAX, "reason names out of step");

const char *counters_reason_name(enum counters_reason r)
{
	if ((unsigned)r >= COUNTERS_R_MAX)
		return "unknown";
	return reason_names[r];
}

void counters_thread_sum(const struct counters_thread *t, size_t n, struct counters_thread *out)
{
	size_t i, r;

	*out = (struct counters_thread){ 0 };
	for (i = 0; i < n; i++) {
		out->received += counters_read(&t[i].received);
		out->received_bytes += counters_read(&t[i].received_bytes);
		out->decoded += counters_read(&t[i].decoded);
		for (r = 0; r < 2; r++) {
			out->verdict[r].packets += counters_read(&t[i].verdict[r].packets);
			out->verdict[r].bytes += counters_read(&t[i].verdict[r].bytes);
		}
		for (r = 0; r < COUNTERS_R_MAX; r++)
			out->reason[r] += counters_read(&t[i].reason[r]);
	}
}
