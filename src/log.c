// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * log: single-producer single-consumer record rings and a rate-limited line writer.
 *
 * Ring protocol: the producer writes the record at head, then publishes head + 1 with a
 * release store; the consumer reads head with an acquire load, handles records up to it and
 * publishes its tail with a release store, which the producer reads (acquire) to see free
 * slots. Each index has one writer, so no read-modify-write is needed.
 */
#include "ipsecfw/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

struct log_ring {
	uint64_t head __attribute__((aligned(CACHELINE)));	/* producer */
	uint64_t dropped;
	uint64_t tail __attribute__((aligned(CACHELINE)));	/* consumer */
	uint64_t mask;
	struct log_rec *recs;
};

struct log_ring *log_ring_new(unsigned order)
{
	struct log_ring *r;

	if (order < 1 || order > 16)
		return NULL;
	r = aligned_alloc(CACHELINE, (sizeof(*r) + CACHELINE - 1) & ~(size_t)(CACHELINE - 1));
	if (!r)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->mask = (1u << order) - 1;
	r->recs = calloc((size_t)1 << order, sizeof(*r->recs));
	if (!r->recs) {
		free(r);
		return NULL;
	}
	return r;
}

void log_ring_free(struct log_ring *r)
{
	if (!r)
		return;
	free(r->recs);
	free(r);
}

struct log_rec *log_ring_reserve(struct log_ring *r)
{
	uint64_t head = r->head;

	if (head - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) > r->mask) {
		__atomic_store_n(&r->dropped, r->dropped + 1, __ATOMIC_RELAXED);
		return NULL;
	}
	return &r->recs[head & r->mask];
}

void log_ring_commit(struct log_ring *r)
{
	__atomic_store_n(&r->head, r->head + 1, __ATOMIC_RELEASE);
}

uint64_t log_ring_dropped(const struct log_ring *r)
{
	return __atomic_load_n(&r->dropped, __ATOMIC_RELAXED);
}

size_t log_ring_drain(struct log_ring *r, log_fn fn, void *arg)
{
	uint64_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	uint64_t tail = r->tail;
	size_t n = 0;

	for (; tail != head; tail++, n++)
		fn(arg, &r->recs[tail & r->mask]);
	__atomic_store_n(&r->tail, tail, __ATOMIC_RELEASE);
	return n;
}

static void emit(const struct log_writer *w, int prio, const char *line)
{
	if (w->use_syslog)
		syslog(prio, "%s", line);
	if (w->err) {
		fprintf(w->err, "ipsecfwd: %s\n", line);
		fflush(w->err);
	}
}

/* Start a new one-second window when the clock moved on, reporting what was suppressed. */
static void roll(struct log_writer *w)
{
	struct timespec ts;
	char buf[96];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if ((uint64_t)ts.tv_sec == w->window)
		return;
	if (w->suppressed) {
		snprintf(buf, sizeof(buf), "%llu log lines suppressed (rate limit %u/s)",
			 (unsigned long long)w->suppressed, w->rate);
		emit(w, LOG_NOTICE, buf);
	}
	w->window = (uint64_t)ts.tv_sec;
	w->in_window = 0;
	w->suppressed = 0;
}

void log_write(struct log_writer *w, int prio, const char *line)
{
	roll(w);
	if (w->rate && w->in_window >= w->rate) {
		w->suppressed++;
		w->suppressed_total++;
		return;
	}
	w->in_window++;
	w->written++;
	emit(w, prio, line);
}

void log_tick(struct log_writer *w)
{
	roll(w);
}

void log_msg(const struct log_writer *w, int prio, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	emit(w, prio, buf);
}
