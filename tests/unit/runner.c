// SPDX-License-Identifier: GPL-2.0-or-later
/* Runs every Check suite; the list comes from the tests/unit/check_*.c file names. */
#include "unit.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipsecfw/rules.h"
#include "ipsecfw/ruleset.h"
#include "ipsecfw/sa.h"

#define SUITE(m) Suite *m##_suite(void);
#include "suites.h"
#undef SUITE

const char *unit_path(const char *rel)
{
	static char buf[4096];
	const char *top = getenv("IPSECFW_TOP");

	snprintf(buf, sizeof(buf), "%s/%s", top ? top : ".", rel);
	return buf;
}

char *unit_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert(fseek(f, 0, SEEK_END) == 0);
	n = ftell(f);
	ck_assert(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert(buf != NULL);
	ck_assert(fread(buf, 1, (size_t)n, f) == (size_t)n);
	buf[n] = 0;
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

size_t unit_hex(const char *hex, uint8_t *buf, size_t size)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex; hex++) {
		int v;

		if (isspace((unsigned char)*hex))
			continue;
		ck_assert_msg(isxdigit((unsigned char)*hex), "bad hex digit '%c'", *hex);
		v = isdigit((unsigned char)*hex) ? *hex - '0' : (tolower((unsigned char)*hex) - 'a' + 10);
		if (hi < 0) {
			hi = v;
			continue;
		}
		ck_assert_msg(n < size, "hex longer than %zu bytes", size);
		buf[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	ck_assert_msg(hi < 0, "odd number of hex digits");
	return n;
}

struct ruleset *unit_load_rules(const char *text)
{
	struct diag_list dl = { 0 };
	struct rules_file *f = rules_parse_string("test", text, strlen(text), &dl);
	struct ruleset *rs;

	ck_assert_msg(f != NULL, "rules: %s", dl.n ? dl.d[0].msg : "?");
	rs = ruleset_build(f, 1, &dl);
	ck_assert_ptr_nonnull(rs);
	rules_file_free(f);
	return rs;
}

struct sa_table *unit_load_keys(const char *rel)
{
	char tmp[] = "/tmp/ipsecfw-keys-XXXXXX";
	struct diag_list dl = { 0 };
	char *text = unit_slurp(unit_path(rel), NULL);
	int fd = mkstemp(tmp);
	struct sa_table *t;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	free(text);
	t = sa_table_new(1, &dl);
	ck_assert_ptr_nonnull(t);
	ck_assert_msg(sa_load_file(t, tmp, &dl) == 0, "%s: %s (line %u col %u)", rel,
		      dl.n ? dl.d[0].msg : "?", dl.n ? dl.d[0].line : 0, dl.n ? dl.d[0].col : 0);
	unlink(tmp);
	return t;
}

int main(void)
{
	SRunner *sr = srunner_create(NULL);
	int failed;

#define SUITE(m) srunner_add_suite(sr, m##_suite());
#include "suites.h"
#undef SUITE
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
