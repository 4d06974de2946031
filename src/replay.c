// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * replay: `ipsecfw replay PCAP -r RULES` — the daemon's engine fed from a capture. Prints per
 * packet what the decoder saw and what the ruleset decided, then per-rule counters and totals,
 * as text or as JSON lines. Single-threaded control-path code: printing is fine here, the
 * engine it drives is the same allocation-free pipeline the daemon runs.
 */
#include "ipsecfw/replay.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecfw/ah.h"
#include "ipsecfw/counters.h"
#include "ipsecfw/decode.h"
#include "ipsecfw/engine.h"
#include "ipsecfw/esp.h"
#include "ipsecfw/pcapio.h"
#include "ipsecfw/rules.h"
#include "ipsecfw/ruleset.h"
#include "ipsecfw/sa.h"

static const char *dir_name(enum ruleset_dir d)
{
	return d == RULESET_DIR_IN ? "in" : d == RULESET_DIR_OUT ? "out" : "-";
}

static void addr_str(const struct decode_ip *ip, const struct decode_addr *a, char *buf,
		     size_t size)
{
	if (!inet_ntop(ip->version == 4 ? AF_INET : AF_INET6, a->b, buf, (socklen_t)size))
		snprintf(buf, size, "?");
}

static void proto_str(int proto, char *buf, size_t size)
{
	const char *n = rules_proto_name(proto);

	if (n)
		snprintf(buf, size, "%s", n);
	else
		snprintf(buf, size, "%d", proto);
}

static void flags_str(uint8_t f, char *buf)
{
	static const char letters[] = "FSRPAUEW";
	int i, k = 0;

	for (i = 0; i < 8; i++)
		if (f & (1u << i))
			buf[k++] = letters[i];
	buf[k] = 0;
}

/* ---- JSON ---- */

static void json_l4(FILE *o, const struct decode_l4 *l4)
{
	char buf[16];

	proto_str(l4->proto, buf, sizeof(buf));
	fprintf(o, ",\"l4\":\"%s\"", buf);
	if (l4->proto == DECODE_PROTO_TCP || l4->proto == DECODE_PROTO_UDP)
		fprintf(o, ",\"sport\":%u,\"dport\":%u", l4->sport, l4->dport);
	if (l4->proto == DECODE_PROTO_TCP) {
		flags_str(l4->tcp_flags, buf);
		fprintf(o, ",\"tcp_flags\":\"%s\"", buf);
	}
	if (l4->proto == DECODE_PROTO_ICMP || l4->proto == DECODE_PROTO_ICMPV6)
		fprintf(o, ",\"icmp_type\":%u,\"icmp_code\":%u", l4->icmp_type, l4->icmp_code);
}

static void json_ip(FILE *o, const struct decode_ip *ip)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], p[16];

	addr_str(ip, &ip->src, s, sizeof(s));
	addr_str(ip, &ip->dst, d, sizeof(d));
	proto_str(ip->proto, p, sizeof(p));
	fprintf(o, "\"version\":%u,\"src\":\"%s\",\"dst\":\"%s\",\"proto\":\"%s\",\"ttl\":%u",
		ip->version, s, d, p, ip->ttl);
	if (ip->version == 6)
		fprintf(o, ",\"exthdrs\":%u", ip->n_exthdrs);
	if (ip->fragment)
		fprintf(o, ",\"fragment\":\"%s\"", ip->first_fragment ? "first" : "non-first");
}

static bool has_ah(const struct decode_pkt *p)
{
	return p->n_ipsec && p->ipsec[0].proto == DECODE_PROTO_AH;
}

static bool has_esp(const struct decode_pkt *p)
{
	return (p->n_ipsec && p->ipsec[0].proto == DECODE_PROTO_ESP) ||
	       (p->n_ipsec > 1 && p->ipsec[1].proto == DECODE_PROTO_ESP);
}

/* ,"esp":{"result":...,"sa":... or null,"seq":N} for packets with ESP. */
static void json_esp(FILE *o, const struct engine *e)
{
	const struct sa *sa;
	char buf[256];
	uint64_t seq;
	int r = engine_esp_result(e, &sa, &seq);

	fprintf(o, ",\"esp\":{\"result\":\"%s\",\"sa\":", esp_result_name((enum esp_result)r));
	if (sa) {
		sa_config_format(sa_config(sa), buf, sizeof(buf));
		json_write_str(o, buf);
		fprintf(o, ",\"seq\":%" PRIu64 "}", seq);
	} else {
		fputs("null}", o);
	}
}

/* ,"ah":{"result":...,"sa":"ah spi ... dst ..." or null,"seq":N} for packets with AH. */
static void json_ah(FILE *o, const struct engine *e)
{
	const struct sa *sa;
	char buf[256];
	uint64_t seq;
	int r = engine_ah_result(e, &sa, &seq);

	fprintf(o, ",\"ah\":{\"result\":\"%s\",\"sa\":", ah_result_name((enum ah_result)r));
	if (sa) {
		sa_config_format(sa_config(sa), buf, sizeof(buf));
		json_write_str(o, buf);
		fprintf(o, ",\"seq\":%" PRIu64 "}", seq);
	} else {
		fputs("null}", o);
	}
}

static void json_packet(FILE *o, unsigned idx, size_t len, const struct engine_verdict *v,
			const struct engine *e)
{
	const struct decode_pkt *p = v->pkt;
	unsigned i;

	fprintf(o, "{\"index\":%u,\"len\":%zu,\"verdict\":\"%s\",", idx, len,
		rules_verdict_name(v->verdict));
	if (v->reason > COUNTERS_R_DECODE_LAST) {
		/* Dropped by the IPsec stage: decoded in full, then refused. */
		fprintf(o, "\"rule\":null,\"reason\":\"%s\",\"direction\":\"-\",\"outer\":{",
			counters_reason_name(v->reason));
		json_ip(o, &p->outer);
		fputs("},\"inner\":null", o);
		if (e && has_ah(p))
			json_ah(o, e);
		if (e && has_esp(p))
			json_esp(o, e);
		fputs("}\n", o);
		return;
	}
	if (v->reason != COUNTERS_R_NONE) {
		fprintf(o, "\"rule\":null,\"reason\":\"%s\",\"outer\":",
			counters_reason_name(v->reason));
		if (p->outer.total_len) {
			fputc('{', o);
			json_ip(o, &p->outer);
			fputc('}', o);
		} else {
			fputs("null", o);
		}
		fputs(",\"inner\":null}\n", o);
		return;
	}
	if (v->rule)
		fprintf(o, "\"rule\":%u,", v->rule);
	else
		fprintf(o, "\"rule\":null,");
	fprintf(o, "\"reason\":null,\"direction\":\"%s\",\"outer\":{", dir_name(v->dir));
	json_ip(o, &p->outer);
	if (p->has_outer_l4)
		json_l4(o, &p->outer_l4);
	if (p->ike != DECODE_IKE_NONE)
		fprintf(o, ",\"ike\":\"%s\"", decode_ike_name(p->ike));
	fprintf(o, ",\"ipsec\":[");
	for (i = 0; i < p->n_ipsec; i++)
		fprintf(o, "%s{\"proto\":\"%s\",\"spi\":%" PRIu32 ",\"seq\":%" PRIu32 "%s}",
			i ? "," : "", p->ipsec[i].proto == DECODE_PROTO_AH ? "ah" : "esp",
			p->ipsec[i].spi, p->ipsec[i].seq,
			p->ipsec[i].udp_encap ? ",\"udp_encap\":true" : "");
	fprintf(o, "]}");
	if (e && has_ah(p))
		json_ah(o, e);
	if (e && has_esp(p))
		json_esp(o, e);
	if (!p->has_inner_ip && !p->has_inner_l4) {
		fprintf(o, ",\"inner\":null}\n");
		return;
	}
	fprintf(o, ",\"inner\":{\"mode\":\"%s\"", p->has_inner_ip ? "tunnel" : "transport");
	if (p->has_inner_ip) {
		fputc(',', o);
		json_ip(o, &p->inner);
	}
	if (p->has_inner_l4)
		json_l4(o, &p->inner_l4);
	fprintf(o, "}}\n");
}

/* ---- text ---- */

static int text_l4(char *b, size_t n, const struct decode_l4 *l4)
{
	char f[9];

	switch (l4->proto) {
	case DECODE_PROTO_TCP:
		flags_str(l4->tcp_flags, f);
		return snprintf(b, n, "tcp %u > %u [%s]", l4->sport, l4->dport, f);
	case DECODE_PROTO_UDP:
		return snprintf(b, n, "udp %u > %u", l4->sport, l4->dport);
	default:
		return snprintf(b, n, "%s type %u code %u",
				l4->proto == DECODE_PROTO_ICMP ? "icmp" : "icmp6",
				l4->icmp_type, l4->icmp_code);
	}
}

static int text_ipsec(char *b, size_t n, const struct decode_pkt *p)
{
	int k = 0;
	unsigned i;

	for (i = 0; i < p->n_ipsec && k >= 0 && (size_t)k < n; i++)
		k += snprintf(b + k, n - (size_t)k, "%s%s spi 0x%08" PRIx32 " seq %" PRIu32,
			      i ? " " : "", p->ipsec[i].proto == DECODE_PROTO_AH ? "ah" : "esp",
			      p->ipsec[i].spi, p->ipsec[i].seq);
	return k;
}

/* "198.51.100.10 > 192.0.2.10 ah spi 0x00001000 seq 1 | tcp 40000 > 22 [S]" */
static void text_summary(char *b, size_t n, const struct decode_pkt *p)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], pr[16];
	size_t k;

	addr_str(&p->outer, &p->outer.src, s, sizeof(s));
	addr_str(&p->outer, &p->outer.dst, d, sizeof(d));
	k = (size_t)snprintf(b, n, "%s > %s ", s, d);
	if (p->n_ipsec && !p->ipsec[0].udp_encap)
		k += (size_t)text_ipsec(b + k, n - k, p);
	else if (p->has_outer_l4)
		k += (size_t)text_l4(b + k, n - k, &p->outer_l4);
	else {
		proto_str(p->outer.proto, pr, sizeof(pr));
		k += (size_t)snprintf(b + k, n - k, "proto %s", pr);
	}
	if (k < n && p->ike != DECODE_IKE_NONE)
		k += (size_t)snprintf(b + k, n - k, " %s", decode_ike_name(p->ike));
	if (k < n && p->n_ipsec && p->ipsec[0].udp_encap)
		k += (size_t)snprintf(b + k, n - k, " esp spi 0x%08" PRIx32 " seq %" PRIu32,
				      p->ipsec[0].spi, p->ipsec[0].seq);
	if (k < n && p->outer.fragment)
		k += (size_t)snprintf(b + k, n - k, " frag%s",
				      p->outer.first_fragment ? "" : " (non-first)");
	if (k < n && (p->has_inner_ip || p->has_inner_l4))
		k += (size_t)snprintf(b + k, n - k, " |");
	if (k < n && p->has_inner_ip) {
		addr_str(&p->inner, &p->inner.src, s, sizeof(s));
		addr_str(&p->inner, &p->inner.dst, d, sizeof(d));
		k += (size_t)snprintf(b + k, n - k, " %s > %s", s, d);
	}
	if (k < n && p->has_inner_l4) {
		k += (size_t)snprintf(b + k, n - k, " ");
		if (k < n)
			text_l4(b + k, n - k, &p->inner_l4);
	}
}

void replay_describe(char *b, size_t n, const struct engine_verdict *v)
{
	if (v->reason == COUNTERS_R_NONE || v->reason > COUNTERS_R_DECODE_LAST) {
		text_summary(b, n, v->pkt);
		return;
	}
	/* total_len is set once the outer IP header passed its checks. */
	if (v->pkt->outer.total_len) {
		char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], pr[16];

		addr_str(&v->pkt->outer, &v->pkt->outer.src, s, sizeof(s));
		addr_str(&v->pkt->outer, &v->pkt->outer.dst, d, sizeof(d));
		proto_str(v->pkt->outer.proto, pr, sizeof(pr));
		snprintf(b, n, "%s > %s proto %s", s, d, pr);
	} else {
		snprintf(b, n, "undecodable");
	}
}

static void text_packet(FILE *o, unsigned idx, size_t len, const struct engine_verdict *v,
			bool verbose, const struct engine *e)
{
	char sum[512];

	replay_describe(sum, sizeof(sum), v);
	if (v->reason > COUNTERS_R_DECODE_LAST) {
		fprintf(o, "%5u  %-3s %s  -> block (ipsec: %s)\n", idx, "-", sum,
			counters_reason_name(v->reason));
		return;
	}
	if (v->reason != COUNTERS_R_NONE) {
		fprintf(o, "%5u  %-3s %s  [%zu bytes]  -> block (decoder: %s)\n", idx, "-", sum,
			len, counters_reason_name(v->reason));
		return;
	}
	fprintf(o, "%5u  %-3s %s  -> %s ", idx, dir_name(v->dir), sum,
		rules_verdict_name(v->verdict));
	if (v->rule)
		fprintf(o, "@%u", v->rule);
	else
		fprintf(o, "(policy)");
	if (e && has_ah(v->pkt))
		fprintf(o, "  [ah %s]", ah_result_name((enum ah_result)engine_ah_result(e, NULL,
											 NULL)));
	if (e && has_esp(v->pkt))
		fprintf(o, "  [esp %s]", esp_result_name((enum esp_result)engine_esp_result(e, NULL,
											     NULL)));
	fputc('\n', o);
	if (verbose)
		fprintf(o, "       len %zu ttl %u exthdrs %u ipsec %u\n", len, v->pkt->outer.ttl,
			v->pkt->outer.n_exthdrs, v->pkt->n_ipsec);
}

/* ---- summary ---- */

static void summary_text(FILE *o, const struct ruleset *rs, const struct counters_pkt *rc,
			 const struct counters_thread *st, unsigned skipped, bool with_sa)
{
	size_t i, n = ruleset_rule_count(rs);
	uint64_t rejected = 0;
	int r;

	fprintf(o, "\n%-7s %10s %12s  %s\n", "rule", "packets", "bytes", "text");
	for (i = 1; i <= n; i++)
		fprintf(o, "@%-6zu %10" PRIu64 " %12" PRIu64 "  %s\n", i, rc[i].packets,
			rc[i].bytes, ruleset_rule_text(rs, i));
	fprintf(o, "%-7s %10" PRIu64 " %12" PRIu64 "  %s\n", "policy", rc[0].packets,
		rc[0].bytes, ruleset_rule_text(rs, 0));
	for (r = 1; r <= COUNTERS_R_DECODE_LAST; r++)
		rejected += st->reason[r];
	fprintf(o, "%-7s %10" PRIu64 " %12s  block:", "decoder", rejected, "");
	for (r = 1; r <= COUNTERS_R_DECODE_LAST; r++)
		if (st->reason[r])
			fprintf(o, " %s %" PRIu64, counters_reason_name((enum counters_reason)r),
				st->reason[r]);
	if (with_sa) {
		fprintf(o, "\n%-7s %10s %12s ", "ah", "", "");
		for (r = 0; r < COUNTERS_IPSEC_MAX; r++)
			fprintf(o, " %s %" PRIu64, counters_ipsec_name((enum counters_ipsec)r),
				st->ah[r]);
		fprintf(o, "\n%-7s %10s %12s ", "esp", "", "");
		for (r = 0; r < COUNTERS_ESP_MAX; r++)
			fprintf(o, " %s %" PRIu64, counters_esp_name((enum counters_esp)r),
				st->esp[r]);
		bool first = true;

		for (r = COUNTERS_R_DECODE_LAST + 1; r < COUNTERS_R_MAX; r++)
			if (st->reason[r]) {
				fprintf(o, "%s %s %" PRIu64, first ? "; blocked:" : "",
					counters_reason_name((enum counters_reason)r), st->reason[r]);
				first = false;
			}
	}
	fprintf(o, "\n%-7s %10" PRIu64 " %12" PRIu64 "  pass %" PRIu64 ", block %" PRIu64
		", skipped %u\n", "total", st->received, st->received_bytes,
		st->verdict[RULES_PASS].packets, st->verdict[RULES_BLOCK].packets, skipped);
}

static void summary_json(FILE *o, const struct ruleset *rs, const struct counters_pkt *rc,
			 const struct counters_thread *st, unsigned skipped)
{
	size_t i, n = ruleset_rule_count(rs);
	int r;

	fprintf(o, "{\"summary\":{\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
		",\"skipped\":%u,\"pass\":{\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
		"},\"block\":{\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 "},\"rules\":[",
		st->received, st->received_bytes, skipped, st->verdict[0].packets,
		st->verdict[0].bytes, st->verdict[1].packets, st->verdict[1].bytes);
	for (i = 1; i <= n; i++) {
		fprintf(o, "%s{\"rule\":%zu,\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
			",\"text\":", i > 1 ? "," : "", i, rc[i].packets, rc[i].bytes);
		json_write_str(o, ruleset_rule_text(rs, i));
		fputc('}', o);
	}
	fprintf(o, "],\"policy\":{\"verdict\":\"%s\",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
		"},\"reasons\":{", rules_verdict_name(ruleset_policy(rs)), rc[0].packets,
		rc[0].bytes);
	for (r = 1; r < COUNTERS_R_MAX; r++)
		fprintf(o, "%s\"%s\":%" PRIu64, r > 1 ? "," : "",
			counters_reason_name((enum counters_reason)r), st->reason[r]);
	fputs("},\"ah\":{", o);
	for (r = 0; r < COUNTERS_IPSEC_MAX; r++)
		fprintf(o, "%s\"%s\":%" PRIu64, r ? "," : "",
			counters_ipsec_name((enum counters_ipsec)r), st->ah[r]);
	fputs("},\"esp\":{", o);
	for (r = 0; r < COUNTERS_ESP_MAX; r++)
		fprintf(o, "%s\"%s\":%" PRIu64, r ? "," : "",
			counters_esp_name((enum counters_esp)r), st->esp[r]);
	fprintf(o, "}}}\n");
}

int replay_run(const struct replay_opts *o, struct diag_list *dl)
{
	struct pcapio_reader *r = pcapio_open(o->pcap, dl);
	struct counters_pkt *rc = NULL;
	struct engine_verdict v;
	struct pcapio_frame f;
	struct engine *e = NULL;
	enum pcapio_status st;
	unsigned idx = 0, skipped = 0;
	int ret = -1;

	if (!r)
		return -1;
	e = engine_new(0);
	if (!e) {
		diag_add(dl, o->pcap, 0, 0, "out of memory");
		goto out;
	}
	engine_set_sa(e, o->sat);
	while ((st = pcapio_next(r, &f, dl)) != PCAPIO_EOF) {
		if (st == PCAPIO_ERROR)
			goto out;
		idx++;
		if (st == PCAPIO_SKIP) {
			skipped++;
			if (o->json)
				fprintf(o->out, "{\"index\":%u,\"skipped\":\"%s\"}\n", idx, f.skip);
			else
				fprintf(o->out, "%5u  skipped: %s\n", idx, f.skip);
			continue;
		}
		engine_read_begin();	/* the SA store is read under RCU, as in the daemon */
		engine_process(e, o->rs, f.l3, f.l3_len, ENGINE_DIR_FROM_ADDRS, 0, &v);
		if (o->json)
			json_packet(o->out, idx, v.len, &v, o->sat ? e : NULL);
		else
			text_packet(o->out, idx, v.len, &v, o->verbose, o->sat ? e : NULL);
		engine_read_end();
	}
	rc = xcalloc(ruleset_rule_count(o->rs) + 1, sizeof(*rc));
	ruleset_counters_sum(o->rs, rc);
	if (o->json)
		summary_json(o->out, o->rs, rc, engine_stats(e), skipped);
	else
		summary_text(o->out, o->rs, rc, engine_stats(e), skipped, o->sat != NULL);
	ret = 0;
out:
	free(rc);
	engine_free(e);
	pcapio_close(r);
	return ret;
}
