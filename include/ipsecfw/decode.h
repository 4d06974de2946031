/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef IPSECFW_DECODE_H
#define IPSECFW_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Packet decoder: IPv4/IPv6 (with the extension-header chain), AH, ESP, TCP, UDP, ICMP,
 * ICMPv6 and IKE/NAT-T on UDP 500/4500. The decoder reads the packet, never writes it, never
 * allocates, and fills a struct decode_pkt that lives in the caller's (per-thread) context.
 * Everything read from the wire is converted to host order here, once.
 */

/* Upper bound on IPv6 extension headers walked per IP header (hostile chains stop here). */
#define DECODE_MAX_EXTHDRS 8
/* Upper bound on nesting: IP headers (outer + tunnels) and IPsec headers in one packet. */
#define DECODE_MAX_DEPTH 4

#define DECODE_PROTO_HOPOPTS 0
#define DECODE_PROTO_ICMP 1
#define DECODE_PROTO_IPIP 4
#define DECODE_PROTO_TCP 6
#define DECODE_PROTO_UDP 17
#define DECODE_PROTO_IPV6 41
#define DECODE_PROTO_ROUTING 43
#define DECODE_PROTO_FRAGMENT 44
#define DECODE_PROTO_ESP 50
#define DECODE_PROTO_AH 51
#define DECODE_PROTO_ICMPV6 58
#define DECODE_PROTO_NONE 59
#define DECODE_PROTO_DSTOPTS 60

#define DECODE_TCP_FIN 0x01
#define DECODE_TCP_SYN 0x02
#define DECODE_TCP_RST 0x04
#define DECODE_TCP_PSH 0x08
#define DECODE_TCP_ACK 0x10
#define DECODE_TCP_URG 0x20
#define DECODE_TCP_ECE 0x40
#define DECODE_TCP_CWR 0x80

/*
 * Outcome of decoding. DECODE_OK means every header the decoder looked at was consistent.
 * Anything else is a reason to drop, counted under the name decode_result_name() gives.
 */
enum decode_result {
	DECODE_OK = 0,
	DECODE_TRUNCATED,	/* a header runs past the end of the captured bytes */
	DECODE_BAD_VERSION,	/* IP version is neither 4 nor 6 (or disagrees with the tunnel) */
	DECODE_BAD_IHL,		/* IPv4 header length < 20 or past the total length */
	DECODE_BAD_LENGTH,	/* a length field (IP total/payload, UDP) disagrees with the data */
	DECODE_BAD_ALIGNMENT,	/* AH length not a multiple of 4 (IPv4) / 8 (IPv6) */
	DECODE_BAD_AH_LENGTH,	/* AH payload length too small to hold SPI and sequence */
	DECODE_BAD_TCP_OFFSET,	/* TCP data offset < 5 or past the segment */
	DECODE_BAD_EXTHDR,	/* hop-by-hop not first, or another extension-header violation */
	DECODE_CHAIN_TOO_LONG,	/* more than DECODE_MAX_EXTHDRS extension headers */
	DECODE_TOO_DEEP,	/* more than DECODE_MAX_DEPTH nested IP/IPsec headers */
	DECODE_RESULT_MAX
};

/* Stable name for counters and the CLI ("truncated", "bad-length", ...). */
const char *decode_result_name(enum decode_result r);

/* An address in network byte order; IPv4 uses bytes 0..3 and leaves the rest zero. */
struct decode_addr {
	uint8_t b[16];
};

/* One IP header (outer, or inner in tunnel mode). Offsets are from the start of its buffer. */
struct decode_ip {
	uint8_t version;	/* 4 or 6 */
	uint8_t proto;		/* first non-extension next header (IPv6) or protocol (IPv4) */
	uint8_t ttl;		/* TTL / hop limit */
	uint8_t n_exthdrs;	/* IPv6 extension headers walked (AH/ESP not included) */
	bool fragment;		/* part of a fragmented datagram */
	bool first_fragment;	/* offset 0 (L4 present); false for non-first fragments */
	struct decode_addr src;
	struct decode_addr dst;
	uint32_t off;		/* offset of the IP header */
	uint32_t hdr_len;	/* fixed header + options / extension headers up to `proto` */
	uint32_t total_len;	/* IP datagram length as the header says (checked against data) */
};

/* A transport header: TCP, UDP, ICMP or ICMPv6. */
struct decode_l4 {
	uint8_t proto;		/* DECODE_PROTO_TCP / _UDP / _ICMP / _ICMPV6, 0 if none */
	uint8_t tcp_flags;	/* DECODE_TCP_* bits */
	uint8_t icmp_type;
	uint8_t icmp_code;
	uint16_t sport;		/* host order; 0 for ICMP */
	uint16_t dport;
	uint32_t off;		/* offset of the transport header */
	uint32_t payload_off;	/* offset of the transport payload */
	uint32_t payload_len;
};

/* One AH or ESP header. */
struct decode_ipsec {
	uint8_t proto;		/* DECODE_PROTO_AH or DECODE_PROTO_ESP */
	uint8_t next_hdr;	/* AH only: what follows; ESP: 0 (encrypted) */
	bool udp_encap;		/* ESP in UDP (RFC 3948) */
	uint32_t spi;
	uint32_t seq;		/* low 32 bits of the sequence number */
	uint32_t off;		/* offset of the AH/ESP header */
	uint32_t hdr_len;	/* AH: (len + 2) * 4; ESP: 8 (SPI + seq) */
	uint32_t icv_off;	/* AH only: offset of the ICV */
	uint32_t icv_len;	/* AH only: hdr_len - 12 */
	uint32_t payload_len;	/* bytes after the header to the end of the IP datagram */
};

/* What UDP 500/4500 carried (RFC 3948 §2, RFC 7296 §2.23). */
enum decode_ike {
	DECODE_IKE_NONE = 0,
	DECODE_IKE_ISAKMP,	/* ISAKMP/IKE header on UDP 500 */
	DECODE_IKE_NATT,	/* IKE after the 4-byte non-ESP marker on UDP 4500 */
	DECODE_IKE_ESP_IN_UDP,	/* ESP on UDP 4500 (non-zero SPI) */
	DECODE_IKE_KEEPALIVE,	/* the single 0xff NAT-keepalive byte */
	DECODE_IKE_SHORT,	/* UDP 500/4500 too short to be any of the above */
	DECODE_IKE_MAX
};

const char *decode_ike_name(enum decode_ike k);

/* What the IPsec stage found out about the packet's AH (rule words verified, unverified...). */
enum decode_auth {
	DECODE_AUTH_NONE = 0,	/* no AH in the outer header chain */
	DECODE_AUTH_UNVERIFIED,	/* AH without a key in the SA store (or a fragment) */
	DECODE_AUTH_VERIFIED,	/* ICV checked with the SA's key, sequence number new */
	DECODE_AUTH_REPLAYED,	/* ICV checked, sequence number seen before or too old */
	DECODE_AUTH_FAILED,	/* ICV mismatch or an ICV field that does not fit the SA */
};

/*
 * The decoded packet. Plain data, filled by decode_packet() into caller storage.
 *   outer      the first IP header;
 *   outer_l4   TCP/UDP/ICMP directly under it (UDP for IKE and ESP-in-UDP);
 *   ipsec[]    AH/ESP headers in the order met (AH then ESP for a bundle);
 *   inner      an inner IP header (tunnel mode through AH) when has_inner_ip;
 *   inner_l4   transport header carried by AH (transport or tunnel mode) when has_inner_l4.
 * Decoding stops at ESP (encrypted) unless a later stage decrypts it.
 */
/* Scalars and outer views first: decode_packet() clears only what precedes `inner`. */
struct decode_pkt {
	const uint8_t *data;	/* the packet, starting at the outer IP header */
	uint32_t len;		/* captured bytes available */
	enum decode_result result;
	enum decode_ike ike;
	enum decode_auth auth;	/* set by the engine's IPsec stage; the decoder leaves NONE */
	uint8_t proto;		/* outer protocol a rule's `proto` matches (AH for AH+ESP) */
	uint8_t n_ipsec;
	bool has_outer_l4;
	bool has_inner_ip;
	bool has_inner_l4;
	struct decode_ip outer;
	struct decode_l4 outer_l4;
	struct decode_ip inner;
	struct decode_l4 inner_l4;
	struct decode_ipsec ipsec[DECODE_MAX_DEPTH];
};

/*
 * Decode `len` bytes starting at an IPv4 or IPv6 header. Fills *p (which keeps `data` as a
 * borrowed pointer, valid as long as the caller's buffer) and returns p->result. Never reads
 * outside [data, data + len), never allocates, bounded time. Any thread; p is the caller's.
 */
enum decode_result decode_packet(struct decode_pkt *p, const uint8_t *data, size_t len);

/*
 * Decode what a decrypted ESP payload carries (buf, len: the payload without padding and
 * trailer, in a buffer of the caller's) as the header `next_hdr` says: an inner IPv4/IPv6
 * header and its transport header (tunnel mode), or a transport header (transport mode;
 * IPv6 destination options first when present). Fills p->inner / p->inner_l4 and their
 * flags, with offsets into buf; p->data stays the packet. Bounded like decode_packet.
 */
enum decode_result decode_esp_payload(struct decode_pkt *p, uint8_t next_hdr, const uint8_t *buf,
				      size_t len);

/*
 * A header-only parse used as the speed limit in benchmarks: IP version, lengths, protocol
 * and ports of the outer header only, no extension chain or IPsec. Returns the protocol.
 */
int decode_quick(const uint8_t *data, size_t len, uint16_t *sport, uint16_t *dport);

#endif
