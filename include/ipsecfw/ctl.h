/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef IPSECFW_CTL_H
#define IPSECFW_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ipsecfw/util.h"

struct pollfd;

/*
 * ctl: the control socket between ipsecfwd and the ipsecfw CLI.
 *
 * Protocol: a Unix stream socket; each request is one JSON object on one line, for example
 * {"cmd":"counters"} or {"cmd":"reload","file":"/etc/ipsecfw/site.rules"}; each reply is
 * one JSON object on one line with "ok": true and the command's fields, or "ok": false and
 * "error". A connection may carry any number of requests, answered in order. A request
 * longer than CTL_REQ_MAX, or one that is not a JSON object with a string "cmd", gets an
 * error reply; an oversized one also closes the connection. Control path only.
 */
#define CTL_REQ_MAX	(64 * 1024)	/* one request line, newline included */
#define CTL_REPLY_MAX	(64 * 1024 * 1024)
#define CTL_CLIENTS_MAX	32
#define CTL_DEFAULT_SOCKET "/run/ipsecfw.sock"

/* ---- JSON values: a small DOM for requests and replies ---- */

enum ctl_json_type {
	CTL_JSON_NULL = 0,
	CTL_JSON_BOOL,
	CTL_JSON_NUM,
	CTL_JSON_STR,
	CTL_JSON_ARR,
	CTL_JSON_OBJ,
};

/* A parsed value. Arrays and objects hold n items (objects also n keys). Plain data. */
struct ctl_json {
	enum ctl_json_type type;
	bool b;
	bool is_u64;		/* a non-negative integer that fits: exact in u64 */
	uint64_t u64;
	double num;
	char *str;		/* NUL-terminated (a string with \u0000 is refused) */
	size_t n;
	struct ctl_json *items;
	char **keys;
};

/*
 * Parse exactly one JSON value from text[0..len) (surrounding whitespace allowed), at most
 * 64 levels deep. Returns an owned tree, or NULL with a message in err naming the offset.
 */
struct ctl_json *ctl_json_parse(const char *text, size_t len, char *err, size_t errlen)
	MUST_CHECK;
void ctl_json_free(struct ctl_json *v);

/* Member `key` of an object, or NULL (also when v is NULL or not an object). */
const struct ctl_json *ctl_json_get(const struct ctl_json *v, const char *key);
/* The string, or NULL when v is not a string. */
const char *ctl_json_str(const struct ctl_json *v);
/* The integer value, or 0 when v is not a non-negative integer. */
uint64_t ctl_json_u64(const struct ctl_json *v);

/* ---- server (ipsecfwd) ---- */

struct ctl_server;

/*
 * Handle one request. Write the reply's fields after the opening brace, as JSON members
 * separated by commas and without the "ok" member, to out; return 0 for a success reply, or
 * -1 having written only the error text (plain, not JSON) to out. req is a JSON object with
 * a string "cmd".
 */
typedef int (*ctl_handler_fn)(void *arg, const struct ctl_json *req, FILE *out);

/*
 * Listen on path (mode 0600). A stale socket file is replaced; a socket with a daemon still
 * answering is not (error "in use"). NULL with a message in *dl.
 */
struct ctl_server *ctl_server_open(const char *path, struct diag_list *dl) MUST_CHECK;

/* Close every connection, remove the socket file. NULL is fine. */
void ctl_server_close(struct ctl_server *s);

/* Fill fds (room for 1 + CTL_CLIENTS_MAX) with what to poll; returns the count. */
int ctl_server_pollfds(struct ctl_server *s, struct pollfd *fds);

/*
 * After poll() (also after a timeout: call it every round so that idle connections are
 * dropped): accept, read, answer, write; drop broken or idle connections.
 */
void ctl_server_service(struct ctl_server *s, const struct pollfd *fds, int n,
			ctl_handler_fn handler, void *arg);

/* Counters for stats: connections accepted, requests answered, refused requests. */
struct ctl_server_stats {
	uint64_t accepted;
	uint64_t requests;
	uint64_t bad_requests;
	uint64_t overflows;
};
const struct ctl_server_stats *ctl_server_stats(const struct ctl_server *s);

/* ---- client (ipsecfw) ---- */

/*
 * Connect to the daemon's socket. -1 with a message in *dl: "ipsecfwd is not running" when
 * nothing listens there, "permission denied" when the socket is not ours.
 */
int ctl_client_connect(const char *path, struct diag_list *dl) MUST_CHECK;

/*
 * Send one request line (a JSON object, without newline) and read one reply line. Returns
 * the parsed reply and, when raw is not NULL, the reply text (owned, NUL-terminated, no
 * newline). NULL with a message in *dl on I/O errors or an unparsable reply.
 */
struct ctl_json *ctl_client_call(int fd, const char *req, char **raw, struct diag_list *dl)
	MUST_CHECK;

/* ---- text rendering of replies (the CLI without -j) ---- */

/*
 * Print a counters reply as a table: per rule its number, packets, bytes and text, then the
 * policy, totals and decoder rejections. With prev (an earlier reply) and dt > 0, adds a
 * packets-per-second column and total rates.
 */
void ctl_print_counters(FILE *o, const struct ctl_json *r, const struct ctl_json *prev,
			double dt);

/* Print a stats reply: per queue received, verdicts, rejections, netlink and kernel drops. */
void ctl_print_stats(FILE *o, const struct ctl_json *r);

#endif
