// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the control protocol's JSON reader over arbitrary bytes (what a client may
 * send the daemon), and the CLI's renderers over whatever parses (what a daemon may answer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ipsecfw/ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct ctl_json *v;
	char err[160];

	if (!sink)
		sink = fopen("/dev/null", "w");
	v = ctl_json_parse((const char *)data, size, err, sizeof(err));
	if (!v)
		return 0;
	(void)ctl_json_str(ctl_json_get(v, "cmd"));
	(void)ctl_json_u64(ctl_json_get(v, "packets"));
	if (sink) {
		ctl_print_counters(sink, v, v, 1.0);
		ctl_print_counters(sink, v, NULL, 0);
		ctl_print_stats(sink, v);
	}
	ctl_json_free(v);
	return 0;
}
