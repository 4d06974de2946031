/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef IPSECFW_LOG_H
#define IPSECFW_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipsecfw/util.h"

/*
 * log: packet log lines without I/O on the packet path. Each packet thread owns a ring of
 * fixed-size records (single producer: the thread; single consumer: the writer). Pushing
 * copies one record and never blocks: a full ring counts the record as dropped. The writer
 * (the daemon's control thread) drains the rings, formats each record with a callback and
 * writes at most `rate` lines per second to syslog and stderr; the rest are counted as
 * suppressed and reported in one line per second.
 */
#define LOG_REC_DATA 512	/* bytes of caller data per record (a decoded-packet snapshot) */

struct log_rec {
	uint32_t rule;		/* 1-based rule, 0 for the policy */
	uint32_t len;		/* packet length */
	uint16_t queue;
	uint8_t verdict;	/* enum rules_verdict */
	uint8_t dir;		/* enum ruleset_dir */
	uint8_t reason;		/* enum counters_reason */
	uint8_t data[LOG_REC_DATA] __attribute__((aligned(8)));
};

struct log_ring;

/* A ring of 2^order records (order 1..16). NULL on OOM. Control path. */
struct log_ring *log_ring_new(unsigned order) MUST_CHECK;
void log_ring_free(struct log_ring *r);

/*
 * The producer's slot for the next record, or NULL when the ring is full (counted as a drop).
 * Fill it, then log_ring_commit(). Packet thread (the ring's only producer).
 */
struct log_rec *log_ring_reserve(struct log_ring *r);
void log_ring_commit(struct log_ring *r);

/* Records dropped because the ring was full. Any thread. */
uint64_t log_ring_dropped(const struct log_ring *r);

/* Consumer: call fn for every committed record, oldest first; returns how many. Writer only. */
typedef void (*log_fn)(void *arg, const struct log_rec *rec);
size_t log_ring_drain(struct log_ring *r, log_fn fn, void *arg);

/*
 * The rate-limited writer's state: at most `rate` lines per second (0: unlimited). Lines go
 * to syslog (when opened by the program) and to `err` when non-NULL.
 */
struct log_writer {
	unsigned rate;
	bool use_syslog;
	void *err;		/* FILE *, or NULL */
	uint64_t window;	/* the current second */
	unsigned in_window;
	uint64_t suppressed;	/* lines not written in the current window */
	uint64_t suppressed_total;
	uint64_t written;
};

/* Write one line (without newline) at syslog priority prio, honouring the rate limit. */
void log_write(struct log_writer *w, int prio, const char *line);

/* Call now and then (the daemon: every tick): reports suppressed lines once their second is
 * over, even when no further line comes. */
void log_tick(struct log_writer *w);

/* Daemon messages (not rate-limited): printf-style, to syslog and stderr as the writer says. */
void log_msg(const struct log_writer *w, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
