// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ah: AH ICV verification (RFC 4302 §3.3.3) and anti-replay.
 *
 * The headers up to the end of the AH header are copied into the thread's scratch buffer and
 * their mutable parts zeroed there; the ICV runs over that copy, then over the rest of the
 * datagram in place, then (ESN) the high 32 bits of the sequence number. The decoder has
 * already checked every length walked here against the packet; the walks below are bounded
 * by the AH header's offset all the same.
 */
#include "ipsecfw/ah.h"

#include <string.h>

#include "ipsecfw/counters.h"
#include "ipsecfw/crypto.h"
#include "ipsecfw/decode.h"
#include "ipsecfw/sa.h"
#include "ipsecfw/util.h"

/* One name table: the counters' (engine.c keeps the two enums in step). */
const char *ah_result_name(enum ah_result r)
{
	return counters_ipsec_name((enum counters_ipsec)r);
}

/* ---- IPv4 (RFC 4302 Appendix A.1) ---- */

/* Options that stay in the ICV input: everything else is zeroed as a whole. */
static bool v4_opt_immutable(uint8_t type)
{
	switch (type) {
	case 0:		/* end of option list */
	case 1:		/* no operation */
	case 130:	/* security */
	case 133:	/* extended security */
	case 134:	/* commercial security */
	case 148:	/* router alert */
	case 149:	/* sender directed multi-destination delivery */
		return true;
	default:
		return false;
	}
}

/*
 * Zero IPv4's mutable fields in the copy h (ihl bytes). With a loose or strict source route,
 * the destination is mutable but predictable: the route's last address, where the packet is
 * going in the end. Returns false on an option that runs past the header (the decoder lets
 * options through unchecked; such a packet cannot verify).
 */
static bool v4_zero_mutable(uint8_t *h, unsigned ihl)
{
	unsigned i = 20;

	h[1] = 0;				/* TOS (DSCP, ECN) */
	h[6] = h[7] = 0;			/* flags, fragment offset */
	h[8] = 0;				/* TTL */
	h[10] = h[11] = 0;			/* header checksum */
	while (i < ihl) {
		uint8_t type = h[i];
		unsigned len;

		if (type == 0)
			break;			/* end of list: the rest is padding, kept */
		if (type == 1) {
			i++;
			continue;
		}
		if (i + 1 >= ihl || h[i + 1] < 2 || i + h[i + 1] > ihl)
			return false;
		len = h[i + 1];
		if ((type == 131 || type == 137) && len >= 7 && (len - 3) % 4 == 0)
			memcpy(h + 16, h + i + len - 4, 4);	/* the final destination */
		if (!v4_opt_immutable(type))
			memset(h + i, 0, len);
		i += len;
	}
	return true;
}

/* ---- IPv6 (RFC 4302 §3.3.3.1.2, Appendix A.2) ---- */

/* Zero the data of options with the change-en-route bit (0x20) in a HBH/DST header copy. */
static bool v6_zero_options(uint8_t *h, unsigned len)
{
	unsigned i = 2;

	while (i < len) {
		uint8_t type = h[i];
		unsigned olen;

		if (type == 0) {		/* Pad1 */
			i++;
			continue;
		}
		if (i + 1 >= len || i + 2u + h[i + 1] > len)
			return false;
		olen = h[i + 1];
		if (type & 0x20)
			memset(h + i + 2, 0, olen);
		i += 2 + olen;
	}
	return true;
}

/*
 * A routing header of type 0 or 2 with segments left: rewrite the copy as the final
 * destination will receive it. After the remaining hops, the destination is the list's last
 * address, and the addresses from the current one on have each moved one place back, the
 * current destination taking the first free place (RFC 8200 §4.4 processing, applied
 * `segments left` times). Other types are left as they are.
 */
static void v6_routing_final(uint8_t *ip6, uint8_t *rh)
{
	unsigned n = rh[1] / 2, sl = rh[3];
	uint8_t *a = rh + 8, cur[16];

	if ((rh[2] != 0 && rh[2] != 2) || sl == 0 || sl > n || rh[1] % 2)
		return;
	memcpy(cur, ip6 + 24, 16);
	memcpy(ip6 + 24, a + (n - 1) * 16, 16);
	memmove(a + (n - sl + 1) * 16, a + (n - sl) * 16, (sl - 1) * 16);
	memcpy(a + (n - sl) * 16, cur, 16);
	rh[3] = 0;
}

/* Zero IPv6's mutable fields in the copy h of [0, ah_off); false on an unexpected header. */
static bool v6_zero_mutable(uint8_t *h, unsigned ah_off)
{
	uint8_t nh = h[6];
	unsigned pos = 40;

	h[0] &= 0xf0;			/* traffic class (high half) */
	h[1] = h[2] = h[3] = 0;		/* traffic class (low half), flow label */
	h[7] = 0;			/* hop limit */
	while (pos < ah_off) {
		unsigned len;

		if (pos + 8 > ah_off)
			return false;
		len = nh == 44 ? 8 : (h[pos + 1] + 1u) * 8;	/* fragment header: fixed */
		if (pos + len > ah_off)
			return false;
		switch (nh) {
		case 0:		/* hop-by-hop options */
		case 60:	/* destination options */
			if (!v6_zero_options(h + pos, len))
				return false;
			break;
		case 43:	/* routing */
			v6_routing_final(h, h + pos);
			break;
		case 44:	/* fragment: not reached, fragments are not verified */
			break;
		default:
			return false;
		}
		nh = h[pos];
		pos += len;
	}
	return nh == DECODE_PROTO_AH;
}

/* The destination the packet is finally for: IPv6 routing header or IPv4 source route. */
static void final_dst(const struct decode_pkt *p, uint8_t dst[16])
{
	const uint8_t *d = p->data;
	unsigned ah_off = p->ipsec[0].off;

	memcpy(dst, p->outer.dst.b, 16);
	if (p->outer.version == 4) {
		unsigned ihl = (d[0] & 0x0f) * 4u, i = 20;

		while (i + 1 < ihl && d[i] != 0) {
			unsigned len = d[i] == 1 ? 1 : d[i + 1];

			if (len < 1 || (d[i] != 1 && len < 2) || i + len > ihl)
				return;
			if ((d[i] == 131 || d[i] == 137) && len >= 7 && (len - 3) % 4 == 0)
				memcpy(dst, d + i + len - 4, 4);
			i += len;
		}
		return;
	}
	{
		uint8_t nh = d[6];
		unsigned pos = 40;

		while (pos + 8 <= ah_off && nh != DECODE_PROTO_AH) {
			unsigned len = nh == 44 ? 8 : (d[pos + 1] + 1u) * 8;

			if (nh == 43 && (d[pos + 2] == 0 || d[pos + 2] == 2) && d[pos + 3] &&
			    d[pos + 1] >= 2 && pos + len <= ah_off) {
				unsigned n = d[pos + 1] / 2;

				memcpy(dst, d + pos + 8 + (n - 1) * 16, 16);
			}
			nh = d[pos];
			pos += len;
		}
	}
}

struct sa *ah_lookup(const struct sa_table *t, const struct decode_pkt *p)
{
	uint8_t dst[16];

	if (!t)
		return NULL;
	final_dst(p, dst);
	return sa_lookup(t, p->ipsec[0].spi, p->outer.version, dst, DECODE_PROTO_AH);
}

enum ah_result ah_verify(const struct decode_pkt *p, struct sa *sa, unsigned thread,
			 uint8_t *scratch, uint64_t *seq)
{
	const struct decode_ipsec *ah = &p->ipsec[0];
	const struct sa_config *c = sa_config(sa);
	unsigned mac_len = c->icv_bits / 8, iv_len = c->auth->iv_len;
	unsigned ah_end = ah->off + ah->hdr_len, total = p->outer.total_len;
	unsigned align = p->outer.version == 4 ? 4 : 8;
	struct crypto_iov v[3];
	uint8_t hi[4];
	size_t nv = 2;
	bool ok;

	*seq = ah->seq;
	if (p->outer.fragment)
		return AH_FRAGMENT;	/* not the SA's fault: not counted against it */
	/* The ICV field holds the (IV and) ICV plus at most the alignment padding. */
	if (ah->icv_len < iv_len + mac_len || ah->icv_len - iv_len - mac_len >= align ||
	    ah_end > total || ah_end > AH_SCRATCH_SIZE) {
		sa_note(sa, thread, SA_EV_BAD_LENGTH, total);
		return AH_BAD_LENGTH;
	}
	/* Cheap refusal first: a replayed number needs no MAC. */
	if (sa_replay_check(sa, ah->seq, seq) != SA_REPLAY_OK) {
		sa_note(sa, thread, SA_EV_REPLAY, total);
		return AH_REPLAYED;
	}

	memcpy(scratch, p->data, ah_end);
	ok = p->outer.version == 4 ? v4_zero_mutable(scratch, (p->data[0] & 0x0f) * 4u)
				   : v6_zero_mutable(scratch, ah->off);
	/* The ICV (not the GMAC IV before it) is zero in the input; padding stays as sent. */
	memset(scratch + ah->icv_off + iv_len, 0, mac_len);
	v[0] = (struct crypto_iov){ scratch, ah_end };
	v[1] = (struct crypto_iov){ p->data + ah_end, total - ah_end };
	if (c->esn) {
		hi[0] = (uint8_t)(*seq >> 56);
		hi[1] = (uint8_t)(*seq >> 48);
		hi[2] = (uint8_t)(*seq >> 40);
		hi[3] = (uint8_t)(*seq >> 32);
		v[nv++] = (struct crypto_iov){ hi, 4 };
	}
	if (!ok || !crypto_auth_verify(sa_auth(sa, thread), p->data + ah->icv_off, v, nv,
				       p->data + ah->icv_off + iv_len)) {
		sa_note(sa, thread, SA_EV_ICV_FAIL, total);
		return AH_ICV_FAIL;
	}
	if (sa_replay_commit(sa, *seq) != SA_REPLAY_OK) {
		sa_note(sa, thread, SA_EV_REPLAY, total);
		return AH_REPLAYED;
	}
	sa_note(sa, thread, SA_EV_OK, total);
	return AH_OK;
}
