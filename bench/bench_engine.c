// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * make bench: offline engine throughput. The capture is held in memory and pushed through
 * engine_process() in a loop on one core, for the given rule file and for generated rule sets
 * of 100 and 1,000 rules placed in front of it (so every packet walks all of them). A
 * header-only parse (decode_quick) of the same packets runs in the same process as the limit.
 * Prints packets per second and ns per packet: CLOCK_MONOTONIC over whole passes, the best of
 * REPS repetitions (a shared VM's noise only ever adds time).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ipsecfw/decode.h"
#include "ipsecfw/engine.h"
#include "ipsecfw/pcapio.h"
#include "ipsecfw/rules.h"
#include "ipsecfw/ruleset.h"

#define MAX_PKTS 4096
#define TARGET_NS 300000000.0	/* about 0.3 s per repetition */
#define REPS 5			/* the best of REPS repetitions is reported */

static uint8_t *pkt[MAX_PKTS];
static size_t pkt_len[MAX_PKTS];
static size_t npkt;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void load(const char *path)
{
	struct diag_list dl = { 0 };
	struct pcapio_reader *r = pcapio_open(path, &dl);
	struct pcapio_frame f;
	enum pcapio_status st;

	if (!r) {
		fprintf(stderr, "bench: %s: %s\n", path, dl.d[0].msg);
		exit(1);
	}
	while ((st = pcapio_next(r, &f, &dl)) != PCAPIO_EOF && npkt < MAX_PKTS) {
		if (st != PCAPIO_PACKET)
			continue;
		pkt[npkt] = malloc(f.l3_len);
		memcpy(pkt[npkt], f.l3, f.l3_len);
		pkt_len[npkt++] = f.l3_len;
	}
	pcapio_close(r);
}

static volatile unsigned sink;

static double run_quick(unsigned passes)
{
	uint16_t sp, dp;
	double t0 = now_ns();
	unsigned i;
	size_t k;

	for (i = 0; i < passes; i++)
		for (k = 0; k < npkt; k++)
			sink += (unsigned)decode_quick(pkt[k], pkt_len[k], &sp, &dp) + sp + dp;
	return now_ns() - t0;
}

static double run_decode(unsigned passes)
{
	static struct decode_pkt p;
	double t0 = now_ns();
	unsigned i;
	size_t k;

	for (i = 0; i < passes; i++)
		for (k = 0; k < npkt; k++)
			sink += decode_packet(&p, pkt[k], pkt_len[k]);
	return now_ns() - t0;
}

static double run_engine(struct engine *e, const struct ruleset *rs, unsigned passes)
{
	struct engine_verdict v;
	double t0 = now_ns();
	unsigned i;
	size_t k;

	for (i = 0; i < passes; i++)
		for (k = 0; k < npkt; k++) {
			engine_process(e, rs, pkt[k], pkt_len[k], ENGINE_DIR_FROM_ADDRS, 0, &v);
			sink += v.verdict;
		}
	return now_ns() - t0;
}

/* Calibrate the pass count to about TARGET_NS, then measure; returns ns per packet. */
static double measure(const char *name, struct engine *e, const struct ruleset *rs)
{
	unsigned passes = 16, rep;
	double t, best = 1e300;

	for (;;) {
		t = rs ? run_engine(e, rs, passes) : e ? run_decode(passes) : run_quick(passes);
		if (t > TARGET_NS / 4 || passes > (1u << 28))
			break;
		passes *= 2;
	}
	passes = (unsigned)(passes * (TARGET_NS / t)) + 1;
	for (rep = 0; rep < REPS; rep++) {
		t = rs ? run_engine(e, rs, passes) : e ? run_decode(passes) : run_quick(passes);
		t /= (double)passes * (double)npkt;
		if (t < best)
			best = t;
	}
	printf("%-34s %8.1f ns/pkt %12.0f pkt/s\n", name, best, 1e9 / best);
	return best;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0) {
		perror(path);
		exit(1);
	}
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(1);
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/*
 * The seed file with `extra` rules in front of its first rule line, none of which matches the
 * capture: each packet is tested against all of them before it reaches the seed rows.
 */
static struct ruleset *build(const char *text, size_t len, unsigned extra)
{
	struct diag_list dl = { 0 };
	size_t cap = len + extra * 96 + 1, k = 0, i;
	const char *first = strstr(text, "\npass ");
	struct rules_file *f;
	struct ruleset *rs;
	char *buf = malloc(cap);

	if (!first) {
		fprintf(stderr, "bench: no rule line found\n");
		exit(1);
	}
	first++;
	memcpy(buf, text, (size_t)(first - text));
	k = (size_t)(first - text);
	for (i = 0; i < extra; i++)
		k += (size_t)snprintf(buf + k, cap - k,
				      "block in proto tcp from 203.0.113.%zu to $int port %zu\n",
				      i % 256, 1024 + i);
	memcpy(buf + k, first, len - (size_t)(first - text));
	k += len - (size_t)(first - text);
	f = rules_parse_string("bench", buf, k, &dl);
	if (!f || !(rs = ruleset_build(f, 1, &dl))) {
		fprintf(stderr, "bench: rules do not load: %s\n", dl.n ? dl.d[0].msg : "?");
		exit(1);
	}
	rules_file_free(f);
	free(buf);
	return rs;
}

int main(int argc, char **argv)
{
	static const unsigned extras[] = { 0, 100, 1000 };
	struct engine *e = engine_new(0);
	double quick, t;
	size_t len, i;
	char name[64];
	char *text;

	if (argc != 3 || !e) {
		fprintf(stderr, "usage: bench_engine PCAP RULES\n");
		return 2;
	}
	load(argv[1]);
	text = slurp(argv[2], &len);
	printf("engine benchmark: %zu packets from %s held in memory, one core\n", npkt, argv[1]);
	quick = measure("header-only parse (limit)", NULL, NULL);
	t = measure("full decode, no rules", e, NULL);
	printf("%-34s %8.1fx the header-only parse\n", "", t / quick);
	for (i = 0; i < sizeof(extras) / sizeof(extras[0]); i++) {
		struct ruleset *rs = build(text, len, extras[i]);

		snprintf(name, sizeof(name), "engine, %s +%u rules",
			 extras[i] ? "seed" : "seed table", extras[i]);
		t = measure(name, e, rs);
		printf("%-34s %8.1fx the header-only parse\n", "", t / quick);
		ruleset_free(rs);
	}
	engine_free(e);
	free(text);
	return 0;
}
