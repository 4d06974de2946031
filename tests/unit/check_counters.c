// SPDX-License-Identifier: GPL-2.0-or-later
/* counters: stable reason names and the aggregation of per-thread blocks. */
#include <string.h>

#include "ipsecfw/counters.h"
#include "ipsecfw/decode.h"
#include "unit.h"

START_TEST(test_reason_names)
{
	int r;

	ck_assert_str_eq(counters_reason_name(COUNTERS_R_NONE), "none");
	ck_assert_str_eq(counters_reason_name(COUNTERS_R_BAD_AH_LENGTH), "bad-ah-length");
	ck_assert_str_eq(counters_reason_name(COUNTERS_R_MAX), "unknown");
	ck_assert_str_eq(counters_reason_name(COUNTERS_R_ICV_FAIL), "icv-fail");
	ck_assert_str_eq(counters_ipsec_name(COUNTERS_IPSEC_NO_SA), "no-sa");
	ck_assert_str_eq(counters_ipsec_name(COUNTERS_IPSEC_MAX), "unknown");
	/* Every decoder outcome maps to the reason of the same name. */
	for (r = 1; r <= COUNTERS_R_DECODE_LAST; r++)
		ck_assert_msg(!strcmp(counters_reason_name((enum counters_reason)r),
				      decode_result_name((enum decode_result)r)),
			      "reason %d: counters says %s, decode says %s", r,
			      counters_reason_name((enum counters_reason)r),
			      decode_result_name((enum decode_result)r));
}
END_TEST

START_TEST(test_sum)
{
	static struct counters_thread t[3];
	struct counters_thread sum;
	int i;

	for (i = 0; i < 3; i++) {
		counters_add(&t[i].received, (uint64_t)i + 1);
		counters_add(&t[i].verdict[1].bytes, 100);
		counters_add(&t[i].reason[COUNTERS_R_TRUNCATED], 2);
	}
	counters_thread_sum(t, 3, &sum);
	ck_assert_uint_eq(sum.received, 6);
	ck_assert_uint_eq(sum.verdict[1].bytes, 300);
	ck_assert_uint_eq(sum.reason[COUNTERS_R_TRUNCATED], 6);
	ck_assert_uint_eq(sizeof(struct counters_thread) % CACHELINE, 0);
}
END_TEST

Suite *counters_suite(void)
{
	Suite *s = suite_create("counters");
	TCase *tc = tcase_create("counters");

	tcase_add_test(tc, test_reason_names);
	tcase_add_test(tc, test_sum);
	suite_add_tcase(s, tc);
	return s;
}
