// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl: the JSON reader (good and bad documents), and the control socket end to end: a server
 * thread answering requests, good, malformed, unknown and oversized, on one and on several
 * connections; stale and busy socket files; a client with no daemon.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ipsecfw/ctl.h"
#include "unit.h"

static struct ctl_json *parse(const char *s)
{
	char err[160];

	return ctl_json_parse(s, strlen(s), err, sizeof(err));
}

START_TEST(test_json_values)
{
	struct ctl_json *v = parse(" {\"a\": [1, 2.5, -3, true, false, null], \"s\": \"x\\\"\\\\\\n"
				   "\\u00e9\\ud83d\\ude00\", \"big\": 18446744073709551615, "
				   "\"o\": {}, \"e\": []} ");
	const struct ctl_json *a;

	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(v->type, CTL_JSON_OBJ);
	a = ctl_json_get(v, "a");
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(a->type, CTL_JSON_ARR);
	ck_assert_uint_eq(a->n, 6);
	ck_assert_uint_eq(ctl_json_u64(&a->items[0]), 1);
	ck_assert(!a->items[1].is_u64);
	ck_assert_double_eq(a->items[1].num, 2.5);
	ck_assert_uint_eq(ctl_json_u64(&a->items[2]), 0);	/* negative: not a u64 */
	ck_assert_double_eq(a->items[2].num, -3);
	ck_assert(a->items[3].type == CTL_JSON_BOOL && a->items[3].b);
	ck_assert(a->items[4].type == CTL_JSON_BOOL && !a->items[4].b);
	ck_assert_int_eq(a->items[5].type, CTL_JSON_NULL);
	ck_assert_str_eq(ctl_json_str(ctl_json_get(v, "s")), "x\"\\\n\xc3\xa9\xf0\x9f\x98\x80");
	ck_assert_uint_eq(ctl_json_u64(ctl_json_get(v, "big")), UINT64_MAX);
	ck_assert_int_eq(ctl_json_get(v, "o")->type, CTL_JSON_OBJ);
	ck_assert_uint_eq(ctl_json_get(v, "e")->n, 0);
	ck_assert_ptr_null(ctl_json_get(v, "missing"));
	ck_assert_ptr_null(ctl_json_str(ctl_json_get(v, "a")));
	ck_assert_ptr_null(ctl_json_get(a, "a"));
	ctl_json_free(v);
	ctl_json_free(NULL);
}
END_TEST

static const char *const bad_json[] = {
	"", "   ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "\"abc", "\"a\\x\"",
	"\"\\u12\"", "\"\\ud800\"", "\"\\udc00x\"", "\"\\u0000\"", "\"tab\there\"", "01", "1.",
	"1e", "-", "tru", "nul", "{} {}", "[1] x", "1 2", "\"\\", "[\"\\ud800\\u0041\"]",
};

START_TEST(test_json_errors)
{
	char err[160] = "";
	const char *s = bad_json[_i];
	struct ctl_json *v = ctl_json_parse(s, strlen(s), err, sizeof(err));

	ck_assert_msg(v == NULL, "accepted bad JSON: %s", s);
	ck_assert_msg(strstr(err, "offset") || strstr(err, "memory"), "no position: %s", err);
}
END_TEST

START_TEST(test_json_depth)
{
	char deep[200];
	struct ctl_json *v;
	char err[160];

	memset(deep, '[', 70);
	memset(deep + 70, ']', 70);
	v = ctl_json_parse(deep, 140, err, sizeof(err));
	ck_assert_ptr_null(v);
	ck_assert_ptr_nonnull(strstr(err, "deep"));
	v = ctl_json_parse(deep + 10, 120, err, sizeof(err));	/* 60 levels: fine */
	ck_assert_ptr_nonnull(v);
	ctl_json_free(v);
}
END_TEST

/* ---- socket ---- */

struct server {
	struct ctl_server *s;
	pthread_t tid;
	int stop;
	int handled;
};

static int handler(void *arg, const struct ctl_json *req, FILE *out)
{
	struct server *sv = arg;
	const char *cmd = ctl_json_str(ctl_json_get(req, "cmd"));

	__atomic_add_fetch(&sv->handled, 1, __ATOMIC_RELAXED);
	if (!strcmp(cmd, "echo")) {
		fputs("\"echo\":", out);
		json_write_str(out, ctl_json_str(ctl_json_get(req, "text")) ?: "");
		return 0;
	}
	if (!strcmp(cmd, "empty"))
		return 0;
	fprintf(out, "unknown command %s", cmd);
	return -1;
}

static void *serve(void *arg)
{
	struct server *sv = arg;
	struct pollfd fds[1 + CTL_CLIENTS_MAX];

	while (!__atomic_load_n(&sv->stop, __ATOMIC_ACQUIRE)) {
		int n = ctl_server_pollfds(sv->s, fds);

		if (poll(fds, (nfds_t)n, 20) > 0)
			ctl_server_service(sv->s, fds, n, handler, sv);
	}
	return NULL;
}

static char dir[64];
static char path[128];

static void start(struct server *sv)
{
	struct diag_list dl = { 0 };

	sv->s = ctl_server_open(path, &dl);
	ck_assert_msg(sv->s != NULL, "open: %s", dl.n ? dl.d[0].msg : "?");
	ck_assert_int_eq(pthread_create(&sv->tid, NULL, serve, sv), 0);
}

static void stop(struct server *sv)
{
	__atomic_store_n(&sv->stop, 1, __ATOMIC_RELEASE);
	pthread_join(sv->tid, NULL);
	ctl_server_close(sv->s);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ipsecfw-ctl-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sock", dir);
}

static void teardown(void)
{
	unlink(path);
	rmdir(dir);
}

static struct ctl_json *call(int fd, const char *req)
{
	struct diag_list dl = { 0 };
	struct ctl_json *r = ctl_client_call(fd, req, NULL, &dl);

	ck_assert_msg(r != NULL, "%s: %s", req, dl.n ? dl.d[0].msg : "?");
	return r;
}

static bool ok(const struct ctl_json *r)
{
	const struct ctl_json *o = ctl_json_get(r, "ok");

	return o && o->type == CTL_JSON_BOOL && o->b;
}

START_TEST(test_socket_requests)
{
	struct server sv = { 0 };
	struct diag_list dl = { 0 };
	struct ctl_json *r;
	struct stat st;
	char *raw = NULL;
	int fd;

	start(&sv);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	fd = ctl_client_connect(path, &dl);
	ck_assert_int_ge(fd, 0);

	r = ctl_client_call(fd, "{\"cmd\":\"echo\",\"text\":\"h\\u00e9\"}", &raw, &dl);
	ck_assert_ptr_nonnull(r);
	ck_assert(ok(r));
	ck_assert_str_eq(ctl_json_str(ctl_json_get(r, "echo")), "h\xc3\xa9");
	ck_assert_str_eq(raw, "{\"ok\":true,\"echo\":\"h\xc3\xa9\"}");
	free(raw);
	ctl_json_free(r);

	r = call(fd, "{\"cmd\":\"empty\"}");
	ck_assert(ok(r));
	ctl_json_free(r);

	/* Errors answered on the same connection, which stays usable. */
	r = call(fd, "{\"cmd\":\"nope\"}");
	ck_assert(!ok(r));
	ck_assert_str_eq(ctl_json_str(ctl_json_get(r, "error")), "unknown command nope");
	ctl_json_free(r);
	r = call(fd, "this is not json");
	ck_assert(!ok(r));
	ck_assert_ptr_nonnull(strstr(ctl_json_str(ctl_json_get(r, "error")), "invalid JSON"));
	ctl_json_free(r);
	r = call(fd, "[1,2]");
	ck_assert(!ok(r));
	ctl_json_free(r);
	r = call(fd, "{\"cmd\":5}");
	ck_assert(!ok(r));
	ctl_json_free(r);
	/* Blank lines (LF or CRLF) before a request are skipped, in the same write. */
	{
		static const char req[] = "\n\r\n{\"cmd\":\"empty\"}\n";
		char buf[64];
		ssize_t n;

		ck_assert_int_eq(send(fd, req, sizeof(req) - 1, 0), (ssize_t)sizeof(req) - 1);
		n = read(fd, buf, sizeof(buf) - 1);
		ck_assert_int_gt(n, 0);
		buf[n] = 0;
		ck_assert_str_eq(buf, "{\"ok\":true}\n");
	}
	/* Two requests in one write get two replies, in order. */
	{
		static const char req[] = "{\"cmd\":\"echo\",\"text\":\"1\"}\n"
					  "{\"cmd\":\"echo\",\"text\":\"2\"}\n";
		char buf[128];
		size_t got = 0;

		ck_assert_int_eq(send(fd, req, sizeof(req) - 1, 0), (ssize_t)sizeof(req) - 1);
		while (got < 2 * strlen("{\"ok\":true,\"echo\":\"1\"}\n")) {
			ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);

			ck_assert_int_gt(n, 0);
			got += (size_t)n;
		}
		buf[got] = 0;
		ck_assert_str_eq(buf, "{\"ok\":true,\"echo\":\"1\"}\n{\"ok\":true,\"echo\":\"2\"}\n");
	}
	r = call(fd, "{\"cmd\":\"echo\",\"text\":\"still here\"}");
	ck_assert_str_eq(ctl_json_str(ctl_json_get(r, "echo")), "still here");
	ctl_json_free(r);
	close(fd);
	stop(&sv);
}
END_TEST

START_TEST(test_socket_oversized)
{
	struct server sv = { 0 };
	struct diag_list dl = { 0 };
	size_t big = 3 * CTL_REQ_MAX;
	char *req = malloc(big + 1), reply[256];
	ssize_t n, got = 0;
	struct ctl_json *r;
	int fd, fd2;

	start(&sv);
	fd = ctl_client_connect(path, &dl);
	ck_assert_int_ge(fd, 0);
	memset(req, 'a', big);
	req[big] = 0;
	/* The server answers after the first 64 KiB and hangs up: the rest may not be sent. */
	(void)!send(fd, req, big, MSG_NOSIGNAL);
	while ((n = read(fd, reply + got, sizeof(reply) - 1 - (size_t)got)) > 0)
		got += n;
	reply[got] = 0;
	ck_assert_ptr_nonnull(strstr(reply, "\"ok\":false"));
	ck_assert_ptr_nonnull(strstr(reply, "too long"));
	close(fd);
	/* Others are served as before. */
	fd2 = ctl_client_connect(path, &dl);
	ck_assert_int_ge(fd2, 0);
	r = call(fd2, "{\"cmd\":\"empty\"}");
	ck_assert(ok(r));
	ctl_json_free(r);
	close(fd2);
	free(req);
	stop(&sv);
}
END_TEST

START_TEST(test_socket_many_clients)
{
	struct server sv = { 0 };
	struct diag_list dl = { 0 };
	int fds[CTL_CLIENTS_MAX], half;
	struct ctl_json *r;

	start(&sv);
	for (int i = 0; i < CTL_CLIENTS_MAX; i++) {
		fds[i] = ctl_client_connect(path, &dl);
		ck_assert_int_ge(fds[i], 0);
	}
	/* A client that sends half a request and goes quiet blocks nobody. */
	half = fds[0];
	ck_assert_int_eq(send(half, "{\"cmd\":", 7, 0), 7);
	for (int i = CTL_CLIENTS_MAX - 1; i > 0; i--) {
		r = call(fds[i], "{\"cmd\":\"empty\"}");
		ck_assert(ok(r));
		ctl_json_free(r);
	}
	/* Over the limit: told so, not left hanging. */
	{
		int extra = ctl_client_connect(path, &dl);

		ck_assert_int_ge(extra, 0);
		r = ctl_client_call(extra, "{\"cmd\":\"empty\"}", NULL, &dl);
		ck_assert_ptr_nonnull(r);
		ck_assert(!ok(r));
		ck_assert_str_eq(ctl_json_str(ctl_json_get(r, "error")), "too many clients");
		ctl_json_free(r);
		close(extra);
	}
	/* The half request completes later. */
	ck_assert_int_eq(send(half, "\"empty\"}\n", 9, 0), 9);
	{
		char buf[128];
		ssize_t n = read(half, buf, sizeof(buf) - 1);

		ck_assert_int_gt(n, 0);
		buf[n] = 0;
		ck_assert_str_eq(buf, "{\"ok\":true}\n");
	}
	for (int i = 0; i < CTL_CLIENTS_MAX; i++)
		close(fds[i]);
	stop(&sv);
}
END_TEST

START_TEST(test_socket_files)
{
	struct server sv = { 0 }, sv2 = { 0 };
	struct diag_list dl = { 0 };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, stale;
	FILE *f;

	/* No daemon: the client says so. */
	ck_assert_int_eq(ctl_client_connect(path, &dl), -1);
	ck_assert_ptr_nonnull(strstr(dl.d[0].msg, "not running"));

	/* A stale socket file (nobody listening) is replaced. */
	stale = socket(AF_UNIX, SOCK_STREAM, 0);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	ck_assert_int_eq(bind(stale, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(stale);
	start(&sv);
	/* A live one is not taken over. */
	dl.n = 0;
	sv2.s = ctl_server_open(path, &dl);
	ck_assert_ptr_null(sv2.s);
	ck_assert_ptr_nonnull(strstr(dl.d[0].msg, "in use"));
	fd = ctl_client_connect(path, &dl);
	ck_assert_int_ge(fd, 0);
	close(fd);
	stop(&sv);
	ck_assert_int_eq(access(path, F_OK), -1);	/* removed on close */

	/* A regular file in the way is left alone. */
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	dl.n = 0;
	ck_assert_ptr_null(ctl_server_open(path, &dl));
	ck_assert_ptr_nonnull(strstr(dl.d[0].msg, "not a socket"));
	unlink(path);
}
END_TEST

Suite *ctl_suite(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc = tcase_create("json");
	TCase *ts = tcase_create("socket");

	tcase_add_test(tc, test_json_values);
	tcase_add_loop_test(tc, test_json_errors, 0, (int)(sizeof(bad_json) / sizeof(bad_json[0])));
	tcase_add_test(tc, test_json_depth);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(ts, setup, teardown);
	tcase_add_test(ts, test_socket_requests);
	tcase_add_test(ts, test_socket_oversized);
	tcase_add_test(ts, test_socket_many_clients);
	tcase_add_test(ts, test_socket_files);
	suite_add_tcase(s, ts);
	return s;
}
