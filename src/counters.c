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
	[COUNTERS_R_ICV_FAIL] = "icv-fail",
	[COUNTERS_R_REPLAYED] = "replayed",
	[COUNTERS_R_BAD_ICV_LENGTH] = "bad-icv-length",
	[COUNTERS_R_BAD_PADDING] = "bad-padding",
	[COUNTERS_R_BAD_ESP_LENGTH] = "bad-esp-length",
	[COUNTERS_R_BAD_INNER] = "bad-inner",
};

static const char *const ipsec_names[] = {
	[COUNTERS_IPSEC_VERIFIED] = "verified",
	[COUNTERS_IPSEC_NO_SA] = "no-sa",
	[COUNTERS_IPSEC_FRAGMENT] = "fragment",
	[COUNTERS_IPSEC_BAD_LENGTH] = "bad-icv-length",
	[COUNTERS_IPSEC_ICV_FAIL] = "icv-fail",
	[COUNTERS_IPSEC_REPLAYED] = "replayed",
};

_Static_assert(ARRAY_SIZE(ipsec_names) == COUNTERS_IPSEC_MAX, "ipsec names out of step");

static const char *const esp_names[] = {
	[COUNTERS_ESP_VERIFIED] = "verified",
	[COUNTERS_ESP_NO_SA] = "no-sa",
	[COUNTERS_ESP_BAD_LENGTH] = "bad-length",
	[COUNTERS_ESP_ICV_FAIL] = "icv-fail",
	[COUNTERS_ESP_BAD_PADDING] = "bad-padding",
	[COUNTERS_ESP_REPLAYED] = "replayed",
	[COUNTERS_ESP_DUMMY] = "dummy",
	[COUNTERS_ESP_BAD_INNER] = "bad-inner",
};

_Static_assert(ARRAY_SIZE(esp_names) == COUNTERS_ESP_MAX, "esp names out of step");

const char *counters_esp_name(enum counters_esp k)
{
	return (unsigned)k < COUNTERS_ESP_MAX ? esp_names[k] : "unknown";
}

const char *counters_ipsec_name(enum counters_ipsec k)
{
	return (unsigned)k < COUNTERS_IPSEC_MAX ? ipsec_names[k] : "unknown";
}

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
		for (r = 0; r < COUNTERS_IPSEC_MAX; r++)
			out->ah[r] += counters_read(&t[i].ah[r]);
		for (r = 0; r < COUNTERS_ESP_MAX; r++)
			out->esp[r] += counters_read(&t[i].esp[r]);
	}
}
