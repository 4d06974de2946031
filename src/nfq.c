// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nfq: NFQUEUE I/O with libmnl and the nfq_nlmsg_* helpers of libnetfilter_queue.
 *
 * Per burst: one recvmmsg (MSG_WAITFORONE: block for the first packet, then take what is
 * already waiting), judge each packet in order, one sendto with the verdicts. Runs of equal
 * verdicts collapse into NFQNL_MSG_VERDICT_BATCH. The kernel sends each queued packet as its
 * own datagram and enqueues it only once that send succeeded, so by the time we answer a
 * burst every lower id has been answered already and a batch verdict covers exactly the run.
 */
#define _GNU_SOURCE
#include "ipsecfw/nfq.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <linux/rtnetlink.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "ipsecfw/counters.h"

#define BURST		32			/* packets per receive call at most */
#define SLOT_SIZE	(68 * 1024)		/* a whole packet plus its attributes; 8-aligned */
#define COPY_RANGE	0xffff
#define VBUF_SIZE	(BURST * 64)		/* verdict messages of one burst, ~40 bytes each */
#define DEFAULT_RCVBUF	(8 << 20)
#define CFG_BUF_SIZE	8192			/* config messages and their acks */

struct pending {
	uint32_t id;
	uint32_t mark;
	bool accept;
	bool has_mark;
};

/* Hot first: the counters and the socket, then the receive and verdict areas. */
struct nfqio_queue {
	struct nfqio_stats stats;
	int fd;
	uint16_t queue;
	struct mnl_socket *nl;
	struct mmsghdr msgs[BURST];
	struct iovec iov[BURST];
	struct pending pend[BURST];
	struct mnl_nlmsg_batch *batch;
	uint8_t *slots;			/* BURST * SLOT_SIZE */
	uint8_t vbuf[2 * VBUF_SIZE];	/* mnl batches may overrun their size by one message */
};

static bool parse_packet(const struct nlmsghdr *nlh, struct nfqio_pkt *p);

struct stray {
	struct mnl_socket *nl;
	uint16_t queue;
	unsigned dropped;
};

/*
 * A packet can be queued to us between the kernel switching the copy mode on and sending the
 * acknowledgement we wait for. It must not be left pending (a later batch verdict would cover
 * its id): answer it on the spot, fail-closed.
 */
static int stray_packet(const struct nlmsghdr *nlh, void *data)
{
	char buf[256] __attribute__((aligned(4)));
	struct stray *st = data;
	struct nlmsghdr *v;
	struct nfqio_pkt p;

	if ((nlh->nlmsg_type & 0xff) != NFQNL_MSG_PACKET || !parse_packet(nlh, &p))
		return MNL_CB_OK;
	v = nfq_nlmsg_put(buf, NFQNL_MSG_VERDICT, st->queue);
	nfq_nlmsg_verdict_put(v, (int)p.id, NF_DROP);
	if (mnl_socket_sendto(st->nl, v, v->nlmsg_len) >= 0)
		st->dropped++;
	return MNL_CB_OK;
}

/* Send a config message and wait for the kernel's acknowledgement. */
static int config_send(struct nfqio_queue *q, struct nlmsghdr *nlh, char *buf, size_t size)
{
	struct stray st = { q->nl, q->queue, 0 };
	unsigned portid = mnl_socket_get_portid(q->nl);
	uint32_t seq = (uint32_t)time(NULL);
	ssize_t n;
	int ret;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	for (;;) {
		n = mnl_socket_recvfrom(q->nl, buf, size);
		if (n < 0)
			return -1;
		/* Packets carry sequence number 0: let them through the sequence check. */
		ret = mnl_cb_run(buf, (size_t)n, 0, portid, stray_packet, &st);
		q->stats.unjudgeable += st.dropped;
		st.dropped = 0;
		if (ret <= MNL_CB_STOP)
			return ret < 0 ? -1 : 0;
	}
}

static int set_rcvbuf(int fd, int size)
{
	/* SO_RCVBUFFORCE passes the rmem_max cap with CAP_NET_ADMIN; fall back to the capped one. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) == 0)
		return 0;
	return setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

static const char *bind_cause(int err)
{
	switch (err) {
	case EBUSY:
		return "another process is bound to it";
	case EPERM:
		return "operation not permitted (needs CAP_NET_ADMIN)";
	default:
		return strerror(err);
	}
}

struct nfqio_queue *nfqio_open(const struct nfqio_opts *o, struct diag_list *dl)
{
	char buf[CFG_BUF_SIZE];
	struct nfqio_queue *q;
	struct nlmsghdr *nlh;
	char qname[16];
	uint32_t flags;
	int one = 1;

	snprintf(qname, sizeof(qname), "queue %u", o->queue);
	q = aligned_alloc(CACHELINE, (sizeof(*q) + CACHELINE - 1) & ~(size_t)(CACHELINE - 1));
	if (!q) {
		diag_add(dl, qname, 0, 0, "out of memory");
		return NULL;
	}
	memset(q, 0, sizeof(*q));
	q->queue = o->queue;
	q->slots = malloc((size_t)BURST * SLOT_SIZE);
	if (!q->slots) {
		diag_add(dl, qname, 0, 0, "out of memory");
		goto err_free_q;
	}
	q->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!q->nl) {
		diag_add(dl, qname, 0, 0, "netlink socket: %s", strerror(errno));
		goto err_free_slots;
	}
	if (mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		diag_add(dl, qname, 0, 0, "netlink bind: %s", strerror(errno));
		goto err_close;
	}
	q->fd = mnl_socket_get_fd(q->nl);

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, o->queue);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	if (config_send(q, nlh, buf, sizeof(buf)) < 0) {
		struct nfqio_kstats k;
		int err = errno;

		/* The kernel says EPERM both without CAP_NET_ADMIN and when another socket holds
		 * the queue; its table tells the two apart. */
		if (nfqio_kernel_stats(o->queue, &k) == 0)
			diag_add(dl, qname, 0, 0, "cannot bind: already bound by another process "
				 "(netlink port id %u); is another ipsecfwd running?", k.portid);
		else
			diag_add(dl, qname, 0, 0, "cannot bind: %s", bind_cause(err));
		goto err_close;
	}

	/* Copy mode, and every flag in ONE attribute: a second NFQA_CFG_FLAGS replaces the first. */
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, o->queue);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, COPY_RANGE);
	flags = NFQA_CFG_F_GSO | (o->fail_open ? NFQA_CFG_F_FAIL_OPEN : 0);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(flags));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_GSO | NFQA_CFG_F_FAIL_OPEN));
	if (o->maxlen)
		nfq_nlmsg_cfg_put_qmaxlen(nlh, o->maxlen);
	if (config_send(q, nlh, buf, sizeof(buf)) < 0) {
		diag_add(dl, qname, 0, 0, "cannot configure copy mode and flags: %s",
			 strerror(errno));
		goto err_close;
	}

	if (set_rcvbuf(q->fd, o->rcvbuf > 0 ? o->rcvbuf : DEFAULT_RCVBUF) < 0) {
		diag_add(dl, qname, 0, 0, "receive buffer: %s",
			 strerror(errno));
		goto err_close;
	}
	/* Extended acks carry the kernel's message for a refused verdict; harmless if absent. */
	(void)setsockopt(q->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));

	for (unsigned i = 0; i < BURST; i++) {
		q->iov[i] = (struct iovec){ q->slots + (size_t)i * SLOT_SIZE, SLOT_SIZE };
		q->msgs[i].msg_hdr = (struct msghdr){ .msg_iov = &q->iov[i], .msg_iovlen = 1 };
	}
	q->batch = mnl_nlmsg_batch_start(q->vbuf, VBUF_SIZE);
	if (!q->batch) {
		diag_add(dl, qname, 0, 0, "out of memory");
		goto err_close;
	}
	return q;

err_close:
	mnl_socket_close(q->nl);
err_free_slots:
	free(q->slots);
err_free_q:
	free(q);
	return NULL;
}

void nfqio_close(struct nfqio_queue *q)
{
	char buf[CFG_BUF_SIZE];
	struct nlmsghdr *nlh;

	if (!q)
		return;
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->queue);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_UNBIND);
	(void)mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len);
	mnl_socket_close(q->nl);
	mnl_nlmsg_batch_stop(q->batch);
	free(q->slots);
	free(q);
}

const struct nfqio_stats *nfqio_stats(const struct nfqio_queue *q)
{
	return &q->stats;
}

uint16_t nfqio_queue_num(const struct nfqio_queue *q)
{
	return q->queue;
}

/* Parse one packet message; returns false when it carries no packet header (no verdict). */
static bool parse_packet(const struct nlmsghdr *nlh, struct nfqio_pkt *p)
{
	struct nlattr *attr[NFQA_MAX + 1] = { 0 };
	const struct nfqnl_msg_packet_hdr *ph;

	if (nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR] ||
	    mnl_attr_get_payload_len(attr[NFQA_PACKET_HDR]) < sizeof(*ph))
		return false;
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	*p = (struct nfqio_pkt){
		.id = ntohl(ph->packet_id),
		.hw_proto = ntohs(ph->hw_protocol),
	};
	if (attr[NFQA_PAYLOAD]) {
		p->data = mnl_attr_get_payload(attr[NFQA_PAYLOAD]);
		p->len = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
	}
	if (attr[NFQA_IFINDEX_INDEV])
		p->indev = ntohl(mnl_attr_get_u32(attr[NFQA_IFINDEX_INDEV]));
	if (attr[NFQA_IFINDEX_OUTDEV])
		p->outdev = ntohl(mnl_attr_get_u32(attr[NFQA_IFINDEX_OUTDEV]));
	return true;
}

static void put_verdict(struct nfqio_queue *q, int type, const struct pending *v)
{
	struct nlmsghdr *nlh = nfq_nlmsg_put(mnl_nlmsg_batch_current(q->batch), type, q->queue);

	nfq_nlmsg_verdict_put(nlh, (int)v->id, v->accept ? NF_ACCEPT : NF_DROP);
	if (v->has_mark)
		nfq_nlmsg_verdict_put_mark(nlh, v->mark);
	(void)mnl_nlmsg_batch_next(q->batch);	/* bounded: VBUF_SIZE holds BURST messages */
	counters_add(type == NFQNL_MSG_VERDICT_BATCH ? &q->stats.batches : &q->stats.singles, 1);
}

static bool same(const struct pending *a, const struct pending *b)
{
	return a->accept == b->accept && a->has_mark == b->has_mark &&
	       (!a->has_mark || a->mark == b->mark);
}

static int send_verdicts(struct nfqio_queue *q, unsigned n)
{
	unsigned i = 0, j;

	mnl_nlmsg_batch_reset(q->batch);
	while (i < n) {
		for (j = i; j + 1 < n && same(&q->pend[j + 1], &q->pend[i]); j++)
			;
		put_verdict(q, j > i ? NFQNL_MSG_VERDICT_BATCH : NFQNL_MSG_VERDICT, &q->pend[j]);
		i = j + 1;
	}
	if (mnl_nlmsg_batch_is_empty(q->batch))
		return 0;
	counters_add(&q->stats.sends, 1);
	if (mnl_socket_sendto(q->nl, mnl_nlmsg_batch_head(q->batch),
			      mnl_nlmsg_batch_size(q->batch)) < 0) {
		counters_add(&q->stats.send_errors, 1);
		return -1;
	}
	return 0;
}

int nfqio_run_burst(struct nfqio_queue *q, nfqio_judge_fn judge, void *arg, bool nonblock)
{
	struct nfqio_verdict v;
	struct nfqio_pkt p;
	unsigned npend = 0;
	int n;

	n = recvmmsg(q->fd, q->msgs, BURST, nonblock ? MSG_DONTWAIT : MSG_WAITFORONE, NULL);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		if (errno == ENOBUFS) {
			/* The socket overflowed: the kernel dropped (or, fail-open, accepted) packets;
			 * its user_dropped counter has them. Go on. */
			counters_add(&q->stats.enobufs, 1);
			return 0;
		}
		return -1;
	}
	counters_add(&q->stats.bursts, 1);
	for (int i = 0; i < n; i++) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)q->iov[i].iov_base;
		int left = (int)q->msgs[i].msg_len;

		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				/* Verdicts go out without NLM_F_ACK: an error message here is the
				 * kernel refusing one (unknown id, lost capability). Count it. */
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

				if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error)
					counters_add(&q->stats.verdict_errors, 1);
				continue;
			}
			if ((nlh->nlmsg_type & 0xff) != NFQNL_MSG_PACKET ||
			    (nlh->nlmsg_type >> 8) != NFNL_SUBSYS_QUEUE)
				continue;	/* nothing to answer */
			if (!parse_packet(nlh, &p)) {
				counters_add(&q->stats.malformed, 1);
				continue;
			}
			counters_add(&q->stats.packets, 1);
			if (!p.data) {
				/* Without bytes there is nothing to judge: fail closed. */
				counters_add(&q->stats.unjudgeable, 1);
				v = (struct nfqio_verdict){ .accept = false };
			} else {
				judge(arg, &p, &v);
			}
			if (npend == BURST) {	/* more messages than slots: flush and go on */
				if (send_verdicts(q, npend) < 0)
					return -1;
				npend = 0;
			}
			q->pend[npend++] = (struct pending){ p.id, v.mark, v.accept, v.has_mark };
		}
	}
	if (send_verdicts(q, npend) < 0)
		return -1;
	return (int)npend;
}

int nfqio_kernel_stats(uint16_t queue, struct nfqio_kstats *out)
{
	unsigned qn, portid, total, mode, range, id_seq;
	unsigned long long qdrop, udrop;
	char line[256];
	int ret = -1;
	FILE *f;

	f = fopen("/proc/net/netfilter/nfnetlink_queue", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%u %u %u %u %u %llu %llu %u", &qn, &portid, &total, &mode, &range,
			   &qdrop, &udrop, &id_seq) != 8 || qn != queue)
			continue;
		*out = (struct nfqio_kstats){ portid, total, qdrop, udrop, id_seq };
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

struct nfqio_linkwatch {
	struct mnl_socket *nl;
	uint8_t buf[16384];
};

struct nfqio_linkwatch *nfqio_linkwatch_open(struct diag_list *dl)
{
	struct nfqio_linkwatch *w = malloc(sizeof(*w));

	if (!w) {
		diag_add(dl, "links", 0, 0, "out of memory");
		return NULL;
	}
	w->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!w->nl || mnl_socket_bind(w->nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
		diag_add(dl, "links", 0, 0, "route netlink socket: %s", strerror(errno));
		if (w->nl)
			mnl_socket_close(w->nl);
		free(w);
		return NULL;
	}
	return w;
}

int nfqio_linkwatch_fd(const struct nfqio_linkwatch *w)
{
	return mnl_socket_get_fd(w->nl);
}

int nfqio_linkwatch_drain(struct nfqio_linkwatch *w)
{
	int changed = 0;

	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(w->nl), w->buf, sizeof(w->buf), MSG_DONTWAIT);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)w->buf;
		int left = (int)n;

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return changed;
			if (errno == ENOBUFS)	/* missed some: assume a change */
				return 1;
			return -1;
		}
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
			if (nlh->nlmsg_type == RTM_NEWLINK || nlh->nlmsg_type == RTM_DELLINK)
				changed = 1;
	}
}

void nfqio_linkwatch_close(struct nfqio_linkwatch *w)
{
	if (!w)
		return;
	mnl_socket_close(w->nl);
	free(w);
}
