// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ipsecfw: the command-line tool. Option parsing, setup and exit status only; the work is in
 * the modules. Exit status: 0 success, 1 runtime error, 2 usage or configuration error.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipsecfw/ctl.h"
#include "ipsecfw/engine.h"
#include "ipsecfw/replay.h"
#include "ipsecfw/rules.h"
#include "ipsecfw/ruleset.h"
#include "ipsecfw/sa.h"
#include "ipsecfw/util.h"

enum { EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

static bool json;
static const char *sock_path = CTL_DEFAULT_SOCKET;

static void usage(FILE *o)
{
	fprintf(o,
		"usage: ipsecfw [-j] check RULES [-k KEYS] [-v]\n"
		"       ipsecfw [-j] replay PCAP -r RULES [-k KEYS] [-v]\n"
		"       ipsecfw [-j] [-s SOCKET] counters [--watch SEC [--count N]]\n"
		"       ipsecfw [-j] [-s SOCKET] stats\n"
		"       ipsecfw [-j] [-s SOCKET] reload [RULES]\n"
		"       ipsecfw [-j] [-s SOCKET] sa list | sa add LINE... | sa flush\n"
		"       ipsecfw [-j] [-s SOCKET] sa del spi N dst ADDR proto ah|esp\n"
		"       ipsecfw [-j] [-s SOCKET] sa import ESP_SA_FILE\n"
		"       ipsecfw [-j] [-s SOCKET] version\n");
}

static void print_diags(const struct diag_list *dl)
{
	char buf[512];
	unsigned i, total = dl->n + dl->dropped;

	for (i = 0; i < dl->n; i++) {
		diag_format(&dl->d[i], buf, sizeof(buf));
		fprintf(stderr, "%s\n", buf);
	}
	if (dl->dropped)
		fprintf(stderr, "ipsecfw: %u more error%s not shown\n", dl->dropped,
			dl->dropped == 1 ? "" : "s");
	fprintf(stderr, "ipsecfw: %u error%s, nothing loaded\n", total, total == 1 ? "" : "s");
}

/* Flush standard output; a failed write is a runtime error with a message. */
static int finish_output(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	fprintf(stderr, "ipsecfw: write error on standard output: %s\n", strerror(errno));
	return EXIT_RUNTIME;
}

/* Parse and compile a rule file; NULL after printing its diagnostics. */
static struct ruleset *load_rules(const char *path, struct rules_file **fout)
{
	struct diag_list dl = { 0 };
	struct rules_file *f;
	struct ruleset *rs;

	f = rules_parse_file(path, &dl);
	if (!f) {
		print_diags(&dl);
		return NULL;
	}
	rs = ruleset_build(f, 1, &dl);
	if (!rs) {
		print_diags(&dl);
		rules_file_free(f);
		return NULL;
	}
	if (fout)
		*fout = f;
	else
		rules_file_free(f);
	return rs;
}

/* Load a key file into a new store for one thread; NULL after printing its diagnostics.
 * Warnings (a legacy algorithm) are printed and do not fail. */
static struct sa_table *load_keys(const char *path)
{
	struct diag_list dl = { 0 };
	struct sa_table *t = sa_table_new(1, &dl);
	char buf[512];

	if (t && sa_load_file(t, path, &dl) == 0) {
		for (unsigned i = 0; i < dl.n; i++) {
			diag_format(&dl.d[i], buf, sizeof(buf));
			fprintf(stderr, "%s\n", buf);
		}
		return t;
	}
	print_diags(&dl);
	sa_table_free(t);
	return NULL;
}

static void print_iflist(const char *kind, const struct rules_iflist *l)
{
	size_t i;

	if (!l->n)
		return;
	printf("interface %s = { ", kind);
	for (i = 0; i < l->n; i++)
		printf("%s%s", i ? ", " : "", l->names[i]);
	printf(" }\n");
}

static void check_print(const struct rules_file *f)
{
	size_t i;
	char *t;

	print_iflist("external", &f->ext_ifs);
	print_iflist("internal", &f->int_ifs);
	for (i = 0; i < f->n_sets; i++) {
		t = rules_addr_text(&f->sets[i].addr);
		printf("set %s = %s\n", f->sets[i].name, t);
		free(t);
	}
	printf("policy %s\n", rules_verdict_name(f->policy));
	if (f->icv_policy != RULES_BLOCK)
		printf("policy icv-failure %s\n", rules_verdict_name(f->icv_policy));
	if (f->replay_policy != RULES_BLOCK)
		printf("policy replay %s\n", rules_verdict_name(f->replay_policy));
	for (i = 0; i < f->n_rules; i++) {
		t = rules_rule_text(&f->rules[i]);
		printf("@%zu %s\n", i + 1, t);
		free(t);
	}
}

static void check_print_json(const struct ruleset *rs, const struct sa_table *sat)
{
	size_t i, n = ruleset_rule_count(rs);

	printf("{\"ok\":true,");
	if (sat)
		printf("\"sas\":%zu,", sa_count(sat));
	printf("\"policy\":\"%s\",\"rules\":[", rules_verdict_name(ruleset_policy(rs)));
	for (i = 1; i <= n; i++) {
		printf("%s{\"rule\":%zu,\"text\":", i > 1 ? "," : "", i);
		json_write_str(stdout, ruleset_rule_text(rs, i));
		printf("}");
	}
	printf("]}\n");
}

static int cmd_check(int argc, char **argv)
{
	struct rules_file *f = NULL;
	struct sa_table *sat = NULL;
	struct ruleset *rs;
	const char *path = NULL, *keys = NULL;
	bool verbose = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v"))
			verbose = true;
		else if (!strcmp(argv[i], "-k") && i + 1 < argc && !keys)
			keys = argv[++i];
		else if (!path && argv[i][0] != '-')
			path = argv[i];
		else
			goto bad;
	}
	if (!path)
		goto bad;
	rs = load_rules(path, &f);
	if (!rs)
		return EXIT_USAGE;
	if (keys && !(sat = load_keys(keys))) {
		rules_file_free(f);
		ruleset_free(rs);
		return EXIT_USAGE;
	}
	if (json)
		check_print_json(rs, sat);
	else
		check_print(f);
	if (verbose && !json)
		fprintf(stderr, "%s: %zu rules, policy %s\n", path, ruleset_rule_count(rs),
			rules_verdict_name(ruleset_policy(rs)));
	if (verbose && !json && sat)
		fprintf(stderr, "%s: %zu SAs\n", keys, sa_count(sat));
	rules_file_free(f);
	ruleset_free(rs);
	sa_table_free(sat);
	return finish_output();
bad:
	usage(stderr);
	return EXIT_USAGE;
}

static int cmd_replay(int argc, char **argv)
{
	struct replay_opts o = { .out = stdout, .json = json };
	struct diag_list dl = { 0 };
	const char *rules = NULL, *keys = NULL;
	struct sa_table *sat = NULL;
	struct ruleset *rs;
	int i, ret;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v"))
			o.verbose = true;
		else if (!strcmp(argv[i], "-k") && i + 1 < argc && !keys)
			keys = argv[++i];
		else if (!strcmp(argv[i], "-r") && i + 1 < argc)
			rules = argv[++i];
		else if (!o.pcap && argv[i][0] != '-')
			o.pcap = argv[i];
		else
			goto bad;
	}
	if (!o.pcap || !rules)
		goto bad;
	rs = load_rules(rules, NULL);
	if (!rs)
		return EXIT_USAGE;
	if (ruleset_has_interfaces(rs) && !ruleset_has_int_set(rs))
		fprintf(stderr, "ipsecfw: %s: replay takes direction from the set \"int\", "
			"which this file does not define: in/out rules will not match\n", rules);
	if (keys && !(sat = load_keys(keys))) {
		ruleset_free(rs);
		return EXIT_USAGE;
	}
	o.rs = rs;
	o.sat = sat;
	ret = replay_run(&o, &dl);
	ruleset_free(rs);
	sa_table_free(sat);
	if (ret) {
		char buf[512];

		diag_format(&dl.d[0], buf, sizeof(buf));
		fprintf(stderr, "ipsecfw: %s\n", buf);
		return EXIT_RUNTIME;
	}
	return finish_output();
bad:
	usage(stderr);
	return EXIT_USAGE;
}

/* ---- commands that talk to the daemon ---- */

static bool quiet;	/* a failure about to be retried: say nothing yet */

static void print_diag0(const struct diag_list *dl)
{
	char buf[512];

	if (!dl->n || quiet)
		return;
	diag_format(&dl->d[0], buf, sizeof(buf));
	fprintf(stderr, "ipsecfw: %s\n", buf);
}

/*
 * One request: connect, send, read the reply. Returns the reply (ok or not) or NULL after
 * printing why there is none. *raw gets the reply line.
 */
static struct ctl_json *call(int *fd, const char *req, char **raw)
{
	struct diag_list dl = { 0 };
	struct ctl_json *r;

	if (*fd < 0) {
		*fd = ctl_client_connect(sock_path, &dl);
		if (*fd < 0) {
			print_diag0(&dl);
			return NULL;
		}
	}
	r = ctl_client_call(*fd, req, raw, &dl);
	if (!r)
		print_diag0(&dl);
	return r;
}

/* The reply's error, printed; true when the reply was an error. */
static bool reply_failed(const struct ctl_json *r)
{
	const struct ctl_json *ok = ctl_json_get(r, "ok");

	if (ok && ok->type == CTL_JSON_BOOL && ok->b)
		return false;
	fprintf(stderr, "ipsecfw: ipsecfwd: %s\n",
		ctl_json_str(ctl_json_get(r, "error")) ?: "request refused");
	return true;
}

static volatile sig_atomic_t interrupted;

static void on_int(int sig)
{
	(void)sig;
	interrupted = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool parse_num(const char *s, double lo, double hi, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return *s && !*end && !errno && *out >= lo && *out <= hi;
}

static int cmd_counters(int argc, char **argv)
{
	struct ctl_json *r, *prev = NULL;
	double watch = 0, count = 0, t, tprev = 0;
	bool tty = isatty(STDOUT_FILENO);
	int fd = -1, ret = 0;
	unsigned long rounds = 0;
	char *raw = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--watch") && i + 1 < argc) {
			if (!parse_num(argv[++i], 0.1, 86400, &watch)) {
				fprintf(stderr, "ipsecfw: --watch %s: expected seconds between 0.1 "
					"and 86400\n", argv[i]);
				return EXIT_USAGE;
			}
		} else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			if (!parse_num(argv[++i], 1, 1e9, &count)) {
				fprintf(stderr, "ipsecfw: --count %s: expected a positive number\n",
					argv[i]);
				return EXIT_USAGE;
			}
		} else {
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (watch) {
		struct sigaction sa = { .sa_handler = on_int };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	for (;;) {
		quiet = fd >= 0;
		r = call(&fd, "{\"cmd\":\"counters\"}", &raw);
		quiet = false;
		if (!r && fd >= 0 && !interrupted) {
			/* The daemon may have dropped a long-idle connection: reconnect once. */
			close(fd);
			fd = -1;
			r = call(&fd, "{\"cmd\":\"counters\"}", &raw);
		}
		t = now_s();
		if (!r) {
			ret = interrupted ? 0 : EXIT_RUNTIME;
			break;
		}
		if (reply_failed(r)) {
			ctl_json_free(r);
			free(raw);
			ret = EXIT_RUNTIME;
			break;
		}
		if (json) {
			printf("%s\n", raw);
		} else {
			if (watch && tty)
				fputs("\033[H\033[2J", stdout);	/* redraw in place, as watch(1) */
			else if (rounds)
				fputc('\n', stdout);
			ctl_print_counters(stdout, r, prev, prev ? t - tprev : 0);
		}
		free(raw);
		raw = NULL;
		ctl_json_free(prev);
		prev = r;
		tprev = t;
		rounds++;
		if ((ret = finish_output()) != 0 || !watch || (count && rounds >= count))
			break;
		for (double end = now_s() + watch; !interrupted && now_s() < end;)
			usleep(20000);
		if (interrupted)
			break;
	}
	ctl_json_free(prev);
	if (fd >= 0)
		close(fd);
	return ret;
}

static int cmd_stats(int argc, char **argv)
{
	struct ctl_json *r;
	char *raw = NULL;
	int fd = -1, ret;

	(void)argv;
	if (argc != 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	r = call(&fd, "{\"cmd\":\"stats\"}", &raw);
	if (fd >= 0)
		close(fd);
	if (!r)
		return EXIT_RUNTIME;
	if (reply_failed(r)) {
		ret = EXIT_RUNTIME;
	} else {
		if (json)
			printf("%s\n", raw);
		else
			ctl_print_stats(stdout, r);
		ret = finish_output();
	}
	ctl_json_free(r);
	free(raw);
	return ret;
}

static int cmd_reload(int argc, char **argv)
{
	char *abs = NULL, *req = NULL, *raw = NULL;
	const char *err;
	struct ctl_json *r;
	size_t len = 0;
	int fd = -1, ret;
	FILE *f;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		usage(stderr);
		return EXIT_USAGE;
	}
	f = open_memstream(&req, &len);
	if (!f) {
		fprintf(stderr, "ipsecfw: reload: %s\n", strerror(errno));
		return EXIT_RUNTIME;
	}
	fputs("{\"cmd\":\"reload\"", f);
	if (argc == 2) {
		/* The daemon has its own working directory: send an absolute path. */
		abs = realpath(argv[1], NULL);
		if (!abs) {
			fprintf(stderr, "ipsecfw: %s: %s\n", argv[1], strerror(errno));
			fclose(f);
			free(req);
			return EXIT_USAGE;
		}
		fputs(",\"file\":", f);
		json_write_str(f, abs);
	}
	fputc('}', f);
	if (fclose(f) != 0) {
		fprintf(stderr, "ipsecfw: reload: %s\n", strerror(errno));
		free(req);
		free(abs);
		return EXIT_RUNTIME;
	}
	r = call(&fd, req, &raw);
	free(req);
	free(abs);
	if (fd >= 0)
		close(fd);
	if (!r)
		return EXIT_RUNTIME;
	if (reply_failed(r)) {
		err = ctl_json_str(ctl_json_get(r, "error"));
		/* A refused file is a configuration error; anything else a runtime one. */
		ret = err && !strncmp(err, "reload refused", 14) ? EXIT_USAGE : EXIT_RUNTIME;
	} else {
		if (json)
			printf("%s\n", raw);
		else
			printf("reloaded %s: %llu rules, %llu kept their counters\n",
			       ctl_json_str(ctl_json_get(r, "file")) ?: "?",
			       (unsigned long long)ctl_json_u64(ctl_json_get(r, "rules")),
			       (unsigned long long)ctl_json_u64(ctl_json_get(r, "carried")));
		ret = finish_output();
	}
	ctl_json_free(r);
	free(raw);
	return ret;
}

/* Print an `sa list` reply as a table; keys are never in it. */
static void print_sa_list(const struct ctl_json *r)
{
	const struct ctl_json *sas = ctl_json_get(r, "sas");

	printf("%-10s %12s %14s %8s %8s %8s %8s %14s  %s\n", "spi", "packets", "bytes",
	       "icv-fail", "replays", "bad-len", "bad-pad", "highest seq", "sa");
	for (size_t i = 0; sas && sas->type == CTL_JSON_ARR && i < sas->n; i++) {
		const struct ctl_json *a = &sas->items[i];

		printf("0x%08llx %12llu %14llu %8llu %8llu %8llu %8llu %14llu  %s\n",
		       (unsigned long long)ctl_json_u64(ctl_json_get(a, "spi")),
		       (unsigned long long)ctl_json_u64(ctl_json_get(a, "packets")),
		       (unsigned long long)ctl_json_u64(ctl_json_get(a, "bytes")),
		       (unsigned long long)ctl_json_u64(ctl_json_get(a, "icv_failures")),
		       (unsigned long long)ctl_json_u64(ctl_json_get(a, "replays")),
		       (unsigned long long)ctl_json_u64(ctl_json_get(a, "bad_length")),
		       (unsigned long long)ctl_json_u64(ctl_json_get(a, "bad_padding")),
		       (unsigned long long)ctl_json_u64(ctl_json_get(a, "highest_seq")),
		       ctl_json_str(ctl_json_get(a, "sa")) ?: "?");
	}
	printf("%llu SA%s\n", (unsigned long long)ctl_json_u64(ctl_json_get(r, "count")),
	       ctl_json_u64(ctl_json_get(r, "count")) == 1 ? "" : "s");
}

/*
 * sa list | sa add LINE... | sa del spi N dst ADDR proto P | sa flush. The SA line of
 * `sa add` may come as one argument or as words (joined with spaces), as `ip xfrm` takes it.
 */
static int cmd_sa(int argc, char **argv)
{
	char *req = NULL, *raw = NULL;
	struct ctl_json *r;
	size_t len = 0;
	int fd = -1, ret;
	FILE *f;

	if (argc < 2)
		goto bad;
	f = open_memstream(&req, &len);
	if (!f) {
		fprintf(stderr, "ipsecfw: sa: %s\n", strerror(errno));
		return EXIT_RUNTIME;
	}
	if (!strcmp(argv[1], "list") && argc == 2) {
		fputs("{\"cmd\":\"sa-list\"}", f);
	} else if (!strcmp(argv[1], "flush") && argc == 2) {
		fputs("{\"cmd\":\"sa-flush\"}", f);
	} else if (!strcmp(argv[1], "import") && argc == 3) {
		/* The daemon reads the file (it keeps the permission rule): send an absolute path. */
		char *abs = realpath(argv[2], NULL);

		if (!abs) {
			fprintf(stderr, "ipsecfw: %s: %s\n", argv[2], strerror(errno));
			fclose(f);
			free(req);
			return EXIT_USAGE;
		}
		fputs("{\"cmd\":\"sa-import\",\"file\":", f);
		json_write_str(f, abs);
		fputc('}', f);
		free(abs);
	} else if (!strcmp(argv[1], "add") && argc >= 3) {
		fputs("{\"cmd\":\"sa-add\",\"line\":\"", f);
		for (int i = 2; i < argc; i++) {
			/* Escape through json_write_str, without its quotes. */
			char *w = NULL;
			size_t wl = 0;
			FILE *m = open_memstream(&w, &wl);

			if (!m || (json_write_str(m, argv[i]), fclose(m)) != 0) {
				free(w);
				fclose(f);
				free(req);
				return EXIT_RUNTIME;
			}
			fprintf(f, "%s%.*s", i > 2 ? " " : "", (int)(wl - 2), w + 1);
			free(w);
		}
		fputs("\"}", f);
	} else if (!strcmp(argv[1], "del") && argc == 8 && !strcmp(argv[2], "spi") &&
		   !strcmp(argv[4], "dst") && !strcmp(argv[6], "proto")) {
		fputs("{\"cmd\":\"sa-del\",\"spi\":", f);
		json_write_str(f, argv[3]);
		fputs(",\"dst\":", f);
		json_write_str(f, argv[5]);
		fputs(",\"proto\":", f);
		json_write_str(f, argv[7]);
		fputc('}', f);
	} else {
		fclose(f);
		free(req);
		goto bad;
	}
	if (fclose(f) != 0) {
		free(req);
		return EXIT_RUNTIME;
	}
	r = call(&fd, req, &raw);
	free(req);
	if (fd >= 0)
		close(fd);
	if (!r)
		return EXIT_RUNTIME;
	if (reply_failed(r)) {
		const char *err = ctl_json_str(ctl_json_get(r, "error"));

		/* A refused SA line is a configuration error; anything else a runtime one. */
		ret = err && (!strncmp(err, "sa add", 6) || !strncmp(err, "sa del", 6) ||
			      !strncmp(err, "sa import", 9)) ? EXIT_USAGE : EXIT_RUNTIME;
	} else {
		if (json)
			printf("%s\n", raw);
		else if (!strcmp(argv[1], "list"))
			print_sa_list(r);
		else
			printf("%s: %llu SA%s in the store\n", argv[1],
			       (unsigned long long)ctl_json_u64(ctl_json_get(r, "count")),
			       ctl_json_u64(ctl_json_get(r, "count")) == 1 ? "" : "s");
		ret = finish_output();
	}
	ctl_json_free(r);
	free(raw);
	return ret;
bad:
	usage(stderr);
	return EXIT_USAGE;
}

/* The CLI's version, and the daemon's when one answers (its absence is not an error). */
static int cmd_version(void)
{
	struct diag_list dl = { 0 };
	struct ctl_json *r = NULL;
	int fd = ctl_client_connect(sock_path, &dl);

	if (fd >= 0) {
		r = ctl_client_call(fd, "{\"cmd\":\"version\"}", NULL, &dl);
		close(fd);
	}
	if (json) {
		printf("{\"version\":\"%s\",\"daemon\":", IPSECFW_VERSION);
		if (r && ctl_json_str(ctl_json_get(r, "version"))) {
			printf("{\"version\":");
			json_write_str(stdout, ctl_json_str(ctl_json_get(r, "version")));
			printf(",\"pid\":%llu,\"uptime\":%llu}}\n",
			       (unsigned long long)ctl_json_u64(ctl_json_get(r, "pid")),
			       (unsigned long long)ctl_json_u64(ctl_json_get(r, "uptime")));
		} else {
			printf("null}\n");
		}
	} else {
		printf("ipsecfw %s\n", IPSECFW_VERSION);
		if (r && ctl_json_str(ctl_json_get(r, "version")))
			printf("ipsecfwd %s (pid %llu, up %llus)\n",
			       ctl_json_str(ctl_json_get(r, "version")),
			       (unsigned long long)ctl_json_u64(ctl_json_get(r, "pid")),
			       (unsigned long long)ctl_json_u64(ctl_json_get(r, "uptime")));
		else
			printf("ipsecfwd: not running on %s\n", sock_path);
	}
	ctl_json_free(r);
	return finish_output();
}

int main(int argc, char **argv)
{
	const char *cmd;
	int c;

	while ((c = getopt(argc, argv, "+js:h")) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 's':
			sock_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind];
	/* The SA store is an RCU hash table: its users must be registered RCU threads. */
	engine_thread_register();
	atexit(engine_thread_unregister);
	if (!strcmp(cmd, "check"))
		return cmd_check(argc - optind, argv + optind);
	if (!strcmp(cmd, "replay"))
		return cmd_replay(argc - optind, argv + optind);
	if (!strcmp(cmd, "counters"))
		return cmd_counters(argc - optind, argv + optind);
	if (!strcmp(cmd, "stats"))
		return cmd_stats(argc - optind, argv + optind);
	if (!strcmp(cmd, "reload"))
		return cmd_reload(argc - optind, argv + optind);
	if (!strcmp(cmd, "sa"))
		return cmd_sa(argc - optind, argv + optind);
	if (!strcmp(cmd, "version"))
		return cmd_version();
	fprintf(stderr, "ipsecfw: unknown command \"%s\"\n", cmd);
	usage(stderr);
	return EXIT_USAGE;
}
