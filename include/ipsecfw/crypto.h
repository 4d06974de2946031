/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef IPSECFW_CRYPTO_H
#define IPSECFW_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipsecfw/util.h"	/* MUST_CHECK, struct diag_list */

/*
 * Integrity algorithms for AH (and later ESP's auth-trunc), named as Linux XFRM names them.
 * The enum indexes the algorithm table; CRYPTO_AUTH_MAX is its size.
 */
enum crypto_auth_alg {
	CRYPTO_AUTH_HMAC_MD5,
	CRYPTO_AUTH_HMAC_SHA1,
	CRYPTO_AUTH_HMAC_SHA256,
	CRYPTO_AUTH_HMAC_SHA384,
	CRYPTO_AUTH_HMAC_SHA512,
	CRYPTO_AUTH_XCBC_AES,
	CRYPTO_AUTH_GMAC_AES,
	CRYPTO_AUTH_MAX
};

/* The largest ICV any algorithm here produces (HMAC-SHA-512 untruncated), in bytes. */
#define CRYPTO_AUTH_ICV_MAX 64
/* Bytes of explicit IV AES-GMAC carries in front of its tag (RFC 4543 §3.1). */
#define CRYPTO_GMAC_IV_LEN 8

/* One row of the algorithm table: plain, immutable data. */
struct crypto_auth_info {
	const char *name;		/* XFRM name: "hmac(sha1)", "xcbc(aes)", "rfc4543(gcm(aes))" */
	enum crypto_auth_alg alg;
	unsigned icv_bits;		/* the RFC's default ICV length (96, 96, 128, 192, 256, 96, 128) */
	unsigned key_min, key_max;	/* key bytes accepted; GMAC: AES key + 4-byte salt, and
					 * only 20, 28 or 36 within that range */
	unsigned iv_len;		/* explicit IV bytes at the start of AH's authentication
					 * data: CRYPTO_GMAC_IV_LEN for GMAC, else 0 */
	bool legacy;			/* hmac(md5): accepted, but the caller should warn */
};

/* The table row for an XFRM algorithm name (exact, case-sensitive), or NULL if unknown. */
const struct crypto_auth_info *crypto_auth_find(const char *name);

/*
 * Is an ICV of `bits` allowed for this algorithm? Exactly the RFC truncations plus the full
 * output: hmac(md5) 96/128 (RFC 2403), hmac(sha1) 96/160 (RFC 2404), hmac(sha256) 128/256,
 * hmac(sha384) 192/384, hmac(sha512) 256/512 (RFC 4868), xcbc(aes) 96/128 (RFC 3566),
 * rfc4543(gcm(aes)) 128 (RFC 4543). Pure function, any thread.
 */
bool crypto_auth_icv_ok(const struct crypto_auth_info *info, unsigned bits);

/*
 * One keyed authenticator with its key schedule and OpenSSL contexts prepared, used by one
 * thread at a time (one per SA and packet thread). Copies the key; the caller keeps and wipes
 * its own. Control path: allocates. NULL with a message in *dl on a bad key length, an ICV
 * length crypto_auth_icv_ok() refuses, or an OpenSSL failure.
 */
struct crypto_auth *crypto_auth_new(const struct crypto_auth_info *info, const uint8_t *key,
				    size_t key_len, unsigned icv_bits,
				    struct diag_list *dl) MUST_CHECK;

/* Free an authenticator, cleansing all key material and derived state first. NULL is fine. */
void crypto_auth_free(struct crypto_auth *a);

/* One piece of the MAC input; pieces are concatenated (a zeroed ICV field can be one). */
struct crypto_iov {
	const uint8_t *p;
	size_t len;
};

/*
 * MAC over the concatenation of v[0..n) and write the ICV (icv_bits / 8 bytes, the truncated
 * leading bytes) to out. GMAC: v is the AAD and iv the CRYPTO_GMAC_IV_LEN-byte explicit IV
 * (nonce = salt || iv); other algorithms ignore iv. Packet path: no allocation, no syscall.
 * 0, or -1 on an OpenSSL error or a GMAC call without iv (out is then undefined).
 */
int crypto_auth_compute(struct crypto_auth *a, const uint8_t *iv, const struct crypto_iov *v,
			size_t n, uint8_t *out);

/*
 * Compute as above and compare with icv (icv_bits / 8 bytes) in constant time. True only when
 * they match; false on mismatch and on any error (fail closed). Packet path.
 */
bool crypto_auth_verify(struct crypto_auth *a, const uint8_t *iv, const struct crypto_iov *v,
			size_t n, const uint8_t *icv);

/* The ICV length this authenticator produces and checks, in bytes (icv_bits / 8). */
size_t crypto_auth_icv_len(const struct crypto_auth *a);

#endif
