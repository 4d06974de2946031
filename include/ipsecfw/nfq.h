/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef IPSECFW_NFQ_H
#define IPSECFW_NFQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipsecfw/util.h"

/*
 * nfq: NFQUEUE I/O over libmnl (the nfq_nlmsg_* API). One struct nfqio_queue per queue number,
 * each owned by one packet thread: a netlink socket bound to the queue, a receive area for a
 * burst of packets and a verdict batch buffer, all allocated at open. The receive loop makes
 * two syscalls per burst (recvmmsg, one sendto with every verdict) and allocates nothing.
 *
 * Verdicts: consecutive packets of a burst with the same verdict and mark go back as one
 * NFQNL_MSG_VERDICT_BATCH (it covers every pending id up to the last one); a run of one packet
 * goes back as a plain NFQNL_MSG_VERDICT.
 */
struct nfqio_queue;

struct nfqio_opts {
	uint16_t queue;		/* NFQUEUE number */
	bool fail_open;		/* NFQA_CFG_F_FAIL_OPEN: the kernel accepts when the queue is full */
	uint32_t maxlen;	/* kernel queue length (NFQA_CFG_QUEUE_MAXLEN); 0 = kernel default */
	int rcvbuf;		/* socket receive buffer in bytes; 0 = 8 MiB */
};

/* One packet as the kernel handed it over. data starts at the IP header. */
struct nfqio_pkt {
	const uint8_t *data;
	size_t len;
	uint32_t id;
	uint32_t indev;		/* interface indexes, 0 when none (local output / input) */
	uint32_t outdev;
	uint16_t hw_proto;	/* ETH_P_IP, ETH_P_IPV6, ... (host order) */
};

/* What the judge decides for one packet. */
struct nfqio_verdict {
	bool accept;
	bool has_mark;
	uint32_t mark;
};

/*
 * The per-queue counters. Single writer (the queue's thread, relaxed stores); any thread may
 * read them with counters_read().
 */
struct nfqio_stats {
	uint64_t bursts;	/* receive calls that returned packets */
	uint64_t packets;	/* packet messages received */
	uint64_t unjudgeable;	/* messages without a payload, or queued while we were still
				 * configuring the queue: dropped, counted */
	uint64_t malformed;	/* netlink messages we could not parse (no verdict possible) */
	uint64_t enobufs;	/* receive overruns reported by the kernel (ENOBUFS) */
	uint64_t batches;	/* NFQNL_MSG_VERDICT_BATCH messages sent */
	uint64_t singles;	/* NFQNL_MSG_VERDICT messages sent */
	uint64_t sends;		/* sendto calls carrying verdicts */
	uint64_t send_errors;	/* verdict sends that failed */
	uint64_t verdict_errors;/* verdicts the kernel refused (error messages it sent back) */
} __attribute__((aligned(CACHELINE)));

/* The kernel's own view of a queue, from /proc/net/netfilter/nfnetlink_queue. */
struct nfqio_kstats {
	uint32_t portid;
	uint32_t queue_total;	/* packets waiting for a verdict now */
	uint64_t queue_dropped;	/* dropped by the kernel: queue full */
	uint64_t user_dropped;	/* dropped by the kernel: could not send to us (socket full) */
	uint64_t id_sequence;	/* last packet id: packets queued since bind */
};

/*
 * Open a netlink socket, bind it to o->queue (copy whole packets, GSO and, when asked,
 * FAIL_OPEN in one flags attribute), size the buffers. Returns NULL with a message in *dl
 * naming the queue and the cause (EBUSY: another process holds it; EPERM: needs
 * CAP_NET_ADMIN). Control path; allocates.
 */
struct nfqio_queue *nfqio_open(const struct nfqio_opts *o, struct diag_list *dl) MUST_CHECK;

/* Unbind and close. Packets still pending in the kernel get the kernel's default. NULL ok. */
void nfqio_close(struct nfqio_queue *q);

/* Judge callback: fill *v for *p. Called on the queue's thread, once per packet, in order. */
typedef void (*nfqio_judge_fn)(void *arg, const struct nfqio_pkt *p, struct nfqio_verdict *v);

/*
 * Receive one burst (blocking for the first packet unless nonblock), judge every packet with
 * judge() and send all verdicts in one sendto. Returns the number of packets judged, 0 when
 * interrupted (EINTR), when nothing was waiting (nonblock) or after an ENOBUFS (counted), and
 * -1 with errno on a fatal socket error. The queue's thread only.
 */
int nfqio_run_burst(struct nfqio_queue *q, nfqio_judge_fn judge, void *arg, bool nonblock);

/* The queue's counters (owned by q; read from any thread). */
const struct nfqio_stats *nfqio_stats(const struct nfqio_queue *q);

/* The queue number. */
uint16_t nfqio_queue_num(const struct nfqio_queue *q);

/*
 * Read the kernel's counters of `queue` in the caller's network namespace. Returns 0, or -1
 * when the queue is not listed (not bound) or the file cannot be read. Control path.
 */
int nfqio_kernel_stats(uint16_t queue, struct nfqio_kstats *out) MUST_CHECK;

/*
 * Link watcher: a NETLINK_ROUTE socket subscribed to link changes, so that the interface map
 * can be rebuilt when devices appear, vanish or are renamed. nfqio_linkwatch_fd() is for
 * poll(); nfqio_linkwatch_drain() reads what is pending and returns 1 when a link changed,
 * 0 when not, -1 on error. Control thread.
 */
struct nfqio_linkwatch;
struct nfqio_linkwatch *nfqio_linkwatch_open(struct diag_list *dl) MUST_CHECK;
int nfqio_linkwatch_fd(const struct nfqio_linkwatch *w);
int nfqio_linkwatch_drain(struct nfqio_linkwatch *w);
void nfqio_linkwatch_close(struct nfqio_linkwatch *w);

#endif
