// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * decode: the packet decoder. It walks IPv4 (RFC 791) and IPv6 (RFC 8200 §4, the
 * extension-header chain), AH (RFC 4302 §2), ESP (RFC 4303 §2, SPI and sequence number only),
 * tunnel mode (IP in IP behind AH), TCP, UDP, ICMP, ICMPv6, and tells IKE apart from
 * NAT-T keepalives and ESP-in-UDP on UDP 500/4500 (RFC 3948 §2, RFC 7296 §2.23).
 *
 * Every byte here is attacker-controlled. Each length is checked against the end of the IP
 * datagram that contains it, and that end is checked against the captured bytes when the IP
 * header is decoded, so nothing is read outside [data, data + len). Nesting is walked by a
 * loop over a small cursor (struct walk), never by recursion; extension headers, IP headers
 * and IPsec headers each have a fixed limit, so the time per packet is bounded.
 *
 * Threading: no state outside the caller's struct decode_pkt; any thread may call it.
 */
#include "ipsecfw/decode.h"

#include <stddef.h>
#include <string.h>

#include "ipsecfw/util.h"

#define IP4_HDR_MIN 20
#define IP6_HDR_LEN 40
#define EXTHDR_MIN 8		/* every IPv6 extension header is a multiple of 8 bytes */
#define AH_HDR_MIN 12		/* next header, length, reserved, SPI, sequence number */
#define ESP_HDR_LEN 8		/* SPI and sequence number; the rest is encrypted */
#define TCP_HDR_MIN 20
#define UDP_HDR_LEN 8
#define ICMP_HDR_MIN 4		/* type, code, checksum: the part every message has */
#define ISAKMP_HDR_LEN 28	/* RFC 7296 §3.1 */
#define NON_ESP_MARKER_LEN 4	/* RFC 3948 §2.2 */
#define IKE_PORT 500
#define NATT_PORT 4500
#define KEEPALIVE_BYTE 0xff	/* RFC 3948 §2.3 */

/* Each step of the main loop adds an IP or IPsec header or ends the walk. */
#define WALK_MAX_STEPS (2 * DECODE_MAX_DEPTH + 2)

/*
 * The decoder's cursor. `ip` is the innermost IP header decoded so far and `end` the end of
 * its datagram (off + total length): every header below it must end at or before `end`.
 */
struct walk {
	struct decode_pkt *p;
	struct decode_ip *ip;
	uint32_t off;		/* the header to decode next */
	uint32_t end;		/* end of the innermost IP datagram */
	uint8_t nh;		/* protocol number of the header at `off` */
	uint8_t n_ip;		/* IP headers decoded (outer included) */
	bool frag_seen;		/* an IPv6 fragment header in the current IP header's chain */
	bool done;		/* nothing more to decode (L4, ESP, non-first fragment, ...) */
};

static const char *const result_names[] = {
	[DECODE_OK] = "ok",
	[DECODE_TRUNCATED] = "truncated",
	[DECODE_BAD_VERSION] = "bad-version",
	[DECODE_BAD_IHL] = "bad-ihl",
	[DECODE_BAD_LENGTH] = "bad-length",
	[DECODE_BAD_ALIGNMENT] = "bad-alignment",
	[DECODE_BAD_AH_LENGTH] = "bad-ah-length",
	[DECODE_BAD_TCP_OFFSET] = "bad-tcp-offset",
	[DECODE_BAD_EXTHDR] = "bad-exthdr",
	[DECODE_CHAIN_TOO_LONG] = "chain-too-long",
	[DECODE_TOO_DEEP] = "too-deep",
};

_Static_assert(ARRAY_SIZE(result_names) == DECODE_RESULT_MAX, "decode result names out of step");

static const char *const ike_names[] = {
	[DECODE_IKE_NONE] = "none",
	[DECODE_IKE_ISAKMP] = "isakmp",
	[DECODE_IKE_NATT] = "nat-t-ike",
	[DECODE_IKE_ESP_IN_UDP] = "esp-in-udp",
	[DECODE_IKE_KEEPALIVE] = "keepalive",
	[DECODE_IKE_SHORT] = "short",
};

_Static_assert(ARRAY_SIZE(ike_names) == DECODE_IKE_MAX, "decode IKE names out of step");

const char *decode_result_name(enum decode_result r)
{
	if ((unsigned)r >= DECODE_RESULT_MAX)
		return "unknown";
	return result_names[r];
}

const char *decode_ike_name(enum decode_ike k)
{
	if ((unsigned)k >= DECODE_IKE_MAX)
		return "unknown";
	return ike_names[k];
}

/* Bytes left in the innermost datagram from `off`; off <= end always holds. */
static uint32_t avail(const struct walk *w, uint32_t off)
{
	return w->end - off;
}

static bool is_exthdr(uint8_t nh)
{
	return nh == DECODE_PROTO_HOPOPTS || nh == DECODE_PROTO_ROUTING ||
	       nh == DECODE_PROTO_FRAGMENT || nh == DECODE_PROTO_DSTOPTS;
}

/* RFC 8200 §4.5. A second fragment header in one chain is an evasion attempt, not data. */
static enum decode_result ip6_fragment(struct walk *w, const uint8_t *h)
{
	uint16_t fo = load_be16(h + 2);
	uint16_t frag_off = fo >> 3;

	if (w->frag_seen)
		return DECODE_BAD_EXTHDR;
	w->frag_seen = true;
	w->ip->fragment = frag_off != 0 || (fo & 1);
	w->ip->first_fragment = frag_off == 0;
	return DECODE_OK;
}

/* One routing, fragment or options header at w->off; moves the cursor past it. */
static enum decode_result ip6_exthdr(struct walk *w)
{
	const uint8_t *h;
	uint32_t len = EXTHDR_MIN;
	enum decode_result r;

	if (avail(w, w->off) < EXTHDR_MIN)
		return DECODE_TRUNCATED;
	h = w->p->data + w->off;
	if (w->nh != DECODE_PROTO_FRAGMENT)
		len = ((uint32_t)h[1] + 1) * 8;
	if (len > avail(w, w->off))
		return DECODE_TRUNCATED;
	if (w->nh == DECODE_PROTO_FRAGMENT) {
		r = ip6_fragment(w, h);
		if (r != DECODE_OK)
			return r;
	}
	w->ip->n_exthdrs++;
	w->nh = h[0];
	w->off += len;
	/* A non-first fragment carries no upper-layer header: stop here. */
	w->done = !w->ip->first_fragment;
	return DECODE_OK;
}

/*
 * Walk IPv6 extension headers from the cursor until a header that is not one, or a
 * non-first fragment. Hop-by-hop is legal only as the first header after the fixed IPv6
 * header (hbh_ok); the limit counts every extension header of the current IP header,
 * including those after AH.
 */
static enum decode_result ip6_chain(struct walk *w, bool hbh_ok)
{
	enum decode_result r;
	unsigned i;

	for (i = 0; i <= DECODE_MAX_EXTHDRS; i++) {
		if (!is_exthdr(w->nh))
			return DECODE_OK;
		if (w->nh == DECODE_PROTO_HOPOPTS && !(hbh_ok && i == 0))
			return DECODE_BAD_EXTHDR;
		if (w->ip->n_exthdrs >= DECODE_MAX_EXTHDRS)
			return DECODE_CHAIN_TOO_LONG;
		r = ip6_exthdr(w);
		if (r != DECODE_OK || w->done)
			return r;
	}
	return DECODE_CHAIN_TOO_LONG;
}

/* RFC 791 §3.1. Bytes after the total length (Ethernet padding) are not part of it. */
static enum decode_result ip4_fixed(struct walk *w, struct decode_ip *ip)
{
	const uint8_t *h = w->p->data + ip->off;
	uint32_t ihl, total;
	uint16_t fo;

	if (avail(w, ip->off) < IP4_HDR_MIN)
		return DECODE_TRUNCATED;
	ihl = (uint32_t)(h[0] & 0x0f) * 4;
	total = load_be16(h + 2);
	if (ihl < IP4_HDR_MIN || total < ihl)
		return DECODE_BAD_IHL;
	if (total > avail(w, ip->off))
		return DECODE_BAD_LENGTH;
	fo = load_be16(h + 6);
	ip->ttl = h[8];
	ip->proto = h[9];
	memcpy(ip->src.b, h + 12, 4);
	memcpy(ip->dst.b, h + 16, 4);
	ip->hdr_len = ihl;
	ip->total_len = total;
	ip->fragment = (fo & 0x3fff) != 0;	/* MF or a fragment offset */
	ip->first_fragment = (fo & 0x1fff) == 0;
	w->end = ip->off + total;
	w->off = ip->off + ihl;
	w->nh = ip->proto;
	w->done = !ip->first_fragment;
	return DECODE_OK;
}

/* RFC 8200 §3 and §4. Payload length 0 announces a jumbogram, which we do not accept. */
static enum decode_result ip6_fixed(struct walk *w, struct decode_ip *ip)
{
	const uint8_t *h = w->p->data + ip->off;
	uint32_t plen;
	enum decode_result r;

	if (avail(w, ip->off) < IP6_HDR_LEN)
		return DECODE_TRUNCATED;
	plen = load_be16(h + 4);
	if (plen == 0 && h[6] != DECODE_PROTO_NONE)
		return DECODE_BAD_LENGTH;
	if (IP6_HDR_LEN + plen > avail(w, ip->off))
		return DECODE_BAD_LENGTH;
	ip->ttl = h[7];
	memcpy(ip->src.b, h + 8, 16);
	memcpy(ip->dst.b, h + 24, 16);
	ip->total_len = IP6_HDR_LEN + plen;
	ip->first_fragment = true;
	w->end = ip->off + ip->total_len;
	w->off = ip->off + IP6_HDR_LEN;
	w->nh = h[6];
	w->frag_seen = false;
	r = ip6_chain(w, true);
	ip->proto = w->nh;
	ip->hdr_len = w->off - ip->off;
	return r;
}

/*
 * Decode the IP header at `off` into *ip and make it the innermost one. `want` is the version
 * the enclosing header announced (4 for IPIP, 6 for IPv6) or 0 for the outer header.
 */
static enum decode_result ip_decode(struct walk *w, struct decode_ip *ip, uint32_t off,
				    uint8_t want)
{
	uint8_t version;

	if (w->n_ip >= DECODE_MAX_DEPTH)
		return DECODE_TOO_DEEP;
	if (avail(w, off) < 1)
		return DECODE_TRUNCATED;
	version = w->p->data[off] >> 4;
	if ((version != 4 && version != 6) || (want && version != want))
		return DECODE_BAD_VERSION;
	memset(ip, 0, sizeof(*ip));
	ip->version = version;
	ip->off = off;
	w->ip = ip;
	w->n_ip++;
	if (version == 4)
		return ip4_fixed(w, ip);
	return ip6_fixed(w, ip);
}

/* A new decode_ipsec entry, or NULL when the nesting limit is reached. */
static struct decode_ipsec *ipsec_add(struct decode_pkt *p, uint8_t proto, uint32_t off,
				      const uint8_t *h)
{
	struct decode_ipsec *s;

	if (p->n_ipsec >= DECODE_MAX_DEPTH)
		return NULL;
	s = &p->ipsec[p->n_ipsec++];
	*s = (struct decode_ipsec){ 0 };
	s->proto = proto;
	s->off = off;
	s->spi = load_be32(h);
	s->seq = load_be32(h + 4);
	return s;
}

/* RFC 4302 §2: the header and its ICV must lie inside the datagram. */
static enum decode_result ah_step(struct walk *w)
{
	const uint8_t *h;
	struct decode_ipsec *s;
	uint32_t len, align = w->ip->version == 6 ? 8 : 4;

	if (w->p->n_ipsec >= DECODE_MAX_DEPTH)
		return DECODE_TOO_DEEP;
	if (avail(w, w->off) < AH_HDR_MIN)
		return DECODE_TRUNCATED;
	h = w->p->data + w->off;
	len = ((uint32_t)h[1] + 2) * 4;
	if (len < AH_HDR_MIN)
		return DECODE_BAD_AH_LENGTH;
	if (len & (align - 1))	/* align is 4 or 8: a mask, not a division */
		return DECODE_BAD_ALIGNMENT;
	if (len > avail(w, w->off))
		return DECODE_TRUNCATED;
	s = ipsec_add(w->p, DECODE_PROTO_AH, w->off, h + 4);
	s->next_hdr = h[0];
	s->hdr_len = len;
	s->icv_off = w->off + AH_HDR_MIN;
	s->icv_len = len - AH_HDR_MIN;
	s->payload_len = avail(w, w->off) - len;
	w->off += len;
	w->nh = h[0];
	/* Destination options (and the like) may follow AH; hop-by-hop may not. */
	if (w->ip->version == 6)
		return ip6_chain(w, false);
	return DECODE_OK;
}

/* RFC 4303 §2: only the SPI and sequence number are in clear. Decoding stops here. */
static enum decode_result esp_step(struct walk *w)
{
	struct decode_ipsec *s;

	if (w->p->n_ipsec >= DECODE_MAX_DEPTH)
		return DECODE_TOO_DEEP;
	if (avail(w, w->off) < ESP_HDR_LEN)
		return DECODE_TRUNCATED;
	s = ipsec_add(w->p, DECODE_PROTO_ESP, w->off, w->p->data + w->off);
	s->hdr_len = ESP_HDR_LEN;
	s->payload_len = avail(w, w->off) - ESP_HDR_LEN;
	w->done = true;
	return DECODE_OK;
}

/* Tunnel mode behind AH: the inner header replaces any shallower inner header. */
static enum decode_result inner_ip_step(struct walk *w)
{
	w->p->has_inner_ip = true;
	return ip_decode(w, &w->p->inner, w->off, w->nh == DECODE_PROTO_IPIP ? 4 : 6);
}

/* RFC 793 §3.1. The first fragment must hold the whole header (RFC 1858). */
static enum decode_result tcp_decode(struct walk *w, struct decode_l4 *l4, const uint8_t *h)
{
	uint32_t doff;

	if (avail(w, l4->off) < TCP_HDR_MIN)
		return DECODE_TRUNCATED;
	doff = (uint32_t)(h[12] >> 4) * 4;
	if (doff < TCP_HDR_MIN || doff > avail(w, l4->off))
		return DECODE_BAD_TCP_OFFSET;
	l4->sport = load_be16(h);
	l4->dport = load_be16(h + 2);
	l4->tcp_flags = h[13];
	l4->payload_off = l4->off + doff;
	l4->payload_len = avail(w, l4->payload_off);
	return DECODE_OK;
}

/*
 * RFC 768. The UDP length must fit the IP payload, except in a first fragment, where it
 * describes the reassembled datagram; the payload is then what this fragment carries.
 */
static enum decode_result udp_decode(struct walk *w, struct decode_l4 *l4, const uint8_t *h)
{
	uint32_t ulen;

	if (avail(w, l4->off) < UDP_HDR_LEN)
		return DECODE_TRUNCATED;
	ulen = load_be16(h + 4);
	if (ulen < UDP_HDR_LEN)
		return DECODE_BAD_LENGTH;
	if (ulen > avail(w, l4->off)) {
		if (!w->ip->fragment)
			return DECODE_BAD_LENGTH;
		ulen = avail(w, l4->off);
	}
	l4->sport = load_be16(h);
	l4->dport = load_be16(h + 2);
	l4->payload_off = l4->off + UDP_HDR_LEN;
	l4->payload_len = ulen - UDP_HDR_LEN;
	return DECODE_OK;
}

static enum decode_result icmp_decode(struct walk *w, struct decode_l4 *l4, const uint8_t *h)
{
	if (avail(w, l4->off) < ICMP_HDR_MIN)
		return DECODE_TRUNCATED;
	l4->icmp_type = h[0];
	l4->icmp_code = h[1];
	l4->payload_off = l4->off + ICMP_HDR_MIN;
	l4->payload_len = avail(w, l4->payload_off);
	return DECODE_OK;
}

/* RFC 3948 §2.2: what follows the non-ESP marker, or an ESP header, on UDP 4500. */
static enum decode_ike natt_classify(struct decode_pkt *p, const struct decode_l4 *l4)
{
	const uint8_t *pl = p->data + l4->payload_off;
	struct decode_ipsec *s;

	if (l4->payload_len == 1 && pl[0] == KEEPALIVE_BYTE)
		return DECODE_IKE_KEEPALIVE;
	if (l4->payload_len < NON_ESP_MARKER_LEN)
		return DECODE_IKE_SHORT;
	if (load_be32(pl) == 0)
		return l4->payload_len >= NON_ESP_MARKER_LEN + ISAKMP_HDR_LEN ?
		       DECODE_IKE_NATT : DECODE_IKE_SHORT;
	if (l4->payload_len < ESP_HDR_LEN)
		return DECODE_IKE_SHORT;
	/* Outer UDP: no IPsec header has been met yet, so there is room. */
	s = ipsec_add(p, DECODE_PROTO_ESP, l4->payload_off, pl);
	s->udp_encap = true;
	s->hdr_len = ESP_HDR_LEN;
	s->payload_len = l4->payload_len - ESP_HDR_LEN;
	return DECODE_IKE_ESP_IN_UDP;
}

/* IKE on the outer UDP header (RFC 7296 §2, RFC 3948 §2). */
static enum decode_ike ike_classify(struct decode_pkt *p, const struct decode_l4 *l4)
{
	if (l4->sport == IKE_PORT || l4->dport == IKE_PORT)
		return l4->payload_len >= ISAKMP_HDR_LEN ? DECODE_IKE_ISAKMP : DECODE_IKE_SHORT;
	if (l4->sport == NATT_PORT || l4->dport == NATT_PORT)
		return natt_classify(p, l4);
	return DECODE_IKE_NONE;
}

/* The transport header ends the walk: outer_l4 under the outer IP, inner_l4 behind AH. */
static enum decode_result l4_step(struct walk *w)
{
	struct decode_pkt *p = w->p;
	bool inner = p->n_ipsec > 0;
	struct decode_l4 *l4 = inner ? &p->inner_l4 : &p->outer_l4;
	const uint8_t *h = p->data + w->off;
	enum decode_result r;

	memset(l4, 0, sizeof(*l4));
	l4->proto = w->nh;
	l4->off = w->off;
	w->done = true;
	if (w->nh == DECODE_PROTO_TCP)
		r = tcp_decode(w, l4, h);
	else if (w->nh == DECODE_PROTO_UDP)
		r = udp_decode(w, l4, h);
	else
		r = icmp_decode(w, l4, h);
	if (r != DECODE_OK)
		return r;
	if (inner) {
		p->has_inner_l4 = true;
	} else {
		p->has_outer_l4 = true;
		if (l4->proto == DECODE_PROTO_UDP)
			p->ike = ike_classify(p, l4);
	}
	return DECODE_OK;
}

/*
 * One step of the walk below the outer IP header. IP in IP is decoded only behind AH
 * (tunnel mode); without AH it is an ordinary protocol the decoder does not look into.
 */
static enum decode_result walk_step(struct walk *w)
{
	switch (w->nh) {
	case DECODE_PROTO_AH:
		return ah_step(w);
	case DECODE_PROTO_ESP:
		return esp_step(w);
	case DECODE_PROTO_IPIP:
	case DECODE_PROTO_IPV6:
		if (w->p->n_ipsec == 0)
			break;
		return inner_ip_step(w);
	case DECODE_PROTO_TCP:
	case DECODE_PROTO_UDP:
	case DECODE_PROTO_ICMP:
	case DECODE_PROTO_ICMPV6:
		return l4_step(w);
	default:
		break;
	}
	w->done = true;	/* No Next Header, or a protocol without ports */
	return DECODE_OK;
}

enum decode_result decode_packet(struct decode_pkt *p, const uint8_t *data, size_t len)
{
	struct walk w;
	enum decode_result r;
	unsigned steps;

	/*
	 * The scalars and the outer views are cleared, so that nothing of the previous packet
	 * shows through a packet refused at its first byte. The inner views and ipsec[] are
	 * filled whole when their header is decoded and read only when their flag (or
	 * n_ipsec) says so; not clearing them saves ~200 bytes of stores per packet.
	 */
	memset(p, 0, offsetof(struct decode_pkt, inner));
	if (!data)
		len = 0;
	p->data = data;
	p->len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	w = (struct walk){ .p = p, .end = p->len };
	r = ip_decode(&w, &p->outer, 0, 0);
	p->proto = p->outer.proto;
	for (steps = 0; r == DECODE_OK && !w.done; steps++) {
		if (steps >= WALK_MAX_STEPS) {
			r = DECODE_TOO_DEEP;
			break;
		}
		r = walk_step(&w);
	}
	p->result = r;
	return r;
}

enum decode_result decode_esp_payload(struct decode_pkt *p, uint8_t next_hdr, const uint8_t *buf,
				      size_t len)
{
	const uint8_t *data = p->data;
	uint32_t dlen = p->len;
	struct walk w = {
		.p = p,
		.ip = p->has_inner_ip ? &p->inner : &p->outer,
		.end = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len,
		.nh = next_hdr,
		.n_ip = (uint8_t)(1 + p->has_inner_ip),
	};
	enum decode_result r = DECODE_OK;
	unsigned steps;

	/* Walk the plaintext as if it were the packet; views get offsets into buf. */
	p->data = buf;
	p->len = w.end;
	p->has_inner_l4 = false;
	if (w.ip->version == 6 && is_exthdr(next_hdr) && next_hdr != 0)
		r = ip6_chain(&w, false);	/* destination options under ESP (RFC 4303 §3.1.1) */
	for (steps = 0; r == DECODE_OK && !w.done; steps++) {
		if (steps >= WALK_MAX_STEPS) {
			r = DECODE_TOO_DEEP;
			break;
		}
		r = walk_step(&w);
	}
	p->data = data;
	p->len = dlen;
	return r;
}

/* The ports of a TCP or UDP header right after the fixed IP header, when they are there. */
static void quick_ports(const uint8_t *data, size_t len, size_t l4, int proto, uint16_t *sport,
			uint16_t *dport)
{
	if (proto != DECODE_PROTO_TCP && proto != DECODE_PROTO_UDP)
		return;
	if (len < l4 + 4)
		return;
	if (sport)
		*sport = load_be16(data + l4);
	if (dport)
		*dport = load_be16(data + l4 + 2);
}

int decode_quick(const uint8_t *data, size_t len, uint16_t *sport, uint16_t *dport)
{
	size_t ihl;
	int proto;

	if (sport)
		*sport = 0;
	if (dport)
		*dport = 0;
	if (!data || len < IP4_HDR_MIN)
		return -1;
	if (data[0] >> 4 == 4) {
		ihl = (size_t)(data[0] & 0x0f) * 4;
		if (ihl < IP4_HDR_MIN || load_be16(data + 2) < ihl || load_be16(data + 2) > len)
			return -1;
		proto = data[9];
		if (load_be16(data + 6) & 0x1fff)
			return proto;	/* non-first fragment: no ports */
		quick_ports(data, load_be16(data + 2), ihl, proto, sport, dport);
		return proto;
	}
	if (data[0] >> 4 != 6 || len < IP6_HDR_LEN ||
	    (size_t)IP6_HDR_LEN + load_be16(data + 4) > len)
		return -1;
	proto = data[6];
	quick_ports(data, IP6_HDR_LEN + load_be16(data + 4), IP6_HDR_LEN, proto, sport, dport);
	return proto;
}
