// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rules: the rule-language lexer, parser and printer. Tables of named cases: good inputs and
 * the normalized text they print as, the tree fields of a few, every error with its exact
 * message and position, parse -> print -> parse, and the DIAG_MAX cap.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecfw/rules.h"
#include "unit.h"

#define SET_INT "set int = { 192.0.2.0/24, 2001:db8:2::/48 }\nset ext = ! $int\n"

static struct rules_file *parse(const char *text, struct diag_list *dl)
{
	memset(dl, 0, sizeof(*dl));
	return rules_parse_string("t.rules", text, strlen(text), dl);
}

static struct rules_file *parse_ok(const char *name, const char *text)
{
	struct diag_list dl;
	struct rules_file *f = parse(text, &dl);
	char buf[512] = "";

	if (dl.n)
		diag_format(&dl.d[0], buf, sizeof(buf));
	ck_assert_msg(f != NULL && dl.n == 0, "%s: \"%s\" did not parse: %s", name, text, buf);
	return f;
}

/* ---- good rules and their normalized text ---- */

static const struct {
	const char *name, *text, *want;
} good[] = {
	{ "minimal pass", "pass", "pass" },
	{ "minimal block", "block", "block" },
	{ "seed row", SET_INT "pass in proto ah from $ext to $int comment \"Incoming AH\"",
	  "pass in proto ah from $ext to $int comment \"Incoming AH\"" },
	{ "isakmp ports", SET_INT "pass in proto udp from $ext port 500 to $int port 500",
	  "pass in proto udp from $ext port 500 to $int port 500" },
	{ "to port without address", "pass proto tcp to port 22", "pass proto tcp to port 22" },
	{ "from port without address", "pass proto udp from port 53",
	  "pass proto udp from port 53" },
	{ "any is kept", "pass from any to any", "pass from any to any" },
	{ "host v4 drops /32", "pass to 192.0.2.1/32", "pass to 192.0.2.1" },
	{ "host v6 drops /128", "pass to 2001:DB8:0::1/128", "pass to 2001:db8::1" },
	{ "v6 canonical", "pass from 2001:0db8:0000::/32", "pass from 2001:db8::/32" },
	{ "list with commas and blanks", "pass to { 192.0.2.0/24 2001:db8:2::/48, 10.0.0.1 }",
	  "pass to { 192.0.2.0/24, 2001:db8:2::/48, 10.0.0.1 }" },
	{ "negated list", "pass to ! { 10.0.0.0/8, 172.16.0.0/12 }",
	  "pass to ! { 10.0.0.0/8, 172.16.0.0/12 }" },
	{ "negated item", "pass to { !10.0.0.0/8, 10.1.0.0/16 }",
	  "pass to { ! 10.0.0.0/8, 10.1.0.0/16 }" },
	{ "one-item list", "pass to { 10.0.0.0/8 }", "pass to 10.0.0.0/8" },
	{ "one negated item", "pass to { ! 10.0.0.0/8 }", "pass to ! 10.0.0.0/8" },
	{ "double negation", "pass to ! { ! 10.0.0.0/8 }", "pass to 10.0.0.0/8" },
	{ "port range", "pass proto tcp to port 1000:2000", "pass proto tcp to port 1000:2000" },
	{ "port list", "pass proto tcp to port { 22 80, 1000:2000 }",
	  "pass proto tcp to port { 22, 80, 1000:2000 }" },
	{ "negated port", "pass proto tcp to port ! 22", "pass proto tcp to port ! 22" },
	{ "degenerate range", "pass proto tcp to port 22:22", "pass proto tcp to port 22" },
	{ "hex port", "pass proto tcp to port 0x16", "pass proto tcp to port 22" },
	{ "spi", "pass proto esp spi 4096", "pass proto esp spi 0x1000" },
	{ "spi range", "pass proto ah spi 0x1000:0x1FFF", "pass proto ah spi 0x1000:0x1fff" },
	{ "spi max", "pass proto ah spi 0xffffffff", "pass proto ah spi 0xffffffff" },
	{ "flags", "pass proto tcp flags A/A", "pass proto tcp flags A/A" },
	{ "flags order", "pass proto tcp flags SA/WAUS", "pass proto tcp flags SA/SAUW" },
	{ "flags alone", "pass proto tcp flags S", "pass proto tcp flags S/FSRPAUEW" },
	{ "flags mask only", "pass proto tcp flags /SA", "pass proto tcp flags /SA" },
	{ "proto numbers", "pass proto 6", "pass proto tcp" },
	{ "proto unnamed", "pass proto 132", "pass proto 132" },
	{ "proto alias", "pass proto ipv6-icmp", "pass proto icmp6" },
	{ "proto 0", "pass proto 0", "pass proto 0" },
	{ "inner ssh", SET_INT "pass in proto ah from $ext to $int inner proto tcp to port 22",
	  "pass in proto ah from $ext to $int inner proto tcp to port 22" },
	{ "inner flags", "pass proto ah inner proto tcp flags A/A",
	  "pass proto ah inner proto tcp flags A/A" },
	{ "inner full", "pass proto esp inner proto udp from 10.0.0.0/8 port 53 to any port "
	  "1024:65535", "pass proto esp inner proto udp from 10.0.0.0/8 port 53 to any port "
	  "1024:65535" },
	{ "inner alone", "pass proto esp inner log", "pass proto esp inner log" },
	{ "options in any order", "block proto ah comment \"c\" log mark 7 inner spi 9",
	  "block proto ah spi 0x9 inner mark 7 log comment \"c\"" },
	{ "mark hex", "pass mark 0xffffffff", "pass mark 4294967295" },
	{ "comment escapes", "pass comment \"a \\\"q\\\" \\\\ b\"",
	  "pass comment \"a \\\"q\\\" \\\\ b\"" },
	{ "empty comment", "pass comment \"\"", "pass comment \"\"" },
	{ "continuation", "pass \\\n  proto tcp \\\n  to port 22", "pass proto tcp to port 22" },
	{ "newlines in braces", "pass to {\n 10.0.0.0/8 # first\n\n 10.1.0.0/16\n}",
	  "pass to { 10.0.0.0/8, 10.1.0.0/16 }" },
	{ "comment after rule", "pass log # not a comment \"x\"", "pass log" },
	{ "crlf", "pass log\r\n", "pass log" },
	{ "set in a list", SET_INT "pass to { $int, 198.51.100.0/24 }",
	  "pass to { $int, 198.51.100.0/24 }" },
	{ "v4-mapped", "pass to ::ffff:192.0.2.1", "pass to ::ffff:192.0.2.1" },
	{ "zero prefix", "pass to 0.0.0.0/0", "pass to 0.0.0.0/0" },
};

static struct rules_file *good_parse(int i)
{
	return parse_ok(good[i].name, good[i].text);
}

START_TEST(test_good_format)
{
	struct rules_file *f = good_parse(_i);
	const struct rules_rule *r;
	char buf[1024];
	int n;

	ck_assert_msg(f->n_rules >= 1, "%s: no rule", good[_i].name);
	r = &f->rules[f->n_rules - 1];
	n = rules_rule_format(r, buf, sizeof(buf));
	ck_assert_msg(!strcmp(buf, good[_i].want), "%s: printed \"%s\", want \"%s\"",
		      good[_i].name, buf, good[_i].want);
	ck_assert_int_eq(n, (int)strlen(buf));
	rules_file_free(f);
}
END_TEST

/* ---- parse -> print -> parse ---- */

static void print_file(const struct rules_file *f, char *out, size_t size)
{
	char buf[1024];
	size_t i, len = 0;

	out[0] = 0;
	for (i = 0; i < f->n_sets; i++) {
		rules_addr_format(&f->sets[i].addr, buf, sizeof(buf));
		len += (size_t)snprintf(out + len, size - len, "set %s = %s\n", f->sets[i].name, buf);
	}
	len += (size_t)snprintf(out + len, size - len, "policy %s\n",
				rules_verdict_name(f->policy));
	for (i = 0; i < f->n_rules; i++) {
		rules_rule_format(&f->rules[i], buf, sizeof(buf));
		len += (size_t)snprintf(out + len, size - len, "%s\n", buf);
	}
	ck_assert(len < size);
}

static void addr_eq(const char *name, const struct rules_addr *a, const struct rules_addr *b)
{
	size_t i;

	ck_assert_msg(a->neg == b->neg && a->n == b->n, "%s: address differs", name);
	for (i = 0; i < a->n; i++) {
		const struct rules_addr_item *x = &a->items[i], *y = &b->items[i];

		ck_assert_msg(x->kind == y->kind && x->neg == y->neg, "%s: item %zu", name, i);
		if (x->kind == RULES_ADDR_SET)
			ck_assert_str_eq(x->set, y->set);
		if (x->kind == RULES_ADDR_CIDR)
			ck_assert_msg(!memcmp(&x->cidr, &y->cidr, sizeof(x->cidr)), "%s: cidr %zu",
				      name, i);
	}
}

static void ports_eq(const char *name, const struct rules_ports *a, const struct rules_ports *b)
{
	ck_assert_msg(a->neg == b->neg && a->n == b->n, "%s: ports differ", name);
	ck_assert_msg(!a->n || !memcmp(a->r, b->r, a->n * sizeof(*a->r)), "%s: ports", name);
}

static void rule_eq(const char *name, const struct rules_rule *a, const struct rules_rule *b)
{
	ck_assert_msg(a->verdict == b->verdict && a->dir == b->dir && a->proto == b->proto,
		      "%s: verdict/dir/proto differ", name);
	addr_eq(name, &a->from, &b->from);
	addr_eq(name, &a->to, &b->to);
	ports_eq(name, &a->sport, &b->sport);
	ports_eq(name, &a->dport, &b->dport);
	ck_assert_msg(a->has_flags == b->has_flags && a->flags == b->flags &&
		      a->flags_mask == b->flags_mask, "%s: flags differ", name);
	ck_assert_msg(a->has_spi == b->has_spi && a->spi_lo == b->spi_lo &&
		      a->spi_hi == b->spi_hi, "%s: spi differs", name);
	ck_assert_msg(a->inner.present == b->inner.present && a->inner.proto == b->inner.proto &&
		      a->inner.has_flags == b->inner.has_flags && a->inner.flags == b->inner.flags &&
		      a->inner.flags_mask == b->inner.flags_mask, "%s: inner differs", name);
	addr_eq(name, &a->inner.from, &b->inner.from);
	addr_eq(name, &a->inner.to, &b->inner.to);
	ports_eq(name, &a->inner.sport, &b->inner.sport);
	ports_eq(name, &a->inner.dport, &b->inner.dport);
	ck_assert_msg(a->has_mark == b->has_mark && a->mark == b->mark && a->log == b->log,
		      "%s: mark/log differ", name);
	ck_assert_msg((!a->comment && !b->comment) ||
		      (a->comment && b->comment && !strcmp(a->comment, b->comment)),
		      "%s: comment differs", name);
}

static void roundtrip(const char *name, const char *text)
{
	static char once[65536], twice[65536];
	struct rules_file *f = parse_ok(name, text), *g;
	size_t i;

	print_file(f, once, sizeof(once));
	g = parse_ok(name, once);
	print_file(g, twice, sizeof(twice));
	ck_assert_msg(!strcmp(once, twice), "%s: printed differently the second time:\n%s---\n%s",
		      name, once, twice);
	ck_assert_uint_eq(f->n_sets, g->n_sets);
	for (i = 0; i < f->n_sets; i++)
		addr_eq(name, &f->sets[i].addr, &g->sets[i].addr);
	ck_assert_uint_eq(f->n_rules, g->n_rules);
	ck_assert_int_eq(f->policy, g->policy);
	for (i = 0; i < f->n_rules; i++)
		rule_eq(name, &f->rules[i], &g->rules[i]);
	rules_file_free(f);
	rules_file_free(g);
}

START_TEST(test_good_roundtrip)
{
	roundtrip(good[_i].name, good[_i].text);
}
END_TEST

START_TEST(test_seed_roundtrip)
{
	static const char *const files[] = { "rules/seed-table.rules",
					     "rules/seed-ah-inner.rules" };
	char *text = unit_slurp(unit_path(files[_i]), NULL);

	roundtrip(files[_i], text);
	free(text);
}
END_TEST

/* ---- tree fields ---- */

static struct rules_file *fields_file(void)
{
	return parse_ok("fields",
		"interface external = { veth-ext, eth1 }\n"
		"interface internal = veth-int\n"
		SET_INT
		"policy pass\n"
		"\n"
		"block out proto udp from { ! $int, 198.51.100.0/24 } port 500 \\\n"
		"  to $ext port { 500, 4000:4500 } mark 0x20 log comment \"x\"\n"
		"pass in proto esp spi 0x1000:0x1fff inner proto tcp from port 1024:65535 "
		"to 192.0.2.10 port ! 22 flags S/SA\n");
}

START_TEST(test_tree_file)
{
	struct rules_file *f = fields_file();
	const struct rules_set *s;

	ck_assert_uint_eq(f->ext_ifs.n, 2);
	ck_assert_str_eq(f->ext_ifs.names[0], "veth-ext");
	ck_assert_str_eq(f->ext_ifs.names[1], "eth1");
	ck_assert_uint_eq(f->int_ifs.n, 1);
	ck_assert_str_eq(f->int_ifs.names[0], "veth-int");
	ck_assert_int_eq(f->policy, RULES_PASS);
	ck_assert_uint_eq(f->n_sets, 2);
	s = rules_set_find(f, "int");
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(s->line, 3);
	ck_assert_uint_eq(s->addr.n, 2);
	ck_assert_uint_eq(s->addr.items[0].cidr.family, 4);
	ck_assert_uint_eq(s->addr.items[0].cidr.prefix, 24);
	ck_assert_mem_eq(s->addr.items[0].cidr.addr, "\xc0\x00\x02\x00", 4);
	ck_assert_uint_eq(s->addr.items[1].cidr.family, 6);
	ck_assert_uint_eq(s->addr.items[1].cidr.prefix, 48);
	ck_assert_mem_eq(s->addr.items[1].cidr.addr, "\x20\x01\x0d\xb8\x00\x02", 6);
	s = rules_set_find(f, "ext");
	ck_assert(s->addr.neg && s->addr.n == 1 && s->addr.items[0].kind == RULES_ADDR_SET);
	ck_assert_str_eq(s->addr.items[0].set, "int");
	ck_assert_ptr_null(rules_set_find(f, "nope"));
	ck_assert_uint_eq(f->n_rules, 2);
	rules_file_free(f);
}
END_TEST

START_TEST(test_tree_rules)
{
	struct rules_file *f = fields_file();
	const struct rules_rule *r = &f->rules[0];

	ck_assert_uint_eq(r->line, 7);
	ck_assert(r->verdict == RULES_BLOCK && r->dir == RULES_DIR_OUT && r->proto == 17);
	ck_assert(!r->from.neg && r->from.n == 2 && r->from.items[0].neg);
	ck_assert(r->from.items[0].kind == RULES_ADDR_SET && !r->from.items[1].neg);
	ck_assert(r->sport.n == 1 && r->sport.r[0].lo == 500 && r->sport.r[0].hi == 500);
	ck_assert(r->dport.n == 2 && r->dport.r[1].lo == 4000 && r->dport.r[1].hi == 4500);
	ck_assert(r->has_mark && r->mark == 0x20 && r->log && !r->has_spi && !r->has_flags);
	ck_assert_str_eq(r->comment, "x");
	ck_assert(!r->inner.present);

	r = &f->rules[1];
	ck_assert_uint_eq(r->line, 9);
	ck_assert(r->verdict == RULES_PASS && r->dir == RULES_DIR_IN && r->proto == 50);
	ck_assert(r->from.n == 0 && r->to.n == 0 && r->sport.n == 0 && r->dport.n == 0);
	ck_assert(r->has_spi && r->spi_lo == 0x1000 && r->spi_hi == 0x1fff);
	ck_assert(r->inner.present && r->inner.proto == 6 && r->inner.from.n == 0);
	ck_assert(r->inner.sport.n == 1 && r->inner.sport.r[0].lo == 1024 &&
		  r->inner.sport.r[0].hi == 65535);
	ck_assert(r->inner.to.n == 1 && r->inner.to.items[0].cidr.prefix == 32);
	ck_assert(r->inner.dport.neg && r->inner.dport.r[0].lo == 22);
	ck_assert(r->inner.has_flags && r->inner.flags == 0x02 && r->inner.flags_mask == 0x12);
	ck_assert(!r->has_mark && !r->log && !r->comment);
	rules_file_free(f);
}
END_TEST

START_TEST(test_defaults)
{
	struct rules_file *f = parse_ok("empty", "# nothing\n\n   \n");

	ck_assert_int_eq(f->policy, RULES_BLOCK);
	ck_assert(f->n_rules == 0 && f->n_sets == 0 && f->ext_ifs.n == 0 && f->int_ifs.n == 0);
	ck_assert_str_eq(f->path, "t.rules");
	rules_file_free(f);
	f = parse_ok("proto any", "pass\n");
	ck_assert(f->rules[0].proto == -1 && f->rules[0].inner.proto == -1);
	ck_assert(f->rules[0].dir == RULES_DIR_ANY && !f->rules[0].inner.present);
	rules_file_free(f);
	f = parse_ok("flags bits", "pass proto tcp flags FSRPAUEW/FSRPAUEW");
	ck_assert(f->rules[0].flags == 0xff && f->rules[0].flags_mask == 0xff);
	rules_file_free(f);
	f = parse_ok("in/out with interfaces later", "pass in\ninterface internal = eth0\n");
	rules_file_free(f);
	f = parse_ok("in/out with set int later", "block out\nset int = 10.0.0.0/8\n");
	rules_file_free(f);
}
END_TEST

/* ---- errors: exact message and position ---- */

static const struct {
	const char *name, *text;
	unsigned line, col;
	const char *msg;
} bad[] = {
	{ "typo after from", "pass in proto udp from any prot 500", 1, 28,
	  "expected \"port\" or \"to\", got \"prot\"" },
	{ "not an address", "pass from foo", 1, 11,
	  "expected an address, \"any\", \"$set\" or \"{\", got \"foo\"" },
	{ "end of line", "pass from", 1, 10,
	  "unexpected end of line, expected an address, \"any\", \"$set\" or \"{\"" },
	{ "did you mean", "pass proto tcp lgo", 1, 16,
	  "expected \"from\" or \"to\", got \"lgo\" (did you mean \"log\"?)" },
	{ "after verdict", "pass 22", 1, 6,
	  "expected \"in\", \"out\", \"proto\", \"from\" or \"to\", got \"22\"" },
	{ "after to", "pass to any wat", 1, 13,
	  "expected \"port\" or an option, got \"wat\"" },
	{ "after to port", "pass proto tcp to port 22 22", 1, 27,
	  "expected an option (\"flags\", \"spi\", \"inner\", \"mark\", \"log\" or \"comment\"), "
	  "got \"22\"" },
	{ "statement", "wibble", 1, 1,
	  "expected \"pass\", \"block\", \"set\", \"interface\" or \"policy\", got \"wibble\"" },
	{ "statement typo", "  polcy block", 1, 3,
	  "expected \"pass\", \"block\", \"set\", \"interface\" or \"policy\", got \"polcy\"" },
	{ "option typo", "pass proto tcp to port 22 comment \"x\" mrak 1", 1, 39,
	  "expected an option (\"flags\", \"spi\", \"inner\", \"mark\", \"log\" or \"comment\"), "
	  "got \"mrak\"" },
	{ "option typo hint", "pass proto esp from any inenr", 1, 25,
	  "expected \"port\" or \"to\", got \"inenr\" (did you mean \"inner\"?)" },
	{ "undefined set", "pass from $nope", 1, 11, "undefined set \"$nope\"" },
	{ "set used before defined", "pass to $int\nset int = 10.0.0.0/8", 1, 9,
	  "undefined set \"$int\"" },
	{ "set refers to itself", "set a = $a", 1, 9, "undefined set \"$a\"" },
	{ "set redefined", "set a = any\nset a = any", 2, 5,
	  "set \"a\" redefined (first defined at line 1)" },
	{ "bad set name", "set 9a = any", 1, 5,
	  "invalid set name \"9a\" (a letter or \"_\", then letters, digits, \"_\" or \"-\", "
	  "at most 31)" },
	{ "long set name", "set a2345678901234567890123456789012 = any", 1, 5,
	  "invalid set name \"a2345678901234567890123456789012\" (a letter or \"_\", then "
	  "letters, digits, \"_\" or \"-\", at most 31)" },
	{ "bad set ref", "pass to $9", 1, 9, "invalid set name \"9\"" },
	{ "host bits v4", "pass to 192.0.2.1/24", 1, 9,
	  "192.0.2.1/24 has host bits set (did you mean 192.0.2.0/24?)" },
	{ "host bits v6", "pass to 2001:db8::1/32", 1, 9,
	  "2001:db8::1/32 has host bits set (did you mean 2001:db8::/32?)" },
	{ "prefix v4", "pass to 192.0.2.0/33", 1, 9,
	  "prefix length 33 is too long for IPv4 (at most 32)" },
	{ "prefix v6", "pass to ::/129", 1, 9,
	  "prefix length 129 is too long for IPv6 (at most 128)" },
	{ "bad prefix", "pass to 10.0.0.0/x", 1, 9,
	  "invalid prefix length in \"10.0.0.0/x\"" },
	{ "bad address", "pass to 10.0.0.256", 1, 9, "invalid address \"10.0.0.256\"" },
	{ "bad v6", "pass to 2001:db8:::1", 1, 9, "invalid address \"2001:db8:::1\"" },
	{ "port without proto", "pass to port 22", 1, 9, "port needs proto tcp or udp" },
	{ "port with ah", "pass proto ah from any port 22", 1, 24,
	  "port needs proto tcp or udp" },
	{ "inner port", "pass proto ah inner proto icmp to port 22", 1, 35,
	  "port needs inner proto tcp or udp" },
	{ "inner port no proto", "pass proto esp inner from port 22", 1, 27,
	  "port needs inner proto tcp or udp" },
	{ "flags without tcp", "pass proto udp flags S/SA", 1, 16, "flags needs proto tcp" },
	{ "inner flags", "pass proto ah inner proto udp flags S/SA", 1, 31,
	  "flags needs inner proto tcp" },
	{ "spi without ipsec", "pass proto tcp spi 1", 1, 16, "spi needs proto ah, esp or udp" },
	{ "inner without ipsec", "pass proto tcp inner proto tcp", 1, 16,
	  "inner needs proto ah, esp or udp" },
	{ "in without anything", "pass in proto ah", 1, 6,
	  "in/out need interface declarations or a set named int" },
	{ "out without anything", "set ext = any\nblock out", 2, 7,
	  "in/out need interface declarations or a set named int" },
	{ "second policy", "policy block\npolicy pass", 2, 1,
	  "policy given twice (first at line 1)" },
	{ "bad policy", "policy drop", 1, 8,
	  "expected \"pass\", \"block\", \"icv-failure\" or \"replay\", got \"drop\"" },
	{ "mark too big", "pass mark 4294967296", 1, 11,
	  "mark 4294967296 does not fit in 32 bits" },
	{ "mark hex too big", "pass mark 0x1ffffffff", 1, 11,
	  "mark 0x1ffffffff does not fit in 32 bits" },
	{ "mark huge", "pass mark 99999999999999999999999", 1, 11,
	  "mark 99999999999999999999999 does not fit in 32 bits" },
	{ "mark not a number", "pass mark x", 1, 11, "expected a number, got \"x\"" },
	{ "spi too big", "pass proto esp spi 0x100000000", 1, 20,
	  "spi 0x100000000 does not fit in 32 bits" },
	{ "spi backwards", "pass proto esp spi 5:4", 1, 20, "spi range 5:4 is backwards" },
	{ "spi word", "pass proto esp spi x", 1, 20,
	  "expected an SPI (a number or a range a:b), got \"x\"" },
	{ "port too big", "pass proto tcp to port 65536", 1, 24,
	  "port 65536 is out of range (0..65535)" },
	{ "port backwards", "pass proto tcp to port 2:1", 1, 24,
	  "port range 2:1 is backwards (2 > 1)" },
	{ "port name", "pass proto tcp to port ssh", 1, 24,
	  "expected a port number (0..65535), a range a:b or \"{\", got \"ssh\"" },
	{ "port list end", "pass proto tcp to port { 22", 1, 28,
	  "unexpected end of file, expected a port number, a range a:b, \",\" or \"}\"" },
	{ "proto too big", "pass proto 256", 1, 12, "protocol 256 is out of range (0..255)" },
	{ "proto unknown", "pass proto sctp", 1, 12,
	  "expected a protocol (ah, esp, tcp, udp, icmp, icmp6 or 0..255), got \"sctp\"" },
	{ "flags letters", "pass proto tcp flags X", 1, 22,
	  "expected TCP flags (letters from FSRPAUEW, like S/SA), got \"X\"" },
	{ "flags lowercase", "pass proto tcp flags s/sa", 1, 22,
	  "expected TCP flags (letters from FSRPAUEW, like S/SA), got \"s/sa\"" },
	{ "flags empty mask", "pass proto tcp flags S/", 1, 22,
	  "expected TCP flags (letters from FSRPAUEW, like S/SA), got \"S/\"" },
	{ "flags never", "pass proto tcp flags S/A", 1, 22,
	  "flags S/A can never match (a flag is set that the mask leaves out)" },
	{ "verified without ipsec", "pass proto tcp verified", 1, 16,
	  "verified needs proto ah, esp or udp" },
	{ "unverified without proto", "block unverified", 1, 7,
	  "unverified needs proto ah, esp or udp" },
	{ "two states", "block proto ah verified replayed", 1, 25,
	  "one of verified, unverified and replayed at most" },
	{ "state twice", "pass proto ah verified verified", 1, 24,
	  "one of verified, unverified and replayed at most" },
	{ "policy knob", "policy icv-failure maybe", 1, 20,
	  "expected \"pass\" or \"block\", got \"maybe\"" },
	{ "policy knob twice", "policy replay pass\npolicy replay block", 2, 1,
	  "policy replay given twice (first at line 1)" },
	{ "policy word", "policy sometimes", 1, 8,
	  "expected \"pass\", \"block\", \"icv-failure\" or \"replay\", got \"sometimes\"" },
	{ "ike", "pass proto udp to port 500 ike", 1, 28, "\"ike\" is not supported yet" },
	{ "payload", "pass proto ah inner proto tcp payload \"x\"", 1, 31,
	  "\"payload\" is not supported yet" },
	{ "reserved as proto", "pass proto ike", 1, 12, "\"ike\" is not supported yet" },
	{ "log twice", "pass log log", 1, 10, "\"log\" given twice" },
	{ "comment twice", "pass comment \"a\" comment \"b\"", 1, 18, "\"comment\" given twice" },
	{ "proto twice", "pass proto tcp proto udp", 1, 16, "\"proto\" given twice" },
	{ "direction twice", SET_INT "pass in out", 3, 9, "direction given twice" },
	{ "out of order", "pass from any proto tcp", 1, 15,
	  "\"proto\" must come before \"from\"" },
	{ "to before from", "pass to any from any", 1, 13, "\"from\" must come before \"to\"" },
	{ "positional after option", SET_INT "pass log in", 3, 10,
	  "\"in\" must come before \"log\"" },
	{ "port twice", "pass proto tcp to port 1 port 2", 1, 26, "\"port\" given twice" },
	{ "stray port", "pass proto tcp port 22", 1, 16, "\"port\" must follow \"from\" or \"to\"" },
	{ "inner order", "pass proto ah inner to any from any", 1, 28,
	  "\"from\" must come before \"to\"" },
	{ "inner twice", "pass proto ah inner proto tcp proto udp", 1, 31,
	  "\"proto\" given twice in the inner clause" },
	{ "comment not a string", "pass comment x", 1, 14,
	  "expected a string in double quotes, got \"x\"" },
	{ "unterminated", "pass comment \"abc", 1, 14,
	  "unterminated string (a string ends on its line)" },
	{ "bad escape", "pass comment \"a\\nb\"", 1, 16,
	  "unknown escape in string (only \\\" and \\\\ are allowed)" },
	{ "control char", "pass comment \"a\x01\"", 1, 16, "control character 0x01 in string" },
	{ "bad char", "pass to 10.0.0.1;", 1, 17, "unexpected character ';'" },
	{ "binary", "pass \xff", 1, 6, "unexpected character 0xff" },
	{ "stray backslash", "pass \\ log", 1, 6, "unexpected character '\\'" },
	{ "any in list", "pass to { any }", 1, 11, "\"any\" cannot be used in a list" },
	{ "nested list", "pass to { 10.0.0.1 { 10.0.0.2 } }", 1, 20, "lists cannot be nested" },
	{ "trailing comma", "pass to { 10.0.0.1, }", 1, 21,
	  "expected an address or \"$set\", got \"}\"" },
	{ "empty list", "pass to { }", 1, 11, "expected an address or \"$set\", got \"}\"" },
	{ "double comma", "pass to { 10.0.0.1,, 10.0.0.2 }", 1, 20,
	  "expected an address or \"$set\", got \",\"" },
	{ "unclosed list", "set a = { 10.0.0.1\npass log", 2, 1,
	  "expected an address, \"$set\", \",\" or \"}\", got \"pass\"" },
	{ "set without =", "set a any", 1, 7, "expected \"=\", got \"any\"" },
	{ "set junk after", "set a = any log", 1, 13, "expected end of line, got \"log\"" },
	{ "interface kind", "interface outside = eth0", 1, 11,
	  "expected \"external\" or \"internal\", got \"outside\"" },
	{ "interface twice", "interface external = a\ninterface external = b", 2, 1,
	  "interface external declared twice (first at line 1)" },
	{ "too many interfaces", "interface external = { e0 e1 e2 e3 e4 e5 e6 e7 e8 e9 e10 e11 e12 e13 e14 e15 e16 e17 e18 e19 e20 e21 e22 e23 e24 e25 e26 e27 e28 e29 e30 e31 e32 e33 e34 e35 e36 e37 e38 e39 }\ninterface internal = { i0 i1 i2 i3 i4 i5 i6 i7 i8 i9 i10 i11 i12 i13 i14 i15 i16 i17 i18 i19 i20 i21 i22 i23 i24 }", 2, 110,
	  "too many interfaces (at most 64 in all)" },
	{ "interface listed twice", "interface external = a\ninterface internal = { b a }", 2, 26,
	  "interface \"a\" listed twice" },
	{ "interface name", "interface external = eth0:1", 1, 22,
	  "invalid interface name \"eth0:1\" (at most 15 letters, digits, \"_\", \".\" or \"-\")" },
	{ "interface name long", "interface external = abcdefghijklmnop", 1, 22,
	  "invalid interface name \"abcdefghijklmnop\" (at most 15 letters, digits, \"_\", \".\" "
	  "or \"-\")" },
	{ "interface empty", "interface internal = { }", 1, 24,
	  "expected an interface name, got \"}\"" },
	{ "column after continuation", "pass \\\n  proto tcp \\\n  frm any", 3, 3,
	  "expected \"from\" or \"to\", got \"frm\"" },
	{ "column after tab", "pass\tfrom\tfoo", 1, 11,
	  "expected an address, \"any\", \"$set\" or \"{\", got \"foo\"" },
	{ "long word", "pass from a123456789012345678901234567890123456789012345678901234567890",
	  1, 11, "expected an address, \"any\", \"$set\" or \"{\", got "
	  "\"a123456789012345678901234567890123456789...\"" },
};

START_TEST(test_bad)
{
	struct diag_list dl;
	struct rules_file *f = parse(bad[_i].text, &dl);

	ck_assert_msg(f == NULL, "%s: \"%s\" parsed", bad[_i].name, bad[_i].text);
	ck_assert_msg(dl.n == 1, "%s: %u diagnostics, want 1 (first: %u:%u: %s)", bad[_i].name,
		      dl.n, dl.d[0].line, dl.d[0].col, dl.d[0].msg);
	ck_assert_msg(!strcmp(dl.d[0].msg, bad[_i].msg), "%s: message \"%s\", want \"%s\"",
		      bad[_i].name, dl.d[0].msg, bad[_i].msg);
	ck_assert_msg(dl.d[0].line == bad[_i].line && dl.d[0].col == bad[_i].col,
		      "%s: at %u:%u, want %u:%u", bad[_i].name, dl.d[0].line, dl.d[0].col,
		      bad[_i].line, bad[_i].col);
	ck_assert_str_eq(dl.d[0].file, "t.rules");
}
END_TEST

/* Every error is reported, in file order, each line once; the file is refused. */
START_TEST(test_many_errors)
{
	static const char text[] =
		"pass in proto ah from $ext to $int\n"		/* 1: in/out, 2x undefined */
		"set net = 10.0.0.1/8\n"			/* 2: host bits */
		"pass proto tcp from any prot 22 log log\n"	/* 3: one syntax error only */
		"set x = { 10.0.0.0/8\n"			/* 4: unclosed, recovered at 5 */
		"pass proto ah payload\n"			/* 5 */
		"block to { 10.0.0.0/8,\n"			/* 6..8: one logical line */
		"  10.1.0.0/16 junk\n"
		"  10.2.0.0/16 }\n"
		"pass log\n";					/* 9: fine */
	static const struct { unsigned line, col; const char *start; } want[] = {
		{ 1, 6, "in/out need" }, { 1, 23, "undefined set \"$ext\"" },
		{ 1, 31, "undefined set \"$int\"" }, { 2, 11, "10.0.0.1/8 has host bits" },
		{ 3, 25, "expected \"port\" or \"to\"" }, { 5, 1, "expected an address, " },
		{ 5, 15, "\"payload\"" }, { 7, 15, "expected an address, " },
	};
	struct diag_list dl;
	struct rules_file *f = parse(text, &dl);
	size_t i;

	ck_assert_ptr_null(f);
	ck_assert_uint_eq(dl.n, ARRAY_SIZE(want));
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		ck_assert_msg(dl.d[i].line == want[i].line && dl.d[i].col == want[i].col &&
			      !strncmp(dl.d[i].msg, want[i].start, strlen(want[i].start)),
			      "diag %zu: %u:%u: %s", i, dl.d[i].line, dl.d[i].col, dl.d[i].msg);
	}
}
END_TEST

START_TEST(test_error_cap)
{
	char text[2048] = "";
	struct diag_list dl;
	struct rules_file *f;
	int i;

	for (i = 0; i < DIAG_MAX + 7; i++)
		strcat(text, "pass log log\n");
	strcat(text, "pass log\n");
	f = parse(text, &dl);
	ck_assert_ptr_null(f);
	ck_assert_uint_eq(dl.n, DIAG_MAX);
	ck_assert_uint_eq(dl.dropped, 7);
	ck_assert_uint_eq(dl.d[DIAG_MAX - 1].line, DIAG_MAX);
}
END_TEST

/* An earlier caller's diagnostics stay in place; only ours are sorted. */
START_TEST(test_diag_append)
{
	struct diag_list dl = { 0 };
	struct rules_file *f;

	diag_add(&dl, "other", 99, 1, "earlier");
	f = rules_parse_string("t.rules", "pass in\npass log log\n", 21, &dl);
	ck_assert_ptr_null(f);
	ck_assert_uint_eq(dl.n, 3);
	ck_assert_str_eq(dl.d[0].msg, "earlier");
	ck_assert_uint_eq(dl.d[1].line, 1);
	ck_assert_uint_eq(dl.d[2].line, 2);
}
END_TEST

START_TEST(test_file)
{
	struct diag_list dl = { 0 };
	struct rules_file *f;
	char buf[512], want[512];

	f = rules_parse_file("/nonexistent/ipsecfw.rules", &dl);
	ck_assert_ptr_null(f);
	ck_assert_uint_eq(dl.n, 1);
	ck_assert_uint_eq(dl.d[0].line, 0);
	diag_format(&dl.d[0], buf, sizeof(buf));
	snprintf(want, sizeof(want), "/nonexistent/ipsecfw.rules: cannot open: %s",
		 strerror(ENOENT));
	ck_assert_str_eq(buf, want);

	memset(&dl, 0, sizeof(dl));
	f = rules_parse_file(unit_path("rules/seed-table.rules"), &dl);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->n_rules, 14);
	ck_assert_uint_eq(f->n_sets, 2);
	ck_assert_str_eq(f->path, unit_path("rules/seed-table.rules"));
	rules_file_free(f);
}
END_TEST

/* A text with NULs and no final newline is handled by its length, not by C-string rules. */
START_TEST(test_length)
{
	struct diag_list dl = { 0 };
	struct rules_file *f;

	f = rules_parse_string("t.rules", "pass log\0junk", 8, &dl);
	ck_assert_ptr_nonnull(f);
	ck_assert(f->n_rules == 1 && f->rules[0].log);
	rules_file_free(f);
	f = rules_parse_string("t.rules", "pass\0log", 8, &dl);
	ck_assert_ptr_null(f);
	ck_assert_str_eq(dl.d[0].msg, "unexpected character 0x00");
	memset(&dl, 0, sizeof(dl));
	f = rules_parse_string("t.rules", NULL, 0, &dl);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(dl.n, 0);
	rules_file_free(f);
	rules_file_free(NULL);
}
END_TEST

START_TEST(test_comment_length)
{
	char text[400] = "pass comment \"";
	struct diag_list dl;
	struct rules_file *f;

	memset(text + strlen(text), 'x', 255);
	strcat(text, "\"");
	f = parse_ok("255 bytes", text);
	ck_assert_uint_eq(strlen(f->rules[0].comment), 255);
	rules_file_free(f);
	text[strlen(text) - 1] = 0;
	strcat(text, "\\\\\"");
	f = parse(text, &dl);
	ck_assert_ptr_null(f);
	ck_assert_uint_eq(dl.n, 1);
	ck_assert_str_eq(dl.d[0].msg, "comment is too long (256 bytes, at most 255)");
	ck_assert_uint_eq(dl.d[0].col, 14);
}
END_TEST

START_TEST(test_format_truncation)
{
	struct rules_file *f = parse_ok("trunc", "pass proto tcp to port 22 comment \"hello\"");
	char big[256], small[10];
	int n = rules_rule_format(&f->rules[0], big, sizeof(big));
	int m = rules_rule_format(&f->rules[0], small, sizeof(small));

	ck_assert_int_eq(n, m);
	ck_assert_str_eq(big, "pass proto tcp to port 22 comment \"hello\"");
	ck_assert_str_eq(small, "pass prot");
	ck_assert_int_eq(rules_rule_format(&f->rules[0], NULL, 0), n);
	ck_assert_int_eq(rules_addr_format(&f->rules[0].to, big, sizeof(big)), 0);
	rules_file_free(f);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(rules_proto_name(51), "ah");
	ck_assert_str_eq(rules_proto_name(50), "esp");
	ck_assert_str_eq(rules_proto_name(6), "tcp");
	ck_assert_str_eq(rules_proto_name(17), "udp");
	ck_assert_str_eq(rules_proto_name(1), "icmp");
	ck_assert_str_eq(rules_proto_name(58), "icmp6");
	ck_assert_ptr_null(rules_proto_name(132));
	ck_assert_ptr_null(rules_proto_name(-1));
	ck_assert_str_eq(rules_verdict_name(RULES_PASS), "pass");
	ck_assert_str_eq(rules_verdict_name(RULES_BLOCK), "block");
}
END_TEST

Suite *rules_suite(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("rules");

	tcase_add_loop_test(tc, test_good_format, 0, ARRAY_SIZE(good));
	tcase_add_loop_test(tc, test_good_roundtrip, 0, ARRAY_SIZE(good));
	tcase_add_loop_test(tc, test_seed_roundtrip, 0, 2);
	tcase_add_test(tc, test_tree_file);
	tcase_add_test(tc, test_tree_rules);
	tcase_add_test(tc, test_defaults);
	tcase_add_loop_test(tc, test_bad, 0, ARRAY_SIZE(bad));
	tcase_add_test(tc, test_many_errors);
	tcase_add_test(tc, test_error_cap);
	tcase_add_test(tc, test_diag_append);
	tcase_add_test(tc, test_file);
	tcase_add_test(tc, test_length);
	tcase_add_test(tc, test_comment_length);
	tcase_add_test(tc, test_format_truncation);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}
