/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef IPSECFW_ENGINE_H
#define IPSECFW_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipsecfw/counters.h"
#include "ipsecfw/ruleset.h"

struct decode_pkt;
struct log_ring;
struct sa;
struct sa_table;

/*
 * The engine: one per packet thread, the same in ipsecfwd (NFQUEUE) and ipsecfw replay (pcap).
 * engine_process() runs decode -> classify -> count on one packet and returns the verdict.
 * Everything it needs per packet (the decoded view, counters) lives in the context, allocated
 * once by engine_new(); the packet path allocates nothing, takes no lock, makes no syscall.
 */
struct engine;

/* Where the direction of a packet comes from. */
enum engine_dir_source {
	ENGINE_DIR_FROM_ADDRS = 0,	/* address sets int/ext (replay; daemon without interfaces) */
	ENGINE_DIR_GIVEN,		/* the caller knows it (from the queue's in/out devices) */
};

struct engine_verdict {
	uint8_t verdict;		/* RULES_PASS or RULES_BLOCK */
	unsigned rule;			/* 1-based rule, 0 when the policy or the decoder decided */
	enum counters_reason reason;	/* COUNTERS_R_NONE unless the decoder rejected the packet */
	enum ruleset_dir dir;
	bool log;
	bool has_mark;
	uint32_t mark;
	size_t len;			/* bytes counted: the IP datagram's length when it decoded,
					 * else the bytes handed in */
	const struct decode_pkt *pkt;	/* the decoded view; valid until the next call */
};

/* A context for packet thread `thread` (< the nthreads the rulesets are built for). */
struct engine *engine_new(unsigned thread) MUST_CHECK;
void engine_free(struct engine *e);

/*
 * Judge one packet of `len` bytes starting at its IP header against rs. dir is used only
 * with ENGINE_DIR_GIVEN. Counts into the engine's counter block and rs's rule counters
 * (row `thread`). The caller keeps rs alive for the call (RCU read side in the daemon).
 */
void engine_process(struct engine *e, const struct ruleset *rs, const uint8_t *data, size_t len,
		    enum engine_dir_source src, enum ruleset_dir dir, struct engine_verdict *v);

/*
 * The read side of published configuration (RCU). A packet thread registers once, then
 * brackets each burst with engine_read_begin()/engine_read_end() and loads the current
 * ruleset and interface map inside. Between bursts, while it may block in the kernel, it
 * holds nothing, so reloads never wait for traffic.
 */
void engine_thread_register(void);
void engine_thread_unregister(void);
void engine_read_begin(void);
void engine_read_end(void);
/* Load a published pointer (rcu_dereference); inside engine_read_begin/end only. */
const void *engine_deref(void *const *slot);

/*
 * Swap *slot to p for readers and wait until no reader can still see the old value, which is
 * returned for the caller to free. Control thread only; never inside a read section.
 */
void *engine_swap(void **slot, void *p);

/*
 * Interface map: the ruleset's declared interfaces resolved to indexes, for direction from
 * the queue's in/out devices. Built by the daemon on load and when links change, published
 * with engine_swap. Plain data, immutable once published.
 */
#define ENGINE_IFMAP_MAX 64	/* = RULES_IFACES_MAX: every declared interface fits */
struct engine_ifmap {
	unsigned n;
	uint32_t ifindex[ENGINE_IFMAP_MAX];
	bool external[ENGINE_IFMAP_MAX];
};

/*
 * Direction from devices, as ipsecfw.rules(5) defines it: arrived on an external interface,
 * or (locally sent) leaving by an internal one, is "in"; arrived on an internal interface, or
 * leaving by an external one, is "out"; anything else (both external, unknown devices) is
 * neither. 0 means no device. Any thread.
 */
enum ruleset_dir engine_ifmap_dir(const struct engine_ifmap *m, uint32_t indev, uint32_t outdev);

/*
 * Log packets that match a `log` rule into ring (owned by the caller, outliving e): each
 * record carries a copy of the decoded view (its data pointer cleared) for the writer to
 * format. queue tags the records. NULL turns logging off. Before the thread runs.
 */
void engine_set_log(struct engine *e, struct log_ring *ring, uint16_t queue);

/*
 * Verify AH with the SAs of t (owned by the caller, outliving e; the daemon's is RCU-safe and
 * changes under it, replay's is fixed). NULL: no store, AH is unverified. Before the thread
 * runs.
 */
void engine_set_sa(struct engine *e, const struct sa_table *t);

/*
 * What the IPsec stage did with the last packet judged: its AH outcome (an enum ah_result;
 * "no-sa" when the packet had no AH), the SA used (or NULL) and the full sequence number.
 * Valid until the next engine_process(); the SA only inside the RCU read section.
 */
int engine_ah_result(const struct engine *e, const struct sa **sa, uint64_t *seq);

/* The same for the last packet's ESP (an enum esp_result; "no-sa" when it had none). */
int engine_esp_result(const struct engine *e, const struct sa **sa, uint64_t *seq);

/* The engine's counter block (single writer: its thread; others only read). */
const struct counters_thread *engine_stats(const struct engine *e);

#endif
