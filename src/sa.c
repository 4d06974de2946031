// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sa: the SA store, the key-file parser and the anti-replay window.
 *
 * SAs are keyed as RFC 4301 §4.1 keys them, (SPI, destination, protocol), in liburcu's
 * lock-free resizable hash table: packet threads look up inside their RCU read section,
 * without locks; control calls (load, add, del, flush) are serialized by a mutex, replace
 * or remove nodes atomically and free the old SAs with call_rcu, after every reader that
 * could see them is done. Each SA carries one prepared crypto context per packet thread
 * (made when the SA is added, never per packet: an AH authenticator, or an ESP context
 * that owns its authenticator) and no copy of its keys: they live only in the contexts,
 * which crypto_auth_free and crypto_esp_free cleanse.
 *
 * The replay window implements RFC 4302 §3.4.3 and RFC 4303 §3.4.3 with the extended
 * sequence number inference of RFC 4303 Appendix A2; its lock-free rule is written down in
 * sa.h. The parser reads the ipsecfw.keys(5) syntax (Linux `ip xfrm state` words), keeps
 * going after an error to report every bad line, and adds nothing unless all lines are
 * good. It refuses ESP without integrity (NULL encryption alone, which RFC 4303 forbids,
 * and CBC alone, which can be tampered with) and AEAD algorithms written as
 * plain ciphers. Wireshark's esp_sa file (the ESP SA table of its preferences, which
 * strongSwan's save-keys plugin also writes) is read by a second front end that maps its
 * algorithm names onto the same configuration and the same checks. Key bytes read from a
 * file are held in buffers this module owns and wipes; a diagnostic never quotes a hex
 * string, in case it is a key in the wrong place.
 */
#include "ipsecfw/sa.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <urcu.h>
#include <urcu/rculfhash.h>

#include "ipsecfw/counters.h"
#include "ipsecfw/crypto.h"

#define PROTO_ESP 50
#define PROTO_AH 51
#define BLOCK_BITS 32
#define TABLE_MIN_BUCKETS 1024

/* One packet thread's counters for one SA: single writer, a cache line of its own. */
struct sa_thread_stats {
	uint64_t packets, bytes, icv_failures, replays, bad_length, bad_padding;
} __attribute__((aligned(CACHELINE)));

/*
 * Hot first: a lookup touches the chain link and the identity in cfg, then the packet
 * uses auth, the window geometry and stats. `highest` is written by every commit, so it
 * gets a cache line of its own; the control-path fields come last.
 */
struct sa {
	struct cds_lfht_node node;
	struct sa_config cfg;
	struct crypto_auth **auth;	/* [nthreads]: AH's authenticators; NULL for ESP */
	struct crypto_esp **esp;	/* [nthreads]: ESP's contexts; NULL for AH */
	uint64_t *slots;		/* [slot_mask + 1]: (block tag << 32) | bitmap */
	struct sa_thread_stats *stats;	/* [nthreads] */
	uint32_t slot_mask;
	unsigned nthreads;
	_Alignas(CACHELINE) uint64_t highest;	/* highest number committed; only grows */
	struct rcu_head rcu;
	unsigned line, col;		/* where a load defined it (duplicate reports) */
};

struct sa_table {
	struct cds_lfht *ht;
	uint64_t seed;
	unsigned nthreads;
	size_t count;			/* written under lock, read with relaxed loads */
	unsigned long buckets;		/* the size last asked of cds_lfht_resize */
	pthread_mutex_t lock;		/* serializes control calls */
};

/* The identity a lookup compares: dst is always 16 bytes, IPv4 zero-padded. */
struct sa_key {
	uint32_t spi;
	uint8_t proto;
	uint8_t family;
	uint8_t dst[16];
};

/* --- hashing and identity ------------------------------------------------------------ */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static unsigned long key_hash(uint64_t seed, const struct sa_key *k)
{
	uint64_t a, b, h;

	memcpy(&a, k->dst, 8);
	memcpy(&b, k->dst + 8, 8);
	h = mix64(seed ^ ((uint64_t)k->spi << 16 | (uint64_t)k->proto << 8 | k->family));
	h = mix64(h ^ a);
	return (unsigned long)mix64(h ^ b);
}

static int key_match(struct cds_lfht_node *node, const void *arg)
{
	const struct sa *s = caa_container_of(node, struct sa, node);
	const struct sa_key *k = arg;

	return s->cfg.spi == k->spi && s->cfg.proto == k->proto &&
	       s->cfg.family == k->family && !memcmp(s->cfg.dst, k->dst, sizeof(k->dst));
}

static void key_of(const struct sa_config *c, struct sa_key *k)
{
	k->spi = c->spi;
	k->proto = c->proto;
	k->family = c->family;
	memcpy(k->dst, c->dst, sizeof(k->dst));
}

/* 0 when family is neither 4 nor 6. Reads only the 4 or 16 bytes the family has. */
static int key_set(struct sa_key *k, uint32_t spi, uint8_t family, const uint8_t *dst,
		   uint8_t proto)
{
	if (family != 4 && family != 6)
		return 0;
	memset(k, 0, sizeof(*k));
	k->spi = spi;
	k->proto = proto;
	k->family = family;
	memcpy(k->dst, dst, family == 4 ? 4 : 16);
	return 1;
}

/* --- SA objects ---------------------------------------------------------------------- */

static size_t round_up(size_t n, size_t a)
{
	return (n + a - 1) / a * a;
}

static unsigned window_slots(unsigned window)
{
	unsigned need = (window + BLOCK_BITS - 1) / BLOCK_BITS + 1, n = 1;

	while (n < need)
		n <<= 1;
	return n;
}

/* Frees contexts (they cleanse their keys) and the block. NULL is fine. */
static void sa_destroy(struct sa *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->nthreads; i++) {
		crypto_auth_free(s->auth[i]);
		crypto_esp_free(s->esp[i]);
	}
	wipe(s, sizeof(*s));
	free(s);
}

static void sa_free_rcu(struct rcu_head *h)
{
	sa_destroy(caa_container_of(h, struct sa, rcu));
}

/*
 * One allocation: the SA, then the per-thread counters, the replay slots and the two
 * arrays of context pointers (one of them stays all NULL). Slot tags start one full window behind the configured number, empty, so
 * every block the window can reach replaces them.
 */
static struct sa *sa_alloc(const struct sa_config *c, unsigned nthreads)
{
	unsigned nslots = window_slots(c->replay_window);
	size_t off_stats = round_up(sizeof(struct sa), CACHELINE);
	size_t off_slots = off_stats + (size_t)nthreads * sizeof(struct sa_thread_stats);
	size_t off_auth = round_up(off_slots + nslots * sizeof(uint64_t), CACHELINE);
	size_t off_esp = off_auth + nthreads * sizeof(struct crypto_auth *);
	size_t size = round_up(off_esp + nthreads * sizeof(struct crypto_esp *), CACHELINE);
	uint32_t tag = (uint32_t)((c->seq >> 5) - nslots);
	struct sa *s = aligned_alloc(CACHELINE, size);

	if (!s)
		return NULL;
	memset(s, 0, size);
	s->cfg = *c;
	s->stats = (struct sa_thread_stats *)((char *)s + off_stats);
	s->slots = (uint64_t *)((char *)s + off_slots);
	s->auth = (struct crypto_auth **)((char *)s + off_auth);
	s->esp = (struct crypto_esp **)((char *)s + off_esp);
	s->slot_mask = nslots - 1;
	s->nthreads = nthreads;
	s->highest = c->seq;
	for (unsigned i = 0; i < nslots; i++)
		s->slots[i] = (uint64_t)tag << 32;
	/* The configured number itself was received (ip xfrm's "seq" is the highest seen):
	 * it is a replay; the numbers below it in the window are not known, so stay open. */
	if (c->seq && c->replay_window)
		s->slots[(c->seq >> 5) & s->slot_mask] =
			(uint64_t)(uint32_t)(c->seq >> 5) << 32 | 1ull << (c->seq & 31);
	return s;
}

/* --- the packet path ----------------------------------------------------------------- */

struct sa *sa_lookup(const struct sa_table *t, uint32_t spi, uint8_t family, const uint8_t *dst,
		     uint8_t proto)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;
	struct sa_key k;

	if (!key_set(&k, spi, family, dst, proto))
		return NULL;
	cds_lfht_lookup(t->ht, key_hash(t->seed, &k), key_match, &k, &it);
	node = cds_lfht_iter_get_node(&it);
	return node ? caa_container_of(node, struct sa, node) : NULL;
}

const struct sa_config *sa_config(const struct sa *s)
{
	return &s->cfg;
}

struct crypto_auth *sa_auth(struct sa *s, unsigned thread)
{
	assert(thread < s->nthreads);
	return s->auth[thread];
}

struct crypto_esp *sa_esp(struct sa *s, unsigned thread)
{
	assert(thread < s->nthreads);
	return s->esp[thread];
}

/* Serial-number order of 32-bit block tags: is a before b? */
static bool tag_older(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/*
 * RFC 4303 A2.2: the high half of the number from the low half and the window's top T.
 * False when the result would leave the 64-bit space (before 0 or after 2^64 - 1).
 */
static bool esn_infer(uint64_t top, uint32_t lo, unsigned window, uint64_t *seq)
{
	uint32_t tl = (uint32_t)top, th = (uint32_t)(top >> 32);
	uint32_t w = window ? window : 1;
	uint32_t bottom = tl - w + 1;	/* mod 2^32, as the RFC computes it */
	uint32_t hi;

	if (tl >= w - 1) {	/* case A: the window lies within one subspace */
		if (lo >= bottom)
			hi = th;
		else if (th == UINT32_MAX)
			return false;
		else
			hi = th + 1;
	} else {		/* case B: the window spans two subspaces */
		if (lo < bottom)
			hi = th;
		else if (th == 0)
			return false;
		else
			hi = th - 1;
	}
	*seq = (uint64_t)hi << 32 | lo;
	return true;
}

/* Where seq stands against the window, reading it without changing it. */
static enum sa_replay window_test(const struct sa *s, uint64_t top, uint64_t seq)
{
	unsigned w = s->cfg.replay_window;
	uint64_t block = seq >> 5, slot;
	uint32_t tag;

	if (seq == 0 || (top >= w && seq <= top - w))
		return SA_REPLAY_OLD;
	if (seq > top)
		return SA_REPLAY_OK;
	slot = __atomic_load_n(&s->slots[block & s->slot_mask], __ATOMIC_ACQUIRE);
	tag = (uint32_t)(slot >> 32);
	if (tag == (uint32_t)block)
		return slot & (1ULL << (seq & 31)) ? SA_REPLAY_DUP : SA_REPLAY_OK;
	return tag_older(tag, (uint32_t)block) ? SA_REPLAY_OK : SA_REPLAY_OLD;
}

enum sa_replay sa_replay_check(const struct sa *s, uint32_t seq_lo, uint64_t *seq)
{
	uint64_t top = __atomic_load_n(&s->highest, __ATOMIC_ACQUIRE);

	*seq = seq_lo;
	if (s->cfg.esn && !esn_infer(top, seq_lo, s->cfg.replay_window, seq))
		return SA_REPLAY_OLD;
	if (!s->cfg.replay_window)
		return SA_REPLAY_OK;
	return window_test(s, top, *seq);
}

/* Raise `highest` to at least seq (CAS max: it never goes down). */
static void raise_highest(struct sa *s, uint64_t seq)
{
	uint64_t cur = __atomic_load_n(&s->highest, __ATOMIC_RELAXED);

	while (seq > cur && !__atomic_compare_exchange_n(&s->highest, &cur, seq, true,
							 __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

enum sa_replay sa_replay_commit(struct sa *s, uint64_t seq)
{
	unsigned w = s->cfg.replay_window;
	uint64_t block = seq >> 5, bit = 1ULL << (seq & 31), cur, nv, top;
	uint64_t *slot = &s->slots[block & s->slot_mask];
	uint32_t btag = (uint32_t)block, tag;

	if (w) {
		top = __atomic_load_n(&s->highest, __ATOMIC_ACQUIRE);
		if (seq == 0 || (top >= w && seq <= top - w))
			return SA_REPLAY_OLD;
		cur = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
		do {
			tag = (uint32_t)(cur >> 32);
			if (tag == btag && (cur & bit))
				return SA_REPLAY_DUP;
			if (tag == btag)
				nv = cur | bit;
			else if (tag_older(tag, btag))
				nv = (uint64_t)btag << 32 | bit;
			else
				return SA_REPLAY_OLD;
		} while (!__atomic_compare_exchange_n(slot, &cur, nv, true, __ATOMIC_ACQ_REL,
						      __ATOMIC_ACQUIRE));
	}
	raise_highest(s, seq);
	return SA_REPLAY_OK;
}

void sa_note(struct sa *s, unsigned thread, enum sa_event ev, uint64_t bytes)
{
	struct sa_thread_stats *st = &s->stats[thread];

	assert(thread < s->nthreads);
	switch (ev) {
	case SA_EV_OK:
		counters_add(&st->packets, 1);
		counters_add(&st->bytes, bytes);
		break;
	case SA_EV_ICV_FAIL:
		counters_add(&st->icv_failures, 1);
		break;
	case SA_EV_REPLAY:
		counters_add(&st->replays, 1);
		break;
	case SA_EV_BAD_LENGTH:
		counters_add(&st->bad_length, 1);
		break;
	case SA_EV_BAD_PADDING:
		counters_add(&st->bad_padding, 1);
		break;
	case SA_EV_MAX:
		break;
	}
}

/* --- the table ----------------------------------------------------------------------- */

static uint64_t random_seed(void)
{
	uint64_t seed;
	struct timespec ts;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed))
		return seed;
	/* The seed only spreads chains; SAs are chosen by us, not by the sender. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return mix64((uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 32 ^ (uintptr_t)&seed);
}

struct sa_table *sa_table_new(unsigned nthreads, struct diag_list *dl)
{
	struct sa_table *t = calloc(1, sizeof(*t));

	assert(nthreads > 0);
	if (!t)
		goto err_oom;
	t->ht = cds_lfht_new(TABLE_MIN_BUCKETS, TABLE_MIN_BUCKETS, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING, NULL);
	if (!t->ht)
		goto err_free_table;
	if (pthread_mutex_init(&t->lock, NULL))
		goto err_free_ht;
	t->nthreads = nthreads;
	t->buckets = TABLE_MIN_BUCKETS;
	t->seed = random_seed();
	return t;

err_free_ht:
	(void)cds_lfht_destroy(t->ht, NULL);
err_free_table:
	free(t);
err_oom:
	diag_add(dl, NULL, 0, 0, "out of memory for the SA table");
	return NULL;
}

/* Unlink every SA and hand it to call_rcu. Caller holds t->lock. */
static void unlink_all(struct sa_table *t)
{
	struct cds_lfht_iter it;
	struct sa *s;

	rcu_read_lock();
	cds_lfht_for_each_entry(t->ht, &it, s, node) {
		if (!cds_lfht_del(t->ht, &s->node)) {
			call_rcu(&s->rcu, sa_free_rcu);
			__atomic_store_n(&t->count, t->count - 1, __ATOMIC_RELAXED);
		}
	}
	rcu_read_unlock();
}

void sa_table_free(struct sa_table *t)
{
	int rc;

	if (!t)
		return;
	unlink_all(t);
	rcu_barrier();		/* every SA freed, including earlier replacements */
	rc = cds_lfht_destroy(t->ht, NULL);
	assert(rc == 0);
	(void)rc;
	pthread_mutex_destroy(&t->lock);
	free(t);
}

void sa_flush(struct sa_table *t)
{
	pthread_mutex_lock(&t->lock);
	unlink_all(t);
	t->buckets = TABLE_MIN_BUCKETS;	/* the table may shrink now: size it again later */
	pthread_mutex_unlock(&t->lock);
}

size_t sa_count(const struct sa_table *t)
{
	return __atomic_load_n(&t->count, __ATOMIC_RELAXED);
}

/* Publish n built SAs, each replacing any SA of the same identity. Consumes v[]. */
static void publish(struct sa_table *t, struct sa **v, size_t n)
{
	struct cds_lfht_node *old;
	struct sa_key k;

	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < n; i++) {
		key_of(&v[i]->cfg, &k);
		rcu_read_lock();
		old = cds_lfht_add_replace(t->ht, key_hash(t->seed, &k), key_match, &k,
					   &v[i]->node);
		if (old)
			call_rcu(&caa_container_of(old, struct sa, node)->rcu, sa_free_rcu);
		else
			__atomic_store_n(&t->count, t->count + 1, __ATOMIC_RELAXED);
		rcu_read_unlock();
	}
	/*
	 * The table's own lazy growth lags far behind a bulk load (we measured 100,000 SAs
	 * left in chains three times slower to search); size it for one SA per bucket now.
	 */
	if (t->count > t->buckets) {
		while (t->buckets < t->count)
			t->buckets <<= 1;
		cds_lfht_resize(t->ht, t->buckets);
	}
	pthread_mutex_unlock(&t->lock);
}

static const char *proto_name(uint8_t proto)
{
	return proto == PROTO_AH ? "ah" : proto == PROTO_ESP ? "esp" : "?";
}

int sa_del(struct sa_table *t, uint32_t spi, uint8_t family, const uint8_t *dst, uint8_t proto,
	   struct diag_list *dl)
{
	struct sa_key k;
	struct sa *s;
	char addr[INET6_ADDRSTRLEN] = "?";
	int rc = -1;

	if (!key_set(&k, spi, family, dst, proto)) {
		diag_add(dl, "sa del", 0, 0, "address family %u is neither 4 nor 6", family);
		return -1;
	}
	pthread_mutex_lock(&t->lock);
	rcu_read_lock();
	s = sa_lookup(t, spi, family, dst, proto);
	if (s && !cds_lfht_del(t->ht, &s->node)) {
		call_rcu(&s->rcu, sa_free_rcu);
		__atomic_store_n(&t->count, t->count - 1, __ATOMIC_RELAXED);
		rc = 0;
	}
	rcu_read_unlock();
	pthread_mutex_unlock(&t->lock);
	if (rc) {
		inet_ntop(family == 4 ? AF_INET : AF_INET6, k.dst, addr, sizeof(addr));
		diag_add(dl, "sa del", 0, 0, "no such SA: %s spi 0x%08x dst %s", proto_name(proto),
			 spi, addr);
	}
	return rc;
}

static void sum_stats(const struct sa *s, struct sa_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (unsigned i = 0; i < s->nthreads; i++) {
		st->packets += counters_read(&s->stats[i].packets);
		st->bytes += counters_read(&s->stats[i].bytes);
		st->icv_failures += counters_read(&s->stats[i].icv_failures);
		st->replays += counters_read(&s->stats[i].replays);
		st->bad_length += counters_read(&s->stats[i].bad_length);
		st->bad_padding += counters_read(&s->stats[i].bad_padding);
	}
	st->highest_seq = __atomic_load_n(&s->highest, __ATOMIC_RELAXED);
}

void sa_foreach(struct sa_table *t,
		void (*fn)(void *arg, const struct sa_config *c, const struct sa_stats *st),
		void *arg)
{
	struct cds_lfht_iter it;
	struct sa_stats st;
	struct sa *s;

	rcu_read_lock();
	cds_lfht_for_each_entry(t->ht, &it, s, node) {
		sum_stats(s, &st);
		fn(arg, &s->cfg, &st);
	}
	rcu_read_unlock();
}

/* --- formatting ---------------------------------------------------------------------- */

static const char *mode_name(enum sa_mode m)
{
	return m == SA_MODE_TRANSPORT ? "transport" : m == SA_MODE_TUNNEL ? "tunnel" : NULL;
}

/* The algorithm words of c: "auth-trunc A N", "enc E auth-trunc A N" or "aead E N". */
static void format_algs(const struct sa_config *c, char *buf, size_t size)
{
	const char *auth = c->auth ? c->auth->name : "?";

	if (c->enc && c->enc->aead)
		snprintf(buf, size, "aead %s %u", c->enc->name, c->icv_bits);
	else if (c->enc)
		snprintf(buf, size, "enc %s auth-trunc %s %u", c->enc->name, auth, c->icv_bits);
	else
		snprintf(buf, size, "auth-trunc %s %u", auth, c->icv_bits);
}

int sa_config_format(const struct sa_config *c, char *buf, size_t size)
{
	char dst[INET6_ADDRSTRLEN] = "?", src[INET6_ADDRSTRLEN] = "?";
	char algs[96], encap[40] = "";
	int af = c->family == 4 ? AF_INET : AF_INET6;
	const char *mode = mode_name(c->mode);

	inet_ntop(af, c->dst, dst, sizeof(dst));
	if (c->has_src)
		inet_ntop(af, c->src, src, sizeof(src));
	format_algs(c, algs, sizeof(algs));
	if (c->udp_encap)
		snprintf(encap, sizeof(encap), " encap espinudp %u %u 0.0.0.0", c->encap_sport,
			 c->encap_dport);
	return snprintf(buf, size, "%s spi 0x%08x dst %s%s%s %s%s%s replay-window %u%s%s",
			proto_name(c->proto), c->spi, dst, c->has_src ? " src " : "",
			c->has_src ? src : "", algs, mode ? " mode " : "", mode ? mode : "",
			c->replay_window, c->esn ? " esn" : "", encap);
}

/* --- the key-file parser ------------------------------------------------------------- */

/* A word of the line: a view into the caller's buffer, never copied when it may be a key. */
struct tok {
	const char *p;
	size_t len;
	unsigned col;
};

/* Options seen on a line, to refuse repeats and find what is missing. */
enum {
	SEEN_PROTO = 1 << 0, SEEN_SPI = 1 << 1, SEEN_DST = 1 << 2, SEEN_SRC = 1 << 3,
	SEEN_AUTH = 1 << 4, SEEN_MODE = 1 << 5, SEEN_ESN = 1 << 6, SEEN_WINDOW = 1 << 7,
	SEEN_SEQ_HI = 1 << 8, SEEN_SEQ = 1 << 9, SEEN_REQID = 1 << 10, SEEN_FLAG = 1 << 11,
	SEEN_ENC = 1 << 12, SEEN_AEAD = 1 << 13, SEEN_ENCAP = 1 << 14,
};

/*
 * One line being parsed. key is the integrity key, enc_key ESP's encryption or AEAD key;
 * both are wiped before the line's parser returns.
 */
struct line {
	const char *file;
	unsigned lineno;
	struct diag_list *dl;
	const char *text;
	size_t pos;
	unsigned errors;
	struct sa_config cfg;
	uint8_t key[SA_KEY_MAX];
	size_t key_len;
	uint8_t enc_key[SA_KEY_MAX];
	size_t enc_key_len;
	uint32_t seq_hi, seq_lo;
	uint8_t src_family;
	unsigned seen;
	unsigned first_col, src_col, seq_hi_col, window_col, key_col, enc_key_col;
	unsigned proto_col, auth_col, enc_col, aead_col, encap_col;
};

static void line_err(struct line *l, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void line_err(struct line *l, unsigned col, const char *fmt, ...)
{
	char msg[DIAG_MSG];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(l->dl, l->file, l->lineno, col, "%s", msg);
	l->errors++;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The next word, or false at the end of the line or at a '#' comment. */
static bool next_tok(struct line *l, struct tok *t)
{
	const char *s = l->text;

	while (is_space(s[l->pos]))
		l->pos++;
	t->col = (unsigned)l->pos + 1;
	if (!s[l->pos] || s[l->pos] == '#')
		return false;
	t->p = s + l->pos;
	while (s[l->pos] && !is_space(s[l->pos]))
		l->pos++;
	t->len = (size_t)(s + l->pos - t->p);
	return true;
}

static bool tok_is(const struct tok *t, const char *word)
{
	return strlen(word) == t->len && !memcmp(t->p, word, t->len);
}

/* Is the word a long run of hex digits (with or without 0x)? It may be a key: never shown. */
static bool tok_secretish(const struct tok *t)
{
	size_t i = t->len > 2 && t->p[0] == '0' && (t->p[1] | 0x20) == 'x' ? 2 : 0;

	if (t->len - i < 24)
		return false;
	for (; i < t->len; i++)
		if (hex_digit(t->p[i]) < 0)
			return false;
	return true;
}

/* A word for a message: quoted and cut short, or described when it may be a key. */
static const char *tok_show(const struct tok *t, char *buf, size_t size)
{
	if (tok_secretish(t))
		snprintf(buf, size, "a %zu-character hex string", t->len);
	else if (t->len > 40)
		snprintf(buf, size, "\"%.*s...\"", 40, t->p);
	else
		snprintf(buf, size, "\"%.*s\"", (int)t->len, t->p);
	return buf;
}

/* The argument word after option `opt`, or an error saying what was expected. */
static bool need_arg(struct line *l, const struct tok *opt, const char *what, struct tok *t)
{
	if (next_tok(l, t))
		return true;
	line_err(l, t->col, "\"%.*s\" needs %s", (int)opt->len, opt->p, what);
	return false;
}

/* A decimal or 0x number up to max. */
static bool tok_num(const struct tok *t, uint64_t max, uint64_t *v)
{
	bool hex = t->len > 2 && t->p[0] == '0' && (t->p[1] | 0x20) == 'x';
	unsigned base = hex ? 16 : 10;
	size_t i = hex ? 2 : 0;
	uint64_t n = 0;
	int d;

	if (i == t->len)
		return false;
	for (; i < t->len; i++) {
		d = hex ? hex_digit(t->p[i]) : (t->p[i] >= '0' && t->p[i] <= '9' ? t->p[i] - '0' : -1);
		if (d < 0 || n > (max - (uint64_t)d) / base)
			return false;
		n = n * base + (uint64_t)d;
	}
	*v = n;
	return true;
}

/* The number after option `opt`; *col (if not NULL) is where it starts. */
static bool arg_num(struct line *l, const struct tok *opt, uint64_t max, uint64_t *v,
		    unsigned *col)
{
	struct tok t;
	char show[64];

	if (!need_arg(l, opt, "a number", &t))
		return false;
	if (col)
		*col = t.col;
	if (tok_num(&t, max, v))
		return true;
	line_err(l, t.col, "\"%.*s\" needs a number from 0 to %llu (decimal or 0x hex), got %s",
		 (int)opt->len, opt->p, (unsigned long long)max, tok_show(&t, show, sizeof(show)));
	return false;
}

static bool opt_spi(struct line *l, const struct tok *opt)
{
	uint64_t v;

	if (!arg_num(l, opt, UINT32_MAX, &v, NULL))
		return false;
	if (v < 256) {
		line_err(l, opt->col, "spi %llu is reserved: SPIs 0 to 255 are not used for SAs "
			 "(RFC 4303 §2.1)", (unsigned long long)v);
		return false;
	}
	l->cfg.spi = (uint32_t)v;
	return true;
}

/* An address into out (16 bytes, zero-padded); returns the family, 0 on error. */
static uint8_t arg_addr(struct line *l, const struct tok *opt, uint8_t *out, unsigned *col)
{
	char buf[INET6_ADDRSTRLEN + 1], show[64];
	struct tok t;

	if (!need_arg(l, opt, "an IPv4 or IPv6 address", &t))
		return 0;
	*col = t.col;
	memset(out, 0, 16);
	if (t.len < sizeof(buf)) {
		memcpy(buf, t.p, t.len);
		buf[t.len] = 0;
		if (inet_pton(AF_INET, buf, out) == 1)
			return 4;
		if (inet_pton(AF_INET6, buf, out) == 1)
			return 6;
	}
	line_err(l, t.col, "expected an IPv4 or IPv6 address, got %s",
		 tok_show(&t, show, sizeof(show)));
	return 0;
}

static bool opt_dst(struct line *l, const struct tok *opt)
{
	unsigned col;

	l->cfg.family = arg_addr(l, opt, l->cfg.dst, &col);
	return l->cfg.family != 0;
}

static bool opt_src(struct line *l, const struct tok *opt)
{
	l->src_family = arg_addr(l, opt, l->cfg.src, &l->src_col);
	l->cfg.has_src = true;
	return l->src_family != 0;
}

/*
 * A key of t.len characters at p: 0x and an even number of hex digits, into out (SA_KEY_MAX
 * bytes, the caller's secret buffer). With empty_ok, "0x" alone and "" are an empty key
 * (NULL encryption has none). Reports at col; false after an error.
 */
static bool parse_key(struct line *l, const char *p, size_t len, unsigned col, bool empty_ok,
		      uint8_t *out, size_t *out_len)
{
	size_t n = len >= 2 ? (len - 2) / 2 : 0;
	int hi, lo;

	if (empty_ok && (len == 0 || (len == 2 && !memcmp(p, "\"\"", 2)))) {
		*out_len = 0;
		return true;
	}
	if (len < (empty_ok ? 2u : 4u) || p[0] != '0' || (p[1] | 0x20) != 'x' || len % 2) {
		line_err(l, col, "expected a key as 0x and an even number of hex digits");
		return false;
	}
	if (n > SA_KEY_MAX) {
		line_err(l, col, "the key is %zu bytes; at most %d are accepted", n, SA_KEY_MAX);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		hi = hex_digit(p[2 + 2 * i]);
		lo = hex_digit(p[3 + 2 * i]);
		if (hi < 0 || lo < 0) {
			line_err(l, col, "expected a key as 0x and an even number of hex digits");
			return false;
		}
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*out_len = n;
	return true;
}

/* The integrity key after option `opt`; the bytes go into l->key only. */
static bool arg_key(struct line *l, const struct tok *opt)
{
	struct tok t;

	if (!need_arg(l, opt, "a key (0x and hex digits)", &t))
		return false;
	l->key_col = t.col;
	return parse_key(l, t.p, t.len, t.col, false, l->key, &l->key_len);
}

/* The encryption key after option `opt` ("0x" or "" for none); into l->enc_key only. */
static bool arg_enc_key(struct line *l, const struct tok *opt)
{
	struct tok t;

	if (!need_arg(l, opt, "a key (0x and hex digits)", &t))
		return false;
	l->enc_key_col = t.col;
	return parse_key(l, t.p, t.len, t.col, true, l->enc_key, &l->enc_key_len);
}

/*
 * The key length IPsec fixes for HMAC (RFC 2403 §3, RFC 2404 §3, RFC 4868 §2.1.1: the
 * digest length; other lengths MUST NOT be used), although HMAC itself takes any: a key of
 * another length is a copying mistake. 0 for algorithms whose table row says it all.
 */
static unsigned rfc_key_len(const struct crypto_auth_info *info)
{
	switch (info->alg) {
	case CRYPTO_AUTH_HMAC_MD5:
		return 16;
	case CRYPTO_AUTH_HMAC_SHA1:
		return 20;
	case CRYPTO_AUTH_HMAC_SHA256:
		return 32;
	case CRYPTO_AUTH_HMAC_SHA384:
		return 48;
	case CRYPTO_AUTH_HMAC_SHA512:
		return 64;
	default:
		return 0;
	}
}

/* Is l->key the right length for info? False after reporting at the key's column. */
static bool auth_key_ok(struct line *l, const struct crypto_auth_info *info)
{
	if (rfc_key_len(info) && l->key_len != rfc_key_len(info)) {
		line_err(l, l->key_col, "%s needs a %u-byte key (%s), got %zu bytes", info->name,
			 rfc_key_len(info), info->alg == CRYPTO_AUTH_HMAC_MD5 ? "RFC 2403" :
			 info->alg == CRYPTO_AUTH_HMAC_SHA1 ? "RFC 2404" : "RFC 4868", l->key_len);
		return false;
	}
	if (l->key_len < info->key_min || l->key_len > info->key_max) {
		if (info->key_min == info->key_max)
			line_err(l, l->key_col, "%s needs a %u-byte key, got %zu bytes", info->name,
				 info->key_min, l->key_len);
		else
			line_err(l, l->key_col, "%s needs a key of %u to %u bytes, got %zu bytes",
				 info->name, info->key_min, info->key_max, l->key_len);
		return false;
	}
	return true;
}

/* "auth NAME KEY" or "auth-trunc NAME KEY BITS": the algorithm, key and ICV length. */
static bool opt_auth(struct line *l, const struct tok *opt)
{
	bool trunc = tok_is(opt, "auth-trunc");
	const struct crypto_auth_info *info;
	char name[32], show[64];
	struct tok t;
	uint64_t bits;
	unsigned col;

	l->auth_col = opt->col;
	if (!need_arg(l, opt, "an algorithm name", &t))
		return false;
	info = NULL;
	if (t.len < sizeof(name)) {
		memcpy(name, t.p, t.len);
		name[t.len] = 0;
		info = crypto_auth_find(name);
	}
	if (!info) {
		line_err(l, t.col, "unknown authentication algorithm %s; expected hmac(sha1), "
			 "hmac(sha256), hmac(sha384), hmac(sha512), xcbc(aes), rfc4543(gcm(aes)) "
			 "or hmac(md5)", tok_show(&t, show, sizeof(show)));
		return false;
	}
	if (!arg_key(l, opt) || !auth_key_ok(l, info))
		return false;
	l->cfg.auth = info;
	l->cfg.icv_bits = info->icv_bits;
	if (!trunc)
		return true;
	if (!arg_num(l, opt, UINT32_MAX, &bits, &col))
		return false;
	if (!crypto_auth_icv_ok(info, (unsigned)bits)) {
		line_err(l, col, "%s cannot have a %llu-bit ICV (its usual length is %u)", info->name,
			 (unsigned long long)bits, info->icv_bits);
		return false;
	}
	l->cfg.icv_bits = (unsigned)bits;
	return true;
}

/*
 * Check an ESP key's length. AES takes 16, 24 or 32 bytes, GCM and GMAC that and a 4-byte
 * salt (RFC 4106 §8.1, RFC 4543 §5), ChaCha20-Poly1305 32 and a salt (RFC 7634 §2); the
 * table row bounds the rest. False after reporting at the key's column.
 */
static bool enc_key_ok(struct line *l, const struct crypto_enc_info *e)
{
	size_t n = l->enc_key_len, aes = n;
	unsigned col = l->enc_key_col;
	bool salted = e->alg == CRYPTO_ENC_GCM_AES || e->alg == CRYPTO_ENC_GMAC_AES;

	if (salted)
		aes = n >= 4 ? n - 4 : 0;
	if (e->alg == CRYPTO_ENC_CBC_AES || salted) {
		if (aes == 16 || aes == 24 || aes == 32)
			return true;
		if (salted)
			line_err(l, col, "%s needs a key of 20, 28 or 36 bytes (an AES key and a "
				 "4-byte salt), got %zu bytes", e->name, n);
		else
			line_err(l, col, "%s needs a 16-, 24- or 32-byte key, got %zu bytes",
				 e->name, n);
		return false;
	}
	if (n >= e->key_min && n <= e->key_max)
		return true;
	if (e->key_max == 0)
		line_err(l, col, "%s takes no key: write 0x, got %zu bytes", e->name, n);
	else if (e->key_min == e->key_max)
		line_err(l, col, "%s needs a %u-byte key%s, got %zu bytes", e->name, e->key_min,
			 e->alg == CRYPTO_ENC_CHACHAPOLY ? " (a 32-byte key and a 4-byte salt)" : "",
			 n);
	else
		line_err(l, col, "%s needs a key of %u to %u bytes, got %zu bytes", e->name,
			 e->key_min, e->key_max, n);
	return false;
}

/* An encryption algorithm name after `opt`, or NULL after an error. */
static const struct crypto_enc_info *arg_enc_name(struct line *l, const struct tok *opt)
{
	const struct crypto_enc_info *e = NULL;
	char name[40], show[64];
	struct tok t;

	if (!need_arg(l, opt, "an algorithm name", &t))
		return NULL;
	if (t.len < sizeof(name)) {
		memcpy(name, t.p, t.len);
		name[t.len] = 0;
		e = crypto_enc_find(name);
	}
	if (!e)
		line_err(l, t.col, "unknown encryption algorithm %s; expected cbc(aes), "
			 "rfc4106(gcm(aes)), rfc7539esp(chacha20,poly1305), rfc4543(gcm(aes)) or "
			 "ecb(cipher_null)", tok_show(&t, show, sizeof(show)));
	else if (e->aead != tok_is(opt, "aead"))
		line_err(l, t.col, e->aead ? "%s is an AEAD algorithm: write \"aead %s KEY BITS\""
			 : "%s is not an AEAD algorithm: write \"enc %s KEY\" and an \"auth\" or "
			 "\"auth-trunc\"", e->name, e->name);
	else
		return e;
	return NULL;
}

/* "enc NAME KEY": ESP's cipher (not AEAD; its integrity comes from auth/auth-trunc). */
static bool opt_enc(struct line *l, const struct tok *opt)
{
	const struct crypto_enc_info *e;

	l->enc_col = opt->col;
	if (!(e = arg_enc_name(l, opt)) || !arg_enc_key(l, opt) || !enc_key_ok(l, e))
		return false;
	l->cfg.enc = e;
	return true;
}

/* "aead NAME KEY BITS": ESP's combined mode, with its ICV length. */
static bool opt_aead(struct line *l, const struct tok *opt)
{
	const struct crypto_enc_info *e;
	uint64_t bits;
	unsigned col;

	l->aead_col = opt->col;
	if (!(e = arg_enc_name(l, opt)) || !arg_enc_key(l, opt) || !enc_key_ok(l, e))
		return false;
	if (!arg_num(l, opt, UINT32_MAX, &bits, &col))
		return false;
	if (!crypto_enc_icv_ok(e, (unsigned)bits)) {
		line_err(l, col, "%s cannot have a %llu-bit ICV (%s)", e->name,
			 (unsigned long long)bits, e->alg == CRYPTO_ENC_GCM_AES ?
			 "64, 96 or 128" : "it has 128");
		return false;
	}
	l->cfg.enc = e;
	l->cfg.icv_bits = (unsigned)bits;
	return true;
}

/* A UDP port after `opt` (1 to 65535). */
static bool arg_port(struct line *l, const struct tok *opt, uint16_t *port)
{
	uint64_t v;
	unsigned col;

	if (!arg_num(l, opt, UINT16_MAX, &v, &col))
		return false;
	if (!v) {
		line_err(l, col, "port 0 is not a UDP port for ESP");
		return false;
	}
	*port = (uint16_t)v;
	return true;
}

/*
 * "encap espinudp SPORT DPORT OADDR" as ip xfrm state writes it: ESP in UDP (RFC 3948).
 * The original address (NAT-OA, usually 0.0.0.0) is read and not used.
 */
static bool opt_encap(struct line *l, const struct tok *opt)
{
	uint8_t oa[16];
	struct tok t;
	char show[64];
	unsigned col;

	l->encap_col = opt->col;
	if (!need_arg(l, opt, "\"espinudp\"", &t))
		return false;
	if (!tok_is(&t, "espinudp")) {
		line_err(l, t.col, "encap %s is not supported; expected espinudp (RFC 3948)",
			 tok_show(&t, show, sizeof(show)));
		return false;
	}
	if (!arg_port(l, opt, &l->cfg.encap_sport) || !arg_port(l, opt, &l->cfg.encap_dport) ||
	    !arg_addr(l, opt, oa, &col))
		return false;
	l->cfg.udp_encap = true;
	return true;
}

static bool opt_mode(struct line *l, const struct tok *opt)
{
	struct tok t;
	char show[64];

	if (!need_arg(l, opt, "\"transport\" or \"tunnel\"", &t))
		return false;
	if (tok_is(&t, "transport"))
		l->cfg.mode = SA_MODE_TRANSPORT;
	else if (tok_is(&t, "tunnel"))
		l->cfg.mode = SA_MODE_TUNNEL;
	else {
		line_err(l, t.col, "expected \"transport\" or \"tunnel\", got %s",
			 tok_show(&t, show, sizeof(show)));
		return false;
	}
	return true;
}

static bool opt_window(struct line *l, const struct tok *opt)
{
	uint64_t v;

	l->window_col = opt->col;
	if (!arg_num(l, opt, UINT32_MAX, &v, NULL))
		return false;
	if (v > SA_REPLAY_WINDOW_MAX) {
		line_err(l, opt->col, "replay-window %llu is over the limit of %d",
			 (unsigned long long)v, SA_REPLAY_WINDOW_MAX);
		return false;
	}
	l->cfg.replay_window = (unsigned)v;
	return true;
}

static bool opt_seq(struct line *l, const struct tok *opt)
{
	bool hi = tok_is(opt, "seq-hi");
	uint64_t v;

	if (hi)
		l->seq_hi_col = opt->col;
	if (!arg_num(l, opt, UINT32_MAX, &v, NULL))
		return false;
	*(hi ? &l->seq_hi : &l->seq_lo) = (uint32_t)v;
	return true;
}

static bool opt_flag(struct line *l, const struct tok *opt)
{
	uint64_t v;

	if (tok_is(opt, "esn")) {
		l->cfg.esn = true;
		return true;
	}
	if (tok_is(opt, "reqid"))	/* ip xfrm state prints it; it means nothing here */
		return arg_num(l, opt, UINT32_MAX, &v, NULL);
	l->proto_col = opt->col;
	l->cfg.proto = tok_is(opt, "esp") ? PROTO_ESP : PROTO_AH;
	return true;
}

/*
 * "flag NAME...": the flags ip xfrm state prints. esn counts; the others are about what the
 * kernel does with the packet, nothing a filter needs. At least one name must follow.
 */
static bool opt_flags(struct line *l, const struct tok *opt)
{
	static const char *const known[] = { "esn", "noecn", "decap-dscp", "nopmtudisc",
					     "wildrecv", "icmp", "af-unspec", "align4" };
	size_t mark, i, n = 0;
	struct tok t;

	for (;;) {
		mark = l->pos;
		if (!next_tok(l, &t))
			break;
		for (i = 0; i < ARRAY_SIZE(known) && !tok_is(&t, known[i]); i++)
			;
		if (i == ARRAY_SIZE(known)) {
			l->pos = mark;	/* the next option */
			break;
		}
		l->cfg.esn |= i == 0;
		n++;
	}
	if (!n)
		line_err(l, t.col, "\"%.*s\" needs a flag name (esn, noecn, decap-dscp, ...)",
			 (int)opt->len, opt->p);
	return n != 0;
}

static bool opt_proto(struct line *l, const struct tok *opt)
{
	struct tok t;
	char show[64];

	if (!need_arg(l, opt, "\"ah\" or \"esp\"", &t))
		return false;
	if (tok_is(&t, "ah") || tok_is(&t, "esp"))
		return opt_flag(l, &t);
	line_err(l, t.col, "expected \"ah\" or \"esp\", got %s",
		 tok_show(&t, show, sizeof(show)));
	return false;
}

static const struct sa_option {
	const char *word;
	unsigned seen;
	bool (*parse)(struct line *l, const struct tok *opt);
} options[] = {
	{ "ah", SEEN_PROTO, opt_flag },
	{ "esp", SEEN_PROTO, opt_flag },
	{ "proto", SEEN_PROTO, opt_proto },
	{ "spi", SEEN_SPI, opt_spi },
	{ "dst", SEEN_DST, opt_dst },
	{ "src", SEEN_SRC, opt_src },
	{ "auth", SEEN_AUTH, opt_auth },
	{ "auth-trunc", SEEN_AUTH, opt_auth },
	{ "enc", SEEN_ENC, opt_enc },
	{ "aead", SEEN_AEAD, opt_aead },
	{ "encap", SEEN_ENCAP, opt_encap },
	{ "mode", SEEN_MODE, opt_mode },
	{ "esn", SEEN_ESN, opt_flag },
	{ "replay-window", SEEN_WINDOW, opt_window },
	{ "seq-hi", SEEN_SEQ_HI, opt_seq },
	{ "seq", SEEN_SEQ, opt_seq },
	{ "reqid", SEEN_REQID, opt_flag },
	{ "flag", SEEN_FLAG, opt_flags },
};

/* One option word and its arguments. False after an error (the rest of the line is skipped). */
static bool parse_option(struct line *l, const struct tok *t)
{
	char show[64];

	for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
		if (!tok_is(t, options[i].word))
			continue;
		if (l->seen & options[i].seen) {
			line_err(l, t->col, "\"%s\" given twice", options[i].word);
			return false;
		}
		l->seen |= options[i].seen;
		return options[i].parse(l, t);
	}
	line_err(l, t->col, "unknown word %s; expected spi, dst, src, auth, auth-trunc, enc, "
		 "aead, mode, esn, replay-window, seq-hi, seq, encap, proto, reqid or flag",
		 tok_show(t, show, sizeof(show)));
	return false;
}

/* AH: integrity only; the ESP words have no place. */
static void check_ah(struct line *l)
{
	if (!(l->seen & SEEN_AUTH))
		line_err(l, l->first_col, "missing \"auth\" or \"auth-trunc\"");
	if (l->seen & (SEEN_ENC | SEEN_AEAD | SEEN_ENCAP))
		line_err(l, l->seen & SEEN_ENC ? l->enc_col : l->seen & SEEN_AEAD ? l->aead_col :
			 l->encap_col, "\"%s\" is for esp SAs; AH does not encrypt",
			 l->seen & SEEN_ENC ? "enc" : l->seen & SEEN_AEAD ? "aead" : "encap");
}

/*
 * ESP: a cipher with integrity, or an AEAD algorithm alone. Encryption without integrity
 * is refused: NULL with NULL is not ESP at all (RFC 4303), and CBC alone lets anyone flip
 * plaintext bits undetected, so the firewall could not trust what it decrypts.
 */
static void check_esp(struct line *l)
{
	bool enc = l->seen & SEEN_ENC, aead = l->seen & SEEN_AEAD, auth = l->seen & SEEN_AUTH;

	if (!enc && !aead)
		line_err(l, l->first_col, "missing \"enc\" or \"aead\"");
	else if (enc && aead)
		line_err(l, l->aead_col > l->enc_col ? l->aead_col : l->enc_col,
			 "\"enc\" and \"aead\" together: an SA has one or the other");
	else if (aead && auth)
		line_err(l, l->auth_col, "%s authenticates by itself: no \"auth\" or "
			 "\"auth-trunc\" with \"aead\"", l->cfg.enc->name);
	else if (auth && l->cfg.auth->alg == CRYPTO_AUTH_GMAC_AES)
		line_err(l, l->auth_col, "for esp, write rfc4543(gcm(aes)) as \"aead "
			 "rfc4543(gcm(aes)) KEY 128\"");
	else if (enc && !auth && l->cfg.enc->alg == CRYPTO_ENC_NULL)
		line_err(l, l->enc_col, "NULL encryption without integrity is refused: "
			 "ecb(cipher_null) needs \"auth\" or \"auth-trunc\" (RFC 4303)");
	else if (enc && !auth)
		line_err(l, l->enc_col, "%s without integrity is refused: add \"auth\" or "
			 "\"auth-trunc\" (CBC alone can be tampered with)", l->cfg.enc->name);
}

/* What the whole line must have, once every word is read. */
static void check_line(struct line *l)
{
	static const struct { unsigned seen; const char *what; } need[] = {
		{ SEEN_PROTO, "\"ah\" or \"esp\"" }, { SEEN_SPI, "\"spi\"" },
		{ SEEN_DST, "\"dst\"" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(need); i++)
		if (!(l->seen & need[i].seen))
			line_err(l, l->first_col, "missing %s", need[i].what);
	if (l->cfg.proto == PROTO_ESP)
		check_esp(l);
	else if (l->seen & SEEN_PROTO)
		check_ah(l);
	if ((l->seen & SEEN_SRC) && (l->seen & SEEN_DST) && l->src_family != l->cfg.family)
		line_err(l, l->src_col, "src is IPv%u but dst is IPv%u", l->src_family,
			 l->cfg.family);
	if ((l->seen & SEEN_SEQ_HI) && !l->cfg.esn)
		line_err(l, l->seq_hi_col, "seq-hi needs esn: without it sequence numbers "
			 "are 32 bits");
	if (l->cfg.esn && !l->cfg.replay_window)
		line_err(l, l->window_col ? l->window_col : l->first_col,
			 "esn needs a replay window: the high 32 bits are inferred from it "
			 "(RFC 4303 Appendix A)");
	l->cfg.seq = (uint64_t)l->seq_hi << 32 | l->seq_lo;
}

/*
 * Thread i's contexts: the authenticator (unless AEAD), and for ESP the cipher context,
 * which consumes the authenticator (crypto_esp_new frees it when it fails). False after reporting at the failing key's column.
 */
static bool build_thread(struct line *l, struct sa *s, unsigned i)
{
	struct diag_list cdl = { .n = 0 };
	struct crypto_auth *a = NULL;

	if (l->cfg.auth) {
		a = crypto_auth_new(l->cfg.auth, l->key, l->key_len, l->cfg.icv_bits, &cdl);
		if (!a) {
			line_err(l, l->key_col, "%s", cdl.n ? cdl.d[0].msg :
				 "cannot prepare the authenticator");
			return false;
		}
	}
	if (!l->cfg.enc) {
		s->auth[i] = a;
		return true;
	}
	s->esp[i] = crypto_esp_new(l->cfg.enc, l->enc_key, l->enc_key_len, l->cfg.icv_bits, a,
				   &cdl);
	if (!s->esp[i]) {		/* it has freed a: it consumes it either way */
		line_err(l, l->enc_key_col, "%s", cdl.n ? cdl.d[0].msg :
			 "cannot prepare the cipher");
		return false;
	}
	return true;
}

/* Build the SA: its contexts are prepared here, from the line's keys. */
static struct sa *build(struct line *l, unsigned nthreads)
{
	struct sa *s = sa_alloc(&l->cfg, nthreads);

	if (!s) {
		line_err(l, l->first_col, "out of memory");
		return NULL;
	}
	s->line = l->lineno;
	s->col = l->first_col;
	for (unsigned i = 0; i < nthreads; i++) {
		if (!build_thread(l, s, i)) {
			sa_destroy(s);
			return NULL;
		}
	}
	return s;
}

/* Forget the previous line: defaults for a new SA, no keys, no columns. */
static void line_reset(struct line *l)
{
	l->pos = 0;
	l->seen = 0;
	memset(&l->cfg, 0, sizeof(l->cfg));
	l->cfg.replay_window = SA_REPLAY_WINDOW_DEFAULT;
	l->seq_hi = l->seq_lo = 0;
	l->src_family = 0;
	l->src_col = l->seq_hi_col = l->window_col = l->key_col = l->enc_key_col = 0;
	l->proto_col = l->auth_col = l->enc_col = l->aead_col = l->encap_col = 0;
	l->key_len = l->enc_key_len = 0;
}

/* The whole line is read: check it, and build the SA unless there was an error. */
static struct sa *line_finish(struct line *l, unsigned nthreads, unsigned before)
{
	struct sa *s = NULL;

	if (l->errors == before)
		check_line(l);
	if (l->errors == before)
		s = build(l, nthreads);
	wipe(l->key, sizeof(l->key));
	wipe(l->enc_key, sizeof(l->enc_key));
	return s;
}

/*
 * Parse one line of text (NUL-terminated, no newline). *out is the new SA, or NULL for a
 * blank line or after an error (counted in l->errors). The keys are wiped before returning.
 */
static void parse_line(struct line *l, unsigned nthreads, struct sa **out)
{
	struct tok t;
	unsigned before = l->errors;

	*out = NULL;
	line_reset(l);
	if (!next_tok(l, &t))
		return;
	l->first_col = t.col;
	do {
		if (!parse_option(l, &t))
			break;
	} while (next_tok(l, &t));
	*out = line_finish(l, nthreads, before);
}

/* --- Wireshark's esp_sa --------------------------------------------------------------- */

/*
 * Wireshark keeps its ESP SAs in a UAT file, esp_sa: one SA a line, fields in double
 * quotes separated by commas: protocol ("IPv4", "IPv6", "Any IP"), source, destination,
 * SPI, encryption, its key, authentication, its key; Wireshark 4.2 and later add the
 * sequence number length ("32-bit", "64-bit") and the ESN high bits (hex). Algorithms are
 * named as Wireshark's menus name them ("AES-CBC [RFC3602]"); we compare the part before a
 * trailing "[...]" and ignore case, so strongSwan's "TripleDes-CBC" and a bare "AES-CBC"
 * match too. strongSwan writes GCM as "AES-GCM [RFC4106]" with its ICV length in the
 * authentication field ("ANY 128 bit authentication [no checking]") and an empty key.
 */
#define WS_FIELDS 10
#define WS_FIELD_MAX (4 + 2 * SA_KEY_MAX)	/* the longest field: a key in hex */

enum { WS_PROTO, WS_SRC, WS_DST, WS_SPI, WS_ENC, WS_ENC_KEY, WS_AUTH, WS_AUTH_KEY, WS_SN,
       WS_SN_UPPER };

/* One row's fields with UAT's escapes undone. Keys among them: wiped after the row. */
struct ws_row {
	char f[WS_FIELDS][WS_FIELD_MAX + 1];
	size_t len[WS_FIELDS];
	unsigned col[WS_FIELDS];	/* where each field's opening quote is */
	unsigned n;
};

/* Encryption names; xfrm NULL: known to Wireshark, not supported here. */
static const struct ws_enc {
	const char *stem, *xfrm;
	unsigned icv_bits;	/* GCM's ICV length when the name says it; 0: it does not */
} ws_encs[] = {
	{ "NULL", "ecb(cipher_null)", 0 },
	{ "AES-CBC", "cbc(aes)", 0 },
	{ "AES-CBC with 128-bit keys", "cbc(aes)", 0 },
	{ "AES-GCM", "rfc4106(gcm(aes))", 0 },
	{ "AES-GCM with 8 octet ICV", "rfc4106(gcm(aes))", 64 },
	{ "AES-GCM with 12 octet ICV", "rfc4106(gcm(aes))", 96 },
	{ "AES-GCM with 16 octet ICV", "rfc4106(gcm(aes))", 128 },
	{ "ChaCha20 with Poly1305", "rfc7539esp(chacha20,poly1305)", 128 },
	{ "TripleDES-CBC", NULL, 0 }, { "AES-CTR", NULL, 0 }, { "DES-CBC", NULL, 0 },
	{ "CAST5-CBC", NULL, 0 }, { "BLOWFISH-CBC", NULL, 0 }, { "TWOFISH-CBC", NULL, 0 },
	{ "AES-GCM with IIV and 16 octet ICV", NULL, 0 },
	{ "ChaCha20 with Poly1305 and IIV", NULL, 0 },
};

/* Authentication names; xfrm NULL and bits 0: "NULL"; xfrm NULL otherwise: unsupported. */
static const struct ws_auth {
	const char *stem, *xfrm;
	unsigned bits;
} ws_auths[] = {
	{ "NULL", NULL, 0 },
	{ "HMAC-SHA-1-96", "hmac(sha1)", 96 },
	{ "HMAC-SHA1-96", "hmac(sha1)", 96 },
	{ "HMAC-SHA-256-128", "hmac(sha256)", 128 },
	{ "HMAC-SHA-384-192", "hmac(sha384)", 192 },
	{ "HMAC-SHA-512-256", "hmac(sha512)", 256 },
	{ "HMAC-MD5-96", "hmac(md5)", 96 },
	{ "AES-XCBC-MAC-96", "xcbc(aes)", 96 },
	{ "HMAC-SHA-256-96", NULL, 96 },
	{ "MAC-RIPEMD-160-96", NULL, 96 },
};

/* Split the row into its quoted fields, undoing UAT's escapes (\xNN, and \ before a char). */
static bool ws_split(struct line *l, struct ws_row *r)
{
	const char *s = l->text;
	size_t i = 0, n;
	char c;

	for (r->n = 0;; r->n++) {
		while (is_space(s[i]))
			i++;
		if (s[i] != '"' || r->n == WS_FIELDS) {
			line_err(l, (unsigned)i + 1, r->n == WS_FIELDS ? "more than %d fields" :
				 "expected a double-quoted field", WS_FIELDS);
			return false;
		}
		r->col[r->n] = (unsigned)++i;
		for (n = 0; s[i] && s[i] != '"'; r->f[r->n][n++] = c) {
			c = s[i++];
			if (c == '\\' && s[i] == 'x' && hex_digit(s[i + 1]) >= 0 &&
			    hex_digit(s[i + 2]) >= 0) {
				c = (char)(hex_digit(s[i + 1]) << 4 | hex_digit(s[i + 2]));
				i += 3;
			} else if (c == '\\' && s[i]) {
				c = s[i++];
			}
			if (n == WS_FIELD_MAX) {
				line_err(l, r->col[r->n], "field %u is over %d characters long",
					 r->n + 1, WS_FIELD_MAX);
				return false;
			}
		}
		if (!s[i]) {
			line_err(l, r->col[r->n], "field %u has no closing quote", r->n + 1);
			return false;
		}
		r->f[r->n][n] = 0;
		r->len[r->n] = n;
		for (i++; is_space(s[i]); i++)
			;
		if (!s[i])
			break;
		if (s[i++] != ',') {
			line_err(l, (unsigned)i, "expected a comma after field %u", r->n + 1);
			return false;
		}
	}
	if (++r->n == 8 || r->n == 10)
		return true;
	line_err(l, r->col[0], "%u fields; expected 8 (or 10, as Wireshark 4.2 and later write)",
		 r->n);
	return false;
}

/* Does a field name the algorithm `stem`? Case aside, and without a trailing "[...]". */
static bool ws_name_is(const char *field, const char *stem)
{
	size_t n = strlen(field);
	const char *br = strrchr(field, '[');

	while (n && is_space(field[n - 1]))
		n--;
	if (br && n && field[n - 1] == ']')
		n = (size_t)(br - field);
	while (n && is_space(field[n - 1]))
		n--;
	return strlen(stem) == n && !strncasecmp(field, stem, n);
}

/* A field as a token, for tok_show (which never shows what may be a key). */
static struct tok ws_tok(const struct ws_row *r, unsigned i)
{
	return (struct tok){ .p = r->f[i], .len = r->len[i], .col = r->col[i] };
}

/* An algorithm field for a message: Wireshark's names are long, so quote up to 64 bytes. */
static const char *ws_show(const struct ws_row *r, unsigned i, char *buf, size_t size)
{
	struct tok t = ws_tok(r, i);

	if (tok_secretish(&t))
		return tok_show(&t, buf, size);
	snprintf(buf, size, "\"%.64s%s\"", r->f[i], r->len[i] > 64 ? "..." : "");
	return buf;
}

/* An address field: the family (4 or 6), 0 for a wildcard ("", "*" or containing '*'). */
static uint8_t ws_addr(struct line *l, const struct ws_row *r, unsigned i, uint8_t *out,
		       bool *bad)
{
	struct tok t = ws_tok(r, i);
	char show[64];

	memset(out, 0, 16);
	*bad = false;
	if (!r->len[i] || strchr(r->f[i], '*'))
		return 0;
	if (inet_pton(AF_INET, r->f[i], out) == 1)
		return 4;
	if (inet_pton(AF_INET6, r->f[i], out) == 1)
		return 6;
	line_err(l, r->col[i], "expected an IPv4 or IPv6 address or a wildcard, got %s",
		 tok_show(&t, show, sizeof(show)));
	*bad = true;
	return 0;
}

/* Protocol, addresses and SPI. */
static bool ws_identity(struct line *l, const struct ws_row *r)
{
	static const char *const protos[] = { "Any IP", "IPv4", "IPv6" };
	struct tok t = ws_tok(r, WS_SPI);
	char show[64];
	unsigned p;
	uint64_t spi;
	bool bad;

	for (p = 0; p < ARRAY_SIZE(protos) && strcasecmp(r->f[WS_PROTO], protos[p]); p++)
		;
	if (p == ARRAY_SIZE(protos)) {
		t = ws_tok(r, WS_PROTO);
		line_err(l, r->col[WS_PROTO], "expected \"IPv4\", \"IPv6\" or \"Any IP\", got %s",
			 tok_show(&t, show, sizeof(show)));
		return false;
	}
	l->cfg.family = ws_addr(l, r, WS_DST, l->cfg.dst, &bad);
	if (bad)
		return false;
	if (!l->cfg.family) {
		line_err(l, r->col[WS_DST], "the destination is a wildcard: ipsecfw finds an SA "
			 "by SPI and destination, so it must be one address");
		return false;
	}
	if (p && l->cfg.family != (p == 1 ? 4 : 6)) {
		line_err(l, r->col[WS_DST], "the destination is IPv%u but the protocol says %s",
			 l->cfg.family, protos[p]);
		return false;
	}
	l->src_family = ws_addr(l, r, WS_SRC, l->cfg.src, &bad);
	if (bad)
		return false;
	l->cfg.has_src = l->src_family != 0;
	l->src_col = r->col[WS_SRC];
	if (!tok_num(&t, UINT32_MAX, &spi)) {
		line_err(l, r->col[WS_SPI], "expected an SPI (0x and hex digits, or decimal), "
			 "got %s", tok_show(&t, show, sizeof(show)));
		return false;
	}
	if (spi < 256) {
		line_err(l, r->col[WS_SPI], "spi %llu is reserved: SPIs 0 to 255 are not used "
			 "for SAs (RFC 4303 §2.1)", (unsigned long long)spi);
		return false;
	}
	l->cfg.spi = (uint32_t)spi;
	l->seen |= SEEN_PROTO | SEEN_SPI | SEEN_DST | (l->cfg.has_src ? SEEN_SRC : 0);
	return true;
}

/* The encryption field and its key; *icv_bits is the ICV length its name gives, or 0. */
static bool ws_enc(struct line *l, const struct ws_row *r, unsigned *icv_bits)
{
	const struct ws_enc *w = NULL;
	char show[80];

	for (size_t i = 0; i < ARRAY_SIZE(ws_encs) && !w; i++)
		if (ws_name_is(r->f[WS_ENC], ws_encs[i].stem))
			w = &ws_encs[i];
	if (!w || !w->xfrm) {
		line_err(l, r->col[WS_ENC], w ? "encryption %s is not supported; ipsecfw decrypts "
			 "AES-CBC, AES-GCM, ChaCha20 with Poly1305 and NULL" : "unknown encryption "
			 "%s; expected a name Wireshark uses, such as \"AES-CBC [RFC3602]\" or "
			 "\"AES-GCM with 16 octet ICV [RFC4106]\"", ws_show(r, WS_ENC, show,
									 sizeof(show)));
		return false;
	}
	l->cfg.enc = crypto_enc_find(w->xfrm);
	assert(l->cfg.enc);
	*icv_bits = w->icv_bits;
	l->seen |= l->cfg.enc->aead ? SEEN_AEAD : SEEN_ENC;
	l->enc_col = l->aead_col = r->col[WS_ENC];
	l->enc_key_col = r->col[WS_ENC_KEY];
	return parse_key(l, r->f[WS_ENC_KEY], r->len[WS_ENC_KEY], r->col[WS_ENC_KEY], true,
			 l->enc_key, &l->enc_key_len) && enc_key_ok(l, l->cfg.enc);
}

/* "ANY n bit authentication": n, or 0 when the field is not of that form. */
static unsigned ws_any_bits(const char *field)
{
	char stem[48];
	unsigned long bits;
	char *end;

	if (strncasecmp(field, "ANY ", 4))
		return 0;
	bits = strtoul(field + 4, &end, 10);
	if (end == field + 4 || !bits || bits > 1024)
		return 0;
	snprintf(stem, sizeof(stem), "ANY %lu bit authentication", bits);
	return ws_name_is(field, stem) ? (unsigned)bits : 0;
}

/* AEAD: the authentication field may only be NULL or "ANY n bit", giving the ICV length. */
static bool ws_aead_icv(struct line *l, const struct ws_row *r, unsigned name_bits)
{
	unsigned any = ws_any_bits(r->f[WS_AUTH]);
	const struct crypto_enc_info *e = l->cfg.enc;

	if (!any && !ws_name_is(r->f[WS_AUTH], "NULL")) {
		line_err(l, r->col[WS_AUTH], "%s authenticates by itself: expected \"NULL\" or "
			 "\"ANY n bit authentication\" for its ICV length", e->name);
		return false;
	}
	if (any && name_bits && any != name_bits) {
		line_err(l, r->col[WS_AUTH], "a %u-bit ICV, but the encryption says %u bits", any,
			 name_bits);
		return false;
	}
	l->cfg.icv_bits = name_bits ? name_bits : any;
	if (!l->cfg.icv_bits) {
		line_err(l, r->col[WS_AUTH], "\"AES-GCM [RFC4106]\" does not say its ICV length: "
			 "write \"ANY 128 bit authentication [no checking]\" here, or use "
			 "\"AES-GCM with 16 octet ICV [RFC4106]\"");
		return false;
	}
	if (crypto_enc_icv_ok(e, l->cfg.icv_bits))
		return true;
	line_err(l, r->col[WS_AUTH], "%s cannot have a %u-bit ICV", e->name, l->cfg.icv_bits);
	return false;
}

/* Not AEAD: the authentication field must name an HMAC (or XCBC) with its key. */
static bool ws_auth(struct line *l, const struct ws_row *r)
{
	const struct ws_auth *w = NULL;
	char show[80];

	for (size_t i = 0; i < ARRAY_SIZE(ws_auths) && !w; i++)
		if (ws_name_is(r->f[WS_AUTH], ws_auths[i].stem))
			w = &ws_auths[i];
	if (ws_any_bits(r->f[WS_AUTH]) || (w && !w->bits))
		return true;	/* no integrity: check_esp says why that is refused */
	if (!w || !w->xfrm) {
		line_err(l, r->col[WS_AUTH], w ? "authentication %s is not supported; expected "
			 "HMAC-SHA-1-96, HMAC-SHA-256-128, HMAC-SHA-384-192, HMAC-SHA-512-256 or "
			 "HMAC-MD5-96" : "unknown authentication %s",
			 ws_show(r, WS_AUTH, show, sizeof(show)));
		return false;
	}
	l->cfg.auth = crypto_auth_find(w->xfrm);
	assert(l->cfg.auth);
	l->cfg.icv_bits = w->bits;
	l->seen |= SEEN_AUTH;
	l->auth_col = r->col[WS_AUTH];
	l->key_col = r->col[WS_AUTH_KEY];
	return parse_key(l, r->f[WS_AUTH_KEY], r->len[WS_AUTH_KEY], r->col[WS_AUTH_KEY], false,
			 l->key, &l->key_len) && auth_key_ok(l, l->cfg.auth);
}

/* Wireshark 4.2's sequence-number fields: "32-bit" or "64-bit", and the ESN high bits. */
static bool ws_sn(struct line *l, const struct ws_row *r)
{
	struct tok t = ws_tok(r, WS_SN_UPPER);
	char show[64];
	uint64_t hi = 0;

	if (r->n < 10)
		return true;
	if (!strncasecmp(r->f[WS_SN], "64", 2) || !strcasecmp(r->f[WS_SN], "esn")) {
		l->cfg.esn = true;
	} else if (r->len[WS_SN] && strncasecmp(r->f[WS_SN], "32", 2)) {
		t = ws_tok(r, WS_SN);
		line_err(l, r->col[WS_SN], "expected \"32-bit\" or \"64-bit\", got %s",
			 tok_show(&t, show, sizeof(show)));
		return false;
	}
	/* UAT writes this hex number without 0x; accept it with one too. */
	if (t.len > 2 && t.p[0] == '0' && (t.p[1] | 0x20) == 'x') {
		t.p += 2;
		t.len -= 2;
	}
	for (size_t i = 0; i < t.len; i++) {
		if (hex_digit(t.p[i]) < 0 || hi > UINT32_MAX >> 4) {
			line_err(l, r->col[WS_SN_UPPER], "expected the ESN high bits as a 32-bit "
				 "hex number, got %s", tok_show(&t, show, sizeof(show)));
			return false;
		}
		hi = hi << 4 | (uint64_t)hex_digit(t.p[i]);
	}
	l->seq_hi = (uint32_t)hi;
	if (hi)
		l->seen |= SEEN_SEQ_HI;
	l->seq_hi_col = r->col[WS_SN_UPPER];
	return true;
}

/* One row of an esp_sa file, as parse_line does for one of ours. */
static void parse_ws_line(struct line *l, unsigned nthreads, struct sa **out)
{
	struct ws_row r;
	unsigned before = l->errors, name_bits = 0;
	struct tok t;
	bool ok;

	*out = NULL;
	line_reset(l);
	if (!next_tok(l, &t))
		return;		/* blank, or a comment */
	l->first_col = t.col;
	l->cfg.proto = PROTO_ESP;
	ok = ws_split(l, &r) && ws_identity(l, &r) && ws_enc(l, &r, &name_bits);
	if (ok)
		ok = l->cfg.enc->aead ? ws_aead_icv(l, &r, name_bits) : ws_auth(l, &r);
	if (ok)
		(void)ws_sn(l, &r);
	wipe(&r, sizeof(r));
	*out = line_finish(l, nthreads, before);
}

/* --- loading: every line parsed, then all SAs published or none ---------------------- */

struct load {
	struct sa_table *t;
	struct line l;
	struct sa **v;		/* the SAs built so far, in line order */
	size_t n, cap;
	size_t *idx;		/* open addressing over v: index + 1, 0 = empty */
	size_t idx_mask;
	unsigned legacy_n, legacy_line, legacy_col;
};

/* Find s's identity among the SAs already built; insert it when absent. */
static struct sa *idx_find_or_add(struct load *ld, size_t i)
{
	struct sa_key k;
	size_t h;

	key_of(&ld->v[i]->cfg, &k);
	for (h = key_hash(ld->t->seed, &k) & ld->idx_mask; ld->idx[h]; h = (h + 1) & ld->idx_mask)
		if (key_match(&ld->v[ld->idx[h] - 1]->node, &k))
			return ld->v[ld->idx[h] - 1];
	ld->idx[h] = i + 1;
	return NULL;
}

/* Make room for one more SA: v and the index (kept at most half full). 0 or -1. */
static int load_grow(struct load *ld)
{
	size_t cap = ld->cap ? ld->cap * 2 : 64;
	struct sa **v;

	if (ld->n < ld->cap)
		return 0;
	v = realloc(ld->v, cap * sizeof(*v));
	if (!v)
		return -1;
	ld->v = v;
	free(ld->idx);
	ld->idx = calloc(cap * 2, sizeof(*ld->idx));
	if (!ld->idx)
		return -1;
	ld->cap = cap;
	ld->idx_mask = cap * 2 - 1;
	for (size_t i = 0; i < ld->n; i++)
		(void)idx_find_or_add(ld, i);
	return 0;
}

static void load_push(struct load *ld, struct sa *s)
{
	char addr[INET6_ADDRSTRLEN] = "?";
	struct sa *first;

	if (load_grow(ld)) {
		line_err(&ld->l, ld->l.first_col, "out of memory");
		sa_destroy(s);
		return;
	}
	ld->v[ld->n] = s;
	first = idx_find_or_add(ld, ld->n);
	if (first) {
		inet_ntop(s->cfg.family == 4 ? AF_INET : AF_INET6, s->cfg.dst, addr, sizeof(addr));
		line_err(&ld->l, s->col, "duplicate SA: %s spi 0x%08x dst %s is already on line %u",
			 proto_name(s->cfg.proto), s->cfg.spi, addr, first->line);
		sa_destroy(s);
		return;
	}
	ld->n++;
	if (s->cfg.auth && s->cfg.auth->legacy && !ld->legacy_n++) {
		ld->legacy_line = s->line;
		ld->legacy_col = s->col;
	}
}

typedef void (*line_parser)(struct line *l, unsigned nthreads, struct sa **out);

/* Parse text (ours: newlines become NULs while their line is parsed). */
static void load_text(struct load *ld, char *text, size_t len, line_parser parse)
{
	char *p = text, *end = text + len, *nl;
	struct sa *s;

	for (ld->l.lineno = 1; p < end; ld->l.lineno++, p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		*nl = 0;
		ld->l.text = p;
		if (strlen(p) != (size_t)(nl - p)) {
			line_err(&ld->l, (unsigned)strlen(p) + 1, "NUL byte in the line");
			continue;
		}
		parse(&ld->l, ld->t->nthreads, &s);
		if (s)
			load_push(ld, s);
	}
}

/* Publish everything or, after any error, nothing. Frees the load's arrays. */
static int load_finish(struct load *ld)
{
	int rc = ld->l.errors ? -1 : 0;

	if (rc) {
		for (size_t i = 0; i < ld->n; i++)
			sa_destroy(ld->v[i]);
	} else {
		publish(ld->t, ld->v, ld->n);
		if (ld->legacy_n)
			diag_add(ld->l.dl, ld->l.file, ld->legacy_line, ld->legacy_col,
				 "warning: hmac(md5) is a legacy algorithm (RFC 8221: MUST NOT); "
				 "%u SA%s use%s it", ld->legacy_n, ld->legacy_n == 1 ? "" : "s",
				 ld->legacy_n == 1 ? "s" : "");
	}
	free(ld->v);
	free(ld->idx);
	return rc;
}

/* Grow a secret buffer without leaving a copy behind (realloc would). NULL on OOM. */
static char *secret_grow(char *buf, size_t len, size_t cap)
{
	char *nb = malloc(cap);

	if (nb)
		memcpy(nb, buf, len);
	wipe(buf, len);
	free(buf);
	return nb;
}

/* Read all of fd into a NUL-terminated buffer of ours. NULL with errno on failure. */
static char *read_all(int fd, size_t hint, size_t *len)
{
	size_t cap = hint + 2, n = 0;
	char *buf = malloc(cap);
	ssize_t r;

	while (buf) {
		if (n + 1 == cap && !(buf = secret_grow(buf, n, cap *= 2)))
			break;
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			wipe(buf, n);
			free(buf);
			errno = e;
			return NULL;
		}
		if (r == 0) {
			buf[n] = 0;
			*len = n;
			return buf;
		}
		n += (size_t)r;
	}
	errno = ENOMEM;
	return NULL;
}

/* Open the key file and refuse it unless only its owner can read and write it. */
static char *read_key_file(const char *path, size_t *len, struct diag_list *dl)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	unsigned mode;
	struct stat st;
	char *buf = NULL;

	if (fd < 0) {
		diag_add(dl, path, 0, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	mode = 0;
	if (fstat(fd, &st)) {
		diag_add(dl, path, 0, 0, "cannot stat: %s", strerror(errno));
		goto out;
	}
	mode = (unsigned)st.st_mode & 07777;
	if (!S_ISREG(st.st_mode))
		diag_add(dl, path, 0, 0, "not a regular file");
	else if (mode & 044)
		diag_add(dl, path, 0, 0, "mode %04o: the key file must not be readable by group or "
			 "others (chmod 600)", mode);
	else if (mode & 022)
		diag_add(dl, path, 0, 0, "mode %04o: the key file must not be writable by group or "
			 "others (chmod 600)", mode);
	else if (!(buf = read_all(fd, (size_t)st.st_size, len)))
		diag_add(dl, path, 0, 0, "cannot read: %s", strerror(errno));
out:
	close(fd);
	return buf;
}

/* Is the first line that is neither blank nor a comment a Wireshark row (a quote)? */
static bool is_wireshark(const char *p)
{
	for (;;) {
		while (is_space(*p) || *p == '\n')
			p++;
		if (*p != '#')
			return *p == '"';
		p += strcspn(p, "\n");
	}
}

/* Read, parse and publish a file; with parse NULL, its first row says which format. */
static int load_file(struct sa_table *t, const char *path, line_parser parse,
		     struct diag_list *dl)
{
	struct load ld = { .t = t, .l = { .file = path, .dl = dl } };
	size_t len;
	char *text = read_key_file(path, &len, dl);

	if (!text)
		return -1;
	if (!parse)
		parse = is_wireshark(text) ? parse_ws_line : parse_line;
	load_text(&ld, text, len, parse);
	wipe(text, len);
	free(text);
	return load_finish(&ld);
}

int sa_load_file(struct sa_table *t, const char *path, struct diag_list *dl)
{
	return load_file(t, path, NULL, dl);
}

int sa_import_wireshark(struct sa_table *t, const char *path, struct diag_list *dl)
{
	return load_file(t, path, parse_ws_line, dl);
}

int sa_add_line(struct sa_table *t, const char *line, struct diag_list *dl)
{
	struct load ld = { .t = t, .l = { .file = "sa add", .dl = dl, .lineno = 1 } };
	size_t len = strcspn(line, "\n");
	struct sa *s;

	ld.l.text = line;
	if (line[len] && line[len + 1]) {
		line_err(&ld.l, (unsigned)len + 1, "one SA, on one line");
	} else if (line[len]) {
		/* A trailing newline: parse a copy without it, and wipe that copy. */
		char *copy = malloc(len + 1);

		if (!copy) {
			diag_add(dl, "sa add", 0, 0, "out of memory");
			return -1;
		}
		memcpy(copy, line, len);
		copy[len] = 0;
		load_text(&ld, copy, len, parse_line);
		wipe(copy, len);
		free(copy);
	} else {
		parse_line(&ld.l, t->nthreads, &s);
		if (s)
			load_push(&ld, s);
		else if (!ld.l.errors)
			line_err(&ld.l, 0, "empty line: expected an SA");
	}
	return load_finish(&ld);
}
