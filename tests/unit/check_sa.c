// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sa: the key-file parser (good lines, every error with its column, files and their
 * permissions), the table (lookup, replace, delete, flush, 100,000 SAs), the counters and
 * the anti-replay window (single-threaded against a reference model, ESN inference from
 * RFC 4303 A2.2, and several threads committing the same numbers).
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ipsecfw/crypto.h"
#include "ipsecfw/engine.h"
#include "ipsecfw/sa.h"
#include "unit.h"

#define K20 "0x0102030405060708090a0b0c0d0e0f1011121314"
#define K16 "0x0102030405060708090a0b0c0d0e0f10"
#define K32 K16 "1112131415161718191a1b1c1d1e1f20"
#define K48 K32 "2122232425262728292a2b2c2d2e2f30"
#define K64 K48 "3132333435363738393a3b3c3d3e3f40"
#define K24 K16 "1112131415161718"
#define K36 K32 "21222324"
#define K28 K24 "19202122"
#define D "esp spi 0x1000 dst 192.0.2.1 "

static struct sa_table *new_table(unsigned nthreads)
{
	struct diag_list dl = { .n = 0 };
	struct sa_table *t;

	engine_thread_register();
	t = sa_table_new(nthreads, &dl);
	ck_assert_ptr_nonnull(t);
	return t;
}

static void free_table(struct sa_table *t)
{
	sa_table_free(t);
	engine_thread_unregister();
}

static void diag_text(const struct diag_list *dl, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < dl->n && n < size; i++) {
		diag_format(&dl->d[i], buf + n, size - n);
		n += strlen(buf + n);
		if (n + 1 < size) {
			buf[n++] = '\n';
			buf[n] = 0;
		}
	}
}

static struct sa *lookup4(struct sa_table *t, uint32_t spi, const char *dst)
{
	uint8_t a[4];
	struct sa *s;

	ck_assert_int_eq(inet_pton(AF_INET, dst, a), 1);
	engine_read_begin();
	s = sa_lookup(t, spi, 4, a, 51);
	engine_read_end();
	return s;
}

/* A line that must load, and what it must say. */
static const struct good_case {
	const char *name, *line;
	uint32_t spi;
	uint8_t family;
	const char *auth;
	unsigned icv_bits, window;
	enum sa_mode mode;
	bool esn, has_src;
	uint64_t seq;
} good[] = {
	{ "design example", "ah spi 0x00002000 dst 192.0.2.10 auth-trunc hmac(sha1) " K20 " 96",
	  0x2000, 4, "hmac(sha1)", 96, 64, SA_MODE_ANY, false, false, 0 },
	{ "auth default icv sha256", "ah spi 4096 dst 2001:db8::1 auth hmac(sha256) " K32,
	  4096, 6, "hmac(sha256)", 128, 64, SA_MODE_ANY, false, false, 0 },
	{ "any order, src first", "ah src 198.51.100.1 mode tunnel spi 0x300 dst 192.0.2.1 "
	  "replay-window 0 auth-trunc hmac(sha512) " K64 " 256", 0x300, 4, "hmac(sha512)", 256, 0,
	  SA_MODE_TUNNEL, false, true, 0 },
	{ "esn with sequence state", "ah spi 0x1234 dst 192.0.2.1 auth-trunc hmac(sha384) " K48
	  " 192 mode transport esn replay-window 4096 seq-hi 0x2 seq 0x10", 0x1234, 4,
	  "hmac(sha384)", 192, 4096, SA_MODE_TRANSPORT, true, false, 0x200000010ULL },
	{ "ip xfrm words", "src 192.0.2.2 dst 192.0.2.1 proto ah spi 0x00000101 reqid 1 mode "
	  "transport replay-window 32 auth-trunc hmac(sha1) " K20 " 160 # a comment",
	  0x101, 4, "hmac(sha1)", 160, 32, SA_MODE_TRANSPORT, false, true, 0 },
	{ "ip xfrm flags", "src 192.0.2.2 dst 192.0.2.1 proto ah spi 0x00000102 reqid 1 mode "
	  "tunnel replay-window 128 flag af-unspec esn auth-trunc hmac(sha256) " K32 " 128",
	  0x102, 4, "hmac(sha256)", 128, 128, SA_MODE_TUNNEL, true, true, 0 },
	{ "xcbc", "ah spi 256 dst ::1 auth xcbc(aes) " K16, 256, 6, "xcbc(aes)", 96, 64,
	  SA_MODE_ANY, false, false, 0 },
	{ "gmac", "ah spi 257 dst 10.0.0.1 auth-trunc rfc4543(gcm(aes)) " K16 "01020304 128",
	  257, 4, "rfc4543(gcm(aes))", 128, 64, SA_MODE_ANY, false, false, 0 },
	{ "odd window", "\tah  spi 0x0000ffff dst 10.0.0.2 auth hmac(sha1) " K20
	  " replay-window 50 seq 7", 0xffff, 4, "hmac(sha1)", 96, 50, SA_MODE_ANY, false, false, 7 },
};

START_TEST(test_good_lines)
{
	const struct good_case *g = &good[_i];
	struct sa_table *t = new_table(2);
	struct diag_list dl = { .n = 0 };
	const struct sa_config *c;
	uint8_t dst[16] = { 0 };
	struct sa *s;
	char msg[2048];
	const char *addr = strstr(g->line, "dst ") + 4;
	char abuf[64];

	ck_assert_msg(sa_add_line(t, g->line, &dl) == 0, "%s: refused", g->name);
	diag_text(&dl, msg, sizeof(msg));
	ck_assert_msg(dl.n == 0, "%s: diagnostics: %s", g->name, msg);
	snprintf(abuf, sizeof(abuf), "%.*s", (int)strcspn(addr, " "), addr);
	ck_assert(inet_pton(g->family == 4 ? AF_INET : AF_INET6, abuf, dst) == 1);
	engine_read_begin();
	s = sa_lookup(t, g->spi, g->family, dst, 51);
	ck_assert_msg(s != NULL, "%s: not found", g->name);
	c = sa_config(s);
	ck_assert_ptr_nonnull(sa_auth(s, 0));
	ck_assert_ptr_nonnull(sa_auth(s, 1));
	engine_read_end();
	ck_assert_msg(!strcmp(c->auth->name, g->auth), "%s: auth %s", g->name, c->auth->name);
	ck_assert_msg(c->icv_bits == g->icv_bits, "%s: icv %u", g->name, c->icv_bits);
	ck_assert_msg(c->replay_window == g->window, "%s: window %u", g->name, c->replay_window);
	ck_assert_msg(c->mode == g->mode && c->esn == g->esn && c->has_src == g->has_src,
		      "%s: mode/esn/src", g->name);
	ck_assert_msg(c->seq == g->seq, "%s: seq %llx", g->name, (unsigned long long)c->seq);
	ck_assert_uint_eq(c->proto, 51);
	ck_assert_uint_eq(sa_count(t), 1);
	free_table(t);
}
END_TEST

/* An ESP line that must load: its algorithms, encapsulation, and how it is printed. */
static const struct esp_good_case {
	const char *name, *line;
	uint32_t spi;
	uint8_t family;
	const char *enc, *auth;	/* auth NULL: AEAD */
	unsigned icv_bits;
	const char *format;
} esp_good[] = {
	{ "cbc + hmac-sha256, tunnel", D "enc cbc(aes) " K16 " auth-trunc hmac(sha256) " K32
	  " 128 mode tunnel", 0x1000, 4, "cbc(aes)", "hmac(sha256)", 128,
	  "esp spi 0x00001000 dst 192.0.2.1 enc cbc(aes) auth-trunc hmac(sha256) 128 mode "
	  "tunnel replay-window 64" },
	{ "cbc-256 + sha1 default icv", D "auth hmac(sha1) " K20 " enc cbc(aes) " K32, 0x1000, 4,
	  "cbc(aes)", "hmac(sha1)", 96,
	  "esp spi 0x00001000 dst 192.0.2.1 enc cbc(aes) auth-trunc hmac(sha1) 96 "
	  "replay-window 64" },
	{ "cbc-192 + sha512 + xcbc-less", D "enc cbc(aes) " K24 " auth-trunc hmac(sha512) " K64
	  " 256", 0x1000, 4, "cbc(aes)", "hmac(sha512)", 256,
	  "esp spi 0x00001000 dst 192.0.2.1 enc cbc(aes) auth-trunc hmac(sha512) 256 "
	  "replay-window 64" },
	{ "null + hmac", "esp spi 0x2000 dst 2001:db8::1 enc ecb(cipher_null) 0x auth-trunc "
	  "hmac(sha1) " K20 " 96", 0x2000, 6, "ecb(cipher_null)", "hmac(sha1)", 96,
	  "esp spi 0x00002000 dst 2001:db8::1 enc ecb(cipher_null) auth-trunc hmac(sha1) 96 "
	  "replay-window 64" },
	{ "null, key as empty quotes", "esp spi 0x2000 dst 2001:db8::1 enc ecb(cipher_null) \"\" "
	  "auth hmac(sha256) " K32, 0x2000, 6, "ecb(cipher_null)", "hmac(sha256)", 128,
	  "esp spi 0x00002000 dst 2001:db8::1 enc ecb(cipher_null) auth-trunc hmac(sha256) 128 "
	  "replay-window 64" },
	{ "gcm-128 icv 128", D "aead rfc4106(gcm(aes)) " K20 " 128", 0x1000, 4,
	  "rfc4106(gcm(aes))", NULL, 128,
	  "esp spi 0x00001000 dst 192.0.2.1 aead rfc4106(gcm(aes)) 128 replay-window 64" },
	{ "gcm-192 icv 64", D "aead rfc4106(gcm(aes)) " K28 " 64", 0x1000, 4,
	  "rfc4106(gcm(aes))", NULL, 64,
	  "esp spi 0x00001000 dst 192.0.2.1 aead rfc4106(gcm(aes)) 64 replay-window 64" },
	{ "gcm-256 icv 96, esn", D "aead rfc4106(gcm(aes)) " K36 " 96 esn seq-hi 2 seq 7",
	  0x1000, 4, "rfc4106(gcm(aes))", NULL, 96,
	  "esp spi 0x00001000 dst 192.0.2.1 aead rfc4106(gcm(aes)) 96 replay-window 64 esn" },
	{ "chacha20-poly1305", D "aead rfc7539esp(chacha20,poly1305) " K36 " 128 mode transport",
	  0x1000, 4, "rfc7539esp(chacha20,poly1305)", NULL, 128,
	  "esp spi 0x00001000 dst 192.0.2.1 aead rfc7539esp(chacha20,poly1305) 128 mode "
	  "transport replay-window 64" },
	{ "gmac", D "aead rfc4543(gcm(aes)) " K20 " 128", 0x1000, 4, "rfc4543(gcm(aes))", NULL,
	  128, "esp spi 0x00001000 dst 192.0.2.1 aead rfc4543(gcm(aes)) 128 replay-window 64" },
	{ "nat-t", "src 198.51.100.1 dst 192.0.2.1 proto esp spi 0xc1a2b3c4 reqid 1 mode tunnel "
	  "replay-window 32 aead rfc4106(gcm(aes)) " K20 " 128 encap espinudp 4500 4500 "
	  "0.0.0.0", 0xc1a2b3c4, 4, "rfc4106(gcm(aes))", NULL, 128,
	  "esp spi 0xc1a2b3c4 dst 192.0.2.1 src 198.51.100.1 aead rfc4106(gcm(aes)) 128 mode "
	  "tunnel replay-window 32 encap espinudp 4500 4500 0.0.0.0" },
	{ "nat-t ports differ", D "enc cbc(aes) " K16 " auth hmac(sha1) " K20
	  " encap espinudp 61000 4500 ::", 0x1000, 4, "cbc(aes)", "hmac(sha1)", 96,
	  "esp spi 0x00001000 dst 192.0.2.1 enc cbc(aes) auth-trunc hmac(sha1) 96 "
	  "replay-window 64 encap espinudp 61000 4500 0.0.0.0" },
};

START_TEST(test_esp_good_lines)
{
	const struct esp_good_case *g = &esp_good[_i];
	struct sa_table *t = new_table(2);
	struct diag_list dl = { .n = 0 };
	const char *addr = strstr(g->line, "dst ") + 4;
	const struct sa_config *c;
	uint8_t dst[16] = { 0 };
	char msg[2048], abuf[64];
	struct sa *s;

	ck_assert_msg(sa_add_line(t, g->line, &dl) == 0, "%s: refused: %s", g->name,
		      (diag_text(&dl, msg, sizeof(msg)), msg));
	ck_assert_msg(dl.n == 0, "%s: diagnostics", g->name);
	snprintf(abuf, sizeof(abuf), "%.*s", (int)strcspn(addr, " "), addr);
	ck_assert(inet_pton(g->family == 4 ? AF_INET : AF_INET6, abuf, dst) == 1);
	engine_read_begin();
	ck_assert_ptr_null(sa_lookup(t, g->spi, g->family, dst, 51));
	s = sa_lookup(t, g->spi, g->family, dst, 50);
	ck_assert_msg(s != NULL, "%s: not found", g->name);
	c = sa_config(s);
	ck_assert_msg(sa_esp(s, 0) && sa_esp(s, 1) && sa_esp(s, 0) != sa_esp(s, 1),
		      "%s: one ESP context per thread", g->name);
	ck_assert_msg(!sa_auth(s, 0) && !sa_auth(s, 1), "%s: AH contexts on ESP", g->name);
	engine_read_end();
	ck_assert_uint_eq(c->proto, 50);
	ck_assert_msg(c->enc && !strcmp(c->enc->name, g->enc), "%s: enc", g->name);
	ck_assert_msg(c->enc->aead == !g->auth, "%s: aead", g->name);
	ck_assert_msg(g->auth ? c->auth && !strcmp(c->auth->name, g->auth) : !c->auth,
		      "%s: auth", g->name);
	ck_assert_msg(c->icv_bits == g->icv_bits, "%s: icv %u", g->name, c->icv_bits);
	sa_config_format(c, msg, sizeof(msg));
	ck_assert_msg(!strcmp(msg, g->format), "%s: formatted as \"%s\"", g->name, msg);
	free_table(t);
}
END_TEST

/* AH SAs have no ESP context; ESP ones no AH authenticator (sa_esp/sa_auth are NULL). */
START_TEST(test_ah_has_no_esp)
{
	struct sa_table *t = new_table(1);
	struct diag_list dl = { .n = 0 };
	struct sa *s;

	ck_assert_int_eq(sa_add_line(t, "ah spi 0x1000 dst 192.0.2.1 auth hmac(sha1) " K20, &dl),
			 0);
	s = lookup4(t, 0x1000, "192.0.2.1");
	ck_assert_ptr_nonnull(sa_auth(s, 0));
	ck_assert_ptr_null(sa_esp(s, 0));
	ck_assert_ptr_null(sa_config(s)->enc);
	ck_assert(!sa_config(s)->udp_encap);
	free_table(t);
}
END_TEST

/* A line that must be refused, and the diagnostic ("sa add:1:COL: ..." prefix). */
static const struct bad_case {
	const char *name, *line, *want;
} bad[] = {
	{ "esp without enc", D "auth hmac(sha1) " K20,
	  "sa add:1:1: missing \"enc\" or \"aead\"" },
	{ "null without integrity", D "enc ecb(cipher_null) 0x",
	  "sa add:1:30: NULL encryption without integrity is refused" },
	{ "null, empty quotes", D "enc ecb(cipher_null) \"\"",
	  "sa add:1:30: NULL encryption without integrity is refused" },
	{ "cbc without integrity", D "enc cbc(aes) " K16,
	  "sa add:1:30: cbc(aes) without integrity is refused" },
	{ "aead name with enc", D "enc rfc4106(gcm(aes)) " K20 " auth hmac(sha1) " K20,
	  "sa add:1:34: rfc4106(gcm(aes)) is an AEAD algorithm: write \"aead rfc4106(gcm(aes)) KEY BITS\"" },
	{ "cbc with aead", D "aead cbc(aes) " K16 " 128",
	  "sa add:1:35: cbc(aes) is not an AEAD algorithm" },
	{ "null with aead", D "aead ecb(cipher_null) 0x 128",
	  "sa add:1:35: ecb(cipher_null) is not an AEAD algorithm" },
	{ "aead with auth", D "aead rfc4106(gcm(aes)) " K20 " 128 auth hmac(sha1) " K20,
	  "sa add:1:100: rfc4106(gcm(aes)) authenticates by itself" },
	{ "enc and aead", D "enc cbc(aes) " K16 " aead rfc4106(gcm(aes)) " K20 " 128",
	  "sa add:1:78: \"enc\" and \"aead\" together" },
	{ "unknown cipher", D "enc cbc(des3_ede) " K24 " auth hmac(sha1) " K20,
	  "sa add:1:34: unknown encryption algorithm \"cbc(des3_ede)\"" },
	{ "cbc key length", D "enc cbc(aes) " K20 " auth hmac(sha1) " K20,
	  "sa add:1:43: cbc(aes) needs a 16-, 24- or 32-byte key, got 20 bytes" },
	{ "gcm without salt", D "aead rfc4106(gcm(aes)) " K16 " 128",
	  "sa add:1:53: rfc4106(gcm(aes)) needs a key of 20, 28 or 36 bytes (an AES key and a 4-byte salt), got 16 bytes" },
	{ "chacha key", D "aead rfc7539esp(chacha20,poly1305) " K32 " 128",
	  "sa add:1:65: rfc7539esp(chacha20,poly1305) needs a 36-byte key (a 32-byte key and a 4-byte salt), got 32 bytes" },
	{ "null with a key", D "enc ecb(cipher_null) " K16 " auth hmac(sha1) " K20,
	  "sa add:1:51: ecb(cipher_null) takes no key: write 0x, got 16 bytes" },
	{ "gcm icv", D "aead rfc4106(gcm(aes)) " K20 " 32",
	  "sa add:1:96: rfc4106(gcm(aes)) cannot have a 32-bit ICV (64, 96 or 128)" },
	{ "chacha icv", D "aead rfc7539esp(chacha20,poly1305) " K36 " 96",
	  "sa add:1:140: rfc7539esp(chacha20,poly1305) cannot have a 96-bit ICV (it has 128)" },
	{ "gmac as auth", D "enc cbc(aes) " K16 " auth rfc4543(gcm(aes)) " K20,
	  "sa add:1:78: for esp, write rfc4543(gcm(aes)) as \"aead rfc4543(gcm(aes)) KEY 128\"" },
	{ "esp spi 0", "esp spi 0 dst 192.0.2.1 aead rfc4106(gcm(aes)) " K20 " 128",
	  "sa add:1:5: spi 0 is reserved" },
	{ "esp spi 255", "esp spi 255 dst 192.0.2.1 aead rfc4106(gcm(aes)) " K20 " 128",
	  "sa add:1:5: spi 255 is reserved" },
	{ "enc on ah", "ah spi 0x1000 dst 192.0.2.1 auth hmac(sha1) " K20 " enc cbc(aes) " K16,
	  "sa add:1:88: \"enc\" is for esp SAs; AH does not encrypt" },
	{ "encap on ah", "ah spi 0x1000 dst 192.0.2.1 auth hmac(sha1) " K20 " encap espinudp 4500 4500 0.0.0.0",
	  "sa add:1:88: \"encap\" is for esp SAs" },
	{ "encap type", D "aead rfc4106(gcm(aes)) " K20 " 128 encap espintcp 4500 4500 0.0.0.0",
	  "sa add:1:106: encap \"espintcp\" is not supported; expected espinudp (RFC 3948)" },
	{ "encap port 0", D "aead rfc4106(gcm(aes)) " K20 " 128 encap espinudp 0 4500 0.0.0.0",
	  "sa add:1:115: port 0 is not a UDP port for ESP" },
	{ "encap port too big", D "aead rfc4106(gcm(aes)) " K20 " 128 encap espinudp 4500 65536 0.0.0.0",
	  "sa add:1:120: \"encap\" needs a number from 0 to 65535" },
	{ "encap without address", D "aead rfc4106(gcm(aes)) " K20 " 128 encap espinudp 4500 4500",
	  "sa add:1:124: \"encap\" needs an IPv4 or IPv6 address" },
	{ "bad proto", "proto comp spi 0x1000 dst 192.0.2.1",
	  "sa add:1:7: expected \"ah\" or \"esp\", got \"comp\"" },
	{ "esp seq-hi without esn", D "aead rfc4106(gcm(aes)) " K20 " 128 seq-hi 1",
	  "sa add:1:100: seq-hi needs esn" },
	{ "unknown alg", "ah spi 0x1000 dst 192.0.2.1 auth hmac(sha3) " K20,
	  "sa add:1:34: unknown authentication algorithm \"hmac(sha3)\"" },
	{ "short key", "ah spi 0x1000 dst 192.0.2.1 auth hmac(sha1) " K16,
	  "sa add:1:45: hmac(sha1) needs a 20-byte key (RFC 2404), got 16 bytes" },
	{ "xcbc key", "ah spi 0x1000 dst 192.0.2.1 auth xcbc(aes) " K20,
	  "sa add:1:44: xcbc(aes) needs a 16-byte key, got 20 bytes" },
	{ "gmac key", "ah spi 0x1000 dst 192.0.2.1 auth rfc4543(gcm(aes)) " K16 "0102030405",
	  "sa add:1:52: rfc4543(gcm(aes)): key is 21 bytes, expected 20, 28 or 36" },
	{ "bad icv", "ah spi 0x1000 dst 192.0.2.1 auth-trunc hmac(sha1) " K20 " 100",
	  "sa add:1:94: hmac(sha1) cannot have a 100-bit ICV" },
	{ "spi 0", "ah spi 0 dst 192.0.2.1 auth hmac(sha1) " K20,
	  "sa add:1:4: spi 0 is reserved" },
	{ "spi 255", "ah spi 0xff dst 192.0.2.1 auth hmac(sha1) " K20,
	  "sa add:1:4: spi 255 is reserved" },
	{ "spi too big", "ah spi 0x100000000 dst 192.0.2.1 auth hmac(sha1) " K20,
	  "sa add:1:8: \"spi\" needs a number from 0 to 4294967295" },
	{ "missing dst", "ah spi 0x1000 auth hmac(sha1) " K20, "sa add:1:1: missing \"dst\"" },
	{ "missing auth", "ah spi 0x1000 dst 192.0.2.1",
	  "sa add:1:1: missing \"auth\" or \"auth-trunc\"" },
	{ "missing ah", "spi 0x1000 dst 192.0.2.1 auth hmac(sha1) " K20,
	  "sa add:1:1: missing \"ah\" or \"esp\"" },
	{ "family mismatch", "ah spi 0x1000 dst 192.0.2.1 src 2001:db8::1 auth hmac(sha1) " K20,
	  "sa add:1:33: src is IPv6 but dst is IPv4" },
	{ "window too big", "ah spi 0x1000 dst 192.0.2.1 auth hmac(sha1) " K20
	  " replay-window 4097", "sa add:1:88: replay-window 4097 is over the limit of 4096" },
	{ "seq-hi without esn", "ah spi 0x1000 dst 192.0.2.1 auth hmac(sha1) " K20 " seq-hi 1",
	  "sa add:1:88: seq-hi needs esn" },
	{ "esn without window", "ah spi 0x1000 dst 192.0.2.1 auth hmac(sha1) " K20
	  " esn replay-window 0", "sa add:1:92: esn needs a replay window" },
	{ "odd key", "ah spi 0x1000 dst 192.0.2.1 auth hmac(sha1) 0x123",
	  "sa add:1:45: expected a key as 0x and an even number of hex digits" },
	{ "not hex", "ah spi 0x1000 dst 192.0.2.1 auth hmac(sha1) 0x12zz",
	  "sa add:1:45: expected a key as 0x" },
	{ "bad address", "ah spi 0x1000 dst 192.0.2.300 auth hmac(sha1) " K20,
	  "sa add:1:19: expected an IPv4 or IPv6 address, got \"192.0.2.300\"" },
	{ "twice", "ah spi 0x1000 spi 0x1001 dst 192.0.2.1 auth hmac(sha1) " K20,
	  "sa add:1:15: \"spi\" given twice" },
	{ "unknown word", "ah spi 0x1000 dst 192.0.2.1 flags x auth hmac(sha1) " K20,
	  "sa add:1:29: unknown word \"flags\"" },
	{ "flag without a name", "ah spi 0x1000 dst 192.0.2.1 flag auth hmac(sha1) " K20,
	  "sa add:1:34: \"flag\" needs a flag name" },
	{ "bad mode", "ah spi 0x1000 dst 192.0.2.1 mode beet auth hmac(sha1) " K20,
	  "sa add:1:34: expected \"transport\" or \"tunnel\", got \"beet\"" },
	{ "missing number", "ah dst 192.0.2.1 auth hmac(sha1) " K20 " spi",
	  "sa add:1:80: \"spi\" needs a number" },
	{ "octal is not a number", "ah spi 0o1000 dst 192.0.2.1 auth hmac(sha1) " K20,
	  "sa add:1:8: \"spi\" needs a number" },
	{ "key in the name's place", "ah spi 0x1000 dst 192.0.2.1 auth " K20 " hmac(sha1)",
	  "sa add:1:34: unknown authentication algorithm a 42-character hex string" },
	{ "empty", "   # nothing", "sa add:1: empty line: expected an SA" },
	{ "two lines", "ah spi 0x1000\ndst 192.0.2.1", "sa add:1:14: one SA, on one line" },
};

START_TEST(test_bad_lines)
{
	const struct bad_case *b = &bad[_i];
	struct sa_table *t = new_table(1);
	struct diag_list dl = { .n = 0 };
	char msg[4096];

	ck_assert_msg(sa_add_line(t, b->line, &dl) == -1, "%s: accepted", b->name);
	diag_text(&dl, msg, sizeof(msg));
	ck_assert_msg(!strncmp(msg, b->want, strlen(b->want)), "%s: got \"%s\", want \"%s...\"",
		      b->name, msg, b->want);
	ck_assert_msg(!strstr(msg, "0102030405060708"), "%s: a key in the message", b->name);
	ck_assert_uint_eq(sa_count(t), 0);
	free_table(t);
}
END_TEST

/* Write text to a fresh file of the given mode in a temporary directory; returns its path. */
static const char *write_file(const char *text, mode_t mode)
{
	static char path[64];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/check_sa.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert(fputs(text, f) >= 0);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

START_TEST(test_file)
{
	static const char text[] =
		"# two SAs, a comment and a blank line\n"
		"\n"
		"ah spi 0x1000 dst 192.0.2.1 auth-trunc hmac(sha1) " K20 " 96\n"
		"  ah spi 0x1001 dst 192.0.2.1 auth-trunc hmac(sha256) " K32 " 128  # inbound\n"
		"ah spi 0x1002 dst 192.0.2.1 auth hmac(md5) " K16 "\n"
		"ah spi 0x1003 dst 192.0.2.1 auth hmac(md5) " K16;
	struct sa_table *t = new_table(1);
	struct diag_list dl = { .n = 0 };
	const char *path = write_file(text, 0600);
	char msg[4096], want[256];

	ck_assert_int_eq(sa_load_file(t, path, &dl), 0);
	diag_text(&dl, msg, sizeof(msg));
	/* One warning for both legacy lines, at the first; the load succeeds. */
	snprintf(want, sizeof(want), "%s:5:1: warning: hmac(md5) is a legacy algorithm "
		 "(RFC 8221: MUST NOT); 2 SAs use it\n", path);
	ck_assert_str_eq(msg, want);
	ck_assert_uint_eq(sa_count(t), 4);
	ck_assert_ptr_nonnull(lookup4(t, 0x1003, "192.0.2.1"));
	ck_assert_int_eq(unlink(path), 0);
	free_table(t);
}
END_TEST

START_TEST(test_file_errors)
{
	static const char text[] =
		"ah spi 0x1000 dst 192.0.2.1 auth hmac(sha1) " K20 "\n"
		"ah spi 0x1001 dst 192.0.2.1 auth hmac(sha1) " K20 " mode beet\n"
		"ah spi 0x1002 dst 192.0.2.1 auth hmac(sha1) " K20 "\n"
		"ah spi 0x1000 dst 192.0.2.1 auth hmac(sha256) " K32 "\n"
		"ah spi 0x1000 dst 192.0.2.2 auth hmac(sha256) " K32 "\n"
		"ah spi 0x1004 dst 192.0.2.1\n";
	struct sa_table *t = new_table(1);
	struct diag_list dl = { .n = 0 };
	const char *path = write_file(text, 0600);
	char msg[4096], want[1024];

	ck_assert_int_eq(sa_load_file(t, path, &dl), -1);
	diag_text(&dl, msg, sizeof(msg));
	snprintf(want, sizeof(want),
		 "%s:2:93: expected \"transport\" or \"tunnel\", got \"beet\"\n"
		 "%s:4:1: duplicate SA: ah spi 0x00001000 dst 192.0.2.1 is already on line 1\n"
		 "%s:6:1: missing \"auth\" or \"auth-trunc\"\n", path, path, path);
	ck_assert_str_eq(msg, want);
	ck_assert_uint_eq(sa_count(t), 0);	/* nothing added */
	ck_assert_int_eq(unlink(path), 0);
	free_table(t);
}
END_TEST

static const struct perm_case {
	mode_t mode;
	const char *want;
} perms[] = {
	{ 0644, "mode 0644: the key file must not be readable by group or others (chmod 600)" },
	{ 0640, "mode 0640: the key file must not be readable by group or others (chmod 600)" },
	{ 0604, "mode 0604: the key file must not be readable by group or others (chmod 600)" },
	{ 0620, "mode 0620: the key file must not be writable by group or others (chmod 600)" },
	{ 0602, "mode 0602: the key file must not be writable by group or others (chmod 600)" },
};

START_TEST(test_file_mode)
{
	struct sa_table *t = new_table(1);
	struct diag_list dl = { .n = 0 };
	const char *path = write_file("ah spi 0x1000 dst 192.0.2.1 auth hmac(sha1) " K20 "\n",
				      perms[_i].mode);

	ck_assert_int_eq(sa_load_file(t, path, &dl), -1);
	ck_assert_uint_eq(dl.n, 1);
	ck_assert_str_eq(dl.d[0].msg, perms[_i].want);
	ck_assert_str_eq(dl.d[0].file, path);
	ck_assert_uint_eq(sa_count(t), 0);
	ck_assert_int_eq(unlink(path), 0);
	dl.n = 0;
	ck_assert_int_eq(sa_load_file(t, "/tmp", &dl), -1);
	ck_assert_str_eq(dl.d[0].msg, "not a regular file");
	dl.n = 0;
	ck_assert_int_eq(sa_load_file(t, "/nonexistent/keys", &dl), -1);
	ck_assert_str_eq(dl.d[0].msg, "cannot open: No such file or directory");
	free_table(t);
}
END_TEST

START_TEST(test_replace_del_flush)
{
	struct sa_table *t = new_table(1);
	struct diag_list dl = { .n = 0 };
	uint8_t a[4] = { 192, 0, 2, 1 }, a6[16] = { 0 };
	char buf[256];

	ck_assert_int_eq(sa_add_line(t, "ah spi 0x1000 dst 192.0.2.1 auth hmac(sha1) " K20, &dl), 0);
	ck_assert_int_eq(sa_add_line(t, "ah spi 0x1000 dst 192.0.2.1 src 192.0.2.9 auth-trunc "
				     "hmac(sha256) " K32 " 256 mode tunnel esn", &dl), 0);
	ck_assert_uint_eq(sa_count(t), 1);	/* replaced */
	ck_assert_int_eq(sa_config_format(sa_config(lookup4(t, 0x1000, "192.0.2.1")), buf,
					  sizeof(buf)), (int)strlen(buf));
	ck_assert_str_eq(buf, "ah spi 0x00001000 dst 192.0.2.1 src 192.0.2.9 auth-trunc "
			 "hmac(sha256) 256 mode tunnel replay-window 64 esn");
	ck_assert_int_eq(sa_add_line(t, "ah spi 0x1000 dst ::ffff:192.0.2.1 auth hmac(sha1) " K20,
				     &dl), 0);
	ck_assert_int_eq(sa_add_line(t, "ah spi 0x1001 dst 192.0.2.1 auth hmac(sha1) " K20, &dl), 0);
	ck_assert_uint_eq(sa_count(t), 3);
	/* Family, SPI and protocol are all part of the identity. */
	engine_read_begin();
	ck_assert_ptr_null(sa_lookup(t, 0x1000, 4, a, 50));
	ck_assert_ptr_null(sa_lookup(t, 0x1002, 4, a, 51));
	ck_assert_ptr_null(sa_lookup(t, 0x1000, 6, a6, 51));
	ck_assert_ptr_null(sa_lookup(t, 0x1000, 5, a, 51));
	engine_read_end();
	ck_assert_int_eq(sa_del(t, 0x1000, 4, a, 51, &dl), 0);
	ck_assert_ptr_null(lookup4(t, 0x1000, "192.0.2.1"));
	ck_assert_uint_eq(dl.n, 0);
	ck_assert_int_eq(sa_del(t, 0x1000, 4, a, 51, &dl), -1);
	ck_assert_str_eq(dl.d[0].msg, "no such SA: ah spi 0x00001000 dst 192.0.2.1");
	ck_assert_uint_eq(sa_count(t), 2);
	sa_flush(t);
	ck_assert_uint_eq(sa_count(t), 0);
	ck_assert_ptr_null(lookup4(t, 0x1001, "192.0.2.1"));
	free_table(t);
}
END_TEST

static void count_cb(void *arg, const struct sa_config *c, const struct sa_stats *st)
{
	struct sa_stats *sum = arg;

	ck_assert_uint_eq(c->spi, 0x1000);
	*sum = *st;
}

START_TEST(test_counters)
{
	struct sa_table *t = new_table(2);
	struct diag_list dl = { .n = 0 };
	struct sa_stats st = { 0 };
	struct sa *s;
	uint64_t seq;

	ck_assert_int_eq(sa_add_line(t, "ah spi 0x1000 dst 192.0.2.1 auth hmac(sha1) " K20
				     " seq 5", &dl), 0);
	s = lookup4(t, 0x1000, "192.0.2.1");
	sa_note(s, 0, SA_EV_OK, 100);
	sa_note(s, 1, SA_EV_OK, 50);
	sa_note(s, 1, SA_EV_ICV_FAIL, 50);
	sa_note(s, 0, SA_EV_REPLAY, 50);
	sa_note(s, 0, SA_EV_REPLAY, 50);
	sa_note(s, 1, SA_EV_BAD_LENGTH, 50);
	sa_note(s, 0, SA_EV_BAD_PADDING, 50);
	sa_note(s, 1, SA_EV_BAD_PADDING, 50);
	ck_assert_int_eq(sa_replay_check(s, 9, &seq), SA_REPLAY_OK);
	ck_assert_int_eq(sa_replay_commit(s, seq), SA_REPLAY_OK);
	sa_foreach(t, count_cb, &st);
	ck_assert_uint_eq(st.packets, 2);
	ck_assert_uint_eq(st.bytes, 150);
	ck_assert_uint_eq(st.icv_failures, 1);
	ck_assert_uint_eq(st.replays, 2);
	ck_assert_uint_eq(st.bad_length, 1);
	ck_assert_uint_eq(st.bad_padding, 2);
	ck_assert_uint_eq(st.highest_seq, 9);
	free_table(t);
}
END_TEST

/*
 * Every literal block of EXAMPLES in ipsecfw.keys(5) is a key file that loads without a
 * word of complaint (the shell lines there start with "# ", so they read as comments).
 */
START_TEST(test_man_examples)
{
	char *page = unit_slurp(unit_path("man/ipsecfw.keys.5"), NULL);
	char *p = strstr(page, "\n.Sh EXAMPLES\n"), *end, *block, *e, msg[2048];
	unsigned blocks = 0;

	ck_assert_ptr_nonnull(p);
	end = strstr(p + 1, "\n.Sh ");
	ck_assert_ptr_nonnull(end);
	*end = 0;
	while ((block = strstr(p, "\n.Bd -literal"))) {
		struct sa_table *t = new_table(1);
		struct diag_list dl = { .n = 0 };
		const char *path;

		block = strchr(block + 1, '\n') + 1;
		e = strstr(block, "\n.Ed");
		ck_assert_ptr_nonnull(e);
		*e = 0;
		path = write_file(block, 0600);
		ck_assert_msg(sa_load_file(t, path, &dl) == 0 && dl.n == 0, "example %u: %s",
			      blocks + 1, (diag_text(&dl, msg, sizeof(msg)), msg));
		unlink(path);
		free_table(t);
		blocks++;
		p = e + 1;
	}
	ck_assert_uint_ge(blocks, 5);
	free(page);
}
END_TEST

/* --- Wireshark's esp_sa ---------------------------------------------------------------- */

static struct sa *lookup_esp(struct sa_table *t, uint32_t spi, const char *dst)
{
	uint8_t a[16] = { 0 };
	uint8_t family = strchr(dst, ':') ? 6 : 4;
	struct sa *s;

	ck_assert_int_eq(inet_pton(family == 4 ? AF_INET : AF_INET6, dst, a), 1);
	engine_read_begin();
	s = sa_lookup(t, spi, family, a, 50);
	engine_read_end();
	return s;
}

#define WS_HEADER "# This file is automatically generated, DO NOT MODIFY.\n"
#define Q(x) "\"" x "\""

/* Rows that load (eight fields, ten fields, strongSwan's GCM, wildcards, case, escapes). */
static const char ws_good_text[] =
	WS_HEADER
	Q("IPv4") "," Q("192.0.2.2") "," Q("192.0.2.1") "," Q("0x00001000") ","
	Q("AES-CBC [RFC3602]") "," Q(K16) "," Q("HMAC-SHA-256-128 [RFC4868]") "," Q(K32) "\n"
	Q("ipv6") "," Q("*") "," Q("2001:db8::1") "," Q("0x2000") ","
	Q("aes-gcm with 16 OCTET icv [rfc4106]") "," Q(K20) "," Q("null") "," Q("") "\n"
	Q("Any IP") "," Q("") "," Q("192.0.2.1") "," Q("8192") ","
	Q("ChaCha20 with Poly1305 [RFC7634]") "," Q(K36) "," Q("NULL") "," Q("0x") "\n"
	"\n# a comment between rows\n"
	"  " Q("IPv4") " , " Q("192.0.2.*") " , " Q("192.0.2.1") " , " Q("0x3000") " , "
	Q("NULL") " , " Q("") " , " Q("HMAC-SHA-1-96 [RFC2404]") " , " Q(K20) "\r\n"
	Q("IPv4") "," Q("198.51.100.1") "," Q("192.0.2.1") "," Q("0xc0000001") ","
	Q("AES-GCM [RFC4106]") "," Q(K36) "," Q("ANY 128 bit authentication [no checking]") ","
	Q("0x") "\n"
	Q("IPv4") "," Q("198.51.100.1") "," Q("192.0.2.1") "," Q("0xc0000002") ","
	Q("AES-GCM [RFC4106]") "," Q(K20) "," Q("ANY 64 bit authentication [no checking]") ","
	Q("0x") "\n"
	Q("IPv4") "," Q("192.0.2.2") "," Q("192.0.2.1") "," Q("0x4000") ","
	Q("AES\\x2dCBC") "," Q(K32) "," Q("hmac-sha-512-256") "," Q(K64) "," Q("64-bit") ","
	Q("1") "\n"
	Q("IPv4") "," Q("192.0.2.2") "," Q("192.0.2.1") "," Q("0x4001") ","
	Q("AES-GCM with 12 octet ICV [RFC4106]") "," Q(K28) "," Q("NULL") "," Q("") ","
	Q("32-bit") "," Q("0") "\n"
	Q("IPv4") "," Q("192.0.2.2") "," Q("192.0.2.1") "," Q("0x4002") ","
	Q("AES-CBC [RFC3602]") "," Q(K16) "," Q("HMAC-MD5-96 [RFC2403]") "," Q(K16) "\n";

static const struct ws_sa {
	uint32_t spi;
	const char *dst, *format;
	uint64_t seq;
} ws_good_sas[] = {
	{ 0x1000, "192.0.2.1", "esp spi 0x00001000 dst 192.0.2.1 src 192.0.2.2 enc cbc(aes) "
	  "auth-trunc hmac(sha256) 128 replay-window 64", 0 },
	{ 0x2000, "2001:db8::1", "esp spi 0x00002000 dst 2001:db8::1 aead rfc4106(gcm(aes)) 128 "
	  "replay-window 64", 0 },
	{ 0x2000, "192.0.2.1", "esp spi 0x00002000 dst 192.0.2.1 aead "
	  "rfc7539esp(chacha20,poly1305) 128 replay-window 64", 0 },
	{ 0x3000, "192.0.2.1", "esp spi 0x00003000 dst 192.0.2.1 enc ecb(cipher_null) auth-trunc "
	  "hmac(sha1) 96 replay-window 64", 0 },
	{ 0xc0000001, "192.0.2.1", "esp spi 0xc0000001 dst 192.0.2.1 src 198.51.100.1 aead "
	  "rfc4106(gcm(aes)) 128 replay-window 64", 0 },
	{ 0xc0000002, "192.0.2.1", "esp spi 0xc0000002 dst 192.0.2.1 src 198.51.100.1 aead "
	  "rfc4106(gcm(aes)) 64 replay-window 64", 0 },
	{ 0x4000, "192.0.2.1", "esp spi 0x00004000 dst 192.0.2.1 src 192.0.2.2 enc cbc(aes) "
	  "auth-trunc hmac(sha512) 256 replay-window 64 esn", 0x100000000ULL },
	{ 0x4001, "192.0.2.1", "esp spi 0x00004001 dst 192.0.2.1 src 192.0.2.2 aead "
	  "rfc4106(gcm(aes)) 96 replay-window 64", 0 },
	{ 0x4002, "192.0.2.1", "esp spi 0x00004002 dst 192.0.2.1 src 192.0.2.2 enc cbc(aes) "
	  "auth-trunc hmac(md5) 96 replay-window 64", 0 },
};

/* _i 0: sa_import_wireshark; 1: sa_load_file, which recognises the format. */
START_TEST(test_ws_good)
{
	struct sa_table *t = new_table(2);
	struct diag_list dl = { .n = 0 };
	const char *path = write_file(ws_good_text, 0600);
	char msg[2048];
	int rc = _i ? sa_load_file(t, path, &dl) : sa_import_wireshark(t, path, &dl);
	struct sa *s;

	diag_text(&dl, msg, sizeof(msg));
	ck_assert_msg(rc == 0, "refused: %s", msg);
	ck_assert_msg(dl.n == 1 && strstr(msg, ":12:1: warning: hmac(md5) is a legacy"),
		      "diagnostics: %s", msg);
	ck_assert_uint_eq(sa_count(t), ARRAY_SIZE(ws_good_sas));
	for (size_t i = 0; i < ARRAY_SIZE(ws_good_sas); i++) {
		const struct ws_sa *w = &ws_good_sas[i];

		s = lookup_esp(t, w->spi, w->dst);
		ck_assert_msg(s != NULL, "row %zu: not found", i);
		ck_assert_ptr_nonnull(sa_esp(s, 1));
		sa_config_format(sa_config(s), msg, sizeof(msg));
		ck_assert_msg(!strcmp(msg, w->format), "row %zu: \"%s\"", i, msg);
		ck_assert_msg(sa_config(s)->seq == w->seq, "row %zu: seq", i);
	}
	ck_assert_int_eq(unlink(path), 0);
	free_table(t);
}
END_TEST

/* One bad row (after a good one, which must not load either) and its diagnostic. */
static const struct ws_bad_case {
	const char *name, *row;
	unsigned field;		/* the column is this field's opening quote; 0: col */
	unsigned col;
	const char *want;
} ws_bad[] = {
	{ "wildcard dst", Q("IPv4") "," Q("*") "," Q("*") "," Q("0x1000") "," Q("NULL") ","
	  Q("") "," Q("HMAC-SHA-1-96 [RFC2404]") "," Q(K20), 3, 0,
	  "the destination is a wildcard: ipsecfw finds an SA by SPI and destination" },
	{ "partial wildcard dst", Q("IPv4") "," Q("") "," Q("192.0.2.*") "," Q("0x1000") ","
	  Q("AES-GCM with 16 octet ICV [RFC4106]") "," Q(K20) "," Q("NULL") "," Q(""), 3, 0,
	  "the destination is a wildcard" },
	{ "3des", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("0x1000") ","
	  Q("TripleDES-CBC [RFC2451]") "," Q(K24) "," Q("HMAC-SHA-1-96 [RFC2404]") "," Q(K20),
	  5, 0, "encryption \"TripleDES-CBC [RFC2451]\" is not supported; ipsecfw decrypts" },
	{ "aes-ctr", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("0x1000") ","
	  Q("AES-CTR [RFC3686]") "," Q(K20) "," Q("HMAC-SHA-1-96 [RFC2404]") "," Q(K20),
	  5, 0, "encryption \"AES-CTR [RFC3686]\" is not supported" },
	{ "cast5", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("0x1000") ","
	  Q("cast5-cbc [RFC2144]") "," Q(K16) "," Q("HMAC-SHA-1-96 [RFC2404]") "," Q(K20),
	  5, 0, "encryption \"cast5-cbc [RFC2144]\" is not supported" },
	{ "gcm iiv", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("0x1000") ","
	  Q("AES-GCM with IIV and 16 octet ICV [RFC4106 & RFC8750]") "," Q(K20) "," Q("NULL") ","
	  Q(""), 5, 0, "encryption \"AES-GCM with IIV and 16 octet ICV [RFC4106 & RFC8750]\" "
	  "is not supported" },
	{ "unknown encryption", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("0x1000") ","
	  Q("Rot13") "," Q(K16) "," Q("HMAC-SHA-1-96 [RFC2404]") "," Q(K20), 5, 0,
	  "unknown encryption \"Rot13\"; expected a name Wireshark uses" },
	{ "null and null", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("0x1000") "," Q("NULL")
	  "," Q("") "," Q("NULL") "," Q(""), 5, 0,
	  "NULL encryption without integrity is refused" },
	{ "cbc and null", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("0x1000") ","
	  Q("AES-CBC [RFC3602]") "," Q(K16) "," Q("NULL") "," Q(""), 5, 0,
	  "cbc(aes) without integrity is refused" },
	{ "cbc and any", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("0x1000") ","
	  Q("AES-CBC [RFC3602]") "," Q(K16) "," Q("ANY 96 bit authentication [no checking]") ","
	  Q(""), 5, 0, "cbc(aes) without integrity is refused" },
	{ "gcm without icv length", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("0x1000") ","
	  Q("AES-GCM [RFC4106]") "," Q(K20) "," Q("NULL") "," Q(""), 7, 0,
	  "\"AES-GCM [RFC4106]\" does not say its ICV length" },
	{ "gcm with hmac", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("0x1000") ","
	  Q("AES-GCM with 16 octet ICV [RFC4106]") "," Q(K20) "," Q("HMAC-SHA-1-96 [RFC2404]") ","
	  Q(K20), 7, 0, "rfc4106(gcm(aes)) authenticates by itself" },
	{ "gcm icv conflict", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("0x1000") ","
	  Q("AES-GCM with 16 octet ICV [RFC4106]") "," Q(K20) ","
	  Q("ANY 64 bit authentication [no checking]") "," Q(""), 7, 0,
	  "a 64-bit ICV, but the encryption says 128 bits" },
	{ "gcm any 256", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("0x1000") ","
	  Q("AES-GCM [RFC4106]") "," Q(K20) "," Q("ANY 256 bit authentication [no checking]") ","
	  Q(""), 7, 0, "rfc4106(gcm(aes)) cannot have a 256-bit ICV" },
	{ "sha256-96", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("0x1000") ","
	  Q("AES-CBC [RFC3602]") "," Q(K16) ","
	  Q("HMAC-SHA-256-96 [draft-ietf-ipsec-ciph-sha-256-00]") "," Q(K32), 7, 0,
	  "authentication \"HMAC-SHA-256-96 [draft-ietf-ipsec-ciph-sha-256-00]\" is not "
	  "supported" },
	{ "ripemd", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("0x1000") ","
	  Q("AES-CBC [RFC3602]") "," Q(K16) "," Q("MAC-RIPEMD-160-96 [RFC2857]") "," Q(K20), 7, 0,
	  "authentication \"MAC-RIPEMD-160-96 [RFC2857]\" is not supported" },
	{ "unknown auth", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("0x1000") ","
	  Q("AES-CBC [RFC3602]") "," Q(K16) "," Q("HMAC-SHA3") "," Q(K20), 7, 0,
	  "unknown authentication \"HMAC-SHA3\"" },
	{ "ascii key", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("0x1000") ","
	  Q("AES-CBC [RFC3602]") "," Q("sixteen byte key") "," Q("HMAC-SHA-1-96 [RFC2404]") ","
	  Q(K20), 6, 0, "expected a key as 0x and an even number of hex digits" },
	{ "cbc key length", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("0x1000") ","
	  Q("AES-CBC [RFC3602]") "," Q(K20) "," Q("HMAC-SHA-1-96 [RFC2404]") "," Q(K20), 6, 0,
	  "cbc(aes) needs a 16-, 24- or 32-byte key, got 20 bytes" },
	{ "hmac key length", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("0x1000") ","
	  Q("AES-CBC [RFC3602]") "," Q(K16) "," Q("HMAC-SHA-1-96 [RFC2404]") "," Q(K16), 8, 0,
	  "hmac(sha1) needs a 20-byte key (RFC 2404), got 16 bytes" },
	{ "wildcard spi", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("*") ","
	  Q("AES-CBC [RFC3602]") "," Q(K16) "," Q("HMAC-SHA-1-96 [RFC2404]") "," Q(K20), 4, 0,
	  "expected an SPI (0x and hex digits, or decimal), got \"*\"" },
	{ "reserved spi", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("0xff") ","
	  Q("AES-CBC [RFC3602]") "," Q(K16) "," Q("HMAC-SHA-1-96 [RFC2404]") "," Q(K20), 4, 0,
	  "spi 255 is reserved" },
	{ "spi 0", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("0") ","
	  Q("AES-CBC [RFC3602]") "," Q(K16) "," Q("HMAC-SHA-1-96 [RFC2404]") "," Q(K20), 4, 0,
	  "spi 0 is reserved" },
	{ "family", Q("IPv4") "," Q("") "," Q("2001:db8::9") "," Q("0x1000") ","
	  Q("AES-CBC [RFC3602]") "," Q(K16) "," Q("HMAC-SHA-1-96 [RFC2404]") "," Q(K20), 3, 0,
	  "the destination is IPv6 but the protocol says IPv4" },
	{ "src family", Q("Any IP") "," Q("2001:db8::2") "," Q("192.0.2.9") "," Q("0x1000") ","
	  Q("AES-CBC [RFC3602]") "," Q(K16) "," Q("HMAC-SHA-1-96 [RFC2404]") "," Q(K20), 2, 0,
	  "src is IPv6 but dst is IPv4" },
	{ "bad protocol", Q("IPX") "," Q("") "," Q("192.0.2.9") "," Q("0x1000") ","
	  Q("AES-CBC [RFC3602]") "," Q(K16) "," Q("HMAC-SHA-1-96 [RFC2404]") "," Q(K20), 1, 0,
	  "expected \"IPv4\", \"IPv6\" or \"Any IP\", got \"IPX\"" },
	{ "bad address", Q("IPv4") "," Q("") "," Q("192.0.2.300") "," Q("0x1000") ","
	  Q("AES-CBC [RFC3602]") "," Q(K16) "," Q("HMAC-SHA-1-96 [RFC2404]") "," Q(K20), 3, 0,
	  "expected an IPv4 or IPv6 address or a wildcard, got \"192.0.2.300\"" },
	{ "seq-hi without esn", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("0x1000") ","
	  Q("AES-CBC [RFC3602]") "," Q(K16) "," Q("HMAC-SHA-1-96 [RFC2404]") "," Q(K20) ","
	  Q("32-bit") "," Q("1"), 10, 0, "seq-hi needs esn" },
	{ "bad sn length", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("0x1000") ","
	  Q("AES-CBC [RFC3602]") "," Q(K16) "," Q("HMAC-SHA-1-96 [RFC2404]") "," Q(K20) ","
	  Q("128-bit") "," Q("0"), 9, 0, "expected \"32-bit\" or \"64-bit\", got \"128-bit\"" },
	{ "bad esn high bits", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("0x1000") ","
	  Q("AES-CBC [RFC3602]") "," Q(K16) "," Q("HMAC-SHA-1-96 [RFC2404]") "," Q(K20) ","
	  Q("64-bit") "," Q("100000000"), 10, 0, "expected the ESN high bits as a 32-bit hex" },
	{ "nine fields", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("0x1000") ","
	  Q("AES-CBC [RFC3602]") "," Q(K16) "," Q("HMAC-SHA-1-96 [RFC2404]") "," Q(K20) ","
	  Q("64-bit"), 1, 0, "9 fields; expected 8 (or 10, as Wireshark 4.2 and later write)" },
	{ "seven fields", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("0x1000") ","
	  Q("AES-CBC [RFC3602]") "," Q(K16) "," Q("HMAC-SHA-1-96 [RFC2404]"), 1, 0,
	  "7 fields; expected 8" },
	{ "eleven fields", Q("IPv4") "," Q("") "," Q("192.0.2.9") "," Q("0x1000") ","
	  Q("AES-CBC [RFC3602]") "," Q(K16) "," Q("HMAC-SHA-1-96 [RFC2404]") "," Q(K20) ","
	  Q("64-bit") "," Q("0") "," Q("x"), 11, 0, "more than 10 fields" },
	{ "unquoted", "IPv4,\"\",\"192.0.2.9\"", 0, 1, "expected a double-quoted field" },
	{ "no comma", Q("IPv4") " " Q(""), 0, 8, "expected a comma after field 1" },
	{ "no closing quote", Q("IPv4") ",\"192.0.2.1", 2, 0, "field 2 has no closing quote" },
	{ "one of ours", "esp spi 0x1000 dst 192.0.2.1 aead rfc4106(gcm(aes)) " K20 " 128", 0, 1,
	  "expected a double-quoted field" },
};

/* The column of field n's opening quote (fields hold no escaped quotes here). */
static unsigned field_col(const char *row, unsigned n)
{
	const char *p = row;

	for (unsigned i = 1; i < n; i++) {
		p = strchr(p, '"');
		p = strchr(p + 1, '"') + 1;
	}
	return (unsigned)(strchr(p, '"') - row) + 1;
}

START_TEST(test_ws_bad)
{
	const struct ws_bad_case *b = &ws_bad[_i];
	struct sa_table *t = new_table(1);
	struct diag_list dl = { .n = 0 };
	char text[4096], want[1024], msg[4096];
	const char *path;

	snprintf(text, sizeof(text), WS_HEADER Q("IPv4") "," Q("") "," Q("192.0.2.1") ","
		 Q("0x7000") "," Q("AES-GCM with 16 octet ICV [RFC4106]") "," Q(K20) "," Q("NULL")
		 "," Q("") "\n%s\n", b->row);
	path = write_file(text, 0600);
	ck_assert_msg(sa_import_wireshark(t, path, &dl) == -1, "%s: accepted", b->name);
	diag_text(&dl, msg, sizeof(msg));
	snprintf(want, sizeof(want), "%s:3:%u: %s", path,
		 b->field ? field_col(b->row, b->field) : b->col, b->want);
	ck_assert_msg(!strncmp(msg, want, strlen(want)), "%s: got \"%s\", want \"%s...\"",
		      b->name, msg, want);
	ck_assert_msg(dl.n == 1, "%s: %u diagnostics", b->name, dl.n);
	ck_assert_msg(!strstr(msg, "0102030405060708"), "%s: a key in the message", b->name);
	ck_assert_uint_eq(sa_count(t), 0);
	ck_assert_int_eq(unlink(path), 0);
	free_table(t);
}
END_TEST

/* Several bad rows: each reported; the key-file permission rule holds for esp_sa too. */
START_TEST(test_ws_file_errors)
{
	static const char text[] =
		Q("IPv4") "," Q("") "," Q("*") "," Q("0x1000") "," Q("NULL") "," Q("") ","
		Q("HMAC-SHA-1-96 [RFC2404]") "," Q(K20) "\n"
		Q("IPv4") "," Q("") "," Q("192.0.2.1") "," Q("0x1000") "," Q("AES-CTR [RFC3686]")
		"," Q(K20) "," Q("NULL") "," Q("") "\n";
	struct sa_table *t = new_table(1);
	struct diag_list dl = { .n = 0 };
	const char *path = write_file(text, 0600);
	char msg[4096], want[1024];

	ck_assert_int_eq(sa_load_file(t, path, &dl), -1);	/* recognised as Wireshark's */
	diag_text(&dl, msg, sizeof(msg));
	snprintf(want, sizeof(want), "%s:1:11: the destination is a wildcard: ipsecfw finds an "
		 "SA by SPI and destination, so it must be one address\n%s:2:32: encryption "
		 "\"AES-CTR [RFC3686]\" is not supported; ipsecfw decrypts AES-CBC, AES-GCM, "
		 "ChaCha20 with Poly1305 and NULL\n", path, path);
	ck_assert_str_eq(msg, want);
	ck_assert_int_eq(chmod(path, 0640), 0);
	dl.n = 0;
	ck_assert_int_eq(sa_import_wireshark(t, path, &dl), -1);
	ck_assert_uint_eq(dl.n, 1);
	ck_assert_str_eq(dl.d[0].msg, "mode 0640: the key file must not be readable by group or "
			 "others (chmod 600)");
	ck_assert_uint_eq(sa_count(t), 0);
	ck_assert_int_eq(unlink(path), 0);
	free_table(t);
}
END_TEST

/* --- anti-replay --------------------------------------------------------------------- */

static struct sa *replay_sa(struct sa_table *t, const char *opts)
{
	struct diag_list dl = { .n = 0 };
	char line[512];

	snprintf(line, sizeof(line), "ah spi 0x1000 dst 192.0.2.1 auth hmac(sha1) " K20 " %s",
		 opts);
	ck_assert_msg(sa_add_line(t, line, &dl) == 0, "refused: %s", opts);
	return lookup4(t, 0x1000, "192.0.2.1");
}

/* check then (when OK) commit, as the AH path does; returns check's verdict or commit's. */
static enum sa_replay take(struct sa *s, uint32_t lo, uint64_t *seq)
{
	enum sa_replay r = sa_replay_check(s, lo, seq);

	return r == SA_REPLAY_OK ? sa_replay_commit(s, *seq) : r;
}

/* One step of a scripted case: the low 32 bits in, the verdict and full number out. */
struct step {
	uint32_t lo;
	enum sa_replay want;
	uint64_t seq;
};

static const struct replay_case {
	const char *name, *opts;
	struct step steps[12];
} replay[] = {
	{ "duplicates", "replay-window 64", {
		{ 1, SA_REPLAY_OK, 1 }, { 1, SA_REPLAY_DUP, 1 }, { 2, SA_REPLAY_OK, 2 },
		{ 1, SA_REPLAY_DUP, 1 }, { 0, SA_REPLAY_OLD, 0 } } },
	{ "left of the window", "replay-window 64", {
		{ 100, SA_REPLAY_OK, 100 }, { 36, SA_REPLAY_OLD, 36 }, { 37, SA_REPLAY_OK, 37 },
		{ 37, SA_REPLAY_DUP, 37 }, { 99, SA_REPLAY_OK, 99 } } },
	{ "reordering inside the window", "replay-window 64", {
		{ 10, SA_REPLAY_OK, 10 }, { 8, SA_REPLAY_OK, 8 }, { 9, SA_REPLAY_OK, 9 },
		{ 7, SA_REPLAY_OK, 7 }, { 8, SA_REPLAY_DUP, 8 }, { 40, SA_REPLAY_OK, 40 },
		{ 33, SA_REPLAY_OK, 33 }, { 10, SA_REPLAY_DUP, 10 } } },
	{ "a jump past the window clears old state", "replay-window 64", {
		{ 5, SA_REPLAY_OK, 5 }, { 1000, SA_REPLAY_OK, 1000 }, { 5, SA_REPLAY_OLD, 5 },
		{ 990, SA_REPLAY_OK, 990 }, { 990, SA_REPLAY_DUP, 990 }, { 937, SA_REPLAY_OK, 937 },
		{ 936, SA_REPLAY_OLD, 936 } } },
	{ "a window that is not a multiple of 32", "replay-window 50", {
		{ 100, SA_REPLAY_OK, 100 }, { 50, SA_REPLAY_OLD, 50 }, { 51, SA_REPLAY_OK, 51 } } },
	{ "the largest window", "replay-window 4096", {
		{ 10000, SA_REPLAY_OK, 10000 }, { 5904, SA_REPLAY_OLD, 5904 },
		{ 5905, SA_REPLAY_OK, 5905 }, { 5905, SA_REPLAY_DUP, 5905 } } },
	{ "window 0 disables", "replay-window 0", {
		{ 5, SA_REPLAY_OK, 5 }, { 5, SA_REPLAY_OK, 5 }, { 1, SA_REPLAY_OK, 1 } } },
	/* The configured seq was received already (ip xfrm's seq is the highest seen). */
	{ "the configured seq is the top", "seq 1000", {
		{ 936, SA_REPLAY_OLD, 936 }, { 937, SA_REPLAY_OK, 937 },
		{ 1000, SA_REPLAY_DUP, 1000 }, { 1001, SA_REPLAY_OK, 1001 } } },
	{ "32-bit counter exhausted", "seq 0xffffffff", {
		{ 0xffffffff, SA_REPLAY_DUP, 0xffffffff }, { 1, SA_REPLAY_OLD, 1 } } },
	/* RFC 4303 A2.2 case A (Tl >= W - 1): below the window means the next subspace. */
	{ "esn case A", "esn seq-hi 0 seq 0xfffffff0", {
		{ 0xffffffe0, SA_REPLAY_OK, 0xffffffe0 },
		{ 0xffffffb1, SA_REPLAY_OK, 0xffffffb1 },	/* = Tl - W + 1: Th */
		{ 5, SA_REPLAY_OK, 0x100000005ULL },		/* below it: Th + 1 */
		{ 5, SA_REPLAY_DUP, 0x100000005ULL },		/* now case B: Th */
		{ 0xffffffe0, SA_REPLAY_DUP, 0xffffffe0 } } },	/* case B: Th - 1 */
	/* Case B (Tl < W - 1): a high low half belongs to the previous subspace. */
	{ "esn case B", "esn seq-hi 1 seq 5", {
		{ 0xfffffff0, SA_REPLAY_OK, 0xfffffff0 },	/* Th - 1 */
		{ 0xffffffc6, SA_REPLAY_OK, 0xffffffc6 },	/* = Tl - W + 1 mod 2^32 */
		{ 0xffffffc5, SA_REPLAY_OK, 0x1ffffffc5ULL },	/* below it: Th, far ahead */
		{ 0xfffffff0, SA_REPLAY_OK, 0x1fffffff0ULL },	/* the top moved: case A */
		{ 0xffffffc5, SA_REPLAY_DUP, 0x1ffffffc5ULL } } },
	{ "esn from zero", "esn", {
		{ 0xffffffff, SA_REPLAY_OLD, 0xffffffff },	/* would be before 0 */
		{ 1, SA_REPLAY_OK, 1 }, { 0, SA_REPLAY_OLD, 0 } } },
	{ "esn across 2^32 in order", "esn seq 0xfffffffe", {
		{ 0xffffffff, SA_REPLAY_OK, 0xffffffff }, { 0, SA_REPLAY_OK, 0x100000000ULL },
		{ 1, SA_REPLAY_OK, 0x100000001ULL }, { 0xfffffffe, SA_REPLAY_OK, 0xfffffffe },
		{ 0xffffffff, SA_REPLAY_DUP, 0xffffffff }, { 0, SA_REPLAY_DUP, 0x100000000ULL } } },
};

START_TEST(test_replay_steps)
{
	const struct replay_case *rc = &replay[_i];
	struct sa_table *t = new_table(1);
	struct sa *s = replay_sa(t, rc->opts);
	enum sa_replay r;
	uint64_t seq;

	for (size_t i = 0; i < ARRAY_SIZE(rc->steps); i++) {
		const struct step *st = &rc->steps[i];

		if (!st->lo && st->want == SA_REPLAY_OK)
			break;	/* the end of the script: 0 is never OK */
		r = take(s, st->lo, &seq);
		ck_assert_msg(r == st->want && seq == st->seq,
			      "%s, step %zu (0x%x): got %d 0x%llx, want %d 0x%llx", rc->name, i,
			      st->lo, r, (unsigned long long)seq, st->want,
			      (unsigned long long)st->seq);
	}
	free_table(t);
}
END_TEST

/* The window against a reference model: accept iff new and inside [top - W + 1, ...]. */
START_TEST(test_replay_model)
{
	static const unsigned windows[] = { 32, 64, 50, 100, 4096 };
	struct sa_table *t = new_table(1);
	unsigned w = windows[_i];
	static uint8_t seen[20000];
	uint64_t top = 0, seq;
	char opts[64];
	struct sa *s;
	enum sa_replay r, want;

	snprintf(opts, sizeof(opts), "replay-window %u", w);
	s = replay_sa(t, opts);
	memset(seen, 0, sizeof(seen));
	srand(w);
	for (unsigned i = 0; i < 100000; i++) {
		/* Mostly near the top, sometimes far behind or far ahead. */
		uint64_t lo = top + (uint64_t)(rand() % (3 * w)) - (top > 2 * w ? 2 * w : top);

		if (rand() % 50 == 0)
			lo += (uint64_t)(rand() % (4 * w));
		if (lo >= sizeof(seen))
			break;
		want = lo == 0 || (top >= w && lo <= top - w) ? SA_REPLAY_OLD :
		       seen[lo] ? SA_REPLAY_DUP : SA_REPLAY_OK;
		r = take(s, (uint32_t)lo, &seq);
		ck_assert_msg(r == want, "window %u, op %u, seq %llu (top %llu): got %d, want %d",
			      w, i, (unsigned long long)lo, (unsigned long long)top, r, want);
		if (r == SA_REPLAY_OK) {
			seen[lo] = 1;
			top = lo > top ? lo : top;
		}
	}
	ck_assert_uint_gt(top, 10000);
	free_table(t);
}
END_TEST

#define MT_THREADS 4
#define MT_NUMBERS 100000

struct mt_arg {
	struct sa *s;
	unsigned id;
	unsigned chunk;		/* shuffle inside chunks of this many numbers; 0: all of them */
	uint8_t *accepted;	/* per number: how many threads it was accepted by (atomic) */
	pthread_barrier_t *start;
};

static void *mt_thread(void *p)
{
	struct mt_arg *a = p;
	unsigned chunk = a->chunk ? a->chunk : MT_NUMBERS;
	uint32_t *order = malloc(MT_NUMBERS * sizeof(*order));
	unsigned seed = a->id * 7919 + 1;
	uint64_t seq;

	ck_assert_ptr_nonnull(order);
	for (unsigned i = 0; i < MT_NUMBERS; i++)
		order[i] = i + 1;
	for (unsigned base = 0; base < MT_NUMBERS; base += chunk) {
		unsigned n = MT_NUMBERS - base < chunk ? MT_NUMBERS - base : chunk;

		for (unsigned i = n - 1; i > 0; i--) {
			unsigned j = (unsigned)rand_r(&seed) % (i + 1);
			uint32_t x = order[base + i];

			order[base + i] = order[base + j];
			order[base + j] = x;
		}
	}
	pthread_barrier_wait(a->start);	/* all at once, for as much contention as we can */
	for (unsigned i = 0; i < MT_NUMBERS; i++)
		if (take(a->s, order[i], &seq) == SA_REPLAY_OK)
			__atomic_add_fetch(&a->accepted[order[i]], 1, __ATOMIC_RELAXED);
	free(order);
	return NULL;
}

/*
 * Several threads commit the same numbers. Each number is accepted at most once whatever
 * the orders; when every thread goes up with reordering smaller than the window, exactly
 * once (the first thread past a number has always tried it while it was in the window).
 */
START_TEST(test_replay_threads)
{
	static const struct { unsigned chunk; bool exact; } mt[] = {
		{ 256, true }, { 32, true }, { 0, false } };
	struct sa_table *t = new_table(1);
	struct sa *s = replay_sa(t, "replay-window 1024");
	uint8_t *accepted = calloc(MT_NUMBERS + 1, 1);
	struct mt_arg args[MT_THREADS];
	pthread_t th[MT_THREADS];
	pthread_barrier_t start;
	unsigned once = 0;

	ck_assert_ptr_nonnull(accepted);
	ck_assert_int_eq(pthread_barrier_init(&start, NULL, MT_THREADS), 0);
	for (unsigned i = 0; i < MT_THREADS; i++) {
		args[i] = (struct mt_arg){ s, i, mt[_i].chunk, accepted, &start };
		ck_assert_int_eq(pthread_create(&th[i], NULL, mt_thread, &args[i]), 0);
	}
	for (unsigned i = 0; i < MT_THREADS; i++)
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
	for (unsigned n = 1; n <= MT_NUMBERS; n++) {
		ck_assert_msg(accepted[n] <= 1, "%u accepted %u times", n, accepted[n]);
		ck_assert_msg(accepted[n] == 1 || !mt[_i].exact, "%u never accepted", n);
		once += accepted[n];
	}
	ck_assert_uint_gt(once, 0);
	pthread_barrier_destroy(&start);
	free(accepted);
	free_table(t);
}
END_TEST

/* --- scale --------------------------------------------------------------------------- */

#define BIG 100000

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void big_addr(unsigned i, uint8_t *family, uint8_t *a)
{
	memset(a, 0, 16);
	if (i % 2) {
		*family = 6;
		a[0] = 0x20;
		a[1] = 0x01;
		a[2] = 0x0d;
		a[3] = 0xb8;
		a[14] = (uint8_t)(i >> 8);
		a[15] = (uint8_t)i;
	} else {
		*family = 4;
		a[0] = 10;
		a[1] = (uint8_t)(i >> 16);
		a[2] = (uint8_t)(i >> 8);
		a[3] = (uint8_t)i;
	}
}

START_TEST(test_100k)
{
	struct sa_table *t = new_table(1);
	struct diag_list dl = { .n = 0 };
	size_t size = (size_t)BIG * 128, n = 0;
	char *text = malloc(size), addr[INET6_ADDRSTRLEN];
	double t0, t1, t2;
	const char *path;
	uint8_t fam, a[16];
	unsigned found = 0, wrong = 0;
	struct sa *s;

	ck_assert_ptr_nonnull(text);
	for (unsigned i = 0; i < BIG; i++) {
		big_addr(i, &fam, a);
		inet_ntop(fam == 4 ? AF_INET : AF_INET6, a, addr, sizeof(addr));
		n += (size_t)snprintf(text + n, size - n, "ah spi %u dst %s auth hmac(sha1) %s\n",
				      0x1000 + i / 7, addr, K20);
	}
	path = write_file(text, 0600);
	free(text);
	t0 = now_ms();
	ck_assert_int_eq(sa_load_file(t, path, &dl), 0);
	t1 = now_ms();
	ck_assert_uint_eq(sa_count(t), BIG);
	/* Count in the loop and assert after it: each ck_assert is a write to Check's pipe. */
	engine_read_begin();
	for (unsigned i = 0; i < BIG; i++) {
		big_addr(i, &fam, a);
		s = sa_lookup(t, 0x1000 + i / 7, fam, a, 51);
		found += s && sa_config(s)->spi == 0x1000 + i / 7 && sa_config(s)->family == fam;
		wrong += sa_lookup(t, 0x1000 + i / 7 + BIG, fam, a, 51) != NULL;
	}
	engine_read_end();
	t2 = now_ms();
	ck_assert_uint_eq(found, BIG);
	ck_assert_uint_eq(wrong, 0);
	if (getenv("SA_TIMING"))
		fprintf(stderr, "sa: %d SAs loaded in %.0f ms, %d lookups (+%d misses) in %.1f ms\n",
			BIG, t1 - t0, BIG, BIG, t2 - t1);
	ck_assert_int_eq(unlink(path), 0);
	sa_flush(t);
	ck_assert_uint_eq(sa_count(t), 0);
	free_table(t);
}
END_TEST

Suite *sa_suite(void)
{
	Suite *s = suite_create("sa");
	TCase *tc = tcase_create("parse");
	TCase *tr = tcase_create("replay");
	TCase *tb = tcase_create("scale");

	tcase_add_loop_test(tc, test_good_lines, 0, ARRAY_SIZE(good));
	tcase_add_loop_test(tc, test_bad_lines, 0, ARRAY_SIZE(bad));
	tcase_add_loop_test(tc, test_esp_good_lines, 0, ARRAY_SIZE(esp_good));
	tcase_add_test(tc, test_ah_has_no_esp);
	tcase_add_loop_test(tc, test_ws_good, 0, 2);
	tcase_add_loop_test(tc, test_ws_bad, 0, ARRAY_SIZE(ws_bad));
	tcase_add_test(tc, test_ws_file_errors);
	tcase_add_test(tc, test_file);
	tcase_add_test(tc, test_file_errors);
	tcase_add_loop_test(tc, test_file_mode, 0, ARRAY_SIZE(perms));
	tcase_add_test(tc, test_replace_del_flush);
	tcase_add_test(tc, test_counters);
	tcase_add_test(tc, test_man_examples);
	suite_add_tcase(s, tc);
	tcase_add_loop_test(tr, test_replay_steps, 0, ARRAY_SIZE(replay));
	tcase_add_loop_test(tr, test_replay_model, 0, 5);
	tcase_add_loop_test(tr, test_replay_threads, 0, 3);
	tcase_set_timeout(tr, 60);
	suite_add_tcase(s, tr);
	tcase_add_test(tb, test_100k);
	tcase_set_timeout(tb, 60);
	suite_add_tcase(s, tb);
	return s;
}
