/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef IPSECFW_PCAPIO_H
#define IPSECFW_PCAPIO_H

#include <stddef.h>
#include <stdint.h>

#include "ipsecfw/util.h"

/*
 * pcapio: reading captures for `ipsecfw replay` (pcap and pcapng, through libpcap). Frames are
 * stripped of their link layer so that the engine sees what NFQUEUE would hand it: the packet
 * from its IP header on. Link types: Ethernet (with up to two VLAN tags), raw IP, Linux cooked
 * (SLL and SLL2), BSD loopback. Control path: one reader per thread.
 */
struct pcapio_reader;

enum pcapio_status {
	PCAPIO_PACKET = 0,	/* frame->l3 points at an IPv4 or IPv6 header */
	PCAPIO_SKIP,		/* a frame that carries no IP (ARP, ...) or that the capture cut
				 * short (snaplen): frame->skip says why */
	PCAPIO_EOF,
	PCAPIO_ERROR,		/* read error; a diagnostic was added */
};

struct pcapio_frame {
	const uint8_t *l3;	/* borrowed, valid until the next pcapio_next() */
	size_t l3_len;		/* captured bytes from the IP header on */
	size_t wire_len;	/* original length on the wire, link layer included */
	uint64_t ts_us;		/* timestamp, microseconds since the epoch */
	const char *skip;	/* PCAPIO_SKIP only: a short reason */
};

/* Open a capture; NULL with a diagnostic naming the file when it cannot be read. */
struct pcapio_reader *pcapio_open(const char *path, struct diag_list *dl) MUST_CHECK;

/* Next frame. On PCAPIO_ERROR a diagnostic is added to dl. */
enum pcapio_status pcapio_next(struct pcapio_reader *r, struct pcapio_frame *f,
			       struct diag_list *dl);

/* The capture's link type as libpcap names it ("EN10MB", "RAW", "LINUX_SLL2", ...). */
const char *pcapio_linktype(const struct pcapio_reader *r);

void pcapio_close(struct pcapio_reader *r);

#endif
