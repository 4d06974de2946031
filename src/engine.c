// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * engine: the per-thread pipeline, decode -> (IPsec stages, later) -> classify -> count.
 * Shared by ipsecfwd and ipsecfw replay so that what replay says is what the daemon does.
 *
 * Threading: one engine per packet thread. Its counter block is written only by that thread
 * (relaxed stores) and read by whoever aggregates. The ruleset is read-only here.
 */
#include "ipsecfw/engine.h"

#include <stdlib.h>
#include <string.h>

#include <urcu.h>

#include "ipsecfw/ah.h"
#include "ipsecfw/decode.h"
#include "ipsecfw/esp.h"
#include "ipsecfw/log.h"
#include "ipsecfw/rules.h"

/* Hot first: the counter block is touched on every packet, the decoded view after it. */
struct engine {
	struct counters_thread stats;
	struct decode_pkt pkt;
	unsigned thread;
	uint16_t queue;
	struct log_ring *log;
	const struct sa_table *sat;	/* NULL: no SA store, every AH is unverified */
	struct sa *sa;			/* the SA of the last packet's AH, or NULL */
	uint64_t seq;			/* its full sequence number */
	enum ah_result ah;		/* the last packet's AH outcome (when it had AH) */
	struct sa *esp_sa;		/* the SA of its ESP, or NULL */
	uint64_t esp_seq;
	enum esp_result esp;		/* its ESP outcome (when it had ESP) */
	uint8_t *scratch;		/* AH_SCRATCH_SIZE bytes for the ICV input / plaintext */
	uint8_t *scratch2;		/* the same again: a nested ESP decrypts from one to the other */
};

_Static_assert((int)COUNTERS_ESP_VERIFIED == (int)ESP_OK &&
	       (int)COUNTERS_ESP_BAD_INNER == (int)ESP_BAD_INNER &&
	       (int)COUNTERS_ESP_MAX == (int)ESP_RESULT_MAX, "ESP results and counters out of step");

_Static_assert((int)COUNTERS_IPSEC_VERIFIED == (int)AH_OK &&
	       (int)COUNTERS_IPSEC_REPLAYED == (int)AH_REPLAYED &&
	       (int)COUNTERS_IPSEC_MAX == (int)AH_RESULT_MAX,
	       "AH results and ipsec counters out of step");

_Static_assert(sizeof(struct decode_pkt) <= LOG_REC_DATA, "a log record holds a decoded view");

void engine_set_log(struct engine *e, struct log_ring *ring, uint16_t queue)
{
	e->log = ring;
	e->queue = queue;
}

/* Push a log record: a copy, no I/O; a full ring counts a drop and moves on. */
static void log_packet(struct engine *e, const struct engine_verdict *v)
{
	struct log_rec *r = log_ring_reserve(e->log);
	struct decode_pkt *p;

	if (!r)
		return;
	r->rule = v->rule;
	r->len = (uint32_t)v->len;
	r->queue = e->queue;
	r->verdict = v->verdict;
	r->dir = (uint8_t)v->dir;
	r->reason = (uint8_t)v->reason;
	p = (struct decode_pkt *)r->data;
	*p = e->pkt;
	p->data = NULL;
	log_ring_commit(e->log);
}

/* Decoder outcomes and reason codes are kept in the same order (see counters.h). */
_Static_assert((int)COUNTERS_R_TRUNCATED == (int)DECODE_TRUNCATED &&
	       (int)COUNTERS_R_TOO_DEEP == (int)DECODE_TOO_DEEP &&
	       (int)COUNTERS_R_DECODE_LAST + 1 == (int)DECODE_RESULT_MAX,
	       "decode results and counter reasons out of step");

struct engine *engine_new(unsigned thread)
{
	struct engine *e = aligned_alloc(CACHELINE, (sizeof(struct engine) + CACHELINE - 1) &
					 ~(size_t)(CACHELINE - 1));

	if (!e)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->thread = thread;
	e->scratch = malloc(AH_SCRATCH_SIZE);
	e->scratch2 = malloc(AH_SCRATCH_SIZE);
	if (!e->scratch || !e->scratch2) {
		free(e->scratch);
		free(e->scratch2);
		free(e);
		return NULL;
	}
	return e;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	free(e->scratch);
	free(e->scratch2);
	free(e);
}

void engine_set_sa(struct engine *e, const struct sa_table *t)
{
	e->sat = t;
}

int engine_esp_result(const struct engine *e, const struct sa **sa, uint64_t *seq)
{
	if (sa)
		*sa = e->esp_sa;
	if (seq)
		*seq = e->esp_seq;
	return (int)e->esp;
}

/* The ESP header the IPsec stage handles: first in the outer chain, or right behind AH. */
static int esp_index(const struct decode_pkt *p)
{
	if (p->n_ipsec && p->ipsec[0].proto == DECODE_PROTO_ESP)
		return 0;
	if (p->n_ipsec > 1 && p->ipsec[0].proto == DECODE_PROTO_AH &&
	    p->ipsec[1].proto == DECODE_PROTO_ESP && !p->has_inner_ip)
		return 1;
	return -1;
}

/* The worse of two states: failed > replayed > unverified > verified > none. */
static enum decode_auth worse(enum decode_auth a, enum decode_auth b)
{
	static const uint8_t rank[] = {
		[DECODE_AUTH_NONE] = 0, [DECODE_AUTH_VERIFIED] = 1, [DECODE_AUTH_UNVERIFIED] = 2,
		[DECODE_AUTH_REPLAYED] = 3, [DECODE_AUTH_FAILED] = 4,
	};

	return rank[a] >= rank[b] ? a : b;
}

/* ESP: decrypt with the SA when the store has one; drops by the same knobs as AH. */
static enum counters_reason esp_stage(struct engine *e, const struct ruleset *rs)
{
	struct decode_pkt *p = &e->pkt;
	int k = esp_index(p);
	enum esp_result r;
	enum decode_auth st;
	enum counters_reason why = COUNTERS_R_NONE;

	const uint8_t *base = p->data;
	uint8_t *out = e->scratch;
	bool inner = false;

	e->esp_sa = NULL;
	if (k < 0)
		return COUNTERS_R_NONE;
next_layer:
	e->esp_sa = esp_lookup(e->sat, p, (unsigned)k, inner);
	r = e->esp_sa ? esp_decrypt(p, (unsigned)k, base, e->esp_sa, e->thread, out,
				    &e->esp_seq) : ESP_NO_SA;
	e->esp = r;
	counters_add(&e->stats.esp[r], 1);
	/* A tunnel that carries ESP again (nested SAs): decrypt the next layer into the other
	 * buffer. The decoder's depth limit bounds this loop. */
	if (r == ESP_OK && p->has_inner_ip && (unsigned)k + 1 < p->n_ipsec &&
	    p->ipsec[k + 1].proto == DECODE_PROTO_ESP) {
		k++;
		base = out;
		out = out == e->scratch ? e->scratch2 : e->scratch;
		inner = true;
		p->auth = p->auth == DECODE_AUTH_NONE ? DECODE_AUTH_VERIFIED : p->auth;
		goto next_layer;
	}
	switch (r) {
	case ESP_OK:
	case ESP_DUMMY:
		st = DECODE_AUTH_VERIFIED;
		break;
	case ESP_NO_SA:
		st = DECODE_AUTH_UNVERIFIED;
		break;
	case ESP_REPLAYED:
		st = DECODE_AUTH_REPLAYED;
		if (ruleset_replay_policy(rs) != RULES_PASS)
			why = COUNTERS_R_REPLAYED;
		break;
	case ESP_BAD_INNER:
		st = DECODE_AUTH_FAILED;
		why = COUNTERS_R_BAD_INNER;	/* authentic, but nothing a rule could judge */
		break;
	default:
		st = DECODE_AUTH_FAILED;
		if (ruleset_icv_policy(rs) != RULES_PASS)
			why = r == ESP_BAD_PADDING ? COUNTERS_R_BAD_PADDING :
			      r == ESP_BAD_LENGTH ? COUNTERS_R_BAD_ESP_LENGTH : COUNTERS_R_ICV_FAIL;
		break;
	}
	/* Behind AH, the packet is as trustworthy as its weaker layer. */
	p->auth = p->auth == DECODE_AUTH_NONE ? st : worse(p->auth, st);
	return why;
}

int engine_ah_result(const struct engine *e, const struct sa **sa, uint64_t *seq)
{
	if (sa)
		*sa = e->sa;
	if (seq)
		*seq = e->seq;
	return (int)e->ah;
}

/*
 * The IPsec stage for AH in the outer header chain: find the SA, verify, and record what was
 * found in the decoded view for the rules. Returns the reason when the packet is dropped
 * before the rules (`policy icv-failure` / `policy replay`), else COUNTERS_R_NONE.
 */
static enum counters_reason ipsec_stage(struct engine *e, const struct ruleset *rs)
{
	struct decode_pkt *p = &e->pkt;
	enum ah_result r;

	e->sa = NULL;
	if (!p->n_ipsec || p->ipsec[0].proto != DECODE_PROTO_AH)
		return COUNTERS_R_NONE;
	e->sa = ah_lookup(e->sat, p);
	r = e->sa ? ah_verify(p, e->sa, e->thread, e->scratch, &e->seq) : AH_NO_SA;
	e->ah = r;
	counters_add(&e->stats.ah[r], 1);
	switch (r) {
	case AH_OK:
		p->auth = DECODE_AUTH_VERIFIED;
		return COUNTERS_R_NONE;
	case AH_NO_SA:
	case AH_FRAGMENT:
		p->auth = DECODE_AUTH_UNVERIFIED;
		return COUNTERS_R_NONE;
	case AH_REPLAYED:
		p->auth = DECODE_AUTH_REPLAYED;
		return ruleset_replay_policy(rs) == RULES_PASS ? COUNTERS_R_NONE : COUNTERS_R_REPLAYED;
	case AH_BAD_LENGTH:
		p->auth = DECODE_AUTH_FAILED;
		return ruleset_icv_policy(rs) == RULES_PASS ? COUNTERS_R_NONE
							   : COUNTERS_R_BAD_ICV_LENGTH;
	default:
		p->auth = DECODE_AUTH_FAILED;
		return ruleset_icv_policy(rs) == RULES_PASS ? COUNTERS_R_NONE : COUNTERS_R_ICV_FAIL;
	}
}

const struct counters_thread *engine_stats(const struct engine *e)
{
	return &e->stats;
}

/* Count a drop where it is decided: one place sets the reason and bumps its counter. */
static void drop(struct engine *e, struct engine_verdict *v, enum counters_reason r)
{
	v->verdict = RULES_BLOCK;
	v->reason = r;
	counters_add(&e->stats.reason[r], 1);
}

void engine_process(struct engine *e, const struct ruleset *rs, const uint8_t *data, size_t len,
		    enum engine_dir_source src, enum ruleset_dir dir, struct engine_verdict *v)
{
	struct counters_pkt *rc;
	struct ruleset_verdict rv;
	enum counters_reason reason;
	enum decode_result dr;

	*v = (struct engine_verdict){ .pkt = &e->pkt };
	e->ah = AH_NO_SA;
	e->esp = ESP_NO_SA;
	e->esp_sa = NULL;
	dr = decode_packet(&e->pkt, data, len);
	/* Count the IP datagram, not link-layer padding a capture may carry after it. */
	if (dr == DECODE_OK)
		len = e->pkt.outer.total_len;
	v->len = len;
	counters_add(&e->stats.received, 1);
	counters_add(&e->stats.received_bytes, len);
	if (dr != DECODE_OK) {
		drop(e, v, (enum counters_reason)dr);
		goto count;
	}
	counters_add(&e->stats.decoded, 1);
	reason = ipsec_stage(e, rs);
	if (reason == COUNTERS_R_NONE)
		reason = esp_stage(e, rs);
	if (reason != COUNTERS_R_NONE) {
		drop(e, v, reason);
		goto count;
	}
	ruleset_classify(rs, &e->pkt, src == ENGINE_DIR_GIVEN ? dir : RULESET_DIR_AUTO, &rv);
	v->dir = rv.dir;
	v->verdict = rv.verdict;
	v->rule = rv.rule;
	v->log = rv.log;
	v->has_mark = rv.has_mark;
	v->mark = rv.mark;
	rc = ruleset_counters(rs, e->thread);
	counters_add(&rc[rv.rule].packets, 1);
	counters_add(&rc[rv.rule].bytes, len);
	if (v->log && e->log)
		log_packet(e, v);
count:
	counters_add(&e->stats.verdict[v->verdict].packets, 1);
	counters_add(&e->stats.verdict[v->verdict].bytes, len);
}

void engine_thread_register(void)
{
	rcu_register_thread();
}

void engine_thread_unregister(void)
{
	rcu_unregister_thread();
}

void engine_read_begin(void)
{
	rcu_read_lock();
}

void engine_read_end(void)
{
	rcu_read_unlock();
}

const void *engine_deref(void *const *slot)
{
	return rcu_dereference(*(void **)slot);
}

void *engine_swap(void **slot, void *p)
{
	void *old = rcu_xchg_pointer(slot, p);

	synchronize_rcu();
	return old;
}

/* -1 unknown, 0 internal, 1 external. The map holds a handful of entries: a scan is fastest. */
static int if_class(const struct engine_ifmap *m, uint32_t ifindex)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->ifindex[i] == ifindex)
			return m->external[i];
	return -1;
}

enum ruleset_dir engine_ifmap_dir(const struct engine_ifmap *m, uint32_t indev, uint32_t outdev)
{
	int in = indev ? if_class(m, indev) : -1;
	int out = outdev ? if_class(m, outdev) : -1;

	if (in == 1)
		return out == 1 ? RULESET_DIR_NONE : RULESET_DIR_IN;
	if (in == 0)
		return out == 0 ? RULESET_DIR_NONE : RULESET_DIR_OUT;
	/* Unknown or no input device: the output device decides (local output, or forwarded
	 * from an undeclared device). */
	if (out == 0)
		return RULESET_DIR_IN;
	if (out == 1)
		return RULESET_DIR_OUT;
	return RULESET_DIR_NONE;
}
