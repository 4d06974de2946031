// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * daemon: ipsecfwd's threads and control loop.
 *
 * Threads: one packet thread per queue (nfqio_run_burst -> engine_process, in an RCU read
 * section that spans one burst, never a blocking receive), and the main thread, which runs
 * the control loop: poll() over the control socket's connections, a signalfd (HUP: reload;
 * TERM, INT: stop) and a route-netlink socket (link changes rebuild the interface map), with
 * a 100 ms tick that drains the packet threads' log rings.
 *
 * Stopping: set `stop`, then nudge each packet thread with SIGUSR1 (a no-op handler without
 * SA_RESTART) until it leaves its blocking receive. Each thread then answers whatever is
 * already waiting on its socket without blocking, and exits; then the queues are unbound.
 */
#define _GNU_SOURCE
#include "ipsecfw/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cap-ng.h>

#include "ipsecfw/counters.h"
#include "ipsecfw/ctl.h"
#include "ipsecfw/decode.h"
#include "ipsecfw/engine.h"
#include "ipsecfw/log.h"
#include "ipsecfw/nfq.h"
#include "ipsecfw/replay.h"
#include "ipsecfw/rules.h"
#include "ipsecfw/ruleset.h"
#include "ipsecfw/sa.h"

#define LOG_RING_ORDER	10	/* 1024 records per packet thread */
#define DRAIN_MAX	4096	/* bursts answered without blocking when stopping */
#define TICK_MS		100

_Static_assert(ENGINE_IFMAP_MAX >= RULES_IFACES_MAX, "every declared interface has a slot");

/* What packet threads read: published with engine_swap, immutable afterwards. */
struct live {
	struct ruleset *rs;
	struct engine_ifmap map;
	bool use_ifaces;	/* the file declared interfaces: direction from the devices */
};

struct pthread_ctx {
	struct engine *e;
	struct nfqio_queue *q;
	struct log_ring *ring;
	struct daemon *d;
	pthread_t tid;
	bool started;
	int exited;		/* set by the thread when it returns (atomic) */
	int failed_errno;	/* set (atomic) when the queue socket failed */
	/* per burst: the configuration loaded at the first packet */
	const struct live *live;
};

struct daemon {
	const struct daemon_opts *o;
	struct live *live;		/* RCU-published */
	char *rules_path;		/* absolute path of the loaded file */
	unsigned nq;
	struct pthread_ctx *pt;
	struct ctl_server *ctl;
	struct nfqio_linkwatch *links;
	struct sa_table *sat;		/* the SA store (-k and `ipsecfw sa`); lock-free for readers */
	struct log_writer lw;
	int sigfd;
	int stop;			/* atomic */
	time_t started;
	time_t loaded;
	uint64_t reloads;
	uint64_t reload_failures;
	uint64_t link_changes;
	uint64_t carried;		/* rules whose counters the last reload carried over */
};

/* ---- configuration ---- */

static void diags_to(FILE *f, const struct diag_list *dl, bool json)
{
	char buf[512];

	for (unsigned i = 0; i < dl->n; i++) {
		diag_format(&dl->d[i], buf, sizeof(buf));
		if (json) {
			if (i)
				fputc(',', f);
			json_write_str(f, buf);
		} else {
			fprintf(f, "%s%s", i ? "\n" : "", buf);
		}
	}
	if (dl->dropped && !json)
		fprintf(f, "\n%u more errors not shown", dl->dropped);
}

/* Resolve the ruleset's interface names to indexes; a missing device is simply absent. */
static void build_ifmap(const struct ruleset *rs, struct engine_ifmap *m)
{
	size_t n = ruleset_iface_count(rs);

	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < n && m->n < ENGINE_IFMAP_MAX; i++) {
		bool ext;
		const char *name = ruleset_iface(rs, i, &ext);
		unsigned idx = if_nametoindex(name);

		if (!idx)
			continue;
		m->ifindex[m->n] = idx;
		m->external[m->n] = ext;
		m->n++;
	}
}

/* Parse and build `path`; NULL with diagnostics. */
static struct live *load(struct daemon *d, const char *path, struct diag_list *dl)
{
	struct rules_file *f = rules_parse_file(path, dl);
	struct live *l;

	if (!f)
		return NULL;
	l = calloc(1, sizeof(*l));
	if (!l) {
		diag_add(dl, path, 0, 0, "out of memory");
		rules_file_free(f);
		return NULL;
	}
	l->rs = ruleset_build(f, d->nq, dl);
	rules_file_free(f);
	if (!l->rs) {
		if (!dl->n)
			diag_add(dl, path, 0, 0, "out of memory");
		free(l);
		return NULL;
	}
	l->use_ifaces = ruleset_has_interfaces(l->rs);
	build_ifmap(l->rs, &l->map);
	return l;
}

static void warn_missing_ifaces(struct daemon *d, const struct live *l)
{
	size_t n = ruleset_iface_count(l->rs);

	for (size_t i = 0; i < n; i++) {
		bool ext;
		const char *name = ruleset_iface(l->rs, i, &ext);

		if (!if_nametoindex(name))
			log_msg(&d->lw, LOG_WARNING, "interface %s (%s) does not exist (yet); "
				"it counts once it appears", name, ext ? "external" : "internal");
	}
}

/* Swap in `nl` and free the old record after the grace period, carrying counters. */
static void publish(struct daemon *d, struct live *nl)
{
	struct live *old = engine_swap((void **)&d->live, nl);

	if (!old)
		return;
	if (old->rs != nl->rs) {
		d->carried = ruleset_carry_counters(nl->rs, old->rs);
		ruleset_free(old->rs);
	}
	free(old);
}

/* Reload from path (NULL: the current file). 0, or -1 with the reasons written to err. */
static int reload(struct daemon *d, const char *path, FILE *err)
{
	struct diag_list dl = { 0 };
	char *abs = NULL;
	struct live *nl;

	if (!path)
		path = d->rules_path;
	abs = realpath(path, NULL);
	nl = load(d, abs ? abs : path, &dl);
	if (!nl) {
		d->reload_failures++;
		if (err)
			diags_to(err, &dl, false);
		{
			char *buf = NULL;
			size_t len = 0;
			FILE *m = open_memstream(&buf, &len);

			if (m) {
				diags_to(m, &dl, false);
				if (fclose(m) == 0)
					log_msg(&d->lw, LOG_ERR, "reload refused, the running rules stay:"
						"\n%s", buf);
				free(buf);
			}
		}
		free(abs);
		return -1;
	}
	if (abs) {
		free(d->rules_path);
		d->rules_path = abs;
	}
	publish(d, nl);
	d->reloads++;
	d->loaded = time(NULL);
	warn_missing_ifaces(d, nl);
	log_msg(&d->lw, LOG_NOTICE, "reloaded %s: %zu rules, %" PRIu64 " kept their counters",
		d->rules_path, ruleset_rule_count(nl->rs), d->carried);
	return 0;
}

static void links_changed(struct daemon *d)
{
	struct live *nl = malloc(sizeof(*nl));

	if (!nl) {
		log_msg(&d->lw, LOG_ERR, "link change: out of memory; interface map not updated");
		return;
	}
	*nl = *d->live;
	build_ifmap(nl->rs, &nl->map);
	if (memcmp(&nl->map, &d->live->map, sizeof(nl->map)) == 0) {
		free(nl);
		return;
	}
	d->link_changes++;
	publish(d, nl);
}

/* ---- packet threads ---- */

static void judge(void *arg, const struct nfqio_pkt *p, struct nfqio_verdict *v)
{
	struct pthread_ctx *c = arg;
	struct engine_verdict ev;
	enum ruleset_dir dir = RULESET_DIR_NONE;

	if (!c->live) {	/* first packet of the burst: enter the read section */
		engine_read_begin();
		c->live = engine_deref((void *const *)&c->d->live);
	}
	if (c->live->use_ifaces)
		dir = engine_ifmap_dir(&c->live->map, p->indev, p->outdev);
	engine_process(c->e, c->live->rs, p->data, p->len,
		       c->live->use_ifaces ? ENGINE_DIR_GIVEN : ENGINE_DIR_FROM_ADDRS, dir, &ev);
	v->accept = ev.verdict == RULES_PASS;
	v->has_mark = ev.has_mark;
	v->mark = ev.mark;
}

static int burst(struct pthread_ctx *c, bool nonblock)
{
	int n = nfqio_run_burst(c->q, judge, c, nonblock);

	if (c->live) {
		engine_read_end();
		c->live = NULL;
	}
	return n;
}

static void *packet_thread(void *arg)
{
	struct pthread_ctx *c = arg;
	sigset_t usr1;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
	engine_thread_register();
	while (!__atomic_load_n(&c->d->stop, __ATOMIC_ACQUIRE)) {
		if (burst(c, false) < 0) {
			__atomic_store_n(&c->failed_errno, errno ? errno : EIO, __ATOMIC_RELEASE);
			goto out;
		}
	}
	/* Stopping: answer what has already arrived, without waiting for more. */
	for (int i = 0; i < DRAIN_MAX && burst(c, true) > 0; i++)
		;
out:
	engine_thread_unregister();
	__atomic_store_n(&c->exited, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void nudge(int sig)
{
	(void)sig;	/* only interrupts the blocking receive */
}

/* ---- control requests ---- */

static void json_pkt(FILE *f, const char *name, const struct counters_pkt *p)
{
	fprintf(f, "\"%s\":{\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 "}", name, p->packets,
		p->bytes);
}

static void sum_engines(const struct daemon *d, struct counters_thread *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (unsigned i = 0; i < d->nq; i++) {
		struct counters_thread one;

		counters_thread_sum(engine_stats(d->pt[i].e), 1, &one);
		sum->received += one.received;
		sum->received_bytes += one.received_bytes;
		sum->decoded += one.decoded;
		for (int v = 0; v < 2; v++) {
			sum->verdict[v].packets += one.verdict[v].packets;
			sum->verdict[v].bytes += one.verdict[v].bytes;
		}
		for (int r = 0; r < COUNTERS_R_MAX; r++)
			sum->reason[r] += one.reason[r];
		for (int r = 0; r < COUNTERS_IPSEC_MAX; r++)
			sum->ah[r] += one.ah[r];
		for (int r = 0; r < COUNTERS_ESP_MAX; r++)
			sum->esp[r] += one.esp[r];
	}
}

static void json_reasons(FILE *f, const struct counters_thread *t)
{
	fputs("\"reasons\":{", f);
	for (int r = 1; r < COUNTERS_R_MAX; r++)
		fprintf(f, "%s\"%s\":%" PRIu64, r > 1 ? "," : "", counters_reason_name(r),
			t->reason[r]);
	fputc('}', f);
}

static int cmd_counters(struct daemon *d, FILE *f)
{
	const struct ruleset *rs = d->live->rs;	/* the updater's own pointer: no read lock */
	size_t n = ruleset_rule_count(rs);
	struct counters_pkt *rc = calloc(n + 1, sizeof(*rc));
	struct counters_thread t;

	if (!rc) {
		fputs("out of memory", f);
		return -1;
	}
	ruleset_counters_sum(rs, rc);
	sum_engines(d, &t);
	fprintf(f, "\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 ",", t.received, t.received_bytes);
	json_pkt(f, "pass", &t.verdict[RULES_PASS]);
	fputc(',', f);
	json_pkt(f, "block", &t.verdict[RULES_BLOCK]);
	fputs(",\"rules\":[", f);
	for (size_t i = 1; i <= n; i++) {
		fprintf(f, "%s{\"rule\":%zu,\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"text\":",
			i > 1 ? "," : "", i, rc[i].packets, rc[i].bytes);
		json_write_str(f, ruleset_rule_text(rs, i));
		fputc('}', f);
	}
	fprintf(f, "],\"policy\":{\"verdict\":\"%s\",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 "},",
		rules_verdict_name(ruleset_policy(rs)), rc[0].packets, rc[0].bytes);
	json_reasons(f, &t);
	fputs(",\"file\":", f);
	json_write_str(f, d->rules_path);
	fprintf(f, ",\"loaded\":%lld,\"reloads\":%" PRIu64 ",\"uptime\":%lld,\"time\":%lld",
		(long long)d->loaded, d->reloads, (long long)(time(NULL) - d->started),
		(long long)time(NULL));
	free(rc);
	return 0;
}

static int cmd_stats(struct daemon *d, FILE *f)
{
	uint64_t log_dropped = 0;
	struct counters_thread all;

	fputs("\"queues\":[", f);
	for (unsigned i = 0; i < d->nq; i++) {
		const struct nfqio_stats *q = nfqio_stats(d->pt[i].q);
		uint16_t qn = nfqio_queue_num(d->pt[i].q);
		struct counters_thread t;
		struct nfqio_kstats k;

		counters_thread_sum(engine_stats(d->pt[i].e), 1, &t);
		log_dropped += log_ring_dropped(d->pt[i].ring);
		fprintf(f, "%s{\"queue\":%u,\"received\":%" PRIu64 ",\"bytes\":%" PRIu64
			",\"decoded\":%" PRIu64 ",", i ? "," : "", qn, t.received, t.received_bytes,
			t.decoded);
		json_pkt(f, "pass", &t.verdict[RULES_PASS]);
		fputc(',', f);
		json_pkt(f, "block", &t.verdict[RULES_BLOCK]);
		fputc(',', f);
		json_reasons(f, &t);
		fprintf(f, ",\"bursts\":%" PRIu64 ",\"enobufs\":%" PRIu64 ",\"batches\":%" PRIu64
			",\"singles\":%" PRIu64 ",\"sends\":%" PRIu64 ",\"send_errors\":%" PRIu64
			",\"verdict_errors\":%" PRIu64
			",\"unjudgeable\":%" PRIu64 ",\"malformed\":%" PRIu64 ",\"log_dropped\":%" PRIu64,
			counters_read(&q->bursts), counters_read(&q->enobufs),
			counters_read(&q->batches), counters_read(&q->singles),
			counters_read(&q->sends), counters_read(&q->send_errors),
			counters_read(&q->verdict_errors),
			counters_read(&q->unjudgeable), counters_read(&q->malformed),
			log_ring_dropped(d->pt[i].ring));
		if (nfqio_kernel_stats(qn, &k) == 0)
			fprintf(f, ",\"kernel\":{\"portid\":%u,\"waiting\":%u,\"queue_dropped\":%"
				PRIu64 ",\"user_dropped\":%" PRIu64 ",\"id_sequence\":%" PRIu64 "}",
				k.portid, k.queue_total, k.queue_dropped, k.user_dropped,
				k.id_sequence);
		else
			fputs(",\"kernel\":null", f);
		fputc('}', f);
	}
	sum_engines(d, &all);
	fprintf(f, "],\"received\":%" PRIu64 ",\"decoded\":%" PRIu64 ",", all.received,
		all.decoded);
	json_pkt(f, "pass", &all.verdict[RULES_PASS]);
	fputc(',', f);
	json_pkt(f, "block", &all.verdict[RULES_BLOCK]);
	fputc(',', f);
	json_reasons(f, &all);
	fputs(",\"ah\":{", f);
	for (int r = 0; r < COUNTERS_IPSEC_MAX; r++)
		fprintf(f, "%s\"%s\":%" PRIu64, r ? "," : "", counters_ipsec_name(r), all.ah[r]);
	fputs("},\"esp\":{", f);
	for (int r = 0; r < COUNTERS_ESP_MAX; r++)
		fprintf(f, "%s\"%s\":%" PRIu64, r ? "," : "", counters_esp_name(r), all.esp[r]);
	fprintf(f, "},\"sas\":%zu", sa_count(d->sat));
	fprintf(f, ",\"log\":{\"written\":%" PRIu64 ",\"suppressed\":%" PRIu64 ",\"dropped\":%"
		PRIu64 "},\"reloads\":%" PRIu64 ",\"reload_failures\":%" PRIu64
		",\"link_changes\":%" PRIu64 ",\"control\":{\"connections\":%" PRIu64
		",\"requests\":%" PRIu64 ",\"bad_requests\":%" PRIu64 "},\"fail_open\":%s"
		",\"uptime\":%lld,\"time\":%lld",
		d->lw.written, d->lw.suppressed_total, log_dropped, d->reloads, d->reload_failures,
		d->link_changes, ctl_server_stats(d->ctl)->accepted,
		ctl_server_stats(d->ctl)->requests, ctl_server_stats(d->ctl)->bad_requests,
		d->o->fail_open ? "true" : "false", (long long)(time(NULL) - d->started),
		(long long)time(NULL));
	return 0;
}

static int cmd_reload(struct daemon *d, const struct ctl_json *req, FILE *f)
{
	const struct ctl_json *file = ctl_json_get(req, "file");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	if (file && !ctl_json_str(file)) {
		fputs("\"file\" must be a string", f);
		return -1;
	}
	m = open_memstream(&buf, &len);
	if (!m) {
		fputs("out of memory", f);
		return -1;
	}
	if (reload(d, ctl_json_str(file), m) < 0) {
		if (fclose(m) == 0)
			fprintf(f, "reload refused, the running rules stay:\n%s", buf);
		free(buf);
		return -1;
	}
	fclose(m);
	free(buf);
	fputs("\"file\":", f);
	json_write_str(f, d->rules_path);
	fprintf(f, ",\"rules\":%zu,\"carried\":%" PRIu64 ",\"reloads\":%" PRIu64,
		ruleset_rule_count(d->live->rs), d->carried, d->reloads);
	return 0;
}

/* ---- SA commands ---- */

struct sa_list_ctx {
	FILE *f;
	size_t n;
};

static void sa_list_one(void *arg, const struct sa_config *c, const struct sa_stats *st)
{
	struct sa_list_ctx *x = arg;
	char line[256], dst[INET6_ADDRSTRLEN];

	sa_config_format(c, line, sizeof(line));
	if (!inet_ntop(c->family == 4 ? AF_INET : AF_INET6, c->dst, dst, sizeof(dst)))
		snprintf(dst, sizeof(dst), "?");
	fprintf(x->f, "%s{\"spi\":%" PRIu32 ",\"dst\":\"%s\",\"proto\":\"%s\",\"sa\":",
		x->n ? "," : "", c->spi, dst, c->proto == 51 ? "ah" : "esp");
	json_write_str(x->f, line);
	fprintf(x->f, ",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"icv_failures\":%" PRIu64
		",\"replays\":%" PRIu64 ",\"bad_length\":%" PRIu64 ",\"bad_padding\":%" PRIu64
		",\"highest_seq\":%" PRIu64 "}",
		st->packets, st->bytes, st->icv_failures, st->replays, st->bad_length,
		st->bad_padding, st->highest_seq);
	x->n++;
}

static void diags_plain(FILE *f, const char *what, const struct diag_list *dl)
{
	fprintf(f, "%s: ", what);
	diags_to(f, dl, false);
}

static int cmd_sa(struct daemon *d, const char *cmd, const struct ctl_json *req, FILE *f)
{
	struct diag_list dl = { 0 };

	if (!strcmp(cmd, "sa-list")) {
		struct sa_list_ctx x = { f, 0 };

		fputs("\"sas\":[", f);
		sa_foreach(d->sat, sa_list_one, &x);
		fprintf(f, "],\"count\":%zu", x.n);
		return 0;
	}
	if (!strcmp(cmd, "sa-flush")) {
		sa_flush(d->sat);
		log_msg(&d->lw, LOG_NOTICE, "sa flush: every SA removed");
		fprintf(f, "\"count\":%zu", sa_count(d->sat));
		return 0;
	}
	if (!strcmp(cmd, "sa-import")) {
		const char *file = ctl_json_str(ctl_json_get(req, "file"));
		char buf[512];

		if (!file) {
			fputs("sa import: \"file\" must be a string", f);
			return -1;
		}
		if (sa_import_wireshark(d->sat, file, &dl) < 0) {
			diags_plain(f, "sa import refused", &dl);
			return -1;
		}
		for (unsigned i = 0; i < dl.n; i++) {
			diag_format(&dl.d[i], buf, sizeof(buf));
			log_msg(&d->lw, LOG_WARNING, "%s", buf);
		}
		log_msg(&d->lw, LOG_NOTICE, "sa import %s: %zu SAs", file, sa_count(d->sat));
		fprintf(f, "\"count\":%zu", sa_count(d->sat));
		return 0;
	}
	if (!strcmp(cmd, "sa-add")) {
		const char *line = ctl_json_str(ctl_json_get(req, "line"));

		if (!line) {
			fputs("sa add: \"line\" must be a string", f);
			return -1;
		}
		if (sa_add_line(d->sat, line, &dl) < 0) {
			diags_plain(f, "sa add refused", &dl);
			return -1;
		}
		log_msg(&d->lw, LOG_NOTICE, "sa add: %zu SAs", sa_count(d->sat));
		fprintf(f, "\"count\":%zu", sa_count(d->sat));
		return 0;
	}
	{	/* sa-del */
		const char *spi_s = ctl_json_str(ctl_json_get(req, "spi"));
		const char *dst_s = ctl_json_str(ctl_json_get(req, "dst"));
		const char *proto_s = ctl_json_str(ctl_json_get(req, "proto"));
		uint8_t dst[16] = { 0 }, family, proto;
		unsigned long long spi;
		char *end;

		if (!spi_s || !dst_s || !proto_s) {
			fputs("sa del: expected spi N dst ADDR proto ah|esp", f);
			return -1;
		}
		errno = 0;
		spi = strtoull(spi_s, &end, 0);
		if (errno || *end || !*spi_s || spi > UINT32_MAX) {
			fputs("sa del: spi must be a number (decimal or 0x hex) below 2^32", f);
			return -1;
		}
		if (inet_pton(AF_INET, dst_s, dst) == 1)
			family = 4;
		else if (inet_pton(AF_INET6, dst_s, dst) == 1)
			family = 6;
		else {
			fputs("sa del: dst must be an IPv4 or IPv6 address", f);
			return -1;
		}
		if (!strcmp(proto_s, "ah"))
			proto = 51;
		else if (!strcmp(proto_s, "esp"))
			proto = 50;
		else {
			fputs("sa del: proto must be ah or esp", f);
			return -1;
		}
		if (sa_del(d->sat, (uint32_t)spi, family, dst, proto, &dl) < 0) {
			diags_plain(f, "sa del refused", &dl);
			return -1;
		}
		log_msg(&d->lw, LOG_NOTICE, "sa del: spi 0x%08llx dst %s proto %s", spi, dst_s,
			proto_s);
		fprintf(f, "\"count\":%zu", sa_count(d->sat));
		return 0;
	}
}

static int handle(void *arg, const struct ctl_json *req, FILE *f)
{
	struct daemon *d = arg;
	const char *cmd = ctl_json_str(ctl_json_get(req, "cmd"));

	if (strcmp(cmd, "counters") == 0)
		return cmd_counters(d, f);
	if (strcmp(cmd, "stats") == 0)
		return cmd_stats(d, f);
	if (strcmp(cmd, "reload") == 0)
		return cmd_reload(d, req, f);
	if (!strcmp(cmd, "sa-list") || !strcmp(cmd, "sa-add") || !strcmp(cmd, "sa-del") ||
	    !strcmp(cmd, "sa-flush") || !strcmp(cmd, "sa-import"))
		return cmd_sa(d, cmd, req, f);
	if (strcmp(cmd, "version") == 0) {
		fprintf(f, "\"version\":\"%s\",\"pid\":%ld,\"uptime\":%lld", IPSECFW_VERSION,
			(long)getpid(), (long long)(time(NULL) - d->started));
		return 0;
	}
	fputs("unknown command \"", f);
	for (const char *p = cmd; *p && p - cmd < 64; p++)
		fputc(*p >= 0x20 && *p < 0x7f ? *p : '?', f);
	fputs("\" (try counters, stats, reload, sa-list, sa-add, sa-del, sa-flush, sa-import, version)", f);
	return -1;
}

/* ---- log writer ---- */

static void write_record(void *arg, const struct log_rec *r)
{
	struct daemon *d = arg;
	struct engine_verdict v = { .verdict = r->verdict, .rule = r->rule,
				    .reason = (enum counters_reason)r->reason,
				    .dir = (enum ruleset_dir)r->dir, .len = r->len,
				    .pkt = (const struct decode_pkt *)r->data };
	char sum[400], line[512];

	replay_describe(sum, sizeof(sum), &v);
	snprintf(line, sizeof(line), "q%u rule %u %s %s %s len %u", r->queue, r->rule,
		 rules_verdict_name(r->verdict),
		 v.dir == RULESET_DIR_IN ? "in" : v.dir == RULESET_DIR_OUT ? "out" : "-", sum,
		 r->len);
	log_write(&d->lw, LOG_INFO, line);
}

static void drain_logs(struct daemon *d)
{
	for (unsigned i = 0; i < d->nq; i++)
		if (d->pt[i].ring)
			log_ring_drain(d->pt[i].ring, write_record, d);
	log_tick(&d->lw);
}

/* ---- setup ---- */

static int drop_privileges(struct daemon *d, const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (!pw) {
		log_msg(&d->lw, LOG_ERR, "-u %s: no such user", user);
		return -1;
	}
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_NET_ADMIN) < 0 ||
	    capng_change_id((int)pw->pw_uid, (int)pw->pw_gid,
			    CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING) < 0) {
		log_msg(&d->lw, LOG_ERR, "-u %s: cannot drop privileges", user);
		return -1;
	}
	return 0;
}

static int write_pidfile(struct daemon *d, const char *path)
{
	char tmp[PATH_MAX];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		goto err;
	f = fopen(tmp, "we");
	if (!f)
		goto err;
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		goto err;
	}
	return 0;
err:
	log_msg(&d->lw, LOG_ERR, "pidfile %s: %s", path, strerror(errno));
	return -1;
}

static int start_threads(struct daemon *d)
{
	struct sigaction sa = { .sa_handler = nudge };	/* no SA_RESTART: EINTR wakes recv */

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0)
		return -1;
	for (unsigned i = 0; i < d->nq; i++) {
		int err = pthread_create(&d->pt[i].tid, NULL, packet_thread, &d->pt[i]);

		if (err) {
			log_msg(&d->lw, LOG_ERR, "cannot start packet thread: %s", strerror(err));
			return -1;
		}
		d->pt[i].started = true;
	}
	return 0;
}

static void stop_threads(struct daemon *d)
{
	bool all;

	if (!d->pt)
		return;
	__atomic_store_n(&d->stop, 1, __ATOMIC_RELEASE);
	do {
		all = true;
		for (unsigned i = 0; i < d->nq; i++)
			if (d->pt[i].started && !__atomic_load_n(&d->pt[i].exited, __ATOMIC_ACQUIRE)) {
				pthread_kill(d->pt[i].tid, SIGUSR1);
				all = false;
			}
		if (!all)
			nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	} while (!all);
	for (unsigned i = 0; i < d->nq; i++)
		if (d->pt[i].started) {
			pthread_join(d->pt[i].tid, NULL);
			d->pt[i].started = false;
		}
}

static int control_loop(struct daemon *d)
{
	struct pollfd fds[3 + CTL_CLIENTS_MAX];
	struct signalfd_siginfo si;

	for (;;) {
		int n = ctl_server_pollfds(d->ctl, fds);
		int k_sig = n, k_link = n + 1, r;

		fds[k_sig] = (struct pollfd){ .fd = d->sigfd, .events = POLLIN };
		fds[k_link] = (struct pollfd){ .fd = nfqio_linkwatch_fd(d->links), .events = POLLIN };
		r = poll(fds, (nfds_t)n + 2, TICK_MS);
		if (r < 0 && errno != EINTR) {
			log_msg(&d->lw, LOG_ERR, "poll: %s", strerror(errno));
			return 1;
		}
		drain_logs(d);
		for (unsigned i = 0; i < d->nq; i++) {
			int e = __atomic_load_n(&d->pt[i].failed_errno, __ATOMIC_ACQUIRE);

			if (e) {
				log_msg(&d->lw, LOG_ERR, "queue %u: receive failed: %s; exiting",
					nfqio_queue_num(d->pt[i].q), strerror(e));
				return 1;
			}
		}
		if (r <= 0) {
			ctl_server_service(d->ctl, fds, n, handle, d);	/* idle sweep */
			continue;
		}
		if (fds[k_sig].revents & POLLIN &&
		    read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				log_msg(&d->lw, LOG_NOTICE, "SIGHUP: reloading %s", d->rules_path);
				(void)reload(d, NULL, NULL);
			} else {
				log_msg(&d->lw, LOG_NOTICE, "signal %u: stopping", si.ssi_signo);
				return 0;
			}
		}
		if (fds[k_link].revents & POLLIN) {
			int c = nfqio_linkwatch_drain(d->links);

			if (c > 0)
				links_changed(d);
		}
		ctl_server_service(d->ctl, fds, n, handle, d);
	}
}

int daemon_run(const struct daemon_opts *o)
{
	struct daemon dd = { .o = o, .sigfd = -1 }, *d = &dd;
	struct diag_list dl = { 0 };
	bool wrote_pid = false, registered = false;
	sigset_t sigs;
	char qs[32];
	int ret = 1;

	d->lw = (struct log_writer){ .rate = o->log_rate, .use_syslog = o->use_syslog,
				     .err = stderr };
	if (o->use_syslog)
		openlog("ipsecfwd", LOG_PID, LOG_DAEMON);
	d->started = time(NULL);
	d->nq = (unsigned)o->q_last - o->q_first + 1u;

	/* Signals: HUP/TERM/INT to the signalfd, USR1 only to packet threads, no SIGPIPE. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigdelset(&sigs, SIGUSR1);
	d->sigfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d->sigfd < 0) {
		log_msg(&d->lw, LOG_ERR, "signalfd: %s", strerror(errno));
		goto out;
	}

	d->rules_path = realpath(o->rules, NULL);
	d->live = load(d, d->rules_path ? d->rules_path : o->rules, &dl);
	if (!d->live) {
		char buf[512];

		for (unsigned i = 0; i < dl.n; i++) {
			diag_format(&dl.d[i], buf, sizeof(buf));
			log_msg(&d->lw, LOG_ERR, "%s", buf);
		}
		log_msg(&d->lw, LOG_ERR, "%u error%s in %s, not starting", dl.n + dl.dropped,
			dl.n + dl.dropped == 1 ? "" : "s", o->rules);
		ret = 2;
		goto out;
	}
	d->loaded = time(NULL);
	warn_missing_ifaces(d, d->live);

	engine_thread_register();	/* the SA store's control calls need an RCU thread */
	registered = true;
	d->sat = sa_table_new(d->nq, &dl);
	if (!d->sat)
		goto out;
	if (o->keys) {
		char buf[512];
		int kr = sa_load_file(d->sat, o->keys, &dl);

		for (unsigned i = 0; i < dl.n; i++) {
			diag_format(&dl.d[i], buf, sizeof(buf));
			log_msg(&d->lw, kr < 0 ? LOG_ERR : LOG_WARNING, "%s", buf);
		}
		if (kr < 0) {
			log_msg(&d->lw, LOG_ERR, "%u error%s in %s, not starting",
				dl.n + dl.dropped, dl.n + dl.dropped == 1 ? "" : "s", o->keys);
			ret = 2;
			goto out;
		}
		dl.n = dl.dropped = 0;
		log_msg(&d->lw, LOG_NOTICE, "%zu SAs from %s", sa_count(d->sat), o->keys);
	}

	d->pt = calloc(d->nq, sizeof(*d->pt));
	if (!d->pt)
		goto out;
	for (unsigned i = 0; i < d->nq; i++) {
		struct nfqio_opts qo = { .queue = (uint16_t)(o->q_first + i),
					 .fail_open = o->fail_open, .maxlen = o->queue_maxlen,
					 .rcvbuf = o->rcvbuf };
		struct pthread_ctx *c = &d->pt[i];

		c->d = d;
		c->e = engine_new(i);
		c->ring = log_ring_new(LOG_RING_ORDER);
		if (!c->e || !c->ring) {
			log_msg(&d->lw, LOG_ERR, "out of memory");
			goto out;
		}
		engine_set_log(c->e, c->ring, qo.queue);
		engine_set_sa(c->e, d->sat);
		c->q = nfqio_open(&qo, &dl);
		if (!c->q) {
			char buf[512];

			diag_format(&dl.d[dl.n - 1], buf, sizeof(buf));
			log_msg(&d->lw, LOG_ERR, "%s", buf);
			goto out;
		}
	}
	d->ctl = ctl_server_open(o->socket, &dl);
	d->links = d->ctl ? nfqio_linkwatch_open(&dl) : NULL;
	if (!d->links) {
		char buf[512];

		diag_format(&dl.d[dl.n - 1], buf, sizeof(buf));
		log_msg(&d->lw, LOG_ERR, "%s", buf);
		goto out;
	}
	if (o->pidfile) {
		if (write_pidfile(d, o->pidfile) < 0)
			goto out;
		wrote_pid = true;
	}
	prctl(PR_SET_DUMPABLE, 0);	/* key material lives here from the SA issue on */
	if (o->user && drop_privileges(d, o->user) < 0)
		goto out;
	if (start_threads(d) < 0)
		goto out;
	if (d->nq > 1)
		snprintf(qs, sizeof(qs), "queues %u-%u", o->q_first, o->q_last);
	else
		snprintf(qs, sizeof(qs), "queue %u", o->q_first);
	log_msg(&d->lw, LOG_NOTICE, "ready: %s, %zu rules from %s, %s, socket %s", qs,
		ruleset_rule_count(d->live->rs), d->rules_path,
		o->fail_open ? "fail-open" : "fail-closed", o->socket);

	ret = control_loop(d);
	stop_threads(d);
	drain_logs(d);
	log_msg(&d->lw, LOG_NOTICE, "stopped");
out:
	stop_threads(d);
	if (d->pt)
		for (unsigned i = 0; i < d->nq; i++) {
			nfqio_close(d->pt[i].q);
			engine_free(d->pt[i].e);
			log_ring_free(d->pt[i].ring);
		}
	free(d->pt);
	nfqio_linkwatch_close(d->links);
	ctl_server_close(d->ctl);
	sa_table_free(d->sat);	/* the packet threads are gone */
	if (registered)
		engine_thread_unregister();
	if (wrote_pid)
		unlink(o->pidfile);	/* fails quietly after -u: /run is root's */
	if (d->live) {
		ruleset_free(d->live->rs);
		free(d->live);
	}
	free(d->rules_path);
	if (d->sigfd >= 0)
		close(d->sigfd);
	if (o->use_syslog)
		closelog();
	return ret;
}
