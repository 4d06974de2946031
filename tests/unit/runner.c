// SPDX-License-Identifier: GPL-2.0-or-later
/* Runs every Check suite; the list comes from the tests/unit/check_*.c file names. */
#include "unit.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
