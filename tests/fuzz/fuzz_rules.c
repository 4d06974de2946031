// SPDX-License-Identifier: GPL-2.0-or-later
/* Fuzz target: the rule parser, printer and compiler over arbitrary text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecfw/rules.h"
#include "ipsecfw/ruleset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag_list dl = { 0 };
	struct rules_file *f;
	struct ruleset *rs;
	char buf[4096];
	size_t i;

	f = rules_parse_string("fuzz", (const char *)data, size, &dl);
	if (!f)
		return 0;
	for (i = 0; i < f->n_rules; i++)
		rules_rule_format(&f->rules[i], buf, sizeof(buf));
	rs = ruleset_build(f, 1, &dl);
	ruleset_free(rs);
	rules_file_free(f);
	return 0;
}
