/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef IPSECFW_CRYPTO_H
#define IPSECFW_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipsecfw/util.h"	/* MUST_CHECK, struct diag_list */

/*
 * Integrity algorithms for AH and for ESP's null and cbc ciphers, named as Linux XFRM names them.
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

/*
 * ESP ciphers (RFC 4303), named as Linux XFRM names them. The enum indexes the cipher table;
 * CRYPTO_ENC_MAX is its size.
 */
enum crypto_enc_alg {
	CRYPTO_ENC_NULL,	/* ecb(cipher_null), RFC 2410: needs a separate auth */
	CRYPTO_ENC_CBC_AES,	/* cbc(aes), RFC 3602: needs a separate auth */
	CRYPTO_ENC_GCM_AES,	/* rfc4106(gcm(aes)), RFC 4106 */
	CRYPTO_ENC_CHACHAPOLY,	/* rfc7539esp(chacha20,poly1305), RFC 7634 */
	CRYPTO_ENC_GMAC_AES,	/* rfc4543(gcm(aes)), RFC 4543 ENCR_NULL_AUTH_AES_GMAC */
	CRYPTO_ENC_MAX
};

/* The longest explicit IV (cbc(aes)) and the longest AEAD ICV, in bytes. */
#define CRYPTO_ESP_IV_MAX 16
#define CRYPTO_ESP_AEAD_ICV_MAX 16

/* One row of the cipher table: plain, immutable data. */
struct crypto_enc_info {
	const char *name;	/* "ecb(cipher_null)", "cbc(aes)", "rfc4106(gcm(aes))",
				 * "rfc7539esp(chacha20,poly1305)", "rfc4543(gcm(aes))" */
	enum crypto_enc_alg alg;
	bool aead;		/* gcm, chachapoly, gmac: integrity from the cipher, no auth */
	unsigned key_min, key_max;	/* bytes: null 0; cbc 16/24/32; gcm and gmac AES key ||
					 * 4-byte salt: 20/28/36; chachapoly 32 + 4 salt = 36.
					 * cbc, gcm, gmac accept only those three in the range */
	unsigned iv_len;	/* explicit IV in the packet: cbc 16, gcm/chachapoly/gmac 8,
				 * null 0 */
	unsigned block;		/* ciphertext alignment (RFC 4303 §2.4): cbc 16, others 4 */
	unsigned icv_bits;	/* default ICV for aead: 128; 0 for null/cbc (auth decides) */
};

/* The table row for an XFRM cipher name (exact, case-sensitive), or NULL if unknown. */
const struct crypto_enc_info *crypto_enc_find(const char *name);

/*
 * Is an ICV of `bits` allowed with this cipher? rfc4106(gcm(aes)) 64, 96 or 128 (RFC 4106
 * §6); chachapoly and gmac 128 (RFC 7634 §2, RFC 4543 §3); null and cbc only 0 (the ICV is the
 * auth algorithm's). Pure function, any thread.
 */
bool crypto_enc_icv_ok(const struct crypto_enc_info *info, unsigned bits);

/*
 * One ESP context per SA and packet thread: the cipher keyed once, and for null/cbc the
 * prepared authenticator `auth`, which this call CONSUMES in every case (it is freed here on
 * failure, and by crypto_esp_free() otherwise). Refused (NULL, message in *dl): a bad key
 * length, an ICV length crypto_enc_icv_ok() refuses (non-AEAD: anything but 0 or the auth's
 * own length), null or cbc without auth, an AEAD with auth, rfc4543(gcm(aes)) as the auth,
 * or an OpenSSL failure. Copies the key; the caller wipes its own. Control path: allocates.
 */
struct crypto_esp *crypto_esp_new(const struct crypto_enc_info *enc, const uint8_t *key,
				  size_t key_len, unsigned icv_bits, struct crypto_auth *auth,
				  struct diag_list *dl) MUST_CHECK;

/* Free a context and its authenticator, cleansing all key material first. NULL is fine. */
void crypto_esp_free(struct crypto_esp *c);

enum crypto_esp_result {
	CRYPTO_ESP_OK = 0,
	CRYPTO_ESP_BAD_LENGTH,	/* shorter than header + IV + ICV, no ciphertext at all, or
				 * ciphertext not a multiple of the block */
	CRYPTO_ESP_ICV_FAIL,	/* the ICV or AEAD tag did not verify */
	CRYPTO_ESP_ERROR,	/* OpenSSL failed: count it, treat it as a drop */
	CRYPTO_ESP_RESULT_MAX
};

/*
 * Authenticate and decrypt one ESP packet (RFC 4303). esp points at the SPI; len covers SPI,
 * sequence number, IV, ciphertext and ICV (attacker-controlled: every length is checked).
 * With esn, seq_hi is the high half of the sequence number: authenticated after the
 * ciphertext for null/cbc (RFC 4303 §2.2.1), in the AAD as SPI || seq_hi || seq_lo for the
 * AEADs (RFC 4106 §5, RFC 7634 §2.1, RFC 4543 §3.3). null/cbc: the ICV is checked in constant
 * time BEFORE anything is decrypted. rfc4543(gcm(aes)): the payload is plaintext, authenticated
 * as AAD after the IV, and copied. On CRYPTO_ESP_OK, out[0..*out_len) is the plaintext with its
 * trailer (padding, pad length, next header: the caller checks them); out needs room for len
 * bytes. On any other result out holds nothing usable. Packet path: no allocation, no syscall.
 */
enum crypto_esp_result crypto_esp_decrypt(struct crypto_esp *c, const uint8_t *esp, size_t len,
					  bool esn, uint32_t seq_hi, uint8_t *out,
					  size_t *out_len);

/*
 * Tests and benchmarks only: build the ESP packet SPI || seq (low 32 bits) || iv || ciphertext
 * || ICV from a plaintext that already carries its trailer (plain_len a multiple of the block)
 * and the explicit IV iv (enc->iv_len bytes). With esn the high 32 bits of seq are
 * authenticated as decrypt expects; without, seq must fit in 32 bits. out needs room for
 * 8 + iv_len + plain_len + ICV bytes. Allocates an encryption context on the first call.
 */
enum crypto_esp_result crypto_esp_encrypt(struct crypto_esp *c, uint32_t spi, uint64_t seq,
					  bool esn, const uint8_t *iv, const uint8_t *plain,
					  size_t plain_len, uint8_t *out, size_t *out_len);

#endif
