/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef IPSECFW_ESP_H
#define IPSECFW_ESP_H

#include <stdbool.h>
#include <stdint.h>

struct decode_pkt;
struct sa;
struct sa_table;

/*
 * esp: ESP authentication, decryption and padding checks (RFC 4303) for an ESP header the
 * decoder found (in the outer datagram, behind AH, or in UDP 4500), then the walk over what
 * it carries. The plaintext goes into the caller's per-thread scratch buffer: the packet is
 * never written. Anti-replay as for AH: checked before any crypto, committed after it.
 */
enum esp_result {
	ESP_OK = 0,		/* authenticated, decrypted, padding fine: inner headers decoded */
	ESP_NO_SA,		/* no SA for (SPI, destination, ESP): the payload stays opaque */
	ESP_BAD_LENGTH,		/* too short for IV and ICV, or not a multiple of the block */
	ESP_ICV_FAIL,		/* integrity check failed (ICV or AEAD tag) */
	ESP_BAD_PADDING,	/* RFC 4303 §2.4: pad bytes not 1, 2, 3, ... or longer than the data */
	ESP_REPLAYED,		/* authenticated, but the sequence number was seen or is too old */
	ESP_DUMMY,		/* authenticated dummy packet (next header 59, RFC 4303 §2.6) */
	ESP_BAD_INNER,		/* authenticated, but what it carries does not decode */
	ESP_RESULT_MAX
};

/* "verified", "no-sa", "bad-length", "icv-fail", "bad-padding", "replayed", "dummy",
 * "bad-inner". */
const char *esp_result_name(enum esp_result r);

/*
 * The SA for p->ipsec[k] (an ESP header): its SPI, protocol ESP, and the destination of the
 * IP header that carries it: the outer one, or for an ESP inside a decrypted tunnel, the
 * inner one (inner set).
 */
struct sa *esp_lookup(const struct sa_table *t, const struct decode_pkt *p, unsigned k,
		      bool inner);

/*
 * Authenticate and decrypt p->ipsec[k], whose header sits at base + p->ipsec[k].off (the
 * packet, or the plaintext of an outer ESP for a nested one), with sa into out
 * (AH_SCRATCH_SIZE bytes, not base), check the padding, commit the sequence number, and
 * decode the payload into p's inner views. *seq gets the full sequence number.
 * Packet path: no allocation, no syscall, no lock.
 */
enum esp_result esp_decrypt(struct decode_pkt *p, unsigned k, const uint8_t *base,
			    struct sa *sa, unsigned thread, uint8_t *out, uint64_t *seq);

#endif
