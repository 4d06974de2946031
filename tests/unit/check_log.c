// SPDX-License-Identifier: GPL-2.0-or-later
/* log: ring order, overflow counting, wrap-around, and the writer's rate limit. */
#include <stdlib.h>

#include "ipsecfw/log.h"
#include "unit.h"

struct seen {
	uint32_t rules[64];
	size_t n;
};

static void collect(void *arg, const struct log_rec *r)
{
	struct seen *s = arg;

	if (s->n < 64)
		s->rules[s->n++] = r->rule;
}

static void push(struct log_ring *r, uint32_t rule, bool expect_room)
{
	struct log_rec *rec = log_ring_reserve(r);

	ck_assert_msg((rec != NULL) == expect_room, "rule %u: room %d", rule, rec != NULL);
	if (!rec)
		return;
	rec->rule = rule;
	log_ring_commit(r);
}

START_TEST(test_ring)
{
	struct log_ring *r = log_ring_new(2);	/* 4 records */
	struct seen s = { 0 };

	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(log_ring_drain(r, collect, &s), 0);
	for (uint32_t i = 1; i <= 4; i++)
		push(r, i, true);
	push(r, 5, false);			/* full: dropped and counted */
	ck_assert_uint_eq(log_ring_dropped(r), 1);
	ck_assert_uint_eq(log_ring_drain(r, collect, &s), 4);
	for (uint32_t i = 0; i < 4; i++)
		ck_assert_uint_eq(s.rules[i], i + 1);
	/* Wrap around several times; order holds. */
	s.n = 0;
	for (uint32_t round = 0; round < 5; round++) {
		push(r, 100 + round * 2, true);
		push(r, 101 + round * 2, true);
		ck_assert_uint_eq(log_ring_drain(r, collect, &s), 2);
	}
	for (uint32_t i = 0; i < 10; i++)
		ck_assert_uint_eq(s.rules[i], 100 + i);
	log_ring_free(r);
	ck_assert_ptr_null(log_ring_new(0));
	ck_assert_ptr_null(log_ring_new(17));
	log_ring_free(NULL);
}
END_TEST

START_TEST(test_rate_limit)
{
	struct log_writer w = { .rate = 3 };

	for (int i = 0; i < 10; i++)
		log_write(&w, 6, "line");
	/* All in (almost certainly) one second: 3 written, 7 suppressed. A second boundary in
	 * the middle may let up to 3 more through; never more than that. */
	ck_assert_uint_ge(w.written, 3);
	ck_assert_uint_le(w.written, 6);
	ck_assert_uint_eq(w.written + w.suppressed_total, 10);
	w = (struct log_writer){ .rate = 0 };
	for (int i = 0; i < 10; i++)
		log_write(&w, 6, "line");
	ck_assert_uint_eq(w.written, 10);
}
END_TEST

Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("ring");

	tcase_add_test(tc, test_ring);
	tcase_add_test(tc, test_rate_limit);
	suite_add_tcase(s, tc);
	return s;
}
