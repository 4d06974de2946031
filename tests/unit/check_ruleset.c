// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Classifier tests: rule text + a packet built here -> the rule that matches (0 = policy) and
 * the verdict. Packets are built by a small builder (IPv4/IPv6, optional AH or ESP, TCP/UDP/
 * ICMP) and go through the real decoder first, as in the engine.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecfw/decode.h"
#include "ipsecfw/rules.h"
#include "ipsecfw/ruleset.h"
#include "unit.h"

enum wrap { W_NONE, W_AH, W_ESP, W_AH_TUNNEL };

struct pspec {
	const char *src, *dst;
	enum wrap wrap;
	uint8_t l4;		/* 6, 17, 1, 58, or another protocol number */
	uint16_t sport, dport;
	uint8_t flags;
	uint32_t spi;
	const char *isrc, *idst;	/* W_AH_TUNNEL: inner addresses */
};

static size_t put_l4(uint8_t *b, const struct pspec *s)
{
	memset(b, 0, 20);
	if (s->l4 == 6) {
		b[0] = s->sport >> 8; b[1] = s->sport & 0xff;
		b[2] = s->dport >> 8; b[3] = s->dport & 0xff;
		b[12] = 5 << 4;
		b[13] = s->flags;
		return 20;
	}
	if (s->l4 == 17) {
		b[0] = s->sport >> 8; b[1] = s->sport & 0xff;
		b[2] = s->dport >> 8; b[3] = s->dport & 0xff;
		b[5] = 8;
		return 8;
	}
	if (s->l4 == 1 || s->l4 == 58) {
		b[0] = 8;
		return 8;
	}
	return 8;	/* opaque payload */
}

/* An IP header for src -> dst carrying `len` bytes of protocol `proto`; returns its size. */
static size_t put_ip(uint8_t *b, const char *src, const char *dst, uint8_t proto, size_t len)
{
	if (strchr(src, ':')) {
		memset(b, 0, 40);
		b[0] = 0x60;
		b[4] = (uint8_t)(len >> 8); b[5] = (uint8_t)len;
		b[6] = proto;
		b[7] = 64;
		ck_assert(inet_pton(AF_INET6, src, b + 8) == 1);
		ck_assert(inet_pton(AF_INET6, dst, b + 24) == 1);
		return 40;
	}
	memset(b, 0, 20);
	b[0] = 0x45;
	b[2] = (uint8_t)((len + 20) >> 8); b[3] = (uint8_t)(len + 20);
	b[8] = 64;
	b[9] = proto;
	ck_assert(inet_pton(AF_INET, src, b + 12) == 1);
	ck_assert(inet_pton(AF_INET, dst, b + 16) == 1);
	return 20;
}

static size_t put_ah(uint8_t *b, uint8_t nh, uint32_t spi)
{
	memset(b, 0, 24);
	b[0] = nh;
	b[1] = 4;	/* (24 / 4) - 2 */
	b[4] = spi >> 24; b[5] = spi >> 16; b[6] = spi >> 8; b[7] = spi & 0xff;
	b[11] = 1;
	return 24;
}

static size_t build(uint8_t *pkt, const struct pspec *s)
{
	uint8_t body[256];
	size_t n = 0, h;
	uint8_t proto = s->l4;

	if (s->wrap == W_ESP) {
		memset(body, 0xa5, 32);
		body[0] = s->spi >> 24; body[1] = s->spi >> 16;
		body[2] = s->spi >> 8; body[3] = s->spi & 0xff;
		n = 32;
		proto = 50;
	} else if (s->wrap == W_AH) {
		n = put_ah(body, s->l4, s->spi);
		n += put_l4(body + n, s);
		proto = 51;
	} else if (s->wrap == W_AH_TUNNEL) {
		uint8_t inner[128];
		size_t il = put_l4(inner + 40, s);
		size_t ih = put_ip(inner, s->isrc, s->idst, s->l4, il);

		memmove(inner + ih, inner + 40, il);
		n = put_ah(body, strchr(s->isrc, ':') ? 41 : 4, s->spi);
		memcpy(body + n, inner, ih + il);
		n += ih + il;
		proto = 51;
	} else {
		n = put_l4(body, s);
	}
	h = put_ip(pkt, s->src, s->dst, proto, n);
	memcpy(pkt + h, body, n);
	return h + n;
}

struct ccase {
	const char *name;
	const char *rules;
	struct pspec pkt;
	unsigned rule;		/* expected matching rule, 0 = policy */
	uint8_t verdict;
};

#define SETS "set int = { 192.0.2.0/24, 2001:db8:2::/48 }\nset ext = ! $int\n"
#define E4 "198.51.100.10"
#define I4 "192.0.2.10"
#define E6 "2001:db8:1::10"
#define I6 "2001:db8:2::10"
#define SYN 0x02
#define ACK 0x10

static const struct ccase cases[] = {
	{ "first match wins", SETS "pass proto tcp\nblock proto tcp\n",
	  { E4, I4, W_NONE, 6, 1000, 22, SYN, 0, 0, 0 }, 1, RULES_PASS },
	{ "policy when nothing matches", SETS "policy pass\nblock proto udp\n",
	  { E4, I4, W_NONE, 6, 1000, 22, SYN, 0, 0, 0 }, 0, RULES_PASS },
	{ "default policy is block", SETS "pass proto udp\n",
	  { E4, I4, W_NONE, 6, 1000, 22, SYN, 0, 0, 0 }, 0, RULES_BLOCK },
	{ "in matches ext to int", SETS "pass out proto ah\npass in proto ah\n",
	  { E4, I4, W_AH, 6, 1000, 22, SYN, 0x1000, 0, 0 }, 2, RULES_PASS },
	{ "out matches int to ext", SETS "pass in proto ah\npass out proto ah\n",
	  { I4, E4, W_AH, 6, 1000, 22, SYN, 0x1000, 0, 0 }, 2, RULES_PASS },
	{ "int to int is neither in nor out", SETS "pass in\npass out\n",
	  { I4, "192.0.2.20", W_NONE, 6, 1, 2, 0, 0, 0, 0 }, 0, RULES_BLOCK },
	{ "negated set", SETS "pass from ! $int\n",
	  { E4, I4, W_NONE, 17, 53, 53, 0, 0, 0, 0 }, 1, RULES_PASS },
	{ "negated set, no match", SETS "pass from ! $int\n",
	  { I4, E4, W_NONE, 17, 53, 53, 0, 0, 0, 0 }, 0, RULES_BLOCK },
	{ "cidr list", SETS "pass from { 10.0.0.0/8, 198.51.100.0/25 }\n",
	  { E4, I4, W_NONE, 17, 1, 2, 0, 0, 0, 0 }, 1, RULES_PASS },
	{ "cidr list, no match", SETS "pass from { 10.0.0.0/8, 198.51.100.128/25 }\n",
	  { E4, I4, W_NONE, 17, 1, 2, 0, 0, 0, 0 }, 0, RULES_BLOCK },
	{ "negated item wins over a plain one", SETS "pass to { ! 192.0.2.0/25, 192.0.2.10 }\n",
	  { E4, I4, W_NONE, 17, 1, 2, 0, 0, 0, 0 }, 0, RULES_BLOCK },
	{ "set minus a prefix, inside", SETS "pass to { $int, ! 192.0.2.128/25 }\n",
	  { E4, I4, W_NONE, 17, 1, 2, 0, 0, 0, 0 }, 1, RULES_PASS },
	{ "set minus a prefix, excluded", SETS "pass to { $int, ! 192.0.2.128/25 }\n",
	  { E4, "192.0.2.200", W_NONE, 17, 1, 2, 0, 0, 0, 0 }, 0, RULES_BLOCK },
	{ "set minus a prefix, other family kept", SETS "pass to { $int, ! 192.0.2.128/25 }\n",
	  { E6, I6, W_NONE, 17, 1, 2, 0, 0, 0, 0 }, 1, RULES_PASS },
	{ "only negated items: all but those", SETS "pass to { ! 192.0.2.1, ! 192.0.2.2 }\n",
	  { E4, I4, W_NONE, 17, 1, 2, 0, 0, 0, 0 }, 1, RULES_PASS },
	{ "only negated items: excluded", SETS "pass to { ! 192.0.2.1, ! 192.0.2.10 }\n",
	  { E4, I4, W_NONE, 17, 1, 2, 0, 0, 0, 0 }, 0, RULES_BLOCK },
	{ "udp ports both sides", SETS "pass in proto udp from $ext port 500 to $int port 500\n",
	  { E4, I4, W_NONE, 17, 500, 500, 0, 0, 0, 0 }, 1, RULES_PASS },
	{ "udp wrong source port", SETS "pass in proto udp from $ext port 500 to $int port 500\n",
	  { E4, I4, W_NONE, 17, 1500, 500, 0, 0, 0, 0 }, 0, RULES_BLOCK },
	{ "port range", SETS "pass proto tcp to port 1000:2000\n",
	  { E4, I4, W_NONE, 6, 5, 2000, SYN, 0, 0, 0 }, 1, RULES_PASS },
	{ "port list", SETS "pass proto tcp to port { 22, 80, 443 }\n",
	  { E4, I4, W_NONE, 6, 5, 80, SYN, 0, 0, 0 }, 1, RULES_PASS },
	{ "negated port", SETS "pass proto tcp to port ! 22\n",
	  { E4, I4, W_NONE, 6, 5, 22, SYN, 0, 0, 0 }, 0, RULES_BLOCK },
	{ "outer tcp flags", SETS "pass proto tcp flags S/SA\n",
	  { E4, I4, W_NONE, 6, 5, 22, SYN, 0, 0, 0 }, 1, RULES_PASS },
	{ "outer tcp flags, SYN+ACK", SETS "pass proto tcp flags S/SA\n",
	  { E4, I4, W_NONE, 6, 5, 22, SYN | ACK, 0, 0, 0 }, 0, RULES_BLOCK },
	{ "spi single", SETS "block proto esp spi 0x1000\npass proto esp\n",
	  { E4, I4, W_ESP, 0, 0, 0, 0, 0x1000, 0, 0 }, 1, RULES_BLOCK },
	{ "spi range miss", SETS "block proto esp spi 0x1001:0x2000\npass proto esp\n",
	  { E4, I4, W_ESP, 0, 0, 0, 0, 0x1000, 0, 0 }, 2, RULES_PASS },
	{ "AH inner port 22", SETS "pass in proto ah inner proto tcp to port 22\n",
	  { E4, I4, W_AH, 6, 40000, 22, SYN, 0x1000, 0, 0 }, 1, RULES_PASS },
	{ "AH inner port 80 refused", SETS "pass in proto ah inner proto tcp to port 22\n",
	  { E4, I4, W_AH, 6, 40000, 80, SYN, 0x1000, 0, 0 }, 0, RULES_BLOCK },
	{ "AH inner ACK set", SETS "pass in proto ah inner proto tcp flags A/A\n",
	  { E4, I4, W_AH, 6, 80, 40000, ACK, 0x1000, 0, 0 }, 1, RULES_PASS },
	{ "AH inner ACK clear", SETS "pass in proto ah inner proto tcp flags A/A\n",
	  { E4, I4, W_AH, 6, 80, 40000, SYN, 0x1000, 0, 0 }, 0, RULES_BLOCK },
	{ "AH inner udp from port 53", SETS "pass proto ah inner proto udp from port 53\n",
	  { E4, I4, W_AH, 17, 53, 3000, 0, 0x1000, 0, 0 }, 1, RULES_PASS },
	{ "AH inner proto mismatch", SETS "pass proto ah inner proto udp\n",
	  { E4, I4, W_AH, 6, 53, 3000, 0, 0x1000, 0, 0 }, 0, RULES_BLOCK },
	{ "AH wrapping ESP: inner proto esp", SETS "pass proto ah inner proto esp\n",
	  { E4, I4, W_AH, 50, 0, 0, 0, 0x1000, 0, 0 }, 1, RULES_PASS },
	{ "AH wrapping ESP: no inner ports", SETS "pass proto ah inner proto tcp\n",
	  { E4, I4, W_AH, 50, 0, 0, 0, 0x1000, 0, 0 }, 0, RULES_BLOCK },
	{ "AH transport: inner from is the outer source", SETS
	  "pass proto ah inner proto tcp from 198.51.100.0/24\n",
	  { E4, I4, W_AH, 6, 1000, 22, SYN, 0x1000, 0, 0 }, 1, RULES_PASS },
	{ "ESP has no inner", SETS "pass proto esp inner proto tcp\n",
	  { E4, I4, W_ESP, 0, 0, 0, 0, 0x1000, 0, 0 }, 0, RULES_BLOCK },
	{ "AH tunnel inner addresses", SETS
	  "pass proto ah inner proto tcp from 198.51.100.30 to 192.0.2.30 port 443\n",
	  { E4, I4, W_AH_TUNNEL, 6, 5000, 443, SYN, 0x1000, "198.51.100.30", "192.0.2.30" },
	  1, RULES_PASS },
	{ "AH tunnel inner address miss", SETS "pass proto ah inner to 192.0.2.31\n",
	  { E4, I4, W_AH_TUNNEL, 6, 5000, 443, SYN, 0x1000, "198.51.100.30", "192.0.2.30" },
	  0, RULES_BLOCK },
	{ "IPv6 in", SETS "pass out proto ah\npass in proto ah\n",
	  { E6, I6, W_AH, 6, 1000, 22, SYN, 0x1000, 0, 0 }, 2, RULES_PASS },
	{ "IPv6 inner port", SETS "pass in proto ah inner proto tcp to port 22\n",
	  { E6, I6, W_AH, 6, 1000, 22, SYN, 0x1000, 0, 0 }, 1, RULES_PASS },
	{ "IPv6 prefix", SETS "pass from 2001:db8:1::/48\n",
	  { E6, I6, W_NONE, 17, 1, 2, 0, 0, 0, 0 }, 1, RULES_PASS },
	{ "IPv4 rule does not match IPv6", SETS "pass from 198.51.100.0/24\n",
	  { E6, I6, W_NONE, 17, 1, 2, 0, 0, 0, 0 }, 0, RULES_BLOCK },
	{ "any matches both families", SETS "pass from any to any\n",
	  { E6, I6, W_NONE, 17, 1, 2, 0, 0, 0, 0 }, 1, RULES_PASS },
	{ "proto number", SETS "pass proto 47\n",
	  { E4, I4, W_NONE, 47, 0, 0, 0, 0, 0, 0 }, 1, RULES_PASS },
	{ "mark and log carried", SETS "pass proto udp mark 7 log\n",
	  { E4, I4, W_NONE, 17, 1, 2, 0, 0, 0, 0 }, 1, RULES_PASS },
};

static struct ruleset *load(const char *name, const char *text)
{
	struct diag_list dl = { 0 };
	struct rules_file *f = rules_parse_string(name, text, strlen(text), &dl);
	struct ruleset *rs;

	ck_assert_msg(f != NULL, "%s: rules do not parse: %s", name, dl.n ? dl.d[0].msg : "?");
	rs = ruleset_build(f, 2, &dl);
	ck_assert_msg(rs != NULL, "%s: ruleset does not build", name);
	rules_file_free(f);
	return rs;
}

START_TEST(test_classify)
{
	const struct ccase *c = &cases[_i];
	struct ruleset_verdict v;
	struct decode_pkt p;
	uint8_t pkt[512];
	struct ruleset *rs = load(c->name, c->rules);
	size_t len = build(pkt, &c->pkt);

	ck_assert_msg(decode_packet(&p, pkt, len) == DECODE_OK, "%s: packet does not decode (%s)",
		      c->name, decode_result_name(p.result));
	ruleset_classify(rs, &p, ruleset_direction(rs, &p), &v);
	ck_assert_msg(v.rule == c->rule, "%s: matched rule %u, expected %u", c->name, v.rule,
		      c->rule);
	ck_assert_msg(v.verdict == c->verdict, "%s: verdict %s, expected %s", c->name,
		      rules_verdict_name(v.verdict), rules_verdict_name(c->verdict));
	if (strstr(c->rules, "mark 7"))
		ck_assert_msg(v.has_mark && v.mark == 7 && v.log, "%s: mark/log lost", c->name);
	ruleset_free(rs);
}
END_TEST

START_TEST(test_counters_per_thread)
{
	struct ruleset *rs = load("counters", SETS "pass proto udp\n");
	struct counters_pkt sum[2];

	counters_add(&ruleset_counters(rs, 0)[1].packets, 2);
	counters_add(&ruleset_counters(rs, 1)[1].packets, 3);
	counters_add(&ruleset_counters(rs, 1)[0].bytes, 100);
	ruleset_counters_sum(rs, sum);
	ck_assert_uint_eq(sum[1].packets, 5);
	ck_assert_uint_eq(sum[0].bytes, 100);
	ck_assert_str_eq(ruleset_rule_text(rs, 0), "policy block");
	ck_assert_str_eq(ruleset_rule_text(rs, 1), "pass proto udp");
	ruleset_free(rs);
}
END_TEST

START_TEST(test_direction_without_int)
{
	struct ruleset *rs = load("no int", "pass proto udp\n");
	struct decode_pkt p;
	uint8_t pkt[128];
	struct pspec s = { E4, I4, W_NONE, 17, 1, 2, 0, 0, 0, 0 };
	size_t len = build(pkt, &s);

	ck_assert(decode_packet(&p, pkt, len) == DECODE_OK);
	ck_assert_int_eq(ruleset_direction(rs, &p), RULESET_DIR_NONE);
	ck_assert(!ruleset_has_int_set(rs));
	ruleset_free(rs);
}
END_TEST

START_TEST(test_carry_over_reload)
{
	struct ruleset *old = load("old", SETS "pass proto udp\npass proto tcp\n"
					    "pass proto tcp\nblock from $int\n");
	struct ruleset *nw = load("new", SETS "pass proto icmp\npass proto tcp\n"
					   "pass proto udp\nblock from $int\n");
	struct ruleset *set_changed = load("set changed",
					   "set int = { 192.0.2.0/25 }\nblock from $int\n");
	struct counters_pkt sum[5];

	counters_add(&ruleset_counters(old, 0)[1].packets, 10);	/* udp */
	counters_add(&ruleset_counters(old, 1)[2].packets, 20);	/* first tcp */
	counters_add(&ruleset_counters(old, 0)[3].packets, 30);	/* second tcp (shadowed) */
	counters_add(&ruleset_counters(old, 1)[4].packets, 40);	/* block from $int */
	counters_add(&ruleset_counters(old, 0)[0].packets, 5);	/* policy */
	/* udp moved (1 -> 3), the first tcp pairs with the first, $int unchanged; 3 carried. */
	ck_assert_uint_eq(ruleset_carry_counters(nw, old), 3);
	ruleset_counters_sum(nw, sum);
	ck_assert_uint_eq(sum[0].packets, 5);
	ck_assert_uint_eq(sum[1].packets, 0);
	ck_assert_uint_eq(sum[2].packets, 20);
	ck_assert_uint_eq(sum[3].packets, 10);
	ck_assert_uint_eq(sum[4].packets, 40);
	/* Counting goes on on top of what was carried. */
	counters_add(&ruleset_counters(nw, 1)[3].packets, 1);
	ruleset_counters_sum(nw, sum);
	ck_assert_uint_eq(sum[3].packets, 11);
	/* Same text, but the set behind $int changed: the rule counts from zero. */
	ck_assert_uint_eq(ruleset_carry_counters(set_changed, old), 0);
	ruleset_free(set_changed);
	ruleset_free(nw);
	ruleset_free(old);
}
END_TEST

START_TEST(test_interfaces)
{
	struct ruleset *rs = load("ifaces", "interface external = { eth0, eth1 }\n"
					    "interface internal = { lan0 }\npass proto udp\n");
	bool ext;

	ck_assert(ruleset_has_interfaces(rs));
	ck_assert_uint_eq(ruleset_iface_count(rs), 3);
	ck_assert_str_eq(ruleset_iface(rs, 0, &ext), "eth0");
	ck_assert(ext);
	ck_assert_str_eq(ruleset_iface(rs, 2, &ext), "lan0");
	ck_assert(!ext);
	ruleset_free(rs);
}
END_TEST

Suite *ruleset_suite(void)
{
	Suite *s = suite_create("ruleset");
	TCase *tc = tcase_create("classify");

	tcase_add_loop_test(tc, test_classify, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_counters_per_thread);
	tcase_add_test(tc, test_direction_without_int);
	tcase_add_test(tc, test_carry_over_reload);
	tcase_add_test(tc, test_interfaces);
	suite_add_tcase(s, tc);
	return s;
}
