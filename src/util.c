// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * util: checked allocation for the control path, secret wiping and diagnostics. Nothing here
 * is called per packet.
 */
#include "ipsecfw/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
	fprintf(stderr, "ipsecfw: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = xmalloc(n);

	memcpy(p, s, n);
	return p;
}

void wipe(void *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}

void diag_add(struct diag_list *dl, const char *file, unsigned line, unsigned col,
	      const char *fmt, ...)
{
	struct diag *d;
	va_list ap;

	if (dl->n >= DIAG_MAX) {
		dl->dropped++;
		return;
	}
	d = &dl->d[dl->n++];
	snprintf(d->file, sizeof(d->file), "%s", file ? file : "");
	d->line = line;
	d->col = col;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
}

int diag_format(const struct diag *d, char *buf, size_t size)
{
	if (d->line && d->col)
		return snprintf(buf, size, "%s:%u:%u: %s", d->file, d->line, d->col, d->msg);
	if (d->line)
		return snprintf(buf, size, "%s:%u: %s", d->file, d->line, d->msg);
	return snprintf(buf, size, "%s: %s", d->file, d->msg);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

void json_write_str(FILE *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	fputc('"', o);
	while (*p) {
		n = utf8_len(p);
		if (!n) {
			fputs("\\ufffd", o);
			p++;
		} else if (*p == '"' || *p == '\\') {
			fprintf(o, "\\%c", *p++);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(o, "\\u%04x", *p++);
		} else {
			fwrite(p, 1, n, o);
			p += n;
		}
	}
	fputc('"', o);
}
