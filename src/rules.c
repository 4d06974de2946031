// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rules: the lexer, parser and printer of the rule language (ipsecfw.rules(5)). The text is
 * cut into tokens first (words, strings, punctuation and end-of-line markers, each with its
 * line and column); the parser then reads one logical line per statement. After an error it
 * skips to the end of that logical line and goes on, so that one run reports every error;
 * a file with any error yields no tree at all.
 *
 * Everything the parser accepts is also checked for meaning here (sets defined before use,
 * host bits beyond a prefix, ports only with tcp/udp, spi and inner only with ah/esp, ...),
 * so that ruleset_build() never has to refuse a tree. The printer writes the normalized form
 * that `ipsecfw check` shows; it parses back to the same tree.
 *
 * Control path only: everything here may allocate (xmalloc). No globals; any thread.
 */
#include "ipsecfw/rules.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILE_MAX	(16u << 20)	/* refuse rule files larger than this */
#define COMMENT_MAX	255		/* bytes of a rule comment, after unescaping */
#define IFNAME_MAX	15		/* IFNAMSIZ - 1 */
#define SUGGEST_MAX	12		/* longest word a "did you mean" is computed for */

#define PROTO_ICMP	1
#define PROTO_TCP	6
#define PROTO_UDP	17
#define PROTO_ESP	50
#define PROTO_AH	51
#define PROTO_ICMP6	58

/* ---- tokens ---- */

enum tok_type { T_WORD, T_STRING, T_LBRACE, T_RBRACE, T_COMMA, T_BANG, T_EQ, T_NL, T_EOF, T_ERR };

enum lex_err { LEX_CHAR = 1, LEX_UNTERMINATED, LEX_ESCAPE, LEX_CONTROL };

struct tok {
	enum tok_type type;
	enum lex_err err;	/* T_ERR only */
	bool bol;		/* first token of its physical line */
	unsigned line, col;	/* T_ERR: where the offending byte is */
	size_t off, len;	/* bytes of the token in the text (strings with their quotes) */
	size_t eoff;		/* T_ERR: offset of the offending byte */
};

struct lexer {
	const char *s;
	size_t len, pos, line_start;
	unsigned line;
	bool bol;
	struct tok *v;
	size_t n, cap;
};

static bool is_word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == ':' || c == '/' || c == '$' || c == '-';
}

static struct tok *lex_push(struct lexer *lx, enum tok_type type, size_t off, size_t len)
{
	struct tok *t;

	if (lx->n == lx->cap) {
		lx->cap = lx->cap ? 2 * lx->cap : 256;
		lx->v = xrealloc(lx->v, lx->cap * sizeof(*lx->v));
	}
	t = &lx->v[lx->n++];
	*t = (struct tok){ .type = type, .bol = lx->bol, .line = lx->line,
			   .col = (unsigned)(off - lx->line_start + 1), .off = off, .len = len };
	lx->bol = false;
	return t;
}

static void lex_fail(struct lexer *lx, struct tok *t, enum lex_err err, size_t eoff)
{
	t->type = T_ERR;
	t->err = err;
	t->eoff = eoff;
	t->col = (unsigned)(eoff - lx->line_start + 1);
}

/* A double-quoted string: \" and \\ are the only escapes; it ends at the line's end. */
/* The first problem in a string at offset i, or 0; *skip is set for a valid escape. */
static enum lex_err string_char(const struct lexer *lx, size_t i, size_t *skip)
{
	unsigned char c = i < lx->len ? (unsigned char)lx->s[i] : '\n';

	*skip = 1;
	if (c == '\n')
		return LEX_UNTERMINATED;
	if (c == '\\' && i + 1 < lx->len && (lx->s[i + 1] == '"' || lx->s[i + 1] == '\\')) {
		*skip = 2;
		return 0;
	}
	if (c == '\\')
		return LEX_ESCAPE;
	if ((c < 0x20 && c != '\t') || c == 0x7f)
		return LEX_CONTROL;
	return 0;
}

/* A double-quoted string: \" and \\ are the only escapes; it ends at the line's end. */
static void lex_string(struct lexer *lx)
{
	size_t i = lx->pos + 1, eoff = 0, skip;
	enum lex_err err = 0, e;
	struct tok *t;

	for (;;) {
		e = string_char(lx, i, &skip);
		if (e == LEX_UNTERMINATED) {
			if (!err) {
				err = e;
				eoff = lx->pos;
			}
			break;
		}
		if (e && !err) {
			err = e;
			eoff = i;
		}
		i += skip;
		if (lx->s[i - 1] == '"' && skip == 1)
			break;
	}
	t = lex_push(lx, T_STRING, lx->pos, i - lx->pos);
	if (err)
		lex_fail(lx, t, err, eoff);
	lx->pos = i;
}

static enum tok_type punct_type(char c)
{
	switch (c) {
	case '{': return T_LBRACE;
	case '}': return T_RBRACE;
	case ',': return T_COMMA;
	case '!': return T_BANG;
	case '=': return T_EQ;
	default: return T_ERR;
	}
}

static void lex_newline(struct lexer *lx, bool token)
{
	if (token)
		lex_push(lx, T_NL, lx->pos, 0);
	lx->pos++;
	lx->line++;
	lx->line_start = lx->pos;
	lx->bol = token;
}

/* A backslash right before the end of a line joins the next line to this one. */
static bool lex_continuation(struct lexer *lx)
{
	size_t i = lx->pos + 1;

	if (i < lx->len && lx->s[i] == '\r')
		i++;
	if (i >= lx->len || lx->s[i] != '\n')
		return false;
	lx->pos = i;
	lex_newline(lx, false);
	return true;
}

static void lex_one(struct lexer *lx)
{
	char c = lx->s[lx->pos];
	size_t start = lx->pos;

	if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
		lx->pos++;
	} else if (c == '#') {
		while (lx->pos < lx->len && lx->s[lx->pos] != '\n')
			lx->pos++;
	} else if (c == '\n') {
		lex_newline(lx, true);
	} else if (c == '\\' && lex_continuation(lx)) {
		/* joined */
	} else if (c == '"') {
		lex_string(lx);
	} else if (is_word_char((unsigned char)c)) {
		while (lx->pos < lx->len && is_word_char((unsigned char)lx->s[lx->pos]))
			lx->pos++;
		lex_push(lx, T_WORD, start, lx->pos - start);
	} else if (punct_type(c) != T_ERR) {
		lex_push(lx, punct_type(c), start, 1);
		lx->pos++;
	} else {
		lex_fail(lx, lex_push(lx, T_ERR, start, 1), LEX_CHAR, start);
		lx->pos++;
	}
}

/* Cut the whole text into tokens; the last line always ends in T_NL, then T_EOF. */
static void lex_all(struct lexer *lx)
{
	while (lx->pos < lx->len)
		lex_one(lx);
	if (!lx->n || lx->v[lx->n - 1].type != T_NL)
		lex_push(lx, T_NL, lx->pos, 0);
	lex_push(lx, T_EOF, lx->pos, 0);
}

/* ---- parser state and diagnostics ---- */

enum kw {
	KW_PASS, KW_BLOCK, KW_SET, KW_INTERFACE, KW_POLICY,
	KW_IN, KW_OUT, KW_PROTO, KW_FROM, KW_TO, KW_PORT,
	KW_FLAGS, KW_SPI, KW_INNER, KW_MARK, KW_LOG, KW_COMMENT,
	KW_VERIFIED, KW_UNVERIFIED, KW_REPLAYED,
	KW_MAX
};

static const char *const kw_names[KW_MAX] = {
	"pass", "block", "set", "interface", "policy",
	"in", "out", "proto", "from", "to", "port",
	"flags", "spi", "inner", "mark", "log", "comment",
	"verified", "unverified", "replayed",
};

#define KB(k)		(1u << (k))
#define KB_STMT		(KB(KW_PASS) | KB(KW_BLOCK) | KB(KW_SET) | KB(KW_INTERFACE) | KB(KW_POLICY))
#define KB_OPTS		(KB(KW_FLAGS) | KB(KW_SPI) | KB(KW_INNER) | KB(KW_MARK) | KB(KW_LOG) | \
			 KB(KW_COMMENT) | KB(KW_VERIFIED) | KB(KW_UNVERIFIED) | KB(KW_REPLAYED))
#define KB_STATE	(KB(KW_VERIFIED) | KB(KW_UNVERIFIED) | KB(KW_REPLAYED))

/* Words that later versions will give a meaning: refused, never ignored. */
static const char *const reserved_words[] = { "ike", "payload" };

#define ADDR_EXPECT	"an address, \"any\", \"$set\" or \"{\""
#define PORT_EXPECT	"a port number (0..65535), a range a:b or \"{\""
#define PROTO_EXPECT	"a protocol (ah, esp, tcp, udp, icmp, icmp6 or 0..255)"
#define FLAGS_EXPECT	"TCP flags (letters from FSRPAUEW, like S/SA)"

struct dirpos {
	unsigned line, col;	/* of the rule's "in"/"out"; line 0 when it has none */
};

struct parser {
	const char *name;
	const char *text;
	const struct tok *t;
	size_t i;
	struct diag_list *dl;
	unsigned errors;	/* all errors, including those past the DIAG_MAX cap */
	unsigned depth;		/* open "{" of the statement being parsed */
	struct rules_file *f;
	size_t rules_cap, sets_cap;
	struct dirpos *dirs;	/* one per rule in f */
	unsigned policy_line;
	unsigned icv_policy_line;
	unsigned replay_policy_line;
	unsigned if_line[2];	/* external, internal */
};

static const struct tok *peek(const struct parser *p)
{
	return &p->t[p->i];
}

/* Return the current token and move on; never moves past T_EOF. */
static const struct tok *next(struct parser *p)
{
	const struct tok *t = &p->t[p->i];

	if (t->type != T_EOF)
		p->i++;
	return t;
}

static const char *tok_text(const struct parser *p, const struct tok *t)
{
	return p->text + t->off;
}

static bool tok_is(const struct parser *p, const struct tok *t, const char *w)
{
	size_t n = strlen(w);

	return t->type == T_WORD && t->len == n && !memcmp(tok_text(p, t), w, n);
}

static int keyword(const struct parser *p, const struct tok *t)
{
	int k;

	for (k = 0; k < KW_MAX; k++)
		if (tok_is(p, t, kw_names[k]))
			return k;
	return -1;
}

static void perr(struct parser *p, const struct tok *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void perr(struct parser *p, const struct tok *t, const char *fmt, ...)
{
	char msg[DIAG_MSG];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(p->dl, p->name, t->line, t->col, "%s", msg);
	p->errors++;
}

static void lex_error(struct parser *p, const struct tok *t)
{
	unsigned char c = (unsigned char)p->text[t->eoff];

	switch (t->err) {
	case LEX_CHAR:
		if (c > 0x20 && c < 0x7f)
			perr(p, t, "unexpected character '%c'", c);
		else
			perr(p, t, "unexpected character 0x%02x", c);
		break;
	case LEX_UNTERMINATED:
		perr(p, t, "unterminated string (a string ends on its line)");
		break;
	case LEX_ESCAPE:
		perr(p, t, "unknown escape in string (only \\\" and \\\\ are allowed)");
		break;
	case LEX_CONTROL:
		perr(p, t, "control character 0x%02x in string", c);
		break;
	}
}

/* Optimal string alignment distance (edits and adjacent swaps), for "did you mean". */
static unsigned edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
	unsigned d[SUGGEST_MAX + 1][SUGGEST_MAX + 1];
	size_t i, j;

	for (i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			unsigned v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

/* A keyword among `cands` close to the word t, unless `what` already names it. */
static const char *suggest(const struct parser *p, const struct tok *t, const char *what,
			   unsigned cands)
{
	char quoted[16];
	int k;

	if (t->type != T_WORD || t->len > SUGGEST_MAX)
		return NULL;
	for (k = 0; k < KW_MAX; k++) {
		size_t n = strlen(kw_names[k]);

		if (!(cands & KB(k)))
			continue;
		if (edit_distance(tok_text(p, t), t->len, kw_names[k], n) > (n >= 5 ? 2u : 1u))
			continue;
		snprintf(quoted, sizeof(quoted), "\"%s\"", kw_names[k]);
		if (!strstr(what, quoted))
			return kw_names[k];
	}
	return NULL;
}

static bool is_reserved(const struct parser *p, const struct tok *t)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(reserved_words); i++)
		if (tok_is(p, t, reserved_words[i]))
			return true;
	return false;
}

static void describe(const struct parser *p, const struct tok *t, char *buf, size_t size)
{
	if (t->type == T_STRING)
		snprintf(buf, size, "a string");
	else if (t->len > 40)
		snprintf(buf, size, "\"%.40s...\"", tok_text(p, t));
	else
		snprintf(buf, size, "\"%.*s\"", (int)t->len, tok_text(p, t));
}

/*
 * Report that t is not what the grammar wants here (`what`, in words). Lexer errors, the
 * end of the line and reserved words get messages of their own. Always returns -1.
 */
static int expected(struct parser *p, const struct tok *t, const char *what, unsigned cands)
{
	char got[64];
	const char *hint;

	if (t->type == T_NL) {
		perr(p, t, "unexpected end of line, expected %s", what);
	} else if (t->type == T_EOF) {
		perr(p, t, "unexpected end of file, expected %s", what);
	} else if (t->type == T_ERR) {
		lex_error(p, t);
	} else if (is_reserved(p, t)) {
		perr(p, t, "\"%.*s\" is not supported yet", (int)t->len, tok_text(p, t));
	} else {
		describe(p, t, got, sizeof(got));
		hint = suggest(p, t, what, cands);
		if (hint)
			perr(p, t, "expected %s, got %s (did you mean \"%s\"?)", what, got, hint);
		else
			perr(p, t, "expected %s, got %s", what, got);
	}
	return -1;
}

static int expect_type(struct parser *p, enum tok_type type, const char *what)
{
	if (peek(p)->type != type)
		return expected(p, peek(p), what, 0);
	next(p);
	return 0;
}

static int expect_eol(struct parser *p)
{
	return expect_type(p, T_NL, "end of line");
}

static bool stmt_start(const struct parser *p, const struct tok *t)
{
	int k = keyword(p, t);

	return t->bol && k >= 0 && (KB_STMT & KB(k));
}

/*
 * Error recovery: skip to the end of the logical line, counting braces. A statement keyword
 * at the start of a line inside an unclosed "{" ends the skip too, so that one missing "}"
 * does not swallow the rest of the file.
 */
static void skip_line(struct parser *p)
{
	unsigned depth = p->depth;

	for (;;) {
		const struct tok *t = peek(p);

		if (t->type == T_EOF)
			return;
		if (depth && stmt_start(p, t))
			return;
		next(p);
		if (t->type == T_LBRACE)
			depth++;
		else if (t->type == T_RBRACE && depth)
			depth--;
		else if (t->type == T_NL && !depth)
			return;
	}
}

/* ---- numbers ---- */

/* Decimal or 0x hex. 0: ok; -1: not a number; -2: a number larger than max. */
static int parse_num(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	bool over = false;
	size_t i = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		return -1;
	for (; i < len; i++) {
		char c = s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -1;
		if (v > (max - d) / base)
			over = true;
		else
			v = v * base + d;
	}
	*out = v;
	return over ? -2 : 0;
}

/* A word "a" or "a:b" of numbers up to max; -1: not numbers (nothing consumed). */
static int parse_range(struct parser *p, uint64_t max, uint64_t *lo, uint64_t *hi, bool *over)
{
	const struct tok *t = peek(p);
	const char *s = tok_text(p, t);
	const char *colon;
	size_t n1;
	int r1, r2;

	if (t->type != T_WORD)
		return -1;
	colon = memchr(s, ':', t->len);
	n1 = colon ? (size_t)(colon - s) : t->len;
	r1 = parse_num(s, n1, max, lo);
	r2 = colon ? parse_num(colon + 1, t->len - n1 - 1, max, hi) : r1;
	if (r1 == -1 || r2 == -1)
		return -1;
	if (!colon)
		*hi = *lo;
	*over = r1 == -2 || r2 == -2;
	next(p);
	return 0;
}

/* ---- addresses ---- */

static void item_push(struct rules_addr *a, const struct rules_addr_item *it)
{
	a->items = xrealloc(a->items, (a->n + 1) * sizeof(*a->items));
	a->items[a->n++] = *it;
}

static void addr_fini(struct rules_addr *a)
{
	free(a->items);
	a->items = NULL;
	a->n = 0;
}

static void cidr_mask(struct rules_cidr *c)
{
	unsigned bytes = c->family == 4 ? 4 : 16, i;

	for (i = 0; i < bytes; i++) {
		unsigned keep = c->prefix > 8 * i ? c->prefix - 8 * i : 0;

		if (keep < 8)
			c->addr[i] &= (uint8_t)(0xff00u >> keep);
	}
}

static void cidr_text(const struct rules_cidr *c, bool always_len, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];
	unsigned full = c->family == 4 ? 32 : 128;

	inet_ntop(c->family == 4 ? AF_INET : AF_INET6, c->addr, a, sizeof(a));
	if (always_len || c->prefix != full)
		snprintf(buf, size, "%s/%u", a, c->prefix);
	else
		snprintf(buf, size, "%s", a);
}

static void check_host_bits(struct parser *p, const struct tok *t, const struct rules_cidr *c)
{
	struct rules_cidr m = *c;
	char want[INET6_ADDRSTRLEN + 8];

	cidr_mask(&m);
	if (!memcmp(m.addr, c->addr, sizeof(m.addr)))
		return;
	cidr_text(&m, true, want, sizeof(want));
	perr(p, t, "%.*s has host bits set (did you mean %s?)", (int)t->len, tok_text(p, t), want);
}

/* An IPv4 or IPv6 address with an optional /len; errors here leave the parse in step. */
static void parse_cidr(struct parser *p, const struct tok *t, struct rules_cidr *c)
{
	char buf[64], *slash;
	unsigned max;
	uint64_t len;

	if (t->len >= sizeof(buf))
		goto bad;
	memcpy(buf, tok_text(p, t), t->len);
	buf[t->len] = 0;
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = 0;
	c->family = strchr(buf, ':') ? 6 : 4;
	max = c->family == 4 ? 32 : 128;
	c->prefix = (uint8_t)max;
	if (inet_pton(c->family == 4 ? AF_INET : AF_INET6, buf, c->addr) != 1)
		goto bad;
	if (!slash)
		return;
	if (strlen(slash) > 3 || parse_num(slash, strlen(slash), 999, &len) ||
	    (slash[0] == '0' && slash[1])) {
		perr(p, t, "invalid prefix length in \"%s/%s\"", buf, slash);
	} else if (len > max) {
		perr(p, t, "prefix length %u is too long for IPv%u (at most %u)", (unsigned)len,
		     c->family, max);
	} else {
		c->prefix = (uint8_t)len;
		check_host_bits(p, t, c);
	}
	return;
bad:
	perr(p, t, "invalid address \"%.*s\"", (int)(t->len > 64 ? 64 : t->len), tok_text(p, t));
}

static bool valid_set_name(const char *s, size_t len)
{
	size_t i;

	if (!len || len >= RULES_NAME_MAX || (s[0] >= '0' && s[0] <= '9') || s[0] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!is_word_char((unsigned char)s[i]) || strchr(".:/$", s[i]))
			return false;
	return true;
}

static void parse_setref(struct parser *p, const struct tok *t, struct rules_addr_item *it)
{
	const char *s = tok_text(p, t) + 1;
	size_t len = t->len - 1;

	it->kind = RULES_ADDR_SET;
	if (!valid_set_name(s, len)) {
		perr(p, t, "invalid set name \"%.*s\"", (int)(len > 40 ? 40 : len), s);
		return;
	}
	memcpy(it->set, s, len);
	it->set[len] = 0;
	if (!rules_set_find(p->f, it->set))
		perr(p, t, "undefined set \"$%s\"", it->set);
}

static bool addr_like(const struct parser *p, const struct tok *t)
{
	const char *s = tok_text(p, t);

	return t->type == T_WORD && ((s[0] >= '0' && s[0] <= '9') || memchr(s, ':', t->len));
}

/* One "$set" or address, negated or not, appended to a. */
static int addr_one(struct parser *p, struct rules_addr *a, bool neg, const char *what)
{
	const struct tok *t = peek(p);
	struct rules_addr_item it = { .neg = neg };

	if (t->type == T_WORD && tok_text(p, t)[0] == '$')
		parse_setref(p, t, &it);
	else if (addr_like(p, t))
		parse_cidr(p, t, &it.cidr);
	else
		return expected(p, t, what, 0);
	next(p);
	item_push(a, &it);
	return 0;
}

typedef int (*list_item_fn)(struct parser *p, void *ctx, const char *what);

/*
 * "{ item [,] item ... }", the "{" being the current token. Newlines inside the braces are
 * blanks; items are separated by blanks or by one comma. `what` names an item; `more` an
 * item or what may follow one.
 */
static int parse_list(struct parser *p, list_item_fn fn, void *ctx, const char *what,
		      const char *more)
{
	bool comma = false;
	size_t n = 0;

	next(p);
	p->depth++;
	for (;;) {
		const struct tok *t;

		while (peek(p)->type == T_NL)
			next(p);
		t = peek(p);
		if (n && !comma && (t->type == T_RBRACE || t->type == T_COMMA)) {
			next(p);
			if (t->type == T_RBRACE)
				break;
			comma = true;
			continue;
		}
		if (t->type == T_LBRACE) {
			perr(p, t, "lists cannot be nested");
			return -1;
		}
		if (stmt_start(p, t))
			return expected(p, t, n && !comma ? more : what, 0);
		if (fn(p, ctx, n && !comma ? more : what))
			return -1;
		n++;
		comma = false;
	}
	p->depth--;
	return 0;
}

static int addr_item(struct parser *p, void *ctx, const char *what)
{
	bool neg = false;

	if (peek(p)->type == T_BANG) {
		next(p);
		neg = true;
	}
	if (tok_is(p, peek(p), "any")) {
		perr(p, peek(p), "\"any\" cannot be used in a list");
		return -1;
	}
	return addr_one(p, ctx, neg, what);
}

/* ADDR: ["!"] ("any" | address | "$set" | "{" list "}"). */
static int parse_addr(struct parser *p, struct rules_addr *a)
{
	const struct tok *t = peek(p);
	struct rules_addr_item any = { .kind = RULES_ADDR_ANY };

	if (t->type == T_BANG) {
		a->neg = true;
		next(p);
		t = peek(p);
	}
	if (tok_is(p, t, "any")) {
		next(p);
		item_push(a, &any);
		return 0;
	}
	if (t->type != T_LBRACE)
		return addr_one(p, a, false, ADDR_EXPECT);
	if (parse_list(p, addr_item, a, "an address or \"$set\"",
		       "an address, \"$set\", \",\" or \"}\""))
		return -1;
	/* "{ ! x }" is "! x": one tree for one meaning, so printing round-trips. */
	if (a->n == 1 && a->items[0].neg) {
		a->neg = !a->neg;
		a->items[0].neg = false;
	}
	return 0;
}

/* ---- ports ---- */

static int port_one(struct parser *p, void *ctx, const char *what)
{
	struct rules_ports *pt = ctx;
	const struct tok *t = peek(p);
	uint64_t lo, hi;
	bool over;

	if (parse_range(p, UINT16_MAX, &lo, &hi, &over))
		return expected(p, t, what, 0);
	if (over)
		perr(p, t, "port %.*s is out of range (0..65535)", (int)t->len, tok_text(p, t));
	else if (lo > hi)
		perr(p, t, "port range %.*s is backwards (%" PRIu64 " > %" PRIu64 ")",
		     (int)t->len, tok_text(p, t), lo, hi);
	pt->r = xrealloc(pt->r, (pt->n + 1) * sizeof(*pt->r));
	pt->r[pt->n++] = (struct rules_port_range){ (uint16_t)lo, (uint16_t)hi };
	return 0;
}

/* PORTS: ["!"] (port | lo:hi | "{" list "}"). */
static int parse_ports(struct parser *p, struct rules_ports *pt)
{
	if (peek(p)->type == T_BANG) {
		pt->neg = true;
		next(p);
	}
	if (peek(p)->type == T_LBRACE)
		return parse_list(p, port_one, pt, "a port number or a range a:b",
				  "a port number, a range a:b, \",\" or \"}\"");
	return port_one(p, pt, PORT_EXPECT);
}

static bool proto_has_ports(int proto)
{
	return proto == PROTO_TCP || proto == PROTO_UDP;
}

/*
 * "from"/"to" after their keyword: [ADDR] ["port" PORTS]; the address may be left out only
 * when "port" follows. *with_port says whether ports were given.
 */
static int parse_endpoint(struct parser *p, struct rules_addr *a, struct rules_ports *pt,
			  int proto, bool inner, bool *with_port)
{
	const struct tok *t;

	*with_port = false;
	if (!tok_is(p, peek(p), "port") && parse_addr(p, a))
		return -1;
	if (!tok_is(p, peek(p), "port"))
		return 0;
	t = next(p);
	*with_port = true;
	if (parse_ports(p, pt))
		return -1;
	if (!proto_has_ports(proto))
		perr(p, t, "port needs %sproto tcp or udp", inner ? "inner " : "");
	return 0;
}

/* ---- rule options ---- */

static const char flag_letters[] = "FSRPAUEW";	/* bit i is letter i: FIN 0x01 .. CWR 0x80 */

static int flag_bits(const char *s, size_t len, uint8_t *bits)
{
	size_t i;

	*bits = 0;
	for (i = 0; i < len; i++) {
		const char *l = memchr(flag_letters, s[i], 8);

		if (!l || !s[i])
			return -1;
		*bits |= (uint8_t)(1u << (l - flag_letters));
	}
	return 0;
}

/* FLAGS: "F/M", "F" (mask: all eight) or "/M". */
static int parse_flags(struct parser *p, uint8_t *flags, uint8_t *mask)
{
	const struct tok *t = peek(p);
	const char *s = tok_text(p, t), *slash;
	size_t nf;

	if (t->type != T_WORD)
		return expected(p, t, FLAGS_EXPECT, 0);
	slash = memchr(s, '/', t->len);
	nf = slash ? (size_t)(slash - s) : t->len;
	*mask = 0xff;
	if (flag_bits(s, nf, flags) ||
	    (slash && (flag_bits(slash + 1, t->len - nf - 1, mask) || !*mask)) ||
	    (!slash && !nf))
		return expected(p, t, FLAGS_EXPECT, 0);
	next(p);
	if (*flags & ~*mask)
		perr(p, t, "flags %.*s can never match (a flag is set that the mask leaves out)",
		     (int)t->len, s);
	return 0;
}

static int parse_proto(struct parser *p, int *proto)
{
	static const struct { const char *name; int proto; } names[] = {
		{ "ah", PROTO_AH }, { "esp", PROTO_ESP }, { "tcp", PROTO_TCP },
		{ "udp", PROTO_UDP }, { "icmp", PROTO_ICMP }, { "icmp6", PROTO_ICMP6 },
		{ "ipv6-icmp", PROTO_ICMP6 },
	};
	const struct tok *t = peek(p);
	uint64_t v;
	size_t i;
	int rc;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (tok_is(p, t, names[i].name)) {
			*proto = names[i].proto;
			next(p);
			return 0;
		}
	}
	rc = t->type == T_WORD ? parse_num(tok_text(p, t), t->len, 255, &v) : -1;
	if (rc == -1)
		return expected(p, t, PROTO_EXPECT, 0);
	if (rc == -2)
		perr(p, t, "protocol %.*s is out of range (0..255)", (int)t->len, tok_text(p, t));
	*proto = rc ? 0 : (int)v;
	next(p);
	return 0;
}

static int parse_spi(struct parser *p, uint32_t *lo, uint32_t *hi)
{
	const struct tok *t = peek(p);
	uint64_t a, b;
	bool over;

	if (parse_range(p, UINT32_MAX, &a, &b, &over))
		return expected(p, t, "an SPI (a number or a range a:b)", 0);
	if (over)
		perr(p, t, "spi %.*s does not fit in 32 bits", (int)t->len, tok_text(p, t));
	else if (a > b)
		perr(p, t, "spi range %.*s is backwards", (int)t->len, tok_text(p, t));
	*lo = (uint32_t)a;
	*hi = (uint32_t)b;
	return 0;
}

static int parse_mark(struct parser *p, uint32_t *mark)
{
	const struct tok *t = peek(p);
	uint64_t v = 0;
	int rc = t->type == T_WORD ? parse_num(tok_text(p, t), t->len, UINT32_MAX, &v) : -1;

	if (rc == -1)
		return expected(p, t, "a number", 0);
	if (rc == -2)
		perr(p, t, "mark %.*s does not fit in 32 bits", (int)t->len, tok_text(p, t));
	*mark = (uint32_t)v;
	next(p);
	return 0;
}

static int parse_comment(struct parser *p, char **out)
{
	const struct tok *t = peek(p);
	const char *s = tok_text(p, t);
	size_t i, n = 0;
	char *c;

	if (t->type != T_STRING)
		return expected(p, t, "a string in double quotes", 0);
	c = xmalloc(t->len);
	for (i = 1; i + 1 < t->len; i++) {
		if (s[i] == '\\')
			i++;
		c[n++] = s[i];
	}
	c[n] = 0;
	if (n > COMMENT_MAX)
		perr(p, t, "comment is too long (%zu bytes, at most %d)", n, COMMENT_MAX);
	free(*out);
	*out = c;
	next(p);
	return 0;
}

/* ---- inner clause ---- */

static int inner_part(struct parser *p, struct rules_inner *in, int k, const struct tok *kt)
{
	bool with_port;

	switch (k) {
	case KW_PROTO:
		return parse_proto(p, &in->proto);
	case KW_FROM:
		return parse_endpoint(p, &in->from, &in->sport, in->proto, true, &with_port);
	case KW_TO:
		return parse_endpoint(p, &in->to, &in->dport, in->proto, true, &with_port);
	default:
		in->has_flags = true;
		if (parse_flags(p, &in->flags, &in->flags_mask))
			return -1;
		if (in->proto != PROTO_TCP)
			perr(p, kt, "flags needs inner proto tcp");
		return 0;
	}
}

/*
 * INNER after its keyword: ["proto" P] ["from" ...] ["to" ...] ["flags" F], in that order.
 * The clause ends at the first word that is none of these; the rule goes on from there.
 */
static int parse_inner(struct parser *p, struct rules_inner *in)
{
	static const int order[] = { KW_PROTO, KW_FROM, KW_TO, KW_FLAGS };
	int stage = -1, last = KW_INNER;

	in->present = true;
	for (;;) {
		const struct tok *t = peek(p);
		int k = keyword(p, t), s;

		for (s = 0; s < (int)ARRAY_SIZE(order) && order[s] != k; s++)
			;
		if (k == KW_PORT) {
			perr(p, t, "\"port\" must follow \"from\" or \"to\"");
			return -1;
		}
		if (s == (int)ARRAY_SIZE(order))
			return 0;
		if (s == stage) {
			perr(p, t, "\"%s\" given twice in the inner clause", kw_names[k]);
			return -1;
		}
		if (s < stage) {
			perr(p, t, "\"%s\" must come before \"%s\"", kw_names[k], kw_names[last]);
			return -1;
		}
		next(p);
		if (inner_part(p, in, k, t))
			return -1;
		stage = s;
		last = k;
	}
}

/* ---- rules ---- */

enum stage { ST_VERDICT, ST_DIR, ST_PROTO, ST_FROM, ST_FROM_PORT, ST_TO, ST_TO_PORT, ST_OPTS };

struct rule_state {
	enum stage stage;
	unsigned seen;		/* KB() of the keywords given so far */
	int last;		/* the last keyword given */
	struct dirpos dir;
};

/* What may come next in the word order, and the keywords a typo could have meant. */
static const char *const stage_expect[] = {
	[ST_VERDICT] = "\"in\", \"out\", \"proto\", \"from\" or \"to\"",
	[ST_DIR] = "\"proto\", \"from\" or \"to\"",
	[ST_PROTO] = "\"from\" or \"to\"",
	[ST_FROM] = "\"port\" or \"to\"",
	[ST_FROM_PORT] = "\"to\"",
	[ST_TO] = "\"port\" or an option",
	[ST_TO_PORT] = "an option (\"flags\", \"spi\", \"inner\", \"mark\", \"log\" or \"comment\")",
	[ST_OPTS] = "an option (\"flags\", \"spi\", \"inner\", \"mark\", \"log\" or \"comment\")",
};

static enum stage kw_stage(int k)
{
	switch (k) {
	case KW_IN:
	case KW_OUT:
		return ST_DIR;
	case KW_PROTO:
		return ST_PROTO;
	case KW_FROM:
		return ST_FROM;
	case KW_TO:
		return ST_TO;
	default:
		return ST_OPTS;
	}
}

static unsigned stage_cands(const struct rule_state *st)
{
	unsigned c = KB_OPTS & ~st->seen;
	int k;

	for (k = KW_IN; k <= KW_TO; k++)
		if (kw_stage(k) > st->stage)
			c |= KB(k);
	if (st->stage == ST_FROM || st->stage == ST_TO)
		c |= KB(KW_PORT);
	return c;
}

static int rule_positional(struct parser *p, struct rules_rule *r, struct rule_state *st,
			   int k)
{
	const struct tok *t = next(p);
	bool with_port;

	switch (k) {
	case KW_IN:
	case KW_OUT:
		r->dir = k == KW_IN ? RULES_DIR_IN : RULES_DIR_OUT;
		st->dir = (struct dirpos){ t->line, t->col };
		st->stage = ST_DIR;
		return 0;
	case KW_PROTO:
		st->stage = ST_PROTO;
		return parse_proto(p, &r->proto);
	case KW_FROM:
		if (parse_endpoint(p, &r->from, &r->sport, r->proto, false, &with_port))
			return -1;
		st->stage = with_port ? ST_FROM_PORT : ST_FROM;
		return 0;
	default:
		if (parse_endpoint(p, &r->to, &r->dport, r->proto, false, &with_port))
			return -1;
		st->stage = with_port ? ST_TO_PORT : ST_TO;
		return 0;
	}
}

static bool is_ipsec(int proto)
{
	return proto == PROTO_AH || proto == PROTO_ESP;
}

/* What may carry IPsec: AH, ESP, and UDP (ESP in UDP 4500, RFC 3948). */
static bool may_carry_ipsec(int proto)
{
	return is_ipsec(proto) || proto == PROTO_UDP;
}

static int rule_option(struct parser *p, struct rules_rule *r, int k)
{
	const struct tok *t = next(p);

	switch (k) {
	case KW_FLAGS:
		r->has_flags = true;
		if (r->proto != PROTO_TCP)
			perr(p, t, "flags needs proto tcp");
		return parse_flags(p, &r->flags, &r->flags_mask);
	case KW_SPI:
		r->has_spi = true;
		if (!may_carry_ipsec(r->proto))
			perr(p, t, "spi needs proto ah, esp or udp");
		return parse_spi(p, &r->spi_lo, &r->spi_hi);
	case KW_INNER:
		if (!may_carry_ipsec(r->proto))
			perr(p, t, "inner needs proto ah, esp or udp");
		return parse_inner(p, &r->inner);
	case KW_MARK:
		r->has_mark = true;
		return parse_mark(p, &r->mark);
	case KW_LOG:
		r->log = true;
		return 0;
	case KW_VERIFIED:
	case KW_UNVERIFIED:
	case KW_REPLAYED:
		if (!may_carry_ipsec(r->proto))
			perr(p, t, "%s needs proto ah, esp or udp", kw_names[k]);
		r->auth = k == KW_VERIFIED ? RULES_AUTH_VERIFIED :
			  k == KW_UNVERIFIED ? RULES_AUTH_UNVERIFIED : RULES_AUTH_REPLAYED;
		return 0;
	default:
		return parse_comment(p, &r->comment);
	}
}

/* One part of a rule after the verdict: a positional part, an option, or an error. */
static int rule_part(struct parser *p, struct rules_rule *r, struct rule_state *st)
{
	const struct tok *t = peek(p);
	int k = keyword(p, t);
	unsigned same = (k == KW_IN || k == KW_OUT) ? KB(KW_IN) | KB(KW_OUT) :
			(k >= 0 && (KB(k) & KB_STATE)) ? KB_STATE : k >= 0 ? KB(k) : 0;

	if (k < KW_IN || k == KW_PORT) {
		if (k == KW_PORT && (st->stage == ST_FROM_PORT || st->stage == ST_TO_PORT))
			perr(p, t, "\"port\" given twice");
		else if (k == KW_PORT)
			perr(p, t, "\"port\" must follow \"from\" or \"to\"");
		else
			expected(p, t, stage_expect[st->stage], stage_cands(st));
		return -1;
	}
	if (st->seen & same) {
		if (same & KB(KW_IN))
			perr(p, t, "direction given twice");
		else if (same == KB_STATE)
			perr(p, t, "one of verified, unverified and replayed at most");
		else
			perr(p, t, "\"%s\" given twice", kw_names[k]);
		return -1;
	}
	if (kw_stage(k) != ST_OPTS && st->stage >= kw_stage(k)) {
		perr(p, t, "\"%s\" must come before \"%s\"", kw_names[k], kw_names[st->last]);
		return -1;
	}
	st->seen |= same;
	st->last = k;
	if (kw_stage(k) != ST_OPTS)
		return rule_positional(p, r, st, k);
	st->stage = ST_OPTS;
	return rule_option(p, r, k);
}

static void ports_fini(struct rules_ports *pt)
{
	free(pt->r);
	pt->r = NULL;
	pt->n = 0;
}

static void rule_fini(struct rules_rule *r)
{
	addr_fini(&r->from);
	addr_fini(&r->to);
	ports_fini(&r->sport);
	ports_fini(&r->dport);
	addr_fini(&r->inner.from);
	addr_fini(&r->inner.to);
	ports_fini(&r->inner.sport);
	ports_fini(&r->inner.dport);
	free(r->comment);
	r->comment = NULL;
}

static void rule_push(struct parser *p, const struct rules_rule *r, struct dirpos dir)
{
	struct rules_file *f = p->f;

	if (f->n_rules == p->rules_cap) {
		p->rules_cap = p->rules_cap ? 2 * p->rules_cap : 16;
		f->rules = xrealloc(f->rules, p->rules_cap * sizeof(*f->rules));
		p->dirs = xrealloc(p->dirs, p->rules_cap * sizeof(*p->dirs));
	}
	p->dirs[f->n_rules] = dir;
	f->rules[f->n_rules++] = *r;
}

/* RULE: verdict, then the positional parts in order, then options in any order. */
static int parse_rule(struct parser *p)
{
	const struct tok *t = next(p);
	struct rules_rule r = { .line = t->line, .proto = -1, .inner.proto = -1 };
	struct rule_state st = { .stage = ST_VERDICT, .last = keyword(p, t) };

	r.verdict = tok_is(p, t, "pass") ? RULES_PASS : RULES_BLOCK;
	while (peek(p)->type != T_NL) {
		if (rule_part(p, &r, &st)) {
			rule_fini(&r);
			return -1;
		}
	}
	next(p);
	rule_push(p, &r, st.dir);
	return 0;
}

/* ---- other statements ---- */

/* "policy" ("icv-failure" | "replay") ("pass" | "block"): what the IPsec stage drops. */
static int parse_policy_knob(struct parser *p, const struct tok *kw, bool icv)
{
	const struct tok *t = peek(p);
	unsigned *seen = icv ? &p->icv_policy_line : &p->replay_policy_line;
	enum rules_verdict v;

	if (tok_is(p, t, "pass"))
		v = RULES_PASS;
	else if (tok_is(p, t, "block"))
		v = RULES_BLOCK;
	else
		return expected(p, t, "\"pass\" or \"block\"", KB(KW_PASS) | KB(KW_BLOCK));
	next(p);
	if (*seen) {
		perr(p, kw, "policy %s given twice (first at line %u)",
		     icv ? "icv-failure" : "replay", *seen);
	} else {
		*seen = kw->line;
		if (icv)
			p->f->icv_policy = v;
		else
			p->f->replay_policy = v;
	}
	return expect_eol(p);
}

static int parse_policy(struct parser *p)
{
	const struct tok *kw = next(p), *t = peek(p);
	enum rules_verdict v;

	if (tok_is(p, t, "icv-failure") || tok_is(p, t, "replay")) {
		next(p);
		return parse_policy_knob(p, kw, tok_is(p, t, "icv-failure"));
	}
	if (tok_is(p, t, "pass"))
		v = RULES_PASS;
	else if (tok_is(p, t, "block"))
		v = RULES_BLOCK;
	else
		return expected(p, t, "\"pass\", \"block\", \"icv-failure\" or \"replay\"",
				KB(KW_PASS) | KB(KW_BLOCK));
	next(p);
	if (p->policy_line) {
		perr(p, kw, "policy given twice (first at line %u)", p->policy_line);
	} else {
		p->policy_line = kw->line;
		p->f->policy = v;
	}
	return expect_eol(p);
}

static void set_push(struct parser *p, const struct rules_set *s)
{
	struct rules_file *f = p->f;

	if (f->n_sets == p->sets_cap) {
		p->sets_cap = p->sets_cap ? 2 * p->sets_cap : 8;
		f->sets = xrealloc(f->sets, p->sets_cap * sizeof(*f->sets));
	}
	f->sets[f->n_sets++] = *s;
}

/* "set" NAME "=" ADDR. The body may only name sets defined before it. */
static int parse_set(struct parser *p)
{
	const struct tok *kw = next(p), *t = peek(p);
	struct rules_set s = { .line = kw->line };
	const struct rules_set *old;
	bool ok = false;
	int rc;

	if (t->type != T_WORD)
		return expected(p, t, "a set name", 0);
	next(p);
	if (!valid_set_name(tok_text(p, t), t->len)) {
		perr(p, t, "invalid set name \"%.*s\" (a letter or \"_\", then letters, digits, "
		     "\"_\" or \"-\", at most %d)", (int)(t->len > 40 ? 40 : t->len),
		     tok_text(p, t), RULES_NAME_MAX - 1);
	} else {
		memcpy(s.name, tok_text(p, t), t->len);
		old = rules_set_find(p->f, s.name);
		if (old)
			perr(p, t, "set \"%s\" redefined (first defined at line %u)", s.name,
			     old->line);
		ok = !old;
	}
	rc = expect_type(p, T_EQ, "\"=\"") || parse_addr(p, &s.addr) || expect_eol(p) ? -1 : 0;
	/*
	 * A set whose body has an error is still defined, so that its uses do not repeat the
	 * error as "undefined set"; the file is refused anyway.
	 */
	if (ok)
		set_push(p, &s);
	else
		addr_fini(&s.addr);
	return rc;
}

static bool if_listed(const struct rules_iflist *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->names[i], name))
			return true;
	return false;
}

static int iface_item(struct parser *p, void *ctx, const char *what)
{
	struct rules_iflist *l = ctx;
	const struct tok *t = peek(p);
	const char *s = tok_text(p, t);
	char name[RULES_NAME_MAX];
	size_t i;

	if (t->type != T_WORD)
		return expected(p, t, what, 0);
	next(p);
	for (i = 0; i < t->len && !strchr(":/$", s[i]); i++)
		;
	if (i < t->len || t->len > IFNAME_MAX) {
		perr(p, t, "invalid interface name \"%.*s\" (at most %d letters, digits, \"_\", "
		     "\".\" or \"-\")", (int)(t->len > 40 ? 40 : t->len), s, IFNAME_MAX);
		return 0;
	}
	memcpy(name, s, t->len);
	name[t->len] = 0;
	if (if_listed(&p->f->ext_ifs, name) || if_listed(&p->f->int_ifs, name)) {
		perr(p, t, "interface \"%s\" listed twice", name);
		return 0;
	}
	if (p->f->ext_ifs.n + p->f->int_ifs.n >= RULES_IFACES_MAX) {
		perr(p, t, "too many interfaces (at most %d in all)", RULES_IFACES_MAX);
		return 0;
	}
	l->names = xrealloc(l->names, (l->n + 1) * sizeof(*l->names));
	memcpy(l->names[l->n++], name, sizeof(name));
	return 0;
}

/* "interface" ("external" | "internal") "=" (NAME | "{" NAME ... "}"). */
static int parse_interface(struct parser *p)
{
	const struct tok *kw = next(p), *t = peek(p);
	struct rules_iflist *l;
	int which, rc;

	if (tok_is(p, t, "external"))
		which = 0;
	else if (tok_is(p, t, "internal"))
		which = 1;
	else
		return expected(p, t, "\"external\" or \"internal\"", 0);
	next(p);
	if (p->if_line[which])
		perr(p, kw, "interface %s declared twice (first at line %u)",
		     which ? "internal" : "external", p->if_line[which]);
	else
		p->if_line[which] = kw->line;
	l = which ? &p->f->int_ifs : &p->f->ext_ifs;
	if (expect_type(p, T_EQ, "\"=\""))
		return -1;
	if (peek(p)->type == T_LBRACE)
		rc = parse_list(p, iface_item, l, "an interface name",
				"an interface name, \",\" or \"}\"");
	else
		rc = iface_item(p, l, "an interface name or \"{\"");
	return rc ? rc : expect_eol(p);
}

static void parse_statement(struct parser *p)
{
	const struct tok *t = peek(p);
	int rc;

	p->depth = 0;
	switch (keyword(p, t)) {
	case KW_PASS:
	case KW_BLOCK:
		rc = parse_rule(p);
		break;
	case KW_SET:
		rc = parse_set(p);
		break;
	case KW_INTERFACE:
		rc = parse_interface(p);
		break;
	case KW_POLICY:
		rc = parse_policy(p);
		break;
	default:
		if (t->type == T_NL) {
			next(p);
			return;
		}
		rc = expected(p, t, "\"pass\", \"block\", \"set\", \"interface\" or \"policy\"",
			      KB_STMT);
	}
	if (rc)
		skip_line(p);
}

/* in/out need something to be relative to: interfaces (anywhere) or a set named int. */
static void check_directions(struct parser *p)
{
	struct tok at = { 0 };
	size_t i;

	if (p->if_line[0] || p->if_line[1] || rules_set_find(p->f, "int"))
		return;
	for (i = 0; i < p->f->n_rules; i++) {
		if (!p->dirs[i].line)
			continue;
		at.line = p->dirs[i].line;
		at.col = p->dirs[i].col;
		perr(p, &at, "in/out need interface declarations or a set named int");
	}
}

/* Diagnostics in file order (the end-of-file checks come last otherwise); stable. */
static void sort_diags(struct diag_list *dl, unsigned from)
{
	unsigned i, j;

	for (i = from + 1; i < dl->n; i++) {
		struct diag d = dl->d[i];

		for (j = i; j > from && (dl->d[j - 1].line > d.line ||
			     (dl->d[j - 1].line == d.line && dl->d[j - 1].col > d.col)); j--)
			dl->d[j] = dl->d[j - 1];
		dl->d[j] = d;
	}
}

struct rules_file *rules_parse_string(const char *name, const char *text, size_t len,
				      struct diag_list *dl)
{
	struct lexer lx = { .s = text ? text : "", .len = text ? len : 0, .line = 1, .bol = true };
	struct parser p = { .name = name ? name : "", .text = lx.s, .dl = dl };
	unsigned first = dl->n;

	lex_all(&lx);
	p.t = lx.v;
	p.f = xcalloc(1, sizeof(*p.f));
	p.f->path = xstrdup(p.name);
	p.f->policy = RULES_BLOCK;
	p.f->icv_policy = RULES_BLOCK;
	p.f->replay_policy = RULES_BLOCK;
	while (peek(&p)->type != T_EOF)
		parse_statement(&p);
	check_directions(&p);
	sort_diags(dl, first);
	free(lx.v);
	free(p.dirs);
	if (p.errors) {
		rules_file_free(p.f);
		return NULL;
	}
	return p.f;
}

static char *read_all(FILE *fp, size_t *len, int *err)
{
	size_t cap = 4096, n = 0, got;
	char *buf = xmalloc(cap);

	while ((got = fread(buf + n, 1, cap - n, fp)) > 0) {
		n += got;
		if (n > FILE_MAX) {
			*err = EFBIG;
			free(buf);
			return NULL;
		}
		if (n == cap)
			buf = xrealloc(buf, cap *= 2);
	}
	if (ferror(fp)) {
		*err = errno ? errno : EIO;
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

struct rules_file *rules_parse_file(const char *path, struct diag_list *dl)
{
	struct rules_file *f;
	size_t len = 0;
	char *text;
	FILE *fp;
	int err = 0;

	fp = fopen(path, "r");
	if (!fp) {
		diag_add(dl, path, 0, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	errno = 0;
	text = read_all(fp, &len, &err);
	fclose(fp);
	if (!text) {
		diag_add(dl, path, 0, 0, "cannot read: %s", strerror(err));
		return NULL;
	}
	f = rules_parse_string(path, text, len, dl);
	free(text);
	return f;
}

void rules_file_free(struct rules_file *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->n_rules; i++)
		rule_fini(&f->rules[i]);
	free(f->rules);
	for (i = 0; i < f->n_sets; i++)
		addr_fini(&f->sets[i].addr);
	free(f->sets);
	free(f->ext_ifs.names);
	free(f->int_ifs.names);
	free(f->path);
	free(f);
}

const struct rules_set *rules_set_find(const struct rules_file *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n_sets; i++)
		if (!strcmp(f->sets[i].name, name))
			return &f->sets[i];
	return NULL;
}

const char *rules_verdict_name(enum rules_verdict v)
{
	switch (v) {
	case RULES_PASS:
		return "pass";
	case RULES_BLOCK:
		return "block";
	default:
		return "invalid";
	}
}

const char *rules_proto_name(int proto)
{
	switch (proto) {
	case PROTO_AH:
		return "ah";
	case PROTO_ESP:
		return "esp";
	case PROTO_TCP:
		return "tcp";
	case PROTO_UDP:
		return "udp";
	case PROTO_ICMP:
		return "icmp";
	case PROTO_ICMP6:
		return "icmp6";
	default:
		return NULL;
	}
}

/* ---- printing ---- */

/* snprintf into a fixed buffer, piece by piece; len counts what would have been written. */
struct sbuf {
	char *buf;
	size_t size, len;
};

static void sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	size_t room = b->len < b->size ? b->size - b->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? b->buf + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
}

static void sb_addr(struct sbuf *b, const struct rules_addr *a)
{
	char txt[INET6_ADDRSTRLEN + 8];
	size_t i;

	sb_add(b, "%s%s", a->neg ? "! " : "", a->n > 1 ? "{ " : "");
	for (i = 0; i < a->n; i++) {
		const struct rules_addr_item *it = &a->items[i];

		sb_add(b, "%s%s", i ? ", " : "", it->neg ? "! " : "");
		if (it->kind == RULES_ADDR_ANY) {
			sb_add(b, "any");
		} else if (it->kind == RULES_ADDR_SET) {
			sb_add(b, "$%s", it->set);
		} else {
			cidr_text(&it->cidr, false, txt, sizeof(txt));
			sb_add(b, "%s", txt);
		}
	}
	if (a->n > 1)
		sb_add(b, " }");
}

static void sb_ports(struct sbuf *b, const struct rules_ports *pt)
{
	size_t i;

	sb_add(b, " port %s%s", pt->neg ? "! " : "", pt->n > 1 ? "{ " : "");
	for (i = 0; i < pt->n; i++) {
		sb_add(b, "%s%u", i ? ", " : "", pt->r[i].lo);
		if (pt->r[i].hi != pt->r[i].lo)
			sb_add(b, ":%u", pt->r[i].hi);
	}
	if (pt->n > 1)
		sb_add(b, " }");
}

static void sb_endpoint(struct sbuf *b, const char *kw, const struct rules_addr *a,
			const struct rules_ports *pt)
{
	if (!a->n && !pt->n)
		return;
	sb_add(b, " %s", kw);
	if (a->n) {
		sb_add(b, " ");
		sb_addr(b, a);
	}
	if (pt->n)
		sb_ports(b, pt);
}

static void sb_proto(struct sbuf *b, int proto)
{
	const char *name = rules_proto_name(proto);

	if (proto < 0)
		return;
	if (name)
		sb_add(b, " proto %s", name);
	else
		sb_add(b, " proto %d", proto);
}

static void sb_flags(struct sbuf *b, uint8_t flags, uint8_t mask)
{
	char f[9], m[9];
	size_t nf = 0, nm = 0;
	unsigned i;

	for (i = 0; i < 8; i++) {
		if (flags & (1u << i))
			f[nf++] = flag_letters[i];
		if (mask & (1u << i))
			m[nm++] = flag_letters[i];
	}
	f[nf] = m[nm] = 0;
	sb_add(b, " flags %s/%s", f, m);
}

static void sb_comment(struct sbuf *b, const char *c)
{
	sb_add(b, " comment \"");
	for (; *c; c++)
		sb_add(b, "%s%c", (*c == '"' || *c == '\\') ? "\\" : "", *c);
	sb_add(b, "\"");
}

static void sb_inner(struct sbuf *b, const struct rules_inner *in)
{
	sb_add(b, " inner");
	sb_proto(b, in->proto);
	sb_endpoint(b, "from", &in->from, &in->sport);
	sb_endpoint(b, "to", &in->to, &in->dport);
	if (in->has_flags)
		sb_flags(b, in->flags, in->flags_mask);
}

int rules_rule_format(const struct rules_rule *r, char *buf, size_t size)
{
	struct sbuf b = { buf, size, 0 };

	if (size)
		buf[0] = 0;
	sb_add(&b, "%s", rules_verdict_name(r->verdict));
	if (r->dir != RULES_DIR_ANY)
		sb_add(&b, " %s", r->dir == RULES_DIR_IN ? "in" : "out");
	sb_proto(&b, r->proto);
	sb_endpoint(&b, "from", &r->from, &r->sport);
	sb_endpoint(&b, "to", &r->to, &r->dport);
	if (r->has_flags)
		sb_flags(&b, r->flags, r->flags_mask);
	if (r->has_spi && r->spi_lo == r->spi_hi)
		sb_add(&b, " spi 0x%" PRIx32, r->spi_lo);
	else if (r->has_spi)
		sb_add(&b, " spi 0x%" PRIx32 ":0x%" PRIx32, r->spi_lo, r->spi_hi);
	if (r->auth != RULES_AUTH_ANY)
		sb_add(&b, " %s", r->auth == RULES_AUTH_VERIFIED ? "verified" :
				  r->auth == RULES_AUTH_UNVERIFIED ? "unverified" : "replayed");
	if (r->inner.present)
		sb_inner(&b, &r->inner);
	if (r->has_mark)
		sb_add(&b, " mark %" PRIu32, r->mark);
	if (r->log)
		sb_add(&b, " log");
	if (r->comment)
		sb_comment(&b, r->comment);
	return (int)b.len;
}

int rules_addr_format(const struct rules_addr *a, char *buf, size_t size)
{
	struct sbuf b = { buf, size, 0 };

	if (size)
		buf[0] = 0;
	sb_addr(&b, a);
	return (int)b.len;
}

char *rules_rule_text(const struct rules_rule *r)
{
	size_t n = (size_t)rules_rule_format(r, NULL, 0) + 1;
	char *s = xmalloc(n);

	rules_rule_format(r, s, n);
	return s;
}

char *rules_addr_text(const struct rules_addr *a)
{
	size_t n = (size_t)rules_addr_format(a, NULL, 0) + 1;
	char *s = xmalloc(n);

	rules_addr_format(a, s, n);
	return s;
}
