// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * make bench: the ceiling for any NFQUEUE consumer. Binds queue N with the libmnl-based
 * nfq_nlmsg_* API, copies whole packets (range 0xffff, GSO super-packets unsegmented),
 * receives bursts with recvmmsg() and accepts each burst with one NFQNL_MSG_VERDICT_BATCH
 * carrying the highest packet id of the burst: one sendto() per burst, no decoding at all.
 *
 *   nfq_acceptall QUEUE
 *
 * ENOBUFS (the socket overran and the kernel dropped packets) is counted, never fatal.
 * SIGTERM or SIGINT: the burst in hand is accepted, the counts go to stderr, exit 0.
 */
#define _GNU_SOURCE		/* recvmmsg */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#define SLOTS 32			/* datagrams per recvmmsg() */
#define SLOT_SIZE (0xffff + 8192)	/* a whole 64 KiB packet plus its attributes */
#define CTL_SIZE 8192		/* configuration and verdict messages */
#define RCVBUF_BYTES (64 << 20)		/* SO_RCVBUFFORCE: ride out bursts */

static char rx[SLOTS][SLOT_SIZE];
static volatile sig_atomic_t stop;

struct totals {
	unsigned long long packets;	/* packet messages received and accepted */
	unsigned long long bursts;	/* recvmmsg() calls that returned packets */
	unsigned long long enobufs;	/* receive overruns reported by the kernel */
};

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "nfq_acceptall: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Send one configuration message and wait for its acknowledgement. */
static void cfg_send(struct mnl_socket *nl, struct nlmsghdr *nlh, const char *what)
{
	char buf[CTL_SIZE];
	uint32_t portid = mnl_socket_get_portid(nl);
	ssize_t n;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		die(what);
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0 || mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, NULL, NULL) < 0)
		die(what);
}

static void queue_bind(struct mnl_socket *nl, uint16_t queue)
{
	char buf[CTL_SIZE];
	struct nlmsghdr *nlh;

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_BIND);
	cfg_send(nl, nlh, "bind queue");

	/* Copy mode and the flags in one message; one NFQA_CFG_FLAGS attribute. */
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, 0xffff);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(NFQA_CFG_F_GSO));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(NFQA_CFG_F_GSO));
	cfg_send(nl, nlh, "set copy mode and flags");
}

static void rcvbuf_grow(int fd)
{
	int size = RCVBUF_BYTES;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
		fprintf(stderr, "nfq_acceptall: receive buffer: %s\n", strerror(errno));
}

/* The highest packet id among the NFQNL_MSG_PACKET messages of one datagram. */
static uint32_t datagram_max_id(const char *buf, size_t len, unsigned long long *packets)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	int left = (int)len;
	uint32_t max_id = 0;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		struct nlattr *attr[NFQA_MAX + 1] = { 0 };
		const struct nfqnl_msg_packet_hdr *ph;
		uint32_t id;

		if ((nlh->nlmsg_type & 0xff) != NFQNL_MSG_PACKET ||
		    nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR])
			continue;
		ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
		id = ntohl(ph->packet_id);
		if (id > max_id)
			max_id = id;
		(*packets)++;
	}
	return max_id;
}

static void verdict_batch(struct mnl_socket *nl, uint16_t queue, uint32_t max_id)
{
	char buf[CTL_SIZE];
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_VERDICT_BATCH, queue);

	nfq_nlmsg_verdict_put(nlh, (int)max_id, NF_ACCEPT);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		fprintf(stderr, "nfq_acceptall: verdict: %s\n", strerror(errno));
}

static void run(struct mnl_socket *nl, uint16_t queue, struct totals *t)
{
	static struct mmsghdr msgs[SLOTS];
	static struct iovec iov[SLOTS];
	int fd = mnl_socket_get_fd(nl);
	int i, n;

	for (i = 0; i < SLOTS; i++) {
		iov[i].iov_base = rx[i];
		iov[i].iov_len = SLOT_SIZE;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (!stop) {
		uint32_t max_id = 0;

		n = recvmmsg(fd, msgs, SLOTS, MSG_WAITFORONE, NULL);
		if (n < 0) {
			if (errno == ENOBUFS)
				t->enobufs++;
			else if (errno != EINTR)
				die("recvmmsg");
			continue;
		}
		for (i = 0; i < n; i++) {
			uint32_t id = datagram_max_id(rx[i], msgs[i].msg_len, &t->packets);

			if (id > max_id)
				max_id = id;
		}
		if (max_id) {
			verdict_batch(nl, queue, max_id);
			t->bursts++;
		}
	}
}

int main(int argc, char **argv)
{
	struct totals t = { 0 };
	struct sigaction act = { .sa_handler = on_signal };	/* no SA_RESTART */
	struct mnl_socket *nl;
	unsigned long queue;
	char *end;

	if (argc != 2 || (queue = strtoul(argv[1], &end, 10), *end || queue > 65535)) {
		fprintf(stderr, "usage: nfq_acceptall QUEUE\n");
		return 2;
	}
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl)
		die("netlink socket");
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink bind");
	rcvbuf_grow(mnl_socket_get_fd(nl));
	queue_bind(nl, (uint16_t)queue);

	run(nl, (uint16_t)queue, &t);

	mnl_socket_close(nl);
	fprintf(stderr, "nfq_acceptall: queue %lu: %llu packets judged in %llu bursts, "
		"%llu enobufs\n", queue, t.packets, t.bursts, t.enobufs);
	return 0;
}
