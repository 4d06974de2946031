// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * make bench: offline engine throughput. The capture is held in memory and pushed through
 * engine_process() in a loop on one core, for the given rule file and for generated rule sets
 * of 100 and 1,000 rules placed in front of it (so every packet walks all of them). A
 * header-only parse (decode_quick) of the same packets runs in the same process as the limit.
 * Prints packets per second and ns per packet: CLOCK_MONOTONIC over whole passes, the best of
 * REPS repetitions (a shared VM's noise only ever adds time).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ipsecfw/decode.h"
#include "ipsecfw/engine.h"
#include "ipsecfw/pcapio.h"
#include "ipsecfw/rules.h"
#include "ipsecfw/ruleset.h"

#define MAX_PKTS 4096
#define TARGET_NS 300000000.0	/* about 0.3 s per repetition */
#define REPS 5			/* the best of REPS repetitions is reported */

static uint8_t *pkt[MAX_PKTS];
static size_t pkt_len[MAX_PKTS];
static size_t npkt;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void load(const char *path)
{
	struct diag_list dl = { 0 };
	struct pcapio_reader *r = pcapio_open(path, &dl);
	struct pcapio_frame f;
	enum pcapio_status st;

	if (!r) {
		fprintf(stderr, "bench: %s: %s\n", path, dl.d[0].msg);
		exit(1);
	}
	while ((st = pcapio_next(r, &f, &dl)) != PCAPIO_EOF && npkt < MAX_PKTS) {
		if (st != PCAPIO_PACKET)
			continue;
		pkt[npkt] = malloc(f.l3_len);
		memcpy(pkt[npkt], f.l3, f.l3_len);
		pkt_len[npkt++] = f.l3_len;
	}
	pcapio_close(r);
}

static volatile unsigned sink;

static double run_quick(unsigned passes)
{
	uint16_t sp, dp;
	double t0 = now_ns();
	unsigned i;
	size_t k;

	for (i = 0; i < passes; i++)
		for (k = 0; k < npkt; k++)
			sink += (unsigned)decode_quick(pkt[k], pkt_len[k], &sp, &dp) + sp + dp;
	return now_ns() - t0;
}

static double run_decode(unsigned passes)
{
	static struct decode_pkt p;
	double t0 = now_ns();
	unsigned i;
	size_t k;

	for (i = 0; i < passes; i++)
		for (k = 0; k < npkt; k++)
			sink += decode_packet(&p, pkt[k], pkt_len[k]);
	return now_ns() - t0;
}

static double run_engine(struct engine *e, const struct ruleset *rs, unsigned passes)
{
	struct engine_verdict v;
	double t0 = now_ns();
	unsigned i;
	size_t k;

	for (i = 0; i < passes; i++)
		for (k = 0; k < npkt; k++) {
			engine_process(e, rs, pkt[k], pkt_len[k], ENGINE_DIR_FROM_ADDRS, 0, &v);
			sink += v.verdict;
		}
	return now_ns() - t0;
}

/* Calibrate the pass count to about TARGET_NS, then measure; returns ns per packet. */
static double measure(const char *name, struct engine *e, const struct ruleset *rs)
{
	unsigned passes = 16, rep;
	double t, best = 1e300;

	for (;;) {
		t = rs ? run_engine(e, rs, passes) : e ? run_decode(passes) : run_quick(passes);
		if (t > TARGET_NS / 4 || passes > (1u << 28))
			break;
		passes *= 2;
	}
	passes = (unsigned)(passes * (TARGET_NS / t)) + 1;
	for (rep = 0; rep < REPS; rep++) {
		t = rs ? run_engine(e, rs, passes) : e ? run_decode(passes) : run_quick(passes);
		t /= (double)passes * (double)npkt;
		if (t < best)
			best = t;
	}
	printf("%-34s %8.1f ns/pkt %12.0f pkt/s\n", name, best, 1e9 / best);
	return best;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0) {
		perror(path);
		exit(1);
	}
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(1);
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/*
 * The seed file with `extra` rules in front of its first rule line, none of which matches the
 * capture: each packet is tested against all of them before it reaches the seed rows.
 */
static struct ruleset *build(const char *text, size_t len, unsigned extra)
{
	struct diag_list dl = { 0 };
	size_t cap = len + extra * 96 + 1, k = 0, i;
	const char *first = strstr(text, "\npass ");
	struct rules_file *f;
	struct ruleset *rs;
	char *buf = malloc(cap);

	if (!first) {
		fprintf(stderr, "bench: no rule line found\n");
		exit(1);
	}
	first++;
	memcpy(buf, text, (size_t)(first - text));
	k = (size_t)(first - text);
	for (i = 0; i < extra; i++)
		k += (size_t)snprintf(buf + k, cap - k,
				      "block in proto tcp from 203.0.113.%zu to $int port %zu\n",
				      i % 256, 1024 + i);
	memcpy(buf + k, first, len - (size_t)(first - text));
	k += len - (size_t)(first - text);
	f = rules_parse_string("bench", buf, k, &dl);
	if (!f || !(rs = ruleset_build(f, 1, &dl))) {
		fprintf(stderr, "bench: rules do not load: %s\n", dl.n ? dl.d[0].msg : "?");
		exit(1);
	}
	rules_file_free(f);
	free(buf);
	return rs;
}

static void bench_esp(void);

int main(int argc, char **argv)
{
	static const unsigned extras[] = { 0, 100, 1000 };
	struct engine *e = engine_new(0);
	double quick, t;
	size_t len, i;
	char name[64];
	char *text;

	if (argc != 3 || !e) {
		fprintf(stderr, "usage: bench_engine PCAP RULES\n");
		return 2;
	}
	load(argv[1]);
	text = slurp(argv[2], &len);
	printf("engine benchmark: %zu packets from %s held in memory, one core\n", npkt, argv[1]);
	quick = measure("header-only parse (limit)", NULL, NULL);
	t = measure("full decode, no rules", e, NULL);
	printf("%-34s %8.1fx the header-only parse\n", "", t / quick);
	for (i = 0; i < sizeof(extras) / sizeof(extras[0]); i++) {
		struct ruleset *rs = build(text, len, extras[i]);

		snprintf(name, sizeof(name), "engine, %s +%u rules",
			 extras[i] ? "seed" : "seed table", extras[i]);
		t = measure(name, e, rs);
		printf("%-34s %8.1fx the header-only parse\n", "", t / quick);
		ruleset_free(rs);
	}
	engine_free(e);
	free(text);
	bench_esp();
	return 0;
}

/*
 * ESP decrypt + authenticate per cipher at 64, 512 and 1400-byte payloads (cbc: 1408, whole
 * blocks), against a raw OpenSSL EVP loop doing the same cipher work in the same run: for the
 * AEADs set the nonce, AAD, update, tag, final on a context keyed once; for cbc(aes) a CBC
 * decrypt plus the two SHA-256 passes of an HMAC (ipad block || packet, opad block || inner
 * hash) on one reused EVP_MD_CTX, with no key setup: the HMAC work without its overhead
 * (OpenSSL's own HMAC()/EVP_MAC re-key per message and allocate). Reports MB/s of payload
 * (10^6 bytes per second) and the ratio ours/raw.
 */
#include <openssl/evp.h>

#include "ipsecfw/crypto.h"

struct esp_bench {
	const char *name, *enc, *auth;
	size_t key_len;
	const EVP_CIPHER *(*raw)(void);
};

static double esp_rate(struct crypto_esp *c, const uint8_t *esp, size_t len, size_t payload)
{
	static uint8_t out[2048];
	double best = 0, t0, dt;
	size_t out_len;
	unsigned r, i, n = 1000;

	for (r = 0; r < REPS; r++) {
		t0 = now_ns();
		for (i = 0; i < n; i++)
			if (crypto_esp_decrypt(c, esp, len, false, 0, out, &out_len))
				abort();
		dt = now_ns() - t0;
		if (dt < TARGET_NS / 10) {
			n *= 4;
			r--;
			continue;
		}
		if (payload * n / dt * 1e3 > best)
			best = payload * n / dt * 1e3;	/* MB/s */
	}
	return best;
}

/* The same work straight on EVP: returns MB/s, or 0 if OpenSSL refused. */
static double raw_rate(const struct esp_bench *b, const uint8_t *key, const uint8_t *esp,
		       size_t len, size_t payload)
{
	static uint8_t out[2048], md[64], pad[64];
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	bool cbc = b->enc[0] == 'c', gmac = !strcmp(b->enc, "rfc4543(gcm(aes))");
	size_t ivl = cbc ? 16 : 8, icv = 16, ctl = len - 8 - ivl - icv;
	uint8_t nonce[12], tag[16];
	double best = 0, t0, dt;
	unsigned r, i, n = 1000, mdl;
	int l;

	EVP_DecryptInit_ex(ctx, b->raw(), NULL, key, NULL);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	memcpy(nonce, key + b->key_len - 4, 4);
	for (r = 0; r < REPS; r++) {
		t0 = now_ns();
		for (i = 0; i < n; i++) {
			const uint8_t *iv = esp + 8, *ct = iv + ivl;

			if (cbc) {
				EVP_DigestInit_ex(mctx, EVP_sha256(), NULL);
				EVP_DigestUpdate(mctx, pad, 64);
				EVP_DigestUpdate(mctx, esp, len - icv);
				EVP_DigestFinal_ex(mctx, md, &mdl);
				EVP_DigestInit_ex(mctx, EVP_sha256(), NULL);
				EVP_DigestUpdate(mctx, pad, 64);
				EVP_DigestUpdate(mctx, md, 32);
				EVP_DigestFinal_ex(mctx, md, &mdl);
				EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, iv);
				EVP_DecryptUpdate(ctx, out, &l, ct, (int)ctl);
				continue;
			}
			memcpy(nonce + 4, iv, 8);
			memcpy(tag, ct + ctl, 16);
			EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, nonce);
			EVP_DecryptUpdate(ctx, NULL, &l, esp, 8);
			if (gmac)
				EVP_DecryptUpdate(ctx, NULL, &l, esp + 8, (int)(ivl + ctl));
			else
				EVP_DecryptUpdate(ctx, out, &l, ct, (int)ctl);
			EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, tag);
			if (EVP_DecryptFinal_ex(ctx, out + l, &l) <= 0)
				abort();
		}
		dt = now_ns() - t0;
		if (dt < TARGET_NS / 10) {
			n *= 4;
			r--;
			continue;
		}
		if (payload * n / dt * 1e3 > best)
			best = payload * n / dt * 1e3;
	}
	EVP_CIPHER_CTX_free(ctx);
	EVP_MD_CTX_free(mctx);
	return best;
}

static void bench_esp(void)
{
	static const struct esp_bench rows[] = {
		{ "cbc(aes)-128 + hmac(sha256)", "cbc(aes)", "hmac(sha256)", 16, EVP_aes_128_cbc },
		{ "cbc(aes)-256 + hmac(sha256)", "cbc(aes)", "hmac(sha256)", 32, EVP_aes_256_cbc },
		{ "rfc4106(gcm(aes))-128", "rfc4106(gcm(aes))", NULL, 20, EVP_aes_128_gcm },
		{ "rfc4106(gcm(aes))-256", "rfc4106(gcm(aes))", NULL, 36, EVP_aes_256_gcm },
		{ "rfc7539esp(chacha20,poly1305)", "rfc7539esp(chacha20,poly1305)", NULL, 36,
		  EVP_chacha20_poly1305 },
		{ "rfc4543(gcm(aes))-128 (GMAC)", "rfc4543(gcm(aes))", NULL, 20, EVP_aes_128_gcm },
	};
	static const size_t sizes[] = { 64, 512, 1400 };
	static uint8_t plain[1408], esp[2048];
	uint8_t key[36], iv[16] = { 1, 2, 3 };
	size_t i, s, len, n;

	memset(key, 0x5a, sizeof(key));
	printf("\nESP decrypt + authenticate, MB/s of payload (best of %d), vs raw OpenSSL EVP:\n",
	       REPS);
	printf("%-32s %20s %20s %20s\n", "", "64 B", "512 B", "1400 B");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct esp_bench *b = &rows[i];
		struct diag_list dl = { 0 };
		struct crypto_auth *a = b->auth ? crypto_auth_new(crypto_auth_find(b->auth), key,
								  32, 128, &dl) : NULL;
		struct crypto_esp *c = crypto_esp_new(crypto_enc_find(b->enc), key, b->key_len,
						      b->auth ? 0 : 128, a, &dl);

		if (!c) {
			fprintf(stderr, "%s: %s\n", b->name, dl.n ? dl.d[0].msg : "?");
			exit(1);
		}
		printf("%-32s", b->name);
		for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			double ours, raw;

			n = b->auth ? (sizes[s] + 15) / 16 * 16 : sizes[s];
			if (crypto_esp_encrypt(c, 0x100, 1, false, iv, plain, n, esp, &len))
				abort();
			ours = esp_rate(c, esp, len, n);
			raw = raw_rate(b, key, esp, len, n);
			printf(" %6.0f/%6.0f %4.2fx", ours, raw, ours / raw);
		}
		printf("\n");
		crypto_esp_free(c);
	}
}
