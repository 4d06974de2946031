// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcapio tests: the same AH packet under every link type replay reads (made by
 * tests/data/gen_linktypes.py with scapy), a non-IP frame after it, and the errors.
 */
#include <string.h>

#include "ipsecfw/pcapio.h"
#include "unit.h"

struct lcase {
	const char *file;
	const char *linktype;
	enum pcapio_status second;	/* what the second frame (ARP or junk) gives */
};

static const struct lcase lcases[] = {
	{ "tests/data/linktype-ether-vlan.pcap", "EN10MB", PCAPIO_SKIP },
	{ "tests/data/linktype-ether.pcapng", "EN10MB", PCAPIO_SKIP },
	{ "tests/data/linktype-raw.pcap", "RAW", PCAPIO_PACKET },
	{ "tests/data/linktype-sll.pcap", "LINUX_SLL", PCAPIO_SKIP },
	{ "tests/data/linktype-sll2.pcap", "LINUX_SLL2", PCAPIO_SKIP },
	{ "tests/data/linktype-null.pcap", "NULL", PCAPIO_SKIP },
};

START_TEST(test_linktypes)
{
	const struct lcase *c = &lcases[_i];
	struct diag_list dl = { 0 };
	struct pcapio_reader *r = pcapio_open(unit_path(c->file), &dl);
	struct pcapio_frame f;

	ck_assert_msg(r != NULL, "%s: does not open: %s", c->file, dl.n ? dl.d[0].msg : "");
	ck_assert_str_eq(pcapio_linktype(r), c->linktype);
	ck_assert_msg(pcapio_next(r, &f, &dl) == PCAPIO_PACKET, "%s: first frame", c->file);
	ck_assert_msg(f.l3_len == 64 && f.l3[0] == 0x45 && f.l3[9] == 51,
		      "%s: IP header not found (len %zu)", c->file, f.l3_len);
	ck_assert_uint_eq(f.ts_us, 1700000000ull * 1000000ull);
	ck_assert_msg(pcapio_next(r, &f, &dl) == c->second, "%s: second frame", c->file);
	if (c->second == PCAPIO_SKIP)
		ck_assert_msg(f.skip && *f.skip, "%s: skip without a reason", c->file);
	ck_assert_msg(pcapio_next(r, &f, &dl) == PCAPIO_EOF, "%s: no EOF", c->file);
	pcapio_close(r);
}
END_TEST

START_TEST(test_missing_file)
{
	struct diag_list dl = { 0 };

	ck_assert(pcapio_open("/nonexistent/x.pcap", &dl) == NULL);
	ck_assert_uint_eq(dl.n, 1);
	ck_assert_str_eq(dl.d[0].file, "/nonexistent/x.pcap");
}
END_TEST

START_TEST(test_unsupported_linktype)
{
	struct diag_list dl = { 0 };

	ck_assert(pcapio_open(unit_path("tests/data/linktype-80211.pcap"), &dl) == NULL);
	ck_assert_uint_eq(dl.n, 1);
	ck_assert_msg(strstr(dl.d[0].msg, "unsupported link type") != NULL, "%s", dl.d[0].msg);
}
END_TEST

START_TEST(test_not_a_capture)
{
	struct diag_list dl = { 0 };

	ck_assert(pcapio_open(unit_path("rules/seed-table.rules"), &dl) == NULL);
	ck_assert_uint_eq(dl.n, 1);
	ck_assert_msg(strstr(dl.d[0].msg, "cannot read capture") != NULL, "%s", dl.d[0].msg);
}
END_TEST

Suite *pcapio_suite(void)
{
	Suite *s = suite_create("pcapio");
	TCase *tc = tcase_create("read");

	tcase_add_loop_test(tc, test_linktypes, 0, (int)(sizeof(lcases) / sizeof(lcases[0])));
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_unsupported_linktype);
	tcase_add_test(tc, test_not_a_capture);
	suite_add_tcase(s, tc);
	return s;
}
