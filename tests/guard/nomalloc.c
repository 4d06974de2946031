// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Hot-path guard (STYLE.md §7 rule 9): replays the demo capture through the engine with
 * malloc, calloc, realloc and free wrapped at link time (-Wl,--wrap=...) and fails if any of
 * them is called from our code once the engine is warm. Loading the capture and building the
 * ruleset may allocate; judging packets may not. With -k KEYS, AH is verified with those SAs
 * and OpenSSL's own allocator is counted too (CRYPTO_set_mem_functions); the store is
 * rebuilt before each pass so that every pass computes every ICV instead of stopping at the
 * replay check.
 * Usage: nomalloc PCAP [-k KEYS] RULES...
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ipsecfw/counters.h"
#include "ipsecfw/engine.h"
#include "ipsecfw/pcapio.h"
#include "ipsecfw/rules.h"
#include "ipsecfw/ruleset.h"
#include "ipsecfw/sa.h"

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

/* OpenSSL's allocations, counted the same way (it calls libc directly, past --wrap). */
static void *ossl_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	calls += armed;
	return __real_malloc(n);
}

static void *ossl_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	calls += armed;
	return __real_realloc(p, n);
}

static void ossl_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	calls += armed && p;
	__real_free(p);
}

static const char *keys;

static struct sa_table *load_keys(void)
{
	struct diag_list dl = { 0 };
	struct sa_table *t;

	if (!keys)
		return NULL;
	t = sa_table_new(1, &dl);
	if (!t || sa_load_file(t, keys, &dl) < 0) {
		fprintf(stderr, "nomalloc: %s: %s\n", keys, dl.n ? dl.d[0].msg : "?");
		exit(1);
	}
	return t;
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
	struct sa_table *t = load_keys();
	uint64_t verified = 0;

	engine_set_sa(e, t);
	engine_read_begin();
	for (k = 0; k < npkt; k++)	/* warm-up */
		engine_process(e, rs, pkt[k], len[k], ENGINE_DIR_FROM_ADDRS, 0, &v);
	engine_read_end();
	calls = 0;
	for (pass = 0; pass < 10; pass++) {
		if (t) {	/* fresh replay windows, outside the count */
			sa_table_free(t);
			t = load_keys();
			engine_set_sa(e, t);
		}
		armed = true;
		engine_read_begin();
		for (k = 0; k < npkt; k++)
			engine_process(e, rs, pkt[k], len[k], ENGINE_DIR_FROM_ADDRS, 0, &v);
		engine_read_end();
		armed = false;
	}
	verified = engine_stats(e)->ah[COUNTERS_IPSEC_VERIFIED] +
		   engine_stats(e)->esp[COUNTERS_ESP_VERIFIED];
	if (t && !verified) {
		printf("FAIL %s: nothing verified: the guard did not exercise the crypto\n", rules);
		return 1;
	}
	engine_free(e);
	sa_table_free(t);
	ruleset_free(rs);
	rules_file_free(f);
	if (calls) {
		printf("FAIL %s: %lu allocator calls while judging %zu packets\n", rules, calls,
		       10 * npkt);
		return 1;
	}
	printf("ok   %s: no allocator call in %zu packets (%llu AH/ESP verified)\n", rules,
	       10 * npkt,
	       (unsigned long long)verified);
	return 0;
}

int main(int argc, char **argv)
{
	int i, failed = 0;

	int first = 2;

	if (!CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free)) {
		fprintf(stderr, "nomalloc: cannot hook OpenSSL's allocator\n");
		return 2;
	}
	if (argc >= 4 && !strcmp(argv[2], "-k")) {
		keys = argv[3];
		first = 4;
	}
	if (argc <= first) {
		fprintf(stderr, "usage: nomalloc PCAP [-k KEYS] RULES...\n");
		return 2;
	}
	load(argv[1]);
	engine_thread_register();	/* the SA store is read under RCU */
	for (i = first; i < argc; i++)
		failed += guard(argv[i]);
	printf("%d passed, %d failed\n", argc - first - failed, failed);
	return failed != 0;
}
