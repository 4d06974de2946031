// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * esp: ESP (RFC 4303) for the engine's IPsec stage. The crypto module authenticates and
 * decrypts (ICV before decryption for CBC/NULL with an HMAC; the AEAD tag for GCM, ChaCha20-
 * Poly1305 and GMAC); this module does the SA's replay window, the trailer (padding, pad
 * length, next header) and hands the payload to the decoder.
 */
#include "ipsecfw/esp.h"

#include <string.h>

#include "ipsecfw/ah.h"
#include "ipsecfw/counters.h"
#include "ipsecfw/crypto.h"
#include "ipsecfw/decode.h"
#include "ipsecfw/sa.h"
#include "ipsecfw/util.h"

/* One name table: the counters' (engine.c keeps the two enums in step). */
const char *esp_result_name(enum esp_result r)
{
	return counters_esp_name((enum counters_esp)r);
}

struct sa *esp_lookup(const struct sa_table *t, const struct decode_pkt *p, unsigned k,
		      bool inner)
{
	const struct decode_ip *ip = inner ? &p->inner : &p->outer;

	if (!t)
		return NULL;
	return sa_lookup(t, p->ipsec[k].spi, ip->version, ip->dst.b, DECODE_PROTO_ESP);
}

/* RFC 4303 §2.4: the pad bytes, if any, are 1, 2, 3, ... */
static bool padding_ok(const uint8_t *pad, unsigned n)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < n; i++)
		bad |= pad[i] ^ (uint8_t)(i + 1);
	return !bad;
}

enum esp_result esp_decrypt(struct decode_pkt *p, unsigned k, const uint8_t *base,
			    struct sa *sa, unsigned thread, uint8_t *scratch, uint64_t *seq)
{
	const struct decode_ipsec *e = &p->ipsec[k];
	const struct sa_config *c = sa_config(sa);
	size_t len = (size_t)e->hdr_len + e->payload_len, out_len = 0;
	unsigned padlen;
	uint8_t nh;

	*seq = e->seq;
	if (len > AH_SCRATCH_SIZE) {
		sa_note(sa, thread, SA_EV_BAD_LENGTH, len);
		return ESP_BAD_LENGTH;
	}
	if (sa_replay_check(sa, e->seq, seq) != SA_REPLAY_OK) {
		sa_note(sa, thread, SA_EV_REPLAY, len);
		return ESP_REPLAYED;
	}
	switch (crypto_esp_decrypt(sa_esp(sa, thread), base + e->off, len, c->esn,
				   (uint32_t)(*seq >> 32), scratch, &out_len)) {
	case CRYPTO_ESP_OK:
		break;
	case CRYPTO_ESP_BAD_LENGTH:
		sa_note(sa, thread, SA_EV_BAD_LENGTH, len);
		return ESP_BAD_LENGTH;
	default:
		sa_note(sa, thread, SA_EV_ICV_FAIL, len);
		return ESP_ICV_FAIL;
	}
	if (out_len < 2)
		goto bad_padding;
	padlen = scratch[out_len - 2];
	nh = scratch[out_len - 1];
	if (padlen + 2u > out_len || !padding_ok(scratch + out_len - 2 - padlen, padlen))
		goto bad_padding;
	if (sa_replay_commit(sa, *seq) != SA_REPLAY_OK) {
		sa_note(sa, thread, SA_EV_REPLAY, len);
		return ESP_REPLAYED;
	}
	sa_note(sa, thread, SA_EV_OK, len);
	if (nh == 59)
		return ESP_DUMMY;
	/* TFC padding (RFC 4303 §2.7) after a tunnelled datagram is cut by its own length. */
	if (decode_esp_payload(p, nh, scratch, out_len - 2 - padlen) != DECODE_OK)
		return ESP_BAD_INNER;
	return ESP_OK;
bad_padding:
	sa_note(sa, thread, SA_EV_BAD_PADDING, len);
	return ESP_BAD_PADDING;
}
