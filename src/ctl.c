// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctl: control socket protocol (JSON lines over a Unix stream socket), the daemon's
 * non-blocking server and the CLI's client, and the small JSON reader both sides share.
 * Everything here is control path: it allocates, but checks every allocation and reports
 * failure instead of aborting, because the daemon runs it.
 */
#define _GNU_SOURCE
#include "ipsecfw/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* ---- JSON reader ---- */

#define JSON_DEPTH_MAX 64

struct jp {
	const char *s;
	size_t len;
	size_t i;
	char *err;
	size_t errlen;
	bool failed;
};

static void jfail(struct jp *p, const char *what)
{
	if (!p->failed)
		snprintf(p->err, p->errlen, "invalid JSON at offset %zu: %s", p->i, what);
	p->failed = true;
}

static void jws(struct jp *p)
{
	while (p->i < p->len && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
				 p->s[p->i] == '\r'))
		p->i++;
}

static bool jlit(struct jp *p, const char *lit)
{
	size_t n = strlen(lit);

	if (p->len - p->i < n || memcmp(p->s + p->i, lit, n) != 0)
		return false;
	p->i += n;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool hex4(struct jp *p, unsigned *out)
{
	unsigned v = 0;

	if (p->len - p->i < 4)
		return false;
	for (int k = 0; k < 4; k++) {
		int h = hexval(p->s[p->i + (size_t)k]);

		if (h < 0)
			return false;
		v = v << 4 | (unsigned)h;
	}
	p->i += 4;
	*out = v;
	return true;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A string at p->i (opening quote); returns an owned copy with escapes decoded. */
static char *jstring(struct jp *p)
{
	size_t start = ++p->i, k = 0;
	char *out;

	/* Decoded text is never longer than the source text. */
	while (p->i < p->len && p->s[p->i] != '"')
		p->i += p->s[p->i] == '\\' ? 2 : 1;
	if (p->i >= p->len) {
		jfail(p, "unterminated string");
		return NULL;
	}
	out = malloc(p->i - start + 1);
	if (!out) {
		jfail(p, "out of memory");
		return NULL;
	}
	for (p->i = start; p->s[p->i] != '"';) {
		unsigned char c = (unsigned char)p->s[p->i++];
		unsigned cp, lo;

		if (c < 0x20) {
			jfail(p, "control character in string");
			goto err;
		}
		if (c != '\\') {
			out[k++] = (char)c;
			continue;
		}
		c = (unsigned char)p->s[p->i++];
		switch (c) {
		case '"': case '\\': case '/':
			out[k++] = (char)c;
			break;
		case 'b': out[k++] = '\b'; break;
		case 'f': out[k++] = '\f'; break;
		case 'n': out[k++] = '\n'; break;
		case 'r': out[k++] = '\r'; break;
		case 't': out[k++] = '\t'; break;
		case 'u':
			if (!hex4(p, &cp)) {
				jfail(p, "bad \\u escape");
				goto err;
			}
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (!jlit(p, "\\u") || !hex4(p, &lo) || lo < 0xdc00 || lo > 0xdfff) {
					jfail(p, "unpaired surrogate");
					goto err;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				jfail(p, "unpaired surrogate");
				goto err;
			}
			if (cp == 0) {
				jfail(p, "\\u0000 in string");
				goto err;
			}
			/* \uXXXX is 6 source bytes, at most 4 out; a pair is 12 for 4. */
			k += put_utf8(out + k, cp);
			break;
		default:
			jfail(p, "bad escape");
			goto err;
		}
	}
	p->i++;
	out[k] = 0;
	return out;
err:
	free(out);
	return NULL;
}

static void jvalue(struct jp *p, struct ctl_json *v, int depth);

static void jnumber(struct jp *p, struct ctl_json *v)
{
	size_t start = p->i;
	bool is_int = true;
	char buf[64];

	if (p->s[p->i] == '-') {
		p->i++;
		is_int = false;
	}
	if (p->i >= p->len || p->s[p->i] < '0' || p->s[p->i] > '9')
		return jfail(p, "bad number");
	if (p->s[p->i] == '0' && p->i + 1 < p->len && p->s[p->i + 1] >= '0' &&
	    p->s[p->i + 1] <= '9')
		return jfail(p, "leading zero");
	while (p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9')
		p->i++;
	if (p->i < p->len && p->s[p->i] == '.') {
		is_int = false;
		p->i++;
		if (p->i >= p->len || p->s[p->i] < '0' || p->s[p->i] > '9')
			return jfail(p, "bad fraction");
		while (p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9')
			p->i++;
	}
	if (p->i < p->len && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		is_int = false;
		p->i++;
		if (p->i < p->len && (p->s[p->i] == '+' || p->s[p->i] == '-'))
			p->i++;
		if (p->i >= p->len || p->s[p->i] < '0' || p->s[p->i] > '9')
			return jfail(p, "bad exponent");
		while (p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9')
			p->i++;
	}
	if (p->i - start >= sizeof(buf))
		return jfail(p, "number too long");
	memcpy(buf, p->s + start, p->i - start);
	buf[p->i - start] = 0;
	v->type = CTL_JSON_NUM;
	v->num = strtod(buf, NULL);
	if (is_int) {
		errno = 0;
		v->u64 = strtoull(buf, NULL, 10);
		v->is_u64 = errno == 0;
	}
}

/* Grow an array of items (and keys) by one; false on OOM. */
static bool jgrow(struct jp *p, struct ctl_json *v, size_t *cap, bool keys)
{
	if (v->n < *cap)
		return true;
	size_t nc = *cap ? *cap * 2 : 4;
	struct ctl_json *it = realloc(v->items, nc * sizeof(*it));

	if (!it)
		goto oom;
	v->items = it;
	if (keys) {
		char **k = realloc(v->keys, nc * sizeof(*k));

		if (!k)
			goto oom;
		v->keys = k;
	}
	*cap = nc;
	return true;
oom:
	jfail(p, "out of memory");
	return false;
}

static void jcontainer(struct jp *p, struct ctl_json *v, int depth, bool obj)
{
	size_t cap = 0;

	v->type = obj ? CTL_JSON_OBJ : CTL_JSON_ARR;
	p->i++;
	jws(p);
	if (p->i < p->len && p->s[p->i] == (obj ? '}' : ']')) {
		p->i++;
		return;
	}
	for (;;) {
		jws(p);
		if (!jgrow(p, v, &cap, obj))
			return;
		if (obj) {
			if (p->i >= p->len || p->s[p->i] != '"')
				return jfail(p, "expected a member name");
			v->keys[v->n] = jstring(p);
			if (!v->keys[v->n])
				return;
			jws(p);
			if (p->i >= p->len || p->s[p->i] != ':') {
				free(v->keys[v->n]);
				return jfail(p, "expected ':'");
			}
			p->i++;
		}
		memset(&v->items[v->n], 0, sizeof(v->items[v->n]));
		v->n++;
		jvalue(p, &v->items[v->n - 1], depth + 1);
		if (p->failed)
			return;
		jws(p);
		if (p->i < p->len && p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->i < p->len && p->s[p->i] == (obj ? '}' : ']')) {
			p->i++;
			return;
		}
		return jfail(p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static void jvalue(struct jp *p, struct ctl_json *v, int depth)
{
	if (depth > JSON_DEPTH_MAX)
		return jfail(p, "nested too deeply");
	jws(p);
	if (p->i >= p->len)
		return jfail(p, "unexpected end");
	switch (p->s[p->i]) {
	case '{':
		return jcontainer(p, v, depth, true);
	case '[':
		return jcontainer(p, v, depth, false);
	case '"':
		v->str = jstring(p);
		if (v->str)
			v->type = CTL_JSON_STR;
		return;
	case 't':
	case 'f':
		if (jlit(p, "true") || jlit(p, "false")) {
			v->type = CTL_JSON_BOOL;
			v->b = p->s[p->i - 1] == 'e' && p->s[p->i - 2] == 'u';
			return;
		}
		return jfail(p, "bad literal");
	case 'n':
		if (jlit(p, "null"))
			return;
		return jfail(p, "bad literal");
	default:
		return jnumber(p, v);
	}
}

static void json_fini(struct ctl_json *v)
{
	for (size_t i = 0; i < v->n; i++) {
		json_fini(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
}

struct ctl_json *ctl_json_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct jp p = { text, len, 0, err, errlen, false };
	struct ctl_json *v = calloc(1, sizeof(*v));

	if (!v) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	jvalue(&p, v, 0);
	if (!p.failed) {
		jws(&p);
		if (p.i != p.len)
			jfail(&p, "trailing characters");
	}
	if (p.failed) {
		ctl_json_free(v);
		return NULL;
	}
	return v;
}

void ctl_json_free(struct ctl_json *v)
{
	if (!v)
		return;
	json_fini(v);
	free(v);
}

const struct ctl_json *ctl_json_get(const struct ctl_json *v, const char *key)
{
	if (!v || v->type != CTL_JSON_OBJ)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->keys[i], key) == 0)
			return &v->items[i];
	return NULL;
}

const char *ctl_json_str(const struct ctl_json *v)
{
	return v && v->type == CTL_JSON_STR ? v->str : NULL;
}

uint64_t ctl_json_u64(const struct ctl_json *v)
{
	return v && v->type == CTL_JSON_NUM && v->is_u64 ? v->u64 : 0;
}

/* ---- server ---- */

#define IDLE_TIMEOUT 600	/* seconds a connection may sit without a request, or with a
				 * reply its client does not read */

struct client {
	int fd;
	size_t in_len;
	char *in;		/* CTL_REQ_MAX bytes */
	char *out;		/* pending reply bytes */
	size_t out_len;
	size_t out_off;
	bool closing;		/* close once out is written */
	time_t last;
};

struct ctl_server {
	int fd;
	char *path;
	struct client c[CTL_CLIENTS_MAX];
	struct ctl_server_stats stats;
	time_t accept_paused_until;
};

struct ctl_server *ctl_server_open(const char *path, struct diag_list *dl)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl_server *s;
	struct stat st;
	mode_t old;
	int probe;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		diag_add(dl, path, 0, 0, "control socket path too long");
		return NULL;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(path))) {
		diag_add(dl, path, 0, 0, "out of memory");
		free(s);
		return NULL;
	}
	for (int i = 0; i < CTL_CLIENTS_MAX; i++)
		s->c[i].fd = -1;

	/* An existing socket file: in use if a daemon answers, else stale and replaced. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			diag_add(dl, path, 0, 0, "exists and is not a socket; not replacing it");
			goto err_free;
		}
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(probe);
			diag_add(dl, path, 0, 0,
				 "control socket in use: another ipsecfwd is running (use -s)");
			goto err_free;
		}
		if (probe >= 0)
			close(probe);
		if (unlink(path) < 0) {
			diag_add(dl, path, 0, 0, "cannot remove stale socket: %s", strerror(errno));
			goto err_free;
		}
	}
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0) {
		diag_add(dl, path, 0, 0, "socket: %s", strerror(errno));
		goto err_free;
	}
	old = umask(0077);	/* no window in which the socket is open to others */
	if (bind(s->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		umask(old);
		diag_add(dl, path, 0, 0, "cannot bind control socket: %s", strerror(errno));
		goto err_close;
	}
	umask(old);
	if (chmod(path, 0600) < 0 || listen(s->fd, 16) < 0) {
		diag_add(dl, path, 0, 0, "control socket: %s", strerror(errno));
		unlink(path);
		goto err_close;
	}
	return s;

err_close:
	close(s->fd);
err_free:
	free(s->path);
	free(s);
	return NULL;
}

static void client_drop(struct client *c)
{
	close(c->fd);
	free(c->in);
	free(c->out);
	*c = (struct client){ .fd = -1 };
}

void ctl_server_close(struct ctl_server *s)
{
	if (!s)
		return;
	for (int i = 0; i < CTL_CLIENTS_MAX; i++)
		if (s->c[i].fd >= 0)
			client_drop(&s->c[i]);
	close(s->fd);
	unlink(s->path);
	free(s->path);
	free(s);
}

const struct ctl_server_stats *ctl_server_stats(const struct ctl_server *s)
{
	return &s->stats;
}

int ctl_server_pollfds(struct ctl_server *s, struct pollfd *fds)
{
	int n = 0;

	/* fds[0] is always the listener; while accepting is paused it asks for nothing. */
	fds[n++] = (struct pollfd){ .fd = s->fd,
				    .events = time(NULL) < s->accept_paused_until ? 0 : POLLIN };
	for (int i = 0; i < CTL_CLIENTS_MAX; i++) {
		struct client *c = &s->c[i];

		if (c->fd < 0)
			continue;
		/* While a reply is pending, read nothing more from that client: backpressure. */
		fds[n++] = (struct pollfd){ .fd = c->fd,
					    .events = c->out ? POLLOUT : POLLIN };
	}
	return n;
}

/* Queue text (len bytes) plus a newline as the client's reply. */
static void client_reply(struct client *c, const char *text, size_t len)
{
	char *o = malloc(len + 1);

	if (!o) {
		c->closing = true;	/* cannot answer: hang up rather than hang */
		return;
	}
	memcpy(o, text, len);
	o[len] = '\n';
	c->out = o;
	c->out_len = len + 1;
	c->out_off = 0;
}

static void reply_error(struct client *c, const char *msg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		c->closing = true;
		return;
	}
	fputs("{\"ok\":false,\"error\":", f);
	json_write_str(f, msg);
	fputc('}', f);
	if (fclose(f) == 0)
		client_reply(c, buf, len);
	else
		c->closing = true;
	free(buf);
}

static void handle_line(struct ctl_server *s, struct client *c, char *line, size_t len,
			ctl_handler_fn handler, void *arg)
{
	char err[160], *body = NULL, *buf = NULL;
	struct ctl_json *req;
	size_t blen = 0, len2 = 0;
	FILE *f;
	int ret;

	s->stats.requests++;
	req = ctl_json_parse(line, len, err, sizeof(err));
	if (!req) {
		s->stats.bad_requests++;
		reply_error(c, err);
		return;
	}
	if (req->type != CTL_JSON_OBJ || !ctl_json_str(ctl_json_get(req, "cmd"))) {
		s->stats.bad_requests++;
		reply_error(c, "request must be a JSON object with a string \"cmd\"");
		goto out;
	}
	f = open_memstream(&body, &blen);
	if (!f) {
		reply_error(c, "out of memory");
		goto out;
	}
	ret = handler(arg, req, f);
	if (fclose(f) != 0) {
		reply_error(c, "out of memory");
		goto out;
	}
	if (ret < 0) {
		s->stats.bad_requests++;
		reply_error(c, body);
		goto out;
	}
	f = open_memstream(&buf, &len2);
	if (!f) {
		reply_error(c, "out of memory");
		goto out;
	}
	fprintf(f, "{\"ok\":true%s%s}", blen ? "," : "", body);
	if (fclose(f) == 0)
		client_reply(c, buf, len2);
	else
		reply_error(c, "out of memory");
out:
	free(buf);
	free(body);
	ctl_json_free(req);
}

/*
 * Answer the next complete request line in the input buffer, skipping blank lines, until a
 * reply is pending (one reply in flight per client: backpressure).
 */
static void client_process(struct ctl_server *s, struct client *c, ctl_handler_fn handler,
			   void *arg)
{
	while (!c->out && !c->closing) {
		char *nl = memchr(c->in, '\n', c->in_len);
		size_t used;

		if (!nl) {
			if (c->in_len == CTL_REQ_MAX) {
				s->stats.overflows++;
				reply_error(c, "request too long (limit 65536 bytes per line)");
				c->closing = true;
			}
			return;
		}
		used = (size_t)(nl - c->in) + 1;
		if (used > 1 && !(used == 2 && c->in[0] == '\r'))
			handle_line(s, c, c->in, used - 1, handler, arg);
		memmove(c->in, c->in + used, c->in_len - used);
		c->in_len -= used;
	}
}

static void client_read(struct ctl_server *s, struct client *c, ctl_handler_fn handler,
			void *arg)
{
	ssize_t n = read(c->fd, c->in + c->in_len, CTL_REQ_MAX - c->in_len);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		client_drop(c);
		return;
	}
	if (n > 0) {
		c->in_len += (size_t)n;
		c->last = time(NULL);
	}
	client_process(s, c, handler, arg);
}

static void client_write(struct ctl_server *s, struct client *c, ctl_handler_fn handler,
			 void *arg)
{
	ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			client_drop(c);
		return;
	}
	c->out_off += (size_t)n;
	c->last = time(NULL);
	if (c->out_off < c->out_len)
		return;
	free(c->out);
	c->out = NULL;
	if (c->closing) {
		client_drop(c);
		return;
	}
	client_process(s, c, handler, arg);	/* requests that arrived meanwhile */
}

static void accept_one(struct ctl_server *s)
{
	int fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct client *c = NULL;

	if (fd < 0) {
		/* Out of descriptors: the listener stays readable; stop polling it for a second
		 * rather than spin. */
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
			s->accept_paused_until = time(NULL) + 1;
		return;
	}
	s->stats.accepted++;
	for (int i = 0; i < CTL_CLIENTS_MAX && !c; i++)
		if (s->c[i].fd < 0)
			c = &s->c[i];
	if (!c || !(c->in = malloc(CTL_REQ_MAX))) {
		static const char busy[] = "{\"ok\":false,\"error\":\"too many clients\"}\n";

		(void)!send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
		return;
	}
	c->fd = fd;
	c->last = time(NULL);
}

void ctl_server_service(struct ctl_server *s, const struct pollfd *fds, int n,
			ctl_handler_fn handler, void *arg)
{
	time_t now = time(NULL);

	for (int k = 1; k < n; k++) {
		struct client *c = NULL;

		if (!fds[k].revents)
			continue;

		for (int i = 0; i < CTL_CLIENTS_MAX; i++)
			if (s->c[i].fd == fds[k].fd)
				c = &s->c[i];
		if (!c)
			continue;
		if (fds[k].revents & POLLOUT && c->out)
			client_write(s, c, handler, arg);
		else if (fds[k].revents & (POLLIN | POLLHUP | POLLERR) && !c->out)
			client_read(s, c, handler, arg);
		else if (fds[k].revents & (POLLHUP | POLLERR))
			client_drop(c);
	}
	/* Idle readers, and writers whose client stopped reading, lose their slot. */
	for (int i = 0; i < CTL_CLIENTS_MAX; i++)
		if (s->c[i].fd >= 0 && now - s->c[i].last > IDLE_TIMEOUT)
			client_drop(&s->c[i]);
	if (n > 0 && fds[0].revents & POLLIN)
		for (int k = 0; k < 8; k++)	/* a few per round: no client starves the rest */
			accept_one(s);
}

/* ---- client ---- */

int ctl_client_connect(const char *path, struct diag_list *dl)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		diag_add(dl, path, 0, 0, "control socket path too long");
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		diag_add(dl, path, 0, 0, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	if (errno == ENOENT || errno == ECONNREFUSED)
		diag_add(dl, path, 0, 0, "ipsecfwd is not running (nothing listens on this socket)");
	else if (errno == EACCES || errno == EPERM)
		diag_add(dl, path, 0, 0, "permission denied (the control socket is root's: "
			 "run as root)");
	else
		diag_add(dl, path, 0, 0, "cannot connect to ipsecfwd: %s", strerror(errno));
	close(fd);
	return -1;
}

struct ctl_json *ctl_client_call(int fd, const char *req, char **raw, struct diag_list *dl)
{
	size_t len = 0, cap = 65536, rl = strlen(req);
	int send_err = 0;
	struct ctl_json *v;
	char err[160];
	char *buf;

	/* A refused send (the daemon hung up, say with "too many clients") may still have left
	 * a reply to read: read before giving up. */
	if (send(fd, req, rl, MSG_NOSIGNAL) != (ssize_t)rl || send(fd, "\n", 1, MSG_NOSIGNAL) != 1)
		send_err = errno;
	buf = malloc(cap);
	if (!buf) {
		diag_add(dl, "ipsecfwd", 0, 0, "out of memory");
		return NULL;
	}
	for (;;) {
		ssize_t n;

		if (len && buf[len - 1] == '\n')
			break;
		if (len == cap) {
			char *nb = cap < CTL_REPLY_MAX ? realloc(buf, cap * 2) : NULL;

			if (!nb) {
				diag_add(dl, "ipsecfwd", 0, 0, "reply too long");
				goto err;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (send_err)
				diag_add(dl, "ipsecfwd", 0, 0, "cannot send request: %s",
					 strerror(send_err));
			else
				diag_add(dl, "ipsecfwd", 0, 0, "%s", n == 0 ?
					 "the daemon closed the connection without a reply" :
					 strerror(errno));
			goto err;
		}
		len += (size_t)n;
	}
	buf[--len] = 0;
	v = ctl_json_parse(buf, len, err, sizeof(err));
	if (!v) {
		diag_add(dl, "ipsecfwd", 0, 0, "unreadable reply: %s", err);
		goto err;
	}
	if (raw)
		*raw = buf;
	else
		free(buf);
	return v;
err:
	free(buf);
	return NULL;
}

/* ---- text rendering ---- */

static uint64_t u(const struct ctl_json *v, const char *key)
{
	return ctl_json_u64(ctl_json_get(v, key));
}

static uint64_t u2(const struct ctl_json *v, const char *a, const char *b)
{
	return ctl_json_u64(ctl_json_get(ctl_json_get(v, a), b));
}

static void print_duration(FILE *o, uint64_t s)
{
	if (s >= 86400)
		fprintf(o, "%llud%02lluh", (unsigned long long)(s / 86400),
			(unsigned long long)(s % 86400 / 3600));
	else if (s >= 3600)
		fprintf(o, "%lluh%02llum", (unsigned long long)(s / 3600),
			(unsigned long long)(s % 3600 / 60));
	else if (s >= 60)
		fprintf(o, "%llum%02llus", (unsigned long long)(s / 60),
			(unsigned long long)(s % 60));
	else
		fprintf(o, "%llus", (unsigned long long)s);
}

/* Non-zero reasons as "name n, name n"; "none" when all are zero. */
static void print_reasons(FILE *o, const struct ctl_json *reasons)
{
	bool any = false;

	for (size_t i = 0; reasons && reasons->type == CTL_JSON_OBJ && i < reasons->n; i++) {
		uint64_t n = ctl_json_u64(&reasons->items[i]);

		if (!n)
			continue;
		fprintf(o, "%s%s %llu", any ? ", " : "", reasons->keys[i], (unsigned long long)n);
		any = true;
	}
	if (!any)
		fputs("none", o);
}

static double rate(uint64_t now, uint64_t before, double dt)
{
	return now >= before ? (double)(now - before) / dt : 0;
}

void ctl_print_counters(FILE *o, const struct ctl_json *r, const struct ctl_json *prev,
			double dt)
{
	const struct ctl_json *rules = ctl_json_get(r, "rules");
	const struct ctl_json *prules = prev ? ctl_json_get(prev, "rules") : NULL;
	bool rates = prev && dt > 0;
	time_t loaded = (time_t)u(r, "loaded");
	char when[32] = "?";
	struct tm tm;

	if (localtime_r(&loaded, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(o, "rules %s, loaded %s, %llu reload%s, up ", ctl_json_str(ctl_json_get(r, "file")) ?
		ctl_json_str(ctl_json_get(r, "file")) : "?", when,
		(unsigned long long)u(r, "reloads"), u(r, "reloads") == 1 ? "" : "s");
	print_duration(o, u(r, "uptime"));
	fprintf(o, "\n%6s %12s %14s%s  %s\n", "rule", "packets", "bytes", rates ? "    pkts/s" : "",
		"text");
	for (size_t i = 0; rules && rules->type == CTL_JSON_ARR && i < rules->n; i++) {
		const struct ctl_json *ru = &rules->items[i];
		const char *text = ctl_json_str(ctl_json_get(ru, "text"));

		fprintf(o, "%6llu %12llu %14llu", (unsigned long long)u(ru, "rule"),
			(unsigned long long)u(ru, "packets"), (unsigned long long)u(ru, "bytes"));
		if (rates) {
			const struct ctl_json *pr = prules && prules->type == CTL_JSON_ARR &&
						    i < prules->n ? &prules->items[i] : NULL;

			fprintf(o, " %9.1f", pr ? rate(u(ru, "packets"), u(pr, "packets"), dt) : 0.0);
		}
		fprintf(o, "  %s\n", text ? text : "");
	}
	fprintf(o, "%6s %12llu %14llu", "policy", (unsigned long long)u2(r, "policy", "packets"),
		(unsigned long long)u2(r, "policy", "bytes"));
	if (rates)
		fprintf(o, " %9.1f", rate(u2(r, "policy", "packets"), u2(prev, "policy", "packets"),
					  dt));
	fprintf(o, "  policy %s\n", ctl_json_str(ctl_json_get(ctl_json_get(r, "policy"),
							       "verdict")) ?: "?");
	fprintf(o, "%6s %12llu %14llu", "total", (unsigned long long)u(r, "packets"),
		(unsigned long long)u(r, "bytes"));
	if (rates)
		fprintf(o, " %9.1f", rate(u(r, "packets"), u(prev, "packets"), dt));
	fprintf(o, "  pass %llu (%llu bytes), block %llu (%llu bytes)\n",
		(unsigned long long)u2(r, "pass", "packets"),
		(unsigned long long)u2(r, "pass", "bytes"),
		(unsigned long long)u2(r, "block", "packets"),
		(unsigned long long)u2(r, "block", "bytes"));
	fputs("decoder rejects: ", o);
	print_reasons(o, ctl_json_get(r, "reasons"));
	fputc('\n', o);
}

void ctl_print_stats(FILE *o, const struct ctl_json *r)
{
	const struct ctl_json *qs = ctl_json_get(r, "queues");

	for (size_t i = 0; qs && qs->type == CTL_JSON_ARR && i < qs->n; i++) {
		const struct ctl_json *q = &qs->items[i];
		const struct ctl_json *k = ctl_json_get(q, "kernel");

		fprintf(o, "queue %llu: received %llu (%llu bytes), decoded %llu\n",
			(unsigned long long)u(q, "queue"), (unsigned long long)u(q, "received"),
			(unsigned long long)u(q, "bytes"), (unsigned long long)u(q, "decoded"));
		fprintf(o, "  verdicts: pass %llu (%llu bytes), block %llu (%llu bytes)\n",
			(unsigned long long)u2(q, "pass", "packets"),
			(unsigned long long)u2(q, "pass", "bytes"),
			(unsigned long long)u2(q, "block", "packets"),
			(unsigned long long)u2(q, "block", "bytes"));
		fputs("  decoder rejects: ", o);
		print_reasons(o, ctl_json_get(q, "reasons"));
		fprintf(o, "\n  netlink: %llu bursts, %llu verdict sends (%llu batch + %llu single "
			"verdicts), %llu send errors, %llu verdicts refused, %llu ENOBUFS overruns, "
			"%llu unjudgeable, %llu malformed\n",
			(unsigned long long)u(q, "bursts"), (unsigned long long)u(q, "sends"),
			(unsigned long long)u(q, "batches"), (unsigned long long)u(q, "singles"),
			(unsigned long long)u(q, "send_errors"), (unsigned long long)u(q, "verdict_errors"),
			(unsigned long long)u(q, "enobufs"),
			(unsigned long long)u(q, "unjudgeable"), (unsigned long long)u(q, "malformed"));
		if (k && k->type == CTL_JSON_OBJ)
			fprintf(o, "  kernel: %llu queued since bind, %llu waiting, dropped %llu "
				"(queue full) + %llu (socket full)\n",
				(unsigned long long)u(k, "id_sequence"),
				(unsigned long long)u(k, "waiting"),
				(unsigned long long)u(k, "queue_dropped"),
				(unsigned long long)u(k, "user_dropped"));
		else
			fputs("  kernel: queue not listed in /proc/net/netfilter/nfnetlink_queue\n", o);
	}
	fprintf(o, "total: received %llu, pass %llu, block %llu; decoder rejects: ",
		(unsigned long long)u(r, "received"), (unsigned long long)u2(r, "pass", "packets"),
		(unsigned long long)u2(r, "block", "packets"));
	print_reasons(o, ctl_json_get(r, "reasons"));
	if (ctl_json_get(r, "ah")) {
		fprintf(o, "\nah (%llu SAs): ", (unsigned long long)u(r, "sas"));
		print_reasons(o, ctl_json_get(r, "ah"));
		fputs("\nesp: ", o);
		print_reasons(o, ctl_json_get(r, "esp"));
	}
	fprintf(o, "\nlog: %llu lines written, %llu suppressed by the rate limit, %llu dropped "
		"(ring full)\n", (unsigned long long)u2(r, "log", "written"),
		(unsigned long long)u2(r, "log", "suppressed"),
		(unsigned long long)u2(r, "log", "dropped"));
	fprintf(o, "reloads: %llu (%llu refused), link changes %llu; control: %llu connections, "
		"%llu requests (%llu refused); %s; up ",
		(unsigned long long)u(r, "reloads"), (unsigned long long)u(r, "reload_failures"),
		(unsigned long long)u(r, "link_changes"),
		(unsigned long long)u2(r, "control", "connections"),
		(unsigned long long)u2(r, "control", "requests"),
		(unsigned long long)u2(r, "control", "bad_requests"),
		ctl_json_get(r, "fail_open") && ctl_json_get(r, "fail_open")->b ? "fail-open" :
		"fail-closed");
	print_duration(o, u(r, "uptime"));
	fputc('\n', o);
}
