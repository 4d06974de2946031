// SPDX-License-Identifier: GPL-2.0-or-later
/* util: byte loads and diagnostics. */
#include <string.h>

#include "ipsecfw/util.h"
#include "unit.h"

START_TEST(test_loads)
{
	static const uint8_t b[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09 };

	/* Unaligned on purpose: packet bytes have no alignment guarantee. */
	ck_assert_uint_eq(load_be16(b + 1), 0x0203);
	ck_assert_uint_eq(load_be32(b + 1), 0x02030405);
	ck_assert(load_be64(b + 1) == 0x0203040506070809ull);
}
END_TEST

START_TEST(test_diag_cap_and_format)
{
	struct diag_list dl = { 0 };
	char buf[256];
	int i;

	for (i = 0; i < DIAG_MAX + 5; i++)
		diag_add(&dl, "x.rules", (unsigned)i + 1, 3, "error %d", i);
	ck_assert_uint_eq(dl.n, DIAG_MAX);
	ck_assert_uint_eq(dl.dropped, 5);
	diag_format(&dl.d[0], buf, sizeof(buf));
	ck_assert_str_eq(buf, "x.rules:1:3: error 0");
	dl.d[1].col = 0;
	diag_format(&dl.d[1], buf, sizeof(buf));
	ck_assert_str_eq(buf, "x.rules:2: error 1");
	dl.d[2].line = 0;
	dl.d[2].col = 0;
	diag_format(&dl.d[2], buf, sizeof(buf));
	ck_assert_str_eq(buf, "x.rules: error 2");
}
END_TEST

START_TEST(test_wipe)
{
	uint8_t key[16];

	memset(key, 0xaa, sizeof(key));
	wipe(key, sizeof(key));
	for (size_t i = 0; i < sizeof(key); i++)
		ck_assert_uint_eq(key[i], 0);
	wipe(NULL, 0);
}
END_TEST

/* JSON strings stay valid whatever bytes a comment or name holds. */
START_TEST(test_json_str)
{
	static const struct {
		const char *name, *in, *out;
	} cases[] = {
		{ "plain", "abc", "\"abc\"" },
		{ "quote and backslash", "a\"b\\c", "\"a\\\"b\\\\c\"" },
		{ "tab and newline", "a\tb\n", "\"a\\u0009b\\u000a\"" },
		{ "valid UTF-8 kept", "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
		{ "lone continuation byte", "a\x80" "b", "\"a\\ufffdb\"" },
		{ "truncated sequence", "\xe2\x82", "\"\\ufffd\\ufffd\"" },
		{ "overlong slash", "\xc0\xaf", "\"\\ufffd\\ufffd\"" },
		{ "surrogate", "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },
	};
	char buf[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		FILE *f = fmemopen(buf, sizeof(buf), "w");

		ck_assert(f != NULL);
		json_write_str(f, cases[i].in);
		fclose(f);
		ck_assert_msg(!strcmp(buf, cases[i].out), "%s: got %s, expected %s", cases[i].name,
			      buf, cases[i].out);
	}
}
END_TEST

Suite *util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("util");

	tcase_add_test(tc, test_loads);
	tcase_add_test(tc, test_diag_cap_and_format);
	tcase_add_test(tc, test_wipe);
	tcase_add_test(tc, test_json_str);
	suite_add_tcase(s, tc);
	return s;
}
