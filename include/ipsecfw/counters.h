/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef IPSECFW_COUNTERS_H
#define IPSECFW_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#include "ipsecfw/util.h"

/*
 * Counters: reason codes with stable names, and per-thread counter blocks. Each block has a
 * single writer (its packet thread), which stores with relaxed atomics; readers (the control
 * thread, the replay summary) sum the blocks whenever they like and may see a total that is
 * a few packets old, never a torn value. No locks anywhere.
 */

/*
 * Why a packet was dropped (or COUNTERS_R_NONE). The order of the decode reasons follows
 * enum decode_result so that the engine maps them by offset; the name table is in
 * counters.c, its size checked against COUNTERS_R_MAX.
 */
enum counters_reason {
	COUNTERS_R_NONE = 0,
	COUNTERS_R_TRUNCATED,
	COUNTERS_R_BAD_VERSION,
	COUNTERS_R_BAD_IHL,
	COUNTERS_R_BAD_LENGTH,
	COUNTERS_R_BAD_ALIGNMENT,
	COUNTERS_R_BAD_AH_LENGTH,
	COUNTERS_R_BAD_TCP_OFFSET,
	COUNTERS_R_BAD_EXTHDR,
	COUNTERS_R_CHAIN_TOO_LONG,
	COUNTERS_R_TOO_DEEP,
	/* IPsec stage: drops decided by `policy icv-failure` / `policy replay` (default block) */
	COUNTERS_R_ICV_FAIL,
	COUNTERS_R_REPLAYED,
	COUNTERS_R_BAD_ICV_LENGTH,
	COUNTERS_R_BAD_PADDING,		/* ESP padding or pad length wrong (policy icv-failure) */
	COUNTERS_R_BAD_ESP_LENGTH,	/* ESP too short, or not a whole number of blocks */
	COUNTERS_R_BAD_INNER,		/* authenticated ESP whose payload does not decode */
	COUNTERS_R_MAX
};

/* The last reason that comes from the decoder (enum decode_result has the same order). */
#define COUNTERS_R_DECODE_LAST COUNTERS_R_TOO_DEEP

/*
 * Outcomes of AH verification, counted whether or not they led to a drop. Same order as
 * enum ah_result (engine.c checks it).
 */
enum counters_ipsec {
	COUNTERS_IPSEC_VERIFIED = 0,
	COUNTERS_IPSEC_NO_SA,
	COUNTERS_IPSEC_FRAGMENT,
	COUNTERS_IPSEC_BAD_LENGTH,
	COUNTERS_IPSEC_ICV_FAIL,
	COUNTERS_IPSEC_REPLAYED,
	COUNTERS_IPSEC_MAX
};

/* Stable name ("verified", "no-sa", "fragment", "bad-icv-length", "icv-fail", "replayed"). */
const char *counters_ipsec_name(enum counters_ipsec k);

/* Outcomes of ESP processing, in the order of enum esp_result (engine.c checks it). */
enum counters_esp {
	COUNTERS_ESP_VERIFIED = 0,
	COUNTERS_ESP_NO_SA,
	COUNTERS_ESP_BAD_LENGTH,
	COUNTERS_ESP_ICV_FAIL,
	COUNTERS_ESP_BAD_PADDING,
	COUNTERS_ESP_REPLAYED,
	COUNTERS_ESP_DUMMY,
	COUNTERS_ESP_BAD_INNER,
	COUNTERS_ESP_MAX
};

/* Stable name: "verified", "no-sa", "bad-length", "icv-fail", "bad-padding", "replayed",
 * "dummy", "bad-inner". */
const char *counters_esp_name(enum counters_esp k);

/* Stable name ("truncated", ...); "none" for COUNTERS_R_NONE. */
const char *counters_reason_name(enum counters_reason r);

/* Packets and bytes, for a rule or a verdict. */
struct counters_pkt {
	uint64_t packets;
	uint64_t bytes;
};

/* One packet thread's totals. Cache-line aligned so that threads never share a line. */
struct counters_thread {
	uint64_t received;		/* packets handed to the engine */
	uint64_t received_bytes;
	uint64_t decoded;		/* decoder said DECODE_OK */
	struct counters_pkt verdict[2];	/* [0] pass, [1] block */
	uint64_t reason[COUNTERS_R_MAX];/* drops by reason; [0] unused */
	uint64_t ah[COUNTERS_IPSEC_MAX];/* AH verification outcomes */
	uint64_t esp[COUNTERS_ESP_MAX];	/* ESP outcomes */
} __attribute__((aligned(CACHELINE)));

/* Single-writer increment: a relaxed load and store, no read-modify-write bus lock. */
static inline void counters_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

static inline uint64_t counters_read(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* Sum n thread blocks into *out (overwritten). Any thread. */
void counters_thread_sum(const struct counters_thread *t, size_t n, struct counters_thread *out);

#endif
