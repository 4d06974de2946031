// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ruleset: the compiled form of a rule file and ruleset_classify(), the first-match
 * evaluation that every packet goes through.
 *
 * Work that does not change per packet happens here, at build time: every address expression
 * (sets, lists, negations) becomes a sorted list of disjoint address ranges per family, so
 * that a negated set costs the same as a plain one and a lookup is a binary search. Rules sit
 * in an array in file order; each test is a flat comparison, cheap fields first.
 *
 * Threading: a built ruleset is immutable. ruleset_classify() may run on many threads at
 * once; each thread writes only its own row of rule counters (single writer).
 */
#include "ipsecfw/ruleset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecfw/decode.h"
#include "ipsecfw/rules.h"

struct range4 {
	uint32_t lo, hi;
};

struct range6 {
	unsigned __int128 lo, hi;
};

/* A compiled address expression: an address matches if it falls in one of the ranges. */
struct addrm {
	int id;			/* bit in the per-packet match cache, -1 past 64 */
	const struct addrm *neg_of;	/* this is exactly "! $set": answer from the set's bit */
	size_t n4, n6;
	struct range4 *r4;
	struct range6 *r6;
};

struct portm {
	bool neg;
	size_t n;
	struct rules_port_range *r;
};

struct cinner {
	int16_t proto;			/* -1: any */
	bool has_flags;
	uint8_t flags, flags_mask;
	const struct addrm *from, *to;	/* NULL: any */
	struct portm sport, dport;
};

/*
 * Skip steps (pf's idea): for each field, the index of the next rule whose value of that
 * field differs. When a packet fails a field, every following rule with the same value
 * would fail it too, so evaluation jumps there.
 */
enum { SKIP_DIR, SKIP_PROTO, SKIP_FROM, SKIP_TO, SKIP_MAX };

/* Hot fields first: the tests every packet meets on every rule come before the rest. */
struct crule {
	uint32_t skip[SKIP_MAX];
	uint8_t dir;			/* RULESET_DIR_IN / _OUT, 0 for either */
	int16_t proto;			/* -1: any */
	bool has_spi;
	bool has_flags;
	uint8_t flags, flags_mask;
	uint32_t spi_lo, spi_hi;
	const struct addrm *from, *to;	/* NULL: any */
	struct portm sport, dport;
	const struct cinner *inner;	/* NULL: no inner clause */
	uint8_t verdict;
	uint8_t auth;			/* enum decode_auth to require, 0: any */
	bool log;
	bool has_mark;
	uint32_t mark;
};

struct named_addrm {
	char name[RULES_NAME_MAX];
	struct addrm *m;
};

struct ruleset {
	size_t n;
	int n_addrm;			/* ids handed out to compiled address expressions */
	struct crule *rules;
	uint8_t policy;
	uint8_t icv_policy;
	uint8_t replay_policy;
	bool has_ifaces;
	bool has_int;
	const struct addrm *int_set;	/* NULL when the file has no set "int" */
	const struct addrm *ext_set;	/* the set "ext", or the complement of int */
	char **text;			/* [0] policy, [1..n] rules */
	char **key;			/* text plus the sets it uses: what a reload compares */
	size_t n_ifs;			/* declared interfaces, external ones first */
	size_t n_ext_ifs;
	char (*ifnames)[RULES_NAME_MAX];
	unsigned nthreads;
	size_t stride;			/* counters per thread row, padded to cache lines */
	struct counters_pkt *counters;	/* nthreads rows, then the carry row (reloads) */
	/* Everything allocated at build time, freed with the ruleset. */
	size_t n_owned;
	void **owned;
};

static void *own(struct ruleset *rs, void *p)
{
	rs->owned = xrealloc(rs->owned, (rs->n_owned + 1) * sizeof(*rs->owned));
	rs->owned[rs->n_owned++] = p;
	return p;
}

/* ---- range lists (build time only) ---- */

static unsigned __int128 u128_max(void)
{
	return ~(unsigned __int128)0;
}

static int cmp4(const void *a, const void *b)
{
	const struct range4 *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static int cmp6(const void *a, const void *b)
{
	const struct range6 *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sort and merge overlapping or adjacent ranges, in place. */
static void normalize(struct addrm *m)
{
	size_t i, k;

	if (m->n4)
		qsort(m->r4, m->n4, sizeof(*m->r4), cmp4);
	for (i = 0, k = 0; i < m->n4; i++) {
		if (k && (m->r4[k - 1].hi == UINT32_MAX || m->r4[i].lo <= m->r4[k - 1].hi + 1)) {
			if (m->r4[i].hi > m->r4[k - 1].hi)
				m->r4[k - 1].hi = m->r4[i].hi;
			continue;
		}
		m->r4[k++] = m->r4[i];
	}
	m->n4 = k;
	if (m->n6)
		qsort(m->r6, m->n6, sizeof(*m->r6), cmp6);
	for (i = 0, k = 0; i < m->n6; i++) {
		if (k && (m->r6[k - 1].hi == u128_max() || m->r6[i].lo <= m->r6[k - 1].hi + 1)) {
			if (m->r6[i].hi > m->r6[k - 1].hi)
				m->r6[k - 1].hi = m->r6[i].hi;
			continue;
		}
		m->r6[k++] = m->r6[i];
	}
	m->n6 = k;
}

static void add4(struct addrm *m, uint32_t lo, uint32_t hi)
{
	m->r4 = xrealloc(m->r4, (m->n4 + 1) * sizeof(*m->r4));
	m->r4[m->n4++] = (struct range4){ lo, hi };
}

static void add6(struct addrm *m, unsigned __int128 lo, unsigned __int128 hi)
{
	m->r6 = xrealloc(m->r6, (m->n6 + 1) * sizeof(*m->r6));
	m->r6[m->n6++] = (struct range6){ lo, hi };
}

static unsigned __int128 load_u128(const uint8_t *b)
{
	return (unsigned __int128)load_be64(b) << 64 | load_be64(b + 8);
}

static void add_cidr(struct addrm *m, const struct rules_cidr *c)
{
	if (c->family == 4) {
		uint32_t a = load_be32(c->addr);
		uint32_t host = c->prefix >= 32 ? 0 : UINT32_MAX >> c->prefix;

		add4(m, a & ~host, a | host);
	} else {
		unsigned __int128 a = load_u128(c->addr);
		unsigned __int128 host = c->prefix >= 128 ? 0 : u128_max() >> c->prefix;

		add6(m, a & ~host, a | host);
	}
}

/* Replace m by its complement within each family's address space. */
static void complement(struct addrm *m)
{
	struct addrm c = { 0 };
	uint64_t next4 = 0;
	unsigned __int128 next6 = 0;
	bool done6 = false;
	size_t i;

	normalize(m);
	for (i = 0; i < m->n4; i++) {
		if (m->r4[i].lo > next4)
			add4(&c, (uint32_t)next4, m->r4[i].lo - 1);
		next4 = (uint64_t)m->r4[i].hi + 1;
	}
	if (next4 <= UINT32_MAX)
		add4(&c, (uint32_t)next4, UINT32_MAX);
	for (i = 0; i < m->n6; i++) {
		if (m->r6[i].lo > next6)
			add6(&c, next6, m->r6[i].lo - 1);
		done6 = m->r6[i].hi == u128_max();
		next6 = m->r6[i].hi + 1;
	}
	if (!done6)
		add6(&c, next6, u128_max());
	free(m->r4);
	free(m->r6);
	m->n4 = c.n4;
	m->r4 = c.r4;
	m->n6 = c.n6;
	m->r6 = c.r6;
}

static void merge_into(struct addrm *dst, const struct addrm *src)
{
	size_t i;

	for (i = 0; i < src->n4; i++)
		add4(dst, src->r4[i].lo, src->r4[i].hi);
	for (i = 0; i < src->n6; i++)
		add6(dst, src->r6[i].lo, src->r6[i].hi);
}

static const struct addrm *find_set(const struct named_addrm *sets, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(sets[i].name, name))
			return sets[i].m;
	return NULL;
}

/* The ranges of one list item, without its own "!". */
static void compile_item(struct addrm *one, const struct rules_addr_item *it,
			 const struct named_addrm *sets, size_t n_sets)
{
	const struct addrm *s;

	if (it->kind == RULES_ADDR_CIDR) {
		add_cidr(one, &it->cidr);
	} else if (it->kind == RULES_ADDR_ANY) {
		add4(one, 0, UINT32_MAX);
		add6(one, 0, u128_max());
	} else if ((s = find_set(sets, n_sets, it->set))) {
		merge_into(one, s);
	}
}

/*
 * Compile an address expression. Set references resolve against the sets compiled so far;
 * the parser has already checked that each names an earlier set. A list matches what one of
 * its plain items matches (everything when it has none) minus what its "!" items match, as a
 * pf table does. Returns NULL for "not given" (any address).
 */
static struct addrm *compile_addr(struct ruleset *rs, const struct rules_addr *a,
				  const struct named_addrm *sets, size_t n_sets)
{
	struct addrm pos = { 0 }, neg = { 0 }, *m;
	bool any_pos = false;
	size_t i;

	if (!a->n)
		return NULL;
	/* A bare "$set" shares the set's ranges, so that skip steps and the cache see one. */
	if (a->n == 1 && !a->neg && !a->items[0].neg && a->items[0].kind == RULES_ADDR_SET)
		return (struct addrm *)find_set(sets, n_sets, a->items[0].set);
	m = xcalloc(1, sizeof(*m));
	m->id = rs->n_addrm < 64 ? rs->n_addrm++ : -1;
	if (a->n == 1 && a->neg != a->items[0].neg && a->items[0].kind == RULES_ADDR_SET)
		m->neg_of = find_set(sets, n_sets, a->items[0].set);
	for (i = 0; i < a->n; i++) {
		compile_item(a->items[i].neg ? &neg : &pos, &a->items[i], sets, n_sets);
		any_pos |= !a->items[i].neg;
	}
	if (!any_pos)
		compile_item(&pos, &(struct rules_addr_item){ .kind = RULES_ADDR_ANY }, NULL, 0);
	/* pos minus neg = !(!pos or neg) */
	complement(&pos);
	merge_into(&pos, &neg);
	complement(&pos);
	merge_into(m, &pos);
	free(pos.r4);
	free(pos.r6);
	free(neg.r4);
	free(neg.r6);
	if (a->neg)
		complement(m);
	normalize(m);
	own(rs, m->r4);
	own(rs, m->r6);
	return own(rs, m);
}

/* ---- matching (packet path) ---- */

static bool match4(const struct addrm *m, uint32_t a)
{
	size_t lo = 0, hi = m->n4;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a < m->r4[mid].lo)
			hi = mid;
		else if (a > m->r4[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

static bool match6(const struct addrm *m, unsigned __int128 a)
{
	size_t lo = 0, hi = m->n6;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a < m->r6[mid].lo)
			hi = mid;
		else if (a > m->r6[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

static inline bool addr_match(const struct addrm *m, uint8_t version, const struct decode_addr *a)
{
	if (!m)
		return true;
	if (version == 4)
		return match4(m, load_be32(a->b));
	return match6(m, load_u128(a->b));
}

/*
 * Per-packet memo of address tests: most rules of a file test the same few sets, so each
 * (expression, address) pair is looked up once per packet. Lives on the caller's stack.
 */
struct addr_cache {
	uint64_t done;
	uint64_t hit;
};

static inline bool addr_match_cached(const struct addrm *m, struct addr_cache *c, uint8_t version,
			      const struct decode_addr *a)
{
	bool flip = false;
	uint64_t bit;

	if (!m)
		return true;
	if (m->neg_of && m->neg_of->id >= 0) {
		m = m->neg_of;
		flip = true;
	}
	if (m->id < 0)
		return addr_match(m, version, a) != flip;
	bit = 1ull << m->id;
	if (!(c->done & bit)) {
		c->done |= bit;
		if (addr_match(m, version, a))
			c->hit |= bit;
	}
	return !!(c->hit & bit) != flip;
}

/* Direction from the sets, through the same cache the rules then use. */
static enum ruleset_dir direction(const struct ruleset *rs, const struct decode_pkt *p,
				  struct addr_cache *src, struct addr_cache *dst)
{
	const struct decode_ip *ip = &p->outer;

	if (!rs->int_set)
		return RULESET_DIR_NONE;
	if (addr_match_cached(rs->ext_set, src, ip->version, &ip->src) &&
	    addr_match_cached(rs->int_set, dst, ip->version, &ip->dst))
		return RULESET_DIR_IN;
	if (addr_match_cached(rs->int_set, src, ip->version, &ip->src) &&
	    addr_match_cached(rs->ext_set, dst, ip->version, &ip->dst))
		return RULESET_DIR_OUT;
	return RULESET_DIR_NONE;
}

static bool port_match(const struct portm *pm, uint16_t port)
{
	bool hit = false;
	size_t i;

	if (!pm->n)
		return true;
	for (i = 0; i < pm->n && !hit; i++)
		hit = port >= pm->r[i].lo && port <= pm->r[i].hi;
	return hit != pm->neg;
}

static bool l4_match(const struct portm *sp, const struct portm *dp, bool has_flags,
		     uint8_t flags, uint8_t mask, const struct decode_l4 *l4)
{
	if (!port_match(sp, l4->sport) || !port_match(dp, l4->dport))
		return false;
	if (has_flags && (l4->proto != DECODE_PROTO_TCP || (l4->tcp_flags & mask) != flags))
		return false;
	return true;
}

/*
 * The protocol AH carries: the inner L4, else the inner IP's protocol (tunnel mode), else the
 * header behind AH (ESP in an AH+ESP bundle). -1 when nothing is known (no AH at all).
 */
static int inner_proto(const struct decode_pkt *p)
{
	if (p->has_inner_l4)
		return p->inner_l4.proto;
	if (p->has_inner_ip)
		return p->inner.proto;
	if (p->n_ipsec >= 2)
		return p->ipsec[1].proto;
	return p->ipsec[0].next_hdr;
}

static bool inner_match(const struct cinner *in, const struct decode_pkt *p)
{
	const struct decode_ip *ip = p->has_inner_ip ? &p->inner : &p->outer;
	bool need_l4 = in->sport.n || in->dport.n || in->has_flags;

	/* AH shows what it carries; ESP only once it has been decrypted (inner views set). */
	if (!(p->n_ipsec && p->ipsec[0].proto == DECODE_PROTO_AH) && !p->has_inner_l4 &&
	    !p->has_inner_ip)
		return false;
	if (in->proto >= 0 && inner_proto(p) != in->proto)
		return false;
	if (need_l4 && (!p->has_inner_l4 ||
			!l4_match(&in->sport, &in->dport, in->has_flags, in->flags,
				  in->flags_mask, &p->inner_l4)))
		return false;
	return addr_match(in->from, ip->version, &ip->src) &&
	       addr_match(in->to, ip->version, &ip->dst);
}

/* An AH whose next header is ESP, in the outer chain. */
static bool bundle_esp(const struct decode_pkt *p)
{
	return p->n_ipsec > 1 && p->ipsec[0].proto == DECODE_PROTO_AH &&
	       p->ipsec[1].proto == DECODE_PROTO_ESP && p->ipsec[0].next_hdr == DECODE_PROTO_ESP;
}

/*
 * The flat run of tests for one rule, cheapest first. Returns SKIP_MAX when the rule
 * matches, the skip field to follow when a skip-step field failed, or -1 otherwise.
 */
static int rule_test(const struct crule *r, const struct decode_pkt *p, enum ruleset_dir dir,
		     struct addr_cache *src, struct addr_cache *dst)
{
	if (r->dir && r->dir != dir)
		return SKIP_DIR;
	/* AH around ESP is both: `proto ah` and `proto esp` match the bundle. */
	if (r->proto >= 0 && r->proto != p->proto &&
	    !(r->proto == DECODE_PROTO_ESP && bundle_esp(p)))
		return SKIP_PROTO;
	if (!addr_match_cached(r->from, src, p->outer.version, &p->outer.src))
		return SKIP_FROM;
	if (!addr_match_cached(r->to, dst, p->outer.version, &p->outer.dst))
		return SKIP_TO;
	if (r->has_spi) {
		/* The SPI of the header the rule names: ESP's behind AH for `proto esp`. */
		const struct decode_ipsec *h = r->proto == DECODE_PROTO_ESP && bundle_esp(p) ?
					       &p->ipsec[1] : &p->ipsec[0];

		if (!p->n_ipsec || h->spi < r->spi_lo || h->spi > r->spi_hi)
			return -1;
	}
	if ((r->sport.n || r->dport.n || r->has_flags) &&
	    (!p->has_outer_l4 || !l4_match(&r->sport, &r->dport, r->has_flags, r->flags,
					   r->flags_mask, &p->outer_l4)))
		return -1;
	if (r->auth && r->auth != p->auth)
		return -1;
	if (r->inner && !inner_match(r->inner, p))
		return -1;
	return SKIP_MAX;
}

void ruleset_classify(const struct ruleset *rs, const struct decode_pkt *p, enum ruleset_dir dir,
		      struct ruleset_verdict *v)
{
	struct addr_cache src = { 0, 0 }, dst = { 0, 0 };
	size_t i = 0;

	if (dir == RULESET_DIR_AUTO)
		dir = direction(rs, p, &src, &dst);
	v->dir = dir;
	while (i < rs->n) {
		const struct crule *r = &rs->rules[i];
		int t = rule_test(r, p, dir, &src, &dst);

		if (t < 0) {
			i++;
			continue;
		}
		if (t < SKIP_MAX) {
			i = r->skip[t];
			continue;
		}
		v->rule = (unsigned)i + 1;
		v->verdict = r->verdict;
		v->log = r->log;
		v->has_mark = r->has_mark;
		v->mark = r->mark;
		return;
	}
	v->rule = 0;
	v->verdict = rs->policy;
	v->log = false;
	v->has_mark = false;
	v->mark = 0;
}

enum ruleset_dir ruleset_direction(const struct ruleset *rs, const struct decode_pkt *p)
{
	struct addr_cache src = { 0, 0 }, dst = { 0, 0 };

	return direction(rs, p, &src, &dst);
}

/* ---- building ---- */

static void compile_ports(struct ruleset *rs, struct portm *pm, const struct rules_ports *p)
{
	pm->neg = p->neg;
	pm->n = p->n;
	pm->r = NULL;
	if (p->n) {
		pm->r = own(rs, xcalloc(p->n, sizeof(*pm->r)));
		memcpy(pm->r, p->r, p->n * sizeof(*pm->r));
	}
}

static const struct cinner *compile_inner(struct ruleset *rs, const struct rules_inner *in,
					  const struct named_addrm *sets, size_t n_sets)
{
	struct cinner *c;

	if (!in->present)
		return NULL;
	c = own(rs, xcalloc(1, sizeof(*c)));
	c->proto = (int16_t)in->proto;
	c->has_flags = in->has_flags;
	c->flags = in->flags;
	c->flags_mask = in->flags_mask;
	c->from = compile_addr(rs, &in->from, sets, n_sets);
	c->to = compile_addr(rs, &in->to, sets, n_sets);
	compile_ports(rs, &c->sport, &in->sport);
	compile_ports(rs, &c->dport, &in->dport);
	return c;
}

static void compile_rule(struct ruleset *rs, struct crule *c, const struct rules_rule *r,
			 const struct named_addrm *sets, size_t n_sets)
{
	c->dir = r->dir == RULES_DIR_IN ? RULESET_DIR_IN :
		 r->dir == RULES_DIR_OUT ? RULESET_DIR_OUT : 0;
	c->proto = (int16_t)r->proto;
	c->has_spi = r->has_spi;
	c->spi_lo = r->spi_lo;
	c->spi_hi = r->spi_hi;
	c->has_flags = r->has_flags;
	c->flags = r->flags;
	c->flags_mask = r->flags_mask;
	c->from = compile_addr(rs, &r->from, sets, n_sets);
	c->to = compile_addr(rs, &r->to, sets, n_sets);
	compile_ports(rs, &c->sport, &r->sport);
	compile_ports(rs, &c->dport, &r->dport);
	c->inner = compile_inner(rs, &r->inner, sets, n_sets);
	c->verdict = (uint8_t)r->verdict;
	c->log = r->log;
	c->auth = r->auth == RULES_AUTH_VERIFIED ? DECODE_AUTH_VERIFIED :
		  r->auth == RULES_AUTH_UNVERIFIED ? DECODE_AUTH_UNVERIFIED :
		  r->auth == RULES_AUTH_REPLAYED ? DECODE_AUTH_REPLAYED : 0;
	c->has_mark = r->has_mark;
	c->mark = r->mark;
}

static bool same_field(const struct crule *a, const struct crule *b, int f)
{
	switch (f) {
	case SKIP_DIR:
		return a->dir == b->dir;
	case SKIP_PROTO:
		return a->proto == b->proto;
	case SKIP_FROM:
		return a->from == b->from;
	default:
		return a->to == b->to;
	}
}

/* pf_calc_skip_steps, backwards: skip[f] is the next rule that differs in field f. */
static void build_skips(struct ruleset *rs)
{
	size_t i;
	int f;

	for (i = rs->n; i-- > 0;) {
		for (f = 0; f < SKIP_MAX; f++) {
			struct crule *r = &rs->rules[i];

			if (i + 1 < rs->n && same_field(r, &rs->rules[i + 1], f))
				r->skip[f] = rs->rules[i + 1].skip[f];
			else
				r->skip[f] = (uint32_t)(i + 1);
		}
	}
}

static void build_text(struct ruleset *rs, const struct rules_file *f)
{
	char buf[32];
	size_t i;

	rs->text = own(rs, xcalloc(f->n_rules + 1, sizeof(*rs->text)));
	snprintf(buf, sizeof(buf), "policy %s", rules_verdict_name(f->policy));
	rs->text[0] = own(rs, xstrdup(buf));
	for (i = 0; i < f->n_rules; i++)
		rs->text[i + 1] = own(rs, rules_rule_text(&f->rules[i]));
}

/* Append the definition of every set that `text` names ($name), once each, to *key. */
static void key_add_sets(const struct rules_file *f, const char *text, bool *used, char **key,
			 size_t *len)
{
	for (const char *p = strchr(text, '$'); p; p = strchr(p + 1, '$')) {
		size_t n = strspn(p + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					 "0123456789_-");

		for (size_t i = 0; i < f->n_sets; i++) {
			char *body;
			size_t bl;

			if (used[i] || strlen(f->sets[i].name) != n ||
			    memcmp(f->sets[i].name, p + 1, n) != 0)
				continue;
			used[i] = true;
			body = rules_addr_text(&f->sets[i].addr);
			bl = strlen(body);
			*key = xrealloc(*key, *len + n + bl + 8);
			*len += (size_t)sprintf(*key + *len, "\n$%s=%s", f->sets[i].name, body);
			key_add_sets(f, body, used, key, len);	/* sets refer to earlier sets */
			free(body);
		}
	}
}

/*
 * A rule's identity across reloads: its normalized text and the definitions of the sets it
 * uses, so that a rule whose $int changed counts as changed.
 */
static void build_keys(struct ruleset *rs, const struct rules_file *f)
{
	bool *used = xcalloc(f->n_sets + 1, sizeof(*used));

	rs->key = own(rs, xcalloc(rs->n + 1, sizeof(*rs->key)));
	for (size_t i = 0; i <= rs->n; i++) {
		size_t len = strlen(rs->text[i]);
		char *key = xstrdup(rs->text[i]);

		memset(used, 0, (f->n_sets + 1) * sizeof(*used));
		key_add_sets(f, rs->text[i], used, &key, &len);
		rs->key[i] = own(rs, key);
	}
	free(used);
}

static void build_ifaces(struct ruleset *rs, const struct rules_file *f)
{
	rs->n_ext_ifs = f->ext_ifs.n;
	rs->n_ifs = f->ext_ifs.n + f->int_ifs.n;
	rs->ifnames = own(rs, xcalloc(rs->n_ifs + 1, sizeof(*rs->ifnames)));
	if (f->ext_ifs.n)
		memcpy(rs->ifnames, f->ext_ifs.names, f->ext_ifs.n * sizeof(*rs->ifnames));
	if (f->int_ifs.n)
		memcpy(rs->ifnames + f->ext_ifs.n, f->int_ifs.names,
		       f->int_ifs.n * sizeof(*rs->ifnames));
}

static void build_direction(struct ruleset *rs, const struct named_addrm *sets, size_t n_sets)
{
	const struct addrm *ext;
	struct addrm *c;

	rs->int_set = find_set(sets, n_sets, "int");
	rs->has_int = rs->int_set != NULL;
	if (!rs->int_set)
		return;
	ext = find_set(sets, n_sets, "ext");
	if (ext) {
		rs->ext_set = ext;
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->id = rs->n_addrm < 64 ? rs->n_addrm++ : -1;
	c->neg_of = rs->int_set;
	merge_into(c, rs->int_set);
	complement(c);
	own(rs, c->r4);
	own(rs, c->r6);
	rs->ext_set = own(rs, c);
}

struct ruleset *ruleset_build(const struct rules_file *f, unsigned nthreads, struct diag_list *dl)
{
	struct named_addrm *sets;
	struct ruleset *rs;
	size_t i;

	(void)dl;	/* the parser has already refused everything this could refuse */
	if (!nthreads)
		nthreads = 1;
	rs = xcalloc(1, sizeof(*rs));
	sets = xcalloc(f->n_sets + 1, sizeof(*sets));
	for (i = 0; i < f->n_sets; i++) {
		snprintf(sets[i].name, sizeof(sets[i].name), "%s", f->sets[i].name);
		sets[i].m = compile_addr(rs, &f->sets[i].addr, sets, i);
	}
	rs->n = f->n_rules;
	rs->rules = own(rs, xcalloc(f->n_rules + 1, sizeof(*rs->rules)));
	for (i = 0; i < f->n_rules; i++)
		compile_rule(rs, &rs->rules[i], &f->rules[i], sets, f->n_sets);
	build_skips(rs);
	rs->policy = (uint8_t)f->policy;
	rs->icv_policy = (uint8_t)f->icv_policy;
	rs->replay_policy = (uint8_t)f->replay_policy;
	rs->has_ifaces = f->ext_ifs.n || f->int_ifs.n;
	build_direction(rs, sets, f->n_sets);
	build_text(rs, f);
	build_keys(rs, f);
	build_ifaces(rs, f);
	free(sets);
	rs->nthreads = nthreads;
	rs->stride = (rs->n + 1 + 3) & ~(size_t)3;	/* 4 x 16 bytes = one cache line */
	rs->counters = aligned_alloc(CACHELINE,
				     rs->stride * (nthreads + 1) * sizeof(*rs->counters));
	if (!rs->counters) {
		ruleset_free(rs);
		return NULL;
	}
	memset(rs->counters, 0, rs->stride * (nthreads + 1) * sizeof(*rs->counters));
	return rs;
}

void ruleset_free(struct ruleset *rs)
{
	size_t i;

	if (!rs)
		return;
	for (i = 0; i < rs->n_owned; i++)
		free(rs->owned[i]);
	free(rs->owned);
	free(rs->counters);
	free(rs);
}

size_t ruleset_rule_count(const struct ruleset *rs)
{
	return rs->n;
}

const char *ruleset_rule_text(const struct ruleset *rs, size_t n)
{
	return n <= rs->n ? rs->text[n] : NULL;
}

uint8_t ruleset_icv_policy(const struct ruleset *rs)
{
	return rs->icv_policy;
}

uint8_t ruleset_replay_policy(const struct ruleset *rs)
{
	return rs->replay_policy;
}

uint8_t ruleset_policy(const struct ruleset *rs)
{
	return rs->policy;
}

bool ruleset_has_interfaces(const struct ruleset *rs)
{
	return rs->has_ifaces;
}

bool ruleset_has_int_set(const struct ruleset *rs)
{
	return rs->has_int;
}

struct counters_pkt *ruleset_counters(const struct ruleset *rs, unsigned thread)
{
	return &rs->counters[(size_t)thread * rs->stride];
}

void ruleset_counters_sum(const struct ruleset *rs, struct counters_pkt *out)
{
	size_t t, j;

	for (j = 0; j <= rs->n; j++)
		out[j] = (struct counters_pkt){ 0 };
	for (t = 0; t <= rs->nthreads; t++)	/* the carry row too */
		for (j = 0; j <= rs->n; j++) {
			out[j].packets += counters_read(&rs->counters[t * rs->stride + j].packets);
			out[j].bytes += counters_read(&rs->counters[t * rs->stride + j].bytes);
		}
}

size_t ruleset_iface_count(const struct ruleset *rs)
{
	return rs->n_ifs;
}

const char *ruleset_iface(const struct ruleset *rs, size_t i, bool *external)
{
	*external = i < rs->n_ext_ifs;
	return rs->ifnames[i];
}

size_t ruleset_carry_counters(struct ruleset *to, const struct ruleset *from)
{
	struct counters_pkt *sum = calloc(from->n + 1, sizeof(*sum));
	bool *taken = calloc(from->n + 1, sizeof(*taken));
	struct counters_pkt *carry = &to->counters[to->nthreads * to->stride];
	size_t carried = 0;

	if (!sum || !taken) {	/* the daemon runs this: no abort; the counters start over */
		free(sum);
		free(taken);
		return 0;
	}
	ruleset_counters_sum(from, sum);
	/* Pair each new rule with the first old rule of the same key not yet paired. */
	for (size_t i = 0; i <= to->n; i++)
		for (size_t j = 0; j <= from->n; j++) {
			if (taken[j] || (i == 0) != (j == 0) || strcmp(to->key[i], from->key[j]))
				continue;
			taken[j] = true;
			counters_add(&carry[i].packets, sum[j].packets);
			counters_add(&carry[i].bytes, sum[j].bytes);
			carried += i > 0;
			break;
		}
	free(taken);
	free(sum);
	return carried;
}
