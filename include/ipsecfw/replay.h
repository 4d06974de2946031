/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef IPSECFW_REPLAY_H
#define IPSECFW_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ipsecfw/util.h"

struct engine_verdict;
struct ruleset;
struct sa_table;

/*
 * replay: run the engine over a capture and report, one line (or JSON object) per packet and
 * then the counters. The same engine, decoder and ruleset as the daemon; direction comes from
 * the address sets. Control path (allocates, prints to `out`).
 */
struct replay_opts {
	const char *pcap;
	const struct ruleset *rs;
	const struct sa_table *sat;	/* keys for AH verification, or NULL */
	bool json;		/* one JSON object per line, then a summary object */
	bool verbose;		/* more decoded detail per packet */
	FILE *out;
};

/*
 * Replay o->pcap through o->rs (built for at least one thread). Returns 0, or -1 with a
 * diagnostic (unreadable capture, read error). The counters printed are rs's row 0 plus the
 * engine's block; rs's counters are left as they were counted.
 */
int replay_run(const struct replay_opts *o, struct diag_list *dl) MUST_CHECK;

/*
 * One-line description of a judged packet, as replay prints it: "198.51.100.10 > 192.0.2.10
 * ah spi 0x00001000 seq 1 | tcp 40000 > 22 [S]", or the outer addresses and protocol of a
 * packet the decoder rejected. Also the daemon's log formatter. Any thread; no allocation.
 */
void replay_describe(char *buf, size_t size, const struct engine_verdict *v);

#endif
