// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Engine tests: the demo capture (tests/data/demo.pcap, made by gen_demo.py with scapy) is
 * replayed through the engine against a rule file and every packet's verdict, rule and
 * decoder reason is compared with the expectation file written next to the capture. The
 * counters must add up to what was expected, packet for packet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecfw/counters.h"
#include "ipsecfw/engine.h"
#include "ipsecfw/pcapio.h"
#include "ipsecfw/rules.h"
#include "ipsecfw/ruleset.h"
#include "unit.h"

struct expect {
	char verdict[8];
	char rule[16];		/* number, "policy" or "-" */
	char reason[32];	/* "-" or a reason name */
	char desc[160];
};

#define MAX_EXPECT 256

static size_t read_expect(const char *path, struct expect *ex)
{
	char *text = unit_slurp(path, NULL);
	char *line, *save = NULL;
	size_t n = 0;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned idx;
		char *hash;

		if (line[0] == '#' || !line[0])
			continue;
		ck_assert_msg(n < MAX_EXPECT, "too many expectations");
		hash = strchr(line, '#');
		snprintf(ex[n].desc, sizeof(ex[n].desc), "%s", hash ? hash + 1 : "");
		ck_assert_msg(sscanf(line, "%u %7s %15s %31s", &idx, ex[n].verdict, ex[n].rule,
				     ex[n].reason) == 4, "%s: bad line \"%s\"", path, line);
		ck_assert_msg(idx == n + 1, "%s: index %u out of order", path, idx);
		n++;
	}
	free(text);
	return n;
}

static struct ruleset *load_file(const char *path)
{
	struct diag_list dl = { 0 };
	struct rules_file *f = rules_parse_file(path, &dl);
	struct ruleset *rs;

	ck_assert_msg(f != NULL, "%s does not parse: %s", path, dl.n ? dl.d[0].msg : "");
	rs = ruleset_build(f, 1, &dl);
	ck_assert(rs != NULL);
	rules_file_free(f);
	return rs;
}

static void check_one(size_t i, const struct expect *x, const struct engine_verdict *v)
{
	char rule[16];

	if (v->reason != COUNTERS_R_NONE)
		snprintf(rule, sizeof(rule), "-");
	else if (v->rule)
		snprintf(rule, sizeof(rule), "%u", v->rule);
	else
		snprintf(rule, sizeof(rule), "policy");
	ck_assert_msg(!strcmp(rules_verdict_name(v->verdict), x->verdict),
		      "packet %zu (%s): verdict %s, expected %s", i + 1, x->desc,
		      rules_verdict_name(v->verdict), x->verdict);
	ck_assert_msg(!strcmp(rule, x->rule), "packet %zu (%s): rule %s, expected %s", i + 1,
		      x->desc, rule, x->rule);
	ck_assert_msg(!strcmp(x->reason, v->reason ? counters_reason_name(v->reason) : "-"),
		      "packet %zu (%s): reason %s, expected %s", i + 1, x->desc,
		      counters_reason_name(v->reason), x->reason);
}

static void replay_against(const char *rules, const char *expect)
{
	static struct expect ex[MAX_EXPECT];
	struct diag_list dl = { 0 };
	struct ruleset *rs = load_file(unit_path(rules));
	struct pcapio_reader *r = pcapio_open(unit_path("tests/data/demo.pcap"), &dl);
	struct engine *e = engine_new(0);
	size_t n = read_expect(unit_path(expect), ex), i = 0, k, rn = ruleset_rule_count(rs);
	struct counters_pkt *rc = calloc(rn + 1, sizeof(*rc));
	uint64_t want_policy = 0, want_rejected = 0, rejected = 0;
	struct engine_verdict v;
	struct pcapio_frame f;
	enum pcapio_status st;

	ck_assert(r && e && rc && n > 0);
	while ((st = pcapio_next(r, &f, &dl)) != PCAPIO_EOF) {
		ck_assert(st == PCAPIO_PACKET);
		ck_assert_msg(i < n, "capture has more packets than %s", expect);
		engine_process(e, rs, f.l3, f.l3_len, ENGINE_DIR_FROM_ADDRS, 0, &v);
		check_one(i, &ex[i], &v);
		want_policy += !strcmp(ex[i].rule, "policy");
		want_rejected += !strcmp(ex[i].rule, "-");
		i++;
	}
	ck_assert_msg(i == n, "capture has %zu packets, %s expects %zu", i, expect, n);
	ruleset_counters_sum(rs, rc);
	ck_assert_uint_eq(rc[0].packets, want_policy);
	for (k = 1; k < COUNTERS_R_MAX; k++)
		rejected += engine_stats(e)->reason[k];
	ck_assert_uint_eq(rejected, want_rejected);
	ck_assert_uint_eq(engine_stats(e)->received, n);
	ck_assert_uint_eq(engine_stats(e)->verdict[0].packets + engine_stats(e)->verdict[1].packets, n);
	free(rc);
	engine_free(e);
	pcapio_close(r);
	ruleset_free(rs);
}

START_TEST(test_demo_seed)
{
	replay_against("rules/seed-table.rules", "tests/data/demo.seed.expect");
}
END_TEST

START_TEST(test_demo_ah_inner)
{
	replay_against("rules/seed-ah-inner.rules", "tests/data/demo.ah-inner.expect");
}
END_TEST

/* Rule counters count exactly the packets each rule decided, bytes included. */
START_TEST(test_rule_counters)
{
	static const char text[] = "set int = { 192.0.2.0/24 }\npass in proto udp\n";
	static const uint8_t udp[] = {
		0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 198, 51, 100, 10, 192, 0, 2, 10,
		0x13, 0x88, 0, 53, 0, 8, 0, 0,
	};
	struct diag_list dl = { 0 };
	struct rules_file *f = rules_parse_string("t", text, sizeof(text) - 1, &dl);
	struct ruleset *rs = f ? ruleset_build(f, 1, &dl) : NULL;
	struct engine *e = engine_new(0);
	struct counters_pkt rc[2];
	struct engine_verdict v;
	int i;

	ck_assert(rs && e);
	for (i = 0; i < 3; i++)
		engine_process(e, rs, udp, sizeof(udp), ENGINE_DIR_FROM_ADDRS, 0, &v);
	engine_process(e, rs, udp, 24, ENGINE_DIR_FROM_ADDRS, 0, &v);
	ck_assert_int_eq(v.reason, COUNTERS_R_BAD_LENGTH);
	engine_process(e, rs, udp, sizeof(udp), ENGINE_DIR_GIVEN, RULESET_DIR_OUT, &v);
	ck_assert_uint_eq(v.rule, 0);
	ruleset_counters_sum(rs, rc);
	ck_assert_uint_eq(rc[1].packets, 3);
	ck_assert_uint_eq(rc[1].bytes, 3 * sizeof(udp));
	ck_assert_uint_eq(rc[0].packets, 1);
	ck_assert_uint_eq(engine_stats(e)->reason[COUNTERS_R_BAD_LENGTH], 1);
	ck_assert_uint_eq(engine_stats(e)->verdict[RULES_BLOCK].packets, 2);
	engine_free(e);
	ruleset_free(rs);
	rules_file_free(f);
}
END_TEST

START_TEST(test_ifmap_dir)
{
	/* eth0 (2) and eth1 (3) external, lan0 (5) internal; 9 is undeclared. */
	struct engine_ifmap m = { .n = 3, .ifindex = { 2, 3, 5 }, .external = { true, true } };

	ck_assert_int_eq(engine_ifmap_dir(&m, 2, 5), RULESET_DIR_IN);	/* forwarded in */
	ck_assert_int_eq(engine_ifmap_dir(&m, 5, 3), RULESET_DIR_OUT);	/* forwarded out */
	ck_assert_int_eq(engine_ifmap_dir(&m, 2, 0), RULESET_DIR_IN);	/* local input */
	ck_assert_int_eq(engine_ifmap_dir(&m, 5, 0), RULESET_DIR_OUT);	/* from the LAN to us */
	ck_assert_int_eq(engine_ifmap_dir(&m, 0, 3), RULESET_DIR_OUT);	/* local output out */
	ck_assert_int_eq(engine_ifmap_dir(&m, 0, 5), RULESET_DIR_IN);	/* local output to LAN */
	ck_assert_int_eq(engine_ifmap_dir(&m, 2, 3), RULESET_DIR_NONE);	/* external to external */
	ck_assert_int_eq(engine_ifmap_dir(&m, 5, 5), RULESET_DIR_NONE);	/* internal to internal */
	ck_assert_int_eq(engine_ifmap_dir(&m, 9, 9), RULESET_DIR_NONE);	/* undeclared devices */
	ck_assert_int_eq(engine_ifmap_dir(&m, 9, 5), RULESET_DIR_IN);
	ck_assert_int_eq(engine_ifmap_dir(&m, 0, 0), RULESET_DIR_NONE);
}
END_TEST

Suite *engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("replay");

	tcase_add_test(tc, test_demo_seed);
	tcase_add_test(tc, test_demo_ah_inner);
	tcase_add_test(tc, test_rule_counters);
	tcase_add_test(tc, test_ifmap_dir);
	suite_add_tcase(s, tc);
	return s;
}
