// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ESP against an independent implementation: tests/data/esp.pcap was made with scapy's
 * SecurityAssociation(ESP, ...) and the `cryptography' library (tests/data/gen_esp.py) with
 * the keys of tests/data/esp.keys: every algorithm, IPv4 and IPv6, transport and tunnel, ESN,
 * ESP in UDP 4500, AH+ESP bundles, dummy packets, TFC padding, and tampered ciphertext, ICV,
 * IV, SPI and padding. tests/data/esp.expect says per packet what must come out, and what a
 * verified packet carries.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecfw/ah.h"
#include "ipsecfw/counters.h"
#include "ipsecfw/decode.h"
#include "ipsecfw/engine.h"
#include "ipsecfw/esp.h"
#include "ipsecfw/pcapio.h"
#include "ipsecfw/rules.h"
#include "ipsecfw/ruleset.h"
#include "ipsecfw/sa.h"
#include "unit.h"

#define MAX_EXPECT 1024

struct expect {
	char state[16];
	char note[96];
	char inner[96];
};

static struct expect ex[MAX_EXPECT];

static size_t read_expect(void)
{
	char *text = unit_slurp(unit_path("tests/data/esp.expect"), NULL);
	char *line, *save = NULL;
	size_t n = 0;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned idx;

		if (line[0] == '#' || !line[0])
			continue;
		ck_assert(n < MAX_EXPECT);
		ck_assert_msg(sscanf(line, "%u %15s %95s %95s", &idx, ex[n].state, ex[n].note,
				     ex[n].inner) == 4, "esp.expect: bad line \"%s\"", line);
		ck_assert_msg(idx == n + 1, "esp.expect: index %u out of order", idx);
		n++;
	}
	free(text);
	return n;
}

/* The first layer, outermost first, that is not verified (gen_esp.py's rule for chains). */
static const char *state_of(const struct decode_pkt *p, int ah, int esp)
{
	if (p->n_ipsec && p->ipsec[0].proto == DECODE_PROTO_AH) {
		if (ah == AH_NO_SA)
			return "unknown-spi";
		if (ah == AH_ICV_FAIL || ah == AH_BAD_LENGTH)
			return "icv-fail";
		if (ah == AH_REPLAYED)
			return "replayed";
	}
	switch (esp) {
	case ESP_OK:
		return "verified";
	case ESP_DUMMY:
		return "dummy";
	case ESP_NO_SA:
		return "unknown-spi";
	case ESP_BAD_PADDING:
		return "bad-padding";
	case ESP_REPLAYED:
		return "replayed";
	case ESP_BAD_INNER:
		return "bad-inner";
	default:
		return "icv-fail";
	}
}

static void addr(const struct decode_ip *ip, const struct decode_addr *a, char *buf, size_t n)
{
	if (!inet_ntop(ip->version == 4 ? AF_INET : AF_INET6, a->b, buf, (socklen_t)n))
		snprintf(buf, n, "?");
}

static void inner_of(const struct decode_pkt *p, char *buf, size_t n)
{
	const struct decode_l4 *l = &p->inner_l4;
	char s[64], d[64];
	int k;

	if (!p->has_inner_l4) {
		snprintf(buf, n, "none");
		return;
	}
	if (l->proto == DECODE_PROTO_TCP || l->proto == DECODE_PROTO_UDP)
		k = snprintf(buf, n, "%s/%u/%u", l->proto == DECODE_PROTO_TCP ? "tcp" : "udp",
			     l->sport, l->dport);
	else
		k = snprintf(buf, n, "%s/%u/%u", l->proto == DECODE_PROTO_ICMP ? "icmp" : "icmp6",
			     l->icmp_type, l->icmp_code);
	if (p->has_inner_ip) {
		addr(&p->inner, &p->inner.src, s, sizeof(s));
		addr(&p->inner, &p->inner.dst, d, sizeof(d));
		snprintf(buf + k, n - (size_t)k, "/%s/%s", s, d);
	}
}

START_TEST(test_scapy_corpus)
{
	size_t n = read_expect(), i = 0;
	struct diag_list dl = { 0 };
	struct pcapio_reader *r = pcapio_open(unit_path("tests/data/esp.pcap"), &dl);
	struct sa_table *t = unit_load_keys("tests/data/esp.keys");
	struct ruleset *rs = unit_load_rules("policy pass\npolicy icv-failure pass\n"
					     "policy replay pass\n");
	struct engine *e = engine_new(0);
	struct engine_verdict v;
	struct pcapio_frame f;
	enum pcapio_status st;
	unsigned bad = 0;
	char inner[256];

	ck_assert(r && e && n > 0);
	engine_set_sa(e, t);
	while ((st = pcapio_next(r, &f, &dl)) != PCAPIO_EOF) {
		const char *got;

		ck_assert(st == PCAPIO_PACKET);
		ck_assert_msg(i < n, "esp.pcap has more packets than esp.expect");
		engine_read_begin();
		engine_process(e, rs, f.l3, f.l3_len, ENGINE_DIR_FROM_ADDRS, 0, &v);
		engine_read_end();
		got = state_of(v.pkt, engine_ah_result(e, NULL, NULL), engine_esp_result(e, NULL, NULL));
		inner_of(v.pkt, inner, sizeof(inner));
		if (strcmp(got, ex[i].state) ||
		    (!strcmp(got, "verified") && strcmp(inner, ex[i].inner))) {
			fprintf(stderr, "esp packet %zu (%s): %s %s, expected %s %s (decoder: %s)\n",
				i + 1, ex[i].note, got, inner, ex[i].state, ex[i].inner,
				counters_reason_name(v.reason));
			bad++;
		}
		i++;
	}
	ck_assert_msg(i == n, "esp.pcap has %zu packets, esp.expect %zu", i, n);
	ck_assert_msg(bad == 0, "%u of %zu packets differ from esp.expect (listed above)", bad, n);
	engine_free(e);
	ruleset_free(rs);
	sa_table_free(t);
	pcapio_close(r);
}
END_TEST

/* Inner matches on decrypted ESP, and ESP without a key never matching `inner`. */
START_TEST(test_esp_rules)
{
	static const char rules[] =
		"policy block\n"
		"pass proto esp verified inner proto tcp to port 22\n"
		"pass proto esp verified inner proto udp\n"
		"block proto esp inner\n"			/* never for undecrypted ESP */
		"pass proto esp unverified\n"
		"pass proto udp to port 4500 verified inner proto tcp to port 22\n";
	size_t n = read_expect(), i = 0;
	struct diag_list dl = { 0 };
	struct pcapio_reader *r = pcapio_open(unit_path("tests/data/esp.pcap"), &dl);
	struct sa_table *t = unit_load_keys("tests/data/esp.keys");
	struct ruleset *rs = unit_load_rules(rules);
	struct engine *e = engine_new(0);
	struct engine_verdict v;
	struct pcapio_frame f;

	engine_set_sa(e, t);
	while (pcapio_next(r, &f, &dl) == PCAPIO_PACKET && i < n) {
		engine_read_begin();
		engine_process(e, rs, f.l3, f.l3_len, ENGINE_DIR_FROM_ADDRS, 0, &v);
		engine_read_end();
		if (!strcmp(ex[i].state, "unknown-spi") && v.pkt->ipsec[0].proto == DECODE_PROTO_ESP &&
		    !v.pkt->ipsec[0].udp_encap)
			ck_assert_msg(v.rule == 4, "packet %zu (%s): rule %u, expected 4", i + 1,
				      ex[i].note, v.rule);
		if (!strcmp(ex[i].state, "verified") && !strncmp(ex[i].inner, "tcp/", 4) &&
		    strstr(ex[i].inner, "/22") == ex[i].inner + strlen(ex[i].inner) - 3 &&
		    v.pkt->ipsec[0].proto == DECODE_PROTO_ESP) {
			/* ESP in UDP 4500 is proto udp to the rules, and its inner is matched too. */
			unsigned want = v.pkt->ipsec[0].udp_encap ? 5 : 1;

			ck_assert_msg(v.rule == want, "packet %zu (%s): rule %u, expected %u", i + 1,
				      ex[i].note, v.rule, want);
		}
		if (!strcmp(ex[i].state, "icv-fail") || !strcmp(ex[i].state, "bad-padding"))
			ck_assert_msg(v.verdict == RULES_BLOCK && v.reason != COUNTERS_R_NONE,
				      "packet %zu (%s): not dropped before the rules", i + 1,
				      ex[i].note);
		i++;
	}
	engine_free(e);
	ruleset_free(rs);
	sa_table_free(t);
	pcapio_close(r);
}
END_TEST

/* AH around ESP: `proto esp` and its `spi` see the ESP behind the AH (nftables does not). */
START_TEST(test_bundle_spi)
{
	static const char rules[] =
		"policy block\n"
		"pass proto esp spi 0x2f11 inner proto tcp to port 22\n"
		"pass proto esp spi 0x2f12\n"
		"block proto ah spi 0x2f11\n"			/* the AH's SPI is 0x2fa1 */
		"pass proto ah spi 0x2fa1:0x2fa3\n";
	size_t n = read_expect(), i = 0;
	struct diag_list dl = { 0 };
	struct pcapio_reader *r = pcapio_open(unit_path("tests/data/esp.pcap"), &dl);
	struct sa_table *t = unit_load_keys("tests/data/esp.keys");
	struct ruleset *rs = unit_load_rules(rules);
	struct engine *e = engine_new(0);
	struct engine_verdict v;
	struct pcapio_frame f;
	unsigned seen = 0;

	engine_set_sa(e, t);
	while (pcapio_next(r, &f, &dl) == PCAPIO_PACKET && i < n) {
		engine_read_begin();
		engine_process(e, rs, f.l3, f.l3_len, ENGINE_DIR_FROM_ADDRS, 0, &v);
		engine_read_end();
		if (!strcmp(ex[i].note, "ah-esp-cbc128-sha256-v4-tcp22")) {
			ck_assert_msg(v.rule == 1, "%s: rule %u", ex[i].note, v.rule);
			seen++;
		} else if (!strcmp(ex[i].note, "ah-esp-gcm128-v6-udp53")) {
			ck_assert_msg(v.rule == 2, "%s: rule %u", ex[i].note, v.rule);
			seen++;
		} else if (!strcmp(ex[i].note, "ah-esp-gcm256-v4tun-inner4-tcp22")) {
			ck_assert_msg(v.rule == 4, "%s: rule %u", ex[i].note, v.rule);
			seen++;
		}
		i++;
	}
	ck_assert_uint_eq(seen, 3);
	engine_free(e);
	ruleset_free(rs);
	sa_table_free(t);
	pcapio_close(r);
}
END_TEST

static void rcu_setup(void)
{
	engine_thread_register();
}

static void rcu_teardown(void)
{
	engine_thread_unregister();
}

Suite *esp_suite(void)
{
	Suite *s = suite_create("esp");
	TCase *tc = tcase_create("scapy");

	tcase_add_checked_fixture(tc, rcu_setup, rcu_teardown);
	tcase_add_test(tc, test_scapy_corpus);
	tcase_add_test(tc, test_esp_rules);
	tcase_add_test(tc, test_bundle_spi);
	suite_add_tcase(s, tc);
	return s;
}
