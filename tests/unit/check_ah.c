// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * AH verification against an independent implementation: tests/data/ah.pcap was made by
 * scapy's SecurityAssociation(AH, ...) (tests/data/gen_ah.py) with the keys of
 * tests/data/ah.keys; tests/data/ah.expect says, packet by packet, whether the ICV must
 * verify, fail, be refused as a replay, or find no SA. Then the rule words and the policy
 * knobs over the same packets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecfw/ah.h"
#include "ipsecfw/counters.h"
#include "ipsecfw/crypto.h"
#include "ipsecfw/decode.h"
#include "ipsecfw/engine.h"
#include "ipsecfw/pcapio.h"
#include "ipsecfw/rules.h"
#include "ipsecfw/ruleset.h"
#include "ipsecfw/sa.h"
#include "unit.h"

#define MAX_EXPECT 1024

struct expect {
	char state[16];
	char note[96];
};

static size_t read_expect(struct expect *ex)
{
	char *text = unit_slurp(unit_path("tests/data/ah.expect"), NULL);
	char *line, *save = NULL;
	size_t n = 0;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned idx;

		if (line[0] == '#' || !line[0])
			continue;
		ck_assert(n < MAX_EXPECT);
		ck_assert_msg(sscanf(line, "%u %15s %95s", &idx, ex[n].state, ex[n].note) == 3,
			      "ah.expect: bad line \"%s\"", line);
		ck_assert_msg(idx == n + 1, "ah.expect: index %u out of order", idx);
		n++;
	}
	free(text);
	return n;
}

static const char *state_of(int r)
{
	switch (r) {
	case AH_OK:
		return "verified";
	case AH_ICV_FAIL:
	case AH_BAD_LENGTH:
		return "icv-fail";
	case AH_REPLAYED:
		return "replayed";
	default:
		return "unknown-spi";
	}
}

/* Run the capture through a fresh engine and store; call fn per packet. */
static void run(const char *rules, void (*fn)(size_t i, const struct expect *x,
					       const struct engine_verdict *v, int ah))
{
	static struct expect ex[MAX_EXPECT];
	size_t n = read_expect(ex), i = 0;
	struct diag_list dl = { 0 };
	struct pcapio_reader *r = pcapio_open(unit_path("tests/data/ah.pcap"), &dl);
	struct sa_table *t = unit_load_keys("tests/data/ah.keys");
	struct ruleset *rs = unit_load_rules(rules);
	struct engine *e = engine_new(0);
	struct engine_verdict v;
	struct pcapio_frame f;
	enum pcapio_status st;

	ck_assert(r && e && n > 0);
	engine_set_sa(e, t);
	while ((st = pcapio_next(r, &f, &dl)) != PCAPIO_EOF) {
		ck_assert(st == PCAPIO_PACKET);
		ck_assert_msg(i < n, "ah.pcap has more packets than ah.expect");
		engine_read_begin();
		engine_process(e, rs, f.l3, f.l3_len, ENGINE_DIR_FROM_ADDRS, 0, &v);
		engine_read_end();
		ck_assert_msg(v.reason == COUNTERS_R_NONE || v.reason > COUNTERS_R_DECODE_LAST,
			      "packet %zu (%s): the decoder refused it (%s)", i + 1, ex[i].note,
			      counters_reason_name(v.reason));
		fn(i, &ex[i], &v, engine_ah_result(e, NULL, NULL));
		i++;
	}
	ck_assert_msg(i == n, "ah.pcap has %zu packets, ah.expect %zu", i, n);
	engine_free(e);
	ruleset_free(rs);
	sa_table_free(t);
	pcapio_close(r);
}

static void check_state(size_t i, const struct expect *x, const struct engine_verdict *v, int ah)
{
	(void)v;
	ck_assert_msg(!strcmp(state_of(ah), x->state), "packet %zu (%s): %s (%s), expected %s",
		      i + 1, x->note, state_of(ah), ah_result_name((enum ah_result)ah), x->state);
}

START_TEST(test_scapy_corpus)
{
	run("policy pass\n", check_state);
}
END_TEST

/* Words and knobs: verified -> @1, unverified -> @2, ICV failures and replays dropped. */
static void check_words(size_t i, const struct expect *x, const struct engine_verdict *v, int ah)
{
	(void)ah;
	if (!strcmp(x->state, "verified"))
		ck_assert_msg(v->verdict == RULES_PASS && v->rule == 1, "packet %zu (%s): %s @%u",
			      i + 1, x->note, rules_verdict_name(v->verdict), v->rule);
	else if (!strcmp(x->state, "unknown-spi"))
		ck_assert_msg(v->verdict == RULES_PASS && v->rule == 2, "packet %zu (%s): @%u",
			      i + 1, x->note, v->rule);
	else if (!strcmp(x->state, "replayed"))
		ck_assert_msg(v->verdict == RULES_BLOCK && v->reason == COUNTERS_R_REPLAYED,
			      "packet %zu (%s): %s", i + 1, x->note, counters_reason_name(v->reason));
	else
		ck_assert_msg(v->verdict == RULES_BLOCK && (v->reason == COUNTERS_R_ICV_FAIL ||
							    v->reason == COUNTERS_R_BAD_ICV_LENGTH),
			      "packet %zu (%s): %s", i + 1, x->note, counters_reason_name(v->reason));
}

START_TEST(test_words_and_knobs)
{
	run("policy block\npass proto ah verified\npass proto ah unverified\n", check_words);
}
END_TEST

/* With both knobs at pass: failures reach the rules matching no state word; replays match
 * `replayed`. */
static void check_pass_knobs(size_t i, const struct expect *x, const struct engine_verdict *v,
			     int ah)
{
	unsigned want = !strcmp(x->state, "verified") ? 1 : !strcmp(x->state, "unknown-spi") ? 2 :
			!strcmp(x->state, "replayed") ? 3 : 4;

	(void)ah;
	ck_assert_msg(v->reason == COUNTERS_R_NONE && v->rule == want,
		      "packet %zu (%s, %s): rule %u, expected %u", i + 1, x->note, x->state,
		      v->rule, want);
}

START_TEST(test_knobs_pass)
{
	run("policy block\npolicy icv-failure pass\npolicy replay pass\n"
	    "pass proto ah verified\npass proto ah unverified\npass proto ah replayed\n"
	    "block proto ah\n", check_pass_knobs);
}
END_TEST

/* ---- mutable-but-predictable destinations: cases scapy cannot make ---- */

static const uint8_t key20[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
				   17, 18, 19, 20 };

/* HMAC-SHA1-96 over buf (already in the receiver's view, mutable fields zeroed), into icv. */
static void sign(const uint8_t *buf, size_t len, uint8_t *icv)
{
	const struct crypto_auth_info *info = crypto_auth_find("hmac(sha1)");
	struct diag_list dl = { 0 };
	struct crypto_auth *a = crypto_auth_new(info, key20, sizeof(key20), 96, &dl);
	struct crypto_iov v = { buf, len };

	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(crypto_auth_compute(a, NULL, &v, 1, icv), 0);
	crypto_auth_free(a);
}

/* Judge pkt with one SA (spi 0x3000, dst) in the store; return the AH outcome. */
static int judge(const uint8_t *pkt, size_t len, const char *dst)
{
	char line[200];
	struct diag_list dl = { 0 };
	struct sa_table *t = sa_table_new(1, &dl);
	struct ruleset *rs = unit_load_rules("policy pass\n");
	struct engine *e = engine_new(0);
	struct engine_verdict v;
	int r;

	snprintf(line, sizeof(line), "ah spi 0x3000 dst %s auth-trunc hmac(sha1) "
		 "0x0102030405060708090a0b0c0d0e0f1011121314 96", dst);
	ck_assert_msg(t && sa_add_line(t, line, &dl) == 0, "sa add: %s", dl.n ? dl.d[0].msg : "");
	engine_set_sa(e, t);
	engine_read_begin();
	engine_process(e, rs, pkt, len, ENGINE_DIR_FROM_ADDRS, 0, &v);
	engine_read_end();
	ck_assert_msg(v.reason == COUNTERS_R_NONE || v.reason > COUNTERS_R_DECODE_LAST,
		      "decoder refused the packet: %s", counters_reason_name(v.reason));
	r = engine_ah_result(e, NULL, NULL);
	engine_free(e);
	ruleset_free(rs);
	sa_table_free(t);
	return r;
}

/* AH header for TCP, spi 0x3000 seq 1, ICV zero, at p. */
static void put_ah(uint8_t *p)
{
	static const uint8_t ah[12] = { 6, 4, 0, 0, 0, 0, 0x30, 0, 0, 0, 0, 1 };

	memcpy(p, ah, sizeof(ah));
	memset(p + 12, 0, 12);
}

static void put_tcp(uint8_t *p)
{
	memset(p, 0, 20);
	p[0] = 0x9c; p[1] = 0x40; p[3] = 22;		/* 40000 > 22 */
	p[12] = 0x50; p[13] = 0x02;			/* SYN */
}

START_TEST(test_ipv4_source_route)
{
	/* 198.51.100.10 -> first hop 203.0.113.1, LSRR [203.0.113.2, 192.0.2.10], pointer 4:
	 * the ICV covers the final destination and the option zeroed. */
	uint8_t pkt[32 + 24 + 20], view[sizeof(pkt)];
	static const uint8_t hdr[32] = {
		0x48, 0, 0, sizeof(pkt), 0, 1, 0, 0, 64, 51, 0, 0, 198, 51, 100, 10, 203, 0, 113, 1,
		0x83, 11, 4, 203, 0, 113, 2, 192, 0, 2, 10, 1,
	};

	memcpy(pkt, hdr, 32);
	put_ah(pkt + 32);
	put_tcp(pkt + 56);
	memcpy(view, pkt, sizeof(pkt));
	view[8] = 0;					/* TTL */
	memcpy(view + 16, (const uint8_t[]){ 192, 0, 2, 10 }, 4);
	memset(view + 20, 0, 11);			/* LSRR is mutable: zeroed whole */
	sign(view, sizeof(view), pkt + 44);
	ck_assert_int_eq(judge(pkt, sizeof(pkt), "192.0.2.10"), AH_OK);
	pkt[8] = 17;					/* TTL changes en route: still fine */
	pkt[24] = 99;					/* so does the route's content */
	ck_assert_int_eq(judge(pkt, sizeof(pkt), "192.0.2.10"), AH_OK);
	pkt[12] ^= 1;					/* the source does not */
	ck_assert_int_eq(judge(pkt, sizeof(pkt), "192.0.2.10"), AH_ICV_FAIL);
}
END_TEST

/* IPv6 with a type 0 routing header of two addresses: the final view has dst D, list
 * [A1, A2], segments left 0. In transit (sl 2: dst A1, list [A2, D]; sl 1: dst A2,
 * list [A1, D]) it must verify with the SA of D. */
START_TEST(test_ipv6_routing_header)
{
	uint8_t a1[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 9, [15] = 1 };
	uint8_t a2[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 9, [15] = 2 };
	uint8_t d[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 0x10 };
	uint8_t s6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x10 };
	enum { RH = 40, AHO = 40 + 40, TCP = AHO + 24, LEN = TCP + 20 };
	uint8_t fin[LEN], pkt[LEN];

	memset(fin, 0, sizeof(fin));
	fin[0] = 0x60;
	fin[5] = LEN - 40;
	fin[6] = 43;					/* routing header */
	memcpy(fin + 8, s6, 16);
	memcpy(fin + 24, d, 16);
	fin[RH] = 51;					/* next: AH */
	fin[RH + 1] = 4;				/* (4 + 1) * 8 = 40 bytes: 2 addresses */
	fin[RH + 2] = 0;				/* type 0 */
	fin[RH + 3] = 0;				/* segments left */
	memcpy(fin + RH + 8, a1, 16);
	memcpy(fin + RH + 24, a2, 16);
	put_ah(fin + AHO);
	fin[AHO + 1] = 4;				/* IPv6: (4 + 2) * 4 = 24, 8-aligned */
	put_tcp(fin + TCP);
	sign(fin, sizeof(fin), fin + AHO + 12);

	/* As sent: dst A1, list [A2, D], sl 2. */
	memcpy(pkt, fin, sizeof(pkt));
	pkt[7] = 64;
	memcpy(pkt + 24, a1, 16);
	memcpy(pkt + RH + 8, a2, 16);
	memcpy(pkt + RH + 24, d, 16);
	pkt[RH + 3] = 2;
	ck_assert_int_eq(judge(pkt, sizeof(pkt), "2001:db8:2::10"), AH_OK);
	/* After A1: dst A2, list [A1, D], sl 1. */
	memcpy(pkt + 24, a2, 16);
	memcpy(pkt + RH + 8, a1, 16);
	pkt[RH + 3] = 1;
	pkt[7] = 63;
	ck_assert_int_eq(judge(pkt, sizeof(pkt), "2001:db8:2::10"), AH_OK);
	/* At D. */
	ck_assert_int_eq(judge(fin, sizeof(fin), "2001:db8:2::10"), AH_OK);
	/* A list that does not add up fails. */
	pkt[RH + 8] ^= 0x80;
	ck_assert_int_eq(judge(pkt, sizeof(pkt), "2001:db8:2::10"), AH_ICV_FAIL);
}
END_TEST

/* The SA store is an RCU hash table: the test's thread registers as the daemon's do. */
static void rcu_setup(void)
{
	engine_thread_register();
}

static void rcu_teardown(void)
{
	engine_thread_unregister();
}

Suite *ah_suite(void)
{
	Suite *s = suite_create("ah");
	TCase *tc = tcase_create("scapy");

	tcase_add_checked_fixture(tc, rcu_setup, rcu_teardown);
	tcase_add_test(tc, test_scapy_corpus);
	tcase_add_test(tc, test_words_and_knobs);
	tcase_add_test(tc, test_knobs_pass);
	tcase_add_test(tc, test_ipv4_source_route);
	tcase_add_test(tc, test_ipv6_routing_header);
	suite_add_tcase(s, tc);
	return s;
}
