/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the fuzz targets that judge packets with keys present (fuzz_ah, fuzz_esp): an
 * engine with a ruleset and an SA store built on the first input, then each input copied to
 * an exactly-sized heap buffer (so that ASan sees any read past its end) and judged inside
 * an RCU read section, as the daemon judges it.
 */
#ifndef IPSECFW_TESTS_FUZZ_KEYED_ENGINE_H
#define IPSECFW_TESTS_FUZZ_KEYED_ENGINE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecfw/engine.h"
#include "ipsecfw/rules.h"
#include "ipsecfw/ruleset.h"
#include "ipsecfw/sa.h"

static int keyed_engine_judge(const char *name, const char *rules_text,
			      const char *const *keys, size_t nkeys, const uint8_t *data,
			      size_t size)
{
	static struct ruleset *rs;
	static struct engine *e;
	struct engine_verdict v;
	uint8_t *copy;

	if (!rs) {
		struct diag_list dl = { 0 };
		struct rules_file *f = rules_parse_string(name, rules_text, strlen(rules_text),
							  &dl);
		struct sa_table *t;

		engine_thread_register();
		t = sa_table_new(1, &dl);
		if (!f || !(rs = ruleset_build(f, 1, &dl)) || !(e = engine_new(0)) || !t) {
			fprintf(stderr, "%s: setup failed: %s\n", name, dl.n ? dl.d[0].msg : "?");
			abort();
		}
		for (size_t i = 0; i < nkeys; i++)
			if (sa_add_line(t, keys[i], &dl) < 0) {
				fprintf(stderr, "%s: key %zu: %s\n", name, i,
					dl.n ? dl.d[0].msg : "?");
				abort();
			}
		engine_set_sa(e, t);
		rules_file_free(f);
	}
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	engine_read_begin();
	engine_process(e, rs, copy, size, ENGINE_DIR_FROM_ADDRS, 0, &v);
	engine_read_end();
	free(copy);
	return 0;
}

#endif
