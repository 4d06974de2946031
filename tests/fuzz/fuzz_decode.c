// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the decoder and the classifier over arbitrary bytes. The packet is copied to
 * an exactly-sized heap buffer so that ASan sees any read past its end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecfw/decode.h"
#include "ipsecfw/engine.h"
#include "ipsecfw/rules.h"
#include "ipsecfw/ruleset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char rules_text[] =
	"set int = { 192.0.2.0/24, 2001:db8:2::/48 }\n"
	"pass in proto ah from ! $int to $int inner proto tcp to port 22\n"
	"pass in proto ah from any to $int inner proto tcp flags A/A\n"
	"pass in proto ah inner proto udp from 198.51.100.0/24 to any\n"
	"pass out proto esp spi 0x1000:0x2000\n"
	"pass proto udp from port { 500, 4500 } to port { 500, 4500 }\n"
	"block proto tcp from any port ! 1:1023 flags S/SA\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ruleset *rs;
	static struct engine *e;
	struct engine_verdict v;
	uint8_t *copy;

	if (!rs) {
		struct diag_list dl = { 0 };
		struct rules_file *f = rules_parse_string("fuzz", rules_text,
							  sizeof(rules_text) - 1, &dl);

		if (!f || !(rs = ruleset_build(f, 1, &dl)) || !(e = engine_new(0))) {
			fprintf(stderr, "fuzz_decode: rules do not load: %s\n",
				dl.n ? dl.d[0].msg : "out of memory");
			abort();
		}
		rules_file_free(f);
	}
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	engine_process(e, rs, copy, size, ENGINE_DIR_FROM_ADDRS, 0, &v);
	free(copy);
	return 0;
}
