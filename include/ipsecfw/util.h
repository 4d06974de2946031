/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef IPSECFW_UTIL_H
#define IPSECFW_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MUST_CHECK __attribute__((warn_unused_result))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CACHELINE 64

/* Byte loads from packet memory: no alignment is assumed (NFQUEUE payloads have none). */
#define IPSECFW_VERSION "0.2.0"

static inline uint16_t load_be16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t load_be64(const uint8_t *p)
{
	return (uint64_t)load_be32(p) << 32 | load_be32(p + 4);
}

/*
 * Checked allocation for the control path (parsers, CLI, table building): abort with a
 * message on OOM. Banned on the packet path and in the running daemon.
 */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* Wipe secret memory so the compiler cannot elide it. NULL with n == 0 is fine. */
void wipe(void *p, size_t n);

/*
 * Diagnostics from the control path. Parsers keep going after an error and collect up to
 * DIAG_MAX of them; `dropped` counts the ones past the cap. line/col are 1-based; 0 means
 * "no position" (an error about the whole file).
 */
#define DIAG_MAX 20
#define DIAG_MSG 256

struct diag {
	char file[128];
	unsigned line;
	unsigned col;
	char msg[DIAG_MSG];
};

struct diag_list {
	struct diag d[DIAG_MAX];
	unsigned n;
	unsigned dropped;
};

/* Append a printf-formatted diagnostic; past DIAG_MAX only `dropped` grows. */
void diag_add(struct diag_list *dl, const char *file, unsigned line, unsigned col,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Format one diagnostic as "file:line:col: msg" (or "file: msg" without a position). */
int diag_format(const struct diag *d, char *buf, size_t size);

/*
 * Write s as a JSON string (quotes included) to o: control characters escaped, and any byte
 * that is not part of valid UTF-8 written as U+FFFD, so the output is always valid JSON.
 */
void json_write_str(FILE *o, const char *s);

#endif
