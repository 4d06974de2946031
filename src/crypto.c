// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * crypto: the integrity algorithms AH needs, behind one keyed object, and the table of their
 * Linux XFRM names. The only module that includes OpenSSL.
 *
 * HMAC (RFC 2104; RFC 2403 MD5, RFC 2404 SHA-1, RFC 4868 SHA-2): the inner and outer hash
 * states after the padded key block are computed once in crypto_auth_new(); a packet copies
 * them (plain structs) and runs update/final. This uses OpenSSL's low-level MD5_* / SHA*_
 * functions, deprecated in 3.0 but present in every 3.x: on OpenSSL 3.0 every EVP route to a
 * re-keyed HMAC allocates per message (EVP_MAC_init(ctx, NULL, 0, NULL) makes two
 * allocations, EVP_MD_CTX_copy_ex and EVP_DigestInit_ex2 one each, measured on 3.0.22), which
 * the packet path forbids; the precomputed states are also about 20% faster for 1500 bytes.
 *
 * AES-XCBC-MAC-96 (RFC 3566): OpenSSL has none. K1, K2, K3 are derived with AES-128-ECB at
 * setup; per packet the CBC-MAC chain runs on an AES-128-CBC context keyed with K1 (its IV
 * reset to zero), the last block xored with K2 (complete) or padded and xored with K3 before
 * it goes through the same chain. Input pieces are streamed; only a block that straddles two
 * pieces and the last block are copied.
 *
 * AES-GMAC (RFC 4543): an AES-GCM context keyed once; per packet the 12-byte nonce salt || IV
 * is set, all pieces go in as AAD, there is no plaintext, and the tag is the 16-byte GCM tag.
 *
 * Threading: an authenticator is used by one thread at a time (the caller keeps one per SA
 * and packet thread); the algorithm table is immutable. Key material lives in the object and
 * is cleansed when it is freed.
 */
#define OPENSSL_SUPPRESS_DEPRECATED	/* the low-level hash API; see above */

#include "ipsecfw/crypto.h"

#include <assert.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/md5.h>
#include <openssl/sha.h>

#define HMAC_KEY_MIN 1
#define HMAC_KEY_MAX 512	/* RFC 2104 allows any length; this bounds the key file */
#define AES_BLOCK 16
#define GMAC_SALT_LEN 4
#define GMAC_TAG_LEN 16
#define XCBC_CHUNK 512		/* CBC output scratch: the chain runs this many bytes per call */

static const struct crypto_auth_info auth_table[CRYPTO_AUTH_MAX] = {
	{ "hmac(md5)", CRYPTO_AUTH_HMAC_MD5, 96, HMAC_KEY_MIN, HMAC_KEY_MAX, 0, true },
	{ "hmac(sha1)", CRYPTO_AUTH_HMAC_SHA1, 96, HMAC_KEY_MIN, HMAC_KEY_MAX, 0, false },
	{ "hmac(sha256)", CRYPTO_AUTH_HMAC_SHA256, 128, HMAC_KEY_MIN, HMAC_KEY_MAX, 0, false },
	{ "hmac(sha384)", CRYPTO_AUTH_HMAC_SHA384, 192, HMAC_KEY_MIN, HMAC_KEY_MAX, 0, false },
	{ "hmac(sha512)", CRYPTO_AUTH_HMAC_SHA512, 256, HMAC_KEY_MIN, HMAC_KEY_MAX, 0, false },
	{ "xcbc(aes)", CRYPTO_AUTH_XCBC_AES, 96, 16, 16, 0, false },
	{ "rfc4543(gcm(aes))", CRYPTO_AUTH_GMAC_AES, 128, 16 + GMAC_SALT_LEN, 32 + GMAC_SALT_LEN,
	  CRYPTO_GMAC_IV_LEN, false },
};

/* The low-level hash states, copied by value per packet (no pointers inside). */
union hash_state {
	MD5_CTX md5;
	SHA_CTX sha1;
	SHA256_CTX sha256;
	SHA512_CTX sha512;	/* SHA-384 too */
};

struct hash_ops {
	int (*init)(union hash_state *s);
	int (*update)(union hash_state *s, const void *p, size_t len);
	int (*final)(uint8_t *md, union hash_state *s);
	unsigned block_len, out_len;
};

#define HASH_FUNCS(name, field, init_fn, update_fn, final_fn)                       \
	static int name##_init(union hash_state *s)                                 \
	{                                                                           \
		return init_fn(&s->field);                                          \
	}                                                                           \
	static int name##_update(union hash_state *s, const void *p, size_t len)    \
	{                                                                           \
		return update_fn(&s->field, p, len);                                \
	}                                                                           \
	static int name##_final(uint8_t *md, union hash_state *s)                   \
	{                                                                           \
		return final_fn(md, &s->field);                                     \
	}

HASH_FUNCS(md5, md5, MD5_Init, MD5_Update, MD5_Final)
HASH_FUNCS(sha1, sha1, SHA1_Init, SHA1_Update, SHA1_Final)
HASH_FUNCS(sha256, sha256, SHA256_Init, SHA256_Update, SHA256_Final)
HASH_FUNCS(sha384, sha512, SHA384_Init, SHA384_Update, SHA384_Final)
HASH_FUNCS(sha512, sha512, SHA512_Init, SHA512_Update, SHA512_Final)

static const struct hash_ops hash_table[] = {
	[CRYPTO_AUTH_HMAC_MD5] = { md5_init, md5_update, md5_final, 64, 16 },
	[CRYPTO_AUTH_HMAC_SHA1] = { sha1_init, sha1_update, sha1_final, 64, 20 },
	[CRYPTO_AUTH_HMAC_SHA256] = { sha256_init, sha256_update, sha256_final, 64, 32 },
	[CRYPTO_AUTH_HMAC_SHA384] = { sha384_init, sha384_update, sha384_final, 128, 48 },
	[CRYPTO_AUTH_HMAC_SHA512] = { sha512_init, sha512_update, sha512_final, 128, 64 },
};

#define HASH_BLOCK_MAX 128

/*
 * Hot fields first: what every packet reads (algorithm, ICV length, the contexts), then the
 * per-algorithm state. Everything past `alg` is secret or derived from the key.
 */
struct crypto_auth {
	enum crypto_auth_alg alg;
	size_t icv_len;
	const struct crypto_auth_info *info;
	const struct hash_ops *hash;	/* HMAC */
	EVP_CIPHER_CTX *cctx;		/* XCBC: AES-128-CBC under K1; GMAC: AES-GCM */
	uint8_t salt[GMAC_SALT_LEN];	/* GMAC: the nonce's first 4 bytes */
	uint8_t k2[AES_BLOCK], k3[AES_BLOCK];	/* XCBC */
	uint8_t buf[AES_BLOCK];		/* XCBC: a block straddling two input pieces */
	size_t blen;
	union hash_state istate, ostate, work;	/* HMAC */
	uint8_t scratch[XCBC_CHUNK];	/* XCBC: CBC output, only its last block is used */
};

const struct crypto_auth_info *crypto_auth_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(auth_table); i++)
		if (!strcmp(auth_table[i].name, name))
			return &auth_table[i];
	return NULL;
}

bool crypto_auth_icv_ok(const struct crypto_auth_info *info, unsigned bits)
{
	switch (info->alg) {
	case CRYPTO_AUTH_HMAC_MD5:
	case CRYPTO_AUTH_HMAC_SHA1:
	case CRYPTO_AUTH_HMAC_SHA256:
	case CRYPTO_AUTH_HMAC_SHA384:
	case CRYPTO_AUTH_HMAC_SHA512:
		return bits == info->icv_bits || bits == hash_table[info->alg].out_len * 8;
	case CRYPTO_AUTH_XCBC_AES:
		return bits == info->icv_bits || bits == AES_BLOCK * 8;
	case CRYPTO_AUTH_GMAC_AES:
		return bits == info->icv_bits;
	case CRYPTO_AUTH_MAX:
		break;
	}
	return false;
}

/* Report the oldest queued OpenSSL error (or what we were doing) and empty the queue. */
static void ossl_diag(struct diag_list *dl, const char *name, const char *what)
{
	char buf[160] = "unknown error";
	unsigned long e = ERR_get_error();

	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	diag_add(dl, NULL, 0, 0, "%s: OpenSSL failed to %s: %s", name, what, buf);
}

static int hmac_setup(struct crypto_auth *a, const uint8_t *key, size_t key_len)
{
	const struct hash_ops *h = a->hash;
	uint8_t k[HASH_BLOCK_MAX] = { 0 }, pad[HASH_BLOCK_MAX];
	unsigned i;
	int ok = 1;

	/* RFC 2104 §2: a key longer than the block is replaced by its hash. */
	if (key_len > h->block_len)
		ok = h->init(&a->work) && h->update(&a->work, key, key_len) && h->final(k, &a->work);
	else
		memcpy(k, key, key_len);
	for (i = 0; i < h->block_len; i++)
		pad[i] = k[i] ^ 0x36;
	ok = ok && h->init(&a->istate) && h->update(&a->istate, pad, h->block_len);
	for (i = 0; i < h->block_len; i++)
		pad[i] = k[i] ^ 0x5c;
	ok = ok && h->init(&a->ostate) && h->update(&a->ostate, pad, h->block_len);
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(&a->work, sizeof(a->work));
	return ok ? 0 : -1;
}

static int xcbc_setup(struct crypto_auth *a, const uint8_t *key)
{
	static const uint8_t zero[AES_BLOCK];
	uint8_t in[3 * AES_BLOCK], k[3 * AES_BLOCK];
	EVP_CIPHER_CTX *ecb = EVP_CIPHER_CTX_new();
	int n = 0, ok;

	/* RFC 3566 §4: K1 = E(K, 0x01..), K2 = E(K, 0x02..), K3 = E(K, 0x03..). */
	memset(in, 0x01, AES_BLOCK);
	memset(in + AES_BLOCK, 0x02, AES_BLOCK);
	memset(in + 2 * AES_BLOCK, 0x03, AES_BLOCK);
	ok = ecb && EVP_EncryptInit_ex2(ecb, EVP_aes_128_ecb(), key, NULL, NULL) &&
	     EVP_CIPHER_CTX_set_padding(ecb, 0) &&
	     EVP_EncryptUpdate(ecb, k, &n, in, (int)sizeof(in)) && n == (int)sizeof(in);
	EVP_CIPHER_CTX_free(ecb);
	a->cctx = ok ? EVP_CIPHER_CTX_new() : NULL;
	ok = a->cctx && EVP_EncryptInit_ex2(a->cctx, EVP_aes_128_cbc(), k, zero, NULL) &&
	     EVP_CIPHER_CTX_set_padding(a->cctx, 0);
	memcpy(a->k2, k + AES_BLOCK, AES_BLOCK);
	memcpy(a->k3, k + 2 * AES_BLOCK, AES_BLOCK);
	OPENSSL_cleanse(k, sizeof(k));
	return ok ? 0 : -1;
}

static int gmac_setup(struct crypto_auth *a, const uint8_t *key, size_t key_len)
{
	size_t aes_len = key_len - GMAC_SALT_LEN;
	const EVP_CIPHER *c = aes_len == 16 ? EVP_aes_128_gcm() :
			      aes_len == 24 ? EVP_aes_192_gcm() : EVP_aes_256_gcm();

	/* RFC 4543 §3.2: the last four bytes of the keying material are the salt. */
	memcpy(a->salt, key + aes_len, GMAC_SALT_LEN);
	a->cctx = EVP_CIPHER_CTX_new();
	return a->cctx && EVP_EncryptInit_ex2(a->cctx, c, key, NULL, NULL) ? 0 : -1;
}

static bool key_len_ok(const struct crypto_auth_info *info, size_t key_len, struct diag_list *dl)
{
	if (info->alg == CRYPTO_AUTH_GMAC_AES) {
		if (key_len == 20 || key_len == 28 || key_len == 36)
			return true;
		diag_add(dl, NULL, 0, 0,
			 "%s: key is %zu bytes, expected 20, 28 or 36 (AES-128/192/256 key and a "
			 "4-byte salt)", info->name, key_len);
		return false;
	}
	if (key_len >= info->key_min && key_len <= info->key_max)
		return true;
	if (info->key_min == info->key_max)
		diag_add(dl, NULL, 0, 0, "%s: key is %zu bytes, expected %u", info->name, key_len,
			 info->key_min);
	else
		diag_add(dl, NULL, 0, 0, "%s: key is %zu bytes, expected %u to %u", info->name,
			 key_len, info->key_min, info->key_max);
	return false;
}

struct crypto_auth *crypto_auth_new(const struct crypto_auth_info *info, const uint8_t *key,
				    size_t key_len, unsigned icv_bits, struct diag_list *dl)
{
	struct crypto_auth *a;
	int rc;

	assert(info && info->alg < CRYPTO_AUTH_MAX);
	if (!key_len_ok(info, key_len, dl))
		return NULL;
	if (!crypto_auth_icv_ok(info, icv_bits)) {
		diag_add(dl, NULL, 0, 0, "%s: an ICV of %u bits is not allowed (default %u)",
			 info->name, icv_bits, info->icv_bits);
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		diag_add(dl, NULL, 0, 0, "%s: out of memory", info->name);
		return NULL;
	}
	a->alg = info->alg;
	a->info = info;
	a->icv_len = icv_bits / 8;
	if (info->alg == CRYPTO_AUTH_XCBC_AES) {
		rc = xcbc_setup(a, key);
	} else if (info->alg == CRYPTO_AUTH_GMAC_AES) {
		rc = gmac_setup(a, key, key_len);
	} else {
		a->hash = &hash_table[info->alg];
		rc = hmac_setup(a, key, key_len);
	}
	if (rc) {
		ossl_diag(dl, info->name, "prepare the key");
		crypto_auth_free(a);
		return NULL;
	}
	return a;
}

void crypto_auth_free(struct crypto_auth *a)
{
	if (!a)
		return;
	EVP_CIPHER_CTX_free(a->cctx);	/* the provider cleanses its key schedule */
	OPENSSL_cleanse(a, sizeof(*a));
	free(a);
}

size_t crypto_auth_icv_len(const struct crypto_auth *a)
{
	return a->icv_len;
}

/* HMAC(K, m) = H(K ^ opad || H(K ^ ipad || m)), from the precomputed states. */
static int hmac_compute(struct crypto_auth *a, const struct crypto_iov *v, size_t n, uint8_t *md)
{
	const struct hash_ops *h = a->hash;
	size_t i;
	int ok = 1;

	a->work = a->istate;
	for (i = 0; i < n && ok; i++)
		ok = h->update(&a->work, v[i].p, v[i].len);
	ok = ok && h->final(md, &a->work);
	a->work = a->ostate;
	ok = ok && h->update(&a->work, md, h->out_len) && h->final(md, &a->work);
	return ok ? 0 : -1;
}

/* Run whole blocks (len a multiple of 16, at most XCBC_CHUNK) through the CBC-MAC chain. */
static bool xcbc_blocks(struct crypto_auth *a, const uint8_t *p, size_t len)
{
	int outl = 0;

	return EVP_EncryptUpdate(a->cctx, a->scratch, &outl, p, (int)len) == 1 &&
	       (size_t)outl == len;
}

/* Feed bytes that are not part of the last block; a straddling block is gathered in a->buf. */
static int xcbc_body(struct crypto_auth *a, const uint8_t *p, size_t len)
{
	size_t take;

	if (a->blen) {
		take = AES_BLOCK - a->blen < len ? AES_BLOCK - a->blen : len;
		memcpy(a->buf + a->blen, p, take);
		a->blen += take;
		p += take;
		len -= take;
		if (a->blen < AES_BLOCK)
			return 0;
		if (!xcbc_blocks(a, a->buf, AES_BLOCK))
			return -1;
		a->blen = 0;
	}
	while (len >= AES_BLOCK) {
		take = len / AES_BLOCK * AES_BLOCK;
		if (take > XCBC_CHUNK)
			take = XCBC_CHUNK;
		if (!xcbc_blocks(a, p, take))
			return -1;
		p += take;
		len -= take;
	}
	if (len)
		memcpy(a->buf, p, len);
	a->blen = len;
	return 0;
}

/* RFC 3566 §4: every block but the last through E(K1, . ^ chain); the last with K2 or K3. */
static int xcbc_compute(struct crypto_auth *a, const struct crypto_iov *v, size_t n,
			uint8_t *md)
{
	static const uint8_t zero[AES_BLOCK];
	uint8_t last[AES_BLOCK] = { 0 };
	size_t total = 0, body, llen = 0, i, take;

	for (i = 0; i < n; i++)
		total += v[i].len;
	body = total ? (total - 1) / AES_BLOCK * AES_BLOCK : 0;
	if (!EVP_EncryptInit_ex2(a->cctx, NULL, NULL, zero, NULL))
		return -1;
	a->blen = 0;
	for (i = 0; i < n; i++) {
		take = v[i].len < body ? v[i].len : body;
		if (take && xcbc_body(a, v[i].p, take))
			return -1;
		body -= take;
		/* What is left of the piece belongs to the last block: at most 16 bytes in all. */
		if (v[i].len > take) {
			memcpy(last + llen, v[i].p + take, v[i].len - take);
			llen += v[i].len - take;
		}
	}
	if (llen < AES_BLOCK)
		last[llen] = 0x80;	/* the rest is already zero */
	for (i = 0; i < AES_BLOCK; i++)
		last[i] ^= llen == AES_BLOCK ? a->k2[i] : a->k3[i];
	if (!xcbc_blocks(a, last, AES_BLOCK))
		return -1;
	memcpy(md, a->scratch, AES_BLOCK);
	return 0;
}

/* RFC 4543: GCM with nonce salt || iv, every piece as AAD, no plaintext; the tag is the MAC. */
static int gmac_compute(struct crypto_auth *a, const uint8_t *iv, const struct crypto_iov *v,
			size_t n, uint8_t *md)
{
	uint8_t nonce[GMAC_SALT_LEN + CRYPTO_GMAC_IV_LEN];
	size_t i;
	int outl;

	if (!iv)
		return -1;
	memcpy(nonce, a->salt, GMAC_SALT_LEN);
	memcpy(nonce + GMAC_SALT_LEN, iv, CRYPTO_GMAC_IV_LEN);
	if (!EVP_EncryptInit_ex2(a->cctx, NULL, NULL, nonce, NULL))
		return -1;
	for (i = 0; i < n; i++) {
		if (!v[i].len)
			continue;
		if (v[i].len > INT_MAX ||
		    !EVP_EncryptUpdate(a->cctx, NULL, &outl, v[i].p, (int)v[i].len))
			return -1;
	}
	if (!EVP_EncryptFinal_ex(a->cctx, a->scratch, &outl) ||
	    !EVP_CIPHER_CTX_ctrl(a->cctx, EVP_CTRL_AEAD_GET_TAG, GMAC_TAG_LEN, md))
		return -1;
	return 0;
}

int crypto_auth_compute(struct crypto_auth *a, const uint8_t *iv, const struct crypto_iov *v,
			size_t n, uint8_t *out)
{
	uint8_t md[CRYPTO_AUTH_ICV_MAX];
	int rc;

	if (a->alg == CRYPTO_AUTH_XCBC_AES)
		rc = xcbc_compute(a, v, n, md);
	else if (a->alg == CRYPTO_AUTH_GMAC_AES)
		rc = gmac_compute(a, iv, v, n, md);
	else
		rc = hmac_compute(a, v, n, md);
	if (rc == 0)
		memcpy(out, md, a->icv_len);
	return rc;
}

bool crypto_auth_verify(struct crypto_auth *a, const uint8_t *iv, const struct crypto_iov *v,
			size_t n, const uint8_t *icv)
{
	uint8_t out[CRYPTO_AUTH_ICV_MAX];

	if (crypto_auth_compute(a, iv, v, n, out))
		return false;
	return CRYPTO_memcmp(out, icv, a->icv_len) == 0;
}

/*
 * ESP (RFC 4303). cbc(aes) and ecb(cipher_null) pair with one of the authenticators above: the
 * ICV over SPI .. ciphertext (and the high sequence half with ESN) is verified in constant
 * time before a byte is decrypted. The AEADs (RFC 4106 AES-GCM, RFC 7634 ChaCha20-Poly1305,
 * RFC 4543 AES-GMAC) key one OpenSSL context in crypto_esp_new(); a packet only sets the
 * nonce salt || IV (EVP_DecryptInit_ex with NULL cipher and key: no allocation on 3.0, see
 * the unit test that hooks OpenSSL's allocator), the expected tag, the AAD and runs
 * update/final. cbc(aes) likewise only resets the IV of a context keyed once, padding off.
 */
#define ESP_HDR_LEN 8		/* SPI and sequence number */
#define ESP_SALT_LEN 4
#define ESP_KEY_MAX 36

static const struct crypto_enc_info enc_table[CRYPTO_ENC_MAX] = {
	{ "ecb(cipher_null)", CRYPTO_ENC_NULL, false, 0, 0, 0, 4, 0 },
	{ "cbc(aes)", CRYPTO_ENC_CBC_AES, false, 16, 32, 16, 16, 0 },
	{ "rfc4106(gcm(aes))", CRYPTO_ENC_GCM_AES, true, 20, 36, 8, 4, 128 },
	{ "rfc7539esp(chacha20,poly1305)", CRYPTO_ENC_CHACHAPOLY, true, 36, 36, 8, 4, 128 },
	{ "rfc4543(gcm(aes))", CRYPTO_ENC_GMAC_AES, true, 20, 36, 8, 4, 128 },
};

/*
 * Hot fields first: what every packet reads. Everything from `salt` on is secret or derived
 * from the key; the whole object is cleansed when it is freed.
 */
struct crypto_esp {
	enum crypto_enc_alg alg;
	size_t iv_len, block, icv_len;
	EVP_CIPHER_CTX *dctx;		/* cbc, gcm, chachapoly, gmac: keyed for decryption */
	struct crypto_auth *auth;	/* null, cbc */
	const struct crypto_enc_info *info;
	const EVP_CIPHER *cipher;
	EVP_CIPHER_CTX *ectx;		/* crypto_esp_encrypt(): made on first use */
	uint8_t salt[ESP_SALT_LEN];	/* AEAD: the nonce's first 4 bytes */
	uint8_t key[ESP_KEY_MAX];	/* kept for ectx only */
	size_t key_len;
};

const struct crypto_enc_info *crypto_enc_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(enc_table); i++)
		if (!strcmp(enc_table[i].name, name))
			return &enc_table[i];
	return NULL;
}

bool crypto_enc_icv_ok(const struct crypto_enc_info *info, unsigned bits)
{
	switch (info->alg) {
	case CRYPTO_ENC_NULL:
	case CRYPTO_ENC_CBC_AES:
		return bits == 0;
	case CRYPTO_ENC_GCM_AES:
		return bits == 64 || bits == 96 || bits == 128;
	case CRYPTO_ENC_CHACHAPOLY:
	case CRYPTO_ENC_GMAC_AES:
		return bits == 128;
	case CRYPTO_ENC_MAX:
		break;
	}
	return false;
}

static bool enc_key_len_ok(const struct crypto_enc_info *info, size_t key_len,
			   struct diag_list *dl)
{
	size_t salt = info->alg == CRYPTO_ENC_GCM_AES || info->alg == CRYPTO_ENC_GMAC_AES ?
			      ESP_SALT_LEN : 0;

	if (info->alg == CRYPTO_ENC_CBC_AES || salt) {
		if (key_len == 16 + salt || key_len == 24 + salt || key_len == 32 + salt)
			return true;
		diag_add(dl, NULL, 0, 0, "%s: key is %zu bytes, expected %zu, %zu or %zu%s",
			 info->name, key_len, 16 + salt, 24 + salt, 32 + salt,
			 salt ? " (AES-128/192/256 key and a 4-byte salt)" : "");
		return false;
	}
	if (key_len == info->key_min)
		return true;
	diag_add(dl, NULL, 0, 0, "%s: key is %zu bytes, expected %u%s", info->name, key_len,
		 info->key_min, info->alg == CRYPTO_ENC_CHACHAPOLY ? " (32-byte key, 4-byte salt)" : "");
	return false;
}

static const EVP_CIPHER *enc_cipher(const struct crypto_enc_info *info, size_t key_len)
{
	switch (info->alg) {
	case CRYPTO_ENC_CBC_AES:
		return key_len == 16 ? EVP_aes_128_cbc() :
		       key_len == 24 ? EVP_aes_192_cbc() : EVP_aes_256_cbc();
	case CRYPTO_ENC_GCM_AES:
	case CRYPTO_ENC_GMAC_AES:
		return key_len == 20 ? EVP_aes_128_gcm() :
		       key_len == 28 ? EVP_aes_192_gcm() : EVP_aes_256_gcm();
	case CRYPTO_ENC_CHACHAPOLY:
		return EVP_chacha20_poly1305();
	case CRYPTO_ENC_NULL:
	case CRYPTO_ENC_MAX:
		break;
	}
	return NULL;
}

/* Key a fresh context for one direction; cbc without padding. NULL on an OpenSSL error. */
static EVP_CIPHER_CTX *enc_ctx_new(const struct crypto_esp *c, int enc)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	size_t cipher_key = c->info->aead ? c->key_len - ESP_SALT_LEN : c->key_len;

	if (!ctx)
		return NULL;
	if (!EVP_CipherInit_ex(ctx, c->cipher, NULL, NULL, NULL, enc) ||
	    (size_t)EVP_CIPHER_CTX_get_key_length(ctx) != cipher_key ||
	    !EVP_CipherInit_ex(ctx, NULL, NULL, c->key, NULL, enc) ||
	    (c->alg == CRYPTO_ENC_CBC_AES && !EVP_CIPHER_CTX_set_padding(ctx, 0))) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* The pairing rules: which ciphers need an authenticator and which ICV lengths go with it. */
static bool esp_pairing_ok(const struct crypto_enc_info *enc, unsigned icv_bits,
			   const struct crypto_auth *auth, struct diag_list *dl)
{
	if (enc->aead) {
		if (auth)
			diag_add(dl, NULL, 0, 0, "%s: an AEAD cipher takes no separate auth",
				 enc->name);
		else if (!crypto_enc_icv_ok(enc, icv_bits))
			diag_add(dl, NULL, 0, 0, "%s: an ICV of %u bits is not allowed "
				 "(default %u)", enc->name, icv_bits, enc->icv_bits);
		else
			return true;
		return false;
	}
	if (!auth)
		diag_add(dl, NULL, 0, 0, "%s: needs an auth algorithm (ESP without integrity "
			 "is refused)", enc->name);
	else if (auth->alg == CRYPTO_AUTH_GMAC_AES)
		diag_add(dl, NULL, 0, 0, "%s: %s is not an ESP auth algorithm; use it as the "
			 "cipher", enc->name, auth->info->name);
	else if (icv_bits && icv_bits != auth->icv_len * 8)
		diag_add(dl, NULL, 0, 0, "%s: an ICV of %u bits does not match %s's %zu",
			 enc->name, icv_bits, auth->info->name, auth->icv_len * 8);
	else
		return true;
	return false;
}

struct crypto_esp *crypto_esp_new(const struct crypto_enc_info *enc, const uint8_t *key,
				  size_t key_len, unsigned icv_bits, struct crypto_auth *auth,
				  struct diag_list *dl)
{
	struct crypto_esp *c;

	assert(enc && enc->alg < CRYPTO_ENC_MAX);
	if (!enc_key_len_ok(enc, key_len, dl) || !esp_pairing_ok(enc, icv_bits, auth, dl))
		goto err_free_auth;
	c = calloc(1, sizeof(*c));
	if (!c) {
		diag_add(dl, NULL, 0, 0, "%s: out of memory", enc->name);
		goto err_free_auth;
	}
	c->alg = enc->alg;
	c->info = enc;
	c->iv_len = enc->iv_len;
	c->block = enc->block;
	c->auth = auth;
	c->icv_len = enc->aead ? icv_bits / 8 : crypto_auth_icv_len(auth);
	c->key_len = key_len;
	if (key_len)
		memcpy(c->key, key, key_len);
	if (enc->aead)
		memcpy(c->salt, key + key_len - ESP_SALT_LEN, ESP_SALT_LEN);
	c->cipher = enc_cipher(enc, key_len);
	if (c->cipher && !(c->dctx = enc_ctx_new(c, 0))) {
		ossl_diag(dl, enc->name, "prepare the key");
		crypto_esp_free(c);
		return NULL;
	}
	return c;

err_free_auth:
	crypto_auth_free(auth);
	return NULL;
}

void crypto_esp_free(struct crypto_esp *c)
{
	if (!c)
		return;
	EVP_CIPHER_CTX_free(c->dctx);
	EVP_CIPHER_CTX_free(c->ectx);
	crypto_auth_free(c->auth);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

static void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The AEAD AAD: SPI || seq_lo, or SPI || seq_hi || seq_lo with ESN (RFC 4106 §5). */
static int esp_aad(const uint8_t *esp, bool esn, uint32_t seq_hi, uint8_t *aad)
{
	memcpy(aad, esp, 4);
	if (!esn) {
		memcpy(aad + 4, esp + 4, 4);
		return 8;
	}
	store_be32(aad + 4, seq_hi);
	memcpy(aad + 8, esp + 4, 4);
	return 12;
}

/*
 * GCM, ChaCha20-Poly1305, GMAC on a checked packet: nonce salt || IV, then the AAD, then the
 * ciphertext (GMAC: IV and payload are more AAD), and the tag decides in final. OpenSSL
 * compares the tag in constant time.
 */
static enum crypto_esp_result aead_open(struct crypto_esp *c, const uint8_t *esp, int ct_len,
					bool esn, uint32_t seq_hi, uint8_t *out)
{
	uint8_t nonce[ESP_SALT_LEN + 8], aad[12], tag[CRYPTO_ESP_AEAD_ICV_MAX];
	const uint8_t *iv = esp + ESP_HDR_LEN, *ct = iv + c->iv_len;
	bool gmac = c->alg == CRYPTO_ENC_GMAC_AES;
	int outl = 0, n;

	memcpy(nonce, c->salt, ESP_SALT_LEN);
	memcpy(nonce + ESP_SALT_LEN, iv, 8);
	memcpy(tag, ct + ct_len, c->icv_len);
	if (!EVP_DecryptInit_ex(c->dctx, NULL, NULL, NULL, nonce) ||
	    !EVP_DecryptUpdate(c->dctx, NULL, &n, aad, esp_aad(esp, esn, seq_hi, aad)))
		return CRYPTO_ESP_ERROR;
	if (gmac) {
		if (!EVP_DecryptUpdate(c->dctx, NULL, &n, iv, (int)c->iv_len) ||
		    !EVP_DecryptUpdate(c->dctx, NULL, &n, ct, ct_len))
			return CRYPTO_ESP_ERROR;
	} else if (!EVP_DecryptUpdate(c->dctx, out, &outl, ct, ct_len) || outl != ct_len) {
		return CRYPTO_ESP_ERROR;
	}
	if (!EVP_CIPHER_CTX_ctrl(c->dctx, EVP_CTRL_AEAD_SET_TAG, (int)c->icv_len, tag))
		return CRYPTO_ESP_ERROR;
	if (EVP_DecryptFinal_ex(c->dctx, out + outl, &n) <= 0)
		return CRYPTO_ESP_ICV_FAIL;
	if (gmac)
		memcpy(out, ct, (size_t)ct_len);
	return CRYPTO_ESP_OK;
}

/* null and cbc: the ICV over SPI .. ciphertext (|| seq_hi) first, then decrypt. */
static enum crypto_esp_result auth_then_decrypt(struct crypto_esp *c, const uint8_t *esp,
						size_t len, int ct_len, bool esn,
						uint32_t seq_hi, uint8_t *out)
{
	const uint8_t *iv = esp + ESP_HDR_LEN, *ct = iv + c->iv_len;
	uint8_t hi[4];
	struct crypto_iov v[2] = { { esp, len - c->icv_len }, { hi, sizeof(hi) } };
	int outl = 0, n = 0;

	store_be32(hi, seq_hi);
	if (!crypto_auth_verify(c->auth, NULL, v, esn ? 2 : 1, esp + len - c->icv_len))
		return CRYPTO_ESP_ICV_FAIL;
	if (c->alg == CRYPTO_ENC_NULL) {
		memcpy(out, ct, (size_t)ct_len);
		return CRYPTO_ESP_OK;
	}
	if (!EVP_DecryptInit_ex(c->dctx, NULL, NULL, NULL, iv) ||
	    !EVP_DecryptUpdate(c->dctx, out, &outl, ct, ct_len) ||
	    !EVP_DecryptFinal_ex(c->dctx, out + outl, &n) || outl + n != ct_len)
		return CRYPTO_ESP_ERROR;
	return CRYPTO_ESP_OK;
}

enum crypto_esp_result crypto_esp_decrypt(struct crypto_esp *c, const uint8_t *esp, size_t len,
					  bool esn, uint32_t seq_hi, uint8_t *out,
					  size_t *out_len)
{
	size_t over = ESP_HDR_LEN + c->iv_len + c->icv_len, ct_len;
	enum crypto_esp_result r;

	/* Attacker-controlled length: room for header, IV and ICV, whole blocks, a trailer. */
	if (len <= over || len - over > INT_MAX)
		return CRYPTO_ESP_BAD_LENGTH;
	ct_len = len - over;
	if (ct_len % c->block)
		return CRYPTO_ESP_BAD_LENGTH;
	if (c->info->aead)
		r = aead_open(c, esp, (int)ct_len, esn, seq_hi, out);
	else
		r = auth_then_decrypt(c, esp, len, (int)ct_len, esn, seq_hi, out);
	if (r == CRYPTO_ESP_OK)
		*out_len = ct_len;
	return r;
}

/* Encrypt side of aead_open(), for crypto_esp_encrypt(): ciphertext and tag into out. */
static enum crypto_esp_result aead_seal(struct crypto_esp *c, uint8_t *pkt, int pt_len,
					bool esn, uint32_t seq_hi, const uint8_t *plain)
{
	uint8_t nonce[ESP_SALT_LEN + 8], aad[12];
	uint8_t *iv = pkt + ESP_HDR_LEN, *ct = iv + c->iv_len;
	bool gmac = c->alg == CRYPTO_ENC_GMAC_AES;
	int outl = 0, n;

	memcpy(nonce, c->salt, ESP_SALT_LEN);
	memcpy(nonce + ESP_SALT_LEN, iv, 8);
	if (!EVP_EncryptInit_ex(c->ectx, NULL, NULL, NULL, nonce) ||
	    !EVP_EncryptUpdate(c->ectx, NULL, &n, aad, esp_aad(pkt, esn, seq_hi, aad)))
		return CRYPTO_ESP_ERROR;
	if (gmac) {
		memcpy(ct, plain, (size_t)pt_len);
		if (!EVP_EncryptUpdate(c->ectx, NULL, &n, iv, (int)c->iv_len) ||
		    !EVP_EncryptUpdate(c->ectx, NULL, &n, ct, pt_len))
			return CRYPTO_ESP_ERROR;
	} else if (!EVP_EncryptUpdate(c->ectx, ct, &outl, plain, pt_len) || outl != pt_len) {
		return CRYPTO_ESP_ERROR;
	}
	if (!EVP_EncryptFinal_ex(c->ectx, ct + outl, &n) ||
	    !EVP_CIPHER_CTX_ctrl(c->ectx, EVP_CTRL_AEAD_GET_TAG, (int)c->icv_len, ct + pt_len))
		return CRYPTO_ESP_ERROR;
	return CRYPTO_ESP_OK;
}

/* Encrypt side of auth_then_decrypt(): encrypt, then the ICV over what was written. */
static enum crypto_esp_result encrypt_then_auth(struct crypto_esp *c, uint8_t *pkt, int pt_len,
						bool esn, uint32_t seq_hi, const uint8_t *plain)
{
	uint8_t *iv = pkt + ESP_HDR_LEN, *ct = iv + c->iv_len, hi[4];
	size_t body = ESP_HDR_LEN + c->iv_len + (size_t)pt_len;
	struct crypto_iov v[2] = { { pkt, body }, { hi, sizeof(hi) } };
	int outl = 0, n = 0;

	if (c->alg == CRYPTO_ENC_NULL) {
		memcpy(ct, plain, (size_t)pt_len);
	} else if (!EVP_EncryptInit_ex(c->ectx, NULL, NULL, NULL, iv) ||
		   !EVP_EncryptUpdate(c->ectx, ct, &outl, plain, pt_len) ||
		   !EVP_EncryptFinal_ex(c->ectx, ct + outl, &n) || outl + n != pt_len) {
		return CRYPTO_ESP_ERROR;
	}
	store_be32(hi, seq_hi);
	if (crypto_auth_compute(c->auth, NULL, v, esn ? 2 : 1, pkt + body))
		return CRYPTO_ESP_ERROR;
	return CRYPTO_ESP_OK;
}

enum crypto_esp_result crypto_esp_encrypt(struct crypto_esp *c, uint32_t spi, uint64_t seq,
					  bool esn, const uint8_t *iv, const uint8_t *plain,
					  size_t plain_len, uint8_t *out, size_t *out_len)
{
	enum crypto_esp_result r;

	if (!plain_len || plain_len % c->block || plain_len > INT_MAX / 2)
		return CRYPTO_ESP_BAD_LENGTH;
	if (!esn && seq >> 32)
		return CRYPTO_ESP_ERROR;
	if (c->cipher && !c->ectx && !(c->ectx = enc_ctx_new(c, 1)))
		return CRYPTO_ESP_ERROR;
	store_be32(out, spi);
	store_be32(out + 4, (uint32_t)seq);
	if (c->iv_len)
		memcpy(out + ESP_HDR_LEN, iv, c->iv_len);
	if (c->info->aead)
		r = aead_seal(c, out, (int)plain_len, esn, (uint32_t)(seq >> 32), plain);
	else
		r = encrypt_then_auth(c, out, (int)plain_len, esn, (uint32_t)(seq >> 32), plain);
	if (r == CRYPTO_ESP_OK)
		*out_len = ESP_HDR_LEN + c->iv_len + plain_len + c->icv_len;
	return r;
}
