/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef IPSECFW_RULESET_H
#define IPSECFW_RULESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipsecfw/counters.h"
#include "ipsecfw/util.h"

struct decode_pkt;
struct rules_file;

/*
 * The compiled ruleset: rules in an array, address sets compiled to sorted, merged ranges
 * (negation folded in at build time), per-thread per-rule counters. Immutable once built;
 * ruleset_classify() only reads it and may run on any number of threads at once. The only
 * thing packet threads write is their own counter row (single writer, relaxed stores).
 */
struct ruleset;

/* Direction of a packet relative to the protected network. */
enum ruleset_dir {
	RULESET_DIR_NONE = 0,	/* neither in nor out: only rules without in/out match */
	RULESET_DIR_IN,
	RULESET_DIR_OUT,
	RULESET_DIR_AUTO,	/* classify works it out from the sets (ruleset_direction) */
};

/* What classify decided. rule is 1-based; 0 means the policy decided. */
struct ruleset_verdict {
	enum ruleset_dir dir;	/* the direction used (never RULESET_DIR_AUTO) */
	unsigned rule;
	uint8_t verdict;	/* enum rules_verdict: RULES_PASS or RULES_BLOCK */
	bool log;
	bool has_mark;
	uint32_t mark;
};

/*
 * Compile a parsed file for `nthreads` packet threads (>= 1). Returns an owned ruleset or NULL
 * with diagnostics in *dl (semantic errors the parser cannot see). Control path; allocates.
 */
struct ruleset *ruleset_build(const struct rules_file *f, unsigned nthreads,
			      struct diag_list *dl) MUST_CHECK;

/* Free a ruleset that no packet thread can see any more. NULL is fine. */
void ruleset_free(struct ruleset *rs);

/*
 * Direction from the address sets: src in ext and dst in int is IN, src in int and dst in ext
 * is OUT (ext is the set named "ext", or everything not in "int"). Any thread.
 */
enum ruleset_dir ruleset_direction(const struct ruleset *rs, const struct decode_pkt *p);

/*
 * First-match evaluation of a decoded (DECODE_OK) packet. Fills *v. With RULESET_DIR_AUTO the
 * direction comes from the sets, sharing the per-packet address cache with the rules. No
 * allocation, no locks, bounded by the number of rules. Any thread.
 */
void ruleset_classify(const struct ruleset *rs, const struct decode_pkt *p, enum ruleset_dir dir,
		      struct ruleset_verdict *v);

/* Number of rules (the policy is not counted). */
size_t ruleset_rule_count(const struct ruleset *rs);

/* Normalized text of rule n (1-based), or of the policy for n == 0 ("policy block"). */
const char *ruleset_rule_text(const struct ruleset *rs, size_t n);

/* The policy verdict (RULES_PASS or RULES_BLOCK). */
uint8_t ruleset_policy(const struct ruleset *rs);

/* What happens to AH whose ICV fails (or does not fit), and to replayed AH, before the rules:
 * `policy icv-failure` and `policy replay`, RULES_BLOCK unless the file says pass. */
uint8_t ruleset_icv_policy(const struct ruleset *rs);
uint8_t ruleset_replay_policy(const struct ruleset *rs);

/* Whether the file declared interfaces, and whether it has a set named "int". */
bool ruleset_has_interfaces(const struct ruleset *rs);
bool ruleset_has_int_set(const struct ruleset *rs);

/*
 * Thread `thread`'s row of per-rule counters: index 0 is the policy, 1..n the rules. Written
 * only by that thread, with counters_add(). thread < nthreads given to ruleset_build.
 */
struct counters_pkt *ruleset_counters(const struct ruleset *rs, unsigned thread);

/*
 * Sum all threads' rows, and what reloads carried over, into out[0..n]
 * (n = ruleset_rule_count). Any thread.
 */
void ruleset_counters_sum(const struct ruleset *rs, struct counters_pkt *out);

/* Declared interfaces: count, and name i with whether it is external (else internal). */
size_t ruleset_iface_count(const struct ruleset *rs);
const char *ruleset_iface(const struct ruleset *rs, size_t i, bool *external);

/*
 * Carry counters over a reload: every rule of `to` whose identity (normalized text plus the
 * definitions of the sets it names) equals a rule of `from` starts from that rule's totals,
 * wherever it moved; duplicates pair in order; the policy carries to the policy when its
 * verdict is unchanged. `from` must no longer be counted into. Returns the rules carried
 * (0 also when memory runs out: then nothing is carried).
 * Control thread, before or after `to` is published (it writes only the carry row).
 */
size_t ruleset_carry_counters(struct ruleset *to, const struct ruleset *from);

#endif
