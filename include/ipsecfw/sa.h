/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef IPSECFW_SA_H
#define IPSECFW_SA_H

/*
 * sa: the SA store. SAs are identified as RFC 4301 §4.1 identifies them, by (SPI,
 * destination address, protocol); the source address is optional. The key file
 * (ipsecfw.keys(5)) and `ipsecfw sa add` use the same one-line syntax; Wireshark's esp_sa
 * file (the ESP SA table of its preferences) can be read as well.
 *
 * Threads. Packet threads call sa_lookup, sa_config, sa_auth, sa_esp, sa_replay_check,
 * sa_replay_commit and sa_note inside their RCU read section (engine_read_begin/end);
 * none of them locks, allocates or makes a syscall. Every other function is control path:
 * it may allocate and lock, and must be called from a thread registered with RCU
 * (engine_thread_register) and outside any read section. Control calls are serialized by
 * a mutex inside the table.
 *
 * Shared state the packet path writes (STYLE.md §7.3):
 *   - the replay window of an SA (`highest` and the bitmap slots) is written by every
 *     packet thread that commits a sequence number of that SA. It is safe without locks
 *     because each slot is one 64-bit word changed only by compare-and-swap: a slot holds
 *     (32-bit block tag << 32) | 32-bit bitmap for the 32 numbers of block seq >> 5. A
 *     commit sets its bit in the slot of its block (bit already set: DUP); it replaces a
 *     slot holding an older block (that block has left the window); it refuses a slot
 *     holding a newer block (OLD). Slot tags only move forward, so once a number's bit is
 *     set it is refused until its block is evicted, and after that it is OLD for good:
 *     every number is accepted at most once, whatever the interleaving. `highest` only
 *     grows (CAS max). There are ceil(window / 32) + 1 slots (rounded up to a power of
 *     two), so every block of the window has a slot of its own.
 *   - the per-thread counters of an SA: one cache-line block per thread, single writer,
 *     relaxed stores (as counters_add).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipsecfw/util.h"

struct crypto_auth;
struct crypto_auth_info;
struct crypto_enc_info;
struct crypto_esp;

/* The largest replay window (bits) a key file may ask for. */
#define SA_REPLAY_WINDOW_MAX 4096
/* The window an SA gets when its line says nothing (RFC 4303 §3.4.3 recommends 64). */
#define SA_REPLAY_WINDOW_DEFAULT 64
/* The longest key accepted, in bytes (the algorithm table may allow less). */
#define SA_KEY_MAX 128

enum sa_mode { SA_MODE_ANY = 0, SA_MODE_TRANSPORT, SA_MODE_TUNNEL };

/*
 * One SA as configured. Plain data: it holds no key material and may be printed.
 * AH has auth and no enc. ESP has enc; with an AEAD enc (enc->aead) auth is NULL and
 * icv_bits is the AEAD tag length, otherwise auth is the integrity algorithm (never NULL:
 * encryption without integrity is refused when loading).
 */
struct sa_config {
	uint32_t spi;		/* host order; 256 and up (0-255 are reserved) */
	uint8_t proto;		/* 51 (AH) or 50 (ESP) */
	uint8_t family;		/* 4 or 6 */
	uint8_t dst[16];	/* network order, IPv4 in the first 4 bytes, the rest zero */
	uint8_t src[16];	/* the same; meaningful only when has_src */
	bool has_src;
	const struct crypto_auth_info *auth;	/* integrity algorithm (crypto's table), or NULL */
	const struct crypto_enc_info *enc;	/* ESP's encryption or AEAD; NULL for AH */
	unsigned icv_bits;	/* ICV length on the wire */
	bool udp_encap;		/* ESP in UDP (RFC 3948); the lookup key is still (spi, dst, 50) */
	uint16_t encap_sport, encap_dport;	/* its UDP ports, host order (when udp_encap) */
	enum sa_mode mode;	/* SA_MODE_ANY when the line does not say */
	bool esn;		/* extended (64-bit) sequence numbers, RFC 4303 §2.2.1 */
	unsigned replay_window;	/* bits; 0 disables anti-replay (not allowed with esn) */
	uint64_t seq;		/* initial highest number seen: (seq-hi << 32) | seq */
};

struct sa;		/* one SA: config, crypto contexts, replay window, counters */
struct sa_table;	/* the store: a lock-free hash table read under RCU */

/*
 * A new, empty table for packet threads 0..nthreads-1 (each SA gets one crypto context
 * per thread). NULL with a diagnostic when out of memory. Control path.
 */
struct sa_table *sa_table_new(unsigned nthreads, struct diag_list *dl) MUST_CHECK;

/* Free t and every SA in it (keys wiped). No reader may still use it. NULL is fine. */
void sa_table_free(struct sa_table *t);

/*
 * Load a key file. It is refused unless it is a regular file that group and others can
 * neither read nor write. Every bad line is reported as file:line:col (up to DIAG_MAX);
 * after any error nothing is added. Otherwise every SA is added, replacing an SA with the
 * same (spi, dst, proto). 0 or -1. On success dl may still hold warnings (a legacy
 * algorithm): their messages start with "warning: " and the caller should print them.
 * A file whose first line that is neither blank nor a '#' comment starts with a double
 * quote is read as Wireshark's esp_sa file instead (sa_import_wireshark).
 */
int sa_load_file(struct sa_table *t, const char *path, struct diag_list *dl) MUST_CHECK;

/*
 * Import Wireshark's esp_sa file (ESP SAs, one per line as eight or ten double-quoted,
 * comma-separated fields; the format strongSwan's save-keys plugin writes). Same rules as
 * sa_load_file: permissions, every error reported, all SAs or none, replacing SAs of the
 * same identity, warnings in dl on success. Control path.
 */
int sa_import_wireshark(struct sa_table *t, const char *path, struct diag_list *dl) MUST_CHECK;

/* The same for one line of that syntax (`ipsecfw sa add LINE`); diagnostics say "sa add". */
int sa_add_line(struct sa_table *t, const char *line, struct diag_list *dl) MUST_CHECK;

/*
 * Remove the SA (spi, dst, proto); dst is 4 or 16 bytes in network order as family says.
 * -1 with "no such SA" when absent. Readers still using it keep it until a grace period.
 */
int sa_del(struct sa_table *t, uint32_t spi, uint8_t family, const uint8_t *dst, uint8_t proto,
	   struct diag_list *dl) MUST_CHECK;

/* Remove every SA. */
void sa_flush(struct sa_table *t);

/* How many SAs the table holds. Any thread. */
size_t sa_count(const struct sa_table *t);

/*
 * Packet path: the SA for (spi, dst, proto), or NULL. dst is 4 or 16 bytes as family says
 * (it may point into the packet). O(1), lock-free, no allocation. The SA stays valid until
 * the caller's RCU read section ends.
 */
struct sa *sa_lookup(const struct sa_table *t, uint32_t spi, uint8_t family, const uint8_t *dst,
		     uint8_t proto);

/* The SA's configuration (read-only, valid as long as the SA). */
const struct sa_config *sa_config(const struct sa *s);

/* Packet thread `thread`'s prepared AH authenticator (thread < nthreads); NULL for ESP. */
struct crypto_auth *sa_auth(struct sa *s, unsigned thread);

/*
 * Packet thread `thread`'s prepared ESP context (thread < nthreads): the cipher and, when
 * the SA is not AEAD, its authenticator. NULL for AH. Valid as long as the SA.
 */
struct crypto_esp *sa_esp(struct sa *s, unsigned thread);

/*
 * Anti-replay (RFC 4302 §3.4.3, RFC 4303 §3.4.3 and Appendix A).
 * sa_replay_check: read-only. Sets *seq to the full 64-bit number (with esn, the high half
 * inferred from the window as RFC 4303 A2 does; without, seq_lo) and says whether it is new.
 * Call it before the ICV check, which needs the high half.
 * sa_replay_commit: after the ICV verified, mark the number as seen; the window slides only
 * here. It may still say DUP or OLD when another thread committed meanwhile.
 * Window 0: check and commit always say OK (commit still tracks the highest number).
 * Sequence number 0 is never sent (RFC 4303 §3.3.3) and is OLD.
 */
enum sa_replay { SA_REPLAY_OK = 0, SA_REPLAY_DUP, SA_REPLAY_OLD };

enum sa_replay sa_replay_check(const struct sa *s, uint32_t seq_lo, uint64_t *seq);
enum sa_replay sa_replay_commit(struct sa *s, uint64_t seq);

/*
 * Per-SA events, counted per thread. packets/bytes count packets that verified (SA_EV_OK).
 * SA_EV_BAD_PADDING: ESP whose ICV verified but whose padding, pad length or next header
 * after decryption is wrong (RFC 4303 §2.4).
 */
enum sa_event {
	SA_EV_OK, SA_EV_ICV_FAIL, SA_EV_REPLAY, SA_EV_BAD_LENGTH, SA_EV_BAD_PADDING, SA_EV_MAX
};

/* Count an event for packet thread `thread` (single writer per thread; bytes for SA_EV_OK). */
void sa_note(struct sa *s, unsigned thread, enum sa_event ev, uint64_t bytes);

/* An SA's counters summed over threads. */
struct sa_stats {
	uint64_t packets;	/* verified packets */
	uint64_t bytes;		/* their bytes */
	uint64_t icv_failures;
	uint64_t replays;
	uint64_t bad_length;
	uint64_t bad_padding;	/* ESP only */
	uint64_t highest_seq;	/* highest sequence number committed (or configured) */
};

/*
 * Call fn for every SA with its summed counters, in no particular order. fn runs inside an
 * RCU read section: it must not block for long nor call control functions. Never exposes
 * keys. Control path.
 */
void sa_foreach(struct sa_table *t,
		void (*fn)(void *arg, const struct sa_config *c, const struct sa_stats *st),
		void *arg);

/*
 * Format c as one line without keys, e.g. "ah spi 0x00002000 dst 192.0.2.10 auth-trunc
 * hmac(sha1) 96 mode transport replay-window 64 esn", "esp spi 0x00003000 dst 192.0.2.10
 * enc cbc(aes) auth-trunc hmac(sha256) 128 mode tunnel replay-window 64" or "esp ... aead
 * rfc4106(gcm(aes)) 128 ... encap espinudp 4500 4500 0.0.0.0". Returns what snprintf returns.
 */
int sa_config_format(const struct sa_config *c, char *buf, size_t size);

#endif
