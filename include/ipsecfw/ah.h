/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef IPSECFW_AH_H
#define IPSECFW_AH_H

#include <stdint.h>

struct decode_pkt;
struct sa;
struct sa_table;

/*
 * ah: AH ICV verification (RFC 4302 §3.3.3) and anti-replay for the AH header of a decoded
 * packet's outer IP header.
 *
 * The ICV input is the IP datagram with the mutable fields zeroed: IPv4 TOS, flags and
 * fragment offset, TTL, header checksum, and every option but the immutable ones (RFC 4302
 * Appendix A.1) as a whole; with a source route, the destination is the route's final one.
 * IPv6 traffic class, flow label and hop limit; the data of hop-by-hop and destination
 * options with the change-en-route bit; with a routing header of type 0 or 2 that has
 * segments left, the header and destination as the final destination will see them. The AH
 * ICV field is zeroed (for AES-GMAC only the tag, not the explicit IV). With ESN, the high 32
 * bits of the sequence number follow the datagram. Headers are copied into the caller's
 * scratch buffer and zeroed there: the packet itself is never written.
 */
enum ah_result {
	AH_OK = 0,		/* ICV verified, sequence number new: committed */
	AH_NO_SA,		/* no SA for (SPI, destination, AH): unverified */
	AH_FRAGMENT,		/* a fragment: the ICV covers the whole datagram; unverified */
	AH_BAD_LENGTH,		/* the ICV field cannot hold the SA's ICV (or is too long) */
	AH_ICV_FAIL,		/* ICV mismatch */
	AH_REPLAYED,		/* ICV verified, but the sequence number was seen or is too old */
	AH_RESULT_MAX
};

/* Stable names: "verified", "no-sa", "fragment", "bad-icv-length", "icv-fail", "replayed". */
const char *ah_result_name(enum ah_result r);

/* The scratch space ah_verify needs: the largest IP datagram. */
#define AH_SCRATCH_SIZE 65536

/*
 * The SA of the packet's first AH header (p->ipsec[0] must be AH, decoded OK), looked up as
 * RFC 4301 does: SPI, destination (the final one when a routing header or source route says
 * so), protocol AH. NULL when the store has none. Packet path, in the RCU read section.
 */
struct sa *ah_lookup(const struct sa_table *t, const struct decode_pkt *p);

/*
 * Verify p's first AH header with sa (from ah_lookup): anti-replay check, ICV, then commit
 * the sequence number. *seq gets the full (ESN-inferred) number. scratch holds
 * AH_SCRATCH_SIZE bytes owned by the calling thread. Counts into sa's row `thread`.
 * Packet path: no allocation, no syscall, no lock.
 */
enum ah_result ah_verify(const struct decode_pkt *p, struct sa *sa, unsigned thread,
			 uint8_t *scratch, uint64_t *seq);

#endif
