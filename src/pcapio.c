// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcapio: capture files in, IP packets out. libpcap reads pcap and pcapng; this module strips
 * the link layer (Ethernet and 802.1Q/802.1ad tags, Linux cooked v1/v2, BSD loopback, raw IP)
 * so that replay feeds the engine exactly what NFQUEUE would. Frame contents are untrusted:
 * every link-layer length is checked against the captured bytes.
 */
#include "ipsecfw/pcapio.h"

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8
#define MAX_VLAN_TAGS 2

struct pcapio_reader {
	pcap_t *p;
	int dlt;
	char path[128];
};

struct pcapio_reader *pcapio_open(const char *path, struct diag_list *dl)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	struct pcapio_reader *r;
	pcap_t *p;

	p = pcap_open_offline(path, err);
	if (!p) {
		diag_add(dl, path, 0, 0, "cannot read capture: %s", err);
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->p = p;
	r->dlt = pcap_datalink(p);
	snprintf(r->path, sizeof(r->path), "%s", path);
	switch (r->dlt) {
	case DLT_EN10MB: case DLT_RAW: case DLT_IPV4: case DLT_IPV6:
	case DLT_LINUX_SLL: case DLT_LINUX_SLL2: case DLT_NULL: case DLT_LOOP:
		return r;
	}
	diag_add(dl, path, 0, 0, "unsupported link type %s (%d)",
		 pcap_datalink_val_to_name(r->dlt) ? pcap_datalink_val_to_name(r->dlt) : "?",
		 r->dlt);
	pcapio_close(r);
	return NULL;
}

const char *pcapio_linktype(const struct pcapio_reader *r)
{
	const char *n = pcap_datalink_val_to_name(r->dlt);

	return n ? n : "unknown";
}

void pcapio_close(struct pcapio_reader *r)
{
	if (!r)
		return;
	pcap_close(r->p);
	free(r);
}

static bool ethertype_ok(uint16_t et)
{
	return et == ETH_P_IP || et == ETH_P_IPV6;
}

/* Offset of the IP header in an Ethernet frame, or -1. */
static long strip_ether(const uint8_t *b, size_t n, const char **why)
{
	size_t off = 12;
	uint16_t et;
	int tags;

	for (tags = 0; tags <= MAX_VLAN_TAGS; tags++) {
		if (n < off + 2) {
			*why = "short Ethernet header";
			return -1;
		}
		et = load_be16(b + off);
		if (et != ETH_P_8021Q && et != ETH_P_8021AD)
			break;
		off += 4;
	}
	if (!ethertype_ok(et)) {
		*why = tags > MAX_VLAN_TAGS ? "too many VLAN tags" : "not IP";
		return -1;
	}
	return (long)off + 2;
}

/* Offset of the IP header under any supported link type, or -1 with *why set. */
static long strip_link(int dlt, const uint8_t *b, size_t n, const char **why)
{
	size_t hlen;
	uint32_t af;

	switch (dlt) {
	case DLT_EN10MB:
		return strip_ether(b, n, why);
	case DLT_LINUX_SLL:	/* 16 bytes, protocol at 14 */
		hlen = 16;
		if (n >= hlen && ethertype_ok(load_be16(b + 14)))
			return (long)hlen;
		break;
	case DLT_LINUX_SLL2:	/* 20 bytes, protocol at 0 */
		hlen = 20;
		if (n >= hlen && ethertype_ok(load_be16(b)))
			return (long)hlen;
		break;
	case DLT_NULL: case DLT_LOOP:	/* 4-byte address family, host or network order */
		hlen = 4;
		if (n < hlen)
			break;
		af = load_be32(b);
		if (af == 2 || af == 24 || af == 28 || af == 30 ||
		    af == 0x02000000 || af == 0x18000000 || af == 0x1c000000 || af == 0x1e000000)
			return (long)hlen;
		break;
	default:		/* raw IP */
		return 0;
	}
	*why = n < hlen ? "short link-layer header" : "not IP";
	return -1;
}

enum pcapio_status pcapio_next(struct pcapio_reader *r, struct pcapio_frame *f,
			       struct diag_list *dl)
{
	struct pcap_pkthdr *h;
	const u_char *b;
	long off;
	int rc;

	memset(f, 0, sizeof(*f));
	rc = pcap_next_ex(r->p, &h, &b);
	if (rc == PCAP_ERROR_BREAK)
		return PCAPIO_EOF;
	if (rc != 1) {
		diag_add(dl, r->path, 0, 0, "read error: %s", pcap_geterr(r->p));
		return PCAPIO_ERROR;
	}
	f->wire_len = h->len;
	f->ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
	/*
	 * A frame the capture cut short (snaplen) would look malformed to the decoder although
	 * it was not: NFQUEUE always hands over whole packets. It is skipped, not judged.
	 */
	if (h->caplen < h->len) {
		f->skip = "cut short by the capture's snapshot length";
		return PCAPIO_SKIP;
	}
	off = strip_link(r->dlt, b, h->caplen, &f->skip);
	if (off < 0)
		return PCAPIO_SKIP;
	f->l3 = b + off;
	f->l3_len = h->caplen - (size_t)off;
	return PCAPIO_PACKET;
}
