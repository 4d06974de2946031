// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ipsecfw: the command-line tool. Option parsing, setup and exit status only; the work is in
 * the modules. Exit status: 0 success, 1 runtime error, 2 usage or configuration error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecfw/replay.h"
#include "ipsecfw/rules.h"
#include "ipsecfw/ruleset.h"
#include "ipsecfw/util.h"

#define IPSECFW_VERSION "0.1.0"

enum { EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

static bool json;

static void usage(FILE *o)
{
	fprintf(o,
		"usage: ipsecfw [-j] check RULES [-v]\n"
		"       ipsecfw [-j] replay PCAP -r RULES [-v]\n"
		"       ipsecfw version\n");
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
	for (i = 0; i < f->n_rules; i++) {
		t = rules_rule_text(&f->rules[i]);
		printf("@%zu %s\n", i + 1, t);
		free(t);
	}
}

static void check_print_json(const struct ruleset *rs)
{
	size_t i, n = ruleset_rule_count(rs);

	printf("{\"ok\":true,\"policy\":\"%s\",\"rules\":[",
	       rules_verdict_name(ruleset_policy(rs)));
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
	struct ruleset *rs;
	const char *path = NULL;
	bool verbose = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v"))
			verbose = true;
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
	if (json)
		check_print_json(rs);
	else
		check_print(f);
	if (verbose && !json)
		fprintf(stderr, "%s: %zu rules, policy %s\n", path, ruleset_rule_count(rs),
			rules_verdict_name(ruleset_policy(rs)));
	rules_file_free(f);
	ruleset_free(rs);
	return finish_output();
bad:
	usage(stderr);
	return EXIT_USAGE;
}

static int cmd_replay(int argc, char **argv)
{
	struct replay_opts o = { .out = stdout, .json = json };
	struct diag_list dl = { 0 };
	const char *rules = NULL;
	struct ruleset *rs;
	int i, ret;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v"))
			o.verbose = true;
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
	o.rs = rs;
	ret = replay_run(&o, &dl);
	ruleset_free(rs);
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

int main(int argc, char **argv)
{
	const char *cmd;
	int c;

	while ((c = getopt(argc, argv, "+jh")) != -1) {
		switch (c) {
		case 'j':
			json = true;
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
	if (!strcmp(cmd, "check"))
		return cmd_check(argc - optind, argv + optind);
	if (!strcmp(cmd, "replay"))
		return cmd_replay(argc - optind, argv + optind);
	if (!strcmp(cmd, "version")) {
		printf(json ? "{\"version\":\"%s\"}\n" : "ipsecfw %s\n", IPSECFW_VERSION);
		return 0;
	}
	fprintf(stderr, "ipsecfw: unknown command \"%s\"\n", cmd);
	usage(stderr);
	return EXIT_USAGE;
}
