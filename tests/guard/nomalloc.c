// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Hot-path guard (STYLE.md §7 rule 9): replays the demo capture through the engine with
 * malloc, calloc, realloc and free wrapped at link time (-Wl,--wrap=...) and fails if any of
 * them is called from our code once the engine is warm. Loading the capture and building the
 * ruleset may allocate; judging packets may not.
 * Usage: nomalloc PCAP RULES...
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecfw/engine.h"
#include "ipsecfw/pcapio.h"
#include "ipsecfw/rules.h"
#include "ipsecfw/ruleset.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

static bool armed;
static unsigned long calls;

void *__wrap_malloc(size_t n)
{
	calls += armed;
	return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
	calls += armed;
	return __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
	calls += armed;
	return __real_realloc(p, n);
}

void __wrap_free(void *p)
{
	calls += armed;
	__real_free(p);
}

#define MAX_PKTS 1024

static uint8_t *pkt[MAX_PKTS];
static size_t len[MAX_PKTS], npkt;

static void load(const char *path)
{
	struct diag_list dl = { 0 };
	struct pcapio_reader *r = pcapio_open(path, &dl);
	struct pcapio_frame f;
	enum pcapio_status st;

	if (!r) {
		fprintf(stderr, "nomalloc: %s: %s\n", path, dl.d[0].msg);
		exit(1);
	}
	while ((st = pcapio_next(r, &f, &dl)) != PCAPIO_EOF && npkt < MAX_PKTS) {
		if (st != PCAPIO_PACKET)
			continue;
		pkt[npkt] = malloc(f.l3_len);
		memcpy(pkt[npkt], f.l3, f.l3_len);
		len[npkt++] = f.l3_len;
	}
	pcapio_close(r);
}

static int guard(const char *rules)
{
	struct diag_list dl = { 0 };
	struct rules_file *f = rules_parse_file(rules, &dl);
	struct ruleset *rs = f ? ruleset_build(f, 1, &dl) : NULL;
	struct engine *e = engine_new(0);
	struct engine_verdict v;
	size_t k;
	int pass;

	if (!rs || !e) {
		fprintf(stderr, "nomalloc: %s does not load\n", rules);
		return 1;
	}
	for (k = 0; k < npkt; k++)	/* warm-up */
		engine_process(e, rs, pkt[k], len[k], ENGINE_DIR_FROM_ADDRS, 0, &v);
	calls = 0;
	armed = true;
	for (pass = 0; pass < 10; pass++)
		for (k = 0; k < npkt; k++)
			engine_process(e, rs, pkt[k], len[k], ENGINE_DIR_FROM_ADDRS, 0, &v);
	armed = false;
	engine_free(e);
	ruleset_free(rs);
	rules_file_free(f);
	if (calls) {
		printf("FAIL %s: %lu allocator calls while judging %zu packets\n", rules, calls,
		       10 * npkt);
		return 1;
	}
	printf("ok   %s: no allocator call in %zu packets\n", rules, 10 * npkt);
	return 0;
}

int main(int argc, char **argv)
{
	int i, failed = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: nomalloc PCAP RULES...\n");
		return 2;
	}
	load(argv[1]);
	for (i = 2; i < argc; i++)
		failed += guard(argv[i]);
	printf("%d passed, %d failed\n", argc - 2 - failed, failed);
	return failed != 0;
}
