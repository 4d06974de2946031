// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sa: the key-file parser (good lines, every error with its column, files and their
 * permissions), the table (lookup, replace, delete, flush, 100,000 SAs), the counters and
 * the anti-replay window (single-threaded against a reference model, ESN inference from
 * RFC 4303 A2.2, and several threads committing the same numbers).
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ipsecfw/crypto.h"
#include "ipsecfw/engine.h"
#include "ipsecfw/sa.h"
#include "unit.h"

#define K20 "0x0102030405060708090a0b0c0d0e0f1011121314"
#define K16 "0x0102030405060708090a0b0c0d0e0f10"
#define K32 K16 "1112131415161718191a1b1c1d1e1f20"
#define K48 K32 "2122232425262728292a2b2c2d2e2f30"
#define K64 K48 "3132333435363738393a3b3c3d3e3f40"

static struct sa_table *new_table(unsigned nthreads)
{
	struct diag_list dl = { .n = 0 };
	struct sa_table *t;

	engine_thread_register();
	t = sa_table_new(nthreads, &dl);
	ck_assert_ptr_nonnull(t);
	return t;
}

static void free_table(struct sa_table *t)
{
	sa_table_free(t);
	engine_thread_unregister();
}

static void diag_text(const struct diag_list *dl, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < dl->n && n < size; i++) {
		diag_format(&dl->d[i], buf + n, size - n);
		n += strlen(buf + n);
		if (n + 1 < size) {
			buf[n++] = '\n';
			buf[n] = 0;
		}
	}
}

static struct sa *lookup4(struct sa_table *t, uint32_t spi, const char *dst)
{
	uint8_t a[4];
	struct sa *s;

	ck_assert_int_eq(inet_pton(AF_INET, dst, a), 1);
	engine_read_begin();
	s = sa_lookup(t, spi, 4, a, 51);
	engine_read_end();
	return s;
}

/* A line that must load, and what it must say. */
static const struct good_case {
	const char *name, *line;
	uint32_t spi;
	uint8_t family;
	const char *auth;
	unsigned icv_bits, window;
	enum sa_mode mode;
	bool esn, has_src;
	uint64_t seq;
} good[] = {
	{ "design example", "ah spi 0x00002000 dst 192.0.2.10 auth-trunc hmac(sha1) " K20 " 96",
	  0x2000, 4, "hmac(sha1)", 96, 64, SA_MODE_ANY, false, false, 0 },
	{ "auth default icv sha256", "ah spi 4096 dst 2001:db8::1 auth hmac(sha256) " K32,
	  4096, 6, "hmac(sha256)", 128, 64, SA_MODE_ANY, false, false, 0 },
	{ "any order, src first", "ah src 198.51.100.1 mode tunnel spi 0x300 dst 192.0.2.1 "
	  "replay-window 0 auth-trunc hmac(sha512) " K64 " 256", 0x300, 4, "hmac(sha512)", 256, 0,
	  SA_MODE_TUNNEL, false, true, 0 },
	{ "esn with sequence state", "ah spi 0x1234 dst 192.0.2.1 auth-trunc hmac(sha384) " K48
	  " 192 mode transport esn replay-window 4096 seq-hi 0x2 seq 0x10", 0x1234, 4,
	  "hmac(sha384)", 192, 4096, SA_MODE_TRANSPORT, true, false, 0x200000010ULL },
	{ "ip xfrm words", "src 192.0.2.2 dst 192.0.2.1 proto ah spi 0x00000101 reqid 1 mode "
	  "transport replay-window 32 auth-trunc hmac(sha1) " K20 " 160 # a comment",
	  0x101, 4, "hmac(sha1)", 160, 32, SA_MODE_TRANSPORT, false, true, 0 },
	{ "ip xfrm flags", "src 192.0.2.2 dst 192.0.2.1 proto ah spi 0x00000102 reqid 1 mode "
	  "tunnel replay-window 128 flag af-unspec esn auth-trunc hmac(sha256) " K32 " 128",
	  0x102, 4, "hmac(sha256)", 128, 128, SA_MODE_TUNNEL, true, true, 0 },
	{ "xcbc", "ah spi 256 dst ::1 auth xcbc(aes) " K16, 256, 6, "xcbc(aes)", 96, 64,
	  SA_MODE_ANY, false, false, 0 },
	{ "gmac", "ah spi 257 dst 10.0.0.1 auth-trunc rfc4543(gcm(aes)) " K16 "01020304 128",
	  257, 4, "rfc4543(gcm(aes))", 128, 64, SA_MODE_ANY, false, false, 0 },
	{ "odd window", "\tah  spi 0x0000ffff dst 10.0.0.2 auth hmac(sha1) " K20
	  " replay-window 50 seq 7", 0xffff, 4, "hmac(sha1)", 96, 50, SA_MODE_ANY, false, false, 7 },
};

START_TEST(test_good_lines)
{
	const struct good_case *g = &good[_i];
	struct sa_table *t = new_table(2);
	struct diag_list dl = { .n = 0 };
	const struct sa_config *c;
	uint8_t dst[16] = { 0 };
	struct sa *s;
	char msg[2048];
	const char *addr = strstr(g->line, "dst ") + 4;
	char abuf[64];

	ck_assert_msg(sa_add_line(t, g->line, &dl) == 0, "%s: refused", g->name);
	diag_text(&dl, msg, sizeof(msg));
	ck_assert_msg(dl.n == 0, "%s: diagnostics: %s", g->name, msg);
	snprintf(abuf, sizeof(abuf), "%.*s", (int)strcspn(addr, " "), addr);
	ck_assert(inet_pton(g->family == 4 ? AF_INET : AF_INET6, abuf, dst) == 1);
	engine_read_begin();
	s = sa_lookup(t, g->spi, g->family, dst, 51);
	ck_assert_msg(s != NULL, "%s: not found", g->name);
	c = sa_config(s);
	ck_assert_ptr_nonnull(sa_auth(s, 0));
	ck_assert_ptr_nonnull(sa_auth(s, 1));
	engine_read_end();
	ck_assert_msg(!strcmp(c->auth->name, g->auth), "%s: auth %s", g->name, c->auth->name);
	ck_assert_msg(c->icv_bits == g->icv_bits, "%s: icv %u", g->name, c->icv_bits);
	ck_assert_msg(c->replay_window == g->window, "%s: window %u", g->name, c->replay_window);
	ck_assert_msg(c->mode == g->mode && c->esn == g->esn && c->has_src == g->has_src,
		      "%s: mode/esn/src", g->name);
	ck_assert_msg(c->seq == g->seq, "%s: seq %llx", g->name, (unsigned long long)c->seq);
	ck_assert_uint_eq(c->proto, 51);
	ck_assert_uint_eq(sa_count(t), 1);
	free_table(t);
}
END_TEST

/* A line that must be refused, and the diagnostic ("sa add:1:COL: ..." prefix). */
static const struct bad_case {
	const char *name, *line, *want;
} bad[] = {
	{ "esp", "esp spi 0x1000 dst 192.0.2.1 auth hmac(sha1) " K20,
	  "sa add:1:1: esp SAs come with a later version" },
	{ "unknown alg", "ah spi 0x1000 dst 192.0.2.1 auth hmac(sha3) " K20,
	  "sa add:1:34: unknown authentication algorithm \"hmac(sha3)\"" },
	{ "short key", "ah spi 0x1000 dst 192.0.2.1 auth hmac(sha1) " K16,
	  "sa add:1:45: hmac(sha1) needs a 20-byte key (RFC 2404), got 16 bytes" },
	{ "xcbc key", "ah spi 0x1000 dst 192.0.2.1 auth xcbc(aes) " K20,
	  "sa add:1:44: xcbc(aes) needs a 16-byte key, got 20 bytes" },
	{ "gmac key", "ah spi 0x1000 dst 192.0.2.1 auth rfc4543(gcm(aes)) " K16 "0102030405",
	  "sa add:1:52: rfc4543(gcm(aes)): key is 21 bytes, expected 20, 28 or 36" },
	{ "bad icv", "ah spi 0x1000 dst 192.0.2.1 auth-trunc hmac(sha1) " K20 " 100",
	  "sa add:1:94: hmac(sha1) cannot have a 100-bit ICV" },
	{ "spi 0", "ah spi 0 dst 192.0.2.1 auth hmac(sha1) " K20,
	  "sa add:1:4: spi 0 is reserved" },
	{ "spi 255", "ah spi 0xff dst 192.0.2.1 auth hmac(sha1) " K20,
	  "sa add:1:4: spi 255 is reserved" },
	{ "spi too big", "ah spi 0x100000000 dst 192.0.2.1 auth hmac(sha1) " K20,
	  "sa add:1:8: \"spi\" needs a number from 0 to 4294967295" },
	{ "missing dst", "ah spi 0x1000 auth hmac(sha1) " K20, "sa add:1:1: missing \"dst\"" },
	{ "missing auth", "ah spi 0x1000 dst 192.0.2.1",
	  "sa add:1:1: missing \"auth\" or \"auth-trunc\"" },
	{ "missing ah", "spi 0x1000 dst 192.0.2.1 auth hmac(sha1) " K20,
	  "sa add:1:1: missing \"ah\"" },
	{ "family mismatch", "ah spi 0x1000 dst 192.0.2.1 src 2001:db8::1 auth hmac(sha1) " K20,
	  "sa add:1:33: src is IPv6 but dst is IPv4" },
	{ "window too big", "ah spi 0x1000 dst 192.0.2.1 auth hmac(sha1) " K20
	  " replay-window 4097", "sa add:1:88: replay-window 4097 is over the limit of 4096" },
	{ "seq-hi without esn", "ah spi 0x1000 dst 192.0.2.1 auth hmac(sha1) " K20 " seq-hi 1",
	  "sa add:1:88: seq-hi needs esn" },
	{ "esn without window", "ah spi 0x1000 dst 192.0.2.1 auth hmac(sha1) " K20
	  " esn replay-window 0", "sa add:1:92: esn needs a replay window" },
	{ "odd key", "ah spi 0x1000 dst 192.0.2.1 auth hmac(sha1) 0x123",
	  "sa add:1:45: expected a key as 0x and an even number of hex digits" },
	{ "not hex", "ah spi 0x1000 dst 192.0.2.1 auth hmac(sha1) 0x12zz",
	  "sa add:1:45: expected a key as 0x" },
	{ "bad address", "ah spi 0x1000 dst 192.0.2.300 auth hmac(sha1) " K20,
	  "sa add:1:19: expected an IPv4 or IPv6 address, got \"192.0.2.300\"" },
	{ "twice", "ah spi 0x1000 spi 0x1001 dst 192.0.2.1 auth hmac(sha1) " K20,
	  "sa add:1:15: \"spi\" given twice" },
	{ "unknown word", "ah spi 0x1000 dst 192.0.2.1 flags x auth hmac(sha1) " K20,
	  "sa add:1:29: unknown word \"flags\"" },
	{ "flag without a name", "ah spi 0x1000 dst 192.0.2.1 flag auth hmac(sha1) " K20,
	  "sa add:1:34: \"flag\" needs a flag name" },
	{ "bad mode", "ah spi 0x1000 dst 192.0.2.1 mode beet auth hmac(sha1) " K20,
	  "sa add:1:34: expected \"transport\" or \"tunnel\", got \"beet\"" },
	{ "missing number", "ah dst 192.0.2.1 auth hmac(sha1) " K20 " spi",
	  "sa add:1:80: \"spi\" needs a number" },
	{ "octal is not a number", "ah spi 0o1000 dst 192.0.2.1 auth hmac(sha1) " K20,
	  "sa add:1:8: \"spi\" needs a number" },
	{ "key in the name's place", "ah spi 0x1000 dst 192.0.2.1 auth " K20 " hmac(sha1)",
	  "sa add:1:34: unknown authentication algorithm a 42-character hex string" },
	{ "empty", "   # nothing", "sa add:1: empty line: expected an SA" },
	{ "two lines", "ah spi 0x1000\ndst 192.0.2.1", "sa add:1:14: one SA, on one line" },
};

START_TEST(test_bad_lines)
{
	const struct bad_case *b = &bad[_i];
	struct sa_table *t = new_table(1);
	struct diag_list dl = { .n = 0 };
	char msg[4096];

	ck_assert_msg(sa_add_line(t, b->line, &dl) == -1, "%s: accepted", b->name);
	diag_text(&dl, msg, sizeof(msg));
	ck_assert_msg(!strncmp(msg, b->want, strlen(b->want)), "%s: got \"%s\", want \"%s...\"",
		      b->name, msg, b->want);
	ck_assert_msg(!strstr(msg, "0102030405060708"), "%s: a key in the message", b->name);
	ck_assert_uint_eq(sa_count(t), 0);
	free_table(t);
}
END_TEST

/* Write text to a fresh file of the given mode in a temporary directory; returns its path. */
static const char *write_file(const char *text, mode_t mode)
{
	static char path[64];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/check_sa.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert(fputs(text, f) >= 0);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

START_TEST(test_file)
{
	static const char text[] =
		"# two SAs, a comment and a blank line\n"
		"\n"
		"ah spi 0x1000 dst 192.0.2.1 auth-trunc hmac(sha1) " K20 " 96\n"
		"  ah spi 0x1001 dst 192.0.2.1 auth-trunc hmac(sha256) " K32 " 128  # inbound\n"
		"ah spi 0x1002 dst 192.0.2.1 auth hmac(md5) " K16 "\n"
		"ah spi 0x1003 dst 192.0.2.1 auth hmac(md5) " K16;
	struct sa_table *t = new_table(1);
	struct diag_list dl = { .n = 0 };
	const char *path = write_file(text, 0600);
	char msg[4096], want[256];

	ck_assert_int_eq(sa_load_file(t, path, &dl), 0);
	diag_text(&dl, msg, sizeof(msg));
	/* One warning for both legacy lines, at the first; the load succeeds. */
	snprintf(want, sizeof(want), "%s:5:1: warning: hmac(md5) is a legacy algorithm "
		 "(RFC 8221: MUST NOT); 2 SAs use it\n", path);
	ck_assert_str_eq(msg, want);
	ck_assert_uint_eq(sa_count(t), 4);
	ck_assert_ptr_nonnull(lookup4(t, 0x1003, "192.0.2.1"));
	ck_assert_int_eq(unlink(path), 0);
	free_table(t);
}
END_TEST

START_TEST(test_file_errors)
{
	static const char text[] =
		"ah spi 0x1000 dst 192.0.2.1 auth hmac(sha1) " K20 "\n"
		"ah spi 0x1001 dst 192.0.2.1 auth hmac(sha1) " K20 " mode beet\n"
		"ah spi 0x1002 dst 192.0.2.1 auth hmac(sha1) " K20 "\n"
		"ah spi 0x1000 dst 192.0.2.1 auth hmac(sha256) " K32 "\n"
		"ah spi 0x1000 dst 192.0.2.2 auth hmac(sha256) " K32 "\n"
		"ah spi 0x1004 dst 192.0.2.1\n";
	struct sa_table *t = new_table(1);
	struct diag_list dl = { .n = 0 };
	const char *path = write_file(text, 0600);
	char msg[4096], want[1024];

	ck_assert_int_eq(sa_load_file(t, path, &dl), -1);
	diag_text(&dl, msg, sizeof(msg));
	snprintf(want, sizeof(want),
		 "%s:2:93: expected \"transport\" or \"tunnel\", got \"beet\"\n"
		 "%s:4:1: duplicate SA: ah spi 0x00001000 dst 192.0.2.1 is already on line 1\n"
		 "%s:6:1: missing \"auth\" or \"auth-trunc\"\n", path, path, path);
	ck_assert_str_eq(msg, want);
	ck_assert_uint_eq(sa_count(t), 0);	/* nothing added */
	ck_assert_int_eq(unlink(path), 0);
	free_table(t);
}
END_TEST

static const struct perm_case {
	mode_t mode;
	const char *want;
} perms[] = {
	{ 0644, "mode 0644: the key file must not be readable by group or others (chmod 600)" },
	{ 0640, "mode 0640: the key file must not be readable by group or others (chmod 600)" },
	{ 0604, "mode 0604: the key file must not be readable by group or others (chmod 600)" },
	{ 0620, "mode 0620: the key file must not be writable by group or others (chmod 600)" },
	{ 0602, "mode 0602: the key file must not be writable by group or others (chmod 600)" },
};

START_TEST(test_file_mode)
{
	struct sa_table *t = new_table(1);
	struct diag_list dl = { .n = 0 };
	const char *path = write_file("ah spi 0x1000 dst 192.0.2.1 auth hmac(sha1) " K20 "\n",
				      perms[_i].mode);

	ck_assert_int_eq(sa_load_file(t, path, &dl), -1);
	ck_assert_uint_eq(dl.n, 1);
	ck_assert_str_eq(dl.d[0].msg, perms[_i].want);
	ck_assert_str_eq(dl.d[0].file, path);
	ck_assert_uint_eq(sa_count(t), 0);
	ck_assert_int_eq(unlink(path), 0);
	dl.n = 0;
	ck_assert_int_eq(sa_load_file(t, "/tmp", &dl), -1);
	ck_assert_str_eq(dl.d[0].msg, "not a regular file");
	dl.n = 0;
	ck_assert_int_eq(sa_load_file(t, "/nonexistent/keys", &dl), -1);
	ck_assert_str_eq(dl.d[0].msg, "cannot open: No such file or directory");
	free_table(t);
}
END_TEST

START_TEST(test_replace_del_flush)
{
	struct sa_table *t = new_table(1);
	struct diag_list dl = { .n = 0 };
	uint8_t a[4] = { 192, 0, 2, 1 }, a6[16] = { 0 };
	char buf[256];

	ck_assert_int_eq(sa_add_line(t, "ah spi 0x1000 dst 192.0.2.1 auth hmac(sha1) " K20, &dl), 0);
	ck_assert_int_eq(sa_add_line(t, "ah spi 0x1000 dst 192.0.2.1 src 192.0.2.9 auth-trunc "
				     "hmac(sha256) " K32 " 256 mode tunnel esn", &dl), 0);
	ck_assert_uint_eq(sa_count(t), 1);	/* replaced */
	ck_assert_int_eq(sa_config_format(sa_config(lookup4(t, 0x1000, "192.0.2.1")), buf,
					  sizeof(buf)), (int)strlen(buf));
	ck_assert_str_eq(buf, "ah spi 0x00001000 dst 192.0.2.1 src 192.0.2.9 auth-trunc "
			 "hmac(sha256) 256 mode tunnel replay-window 64 esn");
	ck_assert_int_eq(sa_add_line(t, "ah spi 0x1000 dst ::ffff:192.0.2.1 auth hmac(sha1) " K20,
				     &dl), 0);
	ck_assert_int_eq(sa_add_line(t, "ah spi 0x1001 dst 192.0.2.1 auth hmac(sha1) " K20, &dl), 0);
	ck_assert_uint_eq(sa_count(t), 3);
	/* Family, SPI and protocol are all part of the identity. */
	engine_read_begin();
	ck_assert_ptr_null(sa_lookup(t, 0x1000, 4, a, 50));
	ck_assert_ptr_null(sa_lookup(t, 0x1002, 4, a, 51));
	ck_assert_ptr_null(sa_lookup(t, 0x1000, 6, a6, 51));
	ck_assert_ptr_null(sa_lookup(t, 0x1000, 5, a, 51));
	engine_read_end();
	ck_assert_int_eq(sa_del(t, 0x1000, 4, a, 51, &dl), 0);
	ck_assert_ptr_null(lookup4(t, 0x1000, "192.0.2.1"));
	ck_assert_uint_eq(dl.n, 0);
	ck_assert_int_eq(sa_del(t, 0x1000, 4, a, 51, &dl), -1);
	ck_assert_str_eq(dl.d[0].msg, "no such SA: ah spi 0x00001000 dst 192.0.2.1");
	ck_assert_uint_eq(sa_count(t), 2);
	sa_flush(t);
	ck_assert_uint_eq(sa_count(t), 0);
	ck_assert_ptr_null(lookup4(t, 0x1001, "192.0.2.1"));
	free_table(t);
}
END_TEST

static void count_cb(void *arg, const struct sa_config *c, const struct sa_stats *st)
{
	struct sa_stats *sum = arg;

	ck_assert_uint_eq(c->spi, 0x1000);
	*sum = *st;
}

START_TEST(test_counters)
{
	struct sa_table *t = new_table(2);
	struct diag_list dl = { .n = 0 };
	struct sa_stats st = { 0 };
	struct sa *s;
	uint64_t seq;

	ck_assert_int_eq(sa_add_line(t, "ah spi 0x1000 dst 192.0.2.1 auth hmac(sha1) " K20
				     " seq 5", &dl), 0);
	s = lookup4(t, 0x1000, "192.0.2.1");
	sa_note(s, 0, SA_EV_OK, 100);
	sa_note(s, 1, SA_EV_OK, 50);
	sa_note(s, 1, SA_EV_ICV_FAIL, 50);
	sa_note(s, 0, SA_EV_REPLAY, 50);
	sa_note(s, 0, SA_EV_REPLAY, 50);
	sa_note(s, 1, SA_EV_BAD_LENGTH, 50);
	ck_assert_int_eq(sa_replay_check(s, 9, &seq), SA_REPLAY_OK);
	ck_assert_int_eq(sa_replay_commit(s, seq), SA_REPLAY_OK);
	sa_foreach(t, count_cb, &st);
	ck_assert_uint_eq(st.packets, 2);
	ck_assert_uint_eq(st.bytes, 150);
	ck_assert_uint_eq(st.icv_failures, 1);
	ck_assert_uint_eq(st.replays, 2);
	ck_assert_uint_eq(st.bad_length, 1);
	ck_assert_uint_eq(st.highest_seq, 9);
	free_table(t);
}
END_TEST

/*
 * Every literal block of EXAMPLES in ipsecfw.keys(5) is a key file that loads without a
 * word of complaint (the shell lines there start with "# ", so they read as comments).
 */
START_TEST(test_man_examples)
{
	char *page = unit_slurp(unit_path("man/ipsecfw.keys.5"), NULL);
	char *p = strstr(page, "\n.Sh EXAMPLES\n"), *end, *block, *e, msg[2048];
	unsigned blocks = 0;

	ck_assert_ptr_nonnull(p);
	end = strstr(p + 1, "\n.Sh ");
	ck_assert_ptr_nonnull(end);
	*end = 0;
	while ((block = strstr(p, "\n.Bd -literal"))) {
		struct sa_table *t = new_table(1);
		struct diag_list dl = { .n = 0 };
		const char *path;

		block = strchr(block + 1, '\n') + 1;
		e = strstr(block, "\n.Ed");
		ck_assert_ptr_nonnull(e);
		*e = 0;
		path = write_file(block, 0600);
		ck_assert_msg(sa_load_file(t, path, &dl) == 0 && dl.n == 0, "example %u: %s",
			      blocks + 1, (diag_text(&dl, msg, sizeof(msg)), msg));
		unlink(path);
		free_table(t);
		blocks++;
		p = e + 1;
	}
	ck_assert_uint_ge(blocks, 5);
	free(page);
}
END_TEST

/* --- anti-replay --------------------------------------------------------------------- */

static struct sa *replay_sa(struct sa_table *t, const char *opts)
{
	struct diag_list dl = { .n = 0 };
	char line[512];

	snprintf(line, sizeof(line), "ah spi 0x1000 dst 192.0.2.1 auth hmac(sha1) " K20 " %s",
		 opts);
	ck_assert_msg(sa_add_line(t, line, &dl) == 0, "refused: %s", opts);
	return lookup4(t, 0x1000, "192.0.2.1");
}

/* check then (when OK) commit, as the AH path does; returns check's verdict or commit's. */
static enum sa_replay take(struct sa *s, uint32_t lo, uint64_t *seq)
{
	enum sa_replay r = sa_replay_check(s, lo, seq);

	return r == SA_REPLAY_OK ? sa_replay_commit(s, *seq) : r;
}

/* One step of a scripted case: the low 32 bits in, the verdict and full number out. */
struct step {
	uint32_t lo;
	enum sa_replay want;
	uint64_t seq;
};

static const struct replay_case {
	const char *name, *opts;
	struct step steps[12];
} replay[] = {
	{ "duplicates", "replay-window 64", {
		{ 1, SA_REPLAY_OK, 1 }, { 1, SA_REPLAY_DUP, 1 }, { 2, SA_REPLAY_OK, 2 },
		{ 1, SA_REPLAY_DUP, 1 }, { 0, SA_REPLAY_OLD, 0 } } },
	{ "left of the window", "replay-window 64", {
		{ 100, SA_REPLAY_OK, 100 }, { 36, SA_REPLAY_OLD, 36 }, { 37, SA_REPLAY_OK, 37 },
		{ 37, SA_REPLAY_DUP, 37 }, { 99, SA_REPLAY_OK, 99 } } },
	{ "reordering inside the window", "replay-window 64", {
		{ 10, SA_REPLAY_OK, 10 }, { 8, SA_REPLAY_OK, 8 }, { 9, SA_REPLAY_OK, 9 },
		{ 7, SA_REPLAY_OK, 7 }, { 8, SA_REPLAY_DUP, 8 }, { 40, SA_REPLAY_OK, 40 },
		{ 33, SA_REPLAY_OK, 33 }, { 10, SA_REPLAY_DUP, 10 } } },
	{ "a jump past the window clears old state", "replay-window 64", {
		{ 5, SA_REPLAY_OK, 5 }, { 1000, SA_REPLAY_OK, 1000 }, { 5, SA_REPLAY_OLD, 5 },
		{ 990, SA_REPLAY_OK, 990 }, { 990, SA_REPLAY_DUP, 990 }, { 937, SA_REPLAY_OK, 937 },
		{ 936, SA_REPLAY_OLD, 936 } } },
	{ "a window that is not a multiple of 32", "replay-window 50", {
		{ 100, SA_REPLAY_OK, 100 }, { 50, SA_REPLAY_OLD, 50 }, { 51, SA_REPLAY_OK, 51 } } },
	{ "the largest window", "replay-window 4096", {
		{ 10000, SA_REPLAY_OK, 10000 }, { 5904, SA_REPLAY_OLD, 5904 },
		{ 5905, SA_REPLAY_OK, 5905 }, { 5905, SA_REPLAY_DUP, 5905 } } },
	{ "window 0 disables", "replay-window 0", {
		{ 5, SA_REPLAY_OK, 5 }, { 5, SA_REPLAY_OK, 5 }, { 1, SA_REPLAY_OK, 1 } } },
	/* The configured seq was received already (ip xfrm's seq is the highest seen). */
	{ "the configured seq is the top", "seq 1000", {
		{ 936, SA_REPLAY_OLD, 936 }, { 937, SA_REPLAY_OK, 937 },
		{ 1000, SA_REPLAY_DUP, 1000 }, { 1001, SA_REPLAY_OK, 1001 } } },
	{ "32-bit counter exhausted", "seq 0xffffffff", {
		{ 0xffffffff, SA_REPLAY_DUP, 0xffffffff }, { 1, SA_REPLAY_OLD, 1 } } },
	/* RFC 4303 A2.2 case A (Tl >= W - 1): below the window means the next subspace. */
	{ "esn case A", "esn seq-hi 0 seq 0xfffffff0", {
		{ 0xffffffe0, SA_REPLAY_OK, 0xffffffe0 },
		{ 0xffffffb1, SA_REPLAY_OK, 0xffffffb1 },	/* = Tl - W + 1: Th */
		{ 5, SA_REPLAY_OK, 0x100000005ULL },		/* below it: Th + 1 */
		{ 5, SA_REPLAY_DUP, 0x100000005ULL },		/* now case B: Th */
		{ 0xffffffe0, SA_REPLAY_DUP, 0xffffffe0 } } },	/* case B: Th - 1 */
	/* Case B (Tl < W - 1): a high low half belongs to the previous subspace. */
	{ "esn case B", "esn seq-hi 1 seq 5", {
		{ 0xfffffff0, SA_REPLAY_OK, 0xfffffff0 },	/* Th - 1 */
		{ 0xffffffc6, SA_REPLAY_OK, 0xffffffc6 },	/* = Tl - W + 1 mod 2^32 */
		{ 0xffffffc5, SA_REPLAY_OK, 0x1ffffffc5ULL },	/* below it: Th, far ahead */
		{ 0xfffffff0, SA_REPLAY_OK, 0x1fffffff0ULL },	/* the top moved: case A */
		{ 0xffffffc5, SA_REPLAY_DUP, 0x1ffffffc5ULL } } },
	{ "esn from zero", "esn", {
		{ 0xffffffff, SA_REPLAY_OLD, 0xffffffff },	/* would be before 0 */
		{ 1, SA_REPLAY_OK, 1 }, { 0, SA_REPLAY_OLD, 0 } } },
	{ "esn across 2^32 in order", "esn seq 0xfffffffe", {
		{ 0xffffffff, SA_REPLAY_OK, 0xffffffff }, { 0, SA_REPLAY_OK, 0x100000000ULL },
		{ 1, SA_REPLAY_OK, 0x100000001ULL }, { 0xfffffffe, SA_REPLAY_OK, 0xfffffffe },
		{ 0xffffffff, SA_REPLAY_DUP, 0xffffffff }, { 0, SA_REPLAY_DUP, 0x100000000ULL } } },
};

START_TEST(test_replay_steps)
{
	const struct replay_case *rc = &replay[_i];
	struct sa_table *t = new_table(1);
	struct sa *s = replay_sa(t, rc->opts);
	enum sa_replay r;
	uint64_t seq;

	for (size_t i = 0; i < ARRAY_SIZE(rc->steps); i++) {
		const struct step *st = &rc->steps[i];

		if (!st->lo && st->want == SA_REPLAY_OK)
			break;	/* the end of the script: 0 is never OK */
		r = take(s, st->lo, &seq);
		ck_assert_msg(r == st->want && seq == st->seq,
			      "%s, step %zu (0x%x): got %d 0x%llx, want %d 0x%llx", rc->name, i,
			      st->lo, r, (unsigned long long)seq, st->want,
			      (unsigned long long)st->seq);
	}
	free_table(t);
}
END_TEST

/* The window against a reference model: accept iff new and inside [top - W + 1, ...]. */
START_TEST(test_replay_model)
{
	static const unsigned windows[] = { 32, 64, 50, 100, 4096 };
	struct sa_table *t = new_table(1);
	unsigned w = windows[_i];
	static uint8_t seen[20000];
	uint64_t top = 0, seq;
	char opts[64];
	struct sa *s;
	enum sa_replay r, want;

	snprintf(opts, sizeof(opts), "replay-window %u", w);
	s = replay_sa(t, opts);
	memset(seen, 0, sizeof(seen));
	srand(w);
	for (unsigned i = 0; i < 100000; i++) {
		/* Mostly near the top, sometimes far behind or far ahead. */
		uint64_t lo = top + (uint64_t)(rand() % (3 * w)) - (top > 2 * w ? 2 * w : top);

		if (rand() % 50 == 0)
			lo += (uint64_t)(rand() % (4 * w));
		if (lo >= sizeof(seen))
			break;
		want = lo == 0 || (top >= w && lo <= top - w) ? SA_REPLAY_OLD :
		       seen[lo] ? SA_REPLAY_DUP : SA_REPLAY_OK;
		r = take(s, (uint32_t)lo, &seq);
		ck_assert_msg(r == want, "window %u, op %u, seq %llu (top %llu): got %d, want %d",
			      w, i, (unsigned long long)lo, (unsigned long long)top, r, want);
		if (r == SA_REPLAY_OK) {
			seen[lo] = 1;
			top = lo > top ? lo : top;
		}
	}
	ck_assert_uint_gt(top, 10000);
	free_table(t);
}
END_TEST

#define MT_THREADS 4
#define MT_NUMBERS 100000

struct mt_arg {
	struct sa *s;
	unsigned id;
	unsigned chunk;		/* shuffle inside chunks of this many numbers; 0: all of them */
	uint8_t *accepted;	/* per number: how many threads it was accepted by (atomic) */
	pthread_barrier_t *start;
};

static void *mt_thread(void *p)
{
	struct mt_arg *a = p;
	unsigned chunk = a->chunk ? a->chunk : MT_NUMBERS;
	uint32_t *order = malloc(MT_NUMBERS * sizeof(*order));
	unsigned seed = a->id * 7919 + 1;
	uint64_t seq;

	ck_assert_ptr_nonnull(order);
	for (unsigned i = 0; i < MT_NUMBERS; i++)
		order[i] = i + 1;
	for (unsigned base = 0; base < MT_NUMBERS; base += chunk) {
		unsigned n = MT_NUMBERS - base < chunk ? MT_NUMBERS - base : chunk;

		for (unsigned i = n - 1; i > 0; i--) {
			unsigned j = (unsigned)rand_r(&seed) % (i + 1);
			uint32_t x = order[base + i];

			order[base + i] = order[base + j];
			order[base + j] = x;
		}
	}
	pthread_barrier_wait(a->start);	/* all at once, for as much contention as we can */
	for (unsigned i = 0; i < MT_NUMBERS; i++)
		if (take(a->s, order[i], &seq) == SA_REPLAY_OK)
			__atomic_add_fetch(&a->accepted[order[i]], 1, __ATOMIC_RELAXED);
	free(order);
	return NULL;
}

/*
 * Several threads commit the same numbers. Each number is accepted at most once whatever
 * the orders; when every thread goes up with reordering smaller than the window, exactly
 * once (the first thread past a number has always tried it while it was in the window).
 */
START_TEST(test_replay_threads)
{
	static const struct { unsigned chunk; bool exact; } mt[] = {
		{ 256, true }, { 32, true }, { 0, false } };
	struct sa_table *t = new_table(1);
	struct sa *s = replay_sa(t, "replay-window 1024");
	uint8_t *accepted = calloc(MT_NUMBERS + 1, 1);
	struct mt_arg args[MT_THREADS];
	pthread_t th[MT_THREADS];
	pthread_barrier_t start;
	unsigned once = 0;

	ck_assert_ptr_nonnull(accepted);
	ck_assert_int_eq(pthread_barrier_init(&start, NULL, MT_THREADS), 0);
	for (unsigned i = 0; i < MT_THREADS; i++) {
		args[i] = (struct mt_arg){ s, i, mt[_i].chunk, accepted, &start };
		ck_assert_int_eq(pthread_create(&th[i], NULL, mt_thread, &args[i]), 0);
	}
	for (unsigned i = 0; i < MT_THREADS; i++)
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
	for (unsigned n = 1; n <= MT_NUMBERS; n++) {
		ck_assert_msg(accepted[n] <= 1, "%u accepted %u times", n, accepted[n]);
		ck_assert_msg(accepted[n] == 1 || !mt[_i].exact, "%u never accepted", n);
		once += accepted[n];
	}
	ck_assert_uint_gt(once, 0);
	pthread_barrier_destroy(&start);
	free(accepted);
	free_table(t);
}
END_TEST

/* --- scale --------------------------------------------------------------------------- */

#define BIG 100000

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void big_addr(unsigned i, uint8_t *family, uint8_t *a)
{
	memset(a, 0, 16);
	if (i % 2) {
		*family = 6;
		a[0] = 0x20;
		a[1] = 0x01;
		a[2] = 0x0d;
		a[3] = 0xb8;
		a[14] = (uint8_t)(i >> 8);
		a[15] = (uint8_t)i;
	} else {
		*family = 4;
		a[0] = 10;
		a[1] = (uint8_t)(i >> 16);
		a[2] = (uint8_t)(i >> 8);
		a[3] = (uint8_t)i;
	}
}

START_TEST(test_100k)
{
	struct sa_table *t = new_table(1);
	struct diag_list dl = { .n = 0 };
	size_t size = (size_t)BIG * 128, n = 0;
	char *text = malloc(size), addr[INET6_ADDRSTRLEN];
	double t0, t1, t2;
	const char *path;
	uint8_t fam, a[16];
	unsigned found = 0, wrong = 0;
	struct sa *s;

	ck_assert_ptr_nonnull(text);
	for (unsigned i = 0; i < BIG; i++) {
		big_addr(i, &fam, a);
		inet_ntop(fam == 4 ? AF_INET : AF_INET6, a, addr, sizeof(addr));
		n += (size_t)snprintf(text + n, size - n, "ah spi %u dst %s auth hmac(sha1) %s\n",
				      0x1000 + i / 7, addr, K20);
	}
	path = write_file(text, 0600);
	free(text);
	t0 = now_ms();
	ck_assert_int_eq(sa_load_file(t, path, &dl), 0);
	t1 = now_ms();
	ck_assert_uint_eq(sa_count(t), BIG);
	/* Count in the loop and assert after it: each ck_assert is a write to Check's pipe. */
	engine_read_begin();
	for (unsigned i = 0; i < BIG; i++) {
		big_addr(i, &fam, a);
		s = sa_lookup(t, 0x1000 + i / 7, fam, a, 51);
		found += s && sa_config(s)->spi == 0x1000 + i / 7 && sa_config(s)->family == fam;
		wrong += sa_lookup(t, 0x1000 + i / 7 + BIG, fam, a, 51) != NULL;
	}
	engine_read_end();
	t2 = now_ms();
	ck_assert_uint_eq(found, BIG);
	ck_assert_uint_eq(wrong, 0);
	if (getenv("SA_TIMING"))
		fprintf(stderr, "sa: %d SAs loaded in %.0f ms, %d lookups (+%d misses) in %.1f ms\n",
			BIG, t1 - t0, BIG, BIG, t2 - t1);
	ck_assert_int_eq(unlink(path), 0);
	sa_flush(t);
	ck_assert_uint_eq(sa_count(t), 0);
	free_table(t);
}
END_TEST

Suite *sa_suite(void)
{
	Suite *s = suite_create("sa");
	TCase *tc = tcase_create("parse");
	TCase *tr = tcase_create("replay");
	TCase *tb = tcase_create("scale");

	tcase_add_loop_test(tc, test_good_lines, 0, ARRAY_SIZE(good));
	tcase_add_loop_test(tc, test_bad_lines, 0, ARRAY_SIZE(bad));
	tcase_add_test(tc, test_file);
	tcase_add_test(tc, test_file_errors);
	tcase_add_loop_test(tc, test_file_mode, 0, ARRAY_SIZE(perms));
	tcase_add_test(tc, test_replace_del_flush);
	tcase_add_test(tc, test_counters);
	tcase_add_test(tc, test_man_examples);
	suite_add_tcase(s, tc);
	tcase_add_loop_test(tr, test_replay_steps, 0, ARRAY_SIZE(replay));
	tcase_add_loop_test(tr, test_replay_model, 0, 5);
	tcase_add_loop_test(tr, test_replay_threads, 0, 3);
	tcase_set_timeout(tr, 60);
	suite_add_tcase(s, tr);
	tcase_add_test(tb, test_100k);
	tcase_set_timeout(tb, 60);
	suite_add_tcase(s, tb);
	return s;
}
