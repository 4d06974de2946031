/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef IPSECFW_RULES_H
#define IPSECFW_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipsecfw/util.h"

/*
 * Rule language (ipsecfw.rules(5)): lexer, parser and the syntax tree it builds. Control path
 * only: everything here may allocate. The parser keeps going after an error and reports up to
 * DIAG_MAX of them with file:line:col; a file with any error yields no tree at all.
 */

#define RULES_NAME_MAX 32	/* set and interface names, including the NUL */
#define RULES_IFACES_MAX 64	/* interfaces declared in one file, external and internal */

enum rules_verdict { RULES_PASS = 0, RULES_BLOCK = 1, RULES_VERDICT_MAX };
enum rules_dir { RULES_DIR_ANY = 0, RULES_DIR_IN, RULES_DIR_OUT };

/* An address prefix. family 4 or 6; addr in network order (IPv4 in bytes 0..3). */
struct rules_cidr {
	uint8_t family;
	uint8_t prefix;		/* 0..32 or 0..128 */
	uint8_t addr[16];
};

enum rules_addr_kind {
	RULES_ADDR_CIDR,	/* 192.0.2.0/24, 2001:db8::1 (a host is a full-length prefix) */
	RULES_ADDR_SET,		/* $name */
	RULES_ADDR_ANY,		/* any */
};

struct rules_addr_item {
	enum rules_addr_kind kind;
	bool neg;		/* "!" before this item */
	struct rules_cidr cidr;
	char set[RULES_NAME_MAX];
};

/*
 * An address expression: one item, or a braced list of items (matches if any item matches),
 * optionally negated as a whole. n == 0 means "not given" (matches everything).
 */
struct rules_addr {
	bool neg;
	size_t n;
	struct rules_addr_item *items;
};

struct rules_port_range {
	uint16_t lo, hi;	/* inclusive; lo == hi for a single port */
};

/* A port expression: one port, a range a:b, or a braced list of those. n == 0: not given. */
struct rules_ports {
	bool neg;
	size_t n;
	struct rules_port_range *r;
};

/* What an `inner ...` clause asks of the header that AH (or decrypted ESP) carries. */
struct rules_inner {
	bool present;		/* the rule has an inner clause at all */
	int proto;		/* -1: any */
	struct rules_addr from, to;
	struct rules_ports sport, dport;
	bool has_flags;
	uint8_t flags, flags_mask;	/* pf "flags F/M": (tcp_flags & M) == F */
};

/* State words: what the IPsec stage found out about the packet's AH. */
enum rules_auth {
	RULES_AUTH_ANY = 0,	/* no state word */
	RULES_AUTH_VERIFIED,	/* verified: ICV checked with a key from the SA store */
	RULES_AUTH_UNVERIFIED,	/* unverified: AH with no key in the store */
	RULES_AUTH_REPLAYED,	/* replayed: ICV checked, sequence number seen (policy replay pass) */
};

struct rules_rule {
	unsigned line;		/* where the rule starts in its file */
	enum rules_auth auth;
	enum rules_verdict verdict;
	enum rules_dir dir;
	int proto;		/* -1: any */
	struct rules_addr from, to;
	struct rules_ports sport, dport;
	bool has_flags;		/* outer TCP flags F/M */
	uint8_t flags, flags_mask;
	bool has_spi;
	uint32_t spi_lo, spi_hi;
	struct rules_inner inner;
	bool has_mark;
	uint32_t mark;
	bool log;
	char *comment;		/* NULL when none */
};

struct rules_set {
	char name[RULES_NAME_MAX];
	unsigned line;
	struct rules_addr addr;	/* the set's body, which may refer to earlier sets */
};

struct rules_iflist {
	size_t n;
	char (*names)[RULES_NAME_MAX];
};

struct rules_file {
	char *path;
	struct rules_iflist ext_ifs;	/* interface external = { ... } */
	struct rules_iflist int_ifs;	/* interface internal = { ... } */
	size_t n_sets;
	struct rules_set *sets;
	enum rules_verdict policy;	/* default: block */
	enum rules_verdict icv_policy;	/* policy icv-failure: AH whose ICV fails; default block */
	enum rules_verdict replay_policy;/* policy replay: replayed AH; default block */
	size_t n_rules;
	struct rules_rule *rules;
};

/*
 * Parse rule text. `name` is used in diagnostics. Returns a tree owned by the caller (free with
 * rules_file_free) or NULL with at least one diagnostic in *dl. Any thread; no globals.
 */
struct rules_file *rules_parse_string(const char *name, const char *text, size_t len,
				      struct diag_list *dl) MUST_CHECK;

/* Read and parse a file; an unreadable file is one diagnostic naming it and errno. */
struct rules_file *rules_parse_file(const char *path, struct diag_list *dl) MUST_CHECK;

void rules_file_free(struct rules_file *f);

/*
 * Normalized text of one rule, as `ipsecfw check` prints it and as the parser reads it back
 * (parse -> print -> parse gives the same tree). Returns the length snprintf would.
 */
int rules_rule_format(const struct rules_rule *r, char *buf, size_t size);

/* Normalized text of a set body ("{ 192.0.2.0/24, 2001:db8:2::/48 }", "! $int"). */
int rules_addr_format(const struct rules_addr *a, char *buf, size_t size);

/* The same, whole, in a malloc'd string the caller frees (never cut short). */
char *rules_rule_text(const struct rules_rule *r);
char *rules_addr_text(const struct rules_addr *a);

/* Look a set up by name in f; NULL when absent. */
const struct rules_set *rules_set_find(const struct rules_file *f, const char *name);

const char *rules_verdict_name(enum rules_verdict v);
/* "ah", "esp", "tcp", ... or NULL for a protocol with no name (printed as a number). */
const char *rules_proto_name(int proto);

#endif
